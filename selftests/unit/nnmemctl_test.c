// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl and its JSON loader without a device:
 *
 * - the loader's messages: a table of bad graph files, each with the
 *   message (and, for syntax errors, the line and column, counted by hand)
 *   it must give;
 * - "nnmemctl check" and "nnmemctl run --host": exit statuses, messages,
 *   and outputs: every shared/testdata case (TFLite's expected outputs,
 *   an independent oracle) run through a graph file, and the residual
 *   block example against the SHA-256 of its output recorded in
 *   userspace/examples/residual_block.sha256, also planned (run --plan,
 *   nnmem_model_plan(): lifetimes derived by hand) as the demo runs it;
 * - the demo's SHA-256 against FIPS 180-2's examples and sha256sum(1);
 * - the SVG arena map rendered from fixed snapshots, parsed back: every
 *   text inside its box and inside the picture, the title included;
 * - "nnmemctl --help" and "nnmemctl CMD --help" against the man page: the
 *   same commands, options and exit statuses.
 *
 * Usage: nnmemctl_test NNMEMCTL MANPAGE EXAMPLES_DIR TESTDATA_DIR
 * (the Makefile passes them). TAP 13 on stdout.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include <nnmem/model.h>

#include "map.h"
#include "plan_chart.h"
#include "sha256.h"

extern char **environ;

static const char *ctl_path, *man_path, *examples_dir, *testdata_dir;
static char tmp_dir[] = "/tmp/nnmemctl-test-XXXXXX";

/* ------------------------------------------------------------------ TAP */

static int tap_num, tap_failed;

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void tap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	tap_num++;
	if (!ok)
		tap_failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", tap_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		diag("%s:%d: check failed: %s", __FILE__, __LINE__,	\
		     #cond);						\
		return false;						\
	}								\
} while (0)

/* ------------------------------------------------------------ helpers */

static char *file_read(const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	do {
		if (cap - len < 4097) {
			char *b = realloc(buf, cap = cap ? 2 * cap : 8192);

			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

static bool file_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return false;
	ok = fwrite(data, 1, len, f) == len;
	return !fclose(f) && ok;
}

/* A file in the scratch directory. */
static const char *tmp_path(const char *name)
{
	static char path[8][512];
	static int k;

	k = (k + 1) % 8;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tmp_dir, name);
	return path[k];
}

struct ctl_result {
	int status;	/* exit status; -1 if it did not exit */
	char *out;
	char *err;
};

static void ctl_result_free(struct ctl_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/*
 * Run nnmemctl with @args (NULL-terminated), stdout and stderr to files.
 * A sanitizer report makes it fail whatever the exit status.
 */
static bool ctl_run(struct ctl_result *r, const char *const *args)
{
	static char outp[512], errp[512];
	posix_spawn_file_actions_t fa;
	char *argv[16];
	size_t i, n = 0;
	pid_t pid;
	int ws;

	memset(r, 0, sizeof(*r));
	snprintf(outp, sizeof(outp), "%s/ctl.out", tmp_dir);
	snprintf(errp, sizeof(errp), "%s/ctl.err", tmp_dir);
	argv[n++] = (char *)ctl_path;
	for (i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, outp,
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, errp,
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (posix_spawn(&pid, ctl_path, &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		diag("cannot run %s", ctl_path);
		return false;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &ws, 0) != pid)
		return false;
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	r->out = file_read(outp, NULL);
	r->err = file_read(errp, NULL);
	if (!r->out || !r->err)
		return false;
	if (strstr(r->err, "Sanitizer") || strstr(r->err, "runtime error")) {
		diag("sanitizer report from nnmemctl:\n%s", r->err);
		return false;
	}
	return true;
}

/* Run, and check the exit status and that stderr has @err_has (if set). */
static bool ctl_expect(const char *const *args, int status,
		       const char *err_has, struct ctl_result *keep)
{
	struct ctl_result r;
	bool ok;
	size_t i;

	if (!ctl_run(&r, args)) {
		ctl_result_free(&r);
		return false;
	}
	ok = r.status == status && (!err_has || strstr(r.err, err_has));
	if (!ok) {
		printf("# nnmemctl");
		for (i = 0; args[i]; i++)
			printf(" %s", args[i]);
		printf("\n# exit status %d, expected %d\n", r.status, status);
		if (err_has)
			diag("stderr should contain: %s", err_has);
		diag("stdout: %s", r.out);
		diag("stderr: %s", r.err);
	}
	if (keep)
		*keep = r;
	else
		ctl_result_free(&r);
	return ok;
}

/* -------------------------------------------------- the loader's messages */

struct bad_model {
	const char *name;
	const char *json;
	const char *msg[3];	/* substrings the message must contain */
};

/* A region and a tensor, for the cases that need something to point at. */
#define J_REGIONS	"\"regions\": [{\"name\": \"w\", \"kind\": \"weight\"}, " \
		"{\"name\": \"a\", \"kind\": \"activation\"}]"
#define J_ACT	"\"regions\": [{\"name\": \"a\", \"kind\": \"activation\"}]"
#define T_X	"{\"name\": \"x\", \"region\": \"a\", \"type\": \"int8\", " \
		"\"shape\": [1, 4, 4, 1]}"
#define T_F	"{\"name\": \"f\", \"region\": \"w\", \"type\": \"int8\", " \
		"\"shape\": [1, 3, 3, 1]}"
#define T_M	"{\"name\": \"m\", \"region\": \"w\", \"type\": \"int32\", " \
		"\"shape\": [1], \"offset\": 12}"
#define T_S	"{\"name\": \"s\", \"region\": \"w\", \"type\": \"int32\", " \
		"\"shape\": [1], \"offset\": 16}"
#define T_Y	"{\"name\": \"y\", \"region\": \"a\", \"type\": \"int8\", " \
		"\"shape\": [1, 4, 4, 1], \"offset\": 16}"
#define TENSORS	"\"tensors\": [" T_X ", " T_F ", " T_M ", " T_S ", " T_Y "]"
#define CONV(extra) \
	"{\"op\": \"conv2d\", \"name\": \"conv0\", \"input\": \"x\", " \
	"\"filter\": \"f\", \"multiplier\": \"m\", \"shift\": \"s\", " \
	"\"output\": \"y\"" extra "}"
#define MODEL(nodes) "{" J_REGIONS ", " TENSORS ", \"nodes\": [" nodes "]}"

static const struct bad_model bad_models[] = {
	/* syntax errors: line and column counted by hand */
	{ "syntax: double comma",
	  "{\n  \"regions\": [\n    {\"name\": \"w\",, \"kind\": \"weight\"}\n",
	  { "line 3, column 18: JSON syntax error at ','" } },
	{ "syntax: trailing comma",
	  "{\"regions\": [],}", { "line 1, column 16: JSON syntax error at '}'" } },
	{ "syntax: unterminated",
	  "{\n\"regions\": [\n", { "line 3, column 1: JSON syntax error",
				  "unexpected end of data" } },
	{ "syntax: missing colon",
	  "{\n\t\"regions\" []\n}", { "line 2, column 12: JSON syntax error at '['",
				    "':' expected" } },
	{ "syntax: a comment",
	  "// graph\n{}", { "line 1, column 1: JSON syntax error at '/'" } },
	{ "syntax: text after the object",
	  "{\"regions\": []}\n\nnodes", { "line 3, column 1: JSON syntax error at 'n'" } },
	{ "top level is an array",
	  "[1, 2]", { "top level must be an object, got [1,2]" } },
	{ "unknown top-level key, close to one",
	  "{\"region\": []}",
	  { "top level: unknown key \"region\" (did you mean \"regions\"?)" } },
	{ "missing regions",
	  "{\"tensors\": []}", { "top level: missing \"regions\"" } },
	{ "region: unknown key, far from any",
	  "{\"regions\": [{\"name\": \"w\", \"kind\": \"weight\", \"zzzzzz\": 1}]}",
	  { "region \"w\": unknown key \"zzzzzz\" (known keys: \"name\", \"kind\"" } },
	{ "region: no name",
	  "{\"regions\": [{\"name\": \"w\", \"kind\": \"weight\"}, {\"kind\": \"weight\"}]}",
	  { "regions[1]: missing \"name\"" } },
	{ "region: bad kind",
	  "{\"regions\": [{\"name\": \"w\", \"kind\": \"weigth\"}]}",
	  { "region \"w\": \"kind\" must be \"weight\" or \"activation\", got \"weigth\"" } },
	{ "region: duplicate name",
	  "{\"regions\": [{\"name\": \"w\", \"kind\": \"weight\"}, {\"name\": \"w\", \"kind\": \"weight\"}]}",
	  { "regions[1]: duplicate name \"w\" (also regions[0])" } },
	{ "region: size not a number",
	  "{\"regions\": [{\"name\": \"w\", \"kind\": \"weight\", \"size\": \"big\"}]}",
	  { "region \"w\": \"size\" must be a byte count or \"auto\", got \"big\"" } },
	{ "region: mappable not a boolean",
	  "{\"regions\": [{\"name\": \"w\", \"kind\": \"weight\", \"mappable\": \"yes\"}]}",
	  { "region \"w\": \"mappable\" must be true or false, got \"yes\"" } },
	{ "tensor: unknown region",
	  "{" J_REGIONS ", \"tensors\": [{\"name\": \"x\", \"region\": \"nope\", \"type\": \"int8\", \"shape\": [1]}]}",
	  { "tensor \"x\": \"region\": no region named \"nope\"" } },
	{ "tensor: bad type",
	  "{" J_REGIONS ", \"tensors\": [{\"name\": \"x\", \"region\": \"a\", \"type\": \"int16\", \"shape\": [1]}]}",
	  { "tensor \"x\": \"type\" must be \"int8\" or \"int32\", got \"int16\"" } },
	{ "tensor: a zero dim",
	  "{" J_REGIONS ", \"tensors\": [{\"name\": \"x\", \"region\": \"a\", \"type\": \"int8\", \"shape\": [1, 4, 0, 1]}]}",
	  { "tensor \"x\": \"shape\"[2] is 0, out of range [1, 4294967295]" } },
	{ "tensor: five dims",
	  "{" J_REGIONS ", \"tensors\": [{\"name\": \"x\", \"region\": \"a\", \"type\": \"int8\", \"shape\": [1, 1, 1, 1, 1]}]}",
	  { "tensor \"x\": \"shape\" must have 1 to 4 dims, got [1,1,1,1,1]" } },
	{ "tensor: unknown key, close to one",
	  "{" J_REGIONS ", \"tensors\": [{\"name\": \"x\", \"region\": \"a\", \"type\": \"int8\", \"shape\": [1], \"ofset\": 4}]}",
	  { "tensor \"x\": unknown key \"ofset\" (did you mean \"offset\"?)" } },
	{ "tensor: duplicate name",
	  "{" J_REGIONS ", \"tensors\": [" T_X ", " T_X "]}",
	  { "tensors[1]: duplicate name \"x\" (also tensors[0])" } },
	{ "tensor: data out of range",
	  "{" J_ACT ", \"tensors\": [{\"name\": \"b\", \"region\": \"a\", \"type\": \"int8\", \"shape\": [2], \"data\": [1, 200]}], \"nodes\": []}",
	  { "tensor \"b\": \"data\"[1] is 200, out of range [-128, 127]" } },
	{ "tensor: data count",
	  "{" J_ACT ", \"tensors\": [{\"name\": \"b\", \"region\": \"a\", \"type\": \"int32\", \"shape\": [3], \"data\": [1, 2]}], \"nodes\": []}",
	  { "tensor \"b\": \"data\" must be an array of 3 int32 values" } },
	{ "tensor: file and fill",
	  "{" J_REGIONS ", \"tensors\": [{\"name\": \"b\", \"region\": \"a\", \"type\": \"int8\", \"shape\": [2], \"file\": \"b.bin\", \"fill\": {\"const\": 1}}]}",
	  { "tensor \"b\": \"file\", \"fill\" and \"data\" exclude each other" } },
	{ "tensor: fill with lcg and const",
	  "{" J_ACT ", \"tensors\": [{\"name\": \"b\", \"region\": \"a\", \"type\": \"int8\", \"shape\": [2], \"fill\": {\"lcg\": 1, \"const\": 2}}], \"nodes\": []}",
	  { "tensor \"b\" \"fill\": unknown key \"const\"" } },
	{ "tensor: fill min above max",
	  "{" J_ACT ", \"tensors\": [{\"name\": \"b\", \"region\": \"a\", \"type\": \"int8\", \"shape\": [2], \"fill\": {\"lcg\": 1, \"min\": 5, \"max\": -5}}], \"nodes\": []}",
	  { "tensor \"b\" \"fill\": \"min\" 5 is above \"max\" -5" } },
	{ "tensor: past an explicit region size",
	  "{\"regions\": [{\"name\": \"a\", \"kind\": \"activation\", \"size\": 16}], \"tensors\": [{\"name\": \"x\", \"region\": \"a\", \"type\": \"int32\", \"shape\": [4], \"offset\": 4}]}",
	  { "tensor \"x\": offset 4 + 16 bytes ends at 20, past the end of region \"a\" (16 bytes)" } },
	{ "tensor: missing file",
	  "{" J_ACT ", \"tensors\": [{\"name\": \"b\", \"region\": \"a\", \"type\": \"int8\", \"shape\": [2], \"file\": \"nope.bin\"}], \"nodes\": []}",
	  { "tensor \"b\": \"file\": ", "nope.bin: No such file or directory" } },
	{ "node: unknown key, close to one",
	  MODEL(CONV(", \"strid\": 2")),
	  { "node \"conv0\": unknown key \"strid\" (did you mean \"stride\"?)" } },
	{ "node: stride is a string",
	  MODEL(CONV(", \"stride\": \"2\"")),
	  { "node \"conv0\": \"stride\" must be N or [H, W], got \"2\"" } },
	{ "node: dilation element negative",
	  MODEL(CONV(", \"dilation\": [1, -1]")),
	  { "node \"conv0\": \"dilation\"[1] is -1, out of range [0, 4294967295]" } },
	{ "node: padding misspelt",
	  MODEL(CONV(", \"padding\": \"SAMEE\"")),
	  { "node \"conv0\": \"padding\" must be \"SAME\", \"VALID\" or", "got \"SAMEE\"" } },
	{ "node: explicit padding key misspelt",
	  MODEL(CONV(", \"padding\": {\"top\": 1, \"bottom\": 1, \"left\": 1, \"rigth\": 1}")),
	  { "node \"conv0\" \"padding\": unknown key \"rigth\" (did you mean \"right\"?)" } },
	{ "node: groups negative",
	  MODEL(CONV(", \"groups\": -1")),
	  { "node \"conv0\": \"groups\" is -1, out of range [0, 4294967295]" } },
	{ "node: groups a float",
	  MODEL(CONV(", \"groups\": 1.5")),
	  { "node \"conv0\": \"groups\" must be an integer, got 1.5" } },
	{ "node: unknown op",
	  MODEL("{\"op\": \"conv\", \"name\": \"conv0\"}"),
	  { "node \"conv0\": \"op\" must be \"conv2d\" or \"add\", got \"conv\"" } },
	{ "node: no name, no op",
	  MODEL(CONV("") ", {\"input\": \"x\"}"),
	  { "nodes[1]: missing \"op\"" } },
	{ "node: unknown input tensor",
	  MODEL("{\"op\": \"conv2d\", \"name\": \"conv0\", \"input\": \"q\"}"),
	  { "node \"conv0\": \"input\": no tensor named \"q\"" } },
	{ "node: input not a string",
	  MODEL("{\"op\": \"conv2d\", \"name\": \"conv0\", \"input\": 3}"),
	  { "node \"conv0\": \"input\" must be a tensor's name, got 3" } },
	{ "node: add misses a multiplier",
	  MODEL("{\"op\": \"add\", \"name\": \"add0\", \"input1\": \"x\", \"input2\": \"x\", \"output\": \"y\", \"input1_shift\": 0}"),
	  { "node \"add0\": missing \"input1_multiplier\"" } },
	{ "node: duplicate name",
	  MODEL(CONV("") ", " CONV("")),
	  { "nodes[1]: duplicate name \"conv0\" (also nodes[0])" } },
	{ "output: a path",
	  "{" J_REGIONS ", " TENSORS ", \"nodes\": [], \"outputs\": [{\"tensor\": \"y\", \"file\": \"../y.bin\"}]}",
	  { "outputs[0]: \"file\" must be a plain file name (no '/'), got \"../y.bin\"" } },
	{ "output: unknown tensor",
	  "{" J_REGIONS ", " TENSORS ", \"nodes\": [], \"outputs\": [{\"tensor\": \"z\", \"file\": \"z.bin\"}]}",
	  { "outputs[0]: \"tensor\": no tensor named \"z\"" } },
	{ "output: the same file twice",
	  "{" J_REGIONS ", " TENSORS ", \"nodes\": [], \"outputs\": [{\"tensor\": \"y\", \"file\": \"y.bin\"}, {\"tensor\": \"x\", \"file\": \"y.bin\"}]}",
	  { "outputs[1]: \"file\" \"y.bin\" is also outputs[0]'s" } },
};

static bool test_bad_model(const struct bad_model *b)
{
	struct nnmem_model *m = NULL;
	char msg[512];
	int err, i;

	err = nnmem_model_parse(b->json, tmp_dir, &m, msg, sizeof(msg));
	if (!err) {
		diag("accepted");
		nnmem_model_free(m);
		return false;
	}
	for (i = 0; i < 3 && b->msg[i]; i++) {
		if (!strstr(msg, b->msg[i])) {
			diag("message: %s", msg);
			diag("expected in it: %s", b->msg[i]);
			return false;
		}
	}
	CHECK(err == -EINVAL || err == -ENOENT);
	return true;
}

/* The example parses, with what the file says. */
static bool test_example_parses(void)
{
	char path[512], msg[512];
	struct nnmem_model *m;

	snprintf(path, sizeof(path), "%s/residual_block.json", examples_dir);
	if (nnmem_model_load(path, &m, msg, sizeof(msg))) {
		diag("%s: %s", path, msg);
		return false;
	}
	CHECK(m->region_count == 12 && m->tensor_count == 12 &&
	      m->node_count == 3 && m->output_count == 1);
	CHECK(!strcmp(m->node_names[2], "add"));
	CHECK(!strcmp(m->mtensors[m->outputs[0].tensor].name, "add_out"));
	/* 1x16x16x16 int8 */
	CHECK(m->mtensors[m->outputs[0].tensor].bytes == 4096);
	nnmem_model_free(m);
	return true;
}

/* A NUL byte in the file: named with its line and column. */
static bool test_nul_byte(void)
{
	static const char text[] = "{\n  \"regions\": [\0]}";
	struct nnmem_model *m = NULL;
	char msg[256];

	CHECK(file_write(tmp_path("nul.json"), text, sizeof(text) - 1));
	CHECK(nnmem_model_load(tmp_path("nul.json"), &m, msg, sizeof(msg)) ==
	      -EINVAL);
	if (!strstr(msg, "line 2, column 15: NUL byte")) {
		diag("message: %s", msg);
		return false;
	}
	return true;
}

/* "file" data: read relative to the JSON, and the size must match. */
static bool test_file_size(void)
{
	static const char json[] =
		"{\"regions\": [{\"name\": \"a\", \"kind\": \"activation\"}],"
		" \"tensors\": [{\"name\": \"x\", \"region\": \"a\", \"type\": \"int32\","
		" \"shape\": [2], \"file\": \"x.bin\"}], \"nodes\": []}";
	static const uint8_t three[3] = { 1, 2, 3 };
	static const uint8_t eight[8] = { 1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff };
	struct nnmem_model *m = NULL;
	char msg[512];

	CHECK(file_write(tmp_path("x.json"), json, strlen(json)));
	CHECK(file_write(tmp_path("x.bin"), three, sizeof(three)));
	CHECK(nnmem_model_load(tmp_path("x.json"), &m, msg, sizeof(msg)) ==
	      -EINVAL);
	if (!strstr(msg, "tensor \"x\": \"file\": ") ||
	    !strstr(msg, "x.bin has 3 bytes, the tensor has 8")) {
		diag("message: %s", msg);
		return false;
	}
	CHECK(file_write(tmp_path("x.bin"), eight, sizeof(eight)));
	if (nnmem_model_load(tmp_path("x.json"), &m, msg, sizeof(msg))) {
		diag("message: %s", msg);
		return false;
	}
	CHECK(m->regions[0].size == 8);
	CHECK(!memcmp(m->regions[0].image, eight, sizeof(eight)));
	nnmem_model_free(m);
	return true;
}

/* ------------------------------------------------------ check, run --host */

static const char *example(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/residual_block.json", examples_dir);
	return path;
}

static bool test_check_example(void)
{
	const char *args[] = { "check", example(), NULL };
	struct ctl_result r;

	CHECK(ctl_expect(args, 0, NULL, &r));
	CHECK(strstr(r.out, "ok: 12 regions, 12 tensors, 3 nodes"));
	ctl_result_free(&r);
	return true;
}

/* A bad file gives status 1 and the loader's message, for check and run. */
static bool test_check_bad_files(void)
{
	static const char syntax[] = "{\n  \"regions\": [,]\n}\n";
	static const char unknown[] = MODEL(CONV(", \"strid\": 2"));
	const char *syn = tmp_path("syntax.json"), *unk = tmp_path("unknown.json");
	const char *a1[] = { "check", syn, NULL };
	const char *a2[] = { "check", unk, NULL };
	const char *a3[] = { "run", unk, NULL };
	const char *a4[] = { "-d", "99", "run", syn, NULL };
	const char *a5[] = { "run", "--host", unk, NULL };
	const char *a6[] = { "check", tmp_path("does-not-exist.json"), NULL };

	CHECK(file_write(syn, syntax, strlen(syntax)));
	CHECK(file_write(unk, unknown, strlen(unknown)));
	CHECK(ctl_expect(a1, 1, "syntax.json: line 2, column 15: JSON syntax error at ','", NULL));
	CHECK(ctl_expect(a2, 1, "unknown.json: node \"conv0\": unknown key \"strid\" (did you mean \"stride\"?)", NULL));
	/* the file is read before the device is opened */
	CHECK(ctl_expect(a3, 1, "unknown key \"strid\"", NULL));
	CHECK(ctl_expect(a4, 1, "JSON syntax error", NULL));
	CHECK(ctl_expect(a5, 1, "unknown key \"strid\"", NULL));
	CHECK(ctl_expect(a6, 1, "No such file or directory", NULL));
	return true;
}

/*
 * The validator's verdicts: status 1 from check, run and run --host (no
 * device needed: the graph is checked first), with the reason's text and
 * number and the node and tensor by their names in the file.
 */
static bool test_check_rejects(void)
{
	static const struct {
		const char *json;
		uint32_t reason;
		const char *node, *tensor;
	} cases[] = {
		{ MODEL(CONV("")), NNMEM_GERR_NODE_SHAPE,
		  "node \"conv0\" (nodes[0]): conv2d input \"x\" [1,4,4,1], filter \"f\" [1,3,3,1], bias none, output \"y\" [1,4,4,1]",
		  "tensor \"y\" (tensors[4]): int8 [1,4,4,1], 16 bytes at offset 16 of region \"a\"" },
		{ MODEL(CONV(", \"padding\": {\"top\": 3, \"bottom\": 3, \"left\": 1, \"right\": 1}")),
		  NNMEM_GERR_NODE_PADDING,
		  "padding top 3 bottom 3 left 1 right 1", NULL },
		{ MODEL(CONV(", \"padding\": \"SAME\", \"groups\": 2")),
		  NNMEM_GERR_NODE_GROUPS, "groups 2", NULL },
		{ "{" J_REGIONS ", \"tensors\": [" T_X ", {\"name\": \"f\", \"region\": \"a\", \"type\": \"int8\", \"shape\": [1, 3, 3, 1], \"offset\": 32}, " T_M ", " T_S ", " T_Y "], \"nodes\": [" CONV(", \"padding\": \"SAME\"") "]}",
		  NNMEM_GERR_TENSOR_KIND, "node \"conv0\"",
		  "tensor \"f\" (tensors[1]): int8 [1,3,3,1], 9 bytes at offset 32 of region \"a\" (activation" },
	};
	static const char valid[] = MODEL(CONV(", \"padding\": \"SAME\""));
	const char *g = tmp_path("rejected.json");
	const char *check[] = { "check", g, NULL };
	const char *run[] = { "-d", "99", "run", g, NULL };
	const char *host[] = { "run", "--host", "--out", tmp_dir, g, NULL };
	char reason[160];
	struct ctl_result r;
	size_t i;

	/* the same graph with SAME padding is valid */
	CHECK(file_write(g, valid, strlen(valid)));
	CHECK(ctl_expect(check, 0, NULL, NULL));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(file_write(g, cases[i].json, strlen(cases[i].json)));
		snprintf(reason, sizeof(reason), "rejected.json: graph rejected: %s (reason %u)",
			 nnmem_graph_strerror(cases[i].reason), cases[i].reason);
		CHECK(ctl_expect(check, 1, reason, &r));
		if (!strstr(r.err, cases[i].node) ||
		    (cases[i].tensor && !strstr(r.err, cases[i].tensor))) {
			diag("stderr: %s", r.err);
			diag("expected: %s / %s", cases[i].node,
			     cases[i].tensor ? cases[i].tensor : "-");
			ctl_result_free(&r);
			return false;
		}
		ctl_result_free(&r);
		CHECK(ctl_expect(run, 1, reason, NULL));
		CHECK(ctl_expect(host, 1, reason, NULL));
	}
	return true;
}

/* Usage errors: status 2, saying what is wrong, not the whole usage. */
static bool test_usage_errors(void)
{
	static const struct {
		const char *args[6];
		const char *err;
	} cases[] = {
		{ { "run", NULL }, "nnmemctl: run: missing GRAPH.json" },
		{ { "run", "--out", NULL }, "nnmemctl: run: option --out needs an argument" },
		{ { "run", "a.json", "b.json", NULL }, "run: unexpected argument 'b.json'" },
		{ { "run", "--host", "--check", "a.json", NULL }, "drop --host or --check" },
		{ { "-d", "1", "run", "--host", "a.json", NULL }, "--host uses no device" },
		{ { "check", NULL }, "nnmemctl: check: missing GRAPH.json" },
		{ { "-d", "1", "check", "a.json", NULL }, "check: -d does not apply" },
		{ { "-d", "1", "status", NULL }, "status: -d does not apply" },
		{ { "map", "--bogus", NULL }, "map: unknown option --bogus" },
		{ { "info", "extra", NULL }, "info: unexpected argument 'extra'" },
		{ { "-d", "x", "info", NULL }, "bad device index 'x'" },
		{ { "frobnicate", NULL }, "unknown command 'frobnicate'" },
		{ { NULL }, "missing COMMAND" },
	};
	struct ctl_result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(ctl_expect(cases[i].args, 2, cases[i].err, &r));
		/* a command's error shows its own usage line, not all */
		if (cases[i].args[0] && strcmp(cases[i].args[0], "frobnicate") &&
		    strstr(r.err, "Commands:")) {
			diag("printed the whole usage: %s", r.err);
			ctl_result_free(&r);
			return false;
		}
		ctl_result_free(&r);
	}
	return true;
}

/* No /dev/nnmemN: status 4 and which module to load; -d before map works. */
static bool test_no_device(void)
{
	const char *a1[] = { "-d", "99", "run", example(), NULL };
	const char *a2[] = { "-d", "99", "info", NULL };
	const char *a3[] = { "demo", "-d", "99", NULL };
	const char *a4[] = { "-d", "99", "map", NULL };
	struct ctl_result r;

	if (!access("/dev/nnmem99", F_OK)) {
		diag("/dev/nnmem99 exists");
		return false;
	}
	CHECK(ctl_expect(a1, 4, "no /dev/nnmem99: ", NULL));
	CHECK(ctl_expect(a2, 4, "no /dev/nnmem99: ", NULL));
	CHECK(ctl_expect(a3, 4, "no /dev/nnmem99: ", NULL));
	/* without the module: no netlink family; with it: no nnmem99 */
	CHECK(ctl_run(&r, a4));
	if (r.status != 4 || (!strstr(r.err, "load the module") &&
			      !strstr(r.err, "no device nnmem99"))) {
		diag("map: status %d: %s", r.status, r.err);
		ctl_result_free(&r);
		return false;
	}
	ctl_result_free(&r);
	if (access("/sys/module/nnmem", F_OK)) {
		CHECK(ctl_expect(a1, 4, "load the module (modprobe nnmem / insmod nnmem.ko)", NULL));
	}
	return true;
}

/*
 * run --host of the example: its output file has the SHA-256 recorded
 * beside it (from the userspace reference before the executor was shared,
 * and the device's output in the VM suites).
 */
static bool test_run_host_example(void)
{
	const char *out = tmp_path("example-out");
	const char *args[] = { "run", "--host", "--out", out, example(), NULL };
	const char *bad[] = { "run", "--host", "--out", tmp_path("no/such/dir"),
			      example(), NULL };
	char cmd[1024], want[80], *sums;
	struct ctl_result r;
	FILE *p;

	CHECK(!mkdir(out, 0755) || errno == EEXIST);
	CHECK(ctl_expect(args, 0, NULL, &r));
	CHECK(strstr(r.out, "add_out.bin (add_out, 4096 bytes)"));
	ctl_result_free(&r);

	snprintf(cmd, sizeof(cmd), "%s/residual_block.sha256", examples_dir);
	sums = file_read(cmd, NULL);
	CHECK(sums && sscanf(sums, "%64s", want) == 1 && strlen(want) == 64);
	CHECK(strstr(sums, " add_out.bin"));
	free(sums);
	snprintf(cmd, sizeof(cmd), "cd '%s' && sha256sum -c '%s/residual_block.sha256'",
		 out, examples_dir);
	p = popen(cmd, "r");
	CHECK(p);
	while (fgets(cmd, sizeof(cmd), p))
		diag("%s", strtok(cmd, "\n"));
	CHECK(pclose(p) == 0);

	/* an output that cannot be written: another failure */
	CHECK(ctl_expect(bad, 5, "no/such/dir/add_out.bin", NULL));
	return true;
}

/* ------------------------------------------------ planned layout (--plan) */

/*
 * The residual block's lifetimes, derived by hand from the JSON: nodes
 * conv0 (step 0), conv1 (1), add (2). "input" is written by no node (a
 * graph input: from step 0) and read last by add; conv0_out is written by
 * conv0 and read by conv1; conv1_out written by conv1, read by add;
 * add_out written by add and read by none (a graph output: to the last
 * step). Each is int8 1x16x16x16, 4096 bytes.
 */
static const struct {
	const char *name;
	uint32_t first, last;
} example_lifetimes[] = {
	{ "input", 0, 2 },
	{ "conv0_out", 0, 1 },
	{ "conv1_out", 1, 2 },
	{ "add_out", 2, 2 },
};

/*
 * nnmem_model_plan() of the example: the lifetimes above; live at step 0
 * are input and conv0_out (8192 bytes), at step 1 all but add_out (12288),
 * at step 2 all but conv0_out (12288): the bound is 12288, and the plan
 * reaches it (conv0_out and add_out share bytes) against 16384 in the
 * file's four regions. Tensors whose lifetimes meet share no byte, the
 * input's data moved along, the validator accepts it, a second call is
 * refused.
 */
static bool test_example_plan(void)
{
	struct nnmem_model *m = NULL, *orig = NULL;
	const struct nnmem_model_plan *p;
	struct nnmem_graph_error ge;
	uint32_t off[4], i, j, r;
	char msg[512];
	int t, in0;

	CHECK(!nnmem_model_load(example(), &m, msg, sizeof(msg)));
	CHECK(!nnmem_model_load(example(), &orig, msg, sizeof(msg)));
	if (nnmem_model_plan(m, msg, sizeof(msg))) {
		diag("plan: %s", msg);
		return false;
	}
	p = m->plan;
	CHECK(p && p->steps == 3 && p->buf_count == 4);
	CHECK(p->bound == 12288);
	CHECK(p->activation_bytes == 12288);
	CHECK(p->unplanned_bytes == 16384 && p->unplanned_regions == 4);
	/* 8 weight regions as they were, then the one activation region */
	CHECK(m->region_count == 9 && p->region == 8);
	CHECK(!strcmp(m->regions[8].name, "activations"));
	CHECK(m->regions[8].kind == NNMEM_KIND_ACTIVATION);
	CHECK(m->regions[8].size == 12288);
	for (r = 0; r < 8; r++)
		CHECK(!strcmp(m->regions[r].name, orig->regions[r].name) &&
		      m->regions[r].size == orig->regions[r].size);
	for (i = 0; i < 4; i++) {
		const struct nnmem_model_plan_buf *b = &p->bufs[i];

		t = nnmem_model_tensor_find(m, example_lifetimes[i].name);
		CHECK(t >= 0 && b->tensor == (uint32_t)t);
		if (b->first != example_lifetimes[i].first ||
		    b->last != example_lifetimes[i].last) {
			diag("%s: live [%u, %u], expected [%u, %u]",
			     example_lifetimes[i].name, b->first, b->last,
			     example_lifetimes[i].first,
			     example_lifetimes[i].last);
			return false;
		}
		CHECK(b->bytes == 4096 && m->mtensors[t].region == 8);
		CHECK(m->tensors[t].offset == b->offset);
		CHECK(b->offset % 16 == 0 && b->offset + 4096 <= 12288);
		off[i] = (uint32_t)b->offset;
	}
	/* pairs whose hand-derived lifetimes meet share no byte */
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			if (example_lifetimes[i].first <= example_lifetimes[j].last &&
			    example_lifetimes[j].first <= example_lifetimes[i].last)
				CHECK(off[i] + 4096 <= off[j] ||
				      off[j] + 4096 <= off[i]);
	/* only conv0_out [0, 1] and add_out [2, 2] may share: they must */
	CHECK(off[1] == off[3]);
	/* the input's LCG fill moved along; the weights did not change */
	t = nnmem_model_tensor_find(m, "input");
	in0 = nnmem_model_tensor_find(orig, "input");
	CHECK(!memcmp(m->regions[8].image + off[0],
		      orig->regions[orig->mtensors[in0].region].image +
		      orig->tensors[in0].offset, 4096));
	for (r = 0; r < 8; r++)
		CHECK(!memcmp(m->regions[r].image, orig->regions[r].image,
			      m->regions[r].size));
	memset(&ge, 0, sizeof(ge));
	CHECK(nnmem_model_check(m, &ge) == 0);
	CHECK(nnmem_model_plan(m, msg, sizeof(msg)) == -EBUSY);
	CHECK(strstr(msg, "already planned"));
	nnmem_model_free(m);

	/* an unknown op is named */
	orig->nodes[1].op = 99;
	CHECK(nnmem_model_plan(orig, msg, sizeof(msg)) == -EINVAL);
	if (!strstr(msg, "node \"conv1\": unknown op 99")) {
		diag("message: %s", msg);
		return false;
	}
	CHECK(!orig->plan && orig->region_count == 12);
	nnmem_model_free(orig);
	return true;
}

/*
 * run --host --plan of the example: the plan's numbers and the same
 * output bytes, the SHA-256 recorded in userspace/examples.
 */
static bool test_run_host_plan(void)
{
	const char *out = tmp_path("plan-out");
	const char *args[] = { "run", "--host", "--plan", "--out", out,
			       example(), NULL };
	char cmd[1024];
	struct ctl_result r;
	FILE *p;

	CHECK(!mkdir(out, 0755) || errno == EEXIST);
	CHECK(ctl_expect(args, 0, NULL, &r));
	if (!strstr(r.out, "4 tensors in one region of 12288 bytes instead of 4 regions of 16384 bytes") ||
	    !strstr(r.out, "the liveness lower bound is 12288 bytes") ||
	    !strstr(r.out, "add_out.bin (add_out, 4096 bytes)")) {
		diag("stdout: %s", r.out);
		ctl_result_free(&r);
		return false;
	}
	ctl_result_free(&r);
	snprintf(cmd, sizeof(cmd), "cd '%s' && sha256sum -c '%s/residual_block.sha256'",
		 out, examples_dir);
	p = popen(cmd, "r");
	CHECK(p);
	while (fgets(cmd, sizeof(cmd), p))
		diag("%s", strtok(cmd, "\n"));
	CHECK(pclose(p) == 0);
	return true;
}

/*
 * The demo's SHA-256 against FIPS 180-2's examples (one block, two
 * blocks, a million 'a') and the empty message, and against sha256sum(1)
 * at every length around the padding's block boundaries.
 */
static bool test_sha256(void)
{
	static const struct {
		const char *msg;
		const char *hex;
	} fips[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	static const size_t lens[] = { 1, 55, 56, 57, 63, 64, 65, 119, 120, 4096 };
	char hex[NNMEMCTL_SHA256_HEX], want[80], cmd[600];
	uint8_t *buf;
	size_t i, k;
	FILE *p;

	for (i = 0; i < sizeof(fips) / sizeof(fips[0]); i++) {
		nnmemctl_sha256_hex(fips[i].msg, strlen(fips[i].msg), hex);
		if (strcmp(hex, fips[i].hex)) {
			diag("\"%s\": %s, expected %s", fips[i].msg, hex,
			     fips[i].hex);
			return false;
		}
	}
	buf = malloc(1000000);
	CHECK(buf);
	memset(buf, 'a', 1000000);
	nnmemctl_sha256_hex(buf, 1000000, hex);
	CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
	for (k = 0; k < 4096; k++)
		buf[k] = (uint8_t)(k * 37 + 11);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		CHECK(file_write(tmp_path("sha.bin"), buf, lens[i]));
		snprintf(cmd, sizeof(cmd), "sha256sum '%s'",
			 tmp_path("sha.bin"));
		p = popen(cmd, "r");
		CHECK(p);
		want[0] = '\0';
		CHECK(fscanf(p, "%64s", want) == 1);
		CHECK(pclose(p) == 0);
		nnmemctl_sha256_hex(buf, lens[i], hex);
		if (strcmp(hex, want)) {
			diag("%zu bytes: %s, sha256sum says %s", lens[i], hex,
			     want);
			free(buf);
			return false;
		}
	}
	free(buf);
	return true;
}

/* ------------------------------------------- shared/testdata via run --host */

/* The integers of a JSON array member, as "[a, b, ...]". */
static bool json_ints(struct json_object *j, const char *key, char *buf,
		      size_t len)
{
	struct json_object *a;
	size_t i, n = 0;

	if (!json_object_object_get_ex(j, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return false;
	n += snprintf(buf + n, len - n, "[");
	for (i = 0; i < json_object_array_length(a) && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%" PRId64, i ? ", " : "",
			      json_object_get_int64(json_object_array_get_idx(a, i)));
	if (n < len)
		snprintf(buf + n, len - n, "]");
	return n < len;
}

static int64_t json_int(struct json_object *j, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(j, key, &v) ?
		json_object_get_int64(v) : INT64_MIN;
}

/* The graph file of a conv2d case: its arrays by absolute path. */
static int conv_graph(FILE *f, const char *d, struct json_object *j)
{
	char in[64], fl[64], out[64], st[32], dl[32];
	struct json_object *pad, *fs;
	int64_t oc;

	if (!json_ints(j, "input_shape", in, sizeof(in)) ||
	    !json_ints(j, "filter_shape", fl, sizeof(fl)) ||
	    !json_ints(j, "output_shape", out, sizeof(out)) ||
	    !json_ints(j, "stride", st, sizeof(st)) ||
	    !json_ints(j, "dilation", dl, sizeof(dl)) ||
	    !json_object_object_get_ex(j, "padding", &pad) ||
	    !json_object_object_get_ex(j, "filter_shape", &fs))
		return -EINVAL;
	oc = json_object_get_int64(json_object_array_get_idx(fs, 0));
	fprintf(f, "{\"regions\": [{\"name\": \"filter\", \"kind\": \"weight\"},"
		" {\"name\": \"bias\", \"kind\": \"weight\"},"
		" {\"name\": \"mult\", \"kind\": \"weight\"},"
		" {\"name\": \"shift\", \"kind\": \"weight\"},"
		" {\"name\": \"input\", \"kind\": \"activation\"},"
		" {\"name\": \"output\", \"kind\": \"activation\"}],\n");
	fprintf(f, " \"tensors\": [{\"name\": \"input\", \"region\": \"input\", \"type\": \"int8\", \"shape\": %s, \"zero_point\": %" PRId64 ", \"file\": \"%s/input.bin\"},\n",
		in, json_int(j, "input_zero_point"), d);
	fprintf(f, "  {\"name\": \"filter\", \"region\": \"filter\", \"type\": \"int8\", \"shape\": %s, \"file\": \"%s/filter.bin\"},\n",
		fl, d);
	fprintf(f, "  {\"name\": \"bias\", \"region\": \"bias\", \"type\": \"int32\", \"shape\": [%" PRId64 "], \"file\": \"%s/bias.bin\"},\n",
		oc, d);
	fprintf(f, "  {\"name\": \"mult\", \"region\": \"mult\", \"type\": \"int32\", \"shape\": [%" PRId64 "], \"file\": \"%s/multiplier.bin\"},\n",
		oc, d);
	fprintf(f, "  {\"name\": \"shift\", \"region\": \"shift\", \"type\": \"int32\", \"shape\": [%" PRId64 "], \"file\": \"%s/shift.bin\"},\n",
		oc, d);
	fprintf(f, "  {\"name\": \"output\", \"region\": \"output\", \"type\": \"int8\", \"shape\": %s, \"zero_point\": %" PRId64 "}],\n",
		out, json_int(j, "output_zero_point"));
	fprintf(f, " \"nodes\": [{\"op\": \"conv2d\", \"name\": \"conv\", \"input\": \"input\", \"filter\": \"filter\", \"bias\": \"bias\", \"multiplier\": \"mult\", \"shift\": \"shift\", \"output\": \"output\",\n");
	fprintf(f, "  \"stride\": %s, \"dilation\": %s, \"groups\": %" PRId64 ", \"act_min\": %" PRId64 ", \"act_max\": %" PRId64 ",\n",
		st, dl, json_int(j, "groups"), json_int(j, "activation_min"),
		json_int(j, "activation_max"));
	fprintf(f, "  \"padding\": {\"top\": %" PRId64 ", \"bottom\": %" PRId64 ", \"left\": %" PRId64 ", \"right\": %" PRId64 "}}],\n",
		json_int(pad, "top"), json_int(pad, "bottom"),
		json_int(pad, "left"), json_int(pad, "right"));
	fprintf(f, " \"outputs\": [{\"tensor\": \"output\", \"file\": \"out.bin\"}]}\n");
	return 0;
}

static int add_graph(FILE *f, const char *d, struct json_object *j)
{
	char shape[64];

	if (!json_ints(j, "shape", shape, sizeof(shape)))
		return -EINVAL;
	fprintf(f, "{\"regions\": [{\"name\": \"in1\", \"kind\": \"activation\"},"
		" {\"name\": \"in2\", \"kind\": \"activation\"},"
		" {\"name\": \"out\", \"kind\": \"activation\"}],\n");
	fprintf(f, " \"tensors\": [{\"name\": \"in1\", \"region\": \"in1\", \"type\": \"int8\", \"shape\": %s, \"zero_point\": %" PRId64 ", \"file\": \"%s/input1.bin\"},\n",
		shape, json_int(j, "input1_zero_point"), d);
	fprintf(f, "  {\"name\": \"in2\", \"region\": \"in2\", \"type\": \"int8\", \"shape\": %s, \"zero_point\": %" PRId64 ", \"file\": \"%s/input2.bin\"},\n",
		shape, json_int(j, "input2_zero_point"), d);
	fprintf(f, "  {\"name\": \"out\", \"region\": \"out\", \"type\": \"int8\", \"shape\": %s, \"zero_point\": %" PRId64 "}],\n",
		shape, json_int(j, "output_zero_point"));
	fprintf(f, " \"nodes\": [{\"op\": \"add\", \"name\": \"add\", \"input1\": \"in1\", \"input2\": \"in2\", \"output\": \"out\", \"left_shift\": %" PRId64 ",\n",
		json_int(j, "left_shift"));
	fprintf(f, "  \"input1_multiplier\": %" PRId64 ", \"input1_shift\": %" PRId64 ", \"input2_multiplier\": %" PRId64 ", \"input2_shift\": %" PRId64 ",\n",
		json_int(j, "input1_multiplier"), json_int(j, "input1_shift"),
		json_int(j, "input2_multiplier"), json_int(j, "input2_shift"));
	fprintf(f, "  \"output_multiplier\": %" PRId64 ", \"output_shift\": %" PRId64 ", \"act_min\": %" PRId64 ", \"act_max\": %" PRId64 "}],\n",
		json_int(j, "output_multiplier"), json_int(j, "output_shift"),
		json_int(j, "activation_min"), json_int(j, "activation_max"));
	fprintf(f, " \"outputs\": [{\"tensor\": \"out\", \"file\": \"out.bin\"}]}\n");
	return 0;
}

/* The cases: "<op>/<case>" under the testdata root, sorted. */
static char **td_cases(size_t *countp)
{
	static const char *const ops[] = { "conv2d", "add" };
	char **names = NULL, path[1024];
	size_t n = 0, o;

	for (o = 0; o < 2; o++) {
		struct dirent **ents;
		int k, m;

		snprintf(path, sizeof(path), "%s/%s", testdata_dir, ops[o]);
		m = scandir(path, &ents, NULL, alphasort);
		for (k = 0; k < m; k++) {
			char **nn;

			snprintf(path, sizeof(path), "%s/%s/%s/params.json",
				 testdata_dir, ops[o], ents[k]->d_name);
			if (ents[k]->d_name[0] != '.' && !access(path, R_OK) &&
			    (nn = realloc(names, (n + 1) * sizeof(*names)))) {
				names = nn;
				if (asprintf(&names[n], "%s/%s", ops[o],
					     ents[k]->d_name) > 0)
					n++;
			}
			free(ents[k]);
		}
		if (m >= 0)
			free(ents);
	}
	*countp = n;
	return names;
}

/* One case as a graph file through run --host, against expected.bin. */
static bool test_td_case(const char *name)
{
	char dir[1024], path[1400], outdir[1200];
	struct json_object *j = NULL, *op;
	const char *args[6];
	uint8_t *got = NULL, *want = NULL;
	size_t got_len, want_len, k;
	bool ok = false;
	FILE *f;
	int err;

	snprintf(dir, sizeof(dir), "%s/%s", testdata_dir, name);
	snprintf(path, sizeof(path), "%s/params.json", dir);
	j = json_object_from_file(path);
	CHECK(j && json_object_object_get_ex(j, "op", &op));
	snprintf(path, sizeof(path), "%s/case.json", tmp_dir);
	snprintf(outdir, sizeof(outdir), "%s/case-out", tmp_dir);
	f = fopen(path, "w");
	if (!f)
		goto out;
	err = !strcmp(json_object_get_string(op), "conv2d") ?
		conv_graph(f, dir, j) : add_graph(f, dir, j);
	if (fclose(f) || err) {
		diag("cannot write the graph of %s", name);
		goto out;
	}
	if (mkdir(outdir, 0755) && errno != EEXIST)
		goto out;
	unlink(tmp_path("case-out/out.bin"));
	args[0] = "run";
	args[1] = "--host";
	args[2] = "--out";
	args[3] = outdir;
	args[4] = path;
	args[5] = NULL;
	if (!ctl_expect(args, 0, NULL, NULL))
		goto out;
	snprintf(path, sizeof(path), "%s/out.bin", outdir);
	got = (uint8_t *)file_read(path, &got_len);
	snprintf(path, sizeof(path), "%s/expected.bin", dir);
	want = (uint8_t *)file_read(path, &want_len);
	if (!got || !want || got_len != want_len || !want_len) {
		diag("%s: %zu bytes, expected %zu", name, got ? got_len : 0,
		     want ? want_len : 0);
		goto out;
	}
	for (k = 0; k < want_len; k++) {
		if (got[k] != want[k]) {
			diag("%s: byte %zu: %d, TFLite %d", name, k,
			     (int8_t)got[k], (int8_t)want[k]);
			goto out;
		}
	}
	diag("%s: %zu bytes as TFLite's", name, want_len);
	ok = true;
out:
	free(got);
	free(want);
	json_object_put(j);
	return ok;
}

/* --------------------------------------------------------- the SVG map */

/* Font metrics the test assumes: DejaVu Sans Mono's, a common monospace. */
#define T_ADVANCE	0.602
#define T_ASCENT	0.76
#define T_DESCENT	0.24

static bool attr(const char *tag, const char *end, const char *name,
		 char *val, size_t len)
{
	char pat[32];
	const char *p, *q;

	snprintf(pat, sizeof(pat), " %s=\"", name);
	p = strstr(tag, pat);
	if (!p || p > end)
		return false;
	p += strlen(pat);
	q = strchr(p, '"');
	if (!q || q > end || (size_t)(q - p) >= len)
		return false;
	memcpy(val, p, q - p);
	val[q - p] = '\0';
	return true;
}

static double attr_num(const char *tag, const char *end, const char *name,
		       double def)
{
	char v[32];

	return attr(tag, end, name, v, sizeof(v)) ? strtod(v, NULL) : def;
}

/* Characters of XML text: an entity is one. */
static size_t xml_chars(const char *s, const char *end)
{
	size_t n = 0;

	while (s < end) {
		if (*s == '&') {
			const char *semi = memchr(s, ';', end - s);

			s = semi ? semi + 1 : end;
		} else {
			s++;
		}
		n++;
	}
	return n;
}

struct svg_check {
	double width, height, font;
	double title_w;		/* the widest text at the top */
	unsigned int texts, in_boxes, regions;
};

/*
 * Parse @svg: every <text> must lie inside the picture and, inside a
 * <g>, inside the group's <rect>.
 */
static bool svg_check(const char *svg, struct svg_check *c)
{
	double rx = 0, ry = 0, rw = 0, rh = 0;
	bool in_g = false, have_rect = false;
	const char *p = svg;

	memset(c, 0, sizeof(*c));
	while ((p = strchr(p, '<'))) {
		const char *end = strchr(p, '>');

		CHECK(end);
		if (!strncmp(p, "<svg ", 5)) {
			c->width = attr_num(p, end, "width", -1);
			c->height = attr_num(p, end, "height", -1);
			c->font = attr_num(p, end, "font-size", -1);
			CHECK(c->width > 0 && c->height > 0 && c->font > 0);
		} else if (!strncmp(p, "<g ", 3)) {
			CHECK(!in_g);
			in_g = true;
			have_rect = false;
			if (strstr(p, "class=\"region ") && strstr(p, "class=\"region ") < end)
				c->regions++;
		} else if (!strncmp(p, "</g>", 4)) {
			CHECK(in_g);
			in_g = false;
		} else if (!strncmp(p, "<rect ", 6) && in_g) {
			CHECK(!have_rect);
			rx = attr_num(p, end, "x", -1);
			ry = attr_num(p, end, "y", -1);
			rw = attr_num(p, end, "width", -1);
			rh = attr_num(p, end, "height", -1);
			CHECK(rx >= 0 && ry >= 0 && rw > 0 && rh > 0);
			have_rect = true;
		} else if (!strncmp(p, "<text ", 6)) {
			const char *body = end + 1, *close = strstr(body, "</text>");
			double x = attr_num(p, end, "x", -1);
			double y = attr_num(p, end, "y", -1);
			double fs = attr_num(p, end, "font-size", c->font);
			char anchor[16] = "start";
			double w, x0, x1, y0, y1;

			CHECK(close && x >= 0 && y >= 0);
			attr(p, end, "text-anchor", anchor, sizeof(anchor));
			w = xml_chars(body, close) * T_ADVANCE * fs;
			x0 = !strcmp(anchor, "end") ? x - w :
			     !strcmp(anchor, "middle") ? x - w / 2 : x;
			x1 = x0 + w;
			y0 = y - T_ASCENT * fs;
			y1 = y + T_DESCENT * fs;
			c->texts++;
			if (x0 < 0 || x1 > c->width || y0 < 0 || y1 > c->height) {
				diag("text \"%.*s\" [%.1f, %.1f] x [%.1f, %.1f] outside the %gx%g picture",
				     (int)(close - body), body, x0, x1, y0, y1,
				     c->width, c->height);
				return false;
			}
			if (in_g) {
				CHECK(have_rect);
				if (x0 < rx || x1 > rx + rw || y0 < ry ||
				    y1 > ry + rh) {
					diag("text \"%.*s\" [%.1f, %.1f] x [%.1f, %.1f] outside its box [%g, %g] x [%g, %g]",
					     (int)(close - body), body, x0, x1,
					     y0, y1, rx, rx + rw, ry, ry + rh);
					return false;
				}
				c->in_boxes++;
			}
			if (y < 40 && w > c->title_w)
				c->title_w = w;
			p = close;
		}
		p++;
	}
	CHECK(!in_g);
	return true;
}

/* A chart of three buffers drawn by hand: two rows of 32 bytes, 4 steps. */
static bool test_plan_text(void)
{
	static const struct nnmemctl_plan_buf bufs[] = {
		{ "a", 0, 32, 0, 1 },
		{ "b<&>", 32, 32, 1, 2 },
		{ "c", 0, 32, 2, 3 },
	};
	struct nnmemctl_plan_view v = { "hand.tflite", bufs, 3, 4, 64, 64 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool ok;

	CHECK(f);
	CHECK(nnmemctl_plan_text(f, &v, 2) == 0);
	fclose(f);
	/* cells are 3 characters wide when 4 steps fit in the width */
	ok = strstr(text, "hand.tflite: 64 activation bytes (lower bound 64), 4 steps\n") &&
	     strstr(text, "\n        32 |...111111...\n") &&
	     strstr(text, "\n         0 |000000222222\n") &&
	     strstr(text, "\n 1         32         32     1     2  b<&>\n");
	if (!ok)
		diag("chart:\n%s", text);
	free(text);
	return ok;
}

/* A long chain: every buffer drawn, every text inside the picture. */
static bool test_plan_svg(void)
{
	enum { N = 300 };
	static struct nnmemctl_plan_buf bufs[N];
	static char names[N][80];
	struct nnmemctl_plan_view v = { "chain <&> \"model\".tflite", bufs,
					N, N, 2 * 4096, 2 * 4096 };
	struct svg_check c;
	char *svg = NULL, *p;
	size_t len = 0, i, groups = 0;
	FILE *f = open_memstream(&svg, &len);
	bool ok;

	CHECK(f);
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]),
			 "model/layer_%zu/Conv2D;model/layer_%zu/Relu<&>", i, i);
		bufs[i] = (struct nnmemctl_plan_buf){ names[i],
			i % 2 ? 4096 : 0, 4096, (uint32_t)i,
			(uint32_t)(i + 1 < N ? i + 1 : i) };
	}
	CHECK(nnmemctl_plan_svg(f, &v) == 0);
	fclose(f);
	ok = svg_check(svg, &c) && c.width <= 1200;
	for (p = svg; (p = strstr(p, "<g class=\"buffer\">")); p++)
		groups++;
	if (groups != N) {
		diag("%zu buffers drawn, want %d", groups, N);
		ok = false;
	}
	free(svg);
	return ok;
}

struct snap_region {
	const char *label;
	uint32_t kind;
	uint64_t size;
};

/* Regions placed as the arena does: weights up from 0, activations down. */
static size_t snap_place(const struct snap_region *s, size_t n,
			 uint64_t arena, uint64_t align,
			 struct nnmemctl_region *regs)
{
	uint64_t low = 0, high = arena;
	size_t i;

	for (i = 0; i < n; i++) {
		struct nnmemctl_region *r = &regs[i];
		uint64_t span = (s[i].size + align - 1) / align * align;

		memset(r, 0, sizeof(*r));
		snprintf(r->label, sizeof(r->label), "%s", s[i].label);
		r->kind = s[i].kind;
		r->size = s[i].size;
		r->reserved_size = span;
		r->session = UINT64_MAX - i;
		r->handle = UINT32_MAX - 1 - i;
		r->pid = 4194304;
		r->uid = 65534;
		if (s[i].kind == NNMEM_KIND_WEIGHT) {
			r->reserved_start = low;
			low += span;
		} else {
			high -= span;
			r->reserved_start = high;
		}
		r->offset = r->reserved_start;
		r->span = span;
	}
	return n;
}

#define W	NNMEM_KIND_WEIGHT
#define A	NNMEM_KIND_ACTIVATION

static bool test_svg(const char *what, const char *devname, uint64_t arena,
		     uint64_t align, const struct snap_region *s, size_t n)
{
	struct nnmemctl_region *regs = calloc(n + 1, sizeof(*regs));
	struct nnmemctl_map_item *items = calloc(2 * n + 1, sizeof(*items));
	struct nnmemctl_dev dev;
	struct svg_check c;
	char *svg = NULL;
	size_t len = 0, k, count;
	bool ok = false;
	FILE *f;

	if (!regs || !items)
		goto out;
	memset(&dev, 0, sizeof(dev));
	snprintf(dev.name, sizeof(dev.name), "%s", devname);
	dev.arena_size = arena;
	snap_place(s, n, arena, align, regs);
	count = nnmemctl_map_items(&dev, regs, n, items);
	f = open_memstream(&svg, &len);
	if (!f)
		goto out;
	if (nnmemctl_map_svg(f, &dev, items, count) || fclose(f)) {
		diag("%s: rendering failed", what);
		goto out;
	}
	if (!svg_check(svg, &c))
		goto out;
	/* a box per region, and each with at least its name */
	if (c.regions != n || c.in_boxes < n) {
		diag("%s: %u region boxes, %u texts in boxes, for %zu regions",
		     what, c.regions, c.in_boxes, n);
		goto out;
	}
	/* short labels are drawn whole */
	for (k = 0; k < n; k++) {
		char text[64];

		snprintf(text, sizeof(text), ">%s</text>", s[k].label);
		if (strlen(s[k].label) <= 20 && !strchr(s[k].label, '&') &&
		    !strchr(s[k].label, '<') && s[k].label[0] &&
		    !strstr(svg, text)) {
			diag("%s: label %s not drawn whole", what, s[k].label);
			goto out;
		}
	}
	/* the title: inside the picture with a margin on each side */
	if (c.title_w + 20 > c.width) {
		diag("%s: title %.1f px wide in a %g px picture", what,
		     c.title_w, c.width);
		goto out;
	}
	diag("%s: %gx%g px, %u texts, %u in boxes, title %.0f px", what,
	     c.width, c.height, c.texts, c.in_boxes, c.title_w);
	ok = true;
out:
	if (!ok && svg && getenv("NNMEM_SVG_DUMP"))
		fputs(svg, stdout);
	free(svg);
	free(items);
	free(regs);
	return ok;
}

/* The regions of netlink_test's map test, in a 4 MiB arena. */
static bool test_svg_five(void)
{
	static const struct snap_region s[] = {
		{ "conv0.filter", W, 1000 }, { "conv0.bias", W, 2000 },
		{ "input", A, 3000 }, { "conv0.out", A, 4000 },
		{ "scratch", A, 5000 },
	};

	return test_svg("five regions", "nnmem0", 4 << 20, 64, s, 5);
}

/* 31-character labels, XML's special characters, a 1 TiB arena. */
static bool test_svg_long(void)
{
	static const struct snap_region s[] = {
		{ "abcdefghijklmnopqrstuvwxyz01234", W, 1ULL << 39 },
		{ "<weights> & \"biases\" 'quoted'!", W, 123456789012ULL },
		{ "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", A, 1 },
		{ "", A, 99999999999ULL },
		{ "x", A, 1ULL << 38 },
	};

	return test_svg("long labels, huge sizes", "nnmem-with-a-long-name-0123456",
			1ULL << 40, 4096, s, 5);
}

/* Many tiny regions in a big arena: every box at its minimum height. */
static bool test_svg_tiny(void)
{
	static struct snap_region s[40];
	static char labels[40][16];
	size_t i;

	for (i = 0; i < 40; i++) {
		snprintf(labels[i], sizeof(labels[i]), "t%zu", i);
		s[i] = (struct snap_region){ labels[i], i % 3 ? A : W, 64 };
	}
	return test_svg("40 tiny regions", "nnmem1", 64 << 20, 4096, s, 40);
}

/* An empty arena: one free box. */
static bool test_svg_empty(void)
{
	return test_svg("empty arena", "nnmem0", 4 << 20, 64, NULL, 0);
}

/* ------------------------------------------------- --help and the man page */

#define MAX_WORDS	64

struct word_set {
	char *w[MAX_WORDS];
	size_t n;
};

static void set_add(struct word_set *s, const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->w[i]) == len && !strncmp(s->w[i], w, len))
			return;
	if (s->n < MAX_WORDS)
		s->w[s->n++] = strndup(w, len);
}

static void set_free(struct word_set *s)
{
	while (s->n)
		free(s->w[--s->n]);
}

static bool set_has(const struct word_set *s, const char *w)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->w[i], w))
			return true;
	return false;
}

/* Every word of @a in @b and back; the differences as diagnostics. */
static bool set_same(const char *what, const struct word_set *a,
		     const char *an, const struct word_set *b, const char *bn)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!set_has(b, a->w[i])) {
			diag("%s: %s in %s, not in %s", what, a->w[i], an, bn);
			ok = false;
		}
	for (i = 0; i < b->n; i++)
		if (!set_has(a, b->w[i])) {
			diag("%s: %s in %s, not in %s", what, b->w[i], bn, an);
			ok = false;
		}
	if (!a->n) {
		diag("%s: none found", what);
		ok = false;
	}
	return ok;
}

/* The options named in @s up to @end: "-d", "--device", ... */
static void options_scan(struct word_set *set, const char *s, const char *end)
{
	const char *begin = s;

	while (s < end) {
		if (*s == '-' && (s[1] == '-' || (s[1] >= 'a' && s[1] <= 'z')) &&
		    (s == begin || s[-1] == ' ' || s[-1] == ',' || s[-1] == '"' ||
		     s[-1] == '[')) {
			const char *e = s + 1;

			while (e < end && (*e == '-' || (*e >= 'a' && *e <= 'z')))
				e++;
			if (e - s >= 2 && s[e - s - 1] != '-')
				set_add(set, s, e - s);
			s = e;
		} else {
			s++;
		}
	}
}

/*
 * A --help text: the option lines of its "Options:" section, the command
 * names of "Commands:", the numbers of "Exit status:".
 */
static void help_parse(const char *text, struct word_set *opts,
		       struct word_set *cmds, struct word_set *codes)
{
	const char *line = text;
	int section = 0;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);

		if (!strncmp(line, "Options:", 8))
			section = 1;
		else if (!strncmp(line, "Commands:", 9))
			section = 2;
		else if (!strncmp(line, "Exit status:", 12))
			section = 3;
		else if (line == end)
			section = 0;
		else if (section == 1 && !strncmp(line, "  -", 3)) {
			const char *gap = strstr(line + 2, "  ");

			options_scan(opts, line + 2, gap && gap < end ? gap : end);
		} else if (section == 2 && cmds && !strncmp(line, "  ", 2) &&
			   line[2] != ' ') {
			const char *e = line + 2;

			while (e < end && *e != ' ')
				e++;
			set_add(cmds, line + 2, e - line - 2);
		} else if (section == 3 && codes && line[2] >= '0' &&
			   line[2] <= '9') {
			set_add(codes, line + 2, 1);
		}
		line = nl ? nl + 1 : NULL;
	}
}

/* Roff: "\-" to "-", font escapes and quotes removed. */
static void roff_plain(const char *s, char *out, size_t len)
{
	size_t n = 0;

	while (*s && *s != '\n' && n + 1 < len) {
		if (s[0] == '\\' && s[1] == '-') {
			out[n++] = '-';
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'f' && s[2]) {
			s += 3;
		} else if (*s == '"') {
			out[n++] = ' ';
			s++;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
}

struct man_page {
	struct word_set global;			/* OPTIONS */
	struct word_set cmds;			/* .SS under COMMANDS */
	struct word_set cmd_opts[16];		/* in the order of cmds */
	struct word_set codes;			/* EXIT STATUS */
};

static void man_parse(const char *text, struct man_page *m)
{
	const char *line = text;
	enum { OTHER, OPTIONS, COMMANDS, EXIT } sec = OTHER;
	bool after_tp = false;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char plain[256];

		roff_plain(line, plain, sizeof(plain));
		if (!strncmp(line, ".SH ", 4)) {
			sec = !strcmp(plain + 4, "OPTIONS") ? OPTIONS :
			      !strcmp(plain + 4, "COMMANDS") ? COMMANDS :
			      !strcmp(plain + 4, "EXIT STATUS") ? EXIT : OTHER;
		} else if (!strncmp(line, ".SS ", 4) && sec == COMMANDS &&
			   m->cmds.n < 16) {
			set_add(&m->cmds, plain + 4, strlen(plain + 4));
		} else if (after_tp && sec == OPTIONS) {
			options_scan(&m->global, plain, plain + strlen(plain));
		} else if (after_tp && sec == COMMANDS && m->cmds.n) {
			options_scan(&m->cmd_opts[m->cmds.n - 1], plain,
				     plain + strlen(plain));
		} else if (after_tp && sec == EXIT && !strncmp(plain, ".B ", 3)) {
			set_add(&m->codes, plain + 3, strlen(plain + 3));
		}
		after_tp = !strncmp(line, ".TP", 3);
		line = nl ? nl + 1 : NULL;
	}
}

static void man_free(struct man_page *m)
{
	size_t i;

	set_free(&m->global);
	for (i = 0; i < 16; i++)
		set_free(&m->cmd_opts[i]);
	set_free(&m->cmds);
	set_free(&m->codes);
}

static bool test_help_matches_man(void)
{
	struct word_set opts = { 0 }, cmds = { 0 }, codes = { 0 };
	const char *args[3] = { "--help", NULL, NULL };
	struct man_page man;
	struct ctl_result r;
	char *text;
	bool ok;
	size_t i;

	memset(&man, 0, sizeof(man));
	text = file_read(man_path, NULL);
	CHECK(text);
	man_parse(text, &man);
	free(text);

	CHECK(ctl_expect(args, 0, NULL, &r));
	help_parse(r.out, &opts, &cmds, &codes);
	ctl_result_free(&r);
	ok = set_same("commands", &cmds, "--help", &man.cmds, "the man page");
	ok &= set_same("options", &opts, "--help", &man.global, "the man page");
	ok &= set_same("exit statuses", &codes, "--help", &man.codes,
		       "the man page");
	set_free(&opts);
	set_free(&codes);

	for (i = 0; i < cmds.n; i++) {
		struct word_set copts = { 0 }, ccodes = { 0 };
		char what[64];
		size_t k;

		args[0] = cmds.w[i];
		args[1] = "--help";
		if (!ctl_expect(args, 0, NULL, &r)) {
			ok = false;
			continue;
		}
		help_parse(r.out, &copts, NULL, &ccodes);
		if (strncmp(r.out, "usage: nnmemctl ", 16)) {
			diag("%s --help: no usage line", cmds.w[i]);
			ok = false;
		}
		ctl_result_free(&r);
		snprintf(what, sizeof(what), "%s options", cmds.w[i]);
		for (k = 0; k < man.cmds.n; k++)
			if (!strcmp(man.cmds.w[k], cmds.w[i]))
				break;
		ok &= set_same(what, &copts, "--help",
			       k < man.cmds.n ? &man.cmd_opts[k] :
						&man.cmd_opts[15],
			       "the man page");
		snprintf(what, sizeof(what), "%s exit statuses", cmds.w[i]);
		ok &= set_same(what, &ccodes, "--help", &man.codes,
			       "the man page");
		set_free(&copts);
		set_free(&ccodes);
	}
	diag("%zu commands, %zu global options, %zu exit statuses", cmds.n,
	     man.global.n, man.codes.n);
	set_free(&cmds);
	man_free(&man);
	return ok;
}

/* ----------------------------------------------------------------- main */

struct named_test {
	const char *name;
	bool (*fn)(void);
};

static const struct named_test tests[] = {
	{ "loader: the example parses", test_example_parses },
	{ "loader: a NUL byte is named by line and column", test_nul_byte },
	{ "loader: \"file\" size must match; relative to the JSON", test_file_size },
	{ "check: the example is valid", test_check_example },
	{ "check/run: bad files give status 1 and the loader's message", test_check_bad_files },
	{ "check/run: the validator's verdicts with names, before any device", test_check_rejects },
	{ "usage errors: status 2, saying what is missing or wrong", test_usage_errors },
	{ "no device: status 4, which module to load; -d N map parses", test_no_device },
	{ "run --host: the example's output has its recorded SHA-256", test_run_host_example },
	{ "plan: the example's lifetimes by hand, 12288 bytes (bound) not 16384", test_example_plan },
	{ "run --host --plan: the plan's numbers, the recorded SHA-256", test_run_host_plan },
	{ "sha256: FIPS 180-2 examples and sha256sum at block boundaries", test_sha256 },
	{ "svg: netlink_test's five regions", test_svg_five },
	{ "svg: long labels, XML characters, a 1 TiB arena", test_svg_long },
	{ "svg: 40 tiny regions", test_svg_tiny },
	{ "svg: an empty arena", test_svg_empty },
	{ "plan chart: three buffers as drawn by hand", test_plan_text },
	{ "plan chart: svg of a 300-step chain, every buffer, texts inside", test_plan_svg },
	{ "--help and CMD --help agree with nnmemctl.1", test_help_matches_man },
};

int main(int argc, char **argv)
{
	size_t i, ntests = sizeof(tests) / sizeof(tests[0]);
	size_t nbad = sizeof(bad_models) / sizeof(bad_models[0]);
	size_t ncases = 0;
	char **cases;

	if (argc != 5) {
		fprintf(stderr, "usage: %s NNMEMCTL MANPAGE EXAMPLES_DIR TESTDATA_DIR\n",
			argv[0]);
		return 2;
	}
	ctl_path = realpath(argv[1], NULL);
	man_path = realpath(argv[2], NULL);
	examples_dir = realpath(argv[3], NULL);
	testdata_dir = argv[4];
	if (!ctl_path || !man_path || !examples_dir) {
		fprintf(stderr, "nnmemctl_test: %s, %s or %s is missing\n",
			argv[1], argv[2], argv[3]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a sanitizer report in nnmemctl is not one of its exit statuses */
	setenv("ASAN_OPTIONS", "exitcode=99:detect_leaks=1", 1);
	setenv("UBSAN_OPTIONS", "exitcode=98:print_stacktrace=1", 1);
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	cases = td_cases(&ncases);

	printf("TAP version 13\n");
	printf("1..%zu\n", nbad + ntests + 1 + ncases);
	for (i = 0; i < nbad; i++)
		tap_result(test_bad_model(&bad_models[i]), "loader: %s",
			   bad_models[i].name);
	for (i = 0; i < ntests; i++)
		tap_result(tests[i].fn(), "%s", tests[i].name);
	diag("testdata root: %s", testdata_dir);
	tap_result(ncases >= 10, "run --host: testdata cases found (%zu)",
		   ncases);
	for (i = 0; i < ncases; i++) {
		tap_result(test_td_case(cases[i]),
			   "run --host: %s equals TFLite's expected output",
			   cases[i]);
		free(cases[i]);
	}
	free(cases);
	printf("%d passed, %d failed\n", tap_num - tap_failed, tap_failed);
	if (!tap_failed) {
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
		if (system(cmd))
			diag("could not remove %s", tmp_dir);
	} else {
		diag("files kept in %s", tmp_dir);
	}
	return tap_failed ? 1 : 0;
}
