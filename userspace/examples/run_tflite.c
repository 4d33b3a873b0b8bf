// SPDX-License-Identifier: MIT
/*
 * run_tflite: run a TensorFlow Lite model on /dev/nnmem0 through
 * libnnmem, the shortest way.
 *
 *   run_tflite MODEL.tflite INPUT.bin OUTPUT.bin
 *
 * The model is imported and its memory planned before any device is
 * touched (nnmem_net_open), then loaded: weights in one region at the
 * bottom of the arena, activations in one mappable region at the top,
 * sharing bytes by lifetime. The input is written and the output read in
 * place, through that mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnmem/libnnmem.h>
#include <nnmem/net.h>

int main(int argc, char **argv)
{
	char err[NNMEM_TFLITE_ERR_LEN];
	const struct nnmem_tflite_model *m;
	const struct nnmem_net_plan *p;
	struct nnmem_net *net = NULL;
	struct nnmem_dev *dev = NULL;
	size_t in_len, out_len;
	int ret = 1, e;
	void *in, *out;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: %s MODEL.tflite INPUT.bin OUTPUT.bin\n",
			argv[0]);
		return 2;
	}
	e = nnmem_net_open(argv[1], 0, &net, err, sizeof(err));
	if (e) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		return 1;
	}
	p = nnmem_net_plan(net);
	printf("%s: weights %llu bytes, activations %llu bytes (bound %llu)\n",
	       argv[1], (unsigned long long)p->weight_bytes,
	       (unsigned long long)p->activation_bytes,
	       (unsigned long long)p->bound);

	e = nnmem_open(0, &dev);
	if (e) {
		fprintf(stderr, "/dev/nnmem0: %s\n", nnmem_strerror(e));
		goto out;
	}
	e = nnmem_net_load(net, dev, err, sizeof(err));
	if (e) {
		fprintf(stderr, "load: %s\n", err);
		goto out;
	}
	m = nnmem_net_model(net);
	in = nnmem_net_tensor(net, m->inputs[0], &in_len);
	out = nnmem_net_tensor(net, m->outputs[0], &out_len);
	f = fopen(argv[2], "rb");
	if (!f || fread(in, 1, in_len, f) != in_len) {
		fprintf(stderr, "%s: want %zu bytes\n", argv[2], in_len);
		if (f)
			fclose(f);
		goto out;
	}
	fclose(f);
	e = nnmem_net_run(net, NULL);
	if (e) {
		fprintf(stderr, "run: %s\n", nnmem_strerror(e));
		goto out;
	}
	f = fopen(argv[3], "wb");
	if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f)) {
		fprintf(stderr, "%s: cannot write\n", argv[3]);
		goto out;
	}
	ret = 0;
out:
	nnmem_net_close(net);
	if (dev)
		nnmem_close(dev);
	return ret;
}
