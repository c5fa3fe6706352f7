/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch entry point: global flags, verb dispatch, and the single place that
 * prints the final error and picks the exit code. */
#include "config.h"
#include "cmd/cmd.h"
#include "core/rootless.h"
#include "util/cleanup.h"
#include "linux/seccomp.h"
#include "util/log.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char global_usage[] =
    "Usage: hutch [global options] COMMAND [command options] [arguments...]\n"
    "\n"
    "hutch is an OCI runtime: it runs containers from OCI bundles.\n"
    "\n"
    "Global options:\n"
    "  --root DIR              state directory (default /run/hutch; for an unprivileged\n"
    "                          user $XDG_RUNTIME_DIR/hutch)\n"
    "  --log FILE              also write diagnostics to FILE\n"
    "  --log-format FORMAT     text (default) or json\n"
    "  --debug                 print debug messages\n"
    "  --systemd-cgroup        manage cgroups through systemd (cgroupsPath is slice:prefix:name)\n"
    "  --cgroup-manager MGR    cgroupfs (default), systemd or disabled\n"
    "  --rootless VALUE        auto (default), true or false: whether this call is rootless\n"
    "                          (auto: when not root, or in a user namespace)\n"
    "  -v, --version           print the version\n"
    "  -h, --help              print this help\n"
    "\n"
    "Commands:\n";

static void print_usage(FILE *f)
{
	fputs(global_usage, f);
	for (const struct cmd *c = cmd_table; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\nRun 'hutch COMMAND --help' for a command's options.\n", f);
}

static void print_version(void)
{
	printf("hutch version %s\nspec: %s\nlibseccomp: %s\n", HUTCH_VERSION, HUTCH_SPEC_VERSION,
	       seccomp_version_string());
}

/* The lowest fd above stdio that the caller did not hand us, found before
 * hutch opens anything: fds 3 up to it are the caller's, and only those may
 * be passed into a container (--preserve-fds, LISTEN_FDS). Any fd hutch
 * opens later lands at or above it. */
static int first_free_fd(void)
{
	int fd = openat(AT_FDCWD, "/", O_PATH | O_CLOEXEC), above = -1;

	if (fd < 0)
		return 3; /* no fd left at all: nothing is preserved */
	if (fd >= 3) {
		close(fd);
		return fd;
	}
	above = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	if (above < 0)
		return 3;
	close(above);
	return above;
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_CGMGR, OPT_ROOTLESS };

/* Returns the index of the verb in argv, or -1 after printing/exiting. */
static int parse_globals(int argc, char **argv, struct global_opts *g, const char **ret_log_fmt)
{
	static const struct option longopts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
	    {"cgroup-manager", required_argument, NULL, OPT_CGMGR},
	    {"rootless", required_argument, NULL, OPT_ROOTLESS},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g->root = optarg;
			break;
		case OPT_LOG:
			g->log = optarg;
			break;
		case OPT_LOG_FORMAT:
			*ret_log_fmt = optarg;
			break;
		case OPT_DEBUG:
			g->debug = true;
			break;
		case OPT_SYSTEMD:
			g->systemd_cgroup = true;
			break;
		case OPT_CGMGR:
			g->cgroup_manager = optarg;
			break;
		case OPT_ROOTLESS:
			g->rootless = optarg;
			break;
		case 'v':
			print_version();
			exit(0);
		case 'h':
			print_usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "hutch: unknown or incomplete global option '%s'\n",
			        argv[optind - 1]);
			print_usage(stderr);
			exit(1);
		}
	}
	return optind;
}

/* The state directory, unless --root gave one: only verbs that use it need
 * it (spec and features run anywhere). */
static int default_root(const struct cmd *c, struct global_opts *g, char **owned,
                        struct hutch_error **err)
{
	if (g->root || !cmd_uses_state(c))
		return 0;
	if (rootless_state_root(owned, err) < 0)
		return -1;
	g->root = *owned;
	return 0;
}

int main(int argc, char **argv)
{
	struct global_opts g = {.first_free_fd = first_free_fd()};
	const char *log_fmt = "text";
	_cleanup_error_ struct hutch_error *err = NULL;
	_cleanup_free_ char *root = NULL;
	enum rootless_mode mode;
	const struct cmd *c;
	int idx, r;

	idx = parse_globals(argc, argv, &g, &log_fmt);
	if (strcmp(log_fmt, "json") != 0 && strcmp(log_fmt, "text") != 0) {
		fprintf(stderr, "hutch: invalid --log-format '%s': expected text or json\n",
		        log_fmt);
		return 1;
	}
	g.log_json = strcmp(log_fmt, "json") == 0;
	if (log_init(g.log, g.log_json ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT, g.debug) < 0) {
		perror("hutch: open log file");
		return 1;
	}
	if (idx >= argc) {
		print_usage(stderr);
		return 1;
	}
	c = cmd_find(argv[idx]);
	if (!c) {
		log_msg(LOG_ERROR, "unknown command '%s' (see 'hutch --help')", argv[idx]);
		return 1;
	}
	argc -= idx;
	argv += idx;
	if (cmd_wants_help(c, argc, argv))
		return 0;
	if (rootless_parse_mode(g.rootless, &mode, &err) < 0 ||
	    default_root(c, &g, &root, &err) < 0) {
		log_msg(LOG_ERROR, "%s", err->msg);
		return 1;
	}
	optind = 0; /* reset getopt for the verb's own parsing (argv[0] is the verb) */
	r = c->fn(argc, argv, &g, &err);
	if (r < 0) {
		log_msg(LOG_ERROR, "%s", err ? err->msg : "unknown error");
		return c->fail_code;
	}
	return r;
}
