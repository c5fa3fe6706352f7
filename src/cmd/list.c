/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch list: every container under --root, as a table, JSON or ids. */
#include "cmd/common.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum list_format { LIST_TABLE, LIST_JSON, LIST_QUIET };

static void list_one(enum list_format fmt, json_gen *g, const struct container_state *st,
                     enum container_status status)
{
	if (fmt == LIST_QUIET) {
		printf("%s\n", st->id);
	} else if (fmt == LIST_JSON) {
		state_gen_oci(g, st, status);
	} else {
		printf("%-12s %-8d %-10s %-40s %-32s %s\n", st->id,
		       status == STATUS_STOPPED ? 0 : (int)st->pid, status_name(status), st->bundle,
		       st->created, "root");
	}
}

static int parse_format(int argc, char **argv, enum list_format *fmt, struct hutch_error **err)
{
	static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
	                                         {"quiet", no_argument, NULL, 'q'},
	                                         {NULL, 0, NULL, 0}};
	int c;

	*fmt = LIST_TABLE;
	while ((c = getopt_long(argc, argv, "f:q", longopts, NULL)) != -1) {
		if (c == 'q')
			*fmt = LIST_QUIET;
		else if (c == 'f' && strcmp(optarg, "json") == 0)
			*fmt = LIST_JSON;
		else if (c == 'f' && strcmp(optarg, "table") == 0)
			*fmt = *fmt == LIST_QUIET ? LIST_QUIET : LIST_TABLE;
		else if (c == 'f')
			return herr_msg(err, "invalid format option '%s': expected table or json",
			                optarg);
		else
			return herr_msg(err, "list: unknown option '%s'", argv[optind - 1]);
	}
	return cmd_check_args("list", argc, 0, 0, err);
}

int cmd_list(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	_cleanup_strv_ char **ids = NULL;
	enum list_format fmt;
	json_gen *jg = NULL;

	if (parse_format(argc, argv, &fmt, err) < 0)
		return -1;
	ids = container_list_ids(g->root);
	if (fmt == LIST_JSON) {
		jg = json_gen_new(false);
		json_gen_array_open(jg);
	} else if (fmt == LIST_TABLE) {
		printf("%-12s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	}
	strv_foreach (id, ids) {
		struct hutch_error *e = NULL;
		struct container c = {.dir = STATE_DIR_INIT};

		if (container_open(g->root, *id, CONTAINER_PEEK, &c, &e) < 0) {
			herr_freep(&e); /* deleted meanwhile */
			continue;
		}
		list_one(fmt, jg, c.st, c.status);
		container_close(&c);
	}
	if (jg) {
		json_gen_array_close(jg);
		_cleanup_free_ char *text = json_gen_text(jg, NULL);
		printf("%s\n", text);
		json_gen_free(jg);
	}
	return 0;
}
