/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem executor: runs a validated execution plan over an arena, with the
 * portable kernels. Portable C, built into the module (the job worker) and
 * into libnnmem_model (nnmem_host_run()). See nnmem_exec.c.
 */
#ifndef __NNMEM_EXEC_H__
#define __NNMEM_EXEC_H__

#include "nnmem_graphval.h"
#include "nnmem_kernels.h"

/**
 * struct nnmem_exec_hooks - what the executor needs from its environment
 * @now_ns: a monotonic clock in ns, for per-node and total times; NULL
 *	leaves the times 0
 * @progress: called before every node and, inside a node, once at least
 *	@budget MACs were done since the previous call (see &struct
 *	nnmem_kernel_progress), with the MACs of the whole plan done so far
 *	and their total; returns 0 to go on, a negative errno to stop the run
 *	with it (a positive value stops it with -EINTR). NULL: never stops.
 * @ctx: passed to @now_ns and @progress
 * @budget: MACs between two @progress calls inside a node; 0 means
 *	%NNMEM_KERNEL_BUDGET_DEFAULT
 * @scratch: arena offset of the scratch area of the plan's device-placed
 *	tensors: offsets from %NNMEM_PLAN_SCRATCH up are relative to it
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
};

/**
 * struct nnmem_exec_result - what a run did
 * @duration_ns: time from the start of the run to its end
 * @macs: MACs of the nodes that completed
 * @nodes_done: nodes that completed, in plan order
 */
struct nnmem_exec_result {
	u64 duration_ns;
	u64 macs;
	u32 nodes_done;
};

int nnmem_exec_node(void *arena, const struct nnmem_plan_node *pn,
		    const struct nnmem_kernel_progress *prog);
int nnmem_exec_run(void *arena, const struct nnmem_plan_node *plan,
		   u32 node_count, const struct nnmem_exec_hooks *hooks,
		   u64 *node_ns, struct nnmem_exec_result *res);

#endif /* __NNMEM_EXEC_H__ */
