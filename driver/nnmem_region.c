// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem regions: ALLOC, FREE, REGION_INFO, WRITE, READ and mmap().
 *
 * A region is reference counted. The session's handle holds one reference,
 * every vma mapping it holds one, and an ioctl working on it holds one while
 * it runs, so user copies happen without the device lock. Freeing the handle
 * (FREE or close) only drops the handle's reference; the arena space goes
 * back when the last reference does. A region whose handle is gone while a
 * mapping still exists is "deferred" and counted as such in USAGE. An
 * exported dma-buf (nnmem_dmabuf.c) holds a reference and counts as a
 * mapping.
 *
 * Handles are given cyclically from 1 to NNMEM_REGION_HANDLE_MAX, so that
 * a handle, and the mmap offset made from it, means one region for a long
 * time; the session's limit on regions is a count (nr_regions).
 *
 * ALLOC charges the region's span to the session's quota account before
 * placing it; the charge goes with the span (nnmem_region_release()).
 *
 * ALLOC zeroes the region's span before anyone can see it: whatever READ,
 * a mapping or a graph can reach was written by the session or is zero.
 * Zeroing on allocation rather than on free keeps the cost with the caller
 * that asks for memory (and lets a killed caller stop), never with munmap()
 * under mmap_lock, close() or the job worker; the arena is zero when
 * allocated. It runs with no lock held, in pieces with cond_resched().
 *
 * Compaction (nnmem_compact.c) may move a region: its offset is read under
 * the device lock or with compact_rwsem held for reading (READ, WRITE, the
 * zeroing in ALLOC), which keeps it still. Mappings are filled page by
 * page by nnmem_region_vm_fault() under the device lock; compaction
 * unmaps them before it moves the region, so they fault again and find
 * the new place.
 *
 * mmap(): the offset is &nnmem_region_info.mmap_offset (handle << 32), plus
 * optionally a page-aligned byte offset inside the region. Errors: unknown
 * handle -ENOENT (as for every other use of a handle, a freed one included),
 * region not mappable -EACCES, MAP_PRIVATE or a range past the region's span
 * -EINVAL. mmap() checks that the handle still exists and counts the new
 * mapping under the device lock, where FREE drops the handle and defers a
 * mapped region, so USAGE never sees a mapped region that is counted
 * neither as the session's nor as deferred.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "nnmem_compact.h"
#include "nnmem_compat.h"
#include "nnmem_event.h"
#include "nnmem_region.h"
#include "nnmem_session.h"
#include "nnmem_trace.h"

/* Largest piece copied between rescheduling points in READ/WRITE. */
#define NNMEM_RW_CHUNK		SZ_1M
/* Largest piece zeroed between rescheduling points in ALLOC. */
#define NNMEM_CLEAR_CHUNK	SZ_1M

static void nnmem_region_release(struct kref *ref)
{
	struct nnmem_region *r = container_of(ref, struct nnmem_region, ref);
	struct nnmem_device *ndev = r->ndev;

	WARN_ON(r->busy);
	mutex_lock(&ndev->lock);
	trace_nnmem_region_free(ndev->index, r->ar.offset, r->size);
	nnmem_arena_free(&ndev->arena, &r->ar);
	nnmem_quota_uncharge_locked(ndev, r->quota, r->ar.kind, r->span);
	if (r->deferred) {
		ndev->deferred_regions--;
		ndev->deferred_bytes -= r->ar.res_size;
	}
	mutex_unlock(&ndev->lock);
	kfree(r);
}

/**
 * nnmem_region_put - drop a reference to a region
 * @r: the region
 *
 * Never called with ndev->lock or a spinlock held: the last put takes the
 * device lock to give the span back.
 */
void nnmem_region_put(struct nnmem_region *r)
{
	kref_put(&r->ref, nnmem_region_release);
}

/**
 * nnmem_region_get - look a handle up and take a reference
 * @s: the session owning the handle
 * @handle: the region's handle
 *
 * Return: the region, or NULL if the handle is unknown or still in flight.
 */
struct nnmem_region *nnmem_region_get(struct nnmem_session *s,
				      unsigned long handle)
{
	struct nnmem_region *r;

	xa_lock(&s->regions);
	r = xa_load(&s->regions, handle);
	if (r)
		kref_get(&r->ref);
	xa_unlock(&s->regions);
	return r;
}

/* The handle has been erased: stop counting the region for the session. */
static void nnmem_region_drop_handle_locked(struct nnmem_session *s,
					    struct nnmem_region *r)
{
	struct nnmem_device *ndev = s->ndev;

	lockdep_assert_held(&ndev->lock);
	r->unlinked = true;
	s->nr_regions--;
	s->bytes -= r->ar.res_size;
	if (r->map_count) {
		r->deferred = true;
		ndev->deferred_regions++;
		ndev->deferred_bytes += r->ar.res_size;
	}
}

static void nnmem_region_drop_handle(struct nnmem_session *s,
				     struct nnmem_region *r)
{
	mutex_lock(&s->ndev->lock);
	nnmem_region_drop_handle_locked(s, r);
	mutex_unlock(&s->ndev->lock);
	nnmem_region_put(r);
}

/* Printable ASCII, NUL-terminated inside the array, zeros after the NUL. */
static bool nnmem_label_valid(const u8 *label)
{
	size_t len = strnlen((const char *)label, NNMEM_LABEL_LEN);
	size_t i;

	if (len == NNMEM_LABEL_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (label[i] < 0x20 || label[i] > 0x7e)
			return false;
	return !memchr_inv(label + len, 0, NNMEM_LABEL_LEN - len);
}

static int nnmem_alloc_check(const struct nnmem_device *ndev,
			     const struct nnmem_alloc *a)
{
	if (!a->size || a->size > ndev->size)
		return -EINVAL;
	if (a->align && (!is_power_of_2(a->align) ||
			 a->align > NNMEM_ALIGN_MAX))
		return -EINVAL;
	if (a->kind != NNMEM_KIND_WEIGHT && a->kind != NNMEM_KIND_ACTIVATION)
		return -EINVAL;
	if (a->flags & ~NNMEM_ALLOC_VALID_FLAGS)
		return -EINVAL;
	if (!nnmem_label_valid(a->label))
		return -EINVAL;
	return 0;
}

/*
 * Zero everything the new region shows (its span) while only this ALLOC
 * can reach it. No lock is held; between pieces the caller may be
 * rescheduled, and a killed caller stops (nobody sees the -EINTR).
 */
static int nnmem_region_clear(struct nnmem_region *r)
{
	struct nnmem_device *ndev = r->ndev;
	u64 left = r->span;
	int ret = 0;
	u8 *p;

	/* not moved while we write it */
	down_read(&ndev->compact_rwsem);
	p = (u8 *)ndev->cpu_addr + r->ar.offset;
	while (left) {
		size_t n = min_t(u64, left, NNMEM_CLEAR_CHUNK);

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		memset(p, 0, n);
		p += n;
		left -= n;
		cond_resched();
	}
	up_read(&ndev->compact_rwsem);
	return ret;
}

/**
 * nnmem_region_alloc_ioctl - NNMEM_IOCTL_ALLOC
 * @s: calling session
 * @data: &struct nnmem_alloc, copied in; handle and offset filled in
 * @ctx: gets the new region, published by nnmem_region_alloc_commit()
 *
 * The handle is reserved (it reads as unknown) until the result has
 * reached userspace. The region's span is zeroed before that.
 *
 * Return: 0, -EINVAL for a bad field, -EMFILE at the session's limit,
 * -EDQUOT past an arena quota (nnmem_quota.c), -ENOSPC if the arena has
 * no room, -ENOMEM, -EINTR if the caller was killed while the region was
 * being zeroed.
 */
int nnmem_region_alloc_ioctl(struct nnmem_session *s, void *data,
			     struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_alloc *a = data;
	struct nnmem_device *ndev = s->ndev;
	enum nnmem_arena_kind akind;
	struct nnmem_region *r;
	u32 handle;
	int ret;

	ret = nnmem_alloc_check(ndev, a);
	if (ret)
		return ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	kref_init(&r->ref);
	r->ndev = ndev;
	r->session = s;
	r->kind = a->kind;
	r->flags = a->flags;
	r->align = a->align ? a->align : NNMEM_ALIGN_DEFAULT;
	r->size = a->size;
	r->span = a->size;
	if (r->flags & NNMEM_ALLOC_MAPPABLE) {
		r->align = max_t(u32, r->align, PAGE_SIZE);
		r->span = PAGE_ALIGN(a->size);
	}
	memcpy(r->label, a->label, NNMEM_LABEL_LEN);
	akind = a->kind == NNMEM_KIND_WEIGHT ? NNMEM_ARENA_WEIGHT :
					       NNMEM_ARENA_ACTIVATION;

	ret = xa_alloc_cyclic(&s->regions, &handle, NULL,
			      XA_LIMIT(1, NNMEM_REGION_HANDLE_MAX),
			      &s->next_region, GFP_KERNEL);
	if (ret == -EBUSY)
		ret = -EMFILE;
	if (ret < 0)
		goto err_free_region;
	r->handle = handle;

	mutex_lock(&ndev->lock);
	if (s->nr_regions >= nnmem_max_regions)
		ret = -EMFILE;
	else
		ret = nnmem_quota_charge_locked(ndev, s->quota, akind, r->span);
	if (!ret) {
		ret = nnmem_arena_alloc(&ndev->arena, &r->ar, akind, r->span,
					r->align);
		if (ret == -ENOSPC && nnmem_compact_would_fit_locked(ndev,
								     r->span)) {
			/* fragmented: compact once (sysfs auto_compact) */
			mutex_unlock(&ndev->lock);
			nnmem_compact_run(ndev, NNMEM_COMPACT_VALID_KINDS, true,
					  NULL);
			mutex_lock(&ndev->lock);
			ret = nnmem_arena_alloc(&ndev->arena, &r->ar, akind,
						r->span, r->align);
		}
		if (ret)
			nnmem_quota_uncharge_locked(ndev, s->quota, akind,
						    r->span);
	}
	if (ret) {
		mutex_unlock(&ndev->lock);
		if (ret == -ENOSPC)
			nnmem_event_notify_alloc_failed(s, a->size, a->align,
							a->kind, ret);
		goto err_erase_handle;
	}
	r->quota = s->quota;
	s->nr_regions++;
	s->bytes += r->ar.res_size;
	trace_nnmem_region_alloc(ndev->index, handle, r->kind, r->ar.offset,
				 r->size, r->align);
	mutex_unlock(&ndev->lock);

	ret = nnmem_region_clear(r);
	if (ret)
		goto err_drop_handle;

	a->handle = handle;
	a->offset = r->ar.offset;
	ctx->obj = r;
	return 0;

err_drop_handle:
	xa_erase(&s->regions, handle);
	/* The last reference: gives the span back and frees the region. */
	nnmem_region_drop_handle(s, r);
	return ret;
err_erase_handle:
	xa_erase(&s->regions, handle);
err_free_region:
	kfree(r);
	return ret;
}

/**
 * nnmem_region_alloc_commit - publish or undo a new region
 * @s: calling session
 * @data: &struct nnmem_alloc as returned
 * @ctx: holds the region from nnmem_region_alloc_ioctl()
 * @copied: whether the result reached userspace
 */
void nnmem_region_alloc_commit(struct nnmem_session *s, void *data,
			       struct nnmem_ioctl_ctx *ctx, bool copied)
{
	struct nnmem_region *r = ctx->obj;
	struct nnmem_event *ev;
	void *old;

	if (copied) {
		/* Built while the region is still only ours. */
		ev = nnmem_event_region(s, r, NNMEM_EV_REGION_ALLOC);
		/* Filling a reserved slot allocates nothing and cannot fail. */
		old = xa_store(&s->regions, r->handle, r, GFP_KERNEL);
		WARN_ON_ONCE(xa_is_err(old));
		nnmem_event_send(ev);
		return;
	}
	xa_erase(&s->regions, r->handle);
	nnmem_region_drop_handle(s, r);
}

/**
 * nnmem_region_free_ioctl - NNMEM_IOCTL_FREE
 * @s: calling session
 * @data: &struct nnmem_free
 * @ctx: unused
 *
 * Return: 0, -EINVAL if flags are set, -ENOENT for an unknown handle,
 * -EBUSY while a graph uses the region (nothing changes).
 */
int nnmem_region_free_ioctl(struct nnmem_session *s, void *data,
			    struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_free *f = data;
	struct nnmem_region *r;
	struct nnmem_event *ev;
	int ret = 0;

	if (f->flags)
		return -EINVAL;

	xa_lock(&s->regions);
	r = xa_load(&s->regions, f->handle);
	if (!r)
		ret = -ENOENT;
	else if (r->busy)
		ret = -EBUSY;
	else
		__xa_erase(&s->regions, f->handle);
	xa_unlock(&s->regions);
	if (ret)
		return ret;

	ev = nnmem_event_region(s, r, NNMEM_EV_REGION_FREE);
	nnmem_region_drop_handle(s, r);
	nnmem_event_send(ev);
	return 0;
}

/**
 * nnmem_region_info_ioctl - NNMEM_IOCTL_REGION_INFO
 * @s: calling session
 * @data: &struct nnmem_region_info, handle and flags in, the rest out
 * @ctx: unused
 *
 * Return: 0, -EINVAL if flags are set, -ENOENT for an unknown handle.
 */
int nnmem_region_info_ioctl(struct nnmem_session *s, void *data,
			    struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_region_info *ri = data;
	struct nnmem_region *r;
	u32 handle = ri->handle;

	if (ri->flags)
		return -EINVAL;
	r = nnmem_region_get(s, handle);
	if (!r)
		return -ENOENT;

	memset(ri, 0, sizeof(*ri));
	ri->handle = handle;
	ri->offset = r->ar.offset;
	ri->size = r->size;
	if (r->flags & NNMEM_ALLOC_MAPPABLE)
		ri->mmap_offset = (u64)handle << NNMEM_MMAP_HANDLE_SHIFT;
	ri->align = r->align;
	ri->kind = r->kind;
	ri->alloc_flags = r->flags;
	ri->span = r->span;
	memcpy(ri->label, r->label, NNMEM_LABEL_LEN);

	nnmem_region_put(r);
	return 0;
}

/**
 * nnmem_region_written - the region's bytes may have changed
 * @r: the region
 *
 * After a WRITE, or when a writable mapping or dma-buf was made or went:
 * graphs reading the region as weights pack them again at their next run
 * (see nnmem_graph_fast_prepare()). Ordered after the writes.
 */
void nnmem_region_written(struct nnmem_region *r)
{
	/* the bytes before the count: pairs with nnmem_graph_fast_prepare() */
	smp_mb__before_atomic();
	atomic64_inc(&r->wgen);
}

/*
 * Copy between user memory and the region without the device lock: the
 * reference keeps the region's arena space allocated. A fault anywhere
 * fails the whole call with -EFAULT.
 */
static int nnmem_region_rw(struct nnmem_session *s, struct nnmem_rw *rw,
			   bool write)
{
	void __user *ubuf = u64_to_user_ptr(rw->data);
	struct nnmem_region *r;
	u64 left = rw->length;
	void *kbuf;
	u64 end;
	int ret = 0;

	if (rw->flags)
		return -EINVAL;
	r = nnmem_region_get(s, rw->handle);
	if (!r)
		return -ENOENT;
	if (check_add_overflow(rw->offset, rw->length, &end) || end > r->size) {
		ret = -EINVAL;
		goto out_put;
	}

	/* not moved while we copy (user faults on our mappings are fine) */
	down_read(&s->ndev->compact_rwsem);
	kbuf = s->ndev->cpu_addr + r->ar.offset + rw->offset;
	while (left) {
		size_t n = min_t(u64, left, NNMEM_RW_CHUNK);
		unsigned long not_copied;

		if (write)
			not_copied = copy_from_user(kbuf, ubuf, n);
		else
			not_copied = copy_to_user(ubuf, kbuf, n);
		if (not_copied) {
			ret = -EFAULT;
			break;
		}
		kbuf += n;
		ubuf += n;
		left -= n;
		cond_resched();
	}
	up_read(&s->ndev->compact_rwsem);
	/* after the bytes: a run that sees the new count sees them too */
	if (write)
		nnmem_region_written(r);

out_put:
	nnmem_region_put(r);
	return ret;
}

/**
 * nnmem_region_write_ioctl - NNMEM_IOCTL_WRITE
 * @s: calling session
 * @data: &struct nnmem_rw
 * @ctx: unused
 *
 * Return: 0, -EINVAL for flags or a range past the region, -ENOENT for an
 * unknown handle, -EFAULT for a bad buffer.
 */
int nnmem_region_write_ioctl(struct nnmem_session *s, void *data,
			     struct nnmem_ioctl_ctx *ctx)
{
	return nnmem_region_rw(s, data, true);
}

/**
 * nnmem_region_read_ioctl - NNMEM_IOCTL_READ
 * @s: calling session
 * @data: &struct nnmem_rw
 * @ctx: unused
 *
 * Return: as nnmem_region_write_ioctl().
 */
int nnmem_region_read_ioctl(struct nnmem_session *s, void *data,
			    struct nnmem_ioctl_ctx *ctx)
{
	return nnmem_region_rw(s, data, false);
}

/* A vma was duplicated (fork) or split: it holds the region too. */
static void nnmem_region_vm_open(struct vm_area_struct *vma)
{
	struct nnmem_region *r = vma->vm_private_data;

	kref_get(&r->ref);
	mutex_lock(&r->ndev->lock);
	r->map_count++;
	mutex_unlock(&r->ndev->lock);
	if (vma->vm_flags & VM_MAYWRITE)
		atomic_inc(&r->wmaps);
}

static void nnmem_region_vm_close(struct vm_area_struct *vma)
{
	struct nnmem_region *r = vma->vm_private_data;

	if (vma->vm_flags & VM_MAYWRITE) {
		/* what it wrote is in: a later run packs it */
		nnmem_region_written(r);
		atomic_dec(&r->wmaps);
	}
	mutex_lock(&r->ndev->lock);
	r->map_count--;
	mutex_unlock(&r->ndev->lock);
	nnmem_region_put(r);
}

/* The page frame of the arena byte at @offset. */
static unsigned long nnmem_region_pfn(struct nnmem_device *ndev, u64 offset)
{
	void *addr = ndev->cpu_addr + offset;

	/* dma_alloc_coherent() memory: the direct map, or a remapping */
	if (is_vmalloc_addr(addr))
		return vmalloc_to_pfn(addr);
	return page_to_pfn(virt_to_page(addr));
}

/*
 * Map one page where the region is now. Under the device lock, which a
 * compaction holds while it unmaps and copies a region: a fault on a
 * region being moved waits for the copy and maps the new place.
 */
static vm_fault_t nnmem_region_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct nnmem_region *r = vma->vm_private_data;
	struct nnmem_device *ndev = r->ndev;
	unsigned long page = vmf->pgoff &
			     ((NNMEM_MMAP_OFFSET_MAX >> PAGE_SHIFT) - 1);
	vm_fault_t ret;

	/* mmap() checked the range and VM_DONTEXPAND keeps it */
	if (page >= r->span >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	mutex_lock(&ndev->lock);
	ret = vmf_insert_pfn(vma, vmf->address,
			     nnmem_region_pfn(ndev, r->ar.offset +
					      ((u64)page << PAGE_SHIFT)));
	mutex_unlock(&ndev->lock);
	return ret;
}

static const struct vm_operations_struct nnmem_region_vm_ops = {
	.open = nnmem_region_vm_open,
	.close = nnmem_region_vm_close,
	.fault = nnmem_region_vm_fault,
};

/**
 * nnmem_region_mmap - map (part of) a mappable region
 * @file: the session's file
 * @vma: the new mapping; vm_pgoff holds the region's mmap_offset plus a
 *	page offset inside it
 *
 * Return: 0, -ENOENT for an unknown or freed handle (or one past
 * %NNMEM_REGION_HANDLE_MAX), -EACCES if the region is not mappable,
 * -EINVAL for MAP_PRIVATE or a range outside the region's span.
 */
int nnmem_region_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct nnmem_session *s = file->private_data;
	struct nnmem_device *ndev = s->ndev;
	unsigned long pgoff = vma->vm_pgoff;
	unsigned long first = pgoff & ((NNMEM_MMAP_OFFSET_MAX >> PAGE_SHIFT) - 1);
	unsigned long handle = pgoff >> (NNMEM_MMAP_HANDLE_SHIFT - PAGE_SHIFT);
	unsigned long npages = vma_pages(vma);
	unsigned long span_pages;
	struct nnmem_region *r;
	int ret;

	if (handle > NNMEM_REGION_HANDLE_MAX)
		return -ENOENT;
	r = nnmem_region_get(s, handle);
	if (!r)
		return -ENOENT;
	if (!(r->flags & NNMEM_ALLOC_MAPPABLE)) {
		ret = -EACCES;
		goto err_put;
	}
	span_pages = r->span >> PAGE_SHIFT;
	if (!(vma->vm_flags & VM_MAYSHARE) || first >= span_pages ||
	    npages > span_pages - first) {
		ret = -EINVAL;
		goto err_put;
	}

	/*
	 * Counted before it exists, so that a racing FREE defers the region;
	 * a FREE that came first (the lookup above raced with it) wins.
	 */
	mutex_lock(&ndev->lock);
	if (r->unlinked) {
		mutex_unlock(&ndev->lock);
		ret = -ENOENT;
		goto err_put;
	}
	r->map_count++;
	r->mapping = file->f_mapping;
	mutex_unlock(&ndev->lock);

	/*
	 * Filled by nnmem_region_vm_fault() with the pages dma_mmap_coherent()
	 * would map (x86 dma-direct: the coherent prot is the plain one).
	 */
	nnmem_vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND |
			   VM_DONTDUMP);
	/* a read-only mapping stays so, so that it never counts as a writer */
	if (!(vma->vm_flags & VM_WRITE))
		nnmem_vm_flags_clear(vma, VM_MAYWRITE);

	/*
	 * The reference taken by the lookup now belongs to the vma. On
	 * failure the core calls no vm_ops, so they are set only now.
	 */
	vma->vm_private_data = r;
	vma->vm_ops = &nnmem_region_vm_ops;
	if (vma->vm_flags & VM_MAYWRITE) {
		atomic_inc(&r->wmaps);
		nnmem_region_written(r);
	}
	return 0;

err_put:
	nnmem_region_put(r);
	return ret;
}

/**
 * nnmem_region_free_all - drop every handle of a closing session
 * @s: the session
 *
 * Regions still mapped stay allocated until their last mapping goes.
 */
void nnmem_region_free_all(struct nnmem_session *s)
{
	struct nnmem_region *r;
	unsigned long handle;
	struct nnmem_event *ev;

	xa_for_each(&s->regions, handle, r) {
		xa_erase(&s->regions, handle);
		ev = nnmem_event_region(s, r, NNMEM_EV_REGION_FREE);
		nnmem_region_drop_handle(s, r);
		nnmem_event_send(ev);
		/* a session may hold max_regions (up to 1 Mi) regions */
		cond_resched();
	}
}
