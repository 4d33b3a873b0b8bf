// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem regions over time: freed bytes never reach the next user (through
 * READ or a mapping of the whole span, across sessions, across users,
 * after a deferred free), handles and mmap offsets are not reused, and
 * USAGE counts a region exactly while FREE races with mmap(). Expects nnmem
 * loaded and nothing allocated when each test starts; the other-user test
 * needs root (it setuid()s a child to 65534).
 */
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"

#define RT_DEV			"/dev/nnmem0"
/* The unprivileged user of the other-user test (nobody). */
#define RT_NOBODY		65534
/* FREE against mmap: at most this many regions, or RT_RACE_SECONDS. */
#ifndef RT_RACE_ROUNDS
#define RT_RACE_ROUNDS		20000
#endif
#ifndef RT_RACE_SECONDS
#define RT_RACE_SECONDS		5
#endif

FIXTURE(region) {
	int fd;
	struct nnmem_info info;
	uint64_t page;
	bool restore_mode;
	mode_t dev_mode;
};

FIXTURE_SETUP(region)
{
	struct nnmem_usage u;

	self->restore_mode = false;
	NT_SETUP_SESSION(self->fd, &self->info, &u);
	self->page = self->info.page_size;
	ASSERT_EQ((uint64_t)getpagesize(), self->page);
}

FIXTURE_TEARDOWN(region)
{
	if (self->restore_mode)
		EXPECT_EQ(0, chmod(RT_DEV, self->dev_mode));
	if (self->fd >= 0)
		close(self->fd);
}

/* A secret: no byte of it is zero, so any leaked byte shows. */
static void secret_fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 151 + seed * 29 + (i >> 9)) % 255 + 1);
}

/* Nonzero bytes in @p; *@first gets the first one's index if any. */
static size_t nonzero(const unsigned char *p, size_t len, size_t *first)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (!p[i])
			continue;
		if (!n)
			*first = i;
		n++;
	}
	return n;
}

static void *map_span(int fd, const struct nnmem_region_info *ri, int prot)
{
	return mmap(NULL, ri->span, prot, MAP_SHARED, fd,
		    (off_t)ri->mmap_offset);
}

static int mmap_err(int fd, size_t len, int prot, uint64_t off)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return -errno;
}

/* Allocate and describe a region; 0 or a negative errno. */
static int rt_alloc(int fd, uint64_t size, uint32_t align, uint32_t kind,
		    uint32_t flags, uint32_t *h, struct nnmem_region_info *ri)
{
	int err = nt_alloc(fd, size, align, kind, flags, NULL, h, NULL);

	return err ? err : nt_region_info(fd, *h, ri);
}

/*
 * Fill all a session can reach of region @h with a secret: its size by
 * WRITE and, if it is mappable, its whole span through a mapping.
 */
static int fill_secret(int fd, uint32_t h, unsigned int seed)
{
	struct nnmem_region_info ri;
	unsigned char *buf, *p;
	int err;

	err = nt_region_info(fd, h, &ri);
	if (err)
		return err;
	buf = malloc(ri.span);
	if (!buf)
		return -ENOMEM;
	secret_fill(buf, ri.span, seed);
	err = nt_write(fd, h, 0, buf, ri.size);
	if (!err && (ri.alloc_flags & NNMEM_ALLOC_MAPPABLE)) {
		p = map_span(fd, &ri, PROT_READ | PROT_WRITE);
		if (p == MAP_FAILED) {
			err = -errno;
		} else {
			memcpy(p, buf, ri.span);
			munmap(p, ri.span);
		}
	}
	free(buf);
	return err;
}

/*
 * Leave a secret where a region of @size bytes, @align, @kind and @flags
 * goes: a session of its own allocates it, fills it and closes.
 * *@offset gets where it was.
 */
static int plant_secret(uint64_t size, uint32_t align, uint32_t kind,
			uint32_t flags, unsigned int seed, uint64_t *offset)
{
	struct nnmem_region_info ri;
	uint32_t h;
	int fd, err;

	fd = nt_open(0);
	if (fd < 0)
		return fd;
	err = rt_alloc(fd, size, align, kind, flags, &h, &ri);
	if (!err)
		err = fill_secret(fd, h, seed);
	*offset = ri.offset;
	close(fd);
	return err;
}

/*
 * What a session sees of region @h that is not zero: READ of its size
 * and, if mappable, a mapping of its whole span. Returns the count of
 * nonzero bytes (*@first: the first one's index in what was read, or in
 * the span) or a negative errno.
 */
static long seen_nonzero(int fd, uint32_t h, size_t *first)
{
	struct nnmem_region_info ri;
	unsigned char *buf, *p;
	long n;
	int err;

	err = nt_region_info(fd, h, &ri);
	if (err)
		return err;
	buf = malloc(ri.size);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, ri.size);
	err = nt_read(fd, h, 0, buf, ri.size);
	if (err) {
		free(buf);
		return err;
	}
	n = (long)nonzero(buf, ri.size, first);
	free(buf);
	if (ri.alloc_flags & NNMEM_ALLOC_MAPPABLE) {
		p = map_span(fd, &ri, PROT_READ);
		if (p == MAP_FAILED)
			return -errno;
		n += (long)nonzero(p, ri.span, first);
		munmap(p, ri.span);
	}
	return n;
}

/* Everything the session sees of region @h is zero; @what names it. */
#define ASSERT_SEES_ZEROS(fd, h, what) do { \
	size_t __first = 0; \
	long __n = seen_nonzero((fd), (h), &__first); \
	ASSERT_EQ(0, __n) { \
		TH_LOG("%s (handle %u): %ld nonzero bytes, first at %zu", \
		       (what), (unsigned int)(h), __n, __first); \
	} \
} while (0)

struct zcase {
	const char *what;
	uint32_t kind, flags;
	uint64_t pages, extra;	/* size: pages * page + extra */
};

static const struct zcase zcases[] = {
	{ "weight", NNMEM_KIND_WEIGHT, 0, 3, 100 },
	{ "activation", NNMEM_KIND_ACTIVATION, 0, 1, 1000 },
	{ "mappable weight", NNMEM_KIND_WEIGHT, NNMEM_ALLOC_MAPPABLE, 2, 100 },
	{ "mappable activation", NNMEM_KIND_ACTIVATION, NNMEM_ALLOC_MAPPABLE,
	  0, 1 },
};

TEST_F(region, next_session_sees_zeros_where_a_closed_session_left_secrets)
{
	struct nnmem_region_info ri;
	uint64_t planted;
	uint32_t h;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(zcases); i++) {
		const struct zcase *c = &zcases[i];
		uint64_t size = c->pages * self->page + c->extra;

		ASSERT_EQ(0, plant_secret(size, 0, c->kind, c->flags, i + 1,
					  &planted)) {
			TH_LOG("%s", c->what);
		}
		ASSERT_EQ(0, rt_alloc(self->fd, size, 0, c->kind, c->flags, &h,
				      &ri));
		ASSERT_EQ(planted, ri.offset) {
			TH_LOG("%s: not at the place of the secret", c->what);
		}
		ASSERT_SEES_ZEROS(self->fd, h, c->what);
		ASSERT_EQ(0, nt_free(self->fd, h));
	}
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(region, same_session_sees_zeros_after_free_and_alloc)
{
	struct nnmem_region_info ri, ri2;
	uint32_t h;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(zcases); i++) {
		const struct zcase *c = &zcases[i];
		uint64_t size = c->pages * self->page + c->extra;

		ASSERT_EQ(0, rt_alloc(self->fd, size, 0, c->kind, c->flags, &h,
				      &ri));
		ASSERT_EQ(0, fill_secret(self->fd, h, 40 + i));
		ASSERT_EQ(0, nt_free(self->fd, h));
		ASSERT_EQ(0, rt_alloc(self->fd, size, 0, c->kind, c->flags, &h,
				      &ri2));
		ASSERT_EQ(ri.offset, ri2.offset);
		ASSERT_SEES_ZEROS(self->fd, h, c->what);
		ASSERT_EQ(0, nt_free(self->fd, h));
	}
}

/*
 * The page-rounding tail of a mappable region is mapped; alignment padding
 * is reserved unseen, and seen by whoever gets that space next.
 */
TEST_F(region, mappable_tail_and_former_padding_are_zero)
{
	const uint64_t pg = self->page, arena = self->info.arena_size;
	struct nnmem_region_info small, padded, big, top;
	uint64_t planted;
	uint32_t hs, hp, hb, ht;

	ASSERT_EQ(0, plant_secret(4 * pg, 0, NNMEM_KIND_WEIGHT, 0, 7,
				  &planted));
	ASSERT_EQ(0, planted);
	ASSERT_EQ(0, plant_secret(4 * pg, 0, NNMEM_KIND_ACTIVATION, 0, 8,
				  &planted));
	ASSERT_EQ(arena - 4 * pg, planted);

	/* 64 bytes at 0, then a mappable one aligned to 2 pages. */
	ASSERT_EQ(0, rt_alloc(self->fd, 64, 0, NNMEM_KIND_WEIGHT, 0, &hs,
			      &small));
	ASSERT_EQ(0, small.offset);
	ASSERT_EQ(0, rt_alloc(self->fd, 100, 2 * pg, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, &hp, &padded));
	ASSERT_EQ(2 * pg, padded.offset);
	ASSERT_EQ(pg, padded.span);
	ASSERT_SEES_ZEROS(self->fd, hs, "64 bytes at 0");
	ASSERT_SEES_ZEROS(self->fd, hp, "100 bytes, mappable, with its tail");

	/* The padding [64, 2 pages) becomes part of a later span. */
	ASSERT_EQ(0, nt_free(self->fd, hp));
	ASSERT_EQ(0, nt_free(self->fd, hs));
	ASSERT_EQ(0, rt_alloc(self->fd, 2 * pg + 1, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, &hb, &big));
	ASSERT_EQ(0, big.offset);
	ASSERT_EQ(3 * pg, big.span);
	ASSERT_SEES_ZEROS(self->fd, hb, "over the former padding");

	/* The top end: one byte, a page mapped. */
	ASSERT_EQ(0, rt_alloc(self->fd, 1, 0, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, &ht, &top));
	ASSERT_EQ(arena - pg, top.offset);
	ASSERT_EQ(pg, top.span);
	ASSERT_SEES_ZEROS(self->fd, ht, "1 byte at the top, mappable");
}

TEST_F(region, region_freed_while_mapped_is_zero_when_its_space_returns)
{
	struct nnmem_region_info ri, ri2;
	struct nnmem_usage u;
	unsigned char *p;
	uint64_t off;
	uint32_t h, h2;
	int fd2;

	ASSERT_EQ(0, rt_alloc(self->fd, 2 * self->page + 100, 0,
			      NNMEM_KIND_WEIGHT, NNMEM_ALLOC_MAPPABLE, &h, &ri));
	p = map_span(self->fd, &ri, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, nt_free(self->fd, h));
	/* Written after FREE, through the mapping that keeps it. */
	secret_fill(p, ri.span, 3);
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(ri.span, u.deferred_bytes);
	/* Held: a new region goes above it. */
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h2, &off));
	ASSERT_EQ(ri.span, off);
	ASSERT_EQ(0, nt_free(self->fd, h2));

	ASSERT_EQ(0, munmap(p, ri.span));
	ASSERT_USAGE_EMPTY(self->fd);

	/* Its space, again, in this session and in another one. */
	ASSERT_EQ(0, rt_alloc(self->fd, 2 * self->page + 100, 0,
			      NNMEM_KIND_WEIGHT, NNMEM_ALLOC_MAPPABLE, &h, &ri2));
	ASSERT_EQ(ri.offset, ri2.offset);
	ASSERT_SEES_ZEROS(self->fd, h, "after the deferred free");
	ASSERT_EQ(0, fill_secret(self->fd, h, 4));
	p = map_span(self->fd, &ri2, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, munmap(p, ri2.span));

	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rt_alloc(fd2, 3 * self->page, 0, NNMEM_KIND_WEIGHT, 0,
			      &h, &ri2));
	ASSERT_EQ(ri.offset, ri2.offset);
	ASSERT_SEES_ZEROS(fd2, h, "in another session");
	close(fd2);
}

TEST_F(region, region_closed_while_mapped_is_zero_when_its_space_returns)
{
	struct nnmem_region_info ri, ri2;
	unsigned char *p;
	uint32_t h;
	int fd2;

	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rt_alloc(fd2, 3 * self->page, 0, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, &h, &ri));
	p = map_span(fd2, &ri, PROT_READ | PROT_WRITE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, close(fd2));
	secret_fill(p, ri.span, 5);
	/* The last mapping goes: the session ends, its region is freed. */
	ASSERT_EQ(0, munmap(p, ri.span));
	ASSERT_USAGE_EMPTY(self->fd);

	ASSERT_EQ(0, rt_alloc(self->fd, 3 * self->page, 0,
			      NNMEM_KIND_ACTIVATION, NNMEM_ALLOC_MAPPABLE, &h,
			      &ri2));
	ASSERT_EQ(ri.offset, ri2.offset);
	ASSERT_SEES_ZEROS(self->fd, h, "after the closed session's");
}

/* What the unprivileged child found, sent back through a pipe. */
struct other_user {
	int step;		/* 0 when all went well, else where it failed */
	int err;
	uid_t uid, euid;
	uint64_t offset[2];
	long nonzero[2];
	size_t first[2];
};

static void __attribute__((noreturn))
other_user_child(int wfd, const uint64_t size[2],
			     const uint32_t kind[2], const uint32_t flags[2])
{
	struct other_user res;
	uint32_t h;
	int fd, i;

	memset(&res, 0, sizeof(res));
	res.step = 1;
	if (setgroups(0, NULL) || setgid(RT_NOBODY) || setuid(RT_NOBODY)) {
		res.err = errno;
		goto out;
	}
	res.uid = getuid();
	res.euid = geteuid();
	res.step = 2;
	fd = nt_open(0);
	if (fd < 0) {
		res.err = -fd;
		goto out;
	}
	for (i = 0; i < 2; i++) {
		res.step = 3 + i;
		res.err = -nt_alloc(fd, size[i], 0, kind[i], flags[i], NULL,
				    &h, &res.offset[i]);
		if (res.err)
			goto out;
		res.nonzero[i] = seen_nonzero(fd, h, &res.first[i]);
	}
	res.step = 0;
	close(fd);
out:
	if (write(wfd, &res, sizeof(res)) != sizeof(res))
		_exit(2);
	_exit(0);
}

TEST_F(region, another_user_sees_zeros_where_root_left_secrets)
{
	const uint64_t size[2] = { 3 * self->page + 100, 2 * self->page + 5 };
	const uint32_t kind[2] = { NNMEM_KIND_WEIGHT, NNMEM_KIND_ACTIVATION };
	const uint32_t flags[2] = { 0, NNMEM_ALLOC_MAPPABLE };
	struct other_user res;
	uint64_t planted[2];
	struct stat st;
	int pipefd[2], status, i;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to setuid() a child to %d", RT_NOBODY);
	/* The secrets, each by a root session that is closed again. */
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, plant_secret(size[i], 0, kind[i], flags[i], 9 + i,
					  &planted[i]));
	ASSERT_USAGE_EMPTY(self->fd);

	/* Let the unprivileged user open the device, for this test only. */
	ASSERT_EQ(0, stat(RT_DEV, &st));
	self->dev_mode = st.st_mode & 07777;
	ASSERT_EQ(0, chmod(RT_DEV, 0666));
	self->restore_mode = true;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		other_user_child(pipefd[1], size, kind, flags);
	}
	close(pipefd[1]);
	memset(&res, 0xff, sizeof(res));
	ASSERT_EQ(sizeof(res), read(pipefd[0], &res, sizeof(res)));
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, chmod(RT_DEV, self->dev_mode));
	self->restore_mode = false;

	ASSERT_EQ(0, res.step) {
		TH_LOG("the child failed at step %d: %s", res.step,
		       strerror(res.err));
	}
	ASSERT_EQ(RT_NOBODY, res.uid);
	ASSERT_EQ(RT_NOBODY, res.euid);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(planted[i], res.offset[i]) {
			TH_LOG("region %d: not at the place of the secret", i);
		}
		ASSERT_EQ(0, res.nonzero[i]) {
			TH_LOG("region %d: uid %d saw %ld nonzero bytes, first at %zu",
			       i, RT_NOBODY, res.nonzero[i], res.first[i]);
		}
	}
	ASSERT_USAGE_EMPTY(self->fd);
}

/* ---- handles and mmap offsets ---- */

TEST_F(region, stale_mmap_offset_gets_enoent_after_free_and_alloc)
{
	const uint64_t pg = self->page;
	struct nnmem_region_info old, now;
	unsigned char *p;
	uint32_t h1, h2;

	ASSERT_EQ(0, rt_alloc(self->fd, pg, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, &h1, &old));
	ASSERT_EQ(0, mmap_err(self->fd, pg, PROT_READ, old.mmap_offset));
	ASSERT_EQ(0, nt_free(self->fd, h1));
	/* A new region of the session, at the same place. */
	ASSERT_EQ(0, rt_alloc(self->fd, pg, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, &h2, &now));
	ASSERT_EQ(old.offset, now.offset);
	ASSERT_EQ(0, fill_secret(self->fd, h2, 1));

	/* The old offset names nothing: it must not map the new region. */
	ASSERT_EQ(-ENOENT, mmap_err(self->fd, pg, PROT_READ, old.mmap_offset));
	ASSERT_NE(old.mmap_offset, now.mmap_offset);
	ASSERT_LT(h1, h2);
	ASSERT_EQ(-ENOENT, nt_region_info(self->fd, h1, &old));
	p = map_span(self->fd, &now, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p, now.span));
}

TEST_F(region, handles_increase_and_freed_ones_stay_unknown)
{
	uint32_t h, prev = 0, live = 0, gone[64];
	struct nnmem_region_info ri;
	unsigned int i, ngone = 0;
	int fd2;

	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, nt_alloc(self->fd, 64 + i, 0,
				      i % 2 ? NNMEM_KIND_WEIGHT :
					      NNMEM_KIND_ACTIVATION,
				      i % 3 ? 0 : NNMEM_ALLOC_MAPPABLE, NULL,
				      &h, NULL));
		ASSERT_LT(prev, h) {
			TH_LOG("allocation %u", i);
		}
		prev = h;
		/* Keep every 5th; free the one kept before, or this one. */
		if (i % 5 == 0) {
			if (live) {
				ASSERT_EQ(0, nt_free(self->fd, live));
				if (ngone < ARRAY_SIZE(gone))
					gone[ngone++] = live;
			}
			live = h;
		} else {
			ASSERT_EQ(0, nt_free(self->fd, h));
			if (ngone < ARRAY_SIZE(gone))
				gone[ngone++] = h;
		}
	}
	/* A failed ALLOC gives no handle, and the next one still increases. */
	ASSERT_EQ(-ENOSPC, nt_weight(self->fd, self->info.arena_size, 0, &h,
				     NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 64, 0, &h, NULL));
	ASSERT_LT(prev, h);
	for (i = 0; i < ngone; i++)
		ASSERT_EQ(-ENOENT, nt_region_info(self->fd, gone[i], &ri));
	ASSERT_EQ(0, nt_region_info(self->fd, live, &ri));

	/* Per session: another one starts at 1. */
	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, nt_weight(fd2, 64, 0, &h, NULL));
	ASSERT_EQ(1, h);
	close(fd2);
}

TEST_F(region, mmap_offsets_are_positive_and_huge_offsets_name_nothing)
{
	const uint64_t pg = self->page;
	struct nnmem_region_info ri;
	uint32_t h;

	ASSERT_EQ(0, rt_alloc(self->fd, pg, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, &h, &ri));
	ASSERT_LT(0, (off_t)ri.mmap_offset);
	ASSERT_EQ(0, ri.mmap_offset % pg);
	/* The largest positive page-aligned off_t. */
	ASSERT_EQ(-ENOENT, mmap_err(self->fd, pg, PROT_READ,
				    (uint64_t)INT64_MAX & ~(pg - 1)));
	/* The region's offset with high bits set is not the region. */
	ASSERT_EQ(-ENOENT, mmap_err(self->fd, pg, PROT_READ,
				    ri.mmap_offset | 1ULL << 62));
	ASSERT_EQ(-ENOENT, mmap_err(self->fd, pg, PROT_READ,
				    ri.mmap_offset | 1ULL << 63));
	ASSERT_EQ(-ENOENT, mmap_err(self->fd, pg, PROT_READ,
				    ri.mmap_offset | 1ULL << 56));
	ASSERT_EQ(0, mmap_err(self->fd, pg, PROT_READ, ri.mmap_offset));
}

/* ---- USAGE while FREE races with mmap ---- */

/*
 * The test thread allocates a one-page mappable region, tags it (its
 * number, at byte 0), hands its mmap offset to the mapper thread, sleeps
 * for 0 to 1.4 times an mmap() and FREEs it, while the mapper maps the
 * offset. Both run on one CPU: the test thread's wakeup preempts the
 * mapper at its next preemption point, which is anywhere in its mmap(),
 * the driver's mutex_lock() between looking the region up and counting
 * the mapping included; so the FREE lands at every point of the mmap(),
 * on one CPU as on many. After each batch, USAGE must count as deferred
 * exactly the regions the test still maps (told apart by their tags, in
 * case a mapping shows another region than the one handed over) and
 * nothing else; after munmap, nothing at all.
 */
#define RT_RACE_BATCH		64

struct race {
	int fd;
	size_t len;
	int cpu;
	uint64_t cookie;
	sem_t go;			/* cookie is set: map it */
	sem_t mapped;			/* the mapper is done with it */
	atomic_bool stop;
	void *map[RT_RACE_BATCH];	/* the mapper's mappings */
	unsigned int nmaps;
	unsigned int enoent, other_err;
};

/* Run the calling thread on CPU @cpu alone; true if that worked. */
static bool pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

static void *race_mapper(void *arg)
{
	struct race *rc = arg;
	void *p;

	pin_to(rc->cpu);
	for (;;) {
		while (sem_wait(&rc->go))
			;
		if (atomic_load(&rc->stop))
			return NULL;
		p = mmap(NULL, rc->len, PROT_READ, MAP_SHARED, rc->fd,
			 (off_t)rc->cookie);
		if (p != MAP_FAILED)
			rc->map[rc->nmaps++] = p;
		else if (errno == ENOENT)
			rc->enoent++;
		else
			rc->other_err++;
		sem_post(&rc->mapped);
	}
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000),
		.tv_nsec = (long)(ns % 1000000000),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

TEST_F(region, usage_is_exact_while_free_races_with_mmap)
{
	const uint64_t pg = self->page;
	unsigned int batch, i, k, regions = 0, mapped = 0, enoent = 0;
	unsigned int wrong = 0, uncounted = 0;
	uint64_t start, deadline, mmap_ns, t0;
	struct nnmem_region_info ri;
	cpu_set_t old_cpus;
	struct race *rc;
	pthread_t thr;
	uint32_t h;
	void *p;

	rc = calloc(1, sizeof(*rc));
	ASSERT_NE(NULL, rc);
	rc->fd = self->fd;
	rc->len = pg;
	atomic_init(&rc->stop, false);
	ASSERT_EQ(0, sem_init(&rc->go, 0, 0));
	ASSERT_EQ(0, sem_init(&rc->mapped, 0, 0));
	/* Sleeps as short as asked for. */
	ASSERT_EQ(0, prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL));

	/* Both threads on the CPU the test runs on. */
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(old_cpus), &old_cpus));
	rc->cpu = sched_getcpu();
	ASSERT_LE(0, rc->cpu);
	ASSERT_TRUE(pin_to(rc->cpu));

	/* How long an mmap() takes here, at best. */
	ASSERT_EQ(0, rt_alloc(self->fd, pg, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, &h, &ri));
	mmap_ns = UINT64_MAX;
	for (i = 0; i < 16; i++) {
		t0 = nt_now_ns();
		p = map_span(self->fd, &ri, PROT_READ);
		t0 = nt_now_ns() - t0;
		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, munmap(p, pg));
		if (t0 < mmap_ns)
			mmap_ns = t0;
	}
	ASSERT_EQ(0, nt_free(self->fd, h));

	ASSERT_EQ(0, pthread_create(&thr, NULL, race_mapper, rc));
	start = nt_now_ns();
	deadline = start + RT_RACE_SECONDS * 1000000000ULL;
	for (batch = 1; regions < RT_RACE_ROUNDS; batch++) {
		uint64_t tags[RT_RACE_BATCH];
		unsigned int distinct = 0;
		struct nnmem_usage u;

		if (batch > 2 && nt_now_ns() > deadline)
			break;
		rc->nmaps = 0;
		for (i = 0; i < RT_RACE_BATCH; i++, regions++) {
			uint64_t tag = regions;

			ASSERT_EQ(0, rt_alloc(self->fd, pg, 0, NNMEM_KIND_WEIGHT,
					      NNMEM_ALLOC_MAPPABLE, &h, &ri));
			ASSERT_EQ(0, nt_write(self->fd, h, 0, &tag,
					      sizeof(tag)));
			rc->cookie = ri.mmap_offset;
			sem_post(&rc->go);
			sleep_ns(mmap_ns * (regions % 31) / 22);
			ASSERT_EQ(0, nt_free(self->fd, h));
			while (sem_wait(&rc->mapped))
				;
		}

		/* Held now: the mapped regions, each once, all freed. */
		for (k = 0; k < rc->nmaps; k++) {
			uint64_t tag = *(volatile uint64_t *)rc->map[k];

			for (i = 0; i < distinct && tags[i] != tag; i++)
				;
			if (i == distinct)
				tags[distinct++] = tag;
		}
		mapped += rc->nmaps;
		enoent += rc->enoent;
		rc->enoent = 0;
		ASSERT_EQ(0, rc->other_err);
		ASSERT_EQ(0, nt_usage(self->fd, &u));
		if (u.deferred_regions != distinct ||
		    u.deferred_bytes != distinct * pg ||
		    u.weight_regions != distinct ||
		    u.weight_bytes != distinct * pg ||
		    u.session_regions || u.session_bytes) {
			if (u.deferred_regions < distinct)
				uncounted += distinct - u.deferred_regions;
			if (wrong < 5)
				TH_LOG("batch %u: %u regions mapped, but USAGE says %u deferred (%llu bytes), %u weight regions (%llu bytes), session %u",
				       batch, distinct, u.deferred_regions,
				       (unsigned long long)u.deferred_bytes,
				       u.weight_regions,
				       (unsigned long long)u.weight_bytes,
				       u.session_regions);
			wrong++;
		}
		for (k = 0; k < rc->nmaps; k++)
			ASSERT_EQ(0, munmap(rc->map[k], pg));
		ASSERT_USAGE_EMPTY(self->fd);
	}
	atomic_store(&rc->stop, true);
	sem_post(&rc->go);
	ASSERT_EQ(0, pthread_join(thr, NULL));
	sched_setaffinity(0, sizeof(old_cpus), &old_cpus);
	TH_LOG("%u regions in %.1f s on CPU %d (mmap %.0f us): %u mapped, %u ENOENT; %u of %u batches miscounted, %u mapped regions not deferred",
	       regions, (nt_now_ns() - start) / 1e9, rc->cpu, mmap_ns / 1e3,
	       mapped, enoent, wrong, batch - 1, uncounted);
	sem_destroy(&rc->go);
	sem_destroy(&rc->mapped);
	free(rc);
	ASSERT_EQ(0, wrong);
}

TEST_HARNESS_MAIN
