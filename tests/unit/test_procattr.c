/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the process-attribute blocks of linux/ and util/cpulist: CPU
 * lists, scheduler, ioprio, personality, mempolicy, oom_score_adj, LSM
 * messages, no_new_privs, pdeathsig and the close-on-exec sweep. Process
 * changes happen in forked children. */
#include "tap.h"
#include "child.h"
#include "linux/oom.h"
#include "linux/scheduler.h"
#include "linux/ioprio.h"
#include "linux/personality.h"
#include "linux/cpu_affinity.h"
#include "linux/mempolicy.h"
#include "linux/lsm.h"
#include "linux/privs.h"
#include "linux/fds.h"
#include "util/cpulist.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <linux/ioprio.h>
#include <linux/sched.h>
#include <linux/mempolicy.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#define S(lit) ((char *)(lit))

static bool has_cap(int cap)
{
	char buf[64];

	return strtoull(proc_status("CapEff", buf, sizeof(buf)), NULL, 16) & (1ULL << cap);
}

/* --- CPU lists ----------------------------------------------------------- */

static bool mask_is(const char *list, const unsigned long *want, size_t nwords)
{
	struct hutch_error *err = NULL;
	unsigned long *mask = NULL;
	size_t nbits = 0;
	bool same;

	if (cpulist_parse(list, "f", &mask, &nbits, &err) < 0) {
		herr_freep(&err);
		return false;
	}
	same = nbits == nwords * 8 * sizeof(long) &&
	       (nwords == 0 || memcmp(mask, want, nwords * sizeof(long)) == 0);
	free(mask);
	return same;
}

static void test_cpu_list(void)
{
	static const char *bad[] = {"3-1", "a", "1,,2", "1-", "-1", ",1", "1,", "1-2-3", "0x1"};
	struct hutch_error *err = NULL;
	unsigned long *mask = NULL;
	size_t nbits = 99;
	bool all_bad = true;

	ok(mask_is("0-3,7", (unsigned long[]){0x8f}, 1), "\"0-3,7\" -> 0x8f");
	ok(mask_is(" 1 , 3-4 ", (unsigned long[]){0x1a}, 1), "blanks around items are fine");
	ok(mask_is("64", (unsigned long[]){0, 1}, 2), "CPU 64 needs a second word");
	ok(mask_is("5,5,0-1", (unsigned long[]){0x23}, 1), "duplicates merge");
	ok(cpulist_parse("", "f", &mask, &nbits, &err) == 0 && nbits == 0 && !mask,
	   "empty list -> empty mask");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		all_bad = all_bad && !mask_is(bad[i], NULL, 0);
	ok(all_bad, "malformed lists are rejected");
	ok(cpulist_parse("3-1", "config.json: .process.execCPUAffinity.initial", &mask, &nbits,
	                 &err) < 0,
	   "3-1 rejected");
	is_str(err ? err->msg : NULL,
	       "config.json: .process.execCPUAffinity.initial: invalid list \"3-1\" (expected e.g. "
	       "\"0-3,7\")",
	       "error names the field");
	herr_freep(&err);
}

static int affinity_child(void *a, char *out)
{
	struct hutch_error *err = NULL;
	cpu_set_t set;

	if (cpu_affinity_apply(0, a, "config.json: .process.execCPUAffinity.final", &err) < 0) {
		out_add(out, "%s", err->msg);
		return 1;
	}
	sched_getaffinity(0, sizeof(set), &set);
	out_add(out, "count=%d cpu0=%d", (int)CPU_COUNT(&set), (int)CPU_ISSET(0, &set));
	return 0;
}

static void test_affinity(void)
{
	char out[4096];

	ok(child_run(affinity_child, S("0"), out) == 0, "affinity \"0\"");
	is_str(out, "count=1 cpu0=1", "sched_getaffinity reads back CPU 0 only");
	ok(child_run(affinity_child, S(""), out) == 0, "empty list leaves affinity alone");
	ok(child_run(affinity_child, S("4000"), out) == 1 &&
	       strstr(out, "config.json: .process.execCPUAffinity.final: sched_setaffinity 4000") ==
	           out,
	   "a CPU that does not exist fails with the field named: %s", out);
}

/* --- scheduler / ioprio / personality ------------------------------------ */

static int sched_child(void *a, char *out)
{
	struct hutch_error *err = NULL;

	if (scheduler_apply(a, &err) < 0) {
		out_add(out, "%s", err->msg);
		return 1;
	}
	errno = 0;
	out_add(out, "policy=%#x nice=%d", (unsigned)syscall(SYS_sched_getscheduler, 0),
	        getpriority(PRIO_PROCESS, 0));
	return 0;
}

static void test_scheduler(void)
{
	struct spec_scheduler batch = {.policy = SCHED_BATCH, .nice = 5};
	uint32_t flags[] = {SCHED_FLAG_RESET_ON_FORK};
	struct spec_scheduler idle = {.policy = SCHED_IDLE, .flags = flags, .n_flags = 1};
	struct spec_scheduler iso = {.policy = 4 /* SCHED_ISO: reserved, never merged */};
	char out[4096];

	ok(child_run(sched_child, &batch, out) == 0, "SCHED_BATCH nice 5");
	is_str(out, "policy=0x3 nice=5", "policy and nice read back");
	ok(child_run(sched_child, &idle, out) == 0, "SCHED_IDLE with RESET_ON_FORK");
	is_str(out, "policy=0x40000005 nice=0", "flag visible in sched_getscheduler");
	ok(child_run(sched_child, &iso, out) == 1, "SCHED_ISO: the kernel refuses it");
	is_str(out,
	       "config.json: .process.scheduler: sched_setattr SCHED_ISO (nice 0, priority 0): "
	       "Invalid argument",
	       "the message names the policy by its name");
}

static int ioprio_child(void *a, char *out)
{
	struct hutch_error *err = NULL;

	if (ioprio_apply(a, &err) < 0) {
		out_add(out, "%s", err->msg);
		return 1;
	}
	out_add(out, "%#lx", syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0));
	return 0;
}

static void test_ioprio(void)
{
	struct spec_io_priority be = {.class_ = IOPRIO_CLASS_BE, .priority = 6};
	struct spec_io_priority idle = {.class_ = IOPRIO_CLASS_IDLE, .priority = 0};
	struct spec_io_priority big = {.class_ = IOPRIO_CLASS_BE, .priority = 8};
	char out[4096];

	ok(child_run(ioprio_child, &be, out) == 0, "ioprio BE 6");
	is_str(out, "0x4006", "ioprio_get reads back class BE, level 6");
	ok(child_run(ioprio_child, &idle, out) == 0, "ioprio IDLE");
	is_str(out, "0x6000", "ioprio_get reads back class IDLE");
	ok(child_run(ioprio_child, &big, out) == 1 && strstr(out, "outside 0..7"),
	   "priority 8 rejected: %s", out);
}

static int personality_child(void *a, char *out)
{
	struct hutch_error *err = NULL;
	struct utsname u;

	if (personality_apply(a, &err) < 0) {
		out_add(out, "%s", err->msg);
		return 1;
	}
	uname(&u);
	out_add(out, "persona=%#x machine=%s", (unsigned)personality(0xffffffff), u.machine);
	return 0;
}

static void test_personality(void)
{
	struct spec_personality p32 = {.domain = PER_LINUX32};
	char *flags[] = {S("ADDR_NO_RANDOMIZE"), NULL};
	struct spec_personality withflag = {.domain = PER_LINUX, .flags = flags};
	char out[4096];

	ok(child_run(personality_child, &p32, out) == 0, "personality LINUX32");
#if defined(__x86_64__)
	is_str(out, "persona=0x8 machine=i686", "PER_LINUX32, uname says i686");
#else
	ok(strstr(out, "persona=0x8") != NULL, "PER_LINUX32: %s", out);
#endif
	ok(child_run(personality_child, &withflag, out) == 1, "flags rejected (none defined)");
}

/* --- mempolicy ----------------------------------------------------------- */

static int mempolicy_child(void *a, char *out)
{
	struct hutch_error *err = NULL;
	int mode = -1;

	if (mempolicy_apply(a, &err) < 0) {
		out_add(out, "%s", err->msg);
		return err->errnum == ENOSYS ? 3 : 1;
	}
	if (syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0) < 0)
		return 3;
	out_add(out, "mode=%d", mode);
	return 0;
}

static void test_mempolicy(void)
{
	struct spec_memory_policy bind = {.mode = MPOL_BIND, .nodes = S("0")};
	uint32_t flags[] = {MPOL_F_STATIC_NODES};
	struct spec_memory_policy pref = {
	    .mode = MPOL_PREFERRED, .nodes = S("0"), .flags = flags, .n_flags = 1};
	struct spec_memory_policy def = {.mode = MPOL_DEFAULT};
	char out[4096];
	int r = child_run(mempolicy_child, &bind, out);

	if (r == 3) {
		ok(true, "set_mempolicy # SKIP kernel without NUMA");
		return;
	}
	ok(r == 0, "MPOL_BIND nodes 0: %s", out);
	is_str(out, "mode=2", "get_mempolicy says MPOL_BIND");
	ok(child_run(mempolicy_child, &pref, out) == 0, "MPOL_PREFERRED|MPOL_F_STATIC_NODES: %s",
	   out);
	is_str(out, "mode=32769", "mode and flag read back");
	ok(child_run(mempolicy_child, &def, out) == 0, "MPOL_DEFAULT without nodes");
	is_str(out, "mode=0", "default policy");
}

/* --- oom, LSM, misc ------------------------------------------------------ */

static int oom_child(void *a, char *out)
{
	struct spec_process *p = a;
	struct hutch_error *err = NULL;
	char buf[32] = "";
	int fd;

	if (oom_set_score_adj(p, &err) < 0) {
		out_add(out, "%s", err->msg);
		return 1;
	}
	fd = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		return 2;
	close(fd);
	buf[strcspn(buf, "\n")] = '\0';
	out_add(out, "%s", buf);
	return 0;
}

static int oom_lower_child(void *a, char *out)
{
	struct spec_process raise = {.oomScoreAdj = {.set = true, .value = 500}};

	if (oom_child(&raise, out) != 0)
		return 2;
	out[0] = '\0';
	return oom_child(a, out);
}

static void test_oom(void)
{
	struct spec_process unset = {.oomScoreAdj = {.set = false}};
	struct spec_process high = {.oomScoreAdj = {.set = true, .value = 500}};
	struct spec_process low = {.oomScoreAdj = {.set = true, .value = -500}};
	char out[4096], before[4096];

	ok(child_run(oom_child, &unset, before) == 0, "unset oomScoreAdj is a no-op");
	ok(child_run(oom_child, &high, out) == 0, "oomScoreAdj 500");
	is_str(out, "500", "oom_score_adj reads back 500");
	if (has_cap(24 /* CAP_SYS_RESOURCE */)) {
		ok(child_run(oom_lower_child, &low, out) == 0, "lowering with CAP_SYS_RESOURCE");
	} else {
		ok(child_run(oom_lower_child, &low, out) == 1,
		   "lowering without CAP_SYS_RESOURCE fails");
		ok(strstr(out, "config.json: .process.oomScoreAdj: -500 is below the current 500 "
		               "(lowering it needs CAP_SYS_RESOURCE)") == out,
		   "message says why: %s", out);
	}
}

static void test_lsm(void)
{
	struct spec_process aa = {.apparmorProfile = S("docker-default")};
	struct spec_process se = {.selinuxLabel = S("system_u:system_r:container_t:s0")};
	struct spec_process none = {0};
	struct hutch_error *err = NULL;

	ok(lsm_check(&none, &err) == 0, "no labels: nothing to check");
	if (lsm_apparmor_enabled()) {
		ok(true, "apparmor error message # SKIP AppArmor is enabled here");
	} else {
		ok(lsm_check(&aa, &err) < 0, "apparmorProfile without AppArmor fails");
		is_str(
		    err->msg,
		    "config.json: .process.apparmorProfile: AppArmor is not enabled on this host",
		    "apparmor message");
		herr_freep(&err);
		ok(lsm_set_apparmor_profile("x", &err) < 0 &&
		       strcmp(err->msg,
		              "config.json: .process.apparmorProfile: AppArmor is not enabled on "
		              "this host") == 0,
		   "setter gives the same message");
		herr_freep(&err);
	}
	if (lsm_selinux_enabled()) {
		ok(true, "selinux error message # SKIP SELinux is enabled here");
	} else {
		ok(lsm_check(&se, &err) < 0, "selinuxLabel without SELinux fails");
		is_str(err->msg,
		       "config.json: .process.selinuxLabel: SELinux is not enabled on this host",
		       "selinux message");
		herr_freep(&err);
		ok(lsm_set_selinux_label("x", &err) < 0, "setter fails too");
		herr_freep(&err);
	}
	ok(lsm_set_apparmor_profile(NULL, &err) == 0 && lsm_set_selinux_label("", &err) == 0,
	   "empty labels are no-ops");
}

static int misc_child(void *a, char *out)
{
	struct hutch_error *err = NULL;

	if (privs_set_no_new_privs(&err) < 0) {
		out_add(out, "%s", err->msg);
		return 1;
	}
	out_add(out, "nnp=%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	return 0;
}

static void test_misc(void)
{
	char out[4096];

	ok(child_run(misc_child, NULL, out) == 0, "no_new_privs");
	is_str(out, "nnp=1", "read back with prctl");
}

static int cloexec_child(void *a, char *out)
{
	struct hutch_error *err = NULL;
	int keep[] = {32, 5};

	for (int fd = 30; fd <= 34; fd++)
		if (dup2(2, fd) < 0)
			return 2;
	if (fds_cloexec_from(31, keep, 2, &err) < 0) {
		out_add(out, "%s", err->msg);
		return 1;
	}
	for (int fd = 30; fd <= 34; fd++)
		out_add(out, "%d", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	return 0;
}

static void test_cloexec(void)
{
	char out[4096];

	ok(child_run(cloexec_child, NULL, out) == 0, "fds_cloexec_from(31, keep 32)");
	is_str(out, "01011", "fd 30 below, 31 marked, 32 kept, 33-34 marked");
}

int main(void)
{
	test_cpu_list();
	test_affinity();
	test_scheduler();
	test_ioprio();
	test_personality();
	test_mempolicy();
	test_oom();
	test_lsm();
	test_misc();
	test_cloexec();
	return done_testing();
}
