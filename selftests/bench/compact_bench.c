// SPDX-License-Identifier: GPL-2.0
/*
 * Compaction benchmark on the portable arena (driver/nnmem_arena.c, the
 * module's code) with a memory image moved by memmove(), as the module's
 * nnmem_compact.c copies the arena's bytes.
 *
 * Fragmentation workload: random sizes (4 KiB to 1 MiB, log-uniform),
 * random alignments (64 B to 4 KiB), both kinds, allocations and frees in
 * random order, the same sequence twice: without compaction, and with a
 * compaction (both kinds) whenever an allocation fails although the free
 * bytes would hold it (as sysfs auto_compact does), then one retry.
 * Reported: failed allocations each way, and at the end the largest
 * allocatable region (the largest free extent) before and after a final
 * compaction, against all free bytes.
 *
 * Throughput: the bytes the compactions moved per second (bookkeeping and
 * memmove() together), against memcpy() of the same sizes between two
 * other buffers in the same run. Prints a table; never fails on time.
 *
 *   ./compact_bench [OPS] [SEED]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nnmem_arena.h"

#define ARENA	(64ULL << 20)
#define SLOTS	512

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	fprintf(stderr, "WARN_ON(%s) at %s:%d\n", cond, file, line);
	abort();
}

static void *bench_zalloc(size_t size, void *priv)
{
	(void)priv;
	return calloc(1, size);
}

static void bench_free(void *p, void *priv)
{
	(void)priv;
	free(p);
}

static const struct nnmem_arena_ops bench_ops = {
	.zalloc = bench_zalloc,
	.free = bench_free,
};

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct run {
	long allocs, failed, frag_failed, compactions, moves;
	uint64_t moved_bytes;
	double compact_s;
	uint64_t largest_before, largest_after, free_end;
	uint64_t *sizes;	/* every move's size, for the memcpy run */
	long nsizes, capsizes;
};

static int compact(struct nnmem_arena *a, unsigned char *img, struct run *r)
{
	struct nnmem_arena_compact c;
	struct nnmem_arena_move mv;
	double t0 = now();

	nnmem_arena_compact_start(&c, 3);
	while (nnmem_arena_compact_next(a, &c, NULL, NULL, &mv)) {
		if (mv.from == mv.to)
			continue;
		memmove(img + mv.to, img + mv.from, mv.size);
		r->moves++;
		r->moved_bytes += mv.size;
		if (r->nsizes == r->capsizes) {
			r->capsizes = r->capsizes ? 2 * r->capsizes : 1024;
			r->sizes = realloc(r->sizes,
					   r->capsizes * sizeof(*r->sizes));
			if (!r->sizes)
				return -ENOMEM;
		}
		r->sizes[r->nsizes++] = mv.size;
	}
	r->compact_s += now() - t0;
	r->compactions++;
	return nnmem_arena_check(a);
}

static int run(long ops, uint64_t seed, int with, unsigned char *img,
	       struct run *r)
{
	static struct nnmem_arena_region reg[SLOTS];
	static unsigned char live[SLOTS];
	struct nnmem_arena_usage u;
	struct nnmem_arena a;
	long i;

	memset(r, 0, sizeof(*r));
	memset(live, 0, sizeof(live));
	rng = seed;
	if (nnmem_arena_init(&a, ARENA, &bench_ops, NULL))
		return -1;
	for (i = 0; i < ops; i++) {
		unsigned int s = rnd() % SLOTS;
		uint64_t size, align;
		int kind, err;

		if (live[s]) {
			nnmem_arena_free(&a, &reg[s]);
			live[s] = 0;
			continue;
		}
		/* 4 KiB .. 1 MiB, log-uniform; alignments 64 B .. 4 KiB */
		size = 4096ULL << (rnd() % 9);
		size += rnd() % size;
		if (size > (1 << 20))
			size = 1 << 20;
		align = 64ULL << (rnd() % 7);
		kind = rnd() % 2;
		r->allocs++;
		err = nnmem_arena_alloc(&a, &reg[s], kind, size, align);
		if (err == -ENOSPC && with) {
			nnmem_arena_usage(&a, &u);
			if (u.free_bytes >= size) {
				if (compact(&a, img, r))
					return -1;
				err = nnmem_arena_alloc(&a, &reg[s], kind, size,
							align);
			}
		}
		if (err) {
			r->failed++;
			nnmem_arena_usage(&a, &u);
			/* failed although the free bytes would hold it */
			if (u.free_bytes >= size)
				r->frag_failed++;
			continue;
		}
		live[s] = 1;
		memset(img + reg[s].offset, (int)s, 64);
	}
	nnmem_arena_usage(&a, &u);
	r->largest_before = u.largest_free;
	if (compact(&a, img, r))
		return -1;
	nnmem_arena_usage(&a, &u);
	r->largest_after = u.largest_free;
	r->free_end = u.free_bytes;
	for (i = 0; i < SLOTS; i++)
		if (live[i])
			nnmem_arena_free(&a, &reg[i]);
	nnmem_arena_fini(&a);
	return 0;
}

int main(int argc, char **argv)
{
	long ops = argc > 1 ? atol(argv[1]) : 4000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	unsigned char *img = malloc(ARENA), *src = malloc(ARENA),
		      *dst = malloc(ARENA);
	uint64_t off = 0;
	struct run without, with;
	double t0, memcpy_s;
	long i;

	if (!img || !src || !dst)
		goto fail;
	memset(img, 0, ARENA);
	memset(src, 1, ARENA);
	memset(dst, 2, ARENA);
	if (run(ops, seed, 0, img, &without) || run(ops, seed, 1, img, &with))
		goto fail;

	/*
	 * memcpy() of the same sizes as the moves of the run with, walking
	 * two other 64 MiB buffers so that caches help neither side more.
	 */
	t0 = now();
	for (i = 0; i < with.nsizes; i++) {
		if (off + with.sizes[i] > ARENA)
			off = 0;
		memcpy(dst + off, src + off, with.sizes[i]);
		__asm__ volatile("" : : "r"(dst) : "memory");
		off += with.sizes[i];
	}
	memcpy_s = now() - t0;

	printf("# compaction, portable arena (64 MiB), %ld ops, seed %" PRIu64
	       "\n", ops, seed);
	printf("| | without compaction | with (on fragmented ENOSPC) |\n");
	printf("|---|---|---|\n");
	printf("| allocations | %ld | %ld |\n", without.allocs, with.allocs);
	printf("| failed allocations | %ld | %ld |\n", without.failed,
	       with.failed);
	printf("| ... of which the free bytes would have held | %ld | %ld |\n",
	       without.frag_failed, with.frag_failed);
	printf("| compactions during the run | 0 | %ld |\n",
	       with.compactions - 1);
	printf("| largest allocatable at the end (KiB) | %" PRIu64
	       " | %" PRIu64 " |\n", without.largest_before >> 10,
	       with.largest_before >> 10);
	printf("| ... after a final compaction (KiB) | %" PRIu64 " | %" PRIu64
	       " |\n", without.largest_after >> 10, with.largest_after >> 10);
	printf("| free bytes at the end (KiB) | %" PRIu64 " | %" PRIu64 " |\n",
	       without.free_end >> 10, with.free_end >> 10);
	printf("\n| throughput (run with) | MiB | s | MiB/s |\n");
	printf("|---|---|---|---|\n");
	printf("| compaction (moves + bookkeeping), %ld moves | %.1f | %.4f | %.0f |\n",
	       with.moves, with.moved_bytes / 1048576.0, with.compact_s,
	       with.compact_s > 0 ?
	       with.moved_bytes / 1048576.0 / with.compact_s : 0);
	printf("| memcpy of the same sizes | %.1f | %.4f | %.0f |\n",
	       with.moved_bytes / 1048576.0, memcpy_s,
	       memcpy_s > 0 ? with.moved_bytes / 1048576.0 / memcpy_s : 0);
	free(with.sizes);
	free(without.sizes);
	free(img);
	free(src);
	free(dst);
	return 0;

fail:
	free(img);
	free(src);
	free(dst);
	return 1;
}
