/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process assembly: attributes, then privileges, each step a block. */
#include "linux/setup/process/process.h"
#include "linux/cpu_affinity.h"
#include "linux/fds.h"
#include "linux/ioprio.h"
#include "linux/lsm.h"
#include "linux/mempolicy.h"
#include "linux/oom.h"
#include "linux/personality.h"
#include "linux/privs.h"
#include "linux/rlimit.h"
#include "linux/scheduler.h"
#include "linux/user.h"

int process_setup_attrs(const struct process_setup *o, struct hutch_error **err)
{
	const struct spec_process *p = o->process;
	const struct spec_linux *l = o->spec->linux_;

	if (p->oomScoreAdj.set && oom_set_score_adj(p, err) < 0)
		return -1;
	if (rlimit_apply(p, err) < 0)
		return -1;
	if (p->scheduler && scheduler_apply(p->scheduler, err) < 0)
		return -1;
	if (p->ioPriority && ioprio_apply(p->ioPriority, err) < 0)
		return -1;
	if (l && l->personality && personality_apply(l->personality, err) < 0)
		return -1;
	if (l && l->memoryPolicy && mempolicy_apply(l->memoryPolicy, err) < 0)
		return -1;
	if (o->exec && p->execCPUAffinity && p->execCPUAffinity->final &&
	    *p->execCPUAffinity->final &&
	    cpu_affinity_apply(0, p->execCPUAffinity->final,
	                       "config.json: .process.execCPUAffinity.final", err) < 0)
		return -1;
	if (lsm_check(p, err) < 0)
		return -1;
	if (p->apparmorProfile && lsm_set_apparmor_profile(p->apparmorProfile, err) < 0)
		return -1;
	if (p->selinuxLabel && lsm_set_selinux_label(p->selinuxLabel, err) < 0)
		return -1;
	return fds_cloexec_from(o->first_closed_fd, NULL, 0, err);
}

/* Capabilities and user, in the order caps.h documents. */
static int identity(const struct process_setup *o, struct hutch_error **err)
{
	if (caps_drop_bounding(o->caps, err) < 0 || caps_keep_on_setuid(true, err) < 0 ||
	    user_apply(&o->process->user, user_setgroups_allowed(), err) < 0 ||
	    caps_keep_on_setuid(false, err) < 0 || caps_apply(o->caps, err) < 0)
		return -1;
	return 0;
}

int process_setup_privileges(const struct process_setup *o, struct hutch_error **err)
{
	if (o->process->noNewPrivileges && privs_set_no_new_privs(err) < 0)
		return -1;
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so it goes
	 * in before the capabilities are dropped (runc does the same). */
	if (o->load_seccomp && o->load_seccomp(o->ctx, err) < 0)
		return -1;
	/* Non-dumpable from here on, not earlier: see privs_set_nondumpable. */
	if (privs_set_nondumpable(err) < 0)
		return -1;
	return identity(o, err);
}
