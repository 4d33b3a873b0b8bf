/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: a job is one run of a graph on the device's worker.
 */
#ifndef __NNMEM_JOB_H__
#define __NNMEM_JOB_H__

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "nnmem_drv.h"
#include "nnmem_kernels.h"

/*
 * MACs a job does between two scheduling and cancel points (the
 * executor's progress hook), fast paths' SIMD sections included.
 */
#define NNMEM_JOB_BUDGET	NNMEM_KERNEL_BUDGET_DEFAULT

/* Unreaped jobs per session, reported in struct nnmem_info. */
#define NNMEM_SESSION_MAX_JOBS	64

struct nnmem_graph;
struct nnmem_session;

enum nnmem_job_state {
	NNMEM_JOB_QUEUED,	/* on the device's queue, not started */
	NNMEM_JOB_RUNNING,	/* the worker executes it */
	NNMEM_JOB_DONE,		/* finished; result valid until reaped */
};

/**
 * struct nnmem_job - one run of a graph
 * @qnode: link in its session's queue, empty once the worker took it or
 *	it was taken off (under &nnmem_sched.lock)
 * @fnode: link in &nnmem_sched.fifo, empty like @qnode (under
 *	&nnmem_sched.lock)
 * @s: the session (outlives the job: release waits for every job)
 * @graph: the graph run, referenced until the job is freed
 * @id: the session's id for an async job, 0 for a sync one
 * @async: started with %NNMEM_RUN_ASYNC (counted in nr_done when done)
 * @inline_run: a sync RUN running it in its caller's context (a signal to
 *	the caller cancels it)
 * @pinned: it counts in its graph's regions' jobs (from being queued or
 *	run inline until it ends; nnmem_job.c)
 * @state: &enum nnmem_job_state (under @s->job_lock)
 * @cancel: stop as soon as possible (set under @s->job_lock, read by the
 *	worker with READ_ONCE())
 * @status: 0, -ECANCELED or the kernels' error, once done
 * @duration_ns: execution time, once done
 * @macs: multiply-accumulates of the nodes that completed, once done
 * @node_count: the graph's nodes
 * @node_ns: execution time of each of the @node_count nodes (0 for nodes
 *	that did not run): @times for an async job; NULL for a sync RUN's
 *	job, which lives on its caller's stack and whose node times nobody
 *	reads
 * @times: an async job's @node_ns (a sync job has no room here)
 *
 * The worker writes the results before it sets @state to DONE under
 * @s->job_lock; readers look at them only after seeing DONE under it.
 * A sync job is not zeroed: nnmem_job_create() sets it field by field,
 * and a new field must be set there too.
 */
struct nnmem_job {
	struct list_head qnode;
	struct list_head fnode;
	struct nnmem_session *s;
	struct nnmem_graph *graph;
	u32 id;
	bool async;
	bool inline_run;
	bool pinned;
	enum nnmem_job_state state;
	bool cancel;
	int status;
	u64 duration_ns;
	u64 macs;
	u32 node_count;
	u64 *node_ns;
	u64 times[];
};

/* The order in which a device's worker takes queued jobs. */
enum nnmem_sched_policy {
	NNMEM_SCHED_FAIR,	/* round-robin across sessions, FIFO in each */
	NNMEM_SCHED_FIFO,	/* submission order across all sessions */
};

/**
 * struct nnmem_sched - a device's queue of jobs and its worker
 * @ndev: the device
 * @lock: protects @active, @fifo, @parked, @policy, every session's
 *	queue and sched_node, and every queued job's qnode and fnode
 * @active: sessions with queued jobs, in round-robin order (the head is
 *	served next), but for @parked
 * @fifo: every queued job of the device, in submission order
 * @parked: the session served last, off @active (even if it has more
 *	jobs queued) until the worker takes the next job: a session that
 *	gets jobs queued meanwhile goes before it. NULL if none, or once that
 *	session is released.
 * @policy: &enum nnmem_sched_policy
 * @work: the worker: runs one job, then queues itself again while jobs
 *	are queued (on &nnmem_device.wq, ordered: one run at a time)
 *
 * A session is on @active if and only if its queue is not empty and it
 * is not @parked.
 */
struct nnmem_sched {
	struct nnmem_device *ndev;
	spinlock_t lock; /* see above */
	struct list_head active;
	struct list_head fifo;
	struct nnmem_session *parked;
	enum nnmem_sched_policy policy;
	struct work_struct work;
};

ssize_t nnmem_job_sched_show(struct nnmem_device *ndev, char *buf);
ssize_t nnmem_job_sched_store(struct nnmem_device *ndev, const char *buf,
			      size_t count);
int nnmem_job_run_ioctl(struct nnmem_session *s, void *data,
			struct nnmem_ioctl_ctx *ctx);
void nnmem_job_run_commit(struct nnmem_session *s, void *data,
			  struct nnmem_ioctl_ctx *ctx, bool copied);
int nnmem_job_wait_ioctl(struct nnmem_session *s, void *data,
			 struct nnmem_ioctl_ctx *ctx);
void nnmem_job_wait_commit(struct nnmem_session *s, void *data,
			   struct nnmem_ioctl_ctx *ctx, bool copied);
int nnmem_job_cancel_ioctl(struct nnmem_session *s, void *data,
			   struct nnmem_ioctl_ctx *ctx);
void nnmem_job_session_fini(struct nnmem_session *s);
int nnmem_job_device_init(struct nnmem_device *ndev);
void nnmem_job_stats_read(struct nnmem_device *ndev,
			  struct nnmem_run_stats *sum);
void nnmem_job_device_fini(struct nnmem_device *ndev);

#endif /* __NNMEM_JOB_H__ */
