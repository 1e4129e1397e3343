/* map_int.h: the inside of a compiled mapping, shared by map_core.c (parsing, checks) and
 * map_apply.c (the hot path). Not for other modules.
 *
 * Ownership: struct map owns everything below: the mapping text (parsed strings point into
 * it), the zone z (the parsed tree, constants), every `where` string and jq program.
 */
#ifndef DBXI_MAP_INT_H
#define DBXI_MAP_INT_H
#include <jv.h>
#include "map_conv.h"
#include "map_core.h"
#include "map_jq.h"

enum src_kind { SRC_NONE = 0, SRC_COLUMN, SRC_JQ, SRC_CONST };

struct map_src {
	enum src_kind kind;
	enum map_type type; /* the Insider type the value is converted to */
	int forced;         /* type given in the mapping ("type") */
	const char *col;    /* SRC_COLUMN: the column's name */
	uint32_t col_len;
	uint32_t hint;      /* where the column was in the last record */
	struct map_jq *jq;  /* SRC_JQ */
	const msgpack_object *decl; /* SRC_JQ: its "columns" list (an ARRAY of STR), or NULL */
	int jq_unclear;     /* SRC_JQ: the columns it reads cannot be told from its text */
	const msgpack_object *jq_text; /* SRC_JQ: the program (a STR in the parsed mapping) */
	msgpack_object cval; /* SRC_CONST: already converted */
	char *where;        /* the mapping key, "attributes.custom.ltv" (heap) */
};

struct map_field {
	msgpack_object key; /* the output key (a STR) */
	struct map_src src;
};

struct map_group {
	struct map_field *f;
	uint32_t n;
	struct map_src spread; /* a column (or jq) holding an object spread into the group */
};

struct map_event {
	struct map_src name, ts;
	struct map_group params, custom; /* params.spread fills defaults and custom */
};

struct map {
	char *name;   /* file name, for messages */
	char *text;   /* the mapping text */
	msgpack_zone *z;
	struct map_group ids, ids_custom, attrs, attrs_custom;
	struct map_src insider_id;
	struct map_src change_type; /* the _change_type column (found like the others) */
	struct map_event *ev;
	uint32_t nev;
	int skip_nulls, not_append, skip_hook;
	int nulls_clear, deletes; /* row-map --nulls, --deletes (map_step.h) */
	int has_jq;
	struct map_src **all; /* every source, for schema checks */
	uint32_t nall, capall;
	/* per record scratch */
	struct buf why;
	struct map_jq_row row; /* the record as jq sees it, kept between records */
	int row_ok;            /* row holds the current record */
};

/* the type of a default attribute or event parameter; -1 when name is not one */
int map_attr_type(const char *name, size_t n);
int map_param_type(const char *name, size_t n);
#endif
