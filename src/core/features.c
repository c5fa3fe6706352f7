/* SPDX-License-Identifier: GPL-2.0-or-later */
/* features: assembled from the tables the modules themselves use, so the
 * document cannot claim more (or less) than the code recognizes. */
#include "core/features.h"
#include "config.h"
#include "linux/caps.h"
#include "linux/mount.h"
#include "linux/ns.h"
#include "linux/cgroup/cgroup.h"
#include "linux/seccomp.h"
#include "spec/json.h"
#include "spec/names.h"
#include "spec/spec.h"

#include <stdbool.h>

static void gen_strv(json_gen *g, const char *key, const char *const *names)
{
	json_gen_string(g, key);
	json_gen_array_open(g);
	for (; names && *names; names++)
		json_gen_string(g, *names);
	json_gen_array_close(g);
}

static void gen_names(json_gen *g, const char *key, const struct spec_names *t)
{
	json_gen_string(g, key);
	json_gen_array_open(g);
	for (size_t i = 0; i < t->n; i++)
		json_gen_string(g, t->v[i].name);
	json_gen_array_close(g);
}

static void gen_enabled(json_gen *g, const char *key, bool enabled)
{
	json_gen_string(g, key);
	json_gen_map_open(g);
	json_gen_kv_bool(g, "enabled", enabled);
	json_gen_map_close(g);
}

static void gen_linux(json_gen *g)
{
	const char *ns[SPEC_NS__COUNT + 1];

	for (int t = 0; t < SPEC_NS__COUNT; t++)
		ns[t] = spec_ns_type_name((enum spec_ns_type)t);
	ns[SPEC_NS__COUNT] = NULL;
	json_gen_string(g, "linux");
	json_gen_map_open(g);
	gen_strv(g, "namespaces", ns);
	gen_strv(g, "capabilities", caps_known_names());
	json_gen_string(g, "cgroup");
	json_gen_map_open(g);
	json_gen_kv_bool(g, "v1", true);
	json_gen_kv_bool(g, "v2", true);
	json_gen_kv_bool(g, "systemd", true);
	json_gen_kv_bool(g, "systemdUser", true);
	json_gen_kv_bool(g, "rdma", true);
	json_gen_map_close(g);
	json_gen_string(g, "seccomp");
	seccomp_features(g);
	gen_enabled(g, "apparmor", true);
	gen_enabled(g, "selinux", true);
	json_gen_string(g, "memoryPolicy");
	json_gen_map_open(g);
	gen_names(g, "modes", &spec_mpol_modes);
	gen_names(g, "flags", &spec_mpol_flags);
	json_gen_map_close(g);
	json_gen_string(g, "intelRdt");
	json_gen_map_open(g);
	json_gen_kv_bool(g, "enabled", false);
	json_gen_map_close(g);
	json_gen_string(g, "mountExtensions");
	json_gen_map_open(g);
	gen_enabled(g, "idmap", true);
	json_gen_map_close(g);
	gen_enabled(g, "netDevices", true);
	json_gen_map_close(g);
}

char *features_json(void)
{
	static const char *const hooks[] = {"prestart",
	                                    "createRuntime",
	                                    "createContainer",
	                                    "startContainer",
	                                    "poststart",
	                                    "poststop",
	                                    NULL};
	json_gen *g = json_gen_new(true);
	char *text;

	json_gen_map_open(g);
	json_gen_kv_string(g, "ociVersionMin", "1.0.0");
	json_gen_kv_string(g, "ociVersionMax", HUTCH_SPEC_VERSION);
	gen_strv(g, "hooks", hooks);
	gen_strv(g, "mountOptions", mount_known_options());
	gen_linux(g);
	json_gen_string(g, "annotations");
	json_gen_map_open(g);
	json_gen_kv_string(g, "org.opencontainers.runtime-spec.features.implementation", "hutch");
	json_gen_kv_string(g, "io.github.hutch.version", HUTCH_VERSION);
	json_gen_kv_string(g, "io.github.seccomp.libseccomp.version", seccomp_version_string());
	json_gen_map_close(g);
	json_gen_map_close(g);
	text = json_gen_text(g, NULL);
	json_gen_free(g);
	return text;
}
