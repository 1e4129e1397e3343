#!/bin/sh
# row-map: the mapping of the issue on change rows: output, rejects, both wire forms, errors.
. "$DBXI_ROOT/tests/lib.sh"
D=$DATA/row-map
plan 22

check "maps the rows" 0 row-map -m "$D/full.json" --rejects rej.ndjson <"$D/rows.ndjson"
check_out "user objects" "$D/full.out"
same "$D/full.rej" rej.ndjson; ok $? "rejects file: record, field, rule, message"
check_err "summary on stderr" "row-map: 4 records mapped, 4 rejected to rej.ndjson"

check "reasons on stderr without --rejects" 0 row-map -m "$D/full.json" <"$D/rows.ndjson"
same "$D/full.err" err; ok $? "one line per reason: record, field, message, rule"

# MessagePack out, back to JSON: the same records
row-map --msgpack -m "$D/full.json" --rejects r2 <"$D/rows.ndjson" >out.mp 2>/dev/null
ok $? "--msgpack runs"
check "--msgpack output reads back" 0 rec-cat out.mp
check_out "--msgpack: the same records" "$D/full.out"
DBXI_WIRE=msgpack row-map -m "$D/full.json" --rejects r3 <"$D/rows.ndjson" >out2.mp 2>/dev/null
cmp -s out.mp out2.mp; ok $? "DBXI_WIRE=msgpack is --msgpack"

# MessagePack in
rec-cat -M "$D/rows.ndjson" >rows.mp
check "MessagePack input" 0 row-map -m "$D/full.json" --rejects r4 <rows.mp
check_out "MessagePack input: the same records" "$D/full.out"

# rejects appended, not truncated
row-map -m "$D/full.json" --rejects rej.ndjson <"$D/rows.ndjson" >/dev/null 2>&1
[ "$(wc -l <rej.ndjson)" -eq 8 ]; ok $? "--rejects appends"

check "empty input" 0 row-map -m "$D/full.json" </dev/null
[ ! -s out ] && [ ! -s err ]; ok $? "empty input: nothing out, nothing said"

# malformed input: the records before it are passed on, exit 65
{ head -n 2 "$D/rows.ndjson"; echo '{"user_id": 1,'; } >bad.ndjson
check "malformed record" 65 row-map -m "$D/full.json" <bad.ndjson
check_err "malformed record: its number" "row-map: record 3:"
[ "$(wc -l <out)" -eq 2 ]; ok $? "malformed record: the records before it are out"

# a column the mapping names is not in the records: configuration refused
echo '{"user_id": 1, "_commit_version": 3}' >few.ndjson
check "missing column" 78 row-map -m "$D/full.json" <few.ndjson
check_err "missing column: record, mapping key, column" 'row-map: record 1: identifiers.email: column "email" is not in the record'

# the mapping is checked at start too
printf '{"identifiers": {"uuid": "id"}, "attributes": {"tier": "tier"}}' >m.json
check "bad mapping at start" 78 row-map -m m.json <"$D/rows.ndjson"
check_err "bad mapping at start: message" "row-map: m.json: attributes.tier: not a default attribute of Insider (put custom attributes under attributes.custom)"
done_testing
