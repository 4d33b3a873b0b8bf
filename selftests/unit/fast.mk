# SPDX-License-Identifier: GPL-2.0
#
# Make fragment for the fast int8 kernel unit tests (driver/nnmem_fast*.c,
# each SIMD file with its own instruction set flags), included by
# selftests/unit/Makefile. Standalone use:
#   make -f selftests/unit/fast.mk run_fast_test
#
# Targets:
#   fast_test          build $(FAST_OUT)/fast_test (ASan + UBSan)
#   run_fast_test      build it and run it against $(FAST_MODELS)
#   clean_fast_test    remove the binary
#
# FAST_MODELS defaults to $(NNMEM_MODELS)/resnet8, else
# shared/models/resnet8 next to the repository; FAST_OUT to $(OUTPUT),
# else this directory. NNMEM_SEED picks the random configurations.

FAST_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
FAST_DRIVER := $(abspath $(FAST_DIR)/../../driver)
FAST_UAPI := $(abspath $(FAST_DIR)/../../uapi)
FAST_LIB := $(abspath $(FAST_DIR)/../../userspace)
FAST_MODELS ?= $(if $(NNMEM_MODELS),$(NNMEM_MODELS)/resnet8,$(abspath $(FAST_DIR)/../../../shared/models/resnet8))
FAST_OUT ?= $(or $(OUTPUT),$(FAST_DIR))
FAST_CC ?= gcc
FAST_CFLAGS := -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -I$(FAST_DRIVER) -I$(FAST_UAPI) \
	-I$(FAST_LIB)/include
FAST_AVX2_FLAGS := -mavx2
FAST_AVX512_FLAGS := -mavx512f -mavx512bw -mavx512vl -mavx512vnni
FAST_LDLIBS := -lm
FAST_SRCS := $(FAST_DIR)/fast_test.c $(FAST_DRIVER)/nnmem_fast.c \
	$(FAST_DRIVER)/nnmem_kernels.c $(FAST_LIB)/lib/nnmem_tflite.c
FAST_HDRS := $(FAST_DIR)/tap.h $(FAST_DRIVER)/nnmem_fast.h \
	$(FAST_DRIVER)/nnmem_kernels.h $(FAST_DRIVER)/nnmem_port.h \
	$(FAST_DRIVER)/nnmem_shape.h $(FAST_LIB)/include/nnmem/tflite.h \
	$(FAST_UAPI)/linux/nnmem.h
FAST_RUN = $(FAST_OUT)/fast_test $(FAST_MODELS) $(or $(NNMEM_SEED),1)

.PHONY: fast_test run_fast_test clean_fast_test

fast_test: $(FAST_OUT)/fast_test

$(FAST_OUT)/fast_avx2.o: $(FAST_DRIVER)/nnmem_fast_avx2.c $(FAST_HDRS)
	@mkdir -p $(dir $@)
	$(FAST_CC) $(FAST_CFLAGS) $(FAST_AVX2_FLAGS) -c -o $@ $<

$(FAST_OUT)/fast_avx512.o: $(FAST_DRIVER)/nnmem_fast_avx512.c $(FAST_HDRS)
	@mkdir -p $(dir $@)
	$(FAST_CC) $(FAST_CFLAGS) $(FAST_AVX512_FLAGS) -c -o $@ $<

$(FAST_OUT)/fast_test: $(FAST_SRCS) $(FAST_HDRS) $(FAST_OUT)/fast_avx2.o \
		$(FAST_OUT)/fast_avx512.o
	@mkdir -p $(dir $@)
	$(FAST_CC) $(FAST_CFLAGS) -o $@ $(FAST_SRCS) $(FAST_OUT)/fast_avx2.o \
		$(FAST_OUT)/fast_avx512.o $(FAST_LDLIBS)

run_fast_test: $(FAST_OUT)/fast_test
	$(FAST_RUN)

clean_fast_test:
	rm -f $(FAST_OUT)/fast_test $(FAST_OUT)/fast_avx2.o \
		$(FAST_OUT)/fast_avx512.o
