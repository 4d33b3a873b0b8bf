// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem sessions: one per open file of /dev/nnmemN. A session owns the
 * regions it allocated, the graphs it created and the jobs it ran. When
 * the file is released (which the VFS delays until the last mapping of the
 * file is gone) its jobs are cancelled and waited for, then its graphs and
 * regions are freed.
 *
 * Kernel memory: the session's bookkeeping and everything its calls make
 * the driver allocate is charged to the caller's memory cgroup
 * (GFP_KERNEL_ACCOUNT). Graphs and jobs, which userspace can make large,
 * are also counted against two budgets, the session's and the device's
 * (nnmem_session_kmem_charge()); going past either gives -EDQUOT.
 *
 * Arena bytes: the session's quota account (nnmem_quota.c) is charged to
 * the opener's euid in the initial user namespace.
 */

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>
#include <linux/nnmem.h>

#include "nnmem_event.h"
#include "nnmem_graph.h"
#include "nnmem_job.h"
#include "nnmem_region.h"
#include "nnmem_session.h"

/*
 * Last session id given out, all devices. Ids are taken under a device's
 * sessions_lock, so each device's list ascends. 64 bits never wrap (the
 * debugfs hook may move the counter forward, to at most 2^63).
 */
static atomic64_t nnmem_session_last_id = ATOMIC64_INIT(0);

/* Largest id the debugfs hook may set: the walk's cursor never wraps. */
#define NNMEM_SESSION_ID_HOOK_MAX	BIT_ULL(63)

/*
 * The documented per-item charges cover what the driver keeps per item: a
 * graph's plan step per node and region pointer per tensor (nnmem_graph.c),
 * a job's node time. On 64-bit builds they are exactly those sizes.
 */
static_assert(sizeof(struct nnmem_plan_node) <= NNMEM_KMEM_GRAPH_PER_NODE);
static_assert(sizeof(struct nnmem_region *) <= NNMEM_KMEM_GRAPH_PER_TENSOR);
static_assert(sizeof_field(struct nnmem_job, node_ns[0]) <=
	      NNMEM_KMEM_JOB_PER_NODE);

/* USAGE's version 3 (the arena quotas) starts after version 2. */
static_assert(offsetof(struct nnmem_usage, quota_uid) ==
	      NNMEM_USAGE_SIZE_VER2);

/**
 * nnmem_session_kmem_charge - count an object against the budgets
 * @s: the session the object belongs to
 * @bytes: its charge: nnmem_kmem_graph() or nnmem_kmem_job()
 *
 * Call before allocating the object, and nnmem_session_kmem_uncharge()
 * with the same @bytes once it is freed. The limits are read at each call:
 * root may change them at any time (lowering one below the current use
 * only refuses new charges).
 *
 * Return: 0, or -EDQUOT (nothing charged) if @s would go past
 * max_session_kmem or its device past max_device_kmem.
 */
int nnmem_session_kmem_charge(struct nnmem_session *s, u64 bytes)
{
	struct nnmem_device *ndev = s->ndev;
	int ret = -EDQUOT;

	mutex_lock(&ndev->lock);
	if (s->kmem + bytes <= READ_ONCE(nnmem_max_session_kmem) &&
	    ndev->kmem + bytes <= READ_ONCE(nnmem_max_device_kmem)) {
		/* nnmem_session_kmem_check() reads them without the lock */
		WRITE_ONCE(s->kmem, s->kmem + bytes);
		WRITE_ONCE(ndev->kmem, ndev->kmem + bytes);
		ret = 0;
	}
	mutex_unlock(&ndev->lock);
	return ret;
}

/**
 * nnmem_session_kmem_check - whether an object would fit the budgets
 * @s: the session it would belong to
 * @bytes: its charge
 *
 * For what takes no kernel memory but counts against the budgets as if
 * it did (a sync job, on its caller's stack): the same test as
 * nnmem_session_kmem_charge(), without the lock and without charging. A
 * charge or uncharge racing with it may or may not be seen.
 *
 * Return: 0, or -EDQUOT if @s would go past max_session_kmem or its
 * device past max_device_kmem.
 */
int nnmem_session_kmem_check(struct nnmem_session *s, u64 bytes)
{
	if (READ_ONCE(s->kmem) + bytes > READ_ONCE(nnmem_max_session_kmem) ||
	    READ_ONCE(s->ndev->kmem) + bytes >
		    READ_ONCE(nnmem_max_device_kmem))
		return -EDQUOT;
	return 0;
}

/**
 * nnmem_session_kmem_uncharge - give a freed object's charge back
 * @s: the session the object belonged to
 * @bytes: what nnmem_session_kmem_charge() was given for it
 */
void nnmem_session_kmem_uncharge(struct nnmem_session *s, u64 bytes)
{
	struct nnmem_device *ndev = s->ndev;

	mutex_lock(&ndev->lock);
	WARN_ON(s->kmem < bytes || ndev->kmem < bytes);
	WRITE_ONCE(s->kmem, s->kmem - bytes);
	WRITE_ONCE(ndev->kmem, ndev->kmem - bytes);
	mutex_unlock(&ndev->lock);
}

/**
 * nnmem_session_next_id - the id the next open of any device will get
 *
 * For the debugfs test hook (nnmem_debugfs.c).
 *
 * Return: the next session id.
 */
u64 nnmem_session_next_id(void)
{
	return atomic64_read(&nnmem_session_last_id) + 1;
}

/**
 * nnmem_session_set_next_id - move the session id counter forward
 * @next: the id the next open will get
 *
 * A test hook (debugfs next_session_id): it lets a test reach ids that
 * would otherwise take billions of opens. Ids only move forward, so they
 * stay unique and each device's list stays in ascending order.
 *
 * Return: 0, or -EINVAL if @next is below the next id or above 2^63.
 */
int nnmem_session_set_next_id(u64 next)
{
	s64 last = atomic64_read(&nnmem_session_last_id);

	do {
		if (next <= (u64)last || next > NNMEM_SESSION_ID_HOOK_MAX)
			return -EINVAL;
	} while (!atomic64_try_cmpxchg(&nnmem_session_last_id, &last,
				       (s64)(next - 1)));
	return 0;
}

/**
 * nnmem_session_open - start a session on an open of /dev/nnmemN
 * @inode: the device node
 * @file: the new file
 *
 * Return: 0 or -ENOMEM.
 */
int nnmem_session_open(struct inode *inode, struct file *file)
{
	struct nnmem_device *ndev = container_of(inode->i_cdev,
						 struct nnmem_device, cdev);
	struct nnmem_session *s;
	int ret;

	ret = nonseekable_open(inode, file);
	if (ret)
		return ret;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	s->ndev = ndev;
	/* XA_FLAGS_ACCOUNT: the trees' nodes are charged like the objects. */
	xa_init_flags(&s->regions, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	xa_init_flags(&s->graphs, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	xa_init_flags(&s->jobs, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	spin_lock_init(&s->job_lock);
	init_waitqueue_head(&s->job_wq);
	INIT_LIST_HEAD(&s->queue);
	INIT_LIST_HEAD(&s->sched_node);
	s->uid = file->f_cred->uid;
	s->quota = nnmem_quota_acct_new(ndev, from_kuid(&init_user_ns,
							current_euid()));
	if (IS_ERR(s->quota)) {
		kfree(s);
		return -ENOMEM;
	}
	s->pid = get_pid(task_tgid(current));

	mutex_lock(&ndev->sessions_lock);
	s->id = atomic64_inc_return(&nnmem_session_last_id);
	list_add_tail(&s->node, &ndev->sessions);
	ndev->nr_sessions++;
	mutex_unlock(&ndev->sessions_lock);

	file->private_data = s;
	nnmem_event_notify_session(s, NNMEM_EV_SESSION_OPEN);
	return 0;
}

/**
 * nnmem_session_release - end a session
 * @inode: the device node
 * @file: the file being released
 *
 * Cancels the session's jobs and waits until none runs (the worker never
 * sees a freed session), then destroys its graphs (which un-busies their
 * regions) and frees its regions.
 *
 * Return: 0.
 */
int nnmem_session_release(struct inode *inode, struct file *file)
{
	struct nnmem_session *s = file->private_data;
	struct nnmem_device *ndev = s->ndev;
	struct nnmem_event *ev;

	mutex_lock(&ndev->sessions_lock);
	list_del(&s->node);
	ndev->nr_sessions--;
	mutex_unlock(&ndev->sessions_lock);

	nnmem_job_session_fini(s);
	nnmem_graph_destroy_all(s);
	nnmem_region_free_all(s);
	WARN_ON(s->nr_regions || s->bytes || s->kmem);
	WARN_ON(s->nr_jobs || s->nr_done);
	/* regions freed while mapped keep the account until they go */
	nnmem_quota_acct_put(ndev, s->quota);
	ev = nnmem_event_session(s, NNMEM_EV_SESSION_CLOSE);
	xa_destroy(&s->jobs);
	xa_destroy(&s->graphs);
	xa_destroy(&s->regions);
	put_pid(s->pid);
	kfree(s);
	nnmem_event_send(ev);
	return 0;
}

/**
 * nnmem_device_walk_sessions - call @fn for the device's open sessions
 * @ndev: the device
 * @from: smallest session id to visit
 * @fn: called under @ndev->sessions_lock, in ascending id order; a
 *	nonzero return stops the walk
 * @arg: passed to @fn
 *
 * Return: what the last call of @fn returned, 0 if it was not called.
 */
int nnmem_device_walk_sessions(struct nnmem_device *ndev, u64 from,
			       int (*fn)(struct nnmem_session *s, void *arg),
			       void *arg)
{
	struct nnmem_session *s;
	int ret = 0;

	mutex_lock(&ndev->sessions_lock);
	list_for_each_entry(s, &ndev->sessions, node) {
		if (s->id < from)
			continue;
		ret = fn(s, arg);
		if (ret)
			break;
	}
	mutex_unlock(&ndev->sessions_lock);
	return ret;
}

u64 nnmem_session_id(const struct nnmem_session *s)
{
	return s->id;
}

kuid_t nnmem_session_uid(const struct nnmem_session *s)
{
	return s->uid;
}

struct pid *nnmem_session_pid(const struct nnmem_session *s)
{
	return s->pid;
}

/**
 * nnmem_session_poll - poll() on the session's file
 * @file: the session's file
 * @wait: poll table
 *
 * Return: EPOLLIN | EPOLLRDNORM while the session has a finished async job
 * that no WAIT has reaped yet, else 0.
 */
__poll_t nnmem_session_poll(struct file *file, poll_table *wait)
{
	struct nnmem_session *s = file->private_data;
	u32 done;

	poll_wait(file, &s->job_wq, wait);
	spin_lock(&s->job_lock);
	done = s->nr_done;
	spin_unlock(&s->job_lock);
	return done ? EPOLLIN | EPOLLRDNORM : 0;
}

/**
 * nnmem_session_usage_ioctl - NNMEM_IOCTL_USAGE
 * @s: calling session
 * @data: &struct nnmem_usage to fill
 * @ctx: unused
 *
 * Return: 0.
 */
int nnmem_session_usage_ioctl(struct nnmem_session *s, void *data,
			      struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_device *ndev = s->ndev;
	struct nnmem_usage *u = data;
	struct nnmem_arena_usage au;
	struct nnmem_run_stats rs;
	unsigned int i;

	memset(u, 0, sizeof(*u));
	mutex_lock(&ndev->lock);
	nnmem_arena_usage(&ndev->arena, &au);
	u->deferred_regions = ndev->deferred_regions;
	u->deferred_bytes = ndev->deferred_bytes;
	u->dmabufs = ndev->dmabufs;
	u->session_regions = s->nr_regions;
	u->session_bytes = s->bytes;
	u->session_kmem = s->kmem;
	u->device_kmem = ndev->kmem;
	nnmem_quota_usage_locked(ndev, s->quota, u);
	mutex_unlock(&ndev->lock);

	u->arena_size = au.size;
	u->weight_bytes = au.weight_bytes;
	u->activation_bytes = au.activation_bytes;
	u->free_bytes = au.free_bytes;
	u->largest_free = au.largest_free;
	u->weight_top = au.weight_top;
	u->activation_bottom = au.activation_bottom;
	u->weight_hwm = au.weight_hwm;
	u->activation_hwm = au.activation_hwm;
	u->weight_regions = au.weight_regions;
	u->activation_regions = au.activation_regions;
	u->free_extents = au.free_extents;
	nnmem_job_stats_read(ndev, &rs);
	for (i = 0; i < NNMEM_PATH_COUNT; i++) {
		u->path_nodes[i] = rs.path_nodes[i];
		u->path_macs[i] = rs.path_macs[i];
	}
	return 0;
}
