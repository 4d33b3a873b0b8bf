// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl's generic netlink client for the "nnmem" family, on libnl-genl-3.
 *
 * The family and its "events" group are resolved by name. Requests ask for
 * extended acks (NETLINK_EXT_ACK, capped), so an error carries the kernel's
 * message. libnl 3.7 ignores the error code a dump ends with (NLMSG_DONE),
 * so the finish callback reads it, with the extack message after it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/nnmem_nl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

struct nnmemctl_nl {
	struct nl_sock *sk;
	int family;
	char error[256];
};

/* Per-request state shared by the callbacks. */
struct nnmemctl_nl_req {
	struct nnmemctl_nl *nl;
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	int err;	/* negative errno once the request failed */
};

static void nl_error_set(struct nnmemctl_nl *nl, const char *what, int err,
			 const char *detail)
{
	snprintf(nl->error, sizeof(nl->error), "%s: %s%s%s", what,
		 strerror(-err), detail && *detail ? ": " : "",
		 detail ? detail : "");
}

const char *nnmemctl_nl_error(const struct nnmemctl_nl *nl)
{
	return nl->error;
}

/* libnl's error codes, for the calls that fail locally. */
static int nl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_INTR:
		return -EINTR;
	case NLE_PERM:
		return -EPERM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* The message of an extended ack's attributes, if there is one. */
static const char *extack_msg(const void *tlvs, int len)
{
	const struct nlattr *nla;
	int rem;

	nla_for_each_attr(nla, (struct nlattr *)tlvs, len, rem) {
		if (nla_type(nla) == NLMSGERR_ATTR_MSG && nla_len(nla) > 0 &&
		    ((const char *)nla_data(nla))[nla_len(nla) - 1] == '\0')
			return nla_data(nla);
	}
	return NULL;
}

static int nl_error_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nnmemctl_nl_req *req = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	const char *msg = NULL;
	int off = NLMSG_HDRLEN + sizeof(*e);

	(void)who;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		if ((int)nlh->nlmsg_len > off)
			msg = extack_msg((char *)nlh + off,
					 nlh->nlmsg_len - off);
	}
	req->err = e->error < 0 ? e->error : -EIO;
	nl_error_set(req->nl, "request failed", req->err, msg);
	return NL_STOP;
}

static int nl_finish_cb(struct nl_msg *msg, void *arg)
{
	struct nnmemctl_nl_req *req = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const char *text = NULL;
	int err;

	if (nlmsg_datalen(nlh) < (int)sizeof(int))
		return NL_STOP;
	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err >= 0)
		return NL_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		text = extack_msg((char *)nlmsg_data(nlh) + NLMSG_ALIGN(sizeof(int)),
				  nlmsg_datalen(nlh) - NLMSG_ALIGN(sizeof(int)));
	req->err = err;
	nl_error_set(req->nl, "dump failed", err, text);
	return NL_STOP;
}

static int nl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct nnmemctl_nl_req *req = arg;
	int err;

	if (req->err)
		return NL_SKIP;
	err = req->parse(nlmsg_hdr(msg), req->arg);
	if (err) {
		req->err = err;
		nl_error_set(req->nl, "reply", err, NULL);
		return NL_STOP;
	}
	return NL_OK;
}

int nnmemctl_nl_open(struct nnmemctl_nl **nlp)
{
	struct nnmemctl_nl *nl;
	int one = 1, ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	*nlp = nl;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		nl_error_set(nl, "netlink socket", -ENOMEM, NULL);
		return -ENOMEM;
	}
	ret = genl_connect(nl->sk);
	if (ret) {
		ret = nl_errno(ret);
		nl_error_set(nl, "netlink connect", ret, NULL);
		return ret;
	}
	/* Replies and errors are enough; dumps end with NLMSG_DONE. */
	nl_socket_disable_auto_ack(nl->sk);
	/* Best effort: without them errors just have no message. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, NNMEM_FAMILY_NAME);
	if (nl->family < 0) {
		snprintf(nl->error, sizeof(nl->error),
			 "generic netlink family %s not found (is nnmem.ko loaded?)",
			 NNMEM_FAMILY_NAME);
		return -ENOENT;
	}
	return 0;
}

void nnmemctl_nl_close(struct nnmemctl_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

/* Send one request and run its replies through @parse. */
static int nl_request(struct nnmemctl_nl *nl, uint8_t cmd, int flags,
		      int64_t dev_index, int dev_attr,
		      int (*parse)(struct nlmsghdr *nlh, void *arg), void *arg)
{
	struct nnmemctl_nl_req req = { .nl = nl, .parse = parse, .arg = arg };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int ret;

	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!msg || !cb) {
		ret = -ENOMEM;
		goto out;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, NNMEM_FAMILY_VERSION) ||
	    (dev_index >= 0 && nla_put_u32(msg, dev_attr, dev_index) < 0)) {
		ret = -ENOMEM;
		goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nl_valid_cb, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, nl_finish_cb, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, nl_error_cb, &req);

	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		ret = nl_errno(ret);
		nl_error_set(nl, "netlink send", ret, NULL);
		goto out;
	}
	/* A dump ends with NLMSG_DONE, a do with its reply (no ack asked). */
	ret = nl_recvmsgs(nl->sk, cb);
	if (req.err)
		ret = req.err;
	else if (ret < 0) {
		ret = nl_errno(ret);
		nl_error_set(nl, "netlink receive", ret, NULL);
	} else {
		ret = 0;
	}
out:
	if (ret == -ENOMEM && !nl->error[0])
		nl_error_set(nl, "netlink message", ret, NULL);
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}

/* A growing array of parsed objects. */
struct nl_array {
	void *items;
	size_t count;
	size_t cap;
	size_t size;
};

static void *nl_array_add(struct nl_array *a)
{
	void *item;

	if (a->count == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		void *items = realloc(a->items, cap * a->size);

		if (!items)
			return NULL;
		a->items = items;
		a->cap = cap;
	}
	item = (char *)a->items + a->count++ * a->size;
	memset(item, 0, a->size);
	return item;
}

static uint64_t get_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static int dev_parse(struct nlmsghdr *nlh, struct nnmemctl_dev *d)
{
	struct nlattr *tb[NNMEM_A_DEV_MAX + 1];
	unsigned int i;

	if (genlmsg_parse(nlh, 0, tb, NNMEM_A_DEV_MAX, NULL) < 0 ||
	    !tb[NNMEM_A_DEV_DEV_INDEX])
		return -EBADMSG;
	d->index = get_u32(tb, NNMEM_A_DEV_DEV_INDEX);
	if (tb[NNMEM_A_DEV_NAME])
		nla_strlcpy(d->name, tb[NNMEM_A_DEV_NAME], sizeof(d->name));
	d->arena_size = get_u64(tb, NNMEM_A_DEV_ARENA_SIZE);
	d->weight_bytes = get_u64(tb, NNMEM_A_DEV_WEIGHT_BYTES);
	d->activation_bytes = get_u64(tb, NNMEM_A_DEV_ACTIVATION_BYTES);
	d->free_bytes = get_u64(tb, NNMEM_A_DEV_FREE_BYTES);
	d->largest_free = get_u64(tb, NNMEM_A_DEV_LARGEST_FREE);
	d->weight_hwm = get_u64(tb, NNMEM_A_DEV_WEIGHT_HWM);
	d->activation_hwm = get_u64(tb, NNMEM_A_DEV_ACTIVATION_HWM);
	d->weight_regions = get_u32(tb, NNMEM_A_DEV_WEIGHT_REGIONS);
	d->activation_regions = get_u32(tb, NNMEM_A_DEV_ACTIVATION_REGIONS);
	d->free_extents = get_u32(tb, NNMEM_A_DEV_FREE_EXTENTS);
	d->deferred_regions = get_u32(tb, NNMEM_A_DEV_DEFERRED_REGIONS);
	d->sessions = get_u32(tb, NNMEM_A_DEV_SESSIONS);
	d->graphs = get_u32(tb, NNMEM_A_DEV_GRAPHS);
	d->jobs_queued = get_u64(tb, NNMEM_A_DEV_JOBS_QUEUED);
	d->jobs_running = get_u64(tb, NNMEM_A_DEV_JOBS_RUNNING);
	d->jobs_completed = get_u64(tb, NNMEM_A_DEV_JOBS_COMPLETED);
	d->jobs_failed = get_u64(tb, NNMEM_A_DEV_JOBS_FAILED);
	d->jobs_cancelled = get_u64(tb, NNMEM_A_DEV_JOBS_CANCELLED);
	d->macs = get_u64(tb, NNMEM_A_DEV_MACS);
	d->busy_ns = get_u64(tb, NNMEM_A_DEV_BUSY_NS);
	d->kmem = get_u64(tb, NNMEM_A_DEV_KMEM);
	for (i = 0; i < NNMEM_PATH_COUNT; i++) {
		d->path_nodes[i] = get_u64(tb, NNMEM_A_DEV_NODES_REFERENCE + i);
		d->path_macs[i] = get_u64(tb, NNMEM_A_DEV_MACS_REFERENCE + i);
	}
	return 0;
}

static int dev_add(struct nlmsghdr *nlh, void *arg)
{
	struct nnmemctl_dev *d = nl_array_add(arg);

	return d ? dev_parse(nlh, d) : -ENOMEM;
}

/*
 * A dump of @cmd (of device @dev_index in @dev_attr, or all: -1) through
 * @add into a new array of @size-byte items: *@items (free()) and *@count.
 */
static int dump_request(struct nnmemctl_nl *nl, uint8_t cmd,
			int64_t dev_index, int dev_attr,
			int (*add)(struct nlmsghdr *, void *), size_t size,
			void **items, size_t *count)
{
	struct nl_array a = { .size = size };
	int ret;

	ret = nl_request(nl, cmd, NLM_F_DUMP, dev_index, dev_attr, add, &a);
	if (ret) {
		free(a.items);
		return ret;
	}
	*items = a.items;
	*count = a.count;
	return 0;
}

int nnmemctl_nl_devs(struct nnmemctl_nl *nl, struct nnmemctl_dev **devs,
		     size_t *count)
{
	void *items;
	int ret;

	ret = dump_request(nl, NNMEM_CMD_DEV_GET, -1, 0,
			   dev_add, sizeof(**devs), &items, count);
	if (!ret)
		*devs = items;
	return ret;
}

static int dev_one(struct nlmsghdr *nlh, void *arg)
{
	return dev_parse(nlh, arg);
}

int nnmemctl_nl_dev(struct nnmemctl_nl *nl, uint32_t index,
		    struct nnmemctl_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	return nl_request(nl, NNMEM_CMD_DEV_GET, 0, index,
			  NNMEM_A_DEV_DEV_INDEX, dev_one, dev);
}

static void region_parse(struct nlattr **tb, struct nnmemctl_region *r)
{
	r->dev_index = get_u32(tb, NNMEM_A_REGION_DEV_INDEX);
	r->session = get_u64(tb, NNMEM_A_REGION_SESSION);
	r->handle = get_u32(tb, NNMEM_A_REGION_HANDLE);
	r->pid = get_u32(tb, NNMEM_A_REGION_PID);
	r->uid = get_u32(tb, NNMEM_A_REGION_UID);
	r->offset = get_u64(tb, NNMEM_A_REGION_OFFSET);
	r->size = get_u64(tb, NNMEM_A_REGION_SIZE);
	r->span = get_u64(tb, NNMEM_A_REGION_SPAN);
	r->reserved_start = get_u64(tb, NNMEM_A_REGION_RESERVED_START);
	r->reserved_size = get_u64(tb, NNMEM_A_REGION_RESERVED_SIZE);
	r->align = get_u32(tb, NNMEM_A_REGION_ALIGN);
	r->kind = get_u32(tb, NNMEM_A_REGION_KIND);
	r->graph_refs = get_u32(tb, NNMEM_A_REGION_GRAPH_REFS);
	r->dmabufs = get_u32(tb, NNMEM_A_REGION_DMABUFS);
	r->error = (int32_t)get_u32(tb, NNMEM_A_REGION_ERROR);
	r->mappable = tb[NNMEM_A_REGION_MAPPABLE] != NULL;
	if (tb[NNMEM_A_REGION_LABEL])
		nla_strlcpy(r->label, tb[NNMEM_A_REGION_LABEL],
			    sizeof(r->label));
}

static int region_add(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[NNMEM_A_REGION_MAX + 1];
	struct nnmemctl_region *r;

	if (genlmsg_parse(nlh, 0, tb, NNMEM_A_REGION_MAX, NULL) < 0)
		return -EBADMSG;
	r = nl_array_add(arg);
	if (!r)
		return -ENOMEM;
	region_parse(tb, r);
	return 0;
}

int nnmemctl_nl_regions(struct nnmemctl_nl *nl, int64_t dev_index,
			struct nnmemctl_region **regions, size_t *count)
{
	void *items;
	int ret;

	ret = dump_request(nl, NNMEM_CMD_REGION_GET, dev_index,
			   NNMEM_A_REGION_DEV_INDEX, region_add,
			   sizeof(**regions), &items, count);
	if (!ret)
		*regions = items;
	return ret;
}

static int user_add(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[NNMEM_A_USER_MAX + 1];
	struct nnmemctl_user *u;

	if (genlmsg_parse(nlh, 0, tb, NNMEM_A_USER_MAX, NULL) < 0 ||
	    !tb[NNMEM_A_USER_DEV_INDEX] || !tb[NNMEM_A_USER_UID])
		return -EBADMSG;
	u = nl_array_add(arg);
	if (!u)
		return -ENOMEM;
	u->dev_index = get_u32(tb, NNMEM_A_USER_DEV_INDEX);
	u->uid = get_u32(tb, NNMEM_A_USER_UID);
	u->weight_bytes = get_u64(tb, NNMEM_A_USER_WEIGHT_BYTES);
	u->activation_bytes = get_u64(tb, NNMEM_A_USER_ACTIVATION_BYTES);
	u->weight_quota = tb[NNMEM_A_USER_WEIGHT_QUOTA] ?
			  get_u64(tb, NNMEM_A_USER_WEIGHT_QUOTA) :
			  NNMEM_QUOTA_NONE;
	u->activation_quota = tb[NNMEM_A_USER_ACTIVATION_QUOTA] ?
			      get_u64(tb, NNMEM_A_USER_ACTIVATION_QUOTA) :
			      NNMEM_QUOTA_NONE;
	u->regions = get_u32(tb, NNMEM_A_USER_REGIONS);
	u->sessions = get_u32(tb, NNMEM_A_USER_SESSIONS);
	return 0;
}

int nnmemctl_nl_users(struct nnmemctl_nl *nl, struct nnmemctl_user **users,
		      size_t *count)
{
	void *items;
	int ret;

	ret = dump_request(nl, NNMEM_CMD_USER_GET, -1, 0,
			   user_add, sizeof(**users), &items, count);
	if (!ret)
		*users = items;
	return ret;
}

static int dmabuf_add(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[NNMEM_A_DMABUF_MAX + 1];
	struct nlattr *at[NNMEM_A_DMABUF_ATTACHMENT_MAX + 1];
	struct nnmemctl_dmabuf *d;
	struct nlattr *a;
	int rem;

	if (genlmsg_parse(nlh, 0, tb, NNMEM_A_DMABUF_MAX, NULL) < 0 ||
	    !tb[NNMEM_A_DMABUF_INODE])
		return -EBADMSG;
	d = nl_array_add(arg);
	if (!d)
		return -ENOMEM;
	d->dev_index = get_u32(tb, NNMEM_A_DMABUF_DEV_INDEX);
	d->session = get_u64(tb, NNMEM_A_DMABUF_SESSION);
	d->handle = get_u32(tb, NNMEM_A_DMABUF_HANDLE);
	d->inode = get_u64(tb, NNMEM_A_DMABUF_INODE);
	if (tb[NNMEM_A_DMABUF_NAME])
		nla_strlcpy(d->name, tb[NNMEM_A_DMABUF_NAME], sizeof(d->name));
	d->writable = tb[NNMEM_A_DMABUF_WRITABLE] != NULL;
	d->freed = tb[NNMEM_A_DMABUF_FREED] != NULL;
	d->pid = get_u32(tb, NNMEM_A_DMABUF_PID);
	if (tb[NNMEM_A_DMABUF_COMM])
		nla_strlcpy(d->comm, tb[NNMEM_A_DMABUF_COMM], sizeof(d->comm));
	d->mmaps = get_u32(tb, NNMEM_A_DMABUF_MMAPS);
	d->attachments = get_u32(tb, NNMEM_A_DMABUF_ATTACHMENTS);
	/* the nests: every one, not just the last genlmsg_parse() kept */
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(a) != NNMEM_A_DMABUF_ATTACHMENT ||
		    d->nattach == NNMEMCTL_ATTACH_MAX)
			continue;
		if (nla_parse_nested(at, NNMEM_A_DMABUF_ATTACHMENT_MAX, a,
				     NULL) < 0)
			return -EBADMSG;
		if (at[NNMEM_A_DMABUF_ATTACHMENT_DEVICE])
			nla_strlcpy(d->attach[d->nattach].device,
				    at[NNMEM_A_DMABUF_ATTACHMENT_DEVICE],
				    sizeof(d->attach[0].device));
		d->attach[d->nattach].mapped =
			at[NNMEM_A_DMABUF_ATTACHMENT_MAPPED] != NULL;
		d->nattach++;
	}
	return 0;
}

int nnmemctl_nl_dmabufs(struct nnmemctl_nl *nl, int64_t dev_index,
			struct nnmemctl_dmabuf **dmabufs, size_t *count)
{
	void *items;
	int ret;

	ret = dump_request(nl, NNMEM_CMD_DMABUF_GET, dev_index,
			   NNMEM_A_DMABUF_DEV_INDEX, dmabuf_add,
			   sizeof(**dmabufs), &items, count);
	if (!ret)
		*dmabufs = items;
	return ret;
}

int nnmemctl_nl_subscribe(struct nnmemctl_nl *nl)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(nl->sk, NNMEM_FAMILY_NAME,
				    NNMEM_MCGRP_EVENTS);
	if (grp < 0) {
		snprintf(nl->error, sizeof(nl->error),
			 "multicast group %s of %s not found", NNMEM_MCGRP_EVENTS,
			 NNMEM_FAMILY_NAME);
		return -ENOENT;
	}
	ret = nl_socket_add_membership(nl->sk, grp);
	if (ret < 0) {
		ret = nl_errno(ret);
		nl_error_set(nl, "joining group " NNMEM_MCGRP_EVENTS, ret,
			     ret == -EPERM ? "needs CAP_SYS_ADMIN" : NULL);
		return ret;
	}
	return 0;
}

/* compact-ntf's "moved" nests, in order (genlmsg_parse() keeps one). */
static int compact_moves_parse(struct nlmsghdr *nlh, struct nnmemctl_event *ev)
{
	struct nlattr *mt[NNMEM_A_COMPACT_MOVE_MAX + 1];
	struct nnmemctl_move *m;
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(a) != NNMEM_A_COMPACT_MOVED)
			continue;
		if (ev->nmoved == NNMEMCTL_MOVED_MAX) {
			ev->truncated = true;
			break;
		}
		if (nla_parse_nested(mt, NNMEM_A_COMPACT_MOVE_MAX, a, NULL) < 0)
			return -EBADMSG;
		m = &ev->moved[ev->nmoved++];
		m->session = get_u64(mt, NNMEM_A_COMPACT_MOVE_SESSION);
		m->handle = get_u32(mt, NNMEM_A_COMPACT_MOVE_HANDLE);
		m->kind = get_u32(mt, NNMEM_A_COMPACT_MOVE_KIND);
		m->old_offset = get_u64(mt, NNMEM_A_COMPACT_MOVE_OLD_OFFSET);
		m->new_offset = get_u64(mt, NNMEM_A_COMPACT_MOVE_NEW_OFFSET);
		m->size = get_u64(mt, NNMEM_A_COMPACT_MOVE_SIZE);
		m->freed = mt[NNMEM_A_COMPACT_MOVE_FREED] != NULL;
	}
	return 0;
}

static int event_parse(struct nlmsghdr *nlh, struct nnmemctl_event *ev)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	struct nlattr *tb[NNMEM_A_REGION_MAX + 1];
	int max;

	memset(ev, 0, sizeof(*ev));
	ev->cmd = gnlh->cmd;
	switch (ev->cmd) {
	case NNMEM_CMD_REGION_NTF:
	case NNMEM_CMD_ALLOC_FAILED_NTF:
		max = NNMEM_A_REGION_MAX;
		break;
	case NNMEM_CMD_GRAPH_NTF:
		max = NNMEM_A_GRAPH_MAX;
		break;
	case NNMEM_CMD_JOB_NTF:
		max = NNMEM_A_JOB_MAX;
		break;
	case NNMEM_CMD_SESSION_NTF:
		max = NNMEM_A_SESSION_MAX;
		break;
	case NNMEM_CMD_COMPACT_NTF:
		max = NNMEM_A_COMPACT_MAX;
		break;
	default:
		return -ENOENT;	/* a newer kernel's event: skipped */
	}
	/* Every set's max is at most the region set's, the largest. */
	if (genlmsg_parse(nlh, 0, tb, max, NULL) < 0)
		return -EBADMSG;

	switch (ev->cmd) {
	case NNMEM_CMD_REGION_NTF:
	case NNMEM_CMD_ALLOC_FAILED_NTF:
		region_parse(tb, &ev->region);
		ev->type = get_u32(tb, NNMEM_A_REGION_EVENT);
		ev->dev_index = ev->region.dev_index;
		ev->session = ev->region.session;
		ev->pid = ev->region.pid;
		ev->uid = ev->region.uid;
		break;
	case NNMEM_CMD_GRAPH_NTF:
		ev->type = get_u32(tb, NNMEM_A_GRAPH_EVENT);
		ev->dev_index = get_u32(tb, NNMEM_A_GRAPH_DEV_INDEX);
		ev->session = get_u64(tb, NNMEM_A_GRAPH_SESSION);
		ev->graph = get_u32(tb, NNMEM_A_GRAPH_HANDLE);
		ev->nodes = get_u32(tb, NNMEM_A_GRAPH_NODES);
		ev->regions = get_u32(tb, NNMEM_A_GRAPH_REGIONS);
		break;
	case NNMEM_CMD_JOB_NTF:
		ev->type = get_u32(tb, NNMEM_A_JOB_EVENT);
		ev->dev_index = get_u32(tb, NNMEM_A_JOB_DEV_INDEX);
		ev->session = get_u64(tb, NNMEM_A_JOB_SESSION);
		ev->graph = get_u32(tb, NNMEM_A_JOB_GRAPH);
		ev->job = get_u32(tb, NNMEM_A_JOB_ID);
		ev->finished = tb[NNMEM_A_JOB_STATUS] != NULL;
		ev->status = (int32_t)get_u32(tb, NNMEM_A_JOB_STATUS);
		ev->duration_ns = get_u64(tb, NNMEM_A_JOB_DURATION_NS);
		ev->macs = get_u64(tb, NNMEM_A_JOB_MACS);
		break;
	case NNMEM_CMD_SESSION_NTF:
		ev->type = get_u32(tb, NNMEM_A_SESSION_EVENT);
		ev->dev_index = get_u32(tb, NNMEM_A_SESSION_DEV_INDEX);
		ev->session = get_u64(tb, NNMEM_A_SESSION_ID);
		ev->pid = get_u32(tb, NNMEM_A_SESSION_PID);
		ev->uid = get_u32(tb, NNMEM_A_SESSION_UID);
		break;
	case NNMEM_CMD_COMPACT_NTF:
		ev->type = get_u32(tb, NNMEM_A_COMPACT_EVENT);
		ev->dev_index = get_u32(tb, NNMEM_A_COMPACT_DEV_INDEX);
		ev->kinds = get_u32(tb, NNMEM_A_COMPACT_KINDS);
		ev->moved_regions = get_u32(tb, NNMEM_A_COMPACT_REGIONS);
		ev->moved_bytes = get_u64(tb, NNMEM_A_COMPACT_BYTES);
		ev->largest_free = get_u64(tb, NNMEM_A_COMPACT_LARGEST_FREE);
		ev->free_bytes = get_u64(tb, NNMEM_A_COMPACT_FREE_BYTES);
		ev->status = (int32_t)get_u32(tb, NNMEM_A_COMPACT_STATUS);
		ev->automatic = tb[NNMEM_A_COMPACT_AUTO] != NULL;
		ev->truncated = tb[NNMEM_A_COMPACT_MOVED_TRUNCATED] != NULL;
		return compact_moves_parse(nlh, ev);
	}
	return 0;
}

struct nl_events {
	int (*fn)(const struct nnmemctl_event *ev, void *arg);
	void *arg;
	int ret;
};

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nl_events *e = arg;
	struct nnmemctl_event ev;

	if (event_parse(nlmsg_hdr(msg), &ev))
		return NL_SKIP;
	e->ret = e->fn(&ev, e->arg);
	return e->ret ? NL_STOP : NL_OK;
}

/*
 * libnl retries a receive a signal interrupted, so the wait is a poll() of
 * the non-blocking socket, which a signal does end.
 */
int nnmemctl_nl_events(struct nnmemctl_nl *nl,
		       int (*fn)(const struct nnmemctl_event *ev, void *arg),
		       void (*lost)(void *arg), void *arg,
		       const volatile sig_atomic_t *stop)
{
	struct nl_events e = { .fn = fn, .arg = arg };
	struct pollfd pfd = { .fd = nl_socket_get_fd(nl->sk), .events = POLLIN };
	struct nl_cb *cb;
	int ret;

	ret = nl_socket_set_nonblocking(nl->sk);
	if (ret < 0) {
		ret = nl_errno(ret);
		nl_error_set(nl, "netlink socket", ret, NULL);
		return ret;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_socket_disable_seq_check(nl->sk);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &e);
	for (;;) {
		if (*stop) {
			ret = 0;
			break;
		}
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			nl_error_set(nl, "poll", ret, NULL);
			break;
		}
		ret = nl_recvmsgs(nl->sk, cb);
		if (e.ret) {
			ret = e.ret;
			break;
		}
		if (ret == -NLE_AGAIN)
			continue;
		if (ret == -NLE_NOMEM) {
			/* ENOBUFS: the kernel dropped events for us. */
			if (lost)
				lost(arg);
			continue;
		}
		if (ret < 0) {
			ret = nl_errno(ret);
			nl_error_set(nl, "receiving events", ret, NULL);
			break;
		}
	}
	nl_cb_put(cb);
	return ret;
}

const char *nnmemctl_event_name(uint32_t type)
{
	static const char * const names[] = {
		[NNMEM_EVENT_TYPE_REGION_ALLOC] = "region-alloc",
		[NNMEM_EVENT_TYPE_REGION_FREE] = "region-free",
		[NNMEM_EVENT_TYPE_ALLOC_FAILED] = "alloc-failed",
		[NNMEM_EVENT_TYPE_GRAPH_CREATE] = "graph-create",
		[NNMEM_EVENT_TYPE_GRAPH_DESTROY] = "graph-destroy",
		[NNMEM_EVENT_TYPE_JOB_START] = "job-start",
		[NNMEM_EVENT_TYPE_JOB_FINISH] = "job-finish",
		[NNMEM_EVENT_TYPE_SESSION_OPEN] = "session-open",
		[NNMEM_EVENT_TYPE_SESSION_CLOSE] = "session-close",
		[NNMEM_EVENT_TYPE_COMPACT] = "compact",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

const char *nnmemctl_kind_name(uint32_t kind)
{
	switch (kind) {
	case NNMEM_KIND_WEIGHT:
		return "weight";
	case NNMEM_KIND_ACTIVATION:
		return "activation";
	default:
		return "unknown";
	}
}
