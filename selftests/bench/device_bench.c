// SPDX-License-Identifier: GPL-2.0
/*
 * device_bench: nnmem's device against the same C in userspace, measured
 * side by side in one process on one machine (meant for the QEMU VM of
 * `make bench`, where absolute figures mean little and ratios are the
 * point):
 *
 *  (a) conv2d MAC/s on ResNet-like shapes: a synchronous RUN of a
 *      one-node graph on the device, created with NNMEM_GRAPH_REFERENCE,
 *      against the driver's own kernel (driver/nnmem_kernels.c) called
 *      in userspace on the same data, built once with the kernel's code
 *      generation flags (-O2, no SSE/MMX/AVX, no red zone) and once with
 *      plain userspace -O2; and a default graph of the same node (the
 *      device's fast path: driver/nnmem_fast*.c) against the same fast
 *      kernel planned, packed and run in userspace with the jobs'
 *      progress budget, and against the reference graph (the speedup).
 *      Repetitions are interleaved (device, user, device fast, user
 *      fast, ...) and the median of each is reported; the outputs must
 *      be equal, and USAGE's path counters must show the paths asked for.
 *  (b) round trips: the synchronous RUN of one-node graphs (1x1 convs of
 *      1 MAC and of 64), and the 64-MAC one's asynchronous RUN + WAIT,
 *      against an empty ioctl (NNMEM_IOCTL_INFO), medians over many
 *      iterations.
 *  (c) region ALLOC + FREE pairs per second through the ioctls against
 *      the arena allocator (driver/nnmem_arena.c) linked in directly, with
 *      10 and 1,000 live regions, the same request sequence on both; with
 *      an empty device arena the placements must agree too. Then tiny
 *      requests (16 or 32 B) at 10, 1,000 and 100,000 live regions, which
 *      fit the default 4 MiB arena; the 100,000 case raises the module's
 *      max_regions for its run (root) and puts it back.
 *  (d) the cost of zeroing: ALLOC and FREE of one weight region of 64 B
 *      to the whole arena (4 MiB by default), medians, each against the
 *      64-byte pair; from the difference, the rate the driver zeroes at,
 *      against memset() of as many bytes in this process. A region
 *      allocated where a pattern was freed must read as zeros.
 *  (e) ResNet-8 end to end (MLPerf Tiny, <models>/resnet8/resnet8.tflite)
 *      through libnnmem's networks: loaded and run on the device (fast
 *      path; and a second copy loaded with the module parameter
 *      fast_path=0, every node on the reference kernels, which needs
 *      root) against nnmem_net_run_host() in this process, medians of
 *      interleaved runs; every output must equal TFLM's.
 *  (f) scheduling: the sync RUN latency of a light session (a 64-MAC
 *      graph) beside a process flooding the device (64 jobs of a 1x16x16
 *      x16 3x3 conv always queued), under the sched policies fifo and
 *      fair (sysfs, needs root) in the same run; medians and p90 as
 *      multiples of a flood job, and fifo's median over fair's.
 *  (g) compaction through the device: an arena filled to 90% with
 *      regions of random sizes and kinds, a random half freed, then
 *      NNMEM_IOCTL_COMPACT; bytes moved per second against memmove() of
 *      as many bytes in this process, the largest free extent before and
 *      after; every live region's bytes are checked through READ.
 *
 * Output is TAP: the figures are "#" comment lines; the results are the
 * correctness checks only (device output equals userspace output, offsets
 * agree, no ioctl failed). It never fails on time: the exit status is
 * nonzero only for a mismatch or an error.
 *
 * Usage: device_bench [-d INDEX] [-s SECONDS] [-r REPS] [-n RUNS] [-m DIR] [-R] [-C]
 *   -d  device /dev/nnmemINDEX (default 0)
 *   -s  seconds per timed round trip / allocation case (default 1)
 *   -r  conv2d repetitions per shape (default 7)
 *   -n  ResNet-8 runs on each side (default 15)
 *   -m  the reference models' root (default $NNMEM_MODELS, else /models)
 *   -R  the round trips (b) only
 *   -C  the compaction (g) only
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nnmem/libnnmem.h>
#include <nnmem/net.h>

#include "graph_kit.h"
#include "nnmem_arena.h"
#include "nnmem_fast.h"
#include "nnmem_graphval.h"
#include "nnmem_kernels.h"
#include "nnmem_test.h"

/* kernels_plain.c: the same kernels built with userspace -O2. */
int nnmem_conv2d_run_plain(const struct nnmem_conv2d_params *p,
			   const struct nnmem_conv2d_tensors *t,
			   const struct nnmem_kernel_progress *prog);

/* Most samples kept per timed round-trip case. */
#define RT_MAX_SAMPLES		200000
/* Placements compared between the device and the userspace arena. */
#define VERIFY_OPS		2000

static unsigned int tap_n, tap_failed, tap_skipped;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		tap_failed++;
	else if (strstr(fmt, "# SKIP"))
		tap_skipped++;
	fflush(stdout);
}

/* A mismatch or error is reported loudly, on stderr too. */
static void loud(const char *fmt, ...)
{
	va_list ap;

	fputs("# *** MISMATCH/ERROR: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fputs("device_bench: MISMATCH/ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stdout);
}

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	loud("WARN_ON(%s) at %s:%d", cond, file, line);
	abort();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n samples (sorts them). */
static uint64_t median(uint64_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The @pct-th percentile of @n samples sorted by median(). */
static uint64_t percentile(const uint64_t *v, size_t n, unsigned int pct)
{
	return n ? v[(n - 1) * pct / 100] : 0;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* "123.4 M" style: @v scaled to k/M/G with three significant digits. */
static const char *si(double v, char *buf, size_t len)
{
	static const char *const unit[] = { "", "k", "M", "G", "T" };
	unsigned int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.*f %s", v >= 100 ? 0 : v >= 10 ? 1 : 2, v,
		 unit[u]);
	return buf;
}

/* ---------------------------------------------------------- (a) conv */

struct conv_case {
	const char *name;
	uint32_t h, w, c, oc, k;
};

/* Stride 1, SAME padding: the convolutions of ResNet-50's stages. */
static const struct conv_case conv_cases[] = {
	{ "1x56x56x64 3x3 64->64", 56, 56, 64, 64, 3 },
	{ "1x28x28x128 3x3 128->128", 28, 28, 128, 128, 3 },
	{ "1x14x14x256 1x1 256->256", 14, 14, 256, 256, 1 },
};

struct conv_result {
	uint64_t macs;
	uint64_t dev_ns, dev_exec_ns, user_ns, plain_ns, hook_ns;
	/* the device's default graph (fast path) and the same code here */
	uint64_t fdev_ns, fdev_exec_ns, fuser_ns;
	uint32_t dev_path, user_path;	/* NNMEM_PATH_* that computed */
};

/* The job worker's progress hook without its body: the metering's cost. */
static int bench_progress(void *ctx, u64 done, u64 total)
{
	(void)done;
	(void)total;
	++*(uint64_t *)ctx;
	return 0;
}

/* The SIMD section hooks: free here, kernel_fpu_begin()/end() there. */
static bool bench_simd_begin(void *ctx)
{
	(void)ctx;
	return true;
}

static void bench_simd_end(void *ctx)
{
	(void)ctx;
}

/* The kernel's parameters and host tensors of node @n of @g. */
static void conv_params(struct gk *g, int n, struct nnmem_conv2d_params *p,
			struct nnmem_conv2d_tensors *t, s8 *out)
{
	const struct nnmem_conv2d *c = &g->n[n].conv2d;
	const struct nnmem_tensor *in = &g->t[c->input];
	const struct nnmem_tensor *f = &g->t[c->filter];

	memset(p, 0, sizeof(*p));
	nnmem_conv2d_params_from_uapi(p, c, in, f, &g->t[c->output]);

	memset(t, 0, sizeof(*t));
	t->input = (const s8 *)gk_host(g, (int)c->input);
	t->filter = (const s8 *)gk_host(g, (int)c->filter);
	if (c->bias != NNMEM_INDEX_NONE)
		t->bias = (const s32 *)gk_host(g, (int)c->bias);
	t->multiplier = (const s32 *)gk_host(g, (int)c->multiplier);
	t->shift = (const s32 *)gk_host(g, (int)c->shift);
	t->output = out;
}

/*
 * Set up one conv2d graph on @fd from @spec; node index in *@node, graph
 * handle in *@graph. Returns 0 or a negative errno.
 */
static int conv_setup(struct gk *g, const struct gk_conv_spec *spec,
		      int *node, uint32_t *graph)
{
	int err;

	*node = gk_conv(g, spec);
	if (*node < 0)
		return *node;
	err = gk_upload(g);
	if (err)
		return err;
	return gk_create(g, graph);
}

/* Compare @dev (device bytes) with @want; true if equal. */
static bool conv_bytes_equal(const uint8_t *dev, const s8 *want,
			     uint64_t bytes, const char *what,
			     const char *name)
{
	uint64_t i, diffs = 0, first = 0;

	for (i = 0; i < bytes; i++) {
		if (dev[i] == (uint8_t)want[i])
			continue;
		if (!diffs)
			first = i;
		diffs++;
	}
	if (diffs)
		loud("%s: device output differs from %s in %" PRIu64 " of %"
		     PRIu64 " bytes; first at byte %" PRIu64
		     ": device %d, userspace %d", name, what, diffs, bytes,
		     first, (int8_t)dev[first], want[first]);
	return !diffs;
}

/* Read the device's output of node @n into @dev: 0 or a negative errno. */
static int conv_output_read(struct gk *g, int n, uint8_t *dev)
{
	int out = (int)gk_node_output(g, n);

	return nt_read(g->fd, g->reg[g->treg[out]].handle, g->t[out].offset,
		       dev, gk_bytes(g, out));
}

/* Compare the device's output of node @n with @want; true if equal. */
static bool conv_output_equal(struct gk *g, int n, const s8 *want,
			      const char *what, const char *name)
{
	uint64_t bytes = gk_bytes(g, (int)gk_node_output(g, n));
	uint8_t *dev = malloc(bytes);
	bool ok;
	int err;

	if (!dev) {
		loud("%s: out of memory", name);
		return false;
	}
	err = conv_output_read(g, n, dev);
	if (err) {
		loud("%s: READ of the output: %s", name, strerror(-err));
		free(dev);
		return false;
	}
	ok = conv_bytes_equal(dev, want, bytes, what, name);
	free(dev);
	return ok;
}

/* Fill the device's output of node @n with GK_POISON. */
static int conv_output_poison(struct gk *g, int n)
{
	int out = (int)gk_node_output(g, n);
	uint64_t bytes = gk_bytes(g, out);
	uint8_t *buf = malloc(bytes);
	int err;

	if (!buf)
		return -ENOMEM;
	memset(buf, GK_POISON, bytes);
	err = nt_write(g->fd, g->reg[g->treg[out]].handle, g->t[out].offset,
		       buf, bytes);
	free(buf);
	return err;
}

/* The NNMEM_PATH_* that ran the MACs between two USAGEs, or -1 if mixed. */
static int usage_path(const struct nnmem_usage *a,
		      const struct nnmem_usage *b, uint64_t macs)
{
	int i, path = -1;

	for (i = 0; i < NNMEM_PATH_COUNT; i++) {
		uint64_t d = b->path_macs[i] - a->path_macs[i];

		if (!d)
			continue;
		if (path >= 0 || d != macs)
			return -1;
		path = i;
	}
	return path;
}

static const char *path_name(int path)
{
	static const char *const names[NNMEM_PATH_COUNT] = {
		"reference", "scalar", "avx2", "avx512",
	};

	return path >= 0 && path < NNMEM_PATH_COUNT ? names[path] : "mixed";
}

/*
 * One device RUN of @graph, timed into *@ns (its execution time in
 * *@exec_ns); with @path, the NNMEM_PATH_* that computed it (USAGE's
 * counters before and after). Returns 0 or a negative errno.
 */
static int conv_dev_run(int fd, uint32_t graph, uint64_t macs,
			const char *name, uint64_t *ns, uint64_t *exec_ns,
			int *path)
{
	struct nnmem_usage u0, u1;
	struct nnmem_run run;
	uint64_t t0;
	int err;

	if (path) {
		err = nt_usage(fd, &u0);
		if (err)
			return err;
	}
	t0 = nt_now_ns();
	err = nt_run(fd, graph, &run);
	*ns = nt_now_ns() - t0;
	*exec_ns = run.duration_ns;
	if (err) {
		loud("%s: RUN: %s", name, strerror(-err));
		return err;
	}
	if (run.macs != macs) {
		loud("%s: RUN reports %" PRIu64 " MACs, the kernel's shape %"
		     PRIu64, name, (uint64_t)run.macs, macs);
		return -EPROTO;
	}
	if (path) {
		err = nt_usage(fd, &u1);
		if (err)
			return err;
		*path = usage_path(&u0, &u1, macs);
	}
	return 0;
}

/*
 * One shape: a reference graph (NNMEM_GRAPH_REFERENCE) and a default one
 * (the fast path) on the same tensors, and in this process the reference
 * kernel (kernel flags, with and without a progress hook, plain -O2) and
 * the fast kernel as the device's jobs run it: interleaved, @reps times.
 * The last repetition poisons the device output before each RUN and
 * checks every output; the device's paths are read from USAGE.
 */
static int conv_bench(int fd, const struct conv_case *cc, unsigned int reps,
		      uint64_t seed, struct conv_result *res)
{
	uint64_t *dev = calloc(reps, sizeof(*dev));
	uint64_t *exec = calloc(reps, sizeof(*exec));
	uint64_t *user = calloc(reps, sizeof(*user));
	uint64_t *plain = calloc(reps, sizeof(*plain));
	uint64_t *hook = calloc(reps, sizeof(*hook)), calls = 0;
	uint64_t *fdev = calloc(reps, sizeof(*fdev));
	uint64_t *fexec = calloc(reps, sizeof(*fexec));
	uint64_t *fuser = calloc(reps, sizeof(*fuser));
	struct nnmem_kernel_progress prog = {
		.fn = bench_progress, .ctx = &calls,
		.budget = NNMEM_KERNEL_BUDGET_DEFAULT,
	};
	u32 ran = NNMEM_FAST_REF;
	struct nnmem_fast_env env = {
		.simd_begin = bench_simd_begin, .simd_end = bench_simd_end,
		.ran = &ran,
	};
	struct nnmem_conv2d_params p;
	struct nnmem_conv2d_tensors t;
	struct nnmem_conv2d_shape shape;
	struct nnmem_fast_tensors w;
	struct nnmem_fast_plan plan;
	struct gk_conv_spec s;
	s8 *out_user = NULL, *out_plain = NULL, *out_hook = NULL;
	s8 *out_fast = NULL;
	uint8_t *dev_fast = NULL, *dev_ref = NULL;
	void *packed = NULL;
	uint32_t graph = 0, ref_graph = 0;
	bool have_graph = false, have_ref = false, ok;
	int node, err = -ENOMEM, fpath = -1, rpath = -1;
	unsigned int r;
	struct gk g;

	gk_init(&g, fd);
	if (!dev || !exec || !user || !plain || !hook || !fdev || !fexec ||
	    !fuser)
		goto out;
	memset(&s, 0, sizeof(s));
	s.n = 1;
	s.h = cc->h;
	s.w = cc->w;
	s.c = cc->c;
	s.oc = cc->oc;
	s.kh = cc->k;
	s.kw = cc->k;
	s.pad_top = (cc->k - 1) / 2;
	s.pad_bottom = cc->k / 2;
	s.pad_left = (cc->k - 1) / 2;
	s.pad_right = cc->k / 2;
	s.in_zp = -3;
	s.out_zp = 2;
	s.bias_lo = -4000;
	s.bias_hi = 4000;
	/* Scale the accumulators into int8 without saturating them all. */
	s.shift_lo = -12;
	s.shift_hi = -10;
	s.seed = seed;
	s.input = -1;
	err = conv_setup(&g, &s, &node, &graph);
	if (err) {
		loud("%s: graph setup: %s", cc->name, strerror(-err));
		goto out;
	}
	have_graph = true;
	err = gk_create_flags(&g, NNMEM_GRAPH_REFERENCE, &ref_graph);
	if (err) {
		loud("%s: reference graph: %s", cc->name, strerror(-err));
		goto out;
	}
	have_ref = true;

	conv_params(&g, node, &p, &t, NULL);
	err = nnmem_conv2d_shape_get(&p, &shape);
	if (err) {
		loud("%s: shape: %s", cc->name, strerror(-err));
		goto out;
	}
	/* The fast kernel as the device's executor plans and packs it. */
	err = nnmem_fast_conv2d_plan(&p, NNMEM_FAST_AUTO, &plan);
	if (err) {
		loud("%s: fast plan: %s", cc->name, strerror(-err));
		goto out;
	}
	err = -ENOMEM;
	packed = aligned_alloc(NNMEM_FAST_ALIGN,
			       (plan.packed_bytes + NNMEM_FAST_ALIGN - 1) &
			       ~(uint64_t)(NNMEM_FAST_ALIGN - 1));
	if (!packed)
		goto out;
	w.filter = t.filter;
	w.bias = t.bias;
	w.multiplier = t.multiplier;
	w.shift = t.shift;
	err = nnmem_fast_pack(&plan, &w, packed);
	if (err) {
		loud("%s: fast pack: %s", cc->name, strerror(-err));
		goto out;
	}
	err = -ENOMEM;
	out_user = malloc(shape.output_elems);
	out_plain = malloc(shape.output_elems);
	out_hook = malloc(shape.output_elems);
	out_fast = malloc(shape.output_elems);
	dev_fast = malloc(shape.output_elems);
	dev_ref = malloc(shape.output_elems);
	if (!out_user || !out_plain || !out_hook || !out_fast || !dev_fast ||
	    !dev_ref)
		goto out;
	memset(out_user, 0x11, shape.output_elems);
	memset(out_plain, 0x22, shape.output_elems);
	memset(out_fast, 0x33, shape.output_elems);
	res->macs = shape.macs;

	/* Interleaved, so that any drift of the machine hits all of them. */
	for (r = 0; r < reps; r++) {
		bool last = r == reps - 1;
		uint64_t t0;

		if (last && (err = conv_output_poison(&g, node)))
			goto io_err;
		err = conv_dev_run(fd, ref_graph, shape.macs, cc->name,
				   &dev[r], &exec[r], last ? &rpath : NULL);
		if (err)
			goto out;
		if (last && (err = conv_output_read(&g, node, dev_ref)))
			goto io_err;

		t.output = out_user;
		t0 = nt_now_ns();
		err = nnmem_conv2d_run(&p, &t, NULL);
		user[r] = nt_now_ns() - t0;
		if (err) {
			loud("%s: userspace conv2d: %s", cc->name,
			     strerror(-err));
			goto out;
		}

		if (last && (err = conv_output_poison(&g, node)))
			goto io_err;
		err = conv_dev_run(fd, graph, shape.macs, cc->name, &fdev[r],
				   &fexec[r], last ? &fpath : NULL);
		if (err)
			goto out;
		if (last && (err = conv_output_read(&g, node, dev_fast)))
			goto io_err;

		t0 = nt_now_ns();
		err = nnmem_fast_run(&plan, packed, &w, t.input, out_fast,
				     &prog, &env);
		fuser[r] = nt_now_ns() - t0;
		if (err) {
			loud("%s: userspace fast conv2d: %s", cc->name,
			     strerror(-err));
			goto out;
		}

		t.output = out_hook;
		t0 = nt_now_ns();
		err = nnmem_conv2d_run(&p, &t, &prog);
		hook[r] = nt_now_ns() - t0;
		if (err) {
			loud("%s: userspace conv2d with a hook: %s", cc->name,
			     strerror(-err));
			goto out;
		}

		t.output = out_plain;
		t0 = nt_now_ns();
		err = nnmem_conv2d_run_plain(&p, &t, NULL);
		plain[r] = nt_now_ns() - t0;
		if (err) {
			loud("%s: userspace conv2d (plain -O2): %s", cc->name,
			     strerror(-err));
			goto out;
		}
	}
	res->dev_ns = median(dev, reps);
	res->dev_exec_ns = median(exec, reps);
	res->user_ns = median(user, reps);
	res->plain_ns = median(plain, reps);
	res->hook_ns = median(hook, reps);
	res->fdev_ns = median(fdev, reps);
	res->fdev_exec_ns = median(fexec, reps);
	res->fuser_ns = median(fuser, reps);
	res->dev_path = (uint32_t)fpath;
	res->user_path = ran;

	ok = conv_bytes_equal(dev_ref, out_user, shape.output_elems,
			      "userspace (kernel flags)", cc->name);
	ok &= conv_bytes_equal(dev_ref, out_hook, shape.output_elems,
			       "userspace (kernel flags, progress hook)",
			       cc->name);
	ok &= conv_bytes_equal(dev_ref, out_plain, shape.output_elems,
			       "userspace (plain -O2)", cc->name);
	ok &= conv_bytes_equal(dev_fast, out_user, shape.output_elems,
			       "userspace (kernel flags; device fast path)",
			       cc->name);
	ok &= conv_bytes_equal(dev_fast, out_fast, shape.output_elems,
			       "userspace fast path (device fast path)",
			       cc->name);
	if (rpath != NNMEM_PATH_REFERENCE)
		loud("%s: the reference graph ran on path %s", cc->name,
		     path_name(rpath));
	if (fpath != (int)plan.level || ran != plan.level)
		loud("%s: the fast path planned here is %s; the device ran "
		     "%s, this process %s", cc->name, path_name(plan.level),
		     path_name(fpath), path_name(ran));
	ok &= rpath == NNMEM_PATH_REFERENCE && fpath == (int)plan.level &&
	      ran == plan.level;
	tap(ok, "conv %s: device outputs (reference graph, fast path %s) "
	    "equal the userspace kernels' (reference: kernel flags and plain "
	    "-O2; fast), %" PRIu64 " bytes", cc->name, path_name(plan.level),
	    (uint64_t)shape.output_elems);
	err = 0;
	goto out;
io_err:
	loud("%s: output WRITE/READ or USAGE: %s", cc->name, strerror(-err));
out:
	if (have_graph)
		nt_graph_destroy(fd, graph);
	if (have_ref)
		nt_graph_destroy(fd, ref_graph);
	gk_fini(&g);
	free(packed);
	free(out_user);
	free(out_plain);
	free(out_hook);
	free(out_fast);
	free(dev_fast);
	free(dev_ref);
	free(hook);
	free(dev);
	free(exec);
	free(user);
	free(plain);
	free(fdev);
	free(fexec);
	free(fuser);
	return err;
}

static void conv_section(int fd, unsigned int reps)
{
	struct conv_result res[ARRAY_SIZE(conv_cases)];
	char b1[32], b2[32], b3[32], b4[32];
	bool done[ARRAY_SIZE(conv_cases)];
	unsigned int i;
	int err;

	printf("# (a) conv2d, int8 per-channel, stride 1, SAME padding; "
	       "median of %u interleaved repetitions\n", reps);
	printf("#     reference kernels: device: sync RUN round trip of a "
	       "NNMEM_GRAPH_REFERENCE graph (its own\n");
	printf("#     execution time in brackets); user: the same C "
	       "(driver/nnmem_kernels.c) in this process,\n");
	printf("#     built with the kernel's flags / plain -O2; hook/user: "
	       "the kernel-flags build with a\n");
	printf("#     progress hook every %u MACs, as jobs run, over none\n",
	       NNMEM_KERNEL_BUDGET_DEFAULT);
	printf("# %-26s %8s %15s %9s %9s %10s %10s %9s\n", "shape", "MMACs",
	       "device MAC/s", "user", "user -O2", "dev/user", "dev/user-O2",
	       "hook/user");
	for (i = 0; i < ARRAY_SIZE(conv_cases); i++) {
		const struct conv_case *cc = &conv_cases[i];
		struct conv_result *r = &res[i];
		double d, u, pl, de, h;

		memset(r, 0, sizeof(*r));
		err = conv_bench(fd, cc, reps, 1000 + i * 16, r);
		done[i] = !err;
		if (err) {
			tap(false, "conv %s: %s", cc->name, strerror(-err));
			continue;
		}
		d = r->macs * 1e9 / r->dev_ns;
		de = r->dev_exec_ns ? r->macs * 1e9 / r->dev_exec_ns : 0;
		u = r->macs * 1e9 / r->user_ns;
		pl = r->macs * 1e9 / r->plain_ns;
		h = r->macs * 1e9 / r->hook_ns;
		printf("# %-26s %8.1f %7s [%5s] %9s %9s %9.2fx %9.2fx %8.3fx\n",
		       cc->name, r->macs / 1e6, si(d, b1, sizeof(b1)),
		       si(de, b2, sizeof(b2)), si(u, b3, sizeof(b3)),
		       si(pl, b4, sizeof(b4)), ratio(d, u), ratio(d, pl),
		       ratio(u, h));
	}

	printf("# (a') the same shapes on the fast path, same repetitions "
	       "(interleaved with the above):\n");
	printf("#     device: sync RUN of a default graph (its own execution "
	       "time in brackets); user: the\n");
	printf("#     same fast kernel (driver/nnmem_fast*.c: "
	       "nnmem_fast_conv2d_plan(AUTO), _pack(), _run())\n");
	printf("#     in this process with a progress hook every %u MACs as "
	       "jobs run; t dev/user: the\n", NNMEM_KERNEL_BUDGET_DEFAULT);
	printf("#     device's RUN time over the user time (1.00x: no "
	       "overhead), t exec/user: its own execution\n");
	printf("#     time over the user time; speedup: the device's "
	       "reference graph's time over its fast\n");
	printf("#     one's; user speedup: the same in this process "
	       "(reference kernel, kernel flags)\n");
	printf("# %-26s %7s %15s %9s %11s %11s %8s %8s\n", "shape", "path",
	       "device MAC/s", "user", "t dev/user", "t exec/user",
	       "speedup", "user sp.");
	for (i = 0; i < ARRAY_SIZE(conv_cases); i++) {
		const struct conv_case *cc = &conv_cases[i];
		struct conv_result *r = &res[i];
		double d, de, u;

		if (!done[i])
			continue;
		d = r->macs * 1e9 / r->fdev_ns;
		de = r->fdev_exec_ns ? r->macs * 1e9 / r->fdev_exec_ns : 0;
		u = r->macs * 1e9 / r->fuser_ns;
		printf("# %-26s %7s %7s [%5s] %9s %10.2fx %10.2fx %7.2fx %7.2fx\n",
		       cc->name, path_name((int)r->dev_path),
		       si(d, b1, sizeof(b1)), si(de, b2, sizeof(b2)),
		       si(u, b3, sizeof(b3)),
		       ratio((double)r->fdev_ns, (double)r->fuser_ns),
		       ratio((double)r->fdev_exec_ns, (double)r->fuser_ns),
		       ratio((double)r->dev_ns, (double)r->fdev_ns),
		       ratio((double)r->user_ns, (double)r->fuser_ns));
	}
	fflush(stdout);
}

/* ---------------------------------------------------- (b) round trips */

enum rt_kind { RT_INFO, RT_SYNC1, RT_SYNC, RT_ASYNC, RT_KINDS };

/*
 * Time one kind of round trip for about @secs: up to @room samples in
 * @v, their number in *@n. Returns 0 or a negative errno.
 */
static int rt_time(int fd, enum rt_kind kind, uint32_t graph, double secs,
		   uint64_t *v, size_t room, size_t *n)
{
	uint64_t start = nt_now_ns(), limit = (uint64_t)(secs * 1e9);
	struct nnmem_info info;
	struct nnmem_wait w;
	size_t i;
	int err = 0;

	for (i = 0; i < room; i++) {
		uint64_t t0 = nt_now_ns(), job;

		switch (kind) {
		case RT_INFO:
			err = nt_info(fd, &info);
			break;
		case RT_SYNC1:
		case RT_SYNC:
			err = nt_run(fd, graph, NULL);
			break;
		default:
			err = nt_submit(fd, graph, &job);
			if (!err)
				err = nt_wait(fd, job, NNMEM_WAIT_FOREVER, &w);
			if (!err && w.status)
				err = w.status;
			break;
		}
		v[i] = nt_now_ns() - t0;
		if (err)
			break;
		if (i >= 100 && v[i] + t0 - start >= limit)
			break;
	}
	*n = i < room ? i + !err : i;
	return err;
}

/*
 * A one-node graph: a 1x1 conv of a 1x1x1x@c input to @c channels (@c * @c
 * MACs), its graph handle in *@graph, its node in *@node.
 */
static int rt_graph(struct gk *g, unsigned int c, uint64_t seed, int *node,
		    uint32_t *graph)
{
	struct gk_conv_spec s;

	memset(&s, 0, sizeof(s));
	s.n = 1;
	s.h = 1;
	s.w = 1;
	s.c = c;
	s.oc = c;
	s.kh = 1;
	s.kw = 1;
	s.shift_lo = -8;
	s.shift_hi = -6;
	s.seed = seed;
	s.input = -1;
	return conv_setup(g, &s, node, graph);
}

/* The graph's device output equals the userspace kernel's. */
static bool rt_check(struct gk *g, int node, const char *what)
{
	struct nnmem_conv2d_params p;
	struct nnmem_conv2d_tensors t;
	s8 out[8];

	conv_params(g, node, &p, &t, out);
	return !nnmem_conv2d_run(&p, &t, NULL) &&
	       conv_output_equal(g, node, out, "userspace", what);
}

/*
 * Rounds of the round trips: each round times every sync kind for
 * @secs / RT_ROUNDS, one after the other, so that the empty ioctl and
 * the RUNs see the same conditions. Under TCG the cost of the same
 * ioctl drifts between two levels a microsecond or more apart, for
 * seconds at a time (the host's scheduling of QEMU's threads); kinds
 * timed in separate seconds then compare one level with the other. The
 * ratio reported is the median over the rounds of each round's median
 * over the empty ioctl's median in the same round.
 */
#define RT_ROUNDS	16

static int rt_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void rt_section(int fd, double secs)
{
	static const char *const what[RT_KINDS] = {
		"empty ioctl (INFO)", "sync RUN, 1 MAC", "sync RUN, 64 MACs",
		"async RUN + WAIT, 64",
	};
	uint64_t *v[RT_KINDS] = { NULL };
	uint64_t med[RT_KINDS] = { 0 }, lo[RT_KINDS] = { 0 };
	uint64_t p90[RT_KINDS] = { 0 };
	double rr[RT_KINDS][RT_ROUNDS] = { { 0 } }, rmed[RT_KINDS] = { 0 };
	double rt_ratio[RT_ROUNDS];
	size_t n[RT_KINDS] = { 0 };
	uint32_t graph[2] = { 0 };
	bool have[2] = { false };
	unsigned int k, r;
	int node[2], err;
	struct gk g[2];
	bool ok;

	gk_init(&g[0], fd);
	gk_init(&g[1], fd);
	for (k = RT_INFO; k < RT_KINDS; k++) {
		v[k] = calloc(RT_MAX_SAMPLES, sizeof(*v[k]));
		if (!v[k]) {
			tap(false, "round trips: out of memory");
			goto out;
		}
	}
	/* 1x1 convs of 1 channel (1 MAC) and of 8 to 8 (64 MACs) */
	err = rt_graph(&g[0], 1, 78, &node[0], &graph[0]);
	have[0] = !err;
	if (!err)
		err = rt_graph(&g[1], 8, 77, &node[1], &graph[1]);
	have[1] = have[0] && !err;
	if (err) {
		loud("round trips: graph setup: %s", strerror(-err));
		tap(false, "round trips: graph setup: %s", strerror(-err));
		goto out;
	}

	/* the sync kinds in rounds; async + WAIT (which sleeps) alone, after */
	for (r = 0; r <= RT_ROUNDS; r++) {
		for (k = RT_INFO; k < RT_KINDS; k++) {
			bool sync = k != RT_ASYNC;
			size_t got;

			/* the rounds time the sync kinds; one last turn, async */
			if (sync == (r == RT_ROUNDS))
				continue;
			err = rt_time(fd, k, graph[k == RT_SYNC1 ? 0 : 1],
				      sync ? secs / RT_ROUNDS : secs,
				      v[k] + n[k], sync ? RT_MAX_SAMPLES /
				      RT_ROUNDS : RT_MAX_SAMPLES, &got);
			if (err) {
				loud("round trips: %s: %s", what[k],
				     strerror(-err));
				tap(false, "round trips: %s: %s", what[k],
				    strerror(-err));
				goto out;
			}
			if (sync)
				rr[k][r] = (double)median(v[k] + n[k], got);
			n[k] += got;
		}
	}
	for (k = RT_INFO; k < RT_KINDS; k++) {
		med[k] = median(v[k], n[k]);
		lo[k] = percentile(v[k], n[k], 0);
		p90[k] = percentile(v[k], n[k], 90);
		/* RT_INFO comes first: its median is there for the others */
		if (k == RT_ASYNC) {
			rmed[k] = ratio((double)med[k], (double)med[RT_INFO]);
			continue;
		}
		/* each round's ratio over the empty ioctl's in that round */
		for (r = 0; r < RT_ROUNDS; r++)
			rt_ratio[r] = ratio(rr[k][r], rr[RT_INFO][r]);
		qsort(rt_ratio, RT_ROUNDS, sizeof(rt_ratio[0]), rt_cmp_double);
		rmed[k] = (rt_ratio[(RT_ROUNDS - 1) / 2] +
			   rt_ratio[RT_ROUNDS / 2]) / 2;
	}

	ok = rt_check(&g[0], node[0], "1-MAC graph");
	ok &= rt_check(&g[1], node[1], "64-MAC graph");
	tap(ok, "round trips: the graphs' device outputs equal the userspace "
	    "kernel's after %zu and %zu runs", n[RT_SYNC1],
	    n[RT_SYNC] + n[RT_ASYNC]);

	printf("# (b) round trips of one-node graphs (1x1 convs): %d rounds "
	       "of about %.2f s of each sync kind in turn, then %.1f s of "
	       "async RUN + WAIT\n", RT_ROUNDS, secs / RT_ROUNDS, secs);
	printf("# %-24s %8s %11s %11s %11s %10s %10s\n", "what", "samples",
	       "min", "median", "p90", "median/", "rounds'");
	printf("# %-24s %8s %11s %11s %11s %10s %10s\n", "", "", "", "", "",
	       "empty's", "median");
	for (k = RT_INFO; k < RT_KINDS; k++)
		printf("# %-24s %8zu %8.2f us %8.2f us %8.2f us %9.2fx %9.2fx\n",
		       what[k], n[k], lo[k] / 1e3, med[k] / 1e3, p90[k] / 1e3,
		       ratio((double)med[k], (double)med[0]), rmed[k]);
	printf("# rounds' median: the median over the rounds of the kind's "
	       "median over the empty ioctl's in the same round (async: "
	       "the plain ratio)\n");
	fflush(stdout);
out:
	for (k = 0; k < 2; k++) {
		if (have[k])
			nt_graph_destroy(fd, graph[k]);
		gk_fini(&g[k]);
	}
	for (k = RT_INFO; k < RT_KINDS; k++)
		free(v[k]);
}

/* ------------------------------------------------- (c) allocations */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct request {
	bool activation;
	uint64_t size, align;
};

/*
 * The mixed workload: 64 B to 4 KiB in 64-byte steps; mostly 64-aligned,
 * some page-aligned. The tiny one: 16 or 32 B, 16-aligned, so that
 * 100,000 live regions (2.4 MB on average) fit the default 4 MiB arena.
 */
static bool tiny_requests;

static struct request random_request(void)
{
	struct request q;

	q.activation = rnd() & 1;
	if (tiny_requests) {
		q.size = 16 * (1 + rnd() % 2);
		q.align = 16;
		return q;
	}
	q.size = 64 * (1 + rnd() % 64);
	q.align = rnd() % 10 ? 64 : 4096;
	return q;
}

/* One allocator under test: the device (fd) or the userspace arena. */
struct alloc_target {
	int fd;				/* device session, or -1 */
	struct nnmem_arena arena;
	struct nnmem_arena_region *slots;
	uint32_t *handles;
};

static void *ua_zalloc(size_t size, void *priv)
{
	(void)priv;
	return calloc(1, size);
}

static void ua_free(void *ptr, void *priv)
{
	(void)priv;
	free(ptr);
}

static const struct nnmem_arena_ops ua_ops = {
	.zalloc = ua_zalloc,
	.free = ua_free,
};

static int at_alloc(struct alloc_target *a, size_t slot,
		    const struct request *q, uint64_t *offset)
{
	int err;

	if (a->fd < 0) {
		err = nnmem_arena_alloc(&a->arena, &a->slots[slot],
					q->activation ? NNMEM_ARENA_ACTIVATION :
							NNMEM_ARENA_WEIGHT,
					q->size, q->align);
		if (!err)
			*offset = a->slots[slot].offset;
		return err;
	}
	return nt_alloc(a->fd, q->size, (uint32_t)q->align,
			q->activation ? NNMEM_KIND_ACTIVATION :
					NNMEM_KIND_WEIGHT,
			0, NULL, &a->handles[slot], offset);
}

static int at_free(struct alloc_target *a, size_t slot)
{
	if (a->fd < 0) {
		nnmem_arena_free(&a->arena, &a->slots[slot]);
		return 0;
	}
	return nt_free(a->fd, a->handles[slot]);
}

/* Allocate into @slot, retrying other requests on -ENOSPC like a runtime. */
static int at_alloc_retry(struct alloc_target *a, size_t slot,
			  uint64_t *offset)
{
	int tries, err = -ENOSPC;

	for (tries = 0; tries < 16 && err == -ENOSPC; tries++) {
		struct request q = random_request();

		err = at_alloc(a, slot, &q, offset);
	}
	return err;
}

/*
 * Fill @live slots, then free a random live region and allocate a new one
 * in its place for about @secs. *@pairs_per_sec gets the rate, *@sum a
 * hash of the first VERIFY_OPS placements.
 */
static int alloc_run(struct alloc_target *a, size_t live, double secs,
		     uint64_t arena_size, double *pairs_per_sec,
		     uint64_t *sum)
{
	uint64_t off = 0, t0, t = 0, limit = (uint64_t)(secs * 1e9);
	bool *used = calloc(live, sizeof(*used));
	long pairs = 0;
	size_t i;
	int err = -ENOMEM;

	a->slots = calloc(live, sizeof(*a->slots));
	a->handles = calloc(live, sizeof(*a->handles));
	if (!used || !a->slots || !a->handles)
		goto out;
	if (a->fd < 0 && nnmem_arena_init(&a->arena, arena_size, &ua_ops,
					  NULL))
		goto out;
	rng_state = 4242 + live;
	*sum = 0;
	for (i = 0; i < live; i++) {
		err = at_alloc_retry(a, i, &off);
		if (err)
			goto out_free;
		used[i] = true;
		*sum = *sum * 1000003 + off;
	}
	t0 = nt_now_ns();
	for (;;) {
		size_t slot = rnd() % live;

		err = at_free(a, slot);
		if (err)
			goto out_free;
		used[slot] = false;
		err = at_alloc_retry(a, slot, &off);
		if (err)
			goto out_free;
		used[slot] = true;
		pairs++;
		if (pairs <= VERIFY_OPS)
			*sum = *sum * 1000003 + off;
		if (pairs % 16 == 0 && pairs >= VERIFY_OPS) {
			t = nt_now_ns() - t0;
			if (t >= limit)
				break;
		}
	}
	*pairs_per_sec = pairs * 1e9 / t;
out_free:
	for (i = 0; i < live; i++)
		if (used[i])
			at_free(a, i);
	if (a->fd < 0)
		nnmem_arena_fini(&a->arena);
out:
	free(used);
	free(a->slots);
	free(a->handles);
	a->slots = NULL;
	a->handles = NULL;
	return err;
}

static const size_t alloc_lives[] = { 10, 1000 };
static const size_t tiny_lives[] = { 10, 1000, 100000 };
#define ALLOC_CASES_MAX	3

#define MAX_REGIONS_PARAM	"/sys/module/nnmem/parameters/max_regions"

static long max_regions_get(void)
{
	FILE *f = fopen(MAX_REGIONS_PARAM, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static bool max_regions_set(long v)
{
	FILE *f = fopen(MAX_REGIONS_PARAM, "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%ld\n", v) > 0;
	return !fclose(f) && ok;
}

/*
 * FREE + ALLOC pairs with @n cases of @lives live regions, @tiny: which
 * workload (random_request()). A case above max_regions is skipped
 * unless root can raise the module parameter for it (restored after).
 */
static void alloc_section(int index, double secs, const size_t *lives,
			  size_t n, bool tiny)
{
	double dev_rate[ALLOC_CASES_MAX] = { 0 };
	double user_rate[ALLOC_CASES_MAX] = { 0 };
	const char *what = tiny ? "tiny " : "";
	struct nnmem_usage u;
	struct nnmem_info info = { 0 };
	char b1[32], b2[32];
	unsigned int i;
	long old_max;
	int fd, err;

	tiny_requests = tiny;
	for (i = 0; i < n; i++) {
		struct alloc_target dev = { .fd = -1 }, user = { .fd = -1 };
		uint64_t dsum = 0, usum = 0;
		bool empty;

		old_max = max_regions_get();
		if (old_max >= 0 && (size_t)old_max < lives[i] &&
		    !max_regions_set((long)lives[i])) {
			tap(true, "%sallocations, %zu live # SKIP max_regions "
			    "is %ld and cannot be raised (needs root)", what,
			    lives[i], old_max);
			continue;
		}
		/* A fresh session per case: nothing else of ours is live. */
		fd = nt_open(index);
		if (fd < 0) {
			loud("open /dev/nnmem%d: %s", index, strerror(-fd));
			tap(false, "%sallocations, %zu live: open: %s", what,
			    lives[i], strerror(-fd));
			goto restore;
		}
		err = nt_info(fd, &info);
		if (!err)
			err = nt_usage(fd, &u);
		if (err) {
			loud("INFO/USAGE: %s", strerror(-err));
			tap(false, "%sallocations, %zu live: INFO/USAGE: %s",
			    what, lives[i], strerror(-err));
			close(fd);
			goto restore;
		}
		empty = !u.weight_regions && !u.activation_regions &&
			!u.deferred_regions;
		dev.fd = fd;
		err = alloc_run(&dev, lives[i], secs, info.arena_size,
				&dev_rate[i], &dsum);
		close(fd);
		if (!err)
			err = alloc_run(&user, lives[i], secs, info.arena_size,
					&user_rate[i], &usum);
		if (err) {
			loud("%sallocations, %zu live: %s", what, lives[i],
			     strerror(-err));
			tap(false, "%sallocations, %zu live: %s", what,
			    lives[i], strerror(-err));
			goto restore;
		}
		if (!empty) {
			tap(true, "%sallocations, %zu live: placements equal "
			    "the userspace arena's # SKIP the device arena "
			    "was not empty", what, lives[i]);
			goto restore;
		}
		if (dsum != usum)
			loud("%sallocations, %zu live: the device placed "
			     "regions elsewhere than the userspace arena",
			     what, lives[i]);
		tap(dsum == usum, "%sallocations, %zu live: the first %zu "
		    "placements equal the userspace arena's", what, lives[i],
		    VERIFY_OPS + lives[i]);
restore:
		if (old_max >= 0 && (size_t)old_max < lives[i])
			max_regions_set(old_max);
	}

	if (tiny)
		printf("# (c) FREE + ALLOC pairs per second in steady state "
		       "(%.1f s each), tiny requests\n#     (16 or 32 B, "
		       "16-aligned: 100,000 of them fit the arena);", secs);
	else
		printf("# (c) FREE + ALLOC pairs per second in steady state "
		       "(%.1f s each), random 64 B-4 KiB\n#     requests;",
		       secs);
	printf(" device: the ioctls on a %" PRIu64 " KiB arena;\n#     user: "
	       "driver/nnmem_arena.c linked in; ns per pair in brackets\n",
	       (uint64_t)info.arena_size >> 10);
	printf("# %-14s %22s %22s %12s\n", "live regions", "device",
	       "user arena", "dev/user");
	for (i = 0; i < n; i++)
		printf("# %-14zu %12s/s [%6.0f] %12s/s [%6.0f] %11.3fx\n",
		       lives[i], si(dev_rate[i], b1, sizeof(b1)),
		       dev_rate[i] > 0 ? 1e9 / dev_rate[i] : 0,
		       si(user_rate[i], b2, sizeof(b2)),
		       user_rate[i] > 0 ? 1e9 / user_rate[i] : 0,
		       ratio(dev_rate[i], user_rate[i]));
	fflush(stdout);
}

/* ------------------------------------------------------ (d) zeroing */

/* The sizes; the last one is capped at the arena's size. */
#define ZERO_SIZE_MAX		(4ULL << 20)
static const uint64_t zero_sizes[] = {
	64, 4ULL << 10, 64ULL << 10, 1ULL << 20, ZERO_SIZE_MAX,
};

#define ZERO_MAX_SAMPLES	100000

/* Called through a volatile pointer, so that it cannot be optimised out. */
static void *(*volatile zero_memset)(void *, int, size_t) = memset;

struct zero_result {
	uint64_t size;
	size_t n;
	uint64_t alloc_ns, free_ns, pair_ns, memset_ns;
};

/*
 * A region ALLOCated where a pattern was FREEd reads as zeros (in an
 * otherwise empty arena both land at offset 0).
 */
static bool zero_check(int fd, uint64_t size, uint8_t *buf)
{
	uint64_t off1 = 0, off2 = 0, i, bad = 0;
	uint32_t h;
	int err;

	memset(buf, 0xa5, size);
	err = nt_weight(fd, size, 0, &h, &off1);
	if (!err)
		err = nt_write(fd, h, 0, buf, size);
	if (!err)
		err = nt_free(fd, h);
	if (!err)
		err = nt_weight(fd, size, 0, &h, &off2);
	if (!err) {
		err = nt_read(fd, h, 0, buf, size);
		nt_free(fd, h);
	}
	if (err) {
		loud("zeroing, %" PRIu64 " bytes: %s", size, strerror(-err));
		return false;
	}
	for (i = 0; i < size; i++)
		bad += buf[i] != 0;
	if (off1 != off2)
		loud("zeroing, %" PRIu64 " bytes: the second region is at %"
		     PRIu64 ", not %" PRIu64, size, off2, off1);
	if (bad)
		loud("zeroing, %" PRIu64 " bytes: %" PRIu64 " bytes of a freed "
		     "region's pattern read back", size, bad);
	return off1 == off2 && !bad;
}

/*
 * Time ALLOC, FREE and memset() of @r->size bytes for about @secs; @v
 * holds room for ZERO_MAX_SAMPLES samples of each of the four.
 */
static int zero_time(int fd, double secs, uint8_t *buf, uint64_t *v[4],
		     struct zero_result *r)
{
	uint64_t start = nt_now_ns(), limit = (uint64_t)(secs * 1e9);
	size_t i;
	int err = 0;

	for (i = 0; i < ZERO_MAX_SAMPLES; i++) {
		uint64_t t0, t1, t2;
		uint32_t h;

		t0 = nt_now_ns();
		err = nt_weight(fd, r->size, 0, &h, NULL);
		t1 = nt_now_ns();
		if (!err)
			err = nt_free(fd, h);
		t2 = nt_now_ns();
		if (err)
			break;
		v[0][i] = t1 - t0;
		v[1][i] = t2 - t1;
		v[2][i] = t2 - t0;
		t0 = nt_now_ns();
		zero_memset(buf, 0, r->size);
		v[3][i] = nt_now_ns() - t0;
		if (i >= 10 && t2 - start >= limit) {
			i++;
			break;
		}
	}
	r->n = i;
	if (err)
		return err;
	r->alloc_ns = median(v[0], r->n);
	r->free_ns = median(v[1], r->n);
	r->pair_ns = median(v[2], r->n);
	r->memset_ns = median(v[3], r->n);
	return 0;
}

static void zero_section(int index, double secs)
{
	struct zero_result res[ARRAY_SIZE(zero_sizes)];
	uint64_t *v[4] = { NULL, NULL, NULL, NULL }, arena;
	struct nnmem_info info;
	char b1[32], b2[32];
	uint8_t *buf = NULL;
	unsigned int i, k;
	bool ok = true;
	int fd, err;

	memset(res, 0, sizeof(res));
	fd = nt_open(index);
	if (fd < 0) {
		loud("open /dev/nnmem%d: %s", index, strerror(-fd));
		tap(false, "zeroing: open: %s", strerror(-fd));
		return;
	}
	err = nt_info(fd, &info);
	if (err) {
		tap(false, "zeroing: INFO: %s", strerror(-err));
		close(fd);
		return;
	}
	arena = info.arena_size;
	for (k = 0; k < 4; k++)
		v[k] = calloc(ZERO_MAX_SAMPLES, sizeof(*v[k]));
	buf = malloc(ZERO_SIZE_MAX);
	if (!v[0] || !v[1] || !v[2] || !v[3] || !buf) {
		tap(false, "zeroing: out of memory");
		goto out;
	}
	memset(buf, 1, ZERO_SIZE_MAX);

	for (i = 0; i < ARRAY_SIZE(zero_sizes); i++) {
		res[i].size = zero_sizes[i] < arena ? zero_sizes[i] : arena;
		ok &= zero_check(fd, res[i].size, buf);
		err = zero_time(fd, secs / 2, buf, v, &res[i]);
		if (err) {
			loud("zeroing, %" PRIu64 " bytes: %s", res[i].size,
			     strerror(-err));
			ok = false;
			res[i].n = 0;
		}
	}
	tap(ok, "zeroing: a region allocated where a pattern was freed reads "
	    "as zeros, %" PRIu64 " B to %" PRIu64 " KiB",
	    res[0].size, res[ARRAY_SIZE(zero_sizes) - 1].size >> 10);

	printf("# (d) zeroing on ALLOC: one weight region ALLOCated and FREEd, "
	       "medians over about %.1f s\n", secs / 2);
	printf("#     each; zeroes/s: bytes / (pair - the 64 B pair); "
	       "memset/s: memset() of as many bytes\n#     in this process\n");
	printf("# %-9s %7s %10s %10s %9s %10s %10s %10s\n", "size", "samples",
	       "ALLOC", "FREE", "pair/64B", "zeroes/s", "memset/s",
	       "zero/memset");
	for (i = 0; i < ARRAY_SIZE(zero_sizes); i++) {
		struct zero_result *r = &res[i];
		double extra = (double)r->pair_ns - (double)res[0].pair_ns;
		double dz = i && extra > 0 ? r->size * 1e9 / extra : 0;
		double um = r->memset_ns ? r->size * 1e9 / r->memset_ns : 0;
		char size[32], rel[32];

		if (!r->n)
			continue;
		if (r->size < 1024)
			snprintf(size, sizeof(size), "%" PRIu64 " B", r->size);
		else
			snprintf(size, sizeof(size), "%" PRIu64 " KiB",
				 r->size >> 10);
		snprintf(rel, sizeof(rel), "%.2fx", ratio(dz, um));
		/* No rate when the pair was not slower than the 64 B one. */
		printf("# %9s %7zu %7.1f us %7.1f us %8.2fx %10s %10s %10s\n",
		       size, r->n, r->alloc_ns / 1e3, r->free_ns / 1e3,
		       ratio((double)r->pair_ns, (double)res[0].pair_ns),
		       dz > 0 ? si(dz, b1, sizeof(b1)) : "-",
		       si(um, b2, sizeof(b2)), dz > 0 ? rel : "-");
	}
	fflush(stdout);
out:
	for (k = 0; k < 4; k++)
		free(v[k]);
	free(buf);
	close(fd);
}

/* ------------------------------------------------------------- main */

/* ------------------------------------------- (e) ResNet-8 end to end */

/* The case whose input and TFLM output the runs use (unsaturated softmax). */
#define NET_CASE	"gradient"

/* The whole file at @path, malloc'ed, its size in *@len; NULL if unreadable. */
static uint8_t *file_slurp(const char *path, size_t *len)
{
	uint8_t *buf = NULL;
	long size;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (size = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET)) {
		buf = malloc(size ? (size_t)size : 1);
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)size;
	}
	fclose(f);
	return buf;
}

/*
 * The NNMEM_PATH_* of the fast nodes of one run between two USAGEs: the
 * one fast path with MACs, -1 if several; NNMEM_PATH_REFERENCE if none.
 */
static int net_fast_path(const struct nnmem_usage *a,
			 const struct nnmem_usage *b)
{
	int i, path = NNMEM_PATH_REFERENCE;

	for (i = NNMEM_PATH_SCALAR; i < NNMEM_PATH_COUNT; i++) {
		if (b->path_macs[i] == a->path_macs[i])
			continue;
		if (path != NNMEM_PATH_REFERENCE)
			return -1;
		path = i;
	}
	return path;
}

/*
 * One device run of @net from @in, timed into *@ns and *@exec_ns; with
 * @dev and @path, the fast path it ran on (see net_fast_path()). Counts a
 * failure or an output other than TFLM's @want in *@bad.
 */
static void net_dev_run(struct nnmem_net *net, struct nnmem_dev *dev,
			const uint8_t *in, size_t in_len, const uint8_t *want,
			size_t want_len, const char *what, unsigned int i,
			uint64_t *ns, uint64_t *exec_ns, int *path,
			unsigned int *bad)
{
	const struct nnmem_tflite_model *m = nnmem_net_model(net);
	struct nnmem_usage u0, u1;
	uint64_t t;
	size_t len;
	uint8_t *x;
	int ret;

	x = nnmem_net_tensor(net, m->inputs[0], &len);
	if (!x || len != in_len) {
		loud("resnet8: input is %zu bytes, %s has %zu", len,
		     NET_CASE "/input0.bin", in_len);
		++*bad;
		return;
	}
	memcpy(x, in, len);
	if (path && nnmem_usage(dev, &u0)) {
		loud("resnet8: USAGE failed");
		++*bad;
		return;
	}
	t = nt_now_ns();
	ret = nnmem_net_run(net, exec_ns);
	*ns = nt_now_ns() - t;
	if (ret) {
		loud("resnet8: %s run: %s", what, strerror(-ret));
		++*bad;
		return;
	}
	if (path) {
		if (nnmem_usage(dev, &u1)) {
			loud("resnet8: USAGE failed");
			++*bad;
			return;
		}
		*path = net_fast_path(&u0, &u1);
	}
	x = nnmem_net_tensor(net, m->outputs[0], &len);
	if (!x || len != want_len || memcmp(x, want, len)) {
		loud("resnet8: %s run %u: output != TFLM's", what, i);
		++*bad;
	}
}

/*
 * MLPerf Tiny's ResNet-8 (<models>/resnet8/resnet8.tflite) through
 * libnnmem's networks (<nnmem/net.h>): one network loaded on the device
 * (its graph on the fast path), one loaded while the module parameter
 * fast_path is 0 (every node on the reference kernels; needs root; -1 is
 * restored), both run with nnmem_net_run(), and one not loaded and run
 * with nnmem_net_run_host() (the driver's validator and executor over
 * host memory, on this CPU's best path), interleaved, @reps runs each,
 * timed from this process (the device's own execution time in brackets).
 * Every output must equal TFLM's output0.bin of case NET_CASE, and the
 * device's USAGE counters must show the paths: the fast graph's conv2d
 * and fully connected nodes on one fast path, the reference graph on none.
 */
static void net_section(int index, unsigned int reps, const char *models)
{
	struct nnmem_net *dev_net = NULL, *host_net = NULL, *ref_net = NULL;
	uint64_t *dev_ns = NULL, *exec_ns = NULL, *host_ns = NULL;
	uint64_t *ref_ns = NULL, *rexec_ns = NULL;
	uint8_t *in = NULL, *want = NULL, *x;
	const struct nnmem_tflite_model *m;
	const struct nnmem_net_plan *p;
	size_t in_len = 0, want_len = 0, len;
	char path[512], err[NNMEM_TFLITE_ERR_LEN];
	struct nnmem_dev *dev = NULL;
	unsigned int i, bad = 0;
	int ret, fpath = -1, rpath = -1;
	uint64_t t, d, e, h, rd = 0, re = 0;

	printf("# (e) ResNet-8 (MLPerf Tiny, int8, 16 operators) end to end through "
	       "libnnmem's networks:\n");
	printf("#     device: nnmem_net_run() (sync RUN of the whole graph; its own "
	       "execution time in brackets),\n");
	printf("#     its conv2d and fully connected nodes on the fast path, "
	       "or, loaded with fast_path=0,\n");
	printf("#     every node on the reference kernels; host: "
	       "nnmem_net_run_host() in this process (the\n");
	printf("#     driver's validator and executor, fast path); median of "
	       "%u interleaved runs each;\n", reps);
	printf("#     input and output: TFLM's case %s\n", NET_CASE);
	snprintf(path, sizeof(path), "%s/resnet8/%s/input0.bin", models,
		 NET_CASE);
	in = file_slurp(path, &in_len);
	snprintf(path, sizeof(path), "%s/resnet8/%s/output0.bin", models,
		 NET_CASE);
	want = file_slurp(path, &want_len);
	snprintf(path, sizeof(path), "%s/resnet8/resnet8.tflite", models);
	if (!in || !want || access(path, R_OK)) {
		tap(true, "resnet8 end to end # SKIP no %s/resnet8 (-m DIR)",
		    models);
		goto out;
	}
	ret = nnmem_net_open(path, 0, &dev_net, err, sizeof(err));
	if (!ret)
		ret = nnmem_net_open(path, 0, &host_net, err, sizeof(err));
	if (!ret)
		ret = nnmem_net_open(path, 0, &ref_net, err, sizeof(err));
	if (ret) {
		loud("%s: %s", path, err);
		tap(false, "resnet8 end to end: open: %s", strerror(-ret));
		goto out;
	}
	ret = nnmem_open(index, &dev);
	if (!ret)
		ret = nnmem_net_load(dev_net, dev, err, sizeof(err));
	if (ret) {
		loud("resnet8: load: %s", err);
		tap(false, "resnet8 end to end: load: %s", strerror(-ret));
		goto out;
	}
	/* The reference network: its graph is created with fast_path=0. */
	ret = nt_fast_path_set(NNMEM_PATH_REFERENCE);
	if (ret) {
		printf("#     no device reference run: cannot write %s: %s\n",
		       NT_FAST_PATH_PARAM, strerror(-ret));
		nnmem_net_close(ref_net);
		ref_net = NULL;
	} else {
		ret = nnmem_net_load(ref_net, dev, err, sizeof(err));
		if (nt_fast_path_set(-1)) {
			loud("resnet8: cannot restore fast_path=-1");
			bad++;
		}
		if (ret) {
			loud("resnet8: load with fast_path=0: %s", err);
			tap(false, "resnet8 end to end: load with fast_path=0: %s",
			    strerror(-ret));
			goto out;
		}
	}
	m = nnmem_net_model(dev_net);
	p = nnmem_net_plan(dev_net);
	dev_ns = calloc(reps, sizeof(*dev_ns));
	exec_ns = calloc(reps, sizeof(*exec_ns));
	host_ns = calloc(reps, sizeof(*host_ns));
	ref_ns = calloc(reps, sizeof(*ref_ns));
	rexec_ns = calloc(reps, sizeof(*rexec_ns));
	if (!dev_ns || !exec_ns || !host_ns || !ref_ns || !rexec_ns) {
		tap(false, "resnet8 end to end: out of memory");
		goto out;
	}
	for (i = 0; i < reps && !bad; i++) {
		/* the paths from the counters of the last run of each */
		bool last = i == reps - 1;

		net_dev_run(dev_net, dev, in, in_len, want, want_len,
			    "device", i, &dev_ns[i], &exec_ns[i],
			    last ? &fpath : NULL, &bad);
		if (ref_net)
			net_dev_run(ref_net, dev, in, in_len, want, want_len,
				    "device reference", i, &ref_ns[i],
				    &rexec_ns[i], last ? &rpath : NULL, &bad);

		t = nt_now_ns();
		ret = nnmem_net_run_host(host_net, in, in_len);
		host_ns[i] = nt_now_ns() - t;
		if (ret) {
			loud("resnet8: host run: %s", strerror(-ret));
			bad++;
			break;
		}
		x = nnmem_net_tensor(host_net, m->outputs[0], &len);
		if (!x || len != want_len || memcmp(x, want, len)) {
			loud("resnet8: host run %u: output != TFLM's", i);
			bad++;
		}
	}
	if (!bad && (fpath <= NNMEM_PATH_REFERENCE ||
		     (ref_net && rpath != NNMEM_PATH_REFERENCE))) {
		loud("resnet8: the device's fast graph ran its fast nodes on "
		     "%s, the reference graph on %s", path_name(fpath),
		     ref_net ? path_name(rpath) : "-");
		bad++;
	}
	if (bad) {
		tap(false, "resnet8 end to end: device (fast and reference) "
		    "and host outputs equal TFLM's, paths as asked");
		goto out;
	}
	d = median(dev_ns, reps);
	e = median(exec_ns, reps);
	h = median(host_ns, reps);
	if (ref_net) {
		rd = median(ref_ns, reps);
		re = median(rexec_ns, reps);
	}
	printf("#     weights %" PRIu64 " bytes, activations %" PRIu64
	       " bytes planned (bound %" PRIu64 ", plain sum %" PRIu64 ")\n",
	       p->weight_bytes, p->activation_bytes, p->bound, p->naive_bytes);
	printf("# %-34s %10s %10s %14s\n", "resnet8 (" NET_CASE ")", "ms",
	       "(exec ms)", "time/dev fast");
	printf("# %-34s %10.3f %10.3f %13.2fx\n", "device, fast path",
	       d / 1e6, e / 1e6, 1.0);
	if (ref_net)
		printf("# %-34s %10.3f %10.3f %13.2fx\n",
		       "device, reference (fast_path=0)", rd / 1e6, re / 1e6,
		       ratio((double)rd, (double)d));
	printf("# %-34s %10.3f %10s %13.2fx\n", "host (this process), fast path",
	       h / 1e6, "", ratio((double)h, (double)d));
	if (ref_net)
		printf("#     device fast path (%s) vs reference: %.2fx faster "
		       "(execution times: %.2fx)\n", path_name(fpath),
		       ratio((double)rd, (double)d),
		       ratio((double)re, (double)e));
	tap(true, "resnet8 end to end: %u device (fast path %s), %u device "
	    "reference and %u host runs, every output equal to TFLM's",
	    reps, path_name(fpath), ref_net ? reps : 0, reps);
out:
	fflush(stdout);
	free(dev_ns);
	free(exec_ns);
	free(host_ns);
	free(ref_ns);
	free(rexec_ns);
	nnmem_net_close(dev_net);
	nnmem_net_close(host_net);
	nnmem_net_close(ref_net);
	if (dev)
		nnmem_close(dev);
	free(in);
	free(want);
}

/* ------------------------------------------------- (g) compaction */

/* Rounds of the compaction bench; regions of 1 to CB_MAX_KIB KiB. */
#define CB_ROUNDS	7U
#define CB_MAX_KIB	48U
#define CB_MAX_REGIONS	4096

/* Byte @i of region @h's pattern. */
static uint8_t cb_byte(uint32_t h, uint64_t i)
{
	return (uint8_t)(h * 131 + i * 7 + (i >> 8));
}

struct cb_round {
	uint64_t ns;		/* the COMPACT ioctl */
	uint64_t memmove_ns;	/* memmove() of as many bytes, here */
	struct nnmem_compact c;
	uint64_t largest_before, free_before;
};

/*
 * One round on @fd: fill the arena with regions of random sizes and kinds
 * holding patterns, free a random half of them, COMPACT both kinds (timed),
 * check every live region's bytes through READ and that the free space is
 * one extent, free everything, and time memmove() of the bytes the
 * compaction moved in pieces of its mean region size within @scratch.
 * Returns true if the checks passed.
 */
static bool cb_round(int fd, uint64_t arena, uint8_t *buf, uint8_t *scratch,
		     struct cb_round *r)
{
	static uint32_t h[CB_MAX_REGIONS];
	static uint64_t sz[CB_MAX_REGIONS];
	struct nnmem_usage u;
	uint64_t used = 0, i, piece, done, t0;
	size_t n = 0, k;
	bool ok = true;
	int err;

	memset(r, 0, sizeof(*r));
	while (n < CB_MAX_REGIONS && used < arena / 10 * 9) {
		uint64_t size = (1 + rnd() % CB_MAX_KIB) << 10;

		err = rnd() & 1 ? nt_activation(fd, size, 64, &h[n], NULL) :
				  nt_weight(fd, size, 64, &h[n], NULL);
		if (err == -ENOSPC)
			break;
		if (err) {
			loud("compaction: ALLOC: %s", strerror(-err));
			return false;
		}
		for (i = 0; i < size; i++)
			buf[i] = cb_byte(h[n], i);
		ok &= !nt_write(fd, h[n], 0, buf, size);
		sz[n++] = size;
		used += size;
	}
	for (k = 0; k < n; k++) {
		if (rnd() & 1)
			continue;
		ok &= !nt_free(fd, h[k]);
		h[k] = 0;
	}
	ok &= !nt_usage(fd, &u);
	r->largest_before = u.largest_free;
	r->free_before = u.free_bytes;

	r->c.kinds = NNMEM_COMPACT_WEIGHTS | NNMEM_COMPACT_ACTIVATIONS;
	t0 = nt_now_ns();
	err = nt_ioctl(fd, NNMEM_IOCTL_COMPACT, &r->c);
	r->ns = nt_now_ns() - t0;
	if (err) {
		loud("compaction: COMPACT: %s", strerror(-err));
		ok = false;
	}

	for (k = 0; k < n; k++) {
		if (!h[k])
			continue;
		if (nt_read(fd, h[k], 0, buf, sz[k]))
			ok = false;
		for (i = 0; i < sz[k] && buf[i] == cb_byte(h[k], i); i++)
			;
		if (i < sz[k]) {
			loud("compaction: region %u: byte %" PRIu64
			     " changed", h[k], i);
			ok = false;
		}
		ok &= !nt_free(fd, h[k]);
	}
	ok &= r->c.largest_free == r->c.free_bytes &&
	      r->c.free_bytes == r->free_before;

	/* the same bytes, moved down by memmove() in pieces of a region */
	piece = r->c.regions_moved ? r->c.bytes_moved / r->c.regions_moved : 0;
	t0 = nt_now_ns();
	for (done = 0; piece && done + piece <= r->c.bytes_moved;
	     done += piece)
		memmove(scratch + done % (arena - 2 * piece),
			scratch + done % (arena - 2 * piece) + piece / 2,
			piece);
	r->memmove_ns = nt_now_ns() - t0;
	return ok;
}

static int cmp_double_bench(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void compact_section(int index)
{
	double dev[CB_ROUNDS], mem[CB_ROUNDS], frac[CB_ROUNDS];
	struct cb_round r[CB_ROUNDS];
	uint8_t *buf = NULL, *scratch = NULL;
	struct nnmem_info info;
	unsigned int k;
	bool ok = true;
	int fd, err;

	fd = nt_open(index);
	if (fd < 0) {
		tap(false, "compaction: open: %s", strerror(-fd));
		return;
	}
	err = nt_info(fd, &info);
	if (!err && !(info.caps & NNMEM_CAP_COMPACT))
		err = -EOPNOTSUPP;
	if (err) {
		tap(false, "compaction: %s", strerror(-err));
		close(fd);
		return;
	}
	buf = malloc(CB_MAX_KIB << 10);
	scratch = malloc(info.arena_size);
	if (!buf || !scratch) {
		tap(false, "compaction: out of memory");
		goto out;
	}
	/* touched once: memmove() then runs on mapped pages, as the arena */
	memset(scratch, 1, info.arena_size);
	rng_state = 4242;
	for (k = 0; k < CB_ROUNDS; k++) {
		ok &= cb_round(fd, info.arena_size, buf, scratch, &r[k]);
		dev[k] = r[k].ns ? r[k].c.bytes_moved / (r[k].ns / 1e9) : 0;
		mem[k] = r[k].memmove_ns ?
			 r[k].c.bytes_moved / (r[k].memmove_ns / 1e9) : 0;
		frac[k] = r[k].free_before ?
			  (double)r[k].largest_before / r[k].free_before : 0;
	}
	tap(ok, "compaction: %u rounds of a fragmented %" PRIu64 " KiB arena "
	    "compacted through the device: every live region's bytes kept, "
	    "the free space one extent afterwards", CB_ROUNDS,
	    (uint64_t)(info.arena_size >> 10));

	printf("# (g) compaction through the device (NNMEM_IOCTL_COMPACT, both "
	       "kinds): %u rounds of\n#     regions of 1-%u KiB filling 90%% "
	       "of the arena, a random half freed\n", CB_ROUNDS, CB_MAX_KIB);
	printf("# %5s %8s %10s %14s %12s %12s %10s\n", "round", "regions",
	       "moved KiB", "largest free", "COMPACT", "memmove", "COMPACT/");
	printf("# %5s %8s %10s %14s %12s %12s %10s\n", "", "moved", "",
	       "before/after", "MiB/s", "MiB/s", "memmove");
	for (k = 0; k < CB_ROUNDS; k++)
		printf("# %5u %8u %10" PRIu64 " %6.0f%%/%5.0f%% %12.1f %12.1f "
		       "%9.2fx\n", k, r[k].c.regions_moved,
		       (uint64_t)(r[k].c.bytes_moved >> 10), frac[k] * 100,
		       r[k].c.free_bytes ? 100.0 * r[k].c.largest_free /
					   r[k].c.free_bytes : 0,
		       dev[k] / (1 << 20), mem[k] / (1 << 20),
		       ratio(dev[k], mem[k]));
	qsort(dev, CB_ROUNDS, sizeof(*dev), cmp_double_bench);
	qsort(mem, CB_ROUNDS, sizeof(*mem), cmp_double_bench);
	printf("# median: COMPACT %.1f MiB/s, memmove %.1f MiB/s in this "
	       "process: %.2fx\n", dev[CB_ROUNDS / 2] / (1 << 20),
	       mem[CB_ROUNDS / 2] / (1 << 20),
	       ratio(dev[CB_ROUNDS / 2], mem[CB_ROUNDS / 2]));
	fflush(stdout);
out:
	free(buf);
	free(scratch);
	close(fd);
}

/* ------------------------------------------------- (f) scheduling */

#define SCHED_WINDOW		64	/* NNMEM_SESSION_MAX_JOBS */
#define SCHED_MAX_SAMPLES	4096
#define SCHED_FLOOD_DUR		65536

/* What the flooding child shares with the bench (MAP_SHARED). */
struct sched_flood {
	int ready, stop, err;
	uint32_t n;
	uint64_t dur[SCHED_FLOOD_DUR];
};

/* A 3x3 conv, 1xHxHxC -> C, on @g; graph in *@graph. */
static int sched_graph(struct gk *g, uint32_t h, uint32_t c, uint32_t *graph)
{
	struct gk_conv_spec s;
	int node;

	memset(&s, 0, sizeof(s));
	s.n = 1;
	s.h = h;
	s.w = h;
	s.c = c;
	s.oc = c;
	s.kh = c > 8 ? 3 : 1;
	s.kw = s.kh;
	s.pad_top = s.pad_bottom = s.pad_left = s.pad_right = s.kh / 2;
	s.f_lo = -8;
	s.f_hi = 8;
	s.shift_lo = -10;
	s.shift_hi = -9;
	s.seed = 31;
	s.input = -1;
	return conv_setup(g, &s, &node, graph);
}

/* The flooder: keeps SCHED_WINDOW jobs queued until told to stop. */
static void sched_flood_child(int index, struct sched_flood *f)
{
	uint64_t ring[SCHED_WINDOW];
	uint32_t head = 0, out = 0, graph;
	struct nnmem_wait w;
	struct gk g;
	int fd, err;

	fd = nt_open(index);
	if (fd < 0)
		_exit(1);
	gk_init(&g, fd);
	err = sched_graph(&g, 16, 16, &graph);
	while (!err && out < SCHED_WINDOW) {
		err = nt_submit(fd, graph, &ring[out]);
		out++;
	}
	__atomic_store_n(&f->ready, 1, __ATOMIC_RELEASE);
	while (!err && !__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		err = nt_wait(fd, ring[head], NNMEM_WAIT_FOREVER, &w);
		if (!err)
			err = w.status;
		if (err)
			break;
		if (f->n < SCHED_FLOOD_DUR)
			f->dur[f->n++] = w.duration_ns;
		err = nt_submit(fd, graph, &ring[head]);
		head = (head + 1) % SCHED_WINDOW;
	}
	f->err = err;
	_exit(err ? 1 : 0);	/* the close cancels what is still queued */
}

static int sched_policy_set(int index, const char *policy)
{
	char path[64];
	FILE *fp;
	int err;

	snprintf(path, sizeof(path), "/sys/class/nnmem/nnmem%d/sched", index);
	fp = fopen(path, "w");
	if (!fp)
		return -errno;
	err = fputs(policy, fp) < 0 ? -EIO : 0;
	if (fclose(fp) && !err)
		err = -errno;
	return err;
}

struct sched_result {
	size_t n;
	uint64_t med, p90, flood_med;
};

/*
 * Under @policy: light sync RUNs of @graph on @fd for about @secs beside
 * a flooding child. Returns 0 or a negative errno.
 */
static int sched_measure(int index, int fd, uint32_t graph,
			 const char *policy, double secs, uint64_t *v,
			 struct sched_result *r)
{
	struct sched_flood *f;
	uint64_t start, t0, limit = (uint64_t)(secs * 1e9);
	int err, status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	err = sched_policy_set(index, policy);
	if (err)
		return err;
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f == MAP_FAILED)
		return -ENOMEM;
	memset(f, 0, sizeof(*f));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		munmap(f, sizeof(*f));
		return -errno;
	}
	if (pid == 0)
		sched_flood_child(index, f);
	start = nt_now_ns();
	while (!__atomic_load_n(&f->ready, __ATOMIC_ACQUIRE) &&
	       nt_now_ns() - start < 60 * 1000000000ULL)
		usleep(1000);
	start = nt_now_ns();
	while (!err && f->ready && r->n < SCHED_MAX_SAMPLES &&
	       (r->n < 10 || nt_now_ns() - start < limit)) {
		t0 = nt_now_ns();
		err = nt_run(fd, graph, NULL);
		v[r->n++] = nt_now_ns() - t0;
	}
	__atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
	if (waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		err = err ? err : (f->err ? f->err : -ECHILD);
	if (!f->ready)
		err = err ? err : -ETIMEDOUT;
	r->med = median(v, r->n);
	r->p90 = percentile(v, r->n, 90);
	r->flood_med = median(f->dur, f->n);
	munmap(f, sizeof(*f));
	return err;
}

static void sched_section(int index, double secs)
{
	static const char *const policies[] = { "fifo", "fair" };
	struct sched_result r[2];
	uint64_t *v = calloc(SCHED_MAX_SAMPLES, sizeof(*v));
	uint32_t graph = 0;
	unsigned int k;
	int fd, err;
	struct gk g;

	if (!v) {
		err = -ENOMEM;
		goto fail;
	}
	fd = nt_open(index);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	gk_init(&g, fd);
	/* the light job: a 1x1x1x8 input through a 1x1 conv, 64 MACs */
	err = sched_graph(&g, 1, 8, &graph);
	for (k = 0; !err && k < 2; k++)
		err = sched_measure(index, fd, graph, policies[k], secs, v,
				    &r[k]);
	sched_policy_set(index, "fair");
	if (graph)
		nt_graph_destroy(fd, graph);
	gk_fini(&g);
	close(fd);
	if (err)
		goto fail;
	free(v);
	tap(true, "scheduling: every light RUN and flood job succeeded under "
	    "fifo and fair");
	printf("# (f) sync RUN latency of a light session (64 MACs) beside a "
	       "flooding one (64 jobs\n#     of 590 k MACs queued), in "
	       "flood jobs (the flood's median job time)\n");
	printf("# %-6s %8s %12s %12s %12s %10s %10s\n", "policy", "samples",
	       "flood job", "median", "p90", "median/", "p90/");
	printf("# %-6s %8s %12s %12s %12s %10s %10s\n", "", "", "", "", "",
	       "flood job", "flood job");
	for (k = 0; k < 2; k++)
		printf("# %-6s %8zu %9.1f us %9.1f us %9.1f us %9.2fx %9.2fx\n",
		       policies[k], r[k].n, r[k].flood_med / 1e3,
		       r[k].med / 1e3, r[k].p90 / 1e3,
		       ratio((double)r[k].med, (double)r[k].flood_med),
		       ratio((double)r[k].p90, (double)r[k].flood_med));
	printf("# fifo's median latency over fair's: %.1fx\n",
	       ratio((double)r[0].med, (double)r[1].med));
	fflush(stdout);
	return;
fail:
	free(v);
	loud("scheduling: %s", strerror(-err));
	tap(false, "scheduling: %s", strerror(-err));
}

int main(int argc, char **argv)
{
	const char *models = getenv("NNMEM_MODELS");
	unsigned int reps = 7, net_reps = 15;
	double secs = 1.0;
	bool rt_only = false, compact_only = false;
	int index = 0, opt, fd;
	cpu_set_t cpus;
	char *end;

	if (!models || !*models)
		models = "/models";
	while ((opt = getopt(argc, argv, "d:s:r:n:m:RC")) != -1) {
		switch (opt) {
		case 'd':
			index = (int)strtol(optarg, &end, 10);
			if (*end || index < 0)
				goto usage;
			break;
		case 's':
			secs = strtod(optarg, &end);
			if (*end || !(secs > 0))
				goto usage;
			break;
		case 'r':
			reps = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !reps || reps > 1000)
				goto usage;
			break;
		case 'n':
			net_reps = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !net_reps || net_reps > 1000)
				goto usage;
			break;
		case 'm':
			models = optarg;
			break;
		case 'R':
			rt_only = true;
			break;
		case 'C':
			compact_only = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;

	printf("TAP version 13\n");
	printf("# nnmem device_bench on /dev/nnmem%d: the device against the "
	       "same C in userspace,\n# measured side by side in this one "
	       "process. Under emulation (QEMU TCG) absolute\n# figures are "
	       "meaningless; the ratios are the point.\n", index);
	if (!sched_getaffinity(0, sizeof(cpus), &cpus))
		printf("# %ld CPUs online; this process may run on %d of them\n",
		       sysconf(_SC_NPROCESSORS_ONLN), CPU_COUNT(&cpus));
	fflush(stdout);
	fd = nt_open(index);
	if (fd < 0) {
		printf("1..1\n");
		loud("open /dev/nnmem%d: %s", index, strerror(-fd));
		tap(false, "open /dev/nnmem%d: %s", index, strerror(-fd));
		printf("0 passed, 1 failed\n");
		return 1;
	}
	/*
	 * One result per conv shape, one for the round trips, one per count,
	 * one for zeroing, one for ResNet-8, one for compaction, one for
	 * scheduling.
	 */
	if (rt_only) {
		printf("1..1\n");
		rt_section(fd, secs);
		close(fd);
	} else if (compact_only) {
		printf("1..1\n");
		close(fd);
		compact_section(index);
	} else {
		printf("1..%zu\n", ARRAY_SIZE(conv_cases) + 1 +
		       ARRAY_SIZE(alloc_lives) + ARRAY_SIZE(tiny_lives) + 4);
		conv_section(fd, reps);
		rt_section(fd, secs);
		close(fd);
		alloc_section(index, secs, alloc_lives,
			      ARRAY_SIZE(alloc_lives), false);
		alloc_section(index, secs, tiny_lives, ARRAY_SIZE(tiny_lives),
			      true);
		zero_section(index, secs);
		net_section(index, net_reps, models);
		compact_section(index);
		sched_section(index, secs);
	}

	if (tap_failed)
		printf("# *** %u correctness check(s) FAILED: the figures above "
		       "are not to be trusted\n", tap_failed);
	printf("%u passed, %u failed", tap_n - tap_failed - tap_skipped,
	       tap_failed);
	if (tap_skipped)
		printf(", %u skipped", tap_skipped);
	putchar('\n');
	return tap_failed ? 1 : 0;

usage:
	fprintf(stderr, "usage: %s [-d INDEX] [-s SECONDS] [-r REPS] [-n RUNS] [-m DIR] [-R] [-C]\n",
		argv[0]);
	return 2;
}
