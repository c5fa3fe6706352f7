/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch features: print the OCI features document. */
#include "cmd/common.h"
#include "core/features.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_features(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	char *text;

	(void)argv;
	(void)g;
	if (argc > 1)
		return herr_msg(err, "\"features\" takes no arguments");
	text = features_json();
	printf("%s\n", text);
	free(text);
	return 0;
}
