// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	uapi/nnmem.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "nnmem_nl_gen.h"

#include <uapi/linux/nnmem_nl.h>

/* NNMEM_CMD_DEV_GET - do */
const struct nla_policy nnmem_dev_get_nl_policy[NNMEM_A_DEV_DEV_INDEX + 1] = {
	[NNMEM_A_DEV_DEV_INDEX] = { .type = NLA_U32, },
};

/* NNMEM_CMD_REGION_GET - do */
const struct nla_policy nnmem_region_get_nl_policy[NNMEM_A_REGION_HANDLE + 1] = {
	[NNMEM_A_REGION_DEV_INDEX] = { .type = NLA_U32, },
	[NNMEM_A_REGION_SESSION] = { .type = NLA_U64, },
	[NNMEM_A_REGION_HANDLE] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* NNMEM_CMD_USER_GET - do */
const struct nla_policy nnmem_user_get_nl_policy[NNMEM_A_USER_UID + 1] = {
	[NNMEM_A_USER_DEV_INDEX] = { .type = NLA_U32, },
	[NNMEM_A_USER_UID] = { .type = NLA_U32, },
};

/* NNMEM_CMD_DMABUF_GET - do */
const struct nla_policy nnmem_dmabuf_get_nl_policy[NNMEM_A_DMABUF_INODE + 1] = {
	[NNMEM_A_DMABUF_DEV_INDEX] = { .type = NLA_U32, },
	[NNMEM_A_DMABUF_SESSION] = { .type = NLA_U64, },
	[NNMEM_A_DMABUF_HANDLE] = { .type = NLA_U32, },
	[NNMEM_A_DMABUF_INODE] = { .type = NLA_U64, },
};

/* Ops table for nnmem */
const struct genl_ops nnmem_nl_ops[4] = {
	{
		.cmd		= NNMEM_CMD_DEV_GET,
		.doit		= nnmem_nl_dev_get_doit,
		.dumpit		= nnmem_nl_dev_get_dumpit,
		.policy		= nnmem_dev_get_nl_policy,
		.maxattr	= NNMEM_A_DEV_DEV_INDEX,
	},
	{
		.cmd		= NNMEM_CMD_REGION_GET,
		.doit		= nnmem_nl_region_get_doit,
		.dumpit		= nnmem_nl_region_get_dumpit,
		.policy		= nnmem_region_get_nl_policy,
		.maxattr	= NNMEM_A_REGION_HANDLE,
	},
	{
		.cmd		= NNMEM_CMD_USER_GET,
		.doit		= nnmem_nl_user_get_doit,
		.dumpit		= nnmem_nl_user_get_dumpit,
		.policy		= nnmem_user_get_nl_policy,
		.maxattr	= NNMEM_A_USER_UID,
	},
	{
		.cmd		= NNMEM_CMD_DMABUF_GET,
		.doit		= nnmem_nl_dmabuf_get_doit,
		.dumpit		= nnmem_nl_dmabuf_get_dumpit,
		.policy		= nnmem_dmabuf_get_nl_policy,
		.maxattr	= NNMEM_A_DMABUF_INODE,
	},
};

static const struct genl_multicast_group nnmem_nl_mcgrps[] = {
	[NNMEM_NLGRP_EVENTS] = { "events", .flags = GENL_MCAST_CAP_SYS_ADMIN, },
};

/* Family (appended by uapi/ynl-regen.sh) */
struct genl_family nnmem_nl_family __ro_after_init = {
	.name		= NNMEM_FAMILY_NAME,
	.version	= NNMEM_FAMILY_VERSION,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= nnmem_nl_ops,
	.n_ops		= ARRAY_SIZE(nnmem_nl_ops),
	.mcgrps		= nnmem_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nnmem_nl_mcgrps),
};
