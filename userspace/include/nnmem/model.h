/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem models: a graph described in JSON (regions, tensors with their
 * initial data, nodes, outputs), loaded onto a device and run there, plus
 * the host side: the same graph checked and run by the driver's own
 * portable validator, executor and kernels (driver/nnmem_graphval.c,
 * nnmem_exec.c, nnmem_kernels.c), no device needed.
 *
 * Built into libnnmem_model.a (GPL-2.0, needs json-c); libnnmem itself
 * stays free of both.
 */
#ifndef NNMEM_MODEL_H
#define NNMEM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nnmem/libnnmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------ host graphs */

/* Host memory standing in for one region of a graph. */
struct nnmem_ref_region {
	uint32_t handle;	/* the handle the graph's tensors name */
	uint32_t kind;		/* NNMEM_KIND_* (0: any, as the tensors need) */
	uint8_t *data;
	uint64_t size;
};

/*
 * The driver's own validator (driver/nnmem_graphval.c) over host regions,
 * no device needed: 0, or -EINVAL with *@err saying why (reason, node,
 * tensor), as NNMEM_IOCTL_GRAPH_CREATE would with the default module
 * parameters (max_graph_macs 2^36). @err may be NULL.
 * The regions lie in a virtual arena in the order given, each at a
 * multiple of 64 bytes (the device's default alignment). A region of kind
 * 0 takes the kind its first use needs. A tensor naming no region is
 * NNMEM_GERR_TENSOR_HANDLE. Two regions with one handle, or a NULL array
 * with a nonzero count, give -EINVAL with reason NNMEM_GERR_NONE; -ENOMEM.
 * @data is not looked at.
 */
int nnmem_host_check(const struct nnmem_tensor *tensors, uint32_t tensor_count,
		     const struct nnmem_node *nodes, uint32_t node_count,
		     const struct nnmem_ref_region *regions,
		     uint32_t region_count, struct nnmem_graph_error *err);

/*
 * nnmem_host_check(), then the driver's portable executor
 * (driver/nnmem_exec.c) over the regions' host memory: the same plan and
 * kernels as a device job, so the same bytes. Conv2d and fully connected
 * nodes run on the CPU's best kernel path (see "DOC: nnmem kernel paths"
 * in <linux/nnmem.h>; every path gives the same bytes). Returns 0, an
 * error of nnmem_host_check() (nothing written), -EINVAL for a region with
 * a size but no data, or the error the run met (-ERANGE: a shift value
 * outside [-31, 30]; the nodes before it wrote their outputs, as on a
 * device).
 */
int nnmem_host_run(const struct nnmem_tensor *tensors, uint32_t tensor_count,
		   const struct nnmem_node *nodes, uint32_t node_count,
		   struct nnmem_ref_region *regions, uint32_t region_count,
		   struct nnmem_graph_error *err);

/* nnmem_host_run()'s path argument: the best one this CPU has. */
#define NNMEM_HOST_PATH_BEST	(-1)

/*
 * nnmem_host_run() on a given kernel path: NNMEM_HOST_PATH_BEST, or an
 * NNMEM_PATH_* (NNMEM_PATH_REFERENCE: the reference kernels for every
 * node). -EOPNOTSUPP for a path this CPU or build lacks.
 */
int nnmem_host_run_path(const struct nnmem_tensor *tensors,
			uint32_t tensor_count, const struct nnmem_node *nodes,
			uint32_t node_count, struct nnmem_ref_region *regions,
			uint32_t region_count, int path,
			struct nnmem_graph_error *err);

/*
 * The generator of a JSON "fill": {"lcg": SEED, ...}: advances *@state
 * and returns 31 random bits.
 */
uint64_t nnmem_lcg_next(uint64_t *state);

/* ------------------------------------------------------- JSON models */

struct nnmem_model_region {
	char *name;
	uint32_t kind;		/* NNMEM_KIND_* */
	uint32_t align;
	uint32_t flags;		/* NNMEM_ALLOC_* */
	uint64_t size;
	uint8_t *image;		/* initial contents, @size bytes */
	uint32_t handle;	/* on the device, once allocated */
	bool allocated;
	struct nnmem_region_info info;
};

struct nnmem_model_tensor {
	char *name;
	uint32_t region;	/* index into nnmem_model.regions */
	uint64_t bytes;
};

struct nnmem_model_output {
	uint32_t tensor;
	char *file;
};

/* Alignment of every activation tensor nnmem_model_plan() places. */
#define NNMEM_MODEL_PLAN_ALIGN	16U

/* One activation tensor of a planned model. */
struct nnmem_model_plan_buf {
	uint32_t tensor;	/* index into nnmem_model.mtensors */
	uint32_t first;		/* first node step it is live */
	uint32_t last;		/* last node step it is live (inclusive) */
	uint64_t offset;	/* in the activation region */
	uint64_t bytes;		/* its size (not rounded) */
};

/* What nnmem_model_plan() did. */
struct nnmem_model_plan {
	uint64_t activation_bytes;	/* the plan's footprint: the region */
	uint64_t bound;		/* most bytes (rounded) live at one step */
	uint64_t unplanned_bytes;	/* the activation regions' sizes before */
	uint32_t unplanned_regions;	/* ... and their number */
	uint32_t steps;		/* node steps, 0 .. steps - 1 */
	uint32_t region;	/* index of the activation region */
	uint32_t buf_count;	/* entries of @bufs */
	struct nnmem_model_plan_buf *bufs;	/* in tensor order */
};

struct nnmem_model {
	struct nnmem_model_region *regions;
	struct nnmem_model_tensor *mtensors;
	struct nnmem_tensor *tensors;	/* uapi layout, handles once allocated */
	struct nnmem_node *nodes;
	char **node_names;
	struct nnmem_model_output *outputs;
	uint32_t region_count;
	uint32_t tensor_count;
	uint32_t node_count;
	uint32_t output_count;
	uint32_t graph;
	bool graph_created;
	struct nnmem_model_plan *plan;	/* NULL until nnmem_model_plan() */
};

/*
 * Parse a model from JSON @text; "file" paths are relative to @dir (NULL:
 * the current directory). On failure returns a negative errno and leaves
 * a message in @msg.
 */
int nnmem_model_parse(const char *text, const char *dir,
		      struct nnmem_model **modelp, char *msg, size_t msg_len);
/* The same from the file at @path, "file" paths relative to its folder. */
int nnmem_model_load(const char *path, struct nnmem_model **modelp,
		     char *msg, size_t msg_len);
/* Free the host side; call nnmem_model_release() first if on a device. */
void nnmem_model_free(struct nnmem_model *m);

/*
 * Place every activation tensor by its lifetime, before nnmem_model_alloc():
 * the model's activation regions become one region named "activations"
 * (where the first of them was; the largest align and the union of the
 * flags of all of them), as large as the liveness planner's footprint
 * (driver/nnmem_planner.c, %NNMEM_MODEL_PLAN_ALIGN), each activation tensor
 * at its planned offset in it. A tensor is live from the node writing it
 * (step 0 if none: a graph input) to the last node reading it (the last
 * step if none: a graph output), the rule of the driver validator's
 * TENSOR_LIVE check; a tensor no node uses is live throughout. Tensors
 * live at the same time never share a byte; others may, so a node's output
 * may be overwritten by a later node. Initial data of tensors no node
 * writes (graph inputs) is kept. On success m->plan says what was done.
 * Returns 0; -EBUSY if allocated or already planned, -EINVAL for an
 * unknown op or a tensor index out of range (with @msg), -E2BIG for more
 * than %NNMEM_PLANNER_MAX_BUFS activation tensors, -ENOMEM.
 */
int nnmem_model_plan(struct nnmem_model *m, char *msg, size_t msg_len);

/* Index of the tensor named @name, or -ENOENT. */
int nnmem_model_tensor_find(const struct nnmem_model *m, const char *name);

/*
 * Allocate every region in file order (so weights go bottom-up and
 * activations top-down), label it with its name and write its initial
 * image. On failure everything allocated is freed again; @msg says what
 * failed.
 */
int nnmem_model_alloc(struct nnmem_dev *dev, struct nnmem_model *m,
		      char *msg, size_t msg_len);
/* Create the graph; on -EINVAL *@err has the validator's verdict. */
int nnmem_model_graph_create(struct nnmem_dev *dev, struct nnmem_model *m,
			     struct nnmem_graph_error *err);
/* Destroy the graph (if created) and free the regions (if allocated). */
int nnmem_model_release(struct nnmem_dev *dev, struct nnmem_model *m);

/*
 * Run the model on the host (nnmem_host_run()): fills @images[r] (each
 * regions[r].size bytes, allocated here, free with
 * nnmem_model_images_free()) with every region's contents afterwards.
 * Returns 0 or an error of nnmem_host_run() (-EINVAL for a graph the
 * validator rejects: nnmem_model_check() says why).
 */
int nnmem_model_reference(const struct nnmem_model *m, uint8_t ***imagesp);
/*
 * Validate the model's graph with the driver's validator, no device:
 * 0, or -EINVAL with *@err filled (see nnmem_host_check()).
 */
int nnmem_model_check(const struct nnmem_model *m,
		      struct nnmem_graph_error *err);
/* Read every region back from the device into new images. */
int nnmem_model_read(struct nnmem_dev *dev, const struct nnmem_model *m,
		     uint8_t ***imagesp);
void nnmem_model_images_free(const struct nnmem_model *m, uint8_t **images);

/* The bytes of tensor @t inside a set of region images. */
const uint8_t *nnmem_model_tensor_data(const struct nnmem_model *m,
				       uint8_t **images, uint32_t t);


#ifdef __cplusplus
}
#endif

#endif /* NNMEM_MODEL_H */
