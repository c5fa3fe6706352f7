/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.oomScoreAdj through the verified procfs. */
#include "linux/oom.h"
#include "util/cleanup.h"
#include "util/procfs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int oom_set_score_adj(const struct spec_process *p, struct hutch_error **err)
{
	char buf[32];
	int n;

	if (!p->oomScoreAdj.set)
		return 0;
	n = snprintf(buf, sizeof(buf), "%lld", (long long)p->oomScoreAdj.value);
	if (procfs_write("self/oom_score_adj", buf, (size_t)n, err) == 0)
		return 0;
	if ((*err)->errnum == EACCES || (*err)->errnum == EPERM) {
		/* proc(5): below oom_score_adj_min (what a holder of
		 * CAP_SYS_RESOURCE last set, at most the current value) only such
		 * a holder may go, which a rootless runtime never is */
		_cleanup_free_ char *cur = NULL;
		struct hutch_error *e = NULL;
		if (procfs_read("self/oom_score_adj", &cur, NULL, &e) < 0)
			herr_free(e);
		if (cur)
			cur[strcspn(cur, "\n")] = '\0';
		return herr_prefix(err,
		                   "config.json: .process.oomScoreAdj: %s is below the current %s "
		                   "(lowering it needs CAP_SYS_RESOURCE)",
		                   buf, cur ? cur : "oom_score_adj");
	}
	return herr_prefix(err, "config.json: .process.oomScoreAdj: %s", buf);
}
