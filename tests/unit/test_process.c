/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for linux/caps, linux/user and linux/rlimit. Every change to the
 * process happens in a forked child. Parts that need root (capability and uid
 * changes) say so and are skipped for other users. */
#include "tap.h"
#include "child.h"
#include "linux/caps.h"
#include "linux/rlimit.h"
#include "linux/user.h"
#include "util/log.h"
#include "util/error.h"
#include "util/passwd.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* string literal as the char * the spec structs hold */
#define S(lit) ((char *)(lit))

static bool is_root;

#define SKIP_UNLESS_ROOT(what)                                                                     \
	do {                                                                                       \
		if (!is_root) {                                                                    \
			ok(true, "%s # SKIP needs root", what);                                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static bool has_cap(int cap)
{
	char buf[64];
	unsigned long long eff = strtoull(proc_status("CapEff", buf, sizeof(buf)), NULL, 16);

	return eff & (1ULL << cap);
}

/* --- caps ---------------------------------------------------------------- */

static void test_caps_parse(void)
{
	char *eff[] = {S("CAP_CHOWN"), S("CAP_FOO"), S("chown"), S("CAP_BPF"), S("41"), NULL};
	char *bnd[] = {S("CAP_KILL"), S("CAP_NET_BIND_SERVICE"), NULL};
	struct spec_capabilities c = {.effective = eff, .bounding = bnd};
	struct hutch_error *err = NULL;
	struct caps_set set;

	ok(caps_parse(&c, &set, &err) == 0, "caps_parse: unknown names are not an error");
	ok(set.effective == ((1ULL << 0) | (1ULL << 39)), "effective keeps CAP_CHOWN and CAP_BPF");
	ok(set.bounding == ((1ULL << 5) | (1ULL << 10)), "bounding CAP_KILL|CAP_NET_BIND_SERVICE");
	ok(set.permitted == 0 && set.inheritable == 0 && set.ambient == 0, "absent sets are empty");
	ok(caps_parse(NULL, &set, &err) == 0 && set.effective == 0 && set.bounding == 0,
	   "no capabilities object: everything empty");
	ok(caps_last_cap() >= 40, "cap_last_cap read (%d)", caps_last_cap());
	herr_freep(&err);
}

struct caps_arg {
	uid_t uid;
	struct caps_set set;
};

static int caps_child(void *a, char *out)
{
	struct caps_arg *arg = a;
	struct hutch_error *err = NULL;
	struct spec_user u = {.uid = arg->uid, .gid = arg->uid};
	char buf[64];

	if (caps_drop_bounding(&arg->set, &err) < 0 || caps_keep_on_setuid(true, &err) < 0 ||
	    user_apply(&u, true, &err) < 0 || caps_keep_on_setuid(false, &err) < 0 ||
	    caps_apply(&arg->set, &err) < 0) {
		out_add(out, "error: %s", err->msg);
		return 1;
	}
	out_add(out, "eff=%s ", proc_status("CapEff", buf, sizeof(buf)));
	out_add(out, "prm=%s ", proc_status("CapPrm", buf, sizeof(buf)));
	out_add(out, "inh=%s ", proc_status("CapInh", buf, sizeof(buf)));
	out_add(out, "bnd=%s ", proc_status("CapBnd", buf, sizeof(buf)));
	out_add(out, "amb=%s", proc_status("CapAmb", buf, sizeof(buf)));
	return 0;
}

static void test_caps_apply(void)
{
	/* CAP_CHOWN(0), CAP_KILL(5), CAP_NET_BIND_SERVICE(10) */
	struct caps_arg arg = {
	    .uid = 1000,
	    .set = {.bounding = 0x421,
	            .effective = 0x401,
	            .permitted = 0x401,
	            .inheritable = 0x400,
	            .ambient = 0x400},
	};
	char out[4096];

	SKIP_UNLESS_ROOT("caps sequence around setuid");
	ok(child_run(caps_child, &arg, out) == 0, "caps sequence as uid 1000 succeeds");
	is_str(out,
	       "eff=0000000000000401 prm=0000000000000401 inh=0000000000000400 "
	       "bnd=0000000000000421 amb=0000000000000400",
	       "CapEff/CapPrm/CapInh/CapBnd/CapAmb after setuid(1000)");

	/* Staying root, with a capability this runtime may not have
	 * (CAP_SYS_RESOURCE, 24): it is left out with a warning, no error. */
	arg.uid = 0;
	arg.set = (struct caps_set){.bounding = (1ULL << 24) | 1,
	                            .effective = (1ULL << 24) | 1,
	                            .permitted = (1ULL << 24) | 1};
	ok(child_run(caps_child, &arg, out) == 0, "ungrantable capability is a warning only");
	if (has_cap(24))
		ok(strstr(out, "eff=0000000001000001") != NULL, "CAP_SYS_RESOURCE kept: %s", out);
	else
		ok(strstr(out, "eff=0000000000000001 prm=0000000000000001") != NULL,
		   "CAP_SYS_RESOURCE left out: %s", out);
}

static void warn_into(void *ctx, enum log_level level, const char *msg)
{
	if (level <= LOG_WARN)
		out_add(ctx, "[%s] ", msg);
}

static int caps_child_logged(void *a, char *out)
{
	log_set_sink(warn_into, out);
	return caps_child(a, out);
}

/* The default config of `runc spec` before 1.2 (and of hutch before) lists
 * ambient capabilities that are not inheritable: the kernel cannot raise
 * them, the config says so itself, and nothing is worth a warning. */
static void test_caps_ambient_not_inheritable(void)
{
	/* CAP_KILL(5), CAP_NET_BIND_SERVICE(10), CAP_AUDIT_WRITE(29) */
	struct caps_arg arg = {
	    .uid = 0,
	    .set = {.bounding = 0x20000420,
	            .effective = 0x20000420,
	            .permitted = 0x20000420,
	            .ambient = 0x20000420},
	};
	char out[4096];

	SKIP_UNLESS_ROOT("ambient capabilities that are not inheritable");
	ok(child_run(caps_child_logged, &arg, out) == 0, "ambient without inheritable: no error");
	ok(strstr(out, "[") == NULL, "and no warning: %s", out);
	ok(strstr(out, "amb=0000000000000000") != NULL, "the ambient set stays empty: %s", out);
}

/* The same sequence, then execve: what the container process really gets. */
static void test_caps_exec(void)
{
	struct caps_arg arg = {
	    .uid = 1000,
	    .set = {.bounding = 0x421,
	            .effective = 0x400,
	            .permitted = 0x400,
	            .inheritable = 0x400,
	            .ambient = 0x400},
	};
	char out[4096] = "", *eff;
	int pfd[2];
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	SKIP_UNLESS_ROOT("ambient capabilities across execve");
	if (access("/bin/cat", X_OK) < 0 || pipe(pfd) < 0)
		return (void)ok(true, "ambient capabilities across execve # SKIP no /bin/cat");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char buf[4096] = "";

		dup2(pfd[1], 1);
		if (caps_child(&arg, buf) != 0)
			_exit(1);
		execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (len < sizeof(out) - 1 && (n = read(pfd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	eff = strstr(out, "CapEff:");
	ok(eff && strncmp(eff, "CapEff:\t0000000000000400", 24) == 0,
	   "after execve as uid 1000 the ambient CAP_NET_BIND_SERVICE is effective");
	ok(strstr(out, "CapBnd:\t0000000000000421") != NULL, "bounding set kept across execve");
}

/* --- user ---------------------------------------------------------------- */

struct user_arg {
	struct spec_user u;
	bool allowed;
};

static int user_child(void *a, char *out)
{
	struct user_arg *arg = a;
	struct hutch_error *err = NULL;
	uid_t r, e, s;
	gid_t rg, eg, sg, groups[16];
	mode_t m;
	int n;

	if (user_apply(&arg->u, arg->allowed, &err) < 0) {
		out_add(out, "error: %s", err->msg);
		return 1;
	}
	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	n = getgroups(16, groups);
	m = umask(0);
	out_add(out, "uid=%u,%u,%u gid=%u,%u,%u groups=", r, e, s, rg, eg, sg);
	for (int i = 0; i < n; i++)
		out_add(out, "%s%u", i ? "," : "", groups[i]);
	out_add(out, " umask=%04o", m);
	return 0;
}

static void test_user(void)
{
	uint32_t gids[] = {10, 20};
	struct user_arg arg = {
	    .u = {.uid = 1000,
	          .gid = 1001,
	          .additionalGids = gids,
	          .n_additionalGids = 2,
	          .umask = {.set = true, .value = 027}},
	    .allowed = true,
	};
	char out[4096];

	SKIP_UNLESS_ROOT("user_apply");
	ok(child_run(user_child, &arg, out) == 0, "user_apply uid 1000");
	is_str(out, "uid=1000,1000,1000 gid=1001,1001,1001 groups=10,20 umask=0027",
	       "ids, groups and umask read back");

	arg.u = (struct spec_user){.uid = 1000, .gid = 1000};
	ok(child_run(user_child, &arg, out) == 0, "user_apply without groups or umask");
	is_str(out, "uid=1000,1000,1000 gid=1000,1000,1000 groups= umask=0022",
	       "no additionalGids clears groups; umask defaults to 0022");

	arg.u.additionalGids = gids;
	arg.u.n_additionalGids = 2;
	arg.allowed = false;
	setgroups(1, (gid_t[]){0});
	ok(child_run(user_child, &arg, out) == 0, "setgroups denied: skipped, not an error");
	ok(strstr(out, "groups=0 ") != NULL, "groups left alone when setgroups is denied: %s", out);
}

static void test_user_home(void)
{
	char path[] = "/tmp/hutch-passwd-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "# comment\nroot:x:0:0:root:/root:/bin/sh\n"
	                   "u:x:1000:1000:U:/home/u:/bin/sh\nnohome:x:1001:1001:::/bin/sh\n";
	char *home;
	char **env = NULL;

	ok(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), "passwd fixture");
	close(fd);
	home = passwd_home(path, 1000);
	is_str(home, "/home/u", "home of uid 1000");
	free(home);
	home = passwd_home(path, 1001);
	ok(home == NULL, "empty home field -> NULL");
	free(home);
	ok(passwd_home(path, 4242) == NULL, "unknown uid -> NULL");
	ok(passwd_home("/nonexistent/passwd", 0) == NULL, "missing file -> NULL");
	home = passwd_name(path, 1000);
	is_str(home, "u", "name of uid 1000");
	free(home);
	ok(passwd_name(path, 4242) == NULL, "unknown uid -> no name");
	unlink(path);

	/* a long line is read whole (the buffer grows); an endless one is given up */
	for (size_t gecos = 10000; gecos <= 100000; gecos += 90000) {
		char *big = xmalloc(gecos + 1), tmp[] = "/tmp/hutch-passwd-XXXXXX";
		FILE *f;

		memset(big, 'g', gecos);
		big[gecos] = '\0';
		fd = mkstemp(tmp);
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		ok(f &&
		       fprintf(f, "long:x:7:7:%s:/long:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n",
		               big) > 0 &&
		       fclose(f) == 0,
		   "passwd fixture with a %zu-byte field", gecos);
		home = passwd_home(tmp, gecos < 65536 ? 1000 : 7);
		if (gecos < 65536)
			is_str(home, "/home/u", "the entry after a long line");
		else
			ok(home == NULL, "a line over 64 KiB ends the search");
		free(home);
		free(big);
		unlink(tmp);
	}

	strv_push(&env, "PATH=/bin");
	user_home_env(&env, 0);
	ok(strv_len(env) == 2, "HOME appended");
	home = passwd_home("/etc/passwd", 0);
	ok(strv_contains(env, "HOME=/root") || !home, "HOME from /etc/passwd for uid 0");
	free(home);
	strv_free(env);

	env = NULL;
	strv_push(&env, "HOME=/x");
	user_home_env(&env, 0);
	ok(strv_len(env) == 1 && strcmp(env[0], "HOME=/x") == 0, "existing HOME kept");
	strv_free(env);

	env = NULL;
	strv_push(&env, "HOME=");
	user_home_env(&env, 4242);
	ok(strv_len(env) == 1 && strcmp(env[0], "HOME=/") == 0, "empty HOME replaced by /");
	strv_free(env);

	env = NULL;
	user_home_env(&env, 4242);
	ok(env && strcmp(env[0], "HOME=/") == 0 && !env[1], "NULL env gets HOME=/");
	strv_free(env);
}

/* --- rlimit -------------------------------------------------------------- */

static int rlimit_child(void *a, char *out)
{
	struct spec_process *p = a;
	struct hutch_error *err = NULL;
	struct rlimit rl;

	if (rlimit_apply(p, &err) < 0) {
		out_add(out, "%s", err->msg);
		return err->errnum == EPERM ? 2 : 1;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	out_add(out, "%llu/%llu", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	return 0;
}

static int rlimit_raise_child(void *a, char *out)
{
	struct spec_rlimit low = {.type = RLIMIT_NOFILE, .soft = 100, .hard = 200};
	struct spec_process lower = {.rlimits = &low, .n_rlimits = 1};

	if (rlimit_child(&lower, out) != 0)
		return 1;
	out[0] = '\0';
	/* root with CAP_SYS_RESOURCE could raise it: become nobody first */
	if (geteuid() == 0 && setresuid(65534, 65534, 65534) < 0)
		return 1;
	return rlimit_child(a, out);
}

static void test_rlimit_apply(void)
{
	struct spec_rlimit lim[] = {
	    {.type = RLIMIT_NOFILE, .soft = 100, .hard = 200},
	    {.type = RLIMIT_CORE, .soft = 0, .hard = 0},
	};
	struct spec_process p = {.rlimits = lim, .n_rlimits = 2};
	struct spec_rlimit big = {.type = RLIMIT_NOFILE, .soft = 1048576, .hard = 1048576};
	struct spec_process raise = {.rlimits = &big, .n_rlimits = 1};
	char out[4096];

	ok(child_run(rlimit_child, &p, out) == 0, "lower RLIMIT_NOFILE to 100/200");
	is_str(out, "100/200", "getrlimit matches");
	ok(child_run(rlimit_raise_child, &raise, out) == 2, "raising the hard limit fails (EPERM)");
	ok(strncmp(out,
	           "setrlimit RLIMIT_NOFILE (soft 1048576, hard 1048576): Operation not "
	           "permitted",
	           77) == 0 &&
	       strstr(out, "CAP_SYS_RESOURCE") != NULL,
	   "message names the limit, values and CAP_SYS_RESOURCE: %s", out);
}

int main(void)
{
	is_root = geteuid() == 0;
	test_caps_parse();
	test_caps_apply();
	test_caps_ambient_not_inheritable();
	test_caps_exec();
	test_user();
	test_user_home();
	test_rlimit_apply();
	return done_testing();
}
