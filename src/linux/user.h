/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.user: supplementary groups, gid, uid and umask of the container
 * process, and the HOME default taken from the container's /etc/passwd. */
#ifndef HUTCH_LINUX_USER_H
#define HUTCH_LINUX_USER_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* False when /proc/self/setgroups says "deny" (a user namespace whose gid map
 * was written without CAP_SETGID in the parent namespace, user_namespaces(7)).
 * A missing file (kernel < 3.19, no user namespaces) means allowed. */
bool user_setgroups_allowed(void);

/* Switch the calling process to `u`:
 *   setgroups(additionalGids)  - an empty list clears inherited groups; skipped
 *                                when !setgroups_allowed (a warning is logged
 *                                if additionalGids were requested)
 *   setresgid(gid, gid, gid)
 *   setresuid(uid, uid, uid)
 *   umask(u->umask), or 0022 when unset (runc's default)
 * Call it in the container process after the mounts and bounding-set drop,
 * between caps_keep_on_setuid(true) and caps_keep_on_setuid(false) (see
 * caps.h). The uid change clears the parent-death signal (prctl(2),
 * PR_SET_PDEATHSIG). Errors name the call and the ids. */
int user_apply(const struct spec_user *u, bool setgroups_allowed, struct hutch_error **err);

/* If the environment vector *env (NULL-terminated, owned by the caller, may be
 * NULL) has no HOME or an empty one, set HOME to the home directory of `uid`
 * in /etc/passwd as the calling process sees it (call after pivot_root so it
 * is the container's file), or "/" when there is no such entry or file.
 * The passwd file is parsed directly (no NSS: the container's libraries must
 * not be loaded into the runtime). Never fails; the vector is modified in
 * place (entries freed/added with the str.h helpers). */
void user_home_env(char ***env, uid_t uid);

#endif
