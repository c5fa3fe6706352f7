/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The systemd cgroup driver: the container lives in a transient scope unit
 * ("<prefix>-<name>.scope" in the slice of "slice:prefix:name") that systemd
 * creates when asked over D-Bus (org.freedesktop.systemd1(5), through
 * hutch's own client, dbus.h); resources are set as unit properties and in
 * the cgroup files. */
#include "linux/cgroup/dbus.h"
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Connect to the system bus, or rootless to the user's (the bus of its
 * systemd --user instance: $DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus). */
static int bus_open(const struct cgroup *cg, struct dbus **bus, struct hutch_error **err)
{
	if (dbus_open(cg->rootless, bus, err) < 0)
		return herr_prefix(err, "systemd cgroup driver: connect to the %s bus",
		                   cg->rootless ? "user" : "system");
	return 0;
}

/* A call on systemd's manager object. */
static struct dbus_msg manager_call(const char *member)
{
	return (struct dbus_msg){.dest = "org.freedesktop.systemd1",
	                         .path = "/org/freedesktop/systemd1",
	                         .iface = "org.freedesktop.systemd1.Manager",
	                         .member = member};
}

static int bus_call(struct dbus *bus, struct dbus_msg *m, const char *sig, const char *what,
                    bool ok_missing, struct hutch_error **err)
{
	_cleanup_free_ char *name = NULL;
	int r = dbus_call(bus, m, sig, NULL, &name, err);

	dbus_msg_free(m);
	if (r < 0 && ok_missing && name &&
	    strcmp(name, "org.freedesktop.systemd1.NoSuchUnit") == 0) {
		herr_freep(err);
		return 0;
	}
	if (r < 0)
		return herr_prefix(err, "systemd cgroup driver: %s", what);
	return 0;
}

static int user_manager_cgroup(const struct cgroup *cg, char **ret, struct hutch_error **err)
{
	_cleanup_dbus_ struct dbus *bus = NULL;
	struct dbus_msg m = {.dest = "org.freedesktop.systemd1",
	                     .path = "/org/freedesktop/systemd1",
	                     .iface = "org.freedesktop.DBus.Properties",
	                     .member = "Get"};
	int r;

	if (bus_open(cg, &bus, err) < 0)
		return herr_prefix(err,
		                   "rootless: no systemd --user instance to ask (its D-Bus is at "
		                   "$DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus)");
	dbus_put_string(&m, "org.freedesktop.systemd1.Manager");
	dbus_put_string(&m, "ControlGroup");
	r = dbus_call(bus, &m, "ss", ret, NULL, err);
	dbus_msg_free(&m);
	if (r < 0)
		return herr_prefix(err, "systemd cgroup driver: the user manager's ControlGroup");
	if ((*ret)[0] != '/') {
		free(*ret);
		*ret = NULL;
		return herr_msg(err, "systemd cgroup driver: the user manager has no cgroup path");
	}
	return 0;
}

/* One (sv) of a property list. */
static void prop_open(struct dbus_msg *m, const char *name, const char *type)
{
	dbus_struct_open(m);
	dbus_put_string(m, name);
	dbus_put_signature(m, type);
}

static void prop_string(struct dbus_msg *m, const char *name, const char *v)
{
	prop_open(m, name, "s");
	dbus_put_string(m, v);
}

static void prop_bool(struct dbus_msg *m, const char *name, bool v)
{
	prop_open(m, name, "b");
	dbus_put_bool(m, v);
}

static void prop_u64(struct dbus_msg *m, const char *name, uint64_t v)
{
	prop_open(m, name, "t");
	dbus_put_u64(m, v);
}

int cg_systemd_enter(const struct cgroup *cg, pid_t pid, struct hutch_error **err)
{
	_cleanup_dbus_ struct dbus *bus = NULL;
	struct dbus_msg m = manager_call("StartTransientUnit");
	_cleanup_free_ char *dir = NULL;
	const struct cgroup_hier *h = cg->n_hier ? &cg->hier[cg->n_hier - 1] : NULL;
	size_t props, pids, aux;

	/* already started: a later cgroup_enter just joins the scope's cgroup */
	if (h && (dir = cg_dir(h)) && access(dir, F_OK) == 0)
		return 0;
	if (bus_open(cg, &bus, err) < 0)
		return -1;
	dbus_put_string(&m, cg->unit);
	dbus_put_string(&m, "fail");
	props = dbus_array_open(&m, 8);
	prop_string(&m, "Description", "hutch container");
	prop_string(&m, "Slice", cg->slice);
	prop_bool(&m, "Delegate", true);
	prop_bool(&m, "DefaultDependencies", false);
	prop_open(&m, "PIDs", "au");
	pids = dbus_array_open(&m, 4);
	dbus_put_u32(&m, (uint32_t)pid);
	dbus_array_close(&m, pids, 4);
	dbus_array_close(&m, props, 8);
	aux = dbus_array_open(&m, 8); /* no auxiliary units */
	dbus_array_close(&m, aux, 8);
	if (bus_call(bus, &m, "ssa(sv)a(sa(sv))", "start the transient unit", false, err) < 0)
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
	_cleanup_dbus_ struct dbus *bus = NULL;
	struct dbus_msg m = manager_call("StopUnit");

	if (bus_open(cg, &bus, err) < 0)
		return -1;
	dbus_put_string(&m, cg->unit);
	dbus_put_string(&m, "replace");
	return bus_call(bus, &m, "ss", "stop the unit", true, err);
}

static uint64_t limit_u64(int64_t v)
{
	return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* The resources systemd knows as unit properties, so that a daemon-reload
 * does not undo what the cgroup files say. The files are written as well. */
static void append_props(struct dbus_msg *m, bool v2, const struct spec_resources *r)
{
	const struct spec_memory *mem = r->memory;
	const struct spec_cpu *cpu = r->cpu;

	if (mem && mem->limit.set && mem->limit.value != 0)
		prop_u64(m, v2 ? "MemoryMax" : "MemoryLimit", limit_u64(mem->limit.value));
	if (v2 && mem && mem->reservation.set && mem->reservation.value != 0)
		prop_u64(m, "MemoryLow", limit_u64(mem->reservation.value));
	if (cpu && cpu->shares.set && cpu->shares.value != 0) {
		if (v2)
			prop_u64(m, "CPUWeight", cgroup_cpu_shares_to_weight(cpu->shares.value));
		else
			prop_u64(m, "CPUShares", cpu->shares.value);
	}
	if (cpu && cpu->quota.set && cpu->quota.value != 0) {
		uint64_t period = cpu->period.set && cpu->period.value ? cpu->period.value : 100000;
		uint64_t q = cpu->quota.value < 0 ? UINT64_MAX
		                                  : (uint64_t)cpu->quota.value * 1000000 / period;
		prop_u64(m, "CPUQuotaPerSecUSec", q);
		if (cpu->period.set && cpu->period.value)
			prop_u64(m, "CPUQuotaPeriodUSec", cpu->period.value);
	}
	if (r->has_pids || r->pids_limit.set)
		prop_u64(m, "TasksMax",
		         r->pids_limit.set && r->pids_limit.value > 0
		             ? (uint64_t)r->pids_limit.value
		             : UINT64_MAX);
}

int cg_systemd_apply(const struct cgroup *cg, const struct spec_resources *r,
                     struct hutch_error **err)
{
	_cleanup_dbus_ struct dbus *bus = NULL;
	struct dbus_msg m = manager_call("SetUnitProperties");
	size_t props;

	if (bus_open(cg, &bus, err) < 0)
		return -1;
	dbus_put_string(&m, cg->unit);
	dbus_put_bool(&m, true); /* runtime: not persisted across reboots */
	props = dbus_array_open(&m, 8);
	append_props(&m, cg->mode == CGROUP_MODE_UNIFIED, r);
	dbus_array_close(&m, props, 8);
	return bus_call(bus, &m, "sba(sv)", "set unit properties", false, err);
}
