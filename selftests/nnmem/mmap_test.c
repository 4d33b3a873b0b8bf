// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem mmap(): page geometry of mappable regions, coherence between the
 * READ/WRITE ioctls and mappings, bad mmap requests, and mappings that
 * outlive the handle, the file and the process that made them. Expects
 * nnmem loaded and nothing allocated when each test starts.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"

FIXTURE(map) {
	int fd;
	struct nnmem_info info;
	uint64_t page;
};

FIXTURE_SETUP(map)
{
	struct nnmem_usage u;

	NT_SETUP_SESSION(self->fd, &self->info, &u);
	self->page = self->info.page_size;
	ASSERT_EQ((uint64_t)getpagesize(), self->page);
}

FIXTURE_TEARDOWN(map)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int map_alloc(int fd, uint64_t size, uint32_t kind, uint32_t *handle,
		     struct nnmem_region_info *ri)
{
	int err;

	err = nt_alloc(fd, size, 0, kind, NNMEM_ALLOC_MAPPABLE, NULL, handle,
		       NULL);
	if (err)
		return err;
	return nt_region_info(fd, *handle, ri);
}

static void *map_region(int fd, const struct nnmem_region_info *ri,
			int *err)
{
	void *p = mmap(NULL, ri->span, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)ri->mmap_offset);

	*err = p == MAP_FAILED ? -errno : 0;
	return p;
}

static int mmap_err(int fd, size_t len, int flags, uint64_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd,
		       (off_t)off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return -errno;
}

TEST_F(map, mappable_regions_are_page_aligned_with_page_rounded_spans)
{
	const uint64_t pg = self->page;
	const uint64_t sizes[] = { 1, 100, pg - 1, pg, pg + 1, 3 * pg + 7 };
	const uint32_t kinds[] = { NNMEM_KIND_WEIGHT, NNMEM_KIND_ACTIVATION };
	struct nnmem_region_info ri;
	size_t i, k;
	uint32_t h;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			ASSERT_EQ(0, map_alloc(self->fd, sizes[i], kinds[k],
					       &h, &ri));
			ASSERT_EQ(0, ri.offset % pg);
			ASSERT_EQ(sizes[i], ri.size);
			ASSERT_EQ(nt_align_up(sizes[i], pg), ri.span);
			ASSERT_EQ(pg, ri.align);
			ASSERT_EQ(NNMEM_ALLOC_MAPPABLE, ri.alloc_flags);
			ASSERT_NE(0, ri.mmap_offset);
			ASSERT_EQ(0, ri.mmap_offset % pg);
		}
	}
	/* A larger requested alignment still wins. */
	ASSERT_EQ(0, nt_alloc(self->fd, 10, 4 * pg, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, NULL, &h, NULL));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	ASSERT_EQ(4 * pg, ri.align);
	ASSERT_EQ(0, ri.offset % (4 * pg));
	/* Not mappable: no mmap offset, span is the size. */
	ASSERT_EQ(0, nt_weight(self->fd, 10, 0, &h, NULL));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	ASSERT_EQ(0, ri.mmap_offset);
	ASSERT_EQ(10, ri.span);
}

TEST_F(map, mappable_region_never_shares_a_page_with_a_neighbour)
{
	const uint64_t pg = self->page;
	struct nnmem_region_info ri[6];
	struct nnmem_usage u;
	uint32_t h;
	int i, j;

	/* plain, mappable, plain at each end, in one session. */
	for (i = 0; i < 6; i++) {
		uint32_t kind = i < 3 ? NNMEM_KIND_WEIGHT :
					NNMEM_KIND_ACTIVATION;
		uint32_t flags = i % 3 == 1 ? NNMEM_ALLOC_MAPPABLE : 0;

		ASSERT_EQ(0, nt_alloc(self->fd, 100, 0, kind, flags, NULL, &h,
				      NULL));
		ASSERT_EQ(0, nt_region_info(self->fd, h, &ri[i]));
	}
	/*
	 * The mappable ones start at the next whole page. Where the plain
	 * ones after them go is ioctl_test's business (layout rules); here
	 * only that no page is shared.
	 */
	ASSERT_EQ(0, ri[0].offset);
	ASSERT_EQ(pg, ri[1].offset);
	ASSERT_EQ(nt_align_down(self->info.arena_size - 100, 64), ri[3].offset);
	ASSERT_EQ(nt_align_down(ri[3].offset - pg, pg), ri[4].offset);

	for (i = 0; i < 6; i++) {
		if (!(ri[i].alloc_flags & NNMEM_ALLOC_MAPPABLE))
			continue;
		for (j = 0; j < 6; j++) {
			uint64_t first = nt_align_down(ri[j].offset, pg);
			uint64_t last = nt_align_down(ri[j].offset +
						      ri[j].span - 1, pg);

			if (i == j)
				continue;
			/* No page of j inside i's span. */
			ASSERT_TRUE(last < ri[i].offset ||
				    first >= ri[i].offset + ri[i].span);
		}
	}
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	/*
	 * Padding is reserved with the region that needed it, so each end
	 * is one contiguous reservation from the arena's edge.
	 */
	ASSERT_EQ(ri[2].offset + 100, u.weight_bytes);
	ASSERT_EQ(self->info.arena_size - ri[5].offset, u.activation_bytes);
}

TEST_F(map, write_ioctl_data_is_seen_in_mapping_and_back)
{
	struct nnmem_region_info ri;
	unsigned char *p, *q, *buf;
	const uint64_t size = 3 * self->page + 100;
	uint32_t h;
	int err;

	buf = malloc(size);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, map_alloc(self->fd, size, NNMEM_KIND_ACTIVATION, &h, &ri));
	nt_pattern(buf, size, 7);
	ASSERT_EQ(0, nt_write(self->fd, h, 0, buf, size));

	p = map_region(self->fd, &ri, &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, memcmp(p, buf, size));

	/* Through the mapping: seen by READ and by a second mapping. */
	nt_pattern(p, size, 9);
	memset(buf, 0, size);
	ASSERT_EQ(0, nt_read(self->fd, h, 0, buf, size));
	ASSERT_EQ(0, memcmp(p, buf, size));
	q = map_region(self->fd, &ri, &err);
	ASSERT_EQ(0, err);
	ASSERT_NE(p, q);
	ASSERT_EQ(0, memcmp(p, q, size));
	q[size - 1] ^= 0xff;
	ASSERT_EQ(q[size - 1], p[size - 1]);

	/* The bytes past the size but inside the span are mapped too. */
	p[ri.span - 1] = 0x3c;
	ASSERT_EQ(0x3c, q[ri.span - 1]);

	ASSERT_EQ(0, munmap(q, ri.span));
	ASSERT_EQ(0, munmap(p, ri.span));
	free(buf);
}

TEST_F(map, mapping_at_a_page_offset_inside_the_region)
{
	struct nnmem_region_info ri;
	const uint64_t pg = self->page;
	unsigned char *p, buf[16];
	uint32_t h;

	ASSERT_EQ(0, map_alloc(self->fd, 4 * pg, NNMEM_KIND_WEIGHT, &h, &ri));
	memset(buf, 0xa7, sizeof(buf));
	ASSERT_EQ(0, nt_write(self->fd, h, 2 * pg + 5, buf, sizeof(buf)));
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 (off_t)(ri.mmap_offset + 2 * pg));
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, memcmp(p + 5, buf, sizeof(buf)));
	ASSERT_EQ(0, munmap(p, 2 * pg));
}

TEST_F(map, mmap_bad_requests_get_exact_errnos)
{
	struct nnmem_region_info ri, plain;
	const uint64_t pg = self->page;
	struct nnmem_usage u;
	uint32_t h, hp, gone;

	ASSERT_EQ(0, map_alloc(self->fd, 2 * pg, NNMEM_KIND_WEIGHT, &h, &ri));
	ASSERT_EQ(0, nt_weight(self->fd, 2 * pg, 0, &hp, NULL));
	ASSERT_EQ(0, nt_region_info(self->fd, hp, &plain));
	ASSERT_EQ(0, map_alloc(self->fd, pg, NNMEM_KIND_WEIGHT, &gone, &ri));
	ASSERT_EQ(0, nt_free(self->fd, gone));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	ASSERT_EQ(0, nt_usage(self->fd, &u));

	/* Longer than the span, or starting at/after its end. */
	ASSERT_EQ(-EINVAL, mmap_err(self->fd, 3 * pg, MAP_SHARED,
				    ri.mmap_offset));
	ASSERT_EQ(-EINVAL, mmap_err(self->fd, 2 * pg, MAP_SHARED,
				    ri.mmap_offset + pg));
	ASSERT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_SHARED,
				    ri.mmap_offset + 2 * pg));
	ASSERT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_SHARED,
				    ri.mmap_offset + 100 * pg));
	/* Private mappings would not be the arena. */
	ASSERT_EQ(-EINVAL, mmap_err(self->fd, pg, MAP_PRIVATE, ri.mmap_offset));
	/* Not mappable: the cookie its handle would have. */
	ASSERT_EQ(-EACCES, mmap_err(self->fd, pg, MAP_SHARED,
				    ri.mmap_offset / h * hp));
	/* No region: freed handle, handle 0, never-used handles. */
	ASSERT_EQ(-ENOENT, mmap_err(self->fd, pg, MAP_SHARED,
				    ri.mmap_offset / h * gone));
	ASSERT_EQ(-ENOENT, mmap_err(self->fd, pg, MAP_SHARED, 0));
	ASSERT_EQ(-ENOENT, mmap_err(self->fd, pg, MAP_SHARED, pg));
	ASSERT_EQ(-ENOENT, mmap_err(self->fd, pg, MAP_SHARED,
				    ri.mmap_offset / h * 1000));
	ASSERT_USAGE_UNCHANGED(self->fd, &u);
	ASSERT_EQ(0, plain.mmap_offset);
}

TEST_F(map, other_sessions_cookie_is_unknown)
{
	struct nnmem_region_info ri;
	uint32_t h;
	int fd2;

	ASSERT_EQ(0, map_alloc(self->fd, self->page, NNMEM_KIND_WEIGHT, &h,
			       &ri));
	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(-ENOENT, mmap_err(fd2, self->page, MAP_SHARED,
				    ri.mmap_offset));
	close(fd2);
}

TEST_F(map, mapping_outlives_free_and_releases_space_on_munmap)
{
	struct nnmem_region_info ri, gone;
	struct nnmem_usage u;
	unsigned char *p;
	uint64_t off;
	uint32_t h;
	int err;

	ASSERT_EQ(0, map_alloc(self->fd, 2 * self->page, NNMEM_KIND_WEIGHT,
			       &h, &ri));
	p = map_region(self->fd, &ri, &err);
	ASSERT_EQ(0, err);
	nt_pattern(p, ri.span, 3);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(-ENOENT, nt_region_info(self->fd, h, &gone));

	/* Still readable and writable. */
	p[0] ^= 1;
	p[ri.span - 1] = 0x42;
	ASSERT_EQ(0x42, p[ri.span - 1]);

	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(ri.span, u.deferred_bytes);
	ASSERT_EQ(ri.span, u.weight_bytes);
	ASSERT_EQ(1, u.weight_regions);
	ASSERT_EQ(0, u.session_regions);
	ASSERT_EQ(0, u.session_bytes);

	/* The space is not handed out again while mapped. */
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h, &off));
	ASSERT_EQ(ri.span, off);
	ASSERT_EQ(0, nt_free(self->fd, h));

	ASSERT_EQ(0, munmap(p, ri.span));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(map, split_mapping_releases_space_only_after_last_piece)
{
	struct nnmem_region_info ri;
	const uint64_t pg = self->page;
	struct nnmem_usage u;
	unsigned char *p;
	uint32_t h;
	int err;

	ASSERT_EQ(0, map_alloc(self->fd, 3 * pg, NNMEM_KIND_ACTIVATION, &h,
			       &ri));
	p = map_region(self->fd, &ri, &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, nt_free(self->fd, h));
	/* Punch out the middle page: two vmas now hold the region. */
	ASSERT_EQ(0, munmap(p + pg, pg));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(0, munmap(p, pg));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(1, u.deferred_regions);
	p[2 * pg] = 1;
	ASSERT_EQ(0, munmap(p + 2 * pg, pg));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(map, mapping_outlives_close_and_releases_space_on_munmap)
{
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	unsigned char *p;
	uint32_t h;
	int fd2, err;

	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, map_alloc(fd2, self->page, NNMEM_KIND_ACTIVATION, &h,
			       &ri));
	ASSERT_EQ(0, nt_weight(fd2, 4096, 0, NULL, NULL));
	p = map_region(fd2, &ri, &err);
	ASSERT_EQ(0, err);
	nt_pattern(p, ri.span, 5);
	ASSERT_EQ(0, close(fd2));

	p[0] = 0x99;
	ASSERT_EQ(0x99, p[0]);
	/* The mapped region keeps its space; it is not handed out. */
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(ri.span, u.activation_bytes);
	ASSERT_EQ(0, u.session_regions);
	ASSERT_EQ(-ENOSPC, nt_activation(self->fd, self->info.arena_size -
					 ri.span + 1, 1, NULL, NULL));

	ASSERT_EQ(0, munmap(p, ri.span));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(map, forked_child_shares_mapping_and_space_goes_after_both_unmap)
{
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	int to_child[2], to_parent[2], status, err;
	unsigned char *p;
	char c = 0;
	uint32_t h;
	pid_t pid;

	ASSERT_EQ(0, map_alloc(self->fd, 2 * self->page, NNMEM_KIND_WEIGHT,
			       &h, &ri));
	p = map_region(self->fd, &ri, &err);
	ASSERT_EQ(0, err);
	nt_pattern(p, ri.span, 11);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char *want = malloc(ri.span);

		close(self->fd);	/* the mapping alone holds the region */
		if (!want)
			_exit(2);
		nt_pattern(want, ri.span, 11);
		if (memcmp(want, p, ri.span))
			_exit(3);
		p[1] = 0xc1;		/* the parent sees this */
		if (write(to_parent[1], "r", 1) != 1)
			_exit(4);
		/* Wait until the parent has freed and unmapped. */
		if (read(to_child[0], &c, 1) != 1)
			_exit(5);
		if (p[0] != 0xd0)	/* written by the parent before munmap */
			_exit(6);
		if (munmap(p, ri.span))
			_exit(7);
		_exit(0);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	ASSERT_EQ(0xc1, p[1]);
	p[0] = 0xd0;
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, munmap(p, ri.span));
	/* The child still maps it. */
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(ri.span, u.weight_bytes);
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(map, child_exit_without_munmap_releases_its_mapping)
{
	struct nnmem_region_info ri;
	int status, err;
	unsigned char *p;
	uint32_t h;
	pid_t pid;

	ASSERT_EQ(0, map_alloc(self->fd, self->page, NNMEM_KIND_WEIGHT, &h,
			       &ri));
	p = map_region(self->fd, &ri, &err);
	ASSERT_EQ(0, err);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		p[0] = 0x5e;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0x5e, p[0]);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, munmap(p, ri.span));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_HARNESS_MAIN
