// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem fast int8 kernels: planning, weight packing, chunked dispatch and
 * the blocked scalar path. The SIMD paths are in nnmem_fast_avx2.c and
 * nnmem_fast_avx512.c, each built with its instruction set's flags.
 *
 * Every path computes exactly what nnmem_conv2d_run() and nnmem_fc_run()
 * compute, byte for byte:
 *  - The accumulator is the same sum modulo 2^32, rearranged: with the
 *    padding taps read as the input zero point zp (XNNPACK's trick),
 *    sum f * (x - zp) over the taps inside the input is sum f * x over
 *    all taps minus zp * sum f, and the second term is folded into the
 *    packed bias once. Wrapping addition is associative, so any order of
 *    the products gives the same u32.
 *  - The requantisation is TFLite's double rounding, done in integers:
 *    the scalar path calls nnmem_mbqm(); the SIMD paths compute the
 *    saturating rounding doubling high multiply as (x * m + 2^30) >> 31
 *    in 64 bits (the same value as gemmlowp's nudge-and-truncate for
 *    every product), then the rounding divide by a power of two with
 *    gemmlowp's mask and threshold, then clamp before adding the output
 *    zero point so that nothing can wrap.
 */

#include "nnmem_fast.h"

#if defined(__x86_64__) || defined(CONFIG_X86_64)
#define NNMEM_FAST_X86 1
#ifdef __KERNEL__
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#else
#include <cpuid.h>
#endif
#endif

static u32 nnmem_fast_roundup(u32 v, u32 a)
{
	return (v + a - 1) / a * a;
}

#ifdef NNMEM_FAST_X86
#ifndef __KERNEL__
/* XCR0: the OS saves these register states */
static u64 nnmem_fast_xgetbv(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}
#endif
#endif

/**
 * nnmem_fast_cpu_levels() - the paths this CPU and build can run
 *
 * Return: a mask of BIT(level) for each &enum nnmem_fast_level: the
 * reference and scalar paths always; AVX2 if the CPU and OS support it;
 * AVX-512 if they support AVX-512 F, BW, VL and VNNI and the ZMM state.
 */
u32 nnmem_fast_cpu_levels(void)
{
	u32 levels = (1U << NNMEM_FAST_REF) | (1U << NNMEM_FAST_SCALAR);
#ifdef NNMEM_FAST_X86
#ifdef __KERNEL__
	if (boot_cpu_has(X86_FEATURE_AVX2) &&
	    cpu_has_xfeatures(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM, NULL))
		levels |= 1U << NNMEM_FAST_AVX2;
	if ((levels & (1U << NNMEM_FAST_AVX2)) &&
	    boot_cpu_has(X86_FEATURE_AVX512F) &&
	    boot_cpu_has(X86_FEATURE_AVX512BW) &&
	    boot_cpu_has(X86_FEATURE_AVX512VL) &&
	    boot_cpu_has(X86_FEATURE_AVX512_VNNI) &&
	    cpu_has_xfeatures(XFEATURE_MASK_AVX512, NULL))
		levels |= 1U << NNMEM_FAST_AVX512;
#else
	u32 a, b, c, d;
	u64 xcr0;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1U << 27)))
		return levels;	/* no OSXSAVE */
	xcr0 = nnmem_fast_xgetbv();
	if (__get_cpuid_max(0, NULL) < 7)
		return levels;
	__cpuid_count(7, 0, a, b, c, d);
	if ((b & (1U << 5)) && (xcr0 & 0x6) == 0x6)
		levels |= 1U << NNMEM_FAST_AVX2;
	if ((levels & (1U << NNMEM_FAST_AVX2)) && (b & (1U << 16)) &&
	    (b & (1U << 30)) && (b & (1U << 31)) && (c & (1U << 11)) &&
	    (xcr0 & 0xe6) == 0xe6)
		levels |= 1U << NNMEM_FAST_AVX512;
#endif
#endif
	return levels;
}

/*
 * The best level in @levels: a SIMD one, else the reference kernels (the
 * blocked scalar path is slower than they are; tests force it).
 */
static u32 nnmem_fast_best(u32 levels)
{
	u32 l;

	for (l = NNMEM_FAST_LEVELS - 1; l > NNMEM_FAST_SCALAR; l--)
		if (levels & (1U << l))
			return l;
	return NNMEM_FAST_REF;
}

/**
 * nnmem_fast_conv2d_plan() - choose a path for a conv2d and size its data
 * @p: the conv2d
 * @level: an &enum nnmem_fast_level to force (tests), or %NNMEM_FAST_AUTO
 *	for the best one the CPU has
 * @plan: filled in on success
 *
 * A depthwise conv2d with multiplier 1 (groups == in_c == out_c) runs
 * vectorised over channels; every other one (groups, depth multipliers
 * and fully connected layers included) as an implicit GEMM per group.
 *
 * Return: 0 on success; an error of nnmem_conv2d_shape_get();
 * -EINVAL if @level is not a level; -EOPNOTSUPP if this CPU or build
 * cannot run it; -EOVERFLOW if the packed data would exceed 2^31 bytes.
 */
int nnmem_fast_conv2d_plan(const struct nnmem_conv2d_params *p, int level,
			   struct nnmem_fast_plan *plan)
{
	struct nnmem_conv2d_shape shape;
	struct nnmem_fast_plan pl = { .p = *p };
	u32 levels = nnmem_fast_cpu_levels();
	u32 nblk, ku = 1;
	u64 bytes;
	int ret;

	ret = nnmem_conv2d_shape_get(p, &shape);
	if (ret)
		return ret;
	if (level == NNMEM_FAST_AUTO)
		level = (int)nnmem_fast_best(levels);
	if (level < 0 || level >= NNMEM_FAST_LEVELS)
		return -EINVAL;
	if (!(levels & (1U << level)))
		return -EOPNOTSUPP;

	pl.level = (u32)level;
	pl.out_h = shape.out_h;
	pl.out_w = shape.out_w;
	pl.pixels = (u32)(shape.output_elems / p->out_c);
	pl.taps = p->k_h * p->k_w;
	pl.cpg = p->in_c / p->groups;
	pl.opg = p->out_c / p->groups;
	pl.macs = shape.macs;
	pl.kind = p->groups == p->in_c && p->out_c == p->in_c ?
		  NNMEM_FAST_DW : NNMEM_FAST_DENSE;

	if (pl.kind == NNMEM_FAST_DW) {
		pl.nr = NNMEM_FAST_DW_NR;
		pl.ncols = (p->out_c + pl.nr - 1) / pl.nr;
		pl.kpad = 1;
		pl.col_macs = (u64)pl.taps * pl.nr;
		pl.wcol_bytes = 0;
	} else {
		switch (pl.level) {
		case NNMEM_FAST_AVX2:
			pl.nr = NNMEM_FAST_AVX2_NR;
			ku = NNMEM_FAST_AVX2_KU;
			break;
		case NNMEM_FAST_AVX512:
			pl.nr = NNMEM_FAST_AVX512_NR;
			ku = NNMEM_FAST_AVX512_KU;
			break;
		default:
			pl.nr = NNMEM_FAST_SCALAR_NR;
			break;
		}
		nblk = (pl.opg + pl.nr - 1) / pl.nr;
		pl.ncols = p->groups * nblk;
		pl.kpad = nnmem_fast_roundup(pl.cpg, ku);
		pl.col_macs = (u64)pl.taps * pl.cpg * pl.nr;
		/* AVX2 stores the filter as s16 */
		pl.wcol_bytes = (u64)pl.taps * pl.kpad * pl.nr *
				(pl.level == NNMEM_FAST_AVX2 ? 2 : 1);
	}
	pl.ocpad = pl.ncols * pl.nr;
	pl.off_w = nnmem_fast_roundup(4 * sizeof(s32) * pl.ocpad,
				      NNMEM_FAST_ALIGN);
	if (pl.kind == NNMEM_FAST_DW)
		bytes = (u64)pl.taps * pl.ocpad * sizeof(s32);
	else
		bytes = pl.wcol_bytes * pl.ncols;
	pl.packed_bytes = pl.off_w + bytes;
	if (pl.level == NNMEM_FAST_REF)
		pl.packed_bytes = 0;	/* the reference needs nothing */
	if (pl.packed_bytes > 0x80000000ULL)
		return -EOVERFLOW;
	*plan = pl;
	return 0;
}

/**
 * nnmem_fast_fc_plan() - choose a path for a fully connected layer
 * @p: the layer
 * @level: as for nnmem_fast_conv2d_plan()
 * @plan: filled in on success
 *
 * The layer runs as a 1x1 conv2d over @p->rows pixels of @p->depth
 * channels; a per-tensor multiplier and shift are packed per channel.
 *
 * Return: 0 on success; an error of nnmem_fc_validate(); the errors of
 * nnmem_fast_conv2d_plan().
 */
int nnmem_fast_fc_plan(const struct nnmem_fc_params *p, int level,
		       struct nnmem_fast_plan *plan)
{
	struct nnmem_conv2d_params c = {
		.batch = p->rows, .in_h = 1, .in_w = 1, .in_c = p->depth,
		.out_c = p->out_c, .k_h = 1, .k_w = 1, .groups = 1,
		.stride_h = 1, .stride_w = 1, .dilation_h = 1,
		.dilation_w = 1, .input_zero_point = p->input_zero_point,
		.output_zero_point = p->output_zero_point,
		.act_min = p->act_min, .act_max = p->act_max,
	};
	int ret;

	ret = nnmem_fc_validate(p, NULL);
	if (ret)
		return ret;
	/* rows, depth and out_c may exceed the conv2d's dimension limit */
	if (p->rows > NNMEM_CONV2D_DIM_MAX || p->depth > NNMEM_CONV2D_DIM_MAX ||
	    p->out_c > NNMEM_CONV2D_DIM_MAX) {
		/* the reference only: a stand-in conv2d for the plan */
		level = NNMEM_FAST_REF;
		c.batch = 1;
		c.in_c = 1;
		c.out_c = 1;
	}
	ret = nnmem_fast_conv2d_plan(&c, level, plan);
	if (ret)
		return ret;
	plan->fc = true;
	plan->fc_p = *p;
	nnmem_fc_validate(p, &plan->macs);
	return 0;
}

/* Output channel of padded index @i, or -1 for a padding channel. */
static int nnmem_fast_channel(const struct nnmem_fast_plan *pl, u32 i)
{
	u32 j = i / pl->nr, c = i % pl->nr, nblk, nb;

	if (pl->kind == NNMEM_FAST_DW)
		return i < pl->p.out_c ? (int)i : -1;
	nblk = pl->ncols / pl->p.groups;
	nb = j % nblk;
	if (nb * pl->nr + c >= pl->opg)
		return -1;
	return (int)((j / nblk) * pl->opg + nb * pl->nr + c);
}

/* The filter value of output channel @oc, tap @t, input channel @k. */
static s32 nnmem_fast_w(const struct nnmem_fast_plan *pl, const s8 *filter,
			u32 oc, u32 t, u32 k)
{
	return filter[((size_t)oc * pl->taps + t) * pl->cpg + k];
}

/**
 * nnmem_fast_pack_check() - check a node's weights before packing them
 * @plan: from nnmem_fast_conv2d_plan() or nnmem_fast_fc_plan()
 * @w: the weights; @w->shift has one entry per output channel, or one for
 *	a per-tensor fully connected layer
 *
 * Return: 0; -ERANGE if a shift is outside [%NNMEM_SHIFT_MIN,
 * %NNMEM_SHIFT_MAX] (the error the reference kernel would return).
 */
int nnmem_fast_pack_check(const struct nnmem_fast_plan *plan,
			  const struct nnmem_fast_tensors *w)
{
	u32 nq = plan->fc ? plan->fc_p.channels : plan->p.out_c, i;

	for (i = 0; i < nq; i++)
		if (w->shift[i] < NNMEM_SHIFT_MIN ||
		    w->shift[i] > NNMEM_SHIFT_MAX)
			return -ERANGE;
	return 0;
}

/* Pack the filter of dense column @j. */
static void nnmem_fast_pack_dense_col(const struct nnmem_fast_plan *pl,
				      const s8 *filter, u8 *col, u32 j)
{
	u32 t, k, c;
	int oc;

	for (t = 0; t < pl->taps; t++) {
		for (k = 0; k < pl->kpad; k++) {
			for (c = 0; c < pl->nr; c++) {
				s32 v = 0;
				size_t at;

				oc = nnmem_fast_channel(pl, j * pl->nr + c);
				if (oc >= 0 && k < pl->cpg)
					v = nnmem_fast_w(pl, filter, (u32)oc,
							 t, k);
				switch (pl->level) {
				case NNMEM_FAST_AVX2: {
					/* [kc][c0 c4 c1 c5 ...][8] */
					u32 pos = (c % 4) * 2 + c / 4;

					at = ((size_t)t * pl->kpad +
					      k / 8 * 8) * 8 + pos * 8 + k % 8;
					((__s16 *)col)[at] = (__s16)v;
					break;
				}
				case NNMEM_FAST_AVX512:
					/* [kc][64 channels][4] */
					at = ((size_t)t * pl->kpad +
					      k / 4 * 4) * pl->nr + c * 4 +
					     k % 4;
					col[at] = (u8)v;
					break;
				default:
					/* [k][4 channels] */
					at = ((size_t)t * pl->kpad + k) *
					     pl->nr + c;
					col[at] = (u8)v;
					break;
				}
			}
		}
	}
}

/**
 * nnmem_fast_pack_cols() - pack columns of a node's weights
 * @plan: from nnmem_fast_conv2d_plan() or nnmem_fast_fc_plan(), not at
 *	level %NNMEM_FAST_REF
 * @w: the weights, which passed nnmem_fast_pack_check()
 * @packed: &nnmem_fast_plan.packed_bytes bytes, %NNMEM_FAST_ALIGN aligned
 * @j0: first column
 * @j1: one past the last column, at most &nnmem_fast_plan.ncols
 *
 * Writes the entries of columns [@j0, @j1) (bias, requantisation and
 * filter); packing every column, in any number of calls, fills @packed.
 * The work is O(&nnmem_fast_plan.wcol_bytes) per column, so a caller that
 * must bound its work between preemption points packs a few columns at a
 * time.
 */
void nnmem_fast_pack_cols(const struct nnmem_fast_plan *plan,
			  const struct nnmem_fast_tensors *w, void *packed,
			  u32 j0, u32 j1)
{
	const struct nnmem_fast_plan *pl = plan;
	u32 nq = pl->fc ? pl->fc_p.channels : pl->p.out_c;
	s32 zp = pl->p.input_zero_point;
	s32 *bias, *mult, *lsh, *rsh;
	u8 *wp = (u8 *)packed + pl->off_w;
	u32 i, t, k, q, j;
	int oc;

	/* the AVX-512 dense path reads the input as u8: x + 128 */
	if (pl->level == NNMEM_FAST_AVX512 && pl->kind == NNMEM_FAST_DENSE)
		zp += 128;

	bias = packed;
	mult = bias + pl->ocpad;
	lsh = mult + pl->ocpad;
	rsh = lsh + pl->ocpad;
	for (i = j0 * pl->nr; i < j1 * pl->nr; i++) {
		u32 sum = 0;
		s32 s;

		oc = nnmem_fast_channel(pl, i);
		if (oc < 0) {
			bias[i] = 0;
			mult[i] = 0;
			lsh[i] = 0;
			rsh[i] = 0;
			continue;
		}
		for (t = 0; t < pl->taps; t++)
			for (k = 0; k < pl->cpg; k++)
				sum += (u32)nnmem_fast_w(pl, w->filter, oc, t,
							 k);
		q = nq == 1 ? 0 : (u32)oc;
		bias[i] = (s32)((w->bias ? (u32)w->bias[oc] : 0) -
				(u32)zp * sum);
		mult[i] = w->multiplier[q];
		s = w->shift[q];
		lsh[i] = s > 0 ? s : 0;
		rsh[i] = s > 0 ? 0 : -s;
	}

	if (pl->kind == NNMEM_FAST_DW) {
		s32 *wd = (s32 *)wp;

		for (t = 0; t < pl->taps; t++)
			for (i = j0 * pl->nr; i < j1 * pl->nr; i++)
				wd[(size_t)t * pl->ocpad + i] =
					i < pl->p.out_c ?
					nnmem_fast_w(pl, w->filter, i, t, 0) :
					0;
		return;
	}
	for (j = j0; j < j1; j++)
		nnmem_fast_pack_dense_col(pl, w->filter,
					  wp + (size_t)j * pl->wcol_bytes, j);
}

/**
 * nnmem_fast_pack() - pack a node's weights for its plan
 * @plan: from nnmem_fast_conv2d_plan() or nnmem_fast_fc_plan()
 * @w: the weights; @w->multiplier and @w->shift have one entry per
 *	output channel, or one for a per-tensor fully connected layer
 * @packed: &nnmem_fast_plan.packed_bytes bytes, %NNMEM_FAST_ALIGN
 *	aligned; all written
 *
 * All columns at once: nnmem_fast_pack_check(), then
 * nnmem_fast_pack_cols() over every column. O(filter) work.
 *
 * Return: 0 on success; -EINVAL if @packed is misaligned; -ERANGE if a
 * shift is outside [%NNMEM_SHIFT_MIN, %NNMEM_SHIFT_MAX].
 */
int nnmem_fast_pack(const struct nnmem_fast_plan *plan,
		    const struct nnmem_fast_tensors *w, void *packed)
{
	int ret;

	ret = nnmem_fast_pack_check(plan, w);
	if (ret || plan->level == NNMEM_FAST_REF)
		return ret;
	if ((uintptr_t)packed % NNMEM_FAST_ALIGN)
		return -EINVAL;
	nnmem_fast_pack_cols(plan, w, packed, 0, plan->ncols);
	return 0;
}

/* ------------------------------------------------------ the scalar path */

static s8 nnmem_fast_requant1(const struct nnmem_fast_job *job, u32 acc,
			      u32 i)
{
	const struct nnmem_conv2d_params *p = &job->plan->p;
	s64 v;

	acc += (u32)nnmem_fast_qarray(job, NNMEM_FAST_Q_BIAS)[i];
	v = nnmem_mbqm((s32)acc, nnmem_fast_qarray(job, NNMEM_FAST_Q_MULT)[i],
		       nnmem_fast_qarray(job, NNMEM_FAST_Q_LSHIFT)[i] -
		       nnmem_fast_qarray(job, NNMEM_FAST_Q_RSHIFT)[i]);
	v += p->output_zero_point;
	if (v < p->act_min)
		v = p->act_min;
	if (v > p->act_max)
		v = p->act_max;
	return (s8)v;
}

#define MR	NNMEM_FAST_SCALAR_MR
#define NR	NNMEM_FAST_SCALAR_NR

/* One tile: up to MR pixels from @pix, one column @j of NR channels. */
static void nnmem_fast_scalar_tile(const struct nnmem_fast_job *job,
				   u32 pix, u32 n, u32 j)
{
	const struct nnmem_fast_plan *pl = job->plan;
	const struct nnmem_conv2d_params *p = &pl->p;
	u32 nblk = pl->ncols / p->groups, g = j / nblk, nb = j % nblk;
	u32 gofs = g * pl->cpg, nreal = pl->opg - nb * NR;
	const s8 *wcol = (const s8 *)job->packed + pl->off_w +
			 (size_t)j * pl->wcol_bytes;
	const s8 zp = (s8)p->input_zero_point;
	u32 acc[MR][NR] = { { 0 } };
	int y0[MR], x0[MR];
	u32 b[MR], i, c, k, ky, kx;
	const s8 *a[MR];
	u32 st[MR];

	for (i = 0; i < MR; i++)
		nnmem_fast_pixel(pl, pix + (i < n ? i : 0), &b[i], &y0[i],
				 &x0[i]);
	for (ky = 0; ky < p->k_h; ky++) {
		for (kx = 0; kx < p->k_w; kx++) {
			const s8 *wt = wcol + ((size_t)ky * p->k_w + kx) *
					      pl->kpad * NR;

			for (i = 0; i < MR; i++) {
				a[i] = nnmem_fast_tap_ptr(job, b[i], y0[i],
							  x0[i], ky, kx, gofs);
				st[i] = a[i] ? 1 : 0;
				if (!a[i])
					a[i] = &zp;
			}
			for (k = 0; k < pl->cpg; k++, wt += NR) {
				for (i = 0; i < MR; i++) {
					s32 x = *a[i];

					a[i] += st[i];
					for (c = 0; c < NR; c++)
						acc[i][c] += (u32)(x * wt[c]);
				}
			}
		}
	}
	if (nreal > NR)
		nreal = NR;
	for (i = 0; i < n; i++) {
		s8 *out = job->output + (size_t)(pix + i) * p->out_c +
			  g * pl->opg + nb * NR;

		for (c = 0; c < nreal; c++)
			out[c] = nnmem_fast_requant1(job, acc[i][c],
						     j * NR + c);
	}
}

static void nnmem_fast_scalar_dense(const struct nnmem_fast_job *job,
				    u32 p0, u32 p1, u32 j0, u32 j1)
{
	u32 j, pix;

	for (j = j0; j < j1; j++)
		for (pix = p0; pix < p1; pix += MR)
			nnmem_fast_scalar_tile(job, pix,
					       p1 - pix < MR ? p1 - pix : MR,
					       j);
}

#undef MR
#undef NR

static void nnmem_fast_scalar_dw(const struct nnmem_fast_job *job,
				 u32 p0, u32 p1, u32 j0, u32 j1)
{
	const struct nnmem_fast_plan *pl = job->plan;
	const struct nnmem_conv2d_params *p = &pl->p;
	const s32 *wt = (const s32 *)(job->packed + pl->off_w);
	u32 pix, j, c, c0, n, ky, kx, b;
	u32 acc[NNMEM_FAST_DW_NR];
	int y0, x0;

	for (pix = p0; pix < p1; pix++) {
		nnmem_fast_pixel(pl, pix, &b, &y0, &x0);
		for (j = j0; j < j1; j++) {
			c0 = j * NNMEM_FAST_DW_NR;
			n = p->out_c - c0;
			if (n > NNMEM_FAST_DW_NR)
				n = NNMEM_FAST_DW_NR;
			for (c = 0; c < n; c++)
				acc[c] = 0;
			for (ky = 0; ky < p->k_h; ky++) {
				for (kx = 0; kx < p->k_w; kx++) {
					const s8 *a = nnmem_fast_tap_ptr(job, b,
							y0, x0, ky, kx, c0);
					const s32 *w = wt + ((size_t)ky *
							     p->k_w + kx) *
							    pl->ocpad + c0;

					for (c = 0; c < n; c++)
						acc[c] += (u32)((a ? a[c] :
							p->input_zero_point) *
							w[c]);
				}
			}
			for (c = 0; c < n; c++)
				job->output[(size_t)pix * p->out_c + c0 + c] =
					nnmem_fast_requant1(job, acc[c],
							    c0 + c);
		}
	}
}

/* ----------------------------------------------------------- dispatch */

static nnmem_fast_chunk_fn nnmem_fast_chunk(const struct nnmem_fast_plan *pl)
{
	bool dw = pl->kind == NNMEM_FAST_DW;

	switch (pl->level) {
#ifdef NNMEM_FAST_X86
	case NNMEM_FAST_AVX2:
		return dw ? nnmem_fast_avx2_dw : nnmem_fast_avx2_dense;
	case NNMEM_FAST_AVX512:
		return dw ? nnmem_fast_avx512_dw : nnmem_fast_avx512_dense;
#endif
	case NNMEM_FAST_SCALAR:
		return dw ? nnmem_fast_scalar_dw : nnmem_fast_scalar_dense;
	default:
		return NULL;
	}
}

/* Pixels a dense tile of the path computes together. */
static u32 nnmem_fast_mr(const struct nnmem_fast_plan *pl)
{
	if (pl->kind == NNMEM_FAST_DW)
		return 1;
	switch (pl->level) {
	case NNMEM_FAST_AVX2:
		return NNMEM_FAST_AVX2_MR;
	case NNMEM_FAST_AVX512:
		return NNMEM_FAST_AVX512_MR;
	default:
		return NNMEM_FAST_SCALAR_MR;
	}
}

/* MACs of one pixel of columns [j0, j1), as the reference counts them. */
static u64 nnmem_fast_cols_macs(const struct nnmem_fast_plan *pl, u32 j0,
				u32 j1)
{
	u32 nblk = pl->ncols / pl->p.groups, j, first, n;
	u64 ch = 0;

	for (j = j0; j < j1; j++) {
		if (pl->kind == NNMEM_FAST_DW) {
			first = j * pl->nr;
			n = pl->p.out_c - first;
		} else {
			first = (j % nblk) * pl->nr;
			n = pl->opg - first;
		}
		ch += n < pl->nr ? n : pl->nr;
	}
	return ch * pl->taps * pl->cpg;
}

static int nnmem_fast_ref(const struct nnmem_fast_plan *pl,
			  const struct nnmem_fast_tensors *w, const s8 *input,
			  s8 *output, const struct nnmem_kernel_progress *prog)
{
	if (pl->fc) {
		struct nnmem_fc_tensors t = {
			.input = input, .filter = w->filter, .bias = w->bias,
			.multiplier = w->multiplier, .shift = w->shift,
			.output = output,
		};

		return nnmem_fc_run(&pl->fc_p, &t, prog);
	}
	{
		struct nnmem_conv2d_tensors t = {
			.input = input, .filter = w->filter, .bias = w->bias,
			.multiplier = w->multiplier, .shift = w->shift,
			.output = output,
		};

		return nnmem_conv2d_run(&pl->p, &t, prog);
	}
}

/* The reference kernel, saying so in @env. */
static int nnmem_fast_ref_env(const struct nnmem_fast_plan *pl,
			      const struct nnmem_fast_tensors *w,
			      const s8 *input, s8 *output,
			      const struct nnmem_kernel_progress *prog,
			      const struct nnmem_fast_env *env)
{
	if (env && env->ran)
		*env->ran = NNMEM_FAST_REF;
	return nnmem_fast_ref(pl, w, input, output, prog);
}

/**
 * nnmem_fast_run() - run a conv2d or fully connected layer on its plan
 * @plan: from nnmem_fast_conv2d_plan() or nnmem_fast_fc_plan()
 * @packed: filled by nnmem_fast_pack() for @plan
 * @w: the unpacked weights, for the reference kernel (its level, or a
 *	chunk that cannot be made small enough for the budget, or a SIMD
 *	section refused by @env)
 * @input: the input, as for the reference kernel
 * @output: the output; must not overlap @input
 * @prog: progress and cancellation hook, or NULL
 * @env: SIMD section hooks, or NULL (userspace)
 *
 * The output pixels are cut into chunks of whole tiles and columns of
 * output channels, each at most the progress budget of MACs (counted as
 * the reference kernels count them); the hook is called between chunks
 * once the budget is spent. When the hook aborts the run, the outputs of
 * the chunks done are written and the others untouched, not necessarily
 * in memory order. If one column of one pixel is more than the budget
 * (filters of more than 4096 x 16 taps and channels at the default
 * budget), the reference kernel runs instead, with its finer metering.
 *
 * Return: 0 on success; the negative errno the hook returned, or -EINTR
 * if it returned a positive value; an error of the reference kernel when
 * it runs.
 */
int nnmem_fast_run(const struct nnmem_fast_plan *plan, const void *packed,
		   const struct nnmem_fast_tensors *w, const s8 *input,
		   s8 *output, const struct nnmem_kernel_progress *prog,
		   const struct nnmem_fast_env *env)
{
	const struct nnmem_fast_plan *pl = plan;
	struct nnmem_fast_job job = {
		.plan = pl, .packed = packed, .input = input,
		.output = output,
	};
	bool hook = prog && prog->fn;
	nnmem_fast_chunk_fn fn = nnmem_fast_chunk(pl);
	bool simd = env && env->simd_begin && pl->level > NNMEM_FAST_SCALAR;
	u64 budget, done = 0, next, all, per, mr;
	u32 npix, ncol, p0, p1, j0, j1;
	int ret;

	if (env && env->ran)
		*env->ran = pl->level;
	if (!fn)
		return nnmem_fast_ref_env(pl, w, input, output, prog, env);
	job.in_end = input + (size_t)pl->pixels / pl->out_h / pl->out_w *
			     pl->p.in_h * pl->p.in_w * pl->p.in_c;
	if (hook)
		budget = prog->budget ? prog->budget :
			 NNMEM_KERNEL_BUDGET_DEFAULT;
	else if (env)
		budget = NNMEM_FAST_CHUNK_DEFAULT;
	else
		budget = U64_MAX;
	if (pl->col_macs > budget)
		return nnmem_fast_ref_env(pl, w, input, output, prog, env);

	/* chunk: whole pixels if they fit, else tiles or single pixels */
	all = pl->col_macs * pl->ncols;
	mr = nnmem_fast_mr(pl);
	if (all <= budget) {
		per = budget / all;
		npix = per < pl->pixels ? (u32)per : pl->pixels;
		ncol = pl->ncols;
	} else {
		npix = mr * pl->col_macs <= budget ? (u32)mr : 1;
		per = budget / (npix * pl->col_macs);
		ncol = per < pl->ncols ? (u32)per : pl->ncols;
	}
	next = hook ? budget : U64_MAX;

	for (p0 = 0; p0 < pl->pixels; p0 = p1) {
		p1 = pl->pixels - p0 < npix ? pl->pixels : p0 + npix;
		for (j0 = 0; j0 < pl->ncols; j0 = j1) {
			j1 = pl->ncols - j0 < ncol ? pl->ncols : j0 + ncol;
			if (simd && !env->simd_begin(env->ctx))
				return nnmem_fast_ref_env(pl, w, input, output,
							  prog, env);
			fn(&job, p0, p1, j0, j1);
			if (simd && env->simd_end)
				env->simd_end(env->ctx);
			if (!hook)
				continue;
			done += (p1 - p0) * nnmem_fast_cols_macs(pl, j0, j1);
			if (done < next)
				continue;
			ret = prog->fn(prog->ctx, done, pl->macs);
			if (ret)
				return ret < 0 ? ret : -EINTR;
			next = done + budget;
		}
	}
	return 0;
}
