// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem fast int8 kernels, x86-64 AVX-512 path (F, BW, VL and VNNI); built
 * with those flags and called only after nnmem_fast_cpu_levels() found
 * them (see nnmem_fast.c).
 *
 * Dense: tiles of up to 6 pixels x 64 output channels (four registers of
 * 16); the filter is packed as 4 input channels of each output channel
 * per 32-bit lane, and vpdpbusd adds the four exact u8 x s8 products of a
 * lane to its s32 accumulator without saturating. The input is made u8 by
 * flipping its sign bit (x + 128); the packed bias takes the 128 * sum of
 * the filter back out. Depthwise: 16 channels per register, vpmulld; in
 * layers of up to 48 channels, interior pixels in runs of 4 along a row.
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
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))), \
			     apply_to = function)
#elif !defined(__KERNEL__)
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")
#endif

#define MR	NNMEM_FAST_AVX512_MR
#define NR	NNMEM_FAST_AVX512_NR

/* 4 bytes at any address, as one load (memcpy folds into a mov). */
static __always_inline u32 nnmem_avx512_u32(const s8 *p)
{
	u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* As nnmem_avx2_requant(), for 16 channels from padded channel @i. */
static __always_inline __m512i
nnmem_avx512_requant(const struct nnmem_fast_job *job, __m512i x, u32 i)
{
	const struct nnmem_conv2d_params *p = &job->plan->p;
	__m512i m, ls, rs, even, odd, rnd, mask, rem, thr, q;
	const __m512i one = _mm512_set1_epi32(1);
	__mmask16 sat, up;
	s32 zp;

	m = _mm512_loadu_si512(nnmem_fast_qarray(job, NNMEM_FAST_Q_BIAS) + i);
	x = _mm512_add_epi32(x, m);
	m = _mm512_loadu_si512(nnmem_fast_qarray(job, NNMEM_FAST_Q_MULT) + i);
	ls = _mm512_loadu_si512(nnmem_fast_qarray(job,
						  NNMEM_FAST_Q_LSHIFT) + i);
	rs = _mm512_loadu_si512(nnmem_fast_qarray(job,
						  NNMEM_FAST_Q_RSHIFT) + i);
	x = _mm512_sllv_epi32(x, ls);

	rnd = _mm512_set1_epi64(1LL << 30);
	even = _mm512_add_epi64(_mm512_mul_epi32(x, m), rnd);
	odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32),
						_mm512_srli_epi64(m, 32)),
			       rnd);
	even = _mm512_srli_epi64(even, 31);
	odd = _mm512_slli_epi64(odd, 1);
	q = _mm512_mask_blend_epi32(0xaaaa, even, odd);
	/* S32_MIN * S32_MIN wrapped to S32_MIN (see nnmem_avx2_requant()) */
	sat = _mm512_cmpeq_epi32_mask(q, _mm512_set1_epi32(S32_MIN));
	q = _mm512_mask_mov_epi32(q, sat, _mm512_set1_epi32(S32_MAX));

	mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, rs), one);
	rem = _mm512_and_si512(q, mask);
	thr = _mm512_add_epi32(_mm512_srli_epi32(mask, 1),
			       _mm512_srli_epi32(q, 31));
	up = _mm512_cmpgt_epi32_mask(rem, thr);
	q = _mm512_srav_epi32(q, rs);
	q = _mm512_mask_add_epi32(q, up, q, one);

	/* the clamp before the zero point (see nnmem_avx2_requant()) */
	zp = p->output_zero_point;
	q = _mm512_max_epi32(q, _mm512_set1_epi32(p->act_min - zp));
	q = _mm512_min_epi32(q, _mm512_set1_epi32(p->act_max - zp));
	return _mm512_add_epi32(q, _mm512_set1_epi32(zp));
}

static __always_inline __mmask16 nnmem_avx512_mask(u32 n)
{
	return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1U << n) - 1);
}

/* 4 input bytes at @a, @n of them wanted, as u8 (sign bit flipped). */
static __always_inline u32 nnmem_avx512_load4(const s8 *a, u32 n,
					      const s8 *end)
{
	u32 v = 0, k;

	if (a + 4 <= end)
		return nnmem_avx512_u32(a) ^ 0x80808080U;
	for (k = 0; k < n; k++)
		v |= (u32)(u8)a[k] << (8 * k);
	return v ^ 0x80808080U;
}

/* one pixel's 4 input channels (@va, u8) into its @nv accumulators */
static __always_inline void nnmem_avx512_row(__m512i *acc, __m512i va,
					     const __m512i *w, const u32 nv)
{
	u32 v;

	#pragma GCC unroll 4
	for (v = 0; v < nv; v++)
		acc[v] = _mm512_dpbusd_epi32(acc[v], va, w[v]);
}

/* A tile of @n pixels x @nv registers of 16 channels of column @j. */
static __always_inline void
nnmem_avx512_tile(const struct nnmem_fast_job *job, u32 pix, const u32 n,
		  const u32 nv, u32 j)
{
	const struct nnmem_fast_plan *pl = job->plan;
	const struct nnmem_conv2d_params *p = &pl->p;
	u32 nblk = pl->ncols / p->groups, g = j / nblk, nb = j % nblk;
	u32 gofs = g * pl->cpg, nreal = pl->opg - nb * NR;
	const s8 *wcol = (const s8 *)job->packed + pl->off_w +
			 (size_t)j * pl->wcol_bytes;
	u32 kfull = pl->cpg / 4, ktail = pl->cpg % 4, i, v, kc, ky, kx;
	u32 b[MR] NNMEM_FAST_NOINIT;
	s8 zpbuf[4];	/* read with unaligned loads only */
	__m512i acc[MR][4] NNMEM_FAST_NOINIT, w[4] NNMEM_FAST_NOINIT;
	const s8 *a[MR] NNMEM_FAST_NOINIT;
	int y0[MR] NNMEM_FAST_NOINIT, x0[MR] NNMEM_FAST_NOINIT;
	size_t st[MR] NNMEM_FAST_NOINIT;

	#pragma GCC unroll 8
	for (i = 0; i < 4; i++)
		zpbuf[i] = (s8)p->input_zero_point;
	#pragma GCC unroll 8
	for (i = 0; i < n; i++) {
		nnmem_fast_pixel(pl, pix + i, &b[i], &y0[i], &x0[i]);
		#pragma GCC unroll 8
		for (v = 0; v < nv; v++)
			acc[i][v] = _mm512_setzero_si512();
	}
	for (ky = 0; ky < p->k_h; ky++) {
		for (kx = 0; kx < p->k_w; kx++) {
			const s8 *wt = wcol + ((size_t)ky * p->k_w + kx) *
					      pl->kpad * NR;

			#pragma GCC unroll 8
			for (i = 0; i < n; i++) {
				a[i] = nnmem_fast_tap_ptr(job, b[i], y0[i],
							  x0[i], ky, kx, gofs);
				st[i] = a[i] ? 4 : 0;
				if (!a[i])
					a[i] = zpbuf;
			}
			for (kc = 0; kc < kfull; kc++) {
				#pragma GCC unroll 8
				for (v = 0; v < nv; v++)
					w[v] = _mm512_load_si512(wt + 64 * v);
				wt += 4 * NR;
				#pragma GCC unroll 8
				for (i = 0; i < n; i++) {
					__m512i va = _mm512_set1_epi32((int)
						(nnmem_avx512_u32(a[i]) ^
						 0x80808080U));

					a[i] += st[i];
					nnmem_avx512_row(acc[i], va, w, nv);
				}
			}
			if (!ktail)
				continue;
			#pragma GCC unroll 8
			for (v = 0; v < nv; v++)
				w[v] = _mm512_load_si512(wt + 64 * v);
			#pragma GCC unroll 8
			for (i = 0; i < n; i++) {
				const s8 *end = st[i] ? job->in_end :
					       zpbuf + 4;
				u32 x = nnmem_avx512_load4(a[i], ktail, end);

				nnmem_avx512_row(acc[i],
						 _mm512_set1_epi32((int)x), w,
						 nv);
			}
		}
	}
	#pragma GCC unroll 8
	for (i = 0; i < n; i++) {
		s8 *out = job->output + (size_t)(pix + i) * p->out_c +
			  g * pl->opg + nb * NR;

		#pragma GCC unroll 8
		for (v = 0; v < nv; v++) {
			__m512i q = nnmem_avx512_requant(job, acc[i][v],
							 j * NR + v * 16);

			_mm_mask_storeu_epi8(out + v * 16,
					     nnmem_avx512_mask(nreal - v * 16),
					     _mm512_cvtsepi32_epi8(q));
		}
	}
}

static __always_inline void
nnmem_avx512_col(const struct nnmem_fast_job *job, u32 p0, u32 p1,
		 const u32 nv, u32 j)
{
	u32 pix;

	for (pix = p0; pix + MR <= p1; pix += MR)
		nnmem_avx512_tile(job, pix, MR, nv, j);
	switch (p1 - pix) {
	case 5:
		nnmem_avx512_tile(job, pix, 5, nv, j);
		break;
	case 4:
		nnmem_avx512_tile(job, pix, 4, nv, j);
		break;
	case 3:
		nnmem_avx512_tile(job, pix, 3, nv, j);
		break;
	case 2:
		nnmem_avx512_tile(job, pix, 2, nv, j);
		break;
	case 1:
		nnmem_avx512_tile(job, pix, 1, nv, j);
		break;
	}
}

/**
 * nnmem_fast_avx512_dense() - AVX-512 VNNI dense chunk
 * @job: the run
 * @p0: first output pixel
 * @p1: one past the last
 * @j0: first column (a group's block of 64 output channels)
 * @j1: one past the last
 */
void nnmem_fast_avx512_dense(const struct nnmem_fast_job *job, u32 p0,
			     u32 p1, u32 j0, u32 j1)
{
	const struct nnmem_fast_plan *pl = job->plan;
	u32 nblk = pl->ncols / pl->p.groups, j, left;

	for (j = j0; j < j1; j++) {
		left = pl->opg - (j % nblk) * NR;
		if (left > 48)
			nnmem_avx512_col(job, p0, p1, 4, j);
		else if (left > 32)
			nnmem_avx512_col(job, p0, p1, 3, j);
		else if (left > 16)
			nnmem_avx512_col(job, p0, p1, 2, j);
		else
			nnmem_avx512_col(job, p0, p1, 1, j);
	}
}

/*
 * Depthwise: one pixel, @nv registers of 16 channels from column @j; the
 * tap's address is computed once for all of them.
 */
static __always_inline void
nnmem_avx512_dw_tile(const struct nnmem_fast_job *job, u32 pix, u32 j,
		     const u32 nv)
{
	const struct nnmem_fast_plan *pl = job->plan;
	const struct nnmem_conv2d_params *p = &pl->p;
	const s32 *wt = (const s32 *)(job->packed + pl->off_w);
	const __m128i zp = _mm_set1_epi8((char)p->input_zero_point);
	u32 c0 = j * NNMEM_FAST_DW_NR, ky, kx, b, v, k_h = p->k_h;
	u32 k_w = p->k_w, ocpad = pl->ocpad, out_c = p->out_c;
	__mmask16 k[4];
	__m512i acc[4] NNMEM_FAST_NOINIT;
	int y0, x0;

	nnmem_fast_pixel(pl, pix, &b, &y0, &x0);
	#pragma GCC unroll 4
	for (v = 0; v < nv; v++) {
		k[v] = nnmem_avx512_mask(out_c - c0 - 16 * v);
		acc[v] = _mm512_setzero_si512();
	}
	for (ky = 0; ky < k_h; ky++) {
		for (kx = 0; kx < k_w; kx++) {
			const s8 *a = nnmem_fast_tap_ptr(job, b, y0, x0, ky,
							 kx, c0);
			const s32 *w = wt + ((size_t)ky * k_w + kx) * ocpad +
				       c0;

			#pragma GCC unroll 4
			for (v = 0; v < nv; v++) {
				__m128i in = zp;
				__m512i x;

				if (a)
					in = _mm_maskz_loadu_epi8(k[v],
								  a + 16 * v);
				x = _mm512_mullo_epi32(_mm512_cvtepi8_epi32(in),
						       _mm512_loadu_si512(w +
									  16 *
									  v));
				acc[v] = _mm512_add_epi32(acc[v], x);
			}
		}
	}
	#pragma GCC unroll 4
	for (v = 0; v < nv; v++) {
		__m512i q = nnmem_avx512_requant(job, acc[v], c0 + 16 * v);

		_mm_mask_storeu_epi8(job->output + (size_t)pix * out_c + c0 +
				     16 * v, k[v], _mm512_cvtsepi32_epi8(q));
	}
}

/* Depthwise interior runs: pixels of one output row per tile. */
#define NNMEM_AVX512_DW_RUN	4

/*
 * Depthwise: @np pixels of one output row, from @pix, whose taps all lie
 * inside the input (no bounds checks), and the 16 channels of column @j:
 * each tap's weights are loaded once for all of them. For layers of few
 * channels, where a pixel's own work (its address, the requantisation
 * constants) would otherwise cost as much as its taps.
 */
static __always_inline void
nnmem_avx512_dw_run(const struct nnmem_fast_job *job, u32 pix, u32 j,
		    const u32 np, const struct nnmem_fast_dw_span *sp)
{
	const struct nnmem_fast_plan *pl = job->plan;
	const struct nnmem_conv2d_params *p = &pl->p;
	const s32 *wt = (const s32 *)(job->packed + pl->off_w);
	u32 c0 = j * NNMEM_FAST_DW_NR, ky, kx, i, out_c = p->out_c;
	const s8 *base = sp->base + c0;
	__mmask16 k = nnmem_avx512_mask(out_c - c0);
	__m512i acc[NNMEM_AVX512_DW_RUN] NNMEM_FAST_NOINIT;

	#pragma GCC unroll 4
	for (i = 0; i < np; i++)
		acc[i] = _mm512_setzero_si512();
	for (ky = 0; ky < p->k_h; ky++) {
		for (kx = 0; kx < p->k_w; kx++) {
			const s8 *a = base + ky * sp->dy + kx * sp->dx;
			__m512i w = _mm512_loadu_si512(wt + ((size_t)ky *
							     p->k_w + kx) *
							    pl->ocpad + c0);

			#pragma GCC unroll 4
			for (i = 0; i < np; i++) {
				const s8 *ai = a + i * sp->sx;
				__m128i in = _mm_maskz_loadu_epi8(k, ai);
				__m512i x = _mm512_cvtepi8_epi32(in);

				x = _mm512_mullo_epi32(x, w);
				acc[i] = _mm512_add_epi32(acc[i], x);
			}
		}
	}
	#pragma GCC unroll 4
	for (i = 0; i < np; i++) {
		__m512i q = nnmem_avx512_requant(job, acc[i], c0);

		_mm_mask_storeu_epi8(job->output + (size_t)(pix + i) * out_c +
				     c0, k, _mm512_cvtsepi32_epi8(q));
	}
}

/**
 * nnmem_fast_avx512_dw() - AVX-512 depthwise chunk
 * @job: the run
 * @p0: first output pixel
 * @p1: one past the last
 * @j0: first column (block of 16 channels)
 * @j1: one past the last
 *
 * Up to 48 channels (three columns), a pixel at a time would spend as
 * much on its own work as on its taps: interior pixels go in runs of
 * NNMEM_AVX512_DW_RUN along their row, one column at a time.
 */
void nnmem_fast_avx512_dw(const struct nnmem_fast_job *job, u32 p0, u32 p1,
			  u32 j0, u32 j1)
{
	struct nnmem_fast_dw_span sp;
	u32 pix, j;

	for (pix = p0; pix < p1; pix++) {
		if (j1 - j0 < 4 &&
		    nnmem_fast_dw_run(job, pix, p1 - pix, NNMEM_AVX512_DW_RUN,
				      &sp)) {
			for (j = j0; j < j1; j++)
				nnmem_avx512_dw_run(job, pix, j,
						    NNMEM_AVX512_DW_RUN, &sp);
			pix += NNMEM_AVX512_DW_RUN - 1;
			continue;
		}
		for (j = j0; j + 4 <= j1; j += 4)
			nnmem_avx512_dw_tile(job, pix, j, 4);
		switch (j1 - j) {
		case 3:
			nnmem_avx512_dw_tile(job, pix, j, 3);
			break;
		case 2:
			nnmem_avx512_dw_tile(job, pix, j, 2);
			break;
		case 1:
			nnmem_avx512_dw_tile(job, pix, j, 1);
			break;
		}
	}
}

#if !defined(__KERNEL__) && defined(__clang__)
#pragma clang attribute pop
#endif

#endif /* __CHECKER__ */
