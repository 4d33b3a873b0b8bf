// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libnnmem: thin wrappers over the nnmem ioctls, returning negative errnos.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <nnmem/libnnmem.h>

/* The driver's shape arithmetic (GPL-2.0 OR MIT): one definition of it. */
#include "nnmem_shape.h"

struct nnmem_dev {
	int fd;
};

static int nnmem_ioctl(struct nnmem_dev *dev, unsigned long cmd, void *arg)
{
	if (!dev)
		return -EBADF;
	if (ioctl(dev->fd, cmd, arg) < 0)
		return -errno;
	return 0;
}

int nnmem_open_path(const char *path, struct nnmem_dev **devp)
{
	struct nnmem_dev *dev;
	int err;

	if (!path || !devp)
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		err = -errno;
		free(dev);
		return err;
	}
	*devp = dev;
	return 0;
}

int nnmem_open(int index, struct nnmem_dev **devp)
{
	char path[32];

	if (index < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/nnmem%d", index);
	return nnmem_open_path(path, devp);
}

void nnmem_close(struct nnmem_dev *dev)
{
	if (!dev)
		return;
	close(dev->fd);
	free(dev);
}

int nnmem_fd(const struct nnmem_dev *dev)
{
	return dev ? dev->fd : -EBADF;
}

int nnmem_info(struct nnmem_dev *dev, struct nnmem_info *info)
{
	memset(info, 0, sizeof(*info));
	return nnmem_ioctl(dev, NNMEM_IOCTL_INFO, info);
}

int nnmem_usage(struct nnmem_dev *dev, struct nnmem_usage *usage)
{
	memset(usage, 0, sizeof(*usage));
	return nnmem_ioctl(dev, NNMEM_IOCTL_USAGE, usage);
}

int nnmem_alloc(struct nnmem_dev *dev, uint64_t size, uint32_t align,
		uint32_t kind, uint32_t flags, const char *label,
		uint32_t *handle, uint64_t *offset)
{
	struct nnmem_alloc req;
	int err;

	memset(&req, 0, sizeof(req));
	req.size = size;
	req.align = align;
	req.kind = kind;
	req.flags = flags;
	if (label) {
		size_t len = strlen(label);

		if (len >= NNMEM_LABEL_LEN)
			return -ENAMETOOLONG;
		memcpy(req.label, label, len);
	}
	err = nnmem_ioctl(dev, NNMEM_IOCTL_ALLOC, &req);
	if (err)
		return err;
	if (handle)
		*handle = req.handle;
	if (offset)
		*offset = req.offset;
	return 0;
}

int nnmem_free(struct nnmem_dev *dev, uint32_t handle)
{
	struct nnmem_free req = { .handle = handle };

	return nnmem_ioctl(dev, NNMEM_IOCTL_FREE, &req);
}

int nnmem_export(struct nnmem_dev *dev, uint32_t handle, uint32_t flags)
{
	struct nnmem_export req = { .handle = handle, .flags = flags };
	int err;

	err = nnmem_ioctl(dev, NNMEM_IOCTL_EXPORT, &req);
	if (err)
		return err;
	return req.fd;
}

int nnmem_compact(struct nnmem_dev *dev, uint32_t kinds,
		  struct nnmem_compact *result)
{
	struct nnmem_compact req = { .kinds = kinds };
	int err;

	err = nnmem_ioctl(dev, NNMEM_IOCTL_COMPACT, &req);
	if (!err && result)
		*result = req;
	return err;
}

int nnmem_region_info(struct nnmem_dev *dev, uint32_t handle,
		      struct nnmem_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return nnmem_ioctl(dev, NNMEM_IOCTL_REGION_INFO, info);
}

int nnmem_map(struct nnmem_dev *dev, uint32_t handle, void **addrp,
	      size_t *lenp)
{
	struct nnmem_region_info ri;
	void *addr;
	int err;

	err = nnmem_region_info(dev, handle, &ri);
	if (err)
		return err;
	if (!(ri.alloc_flags & NNMEM_ALLOC_MAPPABLE) || !ri.mmap_offset)
		return -EACCES;
	addr = mmap(NULL, ri.span, PROT_READ | PROT_WRITE, MAP_SHARED,
		    dev->fd, (off_t)ri.mmap_offset);
	if (addr == MAP_FAILED)
		return -errno;
	*addrp = addr;
	if (lenp)
		*lenp = ri.span;
	return 0;
}

int nnmem_unmap(void *addr, size_t len)
{
	if (munmap(addr, len) < 0)
		return -errno;
	return 0;
}

static int nnmem_rw(struct nnmem_dev *dev, unsigned long cmd, uint32_t handle,
		    uint64_t offset, const void *buf, size_t len)
{
	struct nnmem_rw req;

	memset(&req, 0, sizeof(req));
	req.handle = handle;
	req.offset = offset;
	req.length = len;
	req.data = (uint64_t)(uintptr_t)buf;
	return nnmem_ioctl(dev, cmd, &req);
}

int nnmem_write(struct nnmem_dev *dev, uint32_t handle, uint64_t offset,
		const void *buf, size_t len)
{
	return nnmem_rw(dev, NNMEM_IOCTL_WRITE, handle, offset, buf, len);
}

int nnmem_read(struct nnmem_dev *dev, uint32_t handle, uint64_t offset,
	       void *buf, size_t len)
{
	return nnmem_rw(dev, NNMEM_IOCTL_READ, handle, offset, buf, len);
}

/* ------------------------------------------------------------ graphs */

const char *nnmem_graph_strerror(uint32_t reason)
{
	switch (reason) {
	case NNMEM_GERR_NONE:
		return "no error";
	case NNMEM_GERR_COUNT:
		return "no nodes, or too many tensors or nodes";
	case NNMEM_GERR_ELEM_SIZE:
		return "tensor or node element size smaller than its first version";
	case NNMEM_GERR_TENSOR_RESERVED:
		return "tensor flags, padding or dims past ndims not zero";
	case NNMEM_GERR_TENSOR_HANDLE:
		return "tensor names no region of this session";
	case NNMEM_GERR_TENSOR_TYPE:
		return "tensor type unknown or wrong for its use";
	case NNMEM_GERR_TENSOR_DIMS:
		return "tensor ndims out of range or a dim is zero";
	case NNMEM_GERR_TENSOR_SIZE:
		return "tensor element count too large";
	case NNMEM_GERR_TENSOR_BOUNDS:
		return "tensor data not inside its region";
	case NNMEM_GERR_TENSOR_KIND:
		return "tensor in the wrong kind of region (weight/activation)";
	case NNMEM_GERR_TENSOR_ZERO_POINT:
		return "tensor zero point out of range or not allowed";
	case NNMEM_GERR_NODE_OP:
		return "unknown node op";
	case NNMEM_GERR_NODE_RESERVED:
		return "node flags, padding or parameter tail not zero";
	case NNMEM_GERR_NODE_INDEX:
		return "node tensor index out of range";
	case NNMEM_GERR_NODE_SHAPE:
		return "node tensor shapes inconsistent with the op";
	case NNMEM_GERR_NODE_PARAM:
		return "bad stride, dilation or pooling window, or the (dilated) filter or window does not fit the padded input";
	case NNMEM_GERR_NODE_QUANT:
		return "bad shift, left shift, softmax multiplier or diff_min, or activation range";
	case NNMEM_GERR_NODE_ORDER:
		return "node reads a tensor that a later node writes";
	case NNMEM_GERR_NODE_WRITER:
		return "tensor written by two nodes";
	case NNMEM_GERR_NODE_ALIAS:
		return "node output overlaps one of its inputs";
	case NNMEM_GERR_NODE_PADDING:
		return "padding not smaller than the dilated filter or the pooling window";
	case NNMEM_GERR_NODE_GROUPS:
		return "conv2d groups zero or not dividing the input and output channels";
	case NNMEM_GERR_GRAPH_MACS:
		return "graph needs more multiply-accumulates than max_graph_macs allows";
	case NNMEM_GERR_TENSOR_LIVE:
		return "two tensors share bytes while both are live";
	case NNMEM_GERR_TENSOR_PLACED:
		return "device-placed tensor with a handle or offset, or not written then read by the graph";
	default:
		return "unknown graph error";
	}
}

void nnmem_graph_builder_init(struct nnmem_graph_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void nnmem_graph_builder_fini(struct nnmem_graph_builder *b)
{
	free(b->tensors);
	free(b->nodes);
	memset(b, 0, sizeof(*b));
}

/* Make room for one more element of @size in *@arr; 0 or -ENOMEM. */
static int nnmem_grow(void **arr, uint32_t count, uint32_t *cap, size_t size)
{
	uint32_t ncap;
	void *p;

	if (count < *cap)
		return 0;
	if (*cap >= (1U << 30))
		return -ENOMEM;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, (size_t)ncap * size);
	if (!p)
		return -ENOMEM;
	memset((char *)p + (size_t)*cap * size, 0,
	       (size_t)(ncap - *cap) * size);
	*arr = p;
	*cap = ncap;
	return 0;
}

int nnmem_graph_tensor_add(struct nnmem_graph_builder *b, uint32_t handle,
			   uint64_t offset, uint32_t type, int32_t zero_point,
			   uint32_t ndims, const uint32_t *dims)
{
	struct nnmem_tensor *t;
	uint32_t i;
	int err;

	if (!b || ndims > NNMEM_TENSOR_MAX_DIMS || (ndims && !dims))
		return -EINVAL;
	err = nnmem_grow((void **)&b->tensors, b->tensor_count,
			 &b->tensor_cap, sizeof(*b->tensors));
	if (err)
		return err;
	t = &b->tensors[b->tensor_count];
	memset(t, 0, sizeof(*t));
	t->handle = handle;
	t->type = type;
	t->offset = offset;
	t->ndims = ndims;
	t->zero_point = zero_point;
	for (i = 0; i < ndims; i++)
		t->dims[i] = dims[i];
	return (int)b->tensor_count++;
}

int nnmem_graph_node_add(struct nnmem_graph_builder *b,
			 const struct nnmem_node *node)
{
	int err;

	if (!b || !node)
		return -EINVAL;
	err = nnmem_grow((void **)&b->nodes, b->node_count, &b->node_cap,
			 sizeof(*b->nodes));
	if (err)
		return err;
	b->nodes[b->node_count] = *node;
	return (int)b->node_count++;
}

int nnmem_graph_conv2d_add(struct nnmem_graph_builder *b,
			   const struct nnmem_conv2d *conv)
{
	struct nnmem_node n;

	memset(&n, 0, sizeof(n));
	n.op = NNMEM_OP_CONV2D;
	n.conv2d = *conv;
	return nnmem_graph_node_add(b, &n);
}

int nnmem_graph_add_add(struct nnmem_graph_builder *b,
			const struct nnmem_add *add)
{
	struct nnmem_node n;

	memset(&n, 0, sizeof(n));
	n.op = NNMEM_OP_ADD;
	n.add = *add;
	return nnmem_graph_node_add(b, &n);
}

int nnmem_graph_fully_connected_add(struct nnmem_graph_builder *b,
				    const struct nnmem_fully_connected *fc)
{
	struct nnmem_node n;

	memset(&n, 0, sizeof(n));
	n.op = NNMEM_OP_FULLY_CONNECTED;
	n.fully_connected = *fc;
	return nnmem_graph_node_add(b, &n);
}

/* One pooling node of @op (NNMEM_OP_AVG_POOL2D or NNMEM_OP_MAX_POOL2D). */
static int nnmem_graph_pool2d_add(struct nnmem_graph_builder *b, uint32_t op,
				  const struct nnmem_pool2d *pool)
{
	struct nnmem_node n;

	memset(&n, 0, sizeof(n));
	n.op = op;
	n.pool2d = *pool;
	return nnmem_graph_node_add(b, &n);
}

int nnmem_graph_avg_pool2d_add(struct nnmem_graph_builder *b,
			       const struct nnmem_pool2d *pool)
{
	return nnmem_graph_pool2d_add(b, NNMEM_OP_AVG_POOL2D, pool);
}

int nnmem_graph_max_pool2d_add(struct nnmem_graph_builder *b,
			       const struct nnmem_pool2d *pool)
{
	return nnmem_graph_pool2d_add(b, NNMEM_OP_MAX_POOL2D, pool);
}

int nnmem_graph_softmax_add(struct nnmem_graph_builder *b,
			    const struct nnmem_softmax *softmax)
{
	struct nnmem_node n;

	memset(&n, 0, sizeof(n));
	n.op = NNMEM_OP_SOFTMAX;
	n.softmax = *softmax;
	return nnmem_graph_node_add(b, &n);
}

int nnmem_graph_create(struct nnmem_dev *dev,
		       const struct nnmem_tensor *tensors, uint32_t tensor_count,
		       const struct nnmem_node *nodes, uint32_t node_count,
		       uint32_t *graph, struct nnmem_graph_error *err)
{
	return nnmem_graph_create_flags(dev, tensors, tensor_count, nodes,
					node_count, 0, graph, NULL, err);
}

int nnmem_graph_create_flags(struct nnmem_dev *dev,
			     const struct nnmem_tensor *tensors,
			     uint32_t tensor_count,
			     const struct nnmem_node *nodes,
			     uint32_t node_count, uint32_t flags,
			     uint32_t *graph, uint64_t *scratch_size,
			     struct nnmem_graph_error *err)
{
	struct nnmem_graph_create req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.flags = flags;
	req.tensors = (uint64_t)(uintptr_t)tensors;
	req.nodes = (uint64_t)(uintptr_t)nodes;
	req.tensor_count = tensor_count;
	req.tensor_size = sizeof(*tensors);
	req.node_count = node_count;
	req.node_size = sizeof(*nodes);
	ret = nnmem_ioctl(dev, NNMEM_IOCTL_GRAPH_CREATE, &req);
	if (err) {
		err->reason = ret == -EINVAL ? req.err_reason : NNMEM_GERR_NONE;
		err->node = ret == -EINVAL ? req.err_node : NNMEM_INDEX_NONE;
		err->tensor = ret == -EINVAL ? req.err_tensor : NNMEM_INDEX_NONE;
		/* a kernel with the 56-byte struct writes back 0 here */
		err->tensor2 = ret == -EINVAL &&
			       req.err_reason == NNMEM_GERR_TENSOR_LIVE ?
			       req.err_tensor2 : NNMEM_INDEX_NONE;
	}
	if (!ret && graph)
		*graph = req.graph;
	if (!ret && scratch_size)
		*scratch_size = req.scratch_size;
	return ret;
}

int nnmem_graph_create_built(struct nnmem_dev *dev,
			     const struct nnmem_graph_builder *b,
			     uint32_t *graph, struct nnmem_graph_error *err)
{
	return nnmem_graph_create(dev, b->tensors, b->tensor_count, b->nodes,
				  b->node_count, graph, err);
}

int nnmem_graph_destroy(struct nnmem_dev *dev, uint32_t graph)
{
	struct nnmem_graph_destroy req = { .graph = graph };

	return nnmem_ioctl(dev, NNMEM_IOCTL_GRAPH_DESTROY, &req);
}

int nnmem_graph_run(struct nnmem_dev *dev, uint32_t graph,
		    uint64_t *duration_ns, uint64_t *macs)
{
	struct nnmem_run req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.graph = graph;
	ret = nnmem_ioctl(dev, NNMEM_IOCTL_RUN, &req);
	if (!ret) {
		if (duration_ns)
			*duration_ns = req.duration_ns;
		if (macs)
			*macs = req.macs;
	}
	return ret;
}

int nnmem_graph_submit(struct nnmem_dev *dev, uint32_t graph, uint64_t *job)
{
	struct nnmem_run req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.graph = graph;
	req.flags = NNMEM_RUN_ASYNC;
	ret = nnmem_ioctl(dev, NNMEM_IOCTL_RUN, &req);
	if (!ret && job)
		*job = req.job;
	return ret;
}

int nnmem_job_wait(struct nnmem_dev *dev, uint64_t job, uint64_t deadline_ns,
		   uint64_t *node_times, uint32_t node_count,
		   struct nnmem_job_result *res)
{
	struct nnmem_wait req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.job = job;
	req.deadline_ns = deadline_ns;
	req.node_times = (uint64_t)(uintptr_t)node_times;
	req.node_count = node_times ? node_count : 0;
	ret = nnmem_ioctl(dev, NNMEM_IOCTL_WAIT, &req);
	if (!ret && res) {
		res->status = req.status;
		res->duration_ns = req.duration_ns;
		res->macs = req.macs;
	}
	return ret;
}

uint64_t nnmem_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int nnmem_job_wait_timeout(struct nnmem_dev *dev, uint64_t job,
			   int64_t timeout_ms, uint64_t *node_times,
			   uint32_t node_count, struct nnmem_job_result *res)
{
	uint64_t deadline = NNMEM_WAIT_FOREVER;

	if (timeout_ms >= 0)
		deadline = nnmem_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	return nnmem_job_wait(dev, job, deadline, node_times, node_count,
			      res);
}

int nnmem_job_cancel(struct nnmem_dev *dev, uint64_t job)
{
	struct nnmem_cancel req;

	memset(&req, 0, sizeof(req));
	req.job = job;
	return nnmem_ioctl(dev, NNMEM_IOCTL_CANCEL, &req);
}

int nnmem_poll_fd(const struct nnmem_dev *dev)
{
	return nnmem_fd(dev);
}

/* --------------------------------------------------- shape helpers */

uint32_t nnmem_conv2d_out_dim(uint32_t in, uint32_t k, uint32_t stride,
			      uint32_t dilation, uint32_t pad_before,
			      uint32_t pad_after)
{
	if (!in)
		return 0;
	return nnmem_shape_conv_out_dim(in, pad_before, pad_after, k,
					dilation, stride);
}

int nnmem_padding_get(enum nnmem_padding scheme, uint32_t in, uint32_t k,
		      uint32_t stride, uint32_t dilation, uint32_t *out,
		      uint32_t *pad_before, uint32_t *pad_after)
{
	uint64_t extent, o, need, total = 0;

	if (!in || !k || !stride || !dilation)
		return -EINVAL;
	extent = (uint64_t)(k - 1) * dilation + 1;
	switch (scheme) {
	case NNMEM_PADDING_SAME:
		o = ((uint64_t)in + stride - 1) / stride;
		need = (o - 1) * stride + extent;
		total = need > in ? need - in : 0;
		break;
	case NNMEM_PADDING_VALID:
		if (extent > in)
			return -EINVAL;
		o = (in - extent + stride) / stride;
		break;
	default:
		return -EINVAL;
	}
	if (total > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)o;
	*pad_before = (uint32_t)(total / 2);
	*pad_after = (uint32_t)(total - total / 2);
	return 0;
}

int nnmem_conv2d_padding_set(struct nnmem_conv2d *conv,
			     enum nnmem_padding scheme,
			     const uint32_t in_dims[4],
			     const uint32_t filter_dims[4],
			     uint32_t out_dims[4])
{
	uint32_t oh, ow, t, b, l, r;
	int err;

	err = nnmem_padding_get(scheme, in_dims[1], filter_dims[1],
				conv->stride_h, conv->dilation_h, &oh, &t, &b);
	if (!err)
		err = nnmem_padding_get(scheme, in_dims[2], filter_dims[2],
					conv->stride_w, conv->dilation_w, &ow,
					&l, &r);
	if (err)
		return err;
	conv->pad_top = t;
	conv->pad_bottom = b;
	conv->pad_left = l;
	conv->pad_right = r;
	if (out_dims) {
		out_dims[0] = in_dims[0];
		out_dims[1] = oh;
		out_dims[2] = ow;
		out_dims[3] = filter_dims[0];
	}
	return 0;
}

int nnmem_conv2d_out_dims(const struct nnmem_conv2d *conv,
			  const uint32_t in_dims[4],
			  const uint32_t filter_dims[4], uint32_t out_dims[4])
{
	uint32_t oh, ow;

	oh = nnmem_conv2d_out_dim(in_dims[1], filter_dims[1], conv->stride_h,
				  conv->dilation_h, conv->pad_top,
				  conv->pad_bottom);
	ow = nnmem_conv2d_out_dim(in_dims[2], filter_dims[2], conv->stride_w,
				  conv->dilation_w, conv->pad_left,
				  conv->pad_right);
	if (!oh || !ow)
		return -EINVAL;
	out_dims[0] = in_dims[0];
	out_dims[1] = oh;
	out_dims[2] = ow;
	out_dims[3] = filter_dims[0];
	return 0;
}

uint64_t nnmem_conv2d_macs(const struct nnmem_conv2d *conv,
			   const uint32_t in_dims[4],
			   const uint32_t filter_dims[4])
{
	uint32_t out[4];

	if (!conv->groups || nnmem_conv2d_out_dims(conv, in_dims, filter_dims,
						   out))
		return 0;
	return nnmem_shape_conv_macs((uint64_t)out[0] * out[1] * out[2] *
				     out[3], filter_dims[1], filter_dims[2],
				     in_dims[3] / conv->groups);
}

uint64_t nnmem_tensor_bytes(const struct nnmem_tensor *t)
{
	return nnmem_shape_tensor_bytes(t);
}

const char *nnmem_kind_name(uint32_t kind)
{
	switch (kind) {
	case NNMEM_KIND_WEIGHT:
		return "weight";
	case NNMEM_KIND_ACTIVATION:
		return "activation";
	default:
		return "?";
	}
}

const char *nnmem_op_name(uint32_t op)
{
	switch (op) {
	case NNMEM_OP_CONV2D:
		return "conv2d";
	case NNMEM_OP_ADD:
		return "add";
	case NNMEM_OP_FULLY_CONNECTED:
		return "fully_connected";
	case NNMEM_OP_AVG_POOL2D:
		return "avg_pool2d";
	case NNMEM_OP_MAX_POOL2D:
		return "max_pool2d";
	case NNMEM_OP_SOFTMAX:
		return "softmax";
	default:
		return "?";
	}
}

const char *nnmem_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -ENOSPC:
		return "arena full: weights and activations would cross";
	case -EMFILE:
		return "session holds the maximum number of regions or graphs";
	case -ENOENT:
		return "no such region, graph or job in this session (or no such device node)";
	case -EINVAL:
		return "invalid request: bad size, alignment, kind, flags, label or range";
	case -E2BIG:
		return "request struct has unknown nonzero fields (newer than the driver)";
	case -ENOTTY:
		return "not an nnmem ioctl (or the driver is too old)";
	case -EFAULT:
		return "bad user address";
	case -EACCES:
		return "region is not mappable";
	case -EBUSY:
		return "region is used by a graph";
	case -ETIME:
		return "job did not finish before the deadline";
	case -ECANCELED:
		return "job was cancelled";
	case -EALREADY:
		return "job had already finished";
	case -EAGAIN:
		return "session has the maximum number of unreaped jobs";
	case -ENOMEM:
		return "out of kernel memory (or arena too large for the DMA allocator)";
	case -ENAMETOOLONG:
		return "label too long";
	case -ENODEV:
	case -ENXIO:
		return "no such nnmem device";
	case -EBADF:
		return "not an open nnmem session";
	case -EPERM:
		return "permission denied on the nnmem device";
	default:
		return err < 0 ? strerror(-err) : "not an error code";
	}
}
