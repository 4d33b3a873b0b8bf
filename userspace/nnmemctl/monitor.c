// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl monitor [--json]: print the events of the nnmem family's
 * "events" group, one per line, until SIGINT or SIGTERM. With --json every
 * line is one JSON object ({"event": "region-alloc", "dev": 0, ...}).
 * Events the kernel had to drop because this reader fell behind are
 * reported as a line {"event": "lost"} (text: "lost events"). A compaction
 * prints what moved: text, one indented line per region after the event's
 * line; JSON, a "moved" array of {"session", "handle", "kind",
 * "old_offset", "new_offset", "size", "freed"} ("session" null for a
 * region whose handle was freed) and "moved_truncated" when the kernel
 * listed fewer than "regions". Joining the group needs CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <linux/nnmem_nl.h>

#include "nl.h"
#include "nnmemctl_cmds.h"

static volatile sig_atomic_t monitor_stop;

static void monitor_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

/* Adds @v (NULL: out of memory) as @key of @o; frees it if that fails. */
int nnmemctl_json_add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static json_object *monitor_move_json(const struct nnmemctl_move *m)
{
	json_object *o = json_object_new_object();
	int err = 0;

	if (!o)
		return NULL;
	if (m->freed)
		err |= json_object_object_add(o, "session", NULL) ? -ENOMEM : 0;
	else
		err |= nnmemctl_json_add(o, "session",
					 json_object_new_uint64(m->session));
	err |= nnmemctl_json_add(o, "handle",
				 json_object_new_uint64(m->handle));
	err |= nnmemctl_json_add(o, "kind",
			json_object_new_string(nnmemctl_kind_name(m->kind)));
	err |= nnmemctl_json_add(o, "old_offset",
				 json_object_new_uint64(m->old_offset));
	err |= nnmemctl_json_add(o, "new_offset",
				 json_object_new_uint64(m->new_offset));
	err |= nnmemctl_json_add(o, "size", json_object_new_uint64(m->size));
	err |= nnmemctl_json_add(o, "freed", json_object_new_boolean(m->freed));
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int monitor_compact_json(json_object *o,
				const struct nnmemctl_event *ev)
{
	json_object *arr, *m;
	uint32_t i;
	int err = 0;

	err |= nnmemctl_json_add(o, "kinds", json_object_new_uint64(ev->kinds));
	err |= nnmemctl_json_add(o, "regions",
				 json_object_new_uint64(ev->moved_regions));
	err |= nnmemctl_json_add(o, "bytes",
				 json_object_new_uint64(ev->moved_bytes));
	err |= nnmemctl_json_add(o, "largest_free",
			json_object_new_uint64(ev->largest_free));
	err |= nnmemctl_json_add(o, "free_bytes",
				 json_object_new_uint64(ev->free_bytes));
	err |= nnmemctl_json_add(o, "status", json_object_new_int(ev->status));
	err |= nnmemctl_json_add(o, "auto",
				 json_object_new_boolean(ev->automatic));
	err |= nnmemctl_json_add(o, "moved_truncated",
			json_object_new_boolean(ev->truncated));
	arr = json_object_new_array();
	err |= nnmemctl_json_add(o, "moved", arr);
	if (err)
		return -ENOMEM;
	for (i = 0; i < ev->nmoved; i++) {
		m = monitor_move_json(&ev->moved[i]);
		if (!m || json_object_array_add(arr, m)) {
			json_object_put(m);
			return -ENOMEM;
		}
	}
	return 0;
}

static int monitor_json(const struct nnmemctl_event *ev)
{
	const struct nnmemctl_region *r = &ev->region;
	json_object *o = json_object_new_object();
	int err = 0;

	if (!o)
		return -ENOMEM;
	err |= nnmemctl_json_add(o, "event",
			json_object_new_string(nnmemctl_event_name(ev->type)));
	err |= nnmemctl_json_add(o, "dev",
				 json_object_new_uint64(ev->dev_index));
	if (ev->cmd != NNMEM_CMD_COMPACT_NTF)
		err |= nnmemctl_json_add(o, "session",
				json_object_new_uint64(ev->session));
	switch (ev->cmd) {
	case NNMEM_CMD_REGION_NTF:
		err |= nnmemctl_json_add(o, "handle",
					 json_object_new_uint64(r->handle));
		err |= nnmemctl_json_add(o, "label",
					 json_object_new_string(r->label));
		err |= nnmemctl_json_add(o, "kind",
				json_object_new_string(nnmemctl_kind_name(r->kind)));
		err |= nnmemctl_json_add(o, "offset",
					 json_object_new_uint64(r->offset));
		err |= nnmemctl_json_add(o, "size",
					 json_object_new_uint64(r->size));
		err |= nnmemctl_json_add(o, "span",
					 json_object_new_uint64(r->span));
		err |= nnmemctl_json_add(o, "align",
					 json_object_new_uint64(r->align));
		err |= nnmemctl_json_add(o, "mappable",
					 json_object_new_boolean(r->mappable));
		err |= nnmemctl_json_add(o, "pid",
					 json_object_new_uint64(r->pid));
		err |= nnmemctl_json_add(o, "uid",
					 json_object_new_uint64(r->uid));
		break;
	case NNMEM_CMD_ALLOC_FAILED_NTF:
		err |= nnmemctl_json_add(o, "kind",
				json_object_new_string(nnmemctl_kind_name(r->kind)));
		err |= nnmemctl_json_add(o, "size",
					 json_object_new_uint64(r->size));
		err |= nnmemctl_json_add(o, "align",
					 json_object_new_uint64(r->align));
		err |= nnmemctl_json_add(o, "error",
					 json_object_new_int(r->error));
		err |= nnmemctl_json_add(o, "pid",
					 json_object_new_uint64(r->pid));
		err |= nnmemctl_json_add(o, "uid",
					 json_object_new_uint64(r->uid));
		break;
	case NNMEM_CMD_GRAPH_NTF:
		err |= nnmemctl_json_add(o, "graph",
					 json_object_new_uint64(ev->graph));
		err |= nnmemctl_json_add(o, "nodes",
					 json_object_new_uint64(ev->nodes));
		err |= nnmemctl_json_add(o, "regions",
					 json_object_new_uint64(ev->regions));
		break;
	case NNMEM_CMD_JOB_NTF:
		err |= nnmemctl_json_add(o, "graph",
					 json_object_new_uint64(ev->graph));
		err |= nnmemctl_json_add(o, "job",
					 json_object_new_uint64(ev->job));
		if (ev->finished) {
			err |= nnmemctl_json_add(o, "status",
						 json_object_new_int(ev->status));
			err |= nnmemctl_json_add(o, "duration_ns",
					json_object_new_uint64(ev->duration_ns));
			err |= nnmemctl_json_add(o, "macs",
						 json_object_new_uint64(ev->macs));
		}
		break;
	case NNMEM_CMD_SESSION_NTF:
		err |= nnmemctl_json_add(o, "pid",
					 json_object_new_uint64(ev->pid));
		err |= nnmemctl_json_add(o, "uid",
					 json_object_new_uint64(ev->uid));
		break;
	case NNMEM_CMD_COMPACT_NTF:
		err |= monitor_compact_json(o, ev);
		break;
	}
	if (!err)
		printf("%s\n", json_object_to_json_string_ext(o,
							      JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return err ? -ENOMEM : 0;
}

/* The rest of a compaction's line, then one line per region moved. */
static void monitor_compact_text(const struct nnmemctl_event *ev)
{
	const struct nnmemctl_move *m;
	uint32_t i;

	printf(" kinds 0x%x%s moved %u regions, %" PRIu64 " bytes; free %"
	       PRIu64 ", largest %" PRIu64, ev->kinds,
	       ev->automatic ? " (auto)" : "", ev->moved_regions,
	       ev->moved_bytes, ev->free_bytes, ev->largest_free);
	if (ev->status)
		printf(" status %d (%s)", ev->status, strerror(-ev->status));
	printf("\n");
	for (i = 0; i < ev->nmoved; i++) {
		m = &ev->moved[i];
		if (m->freed)
			printf("  moved freed      ");
		else
			printf("  moved session %-4" PRIu64, m->session);
		printf(" handle %u %s 0x%08" PRIx64 " -> 0x%08" PRIx64
		       " size %" PRIu64 "\n", m->handle,
		       nnmemctl_kind_name(m->kind), m->old_offset,
		       m->new_offset, m->size);
	}
	if (ev->truncated)
		printf("  (%u more not listed)\n", ev->moved_regions - ev->nmoved);
}

static void monitor_text(const struct nnmemctl_event *ev)
{
	const struct nnmemctl_region *r = &ev->region;

	printf("%-13s nnmem%u", nnmemctl_event_name(ev->type), ev->dev_index);
	if (ev->cmd != NNMEM_CMD_COMPACT_NTF)
		printf(" session %" PRIu64, ev->session);
	switch (ev->cmd) {
	case NNMEM_CMD_REGION_NTF:
		printf(" handle %u \"%s\" %s offset 0x%08" PRIx64 " size %" PRIu64
		       " align %u%s pid %u uid %u", r->handle, r->label,
		       nnmemctl_kind_name(r->kind), r->offset, r->size,
		       r->align, r->mappable ? " mappable" : "", r->pid, r->uid);
		break;
	case NNMEM_CMD_ALLOC_FAILED_NTF:
		printf(" %s size %" PRIu64 " align %u: %s pid %u uid %u",
		       nnmemctl_kind_name(r->kind), r->size, r->align,
		       strerror(-r->error), r->pid, r->uid);
		break;
	case NNMEM_CMD_GRAPH_NTF:
		printf(" graph %u nodes %u regions %u", ev->graph, ev->nodes,
		       ev->regions);
		break;
	case NNMEM_CMD_JOB_NTF:
		printf(" graph %u job %u", ev->graph, ev->job);
		if (ev->finished)
			printf(" status %d (%s) duration %.3f ms macs %" PRIu64,
			       ev->status, ev->status ? strerror(-ev->status) : "ok",
			       ev->duration_ns / 1e6, ev->macs);
		break;
	case NNMEM_CMD_SESSION_NTF:
		printf(" pid %u uid %u", ev->pid, ev->uid);
		break;
	case NNMEM_CMD_COMPACT_NTF:
		monitor_compact_text(ev);
		return;
	}
	printf("\n");
}

static int monitor_event(const struct nnmemctl_event *ev, void *arg)
{
	int json = *(int *)arg;

	if (json) {
		if (monitor_json(ev))
			return -ENOMEM;
	} else {
		monitor_text(ev);
	}
	/* One event per line, visible at once even through a pipe. */
	fflush(stdout);
	return 0;
}

static void monitor_lost(void *arg)
{
	int json = *(int *)arg;

	printf(json ? "{\"event\":\"lost\"}\n" : "lost events\n");
	fflush(stdout);
}

int nnmemctl_cmd_monitor(int argc, char **argv,
			const struct nnmemctl_global *g)
{
	static const struct option more[] = {
		{ "json", no_argument, NULL, 256 },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = monitor_signal };
	struct nnmemctl_nl *nl = NULL;
	int opt, json = 0, ret;

	optind = 0;
	while ((opt = nnmemctl_getopt("monitor", argc, argv, more, false,
				      NULL)) != -1) {
		if (opt >= NNMEMCTL_OPT_STOP)
			return opt - NNMEMCTL_OPT_STOP;
		json = 1;
	}
	if (optind < argc)
		return nnmemctl_usage_error("monitor", "unexpected argument '%s'",
					    argv[optind]);
	if (nnmemctl_no_index("monitor", g, "monitor shows every device's events"))
		return NNMEMCTL_EXIT_USAGE;

	/* No SA_RESTART: the signal must end the wait. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		perror("nnmemctl: monitor: sigaction");
		return NNMEMCTL_EXIT_FAILED;
	}

	ret = nnmemctl_nl_open(&nl);
	if (ret)
		return nnmemctl_nl_open_failed("monitor", nl, ret);
	ret = nnmemctl_nl_subscribe(nl);
	if (!ret)
		ret = nnmemctl_nl_events(nl, monitor_event, monitor_lost, &json,
					 &monitor_stop);
	if (ret) {
		fprintf(stderr, "nnmemctl: monitor: %s\n",
			nl && nnmemctl_nl_error(nl)[0] ? nnmemctl_nl_error(nl) :
							 strerror(-ret));
		nnmemctl_nl_close(nl);
		return NNMEMCTL_EXIT_FAILED;
	}
	nnmemctl_nl_close(nl);
	return NNMEMCTL_EXIT_OK;
}
