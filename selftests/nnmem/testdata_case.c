// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the shared test vectors; see testdata_case.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdata_case.h"

bool td_quiet;

static void td_diag(const char *fmt, ...)
{
	va_list ap;

	if (td_quiet)
		return;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The whole file @dir/@name, which must be exactly @len bytes. */
static void *td_load(const char *dir, const char *name, size_t len)
{
	char path[PATH_MAX];
	void *buf;
	FILE *f;
	long size;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		td_diag("%s: %s", path, strerror(errno));
		return NULL;
	}
	size = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
	if (size < 0 || (size_t)size != len || fseek(f, 0, SEEK_SET)) {
		td_diag("%s: %ld bytes, expected %zu", path, size, len);
		fclose(f);
		return NULL;
	}
	buf = malloc(len ? len : 1);
	if (!buf || fread(buf, 1, len, f) != len) {
		td_diag("%s: short read", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	return buf;
}

/* Little-endian int32 array of exactly @n entries, in host order. */
static int32_t *td_load_s32(const char *dir, const char *name, size_t n)
{
	uint8_t *b = td_load(dir, name, n * 4);
	int32_t *v;
	size_t i;

	if (!b)
		return NULL;
	v = malloc(n * sizeof(*v) + 1);
	if (!v) {
		free(b);
		return NULL;
	}
	for (i = 0; i < n; i++)
		v[i] = (int32_t)((uint32_t)b[4 * i] |
				 (uint32_t)b[4 * i + 1] << 8 |
				 (uint32_t)b[4 * i + 2] << 16 |
				 (uint32_t)b[4 * i + 3] << 24);
	free(b);
	return v;
}

static int td_int(struct json_object *o, const char *key, int64_t lo,
		  int64_t hi, int64_t *v)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f) ||
	    !json_object_is_type(f, json_type_int)) {
		td_diag("params.json: missing integer \"%s\"", key);
		return -EINVAL;
	}
	*v = json_object_get_int64(f);
	if (*v < lo || *v > hi) {
		td_diag("params.json: \"%s\" = %lld out of range", key,
			(long long)*v);
		return -EINVAL;
	}
	return 0;
}

static int td_u32(struct json_object *o, const char *key, u32 *v)
{
	int64_t t;
	int err = td_int(o, key, 0, UINT32_MAX, &t);

	if (!err)
		*v = (u32)t;
	return err;
}

static int td_s32(struct json_object *o, const char *key, s32 *v)
{
	int64_t t;
	int err = td_int(o, key, INT32_MIN, INT32_MAX, &t);

	if (!err)
		*v = (s32)t;
	return err;
}

/* An array of @min to @max u32 at @key; returns its length or -EINVAL. */
static int td_u32_array(struct json_object *o, const char *key, u32 *v,
			size_t min, size_t max)
{
	struct json_object *a;
	size_t i, n;

	if (!json_object_object_get_ex(o, key, &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) < min ||
	    json_object_array_length(a) > max) {
		td_diag("params.json: \"%s\" is not an array of %zu to %zu",
			key, min, max);
		return -EINVAL;
	}
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		int64_t t = json_object_get_int64(e);

		if (!json_object_is_type(e, json_type_int) || t < 0 ||
		    t > UINT32_MAX) {
			td_diag("params.json: \"%s\"[%zu] is not a u32", key, i);
			return -EINVAL;
		}
		v[i] = (u32)t;
	}
	return (int)n;
}

static int td_dir_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int td_walk(const char *root, td_case_fn fn, void *ctx)
{
	struct dirent **ops;
	int nops, i, found = 0;

	nops = scandir(root, &ops, td_dir_filter, alphasort);
	if (nops < 0) {
		int err = -errno;

		td_diag("%s: %s", root, strerror(errno));
		return err;
	}
	for (i = 0; i < nops; i++) {
		char opdir[PATH_MAX];
		struct dirent **cases;
		int ncases, k;

		snprintf(opdir, sizeof(opdir), "%s/%s", root, ops[i]->d_name);
		ncases = scandir(opdir, &cases, td_dir_filter, alphasort);
		for (k = 0; k < ncases; k++) {
			char dir[PATH_MAX], path[PATH_MAX], name[512];

			if (snprintf(dir, sizeof(dir), "%s/%s", opdir,
				     cases[k]->d_name) >= (int)sizeof(dir) ||
			    snprintf(path, sizeof(path), "%s/params.json",
				     dir) >= (int)sizeof(path)) {
				td_diag("%s/%s: path too long", opdir,
					cases[k]->d_name);
				free(cases[k]);
				continue;
			}
			snprintf(name, sizeof(name), "%s/%s", ops[i]->d_name,
				 cases[k]->d_name);
			free(cases[k]);
			if (access(path, F_OK))
				continue;	/* not a case directory */
			found++;
			fn(dir, name, ctx);
		}
		if (ncases >= 0)
			free(cases);
		free(ops[i]);
	}
	free(ops);
	return found;
}

struct json_object *td_params(const char *dir, const char **op)
{
	struct json_object *j, *o;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/params.json", dir);
	j = json_object_from_file(path);
	if (!j) {
		td_diag("%s: %s", path, json_util_get_last_err());
		return NULL;
	}
	*op = json_object_object_get_ex(j, "op", &o) &&
	      json_object_is_type(o, json_type_string) ?
	      json_object_get_string(o) : "";
	return j;
}

int td_conv_load(const char *dir, struct json_object *j, struct td_conv *c)
{
	struct nnmem_conv2d_params *p = &c->p;
	u32 in[4], filt[4], stride[2], dil[2];
	struct json_object *pad;
	int err;

	memset(c, 0, sizeof(*c));
	if (td_u32_array(j, "input_shape", in, 4, 4) < 0 ||
	    td_u32_array(j, "filter_shape", filt, 4, 4) < 0 ||
	    td_u32_array(j, "output_shape", c->out_shape, 4, 4) < 0 ||
	    td_u32_array(j, "stride", stride, 2, 2) < 0 ||
	    td_u32_array(j, "dilation", dil, 2, 2) < 0 ||
	    td_u32(j, "groups", &p->groups) ||
	    td_s32(j, "input_zero_point", &p->input_zero_point) ||
	    td_s32(j, "output_zero_point", &p->output_zero_point) ||
	    td_s32(j, "activation_min", &p->act_min) ||
	    td_s32(j, "activation_max", &p->act_max))
		return -EINVAL;
	if (!json_object_object_get_ex(j, "padding", &pad) ||
	    td_u32(pad, "top", &p->pad_top) ||
	    td_u32(pad, "bottom", &p->pad_bottom) ||
	    td_u32(pad, "left", &p->pad_left) ||
	    td_u32(pad, "right", &p->pad_right))
		return -EINVAL;
	p->batch = in[0];
	p->in_h = in[1];
	p->in_w = in[2];
	p->in_c = in[3];
	p->out_c = filt[0];
	p->k_h = filt[1];
	p->k_w = filt[2];
	p->stride_h = stride[0];
	p->stride_w = stride[1];
	p->dilation_h = dil[0];
	p->dilation_w = dil[1];
	if (!p->groups || (u64)filt[3] * p->groups != p->in_c) {
		td_diag("filter_shape I %u * groups %u != input channels %u",
			filt[3], p->groups, p->in_c);
		return -EINVAL;
	}
	err = nnmem_conv2d_shape_get(p, &c->s);
	if (err) {
		td_diag("nnmem_conv2d_shape_get: %d", err);
		return -EINVAL;
	}
	if (c->out_shape[0] != p->batch || c->out_shape[1] != c->s.out_h ||
	    c->out_shape[2] != c->s.out_w || c->out_shape[3] != p->out_c) {
		td_diag("output_shape [%u %u %u %u], computed [%u %u %u %u]",
			c->out_shape[0], c->out_shape[1], c->out_shape[2],
			c->out_shape[3], p->batch, c->s.out_h, c->s.out_w,
			p->out_c);
		return -EINVAL;
	}
	c->input = td_load(dir, "input.bin", c->s.input_elems);
	c->filter = td_load(dir, "filter.bin", c->s.filter_elems);
	c->expected = td_load(dir, "expected.bin", c->s.output_elems);
	c->bias = td_load_s32(dir, "bias.bin", p->out_c);
	c->multiplier = td_load_s32(dir, "multiplier.bin", p->out_c);
	c->shift = td_load_s32(dir, "shift.bin", p->out_c);
	if (!c->input || !c->filter || !c->expected || !c->bias ||
	    !c->multiplier || !c->shift) {
		td_conv_free(c);
		return -EINVAL;
	}
	return 0;
}

void td_conv_free(struct td_conv *c)
{
	free(c->input);
	free(c->filter);
	free(c->expected);
	free(c->bias);
	free(c->multiplier);
	free(c->shift);
	memset(c, 0, sizeof(*c));
}

int td_add_load(const char *dir, struct json_object *j, struct td_add *a)
{
	struct nnmem_add_params *p = &a->p;
	uint64_t n = 1;
	int dims, i;

	memset(a, 0, sizeof(*a));
	dims = td_u32_array(j, "shape", a->shape, 1, 4);
	if (dims < 0)
		return -EINVAL;
	a->ndims = (uint32_t)dims;
	for (i = 0; i < dims; i++) {
		n *= a->shape[i];
		if (!a->shape[i] || n > INT32_MAX) {
			td_diag("params.json: bad shape[%d]", i);
			return -EINVAL;
		}
	}
	a->elems = (uint32_t)n;
	if (td_s32(j, "input1_zero_point", &p->input1_zero_point) ||
	    td_s32(j, "input2_zero_point", &p->input2_zero_point) ||
	    td_s32(j, "left_shift", &p->left_shift) ||
	    td_s32(j, "input1_multiplier", &p->input1_multiplier) ||
	    td_s32(j, "input1_shift", &p->input1_shift) ||
	    td_s32(j, "input2_multiplier", &p->input2_multiplier) ||
	    td_s32(j, "input2_shift", &p->input2_shift) ||
	    td_s32(j, "output_multiplier", &p->output_multiplier) ||
	    td_s32(j, "output_shift", &p->output_shift) ||
	    td_s32(j, "output_zero_point", &p->output_zero_point) ||
	    td_s32(j, "activation_min", &p->act_min) ||
	    td_s32(j, "activation_max", &p->act_max))
		return -EINVAL;
	a->input1 = td_load(dir, "input1.bin", a->elems);
	a->input2 = td_load(dir, "input2.bin", a->elems);
	a->expected = td_load(dir, "expected.bin", a->elems);
	if (!a->input1 || !a->input2 || !a->expected) {
		td_add_free(a);
		return -EINVAL;
	}
	return 0;
}

void td_add_free(struct td_add *a)
{
	free(a->input1);
	free(a->input2);
	free(a->expected);
	memset(a, 0, sizeof(*a));
}
