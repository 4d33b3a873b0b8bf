/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: a region is a piece of the arena owned by a session's handle and
 * by every mapping of it.
 */
#ifndef __NNMEM_REGION_H__
#define __NNMEM_REGION_H__

#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/nnmem.h>

#include "nnmem_arena.h"
#include "nnmem_drv.h"

struct nnmem_session;

/*
 * mmap() offset of a mappable region: the handle above bit 32, the byte
 * offset inside the region below it (page aligned). So an arena is at most
 * 4 GiB, and handles stop at NNMEM_REGION_HANDLE_MAX so that every offset
 * is a positive 64-bit off_t.
 */
#define NNMEM_MMAP_HANDLE_SHIFT	32
#define NNMEM_MMAP_OFFSET_MAX	BIT_ULL(NNMEM_MMAP_HANDLE_SHIFT)
#define NNMEM_REGION_HANDLE_MAX	((u32)(S64_MAX >> NNMEM_MMAP_HANDLE_SHIFT))

/*
 * Regions per session: module parameter max_regions (default 4096, at
 * most NNMEM_REGIONS_MAX), reported in struct nnmem_info.
 */
#define NNMEM_REGIONS_MAX	SZ_1M
extern unsigned int nnmem_max_regions;

/**
 * struct nnmem_region - one allocation
 * @ar: allocator's part (offset, span, alignment, kind)
 * @ref: one for the session's handle, one per mapping, one per ioctl using
 *	it; the last put gives the span back to the arena
 * @ndev: device whose arena holds it
 * @session: the session whose handle it is; valid while !@unlinked (read
 *	under @ndev->lock): compaction re-counts its bytes there
 * @handle: handle it was given (stale once the handle is freed); handles
 *	are given cyclically from 1 to %NNMEM_REGION_HANDLE_MAX
 * @kind: %NNMEM_KIND_*
 * @flags: %NNMEM_ALLOC_*
 * @align: alignment it was placed with
 * @size: bytes as requested
 * @span: bytes reserved in the arena
 * @label: NUL-terminated, zero-padded printable ASCII
 * @map_count: live mappings and exported dma-bufs, and mmap() and
 *	EXPORT calls past their check of @unlinked (under @ndev->lock)
 * @dmabufs: live dma-bufs exported from it, of @map_count (under
 *	@ndev->lock; netlink's region-get reads it unlocked); pins it
 *	(compaction: importers and dma-buf mappings hold its address)
 * @wmaps: live mappings and dma-bufs that may write (atomic)
 * @wgen: bumped after every change of the bytes the driver can see (a
 *	WRITE, a writable mapping made or gone; atomic): the fast paths'
 *	packed weights are stale when it moved or while @wmaps is nonzero
 * @unlinked: the handle is gone; mmap() no longer maps the region (under
 *	@ndev->lock)
 * @deferred: handle is gone while mapped, counted in the device's
 *	deferred_* (under @ndev->lock)
 * @busy: graphs using the region; FREE fails with -EBUSY while nonzero
 *	(under the owning session's regions xa_lock)
 * @pin_pass: the compaction pass that found it in a graph with queued or
 *	running jobs, which pins it (nnmem_compact.c; under @ndev->lock
 *	with @ndev->compact_rwsem held for writing)
 * @mapping: the address_space its mappings are in, once mapped (under
 *	@ndev->lock): compaction unmaps them there before it moves the region
 * @quota: the account its span is charged to, from ALLOC until the span
 *	goes back to the arena (a reference, see nnmem_quota.c)
 *
 * Everything but @ar, @ref, @map_count, @dmabufs, @wmaps, @wgen,
 * @unlinked, @deferred, @busy, @pin_pass and @mapping is fixed once
 * allocated. @ar (the offset) changes only under @ndev->lock with
 * @ndev->compact_rwsem held for writing (nnmem_compact.c); read it under
 * either.
 */
struct nnmem_region {
	struct nnmem_arena_region ar;
	struct kref ref;
	struct nnmem_device *ndev;
	struct nnmem_session *session;
	u32 handle;
	u32 kind;
	u32 flags;
	u32 align;
	u64 size;
	u64 span;
	u8 label[NNMEM_LABEL_LEN];
	unsigned int map_count;
	unsigned int dmabufs;
	atomic_t wmaps;
	atomic64_t wgen;
	bool unlinked;
	bool deferred;
	unsigned int busy;
	u64 pin_pass;
	struct address_space *mapping;
	struct nnmem_quota_acct *quota;
};

int nnmem_region_alloc_ioctl(struct nnmem_session *s, void *data,
			     struct nnmem_ioctl_ctx *ctx);
void nnmem_region_alloc_commit(struct nnmem_session *s, void *data,
			       struct nnmem_ioctl_ctx *ctx, bool copied);
int nnmem_region_free_ioctl(struct nnmem_session *s, void *data,
			    struct nnmem_ioctl_ctx *ctx);
int nnmem_region_info_ioctl(struct nnmem_session *s, void *data,
			    struct nnmem_ioctl_ctx *ctx);
int nnmem_region_write_ioctl(struct nnmem_session *s, void *data,
			     struct nnmem_ioctl_ctx *ctx);
int nnmem_region_read_ioctl(struct nnmem_session *s, void *data,
			    struct nnmem_ioctl_ctx *ctx);
struct nnmem_region *nnmem_region_get(struct nnmem_session *s,
				      unsigned long handle);
void nnmem_region_put(struct nnmem_region *r);
void nnmem_region_written(struct nnmem_region *r);
int nnmem_region_mmap(struct file *file, struct vm_area_struct *vma);
void nnmem_region_free_all(struct nnmem_session *s);

#endif /* __NNMEM_REGION_H__ */
