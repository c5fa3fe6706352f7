/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.sysctl: kernel parameters written under /proc/sys (config-linux.md "Sysctl"). */
#ifndef HUTCH_LINUX_SYSCTL_H
#define HUTCH_LINUX_SYSCTL_H

#include <stddef.h>

#include "spec/spec.h"
#include "util/error.h"

/* Turn a key into its path relative to /proc/sys, as sysctl(8) does: dots
 * separate components ("net.ipv4.ip_forward" -> "net/ipv4/ip_forward"),
 * unless the first separator is a slash, in which case the key is already a
 * path and dots stay (interface names such as "eth0.100"). Refuses empty
 * keys, empty components, "." and "..". Returns a malloc'd string in *ret. */
int sysctl_key_to_path(const char *key, char **ret, struct hutch_error **err);

/* Write each value to /proc/sys/<path of key> through the runtime's verified
 * procfs (util/procfs.h), never the container's /proc, in the caller's
 * namespaces. Errors name the key. */
int sysctl_apply(const struct spec_kv *kv, size_t n, struct hutch_error **err);

#endif
