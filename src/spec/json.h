/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A thin JSON tree reader and generator. json.c is the only file that
 * includes yajl; everything else sees these opaque types. */
#ifndef HUTCH_SPEC_JSON_H
#define HUTCH_SPEC_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_OBJECT, JSON_ARRAY };

typedef struct json_node json_node;

/* Parse a complete document of len bytes (text need not be NUL-terminated).
 * On a syntax error, returns NULL with *err "<origin>: invalid JSON: <why>";
 * nesting deeper than 1000 levels, NUL bytes and arrays or objects of more
 * than 2^32-1 elements are syntax errors. Comments are allowed. Free with
 * json_free. */
json_node *json_parse(const char *origin, const char *text, size_t len, struct hutch_error **err);
/* The same, reading the document from fd to its end, 64 KiB at a time (the
 * text is never held whole). A read error is "<origin>: read: <strerror>". */
json_node *json_parse_fd(const char *origin, int fd, struct hutch_error **err);
void json_free(json_node *n);
void json_freep(json_node **n);
#define _cleanup_json_ __attribute__((cleanup(json_freep)))

enum json_type json_type_of(const json_node *n);
const char *json_type_name(enum json_type t); /* "string", "object", ... */
const char *json_string(const json_node *n);  /* NULL unless a string */
/* Take a string out of the tree, for a parse that consumes it: returns the
 * node's malloc'd string (the caller frees it; NULL unless a string), after
 * which the node reads as "". Saves copying every string of a document. */
char *json_string_take(json_node *n);
const char *json_number_text(const json_node *n); /* the number as written; NULL unless a number */
bool json_bool(const json_node *n);
size_t json_len(const json_node *n); /* elements of an array / keys of an object, else 0 */
json_node *json_array_at(const json_node *n, size_t i);
const char *json_object_key(const json_node *n, size_t i);
/* Take key i out of an object, as json_string_take; json_object_get no
 * longer finds that member afterwards. */
char *json_object_key_take(json_node *n, size_t i);
json_node *json_object_value(const json_node *n, size_t i);
json_node *json_object_get(const json_node *n, const char *key); /* NULL when absent */

/* Generator. Calls never fail (allocation aborts on OOM). */
typedef struct json_gen json_gen;
json_gen *json_gen_new(bool pretty);
void json_gen_free(json_gen *g);
void json_gen_map_open(json_gen *g);
void json_gen_map_close(json_gen *g);
void json_gen_array_open(json_gen *g);
void json_gen_array_close(json_gen *g);
void json_gen_string(json_gen *g, const char *s); /* also used for keys */
void json_gen_int(json_gen *g, long long v);
void json_gen_uint(json_gen *g, unsigned long long v);
void json_gen_bool(json_gen *g, bool v);
void json_gen_null(json_gen *g);
/* Shorthands for `"key": value` inside a map. */
void json_gen_kv_string(json_gen *g, const char *key, const char *value); /* NULL -> null */
void json_gen_kv_int(json_gen *g, const char *key, long long v);
void json_gen_kv_uint(json_gen *g, const char *key, unsigned long long v);
void json_gen_kv_bool(json_gen *g, const char *key, bool v);
/* Hand over the text generated so far (NUL-terminated, malloc'd, the caller
 * frees it; no copy is made); *ret_len optional. The generator's text starts
 * empty again. */
char *json_gen_text(json_gen *g, size_t *ret_len);
/* A generator that writes its text to fd as it goes (64 KiB at a time), for
 * documents too big to hold twice; json_gen_text does not apply to it.
 * json_gen_flush writes what is left: 0, or -1 with errno from the first
 * write that failed. fd stays the caller's. */
json_gen *json_gen_new_fd(int fd, bool pretty);
int json_gen_flush(json_gen *g);

#endif
