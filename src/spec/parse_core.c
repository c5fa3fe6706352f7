/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The generic engine behind the config.json tables: walks a json.h tree along
 * a field table, checks types and integer ranges (exactly, from the number's
 * text), keeps the JSON path for messages, and frees along the same tables. */
#include "spec/parse_internal.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- JSON path ---------------------------------------------------------- */

static void path_append(struct pctx *c, const char *s)
{
	size_t l = strlen(s);

	if (c->len + l + 1 > c->cap) {
		c->cap = (c->len + l + 1) * 2;
		c->path = xrealloc(c->path, c->cap);
	}
	memcpy(c->path + c->len, s, l + 1);
	c->len += l;
}

static bool is_identifier(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

size_t pctx_push_key(struct pctx *c, const char *key)
{
	size_t mark = c->len;

	if (is_identifier(key)) {
		path_append(c, ".");
		path_append(c, key);
		return mark;
	}
	/* jq-style ["some.key"]; quote and backslash escaped */
	path_append(c, "[\"");
	for (const char *p = key; *p; p++) {
		char ch[3] = {*p, 0, 0};
		if (*p == '"' || *p == '\\') {
			ch[0] = '\\';
			ch[1] = *p;
		}
		path_append(c, ch);
	}
	path_append(c, "\"]");
	return mark;
}

size_t pctx_push_index(struct pctx *c, size_t i)
{
	size_t mark = c->len;
	char buf[32];

	snprintf(buf, sizeof(buf), "[%zu]", i);
	path_append(c, buf);
	return mark;
}

void pctx_restore(struct pctx *c, size_t mark)
{
	c->len = mark;
	if (c->path)
		c->path[mark] = '\0';
}

int pctx_fail(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	herr_msg(c->err, "%s: %s: %s", c->origin, c->len ? c->path : ".", msg);
	free(msg);
	return -1;
}

void pctx_done(struct pctx *c)
{
	free(c->path);
	c->path = NULL;
	c->len = c->cap = 0;
}

static int type_fail(struct pctx *c, const char *want, const json_node *n)
{
	return pctx_fail(c, "expected %s, got %s", want, json_type_name(json_type_of(n)));
}

/* --- integers ----------------------------------------------------------- */

static const struct {
	const char *name;
	uint64_t max;     /* largest positive value */
	uint64_t neg_max; /* largest magnitude of a negative value */
} ranges[] = {
    [R_U16] = {"unsigned 16-bit integer", UINT16_MAX, 0},
    [R_U32] = {"unsigned 32-bit integer", UINT32_MAX, 0},
    [R_U64] = {"unsigned integer", UINT64_MAX, 0},
    [R_I32] = {"32-bit integer", INT32_MAX, (uint64_t)INT32_MAX + 1},
    [R_I64] = {"integer", INT64_MAX, (uint64_t)INT64_MAX + 1},
};

/* Split an integer literal into sign and magnitude. -1 for fractions,
 * exponents or magnitudes beyond 64 bits. */
static int number_split(const char *t, bool *neg, uint64_t *mag)
{
	uint64_t v = 0;

	*neg = *t == '-';
	if (*neg)
		t++;
	if (!*t)
		return -1;
	for (; *t; t++) {
		if (*t < '0' || *t > '9')
			return -1;
		unsigned d = (unsigned)(*t - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*mag = v;
	return 0;
}

static int parse_int(struct pctx *c, const json_node *n, enum prange r, bool *neg, uint64_t *mag)
{
	const char *t = json_number_text(n);

	if (!t)
		return type_fail(c, ranges[r].name, n);
	if (number_split(t, neg, mag) < 0 ||
	    (*neg ? *mag > ranges[r].neg_max : *mag > ranges[r].max))
		return pctx_fail(c, "expected %s, got %s", ranges[r].name, t);
	if (*neg && *mag == 0)
		*neg = false; /* -0 */
	return 0;
}

static void store_int(void *p, enum pstore s, bool neg, uint64_t mag)
{
	/* magnitudes were range-checked, so the narrowing below is exact */
	int64_t sv = neg ? (int64_t)(0 - mag) : (int64_t)mag;

	switch (s) {
	case ST_U32:
		*(uint32_t *)p = (uint32_t)mag;
		break;
	case ST_I32:
		*(int32_t *)p = (int32_t)sv;
		break;
	case ST_U64:
		*(uint64_t *)p = mag;
		break;
	case ST_I64:
		*(int64_t *)p = sv;
		break;
	case ST_OPT_I64:
		*(struct opt_i64 *)p = (struct opt_i64){.set = true, .value = sv};
		break;
	case ST_OPT_U64:
		*(struct opt_u64 *)p = (struct opt_u64){.set = true, .value = mag};
		break;
	}
}

static int parse_int_field(struct pctx *c, const json_node *n, const struct pfield *f, void *p)
{
	bool neg = false;
	uint64_t mag = 0;

	if (parse_int(c, n, f->range, &neg, &mag) < 0)
		return -1;
	store_int(p, f->store, neg, mag);
	return 0;
}

/* --- scalars and string arrays ------------------------------------------ */

/* Strings are taken out of the tree, not copied: the tree is freed when the
 * parse ends, and a large document is not held twice. */
static int parse_str(struct pctx *c, json_node *n, char **p)
{
	if (!json_string(n))
		return type_fail(c, "string", n);
	free(*p);
	*p = json_string_take(n);
	return 0;
}

static int parse_bool(struct pctx *c, const json_node *n, bool *p)
{
	if (json_type_of(n) != JSON_BOOL)
		return type_fail(c, "boolean", n);
	*p = json_bool(n);
	return 0;
}

static int parse_strv(struct pctx *c, json_node *n, char ***p)
{
	size_t len = json_len(n);

	if (json_type_of(n) != JSON_ARRAY)
		return type_fail(c, "array", n);
	strv_free(*p);
	*p = xcalloc(len + 1, sizeof(char *));
	for (size_t i = 0; i < len; i++) {
		if (!json_string(json_array_at(n, i))) {
			size_t mark = pctx_push_index(c, i);
			type_fail(c, "string", json_array_at(n, i));
			pctx_restore(c, mark);
			return -1;
		}
		(*p)[i] = json_string_take(json_array_at(n, i));
	}
	return 0;
}

/* --- kernel names -------------------------------------------------------- */

/* A name of f->names to its value; the path names the element. */
static int parse_name(struct pctx *c, const json_node *n, const struct spec_names *t, uint32_t *ret)
{
	const char *s = json_string(n);
	const struct spec_name *row;

	if (!s)
		return type_fail(c, "string", n);
	row = spec_name_find(t, s);
	if (!row)
		return pctx_fail(c, "unknown %s \"%s\"", t->what, s);
	*ret = row->value;
	return 0;
}

/* One element of a uint32_t array: an integer in f->range (PK_U32V) or a
 * name of f->names (PK_ENUMV). */
static int parse_u32_elem(struct pctx *c, const json_node *n, const struct pfield *f, uint32_t *ret)
{
	bool neg = false;
	uint64_t mag = 0;

	if (f->kind == PK_ENUMV)
		return parse_name(c, n, f->names, ret);
	if (parse_int(c, n, f->range, &neg, &mag) < 0)
		return -1;
	*ret = (uint32_t)mag;
	return 0;
}

static int parse_u32v(struct pctx *c, const json_node *n, const struct pfield *f, void *base)
{
	uint32_t **p = (uint32_t **)((char *)base + f->offset);
	size_t *count = (size_t *)((char *)base + f->count_offset);
	size_t len = json_len(n);

	if (json_type_of(n) != JSON_ARRAY)
		return type_fail(c, "array", n);
	free(*p);
	*p = xcalloc(len, sizeof(uint32_t));
	*count = len;
	for (size_t i = 0; i < len; i++) {
		size_t mark = pctx_push_index(c, i);
		int r = parse_u32_elem(c, json_array_at(n, i), f, &(*p)[i]);
		pctx_restore(c, mark);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* --- objects, arrays, maps ---------------------------------------------- */

static int parse_object(struct pctx *c, const json_node *n, const struct pdesc *d, void *obj)
{
	if (pctx_parse_fields(c, n, d->fields, obj) < 0)
		return -1;
	return d->check ? d->check(c, n, obj) : 0;
}

void *pctx_parse_new(struct pctx *c, const json_node *n, const struct pdesc *d)
{
	void *obj = xcalloc(1, d->size);

	if (parse_object(c, n, d, obj) < 0) {
		pdesc_free_fields(d->fields, obj);
		free(obj);
		return NULL;
	}
	return obj;
}

static int parse_obj_ptr(struct pctx *c, const json_node *n, const struct pdesc *d, void **p)
{
	void *obj = pctx_parse_new(c, n, d);

	if (!obj)
		return -1;
	if (*p) {
		pdesc_free_fields(d->fields, *p);
		free(*p);
	}
	*p = obj;
	return 0;
}

static void free_elems(const struct pdesc *d, char *arr, size_t n, bool keyed)
{
	for (size_t i = 0; i < n; i++) {
		pdesc_free_fields(d->fields, arr + i * d->size);
		if (keyed)
			free(*(char **)(arr + i * d->size + d->key_offset));
	}
	free(arr);
}

static int parse_array(struct pctx *c, const json_node *n, const struct pfield *f, void *base)
{
	const struct pdesc *d = f->desc;
	char **p = (char **)((char *)base + f->offset);
	size_t *count = (size_t *)((char *)base + f->count_offset);
	size_t len = json_len(n);

	if (json_type_of(n) != JSON_ARRAY)
		return type_fail(c, "array", n);
	free_elems(d, *p, *count, false);
	/* count set first: on failure the caller frees all (zeroed) elements */
	*p = xcalloc(len, d->size);
	*count = len;
	for (size_t i = 0; i < len; i++) {
		size_t mark = pctx_push_index(c, i);
		int r = parse_object(c, json_array_at(n, i), d, *p + i * d->size);
		pctx_restore(c, mark);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* JSON objects may repeat a key; the last occurrence wins (as in
 * json_object_get). Returns a mask of the entries to keep, computed by sorting
 * indices by key so large maps stay O(n log n); 5 bytes per entry, for maps
 * of millions. Caller frees. */
static int cmp_key_index(const void *a, const void *b, void *obj)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int r = strcmp(json_object_key(obj, x), json_object_key(obj, y));

	if (r)
		return r;
	return x < y ? -1 : x > y;
}

static bool *last_occurrences(const json_node *n)
{
	size_t len = json_len(n); /* at most UINT32_MAX (json.h) */
	bool *keep = xcalloc(len, sizeof(bool));
	uint32_t *idx = xcalloc(len, sizeof(*idx));

	for (size_t i = 0; i < len; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, len, sizeof(*idx), cmp_key_index, (void *)n);
	for (size_t i = 0; i < len; i++)
		keep[idx[i]] = i + 1 == len || strcmp(json_object_key(n, idx[i]),
		                                      json_object_key(n, idx[i + 1])) != 0;
	free(idx);
	return keep;
}

static int parse_map(struct pctx *c, json_node *n, const struct pfield *f, void *base)
{
	const struct pdesc *d = f->desc;
	char **p = (char **)((char *)base + f->offset);
	size_t *count = (size_t *)((char *)base + f->count_offset);
	size_t len = json_len(n);

	if (json_type_of(n) != JSON_OBJECT)
		return type_fail(c, "object", n);
	_cleanup_free_ bool *keep = last_occurrences(n);

	free_elems(d, *p, *count, true);
	*p = xcalloc(len, d->size);
	*count = 0;
	for (size_t i = 0; i < len; i++) {
		if (!keep[i])
			continue;
		char *elem = *p + *count * d->size;
		char *key = json_object_key_take(n, i);
		*(char **)(elem + d->key_offset) = key;
		(*count)++;
		size_t mark = pctx_push_key(c, key);
		int r = parse_object(c, json_object_value(n, i), d, elem);
		pctx_restore(c, mark);
		if (r < 0)
			return -1;
	}
	return 0;
}

static void free_kv(struct spec_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static int parse_kv(struct pctx *c, json_node *n, const struct pfield *f, void *base)
{
	struct spec_kv **p = (struct spec_kv **)((char *)base + f->offset);
	size_t *count = (size_t *)((char *)base + f->count_offset);
	size_t len = json_len(n);

	if (json_type_of(n) != JSON_OBJECT)
		return type_fail(c, "object", n);
	_cleanup_free_ bool *keep = last_occurrences(n);

	free_kv(*p, *count);
	*p = xcalloc(len, sizeof(struct spec_kv));
	*count = 0;
	for (size_t i = 0; i < len; i++) {
		json_node *value = json_object_value(n, i);
		if (!json_string(value)) {
			size_t mark = pctx_push_key(c, json_object_key(n, i));
			type_fail(c, "string", value);
			pctx_restore(c, mark);
			return -1;
		}
		if (!keep[i])
			continue;
		(*p)[*count].key = json_object_key_take(n, i);
		(*p)[*count].value = json_string_take(value);
		(*count)++;
	}
	return 0;
}

/* --- one field ---------------------------------------------------------- */

static int parse_field(struct pctx *c, json_node *v, const struct pfield *f, void *base)
{
	void *p = (char *)base + f->offset;

	switch (f->kind) {
	case PK_STR:
		return parse_str(c, v, p);
	case PK_BOOL:
		return parse_bool(c, v, p);
	case PK_OPT_BOOL:
		((struct opt_bool *)p)->set = true;
		return parse_bool(c, v, &((struct opt_bool *)p)->value);
	case PK_STRV:
		return parse_strv(c, v, p);
	case PK_INT:
		return parse_int_field(c, v, f, p);
	case PK_U32V:
	case PK_ENUMV:
		return parse_u32v(c, v, f, base);
	case PK_OBJ:
		return parse_obj_ptr(c, v, f->desc, p);
	case PK_EMBED:
		return parse_object(c, v, f->desc, p);
	case PK_ARRAY:
		return parse_array(c, v, f, base);
	case PK_MAP:
		return parse_map(c, v, f, base);
	case PK_KV:
		return parse_kv(c, v, f, base);
	case PK_ENUM:
		return parse_name(c, v, f->names, p);
	case PK_CUSTOM:
		return f->custom(c, v, base);
	}
	return pctx_fail(c, "internal error: unknown field kind");
}

int pctx_parse_fields(struct pctx *c, const json_node *n, const struct pfield *fields, void *obj)
{
	if (json_type_of(n) != JSON_OBJECT)
		return type_fail(c, "object", n);
	for (const struct pfield *f = fields; f->key; f++) {
		json_node *v = json_object_get(n, f->key);
		size_t mark = pctx_push_key(c, f->key);
		int r = 0;

		/* an explicit null counts as absent, as in Go's encoding/json */
		if (json_type_of(v) == JSON_NULL) {
			if (f->required)
				r = pctx_fail(c, "required field is missing");
		} else {
			r = parse_field(c, v, f, obj);
		}
		pctx_restore(c, mark);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* --- freeing along the tables ------------------------------------------- */

void pdesc_free_fields(const struct pfield *fields, void *obj)
{
	for (const struct pfield *f = fields; f->key; f++) {
		void *p = (char *)obj + f->offset;
		size_t *n = (size_t *)((char *)obj + f->count_offset); /* arrays and maps only */

		switch (f->kind) {
		case PK_STR:
		case PK_U32V:
		case PK_ENUMV:
			free(*(void **)p);
			break;
		case PK_STRV:
			strv_free(*(char ***)p);
			break;
		case PK_OBJ:
			if (*(void **)p)
				pdesc_free_fields(f->desc->fields, *(void **)p);
			free(*(void **)p);
			break;
		case PK_EMBED:
			pdesc_free_fields(f->desc->fields, p);
			break;
		case PK_ARRAY:
		case PK_MAP:
			free_elems(f->desc, *(char **)p, *n, f->kind == PK_MAP);
			break;
		case PK_KV:
			free_kv(*(struct spec_kv **)p, *n);
			break;
		default:
			break;
		}
	}
}
