// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl: inspect an nnmem device, check and run graphs on it or on the
 * host, and demonstrate it.
 *
 *   nnmemctl [-d N] info                       device information and usage
 *   nnmemctl [-d N] run [--out DIR] [--check] [--plan] GRAPH.json
 *                                               run a JSON graph on the device
 *   nnmemctl run --host [--out DIR] GRAPH.json  ... or on the host
 *   nnmemctl check GRAPH.json                  validate a JSON graph
 *   nnmemctl [-d N] demo                       run the built-in residual block
 *   nnmemctl status [--json]                   every device's counters (netlink)
 *   nnmemctl [-d N] map [--svg FILE]           draw the arena (netlink)
 *   nnmemctl monitor [--json]                  print events until interrupted
 *   nnmemctl [-d N] compact [weights|activations]  compact the arena
 *
 * The help texts below and nnmemctl.1 describe the same commands, options
 * and exit statuses; selftests/unit/nnmemctl_test.c checks that they agree.
 *
 * The demo graph is examples/residual_block.json, compiled in at build time
 * (residual_block.json.h), so a static nnmemctl needs no data files.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nnmem/libnnmem.h>
#include <nnmem/model.h>

#include "nl.h"
#include "nnmemctl_cmds.h"
#include "plan_chart.h"
#include "residual_block.json.h"
#include "sha256.h"

#define BOX_WIDTH	56
#define MSG_LEN		512

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ help */

struct nnmemctl_cmd {
	const char *name;
	const char *synopsis;	/* after "nnmemctl " */
	const char *summary;	/* one line for "nnmemctl --help" */
	const char *help;	/* what it does, then "Options:" */
	int (*fn)(int argc, char **argv, const struct nnmemctl_global *g);
};

static int cmd_info(int argc, char **argv, const struct nnmemctl_global *g);
static int cmd_run(int argc, char **argv, const struct nnmemctl_global *g);
static int cmd_check(int argc, char **argv, const struct nnmemctl_global *g);
static int cmd_demo(int argc, char **argv, const struct nnmemctl_global *g);
static int cmd_compact(int argc, char **argv,
		       const struct nnmemctl_global *g);

#define HELP_DEVICE \
	"  -d, --device N  use /dev/nnmemN (default 0); also before the command\n"
#define HELP_HELP \
	"  -h, --help      show this help\n"

static const struct nnmemctl_cmd nnmemctl_cmds[] = {
	{
		"info", "[-d N] info",
		"device information and arena usage",
		"Print the device's limits and capabilities (INFO) and its\n"
		"arena usage (USAGE).\n"
		"\nOptions:\n" HELP_DEVICE HELP_HELP,
		cmd_info,
	}, {
		"run", "[-d N] run [--out DIR] [--check] [--host] [--plan] GRAPH.json\n"
		"       nnmemctl [-d N] run --input IN.bin [--output OUT.bin] [--check] [--host] MODEL.tflite",
		"run a JSON graph or a .tflite model on the device, or on the host",
		"Load GRAPH.json and check it with the driver's validator on the\n"
		"host, then allocate its regions on /dev/nnmemN (weights bottom-up,\n"
		"activations top-down, in file order), load their data, create and\n"
		"run the graph, and write its outputs to DIR.\n"
		"A TensorFlow Lite model is imported and planned as \"plan\" shows,\n"
		"loaded (weights in one region, activations in another, sharing\n"
		"bytes by lifetime), run on IN.bin, and its output written to\n"
		"OUT.bin.\n"
		"\nOptions:\n" HELP_DEVICE
		"  --out DIR       write the graph's \"outputs\" files to DIR\n"
		"                  (default .)\n"
		"  --input FILE    a model's input bytes (a .tflite model only)\n"
		"  --output FILE   write a model's output bytes to FILE\n"
		"  --check         compare every node's output (a model's output)\n"
		"                  byte for byte with the host's run (exit status 3\n"
		"                  if they differ)\n"
		"  --host          run on the host with the driver's portable\n"
		"                  executor: no device, same output files\n"
		"  --plan          put GRAPH.json's activation tensors in one\n"
		"                  region, sharing bytes by lifetime (as the demo)\n"
		HELP_HELP,
		cmd_run,
	}, {
		"plan", "plan [--svg FILE] MODEL.tflite",
		"the arena a .tflite model needs, no device needed",
		"Import MODEL.tflite, plan its memory and print the bytes it needs:\n"
		"weights (packed in model order), activations (as planned by\n"
		"lifetime, with the liveness lower bound and the plain sum of all\n"
		"activation tensors) and the arena total; then draw the plan,\n"
		"offset over node steps.\n"
		"\nOptions:\n"
		"  --svg FILE      also write the chart as SVG to FILE\n"
		HELP_HELP,
		nnmemctl_cmd_plan,
	}, {
		"check", "check GRAPH.json",
		"validate a JSON graph, no device needed",
		"Load GRAPH.json and run the driver's own graph validator over it\n"
		"on the host. Prints why a graph is rejected and which node and\n"
		"tensor, by their names in the file; exit status 0 or 1.\n"
		"\nOptions:\n" HELP_HELP,
		cmd_check,
	}, {
		"demo", "[-d N] demo",
		"run the built-in residual block on the device",
		"Run the built-in Conv0 -> Conv1 -> Add(Conv1, skip) block\n"
		"(examples/residual_block.json) with its activations planned by\n"
		"lifetime (as run --plan), draw the arena and the plan, check the\n"
		"device's output against the host reference and the recorded\n"
		"SHA-256, free everything and check that the usage is back where\n"
		"it was.\n"
		"\nOptions:\n" HELP_DEVICE HELP_HELP,
		cmd_demo,
	}, {
		"status", "status [--json]",
		"every device's counters and job statistics (netlink)",
		"Print every device's counters and job statistics, read over\n"
		"generic netlink.\n"
		"\nOptions:\n"
		"  --json          print one JSON object\n"
		HELP_HELP,
		nnmemctl_cmd_status,
	}, {
		"map", "[-d N] map [--svg FILE]",
		"draw the arena (netlink)",
		"Draw the arena of /dev/nnmemN as a column: activations from the\n"
		"top, weights from the bottom, free space between. Other users'\n"
		"regions are shown only with CAP_SYS_ADMIN.\n"
		"\nOptions:\n" HELP_DEVICE
		"  --svg FILE      also write the picture as SVG to FILE\n"
		HELP_HELP,
		nnmemctl_cmd_map,
	}, {
		"monitor", "monitor [--json]",
		"print the driver's events until interrupted (netlink)",
		"Print the driver's events, one per line, until SIGINT or SIGTERM\n"
		"(needs CAP_SYS_ADMIN).\n"
		"\nOptions:\n"
		"  --json          print each event as a JSON object\n"
		HELP_HELP,
		nnmemctl_cmd_monitor,
	}, {
		"compact", "[-d N] compact [weights|activations]",
		"slide the arena's regions together (COMPACT)",
		"Compact the arena of /dev/nnmemN: weights down, activations up\n"
		"(both unless one kind is named), closing the holes between\n"
		"regions. Handles and mappings stay valid; regions used by a\n"
		"graph or exported as a dma-buf stay where they are. Prints what\n"
		"moved and the largest free extent afterwards.\n"
		"\nOptions:\n" HELP_DEVICE HELP_HELP,
		cmd_compact,
	},
};

static const char nnmemctl_exit_help[] =
	"Exit status:\n"
	"  0  success\n"
	"  1  rejected: the graph file is not valid JSON or not a valid model,\n"
	"     or the validator rejected the graph\n"
	"  2  usage error\n"
	"  3  output mismatch: an output differs from the host reference\n"
	"  4  no device: no /dev/nnmemN (nnmem not loaded, or fewer devices)\n"
	"  5  any other failure\n";

static const struct nnmemctl_cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nnmemctl_cmds); i++)
		if (!strcmp(nnmemctl_cmds[i].name, name))
			return &nnmemctl_cmds[i];
	return NULL;
}

static void usage_print(FILE *f)
{
	size_t i;

	fprintf(f, "usage: nnmemctl [-d N] COMMAND [OPTIONS] [ARGS]\n\n");
	fprintf(f, "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(nnmemctl_cmds); i++)
		fprintf(f, "  %-9s %s\n", nnmemctl_cmds[i].name,
			nnmemctl_cmds[i].summary);
	fprintf(f, "\nOptions:\n" HELP_DEVICE
		"  -h, --help      show this help; \"nnmemctl COMMAND --help\" for a\n"
		"                  command's\n");
	fprintf(f, "\n%s\nSee nnmemctl(1).\n", nnmemctl_exit_help);
}

void nnmemctl_cmd_usage(FILE *f, const char *cmd)
{
	const struct nnmemctl_cmd *c = cmd_find(cmd);

	if (c)
		fprintf(f, "usage: nnmemctl %s\n", c->synopsis);
}

void nnmemctl_cmd_help(FILE *f, const char *cmd)
{
	const struct nnmemctl_cmd *c = cmd_find(cmd);

	if (!c)
		return;
	nnmemctl_cmd_usage(f, cmd);
	fprintf(f, "\n%s\n%s", c->help, nnmemctl_exit_help);
}

int nnmemctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "nnmemctl: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	nnmemctl_cmd_usage(stderr, cmd);
	return NNMEMCTL_EXIT_USAGE;
}

int nnmemctl_opt_error(const char *cmd, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	char name[3] = { '-', (char)optopt, '\0' };

	/* a short option (perhaps inside a cluster): name it alone */
	if (optopt > 0 && optopt < 128 && strncmp(arg, "--", 2))
		arg = name;
	if (opt == ':')
		return nnmemctl_usage_error(cmd, "option %s needs an argument",
					    arg);
	return nnmemctl_usage_error(cmd, "unknown option %s", arg);
}

bool nnmemctl_parse_index(const char *cmd, const char *s, unsigned int *index)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v > INT_MAX) {
		fprintf(stderr, "nnmemctl: %s: bad device index '%s' (want 0, 1, ...)\n",
			cmd, s);
		return false;
	}
	*index = (unsigned int)v;
	return true;
}

bool nnmemctl_no_index(const char *cmd, const struct nnmemctl_global *g,
		       const char *why)
{
	if (!g->index_set)
		return false;
	nnmemctl_usage_error(cmd, "-d does not apply: %s", why);
	return true;
}

#define CMD_STOP	NNMEMCTL_OPT_STOP
int nnmemctl_getopt(const char *cmd, int argc, char **argv,
		      const struct option *more, bool with_dev,
		      struct nnmemctl_global *g)
{
	struct option longopts[12];
	size_t n = 0;
	int opt;

	if (with_dev)
		longopts[n++] = (struct option){ "device", required_argument,
						 NULL, 'd' };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	for (; more && more->name && n < ARRAY_SIZE(longopts) - 1; more++)
		longopts[n++] = *more;
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	opterr = 0;
	for (;;) {
		opt = getopt_long(argc, argv, with_dev ? ":d:h" : ":h",
				  longopts, NULL);
		switch (opt) {
		case 'd':
			if (!nnmemctl_parse_index(cmd, optarg, &g->index))
				return CMD_STOP + NNMEMCTL_EXIT_USAGE;
			g->index_set = true;
			continue;
		case 'h':
			nnmemctl_cmd_help(stdout, cmd);
			return CMD_STOP + NNMEMCTL_EXIT_OK;
		case '?':
		case ':':
			return CMD_STOP + nnmemctl_opt_error(cmd, opt, argv);
		default:
			return opt;
		}
	}
}

int nnmemctl_nl_open_failed(const char *cmd, struct nnmemctl_nl *nl, int err)
{
	if (err == -ENOENT) {
		fprintf(stderr, "nnmemctl: %s: no nnmem netlink family: load the module (modprobe nnmem / insmod nnmem.ko)\n",
			cmd);
		err = NNMEMCTL_EXIT_NO_DEVICE;
	} else {
		fprintf(stderr, "nnmemctl: %s: %s\n", cmd,
			nl && nnmemctl_nl_error(nl)[0] ? nnmemctl_nl_error(nl) :
							 strerror(-err));
		err = NNMEMCTL_EXIT_FAILED;
	}
	nnmemctl_nl_close(nl);
	return err;
}

/* ------------------------------------------------------- the device */

/* Open /dev/nnmemN; on failure say why and return the exit status. */
int nnmemctl_device_open(unsigned int index, struct nnmem_dev **devp)
{
	char path[64];
	FILE *f;
	unsigned int devices;
	int err;

	err = nnmem_open((int)index, devp);
	if (!err)
		return NNMEMCTL_EXIT_OK;
	snprintf(path, sizeof(path), "/dev/nnmem%u", index);
	switch (-err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		f = fopen("/sys/module/nnmem/parameters/devices", "r");
		if (!f) {
			fprintf(stderr, "nnmemctl: no %s: load the module (modprobe nnmem / insmod nnmem.ko)\n",
				path);
		} else {
			if (fscanf(f, "%u", &devices) == 1 && index >= devices)
				fprintf(stderr, "nnmemctl: no %s: nnmem is loaded with %u device%s (module parameter devices=N)\n",
					path, devices, devices == 1 ? "" : "s");
			else
				fprintf(stderr, "nnmemctl: no %s: nnmem is loaded but the device node is missing (udev?)\n",
					path);
			fclose(f);
		}
		return NNMEMCTL_EXIT_NO_DEVICE;
	case EACCES:
	case EPERM:
		fprintf(stderr, "nnmemctl: %s: %s (udev/60-nnmem.rules gives the group nnmem access)\n",
			path, strerror(-err));
		return NNMEMCTL_EXIT_FAILED;
	default:
		fprintf(stderr, "nnmemctl: %s: %s\n", path, strerror(-err));
		return NNMEMCTL_EXIT_FAILED;
	}
}

static void usage_show(const struct nnmem_usage *u)
{
	printf("usage:\n");
	printf("  arena_size        %10" PRIu64 "\n", (uint64_t)u->arena_size);
	printf("  weight_bytes      %10" PRIu64 "  (%u regions, hwm %" PRIu64 ")\n",
	       (uint64_t)u->weight_bytes, u->weight_regions,
	       (uint64_t)u->weight_hwm);
	printf("  activation_bytes  %10" PRIu64 "  (%u regions, hwm %" PRIu64 ")\n",
	       (uint64_t)u->activation_bytes, u->activation_regions,
	       (uint64_t)u->activation_hwm);
	printf("  free_bytes        %10" PRIu64 "  (%u extents, largest %" PRIu64 ")\n",
	       (uint64_t)u->free_bytes, u->free_extents,
	       (uint64_t)u->largest_free);
	printf("  weight_top        0x%08" PRIx64 "\n", (uint64_t)u->weight_top);
	printf("  activation_bottom 0x%08" PRIx64 "\n",
	       (uint64_t)u->activation_bottom);
	printf("  deferred          %10" PRIu64 "  (%u regions)\n",
	       (uint64_t)u->deferred_bytes, u->deferred_regions);
	printf("  this session      %10" PRIu64 "  (%u regions)\n",
	       (uint64_t)u->session_bytes, u->session_regions);
}

static int info_show(struct nnmem_dev *dev)
{
	struct nnmem_info info;
	struct nnmem_usage u;
	int err;

	err = nnmem_info(dev, &info);
	if (err) {
		fprintf(stderr, "nnmemctl: info: %s\n", nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	printf("nnmem%u:\n", info.dev_index);
	printf("  uapi_version      %u\n", info.uapi_version);
	printf("  caps              0x%" PRIx64 "%s%s%s%s\n", (uint64_t)info.caps,
	       info.caps & NNMEM_CAP_MMAP ? " mmap" : "",
	       info.caps & NNMEM_CAP_RW ? " rw" : "",
	       info.caps & NNMEM_CAP_LABELS ? " labels" : "",
	       info.caps & NNMEM_CAP_GRAPH ? " graph" : "");
	printf("  arena_size        %" PRIu64 " (%" PRIu64 " KiB)\n",
	       (uint64_t)info.arena_size, (uint64_t)info.arena_size >> 10);
	printf("  default_align     %u\n", info.default_align);
	printf("  max_align         %u\n", info.max_align);
	printf("  max_regions       %u\n", info.max_regions);
	printf("  page_size         %u\n", info.page_size);
	printf("  max_tensors       %u\n", info.max_tensors);
	printf("  max_nodes         %u\n", info.max_nodes);
	printf("  max_graphs        %u\n", info.max_graphs);
	printf("  max_jobs          %u\n", info.max_jobs);

	err = nnmem_usage(dev, &u);
	if (err) {
		fprintf(stderr, "nnmemctl: usage: %s\n", nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	usage_show(&u);
	return NNMEMCTL_EXIT_OK;
}

static int cmd_info(int argc, char **argv, const struct nnmemctl_global *gl)
{
	struct nnmemctl_global g = *gl;
	struct nnmem_dev *dev;
	int opt, ret;

	optind = 0;
	opt = nnmemctl_getopt("info", argc, argv, NULL, true, &g);
	if (opt >= CMD_STOP)
		return opt - CMD_STOP;
	if (optind < argc)
		return nnmemctl_usage_error("info", "unexpected argument '%s'",
					    argv[optind]);
	ret = nnmemctl_device_open(g.index, &dev);
	if (ret)
		return ret;
	ret = info_show(dev);
	nnmem_close(dev);
	return ret;
}

static int cmd_compact(int argc, char **argv,
		       const struct nnmemctl_global *gl)
{
	struct nnmemctl_global g = *gl;
	struct nnmem_compact c;
	struct nnmem_dev *dev;
	uint32_t kinds = 0;
	int opt, ret, err;

	optind = 0;
	opt = nnmemctl_getopt("compact", argc, argv, NULL, true, &g);
	if (opt >= CMD_STOP)
		return opt - CMD_STOP;
	if (optind < argc) {
		if (!strcmp(argv[optind], "weights"))
			kinds = NNMEM_COMPACT_WEIGHTS;
		else if (!strcmp(argv[optind], "activations"))
			kinds = NNMEM_COMPACT_ACTIVATIONS;
		else
			return nnmemctl_usage_error("compact",
						    "unknown kind '%s'",
						    argv[optind]);
		optind++;
	}
	if (optind < argc)
		return nnmemctl_usage_error("compact",
					    "unexpected argument '%s'",
					    argv[optind]);
	ret = nnmemctl_device_open(g.index, &dev);
	if (ret)
		return ret;
	err = nnmem_compact(dev, kinds, &c);
	nnmem_close(dev);
	if (err) {
		fprintf(stderr, "nnmemctl: compact: %s\n", nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	printf("moved %u regions, %" PRIu64 " bytes; free %" PRIu64
	       " bytes, largest free extent %" PRIu64 "\n",
	       c.regions_moved, (uint64_t)c.bytes_moved,
	       (uint64_t)c.free_bytes, (uint64_t)c.largest_free);
	return NNMEMCTL_EXIT_OK;
}

static void box_rule(uint64_t offset, int with_offset)
{
	char line[BOX_WIDTH + 1];

	memset(line, '-', BOX_WIDTH);
	line[0] = '+';
	line[BOX_WIDTH - 1] = '+';
	line[BOX_WIDTH] = '\0';
	if (with_offset)
		printf("%14s%s 0x%08" PRIx64 "\n", "", line, offset);
	else
		printf("%14s%s\n", "", line);
}

static void box_row(uint64_t offset, const char *text)
{
	printf("  0x%08" PRIx64 "  | %-*.*s |\n", offset, BOX_WIDTH - 4,
	       BOX_WIDTH - 4, text);
}

static void box_gap(uint64_t start, uint64_t size, int middle)
{
	char text[128];

	if (middle) {
		printf("%14s| %-*s |\n", "", BOX_WIDTH - 4, "");
		snprintf(text, sizeof(text),
			 "   free: %" PRIu64 " bytes (%" PRIu64 " KiB)  ^ v",
			 size, size >> 10);
		box_row(start, text);
		printf("%14s| %-*s |\n", "", BOX_WIDTH - 4, "");
	} else {
		snprintf(text, sizeof(text), "   (padding %" PRIu64 " bytes)",
			 size);
		box_row(start, text);
	}
}

static int region_cmp(const void *a, const void *b)
{
	const struct nnmem_model_region *x =
		*(const struct nnmem_model_region * const *)a;
	const struct nnmem_model_region *y =
		*(const struct nnmem_model_region * const *)b;

	if (x->info.offset != y->info.offset)
		return x->info.offset < y->info.offset ? 1 : -1;
	return 0;
}

/* Draw the model's regions in the arena, top (highest offset) to bottom. */
static int arena_draw(const struct nnmem_model *m, uint64_t arena_size)
{
	struct nnmem_model_region **sorted;
	uint64_t above = arena_size, weight_top = 0;
	char text[128];
	uint32_t i;

	sorted = calloc(m->region_count ? m->region_count : 1,
			sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < m->region_count; i++) {
		const struct nnmem_region_info *ri = &m->regions[i].info;

		sorted[i] = &m->regions[i];
		if (ri->kind == NNMEM_KIND_WEIGHT &&
		    ri->offset + ri->span > weight_top)
			weight_top = ri->offset + ri->span;
	}
	qsort(sorted, m->region_count, sizeof(sorted[0]), region_cmp);

	printf("\narena, highest offset first:\n\n");
	printf("  %-10s    %-14s %-10s %8s\n", "start", "label", "kind", "size");
	box_rule(arena_size, 1);
	for (i = 0; i < m->region_count; i++) {
		const struct nnmem_region_info *ri = &sorted[i]->info;
		uint64_t end = ri->offset + ri->span;

		if (end < above) {
			box_gap(end, above - end, end == weight_top);
			box_rule(0, 0);
		}
		snprintf(text, sizeof(text), "%-14s %-10s %8" PRIu64 " bytes",
			 (const char *)ri->label, nnmem_kind_name(ri->kind),
			 (uint64_t)ri->size);
		box_row(ri->offset, text);
		box_rule(ri->offset, i + 1 == m->region_count);
		above = ri->offset;
	}
	if (above > 0) {
		box_gap(0, above, 0);
		box_rule(0, 1);
	}
	printf("\n");
	free(sorted);
	return 0;
}

/* ---------------------------------------------------------- graphs */

static const char *tensor_name(const struct nnmem_model *m, uint32_t t)
{
	return t < m->tensor_count ? m->mtensors[t].name : "-";
}

static const char *node_name(const struct nnmem_model *m, uint32_t n)
{
	return n < m->node_count ? m->node_names[n] : "-";
}

/* The tensor node @n writes (NNMEM_INDEX_NONE for an unknown op). */
static uint32_t node_output(const struct nnmem_node *n)
{
	switch (n->op) {
	case NNMEM_OP_CONV2D:
		return n->conv2d.output;
	case NNMEM_OP_ADD:
		return n->add.output;
	case NNMEM_OP_FULLY_CONNECTED:
		return n->fully_connected.output;
	case NNMEM_OP_AVG_POOL2D:
	case NNMEM_OP_MAX_POOL2D:
		return n->pool2d.output;
	case NNMEM_OP_SOFTMAX:
		return n->softmax.output;
	default:
		return NNMEM_INDEX_NONE;
	}
}

/* "[1,16,16,16]" */
static const char *dims_text(const struct nnmem_tensor *t, char *buf,
			     size_t len)
{
	size_t n = 0;
	uint32_t d;

	n += (size_t)snprintf(buf, len, "[");
	for (d = 0; d < t->ndims && d < NNMEM_TENSOR_MAX_DIMS && n < len; d++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u", d ? "," : "",
				      t->dims[d]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
	return buf;
}

/* A tensor as the file gives it: type, shape, place, zero point. */
static void tensor_describe(const struct nnmem_model *m, uint32_t t)
{
	const struct nnmem_tensor *x = &m->tensors[t];
	const struct nnmem_model_region *r = &m->regions[m->mtensors[t].region];
	char dims[64];

	fprintf(stderr, "  tensor \"%s\" (tensors[%u]): %s %s, %" PRIu64 " bytes at offset %" PRIu64 " of region \"%s\" (%s, %" PRIu64 " bytes), zero point %d\n",
		m->mtensors[t].name, t,
		x->type == NNMEM_TYPE_INT8 ? "int8" : "int32",
		dims_text(x, dims, sizeof(dims)), m->mtensors[t].bytes,
		(uint64_t)x->offset, r->name, nnmem_kind_name(r->kind), r->size,
		x->zero_point);
}

/* "\"x\" [1,4,4,1]", or "none" */
static const char *tensor_ref(const struct nnmem_model *m, uint32_t t,
			      char *buf, size_t len)
{
	char dims[64];

	if (t >= m->tensor_count)
		snprintf(buf, len, t == NNMEM_INDEX_NONE ? "none" : "%u (none such)",
			 t);
	else
		snprintf(buf, len, "\"%s\" %s", m->mtensors[t].name,
			 dims_text(&m->tensors[t], dims, sizeof(dims)));
	return buf;
}

/* A node as the file gives it: its tensors by name and its parameters. */
static void node_describe(const struct nnmem_model *m, uint32_t i)
{
	const struct nnmem_node *n = &m->nodes[i];
	char t1[128], t2[128], t3[128], t4[128];

	fprintf(stderr, "  node \"%s\" (nodes[%u]): ", node_name(m, i), i);
	if (n->op == NNMEM_OP_CONV2D) {
		const struct nnmem_conv2d *c = &n->conv2d;

		fprintf(stderr, "conv2d input %s, filter %s, bias %s, output %s, stride %ux%u, dilation %ux%u, padding top %u bottom %u left %u right %u, groups %u, act [%d, %d]\n",
			tensor_ref(m, c->input, t1, sizeof(t1)),
			tensor_ref(m, c->filter, t2, sizeof(t2)),
			tensor_ref(m, c->bias, t3, sizeof(t3)),
			tensor_ref(m, c->output, t4, sizeof(t4)),
			c->stride_h, c->stride_w, c->dilation_h, c->dilation_w,
			c->pad_top, c->pad_bottom, c->pad_left, c->pad_right,
			c->groups, c->act_min, c->act_max);
	} else if (n->op == NNMEM_OP_ADD) {
		const struct nnmem_add *a = &n->add;

		fprintf(stderr, "add input1 %s, input2 %s, output %s, left_shift %d, shifts %d %d %d, act [%d, %d]\n",
			tensor_ref(m, a->input1, t1, sizeof(t1)),
			tensor_ref(m, a->input2, t2, sizeof(t2)),
			tensor_ref(m, a->output, t3, sizeof(t3)), a->left_shift,
			a->input1_shift, a->input2_shift, a->output_shift,
			a->act_min, a->act_max);
	} else if (n->op == NNMEM_OP_FULLY_CONNECTED) {
		const struct nnmem_fully_connected *f = &n->fully_connected;

		fprintf(stderr, "fully_connected input %s, filter %s, bias %s, output %s, act [%d, %d]\n",
			tensor_ref(m, f->input, t1, sizeof(t1)),
			tensor_ref(m, f->filter, t2, sizeof(t2)),
			tensor_ref(m, f->bias, t3, sizeof(t3)),
			tensor_ref(m, f->output, t4, sizeof(t4)),
			f->act_min, f->act_max);
	} else if (n->op == NNMEM_OP_AVG_POOL2D ||
		   n->op == NNMEM_OP_MAX_POOL2D) {
		const struct nnmem_pool2d *p = &n->pool2d;

		fprintf(stderr, "%s input %s, output %s, window %ux%u, stride %ux%u, padding top %u bottom %u left %u right %u, act [%d, %d]\n",
			nnmem_op_name(n->op),
			tensor_ref(m, p->input, t1, sizeof(t1)),
			tensor_ref(m, p->output, t2, sizeof(t2)), p->filter_h,
			p->filter_w, p->stride_h, p->stride_w, p->pad_top,
			p->pad_bottom, p->pad_left, p->pad_right, p->act_min,
			p->act_max);
	} else if (n->op == NNMEM_OP_SOFTMAX) {
		const struct nnmem_softmax *sm = &n->softmax;

		fprintf(stderr, "softmax input %s, output %s, input_multiplier %d, input_left_shift %d, diff_min %d\n",
			tensor_ref(m, sm->input, t1, sizeof(t1)),
			tensor_ref(m, sm->output, t2, sizeof(t2)),
			sm->input_multiplier, sm->input_left_shift,
			sm->diff_min);
	} else {
		fprintf(stderr, "op %u (unknown)\n", n->op);
	}
}

/*
 * Print the validator's verdict on a rejected graph, naming the node and
 * tensor as the JSON file does, with their values.
 */
static void graph_error_print(const char *path, const struct nnmem_model *m,
			      const struct nnmem_graph_error *ge)
{
	fprintf(stderr, "nnmemctl: %s: graph rejected: %s (reason %u)\n",
		path, nnmem_graph_strerror(ge->reason), ge->reason);
	if (ge->node < m->node_count)
		node_describe(m, ge->node);
	else if (ge->node != NNMEM_INDEX_NONE)
		fprintf(stderr, "  node %u (not in the file)\n", ge->node);
	if (ge->tensor < m->tensor_count)
		tensor_describe(m, ge->tensor);
	else if (ge->tensor != NNMEM_INDEX_NONE)
		fprintf(stderr, "  tensor %u (not in the file)\n", ge->tensor);
}

/*
 * Load @path and check it with the driver's validator on the host. Returns
 * the exit status; the model in *@mp when it is 0.
 */
static int graph_load(const char *path, struct nnmem_model **mp)
{
	struct nnmem_graph_error ge;
	struct nnmem_model *m;
	char msg[MSG_LEN];
	int err;

	err = nnmem_model_load(path, &m, msg, sizeof(msg));
	if (err == -ENOMEM) {
		fprintf(stderr, "nnmemctl: %s: %s\n", path,
			msg[0] ? msg : "out of memory");
		return NNMEMCTL_EXIT_FAILED;
	}
	if (err) {
		fprintf(stderr, "nnmemctl: %s: %s\n", path, msg);
		return NNMEMCTL_EXIT_REJECTED;
	}
	memset(&ge, 0, sizeof(ge));
	err = nnmem_model_check(m, &ge);
	if (err == -EINVAL) {
		graph_error_print(path, m, &ge);
		nnmem_model_free(m);
		return NNMEMCTL_EXIT_REJECTED;
	}
	if (err) {
		fprintf(stderr, "nnmemctl: %s: check: %s\n", path,
			nnmem_strerror(err));
		nnmem_model_free(m);
		return NNMEMCTL_EXIT_FAILED;
	}
	*mp = m;
	return NNMEMCTL_EXIT_OK;
}

/* Print min/max and a histogram of an int8 tensor; returns distinct values. */
static unsigned int tensor_histogram(const char *name, const int8_t *v,
				     uint64_t n)
{
	uint64_t bins[8] = { 0 }, peak = 1;
	unsigned int distinct = 0, i;
	bool seen[256] = { false };
	int lo = 127, hi = -128;
	uint64_t k;

	for (k = 0; k < n; k++) {
		if (v[k] < lo)
			lo = v[k];
		if (v[k] > hi)
			hi = v[k];
		if (!seen[v[k] + 128]) {
			seen[v[k] + 128] = true;
			distinct++;
		}
		bins[(v[k] + 128) / 32]++;
	}
	for (i = 0; i < ARRAY_SIZE(bins); i++)
		if (bins[i] > peak)
			peak = bins[i];
	printf("%s: %" PRIu64 " values in [%d, %d], %u distinct\n", name, n, lo,
	       hi, distinct);
	for (i = 0; i < ARRAY_SIZE(bins); i++)
		printf("  [%4d, %4d] %6" PRIu64 " %.*s\n", (int)i * 32 - 128,
		       (int)i * 32 - 97, bins[i], (int)(bins[i] * 40 / peak),
		       "########################################");
	return distinct;
}

/*
 * Compare every node's output tensor between the device and the reference
 * images; prints the first difference of each. Returns the bytes compared,
 * or -1 when something differs.
 */
static int64_t outputs_compare(const struct nnmem_model *m, uint8_t **dev,
			       uint8_t **ref)
{
	int64_t total = 0;
	bool same = true;
	uint32_t i;

	for (i = 0; i < m->node_count; i++) {
		uint32_t t = node_output(&m->nodes[i]);
		const uint8_t *a, *b;
		uint64_t k, n, diffs = 0;

		/* a checked model has no unknown op; never index with one */
		if (t >= m->tensor_count)
			continue;
		a = nnmem_model_tensor_data(m, dev, t);
		b = nnmem_model_tensor_data(m, ref, t);
		n = m->mtensors[t].bytes;

		for (k = 0; k < n; k++) {
			if (a[k] == b[k])
				continue;
			if (!diffs)
				fprintf(stderr,
					"nnmemctl: %s: byte %" PRIu64 ": device %d, reference %d\n",
					tensor_name(m, t), k, (int8_t)a[k],
					(int8_t)b[k]);
			diffs++;
		}
		if (diffs) {
			fprintf(stderr, "nnmemctl: %s (node %s): %" PRIu64 " of %" PRIu64 " bytes differ\n",
				tensor_name(m, t), node_name(m, i), diffs, n);
			same = false;
		}
		total += (int64_t)n;
	}
	return same ? total : -1;
}

static int outputs_write(const struct nnmem_model *m, uint8_t **images,
			 const char *dir)
{
	uint32_t i;

	for (i = 0; i < m->output_count; i++) {
		uint32_t t = m->outputs[i].tensor;
		const uint8_t *p = nnmem_model_tensor_data(m, images, t);
		char path[PATH_MAX];
		FILE *f;
		int n;

		n = snprintf(path, sizeof(path), "%s/%s", dir,
			     m->outputs[i].file);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			fprintf(stderr, "nnmemctl: %s/%s: path too long\n", dir,
				m->outputs[i].file);
			return -ENAMETOOLONG;
		}
		f = fopen(path, "wb");
		if (!f || fwrite(p, 1, m->mtensors[t].bytes, f) !=
			  m->mtensors[t].bytes) {
			fprintf(stderr, "nnmemctl: %s: %s\n", path,
				strerror(errno));
			if (f)
				fclose(f);
			return -EIO;
		}
		if (fclose(f)) {
			fprintf(stderr, "nnmemctl: %s: %s\n", path,
				strerror(errno));
			return -EIO;
		}
		printf("wrote %s (%s, %" PRIu64 " bytes)\n", path,
		       tensor_name(m, t), m->mtensors[t].bytes);
	}
	return 0;
}

/*
 * Create the graph of an allocated model, run it once on the device,
 * write its outputs to @out_dir (if not NULL) and, with @check, compare
 * every node's output with the host reference. @dev_images receives the
 * device's regions afterwards (free with nnmem_model_images_free()).
 * Returns the exit status.
 */
static int model_execute(struct nnmem_dev *dev, const char *path,
			 struct nnmem_model *m, bool check,
			 const char *out_dir, uint8_t ***dev_images)
{
	uint8_t **images = NULL, **ref = NULL;
	struct nnmem_graph_error ge;
	uint64_t ns = 0, macs = 0;
	int64_t compared;
	int err, ret = NNMEMCTL_EXIT_FAILED;

	err = nnmem_model_graph_create(dev, m, &ge);
	if (err == -EINVAL) {
		graph_error_print(path, m, &ge);
		return NNMEMCTL_EXIT_REJECTED;
	}
	if (err) {
		fprintf(stderr, "nnmemctl: graph create: %s\n",
			nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	printf("graph %u: %u tensors, %u nodes\n", m->graph, m->tensor_count,
	       m->node_count);
	err = nnmem_graph_run(dev, m->graph, &ns, &macs);
	if (err) {
		fprintf(stderr, "nnmemctl: run: %s\n", nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	printf("ran on the device: %" PRIu64 " MACs in %" PRIu64 ".%03" PRIu64 " ms\n",
	       macs, ns / 1000000, ns / 1000 % 1000);
	err = nnmem_model_read(dev, m, &images);
	if (err) {
		fprintf(stderr, "nnmemctl: read back: %s\n",
			nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	if (out_dir && outputs_write(m, images, out_dir))
		goto out_free;
	if (check) {
		err = nnmem_model_reference(m, &ref);
		if (err) {
			fprintf(stderr, "nnmemctl: host reference: %s\n",
				nnmem_strerror(err));
			goto out_free;
		}
		compared = outputs_compare(m, images, ref);
		if (compared < 0) {
			printf("device output != host reference\n");
			ret = NNMEMCTL_EXIT_MISMATCH;
			goto out_free;
		}
		printf("device output == host reference (%" PRId64 " bytes)\n",
		       compared);
	}
	*dev_images = images;
	images = NULL;
	ret = NNMEMCTL_EXIT_OK;
out_free:
	nnmem_model_images_free(m, ref);
	nnmem_model_images_free(m, images);
	return ret;
}

static int run_device(const struct nnmemctl_global *g, const char *path,
		      struct nnmem_model *m, const char *out_dir, bool check)
{
	uint8_t **images = NULL;
	struct nnmem_dev *dev;
	char msg[MSG_LEN];
	int err, ret;

	ret = nnmemctl_device_open(g->index, &dev);
	if (ret)
		return ret;
	err = nnmem_model_alloc(dev, m, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "nnmemctl: %s\n", msg);
		nnmem_close(dev);
		return NNMEMCTL_EXIT_FAILED;
	}
	ret = model_execute(dev, path, m, check, out_dir, &images);
	nnmem_model_images_free(m, images);
	err = nnmem_model_release(dev, m);
	if (err) {
		fprintf(stderr, "nnmemctl: release: %s\n", nnmem_strerror(err));
		if (!ret)
			ret = NNMEMCTL_EXIT_FAILED;
	}
	nnmem_close(dev);
	return ret;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The model (already checked) on the host's portable executor. */
static int run_host(struct nnmem_model *m, const char *out_dir)
{
	uint8_t **images = NULL;
	uint64_t ns;
	int err;

	printf("host graph: %u tensors, %u nodes\n", m->tensor_count,
	       m->node_count);
	ns = now_ns();
	err = nnmem_model_reference(m, &images);
	ns = now_ns() - ns;
	if (err) {
		fprintf(stderr, "nnmemctl: run on the host: %s\n",
			nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	printf("ran on the host: %" PRIu64 ".%03" PRIu64 " ms\n",
	       ns / 1000000, ns / 1000 % 1000);
	err = outputs_write(m, images, out_dir);
	nnmem_model_images_free(m, images);
	return err ? NNMEMCTL_EXIT_FAILED : NNMEMCTL_EXIT_OK;
}

/* Text chart rows: 12288 bytes in slices of 2048, each tensor two rows. */
#define DEMO_CHART_ROWS	6

/* The plan's numbers, as nnmem_model_plan() left them. */
static void plan_summary(const struct nnmem_model *m)
{
	const struct nnmem_model_plan *p = m->plan;

	printf("activations planned by lifetime (driver/nnmem_planner.c, %u-byte alignment):\n",
	       NNMEM_MODEL_PLAN_ALIGN);
	printf("  %u tensors in one region of %" PRIu64 " bytes instead of %u regions of %" PRIu64 " bytes;\n",
	       p->buf_count, p->activation_bytes, p->unplanned_regions,
	       p->unplanned_bytes);
	printf("  the liveness lower bound is %" PRIu64 " bytes\n", p->bound);
}

/* The plan as an offset-over-time chart (plan_chart.h). */
static int plan_draw(const struct nnmem_model *m, const char *title)
{
	const struct nnmem_model_plan *p = m->plan;
	struct nnmemctl_plan_buf *bufs;
	struct nnmemctl_plan_view v;
	uint32_t i;
	int ret;

	bufs = calloc(p->buf_count ? p->buf_count : 1, sizeof(*bufs));
	if (!bufs)
		return -ENOMEM;
	for (i = 0; i < p->buf_count; i++)
		bufs[i] = (struct nnmemctl_plan_buf){
			.name = m->mtensors[p->bufs[i].tensor].name,
			.offset = p->bufs[i].offset,
			.size = (p->bufs[i].bytes + NNMEM_MODEL_PLAN_ALIGN - 1) /
				NNMEM_MODEL_PLAN_ALIGN * NNMEM_MODEL_PLAN_ALIGN,
			.first = p->bufs[i].first,
			.last = p->bufs[i].last,
		};
	v = (struct nnmemctl_plan_view){ title, bufs, p->buf_count, p->steps,
					 p->activation_bytes, p->bound };
	printf("the activation region, offset over node steps (");
	for (i = 0; i < m->node_count; i++)
		printf("%s%u %s", i ? ", " : "", i, m->node_names[i]);
	printf("):\n\n");
	ret = nnmemctl_plan_text(stdout, &v, DEMO_CHART_ROWS);
	free(bufs);
	return ret;
}

/*
 * The output of the run against the SHA-256 recorded in
 * examples/residual_block.sha256 (compiled in).
 */
static int demo_sha256(const struct nnmem_model *m, uint8_t **images)
{
	char hex[NNMEMCTL_SHA256_HEX];
	int t;

	t = nnmem_model_tensor_find(m, "add_out");
	if (t < 0)
		return -ENOENT;
	nnmemctl_sha256_hex(nnmem_model_tensor_data(m, images, (uint32_t)t),
			    m->mtensors[t].bytes, hex);
	if (strcmp(hex, residual_block_sha256)) {
		fprintf(stderr, "nnmemctl: add_out SHA-256 %s, examples/residual_block.sha256 says %s\n",
			hex, residual_block_sha256);
		return -EBADMSG;
	}
	printf("add_out SHA-256 %s == examples/residual_block.sha256\n", hex);
	return 0;
}

enum {
	OPT_OUT = 256, OPT_CHECK, OPT_HOST, OPT_JSON, OPT_INPUT, OPT_OUTPUT,
	OPT_PLAN,
};

static int cmd_run(int argc, char **argv, const struct nnmemctl_global *gl)
{
	static const struct option more[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "host", no_argument, NULL, OPT_HOST },
		{ "input", required_argument, NULL, OPT_INPUT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "plan", no_argument, NULL, OPT_PLAN },
		{ NULL, 0, NULL, 0 },
	};
	struct nnmemctl_global g = *gl;
	const char *out_dir = ".", *path, *input = NULL, *output = NULL;
	bool check = false, host = false, plan = false;
	char msg[MSG_LEN];
	struct nnmem_model *m;
	int opt, ret;

	optind = 0;
	while ((opt = nnmemctl_getopt("run", argc, argv, more, true, &g)) != -1) {
		if (opt >= CMD_STOP)
			return opt - CMD_STOP;
		if (opt == OPT_OUT)
			out_dir = optarg;
		else if (opt == OPT_CHECK)
			check = true;
		else if (opt == OPT_HOST)
			host = true;
		else if (opt == OPT_INPUT)
			input = optarg;
		else if (opt == OPT_OUTPUT)
			output = optarg;
		else if (opt == OPT_PLAN)
			plan = true;
	}
	if (optind >= argc)
		return nnmemctl_usage_error("run", "missing GRAPH.json, the graph to run");
	if (optind + 1 < argc)
		return nnmemctl_usage_error("run", "unexpected argument '%s' after %s",
					    argv[optind + 1], argv[optind]);
	if (host && g.index_set)
		return nnmemctl_usage_error("run", "--host uses no device: drop -d");
	if (host && check)
		return nnmemctl_usage_error("run", "--check compares the device with the host: drop --host or --check");
	path = argv[optind];
	if (nnmemctl_is_tflite(path) && plan)
		return nnmemctl_usage_error("run", "--plan is for GRAPH.json: a .tflite model is always planned");
	if (nnmemctl_is_tflite(path))
		return nnmemctl_run_tflite(&g, path, input, output, check,
					   host);
	if (input || output)
		return nnmemctl_usage_error("run", "--input and --output are for .tflite models; GRAPH.json names its own files");

	/* the file first: a bad file is not a missing device */
	ret = graph_load(path, &m);
	if (ret)
		return ret;
	if (plan) {
		ret = nnmem_model_plan(m, msg, sizeof(msg));
		if (ret) {
			fprintf(stderr, "nnmemctl: %s: plan: %s\n", path, msg);
			nnmem_model_free(m);
			return ret == -ENOMEM ? NNMEMCTL_EXIT_FAILED :
						NNMEMCTL_EXIT_REJECTED;
		}
		plan_summary(m);
	}
	if (host)
		ret = run_host(m, out_dir);
	else
		ret = run_device(&g, path, m, out_dir, check);
	nnmem_model_free(m);
	return ret;
}

static int cmd_check(int argc, char **argv, const struct nnmemctl_global *g)
{
	struct nnmem_model *m;
	const char *path;
	int opt, ret;

	optind = 0;
	opt = nnmemctl_getopt("check", argc, argv, NULL, false, NULL);
	if (opt >= CMD_STOP)
		return opt - CMD_STOP;
	if (optind >= argc)
		return nnmemctl_usage_error("check", "missing GRAPH.json, the graph to check");
	if (optind + 1 < argc)
		return nnmemctl_usage_error("check", "unexpected argument '%s' after %s",
					    argv[optind + 1], argv[optind]);
	if (nnmemctl_no_index("check", g, "check uses no device"))
		return NNMEMCTL_EXIT_USAGE;
	path = argv[optind];
	ret = graph_load(path, &m);
	if (ret)
		return ret;
	printf("%s: ok: %u regions, %u tensors, %u nodes\n", path,
	       m->region_count, m->tensor_count, m->node_count);
	nnmem_model_free(m);
	return NNMEMCTL_EXIT_OK;
}

static int demo_usage_same(const struct nnmem_usage *a,
			   const struct nnmem_usage *b)
{
	return a->weight_bytes == b->weight_bytes &&
	       a->activation_bytes == b->activation_bytes &&
	       a->free_bytes == b->free_bytes &&
	       a->weight_regions == b->weight_regions &&
	       a->activation_regions == b->activation_regions &&
	       a->free_extents == b->free_extents &&
	       a->session_regions == 0 && a->session_bytes == 0;
}

static int demo_run(struct nnmem_dev *dev)
{
	const struct nnmem_model_region *act;
	struct nnmem_usage before, after;
	struct nnmem_model *m = NULL;
	uint8_t **images = NULL;
	struct nnmem_info info;
	char msg[MSG_LEN];
	uint32_t i;
	int err, ret = NNMEMCTL_EXIT_FAILED, t;

	err = nnmem_info(dev, &info);
	if (!err)
		err = nnmem_usage(dev, &before);
	if (err) {
		fprintf(stderr, "nnmemctl: %s\n", nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	err = nnmem_model_parse(residual_block_json, NULL, &m, msg,
				sizeof(msg));
	if (err) {
		fprintf(stderr, "nnmemctl: built-in example: %s\n", msg);
		return NNMEMCTL_EXIT_FAILED;
	}
	err = nnmem_model_plan(m, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "nnmemctl: built-in example: plan: %s\n", msg);
		goto out_model;
	}

	printf("nnmem%u: residual block Conv0 -> Conv1 -> Add(Conv1, skip)\n",
	       info.dev_index);
	printf("  (examples/residual_block.json, built in)\n\n");
	plan_summary(m);
	if (m->plan->region == NNMEM_INDEX_NONE ||
	    m->plan->activation_bytes > m->plan->unplanned_bytes) {
		fprintf(stderr, "nnmemctl: the plan is no smaller than the example's own layout\n");
		goto out_model;
	}
	act = &m->regions[m->plan->region];
	printf("\n");
	err = nnmem_model_alloc(dev, m, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "nnmemctl: %s\n", msg);
		goto out_model;
	}
	for (i = 0; i < m->region_count; i++) {
		const struct nnmem_model_region *r = &m->regions[i];

		printf("  alloc %-12s %-10s %6" PRIu64 " bytes -> handle %u offset 0x%08" PRIx64 "\n",
		       r->name, nnmem_kind_name(r->kind), r->size, r->handle,
		       (uint64_t)r->info.offset);
	}
	if (arena_draw(m, info.arena_size))
		goto out_release;
	if (plan_draw(m, "residual block"))
		goto out_release;
	err = nnmem_usage(dev, &after);
	if (err) {
		fprintf(stderr, "nnmemctl: usage: %s\n", nnmem_strerror(err));
		goto out_release;
	}
	printf("\n");
	usage_show(&after);
	if (after.activation_bytes - before.activation_bytes !=
	    act->info.span) {
		fprintf(stderr, "nnmemctl: activation bytes in use grew by %" PRIu64 ", the region spans %" PRIu64 "\n",
			(uint64_t)(after.activation_bytes -
				   before.activation_bytes),
			(uint64_t)act->info.span);
		goto out_release;
	}
	printf("\n");

	ret = model_execute(dev, "built-in example", m, true, NULL, &images);
	if (ret)
		goto out_release;
	if (demo_sha256(m, images)) {
		ret = NNMEMCTL_EXIT_MISMATCH;
		goto out_release;
	}
	ret = NNMEMCTL_EXIT_FAILED;
	t = nnmem_model_tensor_find(m, "add_out");
	if (t < 0 ||
	    tensor_histogram("add_out", (const int8_t *)
			     nnmem_model_tensor_data(m, images, (uint32_t)t),
			     m->mtensors[t].bytes) < 2) {
		fprintf(stderr, "nnmemctl: add_out is constant\n");
		goto out_release;
	}
	ret = NNMEMCTL_EXIT_OK;

out_release:
	nnmem_model_images_free(m, images);
	err = nnmem_model_release(dev, m);
	if (err) {
		fprintf(stderr, "nnmemctl: release: %s\n", nnmem_strerror(err));
		ret = NNMEMCTL_EXIT_FAILED;
	}
out_model:
	nnmem_model_free(m);
	err = nnmem_usage(dev, &after);
	if (err) {
		fprintf(stderr, "nnmemctl: usage: %s\n", nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	if (!demo_usage_same(&after, &before)) {
		fprintf(stderr, "nnmemctl: usage did not return to its state before the demo\n");
		usage_show(&after);
		return NNMEMCTL_EXIT_FAILED;
	}
	if (!ret)
		printf("\nfreed everything: %" PRIu64 " of %" PRIu64 " bytes free in %u extent%s\n",
		       (uint64_t)after.free_bytes, (uint64_t)after.arena_size,
		       after.free_extents, after.free_extents == 1 ? "" : "s");
	return ret;
}

static int cmd_demo(int argc, char **argv, const struct nnmemctl_global *gl)
{
	struct nnmemctl_global g = *gl;
	struct nnmem_dev *dev;
	int opt, ret;

	optind = 0;
	opt = nnmemctl_getopt("demo", argc, argv, NULL, true, &g);
	if (opt >= CMD_STOP)
		return opt - CMD_STOP;
	if (optind < argc)
		return nnmemctl_usage_error("demo", "unexpected argument '%s'",
					    argv[optind]);
	ret = nnmemctl_device_open(g.index, &dev);
	if (ret)
		return ret;
	ret = demo_run(dev);
	nnmem_close(dev);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nnmemctl_global g = { 0 };
	const struct nnmemctl_cmd *c;
	int opt;

	/* "+": the options before the command; it parses its own */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (!nnmemctl_parse_index("-d", optarg, &g.index))
				return NNMEMCTL_EXIT_USAGE;
			g.index_set = true;
			break;
		case 'h':
			usage_print(stdout);
			return NNMEMCTL_EXIT_OK;
		case ':':
			fprintf(stderr, "nnmemctl: option %s needs an argument\n",
				argv[optind - 1]);
			fprintf(stderr, "Try 'nnmemctl --help'.\n");
			return NNMEMCTL_EXIT_USAGE;
		default:
			fprintf(stderr, "nnmemctl: unknown option %s\n",
				argv[optind - 1]);
			fprintf(stderr, "Try 'nnmemctl --help'.\n");
			return NNMEMCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "nnmemctl: missing COMMAND\n");
		usage_print(stderr);
		return NNMEMCTL_EXIT_USAGE;
	}
	c = cmd_find(argv[optind]);
	if (!c) {
		size_t i;

		fprintf(stderr, "nnmemctl: unknown command '%s' (commands:",
			argv[optind]);
		for (i = 0; i < ARRAY_SIZE(nnmemctl_cmds); i++)
			fprintf(stderr, "%s %s", i ? "," : "",
				nnmemctl_cmds[i].name);
		fprintf(stderr, ")\nTry 'nnmemctl --help'.\n");
		return NNMEMCTL_EXIT_USAGE;
	}
	return c->fn(argc - optind, argv + optind, &g);
}
