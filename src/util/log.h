/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics: debug and warning lines (spec "warnings"), and the one final
 * error line printed by main.c. Text goes to stderr; with --log also to that
 * file; --log-format json writes {"level","msg","time"} objects, one per line. */
#ifndef HUTCH_UTIL_LOG_H
#define HUTCH_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };
enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Configure logging. path may be NULL (stderr only). Returns -1 with errno set
 * when the log file cannot be opened. */
int log_init(const char *path, enum log_format format, bool debug);
bool log_debug_enabled(void);
/* Send what would go to stderr to `fd` instead (the container init keeps
 * hutch's stderr this way once its own stdio became the container's pty). */
void log_set_stderr_fd(int fd);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_debug_enabled())                                                           \
			log_msg(LOG_DEBUG, __VA_ARGS__);                                           \
	} while (0)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)

/* Append `s` to buf as a JSON string body (no quotes), escaping as RFC 8259 requires.
 * Returns the new length; buf must have room for 6*strlen(s)+1 bytes. */
size_t json_escape_into(char *buf, const char *s);

#endif
