// SPDX-License-Identifier: GPL-2.0
/*
 * Graph kit for the nnmem device suites; see graph_kit.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnmem/libnnmem.h>
#include <nnmem/model.h>

#include "graph_kit.h"
#include "nnmem_test.h"

void gk_init(struct gk *g, int fd)
{
	memset(g, 0, sizeof(*g));
	g->fd = fd;
}

int gk_fini(struct gk *g)
{
	int ret = 0, err;
	uint32_t i;

	for (i = 0; i < g->nr; i++) {
		err = nt_free(g->fd, g->reg[i].handle);
		if (err && !ret)
			ret = err;
		free(g->reg[i].host);
	}
	g->nr = 0;
	g->nt = 0;
	g->nn = 0;
	return ret;
}

int gk_region(struct gk *g, uint32_t kind, uint64_t size)
{
	struct gk_region *r;
	int err;

	if (g->nr == GK_MAX_REGIONS)
		return -ENOSPC;
	r = &g->reg[g->nr];
	r->host = calloc(1, size);
	if (!r->host)
		return -ENOMEM;
	err = nt_alloc(g->fd, size, 0, kind, 0, NULL, &r->handle, NULL);
	if (err) {
		free(r->host);
		return err;
	}
	r->kind = kind;
	r->size = size;
	return (int)g->nr++;
}

int gk_tensor(struct gk *g, int region, uint64_t offset, uint32_t type,
	      int32_t zero_point, uint32_t ndims, const uint32_t *dims)
{
	struct nnmem_tensor *t;
	uint32_t i;

	if (g->nt == GK_MAX_TENSORS || region < 0 || (uint32_t)region >= g->nr)
		return -EINVAL;
	t = &g->t[g->nt];
	memset(t, 0, sizeof(*t));
	t->handle = g->reg[region].handle;
	t->type = type;
	t->offset = offset;
	t->ndims = ndims;
	t->zero_point = zero_point;
	for (i = 0; i < ndims && i < NNMEM_TENSOR_MAX_DIMS; i++)
		t->dims[i] = dims[i];
	g->treg[g->nt] = region;
	return (int)g->nt++;
}

int gk_tensor_own(struct gk *g, uint32_t kind, uint32_t type,
		  int32_t zero_point, uint32_t ndims, const uint32_t *dims)
{
	struct nnmem_tensor t;
	uint64_t bytes;
	uint32_t i;
	int r;

	memset(&t, 0, sizeof(t));
	t.type = type;
	t.ndims = ndims;
	for (i = 0; i < ndims && i < NNMEM_TENSOR_MAX_DIMS; i++)
		t.dims[i] = dims[i];
	bytes = nnmem_tensor_bytes(&t);
	if (!bytes)
		return -EINVAL;
	r = gk_region(g, kind, bytes);
	if (r < 0)
		return r;
	return gk_tensor(g, r, 0, type, zero_point, ndims, dims);
}

uint8_t *gk_host(struct gk *g, int tensor)
{
	return g->reg[g->treg[tensor]].host + g->t[tensor].offset;
}

uint64_t gk_bytes(const struct gk *g, int tensor)
{
	return nnmem_tensor_bytes(&g->t[tensor]);
}

static void gk_store(struct gk *g, int tensor, uint64_t i, int64_t v)
{
	uint8_t *p = gk_host(g, tensor);

	if (g->t[tensor].type == NNMEM_TYPE_INT8) {
		p[i] = (uint8_t)(int8_t)v;
	} else {
		int32_t x = (int32_t)v;

		memcpy(p + 4 * i, &x, 4);	/* x86: little-endian */
	}
}

static uint64_t gk_elems(const struct gk *g, int tensor)
{
	return gk_bytes(g, tensor) /
	       (g->t[tensor].type == NNMEM_TYPE_INT32 ? 4 : 1);
}

void gk_fill(struct gk *g, int tensor, uint64_t seed, int64_t lo, int64_t hi)
{
	uint64_t i, n = gk_elems(g, tensor), span = (uint64_t)(hi - lo) + 1;
	uint64_t state = seed;

	for (i = 0; i < n; i++) {
		uint64_t r = nnmem_lcg_next(&state);

		if (span > (1ULL << 31))
			r = r << 31 | nnmem_lcg_next(&state);
		gk_store(g, tensor, i, lo + (int64_t)(r % span));
	}
}

void gk_fill_const(struct gk *g, int tensor, int64_t v)
{
	uint64_t i, n = gk_elems(g, tensor);

	for (i = 0; i < n; i++)
		gk_store(g, tensor, i, v);
}

int gk_node(struct gk *g, const struct nnmem_node *node)
{
	if (g->nn == GK_MAX_NODES)
		return -ENOSPC;
	g->n[g->nn] = *node;
	return (int)g->nn++;
}

uint32_t gk_node_output(const struct gk *g, int n)
{
	return g->n[n].op == NNMEM_OP_CONV2D ? g->n[n].conv2d.output :
					       g->n[n].add.output;
}

int gk_conv(struct gk *g, const struct gk_conv_spec *s)
{
	uint32_t in_dims[4] = { s->n, s->h, s->w, s->c };
	uint32_t f_dims[4], o_dims[4], ch[1] = { s->oc };
	struct nnmem_node node;
	struct nnmem_conv2d *c = &node.conv2d;
	int in, f, b = -1, m, sh, out;
	uint64_t seed = s->seed;

	memset(&node, 0, sizeof(node));
	node.op = NNMEM_OP_CONV2D;
	c->stride_h = s->stride_h ? s->stride_h : 1;
	c->stride_w = s->stride_w ? s->stride_w : 1;
	c->dilation_h = s->dilation_h ? s->dilation_h : 1;
	c->dilation_w = s->dilation_w ? s->dilation_w : 1;
	c->pad_top = s->pad_top;
	c->pad_bottom = s->pad_bottom;
	c->pad_left = s->pad_left;
	c->pad_right = s->pad_right;
	c->groups = s->groups ? s->groups : 1;
	c->act_min = s->act_min;
	c->act_max = s->act_max;
	if (!c->act_min && !c->act_max) {
		c->act_min = -128;
		c->act_max = 127;
	}
	f_dims[0] = s->oc;
	f_dims[1] = s->kh;
	f_dims[2] = s->kw;
	f_dims[3] = s->c / c->groups;
	if (nnmem_conv2d_out_dims(c, in_dims, f_dims, o_dims))
		return -EINVAL;

	if (s->input >= 0) {
		in = s->input;
	} else {
		in = gk_tensor_own(g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8,
				   s->in_zp, 4, in_dims);
		if (in < 0)
			return in;
		gk_fill(g, in, seed++, s->in_lo || s->in_hi ? s->in_lo : -128,
			s->in_lo || s->in_hi ? s->in_hi : 127);
	}
	f = gk_tensor_own(g, NNMEM_KIND_WEIGHT, NNMEM_TYPE_INT8, 0, 4, f_dims);
	if (f < 0)
		return f;
	gk_fill(g, f, seed++, s->f_lo || s->f_hi ? s->f_lo : -127,
		s->f_lo || s->f_hi ? s->f_hi : 127);
	if (!s->no_bias) {
		b = gk_tensor_own(g, NNMEM_KIND_WEIGHT, NNMEM_TYPE_INT32, 0, 1,
				  ch);
		if (b < 0)
			return b;
		gk_fill(g, b, seed++, s->bias_lo, s->bias_hi);
	}
	m = gk_tensor_own(g, NNMEM_KIND_WEIGHT, NNMEM_TYPE_INT32, 0, 1, ch);
	if (m < 0)
		return m;
	gk_fill(g, m, seed++, s->mult_lo ? s->mult_lo : 1073741824,
		s->mult_hi ? s->mult_hi : 1610612736);
	sh = gk_tensor_own(g, NNMEM_KIND_WEIGHT, NNMEM_TYPE_INT32, 0, 1, ch);
	if (sh < 0)
		return sh;
	gk_fill(g, sh, seed++, s->shift_lo, s->shift_hi);
	out = gk_tensor_own(g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8,
			    s->out_zp, 4, o_dims);
	if (out < 0)
		return out;
	memset(gk_host(g, out), GK_POISON, gk_bytes(g, out));

	c->input = (uint32_t)in;
	c->filter = (uint32_t)f;
	c->bias = b < 0 ? NNMEM_INDEX_NONE : (uint32_t)b;
	c->multiplier = (uint32_t)m;
	c->shift = (uint32_t)sh;
	c->output = (uint32_t)out;
	return gk_node(g, &node);
}

int gk_block(struct gk *g, uint32_t hw, uint32_t c, uint64_t seed,
	     bool with_add)
{
	struct gk_conv_spec s = {
		.n = 1, .h = hw, .w = hw, .c = c, .oc = c, .kh = 3, .kw = 3,
		.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1,
		.in_zp = -3, .out_zp = -5, .f_lo = -32, .f_hi = 32,
		.bias_lo = -4000, .bias_hi = 4000, .shift_lo = -10,
		.shift_hi = -9, .seed = seed, .input = -1,
	};
	struct nnmem_node node;
	int n0, n1, out;

	n0 = gk_conv(g, &s);
	if (n0 < 0)
		return n0;
	s.input = (int)g->n[n0].conv2d.output;
	s.out_zp = 2;
	s.shift_lo = -8;
	s.shift_hi = -7;
	s.seed = seed + 100;
	n1 = gk_conv(g, &s);
	if (n1 < 0)
		return n1;
	if (!with_add)
		return 0;
	out = gk_tensor_own(g, NNMEM_KIND_ACTIVATION, NNMEM_TYPE_INT8, 0, 4,
			    g->t[g->n[n0].conv2d.input].dims);
	if (out < 0)
		return out;
	memset(gk_host(g, out), GK_POISON, gk_bytes(g, out));
	memset(&node, 0, sizeof(node));
	node.op = NNMEM_OP_ADD;
	node.add = nt_add_params(g->n[n1].conv2d.output,
				 g->n[n0].conv2d.input, (uint32_t)out);
	return gk_node(g, &node) < 0 ? -ENOSPC : 0;
}

int gk_upload(struct gk *g)
{
	uint32_t i;
	int err;

	for (i = 0; i < g->nr; i++) {
		err = nt_write(g->fd, g->reg[i].handle, 0, g->reg[i].host,
			       g->reg[i].size);
		if (err)
			return err;
	}
	return 0;
}

int gk_create(struct gk *g, uint32_t *graph)
{
	return gk_create_flags(g, 0, graph);
}

int gk_create_flags(struct gk *g, uint32_t flags, uint32_t *graph)
{
	struct nnmem_graph_create req;
	int err;

	memset(&req, 0, sizeof(req));
	req.tensors = (uint64_t)(uintptr_t)g->t;
	req.nodes = (uint64_t)(uintptr_t)g->n;
	req.tensor_count = g->nt;
	req.tensor_size = sizeof(g->t[0]);
	req.node_count = g->nn;
	req.node_size = sizeof(g->n[0]);
	req.flags = flags;
	err = nt_ioctl(g->fd, NNMEM_IOCTL_GRAPH_CREATE, &req);
	if (err == -EINVAL)
		fprintf(stderr, "# graph rejected: %s (reason %u node %d tensor %d)\n",
			nnmem_graph_strerror(req.err_reason), req.err_reason,
			(int)req.err_node, (int)req.err_tensor);
	if (!err) {
		*graph = req.graph;
		g->fast_size = req.fast_size;
	}
	return err;
}

void gk_images_free(struct gk *g, uint8_t **img)
{
	uint32_t i;

	if (!img)
		return;
	for (i = 0; i < g->nr; i++)
		free(img[i]);
	free(img);
}

static uint8_t **gk_images_alloc(struct gk *g)
{
	uint8_t **img = calloc(g->nr ? g->nr : 1, sizeof(*img));
	uint32_t i;

	if (!img)
		return NULL;
	for (i = 0; i < g->nr; i++) {
		img[i] = malloc(g->reg[i].size);
		if (!img[i]) {
			gk_images_free(g, img);
			return NULL;
		}
	}
	return img;
}

int gk_reference(struct gk *g, uint8_t ***ref)
{
	struct nnmem_ref_region rr[GK_MAX_REGIONS];
	uint8_t **img = gk_images_alloc(g);
	uint32_t i;
	int err;

	if (!img)
		return -ENOMEM;
	for (i = 0; i < g->nr; i++) {
		memcpy(img[i], g->reg[i].host, g->reg[i].size);
		rr[i].handle = g->reg[i].handle;
		rr[i].kind = g->reg[i].kind;
		rr[i].data = img[i];
		rr[i].size = g->reg[i].size;
	}
	/* the reference kernels: an independent check of the fast paths */
	err = nnmem_host_run_path(g->t, g->nt, g->n, g->nn, rr, g->nr,
				  NNMEM_PATH_REFERENCE, NULL);
	if (err) {
		gk_images_free(g, img);
		return err;
	}
	*ref = img;
	return 0;
}

int gk_read(struct gk *g, uint8_t ***out)
{
	uint8_t **img = gk_images_alloc(g);
	uint32_t i;
	int err;

	if (!img)
		return -ENOMEM;
	for (i = 0; i < g->nr; i++) {
		err = nt_read(g->fd, g->reg[i].handle, 0, img[i],
			      g->reg[i].size);
		if (err) {
			gk_images_free(g, img);
			return err;
		}
	}
	*out = img;
	return 0;
}

uint64_t gk_diff(struct gk *g, uint8_t **a, uint8_t **b, int t, char *msg,
		 size_t msg_len)
{
	const uint8_t *x = a[g->treg[t]] + g->t[t].offset;
	const uint8_t *y = b[g->treg[t]] + g->t[t].offset;
	uint64_t i, n = gk_bytes(g, t), diffs = 0;

	for (i = 0; i < n; i++) {
		if (x[i] == y[i])
			continue;
		if (!diffs && msg)
			snprintf(msg, msg_len,
				 "tensor %d byte %" PRIu64 ": %d vs %d", t, i,
				 (int8_t)x[i], (int8_t)y[i]);
		diffs++;
	}
	return diffs;
}

uint64_t gk_check(struct gk *g, char *msg, size_t msg_len)
{
	uint8_t **dev = NULL, **ref = NULL;
	uint64_t diffs = 0;
	uint32_t i;

	if (msg && msg_len)
		msg[0] = '\0';
	if (gk_read(g, &dev) || gk_reference(g, &ref)) {
		if (msg)
			snprintf(msg, msg_len, "read back or reference failed");
		diffs = UINT64_MAX;
		goto out;
	}
	for (i = 0; i < g->nn; i++)
		diffs += gk_diff(g, dev, ref, (int)gk_node_output(g, (int)i),
				 diffs ? NULL : msg, msg_len);
out:
	gk_images_free(g, dev);
	gk_images_free(g, ref);
	return diffs;
}

unsigned int gk_stats(struct gk *g, uint8_t **img, int t, int *lo, int *hi)
{
	const int8_t *p = (const int8_t *)(img[g->treg[t]] + g->t[t].offset);
	uint64_t i, n = gk_bytes(g, t);
	bool seen[256] = { false };
	unsigned int distinct = 0;

	*lo = 127;
	*hi = -128;
	for (i = 0; i < n; i++) {
		if (p[i] < *lo)
			*lo = p[i];
		if (p[i] > *hi)
			*hi = p[i];
		if (!seen[p[i] + 128]) {
			seen[p[i] + 128] = true;
			distinct++;
		}
	}
	return distinct;
}
