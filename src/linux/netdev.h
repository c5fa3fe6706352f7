/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.netDevices: moving host network devices into the container's network
 * namespace over raw rtnetlink (config-linux.md "Network Devices"). */
#ifndef HUTCH_LINUX_NETDEV_H
#define HUTCH_LINUX_NETDEV_H

#include <stdbool.h>
#include <stddef.h>

#include "spec/spec.h"
#include "util/error.h"

/* Move each of the n devices from the caller's network namespace into the one
 * open at `netns_fd` (a /proc/<pid>/ns/net or bind-mounted netns fd, not
 * consumed), renaming it to devs[i].name when given (a name containing "%d"
 * is a template the kernel completes), re-adding its permanent global-scope
 * addresses of every family there and setting it up.
 *
 * All devices are checked before any is moved: a device missing on the host,
 * or a target name (not a template) already present in the container's
 * namespace, fails naming the device and moves nothing. Runs in the runtime
 * (host) process; it enters `netns_fd` briefly to open a netlink socket there
 * and returns to its own namespace before doing anything else, so it must
 * not run while other threads depend on the calling thread's namespace.
 * Devices are never moved back: when the namespace dies, the kernel returns
 * physical devices to the initial namespace and destroys virtual ones. */
int netdev_move_all(const struct spec_net_device *devs, size_t n, int netns_fd,
                    struct hutch_error **err);

/* Set the loopback interface ("lo") of the caller's network namespace up,
 * over rtnetlink. A new network namespace starts with it down; runc sets it
 * up for a namespace it creates, and so does the container init. Needs
 * CAP_NET_ADMIN over the namespace. */
int netdev_loopback_up(struct hutch_error **err);

/* Whether a container-side name is a template the kernel fills ("net%d"). */
bool netdev_name_is_template(const char *name);

#endif
