// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem graph validator.
 *
 * nnmem_graphval_check() takes a graph description that the caller has
 * already copied (tensor and node arrays in the uapi layout, unknown
 * element tails already checked) together with what the caller found for
 * each tensor's region handle, checks all of it, and on success writes an
 * execution plan: per node the kernel parameters and the arena offsets of
 * its tensors. It is plain C with nothing from the kernel but types and
 * errnos, so the same file builds into the module and into the userspace
 * unit tests.
 *
 * The first problem found is reported, in this order:
 *
 *  1. the counts (%NNMEM_GERR_COUNT);
 *  2. every tensor, in index order: flags/__pad (TENSOR_RESERVED), type
 *     (TENSOR_TYPE), ndims (TENSOR_DIMS), dims past ndims (TENSOR_RESERVED),
 *     a zero dim (TENSOR_DIMS), element count (TENSOR_SIZE), zero point
 *     (TENSOR_ZERO_POINT), region (TENSOR_HANDLE), placement inside the
 *     region and int32 alignment (TENSOR_BOUNDS);
 *  3. every node, in index order: op (NODE_OP), flags, the op struct's
 *     __pad and the union's tail (NODE_RESERVED), tensor indices
 *     (NODE_INDEX), then each operand in the order of the op's struct: its
 *     type (TENSOR_TYPE), region kind (TENSOR_KIND) and rank (NODE_SHAPE),
 *     then the op's own checks
 *     (conv2d: filter zero point, dims, stride and dilation (NODE_PARAM),
 *     groups (NODE_GROUPS), filter channels (NODE_SHAPE), padding
 *     (NODE_PADDING), clamp, output and per-channel shapes;
 *     add: operand shapes, quantisation;
 *     fully connected: filter zero point, input elements a multiple of
 *     the depth, output elements, bias, multiplier and shift lengths
 *     (NODE_SHAPE), clamp (NODE_QUANT);
 *     pooling: output zero point equal to the input's (TENSOR_ZERO_POINT),
 *     dims (NODE_SHAPE), window and stride (NODE_PARAM), padding
 *     (NODE_PADDING), clamp (NODE_QUANT), window within the padded input
 *     (NODE_PARAM), output shape (NODE_SHAPE);
 *     softmax: output zero point -128 (TENSOR_ZERO_POINT), output shape
 *     (NODE_SHAPE), multiplier, left shift and diff_min (NODE_QUANT)),
 *     then the output's writer (NODE_WRITER: a
 *     second node writing a tensor), and last the MACs of this node and
 *     the ones before it together (GRAPH_MACS, above limits->max_macs);
 *  4. every node again, in index order: each input (in struct order)
 *     overlapping the output in the arena (NODE_ALIAS), then each input
 *     read before its writer ran (NODE_ORDER: written by this node or a
 *     later one);
 *  5. lifetimes (TENSOR_LIVE): every tensor in an activation region that a
 *     node reads or writes is live from its writer (node 0 if no node
 *     writes it: a graph input) to its last reader (the last node if no
 *     node reads it: a graph output). Two such tensors may share bytes of
 *     the arena only if their lifetimes do not meet: this is what lets a
 *     memory planner reuse bytes (driver/nnmem_planner.c), and what makes
 *     a bad plan an error instead of wrong outputs. The error names the
 *     first node at which both are live and the two tensors (the first
 *     pair nnmem_planner_check() finds). Weights are never written, so
 *     they may share bytes freely.
 *
 * Tensor-level problems carry node %NNMEM_INDEX_NONE; node-level problems
 * the node, and the tensor they concern or %NNMEM_INDEX_NONE.
 */

#include "nnmem_graphval.h"

#define NNMEM_GV_NONE	NNMEM_INDEX_NONE

/*
 * The check's working memory, one entry per tensor in each array: the
 * node writing it and the last node reading it (or NNMEM_GV_NONE), and
 * for step 5 the live activation tensors' bytes and lifetimes packed at
 * the front of @buf, with their tensor indices in @tensor.
 */
struct nnmem_gv_scratch {
	u32 *writer;
	u32 *last;
	u32 *tensor;
	struct nnmem_planner_buf *buf;
};

struct nnmem_gv {
	const struct nnmem_tensor *t;
	u32 nt;
	const struct nnmem_node *n;
	u32 nn;
	const struct nnmem_graphval_region *reg;
	const struct nnmem_graphval_limits *lim;
	u64 macs;	/* of the nodes checked so far */
	struct nnmem_graphval_err *err;
};

static int nnmem_gv_fail(struct nnmem_gv *gv, u32 reason, u32 node, u32 tensor)
{
	gv->err->reason = reason;
	gv->err->node = node;
	gv->err->tensor = tensor;
	return -EINVAL;
}

static u64 nnmem_gv_arena_start(const struct nnmem_gv *gv, u32 ti)
{
	return gv->reg[ti].arena_offset + gv->t[ti].offset;
}

static u64 nnmem_gv_bytes(const struct nnmem_gv *gv, u32 ti)
{
	const struct nnmem_tensor *t = &gv->t[ti];

	return nnmem_shape_tensor_bytes(t);
}

static int nnmem_gv_tensor(struct nnmem_gv *gv, u32 ti)
{
	const struct nnmem_tensor *t = &gv->t[ti];
	const struct nnmem_graphval_region *r = &gv->reg[ti];
	u64 elems, bytes;
	u32 i;

	if ((t->flags & ~NNMEM_TENSOR_VALID_FLAGS) || t->__pad)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_RESERVED,
				     NNMEM_GV_NONE, ti);
	if ((t->flags & NNMEM_TENSOR_DEVICE_PLACED) &&
	    (t->handle || t->offset))
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_PLACED,
				     NNMEM_GV_NONE, ti);
	if (t->type != NNMEM_TYPE_INT8 && t->type != NNMEM_TYPE_INT32)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_TYPE,
				     NNMEM_GV_NONE, ti);
	if (t->ndims < 1 || t->ndims > NNMEM_TENSOR_MAX_DIMS)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_DIMS,
				     NNMEM_GV_NONE, ti);
	for (i = t->ndims; i < NNMEM_TENSOR_MAX_DIMS; i++)
		if (t->dims[i])
			return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_RESERVED,
					     NNMEM_GV_NONE, ti);
	for (i = 0; i < t->ndims; i++)
		if (!t->dims[i])
			return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_DIMS,
					     NNMEM_GV_NONE, ti);
	elems = nnmem_shape_tensor_elems(t);
	if (elems > NNMEM_KERNEL_ELEMS_MAX)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_SIZE,
				     NNMEM_GV_NONE, ti);
	if (t->type == NNMEM_TYPE_INT8 ?
	    t->zero_point < S8_MIN || t->zero_point > S8_MAX :
	    t->zero_point != 0)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_ZERO_POINT,
				     NNMEM_GV_NONE, ti);
	if (!r->present)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_HANDLE,
				     NNMEM_GV_NONE, ti);
	bytes = nnmem_shape_tensor_bytes(t);
	if (t->offset > r->size || bytes > r->size - t->offset)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_BOUNDS,
				     NNMEM_GV_NONE, ti);
	if (t->type == NNMEM_TYPE_INT32 &&
	    (r->arena_offset + t->offset) % sizeof(s32))
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_BOUNDS,
				     NNMEM_GV_NONE, ti);
	return 0;
}

/* Bytes of the node's union past the op's own struct must be zero. */
static bool nnmem_gv_tail_zero(const struct nnmem_node *n, size_t used)
{
	const u8 *b = (const u8 *)n->reserved;
	size_t i;

	for (i = used; i < sizeof(n->reserved); i++)
		if (b[i])
			return false;
	return true;
}

static bool nnmem_gv_index_ok(const struct nnmem_gv *gv, u32 ti)
{
	return ti < gv->nt;
}

/* How an operand is used: its type, its region kind, its rank (0: any). */
static int nnmem_gv_use(struct nnmem_gv *gv, u32 ni, u32 ti, u32 type,
			u32 kind, u32 ndims)
{
	const struct nnmem_tensor *t = &gv->t[ti];

	if (t->type != type)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_TYPE, ni, ti);
	if (gv->reg[ti].kind != kind)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_KIND, ni, ti);
	if (ndims && t->ndims != ndims)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, ti);
	return 0;
}

static bool nnmem_gv_same_shape(const struct nnmem_tensor *a,
				const struct nnmem_tensor *b)
{
	u32 i;

	if (a->ndims != b->ndims)
		return false;
	for (i = 0; i < a->ndims; i++)
		if (a->dims[i] != b->dims[i])
			return false;
	return true;
}

static bool nnmem_gv_s8(s32 v)
{
	return v >= S8_MIN && v <= S8_MAX;
}

static bool nnmem_gv_shift(s32 v)
{
	return v >= NNMEM_SHIFT_MIN && v <= NNMEM_SHIFT_MAX;
}

/* Dims of a conv2d operand that must fit the kernel's limits. */
static bool nnmem_gv_conv_dims_ok(const struct nnmem_tensor *t)
{
	u32 i;

	for (i = 0; i < t->ndims; i++)
		if (t->dims[i] > NNMEM_CONV2D_DIM_MAX)
			return false;
	return true;
}

/* A padding must be less than the dilated kernel extent. */
static bool nnmem_gv_pad_ok(u32 pad, u32 k, u32 dilation)
{
	return (u64)pad < (u64)dilation * (k - 1) + 1;
}

static int nnmem_gv_conv2d(struct nnmem_gv *gv, u32 ni,
			   struct nnmem_plan_node *pn)
{
	const struct nnmem_conv2d *c = &gv->n[ni].conv2d;
	const struct nnmem_tensor *in, *f, *out;
	struct nnmem_plan_conv2d *pc = &pn->conv2d;
	struct nnmem_conv2d_params *p = &pc->p;
	struct nnmem_conv2d_shape shape;
	const u32 chan[] = { c->bias, c->multiplier, c->shift };
	const u32 lims[] = {
		c->stride_h, c->stride_w, c->dilation_h, c->dilation_w,
	};
	u32 i;
	int ret;

	ret = nnmem_gv_use(gv, ni, c->input, NNMEM_TYPE_INT8,
			   NNMEM_KIND_ACTIVATION, 4);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->filter, NNMEM_TYPE_INT8,
				   NNMEM_KIND_WEIGHT, 4);
	if (!ret && c->bias != NNMEM_INDEX_NONE)
		ret = nnmem_gv_use(gv, ni, c->bias, NNMEM_TYPE_INT32,
				   NNMEM_KIND_WEIGHT, 1);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->output, NNMEM_TYPE_INT8,
				   NNMEM_KIND_ACTIVATION, 4);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->multiplier, NNMEM_TYPE_INT32,
				   NNMEM_KIND_WEIGHT, 1);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->shift, NNMEM_TYPE_INT32,
				   NNMEM_KIND_WEIGHT, 1);
	if (ret)
		return ret;

	in = &gv->t[c->input];
	f = &gv->t[c->filter];
	out = &gv->t[c->output];
	if (f->zero_point)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_ZERO_POINT, ni,
				     c->filter);
	if (!nnmem_gv_conv_dims_ok(in))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->input);
	if (!nnmem_gv_conv_dims_ok(f))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->filter);
	if (!nnmem_gv_conv_dims_ok(out))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->output);

	for (i = 0; i < ARRAY_SIZE(lims); i++)
		if (!lims[i] || lims[i] > NNMEM_CONV2D_DIM_MAX)
			return nnmem_gv_fail(gv, NNMEM_GERR_NODE_PARAM, ni,
					     NNMEM_GV_NONE);
	if (!c->groups || in->dims[3] % c->groups || f->dims[0] % c->groups)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_GROUPS, ni,
				     NNMEM_GV_NONE);
	if (f->dims[3] != in->dims[3] / c->groups)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->filter);
	if (!nnmem_gv_pad_ok(c->pad_top, f->dims[1], c->dilation_h) ||
	    !nnmem_gv_pad_ok(c->pad_bottom, f->dims[1], c->dilation_h) ||
	    !nnmem_gv_pad_ok(c->pad_left, f->dims[2], c->dilation_w) ||
	    !nnmem_gv_pad_ok(c->pad_right, f->dims[2], c->dilation_w))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_PADDING, ni,
				     NNMEM_GV_NONE);
	if (!nnmem_gv_s8(c->act_min) || !nnmem_gv_s8(c->act_max) ||
	    c->act_min > c->act_max)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_QUANT, ni,
				     NNMEM_GV_NONE);

	nnmem_conv2d_params_from_uapi(p, c, in, f, out);

	ret = nnmem_conv2d_shape_get(p, &shape);
	if (ret == -ERANGE)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_QUANT, ni,
				     NNMEM_GV_NONE);
	if (ret == -EOVERFLOW)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->output);
	if (ret)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_PARAM, ni,
				     NNMEM_GV_NONE);
	if (out->dims[0] != p->batch || out->dims[1] != shape.out_h ||
	    out->dims[2] != shape.out_w || out->dims[3] != p->out_c)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->output);
	for (i = 0; i < ARRAY_SIZE(chan); i++)
		if (chan[i] != NNMEM_INDEX_NONE &&
		    gv->t[chan[i]].dims[0] != p->out_c)
			return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni,
					     chan[i]);

	pn->macs = shape.macs;
	pc->input = nnmem_gv_arena_start(gv, c->input);
	pc->filter = nnmem_gv_arena_start(gv, c->filter);
	pc->bias = c->bias == NNMEM_INDEX_NONE ? NNMEM_PLAN_NO_TENSOR :
		   nnmem_gv_arena_start(gv, c->bias);
	pc->multiplier = nnmem_gv_arena_start(gv, c->multiplier);
	pc->shift = nnmem_gv_arena_start(gv, c->shift);
	pc->output = nnmem_gv_arena_start(gv, c->output);
	return 0;
}

static int nnmem_gv_add(struct nnmem_gv *gv, u32 ni, struct nnmem_plan_node *pn)
{
	const struct nnmem_add *a = &gv->n[ni].add;
	const struct nnmem_tensor *in1, *in2, *out;
	struct nnmem_plan_add *pa = &pn->add;
	struct nnmem_add_params *p = &pa->p;
	int ret;

	ret = nnmem_gv_use(gv, ni, a->input1, NNMEM_TYPE_INT8,
			   NNMEM_KIND_ACTIVATION, 0);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, a->input2, NNMEM_TYPE_INT8,
				   NNMEM_KIND_ACTIVATION, 0);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, a->output, NNMEM_TYPE_INT8,
				   NNMEM_KIND_ACTIVATION, 0);
	if (ret)
		return ret;

	in1 = &gv->t[a->input1];
	in2 = &gv->t[a->input2];
	out = &gv->t[a->output];
	if (!nnmem_gv_same_shape(in1, in2) &&
	    !(in2->ndims == 1 && in2->dims[0] == in1->dims[in1->ndims - 1]) &&
	    nnmem_shape_tensor_elems(in2) != 1)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, a->input2);
	if (!nnmem_gv_same_shape(in1, out))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, a->output);
	if (a->left_shift < 0 || a->left_shift > NNMEM_ADD_LEFT_SHIFT_MAX ||
	    !nnmem_gv_shift(a->input1_shift) ||
	    !nnmem_gv_shift(a->input2_shift) ||
	    !nnmem_gv_shift(a->output_shift) ||
	    !nnmem_gv_s8(a->act_min) || !nnmem_gv_s8(a->act_max) ||
	    a->act_min > a->act_max)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_QUANT, ni,
				     NNMEM_GV_NONE);

	p->input1_zero_point = in1->zero_point;
	p->input2_zero_point = in2->zero_point;
	p->left_shift = a->left_shift;
	p->input1_multiplier = a->input1_multiplier;
	p->input1_shift = a->input1_shift;
	p->input2_multiplier = a->input2_multiplier;
	p->input2_shift = a->input2_shift;
	p->output_multiplier = a->output_multiplier;
	p->output_shift = a->output_shift;
	p->output_zero_point = out->zero_point;
	p->act_min = a->act_min;
	p->act_max = a->act_max;
	/* both counts are at most NNMEM_KERNEL_ELEMS_MAX (tensor checks) */
	pa->n1 = (u32)nnmem_shape_tensor_elems(in1);
	pa->n2 = (u32)nnmem_shape_tensor_elems(in2);
	/* cannot fail after the checks above; kept as a backstop */
	if (nnmem_add_validate(p, pa->n1, pa->n2))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, a->input2);

	pn->macs = pa->n1;
	pa->input1 = nnmem_gv_arena_start(gv, a->input1);
	pa->input2 = nnmem_gv_arena_start(gv, a->input2);
	pa->output = nnmem_gv_arena_start(gv, a->output);
	return 0;
}

/* An int8 element count, known to be at most NNMEM_KERNEL_ELEMS_MAX. */
static u32 nnmem_gv_elems(const struct nnmem_gv *gv, u32 ti)
{
	return (u32)nnmem_shape_tensor_elems(&gv->t[ti]);
}

static int nnmem_gv_fc(struct nnmem_gv *gv, u32 ni, struct nnmem_plan_node *pn)
{
	const struct nnmem_fully_connected *c = &gv->n[ni].fully_connected;
	const struct nnmem_tensor *in, *f, *out, *m;
	struct nnmem_plan_fc *pf = &pn->fc;
	struct nnmem_fc_params *p = &pf->p;
	int ret;

	ret = nnmem_gv_use(gv, ni, c->input, NNMEM_TYPE_INT8,
			   NNMEM_KIND_ACTIVATION, 0);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->filter, NNMEM_TYPE_INT8,
				   NNMEM_KIND_WEIGHT, 2);
	if (!ret && c->bias != NNMEM_INDEX_NONE)
		ret = nnmem_gv_use(gv, ni, c->bias, NNMEM_TYPE_INT32,
				   NNMEM_KIND_WEIGHT, 1);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->output, NNMEM_TYPE_INT8,
				   NNMEM_KIND_ACTIVATION, 0);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->multiplier, NNMEM_TYPE_INT32,
				   NNMEM_KIND_WEIGHT, 1);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->shift, NNMEM_TYPE_INT32,
				   NNMEM_KIND_WEIGHT, 1);
	if (ret)
		return ret;

	in = &gv->t[c->input];
	f = &gv->t[c->filter];
	out = &gv->t[c->output];
	m = &gv->t[c->multiplier];
	if (f->zero_point)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_ZERO_POINT, ni,
				     c->filter);
	p->out_c = f->dims[0];
	p->depth = f->dims[1];
	if (nnmem_gv_elems(gv, c->input) % p->depth)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->input);
	p->rows = nnmem_gv_elems(gv, c->input) / p->depth;
	/* rows * out_c < 2^62: no overflow */
	if (nnmem_shape_tensor_elems(out) != (u64)p->rows * p->out_c)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->output);
	if (c->bias != NNMEM_INDEX_NONE && gv->t[c->bias].dims[0] != p->out_c)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->bias);
	if (m->dims[0] != 1 && m->dims[0] != p->out_c)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni,
				     c->multiplier);
	if (gv->t[c->shift].dims[0] != m->dims[0])
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->shift);
	if (!nnmem_gv_s8(c->act_min) || !nnmem_gv_s8(c->act_max) ||
	    c->act_min > c->act_max)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_QUANT, ni,
				     NNMEM_GV_NONE);

	p->channels = m->dims[0];
	p->input_zero_point = in->zero_point;
	p->output_zero_point = out->zero_point;
	p->act_min = c->act_min;
	p->act_max = c->act_max;
	/* cannot fail after the checks above; kept as a backstop */
	ret = nnmem_fc_validate(p, &pn->macs);
	if (ret)
		return nnmem_gv_fail(gv, ret == -ERANGE ?
				     NNMEM_GERR_NODE_QUANT :
				     NNMEM_GERR_NODE_SHAPE, ni, c->output);

	pf->input = nnmem_gv_arena_start(gv, c->input);
	pf->filter = nnmem_gv_arena_start(gv, c->filter);
	pf->bias = c->bias == NNMEM_INDEX_NONE ? NNMEM_PLAN_NO_TENSOR :
		   nnmem_gv_arena_start(gv, c->bias);
	pf->multiplier = nnmem_gv_arena_start(gv, c->multiplier);
	pf->shift = nnmem_gv_arena_start(gv, c->shift);
	pf->output = nnmem_gv_arena_start(gv, c->output);
	return 0;
}

static int nnmem_gv_pool2d(struct nnmem_gv *gv, u32 ni,
			   struct nnmem_plan_node *pn)
{
	const struct nnmem_pool2d *c = &gv->n[ni].pool2d;
	const struct nnmem_tensor *in, *out;
	struct nnmem_plan_pool2d *pp = &pn->pool2d;
	struct nnmem_pool2d_params *p = &pp->p;
	struct nnmem_pool2d_shape shape;
	const u32 lims[] = {
		c->filter_h, c->filter_w, c->stride_h, c->stride_w,
	};
	u32 i;
	int ret;

	ret = nnmem_gv_use(gv, ni, c->input, NNMEM_TYPE_INT8,
			   NNMEM_KIND_ACTIVATION, 4);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->output, NNMEM_TYPE_INT8,
				   NNMEM_KIND_ACTIVATION, 4);
	if (ret)
		return ret;

	in = &gv->t[c->input];
	out = &gv->t[c->output];
	/* the average is taken of the raw values: same zero point (scale) */
	if (out->zero_point != in->zero_point)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_ZERO_POINT, ni,
				     c->output);
	if (!nnmem_gv_conv_dims_ok(in))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->input);
	if (!nnmem_gv_conv_dims_ok(out))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->output);
	for (i = 0; i < ARRAY_SIZE(lims); i++)
		if (!lims[i] || lims[i] > NNMEM_CONV2D_DIM_MAX)
			return nnmem_gv_fail(gv, NNMEM_GERR_NODE_PARAM, ni,
					     NNMEM_GV_NONE);
	if ((u64)c->filter_h * c->filter_w > NNMEM_POOL_TAPS_MAX)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_PARAM, ni,
				     NNMEM_GV_NONE);
	if (c->pad_top >= c->filter_h || c->pad_bottom >= c->filter_h ||
	    c->pad_left >= c->filter_w || c->pad_right >= c->filter_w)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_PADDING, ni,
				     NNMEM_GV_NONE);
	if (!nnmem_gv_s8(c->act_min) || !nnmem_gv_s8(c->act_max) ||
	    c->act_min > c->act_max)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_QUANT, ni,
				     NNMEM_GV_NONE);

	p->batch = in->dims[0];
	p->in_h = in->dims[1];
	p->in_w = in->dims[2];
	p->channels = in->dims[3];
	p->filter_h = c->filter_h;
	p->filter_w = c->filter_w;
	p->stride_h = c->stride_h;
	p->stride_w = c->stride_w;
	p->pad_top = c->pad_top;
	p->pad_bottom = c->pad_bottom;
	p->pad_left = c->pad_left;
	p->pad_right = c->pad_right;
	p->act_min = c->act_min;
	p->act_max = c->act_max;
	ret = nnmem_pool2d_shape_get(p, &shape);
	if (ret == -ERANGE)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_QUANT, ni,
				     NNMEM_GV_NONE);
	if (ret == -EOVERFLOW)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->output);
	if (ret)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_PARAM, ni,
				     NNMEM_GV_NONE);
	if (out->dims[0] != p->batch || out->dims[1] != shape.out_h ||
	    out->dims[2] != shape.out_w || out->dims[3] != p->channels)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->output);

	pn->macs = shape.macs;
	pp->input = nnmem_gv_arena_start(gv, c->input);
	pp->output = nnmem_gv_arena_start(gv, c->output);
	return 0;
}

static int nnmem_gv_softmax(struct nnmem_gv *gv, u32 ni,
			    struct nnmem_plan_node *pn)
{
	const struct nnmem_softmax *c = &gv->n[ni].softmax;
	const struct nnmem_tensor *in, *out;
	struct nnmem_plan_softmax *ps = &pn->softmax;
	struct nnmem_softmax_params *p = &ps->p;
	int ret;

	ret = nnmem_gv_use(gv, ni, c->input, NNMEM_TYPE_INT8,
			   NNMEM_KIND_ACTIVATION, 0);
	if (!ret)
		ret = nnmem_gv_use(gv, ni, c->output, NNMEM_TYPE_INT8,
				   NNMEM_KIND_ACTIVATION, 0);
	if (ret)
		return ret;

	in = &gv->t[c->input];
	out = &gv->t[c->output];
	/* scale 1/256, zero point -128: TFLite's only int8 softmax output */
	if (out->zero_point != S8_MIN)
		return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_ZERO_POINT, ni,
				     c->output);
	if (!nnmem_gv_same_shape(in, out))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->output);
	p->depth = in->dims[in->ndims - 1];
	p->rows = nnmem_gv_elems(gv, c->input) / p->depth;
	p->input_multiplier = c->input_multiplier;
	p->input_left_shift = c->input_left_shift;
	p->diff_min = c->diff_min;
	ret = nnmem_softmax_validate(p, &pn->macs);
	if (ret == -ERANGE)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_QUANT, ni,
				     NNMEM_GV_NONE);
	/* cannot fail otherwise after the tensor checks; a backstop */
	if (ret)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_SHAPE, ni, c->input);

	ps->input = nnmem_gv_arena_start(gv, c->input);
	ps->output = nnmem_gv_arena_start(gv, c->output);
	return 0;
}

/* The node's inputs in struct order (absent bias skipped) and its output. */
static u32 nnmem_gv_operands(const struct nnmem_node *n, u32 in[5], u32 *out)
{
	u32 k = 0;

	switch (n->op) {
	case NNMEM_OP_CONV2D:
		in[k++] = n->conv2d.input;
		in[k++] = n->conv2d.filter;
		if (n->conv2d.bias != NNMEM_INDEX_NONE)
			in[k++] = n->conv2d.bias;
		in[k++] = n->conv2d.multiplier;
		in[k++] = n->conv2d.shift;
		*out = n->conv2d.output;
		break;
	case NNMEM_OP_ADD:
		in[k++] = n->add.input1;
		in[k++] = n->add.input2;
		*out = n->add.output;
		break;
	case NNMEM_OP_FULLY_CONNECTED:
		in[k++] = n->fully_connected.input;
		in[k++] = n->fully_connected.filter;
		if (n->fully_connected.bias != NNMEM_INDEX_NONE)
			in[k++] = n->fully_connected.bias;
		in[k++] = n->fully_connected.multiplier;
		in[k++] = n->fully_connected.shift;
		*out = n->fully_connected.output;
		break;
	case NNMEM_OP_AVG_POOL2D:
	case NNMEM_OP_MAX_POOL2D:
		in[k++] = n->pool2d.input;
		*out = n->pool2d.output;
		break;
	default:	/* NNMEM_OP_SOFTMAX: nnmem_gv_node() checked the op */
		in[k++] = n->softmax.input;
		*out = n->softmax.output;
		break;
	}
	return k;
}

/* Bytes of the op's own struct in the node's union, 0 for an unknown op. */
static size_t nnmem_gv_op_size(const struct nnmem_node *n)
{
	switch (n->op) {
	case NNMEM_OP_CONV2D:
		return sizeof(n->conv2d);
	case NNMEM_OP_ADD:
		return sizeof(n->add);
	case NNMEM_OP_FULLY_CONNECTED:
		return sizeof(n->fully_connected);
	case NNMEM_OP_AVG_POOL2D:
	case NNMEM_OP_MAX_POOL2D:
		return sizeof(n->pool2d);
	case NNMEM_OP_SOFTMAX:
		return sizeof(n->softmax);
	default:
		return 0;
	}
}

static int nnmem_gv_node(struct nnmem_gv *gv, u32 ni,
			 const struct nnmem_gv_scratch *sc,
			 struct nnmem_plan_node *pn)
{
	const struct nnmem_node *n = &gv->n[ni];
	u32 in[5], out, k, i;
	size_t used;
	int ret;

	used = nnmem_gv_op_size(n);
	if (!used)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_OP, ni, NNMEM_GV_NONE);
	if (n->flags || !nnmem_gv_tail_zero(n, used) ||
	    (n->op == NNMEM_OP_CONV2D && n->conv2d.__pad) ||
	    (n->op == NNMEM_OP_SOFTMAX && n->softmax.__pad))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_RESERVED, ni,
				     NNMEM_GV_NONE);
	k = nnmem_gv_operands(n, in, &out);
	for (i = 0; i < k; i++)
		if (!nnmem_gv_index_ok(gv, in[i]))
			return nnmem_gv_fail(gv, NNMEM_GERR_NODE_INDEX, ni,
					     NNMEM_GV_NONE);
	if (!nnmem_gv_index_ok(gv, out))
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_INDEX, ni,
				     NNMEM_GV_NONE);

	pn->op = n->op;
	switch (n->op) {
	case NNMEM_OP_CONV2D:
		ret = nnmem_gv_conv2d(gv, ni, pn);
		break;
	case NNMEM_OP_ADD:
		ret = nnmem_gv_add(gv, ni, pn);
		break;
	case NNMEM_OP_FULLY_CONNECTED:
		ret = nnmem_gv_fc(gv, ni, pn);
		break;
	case NNMEM_OP_AVG_POOL2D:
	case NNMEM_OP_MAX_POOL2D:
		ret = nnmem_gv_pool2d(gv, ni, pn);
		break;
	default:
		ret = nnmem_gv_softmax(gv, ni, pn);
		break;
	}
	if (ret)
		return ret;

	if (sc->writer[out] != NNMEM_GV_NONE)
		return nnmem_gv_fail(gv, NNMEM_GERR_NODE_WRITER, ni, out);
	sc->writer[out] = ni;
	/* gv->macs <= max_macs here, so the subtraction cannot wrap */
	if (pn->macs > gv->lim->max_macs - gv->macs)
		return nnmem_gv_fail(gv, NNMEM_GERR_GRAPH_MACS, ni,
				     NNMEM_GV_NONE);
	gv->macs += pn->macs;
	return 0;
}

static bool nnmem_gv_overlap(const struct nnmem_gv *gv, u32 a, u32 b)
{
	u64 sa = nnmem_gv_arena_start(gv, a), sb = nnmem_gv_arena_start(gv, b);

	return sa < sb + nnmem_gv_bytes(gv, b) &&
	       sb < sa + nnmem_gv_bytes(gv, a);
}

static int nnmem_gv_node_deps(struct nnmem_gv *gv, u32 ni,
			      const struct nnmem_gv_scratch *sc)
{
	u32 in[5], out, k, i;

	k = nnmem_gv_operands(&gv->n[ni], in, &out);
	for (i = 0; i < k; i++)
		if (nnmem_gv_overlap(gv, in[i], out))
			return nnmem_gv_fail(gv, NNMEM_GERR_NODE_ALIAS, ni,
					     in[i]);
	for (i = 0; i < k; i++)
		if (sc->writer[in[i]] != NNMEM_GV_NONE &&
		    sc->writer[in[i]] >= ni)
			return nnmem_gv_fail(gv, NNMEM_GERR_NODE_ORDER, ni,
					     in[i]);
	return 0;
}

/* Step 5: activation tensors live at the same time share no byte. */
static int nnmem_gv_lifetimes(struct nnmem_gv *gv,
			      const struct nnmem_gv_scratch *sc)
{
	u32 t, n = 0, a, b;

	for (t = 0; t < gv->nt; t++) {
		u32 writer = sc->writer[t], last = sc->last[t];

		/* a device-placed tensor is an intermediate, written then read */
		if ((gv->t[t].flags & NNMEM_TENSOR_DEVICE_PLACED) &&
		    (writer == NNMEM_GV_NONE || last == NNMEM_GV_NONE)) {
			return nnmem_gv_fail(gv, NNMEM_GERR_TENSOR_PLACED,
					     writer == NNMEM_GV_NONE ? last :
					     writer, t);
		}
		if (gv->reg[t].kind != NNMEM_KIND_ACTIVATION ||
		    (writer == NNMEM_GV_NONE && last == NNMEM_GV_NONE))
			continue;
		sc->buf[n].size = nnmem_gv_bytes(gv, t);
		nnmem_graphval_lifetime(writer, last, gv->nn,
					&sc->buf[n].first, &sc->buf[n].last);
		sc->buf[n].offset = nnmem_gv_arena_start(gv, t);
		sc->tensor[n] = t;
		n++;
	}
	if (!nnmem_planner_check(sc->buf, n, 1, &a, &b))
		return 0;
	gv->err->reason = NNMEM_GERR_TENSOR_LIVE;
	gv->err->node = sc->buf[a].first > sc->buf[b].first ?
			sc->buf[a].first : sc->buf[b].first;
	gv->err->tensor = sc->tensor[a];
	gv->err->tensor2 = sc->tensor[b];
	return -EINVAL;
}

/**
 * nnmem_graphval_uses() - the nodes writing and last reading each tensor
 * @nodes: @node_count nodes (need not be validated)
 * @node_count: number of nodes
 * @tensor_count: number of tensors
 * @writer: @tensor_count entries: the first node writing the tensor, or
 *	%NNMEM_INDEX_NONE
 * @last: @tensor_count entries: the last node reading it, or
 *	%NNMEM_INDEX_NONE
 *
 * Nodes of unknown ops and indices out of range are skipped. With
 * nnmem_graphval_lifetime() this is the one definition of a tensor's
 * lifetime: the validator's %NNMEM_GERR_TENSOR_LIVE, the driver's device
 * planning and libnnmem's planned models all use it.
 */
void nnmem_graphval_uses(const struct nnmem_node *nodes, u32 node_count,
			 u32 tensor_count, u32 *writer, u32 *last)
{
	u32 in[5], out, k, i, t;

	for (t = 0; t < tensor_count; t++) {
		writer[t] = NNMEM_GV_NONE;
		last[t] = NNMEM_GV_NONE;
	}
	for (i = 0; i < node_count; i++) {
		if (!nnmem_gv_op_size(&nodes[i]))
			continue;
		k = nnmem_gv_operands(&nodes[i], in, &out);
		if (out < tensor_count && writer[out] == NNMEM_GV_NONE)
			writer[out] = i;
		while (k--)
			if (in[k] < tensor_count)
				last[in[k]] = i;
	}
}

static size_t nnmem_gv_round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/**
 * nnmem_graphval_place() - plan the device-placed tensors of a graph
 * @tensors: @tensor_count tensors, as userspace gave them (not validated)
 * @tensor_count: number of tensors, at most %NNMEM_PLANNER_MAX_BUFS
 * @nodes: @node_count nodes, as userspace gave them (not validated)
 * @node_count: number of nodes
 * @regions: @tensor_count entries; those of the device-placed tensors are
 *	filled in: present, activation, their size, and the arena offset
 *	%NNMEM_PLAN_SCRATCH plus their planned offset
 * @work: nnmem_graphval_place_work_size(@tensor_count) bytes, 8-byte
 *	aligned
 * @scratch_size: the footprint of the plan, 0 without placed tensors
 *
 * Runs before nnmem_graphval_check(), which then validates the graph with
 * these placements like any other (an invalid graph may get a useless
 * plan here, and is rejected there). Each placed tensor lives from the
 * first node writing it to the last node reading it, the rule of
 * %NNMEM_GERR_TENSOR_LIVE; the planner (nnmem_planner_plan()) gives tensors
 * never live together the same bytes, each at a multiple of 16.
 *
 * Return: 0, or the planner's -EINVAL/-EOVERFLOW (the caller rejects the
 * graph with %NNMEM_GERR_TENSOR_PLACED).
 */
int nnmem_graphval_place(const struct nnmem_tensor *tensors, u32 tensor_count,
			 const struct nnmem_node *nodes, u32 node_count,
			 struct nnmem_graphval_region *regions, void *work,
			 u64 *scratch_size)
{
	void *pwork = work;
	struct nnmem_planner_buf *buf = (void *)((u8 *)work +
		nnmem_gv_round8(nnmem_planner_work_size(tensor_count)));
	u32 *first = (u32 *)(buf + tensor_count);
	u32 *last = first + tensor_count;
	u32 *which = last + tensor_count;
	u32 i, t, n = 0;
	__u64 footprint = 0;
	int ret;

	*scratch_size = 0;
	nnmem_graphval_uses(nodes, node_count, tensor_count, first, last);
	for (t = 0; t < tensor_count; t++) {
		if (!(tensors[t].flags & NNMEM_TENSOR_DEVICE_PLACED))
			continue;
		buf[n].size = nnmem_shape_tensor_bytes(&tensors[t]);
		nnmem_graphval_lifetime(first[t], last[t], node_count,
					&buf[n].first, &buf[n].last);
		which[n++] = t;
	}
	if (!n)
		return 0;
	ret = nnmem_planner_plan(buf, n, NNMEM_GRAPHVAL_PLACE_ALIGN, pwork,
				 &footprint);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		struct nnmem_graphval_region *r = &regions[which[i]];

		r->present = true;
		r->kind = NNMEM_KIND_ACTIVATION;
		r->size = buf[i].size;
		r->arena_offset = NNMEM_PLAN_SCRATCH + buf[i].offset;
	}
	*scratch_size = footprint;
	return 0;
}

/**
 * nnmem_graphval_place_work_size() - bytes of work nnmem_graphval_place()
 *	needs
 * @tensor_count: tensors of the graph
 *
 * Return: the size of its @work.
 */
size_t nnmem_graphval_place_work_size(u32 tensor_count)
{
	return nnmem_gv_round8(nnmem_planner_work_size(tensor_count)) +
	       (size_t)tensor_count *
	       (sizeof(struct nnmem_planner_buf) + 3 * sizeof(u32));
}

/* The planner's bufs first (8-byte aligned), then the three u32 arrays. */
static void nnmem_gv_scratch_init(struct nnmem_gv_scratch *sc, void *mem,
				  u32 tensor_count)
{
	sc->buf = mem;
	sc->writer = (u32 *)(sc->buf + tensor_count);
	sc->last = sc->writer + tensor_count;
	sc->tensor = sc->last + tensor_count;
}

/**
 * nnmem_graphval_scratch_size() - bytes of working memory a check needs
 * @tensor_count: tensors of the graph
 *
 * Return: the size of the @scratch nnmem_graphval_check() takes, 40 bytes
 * per tensor.
 */
size_t nnmem_graphval_scratch_size(u32 tensor_count)
{
	return (size_t)tensor_count *
	       (sizeof(struct nnmem_planner_buf) + 3 * sizeof(u32));
}

/**
 * nnmem_graphval_check() - validate a graph and build its execution plan
 * @tensors: @tensor_count tensors, as userspace gave them
 * @tensor_count: number of tensors
 * @nodes: @node_count nodes, as userspace gave them
 * @node_count: number of nodes
 * @regions: @tensor_count entries: what the caller found for each tensor's
 *	&nnmem_tensor.handle (ignored past a failed count check)
 * @limits: largest accepted counts and MACs
 * @scratch: nnmem_graphval_scratch_size(@tensor_count) bytes of working
 *	memory, 8-byte aligned
 * @plan: @node_count entries, filled in on success (garbage on failure)
 * @err: reason, node and tensor of the first problem, or
 *	%NNMEM_GERR_NONE and %NNMEM_INDEX_NONE twice on success
 *
 * See the top of this file for what is checked and in which order. The
 * contents of the tensors (e.g. shift values) are not looked at: they may
 * change until a job runs, and the kernels check them then.
 *
 * Return: 0 if the graph is valid, -EINVAL with @err filled in if not.
 */
int nnmem_graphval_check(const struct nnmem_tensor *tensors, u32 tensor_count,
			 const struct nnmem_node *nodes, u32 node_count,
			 const struct nnmem_graphval_region *regions,
			 const struct nnmem_graphval_limits *limits,
			 void *scratch, struct nnmem_plan_node *plan,
			 struct nnmem_graphval_err *err)
{
	struct nnmem_gv gv = {
		.t = tensors, .nt = tensor_count, .n = nodes, .nn = node_count,
		.reg = regions, .lim = limits, .err = err,
	};
	struct nnmem_gv_scratch sc;
	u32 i;
	int ret;

	err->reason = NNMEM_GERR_NONE;
	err->node = NNMEM_GV_NONE;
	err->tensor = NNMEM_GV_NONE;
	err->tensor2 = NNMEM_GV_NONE;
	if (!tensor_count || tensor_count > limits->max_tensors ||
	    !node_count || node_count > limits->max_nodes)
		return nnmem_gv_fail(&gv, NNMEM_GERR_COUNT, NNMEM_GV_NONE,
				     NNMEM_GV_NONE);

	for (i = 0; i < tensor_count; i++) {
		ret = nnmem_gv_tensor(&gv, i);
		if (ret)
			return ret;
	}
	nnmem_gv_scratch_init(&sc, scratch, tensor_count);
	for (i = 0; i < tensor_count; i++)
		sc.writer[i] = NNMEM_GV_NONE;
	for (i = 0; i < node_count; i++) {
		ret = nnmem_gv_node(&gv, i, &sc, &plan[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < node_count; i++) {
		ret = nnmem_gv_node_deps(&gv, i, &sc);
		if (ret)
			return ret;
	}
	/* every node valid now: the same writers, and the last readers */
	nnmem_graphval_uses(nodes, node_count, tensor_count, sc.writer,
			    sc.last);
	return nnmem_gv_lifetimes(&gv, &sc);
}

/* One plan offset: moved by @delta if it lies in [@old, @old + @len). */
static void nnmem_gv_reloc(u64 *off, u64 old, u64 len, u64 delta)
{
	/* scratch-relative and absent tensors do not live in a region */
	if (*off >= NNMEM_PLAN_SCRATCH)
		return;
	if (*off >= old && *off - old < len)
		*off += delta;
}

/**
 * nnmem_graphval_relocate() - follow a region that moved in the arena
 * @plan: @node_count steps from nnmem_graphval_check()
 * @node_count: steps in @plan
 * @old: arena offset the region's bytes were at
 * @len: bytes of the region
 * @new: arena offset they are at now
 *
 * Every arena offset of @plan in [@old, @old + @len) moves by @new - @old
 * (modulo 2^64, so a move down works too). Offsets from
 * %NNMEM_PLAN_SCRATCH up (scratch-relative, or %NNMEM_PLAN_NO_TENSOR)
 * and offsets outside the range stay. A step of an op the validator does
 * not build stays as it is.
 */
void nnmem_graphval_relocate(struct nnmem_plan_node *plan, u32 node_count,
			     u64 old, u64 len, u64 new)
{
	u64 delta = new - old;
	u32 i;

	for (i = 0; i < node_count; i++) {
		struct nnmem_plan_node *pn = &plan[i];

		switch (pn->op) {
		case NNMEM_OP_CONV2D:
			nnmem_gv_reloc(&pn->conv2d.input, old, len, delta);
			nnmem_gv_reloc(&pn->conv2d.filter, old, len, delta);
			nnmem_gv_reloc(&pn->conv2d.bias, old, len, delta);
			nnmem_gv_reloc(&pn->conv2d.multiplier, old, len,
				       delta);
			nnmem_gv_reloc(&pn->conv2d.shift, old, len, delta);
			nnmem_gv_reloc(&pn->conv2d.output, old, len, delta);
			break;
		case NNMEM_OP_ADD:
			nnmem_gv_reloc(&pn->add.input1, old, len, delta);
			nnmem_gv_reloc(&pn->add.input2, old, len, delta);
			nnmem_gv_reloc(&pn->add.output, old, len, delta);
			break;
		case NNMEM_OP_FULLY_CONNECTED:
			nnmem_gv_reloc(&pn->fc.input, old, len, delta);
			nnmem_gv_reloc(&pn->fc.filter, old, len, delta);
			nnmem_gv_reloc(&pn->fc.bias, old, len, delta);
			nnmem_gv_reloc(&pn->fc.multiplier, old, len, delta);
			nnmem_gv_reloc(&pn->fc.shift, old, len, delta);
			nnmem_gv_reloc(&pn->fc.output, old, len, delta);
			break;
		case NNMEM_OP_AVG_POOL2D:
		case NNMEM_OP_MAX_POOL2D:
			nnmem_gv_reloc(&pn->pool2d.input, old, len, delta);
			nnmem_gv_reloc(&pn->pool2d.output, old, len, delta);
			break;
		case NNMEM_OP_SOFTMAX:
			nnmem_gv_reloc(&pn->softmax.input, old, len, delta);
			nnmem_gv_reloc(&pn->softmax.output, old, len, delta);
			break;
		}
	}
}
