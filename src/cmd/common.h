/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Usage texts and option parsing shared between verbs (create and run). */
#ifndef HUTCH_CMD_COMMON_H
#define HUTCH_CMD_COMMON_H

#include "cmd/cmd.h"
#include "core/container.h"

#define CREATE_FLAGS_HELP                                                                          \
	"  -b, --bundle DIR         path to the bundle (default: the current directory)\n"         \
	"  --pid-file FILE          write the container init's pid to FILE\n"                      \
	"  --console-socket PATH    send the pty master of a terminal container to this\n"         \
	"                           AF_UNIX socket (SCM_RIGHTS)\n"                                 \
	"  --no-pivot               do not use pivot_root (MS_MOVE + chroot instead)\n"            \
	"  --no-new-keyring         keep the caller's session keyring\n"                           \
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
	"  -d, --detach             return once the container is started\n"                        \
	"  --keep                   do not delete the container after it exits\n"                  \
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
	"Delete a stopped (or created) container: its processes, cgroup and state.\n\n"            \
	"Options:\n"                                                                               \
	"  -f, --force              kill a running container first\n"
#define LIST_USAGE                                                                                 \
	"Usage: hutch list [options]\n\nList the containers under --root.\n\nOptions:\n"           \
	"  -f, --format FORMAT      table (default) or json\n"                                     \
	"  -q, --quiet              print only the ids\n"
#define SPEC_USAGE                                                                                 \
	"Usage: hutch spec [options]\n\nWrite a default config.json into the bundle "              \
	"directory.\n\n"                                                                           \
	"Options:\n"                                                                               \
	"  -b, --bundle DIR         where to write config.json (default: the current directory)\n" \
	"  --rootless               a configuration for an unprivileged user\n"

#define EXEC_USAGE                                                                                 \
	"Usage: hutch exec [options] CONTAINER_ID [COMMAND [ARG...]]\n\n"                          \
	"Run a process in a running container: it joins every namespace of the container,\n"       \
	"its cgroup, and gets its seccomp profile, capabilities and rlimits. In the\n"             \
	"foreground hutch exits with the process's exit code.\n\nOptions:\n"                       \
	"  -p, --process FILE       a JSON process object (runtime-spec config.md)\n"              \
	"  -d, --detach             do not wait for the process\n"                                 \
	"  --pid-file FILE          write the process's pid to FILE\n"                             \
	"  --console-socket PATH    send the pty master to this AF_UNIX socket\n"                  \
	"  -t, --tty                allocate a pseudo-terminal\n"                                  \
	"  --cwd DIR                working directory\n"                                           \
	"  -e, --env KEY=VALUE      add an environment variable (repeatable)\n"                    \
	"  -u, --user UID[:GID]     run as this user\n"                                            \
	"  -g, --additional-gids G  add a supplementary group (repeatable, or comma list)\n"       \
	"  -c, --cap CAP            add a capability (bounding, effective, permitted) "            \
	"(repeatable)\n"                                                                           \
	"  --no-new-privs           set no_new_privs\n"                                            \
	"  --preserve-fds N         pass N extra fds (3..3+N-1)\n"                                 \
	"  --cgroup [CTRL:]SUB      run in an existing sub-cgroup of the container (repeatable)\n" \
	"  --apparmor PROFILE       AppArmor profile\n"                                            \
	"  --process-label LABEL    SELinux label\n"                                               \
	"  --ignore-paused          exec even if the container is paused\n"
#define PS_USAGE                                                                                   \
	"Usage: hutch ps [options] CONTAINER_ID [PS_ARGS...]\n\n"                                  \
	"Show the container's processes (ps -ef by default).\n\nOptions:\n"                        \
	"  -f, --format FORMAT      table (default) or json (an array of host pids)\n"
#define PAUSE_USAGE  "Usage: hutch pause CONTAINER_ID\n\nFreeze every process of the container.\n"
#define RESUME_USAGE "Usage: hutch resume CONTAINER_ID\n\nThaw a paused container.\n"
#define UPDATE_USAGE                                                                               \
	"Usage: hutch update [options] CONTAINER_ID\n\nChange a container's resource limits.\n\n"  \
	"Options:\n"                                                                               \
	"  -r, --resources FILE     a LinuxResources JSON object ('-' reads stdin)\n"              \
	"  --memory SIZE            memory limit (k, m, g suffixes; -1 unlimited)\n"               \
	"  --memory-reservation SIZE\n"                                                            \
	"  --memory-swap SIZE       memory plus swap limit\n"                                      \
	"  --cpu-shares N, --cpu-quota N, --cpu-period N, --cpu-burst N, --cpu-idle N\n"           \
	"  --cpu-rt-period N, --cpu-rt-runtime N\n"                                                \
	"  --cpuset-cpus LIST, --cpuset-mems LIST\n"                                               \
	"  --pids-limit N           maximum number of tasks (-1 unlimited)\n"                      \
	"  --blkio-weight N         block IO weight (10..1000)\n"                                  \
	"  --l3-cache-schema S, --mem-bw-schema S\n"                                               \
	"                           Intel RDT: refused, this build has no resctrl support\n"
#define EVENTS_USAGE                                                                               \
	"Usage: hutch events [options] CONTAINER_ID\n\n"                                           \
	"Print JSON events: resource statistics every interval, and an \"oom\" event when\n"       \
	"the OOM killer fires, until the container stops.\n\nOptions:\n"                           \
	"  --stats                  print one statistics object and exit\n"                        \
	"  --interval DURATION      time between statistics (default 5s; ms, s, m)\n"
#define FEATURES_USAGE                                                                             \
	"Usage: hutch features\n\nPrint the OCI features document (runtime-spec features.md).\n"

/* Select the cgroup manager from --systemd-cgroup / --cgroup-manager. */
int cmd_cgroup_manager(const struct global_opts *g, enum cgroup_manager_kind *ret,
                       struct hutch_error **err);

/* Parse create's flags (and, when `run`, run's own) from argv; on success
 * optind points at the container id. */
int cmd_parse_create_flags(int argc, char **argv, bool run, const struct global_opts *g,
                           struct run_opts *ret, struct hutch_error **err);

#endif
