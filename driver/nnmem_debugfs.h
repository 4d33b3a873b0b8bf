/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem debugfs: /sys/kernel/debug/nnmem/nnmemN/extents, the allocator's
 * map (driver/debugfs-nnmem documents it). Nothing here can fail: without
 * debugfs the files are simply absent.
 */
#ifndef __NNMEM_DEBUGFS_H__
#define __NNMEM_DEBUGFS_H__

#include "nnmem_drv.h"

void nnmem_debugfs_init(void);
void nnmem_debugfs_fini(void);
void nnmem_debugfs_device_init(struct nnmem_device *ndev);
void nnmem_debugfs_device_fini(struct nnmem_device *ndev);

#endif /* __NNMEM_DEBUGFS_H__ */
