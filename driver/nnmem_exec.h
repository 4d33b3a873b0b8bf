/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem executor: runs a validated execution plan over an arena, with the
 * portable kernels. Portable C, built into the module (the job worker) and
 * into libnnmem_model (nnmem_host_run()). See nnmem_exec.c.
 */
#ifndef __NNMEM_EXEC_H__
#define __NNMEM_EXEC_H__

#include "nnmem_fast.h"
#include "nnmem_graphval.h"
#include "nnmem_kernels.h"

/*
 * Most packed bytes of a fast step, as a multiple of its weights' bytes,
 * plus a slack for small layers (see nnmem_exec_fast_plan()).
 */
#define NNMEM_EXEC_FAST_BLOWUP	8
#define NNMEM_EXEC_FAST_SLACK	4096
/* Fewest MACs of a step the automatic choice puts on a fast path. */
#define NNMEM_EXEC_FAST_MIN_MACS	512

/**
 * struct nnmem_exec_fast - a plan step's fast path
 * @plan: the step's plan; at level %NNMEM_FAST_REF for the steps the
 *	reference kernels run (every op but conv2d and fully connected, and
 *	the shapes the fast paths do not take)
 * @off: offset of the step's packed weights in the plan's packed buffer
 *	(%NNMEM_FAST_ALIGN aligned)
 * @ready: the packed weights are the arena's weights (set by
 *	nnmem_exec_fast_pack()); a step that is not ready runs on the
 *	reference kernel
 */
struct nnmem_exec_fast {
	struct nnmem_fast_plan plan;
	u64 off;
	bool ready;
};

/**
 * struct nnmem_exec_hooks - what the executor needs from its environment
 * @now_ns: a monotonic clock in ns, for per-node and total times; NULL
 *	leaves the times 0
 * @progress: called before every node (but the first, with
 *	@started) and, inside a node, once at least @budget MACs were done
 *	since the previous call (see &struct nnmem_kernel_progress), with
 *	the MACs of the whole plan done so far and their total; returns 0 to
 *	go on, a negative errno to stop the run with it (a positive value
 *	stops it with -EINTR). NULL: never stops.
 * @ctx: passed to @now_ns and @progress
 * @budget: MACs between two @progress calls inside a node; 0 means
 *	%NNMEM_KERNEL_BUDGET_DEFAULT
 * @scratch: arena offset of the scratch area of the plan's device-placed
 *	tensors: offsets from %NNMEM_PLAN_SCRATCH up are relative to it
 * @fast: one entry per plan step from nnmem_exec_fast_plan(), or NULL to
 *	run every step on the reference kernels
 * @packed: the packed buffer of @fast
 * @simd_begin: see &struct nnmem_fast_env; NULL in userspace
 * @simd_end: see &struct nnmem_fast_env
 * @started: the caller has just done what @progress would do before the
 *	first node (the kernel looked at the job's cancel flag as it took
 *	it), so that call is skipped
 *
 * The kernel's job worker calls cond_resched() and looks for cancellation
 * in @progress; userspace may leave it NULL.
 */
struct nnmem_exec_hooks {
	u64 (*now_ns)(void *ctx);
	int (*progress)(void *ctx, u64 done, u64 total);
	void *ctx;
	u64 budget;
	u64 scratch;
	const struct nnmem_exec_fast *fast;
	const void *packed;
	bool (*simd_begin)(void *ctx);
	void (*simd_end)(void *ctx);
	bool started;
};

/**
 * struct nnmem_exec_result - what a run did
 * @duration_ns: time from the start of the run to its end
 * @macs: MACs of the nodes that completed
 * @nodes_done: nodes that completed, in plan order
 * @path_nodes: of those, how many each &enum nnmem_fast_level computed
 * @path_macs: and their MACs
 */
struct nnmem_exec_result {
	u64 duration_ns;
	u64 macs;
	u32 nodes_done;
	u32 path_nodes[NNMEM_FAST_LEVELS];
	u64 path_macs[NNMEM_FAST_LEVELS];
};

u64 nnmem_exec_fast_plan(const struct nnmem_plan_node *plan, u32 node_count,
			 int level, u64 budget, struct nnmem_exec_fast *fast);
int nnmem_exec_fast_pack(const void *arena, const struct nnmem_plan_node *plan,
			 u32 node_count, struct nnmem_exec_fast *fast,
			 void *packed, const struct nnmem_exec_hooks *hooks);
int nnmem_exec_node(void *arena, const struct nnmem_plan_node *pn,
		    const struct nnmem_kernel_progress *prog);
int nnmem_exec_run(void *arena, const struct nnmem_plan_node *plan,
		   u32 node_count, const struct nnmem_exec_hooks *hooks,
		   u64 *node_ns, struct nnmem_exec_result *res);

#endif /* __NNMEM_EXEC_H__ */
