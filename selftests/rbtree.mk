# SPDX-License-Identifier: GPL-2.0
#
# Make fragment: the kernel tree's own userspace copy of its rbtree
# (tools/lib/rbtree.c, tools/include/linux/rbtree.h, rbtree_augmented.h
# and the few tools/include headers they include), for the userspace builds
# of driver/nnmem_arena.c: the unit tests, the fuzz harness and the
# benchmarks. They are extracted at build time from the installed Debian
# package linux-source-6.12 (only these members, into the build directory,
# once: xz makes even that take about 15 s) and never copied into the
# repository. The module uses the kernel's <linux/rbtree_augmented.h>.
#
# After including it:
#   $(RBTREE_STAMP)     a prerequisite: the files have been extracted
#   $(RBTREE_CPPFLAGS)  puts tools/include first for <linux/rbtree.h>
#   $(RBTREE_C)         tools/lib/rbtree.c, to build with
#   $(RBTREE_CFLAGS)    the flags it needs on top of the caller's (it is
#                       the kernel's code, not held to our -Wextra)
#
# RBTREE_DIR defaults to $(NNMEM_BUILD)/rbtree, NNMEM_BUILD to the
# repository's build/; RBTREE_TAR to /usr/src/linux-source-6.12.tar.xz.

RBTREE_REPO	:= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
RBTREE_TAR	?= /usr/src/linux-source-6.12.tar.xz
RBTREE_DIR	?= $(or $(NNMEM_BUILD),$(RBTREE_REPO)/build)/rbtree
RBTREE_STAMP	:= $(RBTREE_DIR)/.extracted
RBTREE_TOP	:= linux-source-6.12
RBTREE_CPPFLAGS	:= -I$(RBTREE_DIR)/$(RBTREE_TOP)/tools/include
RBTREE_C	:= $(RBTREE_DIR)/$(RBTREE_TOP)/tools/lib/rbtree.c
RBTREE_CFLAGS	:= -Wno-unused-parameter

# What tools/lib/rbtree.c includes, directly or not (gcc -MM).
RBTREE_MEMBERS	:= tools/lib/rbtree.c \
	$(addprefix tools/include/linux/,rbtree.h rbtree_augmented.h \
		compiler.h compiler_types.h compiler-gcc.h types.h kernel.h \
		build_bug.h math.h panic.h export.h)

# Re-extracted when the package (its tarball) changes. Extracted beside
# and renamed into place, so a stopped extraction leaves no stamp.
$(RBTREE_STAMP): $(wildcard $(RBTREE_TAR))
	@test -r $(RBTREE_TAR) || { echo "$(RBTREE_TAR) missing:" \
		"apt-get install linux-source-6.12 (make deps)" >&2; exit 1; }
	@echo "  EXTRACT $(RBTREE_DIR) (tools/lib/rbtree.c and its headers from $(RBTREE_TAR))"
	@set -e; tmp=$(RBTREE_DIR).tmp.$$$$; rm -rf $$tmp; mkdir -p $$tmp; \
	tar -C $$tmp -xJf $(RBTREE_TAR) \
		$(addprefix $(RBTREE_TOP)/,$(RBTREE_MEMBERS)); \
	touch $$tmp/.extracted; rm -rf $(RBTREE_DIR); mv $$tmp $(RBTREE_DIR)
