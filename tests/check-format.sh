#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The C sources follow the committed .clang-format. Exit 77 (skip) without clang-format.
cd "${1:-$(dirname "$0")/..}" || exit 2
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed: skipped"; exit 77; }
files=$(find src tests -name '*.[ch]' -not -path '*/build*' | sort)
# shellcheck disable=SC2086 # file names have no blanks
if clang-format --dry-run --Werror $files; then
	echo "formatted: $(echo "$files" | wc -l) files"
else
	echo "run: clang-format -i \$(find src tests -name '*.[ch]')"
	exit 1
fi
