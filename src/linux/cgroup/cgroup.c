/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup object's life: create the directories, place processes, freeze,
 * signal, list pids, destroy; plus (de)serialisation for state.json. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_hier; i++) {
		free(cg->hier[i].controllers);
		free(cg->hier[i].mount);
		free(cg->hier[i].path);
	}
	free(cg->hier);
	free(cg->mount_root);
	free(cg->unit);
	free(cg->slice);
	free(cg);
}

void cgroup_freep(struct cgroup **cg)
{
	cgroup_free(*cg);
	*cg = NULL;
}

static const struct cgroup_hier *tracking_hier(const struct cgroup *cg);

/* "/a/b" -> "/a", "/a" -> "/", "/" stays. */
static void parent_path(char *p)
{
	char *slash = strrchr(p, '/');

	if (slash)
		slash[slash == p] = '\0';
}

/* The container path in hierarchy h, following runc's rules. */
static int compute_path(const struct cgroup_config *c, const struct cgroup_hier *h, char **ret,
                        struct hutch_error **err)
{
	const char *cp = c->cgroups_path;
	_cleanup_free_ char *self = NULL, *joined = NULL;

	if (c->rootless && (!cp || !*cp) && c->id && *c->id && !strchr(c->id, '/') &&
	    strcmp(c->id, ".") != 0 && strcmp(c->id, "..") != 0)
		cp = c->id; /* a relative path: "." and ".." are refused below */
	if (cp && *cp == '/')
		return cg_clean_path(cp, ret, err);
	if (cp && *cp) {
		if (cg_self_path(c->self_cgroup_file ? c->self_cgroup_file : "/proc/self/cgroup", h,
		                 &self, err) < 0)
			return -1;
		if (c->rootless && h->v2)
			parent_path(self);
		joined = xasprintf("%s/%s", self, cp);
		return cg_clean_path(joined, ret, err);
	}
	if (!c->id || !*c->id || strchr(c->id, '/') || strcmp(c->id, "..") == 0)
		return herr_msg(err, "invalid container id \"%s\" for a cgroup path",
		                c->id ? c->id : "");
	joined = xasprintf("/hutch/%s", c->id);
	return cg_clean_path(joined, ret, err);
}

/* mkdir every missing component of h->path from the top, counting the ones
 * made. A component that vanishes under us (a concurrent create's rollback
 * removed an ancestor it had made) sends the walk back to the top. */
static int make_path(struct cgroup_hier *h, int *made, struct hutch_error **err)
{
	_cleanup_free_ char *dir = xstrdup(h->mount);

	for (const char *p = h->path + 1; *p;) {
		size_t l = strcspn(p, "/");
		char *next = xasprintf("%s/%.*s", dir, (int)l, p);
		free(dir);
		dir = next;
		if (mkdir(dir, 0755) == 0)
			(*made)++;
		else if (errno == ENOENT && *made == 0)
			return 1;
		else if (errno != EEXIST)
			return herr_errno(err, errno, "mkdir %s", dir);
		p += l;
		if (*p == '/')
			p++;
	}
	return 0;
}

/* mkdir every missing component of h->path, recording how many we made. */
static int make_dirs(struct cgroup_hier *h, struct hutch_error **err)
{
	_cleanup_free_ char *dir = cg_dir(h);
	int made = 0, r = 1;

	/* The parent usually exists already: one mkdir, not one per level. */
	h->created_depth = 0;
	if (mkdir(dir, 0755) == 0) {
		h->created_depth = 1;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return herr_errno(err, errno, "mkdir %s", dir);
	for (int tries = 0; r == 1 && tries < 8; tries++)
		r = make_path(h, &made, err);
	h->created_depth = made;
	if (r == 1)
		return herr_errno(err, ENOENT, "mkdir %s: its parent keeps disappearing", dir);
	return r;
}

/* rmdir dir and every sub-cgroup below it, retrying briefly on EBUSY (tasks
 * that were just killed can take a moment to leave). */
static int remove_tree(const char *dir, struct hutch_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	/* Most have no sub-cgroup: list the directory only when rmdir says busy. */
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return herr_errno(err, errno, "remove cgroup %s", dir);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : herr_errno(err, errno, "opendir %s", dir);
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
		if (remove_tree(sub, err) < 0)
			return -1;
	}
	for (long wait = 1; rmdir(dir) < 0; wait *= 2) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || wait > 2048)
			return herr_errno(err, errno, "remove cgroup %s", dir);
		sleep_ms(wait);
	}
	return 0;
}

/* Remove the leaf tree, and with `ancestors` the empty ones make_dirs
 * created (a failed create's rollback). */
static int remove_hier(const struct cgroup_hier *h, bool ancestors, struct hutch_error **err)
{
	_cleanup_free_ char *dir = cg_dir(h);

	if (remove_tree(dir, err) < 0)
		return -1;
	for (int i = 1; ancestors && i < h->created_depth; i++) {
		char *slash = strrchr(dir, '/');
		if (!slash || slash <= dir + strlen(h->mount))
			break;
		*slash = '\0';
		if (rmdir(dir) < 0)
			break; /* shared with another container, or in use: leave it */
	}
	return 0;
}

static int setup_hier(const struct cgroup *cg, struct cgroup_hier *h, struct hutch_error **err)
{
	if (make_dirs(h, err) < 0)
		return -1;
	if (h->v2)
		return cg_v2_enable_controllers(h);
	if (cg_hier_has(h, "cpuset"))
		return cg_v1_cpuset_init(h, cg->default_path, err);
	return 0;
}

/* Is the freezer of hierarchy h frozen (or freezing) at the container's
 * cgroup, by its own setting or an ancestor's? */
static bool hier_frozen(const struct cgroup_hier *h)
{
	_cleanup_free_ char *dir = cg_dir(h), *s = NULL;
	struct hutch_error *e = NULL;
	uint64_t v = 0;

	if (!h->v2 && cg_hier_has(h, "freezer") && cg_read(dir, "freezer.state", &s, &e) == 0)
		return str_has_prefix(s, "FROZEN") || str_has_prefix(s, "FREEZING");
	if (h->v2 && cg_exists(dir, "cgroup.events") &&
	    cg_read_key(dir, "cgroup.events", "frozen", &v, &e) == 0)
		return v == 1;
	herr_free(e);
	return false;
}

/* A frozen cgroup would hold the init in D state the moment it is placed
 * there, and its creator would wait for it for ever: refuse it, as runc
 * does. A cgroup that already holds processes (engines reuse pod cgroups)
 * is used with a warning, also as runc; it is "shared": delete leaves the
 * processes it did not start alone. */
static int check_existing(struct cgroup *cg, struct hutch_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	for (size_t i = 0; i < cg->n_hier; i++) {
		if (hier_frozen(&cg->hier[i])) {
			_cleanup_free_ char *dir = cg_dir(&cg->hier[i]);
			return herr_msg(err, "container's cgroup unexpectedly frozen (%s)", dir);
		}
	}
	/* a directory we just made holds no process (a frozen parent would
	 * have frozen it: that was checked) */
	if (cgroup_created(cg))
		return 0;
	if (cgroup_pids(cg, &pids, &n, err) < 0)
		return -1;
	if (n > 0) {
		_cleanup_free_ char *dir = cg_dir(tracking_hier(cg));
		log_warn("container's cgroup is not empty: %zu process(es) found in %s", n, dir);
		cg->shared = true;
	}
	return 0;
}

static int create_fs(struct cgroup *cg, const struct cgroup_config *c, struct hutch_error **err)
{
	size_t i;

	cg->default_path = !c->rootless && (!c->cgroups_path || !*c->cgroups_path);
	cg->made = true;
	for (i = 0; i < cg->n_hier; i++)
		if (compute_path(c, &cg->hier[i], &cg->hier[i].path, err) < 0)
			return -1;
	for (i = 0; i < cg->n_hier; i++)
		if (setup_hier(cg, &cg->hier[i], err) < 0)
			break;
	if (i == cg->n_hier && check_existing(cg, err) == 0)
		return 0;
	i = i == cg->n_hier ? i - 1 : i;
	/* roll back what we created, so a failed create leaves nothing */
	for (size_t j = 0; j <= i && j < cg->n_hier; j++) {
		struct hutch_error *e2 = NULL;
		if (cg->hier[j].created_depth > 0 && remove_hier(&cg->hier[j], true, &e2) < 0)
			herr_free(e2);
	}
	return -1;
}

int cgroup_create(const struct cgroup_config *c, struct cgroup **ret, struct hutch_error **err)
{
	_cleanup_cgroup_ struct cgroup *cg = xcalloc(1, sizeof(*cg));

	cg->manager = c->manager;
	cg->rootless = c->rootless;
	cg->mount_root = xstrdup(c->mount_root ? c->mount_root : "/sys/fs/cgroup");
	if (c->manager == CGROUP_MANAGER_DISABLED) {
		*ret = steal_ptr(&cg);
		return 0;
	}
	if (cg_discover(cg, err) < 0)
		return herr_prefix(err, "cgroup");
	if (c->manager == CGROUP_MANAGER_SYSTEMD) {
		if (cg_systemd_create(cg, c, err) < 0)
			return -1;
	} else if (create_fs(cg, c, err) < 0) {
		return herr_prefix(err, "cgroup");
	}
	*ret = steal_ptr(&cg);
	return 0;
}

int cgroup_clone_fd(const struct cgroup *cg)
{
	const struct cgroup_hier *h =
	    cg->manager == CGROUP_MANAGER_DISABLED ? NULL : cg_find(cg, "");
	_cleanup_free_ char *dir = NULL;

	if (!h || !h->path)
		return -1;
	if (cg->manager == CGROUP_MANAGER_SYSTEMD)
		return -1; /* the scope exists only once cgroup_enter started it */
	dir = cg_dir(h);
	return openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

enum { ENTER_V1 = 1, ENTER_V2 = 2 };

static int enter(const struct cgroup *cg, pid_t pid, int which, struct hutch_error **err)
{
	if (cg->manager == CGROUP_MANAGER_DISABLED)
		return 0;
	if (cg->manager == CGROUP_MANAGER_SYSTEMD && cg_systemd_enter(cg, pid, err) < 0)
		return -1;
	for (size_t i = 0; i < cg->n_hier; i++) {
		if (!(which & (cg->hier[i].v2 ? ENTER_V2 : ENTER_V1)))
			continue;
		_cleanup_free_ char *dir = cg_dir(&cg->hier[i]);
		if (cg_writef(dir, "cgroup.procs", err, "%d", (int)pid) < 0)
			return herr_prefix(err, "cgroup: add process %d", (int)pid);
	}
	return 0;
}

int cgroup_enter(const struct cgroup *cg, pid_t pid, struct hutch_error **err)
{
	return enter(cg, pid, ENTER_V1 | ENTER_V2, err);
}

int cgroup_enter_cloned(const struct cgroup *cg, pid_t pid, struct hutch_error **err)
{
	return enter(cg, pid, ENTER_V1, err);
}

int cgroup_enter_v2(const struct cgroup *cg, pid_t pid, struct hutch_error **err)
{
	return cg->manager == CGROUP_MANAGER_FS ? enter(cg, pid, ENTER_V2, err) : 0;
}

int cgroup_enter_self(const struct cgroup *cg, struct hutch_error **err)
{
	if (cg->manager != CGROUP_MANAGER_FS)
		return 0;
	for (size_t i = 0; i < cg->n_hier; i++) {
		if (cg->hier[i].v2)
			continue;
		_cleanup_free_ char *dir = cg_dir(&cg->hier[i]);
		if (cg_write(dir, "tasks", "0", err) < 0)
			return herr_prefix(err, "cgroup: enter it");
	}
	return 0;
}

/* The hierarchy we read the process list from: v2 if present (hybrid places
 * every process there too), else the first v1 one. */
static const struct cgroup_hier *tracking_hier(const struct cgroup *cg)
{
	const struct cgroup_hier *h = cg_find(cg, "");

	if (h)
		return h;
	return cg->n_hier ? &cg->hier[0] : NULL;
}

int cgroup_pids(const struct cgroup *cg, pid_t **ret, size_t *ret_n, struct hutch_error **err)
{
	const struct cgroup_hier *h =
	    cg->manager == CGROUP_MANAGER_DISABLED ? NULL : tracking_hier(cg);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!h)
		return 0;
	_cleanup_free_ char *dir = cg_dir(h);
	if (access(dir, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (cg_collect_pids(dir, &pids, &n, err) < 0) {
		if (!cg_gone((*err)->errnum))
			return herr_prefix(err, "cgroup: list processes");
		/* the cgroup went away while we read it: no processes */
		herr_freep(err);
		n = 0;
	}
	*ret = steal_ptr(&pids);
	*ret_n = n;
	return 0;
}

int cgroup_signal(const struct cgroup *cg, int sig, struct hutch_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;

	if (cgroup_pids(cg, &pids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return herr_errno(err, errno, "cgroup: send signal %d to %d", sig,
			                  (int)pids[i]);
	return 0;
}

static int v1_freezer_set(const char *dir, bool frozen, struct hutch_error **err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";

	/* Writing FROZEN again is how a stalled FREEZING is retried (runc does
	 * the same); give up after about 10 seconds. */
	for (long i = 0; i < 1000; i++) {
		_cleanup_free_ char *state = NULL;
		if (cg_write(dir, "freezer.state", want, err) < 0)
			return -1;
		if (cg_read(dir, "freezer.state", &state, err) < 0)
			return -1;
		if (strncmp(state, want, strlen(want)) == 0)
			return 0;
		sleep_ms(i < 10 ? 1 : 10);
	}
	if (frozen) {
		struct hutch_error *e2 = NULL;
		if (cg_write(dir, "freezer.state", "THAWED", &e2) < 0)
			herr_free(e2);
	}
	return herr_errno(err, ETIMEDOUT, "%s/freezer.state: did not become %s", dir, want);
}

static int v2_freeze_set(const char *dir, bool frozen, struct hutch_error **err)
{
	if (cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -1;
	if (!cg_exists(dir, "cgroup.events"))
		return 0;
	for (long i = 0; i < 1000; i++) {
		uint64_t v = 0;
		if (cg_read_key(dir, "cgroup.events", "frozen", &v, err) < 0)
			return -1;
		if ((v == 1) == frozen)
			return 0;
		sleep_ms(i < 10 ? 1 : 10);
	}
	return herr_errno(err, ETIMEDOUT, "%s/cgroup.events: frozen did not become %d", dir,
	                  frozen);
}

/* The freezer: v1 freezer if mounted, else the v2 hierarchy. */
static const struct cgroup_hier *freezer_hier(const struct cgroup *cg)
{
	const struct cgroup_hier *h = cg_find(cg, "freezer");

	return h ? h : cg_find(cg, "");
}

int cgroup_freeze(const struct cgroup *cg, bool frozen, struct hutch_error **err)
{
	const struct cgroup_hier *h =
	    cg->manager == CGROUP_MANAGER_DISABLED ? NULL : freezer_hier(cg);
	int r;

	if (cg->manager == CGROUP_MANAGER_DISABLED)
		return 0;
	if (!h)
		return herr_msg(err, "cgroup: the freezer controller is not available");
	_cleanup_free_ char *dir = cg_dir(h);
	r = h->v2 ? v2_freeze_set(dir, frozen, err) : v1_freezer_set(dir, frozen, err);
	return r < 0 ? herr_prefix(err, "cgroup: %s", frozen ? "freeze" : "thaw") : 0;
}

int cgroup_get_frozen(const struct cgroup *cg, bool *ret, struct hutch_error **err)
{
	const struct cgroup_hier *h =
	    cg->manager == CGROUP_MANAGER_DISABLED ? NULL : freezer_hier(cg);
	_cleanup_free_ char *dir = NULL, *s = NULL;
	uint64_t v = 0;

	*ret = false;
	if (!h)
		return 0;
	dir = cg_dir(h);
	if (!h->v2) {
		if (cg_read(dir, "freezer.state", &s, err) < 0)
			return herr_prefix(err, "cgroup");
		*ret = str_has_prefix(s, "FROZEN");
		return 0;
	}
	if (cg_exists(dir, "cgroup.events")) {
		if (cg_read_key(dir, "cgroup.events", "frozen", &v, err) < 0)
			return herr_prefix(err, "cgroup");
	} else if (cg_read_u64(dir, "cgroup.freeze", &v, err) < 0) {
		return herr_prefix(err, "cgroup");
	}
	*ret = v == 1;
	return 0;
}

/* One round of killing: freeze (v1) so nothing forks meanwhile, SIGKILL
 * everything (cgroup.kill when the kernel has it), then thaw so the frozen
 * tasks can actually die. */
static void kill_round(const struct cgroup *cg, const pid_t *pids, size_t n)
{
	const struct cgroup_hier *fr = cg_find(cg, "freezer");
	const struct cgroup_hier *v2 = cg_find(cg, "");
	_cleanup_free_ char *frdir = fr ? cg_dir(fr) : NULL;
	_cleanup_free_ char *v2dir = v2 ? cg_dir(v2) : NULL;
	struct hutch_error *e = NULL;
	bool killed = false;

	if (frdir && v1_freezer_set(frdir, true, &e) < 0)
		herr_freep(&e);
	if (v2dir && cg_exists(v2dir, "cgroup.kill"))
		killed = cg_write(v2dir, "cgroup.kill", "1", &e) == 0;
	herr_freep(&e);
	if (!killed)
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
	if (frdir && v1_freezer_set(frdir, false, &e) < 0)
		herr_freep(&e);
}

static int kill_all(const struct cgroup *cg, struct hutch_error **err)
{
	/* about 10 seconds in all: 1+2+...+64 ms, then 64 ms steps */
	for (long wait = 1, round = 0;; wait = wait < 64 ? wait * 2 : 64, round++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if (cgroup_pids(cg, &pids, &n, err) < 0)
			return -1;
		if (n == 0)
			return 0;
		if (round > 160)
			return herr_errno(err, EBUSY, "cgroup: %zu processes left after SIGKILL",
			                  n);
		kill_round(cg, pids, n);
		sleep_ms(wait);
	}
}

/* A shared cgroup goes only when it is empty by now; its ancestors were
 * there before us. */
static int remove_shared(const struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n_hier; i++) {
		_cleanup_free_ char *dir = cg->hier[i].path ? cg_dir(&cg->hier[i]) : NULL;
		if (dir && rmdir(dir) < 0 && errno != ENOENT && errno != EBUSY)
			log_debug("cgroup: remove %s: %s", dir, strerror(errno));
	}
	return 0;
}

int cgroup_destroy(struct cgroup *cg, struct hutch_error **err)
{
	_cleanup_cgroup_ struct cgroup *owned = cg;
	int r = 0;

	if (cg->manager == CGROUP_MANAGER_DISABLED)
		return 0;
	if (cg->shared) /* the processes that were there first are not ours */
		return remove_shared(cg);
	if (kill_all(cg, err) < 0)
		return -1;
	if (cg->manager == CGROUP_MANAGER_SYSTEMD && cg_systemd_destroy(cg, err) < 0)
		return -1;
	for (size_t i = 0; i < cg->n_hier; i++) {
		_cleanup_error_ struct hutch_error *e = NULL;
		if (!cg->hier[i].path)
			continue;
		/* the ancestors it made stay, as with runc, unless this is the
		 * rollback of the create that made them: a parent shared by a
		 * series of containers (the default /hutch, an engine's) is not
		 * made again, with its cpuset, for each one, nor removed under a
		 * concurrent create */
		if (remove_hier(&cg->hier[i], cg->made, &e) == 0) {
			if (cg->default_path && cg_hier_has(&cg->hier[i], "cpu"))
				cg_v1_rt_release(&cg->hier[i]);
			continue;
		}
		if (r == 0)
			herr_raw(err, e->errnum, e->msg);
		r = -1;
	}
	return r;
}

int cgroup_oom_count(const struct cgroup *cg, uint64_t *ret, struct hutch_error **err)
{
	const struct cgroup_hier *h =
	    cg->manager == CGROUP_MANAGER_DISABLED ? NULL : cg_find(cg, "memory");
	const char *file = "memory.oom_control";
	_cleanup_free_ char *dir = NULL;

	*ret = 0;
	if (!h && cg->manager != CGROUP_MANAGER_DISABLED) {
		h = cg_find(cg, "");
		file = "memory.events";
	}
	if (!h)
		return 0;
	dir = cg_dir(h);
	if (!cg_exists(dir, file))
		return 0;
	if (cg_read_key(dir, file, "oom_kill", ret, err) < 0) {
		if (!cg_gone((*err)->errnum))
			return herr_prefix(err, "cgroup");
		herr_freep(err);
	}
	return 0;
}

int cgroup_oom_watch_fd(const struct cgroup *cg, struct hutch_error **err)
{
	const struct cgroup_hier *h =
	    cg->manager == CGROUP_MANAGER_DISABLED ? NULL : cg_find(cg, "memory");
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int fd = -1, ctl = -1;

	if (!h && cg->manager != CGROUP_MANAGER_DISABLED) {
		h = cg_find(cg, "");
		if (h && h->path && cg_v2_has_controller((dir = cg_dir(h)), "memory")) {
			/* v2: memory.events changes (and notifies) on every OOM */
			_cleanup_free_ char *f = xasprintf("%s/memory.events", dir);
			fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
			if (fd < 0 || inotify_add_watch(fd, f, IN_MODIFY) < 0)
				return herr_errno(err, errno, "cgroup: watch %s", f);
			return steal_fd(&fd);
		}
		h = NULL;
	}
	if (!h || !h->path)
		return herr_msg(err, "cgroup: the memory controller is not available");
	free(dir);
	dir = cg_dir(h);
	/* v1: an eventfd registered for memory.oom_control via cgroup.event_control */
	_cleanup_free_ char *f = xasprintf("%s/memory.oom_control", dir);
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ctl = openat(AT_FDCWD, f, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ctl < 0)
		return herr_errno(err, errno, "cgroup: watch %s", f);
	if (cg_writef(dir, "cgroup.event_control", err, "%d %d", fd, ctl) < 0)
		return herr_prefix(err, "cgroup: register the OOM event");
	return steal_fd(&fd);
}

bool cgroup_rt_budgetless(const struct cgroup *cg)
{
	const struct cgroup_hier *h =
	    cg->manager == CGROUP_MANAGER_DISABLED ? NULL : cg_find(cg, "cpu");
	_cleanup_free_ char *dir = h && h->path ? cg_dir(h) : NULL;
	struct hutch_error *e = NULL;
	uint64_t v = 1;

	if (!dir || !cg_exists(dir, "cpu.rt_runtime_us"))
		return false;
	if (cg_read_u64(dir, "cpu.rt_runtime_us", &v, &e) < 0)
		herr_free(e);
	return v == 0;
}

enum cgroup_manager_kind cgroup_get_manager(const struct cgroup *cg)
{
	return cg->manager;
}

char *cgroup_get_dir(const struct cgroup *cg, const char *controller)
{
	const struct cgroup_hier *h = cg_find(cg, controller);

	return h && h->path ? cg_dir(h) : NULL;
}

bool cgroup_created(const struct cgroup *cg)
{
	if (!cg->made || cg->manager != CGROUP_MANAGER_FS || cg->n_hier == 0)
		return false;
	for (size_t i = 0; i < cg->n_hier; i++)
		if (cg->hier[i].created_depth < 1)
			return false;
	return true;
}

size_t cgroup_count(const struct cgroup *cg)
{
	return cg->manager == CGROUP_MANAGER_DISABLED ? 0 : cg->n_hier;
}

void cgroup_hierarchy(const struct cgroup *cg, size_t i, bool *ret_v2, const char **ret_controllers,
                      const char **ret_mount, const char **ret_path)
{
	const struct cgroup_hier *h = &cg->hier[i];

	*ret_v2 = h->v2;
	*ret_controllers = h->controllers;
	*ret_mount = h->mount;
	*ret_path = h->path;
}
