/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch-init: the last step of every process the runtime starts inside a
 * container. The runtime copies this program into a sealed memfd and execs
 * it (execveat AT_EMPTY_PATH) as the container process's last runtime step;
 * it then execs the real program. So /proc/<pid>/exe of anything in the
 * container is never the host's hutch binary (CVE-2019-5736), and
 * "#!/proc/self/exe" re-runs this sealed copy, which refuses arguments it
 * does not understand. Built without libc on x86_64 and aarch64 (sys.h); the
 * argv it takes is described in abi.h. */
#include "spawn/helper/abi.h"
#include "spawn/helper/sys.h"
#include "spawn/sync_wire.h"

#include <linux/capability.h>
#include <linux/fcntl.h>
#include <linux/filter.h>
#include <linux/poll.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_NOT_FOUND 127
#define EXIT_CANNOT    126

#define E_NOENT 2
#define E_INTR  4
#define E_AGAIN 11
#define E_INVAL 22

struct helper {
	int sync_fd;     /* -s */
	int fifo_fd;     /* -w or -k */
	bool wait;       /* -w */
	int err_fd;      /* -e */
	int bpf_fd;      /* -f */
	bool caps;       /* -c */
	uint64_t cap[4]; /* effective, permitted, inheritable, ambient */
	const char *path;
	char **argv;
	char **envp;
};

#if HELPER_FREESTANDING
/* The compiler may emit calls to these even in freestanding code. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}
#endif

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* errno as Go's syscall package words it: runc's messages, which engines
 * match ("no such file or directory", "permission denied"). */
static const char *reason(long e)
{
	static const struct {
		int e;
		const char *s;
	} t[] = {
	    {1, "operation not permitted"},
	    {2, "no such file or directory"},
	    {5, "input/output error"},
	    {7, "argument list too long"},
	    {8, "exec format error"},
	    {9, "bad file descriptor"},
	    {11, "resource temporarily unavailable"},
	    {12, "cannot allocate memory"},
	    {13, "permission denied"},
	    {14, "bad address"},
	    {20, "not a directory"},
	    {21, "is a directory"},
	    {22, "invalid argument"},
	    {23, "too many open files in system"},
	    {24, "too many open files"},
	    {26, "text file busy"},
	    {36, "file name too long"},
	    {38, "function not implemented"},
	    {40, "too many levels of symbolic links"},
	    {80, "accessing a corrupted shared library"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].s;
	return "unknown error";
}

static void put(int fd, const char *s)
{
	size_t n = slen(s);

	while (n > 0) {
		long w = sys3(__NR_write, fd, s, n);
		if (w == -E_INTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* "<what>: <reason>" to start.err (when there is one) and "hutch: ..." to
 * stderr, then exit: 127 when something was not found, else 126. */
static __attribute__((noreturn)) void die(const struct helper *h, const char *what, const char *arg,
                                          long e)
{
	const char *parts[] = {what, arg ? " " : "", arg ? arg : "", ": ", reason(e)};

	if (h->err_fd >= 0)
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			put(h->err_fd, parts[i]);
	put(2, "hutch: ");
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		put(2, parts[i]);
	put(2, "\n");
	sys1(__NR_exit_group, e == E_NOENT ? EXIT_NOT_FOUND : EXIT_CANNOT);
	__builtin_unreachable();
}

static __attribute__((noreturn)) void usage(void)
{
	put(2, HELPER_ARGV0 ": part of the hutch container runtime, not a program to run "
	                    "(unexpected arguments)\n");
	sys1(__NR_exit_group, EXIT_CANNOT);
	__builtin_unreachable();
}

/* A file descriptor number: decimal digits, nothing else. */
static bool parse_fd(const char *s, int *ret)
{
	long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 1000000)
			return false;
		v = v * 10 + (*s - '0');
	}
	*ret = (int)v;
	return true;
}

/* "E:P:I:A", four hex numbers. */
static bool parse_caps(const char *s, uint64_t cap[4])
{
	for (int i = 0; i < 4; i++) {
		int digits = 0;

		cap[i] = 0;
		for (; *s && *s != ':'; s++, digits++) {
			int d = *s >= '0' && *s <= '9'   ? *s - '0'
			        : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
			                                 : -1;
			if (d < 0 || digits >= 16)
				return false;
			cap[i] = cap[i] << 4 | (uint64_t)d;
		}
		if (digits == 0 || (i < 3 && *s++ != ':'))
			return false;
	}
	return *s == '\0';
}

static bool parse_option(struct helper *h, char opt, const char *val)
{
	switch (opt) {
	case 's':
		return parse_fd(val, &h->sync_fd);
	case 'w':
	case 'k':
		h->wait = opt == 'w';
		return h->fifo_fd < 0 && parse_fd(val, &h->fifo_fd);
	case 'e':
		return parse_fd(val, &h->err_fd);
	case 'f':
		return parse_fd(val, &h->bpf_fd);
	case 'c':
		h->caps = true;
		return parse_caps(val, h->cap);
	default:
		return false;
	}
}

static bool parse(struct helper *h, int argc, char **argv)
{
	int i = 1;

	if (argc < 4 || !same(argv[0], HELPER_ARGV0))
		return false;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '-'; i += 2) {
		if (argv[i][1] == '\0' || argv[i][2] != '\0' || i + 1 >= argc ||
		    !parse_option(h, argv[i][1], argv[i + 1]))
			return false;
	}
	if (i + 2 >= argc || !same(argv[i], "--") || !argv[i + 1][0])
		return false;
	h->path = argv[i + 1];
	h->argv = argv + i + 2;
	return true;
}

/* The runtime's READY (sync_wire.h): the container process is set up and
 * runs the helper; the runtime's create (or exec) can return. */
static void send_ready(struct helper *h)
{
	struct sync_hdr hdr = {.type = SYNC_READY, .len = 0};
	long r;

	/* the runtime armed it; it exits once it has READY, which must not kill
	 * us: disarm first (prctl(2): the setting survives execve) */
	sys2(__NR_prctl, PR_SET_PDEATHSIG, 0);
	do
		r = sys3(__NR_write, h->sync_fd, &hdr, sizeof(hdr));
	while (r == -E_INTR);
	if (r != (long)sizeof(hdr))
		die(h, "report ready", NULL, r < 0 ? -r : E_INVAL);
	sys1(__NR_close, h->sync_fd);
}

static void pause_10ms(void)
{
	struct {
		long long sec, nsec;
	} ts64 = {0, 10000000};
#ifdef __NR_nanosleep
	struct {
		long sec, nsec;
	} ts = {0, 10000000};

	(void)ts64;
	sys2(__NR_nanosleep, &ts, 0);
#else
	sys4(__NR_clock_nanosleep_time64, 1 /* CLOCK_MONOTONIC */, 0, &ts64, 0);
#endif
}

/* Block until `start` writes its byte into exec.fifo. A fifo nobody has
 * opened for writing polls as idle; once a writer came and went without
 * writing it reads as end-of-file, so wait a little and look again. */
static void wait_start(struct helper *h)
{
	struct pollfd p = {.fd = h->fifo_fd, .events = POLLIN};
	char c;

	for (;;) {
#ifdef __NR_ppoll
		long r = sys5(__NR_ppoll, &p, 1, 0, 0, 8);
#else
		long r = sys5(__NR_ppoll_time64, &p, 1, 0, 0, 8);
#endif
		if (r == -E_INTR)
			continue;
		if (r < 0)
			die(h, "wait for start", NULL, -r);
		r = sys3(__NR_read, h->fifo_fd, &c, 1);
		if (r == 1)
			return;
		if (r < 0 && r != -E_AGAIN && r != -E_INTR)
			die(h, "wait for start", NULL, -r);
		pause_10ms();
	}
}

/* Put back the capability sets child.c widened for our own execve (a
 * non-root process keeps only its ambient capabilities across execve). */
static void restore_caps(struct helper *h)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	long r;

	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(h->cap[0] >> (32 * i));
		d[i].permitted = (uint32_t)(h->cap[1] >> (32 * i));
		d[i].inheritable = (uint32_t)(h->cap[2] >> (32 * i));
	}
	r = sys2(__NR_capset, &hdr, d);
	if (r < 0)
		die(h, "restore capabilities", NULL, -r);
	r = sys5(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int c = 0; r >= 0 && c < 64; c++)
		if (h->cap[3] & ((uint64_t)1 << c))
			r = sys5(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
	if (r < 0)
		die(h, "restore ambient capabilities", NULL, -r);
}

static void read_all(const struct helper *h, void *buf, size_t n)
{
	char *p = buf;

	while (n > 0) {
		long r = sys3(__NR_read, h->bpf_fd, p, n);
		if (r == -E_INTR)
			continue;
		if (r <= 0)
			die(h, "read the seccomp filter", NULL, r < 0 ? -r : E_INVAL);
		p += r;
		n -= (size_t)r;
	}
}

/* The late seccomp filter (noNewPrivileges true): loaded here, as the last
 * step before execve, so that it sees nothing of the runtime but that
 * execve. Any failure stops the process: it never runs unfiltered. */
static void load_seccomp(struct helper *h)
{
	static struct sock_filter insns[HELPER_BPF_MAX];
	struct helper_bpf_header hdr;
	struct sock_fprog prog;
	long r;

	read_all(h, &hdr, sizeof(hdr));
	if (hdr.magic != HELPER_BPF_MAGIC || hdr.len == 0 || hdr.len > HELPER_BPF_MAX)
		die(h, "read the seccomp filter", NULL, E_INVAL);
	read_all(h, insns, hdr.len * sizeof(insns[0]));
	sys1(__NR_close, h->bpf_fd);
	prog.len = (unsigned short)hdr.len;
	prog.filter = insns;
	r = sys3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, hdr.flags, &prog);
	if (r != 0)
		die(h, "load seccomp filter", NULL, r < 0 ? -r : E_INVAL);
}

static void set_cloexec(struct helper *h, int fd)
{
	long r;

	if (fd < 0)
		return;
	r = sys3(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC);
	if (r < 0)
		die(h, "mark the runtime's fds close-on-exec", NULL, -r);
}

static int helper_run(int argc, char **argv, char **envp)
{
	struct helper h = {.sync_fd = -1, .fifo_fd = -1, .err_fd = -1, .bpf_fd = -1, .envp = envp};
	long r;

	/* First of all: until our execve nothing else in the container may open
	 * /proc/<us>/fd or /proc/<us>/exe (the runtime's fds, this program). */
	r = sys5(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (r < 0)
		die(&h, "prctl PR_SET_DUMPABLE", NULL, -r);
	if (!parse(&h, argc, argv))
		usage();
	if (h.sync_fd >= 0)
		send_ready(&h);
	if (h.wait)
		wait_start(&h);
	if (h.caps)
		restore_caps(&h);
	/* before the filter: from here on only the execve may run under it */
	set_cloexec(&h, h.fifo_fd);
	set_cloexec(&h, h.err_fd);
	if (h.bpf_fd >= 0)
		load_seccomp(&h);
	r = sys3(__NR_execve, h.path, h.argv, h.envp);
	die(&h, "exec", h.path, -r);
}

#if HELPER_FREESTANDING
__attribute__((noreturn, used)) void helper_start(long *sp);

/* The kernel's initial stack: argc, argv[], NULL, envp[], NULL, auxv. */
__attribute__((noreturn, used)) void helper_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);

	sys1(__NR_exit_group, helper_run(argc, argv, argv + argc + 1));
	__builtin_unreachable();
}

#if defined(__x86_64__)
__asm__(".text\n"
        ".global _start\n"
        ".type _start,@function\n"
        "_start:\n"
        "	xor %ebp, %ebp\n"
        "	mov %rsp, %rdi\n"
        "	and $-16, %rsp\n"
        "	call helper_start\n"
        "	hlt\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".global _start\n"
        ".type _start,%function\n"
        "_start:\n"
        "	mov x29, #0\n"
        "	mov x30, #0\n"
        "	mov x0, sp\n"
        "	bl helper_start\n"
        "	brk #0\n");
#endif
#else
int main(int argc, char **argv, char **envp)
{
	return helper_run(argc, argv, envp);
}
#endif
