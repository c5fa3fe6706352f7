/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Semantic checks on a parsed config that need no host access: absolute
 * paths, duplicates, ranges and cross-field rules (the parser already refused
 * unknown kernel names). Every error names the JSON path. */
#include "spec/names.h"
#include "spec/spec.h"
#include "spec/validate_internal.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "<origin>: <prefix><fmt...>"; fmt starts with the rest of the path. */
int vfail(const struct vctx *v, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	herr_msg(v->err, "%s: %s%s", v->origin, v->prefix, msg);
	free(msg);
	return -1;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static int check_absolute(const struct vctx *v, const char *s, const char *path)
{
	if (s[0] != '/')
		return vfail(v, "%s: must be an absolute path, got \"%s\"", path, s);
	return 0;
}

/* --- process ------------------------------------------------------------ */

static int check_rlimits(const struct vctx *v, const struct spec_process *p)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *r = &p->rlimits[i];

		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].type == r->type)
				return vfail(v, ".rlimits[%zu].type: duplicate rlimit \"%s\"", i,
				             spec_name_of(&spec_rlimits, r->type));
		if (r->soft > r->hard)
			return vfail(v, ".rlimits[%zu].soft: %llu exceeds the hard limit %llu", i,
			             (unsigned long long)r->soft, (unsigned long long)r->hard);
	}
	return 0;
}

static int check_io_priority(const struct vctx *v, const struct spec_io_priority *io)
{
	if (io->priority < 0 || io->priority > 7)
		return vfail(v, ".ioPriority.priority: must be between 0 and 7, got %lld",
		             (long long)io->priority);
	return 0;
}

static int check_cpu_list(const struct vctx *v, const char *s, const char *path)
{
	if (s && strspn(s, "0123456789, -") != strlen(s))
		return vfail(v, "%s: invalid CPU list \"%s\"", path, s);
	return 0;
}

static int validate_process(const struct vctx *v, const struct spec_process *p)
{
	if (check_absolute(v, p->cwd, ".cwd") < 0)
		return -1;
	if (strv_len(p->args) == 0)
		return vfail(v, ".args: at least one argument is required");
	/* unknown capability names are not checked here: runtime-spec says they
	 * are logged as warnings (caps_parse does), never fatal */
	if (check_rlimits(v, p) < 0)
		return -1;
	if (p->ioPriority && check_io_priority(v, p->ioPriority) < 0)
		return -1;
	if (p->execCPUAffinity &&
	    (check_cpu_list(v, p->execCPUAffinity->initial, ".execCPUAffinity.initial") < 0 ||
	     check_cpu_list(v, p->execCPUAffinity->final, ".execCPUAffinity.final") < 0))
		return -1;
	return 0;
}

int spec_validate_process(const struct spec_process *p, const char *origin,
                          struct hutch_error **err)
{
	struct vctx v = {origin, "", err};

	return validate_process(&v, p);
}

/* --- root, mounts, hooks, annotations ----------------------------------- */

static int check_mounts(const struct vctx *v, const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];

		/* relative destinations are deprecated but allowed (config.md#mounts) */
		if (m->destination[0] == '\0')
			return vfail(v, ".mounts[%zu].destination: must not be empty", i);
		if ((m->n_uidMappings == 0) != (m->n_gidMappings == 0))
			return vfail(
			    v, ".mounts[%zu]: uidMappings and gidMappings must be set together", i);
	}
	return 0;
}

static int check_hook_list(const struct vctx *v, const struct spec_hook_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct spec_hook *h = &l->hooks[i];

		if (h->path[0] != '/')
			return vfail(v, ".hooks.%s[%zu].path: must be an absolute path, got \"%s\"",
			             name, i, h->path);
		if (h->timeout.set && h->timeout.value <= 0)
			return vfail(v,
			             ".hooks.%s[%zu].timeout: must be greater than zero, got %lld",
			             name, i, (long long)h->timeout.value);
	}
	return 0;
}

static int check_hooks(const struct vctx *v, const struct spec_hooks *h)
{
	if (check_hook_list(v, &h->prestart, "prestart") < 0 ||
	    check_hook_list(v, &h->createRuntime, "createRuntime") < 0 ||
	    check_hook_list(v, &h->createContainer, "createContainer") < 0 ||
	    check_hook_list(v, &h->startContainer, "startContainer") < 0 ||
	    check_hook_list(v, &h->poststart, "poststart") < 0 ||
	    check_hook_list(v, &h->poststop, "poststop") < 0)
		return -1;
	return 0;
}

static int check_top(const struct vctx *v, const struct spec *s)
{
	/* optional in the schema (Hyper-V), REQUIRED on Linux (config.md#root) */
	if (!s->root)
		return vfail(v, ".root: required field is missing");
	if (s->root->path[0] == '\0')
		return vfail(v, ".root.path: must not be empty");
	for (size_t i = 0; i < s->n_annotations; i++)
		if (s->annotations[i].key[0] == '\0')
			return vfail(v, ".annotations: keys must not be empty");
	/* runc: "unable to set hostname without a private UTS namespace" */
	if (s->hostname && s->hostname[0] && !spec_find_namespace(s, SPEC_NS_UTS))
		return vfail(v,
		             ".hostname: unable to set hostname without a private UTS namespace");
	if (s->domainname && s->domainname[0] && !spec_find_namespace(s, SPEC_NS_UTS))
		return vfail(
		    v, ".domainname: unable to set domainname without a private UTS namespace");
	return 0;
}

/* Without a mount namespace of its own the container lives in the caller's
 * (config-linux.md: an unlisted namespace is inherited): a read-only root or
 * a propagation for "/" would change the caller's mounts. */
static int check_no_mount_ns(const struct vctx *v, const struct spec *s)
{
	if (spec_find_namespace(s, SPEC_NS_MOUNT))
		return 0;
	if (s->root && s->root->readonly)
		return vfail(v,
		             ".root.readonly: a read-only root needs a mount namespace of its own");
	if (s->linux_ && s->linux_->rootfsPropagation)
		return vfail(v, ".linux.rootfsPropagation: needs a mount namespace of its own");
	return 0;
}

/* --- linux: namespaces, mappings, devices ------------------------------- */

static int check_namespaces(const struct vctx *v, const struct spec_linux *l)
{
	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct spec_namespace *ns = &l->namespaces[i];

		for (size_t j = 0; j < i; j++)
			if (l->namespaces[j].type == ns->type)
				return vfail(
				    v, ".linux.namespaces[%zu].type: duplicate namespace \"%s\"", i,
				    spec_ns_type_name(ns->type));
		if (ns->path && ns->path[0] != '/')
			return vfail(
			    v, ".linux.namespaces[%zu].path: must be an absolute path, got \"%s\"",
			    i, ns->path);
	}
	return 0;
}

static int check_mappings(const struct vctx *v, const struct spec *s)
{
	const struct spec_linux *l = s->linux_;
	bool userns = spec_find_namespace(s, SPEC_NS_USER) != NULL;

	if (l->n_uidMappings && !userns)
		return vfail(v, ".linux.uidMappings: mappings require a user namespace");
	if (l->n_gidMappings && !userns)
		return vfail(v, ".linux.gidMappings: mappings require a user namespace");
	if (l->n_timeOffsets && !spec_find_namespace(s, SPEC_NS_TIME))
		return vfail(v, ".linux.timeOffsets: offsets require a time namespace");
	for (size_t i = 0; i < l->n_timeOffsets; i++) {
		const char *clock = l->timeOffsets[i].clock;
		if (strcmp(clock, "monotonic") != 0 && strcmp(clock, "boottime") != 0)
			return vfail(v, ".linux.timeOffsets: unknown clock \"%s\"", clock);
	}
	return 0;
}

static int check_devices(const struct vctx *v, const struct spec_linux *l)
{
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct spec_device *d = &l->devices[i];

		if (!in_list(d->type, (const char *const[]){"c", "b", "u", "p", NULL}))
			return vfail(v, ".linux.devices[%zu].type: unknown device type \"%s\"", i,
			             d->type);
		if (d->path[0] != '/')
			return vfail(
			    v, ".linux.devices[%zu].path: must be an absolute path, got \"%s\"", i,
			    d->path);
	}
	return 0;
}

/* Interface names as the kernel accepts them (dev_valid_name). */
static bool valid_ifname(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= 16 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strpbrk(s, "/: \t\n\v\f\r") == NULL;
}

static int check_net_devices(const struct vctx *v, const struct spec *s)
{
	const struct spec_linux *l = s->linux_;
	const struct spec_namespace *net = spec_find_namespace(s, SPEC_NS_NETWORK);

	if (l->n_netDevices && !net)
		return vfail(v, ".linux.netDevices: moving network devices requires a private "
		                "network namespace");
	for (size_t i = 0; i < l->n_netDevices; i++) {
		const struct spec_net_device *d = &l->netDevices[i];

		if (!valid_ifname(d->hostName))
			return vfail(v, ".linux.netDevices: invalid network device name \"%s\"",
			             d->hostName);
		if (d->name && !valid_ifname(d->name))
			return vfail(v,
			             ".linux.netDevices[\"%s\"].name: invalid network device name "
			             "\"%s\"",
			             d->hostName, d->name);
	}
	return 0;
}

/* --- linux.sysctl ---------------------------------------------------------- */

/* The namespace a sysctl lives in, as runc decides it (config-linux.md
 * "Sysctl": a runtime writes only what the container's namespaces own): IPC
 * for kernel.msg*, kernel.sem*, kernel.shm* and fs.mqueue.*, network for
 * net.*, UTS for kernel.hostname and kernel.domainname; SPEC_NS__COUNT for
 * everything else, which no namespace of the container holds. */
static enum spec_ns_type sysctl_namespace(const char *dotted)
{
	static const char *const ipc[] = {"kernel.msg", "kernel.sem", "kernel.shm", "fs.mqueue."};

	for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
		if (str_has_prefix(dotted, ipc[i]))
			return SPEC_NS_IPC;
	if (str_has_prefix(dotted, "net."))
		return SPEC_NS_NETWORK;
	if (strcmp(dotted, "kernel.hostname") == 0 || strcmp(dotted, "kernel.domainname") == 0)
		return SPEC_NS_UTS;
	return SPEC_NS__COUNT;
}

/* kernel.hostname and kernel.domainname must agree with the fields that
 * set the same thing. */
static int check_sysctl_uts(const struct vctx *v, const struct spec *s, const char *key,
                            const char *dotted, const char *value)
{
	bool host = strcmp(dotted, "kernel.hostname") == 0;
	const char *field = host ? s->hostname : s->domainname;

	if (field && value && strcmp(field, value) != 0)
		return vfail(v, ".linux.sysctl[\"%s\"]: \"%s\" conflicts with .%s (\"%s\")", key,
		             value, host ? "hostname" : "domainname", field);
	return 0;
}

/* Every sysctl must be namespaced to the container: one written in a
 * namespace the container shares with its caller would change the host. A
 * namespace joined by path counts as the container's own (as in runc). */
static int check_sysctl(const struct vctx *v, const struct spec *s)
{
	const struct spec_linux *l = s->linux_;

	for (size_t i = 0; i < l->n_sysctl; i++) {
		const char *key = l->sysctl[i].key;
		_cleanup_free_ char *dotted = xstrdup(key);
		enum spec_ns_type ns;

		if (key[0] == '\0')
			return vfail(v, ".linux.sysctl: keys must not be empty");
		for (char *c = dotted; *c; c++)
			if (*c == '/')
				*c = '.';
		ns = sysctl_namespace(dotted);
		if (ns == SPEC_NS__COUNT)
			return vfail(
			    v, ".linux.sysctl[\"%s\"]: is not in a separate kernel namespace", key);
		if (!spec_find_namespace(s, ns))
			return vfail(
			    v,
			    ".linux.sysctl[\"%s\"]: not allowed in the host's %s namespace "
			    "(linux.namespaces has no \"%s\")",
			    key, ns == SPEC_NS_UTS ? "UTS" : spec_ns_type_name(ns),
			    spec_ns_type_name(ns));
		if (ns == SPEC_NS_UTS &&
		    check_sysctl_uts(v, s, key, dotted, l->sysctl[i].value) < 0)
			return -1;
	}
	return 0;
}

/* --- linux: everything else --------------------------------------------- */

/* Only SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry a value: the actions are the
 * kernel's return values, these two with 0 as their data (spec/names.h). */
static bool takes_errno(uint32_t action)
{
	return action == SECCOMP_RET_ERRNO || action == SECCOMP_RET_TRACE;
}

static int check_seccomp_syscall(const struct vctx *v, const struct spec_seccomp_syscall *sc,
                                 size_t i)
{
	if (sc->errnoRet.set && !takes_errno(sc->action))
		return vfail(v,
		             ".linux.seccomp.syscalls[%zu].errnoRet: not supported with action "
		             "\"%s\"",
		             i, spec_name_of(&spec_seccomp_actions, sc->action));
	if (strv_len(sc->names) == 0)
		return vfail(v, ".linux.seccomp.syscalls[%zu].names: must not be empty", i);
	for (size_t j = 0; j < sc->n_args; j++) {
		const struct spec_seccomp_arg *a = &sc->args[j];
		if (a->index >= 6)
			return vfail(v,
			             ".linux.seccomp.syscalls[%zu].args[%zu].index: must be "
			             "between 0 and 5, got %u",
			             i, j, a->index);
	}
	return 0;
}

static int check_seccomp(const struct vctx *v, const struct spec_seccomp *sc)
{
	if (sc->defaultErrnoRet.set && !takes_errno(sc->defaultAction))
		return vfail(v, ".linux.seccomp.defaultErrnoRet: not supported with action \"%s\"",
		             spec_name_of(&spec_seccomp_actions, sc->defaultAction));
	if (sc->listenerMetadata && !sc->listenerPath)
		return vfail(v, ".linux.seccomp.listenerMetadata: requires listenerPath");
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (check_seccomp_syscall(v, &sc->syscalls[i], i) < 0)
			return -1;
	return 0;
}

static int check_misc(const struct vctx *v, const struct spec_linux *l)
{
	static const char *const propagations[] = {"shared",     "slave",       "private",
	                                           "unbindable", "rshared",     "rslave",
	                                           "rprivate",   "runbindable", NULL};

	if (l->rootfsPropagation && !in_list(l->rootfsPropagation, propagations))
		return vfail(v, ".linux.rootfsPropagation: unknown propagation \"%s\"",
		             l->rootfsPropagation);
	for (size_t i = 0; l->maskedPaths && l->maskedPaths[i]; i++)
		if (l->maskedPaths[i][0] != '/')
			return vfail(
			    v, ".linux.maskedPaths[%zu]: must be an absolute path, got \"%s\"", i,
			    l->maskedPaths[i]);
	for (size_t i = 0; l->readonlyPaths && l->readonlyPaths[i]; i++)
		if (l->readonlyPaths[i][0] != '/')
			return vfail(
			    v, ".linux.readonlyPaths[%zu]: must be an absolute path, got \"%s\"", i,
			    l->readonlyPaths[i]);
	return 0;
}

static int check_policies(const struct vctx *v, const struct spec_linux *l)
{
	const struct spec_personality *p = l->personality;

	/* config-linux.md: "Currently no flag values are supported." */
	if (p && strv_len(p->flags) > 0)
		return vfail(v, ".linux.personality.flags[0]: unsupported flag \"%s\"",
		             p->flags[0]);
	if (l->intelRdt && l->intelRdt->memBwSchema &&
	    (!str_has_prefix(l->intelRdt->memBwSchema, "MB:") ||
	     strchr(l->intelRdt->memBwSchema, '\n')))
		return vfail(
		    v, ".linux.intelRdt.memBwSchema: must start with \"MB:\" and be one line");
	return 0;
}

static int validate_linux(const struct vctx *v, const struct spec *s)
{
	const struct spec_linux *l = s->linux_;

	if (check_namespaces(v, l) < 0 || check_mappings(v, s) < 0 || check_devices(v, l) < 0 ||
	    check_net_devices(v, s) < 0 || check_sysctl(v, s) < 0 || check_misc(v, l) < 0 ||
	    check_policies(v, l) < 0)
		return -1;
	if (l->seccomp && check_seccomp(v, l->seccomp) < 0)
		return -1;
	if (l->resources &&
	    spec_validate_resources_at(l->resources, v->origin, ".linux.resources", v->err) < 0)
		return -1;
	return 0;
}

int spec_validate(const struct spec *s, struct hutch_error **err)
{
	struct vctx v = {"config.json", "", err};

	if (s->process) {
		struct vctx pv = {"config.json", ".process", err};
		if (validate_process(&pv, s->process) < 0)
			return -1;
	}
	if (check_top(&v, s) < 0 || check_no_mount_ns(&v, s) < 0 || check_mounts(&v, s) < 0)
		return -1;
	if (s->hooks && check_hooks(&v, s->hooks) < 0)
		return -1;
	if (s->linux_ && validate_linux(&v, s) < 0)
		return -1;
	return 0;
}
