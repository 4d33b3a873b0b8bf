// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem arena quotas (uapi/linux/nnmem.h, "DOC: nnmem arena quotas").
 *
 * Each device limits the arena bytes of each kind that one session may
 * hold (quota_session_weight_bytes, quota_session_activation_bytes) and
 * that all sessions of one uid may hold together (quota_uid). What is
 * counted is a region's span (&nnmem_region_info.span), not the alignment
 * padding around it, so that ALLOC can check before it places the region.
 *
 * Every session has an account (&struct nnmem_quota_acct) that names its
 * uid's entry (&struct nnmem_quota_user): the euid of the opener in the
 * initial user namespace. ALLOC charges the new region's span to the
 * account and to the uid, under the device lock and before the region is
 * placed; a charge that would take either past its limit fails with
 * -EDQUOT and changes nothing. The charge follows the span: it is given
 * back when the region's span goes back to the arena, so a region freed
 * while mapped stays charged until its last mapping goes. A charged region
 * holds a reference to the account, so the account outlives its session if
 * need be.
 *
 * A uid's entry exists while the uid has a quota or an account; at most
 * NNMEM_QUOTA_UIDS_MAX entries have a quota. Limits are read at each
 * charge: lowering one below what is held refuses new charges and frees
 * nothing.
 *
 * Everything is under the device lock (nnmem_device.lock), which the
 * charges take anyway; the users xarray's own lock nests inside it.
 */

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>

#include "nnmem_drv.h"
#include "nnmem_quota.h"

/* The marked users of nnmem_quota.users: those with a quota. */
#define NNMEM_QUOTA_LIMITED	XA_MARK_0

/*
 * Longest line of quota_uid: five numbers of at most 10 digits (a uid
 * below 2^32, limits and bytes at most the 4 GiB an arena may have), four
 * spaces and a newline. NNMEM_QUOTA_UIDS_MAX lines fit in a page.
 */
#define NNMEM_QUOTA_LINE_MAX	56
static_assert(NNMEM_QUOTA_UIDS_MAX * NNMEM_QUOTA_LINE_MAX <= 4096);

/* Longest line quota_uid accepts, newline included. */
#define NNMEM_QUOTA_INPUT_MAX	80

/**
 * nnmem_quota_init - set a device's quotas up: none at all
 * @q: the device's quotas
 */
void nnmem_quota_init(struct nnmem_quota *q)
{
	unsigned int k;

	for (k = 0; k < NNMEM_ARENA_NR_KINDS; k++)
		q->session_limit[k] = NNMEM_QUOTA_NONE;
	xa_init(&q->users);
	q->nr_limited = 0;
}

/**
 * nnmem_quota_fini - free a device's quotas
 * @q: the device's quotas; no session may be left
 */
void nnmem_quota_fini(struct nnmem_quota *q)
{
	struct nnmem_quota_user *u;
	unsigned long uid;

	xa_for_each(&q->users, uid, u) {
		WARN_ON(u->accts || u->bytes[0] || u->bytes[1]);
		kfree(u);
	}
	xa_destroy(&q->users);
}

static bool nnmem_quota_user_limited(const struct nnmem_quota_user *u)
{
	return u->limit[NNMEM_ARENA_WEIGHT] != NNMEM_QUOTA_NONE ||
	       u->limit[NNMEM_ARENA_ACTIVATION] != NNMEM_QUOTA_NONE;
}

/* Free @u if nothing keeps it: no account and no quota. */
static void nnmem_quota_user_gc_locked(struct nnmem_device *ndev,
				       struct nnmem_quota_user *u)
{
	lockdep_assert_held(&ndev->lock);
	if (u->accts || nnmem_quota_user_limited(u))
		return;
	WARN_ON(u->bytes[0] || u->bytes[1]);
	xa_erase(&ndev->quota.users, u->uid);
	kfree(u);
}

/**
 * nnmem_quota_acct_new - a new session's account
 * @ndev: the device
 * @uid: the opener's euid in the initial user namespace
 *
 * Takes the device lock.
 *
 * Return: the account, holding the session's reference, or
 * ERR_PTR(-ENOMEM).
 */
struct nnmem_quota_acct *nnmem_quota_acct_new(struct nnmem_device *ndev,
					      u32 uid)
{
	struct nnmem_quota_user *u, *fresh;
	struct nnmem_quota_acct *a;
	unsigned int k;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!a || !fresh) {
		ret = -ENOMEM;
		goto err_free;
	}
	fresh->uid = uid;
	for (k = 0; k < NNMEM_ARENA_NR_KINDS; k++)
		fresh->limit[k] = NNMEM_QUOTA_NONE;

	mutex_lock(&ndev->lock);
	u = xa_load(&ndev->quota.users, uid);
	if (!u) {
		ret = xa_insert(&ndev->quota.users, uid, fresh,
				GFP_KERNEL_ACCOUNT);
		if (ret) {
			mutex_unlock(&ndev->lock);
			goto err_free;
		}
		u = fresh;
		fresh = NULL;
	}
	u->accts++;
	a->user = u;
	a->refs = 1;
	mutex_unlock(&ndev->lock);
	kfree(fresh);
	return a;

err_free:
	kfree(fresh);
	kfree(a);
	return ERR_PTR(ret);
}

static void nnmem_quota_acct_put_locked(struct nnmem_device *ndev,
					struct nnmem_quota_acct *a)
{
	struct nnmem_quota_user *u = a->user;

	lockdep_assert_held(&ndev->lock);
	if (--a->refs)
		return;
	WARN_ON(a->bytes[0] || a->bytes[1]);
	kfree(a);
	u->accts--;
	nnmem_quota_user_gc_locked(ndev, u);
}

/**
 * nnmem_quota_acct_put - drop the session's reference to its account
 * @ndev: the device
 * @a: the account
 *
 * Takes the device lock. Regions still charged keep the account.
 */
void nnmem_quota_acct_put(struct nnmem_device *ndev,
			  struct nnmem_quota_acct *a)
{
	mutex_lock(&ndev->lock);
	nnmem_quota_acct_put_locked(ndev, a);
	mutex_unlock(&ndev->lock);
}

/**
 * nnmem_quota_charge_locked - charge a region's span before placing it
 * @ndev: the device, locked
 * @a: the allocating session's account
 * @kind: the region's kind
 * @bytes: its span, at most the arena size
 *
 * On success the region holds a reference to @a until
 * nnmem_quota_uncharge_locked() with the same @kind and @bytes.
 *
 * Return: 0, or -EDQUOT (nothing charged) if the session or its uid would
 * go past its quota of @kind.
 */
int nnmem_quota_charge_locked(struct nnmem_device *ndev,
			      struct nnmem_quota_acct *a,
			      enum nnmem_arena_kind kind, u64 bytes)
{
	struct nnmem_quota_user *u = a->user;

	lockdep_assert_held(&ndev->lock);
	/* each at most the arena size (4 GiB): no sum overflows */
	if (a->bytes[kind] + bytes > ndev->quota.session_limit[kind] ||
	    u->bytes[kind] + bytes > u->limit[kind])
		return -EDQUOT;
	a->bytes[kind] += bytes;
	u->bytes[kind] += bytes;
	u->regions++;
	a->refs++;
	return 0;
}

/**
 * nnmem_quota_uncharge_locked - give a region's charge back
 * @ndev: the device, locked
 * @a: the account charged
 * @kind: as charged
 * @bytes: as charged
 *
 * Drops the region's reference to @a (which may free it).
 */
void nnmem_quota_uncharge_locked(struct nnmem_device *ndev,
				 struct nnmem_quota_acct *a,
				 enum nnmem_arena_kind kind, u64 bytes)
{
	struct nnmem_quota_user *u = a->user;

	lockdep_assert_held(&ndev->lock);
	if (WARN_ON(a->bytes[kind] < bytes || u->bytes[kind] < bytes))
		bytes = min(a->bytes[kind], u->bytes[kind]);
	a->bytes[kind] -= bytes;
	u->bytes[kind] -= bytes;
	if (!WARN_ON(!u->regions))
		u->regions--;
	nnmem_quota_acct_put_locked(ndev, a);
}

/**
 * nnmem_quota_usage_locked - fill USAGE's quota fields
 * @ndev: the device, locked
 * @a: the calling session's account
 * @u: filled in (the quota fields only)
 */
void nnmem_quota_usage_locked(struct nnmem_device *ndev,
			      const struct nnmem_quota_acct *a,
			      struct nnmem_usage *u)
{
	const struct nnmem_quota_user *qu = a->user;
	const struct nnmem_quota *q = &ndev->quota;

	lockdep_assert_held(&ndev->lock);
	u->quota_uid = qu->uid;
	u->session_weight_span = a->bytes[NNMEM_ARENA_WEIGHT];
	u->session_activation_span = a->bytes[NNMEM_ARENA_ACTIVATION];
	u->uid_weight_span = qu->bytes[NNMEM_ARENA_WEIGHT];
	u->uid_activation_span = qu->bytes[NNMEM_ARENA_ACTIVATION];
	u->session_weight_quota = q->session_limit[NNMEM_ARENA_WEIGHT];
	u->session_activation_quota = q->session_limit[NNMEM_ARENA_ACTIVATION];
	u->uid_weight_quota = qu->limit[NNMEM_ARENA_WEIGHT];
	u->uid_activation_quota = qu->limit[NNMEM_ARENA_ACTIVATION];
}

/* "max" for no limit, else a byte count of at most the arena size. */
static int nnmem_quota_parse(const struct nnmem_device *ndev, const char *s,
			     u64 *limit)
{
	if (sysfs_streq(s, "max")) {
		*limit = NNMEM_QUOTA_NONE;
		return 0;
	}
	if (kstrtou64(s, 10, limit) || *limit > ndev->size)
		return -EINVAL;
	return 0;
}

static int nnmem_quota_emit_limit(char *buf, int at, u64 limit)
{
	if (limit == NNMEM_QUOTA_NONE)
		return sysfs_emit_at(buf, at, "max");
	return sysfs_emit_at(buf, at, "%llu", limit);
}

/**
 * nnmem_quota_session_show - quota_session_{weight,activation}_bytes
 * @ndev: the device
 * @kind: which file
 * @buf: sysfs' page
 *
 * Return: bytes written: "max" or the limit, and a newline.
 */
ssize_t nnmem_quota_session_show(struct nnmem_device *ndev,
				 enum nnmem_arena_kind kind, char *buf)
{
	u64 limit;
	int len;

	mutex_lock(&ndev->lock);
	limit = ndev->quota.session_limit[kind];
	mutex_unlock(&ndev->lock);
	len = nnmem_quota_emit_limit(buf, 0, limit);
	return len + sysfs_emit_at(buf, len, "\n");
}

/**
 * nnmem_quota_session_store - set a session quota
 * @ndev: the device
 * @kind: which file
 * @buf: "max" or a byte count up to the arena size, optionally followed
 *	by a newline
 * @count: bytes in @buf
 *
 * Return: @count, or -EINVAL (nothing changed).
 */
ssize_t nnmem_quota_session_store(struct nnmem_device *ndev,
				  enum nnmem_arena_kind kind, const char *buf,
				  size_t count)
{
	u64 limit;
	int ret;

	ret = nnmem_quota_parse(ndev, buf, &limit);
	if (ret)
		return ret;
	mutex_lock(&ndev->lock);
	ndev->quota.session_limit[kind] = limit;
	mutex_unlock(&ndev->lock);
	return count;
}

static int nnmem_quota_emit_user(char *buf, int at,
				 const struct nnmem_quota_user *u)
{
	int len = at;

	len += sysfs_emit_at(buf, len, "%u ", u->uid);
	len += nnmem_quota_emit_limit(buf, len, u->limit[NNMEM_ARENA_WEIGHT]);
	len += sysfs_emit_at(buf, len, " ");
	len += nnmem_quota_emit_limit(buf, len,
				      u->limit[NNMEM_ARENA_ACTIVATION]);
	len += sysfs_emit_at(buf, len, " %llu %llu\n",
			     u->bytes[NNMEM_ARENA_WEIGHT],
			     u->bytes[NNMEM_ARENA_ACTIVATION]);
	return len - at;
}

/**
 * nnmem_quota_uid_show - quota_uid: one line per uid
 * @ndev: the device
 * @buf: sysfs' page
 *
 * "UID WEIGHT_QUOTA ACTIVATION_QUOTA WEIGHT_BYTES ACTIVATION_BYTES": the
 * uids with a quota in ascending order, then those without one but with
 * an open file or a charged span, as many as fit in the page. The work is
 * bounded by the page: at most %NNMEM_QUOTA_UIDS_MAX entries are skipped.
 *
 * Return: bytes written.
 */
ssize_t nnmem_quota_uid_show(struct nnmem_device *ndev, char *buf)
{
	struct xarray *users = &ndev->quota.users;
	struct nnmem_quota_user *u;
	unsigned long uid;
	int len = 0;

	mutex_lock(&ndev->lock);
	xa_for_each_marked(users, uid, u, NNMEM_QUOTA_LIMITED)
		len += nnmem_quota_emit_user(buf, len, u);
	xa_for_each(users, uid, u) {
		if (nnmem_quota_user_limited(u))
			continue;
		if (len + NNMEM_QUOTA_LINE_MAX > PAGE_SIZE)
			break;
		len += nnmem_quota_emit_user(buf, len, u);
	}
	mutex_unlock(&ndev->lock);
	return len;
}

/*
 * Split "UID WEIGHT ACTIVATION" (blanks between, an optional newline at
 * the end) in @line, in place.
 */
static int nnmem_quota_split(char *line, char *field[3])
{
	char *p = strim(line), *tok;
	unsigned int n = 0;

	while ((tok = strsep(&p, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (n == 3)
			return -EINVAL;
		field[n++] = tok;
	}
	return n == 3 ? 0 : -EINVAL;
}

/**
 * nnmem_quota_uid_store - set (or with "max max" remove) a uid's quota
 * @ndev: the device
 * @buf: one line "UID WEIGHT ACTIVATION", each limit "max" or a byte count
 *	up to the arena size
 * @count: bytes in @buf
 *
 * Return: @count; -EINVAL for a bad line, -ENOSPC when the uid would be a
 * quota past the %NNMEM_QUOTA_UIDS_MAX-th, -ENOMEM (nothing changed on
 * error).
 */
ssize_t nnmem_quota_uid_store(struct nnmem_device *ndev, const char *buf,
			      size_t count)
{
	struct nnmem_quota *q = &ndev->quota;
	char line[NNMEM_QUOTA_INPUT_MAX], *field[3];
	u64 limit[NNMEM_ARENA_NR_KINDS];
	struct nnmem_quota_user *u, *fresh = NULL;
	bool limited, was_limited;
	unsigned int k;
	u32 uid;
	int ret;

	if (count >= sizeof(line))
		return -EINVAL;
	memcpy(line, buf, count);
	line[count] = '\0';
	ret = nnmem_quota_split(line, field);
	if (ret)
		return ret;
	/* (uid_t)-1 is no uid */
	if (kstrtou32(field[0], 10, &uid) || uid == U32_MAX)
		return -EINVAL;
	for (k = 0; k < NNMEM_ARENA_NR_KINDS; k++) {
		ret = nnmem_quota_parse(ndev, field[1 + k], &limit[k]);
		if (ret)
			return ret;
	}
	limited = limit[0] != NNMEM_QUOTA_NONE || limit[1] != NNMEM_QUOTA_NONE;
	if (limited) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh)
			return -ENOMEM;
		fresh->uid = uid;
	}

	mutex_lock(&ndev->lock);
	u = xa_load(&q->users, uid);
	was_limited = u && nnmem_quota_user_limited(u);
	if (!u && !limited)
		goto out_unlock;	/* no quota, and none to remove */
	if (limited && !was_limited && q->nr_limited >= NNMEM_QUOTA_UIDS_MAX) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	if (!u) {
		ret = xa_insert(&q->users, uid, fresh, GFP_KERNEL);
		if (ret)
			goto out_unlock;
		u = fresh;
		fresh = NULL;
	}
	memcpy(u->limit, limit, sizeof(limit));
	if (limited && !was_limited) {
		xa_set_mark(&q->users, uid, NNMEM_QUOTA_LIMITED);
		q->nr_limited++;
	} else if (!limited && was_limited) {
		xa_clear_mark(&q->users, uid, NNMEM_QUOTA_LIMITED);
		q->nr_limited--;
		nnmem_quota_user_gc_locked(ndev, u);
	}
out_unlock:
	mutex_unlock(&ndev->lock);
	kfree(fresh);
	return ret ? ret : count;
}

/**
 * nnmem_quota_user_next - the user of the lowest uid at or above @from
 * @ndev: the device
 * @from: first uid to look at
 * @st: filled with a copy of the user's entry: its uid, quotas and
 *	charges
 *
 * Users are the uids with a quota or an account on the device. Takes the
 * device lock.
 *
 * Return: 0, or -ENOENT if there is none at or above @from.
 */
int nnmem_quota_user_next(struct nnmem_device *ndev, u32 from,
			  struct nnmem_quota_user *st)
{
	struct nnmem_quota_user *u;
	unsigned long uid = from;
	int ret = -ENOENT;

	mutex_lock(&ndev->lock);
	u = xa_find(&ndev->quota.users, &uid, U32_MAX, XA_PRESENT);
	if (u) {
		*st = *u;
		ret = 0;
	}
	mutex_unlock(&ndev->lock);
	return ret;
}
