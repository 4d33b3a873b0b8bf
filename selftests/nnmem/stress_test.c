// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem stress (plain TAP): several processes x threads at once, for a
 * bounded time. Three processes use nnmem0 only, two use nnmem0 and
 * nnmem1; each has two threads sharing the process's files, each thread
 * owns its regions. A thread loops: allocate a region (random size, kind,
 * mappable or not) and fill it with its own pattern (by WRITE or through
 * a mapping); verify a region byte by byte (READ, and through a fresh
 * mapping when mappable); rewrite part of one through a mapping and check
 * it by READ; build an add graph over three slices of an activation
 * region, run it (sync or async + WAIT) and check the output against the
 * driver's own int8 add run in userspace; free a region after a last
 * check. Every byte of every region is kept in a host copy, so any byte
 * another thread, process or job changed is caught. ENOSPC is expected
 * (the arena fills up); any other error fails.
 *
 * At the end every process closes its files and both devices' usage must
 * be back to empty. Prints processes x threads x seconds, operations
 * checked and bytes verified, also as "# figure: key=value" lines.
 *
 * Environment: NNMEM_STRESS_SECONDS (default 20 when
 * NNMEM_KERNEL=debug-6.12, else 5), NNMEM_STRESS_SEED. Expects nnmem
 * loaded with devices=2, nothing allocated, root.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "nnmem_kernels.h"
#include "nnmem_test.h"

#define ST_PROCS_ONE	3	/* on nnmem0 */
#define ST_PROCS_TWO	2	/* on nnmem0 and nnmem1 */
#define ST_PROCS	(ST_PROCS_ONE + ST_PROCS_TWO)
#define ST_THREADS	2
#define ST_REGIONS	10	/* per thread */
#define ST_MAX_SIZE	(64 * 1024)

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	printf("# WARN_ON(%s) at %s:%d\n", cond, file, line);
}

/* Shared with the parent (MAP_SHARED): one per process. */
struct st_result {
	unsigned long ops;	/* operations whose result was checked */
	unsigned long long bytes;	/* bytes compared */
	unsigned long enospc;
	unsigned long runs;
	unsigned long failures;
};

struct st_region {
	uint32_t handle;
	int dev;		/* index into the process's files */
	uint32_t kind;
	bool mappable;
	uint64_t size, span;
	uint64_t mmap_offset;
	uint8_t *host;		/* what the region must hold */
};

struct st_thread {
	pthread_t tid;
	int *fds;
	int nfds;
	uint64_t seed;
	uint64_t deadline;
	struct st_result res;
	struct st_region reg[ST_REGIONS];
};

static uint64_t st_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t st_below(uint64_t *s, uint64_t n)
{
	return st_rand(s) % n;
}

static void st_fail(struct st_thread *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (t->res.failures++ < 5) {
		printf("# pid %d: %s\n", (int)getpid(), msg);
		fflush(stdout);
	}
}

static void st_fill(struct st_thread *t, uint8_t *p, uint64_t n)
{
	uint64_t i, v = st_rand(&t->seed);

	for (i = 0; i < n; i++) {
		if (!(i & 7))
			v = st_rand(&t->seed);
		p[i] = (uint8_t)(v >> (8 * (i & 7)));
	}
}

static int st_map(struct st_thread *t, struct st_region *r, uint8_t **p)
{
	void *m = mmap(NULL, r->span, PROT_READ | PROT_WRITE, MAP_SHARED,
		       t->fds[r->dev], (off_t)r->mmap_offset);

	if (m == MAP_FAILED)
		return -errno;
	*p = m;
	return 0;
}

/* The region's bytes equal the host copy: by READ and by a mapping. */
static void st_verify(struct st_thread *t, struct st_region *r,
		      const char *when)
{
	uint8_t *buf = malloc(r->size), *m;
	uint64_t i;
	int err;

	if (!buf) {
		st_fail(t, "out of memory");
		return;
	}
	err = nt_read(t->fds[r->dev], r->handle, 0, buf, r->size);
	t->res.ops++;
	if (err) {
		st_fail(t, "%s: READ of handle %u: %s", when, r->handle,
			strerror(-err));
	} else if (memcmp(buf, r->host, r->size)) {
		for (i = 0; buf[i] == r->host[i]; i++)
			;
		st_fail(t, "%s: handle %u byte %" PRIu64 " of %" PRIu64 " is %#x, wrote %#x",
			when, r->handle, i, r->size, buf[i], r->host[i]);
	} else {
		t->res.bytes += r->size;
	}
	free(buf);
	if (!r->mappable)
		return;
	err = st_map(t, r, &m);
	t->res.ops++;
	if (err) {
		st_fail(t, "%s: mmap of handle %u: %s", when, r->handle,
			strerror(-err));
		return;
	}
	if (memcmp(m, r->host, r->size))
		st_fail(t, "%s: handle %u differs through its mapping", when,
			r->handle);
	else
		t->res.bytes += r->size;
	/* the page tail past the size belongs to the region too */
	munmap(m, r->span);
}

static void st_alloc(struct st_thread *t, struct st_region *r)
{
	uint64_t size = 1 + st_below(&t->seed, ST_MAX_SIZE);
	uint32_t kind = 1 + (uint32_t)st_below(&t->seed, 2);
	bool mappable = st_below(&t->seed, 2);
	int dev = (int)st_below(&t->seed, (uint64_t)t->nfds);
	struct nnmem_region_info ri;
	uint8_t *m;
	int err;

	err = nt_alloc(t->fds[dev], size, 0, kind,
		       mappable ? NNMEM_ALLOC_MAPPABLE : 0, "stress",
		       &r->handle, NULL);
	t->res.ops++;
	if (err == -ENOSPC) {
		t->res.enospc++;
		return;
	}
	if (err) {
		st_fail(t, "ALLOC %" PRIu64 " bytes: %s", size, strerror(-err));
		return;
	}
	err = nt_region_info(t->fds[dev], r->handle, &ri);
	if (err || ri.size != size || ri.kind != kind) {
		st_fail(t, "REGION_INFO of new handle %u: %d", r->handle, err);
		return;
	}
	r->dev = dev;
	r->kind = kind;
	r->mappable = mappable;
	r->size = size;
	r->span = ri.span;
	r->mmap_offset = ri.mmap_offset;
	r->host = malloc(size);
	if (!r->host) {
		st_fail(t, "out of memory");
		return;
	}
	st_fill(t, r->host, size);
	if (mappable && st_below(&t->seed, 2)) {
		err = st_map(t, r, &m);
		if (!err) {
			memcpy(m, r->host, size);
			munmap(m, r->span);
		}
	} else {
		err = nt_write(t->fds[dev], r->handle, 0, r->host, size);
	}
	t->res.ops++;
	if (err)
		st_fail(t, "filling handle %u: %s", r->handle, strerror(-err));
}

static void st_free(struct st_thread *t, struct st_region *r)
{
	int err;

	st_verify(t, r, "before FREE");
	err = nt_free(t->fds[r->dev], r->handle);
	t->res.ops++;
	if (err)
		st_fail(t, "FREE of handle %u: %s", r->handle, strerror(-err));
	free(r->host);
	r->host = NULL;
}

/* Rewrite a random part of a mappable region through a mapping. */
static void st_rewrite(struct st_thread *t, struct st_region *r)
{
	uint64_t off = st_below(&t->seed, r->size);
	uint64_t len = 1 + st_below(&t->seed, r->size - off);
	uint8_t *m;
	int err;

	err = st_map(t, r, &m);
	t->res.ops++;
	if (err) {
		st_fail(t, "mmap of handle %u: %s", r->handle, strerror(-err));
		return;
	}
	st_fill(t, r->host + off, len);
	memcpy(m + off, r->host + off, len);
	munmap(m, r->span);
	st_verify(t, r, "after writing through a mapping");
}

/*
 * out = in1 + in2 over three n-byte slices of an activation region, on
 * the device and with the driver's own kernel here; compare.
 */
static void st_graph(struct st_thread *t, struct st_region *r)
{
	struct nnmem_add_params p = {
		.left_shift = 20,
		.input1_multiplier = 1 << 30, .input1_shift = -1,
		.input2_multiplier = 1 << 30, .input2_shift = -1,
		.output_multiplier = 1 << 30, .output_shift = 0,
		.act_min = -128, .act_max = 127,
	};
	uint32_t n = (uint32_t)(r->size / 3), k, graph;
	struct nnmem_graph_create gc;
	struct nnmem_tensor tn[3];
	struct nnmem_node node;
	struct nnmem_wait w;
	uint64_t job;
	int err, fd = t->fds[r->dev];

	if (n > 4096)
		n = 4096;
	memset(tn, 0, sizeof(tn));
	for (k = 0; k < 3; k++) {
		tn[k].handle = r->handle;
		tn[k].type = NNMEM_TYPE_INT8;
		tn[k].offset = (uint64_t)k * n;
		tn[k].ndims = 1;
		tn[k].dims[0] = n;
	}
	memset(&node, 0, sizeof(node));
	node.op = NNMEM_OP_ADD;
	node.add.input1 = 0;
	node.add.input2 = 1;
	node.add.output = 2;
	node.add.left_shift = p.left_shift;
	node.add.input1_multiplier = p.input1_multiplier;
	node.add.input1_shift = p.input1_shift;
	node.add.input2_multiplier = p.input2_multiplier;
	node.add.input2_shift = p.input2_shift;
	node.add.output_multiplier = p.output_multiplier;
	node.add.output_shift = p.output_shift;
	node.add.act_min = p.act_min;
	node.add.act_max = p.act_max;
	err = nt_graph_create(fd, tn, 3, &node, 1, &gc);
	t->res.ops++;
	if (err) {
		st_fail(t, "GRAPH_CREATE: %s (reason %u)", strerror(-err),
			gc.err_reason);
		return;
	}
	graph = gc.graph;
	/* a region a graph uses cannot be freed */
	err = nt_free(fd, r->handle);
	t->res.ops++;
	if (err != -EBUSY)
		st_fail(t, "FREE of a graph's region: %d, not -EBUSY", err);

	if (st_below(&t->seed, 2)) {
		err = nt_run(fd, graph, NULL);
	} else {
		err = nt_submit(fd, graph, &job);
		if (!err) {
			err = nt_wait(fd, job, NNMEM_WAIT_FOREVER, &w);
			if (!err)
				err = w.status;
		}
	}
	t->res.ops++;
	t->res.runs++;
	if (err) {
		st_fail(t, "RUN: %s", strerror(-err));
	} else {
		nnmem_add_run(&p, (const s8 *)r->host, n,
			      (const s8 *)r->host + n, n,
			      (s8 *)r->host + 2 * n, NULL);
		st_verify(t, r, "after an add job");
	}
	err = nt_graph_destroy(fd, graph);
	t->res.ops++;
	if (err)
		st_fail(t, "GRAPH_DESTROY: %s", strerror(-err));
}

static void *st_thread_fn(void *arg)
{
	struct st_thread *t = arg;
	struct st_region *r;
	int i;

	while (nt_now_ns() < t->deadline && t->res.failures < 20) {
		r = &t->reg[st_below(&t->seed, ST_REGIONS)];
		if (!r->host) {
			st_alloc(t, r);
			continue;
		}
		switch (st_below(&t->seed, 8)) {
		case 0:
		case 1:
			st_verify(t, r, "verify");
			break;
		case 2:
			if (r->mappable)
				st_rewrite(t, r);
			else
				st_verify(t, r, "verify");
			break;
		case 3:
			if (r->kind == NNMEM_KIND_ACTIVATION && r->size >= 3)
				st_graph(t, r);
			break;
		default:
			st_free(t, r);
			break;
		}
	}
	for (i = 0; i < ST_REGIONS; i++)
		if (t->reg[i].host)
			st_free(t, &t->reg[i]);
	return NULL;
}

static int st_process(int devs, uint64_t seed, uint64_t deadline,
		      struct st_result *out)
{
	struct st_thread *t = calloc(ST_THREADS, sizeof(*t));
	int fds[2], i;

	if (!t)
		return 1;
	for (i = 0; i < devs; i++) {
		fds[i] = nt_open(i);
		if (fds[i] < 0) {
			printf("# open nnmem%d: %s\n", i, strerror(-fds[i]));
			return 1;
		}
	}
	for (i = 0; i < ST_THREADS; i++) {
		t[i].fds = fds;
		t[i].nfds = devs;
		t[i].seed = seed * 1000 + (uint64_t)i;
		t[i].deadline = deadline;
		if (pthread_create(&t[i].tid, NULL, st_thread_fn, &t[i]))
			return 1;
	}
	for (i = 0; i < ST_THREADS; i++) {
		pthread_join(t[i].tid, NULL);
		out->ops += t[i].res.ops;
		out->bytes += t[i].res.bytes;
		out->enospc += t[i].res.enospc;
		out->runs += t[i].res.runs;
		out->failures += t[i].res.failures;
	}
	for (i = 0; i < devs; i++)
		close(fds[i]);
	free(t);
	return 0;
}

static bool st_empty(int dev)
{
	struct nnmem_usage u;
	int fd = nt_open(dev), err;

	if (fd < 0)
		return false;
	err = nt_usage(fd, &u);
	close(fd);
	if (err || !nt_usage_empty(&u)) {
		printf("# nnmem%d not empty: weight %llu activation %llu deferred %u\n",
		       dev, (unsigned long long)u.weight_bytes,
		       (unsigned long long)u.activation_bytes,
		       u.deferred_regions);
		return false;
	}
	return true;
}

int main(void)
{
	const char *kernel = getenv("NNMEM_KERNEL"), *env;
	struct st_result *res, sum[2];
	int secs, i, status, fails = 0, exits = 0;
	pid_t pid[ST_PROCS];
	uint64_t seed, deadline;

	env = getenv("NNMEM_STRESS_SECONDS");
	secs = env ? atoi(env) :
	       kernel && !strcmp(kernel, "debug-6.12") ? 20 : 5;
	env = getenv("NNMEM_STRESS_SEED");
	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	printf("TAP version 13\n1..3\n");
	printf("# seed %" PRIu64 " (NNMEM_STRESS_SEED), %d s\n", seed, secs);
	fflush(stdout);

	res = mmap(NULL, ST_PROCS * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return 1;
	memset(res, 0, ST_PROCS * sizeof(*res));
	deadline = nt_now_ns() + (uint64_t)secs * 1000000000ULL;
	for (i = 0; i < ST_PROCS; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			_exit(st_process(i < ST_PROCS_ONE ? 1 : 2,
					 seed + (uint64_t)i, deadline,
					 &res[i]));
	}
	for (i = 0; i < ST_PROCS; i++) {
		if (pid[i] < 0 || waitpid(pid[i], &status, 0) != pid[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# process %d did not finish cleanly\n", i);
			exits++;
		}
	}
	memset(sum, 0, sizeof(sum));
	for (i = 0; i < ST_PROCS; i++) {
		struct st_result *s = &sum[i < ST_PROCS_ONE ? 0 : 1];

		s->ops += res[i].ops;
		s->bytes += res[i].bytes;
		s->enospc += res[i].enospc;
		s->runs += res[i].runs;
		s->failures += res[i].failures;
	}
	for (i = 0; i < 2; i++) {
		bool ok = !sum[i].failures && !exits && sum[i].ops;

		fails += !ok;
		printf("%s %d stress: %d processes x %d threads on %s for %d s: %lu operations checked, %llu bytes verified, %lu add jobs, %lu ENOSPC\n",
		       ok ? "ok" : "not ok", i + 1,
		       i ? ST_PROCS_TWO : ST_PROCS_ONE, ST_THREADS,
		       i ? "nnmem0 and nnmem1" : "nnmem0", secs, sum[i].ops,
		       sum[i].bytes, sum[i].runs, sum[i].enospc);
	}
	printf("# figure: layout=%dx%d\n", ST_PROCS, ST_THREADS);
	printf("# figure: seconds=%d\n", secs);
	printf("# figure: operations_checked=%lu\n", sum[0].ops + sum[1].ops);
	printf("# figure: bytes_verified=%llu\n", sum[0].bytes + sum[1].bytes);
	printf("# figure: add_jobs=%lu\n", sum[0].runs + sum[1].runs);
	if (st_empty(0) && st_empty(1)) {
		printf("ok 3 stress: usage back to empty on both devices\n");
	} else {
		fails++;
		printf("not ok 3 stress: usage back to empty on both devices\n");
	}
	printf("%d passed, %d failed\n", 3 - fails, fails);
	return fails ? 1 : 0;
}
