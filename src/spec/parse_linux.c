/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Field tables for the "linux" object of config.json (config-linux.md),
 * including linux.resources (also parsed alone for `update --resources`). */
#include "spec/parse_internal.h"
#include "spec/spec.h"

#include <string.h>

/* --- namespaces, id mappings, devices ----------------------------------- */

static int parse_ns_type(struct pctx *c, const json_node *n, void *base)
{
	struct spec_namespace *ns = base;
	const char *s = json_string(n);
	int t;

	if (!s)
		return pctx_fail(c, "expected string, got %s", json_type_name(json_type_of(n)));
	t = spec_ns_type_from_name(s);
	if (t < 0)
		return pctx_fail(c, "unknown namespace type \"%s\"", s);
	ns->type = (enum spec_ns_type)t;
	return 0;
}

static const struct pfield namespace_fields[] = {
    {.key = "type", .kind = PK_CUSTOM, .required = true, .custom = parse_ns_type},
    PF("path", PK_STR, struct spec_namespace, path),
    P_END,
};
static const struct pdesc namespace_desc = {sizeof(struct spec_namespace), namespace_fields};

static const struct pfield time_offset_fields[] = {
    PF("secs", PK_INT, struct spec_time_offset, secs, P_INT(R_I64, ST_I64)),
    PF("nanosecs", PK_INT, struct spec_time_offset, nanosecs, P_INT(R_U32, ST_U32)),
    P_END,
};
static const struct pdesc time_offset_desc = {sizeof(struct spec_time_offset), time_offset_fields,
                                              offsetof(struct spec_time_offset, clock)};

/* major/minor are REQUIRED unless the type is "p" (config-linux.md#devices). */
static int check_device(struct pctx *c, const json_node *n, void *obj)
{
	const struct spec_device *d = obj;
	static const char *const keys[] = {"major", "minor"};

	if (strcmp(d->type, "p") == 0)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		if (json_type_of(json_object_get(n, keys[i])) == JSON_NULL) {
			size_t mark = pctx_push_key(c, keys[i]);
			pctx_fail(c, "required field is missing");
			pctx_restore(c, mark);
			return -1;
		}
	}
	return 0;
}

static const struct pfield device_fields[] = {
    PF("type", PK_STR, struct spec_device, type, P_REQ),
    PF("path", PK_STR, struct spec_device, path, P_REQ),
    PF("major", PK_INT, struct spec_device, major, P_INT(R_I64, ST_I64)),
    PF("minor", PK_INT, struct spec_device, minor, P_INT(R_I64, ST_I64)),
    PF("fileMode", PK_INT, struct spec_device, fileMode, P_INT(R_U32, ST_OPT_I64)),
    PF("uid", PK_INT, struct spec_device, uid, P_INT(R_U32, ST_OPT_I64)),
    PF("gid", PK_INT, struct spec_device, gid, P_INT(R_U32, ST_OPT_I64)),
    P_END,
};
static const struct pdesc device_desc = {sizeof(struct spec_device), device_fields, 0,
                                         check_device};

static const struct pfield net_device_fields[] = {
    PF("name", PK_STR, struct spec_net_device, name),
    P_END,
};
static const struct pdesc net_device_desc = {sizeof(struct spec_net_device), net_device_fields,
                                             offsetof(struct spec_net_device, hostName)};

/* --- resources ---------------------------------------------------------- */

static const struct pfield device_cgroup_fields[] = {
    PF("allow", PK_BOOL, struct spec_device_cgroup, allow, P_REQ),
    PF("type", PK_STR, struct spec_device_cgroup, type),
    PF("major", PK_INT, struct spec_device_cgroup, major, P_INT(R_I64, ST_OPT_I64)),
    PF("minor", PK_INT, struct spec_device_cgroup, minor, P_INT(R_I64, ST_OPT_I64)),
    PF("access", PK_STR, struct spec_device_cgroup, access),
    P_END,
};
static const struct pdesc device_cgroup_desc = {sizeof(struct spec_device_cgroup),
                                                device_cgroup_fields};

#define MEM_I64(k) PF(#k, PK_INT, struct spec_memory, k, P_INT(R_I64, ST_OPT_I64))
static const struct pfield memory_fields[] = {
    MEM_I64(limit),
    MEM_I64(reservation),
    MEM_I64(swap),
    MEM_I64(kernel),
    MEM_I64(kernelTCP),
    PF("swappiness", PK_INT, struct spec_memory, swappiness, P_INT(R_U64, ST_OPT_U64)),
    PF("disableOOMKiller", PK_OPT_BOOL, struct spec_memory, disableOOMKiller),
    PF("useHierarchy", PK_OPT_BOOL, struct spec_memory, useHierarchy),
    PF("checkBeforeUpdate", PK_OPT_BOOL, struct spec_memory, checkBeforeUpdate),
    P_END,
};
static const struct pdesc memory_desc = {sizeof(struct spec_memory), memory_fields};

#define CPU_U64(k) PF(#k, PK_INT, struct spec_cpu, k, P_INT(R_U64, ST_OPT_U64))
#define CPU_I64(k) PF(#k, PK_INT, struct spec_cpu, k, P_INT(R_I64, ST_OPT_I64))
static const struct pfield cpu_fields[] = {
    CPU_U64(shares),
    CPU_I64(quota),
    CPU_U64(burst),
    CPU_U64(period),
    CPU_I64(realtimeRuntime),
    CPU_U64(realtimePeriod),
    PF("cpus", PK_STR, struct spec_cpu, cpus),
    PF("mems", PK_STR, struct spec_cpu, mems),
    CPU_I64(idle),
    P_END,
};
static const struct pdesc cpu_desc = {sizeof(struct spec_cpu), cpu_fields};

static const struct pfield weight_device_fields[] = {
    PF("major", PK_INT, struct spec_blkio_weight_device, major, P_INT(R_I64, ST_I64), P_REQ),
    PF("minor", PK_INT, struct spec_blkio_weight_device, minor, P_INT(R_I64, ST_I64), P_REQ),
    PF("weight", PK_INT, struct spec_blkio_weight_device, weight, P_INT(R_U16, ST_OPT_U64)),
    PF("leafWeight", PK_INT, struct spec_blkio_weight_device, leafWeight, P_INT(R_U16, ST_OPT_U64)),
    P_END,
};
static const struct pdesc weight_device_desc = {sizeof(struct spec_blkio_weight_device),
                                                weight_device_fields};

static const struct pfield throttle_fields[] = {
    PF("major", PK_INT, struct spec_blkio_throttle, major, P_INT(R_I64, ST_I64), P_REQ),
    PF("minor", PK_INT, struct spec_blkio_throttle, minor, P_INT(R_I64, ST_I64), P_REQ),
    PF("rate", PK_INT, struct spec_blkio_throttle, rate, P_INT(R_U64, ST_U64), P_REQ),
    P_END,
};
static const struct pdesc throttle_desc = {sizeof(struct spec_blkio_throttle), throttle_fields};

#define BLKIO_THROTTLE(k)                                                                          \
	PF(#k, PK_ARRAY, struct spec_blkio, k, P_CNT(struct spec_blkio, n_##k),                    \
	   P_SUB(throttle_desc))
static const struct pfield blkio_fields[] = {
    PF("weight", PK_INT, struct spec_blkio, weight, P_INT(R_U16, ST_OPT_U64)),
    PF("leafWeight", PK_INT, struct spec_blkio, leafWeight, P_INT(R_U16, ST_OPT_U64)),
    PF("weightDevice", PK_ARRAY, struct spec_blkio, weightDevice,
       P_CNT(struct spec_blkio, n_weightDevice), P_SUB(weight_device_desc)),
    BLKIO_THROTTLE(throttleReadBpsDevice),
    BLKIO_THROTTLE(throttleWriteBpsDevice),
    BLKIO_THROTTLE(throttleReadIOPSDevice),
    BLKIO_THROTTLE(throttleWriteIOPSDevice),
    P_END,
};
static const struct pdesc blkio_desc = {sizeof(struct spec_blkio), blkio_fields};

static const struct pfield hugepage_fields[] = {
    PF("pageSize", PK_STR, struct spec_hugepage_limit, pageSize, P_REQ),
    PF("limit", PK_INT, struct spec_hugepage_limit, limit, P_INT(R_U64, ST_U64), P_REQ),
    P_END,
};
static const struct pdesc hugepage_desc = {sizeof(struct spec_hugepage_limit), hugepage_fields};

static const struct pfield net_priority_fields[] = {
    PF("name", PK_STR, struct spec_net_priority, name, P_REQ),
    PF("priority", PK_INT, struct spec_net_priority, priority, P_INT(R_U32, ST_U32), P_REQ),
    P_END,
};
static const struct pdesc net_priority_desc = {sizeof(struct spec_net_priority),
                                               net_priority_fields};

static const struct pfield network_fields[] = {
    PF("classID", PK_INT, struct spec_network, classID, P_INT(R_U32, ST_OPT_U64)),
    PF("priorities", PK_ARRAY, struct spec_network, priorities,
       P_CNT(struct spec_network, n_priorities), P_SUB(net_priority_desc)),
    P_END,
};
static const struct pdesc network_desc = {sizeof(struct spec_network), network_fields};

static const struct pfield rdma_fields[] = {
    PF("hcaHandles", PK_INT, struct spec_rdma, hcaHandles, P_INT(R_U32, ST_OPT_U64)),
    PF("hcaObjects", PK_INT, struct spec_rdma, hcaObjects, P_INT(R_U32, ST_OPT_U64)),
    P_END,
};
static const struct pdesc rdma_desc = {sizeof(struct spec_rdma), rdma_fields,
                                       offsetof(struct spec_rdma, device)};

/* "pids": {"limit": N} is flattened into spec_resources. */
static const struct pfield pids_fields[] = {
    PF("limit", PK_INT, struct spec_resources, pids_limit, P_INT(R_I64, ST_OPT_I64), P_REQ),
    P_END,
};

static int parse_pids(struct pctx *c, const json_node *n, void *base)
{
	struct spec_resources *r = base;

	if (pctx_parse_fields(c, n, pids_fields, r) < 0)
		return -1;
	r->has_pids = true;
	return 0;
}

static const struct pfield resources_fields[] = {
    PF("devices", PK_ARRAY, struct spec_resources, devices, P_CNT(struct spec_resources, n_devices),
       P_SUB(device_cgroup_desc)),
    PF("memory", PK_OBJ, struct spec_resources, memory, P_SUB(memory_desc)),
    PF("cpu", PK_OBJ, struct spec_resources, cpu, P_SUB(cpu_desc)),
    {.key = "pids", .kind = PK_CUSTOM, .custom = parse_pids},
    PF("blockIO", PK_OBJ, struct spec_resources, blockIO, P_SUB(blkio_desc)),
    PF("hugepageLimits", PK_ARRAY, struct spec_resources, hugepageLimits,
       P_CNT(struct spec_resources, n_hugepageLimits), P_SUB(hugepage_desc)),
    PF("network", PK_OBJ, struct spec_resources, network, P_SUB(network_desc)),
    PF("rdma", PK_MAP, struct spec_resources, rdma, P_CNT(struct spec_resources, n_rdma),
       P_SUB(rdma_desc)),
    PF("unified", PK_KV, struct spec_resources, unified, P_CNT(struct spec_resources, n_unified)),
    P_END,
};
const struct pdesc pdesc_resources = {sizeof(struct spec_resources), resources_fields};

/* --- intelRdt, memoryPolicy, seccomp, personality ----------------------- */

static const struct pfield intel_rdt_fields[] = {
    PF("closID", PK_STR, struct spec_intel_rdt, closID),
    PF("l3CacheSchema", PK_STR, struct spec_intel_rdt, l3CacheSchema),
    PF("memBwSchema", PK_STR, struct spec_intel_rdt, memBwSchema),
    PF("schemata", PK_STRV, struct spec_intel_rdt, schemata),
    PF("enableMonitoring", PK_BOOL, struct spec_intel_rdt, enableMonitoring),
    P_END,
};
static const struct pdesc intel_rdt_desc = {sizeof(struct spec_intel_rdt), intel_rdt_fields};

static const struct pfield memory_policy_fields[] = {
    PF("mode", PK_ENUM, struct spec_memory_policy, mode, P_NAMES(spec_mpol_modes), P_REQ),
    PF("nodes", PK_STR, struct spec_memory_policy, nodes),
    PF("flags", PK_ENUMV, struct spec_memory_policy, flags, P_NAMES(spec_mpol_flags),
       P_CNT(struct spec_memory_policy, n_flags)),
    P_END,
};
static const struct pdesc memory_policy_desc = {sizeof(struct spec_memory_policy),
                                                memory_policy_fields};

static const struct pfield seccomp_arg_fields[] = {
    PF("index", PK_INT, struct spec_seccomp_arg, index, P_INT(R_U32, ST_U32), P_REQ),
    PF("value", PK_INT, struct spec_seccomp_arg, value, P_INT(R_U64, ST_U64), P_REQ),
    PF("valueTwo", PK_INT, struct spec_seccomp_arg, valueTwo, P_INT(R_U64, ST_U64)),
    PF("op", PK_ENUM, struct spec_seccomp_arg, op, P_NAMES(spec_seccomp_ops), P_REQ),
    P_END,
};
static const struct pdesc seccomp_arg_desc = {sizeof(struct spec_seccomp_arg), seccomp_arg_fields};

static const struct pfield seccomp_syscall_fields[] = {
    PF("names", PK_STRV, struct spec_seccomp_syscall, names, P_REQ),
    PF("action", PK_ENUM, struct spec_seccomp_syscall, action, P_NAMES(spec_seccomp_actions),
       P_REQ),
    PF("errnoRet", PK_INT, struct spec_seccomp_syscall, errnoRet, P_INT(R_U32, ST_OPT_U64)),
    PF("args", PK_ARRAY, struct spec_seccomp_syscall, args,
       P_CNT(struct spec_seccomp_syscall, n_args), P_SUB(seccomp_arg_desc)),
    P_END,
};
static const struct pdesc seccomp_syscall_desc = {sizeof(struct spec_seccomp_syscall),
                                                  seccomp_syscall_fields};

static const struct pfield seccomp_fields[] = {
    PF("defaultAction", PK_ENUM, struct spec_seccomp, defaultAction, P_NAMES(spec_seccomp_actions),
       P_REQ),
    PF("defaultErrnoRet", PK_INT, struct spec_seccomp, defaultErrnoRet, P_INT(R_U32, ST_OPT_U64)),
    PF("architectures", PK_ENUMV, struct spec_seccomp, architectures, P_NAMES(spec_seccomp_archs),
       P_CNT(struct spec_seccomp, n_architectures)),
    PF("flags", PK_ENUMV, struct spec_seccomp, flags, P_NAMES(spec_seccomp_flags),
       P_CNT(struct spec_seccomp, n_flags)),
    PF("listenerPath", PK_STR, struct spec_seccomp, listenerPath),
    PF("listenerMetadata", PK_STR, struct spec_seccomp, listenerMetadata),
    PF("syscalls", PK_ARRAY, struct spec_seccomp, syscalls, P_CNT(struct spec_seccomp, n_syscalls),
       P_SUB(seccomp_syscall_desc)),
    P_END,
};
static const struct pdesc seccomp_desc = {sizeof(struct spec_seccomp), seccomp_fields};

static const struct pfield personality_fields[] = {
    PF("domain", PK_ENUM, struct spec_personality, domain, P_NAMES(spec_personalities), P_REQ),
    PF("flags", PK_STRV, struct spec_personality, flags),
    P_END,
};
static const struct pdesc personality_desc = {sizeof(struct spec_personality), personality_fields};

/* --- linux -------------------------------------------------------------- */

#define LINUX_ARRAY(k, d)                                                                          \
	PF(#k, PK_ARRAY, struct spec_linux, k, P_CNT(struct spec_linux, n_##k), P_SUB(d))
static const struct pfield linux_fields[] = {
    LINUX_ARRAY(namespaces, namespace_desc),
    LINUX_ARRAY(uidMappings, pdesc_id_mapping),
    LINUX_ARRAY(gidMappings, pdesc_id_mapping),
    PF("timeOffsets", PK_MAP, struct spec_linux, timeOffsets,
       P_CNT(struct spec_linux, n_timeOffsets), P_SUB(time_offset_desc)),
    LINUX_ARRAY(devices, device_desc),
    PF("netDevices", PK_MAP, struct spec_linux, netDevices, P_CNT(struct spec_linux, n_netDevices),
       P_SUB(net_device_desc)),
    PF("cgroupsPath", PK_STR, struct spec_linux, cgroupsPath),
    PF("resources", PK_OBJ, struct spec_linux, resources, P_SUB(pdesc_resources)),
    PF("intelRdt", PK_OBJ, struct spec_linux, intelRdt, P_SUB(intel_rdt_desc)),
    PF("memoryPolicy", PK_OBJ, struct spec_linux, memoryPolicy, P_SUB(memory_policy_desc)),
    PF("sysctl", PK_KV, struct spec_linux, sysctl, P_CNT(struct spec_linux, n_sysctl)),
    PF("seccomp", PK_OBJ, struct spec_linux, seccomp, P_SUB(seccomp_desc)),
    PF("rootfsPropagation", PK_STR, struct spec_linux, rootfsPropagation),
    PF("maskedPaths", PK_STRV, struct spec_linux, maskedPaths),
    PF("readonlyPaths", PK_STRV, struct spec_linux, readonlyPaths),
    PF("mountLabel", PK_STR, struct spec_linux, mountLabel),
    PF("personality", PK_OBJ, struct spec_linux, personality, P_SUB(personality_desc)),
    P_END,
};
const struct pdesc pdesc_linux = {sizeof(struct spec_linux), linux_fields};
