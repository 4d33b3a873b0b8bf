#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the files made from uapi/nnmem.yaml with the kernel's YNL
# generator (tools/net/ynl/ynl-gen-c.py of an extracted kernel source):
#
#   uapi/linux/nnmem_nl.h      uapi: family name, enums, attributes, commands
#   driver/nnmem_nl_gen.h      kernel: policies, ops table, group ids, family
#   driver/nnmem_nl_gen.c
#
# Usage: uapi/ynl-regen.sh [--check]
#   --check  regenerate into a scratch directory and diff against the files
#            in the tree; exit 1 if any differs (nothing is written)
# Environment: KSRC  kernel source tree (default /usr/src/linux-source-6.12)
#
# ynl-gen-c.py leaves the genl_family of a genetlink-legacy family to the
# driver, and then emits the multicast group table static and unused. So the
# family struct is appended here to the generated source (and declared in the
# generated header), in the generator's own layout, with the per-op ops
# table (struct genl_ops, known to 6.1 and 6.12) instead of genl_split_ops.
# The generator does not render multicast group flags either: the events
# group's admin-perm becomes GENL_MCAST_CAP_SYS_ADMIN here.

set -euo pipefail

root=$(cd "$(dirname "$(realpath "$0")")/.." && pwd)
KSRC=${KSRC:-/usr/src/linux-source-6.12}
gen=$KSRC/tools/net/ynl/ynl-gen-c.py
schema=$KSRC/Documentation/netlink/genetlink-legacy.yaml

check=
case "${1:-}" in
--check) check=1 ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

for f in "$gen" "$schema"; do
	[ -f "$f" ] || { echo "$0: $f missing (set KSRC)" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The generator finds the schema next to the spec's parent directory and
# names the spec relative to the nearest directory holding MAINTAINERS:
# give it both in a scratch tree, so the files say "uapi/nnmem.yaml".
mkdir -p "$tmp/tree/uapi" "$tmp/out/uapi/linux" "$tmp/out/driver"
cp "$root/uapi/nnmem.yaml" "$tmp/tree/uapi/"
cp "$schema" "$tmp/tree/"
: >"$tmp/tree/MAINTAINERS"
spec=$tmp/tree/uapi/nnmem.yaml

ynl() {
	python3 "$gen" --spec "$spec" "$@"
}

ynl --mode uapi --header -o "$tmp/out/uapi/linux/nnmem_nl.h"
ynl --mode kernel --header -o "$tmp/out/driver/nnmem_nl_gen.h"
ynl --mode kernel --source -o "$tmp/out/driver/nnmem_nl_gen.c"

# The header: declare the family before the include guard's end.
hdr=$tmp/out/driver/nnmem_nl_gen.h
grep -q '^#endif /\* _LINUX_NNMEM_GEN_H \*/$' "$hdr"
sed -i '/^#endif \/\* _LINUX_NNMEM_GEN_H \*\/$/i\
/* Family (appended by uapi/ynl-regen.sh) */\
extern struct genl_family nnmem_nl_family;\
' "$hdr"

# The source: the family, using the tables the generator emitted.
src=$tmp/out/driver/nnmem_nl_gen.c
grep -q '^static const struct genl_multicast_group nnmem_nl_mcgrps\[\] = {$' "$src"
grep -q '^const struct genl_ops nnmem_nl_ops\[' "$src"
# Group flags: the spec's admin-perm, which the generator does not render.
grep -q '^	\[NNMEM_NLGRP_EVENTS\] = { "events", },$' "$src"
sed -i 's/^	\[NNMEM_NLGRP_EVENTS\] = { "events", },$/	[NNMEM_NLGRP_EVENTS] = { "events", .flags = GENL_MCAST_CAP_SYS_ADMIN, },/' "$src"

cat >>"$src" <<'EOF'

/* Family (appended by uapi/ynl-regen.sh) */
struct genl_family nnmem_nl_family __ro_after_init = {
	.name		= NNMEM_FAMILY_NAME,
	.version	= NNMEM_FAMILY_VERSION,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= nnmem_nl_ops,
	.n_ops		= ARRAY_SIZE(nnmem_nl_ops),
	.mcgrps		= nnmem_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nnmem_nl_mcgrps),
};
EOF

status=0
for f in uapi/linux/nnmem_nl.h driver/nnmem_nl_gen.h driver/nnmem_nl_gen.c; do
	if [ -n "$check" ]; then
		if ! diff -u "$root/$f" "$tmp/out/$f"; then
			echo "$f: out of date, run uapi/ynl-regen.sh" >&2
			status=1
		fi
	elif ! cmp -s "$tmp/out/$f" "$root/$f"; then
		cp "$tmp/out/$f" "$root/$f"
		echo "	GEN	$f"
	fi
done
exit $status
