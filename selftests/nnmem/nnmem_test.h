/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the nnmem kselftest suites. They drive the raw uapi
 * (ioctl/mmap on /dev/nnmemN) and return 0 or a negative errno, so that a
 * test can ASSERT_EQ(-EINVAL, ...) on the exact error.
 */
#ifndef NNMEM_TEST_H
#define NNMEM_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/nnmem.h>

#define NNMEM_TEST_ARENA_DEFAULT	(4ULL << 20)
#define NNMEM_TEST_MAX_REGIONS_DEFAULT	4096

static inline uint64_t nt_align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline uint64_t nt_align_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}

static inline int nt_open(int index)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/nnmem%d", index);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static inline int nt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* The same command with another struct size, as an older/newer binary. */
static inline unsigned long nt_cmd_sized(unsigned long cmd, size_t size)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

static inline int nt_info(int fd, struct nnmem_info *info)
{
	memset(info, 0, sizeof(*info));
	return nt_ioctl(fd, NNMEM_IOCTL_INFO, info);
}

static inline int nt_usage(int fd, struct nnmem_usage *u)
{
	memset(u, 0, sizeof(*u));
	return nt_ioctl(fd, NNMEM_IOCTL_USAGE, u);
}

static inline int nt_alloc(int fd, uint64_t size, uint32_t align,
			   uint32_t kind, uint32_t flags, const char *label,
			   uint32_t *handle, uint64_t *offset)
{
	struct nnmem_alloc a;
	int err;

	memset(&a, 0, sizeof(a));
	a.size = size;
	a.align = align;
	a.kind = kind;
	a.flags = flags;
	if (label)
		strncpy((char *)a.label, label, sizeof(a.label) - 1);
	err = nt_ioctl(fd, NNMEM_IOCTL_ALLOC, &a);
	if (err)
		return err;
	if (handle)
		*handle = a.handle;
	if (offset)
		*offset = a.offset;
	return 0;
}

static inline int nt_weight(int fd, uint64_t size, uint32_t align,
			    uint32_t *handle, uint64_t *offset)
{
	return nt_alloc(fd, size, align, NNMEM_KIND_WEIGHT, 0, NULL, handle,
			offset);
}

static inline int nt_activation(int fd, uint64_t size, uint32_t align,
				uint32_t *handle, uint64_t *offset)
{
	return nt_alloc(fd, size, align, NNMEM_KIND_ACTIVATION, 0, NULL,
			handle, offset);
}

static inline int nt_free(int fd, uint32_t handle)
{
	struct nnmem_free f = { .handle = handle };

	return nt_ioctl(fd, NNMEM_IOCTL_FREE, &f);
}

static inline int nt_region_info(int fd, uint32_t handle,
				 struct nnmem_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->handle = handle;
	return nt_ioctl(fd, NNMEM_IOCTL_REGION_INFO, ri);
}

static inline int nt_rw(int fd, unsigned long cmd, uint32_t handle,
			uint64_t offset, const void *buf, uint64_t len)
{
	struct nnmem_rw rw;

	memset(&rw, 0, sizeof(rw));
	rw.handle = handle;
	rw.offset = offset;
	rw.length = len;
	rw.data = (uint64_t)(uintptr_t)buf;
	return nt_ioctl(fd, cmd, &rw);
}

static inline int nt_write(int fd, uint32_t handle, uint64_t offset,
			   const void *buf, uint64_t len)
{
	return nt_rw(fd, NNMEM_IOCTL_WRITE, handle, offset, buf, len);
}

static inline int nt_read(int fd, uint32_t handle, uint64_t offset,
			  void *buf, uint64_t len)
{
	return nt_rw(fd, NNMEM_IOCTL_READ, handle, offset, buf, len);
}

/* ---- graphs and jobs (raw ioctls) ---- */

static inline uint64_t nt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * GRAPH_CREATE with element sizes of the caller's choice; @req gets the
 * kernel's answer (graph, err_reason, err_node, err_tensor).
 */
static inline int nt_graph_create_sized(int fd, const void *tensors,
					uint32_t tensor_count,
					uint32_t tensor_size, const void *nodes,
					uint32_t node_count, uint32_t node_size,
					struct nnmem_graph_create *req)
{
	memset(req, 0, sizeof(*req));
	req->tensors = (uint64_t)(uintptr_t)tensors;
	req->nodes = (uint64_t)(uintptr_t)nodes;
	req->tensor_count = tensor_count;
	req->tensor_size = tensor_size;
	req->node_count = node_count;
	req->node_size = node_size;
	/* so that a test sees whether the kernel wrote them */
	req->graph = 0xdeadbeef;
	req->err_reason = 0xdeadbeef;
	req->err_node = 0xdeadbeef;
	req->err_tensor = 0xdeadbeef;
	return nt_ioctl(fd, NNMEM_IOCTL_GRAPH_CREATE, req);
}

static inline int nt_graph_create(int fd, const struct nnmem_tensor *tensors,
				  uint32_t tensor_count,
				  const struct nnmem_node *nodes,
				  uint32_t node_count,
				  struct nnmem_graph_create *req)
{
	return nt_graph_create_sized(fd, tensors, tensor_count,
				     sizeof(*tensors), nodes, node_count,
				     sizeof(*nodes), req);
}

static inline int nt_graph_destroy(int fd, uint32_t graph)
{
	struct nnmem_graph_destroy d = { .graph = graph };

	return nt_ioctl(fd, NNMEM_IOCTL_GRAPH_DESTROY, &d);
}

/* Synchronous RUN: the job's result; @r (may be NULL) gets time and MACs. */
static inline int nt_run(int fd, uint32_t graph, struct nnmem_run *r)
{
	struct nnmem_run tmp;

	if (!r)
		r = &tmp;
	memset(r, 0, sizeof(*r));
	r->graph = graph;
	return nt_ioctl(fd, NNMEM_IOCTL_RUN, r);
}

static inline int nt_submit(int fd, uint32_t graph, uint64_t *job)
{
	struct nnmem_run r;
	int err;

	memset(&r, 0, sizeof(r));
	r.graph = graph;
	r.flags = NNMEM_RUN_ASYNC;
	err = nt_ioctl(fd, NNMEM_IOCTL_RUN, &r);
	if (!err && job)
		*job = r.job;
	return err;
}

/* WAIT until the absolute CLOCK_MONOTONIC @deadline; @w gets the answer. */
static inline int nt_wait(int fd, uint64_t job, uint64_t deadline,
			  struct nnmem_wait *w)
{
	struct nnmem_wait tmp;

	if (!w)
		w = &tmp;
	memset(w, 0, sizeof(*w));
	w->job = job;
	w->deadline_ns = deadline;
	return nt_ioctl(fd, NNMEM_IOCTL_WAIT, w);
}

static inline int nt_cancel(int fd, uint64_t job)
{
	struct nnmem_cancel c;

	memset(&c, 0, sizeof(c));
	c.job = job;
	return nt_ioctl(fd, NNMEM_IOCTL_CANCEL, &c);
}

/* Everything but the high-water marks, which only ever grow since load. */
static inline bool nt_usage_same(const struct nnmem_usage *a,
				 const struct nnmem_usage *b)
{
	return a->arena_size == b->arena_size &&
	       a->weight_bytes == b->weight_bytes &&
	       a->activation_bytes == b->activation_bytes &&
	       a->free_bytes == b->free_bytes &&
	       a->largest_free == b->largest_free &&
	       a->weight_top == b->weight_top &&
	       a->activation_bottom == b->activation_bottom &&
	       a->weight_regions == b->weight_regions &&
	       a->activation_regions == b->activation_regions &&
	       a->free_extents == b->free_extents &&
	       a->deferred_regions == b->deferred_regions &&
	       a->session_regions == b->session_regions &&
	       a->session_bytes == b->session_bytes &&
	       a->deferred_bytes == b->deferred_bytes;
}

/* Nothing allocated anywhere on the device. */
static inline bool nt_usage_empty(const struct nnmem_usage *u)
{
	return u->weight_bytes == 0 && u->activation_bytes == 0 &&
	       u->free_bytes == u->arena_size &&
	       u->largest_free == u->arena_size &&
	       u->weight_top == 0 && u->activation_bottom == u->arena_size &&
	       u->weight_regions == 0 && u->activation_regions == 0 &&
	       u->free_extents == 1 && u->deferred_regions == 0 &&
	       u->session_regions == 0 && u->session_bytes == 0 &&
	       u->deferred_bytes == 0 && u->__pad == 0 &&
	       u->session_kmem == 0 && u->device_kmem == 0;
}

/*
 * A whole small file (sysfs, procfs) into @buf, NUL-terminated: its length
 * or -errno.
 */
static inline ssize_t nt_file_read(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/*
 * A file holding one decimal number and a newline, nothing else: 0 or
 * -errno (-EBADMSG for any other content).
 */
static inline int nt_file_read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;
	ssize_t n;

	*v = 0;
	n = nt_file_read(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (n < 2 || buf[n - 1] != '\n' || buf[0] < '0' || buf[0] > '9')
		return -EBADMSG;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || end != buf + n - 1)
		return -EBADMSG;
	return 0;
}

/* Write @s to @path in one write(): 0 or the -errno it failed with. */
static inline int nt_file_write(const char *path, const char *s)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* Write @v and a newline to @path: 0 or the -errno it failed with. */
static inline int nt_file_write_u64(const char *path, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
	return nt_file_write(path, buf);
}

/*
 * Load the module under test ($NNMEM_KO, set by the rig) with @params:
 * 0 or -errno (-ENOEXEC without $NNMEM_KO). For the suites that load and
 * unload it themselves.
 */
static inline int nt_module_load(const char *params)
{
	const char *ko = getenv("NNMEM_KO");
	int fd, ret;

	if (!ko || !*ko)
		return -ENOEXEC;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = (int)syscall(SYS_finit_module, fd, params, 0);
	ret = ret < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static inline int nt_module_unload(void)
{
	return syscall(SYS_delete_module, "nnmem", O_NONBLOCK) < 0 ?
	       -errno : 0;
}

static inline bool nt_module_loaded(void)
{
	return access("/sys/module/nnmem", F_OK) == 0;
}

/* The module parameter choosing the kernel path of new graphs. */
#define NT_FAST_PATH_PARAM	"/sys/module/nnmem/parameters/fast_path"

/* Set fast_path to @path (-1: the best): 0 or the write's -errno. */
static inline int nt_fast_path_set(int path)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d\n", path);
	return nt_file_write(NT_FAST_PATH_PARAM, buf);
}

/* Whether /proc/cpuinfo's first "flags" line has the word @flag. */
static inline bool nt_cpu_flag(const char *flag)
{
	static char line[8192];
	bool found = false;
	size_t fl = strlen(flag);
	char *p;
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (p = strchr(line, ':'); p && *p; p++) {
			if ((p[-1] == ' ' || p[-1] == ':') &&
			    !strncmp(p, flag, fl) &&
			    (p[fl] == ' ' || p[fl] == '\n' || !p[fl])) {
				found = true;
				break;
			}
		}
		break;
	}
	fclose(f);
	return found;
}

/*
 * The best kernel path of this CPU (an NNMEM_PATH_*), from the CPU flags
 * the kernel reports, not from the driver.
 */
static inline int nt_best_path(void)
{
	if (nt_cpu_flag("avx512f") && nt_cpu_flag("avx512bw") &&
	    nt_cpu_flag("avx512vl") && nt_cpu_flag("avx512_vnni"))
		return NNMEM_PATH_AVX512;
	if (nt_cpu_flag("avx2"))
		return NNMEM_PATH_AVX2;
	return NNMEM_PATH_REFERENCE;	/* the scalar path only when forced */
}

static inline void nt_pattern(void *buf, size_t len, unsigned int seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 131 + seed * 17 + (i >> 8)) ^ seed);
}

/* Assert that a usage snapshot of @fd equals @before (failed call check). */
#define ASSERT_USAGE_UNCHANGED(fd, before) do { \
	struct nnmem_usage __now; \
	ASSERT_EQ(0, nt_usage((fd), &__now)); \
	ASSERT_TRUE(nt_usage_same(&__now, (before))); \
} while (0)

#define ASSERT_USAGE_EMPTY(fd) do { \
	struct nnmem_usage __now; \
	ASSERT_EQ(0, nt_usage((fd), &__now)); \
	ASSERT_TRUE(nt_usage_empty(&__now)) { \
		TH_LOG("not empty: w=%llu a=%llu free=%llu extents=%u deferred=%u session=%u", \
		       (unsigned long long)__now.weight_bytes, \
		       (unsigned long long)__now.activation_bytes, \
		       (unsigned long long)__now.free_bytes, \
		       __now.free_extents, __now.deferred_regions, \
		       __now.session_regions); \
	} \
} while (0)

/*
 * The start of most fixtures: a session of /dev/nnmem0 in @fd (an lvalue),
 * its INFO in *@info and its USAGE in *@u, which must be empty.
 */
#define NT_SETUP_SESSION(fd, info, u) do { \
	(fd) = nt_open(0); \
	ASSERT_LE(0, (fd)) { \
		TH_LOG("open /dev/nnmem0: %s", strerror(-(fd))); \
	} \
	ASSERT_EQ(0, nt_info((fd), (info))); \
	ASSERT_EQ(0, nt_usage((fd), (u))); \
	ASSERT_TRUE(nt_usage_empty(u)) { \
		TH_LOG("arena not empty at test start"); \
	} \
} while (0)

/*
 * An add node's parameters as the suites use them: @in1 + @in2 into @out,
 * all three int8 at the same scale, over the whole int8 range.
 */
static inline struct nnmem_add nt_add_params(uint32_t in1, uint32_t in2,
					     uint32_t out)
{
	return (struct nnmem_add){
		.input1 = in1, .input2 = in2, .output = out,
		.left_shift = 20, .input1_multiplier = 1073741824,
		.input2_multiplier = 1073741824,
		.output_multiplier = 1073741824, .output_shift = -19,
		.act_min = -128, .act_max = 127,
	};
}

#endif /* NNMEM_TEST_H */
