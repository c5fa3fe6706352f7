/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container side of spawning, top to bottom: namespaces, rootfs, hooks,
 * pivot_root, terminal, then the process set-up (linux/setup/process:
 * attributes, seccomp, identity), then the exec of the sealed helper program
 * (exe.h), which reports READY, waits on exec.fifo (init) and execs the
 * user's program. With startContainer hooks the child reports READY, waits
 * and runs them itself before that exec. Every failure before READY goes to
 * the parent as SYNC_ERROR and the child _exits. */
#include "spawn/spawn_internal.h"
#include "spawn/exe.h"
#include "linux/caps.h"
#include "linux/cgroup/cgroup.h"
#include "linux/setup/rootfs/cgroupfs.h"
#include "linux/hook.h"
#include "linux/netdev.h"
#include "linux/ns.h"
#include "linux/setup/rootfs/rootfs.h"
#include "linux/seccomp.h"
#include "linux/setup/process/process.h"
#include "linux/terminal.h"
#include "linux/user.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEYCTL_JOIN_SESSION_KEYRING 1

struct child {
	const struct spawn_config *c;
	const struct spec *s;
	const struct spec_process *p;
	int sock;
	struct sync_walk walk; /* our position in the handshake (sync.h) */
	int fifo;              /* O_PATH fd of exec.fifo (init only) */
	char *state_json;      /* from the parent, for container-side hooks */
	char *exe;             /* resolved executable */
	char **env;
	struct caps_set caps;
	bool userns;               /* we are in a user namespace of the container */
	int *mount_fds;            /* bind trees from the parent, per spec mount; -1 none */
	int helper_fd;             /* the sealed hutch-init from the parent (exe.h) */
	bool early_seccomp;        /* the filter is loaded before the helper's exec */
	struct rootfs *rootfs;     /* init: from rootfs_prepare until READY */
	int pty_master, pty_slave; /* init with a terminal: opened for /dev/console */
};

static int child_send(struct child *ch, enum sync_type type, int fd, struct hutch_error **err)
{
	return sync_walk_send(&ch->walk, ch->sock, type, NULL, 0, fd, err);
}

/* The parent's next step, which must be `type`, also collecting the
 * SYNC_MOUNT_FD messages sent before it. The message is returned in *ret
 * (may be NULL). */
static int child_expect(struct child *ch, enum sync_type type, struct sync_msg *ret,
                        struct hutch_error **err)
{
	for (;;) {
		struct sync_msg m = {.fd = -1};
		int32_t idx;

		if (sync_walk_recv(&ch->walk, ch->sock, &m, err) < 0)
			return -1;
		if (m.type != SYNC_MOUNT_FD) {
			int r = sync_check(&m, type, err);
			if (r == 0 && ret)
				*ret = m;
			else
				sync_msg_clear(&m);
			return r;
		}
		if (m.len != sizeof(idx) || m.fd < 0) {
			sync_msg_clear(&m);
			return herr_msg(err, "sync: malformed MOUNT_FD message");
		}
		memcpy(&idx, m.payload, sizeof(idx));
		if (idx < 0 || (size_t)idx >= ch->s->n_mounts) {
			sync_msg_clear(&m);
			return herr_msg(err, "sync: MOUNT_FD for mount %d out of range", idx);
		}
		if (ch->mount_fds[idx] >= 0)
			close(ch->mount_fds[idx]); /* sent twice: keep the last */
		ch->mount_fds[idx] = steal_fd(&m.fd);
		sync_msg_clear(&m);
	}
}

/* Our diagnostics (capability warnings, ...) go to the runtime, which logs
 * them: our own stderr is the container's. */
static void child_log(void *ctx, enum log_level level, const char *msg)
{
	struct child *ch = ctx;

	sync_send_log(ch->sock, level, msg);
}

static __attribute__((noreturn)) void child_fail(struct child *ch, struct hutch_error *err)
{
	sync_send_error(ch->sock, err);
	_exit(1);
}

static bool has_ns(const struct spec *s, enum spec_ns_type t)
{
	return spec_find_namespace(s, t) != NULL;
}

/* A namespace the container gets a new one of (not one joined by path). */
static bool new_ns(const struct spec *s, enum spec_ns_type t)
{
	const struct spec_namespace *ns = spec_find_namespace(s, t);

	return ns && !ns->path;
}

/* Fork so the rest runs as pid 1 of the pid namespace we just entered
 * (setns/unshare of a pid ns only applies to children); the intermediate
 * reports the new pid and leaves. */
static int child_fork_into_pidns(struct child *ch, struct hutch_error **err)
{
	pid_t pid = fork();

	if (pid < 0)
		return herr_errno(err, errno, "fork into pid namespace");
	if (pid > 0) {
		int32_t p = (int32_t)pid;
		struct hutch_error *e = NULL;
		if (sync_walk_send(&ch->walk, ch->sock, SYNC_PID, &p, sizeof(p), -1, &e) < 0)
			kill(pid, SIGKILL);
		_exit(0);
	}
	/* the intermediate sends PID for us: our copy of the walk moves past it */
	return sync_walk_step(&ch->walk, SYNC_CHILD, SYNC_PID, err);
}

/* Namespaces given by path (or, for exec, all of the container's). */
static int child_join_init(struct child *ch, struct hutch_error **err)
{
	const struct spec_namespace *user = spec_find_namespace(ch->s, SPEC_NS_USER);
	int flags = ns_new_flags(ch->s) & ~(CLONE_NEWUSER | CLONE_NEWTIME);

	if (user && user->path) {
		if (ns_join(SPEC_NS_USER, user->path, err) < 0)
			return -1;
	} else if (user) {
		if (unshare(CLONE_NEWUSER) < 0)
			return herr_errno(err, errno, "unshare user namespace");
		if (child_send(ch, SYNC_MAPS, -1, err) < 0 ||
		    child_expect(ch, SYNC_MAPS_DONE, NULL, err) < 0)
			return -1;
	}
	if (ns_join_all(ch->s, true, err) < 0)
		return -1;
	if (flags && unshare(flags) < 0)
		return herr_errno(err, errno, "unshare namespaces (flags 0x%x)", flags);
	if (has_ns(ch->s, SPEC_NS_PID))
		return child_fork_into_pidns(ch, err);
	return 0;
}

static int child_join_exec(struct child *ch, struct hutch_error **err)
{
	static const enum spec_ns_type order[] = {SPEC_NS_USER,    SPEC_NS_IPC,  SPEC_NS_UTS,
	                                          SPEC_NS_NETWORK, SPEC_NS_PID,  SPEC_NS_CGROUP,
	                                          SPEC_NS_TIME,    SPEC_NS_MOUNT};
	int fds[SPEC_NS__COUNT];
	int r = 0;

	if (ns_open_all(ch->c->target_pid, fds, err) < 0)
		return herr_prefix(err, "open the container's namespaces");
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]) && r == 0; k++) {
		enum spec_ns_type t = order[k];
		if (fds[t] >= 0 && setns(fds[t], ns_clone_flag(t)) < 0)
			r = herr_errno(err, errno, "join the container's %s namespace",
			               spec_ns_type_name(t));
	}
	ch->userns = fds[SPEC_NS_USER] >= 0;
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		if (fds[t] >= 0)
			close(fds[t]);
	/* a child the parent had born in the container's pid namespace
	 * (exec_pidns_enter) finds it shared: no fork */
	if (r == 0 && fds[SPEC_NS_PID] >= 0)
		r = child_fork_into_pidns(ch, err);
	return r;
}

static int child_namespaces(struct child *ch, struct hutch_error **err)
{
	bool join_mode = ch->walk.mode == SYNC_MODE_JOIN;

	if (ch->c->mode == SPAWN_EXEC) {
		if (child_join_exec(ch, err) < 0)
			return -1;
	} else {
		ch->userns = has_ns(ch->s, SPEC_NS_USER);
		if (join_mode && child_join_init(ch, err) < 0)
			return -1;
	}
	/* a cgroup namespace's root is the cgroup we are in when it is made: the
	 * parent placed us in every hierarchy before SYNC_GO, so make it now */
	if (!join_mode && ch->c->mode == SPAWN_INIT && spec_find_namespace(ch->s, SPEC_NS_CGROUP) &&
	    !spec_find_namespace(ch->s, SPEC_NS_CGROUP)->path && unshare(CLONE_NEWCGROUP) < 0)
		return herr_errno(err, errno, "unshare cgroup namespace");
	if (ch->userns) {
		/* become root of the user namespace; the maps are in place */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return herr_errno(err, errno,
			                  "become root in the user namespace "
			                  "(is uid/gid 0 mapped?)");
	}
	if (ch->c->mode == SPAWN_INIT && new_ns(ch->s, SPEC_NS_NETWORK) &&
	    netdev_loopback_up(err) < 0)
		return -1;
	if (ch->c->mode == SPAWN_INIT && spec_find_namespace(ch->s, SPEC_NS_TIME) &&
	    !spec_find_namespace(ch->s, SPEC_NS_TIME)->path) {
		if (unshare(CLONE_NEWTIME) < 0)
			return herr_errno(err, errno, "unshare time namespace");
		if (ns_write_time_offsets(ch->s->linux_, err) < 0)
			return -1;
		/* enter it now rather than at execve, so the init is in its time
		 * namespace as soon as create returns (offsets are fixed by then) */
		if (ns_join(SPEC_NS_TIME, "/proc/self/ns/time_for_children", err) < 0)
			return -1;
	}
	return 0;
}

/* Our own session, as runc does, for the init and for exec alike: inside the
 * container /proc/self/stat then shows the process's own pid as its process
 * group and session (not 0, the caller's, outside the pid namespace), and a
 * terminal can become our controlling one (terminal_make_controlling). Done
 * once in the pid namespace: for join and exec after the fork into it. */
static int child_session(struct hutch_error **err)
{
	if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
		return herr_errno(err, errno, "setsid");
	return 0;
}

static int child_keyring(struct child *ch, struct hutch_error **err)
{
	if (ch->c->no_new_keyring)
		return 0;
	/* a fresh session keyring so containers do not share the host's keys */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS &&
	    errno != EPERM && errno != EACCES)
		return herr_errno(err, errno, "join a new session keyring");
	return 0;
}

static int child_uts(struct child *ch, struct hutch_error **err)
{
	if (ch->s->hostname && sethostname(ch->s->hostname, strlen(ch->s->hostname)) < 0)
		return herr_errno(err, errno, "sethostname %s", ch->s->hostname);
	if (ch->s->domainname && setdomainname(ch->s->domainname, strlen(ch->s->domainname)) < 0)
		return herr_errno(err, errno, "setdomainname %s", ch->s->domainname);
	return 0;
}

/* hook_how.exec for the hooks we run inside the container: through the
 * helper, so that even a "#!/proc/self/exe" hook never runs the host's
 * hutch binary in there. */
static void child_hook_exec(void *ctx, const char *path, char *const argv[], char *const envp[])
{
	const struct child *ch = ctx;
	struct exe_helper_call call = {
	    .sync_fd = -1, .fifo_fd = -1, .err_fd = -1, .bpf_fd = -1, .path = path, .argv = argv};
	char **hargv = exe_helper_argv(&call);
	int e;

	exe_helper_exec(ch->helper_fd, hargv, envp);
	e = errno;
	strv_free(hargv);
	errno = e;
}

/* hook_how.exec for the startContainer hooks: they run in the container
 * under its seccomp filter, as with runc. A filter loaded early is in force
 * already; the late one goes to the helper, which loads it right before the
 * hook's execve, as it does for the container process. Runs in the hook's
 * own process: the copy of the filter's fd is its, without close-on-exec. */
static void child_start_hook_exec(void *ctx, const char *path, char *const argv[],
                                  char *const envp[])
{
	const struct child *ch = ctx;
	struct exe_helper_call call = {
	    .sync_fd = -1, .fifo_fd = -1, .err_fd = -1, .bpf_fd = -1, .path = path, .argv = argv};
	struct hutch_error *err = NULL;
	char **hargv;
	int e;

	if (ch->c->seccomp && !ch->early_seccomp) {
		int bpf = exe_helper_bpf(ch->c->seccomp, &err);
		if (bpf < 0) {
			errno = err->errnum ? err->errnum : EINVAL;
			return;
		}
		call.bpf_fd = fcntl(bpf, F_DUPFD, 3);
		if (call.bpf_fd < 0)
			return;
	}
	hargv = exe_helper_argv(&call);
	exe_helper_exec(ch->helper_fd, hargv, envp);
	e = errno;
	strv_free(hargv);
	errno = e;
}

static int child_open_pty(struct child *ch, struct hutch_error **err)
{
	return terminal_open(ch->p->has_consoleSize ? &ch->p->consoleSize : NULL, &ch->pty_master,
	                     &ch->pty_slave, err);
}

/* The init's pty is opened right after pivot_root, in the container's devpts,
 * to be /dev/console before /dev may turn read-only (child_terminal sends it
 * on later). */
static int child_console(struct child *ch, struct hutch_error **err)
{
	if (!ch->p->terminal)
		return 0;
	if (child_open_pty(ch, err) < 0)
		return -1;
	return rootfs_console(ch->rootfs, ch->pty_slave, err);
}

/* From the mounts to pivot_root, with the create hooks in between. */
/* The container's directory in each cgroup hierarchy, from the runtime's
 * cgroup (the init binds them onto its /sys/fs/cgroup); malloc'd, *ret_n 0
 * when there is no cgroup. */
static struct cgroupfs_hier *child_cgroups(const struct child *ch, size_t *ret_n)
{
	const struct cgroup *cg = ch->c->cgroup;
	size_t n = cg ? cgroup_count(cg) : 0;
	struct cgroupfs_hier *h = xcalloc(n ? n : 1, sizeof(*h));

	for (size_t i = 0; i < n; i++)
		cgroup_hierarchy(cg, i, &h[i].v2, &h[i].controllers, &h[i].mount, &h[i].path);
	*ret_n = n;
	return h;
}

/* HOOKS: the parent runs prestart and createRuntime (and moves
 * linux.netDevices) and answers with the state, which the container-side
 * hooks read. */
static int child_hooks_step(struct child *ch, struct hutch_error **err)
{
	struct sync_msg m = {.fd = -1};

	if (child_send(ch, SYNC_HOOKS, -1, err) < 0 ||
	    child_expect(ch, SYNC_HOOKS_DONE, &m, err) < 0)
		return -1;
	/* the state, larger than a message, may come in a sealed memfd */
	if (m.fd >= 0 &&
	    (lseek(m.fd, 0, SEEK_SET) < 0 || fs_read_fd(m.fd, &ch->state_json, NULL) < 0))
		herr_errno(err, errno, "read the state from the runtime");
	else if (m.fd < 0)
		ch->state_json = steal_ptr(&m.payload);
	sync_msg_clear(&m);
	return ch->state_json ? 0 : -1;
}

static int child_rootfs(struct child *ch, struct hutch_error **err)
{
	size_t n_cgroups = 0;
	_cleanup_free_ struct cgroupfs_hier *cgroups = child_cgroups(ch, &n_cgroups);
	struct rootfs_opts o = {
	    .spec = ch->s,
	    .bundle = ch->c->bundle,
	    .rootfs = ch->c->rootfs,
	    .cwd = ch->p->cwd,
	    .no_pivot = ch->c->no_pivot,
	    .in_userns = ch->userns,
	    .userns_fd = -1,
	    .mount_fds = ch->mount_fds,
	    .has_cgroupns = has_ns(ch->s, SPEC_NS_CGROUP),
	    .cgroups = cgroups,
	    .n_cgroups = n_cgroups,
	};
	struct hook_how how = {.cwd = ch->c->rootfs, .exec = child_hook_exec, .ctx = ch};

	if (ch->userns)
		o.userns_fd = openat(AT_FDCWD, "/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (rootfs_prepare(&o, &ch->rootfs, err) < 0)
		return -1;
	if (has_ns(ch->s, SPEC_NS_UTS) && child_uts(ch, err) < 0)
		return -1;
	if (spawn_hooks_step(ch->c) && child_hooks_step(ch, err) < 0)
		return -1;
	if (ch->s->hooks && hook_run_list_how(&ch->s->hooks->createContainer, "createContainer",
	                                      ch->state_json, &how, err) < 0)
		return -1;
	if (rootfs_pivot(ch->rootfs, err) < 0 || child_console(ch, err) < 0 ||
	    rootfs_finalize(ch->rootfs, err) < 0)
		return -1;
	if (o.userns_fd >= 0)
		close(o.userns_fd);
	/* the parent's idmapped trees are attached now: none stays open for
	 * process.cwd "/proc/self/fd/N" to reach (CVE-2024-21626) */
	for (size_t i = 0; i < ch->s->n_mounts; i++)
		if (ch->mount_fds[i] >= 0)
			close(steal_fd(&ch->mount_fds[i]));
	return 0;
}

static int child_terminal(struct child *ch, struct hutch_error **err)
{
	if (!ch->p->terminal)
		return 0;
	if (ch->pty_master < 0 && child_open_pty(ch, err) < 0)
		return -1;
	int master = steal_fd(&ch->pty_master), slave = steal_fd(&ch->pty_slave);
	if (child_send(ch, SYNC_PTY, master, err) < 0) {
		close(master);
		close(slave);
		return -1;
	}
	close(master);
	return terminal_make_controlling(slave, err);
}

/* How many fds after stdio the process keeps: core counted LISTEN_FDS in
 * and checked that each is one the caller handed over. */
static int child_kept_fds(const struct spawn_config *c)
{
	return c->preserve_fds;
}

/* Close what we inherited from the runtime beyond the kept fds (and the sync
 * socket, exec.fifo, start.err and the verified procfs handle), now: the
 * locked state directory among them, whose lock would otherwise outlive
 * `create` in this process and block every later command. */
static void child_close_inherited(const struct spawn_config *c, int sock, int helper_fd)
{
	unsigned int from = 3 + (unsigned int)child_kept_fds(c);
	int keep[5] = {sock, helper_fd, -1, -1, procfs_root_fd()};
	const int n = 5;

	if (c->mode == SPAWN_INIT) {
		keep[2] = c->fifo_fd;
		keep[3] = c->start_err_fd;
	}
	/* ascending order, so the ranges between them can be closed in one pass */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (int i = 0; i < n; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned int)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned int)keep[i] - 1, 0);
		if ((unsigned int)keep[i] + 1 > from)
			from = (unsigned int)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

static const char *env_get(char **env, const char *key)
{
	size_t kl = strlen(key);

	strv_foreach (e, env)
		if (strncmp(*e, key, kl) == 0 && (*e)[kl] == '=')
			return *e + kl + 1;
	return NULL;
}

static int check_exec(const char *path, const char *arg0, struct hutch_error **err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		/* engines match runc's lower-case wording ("no such file or directory") */
		int e = errno;
		char reason[128];
		snprintf(reason, sizeof(reason), "%s", strerror(e));
		reason[0] = (char)tolower((unsigned char)reason[0]);
		herr_msg(err, "exec: \"%s\": stat %s: %s", arg0, path, reason);
		(*err)->errnum = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return herr_msg(err, "exec: \"%s\": permission denied", arg0);
	return 0;
}

/* execvp's search, done before READY so a missing binary fails `create`
 * with runc's wording instead of a silent exit after `start`. */
static int child_resolve_exe(struct child *ch, struct hutch_error **err)
{
	const char *arg0 = ch->p->args && ch->p->args[0] ? ch->p->args[0] : NULL;
	const char *path;
	_cleanup_free_ char *copy = NULL;

	if (!arg0)
		return herr_msg(err, "config.json: .process.args: must not be empty");
	if (strchr(arg0, '/')) {
		ch->exe = xstrdup(arg0);
		return check_exec(arg0, arg0, err);
	}
	path = env_get(ch->env, "PATH");
	copy =
	    xstrdup(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *cand = xasprintf("%s/%s", *dir ? dir : ".", arg0);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
			ch->exe = steal_ptr(&cand);
			return 0;
		}
	}
	return herr_msg(err, "exec: \"%s\": executable file not found in $PATH", arg0);
}

/* process.cwd (the init's was created by rootfs_finalize), resolved inside
 * the container's root with magic links refused: "/proc/self/fd/N" naming
 * an fd the runtime still holds here (the verified procfs handle, the
 * helper, ...) would otherwise put the process outside the container's root,
 * from where ".." reaches the host's (CVE-2024-21626). */
static int child_cwd(struct child *ch, struct hutch_error **err)
{
	const char *cwd = ch->p->cwd ? ch->p->cwd : "/";
	_cleanup_close_ int root = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dir = -1;

	if (root < 0)
		return herr_errno(err, errno, "chdir to cwd (\"%s\"): open /", cwd);
	dir = fs_open_in_root(root, cwd, O_PATH | O_DIRECTORY, err);
	if (dir < 0)
		return herr_prefix(err, "chdir to cwd (\"%s\") set in config.json", cwd);
	if (fchdir(dir) < 0)
		return herr_errno(err, errno, "chdir to cwd (\"%s\") set in config.json", cwd);
	return 0;
}

/* process_setup's load_seccomp: load, and pass a listener fd to the runtime. */
static int child_seccomp(void *ctx, struct hutch_error **err)
{
	struct child *ch = ctx;
	int nfd = -1;

	if (seccomp_filter_load(ch->c->seccomp, &nfd, err) < 0)
		return herr_prefix(err, "load seccomp filter");
	if (nfd < 0)
		return 0;
	if (child_send(ch, SYNC_SECCOMP, nfd, err) < 0) {
		close(nfd);
		return -1;
	}
	close(nfd);
	return child_expect(ch, SYNC_SECCOMP_DONE, NULL, err);
}

/* The process set-up (linux/setup/process), with the runtime's part here:
 * the pty master and a seccomp listener fd go to the runtime. */
static int child_setup_process(struct child *ch, struct hutch_error **err)
{
	struct process_setup o = {
	    .spec = ch->s,
	    .process = ch->p,
	    .caps = &ch->caps,
	    .exec = ch->c->mode == SPAWN_EXEC,
	    /* fds 3..3+n-1 survive execve; anything opened since is CLOEXEC */
	    .first_closed_fd = 3 + child_kept_fds(ch->c),
	    .ctx = ch,
	};

	ch->early_seccomp = ch->c->seccomp &&
	                    (!ch->p->noNewPrivileges || seccomp_filter_uses_notify(ch->c->seccomp));
	/* Loaded while still privileged when no_new_privs is off or a listener
	 * waits for it (else hutch-init loads it last): the helper's few system
	 * calls then run under it too (exe.h). */
	if (ch->early_seccomp)
		o.load_seccomp = child_seccomp;
	if (child_terminal(ch, err) < 0 || process_setup_attrs(&o, err) < 0)
		return -1;
	ch->env = strv_dup(ch->p->env);
	user_home_env(&ch->env, ch->p->user.uid);
	if (child_cwd(ch, err) < 0 || process_setup_privileges(&o, err) < 0)
		return -1;
	return child_resolve_exe(ch, err);
}

/* Block until `start` writes a byte into exec.fifo (only with startContainer
 * hooks, which run after it; otherwise the helper waits). The runtime opened
 * our read end before the clone: no path lookup, so neither the state dir's
 * permissions (user namespaces) nor /proc get in the way. A fifo without
 * writers polls as idle until one has connected. */
static void child_wait_start(struct child *ch)
{
	struct pollfd p = {.fd = ch->fifo, .events = POLLIN};
	char c;

	for (;;) {
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		ssize_t n = read(ch->fifo, &c, 1);
		/* keep the fd: `start` waits for the last reader to go to know the
		 * user process is running */
		if (n == 1)
			return;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		usleep(10000); /* a writer came and went without writing: keep waiting */
	}
	dprintf(2, "hutch: wait for start: %s\n", strerror(errno));
	_exit(1);
}

/* A failure after `start` released us: tell `start` (through start.err)
 * and the container's stderr, then go: 127 when `errnum` says something was
 * not found, 126 otherwise. The code is picked first: the writes below may
 * change errno. */
static __attribute__((noreturn)) void child_die(struct child *ch, int errnum, const char *what,
                                                const char *msg)
{
	int code = errnum == ENOENT ? 127 : 126;

	if (ch->c->mode == SPAWN_INIT && ch->c->start_err_fd >= 0)
		dprintf(ch->c->start_err_fd, "%s: %s", what, msg);
	dprintf(2, "hutch: %s: %s\n", what, msg);
	_exit(code);
}

/* A copy of `fd`, without close-on-exec, for the helper: above every fd the
 * process keeps (stdio, --preserve-fds, LISTEN_FDS), so none is shadowed. */
static int child_pass_fd(const struct child *ch, int fd, struct hutch_error **err)
{
	int copy = fcntl(fd, F_DUPFD, 3 + child_kept_fds(ch->c));

	if (copy < 0)
		return herr_errno(err, errno, "pass fd %d to the helper", fd);
	return copy;
}

/* The helper's fds: the sync socket when it reports READY, exec.fifo and
 * start.err for the init, and the late seccomp filter (noNewPrivileges true,
 * no listener: loaded by the helper right before its execve). */
static int child_helper_fds(struct child *ch, bool ready, struct exe_helper_call *call,
                            struct hutch_error **err)
{
	_cleanup_close_ int bpf = -1;

	if (ready && (call->sync_fd = child_pass_fd(ch, ch->sock, err)) < 0)
		return -1;
	if (ch->c->mode == SPAWN_INIT) {
		call->wait = ready;
		if ((call->fifo_fd = child_pass_fd(ch, ch->fifo, err)) < 0 ||
		    (call->err_fd = child_pass_fd(ch, ch->c->start_err_fd, err)) < 0)
			return -1;
	}
	if (ch->c->seccomp && !ch->early_seccomp) {
		bpf = exe_helper_bpf(ch->c->seccomp, err);
		if (bpf < 0 || (call->bpf_fd = child_pass_fd(ch, bpf, err)) < 0)
			return -1;
	}
	return 0;
}

/* The last step of the runtime in the container process: exec the sealed
 * helper, which execs ch->exe. `ready`: the helper reports READY (no
 * startContainer hooks are left to run). Returns only on failure. */
static int child_exec_helper(struct child *ch, bool ready, struct hutch_error **err)
{
	struct exe_helper_call call = {.sync_fd = -1,
	                               .fifo_fd = -1,
	                               .err_fd = -1,
	                               .bpf_fd = -1,
	                               .path = ch->exe,
	                               .argv = ch->p->args};
	uint64_t caps[4];
	bool bridge = false;
	char **argv;
	int e;

	if (child_helper_fds(ch, ready, &call, err) < 0 || caps_exec_bridge(caps, &bridge, err) < 0)
		return -1;
	call.caps = bridge ? caps : NULL;
	argv = exe_helper_argv(&call);
	exe_helper_exec(ch->helper_fd, argv, ch->env);
	e = errno;
	strv_free(argv);
	if ((e == EPERM || e == EACCES) && ch->early_seccomp)
		return herr_errno(err, e,
		                  "exec the runtime's helper (hutch-init): the seccomp profile, "
		                  "loaded before it because noNewPrivileges is false, must allow "
		                  "execveat");
	return herr_errno(err, e, "exec the runtime's helper (hutch-init)");
}

/* startContainer hooks run after `start`: READY now, wait for start, run
 * them, then the helper. Failures go to start.err (child_die). */
static __attribute__((noreturn)) void child_start_hooks(struct child *ch)
{
	struct hook_how how = {.exec = child_start_hook_exec, .ctx = ch};
	struct hutch_error *err = NULL;

	/* create exits once we are READY; its death must not kill us */
	prctl(PR_SET_PDEATHSIG, 0);
	if (child_send(ch, SYNC_READY, -1, &err) < 0)
		_exit(1);
	child_wait_start(ch);
	if (hook_run_list_how(&ch->s->hooks->startContainer, "startContainer", ch->state_json, &how,
	                      &err) < 0)
		child_die(ch, err->errnum, "run startContainer hooks", err->msg);
	child_exec_helper(ch, false, &err);
	child_die(ch, err->errnum, "start the container process", err->msg);
}

void spawn_child_main(const struct spawn_config *c, int sock, enum sync_mode mode, int helper_fd)
{
	struct child ch = {.c = c,
	                   .s = c->spec,
	                   .p = c->process,
	                   .sock = sock,
	                   .fifo = c->fifo_fd,
	                   .helper_fd = helper_fd,
	                   .pty_master = -1,
	                   .pty_slave = -1};
	struct hutch_error *err = NULL;
	sigset_t none;

	sync_walk_init(&ch.walk, mode, SYNC_CHILD);
	log_set_sink(child_log, &ch);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	child_close_inherited(c, sock, helper_fd);
	ch.mount_fds = xmalloc((c->spec->n_mounts + 1) * sizeof(int));
	for (size_t i = 0; i <= c->spec->n_mounts; i++)
		ch.mount_fds[i] = -1;
	if (child_expect(&ch, SYNC_GO, NULL, &err) < 0)
		_exit(1);
	/* first, before any namespace: a cgroup namespace's root is the cgroup
	 * we are in, and join/exec fork into a pid namespace from here */
	if (spawn_self_placed(c, ch.walk.mode == SYNC_MODE_CREATE && new_ns(ch.s, SPEC_NS_USER)) &&
	    cgroup_enter_self(c->cgroup, &err) < 0)
		child_fail(&ch, err);
	if (caps_parse(ch.p->capabilities, &ch.caps, &err) < 0 || child_namespaces(&ch, &err) < 0 ||
	    child_session(&err) < 0)
		child_fail(&ch, err);
	if (c->mode == SPAWN_INIT) {
		if (child_keyring(&ch, &err) < 0 || child_rootfs(&ch, &err) < 0)
			child_fail(&ch, err);
	}
	if (child_setup_process(&ch, &err) < 0)
		child_fail(&ch, err);
	/* the rootfs' fds are not the container's: gone before READY */
	rootfs_free(steal_ptr(&ch.rootfs));
	if (c->mode == SPAWN_INIT && ch.s->hooks && ch.s->hooks->startContainer.n > 0)
		child_start_hooks(&ch);
	/* the helper sends READY once it runs: a failed exec is still create's */
	child_exec_helper(&ch, true, &err);
	child_fail(&ch, err);
}
