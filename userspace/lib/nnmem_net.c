// SPDX-License-Identifier: GPL-2.0
/*
 * libnnmem networks: a .tflite model imported (nnmem_tflite.c), planned
 * (driver/nnmem_planner.c), loaded onto a device or run on the host. See
 * <nnmem/net.h>.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nnmem/model.h>
#include <nnmem/net.h>

#include "../../driver/nnmem_exec.h"
#include "../../driver/nnmem_graphval.h"
#include "../../driver/nnmem_planner.h"

/* Handles of the two regions in the host's virtual arena. */
#define NET_HOST_WEIGHTS	1U
#define NET_HOST_ACTIVATIONS	2U

struct nnmem_net {
	uint8_t *file;			/* the model file; the model points in */
	size_t file_len;
	char label[NNMEM_LABEL_LEN];	/* base of the regions' labels */
	uint32_t flags;
	struct nnmem_tflite_model *m;
	struct nnmem_net_plan plan;
	struct nnmem_net_buf *bufs;	/* plan.bufs */
	uint64_t *dev_offset;		/* bufs index -> offset when loaded */
	uint32_t *tensor_buf;		/* model tensor -> bufs index or NONE */
	uint64_t *weight_offset;	/* model tensor -> offset in weights */
	uint8_t *weights;		/* the weights region's bytes */
	struct nnmem_tensor *gt;	/* lowered, host handles */
	struct nnmem_node *gn;
	/* host runs */
	uint8_t *host_act;
	/* operators run on the host between device segments (bit: builtin) */
	uint64_t host_ops;
	/* loaded */
	struct nnmem_dev *dev;
	uint32_t weight_handle;
	uint32_t act_handle;
	uint32_t graph;			/* the whole graph, or 0 with segments */
	uint32_t seg_count;
	struct net_segment *segs;
	struct nnmem_plan_node *host_plan;	/* node -> host step */
	void *act_map;
	size_t act_map_len;
};

/*
 * A run of consecutive nodes on one side: a device graph, or host steps
 * over the activation region's mapping.
 */
struct net_segment {
	uint32_t first;		/* node */
	uint32_t count;
	bool host;
	uint32_t graph;		/* device segments */
};

/*
 * The op table: where each supported operator runs. Every operator of the
 * MLPerf Tiny int8 models runs on the device: they are integer-only and
 * bounded, and one job per inference costs one round trip. RESHAPE is a
 * view (no node, no bytes). The operators without weights (ADD, the
 * pools, SOFTMAX) can also run on the host between device segments,
 * reading and writing the activation region in place through its mapping
 * (nnmem_net_host_ops()); an operator a device lacks would run there.
 */
static const struct {
	uint32_t builtin;
	bool host_capable;
} net_op_table[] = {
	{ NNMEM_TFLITE_OP_CONV_2D, false },
	{ NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D, false },
	{ NNMEM_TFLITE_OP_FULLY_CONNECTED, false },
	{ NNMEM_TFLITE_OP_ADD, true },
	{ NNMEM_TFLITE_OP_AVERAGE_POOL_2D, true },
	{ NNMEM_TFLITE_OP_MAX_POOL_2D, true },
	{ NNMEM_TFLITE_OP_SOFTMAX, true },
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static int net_err(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int net_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int file_read_all(const char *path, uint8_t **bufp, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return -errno;
	for (;;) {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 1 << 16;
			if (cap > NNMEM_TFLITE_MAX_BYTES * 2) {
				free(buf);
				fclose(f);
				return -EFBIG;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* Weights packed in model order, each at a multiple of NNMEM_NET_ALIGN. */
static int net_plan_weights(struct nnmem_net *net)
{
	const struct nnmem_tflite_model *m = net->m;
	uint64_t off = 0;
	uint32_t i;
	int ret;

	for (i = 0; i < m->weight_count; i++) {
		uint32_t t = m->weight_order[i];

		off = align_up(off, NNMEM_NET_ALIGN);
		net->weight_offset[t] = off;
		off += m->tensors[t].bytes;
	}
	net->plan.weight_bytes = off;
	net->weights = calloc(1, off ? off : 1);
	if (!net->weights)
		return -ENOMEM;
	for (i = 0; i < m->weight_count; i++) {
		uint32_t t = m->weight_order[i];

		ret = nnmem_tflite_tensor_fill(m, t,
					       net->weights + net->weight_offset[t],
					       m->tensors[t].bytes);
		if (ret)
			return ret;
	}
	return 0;
}

/* Activations placed by the planner (or one after another). */
static int net_plan_activations(struct nnmem_net *net)
{
	const struct nnmem_tflite_model *m = net->m;
	uint32_t n = m->lifetime_count, i;
	struct nnmem_planner_buf *pb;
	__u64 footprint = 0, bound = 0;
	void *work;
	int ret;

	if (n > NNMEM_PLANNER_MAX_BUFS)
		return -E2BIG;
	pb = calloc(n ? n : 1, sizeof(*pb));
	work = malloc(nnmem_planner_work_size(n));
	if (!pb || !work) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		pb[i].size = m->lifetimes[i].bytes;
		pb[i].first = m->lifetimes[i].first;
		pb[i].last = m->lifetimes[i].last;
	}
	ret = nnmem_planner_bound(pb, n, NNMEM_NET_ALIGN, work, &bound);
	if (ret)
		goto out;
	net->plan.bound = bound;
	if (net->flags & NNMEM_NET_NO_SHARING) {
		for (i = 0; i < n; i++) {
			pb[i].offset = footprint;
			footprint += align_up(pb[i].size, NNMEM_NET_ALIGN);
		}
	} else {
		ret = nnmem_planner_plan(pb, n, NNMEM_NET_ALIGN, work,
					 &footprint);
		if (ret)
			goto out;
	}
	for (i = 0; i < n; i++) {
		net->bufs[i] = (struct nnmem_net_buf){
			.tensor = m->lifetimes[i].tensor,
			.first = pb[i].first,
			.last = pb[i].last,
			.offset = pb[i].offset,
			.bytes = pb[i].size,
		};
		net->tensor_buf[m->lifetimes[i].tensor] = i;
	}
	net->plan.activation_bytes = footprint;
out:
	free(work);
	free(pb);
	return ret;
}

/* Every placed tensor's region and offset, with the given handles. */
static void net_places(const struct nnmem_net *net, uint32_t weights,
		       uint32_t acts, bool device,
		       struct nnmem_tflite_place *place)
{
	const struct nnmem_tflite_model *m = net->m;
	uint32_t t;

	for (t = 0; t < m->all_tensor_count; t++) {
		const struct nnmem_tflite_tensor *x = &m->tensors[t];
		uint32_t b = net->tensor_buf[x->buffer];

		if (!(x->flags & NNMEM_TFLITE_T_PLACED))
			continue;
		if (x->flags & (NNMEM_TFLITE_T_CONST | NNMEM_TFLITE_T_DERIVED))
			place[t] = (struct nnmem_tflite_place){
				weights, net->weight_offset[t] };
		else if (b != NNMEM_TFLITE_NONE && !device)
			place[t] = (struct nnmem_tflite_place){
				acts, net->bufs[b].offset };
		else if (b != NNMEM_TFLITE_NONE &&
			 net->dev_offset[b] != UINT64_MAX)
			place[t] = (struct nnmem_tflite_place){
				acts, net->dev_offset[b] };
	}
}

static int net_lower(const struct nnmem_net *net, uint32_t weights,
		     uint32_t acts, bool device, struct nnmem_tensor *gt,
		     struct nnmem_node *gn, char *err, size_t errlen)
{
	struct nnmem_tflite_place *place;
	int ret;

	place = calloc(net->m->all_tensor_count ? net->m->all_tensor_count : 1,
		       sizeof(*place));
	if (!place)
		return -ENOMEM;
	net_places(net, weights, acts, device, place);
	ret = nnmem_tflite_lower(net->m, place, gt, gn, err, errlen);
	free(place);
	return ret;
}

static void net_host_regions(struct nnmem_net *net,
			     struct nnmem_ref_region *r)
{
	r[0] = (struct nnmem_ref_region){ NET_HOST_WEIGHTS, NNMEM_KIND_WEIGHT,
					  net->weights,
					  net->plan.weight_bytes };
	r[1] = (struct nnmem_ref_region){ NET_HOST_ACTIVATIONS,
					  NNMEM_KIND_ACTIVATION, net->host_act,
					  net->plan.activation_bytes };
}

int nnmem_net_open(const char *path, uint32_t flags, struct nnmem_net **netp,
		   char *err, size_t errlen)
{
	struct nnmem_ref_region regions[2];
	struct nnmem_graph_error gerr;
	const struct nnmem_tflite_model *m;
	struct nnmem_net *net;
	const char *base;
	long page;
	uint32_t i;
	int ret;

	if ((flags & ~NNMEM_NET_VALID_FLAGS) ||
	    (flags & NNMEM_NET_NO_SHARING && flags & NNMEM_NET_DEVICE_PLANNED))
		return net_err(err, errlen, -EINVAL, "bad flags 0x%x", flags);
	net = calloc(1, sizeof(*net));
	if (!net)
		return -ENOMEM;
	net->flags = flags;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(net->label, sizeof(net->label), "%.20s", base);
	for (i = 0; net->label[i]; i++)
		if (net->label[i] < 0x21 || net->label[i] > 0x7e)
			net->label[i] = '_';
	ret = file_read_all(path, &net->file, &net->file_len);
	if (ret) {
		net_err(err, errlen, ret, "%s: %s", path, strerror(-ret));
		goto fail;
	}
	ret = nnmem_tflite_parse(net->file, net->file_len, &net->m, err,
				 errlen);
	if (ret)
		goto fail;
	m = net->m;
	net->bufs = calloc(m->lifetime_count ? m->lifetime_count : 1,
			   sizeof(*net->bufs));
	net->dev_offset = calloc(m->lifetime_count ? m->lifetime_count : 1,
				 sizeof(*net->dev_offset));
	net->tensor_buf = malloc(m->all_tensor_count * sizeof(uint32_t) + 1);
	net->weight_offset = calloc(m->all_tensor_count + 1, sizeof(uint64_t));
	net->gt = calloc(m->graph_tensor_count + 1, sizeof(*net->gt));
	net->gn = calloc(m->node_count + 1, sizeof(*net->gn));
	if (!net->bufs || !net->dev_offset || !net->tensor_buf ||
	    !net->weight_offset ||
	    !net->gt || !net->gn) {
		ret = net_err(err, errlen, -ENOMEM, "out of memory");
		goto fail;
	}
	memset(net->tensor_buf, 0xff, m->all_tensor_count * sizeof(uint32_t));
	ret = net_plan_weights(net);
	if (!ret)
		ret = net_plan_activations(net);
	if (ret) {
		net_err(err, errlen, ret, "%s: planning: %s", path,
			strerror(-ret));
		goto fail;
	}
	page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	/* the plain sum: every activation tensor of the file, views too */
	for (i = 0; i < m->tensor_count; i++)
		if (!(m->tensors[i].flags & NNMEM_TFLITE_T_CONST))
			net->plan.naive_bytes += align_up(m->tensors[i].bytes,
							  NNMEM_NET_ALIGN);
	net->plan.arena_bytes = net->plan.weight_bytes +
		align_up(net->plan.activation_bytes, (uint64_t)page);
	net->plan.steps = m->node_count;
	net->plan.buf_count = m->lifetime_count;
	net->plan.bufs = net->bufs;

	/* the device's own validator, on the host, before any device */
	ret = net_lower(net, NET_HOST_WEIGHTS, NET_HOST_ACTIVATIONS, false,
			net->gt, net->gn, err, errlen);
	if (ret)
		goto fail;
	net_host_regions(net, regions);
	ret = nnmem_host_check(net->gt, m->graph_tensor_count, net->gn,
			       m->node_count, regions, 2, &gerr);
	if (ret) {
		net_err(err, errlen, ret,
			"%s: the lowered graph is invalid: %s (node %d, tensor %d)",
			path, nnmem_graph_strerror(gerr.reason), (int)gerr.node,
			(int)gerr.tensor);
		goto fail;
	}
	net->graph = 0;
	*netp = net;
	return 0;
fail:
	nnmem_net_close(net);
	return ret;
}

void nnmem_net_close(struct nnmem_net *net)
{
	if (!net)
		return;
	nnmem_net_unload(net);
	free(net->host_act);
	free(net->gn);
	free(net->gt);
	free(net->weights);
	free(net->weight_offset);
	free(net->tensor_buf);
	free(net->dev_offset);
	free(net->bufs);
	nnmem_tflite_free(net->m);
	free(net->file);
	free(net);
}

const struct nnmem_tflite_model *nnmem_net_model(const struct nnmem_net *net)
{
	return net->m;
}

const struct nnmem_net_plan *nnmem_net_plan(const struct nnmem_net *net)
{
	return &net->plan;
}

int nnmem_net_host_ops(struct nnmem_net *net, uint64_t builtins)
{
	uint64_t capable = 0;
	size_t i;

	for (i = 0; i < sizeof(net_op_table) / sizeof(net_op_table[0]); i++)
		if (net_op_table[i].host_capable)
			capable |= 1ULL << net_op_table[i].builtin;
	if (net->dev || (builtins & ~capable) ||
	    (builtins && (net->flags & NNMEM_NET_DEVICE_PLANNED)))
		return -EINVAL;
	net->host_ops = builtins;
	return 0;
}

static bool net_node_on_host(const struct nnmem_net *net, uint32_t node)
{
	const struct nnmem_tflite_model *m = net->m;
	uint32_t k;

	for (k = 0; k < m->op_count; k++)
		if (m->ops[k].node == node)
			return m->ops[k].builtin < 64 &&
			       (net->host_ops >> m->ops[k].builtin) & 1;
	return false;
}

/*
 * The host steps: the lowered graph validated over a virtual arena in
 * which the activation region starts at 0 (its offsets are then offsets
 * into the mapping) and the weights lie past it (host steps read none).
 */
static int net_host_plan(struct nnmem_net *net, const struct nnmem_tensor *gt,
			 const struct nnmem_node *gn)
{
	const struct nnmem_tflite_model *m = net->m;
	const struct nnmem_graphval_limits lim = {
		.max_tensors = NNMEM_GRAPH_MAX_TENSORS,
		.max_nodes = NNMEM_GRAPH_MAX_NODES,
		.max_macs = NNMEM_GRAPH_MAX_MACS_DEFAULT,
	};
	struct nnmem_graphval_region *facts;
	struct nnmem_graphval_err gerr;
	void *scratch;
	uint32_t i;
	int ret = -ENOMEM;

	facts = calloc(m->graph_tensor_count + 1, sizeof(*facts));
	scratch = malloc(nnmem_graphval_scratch_size(m->graph_tensor_count) + 8);
	net->host_plan = calloc(m->node_count + 1, sizeof(*net->host_plan));
	if (!facts || !scratch || !net->host_plan)
		goto out;
	for (i = 0; i < m->graph_tensor_count; i++) {
		bool w = gt[i].handle == net->weight_handle;

		facts[i].present = true;
		facts[i].kind = w ? NNMEM_KIND_WEIGHT : NNMEM_KIND_ACTIVATION;
		facts[i].size = w ? net->plan.weight_bytes : net->act_map_len;
		facts[i].arena_offset = w ? net->act_map_len : 0;
	}
	ret = nnmem_graphval_check(gt, m->graph_tensor_count, gn,
				   m->node_count, facts, &lim, scratch,
				   net->host_plan, &gerr);
out:
	free(scratch);
	free(facts);
	return ret;
}

/* Device graphs for the runs of device nodes, host steps between them. */
static int net_segments(struct nnmem_net *net, const struct nnmem_tensor *gt,
			const struct nnmem_node *gn, char *err, size_t errlen)
{
	const struct nnmem_tflite_model *m = net->m;
	struct nnmem_graph_error gerr;
	uint32_t i;
	int ret;

	net->segs = calloc(m->node_count + 1, sizeof(*net->segs));
	if (!net->segs)
		return -ENOMEM;
	for (i = 0; i < m->node_count; i++) {
		bool host = net_node_on_host(net, i);
		struct net_segment *sg = &net->segs[net->seg_count];

		if (net->seg_count && sg[-1].host == host) {
			sg[-1].count++;
			continue;
		}
		*sg = (struct net_segment){ .first = i, .count = 1,
					    .host = host };
		net->seg_count++;
	}
	for (i = 0; i < net->seg_count; i++) {
		struct net_segment *sg = &net->segs[i];

		if (sg->host)
			continue;
		ret = nnmem_graph_create(net->dev, gt, m->graph_tensor_count,
					 gn + sg->first, sg->count, &sg->graph,
					 &gerr);
		if (ret)
			return net_err(err, errlen, ret,
				       "segment of nodes %u-%u rejected: %s",
				       sg->first, sg->first + sg->count - 1,
				       ret == -EINVAL ?
				       nnmem_graph_strerror(gerr.reason) :
				       nnmem_strerror(ret));
	}
	ret = net_host_plan(net, gt, gn);
	if (ret)
		return net_err(err, errlen, ret,
			       "host steps: the graph is invalid");
	return 0;
}

/*
 * Where the buffers go on the device: as planned; or, with the device
 * planning, the model's inputs and outputs one after another and the rest
 * left to the device (UINT64_MAX). Returns the activation region's bytes.
 */
static uint64_t net_device_layout(struct nnmem_net *net)
{
	const struct nnmem_tflite_model *m = net->m;
	uint64_t end = 0;
	uint32_t i;

	for (i = 0; i < net->plan.buf_count; i++) {
		uint32_t f = m->tensors[net->bufs[i].tensor].flags;

		if (!(net->flags & NNMEM_NET_DEVICE_PLANNED)) {
			net->dev_offset[i] = net->bufs[i].offset;
		} else if (f & (NNMEM_TFLITE_T_INPUT | NNMEM_TFLITE_T_OUTPUT)) {
			net->dev_offset[i] = end;
			end = align_up(end + net->bufs[i].bytes,
				       NNMEM_NET_ALIGN);
		} else {
			net->dev_offset[i] = UINT64_MAX;
		}
	}
	return net->flags & NNMEM_NET_DEVICE_PLANNED ? end :
	       net->plan.activation_bytes;
}

/* The lowered tensors of the device: placements, and the device's own. */
static void net_device_tensors(struct nnmem_net *net, struct nnmem_tensor *gt)
{
	const struct nnmem_tflite_model *m = net->m;
	uint32_t t, b, gi;

	for (t = 0; t < m->all_tensor_count; t++) {
		gi = m->tensors[t].graph_index;
		b = net->tensor_buf[m->tensors[t].buffer];
		if (gi == NNMEM_TFLITE_NONE || b == NNMEM_TFLITE_NONE ||
		    net->dev_offset[b] != UINT64_MAX)
			continue;
		gt[gi].flags = NNMEM_TENSOR_DEVICE_PLACED;
		gt[gi].handle = 0;
		gt[gi].offset = 0;
	}
}

int nnmem_net_load(struct nnmem_net *net, struct nnmem_dev *dev, char *err,
		   size_t errlen)
{
	const struct nnmem_tflite_model *m = net->m;
	struct nnmem_graph_error gerr;
	struct nnmem_tensor *gt = NULL;
	struct nnmem_node *gn = NULL;
	char label[NNMEM_LABEL_LEN];
	long page = sysconf(_SC_PAGESIZE);
	uint64_t act_bytes;
	int ret;

	if (net->dev)
		return net_err(err, errlen, -EBUSY, "already loaded");
	act_bytes = net_device_layout(net);
	if (page <= 0)
		page = 4096;
	net->dev = dev;
	snprintf(label, sizeof(label), "%.18s weights", net->label);
	ret = nnmem_alloc(dev, net->plan.weight_bytes ? net->plan.weight_bytes : 1,
			  0, NNMEM_KIND_WEIGHT, 0, label, &net->weight_handle,
			  NULL);
	if (ret) {
		net_err(err, errlen, ret, "weights: %" PRIu64 " bytes: %s",
			net->plan.weight_bytes, nnmem_strerror(ret));
		goto fail;
	}
	ret = nnmem_write(dev, net->weight_handle, 0, net->weights,
			  net->plan.weight_bytes);
	if (ret) {
		net_err(err, errlen, ret, "writing the weights: %s",
			nnmem_strerror(ret));
		goto fail;
	}
	snprintf(label, sizeof(label), "%.18s activations", net->label);
	ret = nnmem_alloc(dev, align_up(act_bytes ? act_bytes : 1,
					(uint64_t)page),
			  0, NNMEM_KIND_ACTIVATION, NNMEM_ALLOC_MAPPABLE, label,
			  &net->act_handle, NULL);
	if (ret) {
		net_err(err, errlen, ret, "activations: %" PRIu64 " bytes: %s",
			act_bytes, nnmem_strerror(ret));
		goto fail;
	}
	ret = nnmem_map(dev, net->act_handle, &net->act_map,
			&net->act_map_len);
	if (ret) {
		net_err(err, errlen, ret, "mapping the activations: %s",
			nnmem_strerror(ret));
		goto fail;
	}
	gt = calloc(m->graph_tensor_count + 1, sizeof(*gt));
	gn = calloc(m->node_count + 1, sizeof(*gn));
	if (!gt || !gn) {
		ret = net_err(err, errlen, -ENOMEM, "out of memory");
		goto fail;
	}
	ret = net_lower(net, net->weight_handle, net->act_handle, true, gt, gn,
			err, errlen);
	if (ret)
		goto fail;
	net_device_tensors(net, gt);
	if (net->host_ops) {
		ret = net_segments(net, gt, gn, err, errlen);
		if (ret)
			goto fail;
		free(gt);
		free(gn);
		return 0;
	}
	ret = nnmem_graph_create_flags(dev, gt, m->graph_tensor_count, gn,
				       m->node_count,
				       net->flags & NNMEM_NET_DEVICE_PLANNED ?
				       NNMEM_GRAPH_SHARED_SCRATCH : 0,
				       &net->graph, &net->plan.device_scratch,
				       &gerr);
	if (ret) {
		if (ret == -EINVAL && gerr.reason)
			net_err(err, errlen, ret,
				"graph rejected: %s (node %d, tensor %d)",
				nnmem_graph_strerror(gerr.reason),
				(int)gerr.node, (int)gerr.tensor);
		else
			net_err(err, errlen, ret, "graph create: %s",
				nnmem_strerror(ret));
		net->graph = 0;
		goto fail;
	}
	free(gt);
	free(gn);
	return 0;
fail:
	free(gt);
	free(gn);
	nnmem_net_unload(net);
	return ret;
}

void nnmem_net_unload(struct nnmem_net *net)
{
	uint32_t i;

	if (!net->dev)
		return;
	if (net->graph)
		nnmem_graph_destroy(net->dev, net->graph);
	for (i = 0; i < net->seg_count; i++)
		if (net->segs[i].graph)
			nnmem_graph_destroy(net->dev, net->segs[i].graph);
	free(net->segs);
	free(net->host_plan);
	net->segs = NULL;
	net->host_plan = NULL;
	net->seg_count = 0;
	if (net->act_map)
		nnmem_unmap(net->act_map, net->act_map_len);
	if (net->act_handle)
		nnmem_free(net->dev, net->act_handle);
	if (net->weight_handle)
		nnmem_free(net->dev, net->weight_handle);
	net->graph = 0;
	net->act_map = NULL;
	net->act_map_len = 0;
	net->act_handle = 0;
	net->weight_handle = 0;
	net->plan.device_scratch = 0;
	net->dev = NULL;
}

void *nnmem_net_tensor(struct nnmem_net *net, uint32_t tensor, size_t *bytes)
{
	const struct nnmem_tflite_model *m = net->m;
	uint8_t *base = net->dev ? net->act_map : net->host_act;
	uint64_t off;
	uint32_t b;

	if (tensor >= m->all_tensor_count || !base)
		return NULL;
	b = net->tensor_buf[m->tensors[tensor].buffer];
	if (b == NNMEM_TFLITE_NONE)
		return NULL;
	off = net->dev ? net->dev_offset[b] : net->bufs[b].offset;
	if (off == UINT64_MAX)
		return NULL;	/* on the device, out of reach */
	if (bytes)
		*bytes = m->tensors[tensor].bytes;
	return base + off;
}

int nnmem_net_run(struct nnmem_net *net, uint64_t *duration_ns)
{
	uint64_t total = 0, ns;
	uint32_t i, k;
	int ret;

	if (!net->dev)
		return -ENODEV;
	if (!net->seg_count)
		return nnmem_graph_run(net->dev, net->graph, duration_ns, NULL);
	for (i = 0; i < net->seg_count; i++) {
		const struct net_segment *sg = &net->segs[i];

		if (!sg->host) {
			ret = nnmem_graph_run(net->dev, sg->graph, &ns, NULL);
			if (ret)
				return ret;
			total += ns;
			continue;
		}
		/* in place, zero copy: the activation region's mapping */
		for (k = sg->first; k < sg->first + sg->count; k++) {
			ret = nnmem_exec_node(net->act_map,
					      &net->host_plan[k], NULL);
			if (ret)
				return ret;
		}
	}
	if (duration_ns)
		*duration_ns = total;
	return 0;
}

int nnmem_net_run_host(struct nnmem_net *net, const void *input, size_t len)
{
	const struct nnmem_tflite_model *m = net->m;
	struct nnmem_ref_region regions[2];
	struct nnmem_graph_error gerr;
	uint8_t *dst;
	size_t bytes;

	if (!m->input_count)
		return -EINVAL;
	if (!net->host_act) {
		net->host_act = calloc(1, net->plan.activation_bytes ?
					  net->plan.activation_bytes : 1);
		if (!net->host_act)
			return -ENOMEM;
	}
	/* nnmem_net_tensor() reads the host memory only when not loaded */
	dst = net->host_act + net->bufs[net->tensor_buf[
		m->tensors[m->inputs[0]].buffer]].offset;
	bytes = m->tensors[m->inputs[0]].bytes;
	if (len != bytes)
		return -EINVAL;
	memcpy(dst, input, len);
	net_host_regions(net, regions);
	return nnmem_host_run(net->gt, m->graph_tensor_count, net->gn,
			      m->node_count, regions, 2, &gerr);
}
