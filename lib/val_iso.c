/* val_iso.c: see val_iso.h. */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rec.h"
#include "val_iso.h"

#define ISO_FILE_MAX (8u << 20)
#define ISO_PACKAGE "Debian's iso-codes package (apt-get install iso-codes)"

struct val_iso {
	uint8_t a2[26 * 26 / 8 + 1];
	uint8_t a3[26 * 26 * 26 / 8 + 1];
	size_t n2, n3;
};

static long
code_index(const char *s, size_t n, size_t want)
{
	long v = 0;
	size_t i;
	if (n != want)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < 'A' || s[i] > 'Z')
			return -1;
		v = v * 26 + (s[i] - 'A');
	}
	return v;
}

static int
bit_get(const uint8_t *b, long i)
{
	return i >= 0 && (b[i >> 3] >> (i & 7)) & 1;
}

int
val_iso_country(const struct val_iso *t, const char *s, size_t n)
{
	return bit_get(t->a2, code_index(s, n, 2));
}

int
val_iso_currency(const struct val_iso *t, const char *s, size_t n)
{
	return bit_get(t->a3, code_index(s, n, 3));
}

size_t val_iso_ncountries(const struct val_iso *t) { return t->n2; }
size_t val_iso_ncurrencies(const struct val_iso *t) { return t->n3; }

void
val_iso_free(struct val_iso *t)
{
	free(t);
}

/* sets the bit of each list[i][key] in bits; the top-level object is {listkey: [...]} */
static int
load_codes(const char *text, size_t n, const char *what, const char *listkey, const char *key,
	   size_t len, uint8_t *bits, size_t *count, struct err *e)
{
	msgpack_zone *z = msgpack_zone_new(8192);
	msgpack_object root;
	const msgpack_object *list;
	uint32_t i;
	int rc = -1;
	if (!z)
		return err_set(e, XIT_TEMPFAIL, "%s: out of memory", what);
	if (rec_json_parse(text, n, z, &root, e) < 0) {
		char m[sizeof e->msg];
		memcpy(m, e->msg, sizeof m);
		err_set(e, XIT_CONFIG, "%s: not iso-codes JSON (%s); reinstall " ISO_PACKAGE, what, m);
		goto out;
	}
	if (root.type != MSGPACK_OBJECT_MAP || !(list = rec_get(&root, listkey)) ||
	    list->type != MSGPACK_OBJECT_ARRAY) {
		err_set(e, XIT_CONFIG, "%s: no \"%s\" list; reinstall " ISO_PACKAGE, what, listkey);
		goto out;
	}
	for (i = 0; i < list->via.array.size; i++) {
		const msgpack_object *el = &list->via.array.ptr[i], *c;
		long k;
		if (el->type != MSGPACK_OBJECT_MAP || !(c = rec_get(el, key)) ||
		    c->type != MSGPACK_OBJECT_STR)
			continue;
		k = code_index(c->via.str.ptr, c->via.str.size, len);
		if (k < 0) {
			err_set(e, XIT_CONFIG, "%s: entry %u: %s is not %zu upper-case letters", what,
				(unsigned)i, key, len);
			goto out;
		}
		if (!bit_get(bits, k))
			(*count)++;
		bits[k >> 3] |= (uint8_t)(1u << (k & 7));
	}
	if (*count == 0) {
		err_set(e, XIT_CONFIG, "%s: no %s codes; reinstall " ISO_PACKAGE, what, key);
		goto out;
	}
	rc = 0;
out:
	msgpack_zone_free(z);
	return rc;
}

struct val_iso *
val_iso_parse(const char *c3166, size_t n3166, const char *c4217, size_t n4217, struct err *e)
{
	struct val_iso *t = calloc(1, sizeof *t);
	if (!t) {
		err_set(e, XIT_TEMPFAIL, "iso codes: out of memory");
		return NULL;
	}
	if (load_codes(c3166, n3166, "iso_3166-1.json", "3166-1", "alpha_2", 2, t->a2, &t->n2, e) <
		0 ||
	    load_codes(c4217, n4217, "iso_4217.json", "4217", "alpha_3", 3, t->a3, &t->n3, e) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

static char *
slurp(const char *path, size_t *n, struct err *e)
{
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, path, ISO_FILE_MAX, e) < 0) {
		if (errno == ENOENT)
			err_set(e, XIT_CONFIG, "%s: missing; install " ISO_PACKAGE, path);
		buf_free(&b);
		return NULL;
	}
	*n = b.len;
	if (!b.p)
		return calloc(1, 1);
	return buf_detach(&b);
}

struct val_iso *
val_iso_load(const char *dir, struct err *e)
{
	char p1[4096], p2[4096];
	char *t1 = NULL, *t2 = NULL;
	size_t n1 = 0, n2 = 0;
	struct val_iso *t = NULL;
	if (!dir && !(dir = getenv("DBXI_ISO_CODES_DIR")))
		dir = VAL_ISO_DIR_DEFAULT;
	if ((size_t)snprintf(p1, sizeof p1, "%s/iso_3166-1.json", dir) >= sizeof p1 ||
	    (size_t)snprintf(p2, sizeof p2, "%s/iso_4217.json", dir) >= sizeof p2) {
		err_set(e, XIT_CONFIG, "%s: iso-codes directory name too long", dir);
		return NULL;
	}
	if ((t1 = slurp(p1, &n1, e)) && (t2 = slurp(p2, &n2, e)))
		t = val_iso_parse(t1, n1, t2, n2, e);
	if (!t && e->msg[0] && strncmp(e->msg, "iso_", 4) == 0) {
		/* name the full path in parse errors */
		char m[sizeof e->msg];
		memcpy(m, e->msg, sizeof m);
		err_set(e, e->status, "%s/%s", dir, m);
	}
	free(t1);
	free(t2);
	return t;
}
