/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp: compile the OCI profile in the runtime, load it in the container. */
#ifndef HUTCH_LINUX_SECCOMP_H
#define HUTCH_LINUX_SECCOMP_H

/* The libseccomp version this binary runs with, e.g. "2.5.4". Static storage. */
const char *seccomp_version_string(void);

#endif
