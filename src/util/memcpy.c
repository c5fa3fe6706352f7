/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memcpy for builds against musl. musl's x86_64 memcpy copies with
 * `rep movsq` and single `movsb`s, whose start-up costs tens of cycles:
 * slow for the short copies hutch makes by the hundred per container
 * (every piece printf writes, every JSON token yajl buffers): half of the
 * CPU of `hutch list` went there. Short copies here are a few overlapping
 * loads and stores; long ones are `rep movsb`, fast on today's CPUs (ERMS).
 * memmove comes along, as musl's would bring musl's memcpy.
 * Built with -fno-builtin (meson.build), so that the compiler does not make
 * a call to memcpy of this very function. Empty with glibc. */
#include <stdlib.h>

#if !defined(__GLIBC__) && defined(__x86_64__)
#include <stdint.h>
#include <string.h>

#define LOAD(T, p)                                                                                 \
	({                                                                                         \
		T v_;                                                                              \
		__builtin_memcpy(&v_, (p), sizeof(T));                                             \
		v_;                                                                                \
	})
#define STORE(T, p, v) __builtin_memcpy((p), &(T){(v)}, sizeof(T))

/* Forward: every load of a piece comes before its store, and the last
 * piece is loaded first, so a destination below an overlapping source is
 * right too (memmove's forward case; rep movsb moves byte by byte). */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
	if (n >= 256) {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
		return;
	}
	if (n >= 16) {
		/* 16 bytes at a time, the last 16 overlapping what came before */
		uint64_t a = LOAD(uint64_t, s + n - 16), b = LOAD(uint64_t, s + n - 8);
		for (size_t i = 0; i + 16 <= n; i += 16) {
			STORE(uint64_t, d + i, LOAD(uint64_t, s + i));
			STORE(uint64_t, d + i + 8, LOAD(uint64_t, s + i + 8));
		}
		STORE(uint64_t, d + n - 16, a);
		STORE(uint64_t, d + n - 8, b);
	} else if (n >= 8) {
		uint64_t a = LOAD(uint64_t, s), b = LOAD(uint64_t, s + n - 8);
		STORE(uint64_t, d, a);
		STORE(uint64_t, d + n - 8, b);
	} else if (n >= 4) {
		uint32_t a = LOAD(uint32_t, s), b = LOAD(uint32_t, s + n - 4);
		STORE(uint32_t, d, a);
		STORE(uint32_t, d + n - 4, b);
	} else if (n >= 2) {
		uint16_t a = LOAD(uint16_t, s), b = LOAD(uint16_t, s + n - 2);
		STORE(uint16_t, d, a);
		STORE(uint16_t, d + n - 2, b);
	} else if (n == 1) {
		*d = *s;
	}
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

/* musl's memmove would bring its memcpy along (it jumps into it): this one
 * copies forward as memcpy does, backward 8 bytes at a time from the end
 * when the destination lies above an overlapping source. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n) {
		copy_forward(d, s, n);
		return dst;
	}
	while (n >= 8) {
		n -= 8;
		STORE(uint64_t, d + n, LOAD(uint64_t, s + n));
	}
	while (n--)
		d[n] = s[n];
	return dst;
}
#endif
