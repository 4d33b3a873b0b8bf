/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem graph validator: portable C, built into the module and into the
 * userspace unit tests. It checks a whole graph description at once and
 * turns it into an execution plan. See nnmem_graphval.c.
 */
#ifndef __NNMEM_GRAPHVAL_H__
#define __NNMEM_GRAPHVAL_H__

#include "nnmem_port.h"
#include "nnmem_kernels.h"
#include "nnmem_planner.h"
#include "nnmem_shape.h"

#include <linux/nnmem.h>

/*
 * Graph limits of the device (reported in struct nnmem_info), also used by
 * the host check in libnnmem_model.
 */
#define NNMEM_GRAPH_MAX_TENSORS		1024
#define NNMEM_GRAPH_MAX_NODES		1024
/*
 * Default of the module parameter max_graph_macs. 2^36 (6.9e10) MACs are
 * about 17 ResNet-50 inferences (4.1e9 each), more than any one graph of
 * 1,024 int8 nodes we know of needs, yet a bound on what one job may ask
 * of the CPU worker: at the 0.3-1e9 MACs/s it reaches, a few minutes.
 */
#define NNMEM_GRAPH_MAX_MACS_DEFAULT	0x1000000000ULL	/* 2^36 */

/**
 * nnmem_conv2d_params_from_uapi - the kernel library's view of a conv2d node
 * @p: filled in
 * @c: the node's parameters
 * @in: its input tensor (NHWC)
 * @f: its filter tensor (OHWI)
 * @out: its output tensor
 *
 * Only copies: the validator, the userspace reference and the benchmark
 * all build &struct nnmem_conv2d_params this one way.
 */
static inline void
nnmem_conv2d_params_from_uapi(struct nnmem_conv2d_params *p,
			      const struct nnmem_conv2d *c,
			      const struct nnmem_tensor *in,
			      const struct nnmem_tensor *f,
			      const struct nnmem_tensor *out)
{
	p->batch = in->dims[0];
	p->in_h = in->dims[1];
	p->in_w = in->dims[2];
	p->in_c = in->dims[3];
	p->out_c = f->dims[0];
	p->k_h = f->dims[1];
	p->k_w = f->dims[2];
	p->groups = c->groups;
	p->stride_h = c->stride_h;
	p->stride_w = c->stride_w;
	p->dilation_h = c->dilation_h;
	p->dilation_w = c->dilation_w;
	p->pad_top = c->pad_top;
	p->pad_bottom = c->pad_bottom;
	p->pad_left = c->pad_left;
	p->pad_right = c->pad_right;
	p->input_zero_point = in->zero_point;
	p->output_zero_point = out->zero_point;
	p->act_min = c->act_min;
	p->act_max = c->act_max;
}

/**
 * struct nnmem_graphval_region - what the caller found for a tensor's handle
 * @present: the handle names a region of the calling session
 * @kind: %NNMEM_KIND_WEIGHT or %NNMEM_KIND_ACTIVATION
 * @size: bytes of the region as requested (tensors must fit in them)
 * @arena_offset: offset of the region's first byte in the arena
 */
struct nnmem_graphval_region {
	bool present;
	u32 kind;
	u64 size;
	u64 arena_offset;
};

/**
 * struct nnmem_graphval_limits - bounds the caller enforces
 * @max_tensors: most tensors in one graph
 * @max_nodes: most nodes in one graph
 * @max_macs: most multiply-accumulates of all nodes together (U64_MAX:
 *	no limit)
 */
struct nnmem_graphval_limits {
	u32 max_tensors;
	u32 max_nodes;
	u64 max_macs;
};

/**
 * struct nnmem_graphval_err - why a graph was rejected
 * @reason: an &enum nnmem_graph_err, %NNMEM_GERR_NONE on success
 * @node: index of the offending node, or %NNMEM_INDEX_NONE
 * @tensor: index of the offending tensor, or %NNMEM_INDEX_NONE
 * @tensor2: %NNMEM_GERR_TENSOR_LIVE: the tensor sharing bytes with @tensor
 *	while both are live; otherwise %NNMEM_INDEX_NONE
 */
struct nnmem_graphval_err {
	u32 reason;
	u32 node;
	u32 tensor;
	u32 tensor2;
};

/* An absent optional tensor in a plan (conv2d without bias). */
#define NNMEM_PLAN_NO_TENSOR	U64_MAX
/*
 * Plan offsets from here up (but %NNMEM_PLAN_NO_TENSOR) are relative to
 * the scratch area of device-placed tensors, wherever it is when the plan
 * runs (&nnmem_exec_hooks.scratch): far above any arena, so that they
 * never overlap a region's bytes in the validator's checks.
 */
#define NNMEM_PLAN_SCRATCH	BIT_ULL(62)
/* Alignment of device-placed tensors in their scratch area. */
#define NNMEM_GRAPHVAL_PLACE_ALIGN	16

/**
 * struct nnmem_plan_conv2d - one conv2d, ready for nnmem_conv2d_run()
 * @p: shape and quantisation, all derived from the tensors and the node
 * @input: arena offset of the input
 * @filter: arena offset of the filter
 * @bias: arena offset of the bias, or %NNMEM_PLAN_NO_TENSOR
 * @multiplier: arena offset of the multipliers
 * @shift: arena offset of the shifts
 * @output: arena offset of the output
 */
struct nnmem_plan_conv2d {
	struct nnmem_conv2d_params p;
	u64 input;
	u64 filter;
	u64 bias;
	u64 multiplier;
	u64 shift;
	u64 output;
};

/**
 * struct nnmem_plan_add - one add, ready for nnmem_add_run()
 * @p: quantisation, zero points from the tensors
 * @input1: arena offset of the first operand
 * @input2: arena offset of the second operand
 * @output: arena offset of the output
 * @n1: elements of the first operand and of the output
 * @n2: elements of the second operand (@n1, its last dim, or 1)
 */
struct nnmem_plan_add {
	struct nnmem_add_params p;
	u64 input1;
	u64 input2;
	u64 output;
	u32 n1;
	u32 n2;
};

/**
 * struct nnmem_plan_fc - one fully connected layer, ready for nnmem_fc_run()
 * @p: shape and quantisation, all derived from the tensors and the node
 * @input: arena offset of the input
 * @filter: arena offset of the filter
 * @bias: arena offset of the bias, or %NNMEM_PLAN_NO_TENSOR
 * @multiplier: arena offset of the multipliers
 * @shift: arena offset of the shifts
 * @output: arena offset of the output
 */
struct nnmem_plan_fc {
	struct nnmem_fc_params p;
	u64 input;
	u64 filter;
	u64 bias;
	u64 multiplier;
	u64 shift;
	u64 output;
};

/**
 * struct nnmem_plan_pool2d - one pooling, ready for nnmem_avg_pool2d_run()
 *	or nnmem_max_pool2d_run() (&nnmem_plan_node.op says which)
 * @p: shape and clamp, derived from the tensors and the node
 * @input: arena offset of the input
 * @output: arena offset of the output
 */
struct nnmem_plan_pool2d {
	struct nnmem_pool2d_params p;
	u64 input;
	u64 output;
};

/**
 * struct nnmem_plan_softmax - one softmax, ready for nnmem_softmax_run()
 * @p: rows, depth and scaling, derived from the tensors and the node
 * @input: arena offset of the input
 * @output: arena offset of the output
 */
struct nnmem_plan_softmax {
	struct nnmem_softmax_params p;
	u64 input;
	u64 output;
};

/**
 * struct nnmem_plan_node - one step of an execution plan
 * @op: an ``NNMEM_OP_*`` the validator accepts
 * @macs: multiply-accumulates of the step, as the kernel's progress hook
 *	counts them (see &typedef nnmem_kernel_progress_fn): conv2d as
 *	nnmem_conv2d_shape_get() counts them, add one per output element,
 *	fully connected rows * outputs * depth, pooling output elements *
 *	window taps, softmax %NNMEM_SOFTMAX_MACS_PER_ELEM per element
 * @conv2d: when @op is %NNMEM_OP_CONV2D
 * @add: when @op is %NNMEM_OP_ADD
 * @fc: when @op is %NNMEM_OP_FULLY_CONNECTED
 * @pool2d: when @op is %NNMEM_OP_AVG_POOL2D or %NNMEM_OP_MAX_POOL2D
 * @softmax: when @op is %NNMEM_OP_SOFTMAX
 *
 * Offsets are bytes from the start of the arena; every int32 array is
 * 4-byte aligned there.
 */
struct nnmem_plan_node {
	u32 op;
	u64 macs;
	union {
		struct nnmem_plan_conv2d conv2d;
		struct nnmem_plan_add add;
		struct nnmem_plan_fc fc;
		struct nnmem_plan_pool2d pool2d;
		struct nnmem_plan_softmax softmax;
	};
};

/**
 * nnmem_graphval_lifetime() - a tensor's lifetime, in node steps
 * @writer: the first node writing it, or %NNMEM_INDEX_NONE
 * @last: the last node reading it, or %NNMEM_INDEX_NONE
 * @node_count: nodes of the graph, at least 1
 * @first: its first step: @writer, or 0 (a graph input)
 * @lastp: its last step: @last, or the last node (a graph output); never
 *	before @first (a tensor read before it is written is an error the
 *	validator reports as %NNMEM_GERR_NODE_ORDER)
 */
static inline void nnmem_graphval_lifetime(u32 writer, u32 last,
					   u32 node_count, __u32 *first,
					   __u32 *lastp)
{
	*first = writer == NNMEM_INDEX_NONE ? 0 : writer;
	*lastp = last == NNMEM_INDEX_NONE ? node_count - 1 : last;
	if (*lastp < *first)
		*lastp = *first;
}

void nnmem_graphval_uses(const struct nnmem_node *nodes, u32 node_count,
			 u32 tensor_count, u32 *writer, u32 *last);
size_t nnmem_graphval_scratch_size(u32 tensor_count);
size_t nnmem_graphval_place_work_size(u32 tensor_count);
int nnmem_graphval_place(const struct nnmem_tensor *tensors, u32 tensor_count,
			 const struct nnmem_node *nodes, u32 node_count,
			 struct nnmem_graphval_region *regions, void *work,
			 u64 *scratch_size);
int nnmem_graphval_check(const struct nnmem_tensor *tensors, u32 tensor_count,
			 const struct nnmem_node *nodes, u32 node_count,
			 const struct nnmem_graphval_region *regions,
			 const struct nnmem_graphval_limits *limits,
			 void *scratch, struct nnmem_plan_node *plan,
			 struct nnmem_graphval_err *err);
void nnmem_graphval_relocate(struct nnmem_plan_node *plan, u32 node_count,
			     u64 old, u64 len, u64 new);

#endif /* __NNMEM_GRAPHVAL_H__ */
