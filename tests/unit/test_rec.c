/* Unit tests of lib/rec (values, builders, JSON text, rejects) and lib/buf. */
#include <fcntl.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <unistd.h>
#include "tap.h"
#include "rec.h"

static char *
roundtrip(msgpack_zone *z, const char *json)
{
	static struct buf b;
	static struct err e;
	msgpack_object o;
	buf_reset(&b);
	if (rec_json_parse(json, strlen(json), z, &o, &e) < 0)
		return e.msg;
	/* through MessagePack and back */
	struct buf mp = BUF_INIT;
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	if (rec_msgpack_append(&mp, &o) < 0 ||
	    msgpack_unpack_next(&u, mp.p, mp.len, NULL) != MSGPACK_UNPACK_SUCCESS ||
	    rec_json_append(&b, &u.data) < 0) {
		buf_free(&mp);
		msgpack_unpacked_destroy(&u);
		return "append failed";
	}
	buf_free(&mp);
	msgpack_unpacked_destroy(&u);
	return b.p;
}

/* the JSON text of a string, byte by byte: what rec_json_str_append must write */
static void
ref_str(struct buf *b, const char *s, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	buf_reset(b);
	if (buf_addc(b, '"') < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char t[8];
		size_t k = 0;
		if (c == '"' || c == '\\') {
			t[k++] = '\\';
			t[k++] = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
			t[k++] = '\\';
			t[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
		} else if (c < 0x20) {
			memcpy(t, "\\u00", 4);
			k = 4;
			t[k++] = hx[c >> 4];
			t[k++] = hx[c & 15];
		} else
			t[k++] = (char)c;
		if (buf_add(b, t, k) < 0)
			abort();
	}
	if (buf_addc(b, '"') < 0)
		abort();
}

/* #14.2: the short-string paths (up to 32 bytes, overlapping loads) against the reference:
 * every length 0..40, a byte to escape (or a high byte, or DEL) at every position, and the
 * output buffer at every fill level around the fast path's room check */
static void
str_lengths(void)
{
	static const unsigned char specials[] = { '"', '\\', 0x00, 0x01, 0x0a, 0x1f, 0x20, 0x7f,
		0x80, 0xc3, 0xff, '/' };
	struct buf got = BUF_INIT, want = BUF_INIT;
	char s[48];
	size_t bad = 0, cases = 0;
	for (size_t n = 0; n <= 40; n++)
		for (size_t at = 0; at <= n; at++)
			for (size_t k = 0; k < sizeof specials; k++) {
				for (size_t i = 0; i < n; i++)
					s[i] = (char)('a' + i % 26);
				if (at < n)
					s[at] = (char)specials[k];
				else if (k)
					continue; /* the plain string once */
				ref_str(&want, s, n);
				for (size_t fill = 0; fill < 48; fill += 7) {
					buf_free(&got);
					if (buf_grow(&got, 40) < 0)
						abort();
					while (got.len + 1 < got.cap - fill && got.len < got.cap - 1)
						got.p[got.len++] = 'x';
					got.p[got.len] = 0;
					size_t pre = got.len;
					cases++;
					if (rec_json_str_append(&got, s, n) < 0 || got.len - pre != want.len ||
					    memcmp(got.p + pre, want.p, want.len) != 0 || got.p[got.len] != 0) {
						if (!bad++)
							printf("#   length %zu, byte 0x%02x at %zu, fill %zu: got '%s'\n",
							    n, specials[k], at, fill, got.p + pre);
					}
				}
			}
	ok(bad == 0, "#14.2 rec_json_str_append: %zu cases of strings of 0..40 bytes match the byte-by-byte reference", cases);
	buf_free(&got);
	buf_free(&want);
}

/* #14.2: a pipe a reader or writer is given is enlarged to REC_PIPE_SIZE (1 MiB, or what the
 * system lets a process have): with the kernel's 64 KiB, the stages of a pipeline ran in
 * lockstep, each waking the next every 64 KiB (the whole sync took 1.4x the wall time) */
static long
pipe_max(void)
{
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	long m = 0;
	if (!f || fscanf(f, "%ld", &m) != 1)
		m = 0;
	if (f)
		fclose(f);
	return m;
}

static void
pipe_sizes(void)
{
	long want = pipe_max() < REC_PIPE_SIZE ? pipe_max() : REC_PIPE_SIZE;
	int pw[2], pr[2];
	if (pipe(pw) < 0 || pipe(pr) < 0)
		abort();
	struct rec_writer *w = rec_writer_new(pw[1], REC_MSGPACK);
	struct rec_reader *r = rec_reader_new(pr[0], 0);
	if (!w || !r)
		abort();
	is_int(fcntl(pw[0], F_GETPIPE_SZ), want, "#14.2 a writer's pipe is enlarged to %ld bytes", want);
	is_int(fcntl(pr[1], F_GETPIPE_SZ), want, "#14.2 a reader's pipe is enlarged to %ld bytes", want);
	/* a pipe made larger already is left as it is (when this process may make one larger:
	 * past pipe-max-size needs CAP_SYS_RESOURCE) */
	int pb[2];
	if (pipe(pb) < 0)
		abort();
	struct rec_writer *w2 = NULL;
	if (fcntl(pb[1], F_SETPIPE_SZ, (int)want * 2) >= 0) {
		long big = fcntl(pb[1], F_GETPIPE_SZ);
		w2 = rec_writer_new(pb[1], REC_JSON);
		is_int(fcntl(pb[0], F_GETPIPE_SZ), big, "#14.2 a larger pipe is not made smaller");
	} else {
		printf("# a pipe over %ld bytes is not allowed here: not checked\n", want);
	}
	/* a file is not a pipe: nothing to do, and no error */
	FILE *t = tmpfile();
	struct rec_writer *w3 = t ? rec_writer_new(fileno(t), REC_JSON) : NULL;
	ok(w3 != NULL, "#14.2 a writer to a file is made as before");
	struct err e = ERR_INIT;
	rec_writer_close(w, &e);
	if (w2)
		rec_writer_close(w2, &e);
	if (w3)
		rec_writer_close(w3, &e);
	rec_reader_free(r);
	if (t)
		fclose(t);
	close(pw[0]), close(pw[1]), close(pr[0]), close(pr[1]), close(pb[0]), close(pb[1]);
}

/* #14 (its last note): why a rejects file cannot be opened decides the exit status: 78 a path
 * that cannot be one, 77 no permission, 75 anything else (here: no file descriptor left) */
static void
rej_open_statuses(void)
{
	struct err e = ERR_INIT;
	struct rej *r = rej_open("/nonexistent-dbxi/rej.ndjson", "t", &e);
	ok(!r && e.status == XIT_CONFIG, "#14 rej_open: a missing directory: 78 (got %d)", e.status);
	e = (struct err)ERR_INIT;
	r = rej_open("/proc/sys/kernel/osrelease", "t", &e);
	ok(!r && e.status == XIT_NOPERM, "#14 rej_open: no permission: 77 (got %d)", e.status);
	/* no descriptor left: the lowest free one becomes the limit */
	struct rlimit old, lim;
	int fd = dup(0);
	if (fd < 0 || getrlimit(RLIMIT_NOFILE, &old) < 0)
		abort();
	close(fd);
	lim = old;
	lim.rlim_cur = (rlim_t)fd;
	char path[] = "/tmp/dbxi-test-rej-XXXXXX";
	int tfd = mkstemp(path);
	if (tfd < 0)
		abort();
	close(tfd);
	if (setrlimit(RLIMIT_NOFILE, &lim) < 0)
		abort();
	e = (struct err)ERR_INIT;
	r = rej_open(path, "t", &e);
	int status = e.status;
	if (setrlimit(RLIMIT_NOFILE, &old) < 0)
		abort();
	ok(!r && status == XIT_TEMPFAIL && strstr(e.msg, "Too many open files"),
	    "#14 rej_open: no file descriptor left: 75 (got %d: %s)", status, e.msg);
	unlink(path);
}

int
main(void)
{
	msgpack_zone *z = msgpack_zone_new(4096);
	struct err e = ERR_INIT;
	msgpack_object o;

	str_lengths();
	pipe_sizes();
	rej_open_statuses();

	static const char *same[] = {
		"9007199254740993", "-9223372036854775808", "18446744073709551615",
		"12.50", "1e-7", "-0", "123456789012345678901234567890", "true", "null",
		"\"h\\u00e9\"", "[1,[2,[3]],{}]", "{\"a\":{\"b\":[]}}", "\"\\u0000\"", "0.0",
		/* #14.2: keys on the short path and off it, with and without escapes */
		"{\"\":1,\"a\\\"b\":[true,false,null],\"0123456789abcdef0123456789abcde\\\\\":-3,\"k\\n\":{}}",
		"{\"0123456789abcdef0123456789abcdefX\":\"0123456789abcdef0123456789abcdef\\t\",\"x\":7}",
	};
	static const char *want[] = {
		"9007199254740993", "-9223372036854775808", "18446744073709551615",
		"12.50", "1e-7", "-0", "123456789012345678901234567890", "true", "null",
		"\"h\xc3\xa9\"", "[1,[2,[3]],{}]", "{\"a\":{\"b\":[]}}", "\"\\u0000\"", "0.0",
		/* #14.2: keys on the short path and off it, with and without escapes */
		"{\"\":1,\"a\\\"b\":[true,false,null],\"0123456789abcdef0123456789abcde\\\\\":-3,\"k\\n\":{}}",
		"{\"0123456789abcdef0123456789abcdefX\":\"0123456789abcdef0123456789abcdef\\t\",\"x\":7}",
	};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++)
		is_str(roundtrip(z, same[i]), want[i], "round trip of %s", same[i]);

	static const char *bad[][2] = {
		{ "", "byte 1: unexpected end of input inside a value (truncated record)" },
		{ "[1,]", "byte 4: unexpected character (a JSON value expected)" },
		{ "{\"a\" 1}", "byte 6: ':' expected after an object key" },
		{ "tru", "byte 1: unexpected end of input inside a value (truncated record)" },
		{ "nul!", "byte 1: unexpected word (true, false or null expected)" },
		{ "1.", "byte 1: malformed number" },
		{ "\"a\\x\"", "byte 4: unknown escape in a string" },
		{ "\"\\udc00\"", "byte 8: lone low surrogate in \\u escape" },
		{ "1 2", "byte 3: text after the JSON value" },
		{ "\"\xc0\xaf\"", "byte 2: invalid UTF-8 in a string" },
		{ "\"\xed\xa0\x80\"", "byte 2: invalid UTF-8 in a string" },
		{ "\"a\tb\"", "byte 3: control character inside a string (must be escaped)" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int r = rec_json_parse(bad[i][0], strlen(bad[i][0]), z, &o, &e);
		ok(r == -1 && e.status == XIT_DATAERR, "refused: %s", bad[i][0]);
		is_str(e.msg, bad[i][1], "message for %s", bad[i][0]);
	}

	/* regression: a bare number of 512+ digits at the very end of the text was refused */
	{
		char num[701];
		memset(num, '7', 700);
		num[700] = 0;
		ok(rec_json_parse(num, 700, z, &o, &e) == 0 && o.type == MSGPACK_OBJECT_EXT && o.via.ext.size == 700,
		    "a 700-digit number at the end of the text is a decimal");
	}
	ok(rec_utf8_valid("\xf0\x9f\x98\x80", 4), "4-byte UTF-8 valid");
	ok(!rec_utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF invalid");
	ok(!rec_utf8_valid("\xe2\x82", 2), "cut sequence invalid");
	ok(rec_number_valid("-1.5e3", 6) && !rec_number_valid("+1", 2) && !rec_number_valid(".5", 2),
	    "number grammar");

	/* numbers from text */
	ok(rec_number(z, "42", 2, &o) == 0 && o.type == MSGPACK_OBJECT_POSITIVE_INTEGER && o.via.u64 == 42,
	    "rec_number integer");
	ok(rec_number(z, "99999999999999999999", 20, &o) == 0 && o.type == MSGPACK_OBJECT_EXT,
	    "rec_number past uint64 is a decimal");
	ok(rec_number(z, "1,5", 3, &o) == -1, "rec_number refuses 1,5");
	double d;
	ok(rec_number(z, "2.25", 4, &o) == 0 && rec_to_double(&o, &d) == 0 && d == 2.25, "decimal to double");
	int64_t i64;
	ok(rec_to_int64(&(msgpack_object){ .type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = UINT64_MAX },
	    &i64) == -1, "uint64 max does not fit int64");

	/* builders, lookups, metadata */
	const char *src = "{\"_v\":3,\"email\":\"a@b.co\",\"_t\":\"insert\"}";
	msgpack_object in, v;
	ok(rec_json_parse(src, strlen(src), z, &in, &e) == 0, "parse a record");
	ok(rec_str_eq(rec_get(&in, "email"), "a@b.co") && !rec_get(&in, "missing"), "rec_get");
	struct rec_mapb m;
	rec_mapb_init(&m, z);
	for (int k = 0; k < 40; k++)
		ok(k != 0 || rec_mapb_put(&m, "n", rec_int(-5)) == 0, "put");
	ok(rec_copy_meta(&m, &in) == 0, "copy metadata");
	struct rec_arrb a;
	rec_arrb_init(&a, z);
	for (int k = 0; k < 20; k++)
		if (rec_arrb_push(&a, rec_int(k)) < 0)
			break;
	ok(rec_mapb_put(&m, "a", rec_arrb_done(&a)) == 0, "array builder");
	v = rec_mapb_done(&m);
	struct buf b = BUF_INIT;
	ok(rec_json_append(&b, &v) == 0, "append built map");
	is_str(b.p, "{\"n\":-5,\"_v\":3,\"_t\":\"insert\",\"a\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]}",
	    "built map JSON");
	msgpack_object cp;
	msgpack_zone *z2 = msgpack_zone_new(1024);
	ok(rec_copy(z2, &in, &cp) == 0, "deep copy");
	buf_reset(&b);
	ok(rec_json_append(&b, &cp) == 0 && strcmp(b.p, src) == 0, "deep copy is equal");
	msgpack_zone_free(z2);

	/* rejects */
	char path[] = "/tmp/dbxi-rej-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	struct rej *rj = rej_open(path, "validate", &e);
	ok(rj != NULL, "rej_open");
	ok(rej_add(rj, "identifiers.email", "email_format", "'%s' is not an email address", "nope") == 0 &&
	    rej_add(rj, "attributes.age", "age_type", "age must be a number") == 0 && rej_pending(rj) == 2,
	    "two reasons");
	ok(rej_commit(rj, 7, &in, &e) == 0 && rej_count(rj) == 1 && rej_pending(rj) == 0, "commit");
	ok(rej_close(rj, &e) == 0, "close");
	char line[2048] = { 0 };
	fd = open(path, O_RDONLY);
	ssize_t n = read(fd, line, sizeof line - 1);
	close(fd);
	unlink(path);
	ok(n > 0, "rejects file written");
	is_str(line, "{\"stage\":\"validate\",\"record_number\":7,\"field\":\"identifiers.email\","
	    "\"rule\":\"email_format\",\"message\":\"'nope' is not an email address\",\"errors\":["
	    "{\"field\":\"identifiers.email\",\"rule\":\"email_format\",\"message\":\"'nope' is not an email address\"},"
	    "{\"field\":\"attributes.age\",\"rule\":\"age_type\",\"message\":\"age must be a number\"}],"
	    "\"source\":{\"record_number\":7,\"_v\":3,\"_t\":\"insert\"},"
	    "\"record\":{\"_v\":3,\"email\":\"a@b.co\",\"_t\":\"insert\"}}\n", "reject line");

	/* the MessagePack writer matches msgpack-c's packer byte for byte */
	static const char *mpcases[] = {
		"[0,127,128,255,256,65535,65536,4294967295,4294967296,18446744073709551615]",
		"[-1,-32,-33,-128,-129,-32768,-32769,-2147483648,-2147483649,-9223372036854775808]",
		"[\"\",\"a\",\"0123456789012345678901234567890\",\"01234567890123456789012345678901\"]",
		"[1.5,12.50,1e-7,123456789012345678901234567890,0.0000000000000001]",
		"{\"k\":{\"a\":[true,false,null,[],{}]}}",
	};
	for (size_t i = 0; i < sizeof mpcases / sizeof *mpcases; i++) {
		struct buf mine = BUF_INIT;
		msgpack_sbuffer sb;
		msgpack_packer pk;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		ok(rec_json_parse(mpcases[i], strlen(mpcases[i]), z, &o, &e) == 0 &&
		    rec_msgpack_append(&mine, &o) == 0 && msgpack_pack_object(&pk, o) == 0 &&
		    sb.size == mine.len && memcmp(sb.data, mine.p, mine.len) == 0,
		    "MessagePack bytes equal msgpack-c's for %s", mpcases[i]);
		msgpack_sbuffer_destroy(&sb);
		buf_free(&mine);
	}
	/* long strings and maps: str16, map16, array16 */
	{
		struct buf big = BUF_INIT, mine = BUF_INIT;
		int okb = buf_adds(&big, "{") == 0;
		for (int k = 0; k < 70000 && okb; k++)
			okb = buf_printf(&big, "%s\"k%d\":[%d]", k ? "," : "", k, k) == 0;
		okb = okb && buf_adds(&big, "}") == 0;
		msgpack_sbuffer sb;
		msgpack_packer pk;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		ok(okb && rec_json_parse(big.p, big.len, z, &o, &e) == 0 && rec_msgpack_append(&mine, &o) == 0 &&
		    msgpack_pack_object(&pk, o) == 0 && sb.size == mine.len && memcmp(sb.data, mine.p, mine.len) == 0,
		    "map32 of 70000 entries encodes as msgpack-c does");
		msgpack_sbuffer_destroy(&sb);
		buf_free(&mine);
		buf_free(&big);
	}

	/* buf ceiling */
	struct buf small = BUF_INIT;
	small.max = 8;
	ok(buf_adds(&small, "12345678") == 0 && buf_addc(&small, 'x') == -1 && small.len == 8,
	    "buf refuses past its max");
	buf_free(&small);
	buf_free(&b);
	msgpack_zone_free(z);
	return tap_done();
}
