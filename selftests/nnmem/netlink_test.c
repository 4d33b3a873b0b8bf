// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem generic netlink (uapi/nnmem.yaml): the family and its group by
 * name, dev-get against the ioctl usage, region-get's per-user view, the
 * errors of malformed requests with their extack messages, events in
 * order, events dropped (never the driver blocked) under a slow reader,
 * and nnmemctl status --json / map --svg. Raw netlink sockets, no libnl.
 *
 * Expects nnmem loaded with devices=2 and the default arena, nothing
 * allocated when each test starts, to run as root, and nnmemctl in $PATH
 * (or at $NNMEMCTL) for the nnmemctl tests.
 */
#include <json-c/json.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nnmem_nl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "graph_kit.h"
#include "nl_kit.h"
#include "nnmem_test.h"

#define NLT_NOBODY		65534

/* ---- dev-get, region-get ---- */

struct nlt_dev {
	uint32_t index;
	char name[32];
	uint64_t arena_size, weight_bytes, activation_bytes, free_bytes;
	uint64_t largest_free, weight_hwm, activation_hwm;
	uint32_t weight_regions, activation_regions, free_extents;
	uint32_t deferred_regions, sessions, graphs;
	uint64_t jobs_completed, macs, kmem;
	uint64_t path_nodes[NNMEM_PATH_COUNT], path_macs[NNMEM_PATH_COUNT];
	bool complete;	/* every attribute was there */
};

static void nlt_dev_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct nlt_dev *devs = arg, *d;
	const struct nlattr *tb[NLT_MAX_ATTR];
	int i;

	nlt_parse(nlh, tb);
	/* The array ends at an entry with index UINT32_MAX. */
	for (d = devs; d->index != UINT32_MAX; d++)
		;
	if (d - devs >= 7)
		return;
	d[1].index = UINT32_MAX;
	d->index = nlt_u32(tb, NNMEM_A_DEV_DEV_INDEX);
	snprintf(d->name, sizeof(d->name), "%s", nlt_str(tb, NNMEM_A_DEV_NAME));
	d->arena_size = nlt_u64(tb, NNMEM_A_DEV_ARENA_SIZE);
	d->weight_bytes = nlt_u64(tb, NNMEM_A_DEV_WEIGHT_BYTES);
	d->activation_bytes = nlt_u64(tb, NNMEM_A_DEV_ACTIVATION_BYTES);
	d->free_bytes = nlt_u64(tb, NNMEM_A_DEV_FREE_BYTES);
	d->largest_free = nlt_u64(tb, NNMEM_A_DEV_LARGEST_FREE);
	d->weight_hwm = nlt_u64(tb, NNMEM_A_DEV_WEIGHT_HWM);
	d->activation_hwm = nlt_u64(tb, NNMEM_A_DEV_ACTIVATION_HWM);
	d->weight_regions = nlt_u32(tb, NNMEM_A_DEV_WEIGHT_REGIONS);
	d->activation_regions = nlt_u32(tb, NNMEM_A_DEV_ACTIVATION_REGIONS);
	d->free_extents = nlt_u32(tb, NNMEM_A_DEV_FREE_EXTENTS);
	d->deferred_regions = nlt_u32(tb, NNMEM_A_DEV_DEFERRED_REGIONS);
	d->sessions = nlt_u32(tb, NNMEM_A_DEV_SESSIONS);
	d->graphs = nlt_u32(tb, NNMEM_A_DEV_GRAPHS);
	d->jobs_completed = nlt_u64(tb, NNMEM_A_DEV_JOBS_COMPLETED);
	d->macs = nlt_u64(tb, NNMEM_A_DEV_MACS);
	d->kmem = nlt_u64(tb, NNMEM_A_DEV_KMEM);
	for (i = 0; i < NNMEM_PATH_COUNT; i++) {
		d->path_nodes[i] = nlt_u64(tb, NNMEM_A_DEV_NODES_REFERENCE + i);
		d->path_macs[i] = nlt_u64(tb, NNMEM_A_DEV_MACS_REFERENCE + i);
	}
	d->complete = true;
	for (i = NNMEM_A_DEV_DEV_INDEX; i <= NNMEM_A_DEV_MAX; i++)
		if (i != NNMEM_A_DEV_PAD && !tb[i])
			d->complete = false;
}

/* dev-get do of @index into @d. */
static int nlt_dev_get(struct nlt *nl, uint32_t index, struct nlt_dev *d)
{
	struct nlt_dev devs[8] = { [0] = { .index = UINT32_MAX } };
	struct nlt_msg m;
	int err;

	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DEV_GET);
	nlt_put_u32(&m, NNMEM_A_DEV_DEV_INDEX, index);
	err = nlt_request(nl, &m, nlt_dev_parse, devs);
	if (err)
		return err;
	if (devs[0].index == UINT32_MAX)
		return -ENODATA;
	*d = devs[0];
	return 0;
}

struct nlt_region {
	uint32_t dev, handle, pid, uid, align, kind, graph_refs, dmabufs;
	uint64_t session, offset, size, span, res_start, res_size;
	bool mappable, has_dmabufs;
	char label[NNMEM_LABEL_LEN + 1];
};

struct nlt_regions {
	struct nlt_region r[64];
	int n;
};

static void nlt_region_from(const struct nlattr **tb, struct nlt_region *r)
{
	memset(r, 0, sizeof(*r));
	r->dev = nlt_u32(tb, NNMEM_A_REGION_DEV_INDEX);
	r->session = nlt_u64(tb, NNMEM_A_REGION_SESSION);
	r->handle = nlt_u32(tb, NNMEM_A_REGION_HANDLE);
	r->pid = nlt_u32(tb, NNMEM_A_REGION_PID);
	r->uid = nlt_u32(tb, NNMEM_A_REGION_UID);
	r->align = nlt_u32(tb, NNMEM_A_REGION_ALIGN);
	r->kind = nlt_u32(tb, NNMEM_A_REGION_KIND);
	r->graph_refs = nlt_u32(tb, NNMEM_A_REGION_GRAPH_REFS);
	r->dmabufs = nlt_u32(tb, NNMEM_A_REGION_DMABUFS);
	r->has_dmabufs = tb[NNMEM_A_REGION_DMABUFS];
	r->offset = nlt_u64(tb, NNMEM_A_REGION_OFFSET);
	r->size = nlt_u64(tb, NNMEM_A_REGION_SIZE);
	r->span = nlt_u64(tb, NNMEM_A_REGION_SPAN);
	r->res_start = nlt_u64(tb, NNMEM_A_REGION_RESERVED_START);
	r->res_size = nlt_u64(tb, NNMEM_A_REGION_RESERVED_SIZE);
	r->mappable = tb[NNMEM_A_REGION_MAPPABLE];
	snprintf(r->label, sizeof(r->label), "%s",
		 nlt_str(tb, NNMEM_A_REGION_LABEL));
}

static void nlt_region_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct nlt_regions *rs = arg;
	const struct nlattr *tb[NLT_MAX_ATTR];

	nlt_parse(nlh, tb);
	if (rs->n < (int)(sizeof(rs->r) / sizeof(rs->r[0])))
		nlt_region_from(tb, &rs->r[rs->n]);
	rs->n++;
}

static int nlt_regions(struct nlt *nl, struct nlt_regions *rs)
{
	struct nlt_msg m;

	rs->n = 0;
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_REGION_GET);
	return nlt_request(nl, &m, nlt_region_parse, rs);
}

static const struct nlt_region *nlt_find_label(const struct nlt_regions *rs,
					       const char *label)
{
	int i;

	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i].label, label))
			return &rs->r[i];
	return NULL;
}

/* ---- users ---- */

struct nlt_user {
	uint32_t dev, uid, regions, sessions;
	uint64_t weight_bytes, activation_bytes, weight_quota, activation_quota;
	bool has_weight_quota, has_activation_quota;
};

struct nlt_users {
	struct nlt_user u[16];
	int n;
};

static void nlt_user_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct nlt_users *us = arg;
	const struct nlattr *tb[NLT_MAX_ATTR];
	struct nlt_user *u;

	nlt_parse(nlh, tb);
	if (us->n >= (int)(sizeof(us->u) / sizeof(us->u[0]))) {
		us->n++;
		return;
	}
	u = &us->u[us->n++];
	u->dev = nlt_u32(tb, NNMEM_A_USER_DEV_INDEX);
	u->uid = nlt_u32(tb, NNMEM_A_USER_UID);
	u->regions = nlt_u32(tb, NNMEM_A_USER_REGIONS);
	u->sessions = nlt_u32(tb, NNMEM_A_USER_SESSIONS);
	u->weight_bytes = nlt_u64(tb, NNMEM_A_USER_WEIGHT_BYTES);
	u->activation_bytes = nlt_u64(tb, NNMEM_A_USER_ACTIVATION_BYTES);
	u->weight_quota = nlt_u64(tb, NNMEM_A_USER_WEIGHT_QUOTA);
	u->activation_quota = nlt_u64(tb, NNMEM_A_USER_ACTIVATION_QUOTA);
	u->has_weight_quota = tb[NNMEM_A_USER_WEIGHT_QUOTA];
	u->has_activation_quota = tb[NNMEM_A_USER_ACTIVATION_QUOTA];
}

/* user-get do of (@dev, @uid) into @u. */
static int nlt_user_get(struct nlt *nl, uint32_t dev, uint32_t uid,
			struct nlt_user *u)
{
	struct nlt_users us = { .n = 0 };
	struct nlt_msg m;
	int err;

	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_USER_GET);
	nlt_put_u32(&m, NNMEM_A_USER_DEV_INDEX, dev);
	nlt_put_u32(&m, NNMEM_A_USER_UID, uid);
	err = nlt_request(nl, &m, nlt_user_parse, &us);
	if (err)
		return err;
	if (us.n != 1)
		return -ENODATA;
	*u = us.u[0];
	return 0;
}

/* user-get dump, of device @dev if not negative. */
static int nlt_users(struct nlt *nl, int dev, struct nlt_users *us)
{
	struct nlt_msg m;

	us->n = 0;
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_USER_GET);
	if (dev >= 0)
		nlt_put_u32(&m, NNMEM_A_USER_DEV_INDEX, (uint32_t)dev);
	return nlt_request(nl, &m, nlt_user_parse, us);
}

static const struct nlt_user *nlt_find_user(const struct nlt_users *us,
					    uint32_t dev, uint32_t uid)
{
	int i;

	for (i = 0; i < us->n && i < 16; i++)
		if (us->u[i].dev == dev && us->u[i].uid == uid)
			return &us->u[i];
	return NULL;
}

/* ---- events ---- */

struct nlt_event {
	uint8_t cmd;
	uint32_t type, dev, handle, kind, graph, job;
	uint64_t session;
	int32_t error, status;
	uint64_t offset, size, macs;
	char label[NNMEM_LABEL_LEN + 1];
};

/* Next nnmem event within @ms, 0; -ETIMEDOUT; or recv's -errno. */
static int nlt_event(struct nlt *nl, struct nlt_event *ev, int ms)
{
	static char buf[NLT_BUF];
	const struct nlattr *tb[NLT_MAX_ATTR];
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;
	ssize_t n;

	/* One event per datagram: multicast messages are not batched. */
	for (;;) {
		n = poll(&pfd, 1, ms);
		if (n < 0)
			return -errno;
		if (!n)
			return -ETIMEDOUT;
		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		nlh = (struct nlmsghdr *)buf;
		if (!NLMSG_OK(nlh, n) || nlh->nlmsg_type != nl->family)
			continue;
		break;
	}
	g = NLMSG_DATA(nlh);
	nlt_parse(nlh, tb);
	memset(ev, 0, sizeof(*ev));
	ev->cmd = g->cmd;
	switch (g->cmd) {
	case NNMEM_CMD_REGION_NTF:
	case NNMEM_CMD_ALLOC_FAILED_NTF:
		ev->type = nlt_u32(tb, NNMEM_A_REGION_EVENT);
		ev->dev = nlt_u32(tb, NNMEM_A_REGION_DEV_INDEX);
		ev->session = nlt_uint(tb, NNMEM_A_REGION_SESSION, NULL);
		ev->handle = nlt_u32(tb, NNMEM_A_REGION_HANDLE);
		ev->kind = nlt_u32(tb, NNMEM_A_REGION_KIND);
		ev->offset = nlt_u64(tb, NNMEM_A_REGION_OFFSET);
		ev->size = nlt_u64(tb, NNMEM_A_REGION_SIZE);
		ev->error = (int32_t)nlt_u32(tb, NNMEM_A_REGION_ERROR);
		snprintf(ev->label, sizeof(ev->label), "%s",
			 nlt_str(tb, NNMEM_A_REGION_LABEL));
		break;
	case NNMEM_CMD_GRAPH_NTF:
		ev->type = nlt_u32(tb, NNMEM_A_GRAPH_EVENT);
		ev->dev = nlt_u32(tb, NNMEM_A_GRAPH_DEV_INDEX);
		ev->session = nlt_uint(tb, NNMEM_A_GRAPH_SESSION, NULL);
		ev->graph = nlt_u32(tb, NNMEM_A_GRAPH_HANDLE);
		break;
	case NNMEM_CMD_JOB_NTF:
		ev->type = nlt_u32(tb, NNMEM_A_JOB_EVENT);
		ev->dev = nlt_u32(tb, NNMEM_A_JOB_DEV_INDEX);
		ev->session = nlt_uint(tb, NNMEM_A_JOB_SESSION, NULL);
		ev->graph = nlt_u32(tb, NNMEM_A_JOB_GRAPH);
		ev->job = nlt_u32(tb, NNMEM_A_JOB_ID);
		ev->status = (int32_t)nlt_u32(tb, NNMEM_A_JOB_STATUS);
		ev->macs = nlt_u64(tb, NNMEM_A_JOB_MACS);
		break;
	case NNMEM_CMD_SESSION_NTF:
		ev->type = nlt_u32(tb, NNMEM_A_SESSION_EVENT);
		ev->dev = nlt_u32(tb, NNMEM_A_SESSION_DEV_INDEX);
		ev->session = nlt_uint(tb, NNMEM_A_SESSION_ID, NULL);
		break;
	}
	return 0;
}

/* ---- nnmemctl ---- */

static const char *nnmemctl_path(void)
{
	const char *p = getenv("NNMEMCTL");
	static const char * const tries[] = {
		"/bin/nnmemctl", "/usr/bin/nnmemctl", "/usr/local/bin/nnmemctl",
	};
	size_t i;

	if (p && *p)
		return access(p, X_OK) ? NULL : p;
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		if (!access(tries[i], X_OK))
			return tries[i];
	return NULL;
}

/* Run @cmd, return its stdout (malloc'ed) and exit status in @status. */
static char *run_capture(const char *cmd, int *status)
{
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	FILE *f;
	size_t n;

	if (!out)
		return NULL;
	f = popen(cmd, "r");
	if (!f) {
		free(out);
		return NULL;
	}
	while ((n = fread(out + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *bigger = realloc(out, cap * 2);

			if (!bigger)
				break;
			out = bigger;
			cap *= 2;
		}
	}
	out[len] = '\0';
	*status = pclose(f);
	return out;
}

/* ---- tests ---- */

FIXTURE(nl) {
	int fd;			/* a session of /dev/nnmem0 */
	struct nlt nl;
	struct nnmem_info info;
};

FIXTURE_SETUP(nl)
{
	struct nnmem_usage u;
	int err;

	NT_SETUP_SESSION(self->fd, &self->info, &u);
	err = nlt_open(&self->nl, false, 0);
	ASSERT_EQ(0, err) {
		TH_LOG("netlink family %s: %s", NNMEM_FAMILY_NAME,
		       strerror(-err));
	}
}

FIXTURE_TEARDOWN(nl)
{
	if (self->nl.fd > 0)
		close(self->nl.fd);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(nl, netlink_family_and_events_group_resolve_by_name)
{
	struct nlt_family f;

	ASSERT_EQ(0, nlt_resolve(&self->nl, &f));
	ASSERT_LT(GENL_MIN_ID - 1, f.id);
	/* 2: session ids are u64 */
	ASSERT_EQ(2, f.version);
	ASSERT_NE(0, f.grp);
	ASSERT_TRUE(f.dev_get);
	ASSERT_TRUE(f.region_get);
}

TEST_F(nl, netlink_dev_get_agrees_with_ioctl_usage_after_operations)
{
	struct nlt_dev devs[8] = { [0] = { .index = UINT32_MAX } };
	uint32_t w1, w2, a1, a2;
	struct nnmem_usage u;
	struct nlt_dev d;
	struct nlt_msg m;
	int fd2, i;

	ASSERT_EQ(0, nt_weight(self->fd, 5000, 0, &w1, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 64 * 1024, 4096, &w2, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 100000, 256, &a1, NULL));
	ASSERT_EQ(0, nt_alloc(self->fd, 3 * 4096 + 1, 0, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, "act", &a2, NULL));
	ASSERT_EQ(0, nt_free(self->fd, w1));
	ASSERT_EQ(0, nt_free(self->fd, a1));

	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(0, nlt_dev_get(&self->nl, 0, &d));
	ASSERT_TRUE(d.complete);
	ASSERT_EQ(0, d.index);
	ASSERT_STREQ("nnmem0", d.name);
	ASSERT_EQ(u.arena_size, d.arena_size);
	ASSERT_EQ(u.weight_bytes, d.weight_bytes);
	ASSERT_EQ(u.activation_bytes, d.activation_bytes);
	ASSERT_EQ(u.free_bytes, d.free_bytes);
	ASSERT_EQ(u.largest_free, d.largest_free);
	ASSERT_EQ(u.weight_hwm, d.weight_hwm);
	ASSERT_EQ(u.activation_hwm, d.activation_hwm);
	ASSERT_EQ(u.weight_regions, d.weight_regions);
	ASSERT_EQ(u.activation_regions, d.activation_regions);
	ASSERT_EQ(1, d.weight_regions);
	ASSERT_EQ(1, d.activation_regions);
	ASSERT_EQ(u.free_extents, d.free_extents);
	ASSERT_EQ(u.deferred_regions, d.deferred_regions);
	ASSERT_EQ(1, d.sessions);
	ASSERT_EQ(0, d.graphs);
	ASSERT_EQ(u.device_kmem, d.kmem);
	ASSERT_EQ(0, d.kmem);
	for (i = 0; i < NNMEM_PATH_COUNT; i++) {
		ASSERT_EQ(u.path_nodes[i], d.path_nodes[i]);
		ASSERT_EQ(u.path_macs[i], d.path_macs[i]);
	}

	/* A second session counts; the dump has every device, in order. */
	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, nlt_dev_get(&self->nl, 0, &d));
	ASSERT_EQ(2, d.sessions);
	close(fd2);
	ASSERT_EQ(0, nlt_dev_get(&self->nl, 0, &d));
	ASSERT_EQ(1, d.sessions);

	nlt_msg_init(&self->nl, &m, self->nl.family, NLM_F_DUMP,
		     NNMEM_CMD_DEV_GET);
	ASSERT_EQ(0, nlt_request(&self->nl, &m, nlt_dev_parse, devs));
	for (i = 0; devs[i].index != UINT32_MAX; i++) {
		char name[32];

		snprintf(name, sizeof(name), "nnmem%d", i);
		ASSERT_EQ((uint32_t)i, devs[i].index);
		ASSERT_STREQ(name, devs[i].name);
		ASSERT_TRUE(devs[i].complete);
	}
	ASSERT_EQ(2, i);	/* devices=2 */
	ASSERT_EQ(u.weight_bytes, devs[0].weight_bytes);
	ASSERT_EQ(0, devs[1].weight_bytes + devs[1].activation_bytes);

	ASSERT_EQ(0, nt_free(self->fd, w2));
	ASSERT_EQ(0, nt_free(self->fd, a2));
	ASSERT_EQ(0, nlt_dev_get(&self->nl, 0, &d));
	ASSERT_EQ(d.arena_size, d.free_bytes);
	ASSERT_EQ(0, d.weight_regions + d.activation_regions);
}

TEST_F(nl, netlink_region_get_shows_exactly_the_callers_regions)
{
	static const char * const labels[] = { "w-first", "act-map", "w-2" };
	struct nnmem_region_info ri;
	const struct nlt_region *r;
	struct nlt_regions rs;
	struct nlt_regions one = { .n = 0 };
	uint32_t h[3];
	struct nlt_msg m;
	int i;

	ASSERT_EQ(0, nt_alloc(self->fd, 1000, 128, NNMEM_KIND_WEIGHT, 0,
			      labels[0], &h[0], NULL));
	ASSERT_EQ(0, nt_alloc(self->fd, 5000, 0, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, labels[1], &h[1], NULL));
	ASSERT_EQ(0, nt_alloc(self->fd, 777, 0, NNMEM_KIND_WEIGHT, 0,
			      labels[2], &h[2], NULL));

	ASSERT_EQ(0, nlt_regions(&self->nl, &rs));
	ASSERT_EQ(3, rs.n);
	for (i = 0; i < 3; i++) {
		r = nlt_find_label(&rs, labels[i]);
		ASSERT_NE(NULL, r) {
			TH_LOG("region %s missing from the dump", labels[i]);
		}
		ASSERT_EQ(0, nt_region_info(self->fd, h[i], &ri));
		ASSERT_EQ(0, r->dev);
		ASSERT_EQ(h[i], r->handle);
		ASSERT_EQ(ri.offset, r->offset);
		ASSERT_EQ(ri.size, r->size);
		ASSERT_EQ(ri.span, r->span);
		ASSERT_EQ(ri.align, r->align);
		ASSERT_EQ(ri.kind, r->kind);
		ASSERT_EQ(!!(ri.alloc_flags & NNMEM_ALLOC_MAPPABLE),
			  r->mappable);
		ASSERT_EQ((uint32_t)getpid(), r->pid);
		ASSERT_EQ(getuid(), r->uid);
		ASSERT_EQ(0, r->graph_refs);
		ASSERT_LE(r->res_start, r->offset);
		ASSERT_LE(r->offset + r->span, r->res_start + r->res_size);
		ASSERT_EQ(rs.r[0].session, r->session);
	}

	/* do: the same region; another handle of the session is absent. */
	r = nlt_find_label(&rs, labels[1]);
	nlt_msg_init(&self->nl, &m, self->nl.family, 0, NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_DEV_INDEX, 0);
	nlt_put_u64(&m, NNMEM_A_REGION_SESSION, r->session);
	nlt_put_u32(&m, NNMEM_A_REGION_HANDLE, r->handle);
	ASSERT_EQ(0, nlt_request(&self->nl, &m, nlt_region_parse, &one));
	ASSERT_EQ(1, one.n);
	ASSERT_EQ(r->offset, one.r[0].offset);
	ASSERT_STREQ(labels[1], one.r[0].label);

	nlt_msg_init(&self->nl, &m, self->nl.family, 0, NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_DEV_INDEX, 0);
	nlt_put_u64(&m, NNMEM_A_REGION_SESSION, r->session);
	nlt_put_u32(&m, NNMEM_A_REGION_HANDLE, 1000);
	ASSERT_EQ(-ENOENT, nlt_request(&self->nl, &m, NULL, NULL));
	ASSERT_STRNE("", self->nl.extack);

	/* The dump filtered to device 1 is empty. */
	rs.n = 0;
	nlt_msg_init(&self->nl, &m, self->nl.family, NLM_F_DUMP,
		     NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_DEV_INDEX, 1);
	ASSERT_EQ(0, nlt_request(&self->nl, &m, nlt_region_parse, &rs));
	ASSERT_EQ(0, rs.n);

	/* Freed: gone from the dump. */
	ASSERT_EQ(0, nt_free(self->fd, h[0]));
	ASSERT_EQ(0, nlt_regions(&self->nl, &rs));
	ASSERT_EQ(2, rs.n);
	ASSERT_EQ(NULL, nlt_find_label(&rs, labels[0]));
}

/*
 * The child, as uid 65534: its netlink dump and do see only its own
 * region, never root's. Returns a nonzero code naming the failed check.
 */
static int nobody_child(uint64_t root_session, uint32_t root_handle,
			int ready_fd, int go_fd)
{
	struct nlt_regions rs;
	struct nlt nl;
	struct nlt_msg m;
	uint32_t grp;
	char c = 0;
	int fd;

	if (setgid(NLT_NOBODY) || setuid(NLT_NOBODY))
		return 10;
	fd = nt_open(0);
	if (fd < 0)
		return 100 + -fd;	/* 100 + errno */
	if (nt_alloc(fd, 4096, 0, NNMEM_KIND_WEIGHT, 0, "nobody-w", NULL,
		     NULL))
		return 12;
	if (nlt_open(&nl, false, 0))
		return 13;
	if (nlt_regions(&nl, &rs))
		return 14;
	if (rs.n != 1 || strcmp(rs.r[0].label, "nobody-w") ||
	    rs.r[0].uid != NLT_NOBODY)
		return 15;
	/* root's region reads as absent, with a message */
	nlt_msg_init(&nl, &m, nl.family, 0, NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_DEV_INDEX, 0);
	nlt_put_u64(&m, NNMEM_A_REGION_SESSION, root_session);
	nlt_put_u32(&m, NNMEM_A_REGION_HANDLE, root_handle);
	if (nlt_request(&nl, &m, NULL, NULL) != -ENOENT || !nl.extack[0])
		return 16;
	/* user-get: only its own uid, whatever root has */
	{
		struct nlt_users us;
		struct nlt_user u;

		if (nlt_users(&nl, -1, &us) || us.n != 1 ||
		    us.u[0].uid != NLT_NOBODY || us.u[0].regions != 1 ||
		    us.u[0].weight_bytes != 4096 || us.u[0].sessions != 1)
			return 19;
		if (nlt_user_get(&nl, 0, 0, &u) != -ENOENT)
			return 20;
	}
	/* and the events group is CAP_SYS_ADMIN's */
	grp = nl.events_grp;
	if (!setsockopt(nl.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
			sizeof(grp)) || errno != EPERM)
		return 17;
	/* let the parent look while the region exists */
	if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1)
		return 18;
	close(fd);
	return 0;
}

TEST_F(nl, netlink_region_get_hides_other_users_regions)
{
	static const char * const dirs[] = { "/", "/dev" };
	int ready[2], go[2], status;
	struct nlt_regions rs;
	const struct nlt_region *mine, *theirs;
	struct stat st, dst[2];
	pid_t pid;
	char c = 0;
	int i;

	if (geteuid())
		SKIP(return, "needs root to switch to uid %d", NLT_NOBODY);
	ASSERT_EQ(0, nt_alloc(self->fd, 8192, 0, NNMEM_KIND_ACTIVATION, 0,
			      "root-a", NULL, NULL));
	ASSERT_EQ(0, nlt_regions(&self->nl, &rs));
	ASSERT_EQ(1, rs.n);
	mine = &rs.r[0];

	/*
	 * uid 65534 must be able to open the device for its own session:
	 * the node and the directories above it (an initramfs root made by
	 * mktemp -d is 0700) are opened up for the test, then restored.
	 */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, stat(dirs[i], &dst[i]));
		ASSERT_EQ(0, chmod(dirs[i], (dst[i].st_mode & 07777) | 0111));
	}
	ASSERT_EQ(0, stat("/dev/nnmem0", &st));
	ASSERT_EQ(0, chmod("/dev/nnmem0", 0666));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(ready[0]);
		close(go[1]);
		_exit(nobody_child(mine->session, mine->handle, ready[1],
				   go[0]));
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) == 1) {
		struct nlt_regions all;

		/* CAP_SYS_ADMIN sees both users' regions. */
		EXPECT_EQ(0, nlt_regions(&self->nl, &all));
		EXPECT_EQ(2, all.n);
		theirs = nlt_find_label(&all, "nobody-w");
		EXPECT_NE(NULL, theirs);
		if (theirs)
			EXPECT_EQ(NLT_NOBODY, theirs->uid);
		EXPECT_EQ(1, write(go[1], &c, 1));
	}
	close(go[1]);
	close(ready[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, chmod("/dev/nnmem0", st.st_mode & 07777));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, chmod(dirs[i], dst[i].st_mode & 07777));
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("uid %d child failed check %d", NLT_NOBODY,
		       WEXITSTATUS(status));
	}
}

TEST_F(nl, netlink_malformed_requests_fail_with_extack_messages)
{
	struct nlt *nl = &self->nl;
	struct nlt_msg m;
	uint64_t wide = 0;
	uint8_t narrow = 0;

	/* unknown attribute (past the policy) */
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DEV_GET);
	nlt_put_u32(&m, NNMEM_A_DEV_DEV_INDEX, 0);
	nlt_put_u32(&m, 30, 0);
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);

	/* an attribute of the set that the request does not take */
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DEV_GET);
	nlt_put_u32(&m, NNMEM_A_DEV_DEV_INDEX, 0);
	nlt_put(&m, NNMEM_A_DEV_NAME, "nnmem0", 7);
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);

	/* wrong type: a u8 and a u64 where a u32 goes */
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DEV_GET);
	nlt_put(&m, NNMEM_A_DEV_DEV_INDEX, &narrow, sizeof(narrow));
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DEV_GET);
	nlt_put(&m, NNMEM_A_DEV_DEV_INDEX, &wide, sizeof(wide));
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);

	/* missing required attribute: named, and a message */
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DEV_GET);
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);
	ASSERT_EQ(NNMEM_A_DEV_DEV_INDEX, nl->miss_type);
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_DEV_INDEX, 0);
	nlt_put_u32(&m, NNMEM_A_REGION_HANDLE, 1);
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);
	ASSERT_EQ(NNMEM_A_REGION_SESSION, nl->miss_type);

	/* handle 0 is below the policy's minimum */
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_DEV_INDEX, 0);
	nlt_put_u64(&m, NNMEM_A_REGION_SESSION, 1);
	nlt_put_u32(&m, NNMEM_A_REGION_HANDLE, 0);
	ASSERT_EQ(-ERANGE, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);

	/* a session id is a u64 (family version 2): 4 bytes are refused */
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_DEV_INDEX, 0);
	nlt_put_u32(&m, NNMEM_A_REGION_SESSION, 1);
	nlt_put_u32(&m, NNMEM_A_REGION_HANDLE, 1);
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);

	/* bad device id: do and dump */
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DEV_GET);
	nlt_put_u32(&m, NNMEM_A_DEV_DEV_INDEX, 9999);
	ASSERT_EQ(-ENODEV, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_DEV_INDEX, 9999);
	ASSERT_EQ(-ENODEV, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);

	/* a dump does not filter by handle */
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_HANDLE, 1);
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STRNE("", nl->extack);

	/* the socket still works */
	{
		struct nlt_dev d;

		ASSERT_EQ(0, nlt_dev_get(nl, 0, &d));
	}
}

/* Next event of session @session, skipping others'. */
static int nlt_event_of(struct nlt *nl, uint64_t session,
			struct nlt_event *ev)
{
	int err;

	do {
		err = nlt_event(nl, ev, 5000);
	} while (!err && session && ev->session != session);
	return err;
}

/* ---- session ids past 2^32 ---- */

#define NLT_DEBUGFS		"/sys/kernel/debug/nnmem"
/* The test hook: the id the next open gets (driver/debugfs-nnmem). */
#define NLT_NEXT_SESSION_ID	NLT_DEBUGFS "/next_session_id"
#define NLT_WRAP_SESSIONS	6
#define NLT_WRAP_REGIONS	64
#define NLT_WRAP_MAX		1024

static int nlt_file_u64(const char *path, uint64_t *v)
{
	unsigned long long x;
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", &x) == 1;
	fclose(f);
	if (!ok)
		return -EBADMSG;
	*v = x;
	return 0;
}

/* 0, or the -errno of the write (the hook refuses with it). */
static int nlt_set_file_u64(const char *path, uint64_t v)
{
	char buf[32];
	int fd, len, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);
	if (write(fd, buf, len) != len)
		err = -errno;
	close(fd);
	return err;
}

/* The regions of a dump: session id, its attribute's width, label. */
struct nlt_wrap {
	int n;
	struct {
		uint64_t session;
		int width;
		char label[NNMEM_LABEL_LEN + 1];
	} r[NLT_WRAP_MAX];
};

static void nlt_wrap_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct nlt_wrap *w = arg;
	const struct nlattr *tb[NLT_MAX_ATTR];

	nlt_parse(nlh, tb);
	if (w->n < NLT_WRAP_MAX) {
		w->r[w->n].session = nlt_uint(tb, NNMEM_A_REGION_SESSION,
					      &w->r[w->n].width);
		snprintf(w->r[w->n].label, sizeof(w->r[w->n].label), "%s",
			 nlt_str(tb, NNMEM_A_REGION_LABEL));
	}
	w->n++;
}

/*
 * Session ids count opens since load. After 2^32 opens (reached here
 * through the debugfs hook) a region-get dump that needs several messages
 * must still list every region of every session exactly once, and name
 * each session by its full id. Sessions alternate between the two devices,
 * so both devices' lists cross 2^32.
 */
TEST_F(nl, netlink_region_dump_lists_every_session_once_past_2_pow_32_opens)
{
	int seen[NLT_WRAP_SESSIONS][NLT_WRAP_REGIONS];
	uint64_t next, start, id[NLT_WRAP_SESSIONS];
	uint32_t h[NLT_WRAP_SESSIONS];
	int fds[NLT_WRAP_SESSIONS];
	struct nlt ev_nl;
	struct nlt_event ev;
	struct nlt_wrap *w;
	struct nlt_msg m;
	int i, j, k, bad = 0;

	if (access(NLT_DEBUGFS, F_OK))
		SKIP(return, "debugfs is not mounted at /sys/kernel/debug");
	ASSERT_EQ(0, nlt_file_u64(NLT_NEXT_SESSION_ID, &next)) {
		TH_LOG("the test hook %s is missing", NLT_NEXT_SESSION_ID);
	}
	/* Three sessions below a multiple of 2^32 and three from it on. */
	start = ((next + 3 + 0xffffffffULL) & ~0xffffffffULL) - 3;
	ASSERT_EQ(0, nlt_set_file_u64(NLT_NEXT_SESSION_ID, start));
	/* The hook never moves ids back (they would repeat). */
	ASSERT_EQ(-EINVAL, nlt_set_file_u64(NLT_NEXT_SESSION_ID, start - 1));
	ASSERT_EQ(0, nlt_file_u64(NLT_NEXT_SESSION_ID, &next));
	ASSERT_EQ(start, next);

	/* Each session's id from its session-open event. */
	ASSERT_EQ(0, nlt_open(&ev_nl, true, 0));
	for (k = 0; k < NLT_WRAP_SESSIONS; k++) {
		fds[k] = nt_open(k % 2);
		ASSERT_LE(0, fds[k]);
		ASSERT_EQ(0, nlt_event_of(&ev_nl, 0, &ev));
		ASSERT_EQ(NNMEM_EVENT_TYPE_SESSION_OPEN, ev.type);
		id[k] = ev.session;
	}
	close(ev_nl.fd);
	for (k = 0; k < NLT_WRAP_SESSIONS; k++) {
		for (j = 0; j < NLT_WRAP_REGIONS; j++) {
			char label[28];

			snprintf(label, sizeof(label), "wrap%d.%d", k, j);
			ASSERT_EQ(0, nt_alloc(fds[k], 64, 0, NNMEM_KIND_WEIGHT,
					      0, label, j ? NULL : &h[k],
					      NULL));
		}
	}

	w = calloc(1, sizeof(*w));
	ASSERT_NE(NULL, w);
	nlt_msg_init(&self->nl, &m, self->nl.family, NLM_F_DUMP,
		     NNMEM_CMD_REGION_GET);
	ASSERT_EQ(0, nlt_request(&self->nl, &m, nlt_wrap_parse, w));
	/* More than one message: the dump was resumed from its cursor. */
	ASSERT_LE(2, self->nl.datagrams);
	ASSERT_GE(NLT_WRAP_MAX, w->n);

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < w->n; i++) {
		if (sscanf(w->r[i].label, "wrap%d.%d", &k, &j) != 2 ||
		    k < 0 || k >= NLT_WRAP_SESSIONS || j < 0 ||
		    j >= NLT_WRAP_REGIONS) {
			TH_LOG("region %d: unexpected label \"%s\"", i,
			       w->r[i].label);
			bad++;
			continue;
		}
		seen[k][j]++;
		if (w->r[i].session != id[k]) {
			TH_LOG("%s: session %llu, opened as %llu",
			       w->r[i].label,
			       (unsigned long long)w->r[i].session,
			       (unsigned long long)id[k]);
			bad++;
		}
	}
	for (k = 0; k < NLT_WRAP_SESSIONS; k++) {
		for (j = 0; j < NLT_WRAP_REGIONS; j++) {
			if (seen[k][j] == 1)
				continue;
			TH_LOG("wrap%d.%d (session %llu) listed %d times", k,
			       j, (unsigned long long)id[k], seen[k][j]);
			bad++;
		}
	}
	ASSERT_EQ(0, bad) {
		TH_LOG("%d of %d regions wrong in a %d-part dump", bad,
		       NLT_WRAP_SESSIONS * NLT_WRAP_REGIONS,
		       self->nl.datagrams);
	}
	ASSERT_EQ(NLT_WRAP_SESSIONS * NLT_WRAP_REGIONS, w->n);

	/* Full 64-bit ids, one per open, in order, past 2^32. */
	for (i = 0; i < w->n; i++) {
		ASSERT_EQ(8, w->r[i].width);
	}
	for (k = 0; k < NLT_WRAP_SESSIONS; k++) {
		ASSERT_EQ(start + k, id[k]);
	}
	ASSERT_LT(0xffffffffULL, id[NLT_WRAP_SESSIONS - 1]);

	/* do and a filtered dump by an id above 2^32 */
	k = NLT_WRAP_SESSIONS - 1;
	nlt_msg_init(&self->nl, &m, self->nl.family, 0, NNMEM_CMD_REGION_GET);
	nlt_put_u32(&m, NNMEM_A_REGION_DEV_INDEX, k % 2);
	nlt_put_u64(&m, NNMEM_A_REGION_SESSION, id[k]);
	nlt_put_u32(&m, NNMEM_A_REGION_HANDLE, h[k]);
	w->n = 0;
	ASSERT_EQ(0, nlt_request(&self->nl, &m, nlt_wrap_parse, w));
	ASSERT_EQ(1, w->n);
	ASSERT_EQ(id[k], w->r[0].session);
	ASSERT_STREQ("wrap5.0", w->r[0].label);
	nlt_msg_init(&self->nl, &m, self->nl.family, NLM_F_DUMP,
		     NNMEM_CMD_REGION_GET);
	nlt_put_u64(&m, NNMEM_A_REGION_SESSION, id[k]);
	w->n = 0;
	ASSERT_EQ(0, nlt_request(&self->nl, &m, nlt_wrap_parse, w));
	ASSERT_EQ(NLT_WRAP_REGIONS, w->n);
	for (i = 0; i < w->n; i++) {
		ASSERT_EQ(id[k], w->r[i].session);
	}

	free(w);
	for (k = 0; k < NLT_WRAP_SESSIONS; k++)
		close(fds[k]);
}

TEST_F(nl, netlink_events_arrive_in_order_for_alloc_free_and_run)
{
	struct nlt ev_nl;
	struct nlt_event ev;
	struct nnmem_run run;
	uint32_t w, a, graph;
	uint64_t session, woff, aoff;
	struct gk g;
	int fd, err;

	ASSERT_EQ(0, nlt_open(&ev_nl, true, 0));
	fd = nt_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, nlt_event(&ev_nl, &ev, 5000));
	ASSERT_EQ(NNMEM_CMD_SESSION_NTF, ev.cmd);
	ASSERT_EQ(NNMEM_EVENT_TYPE_SESSION_OPEN, ev.type);
	session = ev.session;
	ASSERT_NE(0, session);

	ASSERT_EQ(0, nt_alloc(fd, 3000, 0, NNMEM_KIND_WEIGHT, 0, "ev-w", &w,
			      &woff));
	ASSERT_EQ(0, nt_alloc(fd, 9000, 0, NNMEM_KIND_ACTIVATION, 0, "ev-a",
			      &a, &aoff));
	ASSERT_EQ(0, nt_free(fd, w));
	ASSERT_EQ(-ENOSPC, nt_weight(fd, self->info.arena_size, 0, NULL,
				     NULL));
	ASSERT_EQ(0, nt_free(fd, a));

	ASSERT_EQ(0, nlt_event_of(&ev_nl, session, &ev));
	ASSERT_EQ(NNMEM_EVENT_TYPE_REGION_ALLOC, ev.type);
	ASSERT_STREQ("ev-w", ev.label);
	ASSERT_EQ(w, ev.handle);
	ASSERT_EQ(woff, ev.offset);
	ASSERT_EQ(NNMEM_KIND_WEIGHT, ev.kind);
	ASSERT_EQ(0, nlt_event_of(&ev_nl, session, &ev));
	ASSERT_EQ(NNMEM_EVENT_TYPE_REGION_ALLOC, ev.type);
	ASSERT_STREQ("ev-a", ev.label);
	ASSERT_EQ(aoff, ev.offset);
	ASSERT_EQ(0, nlt_event_of(&ev_nl, session, &ev));
	ASSERT_EQ(NNMEM_EVENT_TYPE_REGION_FREE, ev.type);
	ASSERT_EQ(w, ev.handle);
	ASSERT_EQ(0, nlt_event_of(&ev_nl, session, &ev));
	ASSERT_EQ(NNMEM_CMD_ALLOC_FAILED_NTF, ev.cmd);
	ASSERT_EQ(NNMEM_EVENT_TYPE_ALLOC_FAILED, ev.type);
	ASSERT_EQ(-ENOSPC, ev.error);
	ASSERT_EQ(self->info.arena_size, ev.size);
	ASSERT_EQ(NNMEM_KIND_WEIGHT, ev.kind);
	ASSERT_EQ(0, nlt_event_of(&ev_nl, session, &ev));
	ASSERT_EQ(NNMEM_EVENT_TYPE_REGION_FREE, ev.type);
	ASSERT_EQ(a, ev.handle);

	/* A run: graph-create, job-start, job-finish, graph-destroy. */
	{
		/* job_test's small conv, smaller. */
		struct gk_conv_spec s = {
			.n = 1, .h = 8, .w = 8, .c = 8, .oc = 8, .kh = 3,
			.kw = 3, .pad_top = 1, .pad_bottom = 1, .pad_left = 1,
			.pad_right = 1, .in_zp = -3, .out_zp = -5,
			.f_lo = -32, .f_hi = 32, .bias_lo = -4000,
			.bias_hi = 4000, .shift_lo = -10, .shift_hi = -9,
			.seed = 7, .input = -1,
		};

		gk_init(&g, fd);
		ASSERT_LE(0, gk_conv(&g, &s));
		ASSERT_EQ(0, gk_upload(&g));
		ASSERT_EQ(0, gk_create(&g, &graph));
		/* dev-get's kmem: the graph's charge, as USAGE says. */
		{
			struct nnmem_usage u;
			struct nlt_dev d;

			ASSERT_EQ(0, nlt_dev_get(&self->nl, 0, &d));
			ASSERT_EQ(0, nt_usage(fd, &u));
			ASSERT_EQ(64 + 8 * g.nt + 144 * g.nn + g.fast_size,
				  d.kmem);
			ASSERT_EQ(u.device_kmem, d.kmem);
			ASSERT_EQ(u.session_kmem, d.kmem);
		}
		ASSERT_EQ(0, nt_run(fd, graph, &run));
		ASSERT_EQ(0, nt_graph_destroy(fd, graph));
		ASSERT_EQ(0, gk_fini(&g));
	}
	do {
		err = nlt_event_of(&ev_nl, session, &ev);
	} while (!err && ev.cmd == NNMEM_CMD_REGION_NTF);
	ASSERT_EQ(0, err);
	ASSERT_EQ(NNMEM_EVENT_TYPE_GRAPH_CREATE, ev.type);
	ASSERT_EQ(graph, ev.graph);
	ASSERT_EQ(0, nlt_event_of(&ev_nl, session, &ev));
	ASSERT_EQ(NNMEM_EVENT_TYPE_JOB_START, ev.type);
	ASSERT_EQ(graph, ev.graph);
	ASSERT_EQ(0, nlt_event_of(&ev_nl, session, &ev));
	ASSERT_EQ(NNMEM_EVENT_TYPE_JOB_FINISH, ev.type);
	ASSERT_EQ(0, ev.status);
	ASSERT_EQ(run.macs, ev.macs);
	ASSERT_EQ(0, nlt_event_of(&ev_nl, session, &ev));
	ASSERT_EQ(NNMEM_EVENT_TYPE_GRAPH_DESTROY, ev.type);
	ASSERT_EQ(graph, ev.graph);

	close(fd);
	do {
		err = nlt_event_of(&ev_nl, session, &ev);
	} while (!err && ev.cmd == NNMEM_CMD_REGION_NTF);
	ASSERT_EQ(0, err);
	ASSERT_EQ(NNMEM_EVENT_TYPE_SESSION_CLOSE, ev.type);
	ASSERT_EQ(-ETIMEDOUT, nlt_event(&ev_nl, &ev, 200));
	close(ev_nl.fd);
}

TEST_F_TIMEOUT(nl, netlink_event_flood_loses_events_without_blocking, 300)
{
	const int rounds = 4000;
	struct nnmem_usage u;
	struct nlt_event ev;
	struct nlt slow;
	uint64_t t0, dt;
	uint32_t h;
	int i, err, got = 0;

	/* The smallest receive buffer; nothing is read while flooding. */
	ASSERT_EQ(0, nlt_open(&slow, true, 1));
	t0 = nt_now_ns();
	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(0, nt_weight(self->fd, 4096, 0, &h, NULL));
		ASSERT_EQ(0, nt_free(self->fd, h));
	}
	dt = nt_now_ns() - t0;
	TH_LOG("%d alloc/free pairs in %llu ms with a stalled listener",
	       rounds, (unsigned long long)(dt / 1000000));

	/* The overrun shows as ENOBUFS, then the queued events come. */
	err = nlt_event(&slow, &ev, 1000);
	ASSERT_EQ(-ENOBUFS, err);
	while (!nlt_event(&slow, &ev, 100))
		got++;
	ASSERT_LT(got, 2 * rounds);

	/* The device still works, and the listener gets new events. */
	ASSERT_EQ(0, nt_weight(self->fd, 4096, 0, &h, NULL));
	ASSERT_EQ(0, nlt_event(&slow, &ev, 5000));
	ASSERT_EQ(NNMEM_EVENT_TYPE_REGION_ALLOC, ev.type);
	ASSERT_EQ(h, ev.handle);
	ASSERT_EQ(0, nt_free(self->fd, h));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_TRUE(nt_usage_empty(&u));
	close(slow.fd);
}

TEST_F(nl, netlink_nnmemctl_status_json_parses_and_matches)
{
	const char *ctl = nnmemctl_path();
	json_object *root, *devs, *dev0, *v;
	struct nnmem_usage u;
	struct nlt_dev d;
	char cmd[512], *out;
	uint32_t h1, h2, h3;
	int status, fd1, dfd;
	struct nnmem_export e;

	if (!ctl)
		SKIP(return, "nnmemctl not found (set NNMEMCTL)");
	ASSERT_EQ(0, nt_weight(self->fd, 12345, 0, &h1, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 54321, 0, &h2, NULL));
	ASSERT_EQ(0, nt_usage(self->fd, &u));
	ASSERT_EQ(0, nlt_dev_get(&self->nl, 0, &d));
	/* nnmem1: one region exported twice over (dmabufs, users) */
	fd1 = nt_open(1);
	ASSERT_LE(0, fd1);
	ASSERT_EQ(0, nt_alloc(fd1, 4096, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, "st-exp", &h3, NULL));
	memset(&e, 0, sizeof(e));
	e.handle = h3;
	e.flags = NNMEM_EXPORT_CLOEXEC;
	e.fd = -1;
	ASSERT_EQ(0, nt_ioctl(fd1, NNMEM_IOCTL_EXPORT, &e));
	dfd = e.fd;
	e.fd = -1;
	ASSERT_EQ(0, nt_ioctl(fd1, NNMEM_IOCTL_EXPORT, &e));

	snprintf(cmd, sizeof(cmd), "%s status --json", ctl);
	out = run_capture(cmd, &status);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, status) {
		TH_LOG("%s: status %d, output: %s", cmd, status, out);
	}
	root = json_tokener_parse(out);
	ASSERT_NE(NULL, root) {
		TH_LOG("not JSON: %s", out);
	}
	free(out);
	ASSERT_TRUE(json_object_object_get_ex(root, "devices", &devs));
	ASSERT_EQ(2, json_object_array_length(devs));
	dev0 = json_object_array_get_idx(devs, 0);
	ASSERT_TRUE(json_object_object_get_ex(dev0, "name", &v));
	ASSERT_STREQ("nnmem0", json_object_get_string(v));
#define JSON_U64(key) ({						\
	json_object *__v = NULL;					\
	json_object_object_get_ex(dev0, key, &__v) ?			\
		json_object_get_uint64(__v) : UINT64_MAX; })
	ASSERT_EQ(0, JSON_U64("index"));
	ASSERT_EQ(u.arena_size, JSON_U64("arena_size"));
	ASSERT_EQ(u.weight_bytes, JSON_U64("weight_bytes"));
	ASSERT_EQ(u.activation_bytes, JSON_U64("activation_bytes"));
	ASSERT_EQ(u.free_bytes, JSON_U64("free_bytes"));
	ASSERT_EQ(u.largest_free, JSON_U64("largest_free"));
	ASSERT_EQ(u.weight_hwm, JSON_U64("weight_hwm"));
	ASSERT_EQ(u.activation_hwm, JSON_U64("activation_hwm"));
	ASSERT_EQ(1, JSON_U64("weight_regions"));
	ASSERT_EQ(1, JSON_U64("activation_regions"));
	ASSERT_EQ(u.free_extents, JSON_U64("free_extents"));
	ASSERT_EQ(1, JSON_U64("sessions"));
	ASSERT_EQ(d.graphs, JSON_U64("graphs"));
	ASSERT_EQ(d.jobs_completed, JSON_U64("jobs_completed"));
	ASSERT_EQ(d.macs, JSON_U64("macs"));
	ASSERT_EQ(d.kmem, JSON_U64("kmem"));
	ASSERT_EQ(0, JSON_U64("dmabufs"));
	ASSERT_EQ(0, JSON_U64("exported_regions"));
	/* root's usage of nnmem0 (uid 0, no quota set here) */
	{
		json_object *users, *u0, *q;

		ASSERT_TRUE(json_object_object_get_ex(dev0, "users", &users));
		ASSERT_EQ(1, json_object_array_length(users));
		u0 = json_object_array_get_idx(users, 0);
		dev0 = u0;
		ASSERT_EQ(0, JSON_U64("uid"));
		ASSERT_EQ(12345, JSON_U64("weight_bytes"));
		ASSERT_EQ(54321, JSON_U64("activation_bytes"));
		ASSERT_EQ(2, JSON_U64("regions"));
		ASSERT_EQ(1, JSON_U64("sessions"));
		ASSERT_TRUE(json_object_object_get_ex(u0, "weight_quota",
						      &q));
		ASSERT_EQ(NULL, q);
	}
	dev0 = json_object_array_get_idx(devs, 1);
	ASSERT_EQ(1, JSON_U64("index"));
	ASSERT_EQ(2, JSON_U64("dmabufs"));
	ASSERT_EQ(1, JSON_U64("exported_regions"));
	/* who holds them: dmabuf-get, in export order */
	{
		json_object *hs, *imp;
		struct stat st;

		ASSERT_TRUE(json_object_object_get_ex(dev0, "dmabuf_holders",
						      &hs));
		ASSERT_EQ(2, json_object_array_length(hs));
		ASSERT_EQ(0, fstat(dfd, &st));
		dev0 = json_object_array_get_idx(hs, 0);
		ASSERT_EQ((uint64_t)st.st_ino, JSON_U64("inode"));
		ASSERT_EQ(h3, JSON_U64("handle"));
		ASSERT_EQ((uint64_t)getpid(), JSON_U64("pid"));
		ASSERT_EQ(0, JSON_U64("mmaps"));
		ASSERT_EQ(0, JSON_U64("attachments"));
		ASSERT_TRUE(json_object_object_get_ex(dev0, "importers",
						      &imp));
		ASSERT_EQ(0, json_object_array_length(imp));
		ASSERT_EQ(0, fstat(e.fd, &st));
		dev0 = json_object_array_get_idx(hs, 1);
		ASSERT_EQ((uint64_t)st.st_ino, JSON_U64("inode"));
	}
#undef JSON_U64
	json_object_put(root);
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, close(e.fd));
	ASSERT_EQ(0, close(fd1));
	ASSERT_EQ(0, nt_free(self->fd, h1));
	ASSERT_EQ(0, nt_free(self->fd, h2));
}

/* Crude well-formedness: every opening tag of these names is closed. */
static int count_of(const char *s, const char *needle)
{
	int n = 0;

	for (; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

TEST_F(nl, netlink_nnmemctl_map_svg_has_every_region_label)
{
	static const char * const labels[] = {
		"conv0.filter", "conv0.bias", "input", "conv0.out", "scratch",
	};
	const char *ctl = nnmemctl_path();
	char cmd[512], path[] = "/tmp/nnmem-map-XXXXXX", *out, *svg;
	size_t i, len;
	FILE *f;
	int status, tmp;

	if (!ctl)
		SKIP(return, "nnmemctl not found (set NNMEMCTL)");
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, nt_alloc(self->fd, 1000 * (i + 1), 0,
				      i < 2 ? NNMEM_KIND_WEIGHT :
					      NNMEM_KIND_ACTIVATION,
				      0, labels[i], NULL, NULL));
	}

	tmp = mkstemp(path);
	ASSERT_LE(0, tmp);
	close(tmp);
	snprintf(cmd, sizeof(cmd), "%s map -d 0 --svg %s", ctl, path);
	out = run_capture(cmd, &status);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, status) {
		TH_LOG("%s: status %d, output: %s", cmd, status, out);
	}
	/* The terminal picture names every region too. */
	for (i = 0; i < 5; i++) {
		ASSERT_NE(NULL, strstr(out, labels[i]));
	}
	free(out);

	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	svg = calloc(1, 1 << 20);
	ASSERT_NE(NULL, svg);
	len = fread(svg, 1, (1 << 20) - 1, f);
	fclose(f);
	unlink(path);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, strncmp(svg, "<?xml ", 6));
	ASSERT_NE(NULL, strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	ASSERT_EQ(0, strcmp(svg + len - 7, "</svg>\n"));
	ASSERT_EQ(count_of(svg, "<g "), count_of(svg, "</g>"));
	ASSERT_EQ(count_of(svg, "<text "), count_of(svg, "</text>"));
	ASSERT_EQ(count_of(svg, "<title>"), count_of(svg, "</title>"));
	for (i = 0; i < 5; i++) {
		char text[64];

		snprintf(text, sizeof(text), ">%s</text>", labels[i]);
		ASSERT_NE(NULL, strstr(svg, text)) {
			TH_LOG("label %s not in the SVG", labels[i]);
		}
	}
	/* Five regions and the free space between them and around. */
	ASSERT_EQ(5, count_of(svg, "<g class=\"region "));
	ASSERT_LE(1, count_of(svg, "<g class=\"free\""));
	free(svg);
}

/* The whole file @path, malloc'ed, its size in *@len; NULL if unreadable. */
static char *file_slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = fstat(fileno(f), &st) ? NULL : malloc(st.st_size + 1);
	if (buf && fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		*len = st.st_size;
	return buf;
}

/*
 * nnmemctl run of the example on the device (--check: against the host,
 * node by node) and run --host write the same output bytes; the unit tests
 * pin the host's to the SHA-256 in userspace/examples. A missing device
 * index says how many the module has, with its own exit status.
 */
TEST_F(nl, netlink_nnmemctl_run_device_equals_host)
{
	static const char example[] =
		"/usr/share/nnmem/examples/residual_block.json";
	char dev_dir[] = "/tmp/nnmem-dev-XXXXXX", host_dir[] = "/tmp/nnmem-host-XXXXXX";
	const char *ctl = nnmemctl_path();
	char cmd[512], path[128], *out, *a, *b;
	struct nnmem_usage u;
	size_t alen = 0, blen = 0;
	int status, fd1;

	if (!ctl)
		SKIP(return, "nnmemctl not found (set NNMEMCTL)");
	ASSERT_EQ(0, access(example, R_OK));
	ASSERT_NE(NULL, mkdtemp(dev_dir));
	ASSERT_NE(NULL, mkdtemp(host_dir));

	snprintf(cmd, sizeof(cmd), "%s -d 1 run --check --out %s %s 2>&1", ctl,
		 dev_dir, example);
	out = run_capture(cmd, &status);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("%s: status %d: %s", cmd, status, out);
	}
	ASSERT_NE(NULL, strstr(out, "device output == host reference (")) {
		TH_LOG("%s", out);
	}
	free(out);
	snprintf(cmd, sizeof(cmd), "%s run --host --out %s %s 2>&1", ctl,
		 host_dir, example);
	out = run_capture(cmd, &status);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("%s: status %d: %s", cmd, status, out);
	}
	free(out);

	snprintf(path, sizeof(path), "%s/add_out.bin", dev_dir);
	a = file_slurp(path, &alen);
	unlink(path);
	rmdir(dev_dir);
	snprintf(path, sizeof(path), "%s/add_out.bin", host_dir);
	b = file_slurp(path, &blen);
	unlink(path);
	rmdir(host_dir);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(4096, alen);	/* int8 1x16x16x16 */
	ASSERT_EQ(alen, blen);
	ASSERT_EQ(0, memcmp(a, b, alen));
	free(a);
	free(b);
	/* device 1 was used and left empty */
	fd1 = nt_open(1);
	ASSERT_LE(0, fd1);
	ASSERT_EQ(0, nt_usage(fd1, &u));
	close(fd1);
	ASSERT_TRUE(nt_usage_empty(&u));

	/* devices=2: no /dev/nnmem7, exit status 4, and why */
	snprintf(cmd, sizeof(cmd), "%s -d 7 run %s 2>&1", ctl, example);
	out = run_capture(cmd, &status);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(4, WEXITSTATUS(status)) {
		TH_LOG("%s: status %d: %s", cmd, status, out);
	}
	ASSERT_NE(NULL, strstr(out, "no /dev/nnmem7: nnmem is loaded with 2 devices")) {
		TH_LOG("%s", out);
	}
	free(out);
}

#define NLT_QUOTA_UID	"/sys/class/nnmem/nnmem0/quota_uid"

static int nlt_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		err = -errno;
	close(fd);
	return err;
}

/*
 * user-get: root's sessions of nnmem0 with regions of both kinds and a
 * weight quota; every figure is derived by hand from the requests (a
 * region that is not mappable spans its size).
 */
TEST_F(nl, netlink_user_get_shows_a_uids_usage_quotas_and_sessions)
{
	struct nlt_users us;
	const struct nlt_user *du;
	struct nlt_user u;
	uint32_t h1, h2, h3;
	int fd2;

	if (geteuid())
		SKIP(return, "needs root for quota_uid");
	ASSERT_EQ(0, nlt_write_str(NLT_QUOTA_UID, "0 1048576 max\n"));
	ASSERT_EQ(0, nt_weight(self->fd, 8192, 0, &h1, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 100, 0, &h2, NULL));
	ASSERT_EQ(0, nt_activation(self->fd, 4096, 0, &h3, NULL));
	fd2 = nt_open(0);
	ASSERT_LE(0, fd2);

	ASSERT_EQ(0, nlt_user_get(&self->nl, 0, 0, &u));
	EXPECT_EQ(0, u.dev);
	EXPECT_EQ(0, u.uid);
	EXPECT_EQ(8192 + 100, u.weight_bytes);
	EXPECT_EQ(4096, u.activation_bytes);
	EXPECT_TRUE(u.has_weight_quota);
	EXPECT_EQ(1048576, u.weight_quota);
	EXPECT_FALSE(u.has_activation_quota);
	EXPECT_EQ(3, u.regions);
	EXPECT_EQ(2, u.sessions);

	/* the dump has the same entry; nnmem1 has none of uid 0 */
	ASSERT_EQ(0, nlt_users(&self->nl, -1, &us));
	du = nlt_find_user(&us, 0, 0);
	ASSERT_NE(NULL, du);
	EXPECT_EQ(u.weight_bytes, du->weight_bytes);
	EXPECT_EQ(u.activation_bytes, du->activation_bytes);
	EXPECT_EQ(u.weight_quota, du->weight_quota);
	EXPECT_EQ(u.has_activation_quota, du->has_activation_quota);
	EXPECT_EQ(u.regions, du->regions);
	EXPECT_EQ(u.sessions, du->sessions);
	ASSERT_EQ(0, nlt_users(&self->nl, 1, &us));
	EXPECT_EQ(NULL, nlt_find_user(&us, 1, 0));

	/* an unknown uid, a dump by uid, an unknown device */
	EXPECT_EQ(-ENOENT, nlt_user_get(&self->nl, 0, 4242, &u));
	EXPECT_NE(0, self->nl.extack[0]);
	{
		struct nlt_msg m;

		nlt_msg_init(&self->nl, &m, self->nl.family, NLM_F_DUMP,
			     NNMEM_CMD_USER_GET);
		nlt_put_u32(&m, NNMEM_A_USER_UID, 0);
		EXPECT_EQ(-EINVAL, nlt_request(&self->nl, &m, NULL, NULL));
	}
	EXPECT_EQ(-ENODEV, nlt_user_get(&self->nl, 99, 0, &u));

	/* freed and unlimited: still listed while a session is open */
	ASSERT_EQ(0, nt_free(self->fd, h1));
	ASSERT_EQ(0, nt_free(self->fd, h2));
	ASSERT_EQ(0, nt_free(self->fd, h3));
	ASSERT_EQ(0, nlt_write_str(NLT_QUOTA_UID, "0 max max\n"));
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, nlt_user_get(&self->nl, 0, 0, &u));
	EXPECT_EQ(0, u.weight_bytes);
	EXPECT_EQ(0, u.activation_bytes);
	EXPECT_FALSE(u.has_weight_quota);
	EXPECT_EQ(0, u.regions);
	EXPECT_EQ(1, u.sessions);
}

/* region-get: how many dma-bufs hold each region. */
TEST_F(nl, netlink_region_get_counts_a_regions_dma_bufs)
{
	struct nnmem_export e;
	struct nlt_regions rs;
	const struct nlt_region *r;
	uint32_t h;
	int d1, d2;

	ASSERT_EQ(0, nt_alloc(self->fd, 4096, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, "exp", &h, NULL));
	ASSERT_EQ(0, nt_alloc(self->fd, 4096, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, "plain", NULL, NULL));
	ASSERT_EQ(0, nlt_regions(&self->nl, &rs));
	r = nlt_find_label(&rs, "exp");
	ASSERT_NE(NULL, r);
	EXPECT_TRUE(r->has_dmabufs);
	EXPECT_EQ(0, r->dmabufs);

	memset(&e, 0, sizeof(e));
	e.handle = h;
	e.flags = NNMEM_EXPORT_CLOEXEC;
	e.fd = -1;
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_EXPORT, &e));
	d1 = e.fd;
	e.fd = -1;
	e.flags = NNMEM_EXPORT_RDWR | NNMEM_EXPORT_CLOEXEC;
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_EXPORT, &e));
	d2 = e.fd;
	ASSERT_EQ(0, nlt_regions(&self->nl, &rs));
	r = nlt_find_label(&rs, "exp");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(2, r->dmabufs);
	r = nlt_find_label(&rs, "plain");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, r->dmabufs);

	ASSERT_EQ(0, close(d1));
	ASSERT_EQ(0, nlt_regions(&self->nl, &rs));
	r = nlt_find_label(&rs, "exp");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(1, r->dmabufs);
	ASSERT_EQ(0, close(d2));
	ASSERT_EQ(0, nlt_regions(&self->nl, &rs));
	r = nlt_find_label(&rs, "exp");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, r->dmabufs);
}

/* dmabuf-get: one message per dma-buf, export order; the ids of one. */
struct nlt_dmabuf {
	uint32_t dev, handle, attachments;
	uint64_t session, inode;
	bool writable;
};

struct nlt_dmabufs {
	struct nlt_dmabuf d[8];
	int n;
};

static void nlt_dmabuf_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct nlt_dmabufs *ds = arg;
	const struct nlattr *tb[NLT_MAX_ATTR];
	struct nlt_dmabuf *d;

	if (ds->n >= (int)(sizeof(ds->d) / sizeof(ds->d[0]))) {
		ds->n++;
		return;
	}
	nlt_parse(nlh, tb);
	d = &ds->d[ds->n++];
	d->dev = nlt_u32(tb, NNMEM_A_DMABUF_DEV_INDEX);
	d->handle = nlt_u32(tb, NNMEM_A_DMABUF_HANDLE);
	d->attachments = nlt_u32(tb, NNMEM_A_DMABUF_ATTACHMENTS);
	d->session = nlt_u64(tb, NNMEM_A_DMABUF_SESSION);
	d->inode = nlt_u64(tb, NNMEM_A_DMABUF_INODE);
	d->writable = tb[NNMEM_A_DMABUF_WRITABLE];
}

/*
 * dmabuf-get: a dump lists every dma-buf in export order, dev-index,
 * session and handle narrow it; a do finds one by inode (fstat's); the
 * do without an inode, with inode 0 or an unknown one, and a dump given
 * an inode fail with their errno and message.
 */
TEST_F(nl, netlink_dmabuf_get_dump_filters_and_do_errors)
{
	struct nlt *nl = &self->nl;
	struct nlt_dmabufs ds;
	struct nnmem_export e;
	uint64_t s0, s1;
	uint32_t h0, h1;
	struct stat st[3];
	struct nlt_msg m;
	int fd1, dfd[3], i;

	fd1 = nt_open(1);
	ASSERT_LE(0, fd1);
	ASSERT_EQ(0, nt_alloc(self->fd, 4096, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, "dg-0", &h0, NULL));
	ASSERT_EQ(0, nt_alloc(fd1, 4096, 0, NNMEM_KIND_ACTIVATION,
			      NNMEM_ALLOC_MAPPABLE, "dg-1", &h1, NULL));
	ASSERT_EQ(0, nlt_region_of_label(nl, "dg-0", &s0, NULL));
	ASSERT_EQ(0, nlt_region_of_label(nl, "dg-1", &s1, NULL));
	for (i = 0; i < 3; i++) {
		memset(&e, 0, sizeof(e));
		e.handle = i == 1 ? h1 : h0;
		e.flags = NNMEM_EXPORT_CLOEXEC |
			  (i == 2 ? NNMEM_EXPORT_RDWR : 0);
		ASSERT_EQ(0, nt_ioctl(i == 1 ? fd1 : self->fd,
				      NNMEM_IOCTL_EXPORT, &e));
		dfd[i] = e.fd;
		ASSERT_EQ(0, fstat(dfd[i], &st[i]));
	}

	ds.n = 0;
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_DMABUF_GET);
	ASSERT_EQ(0, nlt_request(nl, &m, nlt_dmabuf_parse, &ds));
	ASSERT_EQ(3, ds.n);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ((uint64_t)st[i].st_ino, ds.d[i].inode);
		ASSERT_EQ(i == 1 ? 1 : 0, ds.d[i].dev);
		ASSERT_EQ(i == 1 ? s1 : s0, ds.d[i].session);
		ASSERT_EQ(i == 1 ? h1 : h0, ds.d[i].handle);
		ASSERT_EQ(i == 2, ds.d[i].writable);
		ASSERT_EQ(0, ds.d[i].attachments);
	}
	/* by device; by session; by session and handle */
	ds.n = 0;
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_DMABUF_GET);
	nlt_put_u32(&m, NNMEM_A_DMABUF_DEV_INDEX, 1);
	ASSERT_EQ(0, nlt_request(nl, &m, nlt_dmabuf_parse, &ds));
	ASSERT_EQ(1, ds.n);
	ASSERT_EQ((uint64_t)st[1].st_ino, ds.d[0].inode);
	ds.n = 0;
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_DMABUF_GET);
	nlt_put_u64(&m, NNMEM_A_DMABUF_SESSION, s0);
	ASSERT_EQ(0, nlt_request(nl, &m, nlt_dmabuf_parse, &ds));
	ASSERT_EQ(2, ds.n);
	ds.n = 0;
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_DMABUF_GET);
	nlt_put_u64(&m, NNMEM_A_DMABUF_SESSION, s0);
	nlt_put_u32(&m, NNMEM_A_DMABUF_HANDLE, h0 + 1000);
	ASSERT_EQ(0, nlt_request(nl, &m, nlt_dmabuf_parse, &ds));
	ASSERT_EQ(0, ds.n);

	/* the do, by inode */
	ds.n = 0;
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DMABUF_GET);
	nlt_put_u64(&m, NNMEM_A_DMABUF_INODE, st[2].st_ino);
	ASSERT_EQ(0, nlt_request(nl, &m, nlt_dmabuf_parse, &ds));
	ASSERT_EQ(1, ds.n);
	ASSERT_TRUE(ds.d[0].writable);
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DMABUF_GET);
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_EQ(NNMEM_A_DMABUF_INODE, nl->miss_type);
	ASSERT_STREQ("inode is required", nl->extack);
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DMABUF_GET);
	nlt_put_u64(&m, NNMEM_A_DMABUF_INODE, 0);
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STREQ("inode numbers start at 1", nl->extack);
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_DMABUF_GET);
	nlt_put_u64(&m, NNMEM_A_DMABUF_INODE, st[0].st_ino);
	ASSERT_EQ(-EINVAL, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STREQ("inode is not a dump filter", nl->extack);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, close(dfd[i]));
	nlt_msg_init(nl, &m, nl->family, 0, NNMEM_CMD_DMABUF_GET);
	nlt_put_u64(&m, NNMEM_A_DMABUF_INODE, st[2].st_ino);
	ASSERT_EQ(-ENOENT, nlt_request(nl, &m, NULL, NULL));
	ASSERT_STREQ("no such nnmem dma-buf", nl->extack);
	ASSERT_EQ(0, close(fd1));
	ASSERT_EQ(0, nt_free(self->fd, h0));
}

/*
 * nnmemctl monitor --json prints a compaction with its moved list: the
 * one region that moves, with the offsets REGION_INFO gives before and
 * after. The monitor is known to listen once it printed an event (a
 * session opened and closed for that).
 */
TEST_F(nl, netlink_nnmemctl_monitor_prints_what_compaction_moved)
{
	const char *ctl = nnmemctl_path();
	uint64_t page = self->info.page_size, old_off;
	json_object *ev = NULL, *v, *moved, *m;
	struct pollfd pfd = { .events = POLLIN };
	struct nnmem_region_info ri;
	struct nnmem_compact cp;
	char buf[8192], *line;
	int out[2], status, i;
	size_t len = 0;
	uint32_t a, b;
	pid_t pid;

	if (!ctl)
		SKIP(return, "nnmemctl not found (set NNMEMCTL)");
	ASSERT_EQ(0, nt_weight(self->fd, page, page, &a, NULL));
	ASSERT_EQ(0, nt_weight(self->fd, 2 * page, page, &b, NULL));
	ASSERT_EQ(0, nt_free(self->fd, a));
	ASSERT_EQ(0, nt_region_info(self->fd, b, &ri));
	old_off = ri.offset;

	ASSERT_EQ(0, pipe(out));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execl(ctl, ctl, "monitor", "--json", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	pfd.fd = out[0];
	/* open and close sessions until the monitor shows it listens */
	for (i = 0; i < 100; i++) {
		close(nt_open(0));
		if (poll(&pfd, 1, 100) == 1)
			break;
	}
	ASSERT_LT(i, 100);
	memset(&cp, 0, sizeof(cp));
	ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_COMPACT, &cp));
	ASSERT_EQ(1, cp.regions_moved);
	ASSERT_EQ(0, nt_region_info(self->fd, b, &ri));

	/* read lines until the compaction's */
	while (!ev && poll(&pfd, 1, 2000) == 1) {
		ssize_t n = read(out[0], buf + len, sizeof(buf) - 1 - len);
		char *nl_at;

		if (n <= 0)
			break;
		len += n;
		buf[len] = '\0';
		while (!ev && (nl_at = strchr(buf, '\n'))) {
			*nl_at = '\0';
			line = buf;
			if (strstr(line, "\"compact\""))
				ev = json_tokener_parse(line);
			memmove(buf, nl_at + 1, len - (nl_at + 1 - buf) + 1);
			len -= nl_at + 1 - buf;
		}
		if (len == sizeof(buf) - 1)
			len = 0;
	}
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(out[0]);
	ASSERT_NE(NULL, ev);
	ASSERT_TRUE(json_object_object_get_ex(ev, "regions", &v));
	ASSERT_EQ(1, json_object_get_uint64(v));
	ASSERT_TRUE(json_object_object_get_ex(ev, "moved_truncated", &v));
	ASSERT_FALSE(json_object_get_boolean(v));
	ASSERT_TRUE(json_object_object_get_ex(ev, "moved", &moved));
	ASSERT_EQ(1, json_object_array_length(moved));
	m = json_object_array_get_idx(moved, 0);
	ASSERT_TRUE(json_object_object_get_ex(m, "handle", &v));
	ASSERT_EQ(b, json_object_get_uint64(v));
	ASSERT_TRUE(json_object_object_get_ex(m, "old_offset", &v));
	ASSERT_EQ(old_off, json_object_get_uint64(v));
	ASSERT_TRUE(json_object_object_get_ex(m, "new_offset", &v));
	ASSERT_EQ(ri.offset, json_object_get_uint64(v));
	ASSERT_TRUE(json_object_object_get_ex(m, "size", &v));
	ASSERT_EQ(2 * page, json_object_get_uint64(v));
	ASSERT_TRUE(json_object_object_get_ex(m, "kind", &v));
	ASSERT_STREQ("weight", json_object_get_string(v));
	json_object_put(ev);
	ASSERT_EQ(0, nt_free(self->fd, b));
}

#define NLT_MANY_DMABUFS	600

struct nlt_dmabuf_inodes {
	uint64_t inode[NLT_MANY_DMABUFS];
	int n;
};

/* Only the inodes (counted past the array's end too). */
static void nlt_dmabuf_inode_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct nlt_dmabuf_inodes *all = arg;
	const struct nlattr *tb[NLT_MAX_ATTR];

	nlt_parse(nlh, tb);
	if (all->n < NLT_MANY_DMABUFS)
		all->inode[all->n] = nlt_u64(tb, NNMEM_A_DMABUF_INODE);
	all->n++;
}

/*
 * 600 dma-bufs take a dmabuf-get dump several messages: each is listed
 * once, in export order (their inodes, fstat's), none lost at the seams.
 */
TEST_F(nl, netlink_dmabuf_get_dump_resumes_across_messages)
{
	enum { N = NLT_MANY_DMABUFS };
	static struct nlt_dmabuf_inodes all;
	struct nlt *nl = &self->nl;
	struct nnmem_export e;
	struct nlt_msg m;
	struct stat st;
	int *dfd, i;
	uint32_t h;

	dfd = calloc(N, sizeof(*dfd));
	ASSERT_NE(NULL, dfd);
	ASSERT_EQ(0, nt_alloc(self->fd, 4096, 0, NNMEM_KIND_WEIGHT,
			      NNMEM_ALLOC_MAPPABLE, "dg-many", &h, NULL));
	for (i = 0; i < N; i++) {
		memset(&e, 0, sizeof(e));
		e.handle = h;
		e.flags = NNMEM_EXPORT_CLOEXEC;
		ASSERT_EQ(0, nt_ioctl(self->fd, NNMEM_IOCTL_EXPORT, &e));
		dfd[i] = e.fd;
	}
	all.n = 0;
	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_DMABUF_GET);
	ASSERT_EQ(0, nlt_request(nl, &m, nlt_dmabuf_inode_parse, &all));
	ASSERT_LE(2, nl->datagrams);
	ASSERT_EQ(N, all.n);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, fstat(dfd[i], &st));
		ASSERT_EQ((uint64_t)st.st_ino, all.inode[i]);
		ASSERT_EQ(0, close(dfd[i]));
	}
	free(dfd);
	ASSERT_EQ(0, nt_free(self->fd, h));
}

TEST_HARNESS_MAIN
