/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.resources on cgroup v1 controllers: memory, cpu, cpuset, pids, blkio,
 * hugetlb, net_cls, net_prio, rdma, devices. Each writer gets the container's
 * directory in the hierarchy of its controller. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_i64(const char *dir, const char *file, int64_t v, struct hutch_error **err)
{
	return cg_writef(dir, file, err, "%lld", (long long)v);
}

static int set_mem_limit(const char *dir, int64_t v, struct hutch_error **err)
{
	uint64_t usage = 0, peak = 0;
	struct hutch_error *e = NULL;

	if (write_i64(dir, "memory.limit_in_bytes", v, err) == 0)
		return 0;
	if ((*err)->errnum != EBUSY)
		return -1;
	/* the kernel refuses a limit below the current usage */
	if (cg_read_u64(dir, "memory.usage_in_bytes", &usage, &e) < 0 ||
	    cg_read_u64(dir, "memory.max_usage_in_bytes", &peak, &e) < 0)
		herr_freep(&e);
	return herr_errno(err, EBUSY,
	                  "limit: unable to set memory limit to %lld (current usage: %llu, peak "
	                  "usage: %llu)",
	                  (long long)v, (unsigned long long)usage, (unsigned long long)peak);
}

static int set_swap(const char *dir, int64_t v, struct hutch_error **err)
{
	if (!cg_exists(dir, "memory.memsw.limit_in_bytes")) {
		if (v == -1)
			return 0;
		return herr_msg(err, "swap: swap accounting is not enabled on this host "
		                     "(no memory.memsw.limit_in_bytes)");
	}
	return write_i64(dir, "memory.memsw.limit_in_bytes", v, err);
}

/* Limit and memory+swap: order the two writes so the kernel's memsw >= limit
 * check holds both for raising and for lowering (as runc does). */
static int v1_memory_limits(const char *dir, const struct spec_memory *m, struct hutch_error **err)
{
	int64_t limit = m->limit.set ? m->limit.value : 0;
	int64_t swap = m->swap.set ? m->swap.value : 0;
	uint64_t cur = 0;

	if (limit == -1 && swap == 0 && cg_exists(dir, "memory.memsw.limit_in_bytes"))
		swap = -1;
	if (limit != 0 && swap != 0) {
		struct hutch_error *e = NULL;
		if (cg_read_u64(dir, "memory.limit_in_bytes", &cur, &e) < 0)
			herr_freep(&e);
		if (swap == -1 || cur < (uint64_t)swap)
			return set_swap(dir, swap, err) < 0 ? -1 : set_mem_limit(dir, limit, err);
	}
	if (limit != 0 && set_mem_limit(dir, limit, err) < 0)
		return -1;
	if (swap != 0 && set_swap(dir, swap, err) < 0)
		return -1;
	return 0;
}

/* kernel / kernelTCP: deprecated; newer kernels dropped or ignore the files. */
static void v1_kmem(const char *dir, const char *file, const struct opt_i64 *v, const char *field)
{
	struct hutch_error *e = NULL;

	if (!v->set)
		return;
	log_warn("config.json: .linux.resources.memory.%s: deprecated", field);
	if (v->value == 0 || !cg_exists(dir, file))
		return;
	if (write_i64(dir, file, v->value, &e) < 0) {
		log_warn("config.json: .linux.resources.memory.%s: %s (ignored)", field, e->msg);
		herr_free(e);
	}
}

int cg_v1_memory(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	const struct spec_memory *m = r->memory;

	if (v1_memory_limits(dir, m, err) < 0)
		return -1;
	if (m->reservation.set && m->reservation.value != 0 &&
	    write_i64(dir, "memory.soft_limit_in_bytes", m->reservation.value, err) < 0)
		return -1;
	v1_kmem(dir, "memory.kmem.limit_in_bytes", &m->kernel, "kernel");
	v1_kmem(dir, "memory.kmem.tcp.limit_in_bytes", &m->kernelTCP, "kernelTCP");
	if (m->swappiness.set) {
		if (m->swappiness.value > 100)
			return herr_msg(err, "swappiness: invalid value %llu, valid range is 0-100",
			                (unsigned long long)m->swappiness.value);
		if (cg_writef(dir, "memory.swappiness", err, "%llu",
		              (unsigned long long)m->swappiness.value) < 0)
			return -1;
	}
	if (m->disableOOMKiller.set &&
	    cg_write(dir, "memory.oom_control", m->disableOOMKiller.value ? "1" : "0", err) < 0)
		return -1;
	if (m->useHierarchy.set) {
		struct hutch_error *e = NULL;
		if (cg_write(dir, "memory.use_hierarchy", m->useHierarchy.value ? "1" : "0", &e) <
		    0) {
			log_warn("config.json: .linux.resources.memory.useHierarchy: %s (ignored)",
			         e->msg);
			herr_free(e);
		}
	}
	return 0;
}

static int v1_cpu_shares(const char *dir, uint64_t shares, struct hutch_error **err)
{
	uint64_t got = 0;

	if (cg_writef(dir, "cpu.shares", err, "%llu", (unsigned long long)shares) < 0)
		return -1;
	/* the kernel clamps silently: report it like runc */
	if (cg_read_u64(dir, "cpu.shares", &got, err) < 0)
		return -1;
	if (shares > got)
		return herr_msg(err, "shares: the maximum allowed cpu-shares is %llu",
		                (unsigned long long)got);
	if (shares < got)
		return herr_msg(err, "shares: the minimum allowed cpu-shares is %llu",
		                (unsigned long long)got);
	return 0;
}

/* Write `file`; when the kernel refuses it with EINVAL and `retry_later`,
 * leave it for after the value it depends on (*ret_pending). */
static int write_or_defer(const char *dir, const char *file, uint64_t v, bool retry_later,
                          bool *ret_pending, struct hutch_error **err)
{
	*ret_pending = false;
	if (cg_writef(dir, file, err, "%llu", (unsigned long long)v) == 0)
		return 0;
	if ((*err)->errnum != EINVAL || !retry_later)
		return -1;
	herr_freep(err);
	*ret_pending = true;
	return 0;
}

/* As runc: a shorter period (or a larger burst) can be refused while the
 * old quota is in place (the pair would exceed the parent's): then it is
 * written again after the quota. A kernel without cpu.cfs_burst_us ignores
 * the burst. */
static int v1_cpu_bandwidth(const char *dir, const struct spec_cpu *c, struct hutch_error **err)
{
	bool quota = c->quota.set && c->quota.value != 0, period_pending = false,
	     burst_pending = false;

	if (c->period.set && c->period.value != 0 &&
	    write_or_defer(dir, "cpu.cfs_period_us", c->period.value, quota, &period_pending, err) <
	        0)
		return -1;
	if (c->burst.set && cg_exists(dir, "cpu.cfs_burst_us") &&
	    write_or_defer(dir, "cpu.cfs_burst_us", c->burst.value, quota, &burst_pending, err) < 0)
		return -1;
	if (!quota)
		return 0;
	if (write_i64(dir, "cpu.cfs_quota_us", c->quota.value, err) < 0)
		return -1;
	if (period_pending && cg_writef(dir, "cpu.cfs_period_us", err, "%llu",
	                                (unsigned long long)c->period.value) < 0)
		return -1;
	if (burst_pending &&
	    cg_writef(dir, "cpu.cfs_burst_us", err, "%llu", (unsigned long long)c->burst.value) < 0)
		return -1;
	return 0;
}

/* The realtime pair, as runc: a new period the kernel refuses with the old
 * runtime (EINVAL: the group would exceed its parent's share) is written
 * again after the new runtime. */
static int v1_cpu_rt(const char *dir, const struct spec_cpu *c, struct hutch_error **err)
{
	bool runtime = c->realtimeRuntime.set && c->realtimeRuntime.value != 0, pending = false;

	if (c->realtimePeriod.set && c->realtimePeriod.value != 0 &&
	    write_or_defer(dir, "cpu.rt_period_us", c->realtimePeriod.value, runtime, &pending,
	                   err) < 0)
		return -1;
	if (!runtime)
		return 0;
	if (write_i64(dir, "cpu.rt_runtime_us", c->realtimeRuntime.value, err) < 0)
		return -1;
	if (pending && cg_writef(dir, "cpu.rt_period_us", err, "%llu",
	                         (unsigned long long)c->realtimePeriod.value) < 0)
		return -1;
	return 0;
}

int cg_v1_cpu(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	const struct spec_cpu *c = r->cpu;

	/* realtime first: tasks with RT policy can only join once runtime is set */
	if (v1_cpu_rt(dir, c, err) < 0)
		return -1;
	if (c->shares.set && c->shares.value != 0 && v1_cpu_shares(dir, c->shares.value, err) < 0)
		return -1;
	if (v1_cpu_bandwidth(dir, c, err) < 0)
		return -1;
	if (c->idle.set && write_i64(dir, "cpu.idle", c->idle.value, err) < 0)
		return -1;
	return 0;
}

/* The parent directory of h's cgroup; NULL when that is the hierarchy's
 * root (which has its own budget). */
static char *parent_dir(const struct cgroup_hier *h)
{
	char *dir = cg_dir(h), *slash = strrchr(dir, '/');

	if (!slash || (size_t)(slash - dir) <= strlen(h->mount)) {
		free(dir);
		return NULL;
	}
	*slash = '\0';
	return dir;
}

/* Σ of the children's realtime runtimes of `dir`, in µs per `period` (the
 * kernel compares runtime/period ratios), leaving out the child `skip`. */
static uint64_t children_rt(const char *dir, uint64_t period, const char *skip)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t sum = 0;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		struct hutch_error *e = NULL;
		uint64_t p = 0, r = 0;
		if (de->d_type != DT_DIR || de->d_name[0] == '.' || strcmp(de->d_name, skip) == 0)
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		if (cg_read_u64(sub, "cpu.rt_period_us", &p, &e) < 0 ||
		    cg_read_u64(sub, "cpu.rt_runtime_us", &r, &e) < 0 || p == 0 ||
		    r == UINT64_MAX) {
			herr_free(e);
			continue;
		}
		sum += (r * period + p - 1) / p;
	}
	return sum;
}

int cg_v1_rt_reserve(const struct cgroup_hier *h, int64_t runtime, uint64_t period,
                     struct hutch_error **err)
{
	_cleanup_free_ char *parent = parent_dir(h);
	const char *leaf = strrchr(h->path, '/') + 1;
	uint64_t pp = 0, have = 0, want;

	if (!parent || period == 0 || !cg_exists(parent, "cpu.rt_runtime_us"))
		return 0;
	if (cg_read_u64(parent, "cpu.rt_period_us", &pp, err) < 0 ||
	    cg_read_u64(parent, "cpu.rt_runtime_us", &have, err) < 0)
		return -1;
	want = children_rt(parent, pp, leaf) + ((uint64_t)runtime * pp + period - 1) / period;
	if (have != UINT64_MAX && have >= want)
		return 0;
	if (cg_writef(parent, "cpu.rt_runtime_us", err, "%llu", (unsigned long long)want) < 0)
		return herr_prefix(
		    err,
		    "give %s a realtime budget of %llu us per %llu us (its own parent "
		    "has too little left?)",
		    parent, (unsigned long long)want, (unsigned long long)pp);
	return 0;
}

void cg_v1_rt_release(const struct cgroup_hier *h)
{
	_cleanup_free_ char *parent = parent_dir(h);
	const char *leaf = strrchr(h->path, '/') + 1;
	struct hutch_error *e = NULL;
	uint64_t pp = 0, have = 0;

	/* a parent without a budget has none to give back, and its children
	 * none either: no walk over them (one per container under it) */
	if (!parent || cg_read_u64(parent, "cpu.rt_runtime_us", &have, &e) < 0 || have == 0 ||
	    cg_read_u64(parent, "cpu.rt_period_us", &pp, &e) < 0) {
		herr_free(e);
		return;
	}
	/* the kernel frees a removed cgroup's budget a moment after rmdir(2)
	 * (later still while a zombie of it is not reaped): try for a while */
	for (int i = 0; i < 20; i++) {
		if (cg_writef(parent, "cpu.rt_runtime_us", &e, "%llu",
		              (unsigned long long)children_rt(parent, pp, leaf)) == 0)
			return;
		herr_freep(&e);
		usleep(10000);
	}
}

int cg_v1_cpuset(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	if (r->cpu->cpus && *r->cpu->cpus && cg_write(dir, "cpuset.cpus", r->cpu->cpus, err) < 0)
		return -1;
	if (r->cpu->mems && *r->cpu->mems && cg_write(dir, "cpuset.mems", r->cpu->mems, err) < 0)
		return -1;
	return 0;
}

/* Fill `file` (cpuset.cpus or cpuset.mems) at every level of h->path that
 * is empty, from the level above. Only the leaf is read when it holds a
 * value already (its parent has cgroup.clone_children: the kernel copied
 * it at mkdir); else each level, then each value is read once. *ret_empty:
 * the leaf was made empty. */
static int cpuset_fill(const struct cgroup_hier *h, const char *file, bool *ret_empty,
                       struct hutch_error **err)
{
	_cleanup_free_ char *parent = xstrdup(h->mount), *val = NULL, *leaf = cg_dir(h);
	int levels = 0, level = 0;

	*ret_empty = false;
	if (cg_read(leaf, file, &val, err) < 0)
		return -1;
	if (val[strspn(val, " \n")] != '\0')
		return 0;
	*ret_empty = h->created_depth > 0;
	free(steal_ptr(&val));
	for (const char *p = h->path; *p; p++)
		levels += *p == '/';
	for (const char *p = h->path + 1; *p;) {
		size_t l = strcspn(p, "/");
		_cleanup_free_ char *dir = xasprintf("%s/%.*s", parent, (int)l, p);
		_cleanup_free_ char *cur = NULL;

		if (++level <= levels - h->created_depth && level < levels &&
		    cg_read(dir, file, &cur, err) < 0)
			return -1;
		if (cur && cur[strspn(cur, " \n")] != '\0') {
			free(val);
			val = steal_ptr(&cur);
		} else {
			if (!val && cg_read(parent, file, &val, err) < 0)
				return -1;
			val[strcspn(val, "\n")] = '\0';
			if (*val && cg_write(dir, file, val, err) < 0)
				return -1;
		}
		free(parent);
		parent = steal_ptr(&dir);
		p += l;
		if (*p == '/')
			p++;
	}
	return 0;
}

int cg_v1_cpuset_init(const struct cgroup_hier *h, bool own_parent, struct hutch_error **err)
{
	_cleanup_free_ char *parent = parent_dir(h);
	struct hutch_error *e = NULL;
	bool empty_cpus, empty_mems;

	/* A new v1 cpuset starts with empty cpus/mems and refuses tasks until
	 * both are set: fill every level from its parent. */
	if (cpuset_fill(h, "cpuset.cpus", &empty_cpus, err) < 0 ||
	    cpuset_fill(h, "cpuset.mems", &empty_mems, err) < 0)
		return -1;
	/* hutch's own parent copies them into the next ones at mkdir (without
	 * the check against every sibling a write of cpuset.cpus costs) */
	if (own_parent && parent && (empty_cpus || empty_mems) &&
	    cg_write(parent, "cgroup.clone_children", "1", &e) < 0)
		herr_free(e);
	return 0;
}

int cg_v1_pids(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	char buf[24];
	int64_t v = r->pids_limit.set ? r->pids_limit.value : 0;

	return cg_write(dir, "pids.max", v > 0 ? cg_limit_str(v, buf) : "max", err);
}

static int write_dev_list(const char *dir, const char *file, const struct spec_blkio_throttle *t,
                          size_t n, struct hutch_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (cg_writef(dir, file, err, "%lld:%lld %llu", (long long)t[i].major,
		              (long long)t[i].minor, (unsigned long long)t[i].rate) < 0)
			return -1;
	return 0;
}

static bool has_leaf_weight(const struct spec_blkio *b)
{
	if (b->leafWeight.set)
		return true;
	for (size_t i = 0; i < b->n_weightDevice; i++)
		if (b->weightDevice[i].leafWeight.set)
			return true;
	return false;
}

static bool has_weight(const struct spec_blkio *b)
{
	if (b->weight.set && b->weight.value != 0)
		return true;
	for (size_t i = 0; i < b->n_weightDevice; i++)
		if (b->weightDevice[i].weight.set)
			return true;
	return false;
}

int cg_v1_blkio(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	const struct spec_blkio *b = r->blockIO;
	/* without CFQ, the BFQ scheduler offers the weight under another name */
	bool bfq = !cg_exists(dir, "blkio.weight") && cg_exists(dir, "blkio.bfq.weight");
	const char *wfile = bfq ? "blkio.bfq.weight" : "blkio.weight";
	const char *wdfile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";

	if (has_weight(b) && !bfq && !cg_exists(dir, wfile))
		return herr_msg(err,
		                "weight: this host's blkio cgroup has no weight (neither "
		                "blkio.weight nor blkio.bfq.weight: the disk's I/O scheduler is "
		                "not BFQ)");
	if (b->weight.set && b->weight.value != 0 &&
	    cg_writef(dir, wfile, err, "%llu", (unsigned long long)b->weight.value) < 0)
		return -1;
	/* leaf weights were CFQ's, which newer kernels no longer have */
	bool leaf = cg_exists(dir, "blkio.leaf_weight");
	if (!leaf && has_leaf_weight(b))
		log_warn("config.json: .linux.resources.blockIO: leafWeight is not supported by "
		         "this kernel "
		         "(no blkio.leaf_weight), ignored");
	if (leaf && b->leafWeight.set && b->leafWeight.value != 0 &&
	    cg_writef(dir, "blkio.leaf_weight", err, "%llu",
	              (unsigned long long)b->leafWeight.value) < 0)
		return -1;
	for (size_t i = 0; i < b->n_weightDevice; i++) {
		const struct spec_blkio_weight_device *w = &b->weightDevice[i];
		if (w->weight.set &&
		    cg_writef(dir, wdfile, err, "%lld:%lld %llu", (long long)w->major,
		              (long long)w->minor, (unsigned long long)w->weight.value) < 0)
			return -1;
		if (leaf && w->leafWeight.set &&
		    cg_writef(dir, "blkio.leaf_weight_device", err, "%lld:%lld %llu",
		              (long long)w->major, (long long)w->minor,
		              (unsigned long long)w->leafWeight.value) < 0)
			return -1;
	}
	if (write_dev_list(dir, "blkio.throttle.read_bps_device", b->throttleReadBpsDevice,
	                   b->n_throttleReadBpsDevice, err) < 0 ||
	    write_dev_list(dir, "blkio.throttle.write_bps_device", b->throttleWriteBpsDevice,
	                   b->n_throttleWriteBpsDevice, err) < 0 ||
	    write_dev_list(dir, "blkio.throttle.read_iops_device", b->throttleReadIOPSDevice,
	                   b->n_throttleReadIOPSDevice, err) < 0 ||
	    write_dev_list(dir, "blkio.throttle.write_iops_device", b->throttleWriteIOPSDevice,
	                   b->n_throttleWriteIOPSDevice, err) < 0)
		return -1;
	return 0;
}

int cg_hugetlb_write(const char *dir, const struct spec_resources *r, const char *suffix,
                     struct hutch_error **err)
{
	for (size_t i = 0; i < r->n_hugepageLimits; i++) {
		const struct spec_hugepage_limit *l = &r->hugepageLimits[i];
		_cleanup_free_ char *file = NULL;
		if (!l->pageSize || !*l->pageSize || strchr(l->pageSize, '/') ||
		    strchr(l->pageSize, '.'))
			return herr_msg(err, "[%zu].pageSize: invalid page size \"%s\"", i,
			                l->pageSize ? l->pageSize : "");
		file = xasprintf("hugetlb.%s.%s", l->pageSize, suffix);
		if (!cg_exists(dir, file))
			return herr_msg(err,
			                "[%zu]: page size %s is not supported on this host (no %s)",
			                i, l->pageSize, file);
		if (cg_writef(dir, file, err, "%llu", (unsigned long long)l->limit) < 0)
			return -1;
	}
	return 0;
}

int cg_v1_hugetlb(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	if (cg_hugetlb_write(dir, r, "limit_in_bytes", err) < 0)
		return -1;
	/* keep reservations in line with the limit where the kernel has them */
	for (size_t i = 0; i < r->n_hugepageLimits; i++) {
		const struct spec_hugepage_limit *l = &r->hugepageLimits[i];
		_cleanup_free_ char *file =
		    xasprintf("hugetlb.%s.rsvd.limit_in_bytes", l->pageSize);
		if (cg_exists(dir, file) &&
		    cg_writef(dir, file, err, "%llu", (unsigned long long)l->limit) < 0)
			return -1;
	}
	return 0;
}

int cg_v1_net_cls(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	return cg_writef(dir, "net_cls.classid", err, "%llu",
	                 (unsigned long long)r->network->classID.value);
}

int cg_v1_net_prio(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	for (size_t i = 0; i < r->network->n_priorities; i++) {
		const struct spec_net_priority *p = &r->network->priorities[i];
		if (cg_writef(dir, "net_prio.ifpriomap", err, "%s %u", p->name, p->priority) < 0)
			return -1;
	}
	return 0;
}

/* Shared by v1 and v2: "dev hca_handle=N hca_object=M" lines in rdma.max. */
int cg_v1_rdma(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct spec_rdma *d = &r->rdma[i];
		char handles[32] = "", objects[32] = "";
		if (!d->hcaHandles.set && !d->hcaObjects.set)
			continue;
		if (d->hcaHandles.set)
			snprintf(handles, sizeof(handles), " hca_handle=%llu",
			         (unsigned long long)d->hcaHandles.value);
		if (d->hcaObjects.set)
			snprintf(objects, sizeof(objects), " hca_object=%llu",
			         (unsigned long long)d->hcaObjects.value);
		if (cg_writef(dir, "rdma.max", err, "%s%s%s", d->device, handles, objects) < 0)
			return -1;
	}
	return 0;
}
