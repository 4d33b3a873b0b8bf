// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem arena allocator: a two-ended allocator for one contiguous arena.
 *
 * The arena is the byte range [0, size). Weights are placed from the bottom
 * and activations from the top; at every moment every weight region lies
 * below every activation region. Let weight_top be the end of the highest
 * weight region (0 if none) and activation_bottom the start of the lowest
 * activation region (size if none). Then:
 *
 *  - a weight goes into the lowest free extent in which it fits at an
 *    aligned offset, at the lowest such offset, and must end at or below
 *    activation_bottom;
 *  - an activation goes into the highest free extent in which it fits at an
 *    aligned offset, at the highest such offset (align_down(end - size)),
 *    and must start at or above weight_top.
 *
 * Alignment padding belongs to the region that needed it: a weight
 * reserves from the start of the free extent it went into up to its own
 * end, an activation from its own start up to the end of its extent. So
 * placing a region never leaves a gap behind, a later and less aligned
 * request cannot slip below an earlier weight (or above an earlier
 * activation), and with no frees in between weights get ascending offsets
 * and activations descending ones, whatever the alignments. The region
 * records both its aligned offset and size and what it reserves.
 *
 * A request that cannot be placed fails with -ENOSPC and changes nothing.
 * Freed space (the whole reservation) coalesces with its neighbours at
 * once, so free extents are never adjacent, and with no regions left there
 * is exactly one extent, [0, size).
 *
 * Data structures. Every byte of the arena is in exactly one free extent
 * or one region's reservation. Free extents live in one rbtree ordered by
 * address and augmented with the largest fit in each subtree (below):
 * the kernel's augmented rbtree (<linux/rbtree_augmented.h>,
 * RB_DECLARE_CALLBACKS), kept the way drm_mm.c keeps its holes for
 * DRM_MM_INSERT_LOW/HIGH. Userspace builds use the kernel tree's own
 * userspace copy of that code (tools/lib/rbtree.c), so the unit tests, the
 * fuzz harness and the benchmark run the rbtree the module runs. An
 * insertion raises the maxima on its way down and the rbtree's rotations
 * recompute what they move; an extent resized in place (carved or
 * coalesced, which never moves it in the address order) updates its
 * ancestors' maxima up to the first that does not change, loading a
 * sibling only where the old value was the maximum.
 *
 * The augmentation is kept at three alignment levels (1, 64 and 4096
 * bytes): at each, the largest size that fits in an extent at an offset
 * of that alignment, and the largest such over each subtree. A request
 * aligned to A searches at the highest level whose alignment divides A:
 * descending the tree and skipping subtrees whose maximum at that level is
 * too small finds the lowest (or highest) extent where the request may
 * fit in O(log n), and the next such extent after (or before) a given
 * one, also in O(log n). At the level of exactly A (the 64-byte default,
 * the page alignment of mappable regions, or 1) every candidate fits.
 * Otherwise alignment can still make a candidate useless, so the search
 * checks each candidate exactly and moves on to the next; the answer is
 * exactly the lowest (highest) fitting position either way. Each
 * candidate skipped costs O(log n); an extent at least size + align - 1
 * long is never skipped. (With one level, plain sizes, the benchmark's
 * page-aligned requests skipped about 57 candidates each at 100,000 live
 * regions, most of the search time.)
 * The search stops at the first extent beyond the other end's boundary,
 * since no extent straddles it.
 *
 * All pieces, free extents and regions alike, also sit in one doubly
 * linked list in address order (struct nnmem_arena_link, embedded in
 * both). Freeing a region finds its neighbours there in O(1) instead of
 * descending the tree, and placing one links it in next to the extent it
 * came from, also in O(1): no per-kind tree of regions to descend and
 * rebalance (at 100,000 live regions those two trees cost about as much
 * as everything else together, mostly cache misses). The tree is descended
 * only to search and to insert an extent freed between two regions.
 *
 * weight_top and activation_bottom are cached. Placing a region can only
 * raise weight_top (lower activation_bottom). Freeing the highest weight
 * lowers weight_top to the start of the extent that then holds its space:
 * everything below that extent is a weight or free (activations all lie
 * above the freed weight), so the piece just below it is the next highest
 * weight, or the extent starts at 0 when no weight is left. Likewise for
 * the lowest activation and the end of its extent. A weight's reservation
 * ends where the weight ends and an activation's starts where the
 * activation starts, so both are the same whether counted by region or by
 * reservation.
 *
 * Memory. Extent nodes come from a pool: chunks of 4 KiB, one
 * ops->zalloc each, cut into nodes that start on a cache line (see
 * nnmem_arena_reserve()). There are at most (live regions + 1) free
 * extents, since two extents always have a region between them; the arena
 * always owns at least (live regions + 1) nodes, in the tree or on a spare
 * list. (Placing a region never splits an extent, since it reserves up to
 * one end of it, but freeing one may add an extent.) Each allocation first
 * makes sure of one more node, adding a chunk if the arena has none to
 * spare (once every 31 regions), before it looks for space or changes
 * anything: that is the only step that can fail with -ENOMEM (so -ENOMEM
 * wins over -ENOSPC); if the allocation then fails with -ENOSPC, the chunk
 * goes back. So nnmem_arena_free() never allocates and cannot fail. Nodes
 * freed go back to the spare list, not to ops->free: the arena keeps the
 * nodes of its peak number of live regions (128 bytes each) until its
 * last region goes, when it gives back all chunks but one
 * (nnmem_arena_trim()), or until nnmem_arena_fini(). Pooled nodes are
 * dense, and a pair of allocation and free makes no ops call.
 *
 * Arithmetic never overflows for any u64 arena size: every sum computed
 * is bounded by the end of an extent, which is at most the arena size.
 *
 * nnmem_arena_check() verifies all of this, the red-black rules of the
 * tree and the list's links included, in O(n) and without recursion;
 * debugfs and the tests run it.
 *
 * Nothing here sleeps, locks, recurses or uses floating point; the caller
 * serialises calls on one arena and chooses what ops->zalloc may do.
 */

#include "nnmem_arena.h"

#include <linux/rbtree_augmented.h>

#ifdef __KERNEL__
#include <linux/prefetch.h>
#else
#define prefetch(x) __builtin_prefetch(x)
#endif

/*
 * Alignment levels of the free tree's maxima: at level i, an extent
 * offers the largest size that fits in it at an offset aligned to
 * 1 << nnmem_arena_level_shift[i] (level 0 is its plain size). A request
 * aligned to A searches at the highest level whose alignment divides A,
 * so that the 64-byte default and page-aligned (mappable) requests never
 * meet an extent that is large enough but useless to them.
 */
#define NNMEM_ARENA_LEVELS	3	/* nnmem_arena_extent_fit() spells them out */
static const u8 nnmem_arena_level_shift[NNMEM_ARENA_LEVELS] = { 0, 6, 12 };

/**
 * struct nnmem_arena_fit - what the largest fitting request is, per level
 * @max: at each alignment level, the largest size that fits
 */
struct nnmem_arena_fit {
	u64 max[NNMEM_ARENA_LEVELS];
};

/**
 * struct nnmem_arena_extent - a free extent
 * @node: link in &nnmem_arena.free_tree, by @start
 * @start: first free byte
 * @size: free bytes, never 0
 * @subtree: in the tree: the largest fit at each level over the subtree
 *	rooted at @node
 * @next_spare: next node on &nnmem_arena.spare while unused
 * @link: its place among the arena's pieces, while in the tree
 *
 * The search reads only the first 64 bytes, one cache line on most CPUs.
 */
struct nnmem_arena_extent {
	struct rb_node node;
	u64 start;
	u64 size;
	union {
		struct nnmem_arena_fit subtree;
		struct nnmem_arena_extent *next_spare;
	};
	struct nnmem_arena_link link;
};

static inline struct nnmem_arena_extent *
nnmem_arena_extent_of(const struct rb_node *node)
{
	return node ? rb_entry(node, struct nnmem_arena_extent, node) : NULL;
}

/* The largest size that fits in @e at an offset aligned to 1 << @shift. */
static inline u64 nnmem_arena_extent_avail(const struct nnmem_arena_extent *e,
					   unsigned int shift)
{
	u64 pad = (0 - e->start) & ((1ULL << shift) - 1);

	return pad < e->size ? e->size - pad : 0;
}

static inline u64 nnmem_arena_max(u64 a, u64 b)
{
	return a > b ? a : b;
}

/* Raise @fit to @child's subtree maxima, if there is a child. */
static inline void nnmem_arena_fit_raise(struct nnmem_arena_fit *fit,
					 const struct rb_node *child)
{
	const struct nnmem_arena_extent *c = nnmem_arena_extent_of(child);

	if (!c)
		return;
	fit->max[0] = nnmem_arena_max(fit->max[0], c->subtree.max[0]);
	fit->max[1] = nnmem_arena_max(fit->max[1], c->subtree.max[1]);
	fit->max[2] = nnmem_arena_max(fit->max[2], c->subtree.max[2]);
}

/* @e's own fits at each level, its children aside. */
static inline void nnmem_arena_extent_own(const struct nnmem_arena_extent *e,
					  struct nnmem_arena_fit *fit)
{
	fit->max[0] = e->size;
	fit->max[1] = nnmem_arena_extent_avail(e, nnmem_arena_level_shift[1]);
	fit->max[2] = nnmem_arena_extent_avail(e, nnmem_arena_level_shift[2]);
}

/* @e's own fits at each level, raised to its children's maxima. */
static inline void nnmem_arena_extent_fit(const struct nnmem_arena_extent *e,
					  struct nnmem_arena_fit *fit)
{
	nnmem_arena_extent_own(e, fit);
	nnmem_arena_fit_raise(fit, e->node.rb_left);
	nnmem_arena_fit_raise(fit, e->node.rb_right);
}

static inline bool nnmem_arena_fit_equal(const struct nnmem_arena_fit *a,
					 const struct nnmem_arena_fit *b)
{
	return !((a->max[0] ^ b->max[0]) | (a->max[1] ^ b->max[1]) |
		 (a->max[2] ^ b->max[2]));
}

/*
 * Recompute @e's subtree maxima; with @exit, return true (and change
 * nothing) if they are unchanged, so that propagation stops there.
 */
static inline bool nnmem_arena_extent_compute(struct nnmem_arena_extent *e,
					      bool exit)
{
	struct nnmem_arena_fit fit;

	nnmem_arena_extent_fit(e, &fit);
	if (exit && nnmem_arena_fit_equal(&fit, &e->subtree))
		return true;
	e->subtree = fit;
	return false;
}

/*
 * nnmem_arena_extent_cb: keeps @subtree right through the rbtree's
 * rotations and erasures; nnmem_arena_extent_grown() and
 * nnmem_arena_extent_shrunk() after an in-place resize.
 */
RB_DECLARE_CALLBACKS(static, nnmem_arena_extent_cb,
		     struct nnmem_arena_extent, node, subtree,
		     nnmem_arena_extent_compute)

static inline u64 nnmem_arena_extent_end(const struct nnmem_arena_extent *e)
{
	return e->start + e->size;
}

/* Largest fit at level @lvl in the subtree at @node, 0 if empty. */
static inline u64 nnmem_arena_subtree_max(const struct rb_node *node, int lvl)
{
	return node ? nnmem_arena_extent_of(node)->subtree.max[lvl] : 0;
}

/* Largest fit at level @lvl in the extent at @node itself. */
static inline u64 nnmem_arena_node_avail(const struct rb_node *node, int lvl)
{
	return nnmem_arena_extent_avail(nnmem_arena_extent_of(node),
					nnmem_arena_level_shift[lvl]);
}

/* The highest level whose alignment divides @align, a power of two. */
static inline int nnmem_arena_level(u64 align)
{
	int lvl = NNMEM_ARENA_LEVELS - 1;

	while (lvl && align < (1ULL << nnmem_arena_level_shift[lvl]))
		lvl--;
	return lvl;
}

static inline struct nnmem_arena_extent *
nnmem_arena_link_extent(const struct nnmem_arena_link *l)
{
	return container_of(l, struct nnmem_arena_extent, link);
}

static inline struct nnmem_arena_region *
nnmem_arena_link_region(const struct nnmem_arena_link *l)
{
	return container_of(l, struct nnmem_arena_region, link);
}

/* The free extent just below piece @l, or NULL if none. */
static inline struct nnmem_arena_extent *
nnmem_arena_prev_free(const struct nnmem_arena_link *l)
{
	return l->prev_free ? nnmem_arena_link_extent(l->prev) : NULL;
}

/* The free extent just above piece @l, or NULL if none. */
static inline struct nnmem_arena_extent *
nnmem_arena_next_free(const struct nnmem_arena_link *l)
{
	return l->next_free ? nnmem_arena_link_extent(l->next) : NULL;
}

/*
 * The list of pieces. Whoever links a piece next to another also copies
 * its @free into the other's @prev_free or @next_free, from the piece
 * being linked (already in the cache), never by loading a neighbour.
 */

/* Put piece @n (its @free already set) in @old's place. */
static void nnmem_arena_link_replace(struct nnmem_arena *arena,
				     struct nnmem_arena_link *old,
				     struct nnmem_arena_link *n)
{
	n->prev = old->prev;
	n->prev_free = old->prev_free;
	n->next = old->next;
	n->next_free = old->next_free;
	if (n->prev) {
		n->prev->next = n;
		n->prev->next_free = n->free;
	} else {
		arena->first = n;
	}
	if (n->next) {
		n->next->prev = n;
		n->next->prev_free = n->free;
	}
}

/* Link piece @n (its @free already set) in just below piece @at. */
static void nnmem_arena_link_before(struct nnmem_arena *arena,
				    struct nnmem_arena_link *n,
				    struct nnmem_arena_link *at)
{
	n->prev = at->prev;
	n->prev_free = at->prev_free;
	n->next = at;
	n->next_free = at->free;
	if (at->prev) {
		at->prev->next = n;
		at->prev->next_free = n->free;
	} else {
		arena->first = n;
	}
	at->prev = n;
	at->prev_free = n->free;
}

/* Link piece @n (its @free already set) in just above piece @at. */
static void nnmem_arena_link_after(struct nnmem_arena_link *n,
				   struct nnmem_arena_link *at)
{
	n->prev = at;
	n->prev_free = at->free;
	n->next = at->next;
	n->next_free = at->next_free;
	if (at->next) {
		at->next->prev = n;
		at->next->prev_free = n->free;
	}
	at->next = n;
	at->next_free = n->free;
}

static void nnmem_arena_unlink(struct nnmem_arena *arena,
			       struct nnmem_arena_link *n)
{
	if (n->prev) {
		n->prev->next = n->next;
		n->prev->next_free = n->next_free;
	} else {
		arena->first = n->next;
	}
	if (n->next) {
		n->next->prev = n->prev;
		n->next->prev_free = n->prev_free;
	}
}

static inline bool nnmem_arena_is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

static void nnmem_arena_spare_push(struct nnmem_arena *arena,
				   struct nnmem_arena_extent *e)
{
	e->next_spare = arena->spare;
	arena->spare = e;
	arena->nr_spare++;
}

static struct nnmem_arena_extent *
nnmem_arena_spare_pop(struct nnmem_arena *arena)
{
	struct nnmem_arena_extent *e = arena->spare;

	if (WARN_ON(!e))
		return NULL;
	arena->spare = e->next_spare;
	arena->nr_spare--;
	e->next_spare = NULL;
	return e;
}

/*
 * The node pool. Extent nodes are carved out of chunks of
 * NNMEM_ARENA_CHUNK bytes, one ops->zalloc each, at NNMEM_ARENA_STRIDE
 * bytes apart from a 64-byte boundary: so the 64 bytes a search reads
 * (see &struct nnmem_arena_extent) are one cache line, the nodes are dense
 * (fewer lines and pages to miss at many extents), and the arena calls
 * ops->zalloc once per chunk, not once per region. A chunk starts with a
 * &struct nnmem_arena_chunk, linking the arena's chunks for
 * nnmem_arena_fini() and nnmem_arena_check().
 */
#define NNMEM_ARENA_CHUNK	4096
#define NNMEM_ARENA_LINE	64
#define NNMEM_ARENA_STRIDE						\
	((sizeof(struct nnmem_arena_extent) + NNMEM_ARENA_LINE - 1) &	\
	 ~(size_t)(NNMEM_ARENA_LINE - 1))

/**
 * struct nnmem_arena_chunk - the head of a chunk of extent nodes
 * @next: the arena's next chunk, NULL after the last
 */
struct nnmem_arena_chunk {
	struct nnmem_arena_chunk *next;
};

/* The first node of chunk @c, and (in *@n) how many it holds. */
static unsigned long nnmem_arena_chunk_nodes(const struct nnmem_arena_chunk *c,
					     u32 *n)
{
	unsigned long base = (unsigned long)c;
	unsigned long first = (base + sizeof(*c) + NNMEM_ARENA_LINE - 1) &
			      ~(unsigned long)(NNMEM_ARENA_LINE - 1);

	*n = (base + NNMEM_ARENA_CHUNK - first) / NNMEM_ARENA_STRIDE;
	return first;
}

/*
 * Make sure the arena owns at least @need nodes, adding a chunk if not
 * (need is at most one above what it owns). The only step that can fail.
 */
static int nnmem_arena_reserve(struct nnmem_arena *arena, u64 need)
{
	struct nnmem_arena_chunk *c;
	unsigned long at;
	u32 i, n;

	if (arena->nr_nodes >= need)
		return 0;
	c = arena->ops->zalloc(NNMEM_ARENA_CHUNK, arena->priv);
	if (!c)
		return -ENOMEM;
	c->next = arena->chunks;
	arena->chunks = c;
	at = nnmem_arena_chunk_nodes(c, &n);
	/* Pushed from the top, so the lowest address is handed out first. */
	for (i = n; i-- > 0;)
		nnmem_arena_spare_push(arena, (struct nnmem_arena_extent *)
					      (at + i * NNMEM_ARENA_STRIDE));
	arena->nr_nodes += n;
	return 0;
}

/* Give back the chunk nnmem_arena_reserve() just added, still unused. */
static void nnmem_arena_unreserve(struct nnmem_arena *arena)
{
	struct nnmem_arena_chunk *c = arena->chunks;
	u32 i, n;

	nnmem_arena_chunk_nodes(c, &n);
	/* Its nodes are the top @n of the spare list. */
	for (i = 0; i < n; i++)
		nnmem_arena_spare_pop(arena);
	arena->nr_nodes -= n;
	arena->chunks = c->next;
	arena->ops->free(c, arena->priv);
}

/*
 * The last region went: keep only the chunk holding the one extent left
 * (its other nodes become the spare list) and give the others back, so
 * that an arena that was once full does not keep its peak's nodes. The
 * walks are bounded by the number of chunks, which that peak's
 * allocations paid for.
 */
static void nnmem_arena_trim(struct nnmem_arena *arena)
{
	struct rb_node *root = arena->free_tree.rb_node;
	unsigned long e = (unsigned long)nnmem_arena_extent_of(root);
	struct nnmem_arena_chunk *c, *keep = NULL;
	unsigned long at;
	u32 i, n;

	for (c = arena->chunks; c; c = c->next) {
		if (e >= (unsigned long)c &&
		    e < (unsigned long)c + NNMEM_ARENA_CHUNK)
			keep = c;
	}
	if (WARN_ON(!keep))
		return;
	while ((c = arena->chunks)) {
		arena->chunks = c->next;
		if (c != keep)
			arena->ops->free(c, arena->priv);
	}
	keep->next = NULL;
	arena->chunks = keep;
	arena->spare = NULL;
	arena->nr_spare = 0;
	at = nnmem_arena_chunk_nodes(keep, &n);
	for (i = n; i-- > 0;) {
		if (at + i * NNMEM_ARENA_STRIDE != e)
			nnmem_arena_spare_push(arena,
					       (struct nnmem_arena_extent *)
					       (at + i * NNMEM_ARENA_STRIDE));
	}
	arena->nr_nodes = n;
}

/* Give every chunk back (every node is unused by now). */
static void nnmem_arena_release(struct nnmem_arena *arena)
{
	struct nnmem_arena_chunk *c;

	while ((c = arena->chunks)) {
		arena->chunks = c->next;
		arena->ops->free(c, arena->priv);
	}
	arena->spare = NULL;
	arena->nr_spare = 0;
	arena->nr_nodes = 0;
}

/*
 * The searches below differ from drm_mm's in one respect: they return
 * exactly the lowest (highest) extent where @size fits at level @lvl, and
 * the next one after (before) it, never an extent that is too small.
 */

/*
 * @c ? @a : @b without a branch (the compiler turns a plain ?: on an
 * unpredictable condition back into one).
 */
static inline unsigned long nnmem_arena_select_ul(bool c, unsigned long a,
						  unsigned long b)
{
	unsigned long m = 0UL - (unsigned long)c;

	return (a & m) | (b & ~m);
}

static inline struct rb_node *nnmem_arena_select(bool c, struct rb_node *a,
						 struct rb_node *b)
{
	unsigned long r = nnmem_arena_select_ul(c, (unsigned long)a,
						(unsigned long)b);

	return (struct rb_node *)r;
}

/*
 * Lowest extent in the subtree at @node where @size fits, or NULL. Which
 * way to go at each level is a select, not a branch: at many extents the
 * direction is a coin toss, and a mispredicted branch per level cost more
 * than the level's loads. The one branch left is taken once, at the end.
 */
static struct rb_node *nnmem_arena_subtree_first_fit(struct rb_node *node,
						     u64 size, int lvl)
{
	if (nnmem_arena_subtree_max(node, lvl) < size)
		return NULL;
	for (;;) {
		struct rb_node *left = node->rb_left, *right = node->rb_right;
		bool go_left;

		/* In flight with the left child's line, which decides. */
		prefetch(right);
		go_left = nnmem_arena_subtree_max(left, lvl) >= size;

		/* &, not &&: one branch, on the outcome. */
		if ((nnmem_arena_node_avail(node, lvl) >= size) > go_left)
			return node;
		node = nnmem_arena_select(go_left, left, right);
	}
}

/* Highest extent in the subtree at @node where @size fits, or NULL. */
static struct rb_node *nnmem_arena_subtree_last_fit(struct rb_node *node,
						    u64 size, int lvl)
{
	if (nnmem_arena_subtree_max(node, lvl) < size)
		return NULL;
	for (;;) {
		struct rb_node *left = node->rb_left, *right = node->rb_right;
		bool go_right;

		prefetch(left);
		go_right = nnmem_arena_subtree_max(right, lvl) >= size;

		if ((nnmem_arena_node_avail(node, lvl) >= size) > go_right)
			return node;
		node = nnmem_arena_select(go_right, right, left);
	}
}

/* Next extent after @node where @size fits, or NULL. */
static struct rb_node *nnmem_arena_next_fit(struct rb_node *node, u64 size,
					    int lvl)
{
	struct rb_node *parent;

	if (nnmem_arena_subtree_max(node->rb_right, lvl) >= size)
		return nnmem_arena_subtree_first_fit(node->rb_right, size, lvl);
	for (; (parent = rb_parent(node)); node = parent) {
		if (parent->rb_left != node)
			continue;
		if (nnmem_arena_node_avail(parent, lvl) >= size)
			return parent;
		if (nnmem_arena_subtree_max(parent->rb_right, lvl) >= size)
			return nnmem_arena_subtree_first_fit(parent->rb_right,
							     size, lvl);
	}
	return NULL;
}

/* Previous extent before @node where @size fits, or NULL. */
static struct rb_node *nnmem_arena_prev_fit(struct rb_node *node, u64 size,
					    int lvl)
{
	struct rb_node *parent;

	if (nnmem_arena_subtree_max(node->rb_left, lvl) >= size)
		return nnmem_arena_subtree_last_fit(node->rb_left, size, lvl);
	for (; (parent = rb_parent(node)); node = parent) {
		if (parent->rb_right != node)
			continue;
		if (nnmem_arena_node_avail(parent, lvl) >= size)
			return parent;
		if (nnmem_arena_subtree_max(parent->rb_left, lvl) >= size)
			return nnmem_arena_subtree_last_fit(parent->rb_left,
							    size, lvl);
	}
	return NULL;
}

/*
 * Find where a weight of @size bytes aligned to @align goes: the lowest
 * aligned offset in the lowest extent where it fits, ending at or below
 * activation_bottom. Returns the extent and sets *@offset, or NULL.
 */
static struct nnmem_arena_extent *
nnmem_arena_find_low(const struct nnmem_arena *arena, u64 size, u64 align,
		     u64 *offset)
{
	u64 limit = arena->activation_bottom;
	int lvl = nnmem_arena_level(align);
	struct rb_node *node;

	node = nnmem_arena_subtree_first_fit(arena->free_tree.rb_node, size,
					     lvl);
	for (; node; node = nnmem_arena_next_fit(node, size, lvl)) {
		struct nnmem_arena_extent *e = nnmem_arena_extent_of(node);
		u64 pad = (align - (e->start & (align - 1))) & (align - 1);

		if (e->start >= limit)
			break;
		/* e->size >= size, so this cannot wrap. */
		if (pad > e->size - size)
			continue;
		/* Every later extent starts higher still. */
		if (e->start + pad + size > limit)
			break;
		*offset = e->start + pad;
		return e;
	}
	return NULL;
}

/*
 * Find where an activation of @size bytes aligned to @align goes: the
 * highest aligned offset in the highest extent where it fits, starting at
 * or above weight_top. Returns the extent and sets *@offset, or NULL.
 */
static struct nnmem_arena_extent *
nnmem_arena_find_high(const struct nnmem_arena *arena, u64 size, u64 align,
		      u64 *offset)
{
	u64 floor = arena->weight_top;
	int lvl = nnmem_arena_level(align);
	struct rb_node *node;

	node = nnmem_arena_subtree_last_fit(arena->free_tree.rb_node, size,
					    lvl);
	for (; node; node = nnmem_arena_prev_fit(node, size, lvl)) {
		struct nnmem_arena_extent *e = nnmem_arena_extent_of(node);
		u64 end = nnmem_arena_extent_end(e);
		/* e->size >= size, so end - size >= e->start. */
		u64 off = (end - size) & ~(align - 1);

		if (end <= floor)
			break;
		if (off < e->start)
			continue;
		/* Every earlier extent ends lower still. */
		if (off < floor)
			break;
		*offset = off;
		return e;
	}
	return NULL;
}

/*
 * Link @e into the free tree by address. As drm_mm's insert_hole_addr():
 * raise the subtree maxima on the way down, then let the rbtree rebalance
 * (its rotations recompute what they move).
 */
static void nnmem_arena_extent_insert(struct nnmem_arena *arena,
				      struct nnmem_arena_extent *e)
{
	struct rb_node **link = &arena->free_tree.rb_node, *parent = NULL;
	struct nnmem_arena_fit fit;
	u64 start = e->start;
	int i;

	e->node.rb_left = NULL;
	e->node.rb_right = NULL;
	nnmem_arena_extent_own(e, &fit);
	e->subtree = fit;
	/* Stores and selects, no branches but the loop's (as above). */
	while (*link) {
		struct nnmem_arena_extent *p;

		parent = *link;
		p = nnmem_arena_extent_of(parent);
		for (i = 0; i < NNMEM_ARENA_LEVELS; i++)
			p->subtree.max[i] = nnmem_arena_max(p->subtree.max[i],
							    fit.max[i]);
		link = (struct rb_node **)
		       nnmem_arena_select_ul(start < p->start,
					     (unsigned long)&parent->rb_left,
					     (unsigned long)&parent->rb_right);
	}
	rb_link_node(&e->node, parent, link);
	rb_insert_augmented(&e->node, &arena->free_tree, &nnmem_arena_extent_cb);
	arena->free_extents++;
}

static void nnmem_arena_extent_erase(struct nnmem_arena *arena,
				     struct nnmem_arena_extent *e)
{
	rb_erase_augmented(&e->node, &arena->free_tree, &nnmem_arena_extent_cb);
	arena->free_extents--;
	nnmem_arena_spare_push(arena, e);
}

/*
 * @e grew in place (it now covers what it did and more, so its fit at no
 * level went down; its address order did not change): raise the maxima
 * from @e up, until one already covers @e. The maximum over a subtree
 * that holds @e is then the larger of what it was and @e's new fit, so
 * neither @e's children nor any ancestor's other child is loaded (at
 * many extents each would be a cache miss).
 */
static void nnmem_arena_extent_grown(struct nnmem_arena_extent *e)
{
	struct rb_node *node = &e->node;
	struct nnmem_arena_fit fit;

	nnmem_arena_extent_own(e, &fit);
	do {
		struct nnmem_arena_extent *p = nnmem_arena_extent_of(node);
		bool raised = false;
		int i;

		for (i = 0; i < NNMEM_ARENA_LEVELS; i++) {
			if (p->subtree.max[i] < fit.max[i]) {
				p->subtree.max[i] = fit.max[i];
				raised = true;
			}
		}
		if (!raised)
			break;
		node = rb_parent(node);
	} while (node);
}

/*
 * @e shrank in place to part of what it covered, from @old (its own fit
 * before): recompute the maxima from @e up, but only where the old value
 * was the maximum, stopping at the first node that does not change. A
 * node whose maximum at every level was above what changed under it keeps
 * it (it came from elsewhere), so its children are not loaded.
 */
static void nnmem_arena_extent_shrunk(struct nnmem_arena_extent *e,
				      const struct nnmem_arena_fit *old)
{
	struct nnmem_arena_fit was = *old;
	struct rb_node *node = &e->node;

	do {
		struct nnmem_arena_extent *p = nnmem_arena_extent_of(node);
		struct nnmem_arena_fit now;

		if (p->subtree.max[0] != was.max[0] &&
		    p->subtree.max[1] != was.max[1] &&
		    p->subtree.max[2] != was.max[2])
			break;
		nnmem_arena_extent_fit(p, &now);
		if (nnmem_arena_fit_equal(&now, &p->subtree))
			break;
		was = p->subtree;
		p->subtree = now;
		node = rb_parent(node);
	} while (node);
}

/*
 * Put region @r in the address order in extent @e's place: its
 * reservation lies in @e, flush with one end of it (placing a region never
 * splits an extent). @e shrinks from that end, or goes if nothing is left.
 */
static void nnmem_arena_carve(struct nnmem_arena *arena,
			      struct nnmem_arena_extent *e,
			      struct nnmem_arena_region *r)
{
	struct nnmem_arena_fit old;

	r->link.free = false;
	if (r->res_size == e->size) {
		nnmem_arena_link_replace(arena, &e->link, &r->link);
		nnmem_arena_extent_erase(arena, e);
	} else if (r->res_start == e->start) {
		nnmem_arena_extent_own(e, &old);
		nnmem_arena_link_before(arena, &r->link, &e->link);
		e->start += r->res_size;
		e->size -= r->res_size;
		nnmem_arena_extent_shrunk(e, &old);
	} else {
		nnmem_arena_extent_own(e, &old);
		nnmem_arena_link_after(&r->link, &e->link);
		e->size -= r->res_size;
		nnmem_arena_extent_shrunk(e, &old);
	}
}

/**
 * nnmem_arena_init() - set up an arena with one free extent
 * @arena: the arena to initialise
 * @size: bytes in the arena, at least 1
 * @ops: where extent nodes come from; must outlive the arena
 * @priv: passed to @ops
 *
 * Return: 0, -EINVAL for a zero @size or incomplete @ops, or -ENOMEM if
 * @ops->zalloc fails.
 */
int nnmem_arena_init(struct nnmem_arena *arena, u64 size,
		     const struct nnmem_arena_ops *ops, void *priv)
{
	struct nnmem_arena_extent *e;
	int k;

	if (!size || !ops || !ops->zalloc || !ops->free)
		return -EINVAL;
	arena->chunks = NULL;
	arena->nr_nodes = 0;
	arena->spare = NULL;
	arena->nr_spare = 0;
	arena->ops = ops;
	arena->priv = priv;
	if (nnmem_arena_reserve(arena, 1))
		return -ENOMEM;

	arena->size = size;
	arena->free_tree = RB_ROOT;
	arena->weight_top = 0;
	arena->activation_bottom = size;
	for (k = 0; k < NNMEM_ARENA_NR_KINDS; k++) {
		arena->bytes[k] = 0;
		arena->hwm[k] = 0;
		arena->count[k] = 0;
	}
	arena->free_extents = 0;

	e = nnmem_arena_spare_pop(arena);
	e->start = 0;
	e->size = size;
	e->link.prev = NULL;
	e->link.next = NULL;
	e->link.free = true;
	e->link.prev_free = false;
	e->link.next_free = false;
	arena->first = &e->link;
	nnmem_arena_extent_insert(arena, e);
	return 0;
}

/**
 * nnmem_arena_fini() - release an arena's bookkeeping
 * @arena: an arena set up by nnmem_arena_init()
 *
 * Gives back every extent node. The caller should have freed every region
 * first; it WARNs if not (the regions themselves are the caller's).
 */
void nnmem_arena_fini(struct nnmem_arena *arena)
{
	struct rb_node *node, *next;
	int k;

	WARN_ON(arena->count[NNMEM_ARENA_WEIGHT] ||
		arena->count[NNMEM_ARENA_ACTIVATION]);

	/* Children before parents, without rebalancing: the tree goes whole. */
	for (node = rb_first_postorder(&arena->free_tree); node; node = next) {
		next = rb_next_postorder(node);
		nnmem_arena_spare_push(arena, nnmem_arena_extent_of(node));
	}
	arena->free_tree = RB_ROOT;
	arena->free_extents = 0;
	nnmem_arena_release(arena);
	arena->first = NULL;
	arena->weight_top = 0;
	arena->activation_bottom = arena->size;
	for (k = 0; k < NNMEM_ARENA_NR_KINDS; k++) {
		arena->count[k] = 0;
		arena->bytes[k] = 0;
	}
}

/**
 * nnmem_arena_alloc() - place a region
 * @arena: the arena
 * @r: the caller's region, filled in on success (placement and
 *	reservation) and left alone on error
 * @kind: %NNMEM_ARENA_WEIGHT (lowest fitting offset, below every
 *	activation) or %NNMEM_ARENA_ACTIVATION (highest fitting offset, above
 *	every weight)
 * @size: bytes to reserve, 1 to the arena size
 * @align: a power of two; the offset is a multiple of it
 *
 * See the comment at the top of this file for the placement rule.
 *
 * Return: 0 with @r->offset set; -EINVAL for a bad @kind, @size or
 * @align; -ENOMEM if @arena->ops->zalloc fails; -ENOSPC if the region
 * cannot be placed. On error the arena is unchanged.
 */
int nnmem_arena_alloc(struct nnmem_arena *arena, struct nnmem_arena_region *r,
		      enum nnmem_arena_kind kind, u64 size, u64 align)
{
	u64 live = (u64)arena->count[NNMEM_ARENA_WEIGHT] +
		   arena->count[NNMEM_ARENA_ACTIVATION];
	u32 nr_nodes = arena->nr_nodes;
	struct nnmem_arena_extent *e;
	u64 offset, res_start, res_end;

	if (kind != NNMEM_ARENA_WEIGHT && kind != NNMEM_ARENA_ACTIVATION)
		return -EINVAL;
	if (!size || size > arena->size)
		return -EINVAL;
	if (!nnmem_arena_is_pow2(align))
		return -EINVAL;

	/* The node this region's free may need; the only step that fails. */
	if (nnmem_arena_reserve(arena, live + 2))
		return -ENOMEM;

	if (kind == NNMEM_ARENA_WEIGHT)
		e = nnmem_arena_find_low(arena, size, align, &offset);
	else
		e = nnmem_arena_find_high(arena, size, align, &offset);
	if (!e) {
		/* A chunk added for this region goes back. */
		if (arena->nr_nodes != nr_nodes)
			nnmem_arena_unreserve(arena);
		return -ENOSPC;
	}

	/* The padding goes with the region: reserve up to the extent's end. */
	if (kind == NNMEM_ARENA_WEIGHT) {
		res_start = e->start;
		res_end = offset + size;
	} else {
		res_start = offset;
		res_end = nnmem_arena_extent_end(e);
	}

	r->offset = offset;
	r->size = size;
	r->align = align;
	r->kind = kind;
	r->res_start = res_start;
	r->res_size = res_end - res_start;
	nnmem_arena_carve(arena, e, r);
	if (kind == NNMEM_ARENA_WEIGHT && res_end > arena->weight_top)
		arena->weight_top = res_end;
	if (kind == NNMEM_ARENA_ACTIVATION &&
	    res_start < arena->activation_bottom)
		arena->activation_bottom = res_start;
	arena->count[kind]++;
	arena->bytes[kind] += r->res_size;
	if (arena->bytes[kind] > arena->hwm[kind])
		arena->hwm[kind] = arena->bytes[kind];
	return 0;
}

/**
 * nnmem_arena_free() - release a region
 * @arena: the arena
 * @r: a region live in @arena (allocated and not yet freed)
 *
 * The space it reserved coalesces with any free neighbour at once. Never
 * allocates and cannot fail; a region that is not live in @arena is a
 * caller bug.
 */
void nnmem_arena_free(struct nnmem_arena *arena, struct nnmem_arena_region *r)
{
	struct nnmem_arena_extent *prev, *next, *e;
	u64 start = r->res_start;
	u64 size = r->res_size;

	if (WARN_ON(r->kind != NNMEM_ARENA_WEIGHT &&
		    r->kind != NNMEM_ARENA_ACTIVATION))
		return;
	if (WARN_ON(!arena->count[r->kind]))
		return;

	arena->count[r->kind]--;
	arena->bytes[r->kind] -= size;

	/*
	 * Its neighbours in the address order, if they are free: known from
	 * @r's own copies of their flags, so a neighbour that is a region
	 * is never loaded.
	 */
	prev = nnmem_arena_prev_free(&r->link);
	next = nnmem_arena_next_free(&r->link);
	if (prev && next) {
		/* Out of the tree first, so that the maxima stay consistent. */
		u64 next_size = next->size;

		nnmem_arena_unlink(arena, &r->link);
		nnmem_arena_unlink(arena, &next->link);
		nnmem_arena_extent_erase(arena, next);
		prev->size += size + next_size;
		nnmem_arena_extent_grown(prev);
		e = prev;
	} else if (prev) {
		nnmem_arena_unlink(arena, &r->link);
		prev->size += size;
		nnmem_arena_extent_grown(prev);
		e = prev;
	} else if (next) {
		nnmem_arena_unlink(arena, &r->link);
		next->start = start;
		next->size += size;
		nnmem_arena_extent_grown(next);
		e = next;
	} else {
		e = nnmem_arena_spare_pop(arena);
		if (WARN_ON(!e))
			return;
		e->start = start;
		e->size = size;
		e->link.free = true;
		nnmem_arena_link_replace(arena, &r->link, &e->link);
		nnmem_arena_extent_insert(arena, e);
	}

	/*
	 * If @r was the highest weight, the next highest ends where the
	 * extent now holding @r's space starts (every region below it is a
	 * weight; 0 if none is left); likewise for the lowest activation.
	 */
	if (r->kind == NNMEM_ARENA_WEIGHT && start + size == arena->weight_top)
		arena->weight_top = e->start;
	if (r->kind == NNMEM_ARENA_ACTIVATION &&
	    start == arena->activation_bottom)
		arena->activation_bottom = nnmem_arena_extent_end(e);

	if (!arena->count[NNMEM_ARENA_WEIGHT] &&
	    !arena->count[NNMEM_ARENA_ACTIVATION] && arena->chunks->next)
		nnmem_arena_trim(arena);
}

/*
 * Slide weight @r down into the free extent @p just below it: it then
 * reserves from @p's start, at the lowest aligned offset there, and what
 * it no longer reserves above its new end frees up (joining the extent
 * above, if any). Allocates nothing: @p's node is reused if needed.
 */
static void nnmem_arena_slide_down(struct nnmem_arena *arena,
				   struct nnmem_arena_region *r,
				   struct nnmem_arena_extent *p)
{
	u64 old_end = r->res_start + r->res_size;
	u64 start = p->start;
	u64 offset = (start + r->align - 1) & ~(r->align - 1);
	u64 end = offset + r->size;
	u64 freed = old_end - end;
	struct nnmem_arena_extent *n;

	nnmem_arena_unlink(arena, &p->link);
	nnmem_arena_extent_erase(arena, p);
	if (freed) {
		n = nnmem_arena_next_free(&r->link);
		if (n) {
			n->start = end;
			n->size += freed;
			nnmem_arena_extent_grown(n);
		} else {
			n = nnmem_arena_spare_pop(arena);
			n->start = end;
			n->size = freed;
			n->link.free = true;
			nnmem_arena_link_after(&n->link, &r->link);
			nnmem_arena_extent_insert(arena, n);
		}
	}
	arena->bytes[r->kind] += (end - start) - r->res_size;
	if (arena->bytes[r->kind] > arena->hwm[r->kind])
		arena->hwm[r->kind] = arena->bytes[r->kind];
	if (old_end == arena->weight_top)
		arena->weight_top = end;
	r->offset = offset;
	r->res_start = start;
	r->res_size = end - start;
}

/*
 * Slide activation @r up into the free extent @n just above it: it then
 * reserves up to @n's end, at the highest aligned offset there, and what
 * it no longer reserves below its new start frees up (joining the extent
 * below, if any).
 */
static void nnmem_arena_slide_up(struct nnmem_arena *arena,
				 struct nnmem_arena_region *r,
				 struct nnmem_arena_extent *n)
{
	u64 old_start = r->res_start;
	u64 end = nnmem_arena_extent_end(n);
	u64 offset = (end - r->size) & ~(r->align - 1);
	u64 freed = offset - old_start;
	struct nnmem_arena_extent *p;

	nnmem_arena_unlink(arena, &n->link);
	nnmem_arena_extent_erase(arena, n);
	if (freed) {
		p = nnmem_arena_prev_free(&r->link);
		if (p) {
			p->size += freed;
			nnmem_arena_extent_grown(p);
		} else {
			p = nnmem_arena_spare_pop(arena);
			p->start = old_start;
			p->size = freed;
			p->link.free = true;
			nnmem_arena_link_before(arena, &p->link, &r->link);
			nnmem_arena_extent_insert(arena, p);
		}
	}
	arena->bytes[r->kind] += (end - offset) - r->res_size;
	if (arena->bytes[r->kind] > arena->hwm[r->kind])
		arena->hwm[r->kind] = arena->bytes[r->kind];
	if (old_start == arena->activation_bottom)
		arena->activation_bottom = offset;
	r->offset = offset;
	r->res_start = offset;
	r->res_size = end - offset;
}

/**
 * nnmem_arena_compact_start() - begin a compaction
 * @c: the compaction's state, filled in
 * @kinds: bit (1 << kind) for each &enum nnmem_arena_kind to compact
 *
 * Compaction slides every weight that is not pinned down and every such
 * activation up, in address order (weights from the bottom, activations
 * from the top), each into the free extent next to it, at the first
 * offset there its alignment allows; that extent's bytes below the weight
 * (above the activation) become its padding, so no gap is left behind it.
 * A pinned region stays where it is and the regions beyond it pack
 * against it. With nothing pinned, all the free space ends up in one
 * extent between the weights and the activations. Regions keep their
 * order, so weights still lie below activations.
 *
 * The caller must not change the arena in any other way until
 * nnmem_arena_compact_next() returned 0 (it may stop calling it earlier:
 * every state in between is consistent).
 */
void nnmem_arena_compact_start(struct nnmem_arena_compact *c, u32 kinds)
{
	c->kinds = kinds & ((1U << NNMEM_ARENA_WEIGHT) |
			    (1U << NNMEM_ARENA_ACTIVATION));
	c->kind = (c->kinds & (1U << NNMEM_ARENA_WEIGHT)) ? NNMEM_ARENA_WEIGHT :
							 NNMEM_ARENA_ACTIVATION;
	c->pos = NULL;
	c->started = false;
}

/* The next region of @c's kind to visit, or NULL past the last one. */
static struct nnmem_arena_region *
nnmem_arena_compact_step(struct nnmem_arena *arena,
			 struct nnmem_arena_compact *c)
{
	struct nnmem_arena_link *l;

	if (c->kind == NNMEM_ARENA_WEIGHT) {
		l = c->started ? (c->pos ? c->pos->link.next : NULL) :
				 arena->first;
		while (l && l->free)
			l = l->next;
	} else if (c->started) {
		l = c->pos ? c->pos->link.prev : NULL;
		while (l && l->free)
			l = l->prev;
	} else {
		/* The top piece: one walk per compaction. */
		for (l = arena->first; l->next; l = l->next)
			;
		while (l && l->free)
			l = l->prev;
	}
	c->started = true;
	c->pos = l ? nnmem_arena_link_region(l) : NULL;
	if (c->pos && c->pos->kind != c->kind)
		c->pos = NULL;
	return c->pos;
}

/**
 * nnmem_arena_compact_next() - make the next move of a compaction
 * @arena: the arena
 * @c: state from nnmem_arena_compact_start()
 * @pinned: returns true for a region that must not move
 * @arg: passed to @pinned
 * @mv: filled in with the move made
 *
 * Visits regions until one changes, and updates the bookkeeping for that
 * change at once (free extents, padding, counters, boundaries): the arena
 * already shows the region at @mv->to, and the caller copies its
 * @mv->size bytes from @mv->from there (the ranges may overlap, as for
 * memmove()) before anything else uses them. A region that only takes the
 * free bytes next to it as padding, without moving, is reported too
 * (@mv->from == @mv->to): its reservation grew from @mv->old_res_size.
 * Never allocates; each call visits each region at most once, and all
 * calls of one compaction together visit each region at most once.
 *
 * Return: 1 with @mv filled in, or 0 when the compaction is complete.
 */
int nnmem_arena_compact_next(struct nnmem_arena *arena,
			     struct nnmem_arena_compact *c,
			     bool (*pinned)(const struct nnmem_arena_region *r,
					    void *arg),
			     void *arg, struct nnmem_arena_move *mv)
{
	struct nnmem_arena_region *r;
	struct nnmem_arena_extent *e;
	u64 from, res_size;

	while (c->kinds) {
		r = nnmem_arena_compact_step(arena, c);
		if (!r) {
			c->kinds &= ~(1U << c->kind);
			c->kind = NNMEM_ARENA_ACTIVATION;
			c->pos = NULL;
			c->started = false;
			continue;
		}
		if (pinned && pinned(r, arg))
			continue;
		from = r->offset;
		res_size = r->res_size;
		if (r->kind == NNMEM_ARENA_WEIGHT) {
			e = nnmem_arena_prev_free(&r->link);
			if (!e)
				continue;
			nnmem_arena_slide_down(arena, r, e);
		} else {
			e = nnmem_arena_next_free(&r->link);
			if (!e)
				continue;
			nnmem_arena_slide_up(arena, r, e);
		}
		if (r->offset == from && r->res_size == res_size)
			continue;
		mv->r = r;
		mv->from = from;
		mv->to = r->offset;
		mv->size = r->size;
		mv->old_res_size = res_size;
		return 1;
	}
	return 0;
}

/**
 * nnmem_arena_usage() - report the arena's counters
 * @arena: the arena
 * @usage: filled in
 */
void nnmem_arena_usage(const struct nnmem_arena *arena,
		       struct nnmem_arena_usage *usage)
{
	usage->size = arena->size;
	usage->weight_bytes = arena->bytes[NNMEM_ARENA_WEIGHT];
	usage->activation_bytes = arena->bytes[NNMEM_ARENA_ACTIVATION];
	usage->free_bytes = arena->size - usage->weight_bytes -
			    usage->activation_bytes;
	usage->largest_free = nnmem_arena_subtree_max(arena->free_tree.rb_node,
						      0);
	usage->weight_top = arena->weight_top;
	usage->activation_bottom = arena->activation_bottom;
	usage->weight_hwm = arena->hwm[NNMEM_ARENA_WEIGHT];
	usage->activation_hwm = arena->hwm[NNMEM_ARENA_ACTIVATION];
	usage->weight_regions = arena->count[NNMEM_ARENA_WEIGHT];
	usage->activation_regions = arena->count[NNMEM_ARENA_ACTIVATION];
	usage->free_extents = arena->free_extents;
}

/**
 * nnmem_arena_hwm_reset() - start the high-water marks again from now
 * @arena: the arena
 *
 * Each kind's high-water mark becomes its bytes in use, so that the marks
 * then measure the peak of what runs next (one model, say).
 */
void nnmem_arena_hwm_reset(struct nnmem_arena *arena)
{
	int k;

	for (k = 0; k < NNMEM_ARENA_NR_KINDS; k++)
		arena->hwm[k] = arena->bytes[k];
}

/**
 * nnmem_arena_walk() - visit every piece of the arena in address order
 * @arena: the arena
 * @fn: called with each region (NULL for a free extent) and the piece's
 *	start and size (a region's reservation); nonzero stops the walk
 * @arg: passed to @fn
 *
 * Return: 0 after visiting every piece, else the first nonzero value
 * returned by @fn.
 */
int nnmem_arena_walk(const struct nnmem_arena *arena,
		     int (*fn)(const struct nnmem_arena_region *r, u64 start,
			       u64 size, void *arg),
		     void *arg)
{
	const struct nnmem_arena_link *l;
	int ret;

	for (l = arena->first; l; l = l->next) {
		if (l->free) {
			const struct nnmem_arena_extent *e =
				nnmem_arena_link_extent(l);

			ret = fn(NULL, e->start, e->size, arg);
		} else {
			const struct nnmem_arena_region *r =
				nnmem_arena_link_region(l);

			ret = fn(r, r->res_start, r->res_size, arg);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * nnmem_arena_walk_extents() - visit the free extents in address order
 * @arena: the arena
 * @fn: called with each extent's start and size; nonzero stops the walk
 * @arg: passed to @fn
 *
 * Also spelt nnmem_arena_for_each_extent() (see nnmem_arena.h).
 *
 * Return: 0 after visiting every extent, else the first nonzero value
 * returned by @fn.
 */
int nnmem_arena_walk_extents(const struct nnmem_arena *arena,
			     int (*fn)(u64 start, u64 size, void *arg),
			     void *arg)
{
	struct rb_node *node;
	int ret;

	for (node = rb_first(&arena->free_tree); node; node = rb_next(node)) {
		struct nnmem_arena_extent *e = nnmem_arena_extent_of(node);

		ret = fn(e->start, e->size, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Check the shape of one rbtree, without recursion and in O(n): parent and
 * child links agree both ways, the root is black, no red node has a red
 * child, and every path from the root down to a missing child meets the
 * same number of black nodes (so no path is more than twice as long as
 * another). Gives up past @max nodes, so a damaged tree cannot loop it.
 * Sets *@count. Key order and augmentation are the caller's to check.
 */
static int nnmem_arena_check_rbtree(const struct rb_root *root, u64 max,
				    u64 *count)
{
	const struct rb_node *node = root->rb_node, *from = NULL, *next;
	u64 n = 0, black, leaf_black = 0;
	bool leaf_seen = false;

	*count = 0;
	if (!node)
		return 0;
	if (rb_parent(node) || !rb_is_black(node))
		return -EUCLEAN;
	black = 1;	/* black nodes from the root down to @node */
	while (node) {
		const struct rb_node *parent = rb_parent(node);

		if (from == parent) {
			/* First time here, on the way down. */
			if (++n > max)
				return -EUCLEAN;
			if ((node->rb_left && rb_parent(node->rb_left) != node) ||
			    (node->rb_right && rb_parent(node->rb_right) != node) ||
			    (node->rb_left && node->rb_left == node->rb_right))
				return -EUCLEAN;
			if (parent && rb_is_red(node) && rb_is_red(parent))
				return -EUCLEAN;
			if (!node->rb_left || !node->rb_right) {
				if (leaf_seen && black != leaf_black)
					return -EUCLEAN;
				leaf_black = black;
				leaf_seen = true;
			}
			next = node->rb_left ?: node->rb_right ?: parent;
		} else if (from == node->rb_left && node->rb_right) {
			next = node->rb_right;
		} else {
			next = parent;
		}
		if (next == parent)
			black -= rb_is_black(node);
		else
			black += rb_is_black(next);
		from = node;
		node = next;
	}
	*count = n;
	return 0;
}

/* Check the free extents: shape, order, gaps, sizes and maxima. */
static int nnmem_arena_check_extents(const struct nnmem_arena *arena)
{
	struct nnmem_arena_fit fit;
	const struct rb_node *node;
	u64 count, prev_end = 0;
	bool first = true;

	if (nnmem_arena_check_rbtree(&arena->free_tree, arena->free_extents,
				     &count))
		return -EUCLEAN;
	if (count != arena->free_extents)
		return -EUCLEAN;
	for (node = rb_first(&arena->free_tree); node; node = rb_next(node)) {
		const struct nnmem_arena_extent *e = nnmem_arena_extent_of(node);

		if (!e->size || e->size > arena->size ||
		    e->start > arena->size - e->size)
			return -EUCLEAN;
		/* Strictly after the previous end: no overlap, coalesced. */
		if (!first && e->start <= prev_end)
			return -EUCLEAN;
		nnmem_arena_extent_fit(e, &fit);
		if (!nnmem_arena_fit_equal(&fit, &e->subtree))
			return -EUCLEAN;
		prev_end = nnmem_arena_extent_end(e);
		first = false;
	}
	return 0;
}

/* Check one region's own fields: kind, size, alignment, reservation. */
static int nnmem_arena_check_region(const struct nnmem_arena *arena,
				    const struct nnmem_arena_region *r)
{
	u64 res_end = r->res_start + r->res_size;

	if ((r->kind != NNMEM_ARENA_WEIGHT &&
	     r->kind != NNMEM_ARENA_ACTIVATION) || !r->size ||
	    r->res_size > arena->size ||
	    r->res_start > arena->size - r->res_size)
		return -EUCLEAN;
	if (!nnmem_arena_is_pow2(r->align) || (r->offset & (r->align - 1)))
		return -EUCLEAN;
	/* The region lies in its reservation, flush with one end. */
	if (r->offset < r->res_start || r->size > r->res_size ||
	    r->offset - r->res_start > r->res_size - r->size)
		return -EUCLEAN;
	if (r->kind == NNMEM_ARENA_WEIGHT &&
	    (r->offset + r->size != res_end ||
	     r->offset - r->res_start >= r->align))
		return -EUCLEAN;
	if (r->kind == NNMEM_ARENA_ACTIVATION &&
	    (r->offset != r->res_start || r->res_size - r->size >= r->align))
		return -EUCLEAN;
	return 0;
}

/*
 * Walk the pieces in address order: linked both ways; tiling [0, size)
 * exactly, so disjoint; the free ones exactly the free tree's extents, in
 * order, never two in a row (coalesced); the regions sound, every weight
 * below every activation; counters and boundaries right. Gives up past
 * as many pieces as the counters allow, so a damaged list cannot loop it.
 */
static int nnmem_arena_check_pieces(const struct nnmem_arena *arena)
{
	u64 max = (u64)arena->free_extents + arena->count[NNMEM_ARENA_WEIGHT] +
		  arena->count[NNMEM_ARENA_ACTIVATION];
	u64 bytes[NNMEM_ARENA_NR_KINDS] = { 0 };
	u64 count[NNMEM_ARENA_NR_KINDS] = { 0 };
	u64 weight_top = 0, activation_bottom = arena->size;
	const struct rb_node *ext = rb_first(&arena->free_tree);
	const struct nnmem_arena_link *l, *prev = NULL;
	u64 n = 0, cursor = 0, start, size;
	bool activations = false;
	int k;

	for (l = arena->first; l; prev = l, l = l->next) {
		if (++n > max || l->prev != prev ||
		    l->prev_free != (prev && prev->free) ||
		    (prev && prev->next_free != l->free))
			return -EUCLEAN;
		if (l->free) {
			const struct nnmem_arena_extent *e =
				nnmem_arena_link_extent(l);

			if ((prev && prev->free) || ext != &e->node)
				return -EUCLEAN;
			ext = rb_next(ext);
			start = e->start;
			size = e->size;
		} else {
			const struct nnmem_arena_region *r =
				nnmem_arena_link_region(l);

			if (nnmem_arena_check_region(arena, r))
				return -EUCLEAN;
			start = r->res_start;
			size = r->res_size;
			if (r->kind == NNMEM_ARENA_WEIGHT) {
				if (activations)
					return -EUCLEAN;
				weight_top = start + size;
			} else if (!activations) {
				activations = true;
				activation_bottom = start;
			}
			count[r->kind]++;
			bytes[r->kind] += size;
		}
		/* Both checked to end inside the arena. */
		if (start != cursor)
			return -EUCLEAN;
		cursor = start + size;
	}
	if (cursor != arena->size || ext || (prev && prev->next_free))
		return -EUCLEAN;
	for (k = 0; k < NNMEM_ARENA_NR_KINDS; k++) {
		if (count[k] != arena->count[k] || bytes[k] != arena->bytes[k] ||
		    arena->hwm[k] < bytes[k])
			return -EUCLEAN;
	}
	if (weight_top != arena->weight_top ||
	    activation_bottom != arena->activation_bottom)
		return -EUCLEAN;
	return 0;
}

/**
 * nnmem_arena_check() - verify every invariant of the arena
 * @arena: the arena
 *
 * In O(n): the free tree is sound (links, colours, equal black heights,
 * so balanced); free extents are sorted, non-empty, non-overlapping,
 * never adjacent (fully coalesced) and carry correct subtree maxima at
 * every level; the list of pieces is linked both ways and holds exactly
 * the free tree's extents and the live regions; regions are aligned,
 * inside their reservations (flush with the inner end, padding below one
 * alignment) and counted right; every weight lies below every activation
 * and the cached boundaries are right; extents and regions together tile
 * [0, size) exactly in the list's order, so they are disjoint and their
 * sizes sum to the arena size; the spare node count matches the region
 * count.
 *
 * Return: 0 if all hold, -EUCLEAN otherwise.
 */
int nnmem_arena_check(const struct nnmem_arena *arena)
{
	const struct nnmem_arena_extent *s;
	const struct nnmem_arena_chunk *c;
	u32 nr_spare = 0, n;
	u64 nodes = 0;

	if (!arena->size)
		return -EUCLEAN;
	if (nnmem_arena_check_extents(arena) ||
	    nnmem_arena_check_pieces(arena))
		return -EUCLEAN;
	if (arena->bytes[NNMEM_ARENA_WEIGHT] >
	    arena->size - arena->bytes[NNMEM_ARENA_ACTIVATION])
		return -EUCLEAN;

	for (s = arena->spare; s; s = s->next_spare) {
		if (++nr_spare > arena->nr_spare ||
		    ((unsigned long)s & (NNMEM_ARENA_LINE - 1)))
			return -EUCLEAN;
	}
	if (nr_spare != arena->nr_spare)
		return -EUCLEAN;
	/* Each chunk holds at least one node, so this loop is bounded. */
	for (c = arena->chunks; c; c = c->next) {
		nnmem_arena_chunk_nodes(c, &n);
		if (!n || nodes + n > arena->nr_nodes)
			return -EUCLEAN;
		nodes += n;
	}
	if (nodes != arena->nr_nodes ||
	    (u64)arena->free_extents + arena->nr_spare != arena->nr_nodes ||
	    arena->nr_nodes < (u64)arena->count[NNMEM_ARENA_WEIGHT] +
			      arena->count[NNMEM_ARENA_ACTIVATION] + 1)
		return -EUCLEAN;
	return 0;
}
