#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the cgroup and rootless integration tests inside the pure cgroup v2 VM (tests/vm/run.sh)
# against the hutch built in $HUTCH_BUILD_DIR (default <repo>/build), with pytest's temp dir on
# the VM's tmpfs. Needs root. Prints pytest's output, with its summary lines ("N passed, N skipped
# in ..."), which scripts/test.sh adds up.
# Usage: tests/vm/run-integration.sh [PYTEST ARGS...]   (e.g. -k oom)
# Env: HUTCH_VM_TESTS (test files, relative to the repo; default: the cgroup and rootless ones),
#      HUTCH_VM_SYSTEMD=0 skips the extra boot with systemd as PID 1, plus run.sh's variables.
# Then boots the VM once more with systemd as PID 1 (tests/vm/init, hutch.systemd=1) for the
# systemd cgroup driver's test; that run prints a second summary line.
# Exit: pytest's status (the first failing run's); 77 when the VM cannot run here or cannot
# see the build dir.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(realpath -m "${HUTCH_BUILD_DIR:-$repo/build}")
default_tests="tests/integration/test_cgroup_resources.py tests/integration/test_cgroup_update.py
	tests/integration/test_cgroup_placement.py tests/integration/test_cgroups.py
	tests/integration/test_rootless.py tests/integration/test_rootless_cgroup.py"
tests=${HUTCH_VM_TESTS:-$default_tests}

if [ ! -x "$build/hutch" ]; then
	echo "run-integration: no $build/hutch: build hutch first" >&2
	exit 2
fi

cd "$repo" || exit 2
"$here/build.sh" || exit $?

vm() { # [APPEND] -- PYTEST ARGS...
	local append=$1
	shift 2
	env -u TMPDIR HUTCH_BUILD_DIR="$build" HUTCH_VM_DIR="${HUTCH_VM_DIR:-$build/vm}" \
		HUTCH_VM_APPEND="${HUTCH_VM_APPEND:-} $append" \
		"$here/run.sh" -- env TMPDIR=/tmp /usr/bin/python3 -m pytest -q -p no:cacheprovider \
		-rs "$@"
}

# shellcheck disable=SC2086 # $tests is a list of paths without blanks
vm "" -- $tests "$@"
rc=$?
[ $rc -eq 77 ] && exit 77

# The systemd cgroup driver, with systemd as the VM's PID 1 (about 15 s more).
if [ "${HUTCH_VM_SYSTEMD:-1}" != 0 ]; then
	if [ -x /lib/systemd/systemd ] && command -v dbus-daemon >/dev/null; then
		echo "run-integration: again with systemd as PID 1, for the systemd cgroup driver"
		vm hutch.systemd=1 -- tests/integration/test_cgroup_placement.py \
			tests/integration/test_rootless_cgroup.py -k systemd
		src=$?
		[ $rc -eq 0 ] && [ $src -ne 5 ] && rc=$src
	else
		echo "run-integration: no systemd or dbus-daemon on this host: systemd driver not tested"
	fi
fi
exit $rc
