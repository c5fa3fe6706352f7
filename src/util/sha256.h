/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 (FIPS 180-4), for the seccomp filter cache's keys. */
#ifndef HUTCH_UTIL_SHA256_H
#define HUTCH_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE    (2 * SHA256_DIGEST_SIZE + 1)

struct sha256 {
	uint32_t h[8];
	uint64_t bytes; /* hashed so far */
	uint8_t block[64];
	size_t used; /* of block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* The digest of everything given; c must be initialized again to be reused. */
void sha256_final(struct sha256 *c, uint8_t digest[SHA256_DIGEST_SIZE]);
/* The digest in lower-case hexadecimal, NUL-terminated. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

#endif
