/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The picture of "nnmemctl plan", from plain data: an activation plan
 * drawn as offset over time, one box per buffer spanning the steps it is
 * live and the bytes it holds (the classic memory-planner chart). No
 * device and no model here, so that the unit tests can render known plans.
 */
#ifndef NNMEMCTL_PLAN_CHART_H
#define NNMEMCTL_PLAN_CHART_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One planned buffer. */
struct nnmemctl_plan_buf {
	const char *name;	/* tensor name; may be long */
	uint64_t offset;	/* bytes from the start of the activation block */
	uint64_t size;		/* bytes it reserves (aligned) */
	uint32_t first;		/* first step it is live */
	uint32_t last;		/* last step it is live, >= @first */
};

/* A whole plan. */
struct nnmemctl_plan_view {
	const char *title;	/* e.g. the model's file name */
	const struct nnmemctl_plan_buf *bufs;
	size_t count;
	uint32_t steps;		/* steps 0 .. @steps - 1 */
	uint64_t footprint;	/* bytes of the activation block */
	uint64_t bound;		/* the liveness lower bound */
};

/*
 * The chart as text, @rows lines high: each column is a step, each line a
 * slice of footprint / @rows bytes (highest offsets first), each buffer a
 * symbol (0-9, A-Z, a-z, then again) where it covers the middle of a
 * slice; then a legend of every buffer. Returns 0 or -EIO.
 */
int nnmemctl_plan_text(FILE *f, const struct nnmemctl_plan_view *v,
		       unsigned int rows);

/* The chart as an SVG picture, every buffer drawn. Returns 0 or -EIO. */
int nnmemctl_plan_svg(FILE *f, const struct nnmemctl_plan_view *v);

/* The symbol of buffer @i in the text chart. */
char nnmemctl_plan_symbol(size_t i);

#endif /* NNMEMCTL_PLAN_CHART_H */
