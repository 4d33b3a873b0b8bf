// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem generic netlink: the "nnmem" family of uapi/nnmem.yaml.
 *
 * The policies, the ops table, the multicast group and the family struct
 * are generated (nnmem_nl_gen.c, by uapi/ynl-regen.sh). This file holds
 * the doit/dumpit handlers and the event builders, around one fill
 * function per object (device, region, session, graph, job) shared by the
 * do reply, the dump and the notification of that object.
 *
 * Who sees what: dev-get shows every device to everyone (counters only).
 * region-get and dmabuf-get show a caller without CAP_SYS_ADMIN only the
 * regions and dma-bufs of sessions opened with its uid (the uid its request was sent with, checked
 * by the socket layer); anyone else's region reads as absent. The events
 * group, which names every session, is open to CAP_SYS_ADMIN only (see the
 * spec). Uids and pids are shown in the requester's namespaces for
 * region-get, in the initial ones in events.
 *
 * Dump resume: devices by index, their sessions by ascending id, their
 * regions by ascending handle; a session or region that goes away between
 * two parts of a dump is skipped, one that appears behind the cursor is
 * missed, as in every netlink dump. Session ids are 64 bits and only ever
 * grow, so every device's session list is in ascending id order for good
 * and a new session is always past the cursor.
 */

#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dma-buf.h>
#include <linux/errno.h>
#include <linux/pid_namespace.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "nnmem_dmabuf.h"
#include "nnmem_drv.h"
#include "nnmem_event.h"
#include "nnmem_graph.h"
#include "nnmem_job.h"
#include "nnmem_nl.h"
#include "nnmem_nl_gen.h"
#include "nnmem_quota.h"
#include "nnmem_region.h"
#include "nnmem_session.h"

static_assert(NNMEM_REGION_KIND_WEIGHT == NNMEM_KIND_WEIGHT);
static_assert(NNMEM_REGION_KIND_ACTIVATION == NNMEM_KIND_ACTIVATION);

/* nnmem_event.h's kinds are the events' uapi values, passed through. */
#define NNMEM_NL_EV_SAME(x) \
	static_assert((int)NNMEM_EV_##x == (int)NNMEM_EVENT_TYPE_##x)
NNMEM_NL_EV_SAME(REGION_ALLOC);
NNMEM_NL_EV_SAME(REGION_FREE);
NNMEM_NL_EV_SAME(GRAPH_CREATE);
NNMEM_NL_EV_SAME(GRAPH_DESTROY);
NNMEM_NL_EV_SAME(JOB_START);
NNMEM_NL_EV_SAME(JOB_FINISH);
NNMEM_NL_EV_SAME(SESSION_OPEN);
NNMEM_NL_EV_SAME(SESSION_CLOSE);

/* Events never sleep and never dip into the atomic reserves. */
#define NNMEM_NL_EVENT_GFP	(GFP_NOWAIT | __GFP_NOWARN)

/**
 * struct nnmem_nl_view - for whom a message is filled
 * @user_ns: uids are shown in this user namespace
 * @pid_ns: pids are shown in this pid namespace
 * @uid: the requester's uid; only its sessions' regions are shown ...
 * @all: ... unless it has CAP_SYS_ADMIN
 */
struct nnmem_nl_view {
	struct user_namespace *user_ns;
	struct pid_namespace *pid_ns;
	kuid_t uid;
	bool all;
};

static bool nnmem_nl_view_allows(const struct nnmem_nl_view *view,
				 const struct nnmem_session *s)
{
	return view->all || uid_eq(nnmem_session_uid(s), view->uid);
}

/* The view of the sender of @skb, a request: call in its sender's context. */
static void nnmem_nl_view_init(struct nnmem_nl_view *view,
			       const struct sk_buff *skb)
{
	view->user_ns = sk_user_ns(NETLINK_CB(skb).sk);
	view->pid_ns = task_active_pid_ns(current);
	view->uid = NETLINK_CREDS(skb)->uid;
	view->all = netlink_capable(skb, CAP_SYS_ADMIN);
}

static void nnmem_nl_view_event(struct nnmem_nl_view *view)
{
	view->user_ns = &init_user_ns;
	view->pid_ns = &init_pid_ns;
	view->uid = GLOBAL_ROOT_UID;
	view->all = true;
}

/*
 * Where a message goes: the reply's portid, seq and flags; all zero for a
 * notification.
 */
struct nnmem_nl_dest {
	u32 portid;
	u32 seq;
	int flags;
};

static const struct nnmem_nl_dest nnmem_nl_dest_event;

/* ---- devices ---- */

static size_t nnmem_nl_dev_size(void)
{
	return nla_total_size(sizeof(u32)) +		/* dev-index */
	       nla_total_size(sizeof(NNMEM_NAME "4294967295")) + /* name */
	       7 * nla_total_size_64bit(sizeof(u64)) +	/* arena bytes */
	       6 * nla_total_size(sizeof(u32)) +	/* counts */
	       7 * nla_total_size_64bit(sizeof(u64)) +	/* jobs */
	       nla_total_size_64bit(sizeof(u64)) +	/* kmem */
	       2 * NNMEM_PATH_COUNT *			/* per path */
	       nla_total_size_64bit(sizeof(u64));
}

/* The per-path counters: NNMEM_PATH_* order, nodes then MACs. */
static int nnmem_nl_dev_paths(struct sk_buff *skb,
			      const struct nnmem_dev_stats *st)
{
	unsigned int i;

	BUILD_BUG_ON(NNMEM_A_DEV_NODES_AVX512 - NNMEM_A_DEV_NODES_REFERENCE !=
		     NNMEM_PATH_COUNT - 1);
	BUILD_BUG_ON(NNMEM_A_DEV_MACS_AVX512 - NNMEM_A_DEV_MACS_REFERENCE !=
		     NNMEM_PATH_COUNT - 1);
	for (i = 0; i < NNMEM_PATH_COUNT; i++)
		if (nla_put_u64_64bit(skb, NNMEM_A_DEV_NODES_REFERENCE + i,
				      st->path_nodes[i], NNMEM_A_DEV_PAD) ||
		    nla_put_u64_64bit(skb, NNMEM_A_DEV_MACS_REFERENCE + i,
				      st->path_macs[i], NNMEM_A_DEV_PAD))
			return -EMSGSIZE;
	return 0;
}

static int nnmem_nl_dev_fill(struct sk_buff *skb, struct nnmem_device *ndev,
			     const struct nnmem_nl_dest *dest)
{
	struct nnmem_dev_stats st;
	char name[sizeof(NNMEM_NAME "4294967295")];
	void *hdr;

	hdr = genlmsg_put(skb, dest->portid, dest->seq, &nnmem_nl_family,
			  dest->flags, NNMEM_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;

	nnmem_device_stats(ndev, &st);
	snprintf(name, sizeof(name), NNMEM_NAME "%u", ndev->index);
	if (nla_put_u32(skb, NNMEM_A_DEV_DEV_INDEX, ndev->index) ||
	    nla_put_string(skb, NNMEM_A_DEV_NAME, name) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_ARENA_SIZE, st.arena.size,
			      NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_WEIGHT_BYTES,
			      st.arena.weight_bytes, NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_ACTIVATION_BYTES,
			      st.arena.activation_bytes, NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_FREE_BYTES,
			      st.arena.free_bytes, NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_LARGEST_FREE,
			      st.arena.largest_free, NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_WEIGHT_HWM,
			      st.arena.weight_hwm, NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_ACTIVATION_HWM,
			      st.arena.activation_hwm, NNMEM_A_DEV_PAD) ||
	    nla_put_u32(skb, NNMEM_A_DEV_WEIGHT_REGIONS,
			st.arena.weight_regions) ||
	    nla_put_u32(skb, NNMEM_A_DEV_ACTIVATION_REGIONS,
			st.arena.activation_regions) ||
	    nla_put_u32(skb, NNMEM_A_DEV_FREE_EXTENTS, st.arena.free_extents) ||
	    nla_put_u32(skb, NNMEM_A_DEV_DEFERRED_REGIONS,
			st.deferred_regions) ||
	    nla_put_u32(skb, NNMEM_A_DEV_SESSIONS, st.sessions) ||
	    nla_put_u32(skb, NNMEM_A_DEV_GRAPHS, st.graphs) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_JOBS_QUEUED, st.jobs_queued,
			      NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_JOBS_RUNNING, st.jobs_running,
			      NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_JOBS_COMPLETED,
			      st.jobs_completed, NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_JOBS_FAILED, st.jobs_failed,
			      NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_JOBS_CANCELLED,
			      st.jobs_cancelled, NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_MACS, st.macs,
			      NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_BUSY_NS, st.busy_ns,
			      NNMEM_A_DEV_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DEV_KMEM, st.kmem, NNMEM_A_DEV_PAD) ||
	    nnmem_nl_dev_paths(skb, &st))
		goto err_cancel_msg;

	genlmsg_end(skb, hdr);
	return 0;

err_cancel_msg:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* The device named by a request's attribute, or -ENODEV with a message. */
static struct nnmem_device *nnmem_nl_dev_lookup(const struct nlattr *attr,
						struct netlink_ext_ack *extack)
{
	struct nnmem_device *ndev = nnmem_device_find(nla_get_u32(attr));

	if (!ndev) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such nnmem device");
		return ERR_PTR(-ENODEV);
	}
	return ndev;
}

int nnmem_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nnmem_nl_dest dest = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
	};
	struct nnmem_device *ndev;
	struct sk_buff *rsp;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, NNMEM_A_DEV_DEV_INDEX)) {
		NL_SET_ERR_MSG(info->extack, "dev-index is required");
		return -EINVAL;
	}
	ndev = nnmem_nl_dev_lookup(info->attrs[NNMEM_A_DEV_DEV_INDEX],
				   info->extack);
	if (IS_ERR(ndev))
		return PTR_ERR(ndev);

	rsp = genlmsg_new(nnmem_nl_dev_size(), GFP_KERNEL);
	if (!rsp)
		return -ENOMEM;
	ret = nnmem_nl_dev_fill(rsp, ndev, &dest);
	if (ret)
		goto err_free_msg;
	return genlmsg_reply(rsp, info);

err_free_msg:
	nlmsg_free(rsp);
	return ret;
}

/**
 * struct nnmem_nl_dev_dump_ctx - dev-get dump cursor, in cb->ctx
 * @index: next device to dump
 */
struct nnmem_nl_dev_dump_ctx {
	u32 index;
};

int nnmem_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nnmem_nl_dev_dump_ctx *ctx = (void *)cb->ctx;
	struct nnmem_nl_dest dest = {
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
	};
	struct nnmem_device *ndev;
	int ret = 0;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	for (; (ndev = nnmem_device_find(ctx->index)); ctx->index++) {
		ret = nnmem_nl_dev_fill(skb, ndev, &dest);
		if (ret)
			break;
	}
	/* A full skb goes out and the dump resumes; an empty one is an error. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

/* ---- regions ---- */

static size_t nnmem_nl_region_size(void)
{
	return 9 * nla_total_size(sizeof(u32)) +	/* event, ids, counts */
	       6 * nla_total_size_64bit(sizeof(u64)) +	/* session, offset .. */
	       nla_total_size(0) +			/* mappable */
	       nla_total_size(NNMEM_LABEL_LEN);		/* label */
}

/*
 * Fill one region of session @s. @event is 0 in replies. The caller keeps
 * the region alive: it holds a reference, or the session's regions xa_lock
 * with the region in the array.
 */
static int nnmem_nl_region_fill(struct sk_buff *skb,
				const struct nnmem_session *s,
				const struct nnmem_region *r,
				const struct nnmem_nl_view *view,
				const struct nnmem_nl_dest *dest, u32 event)
{
	u32 cmd = event ? NNMEM_CMD_REGION_NTF : NNMEM_CMD_REGION_GET;
	void *hdr;

	hdr = genlmsg_put(skb, dest->portid, dest->seq, &nnmem_nl_family,
			  dest->flags, cmd);
	if (!hdr)
		return -EMSGSIZE;

	if ((event && nla_put_u32(skb, NNMEM_A_REGION_EVENT, event)) ||
	    nla_put_u32(skb, NNMEM_A_REGION_DEV_INDEX, s->ndev->index) ||
	    nla_put_u64_64bit(skb, NNMEM_A_REGION_SESSION, nnmem_session_id(s),
			      NNMEM_A_REGION_PAD) ||
	    nla_put_u32(skb, NNMEM_A_REGION_HANDLE, r->handle) ||
	    nla_put_u32(skb, NNMEM_A_REGION_PID,
			pid_nr_ns(nnmem_session_pid(s), view->pid_ns)) ||
	    nla_put_u32(skb, NNMEM_A_REGION_UID,
			from_kuid_munged(view->user_ns,
					 nnmem_session_uid(s))) ||
	    nla_put_u64_64bit(skb, NNMEM_A_REGION_OFFSET, r->ar.offset,
			      NNMEM_A_REGION_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_REGION_SIZE, r->size,
			      NNMEM_A_REGION_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_REGION_SPAN, r->span,
			      NNMEM_A_REGION_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_REGION_RESERVED_START,
			      r->ar.res_start, NNMEM_A_REGION_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_REGION_RESERVED_SIZE,
			      r->ar.res_size, NNMEM_A_REGION_PAD) ||
	    nla_put_u32(skb, NNMEM_A_REGION_ALIGN, r->align) ||
	    nla_put_u32(skb, NNMEM_A_REGION_KIND, r->kind) ||
	    ((r->flags & NNMEM_ALLOC_MAPPABLE) &&
	     nla_put_flag(skb, NNMEM_A_REGION_MAPPABLE)) ||
	    nla_put_string(skb, NNMEM_A_REGION_LABEL,
			   (const char *)r->label) ||
	    nla_put_u32(skb, NNMEM_A_REGION_GRAPH_REFS, READ_ONCE(r->busy)) ||
	    (!event && nla_put_u32(skb, NNMEM_A_REGION_DMABUFS,
				   READ_ONCE(r->dmabufs))))
		goto err_cancel_msg;

	genlmsg_end(skb, hdr);
	return 0;

err_cancel_msg:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * struct nnmem_nl_region_find - a region-get do's walk for its session
 * @id: the session id asked for
 * @view: the requester's view
 * @handle: the region's handle
 * @rsp: the reply, filled in when the region is found
 * @dest: the reply's destination
 * @err: -ENOENT until found, then the fill's result
 * @found_session: the session exists and is visible
 */
struct nnmem_nl_region_find {
	u64 id;
	const struct nnmem_nl_view *view;
	u32 handle;
	struct sk_buff *rsp;
	const struct nnmem_nl_dest *dest;
	int err;
	bool found_session;
};

static int nnmem_nl_region_find_one(struct nnmem_session *s, void *arg)
{
	struct nnmem_nl_region_find *f = arg;
	struct nnmem_region *r;

	if (nnmem_session_id(s) != f->id || !nnmem_nl_view_allows(f->view, s))
		return 1;	/* past it: ids ascend */
	f->found_session = true;
	xa_lock(&s->regions);
	r = xa_load(&s->regions, f->handle);
	if (r)
		f->err = nnmem_nl_region_fill(f->rsp, s, r, f->view, f->dest, 0);
	xa_unlock(&s->regions);
	return 1;
}

int nnmem_nl_region_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nnmem_nl_dest dest = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
	};
	struct nnmem_nl_region_find f = { .err = -ENOENT, .dest = &dest };
	struct nnmem_device *ndev;
	struct nnmem_nl_view view;
	int ret;

	/* GENL_REQ_ATTR_CHECK() names the attribute, the message says why. */
	if (GENL_REQ_ATTR_CHECK(info, NNMEM_A_REGION_DEV_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, NNMEM_A_REGION_SESSION) ||
	    GENL_REQ_ATTR_CHECK(info, NNMEM_A_REGION_HANDLE)) {
		NL_SET_ERR_MSG(info->extack,
			       "dev-index, session and handle are required");
		return -EINVAL;
	}
	ndev = nnmem_nl_dev_lookup(info->attrs[NNMEM_A_REGION_DEV_INDEX],
				   info->extack);
	if (IS_ERR(ndev))
		return PTR_ERR(ndev);

	nnmem_nl_view_init(&view, skb);
	f.view = &view;
	f.id = nla_get_u64(info->attrs[NNMEM_A_REGION_SESSION]);
	f.handle = nla_get_u32(info->attrs[NNMEM_A_REGION_HANDLE]);
	f.rsp = genlmsg_new(nnmem_nl_region_size(), GFP_KERNEL);
	if (!f.rsp)
		return -ENOMEM;

	nnmem_device_walk_sessions(ndev, f.id, nnmem_nl_region_find_one, &f);
	if (!f.found_session) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NNMEM_A_REGION_SESSION],
				    "no such session");
		ret = -ENOENT;
		goto err_free_msg;
	}
	if (f.err == -ENOENT) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NNMEM_A_REGION_HANDLE],
				    "no such region in the session");
		ret = -ENOENT;
		goto err_free_msg;
	}
	if (f.err) {
		ret = f.err;
		goto err_free_msg;
	}
	return genlmsg_reply(f.rsp, info);

err_free_msg:
	nlmsg_free(f.rsp);
	return ret;
}

/**
 * struct nnmem_nl_region_dump_ctx - region-get dump cursor, in cb->ctx
 * @session: id of the session being dumped (the first with a larger or
 *	equal id if it has gone)
 * @filter_session: dump only the session of this id, if nonzero
 * @dev: device being dumped
 * @handle: next handle of that session to dump
 * @filter_dev: dump only this device ...
 * @has_filter_dev: ... if set
 * @started: the fields below are set (by the first call, which runs in
 *	the requester's context)
 * @all: the requester has CAP_SYS_ADMIN
 * @uid: the requester's uid
 */
struct nnmem_nl_region_dump_ctx {
	u64 session;
	u64 filter_session;
	u32 dev;
	u32 handle;
	u32 filter_dev;
	bool has_filter_dev;
	bool started;
	bool all;
	kuid_t uid;
};

/**
 * struct nnmem_nl_region_dump - one call of a region-get dump
 * @ctx: the cursor
 * @skb: the message being filled
 * @view: the requester's view
 * @dest: the messages' destination
 * @err: -EMSGSIZE when @skb is full
 */
struct nnmem_nl_region_dump {
	struct nnmem_nl_region_dump_ctx *ctx;
	struct sk_buff *skb;
	const struct nnmem_nl_view *view;
	const struct nnmem_nl_dest *dest;
	int err;
};

static int nnmem_nl_region_dump_session(struct nnmem_session *s, void *arg)
{
	struct nnmem_nl_region_dump *d = arg;
	struct nnmem_nl_region_dump_ctx *ctx = d->ctx;
	u64 id = nnmem_session_id(s);
	struct nnmem_region *r;
	unsigned long handle;

	if (ctx->filter_session && id != ctx->filter_session)
		return id > ctx->filter_session;
	if (id != ctx->session) {
		/* The cursor's session is gone: start this one. */
		ctx->session = id;
		ctx->handle = 0;
	}
	if (nnmem_nl_view_allows(d->view, s)) {
		xa_lock(&s->regions);
		xa_for_each_start(&s->regions, handle, r, ctx->handle) {
			d->err = nnmem_nl_region_fill(d->skb, s, r, d->view,
						      d->dest, 0);
			if (d->err) {
				ctx->handle = handle;
				break;
			}
		}
		xa_unlock(&s->regions);
		if (d->err)
			return 1;
	}
	/* Done with it: the cursor moves past it. */
	ctx->session = id + 1;
	ctx->handle = 0;
	return 0;
}

#ifdef NNMEM_HAVE_GENL_INFO_DUMP
static struct nlattr **nnmem_nl_dump_attrs(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
#else
static struct nlattr **nnmem_nl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#endif

static int nnmem_nl_region_dump_start(struct nnmem_nl_region_dump_ctx *ctx,
				      struct netlink_callback *cb)
{
	struct nlattr **attrs = nnmem_nl_dump_attrs(cb);
	struct nnmem_device *ndev;

	if (attrs[NNMEM_A_REGION_HANDLE]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[NNMEM_A_REGION_HANDLE],
				    "handle is not a dump filter");
		return -EINVAL;
	}
	if (attrs[NNMEM_A_REGION_DEV_INDEX]) {
		ndev = nnmem_nl_dev_lookup(attrs[NNMEM_A_REGION_DEV_INDEX],
					   cb->extack);
		if (IS_ERR(ndev))
			return PTR_ERR(ndev);
		ctx->filter_dev = ndev->index;
		ctx->has_filter_dev = true;
		ctx->dev = ndev->index;
	}
	if (attrs[NNMEM_A_REGION_SESSION]) {
		ctx->filter_session = nla_get_u64(attrs[NNMEM_A_REGION_SESSION]);
		if (!ctx->filter_session) {
			NL_SET_ERR_MSG_ATTR(cb->extack,
					    attrs[NNMEM_A_REGION_SESSION],
					    "session ids start at 1");
			return -EINVAL;
		}
		ctx->session = ctx->filter_session;
	}
	ctx->uid = NETLINK_CREDS(cb->skb)->uid;
	ctx->all = netlink_capable(cb->skb, CAP_SYS_ADMIN);
	ctx->started = true;
	return 0;
}

int nnmem_nl_region_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct nnmem_nl_region_dump_ctx *ctx = (void *)cb->ctx;
	struct nnmem_nl_dest dest = {
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
	};
	struct nnmem_nl_region_dump d = {
		.ctx = ctx,
		.skb = skb,
		.dest = &dest,
	};
	struct nnmem_device *ndev;
	struct nnmem_nl_view view;
	int ret;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	if (!ctx->started) {
		ret = nnmem_nl_region_dump_start(ctx, cb);
		if (ret)
			return ret;
	}
	view.user_ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	view.pid_ns = task_active_pid_ns(current);
	view.uid = ctx->uid;
	view.all = ctx->all;
	d.view = &view;

	while ((ndev = nnmem_device_find(ctx->dev))) {
		if (ctx->has_filter_dev && ctx->dev != ctx->filter_dev)
			break;
		nnmem_device_walk_sessions(ndev, ctx->session,
					   nnmem_nl_region_dump_session, &d);
		if (d.err)
			break;
		ctx->dev++;
		ctx->session = ctx->filter_session;
		ctx->handle = 0;
	}
	if (d.err && !skb->len)
		return d.err;
	return skb->len;
}

/* ---- users ---- */

static size_t nnmem_nl_user_size(void)
{
	return 4 * nla_total_size(sizeof(u32)) +	/* dev, uid, counts */
	       4 * nla_total_size_64bit(sizeof(u64));	/* bytes, quotas */
}

static bool nnmem_nl_user_visible(const struct nnmem_nl_view *view, u32 uid)
{
	return view->all || __kuid_val(view->uid) == uid;
}

/* One user of @ndev as @st has it; a quota of NNMEM_QUOTA_NONE is left out. */
static int nnmem_nl_user_fill(struct sk_buff *skb, struct nnmem_device *ndev,
			      const struct nnmem_quota_user *st,
			      const struct nnmem_nl_view *view,
			      const struct nnmem_nl_dest *dest)
{
	u64 wq = st->limit[NNMEM_ARENA_WEIGHT];
	u64 aq = st->limit[NNMEM_ARENA_ACTIVATION];
	void *hdr;

	hdr = genlmsg_put(skb, dest->portid, dest->seq, &nnmem_nl_family,
			  dest->flags, NNMEM_CMD_USER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NNMEM_A_USER_DEV_INDEX, ndev->index) ||
	    nla_put_u32(skb, NNMEM_A_USER_UID,
			from_kuid_munged(view->user_ns,
					 KUIDT_INIT(st->uid))) ||
	    nla_put_u64_64bit(skb, NNMEM_A_USER_WEIGHT_BYTES,
			      st->bytes[NNMEM_ARENA_WEIGHT],
			      NNMEM_A_USER_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_USER_ACTIVATION_BYTES,
			      st->bytes[NNMEM_ARENA_ACTIVATION],
			      NNMEM_A_USER_PAD) ||
	    (wq != NNMEM_QUOTA_NONE &&
	     nla_put_u64_64bit(skb, NNMEM_A_USER_WEIGHT_QUOTA, wq,
			       NNMEM_A_USER_PAD)) ||
	    (aq != NNMEM_QUOTA_NONE &&
	     nla_put_u64_64bit(skb, NNMEM_A_USER_ACTIVATION_QUOTA, aq,
			       NNMEM_A_USER_PAD)) ||
	    nla_put_u32(skb, NNMEM_A_USER_REGIONS, st->regions) ||
	    nla_put_u32(skb, NNMEM_A_USER_SESSIONS, st->accts)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int nnmem_nl_user_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nnmem_nl_dest dest = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
	};
	struct nnmem_quota_user st;
	struct nnmem_device *ndev;
	struct nnmem_nl_view view;
	struct sk_buff *rsp;
	kuid_t kuid;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, NNMEM_A_USER_DEV_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, NNMEM_A_USER_UID)) {
		NL_SET_ERR_MSG(info->extack, "dev-index and uid are required");
		return -EINVAL;
	}
	ndev = nnmem_nl_dev_lookup(info->attrs[NNMEM_A_USER_DEV_INDEX],
				   info->extack);
	if (IS_ERR(ndev))
		return PTR_ERR(ndev);
	nnmem_nl_view_init(&view, skb);
	kuid = make_kuid(view.user_ns,
			 nla_get_u32(info->attrs[NNMEM_A_USER_UID]));
	/* another user's entry reads as absent, as for region-get */
	if (!uid_valid(kuid) ||
	    !nnmem_nl_user_visible(&view, __kuid_val(kuid)) ||
	    nnmem_quota_user_next(ndev, __kuid_val(kuid), &st) ||
	    st.uid != __kuid_val(kuid)) {
		NL_SET_ERR_MSG(info->extack,
			       "no quota or session of that uid on the device");
		return -ENOENT;
	}

	rsp = genlmsg_new(nnmem_nl_user_size(), GFP_KERNEL);
	if (!rsp)
		return -ENOMEM;
	ret = nnmem_nl_user_fill(rsp, ndev, &st, &view, &dest);
	if (ret) {
		nlmsg_free(rsp);
		return ret;
	}
	return genlmsg_reply(rsp, info);
}

/**
 * struct nnmem_nl_user_dump_ctx - user-get dump cursor, in cb->ctx
 * @dev: device being dumped
 * @uid: next uid to look at on it
 * @started: the request's filter was read
 * @has_filter_dev: only device @dev
 * @all: the requester may see every uid ...
 * @kuid: ... else only this one
 */
struct nnmem_nl_user_dump_ctx {
	u32 dev;
	u32 uid;
	bool started;
	bool has_filter_dev;
	bool all;
	kuid_t kuid;
};

int nnmem_nl_user_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nnmem_nl_user_dump_ctx *ctx = (void *)cb->ctx;
	struct nnmem_nl_dest dest = {
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
	};
	struct nnmem_quota_user st;
	struct nnmem_device *ndev;
	struct nnmem_nl_view view;
	int ret = 0;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	if (!ctx->started) {
		struct nlattr **attrs = nnmem_nl_dump_attrs(cb);

		if (attrs[NNMEM_A_USER_UID]) {
			NL_SET_ERR_MSG_ATTR(cb->extack, attrs[NNMEM_A_USER_UID],
					    "uid is not a dump filter");
			return -EINVAL;
		}
		if (attrs[NNMEM_A_USER_DEV_INDEX]) {
			ndev = nnmem_nl_dev_lookup(attrs[NNMEM_A_USER_DEV_INDEX],
						   cb->extack);
			if (IS_ERR(ndev))
				return PTR_ERR(ndev);
			ctx->dev = ndev->index;
			ctx->has_filter_dev = true;
		}
		ctx->kuid = NETLINK_CREDS(cb->skb)->uid;
		ctx->all = netlink_capable(cb->skb, CAP_SYS_ADMIN);
		ctx->started = true;
	}
	view.user_ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	view.pid_ns = task_active_pid_ns(current);
	view.uid = ctx->kuid;
	view.all = ctx->all;

	/* at most NNMEM_QUOTA_UIDS_MAX + one per session per device */
	while ((ndev = nnmem_device_find(ctx->dev))) {
		while (!nnmem_quota_user_next(ndev, ctx->uid, &st)) {
			if (nnmem_nl_user_visible(&view, st.uid)) {
				ret = nnmem_nl_user_fill(skb, ndev, &st, &view,
							 &dest);
				if (ret)
					goto out;
			}
			if (st.uid == U32_MAX)
				break;
			ctx->uid = st.uid + 1;
		}
		if (ctx->has_filter_dev)
			break;
		ctx->dev++;
		ctx->uid = 0;
	}
	/* past the last device: a resumed dump finds nothing more */
	if (!ndev || ctx->has_filter_dev)
		ctx->dev = NNMEM_DEVICES_MAX;
out:
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

/* ---- dma-bufs ---- */

/* Importers listed per dma-buf; the attachments count has them all. */
#define NNMEM_NL_DMABUF_ATTACH_MAX	64

#ifndef DMA_BUF_NAME_LEN
#define DMA_BUF_NAME_LEN		32
#endif

static bool nnmem_nl_dmabuf_visible(const struct nnmem_nl_view *view,
				    const struct nnmem_dmabuf *nb)
{
	return view->all || uid_eq(nb->uid, view->uid);
}

/*
 * Fill one dma-buf; the caller walks the list (nnmem_dmabuf_walk(), so
 * @nb and its attachments hold still). With @partial, importers that do
 * not fit are left out (the message is alone in @skb: better some than
 * none); else a message that does not fit whole is cancelled.
 */
static int nnmem_nl_dmabuf_fill(struct sk_buff *skb,
				const struct nnmem_dmabuf *nb,
				const struct nnmem_nl_view *view,
				const struct nnmem_nl_dest *dest, bool partial)
{
	const struct nnmem_dmabuf_attachment *a;
	char name[DMA_BUF_NAME_LEN];
	unsigned int listed = 0;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, dest->portid, dest->seq, &nnmem_nl_family,
			  dest->flags, NNMEM_CMD_DMABUF_GET);
	if (!hdr)
		return -EMSGSIZE;
	nnmem_dmabuf_name(nb, name, sizeof(name));
	if (nla_put_u32(skb, NNMEM_A_DMABUF_DEV_INDEX, nb->r->ndev->index) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DMABUF_SESSION, nb->session,
			      NNMEM_A_DMABUF_PAD) ||
	    nla_put_u32(skb, NNMEM_A_DMABUF_HANDLE, nb->handle) ||
	    nla_put_u64_64bit(skb, NNMEM_A_DMABUF_INODE, nb->ino,
			      NNMEM_A_DMABUF_PAD) ||
	    (name[0] && nla_put_string(skb, NNMEM_A_DMABUF_NAME, name)) ||
	    (nb->writable && nla_put_flag(skb, NNMEM_A_DMABUF_WRITABLE)) ||
	    (READ_ONCE(nb->r->unlinked) &&
	     nla_put_flag(skb, NNMEM_A_DMABUF_FREED)) ||
	    nla_put_u32(skb, NNMEM_A_DMABUF_PID,
			pid_nr_ns(nb->pid, view->pid_ns)) ||
	    nla_put_string(skb, NNMEM_A_DMABUF_COMM, nb->comm) ||
	    nla_put_u32(skb, NNMEM_A_DMABUF_MMAPS, atomic_read(&nb->mmaps)) ||
	    nla_put_u32(skb, NNMEM_A_DMABUF_ATTACHMENTS, nb->nr_attachments))
		goto err_cancel_msg;

	list_for_each_entry(a, &nb->attachments, node) {
		if (listed == NNMEM_NL_DMABUF_ATTACH_MAX)
			break;
		nest = nla_nest_start(skb, NNMEM_A_DMABUF_ATTACHMENT);
		if (!nest)
			goto err_full;
		if (nla_put_string(skb, NNMEM_A_DMABUF_ATTACHMENT_DEVICE,
				   dev_name(a->dev)) ||
		    (a->mapped &&
		     nla_put_flag(skb, NNMEM_A_DMABUF_ATTACHMENT_MAPPED))) {
			nla_nest_cancel(skb, nest);
			goto err_full;
		}
		nla_nest_end(skb, nest);
		listed++;
	}
	genlmsg_end(skb, hdr);
	return 0;

err_full:
	if (partial) {
		genlmsg_end(skb, hdr);
		return 0;
	}
err_cancel_msg:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * struct nnmem_nl_dmabuf_find - dmabuf-get's filter and its result
 * @ino: the inode asked for (do), or 0 (dump)
 * @dev: only dma-bufs of this device ...
 * @has_dev: ... if set
 * @session: only those the session of this id exported, if nonzero
 * @handle: only those of the region of this handle, if nonzero
 * @view: the requester's view
 * @skb: the message being filled
 * @dest: its destination
 * @next: a dump's cursor: the id to resume from
 * @err: the fill's result (-ENOENT: a do found nothing)
 */
struct nnmem_nl_dmabuf_find {
	u64 ino;
	u32 dev;
	bool has_dev;
	u64 session;
	u32 handle;
	const struct nnmem_nl_view *view;
	struct sk_buff *skb;
	const struct nnmem_nl_dest *dest;
	u64 next;
	int err;
};

static bool nnmem_nl_dmabuf_match(const struct nnmem_nl_dmabuf_find *f,
				  const struct nnmem_dmabuf *nb)
{
	return (!f->ino || nb->ino == f->ino) &&
	       (!f->has_dev || nb->r->ndev->index == f->dev) &&
	       (!f->session || nb->session == f->session) &&
	       (!f->handle || nb->handle == f->handle) &&
	       nnmem_nl_dmabuf_visible(f->view, nb);
}

static void nnmem_nl_dmabuf_filter(struct nnmem_nl_dmabuf_find *f,
				   struct nlattr **attrs)
{
	if (attrs[NNMEM_A_DMABUF_DEV_INDEX]) {
		f->dev = nla_get_u32(attrs[NNMEM_A_DMABUF_DEV_INDEX]);
		f->has_dev = true;
	}
	if (attrs[NNMEM_A_DMABUF_SESSION])
		f->session = nla_get_u64(attrs[NNMEM_A_DMABUF_SESSION]);
	if (attrs[NNMEM_A_DMABUF_HANDLE])
		f->handle = nla_get_u32(attrs[NNMEM_A_DMABUF_HANDLE]);
}

static int nnmem_nl_dmabuf_find_one(struct nnmem_dmabuf *nb, void *arg)
{
	struct nnmem_nl_dmabuf_find *f = arg;

	if (!nnmem_nl_dmabuf_match(f, nb))
		return 0;
	f->err = nnmem_nl_dmabuf_fill(f->skb, nb, f->view, f->dest, true);
	return 1;
}

int nnmem_nl_dmabuf_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nnmem_nl_dest dest = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
	};
	struct nnmem_nl_dmabuf_find f = { .err = -ENOENT, .dest = &dest };
	struct nnmem_nl_view view;

	if (GENL_REQ_ATTR_CHECK(info, NNMEM_A_DMABUF_INODE)) {
		NL_SET_ERR_MSG(info->extack, "inode is required");
		return -EINVAL;
	}
	f.ino = nla_get_u64(info->attrs[NNMEM_A_DMABUF_INODE]);
	if (!f.ino) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NNMEM_A_DMABUF_INODE],
				    "inode numbers start at 1");
		return -EINVAL;
	}
	nnmem_nl_dmabuf_filter(&f, info->attrs);
	nnmem_nl_view_init(&view, skb);
	f.view = &view;
	f.skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!f.skb)
		return -ENOMEM;
	nnmem_dmabuf_walk(1, nnmem_nl_dmabuf_find_one, &f);
	if (f.err) {
		if (f.err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[NNMEM_A_DMABUF_INODE],
					    "no such nnmem dma-buf");
		nlmsg_free(f.skb);
		return f.err;
	}
	return genlmsg_reply(f.skb, info);
}

/**
 * struct nnmem_nl_dmabuf_dump_ctx - dmabuf-get dump cursor, in cb->ctx
 * @next: id of the next dma-buf to dump (ids ascend, never reused)
 * @session: the session filter, 0 for none
 * @dev: the device filter ...
 * @has_dev: ... if set
 * @handle: the handle filter, 0 for none
 * @started: the fields below are set (by the first call, which runs in
 *	the requester's context)
 * @all: the requester has CAP_SYS_ADMIN
 * @uid: the requester's uid
 */
struct nnmem_nl_dmabuf_dump_ctx {
	u64 next;
	u64 session;
	u32 dev;
	u32 handle;
	bool has_dev;
	bool started;
	bool all;
	kuid_t uid;
};

static int nnmem_nl_dmabuf_dump_one(struct nnmem_dmabuf *nb, void *arg)
{
	struct nnmem_nl_dmabuf_find *f = arg;

	if (nnmem_nl_dmabuf_match(f, nb)) {
		/* alone in the message, it goes even if not all of it fits */
		f->err = nnmem_nl_dmabuf_fill(f->skb, nb, f->view, f->dest,
					      !f->skb->len);
		if (f->err)
			return 1;	/* resume at it */
	}
	f->next = nb->id + 1;
	return 0;
}

int nnmem_nl_dmabuf_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct nnmem_nl_dmabuf_dump_ctx *ctx = (void *)cb->ctx;
	struct nnmem_nl_dest dest = {
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
	};
	struct nnmem_nl_dmabuf_find f = { .skb = skb, .dest = &dest };
	struct nnmem_nl_view view;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	if (!ctx->started) {
		struct nlattr **attrs = nnmem_nl_dump_attrs(cb);

		if (attrs[NNMEM_A_DMABUF_INODE]) {
			NL_SET_ERR_MSG_ATTR(cb->extack,
					    attrs[NNMEM_A_DMABUF_INODE],
					    "inode is not a dump filter");
			return -EINVAL;
		}
		nnmem_nl_dmabuf_filter(&f, attrs);
		ctx->dev = f.dev;
		ctx->has_dev = f.has_dev;
		ctx->session = f.session;
		ctx->handle = f.handle;
		ctx->next = 1;
		ctx->uid = NETLINK_CREDS(cb->skb)->uid;
		ctx->all = netlink_capable(cb->skb, CAP_SYS_ADMIN);
		ctx->started = true;
	}
	view.user_ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	view.pid_ns = task_active_pid_ns(current);
	view.uid = ctx->uid;
	view.all = ctx->all;
	f.view = &view;
	f.dev = ctx->dev;
	f.has_dev = ctx->has_dev;
	f.session = ctx->session;
	f.handle = ctx->handle;
	f.next = ctx->next;

	nnmem_dmabuf_walk(ctx->next, nnmem_nl_dmabuf_dump_one, &f);
	ctx->next = f.next;
	if (f.err && !skb->len)
		return f.err;
	return skb->len;
}

/* ---- events ---- */

/*
 * The events of nnmem_event.h. A built event is the notification's skb
 * itself: struct nnmem_event is never defined, only converted to and from
 * struct sk_buff here.
 */
static struct nnmem_event *nnmem_nl_to_event(struct sk_buff *skb)
{
	return (struct nnmem_event *)skb;
}

static struct sk_buff *nnmem_nl_from_event(struct nnmem_event *ev)
{
	return (struct sk_buff *)ev;
}

/**
 * nnmem_event_wanted - whether the events group has a listener now
 *
 * For a caller about to build several events in a row: one check spares
 * it the calls when nobody listens (each nnmem_event_*() checks again).
 *
 * Return: true if someone listens.
 */
bool nnmem_event_wanted(void)
{
	return genl_has_listeners(&nnmem_nl_family, &init_net,
				  NNMEM_NLGRP_EVENTS) > 0;
}

/**
 * nnmem_event_send - multicast an event built by nnmem_event_*()
 * @ev: the event, or NULL (nothing is sent)
 *
 * Never sleeps. A listener whose receive buffer is full loses the event
 * and its socket reports ENOBUFS.
 */
void nnmem_event_send(struct nnmem_event *ev)
{
	struct sk_buff *skb = nnmem_nl_from_event(ev);

	if (!skb)
		return;
	genlmsg_multicast(&nnmem_nl_family, skb, 0, NNMEM_NLGRP_EVENTS,
			  NNMEM_NL_EVENT_GFP);
}

/* A new event of @size bytes, or NULL (none listens, or no memory). */
struct sk_buff *nnmem_nl_event_new(size_t size)
{
	if (!genl_has_listeners(&nnmem_nl_family, &init_net,
				NNMEM_NLGRP_EVENTS))
		return NULL;
	return genlmsg_new(size, NNMEM_NL_EVENT_GFP);
}

/* Finish building an event: on failure (a bug: sizes are exact) drop it. */
struct nnmem_event *nnmem_nl_event_done(struct sk_buff *skb, int err)
{
	if (WARN_ON_ONCE(err)) {
		nlmsg_free(skb);
		return NULL;
	}
	return nnmem_nl_to_event(skb);
}

/**
 * nnmem_event_region - build a region-ntf
 * @s: the owning session
 * @r: the region, kept alive by the caller
 * @event: %NNMEM_EV_REGION_ALLOC or %NNMEM_EV_REGION_FREE
 *
 * Return: the event for nnmem_event_send(), or NULL.
 */
struct nnmem_event *nnmem_event_region(const struct nnmem_session *s,
				       const struct nnmem_region *r,
				       enum nnmem_ev event)
{
	struct nnmem_nl_view view;
	struct sk_buff *skb;

	skb = nnmem_nl_event_new(nnmem_nl_region_size());
	if (!skb)
		return NULL;
	nnmem_nl_view_event(&view);
	return nnmem_nl_event_done(skb,
				   nnmem_nl_region_fill(skb, s, r, &view,
							&nnmem_nl_dest_event,
							event));
}

/**
 * nnmem_event_alloc_failed - build an alloc-failed-ntf
 * @s: the session that asked
 * @size: bytes asked for
 * @align: alignment asked for (0: the default)
 * @kind: %NNMEM_KIND_WEIGHT or %NNMEM_KIND_ACTIVATION
 * @err: the allocation's negative errno
 *
 * Return: the event for nnmem_event_send(), or NULL.
 */
struct nnmem_event *nnmem_event_alloc_failed(const struct nnmem_session *s,
					     u64 size, u32 align, u32 kind,
					     int err)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nnmem_nl_event_new(7 * nla_total_size(sizeof(u32)) +
				 2 * nla_total_size_64bit(sizeof(u64)));
	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, 0, 0, &nnmem_nl_family, 0,
			  NNMEM_CMD_ALLOC_FAILED_NTF);
	if (!hdr ||
	    nla_put_u32(skb, NNMEM_A_REGION_EVENT,
			NNMEM_EVENT_TYPE_ALLOC_FAILED) ||
	    nla_put_u32(skb, NNMEM_A_REGION_DEV_INDEX, s->ndev->index) ||
	    nla_put_u64_64bit(skb, NNMEM_A_REGION_SESSION, nnmem_session_id(s),
			      NNMEM_A_REGION_PAD) ||
	    nla_put_u32(skb, NNMEM_A_REGION_PID,
			pid_nr(nnmem_session_pid(s))) ||
	    nla_put_u32(skb, NNMEM_A_REGION_UID,
			from_kuid_munged(&init_user_ns,
					 nnmem_session_uid(s))) ||
	    nla_put_u64_64bit(skb, NNMEM_A_REGION_SIZE, size,
			      NNMEM_A_REGION_PAD) ||
	    nla_put_u32(skb, NNMEM_A_REGION_ALIGN, align) ||
	    nla_put_u32(skb, NNMEM_A_REGION_KIND, kind) ||
	    nla_put_s32(skb, NNMEM_A_REGION_ERROR, err))
		return nnmem_nl_event_done(skb, -EMSGSIZE);
	genlmsg_end(skb, hdr);
	return nnmem_nl_event_done(skb, 0);
}

/* ---- graphs, jobs, sessions: events only ---- */

static int nnmem_nl_graph_fill(struct sk_buff *skb,
			       const struct nnmem_session *s,
			       const struct nnmem_graph *g,
			       const struct nnmem_nl_dest *dest, u32 event)
{
	void *hdr;

	hdr = genlmsg_put(skb, dest->portid, dest->seq, &nnmem_nl_family,
			  dest->flags, NNMEM_CMD_GRAPH_NTF);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NNMEM_A_GRAPH_EVENT, event) ||
	    nla_put_u32(skb, NNMEM_A_GRAPH_DEV_INDEX, s->ndev->index) ||
	    nla_put_u64_64bit(skb, NNMEM_A_GRAPH_SESSION, nnmem_session_id(s),
			      NNMEM_A_GRAPH_PAD) ||
	    nla_put_u32(skb, NNMEM_A_GRAPH_HANDLE, g->handle) ||
	    nla_put_u32(skb, NNMEM_A_GRAPH_NODES, g->node_count) ||
	    nla_put_u32(skb, NNMEM_A_GRAPH_REGIONS, g->nr_regions)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * nnmem_event_graph - build a graph-ntf
 * @s: the owning session
 * @g: the graph, kept alive by the caller
 * @event: %NNMEM_EV_GRAPH_CREATE or %NNMEM_EV_GRAPH_DESTROY
 *
 * Return: the event for nnmem_event_send(), or NULL.
 */
struct nnmem_event *nnmem_event_graph(const struct nnmem_session *s,
				      const struct nnmem_graph *g,
				      enum nnmem_ev event)
{
	struct sk_buff *skb;

	skb = nnmem_nl_event_new(5 * nla_total_size(sizeof(u32)) +
				 nla_total_size_64bit(sizeof(u64)));
	if (!skb)
		return NULL;
	return nnmem_nl_event_done(skb,
				   nnmem_nl_graph_fill(skb, s, g,
						       &nnmem_nl_dest_event,
						       event));
}

static int nnmem_nl_job_fill(struct sk_buff *skb,
			     const struct nnmem_session *s,
			     const struct nnmem_job *job,
			     const struct nnmem_nl_dest *dest, u32 event)
{
	bool done = event == NNMEM_EVENT_TYPE_JOB_FINISH;
	void *hdr;

	hdr = genlmsg_put(skb, dest->portid, dest->seq, &nnmem_nl_family,
			  dest->flags, NNMEM_CMD_JOB_NTF);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NNMEM_A_JOB_EVENT, event) ||
	    nla_put_u32(skb, NNMEM_A_JOB_DEV_INDEX, s->ndev->index) ||
	    nla_put_u64_64bit(skb, NNMEM_A_JOB_SESSION, nnmem_session_id(s),
			      NNMEM_A_JOB_PAD) ||
	    nla_put_u32(skb, NNMEM_A_JOB_GRAPH, job->graph->handle) ||
	    nla_put_u32(skb, NNMEM_A_JOB_ID, job->id) ||
	    (done &&
	     (nla_put_s32(skb, NNMEM_A_JOB_STATUS, job->status) ||
	      nla_put_u64_64bit(skb, NNMEM_A_JOB_DURATION_NS,
				job->duration_ns, NNMEM_A_JOB_PAD) ||
	      nla_put_u64_64bit(skb, NNMEM_A_JOB_MACS, job->macs,
				NNMEM_A_JOB_PAD)))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * nnmem_event_job - build a job-ntf
 * @s: the session that ran the job
 * @job: the job; for %NNMEM_EV_JOB_FINISH its status, duration and macs
 *	must be final
 * @event: %NNMEM_EV_JOB_START or %NNMEM_EV_JOB_FINISH
 *
 * Return: the event for nnmem_event_send(), or NULL.
 */
struct nnmem_event *nnmem_event_job(const struct nnmem_session *s,
				    const struct nnmem_job *job,
				    enum nnmem_ev event)
{
	struct sk_buff *skb;

	skb = nnmem_nl_event_new(5 * nla_total_size(sizeof(u32)) +
				 3 * nla_total_size_64bit(sizeof(u64)));
	if (!skb)
		return NULL;
	return nnmem_nl_event_done(skb,
				   nnmem_nl_job_fill(skb, s, job,
						     &nnmem_nl_dest_event,
						     event));
}

static int nnmem_nl_session_fill(struct sk_buff *skb,
				 const struct nnmem_session *s,
				 const struct nnmem_nl_view *view,
				 const struct nnmem_nl_dest *dest, u32 event)
{
	void *hdr;

	hdr = genlmsg_put(skb, dest->portid, dest->seq, &nnmem_nl_family,
			  dest->flags, NNMEM_CMD_SESSION_NTF);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NNMEM_A_SESSION_EVENT, event) ||
	    nla_put_u32(skb, NNMEM_A_SESSION_DEV_INDEX, s->ndev->index) ||
	    nla_put_u64_64bit(skb, NNMEM_A_SESSION_ID, nnmem_session_id(s),
			      NNMEM_A_SESSION_PAD) ||
	    nla_put_u32(skb, NNMEM_A_SESSION_PID,
			pid_nr_ns(nnmem_session_pid(s), view->pid_ns)) ||
	    nla_put_u32(skb, NNMEM_A_SESSION_UID,
			from_kuid_munged(view->user_ns,
					 nnmem_session_uid(s)))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * nnmem_event_session - build a session-ntf
 * @s: the session
 * @event: %NNMEM_EV_SESSION_OPEN or %NNMEM_EV_SESSION_CLOSE
 *
 * Return: the event for nnmem_event_send(), or NULL.
 */
struct nnmem_event *nnmem_event_session(const struct nnmem_session *s,
					enum nnmem_ev event)
{
	struct nnmem_nl_view view;
	struct sk_buff *skb;

	skb = nnmem_nl_event_new(4 * nla_total_size(sizeof(u32)) +
				 nla_total_size_64bit(sizeof(u64)));
	if (!skb)
		return NULL;
	nnmem_nl_view_event(&view);
	return nnmem_nl_event_done(skb,
				   nnmem_nl_session_fill(skb, s, &view,
							 &nnmem_nl_dest_event,
							 event));
}

/* ---- the family ---- */

/**
 * nnmem_nl_init - register the family
 *
 * Call once every device is set up: requests look devices up at once.
 *
 * Return: 0 or the error of genl_register_family().
 */
int nnmem_nl_init(void)
{
	return genl_register_family(&nnmem_nl_family);
}

/**
 * nnmem_nl_fini - unregister the family
 *
 * Call before the first device goes: when it returns, no handler runs.
 */
void nnmem_nl_fini(void)
{
	genl_unregister_family(&nnmem_nl_family);
}
