/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics: debug and warning lines (spec "warnings"), and the one final
 * error line printed by main.c. Without --log everything goes to stderr; with
 * --log it goes to that file and only errors also to stderr (a foreground
 * container shares hutch's stderr: warnings must not end up in its output);
 * --log-format json writes {"level","msg","time"} objects, one per line.
 * A process that must not write either (the container side of spawning)
 * hands its lines to a sink instead. */
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
/* From now on hand every line (any level, unformatted) to fn(ctx, level,
 * msg) instead of writing it anywhere; fn == NULL restores the normal sinks.
 * The container side of spawning sends its lines to the runtime this way, so
 * they reach --log and never the container's stdio. */
typedef void (*log_sink_fn)(void *ctx, enum log_level level, const char *msg);
void log_set_sink(log_sink_fn fn, void *ctx);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_debug_enabled())                                                           \
			log_msg(LOG_DEBUG, __VA_ARGS__);                                           \
	} while (0)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)

#endif
