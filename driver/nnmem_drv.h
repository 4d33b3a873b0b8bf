/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: the device, its parameters and the ioctl plumbing shared by the
 * objects that implement the ioctls.
 *
 * Lock order (outermost first; "->" means "may take while holding"):
 *
 *   mm->mmap_lock  ->  nnmem_device.lock  ->  nnmem_quota.users xa_lock
 *   nnmem_device.sessions_lock  ->  nnmem_session.regions xa_lock
 *   nnmem_session.job_lock  ->  nnmem_session.jobs xa_lock
 *   nnmem_session.job_lock  ->  nnmem_session.job_wq's lock (wake_up_all())
 *   nnmem_session.job_lock  ->  nnmem_sched.lock (nnmem_job.h)
 *   a dma-buf's dma_resv lock  ->  nnmem_dmabuf.lock (nnmem_dmabuf.c)
 *
 *   nnmem_device.compact_rwsem  ->  mm->mmap_lock (READ/WRITE user copies)
 *   nnmem_device.compact_rwsem  ->  nnmem_device.lock
 *   nnmem_device.lock  ->  i_mmap_rwsem (compaction's unmap_mapping_range())
 *
 * nnmem_device.lock is a mutex: nothing is copied to or from user
 * memory and no region reference is dropped while it is held (user copies
 * may fault and take mmap_lock; the last region put takes the lock itself).
 * The mmap fault handler takes it to read a region's offset and map it;
 * compaction holds it while it unmaps and copies a region, so a fault on
 * a moving region waits for the copy (nnmem_compact.c).
 * The debugfs extents read holds it while it prints into the seq_file's
 * buffer (kernel memory); tracepoints fire under it.
 * ALLOC zeroes a new region with no lock held (the region is reachable
 * by that ALLOC alone); mmap() checks that a region's handle still exists
 * and counts the mapping under it, as FREE drops the handle under it.
 *
 * The xa_locks of nnmem_session.regions, .graphs and .jobs and
 * nnmem_session.job_lock are spinlocks: nothing sleeps under them and no
 * region or graph reference is dropped under them. The regions xa_lock
 * also protects every region's busy count and is taken on its own.
 *
 * The job worker (one work item per device) takes nnmem_sched.lock to
 * pick the next job and job_lock only to change a job's state, never one
 * inside the other. It holds exec_lock, and no other lock, while it runs
 * the kernels.
 */
#ifndef __NNMEM_DRV_H__
#define __NNMEM_DRV_H__

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/dcache.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/nnmem.h>

#include "nnmem_arena.h"
#include "nnmem_quota.h"

#define NNMEM_NAME		"nnmem"
#define NNMEM_DEVICES_MAX	16
#define NNMEM_ARENA_MIN		(64 * 1024)

/**
 * struct nnmem_run_stats - what finished jobs add up to, per CPU
 * @completed: jobs finished with status 0
 * @failed: jobs finished with an error other than -ECANCELED
 * @cancelled: jobs finished with -ECANCELED
 * @macs: multiply-accumulates executed by all jobs
 * @busy_ns: time spent executing jobs
 * @path_nodes: nodes the jobs computed, per kernel path (``NNMEM_PATH_*``)
 * @path_macs: their multiply-accumulates, per kernel path
 *
 * Only ever added to, with this_cpu_add() (no locked instruction on the
 * path of a tiny job); nnmem_job_stats_read() sums the CPUs.
 */
struct nnmem_run_stats {
	u64 completed;
	u64 failed;
	u64 cancelled;
	u64 macs;
	u64 busy_ns;
	u64 path_nodes[NNMEM_PATH_COUNT];
	u64 path_macs[NNMEM_PATH_COUNT];
};

/**
 * struct nnmem_job_stats - device-wide job counters
 * @queued: jobs submitted and not yet started or cancelled
 * @running: jobs executing now (0 or 1: set and cleared under the
 *	device's exec_lock, which every run holds)
 * @run: the finished jobs' sums, per CPU
 *
 * Updated without the device lock; a reader gets each counter exact, not
 * a snapshot of all of them at one instant.
 */
struct nnmem_job_stats {
	atomic64_t queued;
	atomic64_t running;
	struct nnmem_run_stats __percpu *run;
};

/**
 * struct nnmem_device - one accelerator memory, /dev/nnmemN
 * @index: N
 * @pdev: platform device that owns the DMA buffer
 * @dev: the class device behind /dev/nnmemN
 * @cdev: character device
 * @cpu_addr: kernel address of the arena (never shown to userspace)
 * @dma_addr: bus address of the arena
 * @size: bytes in the arena
 * @lock: see the declaration
 * @compact_rwsem: see the declaration (nnmem_compact.c)
 * @auto_compact: compact when an ALLOC fails only for fragmentation
 *	(sysfs auto_compact)
 * @compact_pass: the number of the last compaction pass, which marks
 *	the regions it found pinned by jobs (under @lock, with
 *	@compact_rwsem held for writing; nnmem_compact.c)
 * @compacting: a compaction is between its reading of the graphs' jobs
 *	counts and its last move (set and cleared under @lock with
 *	@compact_rwsem held for writing; read locklessly by RUN, see
 *	nnmem_job_pin())
 * @arena: allocator state
 * @scratch: the shared scratch area of device-placed tensors, NULL when no
 *	graph uses it (nnmem_scratch.c)
 * @scratch_users: graphs using @scratch
 * @deferred_regions: regions whose handle is gone but which are still mapped
 * @deferred_bytes: arena bytes those regions hold
 * @dmabufs: live dma-bufs exported from its regions (nnmem_dmabuf.c)
 * @kmem: kernel memory charged by the graphs and jobs of all sessions
 *	(nnmem_session_kmem_charge(); under @lock, like the session counters)
 * @quota: arena quotas and the charges against them (nnmem_quota.c;
 *	under @lock)
 * @wq: ordered workqueue of @sched's worker
 * @sched: the queue of the jobs of all sessions and its policy
 *	(nnmem_job.h)
 * @exec_lock: see the declaration (nnmem_job.c)
 * @stats: job counters
 * @sessions_lock: see the declaration
 * @sessions: open sessions, in ascending id order (netlink walks them)
 * @nr_sessions: sessions on @sessions
 * @nr_graphs: graphs with a handle, all sessions
 * @graphs: every graph of every session whose regions are marked busy,
 *	with or without a handle (under @lock): compaction relocates their
 *	plans (nnmem_compact.c)
 * @debugfs: /sys/kernel/debug/nnmem/nnmemN (an error pointer without debugfs)
 */
struct nnmem_device {
	unsigned int index;
	struct platform_device *pdev;
	struct device *dev;
	struct cdev cdev;
	void *cpu_addr;
	dma_addr_t dma_addr;
	u64 size;
	/* protects arena, scratch*, deferred_*, dmabufs, quota, session counters, region map */
	struct mutex lock;
	struct nnmem_arena arena;
	/* write: a compaction; read: READ/WRITE/ALLOC copies, GRAPH_CREATE */
	struct rw_semaphore compact_rwsem;
	bool auto_compact;
	u64 compact_pass;
	bool compacting;
	struct nnmem_scratch *scratch;
	u32 scratch_users;
	u32 deferred_regions;
	u64 deferred_bytes;
	u32 dmabufs;
	u64 kmem;
	struct nnmem_quota quota;
	struct workqueue_struct *wq;
	struct nnmem_sched *sched;
	struct mutex exec_lock; /* held while a job runs: worker or inline sync RUN */
	struct nnmem_job_stats stats;
	struct mutex sessions_lock; /* protects sessions, nr_sessions, session ids */
	struct list_head sessions;
	u32 nr_sessions;
	atomic_t nr_graphs;
	struct list_head graphs;
	struct dentry *debugfs;
};

struct nnmem_session;
struct nnmem_scratch;

/**
 * struct nnmem_ioctl_ctx - what a handler leaves for after the copy-out
 * @obj: object created by the handler, published by the table's commit
 *	(called only when there is one: a sync RUN leaves none)
 * @copy_on_error: the handler failed but filled in the struct (error
 *	details) and wants it copied back anyway; commit is not called
 */
struct nnmem_ioctl_ctx {
	void *obj;
	bool copy_on_error;
};

/**
 * struct nnmem_dev_stats - a device's counters for dev-get
 * @arena: the allocator's usage, taken under the device lock
 * @deferred_regions: regions freed but still mapped
 * @sessions: open sessions
 * @graphs: graphs of all sessions
 * @jobs_queued: jobs submitted and not started
 * @jobs_running: jobs executing
 * @jobs_completed: jobs finished with status 0
 * @jobs_failed: jobs finished with another error than -ECANCELED
 * @jobs_cancelled: jobs finished with -ECANCELED
 * @macs: multiply-accumulates executed
 * @busy_ns: time the worker spent executing jobs
 * @kmem: kernel memory charged by the graphs and jobs of all sessions
 * @path_nodes: nodes computed per kernel path (``NNMEM_PATH_*``)
 * @path_macs: their multiply-accumulates
 *
 * Each counter is exact when read; they are not one instant's snapshot.
 */
struct nnmem_dev_stats {
	struct nnmem_arena_usage arena;
	u32 deferred_regions;
	u32 sessions;
	u32 graphs;
	u64 jobs_queued;
	u64 jobs_running;
	u64 jobs_completed;
	u64 jobs_failed;
	u64 jobs_cancelled;
	u64 macs;
	u64 busy_ns;
	u64 kmem;
	u64 path_nodes[NNMEM_PATH_COUNT];
	u64 path_macs[NNMEM_PATH_COUNT];
};

/**
 * nnmem_device_find - the device /dev/nnmemN
 * @index: N
 *
 * Devices live from module init to module exit, and the family is
 * registered after the last is set up and unregistered before the first
 * goes, so the pointer needs no reference.
 *
 * Return: the device, or NULL if there is no device @index.
 */
struct nnmem_device *nnmem_device_find(unsigned int index);

/**
 * nnmem_device_stats - fill a device's counters
 * @ndev: the device
 * @st: filled in
 *
 * Sleeps (takes the device lock).
 */
void nnmem_device_stats(struct nnmem_device *ndev, struct nnmem_dev_stats *st);
void nnmem_device_hwm_reset(struct nnmem_device *ndev);

#endif /* __NNMEM_DRV_H__ */
