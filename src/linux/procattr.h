/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-process kernel attributes the container process sets on itself before
 * execve: oom_score_adj, scheduler, I/O priority, personality, CPU affinity,
 * NUMA memory policy, LSM exec labels, no_new_privs, and the close-on-exec
 * sweep of leaked fds. Each setter is independent. */
#ifndef HUTCH_LINUX_PROCATTR_H
#define HUTCH_LINUX_PROCATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* The order in the container process (spawn/child.c), all while it is still
 * privileged: procattr_set_oom_score_adj, rlimit_apply, procattr_set_scheduler,
 * procattr_set_io_priority, procattr_set_personality, procattr_set_mempolicy,
 * execCPUAffinity.final (exec), procattr_set_apparmor_profile /
 * procattr_set_selinux_label (both take effect at the next execve); then
 * procattr_cloexec_from, procattr_set_no_new_privs, seccomp and the caps/user
 * sequence (caps.h).
 * execCPUAffinity (exec only): the runtime parent applies `initial` to the
 * child's pid before the child enters the container's cgroup, the child
 * applies `final` to itself after it entered (procattr_set_cpu_affinity). */

/* --- oomScoreAdj --------------------------------------------------------- */

/* Write p->oomScoreAdj to /proc/self/oom_score_adj; no-op when not set.
 * Lowering it below the value inherited needs CAP_SYS_RESOURCE; the error says
 * so. */
int procattr_set_oom_score_adj(const struct spec_process *p, struct hutch_error **err);

/* --- scheduler ----------------------------------------------------------- */

/* sched_setattr(2) on the calling thread with policy, nice, priority, flags,
 * runtime, deadline, period from `s` (NULL: no-op). */
int procattr_set_scheduler(const struct spec_scheduler *s, struct hutch_error **err);

/* --- ioPriority ---------------------------------------------------------- */

/* ioprio_set(IOPRIO_WHO_PROCESS, 0, class|priority) on the calling process; it
 * is inherited by everything the process forks. NULL: no-op. Priority must be
 * 0..7. */
int procattr_set_io_priority(const struct spec_io_priority *io, struct hutch_error **err);

/* --- personality --------------------------------------------------------- */

/* personality(2) PER_LINUX or PER_LINUX32 for linux.personality.domain
 * (NULL: no-op). Any flag is an error: the spec defines none. */
int procattr_set_personality(const struct spec_personality *p, struct hutch_error **err);

/* --- CPU lists, execCPUAffinity ------------------------------------------ */

/* Parse a list such as "0-3,7" (ranges inclusive, spaces around items
 * ignored) into a bitmask of unsigned longs: bit n set for CPU/node n.
 * *ret_mask is malloc'd (caller frees), *ret_nbits is the number of bits it
 * holds (a multiple of the word size, > the highest number). An empty string
 * gives an empty mask with *ret_nbits == 0 and *ret_mask == NULL.
 * `field` names the JSON field in errors:
 *   "process.execCPUAffinity.initial: invalid list \"3-1\" (expected e.g. \"0-3,7\")". */
int procattr_parse_cpu_list(const char *list, const char *field, unsigned long **ret_mask,
                            size_t *ret_nbits, struct hutch_error **err);

/* sched_setaffinity(pid, cpus of `list`). pid 0 is the caller. NULL or empty
 * list: no-op (the spec says not to change it). `field` as above. */
int procattr_set_cpu_affinity(pid_t pid, const char *list, const char *field,
                              struct hutch_error **err);

/* --- memoryPolicy -------------------------------------------------------- */

/* set_mempolicy(2) with mode|flags and the node list (NULL: no-op). */
int procattr_set_mempolicy(const struct spec_memory_policy *m, struct hutch_error **err);

/* --- LSM labels ---------------------------------------------------------- */

/* /sys/module/apparmor/parameters/enabled reads "Y". */
bool procattr_apparmor_enabled(void);
/* /sys/fs/selinux/enforce exists (selinuxfs mounted). */
bool procattr_selinux_enabled(void);

/* Fail early (in the runtime, before creating anything) when the process asks
 * for an LSM label the host cannot apply:
 *   "process.apparmorProfile: AppArmor is not enabled on this host"
 *   "process.selinuxLabel: SELinux is not enabled on this host" */
int procattr_check_lsm(const struct spec_process *p, struct hutch_error **err);

/* Write "exec <profile>" to /proc/thread-self/attr/apparmor/exec (falling back
 * to attr/exec); the profile is entered at the next execve. NULL/empty: no-op.
 * Needs /proc mounted; fails as above when AppArmor is off. */
int procattr_set_apparmor_profile(const char *profile, struct hutch_error **err);

/* Write the label to /proc/thread-self/attr/exec (entered at the next execve).
 * NULL/empty: no-op. Fails as above when SELinux is off. */
int procattr_set_selinux_label(const char *label, struct hutch_error **err);

/* --- misc ---------------------------------------------------------------- */

/* prctl(PR_SET_NO_NEW_PRIVS, 1). */
int procattr_set_no_new_privs(struct hutch_error **err);

/* Mark every fd >= `from` close-on-exec, except the `n_keep` fds in `keep`
 * (which are left as they are). With --preserve-fds N the caller passes
 * from = 3 + N, so the passed fds survive execve and everything else the
 * runtime leaked does not. Uses close_range(CLOSE_RANGE_CLOEXEC) (Linux 5.11)
 * and falls back to walking /proc/self/fd. */
int procattr_cloexec_from(int from, const int *keep, size_t n_keep, struct hutch_error **err);

#endif
