/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch's malloc for builds against musl, whose allocator gives memory back
 * to the kernel as it goes: about 90 mmap, munmap and madvise calls per
 * `run` for blocks freed and wanted again a moment later. hutch is
 * short-lived and single-threaded (no thread anywhere; a clone gets its own
 * copy), so a simple allocator fits it better:
 *
 * - up to 64 KiB, 80 size classes (16-byte steps to 256, then eight per
 *   doubling, so at most 12.5% is lost to rounding), carved from arenas
 *   mapped as needed and never unmapped; a freed block goes on its class's
 *   list and is the next one of that class handed out;
 * - above that (and for alignments over 16), a mapping of its own, unmapped
 *   when freed and grown in place by mremap.
 *
 * Every block has a 16-byte header. Not built with glibc (its allocator
 * keeps its memory), nor into the unit tests but test_alloc. */
#include <stdlib.h>

#ifndef __GLIBC__
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ALIGNMENT 16
#define SMALL_MAX ((size_t)64 * 1024)
#define N_CLASS   80
#define LARGE     UINT32_MAX
#define ARENA_MIN ((size_t)256 * 1024)
#define ARENA_MAX ((size_t)8 * 1024 * 1024)

struct header {
	size_t size;  /* a large block: the length of its mapping */
	uint32_t off; /* a large block: from its mapping's start to the block */
	uint32_t cls; /* the size class, or LARGE */
};
_Static_assert(sizeof(struct header) == ALIGNMENT, "the header keeps blocks aligned");

static void *free_list[N_CLASS];
static char *arena, *arena_end;
static size_t arena_next = ARENA_MIN;

static size_t class_size(unsigned c)
{
	if (c < 16)
		return (c + 1) * (size_t)16;
	size_t base = (size_t)256 << ((c - 16) / 8);
	return base + base / 8 * ((c - 16) % 8 + 1);
}

static unsigned class_of(size_t n)
{
	if (n <= 256)
		return n ? (unsigned)((n + 15) / 16 - 1) : 0;
	unsigned d = (unsigned)(63 - __builtin_clzl((unsigned long)((n - 1) >> 8)));
	size_t base = (size_t)256 << d, step = base / 8;
	return 16 + d * 8 + (unsigned)((n - base + step - 1) / step) - 1;
}

static struct header *header_of(void *p)
{
	return (struct header *)p - 1;
}

static void *map(size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

static size_t page_round(size_t n, int *overflow)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	*overflow = n > SIZE_MAX - page;
	return (n + page - 1) & ~(page - 1);
}

/* A block of its own mapping, aligned to `align` (a power of two >= 16). */
static void *large_alloc(size_t n, size_t align)
{
	int overflow = 0;
	size_t len;
	char *m, *p;

	if (n > SIZE_MAX / 2 || align > ((size_t)1 << 30)) {
		errno = ENOMEM;
		return NULL;
	}
	len = page_round(n + align + sizeof(struct header), &overflow);
	if (overflow || !(m = map(len)))
		return NULL;
	p = (char *)(((uintptr_t)m + sizeof(struct header) + align - 1) & ~(uintptr_t)(align - 1));
	*header_of(p) = (struct header){.size = len, .off = (uint32_t)(p - m), .cls = LARGE};
	return p;
}

static void *small_alloc(unsigned c)
{
	size_t need = sizeof(struct header) + class_size(c);
	char *p;

	if (free_list[c]) {
		p = free_list[c];
		free_list[c] = *(void **)p;
		return p;
	}
	if ((size_t)(arena_end - arena) < need) {
		size_t len = arena_next;
		char *m = map(len);
		if (!m)
			return NULL;
		arena = m;
		arena_end = m + len;
		if (arena_next < ARENA_MAX)
			arena_next *= 2;
	}
	p = arena + sizeof(struct header);
	arena += need;
	*header_of(p) = (struct header){.size = 0, .off = 0, .cls = c};
	return p;
}

void *malloc(size_t n)
{
	return n > SMALL_MAX ? large_alloc(n, ALIGNMENT) : small_alloc(class_of(n));
}

void free(void *p)
{
	struct header *h;

	if (!p)
		return;
	h = header_of(p);
	if (h->cls == LARGE) {
		munmap((char *)p - h->off, h->size);
		return;
	}
	*(void **)p = free_list[h->cls];
	free_list[h->cls] = p;
}

size_t malloc_usable_size(void *p)
{
	struct header *h;

	if (!p)
		return 0;
	h = header_of(p);
	return h->cls == LARGE ? h->size - h->off : class_size(h->cls);
}

void *calloc(size_t a, size_t b)
{
	size_t n;
	void *p;

	if (__builtin_mul_overflow(a, b, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(n);
	if (p && n <= SMALL_MAX) /* a fresh mapping is zeroed already */
		memset(p, 0, n);
	return p;
}

void *realloc(void *p, size_t n)
{
	size_t have;
	void *q;

	if (!p)
		return malloc(n);
	have = malloc_usable_size(p);
	if (n <= have)
		return p;
	struct header *h = header_of(p);
	if (h->cls == LARGE && h->off == sizeof(struct header)) {
		int overflow = 0;
		size_t len = page_round(n + sizeof(struct header), &overflow);
		char *m = overflow ? MAP_FAILED
		                   : mremap((char *)p - h->off, h->size, len, MREMAP_MAYMOVE);
		if (m == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		header_of(m + sizeof(struct header))->size = len;
		return m + sizeof(struct header);
	}
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}

void *aligned_alloc(size_t align, size_t n)
{
	if (align == 0 || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	return align <= ALIGNMENT ? malloc(n) : large_alloc(n, align);
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}

int posix_memalign(void **ret, size_t align, size_t n)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = aligned_alloc(align, n);
	if (!p)
		return ENOMEM;
	*ret = p;
	return 0;
}
#endif
