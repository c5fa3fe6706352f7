/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The systemd cgroup driver: the container lives in a transient scope unit
 * ("<prefix>-<name>.scope" in the slice of "slice:prefix:name") that systemd
 * creates over D-Bus (sd-bus); resources are set as unit properties and in
 * the cgroup files. Built only when libsystemd's headers are available;
 * libsystemd itself is loaded on first use (dlopen). */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <dlfcn.h>
#include <systemd/sd-bus.h>
#endif

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "". */
static int expand_slice(const char *slice, char **ret, struct hutch_error **err)
{
	size_t len = strlen(slice);
	_cleanup_free_ char *out = xstrdup("");

	if (len < 6 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/'))
		return herr_msg(err, "invalid slice name \"%s\"", slice);
	if (strcmp(slice, "-.slice") == 0) {
		*ret = steal_ptr(&out);
		return 0;
	}
	for (size_t i = 0; i < len - 6; i++) {
		if (slice[i] != '-' && i + 1 != len - 6)
			continue;
		size_t end = slice[i] == '-' ? i : len - 6;
		if (end == 0 || slice[end - 1] == '-')
			return herr_msg(err, "invalid slice name \"%s\"", slice);
		char *t = xasprintf("%s/%.*s.slice", out, (int)end, slice);
		free(out);
		out = t;
	}
	*ret = steal_ptr(&out);
	return 0;
}

/* Rootless: the cgroup of the user's systemd --user instance, under which
 * its units live ("/user.slice/user-1000.slice/user@1000.service"). */
static int user_manager_cgroup(const struct cgroup *cg, char **ret, struct hutch_error **err);

int cg_systemd_create(struct cgroup *cg, const struct cgroup_config *c, struct hutch_error **err)
{
	_cleanup_free_ char *slice = NULL, *prefix = NULL, *name = NULL, *spath = NULL;
	const char *p = c->cgroups_path;

	if (access("/run/systemd/system", F_OK) < 0)
		return herr_msg(
		    err, "systemd cgroup driver: systemd is not running (no /run/systemd/system)");
#ifndef HAVE_LIBSYSTEMD
	return herr_msg(err, "systemd cgroup driver: hutch was built without libsystemd");
#endif
	if (p && *p) {
		const char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || strchr(c2 + 1, ':'))
			return herr_msg(err,
			                "systemd cgroup driver: cgroupsPath \"%s\" is not "
			                "\"slice:prefix:name\"",
			                p);
		slice = xstrndup(p, (size_t)(c1 - p));
		prefix = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
		name = xstrdup(c2 + 1);
	} else {
		prefix = xstrdup("hutch");
		name = xstrdup(c->id ? c->id : "");
	}
	if (!*name || strchr(name, '/'))
		return herr_msg(err, "systemd cgroup driver: invalid unit name \"%s\"", name);
	if (strlen(name) >= 6 && strcmp(name + strlen(name) - 6, ".slice") == 0)
		return herr_msg(err, "systemd cgroup driver: a slice as the container unit is not "
		                     "supported");
	/* runc's default slices; a user manager's "user.slice" is its own */
	cg->slice = xstrdup(slice && *slice ? slice : c->rootless ? "user.slice" : "system.slice");
	cg->unit = *prefix ? xasprintf("%s-%s.scope", prefix, name) : xasprintf("%s.scope", name);
	if (expand_slice(cg->slice, &spath, err) < 0)
		return herr_prefix(err, "systemd cgroup driver");
	if (c->rootless) {
		_cleanup_free_ char *manager = NULL, *full = NULL;
		if (user_manager_cgroup(cg, &manager, err) < 0)
			return -1;
		full = xasprintf("%s%s", strcmp(manager, "/") == 0 ? "" : manager, spath);
		free(spath);
		spath = steal_ptr(&full);
	}
	for (size_t i = 0; i < cg->n_hier; i++)
		cg->hier[i].path = xasprintf("%s/%s", spath, cg->unit);
	return 0;
}

#ifdef HAVE_LIBSYSTEMD

/* libsystemd is not linked but loaded here, when the driver first needs it:
 * it brings libgcrypt, liblzma, libzstd, liblz4 and libgpg-error along, and
 * mapping and relocating those six objects cost every call of hutch about a
 * tenth of its CPU time, while only this driver uses them. */
static struct {
	typeof(sd_bus_open_system) *open_system;
	typeof(sd_bus_open_user) *open_user;
	typeof(sd_bus_get_property_string) *get_property_string;
	typeof(sd_bus_unref) *unref;
	typeof(sd_bus_message_unref) *message_unref;
	typeof(sd_bus_message_new_method_call) *message_new_method_call;
	typeof(sd_bus_message_append) *message_append;
	typeof(sd_bus_message_open_container) *message_open_container;
	typeof(sd_bus_message_close_container) *message_close_container;
	typeof(sd_bus_call) *call;
	typeof(sd_bus_error_free) *error_free;
	typeof(sd_bus_error_has_name) *error_has_name;
} sd;

#define SD_SYM(f)                                                                                  \
	{                                                                                          \
		"sd_bus_" #f, offsetof(typeof(sd), f)                                              \
	}

static int sd_load(struct hutch_error **err)
{
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
	    SD_SYM(open_system),
	    SD_SYM(open_user),
	    SD_SYM(get_property_string),
	    SD_SYM(unref),
	    SD_SYM(message_unref),
	    SD_SYM(message_new_method_call),
	    SD_SYM(message_append),
	    SD_SYM(message_open_container),
	    SD_SYM(message_close_container),
	    SD_SYM(call),
	    SD_SYM(error_free),
	    SD_SYM(error_has_name),
	};
	static void *lib;
	void *h;

	if (lib)
		return 0;
	h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return herr_msg(err, "systemd cgroup driver: cannot load libsystemd: %s",
		                dlerror());
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(h, syms[i].name);
		if (!f) {
			herr_msg(err, "systemd cgroup driver: libsystemd has no %s", syms[i].name);
			dlclose(h);
			return -1;
		}
		memcpy((char *)&sd + syms[i].offset, &f, sizeof(f));
	}
	lib = h;
	return 0;
}

/* Connect to the system bus, or rootless to the user's (the bus of its
 * systemd --user instance: $DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus), loading libsystemd first. */
static int bus_open(const struct cgroup *cg, sd_bus **bus, struct hutch_error **err)
{
	int r;

	if (sd_load(err) < 0)
		return -1;
	r = cg->rootless ? sd.open_user(bus) : sd.open_system(bus);
	if (r < 0)
		return herr_errno(err, -r, "systemd cgroup driver: connect to the %s bus",
		                  cg->rootless ? "user" : "system");
	return 0;
}

static void bus_unrefp(sd_bus **b)
{
	if (*b)
		sd.unref(*b);
}
static void msg_unrefp(sd_bus_message **m)
{
	if (*m)
		sd.message_unref(*m);
}
#define _cleanup_bus_ __attribute__((cleanup(bus_unrefp)))
#define _cleanup_msg_ __attribute__((cleanup(msg_unrefp)))

static int bus_call(sd_bus *bus, sd_bus_message *m, const char *what, bool ok_missing,
                    struct hutch_error **err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *reply = NULL;
	int r = sd.call(bus, m, 0, &e, &reply);

	if (r < 0) {
		if (ok_missing && sd.error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")) {
			sd.error_free(&e);
			return 0;
		}
		herr_errno(err, -r, "systemd cgroup driver: %s: %s", what,
		           e.message ? e.message : "D-Bus call failed");
		sd.error_free(&e);
		return -1;
	}
	return 0;
}

static int user_manager_cgroup(const struct cgroup *cg, char **ret, struct hutch_error **err)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if (bus_open(cg, &bus, err) < 0)
		return herr_prefix(err,
		                   "rootless: no systemd --user instance to ask (its D-Bus is at "
		                   "$DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus)");
	r = sd.get_property_string(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
	                           "org.freedesktop.systemd1.Manager", "ControlGroup", &e, ret);
	if (r < 0 || !*ret || (*ret)[0] != '/') {
		herr_errno(err, r < 0 ? -r : EINVAL,
		           "systemd cgroup driver: the user manager's ControlGroup: %s",
		           e.message ? e.message : "no cgroup path");
		sd.error_free(&e);
		return -1;
	}
	return 0;
}

int cg_systemd_enter(const struct cgroup *cg, pid_t pid, struct hutch_error **err)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_msg_ sd_bus_message *m = NULL;
	_cleanup_free_ char *dir = NULL;
	const struct cgroup_hier *h = cg->n_hier ? &cg->hier[cg->n_hier - 1] : NULL;
	int r;

	/* already started: a later cgroup_enter just joins the scope's cgroup */
	if (h && (dir = cg_dir(h)) && access(dir, F_OK) == 0)
		return 0;
	if (bus_open(cg, &bus, err) < 0)
		return -1;
	r = sd.message_new_method_call(bus, &m, "org.freedesktop.systemd1",
	                               "/org/freedesktop/systemd1",
	                               "org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0)
		r = sd.message_append(m, "ss", cg->unit, "fail");
	if (r >= 0)
		r = sd.message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd.message_append(m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s",
		                      "hutch container", "Slice", "s", cg->slice, "Delegate", "b",
		                      1, "DefaultDependencies", "b", 0, "PIDs", "au", 1,
		                      (uint32_t)pid);
	if (r >= 0)
		r = sd.message_close_container(m);
	if (r >= 0)
		r = sd.message_append(m, "a(sa(sv))", 0);
	if (r < 0)
		return herr_errno(err, -r, "systemd cgroup driver: build StartTransientUnit");
	if (bus_call(bus, m, "start the transient unit", false, err) < 0)
		return -1;
	/* The job runs asynchronously: wait (up to 5 s) for the cgroup. */
	for (int i = 0; h && i < 500 && access(dir, F_OK) < 0; i++)
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	if (h && access(dir, F_OK) < 0)
		return herr_msg(err, "systemd cgroup driver: %s did not appear", dir);
	return 0;
}

int cg_systemd_destroy(const struct cgroup *cg, struct hutch_error **err)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_msg_ sd_bus_message *m = NULL;
	int r;

	if (bus_open(cg, &bus, err) < 0)
		return -1;
	r = sd.message_new_method_call(bus, &m, "org.freedesktop.systemd1",
	                               "/org/freedesktop/systemd1",
	                               "org.freedesktop.systemd1.Manager", "StopUnit");
	if (r >= 0)
		r = sd.message_append(m, "ss", cg->unit, "replace");
	if (r < 0)
		return herr_errno(err, -r, "systemd cgroup driver: build StopUnit");
	return bus_call(bus, m, "stop the unit", true, err);
}

/* Append one (sv) with a uint64 ("t") value. */
static int prop_u64(sd_bus_message *m, const char *name, uint64_t v)
{
	return sd.message_append(m, "(sv)", name, "t", v);
}

static uint64_t limit_u64(int64_t v)
{
	return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* The resources systemd knows as unit properties, so that a daemon-reload
 * does not undo what the cgroup files say. The files are written as well. */
static int append_props(sd_bus_message *m, bool v2, const struct spec_resources *r)
{
	const struct spec_memory *mem = r->memory;
	const struct spec_cpu *cpu = r->cpu;
	int rc = 0;

	if (mem && mem->limit.set && mem->limit.value != 0)
		rc = prop_u64(m, v2 ? "MemoryMax" : "MemoryLimit", limit_u64(mem->limit.value));
	if (rc >= 0 && v2 && mem && mem->reservation.set && mem->reservation.value != 0)
		rc = prop_u64(m, "MemoryLow", limit_u64(mem->reservation.value));
	if (rc >= 0 && cpu && cpu->shares.set && cpu->shares.value != 0)
		rc = v2 ? prop_u64(m, "CPUWeight", cgroup_cpu_shares_to_weight(cpu->shares.value))
		        : prop_u64(m, "CPUShares", cpu->shares.value);
	if (rc >= 0 && cpu && cpu->quota.set && cpu->quota.value != 0) {
		uint64_t period = cpu->period.set && cpu->period.value ? cpu->period.value : 100000;
		uint64_t q = cpu->quota.value < 0 ? UINT64_MAX
		                                  : (uint64_t)cpu->quota.value * 1000000 / period;
		rc = prop_u64(m, "CPUQuotaPerSecUSec", q);
		if (rc >= 0 && cpu->period.set && cpu->period.value)
			rc = prop_u64(m, "CPUQuotaPeriodUSec", cpu->period.value);
	}
	if (rc >= 0 && (r->has_pids || r->pids_limit.set))
		rc = prop_u64(m, "TasksMax",
		              r->pids_limit.set && r->pids_limit.value > 0
		                  ? (uint64_t)r->pids_limit.value
		                  : UINT64_MAX);
	return rc;
}

int cg_systemd_apply(const struct cgroup *cg, const struct spec_resources *r,
                     struct hutch_error **err)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	_cleanup_msg_ sd_bus_message *m = NULL;
	int rc;

	if (bus_open(cg, &bus, err) < 0)
		return -1;
	rc = sd.message_new_method_call(bus, &m, "org.freedesktop.systemd1",
	                                "/org/freedesktop/systemd1",
	                                "org.freedesktop.systemd1.Manager", "SetUnitProperties");
	if (rc >= 0)
		rc = sd.message_append(m, "sb", cg->unit, 1);
	if (rc >= 0)
		rc = sd.message_open_container(m, 'a', "(sv)");
	if (rc >= 0)
		rc = append_props(m, cg->mode == CGROUP_MODE_UNIFIED, r);
	if (rc >= 0)
		rc = sd.message_close_container(m);
	if (rc < 0)
		return herr_errno(err, -rc, "systemd cgroup driver: build SetUnitProperties");
	return bus_call(bus, m, "set unit properties", false, err);
}

#else

static int user_manager_cgroup(const struct cgroup *cg, char **ret, struct hutch_error **err)
{
	return herr_msg(err, "systemd cgroup driver: hutch was built without libsystemd");
}

int cg_systemd_enter(const struct cgroup *cg, pid_t pid, struct hutch_error **err)
{
	return herr_msg(err, "systemd cgroup driver: hutch was built without libsystemd");
}

int cg_systemd_destroy(const struct cgroup *cg, struct hutch_error **err)
{
	return 0;
}

int cg_systemd_apply(const struct cgroup *cg, const struct spec_resources *r,
                     struct hutch_error **err)
{
	return herr_msg(err, "systemd cgroup driver: hutch was built without libsystemd");
}

#endif
