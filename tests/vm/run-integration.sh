#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the cgroup integration tests inside the pure cgroup v2 VM (tests/vm/run.sh) against the
# hutch built in $HUTCH_BUILD_DIR (default <repo>/build), with pytest's temp dir on the VM's
# tmpfs. Needs root. Prints pytest's output; the last line is pytest's summary
# ("N passed, N skipped in ..."), which scripts/test.sh counts.
# Usage: tests/vm/run-integration.sh [PYTEST ARGS...]   (e.g. -k oom)
# Env: HUTCH_VM_TESTS (test files, relative to the repo; default: the cgroup ones),
#      HUTCH_VM_SYSTEMD=0 skips the extra boot with systemd as PID 1, plus run.sh's variables.
# Exit: pytest's status; 77 when the VM cannot run here or cannot see the build dir.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(realpath -m "${HUTCH_BUILD_DIR:-$repo/build}")
tests=${HUTCH_VM_TESTS:-tests/integration/test_cgroup_resources.py tests/integration/test_cgroups.py}

if [ ! -x "$build/hutch" ]; then
	echo "run-integration: no $build/hutch: build hutch first" >&2
	exit 2
fi
case "$build/" in
/tmp/*)
	# the VM mounts its own tmpfs on /tmp
	echo "run-integration: SKIP: the build dir $build is under /tmp, which the VM cannot see" >&2
	exit 77
	;;
esac

cd "$repo" || exit 2
"$here/build.sh" || exit $?

# shellcheck disable=SC2086 # $tests is a list of paths without blanks
env -u TMPDIR HUTCH_BUILD_DIR="$build" HUTCH_VM_DIR="${HUTCH_VM_DIR:-$build/vm}" \
	"$here/run.sh" -- env TMPDIR=/tmp /usr/bin/python3 -m pytest -q -p no:cacheprovider -rs \
	$tests "$@"
