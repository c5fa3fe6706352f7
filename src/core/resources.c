/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a container's cgroup gets: config.json's linux.resources, the
 * updates laid over it, runc's default device rules around it; and the
 * folded record of the updates. */
#include "core/resources.h"
#include "linux/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

#define OVER(dst, src, field)                                                                      \
	do {                                                                                       \
		if ((src)->field.set)                                                              \
			(dst)->field = (src)->field;                                               \
	} while (0)

static void overlay_memory(struct spec_memory *dst, const struct spec_memory *src)
{
	OVER(dst, src, limit);
	OVER(dst, src, reservation);
	OVER(dst, src, swap);
	OVER(dst, src, kernel);
	OVER(dst, src, kernelTCP);
	OVER(dst, src, swappiness);
	OVER(dst, src, disableOOMKiller);
	OVER(dst, src, useHierarchy);
	OVER(dst, src, checkBeforeUpdate);
}

static void overlay_cpu(struct spec_cpu *dst, const struct spec_cpu *src)
{
	OVER(dst, src, shares);
	OVER(dst, src, quota);
	OVER(dst, src, burst);
	OVER(dst, src, period);
	OVER(dst, src, realtimeRuntime);
	OVER(dst, src, realtimePeriod);
	OVER(dst, src, idle);
	if (src->cpus && *src->cpus)
		dst->cpus = src->cpus;
	if (src->mems && *src->mems)
		dst->mems = src->mems;
}

/* a's keys, then b's replacing or adding (borrowed elements). */
static struct spec_kv *merge_kv(const struct spec_kv *a, size_t na, const struct spec_kv *b,
                                size_t nb, size_t *ret_n)
{
	struct spec_kv *out = xcalloc(na + nb + 1, sizeof(*out));
	size_t n = 0;

	for (size_t i = 0; i < na; i++)
		out[n++] = a[i];
	for (size_t i = 0; i < nb; i++) {
		size_t j = 0;
		while (j < n && strcmp(out[j].key, b[i].key) != 0)
			j++;
		out[j] = b[i];
		n += j == n;
	}
	*ret_n = n;
	return out;
}

/* Memory, cpu, pids and unified of `over` laid over `base`'s into ret. */
static void overlay_common(const struct spec_resources *base, const struct spec_resources *over,
                           struct resources *ret)
{
	static const struct spec_resources none;

	base = base ? base : &none;
	over = over ? over : &none;
	if (base->memory || over->memory) {
		if (base->memory)
			ret->memory = *base->memory;
		if (over->memory)
			overlay_memory(&ret->memory, over->memory);
		ret->r.memory = &ret->memory;
	}
	if (base->cpu || over->cpu) {
		if (base->cpu)
			ret->cpu = *base->cpu;
		if (over->cpu)
			overlay_cpu(&ret->cpu, over->cpu);
		ret->r.cpu = &ret->cpu;
	}
	ret->r.has_pids = base->has_pids || over->has_pids;
	ret->r.pids_limit = over->pids_limit.set ? over->pids_limit : base->pids_limit;
	ret->unified = merge_kv(base->unified, base->n_unified, over->unified, over->n_unified,
	                        &ret->r.n_unified);
	ret->r.unified = ret->unified;
}

static void add_rules(struct resources *ret, const struct spec_device_cgroup *rules, size_t n)
{
	if (!n)
		return;
	ret->devices = xrealloc(ret->devices, (ret->r.n_devices + n) * sizeof(*rules));
	memcpy(ret->devices + ret->r.n_devices, rules, n * sizeof(*rules));
	ret->r.n_devices += n;
	ret->r.devices = ret->devices;
}

void resources_build(const struct spec_resources *config, const struct spec_resources *updates,
                     struct resources *ret)
{
	size_t n_def = 0;
	const struct spec_device_cgroup *def = cgroup_default_device_rules(&n_def);

	memset(ret, 0, sizeof(*ret));
	if (config)
		ret->r = *config; /* blockIO's lists, hugepages, network, rdma as given */
	ret->r.devices = NULL;
	ret->r.n_devices = 0;
	overlay_common(config, updates, ret);
	if (updates && updates->blockIO) {
		if (config && config->blockIO)
			ret->blockIO = *config->blockIO;
		OVER(&ret->blockIO, updates->blockIO, weight);
		OVER(&ret->blockIO, updates->blockIO, leafWeight);
		ret->r.blockIO = &ret->blockIO;
	}
	/* As runc: deny everything (def[0]), the spec's rules, then the
	 * default allows, so that neither a spec's "deny all" nor the
	 * defaults' one cancels the rules before it. */
	add_rules(ret, def, 1);
	if (config)
		add_rules(ret, config->devices, config->n_devices);
	if (updates)
		add_rules(ret, updates->devices, updates->n_devices);
	add_rules(ret, def + 1, n_def - 1);
}

void resources_fold(const struct spec_resources *prev, const struct spec_resources *update,
                    struct resources *ret)
{
	memset(ret, 0, sizeof(*ret));
	overlay_common(prev, update, ret);
	/* runc: "memory -1" alone means unlimited memory and swap */
	if (update->memory && update->memory->limit.set && update->memory->limit.value == -1 &&
	    !update->memory->swap.set)
		ret->memory.swap = (struct opt_i64){true, -1};
	if ((prev && prev->blockIO) || update->blockIO) {
		if (prev && prev->blockIO) {
			ret->blockIO.weight = prev->blockIO->weight;
			ret->blockIO.leafWeight = prev->blockIO->leafWeight;
		}
		if (update->blockIO) {
			OVER(&ret->blockIO, update->blockIO, weight);
			OVER(&ret->blockIO, update->blockIO, leafWeight);
		}
		ret->r.blockIO = &ret->blockIO;
	}
	if (prev)
		add_rules(ret, prev->devices, prev->n_devices);
	add_rules(ret, update->devices, update->n_devices);
}

/* The memory fields to write for an update: those it sets, with the ones
 * the kernel checks together (limit and swap, and the usage check before a
 * new limit) taken from the final values. */
static void touched_memory(const struct spec_memory *all, const struct spec_memory *u,
                           struct spec_memory *out)
{
	if (u->limit.set || u->swap.set) {
		out->limit = all->limit;
		out->swap = all->swap;
		out->checkBeforeUpdate = all->checkBeforeUpdate;
	}
	if (u->reservation.set)
		out->reservation = all->reservation;
	out->kernel = u->kernel;
	out->kernelTCP = u->kernelTCP;
	out->swappiness = u->swappiness;
	out->disableOOMKiller = u->disableOOMKiller;
	out->useHierarchy = u->useHierarchy;
}

/* Same for cpu: quota, period and burst go together (v2 writes them as one
 * cpu.max; v1 may have to order them), and so do the realtime pair. */
static void touched_cpu(const struct spec_cpu *all, const struct spec_cpu *u, struct spec_cpu *out)
{
	if (u->quota.set || u->period.set || u->burst.set) {
		out->quota = all->quota;
		out->period = all->period;
		out->burst = u->burst;
	}
	if (u->realtimeRuntime.set || u->realtimePeriod.set) {
		out->realtimeRuntime = all->realtimeRuntime;
		out->realtimePeriod = all->realtimePeriod;
	}
	out->shares = u->shares;
	out->idle = u->idle;
	out->cpus = u->cpus && *u->cpus ? all->cpus : NULL;
	out->mems = u->mems && *u->mems ? all->mems : NULL;
}

void resources_touched(const struct resources *all, const struct spec_resources *update,
                       struct resources *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (update->memory && all->r.memory) {
		touched_memory(all->r.memory, update->memory, &ret->memory);
		ret->r.memory = &ret->memory;
	}
	if (update->cpu && all->r.cpu) {
		touched_cpu(all->r.cpu, update->cpu, &ret->cpu);
		ret->r.cpu = &ret->cpu;
	}
	ret->r.has_pids = update->has_pids;
	ret->r.pids_limit = update->pids_limit;
	if (update->blockIO) {
		ret->blockIO = *update->blockIO;
		ret->r.blockIO = &ret->blockIO;
	}
	ret->r.n_hugepageLimits = update->n_hugepageLimits;
	ret->r.hugepageLimits = update->hugepageLimits;
	ret->r.network = update->network;
	ret->r.n_rdma = update->n_rdma;
	ret->r.rdma = update->rdma;
	ret->r.n_unified = update->n_unified;
	ret->r.unified = update->unified;
	if (update->n_devices) {
		ret->r.n_devices = all->r.n_devices;
		ret->r.devices = all->r.devices;
	}
}

static void gen_i64(json_gen *g, const char *key, struct opt_i64 v)
{
	if (v.set)
		json_gen_kv_int(g, key, v.value);
}

static void gen_u64(json_gen *g, const char *key, struct opt_u64 v)
{
	if (v.set)
		json_gen_kv_uint(g, key, v.value);
}

static void gen_bool(json_gen *g, const char *key, struct opt_bool v)
{
	if (v.set)
		json_gen_kv_bool(g, key, v.value);
}

static void gen_memory(json_gen *g, const struct spec_memory *m)
{
	json_gen_string(g, "memory");
	json_gen_map_open(g);
	gen_i64(g, "limit", m->limit);
	gen_i64(g, "reservation", m->reservation);
	gen_i64(g, "swap", m->swap);
	gen_i64(g, "kernel", m->kernel);
	gen_i64(g, "kernelTCP", m->kernelTCP);
	gen_u64(g, "swappiness", m->swappiness);
	gen_bool(g, "disableOOMKiller", m->disableOOMKiller);
	gen_bool(g, "useHierarchy", m->useHierarchy);
	gen_bool(g, "checkBeforeUpdate", m->checkBeforeUpdate);
	json_gen_map_close(g);
}

static void gen_cpu(json_gen *g, const struct spec_cpu *c)
{
	json_gen_string(g, "cpu");
	json_gen_map_open(g);
	gen_u64(g, "shares", c->shares);
	gen_i64(g, "quota", c->quota);
	gen_u64(g, "burst", c->burst);
	gen_u64(g, "period", c->period);
	gen_i64(g, "realtimeRuntime", c->realtimeRuntime);
	gen_u64(g, "realtimePeriod", c->realtimePeriod);
	if (c->cpus)
		json_gen_kv_string(g, "cpus", c->cpus);
	if (c->mems)
		json_gen_kv_string(g, "mems", c->mems);
	gen_i64(g, "idle", c->idle);
	json_gen_map_close(g);
}

static void gen_devices(json_gen *g, const struct spec_resources *r)
{
	json_gen_string(g, "devices");
	json_gen_array_open(g);
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct spec_device_cgroup *d = &r->devices[i];
		json_gen_map_open(g);
		json_gen_kv_bool(g, "allow", d->allow);
		if (d->type)
			json_gen_kv_string(g, "type", d->type);
		gen_i64(g, "major", d->major);
		gen_i64(g, "minor", d->minor);
		if (d->access)
			json_gen_kv_string(g, "access", d->access);
		json_gen_map_close(g);
	}
	json_gen_array_close(g);
}

void resources_gen_json(json_gen *g, const struct spec_resources *r)
{
	json_gen_map_open(g);
	if (r->memory)
		gen_memory(g, r->memory);
	if (r->cpu)
		gen_cpu(g, r->cpu);
	if (r->has_pids || r->pids_limit.set) {
		json_gen_string(g, "pids");
		json_gen_map_open(g);
		json_gen_kv_int(g, "limit", r->pids_limit.value);
		json_gen_map_close(g);
	}
	if (r->blockIO) {
		json_gen_string(g, "blockIO");
		json_gen_map_open(g);
		gen_u64(g, "weight", r->blockIO->weight);
		gen_u64(g, "leafWeight", r->blockIO->leafWeight);
		json_gen_map_close(g);
	}
	if (r->n_unified) {
		json_gen_string(g, "unified");
		json_gen_map_open(g);
		for (size_t i = 0; i < r->n_unified; i++)
			json_gen_kv_string(g, r->unified[i].key, r->unified[i].value);
		json_gen_map_close(g);
	}
	if (r->n_devices)
		gen_devices(g, r);
	json_gen_map_close(g);
}

void resources_clear(struct resources *r)
{
	free(r->devices);
	free(r->unified);
	memset(r, 0, sizeof(*r));
}
