// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem graphs on the host, no device needed: the driver's own validator
 * (driver/nnmem_graphval.c) and executor (driver/nnmem_exec.c) over host
 * memory standing in for the regions. A graph the device would reject is
 * rejected here with the same reason, node and tensor; a graph it accepts
 * runs through the same plan and kernels as a device job.
 *
 * The regions are laid out in a virtual arena, in the order given, each at
 * the next offset that is a multiple of NNMEM_HOST_REGION_ALIGN (the
 * device's default alignment), so that the validator's bounds, int32
 * alignment and overlap checks see what they see on a device. A run copies
 * the regions into one buffer laid out that way, runs the plan over it and
 * copies them back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nnmem/model.h>

#include "nnmem_exec.h"
#include "nnmem_graphval.h"

/* Offset alignment of the regions in the virtual arena. */
#define NNMEM_HOST_REGION_ALIGN	64

/* Knuth's MMIX LCG; 31 bits of each step. */
uint64_t nnmem_lcg_next(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

/* A checked graph: its plan and where each region lies in the arena. */
struct nnmem_host_graph {
	struct nnmem_plan_node *plan;
	uint64_t *offset;	/* per region */
	uint64_t arena_size;
};

static void nnmem_host_graph_fini(struct nnmem_host_graph *hg)
{
	free(hg->plan);
	free(hg->offset);
}

/* Index of the region named @handle, or -1. */
static int64_t nnmem_host_region(const struct nnmem_ref_region *regions,
				 uint32_t region_count, uint32_t handle)
{
	uint32_t r;

	for (r = 0; r < region_count; r++)
		if (regions[r].handle == handle)
			return r;
	return -1;
}

/*
 * The kind of every region: its own, or for kind 0 the kind its first use
 * needs (nodes in order, operands in the order the validator checks them),
 * as if it had been allocated so; an unused one is an activation region.
 */
static void nnmem_host_kinds(const struct nnmem_tensor *tensors,
			     uint32_t tensor_count,
			     const struct nnmem_node *nodes, uint32_t node_count,
			     const struct nnmem_ref_region *regions,
			     uint32_t region_count, uint32_t *kind)
{
	const uint32_t W = NNMEM_KIND_WEIGHT, A = NNMEM_KIND_ACTIVATION;
	uint32_t i, k, idx[6], need[6], n;
	int64_t r;

	for (i = 0; i < region_count; i++)
		kind[i] = regions[i].kind;
	for (i = 0; i < node_count; i++) {
		const struct nnmem_node *nd = &nodes[i];

		if (nd->op == NNMEM_OP_CONV2D) {
			const struct nnmem_conv2d *c = &nd->conv2d;
			const uint32_t ci[6] = { c->input, c->filter, c->bias,
						 c->output, c->multiplier,
						 c->shift };
			const uint32_t cn[6] = { A, W, W, A, W, W };

			memcpy(idx, ci, sizeof(idx));
			memcpy(need, cn, sizeof(need));
			n = 6;
		} else if (nd->op == NNMEM_OP_ADD) {
			idx[0] = nd->add.input1;
			idx[1] = nd->add.input2;
			idx[2] = nd->add.output;
			need[0] = need[1] = need[2] = A;
			n = 3;
		} else if (nd->op == NNMEM_OP_FULLY_CONNECTED) {
			const struct nnmem_fully_connected *c =
				&nd->fully_connected;
			const uint32_t ci[6] = { c->input, c->filter, c->bias,
						 c->output, c->multiplier,
						 c->shift };
			const uint32_t cn[6] = { A, W, W, A, W, W };

			memcpy(idx, ci, sizeof(idx));
			memcpy(need, cn, sizeof(need));
			n = 6;
		} else if (nd->op == NNMEM_OP_AVG_POOL2D ||
			   nd->op == NNMEM_OP_MAX_POOL2D) {
			idx[0] = nd->pool2d.input;
			idx[1] = nd->pool2d.output;
			need[0] = need[1] = A;
			n = 2;
		} else if (nd->op == NNMEM_OP_SOFTMAX) {
			idx[0] = nd->softmax.input;
			idx[1] = nd->softmax.output;
			need[0] = need[1] = A;
			n = 2;
		} else {
			continue;
		}
		for (k = 0; k < n; k++) {
			/* bad indices and an absent bias: the validator's */
			if (idx[k] >= tensor_count)
				continue;
			r = nnmem_host_region(regions, region_count,
					      tensors[idx[k]].handle);
			if (r >= 0 && !kind[r])
				kind[r] = need[k];
		}
	}
	for (i = 0; i < region_count; i++)
		if (!kind[i])
			kind[i] = A;
}

/*
 * Lays the regions out, runs the validator and keeps the plan in @hg.
 * Return: 0, -EINVAL (*@gerr says why; reason NONE for bad arguments),
 * -ENOMEM.
 */
static int nnmem_host_graph_check(const struct nnmem_tensor *tensors,
				  uint32_t tensor_count,
				  const struct nnmem_node *nodes,
				  uint32_t node_count,
				  const struct nnmem_ref_region *regions,
				  uint32_t region_count,
				  struct nnmem_host_graph *hg,
				  struct nnmem_graphval_err *gerr)
{
	const struct nnmem_graphval_limits limits = {
		.max_tensors = NNMEM_GRAPH_MAX_TENSORS,
		.max_nodes = NNMEM_GRAPH_MAX_NODES,
		.max_macs = NNMEM_GRAPH_MAX_MACS_DEFAULT,
	};
	struct nnmem_graphval_region *facts = NULL;
	uint32_t *kind = NULL, i;
	void *scratch = NULL;
	uint64_t end = 0;
	int64_t r;
	int ret;

	memset(hg, 0, sizeof(*hg));
	gerr->reason = NNMEM_GERR_NONE;
	gerr->node = NNMEM_INDEX_NONE;
	gerr->tensor = NNMEM_INDEX_NONE;
	if ((tensor_count && !tensors) || (node_count && !nodes) ||
	    (region_count && !regions))
		return -EINVAL;
	/* two regions with one handle: which would a tensor name? */
	for (i = 0; i < region_count; i++)
		if (nnmem_host_region(regions, i, regions[i].handle) >= 0)
			return -EINVAL;
	/* the counts first, before sizing anything by them */
	if (!tensor_count || tensor_count > limits.max_tensors ||
	    !node_count || node_count > limits.max_nodes)
		return nnmem_graphval_check(tensors, tensor_count, nodes,
					    node_count, NULL, &limits, NULL,
					    NULL, gerr);

	ret = -ENOMEM;
	hg->offset = calloc(region_count ? region_count : 1,
			    sizeof(*hg->offset));
	kind = calloc(region_count ? region_count : 1, sizeof(*kind));
	hg->plan = calloc(node_count, sizeof(*hg->plan));
	facts = calloc(tensor_count, sizeof(*facts));
	scratch = malloc(nnmem_graphval_scratch_size(tensor_count));
	if (!hg->offset || !kind || !hg->plan || !facts || !scratch)
		goto out;

	for (i = 0; i < region_count; i++) {
		end = (end + NNMEM_HOST_REGION_ALIGN - 1) &
		      ~(uint64_t)(NNMEM_HOST_REGION_ALIGN - 1);
		hg->offset[i] = end;
		if (regions[i].size > UINT64_MAX - NNMEM_HOST_REGION_ALIGN -
				      end) {
			ret = -EINVAL;
			goto out;
		}
		end += regions[i].size;
	}
	hg->arena_size = end;
	nnmem_host_kinds(tensors, tensor_count, nodes, node_count, regions,
			 region_count, kind);
	for (i = 0; i < tensor_count; i++) {
		r = nnmem_host_region(regions, region_count,
				      tensors[i].handle);
		if (r < 0)
			continue;	/* present stays false: TENSOR_HANDLE */
		facts[i].present = true;
		facts[i].kind = kind[r];
		facts[i].size = regions[r].size;
		facts[i].arena_offset = hg->offset[r];
	}
	ret = nnmem_graphval_check(tensors, tensor_count, nodes, node_count,
				   facts, &limits, scratch, hg->plan, gerr);
out:
	free(scratch);
	free(facts);
	free(kind);
	if (ret)
		nnmem_host_graph_fini(hg);
	return ret;
}

static void nnmem_host_err(struct nnmem_graph_error *err,
			   const struct nnmem_graphval_err *gerr)
{
	if (!err)
		return;
	err->reason = gerr->reason;
	err->node = gerr->node;
	err->tensor = gerr->tensor;
	err->tensor2 = gerr->tensor2;
}

int nnmem_host_check(const struct nnmem_tensor *tensors, uint32_t tensor_count,
		     const struct nnmem_node *nodes, uint32_t node_count,
		     const struct nnmem_ref_region *regions,
		     uint32_t region_count, struct nnmem_graph_error *err)
{
	struct nnmem_graphval_err gerr;
	struct nnmem_host_graph hg;
	int ret;

	ret = nnmem_host_graph_check(tensors, tensor_count, nodes, node_count,
				     regions, region_count, &hg, &gerr);
	nnmem_host_err(err, &gerr);
	if (!ret)
		nnmem_host_graph_fini(&hg);
	return ret;
}

static u64 nnmem_host_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* The fast paths of @hg's plan at @path, their weights packed from @arena. */
static int nnmem_host_fast(const struct nnmem_host_graph *hg,
			   uint32_t node_count, int path, const void *arena,
			   struct nnmem_exec_fast **fastp, void **packedp)
{
	struct nnmem_exec_fast *fast;
	void *packed = NULL;
	u64 bytes;

	*fastp = NULL;
	*packedp = NULL;
	if (path == NNMEM_PATH_REFERENCE)
		return 0;
	if (path != NNMEM_HOST_PATH_BEST &&
	    (path < 0 || path >= NNMEM_PATH_COUNT ||
	     !(nnmem_fast_cpu_levels() & (1U << path))))
		return -EOPNOTSUPP;
	fast = calloc(node_count, sizeof(*fast));
	if (!fast)
		return -ENOMEM;
	/* no progress hook: nnmem_fast_run() cuts chunks of its default */
	bytes = nnmem_exec_fast_plan(hg->plan, node_count, path,
				     NNMEM_FAST_CHUNK_DEFAULT, fast);
	if (bytes) {
		packed = aligned_alloc(NNMEM_FAST_ALIGN, bytes);
		if (!packed) {
			free(fast);
			return -ENOMEM;
		}
		nnmem_exec_fast_pack(arena, hg->plan, node_count, fast, packed,
				     NULL);
	}
	*fastp = fast;
	*packedp = packed;
	return 0;
}

int nnmem_host_run_path(const struct nnmem_tensor *tensors,
			uint32_t tensor_count, const struct nnmem_node *nodes,
			uint32_t node_count, struct nnmem_ref_region *regions,
			uint32_t region_count, int path,
			struct nnmem_graph_error *err)
{
	struct nnmem_exec_hooks hooks = { .now_ns = nnmem_host_now };
	struct nnmem_exec_fast *fast = NULL;
	struct nnmem_graphval_err gerr;
	struct nnmem_exec_result res;
	struct nnmem_host_graph hg;
	void *packed = NULL;
	uint8_t *arena;
	uint32_t i;
	int ret;

	ret = nnmem_host_graph_check(tensors, tensor_count, nodes, node_count,
				     regions, region_count, &hg, &gerr);
	nnmem_host_err(err, &gerr);
	if (ret)
		return ret;
	ret = -EINVAL;
	for (i = 0; i < region_count; i++)
		if (regions[i].size && !regions[i].data)
			goto out;
	ret = -ENOMEM;
	if (hg.arena_size > SIZE_MAX)
		goto out;
	arena = malloc(hg.arena_size ? hg.arena_size : 1);
	if (!arena)
		goto out;
	for (i = 0; i < region_count; i++)
		if (regions[i].size)
			memcpy(arena + hg.offset[i], regions[i].data,
			       regions[i].size);
	ret = nnmem_host_fast(&hg, node_count, path, arena, &fast, &packed);
	if (ret)
		goto out_free;
	hooks.fast = fast;
	hooks.packed = packed;
	ret = nnmem_exec_run(arena, hg.plan, node_count, &hooks, NULL, &res);
	/* a failed run leaves what it wrote, as on a device */
	for (i = 0; i < region_count; i++)
		if (regions[i].size)
			memcpy(regions[i].data, arena + hg.offset[i],
			       regions[i].size);
out_free:
	free(packed);
	free(fast);
	free(arena);
out:
	nnmem_host_graph_fini(&hg);
	return ret;
}

int nnmem_host_run(const struct nnmem_tensor *tensors, uint32_t tensor_count,
		   const struct nnmem_node *nodes, uint32_t node_count,
		   struct nnmem_ref_region *regions, uint32_t region_count,
		   struct nnmem_graph_error *err)
{
	return nnmem_host_run_path(tensors, tensor_count, nodes, node_count,
				   regions, region_count, NNMEM_HOST_PATH_BEST,
				   err);
}
