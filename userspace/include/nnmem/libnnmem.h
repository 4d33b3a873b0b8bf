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

/* Copy between user memory and a region, at @offset inside the region. */
int nnmem_write(struct nnmem_dev *dev, uint32_t handle, uint64_t offset,
		const void *buf, size_t len);
int nnmem_read(struct nnmem_dev *dev, uint32_t handle, uint64_t offset,
	       void *buf, size_t len);

/* "weight", "activation" or "?" */
const char *nnmem_kind_name(uint32_t kind);

/* Describe a negative errno returned by this library in nnmem's terms. */
const char *nnmem_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* NNMEM_LIBNNMEM_H */
