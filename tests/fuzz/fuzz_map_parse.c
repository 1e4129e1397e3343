/* fuzz_map_parse: libFuzzer harness for row-map's mapping parser (map_compile) and, for every
 * mapping it accepts, the mapping of a few fixed records through it. jq programs are checked
 * for their form but not compiled (MAP_F_NOJQ): libjq is not the code under test; the scan of
 * a program's text for the columns it reads (map_jq_fields) is fuzzed on the input too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "map_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const records[] = {
	"{\"id\":1,\"user_id\":9007199254740993,\"email\":\"a@x.com\",\"phone\":\"+905321112233\","
	"\"age\":\"33\",\"b\":\"true\",\"d\":\"1990-05-01\",\"ts\":\"2026-11-20T10:00:00+03:00\","
	"\"tags\":[\"a\",\"b\"],\"n\":[1,2.5],\"props\":{\"quantity\":\"2\",\"x\":1,\"custom\":{\"c\":\"d\"}},"
	"\"pj\":\"{\\\"a\\\":1}\",\"ev\":\"purchase\",\"_change_type\":\"insert\",\"_commit_version\":3,"
	"\"_commit_timestamp\":\"2026-11-20T10:05:00Z\"}",
	"{\"id\":null,\"user_id\":null,\"email\":null,\"phone\":7,\"age\":[1],\"b\":2,\"d\":\"x\",\"ts\":null,"
	"\"tags\":[null],\"n\":{},\"props\":\"nope\",\"pj\":null,\"ev\":null,\"_change_type\":\"insert\","
	"\"_commit_version\":4,\"_commit_timestamp\":\"2026-11-20T10:05:00Z\"}",
};

static const char schema[] = "{\"table\":\"c.s.t\",\"columns\":[{\"name\":\"id\",\"type\":\"BIGINT\"},"
	"{\"name\":\"d\",\"type\":\"DATE\"},{\"name\":\"b\",\"type\":\"BOOLEAN\"},{\"name\":\"n\",\"type\":\"ARRAY<INT>\"}]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	char **names = NULL;
	uint32_t nnames = 0;
	(void)map_jq_fields((const char *)data, size, &names, &nnames);
	for (uint32_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	struct map *m = map_compile_flags((const char *)data, size, "fuzz.json", MAP_F_NOJQ, &e);
	if (!m)
		return 0;
	struct buf d = BUF_INIT;
	if (map_describe(m, &d) < 0)
		__builtin_trap();
	buf_free(&d);
	if (!m->has_jq) { /* jq fields are not compiled here: map records only without them */
		msgpack_zone *z = msgpack_zone_new(4096);
		struct rej *rej = rej_open("/dev/null", "fuzz", &e);
		msgpack_object sch;
		if (!z || !rej)
			__builtin_trap();
		if (rec_json_parse(schema, sizeof schema - 1, z, &sch, &e) == 0)
			(void)map_set_schema(m, &sch, &e);
		for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
			msgpack_zone *rz = msgpack_zone_new(4096);
			msgpack_object rec, out;
			struct buf b = BUF_INIT;
			if (!rz || rec_json_parse(records[i], strlen(records[i]), rz, &rec, &e) < 0)
				__builtin_trap();
			int k = map_record(m, &rec, i + 1, rz, rej, &out, &e);
			if (k == 1 && rec_json_append(&b, &out) < 0)
				__builtin_trap();
			if (k == 0 && rej_commit(rej, i + 1, &rec, &e) < 0)
				__builtin_trap();
			buf_free(&b);
			msgpack_zone_free(rz);
		}
		rej_close(rej, &e);
		msgpack_zone_free(z);
	}
	map_free(m);
	return 0;
}
