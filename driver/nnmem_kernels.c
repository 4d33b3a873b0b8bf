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
 * (reference_integer_ops::ConvPerChannel, the int8 Add, FullyConnected
 * and FullyConnectedPerChannel, AveragePool and MaxPool, and
 * reference_ops::Softmax for int8 with gemmlowp's fixed point), using
 * TFLite's default "double rounding" MultiplyByQuantizedMultiplier: a
 * saturating rounding doubling high multiply followed by a rounding
 * divide by a power of two.
 *
 * TFLite computes in int32 and would overflow (undefined behaviour in C++)
 * on extreme inputs. Here every such step is defined and matches what the
 * int32 code does on two's-complement hardware:
 *  - the conv and fully connected accumulators (bias plus all products)
 *    wrap modulo 2^32;
 *  - a left shift inside MultiplyByQuantizedMultiplier, and the add's
 *    left_shift and the softmax's input_left_shift, wrap modulo 2^32;
 *  - the sum of the two scaled add operands wraps modulo 2^32.
 * The deliberate differences: the output zero point is added to the
 * requantized value in 64 bits before clamping, so a result near S32_MAX
 * clamps to act_max instead of wrapping around to act_min; and the two
 * softmax cases of nnmem_softmax_run() (a saturated sum of exps, a
 * division by 2^32 or more) give the exact result.
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
static __always_inline s32 nnmem_srdhm(s32 a, s32 b)
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
static __always_inline s32 nnmem_rdbpot(s32 x, unsigned int e)
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

/*
 * nnmem_mbqm()'s body, inlined into the kernels' inner loops: a call
 * there costs more than the arithmetic under emulation (QEMU TCG looks
 * every return address up).
 */
static __always_inline s32 __nnmem_mbqm(s32 x, s32 multiplier, int shift)
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
	return __nnmem_mbqm(x, multiplier, shift);
}

static bool nnmem_s8_range_ok(s32 v)
{
	return v >= S8_MIN && v <= S8_MAX;
}

static bool nnmem_shift_ok(s32 shift)
{
	return shift >= NNMEM_SHIFT_MIN && shift <= NNMEM_SHIFT_MAX;
}

/* Every one of the @n per-channel shifts is within range. */
static bool nnmem_shifts_ok(const s32 *shift, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (!nnmem_shift_ok(shift[i]))
			return false;
	return true;
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

/*
 * A meter of @total MACs, returned to initialise a declaration (which a
 * kernel that zeroes stack variables does not zero first).
 */
static __always_inline struct nnmem_meter
nnmem_meter_new(const struct nnmem_kernel_progress *prog, u64 total)
{
	struct nnmem_meter m = {
		.prog = prog && prog->fn ? prog : NULL,
		.total = total,
		.next = U64_MAX,
	};

	if (!m.prog)
		return m;
	m.budget = prog->budget ? prog->budget : NNMEM_KERNEL_BUDGET_DEFAULT;
	/* keeps done + budget from wrapping */
	if (m.budget > (1ULL << 62))
		m.budget = 1ULL << 62;
	m.next = m.budget;
	return m;
}

static void nnmem_meter_init(struct nnmem_meter *m,
			     const struct nnmem_kernel_progress *prog,
			     u64 total)
{
	*m = nnmem_meter_new(prog, total);
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
	u32 acc = 0, ic = 0;

	/* each product is within +-128 * 255; four a turn, then the rest */
	for (; ic + 4 <= n; ic += 4)
		acc += (u32)(f[ic] * (in[ic] + in_offset)) +
		       (u32)(f[ic + 1] * (in[ic + 1] + in_offset)) +
		       (u32)(f[ic + 2] * (in[ic + 2] + in_offset)) +
		       (u32)(f[ic + 3] * (in[ic + 3] + in_offset));
	for (; ic < n; ic++)
		acc += (u32)(f[ic] * (in[ic] + in_offset));
	return acc;
}

/*
 * What the inner loops of one conv2d call read, in a local: the output
 * pointer is an s8 *, which may alias anything, so the compiler would
 * reload every field through the parameters (and redo their divisions)
 * after each output byte written. It is initialised where it is
 * declared: a kernel built to zero its stack variables (the
 * INIT_STACK_ALL_ZERO default) would zero it first, with a "rep stos"
 * that emulators run one word at a time.
 */
struct nnmem_conv2d_geom {
	const s8 *filter;
	const s32 *bias;
	const s32 *multiplier;
	const s32 *shift;
	u32 in_h;
	u32 in_w;
	u32 in_c;
	u32 k_h;
	u32 k_w;
	u32 dilation_h;
	u32 dilation_w;
	u32 groups;
	u32 in_per_group;
	u32 out_per_group;
	s32 in_offset;
	s32 output_zero_point;
	s32 act_min;
	s32 act_max;
	u64 span_h;
	u64 span_w;
	size_t step_y;
	size_t step_x;
	size_t filter_stride;
	u64 elem_macs;
};

/*
 * True if every tap of the output element whose top-left tap is at
 * (@y0, @x0) lies inside the input (@g->span_h and @g->span_w are the
 * dilated filter's extent less one).
 */
static __always_inline bool
nnmem_conv2d_inside(const struct nnmem_conv2d_geom *g, int y0, int x0)
{
	return y0 >= 0 && x0 >= 0 && (u64)y0 + g->span_h < g->in_h &&
	       (u64)x0 + g->span_w < g->in_w;
}

/*
 * nnmem_conv2d_acc() without a meter for an element whose taps all lie
 * inside the input (nnmem_conv2d_inside()): the same sum, in the same
 * order, without the bounds checks.
 */
static __always_inline u32
nnmem_conv2d_acc_inside(const struct nnmem_conv2d_geom *g, const s8 *input,
			const s8 *filter, int y0, int x0)
{
	const s8 *row = input + ((size_t)y0 * g->in_w + x0) * g->in_c;
	u32 acc = 0;
	u32 ky, kx;

	for (ky = 0; ky < g->k_h; ky++, row += g->step_y) {
		const s8 *in = row;

		for (kx = 0; kx < g->k_w; kx++, in += g->step_x) {
			acc += nnmem_conv2d_tap(in, filter, g->in_per_group,
						g->in_offset);
			filter += g->in_per_group;
		}
	}
	return acc;
}

/*
 * The int32 accumulator of one output value, without bias: the sum over
 * in-bounds taps of filter * (input - input_zero_point), modulo 2^32.
 * @input is the input of the output's batch and group, @filter the
 * output channel's filter; @y0 and @x0 are the input coordinates of the
 * top-left tap.
 *
 * With a meter @m (an output element larger than the budget), every tap,
 * and every row of taps skipped in the padding, is charged to @m as it is
 * passed, so that even one element of a huge filter reaches the hook, at
 * most NNMEM_CONV2D_DIM_MAX MACs of work apart. Without one (NULL) nothing
 * is charged. Always inlined, so that a call with a constant NULL compiles
 * to the plain loop (cachegrind: the unmetered conv2d runs as many
 * instructions as with a separate copy of the loop). Return: true if the
 * hook stopped the run (the error in @m->err, *@accp not written).
 */
static __always_inline bool
nnmem_conv2d_acc(const struct nnmem_conv2d_geom *g, const s8 *input,
		 const s8 *filter, int y0, int x0, struct nnmem_meter *m,
		 u32 *accp)
{
	u32 acc = 0;
	u32 ky, kx;

	for (ky = 0; ky < g->k_h; ky++) {
		int y = y0 + (int)(ky * g->dilation_h);

		if (y < 0 || y >= (int)g->in_h) {
			if (m && nnmem_meter_charge(m, (u64)g->k_w *
						    g->in_per_group))
				return true;
			continue;
		}
		for (kx = 0; kx < g->k_w; kx++) {
			int x = x0 + (int)(kx * g->dilation_w);

			if (m && nnmem_meter_charge(m, g->in_per_group))
				return true;
			if (x < 0 || x >= (int)g->in_w)
				continue;
			acc += nnmem_conv2d_tap(input + ((size_t)y * g->in_w +
							 x) * g->in_c,
						filter + ((size_t)ky * g->k_w +
							  kx) * g->in_per_group,
						g->in_per_group, g->in_offset);
		}
	}
	*accp = acc;
	return false;
}

/* How finely a kernel charges its work to the meter. */
enum nnmem_conv2d_grain {
	NNMEM_GRAIN_NONE,	/* no hook: nothing to charge */
	NNMEM_GRAIN_ROW,	/* an output row's MACs fit in the budget */
	NNMEM_GRAIN_ELEM,	/* an output element's do */
	NNMEM_GRAIN_TAP,	/* neither: every filter tap */
};

/* The coarsest grain whose work fits in the meter's budget. */
static enum nnmem_conv2d_grain nnmem_meter_grain(const struct nnmem_meter *m,
						 u64 row_macs, u64 elem_macs)
{
	if (!m->prog)
		return NNMEM_GRAIN_NONE;
	if (row_macs <= m->budget)
		return NNMEM_GRAIN_ROW;
	if (elem_macs <= m->budget)
		return NNMEM_GRAIN_ELEM;
	return NNMEM_GRAIN_TAP;
}

/* One output value from its accumulator (see struct nnmem_conv2d_geom). */
static __always_inline s8
nnmem_conv2d_requant(const struct nnmem_conv2d_geom *g, u32 acc, u32 oc)
{
	s64 v;

	if (g->bias)
		acc += (u32)g->bias[oc];
	v = __nnmem_mbqm((s32)acc, g->multiplier[oc], g->shift[oc]);
	v += g->output_zero_point;
	if (v < g->act_min)
		v = g->act_min;
	if (v > g->act_max)
		v = g->act_max;
	return (s8)v;
}

/*
 * The out_c values of the output position whose top-left tap is at
 * (@y0, @x0), from @input (the position's batch), in channel order into
 * @out. Return: true if the hook stopped the run (its error in @m->err).
 */
static __always_inline bool
nnmem_conv2d_position(const struct nnmem_conv2d_geom *g, const s8 *input,
		      int y0, int x0, enum nnmem_conv2d_grain grain,
		      struct nnmem_meter *m, s8 *out)
{
	bool inside = grain != NNMEM_GRAIN_TAP &&
		      nnmem_conv2d_inside(g, y0, x0);
	const s8 *f = g->filter;
	u32 grp, j, oc = 0, acc;

	for (grp = 0; grp < g->groups; grp++, input += g->in_per_group) {
		for (j = 0; j < g->out_per_group;
		     j++, oc++, f += g->filter_stride) {
			if (inside)
				acc = nnmem_conv2d_acc_inside(g, input, f, y0,
							      x0);
			else if (grain != NNMEM_GRAIN_TAP)
				nnmem_conv2d_acc(g, input, f, y0, x0, NULL,
						 &acc);
			else if (nnmem_conv2d_acc(g, input, f, y0, x0, m,
						  &acc))
				return true;
			*out++ = nnmem_conv2d_requant(g, acc, oc);
			if (grain == NNMEM_GRAIN_ELEM &&
			    nnmem_meter_charge(m, g->elem_macs))
				return true;
		}
	}
	return false;
}

/*
 * True for a pointwise conv: a 1x1 filter at stride 1, no padding, one
 * group. Its output positions are its input positions, each a product of
 * the position's channels with the filter matrix.
 */
static bool nnmem_conv2d_pointwise(const struct nnmem_conv2d_params *p)
{
	return p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 &&
	       p->stride_w == 1 && p->groups == 1 && !p->pad_top &&
	       !p->pad_bottom && !p->pad_left && !p->pad_right;
}

/*
 * nnmem_conv2d_run_valid() of a pointwise conv: the same values, written
 * in the same order, and the same meter charges at the same points (a
 * position's one tap per output channel; the grains of the general loop),
 * without its per-call setup (divisions, the filter geometry): a tiny
 * graph's node is mostly that setup.
 */
static int nnmem_conv2d_run_pointwise(const struct nnmem_conv2d_params *p,
				      const struct nnmem_conv2d_tensors *t,
				      const struct nnmem_kernel_progress *prog)
{
	/* initialised here: see struct nnmem_conv2d_geom */
	const struct nnmem_conv2d_geom g = {
		.bias = t->bias,
		.multiplier = t->multiplier,
		.shift = t->shift,
		.output_zero_point = p->output_zero_point,
		.act_min = p->act_min,
		.act_max = p->act_max,
	};
	u32 in_c = p->in_c, out_c = p->out_c, in_w = p->in_w;
	u32 rows = p->batch * p->in_h;
	s32 in_offset = -p->input_zero_point;
	u64 row_macs = (u64)in_w * out_c * in_c;
	struct nnmem_meter meter = nnmem_meter_new(prog, rows * row_macs);
	enum nnmem_conv2d_grain grain;
	const s8 *in = t->input;
	s8 *out = t->output;
	u32 row, x, oc, acc;

	if (!nnmem_shifts_ok(g.shift, out_c))
		return -ERANGE;
	grain = nnmem_meter_grain(&meter, row_macs, in_c);

	for (row = 0; row < rows; row++) {
		for (x = 0; x < in_w; x++, in += in_c) {
			const s8 *f = t->filter;

			for (oc = 0; oc < out_c; oc++, f += in_c) {
				if (grain == NNMEM_GRAIN_TAP &&
				    nnmem_meter_charge(&meter, in_c))
					return meter.err;
				acc = nnmem_conv2d_tap(in, f, in_c, in_offset);
				*out++ = nnmem_conv2d_requant(&g, acc, oc);
				if (grain == NNMEM_GRAIN_ELEM &&
				    nnmem_meter_charge(&meter, in_c))
					return meter.err;
			}
		}
		if (grain == NNMEM_GRAIN_ROW &&
		    nnmem_meter_charge(&meter, row_macs))
			return meter.err;
	}
	return 0;
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
	int ret;

	ret = nnmem_conv2d_shape_get(p, &shape);
	if (ret)
		return ret;
	return nnmem_conv2d_run_valid(p, t, prog);
}

/* nnmem_conv2d_run_valid() of any conv. */
static int nnmem_conv2d_run_general(const struct nnmem_conv2d_params *p,
				    const struct nnmem_conv2d_tensors *t,
				    const struct nnmem_kernel_progress *prog)
{
	/* initialised here: see struct nnmem_conv2d_geom */
	const struct nnmem_conv2d_geom g = {
		.filter = t->filter,
		.bias = t->bias,
		.multiplier = t->multiplier,
		.shift = t->shift,
		.in_h = p->in_h,
		.in_w = p->in_w,
		.in_c = p->in_c,
		.k_h = p->k_h,
		.k_w = p->k_w,
		.dilation_h = p->dilation_h,
		.dilation_w = p->dilation_w,
		.groups = p->groups,
		.in_per_group = p->in_c / p->groups,
		.out_per_group = p->out_c / p->groups,
		.in_offset = -p->input_zero_point,
		.output_zero_point = p->output_zero_point,
		.act_min = p->act_min,
		.act_max = p->act_max,
		.span_h = (u64)(p->k_h - 1) * p->dilation_h,
		.span_w = (u64)(p->k_w - 1) * p->dilation_w,
		.step_y = (size_t)p->dilation_h * p->in_w * p->in_c,
		.step_x = (size_t)p->dilation_w * p->in_c,
		.filter_stride = (size_t)p->k_h * p->k_w *
				 (p->in_c / p->groups),
		.elem_macs = nnmem_shape_conv_macs(1, p->k_h, p->k_w,
						   p->in_c / p->groups),
	};
	/* what nnmem_conv2d_shape_get() found, without its checks */
	u32 out_h = nnmem_shape_conv_out_dim(p->in_h, p->pad_top,
					     p->pad_bottom, p->k_h,
					     p->dilation_h, p->stride_h);
	u32 out_w = nnmem_shape_conv_out_dim(p->in_w, p->pad_left,
					     p->pad_right, p->k_w,
					     p->dilation_w, p->stride_w);
	u32 batch = p->batch, stride_h = p->stride_h, stride_w = p->stride_w;
	int pad_top = (int)p->pad_top, pad_left = (int)p->pad_left;
	size_t in_size = (size_t)p->in_h * p->in_w * p->in_c;
	size_t out_row = (size_t)out_w * p->out_c;
	const s8 *input = t->input;
	s8 *out = t->output;
	struct nnmem_meter meter =
		nnmem_meter_new(prog,
				nnmem_shape_conv_macs((u64)batch * out_h *
						      out_row, g.k_h, g.k_w,
						      g.in_per_group));
	enum nnmem_conv2d_grain grain;
	u32 b, oy, ox;
	u64 row_macs;

	if (!nnmem_shifts_ok(g.shift, p->out_c))
		return -ERANGE;
	/* out_w * out_c <= output_elems < 2^31 */
	row_macs = nnmem_shape_conv_macs(out_row, g.k_h, g.k_w,
					 g.in_per_group);
	grain = nnmem_meter_grain(&meter, row_macs, g.elem_macs);

	for (b = 0; b < batch; b++, input += in_size) {
		for (oy = 0; oy < out_h; oy++) {
			int y0 = (int)(oy * stride_h) - pad_top;

			for (ox = 0; ox < out_w; ox++, out += g.out_per_group *
							      g.groups) {
				int x0 = (int)(ox * stride_w) - pad_left;

				if (nnmem_conv2d_position(&g, input, y0, x0,
							  grain, &meter, out))
					return meter.err;
			}
			if (grain == NNMEM_GRAIN_ROW &&
			    nnmem_meter_charge(&meter, row_macs))
				return meter.err;
		}
	}
	return 0;
}

/**
 * nnmem_conv2d_run_valid() - nnmem_conv2d_run() of valid parameters
 * @p: shape and quantization parameters that nnmem_conv2d_shape_get()
 *	accepted (those of a validated plan): they are not checked again
 * @t: the tensors; see &struct nnmem_conv2d_tensors for their sizes
 * @prog: progress and cancellation hook, or NULL
 *
 * The executor's entry: a plan's parameters were checked when it was
 * built and never change, while the shifts, which are data, are checked
 * at every run.
 *
 * Return: 0 on success; -ERANGE if a shift is outside [%NNMEM_SHIFT_MIN,
 * %NNMEM_SHIFT_MAX] (nothing written); the negative errno the hook
 * returned, or -EINTR if it returned a positive value.
 */
int nnmem_conv2d_run_valid(const struct nnmem_conv2d_params *p,
			   const struct nnmem_conv2d_tensors *t,
			   const struct nnmem_kernel_progress *prog)
{
	if (nnmem_conv2d_pointwise(p))
		return nnmem_conv2d_run_pointwise(p, t, prog);
	return nnmem_conv2d_run_general(p, t, prog);
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

/*
 * Units of work (MACs) that fit before the meter's next check, at most
 * @left: all of them without a hook. done < next always holds between
 * charges, so this is at least 1 when @left is.
 */
static u64 nnmem_meter_room(const struct nnmem_meter *m, u64 left)
{
	u64 room = m->next - m->done;

	return room < left ? room : left;
}

/* --------------------------------------------------------- fully connected */

/**
 * nnmem_fc_validate() - validate a fully connected layer
 * @p: shape and quantization parameters
 * @macs: set to @p->rows * @p->out_c * @p->depth on success (may be NULL)
 *
 * Return: 0 on success; -EINVAL if a dimension is 0 or @p->channels is
 * neither 1 nor @p->out_c; -EOVERFLOW if the input, filter or output has
 * more than %NNMEM_KERNEL_ELEMS_MAX elements; -ERANGE if a zero point or
 * activation bound is outside [-128, 127] or @p->act_min > @p->act_max.
 */
int nnmem_fc_validate(const struct nnmem_fc_params *p, u64 *macs)
{
	u64 n;

	if (!p->rows || !p->depth || !p->out_c ||
	    (p->channels != 1 && p->channels != p->out_c))
		return -EINVAL;
	n = p->rows;
	if (!nnmem_elems_mul(&n, p->depth))
		return -EOVERFLOW;
	n = p->out_c;
	if (!nnmem_elems_mul(&n, p->depth))
		return -EOVERFLOW;
	n = p->rows;
	if (!nnmem_elems_mul(&n, p->out_c))
		return -EOVERFLOW;
	if (!nnmem_s8_range_ok(p->input_zero_point) ||
	    !nnmem_s8_range_ok(p->output_zero_point) ||
	    !nnmem_s8_range_ok(p->act_min) ||
	    !nnmem_s8_range_ok(p->act_max) || p->act_min > p->act_max)
		return -ERANGE;
	if (macs)
		/* rows * depth and out_c are below 2^31: below 2^62 */
		*macs = (u64)p->rows * p->depth * p->out_c;
	return 0;
}

/*
 * Part of one output's dot product: the sum of f[d] * (in[d] + in_offset)
 * for d in [@d0, @d1), added to *@acc modulo 2^32.
 */
static inline void nnmem_fc_dot(const s8 *in, const s8 *f, u32 d0, u32 d1,
				s32 in_offset, u32 *acc)
{
	u32 sum = *acc, d;

	/* each product is within +-128 * 255 */
	for (d = d0; d < d1; d++)
		sum += (u32)(f[d] * (in[d] + in_offset));
	*acc = sum;
}

/*
 * One output's dot product charged to @m every budget of MACs (an output
 * larger than the budget). Return: true if the hook stopped the run.
 */
static bool nnmem_fc_dot_metered(const s8 *in, const s8 *f, u32 depth,
				 s32 in_offset, struct nnmem_meter *m,
				 u32 *acc)
{
	u32 d = 0, end;

	while (d < depth) {
		end = d + (u32)nnmem_meter_room(m, depth - d);
		nnmem_fc_dot(in, f, d, end, in_offset, acc);
		if (nnmem_meter_charge(m, end - d))
			return true;
		d = end;
	}
	return false;
}

/**
 * nnmem_fc_run() - int8 fully connected layer (TFLite FullyConnected)
 * @p: shape and quantization parameters
 * @t: the tensors; see &struct nnmem_fc_tensors for their sizes
 * @prog: progress and cancellation hook, or NULL
 *
 * out[r][o] = clamp(MBQM(bias[o] + sum_d filter[o][d] * (input[r][d] -
 * input_zero_point), m, s) + output_zero_point), with m and s the only
 * multiplier and shift (TFLite's reference_integer_ops::FullyConnected)
 * or those of channel o (FullyConnectedPerChannel). The accumulator wraps
 * modulo 2^32 like TFLite's int32 on real hardware. Outputs are computed
 * in memory order, so when the hook aborts the run the ones before the
 * one being computed are written and the others are untouched.
 *
 * Return: 0 on success; an error of nnmem_fc_validate(); -ERANGE if a
 * shift is outside [%NNMEM_SHIFT_MIN, %NNMEM_SHIFT_MAX] (nothing
 * written); the negative errno the hook returned, or -EINTR if it
 * returned a positive value.
 */
int nnmem_fc_run(const struct nnmem_fc_params *p,
		 const struct nnmem_fc_tensors *t,
		 const struct nnmem_kernel_progress *prog)
{
	s32 in_offset = -p->input_zero_point;
	struct nnmem_meter meter;
	enum nnmem_conv2d_grain grain;
	const s8 *in, *f;
	u32 r, o, acc, ch;
	s8 *out = t->output;
	u64 macs;
	s64 v;
	int ret;

	ret = nnmem_fc_validate(p, &macs);
	if (ret)
		return ret;
	if (!nnmem_shifts_ok(t->shift, p->channels))
		return -ERANGE;
	nnmem_meter_init(&meter, prog, macs);
	grain = nnmem_meter_grain(&meter, (u64)p->out_c * p->depth, p->depth);

	for (r = 0; r < p->rows; r++) {
		in = t->input + (size_t)r * p->depth;
		for (o = 0; o < p->out_c; o++) {
			f = t->filter + (size_t)o * p->depth;
			acc = 0;
			if (grain != NNMEM_GRAIN_TAP)
				nnmem_fc_dot(in, f, 0, p->depth, in_offset,
					     &acc);
			else if (nnmem_fc_dot_metered(in, f, p->depth,
						      in_offset, &meter, &acc))
				return meter.err;
			if (t->bias)
				acc += (u32)t->bias[o];
			ch = p->channels == 1 ? 0 : o;
			v = __nnmem_mbqm((s32)acc, t->multiplier[ch],
					 t->shift[ch]);
			v += p->output_zero_point;
			if (v < p->act_min)
				v = p->act_min;
			if (v > p->act_max)
				v = p->act_max;
			*out++ = (s8)v;
			if (grain == NNMEM_GRAIN_ELEM &&
			    nnmem_meter_charge(&meter, p->depth))
				return meter.err;
		}
		if (grain == NNMEM_GRAIN_ROW &&
		    nnmem_meter_charge(&meter, (u64)p->out_c * p->depth))
			return meter.err;
	}
	return 0;
}

/* ----------------------------------------------------------------- pools */

/**
 * nnmem_pool2d_shape_get() - validate a pooling and compute its sizes
 * @p: shape and clamp parameters
 * @shape: filled in on success; unchanged on error
 *
 * Return: 0 on success;
 * -EINVAL if a dimension, window size or stride is 0, if a padding is not
 * less than the window in its direction, or if the window is larger than
 * the padded input;
 * -EOVERFLOW if a dimension, window size, stride or padding exceeds
 * %NNMEM_CONV2D_DIM_MAX, the window has more than %NNMEM_POOL_TAPS_MAX
 * taps, or a tensor has more than %NNMEM_KERNEL_ELEMS_MAX elements;
 * -ERANGE if an activation bound is outside [-128, 127] or @p->act_min >
 * @p->act_max.
 */
int nnmem_pool2d_shape_get(const struct nnmem_pool2d_params *p,
			   struct nnmem_pool2d_shape *shape)
{
	const u32 dims[] = {
		p->batch, p->in_h, p->in_w, p->channels, p->filter_h,
		p->filter_w, p->stride_h, p->stride_w,
	};
	const u32 pads[] = {
		p->pad_top, p->pad_bottom, p->pad_left, p->pad_right,
	};
	struct nnmem_pool2d_shape s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dims); i++) {
		if (!dims[i])
			return -EINVAL;
		if (dims[i] > NNMEM_CONV2D_DIM_MAX)
			return -EOVERFLOW;
	}
	for (i = 0; i < ARRAY_SIZE(pads); i++)
		if (pads[i] > NNMEM_CONV2D_DIM_MAX)
			return -EOVERFLOW;
	if ((u64)p->filter_h * p->filter_w > NNMEM_POOL_TAPS_MAX)
		return -EOVERFLOW;
	if (p->pad_top >= p->filter_h || p->pad_bottom >= p->filter_h ||
	    p->pad_left >= p->filter_w || p->pad_right >= p->filter_w)
		return -EINVAL;
	if (!nnmem_s8_range_ok(p->act_min) ||
	    !nnmem_s8_range_ok(p->act_max) || p->act_min > p->act_max)
		return -ERANGE;

	s.out_h = nnmem_shape_conv_out_dim(p->in_h, p->pad_top, p->pad_bottom,
					   p->filter_h, 1, p->stride_h);
	s.out_w = nnmem_shape_conv_out_dim(p->in_w, p->pad_left,
					   p->pad_right, p->filter_w, 1,
					   p->stride_w);
	if (!s.out_h || !s.out_w)
		return -EINVAL;
	s.input_elems = p->batch;
	if (!nnmem_elems_mul(&s.input_elems, p->in_h) ||
	    !nnmem_elems_mul(&s.input_elems, p->in_w) ||
	    !nnmem_elems_mul(&s.input_elems, p->channels))
		return -EOVERFLOW;
	s.output_elems = p->batch;
	if (!nnmem_elems_mul(&s.output_elems, s.out_h) ||
	    !nnmem_elems_mul(&s.output_elems, s.out_w) ||
	    !nnmem_elems_mul(&s.output_elems, p->channels))
		return -EOVERFLOW;
	/* below 2^31 * 2^24 */
	s.macs = nnmem_shape_conv_macs(s.output_elems, p->filter_h,
				       p->filter_w, 1);
	*shape = s;
	return 0;
}

/*
 * One output element of a pooling: the window's in-bounds taps of channel
 * @c, their count, and either their sum (@max false) or their maximum.
 * The window's top-left tap is at (@y0, @x0) of batch @b. With a meter
 * @m, every row of window taps (those in the padding included) is charged
 * as it is passed, at most NNMEM_CONV2D_DIM_MAX MACs apart; always
 * inlined, so that a constant NULL @m leaves the plain loop. Return: true
 * if the hook stopped the run.
 */
static __always_inline bool
nnmem_pool2d_window(const struct nnmem_pool2d_params *p, const s8 *input,
		    u32 b, int y0, int x0, u32 c, bool max,
		    struct nnmem_meter *m, s32 *accp, u32 *countp)
{
	/* the window is clipped to the input, as TFLite does */
	u32 ky0 = y0 < 0 ? (u32)-y0 : 0, kx0 = x0 < 0 ? (u32)-x0 : 0;
	u32 ky1 = p->filter_h, kx1 = p->filter_w, ky, kx;
	const s8 *row;
	s32 acc = max ? S8_MIN : 0;

	if ((s64)y0 + ky1 > p->in_h)
		ky1 = (u32)((s64)p->in_h - y0);
	if ((s64)x0 + kx1 > p->in_w)
		kx1 = (u32)((s64)p->in_w - x0);
	/* metered, the rows in the padding are passed (and charged) too */
	for (ky = m ? 0 : ky0; ky < (m ? p->filter_h : ky1); ky++) {
		if (ky < ky0 || ky >= ky1) {
			if (nnmem_meter_charge(m, p->filter_w))
				return true;
			continue;
		}
		row = input + (((size_t)b * p->in_h + (u32)(y0 + (int)ky)) *
			       p->in_w + (u32)(x0 + (int)kx0)) * p->channels +
		      c;
		for (kx = kx0; kx < kx1; kx++, row += p->channels) {
			if (!max)
				acc += *row;
			else if (*row > acc)
				acc = *row;
		}
		if (m && nnmem_meter_charge(m, p->filter_w))
			return true;
	}
	*accp = acc;
	*countp = (ky1 - ky0) * (kx1 - kx0);
	return false;
}

/*
 * An average: the sum of @count taps divided by @count, rounding half
 * away from zero as TFLite does ((acc +- count / 2) / count, truncating).
 * |acc| <= 128 * NNMEM_POOL_TAPS_MAX = 2^31, so the magnitudes fit in u32
 * and the division is a 32-bit one.
 */
static s32 nnmem_pool2d_avg(s32 acc, u32 count)
{
	u32 mag = acc < 0 ? (u32)0 - (u32)acc : (u32)acc;
	u32 q = (mag + count / 2) / count;

	return acc < 0 ? -(s32)q : (s32)q;
}

static int nnmem_pool2d_run(const struct nnmem_pool2d_params *p,
			    const s8 *input, s8 *output, bool max,
			    const struct nnmem_kernel_progress *prog)
{
	struct nnmem_pool2d_shape shape;
	enum nnmem_conv2d_grain grain;
	struct nnmem_meter meter;
	u64 elem_macs, row_macs;
	u32 b, oy, ox, c, count;
	s32 acc, v;
	int ret;

	ret = nnmem_pool2d_shape_get(p, &shape);
	if (ret)
		return ret;
	nnmem_meter_init(&meter, prog, shape.macs);
	elem_macs = (u64)p->filter_h * p->filter_w;
	/* out_w * channels <= output_elems < 2^31 */
	row_macs = (u64)shape.out_w * p->channels * elem_macs;
	grain = nnmem_meter_grain(&meter, row_macs, elem_macs);

	for (b = 0; b < p->batch; b++) {
		for (oy = 0; oy < shape.out_h; oy++) {
			int y0 = (int)(oy * p->stride_h) - (int)p->pad_top;

			for (ox = 0; ox < shape.out_w; ox++) {
				int x0 = (int)(ox * p->stride_w) -
					 (int)p->pad_left;

				for (c = 0; c < p->channels; c++) {
					if (grain != NNMEM_GRAIN_TAP)
						nnmem_pool2d_window(p, input, b,
								    y0, x0, c,
								    max, NULL,
								    &acc,
								    &count);
					else if (nnmem_pool2d_window(p, input,
								     b, y0, x0,
								     c, max,
								     &meter,
								     &acc,
								     &count))
						return meter.err;
					v = max ? acc :
					    nnmem_pool2d_avg(acc, count);
					if (v < p->act_min)
						v = p->act_min;
					if (v > p->act_max)
						v = p->act_max;
					*output++ = (s8)v;
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
 * nnmem_avg_pool2d_run() - int8 average pooling (TFLite AveragePool)
 * @p: shape and clamp parameters
 * @input: NHWC input, &nnmem_pool2d_shape.input_elems values
 * @output: NHWC output, &nnmem_pool2d_shape.output_elems values; must not
 *	overlap @input
 * @prog: progress and cancellation hook, or NULL
 *
 * Each output is the sum of the window's taps inside the input divided by
 * their count, rounding half away from zero, then clamped (TFLite's
 * reference_integer_ops::AveragePool; input and output share their zero
 * point and scale). Outputs are computed in memory order, so when the
 * hook aborts the run the ones before the one being computed are written
 * and the others are untouched.
 *
 * Return: 0 on success; an error of nnmem_pool2d_shape_get(); the
 * negative errno the hook returned, or -EINTR if it returned a positive
 * value.
 */
int nnmem_avg_pool2d_run(const struct nnmem_pool2d_params *p,
			 const s8 *input, s8 *output,
			 const struct nnmem_kernel_progress *prog)
{
	return nnmem_pool2d_run(p, input, output, false, prog);
}

/**
 * nnmem_max_pool2d_run() - int8 max pooling (TFLite MaxPool)
 * @p: shape and clamp parameters
 * @input: NHWC input, &nnmem_pool2d_shape.input_elems values
 * @output: NHWC output, &nnmem_pool2d_shape.output_elems values; must not
 *	overlap @input
 * @prog: progress and cancellation hook, or NULL
 *
 * Each output is the largest of the window's taps inside the input,
 * clamped (TFLite's reference_integer_ops::MaxPool). Outputs are written
 * as by nnmem_avg_pool2d_run().
 *
 * Return: as nnmem_avg_pool2d_run().
 */
int nnmem_max_pool2d_run(const struct nnmem_pool2d_params *p,
			 const s8 *input, s8 *output,
			 const struct nnmem_kernel_progress *prog)
{
	return nnmem_pool2d_run(p, input, output, true, prog);
}

/* --------------------------------------------------------------- softmax */

/*
 * gemmlowp fixed point, int32 raw values, as TFLite's int8 softmax uses
 * it. Sums that gemmlowp computes in int32 cannot overflow for the values
 * that reach them here; they are still done modulo 2^32 so that nothing
 * is undefined whatever the data.
 */
static s32 nnmem_fp_add(s32 a, s32 b)
{
	return (s32)((u32)a + (u32)b);
}

static s32 nnmem_fp_sub(s32 a, s32 b)
{
	return (s32)((u32)a - (u32)b);
}

/*
 * gemmlowp SaturatingRoundingMultiplyByPOT<@e> for e in [1, 30]: x * 2^e,
 * saturated to [S32_MIN, S32_MAX].
 */
static s32 nnmem_fp_srmbpot(s32 x, unsigned int e)
{
	s32 threshold = (s32)((1U << (31 - e)) - 1);

	if (x > threshold)
		return S32_MAX;
	if (x < -threshold)
		return S32_MIN;
	return (s32)((u32)x << e);
}

/* gemmlowp RoundingHalfSum: (a + b) / 2, rounding half away from zero */
static s32 nnmem_fp_rounding_half_sum(s32 a, s32 b)
{
	s64 sum = (s64)a + b;

	return (s32)nnmem_div_trunc_pow2(sum + (sum >= 0 ? 1 : -1), 1);
}

/*
 * gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl, Q0.31
 * in and out: a fourth-order Taylor expansion of exp around -1/8.
 */
static s32 nnmem_fp_exp_quarter(s32 a)
{
	const s32 constant_term = 1895147668;	/* exp(-1/8) */
	const s32 constant_1_over_3 = 715827883;
	s32 x = nnmem_fp_add(a, 1 << 28);	/* a + 1/8 */
	s32 x2 = nnmem_srdhm(x, x);
	s32 x3 = nnmem_srdhm(x2, x);
	s32 x4 = nnmem_srdhm(x2, x2);
	s32 x4_over_4 = nnmem_rdbpot(x4, 2);
	s32 poly;

	/* x^4 / 24 + x^3 / 6 + x^2 / 2 */
	poly = nnmem_fp_add(nnmem_srdhm(nnmem_fp_add(x4_over_4, x3),
					constant_1_over_3), x2);
	poly = nnmem_rdbpot(poly, 1);
	return nnmem_fp_add(constant_term,
			    nnmem_srdhm(constant_term, nnmem_fp_add(x, poly)));
}

/*
 * gemmlowp exp_on_negative_values for a Q5.26 input @a <= 0, Q0.31 out:
 * exp of a's remainder modulo 1/4 by the Taylor expansion, times exp(-2^k)
 * for every bit k of the rest (the barrel shifter), and exactly 1 for 0.
 */
static s32 nnmem_fp_exp_on_negative_values(s32 a)
{
	/* exp(-2^k) in Q0.31 for k = -2 .. 4 */
	static const s32 barrel[] = {
		1672461947, 1302514674, 790015084, 290630308, 39332535,
		720401, 242,
	};
	const s32 one_quarter = 1 << 24;	/* Q5.26 */
	s32 a_mod_quarter_minus_one_quarter, result, remainder;
	unsigned int k;

	a_mod_quarter_minus_one_quarter = nnmem_fp_sub(a & (one_quarter - 1),
						       one_quarter);
	/* Rescale<0>: from 5 integer bits to none */
	result = nnmem_fp_srmbpot(a_mod_quarter_minus_one_quarter, 5);
	result = nnmem_fp_exp_quarter(result);
	remainder = nnmem_fp_sub(a_mod_quarter_minus_one_quarter, a);
	for (k = 0; k < ARRAY_SIZE(barrel); k++)
		/* bit 26 - 2 + k is 2^(k - 2) in Q5.26 */
		if ((u32)remainder & (1U << (24 + k)))
			result = nnmem_srdhm(result, barrel[k]);
	return a ? result : S32_MAX;
}

/*
 * gemmlowp one_over_one_plus_x_for_x_in_0_1, Q0.31 in and out: 1 / (1 + a)
 * by three Newton-Raphson steps on the half denominator, in Q2.29.
 */
static s32 nnmem_fp_one_over_one_plus_x(s32 a)
{
	const s32 constant_48_over_17 = 1515870810;	/* Q2.29 */
	const s32 constant_neg_32_over_17 = -1010580540;	/* Q2.29 */
	const s32 one_q2 = 1 << 29;
	s32 half_denominator = nnmem_fp_rounding_half_sum(a, S32_MAX);
	s32 x, hdx, step;
	int i;

	x = nnmem_fp_add(constant_48_over_17,
			 nnmem_srdhm(half_denominator,
				     constant_neg_32_over_17));
	for (i = 0; i < 3; i++) {
		hdx = nnmem_srdhm(half_denominator, x);
		/* Q2 * Q2 is Q4; Rescale<2> doubles twice, saturating */
		step = nnmem_srdhm(x, nnmem_fp_sub(one_q2, hdx));
		x = nnmem_fp_add(x, nnmem_fp_srmbpot(step, 2));
	}
	/* ExactMulByPot<-1> makes it Q1.30; Rescale<0> doubles once */
	return nnmem_fp_srmbpot(x, 1);
}

/*
 * TFLite GetReciprocal (reference/softmax.h, common.h): 1 / @x for a
 * positive Q12.19 @x, as a Q0.31 scale in (1/2, 1] and the power of two
 * *@num_bits_over_unit it leaves out.
 */
static s32 nnmem_fp_reciprocal(s32 x, int *num_bits_over_unit)
{
	/* x > 0: __builtin_clz is defined, headroom in [1, 31] */
	int headroom_plus_one = __builtin_clz((u32)x);
	s32 shifted_sum_minus_one;

	*num_bits_over_unit = 12 - headroom_plus_one;
	shifted_sum_minus_one = (s32)(((u32)x << headroom_plus_one) -
				      (1U << 31));
	return nnmem_fp_one_over_one_plus_x(shifted_sum_minus_one);
}

/*
 * exp(beta * scale * (@input - @max_in_row)) in Q0.31 for a difference
 * TFLite does not drop: MultiplyByQuantizedMultiplierGreaterThanOne makes
 * the difference Q5.26 (the left shift wrapping modulo 2^32 as int32 does
 * on real hardware; it cannot for TFLite's diff_min).
 */
static s32 nnmem_softmax_exp(const struct nnmem_softmax_params *p, s32 diff)
{
	s32 scaled = (s32)((u32)diff << p->input_left_shift);

	scaled = nnmem_srdhm(scaled, p->input_multiplier);
	return nnmem_fp_exp_on_negative_values(scaled);
}

/**
 * nnmem_softmax_validate() - validate an int8 softmax
 * @p: shape and scaling parameters
 * @macs: set to %NNMEM_SOFTMAX_MACS_PER_ELEM * @p->rows * @p->depth on
 *	success (may be NULL)
 *
 * Return: 0 on success; -EINVAL if @p->rows or @p->depth is 0;
 * -EOVERFLOW if there are more than %NNMEM_KERNEL_ELEMS_MAX elements;
 * -ERANGE if @p->input_multiplier is negative, @p->input_left_shift is
 * outside [0, %NNMEM_SOFTMAX_LEFT_SHIFT_MAX] or @p->diff_min outside
 * [-2^31 + 1, 0].
 */
int nnmem_softmax_validate(const struct nnmem_softmax_params *p, u64 *macs)
{
	u64 n = p->rows;

	if (!p->rows || !p->depth)
		return -EINVAL;
	if (!nnmem_elems_mul(&n, p->depth))
		return -EOVERFLOW;
	if (p->input_multiplier < 0 || p->input_left_shift < 0 ||
	    p->input_left_shift > NNMEM_SOFTMAX_LEFT_SHIFT_MAX ||
	    p->diff_min > 0 || p->diff_min == S32_MIN)
		return -ERANGE;
	if (macs)
		*macs = n * NNMEM_SOFTMAX_MACS_PER_ELEM;
	return 0;
}

/**
 * nnmem_softmax_run() - int8 softmax over rows (TFLite's reference Softmax)
 * @p: shape and scaling parameters
 * @input: @p->rows x @p->depth values
 * @output: as many; scale 1/256, zero point -128; must not overlap @input
 * @prog: progress and cancellation hook, or NULL
 *
 * TFLite's reference_ops::Softmax for int8 in and out, with gemmlowp's
 * fixed point: per row, the maximum; the sum of the exps (Q5.26 scaled
 * differences, exp_on_negative_values, Rescale to Q12.19) of the
 * differences not below @p->diff_min; its reciprocal (GetReciprocal);
 * and each output RoundingDivideByPOT(scale * exp, num_bits_over_unit +
 * 23) - 128, clamped to [-128, 127], or -128 for a dropped difference.
 *
 * Two cases where TFLite's int32 code is undefined are defined here: the
 * sum of exps saturates at S32_MAX instead of overflowing (a row of more
 * than 4095 elements near its maximum), and a RoundingDivideByPOT by more
 * than 31 (a sum of 2^28 or more: rows of over 511 elements) gives the
 * exact result, 0, where gemmlowp's shift would be out of range. Rows are
 * computed in order, three passes each; when the hook aborts the run, the
 * rows before the one being computed are written, and of that row a
 * prefix or nothing.
 *
 * Return: 0 on success; an error of nnmem_softmax_validate() (nothing
 * written); the negative errno the hook returned, or -EINTR if it
 * returned a positive value.
 */
int nnmem_softmax_run(const struct nnmem_softmax_params *p, const s8 *input,
		      s8 *output, const struct nnmem_kernel_progress *prog)
{
	struct nnmem_meter meter;
	u32 r, c, end;
	s32 max, diff, scale, e, v;
	int nbou, ret;
	unsigned int exponent;
	const s8 *in;
	s8 *out;
	s64 sum;
	u64 macs;

	ret = nnmem_softmax_validate(p, &macs);
	if (ret)
		return ret;
	nnmem_meter_init(&meter, prog, macs);

	for (r = 0; r < p->rows; r++) {
		in = input + (size_t)r * p->depth;
		out = output + (size_t)r * p->depth;

		/* pass 1: the row's maximum */
		max = S8_MIN;
		for (c = 0; c < p->depth; c = end) {
			u32 start = c;

			end = c + (u32)nnmem_meter_room(&meter, p->depth - c);
			for (; c < end; c++)
				if (in[c] > max)
					max = in[c];
			if (meter.prog && nnmem_meter_charge(&meter,
							     end - start))
				return meter.err;
		}

		/* pass 2: the sum of exps in Q12.19, saturated */
		sum = 0;
		for (c = 0; c < p->depth; c = end) {
			u32 start = c;

			end = c + (u32)nnmem_meter_room(&meter, p->depth - c);
			for (; c < end; c++) {
				diff = in[c] - max;
				if (diff < p->diff_min)
					continue;
				e = nnmem_rdbpot(nnmem_softmax_exp(p, diff), 12);
				sum += e;
				if (sum > S32_MAX)
					sum = S32_MAX;
			}
			if (meter.prog && nnmem_meter_charge(&meter,
							     end - start))
				return meter.err;
		}

		/* the maximum's exp is 1: sum >= 2^19 */
		scale = nnmem_fp_reciprocal((s32)sum, &nbou);
		exponent = (unsigned int)(nbou + 31 - 8);

		/* pass 3: the outputs */
		for (c = 0; c < p->depth; c = end) {
			u32 start = c;

			end = c + (u32)nnmem_meter_room(&meter, p->depth - c);
			for (; c < end; c++) {
				diff = in[c] - max;
				if (diff < p->diff_min) {
					out[c] = S8_MIN;
					continue;
				}
				e = nnmem_srdhm(scale,
						nnmem_softmax_exp(p, diff));
				/* e >= 0: e / 2^32 and beyond rounds to 0 */
				v = exponent > 31 ? 0 : nnmem_rdbpot(e, exponent);
				v += S8_MIN;
				out[c] = (s8)(v > S8_MAX ? S8_MAX : v);
			}
			if (meter.prog && nnmem_meter_charge(&meter,
							     end - start))
				return meter.err;
		}
	}
	return 0;
}
