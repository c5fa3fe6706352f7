/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table-driven JSON -> struct engine behind spec_parse: field tables,
 * the parse context (origin + JSON path for messages) and table-driven free. */
#ifndef HUTCH_SPEC_PARSE_INTERNAL_H
#define HUTCH_SPEC_PARSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/json.h"
#include "spec/names.h"
#include "util/error.h"

enum pkind {
	PK_STR,      /* char * */
	PK_BOOL,     /* bool */
	PK_OPT_BOOL, /* struct opt_bool */
	PK_STRV,     /* char ** (NULL-terminated; [] gives an empty, non-NULL vector) */
	PK_INT,      /* integer: .range says what JSON accepts, .store how it is kept */
	PK_U32V,     /* uint32_t * with a size_t count at .count_offset */
	PK_OBJ,      /* pointer to a new .desc object (NULL when absent) */
	PK_EMBED,    /* .desc object stored in place */
	PK_ARRAY,    /* array of .desc objects, size_t count at .count_offset */
	PK_MAP,      /* object of .desc objects; each keeps its key at .desc->key_offset */
	PK_KV,       /* object of strings -> struct spec_kv array + count */
	PK_ENUM,     /* a name of .names, kept as its uint32_t value */
	PK_ENUMV,    /* array of names of .names: uint32_t * with a size_t count at .count_offset */
	PK_CUSTOM,   /* .custom(ctx, node, base); must not allocate */
};

enum prange { R_U16, R_U32, R_U64, R_I32, R_I64 };
enum pstore { ST_U32, ST_I32, ST_U64, ST_I64, ST_OPT_I64, ST_OPT_U64 };

struct pctx;
struct pdesc;

struct pfield {
	const char *key; /* NULL ends a table */
	enum pkind kind;
	enum prange range;
	enum pstore store;
	bool required;
	size_t offset;
	size_t count_offset;
	const struct pdesc *desc;
	const struct spec_names *names; /* PK_ENUM, PK_ENUMV */
	int (*custom)(struct pctx *c, const json_node *n, void *base);
};

struct pdesc {
	size_t size;
	const struct pfield *fields;
	size_t key_offset; /* PK_MAP entries: where the key (char *) goes */
	/* optional check after all fields parsed; n is the JSON object */
	int (*check)(struct pctx *c, const json_node *n, void *obj);
};

struct pctx {
	const char *origin;
	struct hutch_error **err;
	char *path; /* ".process.rlimits[1]" */
	size_t len, cap;
};

/* Table rows. */
#define PF(k, kd, T, m, ...)                                                                       \
	{                                                                                          \
		.key = (k), .kind = (kd), .offset = offsetof(T, m), __VA_ARGS__                    \
	}
#define P_REQ       .required = true
#define P_INT(r, s) .range = (r), .store = (s)
#define P_CNT(T, m) .count_offset = offsetof(T, m)
#define P_SUB(d)    .desc = &(d)
#define P_NAMES(t)  .names = &(t)
#define P_END                                                                                      \
	{                                                                                          \
		.key = NULL                                                                        \
	}

/* Shared tables: config-linux.md objects (parse_linux.c) and the id mapping
 * entry used by both files (parse.c). */
extern const struct pdesc pdesc_linux;
extern const struct pdesc pdesc_resources;
extern const struct pdesc pdesc_id_mapping;

/* Path handling: push returns a mark to restore. */
size_t pctx_push_key(struct pctx *c, const char *key);
size_t pctx_push_index(struct pctx *c, size_t i);
void pctx_restore(struct pctx *c, size_t mark);
/* Fail with "<origin>: <path>: <message>". Returns -1. */
int pctx_fail(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pctx_done(struct pctx *c);

/* Parse the JSON object n into obj following fields (error if n is not an
 * object). On failure obj may hold partial data: free it with pdesc_free_fields. */
int pctx_parse_fields(struct pctx *c, const json_node *n, const struct pfield *fields, void *obj);
/* Allocate and parse a whole desc object; NULL on failure (nothing leaks). */
void *pctx_parse_new(struct pctx *c, const json_node *n, const struct pdesc *d);
/* Free everything the fields own inside obj (not obj itself). */
void pdesc_free_fields(const struct pfield *fields, void *obj);

#endif
