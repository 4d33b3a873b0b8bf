// SPDX-License-Identifier: GPL-2.0
/*
 * The fast int8 kernels (driver/nnmem_fast*.c) against XNNPACK (Debian's
 * libxnnpack, its per-channel qc8 convolution and qs8 fully connected
 * operators) and against the reference kernels built as the kernel
 * module builds them (-O2, no SSE/AVX: nnmem_kernels_kflags.o): natively,
 * one thread, one process, on the shapes and ResNet-8's layers.
 * Every fast output is checked byte for byte against the reference.
 *
 *   fast_bench [SECS]     (seconds per measurement, default 0.3)
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
	const char *name;
	bool fc;
	u32 h, w, in_c, out_c, k, stride, pad_a, pad_b, groups;
};

/* pad_a: top/left, pad_b: bottom/right (TF SAME at stride 2: 0, 1) */
static const struct shape shapes[] = {
	{ "56x56x64 3x3 64->64", false, 56, 56, 64, 64, 3, 1, 1, 1, 1 },
	{ "28x28x128 3x3 128->128", false, 28, 28, 128, 128, 3, 1, 1, 1, 1 },
	{ "14x14x256 1x1 256->256", false, 14, 14, 256, 256, 1, 1, 0, 0, 1 },
	{ "dw 48x48x64 3x3", false, 48, 48, 64, 64, 3, 1, 1, 1, 64 },
	{ "rn8 conv1 32x32x3 3x3 ->16", false, 32, 32, 3, 16, 3, 1, 1, 1, 1 },
	{ "rn8 32x32x16 3x3 16->16", false, 32, 32, 16, 16, 3, 1, 1, 1, 1 },
	{ "rn8 32x32x16 3x3/2 16->32", false, 32, 32, 16, 32, 3, 2, 0, 1, 1 },
	{ "rn8 16x16x32 3x3 32->32", false, 16, 16, 32, 32, 3, 1, 1, 1, 1 },
	{ "rn8 32x32x16 1x1/2 16->32", false, 32, 32, 16, 32, 1, 2, 0, 0, 1 },
	{ "rn8 16x16x32 3x3/2 32->64", false, 16, 16, 32, 64, 3, 2, 0, 1, 1 },
	{ "rn8 8x8x64 3x3 64->64", false, 8, 8, 64, 64, 3, 1, 1, 1, 1 },
	{ "rn8 16x16x32 1x1/2 32->64", false, 16, 16, 32, 64, 1, 2, 0, 0, 1 },
	{ "rn8 FC 64->10", true, 1, 1, 64, 10, 1, 1, 0, 0, 1 },
	{ "FC 1x640->128 (AD)", true, 1, 1, 640, 128, 1, 1, 0, 0, 1 },
	{ "FC 64x1024->1024", true, 64, 1, 1024, 1024, 1, 1, 0, 0, 1 },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double secs = 0.3;

/* Runs @fn until @secs passed; the best of 3 rounds, in seconds per run. */
#define TIME_IT(expr) ({						\
	double __best = 1e30;						\
	int __r;							\
	for (__r = 0; __r < 3; __r++) {					\
		double __t0 = now(), __t;				\
		long __n = 0;						\
		do {							\
			expr;						\
			__n++;						\
			__t = now() - __t0;				\
		} while (__t < secs / 3);				\
		if (__t / __n < __best)					\
			__best = __t / __n;				\
	}								\
	__best;								\
})

static unsigned int rng = 12345;

static int8_t rnd8(void)
{
	rng = rng * 1103515245 + 12345;
	return (int8_t)(rng >> 16);
}

int main(int argc, char **argv)
{
	u32 levels = nnmem_fast_cpu_levels();
	int best = NNMEM_FAST_AUTO;
	unsigned int i;

	if (argc > 1)
		secs = atof(argv[1]);
	if (xnn_initialize(NULL) != xnn_status_success) {
		fprintf(stderr, "xnn_initialize failed\n");
		return 1;
	}
	printf("fast_bench: one thread; GMAC/s (MACs as the reference counts them); best of 3 x %.2f s\n",
	       secs / 3);
	printf("fast path: %s (CPU:%s%s)\n",
	       levels & (1U << NNMEM_FAST_AVX512) ? "avx512-vnni" :
	       levels & (1U << NNMEM_FAST_AVX2) ? "avx2" : "scalar",
	       levels & (1U << NNMEM_FAST_AVX2) ? " avx2" : "",
	       levels & (1U << NNMEM_FAST_AVX512) ? " avx512-vnni" : "");
	printf("| shape | MMAC | XNNPACK | fast avx512 | fast avx2 | fast scalar | reference (kernel flags) | best fast / XNNPACK | best fast / reference |\n");
	printf("|---|---|---|---|---|---|---|---|---|\n");

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *s = &shapes[i];
		struct nnmem_conv2d_params p = {
			.batch = 1, .in_h = s->h, .in_w = s->w, .in_c = s->in_c,
			.out_c = s->out_c, .k_h = s->k, .k_w = s->k,
			.groups = s->groups, .stride_h = s->stride,
			.stride_w = s->stride, .dilation_h = 1,
			.dilation_w = 1, .pad_top = s->pad_a,
			.pad_bottom = s->pad_b, .pad_left = s->pad_a,
			.pad_right = s->pad_b, .input_zero_point = -3,
			.output_zero_point = 5, .act_min = -128,
			.act_max = 127,
		};
		struct nnmem_fc_params fp = {
			.rows = s->h, .depth = s->in_c, .out_c = s->out_c,
			.channels = 1, .input_zero_point = -3,
			.output_zero_point = 5, .act_min = -128,
			.act_max = 127,
		};
		struct nnmem_conv2d_shape sh;
		struct nnmem_fast_plan plan;
		struct nnmem_fast_tensors w;
		double t_x, t_ref, t_l[NNMEM_FAST_LEVELS] = { 0 }, best_t;
		size_t in_n, f_n, out_n, j;
		int8_t *in, *filt, *ref, *out, *xout;
		int32_t *bias, *mult, *shift;
		float *kscale;
		xnn_operator_t op = NULL;
		enum xnn_status st;
		u64 macs;
		int l, mism = 0;
		unsigned int xdiff = 0;

		if (s->fc) {
			in_n = (size_t)fp.rows * fp.depth;
			f_n = (size_t)fp.out_c * fp.depth;
			out_n = (size_t)fp.rows * fp.out_c;
			nnmem_fc_validate(&fp, &macs);
		} else {
			nnmem_conv2d_shape_get(&p, &sh);
			in_n = sh.input_elems;
			f_n = sh.filter_elems;
			out_n = sh.output_elems;
			macs = sh.macs;
		}
		in = malloc(in_n);
		filt = malloc(f_n);
		ref = malloc(out_n);
		out = malloc(out_n);
		xout = malloc(out_n);
		bias = malloc(s->out_c * sizeof(*bias));
		mult = malloc(s->out_c * sizeof(*mult));
		shift = malloc(s->out_c * sizeof(*shift));
		kscale = malloc(s->out_c * sizeof(*kscale));
		for (j = 0; j < in_n; j++)
			in[j] = rnd8();
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
		w.filter = filt;
		w.bias = bias;
		w.multiplier = mult;
		w.shift = shift;

		/* the reference as the kernel builds it */
		if (s->fc) {
			struct nnmem_fc_tensors t = { in, filt, bias, mult,
						      shift, ref };

			t_ref = TIME_IT(nnmem_fc_run(&fp, &t, NULL));
		} else {
			struct nnmem_conv2d_tensors t = { in, filt, bias, mult,
							  shift, ref };

			t_ref = TIME_IT(nnmem_conv2d_run(&p, &t, NULL));
		}

		for (l = NNMEM_FAST_SCALAR; l < NNMEM_FAST_LEVELS; l++) {
			void *packed;

			if (!(levels & (1U << l)))
				continue;
			if (s->fc ? nnmem_fast_fc_plan(&fp, l, &plan) :
			    nnmem_fast_conv2d_plan(&p, l, &plan))
				return 1;
			packed = aligned_alloc(64, (plan.packed_bytes + 63) &
					       ~63ULL);
			if (!packed || nnmem_fast_pack(&plan, &w, packed))
				return 1;
			memset(out, 0, out_n);
			t_l[l] = TIME_IT(nnmem_fast_run(&plan, packed, &w, in,
							out, NULL, NULL));
			if (memcmp(out, ref, out_n))
				mism++;
			free(packed);
		}
		(void)best;

		/* XNNPACK */
		if (s->fc)
			st = xnn_create_fully_connected_nc_qs8(fp.depth,
				fp.out_c, fp.depth, fp.out_c, -3, 0.5f,
				kscale[0], filt, bias, 5, 1.0f, -128, 127, 0,
				&op);
		else
			st = xnn_create_convolution2d_nhwc_qc8(s->pad_a,
				s->pad_b, s->pad_b, s->pad_a, s->k, s->k,
				s->stride, s->stride, 1, 1, s->groups,
				s->in_c / s->groups, s->out_c / s->groups,
				s->in_c, s->out_c, -3, 0.5f, kscale, filt,
				bias, 5, 1.0f, -128, 127, 0, &op);
		if (st == xnn_status_success)
			st = s->fc ?
			     xnn_setup_fully_connected_nc_qs8(op, fp.rows, in,
							      xout, NULL) :
			     xnn_setup_convolution2d_nhwc_qc8(op, 1, s->h,
							      s->w, in, xout,
							      NULL);
		if (st != xnn_status_success) {
			fprintf(stderr, "%s: XNNPACK status %d\n", s->name, st);
			return 1;
		}
		t_x = TIME_IT(xnn_run_operator(op, NULL));
		xnn_delete_operator(op);
		for (j = 0; j < out_n; j++)
			if (xout[j] != ref[j])
				xdiff++;

		best_t = 1e30;
		for (l = NNMEM_FAST_SCALAR; l < NNMEM_FAST_LEVELS; l++)
			if (t_l[l] > 0 && t_l[l] < best_t)
				best_t = t_l[l];
#define G(t) ((t) > 0 ? macs / (t) * 1e-9 : 0.0)
		printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2fx | %.0fx |%s\n",
		       s->name, macs * 1e-6, G(t_x), G(t_l[NNMEM_FAST_AVX512]),
		       G(t_l[NNMEM_FAST_AVX2]), G(t_l[NNMEM_FAST_SCALAR]),
		       G(t_ref), t_x / best_t, t_ref / best_t,
		       mism ? " FAST != REFERENCE" : "");
		if (xdiff)
			printf("<!-- %s: XNNPACK differs from TFLite's rounding in %u of %zu outputs (float requantisation) -->\n",
			       s->name, xdiff, out_n);
		free(in);
		free(filt);
		free(ref);
		free(out);
		free(xout);
		free(bias);
		free(mult);
		free(shift);
		free(kscale);
		if (mism)
			return 1;
	}
	return 0;
}
