// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl status [--json]: every device's counters, read over netlink
 * (dev-get dump). --json prints one JSON object:
 *
 *   {"devices": [{"index": 0, "name": "nnmem0", "arena_size": ..., ...}]}
 *
 * with the dev-get attributes as members (dashes become underscores),
 * and per device "dmabufs" and "exported_regions" (the region-get dump:
 * live dma-bufs of its regions, and how many regions they hold) and
 * "users" (the user-get dump: one object per uid with weight_bytes,
 * activation_bytes, weight_quota and activation_quota (null for none),
 * regions and sessions) and "dmabuf_holders" (the dmabuf-get dump: one
 * object per live dma-buf with inode, name, session, handle, writable,
 * freed, pid, comm, mmaps and "importers", an array of {"device",
 * "mapped"}, with "attachments" counting them all). The text output
 * shows the same, one line per dma-buf and its importers. Without
 * CAP_SYS_ADMIN the dumps show only the caller's own uid and sessions.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "nl.h"
#include "nnmemctl_cmds.h"

static int json_add_u64(json_object *o, const char *key, uint64_t v)
{
	return nnmemctl_json_add(o, key, json_object_new_uint64(v));
}

/* What status shows beside dev-get: dma-bufs and users, per device. */
struct status_extra {
	struct nnmemctl_region *regions;
	size_t nregions;
	struct nnmemctl_user *users;
	size_t nusers;
	struct nnmemctl_dmabuf *dmabufs;
	size_t ndmabufs;
};

static int json_add_str(json_object *o, const char *key, const char *v)
{
	return nnmemctl_json_add(o, key, json_object_new_string(v));
}

static int json_add_bool(json_object *o, const char *key, bool v)
{
	return nnmemctl_json_add(o, key, json_object_new_boolean(v));
}

static json_object *status_dmabuf_json(const struct nnmemctl_dmabuf *d)
{
	json_object *o = json_object_new_object(), *arr = NULL, *a;
	uint32_t i;

	if (!o)
		return NULL;
	if (json_add_u64(o, "inode", d->inode) ||
	    json_add_str(o, "name", d->name) ||
	    json_add_u64(o, "session", d->session) ||
	    json_add_u64(o, "handle", d->handle) ||
	    json_add_bool(o, "writable", d->writable) ||
	    json_add_bool(o, "freed", d->freed) ||
	    json_add_u64(o, "pid", d->pid) ||
	    json_add_str(o, "comm", d->comm) ||
	    json_add_u64(o, "mmaps", d->mmaps) ||
	    json_add_u64(o, "attachments", d->attachments))
		goto err_put;
	arr = json_object_new_array();
	if (!arr || json_object_object_add(o, "importers", arr)) {
		json_object_put(arr);
		goto err_put;
	}
	for (i = 0; i < d->nattach; i++) {
		a = json_object_new_object();
		if (!a || json_add_str(a, "device", d->attach[i].device) ||
		    json_add_bool(a, "mapped", d->attach[i].mapped) ||
		    json_object_array_add(arr, a)) {
			json_object_put(a);
			goto err_put;
		}
	}
	return o;

err_put:
	json_object_put(o);
	return NULL;
}

static void status_dmabufs(const struct status_extra *x, uint32_t dev,
			   uint64_t *dmabufs, uint64_t *exported)
{
	size_t i;

	*dmabufs = 0;
	*exported = 0;
	for (i = 0; i < x->nregions; i++)
		if (x->regions[i].dev_index == dev &&
		    x->regions[i].dmabufs) {
			*dmabufs += x->regions[i].dmabufs;
			(*exported)++;
		}
}

static int json_add_quota(json_object *o, const char *key, uint64_t v)
{
	if (v == NNMEM_QUOTA_NONE)
		return json_object_object_add(o, key, NULL) ? -ENOMEM : 0;
	return json_add_u64(o, key, v);
}

static json_object *status_user_json(const struct nnmemctl_user *u)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (json_add_u64(o, "uid", u->uid) ||
	    json_add_u64(o, "weight_bytes", u->weight_bytes) ||
	    json_add_u64(o, "activation_bytes", u->activation_bytes) ||
	    json_add_quota(o, "weight_quota", u->weight_quota) ||
	    json_add_quota(o, "activation_quota", u->activation_quota) ||
	    json_add_u64(o, "regions", u->regions) ||
	    json_add_u64(o, "sessions", u->sessions)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int status_extra_json(json_object *o, const struct nnmemctl_dev *d,
			     const struct status_extra *x)
{
	json_object *arr, *u;
	uint64_t dmabufs, exported;
	size_t i;

	status_dmabufs(x, d->index, &dmabufs, &exported);
	if (json_add_u64(o, "dmabufs", dmabufs) ||
	    json_add_u64(o, "exported_regions", exported))
		return -ENOMEM;
	arr = json_object_new_array();
	if (!arr || json_object_object_add(o, "dmabuf_holders", arr)) {
		json_object_put(arr);
		return -ENOMEM;
	}
	for (i = 0; i < x->ndmabufs; i++) {
		if (x->dmabufs[i].dev_index != d->index)
			continue;
		u = status_dmabuf_json(&x->dmabufs[i]);
		if (!u || json_object_array_add(arr, u)) {
			json_object_put(u);
			return -ENOMEM;
		}
	}
	arr = json_object_new_array();
	if (!arr || json_object_object_add(o, "users", arr)) {
		json_object_put(arr);
		return -ENOMEM;
	}
	for (i = 0; i < x->nusers; i++) {
		if (x->users[i].dev_index != d->index)
			continue;
		u = status_user_json(&x->users[i]);
		if (!u || json_object_array_add(arr, u)) {
			json_object_put(u);
			return -ENOMEM;
		}
	}
	return 0;
}

static json_object *status_dev_json(const struct nnmemctl_dev *d)
{
	const struct {
		const char *key;
		uint64_t value;
	} fields[] = {
		{ "index", d->index },
		{ "arena_size", d->arena_size },
		{ "weight_bytes", d->weight_bytes },
		{ "activation_bytes", d->activation_bytes },
		{ "free_bytes", d->free_bytes },
		{ "largest_free", d->largest_free },
		{ "weight_hwm", d->weight_hwm },
		{ "activation_hwm", d->activation_hwm },
		{ "weight_regions", d->weight_regions },
		{ "activation_regions", d->activation_regions },
		{ "free_extents", d->free_extents },
		{ "deferred_regions", d->deferred_regions },
		{ "sessions", d->sessions },
		{ "graphs", d->graphs },
		{ "jobs_queued", d->jobs_queued },
		{ "jobs_running", d->jobs_running },
		{ "jobs_completed", d->jobs_completed },
		{ "jobs_failed", d->jobs_failed },
		{ "jobs_cancelled", d->jobs_cancelled },
		{ "macs", d->macs },
		{ "busy_ns", d->busy_ns },
		{ "kmem", d->kmem },
		{ "nodes_reference", d->path_nodes[NNMEM_PATH_REFERENCE] },
		{ "nodes_scalar", d->path_nodes[NNMEM_PATH_SCALAR] },
		{ "nodes_avx2", d->path_nodes[NNMEM_PATH_AVX2] },
		{ "nodes_avx512", d->path_nodes[NNMEM_PATH_AVX512] },
		{ "macs_reference", d->path_macs[NNMEM_PATH_REFERENCE] },
		{ "macs_scalar", d->path_macs[NNMEM_PATH_SCALAR] },
		{ "macs_avx2", d->path_macs[NNMEM_PATH_AVX2] },
		{ "macs_avx512", d->path_macs[NNMEM_PATH_AVX512] },
	};
	json_object *o, *name;
	size_t i;

	o = json_object_new_object();
	if (!o)
		return NULL;
	name = json_object_new_string(d->name);
	if (!name || json_object_object_add(o, "name", name)) {
		json_object_put(name);
		goto err_put;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (json_add_u64(o, fields[i].key, fields[i].value))
			goto err_put;
	return o;

err_put:
	json_object_put(o);
	return NULL;
}

static int status_json(const struct nnmemctl_dev *devs, size_t count,
		       const struct status_extra *x)
{
	json_object *root, *arr, *o;
	size_t i;
	int ret = NNMEMCTL_EXIT_FAILED;

	root = json_object_new_object();
	arr = json_object_new_array();
	if (!root || !arr || json_object_object_add(root, "devices", arr)) {
		json_object_put(arr);
		goto out;
	}
	for (i = 0; i < count; i++) {
		o = status_dev_json(&devs[i]);
		if (o && status_extra_json(o, &devs[i], x)) {
			json_object_put(o);
			o = NULL;
		}
		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			goto out;
		}
	}
	printf("%s\n", json_object_to_json_string_ext(root,
						      JSON_C_TO_STRING_PLAIN));
	ret = NNMEMCTL_EXIT_OK;
out:
	if (ret)
		fprintf(stderr, "nnmemctl: status: out of memory\n");
	json_object_put(root);
	return ret;
}

static void status_quota_text(uint64_t q)
{
	if (q == NNMEM_QUOTA_NONE)
		printf("no quota");
	else
		printf("quota %" PRIu64, q);
}

/* One dma-buf: who exported it, its mode and mappings, its importers. */
static void status_dmabuf_text(const struct nnmemctl_dmabuf *d)
{
	uint32_t i;

	printf("    dma-buf ino %" PRIu64, d->inode);
	if (d->name[0])
		printf(" \"%s\"", d->name);
	printf(" session %" PRIu64 " handle %u%s %s, exporter pid %u (%s),"
	       " %u mmaps, %u importers", d->session, d->handle,
	       d->freed ? " (freed)" : "", d->writable ? "rw" : "ro", d->pid,
	       d->comm, d->mmaps, d->attachments);
	for (i = 0; i < d->nattach; i++)
		printf("%s %s (%s)", i ? "," : ":", d->attach[i].device,
		       d->attach[i].mapped ? "mapped" : "not mapped");
	if (d->nattach < d->attachments)
		printf(", ...");
	printf("\n");
}

static void status_extra_text(const struct nnmemctl_dev *d,
			      const struct status_extra *x)
{
	uint64_t dmabufs, exported;
	size_t i;

	status_dmabufs(x, d->index, &dmabufs, &exported);
	printf("  dmabufs           %12" PRIu64 "  (of %" PRIu64
	       " exported regions)\n", dmabufs, exported);
	for (i = 0; i < x->ndmabufs; i++)
		if (x->dmabufs[i].dev_index == d->index)
			status_dmabuf_text(&x->dmabufs[i]);
	for (i = 0; i < x->nusers; i++) {
		const struct nnmemctl_user *u = &x->users[i];

		if (u->dev_index != d->index)
			continue;
		printf("  user %-12u weight %" PRIu64 " (", u->uid,
		       u->weight_bytes);
		status_quota_text(u->weight_quota);
		printf("), activation %" PRIu64 " (", u->activation_bytes);
		status_quota_text(u->activation_quota);
		printf("), %u regions, %u sessions\n", u->regions,
		       u->sessions);
	}
}

static void status_text(const struct nnmemctl_dev *devs, size_t count,
			const struct status_extra *x)
{
	size_t i;

	for (i = 0; i < count; i++) {
		const struct nnmemctl_dev *d = &devs[i];

		printf("%s:\n", d->name);
		printf("  arena_size        %12" PRIu64 "\n", d->arena_size);
		printf("  weight_bytes      %12" PRIu64 "  (%u regions, hwm %" PRIu64 ")\n",
		       d->weight_bytes, d->weight_regions, d->weight_hwm);
		printf("  activation_bytes  %12" PRIu64 "  (%u regions, hwm %" PRIu64 ")\n",
		       d->activation_bytes, d->activation_regions,
		       d->activation_hwm);
		printf("  free_bytes        %12" PRIu64 "  (%u extents, largest %" PRIu64 ")\n",
		       d->free_bytes, d->free_extents, d->largest_free);
		printf("  deferred_regions  %12u\n", d->deferred_regions);
		printf("  sessions          %12u\n", d->sessions);
		printf("  graphs            %12u\n", d->graphs);
		printf("  jobs              %12" PRIu64 " queued, %" PRIu64
		       " running, %" PRIu64 " completed, %" PRIu64
		       " failed, %" PRIu64 " cancelled\n",
		       d->jobs_queued, d->jobs_running, d->jobs_completed,
		       d->jobs_failed, d->jobs_cancelled);
		printf("  macs              %12" PRIu64 "\n", d->macs);
		printf("  paths (nodes)     %12" PRIu64 " reference, %" PRIu64
		       " scalar, %" PRIu64 " AVX2, %" PRIu64 " AVX-512\n",
		       d->path_nodes[NNMEM_PATH_REFERENCE],
		       d->path_nodes[NNMEM_PATH_SCALAR],
		       d->path_nodes[NNMEM_PATH_AVX2],
		       d->path_nodes[NNMEM_PATH_AVX512]);
		printf("  busy              %12.3f ms\n", d->busy_ns / 1e6);
		printf("  kmem              %12" PRIu64 "  (graphs and jobs)\n",
		       d->kmem);
		status_extra_text(d, x);
	}
}

int nnmemctl_cmd_status(int argc, char **argv,
			const struct nnmemctl_global *g)
{
	static const struct option more[] = {
		{ "json", no_argument, NULL, 256 },
		{ NULL, 0, NULL, 0 },
	};
	struct status_extra x = { .regions = NULL };
	struct nnmemctl_dev *devs = NULL;
	struct nnmemctl_nl *nl = NULL;
	int opt, json = 0, ret;
	size_t count = 0;

	optind = 0;
	while ((opt = nnmemctl_getopt("status", argc, argv, more, false,
				      NULL)) != -1) {
		if (opt >= NNMEMCTL_OPT_STOP)
			return opt - NNMEMCTL_OPT_STOP;
		json = 1;
	}
	if (optind < argc)
		return nnmemctl_usage_error("status", "unexpected argument '%s'",
					    argv[optind]);
	if (nnmemctl_no_index("status", g, "status shows every device"))
		return NNMEMCTL_EXIT_USAGE;

	ret = nnmemctl_nl_open(&nl);
	if (ret)
		return nnmemctl_nl_open_failed("status", nl, ret);
	ret = nnmemctl_nl_devs(nl, &devs, &count);
	if (!ret)
		ret = nnmemctl_nl_regions(nl, -1, &x.regions, &x.nregions);
	if (!ret)
		ret = nnmemctl_nl_users(nl, &x.users, &x.nusers);
	if (!ret) {
		ret = nnmemctl_nl_dmabufs(nl, -1, &x.dmabufs, &x.ndmabufs);
		/* a module from before dmabuf-get: no holders to show */
		if (ret == -EOPNOTSUPP)
			ret = 0;
	}
	if (ret) {
		fprintf(stderr, "nnmemctl: status: %s\n",
			nnmemctl_nl_error(nl));
		nnmemctl_nl_close(nl);
		free(devs);
		free(x.regions);
		free(x.users);
		free(x.dmabufs);
		return NNMEMCTL_EXIT_FAILED;
	}
	nnmemctl_nl_close(nl);

	if (json)
		ret = status_json(devs, count, &x);
	else
		status_text(devs, count, &x);
	free(devs);
	free(x.regions);
	free(x.users);
	free(x.dmabufs);
	return ret;
}
