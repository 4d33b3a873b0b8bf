/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem arena allocator: portable C, built into the module and into the
 * userspace unit tests and benchmark. See nnmem_arena.c for the design.
 */
#ifndef __NNMEM_ARENA_H__
#define __NNMEM_ARENA_H__

#include "nnmem_port.h"
#include "nnmem_tree.h"

enum nnmem_arena_kind {
	NNMEM_ARENA_WEIGHT = 0,		/* from the bottom, ascending */
	NNMEM_ARENA_ACTIVATION = 1,	/* from the top, descending */
	NNMEM_ARENA_NR_KINDS,
};

/**
 * struct nnmem_arena_region - one allocated region, embedded by the caller
 * @node: link in the arena's tree of regions of this kind, by offset
 * @offset: first byte in the arena
 * @size: bytes reserved (the caller rounds up before asking, if it wants)
 * @align: alignment it was placed with
 * @kind: which end it came from
 */
struct nnmem_arena_region {
	struct nnmem_tree_node node;
	u64 offset;
	u64 size;
	u64 align;
	enum nnmem_arena_kind kind;
};

/**
 * struct nnmem_arena_ops - how the arena gets memory for its free extents
 * @zalloc: return @size zeroed bytes or NULL
 * @free: give back what @zalloc returned
 */
struct nnmem_arena_ops {
	void *(*zalloc)(size_t size, void *priv);
	void (*free)(void *ptr, void *priv);
};

/**
 * struct nnmem_arena_usage - counters, all in bytes unless named otherwise
 */
struct nnmem_arena_usage {
	u64 size;
	u64 weight_bytes;
	u64 activation_bytes;
	u64 free_bytes;
	u64 largest_free;
	u64 weight_top;		/* end of highest weight region, 0 if none */
	u64 activation_bottom;	/* start of lowest activation, size if none */
	u64 weight_hwm;		/* peak weight_bytes */
	u64 activation_hwm;	/* peak activation_bytes */
	u32 weight_regions;
	u32 activation_regions;
	u32 free_extents;
};

/**
 * struct nnmem_arena - the two-ended allocator state
 *
 * Not locked: the caller serialises every call on one arena.
 */
struct nnmem_arena {
	u64 size;
	struct nnmem_tree free_tree;			/* free extents */
	struct nnmem_tree regions[NNMEM_ARENA_NR_KINDS];/* live regions */
	u64 bytes[NNMEM_ARENA_NR_KINDS];
	u64 hwm[NNMEM_ARENA_NR_KINDS];
	u32 count[NNMEM_ARENA_NR_KINDS];
	u32 free_extents;
	const struct nnmem_arena_ops *ops;
	void *priv;
};

int nnmem_arena_init(struct nnmem_arena *arena, u64 size,
		     const struct nnmem_arena_ops *ops, void *priv);
void nnmem_arena_fini(struct nnmem_arena *arena);
int nnmem_arena_alloc(struct nnmem_arena *arena, struct nnmem_arena_region *r,
		      enum nnmem_arena_kind kind, u64 size, u64 align);
void nnmem_arena_free(struct nnmem_arena *arena, struct nnmem_arena_region *r);
void nnmem_arena_usage(const struct nnmem_arena *arena,
		       struct nnmem_arena_usage *usage);
int nnmem_arena_check(const struct nnmem_arena *arena);

/*
 * Visit every free extent in address order; stops early and returns the
 * callback's value if it is nonzero.
 */
int nnmem_arena_for_each_extent(const struct nnmem_arena *arena,
				int (*fn)(u64 start, u64 size, void *arg),
				void *arg);

#endif /* __NNMEM_ARENA_H__ */
