/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem reference int8 kernels: portable C, built into the module and into
 * the userspace unit tests. Bit-exact with TensorFlow Lite's reference
 * integer kernels (default double rounding). See nnmem_kernels.c.
 */
#ifndef __NNMEM_KERNELS_H__
#define __NNMEM_KERNELS_H__

#include "nnmem_port.h"
#include "nnmem_shape.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
/* s8, s32, s64 come from nnmem_port.h, with u8, u32, u64. */
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#ifndef S8_MIN
#define S8_MIN		INT8_MIN
#define S8_MAX		INT8_MAX
#endif
#ifndef S32_MIN
#define S32_MIN		INT32_MIN
#define S32_MAX		INT32_MAX
#endif
#ifndef U32_MAX
#define U32_MAX		UINT32_MAX
#endif
#endif /* !__KERNEL__ */

/* Valid range of a requantization shift (positive = left), as in TFLite. */
#define NNMEM_SHIFT_MIN		(-31)
#define NNMEM_SHIFT_MAX		30

/* Largest conv2d dimension, padding, stride or dilation accepted. */
#define NNMEM_CONV2D_DIM_MAX	65535U
/* Largest element count of any tensor, so indices fit in an int. */
#define NNMEM_KERNEL_ELEMS_MAX	NNMEM_SHAPE_ELEMS_MAX
/* Largest add left_shift. */
#define NNMEM_ADD_LEFT_SHIFT_MAX	30

/* MACs of work between two progress calls when the caller gives no budget. */
#define NNMEM_KERNEL_BUDGET_DEFAULT	(128U * 1024)

/**
 * typedef nnmem_kernel_progress_fn - progress and cancellation hook
 * @ctx: &nnmem_kernel_progress.ctx, passed through unchanged
 * @done: MACs of the operation done so far
 * @total: MACs of the whole operation
 *
 * MACs count as in &struct nnmem_conv2d_shape (a conv2d charges one per
 * filter tap and input channel of each output element, padding taps
 * included) and one per output element for an add.
 *
 * Return: 0 to continue; a negative errno aborts the kernel with that
 * errno; any positive value aborts it with -EINTR.
 */
typedef int (*nnmem_kernel_progress_fn)(void *ctx, u64 done, u64 total);

/**
 * struct nnmem_kernel_progress - when and how a kernel reports progress
 * @fn: the hook; called once at least @budget MACs were done since the
 *	previous call (or the start), at the kernel's next check point
 * @ctx: passed to @fn
 * @budget: MACs between calls; 0 means %NNMEM_KERNEL_BUDGET_DEFAULT
 *
 * The check points depend on work done, not on the shape: a conv2d checks
 * after every output row if a row's MACs fit in @budget, else after every
 * output element if an element's do, else after every filter tap (at most
 * %NNMEM_CONV2D_DIM_MAX MACs, the innermost loop) inside the elements; an
 * add after every @budget elements. So the work between two calls is less
 * than twice @budget, or @budget + %NNMEM_CONV2D_DIM_MAX MACs, however the
 * operation is shaped, and a job worker can cond_resched() and look for
 * cancellation from @fn. A call may come in the middle of an output
 * element; the element is written only if the kernel goes on.
 */
struct nnmem_kernel_progress {
	nnmem_kernel_progress_fn fn;
	void *ctx;
	u64 budget;
};

/**
 * struct nnmem_conv2d_params - shape and quantization of one conv2d
 * @batch: input and output batch (N)
 * @in_h: input height
 * @in_w: input width
 * @in_c: input channels; the filter has @in_c / @groups input channels
 * @out_c: output channels, one filter each (the filter's O)
 * @k_h: filter height
 * @k_w: filter width
 * @groups: channel groups; @in_c == @groups with @out_c a multiple of it is
 *	a depthwise convolution (multiplier @out_c / @in_c)
 * @stride_h: vertical stride
 * @stride_w: horizontal stride
 * @dilation_h: vertical dilation
 * @dilation_w: horizontal dilation
 * @pad_top: rows of implicit padding above the input
 * @pad_bottom: rows of implicit padding below the input
 * @pad_left: columns of implicit padding left of the input
 * @pad_right: columns of implicit padding right of the input
 * @input_zero_point: subtracted from every input value, in [-128, 127]
 * @output_zero_point: added to every requantized value, in [-128, 127]
 * @act_min: lower output clamp, in [-128, @act_max]
 * @act_max: upper output clamp, in [@act_min, 127]
 *
 * Tensors are NHWC input, OHWI filter and NHWC output, all int8, densely
 * packed. Taps in the padding are skipped, which is zero padding in the
 * zero-point-corrected domain.
 */
struct nnmem_conv2d_params {
	u32 batch;
	u32 in_h;
	u32 in_w;
	u32 in_c;
	u32 out_c;
	u32 k_h;
	u32 k_w;
	u32 groups;
	u32 stride_h;
	u32 stride_w;
	u32 dilation_h;
	u32 dilation_w;
	u32 pad_top;
	u32 pad_bottom;
	u32 pad_left;
	u32 pad_right;
	s32 input_zero_point;
	s32 output_zero_point;
	s32 act_min;
	s32 act_max;
};

/**
 * struct nnmem_conv2d_shape - sizes derived from &struct nnmem_conv2d_params
 * @out_h: output height
 * @out_w: output width
 * @input_elems: int8 elements (bytes) of the input
 * @filter_elems: int8 elements (bytes) of the filter
 * @output_elems: int8 elements (bytes) of the output
 * @channel_elems: entries in each per-channel array (bias, multiplier,
 *	shift), each an s32
 * @macs: multiply-accumulates, counting padding taps, for cost estimates
 */
struct nnmem_conv2d_shape {
	u32 out_h;
	u32 out_w;
	u64 input_elems;
	u64 filter_elems;
	u64 output_elems;
	u64 channel_elems;
	u64 macs;
};

/**
 * struct nnmem_conv2d_tensors - the data of one conv2d
 * @input: NHWC input, &nnmem_conv2d_shape.input_elems values
 * @filter: OHWI filter, &nnmem_conv2d_shape.filter_elems values
 * @bias: one per output channel, or NULL for no bias
 * @multiplier: Q31 requantization multiplier, one per output channel
 * @shift: requantization shift (positive = left), one per output channel,
 *	each in [%NNMEM_SHIFT_MIN, %NNMEM_SHIFT_MAX]
 * @output: NHWC output, &nnmem_conv2d_shape.output_elems values; must not
 *	overlap any of the other arrays
 */
struct nnmem_conv2d_tensors {
	const s8 *input;
	const s8 *filter;
	const s32 *bias;
	const s32 *multiplier;
	const s32 *shift;
	s8 *output;
};

/**
 * struct nnmem_add_params - quantization of one int8 add
 * @input1_zero_point: zero point of the first operand, in [-128, 127]
 * @input2_zero_point: zero point of the second operand, in [-128, 127]
 * @left_shift: both operands are multiplied by 2^@left_shift first,
 *	in [0, %NNMEM_ADD_LEFT_SHIFT_MAX] (TFLite uses 20 for int8)
 * @input1_multiplier: Q31 multiplier of the first operand
 * @input1_shift: shift of the first operand (positive = left)
 * @input2_multiplier: Q31 multiplier of the second operand
 * @input2_shift: shift of the second operand (positive = left)
 * @output_multiplier: Q31 multiplier of the sum
 * @output_shift: shift of the sum (positive = left)
 * @output_zero_point: added to the requantized sum, in [-128, 127]
 * @act_min: lower output clamp, in [-128, @act_max]
 * @act_max: upper output clamp, in [@act_min, 127]
 *
 * All shifts are in [%NNMEM_SHIFT_MIN, %NNMEM_SHIFT_MAX].
 */
struct nnmem_add_params {
	s32 input1_zero_point;
	s32 input2_zero_point;
	s32 left_shift;
	s32 input1_multiplier;
	s32 input1_shift;
	s32 input2_multiplier;
	s32 input2_shift;
	s32 output_multiplier;
	s32 output_shift;
	s32 output_zero_point;
	s32 act_min;
	s32 act_max;
};

s32 nnmem_mbqm(s32 x, s32 multiplier, int shift);

int nnmem_conv2d_shape_get(const struct nnmem_conv2d_params *p,
			   struct nnmem_conv2d_shape *shape);
int nnmem_conv2d_run(const struct nnmem_conv2d_params *p,
		     const struct nnmem_conv2d_tensors *t,
		     const struct nnmem_kernel_progress *prog);

int nnmem_add_validate(const struct nnmem_add_params *p, u32 n1, u32 n2);
int nnmem_add_run(const struct nnmem_add_params *p, const s8 *input1, u32 n1,
		  const s8 *input2, u32 n2, s8 *output,
		  const struct nnmem_kernel_progress *prog);

#endif /* __NNMEM_KERNELS_H__ */
