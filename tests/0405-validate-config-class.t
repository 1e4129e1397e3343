#!/bin/sh
# validate: configuration-class rejects (custom fields the schema file lacks) against data
# rejects. A data error stays a data error (#10.1); a configuration problem stops the stream at
# the first affected record, so that nothing after it is passed on and the checkpoint cannot
# pass it (#10.4).
. "$DBXI_ROOT/tests/lib.sh"
DBXI_NOW=2026-12-01T00:00:00Z; export DBXI_NOW
plan 19
printf '{"attributes":{},"events":{"login":{"channel":"string"}}}' >s.json

# #10.1: the issue's record: an invalid event name with custom parameters
echo '{"identifiers":{"uuid":"u1"},"events":[{"event_name":"homepageView","timestamp":"2026-11-30T10:00:00Z","event_params":{"custom":{"channel":"web"}}}]}' >bad-name.ndjson
check "#10.1 an invalid event name with custom parameters: a data reject, exit 0" 0 validate --schema s.json --rejects rej <bad-name.ndjson
jq -c '[.rule, [.errors[].rule]]' rej >got
echo '["event-name",["event-name"]]' >want
same want got; ok $? "#10.1 rejected for event-name only (no custom-param-unknown)"
check_err "#10.1 summary: one data reject" "validate: 1 in, 0 passed, 1 rejected (event-name: 1)"

# #10.1, same class: the parameters of an event the schema lacks are not each a second problem
echo '{"identifiers":{"uuid":"u1"},"events":[{"event_name":"signup_done","timestamp":"2026-11-30T10:00:00Z","event_params":{"custom":{"channel":"web"}}}]}' >unk-ev.ndjson
check "#10.1 an event the schema lacks: 78" 78 validate --schema s.json --rejects rej2 <unk-ev.ndjson
jq -c '[.errors[].rule]' rej2 >got
echo '["custom-event-unknown"]' >want
same want got; ok $? "#10.1 its custom parameters are not reported as unknown too"

# #10.1, same class: a record with a data error is a data reject even when it also uses a
# custom field the schema lacks (sending it after a schema fix would fail just the same)
echo '{"identifiers":{"uuid":"u1","email":"nope"},"attributes":{"custom":{"loyalty":"gold"}}}' >both.ndjson
check "#10.1 a data error and an unknown custom attribute: a data reject, exit 0" 0 validate --schema s.json --rejects rej3 <both.ndjson
jq -c '[.errors[] | [.rule, .message]]' rej3 >got
echo '[["identifier-email","not a valid email address: nope"]]' >want
same want got; ok $? "#10.1 the record's reasons are its data errors only"

# #10.4: the stream stops at the first record that needs a custom field the schema lacks
cat >stream.ndjson <<'EOR'
{"identifiers":{"uuid":"u1"},"attributes":{"name":"A"}}
{"identifiers":{"uuid":"u2","email":"bad"},"attributes":{"name":"B"}}
{"identifiers":{"uuid":"u3"},"attributes":{"custom":{"loyalty":"gold"}}}
{"identifiers":{"uuid":"u4"},"attributes":{"name":"D"}}
{"identifiers":{"uuid":"u5","email":"bad"},"attributes":{"name":"E"}}
{"identifiers":{"uuid":"u6"},"attributes":{"custom":{"loyalty":"silver","points":3}}}
{"identifiers":{"uuid":"u7"},"events":[{"event_name":"signup_done","timestamp":"2026-11-30T10:00:00Z"}]}
EOR
check "#10.4 custom fields the schema lacks: exit 78" 78 validate --schema s.json --rejects rej4 <stream.ndjson
jq -r '.identifiers.uuid' out >got
printf 'u1\n' >want
same want got; ok $? "#10.4 nothing from the first affected record on is passed on"
jq -r '"\(.record_number) \(.rule)"' rej4 >got
printf '2 identifier-email\n3 custom-attribute-unknown\n6 custom-attribute-unknown\n7 custom-event-unknown\n' >want
same want got; ok $? "#10.4 rejects: the data reject before the stop, then only the records held for the schema"
jq -r 'select(.record_number == 3) | .message' rej4 >got
echo 'not a custom attribute in the schema file (not a data reject: sent again once the schema has it)' >want
same want got; ok $? "#10.4 a held record's reason says it is not a data reject"
check_err "#10.4 summary counts passed, rejected, held and unsent (#12 §6: held records by their first rule)" "validate: 7 in, 1 passed, 1 rejected (identifier-email: 1); stopped at record 3: 3 held for the schema (custom-attribute-unknown: 2, custom-event-unknown: 1), 2 more not passed on (sent again once fixed)"
check_err "#10.4 the 78 message names every missing field" "validate: records need custom fields that s.json does not define: attributes.custom.loyalty (2 records, first: record 3), attributes.custom.points (1 record, first: record 6), event signup_done (1 record, first: record 7): create them in Insider's panel and add them to the schema file, or fix the mapping; nothing from record 3 on was passed on"

# #10.4: a reject ratio counts data rejects only, and the configuration problem wins
check "#10.4 --max-reject-ratio with held records: still 78" 78 validate --schema s.json --max-reject-ratio 0.1 --rejects rej5 <stream.ndjson
check_err "#10.4 the 78 message, not the ratio's" "nothing from record 3 on was passed on"

# #10.4: without a schema file, nothing is held
check "#10.4 no --schema: custom fields loosely checked, exit 0" 0 validate --rejects rej6 <stream.ndjson
jq -r '.identifiers.uuid' out >got
printf 'u1\nu3\nu4\nu6\nu7\n' >want
same want got; ok $? "#10.4 no --schema: every valid record passed"

# #10.4 MessagePack in and out: the same stop
rec-cat -M <stream.ndjson >stream.mp
check "#10.4 MessagePack: exit 78" 78 validate --msgpack --schema s.json --rejects rej7 <stream.mp
rec-cat <out >got.ndjson
jq -r '.identifiers.uuid' got.ndjson >got
printf 'u1\n' >want
same want got; ok $? "#10.4 MessagePack: only the record before the stop"
done_testing
