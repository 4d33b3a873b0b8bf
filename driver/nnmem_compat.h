/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: the few kernel API differences between the kernels nnmem builds on
 * (6.1 and 6.12), each keyed on LINUX_VERSION_CODE or on the symbol itself.
 */
#ifndef __NNMEM_COMPAT_H__
#define __NNMEM_COMPAT_H__

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/version.h>

/* The one place the kernel version is looked at. */
#define NNMEM_KERNEL_AT_LEAST(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

/*
 * Largest order the page allocator hands out. 6.1 has an exclusive
 * MAX_ORDER; 6.4 made it inclusive and 6.8 renamed it MAX_PAGE_ORDER.
 */
#if defined(MAX_PAGE_ORDER)
#define NNMEM_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#elif NNMEM_KERNEL_AT_LEAST(6, 4)
#define NNMEM_MAX_PAGE_ORDER	MAX_ORDER
#else
#define NNMEM_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif

/* Bytes in the largest block the page allocator (without CMA) can give. */
#define NNMEM_PAGE_ALLOC_MAX	(PAGE_SIZE << NNMEM_MAX_PAGE_ORDER)

/* class_create() lost its owner argument in 6.4. */
static inline struct class *nnmem_class_create(const char *name)
{
#if NNMEM_KERNEL_AT_LEAST(6, 4)
	return class_create(name);
#else
	return class_create(THIS_MODULE, name);
#endif
}

/* vma->vm_flags became read-only behind vm_flags_set() in 6.3. */
static inline void nnmem_vm_flags_set(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#if NNMEM_KERNEL_AT_LEAST(6, 3)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

#endif /* __NNMEM_COMPAT_H__ */
