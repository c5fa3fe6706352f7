/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's helper program (spawn/exe.h, spawn/helper/): the sealed
 * memfd, the argv it is given, and the helper itself run in forked children
 * (no root needed: the seccomp filter is loaded under no_new_privs). */
#include "tap.h"
#include "spawn/exe.h"
#include "spawn/helper/abi.h"
#include "spawn/sync.h"
#include "sync_expect.h"
#include "linux/seccomp.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_memfd_is_sealed(void)
{
	struct hutch_error *err = NULL;
	int fd = exe_helper_open(&err);
	int seals;
	struct stat st;
	char head[4] = "";
	char self[64];
	int w;

	if (!ok(fd >= 0, "helper memfd: %s", err ? err->msg : "made")) {
		herr_freep(&err);
		return;
	}
	ok((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "close-on-exec");
	seals = fcntl(fd, F_GET_SEALS);
	ok(seals >= 0 && (seals & (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)) ==
	                     (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE),
	   "sealed against seals, shrinking, growing and writing (%#x)", seals);
	ok(pread(fd, head, 4, 0) == 4 && memcmp(head, "\177ELF", 4) == 0, "holds an ELF image");
	ok(write(fd, "x", 1) < 0 && errno == EPERM, "write refused");
	ok(ftruncate(fd, 0) < 0 && errno == EPERM, "truncate refused");
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	w = open(self, O_WRONLY | O_CLOEXEC);
	ok(w < 0 || (write(w, "x", 1) < 0 && errno == EPERM),
	   "a reopened descriptor cannot write either");
	if (w >= 0)
		close(w);
	if (fstat(fd, &st) < 0)
		st.st_mode = 0;
	ok((st.st_mode & 0111) == 0111, "executable (mode %o)", st.st_mode & 0777);
	close(fd);
}

static void test_argv(void)
{
	char *args[] = {(char *)"sh", (char *)"-c", (char *)"x", NULL};
	uint64_t caps[4] = {0x400, 0x401, 0, 0x400};
	struct exe_helper_call c = {.sync_fd = 3,
	                            .fifo_fd = 7,
	                            .wait = true,
	                            .err_fd = 9,
	                            .bpf_fd = -1,
	                            .caps = caps,
	                            .path = "/bin/sh",
	                            .argv = args};
	char **argv = exe_helper_argv(&c);
	_cleanup_free_ char *joined = NULL;
	size_t len = 0;

	for (char **a = argv; *a; a++)
		len += strlen(*a) + 1;
	joined = xmalloc(len + 1);
	joined[0] = '\0';
	for (char **a = argv; *a; a++) {
		strcat(joined, *a);
		strcat(joined, a[1] ? " " : "");
	}
	is_str(joined, "hutch-init -s 3 -w 7 -e 9 -c 400:401:0:400 -- /bin/sh sh -c x",
	       "argv with every option");
	strv_free(argv);
	c = (struct exe_helper_call){
	    .sync_fd = -1, .fifo_fd = 5, .err_fd = -1, .bpf_fd = -1, .path = "/hook"};
	argv = exe_helper_argv(&c);
	ok(strv_len(argv) == 6 && strcmp(argv[1], "-k") == 0 && strcmp(argv[4], "/hook") == 0 &&
	       strcmp(argv[5], "/hook") == 0,
	   "a held fifo is -k; no argv means {path}");
	strv_free(argv);
}

/* Run the helper with `argv` in a child whose stderr goes to a pipe; returns
 * the exit status, and the stderr text in out. `nnp`: set no_new_privs first
 * (for a filter). */
static int run_helper(char *const argv[], bool nnp, char *out, size_t size)
{
	struct hutch_error *err = NULL;
	int fd = exe_helper_open(&err);
	int p[2], st;
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	if (fd < 0 || pipe(p) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *envp[] = {(char *)"PATH=/bin:/usr/bin", NULL};
		dup2(p[1], 2);
		if (nnp)
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		exe_helper_exec(fd, argv, envp);
		_exit(99);
	}
	close(p[1]);
	close(fd);
	while (len < size - 1 && (n = read(p[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_helper_runs(void)
{
	char out[4096];
	char *good[] = {
	    (char *)HELPER_ARGV0, (char *)"--", (char *)"/bin/sh", (char *)"sh", (char *)"-c",
	    (char *)"exit 7",     NULL};
	char *missing[] = {(char *)HELPER_ARGV0, (char *)"--", (char *)"/no/such", (char *)"x",
	                   NULL};
	char *as_script[] = {(char *)"/proc/self/exe", (char *)"/evil", NULL};
	char *bad_opt[] = {(char *)HELPER_ARGV0, (char *)"-x",   (char *)"3", (char *)"--",
	                   (char *)"/bin/true",  (char *)"true", NULL};
	char *bad_fd[] = {(char *)HELPER_ARGV0, (char *)"-e",   (char *)"3a", (char *)"--",
	                  (char *)"/bin/true",  (char *)"true", NULL};
	char *no_dashes[] = {(char *)HELPER_ARGV0, (char *)"/bin/true", (char *)"true", NULL};

	ok(run_helper(good, false, out, sizeof(out)) == 7, "execs the program (exit 7)");
	ok(run_helper(missing, false, out, sizeof(out)) == 127, "a missing program exits 127");
	is_str(out, "hutch: exec /no/such: no such file or directory\n",
	       "with runc's lower-case wording");
	ok(run_helper(as_script, false, out, sizeof(out)) == 126,
	   "as a #! interpreter it refuses to run (126)");
	ok(strstr(out, "not a program to run") != NULL, "saying so: %s", out);
	ok(run_helper(bad_opt, false, out, sizeof(out)) == 126, "an unknown option is refused");
	ok(run_helper(bad_fd, false, out, sizeof(out)) == 126, "a malformed fd is refused");
	ok(run_helper(no_dashes, false, out, sizeof(out)) == 126, "a missing -- is refused");
}

static void test_helper_ready_and_seccomp(void)
{
	const char *json =
	    "{\"ociVersion\":\"1.3.0\",\"linux\":{\"seccomp\":{"
	    "\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
	    "[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}}}";
	struct hutch_error *err = NULL;
	_cleanup_spec_ struct spec *sp = spec_parse("profile", json, strlen(json), &err);
	struct seccomp_filter *f = NULL;
	struct sync_msg m = {.fd = -1};
	char out[4096], fdbuf[16], sockbuf[16];
	int bpf, sv[2];

	if (!ok(sp && seccomp_compile(sp->linux_->seccomp, &f, &err) == 0, "profile compiles"))
		return;
	bpf = exe_helper_bpf(f, &err);
	ok(bpf >= 0, "seccomp memfd: %s", err ? err->msg : "made");
	sync_pair(sv, &err);
	/* the helper gets them without close-on-exec, as the child passes them */
	fcntl(bpf, F_SETFD, 0);
	fcntl(sv[1], F_SETFD, 0);
	snprintf(fdbuf, sizeof(fdbuf), "%d", bpf);
	snprintf(sockbuf, sizeof(sockbuf), "%d", sv[1]);
	char *argv[] = {(char *)HELPER_ARGV0,
	                (char *)"-s",
	                sockbuf,
	                (char *)"-f",
	                fdbuf,
	                (char *)"--",
	                (char *)"/bin/sh",
	                (char *)"sh",
	                (char *)"-c",
	                (char *)"mkdir /tmp/hutch-test-exe-$$ 2>/dev/null && exit 0; exit 3",
	                NULL};
	ok(run_helper(argv, true, out, sizeof(out)) == 3,
	   "the program runs under the filter the helper loaded (mkdir refused): %s", out);
	close(sv[1]);
	ok(sync_expect(sv[0], SYNC_READY, &m, &err) == 0, "the helper sent READY on -s");
	sync_msg_clear(&m);
	herr_freep(&err);
	close(sv[0]);
	close(bpf);
	seccomp_filter_free(f);
}

int main(void)
{
	test_memfd_is_sealed();
	test_argv();
	test_helper_runs();
	test_helper_ready_and_seccomp();
	return done_testing();
}
