# SPDX-License-Identifier: GPL-2.0
#
# Make fragment for the activation memory planner unit test
# (driver/nnmem_planner.c), included by selftests/unit/Makefile.
# Standalone use:
#   make -f selftests/unit/planner.mk run_planner_test
#
# Targets:
#   planner_test         build $(PLANNER_OUT)/planner_test (ASan + UBSan)
#   run_planner_test     build it and run it (NNMEM_SEED=... to reproduce)
#   clean_planner_test   remove the binary
#
# PLANNER_OUT defaults to $(OUTPUT), else this directory.

PLANNER_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
PLANNER_DRIVER := $(abspath $(PLANNER_DIR)/../../driver)
PLANNER_OUT ?= $(or $(OUTPUT),$(PLANNER_DIR))
PLANNER_CC ?= gcc
PLANNER_CFLAGS := -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -I$(PLANNER_DRIVER)
PLANNER_SRCS := $(PLANNER_DIR)/planner_test.c \
	$(PLANNER_DRIVER)/nnmem_planner.c
PLANNER_HDRS := $(PLANNER_DIR)/tap.h $(PLANNER_DIR)/planner_graphs.h \
	$(PLANNER_DRIVER)/nnmem_planner.h

.PHONY: planner_test run_planner_test clean_planner_test

planner_test: $(PLANNER_OUT)/planner_test

$(PLANNER_OUT)/planner_test: $(PLANNER_SRCS) $(PLANNER_HDRS)
	@mkdir -p $(dir $@)
	$(PLANNER_CC) $(PLANNER_CFLAGS) -o $@ $(PLANNER_SRCS)

run_planner_test: $(PLANNER_OUT)/planner_test
	$(PLANNER_OUT)/planner_test $(NNMEM_SEED)

clean_planner_test:
	rm -f $(PLANNER_OUT)/planner_test
