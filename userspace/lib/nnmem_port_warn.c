// SPDX-License-Identifier: GPL-2.0
/*
 * The WARN_ON() hook that driver/nnmem_port.h asks every userspace user of
 * the driver's portable code to define. In its own object so that a
 * program defining its own wins over this one from the archive.
 */
#include <stdio.h>

#include "nnmem_port.h"

void nnmem_port_warn(const char *cond, const char *file, int line)
{
	fprintf(stderr, "nnmem: WARN_ON(%s) at %s:%d\n", cond, file, line);
}
