/* rec_io.c: record streams: the reader (form detection, NDJSON and MessagePack, the record
 * size cap) and the buffered writer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rec.h"
#include "rec_priv.h"

#define READ_CHUNK (256u << 10)

struct rec_reader {
	int fd;
	int form; /* -1 unknown */
	int eof;
	size_t max;
	uint64_t count;
	/* JSON: raw bytes in buf[off..len) */
	char *buf;
	size_t off, len, cap;
	size_t nlscan; /* bytes from off already known to hold no newline */
	msgpack_zone *zone;
	struct jp jp;
	/* MessagePack: records are read into buf too, then decoded in place into zone */
	struct buf path;
	size_t budget;   /* bytes a record may take decoded */
	struct rej *rej; /* records too large to pass go there (rec_reader_rejects) */
	struct buf meta; /* the metadata of the last record set aside, as text or MessagePack */
	size_t raw_off, raw_n; /* the last MessagePack record returned: buf[raw_off..+raw_n) */
};

/* REC_PIPE_SIZE for a pipe (rec.h): the most the system allows up to it; nothing else */
static void
pipe_enlarge(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return;
	int now = fcntl(fd, F_GETPIPE_SZ);
	for (int sz = REC_PIPE_SIZE; now >= 0 && sz > now; sz /= 2)
		if (fcntl(fd, F_SETPIPE_SZ, sz) >= 0)
			break;
#else
	(void)fd;
#endif
}

struct rec_reader *
rec_reader_new(int fd, size_t max_record)
{
	struct rec_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->fd = fd;
	r->form = -1;
	pipe_enlarge(fd);
	r->max = max_record ? max_record : rec_limit_env();
	r->budget = REC_DECODE_BUDGET(r->max);
	r->jp.budget = r->budget;
	r->cap = READ_CHUNK;
	r->buf = malloc(r->cap);
	r->zone = msgpack_zone_new(8192);
	if (!r->buf || !r->zone) {
		rec_reader_free(r);
		return NULL;
	}
	return r;
}

void
rec_reader_free(struct rec_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	if (r->zone)
		msgpack_zone_free(r->zone);
	rec_jp_free(&r->jp);
	buf_free(&r->path);
	buf_free(&r->meta);
	free(r);
}

void
rec_reader_rejects(struct rec_reader *r, struct rej *rj)
{
	r->rej = rj;
}

uint64_t
rec_reader_count(const struct rec_reader *r)
{
	return r->count;
}

int
rec_reader_form(const struct rec_reader *r)
{
	return r->form;
}

int
rec_reader_raw(const struct rec_reader *r, const char **p, size_t *n)
{
	if (r->form != REC_MSGPACK || !r->raw_n)
		return 0;
	*p = r->buf + r->raw_off, *n = r->raw_n;
	return 1;
}

static ssize_t
read_some(int fd, char *p, size_t n)
{
	ssize_t k;
	do
		k = read(fd, p, n);
	while (k < 0 && errno == EINTR);
	return k;
}

/* reads at least `want` more bytes into buf (or to EOF); grows buf up to the cap. */
static int
fill(struct rec_reader *r, size_t want, struct err *e)
{
	if (r->off > 0 && (r->off == r->len || r->len == r->cap || r->off > r->cap / 2)) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	size_t got = 0;
	while (!r->eof && got < want) {
		if (r->len == r->cap) {
			size_t limit = r->max + READ_CHUNK;
			if (r->cap >= limit)
				return 0; /* the caller sees the record is too large */
			size_t cap = r->cap * 2 > limit ? limit : r->cap * 2;
			char *p = realloc(r->buf, cap);
			if (!p)
				return err_set(e, XIT_TEMPFAIL, "out of memory reading record %llu",
				    (unsigned long long)r->count + 1);
			r->buf = p;
			r->cap = cap;
		}
		ssize_t k = read_some(r->fd, r->buf + r->len, r->cap - r->len);
		if (k < 0)
			return err_set(e, XIT_TEMPFAIL, "reading input:");
		if (k == 0)
			r->eof = 1;
		r->len += (size_t)k;
		got += (size_t)k;
	}
	return 0;
}

static int
too_large(struct rec_reader *r, struct err *e)
{
	return err_set(e, XIT_DATAERR,
	    "record %llu: larger than %zu bytes (the record size limit; DBXI_MAX_RECORD raises it)",
	    (unsigned long long)r->count + 1, r->max);
}

/* ---- setting aside a record too large to pass ----
 * The record at buf[off..) is walked by its structure, streaming: what was walked is
 * dropped and more is read, so that a record of any size costs no more than the buffer.
 * The walk checks the structure (brackets, strings, escapes, MessagePack type bytes, depth),
 * so that it ends exactly at the record's end; a structure fault is malformed input as
 * anywhere else. On the way, the top-level metadata keys ('_' prefix) with a small scalar
 * value are kept for the reject. */

#define META_MAX 8
#define META_KEY 64
#define META_VAL 128

struct meta {
	int n;
	char pair[META_MAX][META_KEY + META_VAL + 16];
	size_t plen[META_MAX];
	/* the pair being captured */
	char cur[META_KEY + META_VAL + 16];
	size_t curn;
	int keymeta; /* the key just read is a metadata key */
	int over;
};

static void
meta_add(struct meta *m, const void *p, size_t n)
{
	if (m->over || m->curn + n > sizeof m->cur) {
		m->over = 1;
		return;
	}
	memcpy(m->cur + m->curn, p, n);
	m->curn += n;
}

static void
meta_keep(struct meta *m)
{
	if (!m->over && m->n < META_MAX) {
		memcpy(m->pair[m->n], m->cur, m->curn);
		m->plen[m->n++] = m->curn;
	}
	m->curn = 0;
	m->over = 0;
	m->keymeta = 0;
}

/* JSON */
enum { J_VAL, J_VAL0, J_KEY0, J_KEY, J_COLON, J_AFTER, J_STR, J_NUM, J_LIT, J_DONE };

struct jskip {
	char stack[REC_MAX_DEPTH + 1];
	int sp;
	int st;
	int iskey;   /* the string is an object key */
	int esc;     /* 1 after a backslash; 2..5 in the hex digits of \u */
	int capkey;  /* capturing a top-level key */
	int capval;  /* capturing a top-level metadata value */
	size_t keyn;
	char lit[8];
	int litn;
	struct meta *m;
};

static void
js_value_end(struct jskip *s)
{
	if (s->capval) {
		meta_keep(s->m);
		s->capval = 0;
	}
	s->st = s->sp ? J_AFTER : J_DONE;
}

/* walks p[0..n): 1 at the record's end (*used: bytes taken), 0 when more is needed (all
 * taken), -1 on a structure fault at p[*used] (*why says what) */
static int
jskip_run(struct jskip *s, const char *p, size_t n, size_t *used, const char **why)
{
	size_t i = 0;
#define JFAIL(msg) do { *used = i; *why = (msg); return -1; } while (0)
	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		switch (s->st) {
		case J_STR:
			if (s->esc == 1) {
				if (c == 'u')
					s->esc = 2;
				else if (strchr("\"\\/bfnrt", c) && c)
					s->esc = 0;
				else
					JFAIL("unknown escape in a string");
			} else if (s->esc >= 2) {
				if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
					JFAIL("bad \\u escape (four hex digits expected)");
				s->esc = s->esc == 5 ? 0 : s->esc + 1;
			} else if (c == '"') {
				if (s->capkey) {
					s->capkey = 0;
					s->m->keymeta = !s->m->over && s->keyn > 0 && s->keyn <= META_KEY &&
					    s->m->cur[1] == '_';
				}
				if (s->capval)
					meta_add(s->m, "\"", 1);
				i++;
				if (s->iskey)
					s->st = J_COLON;
				else
					js_value_end(s);
				continue;
			} else if (c == '\\')
				s->esc = 1;
			else if (c < 0x20)
				JFAIL("control character inside a string (must be escaped)");
			else if (!s->capkey && !s->capval) {
				/* the bulk of a big record: run to the next byte that matters */
				size_t j = i + 1;
				while (j < n && p[j] != '"' && p[j] != '\\' && (unsigned char)p[j] >= 0x20)
					j++;
				i = j;
				continue;
			}
			if (s->capkey) {
				s->keyn++;
				meta_add(s->m, &p[i], 1);
			} else if (s->capval)
				meta_add(s->m, &p[i], 1);
			i++;
			continue;
		case J_NUM:
			if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
				if (s->capval)
					meta_add(s->m, &p[i], 1);
				i++;
				continue;
			}
			js_value_end(s);
			continue; /* c again, after the number */
		case J_LIT:
			if (c >= 'a' && c <= 'z' && s->litn < 6) {
				s->lit[s->litn++] = (char)c;
				i++;
				continue;
			}
			s->lit[s->litn] = 0;
			if (strcmp(s->lit, "true") && strcmp(s->lit, "false") && strcmp(s->lit, "null"))
				JFAIL("unexpected word (true, false or null expected)");
			if (s->capval)
				meta_add(s->m, s->lit, (size_t)s->litn);
			js_value_end(s);
			continue;
		default:
			break;
		}
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		switch (s->st) {
		case J_VAL0:
			if (c == ']')
				goto close;
			/* fall through */
		case J_VAL:
			if (s->sp == 0 && c != '{')
				JFAIL("not a JSON object (each record is one object)");
			s->capval = s->sp == 1 && s->stack[0] == 'o' && s->m->keymeta;
			if (c == '{' || c == '[') {
				if (s->sp >= REC_MAX_DEPTH)
					JFAIL("nested deeper than 32 levels");
				if (s->capval) {
					s->capval = 0;
					s->m->curn = 0;
					s->m->over = 0;
					s->m->keymeta = 0;
				}
				s->stack[s->sp++] = c == '{' ? 'o' : 'a';
				s->st = c == '{' ? J_KEY0 : J_VAL0;
			} else if (c == '"') {
				s->iskey = 0;
				s->esc = 0;
				s->st = J_STR;
				if (s->capval)
					meta_add(s->m, "\"", 1);
			} else if (c == '-' || (c >= '0' && c <= '9')) {
				s->st = J_NUM;
				if (s->capval)
					meta_add(s->m, &p[i], 1);
			} else if (c >= 'a' && c <= 'z') {
				s->st = J_LIT;
				s->litn = 0;
				continue;
			} else
				JFAIL("unexpected character (a JSON value expected)");
			i++;
			continue;
		case J_KEY0:
			if (c == '}')
				goto close;
			/* fall through */
		case J_KEY:
			if (c != '"')
				JFAIL("object key expected (a string in double quotes)");
			s->iskey = 1;
			s->esc = 0;
			s->st = J_STR;
			if (s->sp == 1) {
				s->capkey = 1;
				s->keyn = 0;
				s->m->curn = 0;
				s->m->over = 0;
				s->m->keymeta = 0;
				meta_add(s->m, "\"", 1);
			}
			i++;
			continue;
		case J_COLON:
			if (c != ':')
				JFAIL("':' expected after an object key");
			if (s->sp == 1 && s->m->keymeta)
				meta_add(s->m, "\":", 2);
			s->st = J_VAL;
			i++;
			continue;
		case J_AFTER:
			if (c == ',') {
				s->st = s->stack[s->sp - 1] == 'o' ? J_KEY : J_VAL;
				i++;
				continue;
			}
			if ((c == '}' && s->stack[s->sp - 1] == 'o') || (c == ']' && s->stack[s->sp - 1] == 'a'))
				goto close;
			JFAIL(s->stack[s->sp - 1] == 'o' ? "',' or '}' expected in an object"
			    : "',' or ']' expected in an array");
		default:
			JFAIL("unexpected character");
		}
	close:
		s->sp--;
		i++;
		js_value_end(s);
		if (s->st == J_DONE) {
			*used = i;
			return 1;
		}
	}
	*used = i;
	return 0;
#undef JFAIL
}

/* MessagePack: the header of the element at p: its length (0: more bytes needed), and what
 * follows it (payload bytes, or items of a container). -1: reserved type byte. */
struct mphead {
	size_t hdr;
	uint64_t payload, items;
	int container; /* 1 array, 2 map */
	int str;
};

static int
mp_head(const unsigned char *p, size_t n, struct mphead *h)
{
	unsigned c = p[0];
	int lenbytes = 0;
	memset(h, 0, sizeof *h);
	h->hdr = 1;
	if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
		;
	else if (c <= 0x8f) {
		h->container = 2;
		h->items = 2 * (uint64_t)(c & 0x0f);
	} else if (c <= 0x9f) {
		h->container = 1;
		h->items = c & 0x0f;
	} else if (c <= 0xbf) {
		h->payload = c & 0x1f;
		h->str = 1;
	} else
		switch (c) {
		case 0xc4: lenbytes = 1; break;
		case 0xc5: lenbytes = 2; break;
		case 0xc6: lenbytes = 4; break;
		case 0xd9: lenbytes = 1; h->str = 1; break;
		case 0xda: lenbytes = 2; h->str = 1; break;
		case 0xdb: lenbytes = 4; h->str = 1; break;
		case 0xc7: lenbytes = 1; h->payload = 1; break;
		case 0xc8: lenbytes = 2; h->payload = 1; break;
		case 0xc9: lenbytes = 4; h->payload = 1; break;
		case 0xca: h->payload = 4; break;
		case 0xcb: h->payload = 8; break;
		case 0xcc: case 0xd0: h->payload = 1; break;
		case 0xcd: case 0xd1: h->payload = 2; break;
		case 0xce: case 0xd2: h->payload = 4; break;
		case 0xcf: case 0xd3: h->payload = 8; break;
		case 0xd4: h->payload = 2; break;
		case 0xd5: h->payload = 3; break;
		case 0xd6: h->payload = 5; break;
		case 0xd7: h->payload = 9; break;
		case 0xd8: h->payload = 17; break;
		case 0xdc: h->container = 1; lenbytes = 2; break;
		case 0xdd: h->container = 1; lenbytes = 4; break;
		case 0xde: h->container = 2; lenbytes = 2; break;
		case 0xdf: h->container = 2; lenbytes = 4; break;
		default:
			return -1;
		}
	if (lenbytes) {
		if (n < 1 + (size_t)lenbytes)
			return 0;
		uint64_t len = 0;
		for (int i = 1; i <= lenbytes; i++)
			len = len << 8 | p[i];
		h->hdr += (size_t)lenbytes;
		if (h->container)
			h->items = h->container == 2 ? 2 * len : len;
		else
			h->payload += len;
	}
	return 1;
}

struct mskip {
	uint64_t left[REC_MAX_DEPTH + 2];
	int sp;
	uint64_t pending; /* payload bytes still to pass */
	int started;
	struct meta *m;
};

static int
mskip_run(struct mskip *s, const unsigned char *p, size_t n, int eof, size_t *used,
    const char **why)
{
	size_t i = 0;
	for (;;) {
		if (s->pending) {
			size_t take = n - i < s->pending ? n - i : (size_t)s->pending;
			i += take;
			s->pending -= take;
			if (s->pending) {
				*used = i;
				return 0;
			}
		}
		while (s->started && s->sp >= 0 && s->left[s->sp] == 0)
			s->sp--;
		if (s->started && s->sp < 0) {
			*used = i;
			return 1;
		}
		if (i >= n) {
			*used = i;
			return 0;
		}
		struct mphead h;
		int k = mp_head(p + i, n - i, &h);
		if (k < 0) {
			*used = i;
			*why = "reserved type byte 0xc1";
			return -1;
		}
		if (k == 0) {
			*used = i;
			return 0;
		}
		if (!s->started) {
			if (h.container != 2) {
				*used = i;
				*why = "not a MessagePack map (each record is one map)";
				return -1;
			}
			s->started = 1;
			s->sp = 0;
			s->left[0] = h.items;
			i += h.hdr;
			continue;
		}
		int top = s->sp == 0; /* an element of the record's own map */
		int iskey = top && (s->left[0] % 2) == 0;
		s->left[s->sp]--;
		size_t whole = h.hdr + (size_t)(h.payload < 4096 ? h.payload : 4096);
		if (top && !h.container && h.hdr + h.payload <= META_VAL && (iskey || s->m->keymeta)) {
			/* a small top-level element: taken whole, for the metadata */
			if (n - i < whole && !eof) {
				s->left[s->sp]++;
				*used = i;
				return 0;
			}
			if (n - i >= whole) {
				if (iskey) {
					s->m->curn = 0;
					s->m->over = 0;
					meta_add(s->m, p + i, whole);
					s->m->keymeta = h.str && h.payload > 0 && h.payload <= META_KEY &&
					    p[i + h.hdr] == '_';
				} else {
					meta_add(s->m, p + i, whole);
					meta_keep(s->m);
				}
				i += whole;
				continue;
			}
		}
		if (top && !iskey)
			s->m->keymeta = 0;
		else if (top)
			s->m->keymeta = 0;
		if (n - i < h.hdr) {
			s->left[s->sp]++;
			*used = i;
			return 0;
		}
		i += h.hdr;
		if (h.container) {
			if (h.items) {
				if (s->sp + 1 > REC_MAX_DEPTH - 1) {
					*used = i - h.hdr;
					*why = "nested deeper than 32 levels";
					return -1;
				}
				s->left[++s->sp] = h.items;
			}
		} else
			s->pending = h.payload;
	}
}

/* the metadata kept, as a record map in r->zone (valid until the next read) */
static msgpack_object
meta_record(struct rec_reader *r, const struct meta *m)
{
	msgpack_object o;
	struct err e = ERR_INIT;
	int ok = 0;
	msgpack_zone_clear(r->zone);
	buf_reset(&r->meta);
	if (r->form == REC_MSGPACK) {
		size_t used = 0;
		ok = buf_addc(&r->meta, (char)(0x80 | m->n)) == 0;
		for (int i = 0; i < m->n && ok; i++)
			ok = buf_add(&r->meta, m->pair[i], m->plen[i]) == 0;
		buf_reset(&r->path);
		ok = ok && msgpack_unpack(r->meta.p, r->meta.len, &used, r->zone, &o) ==
		    MSGPACK_UNPACK_SUCCESS && used == r->meta.len && rec_check(&o, 0, &r->path, &e) == 0;
	} else {
		ok = buf_addc(&r->meta, '{') == 0;
		for (int i = 0; i < m->n && ok; i++)
			ok = (i == 0 || buf_addc(&r->meta, ',') == 0) &&
			    buf_add(&r->meta, m->pair[i], m->plen[i]) == 0;
		ok = ok && buf_addc(&r->meta, '}') == 0 &&
		    rec_json_parse(r->meta.p, r->meta.len, r->zone, &o, &e) == 0;
	}
	if (!ok || o.type != MSGPACK_OBJECT_MAP) {
		o.type = MSGPACK_OBJECT_MAP;
		o.via.map.size = 0;
		o.via.map.ptr = NULL;
	}
	return o;
}

/* sets the record at off aside: walked to its end, rejected; 2, or -1 on error. budget: it
 * was refused for its decoded size, not its bytes. */
static int
set_aside(struct rec_reader *r, msgpack_object *out, int budget, struct err *e)
{
	if (!r->rej)
		return too_large(r, e);
	struct meta m;
	struct jskip js;
	struct mskip ms;
	size_t total = 0;
	memset(&m, 0, sizeof m);
	memset(&js, 0, sizeof js);
	memset(&ms, 0, sizeof ms);
	js.m = ms.m = &m;
	js.st = J_VAL;
	for (;;) {
		size_t used = 0;
		const char *why = NULL;
		int k = r->form == REC_MSGPACK
		    ? mskip_run(&ms, (const unsigned char *)r->buf + r->off, r->len - r->off, r->eof, &used, &why)
		    : jskip_run(&js, r->buf + r->off, r->len - r->off, &used, &why);
		if (k < 0) {
			if (r->form == REC_MSGPACK)
				return err_set(e, XIT_DATAERR, "record %llu: malformed MessagePack: %s",
				    (unsigned long long)r->count + 1, why);
			return err_set(e, XIT_DATAERR, "record %llu: malformed JSON at byte %zu: %s",
			    (unsigned long long)r->count + 1, total + used + 1, why);
		}
		total += used;
		r->off += used;
		if (k == 1)
			break;
		if (r->eof) {
			if (r->form == REC_MSGPACK)
				return err_set(e, XIT_DATAERR,
				    "record %llu: truncated MessagePack (input ends inside a record)",
				    (unsigned long long)r->count + 1);
			return err_set(e, XIT_DATAERR, "record %llu: malformed JSON at byte %zu: %s",
			    (unsigned long long)r->count + 1, total + 1,
			    "unexpected end of input inside a value (truncated record)");
		}
		size_t before = r->len - r->off;
		if (fill(r, 1, e) < 0)
			return -1;
		if (r->len - r->off == before && !r->eof)
			return err_set(e, XIT_TEMPFAIL, "record %llu: cannot read on (buffer full)",
			    (unsigned long long)r->count + 1);
	}
	r->nlscan = 0;
	r->count++;
	*out = meta_record(r, &m);
	if (budget) {
		if (rej_add(r->rej, "", REC_RULE_TOO_LARGE,
		    "record of %zu bytes needs more than %zu bytes of memory decoded (half the record "
		    "size limit of %zu bytes, DBXI_MAX_RECORD: too many small values)",
		    total, r->budget, r->max) < 0)
			return err_set(e, XIT_TEMPFAIL, "out of memory");
		if (rej_commit(r->rej, r->count, out, e) < 0)
			return -1;
	} else if (rec_reject_too_large(r->rej, r->count, out, "record", total, r->max, e) < 0)
		return -1;
	return 2;
}

static int
read_json(struct rec_reader *r, msgpack_object *out, struct err *e)
{
	msgpack_zone_clear(r->zone);
	for (;;) {
		/* skip blank space between records */
		while (r->off < r->len) {
			char c = r->buf[r->off];
			if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
				break;
			r->off++;
		}
		if (r->off == r->len) {
			r->nlscan = 0;
			if (r->eof)
				return 0;
			if (fill(r, 1, e) < 0)
				return -1;
			continue;
		}
		/* NDJSON: wait until the record's line is complete before parsing */
		if (!r->eof) {
			char *nl = memchr(r->buf + r->off + r->nlscan, '\n', r->len - r->off - r->nlscan);
			/* no newline within the limit (or the buffer is full): parse what is there;
			 * the record may end before (several on one line), else it is too large */
			if (!nl && r->len - r->off <= r->max) {
				r->nlscan = r->len - r->off;
				if (fill(r, 1, e) < 0)
					return -1;
				if (r->len - r->off > r->nlscan || r->eof)
					continue;
			}
		}
		rec_jp_reset(&r->jp);
		r->jp.p = r->buf + r->off;
		r->jp.end = r->buf + r->len;
		r->jp.z = r->zone;
		r->jp.final = r->eof;
		if (rec_jp_value(&r->jp, out, 0) == 0) {
			if ((size_t)(r->jp.p - (r->buf + r->off)) > r->max)
				return set_aside(r, out, 0, e);
			r->count++;
			if (out->type != MSGPACK_OBJECT_MAP)
				return err_set(e, XIT_DATAERR,
				    "record %llu: not a JSON object (each record is one object)",
				    (unsigned long long)r->count);
			r->off = (size_t)(r->jp.p - r->buf);
			r->nlscan = 0;
			return 1;
		}
		if (r->jp.toobig)
			return set_aside(r, out, 1, e);
		if (!r->jp.incomplete) {
			return err_set(e, XIT_DATAERR, "record %llu: malformed JSON at byte %zu: %s",
			    (unsigned long long)r->count + 1,
			    (size_t)(r->jp.errpos - (r->buf + r->off)) + 1, r->jp.err);
		}
		/* a value that spans lines: read as much again, then parse again */
		msgpack_zone_clear(r->zone);
		size_t have = r->len - r->off;
		if (have > r->max)
			return set_aside(r, out, 0, e);
		if (fill(r, have, e) < 0)
			return -1;
		if (r->len - r->off == have && !r->eof)
			return set_aside(r, out, 0, e);
	}
}

/* the length of the MessagePack value at p: > 0 when it is complete in n bytes, 0 when more
 * bytes are needed, -1 when malformed (*why says how). Allocates nothing, so that a header
 * announcing billions of entries costs nothing until the bytes are really there. */
static long
mp_scan(const unsigned char *p, size_t n, const char **why)
{
	uint64_t left[REC_MAX_DEPTH + 2];
	int sp = 0;
	size_t pos = 0;
	left[0] = 1;
	for (;;) {
		while (sp >= 0 && left[sp] == 0)
			sp--;
		if (sp < 0)
			return (long)pos;
		left[sp]--;
		if (pos >= n)
			return 0;
		unsigned c = p[pos++];
		uint64_t skip = 0, items = 0;
		int lenbytes = 0, container = 0;
		if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
			;
		else if (c <= 0x8f) {
			container = 1;
			items = 2 * (uint64_t)(c & 0x0f);
		} else if (c <= 0x9f) {
			container = 1;
			items = c & 0x0f;
		} else if (c <= 0xbf)
			skip = c & 0x1f;
		else
			switch (c) {
			case 0xc4: case 0xd9: lenbytes = 1; break;
			case 0xc5: case 0xda: lenbytes = 2; break;
			case 0xc6: case 0xdb: lenbytes = 4; break;
			case 0xc7: lenbytes = 1; skip = 1; break;
			case 0xc8: lenbytes = 2; skip = 1; break;
			case 0xc9: lenbytes = 4; skip = 1; break;
			case 0xca: skip = 4; break;
			case 0xcb: skip = 8; break;
			case 0xcc: case 0xd0: skip = 1; break;
			case 0xcd: case 0xd1: skip = 2; break;
			case 0xce: case 0xd2: skip = 4; break;
			case 0xcf: case 0xd3: skip = 8; break;
			case 0xd4: skip = 2; break;
			case 0xd5: skip = 3; break;
			case 0xd6: skip = 5; break;
			case 0xd7: skip = 9; break;
			case 0xd8: skip = 17; break;
			case 0xdc: container = 1; lenbytes = 2; break;
			case 0xdd: container = 1; lenbytes = 4; break;
			case 0xde: container = 2; lenbytes = 2; break;
			case 0xdf: container = 2; lenbytes = 4; break;
			default:
				*why = "reserved type byte 0xc1";
				return -1;
			}
		if (lenbytes) {
			uint64_t len = 0;
			if (n - pos < (size_t)lenbytes)
				return 0;
			for (int i = 0; i < lenbytes; i++)
				len = len << 8 | p[pos++];
			if (container)
				items = container == 2 ? 2 * len : len;
			else
				skip += len;
		}
		if (skip) {
			if (n - pos < skip)
				return 0;
			pos += (size_t)skip;
		}
		if (container && items) {
			if (sp + 1 > REC_MAX_DEPTH) {
				*why = "nested deeper than 32 levels";
				return -1;
			}
			left[++sp] = items;
		}
	}
}

/* Decodes one MessagePack value into zone z, checking as it goes what the record format
 * refuses (invalid UTF-8, keys that are not strings, bin, other ext types, decimals that are
 * not numbers, NaN). One pass, no allocation but the containers: strings and decimals point
 * into the input. Every read is checked against end, and a container may announce no more
 * entries than there are bytes left, so that it is safe on bytes mp_scan has not seen (a cut
 * or malformed record, a header announcing billions of entries: refused before any
 * allocation). 0: done; -1: refused (the caller then finds out why the slow way, through
 * mp_scan and rec_check); -2: out of memory; -3: past the decode budget; -4: cut off by end,
 * or nested deeper than REC_MAX_DEPTH (mp_scan tells which). */
struct mpd {
	const unsigned char *p, *end;
	msgpack_zone *z;
	size_t used, budget; /* the decode budget: -3 past it */
};

static inline uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int mpd_value(struct mpd *d, msgpack_object *o, int depth);

#define ASCII8 0x8080808080808080ull

/* valid UTF-8: a short ASCII string (most keys and values) is told by one or two 8-byte
 * loads that read nothing outside s[0..n) (one under 8 bytes: an 8-byte load that stays
 * before end, its bytes past n masked off); anything else goes to rec_utf8_valid */
static inline int
utf8_ok(const unsigned char *s, uint32_t n, const unsigned char *end)
{
	uint64_t a, b, c, e;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n < 8 && end - s >= 8) {
		memcpy(&a, s, 8);
		if (!(a & ((1ull << (8 * n)) - 1) & ASCII8)) /* s[0..n): the low n bytes */
			return 1;
	} else
#else
	(void)end;
#endif
	if (n >= 8 && n <= 16) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		if (!((a | b) & ASCII8))
			return 1;
	} else if (n > 16 && n <= 32) {
		memcpy(&a, s, 8);
		memcpy(&b, s + 8, 8);
		memcpy(&c, s + n - 16, 8);
		memcpy(&e, s + n - 8, 8);
		if (!((a | b | c | e) & ASCII8))
			return 1;
	} else if (n < 8) {
		unsigned x = 0;
		for (uint32_t i = 0; i < n; i++)
			x |= s[i];
		if (x < 0x80)
			return 1;
	}
	return rec_utf8_valid((const char *)s, n);
}

static inline int
mpd_str(struct mpd *d, msgpack_object *o, uint32_t n)
{
	const unsigned char *s = d->p;
	if ((size_t)(d->end - s) < n)
		return -4;
	d->p += n;
	if (!utf8_ok(s, n, d->end))
		return -1;
	o->type = MSGPACK_OBJECT_STR;
	o->via.str.ptr = (const char *)s;
	o->via.str.size = n;
	return 0;
}

static int
mpd_array(struct mpd *d, msgpack_object *o, uint32_t n, int depth)
{
	o->type = MSGPACK_OBJECT_ARRAY;
	o->via.array.size = n;
	o->via.array.ptr = NULL;
	if (!n)
		return 0;
	if (depth >= REC_MAX_DEPTH || (size_t)(d->end - d->p) < n)
		return -4;
	if ((d->used += (size_t)n * sizeof(msgpack_object)) > d->budget)
		return -3;
	msgpack_object *a = msgpack_zone_malloc(d->z, (size_t)n * sizeof *a);
	if (!a)
		return -2;
	o->via.array.ptr = a;
	for (uint32_t i = 0; i < n; i++) {
		int r = mpd_value(d, &a[i], depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* a key: a string, most often a fixstr (decoded here without the general path) */
static inline int
mpd_key(struct mpd *d, msgpack_object *o, int depth)
{
	if (d->p < d->end && (*d->p & 0xe0) == 0xa0) {
		uint32_t n = *d->p++ & 0x1f;
		return mpd_str(d, o, n);
	}
	int r = mpd_value(d, o, depth);
	if (r < 0)
		return r;
	return o->type == MSGPACK_OBJECT_STR ? 0 : -1;
}

static int
mpd_map(struct mpd *d, msgpack_object *o, uint32_t n, int depth)
{
	o->type = MSGPACK_OBJECT_MAP;
	o->via.map.size = n;
	o->via.map.ptr = NULL;
	if (!n)
		return 0;
	if (depth >= REC_MAX_DEPTH || (size_t)(d->end - d->p) / 2 < n)
		return -4;
	if ((d->used += (size_t)n * sizeof(msgpack_object_kv)) > d->budget)
		return -3;
	msgpack_object_kv *kv = msgpack_zone_malloc(d->z, (size_t)n * sizeof *kv);
	if (!kv)
		return -2;
	o->via.map.ptr = kv;
	for (uint32_t i = 0; i < n; i++) {
		int r = mpd_key(d, &kv[i].key, depth + 1);
		if (r < 0)
			return r;
		/* the common values inline: short strings, nil, booleans, small integers */
		unsigned c = d->p < d->end ? *d->p : 0xc1;
		msgpack_object *v = &kv[i].val;
		if ((c & 0xe0) == 0xa0) {
			d->p++;
			r = mpd_str(d, v, c & 0x1f);
		} else if (c <= 0x7f) {
			d->p++;
			v->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
			v->via.u64 = c;
		} else if (c == 0xc0) {
			d->p++;
			v->type = MSGPACK_OBJECT_NIL;
			v->via.u64 = 0;
		} else if (c == 0xc2 || c == 0xc3) {
			d->p++;
			v->type = MSGPACK_OBJECT_BOOLEAN;
			v->via.boolean = c == 0xc3;
		} else
			r = mpd_value(d, v, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* a plain JSON number, -?(0|[1-9][0-9]*)(.[0-9]+)?: the common decimal, told valid without
 * rec_number_valid; anything else (exponents, bad text) goes to it */
static inline int
plain_number(const unsigned char *p, const unsigned char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p == end || *p < '0' || *p > '9')
		return 0;
	if (*p++ == '0') {
		if (p < end && *p >= '0' && *p <= '9')
			return 0;
	} else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p == end)
		return 1;
	if (*p++ != '.' || p == end)
		return 0;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p == end;
}

static int
mpd_ext(struct mpd *d, msgpack_object *o, uint32_t n)
{
	if ((size_t)(d->end - d->p) < (size_t)n + 1)
		return -4;
	int8_t type = (int8_t)*d->p++;
	const char *s = (const char *)d->p;
	d->p += n;
	if (type != REC_EXT_DECIMAL ||
	    (!plain_number((const unsigned char *)s, d->p) && !rec_number_valid(s, n)))
		return -1;
	o->type = MSGPACK_OBJECT_EXT;
	o->via.ext.type = type;
	o->via.ext.ptr = s;
	o->via.ext.size = n;
	return 0;
}

static inline int
mpd_int(msgpack_object *o, int64_t i)
{
	if (i < 0) {
		o->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
		o->via.i64 = i;
	} else {
		o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		o->via.u64 = (uint64_t)i;
	}
	return 0;
}

/* the k bytes after the type byte, big-endian; -4 when they are not all there */
#define MPD_BE(k) do { if (d->end - d->p < (k)) return -4; v = be(d->p, (k)); d->p += (k); } while (0)

static int
mpd_value(struct mpd *d, msgpack_object *o, int depth)
{
	if (d->p >= d->end)
		return -4;
	unsigned c = *d->p++;
	if (c <= 0x7f)
		return mpd_int(o, c);
	if (c >= 0xe0)
		return mpd_int(o, (int8_t)c);
	if (c >= 0xa0 && c <= 0xbf)
		return mpd_str(d, o, c & 0x1f);
	if (c <= 0x8f)
		return mpd_map(d, o, c & 0x0f, depth);
	if (c <= 0x9f)
		return mpd_array(d, o, c & 0x0f, depth);
	uint64_t v;
	switch (c) {
	case 0xc0:
		o->type = MSGPACK_OBJECT_NIL;
		o->via.u64 = 0;
		return 0;
	case 0xc2:
	case 0xc3:
		o->type = MSGPACK_OBJECT_BOOLEAN;
		o->via.boolean = c == 0xc3;
		return 0;
	case 0xca: {
		MPD_BE(4);
		uint32_t u = (uint32_t)v;
		float f;
		memcpy(&f, &u, 4);
		o->type = MSGPACK_OBJECT_FLOAT32;
		o->via.f64 = f;
		return o->via.f64 - o->via.f64 == 0 ? 0 : -1;
	}
	case 0xcb:
		MPD_BE(8);
		o->type = MSGPACK_OBJECT_FLOAT64;
		memcpy(&o->via.f64, &v, 8);
		return o->via.f64 - o->via.f64 == 0 ? 0 : -1;
	case 0xcc: MPD_BE(1); goto uint;
	case 0xcd: MPD_BE(2); goto uint;
	case 0xce: MPD_BE(4); goto uint;
	case 0xcf: MPD_BE(8);
	uint:
		o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		o->via.u64 = v;
		return 0;
	case 0xd0: MPD_BE(1); return mpd_int(o, (int8_t)v);
	case 0xd1: MPD_BE(2); return mpd_int(o, (int16_t)v);
	case 0xd2: MPD_BE(4); return mpd_int(o, (int32_t)v);
	case 0xd3: MPD_BE(8); return mpd_int(o, (int64_t)v);
	case 0xd4: return mpd_ext(d, o, 1);
	case 0xd5: return mpd_ext(d, o, 2);
	case 0xd6: return mpd_ext(d, o, 4);
	case 0xd7: return mpd_ext(d, o, 8);
	case 0xd8: return mpd_ext(d, o, 16);
	case 0xc7: MPD_BE(1); return mpd_ext(d, o, (uint32_t)v);
	case 0xc8: MPD_BE(2); return mpd_ext(d, o, (uint32_t)v);
	case 0xc9: MPD_BE(4); return mpd_ext(d, o, (uint32_t)v);
	case 0xd9: MPD_BE(1); return mpd_str(d, o, (uint32_t)v);
	case 0xda: MPD_BE(2); return mpd_str(d, o, (uint32_t)v);
	case 0xdb: MPD_BE(4); return mpd_str(d, o, (uint32_t)v);
	case 0xdc: MPD_BE(2); return mpd_array(d, o, (uint32_t)v, depth);
	case 0xdd: MPD_BE(4); return mpd_array(d, o, (uint32_t)v, depth);
	case 0xde: MPD_BE(2); return mpd_map(d, o, (uint32_t)v, depth);
	case 0xdf: MPD_BE(4); return mpd_map(d, o, (uint32_t)v, depth);
	default: /* bin (0xc4-0xc6), and 0xc1 (mp_scan names it) */
		return -1;
	}
}
#undef MPD_BE

static int
read_msgpack(struct rec_reader *r, msgpack_object *out, struct err *e)
{
	for (;;) {
		size_t have = r->len - r->off;
		/* The common case in one pass: a whole record in the buffer, within the limits,
		 * valid. Anything else (cut off, malformed, too large, refused) is decided by the
		 * two passes below, exactly as before this fast path was added. */
		if (have) {
			const unsigned char *p = (const unsigned char *)r->buf + r->off;
			msgpack_zone_clear(r->zone);
			struct mpd d = { p, p + have, r->zone, 0, r->budget };
			if (mpd_value(&d, out, 0) == 0 && out->type == MSGPACK_OBJECT_MAP &&
			    (size_t)(d.p - p) <= r->max) {
				r->raw_off = r->off, r->raw_n = (size_t)(d.p - p);
				r->off += r->raw_n;
				r->count++;
				return 1;
			}
		}
		const char *why = NULL;
		long n = have ? mp_scan((const unsigned char *)r->buf + r->off, have, &why) : 0;
		if (n < 0)
			return err_set(e, XIT_DATAERR, "record %llu: malformed MessagePack: %s",
			    (unsigned long long)r->count + 1, why);
		if (n == 0) {
			if (have > r->max)
				return set_aside(r, out, 0, e);
			if (r->eof) {
				if (have == 0)
					return 0;
				return err_set(e, XIT_DATAERR,
				    "record %llu: truncated MessagePack (input ends inside a record)",
				    (unsigned long long)r->count + 1);
			}
			if (fill(r, have ? have : 1, e) < 0)
				return -1;
			if (r->len - r->off == have && !r->eof)
				return set_aside(r, out, 0, e);
			continue;
		}
		if ((size_t)n > r->max)
			return set_aside(r, out, 0, e);
		/* into the reader's zone, cleared per record: no zone allocated per record */
		msgpack_zone_clear(r->zone);
		const unsigned char *p = (const unsigned char *)r->buf + r->off;
		struct mpd d = { p, p + n, r->zone, 0, r->budget };
		int dr = mpd_value(&d, out, 0);
		if (dr == -3)
			return set_aside(r, out, 1, e);
		if (dr == -2)
			return err_set(e, XIT_TEMPFAIL, "out of memory reading record %llu",
			    (unsigned long long)r->count + 1);
		if (dr == 0 && out->type == MSGPACK_OBJECT_MAP) {
			r->raw_off = r->off, r->raw_n = (size_t)n;
			r->off += (size_t)n;
			r->count++;
			return 1;
		}
		/* refused: decode it the plain way to name what and where */
		size_t used = 0;
		msgpack_zone_clear(r->zone);
		msgpack_unpack_return ret = msgpack_unpack(r->buf + r->off, (size_t)n, &used, r->zone, out);
		if (ret != MSGPACK_UNPACK_SUCCESS || used != (size_t)n)
			return err_set(e, XIT_DATAERR, "record %llu: malformed MessagePack",
			    (unsigned long long)r->count + 1);
		r->off += (size_t)n;
		r->count++;
		if (out->type != MSGPACK_OBJECT_MAP)
			return err_set(e, XIT_DATAERR,
			    "record %llu: not a MessagePack map (each record is one map)",
			    (unsigned long long)r->count);
		buf_reset(&r->path);
		if (rec_check(out, 0, &r->path, e) < 0) {
			char msg[sizeof e->msg];
			memcpy(msg, e->msg, sizeof msg);
			return err_set(e, XIT_DATAERR, "record %llu: %s", (unsigned long long)r->count, msg);
		}
		return err_set(e, XIT_DATAERR, "record %llu: refused MessagePack value",
		    (unsigned long long)r->count);
		return 1;
	}
}

int
rec_read(struct rec_reader *r, msgpack_object *out, struct err *e)
{
	r->raw_n = 0;
	if (r->form < 0) {
		/* detect the form from the first byte that is not blank */
		for (;;) {
			while (r->off < r->len && strchr(" \t\r\n", r->buf[r->off]) && r->buf[r->off])
				r->off++;
			if (r->off < r->len || r->eof)
				break;
			if (fill(r, 1, e) < 0)
				return -1;
		}
		if (r->off == r->len)
			return 0; /* empty input: no records */
		unsigned char c = (unsigned char)r->buf[r->off];
		if ((c >= 0x80 && c <= 0x8f) || c == 0xde || c == 0xdf) {
			r->form = REC_MSGPACK;
		} else
			r->form = REC_JSON;
	}
	return r->form == REC_MSGPACK ? read_msgpack(r, out, e) : read_json(r, out, e);
}

/* ---- writer ---- */

#define OUT_FLUSH (64u << 10)

struct rec_writer {
	int fd;
	enum rec_form form;
	uint64_t count;
	size_t max;     /* the record size limit the next stage reads with */
	size_t refused; /* the size of the last record refused as too large */
	struct buf b;
};

enum rec_form
rec_form_choose(int msgpack_flag)
{
	const char *w = getenv("DBXI_WIRE");
	if (msgpack_flag || (w && strcmp(w, "msgpack") == 0))
		return REC_MSGPACK;
	return REC_JSON;
}

struct rec_writer *
rec_writer_new(int fd, enum rec_form form)
{
	struct rec_writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->fd = fd;
	w->form = form;
	pipe_enlarge(fd);
	w->max = rec_limit_env();
	if (buf_grow(&w->b, OUT_FLUSH * 2) < 0) {
		free(w);
		return NULL;
	}
	return w;
}

int
rec_writer_flush(struct rec_writer *w, struct err *e)
{
	size_t done = 0;
	while (done < w->b.len) {
		ssize_t k = write(w->fd, w->b.p + done, w->b.len - done);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				return err_set(e, XIT_EPIPE, "output closed");
			return err_set(e, XIT_TEMPFAIL, "writing output:");
		}
		done += (size_t)k;
	}
	buf_reset(&w->b);
	return 0;
}

static int
refuse(struct rec_writer *w, size_t size, struct err *e)
{
	w->refused = size;
	return err_set(e, XIT_DATAERR,
	    "record %llu: %zu bytes: over the record size limit of %zu bytes (DBXI_MAX_RECORD)",
	    (unsigned long long)w->count + 1, size, w->max) * 2;
}

static int
encode(struct rec_writer *w, const msgpack_object *v)
{
	int r;
	switch (w->form) {
	case REC_MSGPACK:
		return rec_msgpack_append(&w->b, v);
	case REC_JSON_PRETTY:
		r = rec_json_append_pretty(&w->b, v);
		break;
	default:
		r = rec_json_append(&w->b, v);
	}
	return r == 0 ? buf_addc(&w->b, '\n') : r;
}

int
rec_write_same(struct rec_writer *w, const struct rec_reader *r, const msgpack_object *v,
    struct err *e)
{
	const char *p;
	size_t n;
	/* the reader took it within the same limit: its bytes fit the next stage too */
	if (w->form != REC_MSGPACK || !rec_reader_raw(r, &p, &n) || n > w->max)
		return rec_write(w, v, e);
	if (buf_add(&w->b, p, n) < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory writing record %llu",
		    (unsigned long long)w->count + 1);
	w->count++;
	if (w->b.len >= OUT_FLUSH)
		return rec_writer_flush(w, e);
	return 0;
}

int
rec_write(struct rec_writer *w, const msgpack_object *v, struct err *e)
{
	size_t mark = w->b.len, nl = w->form == REC_MSGPACK ? 0 : 1;
	/* The next stage refuses a record over the limit: so is it refused here, and before it
	 * costs memory: the buffer may not grow past the limit while the record is encoded (it
	 * may hold more where it already has room: the size is checked after). When the
	 * ceiling is hit (a JSON string reserves 6 bytes a byte for its escapes), the exact
	 * size, counted without encoding, decides. */
	w->b.max = mark + w->max + nl + 1;
	int r = encode(w, v);
	w->b.max = 0;
	if (r < 0 && errno == EFBIG) {
		w->b.len = mark;
		size_t size = w->form == REC_MSGPACK ? rec_msgpack_size(v)
		    : w->form == REC_JSON ? rec_json_size(v, w->max) : w->max + 1;
		if (size > w->max) {
			if (w->form == REC_JSON)
				size = rec_json_size(v, (size_t)-1 / 2);
			return refuse(w, size, e);
		}
		r = encode(w, v); /* fits: the buffer grows by at most the limit */
	}
	if (r < 0) {
		w->b.len = mark;
		if (errno == EDOM || errno == EINVAL)
			return err_set(e, XIT_DATAERR, "record %llu: a value JSON cannot carry",
			    (unsigned long long)w->count + 1);
		return err_set(e, XIT_TEMPFAIL, "out of memory writing record %llu",
		    (unsigned long long)w->count + 1);
	}
	if (w->b.len - mark - nl > w->max) {
		size_t size = w->b.len - mark - nl;
		w->b.len = mark;
		return refuse(w, size, e);
	}
	w->count++;
	if (w->b.len >= OUT_FLUSH)
		return rec_writer_flush(w, e);
	return 0;
}

int
rec_write_or_reject(struct rec_writer *w, struct rej *rj, uint64_t recno,
    const msgpack_object *v, struct err *e)
{
	int r = rec_write(w, v, e);
	if (r == 0)
		return 1;
	if (r != -2)
		return -1;
	e->status = 0;
	e->msg[0] = 0;
	if (rec_reject_too_large(rj, recno, v, "output record", w->refused, w->max, e) < 0)
		return -1;
	return 0;
}

uint64_t
rec_writer_count(const struct rec_writer *w)
{
	return w->count;
}

int
rec_writer_close(struct rec_writer *w, struct err *e)
{
	if (!w)
		return 0;
	int r = rec_writer_flush(w, e);
	buf_free(&w->b);
	free(w);
	return r;
}

/* ---- appended for dbx-cdf-read's direct MessagePack writer (#14.2) ---- */

enum rec_form
rec_writer_form(const struct rec_writer *w)
{
	return w->form;
}

int
rec_write_bytes(struct rec_writer *w, const char *p, size_t n, struct err *e)
{
	if (w->form != REC_MSGPACK || n > w->max) {
		errno = EINVAL;
		return err_set(e, XIT_TEMPFAIL, "record %llu: raw bytes for a JSON writer or over the "
		    "limit", (unsigned long long)w->count + 1);
	}
	if (buf_add(&w->b, p, n) < 0)
		return err_set(e, XIT_TEMPFAIL, "out of memory writing record %llu",
		    (unsigned long long)w->count + 1);
	w->count++;
	if (w->b.len >= OUT_FLUSH)
		return rec_writer_flush(w, e);
	return 0;
}
