/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: the device, its parameters and the ioctl plumbing shared by the
 * objects that implement the ioctls.
 *
 * Lock order (outermost first):
 *
 *   mm->mmap_lock  ->  nnmem_session.regions xa_lock  ->  nnmem_device.lock
 *
 * nnmem_device.lock is a leaf: nothing is copied to or from user memory
 * and no region reference is dropped while it is held (user copies may
 * fault and take mmap_lock; the last region put takes the lock itself).
 * The xa_lock is a spinlock: nothing sleeps under it.
 */
#ifndef __NNMEM_DRV_H__
#define __NNMEM_DRV_H__

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "nnmem_arena.h"

#define NNMEM_NAME		"nnmem"
#define NNMEM_DEVICES_MAX	16
#define NNMEM_ARENA_MIN		(64 * 1024)
#define NNMEM_REGIONS_MAX	SZ_1M

/**
 * struct nnmem_device - one accelerator memory, /dev/nnmemN
 * @index: N
 * @pdev: platform device that owns the DMA buffer
 * @dev: the class device behind /dev/nnmemN
 * @cdev: character device
 * @cpu_addr: kernel address of the arena (never shown to userspace)
 * @dma_addr: bus address of the arena
 * @size: bytes in the arena
 * @lock: see the declaration
 * @arena: allocator state
 * @deferred_regions: regions whose handle is gone but which are still mapped
 * @deferred_bytes: arena bytes those regions hold
 */
struct nnmem_device {
	unsigned int index;
	struct platform_device *pdev;
	struct device *dev;
	struct cdev cdev;
	void *cpu_addr;
	dma_addr_t dma_addr;
	u64 size;
	struct mutex lock; /* protects arena, deferred_*, session counters, region map state */
	struct nnmem_arena arena;
	u32 deferred_regions;
	u64 deferred_bytes;
};

struct nnmem_session;

/**
 * struct nnmem_ioctl_ctx - what a handler leaves for after the copy-out
 * @obj: object created by the handler, published by the table's commit
 */
struct nnmem_ioctl_ctx {
	void *obj;
};

/* Per-session region limit (module parameter max_regions). */
extern unsigned int nnmem_max_regions;

#endif /* __NNMEM_DRV_H__ */
