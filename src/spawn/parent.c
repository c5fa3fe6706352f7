/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime side of spawning: clone3 the child (into its cgroup where the
 * kernel allows), write its id maps, answer its requests, wait for READY. */
#include "spawn/spawn_internal.h"
#include "spawn/exe.h"
#include "linux/cgroup/cgroup.h"
#include "linux/idmap.h"
#include "linux/netdev.h"
#include "linux/ns.h"
#include "linux/cpu_affinity.h"
#include "linux/setup/rootfs/rootfs.h"
#include "linux/seccomp.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/signame.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct spawn_run {
	const struct spawn_config *c;
	int sock;
	int helper_fd; /* the sealed helper the child execs last (exe.h) */
	struct sync_walk walk;
	pid_t child;                /* our direct child */
	pid_t init;                 /* the container process (== child unless it forked) */
	bool cloned_into;           /* the child was born in the v2 cgroup (CLONE_INTO_CGROUP) */
	int pty;                    /* pty master received from the child */
	bool user_new;              /* the child's user ns needs maps from us */
	char *state;                /* INIT: the state JSON from the hooks step, for the listener */
	bool hooks_done;            /* the child stopped at HOOKS */
	struct rootfs_guard *guard; /* INIT without a mount namespace: our mounts before */
};

static pid_t do_clone3(unsigned long long flags, int cgroup_fd)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.exit_signal = SIGCHLD;
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (unsigned long long)cgroup_fd;
	}
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Born in the container's v2 cgroup, an exec'd process would get the
 * cgroup's cpuset before execCPUAffinity.initial could apply (config.md:
 * "before the process joins the container's cgroup"). */
static bool clone_into_cgroup(const struct spawn_config *c)
{
	const struct spec_exec_cpu_affinity *a = c->process->execCPUAffinity;

	return c->cgroup && (c->mode == SPAWN_INIT || !a || !a->initial || !*a->initial);
}

/* clone3 with the namespace flags, into the v2 cgroup where there is one
 * (nothing to write afterwards there); falls back to plain placement when
 * the kernel refuses CLONE_INTO_CGROUP (e.g. a v2 dir with domain
 * controllers in threaded mode), since cgroup_enter() covers that case. */
static pid_t spawn_clone(struct spawn_run *r, unsigned long long flags, int sock,
                         enum sync_mode mode, struct hutch_error **err)
{
	const struct spawn_config *c = r->c;
	_cleanup_close_ int cgfd = clone_into_cgroup(c) ? cgroup_clone_fd(c->cgroup) : -1;
	pid_t pid = do_clone3(flags, cgfd);

	r->cloned_into = pid >= 0 && cgfd >= 0;
	if (pid < 0 && cgfd >= 0 && errno != ENOMEM)
		pid = do_clone3(flags, -1);
	if (pid < 0 && errno == ENOSYS) {
		/* pre-5.3 kernels: clone(2) semantics through fork+unshare are not
		 * equivalent for pid namespaces; require clone3 */
		return herr_errno(err, ENOSYS, "clone3 is required (Linux >= 5.3)");
	}
	if (pid < 0)
		return herr_errno(err, errno, "clone3");
	if (pid == 0) {
		close(r->sock);
		spawn_child_main(c, sock, mode, r->helper_fd);
	}
	return pid;
}

bool spawn_self_placed(const struct spawn_config *c, bool born_in_userns)
{
	return c->cgroup && cgroup_get_manager(c->cgroup) == CGROUP_MANAGER_FS && !born_in_userns &&
	       !c->cgroup_optional && !(c->sub_cgroups && *c->sub_cgroups);
}

bool spawn_hooks_step(const struct spawn_config *c)
{
	const struct spec_linux *l = c->spec->linux_;

	return c->mode == SPAWN_INIT && (c->hooks || (l && l->n_netDevices));
}

/* The parent's share of the placement: every hierarchy, or what the child
 * does not do itself (spawn_self_placed) and clone3 did not (cloned_into). */
static int place(struct spawn_run *r, struct hutch_error **err)
{
	const struct cgroup *cg = r->c->cgroup;
	int rc;

	if (spawn_self_placed(r->c, r->user_new))
		rc = r->cloned_into ? 0 : cgroup_enter_v2(cg, r->child, err);
	else
		rc = r->cloned_into ? cgroup_enter_cloned(cg, r->child, err)
		                    : cgroup_enter(cg, r->child, err);
	return rc < 0 ? herr_prefix(err, "enter cgroup") : 0;
}

static bool any_ns_path(const struct spec *s)
{
	for (size_t i = 0; s->linux_ && i < s->linux_->n_namespaces; i++)
		if (s->linux_->namespaces[i].path)
			return true;
	return false;
}

static int handle_pty(struct spawn_run *r, int fd, struct hutch_error **err)
{
	if (r->c->console_socket) {
		int rc = terminal_send_master(r->c->console_socket, fd, err);
		close(fd);
		return rc < 0 ? herr_prefix(err, "send pty master to %s", r->c->console_socket) : 0;
	}
	if (r->pty >= 0)
		close(r->pty);
	r->pty = fd;
	return 0;
}

/* linux.netDevices, once the init is in its network namespace (the child may
 * have unshared or joined it after SYNC_GO) and before the prestart hooks,
 * which may expect the devices there. */
static int move_net_devices(struct spawn_run *r, struct hutch_error **err)
{
	const struct spec_linux *l = r->c->spec->linux_;
	_cleanup_close_ int netns = -1;
	char path[64];

	if (r->c->mode != SPAWN_INIT || !l || !l->n_netDevices)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)r->init);
	netns = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (netns < 0)
		return herr_errno(err, errno, "open %s", path);
	if (netdev_move_all(l->netDevices, l->n_netDevices, netns, err) < 0)
		return herr_prefix(err, "config.json: .linux.netDevices");
	return 0;
}

/* HOOKS_DONE with the state; one larger than a message (annotations) goes
 * in a memfd sealed against changes. */
static int send_state(struct spawn_run *r, const char *state, struct hutch_error **err)
{
	size_t len = strlen(state);
	_cleanup_close_ int fd = -1;

	if (len <= SYNC_MAX_PAYLOAD)
		return sync_walk_send(&r->walk, r->sock, SYNC_HOOKS_DONE, state, len, -1, err);
	fd = memfd_create("hutch-state", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || fs_write_all(fd, state, len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return herr_errno(err, errno, "pass the state to the container");
	return sync_walk_send(&r->walk, r->sock, SYNC_HOOKS_DONE, NULL, 0, fd, err);
}

static int handle_hooks(struct spawn_run *r, struct hutch_error **err)
{
	char *state = NULL;

	if (move_net_devices(r, err) < 0)
		return -1;
	if (r->c->hooks && r->c->hooks(r->c->hooks_ctx, r->init, &state, err) < 0)
		return -1;
	free(r->state);
	r->state = state ? state : xstrdup("{}");
	r->hooks_done = true;
	return send_state(r, r->state, err);
}

static int handle_seccomp(struct spawn_run *r, int fd, struct hutch_error **err)
{
	const struct spec_seccomp *sc = r->c->spec->linux_ ? r->c->spec->linux_->seccomp : NULL;
	const char *state = r->c->state_json ? r->c->state_json : r->state;
	int rc = 0;

	if (sc && sc->listenerPath)
		rc = seccomp_send_listener(sc, fd, state ? state : "{}", r->init, err);
	close(fd);
	if (rc < 0)
		return -1;
	return sync_walk_send(&r->walk, r->sock, SYNC_SECCOMP_DONE, NULL, 0, -1, err);
}

/* Write the child's id maps, then hand it the bind mount trees only we (in
 * the initial user namespace) can build for it: idmapped ones, and sources
 * its mapped ids may not reach. */
static int write_maps(struct spawn_run *r, struct hutch_error **err)
{
	char path[64];
	_cleanup_close_ int userns = -1;
	_cleanup_free_ int *fds = NULL;
	int rc = 0;

	if (idmap_write(r->child, r->c->spec->linux_, err) < 0)
		return -1;
	if (r->c->mode != SPAWN_INIT || r->c->spec->n_mounts == 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)r->child);
	userns = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return herr_errno(err, errno, "open %s", path);
	if (rootfs_bind_trees(r->c->spec, r->c->bundle, userns, &fds, err) < 0)
		return -1;
	for (size_t i = 0; i < r->c->spec->n_mounts; i++) {
		int32_t idx = (int32_t)i;
		if (fds[i] < 0)
			continue;
		if (rc == 0)
			rc = sync_walk_send(&r->walk, r->sock, SYNC_MOUNT_FD, &idx, sizeof(idx),
			                    fds[i], err);
		close(fds[i]);
	}
	return rc;
}

static int handle_pid(struct spawn_run *r, const struct sync_msg *m, struct hutch_error **err)
{
	int32_t p;

	if (m->len != sizeof(p))
		return herr_msg(err, "sync: malformed PID message");
	memcpy(&p, m->payload, sizeof(p));
	r->init = p;
	return 0;
}

/* Answer the child's requests until READY; the walk refuses any message out
 * of its mode's order (sync.h). */
static int spawn_converse(struct spawn_run *r, struct hutch_error **err)
{
	for (;;) {
		struct sync_msg m = {.fd = -1};
		int rc = 0;

		if (sync_walk_recv(&r->walk, r->sock, &m, err) < 0)
			return -1;
		/* HOOKS is optional in the walk: due here, it comes before these */
		if ((m.type == SYNC_PTY || m.type == SYNC_SECCOMP || m.type == SYNC_READY) &&
		    spawn_hooks_step(r->c) && !r->hooks_done) {
			sync_msg_clear(&m);
			return herr_msg(err, "sync: %s from the child before HOOKS",
			                sync_type_name(m.type));
		}
		switch (m.type) {
		case SYNC_READY:
			sync_msg_clear(&m);
			return 0;
		case SYNC_MAPS:
			rc = write_maps(r, err);
			if (rc == 0)
				rc = sync_walk_send(&r->walk, r->sock, SYNC_MAPS_DONE, NULL, 0, -1,
				                    err);
			break;
		case SYNC_PID:
			rc = handle_pid(r, &m, err);
			break;
		case SYNC_HOOKS:
			rc = handle_hooks(r, err);
			break;
		case SYNC_PTY:
			rc = handle_pty(r, m.fd, err);
			m.fd = -1;
			break;
		case SYNC_SECCOMP:
			rc = handle_seccomp(r, m.fd, err);
			m.fd = -1;
			break;
		default: /* the walk lets only the steps above through */
			rc = herr_msg(err, "sync: unexpected %s from the child",
			              sync_type_name(m.type));
		}
		sync_msg_clear(&m);
		if (rc < 0)
			return -1;
	}
}

/* The child hung up without an ERROR: if it was killed (a seccomp profile
 * that kills a system call the runtime needs before the user's program, such
 * as execveat, sends SIGSYS), say so. Only for a direct child, which we can
 * wait for; it is dying or dead once its socket end is closed. */
static void spawn_explain_death(struct spawn_run *r, struct hutch_error **err)
{
	int st;

	if (!*err || (*err)->errnum != EPIPE || r->child <= 0 || r->init != r->child)
		return;
	if (waitpid(r->child, &st, 0) != r->child)
		return;
	r->child = r->init = -1; /* reaped: nothing left to kill */
	if (WIFSIGNALED(st))
		herr_msg(
		    err, "the container process was killed by signal %d (SIG%s) during set-up%s",
		    WTERMSIG(st), signame_abbrev(WTERMSIG(st)) ? signame_abbrev(WTERMSIG(st)) : "?",
		    WTERMSIG(st) == SIGSYS ? ": the seccomp profile kills a system call the "
		                             "runtime needs before the process starts (such "
		                             "as execveat)"
		                           : "");
}

static void spawn_abort(struct spawn_run *r)
{
	if (r->init > 0 && r->init != r->child)
		kill(r->init, SIGKILL);
	if (r->child > 0) {
		kill(r->child, SIGKILL);
		while (waitpid(r->child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (r->init > 0 && r->init != r->child)
		waitpid(r->init, NULL, WNOHANG); /* reaped here only if we are its subreaper */
	if (r->pty >= 0)
		close(r->pty);
	/* without a mount namespace the init mounted in ours */
	rootfs_guard_rollback(r->guard);
}

/* config.md: execCPUAffinity.initial is where the process runs before it
 * moves to the container's cgroup (which may give it the cgroup's cpuset),
 * `final` where it runs after (the child applies it). Only for exec: the
 * field does not apply to the init. The child waits for GO, so it has not
 * moved anywhere yet. */
static int exec_initial_affinity(struct spawn_run *r, struct hutch_error **err)
{
	const struct spec_exec_cpu_affinity *a = r->c->process->execCPUAffinity;

	if (r->c->mode != SPAWN_EXEC || !a || !a->initial || !*a->initial)
		return 0;
	return cpu_affinity_apply(r->child, a->initial,
	                          "config.json: .process.execCPUAffinity.initial", err);
}

/* Moving a process into a cgroup needs write access to cgroup.procs of the
 * common ancestor of where it is and where it goes (cgroups(7), cgroup v2
 * delegation containment): a rootless exec from outside the user's
 * delegated subtree may not, and then runs outside, as with runc. */
static int enter_refused(const struct spawn_config *c, struct hutch_error **err)
{
	if (!c->cgroup_optional || !herr_is_refusal(*err))
		return -1;
	_cleanup_free_ char *what = herr_without_cause(*err);
	log_warn("rootless: the process runs outside the container's cgroup (%s was refused)",
	         what);
	herr_freep(err);
	return 0;
}

/* exec into a container with a pid namespace of its own: enter it for our
 * children only (setns of a pid namespace changes where our children are
 * born, not where we are), so that the child is born in it and has no
 * intermediate to fork (child_join_exec finds the pid namespace shared).
 * Not when the container has a user or time namespace of its own, whose
 * order of entry the child keeps, nor when the kernel refuses us either way
 * (no CAP_SYS_ADMIN over its namespace or ours): the child forks into it
 * then. Returns an fd of our own pid namespace to come back to, or -1 if
 * none was entered. */
static int exec_pidns_enter(const struct spawn_config *c)
{
	int fds[SPEC_NS__COUNT];
	struct hutch_error *e = NULL;
	int own = -1;

	if (c->mode != SPAWN_EXEC)
		return -1;
	if (ns_open_all(c->target_pid, fds, &e) < 0) {
		herr_freep(&e); /* the child finds the same and says so */
		return -1;
	}
	if (fds[SPEC_NS_PID] >= 0 && fds[SPEC_NS_USER] < 0 && fds[SPEC_NS_TIME] < 0) {
		own = openat(AT_FDCWD, "/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		/* coming back needs CAP_SYS_ADMIN over our own pid namespace,
		 * which a runtime in a user namespace (rootless podman) lacks
		 * although it may enter the container's: try the way back first
		 * (a no-op now) */
		if (own >= 0 &&
		    (setns(own, CLONE_NEWPID) < 0 || setns(fds[SPEC_NS_PID], CLONE_NEWPID) < 0)) {
			close(own);
			own = -1;
		}
	}
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		if (fds[t] >= 0)
			close(fds[t]);
	return own;
}

/* Our children are born in our own pid namespace again. */
static int exec_pidns_leave(int own, struct hutch_error **err)
{
	int rc = 0;

	if (setns(own, CLONE_NEWPID) < 0)
		rc = herr_errno(err, errno, "return to the runtime's pid namespace");
	close(own);
	return rc;
}

static int spawn_start(struct spawn_run *r, int child_sock, struct hutch_error **err)
{
	const struct spawn_config *c = r->c;
	enum sync_mode mode = c->mode == SPAWN_EXEC  ? SYNC_MODE_EXEC
	                      : any_ns_path(c->spec) ? SYNC_MODE_JOIN
	                                             : SYNC_MODE_CREATE;
	unsigned long long flags = 0;

	sync_walk_init(&r->walk, mode, SYNC_PARENT);
	if (mode == SYNC_MODE_CREATE) {
		/* time is unshared by the child: offsets must be written before
		 * any process enters the namespace (time_namespaces(7)); cgroup
		 * too, once the child is in its cgroups (its root is set then) */
		flags = (unsigned long long)ns_new_flags(c->spec) &
		        ~(unsigned long long)(CLONE_NEWTIME | CLONE_NEWCGROUP);
		r->user_new = flags & CLONE_NEWUSER;
	}
	int own_pidns = exec_pidns_enter(c);
	r->child = spawn_clone(r, flags, child_sock, mode, err);
	close(child_sock);
	if (own_pidns >= 0) {
		_cleanup_error_ struct hutch_error *e = NULL;
		if (exec_pidns_leave(own_pidns, r->child < 0 ? &e : err) < 0 && r->child >= 0)
			return -1;
	}
	if (r->child < 0)
		return -1;
	r->init = r->child;
	if (exec_initial_affinity(r, err) < 0)
		return -1;
	if (r->user_new && write_maps(r, err) < 0)
		return -1;
	if (c->cgroup && place(r, err) < 0 && enter_refused(c, err) < 0)
		return -1;
	for (char *const *sub = c->sub_cgroups; c->cgroup && sub && *sub; sub++)
		if (cgroup_enter_sub(c->cgroup, *sub, r->child, err) < 0)
			return -1;
	return sync_walk_send(&r->walk, r->sock, SYNC_GO, NULL, 0, -1, err);
}

int spawn_process(const struct spawn_config *c, struct spawn_result *ret, struct hutch_error **err)
{
	struct spawn_run r = {.c = c, .sock = -1, .pty = -1};
	_cleanup_close_ int helper_fd = exe_helper_open(err);
	int pair[2];

	/* taken before the clone: the child writes under /proc through this
	 * handle, never through the container's /proc (util/procfs.h) */
	if (helper_fd < 0 || procfs_root(err) < 0)
		return -1;
	if (sync_pair(pair, err) < 0)
		return -1;
	r.sock = pair[0];
	r.helper_fd = helper_fd;
	if (c->mode == SPAWN_INIT && !spec_find_namespace(c->spec, SPEC_NS_MOUNT))
		r.guard = rootfs_guard_new(c->rootfs);
	if (spawn_start(&r, pair[1], err) < 0 || spawn_converse(&r, err) < 0) {
		spawn_explain_death(&r, err);
		spawn_abort(&r);
		close(r.sock);
		free(r.state);
		rootfs_guard_free(r.guard);
		return -1;
	}
	close(r.sock);
	free(r.state);
	rootfs_guard_free(r.guard);
	/* an intermediate that forked the init into a pid ns exits now */
	if (r.init != r.child)
		while (waitpid(r.child, NULL, 0) < 0 && errno == EINTR)
			;
	ret->pid = r.init;
	ret->pty_master = r.pty;
	return 0;
}
