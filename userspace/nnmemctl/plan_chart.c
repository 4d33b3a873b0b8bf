// SPDX-License-Identifier: GPL-2.0
/*
 * The offset-over-time chart of an activation plan, as text and as SVG
 * (see plan_chart.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "plan_chart.h"
#include "svg.h"

#define TEXT_MAX_COLS	96U	/* the text chart's width in characters */

#define SVG_FONT	11U
#define SVG_MARGIN	10U
#define SVG_LEFT	90U	/* offsets are drawn left of the chart */
#define SVG_TOP		50U
#define SVG_HEIGHT	480U	/* the whole footprint */
#define SVG_STEP_W	28U	/* one step, unless that makes it too wide */
#define SVG_MAX_W	1100U

static const char symbols[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

char nnmemctl_plan_symbol(size_t i)
{
	return symbols[i % (sizeof(symbols) - 1)];
}

/* The buffer live at @step covering byte @at, or -1. */
static long buf_at(const struct nnmemctl_plan_view *v, uint32_t step,
		   uint64_t at)
{
	size_t i;

	for (i = 0; i < v->count; i++) {
		const struct nnmemctl_plan_buf *b = &v->bufs[i];

		if (step >= b->first && step <= b->last && at >= b->offset &&
		    at - b->offset < b->size)
			return (long)i;
	}
	return -1;
}

int nnmemctl_plan_text(FILE *f, const struct nnmemctl_plan_view *v,
		       unsigned int rows)
{
	unsigned int cw, r, c;
	uint32_t s;
	size_t i;

	if (!rows)
		rows = 1;
	cw = v->steps && v->steps * 3 <= TEXT_MAX_COLS ? 3 :
	     v->steps && v->steps * 2 <= TEXT_MAX_COLS ? 2 : 1;
	fprintf(f, "%s: %" PRIu64 " activation bytes (lower bound %" PRIu64 "), %u steps\n",
		v->title, v->footprint, v->bound, v->steps);
	fprintf(f, "offset (bytes) over steps; each symbol is a buffer, '.' is free\n\n");
	for (r = 0; r < rows && v->footprint; r++) {
		/* slice [lo, hi), highest first */
		uint64_t hi = v->footprint - v->footprint * r / rows;
		uint64_t lo = v->footprint - v->footprint * (r + 1) / rows;

		fprintf(f, "%10" PRIu64 " |", lo);
		for (s = 0; s < v->steps && s * cw < TEXT_MAX_COLS; s++) {
			long b = buf_at(v, s, lo + (hi - lo) / 2);

			for (c = 0; c < cw; c++)
				fputc(b < 0 ? '.' : nnmemctl_plan_symbol((size_t)b),
				      f);
		}
		fputc('\n', f);
	}
	fprintf(f, "%10s +", "");
	for (s = 0; s < v->steps && s * cw < TEXT_MAX_COLS; s++)
		for (c = 0; c < cw; c++)
			fputc(c == 0 && s % 5 == 0 ? '|' : '-', f);
	fprintf(f, "\n%10s  step 0%s\n\n", "",
		v->steps * cw > TEXT_MAX_COLS ? " (cut at the chart's width)" : "");
	fprintf(f, "   %10s %10s %5s %5s  %s\n", "offset", "bytes", "first",
		"last", "tensor");
	for (i = 0; i < v->count; i++) {
		const struct nnmemctl_plan_buf *b = &v->bufs[i];

		fprintf(f, " %c %10" PRIu64 " %10" PRIu64 " %5u %5u  %.60s%s\n",
			nnmemctl_plan_symbol(i), b->offset, b->size, b->first,
			b->last, b->name ? b->name : "",
			b->name && strlen(b->name) > 60 ? "..." : "");
	}
	return ferror(f) ? -EIO : 0;
}

/* A fill colour per buffer, cycling through a soft palette. */
static const char *const fills[] = {
	"#fdae6b", "#9ecae1", "#a1d99b", "#bcbddc", "#fdd0a2", "#c6dbef",
	"#c7e9c0", "#dadaeb", "#fc9272", "#d9d9d9",
};

int nnmemctl_plan_svg(FILE *f, const struct nnmemctl_plan_view *v)
{
	unsigned int step_w = SVG_STEP_W, chart_w, width, height, k;
	double scale;
	char label[32];
	size_t i;

	if (v->steps && v->steps * step_w > SVG_MAX_W)
		step_w = SVG_MAX_W / v->steps ? SVG_MAX_W / v->steps : 1;
	chart_w = v->steps * step_w;
	width = SVG_LEFT + chart_w + 2 * SVG_MARGIN;
	if (width < 420)
		width = 420;
	height = SVG_TOP + SVG_HEIGHT + 40;
	scale = v->footprint ? (double)SVG_HEIGHT / (double)v->footprint : 0;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" font-family=\"monospace\" font-size=\"%u\">\n",
		width, height, width, height, SVG_FONT);
	fprintf(f, "  <title>");
	svg_xml_puts(f, v->title);
	fprintf(f, " activation plan</title>\n");
	fprintf(f, "  <rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"white\"/>\n",
		width, height);
	fprintf(f, "  <text x=\"%u\" y=\"20\" font-size=\"13\">", SVG_MARGIN);
	svg_xml_puts(f, v->title);
	fprintf(f, ": %" PRIu64 " activation bytes</text>\n", v->footprint);
	fprintf(f, "  <text x=\"%u\" y=\"36\">lower bound %" PRIu64 " bytes; offset over steps</text>\n",
		SVG_MARGIN, v->bound);
	fprintf(f, "  <rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"#f7f7f7\" stroke=\"#333333\"/>\n",
		SVG_LEFT, SVG_TOP, chart_w, SVG_HEIGHT);
	for (k = 0; k <= 4; k++)
		fprintf(f, "  <text x=\"%u\" y=\"%u\" text-anchor=\"end\">%" PRIu64 "</text>\n",
			SVG_LEFT - 6, SVG_TOP + SVG_HEIGHT - k * SVG_HEIGHT / 4 + 4,
			v->footprint * k / 4);
	for (i = 0; i < v->count; i++) {
		const struct nnmemctl_plan_buf *b = &v->bufs[i];
		double y0 = SVG_TOP + SVG_HEIGHT -
			    (double)(b->offset + b->size) * scale;
		double h = (double)b->size * scale;
		unsigned int x = SVG_LEFT + b->first * step_w;
		unsigned int w = (b->last - b->first + 1) * step_w;

		fprintf(f, "  <g class=\"buffer\">\n    <title>");
		svg_xml_puts(f, b->name ? b->name : "");
		fprintf(f, ": %" PRIu64 " bytes at offset %" PRIu64 ", steps %u-%u</title>\n",
			b->size, b->offset, b->first, b->last);
		fprintf(f, "    <rect x=\"%u\" y=\"%.1f\" width=\"%u\" height=\"%.1f\" fill=\"%s\" stroke=\"#333333\" stroke-width=\"0.5\"/>\n",
			x, y0, w, h < 0.5 ? 0.5 : h,
			fills[i % (sizeof(fills) / sizeof(fills[0]))]);
		snprintf(label, sizeof(label), "%zu", i);
		if (h >= SVG_FONT + 2 &&
		    svg_text_width(strlen(label), SVG_FONT) + 4 <= w)
			fprintf(f, "    <text x=\"%u\" y=\"%.1f\">%s</text>\n",
				x + 2, y0 + h / 2 + 4, label);
		fprintf(f, "  </g>\n");
	}
	for (k = 0; k < v->steps; k += 5)
		fprintf(f, "  <text x=\"%u\" y=\"%u\">%u</text>\n",
			SVG_LEFT + k * step_w, SVG_TOP + SVG_HEIGHT + 16, k);
	fprintf(f, "  <text x=\"%u\" y=\"%u\">step</text>\n", SVG_LEFT,
		SVG_TOP + SVG_HEIGHT + 32);
	fprintf(f, "</svg>\n");
	return ferror(f) ? -EIO : 0;
}
