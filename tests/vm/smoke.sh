#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Smoke test of the cgroup v2 test VM: boots it a few times and checks the
# cgroup setup, writable /tmp, exit status, environment and output transport.
# Runs on the host (needs qemu; exits 77 when the VM cannot run here).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run=$here/run.sh
pass=0
fail=0
n=0

# ok STATUS NAME: reports one check.
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
		echo "ok $n - $2"
	else
		fail=$((fail + 1))
		echo "not ok $n - $2"
	fi
}

# Build first so that the boot time below does not include it.
"$here/build.sh" || exit $?

t0=$(date +%s%N)
uptime=$("$run" -- cut -d' ' -f1 /proc/uptime)
rc=$?
t1=$(date +%s%N)
[ $rc = 77 ] && exit 77
ok $rc "VM boots and runs a command"
echo "# boot-to-command: $(((t1 - t0) / 1000000)) ms on the host" \
	"(guest uptime at command start: ${uptime:-?} s)"

checks='
t() { if eval "$2" >/dev/null 2>&1; then echo "ok $1"; else echo "FAIL $1"; fi; }
t cgroup2-mounted "[ \"\$(stat -f -c %T /sys/fs/cgroup)\" = cgroup2fs ]"
t no-cgroup-v1 "! grep -q \"^[^ ]* [^ ]* cgroup \" /proc/self/mounts"
for c in cpu memory pids io cpuset hugetlb; do
	t "controller-$c" "grep -qw $c /sys/fs/cgroup/cgroup.controllers"
	t "enabled-$c" "grep -qw $c /sys/fs/cgroup/cgroup.subtree_control"
done
t own-cgroup-is-root "[ \"\$(cat /proc/self/cgroup)\" = 0::/ ]"
t tmp-writable "echo data >/tmp/f && [ \"\$(cat /tmp/f)\" = data ]"
t tmp-fifo "mkfifo /tmp/fifo && [ -p /tmp/fifo ]"
t root-writable "echo x >/etc/hutch-vm-smoke && rm /etc/hutch-vm-smoke"
t same-cwd "[ \"\$PWD\" = \"\$SMOKE_CWD\" ]"
t env-passed "[ \"\$SMOKE_VAR\" = \"a b '\''c'\'' \\\$d\" ]"
t pid1-is-vm "[ \"\$(cat /proc/1/comm)\" != systemd ]"
echo end-of-checks
'
out=$(SMOKE_CWD=$PWD SMOKE_VAR="a b 'c' \$d" "$run" -- /bin/sh -c "$checks")
ok $? "check script exits 0"
grep -q '^end-of-checks$' <<<"$out"
ok $? "check script ran to the end"
while read -r verdict name; do
	[ "$verdict" = ok ]
	ok $? "$name"
done < <(grep -E '^(ok|FAIL) ' <<<"$out")

"$run" -- sh -c 'exit 7'
[ $? = 7 ]
ok $? "exit status 7 comes back as 7"

want=$(seq 1 1000 | md5sum)
got=$("$run" -- seq 1 1000 | md5sum)
[ "$got" = "$want" ]
ok $? "1000 lines of output come back intact"

got=$("$run" -- sh -c 'head -c 4000000 /dev/zero | tr "\0" x; echo err >&2' \
	2>/dev/null | wc -c)
[ "$got" = 4000000 ]
ok $? "4 MB of output come back intact"

got=$("$run" -- sh -c 'echo to-stderr >&2' 2>&1 >/dev/null)
[ "$got" = to-stderr ]
ok $? "stderr comes back on stderr"

echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
