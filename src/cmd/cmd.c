/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verb table and helpers shared by verbs. */
#include "cmd/cmd.h"
#include "cmd/common.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

const struct cmd cmd_table[] = {
    {"create", cmd_create, 1, false, "create a container", CREATE_USAGE},
    {"start", cmd_start, 1, false, "start a created container", START_USAGE},
    {"run", cmd_run, 1, false, "create and start a container", RUN_USAGE},
    {"state", cmd_state, 1, false, "print the state of a container", STATE_USAGE},
    {"kill", cmd_kill, 1, true, "signal a container's init (or all its processes)", KILL_USAGE},
    {"delete", cmd_delete, 1, false, "delete a container", DELETE_USAGE},
    {"list", cmd_list, 1, false, "list containers", LIST_USAGE},
    {"spec", cmd_spec, 1, false, "write a default config.json", SPEC_USAGE},
    {"exec", cmd_exec, 255, true, "run a process in a running container", EXEC_USAGE},
    {"ps", cmd_ps, 1, true, "list the processes of a container", PS_USAGE},
    {"pause", cmd_pause, 1, false, "freeze every process of a container", PAUSE_USAGE},
    {"resume", cmd_resume, 1, false, "thaw a paused container", RESUME_USAGE},
    {"update", cmd_update, 1, false, "change the resource limits of a container", UPDATE_USAGE},
    {"events", cmd_events, 1, false, "print resource statistics and OOM events", EVENTS_USAGE},
    {"features", cmd_features, 1, false, "print what this build implements", FEATURES_USAGE},
    {NULL, NULL, 0, false, NULL, NULL},
};

const struct cmd *cmd_find(const char *name)
{
	for (const struct cmd *c = cmd_table; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

bool cmd_uses_state(const struct cmd *c)
{
	return c->fn != cmd_spec && c->fn != cmd_features;
}

bool cmd_wants_help(const struct cmd *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		/* stop at the command of `exec ID CMD -h`: a word that does not
		 * follow an option is a positional argument */
		if (c->flags_before_id && argv[i][0] != '-' && argv[i - 1][0] != '-')
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(c->usage, stdout);
			return true;
		}
	}
	return false;
}

int cmd_check_args(const char *verb, int argc, int min, int max, struct hutch_error **err)
{
	int n = argc - optind;

	if (n < min || (max >= 0 && n > max)) {
		if (min == max)
			return herr_msg(err, "\"%s\" requires exactly %d argument(s)", verb, min);
		if (n < min)
			return herr_msg(err, "\"%s\" requires a minimum of %d argument(s)", verb,
			                min);
		return herr_msg(err, "\"%s\" requires a maximum of %d argument(s)", verb, max);
	}
	return 0;
}

int cmd_cgroup_manager(const struct global_opts *g, enum cgroup_manager_kind *ret,
                       struct hutch_error **err)
{
	*ret = g->systemd_cgroup ? CGROUP_MANAGER_SYSTEMD : CGROUP_MANAGER_FS;
	if (!g->cgroup_manager)
		return 0;
	if (strcmp(g->cgroup_manager, "cgroupfs") == 0)
		*ret = CGROUP_MANAGER_FS;
	else if (strcmp(g->cgroup_manager, "systemd") == 0)
		*ret = CGROUP_MANAGER_SYSTEMD;
	else if (strcmp(g->cgroup_manager, "disabled") == 0)
		*ret = CGROUP_MANAGER_DISABLED;
	else
		return herr_msg(
		    err, "invalid --cgroup-manager '%s': expected cgroupfs, systemd or disabled",
		    g->cgroup_manager);
	return 0;
}
