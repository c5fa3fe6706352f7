/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup_apply: route each group of linux.resources fields to the hierarchy
 * that carries its controller (v1 first, then v2 - hybrid hosts can have a
 * controller such as hugetlb only on the v2 side), plus the v1 -> v2 value
 * conversions and the default device rules. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <string.h>

uint64_t cgroup_cpu_shares_to_weight(uint64_t shares)
{
	/* runc's linear map of [2, 262144] onto [1, 10000]; 0 means unset. */
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight)
{
	/* [10, 1000] onto [1, 10000]; 0 means unset. */
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + (weight - 10) * 9999 / 990;
}

int cgroup_swap_to_v2(int64_t swap, int64_t limit, char **ret_str, struct hutch_error **err)
{
	/* The spec's swap is memory+swap (v1 memsw); v2's memory.swap.max is
	 * swap alone. 0 means unset for both. */
	if (limit == -1 && swap == 0) {
		*ret_str = xstrdup("max"); /* "unlimited memory" means unlimited swap too */
		return 0;
	}
	if (swap == 0)
		return 1;
	if (swap == -1) {
		*ret_str = xstrdup("max");
		return 0;
	}
	if (limit == 0 || limit == -1)
		return herr_msg(
		    err, "config.json: .linux.resources.memory.swap: cannot set a swap limit "
		         "without a memory limit");
	if (limit < 0 || swap < 0)
		return herr_msg(
		    err, "config.json: .linux.resources.memory: invalid limit %lld / swap %lld",
		    (long long)limit, (long long)swap);
	if (swap < limit)
		return herr_msg(
		    err,
		    "config.json: .linux.resources.memory.swap: memory+swap limit (%lld) "
		    "must be >= the memory limit (%lld)",
		    (long long)swap, (long long)limit);
	*ret_str = xasprintf("%lld", (long long)(swap - limit));
	return 0;
}

#define RULE(t, ma, mi, acc)                                                                       \
	{                                                                                          \
		.allow = true, .type = (char *)(t), .major = {(ma) >= 0, (ma)},                    \
		.minor = {(mi) >= 0, (mi)}, .access = (char *)(acc)                                \
	}

static const struct spec_device_cgroup default_rules[] = {
    {.allow = false, .type = (char *)"a", .access = (char *)"rwm"},
    RULE("c", -1, -1, "m"), /* mknod of any device */
    RULE("b", -1, -1, "m"),
    RULE("c", 1, 3, "rwm"),    /* /dev/null */
    RULE("c", 1, 8, "rwm"),    /* /dev/random */
    RULE("c", 1, 7, "rwm"),    /* /dev/full */
    RULE("c", 5, 0, "rwm"),    /* /dev/tty */
    RULE("c", 1, 5, "rwm"),    /* /dev/zero */
    RULE("c", 1, 9, "rwm"),    /* /dev/urandom */
    RULE("c", 136, -1, "rwm"), /* /dev/pts/N */
    RULE("c", 5, 2, "rwm"),    /* /dev/ptmx */
    RULE("c", 10, 200, "rwm"), /* /dev/net/tun */
};

const struct spec_device_cgroup *cgroup_default_device_rules(size_t *ret_n)
{
	*ret_n = sizeof(default_rules) / sizeof(default_rules[0]);
	return default_rules;
}

static bool memory_set(const struct spec_resources *r)
{
	const struct spec_memory *m = r->memory;

	return m && (m->limit.set || m->reservation.set || m->swap.set || m->kernel.set ||
	             m->kernelTCP.set || m->swappiness.set || m->disableOOMKiller.set ||
	             m->useHierarchy.set);
}

static bool cpu_set(const struct spec_resources *r)
{
	const struct spec_cpu *c = r->cpu;

	return c && (c->shares.set || c->quota.set || c->burst.set || c->period.set ||
	             c->realtimeRuntime.set || c->realtimePeriod.set || c->idle.set);
}

static bool cpuset_set(const struct spec_resources *r)
{
	return r->cpu && ((r->cpu->cpus && *r->cpu->cpus) || (r->cpu->mems && *r->cpu->mems));
}

static bool pids_set(const struct spec_resources *r)
{
	return r->has_pids || r->pids_limit.set;
}

static bool blkio_set(const struct spec_resources *r)
{
	const struct spec_blkio *b = r->blockIO;

	return b && (b->weight.set || b->leafWeight.set || b->n_weightDevice ||
	             b->n_throttleReadBpsDevice || b->n_throttleWriteBpsDevice ||
	             b->n_throttleReadIOPSDevice || b->n_throttleWriteIOPSDevice);
}

static bool hugetlb_set(const struct spec_resources *r)
{
	return r->n_hugepageLimits > 0;
}

static bool net_cls_set(const struct spec_resources *r)
{
	return r->network && r->network->classID.set;
}

static bool net_prio_set(const struct spec_resources *r)
{
	return r->network && r->network->n_priorities > 0;
}

static bool rdma_set(const struct spec_resources *r)
{
	return r->n_rdma > 0;
}

static bool devices_set(const struct spec_resources *r)
{
	return r->n_devices > 0;
}

static bool unified_set(const struct spec_resources *r)
{
	return r->n_unified > 0;
}

struct group {
	const char *field; /* its JSON path in config.json, named in errors */
	const char *v1;    /* v1 controller; NULL: none */
	const char *v2;    /* v2 controller; "" needs none; NULL: not on v2 */
	bool (*is_set)(const struct spec_resources *r);
	cg_writer *write_v1, *write_v2;
};

/* Order matters a little: cpuset before cpu, unified last so its raw values
 * win over the converted ones. */
static const struct group groups[] = {
    {".linux.resources.cpu", "cpuset", "cpuset", cpuset_set, cg_v1_cpuset, cg_v2_cpuset},
    {".linux.resources.cpu", "cpu", "cpu", cpu_set, cg_v1_cpu, cg_v2_cpu},
    {".linux.resources.memory", "memory", "memory", memory_set, cg_v1_memory, cg_v2_memory},
    {".linux.resources.pids", "pids", "pids", pids_set, cg_v1_pids, cg_v2_pids},
    {".linux.resources.blockIO", "blkio", "io", blkio_set, cg_v1_blkio, cg_v2_io},
    {".linux.resources.hugepageLimits", "hugetlb", "hugetlb", hugetlb_set, cg_v1_hugetlb,
     cg_v2_hugetlb},
    {".linux.resources.network.classID", "net_cls", NULL, net_cls_set, cg_v1_net_cls, NULL},
    {".linux.resources.network.priorities", "net_prio", NULL, net_prio_set, cg_v1_net_prio, NULL},
    {".linux.resources.rdma", "rdma", "rdma", rdma_set, cg_v1_rdma, cg_v2_rdma},
    {".linux.resources.devices", "devices", "", devices_set, cg_v1_devices, cg_v2_devices},
    {".linux.resources.unified", NULL, "", unified_set, NULL, cg_v2_unified},
};

static int apply_group(const struct cgroup *cg, const struct group *g,
                       const struct spec_resources *r, struct hutch_error **err)
{
	const struct cgroup_hier *h = g->v1 ? cg_find(cg, g->v1) : NULL;
	_cleanup_free_ char *dir = NULL;

	/* unified is cgroup v2's own file names: on a hybrid host its v2 side
	 * holds next to no controllers, and the names would mean something
	 * else than on v2 (runc refuses it unless the host is unified) */
	if (!g->v1 && cg->mode != CGROUP_MODE_UNIFIED)
		return herr_msg(
		    err,
		    "config.json: %s: invalid configuration: cgroup v2 is required, but this "
		    "host's cgroups are %s",
		    g->field, cg->mode == CGROUP_MODE_HYBRID ? "hybrid (v1 controllers)" : "v1");
	if (h && h->path) {
		dir = cg_dir(h);
		return g->write_v1(dir, r, err) < 0 ? herr_prefix(err, "config.json: %s", g->field)
		                                    : 0;
	}
	h = cg_find(cg, "");
	if (h && h->path && g->v2) {
		dir = cg_dir(h);
		if (*g->v2 && !cg_v2_has_controller(dir, g->v2))
			return herr_msg(err, "config.json: %s: %s controller is not available",
			                g->field, g->v2);
		return g->write_v2(dir, r, err) < 0 ? herr_prefix(err, "config.json: %s", g->field)
		                                    : 0;
	}
	if (!g->v1)
		return herr_msg(err, "config.json: %s: cgroup v2 is not available", g->field);
	return herr_msg(err, "config.json: %s: %s controller is not available", g->field,
	                cg->mode == CGROUP_MODE_UNIFIED && g->v2 && *g->v2 ? g->v2 : g->v1);
}

/* A realtime runtime in the default /hutch/<id> needs budget in /hutch,
 * which hutch owns; a cgroupsPath's parents are the caller's to set up. */
static int reserve_rt(const struct cgroup *cg, const struct spec_resources *r,
                      struct hutch_error **err)
{
	const struct cgroup_hier *h = cg_find(cg, "cpu");
	_cleanup_free_ char *dir = NULL;
	uint64_t period = 0;

	if (!cg->default_path || !h || !h->path || !r->cpu || !r->cpu->realtimeRuntime.set ||
	    r->cpu->realtimeRuntime.value <= 0)
		return 0;
	dir = cg_dir(h);
	if (!cg_exists(dir, "cpu.rt_runtime_us"))
		return 0;
	if (r->cpu->realtimePeriod.set && r->cpu->realtimePeriod.value)
		period = r->cpu->realtimePeriod.value;
	else if (cg_read_u64(dir, "cpu.rt_period_us", &period, err) < 0)
		return herr_prefix(err, "config.json: .linux.resources.cpu");
	if (cg_v1_rt_reserve(h, r->cpu->realtimeRuntime.value, period, err) < 0)
		return herr_prefix(err, "config.json: .linux.resources.cpu.realtimeRuntime");
	return 0;
}

/* Rootless, device rules are not applied (runc ignores them too): v1's
 * devices.allow/deny and v2's eBPF programs need CAP_SYS_ADMIN over the
 * host; what a user namespace can reach of the host's devices is what its
 * owner may open anyway. */
static bool skipped(const struct cgroup *cg, const struct group *g)
{
	return cg->rootless && g->is_set == devices_set;
}

int cgroup_apply(const struct cgroup *cg, const struct spec_resources *r, struct hutch_error **err)
{
	if (!r || cg->manager == CGROUP_MANAGER_DISABLED)
		return 0;
	if (cg->manager == CGROUP_MANAGER_SYSTEMD && cg_systemd_apply(cg, r, err) < 0)
		return -1;
	if (reserve_rt(cg, r, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].is_set(r) && !skipped(cg, &groups[i]) &&
		    apply_group(cg, &groups[i], r, err) < 0)
			return -1;
	return 0;
}

char *cgroup_resources_needing_cgroup(const struct spec_resources *r)
{
	char *names = NULL;

	for (size_t i = 0; r && i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (groups[i].is_set == devices_set || !groups[i].is_set(r))
			continue;
		const char *f = groups[i].field;
		char *next = names ? xasprintf("%s, %s", names, f) : xstrdup(f);
		free(names);
		names = next;
	}
	return names;
}
