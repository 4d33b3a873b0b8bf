/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem scratch areas: the arena bytes of device-placed tensors (see
 * "DOC: nnmem device planning" in the uapi header). See nnmem_scratch.c.
 */
#ifndef __NNMEM_SCRATCH_H__
#define __NNMEM_SCRATCH_H__

#include <linux/kref.h>
#include <linux/types.h>

#include "nnmem_arena.h"

struct nnmem_device;

/*
 * &nnmem_arena_region.owner of a scratch area's bytes (a region's is 0:
 * what walks the arena tells them apart by it, see nnmem_debugfs.c).
 */
#define NNMEM_ARENA_OWNER_SCRATCH	1

/**
 * struct nnmem_scratch - an activation area of the arena the driver owns
 * @ref: a private area: its graph's, one per job running on it; the
 *	device's shared area: the device's hold while graphs use it, one per
 *	job running on it
 * @ndev: its device
 * @ar: its place in the arena (activation kind: from the top)
 * @size: bytes
 */
struct nnmem_scratch {
	struct kref ref;
	struct nnmem_device *ndev;
	struct nnmem_arena_region ar;
	u64 size;
};

struct nnmem_scratch *nnmem_scratch_new(struct nnmem_device *ndev, u64 size);
struct nnmem_scratch *nnmem_scratch_get(struct nnmem_scratch *sc);
void nnmem_scratch_put(struct nnmem_scratch *sc);
int nnmem_scratch_shared_use(struct nnmem_device *ndev, u64 size);
void nnmem_scratch_shared_unuse(struct nnmem_device *ndev);
struct nnmem_scratch *nnmem_scratch_shared_get(struct nnmem_device *ndev);

#endif /* __NNMEM_SCRATCH_H__ */
