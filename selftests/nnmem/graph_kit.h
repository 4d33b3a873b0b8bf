/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Graph kit for the nnmem device suites: allocate regions, lay tensors out
 * in them with deterministic contents kept in host copies, add nodes,
 * create the graph, and compare the device's results with the host run
 * (the driver's own validator, executor and kernels over the host copies,
 * see userspace/lib/nnmem_host.c). Functions return 0 / an index, or a
 * negative errno, so tests can assert on them.
 */
#ifndef NNMEM_GRAPH_KIT_H
#define NNMEM_GRAPH_KIT_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/nnmem.h>

#define GK_MAX_REGIONS	64
#define GK_MAX_TENSORS	64
#define GK_MAX_NODES	16
/* What output tensors hold before a run: lets tests see untouched ones. */
#define GK_POISON	0x5a

struct gk_region {
	uint32_t handle;
	uint32_t kind;
	uint64_t size;
	uint8_t *host;
};

struct gk {
	int fd;
	uint32_t nr, nt, nn;
	struct gk_region reg[GK_MAX_REGIONS];
	int treg[GK_MAX_TENSORS];	/* region index of each tensor */
	struct nnmem_tensor t[GK_MAX_TENSORS];
	struct nnmem_node n[GK_MAX_NODES];
	uint64_t fast_size;	/* of the graph gk_create() made last */
};

/* One conv2d and the data it gets; gk_conv() builds it. */
struct gk_conv_spec {
	uint32_t n, h, w, c;		/* input NHWC */
	uint32_t oc, kh, kw;		/* filter O, H, W (I = c / groups) */
	uint32_t stride_h, stride_w, dilation_h, dilation_w;
	uint32_t pad_top, pad_bottom, pad_left, pad_right;
	uint32_t groups;
	int32_t in_zp, out_zp, act_min, act_max;
	bool no_bias;
	int8_t in_lo, in_hi, f_lo, f_hi;	/* value ranges (0, 0: full) */
	int32_t bias_lo, bias_hi;
	int32_t mult_lo, mult_hi;
	int32_t shift_lo, shift_hi;
	uint64_t seed;
	int input;	/* an existing tensor as input, or -1 for a new one */
};

void gk_init(struct gk *g, int fd);
/* Free the device regions (graphs must be destroyed) and host copies. */
int gk_fini(struct gk *g);

int gk_region(struct gk *g, uint32_t kind, uint64_t size);
int gk_tensor(struct gk *g, int region, uint64_t offset, uint32_t type,
	      int32_t zero_point, uint32_t ndims, const uint32_t *dims);
/* A tensor in a region of its own, sized to fit. */
int gk_tensor_own(struct gk *g, uint32_t kind, uint32_t type,
		  int32_t zero_point, uint32_t ndims, const uint32_t *dims);
uint8_t *gk_host(struct gk *g, int tensor);
uint64_t gk_bytes(const struct gk *g, int tensor);
void gk_fill(struct gk *g, int tensor, uint64_t seed, int64_t lo, int64_t hi);
void gk_fill_const(struct gk *g, int tensor, int64_t v);
int gk_node(struct gk *g, const struct nnmem_node *node);
/* Tensors, data and node of a conv2d; returns the node index. */
int gk_conv(struct gk *g, const struct gk_conv_spec *s);
/*
 * A residual block over 1 x @hw x @hw x @c: Conv0 (3x3, pad 1) -> Conv1 ->
 * Add(Conv1, Conv0's input), or without the Add (@with_add false); the
 * convs' data from @seed and @seed + 100. Not uploaded. Returns 0 or a
 * negative errno.
 */
int gk_block(struct gk *g, uint32_t hw, uint32_t c, uint64_t seed,
	     bool with_add);
/* Index of the tensor node @n writes. */
uint32_t gk_node_output(const struct gk *g, int n);
/* Write every region's host copy to the device. */
int gk_upload(struct gk *g);
int gk_create(struct gk *g, uint32_t *graph);
/* gk_create() with &nnmem_graph_create.flags (NNMEM_GRAPH_*). */
int gk_create_flags(struct gk *g, uint32_t flags, uint32_t *graph);
/*
 * Run the graph on the host, on the reference kernels
 * (nnmem_host_run_path(), NNMEM_PATH_REFERENCE) over copies of the host
 * regions; @ref[r] receives the copies (free with gk_images_free()).
 */
int gk_reference(struct gk *g, uint8_t ***ref);
/* Read every region back from the device. */
int gk_read(struct gk *g, uint8_t ***img);
void gk_images_free(struct gk *g, uint8_t **img);
/*
 * Compare tensor @t between two sets of images. Returns the number of
 * differing bytes (0: equal) and describes the first in @msg.
 */
uint64_t gk_diff(struct gk *g, uint8_t **a, uint8_t **b, int t, char *msg,
		 size_t msg_len);
/* Device results of every node output equal the reference's: 0, or diffs. */
uint64_t gk_check(struct gk *g, char *msg, size_t msg_len);
/* min, max and distinct values of an int8 tensor in a set of images. */
unsigned int gk_stats(struct gk *g, uint8_t **img, int t, int *lo, int *hi);

#endif /* NNMEM_GRAPH_KIT_H */
