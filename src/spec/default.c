/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The default config.json of `hutch spec`, generated with json_gen. */
#include "spec/default.h"
#include "spec/json.h"

#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

static void gen_strings(json_gen *g, const char *key, const char *const *list)
{
	json_gen_string(g, key);
	json_gen_array_open(g);
	for (; *list; list++)
		json_gen_string(g, *list);
	json_gen_array_close(g);
}

static void gen_capabilities(json_gen *g)
{
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
	                                   NULL};
	/* as `runc spec`: no inheritable set (CVE-2022-29162) and so no ambient one,
	 * which the kernel only raises for capabilities that are also inheritable */
	static const char *const sets[] = {"bounding", "effective", "permitted", NULL};

	json_gen_string(g, "capabilities");
	json_gen_map_open(g);
	for (const char *const *s = sets; *s; s++)
		gen_strings(g, *s, caps);
	json_gen_map_close(g);
}

static void gen_process(json_gen *g)
{
	static const char *const args[] = {"sh", NULL};
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
	    NULL};

	json_gen_string(g, "process");
	json_gen_map_open(g);
	json_gen_kv_bool(g, "terminal", true);
	json_gen_string(g, "user");
	json_gen_map_open(g);
	json_gen_kv_uint(g, "uid", 0);
	json_gen_kv_uint(g, "gid", 0);
	json_gen_map_close(g);
	gen_strings(g, "args", args);
	gen_strings(g, "env", env);
	json_gen_kv_string(g, "cwd", "/");
	gen_capabilities(g);
	json_gen_string(g, "rlimits");
	json_gen_array_open(g);
	json_gen_map_open(g);
	json_gen_kv_string(g, "type", "RLIMIT_NOFILE");
	json_gen_kv_uint(g, "hard", 1024);
	json_gen_kv_uint(g, "soft", 1024);
	json_gen_map_close(g);
	json_gen_array_close(g);
	json_gen_kv_bool(g, "noNewPrivileges", true);
	json_gen_map_close(g);
}

static void gen_mount(json_gen *g, const char *dest, const char *type, const char *source,
                      const char *const *options)
{
	json_gen_map_open(g);
	json_gen_kv_string(g, "destination", dest);
	json_gen_kv_string(g, "type", type);
	json_gen_kv_string(g, "source", source);
	if (options)
		gen_strings(g, "options", options);
	json_gen_map_close(g);
}

static void gen_mounts(json_gen *g, bool rootless)
{
	static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
	static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
	                                  "mode=0620", "gid=5",  NULL};
	static const char *const shm[] = {"nosuid",    "noexec",      "nodev",
	                                  "mode=1777", "size=65536k", NULL};
	static const char *const mqueue[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const sys_bind[] = {"rbind", "nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const cgroup[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
	/* without a gid= option: group 5 need not be mapped in a user namespace */
	static const char *const pts_rootless[] = {"nosuid",        "noexec",    "newinstance",
	                                           "ptmxmode=0666", "mode=0620", NULL};

	json_gen_string(g, "mounts");
	json_gen_array_open(g);
	gen_mount(g, "/proc", "proc", "proc", NULL);
	gen_mount(g, "/dev", "tmpfs", "tmpfs", dev);
	gen_mount(g, "/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts);
	gen_mount(g, "/dev/shm", "tmpfs", "shm", shm);
	gen_mount(g, "/dev/mqueue", "mqueue", "mqueue", mqueue);
	/* a fresh sysfs needs a network namespace owned by the user namespace */
	if (rootless)
		gen_mount(g, "/sys", "none", "/sys", sys_bind);
	else
		gen_mount(g, "/sys", "sysfs", "sysfs", sys);
	gen_mount(g, "/sys/fs/cgroup", "cgroup", "cgroup", cgroup);
	json_gen_array_close(g);
}

static void gen_id_mapping(json_gen *g, const char *key, unsigned long long host_id)
{
	json_gen_string(g, key);
	json_gen_array_open(g);
	json_gen_map_open(g);
	json_gen_kv_uint(g, "containerID", 0);
	json_gen_kv_uint(g, "hostID", host_id);
	json_gen_kv_uint(g, "size", 1);
	json_gen_map_close(g);
	json_gen_array_close(g);
}

/* A pure cgroup v2 host: runc's default config then has a cgroup namespace
 * too, so that the container's /sys/fs/cgroup is its own cgroup. */
static bool cgroup2_host(void)
{
	struct statfs sfs;

	return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

static void gen_namespace(json_gen *g, const char *type)
{
	json_gen_map_open(g);
	json_gen_kv_string(g, "type", type);
	json_gen_map_close(g);
}

static void gen_namespaces(json_gen *g, bool rootless)
{
	static const char *const root_ns[] = {"pid", "network", "ipc", "uts", "mount", NULL};
	static const char *const rootless_ns[] = {"pid", "ipc", "uts", "mount", NULL};

	json_gen_string(g, "namespaces");
	json_gen_array_open(g);
	for (const char *const *t = rootless ? rootless_ns : root_ns; *t; t++)
		gen_namespace(g, *t);
	if (cgroup2_host())
		gen_namespace(g, "cgroup");
	if (rootless)
		gen_namespace(g, "user");
	json_gen_array_close(g);
}

static void gen_linux(json_gen *g, bool rootless)
{
	static const char *const masked[] = {"/proc/acpi",
	                                     "/proc/asound",
	                                     "/proc/kcore",
	                                     "/proc/keys",
	                                     "/proc/latency_stats",
	                                     "/proc/timer_list",
	                                     "/proc/timer_stats",
	                                     "/proc/sched_debug",
	                                     "/sys/firmware",
	                                     "/proc/scsi",
	                                     NULL};
	static const char *const readonly[] = {
	    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

	json_gen_string(g, "linux");
	json_gen_map_open(g);
	if (rootless) {
		gen_id_mapping(g, "uidMappings", (unsigned long long)geteuid());
		gen_id_mapping(g, "gidMappings", (unsigned long long)getegid());
	} else {
		json_gen_string(g, "resources");
		json_gen_map_open(g);
		json_gen_string(g, "devices");
		json_gen_array_open(g);
		json_gen_map_open(g);
		json_gen_kv_bool(g, "allow", false);
		json_gen_kv_string(g, "access", "rwm");
		json_gen_map_close(g);
		json_gen_array_close(g);
		json_gen_map_close(g);
	}
	gen_namespaces(g, rootless);
	gen_strings(g, "maskedPaths", masked);
	gen_strings(g, "readonlyPaths", readonly);
	json_gen_map_close(g);
}

char *spec_default_json(bool rootless)
{
	json_gen *g = json_gen_new(true);
	char *text;

	json_gen_map_open(g);
	json_gen_kv_string(g, "ociVersion", "1.3.0");
	gen_process(g);
	json_gen_string(g, "root");
	json_gen_map_open(g);
	json_gen_kv_string(g, "path", "rootfs");
	json_gen_kv_bool(g, "readonly", true);
	json_gen_map_close(g);
	json_gen_kv_string(g, "hostname", "hutch");
	gen_mounts(g, rootless);
	gen_linux(g, rootless);
	json_gen_map_close(g);
	text = json_gen_text(g, NULL);
	json_gen_free(g);
	return text;
}
