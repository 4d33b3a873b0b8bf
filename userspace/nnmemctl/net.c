// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl and TensorFlow Lite models (libnnmem's <nnmem/net.h>):
 *
 *   nnmemctl plan [--svg FILE] MODEL.tflite
 *	the arena the model needs, no device: weights, activations (as
 *	planned, the liveness lower bound, the plain sum), the total, and
 *	the plan as an offset-over-time chart;
 *   nnmemctl [-d N] run --input IN.bin [--output OUT.bin] [--check]
 *	[--host] MODEL.tflite
 *	load, run on /dev/nnmemN (or on the host with --host), write the
 *	output; --check compares it with the host executor's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nnmem/model.h>
#include <nnmem/net.h>

#include "nnmemctl_cmds.h"
#include "plan_chart.h"

#define CHART_ROWS	16

bool nnmemctl_is_tflite(const char *path)
{
	char head[8];
	FILE *f = fopen(path, "rb");
	bool yes;

	if (!f)
		return false;
	yes = fread(head, 1, sizeof(head), f) == sizeof(head) &&
	      !memcmp(head + 4, "TFL3", 4);
	fclose(f);
	return yes;
}

static int net_open(const char *path, uint32_t flags, struct nnmem_net **netp)
{
	char err[NNMEM_TFLITE_ERR_LEN];
	int ret;

	ret = nnmem_net_open(path, flags, netp, err, sizeof(err));
	if (!ret)
		return NNMEMCTL_EXIT_OK;
	fprintf(stderr, "nnmemctl: %s: %s\n", path, err);
	return ret == -EINVAL || ret == -EOPNOTSUPP ?
		NNMEMCTL_EXIT_REJECTED : NNMEMCTL_EXIT_FAILED;
}

static void plan_print(const char *path, const struct nnmem_net *net)
{
	const struct nnmem_tflite_model *m = nnmem_net_model(net);
	const struct nnmem_net_plan *p = nnmem_net_plan(net);

	printf("%s: %u operators, %u device nodes, %u tensors\n", path,
	       m->op_count, m->node_count, m->tensor_count);
	printf("  weights      %10" PRIu64 " bytes  (%" PRIu64 " constant bytes in the file; packed in model order)\n",
	       p->weight_bytes, m->const_bytes);
	printf("  activations  %10" PRIu64 " bytes  (lower bound %" PRIu64 ", plain sum %" PRIu64 ")\n",
	       p->activation_bytes, p->bound, p->naive_bytes);
	printf("  arena        %10" PRIu64 " bytes  (weights + activations in whole pages)\n",
	       p->arena_bytes);
	printf("\n");
}

static int plan_chart(const char *path, const struct nnmem_net *net,
		      const char *svg)
{
	const struct nnmem_tflite_model *m = nnmem_net_model(net);
	const struct nnmem_net_plan *p = nnmem_net_plan(net);
	struct nnmemctl_plan_buf *bufs;
	struct nnmemctl_plan_view v;
	const char *base = strrchr(path, '/');
	uint32_t i;
	int ret = 0;
	FILE *f;

	bufs = calloc(p->buf_count ? p->buf_count : 1, sizeof(*bufs));
	if (!bufs)
		return -ENOMEM;
	for (i = 0; i < p->buf_count; i++)
		bufs[i] = (struct nnmemctl_plan_buf){
			.name = m->tensors[p->bufs[i].tensor].name,
			.offset = p->bufs[i].offset,
			.size = (p->bufs[i].bytes + NNMEM_NET_ALIGN - 1) /
				NNMEM_NET_ALIGN * NNMEM_NET_ALIGN,
			.first = p->bufs[i].first,
			.last = p->bufs[i].last,
		};
	v = (struct nnmemctl_plan_view){ base ? base + 1 : path, bufs,
					 p->buf_count, p->steps,
					 p->activation_bytes, p->bound };
	nnmemctl_plan_text(stdout, &v, CHART_ROWS);
	if (svg) {
		f = fopen(svg, "w");
		if (!f) {
			ret = -errno;
		} else {
			ret = nnmemctl_plan_svg(f, &v);
			if (fclose(f) && !ret)
				ret = -EIO;
		}
		if (ret)
			fprintf(stderr, "nnmemctl: %s: %s\n", svg,
				strerror(-ret));
		else
			printf("\nwrote %s\n", svg);
	}
	free(bufs);
	return ret;
}

enum { OPT_SVG = 256 };

int nnmemctl_cmd_plan(int argc, char **argv, const struct nnmemctl_global *gl)
{
	static const struct option more[] = {
		{ "svg", required_argument, NULL, OPT_SVG },
		{ NULL, 0, NULL, 0 },
	};
	struct nnmemctl_global g = *gl;
	const char *svg = NULL, *path;
	struct nnmem_net *net;
	int opt, ret;

	optind = 0;
	while ((opt = nnmemctl_getopt("plan", argc, argv, more, false, &g)) != -1) {
		if (opt >= NNMEMCTL_OPT_STOP)
			return opt - NNMEMCTL_OPT_STOP;
		if (opt == OPT_SVG)
			svg = optarg;
	}
	if (optind >= argc)
		return nnmemctl_usage_error("plan", "missing MODEL.tflite, the model to plan");
	if (optind + 1 < argc)
		return nnmemctl_usage_error("plan", "unexpected argument '%s' after %s",
					    argv[optind + 1], argv[optind]);
	if (nnmemctl_no_index("plan", gl, "it needs no device"))
		return NNMEMCTL_EXIT_USAGE;
	path = argv[optind];
	ret = net_open(path, 0, &net);
	if (ret)
		return ret;
	plan_print(path, net);
	ret = plan_chart(path, net, svg) ? NNMEMCTL_EXIT_FAILED :
					  NNMEMCTL_EXIT_OK;
	nnmem_net_close(net);
	return ret;
}

/* Read exactly @len bytes of @path into @buf. */
static int input_read(const char *path, void *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n;
	char extra;

	if (!f) {
		fprintf(stderr, "nnmemctl: %s: %s\n", path, strerror(errno));
		return NNMEMCTL_EXIT_FAILED;
	}
	n = fread(buf, 1, len, f);
	if (n != len || fread(&extra, 1, 1, f) == 1) {
		fprintf(stderr, "nnmemctl: %s: the model's input is %zu bytes, the file %s\n",
			path, len, n != len ? "is shorter" : "is longer");
		fclose(f);
		return NNMEMCTL_EXIT_USAGE;
	}
	fclose(f);
	return NNMEMCTL_EXIT_OK;
}

static int output_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "nnmemctl: %s: %s\n", path, strerror(errno));
		return NNMEMCTL_EXIT_FAILED;
	}
	return NNMEMCTL_EXIT_OK;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* The host's output of @input, in a new buffer of the output's bytes. */
static int host_output(struct nnmem_net *net, const void *input, size_t in_len,
		       uint8_t **outp)
{
	const struct nnmem_tflite_model *m = nnmem_net_model(net);
	size_t len;
	void *src;
	int err;

	err = nnmem_net_run_host(net, input, in_len);
	if (err) {
		fprintf(stderr, "nnmemctl: run on the host: %s\n",
			nnmem_strerror(err));
		return NNMEMCTL_EXIT_FAILED;
	}
	src = nnmem_net_tensor(net, m->outputs[0], &len);
	*outp = malloc(len ? len : 1);
	if (!src || !*outp)
		return NNMEMCTL_EXIT_FAILED;
	memcpy(*outp, src, len);
	return NNMEMCTL_EXIT_OK;
}

int nnmemctl_run_tflite(const struct nnmemctl_global *g, const char *path,
			const char *input, const char *output, bool check,
			bool host)
{
	const struct nnmem_tflite_model *m;
	uint8_t *in = NULL, *ref = NULL;
	struct nnmem_dev *dev = NULL;
	struct nnmem_net *net;
	char err[NNMEM_TFLITE_ERR_LEN];
	size_t in_len, out_len;
	uint64_t t0, ns = 0;
	void *dst, *out;
	int ret, e;

	if (!input)
		return nnmemctl_usage_error("run", "a .tflite model needs --input IN.bin");
	ret = net_open(path, 0, &net);
	if (ret)
		return ret;
	m = nnmem_net_model(net);
	if (m->input_count != 1 || m->output_count != 1) {
		fprintf(stderr, "nnmemctl: %s: %u inputs and %u outputs; run takes models of one each\n",
			path, m->input_count, m->output_count);
		ret = NNMEMCTL_EXIT_REJECTED;
		goto out;
	}
	in_len = m->tensors[m->inputs[0]].bytes;
	out_len = m->tensors[m->outputs[0]].bytes;
	in = malloc(in_len ? in_len : 1);
	if (!in) {
		ret = NNMEMCTL_EXIT_FAILED;
		goto out;
	}
	ret = input_read(input, in, in_len);
	if (ret)
		goto out;
	if (host || check) {
		t0 = ms_now();
		ret = host_output(net, in, in_len, &ref);
		if (ret)
			goto out;
		printf("host: %" PRIu64 " us\n", ms_now() - t0);
	}
	if (host) {
		ret = output ? output_write(output, ref, out_len) : 0;
		goto out;
	}
	ret = nnmemctl_device_open(g->index, &dev);
	if (ret)
		goto out;
	e = nnmem_net_load(net, dev, err, sizeof(err));
	if (e) {
		fprintf(stderr, "nnmemctl: %s: loading on /dev/nnmem%u: %s\n",
			path, g->index, err);
		ret = e == -EINVAL ? NNMEMCTL_EXIT_REJECTED :
				     NNMEMCTL_EXIT_FAILED;
		goto out;
	}
	dst = nnmem_net_tensor(net, m->inputs[0], NULL);
	memcpy(dst, in, in_len);
	e = nnmem_net_run(net, &ns);
	if (e) {
		fprintf(stderr, "nnmemctl: %s: run: %s\n", path,
			nnmem_strerror(e));
		ret = NNMEMCTL_EXIT_FAILED;
		goto out;
	}
	printf("device: %" PRIu64 " us (weights %" PRIu64 " bytes, activations %" PRIu64 " bytes)\n",
	       ns / 1000, nnmem_net_plan(net)->weight_bytes,
	       nnmem_net_plan(net)->activation_bytes);
	out = nnmem_net_tensor(net, m->outputs[0], NULL);
	if (output) {
		ret = output_write(output, out, out_len);
		if (ret)
			goto out;
	}
	if (check) {
		if (memcmp(out, ref, out_len)) {
			size_t i, diff = 0;

			for (i = 0; i < out_len; i++)
				diff += ((uint8_t *)out)[i] != ref[i];
			printf("check: %zu of %zu output bytes differ from the host's\n",
			       diff, out_len);
			ret = NNMEMCTL_EXIT_MISMATCH;
			goto out;
		}
		printf("check: the %zu output bytes equal the host's\n",
		       out_len);
	}
	ret = NNMEMCTL_EXIT_OK;
out:
	nnmem_net_close(net);
	if (dev)
		nnmem_close(dev);
	free(ref);
	free(in);
	return ret;
}
