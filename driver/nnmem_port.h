/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem portability shim: lets the arena allocator and its tree build both
 * in the kernel module and in userspace unit tests and benchmarks.
 *
 * Userspace programs that include this must define nnmem_port_warn().
 */
#ifndef __NNMEM_PORT_H__
#define __NNMEM_PORT_H__

#ifdef __KERNEL__

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/stddef.h>
#include <linux/types.h>

#else /* !__KERNEL__ */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

typedef __u64 u64;
typedef __u32 u32;
typedef __u8 u8;

#ifndef U64_MAX
#define U64_MAX		((u64)~0ULL)
#endif

#ifndef EUCLEAN
#define EUCLEAN		117
#endif

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Reports a failed WARN_ON(); provided by each userspace program. */
void nnmem_port_warn(const char *cond, const char *file, int line);

#define WARN_ON(cond) ({						\
	bool __nnmem_warn = !!(cond);					\
	if (unlikely(__nnmem_warn))					\
		nnmem_port_warn(#cond, __FILE__, __LINE__);		\
	unlikely(__nnmem_warn);						\
})

#endif /* __KERNEL__ */

#endif /* __NNMEM_PORT_H__ */
