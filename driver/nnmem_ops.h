/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: how each graph operation is executed. The CPU backend runs the
 * portable kernels; a hardware backend would provide its own table.
 */
#ifndef __NNMEM_OPS_H__
#define __NNMEM_OPS_H__

#include <linux/types.h>

#include "nnmem_graphval.h"
#include "nnmem_kernels.h"

/**
 * struct nnmem_op_ops - one operation of a backend
 * @name: for messages
 * @run: execute one plan step over the arena at @arena; call @progress
 *	(with @ctx) every so often and stop with its error if it returns one
 */
struct nnmem_op_ops {
	const char *name;
	int (*run)(void *arena, const struct nnmem_plan_node *pn,
		   nnmem_kernel_progress_fn progress, void *ctx);
};

const struct nnmem_op_ops *nnmem_ops_cpu(u32 op);

#endif /* __NNMEM_OPS_H__ */
