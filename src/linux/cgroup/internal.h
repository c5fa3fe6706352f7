/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the cgroup library's files: the cgroup object, hierarchy
 * discovery, file helpers and the per-version resource writers. */
#ifndef HUTCH_LINUX_CGROUP_INTERNAL_H
#define HUTCH_LINUX_CGROUP_INTERNAL_H

#include "linux/cgroup/cgroup.h"

#include <errno.h>
#include <stdbool.h>

/* Did a cgroup go away under us? ENOENT by its path; ENODEV from a file of
 * it opened just before its removal (systemd drops an empty scope, delete
 * and the kernel race). */
static inline bool cg_gone(int errnum)
{
	return errnum == ENOENT || errnum == ENODEV;
}

/* One mounted hierarchy and the container's place in it. */
struct cgroup_hier {
	bool v2;
	char *controllers; /* v1: comma list ("cpu,cpuacct", "name=systemd"); v2: "" */
	char *mount;       /* absolute mount point */
	char *path;        /* container path relative to the mount, starts with '/' */
	int created_depth; /* number of trailing components of path that we created (0: none) */
};

struct cgroup {
	enum cgroup_manager_kind manager;
	enum cgroup_mode mode;
	char *mount_root;
	size_t n_hier;
	struct cgroup_hier *hier;
	char *unit;        /* systemd: transient unit name ("prefix-name.scope") */
	char *slice;       /* systemd: parent slice */
	bool shared;       /* it held processes before the container: not all are ours */
	bool default_path; /* no cgroupsPath: /hutch/<id>, below hutch's own parent */
	bool made;         /* by cgroup_create in this process (not read from state.json) */
	bool rootless;     /* cgroup_config.rootless: device rules are skipped */
};

/* --- hier.c: discovery and paths --------------------------------------- */

/* Fill cg->mode and cg->hier (paths still NULL) from cg->mount_root. */
int cg_discover(struct cgroup *cg, struct hutch_error **err);
/* Our own cgroup in the hierarchy h, from a /proc/self/cgroup style file. */
int cg_self_path(const char *self_file, const struct cgroup_hier *h, char **ret,
                 struct hutch_error **err);
/* Does the v1 hierarchy h carry controller c? v2 never matches here. */
bool cg_hier_has(const struct cgroup_hier *h, const char *c);
/* The hierarchy holding controller c on v1 (NULL if none); "" finds the v2 one. */
const struct cgroup_hier *cg_find(const struct cgroup *cg, const char *c);
/* "<mount><path>" (malloc'd). */
char *cg_dir(const struct cgroup_hier *h);
/* Is controller c listed in <dir>/cgroup.controllers (v2)? */
bool cg_v2_has_controller(const char *dir, const char *c);
/* Normalise a cgroupsPath / id into "/a/b" form; refuses "..". */
int cg_clean_path(const char *in, char **ret, struct hutch_error **err);

/* --- util.c: file helpers ---------------------------------------------- */

/* Write `value` to <dir>/<file>. The error names the file and the value. */
int cg_write(const char *dir, const char *file, const char *value, struct hutch_error **err);
/* The same in two steps, for several values to one file: open <dir>/<file>
 * for writing (returns the fd), then write one value per call. */
int cg_open_write(const char *dir, const char *file, struct hutch_error **err);
int cg_write_fd(int fd, const char *dir, const char *file, const char *value,
                struct hutch_error **err);
int cg_writef(const char *dir, const char *file, struct hutch_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Read <dir>/<file> whole (malloc'd, trailing newline kept). -1 with *err. */
int cg_read(const char *dir, const char *file, char **ret, struct hutch_error **err);
/* Read a single unsigned number; "max" reads as UINT64_MAX. */
int cg_read_u64(const char *dir, const char *file, uint64_t *ret, struct hutch_error **err);
/* Find "key value" in a flat-keyed file ("memory.stat", "cgroup.events"). */
int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret,
                struct hutch_error **err);
bool cg_exists(const char *dir, const char *file);
/* Append the pids of <dir>/cgroup.procs and of every sub-cgroup. */
int cg_collect_pids(const char *dir, pid_t **pids, size_t *n, struct hutch_error **err);
/* "-1" -> "max", else the decimal; for v2 limits. Returns a static-sized buffer. */
const char *cg_limit_str(int64_t v, char buf[static 24]);

/* --- v1.c / v2.c / apply.c: linux.resources writers --------------------- */

/* Each writer handles one group of fields for the cgroup directory dir. */
typedef int cg_writer(const char *dir, const struct spec_resources *r, struct hutch_error **err);
cg_writer cg_v1_memory, cg_v1_cpu, cg_v1_cpuset, cg_v1_pids, cg_v1_blkio, cg_v1_hugetlb,
    cg_v1_net_cls, cg_v1_net_prio, cg_v1_rdma, cg_v1_devices;
cg_writer cg_v2_memory, cg_v2_cpu, cg_v2_cpuset, cg_v2_pids, cg_v2_io, cg_v2_hugetlb, cg_v2_rdma,
    cg_v2_devices, cg_v2_unified;

/* Shared by v1 and v2: hugetlb.<size>.<suffix> for every page size. */
int cg_hugetlb_write(const char *dir, const struct spec_resources *r, const char *suffix,
                     struct hutch_error **err);

/* Realtime group scheduling (v1 cpu.rt_*): make the parent of h's cgroup
 * hold enough budget for its other children plus `runtime` per `period`
 * for this one (a new v1 cgroup has none, and a child cannot get more than
 * its parent has). cg_v1_rt_release gives back what the children left no
 * longer use (best effort). Used for hutch's own default parent. */
int cg_v1_rt_reserve(const struct cgroup_hier *h, int64_t runtime, uint64_t period,
                     struct hutch_error **err);
void cg_v1_rt_release(const struct cgroup_hier *h);

/* cpuset v1: copy cpus/mems from the parent into every level below the root
 * that has none. own_parent: the leaf's parent is hutch's own (the default
 * /hutch), which then gets cgroup.clone_children, so that the kernel copies
 * them into the next containers' cgroups at mkdir. */
int cg_v1_cpuset_init(const struct cgroup_hier *h, bool own_parent, struct hutch_error **err);
/* v2: enable the available controllers in every ancestor's subtree_control. */
int cg_v2_enable_controllers(const struct cgroup_hier *h);

/* --- bpf_devices.c ----------------------------------------------------- */

/* Compile rules into a cgroup device program (struct bpf_insn array). */
int cg_bpf_devices_compile(const struct spec_device_cgroup *rules, size_t n, void **ret_insns,
                           size_t *ret_n, struct hutch_error **err);
/* Load a cgroup device program (insns: struct bpf_insn[n]); returns its fd.
 * A refused program fails with the verifier's reason in the message. */
struct bpf_insn;
int cg_bpf_devices_load(const struct bpf_insn *insns, size_t n, struct hutch_error **err);
/* Load the program and attach it to the v2 directory dir with
 * BPF_F_ALLOW_MULTI, detaching the programs attached there before. */
int cg_bpf_devices_apply(const char *dir, const struct spec_device_cgroup *rules, size_t n,
                         struct hutch_error **err);

/* --- stats.c ----------------------------------------------------------- */

int cg_stats(const struct cgroup *cg, json_gen *g, struct hutch_error **err);

/* --- systemd.c --------------------------------------------------------- */

/* Validate "slice:prefix:name", check systemd runs, fill unit/slice and the
 * expected paths. */
int cg_systemd_create(struct cgroup *cg, const struct cgroup_config *c, struct hutch_error **err);
/* Start the transient scope with pid in it. */
int cg_systemd_enter(const struct cgroup *cg, pid_t pid, struct hutch_error **err);
/* Set the resources systemd models as properties of the started unit. */
int cg_systemd_apply(const struct cgroup *cg, const struct spec_resources *r,
                     struct hutch_error **err);
/* Stop the unit (ignore "not loaded"). */
int cg_systemd_destroy(const struct cgroup *cg, struct hutch_error **err);

#endif
