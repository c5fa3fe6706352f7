/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec: a new process inside a running container - every namespace of the
 * init, its cgroup, and the container's seccomp profile, caps and rlimits. */
#include "core/exec.h"
#include "core/foreground.h"
#include "linux/seccomp.h"
#include "spawn/spawn.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void caps_add(char ***set, const char *cap)
{
	if (!strv_contains(*set, cap))
		strv_push(set, cap);
}

/* A copy of the container's process (what exec inherits without --process)
 * with `args` as the command. */
static struct spec_process *process_from_container(const struct spec_process *c, char *const *args)
{
	struct spec_process *p = xcalloc(1, sizeof(*p));

	p->args = strv_dup(args);
	p->env = strv_dup(c ? c->env : NULL);
	p->cwd = xstrdup(c && c->cwd ? c->cwd : "/");
	if (!c)
		return p;
	p->user.uid = c->user.uid;
	p->user.gid = c->user.gid;
	p->user.umask = c->user.umask;
	p->noNewPrivileges = c->noNewPrivileges;
	if (c->capabilities) {
		p->capabilities = xcalloc(1, sizeof(*p->capabilities));
		p->capabilities->effective = strv_dup(c->capabilities->effective);
		p->capabilities->bounding = strv_dup(c->capabilities->bounding);
		p->capabilities->inheritable = strv_dup(c->capabilities->inheritable);
		p->capabilities->permitted = strv_dup(c->capabilities->permitted);
		p->capabilities->ambient = strv_dup(c->capabilities->ambient);
	}
	if (c->apparmorProfile)
		p->apparmorProfile = xstrdup(c->apparmorProfile);
	if (c->selinuxLabel)
		p->selinuxLabel = xstrdup(c->selinuxLabel);
	p->n_rlimits = c->n_rlimits;
	p->rlimits = xcalloc(p->n_rlimits + 1, sizeof(*p->rlimits));
	for (size_t i = 0; i < p->n_rlimits; i++)
		p->rlimits[i] = c->rlimits[i];
	return p;
}

/* Start from --process FILE, or the container's process with args replaced;
 * then the command-line overrides. */
static struct spec_process *exec_build_process(const struct exec_opts *o, const struct spec *s,
                                               struct hutch_error **err)
{
	struct spec_process *p = NULL;

	if (o->process_file) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		if (fs_read_file_at(AT_FDCWD, o->process_file, &text, &len, err) < 0)
			return NULL;
		p = spec_parse_process("process.json", text, len, err);
		if (!p)
			return NULL;
	} else {
		if (!o->args || !o->args[0]) {
			herr_msg(err, "exec: a command or --process is required");
			return NULL;
		}
		p = process_from_container(s->process, o->args);
	}
	if (o->tty)
		p->terminal = true;
	if (o->cwd) {
		free(p->cwd);
		p->cwd = xstrdup(o->cwd);
	}
	strv_foreach (e, o->env)
		strv_push(&p->env, *e);
	if (o->user_set) {
		p->user.uid = o->uid;
		p->user.gid = o->gid;
	}
	if (o->n_additional_gids) {
		free(p->user.additionalGids);
		p->user.additionalGids = xcalloc(o->n_additional_gids, sizeof(uint32_t));
		memcpy(p->user.additionalGids, o->additional_gids,
		       o->n_additional_gids * sizeof(uint32_t));
		p->user.n_additionalGids = o->n_additional_gids;
	}
	if (o->caps && !p->capabilities)
		p->capabilities = xcalloc(1, sizeof(*p->capabilities));
	/* --cap never adds to the inheritable set (CVE-2022-29162: inheritable
	 * capabilities let a later execve of a file with inheritable file
	 * capabilities regain them); the ambient set can only be raised from an
	 * inheritable one, so it grows only where the process has one, as runc. */
	strv_foreach (c, o->caps) {
		caps_add(&p->capabilities->effective, *c);
		caps_add(&p->capabilities->bounding, *c);
		caps_add(&p->capabilities->permitted, *c);
		if (p->capabilities->inheritable && *p->capabilities->inheritable)
			caps_add(&p->capabilities->ambient, *c);
	}
	if (o->no_new_privs)
		p->noNewPrivileges = true;
	if (o->apparmor) {
		free(p->apparmorProfile);
		p->apparmorProfile = xstrdup(o->apparmor);
	}
	if (o->process_label) {
		free(p->selinuxLabel);
		p->selinuxLabel = xstrdup(o->process_label);
	}
	if (spec_validate_process(p, o->process_file ? "process.json" : "exec", err) < 0) {
		spec_process_free(p);
		return NULL;
	}
	return p;
}

static int exec_check_status(const struct exec_opts *o, enum container_status status,
                             struct hutch_error **err)
{
	if (status == STATUS_STOPPED)
		return herr_msg(err, "cannot exec in a stopped container");
	if (status == STATUS_PAUSED && !o->ignore_paused)
		return herr_msg(err, "cannot exec in a paused container "
		                     "(use --ignore-paused to override)");
	if (status == STATUS_CREATING)
		return herr_msg(err, "cannot exec in a container that is being created");
	if (3 + o->preserve_fds > o->first_free_fd)
		return herr_msg(err,
		                "--preserve-fds %d: fd %d (preserved fd %d of %d) was not open "
		                "when hutch started",
		                o->preserve_fds, o->first_free_fd, o->first_free_fd - 3,
		                o->preserve_fds);
	return 0;
}

/* The process runs by now: a pid file we cannot write fails the exec, and
 * the process must not outlive that failure. */
static int write_pid_file(const char *path, pid_t pid, struct hutch_error **err)
{
	_cleanup_free_ char *text = xasprintf("%d", (int)pid);

	if (fs_write_file_atomic(path, text, strlen(text), 0644, err) == 0)
		return 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, WNOHANG);
	return herr_prefix(err, "write pid file");
}

static int exec_spawn(const struct exec_opts *o, const struct container *c, const struct spec *s,
                      const struct spec_process *p, struct exec_result *ret,
                      struct hutch_error **err)
{
	_cleanup_free_ char *state_json = state_oci_json(c->st, c->status, false);
	struct seccomp_filter *sf = NULL;
	struct spawn_result res = {.pty_master = -1};
	int r = -1;

	if (s->linux_ && s->linux_->seccomp) {
		_cleanup_free_ char *cache = xasprintf("%s/.seccomp-cache", o->root);
		if (seccomp_compile_cached(s->linux_->seccomp, cache, &sf, err) < 0)
			return -1;
	}
	struct spawn_config sc = {
	    .mode = SPAWN_EXEC,
	    .fifo_fd = -1,
	    .start_err_fd = -1,
	    .spec = s,
	    .process = p,
	    .bundle = c->st->bundle,
	    .rootfs = c->st->rootfs,
	    .preserve_fds = o->preserve_fds,
	    .console_socket = o->console_socket,
	    .keep_pty = !o->console_socket && !o->detach,
	    .seccomp = sf,
	    .cgroup = c->cg,
	    .cgroup_optional = o->rootless,
	    .sub_cgroups = o->sub_cgroups,
	    .target_pid = c->st->pid,
	    .state_json = state_json,
	};
	if (spawn_process(&sc, &res, err) == 0 &&
	    (!o->pid_file || write_pid_file(o->pid_file, res.pid, err) == 0)) {
		ret->pid = res.pid;
		ret->pty_master = steal_fd(&res.pty_master);
		r = 0;
	}
	if (res.pty_master >= 0)
		close(res.pty_master);
	seccomp_filter_free(sf);
	return r;
}

/* The container is only read: exec never takes its lock, so that a process
 * joining a paused container (--ignore-paused) waits for resume without
 * holding up resume itself (state.h). */
int container_exec(const struct exec_opts *o, struct exec_result *ret, struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};
	_cleanup_spec_ struct spec *s = NULL;
	_cleanup_free_ char *cfg = NULL;
	struct spec_process *p = NULL;
	int r = -1;

	if (container_open(o->root, o->id, CONTAINER_PEEK, &c, err) < 0)
		return -1;
	if (exec_check_status(o, c.status, err) < 0)
		goto out;
	if (o->sub_cgroups && !container_has_cgroup(&c)) {
		herr_msg(err, "exec --cgroup: the container has no cgroup");
		goto out;
	}
	cfg = xasprintf("/proc/self/fd/%d/%s", c.dir.dirfd, STATE_CONFIG);
	s = spec_load(cfg, err);
	if (!s || !(p = exec_build_process(o, s, err)))
		goto out;
	if (p->terminal && !o->console_socket && o->detach) {
		herr_msg(err,
		         "cannot allocate tty if hutch will detach without setting console socket");
		goto out;
	}
	state_dir_close(&c.dir);
	r = exec_spawn(o, &c, s, p, ret, err);
out:
	spec_process_free(p);
	container_close(&c);
	return r;
}

int container_exec_run(const struct exec_opts *o, struct hutch_error **err)
{
	struct exec_result res = {.pty_master = -1};

	/* the process is our child, or (when it had to fork into the
	 * container's pid namespace) a child of the exec intermediate: as a
	 * subreaper we get it to wait for either way */
	if (!o->detach)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (container_exec(o, &res, err) < 0)
		return -1;
	return o->detach ? 0 : foreground_wait(res.pid, res.pty_master, err);
}
