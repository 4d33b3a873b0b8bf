// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the TensorFlow Lite importer (userspace/lib/nnmem_tflite.c)
 * under ASan/UBSan. Oracles, all independent of the code under test:
 *  - ../shared/models/resnet8/gradient/tensors.tsv (names, types, shapes,
 *    bytes, scales, zero points) and tensor<N>.bin (constants, and every
 *    intermediate tensor TFLite Micro computed for that input);
 *  - the README's facts (16 operators, padding of the stride-2 convs,
 *    78,752 constant bytes, 117,920 activation bytes, 49,152 liveness);
 *  - QuantizeMultiplier redone here in long double without frexp();
 *  - the driver's conv2d and add kernels run on the lowered nodes, and a
 *    reference FULLY_CONNECTED and AVERAGE_POOL_2D written here, compared
 *    with TFLM's tensors bit for bit;
 *  - FlatBuffers written by hand here, and mutations of resnet8.tflite at
 *    fields found by a small walker of this file's own.
 *
 *   tflite_test [MODEL_DIR]   (default ../shared/models/resnet8)
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnmem/tflite.h>

#include "nnmem_kernels.h"
#include "tap.h"

static unsigned long warnings;

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	printf("# WARN_ON(%s) at %s:%d\n", cond, file, line);
	warnings++;
}

static const char *model_dir = "../../../shared/models/resnet8";
static uint8_t *model;		/* resnet8.tflite */
static int quiet;		/* lower() prints no error */
static size_t model_len;

/* ------------------------------------------------------------ files */

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

static uint8_t *read_case(const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/gradient/%s", model_dir, name);
	return read_file(path, len);
}

/* One row of tensors.tsv. */
struct row {
	unsigned int index;
	char name[512];
	char type[16];
	unsigned int ndims;
	unsigned int dims[8];
	unsigned long long bytes;
	char quant[64];
};

static struct row rows[64];
static unsigned int nrows;

static int load_tsv(void)
{
	char path[512], line[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/gradient/tensors.tsv", model_dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {	/* the header */
		fclose(f);
		return -1;
	}
	while (nrows < 64 && fgets(line, sizeof(line), f)) {
		struct row *r = &rows[nrows];
		char *field[8], *save = NULL, *s, *p;
		int n = 0;

		for (s = strtok_r(line, "\t\n", &save); s && n < 8;
		     s = strtok_r(NULL, "\t\n", &save))
			field[n++] = s;
		if (n < 6)
			break;
		r->index = (unsigned int)strtoul(field[0], NULL, 10);
		snprintf(r->name, sizeof(r->name), "%s", field[1]);
		snprintf(r->type, sizeof(r->type), "%s", field[2]);
		for (p = field[3] + 1; *p && *p != ']'; ) {
			r->dims[r->ndims++] = (unsigned int)strtoul(p, &p, 10);
			if (*p == ',')
				p++;
		}
		r->bytes = strtoull(field[4], NULL, 10);
		snprintf(r->quant, sizeof(r->quant), "%s", field[5]);
		nrows++;
	}
	fclose(f);
	return nrows ? 0 : -1;
}

/* ------------------------------------------------------------ walker */

/*
 * A FlatBuffers walker for trusted files (resnet8.tflite and the test's
 * own), to find fields to read or patch. Positions are absolute.
 */
static uint32_t r16(const uint8_t *b, uint32_t p)
{
	return b[p] | b[p + 1] << 8;
}

static uint32_t r32(const uint8_t *b, uint32_t p)
{
	return b[p] | b[p + 1] << 8 | b[p + 2] << 16 | (uint32_t)b[p + 3] << 24;
}

static void w32(uint8_t *b, uint32_t p, uint32_t v)
{
	b[p] = (uint8_t)v;
	b[p + 1] = (uint8_t)(v >> 8);
	b[p + 2] = (uint8_t)(v >> 16);
	b[p + 3] = (uint8_t)(v >> 24);
}

/* Position of field @id of the table at @t, 0 when absent. */
static uint32_t fld(const uint8_t *b, uint32_t t, unsigned int id)
{
	uint32_t vt = t - r32(b, t);
	uint32_t o;

	if (4 + 2 * id + 2 > r16(b, vt))
		return 0;
	o = r16(b, vt + 4 + 2 * id);
	return o ? t + o : 0;
}

static uint32_t deref(const uint8_t *b, uint32_t pos)
{
	return pos + r32(b, pos);
}

/* Table element @i of the vector that field @id of @t points to. */
static uint32_t elem(const uint8_t *b, uint32_t t, unsigned int id,
		     uint32_t i)
{
	uint32_t v = deref(b, fld(b, t, id));
	uint32_t e = v + 4 + 4 * i;

	return e + r32(b, e);
}

static uint32_t subgraph0(const uint8_t *b)
{
	return elem(b, r32(b, 0), 2, 0);
}

static uint32_t tensor_tbl(const uint8_t *b, uint32_t i)
{
	return elem(b, subgraph0(b), 0, i);
}

static uint32_t op_tbl(const uint8_t *b, uint32_t k)
{
	return elem(b, subgraph0(b), 3, k);
}

/* Position of element @i of the int vector in field @id of @t. */
static uint32_t ivec(const uint8_t *b, uint32_t t, unsigned int id,
		     uint32_t i)
{
	return deref(b, fld(b, t, id)) + 4 + 4 * i;
}

/* Scale @c of tensor @i, read from the file. */
static float file_scale(const uint8_t *b, uint32_t i, uint32_t c)
{
	uint32_t q = deref(b, fld(b, tensor_tbl(b, i), 4));
	uint32_t u = r32(b, ivec(b, q, 2, c));
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* ------------------------------------------------------------ oracle */

/*
 * QuantizeMultiplier() without frexp(): the (q, s) with q in [2^30, 2^31)
 * and q = round(real * 2^(31 - s)), found by scaling by powers of two in
 * long double (exact); s < -31 gives (0, 0).
 */
static void ref_qm(double real, int32_t *q, int *shift)
{
	long double x = real;
	long long r;
	int s = 0;

	*q = 0;
	*shift = 0;
	if (real == 0)
		return;
	/* x * 2^(31 - s) in [2^30, 2^31) before rounding */
	while (ldexpl(x, 31 - s) >= 2147483648.0L)
		s++;
	while (ldexpl(x, 31 - s) < 1073741824.0L)
		s--;
	r = llroundl(ldexpl(x, 31 - s));	/* half away from zero */
	if (r == 2147483648LL) {		/* rounded up to 2^31 */
		r /= 2;
		s++;
	}
	if (s < -31)
		return;
	*q = (int32_t)r;
	*shift = s;
}

static uint32_t align16(uint64_t n)
{
	return (uint32_t)((n + 15) & ~15ULL);
}

static int parse(const uint8_t *buf, size_t len,
		 struct nnmem_tflite_model **m, char *err)
{
	return nnmem_tflite_parse(buf, len, m, err, NNMEM_TFLITE_ERR_LEN);
}

/* ------------------------------------------------------------ resnet8 */

static int test_parse_resnet8(void)
{
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];

	CHECK_RET(parse(model, model_len, &m, err), 0);
	CHECK_EQ(m->version, 3);
	CHECK_EQ(m->tensor_count, nrows);
	CHECK_EQ(m->tensor_count, 38);
	CHECK_EQ(m->op_count, 16);
	CHECK_EQ(m->input_count, 1);
	CHECK_EQ(m->inputs[0], 0);
	CHECK_EQ(m->output_count, 1);
	CHECK_EQ(m->outputs[0], 37);
	CHECK_EQ(m->node_count, 15);	/* RESHAPE emits none */
	nnmem_tflite_free(m);
	return 0;
}

static int test_tensors_vs_tsv(void)
{
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	unsigned int r, d;

	CHECK_RET(parse(model, model_len, &m, err), 0);
	for (r = 0; r < nrows; r++) {
		const struct row *w = &rows[r];
		const struct nnmem_tflite_tensor *t = &m->tensors[w->index];

		CHECK(w->index < m->tensor_count);
		if (strcmp(t->name, w->name)) {
			printf("# tensor %u: name %s, tsv %s\n", w->index,
			       t->name, w->name);
			return -1;
		}
		CHECK(!strcmp(nnmem_tflite_type_name(t->type), w->type));
		CHECK_EQ(t->ndims, w->ndims);
		for (d = 0; d < w->ndims; d++)
			CHECK_EQ(t->dims[d], w->dims[d]);
		CHECK_EQ(t->bytes, w->bytes);
		if (!strncmp(w->quant, "scale=", 6)) {
			float s = strtof(w->quant + 6, NULL);
			const char *z = strstr(w->quant, "zero_point=");

			CHECK(z);
			CHECK_EQ(t->quant.count, 1);
			CHECK(t->quant.scale[0] == s);
			CHECK_RET(t->quant.zero_point[0], atoi(z + 11));
		} else if (!strncmp(w->quant, "per-channel(", 12)) {
			const char *a = strstr(w->quant, "axis=");

			CHECK_EQ(t->quant.count, atoi(w->quant + 12));
			CHECK(a);
			CHECK_EQ(t->quant.axis, atoi(a + 5));
			for (d = 0; d < t->quant.count; d++)
				CHECK_RET(t->quant.zero_point[d], 0);
		} else {
			CHECK(!strcmp(w->quant, "none"));
			CHECK_EQ(t->quant.count, 0);
		}
	}
	nnmem_tflite_free(m);
	return 0;
}

/* Constants equal tensor<N>.bin; fill() gives the same bytes. */
static int test_constants_vs_bins(void)
{
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN], name[32];
	uint64_t sum = 0;
	unsigned int i, nconst = 0;

	CHECK_RET(parse(model, model_len, &m, err), 0);
	for (i = 0; i < m->tensor_count; i++) {
		const struct nnmem_tflite_tensor *t = &m->tensors[i];
		uint8_t *bin, *out;
		size_t len;
		int same;

		/* the tsv marks no constants: 1-21 are, by the README */
		CHECK_EQ(!!(t->flags & NNMEM_TFLITE_T_CONST),
			 i >= 1 && i <= 21);
		if (!(t->flags & NNMEM_TFLITE_T_CONST))
			continue;
		snprintf(name, sizeof(name), "tensor%u.bin", i);
		bin = read_case(name, &len);
		CHECK(bin);
		out = malloc(len);
		CHECK(out);
		same = len == t->bytes && !memcmp(bin, t->data, len) &&
		       !nnmem_tflite_tensor_fill(m, i, out, len) &&
		       !memcmp(bin, out, len);
		CHECK_RET(nnmem_tflite_tensor_fill(m, i, out, len - 1),
			  -EINVAL);
		free(bin);
		free(out);
		CHECK(same);
		sum += t->bytes;
		nconst++;
	}
	CHECK_EQ(nconst, 21);
	CHECK_EQ(sum, 78752);			/* README */
	CHECK_EQ(m->const_bytes, 78752);
	nnmem_tflite_free(m);
	return 0;
}

static int test_operators(void)
{
	static const uint32_t want[16] = { 3, 3, 3, 0, 3, 3, 3, 0, 3, 3, 3, 0,
					   1, 22, 9, 25 };
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	unsigned int k, n[32] = { 0 };

	CHECK_RET(parse(model, model_len, &m, err), 0);
	for (k = 0; k < 16; k++) {
		CHECK_EQ(m->ops[k].builtin, want[k]);
		n[m->ops[k].builtin]++;
		CHECK_EQ(m->ops[k].node, k < 13 ? k : k == 13 ?
			 NNMEM_TFLITE_NONE : k - 1);
	}
	/* README: CONV_2D x9, ADD x3, one each of the others */
	CHECK_EQ(n[3], 9);
	CHECK_EQ(n[0], 3);
	CHECK(!strcmp(nnmem_tflite_op_name(m->ops[12].builtin),
		      "AVERAGE_POOL_2D"));
	CHECK(!strcmp(nnmem_tflite_op_name(m->ops[15].builtin), "SOFTMAX"));
	/* README: AVERAGE_POOL_2D 8x8 VALID, RESHAPE shape from tensor 2 */
	CHECK_EQ(m->ops[12].options.pool.filter_h, 8);
	CHECK_EQ(m->ops[12].options.pool.filter_w, 8);
	CHECK_EQ(m->ops[12].options.pool.padding, NNMEM_TFLITE_PADDING_VALID);
	CHECK_EQ(m->ops[13].inputs[0], 34);
	CHECK_EQ(m->ops[13].inputs[1], 2);
	CHECK_EQ(m->ops[13].output, 35);
	CHECK(m->tensors[35].flags & NNMEM_TFLITE_T_VIEW);
	CHECK_EQ(m->tensors[35].buffer, 34);
	CHECK(m->ops[15].options.beta == 1.0f);
	nnmem_tflite_free(m);
	return 0;
}

/* README: stride-2 3x3 convs pad 0 top/left, 1 bottom/right. */
static int test_padding(void)
{
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	unsigned int k, stride2_3x3 = 0;

	CHECK_RET(parse(model, model_len, &m, err), 0);
	for (k = 0; k < m->op_count; k++) {
		const struct nnmem_tflite_op *op = &m->ops[k];
		const struct nnmem_tflite_params *p = &op->params;
		uint32_t kh;

		if (op->builtin != NNMEM_TFLITE_OP_CONV_2D)
			continue;
		kh = m->tensors[op->inputs[1]].dims[1];
		CHECK_EQ(op->options.conv.padding, NNMEM_TFLITE_PADDING_SAME);
		if (kh == 3 && op->options.conv.stride_h == 2) {
			stride2_3x3++;
			CHECK_EQ(p->pad_top, 0);
			CHECK_EQ(p->pad_left, 0);
			CHECK_EQ(p->pad_bottom, 1);
			CHECK_EQ(p->pad_right, 1);
		} else if (kh == 3) {	/* (32 - 1) + 3 - 32 = 2: 1 and 1 */
			CHECK_EQ(p->pad_top, 1);
			CHECK_EQ(p->pad_bottom, 1);
			CHECK_EQ(p->pad_left, 1);
			CHECK_EQ(p->pad_right, 1);
		} else {		/* 1x1 stride 2: 15 * 2 + 1 - 32 < 0 */
			CHECK_EQ(kh, 1);
			CHECK_EQ(p->pad_top + p->pad_bottom + p->pad_left +
				 p->pad_right, 0);
		}
		CHECK_EQ(p->groups, 1);
	}
	CHECK_EQ(stride2_3x3, 2);
	nnmem_tflite_free(m);
	return 0;
}

/* Multipliers and shifts of every conv and FC, against ref_qm(). */
static int test_multipliers(void)
{
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	unsigned int k, c, checked = 0;

	CHECK_RET(parse(model, model_len, &m, err), 0);
	for (k = 0; k < m->op_count; k++) {
		const struct nnmem_tflite_op *op = &m->ops[k];
		const struct nnmem_tflite_params *p = &op->params;
		float s_in, s_out;
		uint8_t buf[4 * 64];

		if (op->builtin != NNMEM_TFLITE_OP_CONV_2D &&
		    op->builtin != NNMEM_TFLITE_OP_FULLY_CONNECTED)
			continue;
		s_in = file_scale(model, op->inputs[0], 0);
		s_out = file_scale(model, op->output, 0);
		for (c = 0; c < p->channels; c++) {
			float s_f = file_scale(model, op->inputs[1], c);
			double real;
			int32_t q;
			int s;

			if (op->builtin == NNMEM_TFLITE_OP_CONV_2D)
				real = (double)s_in * s_f / s_out;
			else	/* per-tensor: TFLite multiplies in float */
				real = (double)(s_in * s_f) / s_out;
			ref_qm(real, &q, &s);
			CHECK_RET(p->multiplier[c], q);
			CHECK_RET(p->shift[c], s);
			checked++;
		}
		/* the derived tensors' bytes */
		CHECK_OK(nnmem_tflite_tensor_fill(m, p->multiplier_tensor, buf,
						  sizeof(buf)));
		for (c = 0; c < p->channels; c++)
			CHECK_RET((int32_t)r32(buf, 4 * c), p->multiplier[c]);
		CHECK_OK(nnmem_tflite_tensor_fill(m, p->shift_tensor, buf,
						  sizeof(buf)));
		for (c = 0; c < p->channels; c++)
			CHECK_RET((int32_t)r32(buf, 4 * c), p->shift[c]);
	}
	/* 16 + 16 + 16 + 32 + 32 + 32 + 64 + 64 + 64 channels, FC 1 */
	CHECK_EQ(checked, 337);
	CHECK_EQ(m->ops[14].params.channels, 1);
	nnmem_tflite_free(m);
	return 0;
}

static int test_quantize_multiplier_edges(void)
{
	static const double cases[] = {
		0, 1e-30, 0x1p-32, 0x1p-33, 0x1.fffffffp-33, 0x1p-31,
		1 - 0x1p-33,		/* rounds to 2^31: q 2^30, shift 1 */
		0.5 - 0x1p-34,		/* likewise: q 2^30, shift 0 */
		1 - 0x1p-31,		/* does not */
		0.75, 0.5, 1, 1.5, 3.14159, 1234.5, 0x1p30,
	};
	unsigned int i;
	int32_t q, rq;
	int s, rs;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nnmem_tflite_quantize_multiplier(cases[i], &q, &s);
		ref_qm(cases[i], &rq, &rs);
		if (q != rq || s != rs) {
			printf("# %a: (%d, %d), expected (%d, %d)\n",
			       cases[i], q, s, rq, rs);
			return -1;
		}
	}
	/* hand-derived */
	nnmem_tflite_quantize_multiplier(1 - 0x1p-33, &q, &s);
	CHECK_RET(q, 1 << 30);
	CHECK_RET(s, 1);
	nnmem_tflite_quantize_multiplier(0x1p-33, &q, &s);	/* shift -32 */
	CHECK_RET(q, 0);
	CHECK_RET(s, 0);
	nnmem_tflite_quantize_multiplier(0x1p-32, &q, &s);	/* shift -31 */
	CHECK_RET(q, 1 << 30);
	CHECK_RET(s, -31);
	nnmem_tflite_quantize_multiplier(0.75, &q, &s);
	CHECK_RET(q, 3 << 29);
	CHECK_RET(s, 0);
	/* many more against the oracle */
	srand(1);
	for (i = 0; i < 100000; i++) {
		double x = ldexp((double)rand() / RAND_MAX + 0.5,
				 rand() % 80 - 60);

		nnmem_tflite_quantize_multiplier(x, &q, &s);
		ref_qm(x, &rq, &rs);
		if (q != rq || s != rs) {
			printf("# %a: (%d, %d), expected (%d, %d)\n", x, q, s,
			       rq, rs);
			return -1;
		}
	}
	return 0;
}

/* Writes float @f as scale @c of tensor @i in a copy of the model. */
static void patch_scale(uint8_t *b, uint32_t i, uint32_t c, float f)
{
	uint32_t q = deref(b, fld(b, tensor_tbl(b, i), 4));
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	w32(b, ivec(b, q, 2, c), u);
}

/*
 * Per-channel filter scales patched so that one channel's multiplier
 * underflows (shift < -31: multiplier 0) and another's rounds to 2^31.
 */
static int test_patched_scales(void)
{
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	uint8_t *b = malloc(model_len);
	float s_in, s_out, f, edge = 0;
	int32_t q;
	int s, i;

	CHECK(b);
	memcpy(b, model, model_len);
	/*
	 * Conv 1 (tensor 22 to 23, filter 9). The multiplier rounds to 2^31
	 * when s_in * s_f / s_out lies within 2^-32 below a power of two. As
	 * s_f steps through the floats the ratio crosses 2^-8 once, by a
	 * step of 2^-24, so the output scale is stepped too until a
	 * crossing lands in the window (about one in 256).
	 */
	s_in = file_scale(b, 22, 0);
	s_out = file_scale(b, 23, 0);
	for (i = 0; i < 100000 && !edge; i++, s_out = nextafterf(s_out, 1)) {
		long double x;

		f = (float)((double)s_out / s_in * 0x1p-8);
		while ((double)s_in * f / s_out >= 0x1p-8)
			f = nextafterf(f, 0);
		while ((double)s_in * nextafterf(f, 1) / s_out < 0x1p-8)
			f = nextafterf(f, 1);
		/* x = (1 - d) * 2^-8: does (1 - d) * 2^31 round to 2^31? */
		x = (long double)((double)s_in * f / s_out);
		if (ldexpl(x, 39) >= 2147483647.5L) {
			edge = f;
			break;
		}
	}
	if (!edge)
		free(b);
	CHECK(edge != 0);
	patch_scale(b, 23, 0, s_out);
	patch_scale(b, 9, 3, 1e-30f);
	patch_scale(b, 9, 5, edge);
	CHECK_RET(parse(b, model_len, &m, err), 0);
	CHECK_RET(m->ops[1].params.multiplier[3], 0);
	CHECK_RET(m->ops[1].params.shift[3], 0);
	ref_qm((double)s_in * edge / s_out, &q, &s);
	CHECK_RET(q, 1 << 30);
	CHECK_RET(m->ops[1].params.multiplier[5], 1 << 30);
	CHECK_RET(m->ops[1].params.shift[5], s);
	CHECK_RET(s, -8 + 1);
	printf("# scales %a * %a / %a: multiplier 2^30, shift %d\n",
	       s_in, edge, s_out, s);
	nnmem_tflite_free(m);
	free(b);
	return 0;
}

/* ADD, SOFTMAX and activation ranges against independent arithmetic. */
static int test_add_softmax_params(void)
{
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	unsigned int k, adds = 0;

	CHECK_RET(parse(model, model_len, &m, err), 0);
	for (k = 0; k < m->op_count; k++) {
		const struct nnmem_tflite_op *op = &m->ops[k];
		const struct nnmem_tflite_params *p = &op->params;
		long double s1, s2, so, tm;
		int32_t q;
		int s;

		if (op->builtin != NNMEM_TFLITE_OP_ADD)
			continue;
		adds++;
		s1 = file_scale(model, op->inputs[0], 0);
		s2 = file_scale(model, op->inputs[1], 0);
		so = file_scale(model, op->output, 0);
		tm = 2 * (s1 > s2 ? s1 : s2);
		CHECK_RET(p->left_shift, 20);
		ref_qm((double)(s1 / tm), &q, &s);
		CHECK_RET(p->input1_multiplier, q);
		CHECK_RET(p->input1_shift, s);
		ref_qm((double)(s2 / tm), &q, &s);
		CHECK_RET(p->input2_multiplier, q);
		CHECK_RET(p->input2_shift, s);
		ref_qm((double)tm / ((double)(1 << 20) * (double)so), &q, &s);
		CHECK_RET(p->output_multiplier, q);
		CHECK_RET(p->output_shift, s);
		/* fused RELU, output zero point -128: [-128, 127] */
		CHECK_EQ(op->options.activation, NNMEM_TFLITE_ACT_RELU);
		CHECK_RET(p->act_min, -128);
		CHECK_RET(p->act_max, 127);
	}
	CHECK_EQ(adds, 3);
	{
		const struct nnmem_tflite_params *p = &m->ops[15].params;
		double real = 1.0 * file_scale(model, 36, 0) * (1 << 26);
		int32_t q;
		int s;

		ref_qm(real, &q, &s);
		CHECK_RET(p->input_multiplier, q);
		CHECK_RET(p->input_left_shift, s);
		/* floor(31 * 2^26 / 2^s), in integers */
		CHECK_RET(p->diff_min, -(int32_t)((31LL << 26) >> s));
		CHECK(s > 0 && s < 31);
	}
	nnmem_tflite_free(m);
	return 0;
}

/* ------------------------------------------------------------ lowering */

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

/* Places weights in region 1 and activations in region 2, 16-aligned. */
static int lower(const uint8_t *buf, size_t len, struct lowered *l)
{
	char err[NNMEM_TFLITE_ERR_LEN];
	uint64_t off[3] = { 0, 0, 0 };
	unsigned int i;
	int ret;

	memset(l, 0, sizeof(*l));
	ret = parse(buf, len, &l->m, err);
	if (ret) {
		if (!quiet)
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
		off[r] += align16(t->bytes);
	}
	ret = nnmem_tflite_lower(l->m, l->place, l->tensors, l->nodes, err,
				 sizeof(err));
	if (ret && !quiet)
		printf("# %s\n", err);
	return ret;
}

/* The bytes of graph tensor @g, from a case's tensor<N>.bin. */
static int8_t *case_tensor(uint32_t n)
{
	char name[32];
	size_t len;

	snprintf(name, sizeof(name), "tensor%u.bin", n);
	return (int8_t *)read_case(name, &len);
}

/* Model tensor index of graph tensor @g. */
static uint32_t model_index(const struct nnmem_tflite_model *m, uint32_t g)
{
	uint32_t i;

	for (i = 0; i < m->all_tensor_count; i++)
		if (m->tensors[i].graph_index == g)
			return i;
	return NNMEM_TFLITE_NONE;
}

/* Bytes of graph tensor @g: a case file or a derived tensor. */
static void *graph_bytes(const struct lowered *l, uint32_t g)
{
	uint32_t i = model_index(l->m, g);
	const struct nnmem_tflite_tensor *t = &l->m->tensors[i];
	void *buf;

	if (!(t->flags & NNMEM_TFLITE_T_DERIVED))
		return case_tensor(i);
	buf = malloc(t->bytes);
	if (buf && nnmem_tflite_tensor_fill(l->m, i, buf, t->bytes)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int run_conv(const struct lowered *l, const struct nnmem_node *nd,
		    int8_t *out)
{
	const struct nnmem_conv2d *c = &nd->conv2d;
	const struct nnmem_tensor *in = &l->tensors[c->input];
	const struct nnmem_tensor *f = &l->tensors[c->filter];
	const struct nnmem_tensor *o = &l->tensors[c->output];
	struct nnmem_conv2d_params p = {
		.batch = in->dims[0], .in_h = in->dims[1], .in_w = in->dims[2],
		.in_c = in->dims[3], .out_c = f->dims[0], .k_h = f->dims[1],
		.k_w = f->dims[2], .groups = c->groups,
		.stride_h = c->stride_h, .stride_w = c->stride_w,
		.dilation_h = c->dilation_h, .dilation_w = c->dilation_w,
		.pad_top = c->pad_top, .pad_bottom = c->pad_bottom,
		.pad_left = c->pad_left, .pad_right = c->pad_right,
		.input_zero_point = in->zero_point,
		.output_zero_point = o->zero_point,
		.act_min = c->act_min, .act_max = c->act_max,
	};
	struct nnmem_conv2d_tensors t = {
		.input = graph_bytes(l, c->input),
		.filter = graph_bytes(l, c->filter),
		.bias = c->bias == NNMEM_INDEX_NONE ? NULL :
			graph_bytes(l, c->bias),
		.multiplier = graph_bytes(l, c->multiplier),
		.shift = graph_bytes(l, c->shift),
		.output = out,
	};
	int ret = -ENOMEM;

	if (t.input && t.filter && t.multiplier && t.shift &&
	    (t.bias || c->bias == NNMEM_INDEX_NONE))
		ret = nnmem_conv2d_run(&p, &t, NULL);
	free((void *)t.input);
	free((void *)t.filter);
	free((void *)t.bias);
	free((void *)t.multiplier);
	free((void *)t.shift);
	return ret;
}

static int run_add(const struct lowered *l, const struct nnmem_node *nd,
		   int8_t *out, uint32_t n)
{
	const struct nnmem_add *a = &nd->add;
	struct nnmem_add_params p = {
		.input1_zero_point = l->tensors[a->input1].zero_point,
		.input2_zero_point = l->tensors[a->input2].zero_point,
		.left_shift = a->left_shift,
		.input1_multiplier = a->input1_multiplier,
		.input1_shift = a->input1_shift,
		.input2_multiplier = a->input2_multiplier,
		.input2_shift = a->input2_shift,
		.output_multiplier = a->output_multiplier,
		.output_shift = a->output_shift,
		.output_zero_point = l->tensors[a->output].zero_point,
		.act_min = a->act_min, .act_max = a->act_max,
	};
	int8_t *x = graph_bytes(l, a->input1), *y = graph_bytes(l, a->input2);
	int ret = -ENOMEM;

	if (x && y)
		ret = nnmem_add_run(&p, x, n, y, n, out, NULL);
	free(x);
	free(y);
	return ret;
}

/* TFLite's reference integer FullyConnected, per tensor. */
static int run_fc(const struct lowered *l, const struct nnmem_node *nd,
		  int8_t *out)
{
	const struct nnmem_fully_connected *fc = &nd->fully_connected;
	const struct nnmem_tensor *f = &l->tensors[fc->filter];
	int8_t *in = graph_bytes(l, fc->input), *w = graph_bytes(l, fc->filter);
	int32_t *b = graph_bytes(l, fc->bias), *mul = graph_bytes(l, fc->multiplier);
	int32_t *sh = graph_bytes(l, fc->shift);
	int32_t zi = l->tensors[fc->input].zero_point;
	int32_t zo = l->tensors[fc->output].zero_point;
	uint32_t o, d;
	int ret = -ENOMEM;

	if (in && w && b && mul && sh) {
		for (o = 0; o < f->dims[0]; o++) {
			int64_t acc = b[o];

			for (d = 0; d < f->dims[1]; d++)
				acc += (int64_t)w[o * f->dims[1] + d] *
				       (in[d] - zi);
			acc = nnmem_mbqm((int32_t)acc, mul[0], sh[0]) + zo;
			acc = acc < fc->act_min ? fc->act_min : acc;
			acc = acc > fc->act_max ? fc->act_max : acc;
			out[o] = (int8_t)acc;
		}
		ret = 0;
	}
	free(in);
	free(w);
	free(b);
	free(mul);
	free(sh);
	return ret;
}

/* TFLite's reference integer AveragePool (VALID, window = input). */
static int run_avg(const struct lowered *l, const struct nnmem_node *nd,
		   int8_t *out)
{
	const struct nnmem_pool2d *p = &nd->pool2d;
	const struct nnmem_tensor *t = &l->tensors[p->input];
	int8_t *in = graph_bytes(l, p->input);
	uint32_t c, i, n = p->filter_h * p->filter_w;

	if (!in)
		return -ENOMEM;
	if (t->dims[1] != p->filter_h || t->dims[2] != p->filter_w ||
	    p->pad_top || p->pad_left) {
		free(in);
		return -EINVAL;
	}
	for (c = 0; c < t->dims[3]; c++) {
		int32_t sum = 0, avg;

		for (i = 0; i < n; i++)
			sum += in[i * t->dims[3] + c];
		avg = sum > 0 ? (sum + (int32_t)n / 2) / (int32_t)n :
				(sum - (int32_t)n / 2) / (int32_t)n;
		avg = avg < p->act_min ? p->act_min : avg;
		avg = avg > p->act_max ? p->act_max : avg;
		out[c] = (int8_t)avg;
	}
	free(in);
	return 0;
}

/*
 * Each lowered node run on TFLM's own inputs gives TFLM's output, bit for
 * bit: multipliers, shifts, padding, clamps and zero points all right.
 */
static int test_lowered_nodes_vs_tflm(void)
{
	struct lowered l;
	unsigned int n, done = 0;

	CHECK_OK(lower(model, model_len, &l));
	for (n = 0; n < l.m->node_count; n++) {
		const struct nnmem_node *nd = &l.nodes[n];
		uint32_t og = nd->op == NNMEM_OP_CONV2D ? nd->conv2d.output :
			      nd->op == NNMEM_OP_ADD ? nd->add.output :
			      nd->op == NNMEM_OP_FULLY_CONNECTED ?
			      nd->fully_connected.output :
			      nd->op == NNMEM_OP_SOFTMAX ? nd->softmax.output :
			      nd->pool2d.output;
		uint32_t oi = model_index(l.m, og);
		uint64_t bytes = l.m->tensors[oi].bytes;
		int8_t *want = case_tensor(oi), *got = calloc(1, bytes);
		int ret = -1;

		if (!want || !got) {
			free(want);
			free(got);
			CHECK(0);
		}
		if (nd->op == NNMEM_OP_CONV2D)
			ret = run_conv(&l, nd, got);
		else if (nd->op == NNMEM_OP_ADD)
			ret = run_add(&l, nd, got, (uint32_t)bytes);
		else if (nd->op == NNMEM_OP_FULLY_CONNECTED)
			ret = run_fc(&l, nd, got);
		else if (nd->op == NNMEM_OP_AVG_POOL2D)
			ret = run_avg(&l, nd, got);
		else
			ret = 1;	/* softmax: parameters checked above */
		if (ret == 0) {
			done++;
			ret = memcmp(want, got, bytes);
			if (ret)
				printf("# node %u (tensor %u) differs from TFLM\n",
				       n, oi);
		} else if (ret == 1) {
			ret = 0;
		}
		free(want);
		free(got);
		CHECK_OK(ret);
	}
	CHECK_EQ(done, 14);	/* 9 conv, 3 add, pool, FC */
	lowered_free(&l);
	return 0;
}

static int test_lowering(void)
{
	static const uint32_t ops[15] = { 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2,
					  4, 3, 6 };
	struct lowered l;
	unsigned int n, i, derived = 0;

	CHECK_OK(lower(model, model_len, &l));
	/* 38 tensors but the reshape's shape and output, + 10 x 2 derived */
	CHECK_EQ(l.m->graph_tensor_count, 36 + 20);
	CHECK_EQ(l.m->all_tensor_count, 38 + 20);
	for (n = 0; n < 15; n++) {
		CHECK_EQ(l.nodes[n].op, ops[n]);
		CHECK_EQ(l.nodes[n].flags, 0);
	}
	/* the FC reads the pool's output: the reshape is a view */
	CHECK_EQ(l.nodes[13].fully_connected.input, l.nodes[12].pool2d.output);
	CHECK_EQ(l.m->tensors[35].graph_index, NNMEM_TFLITE_NONE);
	CHECK_EQ(l.m->tensors[2].graph_index, NNMEM_TFLITE_NONE);
	for (i = 0; i < l.m->all_tensor_count; i++) {
		const struct nnmem_tflite_tensor *t = &l.m->tensors[i];
		const struct nnmem_tensor *g;

		if (t->graph_index == NNMEM_TFLITE_NONE)
			continue;
		g = &l.tensors[t->graph_index];
		CHECK_EQ(g->handle, l.place[t->buffer].handle);
		CHECK_EQ(g->offset, l.place[t->buffer].offset);
		CHECK_EQ(g->type, t->type == NNMEM_TFLITE_TYPE_INT8 ?
			 NNMEM_TYPE_INT8 : NNMEM_TYPE_INT32);
		if (t->flags & NNMEM_TFLITE_T_DERIVED) {
			derived++;
			CHECK_EQ(g->ndims, 1);
		}
	}
	CHECK_EQ(derived, 20);
	/* conv 4: the first stride-2 3x3 */
	CHECK_EQ(l.nodes[4].conv2d.stride_h, 2);
	CHECK_EQ(l.nodes[4].conv2d.pad_top, 0);
	CHECK_EQ(l.nodes[4].conv2d.pad_bottom, 1);
	CHECK_EQ(l.nodes[4].conv2d.groups, 1);
	/* the softmax */
	CHECK_RET(l.nodes[14].softmax.input_multiplier,
		  l.m->ops[15].params.input_multiplier);
	CHECK_RET(l.nodes[14].softmax.diff_min, l.m->ops[15].params.diff_min);
	/* a misaligned int32 placement is refused */
	{
		char err[NNMEM_TFLITE_ERR_LEN];
		uint32_t b = l.m->ops[0].inputs[2];

		l.place[b].offset += 2;
		CHECK_RET(nnmem_tflite_lower(l.m, l.place, l.tensors, l.nodes,
					     err, sizeof(err)), -EINVAL);
		CHECK(strstr(err, "not a multiple of 4"));
	}
	lowered_free(&l);
	return 0;
}

/* Model order of the constants: filter, bias, multiplier, shift per op. */
static int test_weight_order(void)
{
	static const uint32_t file_order[20] = { 8, 3, 9, 4, 10, 17, 11, 5,
						 12, 18, 13, 19, 14, 6, 15,
						 20, 16, 21, 7, 1 };
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	unsigned int i, j = 0;
	uint64_t sum = 0;

	CHECK_RET(parse(model, model_len, &m, err), 0);
	CHECK_EQ(m->weight_count, 40);
	for (i = 0; i < m->weight_count; i++) {
		const struct nnmem_tflite_tensor *t =
			&m->tensors[m->weight_order[i]];

		sum += t->bytes;
		if (i % 4 >= 2) {	/* multiplier, then shift */
			CHECK_EQ(t->derived_kind, i % 4 == 2 ?
				 NNMEM_TFLITE_DERIVED_MULTIPLIER :
				 NNMEM_TFLITE_DERIVED_SHIFT);
			continue;
		}
		CHECK_EQ(m->weight_order[i], file_order[j]);
		j++;
	}
	CHECK_EQ(j, 20);
	CHECK_EQ(sum, m->weight_bytes);
	/* the file's constants but the reshape's shape (8 bytes), + derived */
	CHECK_EQ(m->weight_bytes, 78752 - 8 + 8 * 337);
	nnmem_tflite_free(m);
	return 0;
}

/* Lifetimes give the README's liveness bound and sums. */
static int test_lifetimes(void)
{
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	uint64_t bound = 0, tsv_sum = 0, tsv_sum16 = 0;
	unsigned int s, i, r;

	CHECK_RET(parse(model, model_len, &m, err), 0);
	for (r = 0; r < nrows; r++)
		if (rows[r].index == 0 || rows[r].index >= 22) {
			tsv_sum += rows[r].bytes;
			tsv_sum16 += align16(rows[r].bytes);
		}
	CHECK_EQ(tsv_sum16, 117920);	/* README, 16-byte aligned */
	CHECK_EQ(m->activation_bytes, tsv_sum);
	for (s = 0; s < m->node_count; s++) {
		uint64_t live = 0;

		for (i = 0; i < m->lifetime_count; i++) {
			const struct nnmem_tflite_lifetime *l = &m->lifetimes[i];

			CHECK(l->first <= l->last && l->last < m->node_count);
			if (l->first <= s && s <= l->last)
				live += align16(l->bytes);
		}
		bound = live > bound ? live : bound;
	}
	CHECK_EQ(bound, 49152);		/* README */
	/* the pool's output lives until the FC reads it through the view */
	for (i = 0; i < m->lifetime_count; i++) {
		const struct nnmem_tflite_lifetime *l = &m->lifetimes[i];

		CHECK(l->tensor != 35);
		if (l->tensor == 34) {
			CHECK_EQ(l->first, 12);
			CHECK_EQ(l->last, 13);
		}
		if (l->tensor == 0)
			CHECK_EQ(l->first, 0);
		if (l->tensor == 37)
			CHECK_EQ(l->last, 14);
		if (l->tensor == 25) {	/* read by conv 4 and conv 6 */
			CHECK_EQ(l->first, 3);
			CHECK_EQ(l->last, 6);
		}
	}
	CHECK_EQ(m->lifetime_count, 16);	/* 17 activations, one view */
	nnmem_tflite_free(m);
	return 0;
}

/* ------------------------------------------------------------ bad files */

/* Parses @b and wants error @want with @substr in the message. */
static int expect_err(const uint8_t *b, size_t len, int want,
		      const char *substr)
{
	struct nnmem_tflite_model *m = (void *)&m;
	char err[NNMEM_TFLITE_ERR_LEN];
	int ret = parse(b, len, &m, err);

	if (ret != want || m || !strstr(err, substr)) {
		printf("# got %d \"%s\", expected %d \"%s\"\n", ret, err, want,
		       substr);
		if (!ret)
			nnmem_tflite_free(m);
		return -1;
	}
	return 0;
}

/* Applies w32(pos, v) to a copy and wants the error (pos 0: the root). */
static int patched32(uint32_t pos, uint32_t v, int want, const char *substr)
{
	uint8_t *b = malloc(model_len);
	int ret;

	if (!b || (!pos && strncmp(substr, "model:", 6))) {
		free(b);
		printf("# field to patch not found\n");
		return -1;
	}
	memcpy(b, model, model_len);
	w32(b, pos, v);
	ret = expect_err(b, model_len, want, substr);
	free(b);
	return ret;
}

static int patched8(uint32_t pos, uint8_t v, int want, const char *substr)
{
	uint8_t *b = malloc(model_len);
	int ret;

	if (!b || !pos) {
		free(b);
		printf("# field to patch not found\n");
		return -1;
	}
	memcpy(b, model, model_len);
	b[pos] = v;
	ret = expect_err(b, model_len, want, substr);
	free(b);
	return ret;
}

static int test_bad_structure(void)
{
	const uint8_t *b = model;
	uint32_t root = r32(b, 0), sg = subgraph0(b);
	uint32_t tv = deref(b, fld(b, sg, 0));

	CHECK_OK(expect_err(b, 0, -EINVAL, "too short"));
	CHECK_OK(patched8(4, 'X', -EINVAL, "not a TFLite model"));
	CHECK_OK(patched32(0, (uint32_t)model_len + 8, -EINVAL,
			   "model: table past the end"));
	CHECK_OK(patched32(0, 2, -EINVAL, "model: table misaligned"));
	CHECK_OK(patched32(fld(b, root, 0), 2, -EINVAL,
			   "schema version 2, expected 3"));
	CHECK_OK(patched32(fld(b, sg, 0), 0x7ffffff0, -EINVAL,
			   "subgraph 0: tensors: offset past the end"));
	CHECK_OK(patched32(tv, 0x40000000, -EINVAL,
			   "subgraph 0: tensors: vector past the end"));
	CHECK_OK(patched32(op_tbl(b, 5), 0x80000000, -EINVAL,
			   "operator 5: vtable out of bounds"));
	CHECK_OK(patched32(tensor_tbl(b, 7), (uint32_t)-(int32_t)model_len,
			   -EINVAL, "tensor 7: vtable out of bounds"));
	/* a vtable entry pointing past its table */
	{
		uint32_t t = tensor_tbl(b, 9), vt = t - r32(b, t);

		CHECK_OK(patched32(vt + 4, 0xfff0 | (r32(b, vt + 4) &
						     0xffff0000U),
				   -EINVAL, ": shape: field outside its table"));
	}
	/* the scale vector of tensor 8 made longer than the file */
	{
		uint32_t q = deref(b, fld(b, tensor_tbl(b, 8), 4));

		CHECK_OK(patched32(deref(b, fld(b, q, 2)), 0x10000000,
				   -EINVAL, "tensor 8: quantization: scale: vector past the end"));
	}
	/* the name of tensor 4 loses its NUL */
	{
		uint32_t s = deref(b, fld(b, tensor_tbl(b, 4), 3));

		CHECK_OK(patched8(s + 4 + r32(b, s), 'x', -EINVAL,
				  "tensor 4: name: string not NUL-terminated"));
	}
	return 0;
}

static int test_bad_graph(void)
{
	const uint8_t *b = model;
	uint32_t sg = subgraph0(b);

	CHECK_OK(patched32(ivec(b, op_tbl(b, 3), 1, 1), 57, -EINVAL,
			   "operator 3 (ADD): input 1 (tensor 57): index out of range (38 tensors)"));
	CHECK_OK(patched32(ivec(b, op_tbl(b, 3), 1, 1), (uint32_t)-1, -EINVAL,
			   "operator 3 (ADD): input 1 (tensor -1): index out of range"));
	CHECK_OK(patched32(ivec(b, op_tbl(b, 9), 2, 0), 38, -EINVAL,
			   "operator 9 (CONV_2D): output 0 (tensor 38): index out of range"));
	/* reads what a later operator writes */
	CHECK_OK(patched32(ivec(b, op_tbl(b, 0), 1, 0), 23, -EINVAL,
			   "operator 0 (CONV_2D): input 0 (tensor 23): not written by an earlier operator"));
	/* written twice */
	CHECK_OK(patched32(ivec(b, op_tbl(b, 1), 2, 0), 22, -EINVAL,
			   "operator 1 (CONV_2D): output 0 (tensor 22): already written by operator 0"));
	CHECK_OK(patched32(ivec(b, op_tbl(b, 1), 2, 0), 8, -EINVAL,
			   "operator 1 (CONV_2D): output 0 (tensor 8): writes a constant"));
	CHECK_OK(patched32(ivec(b, sg, 1, 0), 8, -EINVAL,
			   "model input 0 (tensor 8): a constant"));
	CHECK_OK(patched32(ivec(b, sg, 2, 0), 99, -EINVAL,
			   "model output 0 (tensor 99): index out of range"));
	/* a true cycle: op 1 reads op 2's output, op 2 reads op 1's */
	{
		uint8_t *c = malloc(model_len);
		int ret;

		CHECK(c);
		memcpy(c, model, model_len);
		w32(c, ivec(c, op_tbl(c, 1), 1, 0), 24);
		ret = expect_err(c, model_len, -EINVAL,
				 "operator 1 (CONV_2D): input 0 (tensor 24): not written by an earlier operator (a cycle, or not in execution order)");
		free(c);
		CHECK_OK(ret);
	}
	return 0;
}

static int test_bad_shapes_types(void)
{
	const uint8_t *b = model;
	uint32_t t22 = tensor_tbl(b, 22);

	CHECK_OK(patched32(ivec(b, t22, 0, 1), (uint32_t)-1, -EINVAL,
			   "tensor 22: shape: dim 1 is -1, must be at least 1"));
	CHECK_OK(patched32(ivec(b, t22, 0, 2), 0, -EINVAL,
			   "tensor 22: shape: dim 2 is 0"));
	CHECK_OK(patched32(ivec(b, t22, 0, 1), 0x7fffffff, -EINVAL,
			   "tensor 22: shape: more than 2^31 elements"));
	/* a consistent but wrong shape: the conv's output height */
	CHECK_OK(patched32(ivec(b, t22, 0, 1), 31, -EINVAL,
			   "operator 0 (CONV_2D): output 0 (tensor 22): height 31, the options give 32"));
	/* filter shape no longer matches its buffer */
	CHECK_OK(patched32(ivec(b, tensor_tbl(b, 8), 0, 0), 17, -EINVAL,
			   "tensor 8: buffer"));
	/* an int8 activation made int32: its zero point no longer fits */
	CHECK_OK(patched8(fld(b, t22, 1), 2, -EINVAL,
			  "tensor 22: quantization: zero point 0 is -128, out of range for INT32"));
	/* the bias made int8: its buffer no longer fits */
	CHECK_OK(patched8(fld(b, tensor_tbl(b, 3), 1), 9, -EINVAL,
			  "holds 64 bytes, the tensor has 16"));
	/* the reshape's shape made int8 [8]: consistent, but the wrong type */
	{
		uint8_t *c = malloc(model_len);
		int ret;

		CHECK(c);
		memcpy(c, model, model_len);
		c[fld(c, tensor_tbl(c, 2), 1)] = 9;
		w32(c, ivec(c, tensor_tbl(c, 2), 0, 0), 8);
		ret = expect_err(c, model_len, -EINVAL,
				 "operator 13 (RESHAPE): input 1 (tensor 2): type INT8, expected INT32");
		free(c);
		CHECK_OK(ret);
	}
	CHECK_OK(patched8(fld(b, t22, 1), 99, -EOPNOTSUPP,
			  "operator 0 (CONV_2D) output 0 (tensor 22): type UNKNOWN"));
	/* zero points out of range */
	{
		uint32_t q = deref(b, fld(b, t22, 4));

		/* the low half of -128 made 0xffffff00: -256 */
		CHECK_OK(patched32(deref(b, fld(b, q, 3)) + 4, 0xffffff00,
				   -EINVAL,
				   "tensor 22: quantization: zero point 0 is -256, out of range for INT8"));
	}
	/* options: conv 0's stride_w 0, padding 7, activation TANH */
	{
		uint32_t o = deref(b, fld(b, op_tbl(b, 0), 4));

		CHECK_OK(patched32(fld(b, o, 1), 0, -EINVAL,
				   "operator 0 (CONV_2D): options: stride_w is 0, must be at least 1"));
		/* SAME is the default: the pool's VALID is stored */
		CHECK_OK(patched8(fld(b, deref(b, fld(b, op_tbl(b, 12), 4)), 0),
				  7, -EINVAL,
				  "operator 12 (AVERAGE_POOL_2D): options: padding 7 unknown"));
		CHECK_OK(patched8(fld(b, o, 3), 4, -EOPNOTSUPP,
				  "operator 0 (CONV_2D): options: fused_activation_function 4 not supported"));
	}
	CHECK_OK(patched8(fld(b, op_tbl(b, 0), 3), 2, -EINVAL,
			  "operator 0 (CONV_2D): options: builtin_options_type 2, expected 1"));
	return 0;
}

/* Index of the operator code whose builtin is @builtin, or -1. */
static int find_code(const uint8_t *b, uint32_t builtin)
{
	uint32_t root = r32(b, 0), v = deref(b, fld(b, root, 1));
	uint32_t i, n = r32(b, v);

	for (i = 0; i < n; i++) {
		uint32_t c = elem(b, root, 1, i), p = fld(b, c, 3);
		uint32_t dp = fld(b, c, 0);
		int32_t code = p ? (int32_t)r32(b, p) : 0;
		int32_t dep = dp ? (int8_t)b[dp] : 0;

		if ((uint32_t)(code > dep ? code : dep) == builtin)
			return (int)i;
	}
	return -1;
}

/* Unsupported operators and types: all in one message. */
static int test_unsupported_listed(void)
{
	char err[NNMEM_TFLITE_ERR_LEN];
	struct nnmem_tflite_model *m = NULL;
	uint8_t *b = malloc(model_len);
	int q, dq, ret;

	CHECK(b);
	memcpy(b, model, model_len);
	q = find_code(b, 114);		/* QUANTIZE */
	dq = find_code(b, 6);		/* DEQUANTIZE */
	CHECK(q >= 0 && dq >= 0);
	CHECK(fld(b, op_tbl(b, 3), 0) && fld(b, op_tbl(b, 11), 0));
	w32(b, fld(b, op_tbl(b, 3), 0), (uint32_t)q);
	w32(b, fld(b, op_tbl(b, 11), 0), (uint32_t)dq);
	b[fld(b, tensor_tbl(b, 31), 1)] = 0;	/* FLOAT32 */
	ret = parse(b, model_len, &m, err);
	printf("# %s\n", err);
	free(b);
	CHECK_RET(ret, -EOPNOTSUPP);
	CHECK(!m);
	CHECK(strstr(err, "3 unsupported: "));
	CHECK(strstr(err, "operator 3 (QUANTIZE)"));
	CHECK(strstr(err, "operator 11 (DEQUANTIZE)"));
	/* tensor 31: conv 9's output and op 11's input */
	CHECK(strstr(err, "operator 9 (CONV_2D) output 0 (tensor 31): type FLOAT32"));
	return 0;
}

/* Every prefix of the file is refused, with a message, and nothing leaks. */
static int test_truncated(void)
{
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	size_t len, n = 0;
	uint8_t *b;

	for (len = 0; len < model_len; ) {
		int ret;

		/* exact size: the sanitizers see any read past the end */
		b = malloc(len ? len : 1);
		CHECK(b);
		memcpy(b, model, len);
		err[0] = '\0';
		ret = parse(b, len, &m, err);
		free(b);
		if (ret != -EINVAL || !err[0]) {
			printf("# length %zu: %d \"%s\"\n", len, ret, err);
			if (!ret)
				nnmem_tflite_free(m);
			return -1;
		}
		n++;
		if (len < 4096 || len + 512 >= model_len)
			len++;
		else
			len += 61;
	}
	printf("# %zu prefixes refused\n", n);
	return 0;
}

/* Random byte flips: never a crash or leak; lowering works when parsed. */
static int test_random_flips(void)
{
	uint8_t *b = malloc(model_len);
	unsigned int i, ok = 0;

	CHECK(b);
	srand(7);
	quiet = 1;
	for (i = 0; i < 3000; i++) {
		struct lowered l;
		unsigned int j, flips = 1 + rand() % 4;

		memcpy(b, model, model_len);
		for (j = 0; j < flips; j++)
			b[(size_t)rand() % model_len] ^= (uint8_t)(1 + rand() % 255);
		if (!lower(b, model_len, &l))
			ok++;
		lowered_free(&l);
	}
	quiet = 0;
	printf("# %u of 3000 mutants parsed and lowered\n", ok);
	free(b);
	return 0;
}

/* ------------------------------------------------------------ builder */

/*
 * A FlatBuffer written front to back: a table is laid out before what it
 * points to (uoffsets go forward), its vtable just before it.
 */
struct fbb {
	uint8_t b[8192];
	uint32_t len;
};

/* A field: size 0 absent, 1, 4 or 8 bytes of @v; @ref: a uoffset. */
struct fs {
	uint8_t size;
	uint64_t v;
};

static void fbb_pad(struct fbb *f, uint32_t a)
{
	while (f->len % a)
		f->b[f->len++] = 0;
}

/* Writes a table of @n fields; @pos receives each field's position. */
static uint32_t fbb_table(struct fbb *f, unsigned int n, const struct fs *fs,
			  uint32_t *pos)
{
	uint32_t off[16], o = 4, vt, t, i, j;

	for (i = 0; i < n; i++) {
		if (!fs[i].size) {
			off[i] = 0;
			continue;
		}
		o = (o + fs[i].size - 1) / fs[i].size * fs[i].size;
		off[i] = o;
		o += fs[i].size;
	}
	fbb_pad(f, 2);
	vt = f->len;
	f->b[f->len++] = (uint8_t)(4 + 2 * n);
	f->b[f->len++] = 0;
	f->b[f->len++] = (uint8_t)o;
	f->b[f->len++] = 0;
	for (i = 0; i < n; i++) {
		f->b[f->len++] = (uint8_t)off[i];
		f->b[f->len++] = 0;
	}
	fbb_pad(f, 8);
	t = f->len;
	memset(f->b + t, 0, o);
	w32(f->b, t, t - vt);
	for (i = 0; i < n; i++) {
		for (j = 0; j < fs[i].size; j++)
			f->b[t + off[i] + j] = (uint8_t)(fs[i].v >> (8 * j));
		if (pos)
			pos[i] = t + off[i];
	}
	f->len = t + o;
	return t;
}

static void fbb_ref(struct fbb *f, uint32_t field, uint32_t target)
{
	w32(f->b, field, target - field);
}

/* A vector of @n @esize-byte elements (little-endian from @data). */
static uint32_t fbb_vec(struct fbb *f, unsigned int esize, uint32_t n,
			const void *data)
{
	uint32_t v;

	fbb_pad(f, 4);
	if (esize == 8 && (f->len + 4) % 8)
		fbb_pad(f, 8), f->len += 4;
	v = f->len;
	w32(f->b, v, n);
	memcpy(f->b + v + 4, data, (size_t)n * esize);
	f->len = v + 4 + n * esize;
	f->b[f->len++] = 0;	/* a string's NUL; harmless otherwise */
	return v;
}

/* A vector of @n table offsets to fill with fbb_ref(). */
static uint32_t fbb_tvec(struct fbb *f, uint32_t n)
{
	uint32_t v;

	fbb_pad(f, 4);
	v = f->len;
	w32(f->b, v, n);
	f->len += 4 + 4 * n;
	return v;
}

/* A tiny model's description. */
struct mt {
	const char *name;
	uint8_t type;
	uint32_t ndims;
	int32_t dims[4];
	uint32_t nscale;
	float scale[4];
	int64_t zp[4];
	int32_t axis;
	uint32_t buffer;
};

struct mo {
	uint32_t opcode;
	uint32_t nin;
	int32_t in[3];
	int32_t out;
	uint8_t opt_type;
	unsigned int nopt;
	struct fs opt[8];
};

struct mm {
	uint32_t ncodes;
	int8_t dep[4];
	int32_t code[4];	/* 0: field absent */
	uint32_t nt;
	struct mt t[6];
	uint32_t nops;
	struct mo o[4];
	int32_t in, out;
	uint32_t nbuf;
	const void *data[4];
	uint32_t datalen[4];
};

static uint32_t build(struct fbb *f, const struct mm *d)
{
	uint32_t mp[5], sp[4], cv, sv, bv, tv, ov, i, pos[8];
	struct fs mf[5] = { { 4, 3 }, { 4, 0 }, { 4, 0 }, { 0, 0 },
			    { 4, 0 } };
	struct fs sf[4] = { { 4, 0 }, { 4, 0 }, { 4, 0 }, { 4, 0 } };
	uint32_t t;

	memset(f, 0, sizeof(*f));
	memcpy(f->b + 4, "TFL3", 4);
	f->len = 8;
	t = fbb_table(f, 5, mf, mp);
	w32(f->b, 0, t);
	cv = fbb_tvec(f, d->ncodes);
	fbb_ref(f, mp[1], cv);
	for (i = 0; i < d->ncodes; i++) {
		struct fs cf[4] = { { 1, (uint8_t)d->dep[i] }, { 0, 0 },
				    { 4, 1 }, { d->code[i] ? 4 : 0,
						(uint32_t)d->code[i] } };

		fbb_ref(f, cv + 4 + 4 * i, fbb_table(f, 4, cf, NULL));
	}
	bv = fbb_tvec(f, d->nbuf);
	fbb_ref(f, mp[4], bv);
	for (i = 0; i < d->nbuf; i++) {
		struct fs bf[1] = { { d->datalen[i] ? 4 : 0, 0 } };

		fbb_ref(f, bv + 4 + 4 * i, fbb_table(f, 1, bf, pos));
		if (d->datalen[i])
			fbb_ref(f, pos[0], fbb_vec(f, 1, d->datalen[i],
						   d->data[i]));
	}
	sv = fbb_tvec(f, 1);
	fbb_ref(f, mp[2], sv);
	fbb_ref(f, sv + 4, fbb_table(f, 4, sf, sp));
	fbb_ref(f, sp[1], fbb_vec(f, 4, d->in >= 0, &d->in));	/* -1: none */
	fbb_ref(f, sp[2], fbb_vec(f, 4, d->out >= 0, &d->out));
	tv = fbb_tvec(f, d->nt);
	fbb_ref(f, sp[0], tv);
	for (i = 0; i < d->nt; i++) {
		const struct mt *x = &d->t[i];
		struct fs tf[5] = { { 4, 0 }, { 1, x->type }, { 4, x->buffer },
				    { 4, 0 }, { x->nscale ? 4 : 0, 0 } };

		fbb_ref(f, tv + 4 + 4 * i, fbb_table(f, 5, tf, pos));
		fbb_ref(f, pos[0], fbb_vec(f, 4, x->ndims, x->dims));
		fbb_ref(f, pos[3], fbb_vec(f, 1, (uint32_t)strlen(x->name),
					   x->name));
		if (x->nscale) {
			struct fs qf[7] = { { 0, 0 }, { 0, 0 }, { 4, 0 },
					    { 4, 0 }, { 0, 0 }, { 0, 0 },
					    { 4, (uint32_t)x->axis } };
			uint32_t q = pos[4], qp[7];

			fbb_ref(f, q, fbb_table(f, 7, qf, qp));
			fbb_ref(f, qp[2], fbb_vec(f, 4, x->nscale, x->scale));
			fbb_ref(f, qp[3], fbb_vec(f, 8, x->nscale, x->zp));
		}
	}
	ov = fbb_tvec(f, d->nops);
	fbb_ref(f, sp[3], ov);
	for (i = 0; i < d->nops; i++) {
		const struct mo *o = &d->o[i];
		struct fs of[5] = { { 4, o->opcode }, { 4, 0 }, { 4, 0 },
				    { 1, o->opt_type }, { o->nopt ? 4 : 0, 0 } };

		fbb_ref(f, ov + 4 + 4 * i, fbb_table(f, 5, of, pos));
		fbb_ref(f, pos[1], fbb_vec(f, 4, o->nin, o->in));
		fbb_ref(f, pos[2], fbb_vec(f, 4, 1, &o->out));
		if (o->nopt)
			fbb_ref(f, pos[4], fbb_table(f, o->nopt, o->opt, NULL));
	}
	return f->len;
}

static const int8_t dw_filter[16] = { 1, -2, 3, -4, 5, -6, 7, -8,
				      9, -10, 11, -12, 13, -14, 15, -16 };
static const int32_t dw_bias[4] = { 100, -200, 300, 0 };

/* DEPTHWISE_CONV_2D, 2 channels x multiplier 2, 3x3 input, 2x2 VALID. */
static void dw_model(struct mm *d)
{
	static const struct mm dw = {
		.ncodes = 1, .dep = { 4 }, .code = { 0 },
		.nt = 4,
		.t = {
			{ "in", 9, 4, { 1, 3, 3, 2 }, 1, { 0.5f }, { 1 }, 0, 0 },
			{ "filter", 9, 4, { 1, 2, 2, 4 }, 4,
			  { 0.01f, 0.02f, 0.03f, 0.04f }, { 0 }, 3, 1 },
			{ "bias", 2, 1, { 4 }, 0, { 0 }, { 0 }, 0, 2 },
			{ "out", 9, 4, { 1, 2, 2, 4 }, 1, { 0.25f }, { -3 },
			  0, 0 },
		},
		.nops = 1,
		.o = { { 0, 3, { 0, 1, 2 }, 3, 2, 5,
			 { { 1, 1 }, { 4, 1 }, { 4, 1 }, { 4, 2 }, { 1, 0 } } } },
		.in = 0, .out = 3,
		.nbuf = 3,
		.data = { NULL, dw_filter, dw_bias },
		.datalen = { 0, 16, 16 },
	};

	*d = dw;
}

static int test_depthwise(void)
{
	static const int8_t input[18] = { -5, 7, 12, -100, 33, 0, 127, -128,
					  4, 9, -7, 60, 2, 2, -60, 90, 17, -1 };
	struct fbb *f = malloc(sizeof(*f));
	struct lowered l;
	struct mm d;
	uint8_t ohwi[16];
	int8_t got[16];
	uint32_t len, o, h, w;

	CHECK(f);
	dw_model(&d);
	len = build(f, &d);
	CHECK_OK(lower(f->b, len, &l));
	/* deprecated_builtin_code 4, builtin_code absent: the max, 4 */
	CHECK_EQ(l.m->ops[0].builtin, NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D);
	CHECK_EQ(l.m->ops[0].options.conv.depth_multiplier, 2);
	CHECK_EQ(l.m->ops[0].params.groups, 2);
	CHECK_EQ(l.nodes[0].conv2d.groups, 2);
	CHECK_EQ(l.m->ops[0].params.pad_top + l.m->ops[0].params.pad_right, 0);
	CHECK_OK(nnmem_tflite_dw_filter_transpose(l.m, 0, ohwi, sizeof(ohwi)));
	for (o = 0; o < 4; o++)		/* hand: [1,2,2,4] -> [4,2,2,1] */
		for (h = 0; h < 4; h++)
			CHECK_RET((int8_t)ohwi[o * 4 + h], dw_filter[h * 4 + o]);
	CHECK_RET(nnmem_tflite_dw_filter_transpose(l.m, 0, ohwi, 15), -EINVAL);
	{
		const struct nnmem_tensor *ft =
			&l.tensors[l.nodes[0].conv2d.filter];

		CHECK_EQ(ft->dims[0], 4);
		CHECK_EQ(ft->dims[3], 1);
		CHECK_EQ(ft->ndims, 4);
	}
	/* the driver's kernel on the lowered node vs TFLite's formula here */
	{
		const struct nnmem_conv2d *c = &l.nodes[0].conv2d;
		struct nnmem_conv2d_params p = {
			.batch = 1, .in_h = 3, .in_w = 3, .in_c = 2,
			.out_c = 4, .k_h = 2, .k_w = 2, .groups = c->groups,
			.stride_h = 1, .stride_w = 1, .dilation_h = 1,
			.dilation_w = 1, .input_zero_point = 1,
			.output_zero_point = -3, .act_min = c->act_min,
			.act_max = c->act_max,
		};
		int32_t mult[4], shift[4];
		struct nnmem_conv2d_tensors t = {
			.input = input, .filter = (int8_t *)ohwi,
			.bias = dw_bias, .multiplier = mult, .shift = shift,
			.output = got,
		};

		for (o = 0; o < 4; o++) {
			int s;

			ref_qm(0.5 * (double)d.t[1].scale[o] / 0.25, &mult[o],
			       &s);
			shift[o] = s;
			CHECK_RET(l.m->ops[0].params.multiplier[o], mult[o]);
			CHECK_RET(l.m->ops[0].params.shift[o], s);
		}
		CHECK_OK(nnmem_conv2d_run(&p, &t, NULL));
		for (h = 0; h < 2; h++)
			for (w = 0; w < 2; w++)
				for (o = 0; o < 4; o++) {
					int64_t acc = dw_bias[o];
					uint32_t ky, kx, ic = o / 2;

					for (ky = 0; ky < 2; ky++)
						for (kx = 0; kx < 2; kx++)
							acc += (int64_t)(input[((h + ky) * 3 + w + kx) * 2 + ic] - 1) *
							       dw_filter[(ky * 2 + kx) * 4 + o];
					acc = nnmem_mbqm((int32_t)acc, mult[o],
							 shift[o]) - 3;
					acc = acc < -128 ? -128 : acc > 127 ? 127 : acc;
					CHECK_RET(got[(h * 2 + w) * 4 + o], acc);
				}
	}
	lowered_free(&l);
	free(f);
	return 0;
}

/* OperatorCode: the larger of deprecated_builtin_code and builtin_code. */
static int test_builtin_code_rule(void)
{
	struct fbb *f = malloc(sizeof(*f));
	struct nnmem_tflite_model *m;
	char err[NNMEM_TFLITE_ERR_LEN];
	struct mm d;
	uint32_t len;

	CHECK(f);
	dw_model(&d);
	d.dep[0] = 127;			/* PLACEHOLDER_FOR_GREATER_OP_CODES */
	d.code[0] = 150;
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EOPNOTSUPP,
			    "1 unsupported: operator 0 ("));
	CHECK(!strcmp(nnmem_tflite_op_name(150), "BATCH_MATMUL") ||
	      strcmp(nnmem_tflite_op_name(150), "UNKNOWN"));
	d.dep[0] = 3;			/* CONV_2D ... */
	d.code[0] = 4;			/* ... but builtin_code says DW */
	len = build(f, &d);
	CHECK_RET(parse(f->b, len, &m, err), 0);
	CHECK_EQ(m->ops[0].builtin, NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D);
	nnmem_tflite_free(m);
	d.dep[0] = 4;
	d.code[0] = 250;		/* beyond the schema */
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EOPNOTSUPP,
			    "operator 0 (UNKNOWN)"));
	/* several unsupported operators in one message */
	d.ncodes = 3;
	d.dep[1] = 28;			/* TANH */
	d.code[1] = 28;
	d.dep[2] = 0;
	d.code[2] = 0;			/* ADD, fine */
	d.nops = 3;
	d.o[1] = d.o[0];
	d.o[1].opcode = 1;
	d.o[2] = d.o[0];
	d.o[2].opcode = 0;
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EOPNOTSUPP,
			    "3 unsupported: operator 0 (UNKNOWN); operator 1 (TANH); operator 2 (UNKNOWN)"));
	free(f);
	return 0;
}

/* A hand-made model the reader accepts, then made bad field by field. */
static int test_tiny_bad(void)
{
	struct fbb *f = malloc(sizeof(*f));
	struct mm d;
	uint32_t len;

	CHECK(f);
	dw_model(&d);
	d.o[0].opt[3].v = 3;		/* depth_multiplier 3, shapes say 2 */
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EINVAL,
			    "operator 0 (DEPTHWISE_CONV_2D): options: depth_multiplier 3, the shapes give 2"));
	dw_model(&d);
	d.t[1].axis = 0;		/* per-channel scales on the wrong dim */
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EINVAL,
			    "tensor 1: quantization: 4 scales do not match quantized_dimension 0"));
	dw_model(&d);
	d.t[1].zp[2] = 5;		/* filter zero point */
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EINVAL,
			    "operator 0 (DEPTHWISE_CONV_2D): input 1 (tensor 1): zero point 2 is 5, must be 0"));
	dw_model(&d);
	d.t[3].scale[0] = -1;		/* negative scale */
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EINVAL,
			    "tensor 3: quantization: scale 0 is -1"));
	dw_model(&d);
	d.t[3].nscale = 0;		/* output not quantised */
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EINVAL,
			    "operator 0 (DEPTHWISE_CONV_2D): output 0 (tensor 3): needs one positive scale"));
	dw_model(&d);
	d.o[0].in[2] = -1;		/* no bias: fine */
	len = build(f, &d);
	{
		struct lowered l;

		CHECK_OK(lower(f->b, len, &l));
		CHECK_EQ(l.nodes[0].conv2d.bias, NNMEM_INDEX_NONE);
		lowered_free(&l);
	}
	d.o[0].in[1] = -1;		/* no filter: not optional */
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EINVAL,
			    "operator 0 (DEPTHWISE_CONV_2D): input 1 (tensor -1): index out of range"));
	dw_model(&d);
	d.datalen[1] = 15;		/* filter buffer one byte short */
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EINVAL,
			    "tensor 1: buffer 1 holds 15 bytes, the tensor has 16"));
	dw_model(&d);
	d.t[0].buffer = 7;
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EINVAL,
			    "tensor 0: buffer 7: index out of range (3 buffers)"));
	/* found by tflite_fuzz: no tensor at all (a 0-byte realloc()) */
	dw_model(&d);
	d.nt = 0;
	d.nops = 0;
	d.in = -1;
	d.out = -1;
	len = build(f, &d);
	{
		struct nnmem_tflite_model *m;
		char err[NNMEM_TFLITE_ERR_LEN];
		struct nnmem_tensor t;
		struct nnmem_node n;
		struct nnmem_tflite_place p;

		CHECK_RET(parse(f->b, len, &m, err), 0);
		CHECK_EQ(m->node_count + m->all_tensor_count, 0);
		CHECK_RET(nnmem_tflite_lower(m, &p, &t, &n, err, sizeof(err)),
			  -EOPNOTSUPP);
		CHECK(strstr(err, "no node"));
		nnmem_tflite_free(m);
	}
	dw_model(&d);
	d.o[0].opcode = 1;
	len = build(f, &d);
	CHECK_OK(expect_err(f->b, len, -EINVAL,
			    "operator 0: opcode_index 1 out of range (1 operator codes)"));
	free(f);
	return 0;
}

static const struct tap_test tests[] = {
	{ "resnet8: parses: 38 tensors, 16 operators, 15 nodes", test_parse_resnet8 },
	{ "resnet8: every tensor as tensors.tsv says", test_tensors_vs_tsv },
	{ "resnet8: constants are tensor<N>.bin; 78,752 bytes", test_constants_vs_bins },
	{ "resnet8: the README's operator list", test_operators },
	{ "resnet8: SAME padding, stride-2 3x3 is 0/1", test_padding },
	{ "resnet8: 337 multipliers/shifts vs long double", test_multipliers },
	{ "QuantizeMultiplier: underflow, 2^31 rounding, 100k random", test_quantize_multiplier_edges },
	{ "patched scales: multiplier 0 and the 2^31 edge", test_patched_scales },
	{ "resnet8: ADD and SOFTMAX parameters", test_add_softmax_params },
	{ "resnet8: lowered conv/add/pool/FC bit-exact with TFLM", test_lowered_nodes_vs_tflm },
	{ "resnet8: lowering: tensors, nodes, views, alignment", test_lowering },
	{ "resnet8: weights in model order", test_weight_order },
	{ "resnet8: lifetimes give 49,152 and 117,920", test_lifetimes },
	{ "bad files: offsets, vtables, vectors, strings", test_bad_structure },
	{ "bad files: indices, order, cycles, two writers", test_bad_graph },
	{ "bad files: shapes, types, zero points, options", test_bad_shapes_types },
	{ "bad files: unsupported ops and types in one error", test_unsupported_listed },
	{ "bad files: every prefix refused", test_truncated },
	{ "bad files: 3000 random mutants, no crash", test_random_flips },
	{ "hand-made: DEPTHWISE_CONV_2D transposed and run", test_depthwise },
	{ "hand-made: builtin code = max(deprecated, builtin)", test_builtin_code_rule },
	{ "hand-made: bad fields named", test_tiny_bad },
};

int main(int argc, char **argv)
{
	const size_t n = sizeof(tests) / sizeof(tests[0]);
	size_t i, passed = 0, failed = 0;
	char path[512];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1)
		model_dir = argv[1];
	snprintf(path, sizeof(path), "%s/resnet8.tflite", model_dir);
	model = read_file(path, &model_len);
	printf("TAP version 13\n");
	if (!model || load_tsv()) {
		printf("1..0 # SKIP no model at %s\n", model_dir);
		printf("0 passed, 1 failed\n");
		free(model);
		return 1;
	}
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		unsigned long w = warnings;
		int ret = tests[i].fn();

		if (warnings != w) {
			printf("# unexpected WARN_ON\n");
			ret = -1;
		}
		if (ret) {
			printf("not ok %zu - %s\n", i + 1, tests[i].name);
			failed++;
		} else {
			printf("ok %zu - %s\n", i + 1, tests[i].name);
			passed++;
		}
	}
	free(model);
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}
