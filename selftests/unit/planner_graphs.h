/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lifetime tables for the activation planner's unit test and benchmark:
 * the four MLPerf Tiny models, and random graphs (chains, residual blocks,
 * branching DAGs) turned into lifetimes.
 *
 * A graph is a sequence of ops in execution order: op j (step j) reads
 * some earlier tensors and writes tensor j + 1; tensor 0 is the graph
 * input, live from step 0. A tensor is live from the step that writes it
 * to the last step that reads it, both inclusive; a tensor nobody reads is
 * a graph output and lives to the last step. The lifetimes depend only on
 * this rule, not on the planner.
 */
#ifndef __PLANNER_GRAPHS_H__
#define __PLANNER_GRAPHS_H__

#include <stdint.h>
#include <string.h>

#include "nnmem_planner.h"

#define PG_MAX_IN	3

struct pg_rng {
	uint64_t state;
};

/* splitmix64: small, fast, reproducible. */
static inline uint64_t pg_rnd(struct pg_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the modulo bias is irrelevant here). */
static inline uint64_t pg_below(struct pg_rng *r, uint64_t n)
{
	return pg_rnd(r) % n;
}

/*
 * A tensor size: mostly log-uniform between 1 byte and 64 KiB, sometimes
 * 0, sometimes exactly a multiple of 16, sometimes one of a few repeated
 * sizes (real models repeat shapes).
 */
static inline uint64_t pg_size(struct pg_rng *r)
{
	switch (pg_below(r, 16)) {
	case 0:
		return 0;
	case 1: case 2: case 3:
		return 1024ULL << pg_below(r, 5);
	case 4: case 5:
		return 16 * (1 + pg_below(r, 256));
	default:
		return 1 + pg_below(r, 1ULL << (1 + pg_below(r, 16)));
	}
}

struct pg_graph {
	uint32_t nops;			/* ops; tensors are nops + 1 */
	uint32_t nin[4096];
	uint32_t in[4096][PG_MAX_IN];	/* tensors op j reads */
};

/*
 * Lifetimes of the graph's nops + 1 tensors into bufs[] (sizes random),
 * with steps mapped through step -> base + stride * step so that steps
 * need not start at 0 nor be dense.
 */
static inline void pg_lifetimes(struct pg_rng *r, const struct pg_graph *g,
				struct nnmem_planner_buf *bufs)
{
	uint32_t base = (uint32_t)pg_below(r, 4) * 1000;
	uint32_t stride = 1 + (uint32_t)pg_below(r, 3);
	uint32_t t, j, k;

	for (t = 0; t <= g->nops; t++) {
		bufs[t].size = pg_size(r);
		bufs[t].first = t ? t - 1 : 0;
		bufs[t].last = bufs[t].first;
		bufs[t].offset = 0xdeadbeef;
	}
	for (j = 0; j < g->nops; j++)
		for (k = 0; k < g->nin[j]; k++)
			if (bufs[g->in[j][k]].last < j)
				bufs[g->in[j][k]].last = j;
	for (t = 0; t <= g->nops; t++) {
		int read = 0;

		for (j = 0; j < g->nops && !read; j++)
			for (k = 0; k < g->nin[j]; k++)
				read |= g->in[j][k] == t;
		if (!read && g->nops)
			bufs[t].last = g->nops - 1;
		bufs[t].first = base + stride * bufs[t].first;
		bufs[t].last = base + stride * bufs[t].last;
	}
}

/*
 * Sizes uniform in [1 KiB, 64 KiB), for graphs where no single tensor
 * dominates the bound (the benchmark's generated graphs).
 */
static inline void pg_uniform_sizes(struct pg_rng *r,
				    struct nnmem_planner_buf *bufs, uint32_t n)
{
	uint32_t t;

	for (t = 0; t < n; t++)
		bufs[t].size = 1024 + pg_below(r, 63 * 1024);
}

/* A plain sequence of nops >= 1 ops: op j reads tensor j. */
static inline void pg_chain(struct pg_graph *g, uint32_t nops)
{
	uint32_t j;

	g->nops = nops;
	for (j = 0; j < nops; j++) {
		g->nin[j] = 1;
		g->in[j][0] = j;
	}
}

static inline uint32_t pg_op(struct pg_graph *g, uint32_t a, uint32_t b,
			     uint32_t nin)
{
	uint32_t j = g->nops++;

	g->nin[j] = nin;
	g->in[j][0] = a;
	g->in[j][1] = b;
	return j + 1;
}

/*
 * ResNet-style blocks until about nops ops: x -> a -> b -> add(x or a
 * shortcut conv of x, b), with a stem op first and sometimes a plain op
 * between blocks.
 */
static inline void pg_residual(struct pg_rng *r, struct pg_graph *g,
			       uint32_t nops)
{
	uint32_t x;

	g->nops = 0;
	x = pg_op(g, 0, 0, 1);
	while (g->nops + 5 <= nops) {
		uint32_t a = pg_op(g, x, 0, 1);
		uint32_t b = pg_op(g, a, 0, 1);
		uint32_t s = x;

		if (pg_below(r, 2))
			s = pg_op(g, x, 0, 1);
		x = pg_op(g, s, b, 2);
		if (!pg_below(r, 4))
			x = pg_op(g, x, 0, 1);
	}
	while (g->nops < nops)
		x = pg_op(g, x, 0, 1);
}

/*
 * A branching DAG of nops ops: op j reads 1 to 3 tensors written within
 * the last `window` steps, usually including its predecessor's output.
 */
static inline void pg_dag(struct pg_rng *r, struct pg_graph *g, uint32_t nops,
			  uint32_t window)
{
	uint32_t j, k;

	g->nops = nops;
	for (j = 0; j < nops; j++) {
		uint32_t lo = j + 1 > window ? j + 1 - window : 0;

		g->nin[j] = 1 + (uint32_t)pg_below(r, PG_MAX_IN);
		for (k = 0; k < g->nin[j]; k++)
			g->in[j][k] = lo + (uint32_t)pg_below(r, j + 1 - lo);
		if (pg_below(r, 10) < 7)
			g->in[j][0] = j;
	}
}

/* ------------------------------------------------------------------ */
/* MLPerf Tiny models: {size, first, last}, one row per activation.    */

/*
 * ResNet-8 (MLPerf Tiny image classification), from
 * ../shared/models/resnet8/resnet8.tflite: operators and their tensors by
 * `flatc --json --raw-binary --strict-json schema.fbs -- resnet8.tflite`
 * (flatbuffers-compiler 2.0.8, which needs the " (deprecated)" attribute
 * removed from ../shared/tflite/schema.fbs), sizes from the bytes column
 * of tensors.tsv in any case directory. Ops (step: op inputs -> output):
 *   0 CONV_2D 0->22, 1 CONV_2D 22->23, 2 CONV_2D 23->24, 3 ADD 22,24->25,
 *   4 CONV_2D 25->26, 5 CONV_2D 26->27, 6 CONV_2D 25->28, 7 ADD 28,27->29,
 *   8 CONV_2D 29->30, 9 CONV_2D 30->31, 10 CONV_2D 29->32,
 *   11 ADD 32,31->33, 12 AVERAGE_POOL_2D 33->34, 13 RESHAPE 34->35,
 *   14 FULLY_CONNECTED 35->36, 15 SOFTMAX 36->37.
 * The RESHAPE output aliases its input: tensors 34 and 35 are one buffer.
 * Weights and biases are constants, not activations. Bound: step 2 or 3,
 * three 16,384-byte tensors = 49,152.
 */
static const struct nnmem_planner_buf pg_resnet8[] = {
	{ 3072, 0, 0, 0 },	/* t0  input_1_int8 1x32x32x3 */
	{ 16384, 0, 3, 0 },	/* t22 conv2d 1x32x32x16 */
	{ 16384, 1, 2, 0 },	/* t23 conv2d_1 */
	{ 16384, 2, 3, 0 },	/* t24 conv2d_2 */
	{ 16384, 3, 6, 0 },	/* t25 add */
	{ 8192, 4, 5, 0 },	/* t26 conv2d_3 1x16x16x32 */
	{ 8192, 5, 7, 0 },	/* t27 conv2d_4 */
	{ 8192, 6, 7, 0 },	/* t28 conv2d_5 (1x1 shortcut) */
	{ 8192, 7, 10, 0 },	/* t29 add_1 */
	{ 4096, 8, 9, 0 },	/* t30 conv2d_6 1x8x8x64 */
	{ 4096, 9, 11, 0 },	/* t31 conv2d_7 */
	{ 4096, 10, 11, 0 },	/* t32 conv2d_8 (1x1 shortcut) */
	{ 4096, 11, 12, 0 },	/* t33 add_2 */
	{ 64, 12, 14, 0 },	/* t34 = t35 avg pool 1x1x1x64, reshaped 1x64 */
	{ 10, 14, 15, 0 },	/* t36 dense 1x10 */
	{ 10, 15, 15, 0 },	/* t37 softmax (graph output) */
};

/*
 * DS-CNN (MLPerf Tiny keyword spotting), int8 input 49x10x1 counted as an
 * activation: conv 10x4 stride 2 -> 25x5x64, four depthwise 3x3 +
 * pointwise 1x1 pairs at 25x5x64, average pool -> 1x1x64 (its reshape to
 * 64 is a view, one buffer), fully connected -> 12, softmax -> 12. Step j
 * is op j. Bound: two 8,000-byte tensors = 16,000.
 */
static const struct nnmem_planner_buf pg_dscnn[] = {
	{ 490, 0, 0, 0 },	/* input 49x10x1 */
	{ 8000, 0, 1, 0 },	/* conv 25x5x64 */
	{ 8000, 1, 2, 0 },	/* dw1 */
	{ 8000, 2, 3, 0 },	/* pw1 */
	{ 8000, 3, 4, 0 },	/* dw2 */
	{ 8000, 4, 5, 0 },	/* pw2 */
	{ 8000, 5, 6, 0 },	/* dw3 */
	{ 8000, 6, 7, 0 },	/* pw3 */
	{ 8000, 7, 8, 0 },	/* dw4 */
	{ 8000, 8, 9, 0 },	/* pw4 */
	{ 64, 9, 10, 0 },	/* avg pool 1x1x64 (= reshape 64) */
	{ 12, 10, 11, 0 },	/* fully connected 12 */
	{ 12, 11, 11, 0 },	/* softmax 12 (graph output) */
};

/*
 * MobileNet v1 alpha 0.25, 96x96x3 int8 input (MLPerf Tiny visual wake
 * words): conv 3x3 stride 2 -> 48x48x8, then 13 depthwise (stride
 * 1,2,1,2,1,2,1,1,1,1,1,2,1) + pointwise (16,32,32,64,64,128,128,128,128,
 * 128,128,256,256 channels) pairs, average pool -> 256 (reshape a view),
 * fully connected -> 2, softmax -> 2. Step j is op j. Bound: the first
 * pointwise, 48x48x8 in + 48x48x16 out = 18,432 + 36,864 = 55,296.
 */
static const struct nnmem_planner_buf pg_mobilenet_vww[] = {
	{ 27648, 0, 0, 0 },	/* input 96x96x3 */
	{ 18432, 0, 1, 0 },	/* conv 48x48x8 */
	{ 18432, 1, 2, 0 },	/* dw1 s1 48x48x8 */
	{ 36864, 2, 3, 0 },	/* pw1 48x48x16 */
	{ 9216, 3, 4, 0 },	/* dw2 s2 24x24x16 */
	{ 18432, 4, 5, 0 },	/* pw2 24x24x32 */
	{ 18432, 5, 6, 0 },	/* dw3 s1 24x24x32 */
	{ 18432, 6, 7, 0 },	/* pw3 24x24x32 */
	{ 4608, 7, 8, 0 },	/* dw4 s2 12x12x32 */
	{ 9216, 8, 9, 0 },	/* pw4 12x12x64 */
	{ 9216, 9, 10, 0 },	/* dw5 s1 12x12x64 */
	{ 9216, 10, 11, 0 },	/* pw5 12x12x64 */
	{ 2304, 11, 12, 0 },	/* dw6 s2 6x6x64 */
	{ 4608, 12, 13, 0 },	/* pw6 6x6x128 */
	{ 4608, 13, 14, 0 },	/* dw7 */
	{ 4608, 14, 15, 0 },	/* pw7 */
	{ 4608, 15, 16, 0 },	/* dw8 */
	{ 4608, 16, 17, 0 },	/* pw8 */
	{ 4608, 17, 18, 0 },	/* dw9 */
	{ 4608, 18, 19, 0 },	/* pw9 */
	{ 4608, 19, 20, 0 },	/* dw10 */
	{ 4608, 20, 21, 0 },	/* pw10 */
	{ 4608, 21, 22, 0 },	/* dw11 */
	{ 4608, 22, 23, 0 },	/* pw11 6x6x128 */
	{ 1152, 23, 24, 0 },	/* dw12 s2 3x3x128 */
	{ 2304, 24, 25, 0 },	/* pw12 3x3x256 */
	{ 2304, 25, 26, 0 },	/* dw13 s1 3x3x256 */
	{ 2304, 26, 27, 0 },	/* pw13 3x3x256 */
	{ 256, 27, 28, 0 },	/* avg pool 1x1x256 (= reshape 256) */
	{ 2, 28, 29, 0 },	/* fully connected 2 */
	{ 2, 29, 29, 0 },	/* softmax 2 (graph output) */
};

/*
 * Anomaly detection autoencoder (MLPerf Tiny AD), int8 input of 640
 * counted, fully connected 640->128->128->128->128->8->128->128->128->
 * 128->640, no quantize ops. Step j is op j. Bound: 640 + 128 = 768 at the
 * first and at the last layer.
 */
static const struct nnmem_planner_buf pg_autoencoder[] = {
	{ 640, 0, 0, 0 },	/* input 640 */
	{ 128, 0, 1, 0 },
	{ 128, 1, 2, 0 },
	{ 128, 2, 3, 0 },
	{ 128, 3, 4, 0 },
	{ 8, 4, 5, 0 },	/* bottleneck 8 */
	{ 128, 5, 6, 0 },
	{ 128, 6, 7, 0 },
	{ 128, 7, 8, 0 },
	{ 128, 8, 9, 0 },
	{ 640, 9, 9, 0 },	/* output 640 */
};

#endif /* __PLANNER_GRAPHS_H__ */
