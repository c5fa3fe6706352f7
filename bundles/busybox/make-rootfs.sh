#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build a minimal busybox root filesystem for hutch bundles.
# Usage: make-rootfs.sh [DIR]   (default: rootfs/ next to this script)
# Needs Debian's busybox-static (/bin/busybox, statically linked). Idempotent: rerunning
# refreshes the binary, the applet links and the /etc files and leaves everything else alone.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:-$here/rootfs}
busybox=${BUSYBOX:-/bin/busybox}

die() { echo "make-rootfs.sh: $*" >&2; exit 1; }

[ -x "$busybox" ] || die "$busybox not found (apt-get install busybox-static)"
# A dynamically linked busybox would not run inside a rootfs without its libraries.
if file_out=$(LC_ALL=C readelf -l "$busybox" 2>/dev/null) && grep -q 'INTERP' <<<"$file_out"; then
	die "$busybox is dynamically linked; install busybox-static"
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
for d in bin sbin usr/bin usr/sbin etc dev proc sys tmp root home/user run var/tmp; do
	mkdir -p "$dir/$d"
done
chmod 1777 "$dir/tmp" "$dir/var/tmp"
chmod 0700 "$dir/root"

# Replace the binary atomically so a rerun never leaves a half-written file.
cp "$busybox" "$dir/bin/.busybox.tmp"
chmod 0755 "$dir/bin/.busybox.tmp"
mv -f "$dir/bin/.busybox.tmp" "$dir/bin/busybox"

# Applet links: busybox --install -s writes absolute links (/bin/busybox), which resolve inside
# the container. Run it chrooted when possible so it writes into the rootfs, not into the host.
if [ "$(id -u)" = 0 ]; then
	chroot "$dir" /bin/busybox --install -s
else
	for applet in $("$dir/bin/busybox" --list-full); do
		[ -e "$dir/$applet" ] || [ -L "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
	done
fi

cat >"$dir/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$dir/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
user:x:1000:
nogroup:x:65534:
GROUP
cat >"$dir/etc/hosts" <<'HOSTS'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
HOSTS
: >"$dir/etc/resolv.conf"
echo hutch >"$dir/etc/hostname"
chown 1000:1000 "$dir/home/user" 2>/dev/null || true
echo "$dir"
