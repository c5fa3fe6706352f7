/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One entry of a passwd-format file, read directly: never NSS, which in a
 * static hutch would have to load shared libraries, and which for a
 * container's /etc/passwd must not load the image's. */
#ifndef HUTCH_UTIL_PASSWD_H
#define HUTCH_UTIL_PASSWD_H

#include <sys/types.h>

/* The login name of `uid` in the passwd-format file at `path`, or NULL
 * (no such entry, unreadable file). Caller frees. */
char *passwd_name(const char *path, uid_t uid);

/* The home directory of `uid` there, or NULL (also for an empty field).
 * Caller frees. */
char *passwd_home(const char *path, uid_t uid);

#endif
