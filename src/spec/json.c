/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only file that includes yajl: the JSON tree (built from yajl's event
 * parser), its accessors, and the generator wrappers. */
#include "spec/json.h"
#include "util/str.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#define STR_(x) #x
#define STR(x)  STR_(x)

/* The tree is built from yajl's event parser rather than yajl_tree: a node
 * is 16 bytes, the children of an array or object are one array (an object
 * alternates key and value nodes), and strings are allocated once, so that
 * the spec parser can take them over (json_string_take) instead of copying
 * them. A 100 MiB config.json used to peak at three times its size in
 * memory (text, tree strings, spec strings, plus yajl_tree's nodes). */
struct json_node {
	uint32_t len; /* array: elements; object: members (key, value pairs); bool: 0 or 1 */
	uint8_t type; /* enum json_type */
	union {
		char *s;                 /* string (NULL once taken), number text */
		struct json_node *items; /* array: len nodes; object: 2 * len */
	} u;
};

/* yajl calls back once per value; the builder keeps a stack of the open
 * arrays and objects, each collecting its children in a growing array. Its
 * depth is bounded, so neither building nor freeing recurses without bound
 * on a hostile document of deeply nested arrays. */
#define JSON_MAX_DEPTH 1000

struct frame {
	struct json_node *items;
	size_t n, cap; /* nodes */
	uint8_t type;
};

struct builder {
	struct frame *stack; /* grown as the nesting deepens, up to JSON_MAX_DEPTH */
	size_t depth, cap;
	struct json_node root;
	const char *fail; /* why a callback stopped the parse */
};

static void node_free_children(struct json_node *n)
{
	if (n->type == JSON_STRING || n->type == JSON_NUMBER) {
		free(n->u.s);
	} else if (n->type == JSON_ARRAY || n->type == JSON_OBJECT) {
		size_t count = n->type == JSON_OBJECT ? 2 * (size_t)n->len : n->len;
		for (size_t i = 0; i < count; i++)
			node_free_children(&n->u.items[i]);
		free(n->u.items);
	}
}

/* The next node of the innermost open container, or the root. */
static struct json_node *next_slot(struct builder *b)
{
	struct frame *f;

	if (b->depth == 0)
		return &b->root;
	f = &b->stack[b->depth - 1];
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->items = xrealloc(f->items, f->cap * sizeof(*f->items));
	}
	return &f->items[f->n++];
}

static int put_scalar(void *ctx, uint8_t type, uint32_t len, char *s)
{
	*next_slot(ctx) = (struct json_node){.type = type, .len = len, .u.s = s};
	return 1;
}

static char *copy_text(const void *s, size_t len)
{
	char *out = xmalloc(len + 1);

	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static int on_null(void *ctx)
{
	return put_scalar(ctx, JSON_NULL, 0, NULL);
}

static int on_boolean(void *ctx, int v)
{
	return put_scalar(ctx, JSON_BOOL, v ? 1 : 0, NULL);
}

static int on_number(void *ctx, const char *s, size_t len)
{
	return put_scalar(ctx, JSON_NUMBER, 0, copy_text(s, len));
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	return put_scalar(ctx, JSON_STRING, 0, copy_text(s, len));
}

static int open_container(void *ctx, uint8_t type)
{
	struct builder *b = ctx;

	if (b->depth == JSON_MAX_DEPTH) {
		b->fail = "nesting deeper than " STR(JSON_MAX_DEPTH) " levels";
		return 0;
	}
	if (b->depth == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		if (b->cap > JSON_MAX_DEPTH)
			b->cap = JSON_MAX_DEPTH;
		b->stack = xrealloc(b->stack, b->cap * sizeof(*b->stack));
	}
	b->stack[b->depth++] = (struct frame){.type = type};
	return 1;
}

static int close_container(void *ctx)
{
	struct builder *b = ctx;
	struct frame f = b->stack[--b->depth];
	size_t len = f.type == JSON_OBJECT ? f.n / 2 : f.n;
	struct json_node *n;

	if (len > UINT32_MAX) {
		b->stack[b->depth++] = f; /* freed with the rest */
		b->fail = "more than 4294967295 elements in an array or object";
		return 0;
	}
	if (f.n < f.cap) /* give the slack back: the tree lives as long as the parse */
		f.items = f.n ? xrealloc(f.items, f.n * sizeof(*f.items)) : (free(f.items), NULL);
	n = next_slot(b);
	*n = (struct json_node){.type = f.type, .len = (uint32_t)len, .u.items = f.items};
	return 1;
}

static int on_start_map(void *ctx)
{
	return open_container(ctx, JSON_OBJECT);
}

static int on_start_array(void *ctx)
{
	return open_container(ctx, JSON_ARRAY);
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_string,
    .yajl_end_map = close_container,
    .yajl_start_array = on_start_array,
    .yajl_end_array = close_container,
};

static void builder_free(struct builder *b)
{
	for (size_t d = b->depth; d-- > 0;) {
		struct json_node n = {.type = b->stack[d].type,
		                      .len = (uint32_t)(b->stack[d].type == JSON_OBJECT
		                                            ? b->stack[d].n / 2
		                                            : b->stack[d].n),
		                      .u.items = b->stack[d].items};
		/* an object cut after a key: that key is not counted in len */
		if (n.type == JSON_OBJECT && b->stack[d].n % 2)
			free(b->stack[d].items[b->stack[d].n - 1].u.s);
		node_free_children(&n);
	}
	b->depth = 0;
	node_free_children(&b->root);
	free(b->stack);
	free(b);
}

/* One error line: yajl's message (which spans lines) or the builder's. */
static void parse_error(yajl_handle h, struct builder *b, const char *origin, const char *chunk,
                        size_t len, struct hutch_error **err)
{
	unsigned char *msg;
	char buf[1024];
	size_t l;

	if (b->fail) {
		herr_msg(err, "%s: invalid JSON: %s", origin, b->fail);
		return;
	}
	msg = yajl_get_error(h, 1, (const unsigned char *)chunk, len);
	snprintf(buf, sizeof(buf), "%s", msg ? (const char *)msg : "");
	if (msg)
		yajl_free_error(h, msg);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	l = strlen(buf);
	while (l > 0 && buf[l - 1] == ' ')
		buf[--l] = '\0';
	herr_msg(err, "%s: invalid JSON: %s", origin, buf[0] ? buf : "parse error");
}

struct json_parser {
	yajl_handle h;
	struct builder *b;
	const char *origin;
	const char *last; /* the piece fed last, for the context of an error */
	size_t last_len;
};

static void parser_init(struct json_parser *p, const char *origin)
{
	*p = (struct json_parser){.origin = origin, .last = ""};
	/* the frame stack starts empty and grows with the nesting: a fixed one
	 * of 1,000 frames was a 32 KiB allocation per parse, which made glibc
	 * consolidate its free chunks every time (and zeroing it, page faults) */
	p->b = xcalloc(1, sizeof(*p->b));
	p->b->root.type = JSON_NULL;
	p->h = yajl_alloc(&callbacks, NULL, p->b);
	if (!p->h)
		abort();
	yajl_config(p->h, yajl_allow_comments, 1); /* as yajl_tree_parse, used before */
}

/* Feed one piece of the document; -1 with *err on a syntax error. */
static int parser_feed(struct json_parser *p, const char *chunk, size_t len,
                       struct hutch_error **err)
{
	p->last = chunk;
	p->last_len = len;
	if (memchr(chunk, '\0', len)) {
		herr_msg(err, "%s: invalid JSON: embedded NUL byte", p->origin);
		return -1;
	}
	if (yajl_parse(p->h, (const unsigned char *)chunk, len) != yajl_status_ok) {
		parse_error(p->h, p->b, p->origin, chunk, len, err);
		return -1;
	}
	return 0;
}

/* End of the document: the tree, or NULL with *err (set already when !ok).
 * Frees the parser. */
static json_node *parser_finish(struct json_parser *p, bool ok, struct hutch_error **err)
{
	json_node *root = NULL;

	if (ok && yajl_complete_parse(p->h) != yajl_status_ok) {
		parse_error(p->h, p->b, p->origin, p->last, p->last_len, err);
	} else if (ok) {
		root = xmalloc(sizeof(*root));
		*root = p->b->root;
		p->b->root.type = JSON_NULL; /* now owned by root */
	}
	yajl_free(p->h);
	builder_free(p->b);
	return root;
}

json_node *json_parse(const char *origin, const char *text, size_t len, struct hutch_error **err)
{
	struct json_parser p;

	parser_init(&p, origin);
	return parser_finish(&p, parser_feed(&p, text, len, err) == 0, err);
}

json_node *json_parse_fd(const char *origin, int fd, struct hutch_error **err)
{
	char chunk[65536];
	struct json_parser p;
	bool ok = true;

	parser_init(&p, origin);
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			herr_errno(err, errno, "%s: read", origin);
			ok = false;
		}
		if (r <= 0)
			break;
		if (parser_feed(&p, chunk, (size_t)r, err) < 0) {
			ok = false;
			break;
		}
	}
	return parser_finish(&p, ok, err);
}

void json_free(json_node *n)
{
	if (!n)
		return;
	node_free_children(n);
	free(n);
}

void json_freep(json_node **n)
{
	json_free(*n);
	*n = NULL;
}

enum json_type json_type_of(const json_node *n)
{
	return n ? (enum json_type)n->type : JSON_NULL;
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {"null",   "boolean", "number",
	                                    "string", "object",  "array"};
	return names[t];
}

const char *json_string(const json_node *n)
{
	if (!n || n->type != JSON_STRING)
		return NULL;
	return n->u.s ? n->u.s : "";
}

char *json_string_take(json_node *n)
{
	char *s;

	if (!n || n->type != JSON_STRING)
		return NULL;
	s = n->u.s ? n->u.s : xstrdup("");
	n->u.s = NULL;
	return s;
}

const char *json_number_text(const json_node *n)
{
	return n && n->type == JSON_NUMBER ? n->u.s : NULL;
}

bool json_bool(const json_node *n)
{
	return n && n->type == JSON_BOOL && n->len;
}

size_t json_len(const json_node *n)
{
	return n && (n->type == JSON_ARRAY || n->type == JSON_OBJECT) ? n->len : 0;
}

json_node *json_array_at(const json_node *n, size_t i)
{
	return n && n->type == JSON_ARRAY && i < n->len ? &n->u.items[i] : NULL;
}

const char *json_object_key(const json_node *n, size_t i)
{
	return n && n->type == JSON_OBJECT && i < n->len ? json_string(&n->u.items[2 * i]) : NULL;
}

char *json_object_key_take(json_node *n, size_t i)
{
	return n && n->type == JSON_OBJECT && i < n->len ? json_string_take(&n->u.items[2 * i])
	                                                 : NULL;
}

json_node *json_object_value(const json_node *n, size_t i)
{
	return n && n->type == JSON_OBJECT && i < n->len ? &n->u.items[2 * i + 1] : NULL;
}

json_node *json_object_get(const json_node *n, const char *key)
{
	if (!n || n->type != JSON_OBJECT)
		return NULL;
	/* the last occurrence wins, as in most JSON decoders */
	for (size_t i = n->len; i > 0; i--) {
		const char *k = n->u.items[2 * (i - 1)].u.s;
		if (k && strcmp(k, key) == 0)
			return &n->u.items[2 * (i - 1) + 1];
	}
	return NULL;
}

/* The generator prints into a buffer of its own, which json_gen_text hands
 * over: yajl's buffer would have to be copied out (a second copy of, say,
 * a state.json with large annotations). */
struct json_gen {
	yajl_gen g;
	char *buf;
	size_t len, cap;
	int fd;    /* json_gen_new_fd: the text goes there, 64 KiB at a time */
	int error; /* errno of the first failed write to fd */
};

#define GEN_FLUSH_AT (64 * 1024)

/* Write what is buffered to fd (json_gen_new_fd), remembering a failure. */
static void gen_write(json_gen *g, const char *s, size_t len)
{
	while (len > 0 && !g->error) {
		ssize_t w = write(g->fd, s, len);
		if (w < 0 && errno != EINTR)
			g->error = errno;
		else if (w > 0) {
			s += w;
			len -= (size_t)w;
		}
	}
}

static void gen_print(void *ctx, const char *s, size_t len)
{
	json_gen *g = ctx;

	if (g->fd >= 0 && g->len + len > GEN_FLUSH_AT) {
		gen_write(g, g->buf, g->len);
		g->len = 0;
		if (len > GEN_FLUSH_AT) { /* one long string: straight through */
			gen_write(g, s, len);
			return;
		}
	}
	if (g->cap - g->len < len + 1) {
		while (g->cap - g->len < len + 1)
			g->cap = g->cap ? g->cap * 2 : 256;
		g->buf = xrealloc(g->buf, g->cap);
	}
	memcpy(g->buf + g->len, s, len);
	g->len += len;
	g->buf[g->len] = '\0';
}

json_gen *json_gen_new(bool pretty)
{
	json_gen *g = xcalloc(1, sizeof(*g));

	g->fd = -1;
	g->g = yajl_gen_alloc(NULL);
	if (!g->g)
		abort();
	yajl_gen_config(g->g, yajl_gen_print_callback, gen_print, g);
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
	free(g->buf);
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

json_gen *json_gen_new_fd(int fd, bool pretty)
{
	json_gen *g = json_gen_new(pretty);

	g->fd = fd;
	return g;
}

int json_gen_flush(json_gen *g)
{
	gen_write(g, g->buf, g->len);
	g->len = 0;
	if (!g->error)
		return 0;
	errno = g->error;
	return -1;
}

char *json_gen_text(json_gen *g, size_t *ret_len)
{
	char *out = g->buf ? g->buf : xstrdup("");

	if (ret_len)
		*ret_len = g->len;
	g->buf = NULL;
	g->len = g->cap = 0;
	return out;
}
