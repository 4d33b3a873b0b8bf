/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: dma-buf export of a mappable region (NNMEM_IOCTL_EXPORT), and
 * the list of live dma-bufs and their importers that netlink's dmabuf-get
 * shows.
 */
#ifndef __NNMEM_DMABUF_H__
#define __NNMEM_DMABUF_H__

#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include "nnmem_drv.h"

struct dma_buf;
struct pid;
struct nnmem_region;
struct nnmem_session;

/**
 * struct nnmem_dmabuf - what an exported dma-buf holds
 * @r: the region (a reference, and one count of its map_count)
 * @dmabuf: the dma-buf (set before it is listed)
 * @id: its place in the list of live dma-bufs, ascending from 1 per
 *	load, never reused (a dmabuf-get dump resumes by it)
 * @session: id of the exporting session
 * @handle: the exporting session's handle for @r
 * @uid: uid of the exporting session's opener (who may see it)
 * @pid: the exporting thread group (a reference)
 * @comm: command name of the exporting thread at export time
 * @ino: inode number of the dma-buf's file (set before it is listed)
 * @writable: exported with %NNMEM_EXPORT_RDWR (counted in @r's wmaps)
 * @mmaps: live VMAs mapping the dma-buf (its vm_ops open and close)
 * @node: link in the list of live dma-bufs (under nnmem_dmabuf_list_lock)
 * @lock: see the declaration
 * @attachments: the importers' &struct nnmem_dmabuf_attachment, most
 *	recent first
 * @nr_attachments: length of @attachments
 *
 * All but @mmaps, @node, @attachments and @nr_attachments is fixed once
 * the dma-buf is listed.
 */
struct nnmem_dmabuf {
	struct nnmem_region *r;
	struct dma_buf *dmabuf;
	u64 id;
	u64 session;
	u32 handle;
	kuid_t uid;
	struct pid *pid;
	char comm[TASK_COMM_LEN];
	unsigned long ino;
	bool writable;
	atomic_t mmaps;
	struct list_head node;
	struct mutex lock; /* protects attachments, nr_attachments, mapped */
	struct list_head attachments;
	unsigned int nr_attachments;
};

/**
 * struct nnmem_dmabuf_attachment - one importer's device
 * @dev: the importing device (the importer keeps it while attached)
 * @sgt: the region's pages, mapped for @dev while @mapped
 * @node: link in &nnmem_dmabuf.attachments
 * @mapped: @sgt is mapped for @dev (under &nnmem_dmabuf.lock)
 */
struct nnmem_dmabuf_attachment {
	struct device *dev;
	struct sg_table sgt;
	struct list_head node;
	bool mapped;
};

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
#define NNMEM_DMABUF_CAPS	NNMEM_CAP_DMABUF
int nnmem_dmabuf_export_ioctl(struct nnmem_session *s, void *data,
			      struct nnmem_ioctl_ctx *ctx);
void nnmem_dmabuf_export_commit(struct nnmem_session *s, void *data,
				struct nnmem_ioctl_ctx *ctx, bool copied);
int nnmem_dmabuf_walk(u64 from, int (*fn)(struct nnmem_dmabuf *nb,
					  void *arg),
		      void *arg);
void nnmem_dmabuf_name(const struct nnmem_dmabuf *nb, char *buf,
		       size_t len);
#else
/* A kernel without dma-bufs: EXPORT is unknown, as on an older driver. */
#define NNMEM_DMABUF_CAPS	0
#define nnmem_dmabuf_export_ioctl	NULL
#define nnmem_dmabuf_export_commit	NULL
static inline int nnmem_dmabuf_walk(u64 from,
				    int (*fn)(struct nnmem_dmabuf *nb,
					      void *arg),
				    void *arg)
{
	return 0;
}

static inline void nnmem_dmabuf_name(const struct nnmem_dmabuf *nb,
				     char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
}
#endif

#endif /* __NNMEM_DMABUF_H__ */
