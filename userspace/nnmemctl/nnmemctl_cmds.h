/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmemctl's commands. Each takes its own arguments, argv[0] being the
 * command's name, and the options given before it; it returns the process
 * exit status, one of enum nnmemctl_exit (documented in nnmemctl(1)).
 */
#ifndef NNMEMCTL_CMDS_H
#define NNMEMCTL_CMDS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

struct json_object;

/* Adds @v (NULL: out of memory) as @key of @o; frees it if that fails. */
int nnmemctl_json_add(struct json_object *o, const char *key,
		      struct json_object *v);

struct nnmemctl_nl;

enum nnmemctl_exit {
	NNMEMCTL_EXIT_OK = 0,
	NNMEMCTL_EXIT_REJECTED = 1,	/* the graph file or graph is invalid */
	NNMEMCTL_EXIT_USAGE = 2,	/* bad command line */
	NNMEMCTL_EXIT_MISMATCH = 3,	/* outputs differ from the reference */
	NNMEMCTL_EXIT_NO_DEVICE = 4,	/* no /dev/nnmemN, no nnmem module */
	NNMEMCTL_EXIT_FAILED = 5,	/* anything else went wrong */
};

/* The options before the command. */
struct nnmemctl_global {
	unsigned int index;	/* -d N: /dev/nnmemN */
	bool index_set;
};

/* "N" into *@index; prints a message and returns false if it is bad. */
bool nnmemctl_parse_index(const char *cmd, const char *s,
			  unsigned int *index);
/* A command's usage line and help ("nnmemctl CMD --help"). */
void nnmemctl_cmd_usage(FILE *f, const char *cmd);
void nnmemctl_cmd_help(FILE *f, const char *cmd);
/*
 * After getopt_long() returned '?' or ':' (the optstring starting with
 * ':'): say what is wrong, print the usage line; returns the usage status.
 */
int nnmemctl_opt_error(const char *cmd, int opt, char **argv);
/* A usage error of @cmd: the message, then its usage line. */
int nnmemctl_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* True (and a message printed) if "-d N" was given to a command without. */
bool nnmemctl_no_index(const char *cmd, const struct nnmemctl_global *g,
		       const char *why);

/*
 * Parse a command's options: "-d N" (with @with_dev, into @g), "--help"
 * and the long options in @more (vals >= 256, NULL-ended, at most 5).
 * Set optind = 0 first. Returns each val of @more in turn, -1 at the end,
 * or NNMEMCTL_OPT_STOP + an exit status when the command must stop (help
 * printed, or a usage error).
 */
#define NNMEMCTL_OPT_STOP	1000
int nnmemctl_getopt(const char *cmd, int argc, char **argv,
		    const struct option *more, bool with_dev,
		    struct nnmemctl_global *g);
/*
 * nnmemctl_nl_open() failed with @err: say why (no module: exit status
 * "no device"), close @nl, return the exit status.
 */
int nnmemctl_nl_open_failed(const char *cmd, struct nnmemctl_nl *nl, int err);

struct nnmem_dev;
/* Open /dev/nnmem@index; on failure say why and return the exit status. */
int nnmemctl_device_open(unsigned int index, struct nnmem_dev **devp);

/* nnmemctl plan MODEL.tflite (net.c) */
int nnmemctl_cmd_plan(int argc, char **argv, const struct nnmemctl_global *g);
/*
 * nnmemctl run MODEL.tflite (net.c): @input and @output are files of the
 * model's input and output bytes (@output may be NULL); @check compares
 * the device's output with the host's, @host runs on the host only.
 */
int nnmemctl_run_tflite(const struct nnmemctl_global *g, const char *path,
			const char *input, const char *output, bool check,
			bool host);
/* Does @path name a TensorFlow Lite file (by its "TFL3" identifier)? */
bool nnmemctl_is_tflite(const char *path);

int nnmemctl_cmd_status(int argc, char **argv,
			const struct nnmemctl_global *g);
int nnmemctl_cmd_map(int argc, char **argv, const struct nnmemctl_global *g);
int nnmemctl_cmd_monitor(int argc, char **argv,
			 const struct nnmemctl_global *g);

#endif /* NNMEMCTL_CMDS_H */
