/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For the protocol tests: receive one message and require its type, as the
 * runtime's two sides do (spawn/sync.h: sync_recv, then sync_check). */
#ifndef HUTCH_TEST_SYNC_EXPECT_H
#define HUTCH_TEST_SYNC_EXPECT_H

#include "spawn/sync.h"

/* 0 with *ret (or the message dropped when ret is NULL), or -1 with *err. */
static inline int sync_expect(int sock, enum sync_type type, struct sync_msg *ret,
                              struct hutch_error **err)
{
	struct sync_msg m = {.fd = -1};

	if (sync_recv(sock, &m, err) < 0)
		return -1;
	if (sync_check(&m, type, err) < 0) {
		sync_msg_clear(&m);
		return -1;
	}
	if (ret)
		*ret = m;
	else
		sync_msg_clear(&m);
	return 0;
}

#endif
