#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every mount goes through the safe-mount layer (src/linux/mount.h): no C file
# of src/ but src/linux/mount.c may call mount(2), umount(2)/umount2(2) or the
# new mount API (open_tree, move_mount, fsopen, fsconfig, fsmount, fspick,
# mount_setattr), directly or through syscall(SYS_...). src/util/procfs.c may
# make its own detached procfs instance (fsopen, fsconfig, fsmount, open_tree)
# and attaches nothing. Comments are stripped first (cc -fpreprocessed).
# Usage: check-mount-calls.sh [SOURCE_ROOT]   (exit 0 clean, 1 on a violation)
set -u

top=${1:-$(dirname "$0")/..}
cc=${CC:-cc}
calls='mount|umount2?|open_tree|move_mount|fsopen|fsconfig|fsmount|fspick|mount_setattr'
procfs_calls='open_tree|fsopen|fsconfig|fsmount'

# find FILE ALLOWED: print the mount calls of FILE other than ALLOWED ones
find_calls() {
	"$cc" -fpreprocessed -dD -E -P "$1" 2>/dev/null |
		grep -En "(^|[^A-Za-z0-9_])($calls)[[:space:]]*\(|SYS_($calls)([^A-Za-z0-9_]|$)" |
		grep -Ev "(^|[^A-Za-z0-9_])($2)[[:space:]]*\(|SYS_($2)([^A-Za-z0-9_]|$)" |
		sed "s|^|$1:|"
}

# the check must see a call it is meant to refuse
sample=$(mktemp /tmp/hutch-check-mount.XXXXXX.c)
trap 'rm -f "$sample"' EXIT
printf '/* mount( in a comment is fine */\nint f(void) { return mount("a", "b", 0, 0, 0); }\n' >"$sample"
if [ -z "$(find_calls "$sample" '^$')" ]; then
	echo "check-mount-calls: the check does not see a mount(2) call; is $cc usable?"
	exit 1
fi

bad=0
for f in $(find "$top/src" -name '*.c' | sort); do
	case ${f#"$top"/} in
	src/linux/mount.c) continue ;;
	src/util/procfs.c) allowed=$procfs_calls ;;
	*) allowed='^$' ;;
	esac
	found=$(find_calls "$f" "$allowed")
	if [ -n "$found" ]; then
		echo "$found"
		bad=1
	fi
done
if [ "$bad" = 1 ]; then
	echo "mount calls outside src/linux/mount.c: mount through the layer in linux/mount.h"
	exit 1
fi
echo "no mount call outside src/linux/mount.c"
