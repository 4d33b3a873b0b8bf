// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the TensorFlow Lite importer
 * (userspace/lib/nnmem_tflite.c): the input is a .tflite file. The parse
 * must never crash, read past the input (it is copied into an exactly
 * sized buffer, so ASan sees any access past it) or leak; a refusal must
 * be -EINVAL, -EOPNOTSUPP or -ENOMEM with a message, and answer the same
 * twice. An accepted model must be consistent: counts and indices in
 * range, lifetimes inside the steps, every placed tensor's bytes written
 * by nnmem_tflite_tensor_fill(), and the lowering over a dummy placement
 * (weights and activations packed 16-byte aligned in two regions) must
 * succeed or refuse with a message, its nodes naming only emitted tensors.
 * Seeds: corpus/tflite_fuzz (resnet8.tflite, by gen-corpus.py).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnmem/tflite.h>

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "check failed: %s at line %d\n", #c,	\
			__LINE__);					\
		abort();						\
	}								\
} while (0)

static void check_model(const struct nnmem_tflite_model *m)
{
	uint32_t i, k, in_nodes = 0;

	CHECK(m->all_tensor_count >= m->tensor_count);
	CHECK(m->graph_tensor_count <= m->all_tensor_count);
	CHECK(m->weight_count <= m->all_tensor_count);
	for (i = 0; i < m->all_tensor_count; i++) {
		const struct nnmem_tflite_tensor *t = &m->tensors[i];

		CHECK(t->name);
		CHECK(t->ndims <= NNMEM_TFLITE_MAX_DIMS);
		CHECK(t->bytes <= NNMEM_TFLITE_MAX_BYTES);
		CHECK(t->buffer < m->all_tensor_count);
		CHECK(t->graph_index == NNMEM_TFLITE_NONE ||
		      t->graph_index < m->graph_tensor_count);
		CHECK(t->producer == NNMEM_TFLITE_NONE ||
		      t->producer < m->op_count);
	}
	for (k = 0; k < m->op_count; k++) {
		const struct nnmem_tflite_op *op = &m->ops[k];

		CHECK(op->output < m->tensor_count);
		CHECK(op->ninputs <= NNMEM_TFLITE_MAX_INPUTS);
		if (op->node != NNMEM_TFLITE_NONE) {
			CHECK(op->node == in_nodes);
			in_nodes++;
		}
		for (i = 0; i < op->ninputs; i++) {
			uint32_t t = op->inputs[i];

			/* topological: written before, or never written */
			CHECK(t == NNMEM_TFLITE_NONE ||
			      (t < m->tensor_count &&
			       (m->tensors[t].producer == NNMEM_TFLITE_NONE ||
				m->tensors[t].producer < k)));
		}
		CHECK(op->params.act_min >= -128 &&
		      op->params.act_min <= op->params.act_max &&
		      op->params.act_max <= 127);
	}
	CHECK(in_nodes == m->node_count);
	for (i = 0; i < m->lifetime_count; i++) {
		const struct nnmem_tflite_lifetime *l = &m->lifetimes[i];

		CHECK(l->tensor < m->tensor_count);
		CHECK(l->first <= l->last);
		CHECK(!m->node_count || l->last < m->node_count);
	}
}

static void lower(const struct nnmem_tflite_model *m)
{
	struct nnmem_tflite_place *place;
	struct nnmem_tensor *tensors;
	struct nnmem_node *nodes;
	uint64_t off[2] = { 0, 0 };
	char err[NNMEM_TFLITE_ERR_LEN];
	uint32_t i;
	int ret;

	place = calloc(m->all_tensor_count + 1, sizeof(*place));
	tensors = calloc(m->graph_tensor_count + 1, sizeof(*tensors));
	nodes = calloc(m->node_count + 1, sizeof(*nodes));
	CHECK(place && tensors && nodes);
	for (i = 0; i < m->all_tensor_count; i++) {
		const struct nnmem_tflite_tensor *t = &m->tensors[i];
		unsigned int w = !!(t->flags & (NNMEM_TFLITE_T_CONST |
						NNMEM_TFLITE_T_DERIVED));
		void *buf;

		if (!(t->flags & NNMEM_TFLITE_T_PLACED))
			continue;
		place[i].handle = 1 + w;
		place[i].offset = off[w];
		off[w] += (t->bytes + 15) & ~15ULL;
		if (!w)
			continue;
		buf = malloc(t->bytes ? t->bytes : 1);
		CHECK(buf);
		CHECK(nnmem_tflite_tensor_fill(m, i, buf, t->bytes) == 0);
		free(buf);
	}
	ret = nnmem_tflite_lower(m, place, tensors, nodes, err, sizeof(err));
	CHECK(ret == 0 || ret == -EINVAL || ret == -EOPNOTSUPP);
	CHECK(ret == 0 || err[0]);
	for (i = 0; !ret && i < m->node_count; i++) {
		const struct nnmem_node *n = &nodes[i];
		uint32_t g = m->graph_tensor_count;

		CHECK(n->op >= NNMEM_OP_CONV2D && n->op <= NNMEM_OP_SOFTMAX);
		if (n->op == NNMEM_OP_CONV2D)
			CHECK(n->conv2d.input < g && n->conv2d.filter < g &&
			      n->conv2d.output < g &&
			      n->conv2d.multiplier < g &&
			      n->conv2d.shift < g &&
			      (n->conv2d.bias < g ||
			       n->conv2d.bias == NNMEM_INDEX_NONE));
		else if (n->op == NNMEM_OP_ADD)
			CHECK(n->add.input1 < g && n->add.input2 < g &&
			      n->add.output < g);
	}
	free(place);
	free(tensors);
	free(nodes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nnmem_tflite_model *m, *m2;
	char err[NNMEM_TFLITE_ERR_LEN], err2[NNMEM_TFLITE_ERR_LEN];
	uint8_t *buf = malloc(size ? size : 1);
	int ret, ret2;

	CHECK(buf);
	memcpy(buf, data, size);
	ret = nnmem_tflite_parse(buf, size, &m, err, sizeof(err));
	CHECK(ret == 0 || ret == -EINVAL || ret == -EOPNOTSUPP ||
	      ret == -ENOMEM);
	ret2 = nnmem_tflite_parse(buf, size, &m2, err2, sizeof(err2));
	CHECK(ret == ret2);
	if (ret) {
		CHECK(!m && !m2 && err[0] && !strcmp(err, err2));
	} else {
		check_model(m);
		lower(m);
		nnmem_tflite_free(m);
		nnmem_tflite_free(m2);
	}
	free(buf);
	return 0;
}
