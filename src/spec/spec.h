/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI runtime-spec 1.3 configuration (config.md, config-linux.md) as C
 * structs. Names follow the JSON schema so a reader can map them 1:1.
 * Conventions: absent strings are NULL; string arrays are NULL-terminated
 * vectors (NULL when absent); arrays of objects are (n_x, x); optional scalars
 * use the opt_* wrappers whose `set` says whether the key was present; a
 * kernel name ("RLIMIT_NOFILE", "SCMP_ACT_ERRNO", ...) is kept as its value,
 * and spec/names.h has its table (the parser refuses unknown names). */
#ifndef HUTCH_SPEC_SPEC_H
#define HUTCH_SPEC_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct opt_i64 {
	bool set;
	int64_t value;
};
struct opt_u64 {
	bool set;
	uint64_t value;
};
struct opt_bool {
	bool set;
	bool value;
};

/* A JSON object of string -> string (annotations, sysctl, unified). */
struct spec_kv {
	char *key;
	char *value;
};

/* --- config.md ---------------------------------------------------------- */

struct spec_root {
	char *path; /* REQUIRED */
	bool readonly;
};

struct spec_id_mapping {
	uint32_t containerID;
	uint32_t hostID;
	uint32_t size;
};

struct spec_mount {
	char *destination; /* REQUIRED */
	char *source;
	char *type;
	char **options;
	size_t n_uidMappings;
	struct spec_id_mapping *uidMappings;
	size_t n_gidMappings;
	struct spec_id_mapping *gidMappings;
};

struct spec_console_size {
	uint32_t height;
	uint32_t width;
};

struct spec_rlimit {
	uint32_t type; /* RLIMIT_*: spec_rlimits */
	uint64_t soft;
	uint64_t hard;
};

struct spec_capabilities {
	char **effective;
	char **bounding;
	char **inheritable;
	char **permitted;
	char **ambient;
};

struct spec_user {
	uint32_t uid;
	uint32_t gid;
	struct opt_i64 umask; /* uint32 */
	uint32_t *additionalGids;
	size_t n_additionalGids;
	char *username; /* windows; parsed, ignored */
};

struct spec_scheduler {
	uint32_t policy; /* REQUIRED: SCHED_*: spec_sched_policies */
	int32_t nice;
	int32_t priority;
	size_t n_flags;
	uint32_t *flags; /* SCHED_FLAG_* bits: spec_sched_flags */
	uint64_t runtime;
	uint64_t deadline;
	uint64_t period;
};

struct spec_io_priority {
	uint32_t class_; /* JSON "class", REQUIRED: IOPRIO_CLASS_*: spec_ioprio_classes */
	int64_t priority;
};

struct spec_exec_cpu_affinity {
	char *initial;
	char *final;
};

struct spec_process {
	bool terminal;
	bool has_consoleSize;
	struct spec_console_size consoleSize;
	struct spec_user user;
	char **args;
	char *commandLine;
	char **env;
	char *cwd;                              /* REQUIRED */
	struct spec_capabilities *capabilities; /* NULL when absent */
	size_t n_rlimits;
	struct spec_rlimit *rlimits;
	bool noNewPrivileges;
	char *apparmorProfile;
	struct opt_i64 oomScoreAdj;
	struct spec_scheduler *scheduler;
	char *selinuxLabel;
	struct spec_io_priority *ioPriority;
	struct spec_exec_cpu_affinity *execCPUAffinity;
};

struct spec_hook {
	char *path; /* REQUIRED */
	char **args;
	char **env;
	struct opt_i64 timeout; /* seconds, > 0 */
};

struct spec_hook_list {
	size_t n;
	struct spec_hook *hooks;
};

struct spec_hooks {
	struct spec_hook_list prestart; /* deprecated, still run */
	struct spec_hook_list createRuntime;
	struct spec_hook_list createContainer;
	struct spec_hook_list startContainer;
	struct spec_hook_list poststart;
	struct spec_hook_list poststop;
};

/* --- config-linux.md ---------------------------------------------------- */

enum spec_ns_type {
	SPEC_NS_PID,
	SPEC_NS_NETWORK,
	SPEC_NS_MOUNT,
	SPEC_NS_IPC,
	SPEC_NS_UTS,
	SPEC_NS_USER,
	SPEC_NS_CGROUP,
	SPEC_NS_TIME,
	SPEC_NS__COUNT,
};

struct spec_namespace {
	enum spec_ns_type type;
	char *path; /* NULL: create a new one */
};

struct spec_time_offset {
	char *clock; /* "monotonic" | "boottime" (the object key) */
	int64_t secs;
	uint32_t nanosecs;
};

struct spec_device {
	char *type; /* "c", "b", "u", "p" */
	char *path;
	int64_t major;
	int64_t minor;
	struct opt_i64 fileMode; /* uint32 */
	struct opt_i64 uid;      /* uint32 */
	struct opt_i64 gid;      /* uint32 */
};

struct spec_net_device {
	char *hostName; /* the object key */
	char *name;     /* name inside the container; NULL: same as hostName */
};

/* linux.resources.devices[] */
struct spec_device_cgroup {
	bool allow; /* REQUIRED */
	char *type; /* "a", "c", "b"; NULL means "a" */
	struct opt_i64 major;
	struct opt_i64 minor;
	char *access; /* "rwm" subset; NULL means "rwm" */
};

struct spec_memory {
	struct opt_i64 limit;
	struct opt_i64 reservation;
	struct opt_i64 swap;
	struct opt_i64 kernel;
	struct opt_i64 kernelTCP;
	struct opt_u64 swappiness;
	struct opt_bool disableOOMKiller;
	struct opt_bool useHierarchy;
	struct opt_bool checkBeforeUpdate;
};

struct spec_cpu {
	struct opt_u64 shares;
	struct opt_i64 quota;
	struct opt_u64 burst;
	struct opt_u64 period;
	struct opt_i64 realtimeRuntime;
	struct opt_u64 realtimePeriod;
	char *cpus;
	char *mems;
	struct opt_i64 idle;
};

struct spec_blkio_weight_device {
	int64_t major;
	int64_t minor;
	struct opt_u64 weight;     /* uint16 */
	struct opt_u64 leafWeight; /* uint16 */
};

struct spec_blkio_throttle {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

struct spec_blkio {
	struct opt_u64 weight;     /* uint16 */
	struct opt_u64 leafWeight; /* uint16 */
	size_t n_weightDevice;
	struct spec_blkio_weight_device *weightDevice;
	size_t n_throttleReadBpsDevice;
	struct spec_blkio_throttle *throttleReadBpsDevice;
	size_t n_throttleWriteBpsDevice;
	struct spec_blkio_throttle *throttleWriteBpsDevice;
	size_t n_throttleReadIOPSDevice;
	struct spec_blkio_throttle *throttleReadIOPSDevice;
	size_t n_throttleWriteIOPSDevice;
	struct spec_blkio_throttle *throttleWriteIOPSDevice;
};

struct spec_hugepage_limit {
	char *pageSize; /* "2MB", "1GB", ... */
	uint64_t limit;
};

struct spec_net_priority {
	char *name;
	uint32_t priority;
};

struct spec_network {
	struct opt_u64 classID; /* uint32 */
	size_t n_priorities;
	struct spec_net_priority *priorities;
};

struct spec_rdma {
	char *device;              /* the object key */
	struct opt_u64 hcaHandles; /* uint32 */
	struct opt_u64 hcaObjects; /* uint32 */
};

struct spec_resources {
	size_t n_devices;
	struct spec_device_cgroup *devices;
	struct spec_memory *memory;
	struct spec_cpu *cpu;
	struct opt_i64 pids_limit; /* JSON .pids.limit; <= 0 means unlimited */
	bool has_pids;
	struct spec_blkio *blockIO;
	size_t n_hugepageLimits;
	struct spec_hugepage_limit *hugepageLimits;
	struct spec_network *network;
	size_t n_rdma;
	struct spec_rdma *rdma;
	size_t n_unified;
	struct spec_kv *unified;
};

struct spec_intel_rdt {
	char *closID;
	char *l3CacheSchema;
	char *memBwSchema;
	char **schemata;
	bool enableMonitoring;
};

struct spec_memory_policy {
	uint32_t mode; /* REQUIRED: MPOL_*: spec_mpol_modes */
	char *nodes;
	size_t n_flags;
	uint32_t *flags; /* MPOL_F_* bits: spec_mpol_flags */
};

/* seccomp */
struct spec_seccomp_arg {
	uint32_t index;
	uint64_t value;
	uint64_t valueTwo;
	uint32_t op; /* REQUIRED: SCMP_CMP_*: spec_seccomp_ops */
};

struct spec_seccomp_syscall {
	char **names;            /* REQUIRED */
	uint32_t action;         /* REQUIRED: SCMP_ACT_*: spec_seccomp_actions */
	struct opt_u64 errnoRet; /* uint32 */
	size_t n_args;
	struct spec_seccomp_arg *args;
};

struct spec_seccomp {
	uint32_t defaultAction;         /* REQUIRED: SCMP_ACT_*: spec_seccomp_actions */
	struct opt_u64 defaultErrnoRet; /* uint32 */
	size_t n_architectures;
	uint32_t *architectures; /* SCMP_ARCH_*: spec_seccomp_archs */
	size_t n_flags;
	uint32_t *flags; /* SECCOMP_FILTER_FLAG_*: spec_seccomp_flags */
	char *listenerPath;
	char *listenerMetadata;
	size_t n_syscalls;
	struct spec_seccomp_syscall *syscalls;
};

struct spec_personality {
	uint32_t domain; /* REQUIRED: PER_LINUX | PER_LINUX32: spec_personalities */
	char **flags;
};

struct spec_linux {
	size_t n_namespaces;
	struct spec_namespace *namespaces;
	size_t n_uidMappings;
	struct spec_id_mapping *uidMappings;
	size_t n_gidMappings;
	struct spec_id_mapping *gidMappings;
	size_t n_timeOffsets;
	struct spec_time_offset *timeOffsets;
	size_t n_devices;
	struct spec_device *devices;
	size_t n_netDevices;
	struct spec_net_device *netDevices;
	char *cgroupsPath;
	struct spec_resources *resources;
	struct spec_intel_rdt *intelRdt;
	struct spec_memory_policy *memoryPolicy;
	size_t n_sysctl;
	struct spec_kv *sysctl;
	struct spec_seccomp *seccomp;
	char *rootfsPropagation;
	char **maskedPaths;
	char **readonlyPaths;
	char *mountLabel;
	struct spec_personality *personality;
};

struct spec {
	char *ociVersion; /* REQUIRED, 1.x */
	struct spec_root *root;
	size_t n_mounts;
	struct spec_mount *mounts;
	struct spec_process *process;
	char *hostname;
	char *domainname;
	struct spec_hooks *hooks;
	size_t n_annotations;
	struct spec_kv *annotations;
	struct spec_linux *linux_; /* JSON "linux" (`linux` is a predefined macro) */
};

/* Parse a config.json document held in memory. `origin` names the source in
 * messages ("config.json"). Errors name the JSON path and what was expected:
 * "config.json: .process.rlimits[1].hard: expected unsigned integer, got string".
 * Returns a new spec (free with spec_free) or NULL with *err set. */
struct spec *spec_parse(const char *origin, const char *json, size_t len, struct hutch_error **err);

/* Read and parse <bundle>/config.json. `path` is the file, or the bundle
 * directory (then "<path>/config.json" is read). Messages use the origin
 * "config.json". NULL with *err set on read, syntax or schema errors. */
struct spec *spec_load(const char *path, struct hutch_error **err);

/* The same from an open file, read from its current offset to the end as it
 * is parsed (the text is never held whole). fd stays open. */
struct spec *spec_load_fd(int fd, struct hutch_error **err);

/* Parse a standalone `process` object (exec --process FILE). */
struct spec_process *spec_parse_process(const char *origin, const char *json, size_t len,
                                        struct hutch_error **err);

/* Parse a standalone LinuxResources object (update --resources). */
struct spec_resources *spec_parse_resources(const char *origin, const char *json, size_t len,
                                            struct hutch_error **err);

/* Semantic checks that do not need the host (validate.c): absolute cwd and
 * mount destinations, known capability/rlimit/namespace names, duplicate
 * namespaces or rlimits, uid mappings without a user namespace, ... Errors
 * name the JSON path. Returns 0 or -1. */
int spec_validate(const struct spec *s, struct hutch_error **err);
int spec_validate_process(const struct spec_process *p, const char *origin,
                          struct hutch_error **err);
/* The linux.resources checks alone (update --resources); paths start at the
 * resources object: "<origin>: .devices[0].access: ...". */
int spec_validate_resources(const struct spec_resources *r, const char *origin,
                            struct hutch_error **err);

void spec_free(struct spec *s);
void spec_process_free(struct spec_process *p);
void spec_resources_free(struct spec_resources *r);
void spec_freep(struct spec **s);
#define _cleanup_spec_ __attribute__((cleanup(spec_freep)))

/* Helpers shared by consumers. */
const char *spec_ns_type_name(enum spec_ns_type t); /* "pid", "network", ... */
int spec_ns_type_from_name(const char *name);       /* -1 when unknown */
const struct spec_namespace *spec_find_namespace(const struct spec *s, enum spec_ns_type t);

#endif
