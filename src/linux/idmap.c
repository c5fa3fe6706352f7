/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uid_map / gid_map writing: directly, or through newuidmap/newgidmap for an
 * unprivileged runtime mapping more than its own id; and user namespaces made
 * from mappings alone, for idmapped mounts. */
#include "linux/idmap.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/passwd.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The kernel's "inside outside count\n" lines, one per mapping; malloc'd. */
static char *idmap_format(const struct spec_id_mapping *m, size_t n)
{
	char *buf = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *next =
		    xasprintf("%s%u %u %u\n", buf, m[i].containerID, m[i].hostID, m[i].size);
		free(buf);
		buf = next;
	}
	return buf;
}

/* A uid_map or gid_map, `file` relative to dirfd (a procfs directory from
 * util/procfs.h), in a single write(2) as the kernel requires. */
static int write_map_at(int dirfd, const char *file, const struct spec_id_mapping *m, size_t n,
                        struct hutch_error **err)
{
	_cleanup_free_ char *text = idmap_format(m, n);

	return procfs_write_at(dirfd, file, text, strlen(text), err);
}

/* One of the two maps, with what differs between them. */
struct map_kind {
	const char *file;    /* "uid_map" */
	const char *field;   /* "uidMappings" */
	const char *tool;    /* "newuidmap" */
	const char *subids;  /* "/etc/subuid" */
	const char *id_name; /* "uid" */
	int cap;             /* CAP_SETUID */
	bool gid;
};

static const struct map_kind uid_kind = {"uid_map", "uidMappings", "newuidmap", "/etc/subuid",
                                         "uid",     CAP_SETUID,    false};
static const struct map_kind gid_kind = {"gid_map", "gidMappings", "newgidmap", "/etc/subgid",
                                         "gid",     CAP_SETGID,    true};

static unsigned int own_id(const struct map_kind *k)
{
	return k->gid ? (unsigned int)getegid() : (unsigned int)geteuid();
}

/* Do we hold `cap` in our effective set (over our own user namespace, the
 * parent of the container's)? capget(2), no library needed. */
static bool have_cap(int cap)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static int write_map(pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n,
                     struct hutch_error **err)
{
	char path[64];
	int proc = procfs_root(err);

	snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
	if (proc < 0 || write_map_at(proc, path, m, n, err) < 0)
		return herr_prefix(err, "write %s mappings", file);
	return 0;
}

/* Without CAP_SETGID over the parent namespace, the kernel takes a gid_map
 * only once setgroups(2) is denied in the namespace (user_namespaces(7),
 * "The /proc/[pid]/setgroups file"): the case of a runtime run by an
 * unprivileged user. */
static int deny_setgroups(pid_t pid, struct hutch_error **err)
{
	char path[64];

	snprintf(path, sizeof(path), "%d/setgroups", (int)pid);
	if (procfs_write(path, "deny", 4, err) < 0)
		return herr_prefix(err, "deny setgroups for an unprivileged gid_map");
	return 0;
}

/* --- Subordinate ids -------------------------------------------------------- */

/* Is [start, start+count) inside the ranges `path` gives to our user (by
 * name or uid), possibly several adjacent ones? An unreadable file grants
 * nothing. The name is the one /etc/passwd gives (a user known only through
 * NSS is matched by uid): this only words the error after the setuid helper,
 * which looks users up itself, refused or was missing. */
static bool subids_cover(const char *path, unsigned long long start, unsigned long long count)
{
	_cleanup_free_ char *user = passwd_name("/etc/passwd", geteuid());
	_cleanup_free_ char *uid = xasprintf("%u", (unsigned)geteuid()), *text = NULL;
	unsigned long long pos = start, end = start + count;
	_cleanup_error_ struct hutch_error *e = NULL;
	bool progress = true;

	if (fs_read_file_at(AT_FDCWD, path, &text, NULL, &e) < 0)
		return false;
	while (pos < end && progress) {
		_cleanup_free_ char *copy = xstrdup(text);
		progress = false;
		for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			char name[256];
			unsigned long long s, c;
			if (sscanf(l, "%255[^:]:%llu:%llu", name, &s, &c) != 3 ||
			    (strcmp(name, uid) != 0 && (!user || strcmp(name, user) != 0)))
				continue;
			if (s <= pos && pos < s + c) {
				pos = s + c;
				progress = true;
			}
		}
	}
	return pos >= end;
}

/* The first mapping neither our own id alone nor in our subordinate ids;
 * -1 when all are allowed. */
static long first_not_delegated(const struct map_kind *k, const struct spec_id_mapping *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].size == 1 && m[i].hostID == own_id(k))
			continue;
		if (!subids_cover(k->subids, m[i].hostID, m[i].size))
			return (long)i;
	}
	return -1;
}

/* `said`: what the helper printed, if it ran. */
static int not_delegated(const struct map_kind *k, const struct spec_id_mapping *m, long i,
                         const char *said, struct hutch_error **err)
{
	_cleanup_free_ char *user = passwd_name("/etc/passwd", geteuid());

	return herr_msg(err,
	                "config.json: .linux.%s[%ld]: host %ss %u-%llu are not delegated to user "
	                "%s (uid %u) in %s%s%s%s",
	                k->field, i, k->id_name, m[i].hostID,
	                (unsigned long long)m[i].hostID + m[i].size - 1, user ? user : "?",
	                (unsigned)geteuid(), k->subids, said && *said ? " (" : "", said ? said : "",
	                said && *said ? ")" : "");
}

/* --- The setuid helpers --------------------------------------------------------- */

static char *find_tool(const char *name)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs =
	    xasprintf("%s:/usr/bin:/usr/sbin:/bin:/sbin", path && *path ? path : "");

	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", d, name);
		if (*d == '/' && access(cand, X_OK) == 0)
			return cand;
		free(cand);
	}
	return NULL;
}

/* Run argv with stdin /dev/null and stdout+stderr into *ret_out (trimmed,
 * at most 4 KiB). Returns the wait status, or -1 with *err. */
static int run_tool(char **argv, char **ret_out, struct hutch_error **err)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], status = 0, rc;
	char buf[4096];
	size_t len = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return herr_errno(err, errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		return herr_errno(err, rc, "run %s", argv[0]);
	}
	/* read to the end, keeping the start: a helper blocked on a full pipe
	 * would never exit */
	for (char more[512];;) {
		size_t room = sizeof(buf) - 1 - len;
		r = read(pipefd[0], room ? buf + len : more, room ? room : sizeof(more));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += room ? (size_t)r : 0;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	*ret_out = xstrdup(buf);
	return status;
}

/* newuidmap/newgidmap PID ID HOST COUNT...: setuid helpers (Debian's uidmap)
 * that write the maps for an unprivileged user from the ranges /etc/subuid
 * and /etc/subgid give it. newgidmap also writes setgroups itself. */
static int map_with_tool(pid_t pid, const struct map_kind *k, const struct spec_id_mapping *m,
                         size_t n, struct hutch_error **err)
{
	_cleanup_free_ char *tool = find_tool(k->tool), *out = NULL;
	_cleanup_strv_ char **argv = NULL;
	char num[32];
	long bad = -1;
	int status;

	if (!tool) {
		if ((bad = first_not_delegated(k, m, n)) >= 0)
			return not_delegated(k, m, bad, NULL, err);
		return herr_msg(
		    err,
		    "config.json: .linux.%s: an unprivileged user maps more than its own "
		    "%s (%u) through %s, which is not installed (package uidmap)",
		    k->field, k->id_name, own_id(k), k->tool);
	}
	strv_push(&argv, tool);
	snprintf(num, sizeof(num), "%d", (int)pid);
	strv_push(&argv, num);
	for (size_t i = 0; i < n; i++) {
		const uint32_t v[3] = {m[i].containerID, m[i].hostID, m[i].size};
		for (int j = 0; j < 3; j++) {
			snprintf(num, sizeof(num), "%u", v[j]);
			strv_push(&argv, num);
		}
	}
	status = run_tool(argv, &out, err);
	if (status < 0)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if ((bad = first_not_delegated(k, m, n)) >= 0)
		return not_delegated(k, m, bad, out, err);
	return herr_msg(err, "config.json: .linux.%s: %s %d: %s", k->field, tool, (int)pid,
	                *out ? out : "failed");
}

/* --- Choosing the way --------------------------------------------------------------- */

/* user_namespaces(7), "Defining user and group ID mappings": with
 * CAP_SETUID (CAP_SETGID) over the parent namespace anything mapped there
 * may be written; without it, one line mapping the writer's own effective
 * id, and for gid_map only after setgroups is denied. Anything else goes
 * through the setuid helper. */
static int map_one(pid_t pid, const struct map_kind *k, const struct spec_id_mapping *m, size_t n,
                   struct hutch_error **err)
{
	if (n == 0)
		return 0;
	if (have_cap(k->cap))
		return write_map(pid, k->file, m, n, err);
	if (n == 1 && m[0].size == 1 && m[0].hostID == own_id(k)) {
		if (k->gid && deny_setgroups(pid, err) < 0)
			return -1;
		return write_map(pid, k->file, m, n, err);
	}
	return map_with_tool(pid, k, m, n, err);
}

int idmap_write(pid_t pid, const struct spec_linux *l, struct hutch_error **err)
{
	if (!l)
		return 0;
	if (map_one(pid, &uid_kind, l->uidMappings, l->n_uidMappings, err) < 0)
		return -1;
	return map_one(pid, &gid_kind, l->gidMappings, l->n_gidMappings, err);
}

/* --- A user namespace for idmapped mounts ------------------------------------ */

/* The helper's side: pass its /proc/<pid> of the verified procfs (right
 * whatever pid namespace we are in: the caller may be a container init whose
 * pids differ from the handle's), then wait until the parent hangs up. */
static _Noreturn void userns_helper(int sock)
{
	char c = 0;
	struct hutch_error *ignored = NULL;
	int fd = procfs_open("self", O_PATH | O_DIRECTORY, &ignored);
	struct iovec iov = {&c, 1};

	if (fdpass_send(sock, &iov, 1, fd) >= 0)
		while (read(sock, &c, 1) < 0 && errno == EINTR)
			;
	_exit(0);
}

/* The helper's fd, or -1 with errno (EPROTO: the message carried none). */
static int recv_fd(int sock)
{
	char c;
	struct iovec iov = {&c, 1};
	int fd = -1;
	ssize_t n = fdpass_recv(sock, &iov, 1, &fd);

	if (n <= 0) {
		if (n == 0)
			errno = EPIPE;
		return -1;
	}
	if (fd < 0)
		errno = EPROTO;
	return fd;
}

static int userns_setup(int procdir, const struct spec_id_mapping *uids, size_t n_uids,
                        const struct spec_id_mapping *gids, size_t n_gids, int *ret_fd,
                        struct hutch_error **err)
{
	int fd;

	if (write_map_at(procdir, "uid_map", uids, n_uids, err) < 0 ||
	    write_map_at(procdir, "gid_map", gids, n_gids, err) < 0)
		return -1;
	fd = openat(procdir, "ns/user", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return herr_errno(err, errno, "open ns/user");
	*ret_fd = fd;
	return 0;
}

int idmap_userns_new(const struct spec_id_mapping *uids, size_t n_uids,
                     const struct spec_id_mapping *gids, size_t n_gids, int *ret_fd,
                     struct hutch_error **err)
{
	int sk[2], r = -1;

	/* the helper inherits the verified procfs handle */
	if (procfs_root(err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk) < 0)
		return herr_errno(err, errno, "socketpair");
	/* fork-like clone: the helper only sends a fd and waits, so skipping
	 * the libc fork handlers is harmless */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(sk[0]);
		userns_helper(sk[1]);
	}
	close(sk[1]);
	if (pid < 0) {
		close(sk[0]);
		return herr_errno(err, errno, "user namespace for an idmapped mount: clone");
	}
	int procdir = recv_fd(sk[0]);
	if (procdir < 0)
		herr_errno(err, errno, "receive the helper's /proc entry");
	else
		r = userns_setup(procdir, uids, n_uids, gids, n_gids, ret_fd, err);
	if (procdir >= 0)
		close(procdir);
	close(sk[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		herr_prefix(err, "user namespace for an idmapped mount");
	return r;
}
