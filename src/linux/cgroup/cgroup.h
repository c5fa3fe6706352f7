/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's control groups: create, place processes, apply
 * linux.resources, freeze, signal, stats, destroy. Works on cgroup v2
 * (unified), hybrid (v1 controllers + a v2 tracking hierarchy) and v1. */
#ifndef HUTCH_LINUX_CGROUP_CGROUP_H
#define HUTCH_LINUX_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/json.h"
#include "spec/spec.h"
#include "util/error.h"

enum cgroup_manager_kind { CGROUP_MANAGER_FS, CGROUP_MANAGER_SYSTEMD, CGROUP_MANAGER_DISABLED };

/* How the host mounts cgroups. */
enum cgroup_mode { CGROUP_MODE_UNIFIED, CGROUP_MODE_HYBRID, CGROUP_MODE_LEGACY };

/* Opaque: the manager, the host mode and the container's directory in every
 * hierarchy. */
struct cgroup;

struct cgroup_config {
	const char *id;           /* container id, used for the default path */
	const char *cgroups_path; /* linux.cgroupsPath, may be NULL */
	enum cgroup_manager_kind manager;
	const char *mount_root; /* NULL means "/sys/fs/cgroup"; tests pass a fixture dir */
	/* Optional: file to read our own cgroup from for relative cgroupsPath
	 * (NULL means /proc/self/cgroup). Tests pass a fixture file. */
	const char *self_cgroup_file;
	/* Rootless (core/rootless.h): an unset cgroupsPath means "<id>",
	 * relative; on cgroup v2 relative paths go below the parent of our own
	 * cgroup, which holds our process and so cannot give controllers to a
	 * child (runc's rule; with systemd that parent is the user's delegated
	 * slice). Device rules are not applied: their v1 files and v2 eBPF
	 * programs need privilege over the host. */
	bool rootless;
};

/* Detect the host mode under mount_root, compute the container's path in each
 * hierarchy and create it (mkdir -p). Path rules: an absolute cgroupsPath is
 * relative to each hierarchy root; a relative one goes under our own cgroup in
 * that hierarchy (read from /proc/self/cgroup); unset means "/hutch/<id>". A
 * path with a ".." component is refused. On cgroup v2 the available
 * controllers are enabled in cgroup.subtree_control of every ancestor; on v1
 * cpuset.cpus/mems are copied down into new levels. A cgroup that is frozen
 * (in any hierarchy with a freezer, by itself or an ancestor) is refused:
 * "container's cgroup unexpectedly frozen". One that already holds processes
 * is used with a warning in the log, as runc does, and marked shared:
 * cgroup_destroy then neither kills nor waits for its processes.
 * For CGROUP_MANAGER_SYSTEMD cgroups_path must be "slice:prefix:name"; a
 * transient scope is started when the first process is entered.
 * Returns 0 and a new *ret (free with cgroup_free) or -1 with *err; a
 * directory the caller may not make fails with errnum EACCES, EPERM or
 * EROFS (what a rootless caller may go on without). */
int cgroup_create(const struct cgroup_config *c, struct cgroup **ret, struct hutch_error **err);

/* An O_PATH|O_DIRECTORY|O_CLOEXEC fd of the container's v2 directory (unified
 * mode, or the unified side of hybrid) for clone3(CLONE_INTO_CGROUP); the
 * caller owns and closes it. -1 when there is none (v1-only host, disabled
 * manager, systemd scope not started yet). The caller must still call
 * cgroup_enter for the v1 hierarchies (entering twice is harmless). */
int cgroup_clone_fd(const struct cgroup *cg);

/* Move pid into the container's cgroup in every hierarchy (cgroup.procs).
 * For the systemd manager this starts the transient scope with pid in it (a
 * scope cannot exist empty), so there call cgroup_enter before cgroup_apply;
 * cgroup_apply then sets unit properties and writes the cgroup files. */
int cgroup_enter(const struct cgroup *cg, pid_t pid, struct hutch_error **err);

/* cgroup_enter for a process cloned with CLONE_INTO_CGROUP into
 * cgroup_clone_fd(): the other hierarchies only. Writing the v2 cgroup.procs
 * again would change nothing but cost a wait: every write of a pid to a
 * cgroup.procs takes the kernel's cgroup_threadgroup_rwsem for writing,
 * whose first taker waits for an RCU grace period (milliseconds). */
int cgroup_enter_cloned(const struct cgroup *cg, pid_t pid, struct hutch_error **err);

/* cgroup_enter for the v2 hierarchy only (the v1 ones: cgroup_enter_self). */
int cgroup_enter_v2(const struct cgroup *cg, pid_t pid, struct hutch_error **err);

/* Move the calling process into the container's cgroup in every v1
 * hierarchy (the fs manager's: not a systemd scope), by writing 0 to each
 * one's `tasks`. The caller must be single-threaded: `tasks` moves one
 * thread. A thread that moves itself is moved without the kernel's
 * cgroup_threadgroup_rwsem (it cannot exit or exec meanwhile), so no RCU
 * grace period is waited for, unlike a pid written to cgroup.procs (5-15 ms
 * of wall time here for the first of a create). The v2 hierarchy is left
 * to CLONE_INTO_CGROUP or cgroup_enter_v2. */
int cgroup_enter_self(const struct cgroup *cg, struct hutch_error **err);

/* Write linux.resources to the cgroup files. Also used by `update`. A field
 * whose controller is missing fails naming both, e.g.
 * "linux.resources.hugepageLimits: hugetlb controller is not available".
 * r may be NULL (nothing to do). Devices: v1 writes devices.deny/allow, v2
 * loads and attaches a BPF_PROG_TYPE_CGROUP_DEVICE program, replacing the one
 * attached before. The rules are taken as given: the caller prepends
 * cgroup_default_device_rules() when it wants the default set. */
int cgroup_apply(const struct cgroup *cg, const struct spec_resources *r, struct hutch_error **err);

/* The linux.resources fields of r that need a cgroup controller, as
 * ".linux.resources.pids, .linux.resources.memory" (caller frees); NULL when
 * there are none (devices are left out: rootless, their rules are not
 * applied). For the error of a rootless container that gets no cgroup. */
char *cgroup_resources_needing_cgroup(const struct spec_resources *r);

/* Kill every process left (v2 cgroup.kill where present, else SIGKILL each
 * pid under a v1 freeze, looping until empty), then remove the container's
 * directory (and sub-cgroups) in every hierarchy, retrying briefly on EBUSY,
 * and empty ancestors this cgroup created. Already-removed is fine. A shared
 * cgroup (see cgroup_create) is only removed where it is empty by now. Frees
 * cg (also on failure). */
int cgroup_destroy(struct cgroup *cg, struct hutch_error **err);

/* Send sig to every process of the cgroup and its sub-cgroups (kill --all). */
int cgroup_signal(const struct cgroup *cg, int sig, struct hutch_error **err);

/* Freeze or thaw: v1 freezer.state FROZEN/THAWED, v2 cgroup.freeze; waits
 * until the kernel reports the new state (up to a few seconds). */
int cgroup_freeze(const struct cgroup *cg, bool frozen, struct hutch_error **err);
int cgroup_get_frozen(const struct cgroup *cg, bool *ret, struct hutch_error **err);

/* Every pid in the cgroup and its sub-cgroups. *ret is malloc'd (NULL when
 * empty); the caller frees it. */
int cgroup_pids(const struct cgroup *cg, pid_t **ret, size_t *ret_n, struct hutch_error **err);

/* Write the "data" object of `runc events --stats` (runc types/events.go
 * Stats: cpu, cpuset, memory, pids, blkio, hugetlb, intel_rdt,
 * network_interfaces) as one JSON map into g. Missing files are skipped. */
int cgroup_stats(const struct cgroup *cg, json_gen *g, struct hutch_error **err);

/* The number of OOM kills so far (v2 memory.events oom_kill, v1
 * memory.oom_control oom_kill); 0 when the memory controller is absent. */
int cgroup_oom_count(const struct cgroup *cg, uint64_t *ret, struct hutch_error **err);

/* An fd (O_CLOEXEC|O_NONBLOCK, caller owns) that polls readable when an OOM
 * may have happened: v2 an inotify watch on memory.events, v1 an eventfd
 * registered on memory.oom_control. Drain it with read() (4096-byte buffer)
 * and compare cgroup_oom_count. -1 with *err when there is no memory
 * controller. */
int cgroup_oom_watch_fd(const struct cgroup *cg, struct hutch_error **err);

/* True when the kernel schedules realtime tasks by cgroup (v1
 * cpu.rt_runtime_us, CONFIG_RT_GROUP_SCHED) and the container's cgroup has
 * no realtime budget: a SCHED_FIFO/SCHED_RR task cannot run there
 * (sched_setscheduler(2) fails with EPERM). */
bool cgroup_rt_budgetless(const struct cgroup *cg);

/* One string (JSON text) that cgroup_deserialize turns back into the same
 * cgroup, for state.json. Caller frees. */
char *cgroup_serialize(const struct cgroup *cg);
int cgroup_deserialize(const char *s, struct cgroup **ret, struct hutch_error **err);

/* exec --cgroup ARG: move pid into an existing sub-cgroup of the container.
 * ARG is "SUB" (every hierarchy the container has) or "CTRL[,CTRL]:SUB"
 * (those controllers' hierarchies; "" names the v2 one). SUB is relative to
 * the container's cgroup and must exist. Errors name the missing directory. */
int cgroup_enter_sub(const struct cgroup *cg, const char *arg, pid_t pid, struct hutch_error **err);

void cgroup_free(struct cgroup *cg);
void cgroup_freep(struct cgroup **cg);
#define _cleanup_cgroup_ __attribute__((cleanup(cgroup_freep)))

/* Introspection. */
enum cgroup_manager_kind cgroup_get_manager(const struct cgroup *cg);
/* The container's directory ("<mount>/<path>") in the hierarchy holding
 * `controller` ("memory", "cpu", ...; "" for the v2 hierarchy); caller
 * frees; NULL when there is none. */
char *cgroup_get_dir(const struct cgroup *cg, const char *controller);
/* True when cgroup_create made the container's directory in every hierarchy
 * (none existed before): it holds no process, no sub-cgroup and no OOM
 * kill yet. False for a systemd scope and for a cgroup read back from
 * state.json. */
bool cgroup_created(const struct cgroup *cg);

/* How many hierarchies the container has a directory in (0 with the disabled
 * manager), and the i-th (i < that): whether it is the v2 one, its
 * controllers (v1: "cpu,cpuacct", "name=systemd"; v2: ""), the host's mount
 * point and the container's path in it; all borrowed from cg. */
size_t cgroup_count(const struct cgroup *cg);
void cgroup_hierarchy(const struct cgroup *cg, size_t i, bool *ret_v2, const char **ret_controllers,
                      const char **ret_mount, const char **ret_path);

/* runc's default device rules: deny everything, then mknod of any char/block
 * device, /dev/null, random, full, tty, zero, urandom, pts (136:*), ptmx
 * (5:2) and tun (10:200). Static storage. The first rule (deny all) goes
 * before the spec's list, the others after it (as runc appends its allowed
 * devices), so that the spec's own allows survive. */
const struct spec_device_cgroup *cgroup_default_device_rules(size_t *ret_n);

/* Conversions used on cgroup v2 (exposed for tests). */
uint64_t cgroup_cpu_shares_to_weight(uint64_t shares);
uint64_t cgroup_blkio_weight_to_io_weight(uint64_t weight);
/* memory.swap.max from spec swap (memory+swap) and limit: 0 with *ret_str set
 * to "max" or a number, 1 when nothing is to be written, -1 on bad values. */
int cgroup_swap_to_v2(int64_t swap, int64_t limit, char **ret_str, struct hutch_error **err);

#endif
