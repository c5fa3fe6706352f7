/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The malloc family and memcpy as hutch gets them: its own (src/util/alloc.c
 * and memcpy.c, linked in here) in a build against musl, glibc's otherwise. Blocks of
 * every size class and large ones keep their contents, alignment and
 * zeroing hold, freed blocks are reused, and growth keeps what was there. */
#include "tap.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool filled(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_sizes(void)
{
	enum { N = 400 };
	unsigned char *p[N];
	size_t sz[N];
	bool good = true;

	/* every class boundary region and beyond the small limit */
	for (int i = 0; i < N; i++) {
		sz[i] = i < 300 ? (size_t)i * 223 % 70000 : (size_t)(i - 299) * 4099;
		p[i] = malloc(sz[i]);
		good = good && p[i] && ((uintptr_t)p[i] % 16) == 0 &&
		       malloc_usable_size(p[i]) >= sz[i];
		if (p[i])
			memset(p[i], i & 0xff, sz[i]);
	}
	ok(good,
	   "400 blocks of 0 to 410 KiB: 16-byte aligned, usable size at least what was asked");
	good = true;
	for (int i = 0; i < N; i++)
		good = good && filled(p[i], sz[i], (unsigned char)(i & 0xff));
	ok(good, "no block overlaps another");
	for (int i = 0; i < N; i += 2)
		free(p[i]);
	for (int i = 0; i < N; i += 2) {
		p[i] = malloc(sz[i]);
		if (p[i])
			memset(p[i], 0xa5, sz[i]);
	}
	good = true;
	for (int i = 1; i < N; i += 2)
		good = good && filled(p[i], sz[i], (unsigned char)(i & 0xff));
	ok(good, "blocks freed and taken again leave their neighbours alone");
	for (int i = 0; i < N; i++)
		free(p[i]);
	free(NULL);
	ok(true, "free(NULL) does nothing");
}

static void test_reuse(void)
{
	void *a = malloc(1000), *b;

	free(a);
	b = malloc(1000);
	ok(b != NULL, "a block of a size just freed");
	free(b);
}

static void test_calloc(void)
{
	unsigned char *p = malloc(3000), *q;

	memset(p, 0xff, 3000);
	free(p);
	q = calloc(3, 1000);
	ok(q && filled(q, 3000, 0), "calloc zeroes a recycled block");
	free(q);
	q = calloc(1, 300000);
	ok(q && filled(q, 300000, 0), "calloc zeroes a large block");
	free(q);
	errno = 0;
	volatile size_t huge = SIZE_MAX / 2;
	ok(calloc(huge, 3) == NULL && errno == ENOMEM, "calloc refuses an overflowing size");
}

static void test_realloc(void)
{
	unsigned char *p = malloc(10);
	bool good = true;
	size_t n = 10;

	memset(p, 7, 10);
	for (int i = 0; i < 24 && p; i++) {
		size_t m = n * 2 + 3;
		p = realloc(p, m);
		good = good && p && filled(p, n, 7);
		if (p)
			memset(p + n, 7, m - n);
		n = m;
	}
	ok(good, "growing from 10 bytes to %zu keeps the contents", n);
	p = realloc(p, 100);
	ok(p && filled(p, 100, 7), "shrinking keeps the start");
	free(p);
	p = realloc(NULL, 50);
	ok(p != NULL, "realloc(NULL) allocates");
	free(p);
}

static void test_aligned(void)
{
	bool good = true;
	void *p;

	for (size_t al = 16; al <= 65536; al *= 4) {
		p = aligned_alloc(al, 100);
		good = good && p && (uintptr_t)p % al == 0;
		if (p)
			memset(p, 1, 100);
		free(p);
	}
	ok(good, "aligned_alloc from 16 to 64 KiB alignment");
	ok(posix_memalign(&p, 4096, 5000) == 0 && (uintptr_t)p % 4096 == 0, "posix_memalign");
	free(p);
	ok(posix_memalign(&p, 24, 10) == EINVAL, "posix_memalign refuses a non-power of two");
}

/* memcpy of every length to 600 bytes, at every misalignment of source
 * and destination, touches exactly the bytes it should */
static void test_memcpy(void)
{
	unsigned char src[700], dst[720];
	bool good = true;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (size_t n = 0; n <= 600 && good; n++)
		for (size_t so = 0; so < 8; so++)
			for (size_t dof = 0; dof < 8; dof++) {
				memset(dst, 0xee, sizeof(dst));
				void *r = memcpy(dst + 8 + dof, src + so, n);
				good = good && r == dst + 8 + dof &&
				       memcmp(dst + 8 + dof, src + so, n) == 0 &&
				       filled(dst, 8 + dof, 0xee) &&
				       filled(dst + 8 + dof + n, sizeof(dst) - 8 - dof - n, 0xee);
			}
	ok(good, "memcpy of 0 to 600 bytes at every alignment, nothing around touched");
	good = true;
	for (size_t n = 0; n <= 600 && good; n += (n < 40 ? 1 : 13))
		for (int shift = -20; shift <= 20; shift++) {
			unsigned char buf[700], want[700];
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = want[i] = (unsigned char)(i * 13 + 5);
			size_t from = 40, to = (size_t)((int)from + shift);
			for (size_t i = 0; i < n;
			     i++) /* what a byte-wise copy of the original gives */
				want[to + i] = (unsigned char)((from + i) * 13 + 5);
			memmove(buf + to, buf + from, n);
			good = good && memcmp(buf, want, sizeof(buf)) == 0;
		}
	ok(good, "memmove of 0 to 600 bytes over itself, 20 bytes either way");
}

int main(void)
{
	test_memcpy();
	test_sizes();
	test_reuse();
	test_calloc();
	test_realloc();
	test_aligned();
	return done_testing();
}
