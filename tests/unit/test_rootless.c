/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core/rootless: --rootless values and the default state directory of an
 * unprivileged user (as root the checks run in a child that became nobody). */
#include "tap.h"
#include "core/rootless.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static void test_modes(void)
{
	struct hutch_error *err = NULL;
	enum rootless_mode m = ROOTLESS_TRUE;

	ok(rootless_parse_mode(NULL, &m, &err) == 0 && m == ROOTLESS_AUTO, "unset is auto");
	ok(rootless_parse_mode("true", &m, &err) == 0 && m == ROOTLESS_TRUE, "true");
	ok(rootless_parse_mode("false", &m, &err) == 0 && m == ROOTLESS_FALSE, "false");
	ok(rootless_parse_mode("auto", &m, &err) == 0 && m == ROOTLESS_AUTO, "auto");
	ok(rootless_parse_mode("yes", &m, &err) < 0, "anything else is refused");
	is_str(err ? err->msg : NULL, "invalid --rootless 'yes': expected auto, true or false",
	       "and the error says what is expected");
	herr_freep(&err);
	ok(rootless_resolve(ROOTLESS_TRUE) && !rootless_resolve(ROOTLESS_FALSE),
	   "true and false are taken as given");
	ok(rootless_resolve(ROOTLESS_AUTO) == (geteuid() != 0 || rootless_in_userns()),
	   "auto: not root, or in a user namespace");
	ok(rootless_is("false") == false && rootless_is("true") == true, "rootless_is");
}

/* rootless_state_root() as an unprivileged user with XDG_RUNTIME_DIR=xdg
 * (NULL: unset): "ok PATH" or "error MSG" in out. */
static void state_root_as_user(const char *xdg, char *out, size_t len)
{
	int p[2];
	pid_t pid;
	ssize_t n;

	if (pipe(p) < 0)
		exit(2);
	pid = fork();
	if (pid == 0) {
		struct hutch_error *err = NULL;
		char *root = NULL;
		close(p[0]);
		if (geteuid() == 0 && (setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		                       setresuid(NOBODY, NOBODY, NOBODY) < 0))
			_exit(2);
		if (xdg)
			setenv("XDG_RUNTIME_DIR", xdg, 1);
		else
			unsetenv("XDG_RUNTIME_DIR");
		if (rootless_state_root(&root, &err) == 0)
			dprintf(p[1], "ok %s", root);
		else
			dprintf(p[1], "error %s", err->msg);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
}

static void test_state_root(void)
{
	char tmpl[] = "/tmp/hutch-test-rootless-XXXXXX", out[1024];
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *want = NULL;

	if (!dir || (geteuid() == 0 && chown(dir, NOBODY, NOBODY) < 0))
		exit(2);
	chmod(dir, 0700);
	want = xasprintf("ok %s/hutch", dir);
	state_root_as_user(dir, out, sizeof(out));
	is_str(out, want, "a user's state lives in $XDG_RUNTIME_DIR/hutch");
	state_root_as_user(NULL, out, sizeof(out));
	ok(strstr(out, "error rootless: XDG_RUNTIME_DIR is not set") == out &&
	       strstr(out, "--root"),
	   "unset: an error that says what to do (%s)", out);
	state_root_as_user("run/user/1", out, sizeof(out));
	ok(strstr(out, "is not an absolute path") != NULL, "relative refused (%s)", out);
	state_root_as_user("/", out, sizeof(out));
	ok(strstr(out, "belongs to uid 0, not to the caller") != NULL, "foreign refused (%s)", out);
	chmod(dir, 0777);
	state_root_as_user(dir, out, sizeof(out));
	ok(strstr(out, "is writable by others (mode 0777)") != NULL, "writable refused (%s)", out);
	rmdir(dir);
	state_root_as_user(dir, out, sizeof(out));
	ok(strstr(out, "No such file or directory") != NULL, "missing refused (%s)", out);
}

static void test_root_keeps_run(void)
{
	struct hutch_error *err = NULL;
	char *root = NULL;

	if (geteuid() != 0 || rootless_in_userns()) {
		ok(true, "root keeps /run/hutch # SKIP not root of the initial user namespace");
		return;
	}
	setenv("XDG_RUNTIME_DIR", "/tmp", 1);
	ok(rootless_state_root(&root, &err) == 0, "root: state root");
	is_str(root, "/run/hutch", "root keeps /run/hutch, whatever XDG_RUNTIME_DIR says");
	free(root);
}

int main(void)
{
	test_modes();
	test_state_root();
	test_root_keeps_run();
	return done_testing();
}
