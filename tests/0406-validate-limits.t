#!/bin/sh
# validate: values no typed API accepts (#10.15): numbers beyond IEEE double range, integers
# beyond int64, blank identifiers; and the limits row-map and validate share (date-time
# fractions of at most 9 digits, years 0001 to 9999), so that what one refuses the other does.
. "$DBXI_ROOT/tests/lib.sh"
DBXI_NOW=2026-12-01T00:00:00Z; export DBXI_NOW
plan 16
printf '{"attributes":{"ltv":"number","tags":"strings"},"events":{"purchase":{"score":"number"}}}' >s.json
pur='"event_group_id":"o1","unit_sale_price":1,"currency":"USD"'
cat >in.ndjson <<EOR
{"identifiers":{"uuid":"u1"},"attributes":{"age":1e400}}
{"identifiers":{"uuid":"u2"},"attributes":{"custom":{"ltv":-1E+400}}}
{"identifiers":{"uuid":"u3"},"attributes":{"static_segment_id":[1,2e999]}}
{"identifiers":{"uuid":"u4"},"events":[{"event_name":"purchase","timestamp":"2026-11-30T10:00:00Z","event_params":{$pur,"quantity":18446744073709551615}}]}
{"identifiers":{"uuid":"u5"},"events":[{"event_name":"purchase","timestamp":"2026-11-30T10:00:00Z","event_params":{$pur,"quantity":1,"custom":{"score":1e400}}}]}
{"identifiers":{"uuid":"   "},"attributes":{"name":"A"}}
{"identifiers":{"uuid":"u7","custom":{"crm_id":" \t "}},"attributes":{"name":"A"}}
{"insider_id":"  ","attributes":{"name":"A"}}
{"identifiers":{"uuid":"u9"},"events":[{"event_name":"purchase","timestamp":"2026-11-30T10:00:00.1234567891Z","event_params":{$pur,"quantity":1}}]}
{"identifiers":{"uuid":"u10"},"attributes":{"custom":{"ltv":1.7976931348623157e308}}}
{"identifiers":{"uuid":"u11"},"events":[{"event_name":"purchase","timestamp":"2026-11-30T10:00:00.123456789Z","event_params":{$pur,"quantity":9223372036854775807}}]}
{"identifiers":{"uuid":"u12"},"attributes":{"age":1e-400}}
{"identifiers":{"uuid":"u13"},"attributes":{"custom":{"ltv":1.8e308}}}
EOR
check "#10.15 out-of-range values are rejected, the run goes on (exit 0)" 0 validate --schema s.json --rejects rej <in.ndjson
jq -r '.identifiers.uuid' out >got
printf 'u10\nu11\nu12\n' >want
same want got; ok $? "#10.15 the records within the limits pass (DBL_MAX, INT64_MAX, 9 fraction digits, an underflow to 0)"
jq -r '"\(.record_number) \(.rule) \(.field)"' rej >got
cat >want <<'EOW'
1 number-range attributes.age
2 number-range attributes.custom.ltv
3 number-range attributes.static_segment_id
4 integer-range events.0.event_params.quantity
5 number-range events.0.event_params.custom.score
6 identifier-empty identifiers.uuid
7 identifier-empty identifiers.custom.crm_id
8 identifier-empty insider_id
9 event-timestamp events.0.timestamp
13 number-range attributes.custom.ltv
EOW
same want got; ok $? "#10.15 each is rejected with its named rule and field"
jq -r 'select(.record_number == 1 or .record_number == 4 or .record_number == 6) | .message' rej >got
cat >want <<'EOW'
a number beyond the range of a double (±1.7976931348623157e308): 1e400
an integer beyond the 64-bit range (-9223372036854775808 to 9223372036854775807): 18446744073709551615
an identifier of only white space would join every user that has one
EOW
same want got; ok $? "#10.15 the messages give the limit and the value"

# Unicode white space is white space too
printf '{"identifiers":{"uuid":"\\u00a0\\u3000"},"attributes":{"name":"A"}}\n' >nbsp.ndjson
check "#10.15 an identifier of no-break spaces: exit 0" 0 validate --rejects rej3 <nbsp.ndjson
jq -r '.rule' rej3 >got
echo identifier-empty >want
same want got; ok $? "#10.15 no-break spaces: identifier-empty"

# row-map and validate agree: what row-map refuses, validate refuses (and the other way)
cat >m.json <<'EOM'
{"identifiers": {"uuid": "id"},
 "attributes": {"custom": {"ltv": {"column": "n", "type": "number"}}},
 "events": {"name": {"value": "purchase"}, "timestamp": "ts",
            "params": {"event_group_id": "id", "unit_sale_price": {"value": 1}, "currency": {"value": "USD"},
                       "quantity": {"column": "q", "type": "integer"}}}}
EOM
cat >rows.ndjson <<'EOR'
{"id":"r1","n":"1e400","ts":"2026-11-30T10:00:00Z","q":1}
{"id":"r2","n":1,"ts":"2026-11-30T10:00:00Z","q":"18446744073709551615"}
{"id":"r3","n":1,"ts":"2026-11-30T10:00:00.1234567891Z","q":1}
{"id":"r4","n":1e400,"ts":"2026-11-30T10:00:00Z","q":1}
{"id":"r5","n":1.5,"ts":"2026-11-30T10:00:00.123456789Z","q":9223372036854775807}
EOR
check "#10.15 row-map: the same limits, exit 0" 0 row-map -m m.json --rejects rrej <rows.ndjson
jq -r '.identifiers.uuid' out >got
echo r5 >want
same want got; ok $? "#10.15 row-map passes only the record within the limits"
jq -r '"\(.record_number) \(.rule) \(.field)"' rrej >got
cat >want <<'EOW'
1 type attributes.custom.ltv
2 type events.params.quantity
3 type events.timestamp
4 type attributes.custom.ltv
EOW
same want got; ok $? "#10.15 row-map rejects each with its field"
jq -r 'select(.record_number == 1 or .record_number == 2) | .message' rrej >got
cat >want <<'EOW'
column "n": "1e400" is beyond the range of a double (±1.7976931348623157e308)
column "q": "18446744073709551615" is beyond the 64-bit integer range (-9223372036854775808 to 9223372036854775807)
EOW
same want got; ok $? "#10.15 row-map's reasons name the limit"
check "#10.15 what row-map passes, validate passes" 0 validate --schema s.json <out
printf '{"attributes":{"ltv":"number"},"events":{"purchase":{}}}' >s2.json
check "#10.15 row-map output through validate: exit 0" 0 sh -c 'row-map -m m.json --rejects /dev/null <rows.ndjson | validate --schema s2.json --rejects vrej'
[ ! -s vrej ]; ok $? "#10.15 validate rejects nothing row-map passed"

# date-time limits shared: years 0001 to 9999 in UTC
cat >dt.ndjson <<'EOR'
{"identifiers":{"uuid":"d1"},"events":[{"event_name":"login","timestamp":"0000-01-01T00:00:00Z"}]}
{"identifiers":{"uuid":"d2"},"events":[{"event_name":"login","timestamp":"9999-12-31T23:00:00-02:00"}]}
{"identifiers":{"uuid":"d3"},"events":[{"event_name":"login","timestamp":"0001-01-01T00:00:00Z"}]}
EOR
check "#10.15 date-times: years outside 0001-9999 in UTC rejected, exit 0" 0 validate --max-event-age 0 --rejects rej4 <dt.ndjson
jq -r '.identifiers.uuid' out >got
echo d3 >want
same want got; ok $? "#10.15 only the date-time within the years passes"
jq -r '"\(.record_number) \(.rule)"' rej4 >got
printf '1 event-timestamp\n2 event-timestamp\n' >want
same want got; ok $? "#10.15 both rejected as event-timestamp"
done_testing
