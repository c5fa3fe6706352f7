/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal D-Bus client (dbus.h). The D-Bus Specification is the
 * reference: "Message Format" for the marshalling (every value aligned to
 * its size from the start of the message, the body starting on an 8-byte
 * boundary), "Authentication Protocol" for the EXTERNAL handshake, "Server
 * Addresses" for the bus address, and the message bus's Hello, which must be
 * the first call. */
#include "linux/cgroup/dbus.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The longest message read back: systemd's replies are a few hundred
 * bytes; the specification's own limit is 128 MiB. */
#define DBUS_MSG_MAX    (4u << 20)
#define DBUS_TIMEOUT_MS 25000 /* sd-bus's default for a method call */

enum { MSG_CALL = 1, MSG_RETURN = 2, MSG_ERROR = 3 };
enum {
	F_PATH = 1,
	F_INTERFACE = 2,
	F_MEMBER = 3,
	F_ERROR_NAME = 4,
	F_REPLY_SERIAL = 5,
	F_DESTINATION = 6,
	F_SIGNATURE = 8,
};

struct dbus {
	int fd;
	uint32_t serial;
	unsigned char *in; /* bytes read and not yet consumed */
	size_t in_len, in_cap;
};

/* --- Building ---------------------------------------------------------------- */

static void put(struct dbus_msg *m, const void *data, size_t n)
{
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2 + 64;
		m->body = xrealloc(m->body, m->cap);
	}
	memcpy(m->body + m->len, data, n);
	m->len += n;
}

static void pad(struct dbus_msg *m, size_t align)
{
	static const char zeros[8];

	put(m, zeros, (align - m->len % align) % align);
}

/* Every message goes out little-endian ('l'), whatever the host's order. */
static void le_bytes(unsigned char *out, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(v >> (8 * i));
}

void dbus_put_u32(struct dbus_msg *m, uint32_t v)
{
	unsigned char b[4];

	pad(m, 4);
	le_bytes(b, v, 4);
	put(m, b, 4);
}

void dbus_put_u64(struct dbus_msg *m, uint64_t v)
{
	unsigned char b[8];

	pad(m, 8);
	le_bytes(b, v, 8);
	put(m, b, 8);
}

void dbus_put_bool(struct dbus_msg *m, bool v)
{
	dbus_put_u32(m, v ? 1 : 0);
}

void dbus_put_string(struct dbus_msg *m, const char *s)
{
	dbus_put_u32(m, (uint32_t)strlen(s));
	put(m, s, strlen(s) + 1);
}

void dbus_put_signature(struct dbus_msg *m, const char *sig)
{
	unsigned char n = (unsigned char)strlen(sig);

	put(m, &n, 1);
	put(m, sig, (size_t)n + 1);
}

size_t dbus_array_open(struct dbus_msg *m, size_t elem_align)
{
	size_t at;

	dbus_put_u32(m, 0);
	at = m->len - 4;
	pad(m, elem_align); /* there even when the array stays empty */
	return at;
}

void dbus_array_close(struct dbus_msg *m, size_t at, size_t elem_align)
{
	size_t start = at + 4 + (elem_align - (at + 4) % elem_align) % elem_align;

	le_bytes((unsigned char *)m->body + at, m->len - start, 4);
}

void dbus_struct_open(struct dbus_msg *m)
{
	pad(m, 8);
}

void dbus_msg_free(struct dbus_msg *m)
{
	free(m->body);
	m->body = NULL;
	m->len = m->cap = 0;
}

/* One header field: a struct of its code and a variant. */
static void put_field(struct dbus_msg *h, unsigned char code, const char *type, const char *s)
{
	dbus_struct_open(h);
	put(h, &code, 1);
	dbus_put_signature(h, type);
	if (strcmp(type, "g") == 0)
		dbus_put_signature(h, s);
	else
		dbus_put_string(h, s);
}

char *dbus_marshal_call(const struct dbus_msg *m, const char *sig, uint32_t serial, size_t *ret_len)
{
	struct dbus_msg h = {0};
	const unsigned char fixed[4] = {'l', MSG_CALL, 0, 1};
	size_t fields;

	put(&h, fixed, 4);
	dbus_put_u32(&h, (uint32_t)m->len);
	dbus_put_u32(&h, serial);
	fields = dbus_array_open(&h, 8);
	put_field(&h, F_PATH, "o", m->path);
	if (m->iface)
		put_field(&h, F_INTERFACE, "s", m->iface);
	put_field(&h, F_MEMBER, "s", m->member);
	if (m->dest)
		put_field(&h, F_DESTINATION, "s", m->dest);
	if (*sig)
		put_field(&h, F_SIGNATURE, "g", sig);
	dbus_array_close(&h, fields, 8);
	pad(&h, 8);
	if (m->len)
		put(&h, m->body, m->len);
	*ret_len = h.len;
	return h.body;
}

/* --- Reading ----------------------------------------------------------------- */

/* A received message, its header fields found. */
struct dbus_in {
	const unsigned char *p;
	size_t len, body;
	bool big;
	unsigned type;
	uint32_t reply_serial;
	bool has_reply_serial;
	const char *error_name, *sig;
};

static uint32_t get_u32(const unsigned char *p, bool big)
{
	if (big)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static size_t align_up(size_t off, size_t a)
{
	return (off + a - 1) / a * a;
}

/* A string ("s", "o": u32 length, bytes, NUL) at *off, which moves past it;
 * NULL when it does not fit before `end`. */
static const char *get_string(const struct dbus_in *in, size_t *off, size_t end)
{
	size_t o = align_up(*off, 4), n;

	if (o + 4 > end)
		return NULL;
	n = get_u32(in->p + o, in->big);
	if (n >= end - o - 4 || in->p[o + 4 + n] != '\0')
		return NULL;
	*off = o + 4 + n + 1;
	return (const char *)in->p + o + 4;
}

/* A signature ("g": byte length, bytes, NUL). */
static const char *get_sig(const struct dbus_in *in, size_t *off, size_t end)
{
	size_t o = *off, n;

	if (o + 1 > end)
		return NULL;
	n = in->p[o];
	if (n + 2 > end - o || in->p[o + 1 + n] != '\0')
		return NULL;
	*off = o + 1 + n + 1;
	return (const char *)in->p + o + 1;
}

/* Walk the header fields (each a struct of a code and a variant); the ones
 * this client reads are kept. Every field's value is of a basic type. */
static int parse_fields(struct dbus_in *in, size_t end)
{
	size_t off = 16;

	while (off < end) {
		const char *type;
		unsigned code;

		off = align_up(off, 8);
		if (off >= end)
			return -1;
		code = in->p[off++];
		if (!(type = get_sig(in, &off, end)) || strlen(type) != 1)
			return -1;
		if (*type == 's' || *type == 'o') {
			const char *s = get_string(in, &off, end);
			if (!s)
				return -1;
			if (code == F_ERROR_NAME)
				in->error_name = s;
		} else if (*type == 'g') {
			const char *s = get_sig(in, &off, end);
			if (!s)
				return -1;
			if (code == F_SIGNATURE)
				in->sig = s;
		} else if (*type == 'u') {
			off = align_up(off, 4);
			if (off + 4 > end)
				return -1;
			if (code == F_REPLY_SERIAL) {
				in->reply_serial = get_u32(in->p + off, in->big);
				in->has_reply_serial = true;
			}
			off += 4;
		} else if (*type == 'y') {
			off++;
		} else {
			return -1;
		}
	}
	return off == end ? 0 : -1;
}

/* The length of the whole message at the start of in, 0 when more must be
 * read to know, or -1 for one this client refuses. */
static long message_length(const unsigned char *p, size_t have)
{
	uint32_t body, fields;
	bool big;

	if (have < 16)
		return 0;
	if ((p[0] != 'l' && p[0] != 'B') || p[3] != 1)
		return -1;
	big = p[0] == 'B';
	body = get_u32(p + 4, big);
	fields = get_u32(p + 12, big);
	if (body > DBUS_MSG_MAX || fields > DBUS_MSG_MAX ||
	    align_up(16 + (size_t)fields, 8) + body > DBUS_MSG_MAX)
		return -1;
	return (long)(align_up(16 + (size_t)fields, 8) + body);
}

static int elapsed_ms(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int)((now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Read what the bus sends into buf, waiting at most what is left of the
 * timeout begun at t0; `awaited` names what for the errors. The count read,
 * or -1 with *err (the bus hanging up included). */
static ssize_t read_some(int fd, void *buf, size_t room, const struct timespec *t0,
                         const char *awaited, struct hutch_error **err)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int left = DBUS_TIMEOUT_MS - elapsed_ms(t0);
		ssize_t r;

		if (left <= 0)
			return herr_msg(err, "D-Bus: no %s within %d s", awaited,
			                DBUS_TIMEOUT_MS / 1000);
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return herr_errno(err, errno, "D-Bus: poll");
		r = read(fd, buf, room);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return herr_errno(err, errno, "D-Bus: read");
		if (r == 0)
			return herr_msg(err, "D-Bus: the bus closed the connection awaiting %s",
			                awaited);
		return r;
	}
}

/* Read until the buffer holds one whole message; returns its length. */
static long read_message(struct dbus *b, const struct timespec *t0, struct hutch_error **err)
{
	for (;;) {
		long n = message_length(b->in, b->in_len);
		ssize_t r;

		if (n < 0)
			return herr_msg(err, "D-Bus: a malformed or oversized message");
		if (n > 0 && b->in_len >= (size_t)n)
			return n;
		if (b->in_cap - b->in_len < 4096) {
			b->in_cap = b->in_cap * 2 + 8192;
			b->in = xrealloc(b->in, b->in_cap);
		}
		r = read_some(b->fd, b->in + b->in_len, b->in_cap - b->in_len, t0, "reply", err);
		if (r < 0)
			return -1;
		b->in_len += (size_t)r;
	}
}

static void consume(struct dbus *b, size_t n)
{
	memmove(b->in, b->in + n, b->in_len - n);
	b->in_len -= n;
}

/* The reply's first value as a string: "s", "o", or a variant of either. */
static int reply_string(const struct dbus_in *in, char **ret, struct hutch_error **err)
{
	const char *sig = in->sig ? in->sig : "", *s = NULL;
	size_t off = in->body;

	if (*sig == 'v') {
		const char *inner = get_sig(in, &off, in->len);
		if (inner && (strcmp(inner, "s") == 0 || strcmp(inner, "o") == 0))
			s = get_string(in, &off, in->len);
	} else if (*sig == 's' || *sig == 'o') {
		s = get_string(in, &off, in->len);
	}
	if (!s)
		return herr_msg(
		    err, "D-Bus: a reply of signature \"%s\" where a string was expected", sig);
	*ret = xstrdup(s);
	return 0;
}

static int send_all(int fd, const char *p, size_t n, struct hutch_error **err)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return herr_errno(err, errno, "D-Bus: send");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int dbus_call(struct dbus *b, const struct dbus_msg *m, const char *sig, char **ret_string,
              char **ret_error_name, struct hutch_error **err)
{
	uint32_t serial = ++b->serial;
	size_t len;
	_cleanup_free_ char *wire = dbus_marshal_call(m, sig, serial, &len);
	struct timespec t0;

	if (send_all(b->fd, wire, len, err) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long n = read_message(b, &t0, err);
		struct dbus_in in = {.p = b->in, .len = (size_t)(n > 0 ? n : 0)};
		int rc = 0;

		if (n < 0)
			return -1;
		in.big = in.p[0] == 'B';
		in.type = in.p[1];
		size_t fields_end = 16 + (size_t)get_u32(in.p + 12, in.big);
		in.body = align_up(fields_end, 8);
		if (parse_fields(&in, fields_end) < 0)
			return herr_msg(err, "D-Bus: a message with malformed header fields");
		/* signals (the bus's NameAcquired...) and anything else: skipped */
		if ((in.type != MSG_RETURN && in.type != MSG_ERROR) || !in.has_reply_serial ||
		    in.reply_serial != serial) {
			consume(b, (size_t)n);
			continue;
		}
		if (in.type == MSG_ERROR) {
			const char *name = in.error_name ? in.error_name : "(unnamed error)";
			_cleanup_free_ char *text = NULL;
			_cleanup_error_ struct hutch_error *ignored = NULL;
			if (in.sig && *in.sig == 's')
				reply_string(&in, &text, &ignored);
			if (ret_error_name)
				*ret_error_name = xstrdup(name);
			rc = herr_msg(err, "%s: %s", name, text ? text : "no message");
		} else if (ret_string) {
			rc = reply_string(&in, ret_string, err);
		}
		consume(b, (size_t)n);
		return rc;
	}
}

/* --- Connecting -------------------------------------------------------------- */

/* "%2f" -> "/" in place; false on a bad escape. */
static bool unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		char hex[3] = {r[1], r[1] ? r[2] : '\0', '\0'};
		char *end;
		unsigned long v = strtoul(hex, &end, 16);
		if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]) || *end ||
		    v == 0)
			return false;
		*w++ = (char)v;
		r += 2;
	}
	*w = '\0';
	return true;
}

/* One "unix:key=value,..." entry of an address: connected fd, or -1 with
 * *err (an entry of another transport says so). */
static int connect_entry(char *entry, struct hutch_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *path = NULL, *abstract = NULL;
	socklen_t salen;
	int fd;

	if (!str_has_prefix(entry, "unix:"))
		return herr_msg(err, "D-Bus address \"%s\": only unix: addresses are supported",
		                entry);
	for (char *save = NULL, *kv = strtok_r(entry + 5, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		if (str_has_prefix(kv, "path="))
			path = kv + 5;
		else if (str_has_prefix(kv, "abstract="))
			abstract = kv + 9;
	}
	char *name = path ? path : abstract;
	if (!name || !unescape(name) || strlen(name) + 1 > sizeof(sa.sun_path) - 1)
		return herr_msg(err, "D-Bus address: no usable unix path in \"unix:%s\"",
		                entry + 5);
	if (path) {
		strcpy(sa.sun_path, name);
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1);
	} else {
		memcpy(sa.sun_path + 1, name, strlen(name));
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return herr_errno(err, errno, "D-Bus: socket");
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0) {
		herr_errno(err, errno, "D-Bus: connect to %s%s", path ? "" : "@", name);
		close(fd);
		return -1;
	}
	return fd;
}

/* The EXTERNAL mechanism: the server checks our credentials on the socket
 * against the uid we claim (hex-encoded decimal), then we begin. */
static int authenticate(int fd, struct hutch_error **err)
{
	char uid[16], line[128] = "", hex[33] = "";
	_cleanup_free_ char *hello = NULL;
	size_t got = 0;
	struct timespec t0;

	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	for (size_t i = 0; uid[i]; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
	hello = xasprintf("%cAUTH EXTERNAL %s\r\n", '\0', hex);
	if (send_all(fd, hello, 1 + strlen(hello + 1), err) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!memchr(line, '\n', got)) {
		ssize_t r;
		if (got + 1 >= sizeof(line))
			return herr_msg(err, "D-Bus: an authentication answer of over %zu bytes",
			                sizeof(line) - 1);
		r = read_some(fd, line + got, sizeof(line) - 1 - got, &t0,
		              "answer to the authentication", err);
		if (r < 0)
			return -1;
		got += (size_t)r;
		line[got] = '\0';
	}
	if (!str_has_prefix(line, "OK ")) {
		line[strcspn(line, "\r\n")] = '\0';
		return herr_msg(err, "D-Bus: authentication as uid %s refused (\"%s\")", uid, line);
	}
	return send_all(fd, "BEGIN\r\n", 7, err);
}

int dbus_open_address(const char *address, struct dbus **ret, struct hutch_error **err)
{
	_cleanup_free_ char *copy = xstrdup(address);
	struct dbus_msg hello = {.dest = "org.freedesktop.DBus",
	                         .path = "/org/freedesktop/DBus",
	                         .iface = "org.freedesktop.DBus",
	                         .member = "Hello"};
	_cleanup_free_ char *name = NULL;
	struct dbus *b;
	int fd = -1;

	/* the first entry that connects; the last one's error otherwise */
	for (char *save = NULL, *e = strtok_r(copy, ";", &save); e && fd < 0;
	     e = strtok_r(NULL, ";", &save)) {
		_cleanup_error_ struct hutch_error *why = NULL;
		fd = connect_entry(e, &why);
		if (fd < 0)
			herr_raw(err, why->errnum, why->msg);
	}
	if (fd < 0)
		return *err ? -1 : herr_msg(err, "D-Bus: an empty bus address");
	herr_freep(err);
	if (authenticate(fd, err) < 0) {
		close(fd);
		return -1;
	}
	b = xmalloc(sizeof(*b));
	*b = (struct dbus){.fd = fd};
	if (dbus_call(b, &hello, "", &name, NULL, err) < 0) {
		dbus_close(b);
		return herr_prefix(err, "D-Bus: Hello");
	}
	*ret = b;
	return 0;
}

int dbus_open(bool user, struct dbus **ret, struct hutch_error **err)
{
	const char *env = getenv(user ? "DBUS_SESSION_BUS_ADDRESS" : "DBUS_SYSTEM_BUS_ADDRESS");
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	_cleanup_free_ char *address = NULL;

	if (env && *env)
		address = xstrdup(env);
	else if (!user)
		address = xstrdup("unix:path=/run/dbus/system_bus_socket");
	else if (runtime && *runtime == '/')
		address = xasprintf("unix:path=%s/bus", runtime);
	else
		return herr_msg(err, "D-Bus: no user bus (neither $DBUS_SESSION_BUS_ADDRESS nor "
		                     "$XDG_RUNTIME_DIR is set)");
	return dbus_open_address(address, ret, err);
}

void dbus_close(struct dbus *b)
{
	if (!b)
		return;
	close(b->fd);
	free(b->in);
	free(b);
}

void dbus_closep(struct dbus **b)
{
	dbus_close(*b);
	*b = NULL;
}
