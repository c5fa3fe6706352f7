/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal TAP producer for unit tests: ok(cond, fmt...), is_str, done_testing. */
#ifndef HUTCH_TESTS_TAP_H
#define HUTCH_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline bool tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}
#define ok(cond, ...) tap_ok((cond), __VA_ARGS__)

static inline bool tap_is_str(const char *got, const char *want, const char *what)
{
	bool same = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);

	if (!tap_ok(same, "%s", what))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
	return same;
}
#define is_str(got, want, what) tap_is_str((got), (want), (what))

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
