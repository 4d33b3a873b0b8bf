// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem dma-buf export: NNMEM_IOCTL_EXPORT makes a dma-buf of a mappable
 * region, for another process (the fd passed over a unix socket) or
 * another driver.
 *
 * The dma-buf holds a reference to the region and counts as one of its
 * mappings (map_count). It is counted under the device lock after checking
 * that the handle still exists, as mmap() does, so a FREE or close of the
 * exporting session defers the region, which keeps its arena space until
 * the dma-buf is released: its last fd and mapping gone, every importer
 * done. A writable export also counts as a writer of the region (wmaps)
 * for its whole life, since its mappings and importers may change the
 * bytes at any time: the graphs never trust packed weights meanwhile.
 *
 * The dma-buf's owner is this module: dma_buf_export() takes a module
 * reference that the dma-buf's release drops, so the module cannot be
 * unloaded while a dma-buf lives.
 *
 * The ioctl reserves the fd and its commit installs it once the struct has
 * reached userspace; a failed copy-out releases the dma-buf unseen.
 *
 * The arena is one dma_alloc_coherent() buffer of the nnmem platform
 * device. mmap() of the dma-buf uses dma_mmap_coherent() at the region's
 * page offset, as nnmem_region_mmap() does; an importer's scatterlist is
 * dma_get_sgtable() of the region's slice, mapped for the importer's
 * device. The CPU needs no sync for the arena itself; DMA_BUF_IOCTL_SYNC
 * syncs the importers' mappings (a bounce buffer, a non-coherent device),
 * as the dma-heaps do.
 *
 * Who holds it (netlink's dmabuf-get): every live nnmem dma-buf is on
 * one list, in export order, with what names it (its inode number, the
 * exporting session, handle and process), its CPU mappings (its VMAs,
 * counted by their vm_ops open and close) and its importers (attach adds
 * one, detach removes it, map and unmap set its mapped flag). A dma-buf
 * is listed once exported and unlisted by its release, before its memory
 * goes: a walk of the list under nnmem_dmabuf_list_lock may read any
 * listed dma-buf and its region, but never its file (the core frees the
 * file before it calls release).
 *
 * Lock order: nnmem_dmabuf_list_lock -> nnmem_dmabuf.lock, and the
 * dma_resv lock -> nnmem_dmabuf.lock: 6.1 calls map_dma_buf and
 * unmap_dma_buf of a static importer (vgem) without the dma_resv lock,
 * 6.12 always with it (dma_buf_map_attachment_unlocked() takes it); attach
 * and detach run without it on both. nnmem_dmabuf.lock is innermost:
 * nothing is locked under it. The device lock is taken with none of these
 * held.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/nnmem.h>

#include "nnmem_compat.h"
#include "nnmem_dmabuf.h"
#include "nnmem_region.h"
#include "nnmem_session.h"

/* dma_buf_export() and friends are in the DMA_BUF namespace. */
MODULE_IMPORT_NS(DMA_BUF);

static DEFINE_MUTEX(nnmem_dmabuf_list_lock); /* protects the list, next id */
/* Live dma-bufs, ascending id: &nnmem_dmabuf.node. */
static LIST_HEAD(nnmem_dmabuf_list);
static u64 nnmem_dmabuf_next_id = 1;

static int nnmem_dmabuf_attach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attach)
{
	struct nnmem_dmabuf *nb = dmabuf->priv;
	struct nnmem_region *r = nb->r;
	struct nnmem_device *ndev = r->ndev;
	struct nnmem_dmabuf_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = dma_get_sgtable(&ndev->pdev->dev, &a->sgt,
			      ndev->cpu_addr + r->ar.offset,
			      ndev->dma_addr + r->ar.offset, r->span);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&nb->lock);
	list_add(&a->node, &nb->attachments);
	nb->nr_attachments++;
	mutex_unlock(&nb->lock);
	return 0;
}

static void nnmem_dmabuf_detach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct nnmem_dmabuf *nb = dmabuf->priv;
	struct nnmem_dmabuf_attachment *a = attach->priv;

	mutex_lock(&nb->lock);
	list_del(&a->node);
	nb->nr_attachments--;
	mutex_unlock(&nb->lock);
	sg_free_table(&a->sgt);
	kfree(a);
}

static struct sg_table *
nnmem_dmabuf_map(struct dma_buf_attachment *attach,
		 enum dma_data_direction dir)
{
	struct nnmem_dmabuf *nb = attach->dmabuf->priv;
	struct nnmem_dmabuf_attachment *a = attach->priv;
	int ret;

	/* a read-only export: the device may only read it */
	if (!nb->writable && dir != DMA_TO_DEVICE)
		return ERR_PTR(-EACCES);
	ret = dma_map_sgtable(a->dev, &a->sgt, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&nb->lock);
	a->mapped = true;
	mutex_unlock(&nb->lock);
	return &a->sgt;
}

static void nnmem_dmabuf_unmap(struct dma_buf_attachment *attach,
			       struct sg_table *sgt,
			       enum dma_data_direction dir)
{
	struct nnmem_dmabuf *nb = attach->dmabuf->priv;
	struct nnmem_dmabuf_attachment *a = attach->priv;

	mutex_lock(&nb->lock);
	a->mapped = false;
	mutex_unlock(&nb->lock);
	dma_unmap_sgtable(a->dev, sgt, dir, 0);
}

static int nnmem_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					 enum dma_data_direction dir)
{
	struct nnmem_dmabuf *nb = dmabuf->priv;
	struct nnmem_dmabuf_attachment *a;

	mutex_lock(&nb->lock);
	list_for_each_entry(a, &nb->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_cpu(a->dev, &a->sgt, dir);
	mutex_unlock(&nb->lock);
	return 0;
}

static int nnmem_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
				       enum dma_data_direction dir)
{
	struct nnmem_dmabuf *nb = dmabuf->priv;
	struct nnmem_dmabuf_attachment *a;

	mutex_lock(&nb->lock);
	list_for_each_entry(a, &nb->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_device(a->dev, &a->sgt, dir);
	mutex_unlock(&nb->lock);
	return 0;
}

/*
 * A VMA of the dma-buf comes (fork, split, mremap) or goes: counted for
 * dmabuf-get. The VMA holds the dma-buf's file, so @nb lives meanwhile.
 */
static void nnmem_dmabuf_vm_open(struct vm_area_struct *vma)
{
	struct nnmem_dmabuf *nb = vma->vm_private_data;

	atomic_inc(&nb->mmaps);
}

static void nnmem_dmabuf_vm_close(struct vm_area_struct *vma)
{
	struct nnmem_dmabuf *nb = vma->vm_private_data;

	atomic_dec(&nb->mmaps);
}

static const struct vm_operations_struct nnmem_dmabuf_vm_ops = {
	.open = nnmem_dmabuf_vm_open,
	.close = nnmem_dmabuf_vm_close,
};

/*
 * The core checked that the range lies inside the dma-buf (the region's
 * span) and, for a read-only export, that the mapping cannot write.
 * dma_mmap_coherent() fills the whole VMA at once and sets no vm_ops: ours
 * only count the VMAs (for dmabuf-get; a kernel that fails mmap() after
 * this returned without calling close may leave the count one high, which
 * is why nothing but netlink reads it).
 */
static int nnmem_dmabuf_mmap(struct dma_buf *dmabuf,
			     struct vm_area_struct *vma)
{
	struct nnmem_dmabuf *nb = dmabuf->priv;
	struct nnmem_region *r = nb->r;
	struct nnmem_device *ndev = r->ndev;
	unsigned long pgoff = vma->vm_pgoff;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	nnmem_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	/* dma_mmap_coherent() takes the page offset into the whole arena. */
	vma->vm_pgoff = (r->ar.offset >> PAGE_SHIFT) + pgoff;
	ret = dma_mmap_coherent(&ndev->pdev->dev, vma, ndev->cpu_addr,
				ndev->dma_addr, ndev->size);
	vma->vm_pgoff = pgoff;
	if (ret)
		return ret;
	vma->vm_ops = &nnmem_dmabuf_vm_ops;
	vma->vm_private_data = nb;
	atomic_inc(&nb->mmaps);
	return 0;
}

static int nnmem_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct nnmem_dmabuf *nb = dmabuf->priv;
	struct nnmem_region *r = nb->r;

	iosys_map_set_vaddr(map, r->ndev->cpu_addr + r->ar.offset);
	return 0;
}

/* Undo the export's counts, drop its region reference and free it. */
static void nnmem_dmabuf_free(struct nnmem_dmabuf *nb)
{
	struct nnmem_region *r = nb->r;
	struct nnmem_device *ndev = r->ndev;

	mutex_lock(&nnmem_dmabuf_list_lock);
	list_del_init(&nb->node);
	mutex_unlock(&nnmem_dmabuf_list_lock);
	WARN_ON(!list_empty(&nb->attachments));
	if (nb->writable) {
		/* what it wrote is in: a later run packs it */
		nnmem_region_written(r);
		atomic_dec(&r->wmaps);
	}
	mutex_lock(&ndev->lock);
	r->map_count--;
	WRITE_ONCE(r->dmabufs, r->dmabufs - 1);
	ndev->dmabufs--;
	mutex_unlock(&ndev->lock);
	nnmem_region_put(r);
	put_pid(nb->pid);
	mutex_destroy(&nb->lock);
	kfree(nb);
}

static void nnmem_dmabuf_release(struct dma_buf *dmabuf)
{
	nnmem_dmabuf_free(dmabuf->priv);
}

static const struct dma_buf_ops nnmem_dmabuf_ops = {
	.attach = nnmem_dmabuf_attach,
	.detach = nnmem_dmabuf_detach,
	.map_dma_buf = nnmem_dmabuf_map,
	.unmap_dma_buf = nnmem_dmabuf_unmap,
	.begin_cpu_access = nnmem_dmabuf_begin_cpu_access,
	.end_cpu_access = nnmem_dmabuf_end_cpu_access,
	.mmap = nnmem_dmabuf_mmap,
	.vmap = nnmem_dmabuf_vmap,
	.release = nnmem_dmabuf_release,
};

static int nnmem_export_check(const struct nnmem_export *e)
{
	if (e->flags & ~NNMEM_EXPORT_VALID_FLAGS)
		return -EINVAL;
	if (e->__pad || e->reserved[0] || e->reserved[1])
		return -EINVAL;
	return 0;
}

/**
 * nnmem_dmabuf_export_ioctl - NNMEM_IOCTL_EXPORT
 * @s: calling session
 * @data: &struct nnmem_export, copied in; fd filled in
 * @ctx: gets the dma-buf, whose fd nnmem_dmabuf_export_commit() installs
 *
 * Return: 0, -EINVAL for a bad field, -ENOENT for an unknown handle,
 * -EACCES for a region that is not mappable, -EMFILE without a free fd,
 * -ENOMEM.
 */
int nnmem_dmabuf_export_ioctl(struct nnmem_session *s, void *data,
			      struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_export *e = data;
	struct nnmem_device *ndev = s->ndev;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct nnmem_dmabuf *nb;
	struct nnmem_region *r;
	struct dma_buf *dmabuf;
	int fd, ret;

	ret = nnmem_export_check(e);
	if (ret)
		return ret;
	r = nnmem_region_get(s, e->handle);
	if (!r)
		return -ENOENT;
	if (!(r->flags & NNMEM_ALLOC_MAPPABLE)) {
		ret = -EACCES;
		goto err_put_region;
	}

	nb = kzalloc(sizeof(*nb), GFP_KERNEL_ACCOUNT);
	if (!nb) {
		ret = -ENOMEM;
		goto err_put_region;
	}
	nb->r = r;
	nb->writable = e->flags & NNMEM_EXPORT_RDWR;
	nb->session = nnmem_session_id(s);
	nb->handle = e->handle;
	nb->uid = nnmem_session_uid(s);
	nb->pid = get_task_pid(current, PIDTYPE_TGID);
	get_task_comm(nb->comm, current);
	INIT_LIST_HEAD(&nb->node);
	mutex_init(&nb->lock);
	INIT_LIST_HEAD(&nb->attachments);

	fd = get_unused_fd_flags(e->flags & NNMEM_EXPORT_CLOEXEC ?
				 O_CLOEXEC : 0);
	if (fd < 0) {
		ret = fd;
		goto err_free_nb;
	}

	/* as mmap(): counted where FREE drops the handle and defers */
	mutex_lock(&ndev->lock);
	if (r->unlinked) {
		mutex_unlock(&ndev->lock);
		ret = -ENOENT;
		goto err_put_fd;
	}
	r->map_count++;
	WRITE_ONCE(r->dmabufs, r->dmabufs + 1); /* also pins it (compaction) */
	ndev->dmabufs++;
	mutex_unlock(&ndev->lock);
	if (nb->writable) {
		atomic_inc(&r->wmaps);
		nnmem_region_written(r);
	}

	exp_info.ops = &nnmem_dmabuf_ops;
	exp_info.size = r->span;
	exp_info.flags = nb->writable ? O_RDWR : O_RDONLY;
	exp_info.priv = nb;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_uncount;
	}

	/* The dma-buf now owns nb and the region reference. */
	nb->dmabuf = dmabuf;
	nb->ino = file_inode(dmabuf->file)->i_ino;
	mutex_lock(&nnmem_dmabuf_list_lock);
	nb->id = nnmem_dmabuf_next_id++;
	list_add_tail(&nb->node, &nnmem_dmabuf_list);
	mutex_unlock(&nnmem_dmabuf_list_lock);
	e->fd = fd;
	ctx->obj = dmabuf;
	return 0;

err_uncount:
	put_unused_fd(fd);
	/* undoes the counts, drops the reference, frees nb */
	nnmem_dmabuf_free(nb);
	return ret;
err_put_fd:
	put_unused_fd(fd);
err_free_nb:
	put_pid(nb->pid);
	mutex_destroy(&nb->lock);
	kfree(nb);
err_put_region:
	nnmem_region_put(r);
	return ret;
}

/**
 * nnmem_dmabuf_export_commit - install or drop the new dma-buf's fd
 * @s: calling session
 * @data: &struct nnmem_export as returned
 * @ctx: holds the dma-buf from nnmem_dmabuf_export_ioctl()
 * @copied: whether the result reached userspace
 */
void nnmem_dmabuf_export_commit(struct nnmem_session *s, void *data,
				struct nnmem_ioctl_ctx *ctx, bool copied)
{
	struct nnmem_export *e = data;
	struct dma_buf *dmabuf = ctx->obj;

	if (copied) {
		fd_install(e->fd, dmabuf->file);
		return;
	}
	put_unused_fd(e->fd);
	dma_buf_put(dmabuf);
}

/**
 * nnmem_dmabuf_walk - call @fn on each live dma-buf from id @from
 * @from: the first id to visit (1 for all)
 * @fn: called with the list lock and the dma-buf's lock held (so it may
 *	read its attachments) and must not sleep for long nor take the
 *	device lock; a nonzero return stops the walk
 * @arg: for @fn
 *
 * Return: what the last @fn returned, 0 if none stopped the walk.
 */
int nnmem_dmabuf_walk(u64 from, int (*fn)(struct nnmem_dmabuf *nb,
					  void *arg),
		      void *arg)
{
	struct nnmem_dmabuf *nb;
	int ret = 0;

	mutex_lock(&nnmem_dmabuf_list_lock);
	list_for_each_entry(nb, &nnmem_dmabuf_list, node) {
		if (nb->id < from)
			continue;
		mutex_lock(&nb->lock);
		ret = fn(nb, arg);
		mutex_unlock(&nb->lock);
		if (ret)
			break;
	}
	mutex_unlock(&nnmem_dmabuf_list_lock);
	return ret;
}

/**
 * nnmem_dmabuf_name - the name DMA_BUF_SET_NAME gave a listed dma-buf
 * @nb: the dma-buf, listed (the caller walks the list)
 * @buf: gets the name, "" if it has none (truncated to @len)
 * @len: size of @buf, nonzero
 */
void nnmem_dmabuf_name(const struct nnmem_dmabuf *nb, char *buf, size_t len)
{
	struct dma_buf *dmabuf = nb->dmabuf;

	spin_lock(&dmabuf->name_lock);
	strscpy(buf, dmabuf->name ? dmabuf->name : "", len);
	spin_unlock(&dmabuf->name_lock);
}
