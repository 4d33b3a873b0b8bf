# SPDX-License-Identifier: GPL-2.0
#
# Make fragment for the TensorFlow Lite importer unit tests
# (userspace/lib/nnmem_tflite.c), included by selftests/unit/Makefile; the
# lowered nodes are run on the driver's own kernels (driver/nnmem_kernels.c).
# Standalone use:
#   make -f selftests/unit/tflite.mk run_tflite_test
#
# Targets:
#   tflite_test        build $(TFLITE_OUT)/tflite_test (ASan + UBSan)
#   run_tflite_test    build it and run it against $(TFLITE_MODELS)
#   clean_tflite_test  remove the binary
#
# TFLITE_MODELS defaults to $(NNMEM_MODELS)/resnet8, else
# shared/models/resnet8 next to the repository; TFLITE_OUT to $(OUTPUT),
# else this directory.

TFLITE_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TFLITE_DRIVER := $(abspath $(TFLITE_DIR)/../../driver)
TFLITE_UAPI := $(abspath $(TFLITE_DIR)/../../uapi)
TFLITE_LIB := $(abspath $(TFLITE_DIR)/../../userspace)
TFLITE_MODELS ?= $(if $(NNMEM_MODELS),$(NNMEM_MODELS)/resnet8,$(abspath $(TFLITE_DIR)/../../../shared/models/resnet8))
TFLITE_OUT ?= $(or $(OUTPUT),$(TFLITE_DIR))
TFLITE_CC ?= gcc
TFLITE_CFLAGS := -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -I$(TFLITE_DRIVER) -I$(TFLITE_UAPI) \
	-I$(TFLITE_LIB)/include
TFLITE_LDLIBS := -lm
TFLITE_SRCS := $(TFLITE_DIR)/tflite_test.c $(TFLITE_LIB)/lib/nnmem_tflite.c \
	$(TFLITE_DRIVER)/nnmem_kernels.c
TFLITE_HDRS := $(TFLITE_DIR)/tap.h $(TFLITE_LIB)/include/nnmem/tflite.h \
	$(TFLITE_DRIVER)/nnmem_kernels.h $(TFLITE_DRIVER)/nnmem_port.h \
	$(TFLITE_DRIVER)/nnmem_shape.h $(TFLITE_UAPI)/linux/nnmem.h

.PHONY: tflite_test run_tflite_test clean_tflite_test

tflite_test: $(TFLITE_OUT)/tflite_test

$(TFLITE_OUT)/tflite_test: $(TFLITE_SRCS) $(TFLITE_HDRS)
	@mkdir -p $(dir $@)
	$(TFLITE_CC) $(TFLITE_CFLAGS) -o $@ $(TFLITE_SRCS) $(TFLITE_LDLIBS)

run_tflite_test: $(TFLITE_OUT)/tflite_test
	$(TFLITE_OUT)/tflite_test $(TFLITE_MODELS)

clean_tflite_test:
	rm -f $(TFLITE_OUT)/tflite_test
