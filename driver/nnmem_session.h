/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: a session is one open file of /dev/nnmemN and owns its regions,
 * graphs and jobs.
 */
#ifndef __NNMEM_SESSION_H__
#define __NNMEM_SESSION_H__

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/sizes.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "nnmem_drv.h"

/**
 * struct nnmem_session - one open file
 * @ndev: the device it was opened on
 * @regions: handle -> struct nnmem_region; a handle reserved by an ALLOC
 *	still in flight holds NULL (its own xa_lock protects the tree and the
 *	regions' busy counts)
 * @next_region: cursor of the cyclic region handle allocation (under
 *	@regions' xa_lock)
 * @nr_regions: regions held, limited to nnmem_max_regions (under
 *	@ndev->lock)
 * @bytes: arena bytes (spans) held (under @ndev->lock)
 * @kmem: kernel memory charged by its graphs and jobs, see
 *	nnmem_session_kmem_charge() (under @ndev->lock)
 * @graphs: handle -> struct nnmem_graph; NULL while a GRAPH_CREATE is in
 *	flight (its own xa_lock protects it)
 * @jobs: id -> struct nnmem_job of async jobs; NULL while a RUN is in
 *	flight or a WAIT is reaping (its own xa_lock protects it)
 * @next_job: cursor of the cyclic job id allocation (under @jobs' xa_lock)
 * @job_lock: see the declaration
 * @job_wq: woken whenever a job of the session finishes
 * @nr_jobs: unreaped async jobs (under @job_lock)
 * @nr_done: finished, unreaped async jobs, for poll() (under @job_lock)
 * @queue: its queued jobs, in submission order (under the device's
 *	&nnmem_sched.lock)
 * @sched_node: link in &nnmem_sched.active, empty when off it (under
 *	&nnmem_sched.lock)
 * @node: link in @ndev->sessions (under @ndev->sessions_lock)
 * @id: the number of opens of any nnmem device since load, this one
 *	included: unique per load, ascending along @ndev->sessions, and 64
 *	bits wide so that it never wraps (2^64 opens at 10^9 per second take
 *	585 years)
 * @uid: uid of the credentials the file was opened with
 * @pid: thread group that opened the file (a reference)
 * @quota: its arena quota account (nnmem_quota.c), charged to the
 *	opener's euid
 */
struct nnmem_session {
	struct nnmem_device *ndev;
	struct xarray regions;
	u32 next_region;
	u32 nr_regions;
	u64 bytes;
	u64 kmem;
	struct xarray graphs;
	struct xarray jobs;
	u32 next_job;
	spinlock_t job_lock; /* protects jobs' state, cancel, results; nr_jobs, nr_done */
	wait_queue_head_t job_wq;
	u32 nr_jobs;
	u32 nr_done;
	struct list_head queue;
	struct list_head sched_node;
	struct list_head node;
	u64 id;
	kuid_t uid;
	struct pid *pid;
	struct nnmem_quota_acct *quota;
};

/*
 * Kernel memory budgets: what a graph or a job is charged against the
 * session's and the device's budget, a fixed function of its counts that
 * uapi/linux/nnmem.h documents ("DOC: nnmem kernel memory"): the bytes the
 * driver asks the allocators for. The per-item parts are the sizes of the
 * arrays' elements on 64-bit builds (static_asserts in nnmem_session.c:
 * they may not grow without a change of the documented charge); the bases
 * are the structs, which slab rounds up to 64 bytes or more.
 */
#define NNMEM_KMEM_GRAPH_BASE		64
#define NNMEM_KMEM_GRAPH_PER_TENSOR	8
#define NNMEM_KMEM_GRAPH_PER_NODE	144
#define NNMEM_KMEM_JOB_BASE		64
#define NNMEM_KMEM_JOB_PER_NODE		8

/*
 * Default budgets (module parameters max_session_kmem, max_device_kmem).
 * A session at every count limit (64 graphs of 1,024 tensors and nodes,
 * 64 jobs of 1,024 nodes) is charged 10.5 MB: 16 MiB never refuses what
 * the count limits allow. 256 MiB is 25 such sessions per device.
 */
#define NNMEM_SESSION_KMEM_DEFAULT	SZ_16M
#define NNMEM_DEVICE_KMEM_DEFAULT	SZ_256M

extern u64 nnmem_max_session_kmem;
extern u64 nnmem_max_device_kmem;

/* The charge of a graph of @tensors tensors and @nodes nodes. */
static inline u64 nnmem_kmem_graph(u32 tensors, u32 nodes)
{
	return NNMEM_KMEM_GRAPH_BASE + (u64)tensors * NNMEM_KMEM_GRAPH_PER_TENSOR +
	       (u64)nodes * NNMEM_KMEM_GRAPH_PER_NODE;
}

/* The charge of a job of a graph of @nodes nodes. */
static inline u64 nnmem_kmem_job(u32 nodes)
{
	return NNMEM_KMEM_JOB_BASE + (u64)nodes * NNMEM_KMEM_JOB_PER_NODE;
}

int nnmem_session_kmem_charge(struct nnmem_session *s, u64 bytes);
int nnmem_session_kmem_check(struct nnmem_session *s, u64 bytes);
void nnmem_session_kmem_uncharge(struct nnmem_session *s, u64 bytes);

/**
 * nnmem_device_walk_sessions - call @fn for the device's open sessions
 * @ndev: the device
 * @from: smallest session id to visit
 * @fn: called in ascending session id order with each session whose id is
 *	at least @from, under the device's session list lock (a mutex):
 *	@fn may sleep, and the session cannot be released while it runs. A
 *	nonzero return stops the walk.
 * @arg: passed to @fn
 *
 * Return: what the last call of @fn returned, 0 if it was not called.
 */
int nnmem_device_walk_sessions(struct nnmem_device *ndev, u64 from,
			       int (*fn)(struct nnmem_session *s, void *arg),
			       void *arg);

/*
 * A session's id (unique per load, from 1, never wraps), owner uid and
 * opening process.
 */
u64 nnmem_session_id(const struct nnmem_session *s);
kuid_t nnmem_session_uid(const struct nnmem_session *s);
struct pid *nnmem_session_pid(const struct nnmem_session *s);

int nnmem_session_open(struct inode *inode, struct file *file);
int nnmem_session_release(struct inode *inode, struct file *file);
__poll_t nnmem_session_poll(struct file *file, poll_table *wait);
u64 nnmem_session_next_id(void);
int nnmem_session_set_next_id(u64 next);
int nnmem_session_usage_ioctl(struct nnmem_session *s, void *data,
			      struct nnmem_ioctl_ctx *ctx);

#endif /* __NNMEM_SESSION_H__ */
