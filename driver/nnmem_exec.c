// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem executor.
 *
 * nnmem_exec_run() executes the plan nnmem_graphval_check() built, node by
 * node in plan order, with the portable int8 kernels (nnmem_kernels.c), on
 * the arena at a base address the caller gives: the device's kernel
 * mapping in the job worker, a host buffer laid out like an arena in
 * libnnmem (userspace/lib/nnmem_host.c). It is plain C with nothing from
 * the kernel but types and errnos, so the same file builds into the module
 * and into userspace, and a device job and a host run are the same code
 * over the same plan.
 *
 * The plan was validated: every offset lies inside a region of the arena,
 * int32 arrays are aligned, no output overlaps an input. The data may
 * still be anything; the kernels check the shift values.
 *
 * Time and progress come from the caller's hooks. The progress hook is
 * called before every node and, through the kernels, after every budget of
 * MACs inside one (bounded by work done, not by the shape), so the kernel
 * worker can yield and stop a cancelled job in bounded time.
 */

#include "nnmem_exec.h"

/* One conv2d step over the arena. */
static int nnmem_exec_conv2d(void *arena, const struct nnmem_plan_node *pn,
			     const struct nnmem_kernel_progress *prog)
{
	const struct nnmem_plan_conv2d *pc = &pn->conv2d;
	u8 *base = arena;
	struct nnmem_conv2d_tensors t = {
		.input = (const s8 *)(base + pc->input),
		.filter = (const s8 *)(base + pc->filter),
		.bias = pc->bias == NNMEM_PLAN_NO_TENSOR ? NULL :
			(const s32 *)(void *)(base + pc->bias),
		.multiplier = (const s32 *)(void *)(base + pc->multiplier),
		.shift = (const s32 *)(void *)(base + pc->shift),
		.output = (s8 *)(base + pc->output),
	};

	return nnmem_conv2d_run(&pc->p, &t, prog);
}

/* One add step over the arena. */
static int nnmem_exec_add(void *arena, const struct nnmem_plan_node *pn,
			  const struct nnmem_kernel_progress *prog)
{
	const struct nnmem_plan_add *pa = &pn->add;
	u8 *base = arena;

	return nnmem_add_run(&pa->p, (const s8 *)(base + pa->input1), pa->n1,
			     (const s8 *)(base + pa->input2), pa->n2,
			     (s8 *)(base + pa->output), prog);
}

/* One fully connected step over the arena. */
static int nnmem_exec_fc(void *arena, const struct nnmem_plan_node *pn,
			 const struct nnmem_kernel_progress *prog)
{
	const struct nnmem_plan_fc *pf = &pn->fc;
	u8 *base = arena;
	struct nnmem_fc_tensors t = {
		.input = (const s8 *)(base + pf->input),
		.filter = (const s8 *)(base + pf->filter),
		.bias = pf->bias == NNMEM_PLAN_NO_TENSOR ? NULL :
			(const s32 *)(void *)(base + pf->bias),
		.multiplier = (const s32 *)(void *)(base + pf->multiplier),
		.shift = (const s32 *)(void *)(base + pf->shift),
		.output = (s8 *)(base + pf->output),
	};

	return nnmem_fc_run(&pf->p, &t, prog);
}

/* One average or max pooling step over the arena. */
static int nnmem_exec_pool2d(void *arena, const struct nnmem_plan_node *pn,
			     const struct nnmem_kernel_progress *prog)
{
	const struct nnmem_plan_pool2d *pp = &pn->pool2d;
	const s8 *in = (const s8 *)((u8 *)arena + pp->input);
	s8 *out = (s8 *)((u8 *)arena + pp->output);

	if (pn->op == NNMEM_OP_MAX_POOL2D)
		return nnmem_max_pool2d_run(&pp->p, in, out, prog);
	return nnmem_avg_pool2d_run(&pp->p, in, out, prog);
}

/* One softmax step over the arena. */
static int nnmem_exec_softmax(void *arena, const struct nnmem_plan_node *pn,
			      const struct nnmem_kernel_progress *prog)
{
	const struct nnmem_plan_softmax *ps = &pn->softmax;
	u8 *base = arena;

	return nnmem_softmax_run(&ps->p, (const s8 *)(base + ps->input),
				 (s8 *)(base + ps->output), prog);
}

/**
 * nnmem_exec_node() - execute one plan step on the CPU
 * @arena: base address of the arena the plan's offsets refer to
 * @pn: the step, from a plan nnmem_graphval_check() built
 * @prog: progress hook of the kernel, or NULL
 *
 * Return: 0; -EOPNOTSUPP for an op the CPU does not implement; or the
 * kernel's error (see nnmem_conv2d_run(), nnmem_add_run(),
 * nnmem_fc_run(), nnmem_avg_pool2d_run(), nnmem_max_pool2d_run() and
 * nnmem_softmax_run()).
 */
int nnmem_exec_node(void *arena, const struct nnmem_plan_node *pn,
		    const struct nnmem_kernel_progress *prog)
{
	switch (pn->op) {
	case NNMEM_OP_CONV2D:
		return nnmem_exec_conv2d(arena, pn, prog);
	case NNMEM_OP_ADD:
		return nnmem_exec_add(arena, pn, prog);
	case NNMEM_OP_FULLY_CONNECTED:
		return nnmem_exec_fc(arena, pn, prog);
	case NNMEM_OP_AVG_POOL2D:
	case NNMEM_OP_MAX_POOL2D:
		return nnmem_exec_pool2d(arena, pn, prog);
	case NNMEM_OP_SOFTMAX:
		return nnmem_exec_softmax(arena, pn, prog);
	default:
		return -EOPNOTSUPP;
	}
}

/* A plan offset in the arena: scratch-relative ones (see graphval.h) moved. */
static void nnmem_exec_at(u64 *off, u64 scratch)
{
	if (*off >= NNMEM_PLAN_SCRATCH && *off != NNMEM_PLAN_NO_TENSOR)
		*off = scratch + (*off - NNMEM_PLAN_SCRATCH);
}

/*
 * @pn with its scratch-relative offsets resolved against the scratch area
 * at arena offset @scratch, in @tmp.
 */
static const struct nnmem_plan_node *
nnmem_exec_resolve(const struct nnmem_plan_node *pn, u64 scratch,
		   struct nnmem_plan_node *tmp)
{
	*tmp = *pn;
	switch (tmp->op) {
	case NNMEM_OP_CONV2D:
		nnmem_exec_at(&tmp->conv2d.input, scratch);
		nnmem_exec_at(&tmp->conv2d.output, scratch);
		break;
	case NNMEM_OP_ADD:
		nnmem_exec_at(&tmp->add.input1, scratch);
		nnmem_exec_at(&tmp->add.input2, scratch);
		nnmem_exec_at(&tmp->add.output, scratch);
		break;
	case NNMEM_OP_FULLY_CONNECTED:
		nnmem_exec_at(&tmp->fc.input, scratch);
		nnmem_exec_at(&tmp->fc.output, scratch);
		break;
	case NNMEM_OP_AVG_POOL2D:
	case NNMEM_OP_MAX_POOL2D:
		nnmem_exec_at(&tmp->pool2d.input, scratch);
		nnmem_exec_at(&tmp->pool2d.output, scratch);
		break;
	case NNMEM_OP_SOFTMAX:
		nnmem_exec_at(&tmp->softmax.input, scratch);
		nnmem_exec_at(&tmp->softmax.output, scratch);
		break;
	}
	return tmp;
}

/* State of one run, the cookie of the kernels' progress hook. */
struct nnmem_exec_run {
	const struct nnmem_exec_hooks *hooks;
	u64 before;	/* MACs of the nodes before the current one */
	u64 total;	/* MACs of the plan, saturated at U64_MAX */
};

/* The kernels' hook: their MACs done, as MACs of the whole plan done. */
static int nnmem_exec_progress(void *ctx, u64 done, u64 node_total)
{
	struct nnmem_exec_run *run = ctx;

	(void)node_total;
	return run->hooks->progress(run->hooks->ctx, run->before + done,
				    run->total);
}

/* a + b, saturated at U64_MAX (a validated plan's sum never gets there) */
static u64 nnmem_exec_add_sat(u64 a, u64 b)
{
	return a + b < a ? U64_MAX : a + b;
}

static u64 nnmem_exec_now(const struct nnmem_exec_hooks *hooks)
{
	return hooks->now_ns ? hooks->now_ns(hooks->ctx) : 0;
}

/**
 * nnmem_exec_run() - execute a plan
 * @arena: base address of the arena the plan's offsets refer to
 * @plan: @node_count steps from nnmem_graphval_check()
 * @node_count: steps in @plan
 * @hooks: clock and progress hooks (see &struct nnmem_exec_hooks)
 * @node_ns: @node_count entries: each node's time, 0 for the nodes that
 *	did not start; may be NULL
 * @res: what was done, filled in whatever the outcome
 *
 * Runs the nodes in order and stops at the first error. Outputs of the
 * nodes that completed are written, those of the nodes after the one that
 * failed are untouched (the failing node may have written a prefix of its
 * output, see the kernels).
 *
 * Return: 0 when every node ran; the error of the progress hook (checked
 * before every node and inside them) or of the failing node's kernel.
 */
int nnmem_exec_run(void *arena, const struct nnmem_plan_node *plan,
		   u32 node_count, const struct nnmem_exec_hooks *hooks,
		   u64 *node_ns, struct nnmem_exec_result *res)
{
	struct nnmem_exec_run run = { .hooks = hooks };
	struct nnmem_kernel_progress prog = {
		.fn = nnmem_exec_progress,
		.ctx = &run,
		.budget = hooks->budget,
	};
	struct nnmem_plan_node tmp;
	u64 start, t0;
	int ret = 0;
	u32 i;

	for (i = 0; i < node_count; i++)
		run.total = nnmem_exec_add_sat(run.total, plan[i].macs);
	if (node_ns)
		for (i = 0; i < node_count; i++)
			node_ns[i] = 0;
	res->macs = 0;
	res->nodes_done = 0;
	start = nnmem_exec_now(hooks);

	for (i = 0; i < node_count; i++) {
		if (hooks->progress) {
			ret = hooks->progress(hooks->ctx, run.before,
					      run.total);
			if (ret) {
				ret = ret < 0 ? ret : -EINTR;
				break;
			}
		}
		t0 = nnmem_exec_now(hooks);
		ret = nnmem_exec_node(arena,
				      nnmem_exec_resolve(&plan[i],
							 hooks->scratch, &tmp),
				      hooks->progress ? &prog : NULL);
		if (node_ns)
			node_ns[i] = nnmem_exec_now(hooks) - t0;
		if (ret)
			break;
		res->macs = nnmem_exec_add_sat(res->macs, plan[i].macs);
		res->nodes_done++;
		run.before = res->macs;
	}
	res->duration_ns = nnmem_exec_now(hooks) - start;
	return ret;
}
