// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of driver/nnmem_graphval.c, in userspace, with ASan and UBSan.
 *
 * The base graph is a residual block on an 8x8x4 int8 input x:
 *   node 0: y0 = conv3x3(x)  (pad 1)
 *   node 1: y1 = conv3x3(y0) (pad 1)
 *   node 2: z  = add(y1, x)
 * It must be accepted with the expected plan, and the plan run by the
 * executor (driver/nnmem_exec.c) over a fake arena must give what the
 * kernels give on the tensors directly. Then every rejection reason is
 * triggered by one change to it, with the exact node and tensor index the
 * validator must report. Last, the host API of libnnmem_model
 * (userspace/lib/nnmem_host.c: nnmem_host_check(), nnmem_host_run()) over
 * the same graph in host regions.
 *
 * Output is TAP; the run ends with "N passed, N failed" and exits nonzero
 * if anything failed.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnmem/libnnmem.h>
#include <nnmem/model.h>

#include "nnmem_exec.h"
#include "nnmem_graphval.h"
#include "tap.h"

static unsigned long warnings;

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	printf("# WARN_ON(%s) at %s:%d\n", cond, file, line);
	warnings++;
}

#define NT	12
#define NN	3
#define NONE	NNMEM_INDEX_NONE

/* tensor indices of the base graph */
enum { X, W0, B0, M0, S0, Y0, W1, B1, M1, S1, Y1, Z };

/* the fake arena: one weight region, one activation region */
#define W_ARENA		64
#define W_SIZE		1024
#define A_ARENA		8192
#define A_SIZE		1024
#define ARENA_SIZE	(A_ARENA + A_SIZE)

struct graph {
	struct nnmem_tensor t[NT + 1];
	struct nnmem_node n[NN + 1];
	struct nnmem_graphval_region r[NT + 1];
	u32 nt, nn;
	struct nnmem_graphval_limits lim;
	u64 scratch[(NT + 1) * 5];	/* 40 bytes a tensor */
	struct nnmem_plan_node plan[NN + 1];
	struct nnmem_graphval_err err;
};

static void tensor(struct graph *g, u32 i, u32 type, u64 off, s32 zp,
		   u32 ndims, u32 d0, u32 d1, u32 d2, u32 d3)
{
	struct nnmem_tensor *t = &g->t[i];
	bool weight = type == NNMEM_TYPE_INT32 || i == W0 || i == W1;

	memset(t, 0, sizeof(*t));
	t->handle = weight ? 1 : 2;
	t->type = type;
	t->offset = off;
	t->zero_point = zp;
	t->ndims = ndims;
	t->dims[0] = d0;
	t->dims[1] = d1;
	t->dims[2] = d2;
	t->dims[3] = d3;
	g->r[i].present = true;
	g->r[i].kind = weight ? NNMEM_KIND_WEIGHT : NNMEM_KIND_ACTIVATION;
	g->r[i].size = weight ? W_SIZE : A_SIZE;
	g->r[i].arena_offset = weight ? W_ARENA : A_ARENA;
}

static void conv(struct nnmem_node *n, u32 in, u32 f, u32 b, u32 m, u32 s,
		 u32 out)
{
	memset(n, 0, sizeof(*n));
	n->op = NNMEM_OP_CONV2D;
	n->conv2d.input = in;
	n->conv2d.filter = f;
	n->conv2d.bias = b;
	n->conv2d.multiplier = m;
	n->conv2d.shift = s;
	n->conv2d.output = out;
	n->conv2d.stride_h = 1;
	n->conv2d.stride_w = 1;
	n->conv2d.dilation_h = 1;
	n->conv2d.dilation_w = 1;
	n->conv2d.pad_top = 1;
	n->conv2d.pad_bottom = 1;
	n->conv2d.pad_left = 1;
	n->conv2d.pad_right = 1;
	n->conv2d.groups = 1;
	n->conv2d.act_min = -128;
	n->conv2d.act_max = 127;
}

/*
 * Weight region (arena 64): w0 @0 (144 B), b0 @144, m0 @160, s0 @176,
 * w1 @192 (144 B), b1 @336, m1 @352, s1 @368.
 * Activation region (arena 8192): x @0, y0 @256, y1 @512, z @768 (256 B).
 */
static void base(struct graph *g)
{
	memset(g, 0, sizeof(*g));
	g->nt = NT;
	g->nn = NN;
	g->lim.max_tensors = 1024;
	g->lim.max_nodes = 1024;
	g->lim.max_macs = NNMEM_GRAPH_MAX_MACS_DEFAULT;
	tensor(g, X, NNMEM_TYPE_INT8, 0, -3, 4, 1, 8, 8, 4);
	tensor(g, W0, NNMEM_TYPE_INT8, 0, 0, 4, 4, 3, 3, 4);
	tensor(g, B0, NNMEM_TYPE_INT32, 144, 0, 1, 4, 0, 0, 0);
	tensor(g, M0, NNMEM_TYPE_INT32, 160, 0, 1, 4, 0, 0, 0);
	tensor(g, S0, NNMEM_TYPE_INT32, 176, 0, 1, 4, 0, 0, 0);
	tensor(g, Y0, NNMEM_TYPE_INT8, 256, 5, 4, 1, 8, 8, 4);
	tensor(g, W1, NNMEM_TYPE_INT8, 192, 0, 4, 4, 3, 3, 4);
	tensor(g, B1, NNMEM_TYPE_INT32, 336, 0, 1, 4, 0, 0, 0);
	tensor(g, M1, NNMEM_TYPE_INT32, 352, 0, 1, 4, 0, 0, 0);
	tensor(g, S1, NNMEM_TYPE_INT32, 368, 0, 1, 4, 0, 0, 0);
	tensor(g, Y1, NNMEM_TYPE_INT8, 512, -7, 4, 1, 8, 8, 4);
	tensor(g, Z, NNMEM_TYPE_INT8, 768, 2, 4, 1, 8, 8, 4);
	conv(&g->n[0], X, W0, B0, M0, S0, Y0);
	conv(&g->n[1], Y0, W1, B1, M1, S1, Y1);
	g->n[1].conv2d.act_min = -100;
	g->n[1].conv2d.act_max = 100;
	memset(&g->n[2], 0, sizeof(g->n[2]));
	g->n[2].op = NNMEM_OP_ADD;
	g->n[2].add.input1 = Y1;
	g->n[2].add.input2 = X;
	g->n[2].add.output = Z;
	g->n[2].add.left_shift = 20;
	g->n[2].add.input1_multiplier = 1073741824;
	g->n[2].add.input1_shift = -1;
	g->n[2].add.input2_multiplier = 1288490189;
	g->n[2].add.input2_shift = -1;
	g->n[2].add.output_multiplier = 1717986918;
	g->n[2].add.output_shift = -19;
	g->n[2].add.act_min = -128;
	g->n[2].add.act_max = 127;
}

static int check(struct graph *g)
{
	return nnmem_graphval_check(g->t, g->nt, g->n, g->nn, g->r, &g->lim,
				    g->scratch, g->plan, &g->err);
}

/* Runs the check and expects rejection with exactly this reason/where. */
static int expect(struct graph *g, u32 reason, u32 node, u32 tensor)
{
	int ret = check(g);

	if (ret != -EINVAL || g->err.reason != reason ||
	    g->err.node != node || g->err.tensor != tensor) {
		printf("# got ret %d reason %u node %#x tensor %#x, want -EINVAL reason %u node %#x tensor %#x\n",
		       ret, g->err.reason, g->err.node, g->err.tensor,
		       reason, node, tensor);
		return -1;
	}
	return 0;
}

static int expect_ok(struct graph *g)
{
	int ret = check(g);

	if (ret || g->err.reason != NNMEM_GERR_NONE ||
	    g->err.node != NONE || g->err.tensor != NONE) {
		printf("# got ret %d reason %u node %#x tensor %#x, want 0\n",
		       ret, g->err.reason, g->err.node, g->err.tensor);
		return -1;
	}
	return 0;
}

/* A clock that ticks once per reading, and a progress log. */
static u64 fake_clock;

static u64 fake_now(void *ctx)
{
	(void)ctx;
	return fake_clock++;
}

struct progress_log {
	u32 calls, stop_at;
	int stop_ret;
	u64 done[64], total;
};

static int progress_cb(void *ctx, u64 done, u64 total)
{
	struct progress_log *pl = ctx;

	if (pl->calls < 64)
		pl->done[pl->calls] = done;
	pl->total = total;
	pl->calls++;
	return pl->calls == pl->stop_at ? pl->stop_ret : 0;
}

/* ---------------------------------------------------------- acceptance */

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int test_residual_plan(void)
{
	struct graph g;
	const struct nnmem_plan_conv2d *c0, *c1;
	const struct nnmem_plan_add *a;

	base(&g);
	CHECK_OK(expect_ok(&g));

	CHECK_EQ(g.plan[0].op, NNMEM_OP_CONV2D);
	c0 = &g.plan[0].conv2d;
	CHECK_EQ(c0->p.batch, 1);
	CHECK_EQ(c0->p.in_h, 8);
	CHECK_EQ(c0->p.in_w, 8);
	CHECK_EQ(c0->p.in_c, 4);
	CHECK_EQ(c0->p.out_c, 4);
	CHECK_EQ(c0->p.k_h, 3);
	CHECK_EQ(c0->p.k_w, 3);
	CHECK_EQ(c0->p.groups, 1);
	CHECK_EQ(c0->p.pad_top, 1);
	CHECK_EQ(c0->p.pad_right, 1);
	CHECK_RET(c0->p.input_zero_point, -3);
	CHECK_RET(c0->p.output_zero_point, 5);
	CHECK_RET(c0->p.act_min, -128);
	CHECK_RET(c0->p.act_max, 127);
	CHECK_EQ(c0->input, A_ARENA + 0);
	CHECK_EQ(c0->filter, W_ARENA + 0);
	CHECK_EQ(c0->bias, W_ARENA + 144);
	CHECK_EQ(c0->multiplier, W_ARENA + 160);
	CHECK_EQ(c0->shift, W_ARENA + 176);
	CHECK_EQ(c0->output, A_ARENA + 256);
	/* 64 output pixels * 4 channels * 3 * 3 * 4 taps */
	CHECK_EQ(g.plan[0].macs, 9216);

	CHECK_EQ(g.plan[1].op, NNMEM_OP_CONV2D);
	c1 = &g.plan[1].conv2d;
	CHECK_RET(c1->p.input_zero_point, 5);
	CHECK_RET(c1->p.output_zero_point, -7);
	CHECK_RET(c1->p.act_min, -100);
	CHECK_RET(c1->p.act_max, 100);
	CHECK_EQ(c1->input, A_ARENA + 256);
	CHECK_EQ(c1->filter, W_ARENA + 192);
	CHECK_EQ(c1->bias, W_ARENA + 336);
	CHECK_EQ(c1->output, A_ARENA + 512);
	CHECK_EQ(g.plan[1].macs, 9216);

	CHECK_EQ(g.plan[2].op, NNMEM_OP_ADD);
	a = &g.plan[2].add;
	CHECK_EQ(a->input1, A_ARENA + 512);
	CHECK_EQ(a->input2, A_ARENA + 0);
	CHECK_EQ(a->output, A_ARENA + 768);
	CHECK_EQ(a->n1, 256);
	CHECK_EQ(a->n2, 256);
	CHECK_RET(a->p.input1_zero_point, -7);
	CHECK_RET(a->p.input2_zero_point, -3);
	CHECK_RET(a->p.output_zero_point, 2);
	CHECK_RET(a->p.left_shift, 20);
	CHECK_RET(a->p.output_shift, -19);
	CHECK_EQ(g.plan[2].macs, 256);
	return 0;
}

/* Executing the plan over an arena gives what the kernels give directly. */
static int test_residual_execute(void)
{
	static s8 arena[ARENA_SIZE] __attribute__((aligned(64)));
	s8 x[256], w0[144], w1[144], y0[256], y1[256], z[256];
	s32 b0[4], m0[4], s0[4], b1[4], m1[4], s1[4];
	struct progress_log pl = { 0 };
	const struct nnmem_exec_hooks hooks = {
		.now_ns = fake_now, .progress = progress_cb, .ctx = &pl,
		.budget = 1 << 20,
	};
	struct nnmem_conv2d_tensors ct;
	struct nnmem_exec_result res;
	u64 node_ns[3];
	struct graph g;
	u32 i;

	fake_clock = 0;
	base(&g);
	CHECK_OK(expect_ok(&g));
	for (i = 0; i < sizeof(arena); i++)
		arena[i] = (s8)rnd();
	for (i = 0; i < 256; i++)
		x[i] = (s8)rnd();
	for (i = 0; i < 144; i++) {
		w0[i] = (s8)rnd();
		w1[i] = (s8)rnd();
	}
	for (i = 0; i < 4; i++) {
		b0[i] = (s32)(rnd() % 2001) - 1000;
		b1[i] = (s32)(rnd() % 2001) - 1000;
		m0[i] = 1073741824 + (s32)(rnd() % 1000000);
		m1[i] = 1200000000 + (s32)(rnd() % 1000000);
		s0[i] = -8 - (s32)(rnd() % 3);
		s1[i] = -7 - (s32)(rnd() % 3);
	}
	memcpy(arena + A_ARENA, x, 256);
	memcpy(arena + W_ARENA, w0, 144);
	memcpy(arena + W_ARENA + 144, b0, 16);
	memcpy(arena + W_ARENA + 160, m0, 16);
	memcpy(arena + W_ARENA + 176, s0, 16);
	memcpy(arena + W_ARENA + 192, w1, 144);
	memcpy(arena + W_ARENA + 336, b1, 16);
	memcpy(arena + W_ARENA + 352, m1, 16);
	memcpy(arena + W_ARENA + 368, s1, 16);

	/* the plan, as the job worker runs it */
	CHECK_OK(nnmem_exec_run(arena, g.plan, g.nn, &hooks, node_ns, &res));
	CHECK_EQ(res.nodes_done, 3);
	CHECK_EQ(res.macs, 9216 + 9216 + 256);
	/* the fake clock ticks 1 per call: start, then two per node */
	CHECK_EQ(node_ns[0], 1);
	CHECK_EQ(node_ns[1], 1);
	CHECK_EQ(node_ns[2], 1);
	CHECK_EQ(res.duration_ns, 7);
	/* a progress call before each node, none inside (budget 2^20) */
	CHECK_EQ(pl.calls, 3);
	CHECK_EQ(pl.done[0], 0);
	CHECK_EQ(pl.done[1], 9216);
	CHECK_EQ(pl.done[2], 18432);
	CHECK_EQ(pl.total, 18688);

	/* the same computation on the arrays */
	ct = (struct nnmem_conv2d_tensors){ x, w0, b0, m0, s0, y0 };
	CHECK_OK(nnmem_conv2d_run(&g.plan[0].conv2d.p, &ct, NULL));
	ct = (struct nnmem_conv2d_tensors){ y0, w1, b1, m1, s1, y1 };
	CHECK_OK(nnmem_conv2d_run(&g.plan[1].conv2d.p, &ct, NULL));
	CHECK_OK(nnmem_add_run(&g.plan[2].add.p, y1, 256, x, 256, z, NULL));

	CHECK(!memcmp(arena + A_ARENA + 256, y0, 256));
	CHECK(!memcmp(arena + A_ARENA + 512, y1, 256));
	CHECK(!memcmp(arena + A_ARENA + 768, z, 256));
	/* not all clamped: the data exercises the arithmetic */
	for (i = 0; i < 256; i++)
		if (z[i] != -128 && z[i] != 127)
			break;
	CHECK(i < 256);
	return 0;
}

static int test_variants_accepted(void)
{
	struct graph g;

	/* no bias */
	base(&g);
	g.n[0].conv2d.bias = NONE;
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[0].conv2d.bias, NNMEM_PLAN_NO_TENSOR);

	/* per-channel second operand: one dim == the first's last dim */
	base(&g);
	g.n[2].add.input2 = B0;		/* any int8 activation [4] */
	g.t[B0].type = NNMEM_TYPE_INT8;
	g.r[B0].kind = NNMEM_KIND_ACTIVATION;
	g.r[B0].arena_offset = ARENA_SIZE;	/* a region of its own */
	g.r[B0].size = 64;
	g.t[B0].offset = 0;
	g.n[0].conv2d.bias = NONE;
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[2].add.n2, 4);

	/* scalar second operand, any rank with one element */
	g.t[B0].ndims = 2;
	g.t[B0].dims[0] = 1;
	g.t[B0].dims[1] = 1;
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[2].add.n2, 1);

	/* z @768 right after y1 @[512, 768): adjacent, no overlap */
	base(&g);
	CHECK_EQ(g.t[Z].offset, g.t[Y1].offset + 256);
	CHECK_OK(expect_ok(&g));

	/* a depthwise conv: groups = in_c, filter [4,3,3,1] */
	base(&g);
	g.n[0].conv2d.groups = 4;
	g.t[W0].dims[3] = 1;
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[0].macs, 64 * 4 * 9);

	/* stride 2, no padding, dilation 2: 8 -> (8 - 5) / 2 + 1 = 2 */
	base(&g);
	g.n[2].add.input1 = X;		/* keep node 2 independent */
	g.n[2].add.input2 = X;
	g.n[1].conv2d.input = X;
	g.n[0].conv2d.stride_h = 2;
	g.n[0].conv2d.stride_w = 2;
	g.n[0].conv2d.dilation_h = 2;
	g.n[0].conv2d.dilation_w = 2;
	g.n[0].conv2d.pad_top = 0;
	g.n[0].conv2d.pad_bottom = 0;
	g.n[0].conv2d.pad_left = 0;
	g.n[0].conv2d.pad_right = 0;
	g.t[Y0].dims[1] = 2;
	g.t[Y0].dims[2] = 2;
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[0].macs, 4 * 4 * 36);

	/* an unused tensor anywhere is fine */
	base(&g);
	g.nt = NT + 1;
	tensor(&g, NT, NNMEM_TYPE_INT8, 1000, 0, 1, 24, 0, 0, 0);
	CHECK_OK(expect_ok(&g));
	return 0;
}

/* ------------------------------------------------------------- rejects */

static int test_count(void)
{
	struct graph g;

	base(&g);
	g.nt = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_COUNT, NONE, NONE));
	base(&g);
	g.nn = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_COUNT, NONE, NONE));
	base(&g);
	g.lim.max_tensors = NT - 1;
	CHECK_OK(expect(&g, NNMEM_GERR_COUNT, NONE, NONE));
	g.lim.max_tensors = NT;
	CHECK_OK(expect_ok(&g));
	g.lim.max_nodes = NN - 1;
	CHECK_OK(expect(&g, NNMEM_GERR_COUNT, NONE, NONE));
	return 0;
}

static int test_tensor_reserved(void)
{
	struct graph g;

	base(&g);
	g.t[M0].flags = NNMEM_TENSOR_VALID_FLAGS + 1;	/* unknown bit */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_RESERVED, NONE, M0));
	base(&g);
	g.t[M0].flags = 0x80000000;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_RESERVED, NONE, M0));
	base(&g);
	g.t[Y0].__pad = 0x80000000;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_RESERVED, NONE, Y0));
	base(&g);
	g.t[B0].dims[1] = 1;		/* past ndims = 1 */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_RESERVED, NONE, B0));
	base(&g);
	g.t[S1].dims[3] = 4;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_RESERVED, NONE, S1));
	return 0;
}

static int test_tensor_handle(void)
{
	struct graph g;

	base(&g);
	g.r[W1].present = false;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_HANDLE, NONE, W1));
	return 0;
}

static int test_tensor_type(void)
{
	struct graph g;

	base(&g);
	g.t[S0].type = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_TYPE, NONE, S0));
	base(&g);
	g.t[S0].type = 3;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_TYPE, NONE, S0));
	/* wrong for its use: an int8 bias, an int32 activation */
	base(&g);
	g.t[B1].type = NNMEM_TYPE_INT8;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_TYPE, 1, B1));
	base(&g);
	g.t[Z].type = NNMEM_TYPE_INT32;
	g.t[Z].zero_point = 0;
	g.t[Z].dims[1] = 2;		/* 256 bytes: still inside */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_TYPE, 2, Z));
	return 0;
}

static int test_tensor_dims(void)
{
	struct graph g;

	base(&g);
	g.t[Y1].ndims = 0;
	g.t[Y1].dims[0] = 0;
	g.t[Y1].dims[1] = 0;
	g.t[Y1].dims[2] = 0;
	g.t[Y1].dims[3] = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_DIMS, NONE, Y1));
	base(&g);
	g.t[Y1].ndims = 5;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_DIMS, NONE, Y1));
	base(&g);
	g.t[W0].dims[2] = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_DIMS, NONE, W0));
	return 0;
}

static int test_tensor_size(void)
{
	struct graph g;

	/* 2^32 elements: each dim fits, the product does not */
	base(&g);
	g.t[Z].dims[0] = 65536;
	g.t[Z].dims[1] = 65536;
	g.t[Z].dims[2] = 1;
	g.t[Z].dims[3] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_SIZE, NONE, Z));
	/* would wrap a 64-bit product: 4 dims of 2^32 - 1 */
	base(&g);
	g.t[X].dims[0] = 0xffffffff;
	g.t[X].dims[1] = 0xffffffff;
	g.t[X].dims[2] = 0xffffffff;
	g.t[X].dims[3] = 0xffffffff;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_SIZE, NONE, X));
	/* S32_MAX + 1 int8 elements */
	base(&g);
	g.t[X].ndims = 2;
	g.t[X].dims[0] = 2;
	g.t[X].dims[1] = 0x40000000;
	g.t[X].dims[2] = 0;
	g.t[X].dims[3] = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_SIZE, NONE, X));
	return 0;
}

static int test_tensor_bounds(void)
{
	struct graph g;

	/* z is 256 bytes at 768 of a 1024-byte region: 769 is one past */
	base(&g);
	g.t[Z].offset = 769;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_BOUNDS, NONE, Z));
	base(&g);
	g.t[Z].offset = 2000;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_BOUNDS, NONE, Z));
	base(&g);
	g.t[Z].offset = UINT64_MAX - 100;	/* offset + bytes wraps */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_BOUNDS, NONE, Z));
	/* an int32 tensor ending exactly at the region's end is fine */
	base(&g);
	g.t[S1].offset = W_SIZE - 16;
	CHECK_OK(expect_ok(&g));
	g.t[S1].offset = W_SIZE - 12;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_BOUNDS, NONE, S1));
	/* misaligned int32 data */
	base(&g);
	g.t[M1].offset = 354;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_BOUNDS, NONE, M1));
	/* aligned in the region but not in the arena */
	base(&g);
	g.r[M1].arena_offset = W_ARENA + 2;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_BOUNDS, NONE, M1));
	return 0;
}

static int test_tensor_kind(void)
{
	struct graph g;

	base(&g);
	g.r[W0].kind = NNMEM_KIND_ACTIVATION;	/* filter in activations */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 0, W0));
	base(&g);
	g.r[S1].kind = NNMEM_KIND_ACTIVATION;	/* shift in activations */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 1, S1));
	base(&g);
	g.r[Z].kind = NNMEM_KIND_WEIGHT;	/* output in weights */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 2, Z));
	base(&g);
	g.r[X].kind = NNMEM_KIND_WEIGHT;	/* first reader reports it */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 0, X));
	return 0;
}

static int test_tensor_zero_point(void)
{
	struct graph g;

	base(&g);
	g.t[Y0].zero_point = 128;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_ZERO_POINT, NONE, Y0));
	base(&g);
	g.t[Y0].zero_point = -129;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_ZERO_POINT, NONE, Y0));
	base(&g);
	g.t[B0].zero_point = 1;			/* int32 */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_ZERO_POINT, NONE, B0));
	base(&g);
	g.t[W1].zero_point = 1;			/* a valid int8, a filter */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_ZERO_POINT, 1, W1));
	return 0;
}

static int test_node_op(void)
{
	struct graph g;

	base(&g);
	g.n[1].op = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_OP, 1, NONE));
	/* 3 to 6 are the version 2 ops; 7 is the first unknown one */
	base(&g);
	g.n[2].op = 7;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_OP, 2, NONE));
	base(&g);
	g.n[0].op = 0xffffffff;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_OP, 0, NONE));
	return 0;
}

static int test_node_reserved(void)
{
	struct graph g;

	base(&g);
	g.n[0].flags = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 0, NONE));
	base(&g);
	g.n[1].conv2d.__pad = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 1, NONE));
	/* first byte past struct nnmem_conv2d */
	base(&g);
	((u8 *)g.n[0].reserved)[sizeof(struct nnmem_conv2d)] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 0, NONE));
	/* last byte of the union */
	base(&g);
	((u8 *)g.n[0].reserved)[sizeof(g.n[0].reserved) - 1] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 0, NONE));
	/* first byte past struct nnmem_add */
	base(&g);
	((u8 *)g.n[2].reserved)[sizeof(struct nnmem_add)] = 0x40;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 2, NONE));
	return 0;
}

static int test_node_index(void)
{
	struct graph g;

	base(&g);
	g.n[0].conv2d.input = NT;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_INDEX, 0, NONE));
	base(&g);
	g.n[1].conv2d.bias = NT;		/* not NONE: must exist */
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_INDEX, 1, NONE));
	base(&g);
	g.n[1].conv2d.multiplier = NONE;	/* only bias is optional */
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_INDEX, 1, NONE));
	base(&g);
	g.n[2].add.output = 99;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_INDEX, 2, NONE));
	return 0;
}

static int test_node_shape(void)
{
	struct graph g;

	base(&g);
	g.t[Y0].dims[1] = 7;			/* conv0 gives 8 rows */
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, Y0));
	base(&g);
	g.t[Y1].dims[3] = 3;			/* 4 output channels */
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 1, Y1));
	base(&g);
	g.t[W0].dims[3] = 2;			/* I != in_c / groups */
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, W0));
	base(&g);
	g.t[B0].dims[0] = 5;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, B0));
	base(&g);
	g.t[S1].dims[0] = 3;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 1, S1));
	base(&g);
	g.t[M0].ndims = 2;			/* per-channel arrays are 1-D */
	g.t[M0].dims[1] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, M0));
	base(&g);
	g.t[X].ndims = 3;			/* conv input must be NHWC */
	g.t[X].dims[3] = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, X));
	/* add: second operand neither same, per channel nor scalar */
	base(&g);
	g.t[X].dims[3] = 2;
	g.t[W0].dims[3] = 2;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 2, X));
	/* add: output not the first operand's shape */
	base(&g);
	g.t[Z].ndims = 2;
	g.t[Z].dims[0] = 16;
	g.t[Z].dims[1] = 16;
	g.t[Z].dims[2] = 0;
	g.t[Z].dims[3] = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 2, Z));
	/* a conv dim above the kernel's limit */
	base(&g);
	g.t[X].dims[2] = 65536;
	g.t[X].dims[1] = 1;
	g.t[X].dims[3] = 1;
	g.t[X].offset = 0;
	g.r[X].size = 65536;
	g.r[Y0].size = 65536;
	g.r[Y1].size = 65536;
	g.r[Z].size = 65536;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, X));
	return 0;
}

static int test_node_param(void)
{
	struct graph g;

	base(&g);
	g.n[0].conv2d.stride_w = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PARAM, 0, NONE));
	base(&g);
	g.n[1].conv2d.dilation_h = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PARAM, 1, NONE));
	/* a stride above the kernel's limit */
	base(&g);
	g.n[0].conv2d.stride_h = 65536;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PARAM, 0, NONE));
	/* the dilated filter does not fit the padded input */
	base(&g);
	g.n[0].conv2d.dilation_w = 5;		/* extent 11 > 8 */
	g.n[0].conv2d.pad_left = 0;
	g.n[0].conv2d.pad_right = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PARAM, 0, NONE));
	return 0;
}

static int test_node_groups(void)
{
	struct graph g;

	base(&g);
	g.n[1].conv2d.groups = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_GROUPS, 1, NONE));
	base(&g);
	g.n[1].conv2d.groups = 3;		/* does not divide 4 */
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_GROUPS, 1, NONE));
	/* divides in_c 4 but not out_c 6 */
	base(&g);
	g.n[0].conv2d.groups = 4;
	g.t[W0].dims[0] = 6;
	g.t[W0].dims[3] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_GROUPS, 0, NONE));
	return 0;
}

static int test_node_padding(void)
{
	struct graph g;

	/* padding must be less than the dilated kernel (3 here) */
	base(&g);
	g.n[0].conv2d.pad_bottom = 3;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PADDING, 0, NONE));
	base(&g);
	g.n[0].conv2d.pad_left = 2;		/* allowed: 2 < 3 */
	g.n[0].conv2d.pad_right = 0;		/* (8 + 2 - 3) + 1 = 8 */
	CHECK_OK(expect_ok(&g));
	/* dilation 2 makes the extent 5: a padding of 5 is not */
	base(&g);
	g.n[0].conv2d.dilation_h = 2;
	g.n[0].conv2d.pad_top = 5;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PADDING, 0, NONE));
	return 0;
}

/* conv0 9216 + conv1 9216 + add 256 = 18688 MACs */
static int test_graph_macs(void)
{
	struct graph g;

	base(&g);
	g.lim.max_macs = 18688;			/* exactly the graph's */
	CHECK_OK(expect_ok(&g));
	g.lim.max_macs = 18687;			/* one short: the add */
	CHECK_OK(expect(&g, NNMEM_GERR_GRAPH_MACS, 2, NONE));
	g.lim.max_macs = 18432;			/* the two convs fit */
	CHECK_OK(expect(&g, NNMEM_GERR_GRAPH_MACS, 2, NONE));
	g.lim.max_macs = 18431;
	CHECK_OK(expect(&g, NNMEM_GERR_GRAPH_MACS, 1, NONE));
	g.lim.max_macs = 9215;
	CHECK_OK(expect(&g, NNMEM_GERR_GRAPH_MACS, 0, NONE));
	g.lim.max_macs = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_GRAPH_MACS, 0, NONE));
	g.lim.max_macs = U64_MAX;		/* no limit */
	CHECK_OK(expect_ok(&g));
	/* a shape error of a node comes before the sum over it */
	g.lim.max_macs = 0;
	g.t[Y0].dims[1] = 7;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, Y0));
	return 0;
}

static int test_node_quant(void)
{
	struct graph g;

	base(&g);
	g.n[0].conv2d.act_min = 10;
	g.n[0].conv2d.act_max = 9;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 0, NONE));
	base(&g);
	g.n[1].conv2d.act_max = 128;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 1, NONE));
	base(&g);
	g.n[1].conv2d.act_min = -129;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 1, NONE));
	base(&g);
	g.n[2].add.left_shift = 31;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 2, NONE));
	base(&g);
	g.n[2].add.left_shift = -1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 2, NONE));
	base(&g);
	g.n[2].add.input1_shift = -32;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 2, NONE));
	base(&g);
	g.n[2].add.input2_shift = 31;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 2, NONE));
	base(&g);
	g.n[2].add.output_shift = 31;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 2, NONE));
	base(&g);
	g.n[2].add.output_shift = 30;		/* the edges are valid */
	g.n[2].add.input1_shift = -31;
	g.n[2].add.left_shift = 30;
	CHECK_OK(expect_ok(&g));
	base(&g);
	g.n[2].add.act_min = 0;
	g.n[2].add.act_max = -1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 2, NONE));
	return 0;
}

static int test_node_order(void)
{
	struct graph g;
	struct nnmem_node add;

	/* the add first: it reads y1, which node 2 (conv1) writes later */
	base(&g);
	add = g.n[2];
	g.n[2] = g.n[1];
	g.n[1] = g.n[0];
	g.n[0] = add;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ORDER, 0, Y1));
	/* conv1 before conv0: reads y0 written by node 1 */
	base(&g);
	add = g.n[0];
	g.n[0] = g.n[1];
	g.n[1] = add;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ORDER, 0, Y0));
	return 0;
}

static int test_node_writer(void)
{
	struct graph g;

	base(&g);
	g.n[2].add.output = Y0;			/* conv0 writes y0 already */
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_WRITER, 2, Y0));
	base(&g);
	g.n[1].conv2d.output = Y0;		/* and reads it: writer first */
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_WRITER, 1, Y0));
	return 0;
}

static int test_node_alias(void)
{
	struct graph g;

	/* z on top of y1 */
	base(&g);
	g.t[Z].offset = 512;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ALIAS, 2, Y1));
	/* one byte of overlap with the skip input x @[0, 256) */
	base(&g);
	g.t[Z].offset = 255;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ALIAS, 2, X));
	/* in place: the output is an input tensor itself */
	base(&g);
	g.n[2].add.input1 = Z;			/* reads its own output */
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ALIAS, 2, Z));
	/* overlap in arena terms: y0 in another region over x's bytes */
	base(&g);
	g.r[Y0].arena_offset = A_ARENA - 256 + 1;	/* y0 @[8193, 8449) */
	g.r[Y0].size = 512;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ALIAS, 0, X));
	return 0;
}

/*
 * Lifetimes in the base graph: x [0, 2] (conv0 and the add read it),
 * y0 [0, 1], y1 [1, 2], z [2, 2] (an output: to the last node).
 */
static int expect_live(struct graph *g, u32 node, u32 t1, u32 t2)
{
	CHECK_OK(expect(g, NNMEM_GERR_TENSOR_LIVE, node, t1));
	if (g->err.tensor2 != t2) {
		printf("# tensor2 %#x, want %#x\n", g->err.tensor2, t2);
		return -1;
	}
	return 0;
}

static int test_tensor_live(void)
{
	struct graph g;

	/* y1 over x: both live at node 1 (the add still needs x) */
	base(&g);
	g.t[Y1].offset = 0;
	CHECK_OK(expect_live(&g, 1, X, Y1));
	/*
	 * One byte is enough: y1 @[255, 511) over x's last byte, with y0
	 * moved to [600, 856), where it shares bytes with z @[768, 1024):
	 * y0 [0, 1] and z [2, 2] never meet, so that part is fine.
	 */
	base(&g);
	g.t[Y0].offset = 600;
	g.t[Y1].offset = 255;
	CHECK_OK(expect_live(&g, 1, X, Y1));
	g.t[Y1].offset = 256;
	CHECK_OK(expect_ok(&g));
	/* z over y0: y0 is dead after conv1 (node 1), z born at node 2 */
	base(&g);
	g.t[Z].offset = 256;
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.err.tensor2, NONE);
	/* a tensor no node reads is a graph output, live to the end */
	base(&g);
	g.n[2].add.input1 = Y0;		/* y1 now unread: [1, 2] */
	g.t[Z].offset = 512;		/* z over it at node 2 */
	CHECK_OK(expect_live(&g, 2, Y1, Z));
	/* y0 over y1 in another region, same arena bytes: live at node 1 */
	base(&g);
	g.r[Y1].arena_offset = A_ARENA - 256;	/* y1 @ arena [8448, 8704) */
	g.r[Y1].size = 1024;
	g.t[Y1].offset = 512;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ALIAS, 1, Y0));
	/* weights may share bytes: b1 and m1 on one array (never written) */
	base(&g);
	g.t[M1].offset = 336;
	CHECK_OK(expect_ok(&g));
	/* the errors before it still come first (alias at node 2) */
	base(&g);
	g.t[Y1].offset = 0;
	g.t[Z].offset = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ALIAS, 2, Y1));
	CHECK_EQ(g.err.tensor2, NONE);
	return 0;
}

/* --------------------------------------------------------- executor */

/* Fills a fake arena with the base graph's data; returns the arena. */
static s8 *exec_arena(void)
{
	static s8 arena[ARENA_SIZE] __attribute__((aligned(64)));
	s32 *ch = (s32 *)(void *)(arena + W_ARENA + 144);
	u32 i;

	for (i = 0; i < sizeof(arena); i++)
		arena[i] = (s8)rnd();
	for (i = 0; i < 4; i++) {
		ch[4 + i] = 1 << 30;		/* m0 @160 */
		ch[8 + i] = -8;			/* s0 @176 */
		ch[52 + i] = 1 << 30;		/* m1 @352 */
		ch[56 + i] = -8;		/* s1 @368 */
	}
	return arena;
}

/* Tensor @t left to the driver: no region, no offset. */
static void place_on_device(struct graph *g, u32 t)
{
	g->t[t].flags = NNMEM_TENSOR_DEVICE_PLACED;
	g->t[t].handle = 0;
	g->t[t].offset = 0;
	memset(&g->r[t], 0, sizeof(g->r[t]));
}

static int place(struct graph *g, u64 *size)
{
	static u64 work[4096];

	CHECK(nnmem_graphval_place_work_size(g->nt) <= sizeof(work));
	return nnmem_graphval_place(g->t, g->nt, g->n, g->nn, g->r, work,
				    size);
}

/*
 * y0 [0, 1] and y1 [1, 2] left to the device: both live at node 1, so the
 * plan is their two 256 bytes side by side, 512; x and z stay where the
 * runtime put them. Rejected: a placed tensor with a handle or an offset,
 * a graph input (read, never written) or output (never read).
 */
static int test_device_placed(void)
{
	struct graph g;
	u64 size, a, b;

	base(&g);
	place_on_device(&g, Y0);
	place_on_device(&g, Y1);
	CHECK_OK(place(&g, &size));
	CHECK_EQ(size, 512);
	CHECK(g.r[Y0].present && g.r[Y0].kind == NNMEM_KIND_ACTIVATION);
	CHECK_EQ(g.r[Y0].size, 256);
	a = g.r[Y0].arena_offset - NNMEM_PLAN_SCRATCH;
	b = g.r[Y1].arena_offset - NNMEM_PLAN_SCRATCH;
	CHECK((a == 0 && b == 256) || (a == 256 && b == 0));
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[0].conv2d.output, NNMEM_PLAN_SCRATCH + a);
	CHECK_EQ(g.plan[1].conv2d.input, NNMEM_PLAN_SCRATCH + a);
	CHECK_EQ(g.plan[2].add.input1, NNMEM_PLAN_SCRATCH + b);
	CHECK_EQ(g.plan[2].add.input2, A_ARENA + 0);	/* x as placed */

	/* y0 alone: 256 bytes */
	base(&g);
	place_on_device(&g, Y0);
	CHECK_OK(place(&g, &size));
	CHECK_EQ(size, 256);
	CHECK_OK(expect_ok(&g));
	/* none: nothing planned */
	base(&g);
	CHECK_OK(place(&g, &size));
	CHECK_EQ(size, 0);

	/* a handle or an offset with the flag */
	base(&g);
	place_on_device(&g, Y0);
	CHECK_OK(place(&g, &size));
	g.t[Y0].handle = 7;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_PLACED, NONE, Y0));
	g.t[Y0].handle = 0;
	g.t[Y0].offset = 16;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_PLACED, NONE, Y0));
	/* the graph input x: read by nodes 0 and 2, written by none */
	base(&g);
	place_on_device(&g, X);
	CHECK_OK(place(&g, &size));
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_PLACED, 2, X));
	/* the graph output z: written by node 2, read by none */
	base(&g);
	place_on_device(&g, Z);
	CHECK_OK(place(&g, &size));
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_PLACED, 2, Z));
	/* a placed weight is in an activation "region": wrong kind */
	base(&g);
	place_on_device(&g, W1);
	CHECK_OK(place(&g, &size));
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 1, W1));
	return 0;
}

/*
 * The base graph with y0 and y1 on the device gives the same z as with
 * them in the runtime's region, and their old bytes stay untouched: the
 * executor put them in the scratch area (at arena offset 4096 here).
 */
static int test_device_placed_run(void)
{
	static s8 a0[ARENA_SIZE], a1[ARENA_SIZE] __attribute__((aligned(64)));
	static s8 a2[ARENA_SIZE] __attribute__((aligned(64)));
	struct nnmem_exec_hooks hooks = { 0 };
	struct nnmem_exec_result res;
	struct graph g;
	u64 size;

	memcpy(a0, exec_arena(), sizeof(a0));
	memcpy(a1, a0, sizeof(a1));
	memcpy(a2, a0, sizeof(a2));
	base(&g);
	CHECK_OK(expect_ok(&g));
	CHECK_OK(nnmem_exec_run(a1, g.plan, g.nn, &hooks, NULL, &res));

	base(&g);
	place_on_device(&g, Y0);
	place_on_device(&g, Y1);
	CHECK_OK(place(&g, &size));
	CHECK_OK(expect_ok(&g));
	hooks.scratch = 4096;
	CHECK_OK(nnmem_exec_run(a2, g.plan, g.nn, &hooks, NULL, &res));
	CHECK_EQ(res.nodes_done, 3);
	/* z as with y0 and y1 in the region */
	CHECK(!memcmp(a1 + A_ARENA + 768, a2 + A_ARENA + 768, 256));
	/* their old bytes untouched, the scratch area written */
	CHECK(!memcmp(a0 + A_ARENA + 256, a2 + A_ARENA + 256, 512));
	CHECK(memcmp(a0 + 4096, a2 + 4096, 512));
	/* y1 is in the scratch area: the same bytes as in the region run */
	CHECK(!memcmp(a1 + A_ARENA + 512, a2 + 4096 +
		      (g.r[Y1].arena_offset - NNMEM_PLAN_SCRATCH), 256));
	return 0;
}

/* The progress hook stops a run before a node or inside one. */
static int test_exec_stops(void)
{
	struct progress_log pl = { .stop_at = 2, .stop_ret = -ECANCELED };
	struct nnmem_exec_hooks hooks = {
		.now_ns = fake_now, .progress = progress_cb, .ctx = &pl,
	};
	struct nnmem_exec_result res;
	s8 before[A_SIZE], *arena;
	u64 node_ns[3];
	struct graph g;

	base(&g);
	CHECK_OK(expect_ok(&g));
	/* stopped before node 1: node 0 done, nothing after it written */
	arena = exec_arena();
	memcpy(before, arena + A_ARENA, A_SIZE);
	fake_clock = 1;
	CHECK_RET(nnmem_exec_run(arena, g.plan, g.nn, &hooks, node_ns, &res),
		  -ECANCELED);
	CHECK_EQ(res.nodes_done, 1);
	CHECK_EQ(res.macs, 9216);
	CHECK_EQ(node_ns[0], 1);
	CHECK_EQ(node_ns[1], 0);
	CHECK_EQ(node_ns[2], 0);
	CHECK(memcmp(arena + A_ARENA + 256, before + 256, 256));
	CHECK(!memcmp(arena + A_ARENA + 512, before + 512, 512));

	/* inside node 0: a budget of 1000 MACs, stopped at the 3rd call */
	memset(&pl, 0, sizeof(pl));
	pl.stop_at = 3;
	pl.stop_ret = 1;			/* positive: -EINTR */
	hooks.budget = 1000;
	arena = exec_arena();
	memcpy(before, arena + A_ARENA, A_SIZE);
	CHECK_RET(nnmem_exec_run(arena, g.plan, g.nn, &hooks, NULL, &res),
		  -EINTR);
	CHECK_EQ(res.nodes_done, 0);
	CHECK_EQ(res.macs, 0);
	/* before node 0, then after 1008 and 2016 MACs (elements of 36) */
	CHECK_EQ(pl.calls, 3);
	CHECK_EQ(pl.done[0], 0);
	CHECK_EQ(pl.done[1], 1008);
	CHECK_EQ(pl.done[2], 2016);
	/* 56 elements of y0 written, the rest and all after untouched */
	CHECK(memcmp(arena + A_ARENA + 256, before + 256, 56));
	CHECK(!memcmp(arena + A_ARENA + 256 + 56, before + 256 + 56,
		      A_SIZE - 256 - 56));

	/*
	 * started: the caller just looked, so no call before node 0; the
	 * first is before node 1 (and stops the run there)
	 */
	memset(&pl, 0, sizeof(pl));
	pl.stop_at = 1;
	pl.stop_ret = -ECANCELED;
	hooks.budget = 0;
	hooks.started = true;
	CHECK_RET(nnmem_exec_run(exec_arena(), g.plan, g.nn, &hooks, NULL,
				 &res), -ECANCELED);
	CHECK_EQ(pl.calls, 1);
	CHECK_EQ(pl.done[0], 9216);
	CHECK_EQ(res.nodes_done, 1);

	/* no hooks at all: runs, times 0 */
	memset(&hooks, 0, sizeof(hooks));
	CHECK_OK(nnmem_exec_run(exec_arena(), g.plan, g.nn, &hooks, node_ns,
				&res));
	CHECK_EQ(res.nodes_done, 3);
	CHECK_EQ(node_ns[0] + node_ns[1] + node_ns[2] + res.duration_ns, 0);
	return 0;
}

/* ---------------------------------------------------- host check and run */

/* The base graph's two regions in host memory (kind as given). */
struct host {
	struct graph g;
	u8 *w, *a;
	struct nnmem_ref_region r[2];
	struct nnmem_graph_error err;
};

static void host_init(struct host *h, u32 wkind, u32 akind)
{
	base(&h->g);
	h->w = malloc(W_SIZE);
	h->a = malloc(A_SIZE);
	if (!h->w || !h->a)
		abort();
	memcpy(h->w, exec_arena() + W_ARENA, W_SIZE);
	memcpy(h->a, exec_arena() + A_ARENA, A_SIZE);
	h->r[0] = (struct nnmem_ref_region){ 1, wkind, h->w, W_SIZE };
	h->r[1] = (struct nnmem_ref_region){ 2, akind, h->a, A_SIZE };
	memset(&h->err, 0xff, sizeof(h->err));
}

static void host_fini(struct host *h)
{
	free(h->w);
	free(h->a);
}

static int host_check(struct host *h, u32 nregions)
{
	return nnmem_host_check(h->g.t, h->g.nt, h->g.n, h->g.nn, h->r,
				nregions, &h->err);
}

/* The reason, node and tensor of the last host call. */
static int host_err(struct host *h, u32 reason, u32 node, u32 tensor)
{
	if (h->err.reason == reason && h->err.node == node &&
	    h->err.tensor == tensor)
		return 0;
	printf("# host: reason %u node %#x tensor %#x, want %u %#x %#x\n",
	       h->err.reason, h->err.node, h->err.tensor, reason, node,
	       tensor);
	return -1;
}

static int test_host_check(void)
{
	struct host h;
	int ret = -1;

	host_init(&h, NNMEM_KIND_WEIGHT, NNMEM_KIND_ACTIVATION);
	if (host_check(&h, 2) || host_err(&h, NNMEM_GERR_NONE, NONE, NONE))
		goto out;
	/* kind 0 takes the kind of the region's first use */
	h.r[0].kind = 0;
	h.r[1].kind = 0;
	if (host_check(&h, 2))
		goto out;
	/* ... so a bias placed in the activation region is TENSOR_KIND */
	h.g.t[B0].handle = 2;
	h.g.t[B0].offset = 768;			/* no overlap with x, y0 */
	if (host_check(&h, 2) != -EINVAL ||
	    host_err(&h, NNMEM_GERR_TENSOR_KIND, 0, B0))
		goto out;
	/* the validator's verdicts, reason, node and tensor */
	host_fini(&h);
	host_init(&h, NNMEM_KIND_WEIGHT, NNMEM_KIND_ACTIVATION);
	h.g.t[Y1].dims[3] = 3;
	if (host_check(&h, 2) != -EINVAL ||
	    host_err(&h, NNMEM_GERR_NODE_SHAPE, 1, Y1))
		goto out;
	h.g.t[Y1].dims[3] = 4;
	h.r[0].kind = NNMEM_KIND_ACTIVATION;
	if (host_check(&h, 2) != -EINVAL ||
	    host_err(&h, NNMEM_GERR_TENSOR_KIND, 0, W0))
		goto out;
	h.r[0].kind = NNMEM_KIND_WEIGHT;
	/* region 2 missing: x (tensor 0) names no region */
	if (host_check(&h, 1) != -EINVAL ||
	    host_err(&h, NNMEM_GERR_TENSOR_HANDLE, NONE, X))
		goto out;
	/* a region too small for the last tensor in it (z @768 + 256) */
	h.r[1].size = 1023;
	if (host_check(&h, 2) != -EINVAL ||
	    host_err(&h, NNMEM_GERR_TENSOR_BOUNDS, NONE, Z))
		goto out;
	h.r[1].size = A_SIZE;
	h.g.nn = 0;
	if (host_check(&h, 2) != -EINVAL ||
	    host_err(&h, NNMEM_GERR_COUNT, NONE, NONE))
		goto out;
	h.g.nn = NN;
	/* two regions with one handle: a caller error, no graph error */
	h.r[1].handle = 1;
	if (host_check(&h, 2) != -EINVAL ||
	    host_err(&h, NNMEM_GERR_NONE, NONE, NONE))
		goto out;
	h.r[1].handle = 2;
	/* err may be NULL */
	if (nnmem_host_check(h.g.t, h.g.nt, h.g.n, h.g.nn, h.r, 2, NULL))
		goto out;
	ret = 0;
out:
	host_fini(&h);
	return ret;
}

/* nnmem_host_run() writes what the kernels compute, nothing else. */
static int test_host_run(void)
{
	s8 y0[256], y1[256], z[256];
	struct nnmem_conv2d_tensors ct;
	u8 w[W_SIZE], a[A_SIZE];
	struct host h;
	int ret = -1, path, rc;

	host_init(&h, 0, NNMEM_KIND_ACTIVATION);
	if (host_check(&h, 2) || expect_ok(&h.g))	/* h.g.plan: the kernels' */
		goto out;
	memcpy(w, h.w, W_SIZE);
	memcpy(a, h.a, A_SIZE);
	ct = (struct nnmem_conv2d_tensors){
		(s8 *)a, (s8 *)w, (s32 *)(void *)(w + 144),
		(s32 *)(void *)(w + 160), (s32 *)(void *)(w + 176), y0 };
	if (nnmem_conv2d_run(&h.g.plan[0].conv2d.p, &ct, NULL))
		goto out;
	ct = (struct nnmem_conv2d_tensors){
		y0, (s8 *)w + 192, (s32 *)(void *)(w + 336),
		(s32 *)(void *)(w + 352), (s32 *)(void *)(w + 368), y1 };
	if (nnmem_conv2d_run(&h.g.plan[1].conv2d.p, &ct, NULL) ||
	    nnmem_add_run(&h.g.plan[2].add.p, y1, 256, (s8 *)a, 256, z, NULL))
		goto out;
	memcpy(a + 256, y0, 256);
	memcpy(a + 512, y1, 256);
	memcpy(a + 768, z, 256);

	if (nnmem_host_run(h.g.t, h.g.nt, h.g.n, h.g.nn, h.r, 2, &h.err) ||
	    host_err(&h, NNMEM_GERR_NONE, NONE, NONE))
		goto out;
	if (memcmp(h.w, w, W_SIZE) || memcmp(h.a, a, A_SIZE)) {
		printf("# host run differs from the kernels\n");
		goto out;
	}
	/* every kernel path this CPU has: the same bytes; others refused */
	for (path = 0; path < NNMEM_PATH_COUNT + 1; path++) {
		bool have = path < NNMEM_PATH_COUNT &&
			    (nnmem_fast_cpu_levels() & (1U << path));

		memset(h.a + 256, 0x5a, A_SIZE - 256);
		rc = nnmem_host_run_path(h.g.t, h.g.nt, h.g.n, h.g.nn, h.r, 2,
					 path, NULL);
		if (rc != (have ? 0 : -EOPNOTSUPP)) {
			printf("# path %d: %d\n", path, rc);
			goto out;
		}
		if (have && (memcmp(h.w, w, W_SIZE) ||
			     memcmp(h.a, a, A_SIZE))) {
			printf("# path %d differs from the kernels\n", path);
			goto out;
		}
	}
	/* a shift out of range is the kernel's -ERANGE at run time */
	((s32 *)(void *)(h.w + 368))[2] = 31;
	if (nnmem_host_run(h.g.t, h.g.nt, h.g.n, h.g.nn, h.r, 2, NULL) !=
	    -ERANGE)
		goto out;
	/* a region with a size but no memory */
	h.r[1].data = NULL;
	if (nnmem_host_run(h.g.t, h.g.nt, h.g.n, h.g.nn, h.r, 2, NULL) !=
	    -EINVAL)
		goto out;
	h.r[1].data = h.a;
	ret = 0;
out:
	host_fini(&h);
	return ret;
}

/*
 * Defect 9: the old userspace reference trusted the shapes. y0 declared
 * 1x4x4x4 (64 bytes) at the very end of the activation region while conv0
 * makes 8x8x4 (256): it wrote 192 bytes past the region's heap buffer.
 * Now the validator rejects it with its reason and nothing is written.
 */
static int test_host_run_rejects_a_too_small_output(void)
{
	u8 w[W_SIZE], a[A_SIZE];
	struct host h;
	int ret = -1;

	host_init(&h, NNMEM_KIND_WEIGHT, NNMEM_KIND_ACTIVATION);
	h.g.t[Y0].offset = A_SIZE - 64;
	h.g.t[Y0].dims[1] = 4;
	h.g.t[Y0].dims[2] = 4;
	memcpy(w, h.w, W_SIZE);
	memcpy(a, h.a, A_SIZE);
	if (nnmem_host_run(h.g.t, h.g.nt, h.g.n, h.g.nn, h.r, 2, &h.err) !=
	    -EINVAL || host_err(&h, NNMEM_GERR_NODE_SHAPE, 0, Y0))
		goto out;
	if (memcmp(h.w, w, W_SIZE) || memcmp(h.a, a, A_SIZE)) {
		printf("# a rejected graph wrote to its regions\n");
		goto out;
	}
	ret = 0;
out:
	host_fini(&h);
	return ret;
}

/*
 * The default MAC limit, 2^36, on the host: four convs of 2^34 MACs each
 * (a 1x1x49151x32 input, a 1x1x32768x32 filter: 16384 outputs of 2^20
 * taps) are accepted; a 1-element add after them (one MAC more) is
 * GRAPH_MACS at that node. No data is needed to check.
 */
static int test_host_graph_macs(void)
{
	struct nnmem_ref_region r[2] = {
		{ 1, NNMEM_KIND_WEIGHT, NULL, (1 << 20) + 64 },
		{ 2, NNMEM_KIND_ACTIVATION, NULL, 49151 * 32 + 4 * 16384 + 2 },
	};
	struct nnmem_tensor t[10];
	struct nnmem_node n[5];
	struct nnmem_graph_error err;
	u32 i;

	memset(t, 0, sizeof(t));
	memset(n, 0, sizeof(n));
	t[0] = (struct nnmem_tensor){ .handle = 2, .type = NNMEM_TYPE_INT8,
		.ndims = 4, .dims = { 1, 1, 49151, 32 } };
	t[1] = (struct nnmem_tensor){ .handle = 1, .type = NNMEM_TYPE_INT8,
		.ndims = 4, .dims = { 1, 1, 32768, 32 } };
	t[2] = (struct nnmem_tensor){ .handle = 1, .type = NNMEM_TYPE_INT32,
		.offset = 1 << 20, .ndims = 1, .dims = { 1 } };
	for (i = 0; i < 4; i++)
		t[3 + i] = (struct nnmem_tensor){ .handle = 2,
			.type = NNMEM_TYPE_INT8,
			.offset = 49151 * 32 + i * 16384, .ndims = 4,
			.dims = { 1, 1, 16384, 1 } };
	t[7] = (struct nnmem_tensor){ .handle = 2, .type = NNMEM_TYPE_INT8,
		.offset = 49151 * 32 + 4 * 16384, .ndims = 1, .dims = { 1 } };
	t[8] = t[7];
	t[8].offset++;
	for (i = 0; i < 4; i++) {
		n[i].op = NNMEM_OP_CONV2D;
		n[i].conv2d = (struct nnmem_conv2d){ .input = 0, .filter = 1,
			.bias = NNMEM_INDEX_NONE, .multiplier = 2, .shift = 2,
			.output = 3 + i, .stride_h = 1, .stride_w = 1,
			.dilation_h = 1, .dilation_w = 1, .groups = 1,
			.act_min = -128, .act_max = 127 };
	}
	n[4].op = NNMEM_OP_ADD;
	n[4].add = (struct nnmem_add){ .input1 = 7, .input2 = 7, .output = 8,
		.act_min = -128, .act_max = 127 };
	CHECK_EQ(NNMEM_GRAPH_MAX_MACS_DEFAULT, 1ULL << 36);
	CHECK_OK(nnmem_host_check(t, 9, n, 4, r, 2, &err));
	CHECK_RET(nnmem_host_check(t, 9, n, 5, r, 2, &err), -EINVAL);
	CHECK_EQ(err.reason, NNMEM_GERR_GRAPH_MACS);
	CHECK_EQ(err.node, 4);
	CHECK_EQ(err.tensor, NONE);
	return 0;
}

/* ------------------------------------------- the new ops: a model head */

/*
 * A head like ResNet-8's, on a 1x4x4x4 input hx (zero point -3):
 *   node 0: hp = avg_pool 2x2 stride 2 (hx)          [1,2,2,4]
 *   node 1: hm = max_pool 3x3 stride 2 pad 1 (hx)    [1,2,2,4]
 *   node 2: ho = fully_connected(hp, hf [3,16], hb, hmu [1], hs [1]) [1,3]
 *   node 3: hq = softmax(ho)                         [1,3], zp -128
 * Weight region (arena 64): hf @0 (48 B), hb @48, hmu @64, hs @80,
 * hmu3 @96 and hs3 @112 ([3]: per channel). Activation region (arena
 * 8192): hx @0 (64 B), hp @64, hm @128, ho @192, hq @256.
 */
enum { HX, HP, HM, HF, HB, HMU, HS, HO, HQ, HMU3, HS3, HNT };

static void htensor(struct graph *g, u32 i, u32 type, bool weight, u64 off,
		    s32 zp, u32 ndims, u32 d0, u32 d1, u32 d2, u32 d3)
{
	tensor(g, i, type, off, zp, ndims, d0, d1, d2, d3);
	g->t[i].handle = weight ? 1 : 2;
	g->r[i].kind = weight ? NNMEM_KIND_WEIGHT : NNMEM_KIND_ACTIVATION;
	g->r[i].size = weight ? W_SIZE : A_SIZE;
	g->r[i].arena_offset = weight ? W_ARENA : A_ARENA;
}

static void head(struct graph *g)
{
	struct nnmem_node *n;

	memset(g, 0, sizeof(*g));
	n = g->n;
	g->nt = HNT;
	g->nn = 4;
	g->lim.max_tensors = 1024;
	g->lim.max_nodes = 1024;
	g->lim.max_macs = NNMEM_GRAPH_MAX_MACS_DEFAULT;
	htensor(g, HX, NNMEM_TYPE_INT8, false, 0, -3, 4, 1, 4, 4, 4);
	htensor(g, HP, NNMEM_TYPE_INT8, false, 64, -3, 4, 1, 2, 2, 4);
	htensor(g, HM, NNMEM_TYPE_INT8, false, 128, -3, 4, 1, 2, 2, 4);
	htensor(g, HF, NNMEM_TYPE_INT8, true, 0, 0, 2, 3, 16, 0, 0);
	htensor(g, HB, NNMEM_TYPE_INT32, true, 48, 0, 1, 3, 0, 0, 0);
	htensor(g, HMU, NNMEM_TYPE_INT32, true, 64, 0, 1, 1, 0, 0, 0);
	htensor(g, HS, NNMEM_TYPE_INT32, true, 80, 0, 1, 1, 0, 0, 0);
	htensor(g, HO, NNMEM_TYPE_INT8, false, 192, 7, 2, 1, 3, 0, 0);
	htensor(g, HQ, NNMEM_TYPE_INT8, false, 256, -128, 2, 1, 3, 0, 0);
	htensor(g, HMU3, NNMEM_TYPE_INT32, true, 96, 0, 1, 3, 0, 0, 0);
	htensor(g, HS3, NNMEM_TYPE_INT32, true, 112, 0, 1, 3, 0, 0, 0);

	n[0].op = NNMEM_OP_AVG_POOL2D;
	n[0].pool2d = (struct nnmem_pool2d){ .input = HX, .output = HP,
		.filter_h = 2, .filter_w = 2, .stride_h = 2, .stride_w = 2,
		.act_min = -128, .act_max = 127 };
	n[1].op = NNMEM_OP_MAX_POOL2D;
	n[1].pool2d = (struct nnmem_pool2d){ .input = HX, .output = HM,
		.filter_h = 3, .filter_w = 3, .stride_h = 2, .stride_w = 2,
		.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1,
		.act_min = -100, .act_max = 100 };
	n[2].op = NNMEM_OP_FULLY_CONNECTED;
	n[2].fully_connected = (struct nnmem_fully_connected){
		.input = HP, .filter = HF, .bias = HB, .output = HO,
		.multiplier = HMU, .shift = HS, .act_min = -128,
		.act_max = 127 };
	n[3].op = NNMEM_OP_SOFTMAX;
	/* TFLite's scaling for an input scale of 1/16 (kernels_test) */
	n[3].softmax = (struct nnmem_softmax){ .input = HO, .output = HQ,
		.input_multiplier = 1 << 30, .input_left_shift = 23,
		.diff_min = -248 };
}

/* avg 16 outputs * 4 taps, max 16 * 9, fc 3 * 16, softmax 3 * 3 */
#define HEAD_MACS	(64 + 144 + 48 + 9)

static int test_head_plan(void)
{
	const struct nnmem_plan_pool2d *pa, *pm;
	const struct nnmem_plan_softmax *ps;
	const struct nnmem_plan_fc *pf;
	struct graph g;

	head(&g);
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[0].op, NNMEM_OP_AVG_POOL2D);
	pa = &g.plan[0].pool2d;
	CHECK_EQ(pa->p.batch, 1);
	CHECK_EQ(pa->p.in_h, 4);
	CHECK_EQ(pa->p.in_w, 4);
	CHECK_EQ(pa->p.channels, 4);
	CHECK_EQ(pa->p.filter_h, 2);
	CHECK_EQ(pa->p.stride_w, 2);
	CHECK_EQ(pa->p.pad_top, 0);
	CHECK_RET(pa->p.act_min, -128);
	CHECK_EQ(pa->input, A_ARENA + 0);
	CHECK_EQ(pa->output, A_ARENA + 64);
	CHECK_EQ(g.plan[0].macs, 64);

	CHECK_EQ(g.plan[1].op, NNMEM_OP_MAX_POOL2D);
	pm = &g.plan[1].pool2d;
	CHECK_EQ(pm->p.filter_w, 3);
	CHECK_EQ(pm->p.pad_left, 1);
	CHECK_EQ(pm->p.pad_bottom, 1);
	CHECK_RET(pm->p.act_min, -100);
	CHECK_RET(pm->p.act_max, 100);
	CHECK_EQ(pm->output, A_ARENA + 128);
	CHECK_EQ(g.plan[1].macs, 144);

	CHECK_EQ(g.plan[2].op, NNMEM_OP_FULLY_CONNECTED);
	pf = &g.plan[2].fc;
	CHECK_EQ(pf->p.rows, 1);
	CHECK_EQ(pf->p.depth, 16);
	CHECK_EQ(pf->p.out_c, 3);
	CHECK_EQ(pf->p.channels, 1);
	CHECK_RET(pf->p.input_zero_point, -3);
	CHECK_RET(pf->p.output_zero_point, 7);
	CHECK_EQ(pf->input, A_ARENA + 64);
	CHECK_EQ(pf->filter, W_ARENA + 0);
	CHECK_EQ(pf->bias, W_ARENA + 48);
	CHECK_EQ(pf->multiplier, W_ARENA + 64);
	CHECK_EQ(pf->shift, W_ARENA + 80);
	CHECK_EQ(pf->output, A_ARENA + 192);
	CHECK_EQ(g.plan[2].macs, 48);

	CHECK_EQ(g.plan[3].op, NNMEM_OP_SOFTMAX);
	ps = &g.plan[3].softmax;
	CHECK_EQ(ps->p.rows, 1);
	CHECK_EQ(ps->p.depth, 3);
	CHECK_RET(ps->p.input_multiplier, 1 << 30);
	CHECK_RET(ps->p.input_left_shift, 23);
	CHECK_RET(ps->p.diff_min, -248);
	CHECK_EQ(ps->input, A_ARENA + 192);
	CHECK_EQ(ps->output, A_ARENA + 256);
	CHECK_EQ(g.plan[3].macs, 9);
	return 0;
}

static int test_head_variants(void)
{
	struct graph g;

	/* per channel, no bias */
	head(&g);
	g.n[2].fully_connected.multiplier = HMU3;
	g.n[2].fully_connected.shift = HS3;
	g.n[2].fully_connected.bias = NONE;
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[2].fc.p.channels, 3);
	CHECK_EQ(g.plan[2].fc.bias, NNMEM_PLAN_NO_TENSOR);
	/* a 4-D FC input of two rows of 8: filter [3,8], output [2,3] */
	head(&g);
	g.t[HF].dims[1] = 8;
	g.t[HO].dims[0] = 2;
	g.t[HQ].dims[0] = 2;
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[2].fc.p.rows, 2);
	CHECK_EQ(g.plan[2].macs, 2 * 3 * 8);
	CHECK_EQ(g.plan[3].softmax.p.rows, 2);
	/* any output shape of rows * out_c elements: [3] */
	head(&g);
	g.t[HO].ndims = 1;
	g.t[HO].dims[0] = 3;
	g.t[HO].dims[1] = 0;
	g.t[HQ] = g.t[HO];
	g.t[HQ].offset = 256;
	g.t[HQ].zero_point = -128;
	CHECK_OK(expect_ok(&g));
	/* softmax over a 4-D tensor: rows of its last dim */
	head(&g);
	g.n[3].softmax.input = HM;
	g.t[HQ].ndims = 4;
	g.t[HQ].dims[0] = 1;
	g.t[HQ].dims[1] = 2;
	g.t[HQ].dims[2] = 2;
	g.t[HQ].dims[3] = 4;
	CHECK_OK(expect_ok(&g));
	CHECK_EQ(g.plan[3].softmax.p.rows, 4);
	CHECK_EQ(g.plan[3].softmax.p.depth, 4);
	CHECK_EQ(g.plan[3].macs, 48);
	/* the padding edges: one less than the window */
	head(&g);
	g.n[1].pool2d.pad_top = 2;
	g.n[1].pool2d.pad_bottom = 0;	/* (4 + 2 - 3) / 2 + 1 = 2 */
	CHECK_OK(expect_ok(&g));
	/* a window of exactly 2^24 taps is within the limit */
	head(&g);
	g.n[0].pool2d.filter_h = 4;
	g.n[0].pool2d.filter_w = 4;
	g.n[0].pool2d.stride_h = 1;
	g.n[0].pool2d.stride_w = 1;
	g.t[HP].dims[1] = 1;
	g.t[HP].dims[2] = 1;
	g.t[HF].dims[1] = 4;
	CHECK_OK(expect_ok(&g));
	return 0;
}

/* The plan over an arena gives what the kernels give on the arrays. */
static int test_head_execute(void)
{
	static s8 arena[ARENA_SIZE] __attribute__((aligned(64)));
	struct progress_log pl = { 0 };
	const struct nnmem_exec_hooks hooks = {
		.now_ns = fake_now, .progress = progress_cb, .ctx = &pl,
		.budget = 10,
	};
	s8 hx[64], hp[16], hm[16], ho[3], hq[3], hf[48];
	s32 hb[3], hmu = 1518500250, hs = -6;
	struct nnmem_fc_tensors ft;
	struct nnmem_exec_result res;
	struct graph g;
	u32 i;

	head(&g);
	CHECK_OK(expect_ok(&g));
	for (i = 0; i < sizeof(arena); i++)
		arena[i] = (s8)rnd();
	for (i = 0; i < 64; i++)
		hx[i] = (s8)rnd();
	for (i = 0; i < 48; i++)
		hf[i] = (s8)rnd();
	for (i = 0; i < 3; i++)
		hb[i] = (s32)(rnd() % 4001) - 2000;
	memcpy(arena + A_ARENA, hx, 64);
	memcpy(arena + W_ARENA, hf, 48);
	memcpy(arena + W_ARENA + 48, hb, 12);
	memcpy(arena + W_ARENA + 64, &hmu, 4);
	memcpy(arena + W_ARENA + 80, &hs, 4);

	fake_clock = 0;
	CHECK_OK(nnmem_exec_run(arena, g.plan, g.nn, &hooks, NULL, &res));
	CHECK_EQ(res.nodes_done, 4);
	CHECK_EQ(res.macs, HEAD_MACS);
	/*
	 * A call before each node (4) and inside them once 10 MACs were
	 * done: the avg pool charges by output (4 MACs) and calls at 12,
	 * 24, 36, 48, 60 (5); the max pool by output (9) at 18, 36, .., 144
	 * (8); the FC's outputs of 16 are metered inside, at 10, 20, 30, 40
	 * (4); the softmax's 9 MACs stay below the budget (0).
	 */
	CHECK_EQ(pl.calls, 4 + 5 + 8 + 4);
	CHECK_EQ(pl.done[1], 12);
	CHECK_EQ(pl.done[6], 64);		/* before the max pool */
	CHECK_EQ(pl.done[7], 64 + 18);
	CHECK_EQ(pl.done[15], 64 + 144);	/* before the FC */
	CHECK_EQ(pl.done[16], 64 + 144 + 10);
	CHECK_EQ(pl.done[20], 64 + 144 + 48);	/* before the softmax */
	CHECK_EQ(pl.total, HEAD_MACS);

	CHECK_OK(nnmem_avg_pool2d_run(&g.plan[0].pool2d.p, hx, hp, NULL));
	CHECK_OK(nnmem_max_pool2d_run(&g.plan[1].pool2d.p, hx, hm, NULL));
	ft = (struct nnmem_fc_tensors){ hp, hf, hb, &hmu, &hs, ho };
	CHECK_OK(nnmem_fc_run(&g.plan[2].fc.p, &ft, NULL));
	CHECK_OK(nnmem_softmax_run(&g.plan[3].softmax.p, ho, hq, NULL));
	CHECK(!memcmp(arena + A_ARENA + 64, hp, 16));
	CHECK(!memcmp(arena + A_ARENA + 128, hm, 16));
	CHECK(!memcmp(arena + A_ARENA + 192, ho, 3));
	CHECK(!memcmp(arena + A_ARENA + 256, hq, 3));
	/* the max pool clamps to [-100, 100], the pools keep the input's */
	for (i = 0; i < 16; i++)
		CHECK(hm[i] >= -100 && hm[i] <= 100 && hm[i] >= hp[i] - 1);
	return 0;
}

static int test_head_fc_rejects(void)
{
	struct graph g;

	head(&g);
	g.t[HF].type = NNMEM_TYPE_INT32;	/* 192 bytes: still inside */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_TYPE, 2, HF));
	head(&g);
	g.t[HB].type = NNMEM_TYPE_INT8;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_TYPE, 2, HB));
	head(&g);
	g.r[HF].kind = NNMEM_KIND_ACTIVATION;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 2, HF));
	head(&g);
	g.r[HS].kind = NNMEM_KIND_ACTIVATION;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 2, HS));
	head(&g);
	g.r[HO].kind = NNMEM_KIND_WEIGHT;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 2, HO));
	/* the filter is 2-D, the per-channel arrays 1-D */
	head(&g);
	g.t[HF].ndims = 3;
	g.t[HF].dims[2] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 2, HF));
	head(&g);
	g.t[HMU].ndims = 2;
	g.t[HMU].dims[1] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 2, HMU));
	/* filter zero point 0 */
	head(&g);
	g.t[HF].zero_point = -1;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_ZERO_POINT, 2, HF));
	/* 16 input elements, depth 5: not rows of the depth */
	head(&g);
	g.t[HF].dims[1] = 5;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 2, HP));
	/* output of 4 elements for 1 row of 3 */
	head(&g);
	g.t[HO].dims[1] = 4;
	g.t[HQ].dims[1] = 4;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 2, HO));
	/* bias of 2 for 3 outputs */
	head(&g);
	g.t[HB].dims[0] = 2;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 2, HB));
	/* multiplier of 2: neither 1 nor 3 */
	head(&g);
	g.t[HMU3].dims[0] = 2;
	g.n[2].fully_connected.multiplier = HMU3;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 2, HMU3));
	/* 3 multipliers, 1 shift */
	head(&g);
	g.n[2].fully_connected.multiplier = HMU3;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 2, HS));
	/* clamps */
	head(&g);
	g.n[2].fully_connected.act_min = 1;
	g.n[2].fully_connected.act_max = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 2, NONE));
	head(&g);
	g.n[2].fully_connected.act_max = 128;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 2, NONE));
	head(&g);
	g.n[2].fully_connected.act_min = -129;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 2, NONE));
	/* indices: the bias alone may be NONE */
	head(&g);
	g.n[2].fully_connected.bias = HNT;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_INDEX, 2, NONE));
	head(&g);
	g.n[2].fully_connected.shift = NONE;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_INDEX, 2, NONE));
	/* the first byte past struct nnmem_fully_connected, the flags */
	head(&g);
	((u8 *)g.n[2].reserved)[sizeof(struct nnmem_fully_connected)] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 2, NONE));
	head(&g);
	g.n[2].flags = 0x100;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 2, NONE));
	/* the output over its own input, and over the filter's bytes */
	head(&g);
	g.t[HO].offset = 70;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ALIAS, 2, HP));
	/* MACs: the FC is the node past the limit */
	head(&g);
	g.lim.max_macs = 64 + 144 + 47;
	CHECK_OK(expect(&g, NNMEM_GERR_GRAPH_MACS, 2, NONE));
	g.lim.max_macs = HEAD_MACS;
	CHECK_OK(expect_ok(&g));
	g.lim.max_macs = HEAD_MACS - 1;
	CHECK_OK(expect(&g, NNMEM_GERR_GRAPH_MACS, 3, NONE));
	return 0;
}

static int test_head_pool_rejects(void)
{
	struct graph g;

	head(&g);
	g.t[HX].type = NNMEM_TYPE_INT32;
	g.t[HX].zero_point = 0;
	g.t[HX].dims[1] = 1;		/* 64 bytes */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_TYPE, 0, HX));
	head(&g);
	g.r[HM].kind = NNMEM_KIND_WEIGHT;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 1, HM));
	/* NHWC only */
	head(&g);
	g.t[HP].ndims = 3;
	g.t[HP].dims[1] = 4;
	g.t[HP].dims[2] = 4;
	g.t[HP].dims[3] = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, HP));
	/* the output keeps the input's zero point */
	head(&g);
	g.t[HM].zero_point = -2;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_ZERO_POINT, 1, HM));
	/* wrong output height, channels, batch */
	head(&g);
	g.t[HP].dims[1] = 1;
	g.t[HP].dims[2] = 4;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, HP));
	head(&g);
	g.t[HM].dims[3] = 2;
	g.t[HM].dims[2] = 4;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 1, HM));
	/* a dim above the kernels' limit */
	head(&g);
	g.t[HX].dims[1] = 1;
	g.t[HX].dims[2] = 65536;
	g.t[HX].dims[3] = 1;
	g.r[HX].size = 65536;
	g.r[HP].size = 65536;
	g.r[HM].size = 65536;
	g.r[HO].size = 65536;
	g.r[HQ].size = 65536;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 0, HX));
	/* window and stride: zero, above the limit, too many taps */
	head(&g);
	g.n[0].pool2d.filter_h = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PARAM, 0, NONE));
	head(&g);
	g.n[1].pool2d.stride_w = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PARAM, 1, NONE));
	head(&g);
	g.n[1].pool2d.stride_h = 65536;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PARAM, 1, NONE));
	head(&g);
	g.n[0].pool2d.filter_h = 4097;	/* 4097 * 4096 > 2^24 */
	g.n[0].pool2d.filter_w = 4096;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PARAM, 0, NONE));
	/* the window larger than the padded input */
	head(&g);
	g.n[0].pool2d.filter_w = 5;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PARAM, 0, NONE));
	/* padding not below the window */
	head(&g);
	g.n[1].pool2d.pad_top = 3;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PADDING, 1, NONE));
	head(&g);
	g.n[0].pool2d.pad_right = 2;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_PADDING, 0, NONE));
	/* clamps */
	head(&g);
	g.n[1].pool2d.act_min = 101;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 1, NONE));
	head(&g);
	g.n[0].pool2d.act_max = 128;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 0, NONE));
	/* reserved, index */
	head(&g);
	((u8 *)g.n[1].reserved)[sizeof(struct nnmem_pool2d)] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 1, NONE));
	head(&g);
	g.n[0].pool2d.output = HNT;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_INDEX, 0, NONE));
	/* pooled in place */
	head(&g);
	g.t[HP].offset = 48;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ALIAS, 0, HX));
	/* two writers of hp */
	head(&g);
	g.n[1].pool2d.output = HP;
	g.n[1].pool2d.act_min = -128;
	g.n[1].pool2d.act_max = 127;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_WRITER, 1, HP));
	return 0;
}

static int test_head_softmax_rejects(void)
{
	struct graph g;

	head(&g);
	g.r[HQ].kind = NNMEM_KIND_WEIGHT;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_KIND, 3, HQ));
	head(&g);
	g.n[3].softmax.output = HMU3;	/* an int32 tensor */
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_TYPE, 3, HMU3));
	/* the output's zero point is -128 */
	head(&g);
	g.t[HQ].zero_point = -127;
	CHECK_OK(expect(&g, NNMEM_GERR_TENSOR_ZERO_POINT, 3, HQ));
	/* the output has the input's shape */
	head(&g);
	g.t[HQ].ndims = 1;
	g.t[HQ].dims[0] = 3;
	g.t[HQ].dims[1] = 0;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_SHAPE, 3, HQ));
	/* multiplier, left shift, diff_min */
	head(&g);
	g.n[3].softmax.input_multiplier = -1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 3, NONE));
	head(&g);
	g.n[3].softmax.input_left_shift = 32;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 3, NONE));
	head(&g);
	g.n[3].softmax.input_left_shift = -1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 3, NONE));
	head(&g);
	g.n[3].softmax.diff_min = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 3, NONE));
	head(&g);
	g.n[3].softmax.diff_min = INT32_MIN;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_QUANT, 3, NONE));
	/* the edges are valid */
	head(&g);
	g.n[3].softmax.input_multiplier = 0;
	g.n[3].softmax.input_left_shift = 31;
	g.n[3].softmax.diff_min = INT32_MIN + 1;
	CHECK_OK(expect_ok(&g));
	/* __pad and the union's tail */
	head(&g);
	g.n[3].softmax.__pad = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 3, NONE));
	head(&g);
	((u8 *)g.n[3].reserved)[sizeof(struct nnmem_softmax)] = 1;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_RESERVED, 3, NONE));
	head(&g);
	g.n[3].softmax.input = NONE;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_INDEX, 3, NONE));
	/* in place */
	head(&g);
	g.n[3].softmax.input = HQ;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ALIAS, 3, HQ));
	/* a second writer of the FC's output */
	head(&g);
	g.n[3].softmax.output = HO;
	g.t[HO].zero_point = -128;
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_WRITER, 3, HO));
	/* the softmax before the FC that writes its input */
	head(&g);
	{
		struct nnmem_node t = g.n[2];

		g.n[2] = g.n[3];
		g.n[3] = t;
	}
	CHECK_OK(expect(&g, NNMEM_GERR_NODE_ORDER, 2, HO));
	return 0;
}

/* The host API infers the new ops' region kinds and runs them. */
static int test_head_host_run(void)
{
	struct nnmem_ref_region r[2];
	s8 hp[16], hm[16], ho[3], hq[3];
	struct nnmem_fc_tensors ft;
	struct nnmem_graph_error err;
	u8 *w = malloc(W_SIZE), *a = malloc(A_SIZE);
	s32 *ch;
	struct graph g;
	int ret = -1;
	u32 i;

	if (!w || !a)
		abort();
	head(&g);
	CHECK_OK(expect_ok(&g));
	for (i = 0; i < W_SIZE; i++)
		w[i] = (u8)rnd();
	for (i = 0; i < A_SIZE; i++)
		a[i] = (u8)rnd();
	ch = (s32 *)(void *)(w + 48);
	ch[4] = 1 << 30;		/* hmu @64 */
	ch[8] = -7;			/* hs @80 */
	r[0] = (struct nnmem_ref_region){ 1, 0, w, W_SIZE };
	r[1] = (struct nnmem_ref_region){ 2, 0, a, A_SIZE };
	if (nnmem_avg_pool2d_run(&g.plan[0].pool2d.p, (s8 *)a, hp, NULL) ||
	    nnmem_max_pool2d_run(&g.plan[1].pool2d.p, (s8 *)a, hm, NULL))
		goto out;
	ft = (struct nnmem_fc_tensors){ hp, (s8 *)w, ch, ch + 4, ch + 8, ho };
	if (nnmem_fc_run(&g.plan[2].fc.p, &ft, NULL) ||
	    nnmem_softmax_run(&g.plan[3].softmax.p, ho, hq, NULL))
		goto out;
	if (nnmem_host_run(g.t, g.nt, g.n, g.nn, r, 2, &err) ||
	    err.reason != NNMEM_GERR_NONE) {
		printf("# host run: reason %u node %#x tensor %#x\n",
		       err.reason, err.node, err.tensor);
		goto out;
	}
	if (memcmp(a + 64, hp, 16) || memcmp(a + 128, hm, 16) ||
	    memcmp(a + 192, ho, 3) || memcmp(a + 256, hq, 3)) {
		printf("# host run differs from the kernels\n");
		goto out;
	}
	/* kind 0 of the weights region came from the FC's filter */
	g.t[HB].handle = 2;
	g.t[HB].offset = 512;
	if (nnmem_host_check(g.t, g.nt, g.n, g.nn, r, 2, &err) != -EINVAL ||
	    err.reason != NNMEM_GERR_TENSOR_KIND || err.node != 2 ||
	    err.tensor != HB)
		goto out;
	ret = 0;
out:
	free(w);
	free(a);
	return ret;
}

/* libnnmem's builder helpers make the nodes the validator accepts. */
static int test_builder_new_ops(void)
{
	struct nnmem_graph_builder b;
	struct graph g;
	u32 i;

	head(&g);
	nnmem_graph_builder_init(&b);
	CHECK_EQ(nnmem_graph_avg_pool2d_add(&b, &g.n[0].pool2d), 0);
	CHECK_EQ(nnmem_graph_max_pool2d_add(&b, &g.n[1].pool2d), 1);
	CHECK_EQ(nnmem_graph_fully_connected_add(&b, &g.n[2].fully_connected),
		 2);
	CHECK_EQ(nnmem_graph_softmax_add(&b, &g.n[3].softmax), 3);
	CHECK_EQ(b.node_count, 4);
	/* the same bytes as head()'s nodes, the union's tail zero */
	for (i = 0; i < 4; i++)
		CHECK(!memcmp(&b.nodes[i], &g.n[i], sizeof(g.n[i])));
	memcpy(g.n, b.nodes, 4 * sizeof(*b.nodes));
	nnmem_graph_builder_fini(&b);
	CHECK_OK(expect_ok(&g));
	CHECK(!strcmp(nnmem_op_name(NNMEM_OP_CONV2D), "conv2d"));
	CHECK(!strcmp(nnmem_op_name(NNMEM_OP_ADD), "add"));
	CHECK(!strcmp(nnmem_op_name(NNMEM_OP_FULLY_CONNECTED),
		      "fully_connected"));
	CHECK(!strcmp(nnmem_op_name(NNMEM_OP_AVG_POOL2D), "avg_pool2d"));
	CHECK(!strcmp(nnmem_op_name(NNMEM_OP_MAX_POOL2D), "max_pool2d"));
	CHECK(!strcmp(nnmem_op_name(NNMEM_OP_SOFTMAX), "softmax"));
	CHECK(!strcmp(nnmem_op_name(7), "?"));
	CHECK(!strcmp(nnmem_op_name(0), "?"));
	return 0;
}

/* Every reason code but ELEM_SIZE (the ioctl's own check) is covered. */
static int test_reason_codes_covered(void)
{
	CHECK_EQ(NNMEM_GERR_MAX, 25);
	CHECK_EQ(NNMEM_GERR_ELEM_SIZE, 2);
	CHECK_EQ(NNMEM_GERR_NODE_PARAM, 15);
	CHECK_EQ(NNMEM_GERR_NODE_ALIAS, 19);
	CHECK_EQ(NNMEM_GERR_NODE_PADDING, 20);
	CHECK_EQ(NNMEM_GERR_NODE_GROUPS, 21);
	CHECK_EQ(NNMEM_GERR_GRAPH_MACS, 22);
	CHECK_EQ(NNMEM_GERR_TENSOR_LIVE, 23);
	CHECK_EQ(NNMEM_GERR_TENSOR_PLACED, 24);
	return 0;
}

/*
 * nnmem_graphval_relocate(): a region at [0x2000, 0x2300) moves down to
 * 0x800, then up to 0x10000. Every expected offset below is worked out by
 * hand: inside the range it moves by the same amount as the region's
 * start, outside it (0x1fff, 0x2300) and scratch-relative or absent ones
 * stay. An op the validator never builds stays byte for byte.
 */
static int test_plan_relocate(void)
{
	const uint64_t s = NNMEM_PLAN_SCRATCH, none = NNMEM_PLAN_NO_TENSOR;
	struct nnmem_plan_node plan[6], odd;

	memset(plan, 0, sizeof(plan));
	plan[0].op = NNMEM_OP_CONV2D;
	plan[0].macs = 77;
	plan[0].conv2d.p.in_c = 3;
	plan[0].conv2d.input = 0x1000;
	plan[0].conv2d.filter = 0x2000;
	plan[0].conv2d.bias = none;
	plan[0].conv2d.multiplier = 0x2100;
	plan[0].conv2d.shift = 0x2200;
	plan[0].conv2d.output = s + 0x40;
	plan[1].op = NNMEM_OP_ADD;
	plan[1].add.input1 = 0x2000;
	plan[1].add.input2 = 0x2300;
	plan[1].add.output = 0x22ff;
	plan[1].add.n1 = 5;
	plan[2].op = NNMEM_OP_FULLY_CONNECTED;
	plan[2].fc.input = 0x1fff;
	plan[2].fc.filter = 0x2010;
	plan[2].fc.bias = 0x2020;
	plan[2].fc.multiplier = 0x3000;
	plan[2].fc.shift = 0x2030;
	plan[2].fc.output = 0x5000;
	plan[3].op = NNMEM_OP_MAX_POOL2D;
	plan[3].pool2d.input = 0x2040;
	plan[3].pool2d.output = s;
	plan[4].op = NNMEM_OP_SOFTMAX;
	plan[4].softmax.input = 0x2050;
	plan[4].softmax.output = 0x2060;
	plan[5].op = 0xff;
	memset(&plan[5].conv2d, 0x20, sizeof(plan[5].conv2d));
	odd = plan[5];

	nnmem_graphval_relocate(plan, 6, 0x2000, 0x300, 0x800);
	CHECK_EQ(plan[0].op, NNMEM_OP_CONV2D);
	CHECK_EQ(plan[0].macs, 77);
	CHECK_EQ(plan[0].conv2d.p.in_c, 3);
	CHECK_EQ(plan[0].conv2d.input, 0x1000);
	CHECK_EQ(plan[0].conv2d.filter, 0x800);
	CHECK_EQ(plan[0].conv2d.bias, none);
	CHECK_EQ(plan[0].conv2d.multiplier, 0x900);
	CHECK_EQ(plan[0].conv2d.shift, 0xa00);
	CHECK_EQ(plan[0].conv2d.output, s + 0x40);
	CHECK_EQ(plan[1].add.input1, 0x800);
	CHECK_EQ(plan[1].add.input2, 0x2300);
	CHECK_EQ(plan[1].add.output, 0xaff);
	CHECK_EQ(plan[1].add.n1, 5);
	CHECK_EQ(plan[2].fc.input, 0x1fff);
	CHECK_EQ(plan[2].fc.filter, 0x810);
	CHECK_EQ(plan[2].fc.bias, 0x820);
	CHECK_EQ(plan[2].fc.multiplier, 0x3000);
	CHECK_EQ(plan[2].fc.shift, 0x830);
	CHECK_EQ(plan[2].fc.output, 0x5000);
	CHECK_EQ(plan[3].pool2d.input, 0x840);
	CHECK_EQ(plan[3].pool2d.output, s);
	CHECK_EQ(plan[4].softmax.input, 0x850);
	CHECK_EQ(plan[4].softmax.output, 0x860);
	CHECK(!memcmp(&plan[5], &odd, sizeof(odd)));

	/* up, over the 0x1000 and 0x3000 that stayed: only the region moves */
	nnmem_graphval_relocate(plan, 6, 0x800, 0x300, 0x10000);
	CHECK_EQ(plan[0].conv2d.input, 0x1000);
	CHECK_EQ(plan[0].conv2d.filter, 0x10000);
	CHECK_EQ(plan[0].conv2d.bias, none);
	CHECK_EQ(plan[0].conv2d.multiplier, 0x10100);
	CHECK_EQ(plan[0].conv2d.shift, 0x10200);
	CHECK_EQ(plan[0].conv2d.output, s + 0x40);
	CHECK_EQ(plan[1].add.input1, 0x10000);
	CHECK_EQ(plan[1].add.input2, 0x2300);
	CHECK_EQ(plan[1].add.output, 0x102ff);
	CHECK_EQ(plan[2].fc.input, 0x1fff);
	CHECK_EQ(plan[2].fc.filter, 0x10010);
	CHECK_EQ(plan[2].fc.bias, 0x10020);
	CHECK_EQ(plan[2].fc.multiplier, 0x3000);
	CHECK_EQ(plan[2].fc.shift, 0x10030);
	CHECK_EQ(plan[3].pool2d.input, 0x10040);
	CHECK_EQ(plan[3].pool2d.output, s);
	CHECK_EQ(plan[4].softmax.input, 0x10050);
	CHECK_EQ(plan[4].softmax.output, 0x10060);
	CHECK(!memcmp(&plan[5], &odd, sizeof(odd)));

	/* scratch-relative offsets are no arena offsets, whatever the range */
	nnmem_graphval_relocate(plan, 6, s, 0x100, 0x40);
	CHECK_EQ(plan[0].conv2d.output, s + 0x40);
	CHECK_EQ(plan[3].pool2d.output, s);
	nnmem_graphval_relocate(plan, 6, none, 1, 0x40);
	CHECK_EQ(plan[0].conv2d.bias, none);

	/* an empty range and an empty plan move nothing */
	nnmem_graphval_relocate(plan, 6, 0x10000, 0, 0x40);
	CHECK_EQ(plan[0].conv2d.filter, 0x10000);
	nnmem_graphval_relocate(NULL, 0, 0, 0x1000, 0x40);
	return 0;
}

static const struct tap_test tests[] = {
	{ "residual block accepted with its plan", test_residual_plan },
	{ "plan executed over an arena matches the kernels", test_residual_execute },
	{ "bias-less, broadcast, depthwise, strided variants accepted", test_variants_accepted },
	{ "COUNT: zero and too many tensors/nodes", test_count },
	{ "TENSOR_RESERVED: flags, __pad, dims past ndims", test_tensor_reserved },
	{ "TENSOR_HANDLE: region not in the session", test_tensor_handle },
	{ "TENSOR_TYPE: unknown type, wrong type for the use", test_tensor_type },
	{ "TENSOR_DIMS: ndims 0 and 5, a zero dim", test_tensor_dims },
	{ "TENSOR_SIZE: element count overflow", test_tensor_size },
	{ "TENSOR_BOUNDS: past the region, wrap, misaligned int32", test_tensor_bounds },
	{ "TENSOR_KIND: weights vs activations", test_tensor_kind },
	{ "TENSOR_ZERO_POINT: int8 range, int32, filter", test_tensor_zero_point },
	{ "NODE_OP: unknown ops", test_node_op },
	{ "NODE_RESERVED: flags, __pad, union tail", test_node_reserved },
	{ "NODE_INDEX: tensor index out of range", test_node_index },
	{ "NODE_SHAPE: conv and add shapes", test_node_shape },
	{ "NODE_PARAM: stride, dilation, filter beyond the input", test_node_param },
	{ "NODE_GROUPS: zero, not dividing in or out channels", test_node_groups },
	{ "NODE_PADDING: not below the dilated filter", test_node_padding },
	{ "GRAPH_MACS: at the limit accepted, one over rejected", test_graph_macs },
	{ "NODE_QUANT: shifts, left_shift, clamps", test_node_quant },
	{ "NODE_ORDER: reads before the writer", test_node_order },
	{ "NODE_WRITER: two writers", test_node_writer },
	{ "NODE_ALIAS: output overlaps an input", test_node_alias },
	{ "TENSOR_LIVE: activations share bytes only when their lifetimes do not meet", test_tensor_live },
	{ "TENSOR_PLACED: device-placed tensors planned by lifetime; inputs, outputs, handles, weights refused", test_device_placed },
	{ "device-placed tensors run in the scratch area, same output", test_device_placed_run },
	{ "executor: stops before a node and inside one", test_exec_stops },
	{ "host check: the validator's verdicts over host regions", test_host_check },
	{ "host run: the kernels' bytes, -ERANGE, no data", test_host_run },
	{ "host run: too-small output rejected, nothing written (defect 9)", test_host_run_rejects_a_too_small_output },
	{ "host check: 2^36 MACs accepted, one more rejected", test_host_graph_macs },
	{ "head: avg/max pool, FC, softmax accepted with their plan", test_head_plan },
	{ "head: per-channel, bias-less, multi-row, 4-D softmax, edges accepted", test_head_variants },
	{ "head: plan executed over an arena matches the kernels", test_head_execute },
	{ "head: FC rejections (type, kind, shape, zero point, quant, index, reserved, alias, MACs)", test_head_fc_rejects },
	{ "head: pool rejections (type, kind, shape, zero point, param, padding, quant, reserved, alias, writer)", test_head_pool_rejects },
	{ "head: softmax rejections (kind, type, zero point, shape, quant, reserved, index, alias, order)", test_head_softmax_rejects },
	{ "head: host run infers kinds and writes the kernels' bytes", test_head_host_run },
	{ "libnnmem: builder helpers and op names of the new ops", test_builder_new_ops },
	{ "plan relocation: offsets in a moved region follow it, others stay", test_plan_relocate },
	{ "reason code numbering as in the uapi", test_reason_codes_covered },
};

int main(void)
{
	const size_t n = sizeof(tests) / sizeof(tests[0]);
	size_t i, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		unsigned long w = warnings;
		int ret = tests[i].fn();

		if (warnings != w) {
			printf("# unexpected WARN_ON\n");
			ret = -1;
		}
		if (ret) {
			printf("not ok %zu - %s\n", i + 1, tests[i].name);
			failed++;
		} else {
			printf("ok %zu - %s\n", i + 1, tests[i].name);
			passed++;
		}
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}
