// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem reference int8 kernels.
 *
 * These are the kernels the job worker runs on the CPU, and the oracle the
 * accelerator is checked against. They are plain C with no floating point
 * and nothing from the kernel but types and errnos, so the same file builds
 * into the module and into the userspace unit tests.
 *
 * They are bit-exact with TensorFlow Lite's reference integer kernels
 * (reference_integer_ops::ConvPerChannel and the int8 Add), using TFLite's
 * default "double rounding" MultiplyByQuantizedMultiplier: a saturating
 * rounding doubling high multiply followed by a rounding divide by a power
 * of two.
 *
 * TFLite computes in int32 and would overflow (undefined behaviour in C++)
 * on extreme inputs. Here every such step is defined and matches what the
 * int32 code does on two's-complement hardware:
 *  - the conv accumulator (bias plus all products) wraps modulo 2^32;
 *  - a left shift inside MultiplyByQuantizedMultiplier, and the add's
 *    left_shift, wrap modulo 2^32;
 *  - the sum of the two scaled add operands wraps modulo 2^32.
 * The one deliberate difference: the output zero point is added to the
 * requantized value in 64 bits before clamping, so a result near S32_MAX
 * clamps to act_max instead of wrapping around to act_min.
 *
 * No signed arithmetic here overflows, no negative value is shifted, and
 * there is no 64-bit division.
 */

#include "nnmem_kernels.h"

/*
 * Truncating division of @v by 2^@e, as C's '/' does; |v| <= 2^62 + 2^30
 * here, so negating it cannot overflow.
 */
static s64 nnmem_div_trunc_pow2(s64 v, unsigned int e)
{
	if (v >= 0)
		return (s64)((u64)v >> e);
	return -(s64)((u64)(-v) >> e);
}

/*
 * gemmlowp SaturatingRoundingDoublingHighMul: the high 32 bits of 2*a*b,
 * rounded; saturates the one overflowing case, S32_MIN * S32_MIN.
 */
static s32 nnmem_srdhm(s32 a, s32 b)
{
	s64 ab = (s64)a * b;
	s64 nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));

	if (a == b && a == S32_MIN)
		return S32_MAX;
	return (s32)nnmem_div_trunc_pow2(ab + nudge, 31);
}

/*
 * gemmlowp RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from
 * zero, for e in [0, 31].
 */
static s32 nnmem_rdbpot(s32 x, unsigned int e)
{
	s64 mask = (1LL << e) - 1;
	s64 threshold = (mask >> 1) + (x < 0 ? 1 : 0);
	s64 q, rem;

	/* q = floor(x / 2^e), rem = x - q * 2^e = x & mask */
	if (x >= 0)
		q = (s64)((u64)x >> e);
	else
		q = -(s64)(((u64)(-(s64)x) + (u64)mask) >> e);
	rem = (s64)x - q * (1LL << e);
	return (s32)(q + (rem > threshold ? 1 : 0));
}

/**
 * nnmem_mbqm() - TFLite MultiplyByQuantizedMultiplier, double rounding
 * @x: value to scale
 * @multiplier: Q31 fixed-point multiplier
 * @shift: power of two (positive = left), in [%NNMEM_SHIFT_MIN,
 *	%NNMEM_SHIFT_MAX]; values outside are clamped to that range
 *
 * A positive @shift multiplies @x by 2^@shift first (wrapping modulo 2^32
 * as TFLite's int32 multiply does on real hardware), then takes the
 * saturating rounding doubling high product with @multiplier; a negative
 * @shift divides that product by 2^-@shift, rounding ties away from zero.
 *
 * Return: the scaled value.
 */
s32 nnmem_mbqm(s32 x, s32 multiplier, int shift)
{
	unsigned int left, right;

	if (shift > NNMEM_SHIFT_MAX)
		shift = NNMEM_SHIFT_MAX;
	if (shift < NNMEM_SHIFT_MIN)
		shift = NNMEM_SHIFT_MIN;
	left = shift > 0 ? shift : 0;
	right = shift > 0 ? 0 : -shift;
	x = (s32)((u32)x << left);
	return nnmem_rdbpot(nnmem_srdhm(x, multiplier), right);
}

static bool nnmem_s8_range_ok(s32 v)
{
	return v >= S8_MIN && v <= S8_MAX;
}

static bool nnmem_shift_ok(s32 shift)
{
	return shift >= NNMEM_SHIFT_MIN && shift <= NNMEM_SHIFT_MAX;
}

/* *@acc *= @f, false if that exceeds NNMEM_KERNEL_ELEMS_MAX */
static bool nnmem_elems_mul(u64 *acc, u32 f)
{
	/* *acc <= 2^31 and f < 2^32, so the product fits in u64 */
	*acc *= f;
	return *acc <= NNMEM_KERNEL_ELEMS_MAX;
}

/**
 * nnmem_conv2d_shape_get() - validate a conv2d and compute its sizes
 * @p: shape and quantization parameters
 * @shape: filled in on success; unchanged on error
 *
 * The graph validator uses this to size and check tensors before any job
 * runs; nnmem_conv2d_run() calls it again itself.
 *
 * Return: 0 on success;
 * -EINVAL if a dimension, stride, dilation or @p->groups is 0, if
 * @p->groups does not divide both channel counts, or if the dilated filter
 * is larger than the padded input (output dimension of 0 or less);
 * -EOVERFLOW if a dimension, padding, stride or dilation exceeds
 * %NNMEM_CONV2D_DIM_MAX or a tensor has more than %NNMEM_KERNEL_ELEMS_MAX
 * elements;
 * -ERANGE if a zero point or activation bound is outside [-128, 127] or
 * @p->act_min > @p->act_max.
 */
int nnmem_conv2d_shape_get(const struct nnmem_conv2d_params *p,
			   struct nnmem_conv2d_shape *shape)
{
	const u32 dims[] = {
		p->batch, p->in_h, p->in_w, p->in_c, p->out_c, p->k_h, p->k_w,
		p->groups, p->stride_h, p->stride_w, p->dilation_h,
		p->dilation_w,
	};
	struct nnmem_conv2d_shape s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dims); i++) {
		if (!dims[i])
			return -EINVAL;
		if (dims[i] > NNMEM_CONV2D_DIM_MAX)
			return -EOVERFLOW;
	}
	if (p->pad_top > NNMEM_CONV2D_DIM_MAX ||
	    p->pad_bottom > NNMEM_CONV2D_DIM_MAX ||
	    p->pad_left > NNMEM_CONV2D_DIM_MAX ||
	    p->pad_right > NNMEM_CONV2D_DIM_MAX)
		return -EOVERFLOW;
	if (p->in_c % p->groups || p->out_c % p->groups)
		return -EINVAL;
	if (!nnmem_s8_range_ok(p->input_zero_point) ||
	    !nnmem_s8_range_ok(p->output_zero_point) ||
	    !nnmem_s8_range_ok(p->act_min) ||
	    !nnmem_s8_range_ok(p->act_max) || p->act_min > p->act_max)
		return -ERANGE;

	s.out_h = nnmem_shape_conv_out_dim(p->in_h, p->pad_top, p->pad_bottom,
					   p->k_h, p->dilation_h, p->stride_h);
	s.out_w = nnmem_shape_conv_out_dim(p->in_w, p->pad_left,
					   p->pad_right, p->k_w, p->dilation_w,
					   p->stride_w);
	if (!s.out_h || !s.out_w)
		return -EINVAL;

	s.input_elems = p->batch;
	if (!nnmem_elems_mul(&s.input_elems, p->in_h) ||
	    !nnmem_elems_mul(&s.input_elems, p->in_w) ||
	    !nnmem_elems_mul(&s.input_elems, p->in_c))
		return -EOVERFLOW;
	s.filter_elems = p->out_c;
	if (!nnmem_elems_mul(&s.filter_elems, p->k_h) ||
	    !nnmem_elems_mul(&s.filter_elems, p->k_w) ||
	    !nnmem_elems_mul(&s.filter_elems, p->in_c / p->groups))
		return -EOVERFLOW;
	s.output_elems = p->batch;
	if (!nnmem_elems_mul(&s.output_elems, s.out_h) ||
	    !nnmem_elems_mul(&s.output_elems, s.out_w) ||
	    !nnmem_elems_mul(&s.output_elems, p->out_c))
		return -EOVERFLOW;
	s.channel_elems = p->out_c;
	/* below 2^62: output_elems and filter_elems / out_c are < 2^31 */
	s.macs = nnmem_shape_conv_macs(s.output_elems, p->k_h, p->k_w,
				       p->in_c / p->groups);

	*shape = s;
	return 0;
}

/*
 * Work metering for the progress hook: @done counts MACs as the shape does,
 * and the hook is called once it reaches @next. Without a hook @next stays
 * U64_MAX, which @done (at most a conv2d's MACs, below 2^62) never reaches.
 * @err is the error that stopped the run.
 */
struct nnmem_meter {
	const struct nnmem_kernel_progress *prog;
	u64 done;
	u64 next;
	u64 budget;
	u64 total;
	int err;
};

static void nnmem_meter_init(struct nnmem_meter *m,
			     const struct nnmem_kernel_progress *prog,
			     u64 total)
{
	m->prog = prog && prog->fn ? prog : NULL;
	m->done = 0;
	m->total = total;
	m->budget = 0;
	m->next = U64_MAX;
	m->err = 0;
	if (!m->prog)
		return;
	m->budget = prog->budget ? prog->budget : NNMEM_KERNEL_BUDGET_DEFAULT;
	/* keeps done + budget from wrapping */
	if (m->budget > (1ULL << 62))
		m->budget = 1ULL << 62;
	m->next = m->budget;
}

static bool nnmem_meter_call(struct nnmem_meter *m)
{
	int ret = m->prog->fn(m->prog->ctx, m->done, m->total);

	if (ret) {
		m->err = ret < 0 ? ret : -EINTR;
		return true;
	}
	m->next = m->done + m->budget;
	return false;
}

/*
 * Charges @macs of work done and calls the hook when the budget is spent.
 * Return: true if the hook stops the run (its error in @m->err).
 */
static inline bool nnmem_meter_charge(struct nnmem_meter *m, u64 macs)
{
	m->done += macs;
	if (likely(m->done < m->next))
		return false;
	return nnmem_meter_call(m);
}

/*
 * One filter tap over its input channels: the sum of
 * f[ic] * (in[ic] - input_zero_point), modulo 2^32.
 */
static inline u32 nnmem_conv2d_tap(const s8 *in, const s8 *f, u32 n,
				   s32 in_offset)
{
	u32 acc = 0, ic;

	/* each product is within +-128 * 255 */
	for (ic = 0; ic < n; ic++)
		acc += (u32)(f[ic] * (in[ic] + in_offset));
	return acc;
}

/*
 * The int32 accumulator of one output value, without bias: the sum over
 * in-bounds taps of filter * (input - input_zero_point), modulo 2^32. @y0
 * and @x0 are the input coordinates of the top-left tap.
 */
static u32 nnmem_conv2d_acc(const struct nnmem_conv2d_params *p,
			    const struct nnmem_conv2d_tensors *t,
			    u32 b, int y0, int x0, u32 oc)
{
	u32 in_per_group = p->in_c / p->groups;
	u32 group = oc / (p->out_c / p->groups);
	s32 in_offset = -p->input_zero_point;
	const s8 *filter = t->filter + (size_t)oc * p->k_h * p->k_w *
					in_per_group;
	const s8 *input = t->input + (size_t)b * p->in_h * p->in_w * p->in_c +
			  (size_t)group * in_per_group;
	u32 acc = 0;
	u32 ky, kx;

	for (ky = 0; ky < p->k_h; ky++) {
		int y = y0 + (int)(ky * p->dilation_h);

		if (y < 0 || y >= (int)p->in_h)
			continue;
		for (kx = 0; kx < p->k_w; kx++) {
			int x = x0 + (int)(kx * p->dilation_w);

			if (x < 0 || x >= (int)p->in_w)
				continue;
			acc += nnmem_conv2d_tap(input + ((size_t)y * p->in_w +
							 x) * p->in_c,
						filter + ((size_t)ky * p->k_w +
							  kx) * in_per_group,
						in_per_group, in_offset);
		}
	}
	return acc;
}

/*
 * nnmem_conv2d_acc() of an output element larger than the budget: every
 * tap, and every row of taps skipped in the padding, is charged to @m as
 * it is passed, so that even one element of a huge filter reaches the
 * hook, at most NNMEM_CONV2D_DIM_MAX MACs of work apart. Return: true if
 * the hook stopped the run (the error in @m->err, *@accp not written).
 */
static bool nnmem_conv2d_acc_metered(const struct nnmem_conv2d_params *p,
				     const struct nnmem_conv2d_tensors *t,
				     u32 b, int y0, int x0, u32 oc,
				     struct nnmem_meter *m, u32 *accp)
{
	u32 in_per_group = p->in_c / p->groups;
	u32 group = oc / (p->out_c / p->groups);
	s32 in_offset = -p->input_zero_point;
	const s8 *filter = t->filter + (size_t)oc * p->k_h * p->k_w *
					in_per_group;
	const s8 *input = t->input + (size_t)b * p->in_h * p->in_w * p->in_c +
			  (size_t)group * in_per_group;
	u32 acc = 0;
	u32 ky, kx;

	for (ky = 0; ky < p->k_h; ky++) {
		int y = y0 + (int)(ky * p->dilation_h);

		if (y < 0 || y >= (int)p->in_h) {
			if (nnmem_meter_charge(m, (u64)p->k_w * in_per_group))
				return true;
			continue;
		}
		for (kx = 0; kx < p->k_w; kx++) {
			int x = x0 + (int)(kx * p->dilation_w);

			if (nnmem_meter_charge(m, in_per_group))
				return true;
			if (x < 0 || x >= (int)p->in_w)
				continue;
			acc += nnmem_conv2d_tap(input + ((size_t)y * p->in_w +
							 x) * p->in_c,
						filter + ((size_t)ky * p->k_w +
							  kx) * in_per_group,
						in_per_group, in_offset);
		}
	}
	*accp = acc;
	return false;
}

/* How finely nnmem_conv2d_run() charges its work to the meter. */
enum nnmem_conv2d_grain {
	NNMEM_GRAIN_NONE,	/* no hook: nothing to charge */
	NNMEM_GRAIN_ROW,	/* an output row's MACs fit in the budget */
	NNMEM_GRAIN_ELEM,	/* an output element's do */
	NNMEM_GRAIN_TAP,	/* neither: every filter tap */
};

static s8 nnmem_conv2d_requant(const struct nnmem_conv2d_params *p,
			       const struct nnmem_conv2d_tensors *t,
			       u32 acc, u32 oc)
{
	s64 v;

	if (t->bias)
		acc += (u32)t->bias[oc];
	v = nnmem_mbqm((s32)acc, t->multiplier[oc], t->shift[oc]);
	v += p->output_zero_point;
	if (v < p->act_min)
		v = p->act_min;
	if (v > p->act_max)
		v = p->act_max;
	return (s8)v;
}

/**
 * nnmem_conv2d_run() - int8 per-channel 2D convolution (TFLite ConvPerChannel)
 * @p: shape and quantization parameters
 * @t: the tensors; see &struct nnmem_conv2d_tensors for their sizes
 * @prog: progress and cancellation hook, or NULL
 *
 * out = clamp(MBQM(bias + sum filter * (input - input_zero_point)) +
 * output_zero_point), per output channel, over the taps inside the input.
 * Output elements are computed in memory order (batch, row, column,
 * channel), so when the hook aborts the run, the elements before the one
 * being computed are written and the others are untouched.
 *
 * Return: 0 on success; an error of nnmem_conv2d_shape_get(); -ERANGE if a
 * shift is outside [%NNMEM_SHIFT_MIN, %NNMEM_SHIFT_MAX] (nothing written);
 * the negative errno the hook returned, or -EINTR if it returned a
 * positive value.
 */
int nnmem_conv2d_run(const struct nnmem_conv2d_params *p,
		     const struct nnmem_conv2d_tensors *t,
		     const struct nnmem_kernel_progress *prog)
{
	struct nnmem_conv2d_shape shape;
	enum nnmem_conv2d_grain grain;
	struct nnmem_meter meter;
	u64 elem_macs, row_macs;
	u32 b, oy, ox, oc, acc;
	s8 *out = t->output;
	int ret;

	ret = nnmem_conv2d_shape_get(p, &shape);
	if (ret)
		return ret;
	for (oc = 0; oc < p->out_c; oc++)
		if (!nnmem_shift_ok(t->shift[oc]))
			return -ERANGE;
	nnmem_meter_init(&meter, prog, shape.macs);
	elem_macs = nnmem_shape_conv_macs(1, p->k_h, p->k_w,
					  p->in_c / p->groups);
	/* out_w * out_c <= output_elems < 2^31 */
	row_macs = nnmem_shape_conv_macs((u64)shape.out_w * p->out_c, p->k_h,
					 p->k_w, p->in_c / p->groups);
	if (!meter.prog)
		grain = NNMEM_GRAIN_NONE;
	else if (row_macs <= meter.budget)
		grain = NNMEM_GRAIN_ROW;
	else if (elem_macs <= meter.budget)
		grain = NNMEM_GRAIN_ELEM;
	else
		grain = NNMEM_GRAIN_TAP;

	for (b = 0; b < p->batch; b++) {
		for (oy = 0; oy < shape.out_h; oy++) {
			int y0 = (int)(oy * p->stride_h) - (int)p->pad_top;

			for (ox = 0; ox < shape.out_w; ox++) {
				int x0 = (int)(ox * p->stride_w) -
					 (int)p->pad_left;

				for (oc = 0; oc < p->out_c; oc++) {
					if (grain != NNMEM_GRAIN_TAP)
						acc = nnmem_conv2d_acc(p, t, b,
								       y0, x0,
								       oc);
					else if (nnmem_conv2d_acc_metered(p, t,
									  b, y0,
									  x0, oc,
									  &meter,
									  &acc))
						return meter.err;
					*out++ = nnmem_conv2d_requant(p, t, acc,
								      oc);
					if (grain == NNMEM_GRAIN_ELEM &&
					    nnmem_meter_charge(&meter,
							       elem_macs))
						return meter.err;
				}
			}
			if (grain == NNMEM_GRAIN_ROW &&
			    nnmem_meter_charge(&meter, row_macs))
				return meter.err;
		}
	}
	return 0;
}

/**
 * nnmem_add_validate() - validate an int8 add
 * @p: quantization parameters
 * @n1: elements of the first operand and of the output
 * @n2: elements of the second operand: @n1 (same shape), the size of the
 *	innermost dimension (per-channel broadcast) or 1 (scalar); it must
 *	divide @n1
 *
 * Return: 0 on success; -EINVAL if @n1 or @n2 is 0 or @n2 does not divide
 * @n1; -EOVERFLOW if @n1 exceeds %NNMEM_KERNEL_ELEMS_MAX; -ERANGE if a zero
 * point or activation bound is outside [-128, 127], @p->act_min >
 * @p->act_max, @p->left_shift is outside [0, %NNMEM_ADD_LEFT_SHIFT_MAX]
 * or a shift is outside [%NNMEM_SHIFT_MIN, %NNMEM_SHIFT_MAX].
 */
int nnmem_add_validate(const struct nnmem_add_params *p, u32 n1, u32 n2)
{
	if (!n1 || !n2 || n1 % n2)
		return -EINVAL;
	if (n1 > NNMEM_KERNEL_ELEMS_MAX)
		return -EOVERFLOW;
	if (!nnmem_s8_range_ok(p->input1_zero_point) ||
	    !nnmem_s8_range_ok(p->input2_zero_point) ||
	    !nnmem_s8_range_ok(p->output_zero_point) ||
	    !nnmem_s8_range_ok(p->act_min) ||
	    !nnmem_s8_range_ok(p->act_max) || p->act_min > p->act_max)
		return -ERANGE;
	if (p->left_shift < 0 || p->left_shift > NNMEM_ADD_LEFT_SHIFT_MAX)
		return -ERANGE;
	if (!nnmem_shift_ok(p->input1_shift) ||
	    !nnmem_shift_ok(p->input2_shift) ||
	    !nnmem_shift_ok(p->output_shift))
		return -ERANGE;
	return 0;
}

/**
 * nnmem_add_run() - int8 elementwise add (TFLite reference integer Add)
 * @p: quantization parameters
 * @input1: first operand, @n1 values
 * @n1: elements of @input1 and @output
 * @input2: second operand, @n2 values, repeated over @input1
 * @n2: see nnmem_add_validate()
 * @output: @n1 values; may alias @input1
 * @prog: progress and cancellation hook, or NULL; one MAC per element
 *
 * x' = MBQM((x - zp1) * 2^left_shift, m1, s1), likewise y', and
 * out = clamp(MBQM(x' + y', m_out, s_out) + zp_out). Elements are computed
 * in order, so when the hook aborts the run the elements before it are
 * written and the others are untouched.
 *
 * Return: 0 on success; an error of nnmem_add_validate() (nothing
 * written); the negative errno the hook returned, or -EINTR if it returned
 * a positive value.
 */
int nnmem_add_run(const struct nnmem_add_params *p, const s8 *input1, u32 n1,
		  const s8 *input2, u32 n2, s8 *output,
		  const struct nnmem_kernel_progress *prog)
{
	struct nnmem_meter meter;
	u32 i = 0, j = 0, start, end;
	int ret;

	ret = nnmem_add_validate(p, n1, n2);
	if (ret)
		return ret;
	nnmem_meter_init(&meter, prog, n1);

	while (i < n1) {
		/* up to the next check (done < next always holds here) */
		start = i;
		end = meter.next - meter.done < n1 - i ?
		      i + (u32)(meter.next - meter.done) : n1;
		for (; i < end; i++) {
			/* both differences are within +-255 */
			u32 x = (u32)(input1[i] - p->input1_zero_point);
			u32 y = (u32)(input2[j] - p->input2_zero_point);
			s32 sx, sy;
			s64 v;

			sx = nnmem_mbqm((s32)(x << p->left_shift),
					p->input1_multiplier, p->input1_shift);
			sy = nnmem_mbqm((s32)(y << p->left_shift),
					p->input2_multiplier, p->input2_shift);
			v = nnmem_mbqm((s32)((u32)sx + (u32)sy),
				       p->output_multiplier, p->output_shift);
			v += p->output_zero_point;
			if (v < p->act_min)
				v = p->act_min;
			if (v > p->act_max)
				v = p->act_max;
			output[i] = (s8)v;
			if (++j == n2)
				j = 0;
		}
		if (nnmem_meter_charge(&meter, end - start))
			return meter.err;
	}
	return 0;
}
