/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NEEDS ROOT. The cgroup library on the real host: create, enter, limits that
 * bite (pids fork bomb, memory OOM), freeze/thaw, devices, stats, destroy and
 * create/destroy cycles. Runs the suite for the host's mode at /sys/fs/cgroup
 * and, on a hybrid host, a cgroup v2 suite in a private mount namespace with
 * cgroup2 mounted at /sys/fs/cgroup (checks needing a controller that view
 * lacks are skipped with a message). Cleans up its cgroups and processes even
 * when a check fails. Prints "N passed, N failed[, N skipped]"; exit 1 on
 * failure, 77 when it cannot run (not root, no cgroupfs). */
#include "linux/cgroup/cgroup.h"
#include "linux/cgroup/internal.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "../unit/cgroup_res.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The container's path in the hierarchy holding controller c ("" for v2). */
static const char *cg_path(const struct cgroup *cg, const char *c)
{
	const struct cgroup_hier *h = cg_find(cg, c);

	return h ? h->path : NULL;
}

static int passed, failed, skipped;
static char prefix[64]; /* absolute parent of every test cgroup */
static const char *mroot = "/sys/fs/cgroup";

static bool check(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	cond ? passed++ : failed++;
	return cond;
}

static void skip(const char *what, const char *why)
{
	printf("skip - %s: %s\n", what, why);
	skipped++;
}

static void show(struct hutch_error **e)
{
	if (*e)
		printf("#   %s\n", (*e)->msg);
	herr_freep(e);
}

static void msleep(long ms)
{
	nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, NULL);
}

/* --- children ------------------------------------------------------------- */

/* A child that waits for a byte on `go` before running fn; returns its pid. */
static pid_t spawn(int *go_w, int (*fn)(void *), void *arg)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(120);
		_exit(fn(arg));
	}
	close(p[0]);
	*go_w = p[1];
	return pid;
}

static void go(int *w)
{
	if (write(*w, "x", 1) != 1)
		perror("go");
	close(*w);
	*w = -1;
}

static int child_sleep(void *arg)
{
	pause();
	return 0;
}

static int child_bomb(void *arg)
{
	int *out = arg;
	int n = 0;

	for (int i = 0; i < 200; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
		n++;
	}
	*out = n;
	pause();
	return 0;
}

static int child_count(void *arg)
{
	volatile unsigned long *c = arg;

	for (;;)
		(*c)++;
	return 0;
}

static int child_eat(void *arg)
{
	size_t sz = 256 << 20;
	char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < sz; i += 4096)
		p[i] = 1;
	return 0;
}

static int child_devices(void *arg)
{
	int a = open("/dev/null", O_RDWR | O_CLOEXEC);
	int b = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (a < 0)
		return 1; /* allowed device refused */
	if (b >= 0 || errno != EPERM)
		return 2; /* denied device opened */
	return 0;
}

/* --- helpers ------------------------------------------------------------- */

static struct cgroup *mk(const char *name, struct hutch_error **e)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", prefix, name);
	struct cgroup_config c = {
	    .id = name, .cgroups_path = path, .manager = CGROUP_MANAGER_FS, .mount_root = mroot};
	struct cgroup *cg = NULL;

	return cgroup_create(&c, &cg, e) < 0 ? NULL : cg;
}

static int apply_json(struct cgroup *cg, const char *json, struct hutch_error **e)
{
	struct spec_resources *r = res_from_json(json);
	int rc = cgroup_apply(cg, r, e);

	res_free(r);
	return rc;
}

/* Is `path` (relative to its hierarchy) present in any hierarchy? */
static bool exists_anywhere(const char *path)
{
	_cleanup_free_ char *cmd =
	    xasprintf("for d in %s/*%s %s%s; do [ -e \"$d\" ] && exit 0; done; exit 1", mroot, path,
	              mroot, path);
	return system(cmd) == 0;
}

static bool in_cgroup(pid_t pid, const char *path)
{
	_cleanup_free_ char *f = xasprintf("/proc/%d/cgroup", (int)pid), *s = NULL;
	struct hutch_error *e = NULL;

	if (fs_read_file_at(AT_FDCWD, f, &s, NULL, &e) < 0) {
		herr_free(e);
		return false;
	}
	_cleanup_free_ char *needle = xasprintf(":%s\n", path);
	return strstr(s, needle) != NULL;
}

static bool has_ctl(struct cgroup *cg, const char *v1, const char *v2)
{
	if (cg_path(cg, v1))
		return true;
	_cleanup_free_ char *d = cgroup_get_dir(cg, ""), *s = NULL;
	struct hutch_error *e = NULL;
	if (!d)
		return false;
	_cleanup_free_ char *f = xasprintf("%s/cgroup.controllers", d);
	if (fs_read_file_at(AT_FDCWD, f, &s, NULL, &e) < 0) {
		herr_free(e);
		return false;
	}
	return strstr(s, v2) != NULL;
}

static char *read_in(struct cgroup *cg, const char *ctl, const char *file)
{
	_cleanup_free_ char *d = cgroup_get_dir(cg, ctl);
	_cleanup_free_ char *f = d ? xasprintf("%s/%s", d, file) : NULL;
	struct hutch_error *e = NULL;
	char *s = NULL;

	if (!f || fs_read_file_at(AT_FDCWD, f, &s, NULL, &e) < 0) {
		herr_free(e);
		return xstrdup("");
	}
	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* --- tests ---------------------------------------------------------------- */

static void t_create_enter_destroy(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("basic", &e), *dup = NULL;
	int w = -1;
	pid_t pid, *pids = NULL;
	size_t n = 0;
	_cleanup_free_ char *path = xasprintf("%s/basic", prefix);

	if (!check(cg != NULL, "create %s", path))
		return show(&e);
	check(exists_anywhere(path), "directory exists");
	pid = spawn(&w, child_sleep, NULL);
	check(cgroup_enter(cg, pid, &e) == 0, "enter a sleeping child"), show(&e);
	check(in_cgroup(pid, path),
	      "child's /proc/PID/cgroup names the cgroup in every listed hierarchy");
	check(cgroup_pids(cg, &pids, &n, &e) == 0 && n == 1 && pids[0] == pid,
	      "pids lists the child");
	free(pids);
	/* as runc: a cgroup that holds processes is used (engines reuse pod
	 * cgroups) with a warning, and its destroy leaves those processes be */
	dup = mk("basic", &e);
	check(dup != NULL, "a second create on the busy cgroup is accepted"), show(&e);
	_cleanup_free_ char *ds = dup ? cgroup_serialize(dup) : NULL;
	check(ds && strstr(ds, "\"shared\":true"), "and marked shared");
	check(dup && cgroup_destroy(dup, &e) == 0 && kill(pid, 0) == 0 && exists_anywhere(path),
	      "destroying it leaves the first process and the cgroup"),
	    show(&e);
	check(cgroup_freeze(cg, true, &e) == 0, "freeze"), show(&e);
	dup = mk("basic", &e);
	check(!dup && e && strstr(e->msg, "unexpectedly frozen"), "a frozen cgroup is refused");
	herr_freep(&e);
	cgroup_free(dup);
	check(cgroup_freeze(cg, false, &e) == 0, "thaw"), show(&e);
	_cleanup_free_ char *s = cgroup_serialize(cg);
	struct cgroup *back = NULL;
	check(cgroup_deserialize(s, &back, &e) == 0, "deserialize the live cgroup"), show(&e);
	cgroup_free(cg);
	check(cgroup_signal(back, SIGTERM, &e) == 0, "signal every process"), show(&e);
	int st = 0;
	check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
	      "the child died of SIGTERM");
	check(cgroup_destroy(back, &e) == 0, "destroy"), show(&e);
	check(!exists_anywhere(path), "destroy leaves nothing in any hierarchy");
	close(w);
}

static void t_destroy_kills(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("kill", &e);
	int w = -1;
	_cleanup_free_ char *path = xasprintf("%s/kill", prefix);

	if (!check(cg != NULL, "create for destroy-kills"))
		return show(&e);
	pid_t pid = spawn(&w, child_sleep, NULL);
	cgroup_enter(cg, pid, &e), show(&e);
	go(&w);
	check(cgroup_destroy(cg, &e) == 0, "destroy kills the running child"), show(&e);
	int st = 0;
	check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "the child died of SIGKILL");
	check(!exists_anywhere(path), "nothing left after destroying a busy cgroup");
}

static void t_pids_bomb(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("bomb", &e);
	int w = -1, *count;
	pid_t pid;

	if (!cg)
		return (void)check(false, "create for the fork bomb"), show(&e);
	if (!has_ctl(cg, "pids", "pids")) {
		skip("pids fork bomb", "no pids controller");
		cgroup_destroy(cg, &e), show(&e);
		return;
	}
	count = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*count = -1;
	check(apply_json(cg, "{\"pids\":{\"limit\":20}}", &e) == 0, "apply pids.limit 20"),
	    show(&e);
	_cleanup_free_ char *max = read_in(cg, "pids", "pids.max");
	check(strcmp(max, "20") == 0, "pids.max reads 20 (got %s)", max);
	pid = spawn(&w, child_bomb, count);
	cgroup_enter(cg, pid, &e), show(&e);
	go(&w);
	for (int i = 0; i < 500 && *count < 0; i++)
		msleep(10);
	check(*count >= 0 && *count < 20, "the bomb hit the limit after %d forks", *count);
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	check(p > 0 && waitpid(p, NULL, 0) == p, "the host can still fork");
	check(cgroup_destroy(cg, &e) == 0, "destroy the bomb"), show(&e);
	waitpid(pid, NULL, 0);
	munmap(count, 4096);
}

static void t_memory(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("mem", &e);
	int w = -1, st = 0;
	uint64_t oom = 0;

	if (!cg)
		return (void)check(false, "create for memory"), show(&e);
	if (!has_ctl(cg, "memory", "memory")) {
		skip("memory limit", "no memory controller");
		cgroup_destroy(cg, &e), show(&e);
		return;
	}
	check(apply_json(cg, "{\"memory\":{\"limit\":67108864,\"swap\":67108864}}", &e) == 0,
	      "apply a 64 MiB memory limit"),
	    show(&e);
	_cleanup_free_ char *v =
	    read_in(cg, "memory", cg_path(cg, "memory") ? "memory.limit_in_bytes" : "memory.max");
	check(strcmp(v, "67108864") == 0, "memory limit reads back 67108864 (got %s)", v);
	int wfd = cgroup_oom_watch_fd(cg, &e);
	check(wfd >= 0, "OOM watch fd"), show(&e);
	pid_t pid = spawn(&w, child_eat, NULL);
	cgroup_enter(cg, pid, &e), show(&e);
	go(&w);
	waitpid(pid, &st, 0);
	struct pollfd pfd = {.fd = wfd, .events = POLLIN};
	check(wfd >= 0 && poll(&pfd, 1, 2000) == 1, "the OOM watch fd became readable");
	if (wfd >= 0)
		close(wfd);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "touching 256 MiB gets the child OOM-killed");
	check(cgroup_oom_count(cg, &oom, &e) == 0 && oom >= 1, "oom count is %llu",
	      (unsigned long long)oom),
	    show(&e);
	check(cgroup_destroy(cg, &e) == 0, "destroy"), show(&e);
}

static void t_freeze(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("freeze", &e);
	int w = -1;
	bool fr = false;
	volatile unsigned long *c;

	if (!cg)
		return (void)check(false, "create for freeze"), show(&e);
	c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid = spawn(&w, child_count, (void *)c);
	cgroup_enter(cg, pid, &e), show(&e);
	go(&w);
	msleep(50);
	check(cgroup_freeze(cg, true, &e) == 0, "freeze"), show(&e);
	check(cgroup_get_frozen(cg, &fr, &e) == 0 && fr, "reported frozen"), show(&e);
	unsigned long a = *c;
	msleep(200);
	unsigned long b = *c;
	check(a == b && a > 0, "the counter stops while frozen (%lu -> %lu)", a, b);
	check(cgroup_freeze(cg, false, &e) == 0, "thaw"), show(&e);
	check(cgroup_get_frozen(cg, &fr, &e) == 0 && !fr, "reported thawed"), show(&e);
	msleep(100);
	check(*c > b, "the counter runs again after thaw");
	/* destroy must also work on a frozen cgroup */
	cgroup_freeze(cg, true, &e), show(&e);
	check(cgroup_destroy(cg, &e) == 0, "destroy a frozen cgroup"), show(&e);
	int st = 0;
	check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st), "the frozen child was killed");
	munmap((void *)c, 4096);
}

static void t_devices(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("dev", &e);
	int w = -1, st = 0;

	if (!cg)
		return (void)check(false, "create for devices"), show(&e);
	check(
	    apply_json(cg,
	               "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	               "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"r\"}]}",
	               &e) == 0,
	    "apply devices (first program)"),
	    show(&e);
	/* update: the second program must replace the first, not add to it */
	check(apply_json(
	          cg,
	          "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	          "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}",
	          &e) == 0,
	      "apply devices again (update)"),
	    show(&e);
	if (cg_path(cg, "devices")) {
		_cleanup_free_ char *l = read_in(cg, "devices", "devices.list");
		check(strcmp(l, "c 1:3 rwm") == 0, "v1 devices.list is exactly the new rule (%s)",
		      l);
	}
	pid_t pid = spawn(&w, child_devices, NULL);
	cgroup_enter(cg, pid, &e), show(&e);
	go(&w);
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "inside: /dev/null opens, /dev/zero gets EPERM (status %d)", WEXITSTATUS(st));
	check(cgroup_destroy(cg, &e) == 0, "destroy"), show(&e);
}

static void t_hugetlb_stats(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("huge", &e);
	int w = -1;

	if (!cg)
		return (void)check(false, "create for hugetlb/stats"), show(&e);
	if (has_ctl(cg, "hugetlb", "hugetlb") &&
	    access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0) {
		check(apply_json(cg,
		                 "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}",
		                 &e) == 0,
		      "apply hugepageLimits 2MB"),
		    show(&e);
		bool v1 = cg_path(cg, "hugetlb") != NULL;
		_cleanup_free_ char *v = read_in(
		    cg, v1 ? "hugetlb" : "", v1 ? "hugetlb.2MB.limit_in_bytes" : "hugetlb.2MB.max");
		check(strcmp(v, "4194304") == 0, "hugetlb 2MB limit reads back (got %s)", v);
	} else {
		skip("hugetlb", "no hugetlb controller or no 2MB pages");
	}
	pid_t pid = spawn(&w, child_sleep, NULL);
	cgroup_enter(cg, pid, &e), show(&e);
	json_gen *g = json_gen_new(false);
	check(cgroup_stats(cg, g, &e) == 0, "stats"), show(&e);
	_cleanup_free_ char *text = json_gen_text(g, NULL);
	json_gen_free(g);
	json_node *j = json_parse("stats", text, strlen(text), &e);
	check(j && json_object_get(j, "cpu") && json_object_get(j, "memory") &&
	          json_object_get(j, "pids") && json_object_get(j, "hugetlb"),
	      "stats JSON parses and has cpu, memory, pids, hugetlb");
	show(&e);
	json_free(j);
	check(cgroup_destroy(cg, &e) == 0, "destroy"), show(&e);
	waitpid(pid, NULL, 0);
}

/* major:minor of a real disk (not loop/zram/ram), or false. */
static bool find_disk(unsigned *maj, unsigned *min)
{
	const char *const names[] = {"vda", "sda", "nvme0n1", "xvda", "hda", NULL};

	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *f = xasprintf("/sys/block/%s/dev", names[i]), *s = NULL;
		struct hutch_error *e = NULL;
		if (fs_read_file_at(AT_FDCWD, f, &s, NULL, &e) < 0) {
			herr_free(e);
			continue;
		}
		if (sscanf(s, "%u:%u", maj, min) == 2)
			return true;
	}
	return false;
}

static void t_blkio(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("blkio", &e);
	unsigned maj, min;

	if (!cg)
		return (void)check(false, "create for blkio"), show(&e);
	if (!has_ctl(cg, "blkio", "io") || !find_disk(&maj, &min)) {
		skip("blkio", "no blkio/io controller or no disk");
		cgroup_destroy(cg, &e), show(&e);
		return;
	}
	bool v1 = cg_path(cg, "blkio") != NULL;
	/* a v1 blkio cgroup has a weight only under CFQ (gone since Linux 5.0)
	 * or BFQ: without either, a weight is refused, saying why */
	_cleanup_free_ char *dir = cgroup_get_dir(cg, "blkio");
	_cleanup_free_ char *wf = dir ? xasprintf("%s/blkio.weight", dir) : NULL;
	_cleanup_free_ char *bf = dir ? xasprintf("%s/blkio.bfq.weight", dir) : NULL;
	bool weight = !v1 || access(wf, F_OK) == 0 || access(bf, F_OK) == 0;
	_cleanup_free_ char *json =
	    xasprintf("{\"blockIO\":{%s\"throttleReadBpsDevice\":"
	              "[{\"major\":%u,\"minor\":%u,\"rate\":1048576}]}}",
	              weight ? "\"weight\":500,\"leafWeight\":500," : "", maj, min);
	if (!weight) {
		_cleanup_free_ char *wjson = xstrdup("{\"blockIO\":{\"weight\":500}}");
		int r = apply_json(cg, wjson, &e);
		check(r < 0 && e && strstr(e->msg, "no weight") && strstr(e->msg, "BFQ"),
		      "a weight is refused without a weight file (%s)", e ? e->msg : "applied");
		herr_freep(&e);
	}
	check(apply_json(cg, json, &e) == 0, "apply blockIO %sread bps",
	      weight ? "weight and " : ""),
	    show(&e);
	_cleanup_free_ char *want = xasprintf("%u:%u", maj, min);
	_cleanup_free_ char *t =
	    read_in(cg, v1 ? "blkio" : "", v1 ? "blkio.throttle.read_bps_device" : "io.max");
	check(strstr(t, want) && strstr(t, "1048576"), "read bps limit reads back (%s)", t);
	_cleanup_free_ char *w =
	    read_in(cg, v1 ? "blkio" : "", v1 ? "blkio.bfq.weight" : "io.weight");
	if (*w)
		check(strstr(w, v1 ? "500" : "4950") != NULL, "weight reads back (%s)", w);
	else
		skip("blkio weight readback", "no weight file (no BFQ)");
	check(cgroup_destroy(cg, &e) == 0, "destroy"), show(&e);
}

static void t_cycles(void)
{
	struct hutch_error *e = NULL;
	int bad = 0;
	_cleanup_free_ char *parent = xasprintf("%s/cyc", prefix);

	for (int i = 0; i < 100 && bad == 0; i++) {
		_cleanup_free_ char *name = xasprintf("cyc/%d", i);
		struct cgroup *cg = mk(name, &e);
		if (!cg) {
			show(&e);
			bad++;
			break;
		}
		pid_t pid = -1;
		int w = -1;
		if (i % 10 == 0) {
			pid = spawn(&w, child_sleep, NULL);
			cgroup_enter(cg, pid, &e), show(&e);
		}
		if (cgroup_destroy(cg, &e) < 0) {
			show(&e);
			bad++;
		}
		if (pid > 0) {
			waitpid(pid, NULL, 0);
			close(w);
		}
	}
	check(bad == 0, "100 create/destroy cycles");
	check(!exists_anywhere(parent), "the cycles leave nothing behind");
}

static void t_clone_into(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("clone", &e);
	_cleanup_free_ char *path = xasprintf("%s/clone", prefix);

	if (!cg)
		return (void)check(false, "create for clone3"), show(&e);
	int fd = cgroup_clone_fd(cg);
	if (fd < 0) {
		skip("clone3 CLONE_INTO_CGROUP", "no cgroup v2 hierarchy");
	} else {
		struct clone_args args = {
		    .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)fd};
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0) {
			pause();
			_exit(0);
		}
		close(fd);
		check(pid > 0, "clone3 into the cgroup");
		if (pid > 0) {
			_cleanup_free_ char *f = xasprintf("/proc/%ld/cgroup", pid), *s = NULL;
			_cleanup_free_ char *want = xasprintf("0::%s\n", path);
			if (fs_read_file_at(AT_FDCWD, f, &s, NULL, &e) == 0)
				check(strstr(s, want) != NULL, "the child starts in the v2 cgroup");
			show(&e);
			check(cgroup_enter(cg, (pid_t)pid, &e) == 0, "cgroup_enter after clone3"),
			    show(&e);
		}
		check(cgroup_destroy(cg, &e) == 0, "destroy"), show(&e);
		cg = NULL;
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
	}
	if (cg)
		cgroup_destroy(cg, &e), show(&e);
}

static void t_errors(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = mk("err", &e);

	if (!cg)
		return (void)check(false, "create for error checks"), show(&e);
	if (cg->mode == CGROUP_MODE_UNIFIED && !has_ctl(cg, "cpu", "cpu")) {
		skip("realtime refused on v2", "no cpu controller");
	} else if (cg->mode == CGROUP_MODE_UNIFIED) {
		int rc = apply_json(cg, "{\"cpu\":{\"realtimeRuntime\":100}}", &e);
		check(rc < 0 && e && strstr(e->msg, "cpu realtime is not supported on cgroup v2"),
		      "realtime refused on v2");
	} else {
		int rc = apply_json(cg, "{\"network\":{\"classID\":1}}", &e);
		bool have = cg_path(cg, "net_cls") != NULL;
		check(have ? rc == 0
		           : (rc < 0 && e && strstr(e->msg, "net_cls controller is not available")),
		      "net_cls %s", have ? "applies" : "missing is reported");
	}
	herr_freep(&e);
	cgroup_destroy(cg, &e), show(&e);
}

/* The device program is loaded without a verifier log; a refused one must
 * still say why, with the verifier's reason rather than its statistics. */
static void t_bpf_load(void)
{
	const struct bpf_insn good[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	const struct bpf_insn no_exit[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1},
	};
	struct hutch_error *e = NULL;
	int fd = cg_bpf_devices_load(good, 2, &e);

	check(fd >= 0, "a valid device program loads"), show(&e);
	if (fd >= 0)
		close(fd);
	fd = cg_bpf_devices_load(no_exit, 1, &e);
	check(fd < 0 && e && strstr(e->msg, "BPF verifier: ") && !strstr(e->msg, "no message") &&
	          !strstr(e->msg, "verifier: processed"),
	      "a refused program reports the verifier's reason (%s)", e ? e->msg : "loaded");
	herr_freep(&e);
}

static void run_suite(const char *label)
{
	printf("# suite: %s (%s)\n", label, mroot);
	t_create_enter_destroy();
	t_destroy_kills();
	t_pids_bomb();
	t_memory();
	t_freeze();
	t_devices();
	t_hugetlb_stats();
	t_blkio();
	t_clone_into();
	t_errors();
	t_cycles();
	/* the prefix directory itself was created by us: remove it everywhere */
	_cleanup_free_ char *cmd =
	    xasprintf("for d in %s/*%s %s%s; do [ -d \"$d\" ] && rmdir \"$d\"; done 2>/dev/null",
	              mroot, prefix, mroot, prefix);
	if (system(cmd) < 0)
		perror("system");
	check(!exists_anywhere(prefix), "no test cgroup left in any hierarchy");
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* The cgroup v2 suite in a private mount namespace with cgroup2 at
 * /sys/fs/cgroup: a pure-v2 view of a hybrid host. */
static void run_v2_view(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0) {
			printf("skip - cgroup v2 view: %s\n", strerror(errno));
			_exit(77);
		}
		passed = failed = skipped = 0;
		run_suite("cgroup v2 view");
		int counts[3] = {passed, failed, skipped};
		if (write(p[1], counts, sizeof(counts)) != sizeof(counts))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	int counts[3] = {0, 0, 0};
	ssize_t r = read(p[0], counts, sizeof(counts));
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (r == sizeof(counts)) {
		passed += counts[0];
		failed += counts[1];
		skipped += counts[2];
	} else {
		skipped++;
	}
}

int main(void)
{
	struct statfs sf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("skip - needs root\n0 passed, 0 failed, 1 skipped\n");
		return 77;
	}
	if (statfs(mroot, &sf) < 0) {
		printf("skip - no %s\n0 passed, 0 failed, 1 skipped\n", mroot);
		return 77;
	}
	/* orphans of the fork bomb come back to us and are reaped in run_suite */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	snprintf(prefix, sizeof(prefix), "/hutch-cgtest-%d", (int)getpid());
	t_bpf_load();
	if ((unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC) {
		run_suite("cgroup v2 host");
	} else {
		run_suite("cgroup v1/hybrid host");
		_cleanup_free_ char *u = xasprintf("%s/unified/cgroup.controllers", mroot);
		if (access(u, F_OK) == 0)
			run_v2_view();
		else
			skip("cgroup v2 view", "no cgroup2 hierarchy on this host");
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
