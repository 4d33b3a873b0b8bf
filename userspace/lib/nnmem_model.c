// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem models: a graph described in JSON, parsed with json-c.
 *
 *   {
 *     "regions": [ { "name": "w", "kind": "weight" | "activation",
 *                    "size": N (optional: derived from its tensors),
 *                    "align": N (optional), "mappable": bool (optional) } ],
 *     "tensors": [ { "name": "x", "region": "w", "offset": N (optional),
 *                    "type": "int8" | "int32", "shape": [ ... ],
 *                    "zero_point": N (optional),
 *                    one of (optional; else zeros):
 *                    "file": "x.bin" (relative to the JSON's folder),
 *                    "fill": { "lcg": SEED, "min": LO, "max": HI }
 *                          | { "const": V },
 *                    "data": [ v, ... ] } ],
 *     "nodes": [ { "op": "conv2d", "name": "conv0", "input": "x",
 *                  "filter": "f", "bias": "b" (optional), "multiplier": "m",
 *                  "shift": "s", "output": "y",
 *                  "stride": N | [H, W], "dilation": N | [H, W],
 *                  "padding": "SAME" | "VALID" |
 *                             { "top", "bottom", "left", "right" },
 *                  "groups": N, "act_min": N, "act_max": N },
 *                { "op": "add", "input1", "input2", "output",
 *                  "left_shift", "input1_multiplier", "input1_shift",
 *                  "input2_multiplier", "input2_shift",
 *                  "output_multiplier", "output_shift",
 *                  "act_min", "act_max" } ],
 *     "outputs": [ { "tensor": "y", "file": "y.bin" } ]
 *   }
 *
 * Regions are allocated in file order, so weight regions go bottom-up and
 * activation regions top-down in the order they are listed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <nnmem/model.h>

struct nnmem_model_ctx {
	struct nnmem_model *m;
	const char *dir;
	char *msg;
	size_t msg_len;
};

static int nnmem_model_fail(struct nnmem_model_ctx *c, int err,
			    const char *fmt, ...)
{
	va_list ap;

	if (c->msg && c->msg_len) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->msg_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* An integer member @key of @o in [@lo, @hi]; @def when absent (!@req). */
static int nnmem_json_int(struct nnmem_model_ctx *c, struct json_object *o,
			  const char *what, const char *key, bool req,
			  int64_t def, int64_t lo, int64_t hi, int64_t *v)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f) || json_object_is_type(f, json_type_null)) {
		if (req)
			return nnmem_model_fail(c, -EINVAL, "%s: missing \"%s\"",
						what, key);
		*v = def;
		return 0;
	}
	if (!json_object_is_type(f, json_type_int))
		return nnmem_model_fail(c, -EINVAL, "%s: \"%s\" is not an integer",
					what, key);
	errno = 0;
	*v = json_object_get_int64(f);
	if (errno || *v < lo || *v > hi)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"%s\" out of range [%" PRId64 ", %" PRId64 "]",
					what, key, lo, hi);
	return 0;
}

static const char *nnmem_json_str(struct json_object *o, const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f) ||
	    !json_object_is_type(f, json_type_string))
		return NULL;
	return json_object_get_string(f);
}

/* "stride": N or [H, W] */
static int nnmem_json_pair(struct nnmem_model_ctx *c, struct json_object *o,
			   const char *what, const char *key, uint32_t *h,
			   uint32_t *w)
{
	struct json_object *f;
	int64_t v[2];
	int i;

	if (!json_object_object_get_ex(o, key, &f)) {
		*h = 1;
		*w = 1;
		return 0;
	}
	if (json_object_is_type(f, json_type_int)) {
		int err = nnmem_json_int(c, o, what, key, true, 0, 0,
					 UINT32_MAX, &v[0]);

		if (err)
			return err;
		*h = *w = (uint32_t)v[0];
		return 0;
	}
	if (!json_object_is_type(f, json_type_array) ||
	    json_object_array_length(f) != 2)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"%s\" is not N or [H, W]", what, key);
	for (i = 0; i < 2; i++) {
		struct json_object *e = json_object_array_get_idx(f, i);

		if (!json_object_is_type(e, json_type_int))
			return nnmem_model_fail(c, -EINVAL, "%s: bad \"%s\"",
						what, key);
		v[i] = json_object_get_int64(e);
		if (v[i] < 0 || v[i] > UINT32_MAX)
			return nnmem_model_fail(c, -EINVAL,
						"%s: \"%s\" out of range", what, key);
	}
	*h = (uint32_t)v[0];
	*w = (uint32_t)v[1];
	return 0;
}

static struct json_object *nnmem_json_array(struct json_object *root,
					    const char *key)
{
	struct json_object *a;

	if (!json_object_object_get_ex(root, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return NULL;
	return a;
}

static int nnmem_region_find(const struct nnmem_model *m, const char *name)
{
	uint32_t i;

	for (i = 0; i < m->region_count; i++)
		if (m->regions[i].name && !strcmp(m->regions[i].name, name))
			return (int)i;
	return -ENOENT;
}

int nnmem_model_tensor_find(const struct nnmem_model *m, const char *name)
{
	uint32_t i;

	for (i = 0; i < m->tensor_count; i++)
		if (m->mtensors[i].name && !strcmp(m->mtensors[i].name, name))
			return (int)i;
	return -ENOENT;
}

static int nnmem_parse_regions(struct nnmem_model_ctx *c,
			       struct json_object *root)
{
	struct nnmem_model *m = c->m;
	struct json_object *a = nnmem_json_array(root, "regions");
	uint32_t i;

	if (!a)
		return nnmem_model_fail(c, -EINVAL, "no \"regions\" array");
	m->region_count = json_object_array_length(a);
	m->regions = calloc(m->region_count ? m->region_count : 1,
			    sizeof(*m->regions));
	if (!m->regions)
		return -ENOMEM;
	for (i = 0; i < m->region_count; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		struct nnmem_model_region *r = &m->regions[i];
		const char *name = nnmem_json_str(o, "name");
		const char *kind = nnmem_json_str(o, "kind");
		struct json_object *f;
		char what[64];
		int64_t v;
		int err;

		snprintf(what, sizeof(what), "regions[%u]", i);
		if (!name || !*name)
			return nnmem_model_fail(c, -EINVAL, "%s: no \"name\"", what);
		if (nnmem_region_find(m, name) >= 0)
			return nnmem_model_fail(c, -EINVAL, "%s: duplicate name \"%s\"",
						what, name);
		r->name = strdup(name);
		if (!r->name)
			return -ENOMEM;
		if (kind && !strcmp(kind, "weight"))
			r->kind = NNMEM_KIND_WEIGHT;
		else if (kind && !strcmp(kind, "activation"))
			r->kind = NNMEM_KIND_ACTIVATION;
		else
			return nnmem_model_fail(c, -EINVAL,
						"region %s: \"kind\" must be \"weight\" or \"activation\"",
						name);
		err = nnmem_json_int(c, o, name, "size", false, 0, 1,
				     INT64_MAX, &v);
		if (err) {
			/* "size": "auto" means derived, like no size */
			const char *s = nnmem_json_str(o, "size");

			if (!s || strcmp(s, "auto"))
				return err;
			if (c->msg && c->msg_len)
				c->msg[0] = '\0';
			v = 0;
		}
		r->size = (uint64_t)v;
		err = nnmem_json_int(c, o, name, "align", false, 0, 0,
				     UINT32_MAX, &v);
		if (err)
			return err;
		r->align = (uint32_t)v;
		if (json_object_object_get_ex(o, "mappable", &f) &&
		    json_object_get_boolean(f))
			r->flags |= NNMEM_ALLOC_MAPPABLE;
	}
	return 0;
}

static int nnmem_parse_type(const char *s, uint32_t *type)
{
	if (s && !strcmp(s, "int8"))
		*type = NNMEM_TYPE_INT8;
	else if (s && !strcmp(s, "int32"))
		*type = NNMEM_TYPE_INT32;
	else
		return -EINVAL;
	return 0;
}

static int nnmem_parse_tensors(struct nnmem_model_ctx *c,
			       struct json_object *root)
{
	struct nnmem_model *m = c->m;
	struct json_object *a = nnmem_json_array(root, "tensors");
	uint32_t i, d;

	if (!a)
		return nnmem_model_fail(c, -EINVAL, "no \"tensors\" array");
	m->tensor_count = json_object_array_length(a);
	m->mtensors = calloc(m->tensor_count ? m->tensor_count : 1,
			     sizeof(*m->mtensors));
	m->tensors = calloc(m->tensor_count ? m->tensor_count : 1,
			    sizeof(*m->tensors));
	if (!m->mtensors || !m->tensors)
		return -ENOMEM;
	for (i = 0; i < m->tensor_count; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		struct nnmem_model_tensor *mt = &m->mtensors[i];
		struct nnmem_tensor *t = &m->tensors[i];
		const char *name = nnmem_json_str(o, "name");
		const char *region = nnmem_json_str(o, "region");
		struct json_object *shape;
		int64_t v;
		int err, r;

		if (!name || !*name)
			return nnmem_model_fail(c, -EINVAL, "tensors[%u]: no \"name\"", i);
		if (nnmem_model_tensor_find(m, name) >= 0)
			return nnmem_model_fail(c, -EINVAL,
						"tensors[%u]: duplicate name \"%s\"", i, name);
		mt->name = strdup(name);
		if (!mt->name)
			return -ENOMEM;
		r = region ? nnmem_region_find(m, region) : -ENOENT;
		if (r < 0)
			return nnmem_model_fail(c, -EINVAL,
						"tensor %s: unknown \"region\"", name);
		mt->region = (uint32_t)r;
		if (nnmem_parse_type(nnmem_json_str(o, "type"), &t->type))
			return nnmem_model_fail(c, -EINVAL,
						"tensor %s: \"type\" must be \"int8\" or \"int32\"",
						name);
		err = nnmem_json_int(c, o, name, "offset", false, 0, 0,
				     INT64_MAX, &v);
		if (err)
			return err;
		t->offset = (uint64_t)v;
		err = nnmem_json_int(c, o, name, "zero_point", false, 0,
				     INT32_MIN, INT32_MAX, &v);
		if (err)
			return err;
		t->zero_point = (int32_t)v;
		if (!json_object_object_get_ex(o, "shape", &shape) ||
		    !json_object_is_type(shape, json_type_array) ||
		    json_object_array_length(shape) < 1 ||
		    json_object_array_length(shape) > NNMEM_TENSOR_MAX_DIMS)
			return nnmem_model_fail(c, -EINVAL,
						"tensor %s: \"shape\" must be 1 to %d dims",
						name, NNMEM_TENSOR_MAX_DIMS);
		t->ndims = json_object_array_length(shape);
		for (d = 0; d < t->ndims; d++) {
			struct json_object *e = json_object_array_get_idx(shape, d);

			v = json_object_get_int64(e);
			if (!json_object_is_type(e, json_type_int) || v < 1 ||
			    v > UINT32_MAX)
				return nnmem_model_fail(c, -EINVAL,
							"tensor %s: bad shape[%u]", name, d);
			t->dims[d] = (uint32_t)v;
		}
		mt->bytes = nnmem_tensor_bytes(t);
		if (!mt->bytes || t->offset + mt->bytes < t->offset)
			return nnmem_model_fail(c, -EINVAL,
						"tensor %s: too large", name);
	}
	return 0;
}

/* Tensors of regions with an explicit size must fit in them. */
static int nnmem_check_sizes(struct nnmem_model_ctx *c)
{
	struct nnmem_model *m = c->m;
	uint32_t i;

	for (i = 0; i < m->tensor_count; i++) {
		struct nnmem_model_region *r = &m->regions[m->mtensors[i].region];
		uint64_t end = m->tensors[i].offset + m->mtensors[i].bytes;

		if (r->size && end > r->size)
			return nnmem_model_fail(c, -EINVAL,
						"tensor %s: ends at %" PRIu64 ", past region %s (%" PRIu64 " bytes)",
						m->mtensors[i].name, end, r->name, r->size);
	}
	return 0;
}

static void nnmem_store(uint8_t *p, uint32_t type, uint64_t i, int64_t v)
{
	if (type == NNMEM_TYPE_INT8) {
		p[i] = (uint8_t)(int8_t)v;
	} else {
		uint32_t u = (uint32_t)(int32_t)v;

		p[4 * i] = (uint8_t)u;
		p[4 * i + 1] = (uint8_t)(u >> 8);
		p[4 * i + 2] = (uint8_t)(u >> 16);
		p[4 * i + 3] = (uint8_t)(u >> 24);
	}
}

static int nnmem_fill_file(struct nnmem_model_ctx *c, const char *tname,
			   const char *file, uint8_t *p, uint64_t bytes)
{
	char path[PATH_MAX];
	FILE *f;
	long len;
	int n;

	if (file[0] == '/' || !c->dir)
		n = snprintf(path, sizeof(path), "%s", file);
	else
		n = snprintf(path, sizeof(path), "%s/%s", c->dir, file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return nnmem_model_fail(c, -ENAMETOOLONG, "tensor %s: path too long",
					tname);
	f = fopen(path, "rb");
	if (!f)
		return nnmem_model_fail(c, -errno, "tensor %s: %s: %s", tname,
					path, strerror(errno));
	len = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
	if (len < 0 || (uint64_t)len != bytes || fseek(f, 0, SEEK_SET) ||
	    fread(p, 1, bytes, f) != bytes) {
		fclose(f);
		return nnmem_model_fail(c, -EINVAL,
					"tensor %s: %s: %ld bytes, expected %" PRIu64,
					tname, path, len, bytes);
	}
	fclose(f);
	return 0;
}

static int nnmem_fill_tensor(struct nnmem_model_ctx *c, struct json_object *o,
			     uint32_t i)
{
	struct nnmem_model *m = c->m;
	const struct nnmem_tensor *t = &m->tensors[i];
	const char *name = m->mtensors[i].name;
	struct nnmem_model_region *r = &m->regions[m->mtensors[i].region];
	uint8_t *p = r->image + t->offset;
	uint64_t n = m->mtensors[i].bytes / (t->type == NNMEM_TYPE_INT8 ? 1 : 4);
	int64_t lo = t->type == NNMEM_TYPE_INT8 ? INT8_MIN : INT32_MIN;
	int64_t hi = t->type == NNMEM_TYPE_INT8 ? INT8_MAX : INT32_MAX;
	struct json_object *f;
	const char *file;
	uint64_t k;
	int64_t v;
	int err;

	file = nnmem_json_str(o, "file");
	if (file)
		return nnmem_fill_file(c, name, file, p, m->mtensors[i].bytes);
	if (json_object_object_get_ex(o, "data", &f)) {
		if (!json_object_is_type(f, json_type_array) ||
		    json_object_array_length(f) != n)
			return nnmem_model_fail(c, -EINVAL,
						"tensor %s: \"data\" must have %" PRIu64 " entries",
						name, n);
		for (k = 0; k < n; k++) {
			struct json_object *e = json_object_array_get_idx(f, k);

			v = json_object_get_int64(e);
			if (!json_object_is_type(e, json_type_int) || v < lo ||
			    v > hi)
				return nnmem_model_fail(c, -EINVAL,
							"tensor %s: bad data[%" PRIu64 "]",
							name, k);
			nnmem_store(p, t->type, k, v);
		}
		return 0;
	}
	if (!json_object_object_get_ex(o, "fill", &f))
		return 0;
	if (json_object_object_get_ex(f, "const", NULL)) {
		err = nnmem_json_int(c, f, name, "const", true, 0, lo, hi, &v);
		if (err)
			return err;
		for (k = 0; k < n; k++)
			nnmem_store(p, t->type, k, v);
		return 0;
	}
	if (json_object_object_get_ex(f, "lcg", NULL)) {
		int64_t seed, fmin, fmax;
		uint64_t state, span;

		err = nnmem_json_int(c, f, name, "lcg", true, 0, 0, INT64_MAX,
				     &seed);
		if (!err)
			err = nnmem_json_int(c, f, name, "min", false, lo, lo,
					     hi, &fmin);
		if (!err)
			err = nnmem_json_int(c, f, name, "max", false, hi, lo,
					     hi, &fmax);
		if (err)
			return err;
		if (fmin > fmax)
			return nnmem_model_fail(c, -EINVAL,
						"tensor %s: fill min > max", name);
		state = (uint64_t)seed;
		span = (uint64_t)(fmax - fmin) + 1;
		for (k = 0; k < n; k++) {
			/* 31 random bits; two draws when the span needs more */
			uint64_t rnd = nnmem_lcg_next(&state);

			if (span > (1ULL << 31))
				rnd = rnd << 31 | nnmem_lcg_next(&state);
			nnmem_store(p, t->type, k,
				    fmin + (int64_t)(rnd % span));
		}
		return 0;
	}
	return nnmem_model_fail(c, -EINVAL,
				"tensor %s: \"fill\" needs \"lcg\" or \"const\"", name);
}

static int nnmem_tensor_index(struct nnmem_model_ctx *c, struct json_object *o,
			      const char *what, const char *key, bool req,
			      uint32_t *idx)
{
	const char *name = nnmem_json_str(o, key);
	int i;

	if (!name) {
		struct json_object *f;

		if (!req && (!json_object_object_get_ex(o, key, &f) ||
			     json_object_is_type(f, json_type_null))) {
			*idx = NNMEM_INDEX_NONE;
			return 0;
		}
		return nnmem_model_fail(c, -EINVAL, "%s: \"%s\" must name a tensor",
					what, key);
	}
	i = nnmem_model_tensor_find(c->m, name);
	if (i < 0)
		return nnmem_model_fail(c, -EINVAL, "%s: \"%s\": no tensor \"%s\"",
					what, key, name);
	*idx = (uint32_t)i;
	return 0;
}

static int nnmem_parse_conv2d(struct nnmem_model_ctx *c, struct json_object *o,
			      const char *what, struct nnmem_conv2d *cv)
{
	const struct nnmem_tensor *tensors = c->m->tensors;
	struct json_object *pad;
	int64_t v;
	int err;

	err = nnmem_tensor_index(c, o, what, "input", true, &cv->input);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "filter", true, &cv->filter);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "bias", false, &cv->bias);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "output", true, &cv->output);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "multiplier", true,
					 &cv->multiplier);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "shift", true, &cv->shift);
	if (!err)
		err = nnmem_json_pair(c, o, what, "stride", &cv->stride_h,
				      &cv->stride_w);
	if (!err)
		err = nnmem_json_pair(c, o, what, "dilation", &cv->dilation_h,
				      &cv->dilation_w);
	if (!err)
		err = nnmem_json_int(c, o, what, "groups", false, 1, 0,
				     UINT32_MAX, &v);
	if (err)
		return err;
	cv->groups = (uint32_t)v;
	err = nnmem_json_int(c, o, what, "act_min", false, INT8_MIN,
			     INT32_MIN, INT32_MAX, &v);
	if (err)
		return err;
	cv->act_min = (int32_t)v;
	err = nnmem_json_int(c, o, what, "act_max", false, INT8_MAX,
			     INT32_MIN, INT32_MAX, &v);
	if (err)
		return err;
	cv->act_max = (int32_t)v;

	if (!json_object_object_get_ex(o, "padding", &pad))
		return 0;	/* explicit zero padding */
	if (json_object_is_type(pad, json_type_string)) {
		const char *s = json_object_get_string(pad);
		enum nnmem_padding scheme;

		if (!strcmp(s, "SAME"))
			scheme = NNMEM_PADDING_SAME;
		else if (!strcmp(s, "VALID"))
			scheme = NNMEM_PADDING_VALID;
		else
			return nnmem_model_fail(c, -EINVAL,
						"%s: \"padding\" must be \"SAME\", \"VALID\" or explicit",
						what);
		if (tensors[cv->input].ndims != 4 ||
		    tensors[cv->filter].ndims != 4 ||
		    nnmem_conv2d_padding_set(cv, scheme, tensors[cv->input].dims,
					     tensors[cv->filter].dims, NULL))
			return nnmem_model_fail(c, -EINVAL,
						"%s: cannot derive %s padding", what, s);
		return 0;
	}
	err = nnmem_json_int(c, pad, what, "top", true, 0, 0, UINT32_MAX, &v);
	cv->pad_top = (uint32_t)v;
	if (!err)
		err = nnmem_json_int(c, pad, what, "bottom", true, 0, 0,
				     UINT32_MAX, &v);
	cv->pad_bottom = (uint32_t)v;
	if (!err)
		err = nnmem_json_int(c, pad, what, "left", true, 0, 0,
				     UINT32_MAX, &v);
	cv->pad_left = (uint32_t)v;
	if (!err)
		err = nnmem_json_int(c, pad, what, "right", true, 0, 0,
				     UINT32_MAX, &v);
	cv->pad_right = (uint32_t)v;
	return err;
}

static int nnmem_parse_add(struct nnmem_model_ctx *c, struct json_object *o,
			   const char *what, struct nnmem_add *ad)
{
	static const struct {
		const char *key;
		size_t off;
		int64_t def, lo;
		bool req;
	} f[] = {
#define F(k, d, l, r) { #k, offsetof(struct nnmem_add, k), d, l, r }
		F(left_shift, 20, INT32_MIN, false),
		F(input1_multiplier, 0, INT32_MIN, true),
		F(input1_shift, 0, INT32_MIN, true),
		F(input2_multiplier, 0, INT32_MIN, true),
		F(input2_shift, 0, INT32_MIN, true),
		F(output_multiplier, 0, INT32_MIN, true),
		F(output_shift, 0, INT32_MIN, true),
		F(act_min, INT8_MIN, INT32_MIN, false),
		F(act_max, INT8_MAX, INT32_MIN, false),
#undef F
	};
	unsigned int i;
	int64_t v;
	int err;

	err = nnmem_tensor_index(c, o, what, "input1", true, &ad->input1);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "input2", true, &ad->input2);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "output", true, &ad->output);
	for (i = 0; !err && i < sizeof(f) / sizeof(f[0]); i++) {
		err = nnmem_json_int(c, o, what, f[i].key, f[i].req, f[i].def,
				     f[i].lo, INT32_MAX, &v);
		if (!err)
			*(int32_t *)((char *)ad + f[i].off) = (int32_t)v;
	}
	return err;
}

static int nnmem_parse_nodes(struct nnmem_model_ctx *c,
			     struct json_object *root)
{
	struct nnmem_model *m = c->m;
	struct json_object *a = nnmem_json_array(root, "nodes");
	uint32_t i;

	if (!a)
		return nnmem_model_fail(c, -EINVAL, "no \"nodes\" array");
	m->node_count = json_object_array_length(a);
	m->nodes = calloc(m->node_count ? m->node_count : 1, sizeof(*m->nodes));
	m->node_names = calloc(m->node_count ? m->node_count : 1,
			       sizeof(*m->node_names));
	if (!m->nodes || !m->node_names)
		return -ENOMEM;
	for (i = 0; i < m->node_count; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *op = nnmem_json_str(o, "op");
		const char *name = nnmem_json_str(o, "name");
		char what[96];
		int err;

		if (name)
			snprintf(what, sizeof(what), "node %s", name);
		else
			snprintf(what, sizeof(what), "nodes[%u]", i);
		m->node_names[i] = strdup(name ? name : what);
		if (!m->node_names[i])
			return -ENOMEM;
		if (op && !strcmp(op, "conv2d")) {
			m->nodes[i].op = NNMEM_OP_CONV2D;
			err = nnmem_parse_conv2d(c, o, what, &m->nodes[i].conv2d);
		} else if (op && !strcmp(op, "add")) {
			m->nodes[i].op = NNMEM_OP_ADD;
			err = nnmem_parse_add(c, o, what, &m->nodes[i].add);
		} else {
			err = nnmem_model_fail(c, -EINVAL,
					       "%s: \"op\" must be \"conv2d\" or \"add\"",
					       what);
		}
		if (err)
			return err;
	}
	return 0;
}

static int nnmem_parse_outputs(struct nnmem_model_ctx *c,
			       struct json_object *root)
{
	struct nnmem_model *m = c->m;
	struct json_object *a = nnmem_json_array(root, "outputs");
	uint32_t i;

	if (!a)
		return 0;
	m->output_count = json_object_array_length(a);
	m->outputs = calloc(m->output_count ? m->output_count : 1,
			    sizeof(*m->outputs));
	if (!m->outputs)
		return -ENOMEM;
	for (i = 0; i < m->output_count; i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		const char *file = nnmem_json_str(o, "file");
		char what[32];
		int err;

		snprintf(what, sizeof(what), "outputs[%u]", i);
		err = nnmem_tensor_index(c, o, what, "tensor", true,
					 &m->outputs[i].tensor);
		if (err)
			return err;
		if (!file || !*file || strchr(file, '/'))
			return nnmem_model_fail(c, -EINVAL,
						"%s: \"file\" must be a plain file name", what);
		m->outputs[i].file = strdup(file);
		if (!m->outputs[i].file)
			return -ENOMEM;
	}
	return 0;
}

int nnmem_model_parse(const char *text, const char *dir,
		      struct nnmem_model **modelp, char *msg, size_t msg_len)
{
	struct nnmem_model_ctx c = { .dir = dir, .msg = msg,
				     .msg_len = msg_len };
	enum json_tokener_error jerr;
	struct json_object *root, *tensors;
	uint32_t i;
	int err;

	if (msg && msg_len)
		msg[0] = '\0';
	root = json_tokener_parse_verbose(text, &jerr);
	if (!root)
		return nnmem_model_fail(&c, -EINVAL, "JSON: %s",
					json_tokener_error_desc(jerr));
	c.m = calloc(1, sizeof(*c.m));
	if (!c.m) {
		json_object_put(root);
		return -ENOMEM;
	}
	err = nnmem_parse_regions(&c, root);
	if (!err)
		err = nnmem_parse_tensors(&c, root);
	if (!err)
		err = nnmem_check_sizes(&c);
	if (err)
		goto out_free;

	/* derive missing region sizes, then allocate the images */
	for (i = 0; i < c.m->region_count; i++) {
		struct nnmem_model_region *r = &c.m->regions[i];

		if (!r->size) {
			uint32_t k;

			for (k = 0; k < c.m->tensor_count; k++) {
				uint64_t end = c.m->tensors[k].offset +
					       c.m->mtensors[k].bytes;

				if (c.m->mtensors[k].region == i && end > r->size)
					r->size = end;
			}
			if (!r->size) {
				err = nnmem_model_fail(&c, -EINVAL,
						       "region %s: no size and no tensors",
						       r->name);
				goto out_free;
			}
		}
		r->image = calloc(1, r->size);
		if (!r->image) {
			err = -ENOMEM;
			goto out_free;
		}
	}
	tensors = nnmem_json_array(root, "tensors");
	for (i = 0; i < c.m->tensor_count; i++) {
		err = nnmem_fill_tensor(&c, json_object_array_get_idx(tensors, i),
					i);
		if (err)
			goto out_free;
	}
	err = nnmem_parse_nodes(&c, root);
	if (!err)
		err = nnmem_parse_outputs(&c, root);
	if (err)
		goto out_free;
	json_object_put(root);
	*modelp = c.m;
	return 0;

out_free:
	if (err == -ENOMEM && msg && msg_len && !msg[0])
		snprintf(msg, msg_len, "out of memory");
	nnmem_model_free(c.m);
	json_object_put(root);
	return err;
}

int nnmem_model_load(const char *path, struct nnmem_model **modelp,
		     char *msg, size_t msg_len)
{
	char *text = NULL, *dir, *slash;
	size_t len = 0;
	FILE *f;
	int err;

	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: %s", path, strerror(-err));
		return err;
	}
	{
		char buf[4096];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
			char *t = realloc(text, len + n + 1);

			if (!t) {
				free(text);
				fclose(f);
				return -ENOMEM;
			}
			text = t;
			memcpy(text + len, buf, n);
			len += n;
		}
	}
	fclose(f);
	if (!text) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: empty file", path);
		return -EINVAL;
	}
	text[len] = '\0';
	dir = strdup(path);
	if (!dir) {
		free(text);
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	err = nnmem_model_parse(text, slash ? (dir[0] ? dir : "/") : ".",
				modelp, msg, msg_len);
	free(dir);
	free(text);
	return err;
}

void nnmem_model_free(struct nnmem_model *m)
{
	uint32_t i;

	if (!m)
		return;
	for (i = 0; m->regions && i < m->region_count; i++) {
		free(m->regions[i].name);
		free(m->regions[i].image);
	}
	for (i = 0; m->mtensors && i < m->tensor_count; i++)
		free(m->mtensors[i].name);
	for (i = 0; m->node_names && i < m->node_count; i++)
		free(m->node_names[i]);
	for (i = 0; m->outputs && i < m->output_count; i++)
		free(m->outputs[i].file);
	free(m->regions);
	free(m->mtensors);
	free(m->tensors);
	free(m->nodes);
	free(m->node_names);
	free(m->outputs);
	free(m);
}

int nnmem_model_alloc(struct nnmem_dev *dev, struct nnmem_model *m,
		      char *msg, size_t msg_len)
{
	uint32_t i;
	int err = 0;

	for (i = 0; i < m->region_count; i++) {
		struct nnmem_model_region *r = &m->regions[i];
		char label[NNMEM_LABEL_LEN];

		snprintf(label, sizeof(label), "%s", r->name);
		err = nnmem_alloc(dev, r->size, r->align, r->kind, r->flags,
				  label, &r->handle, NULL);
		if (err) {
			if (msg && msg_len)
				snprintf(msg, msg_len,
					 "alloc %s (%s, %" PRIu64 " bytes): %s",
					 r->name, nnmem_kind_name(r->kind),
					 r->size, nnmem_strerror(err));
			goto out_release;
		}
		r->allocated = true;
		err = nnmem_region_info(dev, r->handle, &r->info);
		if (!err)
			err = nnmem_write(dev, r->handle, 0, r->image, r->size);
		if (err) {
			if (msg && msg_len)
				snprintf(msg, msg_len, "load %s: %s", r->name,
					 nnmem_strerror(err));
			goto out_release;
		}
	}
	for (i = 0; i < m->tensor_count; i++)
		m->tensors[i].handle = m->regions[m->mtensors[i].region].handle;
	return 0;

out_release:
	nnmem_model_release(dev, m);
	return err;
}

int nnmem_model_graph_create(struct nnmem_dev *dev, struct nnmem_model *m,
			     struct nnmem_graph_error *err)
{
	int ret;

	ret = nnmem_graph_create(dev, m->tensors, m->tensor_count, m->nodes,
				 m->node_count, &m->graph, err);
	if (!ret)
		m->graph_created = true;
	return ret;
}

int nnmem_model_release(struct nnmem_dev *dev, struct nnmem_model *m)
{
	int ret = 0, err;
	uint32_t i;

	if (m->graph_created) {
		err = nnmem_graph_destroy(dev, m->graph);
		if (err && !ret)
			ret = err;
		m->graph_created = false;
	}
	for (i = m->region_count; i-- > 0;) {
		struct nnmem_model_region *r = &m->regions[i];

		if (!r->allocated)
			continue;
		err = nnmem_free(dev, r->handle);
		if (err && !ret)
			ret = err;
		r->allocated = false;
	}
	return ret;
}

void nnmem_model_images_free(const struct nnmem_model *m, uint8_t **images)
{
	uint32_t i;

	if (!images)
		return;
	for (i = 0; i < m->region_count; i++)
		free(images[i]);
	free(images);
}

static uint8_t **nnmem_model_images_alloc(const struct nnmem_model *m)
{
	uint8_t **images;
	uint32_t i;

	images = calloc(m->region_count ? m->region_count : 1,
			sizeof(*images));
	if (!images)
		return NULL;
	for (i = 0; i < m->region_count; i++) {
		images[i] = malloc(m->regions[i].size);
		if (!images[i]) {
			nnmem_model_images_free(m, images);
			return NULL;
		}
	}
	return images;
}

/*
 * The model's regions and tensors for the host functions: regions named by
 * index + 1 whatever a device said, with @images (or no data) as memory.
 */
static int nnmem_model_host_graph(const struct nnmem_model *m,
				  uint8_t **images,
				  struct nnmem_ref_region **rrp,
				  struct nnmem_tensor **tensorsp)
{
	struct nnmem_ref_region *rr;
	struct nnmem_tensor *tensors;
	uint32_t i;

	rr = calloc(m->region_count ? m->region_count : 1, sizeof(*rr));
	tensors = calloc(m->tensor_count ? m->tensor_count : 1,
			 sizeof(*tensors));
	if (!rr || !tensors) {
		free(rr);
		free(tensors);
		return -ENOMEM;
	}
	for (i = 0; i < m->region_count; i++) {
		rr[i].handle = i + 1;
		rr[i].kind = m->regions[i].kind;
		rr[i].data = images ? images[i] : NULL;
		rr[i].size = m->regions[i].size;
	}
	for (i = 0; i < m->tensor_count; i++) {
		tensors[i] = m->tensors[i];
		tensors[i].handle = m->mtensors[i].region + 1;
	}
	*rrp = rr;
	*tensorsp = tensors;
	return 0;
}

int nnmem_model_reference(const struct nnmem_model *m, uint8_t ***imagesp)
{
	struct nnmem_ref_region *rr = NULL;
	struct nnmem_tensor *tensors = NULL;
	uint8_t **images;
	uint32_t i;
	int err;

	images = nnmem_model_images_alloc(m);
	if (!images)
		return -ENOMEM;
	for (i = 0; i < m->region_count; i++)
		memcpy(images[i], m->regions[i].image, m->regions[i].size);
	err = nnmem_model_host_graph(m, images, &rr, &tensors);
	if (!err)
		err = nnmem_host_run(tensors, m->tensor_count, m->nodes,
				     m->node_count, rr, m->region_count, NULL);
	free(tensors);
	free(rr);
	if (err) {
		nnmem_model_images_free(m, images);
		return err;
	}
	*imagesp = images;
	return 0;
}

int nnmem_model_check(const struct nnmem_model *m,
		      struct nnmem_graph_error *err)
{
	struct nnmem_ref_region *rr;
	struct nnmem_tensor *tensors;
	int ret;

	ret = nnmem_model_host_graph(m, NULL, &rr, &tensors);
	if (ret)
		return ret;
	ret = nnmem_host_check(tensors, m->tensor_count, m->nodes,
			       m->node_count, rr, m->region_count, err);
	free(tensors);
	free(rr);
	return ret;
}

int nnmem_model_read(struct nnmem_dev *dev, const struct nnmem_model *m,
		     uint8_t ***imagesp)
{
	uint8_t **images;
	uint32_t i;
	int err;

	images = nnmem_model_images_alloc(m);
	if (!images)
		return -ENOMEM;
	for (i = 0; i < m->region_count; i++) {
		err = nnmem_read(dev, m->regions[i].handle, 0, images[i],
				 m->regions[i].size);
		if (err) {
			nnmem_model_images_free(m, images);
			return err;
		}
	}
	*imagesp = images;
	return 0;
}

const uint8_t *nnmem_model_tensor_data(const struct nnmem_model *m,
				       uint8_t **images, uint32_t t)
{
	return images[m->mtensors[t].region] + m->tensors[t].offset;
}
