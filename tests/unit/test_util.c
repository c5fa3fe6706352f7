/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for util/: errors, strings, JSON escaping. */
#include "tap.h"
#include "util/error.h"
#include "util/log.h"
#include "util/str.h"

#include <errno.h>
#include <stdlib.h>

static void test_errors(void)
{
	struct hutch_error *err = NULL;

	ok(herr_errno(&err, ENOENT, "open %s", "/x") == -1, "herr_errno returns -1");
	is_str(err->msg, "open /x: No such file or directory", "errno message");
	herr_prefix(&err, "create %s", "c1");
	is_str(err->msg, "create c1: open /x: No such file or directory", "prefix keeps cause");
	ok(err->errnum == ENOENT, "errnum kept");
	char *bare = herr_without_cause(err);
	is_str(bare, "create c1: open /x", "without its cause");
	free(bare);
	herr_freep(&err);
	ok(err == NULL, "freep clears");
	herr_msg(&err, "no errno: Permission denied");
	bare = herr_without_cause(err);
	is_str(bare, "no errno: Permission denied", "a message without errno stays whole");
	free(bare);
	herr_freep(&err);
}

static void test_str(void)
{
	unsigned long long u;
	long long i;
	char **v = NULL;
	char buf[64];

	ok(str_to_u64("18446744073709551615", &u) == 0 && u == 18446744073709551615ULL,
	   "u64 max exact");
	ok(str_to_u64("18446744073709551616", &u) < 0, "u64 overflow rejected");
	ok(str_to_u64("-1", &u) < 0, "negative rejected as u64");
	ok(str_to_i64("-9223372036854775808", &i) == 0, "i64 min");
	strv_push(&v, "a");
	strv_push(&v, "b");
	ok(strv_len(v) == 2 && strv_contains(v, "b"), "strv push/contains");
	strv_free(v);
	json_escape_into(buf, "a\"b\\\n\x01");
	is_str(buf, "a\\\"b\\\\\\n\\u0001", "json escape");
}

int main(void)
{
	test_errors();
	test_str();
	return done_testing();
}
