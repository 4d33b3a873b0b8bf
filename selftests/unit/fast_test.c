// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the fast int8 kernels (driver/nnmem_fast*.c) under
 * ASan/UBSan. Oracles, independent of the code under test:
 *  - the reference kernels (driver/nnmem_kernels.c: nnmem_conv2d_run(),
 *    nnmem_fc_run()), themselves checked against TFLite's vectors by
 *    kernels_test: every fast level must give their bytes exactly, on
 *    >= 10,000 random conv2d / depthwise / fully connected configurations;
 *  - TFLite Micro's own tensors of ResNet-8
 *    (../shared/models/resnet8/gradient/tensor<N>.bin): the model's convs
 *    and its fully connected layer, imported by userspace/lib/nnmem_tflite.c,
 *    run through every fast level.
 * Each SIMD level the CPU lacks is a TAP "# SKIP", never a pass.
 *
 *   fast_test [MODEL_DIR [SEED [CONFIGS]]]
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnmem/tflite.h>

#include "nnmem_fast.h"
#include "tap.h"

static unsigned long warnings;

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	printf("# WARN_ON(%s) at %s:%d\n", cond, file, line);
	warnings++;
}

static const char *model_dir = "../../../shared/models/resnet8";
static unsigned long long seed = 1;
static unsigned int nconfigs = 10000;
static int tap_num, tap_failed;

static const char *const level_name[NNMEM_FAST_LEVELS] = {
	"reference", "scalar", "avx2", "avx512-vnni",
};

static void tap(int ok, const char *skip, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tap(int ok, const char *skip, const char *fmt, ...)
{
	va_list ap;

	tap_num++;
	if (!ok)
		tap_failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", tap_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (skip)
		printf(" # SKIP %s", skip);
	printf("\n");
}

/* ------------------------------------------------------------ random */

static unsigned long long rng_state;

static uint32_t rnd(void)
{
	/* splitmix64 */
	unsigned long long z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* uniform in [lo, hi] */
static int32_t rnd_in(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

/* a zero point or s8 value, the extremes often */
static int32_t rnd_s8x(void)
{
	switch (rnd() % 6) {
	case 0:
		return -128;
	case 1:
		return 127;
	default:
		return rnd_in(-128, 127);
	}
}

static int32_t rnd_shift(void)
{
	switch (rnd() % 6) {
	case 0:
		return -31;
	case 1:
		return 30;
	case 2:
		return rnd_in(-31, 30);
	default:
		return rnd_in(-12, 2);
	}
}

static int32_t rnd_mult(void)
{
	switch (rnd() % 10) {
	case 0:
		return (int32_t)rnd_in(0, 3);	/* underflows to 0 */
	case 1:
		return INT32_MIN;
	case 2:
		return INT32_MAX;
	case 3:
		return (int32_t)rnd();		/* any, negative too */
	default:
		return (int32_t)(0x40000000U + (rnd() & 0x3fffffff));
	}
}

static int32_t rnd_bias(void)
{
	switch (rnd() % 6) {
	case 0:
		return (int32_t)rnd();
	case 1:
		return INT32_MIN;
	default:
		return rnd_in(-20000, 20000);
	}
}

/* ------------------------------------------------------------ one case */

struct fcase {
	bool fc;
	struct nnmem_conv2d_params p;
	struct nnmem_fc_params f;
	uint64_t in_n, w_n, out_n, q_n;
	int8_t *in, *w, *ref, *got;
	int32_t *bias, *mult, *shift;
	bool has_bias;
};

static void fcase_free(struct fcase *c)
{
	free(c->in);
	free(c->w);
	free(c->ref);
	free(c->got);
	free(c->bias);
	free(c->mult);
	free(c->shift);
}

static void fill_s8(int8_t *v, uint64_t n, int mode, int32_t zp)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		switch (mode) {
		case 0:
			v[i] = (int8_t)rnd_in(-128, 127);
			break;
		case 1:
			v[i] = (int8_t)rnd_s8x();
			break;
		case 2:
			v[i] = (int8_t)zp;	/* accumulator = bias */
			break;
		default:
			v[i] = (int8_t)(rnd() & 1 ? -128 : 127);
			break;
		}
	}
}

/* A random conv2d (dense, grouped, depthwise) or fully connected layer. */
static void fcase_random(struct fcase *c)
{
	struct nnmem_conv2d_params *p = &c->p;
	struct nnmem_conv2d_shape s;
	uint32_t kind, g, cpg, opg;
	int32_t a, b;
	uint64_t i;

	memset(c, 0, sizeof(*c));
	kind = rnd() % 8;
	if (kind == 7) {
		struct nnmem_fc_params *f = &c->f;

		c->fc = true;
		f->rows = (uint32_t)rnd_in(1, 9);
		f->depth = (uint32_t)rnd_in(1, rnd() % 4 ? 40 : 300);
		f->out_c = (uint32_t)rnd_in(1, rnd() % 4 ? 40 : 140);
		f->channels = rnd() & 1 ? 1 : f->out_c;
		f->input_zero_point = rnd_s8x();
		f->output_zero_point = rnd_s8x();
		a = rnd_s8x();
		b = rnd_s8x();
		f->act_min = a < b ? a : b;
		f->act_max = a < b ? b : a;
		c->in_n = (uint64_t)f->rows * f->depth;
		c->w_n = (uint64_t)f->out_c * f->depth;
		c->out_n = (uint64_t)f->rows * f->out_c;
		c->q_n = f->channels;
	} else {
		do {
			memset(p, 0, sizeof(*p));
			p->batch = rnd() % 4 ? 1 : 2;
			p->k_h = (uint32_t)rnd_in(1, 4);
			p->k_w = rnd() % 3 ? p->k_h : (uint32_t)rnd_in(1, 4);
			if (kind == 0) {		/* 1x1 */
				p->k_h = 1;
				p->k_w = 1;
			} else if (kind == 1) {		/* 3x3 */
				p->k_h = 3;
				p->k_w = 3;
			}
			p->in_h = (uint32_t)rnd_in(1, 9);
			p->in_w = (uint32_t)rnd_in(1, 9);
			p->stride_h = (uint32_t)rnd_in(1, 3);
			p->stride_w = rnd() % 3 ? p->stride_h :
				      (uint32_t)rnd_in(1, 3);
			p->dilation_h = rnd() % 3 ? 1 : (uint32_t)rnd_in(1, 3);
			p->dilation_w = rnd() % 3 ? p->dilation_h :
					(uint32_t)rnd_in(1, 3);
			p->pad_top = (uint32_t)rnd_in(0, (int32_t)p->k_h);
			p->pad_bottom = (uint32_t)rnd_in(0, (int32_t)p->k_h);
			p->pad_left = (uint32_t)rnd_in(0, (int32_t)p->k_w);
			p->pad_right = (uint32_t)rnd_in(0, (int32_t)p->k_w);
			switch (kind) {
			case 4:		/* depthwise, multiplier 1 */
				g = (uint32_t)rnd_in(1, rnd() % 4 ? 40 : 70);
				cpg = 1;
				opg = 1;
				break;
			case 5:		/* depthwise with a multiplier */
				g = (uint32_t)rnd_in(1, 20);
				cpg = 1;
				opg = (uint32_t)rnd_in(2, 5);
				break;
			case 6:		/* grouped */
				g = (uint32_t)rnd_in(2, 5);
				cpg = (uint32_t)rnd_in(1, 9);
				opg = (uint32_t)rnd_in(1, 20);
				break;
			default:	/* dense */
				g = 1;
				cpg = (uint32_t)rnd_in(1, rnd() % 4 ? 24 : 70);
				opg = (uint32_t)rnd_in(1, rnd() % 4 ? 24 : 140);
				break;
			}
			p->groups = g;
			p->in_c = g * cpg;
			p->out_c = g * opg;
			p->input_zero_point = rnd_s8x();
			p->output_zero_point = rnd_s8x();
			a = rnd_s8x();
			b = rnd_s8x();
			p->act_min = a < b ? a : b;
			p->act_max = a < b ? b : a;
		} while (nnmem_conv2d_shape_get(p, &s) ||
			 s.macs > 3000000);
		c->in_n = s.input_elems;
		c->w_n = s.filter_elems;
		c->out_n = s.output_elems;
		c->q_n = p->out_c;
	}
	/* exact sizes, so that ASan sees any read past the end */
	c->in = malloc(c->in_n);
	c->w = malloc(c->w_n);
	c->ref = malloc(c->out_n);
	c->got = malloc(c->out_n);
	c->has_bias = rnd() % 5 != 0;
	c->bias = malloc((c->fc ? c->f.out_c : c->p.out_c) * sizeof(int32_t));
	c->mult = malloc(c->q_n * sizeof(int32_t));
	c->shift = malloc(c->q_n * sizeof(int32_t));
	fill_s8(c->in, c->in_n, rnd() % 8 ? (int)(rnd() % 2) : (int)(rnd() % 4),
		c->fc ? c->f.input_zero_point : c->p.input_zero_point);
	fill_s8(c->w, c->w_n, rnd() % 8 ? 0 : (int)(rnd() % 4 == 2 ? 3 : 1),
		0);
	for (i = 0; i < (c->fc ? c->f.out_c : c->p.out_c); i++)
		c->bias[i] = rnd_bias();
	for (i = 0; i < c->q_n; i++) {
		c->mult[i] = rnd_mult();
		c->shift[i] = rnd_shift();
	}
}

static int fcase_ref(struct fcase *c)
{
	if (c->fc) {
		struct nnmem_fc_tensors t = {
			.input = c->in, .filter = c->w,
			.bias = c->has_bias ? c->bias : NULL,
			.multiplier = c->mult, .shift = c->shift,
			.output = c->ref,
		};

		return nnmem_fc_run(&c->f, &t, NULL);
	} else {
		struct nnmem_conv2d_tensors t = {
			.input = c->in, .filter = c->w,
			.bias = c->has_bias ? c->bias : NULL,
			.multiplier = c->mult, .shift = c->shift,
			.output = c->ref,
		};

		return nnmem_conv2d_run(&c->p, &t, NULL);
	}
}

struct meter {
	uint64_t last, total, budget, calls, worst;
	int bad;
};

static int meter_fn(void *ctx, u64 done, u64 total)
{
	struct meter *m = ctx;

	if (done < m->last || total != m->total)
		m->bad = 1;
	if (done - m->last > m->worst)
		m->worst = done - m->last;
	m->last = done;
	m->calls++;
	return 0;
}

static void print_case(const struct fcase *c)
{
	const struct nnmem_conv2d_params *p = &c->p;

	if (c->fc) {
		printf("# fc rows %u depth %u out_c %u channels %u zp %d/%d act [%d, %d]\n",
		       c->f.rows, c->f.depth, c->f.out_c, c->f.channels,
		       c->f.input_zero_point, c->f.output_zero_point,
		       c->f.act_min, c->f.act_max);
		return;
	}
	printf("# conv n %u in %ux%ux%u out_c %u k %ux%u groups %u stride %u,%u dil %u,%u pad %u,%u,%u,%u zp %d/%d act [%d, %d]\n",
	       p->batch, p->in_h, p->in_w, p->in_c, p->out_c, p->k_h, p->k_w,
	       p->groups, p->stride_h, p->stride_w, p->dilation_h,
	       p->dilation_w, p->pad_top, p->pad_bottom, p->pad_left,
	       p->pad_right, p->input_zero_point, p->output_zero_point,
	       p->act_min, p->act_max);
}

/*
 * The case on @level: plan, pack, run unmetered and metered with a small
 * random budget; both must equal the reference byte for byte. Return: 0,
 * or -1 with a diagnostic.
 */
static int fcase_level(struct fcase *c, int level, uint64_t *chunked)
{
	struct nnmem_fast_tensors w = {
		.filter = c->w, .bias = c->has_bias ? c->bias : NULL,
		.multiplier = c->mult, .shift = c->shift,
	};
	struct nnmem_fast_plan plan;
	struct meter m = { 0 };
	struct nnmem_kernel_progress prog = { meter_fn, &m, 0 };
	void *packed = NULL;
	uint64_t i;
	int ret, pass;

	ret = c->fc ? nnmem_fast_fc_plan(&c->f, level, &plan) :
		      nnmem_fast_conv2d_plan(&c->p, level, &plan);
	if (ret) {
		printf("# plan: %d\n", ret);
		return -1;
	}
	if (plan.level != (u32)level) {
		printf("# plan level %u, not %d\n", plan.level, level);
		return -1;
	}
	if (plan.packed_bytes) {
		packed = aligned_alloc(64, (plan.packed_bytes + 63) & ~63ULL);
		if (!packed)
			return -1;
	}
	ret = nnmem_fast_pack(&plan, &w, packed);
	for (pass = 0; !ret && pass < 2; pass++) {
		memset(c->got, 0x5a, c->out_n);
		if (pass == 1) {
			m.total = plan.macs;
			prog.budget = (uint64_t)rnd_in(1, 40000);
			m.budget = prog.budget;
		}
		ret = nnmem_fast_run(&plan, packed, &w, c->in, c->got,
				     pass ? &prog : NULL, NULL);
		if (ret)
			break;
		for (i = 0; i < c->out_n; i++)
			if (c->got[i] != c->ref[i])
				break;
		if (i < c->out_n) {
			printf("# %s%s: output %llu is %d, reference %d\n",
			       level_name[level], pass ? " (metered)" : "",
			       (unsigned long long)i, c->got[i], c->ref[i]);
			ret = -1;
		}
		if (pass == 1 && !ret) {
			/* every MAC charged, at most 2 budgets apart */
			if (m.bad || m.last > plan.macs ||
			    (m.calls && m.worst >= 2 * m.budget &&
			     m.worst > m.budget + NNMEM_CONV2D_DIM_MAX)) {
				printf("# metering: calls %llu last %llu of %llu worst %llu budget %llu\n",
				       (unsigned long long)m.calls,
				       (unsigned long long)m.last,
				       (unsigned long long)plan.macs,
				       (unsigned long long)m.worst,
				       (unsigned long long)m.budget);
				ret = -1;
			}
			*chunked += m.calls;
		}
	}
	free(packed);
	if (ret)
		printf("# %s: ret %d\n", level_name[level], ret);
	return ret ? -1 : 0;
}

/*
 * The differential test: nconfigs random cases, each on every level the
 * CPU has, against the reference. One TAP line per level.
 */
static void test_differential(void)
{
	u32 levels = nnmem_fast_cpu_levels();
	unsigned int fails[NNMEM_FAST_LEVELS] = { 0 };
	unsigned int kinds[8] = { 0 }, n, l;
	uint64_t chunked[NNMEM_FAST_LEVELS] = { 0 };
	struct fcase c;

	rng_state = seed;
	for (n = 0; n < nconfigs; n++) {
		fcase_random(&c);
		kinds[c.fc ? 7 : c.p.groups == 1 ? 0 :
		      c.p.groups == c.p.in_c ?
		      (c.p.out_c == c.p.in_c ? 1 : 2) : 3]++;
		if (fcase_ref(&c)) {
			print_case(&c);
			fails[0]++;
		}
		for (l = NNMEM_FAST_SCALAR; l < NNMEM_FAST_LEVELS; l++) {
			if (!(levels & (1U << l)))
				continue;
			if (fcase_level(&c, (int)l, &chunked[l])) {
				if (fails[l]++ < 5)
					print_case(&c);
			}
		}
		fcase_free(&c);
	}
	printf("# seed %llu: %u configs: %u dense, %u depthwise, %u depthwise with multiplier, %u grouped, %u fully connected\n",
	       seed, nconfigs, kinds[0], kinds[1], kinds[2], kinds[3],
	       kinds[7]);
	tap(!fails[0], NULL, "reference kernels accept all %u configs",
	    nconfigs);
	for (l = NNMEM_FAST_SCALAR; l < NNMEM_FAST_LEVELS; l++) {
		if (!(levels & (1U << l))) {
			tap(1, "the CPU lacks it",
			    "%s == reference, %u random configs",
			    level_name[l], nconfigs);
			continue;
		}
		printf("# %s: %u mismatching configs, %llu progress calls\n",
		       level_name[l], fails[l],
		       (unsigned long long)chunked[l]);
		tap(!fails[l], NULL, "%s == reference, %u random configs",
		    level_name[l], nconfigs);
	}
}

/* ------------------------------------------------- hand-derived cases */

/*
 * One pixel, one channel, input equal to its zero point: the accumulator
 * is the bias. Bias S32_MIN, shift 0, multiplier S32_MIN: gemmlowp's one
 * saturating case gives S32_MAX, so 127 after the clamp; multiplier
 * 2^30 (a half) and shift -31 give round(S32_MIN / 2^32) = -1 (ties
 * away from zero: -0.5 -> -1), so zero point 3 makes 2.
 */
static int test_saturation(void)
{
	struct nnmem_conv2d_params p = {
		.batch = 1, .in_h = 1, .in_w = 1, .in_c = 5, .out_c = 2,
		.k_h = 1, .k_w = 1, .groups = 1, .stride_h = 1,
		.stride_w = 1, .dilation_h = 1, .dilation_w = 1,
		.input_zero_point = -7, .output_zero_point = 3,
		.act_min = -128, .act_max = 127,
	};
	static const int8_t in[5] = { -7, -7, -7, -7, -7 };
	static const int8_t filt[10] = { 1, -2, 3, 127, -128,
					 -128, 127, 5, 6, 7 };
	static const int32_t bias[2] = { INT32_MIN, INT32_MIN };
	static const int32_t mult[2] = { INT32_MIN, 1 << 30 };
	static const int32_t shift[2] = { 0, -31 };
	struct nnmem_fast_tensors w = { filt, bias, mult, shift };
	u32 levels = nnmem_fast_cpu_levels();
	struct nnmem_fast_plan plan;
	int8_t out[2];
	void *packed;
	int l;

	for (l = NNMEM_FAST_SCALAR; l < NNMEM_FAST_LEVELS; l++) {
		if (!(levels & (1U << l)))
			continue;
		CHECK_OK(nnmem_fast_conv2d_plan(&p, l, &plan));
		packed = aligned_alloc(64, (plan.packed_bytes + 63) & ~63ULL);
		CHECK(packed);
		CHECK_OK(nnmem_fast_pack(&plan, &w, packed));
		CHECK_OK(nnmem_fast_run(&plan, packed, &w, in, out, NULL,
					NULL));
		free(packed);
		CHECK_RET(out[0], 127);
		CHECK_RET(out[1], 2);
	}
	return 0;
}

static int abort_fn(void *ctx, u64 done, u64 total)
{
	(void)total;
	*(u64 *)ctx = done;
	return -ECANCELED;
}

struct env_count {
	int begins, ends, refuse_at;
};

static int go_fn(void *ctx, u64 done, u64 total)
{
	(void)ctx;
	(void)done;
	(void)total;
	return 0;
}

static bool env_begin(void *ctx)
{
	struct env_count *e = ctx;

	if (e->begins == e->refuse_at)
		return false;
	e->begins++;
	return true;
}

static void env_end(void *ctx)
{
	((struct env_count *)ctx)->ends++;
}

/*
 * The hook's error stops a run after its first chunk; SIMD sections are
 * bracketed, one per chunk; a refused section finishes on the reference.
 */
static int test_abort_and_env(void)
{
	struct nnmem_conv2d_params p = {
		.batch = 1, .in_h = 12, .in_w = 12, .in_c = 16, .out_c = 32,
		.k_h = 3, .k_w = 3, .groups = 1, .stride_h = 1,
		.stride_w = 1, .dilation_h = 1, .dilation_w = 1,
		.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1,
		.input_zero_point = 5, .output_zero_point = -3,
		.act_min = -128, .act_max = 127,
	};
	int8_t in[12 * 12 * 16], filt[32 * 9 * 16], ref[12 * 12 * 32];
	int8_t out[12 * 12 * 32];
	int32_t bias[32], mult[32], shift[32];
	struct nnmem_fast_tensors w = { filt, bias, mult, shift };
	struct nnmem_conv2d_tensors t = { in, filt, bias, mult, shift, ref };
	u32 levels = nnmem_fast_cpu_levels();
	u64 done = 0;
	struct nnmem_kernel_progress prog = { abort_fn, &done, 4096 };
	struct nnmem_kernel_progress go = { go_fn, NULL, 16384 };
	struct env_count e;
	u32 ran = NNMEM_FAST_LEVELS;
	struct nnmem_fast_env env = { env_begin, env_end, &e, &ran };
	struct nnmem_fast_plan plan;
	void *packed;
	unsigned int i;
	int l;

	rng_state = 77;
	fill_s8(in, sizeof(in), 0, 0);
	fill_s8(filt, sizeof(filt), 0, 0);
	for (i = 0; i < 32; i++) {
		bias[i] = rnd_in(-5000, 5000);
		mult[i] = 0x50000000 + rnd_in(0, 1 << 20);
		shift[i] = -8;
	}
	CHECK_OK(nnmem_conv2d_run(&p, &t, NULL));
	for (l = NNMEM_FAST_SCALAR; l < NNMEM_FAST_LEVELS; l++) {
		if (!(levels & (1U << l)))
			continue;
		CHECK_OK(nnmem_fast_conv2d_plan(&p, l, &plan));
		packed = aligned_alloc(64, (plan.packed_bytes + 63) & ~63ULL);
		CHECK(packed);
		CHECK_OK(nnmem_fast_pack(&plan, &w, packed));
		/* 4096 MACs: 9 * 16 * nr per column; some chunks, then stop */
		memset(out, 0, sizeof(out));
		CHECK_RET(nnmem_fast_run(&plan, packed, &w, in, out, &prog,
					 NULL), -ECANCELED);
		CHECK(done >= 4096 && done < 2 * 4096);
		CHECK(memcmp(out, ref, sizeof(out)) != 0);
		/* sections: balanced, one per chunk */
		memset(&e, 0, sizeof(e));
		e.refuse_at = -1;
		memset(out, 0, sizeof(out));
		CHECK_OK(nnmem_fast_run(&plan, packed, &w, in, out, NULL,
					&env));
		CHECK(!memcmp(out, ref, sizeof(out)));
		CHECK_EQ(ran, (u32)l);	/* the path says it ran */
		if (l > NNMEM_FAST_SCALAR) {
			CHECK(e.begins >= 1);
			CHECK_EQ(e.begins, e.ends);
		} else {
			CHECK_EQ(e.begins, 0);	/* no SIMD, no section */
		}
		/* the second section refused: the reference finishes */
		memset(&e, 0, sizeof(e));
		e.refuse_at = 1;
		memset(out, 0, sizeof(out));
		p.out_c = 32;
		/* chunks of 16 Ki MACs, so that there is a second section */
		CHECK_OK(nnmem_fast_run(&plan, packed, &w, in, out, &go,
					&env));
		CHECK(!memcmp(out, ref, sizeof(out)));
		/* a refused section: the reference computed it */
		CHECK_EQ(ran, (l > NNMEM_FAST_SCALAR ? (u32)NNMEM_FAST_REF :
						      (u32)l));
		CHECK_EQ(e.begins, (l > NNMEM_FAST_SCALAR ? 1 : 0));
		free(packed);
	}
	return 0;
}

/* ------------------------------------------------------------ resnet8 */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n ? (size_t)n : 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

struct lowered {
	struct nnmem_tflite_model *m;
	struct nnmem_tflite_place *place;
	struct nnmem_tensor *tensors;
	struct nnmem_node *nodes;
};

static void lowered_free(struct lowered *l)
{
	nnmem_tflite_free(l->m);
	free(l->place);
	free(l->tensors);
	free(l->nodes);
}

/* Weights in region 1, activations in region 2, 16-aligned. */
static int lower(const uint8_t *buf, size_t len, struct lowered *l)
{
	char err[NNMEM_TFLITE_ERR_LEN];
	uint64_t off[3] = { 0, 0, 0 };
	unsigned int i;
	int ret;

	memset(l, 0, sizeof(*l));
	ret = nnmem_tflite_parse(buf, len, &l->m, err, sizeof(err));
	if (ret) {
		printf("# %s\n", err);
		return ret;
	}
	l->place = calloc(l->m->all_tensor_count, sizeof(*l->place));
	l->tensors = calloc(l->m->graph_tensor_count, sizeof(*l->tensors));
	l->nodes = calloc(l->m->node_count, sizeof(*l->nodes));
	if (!l->place || !l->tensors || !l->nodes)
		return -ENOMEM;
	for (i = 0; i < l->m->all_tensor_count; i++) {
		const struct nnmem_tflite_tensor *t = &l->m->tensors[i];
		unsigned int r;

		if (!(t->flags & NNMEM_TFLITE_T_PLACED))
			continue;
		r = t->flags & (NNMEM_TFLITE_T_CONST | NNMEM_TFLITE_T_DERIVED) ?
		    1 : 2;
		l->place[i].handle = r;
		l->place[i].offset = off[r];
		off[r] += (t->bytes + 15) & ~15ULL;
	}
	ret = nnmem_tflite_lower(l->m, l->place, l->tensors, l->nodes, err,
				 sizeof(err));
	if (ret)
		printf("# %s\n", err);
	return ret;
}

static uint32_t model_index(const struct nnmem_tflite_model *m, uint32_t g)
{
	uint32_t i;

	for (i = 0; i < m->all_tensor_count; i++)
		if (m->tensors[i].graph_index == g)
			return i;
	return NNMEM_TFLITE_NONE;
}

/* Graph tensor @g: TFLM's tensor<N>.bin, or a derived one. */
static void *graph_bytes(const struct lowered *l, uint32_t g)
{
	uint32_t i = model_index(l->m, g);
	const struct nnmem_tflite_tensor *t = &l->m->tensors[i];
	char path[512];
	size_t len;
	void *buf;

	if (!(t->flags & NNMEM_TFLITE_T_DERIVED)) {
		snprintf(path, sizeof(path), "%s/gradient/tensor%u.bin",
			 model_dir, i);
		return read_file(path, &len);
	}
	buf = malloc(t->bytes);
	if (buf && nnmem_tflite_tensor_fill(l->m, i, buf, t->bytes)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* One ResNet-8 node on @level; compared with TFLM's output tensor. */
static int resnet8_node(const struct lowered *l, const struct nnmem_node *nd,
			int level)
{
	struct nnmem_fast_plan plan;
	struct nnmem_fast_tensors w;
	uint32_t gin, gf, gb, gm, gs, gout, oi;
	void *in, *filt, *bias = NULL, *mult, *shift, *want, *packed = NULL;
	int8_t *got;
	uint64_t bytes;
	int ret;

	if (nd->op == NNMEM_OP_CONV2D) {
		const struct nnmem_conv2d *c = &nd->conv2d;
		const struct nnmem_tensor *ti = &l->tensors[c->input];
		const struct nnmem_tensor *tf = &l->tensors[c->filter];
		struct nnmem_conv2d_params p = {
			.batch = ti->dims[0], .in_h = ti->dims[1],
			.in_w = ti->dims[2], .in_c = ti->dims[3],
			.out_c = tf->dims[0], .k_h = tf->dims[1],
			.k_w = tf->dims[2], .groups = c->groups,
			.stride_h = c->stride_h, .stride_w = c->stride_w,
			.dilation_h = c->dilation_h,
			.dilation_w = c->dilation_w,
			.pad_top = c->pad_top, .pad_bottom = c->pad_bottom,
			.pad_left = c->pad_left, .pad_right = c->pad_right,
			.input_zero_point = ti->zero_point,
			.output_zero_point = l->tensors[c->output].zero_point,
			.act_min = c->act_min, .act_max = c->act_max,
		};

		gin = c->input;
		gf = c->filter;
		gb = c->bias;
		gm = c->multiplier;
		gs = c->shift;
		gout = c->output;
		ret = nnmem_fast_conv2d_plan(&p, level, &plan);
	} else {
		const struct nnmem_fully_connected *c = &nd->fully_connected;
		const struct nnmem_tensor *tf = &l->tensors[c->filter];
		struct nnmem_fc_params p = {
			.depth = tf->dims[1], .out_c = tf->dims[0],
			.input_zero_point = l->tensors[c->input].zero_point,
			.output_zero_point = l->tensors[c->output].zero_point,
			.act_min = c->act_min, .act_max = c->act_max,
		};

		p.rows = (uint32_t)(nnmem_shape_tensor_elems(
				&l->tensors[c->input]) / p.depth);
		p.channels = l->tensors[c->multiplier].dims[0];
		gin = c->input;
		gf = c->filter;
		gb = c->bias;
		gm = c->multiplier;
		gs = c->shift;
		gout = c->output;
		ret = nnmem_fast_fc_plan(&p, level, &plan);
	}
	CHECK_OK(ret);
	oi = model_index(l->m, gout);
	bytes = l->m->tensors[oi].bytes;
	in = graph_bytes(l, gin);
	filt = graph_bytes(l, gf);
	if (gb != NNMEM_INDEX_NONE)
		bias = graph_bytes(l, gb);
	mult = graph_bytes(l, gm);
	shift = graph_bytes(l, gs);
	want = graph_bytes(l, gout);
	got = calloc(1, bytes);
	w.filter = filt;
	w.bias = bias;
	w.multiplier = mult;
	w.shift = shift;
	ret = -ENOMEM;
	if (in && filt && mult && shift && want && got &&
	    (bias || gb == NNMEM_INDEX_NONE))
		packed = aligned_alloc(64, (plan.packed_bytes + 64) & ~63ULL);
	if (packed) {
		ret = nnmem_fast_pack(&plan, &w, packed);
		if (!ret)
			ret = nnmem_fast_run(&plan, packed, &w, in, got, NULL,
					     NULL);
		if (!ret && memcmp(got, want, bytes)) {
			printf("# %s: tensor %u differs from TFLM\n",
			       level_name[level], oi);
			ret = -1;
		}
	}
	free(in);
	free(filt);
	free(bias);
	free(mult);
	free(shift);
	free(want);
	free(got);
	free(packed);
	return ret;
}

static void test_resnet8(void)
{
	u32 levels = nnmem_fast_cpu_levels();
	struct lowered l;
	char path[512];
	uint8_t *model;
	size_t len = 0;
	unsigned int n, convs;
	int lv, ok;

	snprintf(path, sizeof(path), "%s/resnet8.tflite", model_dir);
	model = read_file(path, &len);
	for (lv = NNMEM_FAST_SCALAR; lv < NNMEM_FAST_LEVELS; lv++) {
		if (!(levels & (1U << lv))) {
			tap(1, "the CPU lacks it",
			    "ResNet-8 convs and FC on %s == TFLM",
			    level_name[lv]);
			continue;
		}
		ok = model && !lower(model, len, &l);
		convs = 0;
		for (n = 0; ok && n < l.m->node_count; n++) {
			const struct nnmem_node *nd = &l.nodes[n];

			if (nd->op != NNMEM_OP_CONV2D &&
			    nd->op != NNMEM_OP_FULLY_CONNECTED)
				continue;
			if (resnet8_node(&l, nd, lv))
				ok = 0;
			else
				convs++;
		}
		if (model)
			lowered_free(&l);
		printf("# %s: %u ResNet-8 nodes equal TFLM's tensors\n",
		       level_name[lv], convs);
		tap(ok && convs == 10, NULL,
		    "ResNet-8 convs and FC on %s == TFLM", level_name[lv]);
	}
	free(model);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
		{ "saturation and underflow, hand-derived",
		  test_saturation },
		{ "hook abort, SIMD sections, refused section",
		  test_abort_and_env },
	};
	u32 levels = nnmem_fast_cpu_levels();
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1)
		model_dir = argv[1];
	if (argc > 2)
		seed = strtoull(argv[2], NULL, 0);
	if (argc > 3)
		nconfigs = (unsigned int)strtoul(argv[3], NULL, 0);
	printf("TAP version 13\n");
	printf("1..%d\n", 2 + 1 + 2 * (NNMEM_FAST_LEVELS - 1));
	printf("# levels this CPU runs:%s%s%s\n", " scalar",
	       levels & (1U << NNMEM_FAST_AVX2) ? " avx2" : "",
	       levels & (1U << NNMEM_FAST_AVX512) ? " avx512-vnni" : "");
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		unsigned long w = warnings;
		int ret = tests[i].fn();

		if (warnings != w)
			ret = -1;
		tap(!ret, NULL, "%s", tests[i].name);
	}
	test_differential();
	test_resnet8();
	printf("%d passed, %d failed\n", tap_num - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
