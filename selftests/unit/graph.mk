# SPDX-License-Identifier: GPL-2.0
#
# Make fragment for the graph validator, executor and host API unit tests
# (driver/nnmem_graphval.c, nnmem_exec.c, nnmem_kernels.c,
# userspace/lib/nnmem_host.c and libnnmem.c's graph builder), included by
# selftests/unit/Makefile.
# Standalone use:
#   make -f selftests/unit/graph.mk run_graph_test
#
# Targets:
#   graph_test         build $(GRAPH_OUT)/graph_test (ASan + UBSan)
#   run_graph_test     build it and run it
#   clean_graph_test   remove the binary
#
# GRAPH_OUT defaults to $(OUTPUT), else this directory.

GRAPH_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
GRAPH_DRIVER := $(abspath $(GRAPH_DIR)/../../driver)
GRAPH_UAPI := $(abspath $(GRAPH_DIR)/../../uapi)
GRAPH_LIB := $(abspath $(GRAPH_DIR)/../../userspace)
GRAPH_OUT ?= $(or $(OUTPUT),$(GRAPH_DIR))
GRAPH_CC ?= gcc
GRAPH_CFLAGS := -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -I$(GRAPH_DRIVER) -I$(GRAPH_UAPI) \
	-I$(GRAPH_LIB)/include
GRAPH_SRCS := $(GRAPH_DIR)/graph_test.c $(GRAPH_DRIVER)/nnmem_graphval.c \
	$(GRAPH_DRIVER)/nnmem_kernels.c $(GRAPH_DRIVER)/nnmem_exec.c \
	$(GRAPH_LIB)/lib/nnmem_host.c $(GRAPH_LIB)/lib/libnnmem.c \
	$(GRAPH_DRIVER)/nnmem_planner.c $(GRAPH_DRIVER)/nnmem_fast.c \
	$(GRAPH_DRIVER)/nnmem_fast_avx2.c $(GRAPH_DRIVER)/nnmem_fast_avx512.c
GRAPH_HDRS := $(GRAPH_DIR)/tap.h $(GRAPH_DRIVER)/nnmem_graphval.h \
	$(GRAPH_DRIVER)/nnmem_kernels.h $(GRAPH_DRIVER)/nnmem_port.h \
	$(GRAPH_DRIVER)/nnmem_shape.h $(GRAPH_DRIVER)/nnmem_exec.h \
	$(GRAPH_DRIVER)/nnmem_fast.h \
	$(GRAPH_LIB)/include/nnmem/model.h $(GRAPH_UAPI)/linux/nnmem.h \
	$(GRAPH_LIB)/include/nnmem/libnnmem.h

.PHONY: graph_test run_graph_test clean_graph_test

graph_test: $(GRAPH_OUT)/graph_test

$(GRAPH_OUT)/graph_test: $(GRAPH_SRCS) $(GRAPH_HDRS)
	@mkdir -p $(dir $@)
	$(GRAPH_CC) $(GRAPH_CFLAGS) -o $@ $(GRAPH_SRCS)

run_graph_test: $(GRAPH_OUT)/graph_test
	$(GRAPH_OUT)/graph_test

clean_graph_test:
	rm -f $(GRAPH_OUT)/graph_test
