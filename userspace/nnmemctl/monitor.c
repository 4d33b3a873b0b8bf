// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl monitor [--json]: print the events of the nnmem family's
 * "events" group, one per line, until SIGINT or SIGTERM. With --json every
 * line is one JSON object ({"event": "region-alloc", "dev": 0, ...}).
 * Events the kernel had to drop because this reader fell behind are
 * reported as a line {"event": "lost"} (text: "lost events"). Joining the
 * group needs CAP_SYS_ADMIN.
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

static void monitor_usage(FILE *f)
{
	fprintf(f, "usage: nnmemctl monitor [--json]\n");
}

static int json_add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
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
	err |= json_add(o, "event",
			json_object_new_string(nnmemctl_event_name(ev->type)));
	err |= json_add(o, "dev", json_object_new_uint64(ev->dev_index));
	err |= json_add(o, "session", json_object_new_uint64(ev->session));
	switch (ev->cmd) {
	case NNMEM_CMD_REGION_NTF:
		err |= json_add(o, "handle", json_object_new_uint64(r->handle));
		err |= json_add(o, "label", json_object_new_string(r->label));
		err |= json_add(o, "kind",
				json_object_new_string(nnmemctl_kind_name(r->kind)));
		err |= json_add(o, "offset", json_object_new_uint64(r->offset));
		err |= json_add(o, "size", json_object_new_uint64(r->size));
		err |= json_add(o, "span", json_object_new_uint64(r->span));
		err |= json_add(o, "align", json_object_new_uint64(r->align));
		err |= json_add(o, "mappable", json_object_new_boolean(r->mappable));
		err |= json_add(o, "pid", json_object_new_uint64(r->pid));
		err |= json_add(o, "uid", json_object_new_uint64(r->uid));
		break;
	case NNMEM_CMD_ALLOC_FAILED_NTF:
		err |= json_add(o, "kind",
				json_object_new_string(nnmemctl_kind_name(r->kind)));
		err |= json_add(o, "size", json_object_new_uint64(r->size));
		err |= json_add(o, "align", json_object_new_uint64(r->align));
		err |= json_add(o, "error", json_object_new_int(r->error));
		err |= json_add(o, "pid", json_object_new_uint64(r->pid));
		err |= json_add(o, "uid", json_object_new_uint64(r->uid));
		break;
	case NNMEM_CMD_GRAPH_NTF:
		err |= json_add(o, "graph", json_object_new_uint64(ev->graph));
		err |= json_add(o, "nodes", json_object_new_uint64(ev->nodes));
		err |= json_add(o, "regions", json_object_new_uint64(ev->regions));
		break;
	case NNMEM_CMD_JOB_NTF:
		err |= json_add(o, "graph", json_object_new_uint64(ev->graph));
		err |= json_add(o, "job", json_object_new_uint64(ev->job));
		if (ev->finished) {
			err |= json_add(o, "status", json_object_new_int(ev->status));
			err |= json_add(o, "duration_ns",
					json_object_new_uint64(ev->duration_ns));
			err |= json_add(o, "macs", json_object_new_uint64(ev->macs));
		}
		break;
	case NNMEM_CMD_SESSION_NTF:
		err |= json_add(o, "pid", json_object_new_uint64(ev->pid));
		err |= json_add(o, "uid", json_object_new_uint64(ev->uid));
		break;
	}
	if (!err)
		printf("%s\n", json_object_to_json_string_ext(o,
							      JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return err ? -ENOMEM : 0;
}

static void monitor_text(const struct nnmemctl_event *ev)
{
	const struct nnmemctl_region *r = &ev->region;

	printf("%-13s nnmem%u session %" PRIu64, nnmemctl_event_name(ev->type),
	       ev->dev_index, ev->session);
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

int nnmemctl_cmd_monitor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = monitor_signal };
	struct nnmemctl_nl *nl = NULL;
	int opt, json = 0, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'h':
			monitor_usage(stdout);
			return 0;
		default:
			monitor_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		monitor_usage(stderr);
		return 2;
	}

	/* No SA_RESTART: the signal must end the wait. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		perror("nnmemctl: monitor: sigaction");
		return 1;
	}

	ret = nnmemctl_nl_open(&nl);
	if (!ret)
		ret = nnmemctl_nl_subscribe(nl);
	if (!ret)
		ret = nnmemctl_nl_events(nl, monitor_event, monitor_lost, &json,
					 &monitor_stop);
	if (ret) {
		fprintf(stderr, "nnmemctl: monitor: %s\n",
			nl && nnmemctl_nl_error(nl)[0] ? nnmemctl_nl_error(nl) :
							 strerror(-ret));
		nnmemctl_nl_close(nl);
		return 1;
	}
	nnmemctl_nl_close(nl);
	return 0;
}
