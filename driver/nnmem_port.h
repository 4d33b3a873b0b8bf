/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem portability shim: lets the arena allocator, the graph validator and
 * the int8 kernels build both in the kernel module and in userspace unit
 * tests, fuzz harnesses, benchmarks and libnnmem.
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

/*
 * The arena's userspace builds put the kernel tree's tools/include first
 * on the include path (for its rbtree): then <linux/types.h> is the tools
 * copy, which defines these (u64 as uint64_t, s64 as int64_t) and
 * likely(), container_of().
 */
#ifndef _TOOLS_LINUX_TYPES_H_
typedef __u64 u64;
typedef __u32 u32;
typedef __u8 u8;
typedef __s64 s64;
typedef __s32 s32;
typedef __s8 s8;
#endif

#ifndef U64_MAX
#define U64_MAX		((u64)~0ULL)
#endif

#ifndef BIT_ULL
#define BIT_ULL(nr)	(1ULL << (nr))
#endif

#ifndef EUCLEAN
#define EUCLEAN		117
#endif

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

/* Reports a failed WARN_ON(); provided by each userspace program. */
void nnmem_port_warn(const char *cond, const char *file, int line);

#define WARN_ON(cond) ({						\
	bool __nnmem_warn = !!(cond);					\
	if (unlikely(__nnmem_warn))					\
		nnmem_port_warn(#cond, __FILE__, __LINE__);		\
	unlikely(__nnmem_warn);						\
})

#endif /* __KERNEL__ */

/*
 * For a variable written before it is read where the kernel's
 * -ftrivial-auto-var-init=zero would zero it anyway: the SIMD paths'
 * register tiles (zeroing keeps them in memory: KiBs of stack and stores
 * in the inner loop), and structs on a hot path that emulators zero one
 * word per "rep stos" iteration.
 */
#if defined(__has_attribute)
#if __has_attribute(__uninitialized__)
#define NNMEM_NOINIT	__attribute__((__uninitialized__))
#endif
#endif
#ifndef NNMEM_NOINIT
#define NNMEM_NOINIT
#endif

#endif /* __NNMEM_PORT_H__ */
