/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nnmem: memory manager for a neural-network accelerator's DMA arena.
 *
 * This is the only header userspace needs to drive /dev/nnmemN.
 */
#ifndef _UAPI_LINUX_NNMEM_H
#define _UAPI_LINUX_NNMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: nnmem overview
 *
 * Each nnmem device owns one physically contiguous DMA buffer, the *arena*.
 * Every open file of ``/dev/nnmemN`` is a *session*. A session allocates
 * *regions* of the arena and names them by small per-session *handles*
 * (1, 2, ...). Another session's handle is unknown here (``-ENOENT``).
 * Closing the file frees every region the session owned.
 *
 * Weights (filters, biases, quantisation tables) are allocated from the
 * bottom of the arena: with no frees in between, successive weight regions
 * get strictly ascending offsets in request order. Activations are allocated
 * from the top at strictly descending offsets. At every moment every weight
 * region lies below every activation region; a request that cannot be placed
 * that way fails with ``-ENOSPC`` and changes nothing. Freed space coalesces
 * and is reused: weights take the lowest hole that fits, activations the
 * highest.
 *
 * Extensibility: the size of each ioctl's struct is part of its command
 * number. The driver accepts any size from the struct's first published
 * version (``NNMEM_*_SIZE_VER0``) up: a shorter struct is zero-extended, a
 * longer one must have an all-zero tail it does not know (else ``-E2BIG``),
 * as copy_struct_from_user() does. Output is written back truncated to the
 * caller's size; a caller's struct longer than the driver's gets its unknown
 * tail zeroed. %NNMEM_IOCTL_INFO and %NNMEM_IOCTL_USAGE only write their
 * struct and never read it. Unknown commands get ``-ENOTTY``; a struct
 * shorter than its first version gets ``-EINVAL``.
 *
 * Every input ``flags`` and ``__pad`` field, and every bit not defined for
 * it, must be zero; anything else is rejected with ``-EINVAL`` and changes
 * nothing. User memory is passed as ``__u64`` addresses.
 *
 * Alignment padding belongs to the region that needed it: a weight region
 * reserves from the end of the space below it up to its end, an activation
 * region from its start up to the space above it. So no gap is left that a
 * later, less aligned request could take, and request order is kept for any
 * mix of alignments. Usage counts these reserved bytes.
 */

/**
 * DOC: nnmem mmap
 *
 * A region allocated with %NNMEM_ALLOC_MAPPABLE is mapped with mmap() on the
 * session's file at &nnmem_region_info.mmap_offset (plus a whole number of
 * pages to start inside it), %MAP_SHARED only. Errors: ``-ENOENT`` when the
 * offset names no region of this session, ``-EACCES`` for a region that is
 * not mappable, ``-EINVAL`` for %MAP_PRIVATE or a range past the region's
 * span. A mapping keeps the region's space reserved after the region is
 * freed or its file closed, until the last mapping of it goes.
 */

#define NNMEM_UAPI_VERSION		1

#define NNMEM_IOC_MAGIC			0xB4

/* Capability bits reported in &nnmem_info.caps. */
#define NNMEM_CAP_MMAP			(1ULL << 0)
#define NNMEM_CAP_RW			(1ULL << 1)
#define NNMEM_CAP_LABELS		(1ULL << 2)

/* Region kinds (&nnmem_alloc.kind). */
#define NNMEM_KIND_WEIGHT		1
#define NNMEM_KIND_ACTIVATION		2

/* Allocation flags (&nnmem_alloc.flags). */
#define NNMEM_ALLOC_MAPPABLE		(1U << 0)
#define NNMEM_ALLOC_VALID_FLAGS		(NNMEM_ALLOC_MAPPABLE)

/* Alignment used when &nnmem_alloc.align is 0, and the largest accepted. */
#define NNMEM_ALIGN_DEFAULT		64
#define NNMEM_ALIGN_MAX			(1U << 21)

/* Region labels are NUL-terminated printable ASCII, zero-padded. */
#define NNMEM_LABEL_LEN			32

/**
 * struct nnmem_info - device information (%NNMEM_IOCTL_INFO)
 * @uapi_version: %NNMEM_UAPI_VERSION of the driver.
 * @dev_index: N of /dev/nnmemN.
 * @caps: %NNMEM_CAP_* bits.
 * @arena_size: size of the arena in bytes.
 * @default_align: alignment used when a request gives none.
 * @max_align: largest accepted alignment (a power of two).
 * @max_regions: most regions one session may hold at once.
 * @page_size: the kernel's page size; mappable regions are multiples of it.
 */
struct nnmem_info {
	__u32 uapi_version;
	__u32 dev_index;
	__u64 caps;
	__u64 arena_size;
	__u32 default_align;
	__u32 max_align;
	__u32 max_regions;
	__u32 page_size;
};

#define NNMEM_INFO_SIZE_VER0		40

/**
 * struct nnmem_alloc - allocate a region (%NNMEM_IOCTL_ALLOC)
 * @size: in: bytes, at least 1 and at most the arena size.
 * @align: in: power of two up to %NNMEM_ALIGN_MAX, or 0 for
 *	%NNMEM_ALIGN_DEFAULT. A %NNMEM_ALLOC_MAPPABLE region is at least
 *	page aligned.
 * @kind: in: %NNMEM_KIND_WEIGHT or %NNMEM_KIND_ACTIVATION.
 * @flags: in: %NNMEM_ALLOC_* bits. %NNMEM_ALLOC_MAPPABLE page-aligns the
 *	region and rounds its reserved span up to whole pages, so that a
 *	mapping of it never shows another region's bytes.
 * @handle: out: the session's handle for the region (ignored on input).
 * @offset: out: byte offset of the region in the arena (ignored on input).
 * @label: in (since version 1 of the struct): optional name shown by
 *	tools; printable ASCII, NUL-terminated, zero after the NUL.
 *
 * Errors: ``-EINVAL`` for a bad field, ``-ENOSPC`` when the region cannot be
 * placed, ``-EMFILE`` when the session holds %nnmem_info.max_regions.
 */
struct nnmem_alloc {
	__u64 size;
	__u32 align;
	__u32 kind;
	__u32 flags;
	__u32 handle;
	__u64 offset;
	__u8 label[NNMEM_LABEL_LEN];
};

#define NNMEM_ALLOC_SIZE_VER0		32

/**
 * struct nnmem_free - free a region (%NNMEM_IOCTL_FREE)
 * @handle: the region's handle.
 * @flags: must be zero.
 *
 * The handle is gone at once. The region's arena space is released when
 * the last mapping of it goes away.
 */
struct nnmem_free {
	__u32 handle;
	__u32 flags;
};

#define NNMEM_FREE_SIZE_VER0		8

/**
 * struct nnmem_region_info - describe a region (%NNMEM_IOCTL_REGION_INFO)
 * @handle: in: the region's handle.
 * @flags: in: must be zero.
 * @offset: out: byte offset in the arena.
 * @size: out: size as requested.
 * @mmap_offset: out: offset to pass to mmap() on this file to map the
 *	region (0 if it is not mappable).
 * @align: out: the alignment the region was placed with.
 * @kind: out: %NNMEM_KIND_WEIGHT or %NNMEM_KIND_ACTIVATION.
 * @alloc_flags: out: the %NNMEM_ALLOC_* flags it was allocated with.
 * @__pad: out: zero (ignored on input).
 * @span: out: bytes from @offset that belong to the region (@size rounded
 *	up to whole pages for a mappable region). Alignment padding before or
 *	after them is reserved with the region and counted in usage.
 * @label: out (since version 1 of the struct): the region's label.
 */
struct nnmem_region_info {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 size;
	__u64 mmap_offset;
	__u32 align;
	__u32 kind;
	__u32 alloc_flags;
	__u32 __pad;
	__u64 span;
	__u8 label[NNMEM_LABEL_LEN];
};

#define NNMEM_REGION_INFO_SIZE_VER0	56

/**
 * struct nnmem_rw - copy between user memory and a region
 *	(%NNMEM_IOCTL_WRITE, %NNMEM_IOCTL_READ)
 * @handle: the region's handle.
 * @flags: must be zero.
 * @offset: byte offset inside the region.
 * @length: bytes to copy; @offset + @length must not pass the region's size
 *	(``-EINVAL``). 0 copies nothing.
 * @data: user address of the buffer.
 */
struct nnmem_rw {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u64 data;
};

#define NNMEM_RW_SIZE_VER0		32

/**
 * struct nnmem_usage - arena usage (%NNMEM_IOCTL_USAGE)
 * @arena_size: bytes in the arena.
 * @weight_bytes: bytes reserved by weight regions (spans and padding).
 * @activation_bytes: bytes reserved by activation regions.
 * @free_bytes: bytes in no region.
 * @largest_free: the largest free extent.
 * @weight_top: end of the highest weight region (0 if none).
 * @activation_bottom: start of the lowest activation region (@arena_size
 *	if none).
 * @weight_hwm: high-water mark of @weight_bytes since load.
 * @activation_hwm: high-water mark of @activation_bytes since load.
 * @weight_regions: live weight regions, all sessions.
 * @activation_regions: live activation regions, all sessions.
 * @free_extents: number of free extents.
 * @deferred_regions: regions freed but still mapped; their space is
 *	counted in @weight_bytes/@activation_bytes until the last mapping goes.
 * @session_regions: regions held by the calling session.
 * @__pad: zero.
 * @session_bytes: bytes reserved by the calling session's regions.
 * @deferred_bytes: bytes held by deferred regions.
 */
struct nnmem_usage {
	__u64 arena_size;
	__u64 weight_bytes;
	__u64 activation_bytes;
	__u64 free_bytes;
	__u64 largest_free;
	__u64 weight_top;
	__u64 activation_bottom;
	__u64 weight_hwm;
	__u64 activation_hwm;
	__u32 weight_regions;
	__u32 activation_regions;
	__u32 free_extents;
	__u32 deferred_regions;
	__u32 session_regions;
	__u32 __pad;
	__u64 session_bytes;
	__u64 deferred_bytes;
};

#define NNMEM_USAGE_SIZE_VER0		112

/**
 * DOC: nnmem ioctls
 *
 * %NNMEM_IOCTL_INFO: fill &struct nnmem_info.
 *
 * %NNMEM_IOCTL_ALLOC: allocate a region, see &struct nnmem_alloc.
 *
 * %NNMEM_IOCTL_FREE: free a region, see &struct nnmem_free.
 *
 * %NNMEM_IOCTL_REGION_INFO: describe a region, see &struct nnmem_region_info.
 *
 * %NNMEM_IOCTL_WRITE: copy user memory into a region, see &struct nnmem_rw.
 *
 * %NNMEM_IOCTL_READ: copy a region into user memory, see &struct nnmem_rw.
 *
 * %NNMEM_IOCTL_USAGE: fill &struct nnmem_usage.
 */
#define NNMEM_IOCTL_INFO	_IOR(NNMEM_IOC_MAGIC, 0x00, struct nnmem_info)
#define NNMEM_IOCTL_ALLOC	_IOWR(NNMEM_IOC_MAGIC, 0x01, struct nnmem_alloc)
#define NNMEM_IOCTL_FREE	_IOW(NNMEM_IOC_MAGIC, 0x02, struct nnmem_free)
#define NNMEM_IOCTL_REGION_INFO	_IOWR(NNMEM_IOC_MAGIC, 0x03, struct nnmem_region_info)
#define NNMEM_IOCTL_WRITE	_IOW(NNMEM_IOC_MAGIC, 0x04, struct nnmem_rw)
#define NNMEM_IOCTL_READ	_IOW(NNMEM_IOC_MAGIC, 0x05, struct nnmem_rw)
#define NNMEM_IOCTL_USAGE	_IOR(NNMEM_IOC_MAGIC, 0x06, struct nnmem_usage)

#endif /* _UAPI_LINUX_NNMEM_H */
