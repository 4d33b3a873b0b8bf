// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the nnmem arena allocator and the rbtrees under it, built
 * from the same sources as the kernel module (and the kernel's own
 * userspace rbtree, tools/lib/rbtree.c). Output is TAP 13.
 *
 * Usage: nnmem_arena_test [SEED]    (or NNMEM_SEED=SEED in the environment)
 * NNMEM_OPS=N sets the number of operations of the random model test
 * (default 1000000).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nnmem_arena.h"
#include "tap.h"

#define W	NNMEM_ARENA_WEIGHT
#define A	NNMEM_ARENA_ACTIVATION

/* ---------------------------------------------------------------------- */
/* Environment: WARN_ON hook, memory ops with failure injection, random.   */

static unsigned long warnings;

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	warnings++;
	printf("# WARN_ON(%s) at %s:%d\n", cond, file, line);
}

/*
 * The arena takes its extent nodes from chunks of 4096 bytes (one zalloc
 * each): 128-byte nodes (96 bytes rounded up to a 64-byte line) from the
 * first line boundary after an 8-byte header, which is 8 to 64 bytes in
 * for any 8-aligned chunk, so (4096 - 64) / 128 = 31 nodes, whatever the
 * chunk's alignment. It owns at least one node per live region, plus one,
 * and adds a chunk only for an allocation that needs it.
 */
#define CHUNK_BYTES	4096
#define CHUNK_NODES	31

/* Chunks needed before an allocation with @live regions live. */
static int chunk_needed(long chunks, long live)
{
	return chunks * CHUNK_NODES < live + 2;
}

struct test_mem {
	long live;	/* blocks handed out and not given back */
	long calls;	/* zalloc calls so far */
	long fail_at;	/* fail the zalloc call with this number, 0: never */
	long failures;	/* zalloc calls failed on purpose */
	long bad_size;	/* zalloc calls not for one chunk */
};

static void *test_zalloc(size_t size, void *priv)
{
	struct test_mem *m = priv;
	void *p;

	m->calls++;
	if (size != CHUNK_BYTES)
		m->bad_size++;
	if (m->fail_at && m->calls == m->fail_at) {
		m->failures++;
		return NULL;
	}
	p = calloc(1, size);
	if (p)
		m->live++;
	return p;
}

static void test_free(void *ptr, void *priv)
{
	struct test_mem *m = priv;

	m->live--;
	free(ptr);
}

static const struct nnmem_arena_ops test_ops = {
	.zalloc = test_zalloc,
	.free = test_free,
};

static uint64_t seed;
static uint64_t rng_state;

/* splitmix64: small, fast, good enough, reproducible. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the bias is irrelevant here). */
static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static void rng_reseed(uint64_t salt)
{
	rng_state = seed ^ (salt * 0xd1342543de82ef95ULL);
}

/* ---------------------------------------------------------------------- */
/* Snapshots: usage plus the exact list of free extents.                    */

struct snap {
	struct nnmem_arena_usage u;
	size_t n, cap;
	uint64_t *ext;		/* start, size pairs */
	long mem_live;
};

static int snap_add(u64 start, u64 size, void *arg)
{
	struct snap *s = arg;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->ext = realloc(s->ext, 2 * s->cap * sizeof(*s->ext));
		if (!s->ext)
			abort();
	}
	s->ext[2 * s->n] = start;
	s->ext[2 * s->n + 1] = size;
	s->n++;
	return 0;
}

static void snap_take(struct snap *s, const struct nnmem_arena *arena,
		      const struct test_mem *m)
{
	s->n = 0;
	nnmem_arena_usage(arena, &s->u);
	nnmem_arena_walk_extents(arena, snap_add, s);
	s->mem_live = m ? m->live : 0;
}

static void snap_release(struct snap *s)
{
	free(s->ext);
	memset(s, 0, sizeof(*s));
}

static int usage_equal(const struct nnmem_arena_usage *a,
		       const struct nnmem_arena_usage *b)
{
	CHECK_EQ(a->size, b->size);
	CHECK_EQ(a->weight_bytes, b->weight_bytes);
	CHECK_EQ(a->activation_bytes, b->activation_bytes);
	CHECK_EQ(a->free_bytes, b->free_bytes);
	CHECK_EQ(a->largest_free, b->largest_free);
	CHECK_EQ(a->weight_top, b->weight_top);
	CHECK_EQ(a->activation_bottom, b->activation_bottom);
	CHECK_EQ(a->weight_hwm, b->weight_hwm);
	CHECK_EQ(a->activation_hwm, b->activation_hwm);
	CHECK_EQ(a->weight_regions, b->weight_regions);
	CHECK_EQ(a->activation_regions, b->activation_regions);
	CHECK_EQ(a->free_extents, b->free_extents);
	return 0;
}

static int snap_equal(const struct snap *a, const struct snap *b)
{
	size_t i;

	CHECK_OK(usage_equal(&a->u, &b->u));
	CHECK_EQ(a->n, b->n);
	for (i = 0; i < 2 * a->n; i++)
		CHECK_EQ(a->ext[i], b->ext[i]);
	CHECK_EQ(a->mem_live, b->mem_live);
	return 0;
}

/* Expect exactly these extents (start, size pairs). */
static int expect_extents(const struct nnmem_arena *arena, const u64 *ext,
			  size_t n)
{
	struct snap s = { 0 };
	size_t i;
	int ret = 0;

	snap_take(&s, arena, NULL);
	if (s.n != n) {
		printf("# expected %zu extents, found %zu\n", n, s.n);
		ret = -1;
	}
	for (i = 0; !ret && i < 2 * n; i++) {
		if (s.ext[i] != ext[i]) {
			printf("# extent %zu: %s %" PRIu64 ", expected %"
			       PRIu64 "\n", i / 2, i % 2 ? "size" : "start",
			       (uint64_t)s.ext[i], (uint64_t)ext[i]);
			ret = -1;
		}
	}
	if (!ret && s.u.free_extents != n)
		ret = -1;
	snap_release(&s);
	return ret;
}

static int expect_one_extent(const struct nnmem_arena *arena)
{
	const u64 ext[] = { 0, arena->size };

	return expect_extents(arena, ext, 1);
}

#define ARENA_OK(arena) CHECK_RET(nnmem_arena_check(arena), 0)

/* Allocate, check the result and the invariants. */
#define ALLOC_AT(arena, r, kind, sz, align, off) do {			\
	CHECK_RET(nnmem_arena_alloc(arena, r, kind, sz, align), 0);	\
	CHECK_EQ((r)->offset, off);					\
	CHECK_EQ((r)->size, sz);					\
	ARENA_OK(arena);						\
} while (0)

/* Expect an error and an arena exactly as before. */
#define ALLOC_FAILS(arena, m, kind, size, align, err) do {		\
	struct nnmem_arena_region __r;					\
	struct snap __b = { 0 }, __a = { 0 };				\
	int __ret;							\
	snap_take(&__b, arena, m);					\
	memset(&__r, 0xa5, sizeof(__r));				\
	__ret = nnmem_arena_alloc(arena, &__r, kind, size, align);	\
	snap_take(&__a, arena, m);					\
	__ret = __ret == (err) && !snap_equal(&__b, &__a) ?		\
		nnmem_arena_check(arena) : -1;				\
	snap_release(&__b);						\
	snap_release(&__a);						\
	if (__ret)							\
		printf("# expected %s\n", #err);			\
	CHECK_RET(__ret, 0);						\
} while (0)

/* ---------------------------------------------------------------------- */
/* The rbtrees under the arena (the kernel's tools/lib/rbtree.c here).      */

/* Nodes and height of a subtree, by plain recursion (depth is small). */
static u64 rb_nodes(const struct rb_node *n)
{
	return n ? 1 + rb_nodes(n->rb_left) + rb_nodes(n->rb_right) : 0;
}

static int rb_height(const struct rb_node *n)
{
	int l, r;

	if (!n)
		return 0;
	l = rb_height(n->rb_left);
	r = rb_height(n->rb_right);
	return 1 + (l > r ? l : r);
}

/*
 * Red-black: height <= 2 log2(n + 1). Counted here independently of
 * nnmem_arena_check(), from the tree's own links.
 */
static int expect_balanced(const struct rb_root *root, u64 n)
{
	CHECK_EQ(rb_nodes(root->rb_node), n);
	CHECK(rb_height(root->rb_node) <= 2 * log2((double)n + 1) + 1e-9);
	return 0;
}

/*
 * Extents made in ascending, then descending address order (the worst
 * case for a tree that does not rebalance): 2^14 weights, every other one
 * freed front to back; the same with activations back to front. The free
 * tree stays balanced and nnmem_arena_check() (colours, black heights,
 * subtree maxima) passes all along; at the end one extent is left.
 */
static int test_rbtree_sequential(void)
{
	enum { N = 1 << 14 };
	static struct nnmem_arena_region r[N];
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_usage u;
	int kind, i;

	CHECK_RET(nnmem_arena_init(&arena, 64 * N, &test_ops, &m), 0);
	for (kind = W; kind <= A; kind++) {
		for (i = 0; i < N; i++)
			CHECK_RET(nnmem_arena_alloc(&arena, &r[i], kind, 64, 64),
				  0);
		ARENA_OK(&arena);
		/* Frees in address order: ascending for weights. */
		for (i = 0; i < N; i += 2) {
			nnmem_arena_free(&arena, &r[kind == W ? i : N - 1 - i]);
			if (i % 1024 == 0)
				ARENA_OK(&arena);
		}
		nnmem_arena_usage(&arena, &u);
		CHECK_EQ(u.free_extents, N / 2);
		CHECK_EQ(u.largest_free, 64);
		CHECK_OK(expect_balanced(&arena.free_tree, N / 2));
		ARENA_OK(&arena);
		/* The rest back to front: every free merges two extents. */
		for (i = N - 1; i >= 0; i -= 2) {
			nnmem_arena_free(&arena, &r[kind == W ? i : N - 1 - i]);
			if (i % 1024 == 1)
				ARENA_OK(&arena);
		}
		CHECK_OK(expect_one_extent(&arena));
		ARENA_OK(&arena);
	}
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* Flip a node's colour (bit 0 of __rb_parent_color: RB_BLACK is 1). */
static void rb_flip_colour(struct rb_node *n)
{
	n->__rb_parent_color ^= 1;
}

/* Link @n under @p (NULL: the root) with @colour, no children. */
static void rb_set(struct rb_node *n, const struct rb_node *p,
		   unsigned long colour)
{
	n->__rb_parent_color = (unsigned long)p | colour;
	n->rb_left = NULL;
	n->rb_right = NULL;
}

/* Point @n's parent link at @p, keeping its colour. */
static void rb_repoint(struct rb_node *n, const struct rb_node *p)
{
	n->__rb_parent_color = (unsigned long)p | (n->__rb_parent_color & 1);
}

/*
 * nnmem_arena_check() must notice a broken rbtree under the arena: a red
 * root, a recoloured inner node (black heights differ, or red under red),
 * a child whose parent link points elsewhere, an extra node the counters
 * do not know of. Each is undone and the arena is sound again.
 */
static int test_rbtree_check_detects_damage(void)
{
	enum { N = 64 };
	struct nnmem_arena_region r[N];
	struct nnmem_arena_link *saved_link;
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct rb_node *root, *child, *saved, extra, *ea, *eb, *ec;
	int i;

	CHECK_RET(nnmem_arena_init(&arena, 64 * N, &test_ops, &m), 0);
	for (i = 0; i < N; i++)
		ALLOC_AT(&arena, &r[i], i < N / 2 ? W : A, 64, 64,
			 i < N / 2 ? 64 * i : 64 * (N - 1 - (i - N / 2)));
	/* Free every other weight: 16 extents. */
	for (i = 0; i < N / 2; i += 2)
		nnmem_arena_free(&arena, &r[i]);
	ARENA_OK(&arena);

	/* The free tree's root, then an inner node of it, recoloured. */
	root = arena.free_tree.rb_node;
	CHECK(root && root->rb_left && root->rb_left->rb_left);
	rb_flip_colour(root);
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	rb_flip_colour(root);
	ARENA_OK(&arena);
	rb_flip_colour(root->rb_left->rb_left);
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	rb_flip_colour(root->rb_left->rb_left);
	ARENA_OK(&arena);

	/*
	 * The free tree: a recoloured node; a child whose parent link
	 * points at its sibling; a node that is both children of its parent.
	 */
	root = arena.free_tree.rb_node;
	CHECK(root && root->rb_left && root->rb_right);
	child = root->rb_right;
	rb_flip_colour(child);
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	rb_flip_colour(child);
	ARENA_OK(&arena);
	rb_repoint(child, root->rb_left);
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	rb_repoint(child, root);
	ARENA_OK(&arena);
	saved = root->rb_left;
	root->rb_left = child;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	root->rb_left = saved;
	ARENA_OK(&arena);

	/*
	 * The list of pieces: a back link that skips a piece; a forward
	 * link that skips one (r[1] vanishes from the list: the tiling
	 * breaks); the list cut short after r[1]; a region linked twice in
	 * a row (a loop the walk must not follow forever).
	 */
	saved_link = r[3].link.prev;
	r[3].link.prev = r[1].link.prev;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	r[3].link.prev = saved_link;
	ARENA_OK(&arena);
	saved_link = r[1].link.prev->next;
	r[1].link.prev->next = r[1].link.next;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	r[1].link.prev->next = saved_link;
	ARENA_OK(&arena);
	saved_link = r[1].link.next;
	r[1].link.next = NULL;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	r[1].link.next = saved_link;
	ARENA_OK(&arena);
	r[1].link.next = &r[1].link;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	r[1].link.next = saved_link;
	ARENA_OK(&arena);
	/* r[1] marked free: it is no extent of the free tree. */
	r[1].link.free = true;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	r[1].link.free = false;
	ARENA_OK(&arena);
	/* The cached boundaries. */
	arena.weight_top += 64;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	arena.weight_top -= 64;
	arena.activation_bottom -= 64;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	arena.activation_bottom += 64;
	ARENA_OK(&arena);
	/* A weight and an activation swapped in the list (kinds mixed). */
	r[N / 2 - 1].kind = A;	/* the highest weight, at 64 * (N / 2 - 1) */
	r[N - 1].kind = W;	/* the lowest activation, just above it */
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	r[N / 2 - 1].kind = W;
	r[N - 1].kind = A;
	ARENA_OK(&arena);

	/*
	 * One more extent hung (red, as rb_link_node() leaves it) where a
	 * black node has no right child: colours and black heights stay
	 * right, but the tree holds a node more than the counters know of.
	 */
	for (child = rb_first(&arena.free_tree); child; child = rb_next(child))
		if ((child->__rb_parent_color & 1) && !child->rb_right)
			break;
	CHECK(child);
	rb_link_node(&extra, child, &child->rb_right);
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	child->rb_right = NULL;
	ARENA_OK(&arena);

	for (i = 1; i < N / 2; i += 2)
		nnmem_arena_free(&arena, &r[i]);
	for (i = N / 2; i < N; i++)
		nnmem_arena_free(&arena, &r[i]);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);

	/*
	 * Red under red and nothing else wrong: three free extents a < b < c
	 * of 64 bytes at page-aligned starts (so that every subtree's maxima
	 * are 64 at every level, whatever the shape) re-linked by hand as c
	 * (black root) with left child a (red) whose right child is b (red).
	 * Every path meets one black node and the in-order walk is still
	 * a, b, c.
	 */
	CHECK_RET(nnmem_arena_init(&arena, 3 * 4096, &test_ops, &m), 0);
	ALLOC_AT(&arena, &r[0], W, 64, 64, 0);
	ALLOC_AT(&arena, &r[1], W, 4096 - 64, 64, 64);
	ALLOC_AT(&arena, &r[2], W, 64, 64, 4096);
	ALLOC_AT(&arena, &r[3], W, 4096 - 64, 64, 4096 + 64);
	ALLOC_AT(&arena, &r[4], W, 64, 64, 8192);
	ALLOC_AT(&arena, &r[5], A, 4096 - 64, 64, 8192 + 64);
	nnmem_arena_free(&arena, &r[0]);
	nnmem_arena_free(&arena, &r[2]);
	nnmem_arena_free(&arena, &r[4]);
	ARENA_OK(&arena);
	ea = rb_first(&arena.free_tree);
	eb = rb_next(ea);
	ec = rb_next(eb);
	CHECK(ec && !rb_next(ec));
	rb_set(ec, NULL, 1);
	rb_set(ea, ec, 0);
	rb_set(eb, ea, 0);
	ec->rb_left = ea;
	ea->rb_right = eb;
	arena.free_tree.rb_node = ec;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	/* a black instead: no red under red, but 2 black nodes vs 1. */
	ea->__rb_parent_color |= 1;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	/* The shape the rbtree itself makes: b black, a and c red. */
	rb_set(eb, NULL, 1);
	rb_set(ea, eb, 0);
	rb_set(ec, eb, 0);
	eb->rb_left = ea;
	eb->rb_right = ec;
	arena.free_tree.rb_node = eb;
	ARENA_OK(&arena);
	for (i = 1; i < 6; i += 2)
		nnmem_arena_free(&arena, &r[i]);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Arena tests with hand-derived layouts.                                    */

/*
 * The layout of a small network: four weights from the bottom, two
 * activations from the top of a 1 MiB arena.
 */
static int test_seed_layout(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region filter0, bias0, filter1, bias1, act0, act1;
	struct nnmem_arena_usage u;
	/* Padding belongs to the regions: one free extent in the middle. */
	static const u64 ext[] = { 8424, 1028096 - 8424 };

	CHECK_RET(nnmem_arena_init(&arena, 1 << 20, &test_ops, &m), 0);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));

	/* filter0: 3000 bytes, align 64: at 0. */
	ALLOC_AT(&arena, &filter0, W, 3000, 64, 0);
	CHECK_EQ(filter0.res_start, 0);
	CHECK_EQ(filter0.res_size, 3000);
	/* bias0: 100 bytes, align 64: align_up(3000, 64) = 3008. */
	ALLOC_AT(&arena, &bias0, W, 100, 64, 3008);
	CHECK_EQ(bias0.res_start, 3000);	/* owns the padding below */
	CHECK_EQ(bias0.res_size, 108);
	/* filter1: 5000 bytes, align 256: align_up(3108, 256) = 3328. */
	ALLOC_AT(&arena, &filter1, W, 5000, 256, 3328);
	CHECK_EQ(filter1.res_start, 3108);
	CHECK_EQ(filter1.res_size, 5220);
	/* bias1: 40 bytes, align 64: align_up(8328, 64) = 8384. */
	ALLOC_AT(&arena, &bias1, W, 40, 64, 8384);
	CHECK_EQ(bias1.res_start, 8328);
	/* act0: 10000 bytes, align 64: align_down(1048576 - 10000) */
	ALLOC_AT(&arena, &act0, A, 10000, 64, 1038528);
	CHECK_EQ(act0.res_start, 1038528);	/* owns the padding above */
	CHECK_EQ(act0.res_size, 10048);
	/* act1: 7000 bytes, align 4096: align_down(1038528 - 7000) */
	ALLOC_AT(&arena, &act1, A, 7000, 4096, 1028096);
	CHECK_EQ(act1.res_size, 1038528 - 1028096);

	CHECK_OK(expect_extents(&arena, ext, 1));
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.size, 1 << 20);
	CHECK_EQ(u.weight_bytes, 8424);
	CHECK_EQ(u.activation_bytes, (1 << 20) - 1028096);
	CHECK_EQ(u.free_bytes, 1028096 - 8424);
	CHECK_EQ(u.largest_free, 1028096 - 8424);
	CHECK_EQ(u.weight_top, 8424);
	CHECK_EQ(u.activation_bottom, 1028096);
	CHECK_EQ(u.weight_hwm, 8424);
	CHECK_EQ(u.activation_hwm, 20480);
	CHECK_EQ(u.weight_regions, 4);
	CHECK_EQ(u.activation_regions, 2);
	CHECK_EQ(u.free_extents, 1);
	CHECK_EQ(filter1.align, 256);
	CHECK_EQ(act1.kind, A);
	CHECK_EQ(m.live, 1);	/* 7 nodes: one chunk */
	CHECK_EQ(m.bad_size, 0);

	nnmem_arena_free(&arena, &bias0);
	ARENA_OK(&arena);
	nnmem_arena_free(&arena, &filter1);
	ARENA_OK(&arena);
	nnmem_arena_free(&arena, &act0);
	ARENA_OK(&arena);
	nnmem_arena_free(&arena, &filter0);
	ARENA_OK(&arena);
	nnmem_arena_free(&arena, &bias1);
	ARENA_OK(&arena);
	nnmem_arena_free(&arena, &act1);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.weight_bytes + u.activation_bytes, 0);
	CHECK_EQ(u.weight_top, 0);
	CHECK_EQ(u.activation_bottom, 1 << 20);
	CHECK_EQ(u.weight_hwm, 8424);
	CHECK_EQ(u.activation_hwm, 20480);
	CHECK_EQ(m.live, 1);
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* Both ends grow until they meet; then everything is -ENOSPC. */
static int test_ends_meet_enospc(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region r[16];
	struct nnmem_arena_usage u;
	int i;

	CHECK_RET(nnmem_arena_init(&arena, 65536, &test_ops, &m), 0);
	for (i = 0; i < 16; i++) {
		if (i % 2 == 0)
			ALLOC_AT(&arena, &r[i], W, 4096, 4096,
				 (u64)(i / 2) * 4096);
		else
			ALLOC_AT(&arena, &r[i], A, 4096, 4096,
				 65536 - (u64)(i / 2 + 1) * 4096);
	}
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.weight_top, 32768);
	CHECK_EQ(u.activation_bottom, 32768);
	CHECK_EQ(u.free_extents, 0);
	CHECK_EQ(u.free_bytes, 0);
	CHECK_EQ(u.largest_free, 0);
	ALLOC_FAILS(&arena, &m, W, 1, 1, -ENOSPC);
	ALLOC_FAILS(&arena, &m, A, 1, 1, -ENOSPC);
	ALLOC_FAILS(&arena, &m, A, 65536, 1, -ENOSPC);

	/* Free the topmost weight: only one byte short for a bigger one. */
	nnmem_arena_free(&arena, &r[14]);
	ARENA_OK(&arena);
	ALLOC_FAILS(&arena, &m, W, 4097, 1, -ENOSPC);
	ALLOC_FAILS(&arena, &m, A, 4097, 1, -ENOSPC);
	ALLOC_AT(&arena, &r[14], A, 4096, 4096, 28672);
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.weight_top, 28672);
	CHECK_EQ(u.activation_bottom, 28672);
	ALLOC_FAILS(&arena, &m, W, 1, 1, -ENOSPC);
	for (i = 0; i < 16; i++) {
		nnmem_arena_free(&arena, &r[i]);
		ARENA_OK(&arena);
	}
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/*
 * A hole on the wrong side of the other kind is not usable: an activation
 * may not go below weight_top, a weight not above activation_bottom, even
 * when the hole is the largest free extent.
 */
static int test_no_crossing(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region w0, w1, w2, a0, a1, a2;
	struct nnmem_arena_usage u;

	CHECK_RET(nnmem_arena_init(&arena, 10000, &test_ops, &m), 0);
	ALLOC_AT(&arena, &w0, W, 100, 1, 0);
	ALLOC_AT(&arena, &w1, W, 3000, 1, 100);
	ALLOC_AT(&arena, &w2, W, 100, 1, 3100);
	ALLOC_AT(&arena, &a0, A, 100, 1, 9900);
	ALLOC_AT(&arena, &a1, A, 3000, 1, 6900);
	ALLOC_AT(&arena, &a2, A, 100, 1, 6800);
	/* free: [3200, 6800) = 3600 bytes */
	nnmem_arena_free(&arena, &w1);
	ARENA_OK(&arena);
	nnmem_arena_free(&arena, &a1);
	ARENA_OK(&arena);
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.largest_free, 3600);
	CHECK_EQ(u.free_extents, 3);
	/* 3000-byte holes on both sides; 3600 in the middle. */
	ALLOC_FAILS(&arena, &m, A, 3601, 1, -ENOSPC);
	ALLOC_FAILS(&arena, &m, W, 3601, 1, -ENOSPC);
	/* An activation of 3000 takes the highest hole (a1's old place). */
	ALLOC_AT(&arena, &a1, A, 3000, 1, 6900);
	/* Now 3600 is the largest hole; a weight of 3000 takes the lowest. */
	ALLOC_AT(&arena, &w1, W, 3000, 1, 100);
	nnmem_arena_free(&arena, &w1);
	nnmem_arena_free(&arena, &a1);
	ARENA_OK(&arena);
	/* Fill the middle: activation_bottom drops to 3200. */
	ALLOC_AT(&arena, &a1, A, 3600, 1, 3200);
	nnmem_arena_free(&arena, &a0);	/* hole [6900, 10000) */
	ARENA_OK(&arena);
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.largest_free, 3100);
	CHECK_EQ(u.activation_bottom, 3200);
	/* The 3100-byte hole is above activation_bottom: not for weights. */
	ALLOC_FAILS(&arena, &m, W, 3050, 1, -ENOSPC);
	nnmem_arena_free(&arena, &a1);
	nnmem_arena_free(&arena, &w2);
	ARENA_OK(&arena);
	/* [100, 6800) and [6900, 10000) are free; a2 sits in between. */
	ALLOC_AT(&arena, &a1, A, 3000, 1, 7000);
	ALLOC_AT(&arena, &w1, W, 6700, 1, 100);
	/* [6900, 7000) is left, above activation_bottom (6800). */
	ALLOC_FAILS(&arena, &m, W, 1, 1, -ENOSPC);
	ALLOC_AT(&arena, &a0, A, 1, 1, 6999);
	nnmem_arena_free(&arena, &w0);
	nnmem_arena_free(&arena, &w1);
	nnmem_arena_free(&arena, &a0);
	nnmem_arena_free(&arena, &a1);
	nnmem_arena_free(&arena, &a2);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/*
 * Alignment padding belongs to the region that needed it, so a later,
 * less aligned weight cannot go below an earlier one (nor an activation
 * above an earlier one): request order holds for any mix of alignments.
 */
static int test_padding_belongs_to_region(void)
{
	static const u64 ext[] = { 4324, 61312 - 4324 };
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region a, b, c, d, e;
	struct nnmem_arena_usage u;

	CHECK_RET(nnmem_arena_init(&arena, 65536, &test_ops, &m), 0);
	ALLOC_AT(&arena, &a, W, 100, 64, 0);
	ALLOC_AT(&arena, &b, W, 100, 4096, 4096);
	CHECK_EQ(b.res_start, 100);
	CHECK_EQ(b.res_size, 4096);
	/* Not into [100, 4096): that is b's. align_up(4196, 64) = 4224. */
	ALLOC_AT(&arena, &c, W, 100, 64, 4224);
	CHECK_EQ(c.res_start, 4196);
	/* align_down(65536 - 100, 4096) = 61440, owning [61540, 65536) */
	ALLOC_AT(&arena, &d, A, 100, 4096, 61440);
	CHECK_EQ(d.res_size, 4096);
	/* Not into [61540, 65536): align_down(61440 - 100, 64) = 61312. */
	ALLOC_AT(&arena, &e, A, 100, 64, 61312);
	CHECK_EQ(e.res_size, 128);
	CHECK_OK(expect_extents(&arena, ext, 1));
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.weight_bytes, 4324);
	CHECK_EQ(u.activation_bytes, 65536 - 61312);
	CHECK_EQ(u.weight_top, 4324);
	CHECK_EQ(u.activation_bottom, 61312);
	/* Freeing b gives back its padding too. */
	nnmem_arena_free(&arena, &b);
	ARENA_OK(&arena);
	ALLOC_AT(&arena, &b, W, 4096, 1, 100);
	nnmem_arena_free(&arena, &a);
	nnmem_arena_free(&arena, &b);
	nnmem_arena_free(&arena, &c);
	nnmem_arena_free(&arena, &d);
	nnmem_arena_free(&arena, &e);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* Free six regions in each of the 720 orders; always back to one extent. */
static int test_free_every_order(void)
{
	enum { N = 6 };
	static const struct { int kind; u64 size, align, off; } spec[N] = {
		{ W, 1000, 64, 0 },
		{ W, 10, 1, 1000 },
		{ W, 333, 256, 1024 },
		{ A, 500, 128, 8192 - 512 },
		{ A, 7, 1, 7673 },
		{ A, 1000, 512, 6656 },
	};
	int perm[N], c[N], i, k, orders = 0;

	for (i = 0; i < N; i++) {
		perm[i] = i;
		c[i] = 0;
	}
	/* Heap's algorithm, iteratively. */
	i = 0;
	for (;;) {
		struct test_mem m = { 0 };
		struct nnmem_arena arena;
		struct nnmem_arena_region r[N];
		struct nnmem_arena_usage u;

		CHECK_RET(nnmem_arena_init(&arena, 8192, &test_ops, &m), 0);
		for (k = 0; k < N; k++)
			ALLOC_AT(&arena, &r[k], spec[k].kind, spec[k].size,
				 spec[k].align, spec[k].off);
		for (k = 0; k < N; k++) {
			nnmem_arena_free(&arena, &r[perm[k]]);
			ARENA_OK(&arena);
		}
		CHECK_OK(expect_one_extent(&arena));
		nnmem_arena_usage(&arena, &u);
		CHECK_EQ(u.weight_bytes, 0);
		CHECK_EQ(u.activation_bytes, 0);
		CHECK_EQ(u.weight_hwm, 1357);
		CHECK_EQ(u.activation_hwm, 8192 - 6656);
		CHECK_EQ(u.largest_free, 8192);
		nnmem_arena_fini(&arena);
		CHECK_EQ(m.live, 0);
		orders++;

		while (i < N && c[i] >= i) {
			c[i] = 0;
			i++;
		}
		if (i >= N)
			break;
		k = i % 2 ? c[i] : 0;
		{
			int t = perm[k];

			perm[k] = perm[i];
			perm[i] = t;
		}
		c[i]++;
		i = 0;
	}
	CHECK_EQ(orders, 720);
	return 0;
}

/* Weights reuse the lowest hole that fits, at its lowest aligned offset. */
static int test_hole_reuse_weights(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region r[6], x, y, z;
	int i;

	CHECK_RET(nnmem_arena_init(&arena, 65536, &test_ops, &m), 0);
	for (i = 0; i < 6; i++)
		ALLOC_AT(&arena, &r[i], W, 1000, 8, (u64)i * 1000);
	nnmem_arena_free(&arena, &r[1]);	/* hole [1000, 2000) */
	nnmem_arena_free(&arena, &r[3]);	/* hole [3000, 4000) */
	ARENA_OK(&arena);
	/* Too big for both holes: goes on top. */
	ALLOC_AT(&arena, &x, W, 1001, 8, 6000);
	/* Fits both: lowest hole, lowest offset. */
	ALLOC_AT(&arena, &y, W, 500, 8, 1000);
	/* The remainder [1500, 2000) is the lowest hole, but not at align 8 */
	ALLOC_AT(&arena, &z, W, 500, 8, 3000);
	nnmem_arena_free(&arena, &z);
	ALLOC_AT(&arena, &z, W, 500, 4, 1500);
	nnmem_arena_free(&arena, &z);
	/* With align 2048 neither hole fits: above x (ends at 7001). */
	ALLOC_AT(&arena, &z, W, 500, 2048, 8192);
	nnmem_arena_free(&arena, &z);
	/* With align 512: [1500, 2000) gives 1536, too late; 3072 it is. */
	ALLOC_AT(&arena, &z, W, 500, 512, 3072);
	CHECK_EQ(z.res_start, 3000);
	CHECK_EQ(z.res_size, 572);
	nnmem_arena_free(&arena, &x);
	nnmem_arena_free(&arena, &y);
	nnmem_arena_free(&arena, &z);
	for (i = 0; i < 6; i++)
		if (i != 1 && i != 3)
			nnmem_arena_free(&arena, &r[i]);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* Activations reuse the highest hole, at its highest aligned offset. */
static int test_hole_reuse_activations(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region r[6], x, y, z;
	int i;

	CHECK_RET(nnmem_arena_init(&arena, 65536, &test_ops, &m), 0);
	for (i = 0; i < 6; i++)
		ALLOC_AT(&arena, &r[i], A, 1000, 8, 65536 - (u64)(i + 1) * 1000);
	nnmem_arena_free(&arena, &r[1]);	/* hole [63536, 64536) */
	nnmem_arena_free(&arena, &r[3]);	/* hole [61536, 62536) */
	ARENA_OK(&arena);
	ALLOC_AT(&arena, &x, A, 1001, 1, 65536 - 6000 - 1001);
	/* Highest hole, highest offset: 64536 - 500 = 64036. */
	ALLOC_AT(&arena, &y, A, 500, 4, 64036);
	/* The remainder [63536, 64036) is still the highest hole. */
	ALLOC_AT(&arena, &z, A, 500, 4, 63536);
	nnmem_arena_free(&arena, &z);
	/* Align 1024: align_down(63536, 1024) = 62464 < 63536: no; */
	/* [61536, 62536): align_down(62036, 1024) = 61440 < 61536: no; */
	/* [0, 58535): align_down(58035, 1024) = 57344. */
	ALLOC_AT(&arena, &z, A, 500, 1024, 57344);
	nnmem_arena_free(&arena, &z);
	/* Align 512: hole [61536, 62536): align_down(62036, 512) = 61952. */
	ALLOC_AT(&arena, &z, A, 500, 512, 61952);
	CHECK_EQ(z.res_start, 61952);
	CHECK_EQ(z.res_size, 62536 - 61952);
	nnmem_arena_free(&arena, &x);
	nnmem_arena_free(&arena, &y);
	nnmem_arena_free(&arena, &z);
	for (i = 0; i < 6; i++)
		if (i != 1 && i != 3)
			nnmem_arena_free(&arena, &r[i]);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/*
 * A hole whose size is enough but not once aligned must be skipped, for
 * many such holes in a row, for both kinds.
 */
static int test_align_hole_fits_only_unaligned(void)
{
	enum { N = 200 };
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	static struct nnmem_arena_region r[2 * N], x[N], y;
	u64 base;
	int i;

	/*
	 * Weights: holes [64k + 1, 64k + 9) (8 bytes, not 8-aligned) for k in
	 * [0, N); then ask for 8 bytes aligned to 8.
	 */
	CHECK_RET(nnmem_arena_init(&arena, 1 << 20, &test_ops, &m), 0);
	for (i = 0; i < N; i++) {
		ALLOC_AT(&arena, &r[2 * i], W, 1, 1, (u64)i * 64);
		ALLOC_AT(&arena, &x[i], W, 8, 1, (u64)i * 64 + 1);
		ALLOC_AT(&arena, &r[2 * i + 1], W, 55, 1, (u64)i * 64 + 9);
	}
	for (i = 0; i < N; i++) {
		nnmem_arena_free(&arena, &x[i]);
		ARENA_OK(&arena);
	}
	base = (u64)N * 64;
	CHECK_EQ(arena.free_extents, N + 1);
	/* Every small hole is 8 bytes but starts at 64k + 1. */
	ALLOC_AT(&arena, &y, W, 8, 8, base);
	nnmem_arena_free(&arena, &y);
	/* Unaligned, the first hole takes it. */
	ALLOC_AT(&arena, &y, W, 8, 1, 1);
	nnmem_arena_free(&arena, &y);
	/* 7 bytes aligned to 2 fit at 2 in [1, 9). */
	ALLOC_AT(&arena, &y, W, 7, 2, 2);
	nnmem_arena_free(&arena, &y);
	for (i = 0; i < 2 * N; i++)
		nnmem_arena_free(&arena, &r[i]);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));

	/*
	 * Activations: holes [S - 64k - 9, S - 64k - 1) with S = 1 MiB, i.e.
	 * 8 bytes ending at an odd address; ask for 8 aligned to 8.
	 */
	for (i = 0; i < N; i++) {
		u64 top = (1 << 20) - (u64)i * 64;

		ALLOC_AT(&arena, &r[2 * i], A, 1, 1, top - 1);
		ALLOC_AT(&arena, &x[i], A, 8, 1, top - 9);
		ALLOC_AT(&arena, &r[2 * i + 1], A, 55, 1, top - 64);
	}
	for (i = 0; i < N; i++) {
		nnmem_arena_free(&arena, &x[i]);
		ARENA_OK(&arena);
	}
	CHECK_EQ(arena.free_extents, N + 1);
	base = (1 << 20) - (u64)N * 64;
	ALLOC_AT(&arena, &y, A, 8, 8, base - 8);
	nnmem_arena_free(&arena, &y);
	ALLOC_AT(&arena, &y, A, 8, 1, (1 << 20) - 9);
	nnmem_arena_free(&arena, &y);
	/* 7 bytes aligned to 2: align_down((1 << 20) - 1 - 7, 2) = S - 8 */
	ALLOC_AT(&arena, &y, A, 7, 2, (1 << 20) - 8);
	nnmem_arena_free(&arena, &y);
	for (i = 0; i < 2 * N; i++)
		nnmem_arena_free(&arena, &r[i]);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* Alignments from 1 to beyond the arena size. */
static int test_align_large(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region a, b, c;

	CHECK_RET(nnmem_arena_init(&arena, 3 << 20, &test_ops, &m), 0);
	ALLOC_AT(&arena, &a, W, 1, 1 << 21, 0);
	ALLOC_AT(&arena, &b, W, 1, 1 << 21, 1 << 21);
	ALLOC_FAILS(&arena, &m, W, 1, 1 << 21, -ENOSPC);
	/* [2M + 1, 3M): align_down(3M - 1, 1M) = 2M is below it. */
	ALLOC_FAILS(&arena, &m, A, 1, 1 << 20, -ENOSPC);
	ALLOC_AT(&arena, &c, A, 1, 1 << 12, (3 << 20) - 4096);
	nnmem_arena_free(&arena, &a);
	nnmem_arena_free(&arena, &b);
	nnmem_arena_free(&arena, &c);
	ARENA_OK(&arena);
	/* Alignment far beyond the arena: only offset 0 qualifies. */
	ALLOC_AT(&arena, &a, A, 100, 1ULL << 40, 0);
	ALLOC_FAILS(&arena, &m, W, 1, 1ULL << 40, -ENOSPC);
	ALLOC_FAILS(&arena, &m, A, 1, 1ULL << 63, -ENOSPC);
	nnmem_arena_free(&arena, &a);
	ALLOC_AT(&arena, &a, W, 100, 1ULL << 63, 0);
	ALLOC_FAILS(&arena, &m, A, 1, 1ULL << 63, -ENOSPC);
	nnmem_arena_free(&arena, &a);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* Invalid arguments: -EINVAL, nothing allocated, nothing changed. */
static int test_errors_einval(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region r;
	static const u64 bad_align[] = {
		0, 3, 5, 6, 7, 12, 100, (1ULL << 63) + 1, U64_MAX,
		(1ULL << 32) - 1,
	};
	size_t i;

	CHECK_RET(nnmem_arena_init(&arena, 4096, &test_ops, &m), 0);
	ALLOC_AT(&arena, &r, W, 100, 64, 0);
	for (i = 0; i < sizeof(bad_align) / sizeof(bad_align[0]); i++) {
		ALLOC_FAILS(&arena, &m, W, 1, bad_align[i], -EINVAL);
		ALLOC_FAILS(&arena, &m, A, 1, bad_align[i], -EINVAL);
	}
	ALLOC_FAILS(&arena, &m, W, 0, 64, -EINVAL);
	ALLOC_FAILS(&arena, &m, A, 0, 64, -EINVAL);
	ALLOC_FAILS(&arena, &m, W, 4097, 64, -EINVAL);
	ALLOC_FAILS(&arena, &m, A, 4097, 64, -EINVAL);
	ALLOC_FAILS(&arena, &m, A, U64_MAX, 1, -EINVAL);
	ALLOC_FAILS(&arena, &m, (enum nnmem_arena_kind)2, 1, 1, -EINVAL);
	ALLOC_FAILS(&arena, &m, NNMEM_ARENA_NR_KINDS, 1, 1, -EINVAL);
	ALLOC_FAILS(&arena, &m, (enum nnmem_arena_kind)-1, 1, 1, -EINVAL);
	/* 4096 is a valid size but does not fit next to r: -ENOSPC. */
	ALLOC_FAILS(&arena, &m, A, 4096, 1, -ENOSPC);
	/* One chunk at init, enough for all: no zalloc since. */
	CHECK_EQ(m.calls, 1);
	nnmem_arena_free(&arena, &r);
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

static int test_init_errors(void)
{
	static const struct nnmem_arena_ops no_free = { .zalloc = test_zalloc };
	struct test_mem m = { .fail_at = 1 };
	struct nnmem_arena arena;

	CHECK_RET(nnmem_arena_init(&arena, 0, &test_ops, &m), -EINVAL);
	CHECK_RET(nnmem_arena_init(&arena, 1, NULL, &m), -EINVAL);
	CHECK_RET(nnmem_arena_init(&arena, 1, &no_free, &m), -EINVAL);
	CHECK_EQ(m.calls, 0);
	CHECK_RET(nnmem_arena_init(&arena, 1, &test_ops, &m), -ENOMEM);
	CHECK_EQ(m.live, 0);
	CHECK_RET(nnmem_arena_init(&arena, 1, &test_ops, &m), 0);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/*
 * A fixed script of allocations and frees. With fail_at = k, the k-th
 * zalloc fails: that allocation must return -ENOMEM and change nothing;
 * it is then retried and the script goes on. The end state must equal
 * that of a run without failures.
 */
struct script_op {
	int kind;	/* -1: free slot */
	u64 size, align;
	int slot;
};

static const struct script_op enomem_script[] = {
	{ W, 3000, 64, 0 }, { W, 100, 64, 1 }, { A, 5000, 4096, 2 },
	{ W, 5000, 256, 3 }, { A, 10, 1, 4 }, { -1, 0, 0, 1 },
	{ A, 700, 64, 5 }, { -1, 0, 0, 2 }, { W, 64, 64, 1 },
	{ W, 8000, 8, 6 }, { -1, 0, 0, 3 }, { -1, 0, 0, 4 },
	{ A, 100, 32, 2 }, { W, 4000, 512, 3 }, { A, 3, 1, 4 },
	{ -1, 0, 0, 0 }, { -1, 0, 0, 6 }, { W, 1, 1, 0 },
};

/*
 * 26 small weights first: with them the script's regions go from 26 to
 * 32 live, across the 31 nodes of the first chunk, so an allocation of
 * the script itself needs the second chunk (and its zalloc may fail).
 */
#define SCRIPT_FILLERS	26

static int run_script(struct test_mem *m, struct snap *out)
{
	const size_t n = sizeof(enomem_script) / sizeof(enomem_script[0]);
	struct nnmem_arena_region r[8 + SCRIPT_FILLERS];
	struct nnmem_arena arena;
	size_t i;
	int ret;

	while ((ret = nnmem_arena_init(&arena, 65536, &test_ops, m)) ==
	       -ENOMEM)
		CHECK_EQ(m->live, 0);
	CHECK_RET(ret, 0);
	for (i = 0; i < SCRIPT_FILLERS + n; i++) {
		const struct script_op filler = { W, 64, 64, 8 + (int)i };
		const struct script_op *op = i < SCRIPT_FILLERS ? &filler :
					     &enomem_script[i - SCRIPT_FILLERS];
		struct snap before = { 0 }, after = { 0 };
		long failures = m->failures;

		if (op->kind < 0) {
			nnmem_arena_free(&arena, &r[op->slot]);
			ARENA_OK(&arena);
			continue;
		}
		snap_take(&before, &arena, m);
		ret = nnmem_arena_alloc(&arena, &r[op->slot], op->kind,
					op->size, op->align);
		if (ret == -ENOMEM) {
			snap_take(&after, &arena, m);
			ret = snap_equal(&before, &after);
			snap_release(&after);
			if (!ret && m->failures == failures + 1)
				ret = nnmem_arena_alloc(&arena, &r[op->slot],
							op->kind, op->size,
							op->align);
			else
				ret = -1;
		}
		snap_release(&before);
		CHECK_RET(ret, 0);
		ARENA_OK(&arena);
	}
	snap_take(out, &arena, m);
	for (i = 0; i < 6; i++)		/* slot 6 was freed already */
		nnmem_arena_free(&arena, &r[i]);
	for (i = 0; i < SCRIPT_FILLERS; i++)
		nnmem_arena_free(&arena, &r[8 + i]);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m->live, 0);
	return 0;
}

static int test_enomem_every_k(void)
{
	struct test_mem m = { 0 };
	struct snap ref = { 0 }, got = { 0 };
	long k, calls;
	int ret = 0;

	if (run_script(&m, &ref))
		return -1;
	calls = m.calls;
	/* One chunk at init, one more at 30 live regions (hand-counted). */
	CHECK_EQ(calls, 2);
	CHECK_EQ(m.bad_size, 0);
	for (k = 1; k <= calls && !ret; k++) {
		struct test_mem mk = { .fail_at = k };

		ret = run_script(&mk, &got);
		if (!ret && mk.failures != 1)
			ret = -1;
		if (!ret)
			ret = snap_equal(&ref, &got);
		if (ret)
			printf("# failing zalloc #%ld of %ld\n", k, calls);
	}
	snap_release(&ref);
	snap_release(&got);
	CHECK_RET(ret, 0);
	printf("# injected a failure at each of %ld zalloc calls\n", calls);
	return 0;
}

/*
 * The node pool, by hand: 31 nodes a chunk (CHUNK_NODES); the allocation
 * that would leave fewer nodes than live regions plus one (the 31st, the
 * 62nd) adds a chunk, gives it back if it then fails with -ENOSPC, and
 * fails with -ENOMEM (changing nothing) if the chunk cannot be had; the
 * free of the last region gives back every chunk but one.
 */
static int test_node_pool(void)
{
	static struct nnmem_arena_region r[62];
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	int i;

	CHECK_RET(nnmem_arena_init(&arena, 1 << 20, &test_ops, &m), 0);
	CHECK_EQ(m.calls, 1);
	for (i = 0; i < 30; i++)
		ALLOC_AT(&arena, &r[i], W, 64, 64, 64 * i);
	CHECK_EQ(m.calls, 1);		/* 30 regions + 1 = 31 nodes */
	ALLOC_AT(&arena, &r[30], W, 64, 64, 64 * 30);
	CHECK_EQ(m.calls, 2);
	CHECK_EQ(m.live, 2);
	for (i = 31; i < 61; i++)
		ALLOC_AT(&arena, &r[i], W, 64, 64, 64 * i);
	CHECK_EQ(m.calls, 2);		/* 61 + 1 = 62 = 2 * 31 */
	/* The 62nd needs a third chunk and does not fit: chunk given back. */
	ALLOC_FAILS(&arena, &m, A, 1 << 20, 64, -ENOSPC);
	CHECK_EQ(m.calls, 3);
	CHECK_EQ(m.live, 2);
	/* The third chunk cannot be had: -ENOMEM, nothing changed. */
	m.fail_at = m.calls + 1;
	ALLOC_FAILS(&arena, &m, W, 64, 64, -ENOMEM);
	CHECK_EQ(m.failures, 1);
	ALLOC_AT(&arena, &r[61], W, 64, 64, 64 * 61);
	CHECK_EQ(m.calls, 5);
	CHECK_EQ(m.live, 3);
	/* Frees keep the chunks while a region is left... */
	for (i = 61; i > 0; i--) {
		nnmem_arena_free(&arena, &r[i]);
		ARENA_OK(&arena);
	}
	CHECK_EQ(m.live, 3);
	/* ...and the last one gives back all but one. */
	nnmem_arena_free(&arena, &r[0]);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	CHECK_EQ(m.live, 1);
	CHECK_EQ(m.calls, 5);
	/* From one chunk again: the 31st region needs a second one. */
	for (i = 0; i < 31; i++)
		ALLOC_AT(&arena, &r[i], A, 64, 64, (1 << 20) - 64 * (i + 1));
	CHECK_EQ(m.calls, 6);
	for (i = 0; i < 31; i++) {
		nnmem_arena_free(&arena, &r[i]);
		ARENA_OK(&arena);
	}
	CHECK_EQ(m.live, 1);
	CHECK_EQ(m.bad_size, 0);
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* Sizes and alignments near 2^64: nothing may wrap. */
static int test_u64_extremes(void)
{
	const u64 top = 1ULL << 63;
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region a, b, d;
	struct nnmem_arena_usage u;

	CHECK_RET(nnmem_arena_init(&arena, U64_MAX, &test_ops, &m), 0);
	ARENA_OK(&arena);
	/* The whole arena, either kind. */
	ALLOC_AT(&arena, &a, W, U64_MAX, 1, 0);
	ALLOC_FAILS(&arena, &m, A, 1, 1, -ENOSPC);
	nnmem_arena_free(&arena, &a);
	ALLOC_AT(&arena, &a, A, U64_MAX, 1, 0);
	nnmem_arena_free(&arena, &a);
	ARENA_OK(&arena);

	ALLOC_AT(&arena, &a, W, 1, 1, 0);
	/* [1, 2^64 - 1): aligned to 2^63 gives 2^63 and room for 2^63 - 1. */
	ALLOC_FAILS(&arena, &m, W, top, top, -ENOSPC);
	ALLOC_AT(&arena, &b, W, top - 1, top, top);
	CHECK_EQ(b.res_start, 1);
	CHECK_EQ(b.res_size, U64_MAX - 1);
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.weight_top, U64_MAX);
	CHECK_EQ(u.activation_bottom, U64_MAX);
	CHECK_EQ(u.free_bytes, 0);
	CHECK_EQ(u.largest_free, 0);
	CHECK_EQ(u.weight_bytes, U64_MAX);
	ALLOC_FAILS(&arena, &m, A, 1, 1, -ENOSPC);
	nnmem_arena_free(&arena, &b);
	ARENA_OK(&arena);
	/* Activation of 2^62 at align 2^62: align_down(2^64-1-2^62, 2^62). */
	ALLOC_AT(&arena, &b, A, 1ULL << 62, 1ULL << 62, 1ULL << 63);
	CHECK_EQ(b.res_size, U64_MAX - (1ULL << 63));
	/* [1, 2^63) left; a weight of 2^63 - 1 aligned to 1 fills it. */
	ALLOC_FAILS(&arena, &m, W, top, 1, -ENOSPC);
	ALLOC_FAILS(&arena, &m, W, top - 1, 2, -ENOSPC);
	ALLOC_AT(&arena, &d, W, top - 1, 1, 1);
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.free_bytes, 0);
	CHECK_EQ(u.free_extents, 0);
	CHECK_EQ(u.weight_bytes + u.activation_bytes, U64_MAX);
	nnmem_arena_free(&arena, &a);
	nnmem_arena_free(&arena, &d);
	nnmem_arena_free(&arena, &b);
	ARENA_OK(&arena);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_usage(&arena, &u);
	CHECK_EQ(u.weight_hwm, U64_MAX);
	CHECK_EQ(u.activation_hwm, U64_MAX);
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);

	/* A one-byte arena. */
	CHECK_RET(nnmem_arena_init(&arena, 1, &test_ops, &m), 0);
	ALLOC_FAILS(&arena, &m, W, 2, 1, -EINVAL);
	ALLOC_AT(&arena, &a, A, 1, top, 0);
	ALLOC_FAILS(&arena, &m, W, 1, 1, -ENOSPC);
	nnmem_arena_free(&arena, &a);
	ARENA_OK(&arena);
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* nnmem_arena_check() must notice corrupted state. */
static int test_check_detects_damage(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region a, b;

	CHECK_RET(nnmem_arena_init(&arena, 4096, &test_ops, &m), 0);
	ALLOC_AT(&arena, &a, W, 100, 1, 0);
	ALLOC_AT(&arena, &b, A, 100, 1, 3996);
	a.size++;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	a.size--;
	arena.bytes[A]++;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	arena.bytes[A]--;
	arena.free_extents++;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	arena.free_extents--;
	b.offset -= 4;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	b.offset += 4;
	b.align = 8;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	b.align = 4;
	ARENA_OK(&arena);
	a.res_size++;
	CHECK_RET(nnmem_arena_check(&arena), -EUCLEAN);
	a.res_size--;
	ARENA_OK(&arena);
	nnmem_arena_free(&arena, &a);
	nnmem_arena_free(&arena, &b);
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/* fini with live regions WARNs once and still gives back every node. */
static int test_fini_with_live_regions(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region a, b;
	unsigned long w = warnings;

	CHECK_RET(nnmem_arena_init(&arena, 4096, &test_ops, &m), 0);
	ALLOC_AT(&arena, &a, W, 100, 1, 0);
	ALLOC_AT(&arena, &b, A, 100, 1, 3996);
	nnmem_arena_fini(&arena);
	CHECK_EQ(warnings, w + 1);
	warnings = w;	/* this warning was expected */
	CHECK_EQ(m.live, 0);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Randomised test against an independent reference model.                  */

#define MODEL_MAX 256

/* A region's reservation, and where the region itself must be. */
struct mreg {
	u64 start, size;
	u64 offset;
	int kind;
	int slot;
};

/* Occupied intervals sorted by start; nothing clever. */
struct model {
	u64 size;
	int n;
	struct mreg r[MODEL_MAX];
};

/*
 * Lowest (weights) or highest (activations) legal aligned offset, and the
 * reservation: from the gap's start (weights) or to its end (activations).
 */
static int model_place(const struct model *md, int kind, u64 size, u64 align,
		       u64 *off, u64 *res_start, u64 *res_end)
{
	u64 limit = md->size, floor = 0, gs, ge;
	int i;

	for (i = 0; i < md->n; i++) {
		if (md->r[i].kind == A && md->r[i].start < limit)
			limit = md->r[i].start;
		if (md->r[i].kind == W &&
		    md->r[i].start + md->r[i].size > floor)
			floor = md->r[i].start + md->r[i].size;
	}
	if (kind == W) {
		gs = 0;
		for (i = 0; i <= md->n; i++) {
			ge = i < md->n ? md->r[i].start : md->size;
			if (ge > gs) {
				u64 a = (gs + align - 1) / align * align;
				u64 hi = ge < limit ? ge : limit;

				if (align > md->size)
					a = gs ? U64_MAX : 0;
				if (a < hi && hi - a >= size) {
					*off = a;
					*res_start = gs;
					*res_end = a + size;
					return 0;
				}
			}
			if (i < md->n)
				gs = md->r[i].start + md->r[i].size;
		}
		return -ENOSPC;
	}
	for (i = md->n; i >= 0; i--) {
		ge = i < md->n ? md->r[i].start : md->size;
		gs = i > 0 ? md->r[i - 1].start + md->r[i - 1].size : 0;
		if (ge > gs && ge - gs >= size) {
			u64 a = (ge - size) / align * align;
			u64 lo = gs > floor ? gs : floor;

			if (a >= lo) {
				*off = a;
				*res_start = a;
				*res_end = ge;
				return 0;
			}
		}
	}
	return -ENOSPC;
}

static void model_insert(struct model *md, u64 start, u64 size, u64 offset,
			 int kind, int slot)
{
	int i = md->n;

	while (i > 0 && md->r[i - 1].start > start) {
		md->r[i] = md->r[i - 1];
		i--;
	}
	md->r[i].start = start;
	md->r[i].size = size;
	md->r[i].offset = offset;
	md->r[i].kind = kind;
	md->r[i].slot = slot;
	md->n++;
}

static int model_remove(struct model *md, int slot)
{
	int i;

	for (i = 0; i < md->n; i++) {
		if (md->r[i].slot == slot) {
			memmove(&md->r[i], &md->r[i + 1],
				(md->n - i - 1) * sizeof(md->r[0]));
			md->n--;
			return 0;
		}
	}
	return -1;
}

/* The arena's extents and usage must equal the model's gaps and sums. */
static int model_compare(const struct model *md,
			 const struct nnmem_arena *arena, struct snap *s)
{
	u64 gs = 0, largest = 0, wb = 0, ab = 0, wtop = 0, abot = md->size;
	u32 wn = 0, an = 0;
	size_t e = 0;
	int i;

	snap_take(s, arena, NULL);
	for (i = 0; i <= md->n; i++) {
		u64 ge = i < md->n ? md->r[i].start : md->size;

		if (ge > gs) {
			CHECK(e < s->n);
			CHECK_EQ(s->ext[2 * e], gs);
			CHECK_EQ(s->ext[2 * e + 1], ge - gs);
			if (ge - gs > largest)
				largest = ge - gs;
			e++;
		}
		if (i == md->n)
			break;
		gs = md->r[i].start + md->r[i].size;
		if (md->r[i].kind == W) {
			wb += md->r[i].size;
			wn++;
			wtop = gs;
		} else {
			ab += md->r[i].size;
			an++;
			if (md->r[i].start < abot)
				abot = md->r[i].start;
		}
	}
	CHECK_EQ(e, s->n);
	CHECK_EQ(s->u.free_extents, e);
	CHECK_EQ(s->u.largest_free, largest);
	CHECK_EQ(s->u.weight_bytes, wb);
	CHECK_EQ(s->u.activation_bytes, ab);
	CHECK_EQ(s->u.free_bytes, md->size - wb - ab);
	CHECK_EQ(s->u.weight_regions, wn);
	CHECK_EQ(s->u.activation_regions, an);
	CHECK_EQ(s->u.weight_top, wtop);
	CHECK_EQ(s->u.activation_bottom, abot);
	CHECK(s->u.weight_hwm >= wb);
	CHECK(s->u.activation_hwm >= ab);
	return 0;
}

static u64 random_size(u64 arena_size)
{
	u64 r = rnd_below(100);

	if (r < 45)
		return 1 + rnd_below(arena_size < 64 ? arena_size : 64);
	if (r < 85)
		return 1 + rnd_below(arena_size / 16 + 1);
	if (r < 97)
		return 1 + rnd_below(arena_size / 4 + 1);
	return 1 + rnd_below(arena_size);
}

static u64 random_align(void)
{
	u64 r = rnd_below(100);

	if (r < 30)
		return 1;
	if (r < 95)
		return 1ULL << rnd_below(13);
	return 1ULL << rnd_below(64);
}

static u64 random_arena_size(void)
{
	switch (rnd_below(4)) {
	case 0:
		return 65536;
	case 1:
		return 1 + rnd_below(256);
	default:
		return 1 + rnd_below(1 << 18);
	}
}

static int test_random_model(void)
{
	static struct nnmem_arena_region slots[MODEL_MAX];
	static int free_slots[MODEL_MAX];
	static struct model md;
	const char *env = getenv("NNMEM_OPS");
	long ops = env ? atol(env) : 1000000;
	struct snap s = { 0 };
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	long i, allocs = 0, frees = 0, nospc = 0, enomem = 0, epochs = 0;
	long given_back = 0;
	int nfree = 0, target = 32, ret = 0, peak = 0;

	rng_reseed(2);
	md.size = 0;
	for (i = 0; i < ops && !ret; i++) {
		if (i % 20000 == 0) {
			/* New epoch: empty everything, start a new arena. */
			while (md.n) {
				int slot = md.r[rnd_below(md.n)].slot;

				nnmem_arena_free(&arena, &slots[slot]);
				model_remove(&md, slot);
				if (nnmem_arena_check(&arena))
					ret = -1;
			}
			if (md.size) {
				/* No region left: one chunk left. */
				if (ret || expect_one_extent(&arena) ||
				    m.live != 1)
					ret = -1;
				nnmem_arena_fini(&arena);
				if (m.live)
					ret = -1;
			}
			if (ret)
				break;
			md.size = random_arena_size();
			target = 1 + (int)rnd_below(64);
			peak = 0;
			CHECK_RET(nnmem_arena_init(&arena, md.size, &test_ops,
						   &m), 0);
			nfree = 0;
			for (int k = MODEL_MAX - 1; k >= 0; k--)
				free_slots[nfree++] = k;
			epochs++;
		}

		if (md.n && (nfree == 0 ||
			     rnd_below(2 * target) < (u64)md.n)) {
			int idx = (int)rnd_below(md.n);
			int slot = md.r[idx].slot;

			if (slots[slot].offset != md.r[idx].offset ||
			    slots[slot].res_start != md.r[idx].start ||
			    slots[slot].res_size != md.r[idx].size) {
				printf("# op %ld: region moved\n", i);
				ret = -1;
				break;
			}
			nnmem_arena_free(&arena, &slots[slot]);
			model_remove(&md, slot);
			free_slots[nfree++] = slot;
			frees++;
		} else {
			int kind = rnd_below(2) ? A : W;
			u64 size = random_size(md.size);
			u64 align = random_align();
			int slot = free_slots[nfree - 1];
			u64 want = 0, got, res_start = 0, res_end = 0;
			int want_ret = model_place(&md, kind, size, align,
						   &want, &res_start,
						   &res_end);
			int need = chunk_needed(m.live, md.n);
			long calls = m.calls, chunks = m.live;
			int r;

			/*
			 * Now and then the chunk this allocation needs
			 * cannot be had.
			 */
			if (need && rnd_below(2) == 0) {
				m.fail_at = m.calls + 1;
				want_ret = -ENOMEM;
				want = 0;
				enomem++;
			}
			r = nnmem_arena_alloc(&arena, &slots[slot], kind,
					      size, align);
			m.fail_at = 0;
			/*
			 * A zalloc exactly when a chunk is needed; the chunk
			 * stays only if the region was placed.
			 */
			if (m.calls != calls + need ||
			    m.live != chunks + (need && !r)) {
				printf("# op %ld: %ld zallocs, %ld chunks for %d regions\n",
				       i, m.calls - calls, m.live, md.n);
				ret = -1;
				break;
			}
			if (need && r == -ENOSPC)
				given_back++;

			got = r ? 0 : slots[slot].offset;
			if (r != want_ret || got != want) {
				printf("# op %ld: alloc(%s, size %" PRIu64
				       ", align %" PRIu64 ") in arena of %"
				       PRIu64 ": got %d @%" PRIu64
				       ", model %d @%" PRIu64 "\n", i,
				       kind == W ? "W" : "A", (uint64_t)size,
				       (uint64_t)align, (uint64_t)md.size, r,
				       (uint64_t)got, want_ret, (uint64_t)want);
				ret = -1;
				break;
			}
			if (!r && (slots[slot].res_start != res_start ||
				   slots[slot].res_size !=
				   res_end - res_start)) {
				printf("# op %ld: reservation differs\n", i);
				ret = -1;
				break;
			}
			if (!r) {
				model_insert(&md, res_start,
					     res_end - res_start, want, kind,
					     slot);
				nfree--;
				allocs++;
			} else if (r == -ENOSPC) {
				nospc++;
			}
		}
		if (nnmem_arena_check(&arena)) {
			printf("# op %ld: nnmem_arena_check failed\n", i);
			ret = -1;
			break;
		}
		if (model_compare(&md, &arena, &s)) {
			printf("# op %ld: arena differs from the model\n", i);
			ret = -1;
			break;
		}
		if (md.n > peak)
			peak = md.n;
		/* Enough nodes, and no chunk beyond what the peak needed. */
		if (m.live * CHUNK_NODES < md.n + 1 ||
		    (m.live - 1) * CHUNK_NODES >= peak + 1 || m.bad_size) {
			printf("# op %ld: %ld chunks for %d regions, %d at most\n",
			       i, m.live, md.n, peak);
			ret = -1;
		}
	}
	snap_release(&s);
	if (!ret) {
		while (md.n) {
			int slot = md.r[rnd_below(md.n)].slot;

			nnmem_arena_free(&arena, &slots[slot]);
			model_remove(&md, slot);
			ARENA_OK(&arena);
		}
		CHECK_OK(expect_one_extent(&arena));
		nnmem_arena_fini(&arena);
		CHECK_EQ(m.live, 0);
	}
	printf("# %ld ops: %ld allocs, %ld frees, %ld -ENOSPC, %ld -ENOMEM, %ld arenas\n",
	       i, allocs, frees, nospc, enomem, epochs);
	printf("# %ld chunks added for an -ENOSPC and given back\n",
	       given_back);
	CHECK_RET(ret, 0);
	CHECK(i >= ops);
	CHECK(enomem > 0);
	return 0;
}

/*
 * Many live regions (about 100,000): placement stays legal, every
 * invariant holds at regular checkpoints, and everything coalesces back.
 */
static int test_large_scale(void)
{
	enum { LIVE = 100000, OPS = 400000, CHECK_EVERY = 50000 };
	struct nnmem_arena_region *slots;
	int *live, *unused;
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_usage u;
	long i, nospc = 0;
	int n = 0, nunused = 0, k, ret = 0, peak = 0;

	rng_reseed(3);
	slots = calloc(LIVE, sizeof(*slots));
	live = calloc(LIVE, sizeof(*live));
	unused = calloc(LIVE, sizeof(*unused));
	CHECK(slots && live && unused);
	for (k = LIVE - 1; k >= 0; k--)
		unused[nunused++] = k;
	/* Average region ~4 KiB + padding; 100k of them fill ~60%. */
	CHECK_RET(nnmem_arena_init(&arena, 1ULL << 30, &test_ops, &m), 0);
	for (i = 0; i < OPS && !ret; i++) {
		if (n == LIVE || (i >= LIVE && rnd_below(2))) {
			int idx = (int)rnd_below(n);

			nnmem_arena_free(&arena, &slots[live[idx]]);
			unused[nunused++] = live[idx];
			live[idx] = live[--n];
		} else {
			int slot = unused[nunused - 1];
			int kind = rnd_below(2) ? A : W;
			u64 size = 1 + rnd_below(8192);
			u64 align = 1ULL << rnd_below(13);
			int r = nnmem_arena_alloc(&arena, &slots[slot], kind,
						  size, align);

			if (r == -ENOSPC) {
				nospc++;
			} else if (r) {
				ret = -1;
			} else {
				nunused--;
				live[n++] = slot;
				if (n > peak)
					peak = n;
			}
		}
		if (i % CHECK_EVERY == CHECK_EVERY - 1) {
			if (nnmem_arena_check(&arena))
				ret = -1;
			nnmem_arena_usage(&arena, &u);
			if (u.weight_regions + u.activation_regions != (u32)n ||
			    m.live * CHUNK_NODES < n + 1 ||
			    (m.live - 1) * CHUNK_NODES >= peak + 1)
				ret = -1;
		}
	}
	printf("# %ld ops, %d live at the end, %ld -ENOSPC\n", i, n, nospc);
	CHECK_RET(ret, 0);
	CHECK(n > LIVE / 2);
	ARENA_OK(&arena);
	while (n) {
		int idx = (int)rnd_below(n);

		nnmem_arena_free(&arena, &slots[live[idx]]);
		live[idx] = live[--n];
		if (n % CHECK_EVERY == 0)
			ARENA_OK(&arena);
	}
	CHECK_OK(expect_one_extent(&arena));
	/* The last free gave back every chunk but the one in use. */
	CHECK(peak > 100 * CHUNK_NODES);
	CHECK_EQ(m.live, 1);
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	free(slots);
	free(live);
	free(unused);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Compaction.                                                              */

static bool pin_by_owner(const struct nnmem_arena_region *r, void *arg)
{
	(void)arg;
	return r->owner != 0;
}

/* Run a whole compaction; count the moves, check the arena after each. */
static int compact_all(struct nnmem_arena *arena, u32 kinds, u8 *mem,
		       long *moves)
{
	struct nnmem_arena_usage u0, u1;
	struct nnmem_arena_compact c;
	struct nnmem_arena_move mv;
	u64 grown = 0;

	*moves = 0;
	nnmem_arena_usage(arena, &u0);
	nnmem_arena_compact_start(&c, kinds);
	while (nnmem_arena_compact_next(arena, &c, pin_by_owner, NULL, &mv)) {
		CHECK_OK(nnmem_arena_check(arena));
		/* what the caller must re-count: reservations changed */
		grown += mv.r->res_size - mv.old_res_size;
		CHECK_EQ(mv.r->offset, mv.to);
		CHECK(mv.from != mv.to || mv.old_res_size != mv.r->res_size);
		if (mv.from == mv.to)
			continue;
		if (mem)
			memmove(mem + mv.to, mem + mv.from, mv.size);
		(*moves)++;
	}
	CHECK_OK(nnmem_arena_check(arena));
	nnmem_arena_usage(arena, &u1);
	CHECK_EQ(u1.weight_bytes + u1.activation_bytes,
		 u0.weight_bytes + u0.activation_bytes + grown);
	return 0;
}

/*
 * Hand-derived: weights A [0,100) B [100,200) C [200,300), activations
 * X [900,1000) Y [800,900) Z [700,800) in a 1000-byte arena; free B and
 * Y. Compacting weights moves C to 100 only; activations then move Z to
 * 800 only, leaving one extent [200, 800).
 */
static int test_compact_hand(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region a, b, c, x, y, z;
	struct nnmem_arena_compact cs;
	struct nnmem_arena_move mv;
	static const u64 ext1[] = { 100, 100, 300, 400, 800, 100 };
	static const u64 ext2[] = { 200, 600 };
	long moves;

	memset(&a, 0, sizeof(a));
	b = c = x = y = z = a;
	CHECK_OK(nnmem_arena_init(&arena, 1000, &test_ops, &m));
	CHECK_OK(nnmem_arena_alloc(&arena, &a, NNMEM_ARENA_WEIGHT, 100, 1));
	CHECK_OK(nnmem_arena_alloc(&arena, &b, NNMEM_ARENA_WEIGHT, 100, 1));
	CHECK_OK(nnmem_arena_alloc(&arena, &c, NNMEM_ARENA_WEIGHT, 100, 1));
	CHECK_OK(nnmem_arena_alloc(&arena, &x, NNMEM_ARENA_ACTIVATION, 100, 1));
	CHECK_OK(nnmem_arena_alloc(&arena, &y, NNMEM_ARENA_ACTIVATION, 100, 1));
	CHECK_OK(nnmem_arena_alloc(&arena, &z, NNMEM_ARENA_ACTIVATION, 100, 1));
	nnmem_arena_free(&arena, &b);
	nnmem_arena_free(&arena, &y);
	CHECK_OK(expect_extents(&arena, ext1, 3));

	nnmem_arena_compact_start(&cs, 1U << NNMEM_ARENA_WEIGHT);
	CHECK_EQ(nnmem_arena_compact_next(&arena, &cs, NULL, NULL, &mv), 1);
	CHECK(mv.r == &c);
	CHECK_EQ(mv.from, 200);
	CHECK_EQ(mv.to, 100);
	CHECK_EQ(mv.size, 100);
	CHECK_EQ(c.offset, 100);
	CHECK_EQ(c.res_start, 100);
	CHECK_EQ(c.res_size, 100);
	CHECK_EQ(nnmem_arena_compact_next(&arena, &cs, NULL, NULL, &mv), 0);
	CHECK_OK(nnmem_arena_check(&arena));
	CHECK_EQ(z.offset, 700);

	nnmem_arena_compact_start(&cs, 1U << NNMEM_ARENA_ACTIVATION);
	CHECK_EQ(nnmem_arena_compact_next(&arena, &cs, NULL, NULL, &mv), 1);
	CHECK(mv.r == &z);
	CHECK_EQ(mv.from, 700);
	CHECK_EQ(mv.to, 800);
	CHECK_EQ(nnmem_arena_compact_next(&arena, &cs, NULL, NULL, &mv), 0);
	CHECK_OK(expect_extents(&arena, ext2, 1));
	CHECK_OK(nnmem_arena_check(&arena));

	/* Nothing left to do: a second compaction moves nothing. */
	CHECK_OK(compact_all(&arena, 3, NULL, &moves));
	CHECK_EQ(moves, 0);
	CHECK_OK(expect_extents(&arena, ext2, 1));

	nnmem_arena_free(&arena, &a);
	nnmem_arena_free(&arena, &c);
	nnmem_arena_free(&arena, &x);
	nnmem_arena_free(&arena, &z);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

/*
 * Alignment, hand-derived: W1 10 bytes align 1 at [0,10); W2 100 bytes
 * align 64 at 64 reserving [10,164); P pinned 10 bytes align 1 at
 * [164,174); W3 20 bytes align 256 at 256 reserving [174,276). Free W1:
 * W2 slides to 0 ([0,100)), the freed [100,164) stays a hole below the
 * pinned P, W3 stays (its padding already starts at P's end).
 */
static int test_compact_align_pinned(void)
{
	struct test_mem m = { 0 };
	struct nnmem_arena arena;
	struct nnmem_arena_region w1, w2, p, w3;
	static const u64 ext[] = { 100, 64, 276, 4096 - 276 };
	long moves;

	memset(&w1, 0, sizeof(w1));
	w2 = p = w3 = w1;
	CHECK_OK(nnmem_arena_init(&arena, 4096, &test_ops, &m));
	CHECK_OK(nnmem_arena_alloc(&arena, &w1, NNMEM_ARENA_WEIGHT, 10, 1));
	CHECK_OK(nnmem_arena_alloc(&arena, &w2, NNMEM_ARENA_WEIGHT, 100, 64));
	CHECK_EQ(w2.offset, 64);
	CHECK_OK(nnmem_arena_alloc(&arena, &p, NNMEM_ARENA_WEIGHT, 10, 1));
	CHECK_EQ(p.offset, 164);
	p.owner = 1;
	CHECK_OK(nnmem_arena_alloc(&arena, &w3, NNMEM_ARENA_WEIGHT, 20, 256));
	CHECK_EQ(w3.offset, 256);
	nnmem_arena_free(&arena, &w1);
	CHECK_OK(compact_all(&arena, 3, NULL, &moves));
	CHECK_EQ(moves, 1);
	CHECK_EQ(w2.offset, 0);
	CHECK_EQ(w2.res_start, 0);
	CHECK_EQ(w2.res_size, 100);
	CHECK_EQ(p.offset, 164);
	CHECK_EQ(w3.offset, 256);
	CHECK_OK(expect_extents(&arena, ext, 2));

	/* Unpinned, P goes to 100 and W3 to 256 still (align_up(110)). */
	p.owner = 0;
	CHECK_OK(compact_all(&arena, 3, NULL, &moves));
	CHECK_EQ(moves, 1);
	CHECK_EQ(p.offset, 100);
	CHECK_EQ(w3.offset, 256);
	CHECK_EQ(w3.res_start, 110);
	/* The 146 bytes [110,256) are W3's padding now, not free. */
	{
		static const u64 ext2[] = { 276, 4096 - 276 };

		CHECK_OK(expect_extents(&arena, ext2, 1));
	}
	nnmem_arena_free(&arena, &w2);
	nnmem_arena_free(&arena, &p);
	nnmem_arena_free(&arena, &w3);
	CHECK_OK(expect_one_extent(&arena));
	nnmem_arena_fini(&arena);
	CHECK_EQ(m.live, 0);
	return 0;
}

struct creg {
	struct nnmem_arena_region ar;
	bool live;
	u8 fill;
};

static int creg_by_offset(const void *a, const void *b)
{
	const struct creg *x = *(const struct creg * const *)a;
	const struct creg *y = *(const struct creg * const *)b;

	return x->ar.offset < y->ar.offset ? -1 : x->ar.offset > y->ar.offset;
}

/*
 * Random fragmentation, random pins, compaction; against an independent
 * model of where each region must end up: in address order, a weight
 * goes to the first offset of its alignment at or above the end of the
 * region below it (0 for the first), an activation to the last aligned
 * offset ending at or below the start of the region above it (the arena
 * size for the first); pinned ones stay. Every byte of every region is
 * checked after the moves (a memory image moved with memmove()).
 */
static int test_compact_random(void)
{
	enum { ROUNDS = 400, NREG = 256 };
	struct creg *regs = calloc(NREG, sizeof(*regs));
	struct creg **order = calloc(NREG, sizeof(*order));
	u64 *want = calloc(NREG, sizeof(*want));
	long round, total_moves = 0, checked_one = 0;

	CHECK(regs && order && want);
	rng_reseed(0xc0);
	for (round = 0; round < ROUNDS; round++) {
		struct test_mem m = { 0 };
		struct nnmem_arena arena;
		struct nnmem_arena_usage u;
		u64 size = 4096 + rnd_below(1 << 16), lo, hi;
		u8 *mem = malloc(size);
		bool any_pinned = false;
		long moves, i, n = 0, ops = rnd_below(4 * NREG);
		int pin_pct = round % 3 ? (int)rnd_below(30) : 0;

		CHECK(mem);
		memset(mem, 0xee, size);
		memset(regs, 0, NREG * sizeof(*regs));
		CHECK_OK(nnmem_arena_init(&arena, size, &test_ops, &m));
		for (i = 0; i < ops; i++) {
			struct creg *c = &regs[rnd_below(NREG)];

			if (c->live) {
				nnmem_arena_free(&arena, &c->ar);
				c->live = false;
				continue;
			}
			if (nnmem_arena_alloc(&arena, &c->ar, rnd_below(2),
					      1 + rnd_below(size / 32),
					      1ULL << rnd_below(10)))
				continue;
			c->live = true;
			c->fill = (u8)rnd();
			memset(mem + c->ar.offset, c->fill, c->ar.size);
		}
		for (i = 0; i < NREG; i++) {
			regs[i].ar.owner = 0;
			if (!regs[i].live)
				continue;
			if ((int)rnd_below(100) < pin_pct) {
				regs[i].ar.owner = 1;
				any_pinned = true;
			}
			order[n++] = &regs[i];
		}
		qsort(order, n, sizeof(*order), creg_by_offset);
		/* The model: weights upwards, then activations downwards. */
		lo = 0;
		for (i = 0; i < n && order[i]->ar.kind == NNMEM_ARENA_WEIGHT;
		     i++) {
			const struct nnmem_arena_region *r = &order[i]->ar;

			want[i] = r->owner ? r->offset :
				  (lo + r->align - 1) / r->align * r->align;
			lo = want[i] + r->size;
		}
		hi = size;
		for (i = n - 1; i >= 0 &&
		     order[i]->ar.kind == NNMEM_ARENA_ACTIVATION; i--) {
			const struct nnmem_arena_region *r = &order[i]->ar;

			want[i] = r->owner ? r->offset :
				  (hi - r->size) / r->align * r->align;
			hi = want[i];
		}
		CHECK_OK(compact_all(&arena, 3, mem, &moves));
		total_moves += moves;
		for (i = 0; i < n; i++) {
			struct creg *c = order[i];
			u64 j;

			if (c->ar.offset != want[i]) {
				printf("# round %ld: region %ld at %" PRIu64
				       ", model %" PRIu64 "\n", round, i,
				       (uint64_t)c->ar.offset,
				       (uint64_t)want[i]);
				return -1;
			}
			for (j = 0; j < c->ar.size; j++)
				CHECK_EQ(mem[c->ar.offset + j], c->fill);
		}
		nnmem_arena_usage(&arena, &u);
		/* The free space lies between the model's two ends. */
		if (!any_pinned) {
			CHECK_EQ(u.free_bytes, hi - lo);
			CHECK_EQ(u.largest_free, hi - lo);
			CHECK(u.free_extents <= 1);
			checked_one++;
		}
		/* All the free space in one piece: one weight takes it. */
		if (!any_pinned && hi > lo) {
			struct nnmem_arena_region big = { 0 };

			CHECK_OK(nnmem_arena_alloc(&arena, &big,
						   NNMEM_ARENA_WEIGHT,
						   hi - lo, 1));
			CHECK_EQ(big.offset, lo);
			nnmem_arena_free(&arena, &big);
		}
		/* Everything frees back to one extent. */
		for (i = 0; i < NREG; i++) {
			if (regs[i].live)
				nnmem_arena_free(&arena, &regs[i].ar);
			CHECK_OK(i % 64 ? 0 : nnmem_arena_check(&arena));
		}
		CHECK_OK(expect_one_extent(&arena));
		nnmem_arena_fini(&arena);
		CHECK_EQ(m.live, 0);
		free(mem);
	}
	printf("# %ld moves in %d rounds, %ld unpinned rounds\n",
	       total_moves, ROUNDS, checked_one);
	CHECK(total_moves > ROUNDS);
	CHECK(checked_one > ROUNDS / 4);
	free(regs);
	free(order);
	free(want);
	return 0;
}

/* ---------------------------------------------------------------------- */

static const struct tap_test tests[] = {
	{ "rbtree: extents made in address order stay balanced and checked",
	  test_rbtree_sequential },
	{ "rbtree: check detects a red root, recoloured nodes, bad links, extra nodes",
	  test_rbtree_check_detects_damage },
	{ "arena: seed layout filter0,bias0,filter1,bias1 up, activations down",
	  test_seed_layout },
	{ "arena: ends meet, then -ENOSPC leaves arena unchanged",
	  test_ends_meet_enospc },
	{ "arena: holes across the other kind's boundary are not used",
	  test_no_crossing },
	{ "arena: alignment padding belongs to its region, order is kept",
	  test_padding_belongs_to_region },
	{ "arena: freeing in all 720 orders coalesces to one extent",
	  test_free_every_order },
	{ "arena: weights reuse the lowest fitting hole",
	  test_hole_reuse_weights },
	{ "arena: activations reuse the highest fitting hole",
	  test_hole_reuse_activations },
	{ "arena: holes big enough only unaligned are skipped",
	  test_align_hole_fits_only_unaligned },
	{ "arena: alignments up to 2^63", test_align_large },
	{ "arena: bad size/align/kind give -EINVAL and change nothing",
	  test_errors_einval },
	{ "arena: init rejects bad arguments, -ENOMEM", test_init_errors },
	{ "arena: -ENOMEM at every zalloc changes nothing",
	  test_enomem_every_k },
	{ "arena: node pool: a chunk per 31 nodes, given back on -ENOSPC and when empty",
	  test_node_pool },
	{ "arena: sizes and alignments near 2^64 do not wrap",
	  test_u64_extremes },
	{ "arena: check detects corrupted state", test_check_detects_damage },
	{ "arena: fini with live regions warns and frees all nodes",
	  test_fini_with_live_regions },
	{ "arena: random ops match the reference model, checked every op",
	  test_random_model },
	{ "arena: 100000 live regions, checked every 50000 ops",
	  test_large_scale },
	{ "arena: compaction moves only what a hole lets slide, hand-derived",
	  test_compact_hand },
	{ "arena: compaction keeps alignment and packs against pinned regions",
	  test_compact_align_pinned },
	{ "arena: random compaction matches the model, bytes kept, one extent",
	  test_compact_random },
};

int main(int argc, char **argv)
{
	const size_t n = sizeof(tests) / sizeof(tests[0]);
	const char *env = getenv("NNMEM_SEED");
	size_t i, passed = 0, failed = 0;

	if (argc > 1 && argv[1][0])
		seed = strtoull(argv[1], NULL, 0);
	else if (env && env[0])
		seed = strtoull(env, NULL, 0);
	else
		seed = (uint64_t)time(NULL);

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	printf("1..%zu\n", n);
	printf("# seed %" PRIu64 " (reproduce: NNMEM_SEED=%" PRIu64 ")\n",
	       seed, seed);
	for (i = 0; i < n; i++) {
		unsigned long w = warnings;
		struct timespec t0, t1;
		int ret;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = tests[i].fn();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (warnings != w) {
			printf("# unexpected WARN_ON\n");
			ret = -1;
		}
		printf("# %.2f s\n", (t1.tv_sec - t0.tv_sec) +
		       (t1.tv_nsec - t0.tv_nsec) / 1e9);
		if (ret) {
			printf("not ok %zu - %s\n", i + 1, tests[i].name);
			failed++;
		} else {
			printf("ok %zu - %s\n", i + 1, tests[i].name);
			passed++;
		}
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}
