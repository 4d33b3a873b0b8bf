/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading the shared test vectors (shared/testdata/<op>/<case>/: a
 * params.json and little-endian .bin arrays, see its README.md) into the
 * kernels' parameter structs. Problems are printed as TAP diagnostics
 * ("# ...") on stdout. Shared by the device suite (vectors_test) and the
 * userspace kernel unit tests (selftests/unit/kernels_test).
 */
#ifndef NNMEM_TESTDATA_CASE_H
#define NNMEM_TESTDATA_CASE_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "nnmem_kernels.h"

/* A conv2d case: parameters, output shape and arrays. */
struct td_conv {
	struct nnmem_conv2d_params p;
	uint32_t out_shape[4];
	struct nnmem_conv2d_shape s;
	int8_t *input, *filter, *expected;
	int32_t *bias, *multiplier, *shift;
};

/* An add case: the shape (both operands and the output) and arrays. */
struct td_add {
	struct nnmem_add_params p;
	uint32_t ndims;
	uint32_t shape[4];
	uint32_t elems;
	int8_t *input1, *input2, *expected;
};

/* Set to suppress the diagnostics (e.g. during a counting pass). */
extern bool td_quiet;

typedef void (*td_case_fn)(const char *dir, const char *name, void *ctx);

/*
 * Call @fn for every <root>/<op>/<case> holding a params.json, sorted by
 * name, with @name "<op>/<case>". Returns the number of cases, or a
 * negative errno if @root cannot be listed.
 */
int td_walk(const char *root, td_case_fn fn, void *ctx);
/* The case's params.json, with its "op" in *@op; NULL on error. */
struct json_object *td_params(const char *dir, const char **op);
/* 0, or -EINVAL after printing why (nothing to free then). */
int td_conv_load(const char *dir, struct json_object *j, struct td_conv *c);
void td_conv_free(struct td_conv *c);
int td_add_load(const char *dir, struct json_object *j, struct td_add *a);
void td_add_free(struct td_add *a);

#endif /* NNMEM_TESTDATA_CASE_H */
