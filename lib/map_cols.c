/* map_cols.c: map_columns (see map_core.h): the columns a mapping reads, for
 * dbx-cdf-read --columns (#11.5). */
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "map_int.h"

static int
is_cdf(const char *s, size_t n)
{
	return (n == 12 && !memcmp(s, "_change_type", 12)) ||
	       (n == 15 && !memcmp(s, "_commit_version", 15)) ||
	       (n == 17 && !memcmp(s, "_commit_timestamp", 17));
}

/* appends name + "\n" to out unless it is a CDF column or already there */
static int
add(struct buf *out, const char *s, size_t n)
{
	if (!n || is_cdf(s, n) || memchr(s, '\n', n))
		return 0;
	for (const char *p = out->p; p && *p;) {
		const char *nl = strchr(p, '\n');
		if ((size_t)(nl - p) == n && !memcmp(p, s, n))
			return 0;
		p = nl + 1;
	}
	if (buf_add(out, s, n) < 0 || buf_addc(out, '\n') < 0)
		return -1;
	return 0;
}

int
map_columns(const struct map *m, struct buf *out, struct buf *note)
{
	buf_reset(out);
	for (uint32_t i = 0; i < m->nall; i++) {
		const struct map_src *s = m->all[i];
		if (s->kind == SRC_COLUMN) {
			if (add(out, s->col, s->col_len) < 0)
				return -1;
		} else if (s->kind == SRC_JQ && s->decl) {
			for (uint32_t k = 0; k < s->decl->via.array.size; k++) {
				const msgpack_object *c = &s->decl->via.array.ptr[k];
				if (add(out, c->via.str.ptr, c->via.str.size) < 0)
					return -1;
			}
		} else if (s->kind == SRC_JQ && s->jq_text) {
			char **names = NULL;
			uint32_t nn = 0;
			long r = map_jq_fields(s->jq_text->via.str.ptr, s->jq_text->via.str.size, &names, &nn);
			int bad = 0;
			for (uint32_t k = 0; k < nn; k++) {
				if (!bad && add(out, names[k], strlen(names[k])) < 0)
					bad = 1;
				free(names[k]);
			}
			free(names);
			if (bad)
				return -1;
			if (r < 0) {
				buf_reset(out);
				if (buf_adds(out, "*\n") < 0 || buf_printf(note, "%s: the jq program may read "
					"any column and declares no \"columns\": every column is read (*)",
					s->where) < 0)
					return -1;
				return 0;
			}
		}
	}
	return 0;
}
