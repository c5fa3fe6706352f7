/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `events --stats`: read the controllers' accounting files and write runc's
 * Stats object (types/events.go): cpu, cpuset, memory, pids, blkio, hugetlb,
 * intel_rdt, network_interfaces. Fields that runc tags omitempty are left
 * out when zero; missing files read as zero. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rd(const char *dir, const char *file)
{
	struct hutch_error *e = NULL;
	uint64_t v = 0;

	if (!dir || cg_read_u64(dir, file, &v, &e) < 0)
		herr_free(e);
	return v;
}

static uint64_t rd_key(const char *dir, const char *file, const char *key)
{
	struct hutch_error *e = NULL;
	uint64_t v = 0;

	if (!dir || cg_read_key(dir, file, key, &v, &e) < 0)
		herr_free(e);
	return v;
}

static void kv_omit(json_gen *g, const char *key, uint64_t v)
{
	if (v)
		json_gen_kv_uint(g, key, v);
}

static void u64_list(json_gen *g, const char *key, const char *text)
{
	bool any = false;

	for (const char *p = text; p && *p;) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		if (!any)
			json_gen_string(g, key), json_gen_array_open(g);
		any = true;
		json_gen_uint(g, v);
		p = end + strspn(end, " \n");
	}
	if (any)
		json_gen_array_close(g);
}

static void cpu_stats(json_gen *g, const char *v1cpu, const char *v1acct, const char *v2)
{
	_cleanup_free_ char *percpu = NULL;
	struct hutch_error *e = NULL;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t total, user, sys;

	if (v2) {
		total = rd_key(v2, "cpu.stat", "usage_usec") * 1000;
		user = rd_key(v2, "cpu.stat", "user_usec") * 1000;
		sys = rd_key(v2, "cpu.stat", "system_usec") * 1000;
	} else {
		/* cpuacct.stat counts USER_HZ ticks */
		total = rd(v1acct, "cpuacct.usage");
		user =
		    rd_key(v1acct, "cpuacct.stat", "user") * (1000000000ULL / (hz > 0 ? hz : 100));
		sys = rd_key(v1acct, "cpuacct.stat", "system") *
		      (1000000000ULL / (hz > 0 ? hz : 100));
		if (v1acct && cg_read(v1acct, "cpuacct.usage_percpu", &percpu, &e) < 0)
			herr_freep(&e);
	}
	json_gen_string(g, "cpu");
	json_gen_map_open(g);
	json_gen_string(g, "usage");
	json_gen_map_open(g);
	kv_omit(g, "total", total);
	u64_list(g, "percpu", percpu);
	json_gen_kv_uint(g, "kernel", sys);
	json_gen_kv_uint(g, "user", user);
	json_gen_map_close(g);
	const char *d = v2 ? v2 : v1cpu;
	json_gen_string(g, "throttling");
	json_gen_map_open(g);
	kv_omit(g, "periods", rd_key(d, "cpu.stat", "nr_periods"));
	kv_omit(g, "throttledPeriods", rd_key(d, "cpu.stat", "nr_throttled"));
	kv_omit(g, "throttledTime",
	        v2 ? rd_key(d, "cpu.stat", "throttled_usec") * 1000
	           : rd_key(d, "cpu.stat", "throttled_time"));
	json_gen_map_close(g);
	json_gen_map_close(g);
}

/* "0-2,5" -> [0,1,2,5] */
static void cpu_list(json_gen *g, const char *key, const char *dir, const char *file)
{
	_cleanup_free_ char *s = NULL;
	struct hutch_error *e = NULL;
	bool any = false;

	if (!dir || cg_read(dir, file, &s, &e) < 0) {
		herr_free(e);
		return;
	}
	for (char *t = strtok(s, ",\n"); t; t = strtok(NULL, ",\n")) {
		unsigned long a = strtoul(t, NULL, 10), b = a;
		char *dash = strchr(t, '-');
		if (dash)
			b = strtoul(dash + 1, NULL, 10);
		for (unsigned long i = a; i <= b && i < 65536; i++) {
			if (!any)
				json_gen_string(g, key), json_gen_array_open(g);
			any = true;
			json_gen_uint(g, i);
		}
	}
	if (any)
		json_gen_array_close(g);
}

static void cpuset_stats(json_gen *g, const char *d, bool v2)
{
	json_gen_string(g, "cpuset");
	json_gen_map_open(g);
	cpu_list(g, "cpus", d, v2 ? "cpuset.cpus.effective" : "cpuset.cpus");
	json_gen_kv_uint(g, "cpu_exclusive", v2 ? 0 : rd(d, "cpuset.cpu_exclusive"));
	cpu_list(g, "mems", d, v2 ? "cpuset.mems.effective" : "cpuset.mems");
	static const char *const v1_files[][2] = {
	    {"mem_hardwall", "cpuset.mem_hardwall"},
	    {"mem_exclusive", "cpuset.mem_exclusive"},
	    {"memory_migrate", "cpuset.memory_migrate"},
	    {"memory_spread_page", "cpuset.memory_spread_page"},
	    {"memory_spread_slab", "cpuset.memory_spread_slab"},
	    {"memory_pressure", "cpuset.memory_pressure"},
	    {"sched_load_balance", "cpuset.sched_load_balance"},
	};
	for (size_t i = 0; i < sizeof(v1_files) / sizeof(v1_files[0]); i++)
		json_gen_kv_uint(g, v1_files[i][0], v2 ? 0 : rd(d, v1_files[i][1]));
	json_gen_kv_int(g, "sched_relax_domain_level",
	                v2 ? 0 : (long long)rd(d, "cpuset.sched_relax_domain_level"));
	json_gen_map_close(g);
}

static void mem_entry(json_gen *g, const char *key, uint64_t limit, uint64_t usage, uint64_t max,
                      uint64_t failcnt)
{
	json_gen_string(g, key);
	json_gen_map_open(g);
	json_gen_kv_uint(g, "limit", limit);
	kv_omit(g, "usage", usage);
	kv_omit(g, "max", max);
	json_gen_kv_uint(g, "failcnt", failcnt);
	json_gen_map_close(g);
}

static void mem_raw(json_gen *g, const char *d)
{
	_cleanup_free_ char *s = NULL;
	struct hutch_error *e = NULL;

	if (!d || cg_read(d, "memory.stat", &s, &e) < 0) {
		herr_free(e);
		return;
	}
	json_gen_string(g, "raw");
	json_gen_map_open(g);
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		json_gen_kv_uint(g, line, strtoull(sp + 1, NULL, 10));
	}
	json_gen_map_close(g);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void memory_stats(json_gen *g, const char *d, bool v2)
{
	json_gen_string(g, "memory");
	json_gen_map_open(g);
	if (v2) {
		uint64_t cur = rd(d, "memory.current"), max = rd(d, "memory.max");
		kv_omit(g, "cache", rd_key(d, "memory.stat", "file"));
		mem_entry(g, "usage", d ? max : 0, cur, rd(d, "memory.peak"),
		          rd_key(d, "memory.events", "max"));
		/* v1's memsw counted memory+swap: report it that way, like runc */
		mem_entry(g, "swap", sat_add(rd(d, "memory.swap.max"), max),
		          sat_add(rd(d, "memory.swap.current"), cur), 0,
		          rd_key(d, "memory.swap.events", "fail"));
		mem_entry(g, "kernel", 0, 0, 0, 0);
		mem_entry(g, "kernelTCP", 0, 0, 0, 0);
	} else {
		kv_omit(g, "cache", rd_key(d, "memory.stat", "cache"));
		mem_entry(g, "usage", rd(d, "memory.limit_in_bytes"),
		          rd(d, "memory.usage_in_bytes"), rd(d, "memory.max_usage_in_bytes"),
		          rd(d, "memory.failcnt"));
		mem_entry(g, "swap", rd(d, "memory.memsw.limit_in_bytes"),
		          rd(d, "memory.memsw.usage_in_bytes"),
		          rd(d, "memory.memsw.max_usage_in_bytes"), rd(d, "memory.memsw.failcnt"));
		mem_entry(g, "kernel", rd(d, "memory.kmem.limit_in_bytes"),
		          rd(d, "memory.kmem.usage_in_bytes"),
		          rd(d, "memory.kmem.max_usage_in_bytes"), rd(d, "memory.kmem.failcnt"));
		mem_entry(g, "kernelTCP", rd(d, "memory.kmem.tcp.limit_in_bytes"),
		          rd(d, "memory.kmem.tcp.usage_in_bytes"),
		          rd(d, "memory.kmem.tcp.max_usage_in_bytes"),
		          rd(d, "memory.kmem.tcp.failcnt"));
	}
	mem_raw(g, d);
	json_gen_map_close(g);
}

static void pids_stats(json_gen *g, const char *d)
{
	uint64_t limit = rd(d, "pids.max");

	json_gen_string(g, "pids");
	json_gen_map_open(g);
	kv_omit(g, "current", rd(d, "pids.current"));
	kv_omit(g, "limit", limit == UINT64_MAX ? 0 : limit);
	json_gen_map_close(g);
}

static void blkio_entry(json_gen *g, unsigned maj, unsigned min, const char *op, uint64_t v)
{
	json_gen_map_open(g);
	kv_omit(g, "major", maj);
	kv_omit(g, "minor", min);
	if (op && *op)
		json_gen_kv_string(g, "op", op);
	kv_omit(g, "value", v);
	json_gen_map_close(g);
}

/* v1: "8:0 Read 1234" lines (and a "Total N" line that runc skips too). */
static void blkio_v1_list(json_gen *g, const char *key, const char *d, const char *file)
{
	_cleanup_free_ char *s = NULL;
	struct hutch_error *e = NULL;
	bool any = false;

	if (!d || cg_read(d, file, &s, &e) < 0) {
		herr_free(e);
		return;
	}
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned maj, min;
		char op[32];
		unsigned long long v;
		if (sscanf(line, "%u:%u %31s %llu", &maj, &min, op, &v) != 4)
			continue;
		if (!any)
			json_gen_string(g, key), json_gen_array_open(g);
		any = true;
		blkio_entry(g, maj, min, op, v);
	}
	if (any)
		json_gen_array_close(g);
}

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
static void blkio_v2_list(json_gen *g, const char *key, const char *d, const char *rkey,
                          const char *wkey)
{
	_cleanup_free_ char *s = NULL;
	struct hutch_error *e = NULL;
	bool any = false;

	if (!d || cg_read(d, "io.stat", &s, &e) < 0) {
		herr_free(e);
		return;
	}
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned maj, min;
		if (sscanf(line, "%u:%u", &maj, &min) != 2)
			continue;
		const char *ks[2] = {rkey, wkey}, *ops[2] = {"Read", "Write"};
		for (int i = 0; i < 2; i++) {
			_cleanup_free_ char *pat = xasprintf(" %s=", ks[i]);
			char *p = strstr(line, pat);
			if (!p)
				continue;
			if (!any)
				json_gen_string(g, key), json_gen_array_open(g);
			any = true;
			blkio_entry(g, maj, min, ops[i], strtoull(p + strlen(pat), NULL, 10));
		}
	}
	if (any)
		json_gen_array_close(g);
}

static void blkio_stats(json_gen *g, const char *d, bool v2)
{
	json_gen_string(g, "blkio");
	json_gen_map_open(g);
	if (v2) {
		blkio_v2_list(g, "ioServiceBytesRecursive", d, "rbytes", "wbytes");
		blkio_v2_list(g, "ioServicedRecursive", d, "rios", "wios");
	} else {
		/* CFQ's files, else BFQ's, else the throttling layer's (runc's order) */
		static const char *const pre[] = {"blkio.", "blkio.bfq.", "blkio.throttle."};
		const char *p = "blkio.throttle.";
		for (size_t i = 0; d && i < 3; i++) {
			_cleanup_free_ char *f = xasprintf("%sio_service_bytes_recursive", pre[i]);
			if (cg_exists(d, f)) {
				p = pre[i];
				break;
			}
		}
		_cleanup_free_ char *f1 = xasprintf("%sio_service_bytes_recursive", p);
		_cleanup_free_ char *f2 = xasprintf("%sio_serviced_recursive", p);
		blkio_v1_list(g, "ioServiceBytesRecursive", d, f1);
		blkio_v1_list(g, "ioServicedRecursive", d, f2);
	}
	json_gen_map_close(g);
}

static void hugetlb_stats(json_gen *g, const char *d, bool v2)
{
	struct dirent **names = NULL;
	int n = d ? scandir(d, &names, NULL, alphasort) : 0;
	const char *suffix = v2 ? ".max" : ".limit_in_bytes";

	json_gen_string(g, "hugetlb");
	json_gen_map_open(g);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name), sl = strlen(suffix);
		if (str_has_prefix(name, "hugetlb.") && len > 8 + sl &&
		    strcmp(name + len - sl, suffix) == 0 && !strstr(name, ".rsvd.")) {
			_cleanup_free_ char *size = xstrndup(name + 8, len - 8 - sl);
			_cleanup_free_ char *f1 =
			    xasprintf("hugetlb.%s.%s", size, v2 ? "current" : "usage_in_bytes");
			_cleanup_free_ char *f2 = xasprintf("hugetlb.%s.max_usage_in_bytes", size);
			_cleanup_free_ char *f3 =
			    xasprintf("hugetlb.%s.%s", size, v2 ? "events" : "failcnt");
			json_gen_string(g, size);
			json_gen_map_open(g);
			kv_omit(g, "usage", rd(d, f1));
			kv_omit(g, "max", v2 ? 0 : rd(d, f2));
			json_gen_kv_uint(g, "failcnt", v2 ? rd_key(d, f3, "max") : rd(d, f3));
			json_gen_map_close(g);
		}
		free(names[i]);
	}
	free(names);
	json_gen_map_close(g);
}

/* The directory for a controller: v1 hierarchy, else v2 if it has it there. */
static char *ctl_dir(const struct cgroup *cg, const char *v1, const char *v2, bool *is_v2)
{
	const struct cgroup_hier *h = cg_find(cg, v1);
	char *d = h && h->path ? cg_dir(h) : NULL;

	*is_v2 = false;
	if (d || cg->manager == CGROUP_MANAGER_DISABLED || cg->n_hier == 0)
		return d;
	h = cg_find(cg, "");
	if (!h || !h->path)
		return NULL;
	d = cg_dir(h);
	if (!cg_v2_has_controller(d, v2)) {
		free(d);
		return NULL;
	}
	*is_v2 = true;
	return d;
}

int cg_stats(const struct cgroup *cg, json_gen *g, struct hutch_error **err)
{
	bool cpu2, set2, mem2, pid2, io2, huge2, acct2;
	_cleanup_free_ char *cpu = ctl_dir(cg, "cpu", "cpu", &cpu2);
	_cleanup_free_ char *acct = ctl_dir(cg, "cpuacct", "cpu", &acct2);
	_cleanup_free_ char *cpuset = ctl_dir(cg, "cpuset", "cpuset", &set2);
	_cleanup_free_ char *mem = ctl_dir(cg, "memory", "memory", &mem2);
	_cleanup_free_ char *pids = ctl_dir(cg, "pids", "pids", &pid2);
	_cleanup_free_ char *io = ctl_dir(cg, "blkio", "io", &io2);
	_cleanup_free_ char *huge = ctl_dir(cg, "hugetlb", "hugetlb", &huge2);

	json_gen_map_open(g);
	if (cg->manager == CGROUP_MANAGER_DISABLED) {
		json_gen_map_close(g); /* nothing is accounted: {} */
		return 0;
	}
	cpu_stats(g, cpu, acct, cpu2 ? cpu : NULL);
	cpuset_stats(g, cpuset, set2);
	memory_stats(g, mem, mem2);
	pids_stats(g, pids);
	blkio_stats(g, io, io2);
	hugetlb_stats(g, huge, huge2);
	json_gen_string(g, "intel_rdt");
	json_gen_map_open(g);
	json_gen_map_close(g);
	json_gen_string(g, "network_interfaces");
	json_gen_null(g);
	json_gen_map_close(g);
	return 0;
}

int cgroup_stats(const struct cgroup *cg, json_gen *g, struct hutch_error **err)
{
	return cg_stats(cg, g, err);
}
