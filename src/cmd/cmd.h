/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verbs: each parses its own flags and calls core/. A verb returns the
 * process exit code (>= 0) or -1 with *err set (main prints it, exit 1). */
#ifndef HUTCH_CMD_CMD_H
#define HUTCH_CMD_CMD_H

#include <stdbool.h>

#include "util/error.h"

struct global_opts {
	const char *root;           /* --root, default /run/hutch or $XDG_RUNTIME_DIR/hutch
	                             * (core/rootless.h); NULL for verbs without state */
	const char *log;            /* --log */
	bool log_json;              /* --log-format json */
	bool debug;                 /* --debug */
	bool systemd_cgroup;        /* --systemd-cgroup */
	const char *cgroup_manager; /* --cgroup-manager cgroupfs|systemd|disabled */
	int first_free_fd;          /* fds 3..first_free_fd-1 are the caller's (main.c) */
	const char *rootless;       /* --rootless, checked (rootless_is(), core/rootless.h) */
};

typedef int (*cmd_fn)(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);

struct cmd {
	const char *name;
	cmd_fn fn;
	int fail_code;        /* exit code when fn fails: 1, or 255 for exec (as runc) */
	bool flags_before_id; /* exec, ps, kill: what follows the id is not ours (as
	                       * runc); the other verbs take options anywhere */
	const char *summary;
	const char *usage; /* full --help text of the verb */
};

/* The verb table, NULL-name terminated. */
extern const struct cmd cmd_table[];
const struct cmd *cmd_find(const char *name);

/* Does the verb use the state directory (--root)? All but spec and features. */
bool cmd_uses_state(const struct cmd *c);

/* Print the verb's usage to stdout when argv holds -h/--help; returns true if printed. */
bool cmd_wants_help(const struct cmd *c, int argc, char **argv);

/* Require min..max (max < 0: no limit) positional args after getopt parsing
 * (from optind). Errors use runc's wording. */
int cmd_check_args(const char *verb, int argc, int min, int max, struct hutch_error **err);

int cmd_create(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_start(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_run(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_state(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_kill(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_delete(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_list(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_spec(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_exec(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_ps(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_pause(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_resume(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_update(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_events(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);
int cmd_features(int argc, char **argv, const struct global_opts *g, struct hutch_error **err);

#endif
