/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: dma-buf export of a mappable region (NNMEM_IOCTL_EXPORT).
 */
#ifndef __NNMEM_DMABUF_H__
#define __NNMEM_DMABUF_H__

#include <linux/errno.h>
#include <linux/types.h>

#include "nnmem_drv.h"

struct nnmem_session;

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
#define NNMEM_DMABUF_CAPS	NNMEM_CAP_DMABUF
int nnmem_dmabuf_export_ioctl(struct nnmem_session *s, void *data,
			      struct nnmem_ioctl_ctx *ctx);
void nnmem_dmabuf_export_commit(struct nnmem_session *s, void *data,
				struct nnmem_ioctl_ctx *ctx, bool copied);
#else
/* A kernel without dma-bufs: EXPORT is unknown, as on an older driver. */
#define NNMEM_DMABUF_CAPS	0
#define nnmem_dmabuf_export_ioctl	NULL
#define nnmem_dmabuf_export_commit	NULL
#endif

#endif /* __NNMEM_DMABUF_H__ */
