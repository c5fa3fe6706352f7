/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container's cgroup resources: the one place that works out what the
 * cgroup gets, for create and for every update, and the record of updates
 * kept in the state directory. */
#ifndef HUTCH_CORE_RESOURCES_H
#define HUTCH_CORE_RESOURCES_H

#include <stdbool.h>

#include "spec/json.h"
#include "spec/spec.h"
#include "util/error.h"

/* The state-directory file that holds the updates made so far (a
 * LinuxResources object, folded: each field as last updated). */
#define STATE_RESOURCES "resources.json"

/* A spec_resources made from others: `r` is what cgroup_apply takes. It
 * borrows strings and arrays from its sources, which must outlive it;
 * what it owns is freed by resources_clear. */
struct resources {
	struct spec_resources r;
	struct spec_memory memory;
	struct spec_cpu cpu;
	struct spec_blkio blockIO;
	struct spec_device_cgroup *devices; /* owned array, elements borrowed */
	struct spec_kv *unified;            /* owned array, elements borrowed */
};

/* The container's final resources: `config` (config.json's
 * linux.resources, may be NULL) with `updates` (the folded updates, may be
 * NULL) laid over it field by field. Device rules are, as runc orders them:
 * deny everything, the config's rules, the updates' rules, then the
 * default allows (cgroup_default_device_rules()) - so the defaults survive
 * any rule list, and a spec's own allows survive the deny-all. */
void resources_build(const struct spec_resources *config, const struct spec_resources *updates,
                     struct resources *ret);

/* Fold `update` into the updates so far (`prev`, may be NULL): the fields
 * update sets replace prev's; its device rules are appended, its unified
 * keys replace prev's; as runc, a memory limit of -1 without a swap limit
 * also makes swap unlimited. ret borrows from both. Only the groups `update`
 * can carry are kept (memory, cpu, pids, blockIO weights, unified,
 * devices): the others in an update are absolute and applied as given. */
void resources_fold(const struct spec_resources *prev, const struct spec_resources *update,
                    struct resources *ret);

/* Restrict `all` to the fields `update` touches, so that an update writes
 * only what it changes, with the final values of the fields the kernel
 * checks together (a new swap limit with the memory limit in place, a new
 * cpu period with the quota). ret borrows from all and update. */
void resources_touched(const struct resources *all, const struct spec_resources *update,
                       struct resources *ret);

/* Write the folded updates as a LinuxResources JSON object (what
 * spec_parse_resources reads back). */
void resources_gen_json(json_gen *g, const struct spec_resources *r);

void resources_clear(struct resources *r);

#endif
