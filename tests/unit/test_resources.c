/* SPDX-License-Identifier: GPL-2.0-or-later */
/* core/resources.c: the final resources of create and update, the folded
 * record of updates and what an update writes (no root, no cgroup). */
#include "tap.h"
#include "core/resources.h"
#include "linux/cgroup/cgroup.h"
#include "util/cleanup.h"

#include <stdlib.h>
#include <string.h>

static struct spec_resources *parse(const char *json)
{
	struct hutch_error *e = NULL;
	struct spec_resources *r = spec_parse_resources("test", json, strlen(json), &e);

	if (!r)
		printf("# %s\n", e ? e->msg : "?");
	herr_free(e);
	return r;
}

static bool rule_is(const struct spec_device_cgroup *d, bool allow, const char *type, long long maj,
                    long long min)
{
	return d->allow == allow && d->type && strcmp(d->type, type) == 0 &&
	       (maj < 0 ? !d->major.set : d->major.value == maj) &&
	       (min < 0 ? !d->minor.set : d->minor.value == min);
}

static void test_build(void)
{
	struct spec_resources *cfg =
	    parse("{\"memory\": {\"limit\": 100, \"swap\": 200}, \"cpu\": {\"quota\": 5000, "
	          "\"period\": 100000, \"cpus\": \"0\"}, \"pids\": {\"limit\": 20}, \"devices\": "
	          "[{\"allow\": true, \"type\": \"b\", \"major\": 7, \"minor\": 0}]}");
	struct spec_resources *upd =
	    parse("{\"memory\": {\"swap\": 300}, \"cpu\": {\"period\": "
	          "200000}, \"devices\": [{\"allow\": true, \"type\": \"c\", "
	          "\"major\": 10, \"minor\": 1}]}");
	struct resources r;
	size_t n_def = 0;

	cgroup_default_device_rules(&n_def);
	resources_build(cfg, NULL, &r);
	ok(r.r.memory && r.r.memory->limit.value == 100 && r.r.pids_limit.value == 20,
	   "create: the config's values");
	ok(r.r.n_devices == n_def + 1 && rule_is(&r.r.devices[0], false, "a", -1, -1) &&
	       rule_is(&r.r.devices[1], true, "b", 7, 0) &&
	       rule_is(&r.r.devices[2], true, "c", -1, -1),
	   "create: deny-all, the config's rules, then the default allows");
	resources_clear(&r);

	resources_build(cfg, upd, &r);
	ok(r.r.memory->limit.value == 100 && r.r.memory->swap.value == 300,
	   "update laid over the config: the limit stays, the swap is new");
	ok(r.r.cpu->quota.value == 5000 && r.r.cpu->period.value == 200000 &&
	       strcmp(r.r.cpu->cpus, "0") == 0,
	   "cpu: quota and cpus stay, period is new");
	ok(r.r.n_devices == n_def + 2 && rule_is(&r.r.devices[2], true, "c", 10, 1) &&
	       rule_is(&r.r.devices[3], true, "c", -1, -1),
	   "an update's device rules go after the config's, before the default allows");
	struct resources t;
	resources_touched(&r, upd, &t);
	ok(t.r.memory && t.r.memory->limit.value == 100 && t.r.memory->swap.value == 300,
	   "touched: a new swap limit is written with the limit in place");
	ok(t.r.cpu && t.r.cpu->quota.value == 5000 && t.r.cpu->period.value == 200000 &&
	       !t.r.cpu->cpus,
	   "touched: a new period with the quota, cpus left alone");
	ok(!t.r.has_pids && !t.r.pids_limit.set, "touched: pids not written");
	ok(t.r.n_devices == r.r.n_devices, "touched: device rules written whole");
	resources_clear(&t);
	resources_clear(&r);
	spec_resources_free(upd);
	spec_resources_free(cfg);
}

static void test_fold(void)
{
	struct spec_resources *a =
	    parse("{\"memory\": {\"limit\": 100, \"swap\": 200}, \"unified\": {\"x.a\": \"1\"}}");
	struct spec_resources *b =
	    parse("{\"memory\": {\"limit\": -1}, \"unified\": {\"x.a\": \"2\", \"x.b\": \"3\"}}");
	struct spec_resources *back = NULL;
	struct resources f;
	json_gen *g = json_gen_new(false);
	_cleanup_free_ char *text = NULL;

	resources_fold(a, b, &f);
	ok(f.r.memory->limit.value == -1 && f.r.memory->swap.set && f.r.memory->swap.value == -1,
	   "memory -1 alone also makes swap unlimited (runc)");
	ok(f.r.n_unified == 2 && strcmp(f.r.unified[0].value, "2") == 0,
	   "unified keys replace and add");
	resources_gen_json(g, &f.r);
	text = json_gen_text(g, NULL);
	json_gen_free(g);
	back = parse(text);
	ok(back && back->memory && back->memory->limit.value == -1 && back->n_unified == 2,
	   "the folded record reads back");
	resources_clear(&f);
	spec_resources_free(back);
	spec_resources_free(b);
	spec_resources_free(a);
}

int main(void)
{
	test_build();
	test_fold();
	return done_testing();
}
