/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The LSM labels the process enters at its execve: process.apparmorProfile
 * and process.selinuxLabel. */
#ifndef HUTCH_LINUX_LSM_H
#define HUTCH_LINUX_LSM_H

#include <stdbool.h>

#include "spec/spec.h"
#include "util/error.h"

/* /sys/module/apparmor/parameters/enabled reads "Y". */
bool lsm_apparmor_enabled(void);
/* /sys/fs/selinux/enforce exists (selinuxfs mounted). */
bool lsm_selinux_enabled(void);

/* Fail early (in the runtime, before creating anything) when the process asks
 * for an LSM label the host cannot apply:
 *   "process.apparmorProfile: AppArmor is not enabled on this host"
 *   "process.selinuxLabel: SELinux is not enabled on this host" */
int lsm_check(const struct spec_process *p, struct hutch_error **err);

/* Write "exec <profile>" to /proc/thread-self/attr/apparmor/exec (falling back
 * to attr/exec); the profile is entered at the next execve. NULL/empty: no-op.
 * Needs /proc mounted; fails as above when AppArmor is off. */
int lsm_set_apparmor_profile(const char *profile, struct hutch_error **err);

/* Write the label to /proc/thread-self/attr/exec (entered at the next execve).
 * NULL/empty: no-op. Fails as above when SELinux is off. */
int lsm_set_selinux_label(const char *label, struct hutch_error **err);

#endif
