/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oom_score_adj, scheduler, ioprio, personality, CPU affinity, mempolicy, LSM
 * exec labels, no_new_privs, pdeathsig and the close-on-exec sweep. */
#include "linux/procattr.h"
#include "spec/names.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/procfs.h"
#include "util/str.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <sched.h>
/* struct sched_attr comes from the kernel's header, whose struct sched_param
 * glibc's <sched.h> already defines: that one is renamed out of the way. */
#define sched_param linux_sched_param
#include <linux/sched/types.h>
#undef sched_param
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
	if ((*err)->errnum == EACCES || (*err)->errnum == EPERM) {
		/* proc(5): below oom_score_adj_min (what a holder of
		 * CAP_SYS_RESOURCE last set, at most the current value) only such
		 * a holder may go, which a rootless runtime never is */
		_cleanup_free_ char *cur = NULL;
		struct hutch_error *e = NULL;
		if (procfs_read("self/oom_score_adj", &cur, NULL, &e) < 0)
			herr_free(e);
		if (cur)
			cur[strcspn(cur, "\n")] = '\0';
		return herr_prefix(err,
		                   "config.json: .process.oomScoreAdj: %s is below the current %s "
		                   "(lowering it needs CAP_SYS_RESOURCE)",
		                   buf, cur ? cur : "oom_score_adj");
	}
	return herr_prefix(err, "config.json: .process.oomScoreAdj: %s", buf);
}

/* --- scheduler ----------------------------------------------------------- */

/* The bits of a flag list (spec/names.h: the parser kept the values). */
static uint64_t flag_bits(const uint32_t *flags, size_t n)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < n; i++)
		bits |= flags[i];
	return bits;
}

int procattr_set_scheduler(const struct spec_scheduler *s, struct hutch_error **err)
{
	struct sched_attr attr = {.size = sizeof(attr)};

	if (!s)
		return 0;
	attr.sched_policy = s->policy;
	attr.sched_flags = flag_bits(s->flags, s->n_flags);
	attr.sched_nice = s->nice;
	attr.sched_priority = (uint32_t)s->priority;
	attr.sched_runtime = s->runtime;
	attr.sched_deadline = s->deadline;
	attr.sched_period = s->period;
	/* the spec has no clamp values: a clamp flag gets the whole range,
	 * 0..1024 (SCHED_CAPACITY_SCALE, linux/sched/types.h) */
	if (attr.sched_flags & SCHED_FLAG_UTIL_CLAMP)
		attr.sched_util_max = 1024;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return herr_errno(
		    err, errno,
		    "config.json: .process.scheduler: sched_setattr %s (nice %d, priority %d)",
		    spec_name_of(&spec_sched_policies, s->policy), s->nice, s->priority);
	return 0;
}

/* --- ioPriority ---------------------------------------------------------- */

int procattr_set_io_priority(const struct spec_io_priority *io, struct hutch_error **err)
{
	if (!io)
		return 0;
	if (io->priority < 0 || io->priority > 7)
		return herr_msg(err,
		                "config.json: .process.ioPriority.priority: %lld is outside 0..7",
		                (long long)io->priority);
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
	            IOPRIO_PRIO_VALUE(io->class_, io->priority)) < 0)
		return herr_errno(
		    err, errno, "config.json: .process.ioPriority: ioprio_set %s %lld",
		    spec_name_of(&spec_ioprio_classes, io->class_), (long long)io->priority);
	return 0;
}

/* --- personality --------------------------------------------------------- */

int procattr_set_personality(const struct spec_personality *p, struct hutch_error **err)
{
	if (!p)
		return 0;
	if (p->flags && p->flags[0])
		return herr_msg(err, "config.json: .linux.personality.flags: unsupported flag %s",
		                p->flags[0]);
	if (personality(p->domain) < 0)
		return herr_errno(err, errno, "config.json: .linux.personality: personality %s",
		                  spec_name_of(&spec_personalities, p->domain));
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

int procattr_set_mempolicy(const struct spec_memory_policy *m, struct hutch_error **err)
{
	_cleanup_free_ unsigned long *nodes = NULL;
	size_t nbits = 0;
	int mode;

	if (!m)
		return 0;
	mode = (int)(m->mode | flag_bits(m->flags, m->n_flags));
	if (procattr_parse_cpu_list(m->nodes, "config.json: .linux.memoryPolicy.nodes", &nodes,
	                            &nbits, err) < 0)
		return -1;
	/* The kernel reads maxnode - 1 bits (mm/mempolicy.c get_nodes()). */
	if (syscall(SYS_set_mempolicy, mode, nodes, nbits ? nbits + 1 : 0) < 0)
		return herr_errno(
		    err, errno, "config.json: .linux.memoryPolicy: set_mempolicy %s nodes \"%s\"",
		    spec_name_of(&spec_mpol_modes, m->mode), m->nodes ? m->nodes : "");
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
		return herr_msg(
		    err,
		    "config.json: .process.apparmorProfile: AppArmor is not enabled on this host");
	if (p->selinuxLabel && *p->selinuxLabel && !procattr_selinux_enabled())
		return herr_msg(
		    err, "config.json: .process.selinuxLabel: SELinux is not enabled on this host");
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
		return herr_msg(
		    err,
		    "config.json: .process.apparmorProfile: AppArmor is not enabled on this host");
	data = xasprintf("exec %s", profile);
	if (write_attr(paths, ARRAY_SIZE(paths), data, err) < 0)
		return herr_prefix(err, "config.json: .process.apparmorProfile: %s", profile);
	return 0;
}

int procattr_set_selinux_label(const char *label, struct hutch_error **err)
{
	static const char *const paths[] = {"thread-self/attr/exec", "self/attr/exec"};

	if (!label || !*label)
		return 0;
	if (!procattr_selinux_enabled())
		return herr_msg(
		    err, "config.json: .process.selinuxLabel: SELinux is not enabled on this host");
	if (write_attr(paths, ARRAY_SIZE(paths), label, err) < 0)
		return herr_prefix(err, "config.json: .process.selinuxLabel: %s", label);
	return 0;
}

/* --- misc ---------------------------------------------------------------- */

int procattr_set_no_new_privs(struct hutch_error **err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return herr_errno(
		    err, errno, "config.json: .process.noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS");
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
