/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	uapi/nnmem.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_NNMEM_GEN_H
#define _LINUX_NNMEM_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/nnmem_nl.h>

extern const struct nla_policy nnmem_dev_get_nl_policy[NNMEM_A_DEV_DEV_INDEX + 1];

extern const struct nla_policy nnmem_region_get_nl_policy[NNMEM_A_REGION_HANDLE + 1];

extern const struct nla_policy nnmem_user_get_nl_policy[NNMEM_A_USER_UID + 1];

extern const struct nla_policy nnmem_dmabuf_get_nl_policy[NNMEM_A_DMABUF_INODE + 1];

/* Ops table for nnmem */
extern const struct genl_ops nnmem_nl_ops[4];

int nnmem_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int nnmem_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int nnmem_nl_region_get_doit(struct sk_buff *skb, struct genl_info *info);
int nnmem_nl_region_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int nnmem_nl_user_get_doit(struct sk_buff *skb, struct genl_info *info);
int nnmem_nl_user_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int nnmem_nl_dmabuf_get_doit(struct sk_buff *skb, struct genl_info *info);
int nnmem_nl_dmabuf_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);

enum {
	NNMEM_NLGRP_EVENTS,
};

/* Family (appended by uapi/ynl-regen.sh) */
extern struct genl_family nnmem_nl_family;

#endif /* _LINUX_NNMEM_GEN_H */
