// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem ioctl uapi: layout rules, reuse, alignment, limits, sessions and
 * every bad input with its exact errno. Expects nnmem loaded with
 * devices=2 and the default 4 MiB arena and max_regions, and nothing
 * allocated when each test starts.
 */
#include <stdlib.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"

FIXTURE(nnmem) {
	int fd;
	struct nnmem_info info;
	struct nnmem_usage empty;
	uint64_t arena;
};

FIXTURE_SETUP(nnmem)
{
	NT_SETUP_SESSION(self->fd, &self->info, &self->empty);
	self->arena = self->info.arena_size;
}

FIXTURE_TEARDOWN(nnmem)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(nnmem, info_reports_version_caps_and_module_defaults)
{
	struct nnmem_info *i = &self->info;

	ASSERT_EQ(NNMEM_UAPI_VERSION, i->uapi_version);
	ASSERT_EQ(0, i->dev_index);
	ASSERT_EQ(NNMEM_CAP_MMAP | NNMEM_CAP_RW | NNMEM_CAP_LABELS |
		  NNMEM_CAP_GRAPH | NNMEM_CAP_DMABUF | NNMEM_CAP_COMPACT, i->caps);
	ASSERT_EQ(NNMEM_TEST_ARENA_DEFAULT, i->arena_size);
	ASSERT_EQ(NNMEM_ALIGN_DEFAULT, i->default_align);
	ASSERT_EQ(NNMEM_ALIGN_MAX, i->max_align);
	ASSERT_EQ(NNMEM_TEST_MAX_REGIONS_DEFAULT, i->max_regions);
	ASSERT_EQ((uint32_t)getpagesize(), i->page_size);
	/* Version 1 of the struct: the graph limits. */
	ASSERT_NE(0, i->max_tensors);
	ASSERT_NE(0, i->max_nodes);
	ASSERT_NE(0, i->max_graphs);
	ASSERT_NE(0, i->max_jobs);
}

TEST_F(nnmem, info_ver0_size_still_works_and_writes_only_40_bytes)
{
	unsigned char buf[sizeof(struct nnmem_info) + 8];
	struct nnmem_info *i = (void *)buf;

	ASSERT_EQ(40, NNMEM_INFO_SIZE_VER0);
	memset(buf, 0x5c, sizeof(buf));
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_INFO,
					   NNMEM_INFO_SIZE_VER0), buf));
	ASSERT_EQ(NNMEM_UAPI_VERSION, i->uapi_version);
	ASSERT_EQ(self->info.caps, i->caps);
	ASSERT_EQ(self->arena, i->arena_size);
	ASSERT_EQ(self->info.page_size, i->page_size);
	/* The version 1 fields are past the caller's struct: untouched. */
	ASSERT_EQ(0x5c5c5c5c, i->max_tensors);
	ASSERT_EQ(0x5c5c5c5c, i->max_nodes);
	ASSERT_EQ(0x5c5c5c5c, i->max_graphs);
	ASSERT_EQ(0x5c5c5c5c, i->max_jobs);
}

TEST_F(nnmem, info_dev_index_of_second_device_is_1)
{
	struct nnmem_info info;
	int fd = nt_open(1);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nt_info(fd, &info));
	ASSERT_EQ(1, info.dev_index);
	ASSERT_EQ(self->arena, info.arena_size);
	close(fd);
}

TEST_F(nnmem, empty_usage_is_one_free_extent_spanning_the_arena)
{
	struct nnmem_usage *u = &self->empty;

	ASSERT_EQ(self->arena, u->arena_size);
	ASSERT_EQ(self->arena, u->free_bytes);
	ASSERT_EQ(self->arena, u->largest_free);
	ASSERT_EQ(0, u->weight_top);
	ASSERT_EQ(self->arena, u->activation_bottom);
	ASSERT_EQ(1, u->free_extents);
	ASSERT_EQ(0, u->session_regions);
}

/* The expected placement, from the rule in the uapi header. */
struct layout_req {
	const char *label;
	uint32_t kind;
	uint64_t size;
	uint32_t align;
};

static void layout_expect(const struct layout_req *req, size_t n,
			  uint64_t arena, uint64_t *expect)
{
	uint64_t wtop = 0, abot = arena;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t a = req[i].align ? req[i].align : NNMEM_ALIGN_DEFAULT;

		if (req[i].kind == NNMEM_KIND_WEIGHT) {
			expect[i] = nt_align_up(wtop, a);
			wtop = expect[i] + req[i].size;
		} else {
			expect[i] = nt_align_down(abot - req[i].size, a);
			abot = expect[i];
		}
	}
}

static void layout_check(struct __test_metadata *_metadata, int fd,
			 const struct layout_req *req, size_t n,
			 uint64_t arena)
{
	uint64_t expect[16], off, wbytes = 0, abytes = 0, wtop = 0;
	uint64_t abot = arena;
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	uint32_t handle;
	size_t i;

	ASSERT_GE(16, n);
	layout_expect(req, n, arena, expect);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, nt_alloc(fd, req[i].size, req[i].align,
				      req[i].kind, 0, req[i].label, &handle,
				      &off));
		ASSERT_EQ(i + 1, handle);
		ASSERT_EQ(expect[i], off) {
			TH_LOG("%s: offset 0x%llx, expected 0x%llx",
			       req[i].label, (unsigned long long)off,
			       (unsigned long long)expect[i]);
		}
		ASSERT_EQ(0, nt_region_info(fd, handle, &ri));
		ASSERT_EQ(expect[i], ri.offset);
		ASSERT_EQ(req[i].size, ri.size);
		ASSERT_EQ(req[i].size, ri.span);
		ASSERT_EQ(req[i].align ? req[i].align : NNMEM_ALIGN_DEFAULT,
			  ri.align);
		ASSERT_EQ(req[i].kind, ri.kind);
		ASSERT_EQ(0, ri.alloc_flags);
		ASSERT_EQ(0, ri.mmap_offset);
		ASSERT_EQ(0, ri.__pad);
		ASSERT_STREQ(req[i].label, (char *)ri.label);
		/*
		 * Alignment padding belongs to the region that needed it: a
		 * weight reserves from the previous weight's end, an
		 * activation up to the previous activation's start.
		 */
		if (req[i].kind == NNMEM_KIND_WEIGHT) {
			wbytes += off + req[i].size - wtop;
			wtop = off + req[i].size;
		} else {
			abytes += abot - off;
			abot = off;
		}
	}
	ASSERT_EQ(0, nt_usage(fd, &u));
	ASSERT_EQ(wbytes, u.weight_bytes);
	ASSERT_EQ(abytes, u.activation_bytes);
	ASSERT_EQ(arena - wbytes - abytes, u.free_bytes);
	ASSERT_EQ(wtop, u.weight_top);
	ASSERT_EQ(abot, u.activation_bottom);
	ASSERT_EQ(abot - wtop, u.largest_free);
	ASSERT_EQ(n, u.session_regions);
	ASSERT_EQ(wbytes + abytes, u.session_bytes);
	ASSERT_LE(wbytes, u.weight_hwm);
	ASSERT_LE(abytes, u.activation_hwm);
}

TEST_F(nnmem, residual_block_layout_has_exact_offsets)
{
	/* Conv0 -> Conv1 -> Add(Conv1, skip), 3x3 conv 16->16 int8 32x32. */
	static const struct layout_req req[] = {
		{ "conv0.filter", NNMEM_KIND_WEIGHT, 16 * 3 * 3 * 16, 0 },
		{ "conv0.bias", NNMEM_KIND_WEIGHT, 16 * 4, 0 },
		{ "input", NNMEM_KIND_ACTIVATION, 32 * 32 * 16, 0 },
		{ "conv1.filter", NNMEM_KIND_WEIGHT, 16 * 3 * 3 * 16, 0 },
		{ "conv0.out", NNMEM_KIND_ACTIVATION, 32 * 32 * 16, 0 },
		{ "conv1.bias", NNMEM_KIND_WEIGHT, 16 * 4, 0 },
		{ "conv1.out", NNMEM_KIND_ACTIVATION, 32 * 32 * 16, 0 },
		{ "add.out", NNMEM_KIND_ACTIVATION, 32 * 32 * 16, 0 },
	};

	layout_check(_metadata, self->fd, req, 8, self->arena);
	/* No padding: the free space is the one gap in the middle. */
	{
		struct nnmem_usage u;

		ASSERT_EQ(0, nt_usage(self->fd, &u));
		ASSERT_EQ(1, u.free_extents);
		ASSERT_EQ(4, u.weight_regions);
		ASSERT_EQ(4, u.activation_regions);
		ASSERT_EQ(2 * 2304 + 2 * 64, u.weight_top);
		ASSERT_EQ(self->arena - 4 * 16384, u.activation_bottom);
	}
}

/*
 * The header: "with no frees in between, successive weight regions get
 * strictly ascending offsets in request order" (activations descending),
 * whatever their alignments; padding left by a large alignment is not
 * back-filled by a later, smaller-aligned request.
 */
TEST_F(nnmem, mixed_alignments_keep_request_order_at_both_ends)
{
	static const struct layout_req req[] = {
		{ "w.100", NNMEM_KIND_WEIGHT, 100, 0 },
		{ "a.100", NNMEM_KIND_ACTIVATION, 100, 0 },
		{ "w.1.a1", NNMEM_KIND_WEIGHT, 1, 1 },
		{ "w.4096.a4096", NNMEM_KIND_WEIGHT, 4096, 4096 },
		{ "a.33.a128", NNMEM_KIND_ACTIVATION, 33, 128 },
		{ "w.7.a8", NNMEM_KIND_WEIGHT, 7, 8 },
		{ "a.5000.a4096", NNMEM_KIND_ACTIVATION, 5000, 4096 },
		{ "w.3000.a256", NNMEM_KIND_WEIGHT, 3000, 256 },
		{ "a.1.a1", NNMEM_KIND_ACTIVATION, 1, 1 },
		{ "w.64k.a64k", NNMEM_KIND_WEIGHT, 65536, 65536 },
		{ "a.3.a2", NNMEM_KIND_ACTIVATION, 3, 2 },
	};

	layout_check(_metadata, self->fd, req, 11, self->arena);
}

TEST_F(nnmem, ends_grow_to_meet_then_enospc_changes_nothing)
{
	uint64_t chunk = self->arena / 64, off;
	struct nnmem_usage full, u;
	uint32_t h, first = 0;
	int i;

	for (i = 0; i < 64; i++) {
		uint32_t kind = i % 2 ? NNMEM_KIND_ACTIVATION :
					NNMEM_KIND_WEIGHT;

		ASSERT_EQ(0, nt_alloc(self->fd, chunk, 0, kind, 0, NULL, &h,
				      &off));
		if (kind == NNMEM_KIND_WEIGHT) {
			ASSERT_EQ((uint64_t)(i / 2) * chunk, off);
		} else {
			ASSERT_EQ(self->arena - (uint64_t)(i / 2 + 1) * chunk,
				  off);
		}
		if (i == 2)
			first = h;
	}
	ASSERT_EQ(0, nt_usage(self->fd, &full));
	ASSERT_EQ(0, full.free_bytes);
	ASSERT_EQ(0, full.free_extents);
	ASSERT_EQ(0, full.largest_free);
	ASSERT_EQ(self->arena / 2, full.weight_top);
	ASSERT_EQ(self->arena / 2, full.activation_bottom);

	ASSERT_EQ(-ENOSPC, nt_weight(self->fd, 1, 1, NULL, NULL));
	ASSERT_EQ(-ENOSPC, nt_activation(self->fd, 1, 1, NULL, NULL));
	ASSERT_USAGE_UNCHANGED(self->fd, &full);

	/* A hole among the weights is below every activation: weights only. */
	ASSERT_EQ(0, nt_free(self->fd, first));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(chunk, u.free_bytes);
	ASSERT_EQ(1, u.free_extents);
	ASSERT_EQ(-ENOSPC, nt_activation(self->fd, 1, 1, NULL, NULL));
	ASSERT_EQ(-ENOSPC, nt_weight(self->fd, chunk + 1, 1, NULL, NULL));
	ASSERT_USAGE_UNCHANGED(self->fd, &u);
	ASSERT_EQ(0, nt_weight(self->fd, chunk, 0, NULL, &off));
	ASSERT_EQ(chunk, off);
	ASSERT_USAGE_UNCHANGED(self->fd, &full);
}

TEST_F(nnmem, whole_arena_fits_as_one_region_of_either_kind)
{
	uint64_t off;
	uint32_t h;

	ASSERT_EQ(0, nt_weight(self->fd, self->arena, 0, &h, &off));
	ASSERT_EQ(0, off);
	ASSERT_EQ(-ENOSPC, nt_weight(self->fd, 1, 1, NULL, NULL));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, nt_activation(self->fd, self->arena, 0, &h, &off));
	ASSERT_EQ(0, off);
	ASSERT_EQ(-ENOSPC, nt_activation(self->fd, 1, 1, NULL, NULL));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

static bool next_permutation(int *a, int n)
{
	int i = n - 2, j, t;

	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return false;
	j = n - 1;
	while (a[j] <= a[i])
		j--;
	t = a[i];
	a[i] = a[j];
	a[j] = t;
	for (i++, j = n - 1; i < j; i++, j--) {
		t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
	return true;
}

TEST_F(nnmem, free_in_every_order_returns_exactly_to_empty)
{
	static const uint64_t sizes[5] = { 2304, 100, 16384, 4000, 64 };
	static const uint32_t kinds[5] = {
		NNMEM_KIND_WEIGHT, NNMEM_KIND_WEIGHT, NNMEM_KIND_ACTIVATION,
		NNMEM_KIND_ACTIVATION, NNMEM_KIND_WEIGHT,
	};
	int order[5] = { 0, 1, 2, 3, 4 };
	uint64_t first_off[5];
	int perms = 0;

	do {
		struct nnmem_usage u;
		uint32_t h[5];
		uint64_t off;
		int i;

		for (i = 0; i < 5; i++) {
			ASSERT_EQ(0, nt_alloc(self->fd, sizes[i], 0, kinds[i],
					      0, NULL, &h[i], &off));
			if (!perms)
				first_off[i] = off;
			/* Empty arena, same requests: same layout each time. */
			ASSERT_EQ(first_off[i], off);
		}
		for (i = 0; i < 5; i++) {
			ASSERT_EQ(0, nt_free(self->fd, h[order[i]]));
			ASSERT_EQ(0, nt_usage(self->fd, &u));
			ASSERT_EQ(self->arena, u.weight_bytes +
				  u.activation_bytes + u.free_bytes);
			ASSERT_EQ(4 - i, u.session_regions);
		}
		ASSERT_USAGE_EMPTY(self->fd);
		perms++;
	} while (next_permutation(order, 5));
	ASSERT_EQ(120, perms);
}

TEST_F(nnmem, freed_weight_hole_is_reused_lowest_first)
{
	uint32_t h[4], h2;
	uint64_t off;
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, nt_weight(self->fd, 1024, 0, &h[i], &off));
		ASSERT_EQ(1024 * i, off);
	}
	ASSERT_EQ(0, nt_free(self->fd, h[2]));
	ASSERT_EQ(0, nt_free(self->fd, h[0]));
	/* Holes at 0 and 2048: the lowest first, then the next, then top. */
	ASSERT_EQ(0, nt_weight(self->fd, 1000, 0, &h[0], &off));
	ASSERT_EQ(0, off);
	ASSERT_EQ(0, nt_weight(self->fd, 1024, 0, &h[2], &off));
	ASSERT_EQ(2048, off);
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h2, &off));
	ASSERT_EQ(4096, off);
	/* Adjacent holes coalesce into one that fits a bigger weight. */
	ASSERT_EQ(0, nt_free(self->fd, h[1]));
	ASSERT_EQ(0, nt_free(self->fd, h[2]));
	ASSERT_EQ(0, nt_weight(self->fd, 2048, 0, &h[1], &off));
	ASSERT_EQ(1024, off);
	/* A weight that fits no hole goes to the top. */
	ASSERT_EQ(0, nt_free(self->fd, h[0]));
	ASSERT_EQ(0, nt_weight(self->fd, 1025, 0, &h[0], &off));
	ASSERT_EQ(4096 + 64, off);
	/*
	 * An activation never takes a hole below a weight: fill the middle
	 * gap, and the free [0, 1024) is no use to an activation.
	 */
	ASSERT_EQ(0, nt_activation(self->fd, self->arena - (off + 1025), 1,
				   &h[2], &off));
	ASSERT_EQ(4096 + 64 + 1025, off);
	ASSERT_EQ(-ENOSPC, nt_activation(self->fd, 64, 1, NULL, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, NULL, &off));
	ASSERT_EQ(0, off);
}

TEST_F(nnmem, freed_activation_hole_is_reused_highest_first)
{
	uint64_t top = self->arena, off;
	uint32_t h[4], h2;
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, nt_activation(self->fd, 1024, 0, &h[i], &off));
		ASSERT_EQ(top - 1024 * (i + 1), off);
	}
	ASSERT_EQ(0, nt_free(self->fd, h[1]));
	ASSERT_EQ(0, nt_free(self->fd, h[3]));
	/* h[3] was the lowest: its space joins the middle gap. */
	ASSERT_EQ(0, nt_activation(self->fd, 1000, 0, &h[1], &off));
	ASSERT_EQ(nt_align_down(top - 1024 - 1000, 64), off);
	ASSERT_EQ(0, nt_activation(self->fd, 1024, 0, &h[3], &off));
	ASSERT_EQ(top - 4096, off);
	ASSERT_EQ(0, nt_free(self->fd, h[0]));
	ASSERT_EQ(0, nt_free(self->fd, h[1]));
	ASSERT_EQ(0, nt_activation(self->fd, 2048, 0, &h[0], &off));
	ASSERT_EQ(top - 2048, off);
	ASSERT_EQ(0, nt_activation(self->fd, 64, 0, &h2, &off));
	ASSERT_EQ(top - 4096 - 64, off);
	/*
	 * A weight never takes a hole above an activation: fill the middle
	 * gap, free the top 2048, and a weight still has no room.
	 */
	ASSERT_EQ(0, nt_weight(self->fd, off, 1, &h[1], &off));
	ASSERT_EQ(0, off);
	ASSERT_EQ(0, nt_free(self->fd, h[0]));
	ASSERT_EQ(-ENOSPC, nt_weight(self->fd, 64, 1, NULL, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 64, 0, NULL, &off));
	ASSERT_EQ(top - 64, off);
}

TEST_F(nnmem, every_power_of_two_alignment_is_honoured_on_both_ends)
{
	struct nnmem_region_info ri;
	uint64_t wtop = 0, abot = self->arena, off;
	uint32_t align, h;

	for (align = 1; align <= NNMEM_ALIGN_MAX / 4; align <<= 1) {
		ASSERT_EQ(0, nt_weight(self->fd, 3, align, &h, &off));
		ASSERT_EQ(nt_align_up(wtop, align), off);
		ASSERT_EQ(0, off % align);
		ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
		ASSERT_EQ(align, ri.align);
		wtop = off + 3;

		ASSERT_EQ(0, nt_activation(self->fd, 5, align, &h, &off));
		ASSERT_EQ(nt_align_down(abot - 5, align), off);
		ASSERT_EQ(0, off % align);
		abot = off;
	}
}

TEST_F(nnmem, max_alignment_is_accepted_and_zero_means_default)
{
	struct nnmem_region_info ri;
	uint64_t off;
	uint32_t h;

	ASSERT_EQ(0, nt_weight(self->fd, 1, 0, &h, &off));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	ASSERT_EQ(NNMEM_ALIGN_DEFAULT, ri.align);
	ASSERT_EQ(0, nt_weight(self->fd, 1, NNMEM_ALIGN_MAX, &h, &off));
	ASSERT_EQ(NNMEM_ALIGN_MAX, off);
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	ASSERT_EQ(NNMEM_ALIGN_MAX, ri.align);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, nt_activation(self->fd, 1, NNMEM_ALIGN_MAX, &h, &off));
	ASSERT_EQ(nt_align_down(self->arena - 1, NNMEM_ALIGN_MAX), off);
}

/* ---- bad input: exact errno, nothing changed ---- */

TEST_F(nnmem, unknown_commands_get_enotty)
{
	struct nnmem_usage buf[2];
	static const unsigned long cmds[] = {
		_IOR('x', 0x00, struct nnmem_info),
		_IOR(NNMEM_IOC_MAGIC + 1, 0x00, struct nnmem_info),
		/* 0x0e is the first number after the last command. */
		_IOWR(NNMEM_IOC_MAGIC, 0x0e, struct nnmem_alloc),
		_IOWR(NNMEM_IOC_MAGIC, 0x40, struct nnmem_alloc),
		_IOWR(NNMEM_IOC_MAGIC, 0xff, struct nnmem_alloc),
		_IO(NNMEM_IOC_MAGIC, 0x0e),
		/* EXPORT (0x0c) and COMPACT (0x0d) with the wrong direction */
		_IOW(NNMEM_IOC_MAGIC, 0x0c, struct nnmem_export),
		_IOR(NNMEM_IOC_MAGIC, 0x0d, struct nnmem_compact),
		_IO(NNMEM_IOC_MAGIC, 0x07),
		_IOR(NNMEM_IOC_MAGIC, 0x07, struct nnmem_graph_create),
		_IOR(NNMEM_IOC_MAGIC, 0x09, struct nnmem_run),
		/* Known numbers with the wrong direction are other commands. */
		_IOW(NNMEM_IOC_MAGIC, 0x00, struct nnmem_info),
		_IOR(NNMEM_IOC_MAGIC, 0x01, struct nnmem_alloc),
		_IOW(NNMEM_IOC_MAGIC, 0x01, struct nnmem_alloc),
		_IOWR(NNMEM_IOC_MAGIC, 0x02, struct nnmem_free),
		_IO(NNMEM_IOC_MAGIC, 0x06),
		0,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(-ENOTTY, nt_ioctl(self->fd, cmds[i], buf)) {
			TH_LOG("cmd 0x%lx", cmds[i]);
		}
	}
	ASSERT_USAGE_UNCHANGED(self->fd, &self->empty);
}

static struct nnmem_alloc alloc_req(uint64_t size, uint32_t align,
				    uint32_t kind, uint32_t flags)
{
	struct nnmem_alloc a;

	memset(&a, 0, sizeof(a));
	a.size = size;
	a.align = align;
	a.kind = kind;
	a.flags = flags;
	return a;
}

TEST_F(nnmem, alloc_bad_fields_get_einval_and_change_nothing)
{
	const uint64_t arena = self->arena;
	const struct {
		const char *what;
		struct nnmem_alloc a;
	} bad[] = {
		{ "size 0", alloc_req(0, 0, NNMEM_KIND_WEIGHT, 0) },
		{ "size 0 act", alloc_req(0, 0, NNMEM_KIND_ACTIVATION, 0) },
		{ "size arena+1", alloc_req(arena + 1, 0, NNMEM_KIND_WEIGHT, 0) },
		{ "size 2^63", alloc_req(1ULL << 63, 0, NNMEM_KIND_WEIGHT, 0) },
		{ "size ~0", alloc_req(~0ULL, 0, NNMEM_KIND_ACTIVATION, 0) },
		{ "size ~0 mappable", alloc_req(~0ULL, 0, NNMEM_KIND_WEIGHT,
						NNMEM_ALLOC_MAPPABLE) },
		{ "align 3", alloc_req(64, 3, NNMEM_KIND_WEIGHT, 0) },
		{ "align 48", alloc_req(64, 48, NNMEM_KIND_WEIGHT, 0) },
		{ "align 2^31+1", alloc_req(64, 0x80000001u, NNMEM_KIND_WEIGHT, 0) },
		{ "align max*2", alloc_req(64, NNMEM_ALIGN_MAX << 1, NNMEM_KIND_WEIGHT, 0) },
		{ "align 2^31", alloc_req(64, 1u << 31, NNMEM_KIND_ACTIVATION, 0) },
		{ "kind 0", alloc_req(64, 0, 0, 0) },
		{ "kind 3", alloc_req(64, 0, 3, 0) },
		{ "kind ~0", alloc_req(64, 0, ~0u, 0) },
		{ "flag bit 1", alloc_req(64, 0, NNMEM_KIND_WEIGHT, 1u << 1) },
		{ "flag bit 31", alloc_req(64, 0, NNMEM_KIND_WEIGHT, 1u << 31) },
		{ "all flags", alloc_req(64, 0, NNMEM_KIND_WEIGHT, ~0u) },
	};
	size_t i;

	/* Something live, so "changes nothing" is not just "still empty". */
	ASSERT_EQ(0, nt_weight(self->fd, 100, 0, NULL, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 100, 0, NULL, NULL));
	ASSERT_EQ(0, nt_usage(self->fd, &self->empty));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct nnmem_alloc a = bad[i].a;

		ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_ALLOC, &a)) {
			TH_LOG("%s", bad[i].what);
		}
		ASSERT_USAGE_UNCHANGED(self->fd, &self->empty);
	}
}

TEST_F(nnmem, alloc_ignores_handle_and_offset_on_input)
{
	struct nnmem_alloc a = alloc_req(64, 0, NNMEM_KIND_WEIGHT, 0);

	a.handle = 0xdeadbeef;
	a.offset = 0x123456789ULL;
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_ALLOC, &a));
	ASSERT_EQ(1, a.handle);
	ASSERT_EQ(0, a.offset);
}

TEST_F(nnmem, labels_printable_nul_terminated_zero_padded)
{
	static const char *const good[] = {
		"", "conv0.filter", "a", "~!#$%&()*+,-./:;<=>?@[]^_`{|} A",
		"0123456789012345678901234567890",	/* 31 chars */
	};
	struct nnmem_region_info ri;
	struct nnmem_alloc a;
	uint32_t h;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		char want[NNMEM_LABEL_LEN] = { 0 };

		strncpy(want, good[i], sizeof(want) - 1);
		a = alloc_req(16, 0, NNMEM_KIND_WEIGHT, 0);
		memcpy(a.label, want, sizeof(a.label));
		ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_ALLOC, &a)) {
			TH_LOG("label '%s'", good[i]);
		}
		h = a.handle;
		ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
		ASSERT_EQ(0, memcmp(want, ri.label, sizeof(want)));
		ASSERT_EQ(0, nt_free(self->fd, h));
	}
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(nnmem, labels_unterminated_unprintable_or_dirty_tail_get_einval)
{
	static const struct {
		const char *what;
		unsigned char bytes[NNMEM_LABEL_LEN];
	} bad[] = {
		{ "32 chars, no NUL", "0123456789abcdef0123456789abcde" },
		{ "newline", "conv\n" },
		{ "tab", "a\tb" },
		{ "DEL", "x\x7f" },
		{ "high bit", "\x80label" },
		{ "0xff", "\xff" },
		{ "byte after NUL", { 'a', 'b', 0, 'c' } },
		{ "last byte after NUL", { 'a', [NNMEM_LABEL_LEN - 1] = 'z' } },
		{ "empty then junk", { 0, 1 } },
	};
	struct nnmem_alloc a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		a = alloc_req(16, 0, NNMEM_KIND_ACTIVATION, 0);
		memcpy(a.label, bad[i].bytes, sizeof(a.label));
		if (i == 0)
			a.label[NNMEM_LABEL_LEN - 1] = 'f';
		ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_ALLOC, &a)) {
			TH_LOG("%s", bad[i].what);
		}
		ASSERT_USAGE_UNCHANGED(self->fd, &self->empty);
	}
}

TEST_F(nnmem, free_region_info_and_rw_of_unknown_handles_get_enoent)
{
	static const uint32_t handles[] = { 0, 2, 3, 1000, 0x7fffffff, ~0u };
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	char buf[8] = { 0 };
	uint32_t h, freed;
	size_t i;

	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h, NULL));
	ASSERT_EQ(1, h);
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &freed, NULL));
	ASSERT_EQ(2, freed);
	ASSERT_EQ(0, nt_free(self->fd, freed));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	for (i = 0; i < ARRAY_SIZE(handles); i++) {
		ASSERT_EQ(-ENOENT, nt_free(self->fd, handles[i]));
		ASSERT_EQ(-ENOENT, nt_region_info(self->fd, handles[i], &ri));
		ASSERT_EQ(-ENOENT, nt_write(self->fd, handles[i], 0, buf, 8));
		ASSERT_EQ(-ENOENT, nt_read(self->fd, handles[i], 0, buf, 8));
		ASSERT_USAGE_UNCHANGED(self->fd, &u);
	}
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
}

TEST_F(nnmem, nonzero_flags_get_einval_and_change_nothing)
{
	struct nnmem_region_info ri;
	struct nnmem_free f;
	struct nnmem_rw rw;
	struct nnmem_usage u;
	char buf[16] = { 0 };
	uint32_t h, bit;

	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h, NULL));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	for (bit = 0; bit < 32; bit++) {
		f.handle = h;
		f.flags = 1u << bit;
		ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_FREE, &f));

		memset(&ri, 0, sizeof(ri));
		ri.handle = h;
		ri.flags = 1u << bit;
		ASSERT_EQ(-EINVAL,
			  nt_ioctl(self->fd, NNMEM_IOCTL_REGION_INFO, &ri));

		memset(&rw, 0, sizeof(rw));
		rw.handle = h;
		rw.flags = 1u << bit;
		rw.length = sizeof(buf);
		rw.data = (uintptr_t)buf;
		ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_WRITE, &rw));
		ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_READ, &rw));
		ASSERT_USAGE_UNCHANGED(self->fd, &u);
	}
	/* The handle survived every rejected free. */
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(-ENOENT, nt_free(self->fd, h));
}

TEST_F(nnmem, write_then_read_back_whole_and_partial)
{
	const uint64_t size = 12345;
	unsigned char *in = malloc(size), *out = malloc(size);
	uint32_t hw, ha;

	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, nt_weight(self->fd, size, 0, &hw, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, size, 0, &ha, NULL));

	nt_pattern(in, size, 1);
	ASSERT_EQ(0, nt_write(self->fd, hw, 0, in, size));
	nt_pattern(in, size, 2);
	ASSERT_EQ(0, nt_write(self->fd, ha, 0, in, size));

	memset(out, 0, size);
	ASSERT_EQ(0, nt_read(self->fd, ha, 0, out, size));
	ASSERT_EQ(0, memcmp(in, out, size));
	nt_pattern(in, size, 1);
	ASSERT_EQ(0, nt_read(self->fd, hw, 0, out, size));
	ASSERT_EQ(0, memcmp(in, out, size));

	/* Partial write inside, partial read across it, last byte alone. */
	memset(in + 1000, 0x5a, 77);
	ASSERT_EQ(0, nt_write(self->fd, hw, 1000, in + 1000, 77));
	ASSERT_EQ(0, nt_read(self->fd, hw, 900, out, 300));
	ASSERT_EQ(0, memcmp(in + 900, out, 300));
	in[size - 1] = 0xa5;
	ASSERT_EQ(0, nt_write(self->fd, hw, size - 1, in + size - 1, 1));
	ASSERT_EQ(0, nt_read(self->fd, hw, 0, out, size));
	ASSERT_EQ(0, memcmp(in, out, size));

	/* Zero length copies nothing, even at the end and with no buffer. */
	ASSERT_EQ(0, nt_write(self->fd, hw, size, NULL, 0));
	ASSERT_EQ(0, nt_read(self->fd, hw, 0, NULL, 0));
	free(in);
	free(out);
}

TEST_F(nnmem, rw_out_of_bounds_or_overflowing_gets_einval)
{
	static const struct {
		uint64_t offset, length;
	} bad[] = {
		{ 0, 101 }, { 1, 100 }, { 100, 1 }, { 101, 0 }, { 200, 0 },
		{ ~0ULL, 1 }, { ~0ULL, 0 }, { 1, ~0ULL }, { 50, ~0ULL - 10 },
		{ 1ULL << 63, 1ULL << 63 },
	};
	char buf[128] = { 0 };
	struct nnmem_usage u;
	uint32_t h;
	size_t i;

	ASSERT_EQ(0, nt_weight(self->fd, 100, 0, &h, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 100, 0, NULL, NULL));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(-EINVAL, nt_write(self->fd, h, bad[i].offset, buf,
					    bad[i].length)) {
			TH_LOG("write offset %llu length %llu",
			       (unsigned long long)bad[i].offset,
			       (unsigned long long)bad[i].length);
		}
		ASSERT_EQ(-EINVAL, nt_read(self->fd, h, bad[i].offset, buf,
					   bad[i].length));
		ASSERT_USAGE_UNCHANGED(self->fd, &u);
	}
	ASSERT_EQ(0, nt_read(self->fd, h, 0, buf, 100));
}

TEST_F(nnmem, bad_user_pointers_get_efault_and_change_nothing)
{
	static const unsigned long cmds[] = {
		NNMEM_IOCTL_INFO, NNMEM_IOCTL_ALLOC, NNMEM_IOCTL_FREE,
		NNMEM_IOCTL_REGION_INFO, NNMEM_IOCTL_WRITE, NNMEM_IOCTL_READ,
		NNMEM_IOCTL_USAGE,
	};
	void *unmapped = (void *)(uintptr_t)8;
	struct nnmem_usage u;
	size_t i;
	uint32_t h;

	ASSERT_EQ(0, nt_weight(self->fd, 256, 0, &h, NULL));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		ASSERT_EQ(-EFAULT, nt_ioctl(self->fd, cmds[i], NULL)) {
			TH_LOG("cmd nr %u with NULL", _IOC_NR(cmds[i]));
		}
		ASSERT_EQ(-EFAULT, nt_ioctl(self->fd, cmds[i], unmapped));
		ASSERT_EQ(-EFAULT, nt_ioctl(self->fd, cmds[i],
					    (void *)(uintptr_t)~0xfffULL));
		ASSERT_USAGE_UNCHANGED(self->fd, &u);
	}
	/* Bad data pointers for the copies themselves. */
	ASSERT_EQ(-EFAULT, nt_write(self->fd, h, 0, unmapped, 16));
	ASSERT_EQ(-EFAULT, nt_read(self->fd, h, 0, unmapped, 16));
	ASSERT_EQ(-EFAULT, nt_read(self->fd, h, 0,
				   (void *)(uintptr_t)~0xfffULL, 16));
	/* A kernel address is not a user address. */
	ASSERT_EQ(-EFAULT, nt_read(self->fd, h, 0,
				   (void *)(uintptr_t)0xffff888000000000ULL, 16));
	ASSERT_USAGE_UNCHANGED(self->fd, &u);
}

TEST_F(nnmem, rw_data_half_outside_user_memory_gets_efault)
{
	long page = getpagesize();
	unsigned char *m;
	uint32_t h;

	m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, munmap(m + page, page));
	ASSERT_EQ(0, nt_weight(self->fd, 256, 0, &h, NULL));
	ASSERT_EQ(-EFAULT, nt_write(self->fd, h, 0, m + page - 128, 256));
	ASSERT_EQ(-EFAULT, nt_read(self->fd, h, 0, m + page - 128, 256));
	munmap(m, page);
}

TEST_F(nnmem, alloc_with_unwritable_struct_allocates_nothing)
{
	long page = getpagesize();
	struct nnmem_alloc *a;
	void *m;

	/* Readable so the request is valid; unwritable so copy-out fails. */
	m = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	a = m;
	*a = alloc_req(4096, 0, NNMEM_KIND_WEIGHT, 0);
	ASSERT_EQ(0, mprotect(m, page, PROT_READ));
	ASSERT_EQ(-EFAULT, nt_ioctl(self->fd, NNMEM_IOCTL_ALLOC, a));
	ASSERT_USAGE_EMPTY(self->fd);
	/*
	 * Nothing was published: handle 1, reserved for it, is unknown and
	 * not given again (handles only increase).
	 */
	{
		struct nnmem_region_info ri;
		uint32_t h;

		ASSERT_EQ(-ENOENT, nt_region_info(self->fd, 1, &ri));
		ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h, NULL));
		ASSERT_EQ(2, h);
	}
	munmap(m, page);
}

/* One entry per ioctl: its command, VER0 size and current size. */
static const struct {
	const char *name;
	unsigned long cmd;
	size_t ver0, cur;
} ioctls[] = {
	{ "INFO", NNMEM_IOCTL_INFO, NNMEM_INFO_SIZE_VER0,
	  sizeof(struct nnmem_info) },
	{ "ALLOC", NNMEM_IOCTL_ALLOC, NNMEM_ALLOC_SIZE_VER0,
	  sizeof(struct nnmem_alloc) },
	{ "FREE", NNMEM_IOCTL_FREE, NNMEM_FREE_SIZE_VER0,
	  sizeof(struct nnmem_free) },
	{ "REGION_INFO", NNMEM_IOCTL_REGION_INFO, NNMEM_REGION_INFO_SIZE_VER0,
	  sizeof(struct nnmem_region_info) },
	{ "WRITE", NNMEM_IOCTL_WRITE, NNMEM_RW_SIZE_VER0,
	  sizeof(struct nnmem_rw) },
	{ "READ", NNMEM_IOCTL_READ, NNMEM_RW_SIZE_VER0,
	  sizeof(struct nnmem_rw) },
	{ "USAGE", NNMEM_IOCTL_USAGE, NNMEM_USAGE_SIZE_VER0,
	  sizeof(struct nnmem_usage) },
	{ "GRAPH_CREATE", NNMEM_IOCTL_GRAPH_CREATE,
	  NNMEM_GRAPH_CREATE_SIZE_VER0, sizeof(struct nnmem_graph_create) },
	{ "GRAPH_DESTROY", NNMEM_IOCTL_GRAPH_DESTROY,
	  NNMEM_GRAPH_DESTROY_SIZE_VER0, sizeof(struct nnmem_graph_destroy) },
	{ "RUN", NNMEM_IOCTL_RUN, NNMEM_RUN_SIZE_VER0,
	  sizeof(struct nnmem_run) },
	{ "WAIT", NNMEM_IOCTL_WAIT, NNMEM_WAIT_SIZE_VER0,
	  sizeof(struct nnmem_wait) },
	{ "CANCEL", NNMEM_IOCTL_CANCEL, NNMEM_CANCEL_SIZE_VER0,
	  sizeof(struct nnmem_cancel) },
	{ "EXPORT", NNMEM_IOCTL_EXPORT, NNMEM_EXPORT_SIZE_VER0,
	  sizeof(struct nnmem_export) },
};

#define NR_IOCTLS	(ARRAY_SIZE(ioctls))

TEST_F(nnmem, struct_sizes_match_the_published_ver0_sizes)
{
	/* Structs without a later version are exactly their VER0. */
	ASSERT_EQ(80, sizeof(struct nnmem_info));
	ASSERT_EQ(40, NNMEM_INFO_SIZE_VER0);
	ASSERT_EQ(56, NNMEM_INFO_SIZE_VER1);
	ASSERT_EQ(offsetof(struct nnmem_info, max_tensors),
		  NNMEM_INFO_SIZE_VER0);
	ASSERT_EQ(offsetof(struct nnmem_info, max_graph_macs),
		  NNMEM_INFO_SIZE_VER1);
	ASSERT_EQ(64, sizeof(struct nnmem_alloc));
	ASSERT_EQ(NNMEM_FREE_SIZE_VER0, sizeof(struct nnmem_free));
	ASSERT_EQ(88, sizeof(struct nnmem_region_info));
	ASSERT_EQ(NNMEM_RW_SIZE_VER0, sizeof(struct nnmem_rw));
	ASSERT_EQ(264, sizeof(struct nnmem_usage));
	ASSERT_EQ(offsetof(struct nnmem_usage, session_kmem),
		  NNMEM_USAGE_SIZE_VER0);
	ASSERT_EQ(128, NNMEM_USAGE_SIZE_VER1);
	ASSERT_EQ(offsetof(struct nnmem_usage, path_nodes),
		  NNMEM_USAGE_SIZE_VER1);
	ASSERT_EQ(192, NNMEM_USAGE_SIZE_VER2);
	ASSERT_EQ(offsetof(struct nnmem_usage, quota_uid),
		  NNMEM_USAGE_SIZE_VER2);
	ASSERT_EQ(offsetof(struct nnmem_usage, dmabufs),
		  NNMEM_USAGE_SIZE_VER2 + 4);
	ASSERT_EQ(32, sizeof(struct nnmem_export));
	ASSERT_EQ(NNMEM_EXPORT_SIZE_VER0, sizeof(struct nnmem_export));
	ASSERT_EQ(offsetof(struct nnmem_alloc, label), NNMEM_ALLOC_SIZE_VER0);
	ASSERT_EQ(offsetof(struct nnmem_region_info, label),
		  NNMEM_REGION_INFO_SIZE_VER0);
	ASSERT_EQ(NNMEM_TENSOR_SIZE_VER0, sizeof(struct nnmem_tensor));
	ASSERT_EQ(NNMEM_NODE_SIZE_VER0, sizeof(struct nnmem_node));
	ASSERT_EQ(80, sizeof(struct nnmem_graph_create));
	ASSERT_EQ(56, NNMEM_GRAPH_CREATE_SIZE_VER0);
	ASSERT_EQ(72, NNMEM_GRAPH_CREATE_SIZE_VER1);
	ASSERT_EQ(NNMEM_GRAPH_CREATE_SIZE_VER2,
		  sizeof(struct nnmem_graph_create));
	ASSERT_EQ(offsetof(struct nnmem_graph_create, fast_size),
		  NNMEM_GRAPH_CREATE_SIZE_VER1);
	ASSERT_EQ(offsetof(struct nnmem_graph_create, err_tensor2),
		  NNMEM_GRAPH_CREATE_SIZE_VER0);
	ASSERT_EQ(NNMEM_GRAPH_DESTROY_SIZE_VER0,
		  sizeof(struct nnmem_graph_destroy));
	ASSERT_EQ(NNMEM_RUN_SIZE_VER0, sizeof(struct nnmem_run));
	ASSERT_EQ(NNMEM_WAIT_SIZE_VER0, sizeof(struct nnmem_wait));
	ASSERT_EQ(NNMEM_CANCEL_SIZE_VER0, sizeof(struct nnmem_cancel));
}

TEST_F(nnmem, struct_shorter_than_ver0_gets_einval)
{
	unsigned char buf[256];
	size_t i, size;
	uint32_t h;

	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h, NULL));
	ASSERT_EQ(0, nt_usage(self->fd, &self->empty));
	for (i = 0; i < NR_IOCTLS; i++) {
		for (size = 0; size < ioctls[i].ver0; size += 4) {
			/* A valid-looking prefix: handle 1, sane sizes. */
			memset(buf, 0, sizeof(buf));
			buf[0] = 1;
			ASSERT_EQ(-EINVAL,
				  nt_ioctl(self->fd,
					   nt_cmd_sized(ioctls[i].cmd, size),
					   buf)) {
				TH_LOG("%s size %zu", ioctls[i].name, size);
			}
		}
		ASSERT_USAGE_UNCHANGED(self->fd, &self->empty);
	}
	ASSERT_EQ(0, nt_region_info(self->fd, h, (void *)buf));
}

TEST_F(nnmem, alloc_ver0_struct_without_label_works)
{
	struct nnmem_region_info ri;
	struct nnmem_alloc a;

	a = alloc_req(100, 0, NNMEM_KIND_WEIGHT, 0);
	/* Garbage where the label would be: not part of a VER0 struct. */
	memset(a.label, 0xee, sizeof(a.label));
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_ALLOC,
					   NNMEM_ALLOC_SIZE_VER0), &a));
	ASSERT_EQ(1, a.handle);
	ASSERT_EQ(0, a.offset);
	/* Output truncated to the caller's size: label bytes untouched. */
	ASSERT_EQ(0xee, a.label[0]);
	ASSERT_EQ(0xee, a.label[NNMEM_LABEL_LEN - 1]);
	ASSERT_EQ(0, nt_region_info(self->fd, 1, &ri));
	ASSERT_EQ(100, ri.size);
	ASSERT_EQ(0, ri.label[0]);
}

TEST_F(nnmem, region_info_ver0_output_is_truncated_to_caller_size)
{
	struct nnmem_region_info ri;
	uint32_t h;

	ASSERT_EQ(0, nt_alloc(self->fd, 100, 0, NNMEM_KIND_ACTIVATION, 0,
			      "named", &h, NULL));
	memset(&ri, 0xcc, sizeof(ri));
	ri.handle = h;
	ri.flags = 0;
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_REGION_INFO,
					   NNMEM_REGION_INFO_SIZE_VER0), &ri));
	ASSERT_EQ(100, ri.size);
	ASSERT_EQ(self->arena - 128, ri.offset);
	ASSERT_EQ(0xcc, ri.label[0]);
	ASSERT_EQ(0xcc, ri.label[NNMEM_LABEL_LEN - 1]);
}

TEST_F(nnmem, larger_struct_with_zero_tail_works)
{
	unsigned char buf[512];
	struct nnmem_alloc *a = (void *)buf;
	struct nnmem_region_info *ri = (void *)buf;
	struct nnmem_usage *u = (void *)buf;
	struct nnmem_info *info = (void *)buf;
	size_t big = sizeof(buf);
	size_t k;

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, nt_ioctl(self->fd, nt_cmd_sized(NNMEM_IOCTL_INFO, big),
			      buf));
	ASSERT_EQ(self->arena, info->arena_size);

	memset(buf, 0, sizeof(buf));
	*a = alloc_req(100, 0, NNMEM_KIND_WEIGHT, 0);
	strcpy((char *)a->label, "big");
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_ALLOC, big), buf));
	ASSERT_EQ(1, a->handle);
	for (k = sizeof(*a); k < big; k++)
		ASSERT_EQ(0, buf[k]);

	memset(buf, 0, sizeof(buf));
	ri->handle = 1;
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_REGION_INFO, big), buf));
	ASSERT_STREQ("big", (char *)ri->label);
	for (k = sizeof(*ri); k < big; k++)
		ASSERT_EQ(0, buf[k]);

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_USAGE, big), buf));
	ASSERT_EQ(1, u->weight_regions);

	memset(buf, 0, sizeof(buf));
	((struct nnmem_rw *)buf)->handle = 1;
	((struct nnmem_rw *)buf)->length = 0;
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_WRITE, big), buf));
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_READ, big), buf));

	memset(buf, 0, sizeof(buf));
	((struct nnmem_free *)buf)->handle = 1;
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_FREE, big), buf));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(nnmem, largest_encodable_struct_with_zero_tail_works)
{
	const size_t big = _IOC_SIZEMASK;	/* 16383 bytes */
	struct nnmem_alloc *a;
	unsigned char *buf;
	size_t k;

	buf = calloc(1, big);
	ASSERT_NE(NULL, buf);
	a = (void *)buf;
	*a = alloc_req(100, 0, NNMEM_KIND_ACTIVATION, 0);
	ASSERT_EQ(0, nt_ioctl(self->fd, nt_cmd_sized(NNMEM_IOCTL_ALLOC, big),
			      buf));
	ASSERT_EQ(1, a->handle);
	for (k = sizeof(*a); k < big; k++)
		ASSERT_EQ(0, buf[k]);
	/* The very last byte set: -E2BIG, nothing allocated. */
	memset(buf, 0, big);
	*a = alloc_req(100, 0, NNMEM_KIND_ACTIVATION, 0);
	buf[big - 1] = 0x80;
	ASSERT_EQ(-E2BIG, nt_ioctl(self->fd,
				   nt_cmd_sized(NNMEM_IOCTL_ALLOC, big), buf));
	{
		struct nnmem_usage u;

		ASSERT_EQ(0, nt_usage(self->fd, &u));
		ASSERT_EQ(1, u.session_regions);
	}
	free(buf);
}

TEST_F(nnmem, larger_struct_with_nonzero_tail_gets_e2big)
{
	unsigned char buf[512];
	size_t i, pos;
	uint32_t h;

	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h, NULL));
	ASSERT_EQ(0, nt_usage(self->fd, &self->empty));
	for (i = 0; i < NR_IOCTLS; i++) {
		size_t cur = ioctls[i].cur;
		size_t sizes[] = { cur + 1, cur + 8, sizeof(buf) };
		size_t s;

		/* INFO and USAGE read nothing in: see the next test. */
		if (!(_IOC_DIR(ioctls[i].cmd) & _IOC_WRITE))
			continue;
		for (s = 0; s < 3; s++) {
			for (pos = cur; pos < sizes[s]; pos += 61) {
				memset(buf, 0, sizeof(buf));
				if (ioctls[i].cmd == NNMEM_IOCTL_ALLOC)
					*(struct nnmem_alloc *)buf =
					alloc_req(64, 0, NNMEM_KIND_WEIGHT, 0);
				else
					buf[0] = (unsigned char)h;
				buf[pos] = 1;
				ASSERT_EQ(-E2BIG,
					  nt_ioctl(self->fd,
						   nt_cmd_sized(ioctls[i].cmd,
								sizes[s]),
						   buf)) {
					TH_LOG("%s size %zu byte %zu",
					       ioctls[i].name, sizes[s], pos);
				}
			}
			ASSERT_USAGE_UNCHANGED(self->fd, &self->empty);
		}
	}
	/* The handle survived the FREE with a dirty tail. */
	ASSERT_EQ(0, nt_free(self->fd, h));
}

TEST_F(nnmem, output_only_struct_longer_gets_filled_and_tail_zeroed)
{
	unsigned char buf[300];
	struct nnmem_usage *u = (void *)buf;
	struct nnmem_info *info = (void *)buf;
	size_t k;

	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, NULL, NULL));
	memset(buf, 0x77, sizeof(buf));
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_INFO, sizeof(buf)), buf));
	ASSERT_EQ(self->arena, info->arena_size);
	for (k = sizeof(*info); k < sizeof(buf); k++)
		ASSERT_EQ(0, buf[k]);
	memset(buf, 0x77, sizeof(buf));
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_USAGE, sizeof(buf)), buf));
	ASSERT_EQ(64, u->weight_bytes);
	ASSERT_EQ(1, u->session_regions);
	for (k = sizeof(*u); k < sizeof(buf); k++)
		ASSERT_EQ(0, buf[k]);
	/* A VER0-sized usage gets exactly VER0 bytes. */
	memset(buf, 0x77, sizeof(buf));
	ASSERT_EQ(0, nt_ioctl(self->fd,
			      nt_cmd_sized(NNMEM_IOCTL_USAGE,
					   NNMEM_USAGE_SIZE_VER0), buf));
	ASSERT_EQ(0x77, buf[NNMEM_USAGE_SIZE_VER0]);
}

TEST_F(nnmem, session_region_limit_gets_emfile_and_changes_nothing)
{
	uint32_t max = self->info.max_regions, i, h = 0;
	struct nnmem_usage u;
	int fd2;

	for (i = 0; i < max; i++)
		ASSERT_EQ(0, nt_alloc(self->fd, 1, 1, i % 2 ? NNMEM_KIND_WEIGHT
						: NNMEM_KIND_ACTIVATION, 0,
				      NULL, &h, NULL)) {
			TH_LOG("region %u of %u", i + 1, max);
		}
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(max, u.session_regions);
	ASSERT_EQ(-EMFILE, nt_weight(self->fd, 1, 1, NULL, NULL));
	ASSERT_EQ(-EMFILE, nt_activation(self->fd, 1, 1, NULL, NULL));
	ASSERT_USAGE_UNCHANGED(self->fd, &u);

	/* The limit is per session. */
	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, nt_weight(fd2, 1, 1, NULL, NULL));
	close(fd2);

	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, nt_weight(self->fd, 1, 1, NULL, NULL));
	ASSERT_EQ(-EMFILE, nt_weight(self->fd, 1, 1, NULL, NULL));
}

TEST_F(nnmem, close_frees_every_region_of_the_session)
{
	struct nnmem_usage u;
	int fd2, i;

	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, nt_weight(fd2, 1000 + i, 0, NULL, NULL));
		ASSERT_EQ(0, nt_activation(fd2, 2000 + i, 0, NULL, NULL));
	}
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(10, u.weight_regions);
	ASSERT_EQ(10, u.activation_regions);
	ASSERT_EQ(0, u.session_regions);
	ASSERT_EQ(0, u.session_bytes);
	ASSERT_EQ(0, nt_usage(fd2, &u));
	ASSERT_EQ(20, u.session_regions);
	ASSERT_EQ(u.weight_bytes + u.activation_bytes, u.session_bytes);
	ASSERT_EQ(0, close(fd2));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(nnmem, close_in_a_child_process_frees_its_regions)
{
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = nt_open(0);

		if (fd < 0 || nt_weight(fd, 4096, 0, NULL, NULL) ||
		    nt_activation(fd, 4096, 0, NULL, NULL))
			_exit(1);
		_exit(0);	/* exit closes the session */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(nnmem, sessions_have_own_handles_starting_at_1_and_are_isolated)
{
	struct nnmem_region_info ri;
	struct nnmem_usage ua, ub;
	uint32_t a1, a2, b1;
	uint64_t oa1, ob1;
	char buf[64], back[64];
	int fdb;

	fdb = nt_open(0);
	ASSERT_LE(0, fdb);
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &a1, &oa1));
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &a2, NULL));
	ASSERT_EQ(0, nt_weight(fdb, 64, 0, &b1, &ob1));
	ASSERT_EQ(1, a1);
	ASSERT_EQ(2, a2);
	ASSERT_EQ(1, b1);
	ASSERT_NE(oa1, ob1);

	/* B cannot see, read, write or free A's handle 2. */
	ASSERT_EQ(-ENOENT, nt_region_info(fdb, a2, &ri));
	ASSERT_EQ(-ENOENT, nt_read(fdb, a2, 0, buf, sizeof(buf)));
	ASSERT_EQ(-ENOENT, nt_write(fdb, a2, 0, buf, sizeof(buf)));
	ASSERT_EQ(-ENOENT, nt_free(fdb, a2));

	/* Same number, different regions. */
	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(0, nt_write(self->fd, 1, 0, buf, sizeof(buf)));
	memset(buf, 0xbb, sizeof(buf));
	ASSERT_EQ(0, nt_write(fdb, 1, 0, buf, sizeof(buf)));
	ASSERT_EQ(0, nt_read(self->fd, 1, 0, back, sizeof(back)));
	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(0, memcmp(buf, back, sizeof(buf)));

	ASSERT_EQ(0, nt_usage(self->fd, &ua));
	ASSERT_EQ(0, nt_usage(fdb, &ub));
	ASSERT_EQ(2, ua.session_regions);
	ASSERT_EQ(128, ua.session_bytes);
	ASSERT_EQ(1, ub.session_regions);
	ASSERT_EQ(64, ub.session_bytes);
	ASSERT_EQ(3, ua.weight_regions);
	ASSERT_EQ(3, ub.weight_regions);

	/* B freeing its 1 leaves A's 1 alone. */
	ASSERT_EQ(0, nt_free(fdb, 1));
	ASSERT_EQ(0, nt_region_info(self->fd, 1, &ri));
	ASSERT_EQ(oa1, ri.offset);
	ASSERT_EQ(-ENOENT, nt_free(fdb, 1));
	close(fdb);
	ASSERT_EQ(0, nt_usage(self->fd, &ua));
	ASSERT_EQ(2, ua.weight_regions);
}

TEST_F(nnmem, devices_have_independent_arenas)
{
	struct nnmem_usage u0, u1;
	char buf[32], back[32];
	uint64_t off0, off1;
	uint32_t h0, h1;
	int fd1;

	fd1 = nt_open(1);
	ASSERT_LE(0, fd1);
	ASSERT_USAGE_EMPTY(fd1);
	ASSERT_EQ(0, nt_weight(self->fd, 1000, 0, &h0, &off0));
	ASSERT_EQ(0, nt_weight(fd1, 2000, 0, &h1, &off1));
	ASSERT_EQ(0, off0);
	ASSERT_EQ(0, off1);
	ASSERT_EQ(1, h0);
	ASSERT_EQ(1, h1);
	ASSERT_EQ(0, nt_usage(self->fd, &u0));
	ASSERT_EQ(0, nt_usage(fd1, &u1));
	ASSERT_EQ(1000, u0.weight_bytes);
	ASSERT_EQ(2000, u1.weight_bytes);

	memset(buf, 0x11, sizeof(buf));
	ASSERT_EQ(0, nt_write(self->fd, h0, 0, buf, sizeof(buf)));
	memset(buf, 0x22, sizeof(buf));
	ASSERT_EQ(0, nt_write(fd1, h1, 0, buf, sizeof(buf)));
	ASSERT_EQ(0, nt_read(self->fd, h0, 0, back, sizeof(back)));
	memset(buf, 0x11, sizeof(buf));
	ASSERT_EQ(0, memcmp(buf, back, sizeof(buf)));

	/* Filling nnmem1 leaves nnmem0 able to allocate. */
	ASSERT_EQ(0, nt_activation(fd1, self->arena - 2048, 0, NULL, NULL));
	ASSERT_EQ(-ENOSPC, nt_weight(fd1, 64, 0, NULL, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, NULL, NULL));
	close(fd1);
	ASSERT_EQ(0, nt_free(self->fd, h0));
}

/*
 * Several processes allocate, fill, verify and free regions at once, each
 * in its own session. Overlapping regions would corrupt another process's
 * pattern; every region is checked just before it is freed.
 */
#define STRESS_PROCS	4
#define STRESS_ROUNDS	300
#define STRESS_LIVE	8

static int stress_child(unsigned int seed)
{
	struct {
		uint32_t handle;
		uint64_t size;
		unsigned int tag;
	} live[STRESS_LIVE] = { 0 };
	static unsigned char buf[8192], back[8192];
	int fd = nt_open(0), round, i;

	if (fd < 0)
		return 10;
	srand(seed);
	for (round = 0; round < STRESS_ROUNDS; round++) {
		i = rand() % STRESS_LIVE;
		if (live[i].handle) {
			nt_pattern(buf, live[i].size, live[i].tag);
			if (nt_read(fd, live[i].handle, 0, back, live[i].size))
				return 11;
			if (memcmp(buf, back, live[i].size))
				return 12;	/* someone wrote over it */
			if (nt_free(fd, live[i].handle))
				return 13;
			live[i].handle = 0;
			continue;
		}
		live[i].size = 1 + rand() % sizeof(buf);
		live[i].tag = seed * 1000 + round;
		if (nt_alloc(fd, live[i].size, 1u << (rand() % 10),
			     rand() % 2 ? NNMEM_KIND_WEIGHT :
					  NNMEM_KIND_ACTIVATION,
			     rand() % 4 ? 0 : NNMEM_ALLOC_MAPPABLE, NULL,
			     &live[i].handle, NULL))
			return 14;
		nt_pattern(buf, live[i].size, live[i].tag);
		if (nt_write(fd, live[i].handle, 0, buf, live[i].size))
			return 15;
	}
	close(fd);	/* frees what is still live */
	return 0;
}

TEST_F(nnmem, concurrent_sessions_never_overlap)
{
	pid_t pids[STRESS_PROCS];
	int i, status;

	for (i = 0; i < STRESS_PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			_exit(stress_child(i + 1));
	}
	for (i = 0; i < STRESS_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status)) {
			TH_LOG("child %d failed at step %d", i,
			       WEXITSTATUS(status));
		}
	}
	ASSERT_USAGE_EMPTY(self->fd);
}

/* ---- a file opened read-only ---- */

static int open_rdonly(void)
{
	int fd = open("/dev/nnmem0", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* A one-add graph over 16 int8s at 0, 16 and 32 of region @h. */
static void add_graph(uint32_t h, struct nnmem_tensor ts[3],
		      struct nnmem_node *n)
{
	int i;

	memset(ts, 0, 3 * sizeof(ts[0]));
	for (i = 0; i < 3; i++) {
		ts[i].handle = h;
		ts[i].type = NNMEM_TYPE_INT8;
		ts[i].offset = 16 * i;
		ts[i].ndims = 1;
		ts[i].dims[0] = 16;
	}
	memset(n, 0, sizeof(*n));
	n->op = NNMEM_OP_ADD;
	n->add = nt_add_params(0, 1, 2);
}

/*
 * Every ioctl on a read-only file and on a read-write one, with the same
 * arguments (those of the read-write session's objects): the state
 * changing ones get -EBADF read-only, before their argument is looked at,
 * and change nothing; the others work as usual (a read-only session holds
 * no region or job, so they find none).
 */
TEST_F(nnmem, read_only_file_may_look_but_not_change_anything)
{
	const uint64_t pg = self->info.page_size;
	struct nnmem_region_info ri, mri;
	struct nnmem_graph_create gc, bad;
	struct nnmem_tensor ts[3];
	struct nnmem_node n;
	struct nnmem_info info;
	struct nnmem_usage u, ru;
	struct nnmem_wait w;
	struct nnmem_alloc a;
	uint32_t h, mh, graph;
	char buf[48] = { 0 };
	uint64_t job;
	int ro, err;
	void *p;

	ro = open_rdonly();
	ASSERT_LE(0, ro);

	/* The read-write session's objects, which the calls name. */
	ASSERT_EQ(0, nt_activation(self->fd, 64, 0, &h, NULL));
	ASSERT_EQ(0, nt_alloc(self->fd, pg, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, NULL, &mh, NULL));
	ASSERT_EQ(0, nt_region_info(self->fd, mh, &mri));
	add_graph(h, ts, &n);
	ASSERT_EQ(0, nt_graph_create(self->fd, ts, 3, &n, 1, &gc));
	graph = gc.graph;
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	ASSERT_EQ(0, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, nt_submit(self->fd, graph, &job));
	ASSERT_EQ(0, nt_usage(self->fd, &u));

	/* Read-only: the state-changing ioctls, valid and invalid. */
	a = alloc_req(64, 0, NNMEM_KIND_WEIGHT, 0);
	ASSERT_EQ(-EBADF, nt_ioctl(ro, NNMEM_IOCTL_ALLOC, &a));
	a.flags = ~0u;
	ASSERT_EQ(-EBADF, nt_ioctl(ro, NNMEM_IOCTL_ALLOC, &a));
	ASSERT_EQ(-EBADF, nt_free(ro, h));
	ASSERT_EQ(-EBADF, nt_write(ro, h, 0, buf, 16));
	ASSERT_EQ(-EBADF, nt_write(ro, h, 0, NULL, 1ULL << 40));
	ASSERT_EQ(-EBADF, nt_graph_create(ro, ts, 3, &n, 1, &bad));
	bad = gc;
	bad.flags = 1;
	bad.__pad = 1;
	ASSERT_EQ(-EBADF, nt_ioctl(ro, NNMEM_IOCTL_GRAPH_CREATE, &bad));
	ASSERT_EQ(-EBADF, nt_graph_destroy(ro, graph));
	ASSERT_EQ(-EBADF, nt_run(ro, graph, NULL));
	ASSERT_EQ(-EBADF, nt_submit(ro, graph, NULL));
	ASSERT_EQ(-EBADF, nt_cancel(ro, job));
	/* A shorter-than-VER0 struct too: the mode is checked first. */
	ASSERT_EQ(-EBADF, nt_ioctl(ro, nt_cmd_sized(NNMEM_IOCTL_FREE, 4), buf));
	ASSERT_USAGE_UNCHANGED(self->fd, &u);
	ASSERT_EQ(0, nt_usage(ro, &ru));
	ASSERT_EQ(0, ru.session_regions);

	/* Read-only: the others run (and find no region or job of theirs). */
	ASSERT_EQ(0, nt_info(ro, &info));
	ASSERT_EQ(self->info.arena_size, info.arena_size);
	ASSERT_EQ(u.weight_bytes, ru.weight_bytes);
	ASSERT_EQ(u.activation_regions, ru.activation_regions);
	ASSERT_EQ(-ENOENT, nt_region_info(ro, h, &ri));
	ASSERT_EQ(-ENOENT, nt_read(ro, h, 0, buf, 16));
	ASSERT_EQ(-ENOENT, nt_wait(ro, job, 0, &w));
	/* Their own checks, not the mode's: nonzero flags. */
	ri.handle = h;
	ri.flags = 1;
	ASSERT_EQ(-EINVAL, nt_ioctl(ro, NNMEM_IOCTL_REGION_INFO, &ri));
	/* mmap: PROT_READ is looked up, PROT_WRITE refused by the core. */
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, ro, (off_t)mri.mmap_offset);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(ENOENT, errno);
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro,
		 (off_t)mri.mmap_offset);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EACCES, errno);
	ASSERT_USAGE_UNCHANGED(self->fd, &u);
	close(ro);

	/* Read-write: the same calls work. */
	ASSERT_EQ(0, nt_info(self->fd, &info));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	ASSERT_EQ(0, nt_write(self->fd, h, 0, buf, 16));
	ASSERT_EQ(0, nt_read(self->fd, h, 0, buf, 16));
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 (off_t)mri.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p, pg));
	err = nt_cancel(self->fd, job);
	ASSERT_TRUE(err == 0 || err == -EALREADY) {
		TH_LOG("CANCEL: %s", strerror(-err));
	}
	ASSERT_EQ(0, nt_wait(self->fd, job, NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, nt_run(self->fd, graph, NULL));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, graph));
	a = alloc_req(64, 0, NNMEM_KIND_WEIGHT, 0);
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_ALLOC, &a));
	ASSERT_EQ(0, nt_free(self->fd, a.handle));
	ASSERT_EQ(0, nt_free(self->fd, mh));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_HARNESS_MAIN
