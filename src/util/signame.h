/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signal names without "SIG" ("HUP", "RTMIN+3" is not one), from hutch's own
 * table: the same with any C library. */
#ifndef HUTCH_UTIL_SIGNAME_H
#define HUTCH_UTIL_SIGNAME_H

/* The abbreviation of signal `sig` ("TERM"), or NULL for a number without a
 * name (0, the realtime range). */
const char *signame_abbrev(int sig);

#endif
