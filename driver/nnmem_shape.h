/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nnmem shape arithmetic: the one definition of a conv2d output size, a
 * conv2d MAC count and a tensor's element and byte counts. The kernels
 * (nnmem_kernels.c), the graph validator (nnmem_graphval.c) and libnnmem's
 * public helpers (userspace/lib/libnnmem.c, LGPL-2.1 OR MIT, hence the
 * dual licence of this header) all use these.
 *
 * Only uapi types and no division of 64-bit values, so it builds anywhere
 * the uapi header does: in the module, in userspace, on 32-bit targets.
 */
#ifndef __NNMEM_SHAPE_H__
#define __NNMEM_SHAPE_H__

#include <linux/types.h>
#include <linux/nnmem.h>

/* Largest element count of any tensor, so that indices fit in an int. */
#define NNMEM_SHAPE_ELEMS_MAX	0x7fffffffULL

/**
 * nnmem_shape_conv_out_dim() - output size of one conv2d spatial dimension
 * @in: input size
 * @pad_a: implicit padding before the input (top or left)
 * @pad_b: implicit padding after the input (bottom or right)
 * @k: filter size
 * @dilation: filter dilation
 * @stride: stride
 *
 * (in + pad_a + pad_b - dilation * (k - 1) - 1) / stride + 1.
 *
 * Return: the output size; 0 if @k, @dilation or @stride is 0, if the
 * dilated filter does not fit in the padded input, or if the padded input
 * exceeds 2^32 - 1 (no valid conv2d comes near that).
 */
static inline __u32 nnmem_shape_conv_out_dim(__u32 in, __u32 pad_a,
					     __u32 pad_b, __u32 k,
					     __u32 dilation, __u32 stride)
{
	__u64 padded = (__u64)in + pad_a + pad_b;
	__u64 extent;

	if (!k || !dilation || !stride || padded > 0xffffffffULL)
		return 0;
	extent = (__u64)dilation * (k - 1) + 1;
	if (extent > padded)
		return 0;
	/* both fit in 32 bits now: a 32-bit division */
	return ((__u32)padded - (__u32)extent) / stride + 1;
}

/**
 * nnmem_shape_conv_macs() - multiply-accumulates of one conv2d
 * @output_elems: batch * output height * output width * output channels
 * @k_h: filter height
 * @k_w: filter width
 * @in_per_group: input channels per group (the filter's I)
 *
 * Every output element takes one MAC per filter tap and input channel of
 * its group, padding taps included (a cost estimate, not a count of the
 * products that are not skipped).
 *
 * Return: the product, modulo 2^64 (below 2^62 for any conv2d the kernels
 * accept).
 */
static inline __u64 nnmem_shape_conv_macs(__u64 output_elems, __u32 k_h,
					  __u32 k_w, __u32 in_per_group)
{
	return output_elems * ((__u64)k_h * k_w * in_per_group);
}

/**
 * nnmem_shape_type_size() - bytes of one element of a tensor type
 * @type: %NNMEM_TYPE_INT8 or %NNMEM_TYPE_INT32
 *
 * Return: 1 or 4, or 0 for an unknown type.
 */
static inline __u32 nnmem_shape_type_size(__u32 type)
{
	if (type == NNMEM_TYPE_INT8)
		return 1;
	if (type == NNMEM_TYPE_INT32)
		return 4;
	return 0;
}

/**
 * nnmem_shape_tensor_elems() - element count of a tensor
 * @t: the tensor; its first @t->ndims dims count
 *
 * Return: the product of the dims; 0 if @t->ndims is not in [1,
 * %NNMEM_TENSOR_MAX_DIMS] or a dim is 0; %NNMEM_SHAPE_ELEMS_MAX + 1 if the
 * product exceeds %NNMEM_SHAPE_ELEMS_MAX.
 */
static inline __u64 nnmem_shape_tensor_elems(const struct nnmem_tensor *t)
{
	__u64 elems = 1;
	__u32 i;

	if (t->ndims < 1 || t->ndims > NNMEM_TENSOR_MAX_DIMS)
		return 0;
	for (i = 0; i < t->ndims; i++) {
		/* elems < 2^31 and a dim < 2^32: no 64-bit overflow */
		elems *= t->dims[i];
		if (elems > NNMEM_SHAPE_ELEMS_MAX)
			return NNMEM_SHAPE_ELEMS_MAX + 1;
	}
	return elems;
}

/**
 * nnmem_shape_tensor_bytes() - bytes of a tensor's data
 * @t: the tensor
 *
 * Return: elements times element size; 0 if the type is unknown, the
 * dims are invalid (see nnmem_shape_tensor_elems()) or there are more
 * than %NNMEM_SHAPE_ELEMS_MAX elements.
 */
static inline __u64 nnmem_shape_tensor_bytes(const struct nnmem_tensor *t)
{
	__u64 elems = nnmem_shape_tensor_elems(t);

	if (elems > NNMEM_SHAPE_ELEMS_MAX)
		return 0;
	return elems * nnmem_shape_type_size(t->type);
}

#endif /* __NNMEM_SHAPE_H__ */
