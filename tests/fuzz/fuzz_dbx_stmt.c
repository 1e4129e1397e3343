/* libFuzzer: statement-response handling. The input is taken as a statement response body
 * (SUCCEEDED with a manifest and INLINE rows, FAILED with an error, anything else); every row
 * handed out is converted per its column's type and written as a record. Also the API error
 * parser on the same bytes as an HTTP error body. */
#include <stdlib.h>
#include <string.h>
#include "dbx_api.h"
#include "dbx_stmt.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbx_stmt *s = NULL;
	struct err e = ERR_INIT;
	char cls[128];
	if (dbx_stmt_parse((const char *)data, size, &s, cls, sizeof cls, &e) == 0) {
		msgpack_zone *z = msgpack_zone_new(4096);
		const msgpack_object *row;
		struct buf b = BUF_INIT;
		while (dbx_stmt_next(s, &row, &e) == 1) {
			struct rec_mapb m;
			rec_mapb_init(&m, z);
			for (size_t i = 0; i < dbx_stmt_ncols(s); i++) {
				const struct dbx_col *c = dbx_stmt_col(s, i);
				msgpack_object v;
				if (dbx_conv(c->type, c->type_text, &row->via.array.ptr[i], z, &v, &e) < 0)
					abort();
				if (rec_mapb_put(&m, c->name, v) < 0)
					abort();
			}
			msgpack_object rec = rec_mapb_done(&m);
			buf_reset(&b);
			if (rec_json_append(&b, &rec) < 0)
				abort();
			msgpack_zone_clear(z);
		}
		buf_free(&b);
		msgpack_zone_free(z);
		dbx_stmt_free(s);
	} else if (e.msg[0] == 0)
		abort(); /* a failure always says why */
	struct dbx_doc d;
	dbx_doc_init(&d);
	if (!(d.resp.body = malloc(size + 1)))
		abort();
	memcpy(d.resp.body, data, size);
	d.resp.body[size] = 0;
	d.resp.len = size;
	d.resp.status = 403;
	if (dbx_doc_parse(&d, &e) < 0)
		abort();
	dbx_api_error(&d, "fuzz", &e);
	dbx_doc_free(&d);
	return 0;
}
