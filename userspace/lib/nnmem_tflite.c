// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * TensorFlow Lite importer: a bounds-checked FlatBuffers reader for the
 * tables of schema.fbs it needs, an intermediate representation with the
 * integer parameters TFLite derives at prepare time, and the lowering to
 * the driver's graph description. See <nnmem/tflite.h>.
 *
 * The file is untrusted. The reader never dereferences a position it has
 * not checked: a table must be 4-aligned with its vtable (2-aligned) and
 * both sizes inside the file; a field must lie inside its table and be
 * aligned to its size; a uoffset must land inside the file; a vector's
 * length times its element size must fit between its start and the end;
 * a string must end in a NUL inside the file. uoffsets are unsigned, so
 * every reference points forward, and the walk follows the schema's fixed
 * depth: a file cannot make it loop. Counts are capped by
 * NNMEM_TFLITE_MAX_COUNT and every allocation is bounded by the file's
 * size times a constant.
 *
 * The derived parameters follow TFLite's reference code (kernel_util.cc,
 * quantization_util.cc, padding.h) with its default double rounding:
 * QuantizeMultiplier() through frexp(), the per-channel effective scale
 * (double)s_in * (double)s_f / (double)s_out, the per-tensor
 * FULLY_CONNECTED one (double)(s_in * s_f) / (double)s_out (a float
 * product, as GetQuantizedConvolutionMultipler() has it), ADD's and
 * SOFTMAX's preparation, CalculateActivationRangeQuantized() and
 * ComputePaddingHeightWidth(). No libm: rounding is done by hand, exactly.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnmem/tflite.h>

/* ------------------------------------------------------------ names */

/* BuiltinOperator names, from schema.fbs. */
static const char *const op_names[] = {
	[0] = "ADD",
	[1] = "AVERAGE_POOL_2D",
	[2] = "CONCATENATION",
	[3] = "CONV_2D",
	[4] = "DEPTHWISE_CONV_2D",
	[5] = "DEPTH_TO_SPACE",
	[6] = "DEQUANTIZE",
	[7] = "EMBEDDING_LOOKUP",
	[8] = "FLOOR",
	[9] = "FULLY_CONNECTED",
	[10] = "HASHTABLE_LOOKUP",
	[11] = "L2_NORMALIZATION",
	[12] = "L2_POOL_2D",
	[13] = "LOCAL_RESPONSE_NORMALIZATION",
	[14] = "LOGISTIC",
	[15] = "LSH_PROJECTION",
	[16] = "LSTM",
	[17] = "MAX_POOL_2D",
	[18] = "MUL",
	[19] = "RELU",
	[20] = "RELU_N1_TO_1",
	[21] = "RELU6",
	[22] = "RESHAPE",
	[23] = "RESIZE_BILINEAR",
	[24] = "RNN",
	[25] = "SOFTMAX",
	[26] = "SPACE_TO_DEPTH",
	[27] = "SVDF",
	[28] = "TANH",
	[29] = "CONCAT_EMBEDDINGS",
	[30] = "SKIP_GRAM",
	[31] = "CALL",
	[32] = "CUSTOM",
	[33] = "EMBEDDING_LOOKUP_SPARSE",
	[34] = "PAD",
	[35] = "UNIDIRECTIONAL_SEQUENCE_RNN",
	[36] = "GATHER",
	[37] = "BATCH_TO_SPACE_ND",
	[38] = "SPACE_TO_BATCH_ND",
	[39] = "TRANSPOSE",
	[40] = "MEAN",
	[41] = "SUB",
	[42] = "DIV",
	[43] = "SQUEEZE",
	[44] = "UNIDIRECTIONAL_SEQUENCE_LSTM",
	[45] = "STRIDED_SLICE",
	[46] = "BIDIRECTIONAL_SEQUENCE_RNN",
	[47] = "EXP",
	[48] = "TOPK_V2",
	[49] = "SPLIT",
	[50] = "LOG_SOFTMAX",
	[51] = "DELEGATE",
	[52] = "BIDIRECTIONAL_SEQUENCE_LSTM",
	[53] = "CAST",
	[54] = "PRELU",
	[55] = "MAXIMUM",
	[56] = "ARG_MAX",
	[57] = "MINIMUM",
	[58] = "LESS",
	[59] = "NEG",
	[60] = "PADV2",
	[61] = "GREATER",
	[62] = "GREATER_EQUAL",
	[63] = "LESS_EQUAL",
	[64] = "SELECT",
	[65] = "SLICE",
	[66] = "SIN",
	[67] = "TRANSPOSE_CONV",
	[68] = "SPARSE_TO_DENSE",
	[69] = "TILE",
	[70] = "EXPAND_DIMS",
	[71] = "EQUAL",
	[72] = "NOT_EQUAL",
	[73] = "LOG",
	[74] = "SUM",
	[75] = "SQRT",
	[76] = "RSQRT",
	[77] = "SHAPE",
	[78] = "POW",
	[79] = "ARG_MIN",
	[80] = "FAKE_QUANT",
	[81] = "REDUCE_PROD",
	[82] = "REDUCE_MAX",
	[83] = "PACK",
	[84] = "LOGICAL_OR",
	[85] = "ONE_HOT",
	[86] = "LOGICAL_AND",
	[87] = "LOGICAL_NOT",
	[88] = "UNPACK",
	[89] = "REDUCE_MIN",
	[90] = "FLOOR_DIV",
	[91] = "REDUCE_ANY",
	[92] = "SQUARE",
	[93] = "ZEROS_LIKE",
	[94] = "FILL",
	[95] = "FLOOR_MOD",
	[96] = "RANGE",
	[97] = "RESIZE_NEAREST_NEIGHBOR",
	[98] = "LEAKY_RELU",
	[99] = "SQUARED_DIFFERENCE",
	[100] = "MIRROR_PAD",
	[101] = "ABS",
	[102] = "SPLIT_V",
	[103] = "UNIQUE",
	[104] = "CEIL",
	[105] = "REVERSE_V2",
	[106] = "ADD_N",
	[107] = "GATHER_ND",
	[108] = "COS",
	[109] = "WHERE",
	[110] = "RANK",
	[111] = "ELU",
	[112] = "REVERSE_SEQUENCE",
	[113] = "MATRIX_DIAG",
	[114] = "QUANTIZE",
	[115] = "MATRIX_SET_DIAG",
	[116] = "ROUND",
	[117] = "HARD_SWISH",
	[118] = "IF",
	[119] = "WHILE",
	[120] = "NON_MAX_SUPPRESSION_V4",
	[121] = "NON_MAX_SUPPRESSION_V5",
	[122] = "SCATTER_ND",
	[123] = "SELECT_V2",
	[124] = "DENSIFY",
	[125] = "SEGMENT_SUM",
	[126] = "BATCH_MATMUL",
	[127] = "PLACEHOLDER_FOR_GREATER_OP_CODES",
	[128] = "CUMSUM",
	[129] = "CALL_ONCE",
	[130] = "BROADCAST_TO",
	[131] = "RFFT2D",
	[132] = "CONV_3D",
	[136] = "HASHTABLE",
	[137] = "HASHTABLE_FIND",
	[138] = "HASHTABLE_IMPORT",
	[139] = "HASHTABLE_SIZE",
	[140] = "REDUCE_ALL",
	[141] = "CONV_3D_TRANSPOSE",
	[142] = "VAR_HANDLE",
	[143] = "READ_VARIABLE",
	[144] = "ASSIGN_VARIABLE",
	[145] = "BROADCAST_ARGS",
	[146] = "RANDOM_STANDARD_NORMAL",
	[147] = "BUCKETIZE",
	[148] = "RANDOM_UNIFORM",
	[149] = "MULTINOMIAL",
	[150] = "GELU",
	[151] = "DYNAMIC_UPDATE_SLICE",
	[152] = "RELU_0_TO_1",
	[153] = "UNSORTED_SEGMENT_PROD",
	[154] = "UNSORTED_SEGMENT_MAX",
	[155] = "UNSORTED_SEGMENT_SUM",
	[156] = "ATAN2",
	[157] = "UNSORTED_SEGMENT_MIN",
	[158] = "SIGN",
	[159] = "BITCAST",
	[160] = "BITWISE_XOR",
	[161] = "RIGHT_SHIFT",
	[162] = "STABLEHLO_LOGISTIC",
	[163] = "STABLEHLO_ADD",
	[164] = "STABLEHLO_DIVIDE",
	[165] = "STABLEHLO_MULTIPLY",
	[166] = "STABLEHLO_MAXIMUM",
	[167] = "STABLEHLO_RESHAPE",
	[168] = "STABLEHLO_CLAMP",
	[169] = "STABLEHLO_CONCATENATE",
	[170] = "STABLEHLO_BROADCAST_IN_DIM",
	[171] = "STABLEHLO_CONVOLUTION",
	[172] = "STABLEHLO_SLICE",
	[173] = "STABLEHLO_CUSTOM_CALL",
	[174] = "STABLEHLO_REDUCE",
	[175] = "STABLEHLO_ABS",
	[176] = "STABLEHLO_AND",
	[177] = "STABLEHLO_COSINE",
	[178] = "STABLEHLO_EXPONENTIAL",
	[179] = "STABLEHLO_FLOOR",
	[180] = "STABLEHLO_LOG",
	[181] = "STABLEHLO_MINIMUM",
	[182] = "STABLEHLO_NEGATE",
	[183] = "STABLEHLO_OR",
	[184] = "STABLEHLO_POWER",
	[185] = "STABLEHLO_REMAINDER",
	[186] = "STABLEHLO_RSQRT",
	[187] = "STABLEHLO_SELECT",
	[188] = "STABLEHLO_SUBTRACT",
	[189] = "STABLEHLO_TANH",
	[190] = "STABLEHLO_SCATTER",
	[191] = "STABLEHLO_COMPARE",
	[192] = "STABLEHLO_CONVERT",
	[193] = "STABLEHLO_DYNAMIC_SLICE",
	[194] = "STABLEHLO_DYNAMIC_UPDATE_SLICE",
	[195] = "STABLEHLO_PAD",
	[196] = "STABLEHLO_IOTA",
	[197] = "STABLEHLO_DOT_GENERAL",
	[198] = "STABLEHLO_REDUCE_WINDOW",
	[199] = "STABLEHLO_SORT",
	[200] = "STABLEHLO_WHILE",
	[201] = "STABLEHLO_GATHER",
	[202] = "STABLEHLO_TRANSPOSE",
	[203] = "DILATE",
	[204] = "STABLEHLO_RNG_BIT_GENERATOR",
	[205] = "REDUCE_WINDOW",
	[206] = "STABLEHLO_COMPOSITE",
	[207] = "STABLEHLO_SHIFT_LEFT",
	[208] = "STABLEHLO_CBRT",
	[209] = "STABLEHLO_CASE",
};

/* TensorType names, from schema.fbs. */
static const char *const type_names[] = {
	[0] = "FLOAT32",
	[1] = "FLOAT16",
	[2] = "INT32",
	[3] = "UINT8",
	[4] = "INT64",
	[5] = "STRING",
	[6] = "BOOL",
	[7] = "INT16",
	[8] = "COMPLEX64",
	[9] = "INT8",
	[10] = "FLOAT64",
	[11] = "COMPLEX128",
	[12] = "UINT64",
	[13] = "RESOURCE",
	[14] = "VARIANT",
	[15] = "UINT32",
	[16] = "UINT16",
	[17] = "INT4",
	[18] = "BFLOAT16",
	[19] = "INT2",
	[20] = "UINT4",
	[21] = "FLOAT8_E4M3FN",
	[22] = "FLOAT8_E5M2",
};

const char *nnmem_tflite_op_name(uint32_t builtin)
{
	if (builtin < sizeof(op_names) / sizeof(op_names[0]) &&
	    op_names[builtin])
		return op_names[builtin];
	return "UNKNOWN";
}

const char *nnmem_tflite_type_name(uint32_t type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) &&
	    type_names[type])
		return type_names[type];
	return "UNKNOWN";
}

/* Bytes per element, 0 for types without a whole byte size. */
static unsigned int type_size(uint32_t type)
{
	switch (type) {
	case 3: case 6: case 9:			/* UINT8 BOOL INT8 */
		return 1;
	case 1: case 7: case 16: case 18:	/* FLOAT16 INT16 UINT16 BF16 */
		return 2;
	case 0: case 2: case 15:		/* FLOAT32 INT32 UINT32 */
		return 4;
	case 4: case 8: case 10: case 12:	/* INT64 COMPLEX64 FLOAT64 UINT64 */
		return 8;
	case 11:				/* COMPLEX128 */
		return 16;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ errors */

struct ctx {
	const uint8_t *p;	/* the file */
	uint64_t len;		/* its bytes */
	char *err;		/* the caller's message buffer, or NULL */
	size_t errlen;
	bool failed;		/* a message was written: keep the first */
};

__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;

	if (!c->failed && c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	c->failed = true;
	return ret;
}

/* ------------------------------------------------------------ flatbuffers */

struct fbt {
	uint64_t pos;		/* the table */
	uint64_t vt;		/* its vtable */
	uint16_t vtsize;	/* vtable bytes */
	uint16_t tsize;		/* table bytes */
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static float rdf32(const uint8_t *p)
{
	uint32_t u = rd32(p);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Is [pos, pos + n) inside the file? */
static bool in_file(const struct ctx *c, uint64_t pos, uint64_t n)
{
	return pos <= c->len && n <= c->len - pos;
}

/* The table at @pos, or a reason. */
static const char *fb_table(const struct ctx *c, uint64_t pos, struct fbt *t)
{
	int64_t vt;

	if (!in_file(c, pos, 4))
		return "table past the end";
	if (pos & 3)
		return "table misaligned";
	vt = (int64_t)pos - (int32_t)rd32(c->p + pos);
	if (vt < 0 || !in_file(c, (uint64_t)vt, 4))
		return "vtable out of bounds";
	if (vt & 1)
		return "vtable misaligned";
	t->pos = pos;
	t->vt = (uint64_t)vt;
	t->vtsize = rd16(c->p + vt);
	t->tsize = rd16(c->p + vt + 2);
	if (t->vtsize < 4 || (t->vtsize & 1) || !in_file(c, t->vt, t->vtsize))
		return "bad vtable size";
	if (t->tsize < 4 || !in_file(c, pos, t->tsize))
		return "bad table size";
	return NULL;
}

/* Field @id of @size bytes: *pos is its position, 0 when absent. */
static const char *fb_field(const struct ctx *c, const struct fbt *t,
			    unsigned int id, unsigned int size, uint64_t *pos)
{
	unsigned int at = 4 + 2 * id;
	uint16_t off;

	*pos = 0;
	if (at + 2 > t->vtsize)
		return NULL;
	off = rd16(c->p + t->vt + at);
	if (!off)
		return NULL;
	if (off < 4 || (unsigned int)off + size > t->tsize)
		return "field outside its table";
	if ((t->pos + off) % size)
		return "field misaligned";
	*pos = t->pos + off;
	return NULL;
}

/* A scalar field, zero-extended into *v; @def when absent. */
static const char *fb_scalar(const struct ctx *c, const struct fbt *t,
			     unsigned int id, unsigned int size, uint64_t def,
			     uint64_t *v)
{
	const char *why;
	uint64_t pos;

	why = fb_field(c, t, id, size, &pos);
	if (why)
		return why;
	if (!pos) {
		*v = def;
		return NULL;
	}
	switch (size) {
	case 1:
		*v = c->p[pos];
		break;
	case 2:
		*v = rd16(c->p + pos);
		break;
	case 4:
		*v = rd32(c->p + pos);
		break;
	default:
		*v = rd64(c->p + pos);
		break;
	}
	return NULL;
}

static const char *fb_i32(const struct ctx *c, const struct fbt *t,
			  unsigned int id, int32_t def, int32_t *v)
{
	const char *why;
	uint64_t u;

	why = fb_scalar(c, t, id, 4, (uint32_t)def, &u);
	*v = (int32_t)(uint32_t)u;
	return why;
}

static const char *fb_u8(const struct ctx *c, const struct fbt *t,
			 unsigned int id, uint8_t def, uint8_t *v)
{
	const char *why;
	uint64_t u;

	why = fb_scalar(c, t, id, 1, def, &u);
	*v = (uint8_t)u;
	return why;
}

/* The target of uoffset field @id, 0 when absent. */
static const char *fb_ref(const struct ctx *c, const struct fbt *t,
			  unsigned int id, uint64_t *target)
{
	const char *why;
	uint64_t pos;

	*target = 0;
	why = fb_field(c, t, id, 4, &pos);
	if (why || !pos)
		return why;
	*target = pos + rd32(c->p + pos);
	if (*target >= c->len)
		return "offset past the end";
	return NULL;
}

/* The vector at @pos of @esize-byte elements. */
static const char *fb_vec(const struct ctx *c, uint64_t pos,
			  unsigned int esize, uint32_t *n, uint64_t *data)
{
	if (!in_file(c, pos, 4))
		return "vector past the end";
	if (pos & 3)
		return "vector misaligned";
	*n = rd32(c->p + pos);
	*data = pos + 4;
	if ((uint64_t)*n * esize > c->len - *data)
		return "vector past the end";
	if (esize == 8 && (*data & 7))
		return "vector misaligned";
	return NULL;
}

/* Vector field @id: n = 0 when absent. */
static const char *fb_vec_field(const struct ctx *c, const struct fbt *t,
				unsigned int id, unsigned int esize,
				uint32_t *n, uint64_t *data)
{
	const char *why;
	uint64_t pos;

	*n = 0;
	*data = 0;
	why = fb_ref(c, t, id, &pos);
	if (why || !pos)
		return why;
	return fb_vec(c, pos, esize, n, data);
}

/* String field @id: *s = NULL when absent. */
static const char *fb_str_field(const struct ctx *c, const struct fbt *t,
				unsigned int id, const char **s, uint32_t *n)
{
	const char *why;
	uint64_t data;

	*s = NULL;
	why = fb_vec_field(c, t, id, 1, n, &data);
	if (why || !data)
		return why;
	if (data + *n >= c->len || c->p[data + *n])
		return "string not NUL-terminated";
	*s = (const char *)c->p + data;
	return NULL;
}

/* Element @i of a vector of tables starting at @data. */
static const char *fb_vec_table(const struct ctx *c, uint64_t data,
				uint32_t i, struct fbt *t)
{
	uint64_t e = data + 4ULL * i;

	return fb_table(c, e + rd32(c->p + e), t);
}

/* Table field @id: *present false when absent. */
static const char *fb_table_field(const struct ctx *c, const struct fbt *t,
				  unsigned int id, struct fbt *out,
				  bool *present)
{
	const char *why;
	uint64_t pos;

	*present = false;
	why = fb_ref(c, t, id, &pos);
	if (why || !pos)
		return why;
	*present = true;
	return fb_table(c, pos, out);
}

/* ------------------------------------------------------------ arithmetic */

/* round() (half away from zero) of |v| < 2^62, without libm. */
static int64_t round_away(double v)
{
	const double two52 = 4503599627370496.0;	/* 2^52 */
	int64_t t = (int64_t)v;		/* toward zero */
	double frac = v - (double)t;	/* exact for |v| < 2^52 */

	if (v >= two52 || -v >= two52)
		return t;		/* already an integer */
	if (frac >= 0.5)
		t++;
	else if (frac <= -0.5)
		t--;
	return t;
}

void nnmem_tflite_quantize_multiplier(double real, int32_t *multiplier,
				      int *shift)
{
	int64_t q;
	double f;

	if (!(real > 0) || !__builtin_isfinite(real)) {
		*multiplier = 0;
		*shift = 0;
		return;
	}
	f = frexp(real, shift);
	/* f in [0.5, 1): f * 2^31 is exact; its ulp is at most 2^-22 */
	q = round_away(f * 2147483648.0);
	if (q == (1LL << 31)) {
		q /= 2;
		++*shift;
	}
	if (*shift < -31) {
		*shift = 0;
		q = 0;
	}
	*multiplier = (int32_t)q;
}

/* ComputeOutSize(); 0 when the output would be empty. */
static int64_t out_size(uint32_t padding, int64_t in, int64_t k,
			int64_t stride, int64_t dil)
{
	int64_t eff = (k - 1) * dil + 1;
	int64_t o;

	if (padding == NNMEM_TFLITE_PADDING_SAME)
		o = (in + stride - 1) / stride;
	else
		o = (in + stride - eff) / stride;
	return o > 0 ? o : 0;
}

/* ComputePaddingHeightWidth() for one dim: before and after. */
static void pad_size(int64_t in, int64_t k, int64_t stride, int64_t dil,
		     int64_t out, uint32_t *before, uint32_t *after)
{
	int64_t eff = (k - 1) * dil + 1;
	int64_t total = (out - 1) * stride + eff - in;

	if (total < 0)
		total = 0;
	*before = (uint32_t)(total / 2);
	*after = (uint32_t)(total - total / 2);
}

/* CalculateActivationRangeQuantized() for int8. */
static int act_range(uint32_t act, float scale, int32_t zp,
		     int32_t *act_min, int32_t *act_max)
{
	int64_t lo = -128, hi = 127, q0, q6, qm1, qp1;
	float v;

#define QUANTIZE(f, out) do {						\
		v = (float)(f) / scale;					\
		if (v > 0x1p40f)					\
			v = 0x1p40f;					\
		if (v < -0x1p40f)					\
			v = -0x1p40f;					\
		out = zp + round_away(v);				\
	} while (0)
	QUANTIZE(0.0f, q0);
	QUANTIZE(6.0f, q6);
	QUANTIZE(-1.0f, qm1);
	QUANTIZE(1.0f, qp1);
#undef QUANTIZE
	switch (act) {
	case NNMEM_TFLITE_ACT_NONE:
		break;
	case NNMEM_TFLITE_ACT_RELU:
		lo = q0 > lo ? q0 : lo;
		break;
	case NNMEM_TFLITE_ACT_RELU6:
		lo = q0 > lo ? q0 : lo;
		hi = q6 < hi ? q6 : hi;
		break;
	case NNMEM_TFLITE_ACT_RELU_N1_TO_1:
		lo = qm1 > lo ? qm1 : lo;
		hi = qp1 < hi ? qp1 : hi;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (lo > hi)
		return -EINVAL;
	*act_min = (int32_t)lo;
	*act_max = (int32_t)hi;
	return 0;
}

/* ------------------------------------------------------------ parsing */

struct parser {
	struct ctx c;
	struct nnmem_tflite_model *m;
	uint32_t ncodes;		/* operator codes */
	uint64_t codes;			/* their vector's data */
	uint32_t nbuffers;		/* buffers */
	uint64_t buffers;		/* their vector's data */
	uint64_t ops;			/* the operators vector's data */
	unsigned int unsup;		/* entries in @list */
	size_t list_len;		/* bytes used in @list */
	char list[NNMEM_TFLITE_ERR_LEN];/* the unsupported things so far */
};

#define T_NONE	NNMEM_TFLITE_NONE

static const char *opname(const struct nnmem_tflite_op *op)
{
	return nnmem_tflite_op_name(op->builtin);
}

/* Adds one entry to the list of unsupported things. */
__attribute__((format(printf, 2, 3)))
static void unsupported(struct parser *ps, const char *fmt, ...)
{
	size_t room = sizeof(ps->list) - ps->list_len;
	va_list ap;
	int n;

	ps->unsup++;
	if (room < 2)
		return;
	if (ps->list_len) {
		n = snprintf(ps->list + ps->list_len, room, "; ");
		ps->list_len += (size_t)n < room ? (size_t)n : room - 1;
		room = sizeof(ps->list) - ps->list_len;
	}
	va_start(ap, fmt);
	n = vsnprintf(ps->list + ps->list_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		ps->list_len += (size_t)n < room ? (size_t)n : room - 1;
}

static bool op_supported(uint32_t builtin)
{
	switch (builtin) {
	case NNMEM_TFLITE_OP_ADD:
	case NNMEM_TFLITE_OP_AVERAGE_POOL_2D:
	case NNMEM_TFLITE_OP_CONV_2D:
	case NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D:
	case NNMEM_TFLITE_OP_FULLY_CONNECTED:
	case NNMEM_TFLITE_OP_MAX_POOL_2D:
	case NNMEM_TFLITE_OP_RESHAPE:
	case NNMEM_TFLITE_OP_SOFTMAX:
		return true;
	default:
		return false;
	}
}

/* Inputs an operator takes: at least *min, at most *max. */
static void op_arity(uint32_t builtin, uint32_t *min, uint32_t *max)
{
	switch (builtin) {
	case NNMEM_TFLITE_OP_CONV_2D:
	case NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D:
	case NNMEM_TFLITE_OP_FULLY_CONNECTED:
		*min = 2;
		*max = 3;
		break;
	case NNMEM_TFLITE_OP_ADD:
		*min = 2;
		*max = 2;
		break;
	case NNMEM_TFLITE_OP_RESHAPE:
		*min = 1;
		*max = 2;
		break;
	default:
		*min = 1;
		*max = 1;
		break;
	}
}

/* May input @j of the operator be absent (-1)? */
static bool op_optional(uint32_t builtin, uint32_t j)
{
	if (builtin == NNMEM_TFLITE_OP_RESHAPE)
		return j == 1;
	return j == 2;
}

static int parse_quant(struct parser *ps, const struct fbt *tt, uint32_t i)
{
	struct ctx *c = &ps->c;
	struct nnmem_tflite_tensor *t = &ps->m->tensors[i];
	struct nnmem_tflite_quant *q = &t->quant;
	uint32_t ns, nz, k;
	uint64_t sdata, zdata;
	const char *why;
	struct fbt qt;
	bool present;
	int32_t axis;
	uint8_t u8;

	why = fb_table_field(c, tt, 4, &qt, &present);
	if (why)
		return fail(c, -EINVAL, "tensor %u: quantization: %s", i, why);
	if (!present)
		return 0;
	why = fb_vec_field(c, &qt, 2, 4, &ns, &sdata);
	if (why)
		return fail(c, -EINVAL, "tensor %u: quantization: scale: %s",
			    i, why);
	why = fb_vec_field(c, &qt, 3, 8, &nz, &zdata);
	if (why)
		return fail(c, -EINVAL,
			    "tensor %u: quantization: zero_point: %s", i, why);
	why = fb_u8(c, &qt, 4, 0, &u8);
	if (why)
		return fail(c, -EINVAL, "tensor %u: quantization: details: %s",
			    i, why);
	if (u8)
		return fail(c, -EOPNOTSUPP,
			    "tensor %u: quantization: custom details (type %u) not supported",
			    i, u8);
	why = fb_i32(c, &qt, 6, 0, &axis);
	if (why)
		return fail(c, -EINVAL,
			    "tensor %u: quantization: quantized_dimension: %s",
			    i, why);
	if (!ns) {
		if (nz)
			return fail(c, -EINVAL,
				    "tensor %u: quantization: %u zero points but no scale",
				    i, nz);
		return 0;
	}
	if (nz && nz != ns)
		return fail(c, -EINVAL,
			    "tensor %u: quantization: %u scales but %u zero points",
			    i, ns, nz);
	if (ns > 1 && (axis < 0 || (uint32_t)axis >= t->ndims ||
		       t->dims[axis] != ns))
		return fail(c, -EINVAL,
			    "tensor %u: quantization: %u scales do not match quantized_dimension %d",
			    i, ns, axis);
	q->scale = calloc(ns, sizeof(*q->scale));
	q->zero_point = calloc(ns, sizeof(*q->zero_point));
	if (!q->scale || !q->zero_point)
		return fail(c, -ENOMEM, "out of memory");
	q->count = ns;
	q->axis = ns > 1 ? (uint32_t)axis : 0;
	for (k = 0; k < ns; k++) {
		float s = rdf32(c->p + sdata + 4ULL * k);
		int64_t z = nz ? (int64_t)rd64(c->p + zdata + 8ULL * k) : 0;

		if (!__builtin_isfinite(s) || s < 0)
			return fail(c, -EINVAL,
				    "tensor %u: quantization: scale %u is %g",
				    i, k, (double)s);
		if ((t->type == NNMEM_TFLITE_TYPE_INT8 &&
		     (z < -128 || z > 127)) ||
		    (t->type == NNMEM_TFLITE_TYPE_INT32 && z) ||
		    z < INT32_MIN || z > INT32_MAX)
			return fail(c, -EINVAL,
				    "tensor %u: quantization: zero point %u is %lld, out of range for %s",
				    i, k, (long long)z,
				    nnmem_tflite_type_name(t->type));
		q->scale[k] = s;
		q->zero_point[k] = (int32_t)z;
	}
	return 0;
}

static int parse_buffer(struct parser *ps, const struct fbt *tt, uint32_t i)
{
	struct ctx *c = &ps->c;
	struct nnmem_tflite_tensor *t = &ps->m->tensors[i];
	uint64_t u, data, off, size;
	const char *why;
	struct fbt bt;
	uint32_t n;

	why = fb_scalar(c, tt, 2, 4, 0, &u);
	if (why)
		return fail(c, -EINVAL, "tensor %u: buffer: %s", i, why);
	if (u >= ps->nbuffers) {
		if (!u)
			return 0;	/* no buffers at all: no constants */
		return fail(c, -EINVAL,
			    "tensor %u: buffer %llu: index out of range (%u buffers)",
			    i, (unsigned long long)u, ps->nbuffers);
	}
	why = fb_vec_table(c, ps->buffers, (uint32_t)u, &bt);
	if (!why)
		why = fb_vec_field(c, &bt, 0, 1, &n, &data);
	if (!why)
		why = fb_scalar(c, &bt, 1, 8, 0, &off);
	if (!why)
		why = fb_scalar(c, &bt, 2, 8, 0, &size);
	if (why)
		return fail(c, -EINVAL, "tensor %u: buffer %llu: %s",
			    i, (unsigned long long)u, why);
	if (!n && off > 1) {
		/* data outside the FlatBuffer, at a file offset */
		if (!in_file(c, off, size))
			return fail(c, -EINVAL,
				    "tensor %u: buffer %llu: external data past the end",
				    i, (unsigned long long)u);
		data = off;
	} else {
		size = n;
	}
	if (!size)
		return 0;
	if (type_size(t->type) && size != t->bytes)
		return fail(c, -EINVAL,
			    "tensor %u: buffer %llu holds %llu bytes, the tensor has %llu",
			    i, (unsigned long long)u,
			    (unsigned long long)size,
			    (unsigned long long)t->bytes);
	t->data = c->p + data;
	t->flags |= NNMEM_TFLITE_T_CONST;
	return 0;
}

static int parse_tensor(struct parser *ps, uint64_t tdata, uint32_t i)
{
	struct ctx *c = &ps->c;
	struct nnmem_tflite_tensor *t = &ps->m->tensors[i];
	uint64_t data, elems = 1;
	const char *why, *name;
	struct fbt tt, st;
	bool present;
	uint32_t n, k;
	uint8_t u8;
	int err;

	why = fb_vec_table(c, tdata, i, &tt);
	if (why)
		return fail(c, -EINVAL, "tensor %u: %s", i, why);
	why = fb_str_field(c, &tt, 3, &name, &n);
	if (why)
		return fail(c, -EINVAL, "tensor %u: name: %s", i, why);
	t->name = strndup(name ? name : "", name ? n : 0);
	if (!t->name)
		return fail(c, -ENOMEM, "out of memory");
	why = fb_vec_field(c, &tt, 0, 4, &n, &data);
	if (why)
		return fail(c, -EINVAL, "tensor %u: shape: %s", i, why);
	if (n > NNMEM_TFLITE_MAX_DIMS)
		return fail(c, -EOPNOTSUPP,
			    "tensor %u: shape: %u dims, at most %d", i, n,
			    NNMEM_TFLITE_MAX_DIMS);
	t->ndims = n;
	for (k = 0; k < n; k++) {
		int32_t d = (int32_t)rd32(c->p + data + 4ULL * k);

		if (d <= 0)
			return fail(c, -EINVAL,
				    "tensor %u: shape: dim %u is %d, must be at least 1",
				    i, k, d);
		t->dims[k] = (uint32_t)d;
		elems *= (uint32_t)d;
		if (elems > NNMEM_TFLITE_MAX_BYTES)
			return fail(c, -EINVAL,
				    "tensor %u: shape: more than 2^31 elements",
				    i);
	}
	why = fb_u8(c, &tt, 1, 0, &u8);
	if (why)
		return fail(c, -EINVAL, "tensor %u: type: %s", i, why);
	t->type = u8;
	t->bytes = elems * type_size(t->type);
	if (t->bytes > NNMEM_TFLITE_MAX_BYTES)
		return fail(c, -EINVAL, "tensor %u: %llu bytes, more than 2^31",
			    i, (unsigned long long)t->bytes);
	why = fb_u8(c, &tt, 5, 0, &u8);
	if (why)
		return fail(c, -EINVAL, "tensor %u: is_variable: %s", i, why);
	if (u8)
		return fail(c, -EOPNOTSUPP,
			    "tensor %u: variable tensors not supported", i);
	why = fb_table_field(c, &tt, 6, &st, &present);
	if (why)
		return fail(c, -EINVAL, "tensor %u: sparsity: %s", i, why);
	if (present)
		return fail(c, -EOPNOTSUPP,
			    "tensor %u: sparse tensors not supported", i);
	err = parse_buffer(ps, &tt, i);
	if (!err)
		err = parse_quant(ps, &tt, i);
	return err;
}

/* Reads an int vector of tensor indices into @out. */
static int read_indices(struct parser *ps, uint32_t k, const char *what,
			uint32_t n, uint64_t data, uint32_t *out)
{
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	uint32_t j;

	for (j = 0; j < n; j++) {
		int32_t v = (int32_t)rd32(ps->c.p + data + 4ULL * j);

		if (v == -1 && *what == 'i' && op_optional(op->builtin, j)) {
			out[j] = T_NONE;
			continue;
		}
		if (v < 0 || (uint32_t)v >= ps->m->tensor_count)
			return fail(&ps->c, -EINVAL,
				    "operator %u (%s): %s %u (tensor %d): index out of range (%u tensors)",
				    k, opname(op), what, j, v,
				    ps->m->tensor_count);
		out[j] = (uint32_t)v;
	}
	return 0;
}

/* First pass over an operator: its code, inputs and output. */
static int parse_op_io(struct parser *ps, uint32_t k)
{
	struct ctx *c = &ps->c;
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	uint32_t nin, nout, min, max, j, out;
	uint64_t u, idata, odata;
	struct fbt ot, ct;
	const char *why;
	int32_t code, ver;
	uint8_t dep;
	int err;

	op->node = T_NONE;
	op->output = T_NONE;
	op->params.multiplier_tensor = T_NONE;
	op->params.shift_tensor = T_NONE;
	op->params.filter_tensor = T_NONE;
	why = fb_vec_table(c, ps->ops, k, &ot);
	if (!why)
		why = fb_scalar(c, &ot, 0, 4, 0, &u);
	if (why)
		return fail(c, -EINVAL, "operator %u: %s", k, why);
	if (u >= ps->ncodes)
		return fail(c, -EINVAL,
			    "operator %u: opcode_index %llu out of range (%u operator codes)",
			    k, (unsigned long long)u, ps->ncodes);
	why = fb_vec_table(c, ps->codes, (uint32_t)u, &ct);
	if (!why)
		why = fb_u8(c, &ct, 0, 0, &dep);
	if (!why)
		why = fb_i32(c, &ct, 3, 0, &code);
	if (!why)
		why = fb_i32(c, &ct, 2, 1, &ver);
	if (why)
		return fail(c, -EINVAL, "operator %u: operator code %llu: %s",
			    k, (unsigned long long)u, why);
	/* TFLite's GetBuiltinCode(): the larger of the two fields */
	if ((int8_t)dep > code)
		code = (int8_t)dep;
	if (code < 0)
		return fail(c, -EINVAL,
			    "operator %u: operator code %llu: builtin code %d",
			    k, (unsigned long long)u, code);
	op->builtin = (uint32_t)code;
	op->version = (uint32_t)ver;
	if (!op_supported(op->builtin)) {
		unsupported(ps, "operator %u (%s)", k, opname(op));
		return 0;
	}
	why = fb_vec_field(c, &ot, 1, 4, &nin, &idata);
	if (why)
		return fail(c, -EINVAL, "operator %u (%s): inputs: %s", k,
			    opname(op), why);
	why = fb_vec_field(c, &ot, 2, 4, &nout, &odata);
	if (why)
		return fail(c, -EINVAL, "operator %u (%s): outputs: %s", k,
			    opname(op), why);
	op_arity(op->builtin, &min, &max);
	if (nin < min || nin > max)
		return fail(c, -EINVAL,
			    "operator %u (%s): %u inputs, expected %u to %u",
			    k, opname(op), nin, min, max);
	if (nout != 1)
		return fail(c, -EINVAL,
			    "operator %u (%s): %u outputs, expected 1",
			    k, opname(op), nout);
	op->ninputs = nin;
	err = read_indices(ps, k, "input", nin, idata, op->inputs);
	if (!err)
		err = read_indices(ps, k, "output", 1, odata, &out);
	if (err)
		return err;
	op->output = out;
	for (j = 0; j <= nin; j++) {
		uint32_t ti = j < nin ? op->inputs[j] : out;
		uint32_t type;

		if (ti == T_NONE)
			continue;
		type = ps->m->tensors[ti].type;
		if (type != NNMEM_TFLITE_TYPE_INT8 &&
		    type != NNMEM_TFLITE_TYPE_INT32)
			unsupported(ps, "operator %u (%s) %s %u (tensor %u): type %s",
				    k, opname(op), j < nin ? "input" : "output",
				    j < nin ? j : 0, ti,
				    nnmem_tflite_type_name(type));
	}
	return 0;
}

/* ------------------------------------------------------------ options */

/* The BuiltinOptions union type each supported operator takes. */
static uint8_t options_type(uint32_t builtin)
{
	switch (builtin) {
	case NNMEM_TFLITE_OP_CONV_2D:
		return 1;	/* Conv2DOptions */
	case NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D:
		return 2;	/* DepthwiseConv2DOptions */
	case NNMEM_TFLITE_OP_AVERAGE_POOL_2D:
	case NNMEM_TFLITE_OP_MAX_POOL_2D:
		return 5;	/* Pool2DOptions */
	case NNMEM_TFLITE_OP_FULLY_CONNECTED:
		return 8;	/* FullyConnectedOptions */
	case NNMEM_TFLITE_OP_SOFTMAX:
		return 9;	/* SoftmaxOptions */
	case NNMEM_TFLITE_OP_ADD:
		return 11;	/* AddOptions */
	case NNMEM_TFLITE_OP_RESHAPE:
		return 17;	/* ReshapeOptions */
	default:
		return 0;
	}
}

/* Reads int field @id (default @def) into *v, at least @min. */
static int opt_int(struct parser *ps, uint32_t k, const struct fbt *t,
		   unsigned int id, const char *name, int32_t def, int32_t min,
		   uint32_t *v)
{
	const struct nnmem_tflite_op *op = &ps->m->ops[k];
	const char *why;
	int32_t x;

	why = fb_i32(&ps->c, t, id, def, &x);
	if (why)
		return fail(&ps->c, -EINVAL, "operator %u (%s): options: %s: %s",
			    k, opname(op), name, why);
	if (x < min)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): options: %s is %d, must be at least %d",
			    k, opname(op), name, x, min);
	*v = (uint32_t)x;
	return 0;
}

/* Reads enum field @id into *v, below @limit (-EOPNOTSUPP from @unsup). */
static int opt_enum(struct parser *ps, uint32_t k, const struct fbt *t,
		    unsigned int id, const char *name, uint8_t unsup,
		    uint8_t limit, uint32_t *v)
{
	const struct nnmem_tflite_op *op = &ps->m->ops[k];
	const char *why;
	uint8_t x;

	why = fb_u8(&ps->c, t, id, 0, &x);
	if (why)
		return fail(&ps->c, -EINVAL, "operator %u (%s): options: %s: %s",
			    k, opname(op), name, why);
	if (x >= unsup && x < limit)
		return fail(&ps->c, -EOPNOTSUPP,
			    "operator %u (%s): options: %s %u not supported",
			    k, opname(op), name, x);
	if (x >= limit)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): options: %s %u unknown",
			    k, opname(op), name, x);
	*v = x;
	return 0;
}

static int parse_options(struct parser *ps, uint32_t k)
{
	struct ctx *c = &ps->c;
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	struct nnmem_tflite_options *o = &op->options;
	struct nnmem_tflite_conv_options *cv = &o->conv;
	struct nnmem_tflite_pool_options *pl = &o->pool;
	struct fbt ot, t;
	const char *why;
	bool present;
	uint8_t type;
	uint32_t wf;
	uint64_t u;
	uint32_t bits;
	int err = 0;

	why = fb_vec_table(c, ps->ops, k, &ot);
	if (!why)
		why = fb_u8(c, &ot, 3, 0, &type);
	if (!why)
		why = fb_table_field(c, &ot, 4, &t, &present);
	if (why)
		return fail(c, -EINVAL, "operator %u (%s): options: %s", k,
			    opname(op), why);
	if (present && type != options_type(op->builtin))
		return fail(c, -EINVAL,
			    "operator %u (%s): options: builtin_options_type %u, expected %u",
			    k, opname(op), type, options_type(op->builtin));
	if (!present) {
		/* an absent table reads as its defaults */
		memset(&t, 0, sizeof(t));
		t.vtsize = 4;
		t.tsize = 4;
	}
	switch (op->builtin) {
	case NNMEM_TFLITE_OP_CONV_2D:
	case NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D: {
		unsigned int dw = op->builtin ==
				  NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D;

		err = opt_enum(ps, k, &t, 0, "padding", 2, 2, &cv->padding);
		if (!err)
			err = opt_int(ps, k, &t, 1, "stride_w", 0, 1,
				      &cv->stride_w);
		if (!err)
			err = opt_int(ps, k, &t, 2, "stride_h", 0, 1,
				      &cv->stride_h);
		if (!err && dw)
			err = opt_int(ps, k, &t, 3, "depth_multiplier", 0, 0,
				      &cv->depth_multiplier);
		if (!err)
			err = opt_enum(ps, k, &t, 3 + dw,
				       "fused_activation_function", 4, 6,
				       &cv->activation);
		if (!err)
			err = opt_int(ps, k, &t, 4 + dw, "dilation_w_factor",
				      1, 1, &cv->dilation_w);
		if (!err)
			err = opt_int(ps, k, &t, 5 + dw, "dilation_h_factor",
				      1, 1, &cv->dilation_h);
		o->activation = cv->activation;
		break;
	}
	case NNMEM_TFLITE_OP_AVERAGE_POOL_2D:
	case NNMEM_TFLITE_OP_MAX_POOL_2D:
		err = opt_enum(ps, k, &t, 0, "padding", 2, 2, &pl->padding);
		if (!err)
			err = opt_int(ps, k, &t, 1, "stride_w", 0, 1,
				      &pl->stride_w);
		if (!err)
			err = opt_int(ps, k, &t, 2, "stride_h", 0, 1,
				      &pl->stride_h);
		if (!err)
			err = opt_int(ps, k, &t, 3, "filter_width", 0, 1,
				      &pl->filter_w);
		if (!err)
			err = opt_int(ps, k, &t, 4, "filter_height", 0, 1,
				      &pl->filter_h);
		if (!err)
			err = opt_enum(ps, k, &t, 5,
				       "fused_activation_function", 4, 6,
				       &pl->activation);
		o->activation = pl->activation;
		break;
	case NNMEM_TFLITE_OP_FULLY_CONNECTED:
		err = opt_enum(ps, k, &t, 0, "fused_activation_function", 4,
			       6, &o->activation);
		if (!err)
			err = opt_enum(ps, k, &t, 1, "weights_format", 1, 2,
				       &wf);
		if (!err)
			err = opt_enum(ps, k, &t, 2, "keep_num_dims", 2, 2,
				       &o->keep_num_dims);
		break;
	case NNMEM_TFLITE_OP_ADD:
		err = opt_enum(ps, k, &t, 0, "fused_activation_function", 4,
			       6, &o->activation);
		break;
	case NNMEM_TFLITE_OP_SOFTMAX:
		why = fb_scalar(c, &t, 0, 4, 0, &u);
		if (why)
			return fail(c, -EINVAL,
				    "operator %u (%s): options: beta: %s", k,
				    opname(op), why);
		bits = (uint32_t)u;
		memcpy(&o->beta, &bits, sizeof(o->beta));
		if (!__builtin_isfinite(o->beta) || !(o->beta > 0))
			return fail(c, -EINVAL,
				    "operator %u (%s): options: beta is %g",
				    k, opname(op), (double)o->beta);
		break;
	default:
		break;
	}
	return err;
}

/* ------------------------------------------------------------ semantics */

static uint64_t elems_of(const struct nnmem_tflite_tensor *t)
{
	uint64_t n = 1;
	uint32_t i;

	for (i = 0; i < t->ndims; i++)
		n *= t->dims[i];
	return n;
}

static bool same_shape(const struct nnmem_tflite_tensor *a,
		       const struct nnmem_tflite_tensor *b)
{
	return a->ndims == b->ndims &&
	       !memcmp(a->dims, b->dims, a->ndims * sizeof(a->dims[0]));
}

/* Operand @j of operator @k (@j == ninputs: the output), checked. */
struct role {
	uint32_t type;		/* TensorType it must have */
	int ndims;		/* dims it must have, -1 for any */
	bool activation;	/* int8 per-tensor, scale > 0, not constant */
	bool constant;		/* must be constant (filters, biases) */
};

static int check_role(struct parser *ps, uint32_t k, uint32_t j,
		      const struct role *r)
{
	const struct nnmem_tflite_op *op = &ps->m->ops[k];
	bool out = j == op->ninputs;
	uint32_t ti = out ? op->output : op->inputs[j];
	const struct nnmem_tflite_tensor *t = &ps->m->tensors[ti];
	const char *what = out ? "output" : "input";
	uint32_t jj = out ? 0 : j;

	if (t->type != r->type)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): %s %u (tensor %u): type %s, expected %s",
			    k, opname(op), what, jj, ti,
			    nnmem_tflite_type_name(t->type),
			    nnmem_tflite_type_name(r->type));
	if (r->ndims >= 0 && t->ndims != (uint32_t)r->ndims)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): %s %u (tensor %u): %u dims, expected %d",
			    k, opname(op), what, jj, ti, t->ndims, r->ndims);
	if (r->activation) {
		if (t->quant.count != 1 || !(t->quant.scale[0] > 0))
			return fail(&ps->c, -EINVAL,
				    "operator %u (%s): %s %u (tensor %u): needs one positive scale (has %u)",
				    k, opname(op), what, jj, ti,
				    t->quant.count);
		if (t->flags & NNMEM_TFLITE_T_CONST)
			return fail(&ps->c, -EOPNOTSUPP,
				    "operator %u (%s): %s %u (tensor %u): constant activations not supported",
				    k, opname(op), what, jj, ti);
	}
	if (r->constant && !(t->flags & NNMEM_TFLITE_T_CONST))
		return fail(&ps->c, -EOPNOTSUPP,
			    "operator %u (%s): %s %u (tensor %u): not a constant",
			    k, opname(op), what, jj, ti);
	return 0;
}

static const struct role role_act4 = { NNMEM_TFLITE_TYPE_INT8, 4, true, false };
static const struct role role_act = { NNMEM_TFLITE_TYPE_INT8, -1, true, false };
static const struct role role_filter4 = { NNMEM_TFLITE_TYPE_INT8, 4, false, true };
static const struct role role_filter2 = { NNMEM_TFLITE_TYPE_INT8, 2, false, true };
static const struct role role_bias = { NNMEM_TFLITE_TYPE_INT32, 1, false, true };
static const struct role role_shape = { NNMEM_TFLITE_TYPE_INT32, 1, false, false };

/*
 * A filter's scales: one, or one per output channel along @axis, each
 * with zero point 0; sets *per_channel.
 */
static int check_filter_quant(struct parser *ps, uint32_t k, uint32_t axis,
			      uint32_t channels, bool *per_channel)
{
	const struct nnmem_tflite_op *op = &ps->m->ops[k];
	uint32_t ti = op->inputs[1];
	const struct nnmem_tflite_quant *q = &ps->m->tensors[ti].quant;
	uint32_t i;

	if (q->count != 1 && (q->count != channels || q->axis != axis))
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): input 1 (tensor %u): %u scales on dim %u, expected 1 or %u on dim %u",
			    k, opname(op), ti, q->count, q->axis, channels,
			    axis);
	for (i = 0; i < q->count; i++)
		if (q->zero_point[i])
			return fail(&ps->c, -EINVAL,
				    "operator %u (%s): input 1 (tensor %u): zero point %u is %d, must be 0",
				    k, opname(op), ti, i, q->zero_point[i]);
	*per_channel = q->count > 1;
	return 0;
}

static int check_bias(struct parser *ps, uint32_t k, uint32_t channels)
{
	const struct nnmem_tflite_op *op = &ps->m->ops[k];
	uint32_t ti = op->ninputs > 2 ? op->inputs[2] : T_NONE;
	int err;

	if (ti == T_NONE)
		return 0;
	err = check_role(ps, k, 2, &role_bias);
	if (err)
		return err;
	if (ps->m->tensors[ti].dims[0] != channels)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): input 2 (tensor %u): %u biases for %u output channels",
			    k, opname(op), ti, ps->m->tensors[ti].dims[0],
			    channels);
	return 0;
}

static int set_act(struct parser *ps, uint32_t k)
{
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	const struct nnmem_tflite_tensor *out = &ps->m->tensors[op->output];
	int err;

	err = act_range(op->options.activation, out->quant.scale[0],
			out->quant.zero_point[0], &op->params.act_min,
			&op->params.act_max);
	if (err)
		return fail(&ps->c, err,
			    "operator %u (%s): output 0 (tensor %u): no activation range",
			    k, opname(op), op->output);
	return 0;
}

/* Output size and padding of one spatial dim of a conv or pool. */
static int spatial(struct parser *ps, uint32_t k, const char *dim,
		   uint32_t padding, uint32_t in, uint32_t kern,
		   uint32_t stride, uint32_t dil, uint32_t want,
		   uint32_t *out, uint32_t *before, uint32_t *after)
{
	const struct nnmem_tflite_op *op = &ps->m->ops[k];
	int64_t o = out_size(padding, in, kern, stride, dil);

	if (o != want)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): output 0 (tensor %u): %s %u, the options give %lld",
			    k, opname(op), op->output, dim, want,
			    (long long)o);
	pad_size(in, kern, stride, dil, o, before, after);
	*out = (uint32_t)o;
	return 0;
}

/* Per-channel multipliers and shifts of a conv or FULLY_CONNECTED. */
static int set_multipliers(struct parser *ps, uint32_t k, bool per_channel,
			   uint32_t channels, bool float_product)
{
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	struct nnmem_tflite_params *p = &op->params;
	const struct nnmem_tflite_tensor *t = ps->m->tensors;
	float s_in = t[op->inputs[0]].quant.scale[0];
	float s_out = t[op->output].quant.scale[0];
	const float *s_f = t[op->inputs[1]].quant.scale;
	uint32_t i;

	p->channels = channels;
	p->multiplier = calloc(channels, sizeof(*p->multiplier));
	p->shift = calloc(channels, sizeof(*p->shift));
	if (!p->multiplier || !p->shift)
		return fail(&ps->c, -ENOMEM, "out of memory");
	for (i = 0; i < channels; i++) {
		float f = s_f[per_channel ? i : 0];
		double real;
		int shift;

		if (float_product)	/* GetQuantizedConvolutionMultipler() */
			real = (double)(s_in * f) / (double)s_out;
		else		/* PopulateConvolutionQuantizationParams() */
			real = (double)s_in * (double)f / (double)s_out;
		nnmem_tflite_quantize_multiplier(real, &p->multiplier[i],
						 &shift);
		p->shift[i] = shift;
	}
	return 0;
}

static int check_conv(struct parser *ps, uint32_t k)
{
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	struct nnmem_tflite_params *p = &op->params;
	struct nnmem_tflite_conv_options *cv = &op->options.conv;
	const struct nnmem_tflite_tensor *in, *f, *out;
	bool dw = op->builtin == NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D;
	bool per_channel;
	uint32_t oc, fic;
	int err;

	err = check_role(ps, k, 0, &role_act4);
	if (!err)
		err = check_role(ps, k, 1, &role_filter4);
	if (!err)
		err = check_role(ps, k, op->ninputs, &role_act4);
	if (err)
		return err;
	in = &ps->m->tensors[op->inputs[0]];
	f = &ps->m->tensors[op->inputs[1]];
	out = &ps->m->tensors[op->output];
	oc = dw ? f->dims[3] : f->dims[0];
	fic = dw ? 1 : f->dims[3];
	if (dw && f->dims[0] != 1)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): input 1 (tensor %u): filter dim 0 is %u, expected 1",
			    k, opname(op), op->inputs[1], f->dims[0]);
	if (dw ? oc % in->dims[3] : in->dims[3] % fic)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): input 1 (tensor %u): %u filter channels do not fit %u input channels",
			    k, opname(op), op->inputs[1], dw ? oc : fic,
			    in->dims[3]);
	p->groups = dw ? in->dims[3] : in->dims[3] / fic;
	if (oc % p->groups)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): input 1 (tensor %u): %u output channels in %u groups",
			    k, opname(op), op->inputs[1], oc, p->groups);
	if (dw) {
		uint32_t mult = oc / in->dims[3];

		if (cv->depth_multiplier && cv->depth_multiplier != mult)
			return fail(&ps->c, -EINVAL,
				    "operator %u (%s): options: depth_multiplier %u, the shapes give %u",
				    k, opname(op), cv->depth_multiplier, mult);
		cv->depth_multiplier = mult;
	}
	if (out->dims[0] != in->dims[0] || out->dims[3] != oc)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): output 0 (tensor %u): batch %u and channels %u, expected %u and %u",
			    k, opname(op), op->output, out->dims[0],
			    out->dims[3], in->dims[0], oc);
	err = spatial(ps, k, "height", cv->padding, in->dims[1], f->dims[1],
		      cv->stride_h, cv->dilation_h, out->dims[1], &p->out_h,
		      &p->pad_top, &p->pad_bottom);
	if (!err)
		err = spatial(ps, k, "width", cv->padding, in->dims[2],
			      f->dims[2], cv->stride_w, cv->dilation_w,
			      out->dims[2], &p->out_w, &p->pad_left,
			      &p->pad_right);
	if (!err)
		err = check_filter_quant(ps, k, dw ? 3 : 0, oc, &per_channel);
	if (!err)
		err = check_bias(ps, k, oc);
	if (!err)
		err = set_act(ps, k);
	if (!err)
		err = set_multipliers(ps, k, per_channel, oc, false);
	return err;
}

static int check_fc(struct parser *ps, uint32_t k)
{
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	const struct nnmem_tflite_tensor *in, *f, *out;
	bool per_channel;
	uint32_t oc, depth;
	int err;

	err = check_role(ps, k, 0, &role_act);
	if (!err)
		err = check_role(ps, k, 1, &role_filter2);
	if (!err)
		err = check_role(ps, k, op->ninputs, &role_act);
	if (err)
		return err;
	in = &ps->m->tensors[op->inputs[0]];
	f = &ps->m->tensors[op->inputs[1]];
	out = &ps->m->tensors[op->output];
	oc = f->dims[0];
	depth = f->dims[1];
	if (elems_of(in) % depth)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): input 0 (tensor %u): %llu elements are not rows of %u",
			    k, opname(op), op->inputs[0],
			    (unsigned long long)elems_of(in), depth);
	if (elems_of(out) != elems_of(in) / depth * oc || !out->ndims ||
	    out->dims[out->ndims - 1] != oc)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): output 0 (tensor %u): shape does not hold %llu rows of %u",
			    k, opname(op), op->output,
			    (unsigned long long)(elems_of(in) / depth), oc);
	err = check_filter_quant(ps, k, 0, oc, &per_channel);
	if (!err)
		err = check_bias(ps, k, oc);
	if (!err)
		err = set_act(ps, k);
	if (!err)
		err = set_multipliers(ps, k, per_channel,
				      per_channel ? oc : 1, !per_channel);
	return err;
}

/* QuantizeMultiplierSmallerThanOneExp() */
static int small_multiplier(struct parser *ps, uint32_t k, const char *what,
			    double real, int32_t *mult, int32_t *shift)
{
	const struct nnmem_tflite_op *op = &ps->m->ops[k];
	int s;

	if (!(real > 0 && real < 1))
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): %s multiplier %g not in (0, 1)",
			    k, opname(op), what, real);
	nnmem_tflite_quantize_multiplier(real, mult, &s);
	*shift = s;
	return 0;
}

/* The smaller operand of an ADD: same shape, one element or [last dim]. */
static bool add_fits(const struct nnmem_tflite_tensor *big,
		     const struct nnmem_tflite_tensor *small)
{
	if (same_shape(big, small) || elems_of(small) == 1)
		return true;
	return small->ndims == 1 && big->ndims &&
	       small->dims[0] == big->dims[big->ndims - 1];
}

static int check_add(struct parser *ps, uint32_t k)
{
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	struct nnmem_tflite_params *p = &op->params;
	const struct nnmem_tflite_tensor *a, *b, *out;
	double s1, s2, twice_max;
	int err;

	err = check_role(ps, k, 0, &role_act);
	if (!err)
		err = check_role(ps, k, 1, &role_act);
	if (!err)
		err = check_role(ps, k, 2, &role_act);
	if (err)
		return err;
	a = &ps->m->tensors[op->inputs[0]];
	b = &ps->m->tensors[op->inputs[1]];
	out = &ps->m->tensors[op->output];
	if (!(same_shape(out, a) && add_fits(a, b)) &&
	    !(same_shape(out, b) && add_fits(b, a)))
		return fail(&ps->c, -EOPNOTSUPP,
			    "operator %u (%s): output 0 (tensor %u): broadcast of tensors %u and %u not supported",
			    k, opname(op), op->output, op->inputs[0],
			    op->inputs[1]);
	s1 = a->quant.scale[0];
	s2 = b->quant.scale[0];
	twice_max = 2 * (s1 > s2 ? s1 : s2);
	p->left_shift = 20;
	err = small_multiplier(ps, k, "input 0", s1 / twice_max,
			       &p->input1_multiplier, &p->input1_shift);
	if (!err)
		err = small_multiplier(ps, k, "input 1", s2 / twice_max,
				       &p->input2_multiplier,
				       &p->input2_shift);
	if (!err)
		err = small_multiplier(ps, k, "output", twice_max /
				       ((1 << p->left_shift) *
					(double)out->quant.scale[0]),
				       &p->output_multiplier,
				       &p->output_shift);
	if (!err)
		err = set_act(ps, k);
	return err;
}

static int check_pool(struct parser *ps, uint32_t k)
{
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	struct nnmem_tflite_params *p = &op->params;
	struct nnmem_tflite_pool_options *pl = &op->options.pool;
	const struct nnmem_tflite_tensor *in, *out;
	int err;

	err = check_role(ps, k, 0, &role_act4);
	if (!err)
		err = check_role(ps, k, 1, &role_act4);
	if (err)
		return err;
	in = &ps->m->tensors[op->inputs[0]];
	out = &ps->m->tensors[op->output];
	if (out->dims[0] != in->dims[0] || out->dims[3] != in->dims[3])
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): output 0 (tensor %u): batch or channels differ from the input's",
			    k, opname(op), op->output);
	if (out->quant.scale[0] != in->quant.scale[0] ||
	    out->quant.zero_point[0] != in->quant.zero_point[0])
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): output 0 (tensor %u): quantisation differs from the input's",
			    k, opname(op), op->output);
	err = spatial(ps, k, "height", pl->padding, in->dims[1], pl->filter_h,
		      pl->stride_h, 1, out->dims[1], &p->out_h, &p->pad_top,
		      &p->pad_bottom);
	if (!err)
		err = spatial(ps, k, "width", pl->padding, in->dims[2],
			      pl->filter_w, pl->stride_w, 1, out->dims[2],
			      &p->out_w, &p->pad_left, &p->pad_right);
	if (!err)
		err = set_act(ps, k);
	return err;
}

static int check_softmax(struct parser *ps, uint32_t k)
{
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	struct nnmem_tflite_params *p = &op->params;
	const struct nnmem_tflite_tensor *in, *out;
	double real, radius;
	float s;
	int shift, err;

	err = check_role(ps, k, 0, &role_act);
	if (!err)
		err = check_role(ps, k, 1, &role_act);
	if (err)
		return err;
	in = &ps->m->tensors[op->inputs[0]];
	out = &ps->m->tensors[op->output];
	s = out->quant.scale[0];
	if (!same_shape(in, out) || !in->ndims)
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): output 0 (tensor %u): shape differs from the input's",
			    k, opname(op), op->output);
	/* TFLM: zero point -128, scale 1/256 within 0.1% */
	if (out->quant.zero_point[0] != -128 ||
	    !(s >= 1.f / 256 - 0.001f / 256 && s <= 1.f / 256 + 0.001f / 256))
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): output 0 (tensor %u): scale %g zero point %d, expected 1/256 and -128",
			    k, opname(op), op->output, (double)s,
			    out->quant.zero_point[0]);
	/* PreprocessSoftmaxScaling(beta, s_in, 5) */
	real = (double)op->options.beta * (double)in->quant.scale[0] *
	       (double)(1 << (31 - 5));
	if (real > (double)((1LL << 31) - 1))
		real = (double)((1LL << 31) - 1);
	if (!(real > 1))	/* QuantizeMultiplierGreaterThanOne() */
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): beta * input scale * 2^26 = %g, must be above 1",
			    k, opname(op), real);
	nnmem_tflite_quantize_multiplier(real, &p->input_multiplier, &shift);
	p->input_left_shift = shift;
	/* CalculateInputRadius(5, left_shift, 31): floor of a positive */
	radius = 1.0 * ((1 << 5) - 1) * (double)(1LL << (31 - 5)) /
		 (double)(1LL << shift);
	p->diff_min = -(int32_t)radius;
	return 0;
}

static int check_reshape(struct parser *ps, uint32_t k)
{
	struct nnmem_tflite_op *op = &ps->m->ops[k];
	const struct nnmem_tflite_tensor *in, *out;
	const struct nnmem_tflite_quant *qi, *qo;
	int err = 0;

	in = &ps->m->tensors[op->inputs[0]];
	out = &ps->m->tensors[op->output];
	if (op->ninputs > 1 && op->inputs[1] != T_NONE)
		err = check_role(ps, k, 1, &role_shape);
	if (err)
		return err;
	qi = &in->quant;
	qo = &out->quant;
	if (in->type != out->type || elems_of(in) != elems_of(out))
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): output 0 (tensor %u): %s x %llu, the input is %s x %llu",
			    k, opname(op), op->output,
			    nnmem_tflite_type_name(out->type),
			    (unsigned long long)elems_of(out),
			    nnmem_tflite_type_name(in->type),
			    (unsigned long long)elems_of(in));
	if (qi->count != qo->count ||
	    (qi->count && (memcmp(qi->scale, qo->scale,
				  qi->count * sizeof(*qi->scale)) ||
			   memcmp(qi->zero_point, qo->zero_point,
				  qi->count * sizeof(*qi->zero_point)))))
		return fail(&ps->c, -EINVAL,
			    "operator %u (%s): output 0 (tensor %u): quantisation differs from the input's",
			    k, opname(op), op->output);
	return 0;
}

static int check_op(struct parser *ps, uint32_t k)
{
	switch (ps->m->ops[k].builtin) {
	case NNMEM_TFLITE_OP_CONV_2D:
	case NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D:
		return check_conv(ps, k);
	case NNMEM_TFLITE_OP_FULLY_CONNECTED:
		return check_fc(ps, k);
	case NNMEM_TFLITE_OP_ADD:
		return check_add(ps, k);
	case NNMEM_TFLITE_OP_AVERAGE_POOL_2D:
	case NNMEM_TFLITE_OP_MAX_POOL_2D:
		return check_pool(ps, k);
	case NNMEM_TFLITE_OP_SOFTMAX:
		return check_softmax(ps, k);
	default:
		return check_reshape(ps, k);
	}
}

/* ------------------------------------------------------------ the graph */

/* Model inputs and outputs: vectors of tensor indices. */
static int parse_io(struct parser *ps, const struct fbt *sg, unsigned int id,
		    const char *what, uint32_t *count, uint32_t **out)
{
	struct ctx *c = &ps->c;
	uint64_t data;
	const char *why;
	uint32_t n, j;

	why = fb_vec_field(c, sg, id, 4, &n, &data);
	if (why)
		return fail(c, -EINVAL, "subgraph 0: %ss: %s", what, why);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return fail(c, -ENOMEM, "out of memory");
	*count = n;
	for (j = 0; j < n; j++) {
		int32_t v = (int32_t)rd32(c->p + data + 4ULL * j);
		const struct nnmem_tflite_tensor *t;

		if (v < 0 || (uint32_t)v >= ps->m->tensor_count)
			return fail(c, -EINVAL,
				    "model %s %u (tensor %d): index out of range (%u tensors)",
				    what, j, v, ps->m->tensor_count);
		(*out)[j] = (uint32_t)v;
		t = &ps->m->tensors[v];
		if (t->type != NNMEM_TFLITE_TYPE_INT8)
			unsupported(ps, "model %s %u (tensor %d): type %s",
				    what, j, v, nnmem_tflite_type_name(t->type));
	}
	return 0;
}

/*
 * Topological order: every input of an operator is a constant, a model
 * input or the output of an earlier operator, and no tensor is written
 * twice. Also links RESHAPE outputs to their buffers.
 */
static int check_order(struct parser *ps)
{
	struct nnmem_tflite_model *m = ps->m;
	struct ctx *c = &ps->c;
	uint32_t i, j, k;

	for (i = 0; i < m->input_count; i++) {
		struct nnmem_tflite_tensor *t = &m->tensors[m->inputs[i]];

		if (t->flags & NNMEM_TFLITE_T_CONST)
			return fail(c, -EINVAL,
				    "model input %u (tensor %u): a constant",
				    i, m->inputs[i]);
		if (t->flags & NNMEM_TFLITE_T_INPUT)
			return fail(c, -EINVAL,
				    "model input %u (tensor %u): listed twice",
				    i, m->inputs[i]);
		t->flags |= NNMEM_TFLITE_T_INPUT;
	}
	for (k = 0; k < m->op_count; k++) {
		struct nnmem_tflite_op *op = &m->ops[k];
		struct nnmem_tflite_tensor *out = &m->tensors[op->output];

		for (j = 0; j < op->ninputs; j++) {
			const struct nnmem_tflite_tensor *t;

			if (op->inputs[j] == T_NONE)
				continue;
			t = &m->tensors[op->inputs[j]];
			if (!(t->flags & (NNMEM_TFLITE_T_CONST |
					  NNMEM_TFLITE_T_INPUT)) &&
			    t->producer == T_NONE)
				return fail(c, -EINVAL,
					    "operator %u (%s): input %u (tensor %u): not written by an earlier operator (a cycle, or not in execution order)",
					    k, opname(op), j, op->inputs[j]);
		}
		if (out->flags & (NNMEM_TFLITE_T_CONST | NNMEM_TFLITE_T_INPUT))
			return fail(c, -EINVAL,
				    "operator %u (%s): output 0 (tensor %u): writes a %s",
				    k, opname(op), op->output,
				    out->flags & NNMEM_TFLITE_T_CONST ?
				    "constant" : "model input");
		if (out->producer != T_NONE)
			return fail(c, -EINVAL,
				    "operator %u (%s): output 0 (tensor %u): already written by operator %u",
				    k, opname(op), op->output, out->producer);
		out->producer = k;
		if (op->builtin == NNMEM_TFLITE_OP_RESHAPE) {
			const struct nnmem_tflite_tensor *in =
				&m->tensors[op->inputs[0]];

			out->buffer = in->buffer;
			out->flags |= NNMEM_TFLITE_T_VIEW |
				      (in->flags & NNMEM_TFLITE_T_CONST);
			out->data = in->data;
		} else {
			op->node = m->node_count++;
		}
	}
	for (i = 0; i < m->output_count; i++) {
		struct nnmem_tflite_tensor *t = &m->tensors[m->outputs[i]];

		if (t->producer == T_NONE &&
		    !(t->flags & NNMEM_TFLITE_T_INPUT))
			return fail(c, -EINVAL,
				    "model output %u (tensor %u): never written",
				    i, m->outputs[i]);
		t->flags |= NNMEM_TFLITE_T_OUTPUT;
	}
	return 0;
}

/* Appends a derived tensor; returns its index. */
static uint32_t add_derived(struct nnmem_tflite_model *m, uint32_t k,
			    uint32_t kind, uint32_t type, uint32_t ndims,
			    const uint32_t *dims, uint64_t bytes)
{
	static const char *const suffix[] = {
		[NNMEM_TFLITE_DERIVED_MULTIPLIER] = "multiplier",
		[NNMEM_TFLITE_DERIVED_SHIFT] = "shift",
		[NNMEM_TFLITE_DERIVED_DW_FILTER] = "filter_ohwi",
	};
	uint32_t i = m->all_tensor_count;
	struct nnmem_tflite_tensor *t = &m->tensors[i];
	char name[48];

	snprintf(name, sizeof(name), "op%u.%s", k, suffix[kind]);
	t->name = strdup(name);
	if (!t->name)
		return T_NONE;
	t->type = type;
	t->ndims = ndims;
	memcpy(t->dims, dims, ndims * sizeof(*dims));
	t->bytes = bytes;
	t->flags = NNMEM_TFLITE_T_DERIVED;
	t->buffer = i;
	t->producer = T_NONE;
	t->graph_index = T_NONE;
	t->derived_kind = kind;
	t->derived_op = k;
	m->all_tensor_count++;
	return i;
}

static int make_derived(struct parser *ps)
{
	struct nnmem_tflite_model *m = ps->m;
	struct nnmem_tflite_tensor *t;
	uint32_t k, n = 0;

	for (k = 0; k < m->op_count; k++)
		if (m->ops[k].params.multiplier)
			n += 2 + (m->ops[k].builtin ==
				  NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D);
	/* never 0 bytes: realloc() would free the array */
	t = realloc(m->tensors, ((size_t)m->tensor_count + n + 1) * sizeof(*t));
	if (!t)
		return fail(&ps->c, -ENOMEM, "out of memory");
	m->tensors = t;
	memset(t + m->tensor_count, 0, n * sizeof(*t));
	for (k = 0; k < m->op_count; k++) {
		struct nnmem_tflite_op *op = &m->ops[k];
		struct nnmem_tflite_params *p = &op->params;
		uint32_t c = p->channels;

		if (!p->multiplier)
			continue;
		p->filter_tensor = op->inputs[1];
		p->multiplier_tensor = add_derived(m, k,
						   NNMEM_TFLITE_DERIVED_MULTIPLIER,
						   NNMEM_TFLITE_TYPE_INT32, 1,
						   &c, 4ULL * c);
		p->shift_tensor = add_derived(m, k, NNMEM_TFLITE_DERIVED_SHIFT,
					      NNMEM_TFLITE_TYPE_INT32, 1, &c,
					      4ULL * c);
		if (op->builtin == NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D) {
			const struct nnmem_tflite_tensor *f =
				&m->tensors[op->inputs[1]];
			const struct nnmem_tflite_quant *fq = &f->quant;
			uint32_t dims[4] = { f->dims[3], f->dims[1],
					     f->dims[2], 1 };
			struct nnmem_tflite_quant *q;
			uint32_t d;

			d = add_derived(m, k, NNMEM_TFLITE_DERIVED_DW_FILTER,
					f->type, 4, dims, f->bytes);
			p->filter_tensor = d;
			if (d == T_NONE)
				return fail(&ps->c, -ENOMEM, "out of memory");
			q = &m->tensors[d].quant;
			q->scale = calloc(fq->count, sizeof(*q->scale));
			q->zero_point = calloc(fq->count,
					       sizeof(*q->zero_point));
			if (!q->scale || !q->zero_point)
				return fail(&ps->c, -ENOMEM, "out of memory");
			q->count = fq->count;
			memcpy(q->scale, fq->scale,
			       fq->count * sizeof(*q->scale));
			memcpy(q->zero_point, fq->zero_point,
			       fq->count * sizeof(*q->zero_point));
		}
		if (p->multiplier_tensor == T_NONE ||
		    p->shift_tensor == T_NONE)
			return fail(&ps->c, -ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * The tensors node @op reads (*nin of them, first) and writes (last), as
 * the lowering names them: a FULLY_CONNECTED reads its input's buffer.
 * Returns the count; 0 for a RESHAPE.
 */
static unsigned int op_refs(const struct nnmem_tflite_model *m,
			    const struct nnmem_tflite_op *op,
			    uint32_t refs[6], unsigned int *nin)
{
	const struct nnmem_tflite_params *p = &op->params;
	unsigned int n = 0;

	switch (op->builtin) {
	case NNMEM_TFLITE_OP_RESHAPE:
		*nin = 0;
		return 0;
	case NNMEM_TFLITE_OP_FULLY_CONNECTED:
		refs[n++] = m->tensors[op->inputs[0]].buffer;
		break;
	default:
		refs[n++] = op->inputs[0];
		break;
	}
	if (p->multiplier) {
		refs[n++] = p->filter_tensor;
		if (op->ninputs > 2 && op->inputs[2] != T_NONE)
			refs[n++] = op->inputs[2];
		refs[n++] = p->multiplier_tensor;
		refs[n++] = p->shift_tensor;
	} else if (op->builtin == NNMEM_TFLITE_OP_ADD) {
		refs[n++] = op->inputs[1];
	}
	*nin = n;
	refs[n++] = op->output;
	return n;
}

/* Graph indices, placement flags, weight order and lifetimes. */
static int plan(struct parser *ps)
{
	struct nnmem_tflite_model *m = ps->m;
	uint32_t refs[6], i, k, *last;
	unsigned int n, nin, j;

	last = calloc(m->all_tensor_count, sizeof(*last));
	m->weight_order = calloc(m->all_tensor_count, sizeof(uint32_t));
	m->lifetimes = calloc(m->all_tensor_count ? m->all_tensor_count : 1,
			      sizeof(*m->lifetimes));
	if (!last || !m->weight_order || !m->lifetimes) {
		free(last);
		return fail(&ps->c, -ENOMEM, "out of memory");
	}
	for (k = 0; k < m->op_count; k++) {
		const struct nnmem_tflite_op *op = &m->ops[k];

		n = op_refs(m, op, refs, &nin);
		for (j = 0; j < n; j++) {
			struct nnmem_tflite_tensor *t = &m->tensors[refs[j]];
			struct nnmem_tflite_tensor *b = &m->tensors[t->buffer];

			if (t->graph_index == T_NONE)
				t->graph_index = m->graph_tensor_count++;
			if ((b->flags & (NNMEM_TFLITE_T_CONST |
					 NNMEM_TFLITE_T_DERIVED)) &&
			    !(b->flags & NNMEM_TFLITE_T_PLACED)) {
				m->weight_order[m->weight_count++] = t->buffer;
				m->weight_bytes += b->bytes;
			}
			b->flags |= NNMEM_TFLITE_T_PLACED;
			if (j < nin)
				last[t->buffer] = op->node;
		}
	}
	for (i = 0; i < m->output_count; i++)
		if (m->node_count)
			last[m->tensors[m->outputs[i]].buffer] =
				m->node_count - 1;
	for (i = 0; i < m->tensor_count; i++) {
		const struct nnmem_tflite_tensor *t = &m->tensors[i];
		struct nnmem_tflite_lifetime *l;

		if (t->flags & NNMEM_TFLITE_T_CONST)
			m->const_bytes += (t->flags & NNMEM_TFLITE_T_VIEW) ?
					  0 : t->bytes;
		else
			m->activation_bytes += t->bytes;
		if ((t->flags & NNMEM_TFLITE_T_CONST) ||
		    !(t->flags & NNMEM_TFLITE_T_PLACED))
			continue;
		l = &m->lifetimes[m->lifetime_count++];
		l->tensor = i;
		l->first = t->producer == T_NONE ? 0 :
			   m->ops[t->producer].node;
		l->last = last[i] > l->first ? last[i] : l->first;
		l->bytes = t->bytes;
	}
	free(last);
	return 0;
}

/* ------------------------------------------------------------ entry points */

void nnmem_tflite_free(struct nnmem_tflite_model *m)
{
	uint32_t i;

	if (!m)
		return;
	for (i = 0; m->tensors && i < m->all_tensor_count; i++) {
		free(m->tensors[i].name);
		free(m->tensors[i].quant.scale);
		free(m->tensors[i].quant.zero_point);
	}
	for (i = 0; m->ops && i < m->op_count; i++) {
		free(m->ops[i].params.multiplier);
		free(m->ops[i].params.shift);
	}
	free(m->tensors);
	free(m->ops);
	free(m->inputs);
	free(m->outputs);
	free(m->weight_order);
	free(m->lifetimes);
	free(m);
}

/* Model, subgraph 0 and the vectors the parse walks. */
static int parse_root(struct parser *ps, struct fbt *sg, uint32_t *ntensors,
		      uint64_t *tensors, uint32_t *nops)
{
	struct ctx *c = &ps->c;
	uint32_t nsub, version;
	uint64_t subs, u;
	struct fbt mt;
	const char *why;

	if (c->len < 8)
		return fail(c, -EINVAL, "file of %llu bytes is too short",
			    (unsigned long long)c->len);
	if (c->len > 0x7fffffffULL)
		return fail(c, -EINVAL, "file larger than 2 GiB");
	if (memcmp(c->p + 4, "TFL3", 4))
		return fail(c, -EINVAL,
			    "file identifier is not \"TFL3\": not a TFLite model");
	why = fb_table(c, rd32(c->p), &mt);
	if (!why)
		why = fb_scalar(c, &mt, 0, 4, 0, &u);
	if (why)
		return fail(c, -EINVAL, "model: %s", why);
	version = (uint32_t)u;
	ps->m->version = version;
	if (version != 3)
		return fail(c, -EINVAL, "model: schema version %u, expected 3",
			    version);
	why = fb_vec_field(c, &mt, 1, 4, &ps->ncodes, &ps->codes);
	if (why)
		return fail(c, -EINVAL, "model: operator_codes: %s", why);
	why = fb_vec_field(c, &mt, 4, 4, &ps->nbuffers, &ps->buffers);
	if (why)
		return fail(c, -EINVAL, "model: buffers: %s", why);
	why = fb_vec_field(c, &mt, 2, 4, &nsub, &subs);
	if (!why && !nsub)
		why = "no subgraph";
	if (!why)
		why = fb_vec_table(c, subs, 0, sg);
	if (why)
		return fail(c, -EINVAL, "model: subgraphs: %s", why);
	why = fb_vec_field(c, sg, 0, 4, ntensors, tensors);
	if (why)
		return fail(c, -EINVAL, "subgraph 0: tensors: %s", why);
	why = fb_vec_field(c, sg, 3, 4, nops, &ps->ops);
	if (why)
		return fail(c, -EINVAL, "subgraph 0: operators: %s", why);
	if (*ntensors > NNMEM_TFLITE_MAX_COUNT ||
	    *nops > NNMEM_TFLITE_MAX_COUNT ||
	    ps->ncodes > NNMEM_TFLITE_MAX_COUNT ||
	    ps->nbuffers > NNMEM_TFLITE_MAX_COUNT)
		return fail(c, -EOPNOTSUPP,
			    "model: %u tensors, %u operators, %u operator codes, %u buffers: at most %u each",
			    *ntensors, *nops, ps->ncodes, ps->nbuffers,
			    NNMEM_TFLITE_MAX_COUNT);
	return 0;
}

int nnmem_tflite_parse(const void *buf, size_t len,
		       struct nnmem_tflite_model **modelp,
		       char *err, size_t errlen)
{
	struct nnmem_tflite_model *m;
	uint32_t ntensors, nops, i;
	struct parser *ps;
	uint64_t tensors;
	struct fbt sg;
	int ret;

	if (err && errlen)
		*err = '\0';
	if (!modelp)
		return -EINVAL;
	*modelp = NULL;
	ps = calloc(1, sizeof(*ps));
	m = calloc(1, sizeof(*m));
	if (!ps || !m) {
		free(ps);
		free(m);
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ps->c.p = buf;
	ps->c.len = buf ? len : 0;
	ps->c.err = err;
	ps->c.errlen = errlen;
	ps->m = m;
	ret = parse_root(ps, &sg, &ntensors, &tensors, &nops);
	if (ret)
		goto out;
	m->tensors = calloc(ntensors ? ntensors : 1, sizeof(*m->tensors));
	m->ops = calloc(nops ? nops : 1, sizeof(*m->ops));
	if (!m->tensors || !m->ops) {
		ret = fail(&ps->c, -ENOMEM, "out of memory");
		goto out;
	}
	m->tensor_count = ntensors;
	m->all_tensor_count = ntensors;
	m->op_count = nops;
	for (i = 0; i < ntensors; i++) {
		struct nnmem_tflite_tensor *t = &m->tensors[i];

		t->buffer = i;
		t->producer = T_NONE;
		t->graph_index = T_NONE;
		t->derived_op = T_NONE;
	}
	for (i = 0; i < ntensors; i++) {
		ret = parse_tensor(ps, tensors, i);
		if (ret)
			goto out;
	}
	ret = parse_io(ps, &sg, 1, "input", &m->input_count, &m->inputs);
	if (!ret)
		ret = parse_io(ps, &sg, 2, "output", &m->output_count,
			       &m->outputs);
	for (i = 0; !ret && i < nops; i++)
		ret = parse_op_io(ps, i);
	if (ret)
		goto out;
	if (ps->unsup) {
		ret = fail(&ps->c, -EOPNOTSUPP, "%u unsupported: %s%s",
			   ps->unsup, ps->list,
			   ps->list_len + 1 >= sizeof(ps->list) ? "..." : "");
		goto out;
	}
	ret = check_order(ps);
	for (i = 0; !ret && i < nops; i++) {
		ret = parse_options(ps, i);
		if (!ret)
			ret = check_op(ps, i);
	}
	if (!ret)
		ret = make_derived(ps);
	if (!ret)
		ret = plan(ps);
out:
	if (ret)
		nnmem_tflite_free(m);
	else
		*modelp = m;
	free(ps);
	return ret;
}

int nnmem_tflite_dw_filter_transpose(const struct nnmem_tflite_model *m,
				     uint32_t op, void *dst, size_t len)
{
	const struct nnmem_tflite_tensor *f;
	uint8_t *out = dst;
	uint64_t hw, o, i;

	if (!m || op >= m->op_count || !dst ||
	    m->ops[op].builtin != NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D)
		return -EINVAL;
	f = &m->tensors[m->ops[op].inputs[1]];
	if (len < f->bytes || !f->data)
		return -EINVAL;
	/* [1, H, W, O] to [O, H, W, 1]: element (hw, o) to (o, hw) */
	hw = (uint64_t)f->dims[1] * f->dims[2];
	for (o = 0; o < f->dims[3]; o++)
		for (i = 0; i < hw; i++)
			out[o * hw + i] = f->data[i * f->dims[3] + o];
	return 0;
}

static void put32(uint8_t *p, int32_t v)
{
	uint32_t u = (uint32_t)v;

	p[0] = (uint8_t)u;
	p[1] = (uint8_t)(u >> 8);
	p[2] = (uint8_t)(u >> 16);
	p[3] = (uint8_t)(u >> 24);
}

int nnmem_tflite_tensor_fill(const struct nnmem_tflite_model *m,
			     uint32_t index, void *dst, size_t len)
{
	const struct nnmem_tflite_tensor *t;
	const struct nnmem_tflite_params *p;
	const int32_t *v;
	uint32_t i;

	if (!m || index >= m->all_tensor_count || !dst)
		return -EINVAL;
	t = &m->tensors[index];
	if (len < t->bytes)
		return -EINVAL;
	if (t->flags & NNMEM_TFLITE_T_CONST) {
		memcpy(dst, t->data, t->bytes);
		return 0;
	}
	if (!(t->flags & NNMEM_TFLITE_T_DERIVED))
		return -EINVAL;
	if (t->derived_kind == NNMEM_TFLITE_DERIVED_DW_FILTER)
		return nnmem_tflite_dw_filter_transpose(m, t->derived_op, dst,
							len);
	p = &m->ops[t->derived_op].params;
	v = t->derived_kind == NNMEM_TFLITE_DERIVED_MULTIPLIER ?
	    p->multiplier : p->shift;
	for (i = 0; i < p->channels; i++)
		put32((uint8_t *)dst + 4 * i, v[i]);
	return 0;
}

/* ------------------------------------------------------------ lowering */

/* The graph index of tensor @i (NNMEM_INDEX_NONE for none). */
static uint32_t gi(const struct nnmem_tflite_model *m, uint32_t i)
{
	return i == T_NONE ? NNMEM_INDEX_NONE : m->tensors[i].graph_index;
}

static int lower_tensor(struct ctx *c, const struct nnmem_tflite_model *m,
			uint32_t i, const struct nnmem_tflite_place *place,
			struct nnmem_tensor *nt)
{
	const struct nnmem_tflite_tensor *t = &m->tensors[i];
	const struct nnmem_tflite_place *pl = &place[t->buffer];
	uint32_t d;

	memset(nt, 0, sizeof(*nt));
	if (t->ndims > NNMEM_TENSOR_MAX_DIMS)
		return fail(c, -EOPNOTSUPP,
			    "tensor %u: %u dims, the device takes at most %d",
			    i, t->ndims, NNMEM_TENSOR_MAX_DIMS);
	nt->handle = pl->handle;
	nt->offset = pl->offset;
	nt->ndims = t->ndims ? t->ndims : 1;
	nt->dims[0] = 1;
	for (d = 0; d < t->ndims; d++)
		nt->dims[d] = t->dims[d];
	if (t->type == NNMEM_TFLITE_TYPE_INT32) {
		nt->type = NNMEM_TYPE_INT32;
		if (pl->offset & 3)
			return fail(c, -EINVAL,
				    "tensor %u: int32 data placed at offset %llu, not a multiple of 4",
				    i, (unsigned long long)pl->offset);
	} else {
		nt->type = NNMEM_TYPE_INT8;
		/* per-channel filters have zero points 0, checked */
		if (t->quant.count == 1)
			nt->zero_point = t->quant.zero_point[0];
	}
	return 0;
}

static int check_shifts(struct ctx *c, const struct nnmem_tflite_model *m,
			uint32_t k, const int32_t *shift, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (shift[i] < -31 || shift[i] > 30)
			return fail(c, -EOPNOTSUPP,
				    "operator %u (%s): shift %d of channel %u outside the device's [-31, 30]",
				    k, opname(&m->ops[k]), shift[i], i);
	return 0;
}

static int lower_node(struct ctx *c, const struct nnmem_tflite_model *m,
		      uint32_t k, struct nnmem_node *nd)
{
	const struct nnmem_tflite_op *op = &m->ops[k];
	const struct nnmem_tflite_params *p = &op->params;
	uint32_t bias = op->ninputs > 2 ? op->inputs[2] : T_NONE;

	memset(nd, 0, sizeof(*nd));
	switch (op->builtin) {
	case NNMEM_TFLITE_OP_CONV_2D:
	case NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D: {
		struct nnmem_conv2d *cv = &nd->conv2d;

		nd->op = NNMEM_OP_CONV2D;
		cv->input = gi(m, op->inputs[0]);
		cv->filter = gi(m, p->filter_tensor);
		cv->bias = gi(m, bias);
		cv->output = gi(m, op->output);
		cv->multiplier = gi(m, p->multiplier_tensor);
		cv->shift = gi(m, p->shift_tensor);
		cv->stride_h = op->options.conv.stride_h;
		cv->stride_w = op->options.conv.stride_w;
		cv->dilation_h = op->options.conv.dilation_h;
		cv->dilation_w = op->options.conv.dilation_w;
		cv->pad_top = p->pad_top;
		cv->pad_bottom = p->pad_bottom;
		cv->pad_left = p->pad_left;
		cv->pad_right = p->pad_right;
		cv->groups = p->groups;
		cv->act_min = p->act_min;
		cv->act_max = p->act_max;
		return check_shifts(c, m, k, p->shift, p->channels);
	}
	case NNMEM_TFLITE_OP_FULLY_CONNECTED: {
		struct nnmem_fully_connected *fc = &nd->fully_connected;

		nd->op = NNMEM_OP_FULLY_CONNECTED;
		fc->input = gi(m, m->tensors[op->inputs[0]].buffer);
		fc->filter = gi(m, p->filter_tensor);
		fc->bias = gi(m, bias);
		fc->output = gi(m, op->output);
		fc->multiplier = gi(m, p->multiplier_tensor);
		fc->shift = gi(m, p->shift_tensor);
		fc->act_min = p->act_min;
		fc->act_max = p->act_max;
		return check_shifts(c, m, k, p->shift, p->channels);
	}
	case NNMEM_TFLITE_OP_ADD: {
		struct nnmem_add *a = &nd->add;
		const struct nnmem_tflite_tensor *out = &m->tensors[op->output];
		/* the device broadcasts its second operand only: swap */
		bool swap = !same_shape(&m->tensors[op->inputs[0]], out);

		nd->op = NNMEM_OP_ADD;
		a->input1 = gi(m, op->inputs[swap]);
		a->input2 = gi(m, op->inputs[!swap]);
		a->output = gi(m, op->output);
		a->left_shift = p->left_shift;
		a->input1_multiplier = swap ? p->input2_multiplier :
				       p->input1_multiplier;
		a->input1_shift = swap ? p->input2_shift : p->input1_shift;
		a->input2_multiplier = swap ? p->input1_multiplier :
				       p->input2_multiplier;
		a->input2_shift = swap ? p->input1_shift : p->input2_shift;
		a->output_multiplier = p->output_multiplier;
		a->output_shift = p->output_shift;
		a->act_min = p->act_min;
		a->act_max = p->act_max;
		if (check_shifts(c, m, k, &a->input1_shift, 1) ||
		    check_shifts(c, m, k, &a->input2_shift, 1))
			return -EOPNOTSUPP;
		return check_shifts(c, m, k, &a->output_shift, 1);
	}
	case NNMEM_TFLITE_OP_AVERAGE_POOL_2D:
	case NNMEM_TFLITE_OP_MAX_POOL_2D: {
		struct nnmem_pool2d *pl = &nd->pool2d;

		nd->op = op->builtin == NNMEM_TFLITE_OP_MAX_POOL_2D ?
			 NNMEM_OP_MAX_POOL2D : NNMEM_OP_AVG_POOL2D;
		pl->input = gi(m, op->inputs[0]);
		pl->output = gi(m, op->output);
		pl->filter_h = op->options.pool.filter_h;
		pl->filter_w = op->options.pool.filter_w;
		pl->stride_h = op->options.pool.stride_h;
		pl->stride_w = op->options.pool.stride_w;
		pl->pad_top = p->pad_top;
		pl->pad_bottom = p->pad_bottom;
		pl->pad_left = p->pad_left;
		pl->pad_right = p->pad_right;
		pl->act_min = p->act_min;
		pl->act_max = p->act_max;
		return 0;
	}
	default: {	/* SOFTMAX */
		struct nnmem_softmax *s = &nd->softmax;

		nd->op = NNMEM_OP_SOFTMAX;
		s->input = gi(m, op->inputs[0]);
		s->output = gi(m, op->output);
		s->input_multiplier = p->input_multiplier;
		s->input_left_shift = p->input_left_shift;
		s->diff_min = p->diff_min;
		return 0;
	}
	}
}

int nnmem_tflite_lower(const struct nnmem_tflite_model *m,
		       const struct nnmem_tflite_place *place,
		       struct nnmem_tensor *tensors, struct nnmem_node *nodes,
		       char *err, size_t errlen)
{
	struct ctx c = { .err = err, .errlen = errlen };
	uint32_t i, k;
	int ret;

	if (err && errlen)
		*err = '\0';
	if (!m || !place || !tensors || !nodes)
		return fail(&c, -EINVAL, "missing argument");
	if (!m->node_count)
		return fail(&c, -EOPNOTSUPP, "the model has no node to run");
	for (i = 0; i < m->all_tensor_count; i++) {
		uint32_t g = m->tensors[i].graph_index;

		if (g == T_NONE)
			continue;
		ret = lower_tensor(&c, m, i, place, &tensors[g]);
		if (ret)
			return ret;
	}
	for (k = 0; k < m->op_count; k++) {
		if (m->ops[k].node == T_NONE)
			continue;
		ret = lower_node(&c, m, k, &nodes[m->ops[k].node]);
		if (ret)
			return ret;
	}
	return 0;
}
