/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Usage texts and option parsing shared between verbs (create and run). */
#ifndef HUTCH_CMD_COMMON_H
#define HUTCH_CMD_COMMON_H

#include "cmd/cmd.h"
#include "core/container.h"

#define CREATE_FLAGS_HELP                                                                          \
	"  -b, --bundle DIR         path to the bundle (default: the current directory)\n"           \
	"  --pid-file FILE          write the container init's pid to FILE\n"                         \
	"  --console-socket PATH    send the pty master of a terminal container to this\n"            \
	"                           AF_UNIX socket (SCM_RIGHTS)\n"                                    \
	"  --no-pivot               do not use pivot_root (MS_MOVE + chroot instead)\n"               \
	"  --no-new-keyring         keep the caller's session keyring\n"                              \
	"  --preserve-fds N         pass N extra fds (3..3+N-1) to the container\n"

#define CREATE_USAGE                                                                               \
	"Usage: hutch create [options] CONTAINER_ID\n\n"                                           \
	"Create a container from a bundle. The init is set up and waits for 'hutch start'.\n\n"    \
	"Options:\n" CREATE_FLAGS_HELP
#define RUN_USAGE                                                                                  \
	"Usage: hutch run [options] CONTAINER_ID\n\n"                                              \
	"Create and start a container. In the foreground, exits with the container's exit\n"       \
	"code (128+N when killed by signal N) and deletes it afterwards.\n\n"                      \
	"Options:\n" CREATE_FLAGS_HELP                                                             \
	"  -d, --detach             return once the container is started\n"                         \
	"  --keep                   do not delete the container after it exits\n"                   \
	"  --no-subreaper           do not make hutch a child subreaper\n"
#define START_USAGE                                                                                \
	"Usage: hutch start CONTAINER_ID\n\nRun the user process of a created container.\n"
#define STATE_USAGE                                                                                \
	"Usage: hutch state CONTAINER_ID\n\nPrint the OCI state of a container as JSON.\n"
#define KILL_USAGE                                                                                 \
	"Usage: hutch kill [options] CONTAINER_ID [SIGNAL]\n\n"                                    \
	"Send SIGNAL (a number or a name such as KILL or SIGKILL; default SIGTERM) to the\n"       \
	"container's init.\n\nOptions:\n"                                                          \
	"  -a, --all                send the signal to every process of the container\n"
#define DELETE_USAGE                                                                               \
	"Usage: hutch delete [options] CONTAINER_ID\n\n"                                           \
	"Delete a stopped (or created) container: its processes, cgroup and state.\n\n"           \
	"Options:\n"                                                                               \
	"  -f, --force              kill a running container first\n"
#define LIST_USAGE                                                                                 \
	"Usage: hutch list [options]\n\nList the containers under --root.\n\nOptions:\n"           \
	"  -f, --format FORMAT      table (default) or json\n"                                     \
	"  -q, --quiet              print only the ids\n"
#define SPEC_USAGE                                                                                 \
	"Usage: hutch spec [options]\n\nWrite a default config.json into the bundle directory.\n\n" \
	"Options:\n"                                                                               \
	"  -b, --bundle DIR         where to write config.json (default: the current directory)\n" \
	"  --rootless               a configuration for an unprivileged user\n"

/* Select the cgroup manager from --systemd-cgroup / --cgroup-manager. */
int cmd_cgroup_manager(const struct global_opts *g, enum cgroup_manager_kind *ret,
		       struct hutch_error **err);

struct run_flags {
	struct create_opts create;
	bool detach;
	bool keep;
	bool no_subreaper;
};

/* Parse create's flags (and, when `run`, run's own) from argv; on success
 * optind points at the container id. */
int cmd_parse_create_flags(int argc, char **argv, bool run, const struct global_opts *g,
			   struct run_flags *ret, struct hutch_error **err);

#endif
