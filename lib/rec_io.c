/* rec_io.c: record streams: the reader (form detection, NDJSON and MessagePack, the record
 * size cap) and the buffered writer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
};

static size_t
env_max_record(void)
{
	const char *s = getenv("DBXI_MAX_RECORD");
	char *end;
	unsigned long long v;
	if (!s || !*s)
		return REC_MAX_RECORD_DEFAULT;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < 1024)
		return REC_MAX_RECORD_DEFAULT;
	return (size_t)v;
}

struct rec_reader *
rec_reader_new(int fd, size_t max_record)
{
	struct rec_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->fd = fd;
	r->form = -1;
	r->max = max_record ? max_record : env_max_record();
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
	free(r);
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
			if (!nl) {
				r->nlscan = r->len - r->off;
				if (r->len - r->off > r->max)
					return too_large(r, e);
				if (fill(r, 1, e) < 0)
					return -1;
				if (r->len - r->off == r->nlscan && !r->eof)
					return too_large(r, e);
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
				return too_large(r, e);
			r->count++;
			if (out->type != MSGPACK_OBJECT_MAP)
				return err_set(e, XIT_DATAERR,
				    "record %llu: not a JSON object (each record is one object)",
				    (unsigned long long)r->count);
			r->off = (size_t)(r->jp.p - r->buf);
			r->nlscan = 0;
			return 1;
		}
		if (!r->jp.incomplete) {
			return err_set(e, XIT_DATAERR, "record %llu: malformed JSON at byte %zu: %s",
			    (unsigned long long)r->count + 1,
			    (size_t)(r->jp.errpos - (r->buf + r->off)) + 1, r->jp.err);
		}
		/* a value that spans lines: read as much again, then parse again */
		msgpack_zone_clear(r->zone);
		size_t have = r->len - r->off;
		if (have > r->max)
			return too_large(r, e);
		if (fill(r, have, e) < 0)
			return -1;
		if (r->len - r->off == have && !r->eof)
			return too_large(r, e);
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

/* Decodes one MessagePack value that mp_scan found complete, into zone z, checking as it goes
 * what the record format refuses (invalid UTF-8, keys that are not strings, bin, other ext
 * types, decimals that are not numbers, NaN). One pass, no allocation but the containers:
 * strings and decimals point into the input. 0: done; -1: refused (the caller then finds the
 * path and the words through rec_check); -2: out of memory. */
struct mpd {
	const unsigned char *p;
	msgpack_zone *z;
};

static inline uint64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int mpd_value(struct mpd *d, msgpack_object *o);

static int
mpd_str(struct mpd *d, msgpack_object *o, uint32_t n)
{
	const char *s = (const char *)d->p;
	d->p += n;
	if (!rec_utf8_valid(s, n))
		return -1;
	o->type = MSGPACK_OBJECT_STR;
	o->via.str.ptr = s;
	o->via.str.size = n;
	return 0;
}

static int
mpd_array(struct mpd *d, msgpack_object *o, uint32_t n)
{
	o->type = MSGPACK_OBJECT_ARRAY;
	o->via.array.size = n;
	o->via.array.ptr = NULL;
	if (!n)
		return 0;
	msgpack_object *a = msgpack_zone_malloc(d->z, (size_t)n * sizeof *a);
	if (!a)
		return -2;
	o->via.array.ptr = a;
	for (uint32_t i = 0; i < n; i++) {
		int r = mpd_value(d, &a[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
mpd_map(struct mpd *d, msgpack_object *o, uint32_t n)
{
	o->type = MSGPACK_OBJECT_MAP;
	o->via.map.size = n;
	o->via.map.ptr = NULL;
	if (!n)
		return 0;
	msgpack_object_kv *kv = msgpack_zone_malloc(d->z, (size_t)n * sizeof *kv);
	if (!kv)
		return -2;
	o->via.map.ptr = kv;
	for (uint32_t i = 0; i < n; i++) {
		int r = mpd_value(d, &kv[i].key);
		if (r < 0)
			return r;
		if (kv[i].key.type != MSGPACK_OBJECT_STR)
			return -1;
		if ((r = mpd_value(d, &kv[i].val)) < 0)
			return r;
	}
	return 0;
}

static int
mpd_ext(struct mpd *d, msgpack_object *o, uint32_t n)
{
	int8_t type = (int8_t)*d->p++;
	const char *s = (const char *)d->p;
	d->p += n;
	if (type != REC_EXT_DECIMAL || !rec_number_valid(s, n))
		return -1;
	o->type = MSGPACK_OBJECT_EXT;
	o->via.ext.type = type;
	o->via.ext.ptr = s;
	o->via.ext.size = n;
	return 0;
}

static int
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

static int
mpd_value(struct mpd *d, msgpack_object *o)
{
	unsigned c = *d->p++;
	if (c <= 0x7f)
		return mpd_int(o, c);
	if (c >= 0xe0)
		return mpd_int(o, (int8_t)c);
	if (c <= 0x8f)
		return mpd_map(d, o, c & 0x0f);
	if (c <= 0x9f)
		return mpd_array(d, o, c & 0x0f);
	if (c <= 0xbf)
		return mpd_str(d, o, c & 0x1f);
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
		uint32_t u = (uint32_t)be(d->p, 4);
		float f;
		memcpy(&f, &u, 4);
		d->p += 4;
		o->type = MSGPACK_OBJECT_FLOAT32;
		o->via.f64 = f;
		return o->via.f64 - o->via.f64 == 0 ? 0 : -1;
	}
	case 0xcb:
		v = be(d->p, 8);
		d->p += 8;
		o->type = MSGPACK_OBJECT_FLOAT64;
		memcpy(&o->via.f64, &v, 8);
		return o->via.f64 - o->via.f64 == 0 ? 0 : -1;
	case 0xcc: v = be(d->p, 1); d->p += 1; goto uint;
	case 0xcd: v = be(d->p, 2); d->p += 2; goto uint;
	case 0xce: v = be(d->p, 4); d->p += 4; goto uint;
	case 0xcf: v = be(d->p, 8); d->p += 8;
	uint:
		o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		o->via.u64 = v;
		return 0;
	case 0xd0: v = be(d->p, 1); d->p += 1; return mpd_int(o, (int8_t)v);
	case 0xd1: v = be(d->p, 2); d->p += 2; return mpd_int(o, (int16_t)v);
	case 0xd2: v = be(d->p, 4); d->p += 4; return mpd_int(o, (int32_t)v);
	case 0xd3: v = be(d->p, 8); d->p += 8; return mpd_int(o, (int64_t)v);
	case 0xd4: return mpd_ext(d, o, 1);
	case 0xd5: return mpd_ext(d, o, 2);
	case 0xd6: return mpd_ext(d, o, 4);
	case 0xd7: return mpd_ext(d, o, 8);
	case 0xd8: return mpd_ext(d, o, 16);
	case 0xc7: v = be(d->p, 1); d->p += 1; return mpd_ext(d, o, (uint32_t)v);
	case 0xc8: v = be(d->p, 2); d->p += 2; return mpd_ext(d, o, (uint32_t)v);
	case 0xc9: v = be(d->p, 4); d->p += 4; return mpd_ext(d, o, (uint32_t)v);
	case 0xd9: v = be(d->p, 1); d->p += 1; return mpd_str(d, o, (uint32_t)v);
	case 0xda: v = be(d->p, 2); d->p += 2; return mpd_str(d, o, (uint32_t)v);
	case 0xdb: v = be(d->p, 4); d->p += 4; return mpd_str(d, o, (uint32_t)v);
	case 0xdc: v = be(d->p, 2); d->p += 2; return mpd_array(d, o, (uint32_t)v);
	case 0xdd: v = be(d->p, 4); d->p += 4; return mpd_array(d, o, (uint32_t)v);
	case 0xde: v = be(d->p, 2); d->p += 2; return mpd_map(d, o, (uint32_t)v);
	case 0xdf: v = be(d->p, 4); d->p += 4; return mpd_map(d, o, (uint32_t)v);
	default: /* bin (0xc4-0xc6), and 0xc1 which mp_scan already refused */
		return -1;
	}
}

static int
read_msgpack(struct rec_reader *r, msgpack_object *out, struct err *e)
{
	for (;;) {
		size_t have = r->len - r->off;
		const char *why = NULL;
		long n = have ? mp_scan((const unsigned char *)r->buf + r->off, have, &why) : 0;
		if (n < 0)
			return err_set(e, XIT_DATAERR, "record %llu: malformed MessagePack: %s",
			    (unsigned long long)r->count + 1, why);
		if (n == 0) {
			if (have > r->max)
				return too_large(r, e);
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
				return too_large(r, e);
			continue;
		}
		if ((size_t)n > r->max)
			return too_large(r, e);
		/* into the reader's zone, cleared per record: no zone allocated per record */
		msgpack_zone_clear(r->zone);
		struct mpd d = { (const unsigned char *)r->buf + r->off, r->zone };
		int dr = mpd_value(&d, out);
		if (dr == -2)
			return err_set(e, XIT_TEMPFAIL, "out of memory reading record %llu",
			    (unsigned long long)r->count + 1);
		if (dr == 0 && out->type == MSGPACK_OBJECT_MAP) {
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

int
rec_write(struct rec_writer *w, const msgpack_object *v, struct err *e)
{
	size_t mark = w->b.len;
	int r;
	switch (w->form) {
	case REC_MSGPACK:
		r = rec_msgpack_append(&w->b, v);
		break;
	case REC_JSON_PRETTY:
		r = rec_json_append_pretty(&w->b, v);
		if (r == 0)
			r = buf_addc(&w->b, '\n');
		break;
	default:
		r = rec_json_append(&w->b, v);
		if (r == 0)
			r = buf_addc(&w->b, '\n');
	}
	if (r < 0) {
		w->b.len = mark;
		if (errno == EDOM || errno == EINVAL)
			return err_set(e, XIT_DATAERR, "record %llu: a value JSON cannot carry",
			    (unsigned long long)w->count + 1);
		return err_set(e, XIT_TEMPFAIL, "out of memory writing record %llu",
		    (unsigned long long)w->count + 1);
	}
	w->count++;
	if (w->b.len >= OUT_FLUSH)
		return rec_writer_flush(w, e);
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
