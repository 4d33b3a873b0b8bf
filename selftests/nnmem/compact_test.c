// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem compaction (NNMEM_IOCTL_COMPACT, sysfs auto_compact): a randomly
 * fragmented arena compacted, every byte of every region checked through
 * its old mapping and through READ, handles and REGION_INFO; a graph's
 * regions moving with it (its plan relocated) and its output identical
 * before and after, an exported region pinned, a queued and a running
 * job's regions pinned and their outputs the host reference's (graph
 * kit); all free space in one extent when nothing is pinned; a
 * writer thread storing through a mapping while its region moves loses
 * nothing; bad input errnos with nothing changed; automatic compaction
 * off and on; the compact-ntf netlink event of each. Expects nnmem loaded, run as root (sysfs), and nothing
 * allocated when each test starts. The expected bytes are nt_pattern()'s
 * or the writer's own counter, written through one path, read through
 * another.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nnmem_nl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "graph_kit.h"
#include "nl_kit.h"
#include "nnmem_test.h"

#define CT_AUTO_COMPACT	"/sys/class/nnmem/nnmem0/auto_compact"

FIXTURE(compact) {
	int fd;
	struct nnmem_info info;
	uint64_t page;
};

FIXTURE_SETUP(compact)
{
	struct nnmem_usage u;

	NT_SETUP_SESSION(self->fd, &self->info, &u);
	self->page = self->info.page_size;
}

FIXTURE_TEARDOWN(compact)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int ct_compact(int fd, uint32_t kinds, struct nnmem_compact *c)
{
	memset(c, 0, sizeof(*c));
	c->kinds = kinds;
	return nt_ioctl(fd, NNMEM_IOCTL_COMPACT, c);
}

static uint64_t ct_offset(int fd, uint32_t h)
{
	struct nnmem_region_info ri;

	if (nt_region_info(fd, h, &ri))
		return ~0ULL;
	return ri.offset;
}

static int ct_sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

static uint64_t rnd_state;

static uint64_t ct_rnd(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

TEST_F(compact, version_and_cap)
{
	ASSERT_LE(5, self->info.uapi_version);
	ASSERT_TRUE(self->info.caps & NNMEM_CAP_COMPACT);
}

/* An empty arena: nothing moves, all of it is one free extent. */
TEST_F(compact, empty_arena_moves_nothing)
{
	struct nnmem_compact c;

	ASSERT_EQ(0, ct_compact(self->fd, 0, &c));
	ASSERT_EQ(0, c.regions_moved);
	ASSERT_EQ(0, c.bytes_moved);
	ASSERT_EQ(self->info.arena_size, c.largest_free);
	ASSERT_EQ(self->info.arena_size, c.free_bytes);
}

/*
 * Hand-derived: weights A, B, C of 3 pages each at 0, 3p, 6p; free B;
 * compacting moves C alone, to 3p, and one extent is left from 6p up.
 * Activations the same from the top; kinds select which end moves.
 */
TEST_F(compact, hand_derived_moves_and_kind_mask)
{
	uint64_t p = self->page, size = self->info.arena_size;
	uint32_t a, b, c, x, y, z;
	struct nnmem_compact cp;
	struct nnmem_usage u;

	ASSERT_EQ(0, nt_weight(self->fd, 3 * p, p, &a, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 3 * p, p, &b, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 3 * p, p, &c, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 3 * p, p, &x, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 3 * p, p, &y, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 3 * p, p, &z, NULL));
	ASSERT_EQ(6 * p, ct_offset(self->fd, c));
	ASSERT_EQ(size - 9 * p, ct_offset(self->fd, z));
	ASSERT_EQ(0, nt_free(self->fd, b));
	ASSERT_EQ(0, nt_free(self->fd, y));

	ASSERT_EQ(0, ct_compact(self->fd, NNMEM_COMPACT_ACTIVATIONS, &cp));
	ASSERT_EQ(1, cp.regions_moved);
	ASSERT_EQ(3 * p, cp.bytes_moved);
	ASSERT_EQ(size - 6 * p, ct_offset(self->fd, z));
	ASSERT_EQ(6 * p, ct_offset(self->fd, c));	/* weights untouched */
	ASSERT_EQ(size - 12 * p, cp.free_bytes);
	ASSERT_EQ(size - 15 * p, cp.largest_free);

	ASSERT_EQ(0, ct_compact(self->fd, NNMEM_COMPACT_WEIGHTS, &cp));
	ASSERT_EQ(1, cp.regions_moved);
	ASSERT_EQ(3 * p, ct_offset(self->fd, c));
	ASSERT_EQ(0, ct_offset(self->fd, a));
	ASSERT_EQ(size - 12 * p, cp.largest_free);
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(1, u.free_extents);
	ASSERT_EQ(size - 12 * p, u.largest_free);

	/* Nothing left to move. */
	ASSERT_EQ(0, ct_compact(self->fd, 0, &cp));
	ASSERT_EQ(0, cp.regions_moved);
	ASSERT_EQ(0, nt_free(self->fd, a));
	ASSERT_EQ(0, nt_free(self->fd, c));
	ASSERT_EQ(0, nt_free(self->fd, x));
	ASSERT_EQ(0, nt_free(self->fd, z));
	ASSERT_USAGE_EMPTY(self->fd);
}

/* flags, __pad, kinds, struct size, O_RDONLY: exact errno, nothing moves. */
TEST_F(compact, bad_input_changes_nothing)
{
	uint64_t p = self->page;
	struct nnmem_usage before;
	struct nnmem_compact c;
	unsigned char big[sizeof(c) + 8];
	uint32_t a, b;
	int ro;

	ASSERT_EQ(0, nt_weight(self->fd, p, p, &a, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, p, p, &b, NULL));
	ASSERT_EQ(0, nt_free(self->fd, a));
	ASSERT_EQ(0, nt_usage(self->fd, &before));

	memset(&c, 0, sizeof(c));
	c.flags = 1;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_COMPACT, &c));
	memset(&c, 0, sizeof(c));
	c.flags = 0x80000000U;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_COMPACT, &c));
	memset(&c, 0, sizeof(c));
	c.__pad = 1;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_COMPACT, &c));
	memset(&c, 0, sizeof(c));
	c.kinds = 4;
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_COMPACT, &c));
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(-EINVAL, nt_ioctl(self->fd,
				    nt_cmd_sized(NNMEM_IOCTL_COMPACT,
						 NNMEM_COMPACT_SIZE_VER0 - 8),
				    &c));
	memset(big, 0, sizeof(big));
	big[sizeof(c) + 3] = 1;
	ASSERT_EQ(-E2BIG, nt_ioctl(self->fd,
				   nt_cmd_sized(NNMEM_IOCTL_COMPACT,
						sizeof(big)), big));
	ro = open("/dev/nnmem0", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(-EBADF, nt_ioctl(ro, NNMEM_IOCTL_COMPACT, &c));
	close(ro);
	ASSERT_USAGE_UNCHANGED(self->fd, &before);
	ASSERT_EQ(p, ct_offset(self->fd, b));

	/* A longer struct with a zero tail works, and gets its tail zeroed. */
	memset(big, 0, sizeof(big));
	ASSERT_EQ(0, nt_ioctl(self->fd, nt_cmd_sized(NNMEM_IOCTL_COMPACT,
						     sizeof(big)), big));
	memcpy(&c, big, sizeof(c));
	ASSERT_EQ(1, c.regions_moved);
	ASSERT_EQ(0, ct_offset(self->fd, b));
	ASSERT_EQ(0, nt_free(self->fd, b));
}

#define CT_REGIONS	48

struct ct_region {
	uint32_t h;
	uint64_t size;
	uint64_t offset;
	unsigned char *map;
	bool live;	/* handle not freed (else only the mapping holds it) */
	unsigned int seed;
};

/*
 * Random sizes, alignments and kinds, all mapped and filled through the
 * mapping; a random half freed (some of those still mapped: deferred);
 * compact; every byte checked through the old mapping and, for live
 * handles, through READ; REGION_INFO shows the new offsets, every one
 * aligned; all the free space is one extent. Several seeds.
 */
TEST_F(compact, random_fragment_then_every_byte_checked)
{
	uint64_t total_moved = 0;
	int round;

	for (round = 0; round < 6; round++) {
		struct ct_region r[CT_REGIONS];
		uint64_t budget = self->info.arena_size / 2, used = 0;
		struct nnmem_compact c;
		struct nnmem_usage u;
		unsigned char *buf;
		int i, n = 0;

		rnd_state = 0xc0ffee + round;
		memset(r, 0, sizeof(r));
		for (i = 0; i < CT_REGIONS; i++) {
			uint64_t size = 1 + ct_rnd() % (budget / CT_REGIONS * 2);
			uint32_t align = self->page << (ct_rnd() % 3);
			uint32_t kind = ct_rnd() % 2 ? NNMEM_KIND_WEIGHT :
						       NNMEM_KIND_ACTIVATION;

			if (used + size + align > budget)
				break;
			ASSERT_EQ(0, nt_alloc(self->fd, size, align, kind,
					      NNMEM_ALLOC_MAPPABLE, NULL,
					      &r[i].h, &r[i].offset));
			used += nt_align_up(size, self->page) + align;
			r[i].size = size;
			r[i].map = mmap(NULL, nt_align_up(size, self->page),
					PROT_READ | PROT_WRITE, MAP_SHARED,
					self->fd, (off_t)r[i].h << 32);
			ASSERT_NE(MAP_FAILED, r[i].map);
			r[i].seed = round * 100 + i;
			nt_pattern(r[i].map, size, r[i].seed);
			r[i].live = true;
			n++;
		}
		ASSERT_LE(8, n);
		for (i = 0; i < n; i++) {
			uint64_t pick = ct_rnd() % 4;

			if (pick == 0) {	/* freed, unmapped */
				ASSERT_EQ(0, nt_free(self->fd, r[i].h));
				munmap(r[i].map,
				       nt_align_up(r[i].size, self->page));
				r[i].map = NULL;
				r[i].live = false;
			} else if (pick == 1) {	/* freed, still mapped */
				ASSERT_EQ(0, nt_free(self->fd, r[i].h));
				r[i].live = false;
			}
		}
		ASSERT_EQ(0, ct_compact(self->fd, 0, &c));
		total_moved += c.regions_moved;
		ASSERT_EQ(c.free_bytes, c.largest_free);
		ASSERT_EQ(0, nt_usage(self->fd, &u));
		ASSERT_EQ(u.free_bytes, u.largest_free);
		ASSERT_GE(1, u.free_extents);
		ASSERT_EQ(c.free_bytes, u.free_bytes);

		buf = malloc(budget);
		ASSERT_NE(NULL, buf);
		for (i = 0; i < n; i++) {
			unsigned char *want;
			struct nnmem_region_info ri;

			if (!r[i].map)
				continue;
			want = malloc(r[i].size);
			ASSERT_NE(NULL, want);
			nt_pattern(want, r[i].size, r[i].seed);
			ASSERT_EQ(0, memcmp(want, r[i].map, r[i].size)) {
				TH_LOG("round %d region %d: mapping differs",
				       round, i);
			}
			if (r[i].live) {
				ASSERT_EQ(0, nt_read(self->fd, r[i].h, 0, buf,
						     r[i].size));
				ASSERT_EQ(0, memcmp(want, buf, r[i].size));
				ASSERT_EQ(0, nt_region_info(self->fd, r[i].h,
							    &ri));
				ASSERT_EQ(0, ri.offset % ri.align);
				/* WRITE lands where the mapping reads */
				nt_pattern(want, r[i].size, r[i].seed + 7);
				ASSERT_EQ(0, nt_write(self->fd, r[i].h, 0,
						      want, r[i].size));
				ASSERT_EQ(0, memcmp(want, r[i].map,
						    r[i].size));
			}
			free(want);
		}
		free(buf);
		for (i = 0; i < n; i++) {
			if (r[i].map)
				munmap(r[i].map,
				       nt_align_up(r[i].size, self->page));
			if (r[i].live)
				ASSERT_EQ(0, nt_free(self->fd, r[i].h));
		}
		ASSERT_USAGE_EMPTY(self->fd);
	}
	ASSERT_LT(6, total_moved);
}

#define CT_N	4096	/* int8 elements per add tensor */

/*
 * y = a + b, all activations, between holes; run, compact, run: an
 * exported region stays; the graph's regions (no job uses them) and the
 * regions beside them move, the graph's plan with them, and the output
 * (written over a poisoned y at its new place) is identical, byte for
 * byte. Offsets from the top down, p a page (each region is CT_N = one
 * page or two): ha [T-p, T) stays at the top; hole0 p; mover0 2p and hb
 * p slide up by p; hole1 p; mover1 2p and hy p by 2p; hole2 p; mover2 2p
 * by 3p, against the exported hx; hole3 p; mover3 2p by p, against hx.
 */
TEST_F(compact, graph_regions_move_exported_pinned_output_identical)
{
	uint64_t p = self->page;
	uint32_t ha, hb, hy, hx, hole[4], mover[4];
	uint64_t oa, ob, oy, ox, om[4];
	unsigned char in[CT_N], out1[CT_N], out2[CT_N];
	struct nnmem_tensor t[3];
	struct nnmem_node node;
	struct nnmem_graph_create gc;
	struct nnmem_export e;
	struct nnmem_compact c;
	int i, dbuf;

	/* From the top down: pinned, hole, mover, four times. */
	ASSERT_EQ(0, nt_activation(self->fd, CT_N, p, &ha, &oa));
	ASSERT_EQ(0, nt_activation(self->fd, p, p, &hole[0], NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 2 * p, p, &mover[0], &om[0]));
	ASSERT_EQ(0, nt_activation(self->fd, CT_N, p, &hb, &ob));
	ASSERT_EQ(0, nt_activation(self->fd, p, p, &hole[1], NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 2 * p, p, &mover[1], &om[1]));
	ASSERT_EQ(0, nt_activation(self->fd, CT_N, p, &hy, &oy));
	ASSERT_EQ(0, nt_activation(self->fd, p, p, &hole[2], NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 2 * p, p, &mover[2], &om[2]));
	ASSERT_EQ(0, nt_alloc(self->fd, 3 * p, p, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, NULL, &hx, &ox));
	ASSERT_EQ(0, nt_activation(self->fd, p, p, &hole[3], NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 2 * p, p, &mover[3], &om[3]));

	nt_pattern(in, CT_N, 1);
	ASSERT_EQ(0, nt_write(self->fd, ha, 0, in, CT_N));
	nt_pattern(in, CT_N, 2);
	ASSERT_EQ(0, nt_write(self->fd, hb, 0, in, CT_N));
	nt_pattern(in, CT_N, 3);
	ASSERT_EQ(0, nt_write(self->fd, hx, 0, in, CT_N));
	for (i = 0; i < 4; i++) {
		nt_pattern(in, p, 10 + i);
		ASSERT_EQ(0, nt_write(self->fd, mover[i], 0, in, p));
	}

	memset(t, 0, sizeof(t));
	t[0].handle = ha;
	t[1].handle = hb;
	t[2].handle = hy;
	for (i = 0; i < 3; i++) {
		t[i].type = NNMEM_TYPE_INT8;
		t[i].ndims = 1;
		t[i].dims[0] = CT_N;
	}
	memset(&node, 0, sizeof(node));
	node.op = NNMEM_OP_ADD;
	node.add = nt_add_params(0, 1, 2);
	ASSERT_EQ(0, nt_graph_create(self->fd, t, 3, &node, 1, &gc));
	ASSERT_EQ(0, nt_run(self->fd, gc.graph, NULL));
	ASSERT_EQ(0, nt_read(self->fd, hy, 0, out1, CT_N));

	memset(&e, 0, sizeof(e));
	e.handle = hx;
	e.fd = -1;
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_EXPORT, &e));
	dbuf = e.fd;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, nt_free(self->fd, hole[i]));
	memset(out2, 0x5a, CT_N);
	ASSERT_EQ(0, nt_write(self->fd, hy, 0, out2, CT_N));
	ASSERT_EQ(0, ct_compact(self->fd, 0, &c));
	ASSERT_EQ(6, c.regions_moved);
	ASSERT_EQ(10 * p, c.bytes_moved);
	ASSERT_EQ(oa, ct_offset(self->fd, ha));
	ASSERT_EQ(ob + p, ct_offset(self->fd, hb));
	ASSERT_EQ(oy + 2 * p, ct_offset(self->fd, hy));
	ASSERT_EQ(ox, ct_offset(self->fd, hx));
	ASSERT_EQ(om[0] + p, ct_offset(self->fd, mover[0]));
	ASSERT_EQ(om[1] + 2 * p, ct_offset(self->fd, mover[1]));
	ASSERT_EQ(om[2] + 3 * p, ct_offset(self->fd, mover[2]));
	ASSERT_EQ(om[3] + p, ct_offset(self->fd, mover[3]));
	for (i = 0; i < 4; i++) {
		nt_pattern(in, p, 10 + i);
		ASSERT_EQ(0, nt_read(self->fd, mover[i], 0, out2, p));
		ASSERT_EQ(0, memcmp(in, out2, p));
	}

	ASSERT_EQ(0, nt_run(self->fd, gc.graph, NULL));
	ASSERT_EQ(0, nt_read(self->fd, hy, 0, out2, CT_N));
	ASSERT_EQ(0, memcmp(out1, out2, CT_N));

	/* Unpinned (graph gone, dma-buf closed) the rest moves too. */
	ASSERT_EQ(0, nt_graph_destroy(self->fd, gc.graph));
	close(dbuf);
	ASSERT_EQ(0, ct_compact(self->fd, 0, &c));
	ASSERT_LT(0, c.regions_moved);
	ASSERT_EQ(c.free_bytes, c.largest_free);
	nt_pattern(in, CT_N, 3);
	ASSERT_EQ(0, nt_read(self->fd, hx, 0, out2, CT_N));
	ASSERT_EQ(0, memcmp(in, out2, CT_N));
	ASSERT_EQ(0, nt_read(self->fd, hy, 0, out2, CT_N));
	ASSERT_EQ(0, memcmp(out1, out2, CT_N));
}

#define CT_MS		1000000ULL
#define CT_START_MS	10000
#define CT_LONG_HW	64
#define CT_LONG_C	64
#define CT_DEV0		"/sys/class/nnmem/nnmem0/"

static long long ct_dev_stat(const char *name)
{
	char path[128];
	uint64_t v;

	snprintf(path, sizeof(path), CT_DEV0 "%s", name);
	return nt_file_read_u64(path, &v) ? -1 : (long long)v;
}

/* Up to CT_START_MS until @job runs, none queued, not done. */
static bool ct_running(int fd, uint64_t job)
{
	uint64_t end = nt_now_ns() + CT_START_MS * CT_MS;
	struct nnmem_wait w;

	while (nt_now_ns() < end) {
		if (ct_dev_stat("jobs_running") == 1 &&
		    ct_dev_stat("jobs_queued") == 0 &&
		    nt_wait(fd, job, 0, &w) == -ETIME)
			return true;
		usleep(1000);
	}
	return false;
}

/* Conv0 -> Conv1 -> Add(Conv1, Conv0's input) over 1x16x16x16. */
static int ct_block_graph(struct gk *g)
{
	int ret = gk_block(g, 16, 16, 1212, true);

	return ret ? ret : gk_upload(g);
}

/* Two long 3x3 convolutions over 1x64x64x64 (about 0.3e9 MACs). */
static int ct_long_graph(struct gk *g)
{
	struct gk_conv_spec s = {
		.n = 1, .h = CT_LONG_HW, .w = CT_LONG_HW, .c = CT_LONG_C,
		.oc = CT_LONG_C, .kh = 3, .kw = 3, .pad_top = 1,
		.pad_bottom = 1, .pad_left = 1, .pad_right = 1, .f_lo = -8,
		.f_hi = 8, .bias_lo = -1000, .bias_hi = 1000, .shift_lo = -10,
		.shift_hi = -9, .seed = 77, .input = -1,
	};
	int n0, n1;

	n0 = gk_conv(g, &s);
	if (n0 < 0)
		return n0;
	s.input = (int)g->n[n0].conv2d.output;
	s.seed = 78;
	n1 = gk_conv(g, &s);
	if (n1 < 0)
		return n1;
	return gk_upload(g);
}

/* A weight and an activation region of @size each, holes to be. */
static int ct_fillers(int fd, uint64_t size, uint32_t h[2])
{
	int ret = nt_weight(fd, size, 64, &h[0], NULL);

	return ret ? ret : nt_activation(fd, size, 64, &h[1], NULL);
}

static void ct_offsets(int fd, const struct gk *g, uint64_t *off)
{
	uint32_t i;

	for (i = 0; i < g->nr; i++)
		off[i] = ct_offset(fd, g->reg[i].handle);
}

/*
 * A conv + conv + add graph, B, between holes: with no job its regions
 * all move and its plan with them; a run afterwards (over poisoned
 * outputs) writes the bytes of the run before, which are the host
 * reference's. Then a long graph L runs, B's job waits behind it, and
 * holes open beside both: compaction moves none of their regions (a
 * queued or running job pins them), and both jobs' outputs are the host
 * reference's. With the jobs done, the next compaction moves them again
 * and B still runs right.
 */
TEST_F(compact, graph_regions_move_unless_a_job_uses_them)
{
	uint64_t ob[GK_MAX_REGIONS], ol[GK_MAX_REGIONS], jl, jb;
	uint32_t f1[2], f2[2], f3[2], fl[2], hb, hl, i;
	uint8_t **img1 = NULL, **img2 = NULL;
	struct nnmem_compact c;
	struct nnmem_wait w;
	struct gk b, l;
	char msg[256];

	gk_init(&b, self->fd);
	gk_init(&l, self->fd);
	ASSERT_EQ(0, ct_fillers(self->fd, 16 * self->page, f1));
	ASSERT_EQ(0, ct_fillers(self->fd, 16 * self->page, f2));
	ASSERT_EQ(0, ct_block_graph(&b));
	ASSERT_EQ(0, ct_fillers(self->fd, 16 * self->page, f3));
	ASSERT_EQ(0, ct_fillers(self->fd, 16 * self->page, fl));
	ASSERT_EQ(0, ct_long_graph(&l));
	ASSERT_EQ(0, gk_create(&b, &hb));
	ASSERT_EQ(0, gk_create(&l, &hl));

	ASSERT_EQ(0, nt_run(self->fd, hb, NULL));
	ASSERT_EQ(0, gk_check(&b, msg, sizeof(msg))) TH_LOG("%s", msg);
	ASSERT_EQ(0, gk_read(&b, &img1));

	/* no job: every region of B moves, and its plan follows */
	ct_offsets(self->fd, &b, ob);
	ASSERT_EQ(0, gk_upload(&b));	/* outputs poisoned again */
	ASSERT_EQ(0, nt_free(self->fd, f1[0]));
	ASSERT_EQ(0, nt_free(self->fd, f1[1]));
	ASSERT_EQ(0, ct_compact(self->fd, 0, &c));
	ASSERT_LE(b.nr, c.regions_moved);
	for (i = 0; i < b.nr; i++)
		ASSERT_NE(ob[i], ct_offset(self->fd, b.reg[i].handle))
			TH_LOG("region %u of the graph did not move", i);
	ASSERT_EQ(0, nt_run(self->fd, hb, NULL));
	ASSERT_EQ(0, gk_read(&b, &img2));
	for (i = 0; i < b.nn; i++)
		ASSERT_EQ(0, gk_diff(&b, img1, img2,
				     (int)gk_node_output(&b, (int)i), msg,
				     sizeof(msg))) TH_LOG("%s", msg);
	gk_images_free(&b, img2);
	img2 = NULL;

	/* L running, B queued behind it: holes beside both, nothing moves */
	ASSERT_EQ(0, gk_upload(&b));
	ASSERT_EQ(0, nt_submit(self->fd, hl, &jl));
	ASSERT_TRUE(ct_running(self->fd, jl));
	ASSERT_EQ(0, nt_submit(self->fd, hb, &jb));
	ct_offsets(self->fd, &b, ob);
	ct_offsets(self->fd, &l, ol);
	ASSERT_EQ(0, nt_free(self->fd, f2[0]));
	ASSERT_EQ(0, nt_free(self->fd, f2[1]));
	ASSERT_EQ(0, nt_free(self->fd, fl[0]));
	ASSERT_EQ(0, nt_free(self->fd, fl[1]));
	ASSERT_EQ(0, ct_compact(self->fd, 0, &c));
	/* both jobs were not done yet: the compaction ran under them */
	ASSERT_EQ(-ETIME, nt_wait(self->fd, jb, 0, &w));
	for (i = 0; i < b.nr; i++)
		ASSERT_EQ(ob[i], ct_offset(self->fd, b.reg[i].handle));
	for (i = 0; i < l.nr; i++)
		ASSERT_EQ(ol[i], ct_offset(self->fd, l.reg[i].handle));
	ASSERT_EQ(0, nt_wait(self->fd, jl, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(0, nt_wait(self->fd, jb, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(0, gk_check(&b, msg, sizeof(msg))) TH_LOG("%s", msg);
	ASSERT_EQ(0, gk_check(&l, msg, sizeof(msg))) TH_LOG("%s", msg);

	/* the jobs done, the holes beside them close */
	ASSERT_EQ(0, gk_upload(&b));
	ASSERT_EQ(0, ct_compact(self->fd, 0, &c));
	for (i = 0; i < b.nr; i++)
		ASSERT_NE(ob[i], ct_offset(self->fd, b.reg[i].handle));
	for (i = 0; i < l.nr; i++)
		ASSERT_NE(ol[i], ct_offset(self->fd, l.reg[i].handle));
	ASSERT_EQ(0, nt_run(self->fd, hb, NULL));
	ASSERT_EQ(0, gk_check(&b, msg, sizeof(msg))) TH_LOG("%s", msg);

	gk_images_free(&b, img1);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, hb));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, hl));
	ASSERT_EQ(0, gk_fini(&b));
	ASSERT_EQ(0, gk_fini(&l));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, nt_free(self->fd, f3[i]));
}

/* The runner of sync_runs_race_compactions. */
struct ct_runner {
	struct gk *g;
	uint32_t graph;
	uint8_t **want;		/* every region's bytes after a good run */
	atomic_int stop;
	atomic_uint runs;
	unsigned int bad;
	char msg[256];
};

/*
 * Poisons the graph's outputs, runs it (sync), compares every node's
 * output with @want and idles for as long as the RUN took (so that about
 * half the time no job pins the graph), until told to stop.
 */
static void *ct_runner_fn(void *arg)
{
	struct ct_runner *r = arg;
	uint64_t t0 = 0, t1 = 0;
	uint8_t **img;
	uint32_t i;

	while (!atomic_load(&r->stop)) {
		img = NULL;
		if (gk_upload(r->g) || (t0 = nt_now_ns(),
					nt_run(r->g->fd, r->graph, NULL)) ||
		    (t1 = nt_now_ns(), gk_read(r->g, &img))) {
			snprintf(r->msg, sizeof(r->msg), "run %u failed",
				 atomic_load(&r->runs));
			r->bad++;
			break;
		}
		for (i = 0; i < r->g->nn; i++) {
			if (gk_diff(r->g, r->want, img,
				    (int)gk_node_output(r->g, (int)i), r->msg,
				    sizeof(r->msg))) {
				r->bad++;
				break;
			}
		}
		gk_images_free(r->g, img);
		if (r->bad)
			break;
		atomic_fetch_add(&r->runs, 1);
		usleep((useconds_t)((t1 - t0) / 1000));
	}
	return NULL;
}

/*
 * Sync RUNs of a graph in a loop on one thread while another opens a hole
 * below (weights) and above (activations) the graph's regions and
 * compacts, 24 times, each time once the runner has finished another
 * run and then i / 24 of a run's time later (so that the compactions
 * fall at every point of its cycle, during RUNs and between them): a RUN
 * pins the graph's regions without a lock (nnmem_job_pin()), so each
 * compaction either sees the pin and leaves them, or moves them before
 * the RUN reads its plan. Every run's outputs (poisoned before it) are
 * the first run's, and the regions moved in some of the compactions.
 */
TEST_F(compact, sync_runs_race_compactions)
{
	struct ct_runner r = { 0 };
	uint32_t f[24][2], moved = 0, i, j;
	uint64_t cycle;
	uint64_t off[GK_MAX_REGIONS];
	struct nnmem_compact c;
	pthread_t t;
	struct gk b;
	char msg[256];

	gk_init(&b, self->fd);
	for (i = 0; i < 24; i++)
		ASSERT_EQ(0, ct_fillers(self->fd, self->page, f[i]));
	ASSERT_EQ(0, ct_block_graph(&b));
	ASSERT_EQ(0, gk_create(&b, &r.graph));
	ASSERT_EQ(0, nt_run(self->fd, r.graph, NULL));
	ASSERT_EQ(0, gk_check(&b, msg, sizeof(msg))) TH_LOG("%s", msg);
	ASSERT_EQ(0, gk_read(&b, &r.want));
	r.g = &b;

	ASSERT_EQ(0, pthread_create(&t, NULL, ct_runner_fn, &r));
	/* the runner's cycle: the time of its first two runs, halved */
	while (atomic_load(&r.runs) < 1 && !r.bad)
		usleep(100);
	cycle = nt_now_ns();
	while (atomic_load(&r.runs) < 3 && !r.bad)
		usleep(100);
	cycle = (nt_now_ns() - cycle) / 2;
	for (i = 0; i < 24; i++) {
		while (atomic_load(&r.runs) <= i + 3 && !r.bad)
			usleep(100);
		usleep((useconds_t)(cycle * i / 24 / 1000));
		ct_offsets(self->fd, &b, off);
		ASSERT_EQ(0, nt_free(self->fd, f[i][0]));
		ASSERT_EQ(0, nt_free(self->fd, f[i][1]));
		ASSERT_EQ(0, ct_compact(self->fd, 0, &c));
		for (j = 0; j < b.nr; j++)
			if (ct_offset(self->fd, b.reg[j].handle) != off[j])
				break;
		moved += j < b.nr;
	}
	atomic_store(&r.stop, 1);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, r.bad) TH_LOG("after %u runs: %s", atomic_load(&r.runs),
				   r.msg);
	TH_LOG("%u runs, the graph's regions moved in %u of 24 compactions",
	       atomic_load(&r.runs), moved);
	EXPECT_LT(0, moved);
	EXPECT_LE(27, atomic_load(&r.runs));

	gk_images_free(&b, r.want);
	ASSERT_EQ(0, nt_graph_destroy(self->fd, r.graph));
	ASSERT_EQ(0, gk_fini(&b));
}

struct ct_writer {
	uint32_t *words;
	size_t n;
	atomic_int stop;
	uint32_t last;		/* the iteration written completely last */
	atomic_ulong iters;
};

/*
 * Writes iteration k's value k * n + i into word i, for k = 1, 2, ...
 * until told to stop, always finishing an iteration: afterwards every
 * word must hold the last iteration's value.
 */
static void *ct_writer_fn(void *arg)
{
	struct ct_writer *w = arg;
	uint32_t k;
	size_t i;

	for (k = 1; ; k++) {
		for (i = 0; i < w->n; i++)
			w->words[i] = k * (uint32_t)w->n + (uint32_t)i;
		w->last = k;
		atomic_fetch_add(&w->iters, 1);
		if (atomic_load(&w->stop))
			break;
	}
	return NULL;
}

/*
 * A thread stores through a mapping continuously while the region moves
 * down a page at a time, 16 times: no store is lost. Before each move the
 * test waits until the writer has finished another pass, so that it is
 * storing when the move starts, however slow the kernel.
 */
TEST_F(compact, concurrent_writer_through_mapping_loses_nothing)
{
	enum { HOLES = 16 };
	uint64_t p = self->page, size = 64 * p, prev;
	uint32_t hole[HOLES], h;
	struct ct_writer w;
	struct nnmem_compact c;
	pthread_t th;
	uint32_t *check;
	size_t i;
	int k;

	for (k = 0; k < HOLES; k++)
		ASSERT_EQ(0, nt_weight(self->fd, p, p, &hole[k], NULL));
	ASSERT_EQ(0, nt_alloc(self->fd, size, p, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, NULL, &h, NULL));
	memset(&w, 0, sizeof(w));
	w.n = size / sizeof(uint32_t);
	w.words = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, (off_t)h << 32);
	ASSERT_NE(MAP_FAILED, w.words);
	ASSERT_EQ(0, pthread_create(&th, NULL, ct_writer_fn, &w));

	prev = ct_offset(self->fd, h);
	ASSERT_EQ(HOLES * p, prev);
	for (k = HOLES - 1; k >= 0; k--) {
		unsigned long seen = atomic_load(&w.iters);

		ASSERT_EQ(0, nt_free(self->fd, hole[k]));
		while (atomic_load(&w.iters) == seen)
			usleep(100);
		ASSERT_EQ(0, ct_compact(self->fd, NNMEM_COMPACT_WEIGHTS, &c));
		ASSERT_EQ(1, c.regions_moved);
		ASSERT_EQ(size, c.bytes_moved);
		ASSERT_EQ(prev - p, ct_offset(self->fd, h));
		prev -= p;
	}
	atomic_store(&w.stop, 1);
	ASSERT_EQ(0, pthread_join(th, NULL));
	TH_LOG("%lu writer passes over 16 moves", atomic_load(&w.iters));
	ASSERT_LE(HOLES, atomic_load(&w.iters));

	check = malloc(size);
	ASSERT_NE(NULL, check);
	ASSERT_EQ(0, nt_read(self->fd, h, 0, check, size));
	for (i = 0; i < w.n; i++) {
		uint32_t want = w.last * (uint32_t)w.n + (uint32_t)i;

		ASSERT_EQ(want, w.words[i]) {
			TH_LOG("word %zu through the mapping", i);
		}
		ASSERT_EQ(want, check[i]) {
			TH_LOG("word %zu through READ", i);
		}
	}
	free(check);
	munmap(w.words, size);
	ASSERT_EQ(0, nt_free(self->fd, h));
}

/*
 * Weights of 4 pages, every other one freed: half the arena free, no hole
 * above 4 pages. An 8-page weight fails with auto_compact 0 and changes
 * nothing, then succeeds with 1; back to 0 afterwards.
 */
TEST_F(compact, auto_compact_off_then_on)
{
	uint64_t p = self->page, n = self->info.arena_size / (4 * p);
	struct nnmem_usage before, u;
	uint32_t *h = calloc(n, sizeof(*h)), big;
	uint64_t i;

	ASSERT_NE(NULL, h);
	ASSERT_EQ(0, ct_sysfs_write(CT_AUTO_COMPACT, "0"));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, nt_weight(self->fd, 4 * p, p, &h[i], NULL));
	for (i = 0; i < n; i += 2)
		ASSERT_EQ(0, nt_free(self->fd, h[i]));
	ASSERT_EQ(0, nt_usage(self->fd, &before));
	ASSERT_EQ(4 * p, before.largest_free);
	ASSERT_EQ(-ENOSPC, nt_weight(self->fd, 8 * p, p, &big, NULL));
	ASSERT_USAGE_UNCHANGED(self->fd, &before);

	ASSERT_EQ(0, ct_sysfs_write(CT_AUTO_COMPACT, "1"));
	ASSERT_EQ(0, nt_weight(self->fd, 8 * p, p, &big, NULL));
	ASSERT_EQ(0, ct_sysfs_write(CT_AUTO_COMPACT, "0"));
	ASSERT_EQ(n / 2 * 4 * p, ct_offset(self->fd, big));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(before.free_bytes - 8 * p, u.free_bytes);
	ASSERT_EQ(u.free_bytes, u.largest_free);
	for (i = 1; i < n; i += 2)
		ASSERT_EQ(0, nt_free(self->fd, h[i]));
	ASSERT_EQ(0, nt_free(self->fd, big));
	free(h);
}

/* ---- the compact-ntf event (raw generic netlink, nl_kit.h) ---- */

/* One "moved" nest of a compact-ntf. */
struct ct_move {
	uint64_t session, old_offset, new_offset, size;
	uint32_t handle, kind;
	bool has_session, freed;
};

#define CT_MOVES_MAX	512

struct ct_event {
	uint32_t event, dev, kinds, regions;
	int32_t status;
	uint64_t bytes, largest_free, free_bytes;
	bool automatic, truncated;
	int nmoved;			/* nests in the message */
	struct ct_move moved[CT_MOVES_MAX];
};

/* The next compact-ntf within a second (others skipped): 0 or -errno. */
static int ct_nl_compact_event(struct nlt *nl, struct ct_event *ev)
{
	const struct nlattr *tb[NLT_MAX_ATTR], *mt[NLT_MAX_ATTR];
	const struct nlmsghdr *nlh;
	const struct nlattr *a;
	int rem;

	nlh = nlt_ntf(nl, NNMEM_CMD_COMPACT_NTF, 1000);
	if (!nlh)
		return -errno;
	memset(ev, 0, sizeof(*ev));
	nlt_parse(nlh, tb);
	ev->event = nlt_u32(tb, NNMEM_A_COMPACT_EVENT);
	ev->dev = nlt_u32(tb, NNMEM_A_COMPACT_DEV_INDEX);
	ev->kinds = nlt_u32(tb, NNMEM_A_COMPACT_KINDS);
	ev->regions = nlt_u32(tb, NNMEM_A_COMPACT_REGIONS);
	ev->status = (int32_t)nlt_u32(tb, NNMEM_A_COMPACT_STATUS);
	ev->bytes = nlt_u64(tb, NNMEM_A_COMPACT_BYTES);
	ev->largest_free = nlt_u64(tb, NNMEM_A_COMPACT_LARGEST_FREE);
	ev->free_bytes = nlt_u64(tb, NNMEM_A_COMPACT_FREE_BYTES);
	ev->automatic = tb[NNMEM_A_COMPACT_AUTO];
	ev->truncated = tb[NNMEM_A_COMPACT_MOVED_TRUNCATED];
	nlt_for_each_attr_of(a, nlh, NNMEM_A_COMPACT_MOVED, rem) {
		struct ct_move *m;

		if (ev->nmoved == CT_MOVES_MAX)
			return -E2BIG;
		m = &ev->moved[ev->nmoved++];
		nlt_parse_nest(a, mt);
		m->has_session = mt[NNMEM_A_COMPACT_MOVE_SESSION];
		m->session = nlt_u64(mt, NNMEM_A_COMPACT_MOVE_SESSION);
		m->handle = nlt_u32(mt, NNMEM_A_COMPACT_MOVE_HANDLE);
		m->kind = nlt_u32(mt, NNMEM_A_COMPACT_MOVE_KIND);
		m->old_offset = nlt_u64(mt, NNMEM_A_COMPACT_MOVE_OLD_OFFSET);
		m->new_offset = nlt_u64(mt, NNMEM_A_COMPACT_MOVE_NEW_OFFSET);
		m->size = nlt_u64(mt, NNMEM_A_COMPACT_MOVE_SIZE);
		m->freed = mt[NNMEM_A_COMPACT_MOVE_FREED];
	}
	return 0;
}

static const struct ct_move *ct_moved(const struct ct_event *ev,
				      uint32_t handle, bool freed)
{
	int i;

	for (i = 0; i < ev->nmoved; i++)
		if (ev->moved[i].handle == handle &&
		    ev->moved[i].freed == freed)
			return &ev->moved[i];
	return NULL;
}

/*
 * COMPACT sends a compact-ntf with what its struct says; an ALLOC that
 * compacts (auto_compact) sends one with the auto flag.
 */
TEST_F(compact, netlink_event_says_what_moved)
{
	uint64_t p = self->page;
	uint32_t a, b, c, t, big;
	struct nnmem_compact cp;
	static struct ct_event ev;
	struct nlt nl;

	ASSERT_EQ(0, nlt_open(&nl, true, 0));
	ASSERT_EQ(0, nt_weight(self->fd, 2 * p, p, &a, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 3 * p, p, &b, NULL));
	ASSERT_EQ(0, nt_free(self->fd, a));
	ASSERT_EQ(0, ct_compact(self->fd, NNMEM_COMPACT_WEIGHTS, &cp));
	ASSERT_EQ(0, ct_nl_compact_event(&nl, &ev));
	ASSERT_EQ(NNMEM_EVENT_TYPE_COMPACT, ev.event);
	ASSERT_EQ(self->info.dev_index, ev.dev);
	ASSERT_EQ(NNMEM_COMPACT_WEIGHTS, ev.kinds);
	ASSERT_EQ(1, ev.regions);
	ASSERT_EQ(3 * p, ev.bytes);
	ASSERT_EQ(cp.largest_free, ev.largest_free);
	ASSERT_EQ(cp.free_bytes, ev.free_bytes);
	ASSERT_EQ(0, ev.status);
	ASSERT_FALSE(ev.automatic);
	/* b, from 2p down to 0 where a was */
	ASSERT_FALSE(ev.truncated);
	ASSERT_EQ(1, ev.nmoved);
	ASSERT_EQ(b, ev.moved[0].handle);
	ASSERT_EQ(NNMEM_KIND_WEIGHT, ev.moved[0].kind);
	ASSERT_EQ(2 * p, ev.moved[0].old_offset);
	ASSERT_EQ(0, ev.moved[0].new_offset);
	ASSERT_EQ(3 * p, ev.moved[0].size);
	ASSERT_TRUE(ev.moved[0].has_session);
	ASSERT_FALSE(ev.moved[0].freed);

	/*
	 * b [0,3p) freed, c [3p,4p), a [7p,S-p), t [S-p,S) freed: holes of
	 * 3p, 3p and p. A 4-page weight compacts: c down 3 pages, a up one,
	 * leaving 7 pages in one piece.
	 */
	ASSERT_EQ(0, nt_weight(self->fd, p, p, &c, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, p, p, &t, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, self->info.arena_size - 8 * p,
				   p, &a, NULL));
	ASSERT_EQ(0, nt_free(self->fd, b));
	ASSERT_EQ(0, nt_free(self->fd, t));
	ASSERT_EQ(0, ct_sysfs_write(CT_AUTO_COMPACT, "1"));
	ASSERT_EQ(0, nt_weight(self->fd, 4 * p, p, &big, NULL));
	ASSERT_EQ(0, ct_sysfs_write(CT_AUTO_COMPACT, "0"));
	ASSERT_EQ(0, ct_nl_compact_event(&nl, &ev));
	ASSERT_TRUE(ev.automatic);
	ASSERT_EQ(NNMEM_COMPACT_VALID_KINDS, ev.kinds);
	ASSERT_EQ(2, ev.regions);
	ASSERT_EQ(p + self->info.arena_size - 8 * p, ev.bytes);
	ASSERT_EQ(7 * p, ev.largest_free);
	ASSERT_EQ(7 * p, ev.free_bytes);
	ASSERT_EQ(p, ct_offset(self->fd, big));
	ASSERT_EQ(0, ct_offset(self->fd, c));
	ASSERT_EQ(8 * p, ct_offset(self->fd, a));
	ASSERT_EQ(0, nt_free(self->fd, big));
	ASSERT_EQ(0, nt_free(self->fd, c));
	ASSERT_EQ(0, nt_free(self->fd, a));
	close(nl.fd);
}

/*
 * A fragmented arena of both kinds, one region exported (pinned) and one
 * freed while mapped (deferred, it moves): the compact-ntf lists exactly
 * the regions whose REGION_INFO offset changed, each once with the
 * offsets REGION_INFO gave before and after, its size and kind as
 * allocated and the session region-get names; the deferred region is
 * listed freed, without a session; the exported one is absent and stayed.
 */
TEST_F(compact, netlink_moved_list_is_what_region_info_says)
{
	enum { N = 40 };
	uint64_t p = self->page, before[N], after[N], size[N], session;
	uint64_t def_off, pin_off, def_size = 2 * p;
	uint32_t h[N], kind[N], pin = 0, def = 0, moved_live = 0;
	struct nnmem_region_info ri;
	static struct ct_event ev;
	struct nnmem_compact cp;
	struct nnmem_export e;
	bool live[N];
	void *map;
	struct nlt nl;
	int i, k;

	ASSERT_EQ(0, nlt_open(&nl, true, 0));
	rnd_state = 12;
	for (i = 0; i < N; i++) {
		size[i] = (1 + ct_rnd() % 4) * p;
		kind[i] = i % 2 ? NNMEM_KIND_ACTIVATION : NNMEM_KIND_WEIGHT;
		ASSERT_EQ(0, nt_alloc(self->fd, size[i], p, kind[i], 0,
				      i ? NULL : "ct-moved", &h[i], NULL));
		live[i] = true;
		/* above h[0], which is freed: it moves */
		if (!i)
			ASSERT_EQ(0, nt_alloc(self->fd, def_size, p,
					      NNMEM_KIND_WEIGHT,
					      NNMEM_ALLOC_MAPPABLE, NULL,
					      &def, NULL));
		/* in the middle: exported, so pinned */
		if (i == N / 2)
			ASSERT_EQ(0, nt_alloc(self->fd, p, p,
					      NNMEM_KIND_WEIGHT,
					      NNMEM_ALLOC_MAPPABLE, NULL,
					      &pin, NULL));
	}
	ASSERT_EQ(0, nlt_region_of_label(&nl, "ct-moved", &session, NULL));
	memset(&e, 0, sizeof(e));
	e.handle = pin;
	e.flags = NNMEM_EXPORT_RDWR;
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_EXPORT, &e));
	ASSERT_EQ(0, nt_region_info(self->fd, pin, &ri));
	pin_off = ri.offset;
	ASSERT_EQ(0, nt_region_info(self->fd, def, &ri));
	def_off = ri.offset;
	map = mmap(NULL, def_size, PROT_READ, MAP_SHARED, self->fd,
		   ri.mmap_offset);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, nt_free(self->fd, def));
	/* holes: every third region, the first of each kind included */
	for (i = 0; i < N; i += 3) {
		ASSERT_EQ(0, nt_free(self->fd, h[i]));
		live[i] = false;
	}
	ASSERT_EQ(0, nt_free(self->fd, h[1]));
	live[1] = false;
	for (i = 0; i < N; i++)
		if (live[i]) {
			ASSERT_EQ(0, nt_region_info(self->fd, h[i], &ri));
			before[i] = ri.offset;
		}
	ASSERT_EQ(0, ct_compact(self->fd, 0, &cp));
	ASSERT_EQ(0, nt_region_info(self->fd, pin, &ri));
	ASSERT_EQ(pin_off, ri.offset);
	ASSERT_EQ(0, ct_nl_compact_event(&nl, &ev));
	for (i = 0; i < N; i++)
		if (live[i]) {
			ASSERT_EQ(0, nt_region_info(self->fd, h[i], &ri));
			after[i] = ri.offset;
			moved_live += after[i] != before[i];
		}

	ASSERT_LT(0, moved_live);
	ASSERT_EQ(cp.regions_moved, ev.regions);
	ASSERT_FALSE(ev.truncated);
	/* every move listed: the live ones and the deferred one */
	ASSERT_EQ(moved_live + 1, cp.regions_moved);
	ASSERT_EQ((int)cp.regions_moved, ev.nmoved);
	for (i = 0; i < N; i++) {
		const struct ct_move *m;

		if (!live[i])
			continue;
		m = ct_moved(&ev, h[i], false);
		if (after[i] == before[i]) {
			ASSERT_EQ(NULL, m) TH_LOG("handle %u stayed", h[i]);
			continue;
		}
		ASSERT_NE(NULL, m) TH_LOG("handle %u moved", h[i]);
		ASSERT_TRUE(m->has_session);
		ASSERT_EQ(session, m->session);
		ASSERT_EQ(kind[i], m->kind);
		ASSERT_EQ(before[i], m->old_offset);
		ASSERT_EQ(after[i], m->new_offset);
		ASSERT_EQ(size[i], m->size);
		/* listed once */
		for (k = (int)(m - ev.moved) + 1; k < ev.nmoved; k++)
			ASSERT_NE(h[i], ev.moved[k].handle);
	}
	ASSERT_EQ(NULL, ct_moved(&ev, pin, false));
	ASSERT_EQ(NULL, ct_moved(&ev, pin, true));
	{
		const struct ct_move *m = ct_moved(&ev, def, true);

		ASSERT_NE(NULL, m);
		ASSERT_FALSE(m->has_session);
		ASSERT_EQ(NNMEM_KIND_WEIGHT, m->kind);
		ASSERT_EQ(def_off, m->old_offset);
		ASSERT_NE(def_off, m->new_offset);
		ASSERT_EQ(def_size, m->size);
	}

	ASSERT_EQ(0, munmap(map, def_size));
	ASSERT_EQ(0, close(e.fd));
	ASSERT_EQ(0, nt_free(self->fd, pin));
	for (i = 0; i < N; i++)
		if (live[i])
			ASSERT_EQ(0, nt_free(self->fd, h[i]));
	ASSERT_USAGE_EMPTY(self->fd);
	close(nl.fd);
}

/*
 * 300 regions move in one pass: the event lists the first 256, each as
 * REGION_INFO says, flags the list truncated and counts all 300.
 */
TEST_F(compact, netlink_moved_list_stops_at_256_and_says_so)
{
	enum { N = 600 };
	uint64_t p = self->page, *before, off;
	struct nnmem_region_info ri;
	static struct ct_event ev;
	struct nnmem_compact cp;
	struct nlt nl;
	uint32_t *h;
	int i, j;

	if (self->info.arena_size < (N + 1) * p)
		SKIP(return, "arena too small");
	h = calloc(N, sizeof(*h));
	before = calloc(N, sizeof(*before));
	ASSERT_NE(NULL, h);
	ASSERT_NE(NULL, before);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, nt_weight(self->fd, p, p, &h[i], NULL));
	for (i = 0; i < N; i += 2)
		ASSERT_EQ(0, nt_free(self->fd, h[i]));
	for (i = 1; i < N; i += 2) {
		ASSERT_EQ(0, nt_region_info(self->fd, h[i], &ri));
		before[i] = ri.offset;
	}
	/* joined now: the 900 region events before would overrun it */
	ASSERT_EQ(0, nlt_open(&nl, true, 0));
	ASSERT_EQ(0, ct_compact(self->fd, NNMEM_COMPACT_WEIGHTS, &cp));
	ASSERT_EQ(N / 2, cp.regions_moved);
	ASSERT_EQ(0, ct_nl_compact_event(&nl, &ev));
	ASSERT_EQ(N / 2, ev.regions);
	ASSERT_TRUE(ev.truncated);
	ASSERT_EQ(256, ev.nmoved);
	for (j = 0; j < ev.nmoved; j++) {
		const struct ct_move *m = &ev.moved[j];

		for (i = 1; i < N && h[i] != m->handle; i += 2)
			;
		ASSERT_LT(i, N) TH_LOG("listed handle %u is not live",
				       m->handle);
		ASSERT_EQ(0, nt_region_info(self->fd, h[i], &ri));
		off = ri.offset;
		ASSERT_EQ(before[i], m->old_offset);
		ASSERT_EQ(off, m->new_offset);
		ASSERT_EQ(p, m->size);
	}
	for (i = 1; i < N; i += 2)
		ASSERT_EQ(0, nt_free(self->fd, h[i]));
	ASSERT_USAGE_EMPTY(self->fd);
	free(h);
	free(before);
	close(nl.fd);
}

TEST_HARNESS_MAIN
