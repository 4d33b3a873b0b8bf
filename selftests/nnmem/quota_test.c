// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem arena quotas (uapi/linux/nnmem.h, "DOC: nnmem arena quotas";
 * driver/sysfs-class-nnmem): the per-session quotas of each kind and the
 * per-uid quotas set by root through /sys/class/nnmem/nnmem0; ALLOC
 * refused with EDQUOT exactly one byte past them, changing nothing; the
 * kinds independent; a uid's quota shared by two sessions of two
 * processes of that uid; a lowered quota refusing new allocations but
 * freeing nothing; FREE, munmap() of a freed region and close() giving the
 * charge back; the charges in USAGE and in quota_uid; bad writes refused.
 *
 * The expected charges are the spans asked for (unaligned sizes of
 * non-mappable regions are their own spans, mappable ones whole pages),
 * computed here, not read from the driver.
 *
 * Expects nnmem loaded with devices=2 and default parameters, nothing
 * allocated when each test starts, no other user of the devices, and root
 * (quotas are set through sysfs, and a child setresuid()s to the test
 * uids; every test puts the quotas and the device's mode back).
 */
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"

#define QT_DEV		"/dev/nnmem0"
#define QT_SYSFS	"/sys/class/nnmem/nnmem0/"
#define QT_SESSION_W	QT_SYSFS "quota_session_weight_bytes"
#define QT_SESSION_A	QT_SYSFS "quota_session_activation_bytes"
#define QT_UID		QT_SYSFS "quota_uid"

/* Test uids: no account needed, nobody else uses them. */
#define QT_UID_A	4242U
#define QT_UID_B	4243U
/* The uids of the table-size test: QT_UID_BASE .. QT_UID_BASE + 64. */
#define QT_UID_BASE	5000U
#define QT_UIDS_MAX	64

static int qt_set_uid(uint32_t uid, const char *w, const char *a)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%u %s %s\n", uid, w, a);
	return nt_file_write(QT_UID, buf);
}

/* The line of @uid in quota_uid into @line (no newline): 0 or -errno. */
static int qt_uid_line(uint32_t uid, char *line, size_t size)
{
	static char buf[8192];
	char key[16], *p;
	size_t n;

	if (nt_file_read(QT_UID, buf, sizeof(buf)) < 0)
		return -EIO;
	n = (size_t)snprintf(key, sizeof(key), "%u ", uid);
	for (p = buf; *p; p = strchr(p, '\n') + 1) {
		if (!strchr(p, '\n'))
			return -EBADMSG;
		if (!strncmp(p, key, n)) {
			size_t len = strchr(p, '\n') - p;

			if (len >= size)
				return -E2BIG;
			memcpy(line, p, len);
			line[len] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

/* Lines in quota_uid, or -errno. */
static int qt_uid_lines(void)
{
	static char buf[8192];
	int n = 0;
	char *p;

	if (nt_file_read(QT_UID, buf, sizeof(buf)) < 0)
		return -EIO;
	for (p = buf; *p; p++)
		n += *p == '\n';
	return n;
}

/* A fresh USAGE of @fd (harness-free: 0 or -errno). */
static int qt_usage(int fd, struct nnmem_usage *u)
{
	return nt_usage(fd, u);
}

/* A failed call changed nothing: USAGE is byte for byte @before. */
#define ASSERT_USAGE_SAME(fd, before) do { \
	struct nnmem_usage __now; \
	ASSERT_EQ(0, qt_usage((fd), &__now)); \
	ASSERT_EQ(0, memcmp(&__now, (before), sizeof(__now))); \
} while (0)

FIXTURE(quota) {
	int fd;			/* a root session of /dev/nnmem0 */
	struct nnmem_info info;
	uint64_t page;
	char session_w[32], session_a[32];	/* as found, put back */
	mode_t dev_mode;
	bool restore_mode;
};

FIXTURE_SETUP(quota)
{
	struct nnmem_usage u;

	self->fd = -1;
	self->restore_mode = false;
	if (geteuid() != 0)
		SKIP(return, "needs root to set quotas");
	self->page = (uint64_t)sysconf(_SC_PAGESIZE);
	ASSERT_LT(0, nt_file_read(QT_SESSION_W, self->session_w,
			     sizeof(self->session_w)));
	ASSERT_LT(0, nt_file_read(QT_SESSION_A, self->session_a,
			     sizeof(self->session_a)));
	NT_SETUP_SESSION(self->fd, &self->info, &u);
}

/*
 * In the parent: it runs even when the test process ended on a failed
 * ASSERT (the test process's exit closed its session), so that a failing
 * test leaves no quota behind for the next.
 */
FIXTURE_TEARDOWN_PARENT(quota)
{
	uint32_t i;

	if (geteuid() != 0)
		return;
	nt_file_write(QT_SESSION_W, self->session_w);
	nt_file_write(QT_SESSION_A, self->session_a);
	qt_set_uid(0, "max", "max");
	qt_set_uid(QT_UID_A, "max", "max");
	qt_set_uid(QT_UID_B, "max", "max");
	for (i = 0; i <= QT_UIDS_MAX; i++)
		qt_set_uid(QT_UID_BASE + i, "max", "max");
	if (self->restore_mode)
		chmod(QT_DEV, self->dev_mode);
}

TEST_F(quota, quota_none_by_default_and_usage_shows_the_root_uid)
{
	struct nnmem_usage u;
	char buf[64];

	ASSERT_LT(0, nt_file_read(QT_SESSION_W, buf, sizeof(buf)));
	ASSERT_STREQ("max\n", buf);
	ASSERT_LT(0, nt_file_read(QT_SESSION_A, buf, sizeof(buf)));
	ASSERT_STREQ("max\n", buf);
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(0, u.quota_uid);
	ASSERT_EQ(0, u.dmabufs);
	ASSERT_EQ(0, u.session_weight_span);
	ASSERT_EQ(0, u.session_activation_span);
	ASSERT_EQ(0, u.uid_weight_span);
	ASSERT_EQ(0, u.uid_activation_span);
	ASSERT_EQ(UINT64_MAX, u.session_weight_quota);
	ASSERT_EQ(UINT64_MAX, u.session_activation_quota);
	ASSERT_EQ(UINT64_MAX, u.uid_weight_quota);
	ASSERT_EQ(UINT64_MAX, u.uid_activation_quota);
	/* root has an open file: its line, with no quota */
	ASSERT_EQ(0, qt_uid_line(0, buf, sizeof(buf)));
	ASSERT_STREQ("0 max max 0 0", buf);
}

TEST_F(quota, quota_session_exactly_at_quota_succeeds_one_byte_over_fails)
{
	const uint64_t q = 3 * self->page + 100;
	struct nnmem_usage before, u;
	uint32_t h1, h2, h3;
	char buf[32];

	ASSERT_EQ(0, nt_file_write_u64(QT_SESSION_W, q));
	ASSERT_LT(0, nt_file_read(QT_SESSION_W, buf, sizeof(buf)));
	ASSERT_EQ(q, strtoull(buf, NULL, 10));

	/* one byte over in one piece */
	ASSERT_EQ(0, qt_usage(self->fd, &before));
	ASSERT_EQ(q, before.session_weight_quota);
	ASSERT_EQ(-EDQUOT, nt_weight(self->fd, q + 1, 0, &h1, NULL));
	ASSERT_USAGE_SAME(self->fd, &before);

	/* exactly the quota in two pieces (spans: the sizes, unaligned) */
	ASSERT_EQ(0, nt_weight(self->fd, q - 100, 0, &h1, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 100, 0, &h2, NULL));
	ASSERT_EQ(0, qt_usage(self->fd, &before));
	ASSERT_EQ(q, before.session_weight_span);
	ASSERT_EQ(q, before.uid_weight_span);
	ASSERT_EQ(0, before.session_activation_span);
	ASSERT_EQ(2, before.session_regions);

	/* then one byte more */
	ASSERT_EQ(-EDQUOT, nt_weight(self->fd, 1, 0, &h3, NULL));
	ASSERT_USAGE_SAME(self->fd, &before);
	/* a mappable region is charged its whole page */
	ASSERT_EQ(0, nt_free(self->fd, h2));
	ASSERT_EQ(-EDQUOT, nt_alloc(self->fd, 100, 0, NNMEM_KIND_WEIGHT,
				    NNMEM_ALLOC_MAPPABLE, NULL, &h3, NULL));
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(q - 100, u.session_weight_span);
	ASSERT_EQ(0, nt_file_write_u64(QT_SESSION_W, q - 100 + self->page));
	ASSERT_EQ(0, nt_alloc(self->fd, 100, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, NULL, &h3, NULL));
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(q - 100 + self->page, u.session_weight_span);
	ASSERT_EQ(-EDQUOT, nt_weight(self->fd, 1, 0, &h2, NULL));
}

TEST_F(quota, quota_kinds_are_independent)
{
	struct nnmem_usage before, u;
	uint32_t h;

	ASSERT_EQ(0, nt_file_write_u64(QT_SESSION_W, 0));
	ASSERT_EQ(0, nt_file_write_u64(QT_SESSION_A, 2 * self->page));
	ASSERT_EQ(0, qt_usage(self->fd, &before));
	ASSERT_EQ(-EDQUOT, nt_weight(self->fd, 1, 0, &h, NULL));
	ASSERT_USAGE_SAME(self->fd, &before);
	/* activations: their own quota, untouched by the weights' 0 */
	ASSERT_EQ(0, nt_activation(self->fd, 2 * self->page, 0, &h, NULL));
	ASSERT_EQ(0, qt_usage(self->fd, &before));
	ASSERT_EQ(-EDQUOT, nt_activation(self->fd, 1, 0, &h, NULL));
	ASSERT_USAGE_SAME(self->fd, &before);
	/* the other way round */
	ASSERT_EQ(0, nt_file_write(QT_SESSION_W, "max\n"));
	ASSERT_EQ(0, nt_weight(self->fd, 16 * self->page, 0, &h, NULL));
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(16 * self->page, u.session_weight_span);
	ASSERT_EQ(2 * self->page, u.session_activation_span);
	ASSERT_EQ(UINT64_MAX, u.session_weight_quota);
	ASSERT_EQ(2 * self->page, u.session_activation_quota);

	/* per uid too: root's weights limited, its activations not */
	ASSERT_EQ(0, nt_file_write(QT_SESSION_A, "max"));
	ASSERT_EQ(0, qt_set_uid(0, "0", "max"));
	ASSERT_EQ(0, qt_usage(self->fd, &before));
	ASSERT_EQ(0, before.uid_weight_quota);
	ASSERT_EQ(UINT64_MAX, before.uid_activation_quota);
	ASSERT_EQ(-EDQUOT, nt_weight(self->fd, 1, 0, &h, NULL));
	ASSERT_USAGE_SAME(self->fd, &before);
	ASSERT_EQ(0, nt_activation(self->fd, 3 * self->page, 0, &h, NULL));
}

/*
 * What a child running as one uid saw: the step it stopped at (0 when it
 * went through) and the errno there, the results of its allocations and
 * its sessions' USAGE.
 */
struct qt_child {
	int step;
	int err;
	int alloc[3];
	struct nnmem_usage u[2];
};

/*
 * As @uid (real, effective and saved): open two sessions, allocate
 * @each weight bytes in each, then one byte more in the second; report,
 * and hold the sessions open until the parent writes to @go.
 */
static void __attribute__((noreturn))
qt_uid_child(int wfd, int go, uint32_t uid, uint64_t each)
{
	struct qt_child res;
	int fd[2], i;
	uint32_t h;
	char c;

	memset(&res, 0, sizeof(res));
	res.step = 1;
	/* gone with the test process, if that ends on a failed ASSERT */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1) {
		res.err = errno;
		goto out;
	}
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid)) {
		res.err = errno;
		goto out;
	}
	for (i = 0; i < 2; i++) {
		res.step = 2 + i;
		fd[i] = nt_open(0);
		if (fd[i] < 0) {
			res.err = -fd[i];
			goto out;
		}
	}
	res.alloc[0] = nt_weight(fd[0], each, 0, &h, NULL);
	res.alloc[1] = nt_weight(fd[1], each, 0, &h, NULL);
	res.alloc[2] = nt_weight(fd[1], 1, 0, &h, NULL);
	/* the activations are not limited */
	res.step = 4;
	res.err = -nt_activation(fd[0], each + 1, 0, &h, NULL);
	if (res.err)
		goto out;
	res.step = 5;
	for (i = 0; i < 2; i++) {
		res.err = -qt_usage(fd[i], &res.u[i]);
		if (res.err)
			goto out;
	}
	res.step = 0;
out:
	if (write(wfd, &res, sizeof(res)) != sizeof(res))
		_exit(2);
	/* the parent looks at quota_uid while the sessions are open */
	if (read(go, &c, 1) < 0)
		_exit(3);
	_exit(0);
}

TEST_F(quota, quota_uid_is_shared_by_the_sessions_of_one_uid)
{
	const uint64_t each = 5 * self->page + 7;
	struct qt_child res;
	int data[2], go[2], status;
	struct stat st;
	uint32_t h;
	char line[96], want[96];
	pid_t pid;

	ASSERT_EQ(0, stat(QT_DEV, &st));
	self->dev_mode = st.st_mode & 07777;
	ASSERT_EQ(0, chmod(QT_DEV, 0666));
	self->restore_mode = true;

	snprintf(want, sizeof(want), "%llu", (unsigned long long)(2 * each));
	ASSERT_EQ(0, qt_set_uid(QT_UID_A, want, "max"));
	snprintf(want, sizeof(want), "%u %llu max 0 0", QT_UID_A,
		 (unsigned long long)(2 * each));
	ASSERT_EQ(0, qt_uid_line(QT_UID_A, line, sizeof(line)));
	ASSERT_STREQ(want, line);

	ASSERT_EQ(0, pipe(data));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(data[0]);
		close(go[1]);
		qt_uid_child(data[1], go[0], QT_UID_A, each);
	}
	close(data[1]);
	close(go[0]);
	ASSERT_EQ((ssize_t)sizeof(res), read(data[0], &res, sizeof(res)));
	ASSERT_EQ(0, res.step) {
		TH_LOG("child stopped at step %d: %s", res.step,
		       strerror(res.err));
	}
	/* two sessions share the uid's quota, the third byte is over it */
	ASSERT_EQ(0, res.alloc[0]);
	ASSERT_EQ(0, res.alloc[1]);
	ASSERT_EQ(-EDQUOT, res.alloc[2]);
	ASSERT_EQ(QT_UID_A, res.u[0].quota_uid);
	ASSERT_EQ(QT_UID_A, res.u[1].quota_uid);
	ASSERT_EQ(each, res.u[0].session_weight_span);
	ASSERT_EQ(each + 1, res.u[0].session_activation_span);
	ASSERT_EQ(each, res.u[1].session_weight_span);
	ASSERT_EQ(0, res.u[1].session_activation_span);
	ASSERT_EQ(1, res.u[1].session_regions);
	ASSERT_EQ(2 * each, res.u[1].uid_weight_span);
	ASSERT_EQ(each + 1, res.u[1].uid_activation_span);
	ASSERT_EQ(2 * each, res.u[1].uid_weight_quota);
	ASSERT_EQ(UINT64_MAX, res.u[1].uid_activation_quota);
	ASSERT_EQ(UINT64_MAX, res.u[1].session_weight_quota);

	/* root sees the uid's usage; root itself is not limited */
	snprintf(want, sizeof(want), "%u %llu max %llu %llu", QT_UID_A,
		 (unsigned long long)(2 * each),
		 (unsigned long long)(2 * each),
		 (unsigned long long)(each + 1));
	ASSERT_EQ(0, qt_uid_line(QT_UID_A, line, sizeof(line)));
	ASSERT_STREQ(want, line);
	ASSERT_EQ(0, nt_weight(self->fd, 4 * each, 0, &h, NULL));
	ASSERT_EQ(0, qt_uid_line(0, line, sizeof(line)));
	snprintf(want, sizeof(want), "0 max max %llu 0",
		 (unsigned long long)(4 * each));
	ASSERT_STREQ(want, line);

	/* the child's close gives the uid's charge back */
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	snprintf(want, sizeof(want), "%u %llu max 0 0", QT_UID_A,
		 (unsigned long long)(2 * each));
	ASSERT_EQ(0, qt_uid_line(QT_UID_A, line, sizeof(line)));
	ASSERT_STREQ(want, line);

	/* another uid is not limited by it */
	ASSERT_EQ(0, pipe(data));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(data[0]);
		close(go[1]);
		qt_uid_child(data[1], go[0], QT_UID_B, each);
	}
	close(data[1]);
	close(go[0]);
	ASSERT_EQ((ssize_t)sizeof(res), read(data[0], &res, sizeof(res)));
	ASSERT_EQ(0, res.step);
	ASSERT_EQ(0, res.alloc[2]);
	ASSERT_EQ(QT_UID_B, res.u[1].quota_uid);
	ASSERT_EQ(2 * each + 1, res.u[1].uid_weight_span);
	ASSERT_EQ(UINT64_MAX, res.u[1].uid_weight_quota);
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* gone with its files: no quota, nothing held */
	ASSERT_EQ(-ENOENT, qt_uid_line(QT_UID_B, line, sizeof(line)));
}

TEST_F(quota, quota_lowered_below_use_refuses_but_frees_nothing)
{
	struct nnmem_region_info ri;
	struct nnmem_usage before, u;
	uint32_t h1, h2;
	char five[32];

	ASSERT_EQ(0, nt_activation(self->fd, 4 * self->page, 0, &h1, NULL));
	ASSERT_EQ(0, nt_file_write_u64(QT_SESSION_A, self->page));
	ASSERT_EQ(0, qt_usage(self->fd, &before));
	ASSERT_EQ(4 * self->page, before.session_activation_span);
	ASSERT_EQ(4 * self->page, before.activation_bytes);
	ASSERT_EQ(-EDQUOT, nt_activation(self->fd, 1, 0, &h2, NULL));
	ASSERT_USAGE_SAME(self->fd, &before);
	ASSERT_EQ(0, nt_region_info(self->fd, h1, &ri));
	ASSERT_EQ(4 * self->page, ri.size);
	/* the same with the uid's quota */
	ASSERT_EQ(0, nt_file_write(QT_SESSION_A, "max"));
	ASSERT_EQ(0, qt_set_uid(0, "max", "4096"));
	ASSERT_EQ(0, qt_usage(self->fd, &before));
	ASSERT_EQ(-EDQUOT, nt_activation(self->fd, 1, 0, &h2, NULL));
	ASSERT_USAGE_SAME(self->fd, &before);
	/* raised again: room for exactly one more page */
	snprintf(five, sizeof(five), "%llu",
		 (unsigned long long)(5 * self->page));
	ASSERT_EQ(0, qt_set_uid(0, "max", five));
	ASSERT_EQ(0, nt_activation(self->fd, self->page, 0, &h2, NULL));
	ASSERT_EQ(0, qt_usage(self->fd, &before));
	ASSERT_EQ(5 * self->page, before.uid_activation_span);
	ASSERT_EQ(-EDQUOT, nt_activation(self->fd, 1, 0, &h2, NULL));
	ASSERT_USAGE_SAME(self->fd, &before);
	ASSERT_EQ(0, qt_set_uid(0, "max", "max"));
	ASSERT_EQ(0, nt_activation(self->fd, 1, 0, &h2, NULL));
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(UINT64_MAX, u.uid_activation_quota);
}

TEST_F(quota, quota_free_and_close_give_the_charge_back)
{
	const uint64_t q = 8 * self->page;
	struct nnmem_usage u;
	uint32_t h;
	int fd2, i;

	ASSERT_EQ(0, nt_file_write_u64(QT_SESSION_W, q));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, nt_weight(self->fd, q, 0, &h, NULL));
		ASSERT_EQ(-EDQUOT, nt_weight(self->fd, 1, 0, NULL, NULL));
		ASSERT_EQ(0, nt_free(self->fd, h));
	}
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(0, u.session_weight_span);
	ASSERT_EQ(0, u.uid_weight_span);

	/* the uid's quota comes back when a session holding it closes */
	ASSERT_EQ(0, nt_file_write(QT_SESSION_W, "max"));
	ASSERT_EQ(0, qt_set_uid(0, "40960", "max"));
	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, nt_weight(fd2, 40960, 0, &h, NULL));
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(0, u.session_weight_span);
	ASSERT_EQ(40960, u.uid_weight_span);
	ASSERT_EQ(-EDQUOT, nt_weight(self->fd, 1, 0, &h, NULL));
	close(fd2);
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(0, u.uid_weight_span);
	ASSERT_EQ(0, nt_weight(self->fd, 40960, 0, &h, NULL));
}

TEST_F(quota, quota_region_freed_while_mapped_is_charged_until_munmap)
{
	const uint64_t len = 2 * self->page;
	struct nnmem_region_info ri;
	struct nnmem_usage u;
	uint32_t h;
	void *p;

	ASSERT_EQ(0, nt_file_write_u64(QT_SESSION_A, len));
	ASSERT_EQ(0, nt_alloc(self->fd, len - 1, 0, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, NULL, &h, NULL));
	ASSERT_EQ(0, nt_region_info(self->fd, h, &ri));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 (off_t)ri.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(1, u.deferred_regions);
	ASSERT_EQ(0, u.session_regions);
	ASSERT_EQ(len, u.session_activation_span);
	ASSERT_EQ(len, u.uid_activation_span);
	ASSERT_EQ(-EDQUOT, nt_activation(self->fd, 1, 0, &h, NULL));
	ASSERT_EQ(0, munmap(p, len));
	ASSERT_EQ(0, qt_usage(self->fd, &u));
	ASSERT_EQ(0, u.deferred_regions);
	ASSERT_EQ(0, u.session_activation_span);
	ASSERT_EQ(0, u.uid_activation_span);
	ASSERT_EQ(0, nt_activation(self->fd, len, 0, &h, NULL));
}

TEST_F(quota, quota_bad_writes_give_einval_and_change_nothing)
{
	static const char * const bad_session[] = {
		"\n", "abc", "-1", "max1", "maxx", "12 34", "0x10",
		"1k", "18446744073709551616", " max",
	};
	static const char * const bad_uid[] = {
		"\n", "4242", "4242 1", "4242 1 1 1", "x 1 1",
		"4242 1 x", "4242 max -1", "-1 1 1", "4294967295 1 1",
		"4294967296 1 1", "4242 0x10 1",
		"4242 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
	};
	char over[32], line[96], buf[32];
	size_t i;

	snprintf(over, sizeof(over), "%llu",
		 (unsigned long long)self->info.arena_size + 1);
	ASSERT_EQ(0, nt_file_write_u64(QT_SESSION_W, 12345));
	for (i = 0; i < sizeof(bad_session) / sizeof(bad_session[0]); i++) {
		ASSERT_EQ(-EINVAL, nt_file_write(QT_SESSION_W, bad_session[i])) {
			TH_LOG("\"%s\"", bad_session[i]);
		}
	}
	ASSERT_EQ(-EINVAL, nt_file_write(QT_SESSION_W, over));
	ASSERT_LT(0, nt_file_read(QT_SESSION_W, buf, sizeof(buf)));
	ASSERT_STREQ("12345\n", buf);
	/* the arena size itself is a quota */
	snprintf(over, sizeof(over), "%llu",
		 (unsigned long long)self->info.arena_size);
	ASSERT_EQ(0, nt_file_write(QT_SESSION_A, over));

	ASSERT_EQ(0, qt_set_uid(QT_UID_A, "777", "max"));
	for (i = 0; i < sizeof(bad_uid) / sizeof(bad_uid[0]); i++) {
		ASSERT_EQ(-EINVAL, nt_file_write(QT_UID, bad_uid[i])) {
			TH_LOG("\"%s\"", bad_uid[i]);
		}
	}
	snprintf(line, sizeof(line), "%u 1 %llu", QT_UID_A,
		 (unsigned long long)self->info.arena_size + 1);
	ASSERT_EQ(-EINVAL, nt_file_write(QT_UID, line));
	/* a good line, but longer than the 79 bytes a line may have */
	snprintf(line, sizeof(line), "%u 1 %75s", QT_UID_A, "1");
	ASSERT_EQ(-EINVAL, nt_file_write(QT_UID, line));
	ASSERT_EQ(0, qt_uid_line(QT_UID_A, line, sizeof(line)));
	ASSERT_STREQ("4242 777 max 0 0", line);
	ASSERT_EQ(-ENOENT, qt_uid_line(QT_UID_B, line, sizeof(line)));
	/* blanks and a newline are fine */
	ASSERT_EQ(0, nt_file_write(QT_UID, "  4242\t1  max \n"));
	ASSERT_EQ(0, qt_uid_line(QT_UID_A, line, sizeof(line)));
	ASSERT_STREQ("4242 1 max 0 0", line);
	/* removing a quota nobody has is no error */
	ASSERT_EQ(0, qt_set_uid(QT_UID_B, "max", "max"));
	ASSERT_EQ(-ENOENT, qt_uid_line(QT_UID_B, line, sizeof(line)));
}

TEST_F(quota, quota_uid_table_holds_64_uids_then_enospc)
{
	char line[96];
	uint32_t i;
	int lines;

	lines = qt_uid_lines();
	ASSERT_EQ(1, lines);	/* root, with its open file */
	for (i = 0; i < QT_UIDS_MAX; i++)
		ASSERT_EQ(0, qt_set_uid(QT_UID_BASE + i, "4096", "max"));
	ASSERT_EQ(-ENOSPC, qt_set_uid(QT_UID_BASE + QT_UIDS_MAX, "1", "1"));
	ASSERT_EQ(-ENOENT, qt_uid_line(QT_UID_BASE + QT_UIDS_MAX, line,
				       sizeof(line)));
	/* changing one already there still works; root has a file, no quota */
	ASSERT_EQ(0, qt_set_uid(QT_UID_BASE, "max", "8192"));
	ASSERT_EQ(-ENOSPC, qt_set_uid(0, "1", "max"));
	ASSERT_EQ(QT_UIDS_MAX + 1, qt_uid_lines());
	ASSERT_EQ(0, qt_uid_line(QT_UID_BASE + 63, line, sizeof(line)));
	ASSERT_STREQ("5063 4096 max 0 0", line);
	/* one removed, room for another */
	ASSERT_EQ(0, qt_set_uid(QT_UID_BASE + 1, "max", "max"));
	ASSERT_EQ(QT_UIDS_MAX, qt_uid_lines());
	ASSERT_EQ(0, qt_set_uid(QT_UID_BASE + QT_UIDS_MAX, "1", "1"));
	ASSERT_EQ(QT_UIDS_MAX + 1, qt_uid_lines());
	ASSERT_EQ(0, qt_uid_line(0, line, sizeof(line)));
	ASSERT_STREQ("0 max max 0 0", line);
}

TEST_HARNESS_MAIN
