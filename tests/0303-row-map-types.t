#!/bin/sh
# row-map: Insider's data types from Databricks values (with a schema line giving the column
# types), each conversion and each failure; the schema line checks the mapping's columns.
. "$DBXI_ROOT/tests/lib.sh"
D=$DATA/row-map
plan 12
check "types: runs" 0 row-map -m "$D/types.json" --rejects rej <"$D/types.ndjson"
check_out "types: converted values (schema line consumed)" "$D/types.out"
same "$D/types.rej" rej; ok $? "types: every failure with field and reason"

# without the schema line, `auto` keeps the value's own type: a DATE stays YYYY-MM-DD
sed 1d "$D/types.ndjson" | head -n 1 >rows
check "no schema line" 0 row-map -m "$D/types.json" <rows
grep -q '"signup_day":"2026-11-20"' out; ok $? "no schema line: auto keeps the date text"

# a column the mapping names is not in the table: refused at the schema line
printf '{"identifiers": {"uuid": "id"}, "attributes": {"city": "town"}}' >m.json
check "schema: unknown column" 78 row-map -m m.json <"$D/types.ndjson"
check_err "schema: unknown column: message" 'row-map: m.json: attributes.city: column "town" is not a column of main.crm.people'
[ ! -s out ]; ok $? "schema: unknown column: nothing out"

# a malformed schema line
echo '{"_schema": {"table": "t"}}' >bad
check "schema: malformed" 65 row-map -m "$D/types.json" <bad
check_err "schema: malformed: message" 'row-map: record 1: _schema: expected {"table": ..., "columns": [{"name": ..., "type": ...}]}'

# column names match ignoring case (Databricks' are case-insensitive)
echo '{"ID": 5, "N": "7", "_commit_version": 1}' >case
printf '{"identifiers": {"uuid": "id"}, "attributes": {"age": "n"}}' >m2.json
row-map -m m2.json <case >out2 2>err2
[ "$(cat out2)" = '{"identifiers":{"uuid":"5"},"attributes":{"age":7},"_commit_version":1}' ]; ok $? "column names ignore case"

# only a record whose one key is _schema is a schema line; other _ keys are metadata
echo '{"id": 6, "n": 1, "_schema": "x"}' >meta
row-map -m m2.json <meta >out3 2>err3
[ "$(cat out3)" = '{"identifiers":{"uuid":"6"},"attributes":{"age":1},"_schema":"x"}' ]; ok $? "a _schema key among columns is metadata"
done_testing
