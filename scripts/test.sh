#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install build and test dependencies, build with -Werror, then run every suite: every meson
# suite (unit, check, root and the vm smoke test: plain `meson test`), the pytest integration
# suite, and the cgroup integration tests inside the pure cgroup v2 VM
# (tests/vm/run-integration.sh; skipped when qemu cannot run).
# Prints one final line "N passed, N failed, N skipped" over all suites and exits non-zero
# if anything failed. For a fresh Debian 12 machine, as root; works from any directory.
# Usage: scripts/test.sh [PYTEST ARGS...]   (e.g. -k lifecycle; HUTCH_RUNTIME=/usr/sbin/runc
# runs the integration suite against another runtime; HUTCH_E2E_RUNTIME=runc makes podman
# and containerd drive runc in the engine tests, which -m engines selects)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need_root
apt_install "${BUILD_DEPS[@]}" busybox-static clang-format python3 python3-pytest python3-jsonschema \
	runc podman conmon containerd qemu-system-x86 iproute2 procps util-linux \
	netavark containernetworking-plugins catatonit uidmap strace dbus-daemon
build -Dwerror=true

passed=0 failed=0 skipped=0
failures=()

count() { # suite passed failed skipped
	passed=$((passed + $2))
	failed=$((failed + $3))
	skipped=$((skipped + $4))
	echo "--- $1: $2 passed, $3 failed, $4 skipped"
	[ "$3" -eq 0 ] || failures+=("$1")
}

step "meson suites: unit, check, root, vm (meson test)"
log=$(mktemp)
trap 'rm -f "$log" "${junit:-}"' EXIT
set +e
meson test -C "$BUILD" --print-errorlogs </dev/null 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
field() { sed -n "s/^$1: *\([0-9][0-9]*\).*/\1/p" "$log" | tail -n 1; }
ok=$(field Ok) fail=$(field Fail) skip=$(field Skipped)
xfail=$(field 'Expected Fail') xpass=$(field 'Unexpected Pass') tmo=$(field Timeout)
ok=${ok:-0} fail=$((${fail:-0} + ${xpass:-0} + ${tmo:-0})) skip=$((${skip:-0} + ${xfail:-0}))
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	fail=1 # meson failed without a summary: count the suite as one failure
fi
count "meson" "$ok" "$fail" "$skip"

step "integration tests (pytest)"
junit=$(mktemp)
set +e
HUTCH_BUILD_DIR=$BUILD /usr/bin/python3 -m pytest -p no:cacheprovider --junitxml="$junit" \
	"$REPO/tests/integration" "$@" </dev/null
rc=$?
set -e
read -r ok fail skip < <(/usr/bin/python3 - "$junit" <<'PY' || echo "0 1 0"
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
n = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skip = sum(int(s.get("skipped", 0)) for s in suites)
print(n - bad - skip, bad, skip)
PY
)
# pytest exit status 5 means no tests were collected (e.g. a -k that matched nothing)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ] && [ "$fail" -eq 0 ]; then
	fail=1
fi
count "integration" "$ok" "$fail" "$skip"

step "vm integration (cgroup v2 VM: tests/vm/run-integration.sh)"
# pytest runs inside the VM, so no junit file comes back: count its summary lines
vmlog=$(mktemp)
trap 'rm -f "$log" "${junit:-}" "$vmlog"' EXIT
set +e
HUTCH_BUILD_DIR=$BUILD "$REPO/tests/vm/run-integration.sh" "$@" </dev/null 2>&1 | tee "$vmlog"
rc=${PIPESTATUS[0]}
set -e
# one summary line per VM boot (plain, then systemd as PID 1): add them up
num() { # WORD: the sum of "N WORD" over pytest's summary lines
	grep -E '^=* *[0-9]+ (passed|failed|skipped|errors?|deselected)' "$vmlog" |
		grep -oE "[0-9]+ $1" | awk '{ n += $1 } END { print n + 0 }'
	true # no summary at all is not an error here
}
ok=$(num passed) fail=$(($(num failed) + $(num error))) skip=$(num skipped)
if [ "$rc" -eq 77 ]; then
	echo "vm integration skipped: the VM cannot run on this machine (see the messages above)"
	ok=0 fail=0 skip=1
elif [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ] && [ "$fail" -eq 0 ]; then
	fail=1 # the VM or pytest failed without a summary
fi
count "vm integration" "$ok" "$fail" "$skip"

echo
[ ${#failures[@]} -eq 0 ] || echo "failed suites: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
