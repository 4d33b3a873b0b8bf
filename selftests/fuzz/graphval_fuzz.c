// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of driver/nnmem_graphval.c: the input becomes a few
 * regions (present or not, kind, size, place in a fake arena), tensors in
 * them and nodes of every op (conv2d, add, fully connected, average and
 * max pooling, softmax) over them, mostly near-valid so that graphs get
 * accepted, and in "raw" mode straight bytes for the structs. The
 * validator must never crash or read out of bounds, and must answer the
 * same twice. A rejection must carry a known reason and in-range (or no)
 * node and tensor indices. An accepted graph's plan is checked:
 *  - every tensor lies inside its region, int32 tensors 4-byte aligned;
 *  - each plan step has its node's op and the arena offsets of its
 *    tensors; conv2d shapes, output size and MACs as
 *    nnmem_conv2d_shape_get() computes them; add element counts; fully
 *    connected rows, depth, outputs and channels matching the tensors;
 *    pooling sizes as nnmem_pool2d_shape_get() computes them, zero
 *    points kept; softmax rows and depth, output zero point -128;
 *  - no output overlaps one of its inputs; no tensor has two writers; no
 *    node reads a tensor that it or a later node writes; no two tensors
 *    of activation regions share bytes while both are live (from their
 *    writer, or node 0, to their last reader, or the last node);
 * and the plan is run by the executor (driver/nnmem_exec.c) over the fake
 * arena (exactly sized heap buffer, so ASan sees any access past it): 0
 * or -ERANGE (a shift tensor's value out of range) only, the same bytes
 * with a progress hook every few MACs as without one, the hook's MACs
 * rising up to the plan's total. The graph's MAC limit holds exactly: an
 * accepted graph is accepted with its own MACs as the limit, and rejected
 * one MAC below with GRAPH_MACS at the last node that has any.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnmem_exec.h"
#include "nnmem_graphval.h"

#define GF_MAX_REGIONS	4
#define GF_MAX_TENSORS	12
#define GF_MAX_NODES	6
#define NONE		NNMEM_INDEX_NONE

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	fprintf(stderr, "WARN_ON(%s) at %s:%d\n", cond, file, line);
	abort();
}

#define GF_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: assertion failed: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

struct gf_in {
	const uint8_t *p;
	size_t left;
};

static uint32_t gf_u8(struct gf_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static uint32_t gf_u32(struct gf_in *in)
{
	uint32_t v = gf_u8(in);

	v |= gf_u8(in) << 8;
	v |= gf_u8(in) << 16;
	return v | gf_u8(in) << 24;
}

static void gf_bytes(struct gf_in *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

/* Mostly small, sometimes anything: 0..@lim-1 or a raw 32-bit value. */
static uint32_t gf_small(struct gf_in *in, uint32_t lim)
{
	uint32_t b = gf_u8(in);

	if (b == 0xff)
		return gf_u32(in);
	return b % lim;
}

struct gf_graph {
	struct nnmem_tensor t[GF_MAX_TENSORS];
	struct nnmem_node n[GF_MAX_NODES];
	struct nnmem_graphval_region reg[GF_MAX_TENSORS];
	uint32_t nt, nn;
};

static uint32_t gf_index(struct gf_in *in, uint32_t nt)
{
	uint32_t b = gf_u8(in);

	if (b == 0xfe)
		return NONE;
	if (b == 0xff)
		return gf_u32(in);
	return b % nt;
}

static void gf_conv(struct gf_in *in, struct gf_graph *g,
		    struct nnmem_conv2d *c)
{
	c->input = gf_index(in, g->nt);
	c->filter = gf_index(in, g->nt);
	c->bias = gf_index(in, g->nt);
	c->output = gf_index(in, g->nt);
	c->multiplier = gf_index(in, g->nt);
	c->shift = gf_index(in, g->nt);
	c->stride_h = gf_small(in, 4);
	c->stride_w = gf_small(in, 4);
	c->dilation_h = gf_small(in, 3);
	c->dilation_w = gf_small(in, 3);
	c->pad_top = gf_small(in, 3);
	c->pad_bottom = gf_small(in, 3);
	c->pad_left = gf_small(in, 3);
	c->pad_right = gf_small(in, 3);
	c->groups = gf_small(in, 5);
	c->act_min = (int8_t)gf_u8(in);
	c->act_max = (int8_t)gf_u8(in);
	if (gf_u8(in) & 1) {
		c->act_min = -128;
		c->act_max = 127;
	}
}

static void gf_add(struct gf_in *in, struct gf_graph *g, struct nnmem_add *a)
{
	a->input1 = gf_index(in, g->nt);
	a->input2 = gf_index(in, g->nt);
	a->output = gf_index(in, g->nt);
	a->left_shift = (int32_t)gf_small(in, 32);
	a->input1_multiplier = (int32_t)gf_u32(in);
	a->input1_shift = (int32_t)(gf_small(in, 64) - 32U);
	a->input2_multiplier = (int32_t)gf_u32(in);
	a->input2_shift = (int32_t)(gf_small(in, 64) - 32U);
	a->output_multiplier = (int32_t)gf_u32(in);
	a->output_shift = (int32_t)(gf_small(in, 64) - 32U);
	a->act_min = (int8_t)gf_u8(in);
	a->act_max = (int8_t)gf_u8(in);
	if (gf_u8(in) & 1) {
		a->act_min = -128;
		a->act_max = 127;
	}
}

static void gf_act(struct gf_in *in, int32_t *act_min, int32_t *act_max)
{
	*act_min = (int8_t)gf_u8(in);
	*act_max = (int8_t)gf_u8(in);
	if (gf_u8(in) & 1) {
		*act_min = -128;
		*act_max = 127;
	}
}

static void gf_fc(struct gf_in *in, struct gf_graph *g,
		  struct nnmem_fully_connected *c)
{
	c->input = gf_index(in, g->nt);
	c->filter = gf_index(in, g->nt);
	c->bias = gf_index(in, g->nt);
	c->output = gf_index(in, g->nt);
	c->multiplier = gf_index(in, g->nt);
	c->shift = gf_index(in, g->nt);
	gf_act(in, &c->act_min, &c->act_max);
}

static void gf_pool(struct gf_in *in, struct gf_graph *g,
		    struct nnmem_pool2d *c)
{
	c->input = gf_index(in, g->nt);
	c->output = gf_index(in, g->nt);
	c->filter_h = gf_small(in, 5);
	c->filter_w = gf_small(in, 5);
	c->stride_h = gf_small(in, 4);
	c->stride_w = gf_small(in, 4);
	c->pad_top = gf_small(in, 3);
	c->pad_bottom = gf_small(in, 3);
	c->pad_left = gf_small(in, 3);
	c->pad_right = gf_small(in, 3);
	gf_act(in, &c->act_min, &c->act_max);
}

static void gf_softmax(struct gf_in *in, struct gf_graph *g,
		       struct nnmem_softmax *c)
{
	uint32_t b;

	c->input = gf_index(in, g->nt);
	c->output = gf_index(in, g->nt);
	c->input_multiplier = (int32_t)gf_u32(in);
	c->input_left_shift = (int32_t)gf_small(in, 33);
	b = gf_u8(in);
	/* mostly TFLite's -CalculateInputRadius(5, left_shift) */
	if (!(b & 1) && c->input_left_shift >= 0 &&
	    c->input_left_shift <= 31)
		c->diff_min = -(int32_t)((31ULL << 26) >>
					 c->input_left_shift);
	else
		c->diff_min = (int32_t)gf_u32(in);
	if ((b & 6) == 6)
		c->__pad = gf_u8(in);
}

/* Decodes the graph; returns the fake arena's size. */
static uint64_t gf_decode(struct gf_in *in, struct gf_graph *g)
{
	struct nnmem_graphval_region regs[GF_MAX_REGIONS];
	uint32_t nr, i, d, b;
	uint64_t end = 0;
	bool raw;

	b = gf_u8(in);
	raw = b & 0x80;
	g->nt = 1 + b % GF_MAX_TENSORS;
	b = gf_u8(in);
	g->nn = 1 + b % GF_MAX_NODES;
	nr = 1 + (b >> 4) % GF_MAX_REGIONS;

	for (i = 0; i < nr; i++) {
		struct nnmem_graphval_region *r = &regs[i];

		b = gf_u8(in);
		r->present = !(b & 0x80);
		r->kind = b & 0x40 ? NNMEM_KIND_ACTIVATION : NNMEM_KIND_WEIGHT;
		if ((b & 0x3f) == 0x3f)
			r->kind = gf_u8(in);
		r->size = 1 + (gf_u8(in) << (b & 3)) + (b & 0x20 ? 0 : 3);
		/* regions never overlap in the arena; a gap of 0..255 */
		r->arena_offset = end + gf_u8(in);
		end = r->arena_offset + r->size;
	}

	for (i = 0; i < g->nt; i++) {
		struct nnmem_tensor *t = &g->t[i];
		uint32_t ri = gf_u8(in) % nr;

		g->reg[i] = regs[ri];
		if (raw) {
			gf_bytes(in, t, sizeof(*t));
			continue;
		}
		t->handle = ri + 1;
		b = gf_u8(in);
		t->type = b & 1 ? NNMEM_TYPE_INT32 : NNMEM_TYPE_INT8;
		if ((b & 0xf0) == 0xf0)
			t->type = gf_u8(in);
		t->offset = gf_small(in, 64);
		t->ndims = 1 + (b >> 1) % 4;
		if ((b & 0xf0) == 0xe0)
			t->ndims = gf_u8(in);
		for (d = 0; d < t->ndims && d < NNMEM_TENSOR_MAX_DIMS; d++)
			t->dims[d] = gf_small(in, 9);
		t->zero_point = t->type == NNMEM_TYPE_INT8 ?
				(int8_t)gf_u8(in) : 0;
		if ((b & 0xf0) == 0xd0) {
			t->zero_point = (int32_t)gf_u32(in);
			t->flags = gf_u8(in);
			t->__pad = gf_u8(in);
		}
	}

	for (i = 0; i < g->nn; i++) {
		struct nnmem_node *n = &g->n[i];

		if (raw) {
			gf_bytes(in, n, sizeof(*n));
			continue;
		}
		b = gf_u8(in);
		/* bits 1-3 of 4..7 pick the version 2 ops, else bit 0 */
		switch ((b >> 1) & 7) {
		case 4:
			n->op = NNMEM_OP_FULLY_CONNECTED;
			break;
		case 5:
			n->op = NNMEM_OP_AVG_POOL2D;
			break;
		case 6:
			n->op = NNMEM_OP_MAX_POOL2D;
			break;
		case 7:
			n->op = NNMEM_OP_SOFTMAX;
			break;
		default:
			n->op = b & 1 ? NNMEM_OP_ADD : NNMEM_OP_CONV2D;
			break;
		}
		if ((b & 0xf0) == 0xf0)
			n->op = gf_u8(in);
		if ((b & 0xf0) == 0xe0)
			n->flags = gf_u8(in);
		switch (n->op) {
		case NNMEM_OP_ADD:
			gf_add(in, g, &n->add);
			break;
		case NNMEM_OP_FULLY_CONNECTED:
			gf_fc(in, g, &n->fully_connected);
			break;
		case NNMEM_OP_AVG_POOL2D:
		case NNMEM_OP_MAX_POOL2D:
			gf_pool(in, g, &n->pool2d);
			break;
		case NNMEM_OP_SOFTMAX:
			gf_softmax(in, g, &n->softmax);
			break;
		default:
			gf_conv(in, g, &n->conv2d);
			break;
		}
		if ((b & 0xf0) == 0xd0)
			n->reserved[13] = gf_u8(in);
	}
	return end;
}

static uint64_t gf_elems(const struct nnmem_tensor *t)
{
	uint64_t e = 1;
	uint32_t d;

	for (d = 0; d < t->ndims; d++)
		e *= t->dims[d];
	return e;
}

static uint64_t gf_start(const struct gf_graph *g, uint32_t ti)
{
	return g->reg[ti].arena_offset + g->t[ti].offset;
}

static uint64_t gf_len(const struct gf_graph *g, uint32_t ti)
{
	return gf_elems(&g->t[ti]) *
	       (g->t[ti].type == NNMEM_TYPE_INT32 ? 4 : 1);
}

static bool gf_overlap(const struct gf_graph *g, uint32_t a, uint32_t b)
{
	return gf_start(g, a) < gf_start(g, b) + gf_len(g, b) &&
	       gf_start(g, b) < gf_start(g, a) + gf_len(g, a);
}

/* Inputs and output of node @ni; returns the number of inputs. */
static uint32_t gf_operands(const struct nnmem_node *n, uint32_t in[5],
			    uint32_t *out)
{
	uint32_t k = 0;

	switch (n->op) {
	case NNMEM_OP_ADD:
		in[k++] = n->add.input1;
		in[k++] = n->add.input2;
		*out = n->add.output;
		return k;
	case NNMEM_OP_FULLY_CONNECTED:
		in[k++] = n->fully_connected.input;
		in[k++] = n->fully_connected.filter;
		if (n->fully_connected.bias != NONE)
			in[k++] = n->fully_connected.bias;
		in[k++] = n->fully_connected.multiplier;
		in[k++] = n->fully_connected.shift;
		*out = n->fully_connected.output;
		return k;
	case NNMEM_OP_AVG_POOL2D:
	case NNMEM_OP_MAX_POOL2D:
		in[k++] = n->pool2d.input;
		*out = n->pool2d.output;
		return k;
	case NNMEM_OP_SOFTMAX:
		in[k++] = n->softmax.input;
		*out = n->softmax.output;
		return k;
	}
	in[k++] = n->conv2d.input;
	in[k++] = n->conv2d.filter;
	if (n->conv2d.bias != NONE)
		in[k++] = n->conv2d.bias;
	in[k++] = n->conv2d.multiplier;
	in[k++] = n->conv2d.shift;
	*out = n->conv2d.output;
	return k;
}

static void gf_check_fc(const struct gf_graph *g,
			const struct nnmem_plan_node *pn,
			const struct nnmem_fully_connected *c)
{
	const struct nnmem_plan_fc *pf = &pn->fc;
	u64 macs;

	GF_ASSERT(pf->input == gf_start(g, c->input));
	GF_ASSERT(pf->filter == gf_start(g, c->filter));
	GF_ASSERT(pf->bias == (c->bias == NONE ? NNMEM_PLAN_NO_TENSOR :
			       gf_start(g, c->bias)));
	GF_ASSERT(pf->multiplier == gf_start(g, c->multiplier));
	GF_ASSERT(pf->shift == gf_start(g, c->shift));
	GF_ASSERT(pf->output == gf_start(g, c->output));
	GF_ASSERT(nnmem_fc_validate(&pf->p, &macs) == 0);
	GF_ASSERT(pn->macs == macs);
	GF_ASSERT(macs == (uint64_t)pf->p.rows * pf->p.out_c * pf->p.depth);
	GF_ASSERT((uint64_t)pf->p.rows * pf->p.depth ==
		  gf_elems(&g->t[c->input]));
	GF_ASSERT((uint64_t)pf->p.out_c * pf->p.depth ==
		  gf_elems(&g->t[c->filter]));
	GF_ASSERT((uint64_t)pf->p.rows * pf->p.out_c ==
		  gf_elems(&g->t[c->output]));
	GF_ASSERT(pf->p.channels == gf_elems(&g->t[c->multiplier]));
	GF_ASSERT(pf->p.channels == gf_elems(&g->t[c->shift]));
	GF_ASSERT(pf->p.channels == 1 || pf->p.channels == pf->p.out_c);
	GF_ASSERT(c->bias == NONE ||
		  pf->p.out_c == gf_elems(&g->t[c->bias]));
	GF_ASSERT(g->t[c->filter].zero_point == 0);
}

static void gf_check_pool(const struct gf_graph *g,
			  const struct nnmem_plan_node *pn,
			  const struct nnmem_pool2d *c)
{
	const struct nnmem_plan_pool2d *pp = &pn->pool2d;
	struct nnmem_pool2d_shape sh;

	GF_ASSERT(pp->input == gf_start(g, c->input));
	GF_ASSERT(pp->output == gf_start(g, c->output));
	GF_ASSERT(nnmem_pool2d_shape_get(&pp->p, &sh) == 0);
	GF_ASSERT(sh.input_elems == gf_elems(&g->t[c->input]));
	GF_ASSERT(sh.output_elems == gf_elems(&g->t[c->output]));
	GF_ASSERT(pn->macs == sh.macs);
	GF_ASSERT(g->t[c->input].zero_point == g->t[c->output].zero_point);
	GF_ASSERT(c->pad_top < c->filter_h && c->pad_left < c->filter_w);
}

static void gf_check_softmax(const struct gf_graph *g,
			     const struct nnmem_plan_node *pn,
			     const struct nnmem_softmax *c)
{
	const struct nnmem_plan_softmax *ps = &pn->softmax;
	const struct nnmem_tensor *t = &g->t[c->input];
	u64 macs;

	GF_ASSERT(ps->input == gf_start(g, c->input));
	GF_ASSERT(ps->output == gf_start(g, c->output));
	GF_ASSERT(nnmem_softmax_validate(&ps->p, &macs) == 0);
	GF_ASSERT(pn->macs == macs);
	GF_ASSERT(ps->p.depth == t->dims[t->ndims - 1]);
	GF_ASSERT((uint64_t)ps->p.rows * ps->p.depth == gf_elems(t));
	GF_ASSERT(gf_elems(&g->t[c->output]) == gf_elems(t));
	GF_ASSERT(macs == 3 * gf_elems(t));
	GF_ASSERT(g->t[c->output].zero_point == -128 && !c->__pad);
}

static void gf_check_plan(const struct gf_graph *g,
			  const struct nnmem_plan_node *plan)
{
	uint32_t writer[GF_MAX_TENSORS], last[GF_MAX_TENSORS], ops[5], out;
	uint32_t k, m, i, ti, tj;

	for (ti = 0; ti < g->nt; ti++) {
		const struct nnmem_tensor *t = &g->t[ti];

		GF_ASSERT(g->reg[ti].present);
		GF_ASSERT(t->offset + gf_len(g, ti) <= g->reg[ti].size);
		GF_ASSERT(t->type != NNMEM_TYPE_INT32 || gf_start(g, ti) % 4 == 0);
		writer[ti] = NONE;
		last[ti] = NONE;
	}
	for (i = 0; i < g->nn; i++) {
		const struct nnmem_node *n = &g->n[i];
		const struct nnmem_plan_node *pn = &plan[i];

		GF_ASSERT(pn->op == n->op);
		k = gf_operands(n, ops, &out);
		GF_ASSERT(out < g->nt && writer[out] == NONE);
		writer[out] = i;
		for (m = 0; m < k; m++) {
			GF_ASSERT(ops[m] < g->nt);
			GF_ASSERT(!gf_overlap(g, ops[m], out));
		}
		if (n->op == NNMEM_OP_CONV2D) {
			const struct nnmem_plan_conv2d *pc = &pn->conv2d;
			const struct nnmem_conv2d *c = &n->conv2d;
			struct nnmem_conv2d_shape sh;

			GF_ASSERT(pc->input == gf_start(g, c->input));
			GF_ASSERT(pc->filter == gf_start(g, c->filter));
			GF_ASSERT(pc->bias == (c->bias == NONE ?
					       NNMEM_PLAN_NO_TENSOR :
					       gf_start(g, c->bias)));
			GF_ASSERT(pc->multiplier ==
				  gf_start(g, c->multiplier));
			GF_ASSERT(pc->shift == gf_start(g, c->shift));
			GF_ASSERT(pc->output == gf_start(g, c->output));
			GF_ASSERT(nnmem_conv2d_shape_get(&pc->p, &sh) == 0);
			GF_ASSERT(sh.input_elems == gf_elems(&g->t[c->input]));
			GF_ASSERT(sh.filter_elems ==
				  gf_elems(&g->t[c->filter]));
			GF_ASSERT(sh.output_elems ==
				  gf_elems(&g->t[c->output]));
			GF_ASSERT(pc->p.out_c ==
				  gf_elems(&g->t[c->multiplier]));
			GF_ASSERT(pc->p.out_c == gf_elems(&g->t[c->shift]));
			GF_ASSERT(c->bias == NONE ||
				  pc->p.out_c == gf_elems(&g->t[c->bias]));
			GF_ASSERT(pn->macs == sh.macs);
		} else if (n->op == NNMEM_OP_FULLY_CONNECTED) {
			gf_check_fc(g, pn, &n->fully_connected);
		} else if (n->op == NNMEM_OP_AVG_POOL2D ||
			   n->op == NNMEM_OP_MAX_POOL2D) {
			gf_check_pool(g, pn, &n->pool2d);
		} else if (n->op == NNMEM_OP_SOFTMAX) {
			gf_check_softmax(g, pn, &n->softmax);
		} else {
			const struct nnmem_plan_add *pa = &pn->add;
			const struct nnmem_add *a = &n->add;
			const struct nnmem_tensor *t1 = &g->t[a->input1];

			GF_ASSERT(pa->input1 == gf_start(g, a->input1));
			GF_ASSERT(pa->input2 == gf_start(g, a->input2));
			GF_ASSERT(pa->output == gf_start(g, a->output));
			GF_ASSERT(pa->n1 == gf_elems(t1));
			GF_ASSERT(pa->n1 == gf_elems(&g->t[a->output]));
			GF_ASSERT(pa->n2 == gf_elems(&g->t[a->input2]));
			GF_ASSERT(pa->n2 == pa->n1 || pa->n2 == 1 ||
				  pa->n2 == t1->dims[t1->ndims - 1]);
			GF_ASSERT(pn->macs == pa->n1);
		}
	}
	/* topological: every input is unwritten or written earlier */
	for (i = 0; i < g->nn; i++) {
		k = gf_operands(&g->n[i], ops, &out);
		for (m = 0; m < k; m++) {
			GF_ASSERT(writer[ops[m]] == NONE || writer[ops[m]] < i);
			last[ops[m]] = i;
		}
	}
	/* lifetimes: activations live at one time share no byte */
	for (ti = 0; ti < g->nt; ti++) {
		if (g->reg[ti].kind != NNMEM_KIND_ACTIVATION ||
		    (writer[ti] == NONE && last[ti] == NONE))
			continue;
		for (tj = ti + 1; tj < g->nt; tj++) {
			uint32_t fi = writer[ti] == NONE ? 0 : writer[ti];
			uint32_t fj = writer[tj] == NONE ? 0 : writer[tj];
			uint32_t li = last[ti] == NONE ? g->nn - 1 : last[ti];
			uint32_t lj = last[tj] == NONE ? g->nn - 1 : last[tj];

			if (g->reg[tj].kind != NNMEM_KIND_ACTIVATION ||
			    (writer[tj] == NONE && last[tj] == NONE))
				continue;
			GF_ASSERT(fi > lj || fj > li || !gf_overlap(g, ti, tj));
		}
	}
}

/* The MAC limit: the graph's own total passes, one less does not. */
static void gf_check_macs(const struct gf_graph *g,
			  const struct nnmem_plan_node *plan,
			  struct nnmem_graphval_limits *lim, void *scratch)
{
	struct nnmem_plan_node plan2[GF_MAX_NODES];
	struct nnmem_graphval_err err;
	uint64_t total = 0;
	uint32_t i, last = NONE;

	for (i = 0; i < g->nn; i++) {
		total += plan[i].macs;
		if (plan[i].macs)
			last = i;
	}
	lim->max_macs = total;
	GF_ASSERT(!nnmem_graphval_check(g->t, g->nt, g->n, g->nn, g->reg, lim,
					scratch, plan2, &err));
	if (total) {
		lim->max_macs = total - 1;
		GF_ASSERT(nnmem_graphval_check(g->t, g->nt, g->n, g->nn,
					       g->reg, lim, scratch, plan2,
					       &err) == -EINVAL);
		GF_ASSERT(err.reason == NNMEM_GERR_GRAPH_MACS &&
			  err.node == last && err.tensor == NONE);
	}
	lim->max_macs = U64_MAX;
}

struct gf_progress {
	uint64_t last, total;
	uint32_t calls;
};

static int gf_progress_cb(void *ctx, u64 done, u64 total)
{
	struct gf_progress *gp = ctx;

	GF_ASSERT(done >= gp->last && done <= total);
	GF_ASSERT(!gp->calls || total == gp->total);
	gp->last = done;
	gp->total = total;
	gp->calls++;
	return 0;
}

static void gf_run_plan(const struct gf_graph *g,
			const struct nnmem_plan_node *plan, uint64_t size,
			struct gf_in *in)
{
	uint8_t *arena = malloc(size ? size : 1);
	uint8_t *again = malloc(size ? size : 1);
	struct gf_progress gp = { 0 };
	const struct nnmem_exec_hooks none = { 0 };
	const struct nnmem_exec_hooks hooks = {
		.progress = gf_progress_cb, .ctx = &gp, .budget = 7,
	};
	struct nnmem_exec_result res, res2;
	uint64_t total = 0;
	uint32_t i;
	int ret, ret2;

	GF_ASSERT(arena && again);
	gf_bytes(in, arena, size);
	memcpy(again, arena, size);
	ret = nnmem_exec_run(arena, plan, g->nn, &none, NULL, &res);
	GF_ASSERT(ret == 0 || ret == -ERANGE);
	ret2 = nnmem_exec_run(again, plan, g->nn, &hooks, NULL, &res2);
	GF_ASSERT(ret2 == ret && res2.macs == res.macs &&
		  res2.nodes_done == res.nodes_done);
	GF_ASSERT(!memcmp(arena, again, size));
	for (i = 0; i < g->nn; i++)
		total += plan[i].macs;
	GF_ASSERT(gp.calls >= g->nn || ret);
	GF_ASSERT(!gp.calls || gp.total == total);
	GF_ASSERT(ret || res.macs == total);
	free(again);
	free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* GRAPHVAL_FUZZ_DEBUG set: print each verdict (checking the seeds). */
static int gf_debug = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct nnmem_graphval_limits lim = {
		.max_tensors = GF_MAX_TENSORS,
		.max_nodes = GF_MAX_NODES,
		.max_macs = U64_MAX,
	};
	struct nnmem_plan_node plan[GF_MAX_NODES], plan2[GF_MAX_NODES];
	uint64_t scratch[GF_MAX_TENSORS * 5];	/* 40 bytes a tensor */
	struct nnmem_graphval_err err, err2;
	struct gf_in in = { data, len };
	struct gf_graph g;
	uint64_t size;
	int ret, ret2;

	memset(&g, 0, sizeof(g));
	size = gf_decode(&in, &g);
	ret = nnmem_graphval_check(g.t, g.nt, g.n, g.nn, g.reg, &lim, scratch,
				   plan, &err);
	ret2 = nnmem_graphval_check(g.t, g.nt, g.n, g.nn, g.reg, &lim,
				    scratch, plan2, &err2);
	if (gf_debug < 0)
		gf_debug = getenv("GRAPHVAL_FUZZ_DEBUG") != NULL;
	if (gf_debug)
		fprintf(stderr, "graphval: %d reason %u node %d tensor %d\n",
			ret, err.reason, (int)err.node, (int)err.tensor);
	GF_ASSERT(ret == ret2 && err.reason == err2.reason &&
		  err.node == err2.node && err.tensor == err2.tensor &&
		  err.tensor2 == err2.tensor2);
	if (ret) {
		GF_ASSERT(ret == -EINVAL);
		GF_ASSERT(err.reason > NNMEM_GERR_NONE &&
			  err.reason < NNMEM_GERR_MAX);
		GF_ASSERT(err.node == NONE || err.node < g.nn);
		GF_ASSERT(err.tensor == NONE || err.tensor < g.nt);
		/* a second tensor only for TENSOR_LIVE, and a different one */
		GF_ASSERT(err.reason == NNMEM_GERR_TENSOR_LIVE ?
			  err.tensor2 < g.nt && err.tensor2 != err.tensor &&
			  err.node < g.nn && gf_overlap(&g, err.tensor,
							err.tensor2) :
			  err.tensor2 == NONE);
		return 0;
	}
	GF_ASSERT(err.reason == NNMEM_GERR_NONE && err.node == NONE &&
		  err.tensor == NONE);
	gf_check_plan(&g, plan);
	gf_check_macs(&g, plan, &lim, scratch);
	gf_run_plan(&g, plan, size, &in);
	return 0;
}
