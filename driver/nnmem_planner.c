// SPDX-License-Identifier: GPL-2.0 OR MIT
/**
 * DOC: nnmem activation memory planner
 *
 * Input: n buffers, each with a size and a lifetime [first, last] of
 * steps (inclusive). Output: an offset for each inside one activation
 * block, a multiple of the alignment, such that two buffers whose
 * lifetimes intersect never share a byte; sizes count rounded up to the
 * alignment and buffers of size 0 occupy nothing. The goal is a small
 * footprint, the largest offset + size. No plan can beat the bound, the
 * largest sum of sizes live at one step (nnmem_planner_bound(), a sweep
 * in O(n log n)); finding the optimum is NP-hard (dynamic storage
 * allocation), so the planner tries cheap strategies, keeps the best plan
 * and stops as soon as one reaches the bound:
 *
 *  1. Buffers in time order (by first step), each placed by the two-ended
 *     rule below against a target footprint equal to the bound.
 *  2. Largest buffer first, each at the lowest offset where it fits (the
 *     greedy-by-size planner of TensorFlow Lite Micro).
 *  3. A bounded improvement search (squeaky wheel): strategy 1 again and
 *     again, each pass first placing the buffers that ended above the
 *     bound in earlier passes (those more often first, then by time).
 *
 * Placement. A buffer is placed against the already placed buffers whose
 * lifetimes intersect its own, walked in address order; the holes between
 * them are candidate gaps. The two-ended rule takes the smallest gap below
 * the target that fits, and in it the end next to the neighbour that
 * lives longer (the block's two ends live forever), so space freed later
 * joins the rest of the gap instead of being cut off; if nothing below the
 * target fits, the lowest offset that fits. On a chain (each buffer live
 * only with its predecessor and successor) this alternates buffers between
 * the two ends of the block, so a chain always plans to exactly the bound:
 * buffer k sits at the end its predecessor left free, and sizes k-1 and k
 * sum to at most the bound. Strategy 1 alone reaches the bound on the four
 * MLPerf Tiny models (ResNet-8, whose residual branches are not a chain,
 * included); the search reaches it on most residual networks and branching
 * graphs seen in the tests, and the result is never worse than strategy 2,
 * i.e. than TFLM's planner.
 *
 * Cost, all bounded whatever the input: sorts are heapsorts, O(n log n);
 * one pass is O(n * m) where m is the number of placed buffers still live
 * (buffers no later one can conflict with are dropped as the pass goes),
 * so O(n^2) at worst and about O(n) on chains in time order; the search
 * stops after 64 passes or once it has looked at max(65536, 512 n) placed
 * buffers, whichever comes first. No recursion and no allocation: the
 * caller provides nnmem_planner_work_size(n) bytes of work memory, and n
 * is at most %NNMEM_PLANNER_MAX_BUFS. The result is deterministic.
 *
 * nnmem_planner_check() verifies any plan, e.g. one given by userspace,
 * pairwise in O(n^2) without memory and reports the first conflict.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#ifndef _TOOLS_LINUX_TYPES_H_
typedef __u64 u64;
typedef __u32 u32;
#endif
#ifndef U64_MAX
#define U64_MAX		((u64)~0ULL)
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#endif

#include "nnmem_planner.h"

/* The "last step" of the block's two ends: they outlive every buffer. */
#define PLANNER_FOREVER		U64_MAX

/* Orders in which a strategy places the buffers. */
enum planner_key {
	PLANNER_BY_FIRST,	/* by first step, larger first */
	PLANNER_BY_LAST,	/* by last step (the bound's sweep) */
	PLANNER_BY_SIZE,	/* larger first (TFLM's greedy order) */
};

/* Flag on a key: higher p->prio first, then the key. */
#define PLANNER_PRIO		0x10

/* Where a strategy puts a buffer among the gaps left by its conflicts. */
enum planner_mode {
	/* the lowest offset that fits */
	PLANNER_FIRST_FIT,
	/*
	 * the smallest gap below the target that fits, at the end of that
	 * gap whose neighbour lives longer; the lowest offset that fits if
	 * no gap below the target does
	 */
	PLANNER_ENDS,
};

struct planner_strategy {
	enum planner_key key;
	enum planner_mode mode;
};

/* The improvement search: at most this many passes and this much work. */
#define PLANNER_SEARCH_PASSES	64
#define PLANNER_SEARCH_VISITS	65536
#define PLANNER_SEARCH_VISITS_PER_BUF	512
/* Tried in this order; the first to reach the bound ends the search. */
static const struct planner_strategy planner_strategies[] = {
	{ PLANNER_BY_FIRST, PLANNER_ENDS },
	{ PLANNER_BY_SIZE, PLANNER_FIRST_FIT },
};

struct planner {
	const struct nnmem_planner_buf *bufs;
	u32 n;
	u64 *asz;	/* sizes rounded up to the alignment */
	u64 *off;	/* offsets of the strategy being tried */
	u32 *order;	/* placement order */
	u32 *placed;	/* placed buffers of nonzero size, by offset */
	u32 nplaced;
	u32 *min_first;	/* of order[k..n-1], for each k */
	u32 *max_last;	/* of order[k..n-1], for each k */
	u32 *prio;	/* priorities of the improvement search */
	u64 visits;	/* placed buffers looked at, the measure of work */
};

/* Per buffer: asz, off, order, placed, min_first, max_last. */
#define PLANNER_WORK_PER_BUF	(2 * sizeof(u64) + 5 * sizeof(u32))

/**
 * nnmem_planner_work_size() - work memory needed to plan @n buffers
 * @n: number of buffers.
 *
 * Return: bytes of work memory that nnmem_planner_plan() and
 * nnmem_planner_bound() need for @n buffers (aligned to 8 bytes; kvmalloc()
 * and malloc() memory is), or 0 if @n exceeds %NNMEM_PLANNER_MAX_BUFS.
 */
size_t nnmem_planner_work_size(u32 n)
{
	if (n > NNMEM_PLANNER_MAX_BUFS)
		return 0;
	return (size_t)n * PLANNER_WORK_PER_BUF;
}

static bool planner_align_ok(u64 align)
{
	return align && !(align & (align - 1));
}

/* Rounds @size up to @align (a power of two) in *@asz; -EOVERFLOW if not. */
static int planner_round(u64 size, u64 align, u64 *asz)
{
	if (size > U64_MAX - (align - 1))
		return -EOVERFLOW;
	*asz = (size + align - 1) & ~(align - 1);
	return 0;
}

static int planner_init(struct planner *p, const struct nnmem_planner_buf *bufs,
			u32 n, u64 align, void *work)
{
	u64 total = 0;
	u32 i;
	int ret;

	if (!planner_align_ok(align))
		return -EINVAL;
	if (n > NNMEM_PLANNER_MAX_BUFS)
		return -E2BIG;
	p->bufs = bufs;
	p->n = n;
	p->asz = work;
	p->off = p->asz + n;
	p->order = (u32 *)(p->off + n);
	p->placed = p->order + n;
	p->nplaced = 0;
	p->visits = 0;
	p->min_first = p->placed + n;
	p->max_last = p->min_first + n;
	p->prio = p->max_last + n;
	for (i = 0; i < n; i++) {
		if (bufs[i].first > bufs[i].last)
			return -EINVAL;
		ret = planner_round(bufs[i].size, align, &p->asz[i]);
		if (ret)
			return ret;
		/* Every offset + size computed later is at most this sum. */
		if (p->asz[i] > U64_MAX - total)
			return -EOVERFLOW;
		total += p->asz[i];
	}
	return 0;
}

/* Whether @a goes before @b in the order @key; a total order. */
static bool planner_before(const struct planner *p, unsigned int key,
			   u32 a, u32 b)
{
	const struct nnmem_planner_buf *x = &p->bufs[a], *y = &p->bufs[b];

	if (key & PLANNER_PRIO) {
		if (p->prio[a] != p->prio[b])
			return p->prio[a] > p->prio[b];
		key &= ~PLANNER_PRIO;
	}
	switch (key) {
	case PLANNER_BY_FIRST:
		if (x->first != y->first)
			return x->first < y->first;
		if (p->asz[a] != p->asz[b])
			return p->asz[a] > p->asz[b];
		if (x->last != y->last)
			return x->last > y->last;
		break;
	case PLANNER_BY_LAST:
		if (x->last != y->last)
			return x->last < y->last;
		break;
	case PLANNER_BY_SIZE:
		if (p->asz[a] != p->asz[b])
			return p->asz[a] > p->asz[b];
		if (x->first != y->first)
			return x->first < y->first;
		break;
	}
	return a < b;
}

static void planner_sift(const struct planner *p, unsigned int key,
			 u32 *v, u32 root, u32 n)
{
	for (;;) {
		u32 child = 2 * root + 1, t;

		if (child >= n)
			return;
		if (child + 1 < n &&
		    planner_before(p, key, v[child], v[child + 1]))
			child++;
		if (!planner_before(p, key, v[root], v[child]))
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

/*
 * Insertion sort of @v by @key, for an order that is nearly sorted already;
 * every comparison counts as a visit.
 */
static void planner_resort(struct planner *p, unsigned int key, u32 *v)
{
	u32 i, k, t;

	for (i = 1; i < p->n; i++) {
		t = v[i];
		for (k = i; k > 0; k--) {
			p->visits++;
			if (!planner_before(p, key, t, v[k - 1]))
				break;
			v[k] = v[k - 1];
		}
		v[k] = t;
	}
}

/* Heapsort of 0..n-1 into @v by @key: O(n log n), no recursion. */
static void planner_sort(const struct planner *p, enum planner_key key, u32 *v)
{
	u32 i, t;

	for (i = 0; i < p->n; i++)
		v[i] = i;
	for (i = p->n / 2; i-- > 0;)
		planner_sift(p, key, v, i, p->n);
	for (i = p->n; i-- > 1;) {
		t = v[0];
		v[0] = v[i];
		v[i] = t;
		planner_sift(p, key, v, 0, i);
	}
}

/*
 * The largest sum of sizes live at one step: a sweep over the buffers by
 * first step, retiring those whose last step has passed. Uses p->order
 * and p->placed as scratch.
 */
static u64 planner_bound(struct planner *p)
{
	const struct nnmem_planner_buf *bufs = p->bufs;
	u32 *starts = p->order, *ends = p->placed;
	u64 live = 0, max = 0;
	u32 k, e = 0;

	planner_sort(p, PLANNER_BY_FIRST, starts);
	planner_sort(p, PLANNER_BY_LAST, ends);
	for (k = 0; k < p->n; k++) {
		u32 i = starts[k];

		/*
		 * Stops at i itself at the latest; everything retired
		 * started before i, so was added.
		 */
		while (bufs[ends[e]].last < bufs[i].first)
			live -= p->asz[ends[e++]];
		live += p->asz[i];
		if (live > max)
			max = live;
	}
	return max;
}

static bool planner_live_together(const struct nnmem_planner_buf *x,
				  const struct nnmem_planner_buf *y)
{
	return x->first <= y->last && y->first <= x->last;
}

/*
 * An offset for buffer @i against the placed buffers whose lifetimes
 * intersect its own, walked in address order: the gaps between them are
 * [cursor, next offset), the last one [cursor, U64_MAX).
 */
static u64 planner_fit(struct planner *p, u32 i, enum planner_mode mode,
		       u64 target)
{
	const struct nnmem_planner_buf *b = &p->bufs[i];
	u64 size = p->asz[i], cursor = 0, lo_life = PLANNER_FOREVER;
	u64 best = U64_MAX, best_gap = U64_MAX, lowest = U64_MAX;
	u32 k;

	for (k = 0; k <= p->nplaced; k++) {
		const struct nnmem_planner_buf *c = NULL;
		u64 hi = U64_MAX, hi_life = PLANNER_FOREVER, top, end;
		u32 j = 0;

		if (k < p->nplaced) {
			p->visits++;
			j = p->placed[k];
			c = &p->bufs[j];
			if (!planner_live_together(b, c))
				continue;
			hi = p->off[j];
			hi_life = c->last;
		}
		if (hi > cursor && hi - cursor >= size) {
			/* the gap [cursor, hi) fits */
			if (mode == PLANNER_FIRST_FIT)
				return cursor;
			if (lowest == U64_MAX)
				lowest = cursor;
			top = hi;
			if (top >= target) {
				top = target;
				hi_life = PLANNER_FOREVER;
			}
			if (top > cursor && top - cursor >= size &&
			    top - cursor < best_gap) {
				best_gap = top - cursor;
				best = hi_life > lo_life ? top - size : cursor;
			}
		}
		if (!c)
			break;
		end = hi + p->asz[j];
		if (end > cursor) {
			cursor = end;
			lo_life = c->last;
		} else if (end == cursor && c->last > lo_life) {
			lo_life = c->last;
		}
	}
	return best != U64_MAX ? best : lowest;
}

static void planner_insert(struct planner *p, u32 i)
{
	u32 k = p->nplaced++;

	while (k > 0 && p->off[p->placed[k - 1]] > p->off[i]) {
		p->placed[k] = p->placed[k - 1];
		k--;
	}
	p->placed[k] = i;
}

/*
 * Drops the placed buffers that no buffer still to be placed, order[k]
 * onwards, can conflict with: in time order this keeps the walk in
 * planner_fit() to the buffers still live.
 */
static void planner_prune(struct planner *p, u32 k)
{
	u32 r, w = 0;

	p->visits += p->nplaced;
	for (r = 0; r < p->nplaced; r++) {
		u32 j = p->placed[r];

		if (p->bufs[j].last >= p->min_first[k] &&
		    p->bufs[j].first <= p->max_last[k])
			p->placed[w++] = j;
	}
	p->nplaced = w;
}

/*
 * Places every buffer in p->order into p->off; returns the footprint, or
 * U64_MAX as soon as it reaches @cutoff.
 */
static u64 planner_place(struct planner *p, enum planner_mode mode,
			 u64 target, u64 cutoff)
{
	u64 foot = 0;
	u32 k;

	for (k = p->n; k-- > 0;) {
		const struct nnmem_planner_buf *b = &p->bufs[p->order[k]];
		bool end = k + 1 == p->n;

		p->min_first[k] = end || b->first < p->min_first[k + 1] ?
				  b->first : p->min_first[k + 1];
		p->max_last[k] = end || b->last > p->max_last[k + 1] ?
				 b->last : p->max_last[k + 1];
	}
	p->nplaced = 0;
	for (k = 0; k < p->n; k++) {
		u32 i = p->order[k];
		u64 o;

		if (!p->asz[i]) {
			p->off[i] = 0;
			continue;
		}
		planner_prune(p, k);
		o = planner_fit(p, i, mode, target);
		p->off[i] = o;
		if (o + p->asz[i] > foot) {
			foot = o + p->asz[i];
			if (foot >= cutoff)
				return U64_MAX;
		}
		planner_insert(p, i);
	}
	return foot;
}

static void planner_keep(const struct planner *p,
			 struct nnmem_planner_buf *bufs, u64 *best, u64 foot)
{
	u32 i;

	*best = foot;
	for (i = 0; i < p->n; i++)
		bufs[i].offset = p->off[i];
}

/*
 * Squeaky-wheel improvement of the time-ordered two-ended strategy: after
 * each pass every buffer that ended above the bound gains priority, and
 * the next pass places buffers by priority, then by time. Bounded by
 * PLANNER_SEARCH_PASSES passes and PLANNER_SEARCH_VISITS visits
 * (comparisons of the re-sort included), whatever @n.
 */
static void planner_search(struct planner *p, struct nnmem_planner_buf *bufs,
			   u64 bound, u64 *best)
{
	u64 foot, budget;
	u32 pass, i;

	for (i = 0; i < p->n; i++)
		p->prio[i] = 0;
	planner_sort(p, PLANNER_BY_FIRST, p->order);
	p->visits = 0;
	budget = (u64)p->n * PLANNER_SEARCH_VISITS_PER_BUF;
	if (budget < PLANNER_SEARCH_VISITS)
		budget = PLANNER_SEARCH_VISITS;
	for (pass = 0; pass < PLANNER_SEARCH_PASSES && *best > bound &&
	     p->visits < budget; pass++) {
		planner_resort(p, PLANNER_BY_FIRST | PLANNER_PRIO, p->order);
		foot = planner_place(p, PLANNER_ENDS, bound, U64_MAX);
		if (foot < *best)
			planner_keep(p, bufs, best, foot);
		for (i = 0; i < p->n; i++)
			if (p->off[i] + p->asz[i] > bound)
				p->prio[i]++;
	}
}

/**
 * nnmem_planner_bound() - the lower bound on any plan's footprint
 * @bufs: the buffers (@offset is ignored).
 * @n: number of buffers, at most %NNMEM_PLANNER_MAX_BUFS.
 * @align: alignment, a power of two; sizes count rounded up to it.
 * @work: nnmem_planner_work_size(@n) bytes of scratch memory.
 * @bound: out: the largest sum of (rounded) sizes live at any one step.
 *
 * O(n log n).
 *
 * Return: 0; -EINVAL if @align is not a power of two or some buffer has
 * @first > @last; -E2BIG if @n is too large; -EOVERFLOW if a rounded size
 * or the sum of all rounded sizes does not fit in 64 bits.
 */
int nnmem_planner_bound(const struct nnmem_planner_buf *bufs, u32 n,
			u64 align, void *work, u64 *bound)
{
	struct planner p;
	int ret;

	ret = planner_init(&p, bufs, n, align, work);
	if (ret)
		return ret;
	*bound = planner_bound(&p);
	return 0;
}

/**
 * nnmem_planner_plan() - place buffers inside one activation block
 * @bufs: the buffers; @offset of each is set on success.
 * @n: number of buffers, at most %NNMEM_PLANNER_MAX_BUFS.
 * @align: alignment of every offset, a power of two; sizes count rounded
 *	up to it.
 * @work: nnmem_planner_work_size(@n) bytes of scratch memory.
 * @footprint: out: the block size the plan needs, the largest
 *	@offset + rounded size (0 if no buffer has bytes).
 *
 * Deterministic: the same input gives the same plan. See the DOC: section
 * above for the algorithm and its cost.
 *
 * Return: 0; the errors of nnmem_planner_bound(), with @bufs unchanged.
 */
int nnmem_planner_plan(struct nnmem_planner_buf *bufs, u32 n, u64 align,
		       void *work, u64 *footprint)
{
	struct planner p;
	u64 bound, best = U64_MAX, foot;
	u32 s;
	int ret;

	ret = planner_init(&p, bufs, n, align, work);
	if (ret)
		return ret;
	bound = planner_bound(&p);
	for (s = 0; s < ARRAY_SIZE(planner_strategies) && best > bound; s++) {
		const struct planner_strategy *st = &planner_strategies[s];

		planner_sort(&p, st->key, p.order);
		foot = planner_place(&p, st->mode, bound, best);
		if (foot < best)
			planner_keep(&p, bufs, &best, foot);
	}
	if (best > bound)
		planner_search(&p, bufs, bound, &best);
	*footprint = best;
	return 0;
}

/**
 * nnmem_planner_check() - verify a plan
 * @bufs: the buffers with their offsets.
 * @n: number of buffers, at most %NNMEM_PLANNER_MAX_BUFS.
 * @align: alignment, a power of two.
 * @a: out, on a bad buffer or conflict: the lower index involved.
 * @b: out, on a bad buffer or conflict: the higher index (@a again for a
 *	bad buffer).
 *
 * First every buffer alone, in index order: @first <= @last, @offset a
 * multiple of @align, the rounded size and @offset + rounded size within
 * 64 bits. Then every pair i < j in lexicographic order: two buffers of
 * nonzero size whose lifetimes intersect must not overlap in bytes. The
 * first failure is reported. O(n^2) time, no memory: at most about 8.4
 * million pair tests at %NNMEM_PLANNER_MAX_BUFS buffers.
 *
 * Return: 0 if the plan is valid; -EINVAL for a bad @align, a bad buffer
 * (*@a == *@b) or a conflict (*@a < *@b); -EOVERFLOW for a size or end
 * beyond 64 bits (*@a == *@b); -E2BIG if @n is too large.
 */
int nnmem_planner_check(const struct nnmem_planner_buf *bufs, u32 n,
			u64 align, u32 *a, u32 *b)
{
	u64 asz_i, asz_j;
	u32 i, j;

	if (!planner_align_ok(align))
		return -EINVAL;
	if (n > NNMEM_PLANNER_MAX_BUFS)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		*a = i;
		*b = i;
		if (bufs[i].first > bufs[i].last ||
		    (bufs[i].offset & (align - 1)))
			return -EINVAL;
		if (planner_round(bufs[i].size, align, &asz_i) ||
		    asz_i > U64_MAX - bufs[i].offset)
			return -EOVERFLOW;
	}
	/* Validated above: the rounding cannot overflow any more. */
	for (i = 0; i < n; i++) {
		asz_i = (bufs[i].size + align - 1) & ~(align - 1);
		if (!asz_i)
			continue;
		for (j = i + 1; j < n; j++) {
			asz_j = (bufs[j].size + align - 1) & ~(align - 1);
			if (!asz_j ||
			    !planner_live_together(&bufs[i], &bufs[j]))
				continue;
			if (bufs[i].offset < bufs[j].offset + asz_j &&
			    bufs[j].offset < bufs[i].offset + asz_i) {
				*a = i;
				*b = j;
				return -EINVAL;
			}
		}
	}
	return 0;
}
