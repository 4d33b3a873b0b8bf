// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the activation memory planner (driver/nnmem_planner.c) on
 * the MLPerf Tiny models and on generated graphs (chains, residual blocks,
 * branching DAGs; tensor sizes uniform in [1 KiB, 64 KiB)) of 10, 100
 * and 1,000 ops: its footprint against the
 * liveness lower bound, the naive sum of all sizes and a greedy-by-size
 * baseline, TensorFlow Lite Micro's GreedyMemoryPlanner algorithm
 * reimplemented here (largest first, each at the lowest offset where it
 * fits against the placed buffers whose lifetimes intersect its own), and
 * the planning time (median of repeated runs). ResNet-8 twice: from the
 * hand-derived table of the unit tests (op steps, RESHAPE included), and
 * imported from the model file itself by libnnmem's TFLite importer
 * (nnmem_tflite_parse(): its lifetimes over node steps, as nnmem_net
 * plans them).
 *
 *   planner_bench [seconds per case [resnet8.tflite]]
 *				(prints a table; never fails)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nnmem/tflite.h>

#include "nnmem_planner.h"
#include "../unit/planner_graphs.h"

#define ALIGN	16
#define MAX_RUNS 1001

static unsigned char work[NNMEM_PLANNER_MAX_BUFS * 64]
	__attribute__((aligned(8)));
static struct nnmem_planner_buf bufs[NNMEM_PLANNER_MAX_BUFS];
static struct nnmem_planner_buf copy[NNMEM_PLANNER_MAX_BUFS];
/* The imported file's plain sum, views counted (0: not imported). */
static uint64_t tflite_plain_sum;

static uint64_t round_up(uint64_t size)
{
	return (size + ALIGN - 1) / ALIGN * ALIGN;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * TFLM GreedyMemoryPlanner: buffers by size, largest first (ties by
 * index); each at the lowest offset at or above 0 that leaves it clear of
 * every placed buffer whose lifetime intersects its own. O(n^2 log n).
 */
static uint64_t greedy_by_size(const struct nnmem_planner_buf *b, uint32_t n)
{
	static uint32_t order[NNMEM_PLANNER_MAX_BUFS];
	static uint32_t placed[NNMEM_PLANNER_MAX_BUFS];
	static uint64_t off[NNMEM_PLANNER_MAX_BUFS];
	uint32_t i, k, np = 0;
	uint64_t foot = 0;

	for (i = 0; i < n; i++)
		order[i] = i;
	/* insertion sort, stable: by size descending */
	for (i = 1; i < n; i++) {
		uint32_t v = order[i];

		for (k = i; k > 0 && round_up(b[order[k - 1]].size) <
			    round_up(b[v].size); k--)
			order[k] = order[k - 1];
		order[k] = v;
	}
	for (i = 0; i < n; i++) {
		uint32_t x = order[i];
		uint64_t s = round_up(b[x].size), cand = 0;

		if (!s)
			continue;
		/* placed[] is kept sorted by offset: first gap that fits */
		for (k = 0; k < np; k++) {
			uint32_t y = placed[k];

			if (b[y].last < b[x].first || b[x].last < b[y].first)
				continue;
			if (off[y] >= cand + s)
				break;
			if (off[y] + round_up(b[y].size) > cand)
				cand = off[y] + round_up(b[y].size);
		}
		off[x] = cand;
		for (k = np++; k > 0 && off[placed[k - 1]] > cand; k--)
			placed[k] = placed[k - 1];
		placed[k] = x;
		if (cand + s > foot)
			foot = cand + s;
	}
	return foot;
}

static void run_case(const char *name, const struct nnmem_planner_buf *b,
		     uint32_t n, double secs)
{
	static double times[MAX_RUNS];
	uint64_t naive = 0, greedy;
	__u64 fp = 0, bound = 0;
	uint32_t i, runs = 0, a, c;
	double t0 = now();

	for (i = 0; i < n; i++)
		naive += round_up(b[i].size);
	greedy = greedy_by_size(b, n);
	if (nnmem_planner_bound(b, n, ALIGN, work, &bound)) {
		printf("%-22s bound failed\n", name);
		return;
	}
	do {
		double t;

		memcpy(copy, b, n * sizeof(*b));
		t = now();
		if (nnmem_planner_plan(copy, n, ALIGN, work, &fp)) {
			printf("%-22s plan failed\n", name);
			return;
		}
		times[runs++] = now() - t;
	} while (runs < MAX_RUNS && (runs < 5 || now() - t0 < secs));
	qsort(times, runs, sizeof(times[0]), cmp_double);
	if (nnmem_planner_check(copy, n, ALIGN, &a, &c))
		printf("%-22s INVALID PLAN (%u, %u)\n", name, a, c);
	printf("%-22s %5u %10llu %10llu %10" PRIu64 " %10" PRIu64
	       "  %6.4f  %6.4f  %6.3f  %9.1f\n", name, n,
	       (unsigned long long)fp, (unsigned long long)bound, greedy,
	       naive, bound ? (double)fp / bound : 1.0,
	       bound ? (double)greedy / bound : 1.0,
	       bound ? (double)naive / bound : 1.0, times[runs / 2] * 1e6);
}

#define MODEL(m) (m), (uint32_t)(sizeof(m) / sizeof((m)[0]))

/* The activation lifetimes of a .tflite file, as its importer gives them. */
static void tflite_case(const char *name, const char *path, double secs)
{
	char err[NNMEM_TFLITE_ERR_LEN];
	struct nnmem_tflite_model *m;
	unsigned char *buf = NULL;
	long len = -1;
	uint32_t i;
	FILE *f;

	f = fopen(path, "rb");
	if (f && !fseek(f, 0, SEEK_END) && (len = ftell(f)) > 0 &&
	    !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)len);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
	}
	if (f)
		fclose(f);
	if (!buf) {
		printf("%-22s (no %s)\n", name, path);
		return;
	}
	if (nnmem_tflite_parse(buf, (size_t)len, &m, err, sizeof(err))) {
		printf("%-22s %s: %s\n", name, path, err);
		free(buf);
		return;
	}
	if (m->lifetime_count > NNMEM_PLANNER_MAX_BUFS) {
		printf("%-22s too many buffers (%u)\n", name,
		       m->lifetime_count);
	} else {
		for (i = 0; i < m->lifetime_count; i++)
			bufs[i] = (struct nnmem_planner_buf){
				.size = m->lifetimes[i].bytes,
				.first = m->lifetimes[i].first,
				.last = m->lifetimes[i].last,
			};
		run_case(name, bufs, m->lifetime_count, secs);
		tflite_plain_sum = m->activation_bytes;
	}
	nnmem_tflite_free(m);
	free(buf);
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 10, 100, 1000 };
	static struct pg_graph g;
	double secs = argc > 1 ? atof(argv[1]) : 0.5;
	const char *resnet8 = argc > 2 ? argv[2] :
			      "../../../shared/models/resnet8/resnet8.tflite";
	unsigned int s, kind;

	printf("Activation planner, alignment %d; bytes; time: median of "
	       "repeated runs (-O2)\n", ALIGN);
	printf("greedy = TFLM GreedyMemoryPlanner (by size, lowest fit); "
	       "naive = sum of all sizes\n\n");
	printf("%-22s %5s %10s %10s %10s %10s  %6s  %6s  %6s  %9s\n", "case",
	       "bufs", "planner", "bound", "greedy", "naive", "pl/bd",
	       "gr/bd", "nv/bd", "time(us)");
	tflite_case("resnet8.tflite (file)", resnet8, secs);
	run_case("resnet8 (hand table)", MODEL(pg_resnet8), secs);
	run_case("ds-cnn", MODEL(pg_dscnn), secs);
	run_case("mobilenet-vww", MODEL(pg_mobilenet_vww), secs);
	run_case("ad-autoencoder", MODEL(pg_autoencoder), secs);
	if (tflite_plain_sum)
		printf("(resnet8.tflite: imported by nnmem_tflite_parse(), "
		       "node steps; naive counts each buffer once;\n the "
		       "file's plain sum, views counted, unrounded: %" PRIu64
		       " bytes)\n", tflite_plain_sum);
	for (kind = 0; kind < 3; kind++) {
		for (s = 0; s < 3; s++) {
			struct pg_rng r = { 1000 * kind + s + 1 };
			char name[32];

			switch (kind) {
			case 0:
				pg_chain(&g, sizes[s]);
				break;
			case 1:
				pg_residual(&r, &g, sizes[s]);
				break;
			default:
				pg_dag(&r, &g, sizes[s], 8);
				break;
			}
			pg_lifetimes(&r, &g, bufs);
			pg_uniform_sizes(&r, bufs, g.nops + 1);
			snprintf(name, sizeof(name), "%s-%u",
				 kind == 0 ? "chain" : kind == 1 ? "residual" :
				 "dag", sizes[s]);
			run_case(name, bufs, g.nops + 1, secs);
		}
	}
	return 0;
}
