/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Log sink: stderr plus optional --log file, text or JSON lines. */
#include "util/log.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static bool log_dbg;
static log_sink_fn log_sink;
static void *log_sink_ctx;
/* Lines for the --log file held back until exit: a failing call leaves only
 * its error there, since podman parses the whole file as one JSON object. */
static char *pending;
static size_t pending_len;

static void write_all(int fd, const char *s, size_t len);

static void log_flush(void)
{
	if (pending && log_fd >= 0)
		write_all(log_fd, pending, pending_len);
	free(pending);
	pending = NULL;
	pending_len = 0;
}

static void log_file_line(enum log_level level, const char *line)
{
	size_t len = strlen(line);

	if (log_dbg) { /* --debug: everything, at once, as it happens */
		write_all(log_fd, line, len);
		return;
	}
	if (level == LOG_ERROR) {
		free(pending);
		pending = NULL;
		pending_len = 0;
		write_all(log_fd, line, len);
		return;
	}
	pending = xrealloc(pending, pending_len + len + 1);
	memcpy(pending + pending_len, line, len + 1);
	pending_len += len;
}

int log_init(const char *path, enum log_format format, bool debug)
{
	log_fmt = format;
	log_dbg = debug;
	if (path && *path) {
		int fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return -1;
		if (log_fd >= 0)
			close(log_fd);
		else
			atexit(log_flush);
		log_fd = fd;
	}
	return 0;
}

void log_set_sink(log_sink_fn fn, void *ctx)
{
	log_sink = fn;
	log_sink_ctx = ctx;
}

bool log_debug_enabled(void)
{
	return log_dbg;
}

static const char *level_name(enum log_level l)
{
	switch (l) {
	case LOG_ERROR:
		return "error";
	case LOG_WARN:
		return "warning";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* `s` as the body of a JSON string (RFC 8259: quote, backslash and control
 * characters escaped; other bytes as they are) into buf, which holds
 * 6 * strlen(s) + 1 bytes. Written here rather than with spec/json.h's
 * generator: util/ is the bottom layer, used by every other one, including
 * the container side of spawning, and takes nothing but libc (STYLE.md);
 * yajl is spec/json.c's alone. test_util.c reads these lines back with
 * json.h's parser. */
static size_t json_escape_into(char *buf, const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)*p;
		} else if (*p == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else if (*p == '\t') {
			buf[n++] = '\\';
			buf[n++] = 't';
		} else if (*p < 0x20) {
			n += (size_t)sprintf(buf + n, "\\u%04x", *p);
		} else {
			buf[n++] = (char)*p;
		}
	}
	buf[n] = '\0';
	return n;
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		len -= (size_t)w;
	}
}

static char *format_json(enum log_level level, const char *msg)
{
	char tbuf[64];
	struct timespec ts;
	struct tm tm;
	char *esc = xmalloc(strlen(msg) * 6 + 1);
	char *line;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	json_escape_into(esc, msg);
	line = xasprintf("{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n",
	                 level_name(level), esc, tbuf, ts.tv_nsec);
	free(esc);
	return line;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	char *msg, *line;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);

	if (log_sink) {
		log_sink(log_sink_ctx, level, msg);
		free(msg);
		errno = saved;
		return;
	}
	/* With a log file in JSON format the file is the machine channel
	 * (engines parse it); stderr still gets a human line for errors. */
	if (log_fd >= 0) {
		if (log_fmt == LOG_FORMAT_JSON)
			line = format_json(level, msg);
		else
			line = xasprintf("%s: %s\n", level_name(level), msg);
		log_file_line(level, line);
		free(line);
	}
	if (log_fd < 0 || level == LOG_ERROR) {
		if (log_fmt == LOG_FORMAT_JSON && log_fd < 0)
			line = format_json(level, msg);
		else if (level == LOG_ERROR)
			line = xasprintf("hutch: %s\n", msg);
		else
			line = xasprintf("hutch: %s: %s\n", level_name(level), msg);
		write_all(STDERR_FILENO, line, strlen(line));
		free(line);
	}
	free(msg);
	errno = saved;
}
