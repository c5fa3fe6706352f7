/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.seccomp: compile the profile to BPF in the runtime (libseccomp), load it
 * in the container init with seccomp(2) just before execve, hand the user
 * notification fd to the listener, and describe what is supported (features). */
#ifndef HUTCH_LINUX_SECCOMP_H
#define HUTCH_LINUX_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "spec/json.h"
#include "spec/spec.h"
#include "util/error.h"

/* A compiled filter: the BPF program (struct sock_fprog data), the seccomp(2)
 * flags to load it with, and whether SCMP_ACT_NOTIFY is used (then loading
 * creates a listener fd). Opaque; plain memory, so a child created with
 * clone/fork without exec can load the parent's copy. */
struct seccomp_filter;

/* Compile `s` (the parsed .linux.seccomp, whose names the parser turned into
 * values) to BPF. Runs in the runtime, before any container setup, so a
 * profile this host cannot load fails early with a path-naming error:
 *   config.json: .linux.seccomp.architectures[0]: architecture "..." is not supported by
 * libseccomp 2.5.4 config.json: .linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_X is not supported by
 * this kernel Semantics (as runc): SCMP_ACT_KILL is KILL_THREAD; ERRNO/TRACE without errnoRet
 * (defaultErrnoRet for the default action) use EPERM; errnoRet on any other action is an error;
 * syscall names unknown to libseccomp are skipped (log_debug); rules whose action equals the
 * default are skipped; several args of one rule are ANDed, but when two args name the same index
 * each arg becomes its own rule (ORed). The native architecture is always in the filter.
 * SCMP_ACT_NOTIFY may not be the default action nor be used for write or
 * sendmsg (the init needs them to pass the listener fd up), and needs
 * listenerPath. SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is dropped when no
 * listener is created (the kernel only accepts it with one).
 * When the default action refuses syscalls (not ALLOW/LOG/TRACE), syscalls
 * numbered above the highest one the profile names (per architecture) get
 * ENOSYS instead, so programs probing newer syscalls fall back (runc does the
 * same); holes below that number still get the default action.
 * On success *ret is a new filter (free with seccomp_filter_free); on error -1
 * and *err. */
int seccomp_compile(const struct spec_seccomp *s, struct seccomp_filter **ret,
                    struct hutch_error **err);

/* seccomp_compile with a content-addressed cache of compiled filters in
 * cache_dir (created 0700 if missing; e.g. "/run/hutch/.seccomp-cache").
 * The key is the SHA-256 of a canonical encoding of the profile plus the hutch
 * and libseccomp versions, machine and kernel release. Entries are written
 * atomically (temp file + rename) and validated when read; a missing, corrupt
 * or unwritable cache only costs a compile (log_debug), never an error. A
 * directory holding 64 entries is emptied before the next one is written.
 * cache_dir NULL: same as seccomp_compile. */
int seccomp_compile_cached(const struct spec_seccomp *s, const char *cache_dir,
                           struct seccomp_filter **ret, struct hutch_error **err);

/* Install the filter on the calling thread: seccomp(SECCOMP_SET_MODE_FILTER,
 * flags [| SECCOMP_FILTER_FLAG_NEW_LISTENER], &prog). No libseccomp calls and
 * no allocation on success. *ret_notify_fd is the listener fd (O_CLOEXEC) when
 * the filter uses SCMP_ACT_NOTIFY, else -1.
 *
 * Ordering rule for the container init (the kernel demands no_new_privs or
 * CAP_SYS_ADMIN in the caller's user namespace, seccomp(2) EACCES):
 *   - process.noNewPrivileges true: prctl(PR_SET_NO_NEW_PRIVS) first, then
 *     drop capabilities / change user, then load the filter LAST, right before
 *     execve, so the fewest syscalls run under it.
 *   - noNewPrivileges false: load the filter BEFORE dropping capabilities and
 *     switching uid (while CAP_SYS_ADMIN is still held); the capability and
 *     setuid/setgroups calls then run under the filter, so the profile must
 *     allow them (runc's standard_init_linux.go uses the same order).
 *   - a filter with SCMP_ACT_NOTIFY is loaded early as in the second case,
 *     whatever noNewPrivileges says: its listener fd goes to the runtime over
 *     the sync socket, which hutch-init (the loader of the late filter,
 *     spawn/exe.h) does not speak.
 * In both cases every syscall between the load and execve (sending the
 * listener fd up with sendmsg, closing fds, the exec fifo, execve itself)
 * runs under the filter. The listener fd must reach the runtime before execve
 * (it is O_CLOEXEC): send it with sendmsg/SCM_RIGHTS, then close it.
 * Returns 0, or -1 with *err (a real error may allocate its message). */
int seccomp_filter_load(const struct seccomp_filter *f, int *ret_notify_fd,
                        struct hutch_error **err);

/* The compiled program (*ret_len struct sock_filter instructions at
 * *ret_insns, owned by f) and the seccomp(2) flags to load it with, for a
 * loader other than seccomp_filter_load: the container's helper program
 * loads the late filter (spawn/exe.h). Not for filters that use
 * SCMP_ACT_NOTIFY (those need the listener flag and fd). */
void seccomp_filter_program(const struct seccomp_filter *f, const void **ret_insns, size_t *ret_len,
                            unsigned int *ret_flags);

/* True when loading creates a listener fd that must go to listenerPath. */
bool seccomp_filter_uses_notify(const struct seccomp_filter *f);

/* Send the Container Process State to s->listenerPath (runtime-spec
 * config-linux.md "The Container Process State"): one AF_UNIX SOCK_STREAM
 * connection, the JSON {"ociVersion","fds":["seccompFd"],"pid","metadata"
 * (listenerMetadata, when set),"state"} with notify_fd as SCM_RIGHTS on the
 * first sendmsg, then close. container_state_json_obj is the state object as
 * JSON text (what `hutch state` prints), inserted verbatim; pid is the
 * container process as seen by the runtime. Runs in the runtime once the init
 * passed the fd up; the caller still owns (and closes) notify_fd.
 * Errors ("seccomp listener /path: connect: ...") are -1 with *err. */
int seccomp_send_listener(const struct spec_seccomp *s, int notify_fd,
                          const char *container_state_json_obj, pid_t pid,
                          struct hutch_error **err);

void seccomp_filter_free(struct seccomp_filter *f);
void seccomp_filter_freep(struct seccomp_filter **f);
#define _cleanup_seccomp_filter_ __attribute__((cleanup(seccomp_filter_freep)))

/* Write the value of features.json's linux "seccomp" key (the caller writes
 * the key): {"enabled", "actions", "operators", "archs", "knownFlags",
 * "supportedFlags"}. actions/operators/knownFlags are what hutch recognizes;
 * archs are those the running libseccomp resolves; supportedFlags are the
 * known flags the running kernel accepts. */
void seccomp_features(json_gen *g);

/* Version of the libseccomp in use, e.g. "2.5.4" (static storage). */
const char *seccomp_version_string(void);

#endif
