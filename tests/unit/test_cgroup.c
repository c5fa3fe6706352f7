/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup library on fixture trees (no root): host-mode detection, path rules,
 * every resource field's file and value on v1, v2 and hybrid, conversions,
 * freeze, pids, stats, OOM count, (de)serialisation, and the device filter
 * checked with a small interpreter of the generated BPF program. */
#include "linux/cgroup/cgroup.h"
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "cgroup_res.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The container's path in the hierarchy holding controller c ("" for v2). */
static const char *cg_path(const struct cgroup *cg, const char *c)
{
	const struct cgroup_hier *h = cg_find(cg, c);

	return h ? h->path : NULL;
}

static char *root;

/* --- fixture helpers ----------------------------------------------------- */

static void put(const char *rel, const char *content)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
	_cleanup_free_ char *dir = xstrdup(path);
	struct hutch_error *e = NULL;

	*strrchr(dir, '/') = '\0';
	if (fs_mkdir_p(dir, 0755, &e) < 0) {
		fprintf(stderr, "fixture: %s\n", e->msg);
		exit(2);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || fs_write_all(fd, content, strlen(content)) < 0) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static char *get(const char *rel)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
	struct hutch_error *e = NULL;
	char *s = NULL;

	if (fs_read_file_at(AT_FDCWD, path, &s, NULL, &e) < 0) {
		herr_free(e);
		return xstrdup("<missing>");
	}
	return s;
}

static void check_file(const char *rel, const char *want)
{
	_cleanup_free_ char *got = get(rel);
	/* one line of TAP: the description stops at the first newline */
	_cleanup_free_ char *what = xasprintf("%s = \"%.*s\"", rel, (int)strcspn(want, "\n"), want);

	is_str(got, want, what);
}

/* the container's v2 directory is <root><path> */
static void is_dir_of(const struct cgroup *cg, const char *path, const char *what)
{
	_cleanup_free_ char *got = cg ? cgroup_get_dir(cg, "") : NULL;
	_cleanup_free_ char *want = xasprintf("%s%s", root, path);

	is_str(got, want, what);
}

static void fresh_root(void)
{
	if (root) {
		_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
		if (system(cmd) != 0)
			exit(2);
		free(root);
	}
	char tmpl[] = "/tmp/hutch-cgtest-XXXXXX";
	root = xstrdup(mkdtemp(tmpl));
}

static bool err_has(struct hutch_error *e, const char *needle)
{
	bool r = e && strstr(e->msg, needle);

	if (!r)
		printf("#   error: %s\n#   want:  %s\n", e ? e->msg : "(none)", needle);
	return r;
}

static struct cgroup *mk(const char *id, const char *path, const char *self, struct hutch_error **e)
{
	struct cgroup_config c = {.id = id,
	                          .cgroups_path = path,
	                          .manager = CGROUP_MANAGER_FS,
	                          .mount_root = root,
	                          .self_cgroup_file = self};
	struct cgroup *cg = NULL;

	if (cgroup_create(&c, &cg, e) < 0)
		return NULL;
	return cg;
}

/* A cgroup v2 tree with `ctl` available and the leaf hutch/<id> prepared. */
static void v2_tree(const char *ctl, const char *leaf)
{
	fresh_root();
	put("cgroup.controllers", ctl);
	put("cgroup.subtree_control", "");
	put("cgroup.procs", "1\n");
	put("hutch/cgroup.controllers", ctl);
	put("hutch/cgroup.subtree_control", "");
	put("hutch/cgroup.procs", "");
	if (!leaf)
		return;
	static const char *const files[] = {"cgroup.procs",    "cgroup.subtree_control",
	                                    "cgroup.freeze",   "memory.max",
	                                    "memory.low",      "memory.swap.max",
	                                    "memory.high",     "cpu.weight",
	                                    "cpu.max",         "cpu.max.burst",
	                                    "cpu.idle",        "cpuset.cpus",
	                                    "cpuset.mems",     "pids.max",
	                                    "io.weight",       "io.max",
	                                    "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max",
	                                    "rdma.max",        NULL};
	for (size_t i = 0; files[i]; i++) {
		_cleanup_free_ char *rel = xasprintf("%s/%s", leaf, files[i]);
		put(rel, "");
	}
	_cleanup_free_ char *rel = xasprintf("%s/cgroup.controllers", leaf);
	put(rel, ctl);
	_cleanup_free_ char *cur = xasprintf("%s/memory.current", leaf);
	put(cur, "4096\n");
}

static const char *const v1_ctls[] = {"blkio",   "cpu",     "cpuacct", "cpuset",  "devices",
                                      "freezer", "hugetlb", "memory",  "net_cls", "net_prio",
                                      "pids",    "systemd", NULL};

static const char *const v1_files[] = {"memory:memory.limit_in_bytes",
                                       "memory:memory.memsw.limit_in_bytes",
                                       "memory:memory.soft_limit_in_bytes",
                                       "memory:memory.swappiness",
                                       "memory:memory.oom_control",
                                       "memory:memory.use_hierarchy",
                                       "cpu:cpu.shares",
                                       "cpu:cpu.cfs_quota_us",
                                       "cpu:cpu.cfs_period_us",
                                       "cpu:cpu.cfs_burst_us",
                                       "cpu:cpu.rt_period_us",
                                       "cpu:cpu.rt_runtime_us",
                                       "cpu:cpu.idle",
                                       "pids:pids.max",
                                       "blkio:blkio.weight",
                                       "blkio:blkio.leaf_weight",
                                       "blkio:blkio.weight_device",
                                       "blkio:blkio.leaf_weight_device",
                                       "blkio:blkio.throttle.read_bps_device",
                                       "blkio:blkio.throttle.write_bps_device",
                                       "blkio:blkio.throttle.read_iops_device",
                                       "blkio:blkio.throttle.write_iops_device",
                                       "hugetlb:hugetlb.2MB.limit_in_bytes",
                                       "net_cls:net_cls.classid",
                                       "net_prio:net_prio.ifpriomap",
                                       "devices:devices.allow",
                                       "devices:devices.deny",
                                       "freezer:freezer.state",
                                       NULL};

/* A cgroup v1 tree (plus a v2 "unified" one when hybrid_ctl is set). */
static void v1_tree(const char *leaf, const char *hybrid_ctl, bool with_hugetlb)
{
	fresh_root();
	for (size_t i = 0; v1_ctls[i]; i++) {
		if (!with_hugetlb && strcmp(v1_ctls[i], "hugetlb") == 0)
			continue;
		_cleanup_free_ char *a = xasprintf("%s/cgroup.procs", v1_ctls[i]);
		_cleanup_free_ char *b = xasprintf("%s/%s/cgroup.procs", v1_ctls[i], leaf);
		put(a, "1\n");
		put(b, "");
	}
	put("cpuset/cpuset.cpus", "0-1\n");
	put("cpuset/cpuset.mems", "0\n");
	put("cpuset/hutch/cpuset.cpus", "\n");
	put("cpuset/hutch/cpuset.mems", "\n");
	_cleanup_free_ char *lc = xasprintf("cpuset/%s/cpuset.cpus", leaf);
	_cleanup_free_ char *lm = xasprintf("cpuset/%s/cpuset.mems", leaf);
	put(lc, "");
	put(lm, "");
	for (size_t i = 0; v1_files[i]; i++) {
		const char *colon = strchr(v1_files[i], ':');
		_cleanup_free_ char *rel = xasprintf("%.*s/%s/%s", (int)(colon - v1_files[i]),
		                                     v1_files[i], leaf, colon + 1);
		if (with_hugetlb || !strstr(rel, "hugetlb"))
			put(rel, "");
	}
	_cleanup_free_ char *lim = xasprintf("memory/%s/memory.limit_in_bytes", leaf);
	put(lim, "9223372036854771712\n");
	if (hybrid_ctl) {
		put("unified/cgroup.controllers", hybrid_ctl);
		put("unified/cgroup.subtree_control", "");
		put("unified/cgroup.procs", "");
		put("unified/hutch/cgroup.controllers", hybrid_ctl);
		put("unified/hutch/cgroup.subtree_control", "");
		_cleanup_free_ char *a = xasprintf("unified/%s/cgroup.procs", leaf);
		_cleanup_free_ char *b = xasprintf("unified/%s/cgroup.controllers", leaf);
		_cleanup_free_ char *c = xasprintf("unified/%s/hugetlb.2MB.max", leaf);
		put(a, "");
		put(b, hybrid_ctl);
		put(c, "");
	}
}

/* --- tests --------------------------------------------------------------- */

static void test_conversions(void)
{
	struct hutch_error *e = NULL;
	char *s = NULL;

	ok(cgroup_cpu_shares_to_weight(2) == 1, "shares 2 -> weight 1");
	ok(cgroup_cpu_shares_to_weight(1024) == 39, "shares 1024 -> weight 39");
	ok(cgroup_cpu_shares_to_weight(262144) == 10000, "shares 262144 -> weight 10000");
	ok(cgroup_cpu_shares_to_weight(0) == 0, "shares 0 stays unset");
	ok(cgroup_blkio_weight_to_io_weight(10) == 1, "blkio 10 -> io 1");
	ok(cgroup_blkio_weight_to_io_weight(500) == 4950, "blkio 500 -> io 4950");
	ok(cgroup_blkio_weight_to_io_weight(1000) == 10000, "blkio 1000 -> io 10000");

	ok(cgroup_swap_to_v2(0, -1, &s, &e) == 0 && strcmp(s, "max") == 0,
	   "unlimited memory, swap unset -> swap max");
	free(s);
	ok(cgroup_swap_to_v2(0, 1000, &s, &e) == 1, "swap unset -> nothing written");
	ok(cgroup_swap_to_v2(-1, 1000, &s, &e) == 0 && strcmp(s, "max") == 0, "swap -1 -> max");
	free(s);
	ok(cgroup_swap_to_v2(3000, 1000, &s, &e) == 0 && strcmp(s, "2000") == 0,
	   "swap 3000 limit 1000 -> swap.max 2000");
	free(s);
	ok(cgroup_swap_to_v2(1000, 1000, &s, &e) == 0 && strcmp(s, "0") == 0,
	   "swap == limit -> swap disabled (0)");
	free(s);
	ok(cgroup_swap_to_v2(500, 1000, &s, &e) < 0 && err_has(e, "must be >="),
	   "swap below limit refused");
	herr_freep(&e);
	ok(cgroup_swap_to_v2(500, 0, &s, &e) < 0 && err_has(e, "without a memory limit"),
	   "swap without limit refused");
	herr_freep(&e);
}

static void test_paths(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg;
	_cleanup_free_ char *self = NULL;

	v2_tree("cpu memory pids", NULL);
	cg = mk("c1", NULL, NULL, &e);
	ok(cg && cg->mode == CGROUP_MODE_UNIFIED, "v2 fixture detected as unified");
	is_str(cg ? cg_path(cg, "") : NULL, "/hutch/c1", "unset cgroupsPath -> /hutch/<id>");
	_cleanup_free_ char *p = xasprintf("%s/hutch/c1", root);
	ok(access(p, F_OK) == 0, "leaf directory created");
	check_file("cgroup.subtree_control", "+cpu +memory +pids");
	check_file("hutch/cgroup.subtree_control", "+cpu +memory +pids");
	cgroup_free(cg);

	/* controllers already enabled are not written again (the kernel shows
	 * "cpu memory pids"); only the missing ones are */
	put("cgroup.subtree_control", "cpu memory pids\n");
	put("hutch/cgroup.subtree_control", "cpu pids\n");
	cg = mk("c1b", NULL, NULL, &e);
	ok(cg != NULL, "create with controllers enabled already");
	check_file("cgroup.subtree_control", "cpu memory pids\n");
	check_file("hutch/cgroup.subtree_control", "+memory");
	cgroup_free(cg);

	cg = mk("c2", "/a/b//c/", NULL, &e);
	is_str(cg ? cg_path(cg, "") : NULL, "/a/b/c", "absolute cgroupsPath is kept, cleaned");
	cgroup_free(cg);

	self = xasprintf("%s/self", root);
	put("self", "0::/user.slice/me\n");
	cg = mk("c3", "x/y", self, &e);
	is_str(cg ? cg_path(cg, "") : NULL, "/user.slice/me/x/y",
	       "relative cgroupsPath goes under our own cgroup");
	cgroup_free(cg);

	ok(!mk("c4", "/a/../b", NULL, &e) && err_has(e, "\"..\" is not allowed"), "\"..\" refused");
	herr_freep(&e);
	ok(!mk("a/b", NULL, NULL, &e) && err_has(e, "invalid container id"),
	   "id with a slash refused");
	herr_freep(&e);

	put("hutch/busy/cgroup.procs", "42\n");
	cg = mk("busy", NULL, NULL, &e);
	ok(cg != NULL, "a non-empty cgroup is used (with a warning)");
	_cleanup_free_ char *busy = cg ? cgroup_serialize(cg) : NULL;
	ok(busy && strstr(busy, "\"shared\":true"), "and recorded as shared");
	cgroup_free(cg);
	herr_freep(&e);
	put("hutch/ice/cgroup.events", "populated 0\nfrozen 1\n");
	ok(!mk("ice", NULL, NULL, &e) && err_has(e, "container's cgroup unexpectedly frozen"),
	   "a frozen cgroup is refused");
	herr_freep(&e);

	/* hybrid: each v1 hierarchy has its own parent for relative paths */
	v1_tree("hutch/h1", "hugetlb", false);
	put("self",
	    "12:name=systemd:/sys\n11:memory:/mem/x\n10:cpu,cpuacct:/cpu\n9:blkio:/\n"
	    "8:cpuset:/\n7:devices:/\n6:freezer:/\n5:net_cls,net_prio:/\n4:pids:/\n0::/uni\n");
	free(self);
	self = xasprintf("%s/self", root);
	cg = mk("h1", NULL, NULL, &e);
	ok(cg && cg->mode == CGROUP_MODE_HYBRID, "hybrid fixture detected");
	is_str(cg ? cg_path(cg, "memory") : NULL, "/hutch/h1", "hybrid memory path");
	is_str(cg ? cg_path(cg, "") : NULL, "/hutch/h1", "hybrid unified path");
	cgroup_free(cg);
	put("cpuset/rel/cpuset.cpus", ""); /* a fixture mkdir makes no files */
	put("cpuset/rel/cpuset.mems", "");
	put("cpuset/rel/cgroup.procs", "");
	cg = mk("r1", "rel", self, &e);
	if (!cg)
		printf("# %s\n", e->msg);
	is_str(cg ? cg_path(cg, "memory") : NULL, "/mem/x/rel",
	       "relative path per hierarchy: memory");
	is_str(cg ? cg_path(cg, "cpuacct") : NULL, "/cpu/rel",
	       "relative path per hierarchy: cpuacct");
	is_str(cg ? cg_path(cg, "name=systemd") : NULL, "/sys/rel", "relative path: named systemd");
	is_str(cg ? cg_path(cg, "") : NULL, "/uni/rel", "relative path: unified");
	cgroup_free(cg);
	herr_freep(&e);
}

static void apply_ok(struct cgroup *cg, const char *json, const char *what)
{
	struct spec_resources *r = res_from_json(json);
	struct hutch_error *e = NULL;
	int rc = r ? cgroup_apply(cg, r, &e) : -1;

	if (!ok(rc == 0, "apply %s", what) && e)
		printf("#   %s\n", e->msg);
	herr_free(e);
	res_free(r);
}

static void apply_fail(struct cgroup *cg, const char *json, const char *needle)
{
	struct spec_resources *r = res_from_json(json);
	struct hutch_error *e = NULL;
	int rc = r ? cgroup_apply(cg, r, &e) : 0;

	ok(rc < 0 && err_has(e, needle), "refused: %s", needle);
	herr_free(e);
	res_free(r);
}

static void test_v2_resources(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg;

	v2_tree("cpuset cpu io memory hugetlb pids rdma", "hutch/r");
	cg = mk("r", NULL, NULL, &e);
	ok(cg != NULL, "create on prepared v2 leaf");
	if (!cg)
		return;
	apply_ok(
	    cg,
	    "{\"memory\":{\"limit\":1000000,\"reservation\":500000,\"swap\":3000000},"
	    "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"burst\":1000,"
	    "\"idle\":1,\"cpus\":\"0-1\",\"mems\":\"0\"},\"pids\":{\"limit\":20},"
	    "\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":"
	    "1000}],\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}]},"
	    "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
	    "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000}},"
	    "\"unified\":{\"memory.high\":\"900000\"}}",
	    "every v2 field");
	check_file("hutch/r/memory.max", "1000000");
	check_file("hutch/r/memory.low", "500000");
	check_file("hutch/r/memory.swap.max", "2000000");
	check_file("hutch/r/memory.high", "900000");
	check_file("hutch/r/cpu.weight", "39");
	check_file("hutch/r/cpu.max", "50000 100000");
	check_file("hutch/r/cpu.max.burst", "1000");
	check_file("hutch/r/cpu.idle", "1");
	check_file("hutch/r/cpuset.cpus", "0-1");
	check_file("hutch/r/cpuset.mems", "0");
	check_file("hutch/r/pids.max", "20");
	check_file("hutch/r/io.weight", "8:0 10000");
	check_file("hutch/r/io.max", "8:0 rbps=1048576");
	check_file("hutch/r/hugetlb.2MB.max", "4194304");
	check_file("hutch/r/hugetlb.2MB.rsvd.max", "4194304");
	check_file("hutch/r/rdma.max", "mlx5_1 hca_handle=3 hca_object=10000");

	apply_ok(cg, "{\"blockIO\":{\"weight\":500}}", "blkio weight alone");
	check_file("hutch/r/io.weight", "4950");
	apply_ok(cg, "{\"pids\":{\"limit\":-1},\"cpu\":{\"quota\":-1}}",
	         "unlimited pids and quota");
	check_file("hutch/r/pids.max", "max");
	check_file("hutch/r/cpu.max", "max");
	apply_ok(cg, "{\"memory\":{\"limit\":-1}}", "unlimited memory");
	check_file("hutch/r/memory.max", "max");
	check_file("hutch/r/memory.swap.max", "max");
	apply_ok(cg, "{\"memory\":{\"limit\":2000,\"swap\":2000}}", "swap equal to limit");
	check_file("hutch/r/memory.swap.max", "0");
	apply_ok(cg, "{\"memory\":{\"limit\":2000,\"checkBeforeUpdate\":false}}",
	         "lower limit without check");
	apply_fail(cg, "{\"memory\":{\"limit\":2000,\"checkBeforeUpdate\":true}}",
	           "lower than the current usage 4096");
	apply_fail(cg, "{\"cpu\":{\"realtimeRuntime\":1000,\"realtimePeriod\":10000}}",
	           "cpu realtime is not supported on cgroup v2");
	apply_fail(cg, "{\"unified\":{\"misc.max\":\"1\"}}",
	           "the misc controller is not available");
	apply_fail(cg, "{\"unified\":{\"../x\":\"1\"}}", "not a cgroup v2 file name");
	apply_fail(cg, "{\"network\":{\"classID\":1}}",
	           "linux.resources.network.classID: net_cls controller is not available");
	apply_fail(cg, "{\"hugepageLimits\":[{\"pageSize\":\"1GB\",\"limit\":1}]}",
	           "page size 1GB is not supported");
	cgroup_free(cg);

	v2_tree("cpu memory pids", "hutch/n");
	cg = mk("n", NULL, NULL, &e);
	apply_fail(cg, "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}]}",
	           "linux.resources.hugepageLimits: hugetlb controller is not available");
	apply_fail(cg, "{\"blockIO\":{\"weight\":100}}",
	           "linux.resources.blockIO: io controller is not available");
	apply_ok(cg, "{\"memory\":{}}", "an empty memory object needs nothing");
	cgroup_free(cg);
	herr_freep(&e);
}

/* A leaf whose cpuset the kernel filled at mkdir (its parent has
 * cgroup.clone_children) is left as it is: only it is read. */
static void test_v1_cpuset_kept(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg;

	v1_tree("hutch/k", NULL, true);
	put("cpuset/hutch/cpuset.cpus", "0-1\n");
	put("cpuset/hutch/cpuset.mems", "0\n");
	put("cpuset/hutch/k/cpuset.cpus", "1\n");
	put("cpuset/hutch/k/cpuset.mems", "0\n");
	cg = mk("k", NULL, NULL, &e);
	ok(cg != NULL, "create with a filled cpuset");
	check_file("cpuset/hutch/k/cpuset.cpus", "1\n");
	cgroup_free(cg);
	herr_freep(&e);
}

/* The leaf hutch/v of a fresh v1 fixture (cpuset filled), made and checked
 * to be seen as legacy; NULL (reported) when it is not. */
static struct cgroup *mk_v1_leaf(const char *what)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg;

	v1_tree("hutch/v", NULL, true);
	cg = mk("v", NULL, NULL, &e);
	if (!ok(cg && cg->mode == CGROUP_MODE_LEGACY, "%s: v1 fixture detected as legacy", what)) {
		if (e)
			printf("#   %s\n", e->msg);
		cgroup_free(cg);
		cg = NULL;
	}
	herr_freep(&e);
	return cg;
}

static void test_v1_resources(void)
{
	struct cgroup *cg = mk_v1_leaf("every v1 field");

	if (!cg)
		return;
	check_file("cpuset/hutch/cpuset.cpus", "0-1");
	check_file("cpuset/hutch/v/cpuset.mems", "0");
	apply_ok(
	    cg,
	    "{\"memory\":{\"limit\":1000000,\"reservation\":500000,\"swap\":3000000,"
	    "\"swappiness\":10,\"disableOOMKiller\":true},"
	    "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"burst\":1000,"
	    "\"realtimeRuntime\":950,\"realtimePeriod\":1000,\"idle\":0,\"cpus\":\"1\"},"
	    "\"pids\":{\"limit\":20},"
	    "\"blockIO\":{\"weight\":500,\"leafWeight\":300,\"weightDevice\":[{\"major\":8,"
	    "\"minor\":0,\"weight\":100,\"leafWeight\":50}],"
	    "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1}],"
	    "\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":2}],"
	    "\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":3}],"
	    "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":4}]},"
	    "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
	    "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
	    "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
	    "\"major\":1,\"minor\":3,\"access\":\"rw\"},{\"allow\":true,\"type\":\"c\","
	    "\"major\":136,\"access\":\"rwm\"}]}",
	    "every v1 field");
	check_file("memory/hutch/v/memory.limit_in_bytes", "1000000");
	check_file("memory/hutch/v/memory.memsw.limit_in_bytes", "3000000");
	check_file("memory/hutch/v/memory.soft_limit_in_bytes", "500000");
	check_file("memory/hutch/v/memory.swappiness", "10");
	check_file("memory/hutch/v/memory.oom_control", "1");
	check_file("cpu/hutch/v/cpu.shares", "1024");
	check_file("cpu/hutch/v/cpu.cfs_quota_us", "50000");
	check_file("cpu/hutch/v/cpu.cfs_period_us", "100000");
	check_file("cpu/hutch/v/cpu.cfs_burst_us", "1000");
	check_file("cpu/hutch/v/cpu.rt_runtime_us", "950");
	check_file("cpu/hutch/v/cpu.rt_period_us", "1000");
	check_file("cpu/hutch/v/cpu.idle", "0");
	check_file("cpuset/hutch/v/cpuset.cpus", "1");
	check_file("pids/hutch/v/pids.max", "20");
	check_file("blkio/hutch/v/blkio.weight", "500");
	check_file("blkio/hutch/v/blkio.leaf_weight", "300");
	check_file("blkio/hutch/v/blkio.weight_device", "8:0 100");
	check_file("blkio/hutch/v/blkio.leaf_weight_device", "8:0 50");
	check_file("blkio/hutch/v/blkio.throttle.read_bps_device", "8:0 1");
	check_file("blkio/hutch/v/blkio.throttle.write_bps_device", "8:0 2");
	check_file("blkio/hutch/v/blkio.throttle.read_iops_device", "8:0 3");
	check_file("blkio/hutch/v/blkio.throttle.write_iops_device", "8:0 4");
	check_file("hugetlb/hutch/v/hugetlb.2MB.limit_in_bytes", "4194304");
	check_file("net_cls/hutch/v/net_cls.classid", "1048577");
	check_file("net_prio/hutch/v/net_prio.ifpriomap", "eth0 5");
	check_file("devices/hutch/v/devices.deny", "a");
	/* Rules go through one open devices.allow, one per write(2) (the kernel
	 * takes each write as a rule); in this plain-file fixture they follow
	 * each other. */
	check_file("devices/hutch/v/devices.allow", "c 1:3 rwc 136:* rwm");
	cgroup_free(cg);
}

/* Updates on v1: device rules as the difference to devices.list, lifted
 * limits, and what v1 refuses. */
static void test_v1_updates(void)
{
	struct cgroup *cg = mk_v1_leaf("v1 updates");

	if (!cg)
		return;
	/* update on a default-deny list: only the difference, allows first */
	put("devices/hutch/v/devices.list", "c 1:3 rwm\nc 1:5 rwm\nc 136:* rw\n");
	put("devices/hutch/v/devices.deny", "");
	apply_ok(cg,
	         "{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\",\"major\":1,"
	         "\"minor\":3,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":136,"
	         "\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":9,"
	         "\"access\":\"rw\"},{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":9,"
	         "\"access\":\"w\"}]}",
	         "devices update");
	check_file("devices/hutch/v/devices.allow", "c 136:* mc 1:9 r");
	check_file("devices/hutch/v/devices.deny", "c 1:5 rwm");
	put("devices/hutch/v/devices.list", "c 1:3 rwm\nc 136:* rwm\nc 1:9 r\n");
	put("devices/hutch/v/devices.allow", "");
	put("devices/hutch/v/devices.deny", "");
	apply_ok(cg,
	         "{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\",\"major\":1,"
	         "\"minor\":3},{\"allow\":true,\"type\":\"c\",\"major\":136},{\"allow\":true,"
	         "\"type\":\"c\",\"major\":1,\"minor\":9,\"access\":\"r\"}]}",
	         "devices update with nothing to change");
	check_file("devices/hutch/v/devices.allow", "");
	check_file("devices/hutch/v/devices.deny", "");

	apply_ok(cg, "{\"pids\":{\"limit\":0}}", "pids 0 -> unlimited");
	check_file("pids/hutch/v/pids.max", "max");
	apply_ok(cg, "{\"memory\":{\"limit\":-1}}", "unlimited memory also lifts memsw");
	check_file("memory/hutch/v/memory.memsw.limit_in_bytes", "-1");
	check_file("memory/hutch/v/memory.limit_in_bytes", "-1");
	apply_fail(cg, "{\"memory\":{\"swappiness\":101}}", "valid range is 0-100");
	apply_fail(cg, "{\"unified\":{\"memory.max\":\"1\"}}",
	           "linux.resources.unified: invalid configuration: cgroup v2 is required");
	apply_fail(cg, "{\"rdma\":{\"mlx\":{\"hcaHandles\":1}}}",
	           "linux.resources.rdma: rdma controller is not available");
	cgroup_free(cg);
}

/* hybrid: hugetlb only on the unified side. */
static void test_hybrid_hugetlb(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg;

	/* Every controller is delegated down to the leaf already (its
	 * cgroup.controllers has all of the root's): nothing is written. */
	v1_tree("hutch/h", "hugetlb", false);
	cg = mk("h", NULL, NULL, &e);
	ok(cg != NULL, "create on hybrid fixture, delegated already");
	check_file("unified/cgroup.subtree_control", "");
	cgroup_free(cg);
	/* Not delegated (the leaf offers none): each level enables it. The
	 * fixture's files do not follow the writes as the kernel's would, so
	 * the leaf is then given what the kernel would show. */
	v1_tree("hutch/h", "hugetlb", false);
	put("unified/hutch/h/cgroup.controllers", "");
	cg = mk("h", NULL, NULL, &e);
	ok(cg != NULL, "create on hybrid fixture");
	if (cg) {
		check_file("unified/cgroup.subtree_control", "+hugetlb");
		check_file("unified/hutch/cgroup.subtree_control", "+hugetlb");
		put("unified/hutch/h/cgroup.controllers", "hugetlb");
		apply_ok(cg, "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2097152}]}",
		         "hugetlb on the v2 side of hybrid");
		check_file("unified/hutch/h/hugetlb.2MB.max", "2097152");
		apply_fail(cg, "{\"unified\":{\"cgroup.max.depth\":\"1\"}}",
		           "cgroup v2 is required, but this host's cgroups are hybrid");
		cgroup_free(cg);
	}
	v1_tree("hutch/nh", NULL, false);
	cg = mk("nh", NULL, NULL, &e);
	apply_fail(cg, "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}]}",
	           "linux.resources.hugepageLimits: hugetlb controller is not available");
	cgroup_free(cg);
	herr_freep(&e);
}

static void test_v2_freeze_pids_oom_stats(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg;
	pid_t *pids = NULL;
	size_t n = 0;
	bool frozen = false;
	uint64_t oom = 0;

	v2_tree("cpu io memory pids hugetlb", "hutch/f");
	put("hutch/f/cgroup.events", "populated 1\nfrozen 1\n");
	put("hutch/f/cgroup.procs", "12\n34\n");
	put("hutch/f/sub/cgroup.procs", "56\n");
	put("hutch/f/memory.events", "low 0\nhigh 0\nmax 2\noom 1\noom_kill 3\n");
	put("hutch/f/cpu.stat", "usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 7\n"
	                        "nr_throttled 1\nthrottled_usec 5\n");
	put("hutch/f/memory.current", "4096\n");
	put("hutch/f/memory.max", "max\n");
	put("hutch/f/memory.stat", "anon 100\nfile 200\n");
	put("hutch/f/pids.current", "3\n");
	put("hutch/f/pids.max", "20\n");
	put("hutch/f/hugetlb.2MB.current", "0\n");
	put("hutch/f/hugetlb.2MB.events", "max 0\n");
	put("hutch/f/io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
	/* a pre-created leaf that is frozen is refused: create on a thawed
	 * empty twin, then fill it and let it report frozen */
	put("hutch/f/cgroup.procs", "");
	put("hutch/f/cgroup.events", "populated 0\nfrozen 0\n");
	cg = mk("f", NULL, NULL, &e);
	if (!ok(cg != NULL, "create freeze fixture"))
		return;
	put("hutch/f/cgroup.procs", "12\n34\n");
	put("hutch/f/cgroup.events", "populated 1\nfrozen 1\n");
	ok(cgroup_freeze(cg, true, &e) == 0, "v2 freeze waits for frozen 1");
	check_file("hutch/f/cgroup.freeze", "1");
	ok(cgroup_get_frozen(cg, &frozen, &e) == 0 && frozen, "v2 reads frozen");
	ok(cgroup_pids(cg, &pids, &n, &e) == 0 && n == 3 && pids[0] == 12 && pids[2] == 56,
	   "pids are collected recursively");
	free(pids);
	ok(cgroup_oom_count(cg, &oom, &e) == 0 && oom == 3, "v2 oom_kill count");

	json_gen *g = json_gen_new(false);
	ok(cgroup_stats(cg, g, &e) == 0, "stats");
	_cleanup_free_ char *text = json_gen_text(g, NULL);
	json_gen_free(g);
	json_node *j = json_parse("stats", text, strlen(text), &e);
	ok(j != NULL, "stats is valid JSON");
	if (j) {
		json_node *cpu = json_object_get(j, "cpu");
		json_node *usage = cpu ? json_object_get(cpu, "usage") : NULL;
		json_node *tot = usage ? json_object_get(usage, "total") : NULL;
		is_str(tot ? json_number_text(tot) : NULL, "10000", "cpu.usage.total in ns");
		json_node *mem = json_object_get(j, "memory");
		json_node *mu = mem ? json_object_get(mem, "usage") : NULL;
		json_node *mv = mu ? json_object_get(mu, "usage") : NULL;
		is_str(mv ? json_number_text(mv) : NULL, "4096", "memory.usage.usage");
		json_node *ca = mem ? json_object_get(mem, "cache") : NULL;
		is_str(ca ? json_number_text(ca) : NULL, "200", "memory.cache from file");
		json_node *pd = json_object_get(j, "pids");
		json_node *pl = pd ? json_object_get(pd, "limit") : NULL;
		is_str(pl ? json_number_text(pl) : NULL, "20", "pids.limit");
		json_node *hu = json_object_get(j, "hugetlb");
		ok(hu && json_object_get(hu, "2MB"), "hugetlb has 2MB");
		json_node *bl = json_object_get(j, "blkio");
		json_node *sb = bl ? json_object_get(bl, "ioServiceBytesRecursive") : NULL;
		ok(sb && json_len(sb) == 2, "blkio ioServiceBytesRecursive read and write");
		ok(json_object_get(j, "cpuset") && json_object_get(j, "intel_rdt"),
		   "cpuset and intel_rdt present");
		json_free(j);
	} else {
		printf("# %s\n%s\n", e->msg, text);
	}
	cgroup_free(cg);
	herr_freep(&e);
}

static void test_v1_freeze_oom_stats(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg;
	bool frozen = false;
	uint64_t oom = 0;
	json_gen *g;
	json_node *j;

	v1_tree("hutch/f1", NULL, false);
	put("freezer/hutch/f1/freezer.state", "THAWED\n");
	put("memory/hutch/f1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
	cg = mk("f1", NULL, NULL, &e);
	ok(cg && cgroup_freeze(cg, true, &e) == 0, "v1 freeze");
	check_file("freezer/hutch/f1/freezer.state", "FROZEN");
	ok(cg && cgroup_get_frozen(cg, &frozen, &e) == 0 && frozen, "v1 reads FROZEN");
	ok(cg && cgroup_freeze(cg, false, &e) == 0, "v1 thaw");
	check_file("freezer/hutch/f1/freezer.state", "THAWED");
	ok(cg && cgroup_oom_count(cg, &oom, &e) == 0 && oom == 4, "v1 oom_kill count");
	g = json_gen_new(false);
	ok(cg && cgroup_stats(cg, g, &e) == 0, "v1 stats");
	_cleanup_free_ char *t1 = json_gen_text(g, NULL);
	json_gen_free(g);
	j = json_parse("stats", t1, strlen(t1), &e);
	ok(j != NULL, "v1 stats is valid JSON");
	json_free(j);
	cgroup_free(cg);
	herr_freep(&e);
}

static void test_serialize(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg, *back = NULL;

	v1_tree("hutch/s", "hugetlb", false);
	cg = mk("s", NULL, NULL, &e);
	if (!ok(cg != NULL, "create for serialize"))
		return;
	_cleanup_free_ char *s1 = cgroup_serialize(cg);
	ok(cgroup_deserialize(s1, &back, &e) == 0, "deserialize");
	_cleanup_free_ char *s2 = back ? cgroup_serialize(back) : NULL;
	is_str(s2, s1, "serialize round trip");
	ok(back && back->mode == CGROUP_MODE_HYBRID, "mode survives");
	is_str(back ? cg_path(back, "memory") : NULL, "/hutch/s", "paths survive");
	cgroup_free(back);
	cgroup_free(cg);
	ok(cgroup_deserialize("{\"manager\":\"fs\"}", &back, &e) < 0 && err_has(e, "cgroup state"),
	   "bad state refused");
	herr_freep(&e);
}

/* Rootless: an unset cgroupsPath is "<id>" below the parent of our own
 * cgroup on v2 (the delegated slice), relative ones too; device rules are
 * not applied; what needs a cgroup is named. */
static void test_rootless(void)
{
	_cleanup_free_ char *self = NULL, *ser = NULL, *names = NULL;
	struct hutch_error *e = NULL;
	struct cgroup *cg, *back = NULL;
	struct cgroup_config c = {.id = "r1", .manager = CGROUP_MANAGER_FS, .rootless = true};

	v2_tree("cpu memory pids", "u/app.slice/r1");
	self = xasprintf("%s/self", root);
	put("self", "0::/u/app.slice/term.scope\n");
	c.mount_root = root;
	c.self_cgroup_file = self;
	ok(cgroup_create(&c, &cg, &e) == 0, "rootless: create");
	is_dir_of(cg, "/u/app.slice/r1",
	          "rootless, unset cgroupsPath: <id> next to our own cgroup");
	ser = cg ? cgroup_serialize(cg) : NULL;
	ok(ser && strstr(ser, "\"rootless\":true") && !strstr(ser, "default_path"),
	   "rootless recorded, not the default /hutch path");
	ok(ser && cgroup_deserialize(ser, &back, &e) == 0, "rootless: deserialize");
	apply_ok(back,
	         "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
	         "\"pids\":{\"limit\":7}}",
	         "rootless: device rules skipped, pids written");
	check_file("u/app.slice/r1/pids.max", "7");
	cgroup_free(back);
	cgroup_free(cg);
	c.id = "r2";
	c.cgroups_path = "x/y";
	ok(cgroup_create(&c, &cg, &e) == 0, "rootless: create with a relative path");
	is_dir_of(cg, "/u/app.slice/x/y", "rootless, relative cgroupsPath: next to our own cgroup");
	cgroup_free(cg);
	c.cgroups_path = "/abs/r3";
	ok(cgroup_create(&c, &cg, &e) == 0, "rootless: create with an absolute path");
	is_dir_of(cg, "/abs/r3", "rootless, absolute path kept");
	cgroup_free(cg);
	herr_freep(&e);

	struct spec_resources *r = res_from_json("{\"devices\":[{\"allow\":false}],"
	                                         "\"memory\":{\"limit\":4096},"
	                                         "\"pids\":{\"limit\":3}}");
	names = cgroup_resources_needing_cgroup(r);
	is_str(names, ".linux.resources.memory, .linux.resources.pids",
	       "resources needing a cgroup named, devices left out");
	res_free(r);
	r = res_from_json("{\"devices\":[{\"allow\":false}]}");
	ok(cgroup_resources_needing_cgroup(r) == NULL, "device rules alone need no cgroup");
	res_free(r);
}

static void test_disabled(void)
{
	struct cgroup_config c = {
	    .id = "d", .manager = CGROUP_MANAGER_DISABLED, .mount_root = "/nonexistent"};
	struct hutch_error *e = NULL;
	struct cgroup *cg = NULL, *back = NULL;
	pid_t *pids = NULL;
	size_t n = 1;
	bool fr = true;

	ok(cgroup_create(&c, &cg, &e) == 0, "disabled: create");
	ok(cgroup_clone_fd(cg) == -1, "disabled: no clone fd");
	ok(cgroup_enter(cg, 1, &e) == 0, "disabled: enter");
	ok(cgroup_freeze(cg, true, &e) == 0, "disabled: freeze");
	ok(cgroup_get_frozen(cg, &fr, &e) == 0 && !fr, "disabled: not frozen");
	ok(cgroup_pids(cg, &pids, &n, &e) == 0 && n == 0, "disabled: no pids");
	ok(cgroup_signal(cg, 0, &e) == 0, "disabled: signal");
	json_gen *g = json_gen_new(false);
	ok(cgroup_stats(cg, g, &e) == 0, "disabled: stats");
	_cleanup_free_ char *st = json_gen_text(g, NULL);
	is_str(st, "{}", "disabled: stats are empty");
	json_gen_free(g);
	_cleanup_free_ char *s = cgroup_serialize(cg);
	ok(cgroup_deserialize(s, &back, &e) == 0 &&
	       cgroup_get_manager(back) == CGROUP_MANAGER_DISABLED,
	   "disabled: round trip");
	cgroup_free(back);
	ok(cgroup_destroy(cg, &e) == 0, "disabled: destroy");
}

static void test_systemd(void)
{
	struct hutch_error *e = NULL;
	struct cgroup *cg = NULL;

	if (access("/run/systemd/system", F_OK) == 0) {
		ok(true, "# SKIP systemd is running here");
		return;
	}
	v2_tree("cpu", NULL);
	struct cgroup_config c = {.id = "s",
	                          .cgroups_path = "system.slice:hutch:s",
	                          .manager = CGROUP_MANAGER_SYSTEMD,
	                          .mount_root = root};
	ok(cgroup_create(&c, &cg, &e) < 0 &&
	       err_has(e, "systemd cgroup driver: systemd is not running (no /run/systemd/system)"),
	   "systemd driver without systemd");
	herr_freep(&e);
}

/* --- device filter: run the generated program on a tiny interpreter ------ */

static int run_prog(const struct bpf_insn *p, size_t n, int type, int access, int major, int minor)
{
	uint64_t r[11] = {0};
	uint32_t ctx[3] = {(uint32_t)(access << 16 | type), (uint32_t)major, (uint32_t)minor};

	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = (uint32_t)(r[i->dst_reg] & (uint32_t)i->imm);
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[i->dst_reg] = (uint32_t)r[i->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += i->off;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			if (r[i->dst_reg] == (uint64_t)(int64_t)i->imm)
				pc += i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			return -1;
		}
	}
	return -2;
}

static void test_bpf(void)
{
	struct hutch_error *e = NULL;
	size_t n_def, n;
	const struct spec_device_cgroup *def = cgroup_default_device_rules(&n_def);
	void *prog = NULL;
	enum { B = BPF_DEVCG_DEV_BLOCK, C = BPF_DEVCG_DEV_CHAR };
	enum { R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD };

	ok(n_def == 12 && !def[0].allow && strcmp(def[0].type, "a") == 0,
	   "default rules: deny all first, then 11 allows");
	ok(cg_bpf_devices_compile(def, n_def, &prog, &n, &e) == 0, "compile the default rules");
	ok(run_prog(prog, n, C, R | W, 1, 3) == 1, "/dev/null rw allowed");
	ok(run_prog(prog, n, C, R, 1, 9) == 1, "/dev/urandom r allowed");
	ok(run_prog(prog, n, C, R | W, 136, 7) == 1, "/dev/pts/7 allowed");
	ok(run_prog(prog, n, C, R, 1, 1) == 0, "/dev/mem denied");
	ok(run_prog(prog, n, B, R, 8, 0) == 0, "block read denied");
	ok(run_prog(prog, n, B, M, 8, 0) == 1, "block mknod allowed");
	ok(run_prog(prog, n, C, M, 4, 1) == 1, "char mknod allowed");
	ok(run_prog(prog, n, C, R | M, 4, 1) == 0, "read plus mknod of a non-listed char denied");
	free(prog);

	struct spec_device_cgroup rules[] = {
	    {.allow = true},
	    {.allow = false,
	     .type = (char *)"c",
	     .major = {true, 1},
	     .minor = {true, 3},
	     .access = (char *)"w"},
	};
	ok(cg_bpf_devices_compile(rules, 2, &prog, &n, &e) == 0, "compile allow-all then deny w");
	ok(run_prog(prog, n, C, W, 1, 3) == 0, "later deny wins for write");
	ok(run_prog(prog, n, C, R | W, 1, 3) == 0, "read+write hits the deny");
	ok(run_prog(prog, n, C, R, 1, 3) == 1, "read still allowed");
	ok(run_prog(prog, n, B, R | W, 8, 0) == 1, "others allowed");
	free(prog);

	struct spec_device_cgroup bad = {.allow = true, .access = (char *)"rx"};
	ok(cg_bpf_devices_compile(&bad, 1, &prog, &n, &e) < 0 &&
	       err_has(e, "invalid device access"),
	   "bad access refused");
	herr_freep(&e);
}

int main(void)
{
	test_conversions();
	test_paths();
	test_v2_resources();
	test_v1_resources();
	test_v1_updates();
	test_hybrid_hugetlb();
	test_v1_cpuset_kept();
	test_v2_freeze_pids_oom_stats();
	test_v1_freeze_oom_stats();
	test_serialize();
	test_rootless();
	test_disabled();
	test_systemd();
	test_bpf();
	if (root) {
		_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
		if (system(cmd) != 0)
			return 2;
	}
	return done_testing();
}
