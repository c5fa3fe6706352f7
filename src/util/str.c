/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation helpers (abort on OOM) and string vectors. */
#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *oom_check(void *p)
{
	if (!p) {
		fputs("hutch: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n)
{
	return oom_check(malloc(n ? n : 1));
}

void *xcalloc(size_t nmemb, size_t size)
{
	return oom_check(calloc(nmemb ? nmemb : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
	return oom_check(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
	return oom_check(strdup(s));
}

char *xstrndup(const char *s, size_t n)
{
	return oom_check(strndup(s, n));
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *r = NULL;

	if (vasprintf(&r, fmt, ap) < 0)
		oom_check(NULL);
	return r;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *r;

	va_start(ap, fmt);
	r = xvasprintf(fmt, ap);
	va_end(ap);
	return r;
}

size_t strv_len(char *const *strv)
{
	size_t n = 0;

	while (strv && strv[n])
		n++;
	return n;
}

void strv_free(char **strv)
{
	for (size_t i = 0; strv && strv[i]; i++)
		free(strv[i]);
	free(strv);
}

void strv_push(char ***strv, const char *s)
{
	size_t n = strv_len(*strv);

	*strv = xrealloc(*strv, (n + 2) * sizeof(char *));
	(*strv)[n] = xstrdup(s);
	(*strv)[n + 1] = NULL;
}

void strv_set_env(char ***env, const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t klen = eq ? (size_t)(eq - entry) + 1 : strlen(entry);

	for (char **e = *env; e && *e; e++) {
		if (strncmp(*e, entry, klen) == 0) {
			free(*e);
			*e = xstrdup(entry);
			return;
		}
	}
	strv_push(env, entry);
}

char **strv_dup(char *const *strv)
{
	size_t n = strv_len(strv);
	char **r;

	if (!strv)
		return NULL;
	r = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		r[i] = xstrdup(strv[i]);
	return r;
}

bool strv_contains(char *const *strv, const char *s)
{
	strv_foreach (p, strv)
		if (strcmp(*p, s) == 0)
			return true;
	return false;
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int str_to_u64(const char *s, unsigned long long *ret)
{
	char *end = NULL;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*ret = v;
	return 0;
}

int str_to_i64(const char *s, long long *ret)
{
	char *end = NULL;
	long long v;

	if (!s || !*s || *s == ' ')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*ret = v;
	return 0;
}
