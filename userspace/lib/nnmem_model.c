// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem models: a graph described in JSON, parsed with json-c.
 *
 *   {
 *     "description": "..." (optional),
 *     "regions": [ { "name": "w", "kind": "weight" | "activation",
 *                    "size": N | "auto" (optional: derived from its tensors),
 *                    "align": N (optional), "mappable": bool (optional) } ],
 *     "tensors": [ { "name": "x", "region": "w", "offset": N (optional),
 *                    "type": "int8" | "int32", "shape": [ ... ],
 *                    "zero_point": N (optional),
 *                    at most one of (else zeros):
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
 * nnmem_model_plan() replaces the activation regions by one, with every
 * activation tensor placed by its lifetime (driver/nnmem_planner.c).
 *
 * The file is strict JSON (no comments, no trailing commas); a syntax error
 * is reported with its line and column. Every object accepts only the keys
 * above: an unknown key is an error naming it (and the known key it is
 * closest to). Every other message names the region, tensor, node or
 * output it is about, the key, and the value found. The graph's semantics
 * (shapes, parameters, quantisation) are the driver validator's to judge,
 * not the loader's: see nnmem_model_check().
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

#include "nnmem_graphval.h"
#include "nnmem_planner.h"

/* Region sizes and tensor offsets past this are surely mistakes. */
#define NNMEM_MODEL_MAX_BYTES	(1ULL << 48)

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

/* A JSON value as compact text for a message, cut short if long. */
static const char *nnmem_json_text(struct json_object *v, char *buf,
				   size_t len)
{
	const char *s = json_object_to_json_string_ext(v,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);

	if (n < len)
		memcpy(buf, s, n + 1);
	else
		snprintf(buf, len, "%.*s...", (int)(len - 4), s);
	return buf;
}

#define NNMEM_TEXT_LEN	48

/* Edit distance of two short keys, for "did you mean"; big if too long. */
static unsigned int nnmem_edit_distance(const char *a, const char *b)
{
	unsigned int row[33], i, j;
	size_t la = strlen(a), lb = strlen(b);

	if (la > 32 || lb > 32)
		return UINT_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0], tmp;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			diag = tmp;
		}
	}
	return row[lb];
}

/* Every member of @o must be one of @keys (NULL-terminated). */
static int nnmem_json_keys(struct nnmem_model_ctx *c, struct json_object *o,
			   const char *what, const char *const *keys)
{
	struct json_object_iterator it = json_object_iter_begin(o);
	struct json_object_iterator end = json_object_iter_end(o);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);
		const char *best = NULL;
		unsigned int d, best_d = 3;
		char known[256];
		size_t n = 0;
		int k;

		for (k = 0; keys[k]; k++) {
			if (!strcmp(key, keys[k]))
				break;
			d = nnmem_edit_distance(key, keys[k]);
			if (d < best_d) {
				best_d = d;
				best = keys[k];
			}
		}
		if (keys[k])
			continue;
		if (best)
			return nnmem_model_fail(c, -EINVAL,
						"%s: unknown key \"%s\" (did you mean \"%s\"?)",
						what, key, best);
		known[0] = '\0';
		for (k = 0; keys[k] && n < sizeof(known); k++)
			n += (size_t)snprintf(known + n, sizeof(known) - n,
					      "%s\"%s\"", k ? ", " : "", keys[k]);
		return nnmem_model_fail(c, -EINVAL,
					"%s: unknown key \"%s\" (known keys: %s)",
					what, key, known);
	}
	return 0;
}

/* Member @key of @o, or NULL if absent or null. */
static struct json_object *nnmem_json_get(struct json_object *o,
					  const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f) ||
	    json_object_is_type(f, json_type_null))
		return NULL;
	return f;
}

/* The integer value @f (called @key in messages) in [@lo, @hi]. */
static int nnmem_json_int_val(struct nnmem_model_ctx *c, struct json_object *f,
			      const char *what, const char *key, int64_t lo,
			      int64_t hi, int64_t *v)
{
	char text[NNMEM_TEXT_LEN];

	if (!json_object_is_type(f, json_type_int))
		return nnmem_model_fail(c, -EINVAL,
					"%s: %s must be an integer, got %s",
					what, key,
					nnmem_json_text(f, text, sizeof(text)));
	*v = json_object_get_int64(f);
	if ((*v == INT64_MAX && json_object_get_uint64(f) > INT64_MAX) ||
	    *v < lo || *v > hi)
		return nnmem_model_fail(c, -EINVAL,
					"%s: %s is %s, out of range [%" PRId64 ", %" PRId64 "]",
					what, key,
					nnmem_json_text(f, text, sizeof(text)),
					lo, hi);
	return 0;
}

/* An integer member @key of @o in [@lo, @hi]; @def when absent (!@req). */
static int nnmem_json_int(struct nnmem_model_ctx *c, struct json_object *o,
			  const char *what, const char *key, bool req,
			  int64_t def, int64_t lo, int64_t hi, int64_t *v)
{
	struct json_object *f = nnmem_json_get(o, key);
	char qkey[40];

	if (!f) {
		if (req)
			return nnmem_model_fail(c, -EINVAL,
						"%s: missing \"%s\" (an integer)",
						what, key);
		*v = def;
		return 0;
	}
	snprintf(qkey, sizeof(qkey), "\"%s\"", key);
	return nnmem_json_int_val(c, f, what, qkey, lo, hi, v);
}

/*
 * A string member @key of @o: *@s is NULL if it is absent (and not @req).
 * @hint says what the string is, for messages.
 */
static int nnmem_json_str(struct nnmem_model_ctx *c, struct json_object *o,
			  const char *what, const char *key, bool req,
			  const char *hint, const char **s)
{
	struct json_object *f = nnmem_json_get(o, key);
	char text[NNMEM_TEXT_LEN];

	*s = NULL;
	if (!f) {
		if (req)
			return nnmem_model_fail(c, -EINVAL, "%s: missing \"%s\" (%s)",
						what, key, hint);
		return 0;
	}
	if (!json_object_is_type(f, json_type_string) ||
	    !json_object_get_string_len(f))
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"%s\" must be %s, got %s", what, key,
					hint, nnmem_json_text(f, text, sizeof(text)));
	*s = json_object_get_string(f);
	return 0;
}

/* A string member @key of @o, @s0 or @s1: *@v is @v0 or @v1. */
static int nnmem_json_choice(struct nnmem_model_ctx *c, struct json_object *o,
			     const char *what, const char *key,
			     const char *s0, uint32_t v0, const char *s1,
			     uint32_t v1, uint32_t *v)
{
	char hint[64];
	const char *s;
	int err;

	snprintf(hint, sizeof(hint), "\"%s\" or \"%s\"", s0, s1);
	err = nnmem_json_str(c, o, what, key, true, hint, &s);
	if (err)
		return err;
	if (!strcmp(s, s0))
		*v = v0;
	else if (!strcmp(s, s1))
		*v = v1;
	else
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"%s\" must be %s, got \"%s\"",
					what, key, hint, s);
	return 0;
}

/* A member @key of @o of type @type; *@f is NULL if absent (and !@req). */
static int nnmem_json_typed(struct nnmem_model_ctx *c, struct json_object *o,
			    const char *what, const char *key, bool req,
			    enum json_type type, const char *hint,
			    struct json_object **f)
{
	char text[NNMEM_TEXT_LEN];

	*f = nnmem_json_get(o, key);
	if (!*f) {
		if (req)
			return nnmem_model_fail(c, -EINVAL, "%s: missing \"%s\" (%s)",
						what, key, hint);
		return 0;
	}
	if (!json_object_is_type(*f, type))
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"%s\" must be %s, got %s", what, key,
					hint, nnmem_json_text(*f, text, sizeof(text)));
	return 0;
}

/* Element @i of array @key must be an object. */
static int nnmem_json_elem(struct nnmem_model_ctx *c, struct json_object *a,
			   const char *key, uint32_t i, struct json_object **o)
{
	char text[NNMEM_TEXT_LEN];

	*o = json_object_array_get_idx(a, i);
	if (!json_object_is_type(*o, json_type_object))
		return nnmem_model_fail(c, -EINVAL,
					"%s[%u] must be an object, got %s", key, i,
					nnmem_json_text(*o, text, sizeof(text)));
	return 0;
}

/* "stride": N or [H, W]; 1 and 1 when absent. */
static int nnmem_json_pair(struct nnmem_model_ctx *c, struct json_object *o,
			   const char *what, const char *key, uint32_t *h,
			   uint32_t *w)
{
	struct json_object *f = nnmem_json_get(o, key);
	char text[NNMEM_TEXT_LEN], qkey[48];
	int64_t v[2];
	int i, err;

	*h = 1;
	*w = 1;
	if (!f)
		return 0;
	if (json_object_is_type(f, json_type_int)) {
		err = nnmem_json_int(c, o, what, key, true, 0, 0, UINT32_MAX,
				     &v[0]);
		if (err)
			return err;
		*h = *w = (uint32_t)v[0];
		return 0;
	}
	if (!json_object_is_type(f, json_type_array) ||
	    json_object_array_length(f) != 2)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"%s\" must be N or [H, W], got %s",
					what, key,
					nnmem_json_text(f, text, sizeof(text)));
	for (i = 0; i < 2; i++) {
		snprintf(qkey, sizeof(qkey), "\"%s\"[%d]", key, i);
		err = nnmem_json_int_val(c, json_object_array_get_idx(f, i),
					 what, qkey, 0, UINT32_MAX, &v[i]);
		if (err)
			return err;
	}
	*h = (uint32_t)v[0];
	*w = (uint32_t)v[1];
	return 0;
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

/*
 * The name of element @i of array @key, when it has a usable one, and
 * @what: "region \"w0\"" or, without a name, "regions[3]".
 */
static const char *nnmem_elem_what(struct json_object *o, const char *kind,
				   const char *key, uint32_t i, char *what,
				   size_t len)
{
	struct json_object *f = nnmem_json_get(o, "name");
	const char *name = NULL;

	if (f && json_object_is_type(f, json_type_string) &&
	    json_object_get_string_len(f))
		name = json_object_get_string(f);
	if (name)
		snprintf(what, len, "%s \"%s\"", kind, name);
	else
		snprintf(what, len, "%s[%u]", key, i);
	return name;
}

/*
 * The start of element @i of array @key, a @kind: only @keys in it, and a
 * non-empty "name" that @find does not find among the elements before it.
 * @what names the element for messages; *@namep gets a copy of its name.
 */
static int nnmem_parse_named(struct nnmem_model_ctx *c, struct json_object *o,
			     const char *kind, const char *key, uint32_t i,
			     const char *const *keys,
			     int (*find)(const struct nnmem_model *m,
					 const char *name),
			     char *what, size_t len, char **namep)
{
	const char *name;
	int err, dup;

	nnmem_elem_what(o, kind, key, i, what, len);
	err = nnmem_json_keys(c, o, what, keys);
	if (!err)
		err = nnmem_json_str(c, o, what, "name", true,
				     "a non-empty string", &name);
	if (err)
		return err;
	dup = find(c->m, name);
	if (dup >= 0)
		return nnmem_model_fail(c, -EINVAL,
					"%s[%u]: duplicate name \"%s\" (also %s[%d])",
					key, i, name, key, dup);
	*namep = strdup(name);
	return *namep ? 0 : -ENOMEM;
}

/*
 * The array @key of the top level (absent is fine unless @req): @alloc
 * makes room for its length, then @parse reads each element, an object.
 * *@count counts the elements reached, for nnmem_model_free().
 */
static int nnmem_parse_array(struct nnmem_model_ctx *c,
			     struct json_object *root, const char *key,
			     bool req, uint32_t *count,
			     int (*alloc)(struct nnmem_model *m, uint32_t n),
			     int (*parse)(struct nnmem_model_ctx *c,
					  struct json_object *o, uint32_t i))
{
	struct json_object *a, *o;
	char hint[32];
	uint32_t i, n;
	int err;

	snprintf(hint, sizeof(hint), "an array of %s", key);
	err = nnmem_json_typed(c, root, "top level", key, req,
			       json_type_array, hint, &a);
	if (err || !a)
		return err;
	n = (uint32_t)json_object_array_length(a);
	if (alloc(c->m, n))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		err = nnmem_json_elem(c, a, key, i, &o);
		if (err)
			return err;
		*count = i + 1;
		err = parse(c, o, i);
		if (err)
			return err;
	}
	return 0;
}

static int nnmem_parse_region(struct nnmem_model_ctx *c, struct json_object *o,
			      uint32_t i)
{
	static const char *const keys[] = {
		"name", "kind", "size", "align", "mappable", NULL,
	};
	struct nnmem_model_region *r = &c->m->regions[i];
	char what[96], text[NNMEM_TEXT_LEN];
	struct json_object *f;
	int64_t v;
	int err;

	err = nnmem_parse_named(c, o, "region", "regions", i, keys,
				nnmem_region_find, what, sizeof(what),
				&r->name);
	if (err)
		return err;

	err = nnmem_json_choice(c, o, what, "kind", "weight",
				NNMEM_KIND_WEIGHT, "activation",
				NNMEM_KIND_ACTIVATION, &r->kind);
	if (err)
		return err;

	/* "size": "auto" means derived, like no size */
	f = nnmem_json_get(o, "size");
	if (f && json_object_is_type(f, json_type_string)) {
		if (strcmp(json_object_get_string(f), "auto"))
			return nnmem_model_fail(c, -EINVAL,
						"%s: \"size\" must be a byte count or \"auto\", got %s",
						what,
						nnmem_json_text(f, text, sizeof(text)));
		v = 0;
	} else {
		err = nnmem_json_int(c, o, what, "size", false, 0, 1,
				     NNMEM_MODEL_MAX_BYTES, &v);
		if (err)
			return err;
	}
	r->size = (uint64_t)v;
	err = nnmem_json_int(c, o, what, "align", false, 0, 0, UINT32_MAX, &v);
	if (err)
		return err;
	r->align = (uint32_t)v;
	err = nnmem_json_typed(c, o, what, "mappable", false,
			       json_type_boolean, "true or false", &f);
	if (err)
		return err;
	if (f && json_object_get_boolean(f))
		r->flags |= NNMEM_ALLOC_MAPPABLE;
	return 0;
}

static int nnmem_alloc_regions(struct nnmem_model *m, uint32_t n)
{
	m->regions = calloc(n ? n : 1, sizeof(*m->regions));
	return m->regions ? 0 : -ENOMEM;
}

static int nnmem_parse_tensor(struct nnmem_model_ctx *c, struct json_object *o,
			      uint32_t i)
{
	static const char *const keys[] = {
		"name", "region", "offset", "type", "shape", "zero_point",
		"file", "fill", "data", NULL,
	};
	struct nnmem_model *m = c->m;
	struct nnmem_model_tensor *mt = &m->mtensors[i];
	struct nnmem_tensor *t = &m->tensors[i];
	char what[96], text[NNMEM_TEXT_LEN], qkey[32];
	const char *region;
	struct json_object *shape;
	int err, r, init = 0;
	uint32_t d;
	int64_t v;

	err = nnmem_parse_named(c, o, "tensor", "tensors", i, keys,
				nnmem_model_tensor_find, what, sizeof(what),
				&mt->name);
	if (err)
		return err;

	err = nnmem_json_str(c, o, what, "region", true, "a region's name",
			     &region);
	if (err)
		return err;
	r = nnmem_region_find(m, region);
	if (r < 0)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"region\": no region named \"%s\"",
					what, region);
	mt->region = (uint32_t)r;

	err = nnmem_json_choice(c, o, what, "type", "int8", NNMEM_TYPE_INT8,
				"int32", NNMEM_TYPE_INT32, &t->type);
	if (err)
		return err;

	err = nnmem_json_int(c, o, what, "offset", false, 0, 0,
			     NNMEM_MODEL_MAX_BYTES, &v);
	if (err)
		return err;
	t->offset = (uint64_t)v;
	err = nnmem_json_int(c, o, what, "zero_point", false, 0, INT32_MIN,
			     INT32_MAX, &v);
	if (err)
		return err;
	t->zero_point = (int32_t)v;

	err = nnmem_json_typed(c, o, what, "shape", true, json_type_array,
			       "an array of 1 to 4 dims", &shape);
	if (err)
		return err;
	if (json_object_array_length(shape) < 1 ||
	    json_object_array_length(shape) > NNMEM_TENSOR_MAX_DIMS)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"shape\" must have 1 to %d dims, got %s",
					what, NNMEM_TENSOR_MAX_DIMS,
					nnmem_json_text(shape, text, sizeof(text)));
	t->ndims = (uint32_t)json_object_array_length(shape);
	for (d = 0; d < t->ndims; d++) {
		snprintf(qkey, sizeof(qkey), "\"shape\"[%u]", d);
		err = nnmem_json_int_val(c, json_object_array_get_idx(shape, d),
					 what, qkey, 1, UINT32_MAX, &v);
		if (err)
			return err;
		t->dims[d] = (uint32_t)v;
	}
	mt->bytes = nnmem_tensor_bytes(t);
	if (!mt->bytes || mt->bytes > NNMEM_MODEL_MAX_BYTES)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"shape\" %s is too large",
					what, nnmem_json_text(shape, text, sizeof(text)));

	init = !!nnmem_json_get(o, "file") + !!nnmem_json_get(o, "fill") +
	       !!nnmem_json_get(o, "data");
	if (init > 1)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"file\", \"fill\" and \"data\" exclude each other",
					what);
	return 0;
}

static int nnmem_alloc_tensors(struct nnmem_model *m, uint32_t n)
{
	m->mtensors = calloc(n ? n : 1, sizeof(*m->mtensors));
	m->tensors = calloc(n ? n : 1, sizeof(*m->tensors));
	return m->mtensors && m->tensors ? 0 : -ENOMEM;
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
						"tensor \"%s\": offset %" PRIu64 " + %" PRIu64 " bytes ends at %" PRIu64 ", past the end of region \"%s\" (%" PRIu64 " bytes)",
						m->mtensors[i].name,
						(uint64_t)m->tensors[i].offset,
						m->mtensors[i].bytes, end,
						r->name, r->size);
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

static int nnmem_fill_file(struct nnmem_model_ctx *c, const char *what,
			   const char *file, uint8_t *p, uint64_t bytes)
{
	char path[PATH_MAX];
	FILE *f;
	long len;
	int n, err;

	if (file[0] == '/' || !c->dir)
		n = snprintf(path, sizeof(path), "%s", file);
	else
		n = snprintf(path, sizeof(path), "%s/%s", c->dir, file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return nnmem_model_fail(c, -ENAMETOOLONG,
					"%s: \"file\": path too long: \"%s\"",
					what, file);
	f = fopen(path, "rb");
	if (!f) {
		err = -errno;
		return nnmem_model_fail(c, err, "%s: \"file\": %s: %s", what,
					path, strerror(-err));
	}
	len = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
	if (len < 0 || (uint64_t)len != bytes || fseek(f, 0, SEEK_SET) ||
	    fread(p, 1, bytes, f) != bytes) {
		fclose(f);
		if (len < 0)
			return nnmem_model_fail(c, -EINVAL,
						"%s: \"file\": %s: not a regular file",
						what, path);
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"file\": %s has %ld bytes, the tensor has %" PRIu64,
					what, path, len, bytes);
	}
	fclose(f);
	return 0;
}

static int nnmem_fill_lcg(struct nnmem_model_ctx *c, struct json_object *f,
			  const char *what, uint32_t type, uint8_t *p,
			  uint64_t n, int64_t lo, int64_t hi)
{
	static const char *const keys[] = { "lcg", "min", "max", NULL };
	int64_t seed, fmin, fmax;
	uint64_t state, span, k;
	int err;

	err = nnmem_json_keys(c, f, what, keys);
	if (!err)
		err = nnmem_json_int(c, f, what, "lcg", true, 0, 0, INT64_MAX,
				     &seed);
	if (!err)
		err = nnmem_json_int(c, f, what, "min", false, lo, lo, hi, &fmin);
	if (!err)
		err = nnmem_json_int(c, f, what, "max", false, hi, lo, hi, &fmax);
	if (err)
		return err;
	if (fmin > fmax)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"min\" %" PRId64 " is above \"max\" %" PRId64,
					what, fmin, fmax);
	state = (uint64_t)seed;
	span = (uint64_t)(fmax - fmin) + 1;
	for (k = 0; k < n; k++) {
		/* 31 random bits; two draws when the span needs more */
		uint64_t rnd = nnmem_lcg_next(&state);

		if (span > (1ULL << 31))
			rnd = rnd << 31 | nnmem_lcg_next(&state);
		nnmem_store(p, type, k, fmin + (int64_t)(rnd % span));
	}
	return 0;
}

static int nnmem_fill_tensor(struct nnmem_model_ctx *c, struct json_object *o,
			     uint32_t i)
{
	static const char *const const_keys[] = { "const", NULL };
	struct nnmem_model *m = c->m;
	const struct nnmem_tensor *t = &m->tensors[i];
	struct nnmem_model_region *r = &m->regions[m->mtensors[i].region];
	uint8_t *p = r->image + t->offset;
	uint64_t n = m->mtensors[i].bytes / (t->type == NNMEM_TYPE_INT8 ? 1 : 4);
	int64_t lo = t->type == NNMEM_TYPE_INT8 ? INT8_MIN : INT32_MIN;
	int64_t hi = t->type == NNMEM_TYPE_INT8 ? INT8_MAX : INT32_MAX;
	char what[96], fwhat[112], text[NNMEM_TEXT_LEN], qkey[40];
	struct json_object *f;
	const char *file;
	uint64_t k;
	int64_t v;
	int err;

	snprintf(what, sizeof(what), "tensor \"%s\"", m->mtensors[i].name);
	err = nnmem_json_str(c, o, what, "file", false, "a file name", &file);
	if (err)
		return err;
	if (file)
		return nnmem_fill_file(c, what, file, p, m->mtensors[i].bytes);

	f = nnmem_json_get(o, "data");
	if (f) {
		if (!json_object_is_type(f, json_type_array) ||
		    json_object_array_length(f) != n)
			return nnmem_model_fail(c, -EINVAL,
						"%s: \"data\" must be an array of %" PRIu64 " %s values, got %s",
						what, n,
						t->type == NNMEM_TYPE_INT8 ? "int8" : "int32",
						json_object_is_type(f, json_type_array) ?
						"a different count" :
						nnmem_json_text(f, text, sizeof(text)));
		for (k = 0; k < n; k++) {
			snprintf(qkey, sizeof(qkey), "\"data\"[%" PRIu64 "]", k);
			err = nnmem_json_int_val(c, json_object_array_get_idx(f, k),
						 what, qkey, lo, hi, &v);
			if (err)
				return err;
			nnmem_store(p, t->type, k, v);
		}
		return 0;
	}

	err = nnmem_json_typed(c, o, what, "fill", false, json_type_object,
			       "{\"lcg\": SEED, \"min\": LO, \"max\": HI} or {\"const\": V}",
			       &f);
	if (err || !f)
		return err;
	snprintf(fwhat, sizeof(fwhat), "%s \"fill\"", what);
	if (nnmem_json_get(f, "lcg"))
		return nnmem_fill_lcg(c, f, fwhat, t->type, p, n, lo, hi);
	if (nnmem_json_get(f, "const")) {
		err = nnmem_json_keys(c, f, fwhat, const_keys);
		if (!err)
			err = nnmem_json_int(c, f, fwhat, "const", true, 0, lo,
					     hi, &v);
		if (err)
			return err;
		for (k = 0; k < n; k++)
			nnmem_store(p, t->type, k, v);
		return 0;
	}
	return nnmem_model_fail(c, -EINVAL,
				"%s: needs \"lcg\" or \"const\", got %s", fwhat,
				nnmem_json_text(f, text, sizeof(text)));
}

static int nnmem_tensor_index(struct nnmem_model_ctx *c, struct json_object *o,
			      const char *what, const char *key, bool req,
			      uint32_t *idx)
{
	const char *name;
	int i, err;

	*idx = NNMEM_INDEX_NONE;
	err = nnmem_json_str(c, o, what, key, req, "a tensor's name", &name);
	if (err || !name)
		return err;
	i = nnmem_model_tensor_find(c->m, name);
	if (i < 0)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"%s\": no tensor named \"%s\"",
					what, key, name);
	*idx = (uint32_t)i;
	return 0;
}

static int nnmem_parse_padding(struct nnmem_model_ctx *c,
			       struct json_object *o, const char *what,
			       struct nnmem_conv2d *cv)
{
	static const char *const keys[] = {
		"top", "bottom", "left", "right", NULL,
	};
	const struct nnmem_model *m = c->m;
	const struct nnmem_tensor *in = &m->tensors[cv->input];
	const struct nnmem_tensor *fl = &m->tensors[cv->filter];
	struct json_object *pad = nnmem_json_get(o, "padding");
	char pwhat[112], text[NNMEM_TEXT_LEN];
	uint32_t *p[4] = { &cv->pad_top, &cv->pad_bottom, &cv->pad_left,
			   &cv->pad_right };
	enum nnmem_padding scheme;
	const char *s;
	int64_t v;
	int i, err;

	if (!pad)
		return 0;	/* explicit zero padding */
	if (json_object_is_type(pad, json_type_object)) {
		snprintf(pwhat, sizeof(pwhat), "%s \"padding\"", what);
		err = nnmem_json_keys(c, pad, pwhat, keys);
		for (i = 0; !err && i < 4; i++) {
			err = nnmem_json_int(c, pad, pwhat, keys[i], true, 0, 0,
					     UINT32_MAX, &v);
			*p[i] = (uint32_t)v;
		}
		return err;
	}
	s = json_object_is_type(pad, json_type_string) ?
		json_object_get_string(pad) : "";
	if (!strcmp(s, "SAME")) {
		scheme = NNMEM_PADDING_SAME;
	} else if (!strcmp(s, "VALID")) {
		scheme = NNMEM_PADDING_VALID;
	} else {
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"padding\" must be \"SAME\", \"VALID\" or {\"top\", \"bottom\", \"left\", \"right\"}, got %s",
					what, nnmem_json_text(pad, text, sizeof(text)));
	}
	if (in->ndims != 4 || fl->ndims != 4)
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"padding\": \"%s\" needs a 4-dim input and filter; \"%s\" has %u dims, \"%s\" %u",
					what, s, m->mtensors[cv->input].name,
					in->ndims, m->mtensors[cv->filter].name,
					fl->ndims);
	if (nnmem_conv2d_padding_set(cv, scheme, in->dims, fl->dims, NULL))
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"padding\": \"%s\" gives no output for input \"%s\" %ux%u, filter \"%s\" %ux%u, stride %ux%u, dilation %ux%u",
					what, s, m->mtensors[cv->input].name,
					in->dims[1], in->dims[2],
					m->mtensors[cv->filter].name,
					fl->dims[1], fl->dims[2], cv->stride_h,
					cv->stride_w, cv->dilation_h,
					cv->dilation_w);
	return 0;
}

static int nnmem_parse_conv2d(struct nnmem_model_ctx *c, struct json_object *o,
			      const char *what, struct nnmem_conv2d *cv)
{
	static const char *const keys[] = {
		"op", "name", "input", "filter", "bias", "multiplier", "shift",
		"output", "stride", "dilation", "padding", "groups",
		"act_min", "act_max", NULL,
	};
	int64_t v;
	int err;

	err = nnmem_json_keys(c, o, what, keys);
	if (!err)
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
	return nnmem_parse_padding(c, o, what, cv);
}

static int nnmem_parse_add(struct nnmem_model_ctx *c, struct json_object *o,
			   const char *what, struct nnmem_add *ad)
{
	static const char *const keys[] = {
		"op", "name", "input1", "input2", "output", "left_shift",
		"input1_multiplier", "input1_shift", "input2_multiplier",
		"input2_shift", "output_multiplier", "output_shift",
		"act_min", "act_max", NULL,
	};
	static const struct {
		const char *key;
		size_t off;
		int64_t def;
		bool req;
	} f[] = {
#define F(k, d, r) { #k, offsetof(struct nnmem_add, k), d, r }
		F(left_shift, 20, false),
		F(input1_multiplier, 0, true),
		F(input1_shift, 0, true),
		F(input2_multiplier, 0, true),
		F(input2_shift, 0, true),
		F(output_multiplier, 0, true),
		F(output_shift, 0, true),
		F(act_min, INT8_MIN, false),
		F(act_max, INT8_MAX, false),
#undef F
	};
	unsigned int i;
	int64_t v;
	int err;

	err = nnmem_json_keys(c, o, what, keys);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "input1", true, &ad->input1);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "input2", true, &ad->input2);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "output", true, &ad->output);
	for (i = 0; !err && i < sizeof(f) / sizeof(f[0]); i++) {
		err = nnmem_json_int(c, o, what, f[i].key, f[i].req, f[i].def,
				     INT32_MIN, INT32_MAX, &v);
		if (!err)
			*(int32_t *)((char *)ad + f[i].off) = (int32_t)v;
	}
	return err;
}

static int nnmem_parse_node(struct nnmem_model_ctx *c, struct json_object *o,
			    uint32_t i)
{
	struct nnmem_model *m = c->m;
	char what[96], text[NNMEM_TEXT_LEN];
	struct json_object *f;
	const char *name, *op;
	uint32_t k;
	int err;

	name = nnmem_elem_what(o, "node", "nodes", i, what, sizeof(what));
	err = nnmem_json_str(c, o, what, "name", false, "a non-empty string",
			     &name);
	if (err)
		return err;
	for (k = 0; name && k < i; k++)
		if (!strcmp(m->node_names[k], name))
			return nnmem_model_fail(c, -EINVAL,
						"nodes[%u]: duplicate name \"%s\" (also nodes[%u])",
						i, name, k);
	m->node_names[i] = strdup(name ? name : what);
	if (!m->node_names[i])
		return -ENOMEM;

	f = nnmem_json_get(o, "op");
	op = f && json_object_is_type(f, json_type_string) ?
		json_object_get_string(f) : NULL;
	if (op && !strcmp(op, "conv2d")) {
		m->nodes[i].op = NNMEM_OP_CONV2D;
		return nnmem_parse_conv2d(c, o, what, &m->nodes[i].conv2d);
	}
	if (op && !strcmp(op, "add")) {
		m->nodes[i].op = NNMEM_OP_ADD;
		return nnmem_parse_add(c, o, what, &m->nodes[i].add);
	}
	if (!f)
		return nnmem_model_fail(c, -EINVAL,
					"%s: missing \"op\" (\"conv2d\" or \"add\")",
					what);
	return nnmem_model_fail(c, -EINVAL,
				"%s: \"op\" must be \"conv2d\" or \"add\", got %s",
				what, nnmem_json_text(f, text, sizeof(text)));
}

static int nnmem_alloc_nodes(struct nnmem_model *m, uint32_t n)
{
	m->nodes = calloc(n ? n : 1, sizeof(*m->nodes));
	m->node_names = calloc(n ? n : 1, sizeof(*m->node_names));
	return m->nodes && m->node_names ? 0 : -ENOMEM;
}

static int nnmem_parse_output(struct nnmem_model_ctx *c, struct json_object *o,
			      uint32_t i)
{
	static const char *const keys[] = { "tensor", "file", NULL };
	struct nnmem_model *m = c->m;
	const char *file;
	char what[32];
	uint32_t k;
	int err;

	snprintf(what, sizeof(what), "outputs[%u]", i);
	err = nnmem_json_keys(c, o, what, keys);
	if (!err)
		err = nnmem_tensor_index(c, o, what, "tensor", true,
					 &m->outputs[i].tensor);
	if (!err)
		err = nnmem_json_str(c, o, what, "file", true,
				     "a plain file name", &file);
	if (err)
		return err;
	if (strchr(file, '/') || !strcmp(file, ".") || !strcmp(file, ".."))
		return nnmem_model_fail(c, -EINVAL,
					"%s: \"file\" must be a plain file name (no '/'), got \"%s\"",
					what, file);
	for (k = 0; k < i; k++)
		if (!strcmp(m->outputs[k].file, file))
			return nnmem_model_fail(c, -EINVAL,
						"%s: \"file\" \"%s\" is also outputs[%u]'s",
						what, file, k);
	m->outputs[i].file = strdup(file);
	if (!m->outputs[i].file)
		return -ENOMEM;
	return 0;
}

static int nnmem_alloc_outputs(struct nnmem_model *m, uint32_t n)
{
	m->outputs = calloc(n ? n : 1, sizeof(*m->outputs));
	return m->outputs ? 0 : -ENOMEM;
}

/* Line and column (from 1) of byte @off of @text. */
static void nnmem_text_pos(const char *text, size_t off, unsigned int *line,
			   unsigned int *col)
{
	size_t i, start = 0;

	*line = 1;
	for (i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = (unsigned int)(i - start) + 1;
}

/* Strict JSON, with the line and column of a syntax error. */
static struct json_object *nnmem_json_parse(struct nnmem_model_ctx *c,
					    const char *text, int *errp)
{
	size_t len = strlen(text), end;
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	struct json_object *root;
	unsigned int line, col;
	char ch[16];

	tok = json_tokener_new();
	if (!tok) {
		*errp = -ENOMEM;
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* the terminating NUL says that the text ends there */
	root = json_tokener_parse_ex(tok, text, (int)(len + 1));
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (root && jerr == json_tokener_success) {
		*errp = 0;
		return root;
	}
	json_object_put(root);
	if (end > len)
		end = len;
	nnmem_text_pos(text, end, &line, &col);
	if (end < len && (unsigned char)text[end] >= 0x20 &&
	    (unsigned char)text[end] < 0x7f)
		snprintf(ch, sizeof(ch), " at '%c'", text[end]);
	else if (end < len)
		snprintf(ch, sizeof(ch), " at byte 0x%02x",
			 (unsigned char)text[end]);
	else
		ch[0] = '\0';
	*errp = nnmem_model_fail(c, -EINVAL,
				 "line %u, column %u: JSON syntax error%s: %s",
				 line, col, ch,
				 jerr == json_tokener_success ?
				 "no value" : json_tokener_error_desc(jerr));
	return NULL;
}

int nnmem_model_parse(const char *text, const char *dir,
		      struct nnmem_model **modelp, char *msg, size_t msg_len)
{
	static const char *const keys[] = {
		"description", "regions", "tensors", "nodes", "outputs", NULL,
	};
	struct nnmem_model_ctx c = { .dir = dir, .msg = msg,
				     .msg_len = msg_len };
	struct json_object *root, *tensors, *f;
	char text_buf[NNMEM_TEXT_LEN];
	uint32_t i;
	int err;

	if (msg && msg_len)
		msg[0] = '\0';
	root = nnmem_json_parse(&c, text, &err);
	if (!root)
		return err;
	c.m = calloc(1, sizeof(*c.m));
	if (!c.m) {
		json_object_put(root);
		return -ENOMEM;
	}
	if (!json_object_is_type(root, json_type_object)) {
		err = nnmem_model_fail(&c, -EINVAL,
				       "top level must be an object, got %s",
				       nnmem_json_text(root, text_buf,
						       sizeof(text_buf)));
		goto out_free;
	}
	err = nnmem_json_keys(&c, root, "top level", keys);
	if (!err)
		err = nnmem_json_typed(&c, root, "top level", "description",
				       false, json_type_string, "a string", &f);
	if (!err)
		err = nnmem_parse_array(&c, root, "regions", true,
					&c.m->region_count, nnmem_alloc_regions,
					nnmem_parse_region);
	if (!err)
		err = nnmem_parse_array(&c, root, "tensors", true,
					&c.m->tensor_count, nnmem_alloc_tensors,
					nnmem_parse_tensor);
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
						       "region \"%s\": no \"size\" and no tensors to derive it from",
						       r->name);
				goto out_free;
			}
		}
		r->image = calloc(1, r->size);
		if (!r->image) {
			err = nnmem_model_fail(&c, -ENOMEM,
					       "region \"%s\": out of memory for its %" PRIu64 " bytes",
					       r->name, r->size);
			goto out_free;
		}
	}
	tensors = nnmem_json_get(root, "tensors");
	for (i = 0; i < c.m->tensor_count; i++) {
		err = nnmem_fill_tensor(&c, json_object_array_get_idx(tensors, i),
					i);
		if (err)
			goto out_free;
	}
	err = nnmem_parse_array(&c, root, "nodes", true, &c.m->node_count,
				nnmem_alloc_nodes, nnmem_parse_node);
	if (!err)
		err = nnmem_parse_array(&c, root, "outputs", false,
					&c.m->output_count, nnmem_alloc_outputs,
					nnmem_parse_output);
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
	char *text = NULL, *dir, *slash, *nul;
	size_t len = 0;
	FILE *f;
	int err;

	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s", strerror(-err));
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
		if (ferror(f)) {
			err = -errno;
			free(text);
			fclose(f);
			if (msg && msg_len)
				snprintf(msg, msg_len, "%s",
					 strerror(err ? -err : EIO));
			return err ? err : -EIO;
		}
	}
	fclose(f);
	if (!text) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "empty file");
		return -EINVAL;
	}
	text[len] = '\0';
	nul = memchr(text, '\0', len);
	if (nul) {
		unsigned int line, col;

		nnmem_text_pos(text, (size_t)(nul - text), &line, &col);
		if (msg && msg_len)
			snprintf(msg, msg_len,
				 "line %u, column %u: NUL byte (not a JSON text file)",
				 line, col);
		free(text);
		return -EINVAL;
	}
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
	if (m->plan)
		free(m->plan->bufs);
	free(m->plan);
	free(m);
}

/* ------------------------------------------------------ planned layout */

/* The planned model's region array, old activation regions dropped. */
static int nnmem_model_plan_regions(struct nnmem_model *m,
				    struct nnmem_model_plan *p,
				    const uint32_t *writer)
{
	struct nnmem_model_region *regions, *a = NULL;
	uint32_t *map, i, n = 0;

	regions = calloc(m->region_count, sizeof(*regions));
	map = calloc(m->region_count, sizeof(*map));
	if (!regions || !map)
		goto err_free;
	p->region = NNMEM_INDEX_NONE;
	for (i = 0; i < m->region_count; i++) {
		const struct nnmem_model_region *r = &m->regions[i];

		if (r->kind != NNMEM_KIND_ACTIVATION) {
			map[i] = n;
			regions[n++] = *r;
			continue;
		}
		if (p->region == NNMEM_INDEX_NONE) {
			p->region = n++;
			a = &regions[p->region];
			a->kind = NNMEM_KIND_ACTIVATION;
			a->size = p->activation_bytes;
			a->name = strdup("activations");
			a->image = calloc(1, a->size);
			if (!a->name || !a->image) {
				free(a->name);
				free(a->image);
				goto err_free;
			}
		}
		map[i] = p->region;
		if (r->align > a->align)
			a->align = r->align;
		a->flags |= r->flags;
	}

	/* the bytes of graph inputs: no node writes them, none overlap */
	for (i = 0; i < p->buf_count; i++) {
		const struct nnmem_model_plan_buf *b = &p->bufs[i];
		const struct nnmem_model_tensor *mt = &m->mtensors[b->tensor];

		if (a && writer[b->tensor] == NNMEM_INDEX_NONE)
			memcpy(a->image + b->offset,
			       m->regions[mt->region].image +
			       m->tensors[b->tensor].offset, mt->bytes);
	}
	for (i = 0; i < m->tensor_count; i++)
		m->mtensors[i].region = map[m->mtensors[i].region];
	for (i = 0; i < p->buf_count; i++)
		m->tensors[p->bufs[i].tensor].offset = p->bufs[i].offset;
	for (i = 0; i < m->region_count; i++) {
		if (m->regions[i].kind != NNMEM_KIND_ACTIVATION)
			continue;
		free(m->regions[i].name);
		free(m->regions[i].image);
	}
	free(m->regions);
	m->regions = regions;
	m->region_count = n;
	free(map);
	return 0;

err_free:
	free(regions);
	free(map);
	return -ENOMEM;
}

int nnmem_model_plan(struct nnmem_model *m, char *msg, size_t msg_len)
{
	struct nnmem_planner_buf *pb = NULL;
	struct nnmem_model_plan *p = NULL;
	struct nnmem_graph_error ge;
	uint32_t *writer, *last, i, n = 0;
	__u64 footprint = 0, bound = 0;
	void *work = NULL;
	int err;

	if (msg && msg_len)
		msg[0] = '\0';
	for (i = 0; i < m->region_count; i++)
		if (m->regions[i].allocated)
			break;
	if (m->plan || i < m->region_count || m->graph_created) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s",
				 m->plan ? "already planned" :
				 "plan before allocating");
		return -EBUSY;
	}
	/* plan valid graphs only: the validator's verdict otherwise */
	err = nnmem_model_check(m, &ge);
	if (err) {
		if (msg && msg_len && ge.reason == NNMEM_GERR_NODE_OP &&
		    ge.node < m->node_count)
			snprintf(msg, msg_len, "node \"%s\": unknown op %u",
				 m->node_names[ge.node],
				 m->nodes[ge.node].op);
		else if (msg && msg_len)
			snprintf(msg, msg_len, "invalid graph: %s",
				 ge.reason ? nnmem_graph_strerror(ge.reason) :
				 strerror(-err));
		return err;
	}
	writer = calloc(m->tensor_count ? m->tensor_count : 1,
			2 * sizeof(*writer));
	if (!writer)
		return -ENOMEM;
	last = writer + m->tensor_count;
	/* the validator's own rule (driver/nnmem_graphval.h) */
	nnmem_graphval_uses(m->nodes, m->node_count, m->tensor_count, writer,
			    last);
	for (i = 0; i < m->tensor_count; i++)
		if (m->regions[m->mtensors[i].region].kind ==
		    NNMEM_KIND_ACTIVATION)
			n++;
	err = -E2BIG;
	if (n > NNMEM_PLANNER_MAX_BUFS)
		goto out;
	err = -ENOMEM;
	p = calloc(1, sizeof(*p));
	pb = calloc(n ? n : 1, sizeof(*pb));
	work = malloc(nnmem_planner_work_size(n) ? nnmem_planner_work_size(n) : 1);
	if (!p || !pb || !work)
		goto out;
	p->bufs = calloc(n ? n : 1, sizeof(*p->bufs));
	if (!p->bufs)
		goto out;
	p->steps = m->node_count;
	p->buf_count = n;
	n = 0;
	for (i = 0; i < m->tensor_count; i++) {
		const struct nnmem_model_region *r =
			&m->regions[m->mtensors[i].region];
		struct nnmem_model_plan_buf *b = &p->bufs[n];

		if (r->kind != NNMEM_KIND_ACTIVATION)
			continue;
		b->tensor = i;
		b->bytes = m->mtensors[i].bytes;
		nnmem_graphval_lifetime(writer[i], last[i], m->node_count,
					&b->first, &b->last);
		pb[n].size = b->bytes;
		pb[n].first = b->first;
		pb[n].last = b->last;
		n++;
	}
	for (i = 0; i < m->region_count; i++) {
		if (m->regions[i].kind != NNMEM_KIND_ACTIVATION)
			continue;
		p->unplanned_bytes += m->regions[i].size;
		p->unplanned_regions++;
	}
	err = nnmem_planner_bound(pb, n, NNMEM_MODEL_PLAN_ALIGN, work, &bound);
	if (!err)
		err = nnmem_planner_plan(pb, n, NNMEM_MODEL_PLAN_ALIGN, work,
					 &footprint);
	if (err) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "planner: %s", strerror(-err));
		goto out;
	}
	p->bound = bound;
	p->activation_bytes = footprint;
	for (i = 0; i < n; i++)
		p->bufs[i].offset = pb[i].offset;
	if (n) {
		err = nnmem_model_plan_regions(m, p, writer);
		if (err)
			goto out;
	} else {
		p->region = NNMEM_INDEX_NONE;
	}
	m->plan = p;
	p = NULL;
out:
	if (err == -ENOMEM && msg && msg_len && !msg[0])
		snprintf(msg, msg_len, "out of memory");
	if (err == -E2BIG && msg && msg_len)
		snprintf(msg, msg_len, "more than %u activation tensors",
			 (unsigned int)NNMEM_PLANNER_MAX_BUFS);
	if (p)
		free(p->bufs);
	free(p);
	free(work);
	free(pb);
	free(writer);
	return err;
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
