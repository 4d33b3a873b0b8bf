/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arena picture of "nnmemctl map", from plain data: a device's
 * counters and its regions (struct nnmemctl_dev/nnmemctl_region, as
 * netlink reports them). No netlink here, so that the unit tests can
 * render known snapshots (selftests/unit/nnmemctl_test.c).
 */
#ifndef NNMEMCTL_MAP_H
#define NNMEMCTL_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nl.h"

/* One piece of the column: a region or free space. */
struct nnmemctl_map_item {
	const struct nnmemctl_region *r;	/* NULL for free space */
	uint64_t start;
	uint64_t size;
};

/*
 * The column from the top: @regs sorted by descending offset (in place),
 * and the free space around them. @items has room for 2 * @count + 1;
 * returns how many it holds.
 */
size_t nnmemctl_map_items(const struct nnmemctl_dev *dev,
			  struct nnmemctl_region *regs, size_t count,
			  struct nnmemctl_map_item *items);

/* A region's label, or "(session S handle H)" when it has none. */
const char *nnmemctl_map_region_name(const struct nnmemctl_region *r,
				     char *buf, size_t len);

/*
 * Write the column as an SVG picture to @f. Box heights follow sizes, with
 * a minimum so that small regions stay legible; every text fits inside its
 * box (shortened, elided or left out when it cannot), and the picture is
 * as wide as its title. Returns 0 or -EIO.
 */
int nnmemctl_map_svg(FILE *f, const struct nnmemctl_dev *dev,
		     const struct nnmemctl_map_item *items, size_t n);

#endif /* NNMEMCTL_MAP_H */
