/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem arena quotas: limits on the arena bytes (region spans) held per
 * session and per user, for each device and each kind (nnmem_quota.c).
 */
#ifndef __NNMEM_QUOTA_H__
#define __NNMEM_QUOTA_H__

#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/nnmem.h>

#include "nnmem_arena.h"

struct nnmem_device;

/* Users with a quota set, per device (quota_uid gives -ENOSPC beyond). */
#define NNMEM_QUOTA_UIDS_MAX	64

/**
 * struct nnmem_quota - a device's quotas and what is charged against them
 * @session_limit: most span bytes of each kind (&enum nnmem_arena_kind)
 *	one session may hold, %NNMEM_QUOTA_NONE for no limit
 * @users: uid -> &struct nnmem_quota_user, for every uid with a quota or
 *	an account; the entries with a quota carry %XA_MARK_0. The xarray's
 *	own lock protects its tree, the device lock what the entries hold.
 * @nr_limited: entries with a quota, at most %NNMEM_QUOTA_UIDS_MAX
 *
 * Everything here, and in the users and accounts, is under the device's
 * lock (nnmem_device.lock).
 */
struct nnmem_quota {
	u64 session_limit[NNMEM_ARENA_NR_KINDS];
	struct xarray users;
	u32 nr_limited;
};

/**
 * struct nnmem_quota_user - one uid of one device
 * @uid: the uid, in the initial user namespace
 * @limit: most span bytes of each kind the uid's sessions may hold
 *	together, %NNMEM_QUOTA_NONE for no limit
 * @bytes: span bytes of each kind charged to the uid's accounts
 * @regions: regions charged to the uid's accounts
 * @accts: accounts charging the uid; the entry is freed when there is none
 *	and it has no quota
 */
struct nnmem_quota_user {
	u32 uid;
	u64 limit[NNMEM_ARENA_NR_KINDS];
	u64 bytes[NNMEM_ARENA_NR_KINDS];
	u32 regions;
	u32 accts;
};

/**
 * struct nnmem_quota_acct - what one session is charged
 * @user: its uid's entry (a counted pointer: @user->accts)
 * @bytes: span bytes of each kind charged: the session's live regions and
 *	those freed while mapped, until their span is released
 * @refs: one for the session, one per charged region; the account is
 *	freed with the last
 */
struct nnmem_quota_acct {
	struct nnmem_quota_user *user;
	u64 bytes[NNMEM_ARENA_NR_KINDS];
	u32 refs;
};

void nnmem_quota_init(struct nnmem_quota *q);
void nnmem_quota_fini(struct nnmem_quota *q);
struct nnmem_quota_acct *nnmem_quota_acct_new(struct nnmem_device *ndev,
					      u32 uid);
void nnmem_quota_acct_put(struct nnmem_device *ndev,
			  struct nnmem_quota_acct *a);
int nnmem_quota_charge_locked(struct nnmem_device *ndev,
			      struct nnmem_quota_acct *a,
			      enum nnmem_arena_kind kind, u64 bytes);
void nnmem_quota_uncharge_locked(struct nnmem_device *ndev,
				 struct nnmem_quota_acct *a,
				 enum nnmem_arena_kind kind, u64 bytes);
void nnmem_quota_usage_locked(struct nnmem_device *ndev,
			      const struct nnmem_quota_acct *a,
			      struct nnmem_usage *u);
ssize_t nnmem_quota_session_show(struct nnmem_device *ndev,
				 enum nnmem_arena_kind kind, char *buf);
ssize_t nnmem_quota_session_store(struct nnmem_device *ndev,
				  enum nnmem_arena_kind kind, const char *buf,
				  size_t count);
ssize_t nnmem_quota_uid_show(struct nnmem_device *ndev, char *buf);
int nnmem_quota_user_next(struct nnmem_device *ndev, u32 from,
			  struct nnmem_quota_user *st);
ssize_t nnmem_quota_uid_store(struct nnmem_device *ndev, const char *buf,
			      size_t count);

#endif /* __NNMEM_QUOTA_H__ */
