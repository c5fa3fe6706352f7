/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pause, resume, update, ps and events: the verbs that work on a
 * container's cgroup, on top of container_open() and linux/cgroup. */
#include "core/cgroups.h"
#include "core/container.h"
#include "core/resources.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int set_frozen(const char *root, const char *id, bool frozen, struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};
	int r = -1;

	if (container_open(root, id, CONTAINER_LOCK, &c, err) < 0)
		return -1;
	if (frozen && c.status != STATUS_RUNNING && c.status != STATUS_CREATED)
		herr_msg(err, "container not running");
	else if (!frozen && c.status != STATUS_PAUSED)
		herr_msg(err, "container not paused");
	else if (!container_has_cgroup(&c))
		herr_msg(err,
		         "%s: the container has no cgroup (rootless without a delegated cgroup, or "
		         "--cgroup-manager disabled): nothing can freeze it",
		         frozen ? "pause" : "resume");
	else if (cgroup_freeze(c.cg, frozen, err) == 0) {
		c.st->paused = frozen;
		r = state_write(c.dir.dirfd, c.st, err);
	}
	container_close(&c);
	return r;
}

int container_pause(const char *root, const char *id, struct hutch_error **err)
{
	return set_frozen(root, id, true, err);
}

int container_resume(const char *root, const char *id, struct hutch_error **err)
{
	return set_frozen(root, id, false, err);
}

/* The updates so far, from the state directory; NULL when there are none. */
static int read_updates(int dirfd, struct spec_resources **ret, struct hutch_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	*ret = NULL;
	if (fs_read_file_at(dirfd, STATE_RESOURCES, &text, &len, err) < 0) {
		if ((*err)->errnum != ENOENT)
			return -1;
		herr_freep(err);
		return 0;
	}
	*ret = spec_parse_resources(STATE_RESOURCES, text, len, err);
	return *ret ? 0 : -1;
}

static int write_updates(int dirfd, const struct spec_resources *r, struct hutch_error **err)
{
	_cleanup_free_ char *path = xasprintf("/proc/self/fd/%d/%s", dirfd, STATE_RESOURCES);
	_cleanup_free_ char *text = NULL;
	json_gen *g = json_gen_new(false);
	size_t len;

	resources_gen_json(g, r);
	text = json_gen_text(g, &len);
	json_gen_free(g);
	return fs_write_file_atomic(path, text, len, 0600, err);
}

/* Fold the update into the recorded ones, build the final resources from
 * config.json's and those, and write what the update touches. */
static int update_cgroup(const struct container *c, const struct spec_resources *update,
                         struct hutch_error **err)
{
	_cleanup_free_ char *cfg = xasprintf("/proc/self/fd/%d/%s", c->dir.dirfd, STATE_CONFIG);
	_cleanup_spec_ struct spec *s = spec_load(cfg, err);
	struct spec_resources *prev = NULL;
	struct resources folded, all, touched;
	int r = -1;

	if (!s || read_updates(c->dir.dirfd, &prev, err) < 0)
		return -1;
	resources_fold(prev, update, &folded);
	resources_build(s->linux_ ? s->linux_->resources : NULL, &folded.r, &all);
	resources_touched(&all, update, &touched);
	if (cgroup_apply(c->cg, &touched.r, err) == 0 &&
	    write_updates(c->dir.dirfd, &folded.r, err) == 0)
		r = 0;
	resources_clear(&touched);
	resources_clear(&all);
	resources_clear(&folded);
	spec_resources_free(prev);
	return r;
}

int container_update(const char *root, const char *id, const struct spec_resources *update,
                     struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};
	int r = -1;

	/* the checks create makes on linux.resources, before anything is
	 * written: a bad rule must not leave half an update behind */
	if (spec_validate_resources(update, "resources", err) < 0 ||
	    container_open(root, id, CONTAINER_LOCK, &c, err) < 0)
		return -1;
	if (c.status == STATUS_STOPPED || c.status == STATUS_CREATING)
		herr_msg(err, "container not running");
	else if (!container_has_cgroup(&c))
		herr_msg(err, "update: the container has no cgroup (rootless without a delegated "
		              "cgroup, or --cgroup-manager disabled)");
	else
		r = update_cgroup(&c, update, err);
	container_close(&c);
	return r;
}

int container_ps(const char *root, const char *id, pid_t **ret, size_t *ret_n,
                 struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	if (container_open(root, id, CONTAINER_PEEK, &c, err) < 0)
		return -1;
	r = container_pids(&c, ret, ret_n, err);
	container_close(&c);
	return r;
}

static bool pid_in(pid_t p, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

/* Is this line of ps(1)'s output (its PID in column pid_col) one of ours? */
static bool ps_line_ours(const char *line, int pid_col, const pid_t *pids, size_t n)
{
	_cleanup_free_ char *copy = xstrdup(line);
	char *save = NULL, *tok = strtok_r(copy, " \t\n", &save);
	long long p;

	for (int col = 0; tok && col < pid_col; col++)
		tok = strtok_r(NULL, " \t\n", &save);
	return tok && str_to_i64(tok, &p) == 0 && pid_in((pid_t)p, pids, n);
}

static int ps_pid_column(const char *header)
{
	_cleanup_free_ char *copy = xstrdup(header);
	char *save = NULL;
	int col = 0;

	for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save), col++)
		if (strcmp(t, "PID") == 0)
			return col;
	return -1;
}

int container_ps_table(char *const *args, const pid_t *pids, size_t n, FILE *out,
                       struct hutch_error **err)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int pipefd[2], pid_col = -1;
	FILE *f;
	pid_t child;

	strv_push(&argv, "ps");
	if (!args || !*args)
		strv_push(&argv, "-ef");
	strv_foreach (a, args)
		strv_push(&argv, *a);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return herr_errno(err, errno, "pipe");
	child = fork();
	if (child == 0) {
		dup2(pipefd[1], 1);
		execvp("ps", argv);
		_exit(127);
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	for (bool header = true; f && getline(&line, &cap, f) > 0; header = false) {
		if (header)
			pid_col = ps_pid_column(line);
		if (header || (pid_col >= 0 && ps_line_ours(line, pid_col, pids, n)))
			fputs(line, out);
	}
	if (f)
		fclose(f);
	waitpid(child, NULL, 0);
	if (pid_col < 0)
		return herr_msg(err, "ps: could not find the PID column in ps's output");
	return 0;
}

static void print_event(FILE *out, const char *type, const char *id, const struct cgroup *cg)
{
	json_gen *g = json_gen_new(false);
	struct hutch_error *e = NULL;
	_cleanup_free_ char *text = NULL;

	json_gen_map_open(g);
	json_gen_kv_string(g, "type", type);
	json_gen_kv_string(g, "id", id);
	if (strcmp(type, "stats") == 0) {
		json_gen_string(g, "data");
		if (cgroup_stats(cg, g, &e) < 0) {
			herr_freep(&e);
			json_gen_map_open(g);
			json_gen_map_close(g);
		}
	}
	json_gen_map_close(g);
	text = json_gen_text(g, NULL);
	json_gen_free(g);
	fprintf(out, "%s\n", text);
	fflush(out);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An "oom" event when the cgroup's OOM-kill count went up since *seen. */
static bool check_oom(FILE *out, const struct container *c, uint64_t *seen)
{
	struct hutch_error *e = NULL;
	uint64_t now = 0;

	if (cgroup_oom_count(c->cg, &now, &e) < 0) {
		herr_freep(&e);
		return false;
	}
	if (now <= *seen)
		return false;
	*seen = now;
	print_event(out, "oom", c->st->id, c->cg);
	return true;
}

/* The event loop: poll the init's pidfd (readable once it exits) and the
 * OOM watch fd, with a timeout that is due at the next statistics. The v1
 * eventfd fires when the cgroup hits its limit, a moment before the kill
 * is counted: then the count is looked at again for a short while. */
static int watch(FILE *out, const struct container *c, long long interval_ms, uint64_t *ooms)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, c->st->pid, 0);
	struct hutch_error *e = NULL;
	_cleanup_close_ int oomfd = cgroup_oom_watch_fd(c->cg, &e);
	long long next = now_ms(), pending_until = 0;

	herr_freep(&e); /* no memory controller: statistics only */
	if (!state_pidfd_is_init(pidfd, c->st))
		return 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
		                      {.fd = oomfd, .events = POLLIN}};
		long long t = now_ms(), timeout = next > t ? next - t : 0;
		char buf[4096];

		if (pending_until > t && timeout > 20)
			timeout = 20;
		if (poll(p, oomfd >= 0 ? 2 : 1, (int)timeout) < 0 && errno != EINTR)
			return -1;
		if (p[1].revents & POLLIN) {
			while (read(oomfd, buf, sizeof(buf)) > 0)
				;
			pending_until = now_ms() + 1000;
		}
		if ((p[1].revents & POLLIN || pending_until > now_ms()) && check_oom(out, c, ooms))
			pending_until = 0;
		if (p[0].revents & (POLLIN | POLLHUP))
			return 0;
		if (now_ms() >= next) {
			print_event(out, "stats", c->st->id, c->cg);
			next = now_ms() + interval_ms;
		}
	}
}

int container_events(const char *root, const char *id, bool stats_once, long long interval_ms,
                     FILE *out, struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};
	uint64_t ooms = 0;
	int r = -1;

	if (container_open(root, id, CONTAINER_PEEK, &c, err) < 0)
		return -1;
	state_dir_close(&c.dir);
	if (c.status == STATUS_STOPPED || c.status == STATUS_CREATING) {
		herr_msg(err, "container with id %s is not running", id);
	} else if (!container_has_cgroup(&c)) {
		herr_msg(err, "events: the container has no cgroup");
	} else if (stats_once) {
		print_event(out, "stats", id, c.cg);
		r = 0;
	} else {
		struct hutch_error *e = NULL;
		cgroup_oom_count(c.cg, &ooms, &e);
		herr_freep(&e);
		if (watch(out, &c, interval_ms, &ooms) < 0)
			herr_errno(err, errno, "events: poll");
		else
			r = 0;
		/* an OOM kill of the init itself ends the loop as it happens */
		check_oom(out, &c, &ooms);
	}
	container_close(&c);
	return r;
}
