/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP 13 runner for the userspace unit tests. A test is a function
 * returning 0 on success; a failed CHECK prints a diagnostic and returns -1
 * from it. The run ends with "N passed, N failed" and the exit status is
 * nonzero if anything failed.
 */
#ifndef __NNMEM_TAP_H__
#define __NNMEM_TAP_H__

#include <inttypes.h>
#include <stdio.h>

struct tap_test {
	const char *name;
	int (*fn)(void);
};

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: check failed: %s\n",			\
		       __FILE__, __LINE__, #cond);			\
		return -1;						\
	}								\
} while (0)

/* Compares as unsigned 64-bit and prints both values on failure. */
#define CHECK_EQ(a, b) do {						\
	uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);		\
	if (__a != __b) {						\
		printf("# %s:%d: %s == %s failed: %" PRIu64		\
		       " (%#" PRIx64 ") != %" PRIu64 " (%#" PRIx64 ")\n",	\
		       __FILE__, __LINE__, #a, #b, __a, __a, __b, __b);	\
		return -1;						\
	}								\
} while (0)

/* For signed return codes such as -ENOSPC. */
#define CHECK_RET(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b) {						\
		printf("# %s:%d: %s == %s failed: %lld != %lld\n",	\
		       __FILE__, __LINE__, #a, #b, __a, __b);		\
		return -1;						\
	}								\
} while (0)

/* Propagates failure out of a helper that returns int. */
#define CHECK_OK(expr) CHECK((expr) == 0)

#endif /* __NNMEM_TAP_H__ */
