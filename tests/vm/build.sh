#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the cgroup v2 test VM (kernel + initramfs) from Debian packages into
# a cache dir ($HUTCH_VM_DIR, default <repo>/build/vm). Idempotent: does nothing
# when the cache is complete. Exit 77 when the pieces cannot be obtained.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
VM_DIR=${HUTCH_VM_DIR:-$repo/build/vm}
# The modules the guest needs; their dependencies are added from modules.dep.
MODULES="virtio virtio_ring virtio_pci virtio_mmio virtio_console 9pnet 9pnet_virtio 9p netfs fscache overlay"

log() { echo "hutch-vm: $*" >&2; }
skip() {
	log "SKIP: $*"
	exit 77
}

# Runs an apt command; while another process holds apt's lock, waits and
# retries (up to ~10 minutes). Other failures return at once.
apt_retry() {
	local i out
	for i in $(seq 1 60); do
		if out=$("$@" 2>&1); then
			printf '%s\n' "$out" >&2
			return 0
		fi
		printf '%s\n' "$out" >&2
		case "$out" in
		*"Could not get lock"* | *"Unable to lock"* | *"is locked"*) ;;
		*) return 1 ;;
		esac
		log "apt is locked by another process, retry $i/60"
		sleep 10
	done
	return 1
}

ensure_tools() {
	local missing=()
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	command -v dpkg-deb >/dev/null || skip "dpkg-deb not found (not a Debian host)"
	# Debian's busybox-static: a static binary that also has cpio.
	case "$(/bin/busybox --list 2>/dev/null)" in
	*cpio*) ;;
	*) missing+=(busybox-static) ;;
	esac
	command -v xz >/dev/null || missing+=(xz-utils)
	[ ${#missing[@]} -eq 0 ] && return 0
	command -v apt-get >/dev/null || skip "missing ${missing[*]} and no apt-get"
	[ "$(id -u)" = 0 ] || skip "missing ${missing[*]} and not root to install it"
	log "installing ${missing[*]}"
	apt_retry apt-get update -qq >&2 || skip "apt-get update failed"
	apt_retry env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		"${missing[@]}" >&2 || skip "cannot install ${missing[*]}"
}

# Prints the name of the current Debian 12 kernel image package.
kernel_package() {
	local pkg
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
	if [ -z "$pkg" ]; then
		apt_retry apt-get update -qq >&2 || true
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
	fi
	[ -n "$pkg" ] || skip "apt-cache cannot resolve linux-image-amd64"
	echo "$pkg"
}

# $1: vmlinuz, $2: output. Finds the xz/zstd/gzip payload and decompresses it;
# keeps the result only when it is a complete ELF image with a PVH entry note.
extract_vmlinux() {
	local in=$1 out=$2 magic off tool
	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		tool=${magic%%:*}
		command -v "$tool" >/dev/null || continue
		for off in $(LC_ALL=C grep -aboP "${magic#*:}" "$in" 2>/dev/null |
			cut -d: -f1 | head -n4); do
			tail -c+$((off + 1)) "$in" | "$tool" -dc >"$out.tmp" 2>/dev/null || true
			if vmlinux_ok "$out.tmp"; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# True when $1 is an ELF whose LOAD segments all lie inside the file and which
# carries the PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, type 0x12).
vmlinux_ok() {
	local f=$1 size end
	command -v readelf >/dev/null || return 1
	[ "$(head -c4 "$f" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || return 1
	readelf -nW "$f" 2>/dev/null | grep -q 'note type: (0x00000012)' || return 1
	size=$(stat -c %s "$f")
	end=0
	while read -r type off _ _ filesz _; do
		[ "$type" = LOAD ] || continue
		[ $((off + filesz)) -gt "$end" ] && end=$((off + filesz))
	done < <(readelf -lW "$f" 2>/dev/null)
	[ "$end" -gt 0 ] && [ "$end" -le "$size" ]
}

# $1: unpacked package root, $2: kernel version, $3: initramfs staging dir.
# Copies the wanted modules and their dependencies, writes the load order.
copy_modules() {
	local root=$1 kver=$2 stage=$3 moddir dep m f order=()
	moddir=$root/lib/modules/$kver
	[ -f "$moddir/modules.dep" ] || busybox depmod -b "$root" "$kver"
	dep=$moddir/modules.dep
	declare -A seen=()
	# Depth-first: dependencies before the module that needs them.
	add() {
		local path=$1 d
		[ -n "${seen[$path]:-}" ] && return 0
		seen[$path]=1
		for d in $(grep -m1 "^$path:" "$dep" | cut -d: -f2-); do
			add "$d"
		done
		order+=("$path")
	}
	for m in $MODULES; do
		f=$(grep -m1 -E "(^|/)$m\.ko(\.[a-z]+)?:" "$dep" | cut -d: -f1 || true)
		if [ -z "$f" ]; then
			# Built in, or absent: both are fine here.
			grep -qE "/$m\.ko$" "$moddir/modules.builtin" 2>/dev/null ||
				log "note: module $m not found"
			continue
		fi
		add "$f"
	done
	mkdir -p "$stage/lib/modules"
	: >"$stage/lib/modules/load.list"
	for f in "${order[@]}"; do
		cp "$moddir/$f" "$stage/lib/modules/"
		echo "/lib/modules/${f##*/}" >>"$stage/lib/modules/load.list"
	done
}

build() {
	local pkg deb kver stage
	tmp=$(mktemp -d "$VM_DIR/tmp.XXXXXX") # global: the EXIT trap uses it
	trap 'rm -rf "$tmp"' EXIT
	pkg=$(kernel_package)
	# The package is kept so that a rebuild (init changed) needs no download.
	deb=$(ls "$VM_DIR/debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg"
		rm -rf "$VM_DIR/debs"
		mkdir -p "$tmp/debs"
		# Stale package lists name a version the mirror no longer has.
		(cd "$tmp/debs" && apt_retry apt-get download -q "$pkg") ||
			(apt_retry apt-get update -qq && cd "$tmp/debs" &&
				apt_retry apt-get download -q "$(kernel_package)") ||
			skip "cannot download $pkg"
		pkg=$(kernel_package)
		mv "$tmp/debs" "$VM_DIR/debs"
		deb=$(ls "$VM_DIR/debs/${pkg}_"*.deb | head -n1)
	fi
	dpkg-deb -x "$deb" "$tmp/root"
	kver=$(ls "$tmp/root/lib/modules" | head -n1)
	[ -f "$tmp/root/boot/vmlinuz-$kver" ] || skip "no vmlinuz in $deb"

	stage=$tmp/initramfs
	mkdir -p "$stage"/{bin,dev,proc,sys,mnt,lower,upper,newroot}
	cp /bin/busybox "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	cp "$here/init" "$stage/init"
	chmod 755 "$stage/init"
	copy_modules "$tmp/root" "$kver" "$stage"
	(cd "$stage" && find . | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) |
		gzip -1 >"$tmp/initramfs.img"

	cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/vmlinuz"
	if extract_vmlinux "$tmp/vmlinuz" "$tmp/vmlinux"; then
		log "extracted vmlinux with PVH entry"
	else
		log "no usable vmlinux, will boot vmlinuz"
	fi
	mv "$tmp/vmlinuz" "$tmp/initramfs.img" "$VM_DIR/"
	if [ -f "$tmp/vmlinux" ]; then
		mv "$tmp/vmlinux" "$VM_DIR/"
	else
		rm -f "$VM_DIR/vmlinux"
	fi
	echo "$pkg" >"$VM_DIR/kernel.pkg"
	stamp >"$VM_DIR/stamp"
	rm -rf "$tmp"
	trap - EXIT
	log "built $VM_DIR ($kver)"
}

# Identifies the inputs that are not downloaded: changing init rebuilds.
stamp() {
	cat "$here/init" "$here/build.sh" | md5sum | cut -d' ' -f1
}

# True when the cache holds a VM built from the current inputs.
built() {
	[ -f "$VM_DIR/stamp" ] && [ "$(cat "$VM_DIR/stamp")" = "$(stamp)" ] &&
		[ -f "$VM_DIR/vmlinuz" ] && [ -f "$VM_DIR/initramfs.img" ]
}

mkdir -p "$VM_DIR" || skip "cannot create $VM_DIR"
ensure_tools
force=0
[ "${1:-}" = "--force" ] && force=1
[ $force = 0 ] && built && exit 0
exec 9>"$VM_DIR/.lock"
flock 9
# Another run may have built it while this one waited for the lock.
[ $force = 0 ] && built && exit 0
build
