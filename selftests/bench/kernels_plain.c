// SPDX-License-Identifier: GPL-2.0
/*
 * A second copy of the driver's int8 kernels (driver/nnmem_kernels.c) for
 * device_bench, built with plain userspace -O2 (SSE and auto-vectorisation
 * allowed), its functions renamed with a _plain suffix so that it links
 * beside the copy built with the kernel's code generation flags.
 */
#define nnmem_mbqm		nnmem_mbqm_plain
#define nnmem_conv2d_shape_get	nnmem_conv2d_shape_get_plain
#define nnmem_conv2d_run	nnmem_conv2d_run_plain
#define nnmem_conv2d_run_valid	nnmem_conv2d_run_valid_plain
#define nnmem_add_validate	nnmem_add_validate_plain
#define nnmem_add_run		nnmem_add_run_plain
#define nnmem_fc_validate	nnmem_fc_validate_plain
#define nnmem_fc_run		nnmem_fc_run_plain
#define nnmem_pool2d_shape_get	nnmem_pool2d_shape_get_plain
#define nnmem_avg_pool2d_run	nnmem_avg_pool2d_run_plain
#define nnmem_max_pool2d_run	nnmem_max_pool2d_run_plain
#define nnmem_softmax_validate	nnmem_softmax_validate_plain
#define nnmem_softmax_run	nnmem_softmax_run_plain

#include "nnmem_kernels.c"
