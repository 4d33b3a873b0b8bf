/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: the few kernel API differences between the kernels nnmem builds on
 * (6.1 and 6.12). Each is detected from the API itself, never from the
 * version number: a macro's presence here, or a grep of the headers in
 * Kbuild (NNMEM_HAVE_*).
 */
#ifndef __NNMEM_COMPAT_H__
#define __NNMEM_COMPAT_H__

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/mmzone.h>

/*
 * Bytes in the largest block the page allocator (without CMA) can give.
 * MAX_ORDER changed meaning in 6.4 and became MAX_PAGE_ORDER in 6.8, but
 * MAX_ORDER_NR_PAGES has always been the largest block's page count.
 */
#define NNMEM_PAGE_ALLOC_MAX	(PAGE_SIZE * MAX_ORDER_NR_PAGES)

/* class_create() was a macro taking an owner until 6.4. */
static inline struct class *nnmem_class_create(const char *name)
{
#ifdef class_create
	return class_create(THIS_MODULE, name);
#else
	return class_create(name);
#endif
}

/* vma->vm_flags became read-only behind vm_flags_set() in 6.3. */
static inline void nnmem_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#ifdef NNMEM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void nnmem_vm_flags_clear(struct vm_area_struct *vma,
					vm_flags_t flags)
{
#ifdef NNMEM_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

#endif /* __NNMEM_COMPAT_H__ */
