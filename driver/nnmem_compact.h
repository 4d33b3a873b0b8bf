/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: compaction of a device's arena (NNMEM_IOCTL_COMPACT and
 * sysfs auto_compact).
 */
#ifndef __NNMEM_COMPACT_H__
#define __NNMEM_COMPACT_H__

#include <linux/types.h>

struct nnmem_device;
struct nnmem_session;
struct nnmem_ioctl_ctx;

/**
 * struct nnmem_compact_result - what one compaction did
 * @regions: regions moved
 * @bytes: bytes copied
 * @largest_free: largest free extent afterwards
 * @free_bytes: free bytes afterwards
 */
struct nnmem_compact_result {
	u32 regions;
	u64 bytes;
	u64 largest_free;
	u64 free_bytes;
};

int nnmem_compact_run(struct nnmem_device *ndev, u32 kinds,
		      bool automatic, struct nnmem_compact_result *res);
bool nnmem_compact_would_fit_locked(struct nnmem_device *ndev, u64 size);
int nnmem_compact_ioctl(struct nnmem_session *s, void *data,
			struct nnmem_ioctl_ctx *ctx);

#endif /* __NNMEM_COMPACT_H__ */
