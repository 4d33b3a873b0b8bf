// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem graph creation: every kind of bad graph is rejected with -EINVAL
 * and the validator's exact reason, node and tensor, and changes nothing
 * (usage equal, no graph pins any region); graphs pin their regions
 * (-EBUSY) until destroyed; element-size compatibility. Expects nnmem
 * loaded with devices=2 and nothing allocated when each test starts.
 *
 * Every test starts from one valid graph (see FIXTURE_SETUP):
 *
 *   tensor 0 input   int8  [1, 8, 8, 4]  activation, zero point -2
 *   tensor 1 filter  int8  [6, 3, 3, 4]  weight
 *   tensor 2 bias    int32 [6]           weight
 *   tensor 3 mult    int32 [6]           weight
 *   tensor 4 shift   int32 [6]           weight
 *   tensor 5 conv    int8  [1, 8, 8, 6]  activation
 *   tensor 6 skip    int8  [1, 8, 8, 6]  activation
 *   tensor 7 sum     int8  [1, 8, 8, 6]  activation
 *   node 0 conv2d(0, 1, 2 -> 5, 3, 4), 3x3, stride 1, padding 1
 *   node 1 add(5, 6 -> 7)
 *
 * each tensor in a region of exactly its size, and breaks one thing.
 */
#include <stdlib.h>
#include <sys/wait.h>

#include <nnmem/libnnmem.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"
#include "graph_kit.h"

enum { T_IN, T_F, T_B, T_M, T_S, T_CONV, T_SKIP, T_SUM, T_COUNT };
enum { N_CONV, N_ADD, N_COUNT };

#define NONE	NNMEM_INDEX_NONE

FIXTURE(graph) {
	int fd;
	struct nnmem_info info;
	struct gk g;
	struct nnmem_usage before;
	struct nnmem_tensor t[T_COUNT];
	struct nnmem_node n[N_COUNT];
};

FIXTURE_SETUP(graph)
{
	struct gk_conv_spec s = {
		.n = 1, .h = 8, .w = 8, .c = 4, .oc = 6, .kh = 3, .kw = 3,
		.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1,
		.in_zp = -2, .bias_lo = -1000, .bias_hi = 1000,
		.shift_lo = -9, .shift_hi = -8, .seed = 1, .input = -1,
	};
	uint32_t dims[4] = { 1, 8, 8, 6 };
	struct nnmem_node add;
	struct nnmem_usage u;

	NT_SETUP_SESSION(self->fd, &self->info, &u);
	gk_init(&self->g, self->fd);
	ASSERT_EQ(N_CONV, gk_conv(&self->g, &s));
	ASSERT_EQ(T_SKIP, gk_tensor_own(&self->g, NNMEM_KIND_ACTIVATION,
					NNMEM_TYPE_INT8, 3, 4, dims));
	ASSERT_EQ(T_SUM, gk_tensor_own(&self->g, NNMEM_KIND_ACTIVATION,
				       NNMEM_TYPE_INT8, 0, 4, dims));
	gk_fill(&self->g, T_SKIP, 7, -128, 127);
	memset(&add, 0, sizeof(add));
	add.op = NNMEM_OP_ADD;
	add.add = nt_add_params(T_CONV, T_SKIP, T_SUM);
	ASSERT_EQ(N_ADD, gk_node(&self->g, &add));
	ASSERT_EQ(0, gk_upload(&self->g));
	ASSERT_EQ(T_COUNT, self->g.nt);
	memcpy(self->t, self->g.t, sizeof(self->t));
	memcpy(self->n, self->g.n, sizeof(self->n));
	ASSERT_EQ(0, nt_usage(self->fd, &self->before));
}

FIXTURE_TEARDOWN(graph)
{
	/*
	 * Freeing every region succeeds only if no graph holds one: so a
	 * rejected graph really created nothing.
	 */
	EXPECT_EQ(0, gk_fini(&self->g));
	if (self->fd >= 0)
		close(self->fd);
}

/* Create from the fixture's (modified) arrays: -EINVAL and this verdict. */
#define ASSERT_REJECTED(reason, node, tensor) \
	ASSERT_REJECTED_N(T_COUNT, N_COUNT, reason, node, tensor)

#define ASSERT_REJECTED_N(tcount, ncount, reason, node, tensor) do { \
	struct nnmem_graph_create __r; \
	ASSERT_EQ(-EINVAL, nt_graph_create(self->fd, self->t, (tcount), \
					   self->n, (ncount), &__r)); \
	ASSERT_EQ((uint32_t)(reason), __r.err_reason) { \
		TH_LOG("got %u (%s), node %d tensor %d", __r.err_reason, \
		       nnmem_graph_strerror(__r.err_reason), \
		       (int)__r.err_node, (int)__r.err_tensor); \
	} \
	ASSERT_EQ((uint32_t)(node), __r.err_node); \
	ASSERT_EQ((uint32_t)(tensor), __r.err_tensor); \
	ASSERT_USAGE_UNCHANGED(self->fd, &self->before); \
} while (0)

/* Put the fixture's arrays back as they were. */
#define RESET() do { \
	memcpy(self->t, self->g.t, sizeof(self->t)); \
	memcpy(self->n, self->g.n, sizeof(self->n)); \
} while (0)

TEST_F(graph, valid_graph_is_created_runs_like_the_reference_and_is_destroyed)
{
	struct nnmem_graph_create r;
	char msg[160];

	ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT, self->n,
				     N_COUNT, &r));
	ASSERT_EQ(NNMEM_GERR_NONE, r.err_reason);
	ASSERT_EQ(NONE, r.err_node);
	ASSERT_EQ(NONE, r.err_tensor);
	ASSERT_NE(0xdeadbeef, r.graph);
	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	ASSERT_EQ(-ENOENT, nt_graph_destroy(self->fd, r.graph));
	ASSERT_EQ(-ENOENT, nt_run(self->fd, r.graph, NULL));
}

TEST_F(graph, libnnmem_create_reports_reason_node_and_tensor)
{
	struct nnmem_graph_error ge;
	struct nnmem_dev *dev;
	uint32_t graph = 12345;

	ASSERT_EQ(0, nnmem_open(0, &dev));
	/* Our regions are not this session's: the first tensor is unknown. */
	ASSERT_EQ(-EINVAL, nnmem_graph_create(dev, self->t, T_COUNT, self->n,
					      N_COUNT, &graph, &ge));
	ASSERT_EQ(NNMEM_GERR_TENSOR_HANDLE, ge.reason);
	ASSERT_EQ(NONE, ge.node);
	ASSERT_EQ(T_IN, ge.tensor);
	ASSERT_EQ(12345, graph);
	ASSERT_STREQ("tensor names no region of this session",
		     nnmem_graph_strerror(ge.reason));
	nnmem_close(dev);
	ASSERT_STREQ("unknown graph error",
		     nnmem_graph_strerror(NNMEM_GERR_MAX));
}

TEST_F(graph, node_tensor_index_out_of_range)
{
	self->n[N_ADD].add.input2 = T_COUNT;
	ASSERT_REJECTED(NNMEM_GERR_NODE_INDEX, N_ADD, NONE);
	RESET();
	self->n[N_CONV].conv2d.filter = 0x7fffffff;
	ASSERT_REJECTED(NNMEM_GERR_NODE_INDEX, N_CONV, NONE);
	RESET();
	/* NNMEM_INDEX_NONE means "no bias", but nothing else may be absent */
	self->n[N_CONV].conv2d.multiplier = NONE;
	ASSERT_REJECTED(NNMEM_GERR_NODE_INDEX, N_CONV, NONE);
	RESET();
	self->n[N_CONV].conv2d.bias = T_COUNT;
	ASSERT_REJECTED(NNMEM_GERR_NODE_INDEX, N_CONV, NONE);
	RESET();
	self->n[N_ADD].add.output = T_COUNT;
	ASSERT_REJECTED(NNMEM_GERR_NODE_INDEX, N_ADD, NONE);
	RESET();
	/* a valid index is out of range once the array is shorter */
	ASSERT_REJECTED_N(T_SUM, N_COUNT, NNMEM_GERR_NODE_INDEX, N_ADD, NONE);
}

TEST_F(graph, tensor_past_its_region_end)
{
	self->t[T_IN].offset = 1;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_BOUNDS, NONE, T_IN);
	RESET();
	self->t[T_SUM].dims[3] = 7;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_BOUNDS, NONE, T_SUM);
	RESET();
	self->t[T_F].offset = self->g.reg[self->g.treg[T_F]].size;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_BOUNDS, NONE, T_F);
}

TEST_F(graph, tensor_offset_plus_size_overflow)
{
	self->t[T_CONV].offset = UINT64_MAX - 10;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_BOUNDS, NONE, T_CONV);
	RESET();
	self->t[T_B].offset = UINT64_MAX - 3;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_BOUNDS, NONE, T_B);
	RESET();
	self->t[T_SKIP].offset = 1ULL << 63;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_BOUNDS, NONE, T_SKIP);
}

TEST_F(graph, int32_tensor_not_4_byte_aligned)
{
	uint32_t r;

	/* a 6-entry int32 array at offset 2 of a 32-byte weight region */
	r = (uint32_t)gk_region(&self->g, NNMEM_KIND_WEIGHT, 32);
	ASSERT_EQ(0, nt_usage(self->fd, &self->before));
	self->t[T_M].handle = self->g.reg[r].handle;
	self->t[T_M].offset = 2;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_BOUNDS, NONE, T_M);
}

TEST_F(graph, unknown_or_wrong_tensor_type)
{
	self->t[T_SKIP].type = 0;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_TYPE, NONE, T_SKIP);
	self->t[T_SKIP].type = 3;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_TYPE, NONE, T_SKIP);
	RESET();
	/* an int8 bias (fits its region) is the wrong type for a bias */
	self->t[T_B].type = NNMEM_TYPE_INT8;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_TYPE, N_CONV, T_B);
	RESET();
	self->t[T_S].type = NNMEM_TYPE_INT8;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_TYPE, N_CONV, T_S);
	RESET();
	/* an int32 [1, 8, 8, 1] input fits the 256-byte region but is wrong */
	self->t[T_IN].type = NNMEM_TYPE_INT32;
	self->t[T_IN].dims[3] = 1;
	self->t[T_IN].zero_point = 0;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_TYPE, N_CONV, T_IN);
}

TEST_F(graph, shapes_that_do_not_match_the_op)
{
	self->t[T_CONV].dims[3] = 5;	/* conv gives 6 channels */
	ASSERT_REJECTED(NNMEM_GERR_NODE_SHAPE, N_CONV, T_CONV);
	RESET();
	self->t[T_CONV].dims[1] = 7;	/* conv gives 8 rows */
	ASSERT_REJECTED(NNMEM_GERR_NODE_SHAPE, N_CONV, T_CONV);
	RESET();
	self->t[T_F].dims[3] = 2;	/* filter I != input channels */
	ASSERT_REJECTED(NNMEM_GERR_NODE_SHAPE, N_CONV, T_F);
	RESET();
	self->t[T_B].dims[0] = 5;	/* one bias per output channel */
	ASSERT_REJECTED(NNMEM_GERR_NODE_SHAPE, N_CONV, T_B);
	RESET();
	self->t[T_S].dims[0] = 4;
	ASSERT_REJECTED(NNMEM_GERR_NODE_SHAPE, N_CONV, T_S);
	RESET();
	/* the input must be 4-d: [1, 8, 32] has the same bytes */
	self->t[T_IN].ndims = 3;
	self->t[T_IN].dims[2] = 32;
	self->t[T_IN].dims[3] = 0;
	ASSERT_REJECTED(NNMEM_GERR_NODE_SHAPE, N_CONV, T_IN);
	RESET();
	self->t[T_SKIP].dims[3] = 3;	/* not [C], not 1 element */
	ASSERT_REJECTED(NNMEM_GERR_NODE_SHAPE, N_ADD, T_SKIP);
	RESET();
	self->t[T_SUM].dims[2] = 4;
	ASSERT_REJECTED(NNMEM_GERR_NODE_SHAPE, N_ADD, T_SUM);
}

TEST_F(graph, zero_dim_and_bad_ndims)
{
	self->t[T_SUM].dims[2] = 0;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_DIMS, NONE, T_SUM);
	RESET();
	self->t[T_B].ndims = 0;
	self->t[T_B].dims[0] = 0;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_DIMS, NONE, T_B);
	RESET();
	self->t[T_IN].ndims = 5;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_DIMS, NONE, T_IN);
	self->t[T_IN].ndims = 0xffffffff;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_DIMS, NONE, T_IN);
}

TEST_F(graph, huge_dims_whose_product_overflows)
{
	uint32_t i;

	for (i = 0; i < 4; i++)
		self->t[T_CONV].dims[i] = 0xffffffff;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_SIZE, NONE, T_CONV);
	RESET();
	for (i = 0; i < 4; i++)
		self->t[T_IN].dims[i] = 65536;	/* 2^64 elements */
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_SIZE, NONE, T_IN);
	RESET();
	/* 2^31 elements: one past the kernels' int index range */
	self->t[T_SKIP].dims[0] = 1U << 31;
	self->t[T_SKIP].dims[1] = 1;
	self->t[T_SKIP].dims[2] = 1;
	self->t[T_SKIP].dims[3] = 1;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_SIZE, NONE, T_SKIP);
}

TEST_F(graph, stride_or_dilation_zero)
{
	self->n[N_CONV].conv2d.stride_h = 0;
	ASSERT_REJECTED(NNMEM_GERR_NODE_PARAM, N_CONV, NONE);
	RESET();
	self->n[N_CONV].conv2d.stride_w = 0;
	ASSERT_REJECTED(NNMEM_GERR_NODE_PARAM, N_CONV, NONE);
	RESET();
	self->n[N_CONV].conv2d.dilation_h = 0;
	ASSERT_REJECTED(NNMEM_GERR_NODE_PARAM, N_CONV, NONE);
	RESET();
	self->n[N_CONV].conv2d.dilation_w = 0;
	ASSERT_REJECTED(NNMEM_GERR_NODE_PARAM, N_CONV, NONE);
}

TEST_F(graph, padding_not_smaller_than_the_dilated_kernel)
{
	self->n[N_CONV].conv2d.pad_top = 3;
	ASSERT_REJECTED(NNMEM_GERR_NODE_PADDING, N_CONV, NONE);
	RESET();
	self->n[N_CONV].conv2d.pad_right = 0xffffffff;
	ASSERT_REJECTED(NNMEM_GERR_NODE_PADDING, N_CONV, NONE);
	RESET();
	/* dilation 2 makes the 3-tap kernel 5 wide: 5 is still too much */
	self->n[N_CONV].conv2d.dilation_w = 2;
	self->n[N_CONV].conv2d.pad_left = 5;
	ASSERT_REJECTED(NNMEM_GERR_NODE_PADDING, N_CONV, NONE);
	/* ... and 2 on each side is fine (same output size) */
	self->n[N_CONV].conv2d.pad_left = 2;
	self->n[N_CONV].conv2d.pad_right = 2;
	{
		struct nnmem_graph_create r;

		ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT,
					     self->n, N_COUNT, &r));
		ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	}
}

TEST_F(graph, groups_zero_or_not_dividing_the_channels)
{
	self->n[N_CONV].conv2d.groups = 0;
	ASSERT_REJECTED(NNMEM_GERR_NODE_GROUPS, N_CONV, NONE);
	self->n[N_CONV].conv2d.groups = 3;	/* 4 input channels */
	ASSERT_REJECTED(NNMEM_GERR_NODE_GROUPS, N_CONV, NONE);
	self->n[N_CONV].conv2d.groups = 4;	/* 6 output channels */
	ASSERT_REJECTED(NNMEM_GERR_NODE_GROUPS, N_CONV, NONE);
	/* 2 divides both, but the filter still has 4 input channels */
	self->n[N_CONV].conv2d.groups = 2;
	ASSERT_REJECTED(NNMEM_GERR_NODE_SHAPE, N_CONV, T_F);
}

/*
 * The default MAC limit (module parameter max_graph_macs, in INFO): four
 * convs of 2^34 MACs each (a 1x1x49151x32 input and a 1x1x32768x32 filter
 * give 16384 outputs of 2^20 taps) make exactly 2^36 and are accepted; a
 * 1-element add after them, one MAC more, is GRAPH_MACS at that node.
 */
TEST_F(graph, graph_macs_at_the_default_limit_accepted_one_more_rejected)
{
	uint32_t in_dims[4] = { 1, 1, 49151, 32 }, f_dims[4] = { 1, 1, 32768, 32 };
	uint32_t out_dims[4] = { 1, 1, 16384, 1 }, one[1] = { 1 };
	struct nnmem_graph_create r;
	struct nnmem_node n[5];
	char buf[32] = { 0 };
	int in, f, m, o[4], x, y, i, fd;
	struct gk g;

	ASSERT_EQ(1ULL << 36, self->info.max_graph_macs);
	fd = open("/sys/module/nnmem/parameters/max_graph_macs", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	ASSERT_STREQ("68719476736\n", buf);

	gk_init(&g, self->fd);
	in = gk_tensor_own(&g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8, 0, 4,
			   in_dims);
	f = gk_tensor_own(&g, NNMEM_KIND_WEIGHT, NNMEM_TYPE_INT8, 0, 4, f_dims);
	m = gk_tensor_own(&g, NNMEM_KIND_WEIGHT, NNMEM_TYPE_INT32, 0, 1, one);
	for (i = 0; i < 4; i++)
		o[i] = gk_tensor_own(&g, NNMEM_KIND_ACTIVATION,
				     NNMEM_TYPE_INT8, 0, 4, out_dims);
	x = gk_tensor_own(&g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8, 0, 1,
			  one);
	y = gk_tensor_own(&g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8, 0, 1,
			  one);
	ASSERT_LE(0, in);
	ASSERT_LE(0, f);
	ASSERT_LE(0, m);
	ASSERT_LE(0, o[3]);
	ASSERT_LE(0, y);
	memset(n, 0, sizeof(n));
	for (i = 0; i < 4; i++) {
		n[i].op = NNMEM_OP_CONV2D;
		n[i].conv2d = (struct nnmem_conv2d){
			.input = in, .filter = f, .bias = NONE,
			.multiplier = m, .shift = m, .output = o[i],
			.stride_h = 1, .stride_w = 1, .dilation_h = 1,
			.dilation_w = 1, .groups = 1, .act_min = -128,
			.act_max = 127,
		};
	}
	n[4].op = NNMEM_OP_ADD;
	n[4].add = (struct nnmem_add){ .input1 = x, .input2 = x, .output = y,
				       .act_min = -128, .act_max = 127 };

	ASSERT_EQ(0, nt_graph_create(self->fd, g.t, g.nt, n, 4, &r));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	ASSERT_EQ(-EINVAL, nt_graph_create(self->fd, g.t, g.nt, n, 5, &r));
	ASSERT_EQ(NNMEM_GERR_GRAPH_MACS, r.err_reason);
	ASSERT_EQ(4, r.err_node);
	ASSERT_EQ(NONE, r.err_tensor);
	ASSERT_STREQ("graph needs more multiply-accumulates than max_graph_macs allows",
		     nnmem_graph_strerror(r.err_reason));
	/* the add alone is fine: the sum is what is limited */
	n[0] = n[4];
	ASSERT_EQ(0, nt_graph_create(self->fd, g.t, g.nt, n, 1, &r));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	ASSERT_EQ(0, gk_fini(&g));
}

TEST_F(graph, node_reading_a_tensor_a_later_node_writes)
{
	/* add first, reading the conv's output, then the conv */
	self->n[0] = self->g.n[N_ADD];
	self->n[1] = self->g.n[N_CONV];
	ASSERT_REJECTED(NNMEM_GERR_NODE_ORDER, 0, T_CONV);
}

TEST_F(graph, cycle_of_two_nodes)
{
	/* add0: sum + skip -> conv; add1: conv + skip -> sum */
	self->n[0] = self->g.n[N_ADD];
	self->n[0].add.input1 = T_SUM;
	self->n[0].add.output = T_CONV;
	self->n[1] = self->g.n[N_ADD];
	ASSERT_REJECTED(NNMEM_GERR_NODE_ORDER, 0, T_SUM);
}

TEST_F(graph, tensor_written_by_two_nodes)
{
	/* the add writes the conv's output tensor too */
	self->n[N_ADD].add.input1 = T_SUM;
	self->n[N_ADD].add.output = T_CONV;
	ASSERT_REJECTED(NNMEM_GERR_NODE_WRITER, N_ADD, T_CONV);
}

TEST_F(graph, output_aliasing_an_input)
{
	uint32_t dims[4] = { 1, 8, 8, 6 };
	int r, a, b;

	/* in place: skip + conv -> skip */
	self->n[N_ADD].add.input1 = T_SKIP;
	self->n[N_ADD].add.input2 = T_CONV;
	self->n[N_ADD].add.output = T_SKIP;
	ASSERT_REJECTED(NNMEM_GERR_NODE_ALIAS, N_ADD, T_SKIP);
	RESET();

	/* two tensors of one region, 100 bytes apart: they overlap */
	r = gk_region(&self->g, NNMEM_KIND_ACTIVATION, 1024);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, nt_usage(self->fd, &self->before));
	a = gk_tensor(&self->g, r, 0, NNMEM_TYPE_INT8, 0, 4, dims);
	b = gk_tensor(&self->g, r, 100, NNMEM_TYPE_INT8, 0, 4, dims);
	ASSERT_EQ(T_COUNT, a);
	ASSERT_EQ(T_COUNT + 1, b);
	{
		struct nnmem_tensor t[T_COUNT + 2];
		struct nnmem_node n[N_COUNT];
		struct nnmem_graph_create req;

		memcpy(t, self->g.t, sizeof(t));
		memcpy(n, self->g.n, sizeof(n));
		n[N_ADD].add.input2 = a;
		n[N_ADD].add.output = b;
		ASSERT_EQ(-EINVAL, nt_graph_create(self->fd, t, T_COUNT + 2,
						   n, N_COUNT, &req));
		ASSERT_EQ(NNMEM_GERR_NODE_ALIAS, req.err_reason);
		ASSERT_EQ(N_ADD, req.err_node);
		ASSERT_EQ(a, req.err_tensor);
		/* 384 bytes apart they only touch: accepted */
		t[b].offset = 384;
		ASSERT_EQ(0, nt_graph_create(self->fd, t, T_COUNT + 2, n,
					     N_COUNT, &req));
		ASSERT_EQ(0, nt_graph_destroy(self->fd, req.graph));
	}
}

/* The 56-byte GRAPH_CREATE of uapi version 1, without err_tensor2. */
struct graph_create_v0 {
	uint8_t bytes[NNMEM_GRAPH_CREATE_SIZE_VER0];
};

TEST_F(graph, tensors_sharing_bytes_while_both_live)
{
	uint32_t dims[4] = { 1, 8, 8, 6 };	/* 384 bytes */
	struct nnmem_tensor t[T_COUNT + 2];
	struct nnmem_node n[N_COUNT];
	struct nnmem_graph_create req;
	int r, a, b;

	/* conv -> a, add(a, b) -> sum: a and b both live from node 0 to 1 */
	r = gk_region(&self->g, NNMEM_KIND_ACTIVATION, 1024);
	ASSERT_LE(0, r);
	a = gk_tensor(&self->g, r, 0, NNMEM_TYPE_INT8, 0, 4, dims);
	b = gk_tensor(&self->g, r, 100, NNMEM_TYPE_INT8, 3, 4, dims);
	ASSERT_EQ(0, nt_usage(self->fd, &self->before));
	memcpy(t, self->g.t, sizeof(t));
	memcpy(n, self->g.n, sizeof(n));
	n[N_CONV].conv2d.output = a;
	n[N_ADD].add.input1 = a;
	n[N_ADD].add.input2 = b;
	ASSERT_EQ(-EINVAL, nt_graph_create(self->fd, t, T_COUNT + 2, n,
					   N_COUNT, &req));
	ASSERT_EQ(NNMEM_GERR_TENSOR_LIVE, req.err_reason);
	ASSERT_EQ(N_CONV, req.err_node);
	ASSERT_EQ(a, req.err_tensor);
	ASSERT_EQ(b, req.err_tensor2);
	ASSERT_STREQ("two tensors share bytes while both are live",
		     nnmem_graph_strerror(req.err_reason));
	ASSERT_USAGE_UNCHANGED(self->fd, &self->before);

	/* the version 0 struct: same verdict, only 56 bytes written back */
	nt_graph_create(self->fd, t, T_COUNT + 2, n, N_COUNT, &req);
	req.err_reason = 0xdeadbeef;
	req.err_tensor2 = 0xdeadbeef;
	ASSERT_EQ(-1, ioctl(self->fd, _IOWR(NNMEM_IOC_MAGIC, 0x07,
					    struct graph_create_v0), &req));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(NNMEM_GERR_TENSOR_LIVE, req.err_reason);
	ASSERT_EQ(a, req.err_tensor);
	ASSERT_EQ(0xdeadbeef, req.err_tensor2);

	/* __pad2 must be zero */
	nt_graph_create(self->fd, t, T_COUNT + 2, n, N_COUNT, &req);
	req.__pad2 = 1;
	req.err_reason = 0xdeadbeef;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_GRAPH_CREATE, &req));
	ASSERT_EQ(NNMEM_GERR_NONE, req.err_reason);

	/* 384 bytes apart they only touch: accepted */
	t[b].offset = 384;
	ASSERT_EQ(0, nt_graph_create(self->fd, t, T_COUNT + 2, n, N_COUNT,
				     &req));
	ASSERT_EQ(NONE, req.err_tensor2);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, req.graph));
}

/* GRAPH_CREATE with NNMEM_GRAPH_* @flags. */
static int create_flags(int fd, const struct nnmem_tensor *t, uint32_t nt,
			const struct nnmem_node *n, uint32_t nn, uint32_t flags,
			struct nnmem_graph_create *req)
{
	memset(req, 0, sizeof(*req));
	req->tensors = (uintptr_t)t;
	req->nodes = (uintptr_t)n;
	req->tensor_count = nt;
	req->tensor_size = sizeof(*t);
	req->node_count = nn;
	req->node_size = sizeof(*n);
	req->flags = flags;
	return nt_ioctl(fd, NNMEM_IOCTL_GRAPH_CREATE, req);
}

static void device_placed(struct nnmem_tensor *t)
{
	t->flags = NNMEM_TENSOR_DEVICE_PLACED;
	t->handle = 0;
	t->offset = 0;
}

/* Activation bytes now, less those of the fixture. */
static uint64_t act_delta(int fd, const struct nnmem_usage *before)
{
	struct nnmem_usage u;

	if (nt_usage(fd, &u))
		return UINT64_MAX;
	return u.activation_bytes - before->activation_bytes;
}

/*
 * Device planning. The fixture gets a third node, add(sum, skip) -> out2;
 * "small" is the first two nodes with the conv's output (1x8x8x6, 384
 * bytes) left to the driver, "big" all three with the conv's output and
 * the sum left to it: both live at node 1, so 768 bytes. Private areas come
 * and go with their graph; shared graphs use one area as large as the
 * largest plan, which grows and never shrinks while it has users.
 */
TEST_F(graph, device_placed_tensors_private_and_shared_scratch_areas)
{
	uint32_t dims[4] = { 1, 8, 8, 6 };
	struct nnmem_graph_create small, big, small2;
	struct nnmem_tensor t[T_COUNT + 1];
	struct nnmem_node n[N_COUNT + 1], add2;
	uint8_t **ref = NULL, **img = NULL;
	struct nnmem_usage before;
	char msg[160];
	int out2;

	out2 = gk_tensor_own(&self->g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8,
			     0, 4, dims);
	ASSERT_EQ(T_COUNT, out2);
	memset(&add2, 0, sizeof(add2));
	add2.op = NNMEM_OP_ADD;
	add2.add = nt_add_params(T_SUM, T_SKIP, out2);
	ASSERT_EQ(N_COUNT, gk_node(&self->g, &add2));
	ASSERT_EQ(0, gk_reference(&self->g, &ref));
	ASSERT_EQ(0, nt_usage(self->fd, &before));
	memcpy(t, self->g.t, sizeof(t));
	memcpy(n, self->g.n, sizeof(n));
	device_placed(&t[T_CONV]);

	/* private: 384 bytes, as the plan says, and gone with the graph */
	ASSERT_EQ(0, create_flags(self->fd, t, T_COUNT, n, N_COUNT, 0,
				  &small));
	ASSERT_EQ(384, small.scratch_size);
	ASSERT_EQ(384, act_delta(self->fd, &before));
	ASSERT_EQ(0, nt_run(self->fd, small.graph, NULL));
	ASSERT_EQ(0, gk_read(&self->g, &img));
	ASSERT_EQ(0, gk_diff(&self->g, ref, img, T_SUM, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	gk_images_free(&self->g, img);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, small.graph));
	ASSERT_EQ(0, act_delta(self->fd, &before));

	/* shared: two small graphs, one area */
	ASSERT_EQ(0, create_flags(self->fd, t, T_COUNT, n, N_COUNT,
				  NNMEM_GRAPH_SHARED_SCRATCH, &small));
	ASSERT_EQ(0, create_flags(self->fd, t, T_COUNT, n, N_COUNT,
				  NNMEM_GRAPH_SHARED_SCRATCH, &small2));
	ASSERT_EQ(384, act_delta(self->fd, &before));
	/* a bigger plan grows it: the largest plan, not the sum */
	device_placed(&t[T_SUM]);
	ASSERT_EQ(0, create_flags(self->fd, t, T_COUNT + 1, n, N_COUNT + 1,
				  NNMEM_GRAPH_SHARED_SCRATCH, &big));
	ASSERT_EQ(768, big.scratch_size);
	ASSERT_EQ(768, act_delta(self->fd, &before));
	/* every graph runs right in it, in turns */
	ASSERT_EQ(0, nt_run(self->fd, big.graph, NULL));
	ASSERT_EQ(0, nt_run(self->fd, small.graph, NULL));
	ASSERT_EQ(0, nt_run(self->fd, small2.graph, NULL));
	ASSERT_EQ(0, gk_read(&self->g, &img));
	ASSERT_EQ(0, gk_diff(&self->g, ref, img, T_SUM, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(0, gk_diff(&self->g, ref, img, out2, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	gk_images_free(&self->g, img);
	gk_images_free(&self->g, ref);
	/* it stays as large while used, and goes with the last user */
	ASSERT_EQ(0, nt_graph_destroy(self->fd, big.graph));
	ASSERT_EQ(768, act_delta(self->fd, &before));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, small.graph));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, small2.graph));
	ASSERT_EQ(0, act_delta(self->fd, &before));

	/* a graph input or output cannot be left to the driver */
	memcpy(t, self->g.t, sizeof(t));
	device_placed(&t[T_SKIP]);
	ASSERT_EQ(-EINVAL, create_flags(self->fd, t, T_COUNT, n, N_COUNT, 0,
					&small));
	ASSERT_EQ(NNMEM_GERR_TENSOR_PLACED, small.err_reason);
	ASSERT_EQ(T_SKIP, small.err_tensor);
	memcpy(t, self->g.t, sizeof(t));
	device_placed(&t[T_SUM]);
	ASSERT_EQ(-EINVAL, create_flags(self->fd, t, T_COUNT, n, N_COUNT, 0,
					&small));
	ASSERT_EQ(NNMEM_GERR_TENSOR_PLACED, small.err_reason);
	ASSERT_EQ(N_ADD, small.err_node);
	ASSERT_EQ(T_SUM, small.err_tensor);
	ASSERT_EQ(0, act_delta(self->fd, &before));
}

TEST_F(graph, weight_tensor_in_an_activation_region_and_back)
{
	int w;

	/* the filter (216 bytes) in the skip tensor's activation region */
	self->t[T_F].handle = self->t[T_SKIP].handle;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_KIND, N_CONV, T_F);
	RESET();
	self->t[T_B].handle = self->t[T_SKIP].handle;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_KIND, N_CONV, T_B);
	RESET();
	/* the skip activation in a weight region */
	w = gk_region(&self->g, NNMEM_KIND_WEIGHT, 512);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, nt_usage(self->fd, &self->before));
	self->t[T_SKIP].handle = self->g.reg[w].handle;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_KIND, N_ADD, T_SKIP);
	self->t[T_SKIP].handle = self->g.reg[self->g.treg[T_SKIP]].handle;
	self->t[T_IN].handle = self->g.reg[w].handle;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_KIND, N_CONV, T_IN);
}

TEST_F(graph, region_handle_of_another_session_or_freed_or_zero)
{
	uint32_t h, i, theirs = 0;
	int other;

	other = nt_open(0);
	ASSERT_LE(0, other);
	/* one more region than we have: its handle is unknown here */
	for (i = 0; i <= self->g.nr; i++)
		ASSERT_EQ(0, nt_weight(other, 64, 0, &theirs, NULL));
	ASSERT_EQ(0, nt_usage(self->fd, &self->before));
	self->t[T_M].handle = theirs;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_HANDLE, NONE, T_M);
	close(other);
	ASSERT_EQ(0, nt_usage(self->fd, &self->before));
	self->t[T_M].handle = 0;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_HANDLE, NONE, T_M);
	/* a handle we freed */
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h, NULL));
	ASSERT_EQ(0, nt_free(self->fd, h));
	self->t[T_M].handle = h;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_HANDLE, NONE, T_M);
}

TEST_F(graph, tensor_flags_pad_or_dims_past_ndims_nonzero)
{
	self->t[T_F].flags = NNMEM_TENSOR_VALID_FLAGS + 1;	/* unknown bit */
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_RESERVED, NONE, T_F);
	RESET();
	self->t[T_F].flags = 0x80000000;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_RESERVED, NONE, T_F);
	RESET();
	self->t[T_S].__pad = 1;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_RESERVED, NONE, T_S);
	RESET();
	self->t[T_B].dims[3] = 1;	/* ndims is 1 */
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_RESERVED, NONE, T_B);
}

TEST_F(graph, node_flags_pad_or_union_tail_nonzero)
{
	unsigned char *u;

	self->n[N_ADD].flags = 1;
	ASSERT_REJECTED(NNMEM_GERR_NODE_RESERVED, N_ADD, NONE);
	RESET();
	self->n[N_CONV].conv2d.__pad = 1;
	ASSERT_REJECTED(NNMEM_GERR_NODE_RESERVED, N_CONV, NONE);
	RESET();
	u = (unsigned char *)self->n[N_CONV].reserved;
	u[sizeof(struct nnmem_conv2d)] = 1;
	ASSERT_REJECTED(NNMEM_GERR_NODE_RESERVED, N_CONV, NONE);
	RESET();
	u = (unsigned char *)self->n[N_ADD].reserved;
	u[sizeof(struct nnmem_add)] = 1;
	ASSERT_REJECTED(NNMEM_GERR_NODE_RESERVED, N_ADD, NONE);
	RESET();
	u[sizeof(self->n[N_ADD].reserved) - 1] = 0x80;
	ASSERT_REJECTED(NNMEM_GERR_NODE_RESERVED, N_ADD, NONE);
}

TEST_F(graph, unknown_node_op)
{
	self->n[N_ADD].op = 0;
	ASSERT_REJECTED(NNMEM_GERR_NODE_OP, N_ADD, NONE);
	/* one past the last op of uapi version 2 (softmax, 6) */
	self->n[N_ADD].op = NNMEM_OP_SOFTMAX + 1;
	ASSERT_REJECTED(NNMEM_GERR_NODE_OP, N_ADD, NONE);
	self->n[N_ADD].op = 0xffffffff;
	ASSERT_REJECTED(NNMEM_GERR_NODE_OP, N_ADD, NONE);
}

TEST_F(graph, zero_points_out_of_range_or_not_allowed)
{
	self->t[T_IN].zero_point = 128;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_ZERO_POINT, NONE, T_IN);
	self->t[T_IN].zero_point = -129;
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_ZERO_POINT, NONE, T_IN);
	RESET();
	self->t[T_M].zero_point = 1;	/* int32: must be 0 */
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_ZERO_POINT, NONE, T_M);
	RESET();
	self->t[T_F].zero_point = 1;	/* a filter's must be 0 */
	ASSERT_REJECTED(NNMEM_GERR_TENSOR_ZERO_POINT, N_CONV, T_F);
}

TEST_F(graph, bad_shift_or_activation_range)
{
	self->n[N_CONV].conv2d.act_min = 10;
	self->n[N_CONV].conv2d.act_max = 9;
	ASSERT_REJECTED(NNMEM_GERR_NODE_QUANT, N_CONV, NONE);
	RESET();
	self->n[N_CONV].conv2d.act_max = 128;
	ASSERT_REJECTED(NNMEM_GERR_NODE_QUANT, N_CONV, NONE);
	RESET();
	self->n[N_ADD].add.output_shift = 31;
	ASSERT_REJECTED(NNMEM_GERR_NODE_QUANT, N_ADD, NONE);
	RESET();
	self->n[N_ADD].add.input1_shift = -32;
	ASSERT_REJECTED(NNMEM_GERR_NODE_QUANT, N_ADD, NONE);
	RESET();
	self->n[N_ADD].add.left_shift = 31;
	ASSERT_REJECTED(NNMEM_GERR_NODE_QUANT, N_ADD, NONE);
	self->n[N_ADD].add.left_shift = -1;
	ASSERT_REJECTED(NNMEM_GERR_NODE_QUANT, N_ADD, NONE);
	RESET();
	self->n[N_ADD].add.act_min = -129;
	ASSERT_REJECTED(NNMEM_GERR_NODE_QUANT, N_ADD, NONE);
}

TEST_F(graph, element_size_below_ver0)
{
	struct nnmem_graph_create r;

	ASSERT_EQ(-EINVAL, nt_graph_create_sized(self->fd, self->t, T_COUNT,
						 NNMEM_TENSOR_SIZE_VER0 - 8,
						 self->n, N_COUNT,
						 sizeof(self->n[0]), &r));
	ASSERT_EQ(NNMEM_GERR_ELEM_SIZE, r.err_reason);
	ASSERT_EQ(NONE, r.err_node);
	ASSERT_EQ(NONE, r.err_tensor);
	ASSERT_EQ(-EINVAL, nt_graph_create_sized(self->fd, self->t, T_COUNT,
						 0, self->n, N_COUNT,
						 sizeof(self->n[0]), &r));
	ASSERT_EQ(NNMEM_GERR_ELEM_SIZE, r.err_reason);
	ASSERT_EQ(-EINVAL, nt_graph_create_sized(self->fd, self->t, T_COUNT,
						 sizeof(self->t[0]), self->n,
						 N_COUNT,
						 NNMEM_NODE_SIZE_VER0 - 1, &r));
	ASSERT_EQ(NNMEM_GERR_ELEM_SIZE, r.err_reason);
	ASSERT_EQ(NONE, r.err_node);
	ASSERT_EQ(NONE, r.err_tensor);
	ASSERT_USAGE_UNCHANGED(self->fd, &self->before);
}

TEST_F(graph, count_zero_or_above_the_maximum)
{
	struct nnmem_tensor *many_t;
	struct nnmem_node *many_n;
	struct nnmem_graph_create r;
	uint32_t i, mt = self->info.max_tensors, mn = self->info.max_nodes;

	ASSERT_REJECTED_N(0, N_COUNT, NNMEM_GERR_COUNT, NONE, NONE);
	ASSERT_REJECTED_N(T_COUNT, 0, NNMEM_GERR_COUNT, NONE, NONE);
	/* real arrays of max + 1 elements, so only the count is wrong */
	many_t = calloc(mt + 1, sizeof(*many_t));
	many_n = calloc(mn + 1, sizeof(*many_n));
	ASSERT_NE(NULL, many_t);
	ASSERT_NE(NULL, many_n);
	for (i = 0; i <= mt; i++)
		many_t[i] = self->t[i % T_COUNT];
	for (i = 0; i <= mn; i++)
		many_n[i] = self->n[N_CONV];
	ASSERT_EQ(-EINVAL, nt_graph_create(self->fd, many_t, mt + 1, self->n,
					   N_COUNT, &r));
	ASSERT_EQ(NNMEM_GERR_COUNT, r.err_reason);
	ASSERT_EQ(NONE, r.err_node);
	ASSERT_EQ(NONE, r.err_tensor);
	ASSERT_EQ(-EINVAL, nt_graph_create(self->fd, self->t, T_COUNT, many_n,
					   mn + 1, &r));
	ASSERT_EQ(NNMEM_GERR_COUNT, r.err_reason);
	ASSERT_EQ(-EINVAL, nt_graph_create(self->fd, self->t, 0xffffffff,
					   self->n, N_COUNT, &r));
	ASSERT_EQ(NNMEM_GERR_COUNT, r.err_reason);
	/* max tensors exactly: accepted (the extra ones are unused) */
	ASSERT_EQ(0, nt_graph_create(self->fd, many_t, mt, self->n, N_COUNT,
				     &r));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	ASSERT_USAGE_UNCHANGED(self->fd, &self->before);
	free(many_t);
	free(many_n);
}

TEST_F(graph, create_flags_or_pad_nonzero)
{
	struct nnmem_graph_create r;

	memset(&r, 0, sizeof(r));
	r.tensors = (uintptr_t)self->t;
	r.nodes = (uintptr_t)self->n;
	r.tensor_count = T_COUNT;
	r.tensor_size = sizeof(self->t[0]);
	r.node_count = N_COUNT;
	r.node_size = sizeof(self->n[0]);
	r.flags = NNMEM_GRAPH_VALID_FLAGS + 1;	/* unknown bit */
	r.err_reason = 77;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_GRAPH_CREATE, &r));
	/* not a graph error: the reason says none */
	ASSERT_EQ(NNMEM_GERR_NONE, r.err_reason);
	r.flags = 0;
	r.__pad = 1;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_GRAPH_CREATE, &r));
	ASSERT_EQ(NNMEM_GERR_NONE, r.err_reason);
	ASSERT_USAGE_UNCHANGED(self->fd, &self->before);
}

TEST_F(graph, bad_user_pointers_get_efault)
{
	struct nnmem_graph_create r;

	ASSERT_EQ(-EFAULT, nt_graph_create(self->fd, NULL, T_COUNT, self->n,
					   N_COUNT, &r));
	ASSERT_EQ(-EFAULT, nt_graph_create(self->fd, self->t, T_COUNT,
					   (void *)8, N_COUNT, &r));
	ASSERT_USAGE_UNCHANGED(self->fd, &self->before);
}

TEST_F(graph, older_and_longer_element_sizes)
{
	unsigned char tb[T_COUNT][NNMEM_TENSOR_SIZE_VER0 + 16];
	unsigned char nb[N_COUNT][NNMEM_NODE_SIZE_VER0 + 8];
	struct nnmem_graph_create r;
	uint32_t i;

	/* VER0 sizes are today's sizes */
	ASSERT_EQ(0, nt_graph_create_sized(self->fd, self->t, T_COUNT,
					   NNMEM_TENSOR_SIZE_VER0, self->n,
					   N_COUNT, NNMEM_NODE_SIZE_VER0, &r));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	/* a newer caller's longer elements with zero tails */
	memset(tb, 0, sizeof(tb));
	memset(nb, 0, sizeof(nb));
	for (i = 0; i < T_COUNT; i++)
		memcpy(tb[i], &self->t[i], sizeof(self->t[i]));
	for (i = 0; i < N_COUNT; i++)
		memcpy(nb[i], &self->n[i], sizeof(self->n[i]));
	ASSERT_EQ(0, nt_graph_create_sized(self->fd, tb, T_COUNT,
					   sizeof(tb[0]), nb, N_COUNT,
					   sizeof(nb[0]), &r));
	ASSERT_EQ(NNMEM_GERR_NONE, r.err_reason);
	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	/*
	 * A nonzero byte in a tail the kernel does not know rejects the
	 * graph like any other reserved field, naming the element.
	 */
	tb[T_SUM][sizeof(self->t[0]) + 3] = 1;
	ASSERT_EQ(-EINVAL, nt_graph_create_sized(self->fd, tb, T_COUNT,
						 sizeof(tb[0]), nb, N_COUNT,
						 sizeof(nb[0]), &r));
	ASSERT_EQ(NNMEM_GERR_TENSOR_RESERVED, r.err_reason);
	ASSERT_EQ(NONE, r.err_node);
	ASSERT_EQ(T_SUM, r.err_tensor);
	tb[T_SUM][sizeof(self->t[0]) + 3] = 0;
	nb[N_ADD][sizeof(nb[0]) - 1] = 1;
	ASSERT_EQ(-EINVAL, nt_graph_create_sized(self->fd, tb, T_COUNT,
						 sizeof(tb[0]), nb, N_COUNT,
						 sizeof(nb[0]), &r));
	ASSERT_EQ(NNMEM_GERR_NODE_RESERVED, r.err_reason);
	ASSERT_EQ(N_ADD, r.err_node);
	ASSERT_EQ(NONE, r.err_tensor);
	ASSERT_USAGE_UNCHANGED(self->fd, &self->before);
}

TEST_F(graph, freeing_a_region_a_graph_uses_is_ebusy_until_destroy)
{
	struct nnmem_graph_create r;
	uint32_t i;

	ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT, self->n,
				     N_COUNT, &r));
	for (i = 0; i < self->g.nr; i++)
		ASSERT_EQ(-EBUSY, nt_free(self->fd, self->g.reg[i].handle));
	ASSERT_USAGE_UNCHANGED(self->fd, &self->before);
	/* the regions are still fully usable */
	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	ASSERT_EQ(0, nt_free(self->fd, self->g.reg[0].handle));
	/* teardown frees the rest; make it skip the one freed here */
	self->g.reg[0].handle = 0;
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &self->g.reg[0].handle,
			       NULL));
}

TEST_F(graph, two_graphs_share_regions_and_both_pin_them)
{
	struct nnmem_graph_create a, b;

	ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT, self->n,
				     N_COUNT, &a));
	ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT, self->n,
				     N_COUNT, &b));
	ASSERT_NE(a.graph, b.graph);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, a.graph));
	ASSERT_EQ(-EBUSY, nt_free(self->fd, self->g.reg[0].handle));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, b.graph));
}

TEST_F(graph, destroy_unknown_twice_or_with_flags)
{
	struct nnmem_graph_destroy d = { .graph = 1, .flags = 1 };
	struct nnmem_graph_create r;

	ASSERT_EQ(-ENOENT, nt_graph_destroy(self->fd, 0));
	ASSERT_EQ(-ENOENT, nt_graph_destroy(self->fd, 1));
	ASSERT_EQ(-ENOENT, nt_graph_destroy(self->fd, 0xffffffff));
	ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT, self->n,
				     N_COUNT, &r));
	d.graph = r.graph;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_GRAPH_DESTROY, &d));
	ASSERT_EQ(-EBUSY, nt_free(self->fd, self->g.reg[0].handle));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	ASSERT_EQ(-ENOENT, nt_graph_destroy(self->fd, r.graph));
}

TEST_F(graph, another_session_cannot_see_or_use_our_graph)
{
	struct nnmem_graph_create r;
	uint64_t job;
	int other;

	ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT, self->n,
				     N_COUNT, &r));
	other = nt_open(0);
	ASSERT_LE(0, other);
	ASSERT_EQ(-ENOENT, nt_run(other, r.graph, NULL));
	ASSERT_EQ(-ENOENT, nt_submit(other, r.graph, &job));
	ASSERT_EQ(-ENOENT, nt_graph_destroy(other, r.graph));
	close(other);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
}

TEST_F(graph, session_graph_limit_gets_emfile)
{
	struct nnmem_graph_create r;
	uint32_t *graphs, i, max = self->info.max_graphs;

	graphs = calloc(max, sizeof(*graphs));
	ASSERT_NE(NULL, graphs);
	for (i = 0; i < max; i++) {
		ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT,
					     self->n, N_COUNT, &r)) {
			TH_LOG("graph %u of %u", i, max);
		}
		graphs[i] = r.graph;
	}
	ASSERT_EQ(-EMFILE, nt_graph_create(self->fd, self->t, T_COUNT,
					   self->n, N_COUNT, &r));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graphs[0]));
	ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT, self->n,
				     N_COUNT, &r));
	graphs[0] = r.graph;
	for (i = 0; i < max; i++)
		ASSERT_EQ(0, nt_graph_destroy(self->fd, graphs[i]));
	free(graphs);
}

TEST_F(graph, close_destroys_graphs_and_frees_their_regions)
{
	struct nnmem_graph_create r;
	int fd = nt_open(0);
	uint32_t h;
	struct nnmem_tensor t = { 0 };
	struct nnmem_node n;

	ASSERT_LE(0, fd);
	/* a one-add graph in a second session, left alive at close */
	ASSERT_EQ(0, nt_activation(fd, 64, 0, &h, NULL));
	t.handle = h;
	t.type = NNMEM_TYPE_INT8;
	t.ndims = 1;
	t.dims[0] = 16;
	{
		struct nnmem_tensor ts[3] = { t, t, t };

		ts[1].offset = 16;
		ts[2].offset = 32;
		memset(&n, 0, sizeof(n));
		n.op = NNMEM_OP_ADD;
		n.add = self->n[N_ADD].add;
		n.add.input1 = 0;
		n.add.input2 = 1;
		n.add.output = 2;
		ASSERT_EQ(0, nt_graph_create(fd, ts, 3, &n, 1, &r));
	}
	ASSERT_EQ(-EBUSY, nt_free(fd, h));
	close(fd);
	ASSERT_USAGE_UNCHANGED(self->fd, &self->before);
}

/*
 * See "DOC: nnmem kernel paths": the fast paths pack the weights at the
 * first run and again whenever they may have changed. Each step changes
 * the filter (or the bias) one way and checks the run against the
 * reference kernels on the host: a stale packing would fail it.
 */
TEST_F(graph, fast_path_packs_weights_again_after_write_and_through_mappings)
{
	uint64_t fb = gk_bytes(&self->g, T_F);
	struct nnmem_usage a, b;
	struct nnmem_graph_create r;
	struct nnmem_region_info ri;
	int best = nt_best_path();
	uint8_t *map, *ro;
	uint32_t h;
	char msg[160];

	/* without SIMD the best path is the reference: force the scalar one */
	if (best == NNMEM_PATH_REFERENCE) {
		best = NNMEM_PATH_SCALAR;
		ASSERT_EQ(0, nt_fast_path_set(best));
	}

	/* the filter in a mappable region of its own, as the kit's copy */
	ASSERT_EQ(0, nt_alloc(self->fd, 4096, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, NULL, &h, NULL));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		   (off_t)ri.mmap_offset);
	ASSERT_NE(MAP_FAILED, map);
	memcpy(map, gk_host(&self->g, T_F), fb);
	self->t[T_F].handle = h;
	self->t[T_F].offset = 0;
	ASSERT_EQ(0, nt_usage(self->fd, &a));
	ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT, self->n,
				     N_COUNT, &r));
	ASSERT_NE(0, r.fast_size);

	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) TH_LOG("%s", msg);
	/* written through the mapping, which stays: packed at every run */
	gk_fill(&self->g, T_F, 99, -128, 127);
	memcpy(map, gk_host(&self->g, T_F), fb);
	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) TH_LOG("%s", msg);
	gk_fill(&self->g, T_F, 100, -128, 127);
	memcpy(map, gk_host(&self->g, T_F), fb);
	ASSERT_EQ(0, munmap(map, 4096));
	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) TH_LOG("%s", msg);
	/* WRITE, with no mapping left */
	gk_fill(&self->g, T_F, 101, -128, 127);
	ASSERT_EQ(0, nt_write(self->fd, h, 0, gk_host(&self->g, T_F), fb));
	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) TH_LOG("%s", msg);
	/* the bias, in the kit's region, by WRITE */
	gk_fill(&self->g, T_B, 102, -5000, 5000);
	ASSERT_EQ(0, gk_upload(&self->g));
	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) TH_LOG("%s", msg);

	/* a read-only mapping cannot become writable */
	ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd,
		  (off_t)ri.mmap_offset);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(-1, mprotect(ro, 4096, PROT_READ | PROT_WRITE));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(0, memcmp(ro, gk_host(&self->g, T_F), fb));
	ASSERT_EQ(0, munmap(ro, 4096));

	/* five runs: the conv2d on the best path, the add on the reference */
	ASSERT_EQ(0, nt_usage(self->fd, &b));
	ASSERT_EQ(5, b.path_nodes[best] - a.path_nodes[best]);
	ASSERT_EQ(5, b.path_nodes[NNMEM_PATH_REFERENCE] -
		     a.path_nodes[NNMEM_PATH_REFERENCE]);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, nt_fast_path_set(-1));
}

/*
 * NNMEM_GRAPH_REFERENCE: no packed weights, nothing charged for them, and
 * every node on the reference kernels; without it the graph is charged
 * its fast_size on top of the documented count-based charge.
 */
TEST_F(graph, reference_flag_and_fast_size_charge)
{
	uint64_t charge = 64 + 8 * T_COUNT + 144 * N_COUNT;
	struct nnmem_graph_create r;
	struct nnmem_usage a, b, c;
	char msg[160];

	ASSERT_EQ(0, nt_usage(self->fd, &a));
	memset(&r, 0, sizeof(r));
	r.tensors = (uintptr_t)self->t;
	r.nodes = (uintptr_t)self->n;
	r.tensor_count = T_COUNT;
	r.tensor_size = sizeof(self->t[0]);
	r.node_count = N_COUNT;
	r.node_size = sizeof(self->n[0]);
	r.flags = NNMEM_GRAPH_REFERENCE;
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_GRAPH_CREATE, &r));
	ASSERT_EQ(0, r.fast_size);
	ASSERT_EQ(0, nt_usage(self->fd, &b));
	ASSERT_EQ(charge, b.session_kmem - a.session_kmem);
	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) TH_LOG("%s", msg);
	ASSERT_EQ(0, nt_usage(self->fd, &c));
	ASSERT_EQ(2, c.path_nodes[NNMEM_PATH_REFERENCE] -
		     b.path_nodes[NNMEM_PATH_REFERENCE]);
	ASSERT_EQ(c.path_macs[NNMEM_PATH_REFERENCE] -
		  b.path_macs[NNMEM_PATH_REFERENCE],
		  /* 8 x 8 x 6 outputs of 3 x 3 x 4 taps, 8 x 8 x 6 adds */
		  8 * 8 * 6 * 36 + 8 * 8 * 6);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));

	/* without the flag (on a fast path): fast_size charged on top */
	if (nt_best_path() == NNMEM_PATH_REFERENCE)
		ASSERT_EQ(0, nt_fast_path_set(NNMEM_PATH_SCALAR));
	ASSERT_EQ(0, nt_graph_create(self->fd, self->t, T_COUNT, self->n,
				     N_COUNT, &r));
	ASSERT_EQ(0, nt_fast_path_set(-1));
	ASSERT_NE(0, r.fast_size);
	ASSERT_EQ(0, nt_usage(self->fd, &b));
	ASSERT_EQ(charge + r.fast_size, b.session_kmem - a.session_kmem);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	ASSERT_EQ(0, nt_usage(self->fd, &b));
	ASSERT_EQ(a.session_kmem, b.session_kmem);
}

TEST_HARNESS_MAIN
