/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verbs that work on a container's cgroup: pause, resume, ps, update,
 * events. Options are parsed here; the work is core/cgroups.c's. */
#include "cmd/common.h"
#include "core/cgroups.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int one_id(const char *verb, int argc, char **argv, struct hutch_error **err)
{
	static const struct option none[] = {{NULL, 0, NULL, 0}};

	if (getopt_long(argc, argv, "", none, NULL) != -1)
		return herr_msg(err, "%s: unknown option '%s'", verb, argv[optind - 1]);
	return cmd_check_args(verb, argc, 1, 1, err);
}

int cmd_pause(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	if (one_id("pause", argc, argv, err) < 0)
		return -1;
	return container_pause(g->root, argv[optind], err) < 0 ? -1 : 0;
}

int cmd_resume(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	if (one_id("resume", argc, argv, err) < 0)
		return -1;
	return container_resume(g->root, argv[optind], err) < 0 ? -1 : 0;
}

int cmd_ps(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
	                                         {NULL, 0, NULL, 0}};
	_cleanup_free_ pid_t *pids = NULL;
	bool json = false;
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+f:", longopts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else
			return herr_msg(err, "ps: invalid option or format '%s'", argv[optind - 1]);
	}
	if (cmd_check_args("ps", argc, 1, -1, err) < 0 ||
	    container_ps(g->root, argv[optind], &pids, &n, err) < 0)
		return -1;
	if (!json)
		return container_ps_table(argv + optind + 1, pids, n, stdout, err) < 0 ? -1 : 0;
	printf("[");
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)pids[i]);
	printf("]\n");
	return 0;
}

/* Sizes as runc accepts them: a number with an optional k/m/g/t suffix
 * (binary multiples, "b" optional), or -1 for unlimited. */
static int parse_size(const char *s, int64_t *ret)
{
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	int64_t mult = 1;

	if (end == s)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		mult = 1LL << 10;
		end++;
		break;
	case 'm':
		mult = 1LL << 20;
		end++;
		break;
	case 'g':
		mult = 1LL << 30;
		end++;
		break;
	case 't':
		mult = 1LL << 40;
		end++;
		break;
	}
	if (tolower((unsigned char)*end) == 'b')
		end++;
	if (*end || (v < 0 && v != -1))
		return -1;
	*ret = v * mult;
	return 0;
}

enum {
	U_MEM = 256,
	U_MEMRES,
	U_SWAP,
	U_SHARES,
	U_QUOTA,
	U_PERIOD,
	U_BURST,
	U_IDLE,
	U_RTPERIOD,
	U_RTRUNTIME,
	U_CPUS,
	U_MEMS,
	U_PIDS,
	U_BLKIO,
	U_RES,
	U_KMEM,
	U_KMEMTCP,
	U_L3,
	U_MEMBW
};

static int update_flag(int c, const char *arg, struct spec_resources *r, struct hutch_error **err)
{
	int64_t v = 0;
	bool is_size = c == U_MEM || c == U_MEMRES || c == U_SWAP || c == U_KMEM || c == U_KMEMTCP;
	bool is_str = c == U_CPUS || c == U_MEMS;

	if (is_size ? parse_size(arg, &v) < 0 : (!is_str && str_to_i64(arg, (long long *)&v) < 0))
		return herr_msg(err, "invalid value '%s'", arg);
	if (c == U_MEM || c == U_MEMRES || c == U_SWAP || c == U_KMEM || c == U_KMEMTCP) {
		if (!r->memory)
			r->memory = xcalloc(1, sizeof(*r->memory));
		struct opt_i64 *t = c == U_MEM      ? &r->memory->limit
		                    : c == U_MEMRES ? &r->memory->reservation
		                    : c == U_SWAP   ? &r->memory->swap
		                    : c == U_KMEM   ? &r->memory->kernel
		                                    : &r->memory->kernelTCP;
		*t = (struct opt_i64){true, v};
		return 0;
	}
	if (c == U_PIDS) {
		r->has_pids = true;
		r->pids_limit = (struct opt_i64){true, v};
		return 0;
	}
	if (c == U_BLKIO) {
		if (!r->blockIO)
			r->blockIO = xcalloc(1, sizeof(*r->blockIO));
		r->blockIO->weight = (struct opt_u64){true, (uint64_t)v};
		return 0;
	}
	if (!r->cpu)
		r->cpu = xcalloc(1, sizeof(*r->cpu));
	switch (c) {
	case U_SHARES:
		r->cpu->shares = (struct opt_u64){true, (uint64_t)v};
		break;
	case U_QUOTA:
		r->cpu->quota = (struct opt_i64){true, v};
		break;
	case U_PERIOD:
		r->cpu->period = (struct opt_u64){true, (uint64_t)v};
		break;
	case U_BURST:
		r->cpu->burst = (struct opt_u64){true, (uint64_t)v};
		break;
	case U_IDLE:
		r->cpu->idle = (struct opt_i64){true, v};
		break;
	case U_RTPERIOD:
		r->cpu->realtimePeriod = (struct opt_u64){true, (uint64_t)v};
		break;
	case U_RTRUNTIME:
		r->cpu->realtimeRuntime = (struct opt_i64){true, v};
		break;
	case U_CPUS:
		free(r->cpu->cpus);
		r->cpu->cpus = xstrdup(arg);
		break;
	case U_MEMS:
		free(r->cpu->mems);
		r->cpu->mems = xstrdup(arg);
		break;
	}
	return 0;
}

static struct spec_resources *read_resources(const char *path, struct hutch_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	/* /proc/self/fd/0 rather than /dev/stdin, which a minimal /dev may lack */
	if (fs_read_file_at(AT_FDCWD, strcmp(path, "-") == 0 ? "/proc/self/fd/0" : path, &text,
	                    &len, err) < 0)
		return NULL;
	return spec_parse_resources("resources", text, len, err);
}

static int parse_update(int argc, char **argv, struct spec_resources **ret,
                        struct hutch_error **err)
{
	static const struct option longopts[] = {
	    {"resources", required_argument, NULL, U_RES},
	    {"memory", required_argument, NULL, U_MEM},
	    {"memory-reservation", required_argument, NULL, U_MEMRES},
	    {"memory-swap", required_argument, NULL, U_SWAP},
	    {"kernel-memory", required_argument, NULL, U_KMEM},
	    {"kernel-memory-tcp", required_argument, NULL, U_KMEMTCP},
	    {"cpu-shares", required_argument, NULL, U_SHARES},
	    {"cpu-share", required_argument, NULL, U_SHARES},
	    {"cpu-quota", required_argument, NULL, U_QUOTA},
	    {"cpu-period", required_argument, NULL, U_PERIOD},
	    {"cpu-burst", required_argument, NULL, U_BURST},
	    {"cpu-idle", required_argument, NULL, U_IDLE},
	    {"cpu-rt-period", required_argument, NULL, U_RTPERIOD},
	    {"cpu-rt-runtime", required_argument, NULL, U_RTRUNTIME},
	    {"cpuset-cpus", required_argument, NULL, U_CPUS},
	    {"cpuset-mems", required_argument, NULL, U_MEMS},
	    {"pids-limit", required_argument, NULL, U_PIDS},
	    {"blkio-weight", required_argument, NULL, U_BLKIO},
	    {"l3-cache-schema", required_argument, NULL, U_L3},
	    {"mem-bw-schema", required_argument, NULL, U_MEMBW},
	    {NULL, 0, NULL, 0},
	};
	struct spec_resources *r = NULL;
	int c, li = 0;

	while ((c = getopt_long(argc, argv, "r:", longopts, &li)) != -1) {
		if (c == U_RES || c == 'r') {
			spec_resources_free(r);
			if (!(r = read_resources(optarg, err)))
				return -1;
			continue;
		}
		if (c == '?' || c == ':') {
			spec_resources_free(r);
			return herr_msg(err, "update: unknown or incomplete option '%s'",
			                argv[optind - 1]);
		}
		if (c == U_L3 || c == U_MEMBW) { /* runc's, for .linux.intelRdt */
			spec_resources_free(r);
			return herr_msg(err,
			                "update: --%s: Intel RDT (resctrl) is not supported by "
			                "this build",
			                longopts[li].name);
		}
		if (!r)
			r = xcalloc(1, sizeof(*r));
		if (update_flag(c, optarg, r, err) < 0) {
			spec_resources_free(r);
			return herr_prefix(err, "update");
		}
	}
	*ret = r ? r : xcalloc(1, sizeof(*r));
	return 0;
}

int cmd_update(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	struct spec_resources *r = NULL;
	int rc = -1;

	if (parse_update(argc, argv, &r, err) == 0 &&
	    cmd_check_args("update", argc, 1, 1, err) == 0)
		rc = container_update(g->root, argv[optind], r, err);
	spec_resources_free(r);
	return rc < 0 ? -1 : 0;
}

static int parse_interval(const char *s, long long *ret_ms)
{
	char *end = NULL;
	double v = strtod(s, &end);

	if (end == s || v <= 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		*ret_ms = (long long)v;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		*ret_ms = (long long)(v * 1000);
	else if (strcmp(end, "m") == 0)
		*ret_ms = (long long)(v * 60000);
	else
		return -1;
	return *ret_ms > 0 ? 0 : -1;
}

int cmd_events(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	static const struct option longopts[] = {{"stats", no_argument, NULL, 's'},
	                                         {"interval", required_argument, NULL, 'i'},
	                                         {NULL, 0, NULL, 0}};
	bool stats_once = false;
	long long interval = 5000;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 's')
			stats_once = true;
		else if (c == 'i' && parse_interval(optarg, &interval) == 0)
			continue;
		else
			return herr_msg(err, "events: invalid option '%s'", argv[optind - 1]);
	}
	if (cmd_check_args("events", argc, 1, 1, err) < 0)
		return -1;
	return container_events(g->root, argv[optind], stats_once, interval, stdout, err) < 0 ? -1
	                                                                                      : 0;
}
