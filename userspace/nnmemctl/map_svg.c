// SPDX-License-Identifier: GPL-2.0
/*
 * The arena as a column, from plain data: the items of the column and the
 * SVG picture of it (see map.h). The terminal picture and the netlink
 * requests are in map.c.
 *
 * Text is monospace; its size is estimated conservatively (an advance of
 * 0.62 em per character, 0.8 em above the baseline and 0.25 em below, a
 * little more than DejaVu Sans Mono, Liberation Mono or Courier need), and
 * a text that would not fit in its box is shortened, elided with "..." or
 * left out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnmem/libnnmem.h>

#include "map.h"
#include "svg.h"

/* SVG geometry, in pixels. */
#define SVG_FONT	11U		/* the picture's font size */
#define SVG_TITLE_FONT	13U
#define SVG_MARGIN	10U
#define SVG_COL_X	150U		/* offsets are drawn left of it */
#define SVG_COL_W	300U
#define SVG_PAD		6U		/* text inset inside a box */
#define SVG_LINE	12U		/* baseline to baseline */
#define SVG_TOP		50U		/* top of the column */
#define SVG_SCALE	720		/* the whole arena, before minimums */
#define SVG_MIN_REGION	30U
#define SVG_MIN_FREE	8U

static int region_cmp_desc(const void *a, const void *b)
{
	const struct nnmemctl_region *x = a, *y = b;

	if (x->reserved_start != y->reserved_start)
		return x->reserved_start < y->reserved_start ? 1 : -1;
	return 0;
}

size_t nnmemctl_map_items(const struct nnmemctl_dev *dev,
			  struct nnmemctl_region *regs, size_t count,
			  struct nnmemctl_map_item *items)
{
	uint64_t above = dev->arena_size;
	size_t i, n = 0;

	qsort(regs, count, sizeof(*regs), region_cmp_desc);
	for (i = 0; i < count; i++) {
		const struct nnmemctl_region *r = &regs[i];
		uint64_t end = r->reserved_start + r->reserved_size;

		if (end < above)
			items[n++] = (struct nnmemctl_map_item){ NULL, end,
								 above - end };
		items[n++] = (struct nnmemctl_map_item){ r, r->reserved_start,
							 r->reserved_size };
		if (r->reserved_start < above)
			above = r->reserved_start;
	}
	if (above > 0)
		items[n++] = (struct nnmemctl_map_item){ NULL, 0, above };
	return n;
}

const char *nnmemctl_map_region_name(const struct nnmemctl_region *r,
				     char *buf, size_t len)
{
	if (r->label[0]) {
		snprintf(buf, len, "%.*s", (int)sizeof(r->label), r->label);
		return buf;
	}
	snprintf(buf, len, "(session %" PRIu64 " handle %u)", r->session,
		 r->handle);
	return buf;
}

/* Does a line with its baseline @base below a box's top fit in @h? */
static bool line_fits(unsigned int base, unsigned int h, unsigned int font)
{
	return base * 100 >= font * SVG_ASCENT + 100 &&
	       base * 100 + font * SVG_DESCENT + 100 <= h * 100;
}

/*
 * A text in a box of @avail pixels: the first of @alts (NULL-ended) that
 * fits; or, with @elide, the first one cut to fit with "..."; NULL if none.
 */
static const char *text_choose(const char *const *alts, unsigned int avail,
			       unsigned int font, bool elide, char *buf,
			       size_t len)
{
	size_t fit = svg_text_fit(avail, font), i;

	for (i = 0; alts[i]; i++)
		if (strlen(alts[i]) <= fit)
			return alts[i];
	if (!elide || fit < 4 || !alts[0])
		return NULL;
	if (fit >= len)
		fit = len - 1;
	snprintf(buf, len, "%.*s...", (int)(fit - 3), alts[0]);
	return buf;
}

static unsigned int svg_height(const struct nnmemctl_dev *dev,
			       const struct nnmemctl_map_item *it)
{
	unsigned int h = dev->arena_size ?
		(unsigned int)((double)it->size * SVG_SCALE /
			       (double)dev->arena_size) : 0;
	unsigned int min = it->r ? SVG_MIN_REGION : SVG_MIN_FREE;

	return h < min ? min : h;
}

/* The text lines of a region's box, drawn as many as fit. */
static void svg_region_text(FILE *f, const struct nnmemctl_map_item *it,
			    unsigned int y, unsigned int h)
{
	const struct nnmemctl_region *r = it->r;
	const char *kind = nnmem_kind_name(r->kind);
	unsigned int avail = SVG_COL_W - 2 * SVG_PAD;
	char name[64], full[128], medium[64], brief[32], buf[128];
	const char *lines[2], *alts[4];
	unsigned int k;

	alts[0] = nnmemctl_map_region_name(r, name, sizeof(name));
	alts[1] = NULL;
	lines[0] = text_choose(alts, avail, SVG_FONT, true, buf, sizeof(buf));
	snprintf(full, sizeof(full), "%s, offset 0x%08" PRIx64 ", %" PRIu64 " bytes",
		 kind, r->offset, r->size);
	snprintf(medium, sizeof(medium), "%s, %" PRIu64 " bytes", kind, r->size);
	snprintf(brief, sizeof(brief), "%" PRIu64 " B", r->size);
	alts[0] = full;
	alts[1] = medium;
	alts[2] = brief;
	alts[3] = NULL;
	lines[1] = text_choose(alts, avail, SVG_FONT, false, NULL, 0);

	for (k = 0; k < 2; k++) {
		unsigned int base = 13 + k * SVG_LINE;

		if (!lines[k] || !line_fits(base, h, SVG_FONT))
			continue;
		fprintf(f, "    <text x=\"%u\" y=\"%u\"%s>", SVG_COL_X + SVG_PAD,
			y + base, k ? "" : " font-weight=\"bold\"");
		svg_xml_puts(f, lines[k]);
		fprintf(f, "</text>\n");
	}
}

static void svg_free_text(FILE *f, const struct nnmemctl_map_item *it,
			  unsigned int y, unsigned int h)
{
	unsigned int base = h / 2 + 4;
	const char *alts[3], *text;
	char full[64];

	snprintf(full, sizeof(full), "free, %" PRIu64 " bytes", it->size);
	alts[0] = full;
	alts[1] = "free";
	alts[2] = NULL;
	text = text_choose(alts, SVG_COL_W - 2 * SVG_PAD, SVG_FONT, false,
			   NULL, 0);
	if (!text || !line_fits(base, h, SVG_FONT))
		return;
	fprintf(f, "    <text x=\"%u\" y=\"%u\" fill=\"#666666\">%s</text>\n",
		SVG_COL_X + SVG_PAD, y + base, text);
}

/* An offset left of the column, unless too close to the last one drawn. */
static void svg_offset(FILE *f, uint64_t offset, unsigned int y,
		       unsigned int *last_y)
{
	if (*last_y && y < *last_y + SVG_LINE)
		return;
	fprintf(f, "  <text x=\"%u\" y=\"%u\" text-anchor=\"end\">0x%08" PRIx64 "</text>\n",
		SVG_COL_X - 8, y + 4, offset);
	*last_y = y;
}

int nnmemctl_map_svg(FILE *f, const struct nnmemctl_dev *dev,
		     const struct nnmemctl_map_item *items, size_t n)
{
	unsigned int height = SVG_TOP + 30, y = SVG_TOP, last_y = 0;
	unsigned int width = SVG_COL_X + SVG_COL_W + 2 * SVG_MARGIN;
	static const char subtitle[] =
		"activations from the top, weights from the bottom";
	char title[96], name[64];
	unsigned int w;
	size_t i;

	for (i = 0; i < n; i++)
		height += svg_height(dev, &items[i]);
	snprintf(title, sizeof(title), "%.32s arena: %" PRIu64 " bytes",
		 dev->name, dev->arena_size);
	/* as wide as the title and subtitle need */
	w = svg_text_width(strlen(title), SVG_TITLE_FONT) + 2 * SVG_MARGIN;
	if (w > width)
		width = w;
	w = svg_text_width(strlen(subtitle), SVG_FONT) + 2 * SVG_MARGIN;
	if (w > width)
		width = w;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" font-family=\"monospace\" font-size=\"%u\">\n",
		width, height, width, height, SVG_FONT);
	fprintf(f, "  <title>");
	svg_xml_puts(f, title);
	fprintf(f, "</title>\n");
	fprintf(f, "  <rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"white\"/>\n",
		width, height);
	fprintf(f, "  <text x=\"%u\" y=\"20\" font-size=\"%u\">", SVG_MARGIN,
		SVG_TITLE_FONT);
	svg_xml_puts(f, title);
	fprintf(f, "</text>\n");
	fprintf(f, "  <text x=\"%u\" y=\"36\">%s</text>\n", SVG_MARGIN,
		subtitle);
	svg_offset(f, dev->arena_size, y, &last_y);

	for (i = 0; i < n; i++) {
		const struct nnmemctl_map_item *it = &items[i];
		unsigned int h = svg_height(dev, it);
		const char *fill = !it->r ? "#eeeeee" :
			it->r->kind == NNMEM_KIND_WEIGHT ? "#9ecae1" : "#fdae6b";

		if (!it->r) {
			fprintf(f, "  <g class=\"free\">\n");
			fprintf(f, "    <title>free: offset 0x%08" PRIx64 ", %" PRIu64 " bytes</title>\n",
				it->start, it->size);
		} else {
			fprintf(f, "  <g class=\"region %s\">\n",
				nnmem_kind_name(it->r->kind));
			fprintf(f, "    <title>");
			svg_xml_puts(f, nnmemctl_map_region_name(it->r, name,
							     sizeof(name)));
			fprintf(f, ": %s, offset 0x%08" PRIx64 ", size %" PRIu64 ", reserves %" PRIu64 " bytes from 0x%08" PRIx64 ", session %" PRIu64 ", pid %u, uid %u</title>\n",
				nnmem_kind_name(it->r->kind), it->r->offset,
				it->r->size, it->size, it->start,
				it->r->session, it->r->pid,
				it->r->uid);
		}
		fprintf(f, "    <rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\" stroke=\"#333333\" stroke-width=\"1\"/>\n",
			SVG_COL_X, y, SVG_COL_W, h, fill);
		if (it->r)
			svg_region_text(f, it, y, h);
		else
			svg_free_text(f, it, y, h);
		fprintf(f, "  </g>\n");
		y += h;
		svg_offset(f, it->start, y, &last_y);
	}
	fprintf(f, "</svg>\n");
	return ferror(f) ? -EIO : 0;
}
