/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for linux/terminal: pty allocation on the host's devpts, fd
 * passing over a socketpair and a named unix socket, the controlling
 * terminal, and the foreground proxy (pipes and a pty as its stdio). */
#include "tap.h"
#include "child.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/error.h"
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

/* The receiving end of --console-socket, as an engine has it: one fd (made
 * O_CLOEXEC), the payload as *ret_name (may be NULL). */
static int terminal_recv_master(int sockfd, int *ret_fd, char **ret_name, struct hutch_error **err)
{
	_cleanup_free_ char *name = xmalloc(4097);
	struct iovec iov = {.iov_base = name, .iov_len = 4096};
	int fd = -1;
	ssize_t n = fdpass_recv(sockfd, &iov, 1, &fd);

	if (n < 0)
		return herr_errno(err, errno, "receive the pty master");
	if (fd < 0)
		return herr_msg(err, "receive the pty master: no file descriptor in the message");
	name[n] = '\0';
	*ret_fd = fd;
	if (ret_name)
		*ret_name = steal_ptr(&name);
	return 0;
}

static void test_open(void)
{
	struct spec_console_size sz = {.height = 30, .width = 100};
	struct hutch_error *err = NULL;
	struct winsize ws = {0};
	int master = -1, slave = -1;
	char path[4096] = "";

	ok(terminal_open(&sz, &master, &slave, &err) == 0, "terminal_open");
	ok(isatty(master) && isatty(slave), "both ends are terminals");
	ok((fcntl(master, F_GETFD) & FD_CLOEXEC) && (fcntl(slave, F_GETFD) & FD_CLOEXEC),
	   "both O_CLOEXEC");
	ioctl(slave, TIOCGWINSZ, &ws);
	ok(ws.ws_row == 30 && ws.ws_col == 100, "console size set (%ux%u)", ws.ws_col, ws.ws_row);
	ok(ptsname_r(master, path, sizeof(path)) == 0 && strncmp(path, "/dev/pts/", 9) == 0,
	   "a pty of the host's devpts: %s", path);
	close(master);
	close(slave);

	ok(terminal_open(NULL, &master, &slave, &err) == 0, "terminal_open without a size");
	close(master);
	close(slave);
}

/* A byte written on the slave comes out of `master`. */
static bool pty_linked(int master, int slave)
{
	char c = 0;
	struct pollfd p = {.fd = master, .events = POLLIN};

	if (write(slave, "x", 1) != 1 || poll(&p, 1, 2000) != 1)
		return false;
	return read(master, &c, 1) == 1 && c == 'x';
}

static void test_pass_socketpair(void)
{
	struct spec_console_size sz = {.height = 24, .width = 80};
	struct hutch_error *err = NULL;
	struct winsize ws = {0};
	int master = -1, slave = -1, got = -1, sv[2];
	char *name = NULL;

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	terminal_open(&sz, &master, &slave, &err);
	ok(terminal_send_master_fd(sv[0], master, &err) == 0, "send the master");
	ok(terminal_recv_master(sv[1], &got, &name, &err) == 0, "receive it");
	is_str(name, "/dev/ptmx", "payload is runc's name");
	ok(got >= 0 && got != master && (fcntl(got, F_GETFD) & FD_CLOEXEC), "a new O_CLOEXEC fd");
	ok(ioctl(got, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 24 && ws.ws_col == 80,
	   "received fd is the sized master");
	ok(pty_linked(got, slave), "received fd is the slave's master");

	ok(write(sv[0], "no fd", 5) == 5 && terminal_recv_master(sv[1], &got, NULL, &err) < 0,
	   "a message without an fd is an error");
	herr_freep(&err);
	free(name);
	close(got);
	close(master);
	close(slave);
	close(sv[0]);
	close(sv[1]);
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char cwd[4096];

	/* bind through a relative name: the path may exceed sun_path */
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	_cleanup_free_ char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	if (chdir(dir) < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", strrchr(path, '/') + 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
		fd = -1;
	if (chdir(cwd) < 0)
		return -1;
	return fd;
}

static void pass_via_path(const char *path, const char *what)
{
	struct hutch_error *err = NULL;
	int lfd = listen_at(path), master = -1, slave = -1, got = -1, conn;

	terminal_open(NULL, &master, &slave, &err);
	ok(lfd >= 0, "%s: listening socket", what);
	ok(terminal_send_master(path, master, &err) == 0, "%s: terminal_send_master", what);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ok(conn >= 0 && terminal_recv_master(conn, &got, NULL, &err) == 0 && pty_linked(got, slave),
	   "%s: received master works", what);
	herr_freep(&err);
	close(conn);
	close(lfd);
	close(got);
	close(master);
	close(slave);
	unlink(path);
}

static void test_pass_path(void)
{
	char dir[] = "/tmp/hutch-console-XXXXXX";
	char longdir[512];
	struct hutch_error *err = NULL;

	ok(mkdtemp(dir) != NULL, "tmpdir");
	_cleanup_free_ char *path = xasprintf("%s/console.sock", dir);
	pass_via_path(path, "short path");

	snprintf(longdir, sizeof(longdir), "%s/%0150d", dir, 0);
	mkdir(longdir, 0700);
	_cleanup_free_ char *longpath = xasprintf("%s/console.sock", longdir);
	pass_via_path(longpath, "path longer than sun_path");
	rmdir(longdir);

	terminal_send_master(path, 0, &err);
	ok(err && err->errnum == ENOENT, "no socket: %s", err ? err->msg : "no error");
	herr_freep(&err);
	rmdir(dir);
}

static int ctty_child(void *a, char *out)
{
	struct hutch_error *err = NULL;
	int master = -1, slave = -1;

	if (terminal_open(NULL, &master, &slave, &err) < 0 ||
	    terminal_make_controlling(slave, &err) < 0) {
		out_add(out, "%s", err->msg);
		return 1;
	}
	out_add(out, "tty=%d%d%d sid=%d cloexec=%d slave-closed=%d", isatty(0), isatty(1),
	        isatty(2), tcgetsid(0) == getpid(), fcntl(1, F_GETFD) & FD_CLOEXEC,
	        fcntl(slave, F_GETFD) < 0);
	return 0;
}

static void test_controlling(void)
{
	char out[4096];

	ok(child_run(ctty_child, NULL, out) == 0, "terminal_make_controlling in a child");
	is_str(out, "tty=111 sid=1 cloexec=0 slave-closed=1",
	       "stdio on the pty, session leader owns it, slave fd closed");
}

/* --- proxy --------------------------------------------------------------- */

/* The process inside the "container": talks on its controlling pty. */
static void container_main(int slave, const char *mode)
{
	struct hutch_error *err = NULL;
	char line[256];

	if (terminal_make_controlling(slave, &err) < 0)
		_exit(100);
	if (strcmp(mode, "echo") == 0) {
		printf("hello\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			_exit(101);
		printf("got %s", line);
		fflush(stdout);
		_exit(3);
	}
	/* "signal": report the size on SIGWINCH, exit 7 on SIGUSR1 */
	sigset_t set;
	int sig;
	struct winsize ws;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			_exit(102);
		if (sig == SIGUSR1) {
			printf("usr1\n");
			fflush(stdout);
			_exit(7);
		}
		ioctl(0, TIOCGWINSZ, &ws);
		printf("size %ux%u\n", ws.ws_col, ws.ws_row);
		fflush(stdout);
	}
}

/* The proxy process (hutch in the foreground): stdin/stdout already set up. */
static void proxy_main(const char *mode)
{
	struct hutch_error *err = NULL;
	int master = -1, slave = -1, status = 0;
	pid_t child;

	if (terminal_open(NULL, &master, &slave, &err) < 0)
		_exit(120);
	child = fork();
	if (child == 0) {
		close(master);
		container_main(slave, mode);
	}
	close(slave);
	if (terminal_proxy(master, child, &status, &err) < 0)
		_exit(121);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 122);
}

/* Read from fd until `want` shows up in buf (or EOF/timeout). */
static bool read_until(int fd, char *buf, size_t size, size_t *len, const char *want)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (!strstr(buf, want)) {
		ssize_t n;

		if (poll(&p, 1, 5000) != 1)
			return false;
		n = read(fd, buf + *len, size - 1 - *len);
		if (n <= 0)
			return false;
		*len += (size_t)n;
		buf[*len] = '\0';
	}
	return true;
}

static int wait_exit(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_proxy_pipes(void)
{
	int in[2], out[2];
	char buf[4096] = "";
	size_t len = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return (void)ok(false, "pipes");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		proxy_main("echo");
	}
	close(in[0]);
	close(out[1]);
	ok(read_until(out[0], buf, sizeof(buf), &len, "hello"), "child output reaches stdout");
	ok(write(in[1], "ping\n", 5) == 5, "write to the proxy's stdin");
	close(in[1]);
	bool answered = ok(read_until(out[0], buf, sizeof(buf), &len, "got ping"),
	                   "stdin reaches the child and its answer comes back");
	read_until(out[0], buf, sizeof(buf), &len, "\x01never");
	if (!answered) {
		printf("# proxy output: ");
		for (size_t i = 0; i < len; i++)
			printf(isprint((unsigned char)buf[i]) ? "%c" : "\\x%02x",
			       (unsigned char)buf[i]);
		printf("\n");
	}
	ok(wait_exit(pid) == 3, "proxy returns the child's exit status (3)");
	ok(strstr(buf, "hello\r\n") != NULL, "output is the pty's (ONLCR applied)");
	close(out[0]);
}

static void test_proxy_tty(void)
{
	struct hutch_error *err = NULL;
	int tmaster = -1, tslave = -1, out[2];
	char buf[4096] = "";
	size_t len = 0;
	struct termios t;
	struct winsize ws = {.ws_row = 40, .ws_col = 120};
	pid_t pid;

	/* our own pty plays the user's terminal: the proxy's stdin */
	terminal_open(&(struct spec_console_size){.height = 25, .width = 90}, &tmaster, &tslave,
	              &err);
	if (pipe2(out, O_CLOEXEC) < 0)
		return (void)ok(false, "pipe");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(tmaster);
		if (terminal_make_controlling(tslave, &err) < 0)
			_exit(110);
		dup2(out[1], 1);
		proxy_main("signal");
	}
	close(tslave);
	close(out[1]);
	ok(read_until(out[0], buf, sizeof(buf), &len, "ready"), "child is up behind the proxy");
	ok(tcgetattr(tmaster, &t) == 0 && !(t.c_lflag & (ICANON | ECHO)),
	   "the user's terminal is in raw mode while proxying");
	ioctl(tmaster, TIOCSWINSZ, &ws); /* the kernel sends SIGWINCH to the proxy */
	ok(read_until(out[0], buf, sizeof(buf), &len, "size 120x40"),
	   "SIGWINCH: the new size reaches the container's pty");
	kill(pid, SIGUSR1);
	ok(read_until(out[0], buf, sizeof(buf), &len, "usr1"), "SIGUSR1 forwarded to the child");
	ok(wait_exit(pid) == 7, "exit status 7 returned");
	ok(tcgetattr(tmaster, &t) == 0 && (t.c_lflag & ICANON) && (t.c_lflag & ECHO),
	   "terminal mode restored");
	close(out[0]);
	close(tmaster);
}

int main(void)
{
	int fd;

	alarm(60); /* a hung proxy must not hang the test run */
	/* fds 0-2 must be taken, or a pty master could land there and be
	 * closed by the dup2s under test (hanging up its slave) */
	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd < 3)
		fcntl(fd, F_SETFD, 0);
	if (fd >= 3)
		close(fd);
	test_open();
	test_pass_socketpair();
	test_pass_path();
	test_controlling();
	test_proxy_pipes();
	test_proxy_tty();
	return done_testing();
}
