/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem fast int8 kernels: conv2d (any groups, so depthwise too) and fully
 * connected layers, byte-identical with the reference kernels of
 * nnmem_kernels.c, on packed weights. Portable C (a blocked scalar path)
 * plus x86-64 AVX2 and AVX-512 (F/BW/VL with VNNI) paths in their own
 * files, built with their own instruction set flags. See nnmem_fast.c.
 *
 * Use:
 *   1. nnmem_fast_conv2d_plan() (or nnmem_fast_fc_plan()) once per node,
 *      at graph creation: picks the path for the shape and the CPU (or the
 *      one asked for) and sizes the packed weights;
 *   2. nnmem_fast_pack() once: filter, bias, input zero point and
 *      requantisation in the path's layout, into a caller-provided buffer
 *      of &nnmem_fast_plan.packed_bytes, 64-byte aligned;
 *   3. nnmem_fast_run() for every inference: no allocation, work cut into
 *      chunks of at most the progress budget, each one bracketed by the
 *      optional SIMD section hooks of &struct nnmem_fast_env.
 */
#ifndef __NNMEM_FAST_H__
#define __NNMEM_FAST_H__

#include "nnmem_kernels.h"

/**
 * enum nnmem_fast_level - the code paths
 * @NNMEM_FAST_REF: the reference kernels of nnmem_kernels.c (nothing
 *	packed); also used for shapes the fast paths cannot chunk finely
 *	enough for the progress budget
 * @NNMEM_FAST_SCALAR: blocked portable C, for any CPU
 * @NNMEM_FAST_AVX2: x86-64 AVX2 (16-bit products, vpmaddwd)
 * @NNMEM_FAST_AVX512: x86-64 AVX-512 F/BW/VL and VNNI (vpdpbusd)
 * @NNMEM_FAST_LEVELS: number of levels
 */
enum nnmem_fast_level {
	NNMEM_FAST_REF,
	NNMEM_FAST_SCALAR,
	NNMEM_FAST_AVX2,
	NNMEM_FAST_AVX512,
	NNMEM_FAST_LEVELS,
};

/* Level argument of the plan functions: the best one for shape and CPU. */
#define NNMEM_FAST_AUTO		(-1)

/* Alignment of the packed buffer. */
#define NNMEM_FAST_ALIGN	64

/* Work of one chunk (MACs) when there is an env but no progress hook. */
#define NNMEM_FAST_CHUNK_DEFAULT	(1024U * 1024)

/**
 * enum nnmem_fast_kind - how a plan computes
 * @NNMEM_FAST_DENSE: implicit GEMM over (pixels) x (output channels of a
 *	group), k = filter taps x input channels of the group
 * @NNMEM_FAST_DW: depthwise with multiplier 1, vectorised over channels
 */
enum nnmem_fast_kind {
	NNMEM_FAST_DENSE,
	NNMEM_FAST_DW,
};

/**
 * struct nnmem_fast_plan - a node's path and packed layout
 * @p: the conv2d (a fully connected layer as a 1x1 conv2d over @p.batch
 *	= rows pixels)
 * @level: the path, an &enum nnmem_fast_level
 * @kind: an &enum nnmem_fast_kind
 * @fc: the node is a fully connected layer (the reference fallback then
 *	is nnmem_fc_run() with @fc_p)
 * @fc_p: the fully connected layer's parameters, if @fc
 * @out_h: output height
 * @out_w: output width
 * @pixels: output pixels, batch x @out_h x @out_w
 * @taps: filter taps, k_h x k_w
 * @cpg: input channels per group
 * @opg: output channels per group
 * @nr: output channels of a column (a block of a group's channels)
 * @ncols: columns: groups x blocks of @nr (dense), blocks of @nr
 *	channels (depthwise)
 * @kpad: a tap's input channels as packed, rounded up for the SIMD width
 * @ocpad: entries of the per-channel arrays, @ncols x @nr
 * @col_macs: MACs of one pixel of one column
 * @wcol_bytes: packed filter bytes of one full column
 * @off_w: offset of the packed filter in the packed buffer
 * @packed_bytes: size of the packed buffer
 * @macs: MACs of the node, as the reference kernels count them
 *
 * The packed buffer starts with four s32 arrays of @ocpad entries: bias
 * (with the input zero point's share folded in), multiplier, left shift
 * and right shift; then the filter at @off_w.
 */
struct nnmem_fast_plan {
	struct nnmem_conv2d_params p;
	struct nnmem_fc_params fc_p;
	u32 level;
	u32 kind;
	bool fc;
	u32 out_h;
	u32 out_w;
	u32 pixels;
	u32 taps;
	u32 cpg;
	u32 opg;
	u32 nr;
	u32 ncols;
	u32 kpad;
	u32 ocpad;
	u64 col_macs;
	u64 wcol_bytes;
	u64 off_w;
	u64 packed_bytes;
	u64 macs;
};

/**
 * struct nnmem_fast_env - where a run may use SIMD registers
 * @simd_begin: called before every chunk of a SIMD path (in the kernel:
 *	false unless irq_fpu_usable(), then kernel_fpu_begin()); false
 *	makes the run finish on the reference kernel instead
 * @simd_end: called after every such chunk (kernel_fpu_end())
 * @ctx: passed to both
 * @ran: if not NULL, set by nnmem_fast_run() to the level that computed
 *	the node: the plan's, or %NNMEM_FAST_REF when the reference kernel
 *	did (refused section, too coarse a chunk, or the plan's level)
 *
 * A chunk is at most the progress budget of work (or
 * %NNMEM_FAST_CHUNK_DEFAULT without a hook), and the progress hook is
 * called between chunks, outside the section: so the section is bounded,
 * and preemption and cancellation happen between sections.
 */
struct nnmem_fast_env {
	bool (*simd_begin)(void *ctx);
	void (*simd_end)(void *ctx);
	void *ctx;
	u32 *ran;
};

/**
 * struct nnmem_fast_tensors - the weights of a node, for nnmem_fast_pack()
 * @filter: OHWI conv2d filter, or the fully connected out_c x depth one
 * @bias: one per output channel, or NULL
 * @multiplier: Q31 multipliers: one per output channel, or one for all
 *	(a per-tensor fully connected layer)
 * @shift: shifts, as many
 */
struct nnmem_fast_tensors {
	const s8 *filter;
	const s32 *bias;
	const s32 *multiplier;
	const s32 *shift;
};

u32 nnmem_fast_cpu_levels(void);
int nnmem_fast_conv2d_plan(const struct nnmem_conv2d_params *p, int level,
			   struct nnmem_fast_plan *plan);
int nnmem_fast_fc_plan(const struct nnmem_fc_params *p, int level,
		       struct nnmem_fast_plan *plan);
int nnmem_fast_pack_check(const struct nnmem_fast_plan *plan,
			  const struct nnmem_fast_tensors *w);
void nnmem_fast_pack_cols(const struct nnmem_fast_plan *plan,
			  const struct nnmem_fast_tensors *w, void *packed,
			  u32 j0, u32 j1);
int nnmem_fast_pack(const struct nnmem_fast_plan *plan,
		    const struct nnmem_fast_tensors *w, void *packed);
int nnmem_fast_run(const struct nnmem_fast_plan *plan, const void *packed,
		   const struct nnmem_fast_tensors *w, const s8 *input,
		   s8 *output, const struct nnmem_kernel_progress *prog,
		   const struct nnmem_fast_env *env);

/* ---- between nnmem_fast.c and the SIMD files; not for callers ---- */

/**
 * struct nnmem_fast_job - one run, as the chunk functions see it
 * @plan: the plan
 * @packed: the packed buffer
 * @input: NHWC input (rows x depth for a fully connected layer)
 * @output: NHWC output
 * @in_end: one past the input's last byte
 */
struct nnmem_fast_job {
	const struct nnmem_fast_plan *plan;
	const u8 *packed;
	const s8 *input;
	s8 *output;
	const s8 *in_end;
};

/*
 * A chunk: output pixels [p0, p1) of columns [j0, j1). Each path has one
 * for the dense kind and one for depthwise.
 */
typedef void (*nnmem_fast_chunk_fn)(const struct nnmem_fast_job *job,
				    u32 p0, u32 p1, u32 j0, u32 j1);

/* The register tiles of the SIMD paths (see NNMEM_NOINIT). */
#define NNMEM_FAST_NOINIT	NNMEM_NOINIT

/* Pixels a path's dense chunk computes together; its chunks use this. */
#define NNMEM_FAST_SCALAR_MR	4
#define NNMEM_FAST_SCALAR_NR	4
#define NNMEM_FAST_AVX2_MR	3
#define NNMEM_FAST_AVX2_NR	8
#define NNMEM_FAST_AVX2_KU	8
#define NNMEM_FAST_AVX512_MR	6
#define NNMEM_FAST_AVX512_NR	64
#define NNMEM_FAST_AVX512_KU	4
/* channels of a depthwise column, every path */
#define NNMEM_FAST_DW_NR	16

void nnmem_fast_avx2_dense(const struct nnmem_fast_job *job, u32 p0, u32 p1,
			   u32 j0, u32 j1);
void nnmem_fast_avx2_dw(const struct nnmem_fast_job *job, u32 p0, u32 p1,
			u32 j0, u32 j1);
void nnmem_fast_avx512_dense(const struct nnmem_fast_job *job, u32 p0,
			     u32 p1, u32 j0, u32 j1);
void nnmem_fast_avx512_dw(const struct nnmem_fast_job *job, u32 p0, u32 p1,
			  u32 j0, u32 j1);

/*
 * The input address of a pixel's tap, or NULL in the padding. @gofs is
 * the group's first channel.
 */
static inline const s8 *nnmem_fast_tap_ptr(const struct nnmem_fast_job *job,
					   u32 b, int y0, int x0, u32 ky,
					   u32 kx, u32 gofs)
{
	const struct nnmem_conv2d_params *p = &job->plan->p;
	int y = y0 + (int)(ky * p->dilation_h);
	int x = x0 + (int)(kx * p->dilation_w);

	if (y < 0 || y >= (int)p->in_h || x < 0 || x >= (int)p->in_w)
		return NULL;
	return job->input + (((size_t)b * p->in_h + (u32)y) * p->in_w +
			     (u32)x) * p->in_c + gofs;
}

/* Output pixel @pix: its batch and the input coordinates of tap (0, 0). */
static inline void nnmem_fast_pixel(const struct nnmem_fast_plan *plan,
				    u32 pix, u32 *b, int *y0, int *x0)
{
	u32 hw = plan->out_h * plan->out_w;
	u32 r = pix % hw;

	*b = pix / hw;
	*y0 = (int)((r / plan->out_w) * plan->p.stride_h) -
	      (int)plan->p.pad_top;
	*x0 = (int)((r % plan->out_w) * plan->p.stride_w) -
	      (int)plan->p.pad_left;
}

/**
 * struct nnmem_fast_dw_span - where a depthwise run's taps are
 * @base: the first pixel's tap (0, 0), at channel 0
 * @sx: bytes to the next pixel's same tap
 * @dx: bytes to the next tap along a filter row
 * @dy: bytes to the next filter row
 */
struct nnmem_fast_dw_span {
	const s8 *base;
	size_t sx;
	size_t dx;
	size_t dy;
};

/*
 * Depthwise runs: @np output pixels from @pix (at most @left remain in the
 * chunk) of one output row whose taps all lie inside the input, so that a
 * SIMD path can take them together, without bounds checks, each tap's
 * weights loaded once. Returns @np, with their taps in *@sp, or 0 if they
 * are not such a run.
 */
static inline u32 nnmem_fast_dw_run(const struct nnmem_fast_job *job,
				    u32 pix, u32 left, u32 np,
				    struct nnmem_fast_dw_span *sp)
{
	const struct nnmem_fast_plan *plan = job->plan;
	const struct nnmem_conv2d_params *p = &plan->p;
	size_t in_c = p->in_c;
	int y0, x0, last_x;
	u32 b;

	if (left < np || pix % plan->out_w + np > plan->out_w)
		return 0;
	nnmem_fast_pixel(plan, pix, &b, &y0, &x0);
	last_x = x0 + (int)((np - 1) * p->stride_w +
			    (p->k_w - 1) * p->dilation_w);
	if (y0 < 0 || x0 < 0 || last_x >= (int)p->in_w ||
	    y0 + (int)((p->k_h - 1) * p->dilation_h) >= (int)p->in_h)
		return 0;
	sp->base = job->input + (((size_t)b * p->in_h + (u32)y0) * p->in_w +
				 (u32)x0) * in_c;
	sp->sx = (size_t)p->stride_w * in_c;
	sp->dx = (size_t)p->dilation_w * in_c;
	sp->dy = (size_t)p->dilation_h * p->in_w * in_c;
	return np;
}

/* The four per-channel arrays at the start of the packed buffer. */
static inline const s32 *nnmem_fast_qarray(const struct nnmem_fast_job *job,
					   unsigned int which)
{
	return (const s32 *)job->packed + (size_t)which * job->plan->ocpad;
}

#define NNMEM_FAST_Q_BIAS	0
#define NNMEM_FAST_Q_MULT	1
#define NNMEM_FAST_Q_LSHIFT	2
#define NNMEM_FAST_Q_RSHIFT	3

#endif /* __NNMEM_FAST_H__ */
