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

/*
 * Largest pooling window, in taps: the int32 sum of an average pool's
 * int8 taps (TFLite's accumulator) then cannot overflow.
 */
#define NNMEM_POOL_TAPS_MAX	0x1000000U	/* 2^24 */
/* Largest softmax input_left_shift. */
#define NNMEM_SOFTMAX_LEFT_SHIFT_MAX	31
/*
 * MACs a softmax charges per element: one for each of its three passes
 * over a row (the row's maximum, the sum of exps, the outputs).
 */
#define NNMEM_SOFTMAX_MACS_PER_ELEM	3

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
 * included), one per output element for an add, one per filter element
 * and row for a fully connected layer (rows * out_c * depth), one per
 * window tap of each output element for a pooling (padding taps
 * included), and %NNMEM_SOFTMAX_MACS_PER_ELEM per element for a softmax.
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
 * %NNMEM_CONV2D_DIM_MAX MACs, the innermost loop) inside the elements; a
 * pooling likewise, with a row of window taps (at most
 * %NNMEM_CONV2D_DIM_MAX MACs) in place of a filter tap; a fully connected
 * layer after every row of outputs, or every output, if their MACs fit in
 * @budget, else after every @budget MACs of an output's dot product; an
 * add after every @budget elements, and a softmax after every @budget
 * MACs of each of its passes over a row. So the work between two calls is
 * less than twice @budget, or @budget + %NNMEM_CONV2D_DIM_MAX MACs,
 * however the operation is shaped, and a job worker can cond_resched()
 * and look for cancellation from @fn. A call may come in the middle of an
 * output element (or of a softmax row); the element (the row's outputs
 * not yet written) is written only if the kernel goes on.
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

/**
 * struct nnmem_fc_params - shape and quantization of one fully connected
 * @rows: input rows: input elements / @depth (TFLite's batches)
 * @depth: elements of a row, the filter's second dim (accum_depth)
 * @out_c: outputs of a row, the filter's first dim
 * @channels: entries of the multiplier and shift arrays: 1 (per-tensor
 *	quantisation, TFLite's FullyConnected) or @out_c (per channel,
 *	FullyConnectedPerChannel)
 * @input_zero_point: subtracted from every input value, in [-128, 127]
 * @output_zero_point: added to every requantized value, in [-128, 127]
 * @act_min: lower output clamp, in [-128, @act_max]
 * @act_max: upper output clamp, in [@act_min, 127]
 *
 * The input is @rows x @depth, the filter @out_c x @depth (zero point 0),
 * the output @rows x @out_c, all int8 and densely packed.
 */
struct nnmem_fc_params {
	u32 rows;
	u32 depth;
	u32 out_c;
	u32 channels;
	s32 input_zero_point;
	s32 output_zero_point;
	s32 act_min;
	s32 act_max;
};

/**
 * struct nnmem_fc_tensors - the data of one fully connected layer
 * @input: @rows x @depth values
 * @filter: @out_c x @depth values
 * @bias: @out_c values, or NULL for no bias
 * @multiplier: Q31 requantization multipliers, &nnmem_fc_params.channels
 * @shift: shifts (positive = left), as many, each in
 *	[%NNMEM_SHIFT_MIN, %NNMEM_SHIFT_MAX]
 * @output: @rows x @out_c values; must not overlap the other arrays
 */
struct nnmem_fc_tensors {
	const s8 *input;
	const s8 *filter;
	const s32 *bias;
	const s32 *multiplier;
	const s32 *shift;
	s8 *output;
};

/**
 * struct nnmem_pool2d_params - shape and clamp of one average or max pool
 * @batch: input and output batch (N)
 * @in_h: input height
 * @in_w: input width
 * @channels: input and output channels (C)
 * @filter_h: window height
 * @filter_w: window width
 * @stride_h: vertical stride
 * @stride_w: horizontal stride
 * @pad_top: rows above the input, less than @filter_h
 * @pad_bottom: rows below the input, less than @filter_h
 * @pad_left: columns left of the input, less than @filter_w
 * @pad_right: columns right of the input, less than @filter_w
 * @act_min: lower output clamp, in [-128, @act_max]
 * @act_max: upper output clamp, in [@act_min, 127]
 *
 * Input and output are int8 NHWC with the same zero point and scale, so
 * no zero point enters the computation. Window taps outside the input
 * are left out; the padding limits make sure every window has one inside.
 */
struct nnmem_pool2d_params {
	u32 batch;
	u32 in_h;
	u32 in_w;
	u32 channels;
	u32 filter_h;
	u32 filter_w;
	u32 stride_h;
	u32 stride_w;
	u32 pad_top;
	u32 pad_bottom;
	u32 pad_left;
	u32 pad_right;
	s32 act_min;
	s32 act_max;
};

/**
 * struct nnmem_pool2d_shape - sizes derived from &struct nnmem_pool2d_params
 * @out_h: output height
 * @out_w: output width
 * @input_elems: int8 elements (bytes) of the input
 * @output_elems: int8 elements (bytes) of the output
 * @macs: window taps of all output elements, padding taps included
 */
struct nnmem_pool2d_shape {
	u32 out_h;
	u32 out_w;
	u64 input_elems;
	u64 output_elems;
	u64 macs;
};

/**
 * struct nnmem_softmax_params - shape and scaling of one int8 softmax
 * @rows: rows: elements / @depth
 * @depth: elements of a row, the input's last dim
 * @input_multiplier: Q31 multiplier of beta * input scale, at least 0
 *	(TFLite's PreprocessSoftmaxScaling with 5 integer bits)
 * @input_left_shift: its left shift, in [0, %NNMEM_SOFTMAX_LEFT_SHIFT_MAX]
 * @diff_min: differences from the row maximum below this give -128, in
 *	[-2^31 + 1, 0] (TFLite's -CalculateInputRadius(5, left_shift))
 *
 * The output has scale 1/256 and zero point -128, as TFLite requires.
 */
struct nnmem_softmax_params {
	u32 rows;
	u32 depth;
	s32 input_multiplier;
	s32 input_left_shift;
	s32 diff_min;
};

s32 nnmem_mbqm(s32 x, s32 multiplier, int shift);

int nnmem_conv2d_shape_get(const struct nnmem_conv2d_params *p,
			   struct nnmem_conv2d_shape *shape);
int nnmem_conv2d_run(const struct nnmem_conv2d_params *p,
		     const struct nnmem_conv2d_tensors *t,
		     const struct nnmem_kernel_progress *prog);
int nnmem_conv2d_run_valid(const struct nnmem_conv2d_params *p,
			   const struct nnmem_conv2d_tensors *t,
			   const struct nnmem_kernel_progress *prog);

int nnmem_add_validate(const struct nnmem_add_params *p, u32 n1, u32 n2);
int nnmem_add_run(const struct nnmem_add_params *p, const s8 *input1, u32 n1,
		  const s8 *input2, u32 n2, s8 *output,
		  const struct nnmem_kernel_progress *prog);

int nnmem_fc_validate(const struct nnmem_fc_params *p, u64 *macs);
int nnmem_fc_run(const struct nnmem_fc_params *p,
		 const struct nnmem_fc_tensors *t,
		 const struct nnmem_kernel_progress *prog);

int nnmem_pool2d_shape_get(const struct nnmem_pool2d_params *p,
			   struct nnmem_pool2d_shape *shape);
int nnmem_avg_pool2d_run(const struct nnmem_pool2d_params *p,
			 const s8 *input, s8 *output,
			 const struct nnmem_kernel_progress *prog);
int nnmem_max_pool2d_run(const struct nnmem_pool2d_params *p,
			 const s8 *input, s8 *output,
			 const struct nnmem_kernel_progress *prog);

int nnmem_softmax_validate(const struct nnmem_softmax_params *p, u64 *macs);
int nnmem_softmax_run(const struct nnmem_softmax_params *p, const s8 *input,
		      s8 *output, const struct nnmem_kernel_progress *prog);

#endif /* __NNMEM_KERNELS_H__ */
