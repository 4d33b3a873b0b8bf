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
 * called before every node (but the first, if the caller says it has just
 * looked) and, through the kernels, after every budget of
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

	/* the plan's parameters were checked when it was built */
	return nnmem_conv2d_run_valid(&pc->p, &t, prog);
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

/* a + b, saturated at U64_MAX (a validated plan's sum never gets there) */
static u64 nnmem_exec_add_sat(u64 a, u64 b)
{
	return a + b < a ? U64_MAX : a + b;
}

/* The MACs of a whole plan, as the progress hook reports its total. */
static u64 nnmem_exec_total(const struct nnmem_plan_node *plan,
			    u32 node_count)
{
	u64 total = 0;
	u32 i;

	for (i = 0; i < node_count; i++)
		total = nnmem_exec_add_sat(total, plan[i].macs);
	return total;
}

/* Round up to the packed buffers' alignment. */
static u64 nnmem_exec_align(u64 v)
{
	return (v + NNMEM_FAST_ALIGN - 1) & ~(u64)(NNMEM_FAST_ALIGN - 1);
}

/* The bytes of a fast plan's filter and per-channel arrays, unpacked. */
static u64 nnmem_exec_weight_bytes(const struct nnmem_fast_plan *pl)
{
	return (u64)pl->p.out_c * pl->taps * pl->cpg +
	       (u64)pl->p.out_c * 3 * sizeof(s32);
}

/**
 * nnmem_exec_fast_plan() - choose the fast path of every step of a plan
 * @plan: @node_count steps from nnmem_graphval_check()
 * @node_count: steps in @plan
 * @level: an &enum nnmem_fast_level for every conv2d and fully connected
 *	step (%NNMEM_FAST_REF: none), or %NNMEM_FAST_AUTO for the best one
 *	this CPU has; a level this CPU lacks gives the reference kernels
 * @budget: the MACs between two progress calls of the runs (the
 *	&nnmem_exec_hooks.budget they will have; 0: the default)
 * @fast: @node_count entries, filled in; none is ready yet
 *
 * A step stays on the reference kernel when the fast path could not cut
 * it into chunks of @budget (it would fall back at every run), or when
 * its packed weights would take more than %NNMEM_EXEC_FAST_BLOWUP times
 * its weights (a layer of few output channels, padded to the path's
 * register width); and, with %NNMEM_FAST_AUTO, when it has fewer than
 * %NNMEM_EXEC_FAST_MIN_MACS MACs (the SIMD section and the packed data
 * cost more than such a node: a forced level takes every step, for
 * tests).
 *
 * Return: the bytes of the packed buffer the steps need, 0 when every
 * step runs on the reference kernels.
 */
u64 nnmem_exec_fast_plan(const struct nnmem_plan_node *plan, u32 node_count,
			 int level, u64 budget, struct nnmem_exec_fast *fast)
{
	u64 bytes = 0;
	u32 i;
	int ret;

	for (i = 0; i < node_count; i++) {
		struct nnmem_exec_fast *f = &fast[i];
		bool want = level != NNMEM_FAST_REF &&
			    (level != NNMEM_FAST_AUTO ||
			     plan[i].macs >= NNMEM_EXEC_FAST_MIN_MACS);

		ret = -EOPNOTSUPP;
		if (want && plan[i].op == NNMEM_OP_CONV2D)
			ret = nnmem_fast_conv2d_plan(&plan[i].conv2d.p, level,
						     &f->plan);
		else if (want && plan[i].op == NNMEM_OP_FULLY_CONNECTED)
			ret = nnmem_fast_fc_plan(&plan[i].fc.p, level,
						 &f->plan);
		if (!ret && (f->plan.col_macs > (budget ? budget :
				NNMEM_KERNEL_BUDGET_DEFAULT) ||
			     f->plan.packed_bytes > NNMEM_EXEC_FAST_BLOWUP *
				nnmem_exec_weight_bytes(&f->plan) +
				NNMEM_EXEC_FAST_SLACK))
			ret = -E2BIG;
		if (ret) {
			f->plan.level = NNMEM_FAST_REF;
			f->plan.packed_bytes = 0;
		}
		f->ready = false;
		f->off = bytes;
		bytes = nnmem_exec_align(bytes + f->plan.packed_bytes);
	}
	return bytes;
}

/* The weights of a conv2d or fully connected step, in the arena. */
static void nnmem_exec_weights(const void *arena,
			       const struct nnmem_plan_node *pn,
			       struct nnmem_fast_tensors *w)
{
	const u8 *base = arena;
	u64 filter, bias, mult, shift;

	if (pn->op == NNMEM_OP_CONV2D) {
		filter = pn->conv2d.filter;
		bias = pn->conv2d.bias;
		mult = pn->conv2d.multiplier;
		shift = pn->conv2d.shift;
	} else {
		filter = pn->fc.filter;
		bias = pn->fc.bias;
		mult = pn->fc.multiplier;
		shift = pn->fc.shift;
	}
	w->filter = (const s8 *)(base + filter);
	w->bias = bias == NNMEM_PLAN_NO_TENSOR ? NULL :
		  (const s32 *)(const void *)(base + bias);
	w->multiplier = (const s32 *)(const void *)(base + mult);
	w->shift = (const s32 *)(const void *)(base + shift);
}

/**
 * nnmem_exec_fast_pack() - pack the weights of a plan's fast steps
 * @arena: base address of the arena the plan's offsets refer to
 * @plan: @node_count steps from nnmem_graphval_check()
 * @node_count: steps in @plan
 * @fast: from nnmem_exec_fast_plan() for @plan; the steps packed are
 *	marked ready
 * @packed: the packed buffer, as many bytes as nnmem_exec_fast_plan()
 *	said, %NNMEM_FAST_ALIGN aligned
 * @hooks: the progress hook is called between columns, after at most
 *	about @hooks->budget bytes of packing work (with the MACs done so
 *	far as 0), so the work between two calls is bounded; may be NULL
 *
 * The weights are read from the arena as they are now: call it again
 * whenever they may have changed. A step whose weights the kernels would
 * refuse (a shift out of range) stays not ready: it runs on the reference
 * kernel, which fails it at its turn, as without a fast path.
 *
 * Return: 0; the error of the progress hook (-EINTR for a positive
 * value), with the steps packed before it ready.
 */
int nnmem_exec_fast_pack(const void *arena, const struct nnmem_plan_node *plan,
			 u32 node_count, struct nnmem_exec_fast *fast,
			 void *packed, const struct nnmem_exec_hooks *hooks)
{
	u64 budget = hooks && hooks->budget ? hooks->budget :
		     NNMEM_KERNEL_BUDGET_DEFAULT;
	u64 work = 0, total = nnmem_exec_total(plan, node_count);
	struct nnmem_fast_tensors w;
	u32 i, j;
	int ret;

	for (i = 0; i < node_count; i++) {
		struct nnmem_exec_fast *f = &fast[i];
		const struct nnmem_fast_plan *pl = &f->plan;
		u64 col = pl->wcol_bytes + (u64)pl->nr * pl->taps * pl->cpg;

		f->ready = false;
		if (pl->level == NNMEM_FAST_REF)
			continue;
		nnmem_exec_weights(arena, &plan[i], &w);
		if (nnmem_fast_pack_check(pl, &w))
			continue;
		for (j = 0; j < pl->ncols; j++) {
			nnmem_fast_pack_cols(pl, &w, (u8 *)packed + f->off,
					     j, j + 1);
			work += col;
			if (work < budget || !hooks || !hooks->progress)
				continue;
			work = 0;
			ret = hooks->progress(hooks->ctx, 0, total);
			if (ret)
				return ret < 0 ? ret : -EINTR;
		}
		f->ready = true;
	}
	return 0;
}

/* A conv2d or fully connected step on its fast path. */
static int nnmem_exec_fast_step(void *arena, const struct nnmem_plan_node *pn,
				const struct nnmem_exec_fast *f,
				const void *packed,
				const struct nnmem_kernel_progress *prog,
				const struct nnmem_fast_env *env)
{
	struct nnmem_fast_tensors w;
	u64 in, out;

	nnmem_exec_weights(arena, pn, &w);
	in = pn->op == NNMEM_OP_CONV2D ? pn->conv2d.input : pn->fc.input;
	out = pn->op == NNMEM_OP_CONV2D ? pn->conv2d.output : pn->fc.output;
	return nnmem_fast_run(&f->plan, (const u8 *)packed + f->off, &w,
			      (const s8 *)arena + in, (s8 *)arena + out, prog,
			      env);
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

/* True if @pn has an offset relative to the scratch area. */
static bool nnmem_exec_in_scratch(const struct nnmem_plan_node *pn)
{
	const u64 s = NNMEM_PLAN_SCRATCH, none = NNMEM_PLAN_NO_TENSOR;
	u64 a, b, c = 0;

	switch (pn->op) {
	case NNMEM_OP_CONV2D:
		a = pn->conv2d.input;
		b = pn->conv2d.output;
		break;
	case NNMEM_OP_ADD:
		a = pn->add.input1;
		b = pn->add.input2;
		c = pn->add.output;
		break;
	case NNMEM_OP_FULLY_CONNECTED:
		a = pn->fc.input;
		b = pn->fc.output;
		break;
	case NNMEM_OP_AVG_POOL2D:
	case NNMEM_OP_MAX_POOL2D:
		a = pn->pool2d.input;
		b = pn->pool2d.output;
		break;
	case NNMEM_OP_SOFTMAX:
		a = pn->softmax.input;
		b = pn->softmax.output;
		break;
	default:
		return false;
	}
	return (a >= s && a != none) || (b >= s && b != none) ||
	       (c >= s && c != none);
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

/* Step @i of a run, @pn, on its fast path if it is ready. */
static int nnmem_exec_step(void *arena, const struct nnmem_plan_node *pn,
			   const struct nnmem_exec_hooks *hooks, u32 i,
			   const struct nnmem_kernel_progress *prog,
			   const struct nnmem_fast_env *env)
{
	if (!hooks->progress)
		prog = NULL;
	if (hooks->fast && hooks->fast[i].ready)
		return nnmem_exec_fast_step(arena, pn, &hooks->fast[i],
					    hooks->packed, prog, env);
	return nnmem_exec_node(arena, pn, prog);
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
 *	did not start; may be NULL (the clock is then read twice a run,
 *	not at every node)
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
	u32 ran = NNMEM_FAST_REF;
	struct nnmem_fast_env env = {
		.simd_begin = hooks->simd_begin,
		.simd_end = hooks->simd_end,
		.ctx = hooks->ctx,
		.ran = &ran,
	};
	/* written before read: not zeroed at every run (NNMEM_NOINIT) */
	struct nnmem_plan_node tmp NNMEM_NOINIT;
	const struct nnmem_plan_node *pn;
	u64 start, t0 = 0;
	int ret = 0;
	u32 i;

	run.total = nnmem_exec_total(plan, node_count);
	if (node_ns)
		for (i = 0; i < node_count; i++)
			node_ns[i] = 0;
	res->macs = 0;
	res->nodes_done = 0;
	for (i = 0; i < NNMEM_FAST_LEVELS; i++) {
		res->path_nodes[i] = 0;
		res->path_macs[i] = 0;
	}
	start = nnmem_exec_now(hooks);

	for (i = 0; i < node_count; i++) {
		if (hooks->progress && (i || !hooks->started)) {
			ret = hooks->progress(hooks->ctx, run.before,
					      run.total);
			if (ret) {
				ret = ret < 0 ? ret : -EINTR;
				break;
			}
		}
		/* without node times, the run's two clock reads are all */
		if (node_ns)
			t0 = nnmem_exec_now(hooks);
		ran = NNMEM_FAST_REF;
		pn = &plan[i];
		if (nnmem_exec_in_scratch(pn))
			pn = nnmem_exec_resolve(pn, hooks->scratch, &tmp);
		/* one call site: the compiler folds the step in */
		ret = nnmem_exec_step(arena, pn, hooks, i, &prog, &env);
		if (node_ns)
			node_ns[i] = nnmem_exec_now(hooks) - t0;
		if (ret)
			break;
		res->macs = nnmem_exec_add_sat(res->macs, plan[i].macs);
		res->nodes_done++;
		res->path_nodes[ran]++;
		res->path_macs[ran] = nnmem_exec_add_sat(res->path_macs[ran],
							 plan[i].macs);
		run.before = res->macs;
	}
	res->duration_ns = nnmem_exec_now(hooks) - start;
	return ret;
}
