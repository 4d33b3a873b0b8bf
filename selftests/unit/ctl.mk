# SPDX-License-Identifier: GPL-2.0
#
# Make fragment for the nnmemctl unit tests (selftests/unit/nnmemctl_test.c),
# included by selftests/unit/Makefile: nnmemctl and libnnmem_model.a are
# built from userspace/ with ASan + UBSan into $(CTL_BUILD), and the test
# runs that nnmemctl. No device, no kernel source. Standalone use:
#   make -f selftests/unit/ctl.mk run_nnmemctl_test
#
# Targets:
#   nnmemctl_test        build $(CTL_OUT)/nnmemctl_test and the nnmemctl it runs
#   run_nnmemctl_test    build them and run the test
#   clean_nnmemctl_test  remove both
#
# CTL_TESTDATA defaults to $(NNMEM_TESTDATA), else shared/testdata next to
# the repository; CTL_OUT to $(OUTPUT), else this directory.

CTL_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CTL_ROOT := $(abspath $(CTL_DIR)/../..)
CTL_USER := $(CTL_ROOT)/userspace
CTL_OUT ?= $(or $(OUTPUT),$(CTL_DIR))
CTL_BUILD := $(CTL_OUT)/nnmemctl-build
CTL_TESTDATA ?= $(or $(NNMEM_TESTDATA),$(abspath $(CTL_ROOT)/../shared/testdata))
CTL_CC ?= gcc
CTL_SAN := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
CTL_CFLAGS := $(CTL_SAN) -Wall -Wextra -Werror -I$(CTL_USER)/include \
	-I$(CTL_ROOT)/uapi -I$(CTL_USER)/nnmemctl -I$(CTL_DIR) \
	$(shell pkg-config --cflags json-c)
CTL_LIBS := $(CTL_BUILD)/libnnmem_model.a $(CTL_BUILD)/libnnmem.a
CTL_LDLIBS := $(shell pkg-config --libs json-c libcrypto) -lm
CTL_SRCS := $(CTL_DIR)/nnmemctl_test.c $(CTL_USER)/nnmemctl/map_svg.c \
	$(CTL_USER)/nnmemctl/svg.c $(CTL_USER)/nnmemctl/plan_chart.c \
	$(CTL_USER)/nnmemctl/sha256.c
CTL_HDRS := $(CTL_USER)/nnmemctl/map.h $(CTL_USER)/nnmemctl/nl.h \
	$(CTL_USER)/nnmemctl/svg.h $(CTL_USER)/nnmemctl/plan_chart.h \
	$(CTL_USER)/nnmemctl/sha256.h \
	$(CTL_USER)/include/nnmem/model.h $(CTL_USER)/include/nnmem/libnnmem.h

.PHONY: nnmemctl_test run_nnmemctl_test clean_nnmemctl_test ctl_userspace

nnmemctl_test: $(CTL_OUT)/nnmemctl_test

# userspace/Makefile knows the dependencies: always ask it.
ctl_userspace:
	@$(MAKE) --no-print-directory -C $(CTL_USER) BUILD=$(CTL_BUILD) \
		CC=$(CTL_CC) CFLAGS="$(CTL_SAN) -Wall -Wextra -Werror" \
		LDFLAGS="-fsanitize=address,undefined" \
		$(CTL_BUILD)/nnmemctl $(CTL_LIBS)

$(CTL_LIBS) $(CTL_BUILD)/nnmemctl: ctl_userspace ;

$(CTL_OUT)/nnmemctl_test: $(CTL_SRCS) $(CTL_HDRS) $(CTL_LIBS)
	@mkdir -p $(dir $@)
	$(CTL_CC) $(CTL_CFLAGS) -o $@ $(CTL_SRCS) $(CTL_LIBS) $(CTL_LDLIBS)

CTL_RUN := $(CTL_OUT)/nnmemctl_test $(CTL_BUILD)/nnmemctl \
	$(CTL_USER)/nnmemctl/nnmemctl.1 $(CTL_USER)/examples $(CTL_TESTDATA)

run_nnmemctl_test: $(CTL_OUT)/nnmemctl_test
	$(CTL_RUN)

clean_nnmemctl_test:
	rm -rf $(CTL_OUT)/nnmemctl_test $(CTL_BUILD)
