/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probe: a static helper copied into test rootfs as /probe. Without arguments it prints what
 * the process sees from inside the container, as key=value lines (or JSON with --json); its
 * subcommands give tests small, predictable actions (write a file, wait for a signal, ...). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* Output: every fact is a key and a string value; list facts repeat their key in text mode
 * and become a JSON array in JSON mode. */
static int json_mode;
static int json_first = 1;
static const char *list_key;
static int list_first;

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_key(const char *key)
{
	printf("%s\n  ", json_first ? "{" : ",");
	json_first = 0;
	json_string(key);
	printf(": ");
}

static void put(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(const char *key, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!json_mode) {
		printf("%s=%s\n", key, buf);
		return;
	}
	json_key(key);
	json_string(buf);
}

static void list_begin(const char *key)
{
	list_key = key;
	list_first = 1;
	if (json_mode) {
		json_key(key);
		putchar('[');
	}
}

static void list_item(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void list_item(const char *fmt, ...)
{
	char buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!json_mode) {
		printf("%s=%s\n", list_key, buf);
		return;
	}
	if (!list_first)
		putchar(',');
	list_first = 0;
	json_string(buf);
}

static void list_end(void)
{
	if (json_mode)
		putchar(']');
}

#define NAMED(x)                                                                                   \
	{                                                                                          \
		x, #x                                                                              \
	}
static const struct {
	int num;
	const char *name;
} errno_names[] = {
    NAMED(EPERM),
    NAMED(ENOENT),
    NAMED(ESRCH),
    NAMED(EINTR),
    NAMED(EIO),
    NAMED(ENXIO),
    NAMED(E2BIG),
    NAMED(ENOEXEC),
    NAMED(EBADF),
    NAMED(ECHILD),
    NAMED(EAGAIN),
    NAMED(ENOMEM),
    NAMED(EACCES),
    NAMED(EFAULT),
    NAMED(ENOTBLK),
    NAMED(EBUSY),
    NAMED(EEXIST),
    NAMED(EXDEV),
    NAMED(ENODEV),
    NAMED(ENOTDIR),
    NAMED(EISDIR),
    NAMED(EINVAL),
    NAMED(ENFILE),
    NAMED(EMFILE),
    NAMED(ENOTTY),
    NAMED(ETXTBSY),
    NAMED(EFBIG),
    NAMED(ENOSPC),
    NAMED(ESPIPE),
    NAMED(EROFS),
    NAMED(EMLINK),
    NAMED(EPIPE),
    NAMED(EDOM),
    NAMED(ERANGE),
    NAMED(EDEADLK),
    NAMED(ENAMETOOLONG),
    NAMED(ENOLCK),
    NAMED(ENOSYS),
    NAMED(ENOTEMPTY),
    NAMED(ELOOP),
    NAMED(ENOMSG),
    NAMED(EIDRM),
    NAMED(ENODATA),
    NAMED(ETIME),
    NAMED(EOVERFLOW),
    NAMED(EBADFD),
    NAMED(EILSEQ),
    NAMED(EUSERS),
    NAMED(ENOTSOCK),
    NAMED(EMSGSIZE),
    NAMED(EPROTOTYPE),
    NAMED(ENOPROTOOPT),
    NAMED(EPROTONOSUPPORT),
    NAMED(EOPNOTSUPP),
    NAMED(EAFNOSUPPORT),
    NAMED(EADDRINUSE),
    NAMED(EADDRNOTAVAIL),
    NAMED(ENETDOWN),
    NAMED(ENETUNREACH),
    NAMED(ECONNABORTED),
    NAMED(ECONNRESET),
    NAMED(ENOBUFS),
    NAMED(EISCONN),
    NAMED(ENOTCONN),
    NAMED(ETIMEDOUT),
    NAMED(ECONNREFUSED),
    NAMED(EHOSTUNREACH),
    NAMED(EALREADY),
    NAMED(EINPROGRESS),
    NAMED(ESTALE),
    NAMED(EDQUOT),
    NAMED(ECANCELED),
    NAMED(EOWNERDEAD),
    NAMED(ENOTRECOVERABLE),
    NAMED(ERFKILL),
    NAMED(EHWPOISON),
    NAMED(ENOKEY),
    NAMED(EKEYEXPIRED),
    NAMED(EKEYREVOKED),
    NAMED(EKEYREJECTED),
    NAMED(EMEDIUMTYPE),
    NAMED(ENOMEDIUM),
    NAMED(EREMOTEIO),
    NAMED(ENOTUNIQ),
    NAMED(ECHRNG),
    NAMED(EL2NSYNC),
    NAMED(EL3HLT),
    NAMED(EL3RST),
    NAMED(ELNRNG),
    NAMED(EUNATCH),
    NAMED(ENOCSI),
    NAMED(EL2HLT),
    NAMED(EBADE),
    NAMED(EBADR),
    NAMED(EXFULL),
    NAMED(ENOANO),
    NAMED(EBADRQC),
    NAMED(EBADSLT),
    NAMED(EBFONT),
    NAMED(ENOSTR),
    NAMED(ENOSR),
    NAMED(ENONET),
    NAMED(ENOPKG),
    NAMED(EREMOTE),
    NAMED(ENOLINK),
    NAMED(EADV),
    NAMED(ESRMNT),
    NAMED(ECOMM),
    NAMED(EPROTO),
    NAMED(EMULTIHOP),
    NAMED(EDOTDOT),
    NAMED(EBADMSG),
    NAMED(EREMCHG),
    NAMED(ELIBACC),
    NAMED(ELIBBAD),
    NAMED(ELIBSCN),
    NAMED(ELIBMAX),
    NAMED(ELIBEXEC),
    NAMED(ERESTART),
    NAMED(ESTRPIPE),
    NAMED(EDESTADDRREQ),
    NAMED(ESOCKTNOSUPPORT),
    NAMED(EPFNOSUPPORT),
    NAMED(ENETRESET),
    NAMED(ESHUTDOWN),
    NAMED(ETOOMANYREFS),
    NAMED(EHOSTDOWN),
    NAMED(EUCLEAN),
    NAMED(ENOTNAM),
    NAMED(ENAVAIL),
    NAMED(EISNAM),
    NAMED(ENOTSUP),
};

/* The errno's name, from a table of our own: the same with any C library
 * (EAGAIN for EWOULDBLOCK, EDEADLK for EDEADLOCK, EOPNOTSUPP for ENOTSUP, as
 * glibc names them). */
static const char *errno_name(int e)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].num == e)
			return errno_names[i].name;
	return "EUNKNOWN";
}

#define SIGNAMED(x)                                                                                \
	{                                                                                          \
		SIG##x, #x                                                                         \
	}
static const struct {
	int num;
	const char *name;
} signal_names[] = {
    SIGNAMED(HUP),    SIGNAMED(INT),   SIGNAMED(QUIT), SIGNAMED(ILL),  SIGNAMED(TRAP),
    SIGNAMED(ABRT),   SIGNAMED(BUS),   SIGNAMED(FPE),  SIGNAMED(KILL), SIGNAMED(USR1),
    SIGNAMED(SEGV),   SIGNAMED(USR2),  SIGNAMED(PIPE), SIGNAMED(ALRM), SIGNAMED(TERM),
    SIGNAMED(CHLD),   SIGNAMED(CONT),  SIGNAMED(STOP), SIGNAMED(TSTP), SIGNAMED(TTIN),
    SIGNAMED(TTOU),   SIGNAMED(URG),   SIGNAMED(XCPU), SIGNAMED(XFSZ), SIGNAMED(VTALRM),
    SIGNAMED(PROF),   SIGNAMED(WINCH), SIGNAMED(IO),   SIGNAMED(PWR),  SIGNAMED(SYS),
#ifdef SIGSTKFLT
    SIGNAMED(STKFLT),
#endif
};

static const char *signal_abbrev(int sig)
{
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (signal_names[i].num == sig)
			return signal_names[i].name;
	return "UNKNOWN";
}

/* Read a whole small file (procfs, sysfs) into buf; returns -1 with errno on failure. */
static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + total, size - 1 - total)) > 0)
		total += n;
	close(fd);
	if (n < 0)
		return -1;
	buf[total] = '\0';
	return 0;
}

static void put_file_trimmed(const char *key, const char *path)
{
	char buf[256];

	if (read_small(path, buf, sizeof(buf)) < 0) {
		put(key, "error:%s", errno_name(errno));
		return;
	}
	buf[strcspn(buf, "\n")] = '\0';
	put(key, "%s", buf);
}

static void put_identity(void)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);
	char buf[4096] = "";
	size_t len = 0;
	struct utsname u;
	mode_t mask = umask(0);

	umask(mask);
	put("pid", "%d", (int)getpid());
	put("ppid", "%d", (int)getppid());
	if (uname(&u) == 0) {
		put("hostname", "%s", u.nodename);
		put("domainname", "%s", u.domainname);
	}
	put("uid", "%u", getuid());
	put("gid", "%u", getgid());
	put("euid", "%u", geteuid());
	put("egid", "%u", getegid());
	for (int i = 0; i < n && len < sizeof(buf) - 16; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%u", i ? "," : "", groups[i]);
	put("groups", "%s", buf);
	put("umask", "%04o", (unsigned)mask);
	if (getcwd(buf, sizeof(buf)))
		put("cwd", "%s", buf);
	else
		put("cwd", "error:%s", errno_name(errno));
	put("stdin_tty", "%d", isatty(0));
	put("stdout_tty", "%d", isatty(1));
}

/* CapEff, NoNewPrivs, Seccomp, ... straight from /proc/self/status. */
static void put_status(void)
{
	static const char *const keys[] = {"CapInh", "CapPrm",     "CapEff", "CapBnd",
	                                   "CapAmb", "NoNewPrivs", "Seccomp"};
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f) {
		put("status", "error:%s", errno_name(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strcmp(line, keys[i]) != 0)
				continue;
			char *v = colon + 1 + strspn(colon + 1, " \t");
			v[strcspn(v, "\n")] = '\0';
			put(keys[i], "%s", v);
		}
	}
	fclose(f);
}

static void put_rlimits(void)
{
	static const struct {
		const char *name;
		int res;
	} limits[] = {
	    {"CPU", RLIMIT_CPU},           {"FSIZE", RLIMIT_FSIZE},
	    {"DATA", RLIMIT_DATA},         {"STACK", RLIMIT_STACK},
	    {"CORE", RLIMIT_CORE},         {"RSS", RLIMIT_RSS},
	    {"NPROC", RLIMIT_NPROC},       {"NOFILE", RLIMIT_NOFILE},
	    {"MEMLOCK", RLIMIT_MEMLOCK},   {"AS", RLIMIT_AS},
	    {"LOCKS", RLIMIT_LOCKS},       {"SIGPENDING", RLIMIT_SIGPENDING},
	    {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
	    {"RTPRIO", RLIMIT_RTPRIO},     {"RTTIME", RLIMIT_RTTIME},
	};
	char key[64], soft[32], hard[32];
	struct rlimit rl;

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (getrlimit(limits[i].res, &rl) < 0)
			continue;
		snprintf(key, sizeof(key), "rlimit.%s", limits[i].name);
		if (rl.rlim_cur == RLIM_INFINITY)
			snprintf(soft, sizeof(soft), "unlimited");
		else
			snprintf(soft, sizeof(soft), "%llu", (unsigned long long)rl.rlim_cur);
		if (rl.rlim_max == RLIM_INFINITY)
			snprintf(hard, sizeof(hard), "unlimited");
		else
			snprintf(hard, sizeof(hard), "%llu", (unsigned long long)rl.rlim_max);
		put(key, "%s:%s", soft, hard);
	}
}

static void put_env(char **envp)
{
	list_begin("env");
	for (char **e = envp; *e; e++)
		list_item("%s", *e);
	list_end();
}

/* Field 5 of each mountinfo line is the mount point (octal escapes kept as the kernel wrote them).
 */
static void put_mounts(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	list_begin("mount");
	while (f && fgets(line, sizeof(line), f)) {
		char *field = line;
		for (int i = 0; i < 4 && field; i++) {
			field = strchr(field, ' ');
			if (field)
				field++;
		}
		if (!field)
			continue;
		field[strcspn(field, " \n")] = '\0';
		list_item("%s", field);
	}
	list_end();
	if (f)
		fclose(f);
}

/* One list item per directory entry; skip_self leaves out the fd of the listing itself
 * (for /proc/self/fd). */
static void put_dir_entries(const char *key, const char *path, int skip_self)
{
	DIR *d = opendir(path);
	struct dirent *de;

	list_begin(key);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (skip_self && atoi(de->d_name) == dirfd(d))
			continue;
		list_item("%s", de->d_name);
	}
	list_end();
	if (d)
		closedir(d);
}

static void put_lines(const char *key, const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "re");

	list_begin(key);
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		list_item("%s", line);
	}
	list_end();
	if (f)
		fclose(f);
}

static int cmd_facts(char **envp)
{
	put_identity();
	put_status();
	put_rlimits();
	put_file_trimmed("oom_score_adj", "/proc/self/oom_score_adj");
	put_env(envp);
	put_mounts();
	put_dir_entries("net", "/sys/class/net", 0);
	put_lines("cgroup", "/proc/self/cgroup");
	put_dir_entries("fd", "/proc/self/fd", 1);
	if (json_mode)
		printf("%s\n", json_first ? "{}" : "\n}");
	return 0;
}

static int fail(const char *what, const char *path)
{
	int e = errno;
	printf("error=%s\nerrno=%d\nmsg=%s %s: %s\n", errno_name(e), e, what, path, strerror(e));
	return 1;
}

static int cmd_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0)
		return fail("mkdir", path);
	printf("ok\n");
	return 0;
}

static int cmd_write(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(data);

	if (fd < 0)
		return fail("open", path);
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return fail("write", path);
	}
	if (close(fd) < 0)
		return fail("close", path);
	printf("ok\n");
	return 0;
}

/* sd_notify(3): one datagram with MSG to $NOTIFY_SOCKET. */
static int cmd_sd_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return fail("NOTIFY_SOCKET", path ? path : "(unset)");
	strcpy(sa.sun_path, path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail("sendto", path);
	close(fd);
	printf("ok\n");
	return 0;
}

static const char *file_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:
		return "reg";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "lnk";
	case S_IFCHR:
		return "chr";
	case S_IFBLK:
		return "blk";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "sock";
	default:
		return "unknown";
	}
}

static int cmd_stat(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return fail("stat", path);
	printf("type=%s\nmode=%04o\nuid=%u\ngid=%u\nmajor=%u\nminor=%u\nsize=%lld\n",
	       file_type(st.st_mode), (unsigned)(st.st_mode & 07777), st.st_uid, st.st_gid,
	       major(st.st_rdev), minor(st.st_rdev), (long long)st.st_size);
	return 0;
}

static void sleep_seconds(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
	                      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cmd_sleep(const char *arg)
{
	if (!arg) {
		for (;;)
			pause();
	}
	sleep_seconds(strtod(arg, NULL));
	return 0;
}

static void ignore_signal(int sig)
{
	(void)sig;
}

/* Handlers make the signals deliverable even to a namespace's init (which the kernel shields
 * from signals left at SIG_DFL); blocking them then lets sigwaitinfo pick them up in order. */
static int cmd_signal_wait(void)
{
	struct sigaction sa = {.sa_handler = ignore_signal};
	sigset_t all;
	siginfo_t info;
	int sig;

	sigfillset(&all);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigprocmask(SIG_BLOCK, &all, NULL);
	printf("ready\n");
	fflush(stdout);
	do
		sig = sigwaitinfo(&all, &info);
	while (sig < 0 && errno == EINTR);
	if (sig < 0)
		return fail("sigwaitinfo", "-");
	printf("signal=%d\nname=SIG%s\n", sig, signal_abbrev(sig));
	return 0;
}

/* Rewrites FILE (via a rename, so readers never see a partial number) every 50ms. */
static int cmd_count(const char *path)
{
	char tmp[PATH_MAX], buf[32];
	unsigned long long n = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	for (;;) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int len = snprintf(buf, sizeof(buf), "%llu\n", ++n);
		if (fd < 0)
			return fail("open", tmp);
		if (write(fd, buf, (size_t)len) != len || close(fd) < 0)
			return fail("write", tmp);
		if (rename(tmp, path) < 0)
			return fail("rename", path);
		sleep_seconds(0.05);
	}
}

/* personality(N): what a seccomp argument filter on personality lets through. */
static int cmd_personality(const char *arg)
{
	unsigned long persona = strtoul(arg, NULL, 0);
	long r = syscall(SYS_personality, persona);

	if (r < 0)
		return fail("personality", arg);
	printf("ok\nprevious=%ld\n", r);
	return 0;
}

/* syscall NR [ARG...]: a raw system call, for numbers libc has no wrapper for (and to see
 * what a filter answers for numbers the profile does not name). */
static int cmd_syscall(int argc, char **argv)
{
	long a[6] = {0};
	long r;

	for (int i = 0; i < 6 && i + 3 < argc; i++)
		a[i] = strtol(argv[i + 3], NULL, 0);
	r = syscall(strtol(argv[2], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r < 0)
		return fail("syscall", argv[2]);
	printf("ok\nresult=%ld\n", r);
	return 0;
}

static int cmd_getppid(void)
{
	printf("getppid=%ld\n", syscall(SYS_getppid));
	return 0;
}

static volatile sig_atomic_t sigsys_nr = -1;

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	sigsys_nr = info->si_syscall;
}

/* Runs mkdir PATH with a SIGSYS handler (SCMP_ACT_TRAP), then says whether it fired and for
 * which syscall number. */
static int cmd_sigsys_mkdir(const char *path)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	long r;

	sigaction(SIGSYS, &sa, NULL);
	r = syscall(SYS_mkdir, path, 0755);
	if (sigsys_nr < 0) {
		printf("sigsys=none\nresult=%ld\n", r);
		return 1;
	}
	printf("sigsys=%d\nmkdir_nr=%d\n", (int)sigsys_nr, (int)SYS_mkdir);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: probe [--json] [facts]\n"
	        "       probe mkdir PATH | write PATH [DATA] | stat PATH | sleep [N] | exit N\n"
	        "       probe signal-wait | count FILE | getppid\n"
	        "       probe personality N | sigsys-mkdir PATH | syscall NR [ARG...]\n"
	        "       probe sd-notify MSG\n");
	return 2;
}

int main(int argc, char **argv, char **envp)
{
	const char *cmd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "--json") == 0) {
		json_mode = 1;
		argv++;
		argc--;
	}
	cmd = argc > 1 ? argv[1] : "facts";
	if (strcmp(cmd, "facts") == 0)
		return cmd_facts(envp);
	if (strcmp(cmd, "signal-wait") == 0)
		return cmd_signal_wait();
	if (strcmp(cmd, "sleep") == 0)
		return cmd_sleep(argv[2]);
	if (strcmp(cmd, "getppid") == 0)
		return cmd_getppid();
	if (argc < 3)
		return usage();
	if (strcmp(cmd, "personality") == 0)
		return cmd_personality(argv[2]);
	if (strcmp(cmd, "syscall") == 0)
		return cmd_syscall(argc, argv);
	if (strcmp(cmd, "sigsys-mkdir") == 0)
		return cmd_sigsys_mkdir(argv[2]);
	if (strcmp(cmd, "mkdir") == 0)
		return cmd_mkdir(argv[2]);
	if (strcmp(cmd, "write") == 0)
		return cmd_write(argv[2], argc > 3 ? argv[3] : "probe\n");
	if (strcmp(cmd, "stat") == 0)
		return cmd_stat(argv[2]);
	if (strcmp(cmd, "exit") == 0)
		return atoi(argv[2]);
	if (strcmp(cmd, "count") == 0)
		return cmd_count(argv[2]);
	if (strcmp(cmd, "sd-notify") == 0)
		return cmd_sd_notify(argv[2]);
	return usage();
}
