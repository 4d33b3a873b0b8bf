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

#include "nl.h"
#include "nnmemctl_cmds.h"

#define MAP_WIDTH	56	/* terminal box, inside the borders */

/* SVG geometry, in pixels. */
#define SVG_COL_X	150U
#define SVG_COL_W	260U
#define SVG_TOP		50
#define SVG_SCALE	720	/* the whole arena, before minimums */
#define SVG_MIN_REGION	30
#define SVG_MIN_FREE	8

/* One piece of the column: a region or free space. */
struct map_item {
	const struct nnmemctl_region *r;	/* NULL for free space */
	uint64_t start;
	uint64_t size;
};

static void map_usage(FILE *f)
{
	fprintf(f, "usage: nnmemctl map [-d N] [--svg FILE]\n");
}

static int region_cmp_desc(const void *a, const void *b)
{
	const struct nnmemctl_region *x = a, *y = b;

	if (x->reserved_start != y->reserved_start)
		return x->reserved_start < y->reserved_start ? 1 : -1;
	return 0;
}

/*
 * The column from the top: regions sorted by descending offset, and the
 * free space around them. @items has room for 2 * count + 1.
 */
static size_t map_items(const struct nnmemctl_dev *dev,
			struct nnmemctl_region *regs, size_t count,
			struct map_item *items)
{
	uint64_t above = dev->arena_size;
	size_t i, n = 0;

	qsort(regs, count, sizeof(*regs), region_cmp_desc);
	for (i = 0; i < count; i++) {
		const struct nnmemctl_region *r = &regs[i];
		uint64_t end = r->reserved_start + r->reserved_size;

		if (end < above)
			items[n++] = (struct map_item){ NULL, end, above - end };
		items[n++] = (struct map_item){ r, r->reserved_start,
						r->reserved_size };
		if (r->reserved_start < above)
			above = r->reserved_start;
	}
	if (above > 0)
		items[n++] = (struct map_item){ NULL, 0, above };
	return n;
}

static const char *region_name(const struct nnmemctl_region *r, char *buf,
			       size_t len)
{
	if (r->label[0])
		return r->label;
	snprintf(buf, len, "(session %" PRIu64 " handle %u)", r->session,
		 r->handle);
	return buf;
}

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
		     const struct map_item *items, size_t n)
{
	char text[160], off[24], name[48];
	size_t i;

	printf("%s arena, %" PRIu64 " bytes, highest offset first\n",
	       dev->name, dev->arena_size);
	printf("(activations from the top, weights from the bottom)\n\n");
	term_rule();
	for (i = 0; i < n; i++) {
		const struct map_item *it = &items[i];

		snprintf(off, sizeof(off), "0x%08" PRIx64, it->start);
		if (!it->r) {
			snprintf(text, sizeof(text),
				 "   free: %" PRIu64 " bytes (%" PRIu64 " KiB)",
				 it->size, it->size >> 10);
			term_row(off, text);
		} else {
			snprintf(text, sizeof(text), "%-24s %-10s %10" PRIu64 " B",
				 region_name(it->r, name, sizeof(name)),
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

/* Write @s with XML's special characters escaped. */
static void xml_puts(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
				fputc(*s, f);
			else
				fputc('?', f);
		}
	}
}

static unsigned int svg_height(const struct nnmemctl_dev *dev,
			       const struct map_item *it)
{
	unsigned int h = (unsigned int)((double)it->size * SVG_SCALE /
					(double)dev->arena_size);
	unsigned int min = it->r ? SVG_MIN_REGION : SVG_MIN_FREE;

	return h < min ? min : h;
}

static int map_svg(const char *path, const struct nnmemctl_dev *dev,
		   const struct map_item *items, size_t n)
{
	unsigned int height = SVG_TOP + 30, y = SVG_TOP;
	unsigned int width = SVG_COL_X + SVG_COL_W + 20;
	char name[48];
	FILE *f;
	size_t i;
	int ret;

	for (i = 0; i < n; i++)
		height += svg_height(dev, &items[i]);

	f = fopen(path, "w");
	if (!f) {
		ret = -errno;
		fprintf(stderr, "nnmemctl: map: %s: %s\n", path, strerror(-ret));
		return ret;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" font-family=\"monospace\" font-size=\"11\">\n",
		width, height, width, height);
	fprintf(f, "  <title>%s arena, %" PRIu64 " bytes</title>\n",
		dev->name, dev->arena_size);
	fprintf(f, "  <rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"white\"/>\n",
		width, height);
	fprintf(f, "  <text x=\"10\" y=\"20\" font-size=\"13\">%s: %" PRIu64 " bytes; activations from the top, weights from the bottom</text>\n",
		dev->name, dev->arena_size);
	fprintf(f, "  <text x=\"%u\" y=\"%u\" text-anchor=\"end\">0x%08" PRIx64 "</text>\n",
		SVG_COL_X - 8, SVG_TOP + 4, dev->arena_size);

	for (i = 0; i < n; i++) {
		const struct map_item *it = &items[i];
		unsigned int h = svg_height(dev, it);
		const char *fill = !it->r ? "#eeeeee" :
			it->r->kind == NNMEM_KIND_WEIGHT ? "#9ecae1" : "#fdae6b";

		if (!it->r) {
			fprintf(f, "  <g class=\"free\">\n");
			fprintf(f, "    <title>free: offset 0x%08" PRIx64 ", %" PRIu64 " bytes</title>\n",
				it->start, it->size);
		} else {
			fprintf(f, "  <g class=\"region %s\">\n",
				nnmemctl_kind_name(it->r->kind));
			fprintf(f, "    <title>");
			xml_puts(f, region_name(it->r, name, sizeof(name)));
			fprintf(f, ": %s, offset 0x%08" PRIx64 ", size %" PRIu64 ", reserves %" PRIu64 " bytes from 0x%08" PRIx64 ", session %" PRIu64 ", pid %u, uid %u</title>\n",
				nnmemctl_kind_name(it->r->kind), it->r->offset,
				it->r->size, it->size, it->start,
				it->r->session, it->r->pid, it->r->uid);
		}
		fprintf(f, "    <rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\" stroke=\"#333333\" stroke-width=\"1\"/>\n",
			SVG_COL_X, y, SVG_COL_W, h, fill);
		if (it->r) {
			fprintf(f, "    <text x=\"%u\" y=\"%u\" font-weight=\"bold\">",
				SVG_COL_X + 6, y + 13);
			xml_puts(f, region_name(it->r, name, sizeof(name)));
			fprintf(f, "</text>\n");
			fprintf(f, "    <text x=\"%u\" y=\"%u\">%s, offset 0x%08" PRIx64 ", %" PRIu64 " bytes</text>\n",
				SVG_COL_X + 6, y + 25,
				nnmemctl_kind_name(it->r->kind), it->r->offset,
				it->r->size);
		} else if (h >= 14) {
			fprintf(f, "    <text x=\"%u\" y=\"%u\" fill=\"#666666\">free, %" PRIu64 " bytes</text>\n",
				SVG_COL_X + 6, y + h / 2 + 4, it->size);
		}
		fprintf(f, "  </g>\n");
		y += h;
		fprintf(f, "  <text x=\"%u\" y=\"%u\" text-anchor=\"end\">0x%08" PRIx64 "</text>\n",
			SVG_COL_X - 8, y + 4, it->start);
	}
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		ret = -errno;
		fprintf(stderr, "nnmemctl: map: %s: %s\n", path, strerror(-ret));
		return ret;
	}
	return 0;
}

int nnmemctl_cmd_map(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "svg", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nnmemctl_region *regs = NULL;
	struct nnmemctl_nl *nl = NULL;
	const char *svg = NULL;
	struct nnmemctl_dev dev;
	struct map_item *items;
	uint64_t seen = 0;
	size_t count = 0, n, i;
	unsigned long index = 0;
	int opt, ret;
	char *end;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			errno = 0;
			index = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || index > UINT32_MAX) {
				fprintf(stderr, "nnmemctl: bad device index '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 's':
			svg = optarg;
			break;
		case 'h':
			map_usage(stdout);
			return 0;
		default:
			map_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		map_usage(stderr);
		return 2;
	}

	ret = nnmemctl_nl_open(&nl);
	if (!ret)
		ret = nnmemctl_nl_dev(nl, index, &dev);
	if (!ret)
		ret = nnmemctl_nl_regions(nl, index, &regs, &count);
	if (ret) {
		fprintf(stderr, "nnmemctl: map: %s\n",
			nl ? nnmemctl_nl_error(nl) : strerror(-ret));
		nnmemctl_nl_close(nl);
		return 1;
	}
	nnmemctl_nl_close(nl);

	items = calloc(2 * count + 1, sizeof(*items));
	if (!items) {
		fprintf(stderr, "nnmemctl: map: out of memory\n");
		free(regs);
		return 1;
	}
	n = map_items(&dev, regs, count, items);
	map_term(&dev, items, n);
	for (i = 0; i < count; i++)
		seen += regs[i].reserved_size;
	if (seen < dev.weight_bytes + dev.activation_bytes)
		printf("note: %" PRIu64 " bytes in regions not shown (other users' or freed but still mapped) are drawn as free\n",
		       dev.weight_bytes + dev.activation_bytes - seen);

	ret = 0;
	if (svg && map_svg(svg, &dev, items, n))
		ret = 1;
	else if (svg)
		printf("wrote %s\n", svg);
	free(items);
	free(regs);
	return ret;
}
