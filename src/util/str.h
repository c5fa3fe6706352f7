/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation helpers that abort on out-of-memory, and NULL-terminated string vectors. */
#ifndef HUTCH_UTIL_STR_H
#define HUTCH_UTIL_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* NULL-terminated string vectors. strv_free accepts NULL. */
size_t strv_len(char *const *strv);
void strv_free(char **strv);
/* Append a copy of s; *strv may be NULL. */
void strv_push(char ***strv, const char *s);
/* Environment vectors: replace the KEY= entry of `entry` ("KEY=VALUE"), or
 * append it when there is none. */
void strv_set_env(char ***env, const char *entry);
char **strv_dup(char *const *strv);
bool strv_contains(char *const *strv, const char *s);

#define strv_foreach(s, strv) for (char *const *s = (strv); s && *s; s++)

bool str_has_prefix(const char *s, const char *prefix);
/* Is `path` the directory `dir` or below it, by the text alone (both
 * absolute and canonical: "/a/bc" is not under "/a/b"; everything absolute is
 * under "/")? */
bool str_path_under(const char *path, const char *dir);
/* Parse a whole decimal string into an unsigned/signed 64-bit number; -1 on junk/overflow. */
int str_to_u64(const char *s, unsigned long long *ret);
int str_to_i64(const char *s, long long *ret);

#endif
