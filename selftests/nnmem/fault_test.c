// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem under allocation failures (plain TAP), for a kernel with
 * CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and CONFIG_FAULT_INJECTION_DEBUG_FS
 * (the debug kernel; the rig installs this test only there).
 *
 * failslab and fail_page_alloc are set to fail GFP_KERNEL allocations of
 * any order, silently (verbose 0), only where fail-nth says. Then for each
 * path (open, ALLOC, FREE, REGION_INFO, WRITE, READ, GRAPH_CREATE, sync
 * RUN, async RUN, WAIT, mmap, COMPACT, netlink dev-get and region-get,
 * EXPORT, and root's writes of the quota_uid and
 * quota_session_weight_bytes sysfs attributes) the call is made with
 * /proc/thread-self/fail-nth = 1, 2, 3, ... until the n-th allocation
 * point is no longer reached (the call ran with no failure). Each call
 * that met a failure must either fail with -ENOMEM (netlink: also
 * -ENOBUFS) and leave the device's usage exactly as it was, or succeed,
 * its undo leaving usage as it was: a failure the code tolerates. Where a
 * path changes more than USAGE shows (the dma-bufs EXPORT adds, the
 * quotas a sysfs write sets), that state, read before and after, must be
 * the same too. A tolerated failure must be explained: the stack of the
 * failed slab allocation (a "stacktrace if ptr == 0" trigger on the kmem
 * tracepoints, which report failures too) must show it was made by one of
 * the callers in ft_tolerances[], each of which handles the failure by
 * design (the reason is printed); an unexplained one fails the path and
 * prints its stack. Afterwards the device must still work (an
 * allocation, a write and a read back), and USAGE itself must never fail.
 * At the end usage must be back to empty. Prints the fault points per
 * path, one diagnostic line per tolerated category, and "# figure:" lines
 * (paths, fault_points, failed_enomem, tolerated).
 *
 * Expects nnmem loaded with devices=2, nothing allocated, root, debugfs.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nnmem_nl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>

#include "nnmem_test.h"

#define FT_MAX_N	2000U
#define FT_FRAMES	64
#define FT_FRAME_LEN	80

static int ft_nth_fd = -1;
static int ft_fd = -1;
static int ft_kmsg = -1;
static unsigned long ft_points, ft_enomem, ft_tolerated_all;

/*
 * "times" of both attributes: finite, so that each injection counts it
 * down and shows which of the two injected it.
 */
#define FT_TIMES	"1000000000"
#define FT_TRACEFS	"/sys/kernel/tracing"

/*
 * Allocations whose failure the kernel tolerates by design: the function
 * that made the failed allocation (the first frame above the allocator),
 * and why the call may still succeed. Add an entry only with the reason,
 * checked against the kernel source.
 */
static const struct ft_tolerance {
	const char *site[4];
	const char *why;
} ft_tolerances[] = {
	{ { "xas_alloc", "xas_create", "xas_expand" },
	  "xarray node, first try under the lock with GFP_NOWAIT (lib/xarray.c xas_alloc()): on failure __xas_nomem() allocates with the caller's GFP and the store is retried" },
	{ { "__kvmalloc_node_noprof" },
	  "kvmalloc() of more than a page (mm/util.c): its kmalloc try is __GFP_NORETRY|__GFP_NOWARN and falls back to vmalloc (of a page or less it returns the failure)" },
	{ { "mem_pool_alloc", "__alloc_object" },
	  "kmemleak's object for an allocation (mm/kmemleak.c mem_pool_alloc()): when the slab try fails it takes one from its emergency pool (debug bookkeeping, not the driver's)" },
	{ { "fill_pool" },
	  "debugobjects pool refill (lib/debugobjects.c): best effort, the pool still holds objects (debug bookkeeping, not the driver's)" },
	/* FT_TOL_PAGE_NOWARN: no stack, see ft_path_run() */
	{ { "(page allocation, __GFP_NOWARN)" },
	  "a page allocation its caller lets fail: fail_page_alloc (verbose 1) logs every other one, and none was logged. On these paths: SLUB's higher-order slab page, retried at the cache's minimum order (mm/slub.c allocate_slab()); KASAN's stack depot pool, dropped (lib/stackdepot.c); vmalloc's bulk try, retried page by page (mm/page_alloc.c __alloc_pages_bulk())" },
};

#define FT_TOL_PAGE_NOWARN	4
#define FT_NR_TOL	(sizeof(ft_tolerances) / sizeof(ft_tolerances[0]))

/* The stack of the failed allocation, innermost first. */
struct ft_site {
	const char *attr;		/* failslab or fail_page_alloc */
	char frame[FT_FRAMES][FT_FRAME_LEN];
	int nframes;
	int site;			/* frame[] index of the caller */
};

static const char *const ft_events[] = {
	"kmem/kmalloc", "kmem/kmem_cache_alloc",
};

static char ft_trigger[96];

static int ft_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

static int ft_setup(char *msg, size_t len)
{
	static const char *const files[][2] = {
		{ "failslab/task-filter", "N" },
		{ "failslab/probability", "0" },
		{ "failslab/times", FT_TIMES },
		{ "failslab/verbose", "0" },
		{ "failslab/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/task-filter", "N" },
		{ "fail_page_alloc/probability", "0" },
		{ "fail_page_alloc/times", FT_TIMES },
		{ "fail_page_alloc/verbose", "1" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
	};
	char path[128];
	size_t i;
	int err;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s",
			 files[i][0]);
		err = ft_write_file(path, files[i][1]);
		if (err) {
			snprintf(msg, len, "%s: %s (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS and debugfs needed)",
				 path, strerror(-err));
			return err;
		}
	}
	ft_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (ft_nth_fd < 0) {
		snprintf(msg, len, "/proc/thread-self/fail-nth: %s (CONFIG_FAULT_INJECTION)",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void ft_nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(ft_nth_fd, buf, (size_t)len, 0) != len)
		abort();
}
/* True if the fault set by ft_nth_set() was injected; resets it. */
static bool ft_nth_injected(void)
{
	char buf[16] = "";
	bool injected;

	injected = pread(ft_nth_fd, buf, sizeof(buf) - 1, 0) > 0 &&
		   atoi(buf) == 0;
	ft_nth_set(0);
	return injected;
}

/*
 * A stack trace into the trace buffer for each allocation of ours that
 * failed: the kmem tracepoints fire with ptr 0 for a failed slab or
 * kmalloc allocation (injected ones included, __GFP_NOWARN or not).
 */
static int ft_trace_setup(char *msg, size_t len)
{
	char path[128];
	size_t i;
	int err;

	if (access(FT_TRACEFS "/trace", F_OK) &&
	    mount("nodev", FT_TRACEFS, "tracefs", 0, NULL)) {
		snprintf(msg, len, "mount tracefs: %s (CONFIG_TRACING)",
			 strerror(errno));
		return -errno;
	}
	ft_kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (ft_kmsg < 0) {
		snprintf(msg, len, "/dev/kmsg: %s", strerror(errno));
		return -errno;
	}
	snprintf(ft_trigger, sizeof(ft_trigger),
		 "stacktrace if ptr == 0 && common_pid == %d", (int)getpid());
	for (i = 0; i < sizeof(ft_events) / sizeof(ft_events[0]); i++) {
		snprintf(path, sizeof(path), FT_TRACEFS "/events/%s/trigger",
			 ft_events[i]);
		err = ft_write_file(path, ft_trigger);
		if (err) {
			snprintf(msg, len, "%s: %s", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static void ft_trace_teardown(void)
{
	char path[128], off[sizeof(ft_trigger) + 1];
	size_t i;

	snprintf(off, sizeof(off), "!%s", ft_trigger);
	for (i = 0; i < sizeof(ft_events) / sizeof(ft_events[0]); i++) {
		snprintf(path, sizeof(path), FT_TRACEFS "/events/%s/trigger",
			 ft_events[i]);
		ft_write_file(path, off);
	}
}

/* Empty the trace buffer: ft_trace_site() reads what comes next. */
static void ft_trace_clear(void)
{
	int fd = open(FT_TRACEFS "/trace", O_WRONLY | O_TRUNC);

	if (fd >= 0)
		close(fd);
}

static long ft_read_long(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atol(buf) : -1;
}

/* Skip the kernel log so far: ft_kmsg_logged() reads what comes next. */
static void ft_kmsg_skip(void)
{
	lseek(ft_kmsg, 0, SEEK_END);
}

/* True if fault injection logged a failure of @attr since the skip. */
static bool ft_kmsg_logged(const char *attr)
{
	char rec[1024], name[64];
	bool found = false;
	ssize_t n;

	snprintf(name, sizeof(name), "name %s,", attr);
	for (;;) {
		n = read(ft_kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records overwritten: read on */
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, "FAULT_INJECTION: forcing a failure") &&
		    strstr(rec, name))
			found = true;
	}
	return found;
}

/* Allocator and tracing frames above the function that allocated. */
static bool ft_internal_frame(const char *f)
{
	static const char *const prefixes[] = {
		"kmem_cache_alloc", "__kmem_cache_alloc", "kmalloc",
		"__kmalloc", "__do_kmalloc", "slab_alloc", "__slab_alloc",
		"___slab_alloc", "trace", "__trace", "event_trigger",
		"__traceiter", "stack_trace", "perf_trace",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(f, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/*
 * The stack of the failed allocation since ft_trace_clear(), from the
 * first "<stack trace>" entry of the trace buffer (" => func" lines).
 * False if there was none (a page allocation: those fail before their
 * tracepoint).
 */
static bool ft_trace_site(struct ft_site *site)
{
	bool in_stack = false, found = false;
	char line[512];
	FILE *f;

	site->nframes = 0;
	site->site = -1;
	f = fopen(FT_TRACEFS "/trace", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "<stack trace>")) {
			if (found)
				break;	/* the first one only */
			found = in_stack = true;
			continue;
		}
		if (!in_stack || strncmp(line, " => ", 4)) {
			in_stack = false;
			continue;
		}
		if (site->nframes < FT_FRAMES) {
			snprintf(site->frame[site->nframes],
				 sizeof(site->frame[0]), "%.*s",
				 (int)strcspn(line + 4, "+ \n"), line + 4);
			if (site->site < 0 &&
			    !ft_internal_frame(site->frame[site->nframes]))
				site->site = site->nframes;
			site->nframes++;
		}
	}
	fclose(f);
	return found;
}

/* The ft_tolerances[] entry explaining a tolerated failure, or -1. */
static int ft_classify(const struct ft_site *site)
{
	size_t t, k;

	if (site->site < 0)
		return -1;
	for (t = 0; t < FT_TOL_PAGE_NOWARN; t++)
		for (k = 0; k < 4 && ft_tolerances[t].site[k]; k++)
			if (!strcmp(site->frame[site->site],
				    ft_tolerances[t].site[k]))
				return (int)t;
	return -1;
}

static void ft_print_site(const struct ft_site *site)
{
	int i;

	printf("#   %s failure, made by %s; stack (innermost first):\n",
	       site->attr, site->site >= 0 ? site->frame[site->site] : "?");
	for (i = 0; i < site->nframes; i++)
		printf("#     %s\n", site->frame[i]);
	if (!site->nframes)
		printf("#     (none: a page allocation without __GFP_NOWARN, or no stack traced)\n");
}

/* ---- the paths: prepare, the call, undo a success ---- */

struct ft_ctx {
	int qfd;
	const char *qattr;
	uint32_t h[3];
	uint32_t graph;
	uint64_t job;
	void *map;
	size_t map_len;
	uint64_t mmap_offset;
	int nl;
	uint16_t family;
	uint64_t session;
	int extra_fd;
	char buf[4096];
};

struct ft_path {
	const char *name;
	int (*prepare)(struct ft_ctx *c);
	int (*call)(struct ft_ctx *c);		/* 0 or -errno */
	void (*undo)(struct ft_ctx *c);		/* after a success */
	void (*fini)(struct ft_ctx *c);		/* after the loop */
	bool netlink;
	/* state beyond USAGE that a failed call must leave as it was */
	int (*snap)(struct ft_ctx *c, char *buf, size_t len);
};

static int ft_prep_region(struct ft_ctx *c)
{
	struct nnmem_region_info ri;
	int err;

	memset(&ri, 0, sizeof(ri));
	err = nt_alloc(ft_fd, 4096, 0, NNMEM_KIND_ACTIVATION,
		       NNMEM_ALLOC_MAPPABLE, "fault", &c->h[0], NULL);
	if (!err)
		err = nt_region_info(ft_fd, c->h[0], &ri);
	if (!err)
		c->mmap_offset = ri.mmap_offset;
	return err;
}

static void ft_fini_region(struct ft_ctx *c)
{
	if (c->h[0])
		nt_free(ft_fd, c->h[0]);
	c->h[0] = 0;
}

static int ft_call_open(struct ft_ctx *c)
{
	c->extra_fd = nt_open(1);
	return c->extra_fd < 0 ? c->extra_fd : 0;
}

static void ft_undo_open(struct ft_ctx *c)
{
	close(c->extra_fd);
}

static int ft_call_alloc(struct ft_ctx *c)
{
	return nt_alloc(ft_fd, 8192, 0, NNMEM_KIND_WEIGHT, 0, "x", &c->h[1],
			NULL);
}

static void ft_undo_alloc(struct ft_ctx *c)
{
	nt_free(ft_fd, c->h[1]);
}

static int ft_call_free(struct ft_ctx *c)
{
	int err = nt_free(ft_fd, c->h[0]);

	if (!err)
		c->h[0] = 0;
	return err;
}

static void ft_undo_free(struct ft_ctx *c)
{
	ft_prep_region(c);	/* the next round frees again */
}

static int ft_call_info(struct ft_ctx *c)
{
	struct nnmem_region_info ri;

	return nt_region_info(ft_fd, c->h[0], &ri);
}

static int ft_call_write(struct ft_ctx *c)
{
	return nt_write(ft_fd, c->h[0], 0, c->buf, sizeof(c->buf));
}

static int ft_call_read(struct ft_ctx *c)
{
	return nt_read(ft_fd, c->h[0], 0, c->buf, sizeof(c->buf));
}

/* add over three 64-byte slices of one activation region */
static int ft_graph(struct ft_ctx *c, uint32_t *graph)
{
	struct nnmem_graph_create gc;
	struct nnmem_tensor t[3];
	struct nnmem_node n;
	int k, err;

	memset(t, 0, sizeof(t));
	for (k = 0; k < 3; k++) {
		t[k].handle = c->h[0];
		t[k].type = NNMEM_TYPE_INT8;
		t[k].offset = 64 * (uint64_t)k;
		t[k].ndims = 1;
		t[k].dims[0] = 64;
	}
	memset(&n, 0, sizeof(n));
	n.op = NNMEM_OP_ADD;
	n.add.input1 = 0;
	n.add.input2 = 1;
	n.add.output = 2;
	n.add.left_shift = 20;
	n.add.input1_multiplier = n.add.input2_multiplier =
		n.add.output_multiplier = 1 << 30;
	n.add.act_min = -128;
	n.add.act_max = 127;
	err = nt_graph_create(ft_fd, t, 3, &n, 1, &gc);
	if (!err)
		*graph = gc.graph;
	return err;
}

static int ft_prep_graph(struct ft_ctx *c)
{
	int err = ft_prep_region(c);

	if (!err)
		err = nt_write(ft_fd, c->h[0], 0, c->buf, 4096);
	return err ? err : ft_graph(c, &c->graph);
}

static void ft_fini_graph(struct ft_ctx *c)
{
	nt_graph_destroy(ft_fd, c->graph);
	ft_fini_region(c);
}

static int ft_call_graph_create(struct ft_ctx *c)
{
	return ft_graph(c, &c->h[2]);
}

static void ft_undo_graph_create(struct ft_ctx *c)
{
	nt_graph_destroy(ft_fd, c->h[2]);
}

static int ft_call_run(struct ft_ctx *c)
{
	return nt_run(ft_fd, c->graph, NULL);
}

static int ft_call_submit(struct ft_ctx *c)
{
	return nt_submit(ft_fd, c->graph, &c->job);
}

static void ft_undo_submit(struct ft_ctx *c)
{
	nt_wait(ft_fd, c->job, NNMEM_WAIT_FOREVER, NULL);
}

static int ft_prep_wait(struct ft_ctx *c)
{
	int err = ft_prep_graph(c);

	return err ? err : nt_submit(ft_fd, c->graph, &c->job);
}

static int ft_call_wait(struct ft_ctx *c)
{
	struct nnmem_wait w;
	uint64_t times[1];

	memset(&w, 0, sizeof(w));
	w.job = c->job;
	w.deadline_ns = NNMEM_WAIT_FOREVER;
	w.node_times = (uintptr_t)times;
	w.node_count = 1;
	return nt_ioctl(ft_fd, NNMEM_IOCTL_WAIT, &w);
}

static void ft_undo_wait(struct ft_ctx *c)
{
	nt_submit(ft_fd, c->graph, &c->job);	/* a job for the next round */
}

static void ft_fini_wait(struct ft_ctx *c)
{
	nt_wait(ft_fd, c->job, NNMEM_WAIT_FOREVER, NULL);
	ft_fini_graph(c);
}

static int ft_call_mmap(struct ft_ctx *c)
{
	c->map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ft_fd,
		      (off_t)c->mmap_offset);
	return c->map == MAP_FAILED ? -errno : 0;
}

static void ft_undo_mmap(struct ft_ctx *c)
{
	munmap(c->map, 4096);
}

/* EXPORT: a dma-buf of the region; undone by closing it. */
static int ft_call_export(struct ft_ctx *c)
{
	struct nnmem_export e;
	int err;

	memset(&e, 0, sizeof(e));
	e.handle = c->h[0];
	e.flags = NNMEM_EXPORT_RDWR | NNMEM_EXPORT_CLOEXEC;
	e.fd = -1;
	err = nt_ioctl(ft_fd, NNMEM_IOCTL_EXPORT, &e);
	if (!err)
		c->extra_fd = e.fd;
	return err;
}

static void ft_undo_export(struct ft_ctx *c)
{
	close(c->extra_fd);
}

/* The live dma-bufs of the device (USAGE), which EXPORT adds to. */
static int ft_snap_dmabufs(struct ft_ctx *c, char *buf, size_t len)
{
	struct nnmem_usage u;
	int err = nt_usage(ft_fd, &u);

	(void)c;
	if (!err)
		snprintf(buf, len, "dmabufs %u", u.dmabufs);
	return err;
}

/*
 * Quota writes (sysfs, root): the attribute is opened before the fault
 * (open allocates too) and written at offset 0; undone by "max".
 */
#define FT_SYSFS	"/sys/class/nnmem/nnmem0/"
#define FT_QUOTA_UID	"4242"

static int ft_prep_quota(struct ft_ctx *c, const char *attr)
{
	char path[128];

	c->qattr = attr;
	snprintf(path, sizeof(path), FT_SYSFS "%s", attr);
	c->qfd = open(path, O_RDWR | O_CLOEXEC);
	return c->qfd < 0 ? -errno : 0;
}

static int ft_prep_quota_uid(struct ft_ctx *c)
{
	return ft_prep_quota(c, "quota_uid");
}

static int ft_prep_quota_session(struct ft_ctx *c)
{
	return ft_prep_quota(c, "quota_session_weight_bytes");
}

static void ft_fini_quota(struct ft_ctx *c)
{
	if (c->qfd > 0)
		close(c->qfd);
	c->qfd = 0;
}

static int ft_quota_write(struct ft_ctx *c, const char *val)
{
	ssize_t n = pwrite(c->qfd, val, strlen(val), 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

static int ft_call_quota_uid(struct ft_ctx *c)
{
	return ft_quota_write(c, FT_QUOTA_UID " 65536 max\n");
}

static void ft_undo_quota_uid(struct ft_ctx *c)
{
	ft_quota_write(c, FT_QUOTA_UID " max max\n");
}

static int ft_call_quota_session(struct ft_ctx *c)
{
	return ft_quota_write(c, "65536\n");
}

static void ft_undo_quota_session(struct ft_ctx *c)
{
	ft_quota_write(c, "max\n");
}

/* What the quota attribute reads back: the quotas in force. */
static int ft_snap_quota(struct ft_ctx *c, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), FT_SYSFS "%s", c->qattr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}


/*
 * COMPACT of a mapped region with a hole below it: the call moves it.
 * Compaction allocates nothing, so no fault is expected to be reached
 * (if one were, the usage check would catch a partial move); the call
 * checks what moved through READ (-EIO if it differs), the undo through
 * the mapping.
 */
static int ft_prep_compact(struct ft_ctx *c)
{
	int err;

	err = nt_weight(ft_fd, 8192, 4096, &c->h[1], NULL);
	if (!err)
		err = nt_alloc(ft_fd, 4096, 0, NNMEM_KIND_WEIGHT,
			       NNMEM_ALLOC_MAPPABLE, "compact", &c->h[0],
			       NULL);
	if (err)
		return err;
	c->map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ft_fd,
		      (off_t)c->h[0] << 32);
	if (c->map == MAP_FAILED)
		return -errno;
	nt_pattern(c->map, 4096, 9);
	return nt_free(ft_fd, c->h[1]);
}

/* What the last COMPACT reported moving (checked by its undo). */
static uint32_t ft_compact_moved;

/*
 * Only the ioctl runs under injection: fail-nth counts on past the call,
 * so a check here (a fresh stack page, READ's copy into c->buf) would
 * meet the failures meant for compaction. COMPACT allocates nothing.
 */
static int ft_call_compact(struct ft_ctx *c)
{
	struct nnmem_compact cp;
	int err;

	(void)c;
	memset(&cp, 0, sizeof(cp));
	err = nt_ioctl(ft_fd, NNMEM_IOCTL_COMPACT, &cp);
	if (!err)
		ft_compact_moved = cp.regions_moved;
	return err;
}

/*
 * With no fault injection: the region moved, and its bytes with it, both
 * through READ and through the mapping (touching it refaults the page).
 */
static void ft_undo_compact(struct ft_ctx *c)
{
	uint8_t want[4096];

	nt_pattern(want, sizeof(want), 9);
	if (ft_compact_moved != 1 ||
	    nt_read(ft_fd, c->h[0], 0, c->buf, sizeof(want)) ||
	    memcmp(want, c->buf, sizeof(want))) {
		printf("# COMPACT: %u regions moved, or READ does not show the moved bytes\n",
		       ft_compact_moved);
		abort();
	}
	if (memcmp(want, c->map, sizeof(want))) {
		printf("# COMPACT: the mapping does not show the moved bytes\n");
		abort();
	}
}

static void ft_fini_compact(struct ft_ctx *c)
{
	if (c->map && c->map != MAP_FAILED)
		munmap(c->map, 4096);
	if (c->h[0])
		nt_free(ft_fd, c->h[0]);
	c->h[0] = 0;
}

/* ---- netlink ---- */

struct ft_nlmsg {
	union {
		struct nlmsghdr nlh;
		char buf[256];
	};
};

static void ft_nl_put(struct ft_nlmsg *m, uint16_t type, const void *v,
		      uint16_t len)
{
	struct nlattr *a = (void *)(m->buf + NLMSG_ALIGN(m->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, v, len);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void ft_nl_put_u32(struct ft_nlmsg *m, uint16_t type, uint32_t v)
{
	ft_nl_put(m, type, &v, sizeof(v));
}

/* Session ids are u64 (family version 2). */
static void ft_nl_put_u64(struct ft_nlmsg *m, uint16_t type, uint64_t v)
{
	ft_nl_put(m, type, &v, sizeof(v));
}

/*
 * A do request (or, with @dump, a region-get dump of nnmem0 that notes the
 * session of the first region, ours); 0 or -errno from the ack.
 */
static int ft_nl_do(struct ft_ctx *c, uint8_t cmd, bool region, bool dump)
{
	static char rbuf[16384];
	static uint32_t seq = 10;
	struct genlmsghdr *g;
	struct ft_nlmsg m;
	struct nlmsghdr *h;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m.nlh.nlmsg_type = c->family;
	m.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	m.nlh.nlmsg_seq = ++seq;
	g = NLMSG_DATA(&m.nlh);
	g->cmd = cmd;
	g->version = 1;
	if (cmd != CTRL_CMD_GETFAMILY) {
		ft_nl_put_u32(&m, 1, 0);		/* dev-index 0 */
		if (region && !dump) {
			ft_nl_put_u64(&m, NNMEM_A_REGION_SESSION, c->session);
			ft_nl_put_u32(&m, NNMEM_A_REGION_HANDLE, c->h[0]);
		}
	} else {
		struct nlattr *a = (void *)(m.buf + m.nlh.nlmsg_len);

		a->nla_type = CTRL_ATTR_FAMILY_NAME;
		a->nla_len = NLA_HDRLEN + sizeof(NNMEM_FAMILY_NAME);
		memcpy((char *)a + NLA_HDRLEN, NNMEM_FAMILY_NAME,
		       sizeof(NNMEM_FAMILY_NAME));
		m.nlh.nlmsg_len += NLA_ALIGN(a->nla_len);
		m.nlh.nlmsg_type = GENL_ID_CTRL;
	}
	if (send(c->nl, &m, m.nlh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(c->nl, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -errno;
		for (h = (void *)rbuf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (cmd == CTRL_CMD_GETFAMILY &&
			    h->nlmsg_type == GENL_ID_CTRL) {
				struct nlattr *a = (void *)((char *)NLMSG_DATA(h) +
							    GENL_HDRLEN);
				int rem = (int)h->nlmsg_len -
					  NLMSG_LENGTH(GENL_HDRLEN);

				for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
				     rem -= NLA_ALIGN(a->nla_len),
				     a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
					if (a->nla_type == CTRL_ATTR_FAMILY_ID)
						c->family = *(uint16_t *)((char *)a + NLA_HDRLEN);
			}
			if (dump && h->nlmsg_type == c->family && !c->session) {
				struct nlattr *a = (void *)((char *)NLMSG_DATA(h) +
							    GENL_HDRLEN);
				int rem = (int)h->nlmsg_len -
					  NLMSG_LENGTH(GENL_HDRLEN);

				for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
				     rem -= NLA_ALIGN(a->nla_len),
				     a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
					if (a->nla_type == NNMEM_A_REGION_SESSION)
						memcpy(&c->session, (char *)a + NLA_HDRLEN, 8);
			}
			if (dump && h->nlmsg_type == NLMSG_DONE)
				return *(int *)NLMSG_DATA(h);
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

static int ft_prep_nl(struct ft_ctx *c)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, err;

	c->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (c->nl < 0)
		return -errno;
	if (bind(c->nl, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(c->nl, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		return -errno;
	err = ft_nl_do(c, CTRL_CMD_GETFAMILY, false, false);
	if (err)
		return err;
	if (!c->family)
		return -ENOENT;
	err = ft_prep_region(c);
	if (!err)
		err = ft_nl_do(c, NNMEM_CMD_REGION_GET, true, true);
	return err ? err : c->session ? 0 : -ENOENT;
}

static void ft_fini_nl(struct ft_ctx *c)
{
	close(c->nl);
	ft_fini_region(c);
}

static int ft_call_dev_get(struct ft_ctx *c)
{
	return ft_nl_do(c, NNMEM_CMD_DEV_GET, false, false);
}

static int ft_call_region_get(struct ft_ctx *c)
{
	return ft_nl_do(c, NNMEM_CMD_REGION_GET, true, false);
}

static const struct ft_path ft_paths[] = {
	{ "open", NULL, ft_call_open, ft_undo_open, NULL, false, NULL },
	{ "ALLOC", NULL, ft_call_alloc, ft_undo_alloc, NULL, false, NULL },
	{ "FREE", ft_prep_region, ft_call_free, ft_undo_free, ft_fini_region,
	  false, NULL },
	{ "REGION_INFO", ft_prep_region, ft_call_info, NULL, ft_fini_region,
	  false, NULL },
	{ "WRITE", ft_prep_region, ft_call_write, NULL, ft_fini_region, false,
	  NULL },
	{ "READ", ft_prep_region, ft_call_read, NULL, ft_fini_region, false,
	  NULL },
	{ "GRAPH_CREATE", ft_prep_graph, ft_call_graph_create,
	  ft_undo_graph_create, ft_fini_graph, false, NULL },
	{ "RUN (sync)", ft_prep_graph, ft_call_run, NULL, ft_fini_graph,
	  false, NULL },
	{ "RUN (async)", ft_prep_graph, ft_call_submit, ft_undo_submit,
	  ft_fini_graph, false, NULL },
	{ "WAIT", ft_prep_wait, ft_call_wait, ft_undo_wait, ft_fini_wait,
	  false, NULL },
	{ "mmap", ft_prep_region, ft_call_mmap, ft_undo_mmap, ft_fini_region,
	  false, NULL },
	{ "COMPACT", ft_prep_compact, ft_call_compact, ft_undo_compact,
	  ft_fini_compact, false, NULL },
	{ "netlink dev-get", ft_prep_nl, ft_call_dev_get, NULL, ft_fini_nl,
	  true, NULL },
	{ "netlink region-get", ft_prep_nl, ft_call_region_get, NULL,
	  ft_fini_nl, true, NULL },
	{ "EXPORT", ft_prep_region, ft_call_export, ft_undo_export,
	  ft_fini_region, false, ft_snap_dmabufs },
	{ "quota_uid write", ft_prep_quota_uid, ft_call_quota_uid,
	  ft_undo_quota_uid, ft_fini_quota, false, ft_snap_quota },
	{ "quota_session_weight_bytes write", ft_prep_quota_session,
	  ft_call_quota_session, ft_undo_quota_session, ft_fini_quota, false,
	  ft_snap_quota },
};

/* The device still works: a region, a write, a read back. */
static bool ft_usable(void)
{
	uint8_t in[256], out[256];
	uint32_t h;
	bool ok;

	nt_pattern(in, sizeof(in), 7);
	if (nt_weight(ft_fd, sizeof(in), 0, &h, NULL))
		return false;
	ok = !nt_write(ft_fd, h, 0, in, sizeof(in)) &&
	     !nt_read(ft_fd, h, 0, out, sizeof(out)) &&
	     !memcmp(in, out, sizeof(in));
	return !nt_free(ft_fd, h) && ok;
}

static int ft_path_run(const struct ft_path *p, int num)
{
	unsigned int n, failures = 0, tolerated = 0, tol[FT_NR_TOL] = { 0 };
	struct nnmem_usage before, after;
	char snap_before[512], snap_after[512];
	struct ft_site site;
	struct ft_ctx c;
	char msg[200] = "";
	bool injected, failed;
	long slab;
	size_t t;
	int err;

	memset(&c, 0, sizeof(c));
	if (p->prepare && (err = p->prepare(&c))) {
		printf("not ok %d fault: %s (setup: %s)\n", num, p->name,
		       strerror(-err));
		return 1;
	}
	for (n = 1; n <= FT_MAX_N; n++) {
		err = nt_usage(ft_fd, &before);
		if (err) {
			snprintf(msg, sizeof(msg),
				 "USAGE before fault %u failed: %s", n,
				 strerror(-err));
			break;
		}
		if (p->snap && (err = p->snap(&c, snap_before,
					      sizeof(snap_before)))) {
			snprintf(msg, sizeof(msg),
				 "state before fault %u: %s", n,
				 strerror(-err));
			break;
		}
		slab = ft_read_long("/sys/kernel/debug/failslab/times");
		ft_trace_clear();
		ft_kmsg_skip();
		ft_nth_set(n);
		err = p->call(&c);
		injected = ft_nth_injected();
		if (!injected) {
			if (err)
				snprintf(msg, sizeof(msg),
					 "no fault injected at n=%u but the call failed: %s",
					 n, strerror(-err));
			else if (p->undo)
				p->undo(&c);
			break;
		}
		ft_points++;
		failed = err != 0;
		if (!failed) {
			int k;

			/* the call succeeded despite the failure: why? */
			/*
			 * The call succeeded despite the failure: which
			 * allocation failed, and is that one allowed to?
			 * failslab's "times" counts down when it injected;
			 * else fail_page_alloc did, which logs the failure
			 * unless the allocation was __GFP_NOWARN.
			 */
			memset(&site, 0, sizeof(site));
			site.site = -1;
			site.attr = ft_read_long("/sys/kernel/debug/failslab/times") !=
				    slab ? "failslab" : "fail_page_alloc";
			if (!strcmp(site.attr, "failslab"))
				k = ft_trace_site(&site) ? ft_classify(&site) : -1;
			else
				k = ft_kmsg_logged(site.attr) ? -1 :
				    FT_TOL_PAGE_NOWARN;
			if (p->undo)
				p->undo(&c);
			if (k < 0) {
				snprintf(msg, sizeof(msg),
					 "fault %u: the call succeeded, and no entry of ft_tolerances[] explains the failed allocation",
					 n);
				ft_print_site(&site);
				break;
			}
			tol[k]++;
			tolerated++;
		} else {
			failures++;
			if (err != -ENOMEM &&
			    !(p->netlink && err == -ENOBUFS)) {
				snprintf(msg, sizeof(msg),
					 "fault %u: %s, not ENOMEM", n,
					 strerror(-err));
				break;
			}
		}
		err = nt_usage(ft_fd, &after);
		if (err) {
			snprintf(msg, sizeof(msg),
				 "USAGE after fault %u failed: %s", n,
				 strerror(-err));
			break;
		}
		if (!nt_usage_same(&before, &after)) {
			snprintf(msg, sizeof(msg),
				 "fault %u: usage changed by the %s", n,
				 failed ? "failed call" :
				 "tolerated call and its undo");
			break;
		}
		if (p->snap && (err = p->snap(&c, snap_after,
					      sizeof(snap_after)))) {
			snprintf(msg, sizeof(msg),
				 "state after fault %u: %s", n,
				 strerror(-err));
			break;
		}
		if (p->snap && strcmp(snap_before, snap_after)) {
			snprintf(msg, sizeof(msg),
				 "fault %u: state changed by the %s: \"%.60s\" became \"%.60s\"",
				 n, failed ? "failed call" :
				 "tolerated call and its undo", snap_before,
				 snap_after);
			break;
		}
		if (!ft_usable()) {
			snprintf(msg, sizeof(msg),
				 "fault %u: device unusable afterwards", n);
			break;
		}
	}
	if (!msg[0] && n > FT_MAX_N)
		snprintf(msg, sizeof(msg), "still failing after %u faults",
			 FT_MAX_N);
	if (p->fini)
		p->fini(&c);
	ft_enomem += failures;
	ft_tolerated_all += tolerated;
	for (t = 0; t < FT_NR_TOL; t++)
		if (tol[t])
			printf("# tolerated: %s: %u x by %s: %s\n", p->name,
			       tol[t], ft_tolerances[t].site[0],
			       ft_tolerances[t].why);
	if (msg[0]) {
		printf("# %s\n", msg);
		printf("not ok %d fault: %s\n", num, p->name);
		return 1;
	}
	printf("ok %d fault: %s: %u allocation points, %u failed with ENOMEM%s, %u tolerated\n",
	       num, p->name, n - 1, failures, p->netlink ? "/ENOBUFS" : "",
	       tolerated);
	return 0;
}

int main(void)
{
	int i, fails = 0, num = (int)(sizeof(ft_paths) / sizeof(ft_paths[0]));
	struct nnmem_usage u;
	char msg[256];

	printf("TAP version 13\n1..%d\n", num + 1);
	fflush(stdout);
	ft_fd = nt_open(0);
	if (ft_fd < 0 || ft_setup(msg, sizeof(msg)) ||
	    ft_trace_setup(msg, sizeof(msg))) {
		if (ft_fd < 0)
			snprintf(msg, sizeof(msg), "open /dev/nnmem0: %s",
				 strerror(-ft_fd));
		printf("# %s\n", msg);
		for (i = 1; i <= num + 1; i++)
			printf("not ok %d fault: setup\n", i);
		printf("0 passed, %d failed\n", num + 1);
		return 1;
	}
	for (i = 0; i < num; i++) {
		fails += ft_path_run(&ft_paths[i], i + 1);
		fflush(stdout);
	}
	printf("# figure: paths=%d\n", num);
	printf("# figure: fault_points=%lu\n", ft_points);
	printf("# figure: failed_enomem=%lu\n", ft_enomem);
	printf("# figure: tolerated=%lu\n", ft_tolerated_all);
	if (!nt_usage(ft_fd, &u) && nt_usage_empty(&u)) {
		printf("ok %d fault: usage back to empty, %lu fault points exercised in all\n",
		       num + 1, ft_points);
	} else {
		fails++;
		printf("not ok %d fault: usage back to empty\n", num + 1);
	}
	ft_trace_teardown();
	close(ft_fd);
	printf("%d passed, %d failed\n", num + 1 - fails, fails);
	return fails ? 1 : 0;
}
