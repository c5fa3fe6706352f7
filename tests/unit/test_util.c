/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for util/: errors, strings, the JSON lines of the log, fd passing. */
#include "tap.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_errors(void)
{
	struct hutch_error *err = NULL;

	ok(herr_errno(&err, ENOENT, "open %s", "/x") == -1, "herr_errno returns -1");
	is_str(err->msg, "open /x: No such file or directory", "errno message");
	herr_prefix(&err, "create %s", "c1");
	is_str(err->msg, "create c1: open /x: No such file or directory", "prefix keeps cause");
	ok(err->errnum == ENOENT, "errnum kept");
	char *bare = herr_without_cause(err);
	is_str(bare, "create c1: open /x", "without its cause");
	free(bare);
	herr_freep(&err);
	ok(err == NULL, "freep clears");
	herr_msg(&err, "no errno: Permission denied");
	bare = herr_without_cause(err);
	is_str(bare, "no errno: Permission denied", "a message without errno stays whole");
	free(bare);
	herr_freep(&err);
}

static void test_str(void)
{
	unsigned long long u;
	long long i;
	char **v = NULL;

	ok(str_to_u64("18446744073709551615", &u) == 0 && u == 18446744073709551615ULL,
	   "u64 max exact");
	ok(str_to_u64("18446744073709551616", &u) < 0, "u64 overflow rejected");
	ok(str_to_u64("-1", &u) < 0, "negative rejected as u64");
	ok(str_to_i64("-9223372036854775808", &i) == 0, "i64 min");
	strv_push(&v, "a");
	strv_push(&v, "b");
	ok(strv_len(v) == 2 && strv_contains(v, "b"), "strv push/contains");
	strv_free(v);
	ok(str_path_under("/a/b", "/a/b") && str_path_under("/a/b/c", "/a/b"), "path under itself");
	ok(!str_path_under("/a/bc", "/a/b") && !str_path_under("/a", "/a/b"), "path beside, above");
	ok(str_path_under("/", "/") && str_path_under("/proc", "/"), "everything under /");
}

/* A --log-format json line is one object that a JSON parser (yajl, through
 * json.h) reads back to the very message: quotes, backslashes, control
 * characters and UTF-8 included. */
static void test_log_json(void)
{
	static const char *const msgs[] = {
	    "plain", "a\"b\\c", "tab\tnew\nline\r\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x9c\x93", "/x/y",
	};
	char path[] = "/tmp/hutch-log-XXXXXX";
	int fd = mkstemp(path);

	ok(fd >= 0 && log_init(path, LOG_FORMAT_JSON, true) == 0, "log to a file, JSON");
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		_cleanup_free_ char *text = NULL;
		struct hutch_error *err = NULL;
		size_t len = 0;
		json_node *line;

		ok(ftruncate(fd, 0) == 0, "empty the log file");
		log_msg(LOG_WARN, "%s", msgs[i]);
		fs_read_file_at(AT_FDCWD, path, &text, &len, &err);
		line = text ? json_parse("log", text, len, &err) : NULL;
		is_str(line ? json_string(json_object_get(line, "msg")) : NULL, msgs[i],
		       "a message reads back");
		ok(line && strcmp(json_string(json_object_get(line, "level")), "warning") == 0 &&
		       text[len - 1] == '\n' && !memchr(text, '\n', len - 1),
		   "one object on one line");
		json_free(line);
		herr_free(err);
	}
	close(fd);
	unlink(path);
}

/* One fd over a socketpair: it arrives close-on-exec and is the same file; a
 * message without one gives -1; a hung-up peer gives 0 bytes. */
static void test_fdpass(void)
{
	int sk[2], got = -2, devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char out[] = "hi", in[8] = {0};
	struct iovec siov = {out, 2}, riov = {in, sizeof(in)};
	struct stat a, b;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk) < 0 || devnull < 0) {
		ok(false, "fdpass: socketpair and /dev/null");
		return;
	}
	ok(fdpass_send(sk[0], &siov, 1, devnull) == 2, "fdpass: send with an fd");
	ok(fdpass_recv(sk[1], &riov, 1, &got) == 2 && strcmp(in, "hi") == 0,
	   "fdpass: the bytes arrive");
	ok(got >= 0 && got != devnull && fstat(got, &a) == 0 && fstat(devnull, &b) == 0 &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev,
	   "fdpass: the fd names the same file");
	ok(got >= 0 && (fcntl(got, F_GETFD) & FD_CLOEXEC), "fdpass: the received fd is O_CLOEXEC");
	if (got >= 0)
		close(got);
	ok(fdpass_send(sk[0], &siov, 1, -1) == 2 && fdpass_recv(sk[1], &riov, 1, &got) == 2 &&
	       got == -1,
	   "fdpass: a message without an fd gives -1");
	close(sk[0]);
	ok(fdpass_recv(sk[1], &riov, 1, &got) == 0 && got == -1, "fdpass: hang-up reads 0 bytes");
	close(sk[1]);
	close(devnull);
}

static char *sha256_of(const void *data, size_t len, size_t piece)
{
	static char hex[SHA256_HEX_SIZE];
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256 c;

	sha256_init(&c);
	for (size_t at = 0; at < len; at += piece)
		sha256_update(&c, (const char *)data + at, len - at < piece ? len - at : piece);
	sha256_final(&c, digest);
	sha256_hex(digest, hex);
	return hex;
}

/* FIPS 180-2's examples, whole and fed in pieces that straddle the blocks */
static void test_sha256(void)
{
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char *million = xmalloc(1000000);

	is_str(sha256_of("", 0, 1),
	       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "SHA-256 of nothing");
	is_str(sha256_of("abc", 3, 3),
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "SHA-256 of abc");
	for (size_t piece = 1; piece <= 64; piece *= 4)
		is_str(sha256_of(two, strlen(two), piece),
		       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		       "SHA-256 of the 448-bit message, in pieces");
	memset(million, 'a', 1000000);
	is_str(sha256_of(million, 1000000, 1000000),
	       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "SHA-256 of a million a");
	is_str(sha256_of(million, 1000000, 997),
	       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "the same in 997-byte pieces");
	free(million);
}

int main(void)
{
	test_sha256();
	test_errors();
	test_str();
	test_log_json();
	test_fdpass();
	return done_testing();
}
