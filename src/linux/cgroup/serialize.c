/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup object as one JSON string for state.json, and back. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <string.h>

static const char *const manager_names[] = {
    [CGROUP_MANAGER_FS] = "fs",
    [CGROUP_MANAGER_SYSTEMD] = "systemd",
    [CGROUP_MANAGER_DISABLED] = "disabled",
};
static const char *const mode_names[] = {
    [CGROUP_MODE_UNIFIED] = "unified",
    [CGROUP_MODE_HYBRID] = "hybrid",
    [CGROUP_MODE_LEGACY] = "legacy",
};

char *cgroup_serialize(const struct cgroup *cg)
{
	json_gen *g = json_gen_new(false);
	char *out;

	json_gen_map_open(g);
	json_gen_kv_string(g, "manager", manager_names[cg->manager]);
	json_gen_kv_string(g, "mode", mode_names[cg->mode]);
	json_gen_kv_string(g, "mount_root", cg->mount_root);
	if (cg->unit)
		json_gen_kv_string(g, "unit", cg->unit);
	if (cg->slice)
		json_gen_kv_string(g, "slice", cg->slice);
	if (cg->shared)
		json_gen_kv_bool(g, "shared", true);
	if (cg->default_path)
		json_gen_kv_bool(g, "default_path", true);
	if (cg->rootless)
		json_gen_kv_bool(g, "rootless", true);
	json_gen_string(g, "hierarchies");
	json_gen_array_open(g);
	for (size_t i = 0; i < cg->n_hier; i++) {
		const struct cgroup_hier *h = &cg->hier[i];
		json_gen_map_open(g);
		json_gen_kv_bool(g, "v2", h->v2);
		json_gen_kv_string(g, "controllers", h->controllers);
		json_gen_kv_string(g, "mount", h->mount);
		json_gen_kv_string(g, "path", h->path);
		json_gen_kv_int(g, "created", h->created_depth);
		json_gen_map_close(g);
	}
	json_gen_array_close(g);
	json_gen_map_close(g);
	out = json_gen_text(g, NULL);
	json_gen_free(g);
	return out;
}

static int get_str(const json_node *o, const char *key, bool required, char **ret,
                   struct hutch_error **err)
{
	const json_node *v = json_object_get(o, key);

	if (!v || json_type_of(v) == JSON_NULL) {
		if (required)
			return herr_msg(err, "missing \"%s\"", key);
		return 0;
	}
	if (!json_string(v))
		return herr_msg(err, "\"%s\": expected string", key);
	*ret = xstrdup(json_string(v));
	return 0;
}

static int find_name(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static int parse_hier(const json_node *o, struct cgroup_hier *h, struct hutch_error **err)
{
	const json_node *v2 = json_object_get(o, "v2");
	const json_node *created = json_object_get(o, "created");
	long long depth = 0;

	if (!v2 || json_type_of(v2) != JSON_BOOL)
		return herr_msg(err, "hierarchy: \"v2\": expected boolean");
	h->v2 = json_bool(v2);
	if (get_str(o, "controllers", true, &h->controllers, err) < 0 ||
	    get_str(o, "mount", true, &h->mount, err) < 0 ||
	    get_str(o, "path", false, &h->path, err) < 0)
		return -1;
	if (created && json_number_text(created) &&
	    str_to_i64(json_number_text(created), &depth) == 0)
		h->created_depth = (int)depth;
	return 0;
}

static int parse_all(const json_node *root, struct cgroup *cg, struct hutch_error **err)
{
	_cleanup_free_ char *manager = NULL, *mode = NULL;
	const json_node *hs;
	int m;

	if (json_type_of(root) != JSON_OBJECT)
		return herr_msg(err, "expected an object");
	if (get_str(root, "manager", true, &manager, err) < 0 ||
	    get_str(root, "mode", true, &mode, err) < 0 ||
	    get_str(root, "mount_root", true, &cg->mount_root, err) < 0 ||
	    get_str(root, "unit", false, &cg->unit, err) < 0 ||
	    get_str(root, "slice", false, &cg->slice, err) < 0)
		return -1;
	if ((m = find_name(manager_names, 3, manager)) < 0)
		return herr_msg(err, "unknown manager \"%s\"", manager);
	cg->manager = (enum cgroup_manager_kind)m;
	if ((m = find_name(mode_names, 3, mode)) < 0)
		return herr_msg(err, "unknown mode \"%s\"", mode);
	cg->mode = (enum cgroup_mode)m;
	cg->shared = json_bool(json_object_get(root, "shared"));
	cg->default_path = json_bool(json_object_get(root, "default_path"));
	cg->rootless = json_bool(json_object_get(root, "rootless"));
	hs = json_object_get(root, "hierarchies");
	if (!hs || json_type_of(hs) != JSON_ARRAY)
		return herr_msg(err, "\"hierarchies\": expected array");
	cg->hier = xcalloc(json_len(hs) + 1, sizeof(*cg->hier));
	for (size_t i = 0; i < json_len(hs); i++) {
		cg->n_hier = i + 1;
		if (parse_hier(json_array_at(hs, i), &cg->hier[i], err) < 0)
			return -1;
	}
	return 0;
}

int cgroup_deserialize(const char *s, struct cgroup **ret, struct hutch_error **err)
{
	_cleanup_json_ json_node *root = json_parse("cgroup state", s, strlen(s), err);
	_cleanup_cgroup_ struct cgroup *cg = xcalloc(1, sizeof(*cg));

	if (!root)
		return -1;
	if (parse_all(root, cg, err) < 0)
		return herr_prefix(err, "cgroup state");
	*ret = steal_ptr(&cg);
	return 0;
}
