// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem fast int8 kernels, x86-64 AVX2 path; built with -mavx2 and called
 * only after nnmem_fast_cpu_levels() found AVX2 (see nnmem_fast.c).
 *
 * Dense: tiles of 3 pixels x 8 output channels; the filter is packed as
 * s16, 8 input channels of 2 output channels per register, and each
 * pixel's 8 input channels are sign-extended to s16 in both halves, so
 * that vpmaddwd gives exact s32 sums of two products (XNNPACK's "c8"
 * scheme). Depthwise: 16 channels of a pixel in two s32 registers,
 * vpmulld per tap; in layers of up to 48 channels, interior pixels in
 * runs of 4 along a row.
 */

/*
 * sparse (make C=2) cannot parse the compiler's vector intrinsics: it
 * checks an empty file; gcc -W and cppcheck check this one.
 */
#ifndef __CHECKER__

#ifdef __KERNEL__
/*
 * Kbuild compiles this file with the instruction set's flags; the
 * compiler's <immintrin.h> would pull in <mm_malloc.h>, which needs libc.
 */
#define _MM_MALLOC_H_INCLUDED
#endif
#include <immintrin.h>

#include "nnmem_fast.h"

/* In userspace, any build of this file gets the instruction set. */
#if !defined(__KERNEL__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), \
			     apply_to = function)
#elif !defined(__KERNEL__)
#pragma GCC target("avx2")
#endif

#define MR	NNMEM_FAST_AVX2_MR
#define NR	NNMEM_FAST_AVX2_NR

/*
 * TFLite's double rounding requantisation of 8 accumulators (bias added)
 * of padded channels @i .. @i + 7, plus zero point and clamp.
 */
static __always_inline __m256i
nnmem_avx2_requant(const struct nnmem_fast_job *job, __m256i x, u32 i)
{
	const struct nnmem_conv2d_params *p = &job->plan->p;
	__m256i m, ls, rs, even, odd, rnd, sat, mask, rem, thr, q;
	const __m256i one = _mm256_set1_epi32(1);
	s32 zp;

	x = _mm256_add_epi32(x, _mm256_loadu_si256((const __m256i *)
			(nnmem_fast_qarray(job, NNMEM_FAST_Q_BIAS) + i)));
	m = _mm256_loadu_si256((const __m256i *)
			(nnmem_fast_qarray(job, NNMEM_FAST_Q_MULT) + i));
	ls = _mm256_loadu_si256((const __m256i *)
			(nnmem_fast_qarray(job, NNMEM_FAST_Q_LSHIFT) + i));
	rs = _mm256_loadu_si256((const __m256i *)
			(nnmem_fast_qarray(job, NNMEM_FAST_Q_RSHIFT) + i));
	x = _mm256_sllv_epi32(x, ls);

	/* (x * m + 2^30) >> 31, the low 32 bits, for even and odd lanes */
	rnd = _mm256_set1_epi64x(1LL << 30);
	even = _mm256_add_epi64(_mm256_mul_epi32(x, m), rnd);
	odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32),
						_mm256_srli_epi64(m, 32)),
			       rnd);
	even = _mm256_srli_epi64(even, 31);
	odd = _mm256_slli_epi64(odd, 1);
	q = _mm256_blend_epi32(even, odd, 0xaa);
	/*
	 * S32_MIN * S32_MIN gave S32_MIN (2^31 wrapped); it saturates to
	 * S32_MAX. No other product gives S32_MIN: the least is
	 * S32_MIN * S32_MAX, whose rounded high half is S32_MIN + 1.
	 */
	sat = _mm256_cmpeq_epi32(q, _mm256_set1_epi32(S32_MIN));
	q = _mm256_xor_si256(q, sat);

	/* rounding divide by 2^rs, ties away from zero */
	mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, rs), one);
	rem = _mm256_and_si256(q, mask);
	thr = _mm256_add_epi32(_mm256_srli_epi32(mask, 1),
			       _mm256_srli_epi32(q, 31));
	q = _mm256_sub_epi32(_mm256_srav_epi32(q, rs),
			     _mm256_cmpgt_epi32(rem, thr));

	/*
	 * clamp(q + zp, act_min, act_max) as clamp(q, act_min - zp,
	 * act_max - zp) + zp: the same for every q (all three are int8
	 * values), and the addition cannot wrap
	 */
	zp = p->output_zero_point;
	q = _mm256_max_epi32(q, _mm256_set1_epi32(p->act_min - zp));
	q = _mm256_min_epi32(q, _mm256_set1_epi32(p->act_max - zp));
	return _mm256_add_epi32(q, _mm256_set1_epi32(zp));
}

/* Stores the first @n (up to 16) bytes of @v. */
static __always_inline void nnmem_avx2_store(s8 *out, __m128i v, u32 n)
{
	u8 buf[16];
	u32 c;

	if (n == 16) {
		_mm_storeu_si128((__m128i *)out, v);
		return;
	}
	if (n == 8) {
		_mm_storel_epi64((__m128i *)out, v);
		return;
	}
	_mm_storeu_si128((__m128i *)buf, v);
	for (c = 0; c < n; c++)
		out[c] = (s8)buf[c];
}

/*
 * 8 input bytes at @a, of which @n are wanted: read directly unless that
 * would pass @end (the others meet zero filter entries).
 */
static __always_inline __m128i nnmem_avx2_load8(const s8 *a, u32 n,
						const s8 *end)
{
	u8 buf[8] = { 0 };
	u32 k;

	if (a + 8 <= end)
		return _mm_loadl_epi64((const __m128i *)a);
	for (k = 0; k < n; k++)
		buf[k] = (u8)a[k];
	return _mm_loadl_epi64((const __m128i *)buf);
}

/* 8 input bytes at @a as s16, in both 128-bit halves */
static __always_inline __m256i nnmem_avx2_bcast8(__m128i v)
{
	return _mm256_cvtepi8_epi16(_mm_broadcastq_epi64(v));
}

/* one pixel's 8 input channels into its 4 accumulators */
static __always_inline void nnmem_avx2_row(__m256i *acc, __m256i va,
					   const __m256i *w)
{
	unsigned int m;

	#pragma GCC unroll 4
	for (m = 0; m < 4; m++)
		acc[m] = _mm256_add_epi32(acc[m], _mm256_madd_epi16(va, w[m]));
}

/* 8 channels of a depthwise tap: @in's s8 times @w's s32 */
static __always_inline __m256i nnmem_avx2_dwmac(__m256i acc, __m128i in,
						const s32 *w)
{
	__m256i x = _mm256_cvtepi8_epi32(in);

	x = _mm256_mullo_epi32(x, _mm256_loadu_si256((const __m256i *)w));
	return _mm256_add_epi32(acc, x);
}

static __always_inline void
nnmem_avx2_tile(const struct nnmem_fast_job *job, u32 pix, const u32 n,
		u32 j)
{
	const struct nnmem_fast_plan *pl = job->plan;
	const struct nnmem_conv2d_params *p = &pl->p;
	u32 nblk = pl->ncols / p->groups, g = j / nblk, nb = j % nblk;
	u32 gofs = g * pl->cpg, nreal = pl->opg - nb * NR;
	const __s16 *wcol = (const __s16 *)(job->packed + pl->off_w +
					     (size_t)j * pl->wcol_bytes);
	u32 kfull = pl->cpg / 8, ktail = pl->cpg % 8, i, m, kc, ky, kx;
	u32 b[MR] NNMEM_FAST_NOINIT;
	s8 zpbuf[16];	/* read with unaligned loads only */
	__m256i acc[MR][4] NNMEM_FAST_NOINIT, va[MR] NNMEM_FAST_NOINIT;
	__m256i w[4] NNMEM_FAST_NOINIT;
	const s8 *a[MR] NNMEM_FAST_NOINIT;
	int y0[MR] NNMEM_FAST_NOINIT, x0[MR] NNMEM_FAST_NOINIT;
	size_t st[MR] NNMEM_FAST_NOINIT;

	for (i = 0; i < 16; i++)
		zpbuf[i] = (s8)p->input_zero_point;
	#pragma GCC unroll 8
	for (i = 0; i < n; i++) {
		nnmem_fast_pixel(pl, pix + i, &b[i], &y0[i], &x0[i]);
		#pragma GCC unroll 8
		for (m = 0; m < 4; m++)
			acc[i][m] = _mm256_setzero_si256();
	}
	for (ky = 0; ky < p->k_h; ky++) {
		for (kx = 0; kx < p->k_w; kx++) {
			const __s16 *wt = wcol + ((size_t)ky * p->k_w + kx) *
						 pl->kpad * NR;

			#pragma GCC unroll 8
			for (i = 0; i < n; i++) {
				a[i] = nnmem_fast_tap_ptr(job, b[i], y0[i],
							  x0[i], ky, kx, gofs);
				st[i] = a[i] ? 8 : 0;
				if (!a[i])
					a[i] = zpbuf;
			}
			for (kc = 0; kc < kfull; kc++) {
				#pragma GCC unroll 8
				for (i = 0; i < n; i++) {
					__m128i x = _mm_loadl_epi64((const void *)
								    a[i]);

					va[i] = nnmem_avx2_bcast8(x);
					a[i] += st[i];
				}
				#pragma GCC unroll 8
				for (m = 0; m < 4; m++)
					w[m] = _mm256_load_si256((const void *)
								 (wt + 16 * m));
				wt += 8 * NR;
				#pragma GCC unroll 8
				for (i = 0; i < n; i++)
					nnmem_avx2_row(acc[i], va[i], w);
			}
			if (!ktail)
				continue;
			#pragma GCC unroll 8
			for (i = 0; i < n; i++) {
				const s8 *end = st[i] ? job->in_end :
					       zpbuf + 16;
				__m128i x = nnmem_avx2_load8(a[i], ktail, end);

				va[i] = nnmem_avx2_bcast8(x);
			}
			#pragma GCC unroll 8
			for (m = 0; m < 4; m++)
				w[m] = _mm256_load_si256((const void *)
							 (wt + 16 * m));
			#pragma GCC unroll 8
			for (i = 0; i < n; i++)
				nnmem_avx2_row(acc[i], va[i], w);
		}
	}
	if (nreal > NR)
		nreal = NR;
	#pragma GCC unroll 8
	for (i = 0; i < n; i++) {
		s8 *out = job->output + (size_t)(pix + i) * p->out_c +
			  g * pl->opg + nb * NR;
		/* lanes: channels 0-3 | 4-7 */
		__m256i h01 = _mm256_hadd_epi32(acc[i][0], acc[i][1]);
		__m256i h23 = _mm256_hadd_epi32(acc[i][2], acc[i][3]);
		__m256i h = _mm256_hadd_epi32(h01, h23);
		__m128i v16;

		h = nnmem_avx2_requant(job, h, j * NR);
		v16 = _mm_packs_epi32(_mm256_castsi256_si128(h),
				      _mm256_extracti128_si256(h, 1));
		nnmem_avx2_store(out, _mm_packs_epi16(v16, v16), nreal);
	}
}

/**
 * nnmem_fast_avx2_dense() - AVX2 dense chunk
 * @job: the run
 * @p0: first output pixel
 * @p1: one past the last
 * @j0: first column (a group's block of 8 output channels)
 * @j1: one past the last
 */
void nnmem_fast_avx2_dense(const struct nnmem_fast_job *job, u32 p0, u32 p1,
			   u32 j0, u32 j1)
{
	u32 j, pix;

	for (j = j0; j < j1; j++) {
		for (pix = p0; pix + MR <= p1; pix += MR)
			nnmem_avx2_tile(job, pix, MR, j);
		if (p1 - pix == 2)
			nnmem_avx2_tile(job, pix, 2, j);
		else if (p1 - pix == 1)
			nnmem_avx2_tile(job, pix, 1, j);
	}
}

/* 16 input channels at @a, @n of them wanted, safely (see load8). */
static __always_inline __m128i nnmem_avx2_load16(const s8 *a, u32 n,
						 const s8 *end)
{
	u8 buf[16] = { 0 };
	u32 k;

	if (a + 16 <= end)
		return _mm_loadu_si128((const __m128i *)a);
	for (k = 0; k < n && k < 16; k++)
		buf[k] = (u8)a[k];
	return _mm_loadu_si128((const __m128i *)buf);
}

/*
 * Depthwise: one pixel, @nv columns of 16 channels from column @j (two
 * registers each); the tap's address is computed once for all of them.
 */
static __always_inline void
nnmem_avx2_dw_tile(const struct nnmem_fast_job *job, u32 pix, u32 j,
		   const u32 nv)
{
	const struct nnmem_fast_plan *pl = job->plan;
	const struct nnmem_conv2d_params *p = &pl->p;
	const s32 *wt = (const s32 *)(job->packed + pl->off_w);
	const __m128i zp = _mm_set1_epi8((char)p->input_zero_point);
	u32 c0 = j * NNMEM_FAST_DW_NR, ky, kx, b, v, k_h = p->k_h;
	u32 k_w = p->k_w, ocpad = pl->ocpad, out_c = p->out_c;
	const s8 *end = job->in_end;
	__m256i acc[2][2] NNMEM_FAST_NOINIT;
	int y0, x0;

	nnmem_fast_pixel(pl, pix, &b, &y0, &x0);
	#pragma GCC unroll 2
	for (v = 0; v < nv; v++) {
		acc[v][0] = _mm256_setzero_si256();
		acc[v][1] = _mm256_setzero_si256();
	}
	for (ky = 0; ky < k_h; ky++) {
		for (kx = 0; kx < k_w; kx++) {
			const s8 *a = nnmem_fast_tap_ptr(job, b, y0, x0, ky,
							 kx, c0);
			const s32 *w = wt + ((size_t)ky * k_w + kx) * ocpad +
				       c0;

			#pragma GCC unroll 2
			for (v = 0; v < nv; v++) {
				__m128i in = a ? nnmem_avx2_load16(a + 16 * v,
						out_c - c0 - 16 * v, end) : zp;

				acc[v][0] = nnmem_avx2_dwmac(acc[v][0], in,
							     w + 16 * v);
				acc[v][1] = nnmem_avx2_dwmac(acc[v][1],
							     _mm_srli_si128(in,
									    8),
							     w + 16 * v + 8);
			}
		}
	}
	#pragma GCC unroll 2
	for (v = 0; v < nv; v++) {
		u32 c = c0 + 16 * v, n = out_c - c;
		__m256i lo = nnmem_avx2_requant(job, acc[v][0], c);
		__m256i hi = nnmem_avx2_requant(job, acc[v][1], c + 8);

		/* packs works per 128-bit lane: reorder after */
		lo = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi),
					      0xd8);
		nnmem_avx2_store(job->output + (size_t)pix * out_c + c,
				 _mm_packs_epi16(_mm256_castsi256_si128(lo),
						 _mm256_extracti128_si256(lo,
									  1)),
				 n < 16 ? n : 16);
	}
}

/* Depthwise interior runs: pixels of one output row per tile. */
#define NNMEM_AVX2_DW_RUN	4

/*
 * Depthwise: @np pixels of one output row, from @pix, whose taps all lie
 * inside the input (see nnmem_fast_dw_run()), and the 16 channels of
 * column @j; each tap's weights are loaded once for all of them.
 */
static __always_inline void
nnmem_avx2_dw_run(const struct nnmem_fast_job *job, u32 pix, u32 j,
		  const u32 np, const struct nnmem_fast_dw_span *sp)
{
	const struct nnmem_fast_plan *pl = job->plan;
	const struct nnmem_conv2d_params *p = &pl->p;
	const s32 *wt = (const s32 *)(job->packed + pl->off_w);
	u32 c0 = j * NNMEM_FAST_DW_NR, ky, kx, i, out_c = p->out_c;
	u32 n = out_c - c0;
	const s8 *base = sp->base + c0;
	const s8 *end = job->in_end;
	__m256i acc[NNMEM_AVX2_DW_RUN][2] NNMEM_FAST_NOINIT;

	#pragma GCC unroll 4
	for (i = 0; i < np; i++) {
		acc[i][0] = _mm256_setzero_si256();
		acc[i][1] = _mm256_setzero_si256();
	}
	for (ky = 0; ky < p->k_h; ky++) {
		for (kx = 0; kx < p->k_w; kx++) {
			const s8 *a = base + ky * sp->dy + kx * sp->dx;
			const s32 *w = wt + ((size_t)ky * p->k_w + kx) *
					    pl->ocpad + c0;

			#pragma GCC unroll 4
			for (i = 0; i < np; i++) {
				const s8 *ai = a + i * sp->sx;
				__m128i in = nnmem_avx2_load16(ai, n, end);

				acc[i][0] = nnmem_avx2_dwmac(acc[i][0], in, w);
				acc[i][1] = nnmem_avx2_dwmac(acc[i][1],
							     _mm_srli_si128(in,
									    8),
							     w + 8);
			}
		}
	}
	#pragma GCC unroll 4
	for (i = 0; i < np; i++) {
		__m256i lo = nnmem_avx2_requant(job, acc[i][0], c0);
		__m256i hi = nnmem_avx2_requant(job, acc[i][1], c0 + 8);

		/* packs works per 128-bit lane: reorder after */
		lo = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi),
					      0xd8);
		nnmem_avx2_store(job->output + (size_t)(pix + i) * out_c + c0,
				 _mm_packs_epi16(_mm256_castsi256_si128(lo),
						 _mm256_extracti128_si256(lo,
									  1)),
				 n < 16 ? n : 16);
	}
}

/**
 * nnmem_fast_avx2_dw() - AVX2 depthwise chunk
 * @job: the run
 * @p0: first output pixel
 * @p1: one past the last
 * @j0: first column (block of 16 channels)
 * @j1: one past the last
 *
 * Up to 48 channels, interior pixels go in runs of NNMEM_AVX2_DW_RUN
 * along their row, one column at a time (as on AVX-512).
 */
void nnmem_fast_avx2_dw(const struct nnmem_fast_job *job, u32 p0, u32 p1,
			u32 j0, u32 j1)
{
	struct nnmem_fast_dw_span sp;
	u32 pix, j;

	for (pix = p0; pix < p1; pix++) {
		if (j1 - j0 < 4 &&
		    nnmem_fast_dw_run(job, pix, p1 - pix, NNMEM_AVX2_DW_RUN,
				      &sp)) {
			for (j = j0; j < j1; j++)
				nnmem_avx2_dw_run(job, pix, j,
						  NNMEM_AVX2_DW_RUN, &sp);
			pix += NNMEM_AVX2_DW_RUN - 1;
			continue;
		}
		for (j = j0; j + 2 <= j1; j += 2)
			nnmem_avx2_dw_tile(job, pix, j, 2);
		if (j < j1)
			nnmem_avx2_dw_tile(job, pix, j, 1);
	}
}

#if !defined(__KERNEL__) && defined(__clang__)
#pragma clang attribute pop
#endif

#endif /* __CHECKER__ */
