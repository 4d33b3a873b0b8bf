// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl map [-d N] [--svg FILE]: the arena of /dev/nnmemN as a column,
 * highest offset at the top: activations from the top down, weights from
 * the bottom up, free space between and in holes. Every region is a box
 * with its label, kind, offset and size; a region's box covers the space
 * it reserves (alignment padding included). In the terminal, and with
 * --svg also as an SVG file (box heights follow sizes, with a minimum so
 * that small regions stay legible).
 *
 * The regions come from netlink's region-get: without CAP_SYS_ADMIN only
 * the caller's own, and the space of the others is then drawn as free; a
 * note says how much that is.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "nl.h"
#include "nnmemctl_cmds.h"

#define MAP_WIDTH	56	/* terminal box, inside the borders */

static void term_rule(void)
{
	char line[MAP_WIDTH + 3];

	line[0] = '+';
	memset(line + 1, '-', MAP_WIDTH);
	line[MAP_WIDTH + 1] = '+';
	line[MAP_WIDTH + 2] = '\0';
	printf("%14s%s\n", "", line);
}

static void term_row(const char *left, const char *text)
{
	printf("  %-10s  | %-*.*s |\n", left, MAP_WIDTH - 2, MAP_WIDTH - 2,
	       text);
}

static void map_term(const struct nnmemctl_dev *dev,
		     const struct nnmemctl_map_item *items, size_t n)
{
	char text[160], off[24], name[64];
	size_t i;

	printf("%s arena, %" PRIu64 " bytes, highest offset first\n",
	       dev->name, dev->arena_size);
	printf("(activations from the top, weights from the bottom)\n\n");
	term_rule();
	for (i = 0; i < n; i++) {
		const struct nnmemctl_map_item *it = &items[i];

		snprintf(off, sizeof(off), "0x%08" PRIx64, it->start);
		if (!it->r) {
			snprintf(text, sizeof(text),
				 "   free: %" PRIu64 " bytes (%" PRIu64 " KiB)",
				 it->size, it->size >> 10);
			term_row(off, text);
		} else {
			snprintf(text, sizeof(text), "%-24s %-10s %10" PRIu64 " B",
				 nnmemctl_map_region_name(it->r, name, sizeof(name)),
				 nnmemctl_kind_name(it->r->kind), it->r->size);
			term_row("", text);
			snprintf(text, sizeof(text),
				 "  at 0x%08" PRIx64 ", reserves %" PRIu64
				 " B, session %" PRIu64 ", pid %u",
				 it->r->offset, it->size, it->r->session,
				 it->r->pid);
			term_row(off, text);
		}
		term_rule();
	}
	printf("\n");
}

static int map_svg_write(const char *path, const struct nnmemctl_dev *dev,
			 const struct nnmemctl_map_item *items, size_t n)
{
	FILE *f;
	int ret;

	f = fopen(path, "w");
	if (!f) {
		ret = -errno;
		fprintf(stderr, "nnmemctl: map: %s: %s\n", path, strerror(-ret));
		return ret;
	}
	ret = nnmemctl_map_svg(f, dev, items, n);
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		fprintf(stderr, "nnmemctl: map: %s: %s\n", path, strerror(-ret));
	return ret;
}

int nnmemctl_cmd_map(int argc, char **argv, const struct nnmemctl_global *gl)
{
	static const struct option more[] = {
		{ "svg", required_argument, NULL, 256 },
		{ NULL, 0, NULL, 0 },
	};
	struct nnmemctl_global g = *gl;
	struct nnmemctl_region *regs = NULL;
	struct nnmemctl_map_item *items;
	struct nnmemctl_nl *nl = NULL;
	const char *svg = NULL;
	struct nnmemctl_dev dev;
	uint64_t seen = 0;
	size_t count = 0, n, i;
	int opt, ret;

	optind = 0;
	while ((opt = nnmemctl_getopt("map", argc, argv, more, true, &g)) != -1) {
		if (opt >= NNMEMCTL_OPT_STOP)
			return opt - NNMEMCTL_OPT_STOP;
		svg = optarg;
	}
	if (optind < argc)
		return nnmemctl_usage_error("map", "unexpected argument '%s'",
					    argv[optind]);

	ret = nnmemctl_nl_open(&nl);
	if (ret)
		return nnmemctl_nl_open_failed("map", nl, ret);
	ret = nnmemctl_nl_dev(nl, g.index, &dev);
	if (!ret)
		ret = nnmemctl_nl_regions(nl, g.index, &regs, &count);
	if (ret) {
		if (ret == -ENODEV)
			fprintf(stderr, "nnmemctl: map: no device nnmem%u\n",
				g.index);
		else
			fprintf(stderr, "nnmemctl: map: %s\n",
				nnmemctl_nl_error(nl));
		nnmemctl_nl_close(nl);
		return ret == -ENODEV ? NNMEMCTL_EXIT_NO_DEVICE :
					NNMEMCTL_EXIT_FAILED;
	}
	nnmemctl_nl_close(nl);

	items = calloc(2 * count + 1, sizeof(*items));
	if (!items) {
		fprintf(stderr, "nnmemctl: map: out of memory\n");
		free(regs);
		return NNMEMCTL_EXIT_FAILED;
	}
	n = nnmemctl_map_items(&dev, regs, count, items);
	map_term(&dev, items, n);
	for (i = 0; i < count; i++)
		seen += regs[i].reserved_size;
	if (seen < dev.weight_bytes + dev.activation_bytes)
		printf("note: %" PRIu64 " bytes in regions not shown (other users' or freed but still mapped) are drawn as free\n",
		       dev.weight_bytes + dev.activation_bytes - seen);

	ret = NNMEMCTL_EXIT_OK;
	if (svg && map_svg_write(svg, &dev, items, n))
		ret = NNMEMCTL_EXIT_FAILED;
	else if (svg)
		printf("wrote %s\n", svg);
	free(items);
	free(regs);
	return ret;
}
