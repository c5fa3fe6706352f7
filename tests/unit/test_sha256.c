/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for util/sha256: FIPS 180-4 / NIST example vectors and
 * incremental feeding across block boundaries. */
#include "tap.h"
#include "util/sha256.h"

#include <stdlib.h>
#include <string.h>

static void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, out);
}

static void check(const char *msg, const char *want)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];

	sha256(msg, strlen(msg), d);
	sha256_to_hex(d, hex);
	is_str(hex, want, msg[0] ? msg : "(empty)");
}

static void test_vectors(void)
{
	check("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
	      "nopqrlmnopqrsmnopqrstnopqrstu",
	      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a_incremental(void)
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	char chunk[997];
	size_t left = 1000000;

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&c);
	while (left > 0) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		sha256_update(&c, chunk, n);
		left -= n;
	}
	sha256_final(&c, d);
	sha256_to_hex(d, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "one million 'a' fed in odd-sized chunks");
}

static void test_lengths_around_padding(void)
{
	/* 55, 56, 63, 64 bytes: one-shot and byte-at-a-time must agree */
	char msg[65];
	bool same = true;

	memset(msg, 'x', sizeof(msg));
	for (size_t len = 50; len <= 65; len++) {
		uint8_t a[SHA256_DIGEST_SIZE], b[SHA256_DIGEST_SIZE];
		struct sha256_ctx c;

		sha256(msg, len, a);
		sha256_init(&c);
		for (size_t i = 0; i < len; i++)
			sha256_update(&c, msg + i, 1);
		sha256_final(&c, b);
		same = same && memcmp(a, b, sizeof(a)) == 0;
	}
	ok(same, "byte-at-a-time equals one-shot for 50..65 bytes");
}

int main(void)
{
	test_vectors();
	test_million_a_incremental();
	test_lengths_around_padding();
	return done_testing();
}
