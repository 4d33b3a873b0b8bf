// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem job scheduling across sessions (issue 12): the sysfs attribute
 * "sched" (fair, the default, or fifo); under fair, a session's single job
 * submitted beside a session that keeps 64 jobs queued (1,000 in all)
 * waits at most for the flood job that runs when it is queued, and under
 * fifo it waits behind the whole queue (so the check can fail); three
 * sessions' queued jobs run round-robin (fifo: in submission order);
 * cancel and close of jobs queued in the fair queue. Expects nnmem loaded
 * and nothing allocated when each test starts; runs as root (sysfs).
 *
 * Timing is checked as ratios of durations the same run measured, never
 * against absolute times: the job sizes are calibrated at run time (the
 * smallest conv of a list whose run takes at least a given time), so the
 * suite means the same on a fast host, in TCG and under KASAN.
 *
 * Job start and end times and completion order come from the worker's
 * own record, the module's trace events (tracefs, mounted if needed) on
 * the trace clock "mono" (CLOCK_MONOTONIC): exact, and free of the
 * caller's wakeup latency and of the host's preemption of the test.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"
#include "graph_kit.h"

#define MS		1000000ULL
#define SYSFS_DEV0	"/sys/class/nnmem/nnmem0/"
#define SCHED_PATH	SYSFS_DEV0 "sched"
#define TRACEFS		"/sys/kernel/tracing"

/* The flood: 1,000 jobs, at most 64 unreaped (NNMEM_SESSION_MAX_JOBS). */
#define FLOOD_JOBS	1000
#define FLOOD_WINDOW	64

/* conv sizes (H = W, C in = C out, 3x3), in growing MACs: H*H*C*C*9 */
static const uint32_t conv_sizes[][2] = {
	{ 8, 8 }, { 16, 8 }, { 16, 16 }, { 16, 32 }, { 32, 32 }, { 32, 64 },
	{ 64, 64 },
};
#define NR_SIZES	(sizeof(conv_sizes) / sizeof(conv_sizes[0]))

/* A counter of /sys/class/nnmem/nnmem0/, or -1 if it cannot be read. */
static long long dev_stat(const char *name)
{
	char path[128];
	uint64_t v;

	snprintf(path, sizeof(path), SYSFS_DEV0 "%s", name);
	return nt_file_read_u64(path, &v) ? -1 : (long long)v;
}

/* Writes @val to the sched attribute: 0 or -errno. */
static int sched_set(const char *val)
{
	return nt_file_write(SCHED_PATH, val);
}

/* Reads the sched attribute into @buf (its newline kept): 0 or -errno. */
static int sched_get(char *buf, size_t len)
{
	ssize_t n = nt_file_read(SCHED_PATH, buf, len);

	return n < 0 ? (int)n : 0;
}

/*
 * Job start and end times, from the module's trace events
 * (nnmem_job_start, nnmem_job_end) on the trace clock "mono", which is
 * CLOCK_MONOTONIC: the worker's own record of when each job started and
 * ended, comparable with the test's clock_gettime().
 */
struct tev {
	uint64_t ns;
	uint64_t session;
	uint32_t job;
	int status;	/* an end's */
	bool end;
	bool light;	/* the light session's (set by trace_samples()) */
};

/*
 * Mounts tracefs if needed and starts tracing the job events. The buffer
 * keeps its size (1.4 MB per CPU on these kernels): a flood test's 3,000
 * events take some 150 KB (an overwritten one would show as a sample not
 * found). Without record-cmd: enabling an event would otherwise hook the
 * scheduler's tracepoints to record command names, and patching that hot
 * kernel text while the other vCPU runs through it once livelocked a
 * Debian 6.1 guest under QEMU TCG (text_poke_bp()'s IPI never answered).
 */
static int trace_begin(void)
{
	static const char *const w[][2] = {
		{ "tracing_on", "0" }, { "trace", "" },
		{ "trace_clock", "mono" }, { "options/record-cmd", "0" },
		{ "events/nnmem/nnmem_job_start/enable", "1" },
		{ "events/nnmem/nnmem_job_end/enable", "1" },
		{ "tracing_on", "1" },
	};
	char path[128];
	struct stat st;
	unsigned int i;
	int err;

	if (stat(TRACEFS "/events", &st) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		snprintf(path, sizeof(path), TRACEFS "/%s", w[i][0]);
		err = nt_file_write(path, w[i][1]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Stops tracing and parses the job events, in order, into *@ev (malloc'd):
 * their count or -errno. Leaves tracing as it found it (clock local, the
 * events off, record-cmd on, the buffer empty).
 */
static int trace_end(struct tev **ev)
{
	size_t len = 0, cap = 16 << 20;
	char *buf = malloc(cap + 1), *line, *save, *p, *q;
	int n = 0, max = 0, fd;
	ssize_t r;

	nt_file_write(TRACEFS "/tracing_on", "0");
	*ev = NULL;
	if (!buf)
		return -ENOMEM;
	fd = open(TRACEFS "/trace", O_RDONLY);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	while (len < cap && (r = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = 0;
	nt_file_write(TRACEFS "/events/nnmem/nnmem_job_start/enable", "0");
	nt_file_write(TRACEFS "/events/nnmem/nnmem_job_end/enable", "0");
	nt_file_write(TRACEFS "/trace", "");
	nt_file_write(TRACEFS "/trace_clock", "local");
	nt_file_write(TRACEFS "/options/record-cmd", "1");
	nt_file_write(TRACEFS "/tracing_on", "1");
	if (len == cap) {
		free(buf);
		return -EFBIG;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long sec, usec, session;
		unsigned int job;

		p = strstr(line, ": nnmem_job_");
		if (line[0] == '#' || !p)
			continue;
		/* "...  SECONDS.MICROS: nnmem_job_end: dev=0 session=S job=J" */
		q = strstr(p + 2, " session=");
		if (!q || sscanf(q, " session=%llu job=%u", &session,
				 &job) != 2)
			goto bad;
		for (q = p; q > line && q[-1] != ' '; q--)
			;
		if (sscanf(q, "%llu.%llu", &sec, &usec) != 2)
			goto bad;
		if (n == max) {
			struct tev *t;

			max = max ? 2 * max : 4096;
			t = realloc(*ev, (size_t)max * sizeof(**ev));
			if (!t)
				goto bad;
			*ev = t;
		}
		(*ev)[n].ns = sec * 1000000000ULL + usec * 1000ULL;
		(*ev)[n].end = !strncmp(p, ": nnmem_job_end", 15);
		(*ev)[n].light = false;
		(*ev)[n].session = session;
		(*ev)[n].job = job;
		(*ev)[n].status = 0;
		q = strstr(q, " status=");
		if (q && sscanf(q, " status=%d", &(*ev)[n].status) != 1)
			goto bad;
		n++;
	}
	free(buf);
	return n;
bad:
	free(buf);
	free(*ev);
	*ev = NULL;
	return -EBADMSG;
}

/* A session with one conv graph of conv_sizes[size]. */
struct sess {
	int fd;
	struct gk g;
	uint32_t graph;
};

static int sess_open(struct sess *s, unsigned int size, uint64_t seed)
{
	struct gk_conv_spec c = {
		.n = 1, .h = conv_sizes[size][0], .w = conv_sizes[size][0],
		.c = conv_sizes[size][1], .oc = conv_sizes[size][1],
		.kh = 3, .kw = 3, .pad_top = 1, .pad_bottom = 1,
		.pad_left = 1, .pad_right = 1, .f_lo = -8, .f_hi = 8,
		.bias_lo = -1000, .bias_hi = 1000, .shift_lo = -10,
		.shift_hi = -9, .seed = seed, .input = -1,
	};
	int n;

	s->fd = nt_open(0);
	if (s->fd < 0)
		return s->fd;
	gk_init(&s->g, s->fd);
	n = gk_conv(&s->g, &c);
	if (n < 0)
		return n;
	n = gk_upload(&s->g);
	return n ? n : gk_create(&s->g, &s->graph);
}

/* Closes the session (which frees its graph and regions) and host copies. */
static void sess_close(struct sess *s)
{
	uint32_t i;

	for (i = 0; i < s->g.nr; i++)
		free(s->g.reg[i].host);
	s->g.nr = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Opens @s with the smallest conv whose async run takes at least @min_ns
 * (the largest if none does), by the median of five runs (the first one
 * also warms caches up; the host may stall any one); returns the size
 * index, or -errno; *@ns (if not NULL) gets that median.
 */
static int sess_open_timed(struct sess *s, uint64_t min_ns, uint64_t seed,
			   uint64_t *ns)
{
	struct nnmem_wait w;
	uint64_t t[5], job;
	unsigned int i, k;
	int err;

	for (i = 0; i < NR_SIZES; i++) {
		err = sess_open(s, i, seed);
		/* async: on the worker, as the jobs measured will run */
		for (k = 0; !err && k < 5; k++) {
			err = nt_submit(s->fd, s->graph, &job);
			if (!err)
				err = nt_wait(s->fd, job, NNMEM_WAIT_FOREVER,
					      &w);
			if (!err)
				err = w.status;
			t[k] = w.duration_ns;
		}
		if (err) {
			sess_close(s);
			return err;
		}
		qsort(t, 5, sizeof(t[0]), cmp_u64);
		if (ns)
			*ns = t[2];
		if (t[2] >= min_ns || i == NR_SIZES - 1)
			return (int)i;
		sess_close(s);
	}
	return -EINVAL;
}

/* What the flooding child shares with the test (MAP_SHARED). */
struct flood {
	int ready;		/* the first FLOOD_WINDOW jobs are queued */
	int done;		/* all FLOOD_JOBS reaped */
	int err;		/* first error, negative errno */
	uint32_t n;		/* jobs reaped so far */
	uint64_t dur[FLOOD_JOBS];	/* their duration_ns */
};

/*
 * The flooder: a session of its own submitting FLOOD_JOBS async runs of
 * a conv of conv_sizes[size], keeping FLOOD_WINDOW unreaped, reaping the
 * oldest each time and recording its duration.
 */
static void flood_child(struct flood *f, unsigned int size)
{
	uint64_t ring[FLOOD_WINDOW];
	uint32_t head = 0, out = 0, sent = 0;
	struct nnmem_wait w;
	struct sess s;
	int err;

	err = sess_open(&s, size, 99);
	while (!err && sent < FLOOD_JOBS && out < FLOOD_WINDOW) {
		err = nt_submit(s.fd, s.graph,
				&ring[(head + out) % FLOOD_WINDOW]);
		out++;
		sent++;
	}
	__atomic_store_n(&f->ready, 1, __ATOMIC_RELEASE);
	while (!err && out) {
		err = nt_wait(s.fd, ring[head], NNMEM_WAIT_FOREVER, &w);
		if (!err)
			err = w.status;
		if (err)
			break;
		f->dur[f->n] = w.duration_ns;
		__atomic_store_n(&f->n, f->n + 1, __ATOMIC_RELEASE);
		head = (head + 1) % FLOOD_WINDOW;
		out--;
		if (sent < FLOOD_JOBS) {
			err = nt_submit(s.fd, s.graph,
					&ring[(head + out) % FLOOD_WINDOW]);
			out++;
			sent++;
		}
	}
	f->err = err;
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	_exit(err ? 1 : 0);
}

/* One async RUN of the light session beside the flood, and its WAIT. */
struct sample {
	uint64_t t0;		/* CLOCK_MONOTONIC just before the RUN */
	uint64_t tq;		/* just after it: the job is queued */
	uint64_t latency;	/* RUN + WAIT round trip, measured here */
	uint64_t own;		/* its duration_ns */
	long long queued;	/* jobs_queued just before the RUN */
	/* from the trace: */
	uint64_t start, end;	/* when the job started and ended */
	unsigned int overtook;	/* flood jobs that ended after tq, before it */
	uint64_t run_ns;	/* the flood job running at tq: its duration */
	uint64_t gap_ns;	/* the last flood job's end to its start */
};

#define MAX_SAMPLES	400

struct flood_result {
	struct sample smp[MAX_SAMPLES];
	unsigned int nr;
	uint64_t f_med, f_max;	/* of the flood jobs' duration_ns */
	uint64_t f_period;	/* median start-to-next-start of a flood job */
	uint64_t f_handover;	/* median end-to-next-start of a flood job */
	uint32_t f_n;		/* flood jobs reaped */
	int f_err;
	int trace_err;		/* 0 once every sample was found in the trace */
};

/*
 * Finds each sample's job in the trace (in order: the light session's are
 * those of the lower session id, as it was opened before the flood's) and
 * counts the flood jobs that ended between its tq and its start.
 */
static int trace_samples(struct flood_result *res, struct tev *ev, int n)
{
	unsigned int i = 0;
	uint64_t *per;
	int k, j, np = 0;

	for (k = 0; k < n; k++)
		ev[k].light = ev[k].session == ev[0].session;
	for (k = 0; k < n; k++)
		if (ev[k].session != ev[0].session) {
			if (ev[k].session < ev[0].session)
				for (j = 0; j < n; j++)
					ev[j].light = !ev[j].light;
			break;
		}
	/*
	 * a flood job's period: its start to the next job's start, when that
	 * is a flood job too (not the light job's run)
	 */
	per = calloc((size_t)n, sizeof(*per));
	if (!per)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		if (ev[k].light || ev[k].end)
			continue;
		for (j = k + 1; j < n && ev[j].end; j++)
			;
		if (j < n && !ev[j].light)
			per[np++] = ev[j].ns - ev[k].ns;
	}
	qsort(per, (size_t)np, sizeof(*per), cmp_u64);
	res->f_period = np ? per[np / 2] : 0;
	/* the worker's handover: a flood job's end to the next one's start */
	np = 0;
	for (k = 0; k < n; k++) {
		if (ev[k].light || !ev[k].end)
			continue;
		for (j = k + 1; j < n && ev[j].end; j++)
			;
		if (j < n && !ev[j].light)
			per[np++] = ev[j].ns - ev[k].ns;
	}
	qsort(per, (size_t)np, sizeof(*per), cmp_u64);
	res->f_handover = np ? per[np / 2] : 0;
	free(per);
	for (k = 0; k < n && i < res->nr; k++) {
		struct sample *s = &res->smp[i];

		if (!ev[k].light || ev[k].end)
			continue;
		s->start = ev[k].ns;
		s->overtook = 0;
		/* the one running at tq counts: it ran while the job waited */
		s->run_ns = 0;
		s->gap_ns = 0;
		for (j = k - 1; j >= 0 && ev[j].ns > s->tq; j--) {
			if (ev[j].light || !ev[j].end)
				continue;
			if (!s->overtook++)
				s->gap_ns = s->start - ev[j].ns;
			s->run_ns = ev[j].ns;	/* its end, for now */
		}
		/* the start of the first of them: before tq if it ran at tq */
		if (s->run_ns) {
			for (; j >= 0 && (ev[j].light || ev[j].end); j--)
				;
			s->run_ns = j >= 0 && ev[j].ns <= s->tq ?
				    s->run_ns - ev[j].ns : 0;
		}
		for (j = k + 1; j < n && !(ev[j].light && ev[j].end); j++)
			;
		if (j == n)
			return -ENOENT;
		s->end = ev[j].ns;
		i++;
	}
	return i == res->nr ? 0 : -ENOENT;
}

/*
 * Under @policy: a child floods the device; this session runs its light
 * graph (async RUN, then WAIT), while the flood keeps at least half its
 * window queued, up to @max_samples times (then kills the child if
 * @kill_flood, else lets the flood finish).
 */
static void flood_measure(struct __test_metadata *_metadata,
			  const char *policy, unsigned int max_samples,
			  bool kill_flood, struct flood_result *res)
{
	struct flood *f;
	struct sess l;
	uint64_t t0, *d, start, cal;
	struct nnmem_wait w;
	uint64_t job;
	int size, status;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	ASSERT_EQ(0, sched_set(policy));
	/* a flood job of at least 2 ms: well above a syscall and a wakeup */
	size = sess_open_timed(&l, 2 * MS, 7, &cal);
	ASSERT_LE(0, size);
	sess_close(&l);
	/* the light job: the smallest conv (37 k MACs) */
	ASSERT_EQ(0, sess_open(&l, 0, 8));
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f);
	memset(f, 0, sizeof(*f));
	ASSERT_EQ(0, trace_begin()) {
		TH_LOG("tracefs at " TRACEFS ": %s", strerror(errno));
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		flood_child(f, (unsigned int)size);

	start = nt_now_ns();
	while (!__atomic_load_n(&f->ready, __ATOMIC_ACQUIRE) &&
	       nt_now_ns() - start < 60000 * MS)
		usleep(1000);
	ASSERT_TRUE(f->ready);
	while (res->nr < max_samples &&
	       !__atomic_load_n(&f->done, __ATOMIC_ACQUIRE) &&
	       nt_now_ns() - start < 600000 * MS) {
		struct sample *s = &res->smp[res->nr];

		s->queued = dev_stat("jobs_queued");
		if (s->queued < FLOOD_WINDOW / 2) {
			/* the tail of the flood, or the child is refilling */
			usleep(200);
			continue;
		}
		/*
		 * A RUN right after the last WAIT returned would come just
		 * after a flood job started (the light job's end starts the
		 * next one): a random pause of up to a flood job spreads t0
		 * over the running job.
		 */
		usleep((useconds_t)(random() % (long)(cal / 1000 + 1)));
		t0 = nt_now_ns();
		ASSERT_EQ(0, nt_submit(l.fd, l.graph, &job));
		s->tq = nt_now_ns();
		ASSERT_EQ(0, nt_wait(l.fd, job, NNMEM_WAIT_FOREVER, &w));
		ASSERT_EQ(0, w.status);
		s->latency = nt_now_ns() - t0;
		s->t0 = t0;
		s->own = w.duration_ns;
		res->nr++;
	}
	if (kill_flood)
		kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	{
		struct tev *ev;
		int n = trace_end(&ev);

		ASSERT_LT(0, n) {
			TH_LOG("trace: %s", strerror(-n));
		}
		res->trace_err = trace_samples(res, ev, n);
		free(ev);
		ASSERT_EQ(0, res->trace_err) {
			TH_LOG("trace: %d events, not every sample's job", n);
		}
	}
	if (!kill_flood) {
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status)) {
			TH_LOG("flood: %s", strerror(-f->err));
		}
	}
	res->f_err = f->err;
	res->f_n = f->n;
	ASSERT_LT(0, res->f_n);
	d = malloc(res->f_n * sizeof(*d));
	ASSERT_NE(NULL, d);
	memcpy(d, f->dur, res->f_n * sizeof(*d));
	qsort(d, res->f_n, sizeof(*d), cmp_u64);
	res->f_med = d[res->f_n / 2];
	res->f_max = d[res->f_n - 1];
	free(d);
	munmap(f, sizeof(*f));
	sess_close(&l);
}

FIXTURE(sched) {
	int fd;
	struct nnmem_info info;
};

FIXTURE_SETUP(sched)
{
	struct nnmem_usage u;

	NT_SETUP_SESSION(self->fd, &self->info, &u);
	ASSERT_NE(0, self->info.caps & NNMEM_CAP_GRAPH);
	ASSERT_EQ(0, sched_set("fair"));
}

FIXTURE_TEARDOWN(sched)
{
	EXPECT_EQ(0, sched_set("fair"));
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(sched, sched_attribute_is_fair_by_default_and_takes_fair_or_fifo)
{
	struct stat st;
	char buf[32];

	ASSERT_EQ(0, stat(SCHED_PATH, &st));
	ASSERT_EQ(0644, st.st_mode & 07777);
	ASSERT_EQ(0, sched_get(buf, sizeof(buf)));
	ASSERT_STREQ("fair\n", buf);
	ASSERT_EQ(0, sched_set("fifo"));
	ASSERT_EQ(0, sched_get(buf, sizeof(buf)));
	ASSERT_STREQ("fifo\n", buf);
	/* anything else: EINVAL, nothing changes */
	ASSERT_EQ(-EINVAL, sched_set("fai"));
	ASSERT_EQ(-EINVAL, sched_set("fairer"));
	ASSERT_EQ(-EINVAL, sched_set("\n"));
	ASSERT_EQ(-EINVAL, sched_set("FIFO"));
	ASSERT_EQ(0, sched_get(buf, sizeof(buf)));
	ASSERT_STREQ("fifo\n", buf);
	ASSERT_EQ(0, sched_set("fair"));
	ASSERT_EQ(0, sched_get(buf, sizeof(buf)));
	ASSERT_STREQ("fair\n", buf);
}

/*
 * A sample's latency, tq (its job queued) to its job's end, over one
 * flood job, the one that was running at tq (0 if none) with the
 * worker's median handover from one flood job to the next, plus its own
 * run.
 */
static double sample_ratio(const struct flood_result *res,
			   const struct sample *s)
{
	/* a light job may end before its RUN returns: latency 0 then */
	return (double)(s->end > s->tq ? s->end - s->tq : 0) /
	       (double)(s->run_ns + res->f_handover + (s->end - s->start));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Fair: each job of the light session (the smallest conv, an async RUN
 * and its WAIT) is queued while a flood job runs and 32 to 63 more are
 * queued; it must run right after the running one. Checked on the
 * worker's own record of each job's start and end (trace events,
 * CLOCK_MONOTONIC), not on the round trip, which adds the caller's wakeup
 * (up to a timer tick under TCG) and the host's preemption of the VM (the
 * machine is shared: single flood jobs were seen taking 100 times their
 * median):
 *
 * - exactly: in every sample, at most one flood job ended between tq
 *   (just after the RUN returned: the job is queued) and the light job's
 *   start: the one running when it was queued (or, if the light job's
 *   previous run had just ended and the worker had not picked the next
 *   one yet, the one it picks then: the session served last goes
 *   behind the others). A plain round-robin that let the flooder go once
 *   more gives 2 in nearly every sample, fifo 30 or more.
 * - as a ratio of durations: a sample's latency, tq to the light job's
 *   end, over "one flood job plus its own": the flood job running at tq
 *   (its duration in the trace, start to end) with the worker's handover
 *   to the next job (the median of the flood's own handovers, end to the
 *   next start, in the same run: in these VMs the woken WAITer takes the
 *   worker's vCPU for milliseconds, and a flood job pays that too), plus
 *   the light job's run. Asserted on the median sample at 2.0: tq falls
 *   at a random point of the running job, so the median sample has half
 *   a flood job of margin, while a host hiccup (tens of milliseconds,
 *   seen) moves single samples, not the median. But the worker's
 *   handover from a flood job to the light job took from 50 us to 3.1 ms
 *   (median of a run) in TCG, against 10 to 400 us from one flood job to
 *   the next, unexplained yet: measured medians 0.55 to 1.66 with this
 *   scheduler (1.71 with a plain round-robin). So the bound allows one
 *   flood job more for that handover; the exact count above is what tells
 *   round-robin from a plain one, and fifo fails both. (Measured against a
 *   flood job's median duration instead of the one that ran, the ratio
 *   drifts: in TCG the light session's own activity slows the worker's
 *   vCPU.) Behind one more flood job the median is about 1.5; behind the
 *   flood (fifo), 30 or more. p90, max, the median time from t0 (before
 *   the RUN) to tq and the handovers are logged.
 */
TEST_F_TIMEOUT(sched, fair_single_job_waits_at_most_one_flood_job, 600)
{
	struct flood_result *res = calloc(1, sizeof(*res));
	unsigned int i, seen = 0, most = 0;
	double *q;

	ASSERT_NE(NULL, res);
	flood_measure(_metadata, "fair", MAX_SAMPLES, false, res);
	ASSERT_EQ(FLOOD_JOBS, res->f_n);
	ASSERT_LE(10, res->nr);
	q = calloc(res->nr, sizeof(*q));
	ASSERT_NE(NULL, q);
	for (i = 0; i < res->nr; i++) {
		if (res->smp[i].overtook > most)
			most = res->smp[i].overtook;
		seen += res->smp[i].overtook > 0;
		q[i] = (double)(res->smp[i].tq - res->smp[i].t0);
	}
	qsort(q, res->nr, sizeof(*q), cmp_double);
	TH_LOG("fair: t0 to tq (the RUN): median %.0f us", q[res->nr / 2] / 1e3);
	for (i = 0; i < res->nr; i++)
		q[i] = (double)res->smp[i].gap_ns;
	qsort(q, res->nr, sizeof(*q), cmp_double);
	TH_LOG("fair: the last flood job's end to the light job's start: median %.0f us, p90 %.0f us; a flood job's to the next: median %llu us",
	       q[res->nr / 2] / 1e3, q[res->nr * 9 / 10] / 1e3,
	       (unsigned long long)res->f_handover / 1000);
	for (i = 0; i < res->nr; i++)
		q[i] = sample_ratio(res, &res->smp[i]);
	qsort(q, res->nr, sizeof(*q), cmp_double);
	TH_LOG("fair: %u samples; flood job median %llu us (period %llu us), max %llu us; flood jobs ended while it waited: at most %u, 1 or more in %u samples; latency over (flood job + own): p50 %.2f, p90 %.2f, max %.2f",
	       res->nr, (unsigned long long)res->f_med / 1000,
	       (unsigned long long)res->f_period / 1000,
	       (unsigned long long)res->f_max / 1000, most, seen,
	       q[res->nr / 2], q[res->nr * 9 / 10], q[res->nr - 1]);
	EXPECT_GE(1, most);
	EXPECT_GE(2.0, q[res->nr / 2]);
	free(q);
	free(res);
}

/*
 * Fifo: the same job waits behind every job queued before it (at least
 * 32 flood jobs, the sample's precondition): at least 30 flood jobs
 * end between its tq and its start (2 may have ended before tq),
 * and its latency, tq to its end, is at least 8 times the flood jobs'
 * median duration plus its own (a quarter of 32: the jobs it waits for
 * may be the shortest ones; on the debug kernel under a loaded host, 39
 * flood jobs once ended in 14.2 medians while it waited).
 */
TEST_F_TIMEOUT(sched, fifo_single_job_waits_behind_the_flood, 600)
{
	struct flood_result *res = calloc(1, sizeof(*res));
	unsigned int i;

	ASSERT_NE(NULL, res);
	flood_measure(_metadata, "fifo", 3, true, res);
	ASSERT_EQ(3, res->nr);
	for (i = 0; i < res->nr; i++) {
		const struct sample *s = &res->smp[i];

		TH_LOG("fifo: latency %.2f (flood job + own), flood job median %llu us; %lld queued before, %u ended while it waited",
		       sample_ratio(res, s),
		       (unsigned long long)res->f_med / 1000, s->queued,
		       s->overtook);
		EXPECT_LE(30, s->overtook);
		/* against the median: the job running at tq may be a hiccup */
		EXPECT_LE(8 * (res->f_med + (s->end - s->start)),
			  s->end - s->tq);
	}
	free(res);
}

/* Waits until the device runs a job and queues none (up to 10 s). */
static bool device_running_one(void)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (dev_stat("jobs_running") == 1 &&
		    dev_stat("jobs_queued") == 0)
			return true;
		usleep(10000);
	}
	return false;
}

/* A job of one of the test's sessions; @sess: the session's open order. */
struct qjob {
	int fd;
	int sess;
	uint64_t id;
};

#define MAX_SESS	8

/*
 * Waits for @n jobs, each must finish with status 0, then checks in the
 * trace (begun before they were queued) that they completed in the order
 * @order gives: the jobs that ended with status 0 (not the cancelled
 * plug, not cancelled jobs), each named by its session's rank among them
 * (session ids ascend in open order) and its id. Returns the index of
 * the first job out of order, or -1.
 */
static int check_order(struct __test_metadata *_metadata,
		       const struct qjob *order, int n)
{
	uint64_t ids[MAX_SESS];
	struct nnmem_wait w;
	int k, i, m, nids = 0, bad = -1;
	struct tev *ev;

	for (k = 0; k < n; k++) {
		EXPECT_EQ(0, nt_wait(order[k].fd, order[k].id,
				     NNMEM_WAIT_FOREVER, &w));
		EXPECT_EQ(0, w.status);
	}
	m = trace_end(&ev);
	EXPECT_LT(0, m) {
		TH_LOG("trace: %s", strerror(-m));
		return 0;
	}
	/* the sessions in ascending id order */
	for (i = 0; i < m; i++) {
		int a;

		if (!ev[i].end || ev[i].status)
			continue;
		for (a = 0; a < nids && ids[a] != ev[i].session; a++)
			;
		if (a < nids)
			continue;
		if (nids == MAX_SESS)
			break;
		for (a = nids++; a > 0 && ids[a - 1] > ev[i].session; a--)
			ids[a] = ids[a - 1];
		ids[a] = ev[i].session;
	}
	for (i = 0, k = 0; i < m && bad < 0; i++) {
		int a;

		if (!ev[i].end || ev[i].status)
			continue;
		for (a = 0; a < nids && ids[a] != ev[i].session; a++)
			;
		if (k == n || a != order[k].sess || ev[i].job != order[k].id) {
			TH_LOG("completion %d: session %d job %u, not session %d job %llu",
			       k, a, ev[i].job, k < n ? order[k].sess : -1,
			       k < n ? (unsigned long long)order[k].id : 0ULL);
			bad = k;
		}
		k++;
	}
	if (bad < 0 && k != n)
		bad = k;
	free(ev);
	return bad;
}

/*
 * A plug: a long job of session @p that runs while the test queues jobs
 * behind it; the test cancels it once they are queued. Its size: the
 * calibrated size @size plus three steps (about 64 times the MACs).
 */
static void plug_start(struct __test_metadata *_metadata, struct sess *p,
		       int size, uint64_t *job)
{
	int big = size + 3 < (int)NR_SIZES ? size + 3 : (int)NR_SIZES - 1;

	ASSERT_EQ(0, sess_open(p, (unsigned int)big, 5));
	ASSERT_EQ(0, nt_submit(p->fd, p->graph, job));
	ASSERT_TRUE(device_running_one());
}

/* Cancels the plug, which must still have been running. */
static void plug_end(struct __test_metadata *_metadata, struct sess *p,
		     uint64_t job)
{
	struct nnmem_wait w;

	ASSERT_EQ(-ETIME, nt_wait(p->fd, job, 0, &w)) {
		TH_LOG("the plug finished before the jobs were queued");
	}
	ASSERT_EQ(0, nt_cancel(p->fd, job));
	ASSERT_EQ(0, nt_wait(p->fd, job, NNMEM_WAIT_FOREVER, &w));
}

/*
 * Three sessions queue four jobs each (all of A's, then B's, then C's)
 * behind a plug: under @policy they complete in the order @expect gives
 * (indexes session * 4 + job).
 */
static void three_sessions(struct __test_metadata *_metadata,
			   const char *policy, const int *expect)
{
	struct sess s[3], p;
	struct qjob j[12], order[12];
	uint64_t plug;
	int size, i, k, bad;

	ASSERT_EQ(0, sched_set(policy));
	/* jobs of 20 ms or more: the order check's margin */
	size = sess_open_timed(&s[0], 20 * MS, 1, NULL);
	ASSERT_LE(0, size);
	ASSERT_EQ(0, sess_open(&s[1], (unsigned int)size, 2));
	ASSERT_EQ(0, sess_open(&s[2], (unsigned int)size, 3));
	ASSERT_EQ(0, trace_begin());
	plug_start(_metadata, &p, size, &plug);
	for (i = 0; i < 3; i++) {
		for (k = 0; k < 4; k++) {
			j[i * 4 + k].fd = s[i].fd;
			j[i * 4 + k].sess = i;
			ASSERT_EQ(0, nt_submit(s[i].fd, s[i].graph,
					       &j[i * 4 + k].id));
		}
	}
	ASSERT_EQ(12, dev_stat("jobs_queued"));
	plug_end(_metadata, &p, plug);
	for (k = 0; k < 12; k++)
		order[k] = j[expect[k]];
	bad = check_order(_metadata, order, 12);
	EXPECT_EQ(-1, bad) {
		TH_LOG("%s: completion %d is not job %c%d", policy, bad,
		       'A' + expect[bad] / 4, expect[bad] % 4 + 1);
	}
	for (i = 0; i < 3; i++)
		sess_close(&s[i]);
	sess_close(&p);
}

TEST_F_TIMEOUT(sched, fair_three_sessions_interleave_round_robin, 300)
{
	static const int rr[12] = { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 };

	three_sessions(_metadata, "fair", rr);
}

TEST_F_TIMEOUT(sched, fifo_three_sessions_run_in_submission_order, 300)
{
	static const int fifo[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

	three_sessions(_metadata, "fifo", fifo);
}

/*
 * Cancel in the fair queue: a cancelled queued job finishes at once with
 * -ECANCELED and leaves the queue; the others keep the round-robin,
 * the emptied session drops out of it.
 */
TEST_F_TIMEOUT(sched, fair_cancel_takes_queued_jobs_off_the_round_robin, 300)
{
	struct sess a, b, p;
	struct qjob ja[3], jb[3], order[4];
	struct nnmem_wait w;
	long long cancelled;
	uint64_t plug;
	int size, k;

	size = sess_open_timed(&a, 20 * MS, 1, NULL);
	ASSERT_LE(0, size);
	ASSERT_EQ(0, sess_open(&b, (unsigned int)size, 2));
	ASSERT_EQ(0, trace_begin());
	plug_start(_metadata, &p, size, &plug);
	for (k = 0; k < 3; k++) {
		ja[k].fd = a.fd;
		ja[k].sess = 0;
		jb[k].fd = b.fd;
		jb[k].sess = 1;
		ASSERT_EQ(0, nt_submit(a.fd, a.graph, &ja[k].id));
	}
	for (k = 0; k < 3; k++)
		ASSERT_EQ(0, nt_submit(b.fd, b.graph, &jb[k].id));
	ASSERT_EQ(6, dev_stat("jobs_queued"));
	cancelled = dev_stat("jobs_cancelled");

	/* B's first and A's second and third: done at once, off the queue */
	ASSERT_EQ(0, nt_cancel(b.fd, jb[0].id));
	ASSERT_EQ(0, nt_cancel(a.fd, ja[1].id));
	ASSERT_EQ(0, nt_cancel(a.fd, ja[2].id));
	ASSERT_EQ(-EALREADY, nt_cancel(a.fd, ja[1].id));
	ASSERT_EQ(3, dev_stat("jobs_queued"));
	ASSERT_EQ(cancelled + 3, dev_stat("jobs_cancelled"));
	ASSERT_EQ(0, nt_wait(b.fd, jb[0].id, 0, &w));
	ASSERT_EQ(-ECANCELED, w.status);
	ASSERT_EQ(0, nt_wait(a.fd, ja[2].id, 0, &w));
	ASSERT_EQ(-ECANCELED, w.status);
	ASSERT_EQ(0, nt_wait(a.fd, ja[1].id, 0, &w));
	ASSERT_EQ(-ECANCELED, w.status);

	/* A1 B2 B3 remain, in this order */
	plug_end(_metadata, &p, plug);
	order[0] = ja[0];
	order[1] = jb[1];
	order[2] = jb[2];
	EXPECT_EQ(-1, check_order(_metadata, order, 3));
	ASSERT_EQ(0, dev_stat("jobs_queued"));
	sess_close(&a);
	sess_close(&b);
	sess_close(&p);
}

/*
 * Close in the fair queue: the session served last (its job runs, two
 * more are queued) closes; its running job stops, its queued ones leave
 * the queue, and the other session's jobs run (the worker forgets the
 * closed session: the debug kernel's KASAN would see a use after free).
 * Then a session with only queued jobs closes behind a plug.
 */
TEST_F_TIMEOUT(sched, fair_close_with_queued_jobs_frees_them_and_others_run,
	       300)
{
	struct sess a, b, c, p;
	struct nnmem_wait w;
	long long cancelled;
	uint64_t plug, job[3];
	int size, k;

	size = sess_open_timed(&b, 20 * MS, 2, NULL);
	ASSERT_LE(0, size);
	ASSERT_EQ(0, sess_open(&c, (unsigned int)size, 3));

	/* A runs a plug and has two more queued; B has two queued */
	plug_start(_metadata, &a, size, &plug);
	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, nt_submit(a.fd, a.graph, &job[k]));
	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, nt_submit(b.fd, b.graph, &job[k]));
	ASSERT_EQ(4, dev_stat("jobs_queued"));
	cancelled = dev_stat("jobs_cancelled");
	sess_close(&a);
	ASSERT_EQ(cancelled + 3, dev_stat("jobs_cancelled"));
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, nt_wait(b.fd, job[k], NNMEM_WAIT_FOREVER, &w));
		ASSERT_EQ(0, w.status);
	}

	/* C has three queued behind a plug of B and closes */
	plug_start(_metadata, &p, size, &plug);
	for (k = 0; k < 3; k++)
		ASSERT_EQ(0, nt_submit(c.fd, c.graph, &job[k]));
	ASSERT_EQ(0, nt_submit(b.fd, b.graph, &job[0]));
	ASSERT_EQ(4, dev_stat("jobs_queued"));
	cancelled = dev_stat("jobs_cancelled");
	sess_close(&c);
	ASSERT_EQ(1, dev_stat("jobs_queued"));
	ASSERT_EQ(cancelled + 3, dev_stat("jobs_cancelled"));
	plug_end(_metadata, &p, plug);
	ASSERT_EQ(0, nt_wait(b.fd, job[0], NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(0, dev_stat("jobs_queued"));
	ASSERT_EQ(0, dev_stat("jobs_running"));
	sess_close(&b);
	sess_close(&p);
}

TEST_HARNESS_MAIN
