/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one error convention: fallible functions return -1 (or NULL) and fill
 * `struct hutch_error **err`; callers add context at module boundaries; only
 * main.c prints. */
#ifndef HUTCH_UTIL_ERROR_H
#define HUTCH_UTIL_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

struct hutch_error {
	int errnum; /* errno of the root cause, 0 when there is none */
	char *msg;  /* full message, context first, root cause last */
};

/* Set *err to a new error "<fmt>: strerror(errnum)" (just "<fmt>" when errnum
 * is 0). Always returns -1 so callers can `return herr_errno(...)`.
 * If *err is already set it is replaced (the old one is freed). */
int herr_errno(struct hutch_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same as herr_errno(err, 0, ...): an error with no errno. */
int herr_msg(struct hutch_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix an existing error with context: "<fmt>: <old message>". Keeps errnum.
 * Returns -1. If *err is NULL (a bug), creates an error from fmt alone. */
int herr_prefix(struct hutch_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Build an error from an errnum and a complete message received from elsewhere
 * (e.g. the container init over the sync socket). Returns -1. */
int herr_raw(struct hutch_error **err, int errnum, const char *msg);

/* e's message without its trailing ": <strerror(errnum)>" (when it has one),
 * malloc'd: for a warning about a refusal the runtime goes on from.
 * Engines turn words such as "permission denied" in a runtime's stderr into
 * exit codes (126), so a warning must not carry them into the message of a
 * later, different failure. */
char *herr_without_cause(const struct hutch_error *e);
/* Did e fail for want of permission (EACCES, EPERM, EROFS): the host
 * refused, rather than something being broken? */
bool herr_is_refusal(const struct hutch_error *e);

void herr_free(struct hutch_error *e);
void herr_freep(struct hutch_error **e);
#define _cleanup_error_ __attribute__((cleanup(herr_freep)))

#endif
