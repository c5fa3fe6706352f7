/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Content-addressed cache of compiled seccomp filters: <dir>/<sha256>.bpf,
 * so a container start does not pay for compiling a large profile again. */
#include "config.h"
#include "linux/seccomp_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CACHE_MAGIC       "HUTCHSF1"
#define CACHE_MAX_ENTRIES 64

struct cache_header {
	char magic[8];
	uint32_t flags;
	uint32_t notify;
	uint32_t len; /* instructions that follow */
	uint32_t reserved;
};

/* --- key: an unambiguous encoding (lengths before bytes, NULL distinct
 * from empty) of everything that shapes the compiled program ------------ */

static void feed_u64(struct sha256 *c, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	sha256_update(c, b, sizeof(b));
}

static void feed_str(struct sha256 *c, const char *s)
{
	feed_u64(c, s ? strlen(s) : UINT64_MAX);
	if (s)
		sha256_update(c, s, strlen(s));
}

static void feed_strv(struct sha256 *c, char *const *v)
{
	feed_u64(c, v ? strv_len(v) : UINT64_MAX);
	strv_foreach (s, v)
		feed_str(c, *s);
}

static void feed_u32v(struct sha256 *c, const uint32_t *v, size_t n)
{
	feed_u64(c, n);
	for (size_t i = 0; i < n; i++)
		feed_u64(c, v[i]);
}

static void feed_opt(struct sha256 *c, const struct opt_u64 *o)
{
	feed_u64(c, o->set);
	feed_u64(c, o->set ? o->value : 0);
}

static void feed_syscall(struct sha256 *c, const struct spec_seccomp_syscall *sc)
{
	feed_strv(c, sc->names);
	feed_u64(c, sc->action);
	feed_opt(c, &sc->errnoRet);
	feed_u64(c, sc->n_args);
	for (size_t k = 0; k < sc->n_args; k++) {
		feed_u64(c, sc->args[k].index);
		feed_u64(c, sc->args[k].value);
		feed_u64(c, sc->args[k].valueTwo);
		feed_u64(c, sc->args[k].op);
	}
}

void seccomp_cache_key(const struct spec_seccomp *s, char key[SECCOMP_CACHE_KEY_SIZE])
{
	struct sha256 c;
	struct utsname u;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&c);
	feed_str(&c, "hutch seccomp filter cache v2"); /* v2: names kept as their values */
	feed_str(&c, HUTCH_VERSION);
	feed_str(&c, seccomp_version_string());
	/* the kernel decides which flags and actions are available */
	if (uname(&u) == 0) {
		feed_str(&c, u.machine);
		feed_str(&c, u.release);
	}
	feed_u64(&c, s->defaultAction);
	feed_opt(&c, &s->defaultErrnoRet);
	feed_u32v(&c, s->architectures, s->n_architectures);
	feed_u32v(&c, s->flags, s->n_flags);
	feed_str(&c, s->listenerPath);
	feed_str(&c, s->listenerMetadata);
	feed_u64(&c, s->n_syscalls);
	for (size_t i = 0; i < s->n_syscalls; i++)
		feed_syscall(&c, &s->syscalls[i]);
	sha256_final(&c, digest);
	sha256_hex(digest, key);
}

/* --- entries ----------------------------------------------------------- */

static struct seccomp_filter *parse_entry(const char *buf, size_t size)
{
	struct seccomp_filter *f;
	struct cache_header h;

	if (size < sizeof(h))
		return NULL;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0 || h.notify > 1 || h.len == 0 ||
	    h.len > SECCOMP_MAX_INSNS || size != sizeof(h) + h.len * sizeof(struct sock_filter))
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->flags = h.flags;
	f->notify = h.notify;
	f->len = h.len;
	f->insns = xmalloc(h.len * sizeof(struct sock_filter));
	memcpy(f->insns, buf + sizeof(h), h.len * sizeof(struct sock_filter));
	return f;
}

/* Read exactly `size` bytes; false on error or short file. */
static bool read_exact(int fd, char *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, buf + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

struct seccomp_filter *seccomp_cache_read(const char *dir, const char *key)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.bpf", dir, key);
	_cleanup_close_ int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	struct seccomp_filter *f = NULL;
	struct stat st;
	size_t size;

	if (fd < 0)
		return NULL;
	/* the filter confines containers: only trust what this user wrote */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0022)) {
		log_debug("seccomp cache: ignoring %s (not a private regular file)", path);
		return NULL;
	}
	size = (size_t)st.st_size;
	if (size <= sizeof(struct cache_header) + SECCOMP_MAX_INSNS * sizeof(struct sock_filter)) {
		buf = xmalloc(size ? size : 1);
		if (read_exact(fd, buf, size))
			f = parse_entry(buf, size);
	}
	if (!f)
		log_debug("seccomp cache: ignoring invalid entry %s", path);
	return f;
}

static bool is_entry_name(const char *name)
{
	size_t l = strlen(name);

	return l > 4 && strcmp(name + l - 4, ".bpf") == 0;
}

/* Keep the directory bounded: when full, start over (entries are cheap to
 * rebuild and a running container never needs its entry again). */
static void evict_if_full(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		n += is_entry_name(de->d_name);
	if (n < CACHE_MAX_ENTRIES)
		return;
	log_debug("seccomp cache: %zu entries in %s, clearing", n, dir);
	rewinddir(d);
	while ((de = readdir(d)))
		if (is_entry_name(de->d_name))
			unlinkat(dirfd(d), de->d_name, 0);
}

void seccomp_cache_write(const char *dir, const char *key, const struct seccomp_filter *f)
{
	_cleanup_error_ struct hutch_error *err = NULL;
	_cleanup_free_ char *path = xasprintf("%s/%s.bpf", dir, key);
	size_t size = sizeof(struct cache_header) + f->len * sizeof(struct sock_filter);
	_cleanup_free_ char *buf = xcalloc(1, size);
	struct cache_header h = {.flags = f->flags, .notify = f->notify, .len = (uint32_t)f->len};

	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), f->insns, f->len * sizeof(struct sock_filter));
	if (fs_mkdir_p(dir, 0700, &err) < 0) {
		log_debug("seccomp cache: %s", err->msg);
		return;
	}
	evict_if_full(dir);
	if (fs_write_file_atomic(path, buf, size, 0600, &err) < 0)
		log_debug("seccomp cache: %s", err->msg);
}
