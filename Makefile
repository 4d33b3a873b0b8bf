# SPDX-License-Identifier: GPL-2.0
#
# nnmem: top-level targets. `make help` lists them.
#
# Kernel images, the extracted linux-source-6.12 (KSRC) and the debug
# kernel build live in $(NNMEM_CACHE); everything else under build/.

NNMEM_CACHE	?= $(HOME)/.cache/nnmem
NNMEM_BUILD	?= $(CURDIR)/build
export NNMEM_CACHE NNMEM_BUILD

VM		:= $(CURDIR)/selftests/vm
SRC_VERSION	= $(shell dpkg-query -W -f='$${Version}' linux-source-6.12 2>/dev/null)
# The extracted linux-source-6.12 (kselftest_harness.h, checkpatch.pl).
KSRC		?= $(NNMEM_CACHE)/src/$(SRC_VERSION)/linux-source-6.12

.PHONY: help deps ksrc module userspace unit check demo bench lint clean

help:
	@echo 'make demo       boot a Debian 6.12 VM with nnmem.ko and run nnmemctl demo'
	@echo 'make check      unit tests + kselftests on 3 kernels in QEMU, one TAP summary'
	@echo 'make deps       install build/test dependencies (root, apt-get)'
	@echo 'make module     build nnmem.ko against the host 6.12 headers (W=1)'
	@echo 'make userspace  build libnnmem and nnmemctl'
	@echo 'make unit       userspace unit tests of the allocator'
	@echo 'make bench      allocator benchmarks'
	@echo 'make lint       checkpatch --strict, W=1 C=2 on 6.1 and 6.12 headers'
	@echo 'make clean      remove build outputs (the cache stays: rm -rf $(NNMEM_CACHE))'

deps:
	$(VM)/install-deps.sh

ksrc:
	@$(VM)/kernels.sh ksrc >/dev/null

module:
	$(VM)/build-module.sh host W=1

userspace:
	$(MAKE) -C userspace

unit: ksrc
	$(MAKE) -C selftests/unit KSRC=$(KSRC) run

check: deps
	$(VM)/check.sh

demo: deps
	$(VM)/demo.sh

# The userspace arena bench, then device_bench in a Debian 6.12 VM.
# Never part of check; never fails on time.
bench: ksrc deps
	$(MAKE) -C selftests/bench KSRC=$(KSRC) run
	$(VM)/bench.sh

lint: ksrc
	$(VM)/lint.sh

clean:
	rm -rf $(NNMEM_BUILD)
	-$(MAKE) -C userspace clean
	-$(MAKE) -C selftests/unit clean
	-$(MAKE) -C selftests/nnmem clean
	-$(MAKE) -C selftests/bench clean
