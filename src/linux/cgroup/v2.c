/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.resources on the cgroup v2 hierarchy: memory, cpu, cpuset, pids, io,
 * hugetlb, rdma, devices (eBPF) and the raw `unified` map, with runc's
 * conversions from the v1-shaped spec values; and enabling controllers. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/str.h"

#include <errno.h>
#include <string.h>

static bool has_word(const char *list, const char *w)
{
	size_t len = strlen(w);

	for (const char *p = list; (p = strstr(p, w)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\n' || !p[len]))
			return true;
	return false;
}

/* Every controller of the root's cgroup.controllers already available in the
 * leaf's (each level offers what its parent's subtree_control enables): then
 * every ancestor delegates all of them. Two reads instead of two per level. */
static bool all_delegated(const struct cgroup_hier *h)
{
	_cleanup_free_ char *root = NULL, *leaf = NULL, *dir = cg_dir(h);
	struct hutch_error *e = NULL;

	if (cg_read(h->mount, "cgroup.controllers", &root, &e) < 0 ||
	    cg_read(dir, "cgroup.controllers", &leaf, &e) < 0) {
		herr_free(e);
		return false;
	}
	for (char *t = strtok(root, " \n"); t; t = strtok(NULL, " \n"))
		if (!has_word(leaf, t))
			return false;
	return true;
}

int cg_v2_enable_controllers(const struct cgroup_hier *h)
{
	_cleanup_free_ char *dir = xstrdup(h->mount);

	if (all_delegated(h))
		return 0;
	/* Every ancestor of the leaf must delegate the controllers down. Errors
	 * are not fatal: a controller that cannot be enabled shows up later as
	 * "not available" for the field that needs it. Only the controllers not
	 * enabled yet are written: a write to cgroup.subtree_control walks every
	 * cgroup below (cgroup_lock_and_drain_offline), a cost that grows with
	 * the number of containers, while reading the file costs nothing. */
	for (const char *p = h->path + 1; *p;) {
		_cleanup_free_ char *ctl = NULL, *sub = NULL, *all = NULL;
		struct hutch_error *e = NULL;
		size_t l = strcspn(p, "/");

		if (cg_read(dir, "cgroup.controllers", &ctl, &e) == 0 &&
		    cg_read(dir, "cgroup.subtree_control", &sub, &e) == 0) {
			all = xcalloc(1, strlen(ctl) * 2 + 2);
			for (char *t = strtok(ctl, " \n"); t; t = strtok(NULL, " \n"))
				if (!has_word(sub, t))
					strcat(strcat(strcat(all, *all ? " " : ""), "+"), t);
			if (*all && cg_write(dir, "cgroup.subtree_control", all, &e) < 0) {
				/* one by one, so one refusal does not block the rest */
				herr_freep(&e);
				for (char *t = strtok(all, " "); t; t = strtok(NULL, " "))
					if (cg_write(dir, "cgroup.subtree_control", t, &e) < 0) {
						log_debug("cgroup: %s", e->msg);
						herr_freep(&e);
					}
			}
		}
		herr_freep(&e);
		char *next = xasprintf("%s/%.*s", dir, (int)l, p);
		free(dir);
		dir = next;
		p += l;
		if (*p == '/')
			p++;
		if (!*p)
			break; /* the leaf itself keeps its processes: no subtree_control */
	}
	return 0;
}

int cg_v2_memory(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	const struct spec_memory *m = r->memory;
	int64_t limit = m->limit.set ? m->limit.value : 0;
	_cleanup_free_ char *swap = NULL;
	char buf[24];
	int rs;

	if (m->checkBeforeUpdate.set && m->checkBeforeUpdate.value && limit > 0) {
		uint64_t usage = 0;
		if (cg_read_u64(dir, "memory.current", &usage, err) < 0)
			return -1;
		if ((uint64_t)limit < usage)
			return herr_msg(err,
			                "limit: new memory limit %lld is lower than the current "
			                "usage %llu",
			                (long long)limit, (unsigned long long)usage);
	}
	rs = cgroup_swap_to_v2(m->swap.set ? m->swap.value : 0, limit, &swap, err);
	if (rs < 0)
		return -1;
	if (rs == 0 && cg_write(dir, "memory.swap.max", swap, err) < 0) {
		/* no swap accounting: "unlimited" and "none" need no file */
		if ((*err)->errnum != ENOENT ||
		    (strcmp(swap, "max") != 0 && strcmp(swap, "0") != 0))
			return -1;
		herr_freep(err);
	}
	if (limit != 0 && cg_write(dir, "memory.max", cg_limit_str(limit, buf), err) < 0)
		return -1;
	if (m->reservation.set && m->reservation.value != 0 &&
	    cg_write(dir, "memory.low", cg_limit_str(m->reservation.value, buf), err) < 0)
		return -1;
	if (m->kernel.set || m->kernelTCP.set)
		log_warn("config.json: .linux.resources.memory.kernel/kernelTCP: not supported on "
		         "cgroup v2, ignored");
	if (m->swappiness.set)
		log_warn("config.json: .linux.resources.memory.swappiness: not supported on cgroup "
		         "v2, ignored");
	if (m->disableOOMKiller.set && m->disableOOMKiller.value)
		log_warn("config.json: .linux.resources.memory.disableOOMKiller: not supported on "
		         "cgroup v2, ignored");
	return 0;
}

int cg_v2_cpu(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	const struct spec_cpu *c = r->cpu;
	bool quota = c->quota.set && c->quota.value != 0;
	bool period = c->period.set && c->period.value != 0;

	if ((c->realtimeRuntime.set && c->realtimeRuntime.value != 0) ||
	    (c->realtimePeriod.set && c->realtimePeriod.value != 0))
		return herr_msg(err, "cpu realtime is not supported on cgroup v2");
	if (c->idle.set && cg_writef(dir, "cpu.idle", err, "%lld", (long long)c->idle.value) < 0)
		return -1;
	if (c->shares.set && c->shares.value != 0 &&
	    cg_writef(dir, "cpu.weight", err, "%llu",
	              (unsigned long long)cgroup_cpu_shares_to_weight(c->shares.value)) < 0)
		return -1;
	if (c->burst.set &&
	    cg_writef(dir, "cpu.max.burst", err, "%llu", (unsigned long long)c->burst.value) < 0)
		return -1;
	if (quota || period) {
		_cleanup_free_ char *v = quota && c->quota.value > 0
		                             ? xasprintf("%lld", (long long)c->quota.value)
		                             : xstrdup("max");
		if (period) {
			char *t = xasprintf("%s %llu", v, (unsigned long long)c->period.value);
			free(v);
			v = t;
		}
		if (cg_write(dir, "cpu.max", v, err) < 0)
			return -1;
		/* burst may have been refused above against the old quota: once more */
		if (c->burst.set && cg_writef(dir, "cpu.max.burst", err, "%llu",
		                              (unsigned long long)c->burst.value) < 0)
			return -1;
	}
	return 0;
}

int cg_v2_cpuset(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	return cg_v1_cpuset(dir, r, err); /* same file names on both */
}

int cg_v2_pids(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	return cg_v1_pids(dir, r, err);
}

static int io_max(const char *dir, const char *key, const struct spec_blkio_throttle *t, size_t n,
                  struct hutch_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (cg_writef(dir, "io.max", err, "%lld:%lld %s=%llu", (long long)t[i].major,
		              (long long)t[i].minor, key, (unsigned long long)t[i].rate) < 0)
			return -1;
	return 0;
}

int cg_v2_io(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	const struct spec_blkio *b = r->blockIO;
	/* io.bfq.weight takes the v1 range (1..1000) as is; io.weight 1..10000 */
	bool bfq = cg_exists(dir, "io.bfq.weight");
	const char *file = bfq ? "io.bfq.weight" : "io.weight";

	if (b->weight.set && b->weight.value != 0 &&
	    cg_writef(
	        dir, file, err, "%llu",
	        (unsigned long long)(bfq ? b->weight.value
	                                 : cgroup_blkio_weight_to_io_weight(b->weight.value))) < 0)
		return -1;
	if (b->leafWeight.set)
		log_warn("config.json: .linux.resources.blockIO.leafWeight: not supported on "
		         "cgroup v2, ignored");
	for (size_t i = 0; i < b->n_weightDevice; i++) {
		const struct spec_blkio_weight_device *w = &b->weightDevice[i];
		uint64_t v;
		if (!w->weight.set)
			continue;
		v = bfq ? w->weight.value : cgroup_blkio_weight_to_io_weight(w->weight.value);
		if (cg_writef(dir, file, err, "%lld:%lld %llu", (long long)w->major,
		              (long long)w->minor, (unsigned long long)v) < 0)
			return -1;
	}
	if (io_max(dir, "rbps", b->throttleReadBpsDevice, b->n_throttleReadBpsDevice, err) < 0 ||
	    io_max(dir, "wbps", b->throttleWriteBpsDevice, b->n_throttleWriteBpsDevice, err) < 0 ||
	    io_max(dir, "riops", b->throttleReadIOPSDevice, b->n_throttleReadIOPSDevice, err) < 0 ||
	    io_max(dir, "wiops", b->throttleWriteIOPSDevice, b->n_throttleWriteIOPSDevice, err) < 0)
		return -1;
	return 0;
}

int cg_v2_hugetlb(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	if (cg_hugetlb_write(dir, r, "max", err) < 0)
		return -1;
	/* keep reservations in line with the limit where the kernel has them */
	for (size_t i = 0; i < r->n_hugepageLimits; i++) {
		const struct spec_hugepage_limit *l = &r->hugepageLimits[i];
		_cleanup_free_ char *file = xasprintf("hugetlb.%s.rsvd.max", l->pageSize);
		if (cg_exists(dir, file) &&
		    cg_writef(dir, file, err, "%llu", (unsigned long long)l->limit) < 0)
			return -1;
	}
	return 0;
}

int cg_v2_rdma(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	return cg_v1_rdma(dir, r, err);
}

int cg_v2_devices(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	return cg_bpf_devices_apply(dir, r->devices, r->n_devices, err);
}

int cg_v2_unified(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *key = r->unified[i].key;
		const char *dot = strchr(key, '.');
		_cleanup_free_ char *ctl = NULL;

		if (!dot || dot == key || strchr(key, '/'))
			return herr_msg(err, "%s: not a cgroup v2 file name", key);
		ctl = xstrndup(key, (size_t)(dot - key));
		if (strcmp(ctl, "cgroup") != 0 && !cg_v2_has_controller(dir, ctl))
			return herr_msg(
			    err,
			    "%s: the %s controller is not available (not in %s/cgroup.controllers)",
			    key, ctl, dir);
		if (cg_write(dir, key, r->unified[i].value, err) < 0)
			return herr_prefix(err, "%s", key);
	}
	return 0;
}
