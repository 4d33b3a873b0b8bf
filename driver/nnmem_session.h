/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: a session is one open file of /dev/nnmemN and owns its regions.
 */
#ifndef __NNMEM_SESSION_H__
#define __NNMEM_SESSION_H__

#include <linux/fs.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "nnmem_drv.h"

/**
 * struct nnmem_session - one open file
 * @ndev: the device it was opened on
 * @regions: handle -> struct nnmem_region; a handle reserved by an ALLOC
 *	still in flight holds NULL (its own xa_lock protects the tree)
 * @nr_regions: regions held (under @ndev->lock)
 * @bytes: arena bytes (spans) held (under @ndev->lock)
 */
struct nnmem_session {
	struct nnmem_device *ndev;
	struct xarray regions;
	u32 nr_regions;
	u64 bytes;
};

int nnmem_session_open(struct inode *inode, struct file *file);
int nnmem_session_release(struct inode *inode, struct file *file);
int nnmem_session_usage_ioctl(struct nnmem_session *s, void *data,
			      struct nnmem_ioctl_ctx *ctx);

#endif /* __NNMEM_SESSION_H__ */
