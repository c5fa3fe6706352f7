/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The starter config.json written by `hutch spec`. */
#ifndef HUTCH_SPEC_DEFAULT_H
#define HUTCH_SPEC_DEFAULT_H

#include <stdbool.h>

/* Return a new, tab-indented config.json text (malloc'd, NUL-terminated,
 * caller frees) equivalent to `runc spec`: busybox-style `sh` with a
 * terminal, rootfs "rootfs", the usual /proc /dev /sys mounts, pid, network,
 * ipc, uts and mount namespaces (and cgroup on a pure cgroup v2 host, as
 * runc), masked and read-only /proc paths.
 * With `rootless`, like `runc spec --rootless`: a user namespace mapping the
 * caller's euid/egid to root, no network namespace, /sys bind-mounted, no
 * devpts gid= option and no device cgroup rules. Never fails. */
char *spec_default_json(bool rootless);

#endif
