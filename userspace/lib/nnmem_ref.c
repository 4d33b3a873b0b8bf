// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace reference of an nnmem graph: the same portable int8
 * kernels the driver runs (driver/nnmem_kernels.c), over host copies of
 * the graph's regions, so that a device run can be compared byte for byte.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <nnmem/model.h>

#include "nnmem_graphval.h"
#include "nnmem_kernels.h"

/* Knuth's MMIX LCG; 31 bits of each step. */
uint64_t nnmem_lcg_next(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

/* The host bytes of tensor @t, checked to lie inside its region. */
static uint8_t *nnmem_ref_tensor(const struct nnmem_tensor *t,
				 struct nnmem_ref_region *regions,
				 uint32_t region_count, uint64_t *bytes)
{
	uint64_t n = nnmem_tensor_bytes(t);
	uint32_t i;

	if (!n)
		return NULL;
	for (i = 0; i < region_count; i++) {
		if (regions[i].handle != t->handle)
			continue;
		if (t->offset > regions[i].size ||
		    n > regions[i].size - t->offset)
			return NULL;
		if (bytes)
			*bytes = n;
		return regions[i].data + t->offset;
	}
	return NULL;
}

static int nnmem_ref_conv2d(const struct nnmem_conv2d *c,
			    const struct nnmem_tensor *tensors,
			    uint32_t tensor_count,
			    struct nnmem_ref_region *regions,
			    uint32_t region_count)
{
	const struct nnmem_tensor *in, *filt, *out;
	struct nnmem_conv2d_tensors t;
	struct nnmem_conv2d_params p;
	uint32_t idx[] = { c->input, c->filter, c->output, c->multiplier,
			   c->shift };
	unsigned int i;

	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		if (idx[i] >= tensor_count)
			return -EINVAL;
	if (c->bias != NNMEM_INDEX_NONE && c->bias >= tensor_count)
		return -EINVAL;
	in = &tensors[c->input];
	filt = &tensors[c->filter];
	out = &tensors[c->output];
	if (in->ndims != 4 || filt->ndims != 4 || out->ndims != 4)
		return -EINVAL;

	memset(&p, 0, sizeof(p));
	nnmem_conv2d_params_from_uapi(&p, c, in, filt, out);

	memset(&t, 0, sizeof(t));
	t.input = (const s8 *)nnmem_ref_tensor(in, regions, region_count,
						NULL);
	t.filter = (const s8 *)nnmem_ref_tensor(filt, regions, region_count,
						 NULL);
	t.output = (s8 *)nnmem_ref_tensor(out, regions, region_count, NULL);
	t.multiplier = (const s32 *)nnmem_ref_tensor(&tensors[c->multiplier],
						      regions, region_count,
						      NULL);
	t.shift = (const s32 *)nnmem_ref_tensor(&tensors[c->shift], regions,
						 region_count, NULL);
	if (c->bias != NNMEM_INDEX_NONE) {
		t.bias = (const s32 *)nnmem_ref_tensor(&tensors[c->bias],
							regions, region_count,
							NULL);
		if (!t.bias)
			return -EINVAL;
	}
	if (!t.input || !t.filter || !t.output || !t.multiplier || !t.shift)
		return -EINVAL;
	return nnmem_conv2d_run(&p, &t, 0, NULL, NULL);
}

static int nnmem_ref_add(const struct nnmem_add *a,
			 const struct nnmem_tensor *tensors,
			 uint32_t tensor_count,
			 struct nnmem_ref_region *regions,
			 uint32_t region_count)
{
	struct nnmem_add_params p;
	uint64_t n1, n2, no;
	uint8_t *x, *y, *o;

	if (a->input1 >= tensor_count || a->input2 >= tensor_count ||
	    a->output >= tensor_count)
		return -EINVAL;
	x = nnmem_ref_tensor(&tensors[a->input1], regions, region_count, &n1);
	y = nnmem_ref_tensor(&tensors[a->input2], regions, region_count, &n2);
	o = nnmem_ref_tensor(&tensors[a->output], regions, region_count, &no);
	if (!x || !y || !o || no != n1 || n1 > UINT32_MAX)
		return -EINVAL;

	memset(&p, 0, sizeof(p));
	p.input1_zero_point = tensors[a->input1].zero_point;
	p.input2_zero_point = tensors[a->input2].zero_point;
	p.output_zero_point = tensors[a->output].zero_point;
	p.left_shift = a->left_shift;
	p.input1_multiplier = a->input1_multiplier;
	p.input1_shift = a->input1_shift;
	p.input2_multiplier = a->input2_multiplier;
	p.input2_shift = a->input2_shift;
	p.output_multiplier = a->output_multiplier;
	p.output_shift = a->output_shift;
	p.act_min = a->act_min;
	p.act_max = a->act_max;
	return nnmem_add_run(&p, (const s8 *)x, (u32)n1, (const s8 *)y,
			     (u32)n2, (s8 *)o);
}

int nnmem_ref_run(const struct nnmem_tensor *tensors, uint32_t tensor_count,
		  const struct nnmem_node *nodes, uint32_t node_count,
		  struct nnmem_ref_region *regions, uint32_t region_count)
{
	uint32_t i, r;
	int err;

	for (i = 0; i < tensor_count; i++) {
		for (r = 0; r < region_count; r++)
			if (regions[r].handle == tensors[i].handle)
				break;
		if (r == region_count)
			return -ENOENT;
	}
	for (i = 0; i < node_count; i++) {
		switch (nodes[i].op) {
		case NNMEM_OP_CONV2D:
			err = nnmem_ref_conv2d(&nodes[i].conv2d, tensors,
					       tensor_count, regions,
					       region_count);
			break;
		case NNMEM_OP_ADD:
			err = nnmem_ref_add(&nodes[i].add, tensors,
					    tensor_count, regions,
					    region_count);
			break;
		default:
			err = -EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}
