/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmemctl's netlink commands. Each takes its own arguments, argv[0] being
 * the command's name, and returns the process exit status.
 */
#ifndef NNMEMCTL_CMDS_H
#define NNMEMCTL_CMDS_H

int nnmemctl_cmd_status(int argc, char **argv);
int nnmemctl_cmd_map(int argc, char **argv);
int nnmemctl_cmd_monitor(int argc, char **argv);

#endif /* NNMEMCTL_CMDS_H */
