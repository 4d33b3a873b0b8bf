/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nnmem activation memory planner: byte offsets inside one activation
 * block for buffers with known lifetimes, so that buffers live at the same
 * time never share a byte. See the DOC: section of nnmem_planner.c.
 *
 * Portable C with uapi types only: built into the module, libnnmem (LGPL-2.1
 * OR MIT, hence the dual licence), the unit tests and the benchmark.
 */
#ifndef __NNMEM_PLANNER_H__
#define __NNMEM_PLANNER_H__

#include <linux/types.h>

#ifdef __KERNEL__
#include <linux/stddef.h>
#else
#include <stddef.h>
#endif

/* Most buffers per call: bounds the work of nnmem_planner_check(). */
#define NNMEM_PLANNER_MAX_BUFS		4096

/**
 * struct nnmem_planner_buf - one buffer to place
 * @size: in: size in bytes; 0 for a buffer that occupies no bytes.
 * @first: in: first step at which the buffer is live.
 * @last: in: last step at which it is live (inclusive, @first <= @last).
 * @offset: out for nnmem_planner_plan(), in for nnmem_planner_check():
 *	byte offset inside the activation block, a multiple of the alignment.
 *
 * Two buffers conflict when their lifetimes [@first, @last] intersect and
 * their byte ranges [@offset, @offset + size rounded up to the alignment)
 * overlap; buffers of size 0 conflict with nothing.
 */
struct nnmem_planner_buf {
	__u64 size;
	__u32 first;
	__u32 last;
	__u64 offset;
};

size_t nnmem_planner_work_size(__u32 n);
int nnmem_planner_bound(const struct nnmem_planner_buf *bufs, __u32 n,
			__u64 align, void *work, __u64 *bound);
int nnmem_planner_plan(struct nnmem_planner_buf *bufs, __u32 n, __u64 align,
		       void *work, __u64 *footprint);
int nnmem_planner_check(const struct nnmem_planner_buf *bufs, __u32 n,
			__u64 align, __u32 *a, __u32 *b);

#endif /* __NNMEM_PLANNER_H__ */
