/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only file that includes yajl: tree access and generation wrappers. */
#include "spec/json.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* json_node is yajl's tree node; the cast is the whole abstraction. */
#define Y(n) ((yajl_val)(n))
#define N(v) ((json_node *)(v))

/* yajl builds and frees trees recursively, so a hostile document of deeply
 * nested arrays would overflow the stack; no config needs this depth. */
#define JSON_MAX_DEPTH 1000

static bool too_deep(const char *text, size_t len)
{
	bool in_string = false;
	size_t depth = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > JSON_MAX_DEPTH)
				return true;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return false;
}

json_node *json_parse(const char *origin, const char *text, size_t len, struct hutch_error **err)
{
	char errbuf[1024] = "";
	char *copy = xstrndup(text, len);
	yajl_val v;

	if (strlen(copy) != len) {
		free(copy);
		herr_msg(err, "%s: invalid JSON: embedded NUL byte", origin);
		return NULL;
	}
	if (too_deep(copy, len)) {
		free(copy);
		herr_msg(err, "%s: invalid JSON: nesting deeper than %d levels", origin,
		         JSON_MAX_DEPTH);
		return NULL;
	}
	v = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	free(copy);
	if (!v) {
		/* yajl's message spans lines; keep it on one line */
		for (char *p = errbuf; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		size_t l = strlen(errbuf);
		while (l > 0 && errbuf[l - 1] == ' ')
			errbuf[--l] = '\0';
		herr_msg(err, "%s: invalid JSON: %s", origin, errbuf[0] ? errbuf : "parse error");
		return NULL;
	}
	return N(v);
}

void json_free(json_node *n)
{
	if (n)
		yajl_tree_free(Y(n));
}

void json_freep(json_node **n)
{
	json_free(*n);
	*n = NULL;
}

enum json_type json_type_of(const json_node *n)
{
	if (!n)
		return JSON_NULL;
	switch (Y(n)->type) {
	case yajl_t_string:
		return JSON_STRING;
	case yajl_t_number:
		return JSON_NUMBER;
	case yajl_t_object:
		return JSON_OBJECT;
	case yajl_t_array:
		return JSON_ARRAY;
	case yajl_t_true:
	case yajl_t_false:
		return JSON_BOOL;
	default:
		return JSON_NULL;
	}
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {"null",   "boolean", "number",
	                                    "string", "object",  "array"};
	return names[t];
}

const char *json_string(const json_node *n)
{
	return YAJL_IS_STRING(Y(n)) ? Y(n)->u.string : NULL;
}

const char *json_number_text(const json_node *n)
{
	return YAJL_IS_NUMBER(Y(n)) ? Y(n)->u.number.r : NULL;
}

bool json_bool(const json_node *n)
{
	return YAJL_IS_TRUE(Y(n));
}

size_t json_len(const json_node *n)
{
	if (YAJL_IS_ARRAY(Y(n)))
		return Y(n)->u.array.len;
	if (YAJL_IS_OBJECT(Y(n)))
		return Y(n)->u.object.len;
	return 0;
}

json_node *json_array_at(const json_node *n, size_t i)
{
	return i < json_len(n) && YAJL_IS_ARRAY(Y(n)) ? N(Y(n)->u.array.values[i]) : NULL;
}

const char *json_object_key(const json_node *n, size_t i)
{
	return i < json_len(n) && YAJL_IS_OBJECT(Y(n)) ? Y(n)->u.object.keys[i] : NULL;
}

json_node *json_object_value(const json_node *n, size_t i)
{
	return i < json_len(n) && YAJL_IS_OBJECT(Y(n)) ? N(Y(n)->u.object.values[i]) : NULL;
}

json_node *json_object_get(const json_node *n, const char *key)
{
	if (!YAJL_IS_OBJECT(Y(n)))
		return NULL;
	/* the last occurrence wins, as in most JSON decoders */
	for (size_t i = Y(n)->u.object.len; i > 0; i--)
		if (strcmp(Y(n)->u.object.keys[i - 1], key) == 0)
			return N(Y(n)->u.object.values[i - 1]);
	return NULL;
}

struct json_gen {
	yajl_gen g;
};

json_gen *json_gen_new(bool pretty)
{
	json_gen *g = xcalloc(1, sizeof(*g));

	g->g = yajl_gen_alloc(NULL);
	if (!g->g)
		abort();
	yajl_gen_config(g->g, yajl_gen_beautify, pretty ? 1 : 0);
	if (pretty)
		yajl_gen_config(g->g, yajl_gen_indent_string, "\t");
	return g;
}

void json_gen_free(json_gen *g)
{
	if (!g)
		return;
	yajl_gen_free(g->g);
	free(g);
}

void json_gen_map_open(json_gen *g)
{
	yajl_gen_map_open(g->g);
}

void json_gen_map_close(json_gen *g)
{
	yajl_gen_map_close(g->g);
}

void json_gen_array_open(json_gen *g)
{
	yajl_gen_array_open(g->g);
}

void json_gen_array_close(json_gen *g)
{
	yajl_gen_array_close(g->g);
}

void json_gen_string(json_gen *g, const char *s)
{
	yajl_gen_string(g->g, (const unsigned char *)s, strlen(s));
}

void json_gen_int(json_gen *g, long long v)
{
	yajl_gen_integer(g->g, v);
}

void json_gen_uint(json_gen *g, unsigned long long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu", v);
	yajl_gen_number(g->g, buf, (size_t)n);
}

void json_gen_bool(json_gen *g, bool v)
{
	yajl_gen_bool(g->g, v);
}

void json_gen_null(json_gen *g)
{
	yajl_gen_null(g->g);
}

void json_gen_kv_string(json_gen *g, const char *key, const char *value)
{
	json_gen_string(g, key);
	if (value)
		json_gen_string(g, value);
	else
		json_gen_null(g);
}

void json_gen_kv_int(json_gen *g, const char *key, long long v)
{
	json_gen_string(g, key);
	json_gen_int(g, v);
}

void json_gen_kv_uint(json_gen *g, const char *key, unsigned long long v)
{
	json_gen_string(g, key);
	json_gen_uint(g, v);
}

void json_gen_kv_bool(json_gen *g, const char *key, bool v)
{
	json_gen_string(g, key);
	json_gen_bool(g, v);
}

char *json_gen_text(json_gen *g, size_t *ret_len)
{
	const unsigned char *buf = NULL;
	size_t len = 0;

	yajl_gen_get_buf(g->g, &buf, &len);
	if (ret_len)
		*ret_len = len;
	return xstrndup((const char *)buf, len);
}
