// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the activation memory planner (driver/nnmem_planner.c).
 *
 * Every plan is verified by this file's own brute-force checker (all
 * pairs, not nnmem_planner_check()) against a lower bound computed here
 * independently (per buffer start, not the planner's sweep). Expected
 * footprints are hand-derived or the published MLPerf Tiny bounds.
 *
 *   planner_test [seed]     (or NNMEM_SEED=...; default: the time)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "nnmem_planner.h"
#include "planner_graphs.h"

#define ALIGN	16

static uint64_t seed;
static unsigned char work[NNMEM_PLANNER_MAX_BUFS * 64]
	__attribute__((aligned(8)));

static uint64_t round_up(uint64_t size, uint64_t align)
{
	return (size + align - 1) / align * align;
}

/* Max over buffers i of the sizes live at step first_i: O(n^2). */
static uint64_t ref_bound(const struct nnmem_planner_buf *b, uint32_t n,
			  uint64_t align)
{
	uint64_t max = 0;
	uint32_t i, j;

	for (i = 0; i < n; i++) {
		uint64_t live = 0;

		for (j = 0; j < n; j++)
			if (b[j].first <= b[i].first && b[i].first <= b[j].last)
				live += round_up(b[j].size, align);
		if (live > max)
			max = live;
	}
	return max;
}

/*
 * Brute force: every offset aligned, no two buffers with bytes and
 * intersecting lifetimes overlapping, and the footprint the largest end.
 * Prints the first violation.
 */
static int ref_verify(const struct nnmem_planner_buf *b, uint32_t n,
		      uint64_t align, uint64_t footprint)
{
	uint64_t end = 0;
	uint32_t i, j;

	for (i = 0; i < n; i++) {
		uint64_t si = round_up(b[i].size, align);

		if (b[i].offset % align) {
			printf("# buffer %u offset %llu not aligned\n",
			       i, (unsigned long long)b[i].offset);
			return -1;
		}
		if (si && b[i].offset + si > end)
			end = b[i].offset + si;
		for (j = 0; j < i; j++) {
			uint64_t sj = round_up(b[j].size, align);

			if (!si || !sj || b[i].last < b[j].first ||
			    b[j].last < b[i].first)
				continue;
			if (b[i].offset < b[j].offset + sj &&
			    b[j].offset < b[i].offset + si) {
				printf("# buffers %u [%u,%u] @%llu+%llu and "
				       "%u [%u,%u] @%llu+%llu overlap\n", j,
				       b[j].first, b[j].last,
				       (unsigned long long)b[j].offset,
				       (unsigned long long)sj, i, b[i].first,
				       b[i].last,
				       (unsigned long long)b[i].offset,
				       (unsigned long long)si);
				return -1;
			}
		}
	}
	if (end != footprint) {
		printf("# footprint %" PRIu64 ", largest end %" PRIu64 "\n",
		       footprint, end);
		return -1;
	}
	return 0;
}

/* The first conflicting pair in (i, j) lexicographic order, or -1. */
static int ref_first_conflict(const struct nnmem_planner_buf *b, uint32_t n,
			      uint64_t align, uint32_t *pa, uint32_t *pb)
{
	uint32_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			uint64_t si = round_up(b[i].size, align);
			uint64_t sj = round_up(b[j].size, align);

			if (si && sj && b[i].first <= b[j].last &&
			    b[j].first <= b[i].last &&
			    b[i].offset < b[j].offset + sj &&
			    b[j].offset < b[i].offset + si) {
				*pa = i;
				*pb = j;
				return 0;
			}
		}
	return -1;
}

/* Plans, verifies, and returns the footprint in *fp and bound in *bd. */
static int plan_and_verify(struct nnmem_planner_buf *b, uint32_t n,
			   __u64 *fp, __u64 *bd)
{
	__u64 bound = 0;
	/* exactly the size asked for, so that ASan sees any overrun */
	void *w = malloc(nnmem_planner_work_size(n) + !n);
	int ret;

	CHECK(w);
	ret = nnmem_planner_plan(b, n, ALIGN, w, fp);
	if (!ret)
		ret = nnmem_planner_bound(b, n, ALIGN, w, &bound);
	free(w);
	CHECK_RET(ret, 0);
	CHECK_OK(ref_verify(b, n, ALIGN, *fp));
	*bd = ref_bound(b, n, ALIGN);
	CHECK_EQ(bound, *bd);
	CHECK(*fp >= *bd);
	return 0;
}

static int plan_model(const struct nnmem_planner_buf *model, uint32_t n,
		      uint64_t expect)
{
	struct nnmem_planner_buf b[64];
	__u64 fp, bd;

	CHECK(n <= 64);
	memcpy(b, model, n * sizeof(*b));
	CHECK_OK(plan_and_verify(b, n, &fp, &bd));
	CHECK_EQ(bd, expect);
	CHECK_EQ(fp, expect);
	return 0;
}

#define MODEL(m) (m), (uint32_t)(sizeof(m) / sizeof((m)[0]))

static int test_resnet8(void)
{
	return plan_model(MODEL(pg_resnet8), 49152);
}

static int test_dscnn(void)
{
	return plan_model(MODEL(pg_dscnn), 16000);
}

static int test_mobilenet_vww(void)
{
	return plan_model(MODEL(pg_mobilenet_vww), 55296);
}

static int test_autoencoder(void)
{
	return plan_model(MODEL(pg_autoencoder), 768);
}

/* Hand-derived cases: {size, first, last}, expected bound == footprint. */
static int test_small(void)
{
	/* A 100 -> 112 [0,1], B 200 -> 208 [1,2], C 50 -> 64 [2,2]:
	 * step 1 holds 112 + 208 = 320, step 2 208 + 64 = 272.
	 */
	static const struct nnmem_planner_buf chain3[] = {
		{ 100, 0, 1, 0 }, { 200, 1, 2, 0 }, { 50, 2, 2, 0 },
	};
	/* Disjoint lifetimes share offset 0: the largest, 48. */
	static const struct nnmem_planner_buf disjoint[] = {
		{ 32, 0, 0, 0 }, { 48, 1, 1, 0 }, { 16, 2, 2, 0 },
	};
	/* All live together: 16 + 32 + 48 = 96. */
	static const struct nnmem_planner_buf together[] = {
		{ 16, 0, 5, 0 }, { 32, 0, 5, 0 }, { 48, 0, 5, 0 },
	};
	/* Size-0 buffers take no bytes: 1 -> 16 and 17 -> 32, 48. */
	static const struct nnmem_planner_buf zeros[] = {
		{ 0, 0, 9, 0 }, { 1, 0, 3, 0 }, { 0, 2, 2, 0 }, { 17, 3, 4, 0 },
		{ 0, 4, 4, 0 },
	};
	/* Chain of 16, 48, 32, 32, 48, 16 bytes: neighbours sum to 64, 80,
	 * 64, 80, 64, so the bound is 80. The lowest offset in time order
	 * needs 96: 16 at 0, 48 at 16, then 32 fits only at 64.
	 */
	static const struct nnmem_planner_buf alt[] = {
		{ 16, 0, 0, 0 }, { 48, 0, 1, 0 }, { 32, 1, 2, 0 }, { 32, 2, 3, 0 },
		{ 48, 3, 4, 0 }, { 16, 4, 4, 0 },
	};
	/* Lifetimes touching at one step conflict: 16 + 16 = 32. */
	static const struct nnmem_planner_buf touch[] = {
		{ 16, 0, 1, 0 }, { 16, 1, 2, 0 },
	};
	/* Sparse, large steps: [4e9, 4e9] and [0, 4e9] overlap at 4e9. */
	static const struct nnmem_planner_buf sparse[] = {
		{ 64, 4000000000U, 4000000000U, 0 }, { 32, 0, 4000000000U, 0 },
		{ 128, 7, 9, 0 },
	};
	struct nnmem_planner_buf one = { 1, 5, 5, 12345 };
	__u64 fp = 1;

	CHECK_OK(plan_model(MODEL(chain3), 320));
	CHECK_OK(plan_model(MODEL(disjoint), 48));
	CHECK_OK(plan_model(MODEL(together), 96));
	CHECK_OK(plan_model(MODEL(zeros), 48));
	CHECK_OK(plan_model(MODEL(alt), 80));
	CHECK_OK(plan_model(MODEL(touch), 32));
	CHECK_OK(plan_model(MODEL(sparse), 160));
	/* One buffer: offset 0, footprint its rounded size. */
	CHECK_RET(nnmem_planner_plan(&one, 1, ALIGN, work, &fp), 0);
	CHECK_EQ(one.offset, 0);
	CHECK_EQ(fp, 16);
	/* None: footprint 0, no work memory needed. */
	CHECK_EQ(nnmem_planner_work_size(0), 0);
	CHECK_RET(nnmem_planner_plan(NULL, 0, ALIGN, NULL, &fp), 0);
	CHECK_EQ(fp, 0);
	/* Other alignments: 1 (no rounding) and 4096. */
	{
		struct nnmem_planner_buf b[3] = {
			{ 3, 0, 1, 0 }, { 5, 1, 2, 0 }, { 7, 2, 2, 0 },
		};

		CHECK_RET(nnmem_planner_plan(b, 3, 1, work, &fp), 0);
		CHECK_OK(ref_verify(b, 3, 1, fp));
		CHECK_EQ(fp, 12);
		CHECK_RET(nnmem_planner_plan(b, 3, 4096, work, &fp), 0);
		CHECK_OK(ref_verify(b, 3, 4096, fp));
		CHECK_EQ(fp, 8192);
	}
	return 0;
}

static int test_errors(void)
{
	struct nnmem_planner_buf b[2] = {
		{ 16, 0, 1, 112 }, { 16, 1, 1, 224 },
	};
	__u64 fp = 7, bound = 7;
	uint32_t a = 9, c = 9;

	/* Alignment 0 or not a power of two. */
	CHECK_RET(nnmem_planner_plan(b, 2, 0, work, &fp), -EINVAL);
	CHECK_RET(nnmem_planner_plan(b, 2, 24, work, &fp), -EINVAL);
	CHECK_RET(nnmem_planner_bound(b, 2, 24, work, &bound), -EINVAL);
	CHECK_RET(nnmem_planner_check(b, 2, 0, &a, &c), -EINVAL);
	/* Too many buffers. */
	CHECK_EQ(nnmem_planner_work_size(NNMEM_PLANNER_MAX_BUFS + 1), 0);
	CHECK_RET(nnmem_planner_plan(b, NNMEM_PLANNER_MAX_BUFS + 1, ALIGN,
				     work, &fp), -E2BIG);
	CHECK_RET(nnmem_planner_check(b, NNMEM_PLANNER_MAX_BUFS + 1, ALIGN,
				      &a, &c), -E2BIG);
	/* first > last. */
	b[1].first = 2;
	CHECK_RET(nnmem_planner_plan(b, 2, ALIGN, work, &fp), -EINVAL);
	CHECK_RET(nnmem_planner_bound(b, 2, ALIGN, work, &bound), -EINVAL);
	CHECK_RET(nnmem_planner_check(b, 2, ALIGN, &a, &c), -EINVAL);
	CHECK_EQ(a, 1);
	CHECK_EQ(c, 1);
	b[1].first = 1;
	/* A size that overflows when rounded up. */
	b[0].size = UINT64_MAX - 3;
	CHECK_RET(nnmem_planner_plan(b, 2, ALIGN, work, &fp), -EOVERFLOW);
	CHECK_RET(nnmem_planner_check(b, 2, ALIGN, &a, &c), -EOVERFLOW);
	CHECK_EQ(a, 0);
	/* Sizes that fit alone but not together. */
	b[0].size = 1ULL << 63;
	b[1].size = 1ULL << 63;
	CHECK_RET(nnmem_planner_plan(b, 2, ALIGN, work, &fp), -EOVERFLOW);
	CHECK_RET(nnmem_planner_bound(b, 2, ALIGN, work, &bound),
		  -EOVERFLOW);
	/* The errors left everything alone. */
	CHECK_EQ(b[0].offset, 112);
	CHECK_EQ(b[1].offset, 224);
	CHECK_EQ(fp, 7);
	CHECK_EQ(bound, 7);
	/* Largest sizes that fit: 2^63 and 2^63 - 16 at alignment 16. */
	b[1].size = (1ULL << 63) - 16;
	CHECK_RET(nnmem_planner_plan(b, 2, ALIGN, work, &fp), 0);
	CHECK_EQ(fp, UINT64_MAX - 15);
	CHECK_OK(ref_verify(b, 2, ALIGN, fp));
	CHECK_RET(nnmem_planner_check(b, 2, ALIGN, &a, &c), 0);
	return 0;
}

static int test_check(void)
{
	struct nnmem_planner_buf b[4] = {
		{ 32, 0, 2, 0 },	/* [0, 32) */
		{ 16, 2, 3, 32 },	/* [32, 48), adjacent to 0 */
		{ 16, 3, 5, 0 },	/* disjoint lifetime with 0 */
		{ 0, 0, 5, 16 },	/* no bytes */
	};
	uint32_t a = 99, c = 99;

	CHECK_RET(nnmem_planner_check(b, 4, ALIGN, &a, &c), 0);
	/* 2 slides onto 1 (both live at step 3). */
	b[2].offset = 32;
	CHECK_RET(nnmem_planner_check(b, 4, ALIGN, &a, &c), -EINVAL);
	CHECK_EQ(a, 1);
	CHECK_EQ(c, 2);
	/* 1 slides onto 0 too: (0, 1) comes first. */
	b[1].offset = 16;
	b[2].offset = 16;
	CHECK_RET(nnmem_planner_check(b, 4, ALIGN, &a, &c), -EINVAL);
	CHECK_EQ(a, 0);
	CHECK_EQ(c, 1);
	b[1].offset = 32;
	b[2].offset = 0;
	/* Rounding counts: a 17-byte buffer at 0 covers [0, 32). */
	b[0].size = 17;
	b[1].offset = 16;
	CHECK_RET(nnmem_planner_check(b, 4, ALIGN, &a, &c), -EINVAL);
	CHECK_EQ(a, 0);
	CHECK_EQ(c, 1);
	b[0].size = 16;
	CHECK_RET(nnmem_planner_check(b, 4, ALIGN, &a, &c), 0);
	/* Misaligned offset, even of a size-0 buffer. */
	b[3].offset = 8;
	CHECK_RET(nnmem_planner_check(b, 4, ALIGN, &a, &c), -EINVAL);
	CHECK_EQ(a, 3);
	CHECK_EQ(c, 3);
	b[3].offset = 16;
	/* An end beyond 64 bits. */
	b[2].offset = UINT64_MAX - 15;
	CHECK_RET(nnmem_planner_check(b, 4, ALIGN, &a, &c), -EOVERFLOW);
	CHECK_EQ(a, 2);
	CHECK_EQ(c, 2);
	b[2].offset = UINT64_MAX - 31;
	CHECK_RET(nnmem_planner_check(b, 4, ALIGN, &a, &c), 0);
	return 0;
}

struct rand_stats {
	unsigned long graphs, at_bound;
	double sum_ratio, max_ratio;
};

/*
 * One random graph of the given kind: plan it, verify it, and corrupt the
 * plan to check nnmem_planner_check() against the reference pair.
 */
static int rand_one(struct pg_rng *r, int kind, struct rand_stats *st)
{
	static struct pg_graph g;
	static struct nnmem_planner_buf b[NNMEM_PLANNER_MAX_BUFS];
	uint32_t nops, n, ra, rb, a, c;
	__u64 fp, bd;
	int ret;

	nops = 1 + (uint32_t)pg_below(r, pg_below(r, 8) ? 40 : 300);
	switch (kind) {
	case 0:
		pg_chain(&g, nops);
		break;
	case 1:
		pg_residual(r, &g, nops);
		break;
	default:
		pg_dag(r, &g, nops, 2 + (uint32_t)pg_below(r, 12));
		break;
	}
	n = g.nops + 1;
	pg_lifetimes(r, &g, b);
	CHECK_OK(plan_and_verify(b, n, &fp, &bd));
	if (kind == 0 && fp != bd) {
		printf("# chain of %u: footprint %" PRIu64 " bound %" PRIu64
		       "\n", n, (uint64_t)fp, (uint64_t)bd);
		return -1;
	}
	CHECK_RET(nnmem_planner_check(b, n, ALIGN, &a, &c), 0);
	st->graphs++;
	st->at_bound += fp == bd;
	if (bd) {
		double ratio = (double)fp / (double)bd;

		st->sum_ratio += ratio;
		if (ratio > st->max_ratio)
			st->max_ratio = ratio;
	} else {
		st->sum_ratio += 1;
	}

	/* Move one buffer somewhere aligned; compare with the reference. */
	a = (uint32_t)pg_below(r, n);
	b[a].offset = ALIGN * pg_below(r, fp / ALIGN + 1);
	ret = nnmem_planner_check(b, n, ALIGN, &a, &c);
	if (ref_first_conflict(b, n, ALIGN, &ra, &rb)) {
		CHECK_RET(ret, 0);
	} else {
		CHECK_RET(ret, -EINVAL);
		CHECK_EQ(a, ra);
		CHECK_EQ(c, rb);
	}
	return 0;
}

static int test_random(void)
{
	static const char *const kinds[] = { "chain", "residual", "dag" };
	static const unsigned long count[] = { 4000, 3000, 4000, 0 };
	struct pg_rng r = { seed ^ 0x706c616e6e6572ULL };
	int kind;

	for (kind = 0; kind < 3; kind++) {
		struct rand_stats st = { 0 };
		unsigned long i;

		for (i = 0; i < count[kind]; i++)
			if (rand_one(&r, kind, &st)) {
				printf("# %s graph %lu failed\n", kinds[kind],
				       i);
				return -1;
			}
		printf("# %-8s %5lu graphs, %5lu at the bound, footprint/"
		       "bound mean %.4f max %.4f\n", kinds[kind], st.graphs,
		       st.at_bound, st.sum_ratio / st.graphs, st.max_ratio);
	}
	return 0;
}

static const struct tap_test tests[] = {
	{ "planner: hand-derived small cases reach the bound", test_small },
	{ "planner: invalid input is rejected with the right errno",
	  test_errors },
	{ "planner: check finds the first conflicting pair", test_check },
	{ "planner: ResNet-8 (from resnet8.tflite) plans to 49,152 bytes",
	  test_resnet8 },
	{ "planner: DS-CNN plans to 16,000 bytes", test_dscnn },
	{ "planner: MobileNet-VWW plans to 55,296 bytes",
	  test_mobilenet_vww },
	{ "planner: AD autoencoder plans to 768 bytes", test_autoencoder },
	{ "planner: 11,000 random graphs valid, chains at the bound",
	  test_random },
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
		if (tests[i].fn()) {
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
