#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the probe without meson: build.sh OUTPUT (needs a C compiler and a static libc).
set -eu
out=${1:?usage: build.sh OUTPUT}
src=$(dirname "$0")/probe.c
${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -static -o "$out.tmp.$$" "$src"
mv -f "$out.tmp.$$" "$out"
