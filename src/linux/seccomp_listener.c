/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hand the seccomp user-notification fd to the agent listening on
 * listenerPath (runtime-spec config-linux.md "The Container Process State"). */
#include "config.h"
#include "linux/seccomp.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* {"ociVersion","fds","pid","metadata"} from the generator, then the state
 * object spliced in as given (it is already JSON). */
static char *build_message(const struct spec_seccomp *s, const char *state, pid_t pid,
                           struct hutch_error **err)
{
	_cleanup_json_ json_node *check = json_parse("container state", state, strlen(state), err);
	_cleanup_free_ char *head = NULL;
	json_gen *g;
	size_t len;

	if (!check)
		return NULL;
	if (json_type_of(check) != JSON_OBJECT) {
		herr_msg(err, "container state: expected object, got %s",
		         json_type_name(json_type_of(check)));
		return NULL;
	}
	g = json_gen_new(false);
	json_gen_map_open(g);
	json_gen_kv_string(g, "ociVersion", HUTCH_SPEC_VERSION);
	json_gen_string(g, "fds");
	json_gen_array_open(g);
	json_gen_string(g, "seccompFd");
	json_gen_array_close(g);
	json_gen_kv_int(g, "pid", pid);
	if (s->listenerMetadata)
		json_gen_kv_string(g, "metadata", s->listenerMetadata);
	json_gen_map_close(g);
	head = json_gen_text(g, &len);
	json_gen_free(g);
	head[len - 1] = '\0'; /* drop the closing brace */
	return xasprintf("%s,\"state\":%s}", head, state);
}

/* Paths longer than sun_path are reached through an O_PATH fd of their
 * directory: /proc/self/fd/N/name. */
static int connect_unix(const char *path, struct hutch_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *dir = NULL, *via = NULL;
	const char *target = path;

	if (fd < 0)
		return herr_errno(err, errno, "socket");
	if (strlen(path) >= sizeof(sa.sun_path)) {
		char *slash;

		dir = xstrdup(path);
		slash = strrchr(dir, '/');
		if (!slash)
			return herr_msg(err, "socket path too long");
		*slash = '\0';
		dfd = openat(AT_FDCWD, dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return herr_errno(err, errno, "open %s", dir[0] ? dir : "/");
		via = xasprintf("/proc/self/fd/%d/%s", dfd, slash + 1);
		if (strlen(via) >= sizeof(sa.sun_path))
			return herr_msg(err, "socket name too long");
		target = via;
	}
	memcpy(sa.sun_path, target, strlen(target) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return herr_errno(err, errno, "connect");
	return steal_fd(&fd);
}

/* The fd travels with the first sendmsg only, as the spec requires. */
static int send_with_fd(int sock, const char *buf, size_t len, int fd)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	ssize_t n = fdpass_send(sock, &iov, 1, fd);
	size_t done;

	if (n < 0)
		return -1;
	for (done = (size_t)n; done < len; done += (size_t)n) {
		n = send(sock, buf + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			n = 0;
		else if (n < 0)
			return -1;
	}
	return 0;
}

int seccomp_send_listener(const struct spec_seccomp *s, int notify_fd,
                          const char *container_state_json_obj, pid_t pid, struct hutch_error **err)
{
	_cleanup_free_ char *msg = NULL;
	_cleanup_close_ int sock = -1;

	if (!s->listenerPath)
		return herr_msg(err, "seccomp listener: no listenerPath");
	msg = build_message(s, container_state_json_obj, pid, err);
	if (!msg)
		return herr_prefix(err, "seccomp listener %s", s->listenerPath);
	sock = connect_unix(s->listenerPath, err);
	if (sock < 0)
		return herr_prefix(
		    err,
		    "seccomp listener %s: failed to connect with seccomp agent (is it "
		    "listening?)",
		    s->listenerPath);
	if (send_with_fd(sock, msg, strlen(msg), notify_fd) < 0)
		return herr_errno(err, errno, "seccomp listener %s: send", s->listenerPath);
	return 0;
}
