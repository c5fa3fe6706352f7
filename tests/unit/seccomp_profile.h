/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: build a struct spec_seccomp from JSON text (a full config.json
 * or a bare linux.seccomp object) with json.h, independent of the config
 * parser, plus a matching free. Header-only; used by test_seccomp and the
 * seccomp benchmark. */
#ifndef HUTCH_TESTS_SECCOMP_PROFILE_H
#define HUTCH_TESTS_SECCOMP_PROFILE_H

#include "spec/json.h"
#include "spec/spec.h"
#include "util/fs.h"
#include "util/str.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

static inline char *tsp_str(const json_node *o, const char *key)
{
	const char *s = json_string(json_object_get(o, key));
	return s ? xstrdup(s) : NULL;
}

static inline char **tsp_strv(const json_node *o, const char *key)
{
	json_node *a = json_object_get(o, key);
	char **v = NULL;

	if (!a)
		return NULL;
	v = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < json_len(a); i++)
		strv_push(&v, json_string(json_array_at(a, i)));
	return v;
}

static inline uint64_t tsp_u64(const json_node *o, const char *key, bool *set)
{
	json_node *n = json_object_get(o, key);
	unsigned long long v = 0;

	if (set)
		*set = n != NULL;
	if (n)
		str_to_u64(json_number_text(n), &v);
	return v;
}

static inline void tsp_syscall(const json_node *o, struct spec_seccomp_syscall *sc)
{
	json_node *args = json_object_get(o, "args");

	sc->names = tsp_strv(o, "names");
	sc->action = tsp_str(o, "action");
	sc->errnoRet.value = tsp_u64(o, "errnoRet", &sc->errnoRet.set);
	sc->n_args = json_len(args);
	sc->args = xcalloc(sc->n_args, sizeof(*sc->args));
	for (size_t k = 0; k < sc->n_args; k++) {
		json_node *a = json_array_at(args, k);
		sc->args[k].index = (uint32_t)tsp_u64(a, "index", NULL);
		sc->args[k].value = tsp_u64(a, "value", NULL);
		sc->args[k].valueTwo = tsp_u64(a, "valueTwo", NULL);
		sc->args[k].op = tsp_str(a, "op");
	}
}

static inline void tsp_free(struct spec_seccomp *s)
{
	if (!s)
		return;
	free(s->defaultAction);
	strv_free(s->architectures);
	strv_free(s->flags);
	free(s->listenerPath);
	free(s->listenerMetadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		strv_free(s->syscalls[i].names);
		free(s->syscalls[i].action);
		for (size_t k = 0; k < s->syscalls[i].n_args; k++)
			free(s->syscalls[i].args[k].op);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s);
}

/* Parse; aborts the test program on malformed input (fixtures are ours). */
static inline struct spec_seccomp *tsp_parse(const char *json)
{
	struct hutch_error *err = NULL;
	json_node *root = json_parse("profile", json, strlen(json), &err);
	json_node *o, *calls;
	struct spec_seccomp *s;

	if (!root)
		abort();
	o = json_object_get(root, "linux")
	        ? json_object_get(json_object_get(root, "linux"), "seccomp")
	        : root;
	s = xcalloc(1, sizeof(*s));
	s->defaultAction = tsp_str(o, "defaultAction");
	s->defaultErrnoRet.value = tsp_u64(o, "defaultErrnoRet", &s->defaultErrnoRet.set);
	s->architectures = tsp_strv(o, "architectures");
	s->flags = tsp_strv(o, "flags");
	s->listenerPath = tsp_str(o, "listenerPath");
	s->listenerMetadata = tsp_str(o, "listenerMetadata");
	calls = json_object_get(o, "syscalls");
	s->n_syscalls = json_len(calls);
	s->syscalls = xcalloc(s->n_syscalls, sizeof(*s->syscalls));
	for (size_t i = 0; i < s->n_syscalls; i++)
		tsp_syscall(json_array_at(calls, i), &s->syscalls[i]);
	json_free(root);
	return s;
}

static inline struct spec_seccomp *tsp_load(const char *path)
{
	struct hutch_error *err = NULL;
	char *text = NULL;
	struct spec_seccomp *s;

	if (fs_read_file_at(AT_FDCWD, path, &text, NULL, &err) < 0)
		abort();
	s = tsp_parse(text);
	free(text);
	return s;
}

#endif
