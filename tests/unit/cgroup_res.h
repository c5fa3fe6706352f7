/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: build a struct spec_resources from a LinuxResources JSON text,
 * so cgroup tests can state their input the way config.json does. Covers the
 * fields the cgroup tests use; aborts on anything malformed. */
#ifndef HUTCH_TESTS_CGROUP_RES_H
#define HUTCH_TESTS_CGROUP_RES_H

#include "spec/json.h"
#include "spec/spec.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline json_node *res_get(const json_node *o, const char *k)
{
	return o ? json_object_get(o, k) : NULL;
}

static inline struct opt_i64 res_i64(const json_node *o, const char *k)
{
	const json_node *v = res_get(o, k);
	long long x = 0;

	if (!v)
		return (struct opt_i64){0};
	if (!json_number_text(v) || str_to_i64(json_number_text(v), &x) < 0)
		abort();
	return (struct opt_i64){true, x};
}

static inline struct opt_u64 res_u64(const json_node *o, const char *k)
{
	const json_node *v = res_get(o, k);
	unsigned long long x = 0;

	if (!v)
		return (struct opt_u64){0};
	if (!json_number_text(v) || str_to_u64(json_number_text(v), &x) < 0)
		abort();
	return (struct opt_u64){true, x};
}

static inline struct opt_bool res_bool(const json_node *o, const char *k)
{
	const json_node *v = res_get(o, k);

	return v ? (struct opt_bool){true, json_bool(v)} : (struct opt_bool){0};
}

static inline char *res_str(const json_node *o, const char *k)
{
	const json_node *v = res_get(o, k);

	return v && json_string(v) ? xstrdup(json_string(v)) : NULL;
}

static inline struct spec_blkio_throttle *res_throttle(const json_node *o, const char *k, size_t *n)
{
	const json_node *a = res_get(o, k);
	struct spec_blkio_throttle *t;

	*n = a ? json_len(a) : 0;
	t = xcalloc(*n + 1, sizeof(*t));
	for (size_t i = 0; i < *n; i++) {
		const json_node *e = json_array_at(a, i);
		t[i].major = res_i64(e, "major").value;
		t[i].minor = res_i64(e, "minor").value;
		t[i].rate = res_u64(e, "rate").value;
	}
	return t;
}

static inline void res_blkio(struct spec_resources *r, const json_node *b)
{
	struct spec_blkio *x = r->blockIO = xcalloc(1, sizeof(*x));
	const json_node *wd = res_get(b, "weightDevice");

	x->weight = res_u64(b, "weight");
	x->leafWeight = res_u64(b, "leafWeight");
	x->n_weightDevice = wd ? json_len(wd) : 0;
	x->weightDevice = xcalloc(x->n_weightDevice + 1, sizeof(*x->weightDevice));
	for (size_t i = 0; i < x->n_weightDevice; i++) {
		const json_node *e = json_array_at(wd, i);
		x->weightDevice[i].major = res_i64(e, "major").value;
		x->weightDevice[i].minor = res_i64(e, "minor").value;
		x->weightDevice[i].weight = res_u64(e, "weight");
		x->weightDevice[i].leafWeight = res_u64(e, "leafWeight");
	}
	x->throttleReadBpsDevice =
	    res_throttle(b, "throttleReadBpsDevice", &x->n_throttleReadBpsDevice);
	x->throttleWriteBpsDevice =
	    res_throttle(b, "throttleWriteBpsDevice", &x->n_throttleWriteBpsDevice);
	x->throttleReadIOPSDevice =
	    res_throttle(b, "throttleReadIOPSDevice", &x->n_throttleReadIOPSDevice);
	x->throttleWriteIOPSDevice =
	    res_throttle(b, "throttleWriteIOPSDevice", &x->n_throttleWriteIOPSDevice);
}

static inline void res_lists(struct spec_resources *r, const json_node *root)
{
	const json_node *a;

	if ((a = res_get(root, "hugepageLimits"))) {
		r->n_hugepageLimits = json_len(a);
		r->hugepageLimits = xcalloc(r->n_hugepageLimits, sizeof(*r->hugepageLimits));
		for (size_t i = 0; i < r->n_hugepageLimits; i++) {
			r->hugepageLimits[i].pageSize = res_str(json_array_at(a, i), "pageSize");
			r->hugepageLimits[i].limit = res_u64(json_array_at(a, i), "limit").value;
		}
	}
	if ((a = res_get(root, "rdma"))) {
		r->n_rdma = json_len(a);
		r->rdma = xcalloc(r->n_rdma, sizeof(*r->rdma));
		for (size_t i = 0; i < r->n_rdma; i++) {
			r->rdma[i].device = xstrdup(json_object_key(a, i));
			r->rdma[i].hcaHandles = res_u64(json_object_value(a, i), "hcaHandles");
			r->rdma[i].hcaObjects = res_u64(json_object_value(a, i), "hcaObjects");
		}
	}
	if ((a = res_get(root, "unified"))) {
		r->n_unified = json_len(a);
		r->unified = xcalloc(r->n_unified, sizeof(*r->unified));
		for (size_t i = 0; i < r->n_unified; i++) {
			r->unified[i].key = xstrdup(json_object_key(a, i));
			r->unified[i].value = xstrdup(json_string(json_object_value(a, i)));
		}
	}
	if ((a = res_get(root, "devices"))) {
		r->n_devices = json_len(a);
		r->devices = xcalloc(r->n_devices, sizeof(*r->devices));
		for (size_t i = 0; i < r->n_devices; i++) {
			const json_node *e = json_array_at(a, i);
			r->devices[i].allow = res_bool(e, "allow").value;
			r->devices[i].type = res_str(e, "type");
			r->devices[i].major = res_i64(e, "major");
			r->devices[i].minor = res_i64(e, "minor");
			r->devices[i].access = res_str(e, "access");
		}
	}
}

static inline struct spec_resources *res_from_json(const char *text)
{
	struct hutch_error *err = NULL;
	json_node *root = json_parse("resources", text, strlen(text), &err);
	struct spec_resources *r = xcalloc(1, sizeof(*r));
	const json_node *o;

	if (!root) {
		fprintf(stderr, "%s\n", err->msg);
		abort();
	}
	if ((o = res_get(root, "memory"))) {
		struct spec_memory *m = r->memory = xcalloc(1, sizeof(*m));
		m->limit = res_i64(o, "limit");
		m->reservation = res_i64(o, "reservation");
		m->swap = res_i64(o, "swap");
		m->kernel = res_i64(o, "kernel");
		m->kernelTCP = res_i64(o, "kernelTCP");
		m->swappiness = res_u64(o, "swappiness");
		m->disableOOMKiller = res_bool(o, "disableOOMKiller");
		m->useHierarchy = res_bool(o, "useHierarchy");
		m->checkBeforeUpdate = res_bool(o, "checkBeforeUpdate");
	}
	if ((o = res_get(root, "cpu"))) {
		struct spec_cpu *c = r->cpu = xcalloc(1, sizeof(*c));
		c->shares = res_u64(o, "shares");
		c->quota = res_i64(o, "quota");
		c->burst = res_u64(o, "burst");
		c->period = res_u64(o, "period");
		c->realtimeRuntime = res_i64(o, "realtimeRuntime");
		c->realtimePeriod = res_u64(o, "realtimePeriod");
		c->cpus = res_str(o, "cpus");
		c->mems = res_str(o, "mems");
		c->idle = res_i64(o, "idle");
	}
	if ((o = res_get(root, "pids"))) {
		r->has_pids = true;
		r->pids_limit = res_i64(o, "limit");
	}
	if ((o = res_get(root, "blockIO")))
		res_blkio(r, o);
	if ((o = res_get(root, "network"))) {
		const json_node *p = res_get(o, "priorities");
		r->network = xcalloc(1, sizeof(*r->network));
		r->network->classID = res_u64(o, "classID");
		r->network->n_priorities = p ? json_len(p) : 0;
		r->network->priorities =
		    xcalloc(r->network->n_priorities + 1, sizeof(*r->network->priorities));
		for (size_t i = 0; i < r->network->n_priorities; i++) {
			r->network->priorities[i].name = res_str(json_array_at(p, i), "name");
			r->network->priorities[i].priority =
			    (uint32_t)res_u64(json_array_at(p, i), "priority").value;
		}
	}
	res_lists(r, root);
	json_free(root);
	return r;
}

/* Frees what res_from_json built (tests only; leaks nothing they check). */
static inline void res_free(struct spec_resources *r)
{
	if (!r)
		return;
	if (r->cpu) {
		free(r->cpu->cpus);
		free(r->cpu->mems);
	}
	free(r->cpu);
	free(r->memory);
	if (r->blockIO) {
		free(r->blockIO->weightDevice);
		free(r->blockIO->throttleReadBpsDevice);
		free(r->blockIO->throttleWriteBpsDevice);
		free(r->blockIO->throttleReadIOPSDevice);
		free(r->blockIO->throttleWriteIOPSDevice);
	}
	free(r->blockIO);
	for (size_t i = 0; i < r->n_hugepageLimits; i++)
		free(r->hugepageLimits[i].pageSize);
	free(r->hugepageLimits);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	for (size_t i = 0; i < r->n_unified; i++) {
		free(r->unified[i].key);
		free(r->unified[i].value);
	}
	free(r->unified);
	for (size_t i = 0; i < r->n_devices; i++) {
		free(r->devices[i].type);
		free(r->devices[i].access);
	}
	free(r->devices);
	if (r->network) {
		for (size_t i = 0; i < r->network->n_priorities; i++)
			free(r->network->priorities[i].name);
		free(r->network->priorities);
	}
	free(r->network);
	free(r);
}

#endif
