/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json -> struct spec: the field tables of config.md (root, mounts,
 * process, hooks, annotations), the public parse/load/free entry points and
 * small lookup helpers. The engine lives in parse_core.c. */
#include "spec/parse_internal.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* --- root, mounts ------------------------------------------------------- */

static const struct pfield root_fields[] = {
    PF("path", PK_STR, struct spec_root, path, P_REQ),
    PF("readonly", PK_BOOL, struct spec_root, readonly),
    P_END,
};
static const struct pdesc root_desc = {sizeof(struct spec_root), root_fields};

#define IDMAP_U32(k) PF(#k, PK_INT, struct spec_id_mapping, k, P_INT(R_U32, ST_U32), P_REQ)
static const struct pfield id_mapping_fields[] = {
    IDMAP_U32(containerID),
    IDMAP_U32(hostID),
    IDMAP_U32(size),
    P_END,
};
const struct pdesc pdesc_id_mapping = {sizeof(struct spec_id_mapping), id_mapping_fields};

static const struct pfield mount_fields[] = {
    PF("destination", PK_STR, struct spec_mount, destination, P_REQ),
    PF("source", PK_STR, struct spec_mount, source),
    PF("type", PK_STR, struct spec_mount, type),
    PF("options", PK_STRV, struct spec_mount, options),
    PF("uidMappings", PK_ARRAY, struct spec_mount, uidMappings,
       P_CNT(struct spec_mount, n_uidMappings), P_SUB(pdesc_id_mapping)),
    PF("gidMappings", PK_ARRAY, struct spec_mount, gidMappings,
       P_CNT(struct spec_mount, n_gidMappings), P_SUB(pdesc_id_mapping)),
    P_END,
};
static const struct pdesc mount_desc = {sizeof(struct spec_mount), mount_fields};

/* --- process ------------------------------------------------------------ */

static const struct pfield rlimit_fields[] = {
    PF("type", PK_ENUM, struct spec_rlimit, type, P_NAMES(spec_rlimits), P_REQ),
    PF("soft", PK_INT, struct spec_rlimit, soft, P_INT(R_U64, ST_U64), P_REQ),
    PF("hard", PK_INT, struct spec_rlimit, hard, P_INT(R_U64, ST_U64), P_REQ),
    P_END,
};
static const struct pdesc rlimit_desc = {sizeof(struct spec_rlimit), rlimit_fields};

static const struct pfield capabilities_fields[] = {
    PF("effective", PK_STRV, struct spec_capabilities, effective),
    PF("bounding", PK_STRV, struct spec_capabilities, bounding),
    PF("inheritable", PK_STRV, struct spec_capabilities, inheritable),
    PF("permitted", PK_STRV, struct spec_capabilities, permitted),
    PF("ambient", PK_STRV, struct spec_capabilities, ambient),
    P_END,
};
static const struct pdesc capabilities_desc = {sizeof(struct spec_capabilities),
                                               capabilities_fields};

static const struct pfield user_fields[] = {
    PF("uid", PK_INT, struct spec_user, uid, P_INT(R_U32, ST_U32)),
    PF("gid", PK_INT, struct spec_user, gid, P_INT(R_U32, ST_U32)),
    PF("umask", PK_INT, struct spec_user, umask, P_INT(R_U32, ST_OPT_I64)),
    PF("additionalGids", PK_U32V, struct spec_user, additionalGids, P_INT(R_U32, ST_U32),
       P_CNT(struct spec_user, n_additionalGids)),
    PF("username", PK_STR, struct spec_user, username),
    P_END,
};
static const struct pdesc user_desc = {sizeof(struct spec_user), user_fields};

#define SCHED_U64(k) PF(#k, PK_INT, struct spec_scheduler, k, P_INT(R_U64, ST_U64))
static const struct pfield scheduler_fields[] = {
    PF("policy", PK_ENUM, struct spec_scheduler, policy, P_NAMES(spec_sched_policies), P_REQ),
    PF("nice", PK_INT, struct spec_scheduler, nice, P_INT(R_I32, ST_I32)),
    PF("priority", PK_INT, struct spec_scheduler, priority, P_INT(R_I32, ST_I32)),
    PF("flags", PK_ENUMV, struct spec_scheduler, flags, P_NAMES(spec_sched_flags),
       P_CNT(struct spec_scheduler, n_flags)),
    SCHED_U64(runtime),
    SCHED_U64(deadline),
    SCHED_U64(period),
    P_END,
};
static const struct pdesc scheduler_desc = {sizeof(struct spec_scheduler), scheduler_fields};

static const struct pfield io_priority_fields[] = {
    PF("class", PK_ENUM, struct spec_io_priority, class_, P_NAMES(spec_ioprio_classes), P_REQ),
    PF("priority", PK_INT, struct spec_io_priority, priority, P_INT(R_I32, ST_I64)),
    P_END,
};
static const struct pdesc io_priority_desc = {sizeof(struct spec_io_priority), io_priority_fields};

static const struct pfield cpu_affinity_fields[] = {
    PF("initial", PK_STR, struct spec_exec_cpu_affinity, initial),
    PF("final", PK_STR, struct spec_exec_cpu_affinity, final),
    P_END,
};
static const struct pdesc cpu_affinity_desc = {sizeof(struct spec_exec_cpu_affinity),
                                               cpu_affinity_fields};

/* "consoleSize" is kept in place with a has_ flag. */
static const struct pfield console_size_fields[] = {
    PF("height", PK_INT, struct spec_process, consoleSize.height, P_INT(R_U32, ST_U32), P_REQ),
    PF("width", PK_INT, struct spec_process, consoleSize.width, P_INT(R_U32, ST_U32), P_REQ),
    P_END,
};

static int parse_console_size(struct pctx *c, const json_node *n, void *base)
{
	struct spec_process *p = base;

	if (pctx_parse_fields(c, n, console_size_fields, p) < 0)
		return -1;
	p->has_consoleSize = true;
	return 0;
}

#define PROC(k, kd, ...) PF(#k, kd, struct spec_process, k, __VA_ARGS__)
static const struct pfield process_fields[] = {
    PROC(terminal, PK_BOOL),
    {.key = "consoleSize", .kind = PK_CUSTOM, .custom = parse_console_size},
    PROC(user, PK_EMBED, P_SUB(user_desc)),
    PROC(args, PK_STRV),
    PROC(commandLine, PK_STR),
    PROC(env, PK_STRV),
    PROC(cwd, PK_STR, P_REQ),
    PROC(capabilities, PK_OBJ, P_SUB(capabilities_desc)),
    PROC(rlimits, PK_ARRAY, P_CNT(struct spec_process, n_rlimits), P_SUB(rlimit_desc)),
    PROC(noNewPrivileges, PK_BOOL),
    PROC(apparmorProfile, PK_STR),
    PROC(oomScoreAdj, PK_INT, P_INT(R_I32, ST_OPT_I64)),
    PROC(scheduler, PK_OBJ, P_SUB(scheduler_desc)),
    PROC(selinuxLabel, PK_STR),
    PROC(ioPriority, PK_OBJ, P_SUB(io_priority_desc)),
    PROC(execCPUAffinity, PK_OBJ, P_SUB(cpu_affinity_desc)),
    P_END,
};
static const struct pdesc process_desc = {sizeof(struct spec_process), process_fields};

/* --- hooks -------------------------------------------------------------- */

static const struct pfield hook_fields[] = {
    PF("path", PK_STR, struct spec_hook, path, P_REQ),
    PF("args", PK_STRV, struct spec_hook, args),
    PF("env", PK_STRV, struct spec_hook, env),
    PF("timeout", PK_INT, struct spec_hook, timeout, P_INT(R_I64, ST_OPT_I64)),
    P_END,
};
static const struct pdesc hook_desc = {sizeof(struct spec_hook), hook_fields};

#define HOOKS(k)                                                                                   \
	PF(#k, PK_ARRAY, struct spec_hooks, k.hooks, P_CNT(struct spec_hooks, k.n),                \
	   P_SUB(hook_desc))
static const struct pfield hooks_fields[] = {
    HOOKS(prestart),
    HOOKS(createRuntime),
    HOOKS(createContainer),
    HOOKS(startContainer),
    HOOKS(poststart),
    HOOKS(poststop),
    P_END,
};
static const struct pdesc hooks_desc = {sizeof(struct spec_hooks), hooks_fields};

/* --- the document ------------------------------------------------------- */

/* Any 1.x release is compatible (config.md: compatibility within a major
 * version), including pre-releases such as "1.0.2-dev". */
static int check_oci_version(struct pctx *c, const json_node *n, void *obj)
{
	const char *v = ((struct spec *)obj)->ociVersion;

	if (v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '9')
		return 0;
	size_t mark = pctx_push_key(c, "ociVersion");
	pctx_fail(c, "unsupported version \"%s\", expected 1.x", v);
	pctx_restore(c, mark);
	return -1;
}

static const struct pfield spec_fields[] = {
    PF("ociVersion", PK_STR, struct spec, ociVersion, P_REQ),
    PF("root", PK_OBJ, struct spec, root, P_SUB(root_desc)),
    PF("mounts", PK_ARRAY, struct spec, mounts, P_CNT(struct spec, n_mounts), P_SUB(mount_desc)),
    PF("process", PK_OBJ, struct spec, process, P_SUB(process_desc)),
    PF("hostname", PK_STR, struct spec, hostname),
    PF("domainname", PK_STR, struct spec, domainname),
    PF("hooks", PK_OBJ, struct spec, hooks, P_SUB(hooks_desc)),
    PF("annotations", PK_KV, struct spec, annotations, P_CNT(struct spec, n_annotations)),
    PF("linux", PK_OBJ, struct spec, linux_, P_SUB(pdesc_linux)),
    P_END,
};
static const struct pdesc spec_desc = {sizeof(struct spec), spec_fields, 0, check_oci_version};

static void *parse_tree(const char *origin, const json_node *root, const struct pdesc *d,
                        struct hutch_error **err)
{
	struct pctx c = {.origin = origin, .err = err};
	void *obj;

	if (!root)
		return NULL;
	obj = pctx_parse_new(&c, root, d);
	pctx_done(&c);
	return obj;
}

static void *parse_document(const char *origin, const char *json, size_t len, const struct pdesc *d,
                            struct hutch_error **err)
{
	_cleanup_json_ json_node *root = json_parse(origin, json, len, err);

	return parse_tree(origin, root, d, err);
}

struct spec *spec_parse(const char *origin, const char *json, size_t len, struct hutch_error **err)
{
	return parse_document(origin, json, len, &spec_desc, err);
}

struct spec_process *spec_parse_process(const char *origin, const char *json, size_t len,
                                        struct hutch_error **err)
{
	return parse_document(origin, json, len, &process_desc, err);
}

struct spec_resources *spec_parse_resources(const char *origin, const char *json, size_t len,
                                            struct hutch_error **err)
{
	return parse_document(origin, json, len, &pdesc_resources, err);
}

struct spec *spec_load(const char *path, struct hutch_error **err)
{
	_cleanup_free_ char *file = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	/* accept the bundle directory as well as the file itself */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		path = file = xasprintf("%s/config.json", path);
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		herr_errno(err, errno, "open %s", path);
		return NULL;
	}
	return spec_load_fd(fd, err);
}

struct spec *spec_load_fd(int fd, struct hutch_error **err)
{
	/* read as it is parsed: the text is never held whole */
	_cleanup_json_ json_node *root = json_parse_fd("config.json", fd, err);

	return parse_tree("config.json", root, &spec_desc, err);
}

/* --- freeing ------------------------------------------------------------ */

static void free_with(const struct pdesc *d, void *obj)
{
	if (!obj)
		return;
	pdesc_free_fields(d->fields, obj);
	free(obj);
}

void spec_free(struct spec *s)
{
	free_with(&spec_desc, s);
}

void spec_process_free(struct spec_process *p)
{
	free_with(&process_desc, p);
}

void spec_resources_free(struct spec_resources *r)
{
	free_with(&pdesc_resources, r);
}

void spec_freep(struct spec **s)
{
	spec_free(*s);
	*s = NULL;
}

/* --- helpers ------------------------------------------------------------ */

static const char *const ns_names[SPEC_NS__COUNT] = {
    [SPEC_NS_PID] = "pid",       [SPEC_NS_NETWORK] = "network", [SPEC_NS_MOUNT] = "mount",
    [SPEC_NS_IPC] = "ipc",       [SPEC_NS_UTS] = "uts",         [SPEC_NS_USER] = "user",
    [SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
};

const char *spec_ns_type_name(enum spec_ns_type t)
{
	return (unsigned)t < SPEC_NS__COUNT ? ns_names[t] : NULL;
}

int spec_ns_type_from_name(const char *name)
{
	for (int i = 0; i < SPEC_NS__COUNT; i++)
		if (strcmp(ns_names[i], name) == 0)
			return i;
	return -1;
}

const struct spec_namespace *spec_find_namespace(const struct spec *s, enum spec_ns_type t)
{
	if (!s->linux_)
		return NULL;
	for (size_t i = 0; i < s->linux_->n_namespaces; i++)
		if (s->linux_->namespaces[i].type == t)
			return &s->linux_->namespaces[i];
	return NULL;
}
