// SPDX-License-Identifier: GPL-2.0
/*
 * The fast int8 kernels (driver/nnmem_fast*.c) against XNNPACK (Debian's
 * libxnnpack, its per-channel qc8 convolution and qs8 fully connected
 * operators) and against the reference kernels built as the kernel
 * module builds them (-O2, no SSE/AVX: nnmem_kernels_kflags.o): natively,
 * one thread, one process, on the shapes and the layers of the
 * MLPerf Tiny models (ResNet-8, DS-CNN, MobileNet-VWW, the AD
 * autoencoder). The implementations take turns: ROUNDS rounds, each
 * running every one for SECS / ROUNDS seconds; the median round counts.
 * Every fast output is checked byte for byte against the reference.
 *
 *   fast_bench [SECS]     (seconds per implementation, default 0.3)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xnnpack.h>

#include "nnmem_fast.h"

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	fprintf(stderr, "WARN_ON(%s) at %s:%d\n", cond, file, line);
}

struct shape {
	const char *model;
	const char *name;
	bool fc;
	u32 h, w, in_c, out_c, kh, kw, stride;
	u32 pad_top, pad_bottom, pad_left, pad_right, groups;
};

/*
 * Square kernels; pad_a: top and left, pad_b: bottom and right (TF SAME:
 * 1, 1 for 3x3 at stride 1; 0, 1 at stride 2).
 */
#define CONV(m, n, h, w, c, oc, k, s, pa, pb) \
	{ m, n, false, h, w, c, oc, k, k, s, pa, pb, pa, pb, 1 }
#define DW(m, n, h, w, c, s, pa, pb) \
	{ m, n, false, h, w, c, c, 3, 3, s, pa, pb, pa, pb, c }
#define FC(m, n, rows, depth, oc) \
	{ m, n, true, rows, 1, depth, oc, 1, 1, 1, 0, 0, 0, 0, 1 }

/*
 * The shapes, then every distinct layer of MLPerf Tiny's ResNet-8
 * (../shared/models/README.md), and from the published architectures of
 * the other MLPerf Tiny models: DS-CNN (keyword spotting: 49x10 MFCC
 * input, a 10x4 stride-2 SAME conv to 64 channels, four blocks of a 3x3
 * depthwise conv and a 1x1 conv 64->64 at 25x5, FC 64->12; one of each
 * as the blocks are alike), MobileNetV1 0.25 at 96x96x3 (visual wake
 * words: its first conv, a depthwise and a pointwise layer at each
 * resolution, the classifier) and the anomaly detection autoencoder's
 * distinct fully connected layers.
 */
static const struct shape shapes[] = {
	CONV("issue", "56x56x64 3x3 64->64", 56, 56, 64, 64, 3, 1, 1, 1),
	CONV("issue", "28x28x128 3x3 128->128", 28, 28, 128, 128, 3, 1, 1, 1),
	CONV("issue", "14x14x256 1x1 256->256", 14, 14, 256, 256, 1, 1, 0, 0),
	DW("issue", "dw 48x48x64 3x3", 48, 48, 64, 1, 1, 1),
	FC("issue", "FC 64x1024->1024", 64, 1024, 1024),
	CONV("ResNet-8", "conv1 32x32x3 3x3 ->16", 32, 32, 3, 16, 3, 1, 1, 1),
	CONV("ResNet-8", "32x32x16 3x3 16->16", 32, 32, 16, 16, 3, 1, 1, 1),
	CONV("ResNet-8", "32x32x16 3x3/2 16->32", 32, 32, 16, 32, 3, 2, 0, 1),
	CONV("ResNet-8", "16x16x32 3x3 32->32", 16, 16, 32, 32, 3, 1, 1, 1),
	CONV("ResNet-8", "32x32x16 1x1/2 16->32", 32, 32, 16, 32, 1, 2, 0, 0),
	CONV("ResNet-8", "16x16x32 3x3/2 32->64", 16, 16, 32, 64, 3, 2, 0, 1),
	CONV("ResNet-8", "8x8x64 3x3 64->64", 8, 8, 64, 64, 3, 1, 1, 1),
	CONV("ResNet-8", "16x16x32 1x1/2 32->64", 16, 16, 32, 64, 1, 2, 0, 0),
	FC("ResNet-8", "FC 64->10", 1, 64, 10),
	/* SAME, stride 2: 49x10 -> 25x5, padding 4/5 rows, 1/1 columns */
	{ "DS-CNN", "conv1 49x10x1 10x4/2 ->64", false, 49, 10, 1, 64, 10, 4,
	  2, 4, 5, 1, 1, 1 },
	DW("DS-CNN", "dw 25x5x64 3x3", 25, 5, 64, 1, 1, 1),
	CONV("DS-CNN", "pw 25x5x64 1x1 64->64", 25, 5, 64, 64, 1, 1, 0, 0),
	FC("DS-CNN", "FC 64->12", 1, 64, 12),
	CONV("MobileNet-VWW", "conv1 96x96x3 3x3/2 ->8", 96, 96, 3, 8, 3, 2,
	     0, 1),
	DW("MobileNet-VWW", "dw 48x48x8 3x3", 48, 48, 8, 1, 1, 1),
	CONV("MobileNet-VWW", "pw 48x48x8 1x1 8->16", 48, 48, 8, 16, 1, 1, 0,
	     0),
	DW("MobileNet-VWW", "dw 48x48x16 3x3/2", 48, 48, 16, 2, 0, 1),
	CONV("MobileNet-VWW", "pw 24x24x16 1x1 16->32", 24, 24, 16, 32, 1, 1,
	     0, 0),
	DW("MobileNet-VWW", "dw 24x24x32 3x3", 24, 24, 32, 1, 1, 1),
	CONV("MobileNet-VWW", "pw 24x24x32 1x1 32->32", 24, 24, 32, 32, 1, 1,
	     0, 0),
	DW("MobileNet-VWW", "dw 12x12x64 3x3", 12, 12, 64, 1, 1, 1),
	CONV("MobileNet-VWW", "pw 12x12x64 1x1 64->64", 12, 12, 64, 64, 1, 1,
	     0, 0),
	DW("MobileNet-VWW", "dw 6x6x128 3x3", 6, 6, 128, 1, 1, 1),
	CONV("MobileNet-VWW", "pw 6x6x128 1x1 128->128", 6, 6, 128, 128, 1, 1,
	     0, 0),
	DW("MobileNet-VWW", "dw 3x3x256 3x3", 3, 3, 256, 1, 1, 1),
	CONV("MobileNet-VWW", "pw 3x3x256 1x1 256->256", 3, 3, 256, 256, 1, 1,
	     0, 0),
	FC("MobileNet-VWW", "FC 256->2", 1, 256, 2),
	FC("AD", "FC 640->128", 1, 640, 128),
	FC("AD", "FC 128->128", 1, 128, 128),
	FC("AD", "FC 128->8", 1, 128, 8),
	FC("AD", "FC 8->128", 1, 8, 128),
	FC("AD", "FC 128->640", 1, 128, 640),
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Seconds per implementation and shape, over ROUNDS interleaved rounds. */
static double secs = 0.3;
#define ROUNDS		5

static unsigned int rng = 12345;

static int8_t rnd8(void)
{
	rng = rng * 1103515245 + 12345;
	return (int8_t)(rng >> 16);
}

/* The implementations timed, in the order of a round. */
enum impl {
	IMPL_XNNPACK,
	IMPL_REF,
	IMPL_FAST,	/* + an nnmem_fast_level from NNMEM_FAST_SCALAR */
	IMPL_COUNT = IMPL_FAST + NNMEM_FAST_LEVELS - NNMEM_FAST_SCALAR,
};

/* One shape's data and operators. */
struct bench {
	const struct shape *s;
	struct nnmem_conv2d_params p;
	struct nnmem_fc_params fp;
	struct nnmem_fast_tensors w;
	struct nnmem_fast_plan plan[NNMEM_FAST_LEVELS];
	void *packed[NNMEM_FAST_LEVELS];
	xnn_operator_t op;
	int8_t *in, *ref, *out[NNMEM_FAST_LEVELS];
};

static int run_one(struct bench *b, int k)
{
	int l = k - IMPL_FAST + NNMEM_FAST_SCALAR;

	if (k == IMPL_XNNPACK)
		return xnn_run_operator(b->op, NULL) != xnn_status_success;
	if (k == IMPL_REF && b->s->fc) {
		struct nnmem_fc_tensors t = { b->in, b->w.filter, b->w.bias,
					      b->w.multiplier, b->w.shift,
					      b->ref };

		return nnmem_fc_run(&b->fp, &t, NULL);
	}
	if (k == IMPL_REF) {
		struct nnmem_conv2d_tensors t = { b->in, b->w.filter,
						  b->w.bias, b->w.multiplier,
						  b->w.shift, b->ref };

		return nnmem_conv2d_run(&b->p, &t, NULL);
	}
	return nnmem_fast_run(&b->plan[l], b->packed[l], &b->w, b->in,
			      b->out[l], NULL, NULL);
}

/* Runs implementation @k for about @t seconds: seconds per run. */
static double time_slice(struct bench *b, int k, double t)
{
	double t0 = now(), el;
	long n = 0;

	do {
		if (run_one(b, k)) {
			fprintf(stderr, "%s: implementation %d failed\n",
				b->s->name, k);
			exit(1);
		}
		n++;
		el = now() - t0;
	} while (el < t);
	return el / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	u32 levels = nnmem_fast_cpu_levels();
	unsigned int i, bad = 0;

	if (argc > 1)
		secs = atof(argv[1]);
	if (xnn_initialize(NULL) != xnn_status_success) {
		fprintf(stderr, "xnn_initialize failed\n");
		return 1;
	}
	printf("fast_bench: one thread; GMAC/s (MACs as the reference counts them); median of %d interleaved rounds of %.3f s each\n",
	       ROUNDS, secs / ROUNDS);
	printf("fast path: %s (CPU:%s%s)\n",
	       levels & (1U << NNMEM_FAST_AVX512) ? "avx512-vnni" :
	       levels & (1U << NNMEM_FAST_AVX2) ? "avx2" : "scalar",
	       levels & (1U << NNMEM_FAST_AVX2) ? " avx2" : "",
	       levels & (1U << NNMEM_FAST_AVX512) ? " avx512-vnni" : "");
	printf("| model | layer | MMAC | XNNPACK | fast avx512 | fast avx2 | fast scalar | reference (kernel flags) | best fast / XNNPACK | best fast / reference |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|\n");

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *s = &shapes[i];
		struct bench b = { .s = s };
		double samples[IMPL_COUNT][ROUNDS], t[IMPL_COUNT], best_t;
		size_t in_n, f_n, out_n, j;
		int8_t *filt, *xout;
		int32_t *bias, *mult, *shift;
		float *kscale;
		enum xnn_status st;
		bool have[IMPL_COUNT] = { false };
		char cell[NNMEM_FAST_LEVELS][32];
		u64 macs;
		int k, l, r, mism = 0;
		unsigned int xdiff = 0;

		b.p = (struct nnmem_conv2d_params){
			.batch = 1, .in_h = s->h, .in_w = s->w, .in_c = s->in_c,
			.out_c = s->out_c, .k_h = s->kh, .k_w = s->kw,
			.groups = s->groups, .stride_h = s->stride,
			.stride_w = s->stride, .dilation_h = 1,
			.dilation_w = 1, .pad_top = s->pad_top,
			.pad_bottom = s->pad_bottom, .pad_left = s->pad_left,
			.pad_right = s->pad_right, .input_zero_point = -3,
			.output_zero_point = 5, .act_min = -128,
			.act_max = 127,
		};
		b.fp = (struct nnmem_fc_params){
			.rows = s->h, .depth = s->in_c, .out_c = s->out_c,
			.channels = 1, .input_zero_point = -3,
			.output_zero_point = 5, .act_min = -128,
			.act_max = 127,
		};
		if (s->fc) {
			in_n = (size_t)b.fp.rows * b.fp.depth;
			f_n = (size_t)b.fp.out_c * b.fp.depth;
			out_n = (size_t)b.fp.rows * b.fp.out_c;
			if (nnmem_fc_validate(&b.fp, &macs)) {
				fprintf(stderr, "%s: invalid\n", s->name);
				return 1;
			}
		} else {
			struct nnmem_conv2d_shape sh;

			if (nnmem_conv2d_shape_get(&b.p, &sh)) {
				fprintf(stderr, "%s: invalid\n", s->name);
				return 1;
			}
			in_n = sh.input_elems;
			f_n = sh.filter_elems;
			out_n = sh.output_elems;
			macs = sh.macs;
		}
		b.in = malloc(in_n);
		filt = malloc(f_n);
		b.ref = malloc(out_n);
		xout = malloc(out_n);
		bias = malloc(s->out_c * sizeof(*bias));
		mult = malloc(s->out_c * sizeof(*mult));
		shift = malloc(s->out_c * sizeof(*shift));
		kscale = malloc(s->out_c * sizeof(*kscale));
		if (!b.in || !filt || !b.ref || !xout || !bias || !mult ||
		    !shift || !kscale) {
			free(b.in);
			free(filt);
			free(b.ref);
			free(xout);
			free(bias);
			free(mult);
			free(shift);
			free(kscale);
			return 1;
		}
		for (j = 0; j < in_n; j++)
			b.in[j] = rnd8();
		for (j = 0; j < f_n; j++)
			filt[j] = rnd8();
		for (j = 0; j < s->out_c; j++) {
			bias[j] = (int32_t)(rng % 20000) - 10000;
			rnd8();
			/* 0.5 * kscale / 1.0, kscale ~ 2^-9 .. 2^-8 */
			kscale[j] = (float)(1.0 / 512 * (1 + (rng % 256) / 256.0));
			rnd8();
			/* nnmem: scale = mult * 2^(shift - 31) */
			mult[j] = (int32_t)(kscale[j] * 512 * (1U << 30));
			shift[j] = -9;
		}
		b.w.filter = filt;
		b.w.bias = bias;
		b.w.multiplier = mult;
		b.w.shift = shift;
		have[IMPL_REF] = true;

		for (l = NNMEM_FAST_SCALAR; l < NNMEM_FAST_LEVELS; l++) {
			struct nnmem_fast_plan *pl = &b.plan[l];

			if (!(levels & (1U << l)))
				continue;
			if (s->fc ? nnmem_fast_fc_plan(&b.fp, l, pl) :
			    nnmem_fast_conv2d_plan(&b.p, l, pl))
				continue;
			b.packed[l] = aligned_alloc(NNMEM_FAST_ALIGN,
						    (pl->packed_bytes + 63) &
						    ~63ULL);
			b.out[l] = malloc(out_n);
			if (!b.packed[l] || !b.out[l] ||
			    nnmem_fast_pack(pl, &b.w, b.packed[l]))
				return 1;
			memset(b.out[l], 0, out_n);
			have[IMPL_FAST + l - NNMEM_FAST_SCALAR] = true;
		}

		/* XNNPACK: per-channel qc8 conv2d, per-tensor qs8 FC */
		if (s->fc)
			st = xnn_create_fully_connected_nc_qs8(b.fp.depth,
				b.fp.out_c, b.fp.depth, b.fp.out_c, -3, 0.5f,
				kscale[0], filt, bias, 5, 1.0f, -128, 127, 0,
				&b.op);
		else
			st = xnn_create_convolution2d_nhwc_qc8(s->pad_top,
				s->pad_right, s->pad_bottom, s->pad_left,
				s->kh, s->kw, s->stride, s->stride, 1, 1,
				s->groups, s->in_c / s->groups,
				s->out_c / s->groups, s->in_c, s->out_c, -3,
				0.5f, kscale, filt, bias, 5, 1.0f, -128, 127,
				0, &b.op);
		if (st == xnn_status_success)
			st = s->fc ?
			     xnn_setup_fully_connected_nc_qs8(b.op, b.fp.rows,
							      b.in, xout,
							      NULL) :
			     xnn_setup_convolution2d_nhwc_qc8(b.op, 1, s->h,
							      s->w, b.in, xout,
							      NULL);
		if (st != xnn_status_success) {
			fprintf(stderr, "%s: XNNPACK status %d\n", s->name, st);
			return 1;
		}
		have[IMPL_XNNPACK] = true;

		/* interleaved: XNNPACK, reference, each fast level; again */
		for (r = 0; r < ROUNDS; r++)
			for (k = 0; k < IMPL_COUNT; k++)
				if (have[k])
					samples[k][r] = time_slice(&b, k,
								secs / ROUNDS);
		best_t = 1e30;
		for (k = 0; k < IMPL_COUNT; k++) {
			t[k] = 0;
			if (!have[k])
				continue;
			qsort(samples[k], ROUNDS, sizeof(double), cmp_double);
			t[k] = samples[k][ROUNDS / 2];
			if (k >= IMPL_FAST && t[k] < best_t)
				best_t = t[k];
		}

		/* every fast output byte for byte against the reference's */
		for (l = NNMEM_FAST_SCALAR; l < NNMEM_FAST_LEVELS; l++)
			if (b.out[l] && memcmp(b.out[l], b.ref, out_n))
				mism++;
		for (j = 0; j < out_n; j++)
			if (xout[j] != b.ref[j])
				xdiff++;

#define G(t) ((t) > 0 ? macs / (t) * 1e-9 : 0.0)
		for (l = NNMEM_FAST_SCALAR; l < NNMEM_FAST_LEVELS; l++) {
			k = IMPL_FAST + l - NNMEM_FAST_SCALAR;
			if (have[k])
				snprintf(cell[l], sizeof(cell[l]), "%.1f",
					 G(t[k]));
			else
				snprintf(cell[l], sizeof(cell[l]), "-");
		}
		printf("| %s | %s | %.2f | %.1f | %s | %s | %s | %.2f | %.2fx | %.0fx |%s\n",
		       s->model, s->name, macs * 1e-6, G(t[IMPL_XNNPACK]),
		       cell[NNMEM_FAST_AVX512], cell[NNMEM_FAST_AVX2],
		       cell[NNMEM_FAST_SCALAR], G(t[IMPL_REF]),
		       t[IMPL_XNNPACK] / best_t, t[IMPL_REF] / best_t,
		       mism ? " FAST != REFERENCE" : "");
		if (xdiff)
			printf("<!-- %s %s: XNNPACK differs from TFLite's rounding in %u of %zu outputs (float requantisation) -->\n",
			       s->model, s->name, xdiff, out_n);
		fflush(stdout);
		xnn_delete_operator(b.op);
		for (l = 0; l < NNMEM_FAST_LEVELS; l++) {
			free(b.packed[l]);
			free(b.out[l]);
		}
		free(b.in);
		free(filt);
		free(b.ref);
		free(xout);
		free(bias);
		free(mult);
		free(shift);
		free(kscale);
		if (mism)
			bad++;
	}
	if (bad)
		fprintf(stderr, "fast_bench: %u shape(s) with a fast output other than the reference's\n",
			bad);
	return bad ? 1 : 0;
}
