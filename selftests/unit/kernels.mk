# SPDX-License-Identifier: GPL-2.0
#
# Make fragment for the int8 kernel unit tests (driver/nnmem_kernels.c),
# included by selftests/unit/Makefile. Standalone use:
#   make -f selftests/unit/kernels.mk run_kernels_test
#
# Targets:
#   kernels_test       build $(KERNELS_OUT)/kernels_test (ASan + UBSan)
#   run_kernels_test   build it and run it against $(KERNELS_TESTDATA)
#   clean_kernels_test remove the binary
#
# KERNELS_TESTDATA defaults to $(NNMEM_TESTDATA), else shared/testdata next
# to the repository; KERNELS_OUT defaults to $(OUTPUT), else this directory.

KERNELS_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KERNELS_DRIVER := $(abspath $(KERNELS_DIR)/../../driver)
KERNELS_UAPI := $(abspath $(KERNELS_DIR)/../../uapi)
# testdata_case.c: the test vector loader shared with selftests/nnmem
KERNELS_TD := $(abspath $(KERNELS_DIR)/../nnmem)
KERNELS_TESTDATA ?= $(or $(NNMEM_TESTDATA),$(abspath $(KERNELS_DIR)/../../../shared/testdata))
KERNELS_OUT ?= $(or $(OUTPUT),$(KERNELS_DIR))
KERNELS_CC ?= gcc
KERNELS_CFLAGS := -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -I$(KERNELS_DRIVER) -I$(KERNELS_UAPI) \
	-I$(KERNELS_TD)
KERNELS_LDLIBS := -ljson-c -lm
KERNELS_SRCS := $(KERNELS_DIR)/kernels_test.c $(KERNELS_DRIVER)/nnmem_kernels.c \
	$(KERNELS_TD)/testdata_case.c
KERNELS_HDRS := $(KERNELS_DRIVER)/nnmem_kernels.h $(KERNELS_DRIVER)/nnmem_port.h \
	$(KERNELS_DRIVER)/nnmem_shape.h \
	$(KERNELS_TD)/testdata_case.h

.PHONY: kernels_test run_kernels_test clean_kernels_test

kernels_test: $(KERNELS_OUT)/kernels_test

$(KERNELS_OUT)/kernels_test: $(KERNELS_SRCS) $(KERNELS_HDRS)
	@mkdir -p $(dir $@)
	$(KERNELS_CC) $(KERNELS_CFLAGS) -o $@ $(KERNELS_SRCS) $(KERNELS_LDLIBS)

run_kernels_test: $(KERNELS_OUT)/kernels_test
	$(KERNELS_OUT)/kernels_test $(KERNELS_TESTDATA)

clean_kernels_test:
	rm -f $(KERNELS_OUT)/kernels_test
