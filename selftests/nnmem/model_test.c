// SPDX-License-Identifier: GPL-2.0
/*
 * Real models through the device: MLPerf Tiny's ResNet-8 with TensorFlow
 * Lite Micro's outputs and every intermediate tensor for six inputs
 * (<models>/resnet8/<case>/, README beside them), through libnnmem's
 * network API (<nnmem/net.h>: the importer, the planner, the device).
 *
 * 1. The plan against the figures of the models' README (49,152
 *    activation bytes, the liveness bound; 117,920 as a plain sum).
 * 2. Each case with every activation tensor in bytes of its own
 *    (NNMEM_NET_NO_SHARING): after one device run, every intermediate
 *    tensor and the output equal TFLM's, byte for byte; once on the best
 *    kernel path of the CPU (read from /proc/cpuinfo; AVX2 in the VM) and
 *    once on the reference kernels (fast_path=0), the USAGE path counters
 *    showing which path ran the convs and the fully connected layer.
 * 3. Each case as planned (tensors sharing bytes by lifetime): the output
 *    and the logits before the softmax (tensor 36) equal TFLM's, and the
 *    host executor gives the same output.
 * 4. After hwm_reset, a load and a run of the planned model, the device's
 *    high-water marks are the plan's: weights and activations.
 * 5. nnmemctl plan / run --check on the model, as a user would.
 * 6. The weightless operators (ADD, AVERAGE_POOL_2D, SOFTMAX) on the host
 *    between device segments, in place through the activation mapping:
 *    the same output and logits as TFLM's.
 * 7. Device planning: two processes load the model with its intermediates
 *    left to the device in the shared scratch area (NNMEM_NET_DEVICE_PLANNED)
 *    and run it in turns on different inputs; every output equals TFLM's,
 *    and the arena holds one scratch area for both, not two.
 *
 * Usage: model_test [MODELS_ROOT]; the root defaults to $NNMEM_MODELS,
 * then to the shared/models next to the repository at build time. Output
 * is TAP; exit status 1 if any test failed. Expects nnmem loaded (with
 * /dev/nnmem0) and nothing allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nnmem/libnnmem.h>
#include <nnmem/net.h>

#include "nnmem_test.h"

#ifndef NNMEM_MODELS_DEFAULT
#define NNMEM_MODELS_DEFAULT	"../../../shared/models"
#endif

/* From <models>/README.md, not from the code under test. */
#define RESNET8_ACT_BOUND	49152
#define RESNET8_PLAIN_SUM	117920
#define RESNET8_CONST_BYTES	78752
#define RESNET8_ACT_TENSORS	17	/* tensor 0 and 22..37 */
#define RESNET8_LOGITS		36
/*
 * Its nodes (README: 9 CONV_2D, 3 ADD, AVERAGE_POOL_2D, RESHAPE, which is
 * a view, FULLY_CONNECTED and SOFTMAX): on a fast path the convs and the
 * fully connected layer, on the reference kernels the rest.
 */
#define RESNET8_FAST_NODES	10
#define RESNET8_OTHER_NODES	5
#define RESNET8_OUTPUT		37

static const char *const cases[] = {
	"gradient", "lowamp", "seed1", "seed2", "seed3", "seed4",
};

static int tap_num, tap_failed;
static const char *root;
static char model_path[512];

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void tap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	tap_num++;
	if (!ok)
		tap_failed++;
	printf("%s %d ", ok ? "ok" : "not ok", tap_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* The whole file at <root>/resnet8/<c>/<name>, or NULL. */
static uint8_t *case_file(const char *c, const char *name, size_t *lenp)
{
	char path[600];
	uint8_t *buf = NULL;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/resnet8/%s/%s", root, c, name);
	f = fopen(path, "rb");
	if (!f) {
		diag("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(len ? (size_t)len : 1);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
		*lenp = (size_t)len;
	}
	fclose(f);
	return buf;
}

/* Tensor @t of the device run equals TFLM's tensor<t>.bin. */
static bool tensor_same(struct nnmem_net *net, const char *c, uint32_t t)
{
	char name[32];
	size_t len, want_len, i;
	uint8_t *want, *got;
	bool ok;

	snprintf(name, sizeof(name), "tensor%u.bin", t);
	want = case_file(c, name, &want_len);
	got = nnmem_net_tensor(net, t, &len);
	ok = want && got && len == want_len && !memcmp(got, want, len);
	if (want && got && !ok) {
		for (i = 0; i < len && i < want_len && got[i] == want[i]; i++)
			;
		diag("%s: tensor %u (%zu bytes, want %zu): first difference at byte %zu",
		     c, t, len, want_len, i);
	}
	free(want);
	return ok;
}

static struct nnmem_net *net_open(uint32_t flags)
{
	char err[NNMEM_TFLITE_ERR_LEN];
	struct nnmem_net *net;
	int ret;

	ret = nnmem_net_open(model_path, flags, &net, err, sizeof(err));
	if (ret) {
		diag("%s: %s", model_path, err);
		return NULL;
	}
	return net;
}

static bool net_load(struct nnmem_net *net, struct nnmem_dev *dev)
{
	char err[NNMEM_TFLITE_ERR_LEN];

	if (nnmem_net_load(net, dev, err, sizeof(err))) {
		diag("load: %s", err);
		return false;
	}
	return true;
}

/* Load @net, write the case's input, run it on the device. */
static bool case_run(struct nnmem_net *net, const char *c)
{
	const struct nnmem_tflite_model *m = nnmem_net_model(net);
	size_t len, in_len;
	uint8_t *in;
	void *dst;
	int ret;

	in = case_file(c, "input0.bin", &len);
	if (!in)
		return false;
	dst = nnmem_net_tensor(net, m->inputs[0], &in_len);
	if (!dst || in_len != len) {
		diag("%s: input is %zu bytes, the model's %zu", c, len, in_len);
		free(in);
		return false;
	}
	memcpy(dst, in, len);
	free(in);
	ret = nnmem_net_run(net, NULL);
	if (ret)
		diag("%s: run: %s", c, strerror(-ret));
	return !ret;
}

static bool session_empty(struct nnmem_dev *dev)
{
	struct nnmem_usage u;

	if (nnmem_usage(dev, &u) || u.session_regions || u.session_bytes ||
	    u.session_kmem) {
		diag("session still holds %u regions", u.session_regions);
		return false;
	}
	return true;
}

static bool test_plan(void)
{
	struct nnmem_net *net = net_open(0);
	const struct nnmem_net_plan *p;
	bool ok;

	if (!net)
		return false;
	p = nnmem_net_plan(net);
	diag("resnet8 plan: weights %" PRIu64 ", activations %" PRIu64 ", bound %" PRIu64 ", plain sum %" PRIu64 ", arena %" PRIu64,
	     p->weight_bytes, p->activation_bytes, p->bound, p->naive_bytes,
	     p->arena_bytes);
	ok = p->activation_bytes == RESNET8_ACT_BOUND &&
	     p->bound == RESNET8_ACT_BOUND &&
	     p->naive_bytes == RESNET8_PLAIN_SUM &&
	     nnmem_net_model(net)->const_bytes == RESNET8_CONST_BYTES &&
	     p->weight_bytes >= RESNET8_CONST_BYTES;
	nnmem_net_close(net);
	return ok;
}

/* Every activation tensor in bytes of its own: each equals TFLM's. */
static bool test_every_tensor(struct nnmem_dev *dev, const char *c)
{
	struct nnmem_net *net = net_open(NNMEM_NET_NO_SHARING);
	const struct nnmem_tflite_model *m;
	unsigned int compared = 0;
	bool ok;
	uint32_t t;

	if (!net)
		return false;
	m = nnmem_net_model(net);
	ok = net_load(net, dev) && case_run(net, c);
	for (t = 0; ok && t < m->tensor_count; t++) {
		if (!nnmem_net_tensor(net, t, NULL))
			continue;	/* a constant */
		ok = tensor_same(net, c, t);
		compared++;
	}
	if (ok && compared != RESNET8_ACT_TENSORS) {
		diag("%s: %u activation tensors compared, want %d", c,
		     compared, RESNET8_ACT_TENSORS);
		ok = false;
	}
	nnmem_net_close(net);
	return ok && session_empty(dev);
}

/*
 * test_every_tensor() with the module's fast_path at @param: the USAGE
 * path counters must show the conv2d and fully connected nodes on @path,
 * the other nodes on the reference kernels, and nothing else.
 */
static bool test_path(struct nnmem_dev *dev, const char *c, int param,
		      int path)
{
	struct nnmem_usage a, b;
	uint64_t n, want;
	bool ok;
	int k, err;

	err = nt_fast_path_set(param);
	if (err) {
		diag("fast_path=%d: %s", param, strerror(-err));
		return false;
	}
	ok = !nnmem_usage(dev, &a) && test_every_tensor(dev, c) &&
	     !nnmem_usage(dev, &b);
	for (k = 0; ok && k < NNMEM_PATH_COUNT; k++) {
		n = b.path_nodes[k] - a.path_nodes[k];
		want = k == path ? RESNET8_FAST_NODES : 0;
		if (k == NNMEM_PATH_REFERENCE)
			want += RESNET8_OTHER_NODES;
		if (n != want) {
			diag("%s: path %d ran %" PRIu64 " nodes, want %" PRIu64,
			     c, k, n, want);
			ok = false;
		}
		if ((b.path_macs[k] - a.path_macs[k] > 0) != (want > 0)) {
			diag("%s: path %d MACs do not match its nodes", c, k);
			ok = false;
		}
	}
	nt_fast_path_set(-1);
	return ok;
}

/* As planned: the output and the logits equal TFLM's and the host's. */
static bool test_planned(struct nnmem_dev *dev, const char *c)
{
	struct nnmem_net *net = net_open(0);
	struct nnmem_net *host = net_open(0);
	const struct nnmem_tflite_model *m;
	uint8_t *in = NULL;
	size_t len, out_len;
	void *a, *b;
	bool ok;

	if (!net || !host)
		goto fail;
	m = nnmem_net_model(net);
	ok = net_load(net, dev) && case_run(net, c) &&
	     tensor_same(net, c, RESNET8_OUTPUT) &&
	     tensor_same(net, c, RESNET8_LOGITS);
	in = case_file(c, "input0.bin", &len);
	ok = ok && in && nnmem_net_run_host(host, in, len) == 0;
	a = nnmem_net_tensor(net, m->outputs[0], &out_len);
	b = nnmem_net_tensor(host, m->outputs[0], NULL);
	if (ok && (!a || !b || memcmp(a, b, out_len))) {
		diag("%s: host and device outputs differ", c);
		ok = false;
	}
	free(in);
	nnmem_net_close(host);
	nnmem_net_close(net);
	return ok && session_empty(dev);
fail:
	nnmem_net_close(host);
	nnmem_net_close(net);
	return false;
}

/* ADD, the pool and SOFTMAX on the host, the convs and FC on the device. */
static bool test_host_segments(struct nnmem_dev *dev, const char *c)
{
	struct nnmem_net *net = net_open(0);
	bool ok;

	if (!net)
		return false;
	ok = nnmem_net_host_ops(net, 1ULL << NNMEM_TFLITE_OP_ADD |
				     1ULL << NNMEM_TFLITE_OP_AVERAGE_POOL_2D |
				     1ULL << NNMEM_TFLITE_OP_SOFTMAX) == 0;
	/* CONV_2D has weights: the host cannot run it in place */
	ok = ok && nnmem_net_host_ops(net, 1ULL << NNMEM_TFLITE_OP_CONV_2D) ==
		   -EINVAL;
	ok = ok && net_load(net, dev) && case_run(net, c) &&
	     tensor_same(net, c, RESNET8_OUTPUT) &&
	     tensor_same(net, c, RESNET8_LOGITS);
	nnmem_net_close(net);
	return ok && session_empty(dev);
}

static int hwm_reset(void)
{
	int fd = open("/sys/class/nnmem/nnmem0/hwm_reset", O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, "1\n", 2);
	close(fd);
	return n == 2 ? 0 : -EIO;
}

/* The device's peaks over a load and a run are the plan's. */
static bool test_hwm(struct nnmem_dev *dev)
{
	struct nnmem_net *net = net_open(0);
	const struct nnmem_net_plan *p;
	struct nnmem_usage u;
	bool ok;

	if (!net)
		return false;
	p = nnmem_net_plan(net);
	ok = hwm_reset() == 0 && net_load(net, dev) &&
	     case_run(net, "gradient") && nnmem_usage(dev, &u) == 0;
	if (ok) {
		diag("USAGE: weight_hwm %" PRIu64 ", activation_hwm %" PRIu64 "; plan: weights %" PRIu64 ", activations %" PRIu64,
		     (uint64_t)u.weight_hwm, (uint64_t)u.activation_hwm,
		     p->weight_bytes, p->activation_bytes);
		ok = u.weight_hwm == p->weight_bytes &&
		     u.activation_hwm == RESNET8_ACT_BOUND &&
		     u.weight_hwm + u.activation_hwm == p->arena_bytes;
	}
	nnmem_net_close(net);
	return ok && session_empty(dev);
}

/* One byte through a pipe: wait for it, or send it. */
static bool turn_wait(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

static bool turn_give(int fd)
{
	return write(fd, "t", 1) == 1;
}

/* Load the device-planned model, then run @rounds times on @c in turns. */
static bool planned_side(struct nnmem_dev *dev, const char *c, int rounds,
			 int in_fd, int out_fd, bool first, uint64_t *scratch)
{
	struct nnmem_net *net = net_open(NNMEM_NET_DEVICE_PLANNED);
	bool ok;
	int i;

	ok = net && net_load(net, dev);
	if (ok)
		*scratch = nnmem_net_plan(net)->device_scratch;
	/* both loaded before anyone runs */
	ok = (first ? turn_give(out_fd) && turn_wait(in_fd) :
		      turn_wait(in_fd) && turn_give(out_fd)) && ok;
	for (i = 0; i < rounds; i++) {
		if (!first && !turn_wait(in_fd))
			ok = false;
		if (ok && (!case_run(net, c) ||
			   !tensor_same(net, c, RESNET8_OUTPUT)))
			ok = false;
		if (!turn_give(out_fd))
			ok = false;
		if (first && !turn_wait(in_fd))
			ok = false;
	}
	nnmem_net_close(net);
	return ok;
}

static bool test_device_planned(void)
{
	struct nnmem_usage u0, u1;
	struct nnmem_dev *dev;
	int to_child[2], to_parent[2], status;
	uint64_t scratch = 0, child_scratch = 0;
	bool ok;
	pid_t pid;

	if (nnmem_open(0, &dev))
		return false;
	if (nnmem_usage(dev, &u0) || pipe(to_child) || pipe(to_parent))
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		struct nnmem_dev *cdev;

		close(to_child[1]);
		close(to_parent[0]);
		if (nnmem_open(0, &cdev))
			_exit(1);
		ok = planned_side(cdev, "lowamp", 3, to_child[0], to_parent[1],
				  false, &child_scratch);
		nnmem_close(cdev);
		_exit(ok ? 0 : 1);
	}
	close(to_child[0]);
	close(to_parent[1]);
	/* the parent's side, with a look at the arena once both are loaded */
	{
		struct nnmem_net *net = net_open(NNMEM_NET_DEVICE_PLANNED);
		int i;

		ok = net && net_load(net, dev);
		if (ok)
			scratch = nnmem_net_plan(net)->device_scratch;
		ok = turn_give(to_child[1]) && turn_wait(to_parent[0]) && ok;
		/*
		 * Both models loaded: two weight regions, two 1-page regions
		 * for inputs and outputs, and one scratch area, not two.
		 */
		ok = ok && nnmem_usage(dev, &u1) == 0;
		if (ok) {
			uint64_t pages = 2 * (uint64_t)sysconf(_SC_PAGESIZE);
			uint64_t act = u1.activation_bytes - u0.activation_bytes;

			diag("device planning: scratch %" PRIu64 " bytes; activation bytes %" PRIu64 " with both loaded (2 I/O pages + one area)",
			     scratch, act);
			/*
			 * Alignment padding of the regions placed below the
			 * area (a page at most, 64 bytes for the area) may
			 * come on top; a second area would add 'scratch'.
			 */
			ok = scratch > 4096 + 64 &&
			     scratch <= RESNET8_ACT_BOUND &&
			     act >= pages + scratch &&
			     act < pages + scratch + 4096 + 64;
		}
		for (i = 0; i < 3; i++) {
			if (ok && (!case_run(net, "gradient") ||
				   !tensor_same(net, "gradient",
						RESNET8_OUTPUT)))
				ok = false;
			if (!turn_give(to_child[1]) ||
			    !turn_wait(to_parent[0]))
				ok = false;
		}
		nnmem_net_close(net);
	}
	close(to_child[1]);
	close(to_parent[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ok = false;
	/* everything given back: the scratch area went with the last graph */
	if (nnmem_usage(dev, &u1) ||
	    u1.activation_bytes != u0.activation_bytes ||
	    u1.weight_bytes != u0.weight_bytes)
		ok = false;
	nnmem_close(dev);
	return ok;
}

/* Run @path with @args; its exit status, or -1. */
static int ctl(const char *path, const char *const *args)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execv(path, (char *const *)args);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Does @path hold the case's output0.bin, TFLM's output? */
static bool same_file(const char *c, const char *path)
{
	size_t a_len, b_len;
	uint8_t *a, *b;
	FILE *f;
	bool ok;

	a = case_file(c, "output0.bin", &a_len);
	f = fopen(path, "rb");
	b = a ? malloc(a_len + 1) : NULL;
	b_len = f && b ? fread(b, 1, a_len + 1, f) : 0;
	if (f)
		fclose(f);
	ok = a && b && b_len == a_len && !memcmp(a, b, a_len);
	if (!ok)
		diag("%s differs from %s's output0.bin", path, c);
	free(a);
	free(b);
	return ok;
}

static bool test_nnmemctl(void)
{
	char in[600];
	const char *plan[] = { "nnmemctl", "plan", model_path, NULL };
	const char *run[] = { "nnmemctl", "run", "--check", "--input", in,
			      "--output", "/tmp/resnet8.out", model_path,
			      NULL };
	const char *example[] = { "run_tflite", model_path, in,
				  "/tmp/resnet8.example.out", NULL };
	bool ok;

	snprintf(in, sizeof(in), "%s/resnet8/lowamp/input0.bin", root);
	ok = ctl("/bin/nnmemctl", plan) == 0 &&
	     ctl("/bin/nnmemctl", run) == 0 &&
	     same_file("lowamp", "/tmp/resnet8.out");
	/* userspace/examples/run_tflite.c, as a user would build it */
	return ctl("/bin/run_tflite", example) == 0 &&
	       same_file("lowamp", "/tmp/resnet8.example.out") && ok;
}

int main(int argc, char **argv)
{
	struct nnmem_dev *dev = NULL;
	int best = nt_best_path();
	size_t i;
	int ret;

	root = argc > 1 ? argv[1] : getenv("NNMEM_MODELS");
	if (!root || !*root)
		root = NNMEM_MODELS_DEFAULT;
	snprintf(model_path, sizeof(model_path), "%s/resnet8/resnet8.tflite",
		 root);
	printf("TAP version 13\n");
	printf("1..%zu\n", 4 + 4 * sizeof(cases) / sizeof(cases[0]));
	diag("models: %s; best kernel path of this CPU: %d", root, best);

	tap_result(test_plan(), "model: resnet8 plan: %d activation bytes (the bound), plain sum %d",
		   RESNET8_ACT_BOUND, RESNET8_PLAIN_SUM);
	ret = nnmem_open(0, &dev);
	if (ret)
		diag("/dev/nnmem0: %s", strerror(-ret));
	/* Every case fails without a device: none is skipped as a pass. */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_result(dev && test_path(dev, cases[i], -1, best),
			   "model: resnet8/%s (device, best path %d: every tensor bit-exact with TFLM, path counters)",
			   cases[i], best);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_result(dev && test_path(dev, cases[i],
					    NNMEM_PATH_REFERENCE,
					    NNMEM_PATH_REFERENCE),
			   "model: resnet8/%s (device, fast_path=0: every tensor bit-exact with TFLM on the reference kernels)",
			   cases[i]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_result(dev && test_planned(dev, cases[i]),
			   "model: resnet8/%s planned (device: output and logits as TFLM's, as the host's)",
			   cases[i]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_result(dev && test_host_segments(dev, cases[i]),
			   "model: resnet8/%s with ADD, AVERAGE_POOL_2D, SOFTMAX on the host between device segments (output and logits as TFLM's)",
			   cases[i]);
	tap_result(dev && test_hwm(dev),
		   "model: resnet8 device high-water marks after hwm_reset, load and run equal the plan");
	if (dev)
		nnmem_close(dev);
	tap_result(test_device_planned(),
		   "model: resnet8 device-planned in two processes, run in turns: outputs as TFLM's, one shared scratch area");
	tap_result(test_nnmemctl(),
		   "model: nnmemctl plan, run --check and examples/run_tflite on resnet8.tflite (output as TFLM's)");
	printf("# %d passed, %d failed\n", tap_num - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
