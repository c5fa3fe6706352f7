/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oom_score_adj, scheduler, ioprio, personality, CPU affinity, mempolicy, LSM
 * exec labels, no_new_privs, pdeathsig and the close-on-exec sweep. */
#include "linux/procattr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/procfs.h"
#include "util/str.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LONG_BITS     (8 * sizeof(unsigned long))

struct name_value {
	const char *name;
	unsigned long long value;
};

static const struct name_value *lookup(const struct name_value *t, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

/* --- oomScoreAdj --------------------------------------------------------- */

int procattr_set_oom_score_adj(const struct spec_process *p, struct hutch_error **err)
{
	char buf[32];
	int n;

	if (!p->oomScoreAdj.set)
		return 0;
	n = snprintf(buf, sizeof(buf), "%lld", (long long)p->oomScoreAdj.value);
	if (procfs_write("self/oom_score_adj", buf, (size_t)n, err) == 0)
		return 0;
	if ((*err)->errnum == EACCES || (*err)->errnum == EPERM)
		return herr_prefix(err,
		                   "process.oomScoreAdj %s (lowering it needs "
		                   "CAP_SYS_RESOURCE)",
		                   buf);
	return herr_prefix(err, "process.oomScoreAdj %s", buf);
}

/* --- scheduler ----------------------------------------------------------- */

/* sched_setattr(2) argument (include/uapi/linux/sched/types.h, SCHED_ATTR_SIZE_VER1). */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

static const struct name_value sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};

static const struct name_value sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

int procattr_sched_policy_from_name(const char *name)
{
	const struct name_value *nv = lookup(sched_policies, ARRAY_SIZE(sched_policies), name);

	return nv ? (int)nv->value : -1;
}

unsigned long long procattr_sched_flag_from_name(const char *name)
{
	const struct name_value *nv = lookup(sched_flags, ARRAY_SIZE(sched_flags), name);

	return nv ? nv->value : 0;
}

int procattr_set_scheduler(const struct spec_scheduler *s, struct hutch_error **err)
{
	struct sched_attr_v1 attr = {.size = sizeof(attr)};
	int policy;

	if (!s)
		return 0;
	policy = procattr_sched_policy_from_name(s->policy);
	if (policy < 0)
		return herr_msg(err, "process.scheduler.policy: unknown policy %s",
		                s->policy ? s->policy : "(null)");
	strv_foreach (f, s->flags) {
		unsigned long long bit = procattr_sched_flag_from_name(*f);

		if (!bit)
			return herr_msg(err, "process.scheduler.flags: unknown flag %s", *f);
		attr.sched_flags |= bit;
	}
	attr.sched_policy = (uint32_t)policy;
	attr.sched_nice = s->nice;
	attr.sched_priority = (uint32_t)s->priority;
	attr.sched_runtime = s->runtime;
	attr.sched_deadline = s->deadline;
	attr.sched_period = s->period;
	if (attr.sched_flags & 0x60) /* UTIL_CLAMP_*: no clamp values in the spec */
		attr.sched_util_max = 1024;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return herr_errno(err, errno,
		                  "process.scheduler: sched_setattr %s (nice %d, priority %d)",
		                  s->policy, s->nice, s->priority);
	return 0;
}

/* --- ioPriority ---------------------------------------------------------- */

#define IOPRIO_CLASS_SHIFT_ 13
#define IOPRIO_WHO_PROCESS_ 1

static const struct name_value ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

int procattr_ioprio_class_from_name(const char *name)
{
	const struct name_value *nv = lookup(ioprio_classes, ARRAY_SIZE(ioprio_classes), name);

	return nv ? (int)nv->value : -1;
}

int procattr_set_io_priority(const struct spec_io_priority *io, struct hutch_error **err)
{
	int cls;

	if (!io)
		return 0;
	cls = procattr_ioprio_class_from_name(io->class_);
	if (cls < 0)
		return herr_msg(err, "process.ioPriority.class: unknown class %s",
		                io->class_ ? io->class_ : "(null)");
	if (io->priority < 0 || io->priority > 7)
		return herr_msg(err, "process.ioPriority.priority: %lld is outside 0..7",
		                (long long)io->priority);
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS_, 0,
	            (cls << IOPRIO_CLASS_SHIFT_) | (int)io->priority) < 0)
		return herr_errno(err, errno, "process.ioPriority: ioprio_set %s %lld", io->class_,
		                  (long long)io->priority);
	return 0;
}

/* --- personality --------------------------------------------------------- */

int procattr_set_personality(const struct spec_personality *p, struct hutch_error **err)
{
	unsigned long persona;

	if (!p)
		return 0;
	if (p->domain && strcmp(p->domain, "LINUX") == 0)
		persona = PER_LINUX;
	else if (p->domain && strcmp(p->domain, "LINUX32") == 0)
		persona = PER_LINUX32;
	else
		return herr_msg(err, "linux.personality.domain: unknown domain %s",
		                p->domain ? p->domain : "(null)");
	if (p->flags && p->flags[0])
		return herr_msg(err, "linux.personality.flags: unsupported flag %s", p->flags[0]);
	if (personality(persona) < 0)
		return herr_errno(err, errno, "linux.personality: personality %s", p->domain);
	return 0;
}

/* --- CPU / node lists ---------------------------------------------------- */

static void mask_set(unsigned long **mask, size_t *nbits, unsigned long n)
{
	if (n >= *nbits) {
		size_t words = n / LONG_BITS + 1, old = *nbits / LONG_BITS;

		*mask = xrealloc(*mask, words * sizeof(unsigned long));
		memset(*mask + old, 0, (words - old) * sizeof(unsigned long));
		*nbits = words * LONG_BITS;
	}
	(*mask)[n / LONG_BITS] |= 1UL << (n % LONG_BITS);
}

/* One "a" or "a-b" item (surrounding blanks allowed); -1 on junk. */
static int parse_item(const char *item, unsigned long *lo, unsigned long *hi)
{
	const char *p = item;
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	*lo = *hi = strtoul(p, &end, 10);
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		*hi = strtoul(end + 1, &end, 10);
	}
	while (isspace((unsigned char)*end))
		end++;
	if (errno || *end || *hi < *lo || *hi >= 1UL << 20)
		return -1;
	return 0;
}

int procattr_parse_cpu_list(const char *list, const char *field, unsigned long **ret_mask,
                            size_t *ret_nbits, struct hutch_error **err)
{
	_cleanup_free_ char *copy = xstrdup(list ? list : "");
	_cleanup_free_ unsigned long *mask = NULL;
	size_t nbits = 0;
	char *save = NULL, *p = copy;

	while (isspace((unsigned char)*p))
		p++;
	if (*p) {
		for (char *item = strtok_r(p, ",", &save); item;
		     item = strtok_r(NULL, ",", &save)) {
			unsigned long lo, hi;

			if (parse_item(item, &lo, &hi) < 0)
				return herr_msg(err,
				                "%s: invalid list \"%s\" (expected e.g. \"0-3,7\")",
				                field, list);
			for (unsigned long n = lo; n <= hi; n++)
				mask_set(&mask, &nbits, n);
		}
		/* strtok_r skips empty items; "1,,2" or a trailing comma is still junk */
		if (strstr(list, ",,") || list[strlen(list) - 1] == ',' || list[0] == ',')
			return herr_msg(err, "%s: invalid list \"%s\" (expected e.g. \"0-3,7\")",
			                field, list);
	}
	*ret_mask = steal_ptr(&mask);
	*ret_nbits = nbits;
	return 0;
}

int procattr_set_cpu_affinity(pid_t pid, const char *list, const char *field,
                              struct hutch_error **err)
{
	_cleanup_free_ unsigned long *mask = NULL;
	size_t nbits = 0;

	if (!list || !*list)
		return 0;
	if (procattr_parse_cpu_list(list, field, &mask, &nbits, err) < 0)
		return -1;
	if (nbits == 0)
		return 0;
	if (sched_setaffinity(pid, nbits / 8, (cpu_set_t *)mask) < 0)
		return herr_errno(err, errno, "%s: sched_setaffinity %s", field, list);
	return 0;
}

/* --- memoryPolicy -------------------------------------------------------- */

static const struct name_value mpol_modes[] = {
    {"MPOL_DEFAULT", 0},
    {"MPOL_PREFERRED", 1},
    {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3},
    {"MPOL_LOCAL", 4},
    {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
};

static const struct name_value mpol_flags[] = {
    {"MPOL_F_STATIC_NODES", 1U << 15},
    {"MPOL_F_RELATIVE_NODES", 1U << 14},
    {"MPOL_F_NUMA_BALANCING", 1U << 13},
};

/* NULL-terminated names of a table, built once. */
static const char *const *table_names(const struct name_value *t, size_t n, const char **out)
{
	if (!out[0])
		for (size_t i = 0; i < n; i++)
			out[i] = t[i].name;
	return out;
}

const char *const *procattr_mpol_mode_names(void)
{
	static const char *names[sizeof(mpol_modes) / sizeof(mpol_modes[0]) + 1];
	return table_names(mpol_modes, sizeof(mpol_modes) / sizeof(mpol_modes[0]), names);
}

const char *const *procattr_mpol_flag_names(void)
{
	static const char *names[sizeof(mpol_flags) / sizeof(mpol_flags[0]) + 1];
	return table_names(mpol_flags, sizeof(mpol_flags) / sizeof(mpol_flags[0]), names);
}

int procattr_mpol_mode_from_name(const char *name)
{
	const struct name_value *nv = lookup(mpol_modes, ARRAY_SIZE(mpol_modes), name);

	return nv ? (int)nv->value : -1;
}

unsigned procattr_mpol_flag_from_name(const char *name)
{
	const struct name_value *nv = lookup(mpol_flags, ARRAY_SIZE(mpol_flags), name);

	return nv ? (unsigned)nv->value : 0;
}

int procattr_set_mempolicy(const struct spec_memory_policy *m, struct hutch_error **err)
{
	_cleanup_free_ unsigned long *nodes = NULL;
	size_t nbits = 0;
	int mode;

	if (!m)
		return 0;
	mode = procattr_mpol_mode_from_name(m->mode);
	if (mode < 0)
		return herr_msg(err, "linux.memoryPolicy.mode: unknown mode %s",
		                m->mode ? m->mode : "(null)");
	strv_foreach (f, m->flags) {
		unsigned bit = procattr_mpol_flag_from_name(*f);

		if (!bit)
			return herr_msg(err, "linux.memoryPolicy.flags: unknown flag %s", *f);
		mode |= (int)bit;
	}
	if (procattr_parse_cpu_list(m->nodes, "linux.memoryPolicy.nodes", &nodes, &nbits, err) < 0)
		return -1;
	/* The kernel reads maxnode - 1 bits (mm/mempolicy.c get_nodes()). */
	if (syscall(SYS_set_mempolicy, mode, nodes, nbits ? nbits + 1 : 0) < 0)
		return herr_errno(err, errno, "linux.memoryPolicy: set_mempolicy %s nodes \"%s\"",
		                  m->mode, m->nodes ? m->nodes : "");
	return 0;
}

/* --- LSM labels ---------------------------------------------------------- */

bool procattr_apparmor_enabled(void)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_error_ struct hutch_error *ignored = NULL;

	if (fs_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &buf, NULL,
	                    &ignored) < 0)
		return false;
	return buf[0] == 'Y';
}

bool procattr_selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

int procattr_check_lsm(const struct spec_process *p, struct hutch_error **err)
{
	if (p->apparmorProfile && *p->apparmorProfile && !procattr_apparmor_enabled())
		return herr_msg(err,
		                "process.apparmorProfile: AppArmor is not enabled on this host");
	if (p->selinuxLabel && *p->selinuxLabel && !procattr_selinux_enabled())
		return herr_msg(err, "process.selinuxLabel: SELinux is not enabled on this host");
	return 0;
}

/* Write to the first of `paths` that exists. */
static int write_attr(const char *const *paths, size_t n, const char *data,
                      struct hutch_error **err)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct hutch_error *absent = NULL;
		_cleanup_close_ int fd = i + 1 < n ? procfs_open(paths[i], O_PATH, &absent) : -1;
		if (fd < 0 && i + 1 < n)
			continue;
		return procfs_write(paths[i], data, strlen(data), err);
	}
	return herr_msg(err, "no LSM attribute file");
}

int procattr_set_apparmor_profile(const char *profile, struct hutch_error **err)
{
	static const char *const paths[] = {"thread-self/attr/apparmor/exec",
	                                    "self/attr/apparmor/exec", "self/attr/exec"};
	_cleanup_free_ char *data = NULL;

	if (!profile || !*profile)
		return 0;
	if (!procattr_apparmor_enabled())
		return herr_msg(err,
		                "process.apparmorProfile: AppArmor is not enabled on this host");
	data = xasprintf("exec %s", profile);
	if (write_attr(paths, ARRAY_SIZE(paths), data, err) < 0)
		return herr_prefix(err, "process.apparmorProfile %s", profile);
	return 0;
}

int procattr_set_selinux_label(const char *label, struct hutch_error **err)
{
	static const char *const paths[] = {"thread-self/attr/exec", "self/attr/exec"};

	if (!label || !*label)
		return 0;
	if (!procattr_selinux_enabled())
		return herr_msg(err, "process.selinuxLabel: SELinux is not enabled on this host");
	if (write_attr(paths, ARRAY_SIZE(paths), label, err) < 0)
		return herr_prefix(err, "process.selinuxLabel %s", label);
	return 0;
}

/* --- misc ---------------------------------------------------------------- */

int procattr_set_no_new_privs(struct hutch_error **err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return herr_errno(err, errno, "process.noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS");
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int cloexec_walk(int from, const int *keep, size_t n_keep, struct hutch_error **err)
{
	int fd = procfs_open("self/fd", O_RDONLY | O_DIRECTORY, err);
	_cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return fd < 0 ? -1 : herr_errno(err, errno, "open /proc/self/fd");
	}
	while ((de = readdir(d))) {
		unsigned long long v;
		bool kept = false;

		if (str_to_u64(de->d_name, &v) < 0 || v < (unsigned long long)from ||
		    (int)v == dirfd(d))
			continue;
		for (size_t i = 0; i < n_keep; i++)
			kept = kept || keep[i] == (int)v;
		if (!kept && fcntl((int)v, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF)
			return herr_errno(err, errno, "set close-on-exec on fd %llu", v);
	}
	return 0;
}

int procattr_cloexec_from(int from, const int *keep, size_t n_keep, struct hutch_error **err)
{
	_cleanup_free_ int *sorted = xcalloc(n_keep + 1, sizeof(int));
	size_t n = 0;
	unsigned int lo = (unsigned int)from;

	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] >= from)
			sorted[n++] = keep[i];
	qsort(sorted, n, sizeof(int), cmp_int);
	for (size_t i = 0; i <= n; i++) {
		unsigned int hi = i < n ? (unsigned int)sorted[i] : ~0U;

		if (hi > lo && close_range(lo, hi - 1, CLOSE_RANGE_CLOEXEC) < 0) {
			if (errno == ENOSYS || errno == EINVAL)
				return cloexec_walk(from, keep, n_keep, err);
			return herr_errno(err, errno, "close_range %u-%u", lo, hi - 1);
		}
		if (i < n)
			lo = hi + 1;
	}
	return 0;
}
