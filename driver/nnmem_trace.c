// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem: the one place the tracepoints of nnmem_trace.h are defined.
 */

#define CREATE_TRACE_POINTS
#include "nnmem_trace.h"
