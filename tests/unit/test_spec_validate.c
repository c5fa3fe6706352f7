/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixture-driven tests of spec_parse + spec_validate: every file in
 * ../fixtures/config/valid must pass both, every invalid/NAME.json must fail
 * with exactly the message in invalid/NAME.expect. */
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURES "../fixtures/config"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of dir entries ending in suffix. */
static char **list_fixtures(const char *dir, const char *suffix)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	char **names = NULL;
	struct dirent *e;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);
		if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0)
			strv_push(&names, e->d_name);
	}
	if (names)
		qsort(names, strv_len(names), sizeof(char *), cmp_str);
	return names;
}

/* Load and validate; returns the error message (malloc'd) or NULL. */
static char *load_and_validate(const char *path)
{
	_cleanup_error_ struct hutch_error *err = NULL;
	_cleanup_spec_ struct spec *s = spec_load(path, &err);

	if (s && spec_validate(s, &err) == 0)
		return NULL;
	return xstrdup(err ? err->msg : "(no error set)");
}

static void test_valid(void)
{
	_cleanup_strv_ char **names = list_fixtures(FIXTURES "/valid", ".json");

	ok(strv_len(names) >= 30, "found %zu valid fixtures", strv_len(names));
	strv_foreach (n, names) {
		_cleanup_free_ char *path = xasprintf("%s/valid/%s", FIXTURES, *n);
		_cleanup_free_ char *msg = load_and_validate(path);
		if (!ok(msg == NULL, "valid/%s parses and validates", *n))
			printf("#   error: %s\n", msg);
	}
}

static void test_invalid(void)
{
	_cleanup_strv_ char **names = list_fixtures(FIXTURES "/invalid", ".json");

	ok(strv_len(names) >= 50, "found %zu invalid fixtures", strv_len(names));
	strv_foreach (n, names) {
		_cleanup_free_ char *path = xasprintf("%s/invalid/%s", FIXTURES, *n);
		_cleanup_free_ char *expect_path =
		    xasprintf("%s/invalid/%.*s.expect", FIXTURES, (int)(strlen(*n) - 5), *n);
		_cleanup_free_ char *expect = NULL;
		_cleanup_error_ struct hutch_error *err = NULL;
		size_t len = 0;

		if (!ok(fs_read_file_at(AT_FDCWD, expect_path, &expect, &len, &err) == 0,
		        "invalid/%s has an .expect file", *n))
			continue;
		while (len > 0 && expect[len - 1] == '\n')
			expect[--len] = '\0';
		_cleanup_free_ char *msg = load_and_validate(path);
		_cleanup_free_ char *what = xasprintf("invalid/%s fails as expected", *n);
		is_str(msg, expect, what);
	}
}

static void test_validate_process_alone(void)
{
	const char *json = "{\"cwd\": \"relative\", \"args\": [\"sh\"], \"capabilities\": "
	                   "{\"ambient\": [\"CAP_NOPE\"]}}";
	_cleanup_error_ struct hutch_error *err = NULL;
	struct spec_process *p = spec_parse_process("process.json", json, strlen(json), &err);

	ok(p != NULL, "standalone process parses");
	ok(p && spec_validate_process(p, "process.json", &err) < 0, "relative cwd rejected");
	ok(err && strstr(err->msg, "process.json: .cwd: ") == err->msg,
	   "process paths start at the process object");
	ok(err && !strstr(err->msg, "CAP_NOPE"), "an unknown capability is not an error");
	spec_process_free(p);
}

static void test_validate_resources_alone(void)
{
	const char *json = "{\"devices\": [{\"allow\": true, \"access\": \"rq\"}]}";
	_cleanup_error_ struct hutch_error *err = NULL;
	struct spec_resources *r = spec_parse_resources("resources.json", json, strlen(json), &err);

	ok(r != NULL, "standalone resources parse");
	ok(r && spec_validate_resources(r, "resources.json", &err) < 0, "bad access rejected");
	is_str(err ? err->msg : NULL,
	       "resources.json: .devices[0].access: invalid access \"rq\", expected a combination "
	       "of r, w and m",
	       "resources paths start at the resources object");
	spec_resources_free(r);
}

static void test_load_bundle_dir(void)
{
	_cleanup_error_ struct hutch_error *err = NULL;
	_cleanup_spec_ struct spec *s = spec_load("../fixtures/config/bundle", &err);

	ok(s != NULL, "spec_load accepts a bundle directory: %s", err ? err->msg : "ok");
	spec_free(spec_load("../fixtures/config/no-such-bundle/config.json", &err));
	ok(err && strstr(err->msg, "no-such-bundle"), "missing file names the path: %s",
	   err ? err->msg : "(none)");
}

int main(void)
{
	test_valid();
	test_invalid();
	test_validate_process_alone();
	test_validate_resources_alone();
	test_load_bundle_dir();
	return done_testing();
}
