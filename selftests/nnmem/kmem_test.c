// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem kernel memory (uapi/linux/nnmem.h, "DOC: nnmem kernel memory"):
 * the budgets in INFO and in the module parameters; GRAPH_CREATE and RUN
 * refused with EDQUOT exactly where the documented charges say, changing
 * nothing; the charges in USAGE and sysfs, given back when a graph is
 * destroyed, a job reaped and a file closed; the device budget shared by
 * the sessions of a device; and the graphs' memory charged to the memory
 * cgroup of the caller (cgroup v2: a kernel without the memory controller
 * skips that test, saying so).
 *
 * The expected counts are computed here from the documented charges
 * (64 + 8 * tensors + 144 * nodes per graph, 64 + 8 * nodes per job), not
 * read from the driver.
 *
 * Expects nnmem loaded with devices=2 and default parameters, nothing
 * allocated when each test starts, no other user of the devices, and root
 * (the budgets are set through /sys/module/nnmem/parameters; every test
 * puts them back).
 */
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"

#define KT_PARAMS		"/sys/module/nnmem/parameters/"
#define KT_SESSION_PARAM	KT_PARAMS "max_session_kmem"
#define KT_DEVICE_PARAM		KT_PARAMS "max_device_kmem"
#define KT_SYSFS		"/sys/class/nnmem/nnmem"

/* The documented defaults of the budgets. */
#define KT_SESSION_DEFAULT	(16ULL << 20)
#define KT_DEVICE_DEFAULT	(256ULL << 20)

/* The documented charges. */
static uint64_t kt_graph_cost(uint64_t tensors, uint64_t nodes)
{
	return 64 + 8 * tensors + 144 * nodes;
}

static uint64_t kt_job_cost(uint64_t nodes)
{
	return 64 + 8 * nodes;
}

/* /sys/class/nnmem/nnmem@dev/@name, or UINT64_MAX if unreadable. */
static uint64_t kt_sysfs(int dev, const char *name)
{
	char path[128];
	uint64_t v;

	snprintf(path, sizeof(path), KT_SYSFS "%d/%s", dev, name);
	return nt_file_read_u64(path, &v) ? UINT64_MAX : v;
}

/*
 * A graph of @nodes adds over one activation region of @nodes + 2 bytes:
 * tensors 0 and 1 (one int8 each) are the operands of every node, tensor
 * i + 2 the output of node i. So it has @nodes + 2 tensors.
 */
struct kt_graph {
	uint32_t nt, nn;
	struct nnmem_tensor t[1024];
	struct nnmem_node n[1024];
};

static int kt_graph_init(struct kt_graph *g, int fd, uint32_t nodes)
{
	uint32_t h, i;
	int err;

	if (nodes + 2 > sizeof(g->t) / sizeof(g->t[0]))
		return -EINVAL;
	err = nt_activation(fd, nodes + 2, 0, &h, NULL);
	if (err)
		return err;
	memset(g, 0, sizeof(*g));
	g->nt = nodes + 2;
	g->nn = nodes;
	for (i = 0; i < g->nt; i++) {
		g->t[i].handle = h;
		g->t[i].type = NNMEM_TYPE_INT8;
		g->t[i].offset = i;
		g->t[i].ndims = 1;
		g->t[i].dims[0] = 1;
	}
	for (i = 0; i < nodes; i++) {
		g->n[i].op = NNMEM_OP_ADD;
		g->n[i].add = nt_add_params(0, 1, i + 2);
	}
	return 0;
}

static int kt_create(int fd, const struct kt_graph *g, uint32_t *graph)
{
	struct nnmem_graph_create r;
	int err;

	err = nt_graph_create(fd, g->t, g->nt, g->n, g->nn, &r);
	if (!err && graph)
		*graph = r.graph;
	return err;
}

static uint64_t kt_session_kmem(int fd)
{
	struct nnmem_usage u;

	return nt_usage(fd, &u) ? UINT64_MAX : u.session_kmem;
}

static uint64_t kt_device_kmem(int fd)
{
	struct nnmem_usage u;

	return nt_usage(fd, &u) ? UINT64_MAX : u.device_kmem;
}

FIXTURE(kmem) {
	int fd;			/* a session of /dev/nnmem0 */
	struct nnmem_info info;
	uint64_t session_param, device_param;	/* as found, put back */
	struct kt_graph *g;
};

FIXTURE_SETUP(kmem)
{
	struct nnmem_usage u;

	self->fd = -1;
	ASSERT_EQ(0, nt_file_read_u64(KT_SESSION_PARAM, &self->session_param));
	ASSERT_EQ(0, nt_file_read_u64(KT_DEVICE_PARAM, &self->device_param));
	NT_SETUP_SESSION(self->fd, &self->info, &u);
	ASSERT_EQ(0, u.session_kmem);
	ASSERT_EQ(0, u.device_kmem);
	self->g = calloc(3, sizeof(*self->g));
	ASSERT_NE(NULL, self->g);
}

FIXTURE_TEARDOWN(kmem)
{
	nt_file_write_u64(KT_SESSION_PARAM, self->session_param);
	nt_file_write_u64(KT_DEVICE_PARAM, self->device_param);
	free(self->g);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(kmem, kmem_info_reports_the_budgets_root_may_change)
{
	unsigned char old[NNMEM_INFO_SIZE_VER1];
	struct nnmem_info info;
	uint64_t v;

	/* The documented defaults, in the parameters and in INFO. */
	ASSERT_EQ(KT_SESSION_DEFAULT, self->session_param);
	ASSERT_EQ(KT_DEVICE_DEFAULT, self->device_param);
	ASSERT_EQ(KT_SESSION_DEFAULT, self->info.max_session_kmem);
	ASSERT_EQ(KT_DEVICE_DEFAULT, self->info.max_device_kmem);

	ASSERT_EQ(0, nt_file_write_u64(KT_SESSION_PARAM, 123456));
	ASSERT_EQ(0, nt_file_write_u64(KT_DEVICE_PARAM, 7654321));
	ASSERT_EQ(0, nt_info(self->fd, &info));
	ASSERT_EQ(123456, info.max_session_kmem);
	ASSERT_EQ(7654321, info.max_device_kmem);

	/* 0 and words are refused and change nothing. */
	ASSERT_EQ(-EINVAL, nt_file_write(KT_SESSION_PARAM, "0\n"));
	ASSERT_EQ(-EINVAL, nt_file_write(KT_DEVICE_PARAM, "lots\n"));
	ASSERT_EQ(0, nt_file_read_u64(KT_SESSION_PARAM, &v));
	ASSERT_EQ(123456, v);
	ASSERT_EQ(0, nt_file_read_u64(KT_DEVICE_PARAM, &v));
	ASSERT_EQ(7654321, v);

	/* A caller from before the budgets still gets its INFO. */
	memset(old, 0xff, sizeof(old));
	ASSERT_EQ(0, nt_ioctl(self->fd, nt_cmd_sized(NNMEM_IOCTL_INFO,
						     sizeof(old)), old));
	ASSERT_EQ(0, memcmp(old, &info, sizeof(old)));
}

TEST_F(kmem, kmem_session_budget_refuses_the_predicted_graph_and_job)
{
	const uint64_t budget = 1 << 20;
	const uint32_t nodes = 500, tensors = nodes + 2;
	const uint64_t cost = kt_graph_cost(tensors, nodes);
	const uint64_t jcost = kt_job_cost(nodes);
	const uint64_t k = budget / cost;
	const uint64_t j = (budget - k * cost) / jcost;
	struct nnmem_graph_create r;
	struct kt_graph *g = self->g;
	uint32_t graphs[64];
	uint64_t jobs[64], i;
	struct nnmem_wait w;

	/* 76,080 bytes a graph: 13 graphs, then 14 jobs in what is left. */
	ASSERT_EQ(76080, cost);
	ASSERT_EQ(13, k);
	ASSERT_EQ(14, j);
	/* The budget, not the count limits, decides here. */
	ASSERT_GT(self->info.max_graphs, k);
	ASSERT_GT(self->info.max_jobs, j + 1);

	ASSERT_EQ(0, kt_graph_init(g, self->fd, nodes));
	ASSERT_EQ(0, nt_file_write_u64(KT_SESSION_PARAM, budget));
	for (i = 0; i < k; i++) {
		ASSERT_EQ(0, kt_create(self->fd, g, &graphs[i]));
		ASSERT_EQ((i + 1) * cost, kt_session_kmem(self->fd));
		ASSERT_EQ((i + 1) * cost, kt_device_kmem(self->fd));
	}
	ASSERT_EQ(-EDQUOT, kt_create(self->fd, g, NULL));
	/* ... and nothing changed. */
	ASSERT_EQ(k * cost, kt_session_kmem(self->fd));
	ASSERT_EQ(k * cost, kt_sysfs(0, "kmem"));
	ASSERT_EQ(k, kt_sysfs(0, "graphs"));
	/* A bad header is still reported as such (it is checked first). */
	ASSERT_EQ(-EINVAL, nt_graph_create(self->fd, g->t, g->nt, g->n, 0, &r));
	ASSERT_EQ(NNMEM_GERR_COUNT, r.err_reason);

	/* Jobs fill what is left, async or sync. */
	for (i = 0; i < j; i++) {
		ASSERT_EQ(0, nt_submit(self->fd, graphs[0], &jobs[i]));
		ASSERT_EQ(k * cost + (i + 1) * jcost,
			  kt_session_kmem(self->fd));
	}
	ASSERT_EQ(-EDQUOT, nt_submit(self->fd, graphs[0], NULL));
	ASSERT_EQ(-EDQUOT, nt_run(self->fd, graphs[1], NULL));
	ASSERT_EQ(k * cost + j * jcost, kt_session_kmem(self->fd));

	/* Reaping a job gives its charge back: one more job fits. */
	ASSERT_EQ(0, nt_wait(self->fd, jobs[0], NNMEM_WAIT_FOREVER, &w));
	ASSERT_EQ(0, w.status);
	ASSERT_EQ(k * cost + (j - 1) * jcost, kt_session_kmem(self->fd));
	ASSERT_EQ(0, nt_submit(self->fd, graphs[0], &jobs[0]));
	ASSERT_EQ(k * cost + j * jcost, kt_session_kmem(self->fd));

	/* Destroying the graphs frees all but graph 0, which jobs hold. */
	for (i = 0; i < k; i++) {
		ASSERT_EQ(0, nt_graph_destroy(self->fd, graphs[i]));
	}
	ASSERT_EQ(cost + j * jcost, kt_session_kmem(self->fd));
	for (i = 0; i < j; i++) {
		ASSERT_EQ(0, nt_wait(self->fd, jobs[i], NNMEM_WAIT_FOREVER,
				     &w));
		ASSERT_EQ(0, w.status);
	}
	ASSERT_EQ(0, kt_session_kmem(self->fd));
	ASSERT_EQ(0, kt_device_kmem(self->fd));
	ASSERT_EQ(0, kt_sysfs(0, "kmem"));
}

TEST_F(kmem, kmem_close_gives_back_graphs_and_unreaped_jobs)
{
	const uint32_t nodes = 100;
	const uint64_t expect = 3 * kt_graph_cost(nodes + 2, nodes) +
				2 * kt_job_cost(nodes);
	struct kt_graph *g = self->g;
	uint32_t graph[3];
	int fd2, i;

	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, kt_graph_init(g, fd2, nodes));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, kt_create(fd2, g, &graph[i]));
	}
	ASSERT_EQ(0, nt_submit(fd2, graph[0], NULL));
	ASSERT_EQ(0, nt_submit(fd2, graph[1], NULL));
	ASSERT_EQ(0, nt_run(fd2, graph[2], NULL));

	/* 3 * 15,280 + 2 * 864 */
	ASSERT_EQ(47568, expect);
	ASSERT_EQ(expect, kt_session_kmem(fd2));
	ASSERT_EQ(expect, kt_device_kmem(self->fd));
	ASSERT_EQ(0, kt_session_kmem(self->fd));
	ASSERT_EQ(expect, kt_sysfs(0, "kmem"));
	ASSERT_EQ(0, kt_sysfs(1, "kmem"));

	close(fd2);
	ASSERT_EQ(0, kt_device_kmem(self->fd));
	ASSERT_EQ(0, kt_sysfs(0, "kmem"));
}

TEST_F(kmem, kmem_device_budget_is_shared_by_the_devices_sessions)
{
	const uint32_t nodes = 100;
	const uint64_t cost = kt_graph_cost(nodes + 2, nodes);
	const uint64_t budget = 5 * cost + cost / 2;
	int fds[3], other, i;

	ASSERT_EQ(0, nt_file_write_u64(KT_DEVICE_PARAM, budget));
	for (i = 0; i < 3; i++) {
		fds[i] = nt_open(0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, kt_graph_init(&self->g[i], fds[i], nodes));
	}
	/* Five graphs fit, from whichever session; then none does. */
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, kt_create(fds[i % 3], &self->g[i % 3], NULL));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(-EDQUOT, kt_create(fds[i], &self->g[i], NULL));
	}
	ASSERT_EQ(2 * cost, kt_session_kmem(fds[0]));
	ASSERT_EQ(2 * cost, kt_session_kmem(fds[1]));
	ASSERT_EQ(cost, kt_session_kmem(fds[2]));
	ASSERT_EQ(5 * cost, kt_device_kmem(self->fd));
	ASSERT_EQ(5 * cost, kt_sysfs(0, "kmem"));

	/* Each device has a budget of its own. */
	other = nt_open(1);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, kt_graph_init(&self->g[0], other, nodes));
	ASSERT_EQ(0, kt_create(other, &self->g[0], NULL));
	ASSERT_EQ(cost, kt_device_kmem(other));
	ASSERT_EQ(cost, kt_sysfs(1, "kmem"));
	ASSERT_EQ(5 * cost, kt_sysfs(0, "kmem"));
	close(other);

	/* A closed session's share goes to the others. */
	close(fds[1]);
	ASSERT_EQ(3 * cost, kt_device_kmem(self->fd));
	ASSERT_EQ(0, kt_create(fds[2], &self->g[2], NULL));
	ASSERT_EQ(0, kt_create(fds[2], &self->g[2], NULL));
	ASSERT_EQ(-EDQUOT, kt_create(fds[2], &self->g[2], NULL));
	ASSERT_EQ(3 * cost, kt_session_kmem(fds[2]));
	close(fds[0]);
	close(fds[2]);
	ASSERT_EQ(0, kt_device_kmem(self->fd));
	ASSERT_EQ(0, kt_sysfs(0, "kmem"));
	ASSERT_EQ(0, kt_sysfs(1, "kmem"));
}

TEST_F(kmem, kmem_budget_lowered_below_use_refuses_only_new_charges)
{
	const uint32_t nodes = 10;
	const uint64_t cost = kt_graph_cost(nodes + 2, nodes);
	struct kt_graph *g = self->g;
	struct nnmem_run run;
	uint32_t a, b;

	ASSERT_EQ(0, kt_graph_init(g, self->fd, nodes));
	ASSERT_EQ(0, kt_create(self->fd, g, &a));
	ASSERT_EQ(0, kt_create(self->fd, g, &b));
	ASSERT_EQ(0, nt_file_write_u64(KT_SESSION_PARAM, cost));
	ASSERT_EQ(-EDQUOT, kt_create(self->fd, g, NULL));
	ASSERT_EQ(-EDQUOT, nt_run(self->fd, a, &run));
	ASSERT_EQ(2 * cost, kt_session_kmem(self->fd));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, a));
	ASSERT_EQ(cost, kt_session_kmem(self->fd));
	/* A job needs more than the budget's room left: still refused. */
	ASSERT_EQ(-EDQUOT, nt_run(self->fd, b, &run));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, b));
	ASSERT_EQ(0, kt_create(self->fd, g, &a));
	ASSERT_EQ(cost, kt_session_kmem(self->fd));
	ASSERT_EQ(0, nt_graph_destroy(self->fd, a));
	ASSERT_EQ(0, kt_session_kmem(self->fd));
}

/* ---- memory cgroup ---- */

#define KT_CG_NODES	1022	/* and 1024 tensors, the most */
#define KT_CG_GRAPHS	40

/*
 * The cgroup2 mount, mounted at @dir if there is none (*@mounted set).
 * Returns 0, or -ENODEV if the kernel has no cgroup2.
 */
static int kt_cgroup2(char *dir, size_t len, bool *mounted)
{
	char line[512], dev[128], mnt[256], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");

	*mounted = false;
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%127s %255s %63s", dev, mnt,
				   type) == 3 && !strcmp(type, "cgroup2")) {
				fclose(f);
				snprintf(dir, len, "%s", mnt);
				return 0;
			}
		}
		fclose(f);
	}
	snprintf(dir, len, "/tmp/nnmem-cgroup2");
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	if (mount("cgroup2", dir, "cgroup2", 0, NULL))
		return errno == ENODEV ? -ENODEV : -errno;
	*mounted = true;
	return 0;
}

/*
 * The child: moves itself into @cg, makes KT_CG_GRAPHS graphs, reports
 * how many it made on @ready, waits for @go. Returns a nonzero code naming
 * the step that failed.
 */
static int kt_cgroup_child_graphs(int fd, int ready, int go)
{
	struct kt_graph *g = calloc(1, sizeof(*g));
	int n = 0, err = 0, ret = 0;
	char c;

	if (!g)
		return 10;
	if (kt_graph_init(g, fd, KT_CG_NODES)) {
		ret = 13;
		goto out;
	}
	while (n < KT_CG_GRAPHS && !(err = kt_create(fd, g, NULL)))
		n++;
	if (write(ready, &n, sizeof(n)) != sizeof(n) ||
	    write(ready, &err, sizeof(err)) != sizeof(err))
		ret = 14;
	else if (read(go, &c, 1) != 1)
		ret = 15;
out:
	free(g);
	return ret;
}

static int kt_cgroup_child(const char *cg, int ready, int go)
{
	char path[512], pid[32];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (nt_file_write(path, pid))
		return 11;
	fd = nt_open(0);
	if (fd < 0)
		return 12;
	ret = kt_cgroup_child_graphs(fd, ready, go);
	close(fd);
	return ret;
}

TEST_F_TIMEOUT(kmem, kmem_graphs_are_charged_to_the_callers_memory_cgroup, 120)
{
	const uint64_t cost = kt_graph_cost(KT_CG_NODES + 2, KT_CG_NODES);
	char root[256], cg[320], path[400], buf[256];
	int ready[2], go[2], n = -1, err = 0, status, i;
	uint64_t before, after = 0;
	bool mounted, memory = false;
	ssize_t len;
	pid_t pid;
	char c = 0;
	int fd;

	i = kt_cgroup2(root, sizeof(root), &mounted);
	if (i == -ENODEV)
		SKIP(return, "the kernel has no cgroup2 (CONFIG_CGROUPS)");
	ASSERT_EQ(0, i);
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_LE(0, len);
	buf[len] = '\0';
	memory = strstr(buf, "memory");
	if (!memory) {
		if (mounted)
			umount2(root, MNT_DETACH);
		SKIP(return, "no memory cgroup controller (CONFIG_MEMCG)");
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	ASSERT_EQ(0, nt_file_write(path, "+memory\n"));
	snprintf(cg, sizeof(cg), "%s/nnmem-kmem-%d", root, getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	/* Nothing was charged to it yet: no stock, no page of anyone's. */
	snprintf(path, sizeof(path), "%s/memory.current", cg);
	ASSERT_EQ(0, nt_file_read_u64(path, &before));

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(ready[0]);
		close(go[1]);
		_exit(kt_cgroup_child(cg, ready[1], go[0]));
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &n, sizeof(n)) == sizeof(n) &&
	    read(ready[0], &err, sizeof(err)) == sizeof(err)) {
		EXPECT_EQ(0, nt_file_read_u64(path, &after));
	}
	EXPECT_EQ(1, write(go[1], &c, 1));
	close(go[1]);
	close(ready[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, rmdir(cg));
	if (mounted)
		umount2(root, MNT_DETACH);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("the child failed at step %d", WEXITSTATUS(status));
	}
	ASSERT_EQ(KT_CG_GRAPHS, n) {
		TH_LOG("graph %d failed: %s", n, strerror(-err));
	}

	TH_LOG("%d graphs of %d nodes, charged %llu bytes each: memory.current %llu -> %llu (%llu bytes a graph)",
	       KT_CG_GRAPHS, KT_CG_NODES, (unsigned long long)cost,
	       (unsigned long long)before, (unsigned long long)after,
	       (unsigned long long)((after - before) / KT_CG_GRAPHS));
	ASSERT_EQ(0, before);
	ASSERT_LE(KT_CG_GRAPHS * cost, after - before);
}

TEST_HARNESS_MAIN
