// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem at scale (issue 12, item 4): a 1 GiB arena on one device (needs
 * CMA: the debug kernel boots with cma=1200M; elsewhere the test is a
 * SKIP), several devices each with its own arena (arena_sizes=), the
 * run-time max_regions parameter, and 100,000 live regions in one session
 * through the ioctls. Like load_test it runs with the module NOT loaded
 * (run-tests.sh runs both before its insmod): each test loads the module
 * with its own parameters and unloads it; load_test refuses the bad
 * arena_sizes= lists.
 *
 * The tests that move a lot of memory may take minutes on the debug
 * kernel under TCG (TEST_F_TIMEOUT). Expected values are derived by hand from the allocator's rules: weights
 * pack upward from offset 0, activations downward from the arena's end, a
 * region of size == align leaves no padding; data is a function of the
 * byte's offset, written through one path and read back through another.
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"

#define LT_MAX_REGIONS	"/sys/module/nnmem/parameters/max_regions"
#define LT_GIB		(1ULL << 30)
#define LT_MIB		(1ULL << 20)

/* A /proc/meminfo field in kB; 0 if absent (CmaFree: no CONFIG_CMA). */
static unsigned long meminfo_kb(const char *field)
{
	unsigned long kb = 0, v;
	char line[128], name[64];
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %lu kB", name, &v) == 2 &&
		    !strcmp(name, field)) {
			kb = v;
			break;
		}
	fclose(f);
	return kb;
}

/*
 * The soft-lockup threshold (/proc/sys/kernel/watchdog_thresh, the
 * detector fires at twice it). Freeing a 1 GiB arena at unload is the
 * kernel's free_contig_range() of 262,144 pages with no reschedule in it
 * (cma_release()); on the debug kernel, where debugobjects checks each
 * freed page, under TCG that took 22 s on a busy host: past the default
 * 20 s. The 1 GiB test raises the threshold around its load and unload
 * and puts it back.
 */
#define LT_WATCHDOG	"/proc/sys/kernel/watchdog_thresh"

static char lt_watchdog_old[16];

static void watchdog_relax(void)
{
	if (nt_file_read(LT_WATCHDOG, lt_watchdog_old,
			 sizeof(lt_watchdog_old)) > 0)
		nt_file_write(LT_WATCHDOG, "60");
	else
		lt_watchdog_old[0] = '\0';
}

static void watchdog_restore(void)
{
	if (lt_watchdog_old[0])
		nt_file_write(LT_WATCHDOG, lt_watchdog_old);
	lt_watchdog_old[0] = '\0';
}

static double secs_since(uint64_t t0)
{
	return (double)(nt_now_ns() - t0) / 1e9;
}

/* The 64-bit word at byte offset @off of pattern @seed. */
static inline uint64_t word_at(uint64_t off, uint64_t seed)
{
	uint64_t z = off * 0x9e3779b97f4a7c15ULL + seed;

	return z ^ (z >> 29) ^ (off << 7);
}

FIXTURE(mod) {
	int unused;
};

FIXTURE_SETUP(mod)
{
	const char *ko = getenv("NNMEM_KO");

	ASSERT_TRUE(ko && *ko) {
		TH_LOG("NNMEM_KO must name nnmem.ko");
	}
	/* a test killed (timeout) before its teardown leaves it loaded */
	if (nt_module_loaded() && !nt_module_unload())
		TH_LOG("unloaded %s left by an earlier test", "nnmem");
	ASSERT_FALSE(nt_module_loaded()) {
		TH_LOG("%s is loaded; large_test needs it unloaded",
		       "nnmem");
	}
}

FIXTURE_TEARDOWN(mod)
{
	if (nt_module_loaded())
		EXPECT_EQ(0, nt_module_unload());
	watchdog_restore();
}

/*
 * 1 GiB: one mappable weight region over the whole arena, zeros when
 * allocated, every 64-bit word written through mmap and checked through
 * mmap, spot checks through READ; freed, the whole arena is free again
 * and an activation of the whole arena reads zeros.
 */
TEST_F_TIMEOUT(mod, arena_1gib_allocated_filled_checked_freed, 600)
{
	const uint64_t size = LT_GIB, seed = 0x1d5;
	const uint64_t spots[] = { 0, 4096, size / 2 - 8, size / 2,
				   size - 4096, size - 64 };
	unsigned long cma_free = meminfo_kb("CmaFree");
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	struct nnmem_info info;
	uint64_t off, i, t0, bad = 0, nonzero = 0, buf[8];
	uint64_t *p;
	uint32_t h;
	unsigned int k;
	int fd;

	if (cma_free < (size >> 10) + (16 << 10))
		SKIP(return, "CmaFree %lu kB: a 1 GiB arena needs CMA (the debug kernel boots with cma=1200M)",
		     cma_free);
	TH_LOG("CmaFree %lu kB", cma_free);
	watchdog_relax();
	t0 = nt_now_ns();
	ASSERT_EQ(0, nt_module_load("devices=1 arena_size=1073741824"));
	TH_LOG("load: %.2f s", secs_since(t0));
	fd = nt_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nt_info(fd, &info));
	ASSERT_EQ(size, info.arena_size);

	t0 = nt_now_ns();
	ASSERT_EQ(0, nt_alloc(fd, size, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, "1gib", &h, &off));
	TH_LOG("ALLOC (zeroes 1 GiB): %.2f s", secs_since(t0));
	ASSERT_EQ(0, off);
	ASSERT_EQ(0, nt_usage(fd, &u));
	ASSERT_EQ(size, u.weight_bytes);
	ASSERT_EQ(0, u.free_bytes);
	ASSERT_EQ(0, nt_region_info(fd, h, &ri));
	ASSERT_EQ(size, ri.span);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)ri.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);

	t0 = nt_now_ns();
	for (i = 0; i < size / 8; i++)
		nonzero |= p[i];
	TH_LOG("check zeros through mmap: %.2f s", secs_since(t0));
	ASSERT_EQ(0, nonzero);

	t0 = nt_now_ns();
	for (i = 0; i < size / 8; i++)
		p[i] = word_at(i * 8, seed);
	TH_LOG("fill through mmap: %.2f s", secs_since(t0));
	t0 = nt_now_ns();
	for (i = 0; i < size / 8; i++)
		bad += p[i] != word_at(i * 8, seed);
	TH_LOG("check every word through mmap: %.2f s", secs_since(t0));
	ASSERT_EQ(0, bad);

	/* READ takes another path to the same bytes (the kernel mapping). */
	for (k = 0; k < ARRAY_SIZE(spots); k++) {
		ASSERT_EQ(0, nt_read(fd, h, spots[k], buf, sizeof(buf)));
		for (i = 0; i < 8; i++)
			ASSERT_EQ(word_at(spots[k] + i * 8, seed), buf[i]) {
				TH_LOG("READ at %llu + %llu",
				       (unsigned long long)spots[k],
				       (unsigned long long)i * 8);
			}
	}
	ASSERT_EQ(0, munmap(p, size));

	t0 = nt_now_ns();
	ASSERT_EQ(0, nt_free(fd, h));
	TH_LOG("FREE: %.2f s", secs_since(t0));
	ASSERT_EQ(0, nt_usage(fd, &u));
	ASSERT_EQ(size, u.free_bytes);
	ASSERT_EQ(size, u.largest_free);
	ASSERT_EQ(0, u.weight_regions);
	ASSERT_EQ(0, u.deferred_regions);

	/* The space came back: all of it, zeroed, from the other end. */
	ASSERT_EQ(0, nt_activation(fd, size, 0, &h, &off));
	ASSERT_EQ(0, off);
	for (k = 0; k < ARRAY_SIZE(spots); k++) {
		ASSERT_EQ(0, nt_read(fd, h, spots[k], buf, sizeof(buf)));
		for (i = 0; i < 8; i++)
			ASSERT_EQ(0, buf[i]);
	}
	ASSERT_EQ(0, nt_free(fd, h));
	ASSERT_USAGE_EMPTY(fd);
	ASSERT_EQ(0, close(fd));
	t0 = nt_now_ns();
	ASSERT_EQ(0, nt_module_unload());
	TH_LOG("unload (frees the 1 GiB arena): %.2f s", secs_since(t0));
	watchdog_restore();
}

/*
 * Several devices, each with its own arena of its own size (arena_sizes=;
 * the device after the list gets arena_size=). Each arena is filled
 * whole with a pattern of its own and read back after all were written,
 * so arenas that overlapped would show. With CMA the arenas are large
 * (256 MiB, 64 MiB); without it they stay within the page allocator's
 * 4 MiB.
 */
TEST_F_TIMEOUT(mod, devices_each_with_own_arena_size_and_data, 600)
{
	const bool cma = meminfo_kb("CmaFree") >= (400UL << 10);
	const uint64_t sizes_cma[] = { 256 * LT_MIB, 64 * LT_MIB, 65536,
				       4 * LT_MIB };
	const uint64_t sizes_nocma[] = { 65536, LT_MIB, 4 * LT_MIB,
					 2 * LT_MIB };
	const uint64_t *sizes = cma ? sizes_cma : sizes_nocma;
	const uint64_t chunk = LT_MIB;
	uint32_t h[4];
	uint64_t *in, *out, off, pos, n, i;
	int fd[4], d;

	TH_LOG("%s", cma ? "CMA: arenas of 256 MiB, 64 MiB, 64 KiB, 4 MiB" :
			   "no CMA: arenas of 64 KiB, 1 MiB, 4 MiB, 2 MiB");
	ASSERT_EQ(0, nt_module_load(cma ?
		"devices=4 arena_sizes=268435456,67108864,65536" :
		"devices=4 arena_sizes=65536,1048576,4194304 arena_size=2097152"));
	in = malloc(chunk);
	out = malloc(chunk);
	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, out);
	for (d = 0; d < 4; d++) {
		struct nnmem_info info;

		fd[d] = nt_open(d);
		ASSERT_LE(0, fd[d]);
		ASSERT_EQ(0, nt_info(fd[d], &info));
		ASSERT_EQ(sizes[d], info.arena_size) {
			TH_LOG("nnmem%d", d);
		}
		ASSERT_EQ(0, nt_weight(fd[d], sizes[d], 4096, &h[d], &off));
		ASSERT_EQ(0, off);
		for (pos = 0; pos < sizes[d]; pos += n) {
			n = sizes[d] - pos < chunk ? sizes[d] - pos : chunk;
			for (i = 0; i < n / 8; i++)
				in[i] = word_at(pos + i * 8, 100 + d);
			ASSERT_EQ(0, nt_write(fd[d], h[d], pos, in, n));
		}
	}
	for (d = 0; d < 4; d++) {
		struct nnmem_usage u;

		for (pos = 0; pos < sizes[d]; pos += n) {
			n = sizes[d] - pos < chunk ? sizes[d] - pos : chunk;
			ASSERT_EQ(0, nt_read(fd[d], h[d], pos, out, n));
			for (i = 0; i < n / 8; i++)
				ASSERT_EQ(word_at(pos + i * 8, 100 + d),
					  out[i]) {
					TH_LOG("nnmem%d byte %llu", d,
					       (unsigned long long)(pos + i * 8));
				}
		}
		/* Each device counts its own region only. */
		ASSERT_EQ(0, nt_usage(fd[d], &u));
		ASSERT_EQ(sizes[d], u.weight_bytes);
		ASSERT_EQ(1, u.weight_regions);
		ASSERT_EQ(0, u.free_bytes);
		ASSERT_EQ(0, nt_free(fd[d], h[d]));
		ASSERT_USAGE_EMPTY(fd[d]);
		ASSERT_EQ(0, close(fd[d]));
	}
	free(in);
	free(out);
	ASSERT_EQ(0, nt_module_unload());
}

/*
 * Root changes max_regions while a session holds regions: INFO follows,
 * a lowered limit refuses new regions and frees none.
 */
TEST_F(mod, max_regions_changed_at_run_time)
{
	struct nnmem_info info;
	uint32_t h[5];
	int fd, i;

	ASSERT_EQ(0, nt_module_load(""));
	fd = nt_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nt_file_write(LT_MAX_REGIONS, "5"));
	ASSERT_EQ(0, nt_info(fd, &info));
	ASSERT_EQ(5, info.max_regions);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, nt_weight(fd, 64, 0, &h[i], NULL));
	ASSERT_EQ(-EMFILE, nt_weight(fd, 64, 0, NULL, NULL));
	ASSERT_EQ(0, nt_file_write(LT_MAX_REGIONS, "3"));
	ASSERT_EQ(-EMFILE, nt_activation(fd, 64, 0, NULL, NULL));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, nt_free(fd, h[i]));
	/* 3 live: still at the limit */
	ASSERT_EQ(-EMFILE, nt_weight(fd, 64, 0, NULL, NULL));
	ASSERT_EQ(0, nt_free(fd, h[2]));
	ASSERT_EQ(0, nt_weight(fd, 64, 0, &h[2], NULL));
	ASSERT_EQ(-EINVAL, nt_file_write(LT_MAX_REGIONS, "0"));
	ASSERT_EQ(-EINVAL, nt_file_write(LT_MAX_REGIONS, "1048577"));
	ASSERT_EQ(-EINVAL, nt_file_write(LT_MAX_REGIONS, "many"));
	ASSERT_EQ(0, nt_info(fd, &info));
	ASSERT_EQ(3, info.max_regions);
	ASSERT_EQ(0, nt_file_write(LT_MAX_REGIONS, "1048576"));
	ASSERT_EQ(0, nt_info(fd, &info));
	ASSERT_EQ(1048576, info.max_regions);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, nt_module_unload());
}

#define LT_REGIONS_MAX	100000
#define LT_GRAIN	32	/* size == align: no padding */

/*
 * Regions live at once in one session: 100,000, except on the debug
 * kernel (NNMEM_KERNEL=debug-*, set by the rig), where each ioctl costs
 * about 1.5 ms under TCG and KASAN (100,000 took 285 s): 20,000 there,
 * the same code paths.
 */
static unsigned int lt_regions(void)
{
	const char *k = getenv("NNMEM_KERNEL");

	return k && !strncmp(k, "debug", 5) ? 20000 : LT_REGIONS_MAX;
}

/*
 * 100,000 live regions (lt_regions()) in one session of the default 4 MiB
 * arena (32-byte regions, 3.2 MB): weights and activations alternate, each where the
 * packing rule puts it; one more is -EMFILE; a tag written into every
 * 1,000th region reads back after all are in; half are freed one by one,
 * the other half by close(), and the device ends empty.
 */
TEST_F_TIMEOUT(mod, regions_100k_live_in_one_session_then_freed_and_closed, 600)
{
	const unsigned int nr = lt_regions();
	uint32_t *h = calloc(nr, sizeof(*h));
	char param[32];
	struct nnmem_usage u;
	uint64_t off, want, t0, tag, got;
	unsigned int i, nw = 0, na = 0;
	double secs;
	int fd;

	ASSERT_NE(NULL, h);
	snprintf(param, sizeof(param), "max_regions=%u", nr);
	ASSERT_EQ(0, nt_module_load(param));
	fd = nt_open(0);
	ASSERT_LE(0, fd);
	t0 = nt_now_ns();
	for (i = 0; i < nr; i++) {
		bool weight = !(i & 1);

		ASSERT_EQ(0, nt_alloc(fd, LT_GRAIN, LT_GRAIN,
				      weight ? NNMEM_KIND_WEIGHT :
					       NNMEM_KIND_ACTIVATION,
				      0, NULL, &h[i], &off)) {
			TH_LOG("region %u", i);
		}
		want = weight ? (uint64_t)nw++ * LT_GRAIN :
				NNMEM_TEST_ARENA_DEFAULT -
				(uint64_t)++na * LT_GRAIN;
		ASSERT_EQ(want, off) {
			TH_LOG("region %u", i);
		}
	}
	secs = secs_since(t0);
	TH_LOG("%u ALLOCs: %.2f s (%.1f us each)", nr, secs,
	       secs * 1e6 / nr);
	ASSERT_EQ(-EMFILE, nt_weight(fd, LT_GRAIN, LT_GRAIN, NULL, NULL));
	ASSERT_EQ(0, nt_usage(fd, &u));
	ASSERT_EQ(nr, u.session_regions);
	ASSERT_EQ(nr / 2, u.weight_regions);
	ASSERT_EQ(nr / 2, u.activation_regions);
	ASSERT_EQ((uint64_t)nr / 2 * LT_GRAIN, u.weight_bytes);
	ASSERT_EQ((uint64_t)nr / 2 * LT_GRAIN, u.activation_bytes);
	ASSERT_EQ(NNMEM_TEST_ARENA_DEFAULT - (uint64_t)nr * LT_GRAIN,
		  u.free_bytes);
	ASSERT_EQ(1, u.free_extents);

	for (i = 0; i < nr; i += 1000) {
		tag = 0xa5a5000000000000ULL | i;
		ASSERT_EQ(0, nt_write(fd, h[i], 24, &tag, 8));
	}
	for (i = 0; i < nr; i += 1000) {
		ASSERT_EQ(0, nt_read(fd, h[i], 24, &got, 8));
		ASSERT_EQ(0xa5a5000000000000ULL | i, got);
		ASSERT_EQ(0, nt_read(fd, h[i + 1], 0, &got, 8));
		ASSERT_EQ(0, got);
	}

	t0 = nt_now_ns();
	for (i = 0; i < nr; i += 2)
		ASSERT_EQ(0, nt_free(fd, h[i]));
	secs = secs_since(t0);
	TH_LOG("%u FREEs: %.2f s", nr / 2, secs);
	ASSERT_EQ(0, nt_usage(fd, &u));
	ASSERT_EQ(nr / 2, u.session_regions);
	ASSERT_EQ(0, u.weight_regions);
	ASSERT_EQ(0, u.weight_bytes);
	t0 = nt_now_ns();
	ASSERT_EQ(0, close(fd));	/* frees the other half */
	TH_LOG("close with %u regions: %.2f s", nr / 2,
	       secs_since(t0));
	fd = nt_open(0);
	ASSERT_LE(0, fd);
	ASSERT_USAGE_EMPTY(fd);
	ASSERT_EQ(0, close(fd));
	free(h);
	ASSERT_EQ(0, nt_module_unload());
}

TEST_HARNESS_MAIN
