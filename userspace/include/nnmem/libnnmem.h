/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libnnmem: a small C library over the nnmem uapi (<linux/nnmem.h>).
 *
 * Every function that can fail returns 0 (or a non-negative value) on
 * success and a negative errno on failure; errno is left alone.
 * nnmem_strerror() explains an error in nnmem's terms.
 */
#ifndef NNMEM_LIBNNMEM_H
#define NNMEM_LIBNNMEM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/nnmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open session on /dev/nnmemN. Opaque. */
struct nnmem_dev;

/* Open /dev/nnmem<index> into *devp. */
int nnmem_open(int index, struct nnmem_dev **devp);
/* Open the device node at @path into *devp. */
int nnmem_open_path(const char *path, struct nnmem_dev **devp);
/* Close the session; the driver frees every region it still owns. */
void nnmem_close(struct nnmem_dev *dev);
/* The session's file descriptor, for poll()/raw ioctls. */
int nnmem_fd(const struct nnmem_dev *dev);

int nnmem_info(struct nnmem_dev *dev, struct nnmem_info *info);
int nnmem_usage(struct nnmem_dev *dev, struct nnmem_usage *usage);

/*
 * Allocate @size bytes of @kind (NNMEM_KIND_*), aligned to @align (0 for
 * the default), with NNMEM_ALLOC_* @flags and an optional @label (NULL or
 * at most NNMEM_LABEL_LEN - 1 printable characters). On success stores the
 * handle and the arena offset (either pointer may be NULL).
 */
int nnmem_alloc(struct nnmem_dev *dev, uint64_t size, uint32_t align,
		uint32_t kind, uint32_t flags, const char *label,
		uint32_t *handle, uint64_t *offset);
int nnmem_free(struct nnmem_dev *dev, uint32_t handle);
int nnmem_region_info(struct nnmem_dev *dev, uint32_t handle,
		      struct nnmem_region_info *info);

/*
 * Map a NNMEM_ALLOC_MAPPABLE region read/write and shared. Stores the
 * address in *addrp and the mapping's length (the region's span) in *lenp.
 * The mapping stays valid after nnmem_free() and nnmem_close() until
 * nnmem_unmap().
 */
int nnmem_map(struct nnmem_dev *dev, uint32_t handle, void **addrp,
	      size_t *lenp);
int nnmem_unmap(void *addr, size_t len);

/*
 * Export a NNMEM_ALLOC_MAPPABLE region as a dma-buf, with NNMEM_EXPORT_*
 * @flags (NNMEM_EXPORT_RDWR for a writable one, NNMEM_EXPORT_CLOEXEC).
 * Returns the dma-buf's file descriptor (the caller closes it) or a
 * negative errno. The dma-buf keeps the region's space reserved after
 * nnmem_free() and nnmem_close() until it and its mappings are gone.
 */
int nnmem_export(struct nnmem_dev *dev, uint32_t handle, uint32_t flags);

/*
 * Compact the device's arena (NNMEM_IOCTL_COMPACT): slide the regions of
 * @kinds (NNMEM_COMPACT_WEIGHTS, NNMEM_COMPACT_ACTIVATIONS, 0 for both)
 * together; handles and mappings stay valid. @result (may be NULL) gets
 * what moved and the largest free extent afterwards. Returns 0 or a
 * negative errno.
 */
int nnmem_compact(struct nnmem_dev *dev, uint32_t kinds,
		  struct nnmem_compact *result);

/* Copy between user memory and a region, at @offset inside the region. */
int nnmem_write(struct nnmem_dev *dev, uint32_t handle, uint64_t offset,
		const void *buf, size_t len);
int nnmem_read(struct nnmem_dev *dev, uint32_t handle, uint64_t offset,
	       void *buf, size_t len);

/* ------------------------------------------------------------ graphs */

/*
 * Where and why the kernel rejected a graph (copied from struct
 * nnmem_graph_create); node/tensor are NNMEM_INDEX_NONE when not known.
 * tensor2 is the second tensor of NNMEM_GERR_TENSOR_LIVE (two tensors
 * sharing bytes while both are live), else NNMEM_INDEX_NONE.
 */
struct nnmem_graph_error {
	uint32_t reason;	/* enum nnmem_graph_err */
	uint32_t node;
	uint32_t tensor;
	uint32_t tensor2;
};

/* A message for each enum nnmem_graph_err value. */
const char *nnmem_graph_strerror(uint32_t reason);

/*
 * A graph under construction: growing arrays of tensors and nodes in the
 * uapi layout. Zero-initialise it (or call nnmem_graph_builder_init()),
 * add tensors and nodes, pass it to nnmem_graph_create_built(), and
 * release it with nnmem_graph_builder_fini().
 */
struct nnmem_graph_builder {
	struct nnmem_tensor *tensors;
	struct nnmem_node *nodes;
	uint32_t tensor_count;
	uint32_t node_count;
	uint32_t tensor_cap;
	uint32_t node_cap;
};

void nnmem_graph_builder_init(struct nnmem_graph_builder *b);
void nnmem_graph_builder_fini(struct nnmem_graph_builder *b);

/*
 * Append a tensor: @ndims dims from @dims (outermost first) of
 * NNMEM_TYPE_* @type at @offset in region @handle. Returns its index
 * (>= 0) or a negative errno.
 */
int nnmem_graph_tensor_add(struct nnmem_graph_builder *b, uint32_t handle,
			   uint64_t offset, uint32_t type, int32_t zero_point,
			   uint32_t ndims, const uint32_t *dims);
/* Append a node as given (op, flags and parameters); returns its index. */
int nnmem_graph_node_add(struct nnmem_graph_builder *b,
			 const struct nnmem_node *node);
/*
 * Append a node of one op with the given parameters (the rest of the
 * node zeroed); returns its index or a negative errno. avg_pool2d and
 * max_pool2d share struct nnmem_pool2d.
 */
int nnmem_graph_conv2d_add(struct nnmem_graph_builder *b,
			   const struct nnmem_conv2d *conv);
int nnmem_graph_add_add(struct nnmem_graph_builder *b,
			const struct nnmem_add *add);
int nnmem_graph_fully_connected_add(struct nnmem_graph_builder *b,
				    const struct nnmem_fully_connected *fc);
int nnmem_graph_avg_pool2d_add(struct nnmem_graph_builder *b,
			       const struct nnmem_pool2d *pool);
int nnmem_graph_max_pool2d_add(struct nnmem_graph_builder *b,
			       const struct nnmem_pool2d *pool);
int nnmem_graph_softmax_add(struct nnmem_graph_builder *b,
			    const struct nnmem_softmax *softmax);

/*
 * Validate and create a graph from raw arrays. On success stores the graph
 * handle. On -EINVAL stores the kernel's reason/node/tensor in *@err (if
 * not NULL); on success or any other error *@err says NNMEM_GERR_NONE.
 */
int nnmem_graph_create(struct nnmem_dev *dev,
		       const struct nnmem_tensor *tensors, uint32_t tensor_count,
		       const struct nnmem_node *nodes, uint32_t node_count,
		       uint32_t *graph, struct nnmem_graph_error *err);
/*
 * nnmem_graph_create() with NNMEM_GRAPH_* @flags (e.g. the shared scratch
 * area for device-placed tensors); stores the bytes the device planned for
 * those tensors in *@scratch_size (if not NULL).
 */
int nnmem_graph_create_flags(struct nnmem_dev *dev,
			     const struct nnmem_tensor *tensors,
			     uint32_t tensor_count,
			     const struct nnmem_node *nodes,
			     uint32_t node_count, uint32_t flags,
			     uint32_t *graph, uint64_t *scratch_size,
			     struct nnmem_graph_error *err);
int nnmem_graph_create_built(struct nnmem_dev *dev,
			     const struct nnmem_graph_builder *b,
			     uint32_t *graph, struct nnmem_graph_error *err);
int nnmem_graph_destroy(struct nnmem_dev *dev, uint32_t graph);

/*
 * Run @graph and wait for it. Returns the job's result (0 or a negative
 * errno such as -ECANCELED or -EINTR); stores the execution time and the
 * multiply-accumulates executed when the pointers are not NULL.
 */
int nnmem_graph_run(struct nnmem_dev *dev, uint32_t graph,
		    uint64_t *duration_ns, uint64_t *macs);
/* Queue @graph and store its job id in *@job without waiting. */
int nnmem_graph_submit(struct nnmem_dev *dev, uint32_t graph, uint64_t *job);

/* What a reaped job reports. */
struct nnmem_job_result {
	int32_t status;		/* 0, -ECANCELED or the error the job met */
	uint64_t duration_ns;
	uint64_t macs;
};

/*
 * Wait for @job until the absolute CLOCK_MONOTONIC @deadline_ns (0: do not
 * block, NNMEM_WAIT_FOREVER: never give up) and reap it. Returns 0 when
 * the job was reaped (its outcome in *@res), -ETIME when it has not
 * finished by the deadline, -EINTR on a signal, -ENOENT for an unknown
 * job. @node_times (may be NULL) receives up to @node_count per-node times.
 */
int nnmem_job_wait(struct nnmem_dev *dev, uint64_t job, uint64_t deadline_ns,
		   uint64_t *node_times, uint32_t node_count,
		   struct nnmem_job_result *res);
/* The same with a deadline @timeout_ms from now (negative: forever). */
int nnmem_job_wait_timeout(struct nnmem_dev *dev, uint64_t job,
			   int64_t timeout_ms, uint64_t *node_times,
			   uint32_t node_count, struct nnmem_job_result *res);
/* 0, -EALREADY when the job had finished, -ENOENT for an unknown job. */
int nnmem_job_cancel(struct nnmem_dev *dev, uint64_t job);
/*
 * The fd to poll(): POLLIN while the session has a finished, unreaped job.
 */
int nnmem_poll_fd(const struct nnmem_dev *dev);
/* CLOCK_MONOTONIC now, in ns (the clock of nnmem_job_wait() deadlines). */
uint64_t nnmem_now_ns(void);

/* --------------------------------------------------- shape helpers */

/*
 * Output size of one conv2d spatial dimension with explicit padding, or 0
 * if the dilated kernel does not fit (or an argument is 0, or the padded
 * input exceeds 2^32 - 1).
 */
uint32_t nnmem_conv2d_out_dim(uint32_t in, uint32_t k, uint32_t stride,
			      uint32_t dilation, uint32_t pad_before,
			      uint32_t pad_after);

/* TensorFlow Lite's padding schemes. */
enum nnmem_padding {
	NNMEM_PADDING_VALID,
	NNMEM_PADDING_SAME,
};

/*
 * TFLite padding of one dimension: SAME gives out = ceil(in / stride) and
 * total = max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0), split
 * with total / 2 before and the rest after; VALID gives
 * out = ceil((in - (k - 1) * dilation) / stride) and no padding.
 * Returns 0, or -EINVAL for a zero argument or a VALID kernel larger than
 * the input.
 */
int nnmem_padding_get(enum nnmem_padding scheme, uint32_t in, uint32_t k,
		      uint32_t stride, uint32_t dilation, uint32_t *out,
		      uint32_t *pad_before, uint32_t *pad_after);

/*
 * Fill conv->pad_* for @scheme from the input's [N, H, W, C] dims and the
 * filter's [O, KH, KW, I] dims (strides and dilations already set), and
 * store the output dims [N, OH, OW, O] in @out_dims. Returns 0 or -EINVAL.
 */
int nnmem_conv2d_padding_set(struct nnmem_conv2d *conv,
			     enum nnmem_padding scheme,
			     const uint32_t in_dims[4],
			     const uint32_t filter_dims[4],
			     uint32_t out_dims[4]);
/* The output dims [N, OH, OW, O] of @conv with its explicit padding. */
int nnmem_conv2d_out_dims(const struct nnmem_conv2d *conv,
			  const uint32_t in_dims[4],
			  const uint32_t filter_dims[4], uint32_t out_dims[4]);
/* Multiply-accumulates of a conv: N * OH * OW * O * KH * KW * (C / groups). */
uint64_t nnmem_conv2d_macs(const struct nnmem_conv2d *conv,
			   const uint32_t in_dims[4],
			   const uint32_t filter_dims[4]);
/*
 * Bytes of a tensor (elements times element size), 0 if invalid: unknown
 * type, ndims not 1..4, a zero dim, or more elements than the device
 * accepts (2^31 - 1).
 */
uint64_t nnmem_tensor_bytes(const struct nnmem_tensor *t);

/* "weight", "activation" or "?" */
const char *nnmem_kind_name(uint32_t kind);
/*
 * "conv2d", "add", "fully_connected", "avg_pool2d", "max_pool2d",
 * "softmax" for the NNMEM_OP_* values, "?" for any other.
 */
const char *nnmem_op_name(uint32_t op);

/* Describe a negative errno returned by this library in nnmem's terms. */
const char *nnmem_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* NNMEM_LIBNNMEM_H */
