#!/bin/sh
# row-map --suggest: a starting mapping from a schema line or a record, with Insider's default
# names and synonyms; notes about what was left out; the suggestion passes --check and runs.
. "$DBXI_ROOT/tests/lib.sh"
D=$DATA/row-map
plan 16
for f in users events; do
	check "suggest from the $f schema line" 0 row-map --suggest "$D/suggest-$f.schema"
	check_out "suggest $f: the mapping" "$D/suggest-$f.out"
	same "$D/suggest-$f.err" err; ok $? "suggest $f: notes on stderr"
	cp out "$f.json"
	check "suggest $f: passes --check" 0 row-map --check -m "$f.json"
done
check "suggest from a record on stdin" 0 row-map --suggest <"$D/suggest-row.ndjson"
check_out "suggest from a record: the mapping" "$D/suggest-row.out"
cp out row.json
check "suggest from a record: maps that record" 0 row-map -m row.json <"$D/suggest-row.ndjson"
grep -q '"identifiers":{"uuid":"9007199254740993"}' out; ok $? "suggest from a record: exact uuid"

check "suggest: empty input" 65 row-map --suggest </dev/null
check_err "suggest: empty input: message" "row-map: no input: give a schema line or a record"
check "suggest: missing file" 64 row-map --suggest nonexistent.json
check_err "suggest: missing file: message" "row-map: cannot open nonexistent.json: No such file or directory"
done_testing
