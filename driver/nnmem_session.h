/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: a session is one open file of /dev/nnmemN and owns its regions,
 * graphs and jobs.
 */
#ifndef __NNMEM_SESSION_H__
#define __NNMEM_SESSION_H__

#include <linux/fs.h>
#include <linux/list.h>
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
 * @graphs: handle -> struct nnmem_graph; NULL while a GRAPH_CREATE is in
 *	flight (its own xa_lock protects it)
 * @jobs: id -> struct nnmem_job of async jobs; NULL while a RUN is in
 *	flight or a WAIT is reaping (its own xa_lock protects it)
 * @next_job: cursor of the cyclic job id allocation (under @jobs' xa_lock)
 * @job_lock: see the declaration
 * @job_wq: woken whenever a job of the session finishes
 * @nr_jobs: unreaped jobs, sync ones included (under @job_lock)
 * @nr_done: finished, unreaped async jobs, for poll() (under @job_lock)
 * @node: link in @ndev->sessions (under @ndev->sessions_lock)
 * @id: unique per load, from 1, ascending along @ndev->sessions
 * @uid: uid of the credentials the file was opened with
 * @pid: thread group that opened the file (a reference)
 */
struct nnmem_session {
	struct nnmem_device *ndev;
	struct xarray regions;
	u32 next_region;
	u32 nr_regions;
	u64 bytes;
	struct xarray graphs;
	struct xarray jobs;
	u32 next_job;
	spinlock_t job_lock; /* protects jobs' state, cancel, results; nr_jobs, nr_done */
	wait_queue_head_t job_wq;
	u32 nr_jobs;
	u32 nr_done;
	struct list_head node;
	u32 id;
	kuid_t uid;
	struct pid *pid;
};

int nnmem_session_open(struct inode *inode, struct file *file);
int nnmem_session_release(struct inode *inode, struct file *file);
__poll_t nnmem_session_poll(struct file *file, poll_table *wait);
int nnmem_session_usage_ioctl(struct nnmem_session *s, void *data,
			      struct nnmem_ioctl_ctx *ctx);

#endif /* __NNMEM_SESSION_H__ */
