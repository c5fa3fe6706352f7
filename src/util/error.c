/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error objects: creation, context prefixing, freeing. */
#include "util/error.h"
#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void herr_replace(struct hutch_error **err, int errnum, char *msg)
{
	struct hutch_error *e = xcalloc(1, sizeof(*e));

	e->errnum = errnum;
	e->msg = msg;
	if (*err)
		herr_free(*err);
	*err = e;
}

static int herr_vset(struct hutch_error **err, int errnum, const char *fmt, va_list ap)
{
	char *base = xvasprintf(fmt, ap);

	if (errnum) {
		char *full = xasprintf("%s: %s", base, strerror(errnum));
		free(base);
		base = full;
	}
	herr_replace(err, errnum, base);
	return -1;
}

int herr_errno(struct hutch_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	herr_vset(err, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int herr_msg(struct hutch_error **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	herr_vset(err, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int herr_prefix(struct hutch_error **err, const char *fmt, ...)
{
	va_list ap;
	char *ctx;

	va_start(ap, fmt);
	ctx = xvasprintf(fmt, ap);
	va_end(ap);
	if (*err == NULL) {
		herr_replace(err, 0, ctx);
		return -1;
	}
	char *full = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = full;
	return -1;
}

int herr_raw(struct hutch_error **err, int errnum, const char *msg)
{
	herr_replace(err, errnum, xstrdup(msg));
	return -1;
}

char *herr_without_cause(const struct hutch_error *e)
{
	const char *cause = e->errnum ? strerror(e->errnum) : NULL;
	size_t len = strlen(e->msg), clen = cause ? strlen(cause) : 0;

	if (cause && len >= clen + 2 && strcmp(e->msg + len - clen, cause) == 0 &&
	    strncmp(e->msg + len - clen - 2, ": ", 2) == 0)
		return xstrndup(e->msg, len - clen - 2);
	return xstrdup(e->msg);
}

bool herr_is_refusal(const struct hutch_error *e)
{
	return e->errnum == EACCES || e->errnum == EPERM || e->errnum == EROFS;
}

void herr_free(struct hutch_error *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}

void herr_freep(struct hutch_error **e)
{
	herr_free(*e);
	*e = NULL;
}
