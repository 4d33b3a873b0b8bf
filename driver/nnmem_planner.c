// SPDX-License-Identifier: GPL-2.0 OR MIT
/**
 * DOC: nnmem activation memory planner
 *
 * (overview written below, once the algorithm is settled)
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
	PLANNER_BY_LAST_DESC,	/* by last step, latest first */
	PLANNER_BY_SIZE,	/* larger first (TFLM's greedy order) */
	PLANNER_BY_LENGTH,	/* longer lifetime first */
};

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

/* Tried in this order; the first to reach the bound ends the search. */
static const struct planner_strategy planner_strategies[] = {
	{ PLANNER_BY_FIRST, PLANNER_ENDS },
	{ PLANNER_BY_LAST_DESC, PLANNER_ENDS },
	{ PLANNER_BY_SIZE, PLANNER_ENDS },
	{ PLANNER_BY_LENGTH, PLANNER_ENDS },
	{ PLANNER_BY_SIZE, PLANNER_FIRST_FIT },
	{ PLANNER_BY_FIRST, PLANNER_FIRST_FIT },
	{ PLANNER_BY_LENGTH, PLANNER_FIRST_FIT },
};

struct planner {
	const struct nnmem_planner_buf *bufs;
	u32 n;
	u64 *asz;	/* sizes rounded up to the alignment */
	u64 *off;	/* offsets of the strategy being tried */
	u32 *order;	/* placement order */
	u32 *placed;	/* placed buffers of nonzero size, by offset */
	u32 nplaced;
};

/* Per buffer: asz, off, order, placed. */
#define PLANNER_WORK_PER_BUF	(2 * sizeof(u64) + 2 * sizeof(u32))

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
static bool planner_before(const struct planner *p, enum planner_key key,
			   u32 a, u32 b)
{
	const struct nnmem_planner_buf *x = &p->bufs[a], *y = &p->bufs[b];
	u32 lx = x->last - x->first, ly = y->last - y->first;

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
	case PLANNER_BY_LAST_DESC:
		if (x->last != y->last)
			return x->last > y->last;
		if (p->asz[a] != p->asz[b])
			return p->asz[a] > p->asz[b];
		if (x->first != y->first)
			return x->first < y->first;
		break;
	case PLANNER_BY_SIZE:
		if (p->asz[a] != p->asz[b])
			return p->asz[a] > p->asz[b];
		if (x->first != y->first)
			return x->first < y->first;
		break;
	case PLANNER_BY_LENGTH:
		if (lx != ly)
			return lx > ly;
		if (p->asz[a] != p->asz[b])
			return p->asz[a] > p->asz[b];
		if (x->first != y->first)
			return x->first < y->first;
		break;
	}
	return a < b;
}

static void planner_sift(const struct planner *p, enum planner_key key,
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
static u64 planner_fit(const struct planner *p, u32 i, enum planner_mode mode,
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
 * Places every buffer in p->order into p->off; returns the footprint, or
 * U64_MAX as soon as it reaches @cutoff.
 */
static u64 planner_place(struct planner *p, enum planner_mode mode,
			 u64 target, u64 cutoff)
{
	u64 foot = 0;
	u32 k;

	p->nplaced = 0;
	for (k = 0; k < p->n; k++) {
		u32 i = p->order[k];
		u64 o;

		if (!p->asz[i]) {
			p->off[i] = 0;
			continue;
		}
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
	u32 s, i;
	int ret;

	ret = planner_init(&p, bufs, n, align, work);
	if (ret)
		return ret;
	bound = planner_bound(&p);
	for (s = 0; s < ARRAY_SIZE(planner_strategies) && best > bound; s++) {
		const struct planner_strategy *st = &planner_strategies[s];

		planner_sort(&p, st->key, p.order);
		foot = planner_place(&p, st->mode, bound, best);
		if (foot < best) {
			best = foot;
			for (i = 0; i < n; i++)
				bufs[i].offset = p.off[i];
		}
	}
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
	for (i = 0; i < n; i++) {
		planner_round(bufs[i].size, align, &asz_i);
		if (!asz_i)
			continue;
		for (j = i + 1; j < n; j++) {
			if (!bufs[j].size ||
			    !planner_live_together(&bufs[i], &bufs[j]))
				continue;
			planner_round(bufs[j].size, align, &asz_j);
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
