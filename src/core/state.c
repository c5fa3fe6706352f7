/* SPDX-License-Identifier: GPL-2.0-or-later */
/* State directory, locking, atomic state.json, and status derivation. */
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

const char *status_name(enum container_status s)
{
	static const char *const names[] = {"creating", "created", "running", "paused", "stopped"};
	return names[s];
}

int state_validate_id(const char *id, struct hutch_error **err)
{
	if (!id || !*id)
		return herr_msg(err, "container id cannot be empty");
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strlen(id) > 1024)
		return herr_msg(err, "invalid container id format: %s", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		bool okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '.';
		if (!okc)
			return herr_msg(err, "invalid container id format: %s", id);
	}
	return 0;
}

/* F_SETLKW on the whole file. POSIX record locks, unlike flock(2), are not
 * inherited by children nor held by fds passed on (fcntl(2), "Record
 * locking"): see state.h. */
static int lock_file(int fd, const char *path, struct hutch_error **err)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	while (fcntl(fd, F_SETLKW, &fl) < 0) {
		if (errno != EINTR)
			return herr_errno(err, errno, "lock %s", path);
	}
	return 0;
}

void state_dir_close(struct state_dir *d)
{
	if (d->lockfd >= 0)
		close(d->lockfd);
	if (d->dirfd >= 0)
		close(d->dirfd);
	d->lockfd = d->dirfd = -1;
}

int state_dir_create(const char *root, const char *id, struct state_dir *ret,
                     struct hutch_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, id);
	struct state_dir d = STATE_DIR_INIT;
	int r = mkdir(path, 0700);

	/* the root is missing only before the first container: make it then,
	 * not one mkdir per component of it every time */
	if (r < 0 && errno == ENOENT) {
		if (fs_mkdir_p(root, 0700, err) < 0)
			return herr_prefix(err, "create state root");
		r = mkdir(path, 0700);
	}
	if (r < 0) {
		if (errno == EEXIST)
			return herr_msg(err, "container with id exists: %s", id);
		return herr_errno(err, errno, "mkdir %s", path);
	}
	d.dirfd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d.dirfd < 0)
		return herr_errno(err, errno, "open %s", path);
	/* a delete --force that removed the directory in the instant before
	 * this leaves nothing to create the file in (ENOENT) */
	d.lockfd = openat(d.dirfd, STATE_LOCK, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (d.lockfd < 0 || lock_file(d.lockfd, path, err) < 0) {
		if (d.lockfd < 0)
			herr_errno(err, errno, "create %s/%s", path, STATE_LOCK);
		state_dir_close(&d);
		return -1;
	}
	*ret = d;
	return 0;
}

static int open_dir(const char *root, const char *id, struct state_dir *d, struct hutch_error **err)
{
	_cleanup_free_ char *path = NULL;

	if (state_validate_id(id, err) < 0)
		return -1;
	path = xasprintf("%s/%s", root, id);
	d->dirfd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0) {
		if (errno == ENOENT)
			return herr_raw(err, ENOENT, "container does not exist");
		return herr_errno(err, errno, "open %s", path);
	}
	return 0;
}

int state_dir_lock(const char *root, const char *id, struct state_dir *ret,
                   struct hutch_error **err)
{
	struct state_dir d = STATE_DIR_INIT;
	struct stat st;

	if (open_dir(root, id, &d, err) < 0)
		return -1;
	d.lockfd = openat(d.dirfd, STATE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d.lockfd < 0) {
		/* ENOENT: the directory was removed under us */
		int e = errno;
		state_dir_close(&d);
		if (e == ENOENT)
			return herr_raw(err, ENOENT, "container does not exist");
		return herr_errno(err, e, "open %s/%s/%s", root, id, STATE_LOCK);
	}
	if (lock_file(d.lockfd, id, err) < 0) {
		state_dir_close(&d);
		return -1;
	}
	/* deleted while we waited for the lock */
	if (fstat(d.lockfd, &st) < 0 || st.st_nlink == 0) {
		state_dir_close(&d);
		return herr_raw(err, ENOENT, "container does not exist");
	}
	*ret = d;
	return 0;
}

int state_dir_peek(const char *root, const char *id, struct state_dir *ret, bool *ret_busy,
                   struct hutch_error **err)
{
	struct state_dir d = STATE_DIR_INIT;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	_cleanup_close_ int fd = -1;

	if (open_dir(root, id, &d, err) < 0)
		return -1;
	/* F_GETLK reports a lock another process holds; a create that has made
	 * the directory but not yet its lock file counts as holding it */
	fd = openat(d.dirfd, STATE_LOCK, O_RDONLY | O_CLOEXEC);
	*ret_busy = fd < 0 ? errno == ENOENT : fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
	*ret = d;
	return 0;
}

/* Remove what the directory dirfd holds, sub-directories too, following no
 * symlink; consumes dirfd. */
static void remove_contents(int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0 || errno != EISDIR)
			continue;
		int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			remove_contents(sub);
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		}
	}
	closedir(d);
}

void state_dir_remove(const char *root, const char *id)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", root, id);
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	remove_contents(fd);
	rmdir(path);
}

static void gen_annotations(json_gen *g, const struct container_state *st)
{
	json_gen_string(g, "annotations");
	json_gen_map_open(g);
	for (size_t i = 0; i < st->n_annotations; i++)
		json_gen_kv_string(g, st->annotations[i].key, st->annotations[i].value);
	json_gen_map_close(g);
}

static void gen_state(json_gen *g, const struct container_state *st)
{
	json_gen_map_open(g);
	json_gen_kv_string(g, "id", st->id);
	json_gen_kv_string(g, "bundle", st->bundle);
	json_gen_kv_string(g, "rootfs", st->rootfs);
	json_gen_kv_int(g, "pid", st->pid);
	json_gen_kv_uint(g, "pidStart", st->pid_start);
	if (st->pid_ino)
		json_gen_kv_uint(g, "pidIno", st->pid_ino);
	json_gen_kv_string(g, "created", st->created);
	json_gen_kv_string(g, "cgroup", st->cgroup);
	json_gen_kv_bool(g, "creating", st->creating);
	json_gen_kv_bool(g, "paused", st->paused);
	gen_annotations(g, st);
	json_gen_map_close(g);
}

static int fill_state(int fd, void *arg)
{
	json_gen *g = json_gen_new_fd(fd, false);
	int r, e;

	gen_state(g, arg);
	r = json_gen_flush(g);
	e = errno;
	json_gen_free(g);
	errno = e;
	return r;
}

/* Generated straight into the new file (a state with many annotations is
 * not held twice), then renamed over state.json. */
int state_write(int dirfd, const struct container_state *st, struct hutch_error **err)
{
	if (fs_replace_atomic_at(dirfd, "state.json", 0600, fill_state, (void *)st, err) < 0)
		return herr_prefix(err, "write state");
	return 0;
}

static char *dup_field(const json_node *root, const char *key)
{
	const char *s = json_string(json_object_get(root, key));
	return s ? xstrdup(s) : NULL;
}

static unsigned long long num_field(const json_node *root, const char *key)
{
	const char *t = json_number_text(json_object_get(root, key));
	unsigned long long v = 0;

	if (t)
		str_to_u64(t, &v);
	return v;
}

int state_read(int dirfd, struct container_state **ret, struct hutch_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_node *root = NULL;
	struct container_state *st;
	json_node *ann;
	size_t len;

	if (fs_read_file_at(dirfd, "state.json", &text, &len, err) < 0)
		return herr_prefix(err, "read state");
	root = json_parse("state.json", text, len, err);
	if (!root || json_type_of(root) != JSON_OBJECT)
		return herr_msg(err, "state.json is corrupt");
	st = xcalloc(1, sizeof(*st));
	st->id = dup_field(root, "id");
	st->bundle = dup_field(root, "bundle");
	st->rootfs = dup_field(root, "rootfs");
	st->created = dup_field(root, "created");
	st->cgroup = dup_field(root, "cgroup");
	st->pid = (pid_t)num_field(root, "pid");
	st->pid_start = num_field(root, "pidStart");
	st->pid_ino = num_field(root, "pidIno");
	st->creating = json_bool(json_object_get(root, "creating"));
	st->paused = json_bool(json_object_get(root, "paused"));
	ann = json_object_get(root, "annotations");
	st->n_annotations = json_len(ann);
	st->annotations = xcalloc(st->n_annotations + 1, sizeof(struct spec_kv));
	for (size_t i = 0; i < st->n_annotations; i++) {
		const char *v = json_string(json_object_value(ann, i));
		st->annotations[i].key = xstrdup(json_object_key(ann, i));
		st->annotations[i].value = xstrdup(v ? v : "");
	}
	*ret = st;
	return 0;
}

void state_free(struct container_state *st)
{
	if (!st)
		return;
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup);
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	free(st);
}

void state_freep(struct container_state **st)
{
	state_free(*st);
	*st = NULL;
}

int proc_stat(pid_t pid, unsigned long long *ret_start, char *ret_state)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: parse after the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	if (ret_state)
		*ret_state = *p;
	/* fields after comm: 3=state ... 22=starttime, i.e. the 20th from here */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	if (ret_start)
		*ret_start = strtoull(p, NULL, 10);
	return 0;
}

bool proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long s;
	char state;

	if (pid <= 0 || proc_stat(pid, &s, &state) < 0)
		return false;
	return state != 'Z' && state != 'X' && s == start;
}

#ifndef PID_FS_MAGIC
#define PID_FS_MAGIC 0x50494446 /* linux/magic.h, Linux 6.9 */
#endif

unsigned long long pidfd_ino(int pidfd)
{
	struct statfs sfs;
	struct stat sb;

	/* before pidfs, every pidfd is the one anon inode: no identity */
	if (pidfd < 0 || fstatfs(pidfd, &sfs) < 0 || sfs.f_type != PID_FS_MAGIC ||
	    fstat(pidfd, &sb) < 0)
		return 0;
	return (unsigned long long)sb.st_ino;
}

unsigned long long proc_pid_ino(pid_t pid)
{
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return pidfd_ino(fd);
}

bool state_pidfd_is_init(int pidfd, const struct container_state *st)
{
	if (pidfd < 0 || !proc_alive(st->pid, st->pid_start))
		return false;
	return !st->pid_ino || pidfd_ino(pidfd) == st->pid_ino;
}

bool state_init_alive(const struct container_state *st)
{
	_cleanup_close_ int fd = -1;

	if (!st->pid_ino)
		return proc_alive(st->pid, st->pid_start);
	fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	return state_pidfd_is_init(fd, st);
}

enum container_status state_status(int dirfd, const struct container_state *st, bool busy)
{
	if (st->creating)
		return busy ? STATUS_CREATING : STATUS_STOPPED;
	if (!state_init_alive(st))
		return STATUS_STOPPED;
	if (st->paused) /* a created container can be paused too (as runc) */
		return STATUS_PAUSED;
	if (faccessat(dirfd, STATE_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return STATUS_CREATED;
	return STATUS_RUNNING;
}

void state_gen_oci(json_gen *g, const struct container_state *st, enum container_status status)
{
	json_gen_map_open(g);
	json_gen_kv_string(g, "ociVersion", "1.3.0");
	json_gen_kv_string(g, "id", st->id);
	json_gen_kv_int(g, "pid", status == STATUS_STOPPED ? 0 : st->pid);
	json_gen_kv_string(g, "status", status_name(status));
	json_gen_kv_string(g, "bundle", st->bundle);
	json_gen_kv_string(g, "rootfs", st->rootfs);
	json_gen_kv_string(g, "created", st->created);
	json_gen_kv_string(g, "owner", "");
	gen_annotations(g, st);
	json_gen_map_close(g);
}

static void indent_line(FILE *f, int depth)
{
	fputc('\n', f);
	for (int i = 0; i < depth; i++)
		fputc('\t', f);
}

/* Indent compact JSON with tabs, one member per line. An empty object or
 * array stays "{}" / "[]" (yajl's beautifier splits it over two lines). */
static char *json_indent(const char *in)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	bool in_str = false, esc = false;
	int depth = 0;

	if (!f)
		abort(); /* out of memory, as the x* allocators */
	for (const char *p = in; *p; p++) {
		char ch = *p;
		if (in_str) {
			fputc(ch, f);
			in_str = esc || ch != '"';
			esc = !esc && ch == '\\';
			continue;
		}
		if ((ch == '{' || ch == '[') && p[1] == (ch == '{' ? '}' : ']')) {
			fputc(ch, f);
			fputc(*++p, f);
			continue;
		}
		if (ch == '}' || ch == ']')
			indent_line(f, --depth);
		fputc(ch, f);
		if (ch == ':')
			fputc(' ', f);
		else if (ch == '{' || ch == '[')
			indent_line(f, ++depth);
		else if (ch == ',')
			indent_line(f, depth);
		in_str = ch == '"';
	}
	fclose(f);
	return out;
}

char *state_oci_json(const struct container_state *st, enum container_status status, bool pretty)
{
	json_gen *g = json_gen_new(false);
	char *text;

	state_gen_oci(g, st, status);
	text = json_gen_text(g, NULL);
	json_gen_free(g);
	if (pretty) {
		char *p = json_indent(text);
		free(text);
		text = p;
	}
	return text;
}

/* The UTC calendar date of a day count since 1970-01-01 (the proleptic
 * Gregorian calendar in 400-year eras). gmtime_r would do, but glibc reads
 * the time zone (/etc/localtime) on its first call, which UTC never needs. */
static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

char *rfc3339_utc(long long secs, long nsec)
{
	long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400, y;
	unsigned sod = (unsigned)(secs - days * 86400), m, d;

	civil_from_days(days, &y, &m, &d);
	return xasprintf("%04lld-%02u-%02uT%02u:%02u:%02u.%09ldZ", y, m, d, sod / 3600,
	                 sod / 60 % 60, sod % 60, nsec);
}

char *now_rfc3339(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return rfc3339_utc((long long)ts.tv_sec, ts.tv_nsec);
}
