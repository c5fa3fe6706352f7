/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 (FIPS 180-4), incremental, for content-addressed caches.
 * Not constant-time with respect to anything secret; do not use for MACs. */
#ifndef HUTCH_UTIL_SHA256_H
#define HUTCH_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE    (2 * SHA256_DIGEST_SIZE + 1)

struct sha256_ctx {
	uint32_t state[8];
	uint64_t bytes; /* total bytes fed so far */
	uint8_t buf[64];
	size_t buf_len;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* Write the digest to out; the context must be re-initialised before reuse. */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);

/* 64 lowercase hex digits and a NUL. */
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

#endif
