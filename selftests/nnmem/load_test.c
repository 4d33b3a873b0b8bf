// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem module load/unload: parameters (bad ones, arena_sizes= lists
 * included, refused with EINVAL), device nodes, refusal to unload
 * while in use, and arenas above the page allocator's 4 MiB limit. Runs
 * with the module NOT loaded; loads it from $NNMEM_KO with finit_module()
 * and unloads it with delete_module(), and leaves it unloaded.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"


static bool dev_exists(int index)
{
	char path[32];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/nnmem%d", index);
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

/* CmaTotal from /proc/meminfo in kB; 0 if absent (no CONFIG_CMA). */
static unsigned long cma_total_kb(void)
{
	unsigned long kb = 0;
	char line[128];
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CmaTotal: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* In the parent only: whatever happened, leave the module unloaded. */
static pid_t main_pid;

static void __attribute__((constructor)) remember_main(void)
{
	main_pid = getpid();
}

static void __attribute__((destructor)) unload_at_exit(void)
{
	if (getpid() == main_pid && nt_module_loaded() && nt_module_unload())
		fprintf(stderr, "# load_test: could not unload %s at exit\n",
			"nnmem");
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
	ASSERT_EQ(0, access(ko, R_OK)) {
		TH_LOG("%s: %s", ko, strerror(errno));
	}
	ASSERT_FALSE(nt_module_loaded()) {
		TH_LOG("%s is loaded; load_test needs it unloaded",
		       "nnmem");
	}
}

FIXTURE_TEARDOWN(mod)
{
	if (nt_module_loaded())
		EXPECT_EQ(0, nt_module_unload());
}

static void check_device(struct __test_metadata *_metadata, int index,
			 uint64_t arena)
{
	struct nnmem_info info;
	int fd = nt_open(index);

	ASSERT_LE(0, fd) {
		TH_LOG("/dev/nnmem%d: %s", index, strerror(-fd));
	}
	ASSERT_EQ(0, nt_info(fd, &info));
	ASSERT_EQ((uint32_t)index, info.dev_index);
	ASSERT_EQ(arena, info.arena_size);
	ASSERT_USAGE_EMPTY(fd);
	close(fd);
}

TEST_F(mod, defaults_create_nnmem0_with_4mib_arena_and_unload)
{
	struct nnmem_info info;
	int fd;

	ASSERT_EQ(0, nt_module_load(""));
	ASSERT_TRUE(nt_module_loaded());
	ASSERT_TRUE(dev_exists(0));
	ASSERT_FALSE(dev_exists(1));
	check_device(_metadata, 0, NNMEM_TEST_ARENA_DEFAULT);
	fd = nt_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nt_info(fd, &info));
	ASSERT_EQ(NNMEM_TEST_MAX_REGIONS_DEFAULT, info.max_regions);
	close(fd);

	ASSERT_EQ(0, nt_module_unload());
	ASSERT_FALSE(nt_module_loaded());
	ASSERT_FALSE(dev_exists(0));
}

TEST_F(mod, devices_3_creates_nnmem0_to_nnmem2)
{
	int i;

	ASSERT_EQ(0, nt_module_load("devices=3"));
	for (i = 0; i < 3; i++)
		check_device(_metadata, i, NNMEM_TEST_ARENA_DEFAULT);
	ASSERT_FALSE(dev_exists(3));
	ASSERT_EQ(0, nt_module_unload());
	for (i = 0; i < 3; i++)
		ASSERT_FALSE(dev_exists(i));
}

TEST_F(mod, devices_16_is_the_maximum)
{
	ASSERT_EQ(0, nt_module_load("devices=16 arena_size=65536"));
	check_device(_metadata, 0, 65536);
	check_device(_metadata, 15, 65536);
	ASSERT_FALSE(dev_exists(16));
	ASSERT_EQ(0, nt_module_unload());
}

TEST_F(mod, smallest_arena_and_max_regions_are_used)
{
	struct nnmem_info info;
	int fd;

	ASSERT_EQ(0, nt_module_load("arena_size=65536 max_regions=2"));
	fd = nt_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nt_info(fd, &info));
	ASSERT_EQ(65536, info.arena_size);
	ASSERT_EQ(2, info.max_regions);
	ASSERT_EQ(0, nt_weight(fd, 1, 0, NULL, NULL));
	ASSERT_EQ(0, nt_activation(fd, 1, 0, NULL, NULL));
	ASSERT_EQ(-EMFILE, nt_weight(fd, 1, 0, NULL, NULL));
	ASSERT_EQ(-EINVAL, nt_weight(fd, 65537, 0, NULL, NULL));
	close(fd);
	ASSERT_EQ(0, nt_module_unload());
}

FIXTURE(badparam) {
	int unused;
};

FIXTURE_VARIANT(badparam) {
	const char *params;
};

FIXTURE_VARIANT_ADD(badparam, devices_0) { .params = "devices=0" };
FIXTURE_VARIANT_ADD(badparam, devices_17) { .params = "devices=17" };
FIXTURE_VARIANT_ADD(badparam, arena_1000_not_page_multiple) {
	.params = "arena_size=1000"
};
FIXTURE_VARIANT_ADD(badparam, arena_4096_below_64k) {
	.params = "arena_size=4096"
};
FIXTURE_VARIANT_ADD(badparam, arena_64k_plus_1000_not_page_multiple) {
	.params = "arena_size=66536"
};
FIXTURE_VARIANT_ADD(badparam, arena_0) { .params = "arena_size=0" };
FIXTURE_VARIANT_ADD(badparam, max_regions_0) { .params = "max_regions=0" };
FIXTURE_VARIANT_ADD(badparam, max_regions_above_2_20) {
	.params = "max_regions=1048577"
};
FIXTURE_VARIANT_ADD(badparam, devices_not_a_number) {
	.params = "devices=two"
};
FIXTURE_VARIANT_ADD(badparam, good_devices_bad_arena) {
	.params = "devices=2 arena_size=4096"
};
FIXTURE_VARIANT_ADD(badparam, more_sizes_than_devices) {
	.params = "devices=2 arena_sizes=65536,65536,65536"
};
FIXTURE_VARIANT_ADD(badparam, size_below_64k) {
	.params = "devices=2 arena_sizes=65536,4096"
};
FIXTURE_VARIANT_ADD(badparam, size_not_page_multiple) {
	.params = "devices=2 arena_sizes=66536"
};
FIXTURE_VARIANT_ADD(badparam, size_above_4gib) {
	.params = "arena_sizes=8589934592"
};
FIXTURE_VARIANT_ADD(badparam, seventeen_sizes) {
	.params = "devices=16 arena_sizes=65536,65536,65536,65536,65536,"
		  "65536,65536,65536,65536,65536,65536,65536,65536,65536,"
		  "65536,65536,65536"
};

FIXTURE_SETUP(badparam)
{
	const char *ko = getenv("NNMEM_KO");

	ASSERT_TRUE(ko && *ko) {
		TH_LOG("NNMEM_KO must name nnmem.ko");
	}
	ASSERT_FALSE(nt_module_loaded());
}

FIXTURE_TEARDOWN(badparam)
{
	if (nt_module_loaded())
		EXPECT_EQ(0, nt_module_unload());
}

TEST_F(badparam, load_fails_with_einval_and_leaves_nothing)
{
	ASSERT_EQ(-EINVAL, nt_module_load(variant->params)) {
		TH_LOG("params '%s'", variant->params);
	}
	ASSERT_FALSE(nt_module_loaded());
	ASSERT_FALSE(dev_exists(0));
	ASSERT_EQ(-ENOENT, nt_module_unload());
	/* And a good load still works afterwards. */
	ASSERT_EQ(0, nt_module_load(""));
	ASSERT_EQ(0, nt_module_unload());
}

TEST_F(mod, unload_refused_with_ewouldblock_while_a_file_is_open)
{
	int fd;

	ASSERT_EQ(0, nt_module_load("devices=2"));
	fd = nt_open(1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-EWOULDBLOCK, nt_module_unload());
	ASSERT_TRUE(nt_module_loaded());
	/* The open session still works after the refused unload. */
	ASSERT_EQ(0, nt_weight(fd, 64, 0, NULL, NULL));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, nt_module_unload());
	ASSERT_FALSE(nt_module_loaded());
}

TEST_F(mod, unload_refused_while_a_mapping_outlives_its_file)
{
	struct nnmem_region_info ri;
	unsigned char *p;
	uint32_t h;
	int fd;

	ASSERT_EQ(0, nt_module_load(""));
	fd = nt_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nt_alloc(fd, 4096, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, NULL, &h, NULL));
	ASSERT_EQ(0, nt_region_info(fd, h, &ri));
	p = mmap(NULL, ri.span, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)ri.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(-EWOULDBLOCK, nt_module_unload());
	p[0] = 1;
	ASSERT_EQ(0, munmap(p, ri.span));
	ASSERT_EQ(0, nt_module_unload());
}

/*
 * Load and unload in a loop, each round leaving something different
 * behind: nothing, an open file with regions, a mapping that outlived its
 * file, or a child killed with SIGKILL while holding both. Unload is
 * refused exactly while something is left and succeeds once it is gone.
 * A load of the debug kernel's module takes about 3 s under TCG on a
 * busy host: the 12 rounds can pass the harness's default 30 s.
 */
TEST_F_TIMEOUT(mod, load_unload_loop_with_open_files_mappings_and_killed_holders,
	       300)
{
	struct nnmem_region_info ri;
	int round, fd, fd1, status, pipefd[2];
	unsigned char *p;
	pid_t child;
	uint32_t h;
	char c;

	for (round = 0; round < 12; round++) {
		ASSERT_EQ(0, nt_module_load("devices=2"));
		fd = nt_open(0);
		ASSERT_LE(0, fd);
		fd1 = nt_open(1);
		ASSERT_LE(0, fd1);
		ASSERT_EQ(0, nt_weight(fd1, 100, 0, NULL, NULL));
		ASSERT_EQ(0, nt_alloc(fd, 8192, 0, NNMEM_KIND_ACTIVATION,
				      NNMEM_ALLOC_MAPPABLE, NULL, &h, NULL));
		ASSERT_EQ(0, nt_region_info(fd, h, &ri));
		p = mmap(NULL, ri.span, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, (off_t)ri.mmap_offset);
		ASSERT_NE(MAP_FAILED, p);
		p[ri.span - 1] = (unsigned char)round;

		switch (round % 4) {
		case 0:		/* everything released first */
			ASSERT_EQ(0, munmap(p, ri.span));
			ASSERT_EQ(0, close(fd));
			ASSERT_EQ(0, close(fd1));
			break;
		case 1:		/* an open file with a region */
			ASSERT_EQ(0, munmap(p, ri.span));
			ASSERT_EQ(0, close(fd));
			ASSERT_EQ(-EWOULDBLOCK, nt_module_unload());
			ASSERT_EQ(0, close(fd1));
			break;
		case 2:		/* a mapping that outlived its file */
			ASSERT_EQ(0, close(fd));
			ASSERT_EQ(0, close(fd1));
			ASSERT_EQ(-EWOULDBLOCK, nt_module_unload());
			ASSERT_EQ((unsigned char)round, p[ri.span - 1]);
			ASSERT_EQ(0, munmap(p, ri.span));
			break;
		default:	/* a child holding file and mapping, killed */
			ASSERT_EQ(0, pipe(pipefd));
			child = fork();
			ASSERT_LE(0, child);
			if (child == 0) {
				close(pipefd[0]);
				/* inherited fd, fd1 and mapping; one more */
				if (nt_weight(fd, 64, 0, NULL, NULL) ||
				    write(pipefd[1], "r", 1) != 1)
					_exit(1);
				for (;;)
					pause();
			}
			close(pipefd[1]);
			ASSERT_EQ(1, read(pipefd[0], &c, 1));
			close(pipefd[0]);
			ASSERT_EQ(0, munmap(p, ri.span));
			ASSERT_EQ(0, close(fd));
			ASSERT_EQ(0, close(fd1));
			ASSERT_EQ(-EWOULDBLOCK, nt_module_unload());
			ASSERT_EQ(0, kill(child, SIGKILL));
			ASSERT_EQ(child, waitpid(child, &status, 0));
			ASSERT_TRUE(WIFSIGNALED(status));
			break;
		}
		ASSERT_EQ(0, nt_module_unload()) {
			TH_LOG("round %d", round);
		}
		ASSERT_FALSE(nt_module_loaded());
		ASSERT_FALSE(dev_exists(0));
	}
}

/* Discard what /dev/kmsg holds so far; return the fd positioned after. */
static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Whether a record written since kmsg_open_at_end() contains @needle. */
static bool kmsg_contains(int fd, const char *needle)
{
	char rec[2048];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten records */
			continue;
		if (n <= 0)
			return false;
		rec[n] = '\0';
		if (strstr(rec, needle))
			return true;
	}
}

TEST_F(mod, arena_of_64mib_needs_cma_and_says_so)
{
	const uint64_t big = 64ULL << 20;
	unsigned long cma_kb = cma_total_kb();
	int kmsg, fd;

	if (!cma_kb) {
		/* No CMA: the page allocator cannot give 64 MiB at once. */
		kmsg = kmsg_open_at_end();
		ASSERT_LE(0, kmsg);
		ASSERT_EQ(-ENOMEM, nt_module_load("arena_size=67108864"));
		ASSERT_FALSE(nt_module_loaded());
		ASSERT_TRUE(kmsg_contains(kmsg, "cma=")) {
			TH_LOG("no kernel message mentioning cma=");
		}
		close(kmsg);
		return;
	}

	/* CMA present (debug kernel booted with cma=): it must work. */
	TH_LOG("CmaTotal %lu kB", cma_kb);
	ASSERT_EQ(0, nt_module_load("arena_size=67108864"));
	fd = nt_open(0);
	ASSERT_LE(0, fd);
	{
		const uint64_t wsize = 6ULL << 20, asize = 1ULL << 20;
		unsigned char *in = malloc(wsize), *out = malloc(wsize);
		struct nnmem_info info;
		uint64_t off;
		uint32_t hw, ha;

		ASSERT_NE(NULL, in);
		ASSERT_NE(NULL, out);
		ASSERT_EQ(0, nt_info(fd, &info));
		ASSERT_EQ(big, info.arena_size);
		/* A weight across the 4 MiB mark, an activation at the top. */
		ASSERT_EQ(0, nt_weight(fd, wsize, 0, &hw, &off));
		ASSERT_EQ(0, off);
		ASSERT_EQ(0, nt_activation(fd, asize, 0, &ha, &off));
		ASSERT_EQ(big - asize, off);
		nt_pattern(in, wsize, 21);
		ASSERT_EQ(0, nt_write(fd, hw, 0, in, wsize));
		ASSERT_EQ(0, nt_read(fd, hw, 0, out, wsize));
		ASSERT_EQ(0, memcmp(in, out, wsize));
		nt_pattern(in, asize, 22);
		ASSERT_EQ(0, nt_write(fd, ha, 0, in, asize));
		ASSERT_EQ(0, nt_read(fd, ha, 0, out, asize));
		ASSERT_EQ(0, memcmp(in, out, asize));
		free(in);
		free(out);
	}
	close(fd);
	ASSERT_EQ(0, nt_module_unload());
}

TEST_HARNESS_MAIN
