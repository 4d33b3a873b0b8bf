// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem CPU backend: runs plan steps with the portable int8 kernels
 * (nnmem_kernels.c), directly on the arena's kernel mapping. The plan was
 * validated when the graph was created, so every offset is inside a live
 * region; the data may still be anything (the kernels check shifts).
 */

#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/nnmem.h>

#include "nnmem_ops.h"

/* Output rows of a conv2d between two progress calls. */
#define NNMEM_OPS_CONV_ROWS	4
/* Elements of an add between two progress calls. */
#define NNMEM_OPS_ADD_CHUNK	65536U

static int nnmem_ops_cpu_conv2d(void *arena, const struct nnmem_plan_node *pn,
				nnmem_kernel_progress_fn progress, void *ctx)
{
	const struct nnmem_plan_conv2d *pc = &pn->conv2d;
	struct nnmem_conv2d_tensors t = {
		.input = arena + pc->input,
		.filter = arena + pc->filter,
		.bias = pc->bias == NNMEM_PLAN_NO_TENSOR ? NULL :
			arena + pc->bias,
		.multiplier = arena + pc->multiplier,
		.shift = arena + pc->shift,
		.output = arena + pc->output,
	};

	return nnmem_conv2d_run(&pc->p, &t, NNMEM_OPS_CONV_ROWS, progress,
				ctx);
}

/*
 * In chunks of whole repetitions of the second operand (or matching
 * pieces of both operands when they have the same size).
 */
static int nnmem_ops_cpu_add(void *arena, const struct nnmem_plan_node *pn,
			     nnmem_kernel_progress_fn progress, void *ctx)
{
	const struct nnmem_plan_add *pa = &pn->add;
	const s8 *in1 = arena + pa->input1, *in2 = arena + pa->input2;
	bool same = pa->n1 == pa->n2;
	s8 *out = arena + pa->output;
	u32 step, done = 0, len;
	int ret;

	if (same)
		step = min(pa->n1, NNMEM_OPS_ADD_CHUNK);
	else if (pa->n2 >= NNMEM_OPS_ADD_CHUNK)
		step = pa->n2;
	else
		step = NNMEM_OPS_ADD_CHUNK / pa->n2 * pa->n2;

	while (done < pa->n1) {
		len = min(step, pa->n1 - done);
		ret = nnmem_add_run(&pa->p, in1 + done, len,
				    same ? in2 + done : in2,
				    same ? len : pa->n2, out + done);
		if (ret)
			return ret;
		done += len;
		if (done < pa->n1 && progress) {
			ret = progress(ctx, done, pa->n1);
			if (ret)
				return ret < 0 ? ret : -EINTR;
		}
	}
	return 0;
}

static const struct nnmem_op_ops nnmem_ops_cpu_table[] = {
	[NNMEM_OP_CONV2D] = {
		.name = "conv2d",
		.run = nnmem_ops_cpu_conv2d,
	},
	[NNMEM_OP_ADD] = {
		.name = "add",
		.run = nnmem_ops_cpu_add,
	},
};

/**
 * nnmem_ops_cpu - the CPU backend's implementation of an operation
 * @op: %NNMEM_OP_*
 *
 * Return: the operation's ops, or NULL for an op it does not implement.
 */
const struct nnmem_op_ops *nnmem_ops_cpu(u32 op)
{
	if (op >= ARRAY_SIZE(nnmem_ops_cpu_table) ||
	    !nnmem_ops_cpu_table[op].run)
		return NULL;
	return &nnmem_ops_cpu_table[op];
}
