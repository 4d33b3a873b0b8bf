// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem observability: the statistics attributes of /sys/class/nnmem/
 * nnmemN/ against the ioctl usage and a job's own result, the debugfs map
 * /sys/kernel/debug/nnmem/nnmemN/extents after a known sequence, and the
 * tracepoints (events/nnmem) in order with their offsets.
 *
 * Expects nnmem loaded with devices=2 and the default 4 MiB arena, nothing
 * allocated when each test starts, no other user of the devices, root, and
 * debugfs mounted at /sys/kernel/debug (absence is a failure). tracefs is
 * mounted at /sys/kernel/tracing if it is not there yet; a kernel without
 * tracefs skips the tracepoint test, saying so.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "graph_kit.h"
#include "nnmem_test.h"

#define SYSFS_DEV	"/sys/class/nnmem/nnmem"
#define DEBUGFS_DEV	"/sys/kernel/debug/nnmem/nnmem"
#define TRACEFS		"/sys/kernel/tracing"

static const char * const st_attrs[] = {
	"arena_size", "weight_bytes", "activation_bytes", "free_bytes",
	"largest_free", "weight_hwm", "activation_hwm", "weight_regions",
	"activation_regions", "sessions", "graphs", "jobs_queued",
	"jobs_running", "jobs_completed", "jobs_failed", "jobs_cancelled",
	"macs", "busy_ns", "kmem",
};

#define ST_NR_ATTRS	(sizeof(st_attrs) / sizeof(st_attrs[0]))

/* An attribute's value (one decimal number and a newline): 0 or -errno. */
static int st_attr(int dev, const char *name, uint64_t *val)
{
	char path[128];

	snprintf(path, sizeof(path), SYSFS_DEV "%d/%s", dev, name);
	return nt_file_read_u64(path, val);
}

/* All attributes of a device, in st_attrs order. */
static int st_attrs_read(int dev, uint64_t *vals)
{
	size_t i;
	int err;

	for (i = 0; i < ST_NR_ATTRS; i++) {
		err = st_attr(dev, st_attrs[i], &vals[i]);
		if (err)
			return err;
	}
	return 0;
}

static uint64_t st_val(const uint64_t *vals, const char *name)
{
	size_t i;

	for (i = 0; i < ST_NR_ATTRS; i++)
		if (!strcmp(st_attrs[i], name))
			return vals[i];
	return UINT64_MAX;
}

/* The arena attributes equal the USAGE ioctl's: 0, or the first mismatch. */
static const char *st_attrs_vs_usage(const uint64_t *v,
				     const struct nnmem_usage *u)
{
	if (st_val(v, "arena_size") != u->arena_size)
		return "arena_size";
	if (st_val(v, "weight_bytes") != u->weight_bytes)
		return "weight_bytes";
	if (st_val(v, "activation_bytes") != u->activation_bytes)
		return "activation_bytes";
	if (st_val(v, "free_bytes") != u->free_bytes)
		return "free_bytes";
	if (st_val(v, "largest_free") != u->largest_free)
		return "largest_free";
	if (st_val(v, "weight_hwm") != u->weight_hwm)
		return "weight_hwm";
	if (st_val(v, "activation_hwm") != u->activation_hwm)
		return "activation_hwm";
	if (st_val(v, "weight_regions") != u->weight_regions)
		return "weight_regions";
	if (st_val(v, "activation_regions") != u->activation_regions)
		return "activation_regions";
	if (st_val(v, "kmem") != u->device_kmem)
		return "kmem";
	return NULL;
}

FIXTURE(nnmem) {
	int fd;
	uint64_t arena;
};

FIXTURE_SETUP(nnmem)
{
	struct nnmem_usage u;

	self->fd = nt_open(0);
	ASSERT_LE(0, self->fd) {
		TH_LOG("open /dev/nnmem0: %s", strerror(-self->fd));
	}
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_TRUE(nt_usage_empty(&u)) {
		TH_LOG("arena not empty at test start");
	}
	self->arena = u.arena_size;
}

FIXTURE_TEARDOWN(nnmem)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* ---- sysfs ---- */

TEST_F(nnmem, sysfs_every_attribute_is_one_read_only_number)
{
	char path[128];
	struct stat st;
	uint64_t val;
	size_t i;
	int dev;

	for (dev = 0; dev < 2; dev++) {
		for (i = 0; i < ST_NR_ATTRS; i++) {
			snprintf(path, sizeof(path), SYSFS_DEV "%d/%s", dev,
				 st_attrs[i]);
			ASSERT_EQ(0, stat(path, &st)) {
				TH_LOG("%s: %s", path, strerror(errno));
			}
			ASSERT_TRUE(S_ISREG(st.st_mode));
			ASSERT_EQ(0444, st.st_mode & 07777) {
				TH_LOG("%s: mode %o", path, st.st_mode & 07777);
			}
			ASSERT_EQ(0, st_attr(dev, st_attrs[i], &val)) {
				TH_LOG("%s: not one decimal number", path);
			}
			/* No store method: even root cannot open it to write. */
			ASSERT_EQ(-EACCES, nt_file_write(path, "0\n"));
		}
		ASSERT_EQ(0, st_attr(dev, "arena_size", &val));
		ASSERT_EQ(self->arena, val);
	}
}

TEST_F(nnmem, sysfs_arena_attributes_equal_usage_after_each_step)
{
	uint32_t h[6];
	uint64_t v[ST_NR_ATTRS], off;
	struct nnmem_usage u;
	const char *bad;
	int step;

	/* alloc w, w, a, a (mixed alignments), free w1, a0, alloc w. */
	for (step = 0; step < 8; step++) {
		switch (step) {
		case 0:
			ASSERT_EQ(0, nt_weight(self->fd, 4096, 64, &h[0], &off));
			break;
		case 1:
			ASSERT_EQ(0, nt_weight(self->fd, 100, 4096, &h[1], &off));
			break;
		case 2:
			ASSERT_EQ(0, nt_activation(self->fd, 12288, 64, &h[2],
						   &off));
			break;
		case 3:
			ASSERT_EQ(0, nt_activation(self->fd, 1000, 1024, &h[3],
						   &off));
			break;
		case 4:
			ASSERT_EQ(0, nt_free(self->fd, h[1]));
			break;
		case 5:
			ASSERT_EQ(0, nt_free(self->fd, h[2]));
			break;
		case 6:
			ASSERT_EQ(0, nt_weight(self->fd, 65536, 64, &h[4],
					       &off));
			break;
		case 7:
			ASSERT_EQ(0, nt_free(self->fd, h[0]));
			ASSERT_EQ(0, nt_free(self->fd, h[3]));
			ASSERT_EQ(0, nt_free(self->fd, h[4]));
			break;
		}
		ASSERT_EQ(0, st_attrs_read(0, v));
		ASSERT_EQ(0, nt_usage(self->fd, &u));
		bad = st_attrs_vs_usage(v, &u);
		ASSERT_EQ(NULL, bad) {
			TH_LOG("step %d: %s differs from USAGE", step, bad);
		}
		/* Nothing moved on the other device. */
		ASSERT_EQ(0, st_attrs_read(1, v));
		ASSERT_EQ(0, st_val(v, "weight_regions") +
			     st_val(v, "activation_regions"));
		ASSERT_EQ(self->arena, st_val(v, "free_bytes"));
	}
	ASSERT_EQ(0, st_attrs_read(0, v));
	ASSERT_EQ(self->arena, st_val(v, "free_bytes"));
	ASSERT_EQ(self->arena, st_val(v, "largest_free"));
	ASSERT_LE(65536 + 4096, st_val(v, "weight_hwm"));
	ASSERT_LE(12288 + 1024, st_val(v, "activation_hwm"));
}

TEST_F(nnmem, sysfs_hwm_reset_restarts_the_peaks_from_the_bytes_in_use)
{
	char path[128];
	struct stat st;
	uint64_t v[ST_NR_ATTRS], off;
	uint32_t w, a;

	snprintf(path, sizeof(path), SYSFS_DEV "0/hwm_reset");
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(0200, st.st_mode & 07777);
	ASSERT_EQ(0, nt_weight(self->fd, 8192, 64, &w, &off));
	ASSERT_EQ(0, nt_activation(self->fd, 8192, 64, &a, &off));
	ASSERT_EQ(0, nt_free(self->fd, a));
	ASSERT_EQ(0, st_attrs_read(0, v));
	ASSERT_LE(8192, st_val(v, "activation_hwm"));
	/* Only "1" (or another true word) resets; nothing changes otherwise. */
	ASSERT_EQ(-EINVAL, nt_file_write(path, "0\n"));
	ASSERT_EQ(-EINVAL, nt_file_write(path, "x\n"));
	ASSERT_EQ(0, st_attrs_read(0, v));
	ASSERT_LE(8192, st_val(v, "activation_hwm"));
	ASSERT_EQ(0, nt_file_write(path, "1\n"));
	ASSERT_EQ(0, st_attrs_read(0, v));
	ASSERT_EQ(8192, st_val(v, "weight_hwm"));
	ASSERT_EQ(0, st_val(v, "activation_hwm"));
	ASSERT_EQ(0, nt_activation(self->fd, 4096, 64, &a, &off));
	ASSERT_EQ(0, nt_free(self->fd, a));
	ASSERT_EQ(0, nt_free(self->fd, w));
	ASSERT_EQ(0, st_attrs_read(0, v));
	ASSERT_EQ(8192, st_val(v, "weight_hwm"));
	ASSERT_EQ(4096, st_val(v, "activation_hwm"));
}

TEST_F(nnmem, sysfs_sessions_counts_open_files)
{
	uint64_t before, val;
	int fd2;

	ASSERT_EQ(0, st_attr(0, "sessions", &before));
	ASSERT_EQ(1, before);
	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, st_attr(0, "sessions", &val));
	ASSERT_EQ(2, val);
	ASSERT_EQ(0, st_attr(1, "sessions", &val));
	ASSERT_EQ(0, val);
	close(fd2);
	ASSERT_EQ(0, st_attr(0, "sessions", &val));
	ASSERT_EQ(1, val);
}

/* A one-node conv2d graph in @g (gk_init'ed on @fd): its handle. */
static int st_small_graph(struct gk *g, uint32_t *graph)
{
	struct gk_conv_spec s = {
		.n = 1, .h = 8, .w = 8, .c = 8, .oc = 8, .kh = 3, .kw = 3,
		.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1,
		.in_zp = -3, .out_zp = -5, .f_lo = -32, .f_hi = 32,
		.bias_lo = -4000, .bias_hi = 4000, .shift_lo = -10,
		.shift_hi = -9, .seed = 7, .input = -1,
	};
	int ret;

	ret = gk_conv(g, &s);
	if (ret < 0)
		return ret;
	ret = gk_upload(g);
	if (ret)
		return ret;
	return gk_create(g, graph);
}

TEST_F(nnmem, sysfs_graph_and_job_counters_follow_a_run)
{
	uint64_t before[ST_NR_ATTRS], after[ST_NR_ATTRS], v[ST_NR_ATTRS];
	struct nnmem_run run;
	uint32_t graph;
	struct gk g;

	ASSERT_EQ(0, st_attrs_read(0, before));
	ASSERT_EQ(0, st_val(before, "kmem"));
	gk_init(&g, self->fd);
	ASSERT_EQ(0, st_small_graph(&g, &graph));
	ASSERT_EQ(0, st_attrs_read(0, v));
	ASSERT_EQ(st_val(before, "graphs") + 1, st_val(v, "graphs"));
	/*
	 * The graph's charge (uapi: 64 + 8 * tensors + 144 * nodes, and
	 * the fast paths' fast_size).
	 */
	ASSERT_EQ(1, g.nn);
	ASSERT_EQ(64 + 8 * g.nt + 144 * 1 + g.fast_size, st_val(v, "kmem"));

	ASSERT_EQ(0, nt_run(self->fd, graph, &run));
	ASSERT_NE(0, run.macs);
	ASSERT_EQ(0, st_attrs_read(0, after));
	ASSERT_EQ(st_val(before, "jobs_completed") + 1,
		  st_val(after, "jobs_completed"));
	ASSERT_EQ(st_val(before, "jobs_failed"), st_val(after, "jobs_failed"));
	ASSERT_EQ(st_val(before, "jobs_cancelled"),
		  st_val(after, "jobs_cancelled"));
	ASSERT_EQ(0, st_val(after, "jobs_queued"));
	ASSERT_EQ(0, st_val(after, "jobs_running"));
	/* The device totals grew by exactly this job's own figures. */
	ASSERT_EQ(st_val(before, "macs") + run.macs, st_val(after, "macs"));
	ASSERT_EQ(st_val(before, "busy_ns") + run.duration_ns,
		  st_val(after, "busy_ns"));

	/* The sync job's charge went with the job. */
	ASSERT_EQ(64 + 8 * g.nt + 144 * 1 + g.fast_size,
		  st_val(after, "kmem"));

	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
	ASSERT_EQ(0, gk_fini(&g));
	ASSERT_EQ(0, st_attrs_read(0, v));
	ASSERT_EQ(st_val(before, "graphs"), st_val(v, "graphs"));
	ASSERT_EQ(0, st_val(v, "kmem"));
	ASSERT_EQ(0, st_val(v, "weight_regions") +
		     st_val(v, "activation_regions"));
}

/* ---- debugfs ---- */

struct st_line {
	uint64_t start, size;
	char kind[16];
	char rest[160];		/* what follows the kind, "" for free */
};

#define ST_MAX_LINES	64

struct st_map {
	int n;
	struct st_line l[ST_MAX_LINES];
	char summary[512];
};

/* Reads and parses the extents file of device @dev: 0 or -errno. */
static int st_map_read(int dev, struct st_map *m)
{
	static char buf[64 * 1024];
	char path[128], *line, *save, *p;
	ssize_t len;
	int pos;

	snprintf(path, sizeof(path), DEBUGFS_DEV "%d/extents", dev);
	len = nt_file_read(path, buf, sizeof(buf));
	if (len < 0)
		return len;
	memset(m, 0, sizeof(*m));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (!strncmp(line, "summary ", 8)) {
			if (m->summary[0])
				return -EBADMSG;
			snprintf(m->summary, sizeof(m->summary), "%s", line + 8);
			continue;
		}
		if (m->summary[0] || m->n == ST_MAX_LINES)
			return -EBADMSG;
		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %15s%n",
			   &m->l[m->n].start, &m->l[m->n].size, m->l[m->n].kind,
			   &pos) != 3)
			return -EBADMSG;
		p = line + pos;
		if (*p == ' ')
			p++;
		snprintf(m->l[m->n].rest, sizeof(m->l[m->n].rest), "%s", p);
		m->n++;
	}
	return m->summary[0] ? 0 : -EBADMSG;
}

/* The lines tile [0, @arena) in order: 0, or the index of the first gap. */
static int st_map_tiles(const struct st_map *m, uint64_t arena)
{
	uint64_t end = 0;
	int i;

	for (i = 0; i < m->n; i++) {
		if (m->l[i].start != end || !m->l[i].size)
			return i + 1;
		end += m->l[i].size;
	}
	return end == arena ? 0 : m->n + 1;
}

TEST_F(nnmem, debugfs_extents_of_an_empty_arena_is_one_free_extent)
{
	struct st_map m;
	char want[512];

	ASSERT_EQ(0, st_map_read(0, &m)) {
		TH_LOG(DEBUGFS_DEV "0/extents missing or malformed");
	}
	ASSERT_EQ(1, m.n);
	ASSERT_EQ(0, m.l[0].start);
	ASSERT_EQ(self->arena, m.l[0].size);
	ASSERT_STREQ("free", m.l[0].kind);
	ASSERT_STREQ("", m.l[0].rest);
	snprintf(want, sizeof(want),
		 "size=%" PRIu64 " free_bytes=%" PRIu64 " free_extents=1 largest_free=%" PRIu64 " weight_regions=0 weight_bytes=0 activation_regions=0 activation_bytes=0 deferred_regions=0 check=ok",
		 self->arena, self->arena, self->arena);
	ASSERT_STREQ(want, m.summary);
	/* The second device has its own file. */
	ASSERT_EQ(0, st_map_read(1, &m));
	ASSERT_EQ(1, m.n);
}

TEST_F(nnmem, debugfs_extents_lists_regions_and_holes_of_a_known_sequence)
{
	uint64_t a = self->arena, off[5];
	uint32_t h[5];
	struct st_map m;
	char want[512];
	int i;

	/*
	 * w0: 4 KiB at 0. w1: 100 bytes at 0x1000. w2: 8 KiB aligned 4 KiB,
	 * placed at 0x2000 and reserving its padding from 0x1064. a3: 12 KiB
	 * at the top. a4: 100 bytes aligned 4 KiB, at a - 16 KiB, reserving up
	 * to a3. Then w1 is freed: a 100-byte hole at 0x1000.
	 */
	ASSERT_EQ(0, nt_alloc(self->fd, 4096, 64, NNMEM_KIND_WEIGHT, 0, "w0",
			      &h[0], &off[0]));
	ASSERT_EQ(0, nt_alloc(self->fd, 100, 64, NNMEM_KIND_WEIGHT, 0, "w1",
			      &h[1], &off[1]));
	ASSERT_EQ(0, nt_alloc(self->fd, 8192, 4096, NNMEM_KIND_WEIGHT, 0, "w2",
			      &h[2], &off[2]));
	ASSERT_EQ(0, nt_alloc(self->fd, 12288, 64, NNMEM_KIND_ACTIVATION, 0,
			      "a3", &h[3], &off[3]));
	ASSERT_EQ(0, nt_alloc(self->fd, 100, 4096, NNMEM_KIND_ACTIVATION, 0,
			      "", &h[4], &off[4]));
	ASSERT_EQ(0, off[0]);
	ASSERT_EQ(0x1000, off[1]);
	ASSERT_EQ(0x2000, off[2]);
	ASSERT_EQ(a - 0x3000, off[3]);
	ASSERT_EQ(a - 0x4000, off[4]);
	ASSERT_EQ(0, nt_free(self->fd, h[1]));

	ASSERT_EQ(0, st_map_read(0, &m));
	ASSERT_EQ(0, st_map_tiles(&m, a));
	ASSERT_EQ(6, m.n);

	ASSERT_EQ(0, m.l[0].start);
	ASSERT_EQ(0x1000, m.l[0].size);
	ASSERT_STREQ("weight", m.l[0].kind);
	snprintf(want, sizeof(want),
		 "offset=0x0 span=4096 align=64 handle=%u label=\"w0\"", h[0]);
	ASSERT_STREQ(want, m.l[0].rest);

	ASSERT_EQ(0x1000, m.l[1].start);
	ASSERT_EQ(100, m.l[1].size);
	ASSERT_STREQ("free", m.l[1].kind);

	ASSERT_EQ(0x1064, m.l[2].start);
	ASSERT_EQ(0x4000 - 0x1064, m.l[2].size);
	ASSERT_STREQ("weight", m.l[2].kind);
	snprintf(want, sizeof(want),
		 "offset=0x2000 span=8192 align=4096 handle=%u label=\"w2\"",
		 h[2]);
	ASSERT_STREQ(want, m.l[2].rest);

	ASSERT_EQ(0x4000, m.l[3].start);
	ASSERT_EQ(a - 0x4000 - 0x4000, m.l[3].size);
	ASSERT_STREQ("free", m.l[3].kind);

	ASSERT_EQ(a - 0x4000, m.l[4].start);
	ASSERT_EQ(0x1000, m.l[4].size);
	ASSERT_STREQ("activation", m.l[4].kind);
	snprintf(want, sizeof(want),
		 "offset=0x%" PRIx64 " span=100 align=4096 handle=%u label=\"\"",
		 a - 0x4000, h[4]);
	ASSERT_STREQ(want, m.l[4].rest);

	ASSERT_EQ(a - 0x3000, m.l[5].start);
	ASSERT_EQ(0x3000, m.l[5].size);
	ASSERT_STREQ("activation", m.l[5].kind);
	snprintf(want, sizeof(want),
		 "offset=0x%" PRIx64 " span=12288 align=64 handle=%u label=\"a3\"",
		 a - 0x3000, h[3]);
	ASSERT_STREQ(want, m.l[5].rest);

	snprintf(want, sizeof(want),
		 "size=%" PRIu64 " free_bytes=%" PRIu64 " free_extents=2 largest_free=%" PRIu64 " weight_regions=2 weight_bytes=%d activation_regions=2 activation_bytes=%d deferred_regions=0 check=ok",
		 a, a - 0x8000 + 100, a - 0x8000, 0x4000 - 100, 0x4000);
	ASSERT_STREQ(want, m.summary);

	for (i = 0; i < 5; i++)
		if (i != 1)
			ASSERT_EQ(0, nt_free(self->fd, h[i]));
	ASSERT_EQ(0, st_map_read(0, &m));
	ASSERT_EQ(1, m.n);
	ASSERT_STREQ("free", m.l[0].kind);
}

TEST_F(nnmem, debugfs_extents_marks_a_freed_but_mapped_region_deferred)
{
	uint64_t off;
	struct nnmem_region_info ri;
	struct st_map m;
	uint32_t h;
	void *p;

	ASSERT_EQ(0, nt_alloc(self->fd, 8192, 0, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, "map", &h, &off));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 ri.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, nt_free(self->fd, h));

	ASSERT_EQ(0, st_map_read(0, &m));
	ASSERT_EQ(0, st_map_tiles(&m, self->arena));
	ASSERT_EQ(2, m.n);
	ASSERT_STREQ("activation", m.l[1].kind);
	ASSERT_EQ(off, m.l[1].start);
	ASSERT_NE(NULL, strstr(m.l[1].rest, " deferred"));
	ASSERT_NE(NULL, strstr(m.summary, " deferred_regions=1 "));

	ASSERT_EQ(0, munmap(p, 8192));
	ASSERT_EQ(0, st_map_read(0, &m));
	ASSERT_EQ(1, m.n);
	ASSERT_NE(NULL, strstr(m.summary, " deferred_regions=0 "));
}

/* ---- tracepoints ---- */

struct st_ev {
	char name[32];
	char args[192];
};

#define ST_MAX_EVENTS	256

/*
 * Makes TRACEFS usable: 0, 1 if this call mounted it, -ENODEV if the
 * kernel has no tracefs.
 */
static int st_tracefs(void)
{
	struct stat st;

	if (!stat(TRACEFS "/events", &st))
		return 0;
	if (stat(TRACEFS, &st))
		return -ENODEV;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return errno == ENODEV ? -ENODEV : -errno;
	return 1;
}

/* The nnmem events in the trace buffer, in order: their count or -errno. */
static int st_trace_events(struct st_ev *ev, int max)
{
	static char buf[1024 * 1024];
	char *line, *save, *p, *colon;
	int n = 0;

	if (nt_file_read(TRACEFS "/trace", buf, sizeof(buf)) < 0)
		return -EIO;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		p = strstr(line, " nnmem_");
		if (!p)
			continue;
		colon = strstr(p, ": ");
		if (!colon || n == max)
			return -EBADMSG;
		*colon = '\0';
		snprintf(ev[n].name, sizeof(ev[n].name), "%s", p + 1);
		snprintf(ev[n].args, sizeof(ev[n].args), "%s", colon + 2);
		n++;
	}
	return n;
}

/* Index of the first event at or after @from named @name with @args. */
static int st_find(const struct st_ev *ev, int n, int from, const char *name,
		   const char *args)
{
	int i;

	for (i = from; i < n; i++)
		if (!strcmp(ev[i].name, name) &&
		    (!args || !strcmp(ev[i].args, args)))
			return i;
	return -1;
}

TEST_F(nnmem, trace_events_mark_alloc_free_and_job_in_order)
{
	static struct st_ev ev[ST_MAX_EVENTS];
	uint64_t woff, aoff;
	uint32_t wh, ah, graph;
	char want[192];
	struct nnmem_run run;
	struct stat st;
	int mounted, n, i, iw, ia, ifr, is, ie, allocs = 0, frees = 0;
	uint32_t ev_graph;
	struct gk g;

	mounted = st_tracefs();
	if (mounted == -ENODEV)
		SKIP(return, "kernel without tracefs (CONFIG_TRACING=n)");
	ASSERT_LE(0, mounted) {
		TH_LOG("mount tracefs on " TRACEFS ": %s", strerror(-mounted));
	}
	/* A kernel with trace events has the module's. */
	ASSERT_EQ(0, stat(TRACEFS "/events/nnmem", &st)) {
		TH_LOG(TRACEFS "/events/nnmem missing");
	}
	ASSERT_EQ(0, stat(TRACEFS "/events/nnmem/nnmem_region_alloc", &st));
	ASSERT_EQ(0, stat(TRACEFS "/events/nnmem/nnmem_region_free", &st));
	ASSERT_EQ(0, stat(TRACEFS "/events/nnmem/nnmem_job_start", &st));
	ASSERT_EQ(0, stat(TRACEFS "/events/nnmem/nnmem_job_end", &st));

	ASSERT_EQ(0, nt_file_write(TRACEFS "/tracing_on", "0"));
	ASSERT_EQ(0, nt_file_write(TRACEFS "/trace", ""));
	ASSERT_EQ(0, nt_file_write(TRACEFS "/events/nnmem/enable", "1"));
	ASSERT_EQ(0, nt_file_write(TRACEFS "/tracing_on", "1"));

	ASSERT_EQ(0, nt_weight(self->fd, 4096, 64, &wh, &woff));
	/* Mappable: placed page-aligned with a page-rounded span (8 KiB). */
	ASSERT_EQ(0, nt_alloc(self->fd, 5000, 1024, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, NULL, &ah, &aoff));
	ASSERT_EQ(0, nt_free(self->fd, wh));
	gk_init(&g, self->fd);
	ASSERT_EQ(0, st_small_graph(&g, &graph));
	ASSERT_EQ(0, nt_run(self->fd, graph, &run));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
	ASSERT_EQ(0, gk_fini(&g));
	ASSERT_EQ(0, nt_free(self->fd, ah));

	ASSERT_EQ(0, nt_file_write(TRACEFS "/tracing_on", "0"));
	ASSERT_EQ(0, nt_file_write(TRACEFS "/events/nnmem/enable", "0"));
	n = st_trace_events(ev, ST_MAX_EVENTS);
	ASSERT_EQ(0, nt_file_write(TRACEFS "/trace", ""));
	ASSERT_EQ(0, nt_file_write(TRACEFS "/tracing_on", "1"));
	if (mounted == 1)
		umount(TRACEFS);
	ASSERT_LE(4, n);

	snprintf(want, sizeof(want),
		 "dev=0 handle=%u kind=weight offset=0x%" PRIx64 " size=4096 align=64",
		 wh, woff);
	iw = st_find(ev, n, 0, "nnmem_region_alloc", want);
	ASSERT_EQ(0, iw) {
		TH_LOG("first event: %s: %s", ev[0].name, ev[0].args);
	}
	snprintf(want, sizeof(want),
		 "dev=0 handle=%u kind=activation offset=0x%" PRIx64 " size=5000 align=%d",
		 ah, aoff, getpagesize());
	ia = st_find(ev, n, 0, "nnmem_region_alloc", want);
	ASSERT_EQ(1, ia);
	snprintf(want, sizeof(want), "dev=0 offset=0x%" PRIx64 " size=4096",
		 woff);
	ifr = st_find(ev, n, 0, "nnmem_region_free", want);
	ASSERT_EQ(2, ifr);

	/* A sync run: job id 0, the graph's handle, one node. */
	is = st_find(ev, n, 0, "nnmem_job_start", NULL);
	ASSERT_LT(ifr, is);
	ASSERT_EQ(1, sscanf(ev[is].args, "dev=0 session=%*u job=0 graph=%u",
			    &ev_graph));
	ASSERT_EQ(graph, ev_graph);
	ASSERT_NE(NULL, strstr(ev[is].args, " nodes=1"));
	ie = st_find(ev, n, 0, "nnmem_job_end", NULL);
	ASSERT_EQ(is + 1, ie);
	snprintf(want, sizeof(want),
		 " job=0 status=0 duration_ns=%llu macs=%llu",
		 (unsigned long long)run.duration_ns,
		 (unsigned long long)run.macs);
	ASSERT_NE(NULL, strstr(ev[ie].args, want)) {
		TH_LOG("job end: %s; want%s", ev[ie].args, want);
	}
	ASSERT_EQ(0, strncmp(ev[is].args, ev[ie].args,
			     strstr(ev[is].args, " job=") - ev[is].args));

	/* The last event gives the activation back, with its alloc's size. */
	snprintf(want, sizeof(want), "dev=0 offset=0x%" PRIx64 " size=5000",
		 aoff);
	ASSERT_EQ(n - 1, st_find(ev, n, ie, "nnmem_region_free", want));

	/* Everything allocated was freed, at the offset it was given. */
	for (i = 0; i < n; i++) {
		if (!strcmp(ev[i].name, "nnmem_region_alloc"))
			allocs++;
		else if (!strcmp(ev[i].name, "nnmem_region_free"))
			frees++;
	}
	ASSERT_EQ(allocs, frees);
	ASSERT_EQ(n, allocs + frees + 2);
}

TEST_HARNESS_MAIN
