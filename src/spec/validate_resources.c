/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Semantic checks on linux.resources (also used alone by `update --resources`). */
#include "spec/validate_internal.h"
#include "util/str.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int check_device_rules(const struct vctx *v, const struct spec_resources *r)
{
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct spec_device_cgroup *d = &r->devices[i];

		if (d->type && (strlen(d->type) != 1 || !strchr("acb", d->type[0])))
			return vfail(
			    v,
			    ".devices[%zu].type: unknown device type \"%s\", expected a, c "
			    "or b",
			    i, d->type);
		if (d->access && strspn(d->access, "rwm") != strlen(d->access))
			return vfail(v,
			             ".devices[%zu].access: invalid access \"%s\", expected a "
			             "combination of r, w and m",
			             i, d->access);
	}
	return 0;
}

static int check_memory_cpu(const struct vctx *v, const struct spec_resources *r)
{
	if (r->memory && r->memory->swappiness.set && r->memory->swappiness.value > 100)
		return vfail(v, ".memory.swappiness: must be between 0 and 100, got %llu",
		             (unsigned long long)r->memory->swappiness.value);
	if (r->cpu && r->cpu->burst.set && r->cpu->quota.set && r->cpu->quota.value > 0 &&
	    r->cpu->burst.value > (uint64_t)r->cpu->quota.value)
		return vfail(v, ".cpu.burst: %llu is larger than quota %lld",
		             (unsigned long long)r->cpu->burst.value,
		             (long long)r->cpu->quota.value);
	return 0;
}

static int check_blkio(const struct vctx *v, const struct spec_blkio *b)
{
	for (size_t i = 0; i < b->n_weightDevice; i++)
		if (!b->weightDevice[i].weight.set && !b->weightDevice[i].leafWeight.set)
			return vfail(
			    v, ".blockIO.weightDevice[%zu]: weight or leafWeight is required", i);
	return 0;
}

/* "<size><K|M|G>B" with size not starting with 0 (schema pattern) */
static bool valid_page_size(const char *s)
{
	size_t digits = strspn(s, "0123456789");

	return digits > 0 && s[0] != '0' && s[digits] && strchr("KMG", s[digits]) &&
	       strcmp(s + digits + 1, "B") == 0;
}

static int check_hugetlb_rdma(const struct vctx *v, const struct spec_resources *r)
{
	for (size_t i = 0; i < r->n_hugepageLimits; i++)
		if (!valid_page_size(r->hugepageLimits[i].pageSize))
			return vfail(v, ".hugepageLimits[%zu].pageSize: invalid page size \"%s\"",
			             i, r->hugepageLimits[i].pageSize);
	for (size_t i = 0; i < r->n_rdma; i++)
		if (!r->rdma[i].hcaHandles.set && !r->rdma[i].hcaObjects.set)
			return vfail(v, ".rdma: device \"%s\" needs hcaHandles or hcaObjects",
			             r->rdma[i].device);
	return 0;
}

/* unified keys name files in the container's cgroup directory: never let one
 * point elsewhere. */
static int check_unified(const struct vctx *v, const struct spec_resources *r)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;
		if (!*k || strchr(k, '/') || strcmp(k, ".") == 0 || strcmp(k, "..") == 0)
			return vfail(v, ".unified: invalid cgroup file name \"%s\"", k);
	}
	return 0;
}

int spec_validate_resources_at(const struct spec_resources *r, const char *origin,
                               const char *prefix, struct hutch_error **err)
{
	struct vctx v = {origin, prefix, err};

	if (check_device_rules(&v, r) < 0 || check_memory_cpu(&v, r) < 0 ||
	    check_hugetlb_rdma(&v, r) < 0 || check_unified(&v, r) < 0)
		return -1;
	if (r->blockIO && check_blkio(&v, r->blockIO) < 0)
		return -1;
	return 0;
}

int spec_validate_resources(const struct spec_resources *r, const char *origin,
                            struct hutch_error **err)
{
	return spec_validate_resources_at(r, origin, "", err);
}
