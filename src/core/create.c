/* SPDX-License-Identifier: GPL-2.0-or-later */
/* create: load and check the bundle, set up the state dir and cgroup,
 * spawn the init, run the create-time runtime hooks, record the state.
 * Any failure rolls everything back. */
#include "core/container.h"
#include "core/notify.h"
#include "core/resources.h"
#include "linux/hook.h"
#include "linux/lsm.h"
#include "linux/seccomp.h"
#include "spawn/spawn.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/str.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct create_ctx {
	const struct create_opts *o;
	struct spec *spec;
	int config_fd;         /* the bundle's config.json, copied into the state dir */
	struct stat config_st; /* as it was when parsed */
	char *bundle;
	char *rootfs;
	char *state_dir;
	struct state_dir dir;
	int kept_fds;     /* LISTEN_FDS + --preserve-fds: fds 3..3+kept_fds-1 */
	int fifo_fd;      /* read end of exec.fifo, handed to the init */
	int start_err_fd; /* start.err, where the init reports failures after start */
	struct container_state st;
	struct cgroup *cg;
	uint64_t ooms; /* OOM kills in the cgroup before the init was placed there */
	struct seccomp_filter *seccomp;
};

/* config.json is parsed as it is read (never held whole: a config of
 * 100 MB costs its parsed size, not twice that); the same open file is
 * copied into the state directory afterwards. */
static int load_config(struct create_ctx *x, struct hutch_error **err)
{
	_cleanup_free_ char *cfg = xasprintf("%s/config.json", x->bundle);

	x->config_fd = openat(AT_FDCWD, cfg, O_RDONLY | O_CLOEXEC);
	if (x->config_fd < 0 || fstat(x->config_fd, &x->config_st) < 0)
		return herr_errno(err, errno, "open %s", cfg);
	if (!S_ISREG(x->config_st.st_mode))
		return herr_msg(err, "%s: not a regular file", cfg);
	x->spec = spec_load_fd(x->config_fd, err);
	if (!x->spec || spec_validate(x->spec, err) < 0)
		return -1;
	return 0;
}

static int load_bundle(struct create_ctx *x, struct hutch_error **err)
{
	char buf[PATH_MAX];
	struct stat sb;

	if (!realpath(x->o->bundle ? x->o->bundle : ".", buf))
		return herr_errno(err, errno, "bundle %s", x->o->bundle ? x->o->bundle : ".");
	x->bundle = xstrdup(buf);
	if (load_config(x, err) < 0)
		return -1;
	if (!x->spec->process)
		return herr_msg(err, "config.json: .process: required to create a container");
	if (!x->spec->root || !x->spec->root->path)
		return herr_msg(err, "config.json: .root.path: required field is missing");
	_cleanup_free_ char *rp = x->spec->root->path[0] == '/'
	                              ? xstrdup(x->spec->root->path)
	                              : xasprintf("%s/%s", x->bundle, x->spec->root->path);
	if (!realpath(rp, buf))
		return herr_errno(err, errno, "rootfs %s", rp);
	if (stat(buf, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return herr_errno(err, ENOTDIR, "config.json: .root.path: rootfs %s", rp);
	x->rootfs = xstrdup(buf);
	if (x->spec->process->terminal && !x->o->console_socket && !x->o->keep_pty)
		return herr_msg(err, "cannot allocate tty if hutch will detach without setting "
		                     "console socket");
	if (!x->spec->process->terminal && x->o->console_socket)
		return herr_msg(err, "cannot use console socket if hutch will not detach or "
		                     "allocate tty");
	return 0;
}

/* A new user namespace without mappings maps the caller to root, uid and
 * gid each, as crun does: that is all an unprivileged caller may map by
 * itself, and gives the container a root. */
static void default_id_mappings(struct spec *s)
{
	const struct spec_namespace *user = spec_find_namespace(s, SPEC_NS_USER);
	struct spec_linux *l = s->linux_;

	if (!user || user->path || !l)
		return;
	if (l->n_uidMappings == 0) {
		l->uidMappings = xcalloc(1, sizeof(*l->uidMappings));
		l->uidMappings[0] = (struct spec_id_mapping){0, (uint32_t)geteuid(), 1};
		l->n_uidMappings = 1;
	}
	if (l->n_gidMappings == 0) {
		l->gidMappings = xcalloc(1, sizeof(*l->gidMappings));
		l->gidMappings[0] = (struct spec_id_mapping){0, (uint32_t)getegid(), 1};
		l->n_gidMappings = 1;
	}
}

/* Fields this build parses but cannot act on fail loudly rather than being
 * silently ignored (features says enabled: false for both). */
static int check_unsupported(const struct spec *s, struct hutch_error **err)
{
	const struct spec_linux *l = s->linux_;

	if (l && l->mountLabel && *l->mountLabel)
		return herr_msg(err, "config.json: .linux.mountLabel: %s",
		                lsm_selinux_enabled()
		                    ? "SELinux mount labels are not supported by this build"
		                    : "SELinux is not enabled on this host");
	if (l && l->intelRdt)
		return herr_msg(err, "config.json: .linux.intelRdt: Intel RDT (resctrl) is not "
		                     "supported by this build");
	return 0;
}

/* systemd socket activation: LISTEN_FDS fds from 3 on, for this very
 * process (LISTEN_PID), as sd_listen_fds(3) and runc take them. */
static int listen_fds(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	long long n, p;

	if (!fds || !pid || str_to_i64(fds, &n) < 0 || str_to_i64(pid, &p) < 0 || p != getpid() ||
	    n <= 0 || n > 65536)
		return 0;
	return (int)n;
}

/* The fds the init keeps: the LISTEN_FDS ones, then --preserve-fds more.
 * Each must be one the caller handed us - open when hutch started, below
 * the first fd hutch could open itself - or the container would get one of
 * hutch's own (a state directory, a lock, the log). The container learns of
 * the activation fds as runc tells it: LISTEN_FDS=n and LISTEN_PID=1. */
static int prepare_fds(struct create_ctx *x, struct hutch_error **err)
{
	int listen = listen_fds(), total = listen + x->o->preserve_fds;

	if (3 + total > x->o->first_free_fd) {
		int missing = x->o->first_free_fd;
		if (missing < 3 + listen)
			return herr_msg(err, "LISTEN_FDS=%d: fd %d was not open when hutch started",
			                listen, missing);
		return herr_msg(err,
		                "--preserve-fds %d: fd %d (preserved fd %d of %d) was not open "
		                "when hutch started",
		                x->o->preserve_fds, missing, missing - 3 - listen,
		                x->o->preserve_fds);
	}
	x->kept_fds = total;
	if (listen > 0) {
		_cleanup_free_ char *n = xasprintf("LISTEN_FDS=%d", listen);
		strv_set_env(&x->spec->process->env, n);
		strv_set_env(&x->spec->process->env, "LISTEN_PID=1");
	}
	return 0;
}

static int prepare_seccomp(struct create_ctx *x, struct hutch_error **err)
{
	_cleanup_free_ char *cache = NULL;

	if (!x->spec->linux_ || !x->spec->linux_->seccomp)
		return 0;
	cache = xasprintf("%s/.seccomp-cache", x->o->root);
	return seccomp_compile_cached(x->spec->linux_->seccomp, cache, &x->seccomp, err);
}

/* linux.resources with the default device rules, as update builds them
 * too (core/resources.h). */
static int apply_cgroup(struct create_ctx *x, struct hutch_error **err)
{
	const struct spec_linux *l = x->spec->linux_;
	struct resources r;
	int rc;

	resources_build(l ? l->resources : NULL, NULL, &r);
	rc = cgroup_apply(x->cg, &r.r, err);
	resources_clear(&r);
	return rc;
}

/* With realtime group scheduling, an RT policy needs a budget in the
 * container's cgroup, or the init fails late with EPERM from
 * sched_setscheduler(2). */
static int check_rt_budget(const struct create_ctx *x, struct hutch_error **err)
{
	const struct spec_scheduler *s = x->spec->process->scheduler;

	if (!s || (s->policy != SCHED_FIFO && s->policy != SCHED_RR))
		return 0;
	if (!cgroup_rt_budgetless(x->cg))
		return 0;
	return herr_msg(err,
	                "config.json: .process.scheduler.policy: %s needs a realtime budget in the "
	                "container's cgroup, which has none on this host (cgroup v1 "
	                "cpu.rt_runtime_us is 0): set .linux.resources.cpu.realtimeRuntime",
	                s->policy == SCHED_FIFO ? "SCHED_FIFO" : "SCHED_RR");
}

/* Rootless, a cgroup the caller may not make (the host did not delegate
 * one to the user) is no error as long as nothing needs it (runc's rule,
 * for an unset cgroupsPath there): the container runs without one, and the
 * log says so. Resources that need it fail, named. */
static int rootless_without_cgroup(struct create_ctx *x, struct hutch_error **err)
{
	const struct spec_linux *l = x->spec->linux_;
	_cleanup_free_ char *names = cgroup_resources_needing_cgroup(l ? l->resources : NULL);

	if (!x->o->rootless || !herr_is_refusal(*err))
		return -1;
	if (names)
		return herr_prefix(err,
		                   "config.json: %s: cannot be applied rootless without a cgroup "
		                   "(this user has no delegated cgroup there)",
		                   names);
	_cleanup_free_ char *what = herr_without_cause(*err);
	log_warn("rootless: the container runs without a cgroup (%s was refused: no cgroup is "
	         "delegated to this user there); pause, resume, update and resource limits need "
	         "one",
	         what);
	herr_freep(err);
	return 0;
}

/* A systemd scope only exists once the init is in it (cgroup_enter, in
 * spawn): its resources are applied after the spawn. */
static int prepare_cgroup(struct create_ctx *x, struct hutch_error **err)
{
	const struct spec_linux *l = x->spec->linux_;
	struct cgroup_config cc = {.id = x->o->id,
	                           .cgroups_path = l ? l->cgroupsPath : NULL,
	                           .manager = x->o->manager,
	                           .mount_root = "/sys/fs/cgroup",
	                           .rootless = x->o->rootless};

	if (cgroup_create(&cc, &x->cg, err) < 0)
		return rootless_without_cgroup(x, err) < 0 ? -1
		                                           : state_write(x->dir.dirfd, &x->st, err);
	x->st.cgroup = cgroup_serialize(x->cg);
	if (state_write(x->dir.dirfd, &x->st, err) < 0)
		return -1;
	/* a cgroup just made has had no OOM kill */
	if (!cgroup_created(x->cg) && cgroup_oom_count(x->cg, &x->ooms, err) < 0)
		return -1;
	if (cgroup_get_manager(x->cg) == CGROUP_MANAGER_SYSTEMD)
		return 0;
	return apply_cgroup(x, err) < 0 ? -1 : check_rt_budget(x, err);
}

/* The kernel takes any memory limit for an empty cgroup, and the init then
 * dies of it while being set up (its parent only sees the sync socket
 * close). Say so when the cgroup's OOM-kill count went up meanwhile, as
 * runc does when its write of the limit fails. */
static void explain_oom(const struct create_ctx *x, struct hutch_error **err)
{
	const struct spec_resources *r = x->spec->linux_ ? x->spec->linux_->resources : NULL;
	struct hutch_error *e = NULL;
	uint64_t ooms = 0;

	if (!x->cg || cgroup_oom_count(x->cg, &ooms, &e) < 0 || ooms <= x->ooms) {
		herr_freep(&e);
		return;
	}
	if (r && r->memory && r->memory->limit.set)
		herr_prefix(err,
		            "config.json: .linux.resources.memory.limit: unable to set memory "
		            "limit to %lld: the "
		            "container's init was killed by the OOM killer while being set up",
		            (long long)r->memory->limit.value);
	else
		herr_prefix(err,
		            "the container's init was killed by the OOM killer while being set up");
}

/* The copy of config.json that start, delete and the hooks read later: the
 * file that was parsed, which must not have changed meanwhile. */
static int copy_config(struct create_ctx *x, struct hutch_error **err)
{
	struct stat now;

	if (fs_copy_file_atomic_at(x->dir.dirfd, STATE_CONFIG, x->config_fd, 0600, err) < 0)
		return herr_prefix(err, "copy config.json into %s", x->state_dir);
	if (fstat(x->config_fd, &now) < 0)
		return herr_errno(err, errno, "stat config.json");
	if (now.st_size != x->config_st.st_size ||
	    now.st_mtim.tv_sec != x->config_st.st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != x->config_st.st_mtim.tv_nsec)
		return herr_msg(err, "%s/config.json changed while it was read", x->bundle);
	return 0;
}

/* The state directory, locked: a create killed at any later point leaves a
 * container that state and list show ("stopped": a directory without
 * state.json, or with one saying "creating", and no holder of the lock) and
 * that delete --force removes. state.json is written first once the cgroup
 * exists (prepare_cgroup), which is what delete must know of. */
static int prepare_state(struct create_ctx *x, struct hutch_error **err)
{
	if (state_dir_create(x->o->root, x->o->id, &x->dir, err) < 0)
		return -1;
	x->state_dir = xasprintf("%s/%s", x->o->root, x->o->id);
	if (copy_config(x, err) < 0)
		return -1;
	if (mkfifoat(x->dir.dirfd, STATE_FIFO, 0600) < 0)
		return herr_errno(err, errno, "mkfifo %s/%s", x->state_dir, STATE_FIFO);
	x->fifo_fd = openat(x->dir.dirfd, STATE_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (x->fifo_fd < 0)
		return herr_errno(err, errno, "open %s/%s", x->state_dir, STATE_FIFO);
	x->start_err_fd =
	    openat(x->dir.dirfd, STATE_START_ERR, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (x->start_err_fd < 0)
		return herr_errno(err, errno, "create %s/%s", x->state_dir, STATE_START_ERR);
	x->st.id = xstrdup(x->o->id);
	x->st.bundle = xstrdup(x->bundle);
	x->st.rootfs = xstrdup(x->rootfs);
	x->st.created = now_rfc3339();
	x->st.creating = true;
	x->st.n_annotations = x->spec->n_annotations;
	x->st.annotations = x->spec->annotations; /* borrowed; detached before state_free */
	return 0;
}

static bool has_runtime_hooks(const struct spec *s)
{
	return s->hooks && (s->hooks->prestart.n > 0 || s->hooks->createRuntime.n > 0);
}

/* Who reads the state JSON while create runs: the hooks and the seccomp
 * listener. Nobody else needs it made (with many annotations it is big). */
static bool state_json_read(const struct spec *s)
{
	const struct spec_seccomp *sc = s->linux_ ? s->linux_->seccomp : NULL;

	return has_runtime_hooks(s) || (sc && sc->listenerPath) ||
	       (s->hooks && (s->hooks->createContainer.n > 0 || s->hooks->startContainer.n > 0));
}

/* Does state.json get the init's pid at the HOOKS step, before the spawn
 * ends? When a hook may read it (`state` from a prestart hook), or when no
 * cgroup stands in for it: a delete after a create killed from there on
 * kills what is in the cgroup, the init included. */
static bool early_state(const struct create_ctx *x)
{
	return has_runtime_hooks(x->spec) || !x->cg ||
	       cgroup_get_manager(x->cg) == CGROUP_MANAGER_DISABLED;
}

/* Called when the init stops at HOOKS: the early state.json, then prestart
 * and createRuntime, in the runtime namespace, with the state as of now. */
static int create_hooks(void *ctx, pid_t pid, char **ret_state, struct hutch_error **err)
{
	struct create_ctx *x = ctx;
	_cleanup_free_ char *json = NULL;

	x->st.pid = pid;
	if (early_state(x)) {
		proc_stat(pid, &x->st.pid_start, NULL);
		x->st.pid_ino = proc_pid_ino(pid);
		if (state_write(x->dir.dirfd, &x->st, err) < 0)
			return -1;
	}
	if (!state_json_read(x->spec))
		return 0;
	json = state_oci_json(&x->st, STATUS_CREATING, false);
	if (x->spec->hooks &&
	    (hook_run_list(&x->spec->hooks->prestart, "prestart", json, err) < 0 ||
	     hook_run_list(&x->spec->hooks->createRuntime, "createRuntime", json, err) < 0))
		return -1;
	*ret_state = steal_ptr(&json);
	return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct hutch_error **err)
{
	_cleanup_free_ char *text = xasprintf("%d", (int)pid);
	char buf[PATH_MAX];
	_cleanup_free_ char *abs = NULL;

	/* realpath of the directory so a relative --pid-file is relative to our cwd */
	if (path[0] != '/' && getcwd(buf, sizeof(buf)))
		abs = xasprintf("%s/%s", buf, path);
	else
		abs = xstrdup(path);
	return fs_write_file_atomic(abs, text, strlen(text), 0644, err);
}

static int create_spawn(struct create_ctx *x, struct created *ret, struct hutch_error **err)
{
	struct spawn_config sc = {
	    .mode = SPAWN_INIT,
	    .spec = x->spec,
	    .process = x->spec->process,
	    .bundle = x->bundle,
	    .rootfs = x->rootfs,
	    .fifo_fd = x->fifo_fd,
	    .start_err_fd = x->start_err_fd,
	    .no_pivot = x->o->no_pivot,
	    .no_new_keyring = x->o->no_new_keyring,
	    .preserve_fds = x->kept_fds,
	    .console_socket = x->o->console_socket,
	    .keep_pty = x->o->keep_pty,
	    .seccomp = x->seccomp,
	    .cgroup = x->cg,
	    /* nothing to do at HOOKS: the init does not stop there */
	    .hooks = early_state(x) || state_json_read(x->spec) ? create_hooks : NULL,
	    .hooks_ctx = x,
	};
	struct spawn_result res = {0};

	if (spawn_process(&sc, &res, err) < 0)
		return -1;
	x->st.pid = res.pid;
	x->st.creating = false;
	if (proc_stat(res.pid, &x->st.pid_start, NULL) < 0)
		return herr_msg(err, "container init exited during setup");
	/* our child, not yet reaped: its pid cannot name another process
	 * (create_hooks may have read it already) */
	if (!x->st.pid_ino)
		x->st.pid_ino = proc_pid_ino(res.pid);
	ret->pid = res.pid;
	ret->pty_master = res.pty_master;
	if (state_write(x->dir.dirfd, &x->st, err) < 0)
		return -1;
	if (x->o->pid_file && write_pid_file(x->o->pid_file, res.pid, err) < 0)
		return herr_prefix(err, "write pid file");
	return 0;
}

static void create_rollback(struct create_ctx *x, const struct created *c)
{
	struct hutch_error *e = NULL;

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		container_wait_dead(c->pid, x->st.pid_start, 2000);
	}
	if (c->pty_master >= 0)
		close(c->pty_master);
	if (x->cg && cgroup_destroy(steal_ptr(&x->cg), &e) < 0) {
		log_warn("remove cgroup after failed create: %s", e->msg);
		herr_freep(&e);
	}
	if (x->state_dir)
		state_dir_remove(x->o->root, x->o->id);
}

static void create_ctx_free(struct create_ctx *x)
{
	x->st.annotations = NULL;
	x->st.n_annotations = 0;
	free(x->st.id);
	free(x->st.bundle);
	free(x->st.rootfs);
	free(x->st.created);
	free(x->st.cgroup);
	state_dir_close(&x->dir);
	if (x->fifo_fd >= 0)
		close(x->fifo_fd);
	if (x->start_err_fd >= 0)
		close(x->start_err_fd);
	cgroup_free(x->cg);
	seccomp_filter_free(x->seccomp);
	spec_free(x->spec);
	if (x->config_fd >= 0)
		close(x->config_fd);
	free(x->bundle);
	free(x->rootfs);
	free(x->state_dir);
}

/* What run's start step needs, moved out of x: the container, still locked
 * and known to be created, and its config (whose annotations the state now
 * owns). */
static void hand_over(struct create_ctx *x, struct container *ret_c, struct spec **ret_spec)
{
	struct container_state *st = xcalloc(1, sizeof(*st));

	*st = x->st;
	memset(&x->st, 0, sizeof(x->st));
	x->spec->annotations = NULL;
	x->spec->n_annotations = 0;
	ret_c->dir = x->dir;
	x->dir = (struct state_dir)STATE_DIR_INIT;
	ret_c->st = st;
	ret_c->status = STATUS_CREATED;
	ret_c->cg = steal_ptr(&x->cg);
	*ret_spec = steal_ptr(&x->spec);
}

int container_create(const struct create_opts *o, struct created *ret, struct hutch_error **err)
{
	return container_create_open(o, ret, NULL, NULL, err);
}

int container_create_open(const struct create_opts *o, struct created *ret, struct container *ret_c,
                          struct spec **ret_spec, struct hutch_error **err)
{
	struct create_ctx x = {
	    .o = o, .dir = STATE_DIR_INIT, .config_fd = -1, .fifo_fd = -1, .start_err_fd = -1};
	struct created c = {.pty_master = -1};
	int r = -1;

	if (state_validate_id(o->id, err) < 0)
		return -1;
	if (load_bundle(&x, err) < 0 || check_unsupported(x.spec, err) < 0 ||
	    prepare_fds(&x, err) < 0 || prepare_seccomp(&x, err) < 0)
		goto out;
	default_id_mappings(x.spec);
	if (prepare_state(&x, err) < 0 || notify_prepare(x.spec, x.state_dir, err) < 0)
		goto fail;
	if (prepare_cgroup(&x, err) < 0)
		goto fail;
	if (create_spawn(&x, &c, err) < 0) {
		explain_oom(&x, err);
		goto fail;
	}
	if (x.cg && cgroup_get_manager(x.cg) == CGROUP_MANAGER_SYSTEMD && apply_cgroup(&x, err) < 0)
		goto fail;
	if (ret_c)
		hand_over(&x, ret_c, ret_spec);
	*ret = c;
	r = 0;
	goto out;
fail:
	/* a duplicate id must not remove the existing container's state */
	if (x.dir.dirfd >= 0)
		create_rollback(&x, &c);
out:
	create_ctx_free(&x);
	return r;
}
