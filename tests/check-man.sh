#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks the man pages against the command line they document: one page per
# verb of src/cmd/cmd.c, every page installed and rendering without warnings,
# and every long option of a verb's usage text (src/cmd/common.h) in its page.
# Usage: check-man.sh [SOURCE_ROOT]   (prints TAP)

# Functions below are run through check(), which shellcheck cannot follow.
# shellcheck disable=SC2317

set -u

top=${1:-$(dirname "$0")/..}
man_dir=$top/docs/man
cmd_c=$top/src/cmd/cmd.c
common_h=$top/src/cmd/common.h
main_c=$top/src/main.c
docs_build=$top/docs/meson.build

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
}

# check DESCRIPTION COMMAND...: one test line from a command's exit status
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

for f in "$cmd_c" "$common_h" "$main_c" "$docs_build"; do
	if [ ! -r "$f" ]; then
		echo "Bail out! cannot read $f"
		exit 1
	fi
done

# "verb USAGE_MACRO" for each entry of the verb table, e.g.
#	{"create", cmd_create, "create a container", CREATE_USAGE},
verbs=$(sed -n 's/^[[:space:]]*{"\([a-z0-9-]*\)",[[:space:]]*cmd_[a-z0-9_]*,.*,[[:space:]]*\([A-Z0-9_]*\)},.*$/\1 \2/p' "$cmd_c")
if [ -z "$verbs" ]; then
	echo "Bail out! no verbs found in $cmd_c"
	exit 1
fi

# Long options named in each usage macro of common.h, macros referenced from
# a macro (CREATE_FLAGS_HELP in RUN_USAGE) expanded. Prints "MACRO --opt ...".
usage_options() {
	awk '
	function scan(body, name,    c, lit, id, rest) {
		while (length(body) > 0) {
			c = substr(body, 1, 1)
			if (c == "\"") {
				body = substr(body, 2)
				lit = ""
				while (length(body) > 0 && substr(body, 1, 1) != "\"") {
					if (substr(body, 1, 1) == "\\") {
						lit = lit substr(body, 1, 2)
						body = substr(body, 3)
					} else {
						lit = lit substr(body, 1, 1)
						body = substr(body, 2)
					}
				}
				body = substr(body, 2)
				rest = lit
				while (match(rest, /--[a-z0-9][a-z0-9-]*/)) {
					opts[name] = opts[name] " " substr(rest, RSTART, RLENGTH)
					rest = substr(rest, RSTART + RLENGTH)
				}
			} else if (c ~ /[A-Za-z_]/) {
				match(body, /^[A-Za-z0-9_]+/)
				id = substr(body, 1, RLENGTH)
				body = substr(body, RLENGTH + 1)
				refs[name] = refs[name] " " id
			} else {
				body = substr(body, 2)
			}
		}
	}
	function expand(name, depth,    out, k, list, i) {
		if (depth > 10)
			return ""
		out = opts[name]
		k = split(refs[name], list, " ")
		for (i = 1; i <= k; i++)
			if (list[i] in defined)
				out = out expand(list[i], depth + 1)
		return out
	}
	/^#define [A-Z0-9_]+/ {
		name = $2
		defined[name] = 1
		body = $0
		sub(/^#define [A-Z0-9_]+/, "", body)
		while (body ~ /\\[ \t]*$/ && (getline line) > 0) {
			sub(/\\[ \t]*$/, "", body)
			body = body " " line
		}
		sub(/\\[ \t]*$/, "", body)
		scan(body, name)
	}
	END {
		for (name in defined)
			print name expand(name, 0)
	}' "$common_h"
}

# A page as plain text: no comments, no font or hyphen escapes.
page_text() {
	sed -e '/^\.\\"/d' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' \
		-e 's/\\%//g' -e 's/\\&//g' "$1"
}

# has_option FILE --opt: the option appears as a whole word in the page
has_option() {
	page_text "$1" | grep -Eq -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)"
}

has_sections() {
	missing=
	for s in NAME SYNOPSIS DESCRIPTION 'OPTIONS' 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
		grep -Eq "^\.SH \"?([A-Z]+ )?$s\"?\$" "$1" || missing="$missing '$s'"
	done
	[ -z "$missing" ] || diag "$1: missing sections:$missing"
	[ -z "$missing" ]
}

# Rendering: groff with every warning on, else man(1) if it can render a
# trivial page (man-db needs groff underneath), else skipped.
man_works() {
	probe=$(mktemp) || return 1
	printf '.TH PROBE 8\n.SH NAME\nprobe \\- probe\n' >"$probe"
	man --warnings -l -Tutf8 "$probe" >/dev/null 2>&1
	rc=$?
	rm -f "$probe"
	return $rc
}
if command -v groff >/dev/null 2>&1; then
	renderer='groff'
elif command -v man >/dev/null 2>&1 && man_works; then
	renderer='man'
else
	renderer=
fi

renders_clean() {
	if [ "$renderer" = groff ]; then
		out=$(groff -man -ww -z -Tutf8 "$1" 2>&1)
	else
		out=$(man --warnings -l -Tutf8 "$1" 2>&1 >/dev/null)
	fi
	rc=$?
	[ -z "$out" ] || diag "$out"
	[ "$rc" -eq 0 ] && [ -z "$out" ]
}

installed() {
	grep -q "'man/$(basename "$1")'" "$docs_build"
}

is_verb_page() {
	v=${1#"$man_dir"/hutch-}
	v=${v%.8}
	printf '%s\n' "$verbs" | grep -q "^$v "
}

usage=$(usage_options)

# The main page and its global options.
page=$man_dir/hutch.8
check "hutch.8 exists" test -f "$page"
global_opts=$(sed -n '/global_usage\[\] =/,/;[[:space:]]*$/p' "$main_c" |
	grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u)
for o in $global_opts; do
	check "hutch.8 documents global option $o" has_option "$page" "$o"
done
for v in $(printf '%s\n' "$verbs" | cut -d' ' -f1); do
	check "hutch.8 refers to hutch-$v(8)" grep -q "^\.BR hutch\\\\-$v (8)" "$page"
done

# One page per verb, with each long option of its usage text.
for pair in $(printf '%s\n' "$verbs" | tr ' ' ':'); do
	v=${pair%%:*}
	macro=${pair#*:}
	page=$man_dir/hutch-$v.8
	if [ ! -f "$page" ]; then
		not_ok "page for verb '$v' exists (hutch-$v.8)"
		continue
	fi
	ok "page for verb '$v' exists (hutch-$v.8)"
	line=$(printf '%s\n' "$usage" | grep "^$macro\( \|\$\)")
	if [ -z "$line" ]; then
		not_ok "usage text $macro of '$v' found in common.h"
		continue
	fi
	for o in $(printf '%s\n' "$line" | cut -s -d' ' -f2- | tr ' ' '\n' | sort -u); do
		check "hutch-$v.8 documents $o" has_option "$page" "$o"
	done
done

# Every page: a verb of the table (or the main page), installed, well formed.
for page in "$man_dir"/*.8; do
	name=$(basename "$page")
	if [ "$name" != hutch.8 ]; then
		check "$name belongs to a verb of cmd.c" is_verb_page "$page"
	fi
	check "$name is installed by docs/meson.build" installed "$page"
	check "$name has the standard sections" has_sections "$page"
	if [ -n "$renderer" ]; then
		check "$name renders without warnings ($renderer)" renders_clean "$page"
	else
		ok "$name renders without warnings # SKIP neither groff nor a working man(1) is installed"
	fi
done

echo "1..$n"
exit $failed
