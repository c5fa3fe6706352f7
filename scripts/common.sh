# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034
# Shared by demo.sh and test.sh (sourced, not run): package installation and the build.
# Both scripts target a fresh Debian 12 machine and run as root.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${HUTCH_BUILD_DIR:-$REPO/build}
cd "$REPO"
export DEBIAN_FRONTEND=noninteractive

BUILD_DEPS=(meson ninja-build gcc libc6-dev musl-tools pkg-config libyajl-dev libseccomp-dev libcap-dev)

die() {
	echo "${0##*/}: error: $*" >&2
	exit 1
}

step() {
	echo
	echo "==> $*"
}

need_root() {
	[ "$(id -u)" = 0 ] || die "run me as root (containers need it)"
}

# Install whatever of the given packages is missing; apt-get update first. Waits for a
# dpkg lock held by someone else instead of failing.
apt_install() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get"
	step "installing ${missing[*]}"
	apt-get -o DPkg::Lock::Timeout=600 update </dev/null ||
		die "apt-get update failed"
	apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" </dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# Configure (once) and build with the given meson options, e.g. -Dwerror=true.
build() {
	step "building hutch in $BUILD"
	if [ -f "$BUILD/build.ninja" ]; then
		meson configure "$BUILD" "$@" >/dev/null || die "meson configure failed"
	else
		# against musl (build-aux/musl-cc): a start of hutch costs a tenth of one against
		# glibc here (README, "Building and installing"); CC=... chooses another compiler
		CC=${CC:-$REPO/build-aux/musl-cc} meson setup "$BUILD" "$REPO" "$@" ||
			die "meson setup failed"
	fi
	ninja -C "$BUILD" || die "build failed"
}
