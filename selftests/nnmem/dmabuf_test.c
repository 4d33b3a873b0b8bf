// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem dma-buf export (NNMEM_IOCTL_EXPORT): the fd passed to another
 * process over a unix socket and mapped there, bytes equal both ways; the
 * region's space reserved while a dma-buf or a mapping of it lives, after
 * FREE and after the exporter closed; DMA_BUF_IOCTL_SYNC; several exports
 * of one region; read-only exports; every bad input with its errno and
 * nothing changed; the module reference a dma-buf holds; a device driver
 * importing it (vgem, as the kernel's dma-buf heap selftest does: its
 * PRIME import attaches and maps the dma-buf for its device, so it runs
 * the exporter's attach, map_dma_buf, unmap_dma_buf and detach). Expects nnmem
 * loaded and nothing allocated when each test starts. The expected bytes
 * are nt_pattern()'s, written through one path and read through another.
 */
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <linux/dma-buf.h>
#include <drm/drm.h>

#include "kselftest_harness.h"
#include "nl_kit.h"
#include "nnmem_test.h"

#define REFCNT_PATH	"/sys/module/nnmem/refcnt"
/* Set by the VM rig, which loads vgem: its absence is then a failure. */
#define REQUIRE_VGEM	"NNMEM_REQUIRE_VGEM"

FIXTURE(dmabuf) {
	int fd;
	struct nnmem_info info;
	uint64_t page;
};

FIXTURE_SETUP(dmabuf)
{
	struct nnmem_usage u;

	NT_SETUP_SESSION(self->fd, &self->info, &u);
	self->page = self->info.page_size;
	ASSERT_EQ(0, u.dmabufs);
}

FIXTURE_TEARDOWN(dmabuf)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* A raw EXPORT; returns the fd or a negative errno. */
static int db_export(int fd, uint32_t handle, uint32_t flags)
{
	struct nnmem_export e;
	int err;

	memset(&e, 0, sizeof(e));
	e.handle = handle;
	e.flags = flags;
	e.fd = -1;
	err = nt_ioctl(fd, NNMEM_IOCTL_EXPORT, &e);
	return err ? err : e.fd;
}

static int db_alloc(int fd, uint64_t size, uint32_t *h,
		    struct nnmem_region_info *ri)
{
	int err = nt_alloc(fd, size, 0, NNMEM_KIND_WEIGHT,
			   NNMEM_ALLOC_MAPPABLE, NULL, h, NULL);

	return err ? err : nt_region_info(fd, *h, ri);
}

static void *db_map(int fd, size_t len, int prot, off_t off, int *err)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	*err = p == MAP_FAILED ? -errno : 0;
	return p;
}

static int db_sync(int dfd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(dfd, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
}

static int db_send_fd(int sock, int fd)
{
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *cm;

	memset(&c, 0, sizeof(c));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int db_recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* One byte each way, for the steps between the two processes. */
static int db_put(int sock, char c)
{
	return write(sock, &c, 1) == 1 ? 0 : -1;
}

static char db_get(int sock)
{
	char c;

	return read(sock, &c, 1) == 1 ? c : 0;
}

static bool db_is_pattern(const void *p, size_t len, unsigned int seed)
{
	unsigned char *want = malloc(len);
	bool same;

	if (!want)
		return false;
	nt_pattern(want, len, seed);
	same = !memcmp(p, want, len);
	free(want);
	return same;
}

static long db_refcnt(void)
{
	char buf[32] = "";
	long v = -1;
	FILE *f = fopen(REFCNT_PATH, "r");

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

TEST_F(dmabuf, info_reports_the_dmabuf_capability)
{
	ASSERT_TRUE(self->info.caps & NNMEM_CAP_DMABUF);
	ASSERT_LE(4, self->info.uapi_version);
}

TEST_F(dmabuf, export_gives_an_fd_of_the_span_with_the_asked_mode)
{
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	uint32_t h;
	int dfd, dro;

	ASSERT_EQ(0, db_alloc(self->fd, 3 * self->page + 7, &h, &ri));
	ASSERT_EQ(4 * self->page, ri.span);

	dfd = db_export(self->fd, h, NNMEM_EXPORT_RDWR | NNMEM_EXPORT_CLOEXEC);
	ASSERT_LE(0, dfd);
	/* the dma-buf core's llseek gives the size */
	ASSERT_EQ((off_t)ri.span, lseek(dfd, 0, SEEK_END));
	ASSERT_EQ(O_RDWR, fcntl(dfd, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(FD_CLOEXEC, fcntl(dfd, F_GETFD) & FD_CLOEXEC);

	dro = db_export(self->fd, h, 0);
	ASSERT_LE(0, dro);
	ASSERT_NE(dfd, dro);
	ASSERT_EQ(O_RDONLY, fcntl(dro, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, fcntl(dro, F_GETFD) & FD_CLOEXEC);

	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(2, u.dmabufs);
	ASSERT_EQ(1, u.session_regions);
	ASSERT_EQ(0, u.deferred_regions);
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, close(dro));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(0, u.dmabufs);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

/*
 * The exporter writes through its own mapping of the region; another
 * process gets the fd over a unix socket, maps the dma-buf, checks the
 * bytes and writes others back, which the exporter sees in its mapping
 * and through READ.
 */
TEST_F(dmabuf, fd_passed_to_another_process_maps_the_same_bytes)
{
	const size_t span = 2 * self->page;
	struct nnmem_region_info ri;
	unsigned char *rbuf, *mine;
	int sv[2], dfd, err, status;
	uint32_t h;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char *p;
		int rfd;

		/* the importer holds nothing of nnmem but what it is given */
		close(self->fd);
		close(sv[0]);
		rfd = db_recv_fd(sv[1]);
		if (rfd < 0)
			_exit(10);
		p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED,
			 rfd, 0);
		if (p == MAP_FAILED)
			_exit(11);
		if (db_sync(rfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW))
			_exit(12);
		if (!db_is_pattern(p, span, 1))
			_exit(13);
		nt_pattern(p, span, 2);
		if (db_sync(rfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW))
			_exit(14);
		if (db_put(sv[1], 'w'))
			_exit(15);
		_exit(0);
	}
	close(sv[1]);

	ASSERT_EQ(0, db_alloc(self->fd, span, &h, &ri));
	mine = db_map(self->fd, span, PROT_READ | PROT_WRITE,
		      (off_t)ri.mmap_offset, &err);
	ASSERT_EQ(0, err);
	nt_pattern(mine, span, 1);
	dfd = db_export(self->fd, h, NNMEM_EXPORT_RDWR);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, db_send_fd(sv[0], dfd));
	ASSERT_EQ('w', db_get(sv[0]));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	ASSERT_TRUE(db_is_pattern(mine, span, 2));
	rbuf = malloc(span);
	ASSERT_NE(NULL, rbuf);
	ASSERT_EQ(0, nt_read(self->fd, h, 0, rbuf, span));
	ASSERT_TRUE(db_is_pattern(rbuf, span, 2));
	free(rbuf);

	ASSERT_EQ(0, munmap(mine, span));
	ASSERT_EQ(0, close(dfd));
	close(sv[0]);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

/*
 * The exporter frees the region, closes the dma-buf and its session while
 * another process maps the dma-buf: the bytes stay, the space stays
 * reserved and counted as deferred until the importer unmaps.
 */
TEST_F(dmabuf, importer_keeps_the_space_after_free_and_exporter_close)
{
	const size_t span = 3 * self->page;
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	int sv[2], dfd, obs, status;
	unsigned char *buf;
	uint32_t h;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char *p;
		int rfd;

		close(self->fd);
		close(sv[0]);
		rfd = db_recv_fd(sv[1]);
		if (rfd < 0)
			_exit(10);
		p = mmap(NULL, span, PROT_READ, MAP_SHARED, rfd, 0);
		if (p == MAP_FAILED)
			_exit(11);
		/* the mapping alone holds the dma-buf from here */
		close(rfd);
		if (db_put(sv[1], 'm') || db_get(sv[1]) != 'c')
			_exit(12);
		if (!db_is_pattern(p, span, 3))
			_exit(13);
		if (db_put(sv[1], 'k') || db_get(sv[1]) != 'q')
			_exit(14);
		munmap(p, span);
		_exit(0);
	}
	close(sv[1]);

	buf = malloc(span);
	ASSERT_NE(NULL, buf);
	nt_pattern(buf, span, 3);
	ASSERT_EQ(0, db_alloc(self->fd, span, &h, &ri));
	ASSERT_EQ(0, nt_write(self->fd, h, 0, buf, span));
	free(buf);
	dfd = db_export(self->fd, h, 0);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, db_send_fd(sv[0], dfd));
	ASSERT_EQ('m', db_get(sv[0]));

	obs = nt_open(0);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(-ENOENT, db_export(self->fd, h, 0));
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	ASSERT_EQ(0, nt_usage(obs, &u));
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(span, u.deferred_bytes);
	ASSERT_EQ(span, u.weight_bytes);
	ASSERT_EQ(1, u.weight_regions);
	ASSERT_EQ(u.arena_size - span, u.free_bytes);
	ASSERT_EQ(1, u.dmabufs);
	ASSERT_EQ(0, u.session_regions);

	ASSERT_EQ(0, db_put(sv[0], 'c'));
	ASSERT_EQ('k', db_get(sv[0]));
	ASSERT_EQ(0, db_put(sv[0], 'q'));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(sv[0]);

	ASSERT_USAGE_EMPTY(obs);
	ASSERT_EQ(0, nt_usage(obs, &u));
	ASSERT_EQ(0, u.dmabufs);
	close(obs);
}

/* The same in one process: the mapping outlives the fd, FREE and close. */
TEST_F(dmabuf, mapping_outlives_its_fd_the_handle_and_the_session)
{
	const size_t span = self->page;
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	unsigned char *p;
	int dfd, obs, err;
	uint32_t h;

	ASSERT_EQ(0, nt_alloc(self->fd, span, 0, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, NULL, &h, NULL));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	dfd = db_export(self->fd, h, NNMEM_EXPORT_RDWR);
	ASSERT_LE(0, dfd);
	p = db_map(dfd, span, PROT_READ | PROT_WRITE, 0, &err);
	ASSERT_EQ(0, err);
	nt_pattern(p, span, 4);
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	obs = nt_open(0);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, nt_usage(obs, &u));
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(span, u.deferred_bytes);
	ASSERT_EQ(span, u.activation_bytes);
	ASSERT_EQ(1, u.dmabufs);
	ASSERT_TRUE(db_is_pattern(p, span, 4));
	ASSERT_EQ(0, munmap(p, span));
	ASSERT_USAGE_EMPTY(obs);
	close(obs);
}

TEST_F(dmabuf, sync_start_and_end_work_and_bad_flags_get_einval)
{
	struct nnmem_region_info ri;
	uint32_t h;
	int dfd;

	ASSERT_EQ(0, db_alloc(self->fd, self->page, &h, &ri));
	dfd = db_export(self->fd, h, NNMEM_EXPORT_RDWR);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, db_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	ASSERT_EQ(0, db_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	ASSERT_EQ(0, db_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	ASSERT_EQ(0, db_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	ASSERT_EQ(0, db_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	ASSERT_EQ(0, db_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	/* neither read nor write, or a bit the core does not know */
	ASSERT_EQ(-EINVAL, db_sync(dfd, DMA_BUF_SYNC_START));
	ASSERT_EQ(-EINVAL, db_sync(dfd, DMA_BUF_SYNC_END));
	ASSERT_EQ(-EINVAL, db_sync(dfd, DMA_BUF_SYNC_RW | 0x8));
	ASSERT_EQ(-EINVAL, db_sync(dfd, DMA_BUF_SYNC_RW | (1ULL << 63)));
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(dmabuf, region_exported_twice_gives_two_dmabufs_of_one_region)
{
	const size_t span = 2 * self->page;
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	unsigned char *a, *b;
	int d1, d2, err;
	uint32_t h;

	ASSERT_EQ(0, db_alloc(self->fd, span, &h, &ri));
	d1 = db_export(self->fd, h, NNMEM_EXPORT_RDWR);
	ASSERT_LE(0, d1);
	d2 = db_export(self->fd, h, NNMEM_EXPORT_RDWR);
	ASSERT_LE(0, d2);
	ASSERT_NE(d1, d2);
	a = db_map(d1, span, PROT_READ | PROT_WRITE, 0, &err);
	ASSERT_EQ(0, err);
	b = db_map(d2, span, PROT_READ | PROT_WRITE, 0, &err);
	ASSERT_EQ(0, err);
	nt_pattern(a, span, 5);
	ASSERT_TRUE(db_is_pattern(b, span, 5));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(2, u.dmabufs);

	/* one goes entirely; FREE defers the region for the other */
	ASSERT_EQ(0, munmap(a, span));
	ASSERT_EQ(0, close(d1));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(1, u.dmabufs);
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(span, u.deferred_bytes);
	ASSERT_TRUE(db_is_pattern(b, span, 5));
	ASSERT_EQ(0, close(d2));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(0, munmap(b, span));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(dmabuf, export_of_an_unknown_or_freed_handle_gets_enoent)
{
	struct nnmem_region_info ri;
	struct nnmem_usage before;
	uint32_t h, other_h;
	int other;

	ASSERT_EQ(0, db_alloc(self->fd, self->page, &h, &ri));
	other = nt_open(0);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, db_alloc(other, self->page, &other_h, &ri));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, nt_usage(self->fd, &before));

	ASSERT_EQ(-ENOENT, db_export(self->fd, h, NNMEM_EXPORT_RDWR));
	ASSERT_EQ(-ENOENT, db_export(self->fd, 0, 0));
	ASSERT_EQ(-ENOENT, db_export(self->fd, 0xffffffffU, 0));
	/* another session's handle is unknown here */
	if (other_h != h)
		ASSERT_EQ(-ENOENT, db_export(self->fd, other_h, 0));
	ASSERT_USAGE_UNCHANGED(self->fd, &before);
	ASSERT_EQ(0, before.dmabufs);
	close(other);
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(dmabuf, export_of_a_region_that_is_not_mappable_gets_eacces)
{
	struct nnmem_usage before, after;
	uint32_t h;

	ASSERT_EQ(0, nt_weight(self->fd, self->page, 0, &h, NULL));
	ASSERT_EQ(0, nt_usage(self->fd, &before));
	ASSERT_EQ(-EACCES, db_export(self->fd, h, NNMEM_EXPORT_RDWR));
	ASSERT_EQ(-EACCES, db_export(self->fd, h, 0));
	ASSERT_USAGE_UNCHANGED(self->fd, &before);
	ASSERT_EQ(0, nt_usage(self->fd, &after));
	ASSERT_EQ(0, after.dmabufs);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(dmabuf, bad_flags_pad_or_reserved_get_einval_and_change_nothing)
{
	struct nnmem_usage before, after;
	struct nnmem_region_info ri;
	struct nnmem_export e;
	int i, probe, next;
	uint32_t h;

	ASSERT_EQ(0, db_alloc(self->fd, self->page, &h, &ri));
	ASSERT_EQ(0, nt_usage(self->fd, &before));
	/* the lowest free fd now: a failed EXPORT must leave it free */
	next = dup(0);
	ASSERT_LE(0, next);
	close(next);

	for (i = 0; i < 7; i++) {
		memset(&e, 0, sizeof(e));
		e.handle = h;
		e.flags = NNMEM_EXPORT_RDWR;
		switch (i) {
		case 0: e.flags = 0x4; break;
		case 1: e.flags |= 0x80000000U; break;
		case 2: e.flags = ~0U; break;
		case 3: e.__pad = 1; break;
		case 4: e.reserved[0] = 1; break;
		case 5: e.reserved[1] = 1ULL << 63; break;
		/* a bad flag wins over an unknown handle */
		case 6: e.handle = 0; e.flags = 0x10; break;
		}
		ASSERT_EQ(-EINVAL, nt_ioctl(self->fd, NNMEM_IOCTL_EXPORT, &e)) {
			TH_LOG("case %d", i);
		}
		ASSERT_USAGE_UNCHANGED(self->fd, &before);
		ASSERT_EQ(0, nt_usage(self->fd, &after));
		ASSERT_EQ(0, after.dmabufs);
		probe = dup(0);
		ASSERT_EQ(next, probe);
		close(probe);
	}
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(dmabuf, read_only_export_maps_only_for_reading)
{
	const size_t span = self->page;
	struct nnmem_region_info ri;
	unsigned char *p, *buf;
	int dfd, err;
	uint32_t h;

	buf = malloc(span);
	ASSERT_NE(NULL, buf);
	nt_pattern(buf, span, 6);
	ASSERT_EQ(0, db_alloc(self->fd, span, &h, &ri));
	ASSERT_EQ(0, nt_write(self->fd, h, 0, buf, span));
	free(buf);
	dfd = db_export(self->fd, h, 0);
	ASSERT_LE(0, dfd);

	db_map(dfd, span, PROT_READ | PROT_WRITE, 0, &err);
	ASSERT_EQ(-EACCES, err);
	p = db_map(dfd, span, PROT_READ, 0, &err);
	ASSERT_EQ(0, err);
	ASSERT_TRUE(db_is_pattern(p, span, 6));
	ASSERT_EQ(-1, mprotect(p, span, PROT_READ | PROT_WRITE));
	ASSERT_EQ(EACCES, errno);
	ASSERT_EQ(0, munmap(p, span));
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(dmabuf, private_or_out_of_range_mappings_get_einval)
{
	const size_t pg = self->page;
	struct nnmem_region_info ri;
	unsigned char *p, *buf;
	int dfd, err;
	uint32_t h;

	buf = malloc(3 * pg);
	ASSERT_NE(NULL, buf);
	nt_pattern(buf, 3 * pg, 7);
	ASSERT_EQ(0, db_alloc(self->fd, 3 * pg, &h, &ri));
	ASSERT_EQ(0, nt_write(self->fd, h, 0, buf, 3 * pg));
	dfd = db_export(self->fd, h, NNMEM_EXPORT_RDWR);
	ASSERT_LE(0, dfd);

	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, dfd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	db_map(dfd, 4 * pg, PROT_READ, 0, &err);
	ASSERT_EQ(-EINVAL, err);
	db_map(dfd, 2 * pg, PROT_READ, (off_t)(2 * pg), &err);
	ASSERT_EQ(-EINVAL, err);
	db_map(dfd, pg, PROT_READ, (off_t)(3 * pg), &err);
	ASSERT_EQ(-EINVAL, err);

	/* a page inside: the region's bytes at that offset */
	p = db_map(dfd, pg, PROT_READ, (off_t)(2 * pg), &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, memcmp(p, buf + 2 * pg, pg));
	ASSERT_EQ(0, munmap(p, pg));
	free(buf);
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

TEST_F(dmabuf, read_only_session_cannot_export)
{
	struct nnmem_region_info ri;
	int ro;
	uint32_t h;

	ASSERT_EQ(0, db_alloc(self->fd, self->page, &h, &ri));
	ro = open("/dev/nnmem0", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	ASSERT_EQ(-EBADF, db_export(ro, h, 0));
	close(ro);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_USAGE_EMPTY(self->fd);
}

/*
 * A dma-buf holds a module reference: with the session closed, unloading
 * fails while the dma-buf or a mapping of it lives, and the reference goes
 * with the last of them. The unload is only tried while the count shows a
 * reference, so the module stays loaded for the next suites.
 */
/* An open vgem device (DRM driver name "vgem"), or -1. */
static int db_open_vgem(void)
{
	char path[32], name[8];
	struct drm_version v;
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

/* Imports @dfd into vgem (attach + map for its device): 0 or -errno. */
static int db_vgem_import(int vgem, int dfd, uint32_t *gem)
{
	struct drm_prime_handle ph = { .fd = dfd };

	if (ioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph))
		return -errno;
	*gem = ph.handle;
	return 0;
}

static int db_vgem_close(int vgem, uint32_t gem)
{
	struct drm_gem_close gc = { .handle = gem };

	return ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gc) ? -errno : 0;
}

/*
 * A driver imports the dma-buf: the import maps it for the vgem device
 * (the exporter's map_dma_buf: an sg_table of the region, DMA-mapped) and
 * holds it (a read-only export refuses that mapping). With the fd
 * closed, the region freed and the exporting session closed, the
 * importer alone keeps the region's space deferred and the module
 * loaded; closing its GEM handle unmaps, detaches and releases all of it.
 */
TEST_F(dmabuf, importing_driver_maps_it_and_alone_keeps_the_region)
{
	const size_t span = 2 * self->page;
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	uint32_t h, gem = 0, gem2 = 0;
	unsigned char *buf;
	long base, held;
	int vgem, dfd, obs;

	vgem = db_open_vgem();
	if (vgem < 0) {
		if (getenv(REQUIRE_VGEM))
			ASSERT_LE(0, vgem) TH_LOG("no vgem device, but %s is set",
						  REQUIRE_VGEM);
		SKIP(return, "no vgem device (modprobe vgem)");
	}
	base = db_refcnt();
	ASSERT_LT(0, base);
	buf = malloc(span);
	ASSERT_NE(NULL, buf);
	nt_pattern(buf, span, 21);
	ASSERT_EQ(0, db_alloc(self->fd, span, &h, &ri));
	ASSERT_EQ(0, nt_write(self->fd, h, 0, buf, span));
	free(buf);
	/*
	 * A read-only export refuses the import's bidirectional mapping in
	 * map_dma_buf (the device could write it): the import fails whole.
	 */
	dfd = db_export(self->fd, h, 0);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(-EACCES, db_vgem_import(vgem, dfd, &gem));
	ASSERT_EQ(0, close(dfd));

	dfd = db_export(self->fd, h, NNMEM_EXPORT_RDWR);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, db_vgem_import(vgem, dfd, &gem));
	/* The same dma-buf again: DRM's import cache, the same object. */
	ASSERT_EQ(0, db_vgem_import(vgem, dfd, &gem2));
	ASSERT_EQ(gem, gem2);

	obs = nt_open(0);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	ASSERT_EQ(0, nt_usage(obs, &u));
	ASSERT_EQ(1, u.dmabufs);
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(span, u.deferred_bytes);
	ASSERT_EQ(span, u.weight_bytes);
	held = db_refcnt();
	ASSERT_LT(0, held);
	ASSERT_EQ(-1, syscall(__NR_delete_module, "nnmem", O_NONBLOCK));
	ASSERT_EQ(EWOULDBLOCK, errno);

	/* The importer lets go: unmap, detach, release. */
	ASSERT_EQ(0, db_vgem_close(vgem, gem));
	ASSERT_USAGE_EMPTY(obs);
	ASSERT_EQ(0, nt_usage(obs, &u));
	ASSERT_EQ(0, u.dmabufs);
	ASSERT_EQ(held - 1, db_refcnt());
	close(obs);
	close(vgem);
}

TEST_F(dmabuf, module_stays_while_a_dmabuf_lives)
{
	struct nnmem_region_info ri;
	long base, with, sess;
	unsigned char *p;
	int dfd, err;
	uint32_t h;

	base = db_refcnt();
	if (base < 0)
		SKIP(return, REFCNT_PATH " unreadable");
	ASSERT_EQ(0, db_alloc(self->fd, self->page, &h, &ri));
	dfd = db_export(self->fd, h, NNMEM_EXPORT_RDWR);
	ASSERT_LE(0, dfd);
	with = db_refcnt();
	ASSERT_EQ(base + 1, with);

	/* the session's own references (the cdev's and the file's) go */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	sess = db_refcnt();
	ASSERT_GT(with - 1, sess);
	ASSERT_LT(0, sess);
	ASSERT_EQ(-1, syscall(__NR_delete_module, "nnmem", O_NONBLOCK));
	ASSERT_EQ(EWOULDBLOCK, errno);

	/* the mapping alone holds it now */
	p = db_map(dfd, self->page, PROT_READ, 0, &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(sess, db_refcnt());
	ASSERT_EQ(-1, syscall(__NR_delete_module, "nnmem", O_NONBLOCK));
	ASSERT_EQ(EWOULDBLOCK, errno);
	ASSERT_EQ(0, munmap(p, self->page));
	ASSERT_EQ(sess - 1, db_refcnt());
}

/* ---- who holds it: netlink's dmabuf-get (nl_kit.h) ---- */

struct db_holder {
	uint32_t dev, handle, pid, mmaps, attachments, nattach;
	uint64_t session, inode;
	bool writable, freed, has_name;
	char name[64], comm[32];
	struct {
		char device[64];
		bool mapped;
	} attach[4];
};

struct db_holders {
	struct db_holder h[8];
	int n;
};

static void db_holder_parse(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[NLT_MAX_ATTR], *at[NLT_MAX_ATTR];
	struct db_holders *hs = arg;
	const struct nlattr *a;
	struct db_holder *d;
	int rem;

	if (hs->n >= (int)(sizeof(hs->h) / sizeof(hs->h[0]))) {
		hs->n++;
		return;
	}
	d = &hs->h[hs->n++];
	memset(d, 0, sizeof(*d));
	nlt_parse(nlh, tb);
	d->dev = nlt_u32(tb, NNMEM_A_DMABUF_DEV_INDEX);
	d->session = nlt_u64(tb, NNMEM_A_DMABUF_SESSION);
	d->handle = nlt_u32(tb, NNMEM_A_DMABUF_HANDLE);
	d->inode = nlt_u64(tb, NNMEM_A_DMABUF_INODE);
	d->has_name = tb[NNMEM_A_DMABUF_NAME];
	snprintf(d->name, sizeof(d->name), "%s",
		 nlt_str(tb, NNMEM_A_DMABUF_NAME));
	d->writable = tb[NNMEM_A_DMABUF_WRITABLE];
	d->freed = tb[NNMEM_A_DMABUF_FREED];
	d->pid = nlt_u32(tb, NNMEM_A_DMABUF_PID);
	snprintf(d->comm, sizeof(d->comm), "%s",
		 nlt_str(tb, NNMEM_A_DMABUF_COMM));
	d->mmaps = nlt_u32(tb, NNMEM_A_DMABUF_MMAPS);
	d->attachments = nlt_u32(tb, NNMEM_A_DMABUF_ATTACHMENTS);
	nlt_for_each_attr_of(a, nlh, NNMEM_A_DMABUF_ATTACHMENT, rem) {
		if (d->nattach < 4) {
			nlt_parse_nest(a, at);
			snprintf(d->attach[d->nattach].device,
				 sizeof(d->attach[0].device), "%s",
				 nlt_str(at, NNMEM_A_DMABUF_ATTACHMENT_DEVICE));
			d->attach[d->nattach].mapped =
				at[NNMEM_A_DMABUF_ATTACHMENT_MAPPED];
		}
		d->nattach++;
	}
}

/* dmabuf-get dump of one region (@session, @handle; 0: no filter). */
static int db_holders(struct nlt *nl, uint64_t session, uint32_t handle,
		      struct db_holders *hs)
{
	struct nlt_msg m;

	hs->n = 0;
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_DMABUF_GET);
	if (session)
		nlt_put_u64(&m, NNMEM_A_DMABUF_SESSION, session);
	if (handle)
		nlt_put_u32(&m, NNMEM_A_DMABUF_HANDLE, handle);
	return nlt_request(nl, &m, db_holder_parse, hs);
}

/* dmabuf-get do of @inode. */
static int db_holder_get(struct nlt *nl, uint64_t inode, struct db_holders *hs)
{
	struct nlt_msg m;

	hs->n = 0;
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DMABUF_GET);
	nlt_put_u64(&m, NNMEM_A_DMABUF_INODE, inode);
	return nlt_request(nl, &m, db_holder_parse, hs);
}

/*
 * The name of the device behind the DRM card @fd is open on, from sysfs
 * (/sys/dev/char/MAJ:MIN/device links to it): what the importer attaches
 * with, read apart from nnmem.
 */
static int db_card_device_name(int fd, char *name, size_t len)
{
	char path[64], link[256];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	snprintf(name, len, "%s", basename(link));
	return 0;
}

/* Exit status of a child that dumps dma-bufs as nobody: how many it saw. */
static int db_nobody_sees(void)
{
	struct db_holders hs;
	struct nlt nl;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgid(65534) || setuid(65534) ||
		    nlt_open(&nl, false, 0) || db_holders(&nl, 0, 0, &hs))
			_exit(100);
		_exit(hs.n);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * dmabuf-get names who holds a dma-buf: its inode (fstat's), the name
 * DMA_BUF_SET_NAME gave it, its mode, the exporting session (region-get's),
 * handle, pid and comm, its CPU mappings, and vgem's attachment by the
 * vgem device's sysfs name, mapped. Closing the GEM handle removes the
 * attachment, munmap the mapping, FREE sets freed, closing the fd removes
 * the dma-buf. Another uid sees none of it.
 */
TEST_F(dmabuf, netlink_names_the_holders_of_a_dmabuf)
{
	char want_dev[64], comm[32] = "";
	struct nnmem_region_info ri;
	struct db_holders hs;
	uint64_t session;
	struct stat st;
	uint32_t h, gem = 0;
	int vgem, dfd, err;
	struct nlt nl;
	void *p;
	FILE *f;

	vgem = db_open_vgem();
	if (vgem < 0) {
		if (getenv(REQUIRE_VGEM))
			ASSERT_LE(0, vgem) TH_LOG("no vgem device, but %s is set",
						  REQUIRE_VGEM);
		SKIP(return, "no vgem device (modprobe vgem)");
	}
	ASSERT_EQ(0, db_card_device_name(vgem, want_dev, sizeof(want_dev)));
	f = fopen("/proc/self/comm", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';

	ASSERT_EQ(0, nt_alloc(self->fd, 2 * self->page, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, "db-holders", &h, NULL));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	ASSERT_EQ(0, nlt_open(&nl, false, 0));
	ASSERT_EQ(0, nlt_region_of_label(&nl, "db-holders", &session, NULL));
	ASSERT_EQ(0, db_holders(&nl, session, h, &hs));
	ASSERT_EQ(0, hs.n);

	dfd = db_export(self->fd, h, NNMEM_EXPORT_RDWR);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(0, fstat(dfd, &st));
	ASSERT_EQ(0, ioctl(dfd, DMA_BUF_SET_NAME, "db-name"));
	p = db_map(dfd, self->page, PROT_READ, 0, &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, db_vgem_import(vgem, dfd, &gem));

	ASSERT_EQ(0, db_holders(&nl, session, h, &hs));
	ASSERT_EQ(1, hs.n);
	ASSERT_EQ(self->info.dev_index, hs.h[0].dev);
	ASSERT_EQ(session, hs.h[0].session);
	ASSERT_EQ(h, hs.h[0].handle);
	ASSERT_EQ((uint64_t)st.st_ino, hs.h[0].inode);
	ASSERT_TRUE(hs.h[0].has_name);
	ASSERT_STREQ("db-name", hs.h[0].name);
	ASSERT_TRUE(hs.h[0].writable);
	ASSERT_FALSE(hs.h[0].freed);
	ASSERT_EQ((uint32_t)getpid(), hs.h[0].pid);
	ASSERT_STREQ(comm, hs.h[0].comm);
	ASSERT_EQ(1, hs.h[0].mmaps);
	ASSERT_EQ(1, hs.h[0].attachments);
	ASSERT_EQ(1, hs.h[0].nattach);
	ASSERT_STREQ(want_dev, hs.h[0].attach[0].device);
	ASSERT_TRUE(hs.h[0].attach[0].mapped);
	/* the do by inode finds the same */
	ASSERT_EQ(0, db_holder_get(&nl, st.st_ino, &hs));
	ASSERT_EQ(1, hs.n);
	ASSERT_EQ(h, hs.h[0].handle);
	ASSERT_STREQ(want_dev, hs.h[0].attach[0].device);
	ASSERT_EQ(0, db_nobody_sees());

	/* the importer lets go: its attachment goes, the dma-buf stays */
	ASSERT_EQ(0, db_vgem_close(vgem, gem));
	ASSERT_EQ(0, db_holders(&nl, session, h, &hs));
	ASSERT_EQ(1, hs.n);
	ASSERT_EQ(0, hs.h[0].attachments);
	ASSERT_EQ(0, hs.h[0].nattach);
	ASSERT_EQ(1, hs.h[0].mmaps);
	ASSERT_EQ(0, munmap(p, self->page));
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, db_holders(&nl, session, h, &hs));
	ASSERT_EQ(1, hs.n);
	ASSERT_EQ(0, hs.h[0].mmaps);
	ASSERT_TRUE(hs.h[0].freed);

	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, db_holders(&nl, 0, 0, &hs));
	ASSERT_EQ(0, hs.n);
	ASSERT_EQ(-ENOENT, db_holder_get(&nl, st.st_ino, &hs));
	ASSERT_STREQ("no such nnmem dma-buf", nl.extack);
	ASSERT_USAGE_EMPTY(self->fd);
	close(nl.fd);
	close(vgem);
}

TEST_HARNESS_MAIN
