/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pty allocation, controlling terminal, console-socket fd passing, and the
 * foreground stdio <-> pty proxy. */
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* What runc puts in the payload next to the fd (the master's file name). */
#define CONSOLE_NAME "/dev/ptmx"

static int open_peer(int master, struct hutch_error **err)
{
	char path[PATH_MAX];
	int fd;

	/* TIOCGPTPEER opens the peer through the master's own devpts mount, so a
	 * hostile /dev/pts in the container cannot substitute another file. */
	fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != EINVAL && errno != ENOTTY)
		return herr_errno(err, errno, "open the pty peer (TIOCGPTPEER)");
	if (ptsname_r(master, path, sizeof(path)) != 0)
		return herr_errno(err, errno, "ptsname");
	fd = openat(AT_FDCWD, path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return herr_errno(err, errno, "open %s", path);
	return fd;
}

static int set_size(int fd, unsigned rows, unsigned cols, struct hutch_error **err)
{
	struct winsize ws = {
	    .ws_row = rows > USHRT_MAX ? USHRT_MAX : (unsigned short)rows,
	    .ws_col = cols > USHRT_MAX ? USHRT_MAX : (unsigned short)cols,
	};

	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return herr_errno(err, errno, "set the console size to %ux%u", cols, rows);
	return 0;
}

int terminal_open(const struct spec_console_size *sz, int *ret_master, int *ret_slave,
                  struct hutch_error **err)
{
	_cleanup_close_ int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int slave = -1;

	if (master < 0)
		return herr_errno(err, errno, "open /dev/ptmx");
	/* unlockpt (TIOCSPTLCK) and TIOCGPTPEER only work on a pty master: a
	 * /dev/ptmx the container replaced with something else fails here. */
	if (unlockpt(master) < 0)
		return herr_errno(err, errno, "unlockpt");
	slave = open_peer(master, err);
	if (slave < 0)
		return -1;
	if (sz && sz->height && sz->width && set_size(master, sz->height, sz->width, err) < 0)
		return -1;
	*ret_master = steal_fd(&master);
	*ret_slave = steal_fd(&slave);
	return 0;
}

int terminal_make_controlling(int slave, struct hutch_error **err)
{
	if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
		return herr_errno(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return herr_errno(err, errno, "make the pty the controlling terminal (TIOCSCTTY)");
	for (int fd = 0; fd <= 2; fd++) {
		if (fd == slave) {
			if (fcntl(fd, F_SETFD, 0) < 0)
				return herr_errno(err, errno, "clear close-on-exec on fd %d", fd);
			continue;
		}
		if (dup2(slave, fd) < 0)
			return herr_errno(err, errno, "dup the pty onto fd %d", fd);
	}
	if (slave > 2)
		close(slave);
	return 0;
}

int terminal_connect_socket(const char *path, struct hutch_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	_cleanup_close_ int pathfd = -1;
	/* A receiver that is there but does not take the connection (its
	 * backlog full) would block connect(2) and sendmsg(2) for good: for an
	 * AF_UNIX stream socket both give up after SO_SNDTIMEO (socket(7)). */
	struct timeval tv = {.tv_sec = TERMINAL_SOCKET_TIMEOUT_S};

	if (fd < 0)
		return herr_errno(err, errno, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return herr_errno(err, errno, "console socket %s: set a send timeout", path);
	if (strlen(path) < sizeof(sa.sun_path)) {
		memcpy(sa.sun_path, path, strlen(path) + 1);
	} else {
		pathfd = openat(AT_FDCWD, path, O_PATH | O_CLOEXEC);
		if (pathfd < 0)
			return herr_errno(err, errno, "console socket %s", path);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d", pathfd);
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EAGAIN || errno == EINPROGRESS)
			return herr_msg(
			    err,
			    "connect to console socket %s: no answer within %d s (does its "
			    "receiver accept connections?)",
			    path, TERMINAL_SOCKET_TIMEOUT_S);
		return herr_errno(err, errno, "connect to console socket %s", path);
	}
	return steal_fd(&fd);
}

int terminal_send_master_fd(int sockfd, int master, struct hutch_error **err)
{
	char name[] = CONSOLE_NAME;
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};

	if (fdpass_send(sockfd, &iov, 1, master) >= 0)
		return 0;
	if (errno == EAGAIN)
		return herr_msg(err, "send the pty master to the console socket: its receiver "
		                     "takes nothing (timed out)");
	return herr_errno(err, errno, "send the pty master to the console socket");
}

int terminal_send_master(const char *console_socket_path, int master, struct hutch_error **err)
{
	_cleanup_close_ int fd = terminal_connect_socket(console_socket_path, err);

	if (fd < 0)
		return -1;
	return terminal_send_master_fd(fd, master, err);
}

/* --- the foreground proxy ------------------------------------------------ */

struct proxy {
	int master;
	pid_t child;
	int sfd;            /* signalfd */
	int tty;            /* our own terminal (stdin/stdout/stderr), or -1 */
	bool stdin_open;    /* still reading fd 0 */
	bool master_open;   /* master has not reported EIO/EOF */
	bool stdout_ok;     /* stdout still writable */
	bool exited;        /* child reaped */
	int status;         /* its wait status */
	char pending[4096]; /* stdin bytes not yet written to the master */
	size_t n_pending;
};

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static void proxy_resize(struct proxy *p)
{
	struct winsize ws;

	if (p->tty >= 0 && ioctl(p->tty, TIOCGWINSZ, &ws) == 0)
		ioctl(p->master, TIOCSWINSZ, &ws);
}

static void proxy_reap(struct proxy *p)
{
	int st;
	pid_t r;

	if (p->exited)
		return;
	do
		r = waitpid(p->child, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == p->child) {
		p->exited = true;
		p->status = st;
	}
}

static void proxy_signals(struct proxy *p)
{
	struct signalfd_siginfo si;

	while (read(p->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGCHLD)
			proxy_reap(p);
		else if (sig == SIGWINCH)
			proxy_resize(p);
		else if (!p->exited)
			kill(p->child, sig);
	}
	proxy_reap(p); /* SIGCHLD can coalesce with one for another child */
}

static void proxy_from_master(struct proxy *p)
{
	char buf[8192];
	ssize_t n = read(p->master, buf, sizeof(buf));

	/* EBADF: not an open fd (POLLNVAL); treat like a closed pty */

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* EIO: every slave fd is closed */
		p->master_open = false;
		return;
	}
	if (p->stdout_ok && fs_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
		p->stdout_ok = false; /* keep draining so the container never blocks */
}

/* The pty's end-of-file character, so a reader in canonical mode sees EOF. */
static void proxy_queue_eof(struct proxy *p)
{
	struct termios t;

	if (tcgetattr(p->master, &t) == 0 && (t.c_lflag & ICANON) && t.c_cc[VEOF])
		p->pending[p->n_pending++] = (char)t.c_cc[VEOF];
}

static void proxy_from_stdin(struct proxy *p)
{
	ssize_t n = read(STDIN_FILENO, p->pending, sizeof(p->pending) - 1);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		p->stdin_open = false;
		p->n_pending = 0;
		if (p->master_open)
			proxy_queue_eof(p);
		return;
	}
	p->n_pending = (size_t)n;
}

static void proxy_to_master(struct proxy *p)
{
	ssize_t n = write(p->master, p->pending, p->n_pending);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			p->n_pending = 0; /* the container side is gone; drop input */
		return;
	}
	memmove(p->pending, p->pending + n, p->n_pending - (size_t)n);
	p->n_pending -= (size_t)n;
}

/* One poll round. Returns false when the proxy is finished. */
static bool proxy_step(struct proxy *p)
{
	struct pollfd fds[3] = {{.fd = p->sfd, .events = POLLIN}, {.fd = -1}, {.fd = -1}};
	int r;

	if (p->master_open)
		fds[1] = (struct pollfd){.fd = p->master,
		                         .events = POLLIN | (p->n_pending ? POLLOUT : 0)};
	if (p->stdin_open && !p->n_pending)
		fds[2] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
	r = poll(fds, 3, p->exited ? 500 : -1);
	if (r < 0)
		return errno == EINTR;
	if (r == 0)
		return false; /* child gone and the master idle: stop draining */
	if (fds[0].revents)
		proxy_signals(p);
	if (fds[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
		proxy_from_master(p);
	if (p->master_open && p->n_pending && (fds[1].revents & POLLOUT))
		proxy_to_master(p);
	if (fds[2].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
		proxy_from_stdin(p);
	return !(p->exited && !p->master_open);
}

struct proxy_saved {
	sigset_t mask;
	struct sigaction pipe, chld;
	struct termios tio;
	bool tio_saved;
};

static int proxy_setup(struct proxy *p, struct proxy_saved *s, struct hutch_error **err)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, dfl = {.sa_handler = SIG_DFL};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	/* Block first so nothing can kill us between the raw-mode switch and
	 * its restore; every signal is then read from the signalfd. */
	sigprocmask(SIG_BLOCK, &set, &s->mask);
	sigaction(SIGPIPE, &ign, &s->pipe);
	/* SIG_IGN on SIGCHLD would auto-reap the child and lose its status. */
	sigaction(SIGCHLD, &dfl, &s->chld);
	p->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (p->sfd < 0)
		return herr_errno(err, errno, "signalfd");
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &s->tio) == 0) {
		struct termios raw = s->tio;

		cfmakeraw(&raw);
		s->tio_saved = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	for (int fd = 0; fd <= 2 && p->tty < 0; fd++)
		if (isatty(fd))
			p->tty = fd;
	return 0;
}

static void proxy_restore(struct proxy *p, struct proxy_saved *s)
{
	if (s->tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &s->tio);
	if (p->sfd >= 0) {
		proxy_signals(p); /* forward what is still queued before unblocking */
		close(p->sfd);
	}
	sigaction(SIGCHLD, &s->chld, NULL);
	sigaction(SIGPIPE, &s->pipe, NULL);
	sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

static int proxy_wait_child(struct proxy *p, struct hutch_error **err)
{
	int st;
	pid_t r;

	do
		r = waitpid(p->child, &st, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return herr_errno(err, errno, "wait for process %d", (int)p->child);
	p->exited = true;
	p->status = st;
	return 0;
}

int terminal_proxy(int master, pid_t child, int *ret_status, struct hutch_error **err)
{
	struct proxy p = {.master = master,
	                  .child = child,
	                  .sfd = -1,
	                  .tty = -1,
	                  .stdin_open = true,
	                  .master_open = true,
	                  .stdout_ok = true};
	struct proxy_saved saved = {.tio_saved = false};
	int flags = fcntl(master, F_GETFL);
	int r = 0;

	if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
		return herr_errno(err, errno, "set the pty master non-blocking");
	if (proxy_setup(&p, &saved, err) < 0) {
		r = -1;
		goto out;
	}
	proxy_resize(&p);
	proxy_reap(&p);
	while (proxy_step(&p))
		;
	if (!p.exited)
		r = proxy_wait_child(&p, err);
out:
	proxy_restore(&p, &saved);
	fcntl(master, F_SETFL, flags);
	if (r == 0)
		*ret_status = p.status;
	return r;
}
