/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device nodes and /dev symlinks inside the container's root
 * (config-linux.md "Devices", "Default Devices"; runtime-linux.md). */
#ifndef HUTCH_LINUX_DEV_H
#define HUTCH_LINUX_DEV_H

#include "spec/spec.h"
#include "util/error.h"

/* Create /dev/{null,zero,full,random,urandom,tty} under rootfd (the rootfs,
 * before pivot: the host's /dev must still be reachable at /dev) as root-owned
 * 0666 nodes. A file of the wrong kind already there is replaced. When mknod
 * is not permitted (EPERM: a user namespace), the host's node is bind-mounted
 * onto an empty file instead. */
int dev_create_defaults(int rootfd, struct hutch_error **err);

/* Create one linux.devices entry at its path in clean form ("/dev//x/" is
 * "/dev/x"): mknod with type/major/minor, fileMode (default 0666), uid/gid
 * (default 0), or the bind fallback from the same path on the host (which
 * must be that device). An existing node of the same type and numbers is kept
 * (mode and owner updated through an fd on it); anything else there is an
 * error. */
int dev_create(int rootfd, const struct spec_device *d, struct hutch_error **err);

/* /dev/ptmx -> pts/ptmx (replacing a node there), /dev/fd -> /proc/self/fd,
 * /dev/std{in,out,err} -> /proc/self/fd/{0,1,2}, and /dev/core -> /proc/kcore
 * when the container's /proc/kcore exists. Existing entries other than ptmx
 * are left alone. */
int dev_create_symlinks(int rootfd, struct hutch_error **err);

#endif
