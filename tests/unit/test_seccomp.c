/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for linux/seccomp: compile errors, rule semantics checked by
 * loading filters in forked children (no_new_privs, so no root needed), the
 * ENOSYS stub, user notification through a listener socket, the cache. */
#include "tap.h"
#include "linux/seccomp.h"
#include "linux/seccomp_internal.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t filter_len(const struct seccomp_filter *f)
{
	const void *insns;
	size_t len;
	unsigned int flags;

	seccomp_filter_program(f, &insns, &len, &flags);
	return len;
}

#define FIXTURE "../fixtures/seccomp/default-profile.json"

/* What a sanitizer runtime calls on its own (all numbered below exit_group
 * on x86_64, so the ENOSYS test keeps its limit). */
#define SANITIZER_SYSCALLS                                                                         \
	"\"sigaltstack\",\"gettid\",\"write\",\"mmap\",\"munmap\",\"madvise\",\"getpid\","         \
	"\"rt_sigprocmask\",\"rt_sigaction\",\"sched_yield\",\"prctl\",\"readlink\",\"open\","     \
	"\"close\",\"read\",\"fstat\""

/* Profiles go through the real config parser: a bare linux.seccomp object is
 * wrapped in a minimal config.json. Aborts on a parse error (the profiles are
 * ours); the spec owns the profile (spec_free). */
static struct spec *profile_check(struct spec *sp, struct hutch_error *err)
{
	if (!sp || !sp->linux_ || !sp->linux_->seccomp) {
		fprintf(stderr, "profile: %s\n", err ? err->msg : "no linux.seccomp");
		abort();
	}
	return sp;
}

static struct spec *profile_parse(const char *json)
{
	_cleanup_free_ char *doc =
	    xasprintf("{\"ociVersion\":\"1.3.0\",\"linux\":{\"seccomp\":%s}}", json);
	struct hutch_error *err = NULL;

	return profile_check(spec_parse("config.json", doc, strlen(doc), &err), err);
}

/* A profile with a name no table holds fails in the parser, before any
 * compile (spec/names.h). */
static void parse_fails(const char *json, const char *want)
{
	_cleanup_free_ char *doc =
	    xasprintf("{\"ociVersion\":\"1.3.0\",\"linux\":{\"seccomp\":%s}}", json);
	struct hutch_error *err = NULL;
	struct spec *sp = spec_parse("config.json", doc, strlen(doc), &err);

	ok(!sp && err, "parse fails: %s", want);
	is_str(err ? err->msg : NULL, want, "with the path and the name");
	herr_free(err);
	spec_free(sp);
}

static struct spec *profile_load(const char *path)
{
	struct hutch_error *err = NULL;

	return profile_check(spec_load(path, &err), err);
}

static struct seccomp_filter *compile_ok(const char *json, const char *what)
{
	struct spec *sp = profile_parse(json);
	struct spec_seccomp *s = sp->linux_->seccomp;
	struct hutch_error *err = NULL;
	struct seccomp_filter *f = NULL;

	if (!ok(seccomp_compile(s, &f, &err) == 0, "compiles: %s", what))
		printf("#   %s\n", err->msg);
	herr_free(err);
	spec_free(sp);
	return f;
}

static void compile_fails(const char *json, const char *want)
{
	struct spec *sp = profile_parse(json);
	struct spec_seccomp *s = sp->linux_->seccomp;
	struct hutch_error *err = NULL;
	struct seccomp_filter *f = NULL;

	if (seccomp_compile(s, &f, &err) == 0) {
		ok(false, "should fail: %s", want);
		seccomp_filter_free(f);
	} else {
		is_str(err->msg, want, want);
	}
	herr_free(err);
	spec_free(sp);
}

/* Fork; the child sets no_new_privs, loads f, runs fn and exits with its
 * result. Returns the wait status. */
static int run_child(const struct seccomp_filter *f, int (*fn)(void *), const void *arg)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct hutch_error *err = NULL;
		int nfd;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(120);
		if (seccomp_filter_load(f, &nfd, &err) < 0)
			_exit(121);
		_exit(fn((void *)arg));
	}
	waitpid(pid, &status, 0);
	return status;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* child bodies: exit with 0 on success or errno */
static int do_mkdir(void *arg)
{
	return syscall(SYS_mkdir, (const char *)arg, 0700) < 0 ? errno : 0;
}

static int do_personality(void *arg)
{
	return syscall(SYS_personality, *(unsigned long *)arg) < 0 ? errno : 0;
}

static int do_umask(void *arg)
{
	return syscall(SYS_umask, *(unsigned long *)arg) < 0 ? errno : 0;
}

static int do_socket(void *arg)
{
	int *v = arg;
	return syscall(SYS_socket, v[0], v[1], 0) < 0 ? errno : 0;
}

static int do_syscall_nr(void *arg)
{
	return syscall(*(long *)arg, 0, 0, 0) < 0 ? errno : 0;
}

static void test_compile_errors(void)
{
	parse_fails(
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"},"
	    "{\"names\":[\"write\"],\"action\":\"SCMP_ACT_FOO\"}]}",
	    "config.json: .linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\"");
	parse_fails("{\"defaultAction\":\"ALLOW\"}",
	            "config.json: .linux.seccomp.defaultAction: unknown action \"ALLOW\"");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
	            "config.json: .linux.seccomp.architectures[0]: unknown architecture "
	            "\"SCMP_ARCH_VAX\"");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	            "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"},"
	            "{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":["
	            "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_BIGGER\"}]}]}",
	            "config.json: .linux.seccomp.syscalls[1].args[0].op: unknown operator "
	            "\"SCMP_CMP_BIGGER\"");
	compile_fails(
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":["
	    "{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
	    "config.json: .linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0-5)");
	compile_fails(
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":5}]}",
	    "config.json: .linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_ALLOW does not take "
	    "an errno value");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_KILL\",\"defaultErrnoRet\":5}",
	              "config.json: .linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL does not take an "
	              "errno value");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}",
	            "config.json: .linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_X\"");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/x\"}",
	              "config.json: .linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
	              "default action");
	compile_fails(
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\",\"syscalls\":["
	    "{\"names\":[\"getppid\",\"sendmsg\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
	    "config.json: .linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be "
	    "used for the sendmsg syscall (the container's setup uses it before the agent "
	    "has the listener fd)");
	compile_fails(
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"@agent\",\"syscalls\":"
	    "[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
	    "config.json: .linux.seccomp.listenerPath: \"@agent\": expected an absolute "
	    "path");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"\",\"syscalls\":["
	              "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
	              "config.json: .linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is "
	              "used");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	              "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
	              "config.json: .linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is "
	              "used");
	compile_fails(
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	    "{\"names\":[\"umask\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":["
	    "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},"
	    "{\"names\":[\"umask\"],\"action\":\"SCMP_ACT_KILL\",\"args\":["
	    "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
	    "config.json: .linux.seccomp.syscalls[1]: rule for \"umask\" conflicts with an "
	    "earlier rule (same arguments, other action)");
	compile_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"m\"}",
	              "config.json: .linux.seccomp.listenerMetadata: set without listenerPath");
}

static void test_other_arch_names(void)
{
	/* socketcall and mmap2 exist on i386 only: fine with and without it */
	seccomp_filter_free(compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	                               "{\"names\":[\"socketcall\",\"mmap2\",\"mkdir\"],"
	                               "\"action\":\"SCMP_ACT_ERRNO\"}]}",
	                               "names of other architectures, native only"));
	seccomp_filter_free(compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
	                               "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
	                               "\"syscalls\":[{\"names\":[\"socketcall\",\"mmap2\"],"
	                               "\"action\":\"SCMP_ACT_ERRNO\"}]}",
	                               "names of other architectures, multi-arch"));
}

static void test_mkdir_denied(void)
{
	struct seccomp_filter *f = compile_ok(
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
	    "[\"hutch_no_such_syscall\",\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
	    "deny mkdir, with an unknown name in the list");
	char dir[] = "/tmp/hutch-seccomp-XXXXXX", path[64];

	if (!f || !mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/sub", dir);
	ok(exit_code(run_child(f, do_mkdir, path)) == EPERM, "mkdir fails with EPERM in the child");
	ok(mkdir(path, 0700) == 0, "mkdir works in the parent");
	ok(!seccomp_filter_uses_notify(f), "no listener without SCMP_ACT_NOTIFY");
	rmdir(path);
	rmdir(dir);
	seccomp_filter_free(f);
}

static void test_default_errno(void)
{
	struct seccomp_filter *f = compile_ok(
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":18,\"syscalls\":["
	    "{\"names\":[\"exit_group\",\"exit\",\"personality\",\"umask\"," SANITIZER_SYSCALLS "],"
	    "\"action\":\"SCMP_ACT_ALLOW\"},"
	    "{\"names\":[\"rmdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18}]}",
	    "default ERRNO with defaultErrnoRet 18, a rule equal to the default");

	if (!f)
		return;
	ok(exit_code(run_child(f, do_mkdir, "/nonexistent/x")) == EXDEV,
	   "defaultErrnoRet honoured (EXDEV)");
	seccomp_filter_free(f);
	f = compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	               "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}",
	               "errnoRet 13");
	if (f)
		ok(exit_code(run_child(f, do_mkdir, "/nonexistent/x")) == EACCES,
		   "errnoRet honoured (EACCES)");
	seccomp_filter_free(f);
}

static void test_args(void)
{
	struct seccomp_filter *f = compile_ok(
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	    "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":["
	    "{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]},"
	    "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"args\":["
	    "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
	    "{\"index\":1,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]},"
	    "{\"names\":[\"umask\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":22,\"args\":["
	    "{\"index\":0,\"value\":63,\"op\":\"SCMP_CMP_EQ\"},"
	    "{\"index\":0,\"value\":448,\"valueTwo\":448,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
	    "argument rules");
	unsigned long query = 0xffffffff, linux_ = PER_LINUX, m;
	int unix_dgram[2] = {AF_UNIX, SOCK_DGRAM}, unix_stream[2] = {AF_UNIX, SOCK_STREAM};

	if (!f)
		return;
	ok(exit_code(run_child(f, do_personality, &linux_)) == 0, "personality(PER_LINUX) allowed");
	ok(exit_code(run_child(f, do_personality, &query)) == EPERM,
	   "personality(0xffffffff) denied with EPERM");
	ok(exit_code(run_child(f, do_socket, unix_dgram)) == EACCES,
	   "socket(AF_UNIX, SOCK_DGRAM): both args match (AND)");
	ok(exit_code(run_child(f, do_socket, unix_stream)) == 0,
	   "socket(AF_UNIX, SOCK_STREAM): one arg differs, allowed");
	m = 077;
	ok(exit_code(run_child(f, do_umask, &m)) == EINVAL, "umask(077): first arg rule (OR)");
	m = 0700;
	ok(exit_code(run_child(f, do_umask, &m)) == EINVAL, "umask(0700): masked rule (OR)");
	m = 0022;
	ok(exit_code(run_child(f, do_umask, &m)) == 0, "umask(022): neither rule, allowed");
	seccomp_filter_free(f);
}

static int do_getppid(void *arg)
{
	syscall(SYS_getppid);
	return 0;
}

static void test_kill(void)
{
	const char *acts[] = {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"};

	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *json =
		    xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		              "{\"names\":[\"getppid\"],\"action\":\"%s\"}]}",
		              acts[i]);
		struct seccomp_filter *f = compile_ok(json, acts[i]);
		int st;

		if (!f)
			continue;
		st = run_child(f, do_getppid, NULL);
		ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "%s: child dies of SIGSYS", acts[i]);
		seccomp_filter_free(f);
	}
}

static volatile sig_atomic_t trapped_nr = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	trapped_nr = si->si_syscall;
}

static int do_trap(void *arg)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};

	sigaction(SIGSYS, &sa, NULL);
	if (syscall(SYS_getppid) != -1 && trapped_nr == -1)
		return 1;
	return trapped_nr == SYS_getppid ? 0 : 2;
}

static void test_trap(void)
{
	struct seccomp_filter *f =
	    compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	               "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_TRAP\"}]}",
	               "SCMP_ACT_TRAP");
	if (!f)
		return;
	ok(exit_code(run_child(f, do_trap, NULL)) == 0,
	   "TRAP delivers SIGSYS with si_syscall to a handler");
	seccomp_filter_free(f);
}

static void test_log_trace(void)
{
	struct seccomp_filter *f =
	    compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	               "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_LOG\"},"
	               "{\"names\":[\"rmdir\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":5}]}",
	               "SCMP_ACT_LOG and SCMP_ACT_TRACE with errnoRet");

	if (!f)
		return;
	ok(exit_code(run_child(f, do_mkdir, "/nonexistent/x")) == ENOENT, "LOG lets mkdir run");
	seccomp_filter_free(f);
}

/* Run a classic-BPF seccomp program over (arch, nr): enough of the machine
 * for what the ENOSYS stub emits. */
static uint32_t bpf_run(const struct sock_filter *p, size_t len, uint32_t arch, uint32_t nr)
{
	uint32_t a = 0;

	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &p[pc];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			a = i->k == 4 ? arch : i->k == 0 ? nr : 0;
			break;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & i->k) ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			return 0xdead;
		}
	}
	return 0xbad;
}

static void test_enosys_stub_program(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct seccomp_filter f = {.insns = xmalloc(sizeof(allow)), .len = 1};
	const struct seccomp_arch_max archs[] = {{SCMP_ARCH_X86_64, 100},
	                                         {SCMP_ARCH_X86, 200},
	                                         {SCMP_ARCH_X32, 0x40000000 | 300},
	                                         {SCMP_ARCH_AARCH64, 0}};
	const uint32_t enosys = SECCOMP_RET_ERRNO | ENOSYS, x32 = 0x40000000;
	const struct {
		uint32_t arch, nr, want;
		const char *what;
	} cases[] = {
	    {AUDIT_ARCH_X86_64, 100, SECCOMP_RET_ALLOW, "x86_64 at its highest"},
	    {AUDIT_ARCH_X86_64, 101, enosys, "x86_64 above"},
	    {AUDIT_ARCH_X86_64, x32 | 300, SECCOMP_RET_ALLOW, "x32 at its highest"},
	    {AUDIT_ARCH_X86_64, x32 | 301, enosys, "x32 above"},
	    {AUDIT_ARCH_I386, 200, SECCOMP_RET_ALLOW, "i386 at its highest"},
	    {AUDIT_ARCH_I386, 201, enosys, "i386 above"},
	    {AUDIT_ARCH_AARCH64, 5000, SECCOMP_RET_ALLOW, "arch without names: untouched"},
	    {AUDIT_ARCH_ARM, 5000, SECCOMP_RET_ALLOW, "arch not in the filter: untouched"},
	};
	struct hutch_error *err = NULL;

	memcpy(f.insns, &allow, sizeof(allow));
	ok(seccomp_enosys_patch(&f, archs, 4, &err) == 0, "stub prepended");
	ok(f.len > 1 && f.len < 40, "stub is short (%zu instructions)", f.len);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(bpf_run(f.insns, f.len, cases[i].arch, cases[i].nr) == cases[i].want, "stub: %s",
		   cases[i].what);
	free(f.insns);
}

static void test_enosys(void)
{
	/* highest named syscall: exit_group (231 on x86_64) */
	struct seccomp_filter *f =
	    compile_ok("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	               "{\"names\":[\"exit_group\",\"exit\",\"getppid\"," SANITIZER_SYSCALLS "],"
	               "\"action\":\"SCMP_ACT_ALLOW\"}]}",
	               "ERRNO default for the ENOSYS stub");
	long above = SYS_mkdirat, below = SYS_mkdir;

	if (!f)
		return;
	ok(above > 231 && below < 231, "syscall numbers straddle exit_group");
	ok(exit_code(run_child(f, do_syscall_nr, &above)) == ENOSYS,
	   "a syscall above the profile's highest gets ENOSYS");
	ok(exit_code(run_child(f, do_syscall_nr, &below)) == EPERM,
	   "an unlisted syscall below it gets the default errno");
	seccomp_filter_free(f);

	f = compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	               "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
	               "ALLOW default: no stub");
	if (f) {
		long huge = 1000; /* not a syscall: the kernel itself says ENOSYS */
		ok(exit_code(run_child(f, do_syscall_nr, &huge)) == ENOSYS, "unknown nr: ENOSYS");
		ok(f->len > 0 && BPF_CLASS(f->insns[0].code) == BPF_LD && f->insns[0].k == 4,
		   "program starts with libseccomp's own arch load");
	}
	seccomp_filter_free(f);
}

static void test_fixture_runs_busybox(void)
{
	struct spec *sp = profile_load(FIXTURE);
	struct spec_seccomp *s = sp->linux_->seccomp;
	struct hutch_error *err = NULL;
	struct seccomp_filter *f = NULL;
	int p[2], st;
	char buf[16] = "";
	pid_t pid;

	if (!ok(seccomp_compile(s, &f, &err) == 0, "the Docker-sized fixture compiles")) {
		printf("#   %s\n", err->msg);
		goto out;
	}
	ok(filter_len(f) > 100 && filter_len(f) < SECCOMP_MAX_INSNS,
	   "fixture program has %zu instructions", filter_len(f));
	if (access("/bin/busybox", X_OK) < 0) {
		ok(true, "# SKIP /bin/busybox not installed");
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		goto out;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int nfd;

		dup2(p[1], 1);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp_filter_load(f, &nfd, &err) < 0)
			_exit(121);
		execl("/bin/busybox", "sh", "-c", "echo ok; mkdir /proc/x 2>&1 || true", NULL);
		_exit(122);
	}
	close(p[1]);
	ok(read(p[0], buf, sizeof(buf) - 1) >= 3 && strncmp(buf, "ok\n", 3) == 0,
	   "busybox sh runs under the ERRNO-default fixture (got \"%.2s\")", buf);
	close(p[0]);
	waitpid(pid, &st, 0);
	ok(exit_code(st) == 0, "and exits 0");
out:
	seccomp_filter_free(f);
	herr_free(err);
	spec_free(sp);
}

/* --- notify ------------------------------------------------------------- */

static int recv_fd(int sock, char *buf, size_t len, ssize_t *ret_n)
{
	struct iovec iov = {buf, len};
	int fd = -1;

	*ret_n = fdpass_recv(sock, &iov, 1, &fd);
	return fd;
}

static int send_fd(int sock, int fd)
{
	char x = 'x';
	struct iovec iov = {&x, 1};

	return fdpass_send(sock, &iov, 1, fd) == 1 ? 0 : -1;
}

/* Child: load, pass the listener fd up, then make the notified call. */
static void notify_child(const struct seccomp_filter *f, int sock)
{
	struct hutch_error *err = NULL;
	int nfd;
	long r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_filter_load(f, &nfd, &err) < 0)
		_exit(121);
	if (nfd < 0 || send_fd(sock, nfd) < 0)
		_exit(122);
	close(nfd);
	r = syscall(SYS_getppid);
	_exit(r == 4242 ? 0 : 123);
}

static void check_state_message(const char *buf, pid_t pid)
{
	struct hutch_error *err = NULL;
	json_node *j = json_parse("msg", buf, strlen(buf), &err);
	json_node *fds = json_object_get(j, "fds");
	unsigned long long p = 0;

	if (!ok(j != NULL, "listener got valid JSON")) {
		printf("#   %s\n#   %s\n", err->msg, buf);
		herr_free(err);
		return;
	}
	is_str(json_string(json_object_get(j, "ociVersion")), "1.3.0", "ociVersion");
	is_str(json_string(json_array_at(fds, 0)), "seccompFd", "fds[0] is seccompFd");
	str_to_u64(json_number_text(json_object_get(j, "pid")), &p);
	ok(p == (unsigned long long)pid, "pid is the container process");
	is_str(json_string(json_object_get(j, "metadata")), "agent-meta", "metadata");
	is_str(json_string(json_object_get(json_object_get(j, "state"), "id")), "c1", "state.id");
	json_free(j);
}

static void answer_notification(int nfd)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	memset(&req, 0, sizeof(req));
	if (!ok(ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0, "NOTIF_RECV"))
		return;
	ok(req.data.nr == SYS_getppid, "notified syscall is getppid");
	resp = (struct seccomp_notif_resp){.id = req.id, .val = 4242, .error = 0, .flags = 0};
	ok(ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0, "NOTIF_SEND 4242");
}

static void test_notify(void)
{
	char dir[] = "/tmp/hutch-seccomp-XXXXXX", buf[4096] = "";
	_cleanup_free_ char *json = NULL, *sock_path = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct hutch_error *err = NULL;
	struct seccomp_filter *f;
	struct spec *sp;
	struct spec_seccomp *s;
	int pair[2], lsock, conn, child_nfd = -1, agent_nfd, st;
	ssize_t n;
	pid_t pid;

	if (!mkdtemp(dir))
		return;
	sock_path = xasprintf("%s/agent.sock", dir);
	json =
	    xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"%s\","
	              "\"listenerMetadata\":\"agent-meta\",\"flags\":"
	              "[\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
	              "\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
	              sock_path);
	sp = profile_parse(json);
	s = sp->linux_->seccomp;
	if (!ok(seccomp_compile(s, &f, &err) == 0, "NOTIFY profile compiles")) {
		printf("#   %s\n", err->msg);
		goto out;
	}
	ok(seccomp_filter_uses_notify(f), "filter uses notify");
	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair);
	if (bind(lsock, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lsock, 1) < 0)
		goto out;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		notify_child(f, pair[1]);
	child_nfd = recv_fd(pair[0], buf, 1, &n);
	ok(child_nfd >= 0, "runtime received the listener fd from the child");
	ok(seccomp_send_listener(s, child_nfd,
	                         "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\","
	                         "\"status\":\"creating\",\"pid\":1,\"bundle\":\"/b\"}",
	                         pid, &err) == 0,
	   "seccomp_send_listener");
	close(child_nfd);
	conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	agent_nfd = recv_fd(conn, buf, sizeof(buf) - 1, &n);
	buf[n > 0 ? n : 0] = '\0';
	ok(agent_nfd >= 0, "agent received the seccomp fd");
	check_state_message(buf, pid);
	ok(read(conn, buf, 1) == 0, "runtime closed the connection");
	answer_notification(agent_nfd);
	waitpid(pid, &st, 0);
	ok(exit_code(st) == 0, "child saw the agent's return value");
	close(agent_nfd);
	close(conn);
	close(lsock);
	close(pair[0]);
	close(pair[1]);
out:
	unlink(sock_path);
	rmdir(dir);
	herr_free(err);
	seccomp_filter_free(f);
	spec_free(sp);
}

static void test_listener_errors(void)
{
	char path[] = "/nonexistent/agent.sock";
	struct spec_seccomp s = {.listenerPath = path};
	struct hutch_error *err = NULL;

	ok(seccomp_send_listener(&s, 0, "{}", 1, &err) < 0 && err->errnum == ENOENT,
	   "connect failure is an error");
	is_str(err->msg,
	       "seccomp listener /nonexistent/agent.sock: failed to connect with seccomp agent (is "
	       "it listening?): connect: No such file or directory",
	       "and names the socket");
	herr_freep(&err);
	ok(seccomp_send_listener(&s, 0, "[1]", 1, &err) < 0, "state must be an object");
	is_str(
	    err->msg,
	    "seccomp listener /nonexistent/agent.sock: container state: expected object, got array",
	    "and says so");
	herr_freep(&err);
}

/* --- flags, cache, features --------------------------------------------- */

static void test_flags(void)
{
	struct seccomp_filter *f = compile_ok(
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\","
	    "\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\","
	    "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],\"syscalls\":["
	    "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
	    "all four flags");

	if (!f)
		return;
	ok(f->flags == (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
	                SECCOMP_FILTER_FLAG_SPEC_ALLOW),
	   "WAIT_KILLABLE_RECV dropped without a listener");
	ok(exit_code(run_child(f, do_mkdir, "/nonexistent/x")) == EPERM, "loads with the flags");
	seccomp_filter_free(f);
}

static void test_cache(void)
{
	char dir[] = "/tmp/hutch-seccomp-XXXXXX";
	_cleanup_free_ char *cache = NULL, *entry = NULL;
	struct spec *sp = profile_load(FIXTURE);
	struct spec_seccomp *s = sp->linux_->seccomp;
	struct seccomp_filter *a = NULL, *b = NULL, *c = NULL;
	struct hutch_error *err = NULL;
	char key[65], key2[65];
	struct stat st;

	if (!mkdtemp(dir))
		return;
	cache = xasprintf("%s/run/.seccomp-cache", dir);
	seccomp_cache_key(s, key);
	ok(strlen(key) == 64 && strspn(key, "0123456789abcdef") == 64,
	   "the key is a SHA-256 in lower-case hex: %s", key);
	seccomp_cache_key(s, key2);
	ok(strcmp(key, key2) == 0, "the same profile, the same key");
	entry = xasprintf("%s/%s.bpf", cache, key);
	ok(seccomp_compile_cached(s, cache, &a, &err) == 0, "cached compile (miss)");
	ok(stat(entry, &st) == 0 && (st.st_mode & 0777) == 0600, "entry written 0600");
	ok(seccomp_compile_cached(s, cache, &b, &err) == 0, "cached compile (hit)");
	ok(a && b && a->len == b->len && a->flags == b->flags &&
	       memcmp(a->insns, b->insns, a->len * sizeof(*a->insns)) == 0,
	   "hit returns the same program");
	ok(truncate(entry, 30) == 0, "truncate the entry");
	ok(seccomp_compile_cached(s, cache, &c, &err) == 0 && c->len == a->len,
	   "a corrupt entry is recompiled");
	ok(stat(entry, &st) == 0 && (size_t)st.st_size > 30, "and rewritten");
	free(s->syscalls[0].names[0]);
	s->syscalls[0].names[0] = xstrdup("accept5");
	seccomp_cache_key(s, key2);
	ok(strcmp(key, key2) != 0, "a changed profile has another key");
	for (int i = 0; i < 70; i++) {
		_cleanup_free_ char *junk = xasprintf("%s/junk%02d.bpf", cache, i);
		int fd = open(junk, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	seccomp_filter_free(c);
	c = NULL;
	ok(seccomp_compile_cached(s, cache, &c, &err) == 0, "compile with a full cache");
	{
		_cleanup_free_ char *junk = xasprintf("%s/junk00.bpf", cache);
		seccomp_cache_key(s, key2);
		free(entry);
		entry = xasprintf("%s/%s.bpf", cache, key2);
		ok(access(junk, F_OK) < 0 && access(entry, F_OK) == 0,
		   "a full cache is cleared, the new entry kept");
	}
	unlink(entry);
	rmdir(cache);
	cache[strlen(cache) - strlen("/.seccomp-cache")] = '\0';
	rmdir(cache);
	rmdir(dir);
	seccomp_filter_free(a);
	seccomp_filter_free(b);
	seccomp_filter_free(c);
	herr_free(err);
	spec_free(sp);
}

static bool array_has(json_node *a, const char *s)
{
	for (size_t i = 0; i < json_len(a); i++)
		if (json_string(json_array_at(a, i)) &&
		    strcmp(json_string(json_array_at(a, i)), s) == 0)
			return true;
	return false;
}

static void test_features(void)
{
	json_gen *g = json_gen_new(false);
	struct hutch_error *err = NULL;
	_cleanup_free_ char *text = NULL;
	json_node *j;
	const char *v = seccomp_version_string();
	unsigned a, b, c;

	seccomp_features(g);
	text = json_gen_text(g, NULL);
	json_gen_free(g);
	j = json_parse("features", text, strlen(text), &err);
	if (!ok(j != NULL, "features JSON parses"))
		return;
	ok(json_bool(json_object_get(j, "enabled")), "enabled");
	ok(array_has(json_object_get(j, "actions"), "SCMP_ACT_NOTIFY") &&
	       json_len(json_object_get(j, "actions")) == 9,
	   "nine actions");
	ok(json_len(json_object_get(j, "operators")) == 7, "seven operators");
	ok(array_has(json_object_get(j, "archs"), "SCMP_ARCH_X86_64") &&
	       array_has(json_object_get(j, "archs"), "SCMP_ARCH_X32"),
	   "archs from libseccomp");
	ok(json_len(json_object_get(j, "knownFlags")) == 4, "four known flags");
	ok(array_has(json_object_get(j, "supportedFlags"), "SECCOMP_FILTER_FLAG_LOG"),
	   "supportedFlags probed from the kernel");
	json_free(j);
	ok(sscanf(v, "%u.%u.%u", &a, &b, &c) == 3, "version string %s", v);
}

int main(void)
{
	test_compile_errors();
	test_other_arch_names();
	test_mkdir_denied();
	test_default_errno();
	test_args();
	test_kill();
	test_trap();
	test_log_trace();
	test_enosys_stub_program();
	test_enosys();
	test_fixture_runs_busybox();
	test_notify();
	test_listener_errors();
	test_flags();
	test_cache();
	test_features();
	return done_testing();
}
