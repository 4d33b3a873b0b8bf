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
.PHONY: install install-module install-userspace install-udev install-dkms
.PHONY: fuzz stress

help:
	@echo 'Targets marked (root) install missing packages with apt-get first (make deps).'
	@echo ''
	@echo 'make demo       (root) boot Debian 6.12 in QEMU with nnmem.ko loaded, run nnmemctl demo'
	@echo 'make check      (root) the whole test run: report.py self-tests, unit tests, make lint,'
	@echo '                libFuzzer for a few seconds, kselftests in QEMU on Debian 6.1, Debian 6.12'
	@echo '                and a debug 6.12 (built once, cached); TAP in build/vm/summary.tap ending'
	@echo '                in "N passed, N failed", figures in build/figures.md'
	@echo 'make deps       (root) install the build and test packages (apt-get)'
	@echo 'make ksrc       extract linux-source-6.12 into $(NNMEM_CACHE)/src'
	@echo 'make module     build nnmem.ko with W=1 against the installed Debian 6.12 headers'
	@echo '                (build/kmod/host/); for the running kernel see make install-module'
	@echo 'make userspace  build libnnmem and nnmemctl (userspace/build/)'
	@echo 'make unit       userspace unit tests (allocator, int8 kernels, graph validator) under'
	@echo '                ASan/UBSan; the kernel rbtree files from the linux-source-6.12 package'
	@echo 'make bench      (root) the userspace arena benchmark, then device_bench in a Debian 6.12 VM'
	@echo 'make lint       checkpatch --strict, kernel-doc -Wall, ynl-regen.sh --check, the kselftest'
	@echo '                config, W=1 C=2 (sparse) builds on 6.1 and 6.12 headers, cppcheck'
	@echo 'make fuzz       (root) the libFuzzer harnesses of the arena and graph validator,'
	@echo '                FUZZ_SECONDS each (300)'
	@echo 'make stress     (root) stress_test in the debug-kernel VM for NNMEM_STRESS_SECONDS (120)'
	@echo 'make install    as root: install-module install-userspace install-udev install-dkms:'
	@echo '                nnmem.ko for KDIR (default: the running kernel; needs its build'
	@echo '                directory, from linux-headers-<release>), libnnmem and nnmemctl under'
	@echo '                PREFIX (/usr/local), the udev rule, the DKMS source; DESTDIR stages it all'
	@echo 'make clean      remove build outputs (the cache stays: rm -rf $(NNMEM_CACHE))'

deps:
	$(VM)/install-deps.sh

ksrc:
	@$(VM)/kernels.sh ksrc >/dev/null

module:
	$(VM)/build-module.sh host W=1

userspace:
	$(MAKE) -C userspace

# Needs no kernel source tree: the arena's rbtree (tools/lib/rbtree.c and
# its headers) is extracted alone from the linux-source-6.12 tarball into
# $(NNMEM_BUILD)/rbtree on first use (selftests/rbtree.mk).
unit:
	$(MAKE) -C selftests/unit run

# The full run: check.sh's developer knobs (see check.sh) are cleared.
check: deps
	env -u NNMEM_TESTS -u NNMEM_KERNELS -u NNMEM_SKIP_UNIT \
		-u NNMEM_SKIP_LINT -u NNMEM_FUZZ_SECONDS -u NNMEM_TESTS_DIR \
		-u NNMEM_MODSRC $(VM)/check.sh

demo: deps
	$(VM)/demo.sh

# The userspace arena bench, then device_bench in a Debian 6.12 VM.
# Never part of check; never fails on time.
bench: ksrc deps
	$(MAKE) -C selftests/bench KSRC=$(KSRC) run
	$(VM)/bench.sh

lint: ksrc
	$(VM)/lint.sh

# The libFuzzer harnesses for FUZZ_SECONDS each (make check runs them for
# a few seconds). Crashes are kept in build/fuzz/<harness>-work/.
FUZZ_SECONDS	?= 300
fuzz: deps
	$(MAKE) -C selftests/fuzz OUT=$(NNMEM_BUILD)/fuzz \
		FUZZ_SECONDS=$(FUZZ_SECONDS) run

# stress_test alone in the debug kernel's VM, for NNMEM_STRESS_SECONDS.
NNMEM_STRESS_SECONDS ?= 120
stress: deps
	NNMEM_STRESS_SECONDS=$(NNMEM_STRESS_SECONDS) $(VM)/stress.sh

# make install [DESTDIR=/stage] [PREFIX=/usr/local] [KDIR=<kernel build dir>]
#   install-module     nnmem.ko via kbuild modules_install for KDIR (default:
#                      the running kernel's) into $(DESTDIR)/lib/modules/<rel>/updates
#   install-userspace  libnnmem (header, .a, .so, .pc) and nnmemctl (userspace/)
#   install-udev       udev/60-nnmem.rules into $(UDEVRULESDIR)
#   install-dkms       the module source and dkms.conf into $(DKMSDIR)
# The module is built in $(NNMEM_BUILD)/kmod/install from a copy of the
# sources, so the tree stays free of objects.
KDIR		?= /lib/modules/$(shell uname -r)/build
PREFIX		?= /usr/local
DESTDIR		?=
UDEVRULESDIR	?= /etc/udev/rules.d
NNMEM_VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
DKMSDIR		?= /usr/src/nnmem-$(NNMEM_VERSION)
KMOD_INSTALL	:= $(NNMEM_BUILD)/kmod/install

install: install-module install-userspace install-udev install-dkms

install-module:
	@test -f $(KDIR)/Makefile || \
		{ echo "KDIR=$(KDIR): no kernel build directory (install linux-headers-<release>)" >&2; exit 1; }
	rm -rf $(KMOD_INSTALL)
	mkdir -p $(KMOD_INSTALL)/driver $(KMOD_INSTALL)/uapi/linux
	cp -p Kbuild $(KMOD_INSTALL)/
	cp -p driver/*.c driver/*.h $(KMOD_INSTALL)/driver/
	cp -p uapi/linux/*.h $(KMOD_INSTALL)/uapi/linux/
	$(MAKE) -C $(KDIR) M=$(KMOD_INSTALL) modules
	$(MAKE) -C $(KDIR) M=$(KMOD_INSTALL) INSTALL_MOD_PATH=$(DESTDIR) \
		modules_install

install-userspace:
	$(MAKE) -C userspace PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) install

install-udev:
	install -d $(DESTDIR)$(UDEVRULESDIR)
	install -m 0644 udev/60-nnmem.rules $(DESTDIR)$(UDEVRULESDIR)/

install-dkms:
	install -d $(DESTDIR)$(DKMSDIR)/driver $(DESTDIR)$(DKMSDIR)/uapi/linux
	install -m 0644 Kbuild dkms.conf $(DESTDIR)$(DKMSDIR)/
	install -m 0644 driver/*.c driver/*.h $(DESTDIR)$(DKMSDIR)/driver/
	install -m 0644 uapi/linux/*.h $(DESTDIR)$(DKMSDIR)/uapi/linux/

clean:
	rm -rf $(NNMEM_BUILD)
	-$(MAKE) -C userspace clean
	-$(MAKE) -C selftests/unit clean
	-$(MAKE) -C selftests/nnmem clean
	-$(MAKE) -C selftests/bench clean
	-$(MAKE) -C selftests/fuzz clean
