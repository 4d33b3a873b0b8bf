// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem scratch areas: where the tensors a graph left to the driver
 * (NNMEM_TENSOR_DEVICE_PLACED) live while a job runs.
 *
 * A graph gets its own area, freed with it, or (NNMEM_GRAPH_SHARED_SCRATCH)
 * uses the device's shared one. The shared area is as large as the largest
 * plan of the graphs using it: runs are serialised on the device's worker
 * and a placed tensor holds nothing between runs, so those graphs can all
 * use the same bytes. When a graph needs more, a larger area replaces it;
 * a job already running keeps its reference to the old one, which goes
 * when that job ends. The area goes with the last graph using it.
 *
 * Locking: ndev->lock protects the arena, ndev->scratch and
 * ndev->scratch_users; an area's bytes are given back under it by the last
 * put, which must come without it held.
 */

#include <linux/err.h>
#include <linux/slab.h>

#include "nnmem_drv.h"
#include "nnmem_scratch.h"

/* Scratch areas sit at multiples of this in the arena (int32 tensors). */
#define NNMEM_SCRATCH_ALIGN	64

/* A new area of @size bytes: the caller holds ndev->lock. */
static struct nnmem_scratch *
nnmem_scratch_new_locked(struct nnmem_device *ndev, u64 size,
			 struct nnmem_scratch *sc)
{
	int ret;

	lockdep_assert_held(&ndev->lock);
	ret = nnmem_arena_alloc(&ndev->arena, &sc->ar, NNMEM_ARENA_ACTIVATION,
				size, NNMEM_SCRATCH_ALIGN);
	if (ret)
		return ERR_PTR(ret);
	sc->ar.owner = NNMEM_ARENA_OWNER_SCRATCH;
	kref_init(&sc->ref);
	sc->ndev = ndev;
	sc->size = size;
	return sc;
}

/**
 * nnmem_scratch_new - allocate a private scratch area
 * @ndev: the device
 * @size: bytes, at least 1
 *
 * Return: the area, with one reference; ERR_PTR(-ENOMEM) or
 * ERR_PTR(-ENOSPC) when it does not fit in the arena.
 */
struct nnmem_scratch *nnmem_scratch_new(struct nnmem_device *ndev, u64 size)
{
	struct nnmem_scratch *sc, *ret;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL_ACCOUNT);
	if (!sc)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&ndev->lock);
	ret = nnmem_scratch_new_locked(ndev, size, sc);
	mutex_unlock(&ndev->lock);
	if (IS_ERR(ret))
		kfree(sc);
	return ret;
}

static void nnmem_scratch_release(struct kref *ref)
{
	struct nnmem_scratch *sc = container_of(ref, struct nnmem_scratch, ref);
	struct nnmem_device *ndev = sc->ndev;

	mutex_lock(&ndev->lock);
	nnmem_arena_free(&ndev->arena, &sc->ar);
	mutex_unlock(&ndev->lock);
	kfree(sc);
}

/**
 * nnmem_scratch_get - take a reference to an area
 * @sc: the area, or NULL
 *
 * Return: @sc.
 */
struct nnmem_scratch *nnmem_scratch_get(struct nnmem_scratch *sc)
{
	if (sc)
		kref_get(&sc->ref);
	return sc;
}

/**
 * nnmem_scratch_put - drop a reference to an area
 * @sc: the area, or NULL
 *
 * The last put gives the bytes back; called without ndev->lock held.
 */
void nnmem_scratch_put(struct nnmem_scratch *sc)
{
	if (sc)
		kref_put(&sc->ref, nnmem_scratch_release);
}

/**
 * nnmem_scratch_shared_use - a graph starts using the shared area
 * @ndev: the device
 * @size: bytes the graph's plan needs, at least 1
 *
 * Grows the shared area to @size if it is smaller (or creates it).
 *
 * Return: 0; -ENOMEM, or -ENOSPC when a large enough area does not fit in
 * the arena (nothing changed then).
 */
int nnmem_scratch_shared_use(struct nnmem_device *ndev, u64 size)
{
	struct nnmem_scratch *sc, *old = NULL, *got;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL_ACCOUNT);
	if (!sc)
		return -ENOMEM;
	mutex_lock(&ndev->lock);
	if (ndev->scratch && ndev->scratch->size >= size) {
		ndev->scratch_users++;
		mutex_unlock(&ndev->lock);
		kfree(sc);
		return 0;
	}
	got = nnmem_scratch_new_locked(ndev, size, sc);
	if (IS_ERR(got)) {
		mutex_unlock(&ndev->lock);
		kfree(sc);
		return PTR_ERR(got);
	}
	old = ndev->scratch;
	ndev->scratch = sc;
	ndev->scratch_users++;
	mutex_unlock(&ndev->lock);
	/* the device's hold on the old area; a running job may keep it */
	nnmem_scratch_put(old);
	return 0;
}

/**
 * nnmem_scratch_shared_unuse - a graph stops using the shared area
 * @ndev: the device
 *
 * The last graph's call frees the area (once no job runs on it).
 */
void nnmem_scratch_shared_unuse(struct nnmem_device *ndev)
{
	struct nnmem_scratch *old = NULL;

	mutex_lock(&ndev->lock);
	if (!WARN_ON(!ndev->scratch_users) && !--ndev->scratch_users) {
		old = ndev->scratch;
		ndev->scratch = NULL;
	}
	mutex_unlock(&ndev->lock);
	nnmem_scratch_put(old);
}

/**
 * nnmem_scratch_shared_get - the shared area, for a job about to run
 * @ndev: the device
 *
 * Return: the current shared area with a reference, to put when the job
 * is done; NULL if no graph uses it.
 */
struct nnmem_scratch *nnmem_scratch_shared_get(struct nnmem_device *ndev)
{
	struct nnmem_scratch *sc;

	mutex_lock(&ndev->lock);
	sc = ndev->scratch;
	if (sc)
		kref_get(&sc->ref);
	mutex_unlock(&ndev->lock);
	return sc;
}
