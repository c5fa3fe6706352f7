/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the systemd driver's D-Bus client (linux/cgroup/dbus.h):
 * its marshalling byte for byte against the D-Bus Specification's rules
 * (worked out by hand below), and its calls against a real message bus, a
 * private dbus-daemon started here (skipped without one), which checks
 * every message it is sent and drops a client that sends a malformed one:
 * systemd's StartTransientUnit, as the driver builds it, must pass. */
#include "tap.h"
#include "linux/cgroup/dbus.h"
#include "util/error.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void test_marshal_call(void)
{
	/* dest "a", path "/", member "M", body "s" "x", serial 7 */
	/* clang-format off */
	static const unsigned char want[] = {
	    'l', 1, 0, 1, 6, 0, 0, 0, 7, 0, 0, 0, 55, 0, 0, 0,  /* fixed part; fields: 55 bytes */
	    1, 1, 'o', 0, 1, 0, 0, 0, '/', 0, 0, 0, 0, 0, 0, 0, /* PATH, padded to 8 */
	    3, 1, 's', 0, 1, 0, 0, 0, 'M', 0, 0, 0, 0, 0, 0, 0, /* MEMBER */
	    6, 1, 's', 0, 1, 0, 0, 0, 'a', 0, 0, 0, 0, 0, 0, 0, /* DESTINATION */
	    8, 1, 'g', 0, 1, 's', 0, 0,                         /* SIGNATURE, then the body */
	    1, 0, 0, 0, 'x', 0};
	/* clang-format on */
	struct dbus_msg m = {.dest = "a", .path = "/", .member = "M"};
	size_t len;
	char *wire;

	dbus_put_string(&m, "x");
	wire = dbus_marshal_call(&m, "s", 7, &len);
	ok(len == sizeof(want) && memcmp(wire, want, len) == 0, "a call marshalled as specified");
	free(wire);
	dbus_msg_free(&m);
}

static void test_marshal_body(void)
{
	struct dbus_msg m = {0};
	size_t props, aux;
	uint32_t n;
	uint64_t v;

	props = dbus_array_open(&m, 8);
	dbus_struct_open(&m);
	dbus_put_string(&m, "T");
	dbus_put_signature(&m, "t");
	dbus_put_u64(&m, 0x0102030405060708ull);
	dbus_array_close(&m, props, 8);
	aux = dbus_array_open(&m, 8);
	dbus_array_close(&m, aux, 8);
	/* 0: length; 4: padding to the struct; 8: "T" (4+2), "t" (3), padding;
	 * 24: the u64; 32: the empty array's length, then its padding to 8 */
	memcpy(&n, m.body, 4);
	ok(props == 0 && n == 24, "array length counts its elements, not the padding before them");
	memcpy(&v, m.body + 24, 8);
	ok(v == 0x0102030405060708ull && m.body[15] == 't', "u64 aligned to 8 after a variant");
	memcpy(&n, m.body + 32, 4);
	ok(aux == 32 && n == 0 && m.len == 40, "an empty array is still padded to its elements");
	dbus_msg_free(&m);
}

static void test_bad_addresses(void)
{
	struct hutch_error *e = NULL;
	struct dbus *b = NULL;

	ok(dbus_open_address("tcp:host=localhost,port=1", &b, &e) < 0 && e &&
	       strstr(e->msg, "only unix:"),
	   "a tcp address is refused by name");
	herr_freep(&e);
	ok(dbus_open_address("unix:path=/nonexistent/bus", &b, &e) < 0 && e &&
	       strstr(e->msg, "/nonexistent/bus"),
	   "an address that does not connect names its path");
	herr_freep(&e);
	ok(dbus_open_address("unix:path=%zz", &b, &e) < 0 && e, "a bad %%-escape is refused");
	herr_freep(&e);
}

/* --- Against a private dbus-daemon ---------------------------------------------- */

static pid_t daemon_pid;
static char dir[] = "/tmp/hutch-dbus-XXXXXX";
static char sock[64];

static char conf[64];

/* A bus of our own: no service directories (nothing is activated), anyone
 * may call anything. */
static bool start_daemon(void)
{
	char arg[96];
	FILE *f;

	if (access("/usr/bin/dbus-daemon", X_OK) < 0)
		return false;
	snprintf(sock, sizeof(sock), "%s/bus", dir);
	snprintf(conf, sizeof(conf), "%s/bus.conf", dir);
	if (!(f = fopen(conf, "w")))
		return false;
	fprintf(
	    f,
	    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
	    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
	    "<busconfig><type>session</type><listen>unix:path=%s</listen>"
	    "<auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\" "
	    "eavesdrop=\"true\"/>"
	    "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
	    sock);
	fclose(f);
	snprintf(arg, sizeof(arg), "--config-file=%s", conf);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		if (!freopen("/dev/null", "w", stderr)) /* its warnings about fd limits */
			_exit(127);
		execl("/usr/bin/dbus-daemon", "dbus-daemon", arg, "--nofork", "--nopidfile",
		      "--nosyslog", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(sock, F_OK) < 0; i++)
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	return access(sock, F_OK) == 0;
}

static void stop_daemon(void)
{
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
	}
	unlink(sock);
	unlink(conf);
	rmdir(dir);
}

/* The driver's StartTransientUnit, built as systemd.c builds it. */
static void start_transient_unit(struct dbus_msg *m)
{
	size_t props, pids, aux;

	dbus_put_string(m, "hutch-x.scope");
	dbus_put_string(m, "fail");
	props = dbus_array_open(m, 8);
	dbus_struct_open(m);
	dbus_put_string(m, "Slice");
	dbus_put_signature(m, "s");
	dbus_put_string(m, "system.slice");
	dbus_struct_open(m);
	dbus_put_string(m, "Delegate");
	dbus_put_signature(m, "b");
	dbus_put_bool(m, true);
	dbus_struct_open(m);
	dbus_put_string(m, "MemoryMax");
	dbus_put_signature(m, "t");
	dbus_put_u64(m, 1 << 20);
	dbus_struct_open(m);
	dbus_put_string(m, "PIDs");
	dbus_put_signature(m, "au");
	pids = dbus_array_open(m, 4);
	dbus_put_u32(m, 4242);
	dbus_array_close(m, pids, 4);
	dbus_array_close(m, props, 8);
	aux = dbus_array_open(m, 8);
	dbus_array_close(m, aux, 8);
}

static void test_live(void)
{
	struct hutch_error *e = NULL;
	struct dbus *b = NULL;
	char addr[128], *s = NULL, *name = NULL;

	snprintf(addr, sizeof(addr), "unix:path=/nonexistent/bus;unix:path=%s", sock);
	if (!ok(dbus_open_address(addr, &b, &e) == 0, "authenticated and said Hello (%s)",
	        e ? e->msg : "ok"))
		return;

	struct dbus_msg id = {.dest = "org.freedesktop.DBus",
	                      .path = "/org/freedesktop/DBus",
	                      .iface = "org.freedesktop.DBus",
	                      .member = "GetId"};
	ok(dbus_call(b, &id, "", &s, NULL, &e) == 0 && s && strlen(s) == 32,
	   "a string reply read (the bus id)");
	free(s);
	s = NULL;
	herr_freep(&e);

	struct dbus_msg get = {.dest = "org.freedesktop.DBus",
	                       .path = "/org/freedesktop/DBus",
	                       .iface = "org.freedesktop.DBus.Properties",
	                       .member = "Get"};
	dbus_put_string(&get, "org.freedesktop.DBus");
	dbus_put_string(&get, "Features");
	ok(dbus_call(b, &get, "ss", &s, NULL, &e) < 0 && e && strstr(e->msg, "\"v\""),
	   "a variant that holds no string is refused, not misread");
	dbus_msg_free(&get);
	herr_freep(&e);

	struct dbus_msg start = {.dest = "org.freedesktop.systemd1",
	                         .path = "/org/freedesktop/systemd1",
	                         .iface = "org.freedesktop.systemd1.Manager",
	                         .member = "StartTransientUnit"};
	start_transient_unit(&start);
	int r = dbus_call(b, &start, "ssa(sv)a(sa(sv))", NULL, &name, &e);
	ok(r < 0 && name && strcmp(name, "org.freedesktop.DBus.Error.ServiceUnknown") == 0,
	   "StartTransientUnit passes the bus's checks (no systemd here: %s)", e ? e->msg : "-");
	free(name);
	name = NULL;
	herr_freep(&e);

	/* the same body under a signature it does not match (bytes left over at
	 * its end): the bus drops us */
	r = dbus_call(b, &start, "ssa(sv)", NULL, &name, &e);
	ok(r < 0 && !name, "a malformed message is not accepted (%s)", e ? e->msg : "-");
	dbus_msg_free(&start);
	herr_freep(&e);
	dbus_close(b);
}

/* --- Against a fake bus that answers big-endian ---------------------------------- */

/* A message built big-endian ('B'), as a bus may relay from a peer of that
 * byte order: what the client must read as well as its own order. */
struct be {
	unsigned char b[512];
	size_t n;
};

static void be_pad(struct be *m, size_t a)
{
	while (m->n % a)
		m->b[m->n++] = 0;
}

static void be_u32(struct be *m, uint32_t v)
{
	be_pad(m, 4);
	for (int i = 3; i >= 0; i--)
		m->b[m->n++] = (unsigned char)(v >> (8 * i));
}

static void be_str(struct be *m, const char *s)
{
	be_u32(m, (uint32_t)strlen(s));
	memcpy(m->b + m->n, s, strlen(s) + 1);
	m->n += strlen(s) + 1;
}

static void be_sig(struct be *m, const char *s)
{
	m->b[m->n++] = (unsigned char)strlen(s);
	memcpy(m->b + m->n, s, strlen(s) + 1);
	m->n += strlen(s) + 1;
}

/* type 2 (return), 3 (error: name given) or 4 (signal), with one string
 * "s" as its body, replying to `serial`. */
static void be_msg(struct be *m, int type, uint32_t serial, const char *error, const char *body)
{
	size_t fields;

	m->n = 0;
	m->b[m->n++] = 'B';
	m->b[m->n++] = (unsigned char)type;
	m->b[m->n++] = 0;
	m->b[m->n++] = 1;
	be_u32(m, 4 + (uint32_t)strlen(body) + 1);
	be_u32(m, 1000 + serial);
	be_u32(m, 0);
	fields = m->n;
	if (type == 4) {
		be_pad(m, 8), m->b[m->n++] = 1, be_sig(m, "o"), be_str(m, "/org/example");
		be_pad(m, 8), m->b[m->n++] = 2, be_sig(m, "s"), be_str(m, "org.example.I");
		be_pad(m, 8), m->b[m->n++] = 3, be_sig(m, "s"), be_str(m, "Changed");
	} else {
		be_pad(m, 8), m->b[m->n++] = 5, be_sig(m, "u"), be_u32(m, serial);
	}
	if (error)
		be_pad(m, 8), m->b[m->n++] = 4, be_sig(m, "s"), be_str(m, error);
	be_pad(m, 8), m->b[m->n++] = 8, be_sig(m, "g"), be_sig(m, "s");
	for (int i = 0; i < 4; i++) /* the fields' length, at 12 */
		m->b[12 + i] = (unsigned char)((m->n - fields) >> (8 * (3 - i)));
	be_pad(m, 8);
	be_str(m, body);
}

/* Read one whole message of the client's (little-endian); its serial. */
static uint32_t read_call(int fd)
{
	unsigned char h[16], rest[4096];
	uint32_t body, fields, serial;
	size_t total;

	if (recv(fd, h, 16, MSG_WAITALL) != 16)
		return 0;
	memcpy(&body, h + 4, 4);
	memcpy(&serial, h + 8, 4);
	memcpy(&fields, h + 12, 4);
	total = (16 + fields + 7) / 8 * 8 + body - 16;
	if (total > sizeof(rest) || recv(fd, rest, total, MSG_WAITALL) != (ssize_t)total)
		return 0;
	return serial;
}

static void fake_bus(int lfd)
{
	int fd = accept(lfd, NULL, NULL);
	char line[256];
	size_t got = 0;
	struct be m;
	uint32_t serial;

	/* "\0AUTH EXTERNAL <hex uid>\r\n", then "BEGIN\r\n" after our OK */
	while (got < sizeof(line) && (got < 2 || memcmp(line + got - 2, "\r\n", 2) != 0))
		if (read(fd, line + got++, 1) != 1)
			_exit(1);
	if (line[0] != '\0' || strncmp(line + 1, "AUTH EXTERNAL ", 14) != 0)
		_exit(2);
	if (write(fd, "OK 0123456789abcdef0123456789abcdef\r\n", 37) != 37)
		_exit(1);
	if (recv(fd, line, 7, MSG_WAITALL) != 7 || memcmp(line, "BEGIN\r\n", 7) != 0)
		_exit(3);
	serial = read_call(fd); /* Hello: a signal first, then the reply */
	be_msg(&m, 4, 0, NULL, "noise");
	if (!serial || write(fd, m.b, m.n) != (ssize_t)m.n)
		_exit(4);
	be_msg(&m, 2, serial, NULL, ":1.42");
	if (write(fd, m.b, m.n) != (ssize_t)m.n)
		_exit(4);
	serial = read_call(fd); /* the next call: an error, and a reply to another call */
	be_msg(&m, 2, serial + 7, NULL, "not ours");
	if (!serial || write(fd, m.b, m.n) != (ssize_t)m.n)
		_exit(5);
	be_msg(&m, 3, serial, "org.example.Error.Boom", "it broke");
	if (write(fd, m.b, m.n) != (ssize_t)m.n)
		_exit(5);
	read_call(fd); /* until the client hangs up */
	_exit(0);
}

static void test_big_endian_bus(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct hutch_error *e = NULL;
	struct dbus *b = NULL;
	char addr[160], *name = NULL;
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), status = -1;
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/fake", dir);
	snprintf(addr, sizeof(addr), "unix:path=%s", sa.sun_path);
	if (!ok(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	            listen(lfd, 1) == 0,
	        "a fake bus listens"))
		return;
	pid = fork();
	if (pid == 0)
		fake_bus(lfd);
	close(lfd);
	ok(dbus_open_address(addr, &b, &e) == 0,
	   "Hello's big-endian reply read, the signal before it skipped (%s)", e ? e->msg : "ok");
	herr_freep(&e);
	if (b) {
		struct dbus_msg m = {.dest = "org.example", .path = "/", .member = "Go"};
		int r = dbus_call(b, &m, "", NULL, &name, &e);
		ok(r < 0 && name && strcmp(name, "org.example.Error.Boom") == 0 && e &&
		       strstr(e->msg, "it broke"),
		   "a big-endian error read by name and message, a reply to another serial "
		   "skipped");
		dbus_close(b);
	}
	free(name);
	herr_freep(&e);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the fake bus saw what it expected (%d)",
	   status);
	unlink(sa.sun_path);
}

int main(void)
{
	test_marshal_call();
	test_marshal_body();
	test_bad_addresses();
	if (!ok(mkdtemp(dir) != NULL, "a directory for the sockets"))
		return done_testing();
	test_big_endian_bus();
	if (start_daemon())
		test_live();
	else
		printf("ok %d # SKIP no dbus-daemon to talk to\n", ++tap_n);
	stop_daemon();
	return done_testing();
}
