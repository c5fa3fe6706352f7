#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# How hutch is linked, as the build chose (meson.build): "static" means one
# static-pie executable (no program interpreter, no needed library), anything
# else that libc is the only shared library it needs.
# Usage: check-linkage.sh HUTCH static|dynamic
set -eu
exe=$1 mode=$2
interp=$(readelf -lW "$exe" | grep -c 'Requesting program interpreter' || true)
needed=$(readelf -dW "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if [ "$mode" = static ]; then
	if [ "$interp" -ne 0 ] || [ -n "$needed" ]; then
		echo "not static: interpreter $interp, needs: $needed" >&2
		exit 1
	fi
	readelf -hW "$exe" | grep -q 'DYN (Position-Independent Executable' ||
		{ echo "not position-independent" >&2; exit 1; }
elif [ "$needed" != "libc.so.6 " ]; then
	echo "needs more than libc: $needed" >&2
	exit 1
fi
echo "hutch is $mode: interpreter $interp, needs: ${needed:-nothing}"
