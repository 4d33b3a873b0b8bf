/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What nnmemctl's SVG pictures share: conservative monospace text metrics
 * and XML escaping. Text is monospace; its size is estimated
 * conservatively (an advance of 0.62 em per character, 0.8 em above the
 * baseline and 0.25 em below, a little more than DejaVu Sans Mono,
 * Liberation Mono or Courier need).
 */
#ifndef NNMEMCTL_SVG_H
#define NNMEMCTL_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Conservative monospace metrics, in hundredths of the font size. */
#define SVG_ADVANCE	62
#define SVG_ASCENT	80
#define SVG_DESCENT	25

/* Width in pixels of @chars characters at font size @font, rounded up. */
static inline unsigned int svg_text_width(size_t chars, unsigned int font)
{
	return (unsigned int)((chars * font * SVG_ADVANCE + 99) / 100);
}

/* Characters of font size @font that fit in @width pixels. */
static inline size_t svg_text_fit(unsigned int width, unsigned int font)
{
	return (size_t)width * 100 / ((size_t)font * SVG_ADVANCE);
}

/* Write @s with XML's special characters escaped; one character each. */
void svg_xml_puts(FILE *f, const char *s);

#endif /* NNMEMCTL_SVG_H */
