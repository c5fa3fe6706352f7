/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Waiting for a container process in the foreground (run, exec). */
#ifndef HUTCH_CORE_FOREGROUND_H
#define HUTCH_CORE_FOREGROUND_H

#include <sys/types.h>

#include "util/error.h"

/* Wait for a foreground process: with pty_master >= 0, proxy the terminal
 * (takes the fd); else forward the usual signals to it. Reaps what reaches
 * us as a subreaper. Returns its exit code (128+N when killed by signal N),
 * or -1 with *err when the terminal proxy fails. No lock is held. */
int foreground_wait(pid_t pid, int pty_master, struct hutch_error **err);

#endif
