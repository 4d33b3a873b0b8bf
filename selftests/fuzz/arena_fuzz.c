// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of driver/nnmem_arena.c: the input is an arena size
 * and a sequence of operations (allocate a weight or an activation of some
 * size and alignment, free one of the live regions, make the next node
 * allocation fail). After every operation:
 *  - nnmem_arena_check() finds the trees and counters consistent;
 *  - a successful allocation is aligned, inside the arena, overlaps no
 *    live region's reservation, keeps every weight below every activation
 *    and reserves [res_start, res_start + res_size) around its bytes;
 *  - a failed one returns -EINVAL/-ENOSPC/-ENOMEM as documented and leaves
 *    the usage exactly as it was;
 *  - the usage counters equal what the live regions add up to.
 * At the end every region is freed: the arena must be one free extent
 * again, and nnmem_arena_fini() must give every node back (LeakSanitizer).
 *
 * Build and run: make fuzz (long) or selftests/fuzz/Makefile.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnmem_arena.h"

#define AF_MAX_LIVE	256

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	fprintf(stderr, "WARN_ON(%s) at %s:%d\n", cond, file, line);
	abort();
}

struct af_in {
	const uint8_t *p;
	size_t left;
};

static uint64_t af_take(struct af_in *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v <<= 8;
		if (in->left) {
			v |= *in->p++;
			in->left--;
		}
	}
	return v;
}

/* Node allocations fail when this counts down to zero (0: never). */
static unsigned int af_fail_in;

static void *af_zalloc(size_t size, void *priv)
{
	(void)priv;
	if (af_fail_in && !--af_fail_in)
		return NULL;
	return calloc(1, size);
}

static void af_free(void *ptr, void *priv)
{
	(void)priv;
	free(ptr);
}

static const struct nnmem_arena_ops af_ops = {
	.zalloc = af_zalloc,
	.free = af_free,
};

#define AF_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: assertion failed: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

static void af_usage_check(const struct nnmem_arena *a,
			   struct nnmem_arena_region **live, unsigned int n)
{
	struct nnmem_arena_usage u;
	uint64_t bytes[NNMEM_ARENA_NR_KINDS] = { 0, 0 };
	uint32_t count[NNMEM_ARENA_NR_KINDS] = { 0, 0 };
	uint64_t wtop = 0, abot = a->size;
	unsigned int i;

	nnmem_arena_usage(a, &u);
	for (i = 0; i < n; i++) {
		const struct nnmem_arena_region *r = live[i];

		bytes[r->kind] += r->res_size;
		count[r->kind]++;
		if (r->kind == NNMEM_ARENA_WEIGHT &&
		    r->offset + r->size > wtop)
			wtop = r->offset + r->size;
		if (r->kind == NNMEM_ARENA_ACTIVATION && r->offset < abot)
			abot = r->offset;
	}
	AF_ASSERT(u.size == a->size);
	AF_ASSERT(u.weight_bytes == bytes[NNMEM_ARENA_WEIGHT]);
	AF_ASSERT(u.activation_bytes == bytes[NNMEM_ARENA_ACTIVATION]);
	AF_ASSERT(u.weight_regions == count[NNMEM_ARENA_WEIGHT]);
	AF_ASSERT(u.activation_regions == count[NNMEM_ARENA_ACTIVATION]);
	AF_ASSERT(u.free_bytes + u.weight_bytes + u.activation_bytes == u.size);
	AF_ASSERT(u.largest_free <= u.free_bytes);
	AF_ASSERT(u.weight_top == wtop);
	AF_ASSERT(u.activation_bottom == abot);
	AF_ASSERT(wtop <= abot);
	AF_ASSERT(u.weight_hwm >= u.weight_bytes);
	AF_ASSERT(u.activation_hwm >= u.activation_bytes);
}

/* A new region against every live one and the placement rules. */
static void af_placed_check(const struct nnmem_arena *a,
			    const struct nnmem_arena_region *r,
			    struct nnmem_arena_region **live, unsigned int n,
			    uint64_t size, uint64_t align)
{
	unsigned int i;

	AF_ASSERT(r->size == size);
	AF_ASSERT(r->offset % align == 0);
	AF_ASSERT(r->offset + r->size <= a->size);
	AF_ASSERT(r->res_start <= r->offset);
	AF_ASSERT(r->res_start + r->res_size >= r->offset + r->size);
	AF_ASSERT(r->res_start + r->res_size <= a->size);
	AF_ASSERT(r->res_size < size + align);
	for (i = 0; i < n; i++) {
		const struct nnmem_arena_region *o = live[i];

		AF_ASSERT(r->res_start + r->res_size <= o->res_start ||
			  o->res_start + o->res_size <= r->res_start);
		if (r->kind == NNMEM_ARENA_WEIGHT &&
		    o->kind == NNMEM_ARENA_ACTIVATION)
			AF_ASSERT(r->offset + r->size <= o->offset);
		if (r->kind == NNMEM_ARENA_ACTIVATION &&
		    o->kind == NNMEM_ARENA_WEIGHT)
			AF_ASSERT(o->offset + o->size <= r->offset);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct nnmem_arena_region *live[AF_MAX_LIVE];
	struct nnmem_arena_usage before, after;
	struct af_in in = { data, len };
	struct nnmem_arena arena;
	unsigned int n = 0, i;
	uint64_t size;

	af_fail_in = 0;
	/* 1 byte to 16 MiB; small arenas make the ends meet often. */
	size = af_take(&in, 3) + 1;
	AF_ASSERT(nnmem_arena_init(&arena, size, &af_ops, NULL) == 0);
	AF_ASSERT(nnmem_arena_check(&arena) == 0);

	while (in.left) {
		uint8_t op = (uint8_t)af_take(&in, 1);
		struct nnmem_arena_region *r;
		uint64_t rsize, align;
		enum nnmem_arena_kind kind;
		int ret;

		switch (op & 3) {
		case 0:
		case 1:
			/* size: 1 or 3 bytes (scaled), align 2^0 .. 2^23 */
			rsize = op & 0x80 ? af_take(&in, 3) :
				af_take(&in, 1) << ((op >> 2) & 7);
			align = 1ULL << (af_take(&in, 1) % 24);
			if ((op & 0x40) && rsize > 1)
				align = 3;	/* not a power of two */
			kind = op & 1 ? NNMEM_ARENA_ACTIVATION :
					NNMEM_ARENA_WEIGHT;
			if (n == AF_MAX_LIVE)
				break;
			r = calloc(1, sizeof(*r));
			AF_ASSERT(r);
			r->offset = 0xdeadbeef;
			/* memcmp below: the struct's tail padding too */
			memset(&before, 0, sizeof(before));
			memset(&after, 0, sizeof(after));
			nnmem_arena_usage(&arena, &before);
			ret = nnmem_arena_alloc(&arena, r, kind, rsize, align);
			if (ret) {
				AF_ASSERT(ret == -EINVAL || ret == -ENOSPC ||
					  ret == -ENOMEM);
				AF_ASSERT(ret != -EINVAL || !rsize ||
					  rsize > size ||
					  (align & (align - 1)));
				AF_ASSERT(r->offset == 0xdeadbeef);
				nnmem_arena_usage(&arena, &after);
				AF_ASSERT(!memcmp(&before, &after,
						  sizeof(before)));
				free(r);
				break;
			}
			AF_ASSERT(rsize && rsize <= size &&
				  !(align & (align - 1)));
			af_placed_check(&arena, r, live, n, rsize, align);
			live[n++] = r;
			break;
		case 2:
			if (!n)
				break;
			i = (unsigned int)af_take(&in, 1) % n;
			nnmem_arena_free(&arena, live[i]);
			free(live[i]);
			live[i] = live[--n];
			break;
		case 3:
			/* the n-th node allocation from now fails */
			af_fail_in = (op >> 2) + 1;
			break;
		}
		AF_ASSERT(nnmem_arena_check(&arena) == 0);
		af_usage_check(&arena, live, n);
	}

	af_fail_in = 0;
	while (n) {
		nnmem_arena_free(&arena, live[--n]);
		free(live[n]);
		AF_ASSERT(nnmem_arena_check(&arena) == 0);
	}
	nnmem_arena_usage(&arena, &after);
	AF_ASSERT(after.free_extents == 1 && after.largest_free == size &&
		  after.free_bytes == size);
	nnmem_arena_fini(&arena);
	return 0;
}
