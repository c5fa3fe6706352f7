#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Root-only checks of the rootfs assembly (src/linux/setup/rootfs/) through tests/helpers/rootfs-run, on a
# busybox rootfs built in a temporary directory (needs /bin/busybox, static).
# Usage: test_rootfs.sh PATH/TO/rootfs-run. Prints "N passed, N failed";
# exits 77 (skip) when not root or busybox is missing, 1 on any failure.
set -u

RUN=${1:?usage: test_rootfs.sh PATH/TO/rootfs-run}
RUN=$(realpath "$RUN")
if [ "$(id -u)" != 0 ]; then
	echo "skipped: needs root"
	exit 77
fi
if [ ! -x /bin/busybox ]; then
	echo "skipped: needs /bin/busybox (busybox-static)"
	exit 77
fi

passed=0
failed=0
T=$(mktemp -d /tmp/hutch-rootfs-test.XXXXXX)
HOST_MOUNTS=()

cleanup() {
	local m
	for m in "${HOST_MOUNTS[@]}"; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

ok() { # ok NAME COMMAND... : the command must succeed
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "not ok - $name"
	fi
}

# new_bundle NAME: a bundle with a fresh busybox rootfs; prints its path
new_bundle() {
	local b=$T/$1
	mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/sys" "$b/rootfs/dev" \
		"$b/rootfs/etc" "$b/rootfs/tmp"
	cp /bin/busybox "$b/rootfs/bin/busybox"
	chroot "$b/rootfs" /bin/busybox --install -s /bin
	echo "root:x:0:0:root:/:/bin/sh" >"$b/rootfs/etc/passwd"
	echo "$b"
}

DEFAULT_MOUNTS='
{"destination":"/proc","type":"proc","source":"proc"},
{"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
{"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","mode=0620","gid=5"]},
{"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec","nodev","mode=1777","size=65536k"]},
{"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]},
{"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]}'

# config BUNDLE EXTRA_MOUNTS LINUX_JSON [ROOT_EXTRA]
config() {
	cat >"$1/config.json" <<EOF
{"ociVersion":"1.2.0","root":{"path":"rootfs"${4:-}},
 "mounts":[$DEFAULT_MOUNTS${2:+,$2}],
 "linux":{${3:-}}}
EOF
}

# inside BUNDLE [--flags] -- SCRIPT: run a shell script in the container
inside() {
	local b=$1
	shift
	local flags=()
	while [ "$1" != "--" ]; do
		flags+=("$1")
		shift
	done
	shift
	"$RUN" "${flags[@]}" "$b" /bin/sh -c "$1"
}

# The host's mount points, except those other test suites on this machine
# make and remove meanwhile (their own directories under /tmp, /run/netns):
# a leak of ours lands elsewhere or under $T, which is kept.
host_mounts() {
	awk -v t="$T" '!(($5 ~ "^/tmp/" && index($5, t) != 1) || $5 ~ "^/run/netns")' /proc/self/mountinfo
}
mountinfo_host_before=$(host_mounts)

# --- default filesystems, bind mounts, options ----------------------------
B=$(new_bundle basic)
mkdir -p "$T/hostdir" "$T/hostro"
echo hello >"$T/hostdir/file"
echo ro >"$T/hostro/file"
echo bundle-file >"$B/hosts-src"
config "$B" '
{"destination":"/data","type":"none","source":"'"$T"'/hostdir","options":["rbind","rw"]},
{"destination":"/rodata","type":"bind","source":"'"$T"'/hostro","options":["bind","ro","nosuid","nodev"]},
{"destination":"/etc/hosts","source":"hosts-src","options":["bind","ro"]},
{"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","size=1m","mode=1777"]},
{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["nosuid","noexec","nodev","ro"]}' \
	'"sysctl":{"kernel.domainname":"rootfs.test"}'
out=$(inside "$B" -- '
	cat /proc/self/mountinfo
	echo "hostname-file: $(cat /etc/hosts)"
	echo "data: $(cat /data/file)"
	echo written >/data/new && echo "data-write: ok"
	touch /rodata/x 2>/dev/null || echo "rodata-write: refused"
	touch /tmp/x && echo "tmp-write: ok"
	echo "domainname: $(cat /proc/sys/kernel/domainname)"
	echo "pid: $$"
	ls /sys/fs/cgroup | tr "\n" " "; echo
	mkdir /sys/fs/cgroup/new 2>/dev/null || echo "cgroup-tmpfs: ro"
' 2>&1)
rc=$?
ok "basic container runs (rc=$rc)" test $rc = 0
mnt() { echo "$out" | awk -v d="$1" -v t="$2" '$5 == d { for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) == t) f = 1; break } } END { exit !f }'; }
mntopts() { echo "$out" | awk -v d="$1" '$5 == d { print $6 }' | tail -1; }
ok "proc mounted at /proc" mnt /proc proc
ok "sysfs mounted at /sys" mnt /sys sysfs
ok "sysfs is read-only" grep -q '^ro' <<<"$(mntopts /sys)"
ok "tmpfs at /dev" mnt /dev tmpfs
ok "devpts at /dev/pts" mnt /dev/pts devpts
ok "devpts gets newinstance,ptmxmode=0666" grep -q 'ptmxmode=666' <<<"$(echo "$out" | grep ' /dev/pts ')"
ok "mqueue at /dev/mqueue" mnt /dev/mqueue mqueue
ok "shm tmpfs at /dev/shm" mnt /dev/shm tmpfs
ok "tmpfs size option passed as data" grep -q 'size=1024k' <<<"$(echo "$out" | grep ' /tmp ')"
ok "bind mount visible" grep -q '^data: hello$' <<<"$out"
ok "rw bind is writable and reaches the host" test "$(cat "$T/hostdir/new" 2>/dev/null)" = written
ok "ro bind is read-only" grep -q '^rodata-write: refused$' <<<"$out"
ok "ro bind keeps nosuid,nodev" grep -q 'ro,nosuid,nodev' <<<"$(mntopts /rodata)"
ok "relative bind source taken from the bundle (file on file)" grep -q '^hostname-file: bundle-file$' <<<"$out"
ok "tmpfs /tmp writable" grep -q '^tmp-write: ok$' <<<"$out"
ok "sysctl applied" grep -q '^domainname: rootfs.test$' <<<"$out"
ok "command is pid 1" grep -q '^pid: 1$' <<<"$out"
ok "sysctl did not touch the host" test "$(cat /proc/sys/kernel/domainname)" != rootfs.test
if grep -q ' cgroup cgroup ' /proc/self/mountinfo; then
	ok "cgroup v1 tmpfs tree" mnt /sys/fs/cgroup tmpfs
	for d in /sys/fs/cgroup/*; do
		[ -L "$d" ] && continue
		name=${d##*/}
		ok "cgroup hierarchy $name mirrored" mnt "/sys/fs/cgroup/$name" "$(awk -v m="$d" '$5 == m { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i+1); exit } }' /proc/self/mountinfo)"
	done
	ok "cgroup tmpfs read-only" grep -q '^cgroup-tmpfs: ro$' <<<"$out"
	mem=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
	if [ -n "$mem" ] && [ "$mem" != / ]; then
		ok "memory cgroup bind is the own cgroup ($mem)" grep -q " $mem /sys/fs/cgroup/memory " <<<"$out"
	fi
	out_ns=$(inside "$B" --cgroupns -- 'cat /proc/self/mountinfo' 2>&1)
	ok "with a cgroup namespace, hierarchies are mounted fresh" \
		grep -qE '^[0-9]+ [0-9]+ [0-9:]+ / /sys/fs/cgroup/memory ' <<<"$out_ns"
else
	ok "cgroup2 at /sys/fs/cgroup" mnt /sys/fs/cgroup cgroup2
fi

# A pure cgroup v2 view of the host: cgroup2 alone on /sys/fs/cgroup, in a
# private mount namespace of the test itself.
v2=$(unshare -m --propagation private bash -c '
	umount -l /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 1
	"$0" "$1" /bin/sh -c "cat /proc/self/mountinfo"
	echo "--- cgroupns"
	"$0" --cgroupns "$1" /bin/sh -c "cat /proc/self/mountinfo"' "$RUN" "$B" 2>&1)
v2_own=$(sed -n '1,/^--- cgroupns$/p' <<<"$v2")
v2_ns=$(sed -n '/^--- cgroupns$/,$p' <<<"$v2")
ok "cgroup v2 host: cgroup2 bind at /sys/fs/cgroup" \
	grep -qE "^[0-9]+ [0-9]+ [0-9:]+ $(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup) /sys/fs/cgroup [^ ]+ - cgroup2 " <<<"$v2_own"
ok "cgroup v2 host: nothing else under /sys/fs/cgroup" \
	test "$(grep -c ' /sys/fs/cgroup' <<<"$v2_own")" = 1
ok "cgroup v2 host with a cgroup namespace: fresh cgroup2" \
	grep -qE '^[0-9]+ [0-9]+ [0-9:]+ / /sys/fs/cgroup ro,[^ ]+ - cgroup2 ' <<<"$v2_ns"

# --- devices and /dev symlinks ---------------------------------------------
B=$(new_bundle devices)
config "$B" "" '"devices":[
 {"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":438,"uid":0,"gid":0},
 {"path":"/dev/loopx","type":"b","major":7,"minor":0,"fileMode":432,"uid":1,"gid":2},
 {"path":"/dev/myfifo","type":"p","fileMode":384},
 {"path":"/opt/dev/zz","type":"c","major":1,"minor":3}]'
out=$(inside "$B" -- '
	for d in null zero full random urandom tty fuse loopx myfifo; do
		echo "$d $(stat -c "%t:%T %a %F %u:%g" /dev/$d)"
	done
	echo "zz $(stat -c "%t:%T %F" /opt/dev/zz)"
	for l in fd stdin stdout stderr ptmx core; do echo "link $l $(readlink /dev/$l)"; done
' 2>&1)
ok "devices container runs" test $? = 0
dev() { grep -q "^$1 $2\$" <<<"$out"; }
ok "/dev/null 1:3 0666" dev null "1:3 666 character special file 0:0"
ok "/dev/zero 1:5 0666" dev zero "1:5 666 character special file 0:0"
ok "/dev/full 1:7 0666" dev full "1:7 666 character special file 0:0"
ok "/dev/random 1:8 0666" dev random "1:8 666 character special file 0:0"
ok "/dev/urandom 1:9 0666" dev urandom "1:9 666 character special file 0:0"
ok "/dev/tty 5:0 0666" dev tty "5:0 666 character special file 0:0"
ok "linux.devices char 10:229 0666" dev fuse "a:e5 666 character special file 0:0"
ok "linux.devices block 7:0 0660 uid 1 gid 2" dev loopx "7:0 660 block special file 1:2"
ok "linux.devices fifo 0600" dev myfifo "0:0 600 fifo 0:0"
ok "linux.devices outside /dev" grep -q '^zz 1:3 character special file$' <<<"$out"
ok "/dev/fd -> /proc/self/fd" grep -q '^link fd /proc/self/fd$' <<<"$out"
ok "/dev/stdin -> /proc/self/fd/0" grep -q '^link stdin /proc/self/fd/0$' <<<"$out"
ok "/dev/stdout -> /proc/self/fd/1" grep -q '^link stdout /proc/self/fd/1$' <<<"$out"
ok "/dev/stderr -> /proc/self/fd/2" grep -q '^link stderr /proc/self/fd/2$' <<<"$out"
ok "/dev/ptmx -> pts/ptmx" grep -q '^link ptmx pts/ptmx$' <<<"$out"
if [ -e /proc/kcore ]; then
	ok "/dev/core -> /proc/kcore" grep -q '^link core /proc/kcore$' <<<"$out"
else
	ok "no /dev/core without /proc/kcore" grep -q '^link core $' <<<"$out"
fi
echo "not a device" >"$B/rootfs/etc/notdev"
config "$B" "" '"devices":[{"path":"/etc/notdev","type":"c","major":1,"minor":3}]'
out=$(inside "$B" -- 'true' 2>&1)
ok "a different file at a device path is an error" grep -q 'different file already exists' <<<"$out"

# --- masked and read-only paths, root.readonly, sysctl ---------------------
B=$(new_bundle paths)
mkdir -p "$B/rootfs/secretdir" "$B/rootfs/rodir"
echo secret >"$B/rootfs/secretdir/s"
echo secret >"$B/rootfs/etc/secret"
config "$B" '{"destination":"/tmp","type":"tmpfs","source":"tmpfs"}' \
	'"maskedPaths":["/etc/secret","/secretdir","/proc/kcore","/does/not/exist"],
	 "readonlyPaths":["/proc/sys","/rodir","/nope"]' ',"readonly":true'
out=$(inside "$B" -- '
	echo "secret-file: [$(cat /etc/secret)]"
	echo "secret-dir: [$(ls -A /secretdir)]"
	touch /secretdir/x 2>/dev/null || echo "secretdir: ro"
	echo 1 >/proc/sys/kernel/domainname 2>/dev/null || echo "procsys: ro"
	touch /rodir/x 2>/dev/null || echo "rodir: ro"
	touch /x 2>/dev/null || echo "root: ro"
	touch /tmp/x && echo "tmp: rw"
' 2>&1)
ok "paths container runs" test $? = 0
ok "masked file reads empty" grep -q '^secret-file: \[\]$' <<<"$out"
ok "masked directory reads empty" grep -q '^secret-dir: \[\]$' <<<"$out"
ok "masked directory is read-only" grep -q '^secretdir: ro$' <<<"$out"
ok "readonlyPaths /proc/sys read-only" grep -q '^procsys: ro$' <<<"$out"
ok "readonlyPaths directory read-only" grep -q '^rodir: ro$' <<<"$out"
ok "root.readonly makes / read-only" grep -q '^root: ro$' <<<"$out"
ok "mounts on a read-only root stay writable" grep -q '^tmp: rw$' <<<"$out"
ok "masked content intact on disk" test "$(cat "$B/rootfs/etc/secret")" = secret

# --- symlinks in the image cannot lead out ---------------------------------
B=$(new_bundle symlinks)
mkdir -p "$T/outside"
ln -s "$T/outside" "$B/rootfs/mnt"
ln -s ../../../../../.. "$B/rootfs/up"
config "$B" '
{"destination":"/mnt/created","type":"tmpfs","source":"tmpfs"},
{"destination":"/up/tmp/viaup","type":"tmpfs","source":"tmpfs"}'
out=$(inside "$B" -- 'grep -c tmpfs /proc/self/mountinfo' 2>&1)
ok "absolute symlink container runs" test $? = 0
ok "absolute symlink resolved inside the rootfs" test -d "$B/rootfs$T/outside/created"
ok "nothing created through it on the host" test ! -e "$T/outside/created"
ok "../ symlink clamped at the rootfs" test -d "$B/rootfs/tmp/viaup"

B=$(new_bundle procsym)
rmdir "$B/rootfs/proc"
ln -s / "$B/rootfs/proc"
config "$B"
before=$(host_mounts | grep -c .)
ls /proc/self/fd >/dev/null
out=$(inside "$B" -- 'true' 2>&1)
after=$(host_mounts | grep -c .)
ok "rootfs with /proc -> / mounts nothing on the host" test "$before" = "$after"
ok "host /proc still works" test -r /proc/self/status
ok "a mount through /proc -> / is refused ($out)" grep -q 'mount proc (proc) on /proc: filesystem "proc" must be mounted on ordinary directory' <<<"$out"

# --- tmpcopyup, recursive read-only, propagation, no-pivot, idmap -------
B=$(new_bundle copyup)
mkdir -p "$B/rootfs/opt/conf/sub"
echo keep >"$B/rootfs/opt/conf/sub/f"
ln -s sub/f "$B/rootfs/opt/conf/link"
mkdir -p "$T/rsrc/sub"
mount -t tmpfs tmpfs "$T/rsrc/sub" && HOST_MOUNTS+=("$T/rsrc/sub")
config "$B" '
{"destination":"/opt/conf","type":"tmpfs","source":"tmpfs","options":["tmpcopyup","ro"]},
{"destination":"/rr","type":"bind","source":"'"$T"'/rsrc","options":["rbind","rro"]}' \
	'"rootfsPropagation":"shared"'
out=$(inside "$B" -- '
	echo "copied: $(cat /opt/conf/sub/f) $(readlink /opt/conf/link)"
	touch /opt/conf/x 2>/dev/null || echo "copyup: ro"
	touch /rr/sub/x 2>/dev/null || echo "rro: sub ro"
	grep -E "^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / " /proc/self/mountinfo
' 2>&1)
ok "tmpcopyup container runs" test $? = 0
ok "tmpcopyup copies the directory's contents" grep -q '^copied: keep sub/f$' <<<"$out"
ok "tmpcopyup with ro ends read-only" grep -q '^copyup: ro$' <<<"$out"
ok "rro makes submounts read-only" grep -q '^rro: sub ro$' <<<"$out"
ok "rootfsPropagation shared" grep -qE '^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / .*shared:' <<<"$out"

B=$(new_bundle nopivot)
config "$B"
out=$(inside "$B" --no-pivot -- 'echo "root: $(ls /bin/busybox)"; grep -c " proc " /proc/self/mountinfo' 2>&1)
ok "no-pivot: runs in the rootfs" grep -q '^root: /bin/busybox$' <<<"$out"

B=$(new_bundle idmap)
mkdir -p "$T/idsrc"
echo x >"$T/idsrc/f"
chown 0:0 "$T/idsrc/f"
config "$B" '{"destination":"/id","type":"bind","source":"'"$T"'/idsrc","options":["bind","idmap"],
 "uidMappings":[{"containerID":0,"hostID":1000,"size":10}],
 "gidMappings":[{"containerID":0,"hostID":2000,"size":10}]}'
out=$(inside "$B" -- 'stat -c "%u:%g" /id/f' 2>&1)
ok "idmap bind maps owners ($out)" test "$out" = "1000:2000"
out=$(inside "$B" --userns -- 'stat -c "%u:%g" /id/f' 2>&1)
ok "idmap with own mappings inside a user namespace ($out)" test "$out" = "1000:2000"
config "$B" '{"destination":"/id","type":"bind","source":"'"$T"'/idsrc","options":["rbind","ridmap"]}'
out=$(inside "$B" --userns -- 'stat -c "%u:%g" /id/f' 2>&1)
ok "ridmap with the container's user namespace ($out)" test "$out" = "0:0"
out=$(inside "$B" -- 'true' 2>&1)
ok "idmap without mappings or user namespace is an error" grep -q 'container has no user namespace' <<<"$out"

# --- in a user namespace: mknod, sysfs and locked flags need fallbacks -------
B=$(new_bundle userns)
mkdir -p "$T/locked"
mount -t tmpfs -o nosuid,nodev tmpfs "$T/locked" && HOST_MOUNTS+=("$T/locked")
config "$B" '{"destination":"/locked","type":"bind","source":"'"$T"'/locked","options":["bind","ro","suid","dev"]}' \
	'"devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229}]'
out=$(inside "$B" --userns -- '
	cat /proc/self/mountinfo
	for d in null zero full random urandom tty fuse; do echo "$d $(stat -c "%t:%T %F" /dev/$d)"; done
	touch /locked/x 2>/dev/null || echo "locked: ro"
	echo "sys: $(ls /sys/kernel >/dev/null && echo ok)"
' 2>&1)
ok "user namespace container runs" test $? = 0
ok "userns: /dev/null bound from the host" grep -q '^null 1:3 character special file$' <<<"$out"
ok "userns: /dev/tty bound from the host" grep -q '^tty 5:0 character special file$' <<<"$out"
ok "userns: linux.devices bound from the host" grep -q '^fuse a:e5 character special file$' <<<"$out"
ok "userns: sysfs available" grep -q '^sys: ok$' <<<"$out"
ok "userns: ro applied on a bind with locked flags" grep -q '^locked: ro$' <<<"$out"
ok "userns: locked nosuid,nodev kept" grep -q 'ro,nosuid,nodev' <<<"$(mntopts /locked)"

# --- nothing left behind ------------------------------------------------------
sleep 0.2
ok "no container mount left on the host" \
	test -z "$(grep "$T" /proc/self/mountinfo | grep -v -e " $T/rsrc/sub " -e " $T/locked ")"
ok "host mount table unchanged" test "$(host_mounts | grep -v "$T")" = "$(grep -v "$T" <<<"$mountinfo_host_before")"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
