/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: a graph is a validated execution plan over regions of its session.
 */
#ifndef __NNMEM_GRAPH_H__
#define __NNMEM_GRAPH_H__

#include <linux/kref.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "nnmem_drv.h"
#include "nnmem_exec.h"
#include "nnmem_graphval.h"

/*
 * Graphs per session, reported in struct nnmem_info (the validator's own
 * limits, NNMEM_GRAPH_MAX_*, are in nnmem_graphval.h).
 */
#define NNMEM_SESSION_MAX_GRAPHS	64
/* Largest tensor_size/node_size accepted in NNMEM_IOCTL_GRAPH_CREATE. */
#define NNMEM_GRAPH_ELEM_SIZE_MAX	SZ_4K

struct nnmem_region;
struct nnmem_scratch;
struct nnmem_session;

/**
 * struct nnmem_graph - a created graph
 * @ref: one for the session's handle, one per job running it
 * @rcu: frees it after a grace period (handle lookups run under RCU)
 * @s: the session that created it (outlives it: release destroys graphs)
 * @handle: the session's handle for it
 * @node_count: steps in @plan
 * @nr_regions: distinct regions in @regions
 * @kmem: its charge against the kernel memory budgets, given back when it
 *	is freed
 * @busy: the regions' busy counts include this graph
 * @jobs: its queued and running jobs (atomic; see nnmem_job_pin()): they
 *	pin its regions (compaction), as a job runs the plan's offsets
 * @dev_node: on the device's graphs list while @busy (under its lock)
 * @regions: each region its tensors use, with a reference held
 * @plan: the execution plan, one step per node
 * @scratch_size: bytes of the plan of its device-placed tensors
 * @scratch: its private scratch area, with a reference held; NULL when it
 *	has no device-placed tensors or uses the shared area
 * @shared_scratch: it counts among the device's shared area's users
 * @fast: each step's fast path; NULL when every step runs on the
 *	reference kernels
 * @packed: the packed weights of @fast, %NNMEM_FAST_ALIGN aligned in
 *	@packed_mem
 * @packed_mem: the allocation holding @packed
 * @fast_size: kernel memory @fast and @packed take, part of @kmem
 * @fast_gen: sum of the write generations of its regions when @packed was
 *	last packed
 * @fast_fresh: @packed holds the weights of @fast_gen (no region had a
 *	writable mapping then)
 *
 * Everything is fixed once the graph is published but @fast's ready
 * flags, @packed, @fast_gen and @fast_fresh, which only a running job of
 * the graph changes, under the device's exec_lock, and @plan's arena
 * offsets, which compaction changes when it moves a region of the graph
 * that no job uses (nnmem_compact.c).
 */
struct nnmem_graph {
	struct kref ref;
	struct rcu_head rcu;
	struct nnmem_session *s;
	u32 handle;
	u32 node_count;
	u32 nr_regions;
	u64 kmem;
	bool busy;
	atomic_t jobs;
	struct list_head dev_node;
	struct nnmem_region **regions;
	struct nnmem_plan_node *plan;
	u64 scratch_size;
	struct nnmem_scratch *scratch;
	bool shared_scratch;
	struct nnmem_exec_fast *fast;
	void *packed;
	void *packed_mem;
	u64 fast_size;
	u64 fast_gen;
	bool fast_fresh;
};

int nnmem_graph_create_ioctl(struct nnmem_session *s, void *data,
			     struct nnmem_ioctl_ctx *ctx);
void nnmem_graph_create_commit(struct nnmem_session *s, void *data,
			       struct nnmem_ioctl_ctx *ctx, bool copied);
int nnmem_graph_destroy_ioctl(struct nnmem_session *s, void *data,
			      struct nnmem_ioctl_ctx *ctx);
struct nnmem_graph *nnmem_graph_get(struct nnmem_session *s, u32 handle);
void nnmem_graph_put(struct nnmem_graph *g);
void nnmem_graph_destroy_all(struct nnmem_session *s);
u64 nnmem_graph_max_macs(void);
int nnmem_graph_fast_prepare(struct nnmem_graph *g,
			     struct nnmem_exec_hooks *hooks);

#endif /* __NNMEM_GRAPH_H__ */
