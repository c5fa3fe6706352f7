/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container side of spawning, top to bottom: namespaces, rootfs, hooks,
 * pivot_root, terminal, process attributes, identity, seccomp, READY, then
 * (init) wait on exec.fifo and execve. Every failure goes to the parent as
 * SYNC_ERROR and the child _exits. */
#include "spawn/spawn.h"
#include "spawn/sync.h"
#include "linux/caps.h"
#include "linux/hook.h"
#include "linux/ns.h"
#include "linux/procattr.h"
#include "linux/rlimit.h"
#include "linux/rootfs.h"
#include "linux/seccomp.h"
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

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1

struct child {
	const struct spawn_config *c;
	const struct spec *s;
	const struct spec_process *p;
	int sock;
	int fifo;         /* O_PATH fd of exec.fifo (init only) */
	char *state_json; /* from the parent, for container-side hooks */
	char *exe;        /* resolved executable */
	char **env;
	struct caps_set caps;
	bool userns;               /* we are in a user namespace of the container */
	int *mount_fds;            /* bind trees from the parent, per spec mount; -1 none */
	int diag_fd;               /* hutch's stderr, kept once stdio is the pty; -1 none */
	struct rootfs *rootfs;     /* init: from rootfs_prepare until READY */
	int pty_master, pty_slave; /* init with a terminal: opened for /dev/console */
};

/* sync_expect, also collecting the SYNC_MOUNT_FD messages sent before it. */
static int child_expect(struct child *ch, enum sync_type type, struct hutch_error **err)
{
	for (;;) {
		struct sync_msg m = {.fd = -1};
		int32_t idx;

		if (sync_recv(ch->sock, &m, err) < 0)
			return -1;
		if (m.type != SYNC_MOUNT_FD) {
			int r = sync_check(&m, type, err);
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
		ch->mount_fds[idx] = steal_fd(&m.fd);
		sync_msg_clear(&m);
	}
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
		if (sync_send(ch->sock, SYNC_PID, &p, sizeof(p), -1, &e) < 0)
			kill(pid, SIGKILL);
		_exit(0);
	}
	return 0;
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
		if (sync_send(ch->sock, SYNC_MAPS, NULL, 0, -1, err) < 0 ||
		    child_expect(ch, SYNC_MAPS_DONE, err) < 0)
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
	if (r == 0 && fds[SPEC_NS_PID] >= 0)
		r = child_fork_into_pidns(ch, err);
	return r;
}

static int child_namespaces(struct child *ch, bool join_mode, struct hutch_error **err)
{
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
static int child_rootfs(struct child *ch, struct hutch_error **err)
{
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
	};
	struct sync_msg m = {.fd = -1};

	if (ch->userns)
		o.userns_fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (rootfs_prepare(&o, &ch->rootfs, err) < 0)
		return -1;
	if (has_ns(ch->s, SPEC_NS_UTS) && child_uts(ch, err) < 0)
		return -1;
	if (sync_send(ch->sock, SYNC_HOOKS, NULL, 0, -1, err) < 0 ||
	    sync_expect(ch->sock, SYNC_HOOKS_DONE, &m, err) < 0)
		return -1;
	ch->state_json = steal_ptr(&m.payload);
	sync_msg_clear(&m);
	if (ch->s->hooks && hook_run_list(&ch->s->hooks->createContainer, "createContainer",
	                                  ch->state_json, err) < 0)
		return -1;
	if (rootfs_pivot(ch->rootfs, err) < 0 || child_console(ch, err) < 0 ||
	    rootfs_finalize(ch->rootfs, err) < 0)
		return -1;
	if (o.userns_fd >= 0)
		close(o.userns_fd);
	return 0;
}

static int child_terminal(struct child *ch, struct hutch_error **err)
{
	if (!ch->p->terminal)
		return 0;
	if (ch->pty_master < 0 && child_open_pty(ch, err) < 0)
		return -1;
	int master = steal_fd(&ch->pty_master), slave = steal_fd(&ch->pty_slave);
	if (sync_send(ch->sock, SYNC_PTY, NULL, 0, master, err) < 0) {
		close(master);
		close(slave);
		return -1;
	}
	close(master);
	/* keep our diagnostics on hutch's stderr, not the container's terminal */
	ch->diag_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (ch->diag_fd >= 0)
		log_set_stderr_fd(ch->diag_fd);
	return terminal_make_controlling(slave, err);
}

static int child_procattrs(struct child *ch, struct hutch_error **err)
{
	const struct spec_process *p = ch->p;
	const struct spec_linux *l = ch->s->linux_;

	if (p->oomScoreAdj.set && procattr_set_oom_score_adj(p, err) < 0)
		return -1;
	if (rlimit_apply(p, err) < 0)
		return -1;
	if (p->scheduler && procattr_set_scheduler(p->scheduler, err) < 0)
		return -1;
	if (p->ioPriority && procattr_set_io_priority(p->ioPriority, err) < 0)
		return -1;
	if (l && l->personality && procattr_set_personality(l->personality, err) < 0)
		return -1;
	if (l && l->memoryPolicy && procattr_set_mempolicy(l->memoryPolicy, err) < 0)
		return -1;
	if (ch->c->mode == SPAWN_EXEC && p->execCPUAffinity && p->execCPUAffinity->final &&
	    *p->execCPUAffinity->final &&
	    procattr_set_cpu_affinity(0, p->execCPUAffinity->final, "process.execCPUAffinity.final",
	                              err) < 0)
		return -1;
	if (procattr_check_lsm(p, err) < 0)
		return -1;
	if (p->apparmorProfile && procattr_set_apparmor_profile(p->apparmorProfile, err) < 0)
		return -1;
	if (p->selinuxLabel && procattr_set_selinux_label(p->selinuxLabel, err) < 0)
		return -1;
	return 0;
}

/* How many fds after stdio the process keeps: --preserve-fds plus LISTEN_FDS. */
static int child_kept_fds(const struct spawn_config *c)
{
	const char *lf = getenv("LISTEN_FDS");
	long long n;

	if (lf && str_to_i64(lf, &n) == 0 && n > 0 && n < 65536)
		return c->preserve_fds + (int)n;
	return c->preserve_fds;
}

/* fds 3..3+n-1 survive execve; anything opened since is CLOEXEC already. */
static int child_fds(struct child *ch, struct hutch_error **err)
{
	return procattr_cloexec_from(3 + child_kept_fds(ch->c), NULL, 0, err);
}

/* Close what we inherited from the runtime beyond the kept fds (and the sync
 * socket, exec.fifo, start.err and the verified procfs handle), now: the
 * locked state directory among them, whose lock would otherwise outlive
 * `create` in this process and block every later command. */
static void child_close_inherited(const struct spawn_config *c, int sock)
{
	unsigned int from = 3 + (unsigned int)child_kept_fds(c);
	int keep[4] = {sock, -1, -1, procfs_root_fd()};

	if (c->mode == SPAWN_INIT) {
		keep[1] = c->fifo_fd;
		keep[2] = c->start_err_fd;
	}
	/* ascending order, so the ranges between them can be closed in one pass */
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (int i = 0; i < 4; i++) {
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
		return herr_msg(err, "process.args must not be empty");
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

static int child_cwd(struct child *ch, struct hutch_error **err)
{
	const char *cwd = ch->p->cwd ? ch->p->cwd : "/";

	/* the init's cwd was created by rootfs_finalize */
	if (chdir(cwd) < 0)
		return herr_errno(err, errno, "chdir to cwd (\"%s\") set in config.json", cwd);
	return 0;
}

static int child_seccomp(struct child *ch, struct hutch_error **err)
{
	int nfd = -1;

	if (seccomp_filter_load(ch->c->seccomp, &nfd, err) < 0)
		return herr_prefix(err, "load seccomp filter");
	if (nfd < 0)
		return 0;
	if (sync_send(ch->sock, SYNC_SECCOMP, NULL, 0, nfd, err) < 0) {
		close(nfd);
		return -1;
	}
	close(nfd);
	return sync_expect(ch->sock, SYNC_SECCOMP_DONE, NULL, err);
}

/* Capabilities and user, in the order caps.h documents. */
static int child_identity(struct child *ch, struct hutch_error **err)
{
	if (caps_drop_bounding(&ch->caps, err) < 0 || caps_keep_on_setuid(true, err) < 0 ||
	    user_apply(&ch->p->user, user_setgroups_allowed(), err) < 0 ||
	    caps_keep_on_setuid(false, err) < 0 || caps_apply(&ch->caps, err) < 0)
		return -1;
	return 0;
}

static int child_setup_process(struct child *ch, struct hutch_error **err)
{
	bool early_seccomp = ch->c->seccomp && (!ch->p->noNewPrivileges ||
	                                        seccomp_filter_uses_notify(ch->c->seccomp));

	if (child_terminal(ch, err) < 0 || child_procattrs(ch, err) < 0 || child_fds(ch, err) < 0)
		return -1;
	ch->env = strv_dup(ch->p->env);
	user_home_env(&ch->env, ch->p->user.uid);
	if (child_cwd(ch, err) < 0)
		return -1;
	if (ch->p->noNewPrivileges && procattr_set_no_new_privs(err) < 0)
		return -1;
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so it goes
	 * in before the capabilities are dropped (runc does the same). */
	if (early_seccomp && child_seccomp(ch, err) < 0)
		return -1;
	if (child_identity(ch, err) < 0)
		return -1;
	return child_resolve_exe(ch, err);
}

/* Block until `start` writes a byte into exec.fifo. The runtime opened our
 * read end before the clone: no path lookup, so neither the state dir's
 * permissions (user namespaces) nor /proc (non-dumpable after setuid) get in
 * the way. A fifo without writers polls as idle until one has connected. */
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
		/* keep the fd: it is close-on-exec, and `start` waits for the last
		 * reader to go to know the user process is running */
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
 * and the container's stderr, then go. */
static __attribute__((noreturn)) void child_die(struct child *ch, const char *what, const char *msg)
{
	if (ch->c->mode == SPAWN_INIT && ch->c->start_err_fd >= 0)
		dprintf(ch->c->start_err_fd, "%s: %s", what, msg);
	dprintf(2, "hutch: %s: %s\n", what, msg);
	_exit(errno == ENOENT ? 127 : 126);
}

static __attribute__((noreturn)) void child_exec(struct child *ch)
{
	struct hutch_error *err = NULL;
	int unused_fd = -1;
	bool late_seccomp =
	    ch->c->seccomp && ch->p->noNewPrivileges && !seccomp_filter_uses_notify(ch->c->seccomp);

	if (ch->c->mode == SPAWN_INIT && ch->s->hooks &&
	    hook_run_list(&ch->s->hooks->startContainer, "startContainer", ch->state_json, &err) <
	        0)
		child_die(ch, "run startContainer hooks", err->msg);
	/* as late as possible: only execve runs under the filter */
	if (late_seccomp && seccomp_filter_load(ch->c->seccomp, &unused_fd, &err) < 0)
		child_die(ch, "load seccomp filter", err->msg);
	execve(ch->exe, ch->p->args, ch->env);
	int e = errno;
	_cleanup_free_ char *what = xasprintf("exec %s", ch->exe);
	errno = e;
	child_die(ch, what, strerror(e));
}

void spawn_child_main(const struct spawn_config *c, int sock, bool join_mode)
{
	struct child ch = {.c = c,
	                   .s = c->spec,
	                   .p = c->process,
	                   .sock = sock,
	                   .fifo = c->fifo_fd,
	                   .diag_fd = -1,
	                   .pty_master = -1,
	                   .pty_slave = -1};
	struct hutch_error *err = NULL;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	child_close_inherited(c, sock);
	ch.mount_fds = xmalloc((c->spec->n_mounts + 1) * sizeof(int));
	for (size_t i = 0; i <= c->spec->n_mounts; i++)
		ch.mount_fds[i] = -1;
	if (child_expect(&ch, SYNC_GO, &err) < 0)
		_exit(1);
	if (caps_parse(ch.p->capabilities, &ch.caps, &err) < 0 ||
	    child_namespaces(&ch, join_mode, &err) < 0)
		child_fail(&ch, err);
	if (c->mode == SPAWN_INIT) {
		if (child_keyring(&ch, &err) < 0 || child_rootfs(&ch, &err) < 0)
			child_fail(&ch, err);
	}
	if (child_setup_process(&ch, &err) < 0)
		child_fail(&ch, err);
	/* create exits once we are READY; its death must not kill us */
	prctl(PR_SET_PDEATHSIG, 0);
	/* nor may we keep its stderr open: callers read create's output to EOF */
	if (ch.diag_fd >= 0) {
		log_set_stderr_fd(STDERR_FILENO);
		close(ch.diag_fd);
		ch.diag_fd = -1;
	}
	rootfs_free(steal_ptr(&ch.rootfs));
	if (sync_send(sock, SYNC_READY, NULL, 0, -1, &err) < 0)
		_exit(1);
	if (c->mode == SPAWN_INIT)
		child_wait_start(&ch);
	child_exec(&ch);
}
