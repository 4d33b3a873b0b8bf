// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem jobs: sync and async runs give the userspace reference's bytes;
 * poll, wait deadlines, cancellation of queued and running jobs, reaping,
 * signals, killed and closing sessions, concurrent sessions, the job limit,
 * per-node times and MAC counts. Expects nnmem loaded and nothing
 * allocated when each test starts.
 *
 * Long jobs are chains of 1x64x64x64 3x3 64->64 convolutions (151M MACs
 * each). Tests never sleep for a fixed time to let a job finish: they
 * wait on the job or poll with a bounded timeout, and cancel long jobs as
 * soon as they have shown what they are for, so the suite stays quick on
 * slow (emulated, KASAN) kernels too. A test that means to stop a running
 * job first makes sure it runs: the device's jobs_running counter says 1,
 * jobs_queued 0, and WAIT with deadline 0 says -ETIME.
 *
 * The giant conv (defect 2) is one output row of 16,890 elements, each a
 * 32768-tap filter over 16 channels: 8.9e9 MACs, about half a minute of
 * CPU even without KASAN, which no row-based check ever interrupted. It
 * must stop within a second of CANCEL, SIGKILL or close(), and not hold
 * up another session's job longer.
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <nnmem/libnnmem.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"
#include "graph_kit.h"

/* Generous bound for any wait that must end, even under TCG + KASAN. */
#define JOB_TIMEOUT_NS	(600ULL * 1000000000ULL)
#define MS		1000000ULL

/* 1x64x64x64, 3x3, 64 -> 64, SAME */
#define LONG_HW		64
#define LONG_C		64
#define LONG_MACS	((uint64_t)LONG_HW * LONG_HW * LONG_C * 9 * LONG_C)

/* 1x1x49657x16 input, 1x1x32768x16 filter, one output channel */
#define GIANT_W		49657
#define GIANT_K		32768
#define GIANT_C		16
#define GIANT_MACS	((uint64_t)(GIANT_W - GIANT_K + 1) * GIANT_K * GIANT_C)
/* How long a giant job may take to stop, and a started job to be seen. */
#define STOP_NS		(1000 * MS)
#define START_MS	10000

#define SYSFS_DEV0	"/sys/class/nnmem/nnmem0/"

/* A counter of /sys/class/nnmem/nnmem0/, or -1 if it cannot be read. */
static long long dev_stat(const char *name)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYSFS_DEV0 "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/*
 * Waits up to @ms until the device's worker runs a job and has none
 * queued, and (with @fd >= 0) WAIT with deadline 0 says @job is not done:
 * the only job there is, @job, has started and not finished.
 */
static bool job_running_within(int fd, uint64_t job, int ms)
{
	uint64_t end = nt_now_ns() + (uint64_t)ms * MS;
	struct nnmem_wait w;

	for (;;) {
		if (dev_stat("jobs_running") == 1 &&
		    dev_stat("jobs_queued") == 0 &&
		    (fd < 0 || nt_wait(fd, job, 0, &w) == -ETIME))
			return true;
		if (nt_now_ns() > end)
			return false;
		usleep(1000);
	}
}

/* The giant conv of defect 2, data uploaded. */
static int giant_graph(struct gk *g)
{
	struct gk_conv_spec s = {
		.n = 1, .h = 1, .w = GIANT_W, .c = GIANT_C, .oc = 1,
		.kh = 1, .kw = GIANT_K, .f_lo = -8, .f_hi = 8,
		.shift_lo = -24, .shift_hi = -23, .seed = 4242, .input = -1,
	};
	int n;

	n = gk_conv(g, &s);
	if (n < 0)
		return n;
	return gk_upload(g);
}

/* y = x + x over 16 int8 values: a job of 16 MACs. */
static int tiny_add_graph(struct gk *g)
{
	uint32_t dims[1] = { 16 };
	struct nnmem_node node;
	int x, y;

	x = gk_tensor_own(g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8, 0, 1,
			  dims);
	if (x < 0)
		return x;
	y = gk_tensor_own(g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8, 0, 1,
			  dims);
	if (y < 0)
		return y;
	gk_fill(g, x, 5, -60, 60);
	memset(gk_host(g, y), GK_POISON, gk_bytes(g, y));
	memset(&node, 0, sizeof(node));
	node.op = NNMEM_OP_ADD;
	node.add = nt_add_params((uint32_t)x, (uint32_t)x, (uint32_t)y);
	if (gk_node(g, &node) < 0)
		return -ENOSPC;
	return gk_upload(g);
}

/* Frees a kit's host copies only: its regions died with their session. */
static void gk_forget(struct gk *g)
{
	uint32_t i;

	for (i = 0; i < g->nr; i++)
		free(g->reg[i].host);
	g->nr = 0;
}

/*
 * A chain of @nodes long convolutions sharing one filter; returns 0 or a
 * negative errno.
 */
static int long_graph(struct gk *g, uint32_t nodes)
{
	struct gk_conv_spec s = {
		.n = 1, .h = LONG_HW, .w = LONG_HW, .c = LONG_C, .oc = LONG_C,
		.kh = 3, .kw = 3, .pad_top = 1, .pad_bottom = 1,
		.pad_left = 1, .pad_right = 1, .f_lo = -8, .f_hi = 8,
		.bias_lo = -1000, .bias_hi = 1000, .shift_lo = -10,
		.shift_hi = -9, .seed = 77, .input = -1,
	};
	uint32_t i;
	int n, out;

	n = gk_conv(g, &s);
	if (n < 0)
		return n;
	for (i = 1; i < nodes; i++) {
		struct nnmem_node node = g->n[n];

		out = gk_tensor_own(g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8,
				    0, 4, g->t[node.conv2d.output].dims);
		if (out < 0)
			return out;
		memset(gk_host(g, out), GK_POISON, gk_bytes(g, out));
		node.conv2d.input = node.conv2d.output;
		node.conv2d.output = (uint32_t)out;
		n = gk_node(g, &node);
		if (n < 0)
			return n;
	}
	return gk_upload(g);
}

/*
 * A small block: Conv0 -> Conv1 -> Add(Conv1, skip) over 1x16x16x16 (with
 * @with_add false: just the two convolutions), uploaded.
 */
static int small_graph(struct gk *g, uint64_t seed, bool with_add)
{
	int ret = gk_block(g, 16, 16, seed, with_add);

	return ret ? ret : gk_upload(g);
}

/* Poll @fd for POLLIN for up to @timeout_ms; returns poll()'s result. */
static int poll_in(int fd, int timeout_ms, short *revents)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	ret = poll(&p, 1, timeout_ms);
	*revents = p.revents;
	return ret;
}

/* Wait for usage of the device to come back to empty, up to @ms. */
static bool usage_empty_within(int fd, int ms)
{
	struct nnmem_usage u;

	for (;;) {
		if (!nt_usage(fd, &u) && nt_usage_empty(&u))
			return true;
		if (ms <= 0)
			return false;
		usleep(10000);
		ms -= 10;
	}
}

/*
 * Forks a child that runs a graph (@giant: giant_graph(), else a 4-node
 * long_graph()) synchronously in a session of its own until it is killed;
 * returns its pid once it has built the graph and is about to run it.
 */
static pid_t fork_runner(struct __test_metadata *_metadata, bool giant)
{
	int pipefd[2];
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct gk g;
		uint32_t cg;
		int fd = nt_open(0);

		gk_init(&g, fd);
		if (fd < 0 || (giant ? giant_graph(&g) : long_graph(&g, 4)) ||
		    gk_create(&g, &cg))
			_exit(1);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(1);
		nt_run(fd, cg, NULL);	/* killed in here */
		_exit(2);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	ASSERT_EQ('r', c);
	close(pipefd[0]);
	return pid;
}

FIXTURE(job) {
	int fd;
	struct nnmem_info info;
	struct gk g;
};

FIXTURE_SETUP(job)
{
	struct nnmem_usage u;

	NT_SETUP_SESSION(self->fd, &self->info, &u);
	ASSERT_NE(0, self->info.caps & NNMEM_CAP_GRAPH);
	gk_init(&self->g, self->fd);
}

FIXTURE_TEARDOWN(job)
{
	/* all jobs reaped and graphs destroyed: every region frees */
	EXPECT_EQ(0, gk_fini(&self->g));
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(job, sync_and_async_results_equal_the_reference)
{
	struct nnmem_job_result res;
	uint8_t **sync_img = NULL, **async_img = NULL;
	char msg[160];
	uint32_t graph, i;
	uint64_t job;

	ASSERT_EQ(0, small_graph(&self->g, 10, true));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_run(self->fd, graph, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) {
		TH_LOG("sync: %s", msg);
	}
	ASSERT_EQ(0, gk_read(&self->g, &sync_img));
	/* poison the outputs again, then the same graph asynchronously */
	ASSERT_EQ(0, gk_upload(&self->g));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	ASSERT_NE(0, job);
	ASSERT_EQ(0, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, NULL));
	ASSERT_EQ(0, gk_read(&self->g, &async_img));
	for (i = 0; i < self->g.nn; i++)
		ASSERT_EQ(0, gk_diff(&self->g, sync_img, async_img,
				     (int)gk_node_output(&self->g, (int)i),
				     msg, sizeof(msg))) {
			TH_LOG("node %u: %s", i, msg);
		}
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg)));
	gk_images_free(&self->g, sync_img);
	gk_images_free(&self->g, async_img);
	/* and through libnnmem */
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	{
		struct nnmem_dev *d;

		/* libnnmem over our own fd would close it: a new session */
		ASSERT_EQ(0, nnmem_open(0, &d));
		ASSERT_EQ(-ENOENT, nnmem_job_wait(d, job, 0, NULL, 0, &res));
		nnmem_close(d);
	}
	ASSERT_EQ(0, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, NULL));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, libnnmem_run_submit_wait_cancel)
{
	struct nnmem_job_result res;
	struct nnmem_dev *dev;
	uint64_t ns = 0, macs = 0, job, times[4];
	uint32_t graph;
	struct gk g;

	/* a session of libnnmem's own, with its own kit */
	ASSERT_EQ(0, nnmem_open(0, &dev));
	gk_init(&g, nnmem_fd(dev));
	ASSERT_EQ(0, small_graph(&g, 20, true));
	ASSERT_EQ(0, nnmem_graph_create(dev, g.t, g.nt, g.n, g.nn, &graph,
					NULL));
	ASSERT_EQ(0, nnmem_graph_run(dev, graph, &ns, &macs));
	ASSERT_NE(0, ns);
	ASSERT_NE(0, macs);
	ASSERT_EQ(0, nnmem_graph_submit(dev, graph, &job));
	ASSERT_EQ(0, nnmem_job_wait_timeout(dev, job, 600000, times, 4, &res));
	ASSERT_EQ(0, res.status);
	ASSERT_EQ(macs, res.macs);
	ASSERT_EQ(-ENOENT, nnmem_job_wait_timeout(dev, job, 0, NULL, 0, &res));
	ASSERT_EQ(-ENOENT, nnmem_job_cancel(dev, job));
	ASSERT_EQ(nnmem_fd(dev), nnmem_poll_fd(dev));
	ASSERT_EQ(0, nnmem_graph_destroy(dev, graph));
	ASSERT_EQ(0, gk_fini(&g));
	nnmem_close(dev);
}

TEST_F(job, poll_reports_pollin_only_once_a_job_finished)
{
	uint32_t graph;
	uint64_t job;
	short rev;

	ASSERT_EQ(0, long_graph(&self->g, 1));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	/* nothing finished yet: poll says nothing */
	ASSERT_EQ(0, poll_in(self->fd, 0, &rev));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	/* 151M MACs cannot be done this soon */
	ASSERT_EQ(0, poll_in(self->fd, 0, &rev));
	ASSERT_EQ(0, rev);
	ASSERT_EQ(1, poll_in(self->fd, 600000, &rev));
	ASSERT_EQ(POLLIN, rev & (POLLIN | POLLERR | POLLHUP));
	/* still readable until reaped */
	ASSERT_EQ(1, poll_in(self->fd, 0, &rev));
	ASSERT_EQ(0, nt_wait(self->fd, job, 0, NULL));
	ASSERT_EQ(0, poll_in(self->fd, 0, &rev));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, wait_with_deadline_zero_on_a_running_job_is_etime)
{
	struct nnmem_wait w;
	uint32_t graph;
	uint64_t job;

	ASSERT_EQ(0, long_graph(&self->g, 4));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	/* running, not just queued (the check is a WAIT with deadline 0) */
	ASSERT_TRUE(job_running_within(self->fd, job, START_MS));
	ASSERT_EQ(-ETIME, nt_wait(self->fd, job, 0, &w));
	/* a deadline already past behaves the same */
	ASSERT_EQ(-ETIME, nt_wait(self->fd, job, 1, &w));
	/* the job stayed: cancel and reap it */
	ASSERT_EQ(0, nt_cancel(self->fd, job));
	ASSERT_EQ(0, nt_wait(self->fd, job, nt_now_ns() + JOB_TIMEOUT_NS, &w));
	ASSERT_EQ(-ECANCELED, w.status);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, wait_gives_etime_at_its_deadline_not_before)
{
	uint64_t job, t0, deadline, t1;
	struct nnmem_wait w;
	uint32_t graph;

	ASSERT_EQ(0, long_graph(&self->g, 4));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	t0 = nt_now_ns();
	deadline = t0 + 50 * MS;
	ASSERT_EQ(-ETIME, nt_wait(self->fd, job, deadline, &w));
	t1 = nt_now_ns();
	ASSERT_LE(deadline, t1);
	/* and not absurdly later (slack for emulated, debug kernels) */
	ASSERT_GT(deadline + 2000 * MS, t1) {
		TH_LOG("woke %llu ms after the deadline",
		       (unsigned long long)(t1 - deadline) / MS);
	}
	ASSERT_EQ(0, nt_cancel(self->fd, job));
	ASSERT_EQ(0, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(-ECANCELED, w.status);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, cancel_a_queued_job_leaves_its_output_untouched)
{
	uint32_t long_g, small_g, i;
	uint64_t first, second;
	uint8_t **img = NULL;
	struct nnmem_wait w;
	struct gk small;

	ASSERT_EQ(0, long_graph(&self->g, 4));
	ASSERT_EQ(0, gk_create(&self->g, &long_g));
	gk_init(&small, self->fd);
	ASSERT_EQ(0, small_graph(&small, 30, true));
	ASSERT_EQ(0, gk_create(&small, &small_g));

	ASSERT_EQ(0, nt_submit(self->fd, long_g, &first));
	ASSERT_TRUE(job_running_within(self->fd, first, START_MS));
	ASSERT_EQ(0, nt_submit(self->fd, small_g, &second));
	ASSERT_NE(first, second);
	/* one worker per device: the second waits behind the running first */
	ASSERT_EQ(1, dev_stat("jobs_queued"));
	ASSERT_EQ(0, nt_cancel(self->fd, second));
	ASSERT_EQ(0, nt_cancel(self->fd, first));
	ASSERT_EQ(0, nt_wait(self->fd, second, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(-ECANCELED, w.status);
	ASSERT_EQ(0, w.macs);
	ASSERT_EQ(0, nt_wait(self->fd, first, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(-ECANCELED, w.status);
	ASSERT_GT(LONG_MACS * 4, w.macs);
	/* not a byte of the cancelled job's outputs was written */
	ASSERT_EQ(0, gk_read(&small, &img));
	for (i = 0; i < small.nn; i++) {
		int t = (int)gk_node_output(&small, (int)i);
		const uint8_t *p = img[small.treg[t]] + small.t[t].offset;
		uint64_t k;

		for (k = 0; k < gk_bytes(&small, t); k++)
			ASSERT_EQ(GK_POISON, p[k]);
	}
	gk_images_free(&small, img);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, small_g));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, long_g));
	ASSERT_EQ(0, gk_fini(&small));
}

TEST_F(job, cancel_a_running_job_stops_it_quickly)
{
	uint64_t job, t0, t1;
	struct nnmem_wait w;
	uint32_t graph;
	short rev;

	ASSERT_EQ(0, long_graph(&self->g, 4));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	ASSERT_TRUE(job_running_within(self->fd, job, START_MS));
	ASSERT_EQ(0, poll_in(self->fd, 0, &rev));
	t0 = nt_now_ns();
	ASSERT_EQ(0, nt_cancel(self->fd, job));
	ASSERT_EQ(0, nt_wait(self->fd, job, t0 + JOB_TIMEOUT_NS, &w));
	t1 = nt_now_ns();
	ASSERT_EQ(-ECANCELED, w.status);
	/* it stopped inside the chain, well before its end */
	ASSERT_GT(LONG_MACS * 4, w.macs);
	ASSERT_GT(t0 + 5000 * MS, t1) {
		TH_LOG("cancel took %llu ms", (unsigned long long)(t1 - t0) / MS);
	}
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, cancel_finished_is_ealready_and_wait_reaps_once)
{
	struct nnmem_wait w;
	uint32_t graph;
	uint64_t job;
	short rev;

	ASSERT_EQ(0, small_graph(&self->g, 40, true));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	ASSERT_EQ(1, poll_in(self->fd, 600000, &rev));
	ASSERT_EQ(-EALREADY, nt_cancel(self->fd, job));
	ASSERT_EQ(-EALREADY, nt_cancel(self->fd, job));
	ASSERT_EQ(0, nt_wait(self->fd, job, 0, &w));
	ASSERT_EQ(0, w.status);	/* the late cancel changed nothing */
	ASSERT_EQ(-ENOENT, nt_wait(self->fd, job, 0, &w));
	ASSERT_EQ(-ENOENT, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(-ENOENT, nt_cancel(self->fd, job));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, unknown_jobs_bad_flags_and_other_sessions_jobs)
{
	struct nnmem_cancel c;
	struct nnmem_wait w;
	struct nnmem_run r;
	uint32_t graph;
	uint64_t job;
	int other;

	ASSERT_EQ(-ENOENT, nt_wait(self->fd, 0, 0, &w));
	ASSERT_EQ(-ENOENT, nt_wait(self->fd, 12345, 0, &w));
	ASSERT_EQ(-ENOENT, nt_cancel(self->fd, 0));
	ASSERT_EQ(-ENOENT, nt_cancel(self->fd, ~0ULL));
	ASSERT_EQ(-ENOENT, nt_run(self->fd, 1, NULL));
	ASSERT_EQ(0, small_graph(&self->g, 50, false));
	ASSERT_EQ(0, gk_create(&self->g, &graph));

	memset(&r, 0, sizeof(r));
	r.graph = graph;
	r.flags = 2;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_RUN, &r));
	r.flags = NNMEM_RUN_ASYNC | 0x80000000;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_RUN, &r));

	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	memset(&w, 0, sizeof(w));
	w.job = job;
	w.deadline_ns = NNMEM_WAIT_FOREVER;
	w.flags = 1;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_WAIT, &w));
	w.flags = 0;
	w.__pad = 1;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_WAIT, &w));
	memset(&c, 0, sizeof(c));
	c.job = job;
	c.flags = 1;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_CANCEL, &c));
	c.flags = 0;
	c.__pad = 1;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_CANCEL, &c));

	/* another session knows neither the graph nor the job */
	other = nt_open(0);
	ASSERT_LE(0, other);
	ASSERT_EQ(-ENOENT, nt_wait(other, job, 0, &w));
	ASSERT_EQ(-ENOENT, nt_cancel(other, job));
	close(other);

	ASSERT_EQ(0, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, destroyed_graph_keeps_regions_busy_until_its_job_is_reaped)
{
	struct nnmem_wait w;
	uint32_t graph;
	uint64_t job;

	ASSERT_EQ(0, small_graph(&self->g, 55, true));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
	ASSERT_EQ(-ENOENT, nt_run(self->fd, graph, NULL));
	ASSERT_EQ(-EBUSY, nt_free(self->fd, self->g.reg[0].handle));
	ASSERT_EQ(0, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, w.status);
	/* now the regions are free to go (teardown frees them) */
}

TEST_F(job, job_meeting_a_bad_shift_value_fails_with_erange)
{
	struct nnmem_wait w;
	uint32_t graph;
	uint64_t job;
	int32_t *sh;

	ASSERT_EQ(0, small_graph(&self->g, 57, false));
	/* shift tensor contents are checked when the job runs */
	sh = (int32_t *)gk_host(&self->g, self->g.n[1].conv2d.shift);
	sh[3] = 31;
	ASSERT_EQ(0, gk_upload(&self->g));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(-ERANGE, nt_run(self->fd, graph, NULL));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	ASSERT_EQ(0, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(-ERANGE, w.status);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F(job, signal_during_a_sync_run_cancels_it_with_eintr)
{
	struct sigaction sa;
	uint32_t graph;
	int status;
	uint64_t t0;
	pid_t pid;

	ASSERT_EQ(0, long_graph(&self->g, 4));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	/* the signal comes once the job really runs, not while it queues */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(job_running_within(-1, 0, START_MS) &&
		      !kill(getppid(), SIGALRM) ? 0 : 1);
	t0 = nt_now_ns();
	ASSERT_EQ(-EINTR, nt_run(self->fd, graph, NULL));
	ASSERT_GT(t0 + 10000 * MS, nt_now_ns());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("the job was never seen running");
	}
	/* the job is gone with the call: regions free after destroy */
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
	ASSERT_EQ(0, nt_free(self->fd, self->g.reg[0].handle));
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &self->g.reg[0].handle, NULL));
}

/*
 * Forks a child that waits until a job of the device is queued behind the
 * running one, then cancels @job of the shared file (with @sig 0) or sends
 * @sig to the parent; it exits 0 if it got to do so.
 */
static pid_t fork_once_queued(struct __test_metadata *_metadata, int fd,
			      uint64_t job, int sig)
{
	uint64_t end;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid)
		return pid;
	end = nt_now_ns() + START_MS * MS;
	while (dev_stat("jobs_queued") != 1) {
		if (nt_now_ns() > end)
			_exit(1);
		usleep(1000);
	}
	usleep(50000);
	if (sig)
		_exit(kill(getppid(), sig) ? 1 : 0);
	_exit(nt_cancel(fd, job) ? 1 : 0);
}

/* A sync RUN on a busy device queues and runs once the worker is free. */
TEST_F(job, sync_run_queued_behind_a_running_job_runs_after_it)
{
	struct nnmem_run r;
	struct nnmem_wait w;
	uint64_t first;
	uint32_t long_g, add;
	char msg[160];
	int status;
	struct gk g;
	pid_t pid;

	ASSERT_EQ(0, long_graph(&self->g, 4));
	ASSERT_EQ(0, gk_create(&self->g, &long_g));
	gk_init(&g, self->fd);
	ASSERT_EQ(0, tiny_add_graph(&g));
	ASSERT_EQ(0, gk_create(&g, &add));
	ASSERT_EQ(0, nt_submit(self->fd, long_g, &first));
	ASSERT_TRUE(job_running_within(self->fd, first, START_MS));

	pid = fork_once_queued(_metadata, self->fd, first, 0);
	ASSERT_EQ(0, nt_run(self->fd, add, &r));
	ASSERT_EQ(16, r.macs);
	ASSERT_EQ(0, r.job);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("the sync RUN was never seen queued");
	}
	ASSERT_EQ(0, gk_check(&g, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(0, nt_wait(self->fd, first, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(-ECANCELED, w.status);
	ASSERT_EQ(0, dev_stat("jobs_queued"));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, add));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, long_g));
	ASSERT_EQ(0, gk_fini(&g));
}

/* A signal to a sync RUN queued behind another job takes it off the queue. */
TEST_F(job, signal_to_a_queued_sync_run_cancels_it_with_eintr)
{
	struct sigaction sa;
	struct nnmem_wait w;
	uint32_t long_g, add;
	uint8_t **img = NULL;
	const uint8_t *p;
	uint64_t first, k;
	int status, t;
	struct gk g;
	pid_t pid;

	ASSERT_EQ(0, long_graph(&self->g, 4));
	ASSERT_EQ(0, gk_create(&self->g, &long_g));
	gk_init(&g, self->fd);
	ASSERT_EQ(0, tiny_add_graph(&g));
	ASSERT_EQ(0, gk_create(&g, &add));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, nt_submit(self->fd, long_g, &first));
	ASSERT_TRUE(job_running_within(self->fd, first, START_MS));

	pid = fork_once_queued(_metadata, self->fd, first, SIGALRM);
	ASSERT_EQ(-EINTR, nt_run(self->fd, add, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("the sync RUN was never seen queued");
	}
	/* off the queue at once, while the first job still runs */
	ASSERT_EQ(0, dev_stat("jobs_queued"));
	ASSERT_EQ(-ETIME, nt_wait(self->fd, first, 0, &w));
	ASSERT_EQ(0, nt_cancel(self->fd, first));
	ASSERT_EQ(0, nt_wait(self->fd, first, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(-ECANCELED, w.status);
	/* the add never ran: its output is still the poison */
	ASSERT_EQ(0, gk_read(&g, &img));
	t = (int)gk_node_output(&g, 0);
	p = img[g.treg[t]] + g.t[t].offset;
	for (k = 0; k < gk_bytes(&g, t); k++)
		ASSERT_EQ(GK_POISON, p[k]);
	gk_images_free(&g, img);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, add));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, long_g));
	ASSERT_EQ(0, gk_fini(&g));
}

TEST_F(job, killed_process_mid_job_leaves_a_working_empty_device)
{
	int status;
	pid_t pid;
	uint32_t graph;
	char msg[160];

	pid = fork_runner(_metadata, false);
	/* killed while its job runs, not while it is queued */
	ASSERT_TRUE(job_running_within(-1, 0, START_MS));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(SIGKILL, WTERMSIG(status));
	ASSERT_TRUE(usage_empty_within(self->fd, 60000));
	/* and the device still runs jobs correctly */
	ASSERT_EQ(0, small_graph(&self->g, 60, true));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_run(self->fd, graph, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, close_with_jobs_queued_and_running_frees_everything)
{
	uint64_t j1, j2, j3;
	uint32_t graph, sg;
	char msg[160];
	struct gk g;
	int fd;

	fd = nt_open(0);
	ASSERT_LE(0, fd);
	gk_init(&g, fd);
	ASSERT_EQ(0, long_graph(&g, 4));
	ASSERT_EQ(0, gk_create(&g, &graph));
	ASSERT_EQ(0, nt_submit(fd, graph, &j1));
	ASSERT_TRUE(job_running_within(fd, j1, START_MS));
	ASSERT_EQ(0, nt_submit(fd, graph, &j2));
	ASSERT_EQ(0, nt_submit(fd, graph, &j3));
	ASSERT_EQ(2, dev_stat("jobs_queued"));
	close(fd);	/* the kit's regions go with the session */
	ASSERT_TRUE(usage_empty_within(self->fd, 60000));
	ASSERT_EQ(0, small_graph(&self->g, 70, true));
	ASSERT_EQ(0, gk_create(&self->g, &sg));
	ASSERT_EQ(0, nt_run(self->fd, sg, NULL));
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(0, nt_graph_destroy(self->fd, sg));
	/* free the host copies only: the regions died with the session */
	{
		uint32_t i;

		for (i = 0; i < g.nr; i++)
			free(g.reg[i].host);
	}
}

TEST_F(job, concurrent_sessions_in_processes_all_get_correct_results)
{
	const int procs = 4, rounds = 3;
	pid_t pids[4];
	int i, status;

	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			char msg[160];
			uint32_t graph;
			struct gk g;
			int fd = nt_open(0), r;
			uint64_t job;

			gk_init(&g, fd);
			if (fd < 0 || small_graph(&g, 1000 + i * 10, true) ||
			    gk_create(&g, &graph))
				_exit(10);
			for (r = 0; r < rounds; r++) {
				struct nnmem_wait w;

				if (gk_upload(&g))
					_exit(11);
				if (r % 2) {
					if (nt_submit(fd, graph, &job) ||
					    nt_wait(fd, job, NNMEM_WAIT_FOREVER,
						    &w) || w.status)
						_exit(12);
				} else if (nt_run(fd, graph, NULL)) {
					_exit(13);
				}
				if (gk_check(&g, msg, sizeof(msg))) {
					fprintf(stderr, "# pid %d: %s\n",
						getpid(), msg);
					_exit(14);
				}
			}
			if (nt_graph_destroy(fd, graph) || gk_fini(&g))
				_exit(15);
			_exit(0);
		}
	}
	for (i = 0; i < procs; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	ASSERT_TRUE(usage_empty_within(self->fd, 1000));
}

/* 64 small jobs or 151M MACs: minutes on a loaded KASAN kernel */
TEST_F_TIMEOUT(job, job_limit_gives_eagain_until_one_is_reaped, 300)
{
	uint32_t graph, i, max = self->info.max_jobs;
	struct nnmem_wait w;
	uint64_t *jobs;

	jobs = calloc(max + 1, sizeof(*jobs));
	ASSERT_NE(NULL, jobs);
	ASSERT_EQ(0, small_graph(&self->g, 80, false));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	for (i = 0; i < max; i++)
		ASSERT_EQ(0, nt_submit(self->fd, graph, &jobs[i])) {
			TH_LOG("job %u of %u", i, max);
		}
	ASSERT_EQ(-EAGAIN, nt_submit(self->fd, graph, &jobs[max]));
	ASSERT_EQ(-EAGAIN, nt_run(self->fd, graph, NULL));
	/* finished but unreaped jobs still count */
	ASSERT_EQ(0, nt_wait(self->fd, jobs[max - 1],
			     nt_now_ns() + JOB_TIMEOUT_NS, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(0, nt_run(self->fd, graph, NULL));
	for (i = 0; i + 1 < max; i++) {
		ASSERT_EQ(0, nt_wait(self->fd, jobs[i],
				     nt_now_ns() + JOB_TIMEOUT_NS, &w));
		ASSERT_EQ(0, w.status);
	}
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
	free(jobs);
}

/* 64 small jobs or 151M MACs: minutes on a loaded KASAN kernel */
TEST_F_TIMEOUT(job, job_limit_frees_a_slot_per_reaped_job, 300)
{
	uint32_t graph, i, max = self->info.max_jobs;
	struct nnmem_wait w;
	uint64_t *jobs, extra;

	jobs = calloc(max, sizeof(*jobs));
	ASSERT_NE(NULL, jobs);
	ASSERT_EQ(0, small_graph(&self->g, 85, false));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	for (i = 0; i < max; i++)
		ASSERT_EQ(0, nt_submit(self->fd, graph, &jobs[i]));
	ASSERT_EQ(-EAGAIN, nt_submit(self->fd, graph, &extra));
	ASSERT_EQ(0, nt_wait(self->fd, jobs[0], NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &extra));
	ASSERT_EQ(-EAGAIN, nt_submit(self->fd, graph, &jobs[0]));
	for (i = 1; i < max; i++)
		ASSERT_EQ(0, nt_wait(self->fd, jobs[i], NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, nt_wait(self->fd, extra, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
	free(jobs);
}

TEST_F(job, per_node_times_and_macs_follow_the_conv_formula)
{
	uint32_t in[4] = { 1, 16, 16, 16 }, f[4] = { 16, 3, 3, 16 };
	uint64_t times[4], want = 0;
	struct nnmem_run r;
	struct nnmem_wait w;
	uint32_t graph, i;
	uint64_t job;

	ASSERT_EQ(0, small_graph(&self->g, 90, false));
	ASSERT_EQ(2, self->g.nn);
	for (i = 0; i < self->g.nn; i++)
		want += nnmem_conv2d_macs(&self->g.n[i].conv2d, in, f);
	/* N * OH * OW * O * KH * KW * I, counting padding taps */
	ASSERT_EQ(2ULL * 16 * 16 * 16 * 3 * 3 * 16, want);
	ASSERT_EQ(0, gk_create(&self->g, &graph));

	ASSERT_EQ(0, nt_run(self->fd, graph, &r));
	ASSERT_EQ(want, r.macs);
	ASSERT_NE(0, r.duration_ns);
	ASSERT_EQ(0, r.job);

	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	for (i = 0; i < 4; i++)
		times[i] = 0xdeadbeefULL;
	memset(&w, 0, sizeof(w));
	w.job = job;
	w.deadline_ns = NNMEM_WAIT_FOREVER;
	w.node_times = (uintptr_t)times;
	w.node_count = 4;
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_WAIT, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(want, w.macs);
	ASSERT_NE(0, w.duration_ns);
	/* each node's time written; together within the job's time */
	ASSERT_NE(0xdeadbeefULL, times[0]);
	ASSERT_NE(0xdeadbeefULL, times[1]);
	ASSERT_NE(0, times[0] + times[1]);
	ASSERT_GE(w.duration_ns, times[0] + times[1]);
	/* at most the graph's nodes are written */
	ASSERT_EQ(0xdeadbeefULL, times[2]);
	ASSERT_EQ(0xdeadbeefULL, times[3]);

	/* a shorter array gets only its entries */
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	times[0] = times[1] = 0xdeadbeefULL;
	memset(&w, 0, sizeof(w));
	w.job = job;
	w.deadline_ns = NNMEM_WAIT_FOREVER;
	w.node_times = (uintptr_t)times;
	w.node_count = 1;
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_WAIT, &w));
	ASSERT_NE(0xdeadbeefULL, times[0]);
	ASSERT_EQ(0xdeadbeefULL, times[1]);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, unwritable_node_times_give_efault_and_keep_the_job)
{
	struct nnmem_wait w;
	uint32_t graph;
	uint64_t job;

	ASSERT_EQ(0, small_graph(&self->g, 95, false));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	memset(&w, 0, sizeof(w));
	w.job = job;
	w.deadline_ns = NNMEM_WAIT_FOREVER;
	w.node_times = 8;
	w.node_count = 2;
	ASSERT_EQ(-EFAULT, nt_ioctl(self->fd, NNMEM_IOCTL_WAIT, &w));
	ASSERT_EQ(0, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

/* 64 small jobs or 151M MACs: minutes on a loaded KASAN kernel */
TEST_F_TIMEOUT(job, a_long_job_reports_its_macs, 300)
{
	struct nnmem_run r;
	uint32_t graph;

	ASSERT_EQ(0, long_graph(&self->g, 1));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_run(self->fd, graph, &r));
	ASSERT_EQ(LONG_MACS, r.macs);
	TH_LOG("%llu MACs in %llu ms", (unsigned long long)r.macs,
	       (unsigned long long)r.duration_ns / MS);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

/* ------------------------------------------- defect 2: unbounded work */

TEST_F(job, giant_one_row_conv_fits_the_arena_and_the_mac_limit)
{
	uint32_t graph;

	/* 16,890 outputs of 2^19 MACs: under the default 2^36 limit */
	ASSERT_EQ(8855224320ULL, GIANT_MACS);
	ASSERT_GT(self->info.max_graph_macs, GIANT_MACS);
	ASSERT_EQ(0, giant_graph(&self->g));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

TEST_F(job, giant_one_row_conv_cancelled_waited_and_closed_within_a_second)
{
	uint64_t job, t0, t1;
	struct nnmem_wait w;
	uint32_t graph;
	struct gk g;
	int fd;

	fd = nt_open(0);
	ASSERT_LE(0, fd);
	gk_init(&g, fd);
	ASSERT_EQ(0, giant_graph(&g));
	ASSERT_EQ(0, gk_create(&g, &graph));
	ASSERT_EQ(0, nt_submit(fd, graph, &job));
	ASSERT_TRUE(job_running_within(fd, job, START_MS));
	/* inside its only node (node-level checks cannot stop it) */
	usleep(100000);
	ASSERT_EQ(-ETIME, nt_wait(fd, job, 0, &w));

	t0 = nt_now_ns();
	ASSERT_EQ(0, nt_cancel(fd, job));
	ASSERT_EQ(0, nt_wait(fd, job, t0 + STOP_NS, &w)) {
		TH_LOG("not stopped %llu ms after CANCEL",
		       (unsigned long long)(nt_now_ns() - t0) / MS);
	}
	ASSERT_EQ(-ECANCELED, w.status);
	ASSERT_EQ(0, w.macs);		/* its node did not complete */
	TH_LOG("stopped %llu us after CANCEL, %llu ms into the job",
	       (unsigned long long)(nt_now_ns() - t0) / 1000,
	       (unsigned long long)w.duration_ns / MS);
	ASSERT_EQ(0, nt_graph_destroy(fd, graph));
	close(fd);
	t1 = nt_now_ns();
	ASSERT_GT(t0 + STOP_NS, t1) {
		TH_LOG("CANCEL, WAIT and close took %llu ms",
		       (unsigned long long)(t1 - t0) / MS);
	}
	gk_forget(&g);
	ASSERT_TRUE(usage_empty_within(self->fd, 1000));
}

TEST_F(job, giant_one_row_conv_running_at_close_stops_within_a_second)
{
	uint32_t graph;
	uint64_t job, t0;
	struct gk g;
	int fd;

	fd = nt_open(0);
	ASSERT_LE(0, fd);
	gk_init(&g, fd);
	ASSERT_EQ(0, giant_graph(&g));
	ASSERT_EQ(0, gk_create(&g, &graph));
	ASSERT_EQ(0, nt_submit(fd, graph, &job));
	ASSERT_TRUE(job_running_within(fd, job, START_MS));
	t0 = nt_now_ns();
	close(fd);
	ASSERT_GT(t0 + STOP_NS, nt_now_ns()) {
		TH_LOG("close() took %llu ms",
		       (unsigned long long)(nt_now_ns() - t0) / MS);
	}
	gk_forget(&g);
	ASSERT_EQ(0, dev_stat("jobs_running"));
	ASSERT_TRUE(usage_empty_within(self->fd, 0));
}

TEST_F(job, giant_one_row_conv_in_a_sync_run_killed_is_reaped_within_a_second)
{
	uint64_t t0, t1;
	int status;
	pid_t pid;

	pid = fork_runner(_metadata, true);
	ASSERT_TRUE(job_running_within(-1, 0, START_MS));
	usleep(100000);
	ASSERT_EQ(1, dev_stat("jobs_running"));
	t0 = nt_now_ns();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t1 = nt_now_ns();
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(SIGKILL, WTERMSIG(status));
	ASSERT_GT(t0 + STOP_NS, t1) {
		TH_LOG("reaped %llu ms after SIGKILL",
		       (unsigned long long)(t1 - t0) / MS);
	}
	ASSERT_EQ(0, dev_stat("jobs_running"));
	ASSERT_TRUE(usage_empty_within(self->fd, 1000));
}

TEST_F(job, another_sessions_add_completes_within_a_second_of_cancelling_a_giant)
{
	uint64_t giant_job, add_job, t0;
	struct nnmem_wait w;
	uint32_t giant, add;
	char msg[160];
	struct gk g;
	int fd;

	fd = nt_open(0);
	ASSERT_LE(0, fd);
	gk_init(&g, fd);
	ASSERT_EQ(0, giant_graph(&g));
	ASSERT_EQ(0, gk_create(&g, &giant));
	ASSERT_EQ(0, nt_submit(fd, giant, &giant_job));
	ASSERT_TRUE(job_running_within(fd, giant_job, START_MS));

	/* this session's tiny add queues behind the running giant */
	ASSERT_EQ(0, tiny_add_graph(&self->g));
	ASSERT_EQ(0, gk_create(&self->g, &add));
	ASSERT_EQ(0, nt_submit(self->fd, add, &add_job));
	ASSERT_EQ(-ETIME, nt_wait(self->fd, add_job, nt_now_ns() + 100 * MS,
				  &w));
	ASSERT_EQ(1, dev_stat("jobs_queued"));

	t0 = nt_now_ns();
	ASSERT_EQ(0, nt_cancel(fd, giant_job));
	ASSERT_EQ(0, nt_wait(self->fd, add_job, t0 + STOP_NS, &w)) {
		TH_LOG("the add still waits %llu ms after CANCEL",
		       (unsigned long long)(nt_now_ns() - t0) / MS);
	}
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(16, w.macs);
	ASSERT_EQ(0, gk_check(&self->g, msg, sizeof(msg))) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(0, nt_wait(fd, giant_job, 0, &w));
	ASSERT_EQ(-ECANCELED, w.status);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, add));
	ASSERT_EQ(0, nt_graph_destroy(fd, giant));
	close(fd);
	gk_forget(&g);
}

/*
 * CANCEL returning 0 promises -ECANCELED (the uapi): also when it lands
 * while the job runs past its last check, e.g. inside a tiny add that has
 * none. -EALREADY means the job had finished, with its own status.
 */
TEST_F(job, cancel_returning_0_always_means_ecanceled)
{
	uint64_t job, end, n0 = 0, nalready = 0;
	struct nnmem_wait w;
	uint32_t graph;
	int ret;

	ASSERT_EQ(0, tiny_add_graph(&self->g));
	ASSERT_EQ(0, gk_create(&self->g, &graph));
	end = nt_now_ns() + 2000 * MS;
	while (nt_now_ns() < end) {
		ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
		ret = nt_cancel(self->fd, job);
		ASSERT_EQ(0, nt_wait(self->fd, job, nt_now_ns() + JOB_TIMEOUT_NS,
				     &w));
		if (ret == 0) {
			ASSERT_EQ(-ECANCELED, w.status) {
				TH_LOG("round %llu: CANCEL said 0, status %d",
				       (unsigned long long)(n0 + nalready),
				       w.status);
			}
			n0++;
		} else {
			ASSERT_EQ(-EALREADY, ret);
			ASSERT_EQ(0, w.status);
			nalready++;
		}
	}
	TH_LOG("%llu cancelled, %llu already done",
	       (unsigned long long)n0, (unsigned long long)nalready);
	ASSERT_NE(0, n0);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
}

/* ------------------------------------- defect 4: WAIT give-back vs poll */

struct race {
	volatile uint64_t job;		/* the job to claim, 0: none */
	volatile int stop;
	volatile uint64_t efaults;	/* WAITs that claimed and gave back */
};

/*
 * Two WAITs on one job: the claimer's node_times cannot be written, so it
 * takes the finished job, fails to copy and gives it back, over and over;
 * meanwhile the reaper polls and reaps. POLLIN must mean a finished job
 * is there (a WAIT with deadline 0 gets it, or finds it claimed for a
 * moment), and once the only job is reaped poll() must say nothing. When
 * the give-back stored the job before counting it (defect 4), a reaper
 * claiming it in between took the count below zero: POLLIN with nothing
 * finished.
 */
TEST_F(job, poll_agrees_with_wait_while_a_wait_gives_a_job_back)
{
	struct race *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t end, rounds = 0, busy = 0, job;
	struct nnmem_wait w;
	int status, err;
	uint32_t graph;
	short rev;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, r);
	memset((void *)r, 0, sizeof(*r));
	ASSERT_EQ(0, tiny_add_graph(&self->g));
	ASSERT_EQ(0, gk_create(&self->g, &graph));

	pid = fork();	/* the claimer: same open file, same session */
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* dies with a failed test, so the file does not stay open */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
			_exit(4);
		while (!r->stop) {
			struct nnmem_wait cw;

			memset(&cw, 0, sizeof(cw));
			cw.job = r->job;
			cw.node_times = 8;	/* unmapped */
			cw.node_count = 1;
			if (!cw.job)
				continue;
			err = nt_ioctl(self->fd, NNMEM_IOCTL_WAIT, &cw);
			if (err == -EFAULT)
				r->efaults++;
			else if (err != -ETIME && err != -ENOENT)
				_exit(3);
		}
		_exit(0);
	}

	end = nt_now_ns() + 3000 * MS;
	while (nt_now_ns() < end && rounds < 20000) {
		ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
		r->job = job;
		ASSERT_EQ(1, poll_in(self->fd, 10000, &rev));
		ASSERT_EQ(POLLIN, rev & (POLLIN | POLLERR | POLLHUP));
		/* POLLIN: the job is done; taken back and forth, not lost */
		for (;;) {
			err = nt_wait(self->fd, job, 0, &w);
			if (err != -ENOENT || nt_now_ns() > end + 1000 * MS)
				break;
			busy++;		/* the claimer has it this instant */
		}
		ASSERT_EQ(0, err) {
			TH_LOG("round %llu: POLLIN but WAIT gives %d",
			       (unsigned long long)rounds, err);
		}
		ASSERT_EQ(0, w.status);
		r->job = 0;
		/* nothing is finished now: poll must not say otherwise */
		ASSERT_EQ(0, poll_in(self->fd, 0, &rev)) {
			TH_LOG("round %llu: POLLIN (%#x) with no job left",
			       (unsigned long long)rounds, rev);
		}
		rounds++;
	}
	r->stop = 1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	TH_LOG("%llu rounds, %llu give-backs, %llu WAITs found it claimed",
	       (unsigned long long)rounds, (unsigned long long)r->efaults,
	       (unsigned long long)busy);
	/* the race was really run (a few dozen rounds on the debug kernel) */
	ASSERT_LT(20, rounds);
	ASSERT_LT(20, r->efaults);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
	munmap((void *)r, sizeof(*r));
}

TEST_HARNESS_MAIN
