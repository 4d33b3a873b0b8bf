/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem arena allocator: portable C, built into the module and into the
 * userspace unit tests and benchmark. See nnmem_arena.c for the design.
 */
#ifndef __NNMEM_ARENA_H__
#define __NNMEM_ARENA_H__

#include "nnmem_port.h"

/*
 * The kernel's rbtree; in userspace the kernel tree's own copy of it
 * (tools/include/linux/rbtree.h and tools/lib/rbtree.c), which the
 * userspace Makefiles extract from linux-source-6.12 at build time.
 */
#include <linux/rbtree.h>

enum nnmem_arena_kind {
	NNMEM_ARENA_WEIGHT = 0,		/* from the bottom, ascending */
	NNMEM_ARENA_ACTIVATION = 1,	/* from the top, descending */
	NNMEM_ARENA_NR_KINDS,
};

/**
 * struct nnmem_arena_link - a piece's place in the arena's address order
 * @prev: the piece just below (ending where this one starts), NULL at 0
 * @next: the piece just above, NULL at the end of the arena
 * @free: the piece is a free extent, not a region
 * @prev_free: @prev is a free extent (a copy of its @free)
 * @next_free: @next is a free extent (a copy of its @free)
 *
 * Every byte of the arena is in exactly one piece: a free extent or a
 * region's reservation. The pieces form one list in address order. The
 * copies of the neighbours' @free let a free tell whether it coalesces
 * without loading either neighbour (at many live regions each is a cache
 * miss, and most of them are regions).
 */
struct nnmem_arena_link {
	struct nnmem_arena_link *prev;
	struct nnmem_arena_link *next;
	bool free;
	bool prev_free;
	bool next_free;
};

/**
 * struct nnmem_arena_region - one allocated region, embedded by the caller
 * @link: its place among the arena's pieces, by @res_start
 * @offset: first byte of the region in the arena, a multiple of @align
 * @size: bytes asked for (the caller rounds up before asking, if it wants)
 * @align: alignment it was placed with
 * @kind: which end it came from
 * @res_start: first byte reserved: for a weight, the start of the free
 *	space it was placed in (so alignment padding below it is its own);
 *	for an activation, @offset
 * @res_size: bytes reserved from @res_start: for a weight up to
 *	@offset + @size, for an activation up to the end of the free space it
 *	was placed in (padding above it). Less than @size + @align.
 * @owner: the caller's: what embeds the region (the arena never reads or
 *	writes it)
 */
struct nnmem_arena_region {
	struct nnmem_arena_link link;
	u64 offset;
	u64 size;
	u64 align;
	enum nnmem_arena_kind kind;
	u64 res_start;
	u64 res_size;
	u32 owner;
};

/**
 * struct nnmem_arena_ops - how the arena gets memory for its free extents
 * @zalloc: return @size zeroed bytes or NULL (@size is one chunk of
 *	extent nodes, 4 KiB, with at least 8-byte alignment)
 * @free: give back what @zalloc returned
 */
struct nnmem_arena_ops {
	void *(*zalloc)(size_t size, void *priv);
	void (*free)(void *ptr, void *priv);
};

/**
 * struct nnmem_arena_usage - counters, all in bytes unless named otherwise
 * @size: bytes in the arena
 * @weight_bytes: bytes reserved by weight regions, padding included
 * @activation_bytes: bytes reserved by activation regions, padding included
 * @free_bytes: bytes in no region
 * @largest_free: size of the largest free extent, 0 if none
 * @weight_top: end of the highest weight region, 0 if none
 * @activation_bottom: start of the lowest activation region, @size if none
 * @weight_hwm: peak @weight_bytes since init
 * @activation_hwm: peak @activation_bytes since init
 * @weight_regions: live weight regions
 * @activation_regions: live activation regions
 * @free_extents: number of free extents
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

struct nnmem_arena_extent;	/* private to nnmem_arena.c */
struct nnmem_arena_chunk;	/* private to nnmem_arena.c */

/**
 * struct nnmem_arena - the two-ended allocator state
 * @size: bytes in the arena, offsets [0, @size)
 * @free_tree: free extents by address, an rbtree augmented with the
 *	largest fit in each subtree at a few alignments
 * @first: the piece at offset 0 (see &struct nnmem_arena_link)
 * @weight_top: end of the highest weight region, 0 if none
 * @activation_bottom: start of the lowest activation region, @size if none
 * @bytes: bytes reserved by the live regions of each kind
 * @hwm: high-water mark of @bytes since init
 * @count: live regions of each kind
 * @free_extents: extents in @free_tree
 * @spare: unused extent nodes, so that freeing never allocates
 * @nr_spare: nodes on @spare
 * @chunks: the chunks of extent nodes the arena owns (see nnmem_arena.c)
 * @nr_nodes: extent nodes in @chunks: @free_extents + @nr_spare, and at
 *	least the number of live regions plus one
 * @ops: where chunks of extent nodes come from
 * @priv: passed to @ops
 *
 * Not locked: the caller serialises every call on one arena.
 */
struct nnmem_arena {
	u64 size;
	struct rb_root free_tree;
	struct nnmem_arena_link *first;
	u64 weight_top;
	u64 activation_bottom;
	u64 bytes[NNMEM_ARENA_NR_KINDS];
	u64 hwm[NNMEM_ARENA_NR_KINDS];
	u32 count[NNMEM_ARENA_NR_KINDS];
	u32 free_extents;
	struct nnmem_arena_extent *spare;
	u32 nr_spare;
	struct nnmem_arena_chunk *chunks;
	u32 nr_nodes;
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
void nnmem_arena_hwm_reset(struct nnmem_arena *arena);
int nnmem_arena_check(const struct nnmem_arena *arena);

/**
 * struct nnmem_arena_compact - a compaction in progress (see
 * nnmem_arena_compact_next())
 * @kinds: bit (1 << kind) set for each kind to compact
 * @kind: the kind being compacted now
 * @pos: the last region visited, NULL before the first of @kind
 * @started: @pos is meaningful for @kind
 */
struct nnmem_arena_compact {
	u32 kinds;
	enum nnmem_arena_kind kind;
	struct nnmem_arena_region *pos;
	bool started;
};

/**
 * struct nnmem_arena_move - one region changed by compaction
 * @r: the region (its @offset is already @to)
 * @from: offset its bytes are at now
 * @to: offset they must be copied to (the ranges may overlap); equal to
 *	@from when only the reservation changed
 * @size: bytes to copy (the region's @size)
 * @old_res_size: the region's @res_size before (the padding it reserves
 *	may change even when it does not move)
 */
struct nnmem_arena_move {
	struct nnmem_arena_region *r;
	u64 from;
	u64 to;
	u64 size;
	u64 old_res_size;
};

void nnmem_arena_compact_start(struct nnmem_arena_compact *c, u32 kinds);
int nnmem_arena_compact_next(struct nnmem_arena *arena,
			     struct nnmem_arena_compact *c,
			     bool (*pinned)(const struct nnmem_arena_region *r,
					    void *arg),
			     void *arg, struct nnmem_arena_move *mv);

int nnmem_arena_walk(const struct nnmem_arena *arena,
		     int (*fn)(const struct nnmem_arena_region *r, u64 start,
			       u64 size, void *arg),
		     void *arg);
int nnmem_arena_walk_extents(const struct nnmem_arena *arena,
			     int (*fn)(u64 start, u64 size, void *arg),
			     void *arg);

/*
 * The original name of nnmem_arena_walk_extents(); a function definition
 * named *for_each* upsets checkpatch, which takes it for a loop macro.
 */
#define nnmem_arena_for_each_extent(arena, fn, arg) \
	nnmem_arena_walk_extents(arena, fn, arg)

#endif /* __NNMEM_ARENA_H__ */
