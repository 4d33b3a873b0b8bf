// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl: inspect an nnmem device, run graphs on it, and demonstrate it.
 *
 *   nnmemctl [-d N] info                       device information and usage
 *   nnmemctl [-d N] run GRAPH.json [--out DIR] [--check]
 *                                               run a JSON graph
 *   nnmemctl [-d N] demo                       run the built-in residual block
 *   nnmemctl status [--json]                   every device's counters (netlink)
 *   nnmemctl map [-d N] [--svg FILE]           draw the arena (netlink)
 *   nnmemctl monitor [--json]                  print events until interrupted
 *
 * The demo graph is examples/residual_block.json, compiled in at build time
 * (residual_block.json.h), so a static nnmemctl needs no data files.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nnmem/libnnmem.h>
#include <nnmem/model.h>

#include "nnmemctl_cmds.h"
#include "residual_block.json.h"

#define BOX_WIDTH	56

static void usage_print(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-d N] info | run GRAPH.json [--out DIR] [--check] | demo\n"
		"       %s status [--json] | map [-d N] [--svg FILE] | monitor [--json]\n"
		"  -d N     use /dev/nnmemN (default 0)\n"
		"  info     print device information and arena usage\n"
		"  run      allocate GRAPH.json's regions (weights bottom-up,\n"
		"           activations top-down, in file order), load its data,\n"
		"           create and run the graph, write its outputs to DIR\n"
		"           (default .); --check compares every node's output\n"
		"           byte for byte with the userspace reference\n"
		"  demo     run the built-in Conv0 -> Conv1 -> Add(Conv1, skip)\n"
		"           block, draw the arena, check the device output against\n"
		"           the userspace reference, free it and check usage\n"
		"  status   every device's counters and job statistics, read\n"
		"           over netlink; --json prints one JSON object\n"
		"  map      draw the arena as a column, activations from the\n"
		"           top, weights from the bottom; --svg also writes it\n"
		"           as an SVG picture (other users' regions need\n"
		"           CAP_SYS_ADMIN)\n"
		"  monitor  print the driver's events, one per line, until\n"
		"           SIGINT (needs CAP_SYS_ADMIN)\n",
		prog, prog);
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

static int cmd_info(struct nnmem_dev *dev)
{
	struct nnmem_info info;
	struct nnmem_usage u;
	int err;

	err = nnmem_info(dev, &info);
	if (err) {
		fprintf(stderr, "nnmemctl: info: %s\n", nnmem_strerror(err));
		return 1;
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
		return 1;
	}
	usage_show(&u);
	return 0;
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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

static const char *tensor_name(const struct nnmem_model *m, uint32_t t)
{
	return t < m->tensor_count ? m->mtensors[t].name : "-";
}

static const char *node_name(const struct nnmem_model *m, uint32_t n)
{
	return n < m->node_count ? m->node_names[n] : "-";
}

/* The tensor node @n writes. */
static uint32_t node_output(const struct nnmem_node *n)
{
	return n->op == NNMEM_OP_CONV2D ? n->conv2d.output : n->add.output;
}

/* Print the validator's verdict on a rejected graph. */
static void graph_error_print(const struct nnmem_model *m,
			      const struct nnmem_graph_error *ge)
{
	fprintf(stderr, "nnmemctl: graph rejected: %s (reason %u)\n",
		nnmem_graph_strerror(ge->reason), ge->reason);
	if (ge->node != NNMEM_INDEX_NONE)
		fprintf(stderr, "  node %u (%s)\n", ge->node,
			node_name(m, ge->node));
	if (ge->tensor != NNMEM_INDEX_NONE)
		fprintf(stderr, "  tensor %u (%s)\n", ge->tensor,
			tensor_name(m, ge->tensor));
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
		const uint8_t *a = nnmem_model_tensor_data(m, dev, t);
		const uint8_t *b = nnmem_model_tensor_data(m, ref, t);
		uint64_t k, n = m->mtensors[t].bytes, diffs = 0;

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
 * every node's output with the userspace reference. @dev_images receives
 * the device's regions afterwards (free with nnmem_model_images_free()).
 * Returns 0, 1 on a mismatch, or a negative errno.
 */
static int model_execute(struct nnmem_dev *dev, struct nnmem_model *m,
			 bool check, const char *out_dir,
			 uint8_t ***dev_images)
{
	uint8_t **images = NULL, **ref = NULL;
	struct nnmem_graph_error ge;
	uint64_t ns = 0, macs = 0;
	int64_t compared;
	int err;

	err = nnmem_model_graph_create(dev, m, &ge);
	if (err == -EINVAL) {
		graph_error_print(m, &ge);
		return err;
	}
	if (err) {
		fprintf(stderr, "nnmemctl: graph create: %s\n",
			nnmem_strerror(err));
		return err;
	}
	printf("graph %u: %u tensors, %u nodes\n", m->graph, m->tensor_count,
	       m->node_count);
	err = nnmem_graph_run(dev, m->graph, &ns, &macs);
	if (err) {
		fprintf(stderr, "nnmemctl: run: %s\n", nnmem_strerror(err));
		return err;
	}
	printf("ran on the device: %" PRIu64 " MACs in %" PRIu64 ".%03" PRIu64 " ms\n",
	       macs, ns / 1000000, ns / 1000 % 1000);
	err = nnmem_model_read(dev, m, &images);
	if (err) {
		fprintf(stderr, "nnmemctl: read back: %s\n",
			nnmem_strerror(err));
		return err;
	}
	if (out_dir) {
		err = outputs_write(m, images, out_dir);
		if (err)
			goto out_free;
	}
	if (check) {
		err = nnmem_model_reference(m, &ref);
		if (err) {
			fprintf(stderr, "nnmemctl: userspace reference: %s\n",
				nnmem_strerror(err));
			goto out_free;
		}
		compared = outputs_compare(m, images, ref);
		if (compared < 0) {
			printf("device output != userspace reference\n");
			err = 1;
			goto out_free;
		}
		printf("device output == userspace reference (%" PRId64 " bytes)\n",
		       compared);
	}
	*dev_images = images;
	images = NULL;
out_free:
	nnmem_model_images_free(m, ref);
	nnmem_model_images_free(m, images);
	return err;
}

static int cmd_run(struct nnmem_dev *dev, const char *path,
		   const char *out_dir, bool check)
{
	struct nnmem_model *m;
	uint8_t **images = NULL;
	char msg[256];
	int err, ret;

	err = nnmem_model_load(path, &m, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "nnmemctl: %s: %s\n", path, msg);
		return 1;
	}
	err = nnmem_model_alloc(dev, m, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "nnmemctl: %s\n", msg);
		nnmem_model_free(m);
		return 1;
	}
	ret = model_execute(dev, m, check, out_dir, &images) ? 1 : 0;
	nnmem_model_images_free(m, images);
	err = nnmem_model_release(dev, m);
	if (err) {
		fprintf(stderr, "nnmemctl: release: %s\n", nnmem_strerror(err));
		ret = 1;
	}
	nnmem_model_free(m);
	return ret;
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

static int cmd_demo(struct nnmem_dev *dev)
{
	struct nnmem_usage before, after;
	uint8_t **images = NULL;
	struct nnmem_model *m;
	struct nnmem_info info;
	char msg[256];
	uint32_t i;
	int err, ret = 1, t;

	err = nnmem_info(dev, &info);
	if (!err)
		err = nnmem_usage(dev, &before);
	if (err) {
		fprintf(stderr, "nnmemctl: %s\n", nnmem_strerror(err));
		return 1;
	}
	err = nnmem_model_parse(residual_block_json, NULL, &m, msg,
				sizeof(msg));
	if (err) {
		fprintf(stderr, "nnmemctl: built-in example: %s\n", msg);
		return 1;
	}

	printf("nnmem%u: residual block Conv0 -> Conv1 -> Add(Conv1, skip)\n",
	       info.dev_index);
	printf("  (examples/residual_block.json, built in)\n\n");
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
	err = nnmem_usage(dev, &after);
	if (err) {
		fprintf(stderr, "nnmemctl: usage: %s\n", nnmem_strerror(err));
		goto out_release;
	}
	usage_show(&after);
	printf("\n");

	err = model_execute(dev, m, true, NULL, &images);
	if (err)
		goto out_release;
	t = nnmem_model_tensor_find(m, "add_out");
	if (t < 0 ||
	    tensor_histogram("add_out", (const int8_t *)
			     nnmem_model_tensor_data(m, images, (uint32_t)t),
			     m->mtensors[t].bytes) < 2) {
		fprintf(stderr, "nnmemctl: add_out is constant\n");
		goto out_release;
	}
	ret = 0;

out_release:
	nnmem_model_images_free(m, images);
	err = nnmem_model_release(dev, m);
	if (err) {
		fprintf(stderr, "nnmemctl: release: %s\n", nnmem_strerror(err));
		ret = 1;
	}
out_model:
	nnmem_model_free(m);
	err = nnmem_usage(dev, &after);
	if (err) {
		fprintf(stderr, "nnmemctl: usage: %s\n", nnmem_strerror(err));
		return 1;
	}
	if (!demo_usage_same(&after, &before)) {
		fprintf(stderr, "nnmemctl: usage did not return to its state before the demo\n");
		usage_show(&after);
		return 1;
	}
	if (!ret)
		printf("\nfreed everything: %" PRIu64 " of %" PRIu64 " bytes free in %u extent%s\n",
		       (uint64_t)after.free_bytes, (uint64_t)after.arena_size,
		       after.free_extents, after.free_extents == 1 ? "" : "s");
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_dir = NULL, *cmd;
	struct nnmem_dev *dev;
	int index = 0, opt, err, ret, nargs;
	bool check = false;
	char *end;

	/* The netlink commands parse their own options. */
	if (argc > 1 && !strcmp(argv[1], "status"))
		return nnmemctl_cmd_status(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "map"))
		return nnmemctl_cmd_map(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "monitor"))
		return nnmemctl_cmd_monitor(argc - 1, argv + 1);

	while ((opt = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			errno = 0;
			index = (int)strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || index < 0) {
				fprintf(stderr, "nnmemctl: bad device index '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'o':
			out_dir = optarg;
			break;
		case 'c':
			check = true;
			break;
		case 'h':
			usage_print(stdout, argv[0]);
			return 0;
		default:
			usage_print(stderr, argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		usage_print(stderr, argv[0]);
		return 2;
	}
	cmd = argv[optind];
	nargs = argc - optind - 1;
	if (!strcmp(cmd, "run") ? nargs != 1 :
	    (strcmp(cmd, "info") && strcmp(cmd, "demo")) || nargs != 0 ||
	    out_dir || check) {
		if (strcmp(cmd, "run") && strcmp(cmd, "info") &&
		    strcmp(cmd, "demo"))
			fprintf(stderr, "nnmemctl: unknown command '%s'\n", cmd);
		usage_print(stderr, argv[0]);
		return 2;
	}

	err = nnmem_open(index, &dev);
	if (err) {
		fprintf(stderr, "nnmemctl: /dev/nnmem%d: %s\n", index,
			strerror(-err));
		return 1;
	}
	if (!strcmp(cmd, "info"))
		ret = cmd_info(dev);
	else if (!strcmp(cmd, "demo"))
		ret = cmd_demo(dev);
	else
		ret = cmd_run(dev, argv[optind + 1], out_dir ? out_dir : ".",
			      check);
	nnmem_close(dev);
	return ret;
}
