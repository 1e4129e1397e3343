#!/bin/sh
# The benchmarks' C Insider sink (build/tests/ins_sink, tests/sink/ins_sink.c; issue 14 §1):
# its answers, the "each user exactly once" counters, and bodies it cannot account for
# (#14.1: refused with 400 and counted, never ignored; the scan itself: build/tests/test_ins_scan).
. "$DBXI_ROOT/tests/lib.sh"
plan 16

SINK=${DBXI_BIN%/bin}/tests/ins_sink
PORT=$(free_port)
"$SINK" "$PORT" 2>"$T/sink.err" &
EMU_PIDS="${EMU_PIDS:-} $!"
wait_port "$PORT"
U=http://127.0.0.1:$PORT
# post BODY-FILE: the answer in out, "STATUS" in code
post() { curl -s --max-time 10 -o out -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary "@$1" "$U/api/user/v1/upsert" >code; }
stats() { curl -s --max-time 10 "$U/_emu/stats" >out; }
# answer NAME STATUS BODY: the last post's status and body
answer() { printf '%s %s' "$2" "$3" >want; printf '%s %s' "$(cat code)" "$(cat out)" >got
	same want got; ok $? "$1"; }
user() { printf '{"identifiers":{"email":"%s@example.com"},"attributes":{"name":"A \\"}\\" [x]"},"events":[{"event_name":"x","event_params":{"a":[1,{"b":"\\\\"}]}}]}' "$1"; }

{ printf '{"users":['; user a; printf ','; user b; printf ']}'; } >two.json
post two.json
answer "#14.1 two users: 200 with their count" 200 '{"data":{"successful":{"count":2},"fail":{}}}'
stats
jq -e '.users_received == 2 and .distinct_users == 2 and .duplicate_users == 0 and .requests == 1 and .max_users_in_request == 2 and .bad_requests == 0' out >/dev/null
ok $? "#14.1 stats: 2 received, 2 distinct, no duplicates"

{ printf '{"skip_hook":true,"users":['; user b; printf ','; user c; printf ']}'; } >dup.json
post dup.json
answer "#14.1 skip_hook before users: 200 with the count" 200 '{"data":{"successful":{"count":2},"fail":{}}}'
stats
jq -e '.users_received == 4 and .distinct_users == 3 and .duplicate_users == 1 and .requests == 2' out >/dev/null
ok $? "#14.1 a user sent again is counted as a duplicate"

printf '{"users":[{"attributes":{"x":1},"identifiers":{"email":"c@example.com"}}]}' >order.json
post order.json
stats
jq -e '.users_received == 5 and .duplicate_users == 2' out >/dev/null
ok $? "#14.1 identifiers after another member still identify the user"

printf '{"users":[]}' >none.json
post none.json
answer "#14.1 no users: 200 with an empty successful" 200 '{"data":{"successful":{},"fail":{}}}'

# a body of 3,000 users (over the 1 MB first buffer)
{ printf '{"users":['; i=0; while [ $i -lt 3000 ]; do [ $i -eq 0 ] || printf ','; user "big$i"; i=$((i + 1)); done; printf ']}'; } >big.json
post big.json
answer "#14.1 a 3,000-user body over 1 MB" 200 '{"data":{"successful":{"count":3000},"fail":{}}}'
stats
jq -e '.users_received == 3005 and .distinct_users == 3003 and .max_users_in_request == 3000' out >/dev/null
ok $? "#14.1 the big body's users counted once each"

BAD='{"error":"sink: body is not {\"users\":[...]}"}'
printf '{"users":[{}}' >wrong.json
post wrong.json
answer "#14.1 the users array closed by '}': 400 (the old scan never answered)" 400 "$BAD"
{ printf '{"users":['; user d; user e; printf ']}'; } >nocomma.json
post nocomma.json
answer "#14.1 two users without a comma: 400, not two users" 400 "$BAD"
{ printf '{"users":['; user f; printf ']} {"users":[]}'; } >trail.json
post trail.json
answer "#14.1 text after the body: 400" 400 "$BAD"
printf '{"users":[{"identifiers":{"email":"g@example.com"}}' >cut.json
post cut.json
answer "#14.1 a cut-off body: 400" 400 "$BAD"
stats
jq -e '.users_received == 3005 and .requests == 5 and .bad_requests == 4' out >/dev/null
ok $? "#14.1 refused bodies are counted as bad requests and none of their users as received"

curl -s --max-time 10 -o out -w '%{http_code}' -X POST "$U/_emu/reset" >code
answer "reset answers {}" 200 '{}'
stats
jq -e '.users_received == 0 and .distinct_users == 0 and .requests == 0 and .bad_requests == 0' out >/dev/null
ok $? "reset zeroes the counters"
post two.json
stats
jq -e '.distinct_users == 2 and .duplicate_users == 0' out >/dev/null
ok $? "after a reset the same users are new again"
done_testing
