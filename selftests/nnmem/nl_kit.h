/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the nnmem suites (netlink_test, compact_test,
 * dmabuf_test), no libnl: a socket with the "nnmem" family resolved and
 * optionally joined to its "events" group, requests with their replies
 * and extack messages, attributes by type (nested ones too), the next
 * notification of a command.
 */
#ifndef NNMEM_NL_KIT_H
#define NNMEM_NL_KIT_H

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nnmem_nl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif

#define NLT_BUF			(64 * 1024)
#define NLT_MAX_ATTR		48

/* ---- raw generic netlink ---- */

struct nlt {
	int fd;
	uint16_t family;
	uint32_t events_grp;
	uint32_t seq;
	char extack[256];	/* message of the last error, "" if none */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE of it, or -1 */
	int datagrams;		/* reads the last request's replies took */
};

struct nlt_msg {
	union {
		struct nlmsghdr nlh;
		char buf[4096];
	};
};

static inline int nlt_socket(struct nlt *nl, int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (rcvbuf && setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf)))
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)))
		return -errno;
	return 0;
}

static inline void nlt_msg_init(struct nlt *nl, struct nlt_msg *m,
				uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	m->nlh.nlmsg_seq = ++nl->seq;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = NNMEM_FAMILY_VERSION;
}

static inline void nlt_put(struct nlt_msg *m, uint16_t type,
			   const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf +
					     NLMSG_ALIGN(m->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static inline void nlt_put_u32(struct nlt_msg *m, uint16_t type,
			       uint32_t v)
{
	nlt_put(m, type, &v, sizeof(v));
}

static inline void nlt_put_u64(struct nlt_msg *m, uint16_t type,
			       uint64_t v)
{
	nlt_put(m, type, &v, sizeof(v));
}

/* The attributes in @len bytes at @p, by type (NULL if absent). */
static inline void nlt_parse_attrs(const char *p, int rem,
				   const struct nlattr **tb)
{
	memset(tb, 0, NLT_MAX_ATTR * sizeof(*tb));
	while (rem >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) < NLT_MAX_ATTR)
			tb[a->nla_type & NLA_TYPE_MASK] = a;
		rem -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
}

/* Attributes of a generic netlink message, by type (NULL if absent). */
static inline void nlt_parse(const struct nlmsghdr *nlh,
			     const struct nlattr **tb)
{
	nlt_parse_attrs((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
			(int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), tb);
}

/* Attributes inside the nest @nest, by type (NULL if absent). */
static inline void nlt_parse_nest(const struct nlattr *nest,
				  const struct nlattr **tb)
{
	nlt_parse_attrs((const char *)nest + NLA_HDRLEN,
			nest->nla_len - NLA_HDRLEN, tb);
}

/*
 * Each attribute of type @type (a multi-attr: the parse keeps only the
 * last) of the message @nlh, in order: @a walks them.
 */
#define nlt_for_each_attr_of(a, nlh, type, rem)				\
	for ((rem) = (int)(nlh)->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),	\
	     (a) = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) +	\
					   GENL_HDRLEN);			\
	     (rem) >= NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN &&		\
	     (a)->nla_len <= (rem);						\
	     (rem) -= NLA_ALIGN((a)->nla_len),				\
	     (a) = (const struct nlattr *)((const char *)(a) +		\
					   NLA_ALIGN((a)->nla_len)))		\
		if (((a)->nla_type & NLA_TYPE_MASK) == (type))

static inline const void *nla_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline uint32_t nlt_u32(const struct nlattr **tb, int type)
{
	uint32_t v = 0;

	if (tb[type])
		memcpy(&v, nla_payload(tb[type]), sizeof(v));
	return v;
}

static inline uint64_t nlt_u64(const struct nlattr **tb, int type)
{
	uint64_t v = 0;

	if (tb[type])
		memcpy(&v, nla_payload(tb[type]), sizeof(v));
	return v;
}

/*
 * An unsigned attribute of 4 or 8 bytes, 0 if absent; *@len (if not NULL)
 * gets its payload length, so a test can insist on the width.
 */
static inline uint64_t nlt_uint(const struct nlattr **tb, int type,
				int *len)
{
	int n = tb[type] ? tb[type]->nla_len - NLA_HDRLEN : 0;

	if (len)
		*len = n;
	if (n == 4)
		return nlt_u32(tb, type);
	if (n == 8)
		return nlt_u64(tb, type);
	return 0;
}

static inline const char *nlt_str(const struct nlattr **tb, int type)
{
	return tb[type] ? nla_payload(tb[type]) : "";
}

/* The extack TLVs after an error code at @p, @len bytes. */
static inline void nlt_extack(struct nlt *nl, const char *p, int len)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			break;
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(nl->extack, sizeof(nl->extack), "%.*s",
				 a->nla_len - NLA_HDRLEN,
				 (const char *)nla_payload(a));
		if (a->nla_type == NLMSGERR_ATTR_MISS_TYPE)
			memcpy(&nl->miss_type, nla_payload(a), sizeof(int));
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
}

/*
 * Send @m and collect the replies: @fn is called for each data message.
 * Returns 0, or the negative errno of an NLMSG_ERROR or of a dump's
 * NLMSG_DONE (its extack in nl->extack / nl->miss_type).
 */
static inline int nlt_request(struct nlt *nl, struct nlt_msg *m,
			      void (*fn)(const struct nlmsghdr *nlh,
					 void *arg),
			      void *arg)
{
	static char buf[NLT_BUF];
	bool dump = m->nlh.nlmsg_flags & NLM_F_DUMP;
	ssize_t n;

	nl->extack[0] = '\0';
	nl->miss_type = -1;
	nl->datagrams = 0;
	m->nlh.nlmsg_flags |= NLM_F_ACK;
	if (send(nl->fd, m, m->nlh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *nlh;

		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		nl->datagrams++;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != m->nlh.nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);
				int off = sizeof(*e);

				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - NLMSG_HDRLEN;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					nlt_extack(nl, (char *)e + off,
						   (int)nlh->nlmsg_len -
						   NLMSG_HDRLEN - off);
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err;

				memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
					nlt_extack(nl, (char *)NLMSG_DATA(nlh) +
						   sizeof(int),
						   (int)nlh->nlmsg_len -
						   NLMSG_LENGTH(sizeof(int)));
				if (err)
					return err;
				/* A dump asked for an ack gets none. */
				return 0;
			}
			if (fn)
				fn(nlh, arg);
			if (!dump && !(nlh->nlmsg_flags & NLM_F_MULTI))
				continue;	/* the ack follows */
		}
	}
}

struct nlt_family {
	uint16_t id;
	uint32_t grp, version;
	bool dev_get, region_get;
};

static inline void nlt_family_parse(const struct nlmsghdr *nlh,
				    void *arg)
{
	struct nlt_family *f = arg;
	const struct nlattr *tb[NLT_MAX_ATTR];
	const struct nlattr *a, *g;
	const char *p, *q;
	int rem, grem;

	nlt_parse(nlh, tb);
	if (tb[CTRL_ATTR_FAMILY_ID])
		memcpy(&f->id, nla_payload(tb[CTRL_ATTR_FAMILY_ID]),
		       sizeof(f->id));
	if (tb[CTRL_ATTR_VERSION])
		memcpy(&f->version, nla_payload(tb[CTRL_ATTR_VERSION]),
		       sizeof(f->version));
	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		a = tb[CTRL_ATTR_MCAST_GROUPS];
		p = nla_payload(a);
		for (rem = a->nla_len - NLA_HDRLEN; rem >= NLA_HDRLEN;
		     rem -= NLA_ALIGN(((const struct nlattr *)p)->nla_len),
		     p += NLA_ALIGN(((const struct nlattr *)p)->nla_len)) {
			const struct nlattr *grp = (const struct nlattr *)p;
			uint32_t id = 0;
			bool events = false;

			q = nla_payload(grp);
			for (grem = grp->nla_len - NLA_HDRLEN;
			     grem >= NLA_HDRLEN;
			     grem -= NLA_ALIGN(g->nla_len),
			     q += NLA_ALIGN(g->nla_len)) {
				g = (const struct nlattr *)q;
				if (g->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					memcpy(&id, nla_payload(g), sizeof(id));
				if (g->nla_type == CTRL_ATTR_MCAST_GRP_NAME &&
				    !strcmp(nla_payload(g), NNMEM_MCGRP_EVENTS))
					events = true;
			}
			if (events)
				f->grp = id;
		}
	}
	if (tb[CTRL_ATTR_OPS]) {
		a = tb[CTRL_ATTR_OPS];
		p = nla_payload(a);
		for (rem = a->nla_len - NLA_HDRLEN; rem >= NLA_HDRLEN;
		     rem -= NLA_ALIGN(((const struct nlattr *)p)->nla_len),
		     p += NLA_ALIGN(((const struct nlattr *)p)->nla_len)) {
			const struct nlattr *op = (const struct nlattr *)p;
			uint32_t id = 0;

			q = nla_payload(op);
			for (grem = op->nla_len - NLA_HDRLEN;
			     grem >= NLA_HDRLEN;
			     grem -= NLA_ALIGN(g->nla_len),
			     q += NLA_ALIGN(g->nla_len)) {
				g = (const struct nlattr *)q;
				if (g->nla_type == CTRL_ATTR_OP_ID)
					memcpy(&id, nla_payload(g), sizeof(id));
			}
			f->dev_get |= id == NNMEM_CMD_DEV_GET;
			f->region_get |= id == NNMEM_CMD_REGION_GET;
		}
	}
}

static inline int nlt_resolve(struct nlt *nl, struct nlt_family *f)
{
	struct nlt_msg m;
	int err;

	memset(f, 0, sizeof(*f));
	nlt_msg_init(nl, &m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	nlt_put(&m, CTRL_ATTR_FAMILY_NAME, NNMEM_FAMILY_NAME,
		sizeof(NNMEM_FAMILY_NAME));
	err = nlt_request(nl, &m, nlt_family_parse, f);
	if (err)
		return err;
	nl->family = f->id;
	nl->events_grp = f->grp;
	return f->id ? 0 : -ENOENT;
}

/* A socket with the family resolved, optionally joined to "events". */
static inline int nlt_open(struct nlt *nl, bool events, int rcvbuf)
{
	struct nlt_family f;
	int err;

	err = nlt_socket(nl, rcvbuf);
	if (!err)
		err = nlt_resolve(nl, &f);
	if (!err && events &&
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &nl->events_grp, sizeof(nl->events_grp)))
		err = -errno;
	return err;
}

/*
 * The next notification of command @cmd of the family within @ms
 * milliseconds (others are skipped), in a buffer of its own that the next
 * call reuses; NULL on a timeout or an error (errno set).
 */
static inline const struct nlmsghdr *nlt_ntf(struct nlt *nl, uint8_t cmd,
					      int ms)
{
	static char buf[NLT_BUF];
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	const struct nlmsghdr *nlh;
	ssize_t n;

	for (;;) {
		n = poll(&pfd, 1, ms);
		if (n <= 0) {
			if (!n)
				errno = ETIMEDOUT;
			return NULL;
		}
		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == ENOBUFS)
			continue;	/* some were lost: look on */
		if (n < 0)
			return NULL;
		nlh = (const struct nlmsghdr *)buf;
		if (NLMSG_OK(nlh, n) && nlh->nlmsg_type == nl->family &&
		    ((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd == cmd)
			return nlh;
	}
}

struct nlt_label_find {
	const char *label;
	uint64_t session;
	uint32_t handle;
};

static inline void nlt_label_parse(const struct nlmsghdr *nlh, void *arg)
{
	struct nlt_label_find *f = arg;
	const struct nlattr *tb[NLT_MAX_ATTR];

	nlt_parse(nlh, tb);
	if (!strcmp(nlt_str(tb, NNMEM_A_REGION_LABEL), f->label)) {
		f->session = nlt_u64(tb, NNMEM_A_REGION_SESSION);
		f->handle = nlt_u32(tb, NNMEM_A_REGION_HANDLE);
	}
}

/*
 * The session id and handle of the region labelled @label, from a
 * region-get dump: 0, -ENOENT if no region has it, or the dump's -errno.
 */
static inline int nlt_region_of_label(struct nlt *nl, const char *label,
				      uint64_t *session, uint32_t *handle)
{
	struct nlt_label_find f = { .label = label };
	struct nlt_msg m;
	int err;

	nlt_msg_init(nl, &m, nl->family, NLM_F_DUMP, NNMEM_CMD_REGION_GET);
	err = nlt_request(nl, &m, nlt_label_parse, &f);
	if (err)
		return err;
	if (!f.session)
		return -ENOENT;
	*session = f.session;
	if (handle)
		*handle = f.handle;
	return 0;
}

#endif /* NNMEM_NL_KIT_H */
