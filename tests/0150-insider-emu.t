#!/bin/sh
# Tests of the Insider emulator itself (tests/emu/insider_emu.py) against
# /work/shared/reference/insider.md: headers, limits, documented fail.errors, store, faults.
. "$DBXI_ROOT/tests/lib.sh"
plan 150

EMU=$DBXI_ROOT/tests/emu/insider_emu.py
D=$DATA/insider
# A: full emulator, no schema, clock fixed so that the reference's 2021 events are in retention.
PA=$(free_port)
python3 "$EMU" --port "$PA" --now 2021-02-01T00:00:00Z --log a.log 2>a.err &
EMU_PIDS="${EMU_PIDS:-} $!"
# B: with the schema file, 3 requests/minute, own partner and token.
PB=$(free_port)
python3 "$EMU" --port "$PB" --now 2021-02-01T00:00:00Z --schema "$D/schema.json" \
	--rate-per-minute 3 --partner brand --token tok-b 2>b.err &
EMU_PIDS="$EMU_PIDS $!"
# C: --fast, bucket of 3 with Retry-After on rate-limit 429s.
PC=$(free_port)
python3 "$EMU" --port "$PC" --fast --rate-per-minute 1 --burst 3 --rate-retry-after 2>c.err &
EMU_PIDS="$EMU_PIDS $!"
wait_port "$PA" && wait_port "$PB" && wait_port "$PC"
ok $? "three emulators listen"

A=http://127.0.0.1:$PA B=http://127.0.0.1:$PB C=http://127.0.0.1:$PC
UP=/api/user/v1/upsert

# post NAME URL BODY-FILE [curl args...]: upsert with the default headers; out = body + status.
post() {
	name=$1 url=$2 bodyf=$3; shift 3
	check "$name" 0 curl -sS -w '\n%{http_code}\n' -H 'X-PARTNER-NAME: dbxitest' \
		-H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
		"$@" --data-binary @"$bodyf" "$url$UP"
}
# expect BODY STATUS: the expected out of a post.
expect() { printf '%s\n%s\n' "$1" "$2" >exp; }
# jget NAME URL JQ-FILTER EXPECTED: one value read back from a control endpoint.
jget() {
	curl -sS "$2" >j 2>err && jq -c "$3" j >out 2>>err
	st=$?
	printf '%s\n' "$4" >exp
	[ $st -eq 0 ] && same exp out
	ok $? "$1"
}

# --- documented per-user failures: HTTP 200 with fail.errors, exactly as ref section 3.2
for f in fail-purchase-email fail-no-identifiers fail-uuid-number fail-unknown-id-key \
	fail-phone fail-event-name fail-cart mixed; do
	post "$f: answered" "$A" "$D/bodies/$f.json"
	check_out "$f: body as documented" "$D/expect/$f.out"
done

# --- the reference's full example bodies are accepted (ref section 4)
post "example 1 accepted" "$A" "$D/bodies/ref-attrs-events.json"
check_out "example 1: successful.count 1" "$D/expect/ok1.out"
post "example 2 (insider_id) accepted" "$A" "$D/bodies/ref-insider-id.json"
check_out "example 2: successful.count 1" "$D/expect/ok1.out"
post "example 3 (two users) accepted" "$A" "$D/bodies/ref-two-users.json"
check_out "example 3: successful.count 2" "$D/expect/ok2.out"
jget "store: example 1 user as sent" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="1x2y3z") | [.identifiers, .attributes, (.events|length)]' \
	'[{"email":"sample@useinsider.com","uuid":"1x2y3z","custom":{"user_loyalty_id":"xyz123"}},{"email_optin":true,"age":30,"language":"en_US","static_segment_id":[1,2],"birthday":"1980-01-01T00:00:00Z","custom":{"favorite_color":["green"]}},2]'
jget "store: user by insider_id" "$A/_emu/users" \
	'.users[] | select(.insider_id=="sampleinsiderid") | .attributes.list_id' '[1,2]'
jget "store: custom-only identifier" "$A/_emu/users" \
	'.users[] | select(.identifiers.custom.user_loyalty_id=="user12345abc") | .events[0].event_params' \
	'{"custom":{"order_id":"POSH1234"}}'
jget "store: mixed batch applied only its valid users" "$A/_emu/users" \
	'[.users[].identifiers | select(.uuid and (.uuid|startswith("m"))) | .uuid]' '["m0","m2"]'

# --- store semantics (ref sections 1.5, 1.6, 1.7, 8.4)
cat >s1.json <<'EOF'
{"users":[{"identifiers":{"uuid":"s1"},"attributes":{"name":"Ann","static_segment_id":[1],"custom":{"tags":["a"],"tier":"gold"}},
  "events":[{"event_name":"purchase","timestamp":"2021-01-10T21:35:20Z","event_params":{"event_group_id":"O1","unit_sale_price":5,"currency":"USD","quantity":1}}]}]}
EOF
cat >s2.json <<'EOF'
{"users":[{"identifiers":{"uuid":"s1","email":"s1@x.com"},"attributes":{"name":"Bea","static_segment_id":[2,1],"custom":{"tags":["b"]}},
  "events":[{"event_name":"purchase","timestamp":"2021-01-10T21:35:20Z","event_params":{"quantity":1,"currency":"USD","unit_sale_price":5,"event_group_id":"O1"}},
            {"event_name":"purchase","timestamp":"2021-01-10T21:35:20Z","event_params":{"event_group_id":"O2","unit_sale_price":5,"currency":"USD","quantity":1}}]}]}
EOF
cat >s3.json <<'EOF'
{"users":[{"identifiers":{"email":"s1@x.com"},"not_append":true,"attributes":{"custom":{"tags":["c"]}}}]}
EOF
cat >s4.json <<'EOF'
{"append":false,"users":[{"identifiers":{"uuid":"s1"},"attributes":{"static_segment_id":[9]}},
 {"identifiers":{"uuid":"s5"},"not_append":true,"append":true,"attributes":{"static_segment_id":[7]}}]}
EOF
cat >s5.json <<'EOF'
{"users":[{"identifiers":{"uuid":"s5"},"not_append":true,"append":true,"attributes":{"static_segment_id":[8],"age":"thirty","country":"sg","birthday":"1990-01-01T00:00:00+01:00","surname":null,"shoe":"42"},
  "events":[{"event_name":"purchase","timestamp":"2019-01-01T00:00:00Z","event_params":{"event_group_id":"O0","unit_sale_price":5,"currency":"USD","quantity":1}},
            {"event_name":"wishlist_add","timestamp":"2020-10-01T00:00:00Z"},
            {"event_name":"wishlist_add","timestamp":"2020-12-01T00:00:00Z","event_params":{"quantity":"two","brand":"x","custom":{"list":"xmas"}}}]}]}
EOF
post "store: first write" "$A" s1.json
check_out "store: first write accepted" "$D/expect/ok1.out"
post "store: second write" "$A" s2.json
check_out "store: second write accepted" "$D/expect/ok1.out"
post "store: not_append write" "$A" s3.json
check_out "store: not_append write accepted" "$D/expect/ok1.out"
jget "scalar attribute overwritten" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="s1") | .attributes.name' '"Bea"'
jget "identifier added to the same profile" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="s1") | .identifiers' '{"uuid":"s1","email":"s1@x.com"}'
jget "array attribute appended without duplicates" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="s1") | .attributes.static_segment_id' '[1,2]'
jget "not_append overwrites the array; other custom kept" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="s1") | .attributes.custom' '{"tags":["c"],"tier":"gold"}'
jget "identical event deduplicated" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="s1") | [.events[].event_params.event_group_id]' '["O1","O2"]'
post "store: top-level append:false" "$A" s4.json
check_out "store: top-level append:false accepted" "$D/expect/ok2.out"
jget "top-level append:false overwrites" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="s1") | .attributes.static_segment_id' '[9]'
post "store: silent drops" "$A" s5.json
check_out "store: silent drops still count as successful" "$D/expect/ok1.out"
jget "append wins over not_append; wrong types and nulls dropped" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="s5") | .attributes' '{"static_segment_id":[7,8]}'
jget "events past retention dropped, wrong-typed param dropped" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="s5") | .events' \
	'[{"event_name":"wishlist_add","timestamp":"2020-12-01T00:00:00Z","event_params":{"custom":{"list":"xmas"}}}]'
jget "drops are listed with their reason" "$A/_emu/dropped" \
	'[.dropped[] | .path + ": " + .reason]' \
	'["users.0.attributes.age: not of type number","users.0.attributes.country: not of type country","users.0.attributes.birthday: not of type birthday","users.0.attributes.surname: null is ignored","users.0.attributes.shoe: not a default attribute (custom ones go under attributes.custom)","users.0.events.0: older than the 730-day retention of purchase","users.0.events.1: older than the 90-day retention of wishlist_add","users.0.events.2.event_params.quantity: not of type integer","users.0.events.2.event_params.brand: not a default parameter (custom ones go under event_params.custom)"]'

# --- request-level errors (ref sections 1.1, 2, 3.3, 8)
printf '{"users":[]}' >empty.json
check "partner in capitals" 0 curl -sS -w '\n%{http_code}\n' -H 'X-PARTNER-NAME: DbxiTest' \
	-H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
	--data-binary @empty.json "$A$UP"
expect '{"success":false,"message":"Partner is invalid."}' 400
check_out "partner in capitals: 400 Partner is invalid" exp
check "partner missing" 0 curl -sS -w '\n%{http_code}\n' \
	-H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
	--data-binary @empty.json "$A$UP"
check_out "partner missing: 400 Partner is invalid" exp
check "wrong token" 0 curl -sS -w '\n%{http_code}\n' -H 'X-PARTNER-NAME: dbxitest' \
	-H 'X-REQUEST-TOKEN: not-the-token' -H 'Content-Type: application/json' \
	--data-binary @empty.json "$A$UP"
expect '{"success":false,"message":"Access Denied. You do not have sufficient access to perform this action."}' 403
check_out "wrong token: 403 Access Denied" exp
check "token missing" 0 curl -sS -w '\n%{http_code}\n' -H 'X-PARTNER-NAME: dbxitest' \
	-H 'Content-Type: application/json' --data-binary @empty.json "$A$UP"
check_out "token missing: 403 Access Denied" exp
check "token of another partner" 0 curl -sS -w '\n%{http_code}\n' -H 'X-PARTNER-NAME: brand' \
	-H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
	--data-binary @empty.json "$A$UP"
expect '{"success":false,"message":"Partner token authentication failed."}' 401
check_out "token of another partner: 401" exp
check "form content type" 0 curl -sS -w '\n%{http_code}\n' -H 'X-PARTNER-NAME: dbxitest' \
	-H 'X-REQUEST-TOKEN: ins-test-token' --data-binary @empty.json "$A$UP"
expect '{"error":"content type must be application/json"}' 400
check_out "form content type: 400" exp
printf '{"users":[' >bad.json
post "broken JSON" "$A" bad.json
expect '{"success":false,"message":"Request data is not in valid JSON format."}' 400
check_out "broken JSON: 400" exp
printf '{"users":[{"identifiers":{"uuid":"\377"},"attributes":{"name":"x"}}]}' >badutf.json
post "invalid UTF-8" "$A" badutf.json
check_out "invalid UTF-8: 400 not valid JSON" exp
printf '{"skip_hook":true}' >nousers.json
post "users missing" "$A" nousers.json
expect '{"error":"users must be defined: bad request"}' 400
check_out "users missing: 400 as documented" exp
python3 -c 'import json; print(json.dumps({"users":[{"identifiers":{"uuid":"b%d"%i},"attributes":{"age":1}} for i in range(1001)]}))' >u1001.json
post "1,001 users" "$A" u1001.json
expect '{"error":"users must not be more than 1000: bad request"}' 400
check_out "1,001 users: 400" exp
python3 -c 'import json; print(json.dumps({"users":[{"identifiers":{"uuid":"k%d"%i},"attributes":{"age":1}} for i in range(1000)]}))' >u1000.json
post "1,000 users" "$A" u1000.json
expect '{"data":{"successful":{"count":1000},"fail":{}}}' 200
check_out "1,000 users: accepted" exp
python3 -c 'import sys; s="{\"users\":[{\"identifiers\":{\"uuid\":\"big\"},\"attributes\":{\"name\":\""; e="\"}}]}"; sys.stdout.write(s + "x" * (5000001 - len(s) - len(e)) + e)' >big.json
post "5,000,001 bytes" "$A" big.json
expect '{"error":"request body is bigger than maximum allowed size 5,000,000 bytes"}' 400
check_out "5,000,001 bytes: 400 as documented" exp
python3 -c 'import sys; s="{\"users\":[{\"identifiers\":{\"uuid\":\"big\"},\"attributes\":{\"name\":\""; e="\"}}]}"; sys.stdout.write(s + "x" * (5000000 - len(s) - len(e)) + e)' >max.json
post "5,000,000 bytes" "$A" max.json
check_out "5,000,000 bytes: accepted" "$D/expect/ok1.out"

# --- faults (contract: /_emu/fault)
fault() { check "set fault $1" 0 curl -sS -o /dev/null -d "$1" "$A/_emu/fault"; }
hdrs() { tr -d '\r' <h | grep -i "^$1:" >out; }
fault '{"status": 429, "count": 2}'
post "429 fault 1" "$A" s1.json -D h
expect '{"error":"rejected: too many requests"}' 429
check_out "429 fault 1: documented body" exp
hdrs retry-after
[ ! -s out ]
ok $? "429 fault 1: no Retry-After"
post "429 fault 2" "$A" s1.json
check_out "429 fault 2: still 429" exp
post "after the 429 faults" "$A" s1.json
check_out "after the 429 faults: 200" "$D/expect/ok1.out"
fault '{"status": 429, "retry_after": 1, "count": 1}'
post "429 with Retry-After" "$A" s1.json -D h
hdrs retry-after
printf 'Retry-After: 1\n' >exp
check_out "429 with Retry-After: header sent" exp
fault '{"status": 500}'
post "500 fault" "$A" s1.json
expect '{"success":false,"message":"The request processing has failed because of an unknown error."}' 500
check_out "500 fault: documented body" exp
fault '{"status": 503, "body": "<html>down</html>", "count": 1}'
post "503 fault" "$A" s1.json -D h
expect '<html>down</html>' 503
check_out "503 fault: the given body" exp
hdrs content-type
printf 'Content-Type: text/html\n' >exp
check_out "503 fault: HTML content type" exp
fault '{"kind": "drop", "count": 1}'
check "dropped connection: curl fails" 52 curl -sS -H 'X-PARTNER-NAME: dbxitest' \
	-H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
	--data-binary @s1.json "$A$UP"
check_err "dropped connection: empty reply" "Empty reply from server"
fault '{"kind": "slow", "seconds": 0.4}'
check "slow response" 0 curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' \
	-H 'X-PARTNER-NAME: dbxitest' -H 'X-REQUEST-TOKEN: ins-test-token' \
	-H 'Content-Type: application/json' --data-binary @s1.json "$A$UP"
awk '$1 == 200 && $2 >= 0.4 { f = 1 } END { exit !f }' out
ok $? "slow response: 200 after 0.4 s"
fault '{"status": 400, "when_user_has": "bad-user@x.com"}'
printf '{"users":[{"identifiers":{"uuid":"w1"},"attributes":{"age":1}},{"identifiers":{"email":"bad-user@x.com"},"attributes":{"age":2}}]}' >w.json
post "batch with the marked user" "$A" w.json
expect '{"error":"invalid user data: bad request"}' 400
check_out "batch with the marked user: whole-batch 400" exp
post "again: the fault stays" "$A" w.json
check_out "again: whole-batch 400" exp
printf '{"users":[{"identifiers":{"uuid":"w1"},"attributes":{"age":1}}]}' >w1.json
post "batch without the marked user" "$A" w1.json
check_out "batch without the marked user: 200" "$D/expect/ok1.out"
jget "marked user never stored" "$A/_emu/users" \
	'[.users[] | select(.identifiers.email=="bad-user@x.com")] | length' '0'

# --- stats and request log
jget "stats" "$A/_emu/stats" \
	'[.requests, .users_received, .users_accepted, .users_failed, .max_users_in_request, .max_body_bytes, .max_concurrent, .status_counts, .events_deduplicated, .events_dropped_ttl]' \
	'[40,1025,1016,9,1000,5000001,1,{"200":21,"400":10,"403":2,"401":1,"429":3,"500":1,"503":1,"dropped":1},3,2]'
jget "request log has header names, not the token" "$A/_emu/requests" \
	'.requests[0] | [.n, .path, .status, .token, (.headers | index("X-REQUEST-TOKEN") != null)]' \
	'[1,"/api/user/v1/upsert",200,"ok",true]'
grep -c ins-test-token a.err a.log >out
printf 'a.err:0\na.log:0\n' >exp
check_out "the token value is in no log" exp
jq -r '.status' a.log | sort | uniq -c | awk '{ print $2, $1 }' >out
printf '200 21\n400 10\n401 1\n403 2\n429 3\n500 1\n503 1\nnull 1\n' >exp
check_out "--log: one line per API request with its status" exp

# --- B: schema, metadata call (ref section 5.5), rate limit
postb() {
	name=$1 bodyf=$2 path=${3:-$UP}
	check "$name" 0 curl -sS -w '\n%{http_code}\n' -H 'X-PARTNER-NAME: brand' \
		-H 'X-REQUEST-TOKEN: tok-b' -H 'Content-Type: application/json' \
		--data-binary @"$bodyf" "$B$path"
}
cat >sch.json <<'EOF'
{"users":[{"identifiers":{"uuid":"c1"},"attributes":{"custom":{"tier":"gold","ltv":"12","vip":true,"tags":["x"],"last_order":"2021-01-01T10:00:00+02:00","undefined_attr":1}},
 "events":[{"event_name":"purchase","timestamp":"2021-01-10T21:35:20Z","event_params":{"event_group_id":"O1","unit_sale_price":5,"currency":"USD","quantity":1,"custom":{"coupon":"X1","other":"y"}}},
           {"event_name":"wishlist_add","timestamp":"2021-01-20T00:00:00Z","event_params":{"custom":{"list":7}}},
           {"event_name":"not_in_schema","timestamp":"2021-01-20T00:00:00Z"}]}]}
EOF
postb "schema: upsert" sch.json
check_out "schema: upsert accepted" "$D/expect/ok1.out"
jget "schema: undefined or wrong-typed custom attributes dropped" "$B/_emu/users" \
	'.users[0].attributes.custom' '{"tier":"gold","vip":true,"tags":["x"],"last_order":"2021-01-01T10:00:00+02:00"}'
jget "schema: undefined event and params dropped" "$B/_emu/users" \
	'[.users[0].events[] | [.event_name, .event_params.custom]]' '[["purchase",{"coupon":"X1"}],["wishlist_add",null]]'
printf '{"table":"contacts"}' >contacts.json
postb "metadata contacts" contacts.json /api/user/v3/metadata/columns
head -n 1 out | jq -c '[.[] | select(.key | startswith("c_"))]' >j
printf '%s\n' '[{"key":"c_last_order","display_name":"Last Order","type":"date"},{"key":"c_ltv","display_name":"Ltv","type":"number"},{"key":"c_tags","display_name":"Tags","type":"array"},{"key":"c_tier","display_name":"Tier","type":"string"},{"key":"c_vip","display_name":"Vip","type":"boolean"}]' >exp
same exp j
ok $? "metadata contacts: custom attributes with c_ and types"
printf '{"table":"events"}' >events.json
postb "metadata events" events.json /api/user/v3/metadata/columns
head -n 1 out | jq -c '[.[] | [.key, ([.params[] | select(.key | startswith("c_")) | .key])]]' >j
printf '%s\n' '[["purchase",["c_coupon"]],["cart_page_view",[]],["wishlist_add",["c_list"]]]' >exp
same exp j
ok $? "metadata events: events with their custom params"
check "fault on the metadata call" 0 curl -sS -o /dev/null \
	-d '{"status": 500, "path": "/api/user/v3/metadata/columns"}' "$B/_emu/fault"
postb "metadata with a fault" events.json /api/user/v3/metadata/columns
expect '{"success":false,"message":"The request processing has failed because of an unknown error."}' 500
check_out "metadata with a fault: 500" exp
postb "rate: second request" empty.json
postb "rate: third request" empty.json
expect '{"data":{"successful":{},"fail":{}}}' 200
check_out "rate: third request within the bucket" exp
postb "rate: fourth request" empty.json
expect '{"error":"rejected: too many requests"}' 429
check_out "rate: fourth request refused with 429" exp

# --- C: --fast counts users and duplicates; Retry-After on rate-limit 429s
postc() {
	check "$1" 0 curl -sS -D h -w '\n%{http_code}\n' -H 'X-PARTNER-NAME: dbxitest' \
		-H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
		--data-binary @"$2" "$C$UP"
}
postc "fast: 1,000 users" u1000.json
expect '{"data":{"successful":{"count":1000},"fail":{}}}' 200
check_out "fast: 1,000 users counted" exp
postc "fast: 1,000 users again" u1000.json
postc "fast: mixed batch, no validation" "$D/bodies/mixed.json"
jget "fast: duplicates counted" "$C/_emu/stats" \
	'[.users_received, .distinct_users, .duplicate_users, .duplicates_sample[0], .fast]' \
	'[2004,1004,1000,["uuid","k0"],true]'
postc "fast: over the bucket" empty.json
hdrs retry-after
printf 'Retry-After: 60\n' >exp
check_out "fast: rate-limit 429 with Retry-After" exp

# --- HTTP: keep-alive (HTTP/1.1) and chunked request bodies
check "keep-alive: two requests" 0 curl -sS -v -o /dev/null -o /dev/null -H 'X-PARTNER-NAME: dbxitest' \
	-H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
	--data-binary @w1.json "$A$UP" "$A$UP"
check_err "keep-alive: the second request reuses the connection" "Re-using existing connection"
check "chunked body" 0 curl -sS -w '\n%{http_code}\n' -H 'Transfer-Encoding: chunked' \
	-H 'X-PARTNER-NAME: dbxitest' -H 'X-REQUEST-TOKEN: ins-test-token' \
	-H 'Content-Type: application/json' --data-binary @w1.json "$A$UP"
check_out "chunked body: accepted" "$D/expect/ok1.out"

# --- a revoked key: /_emu/token rotates the token, the old one gets 403
check "rotate the token" 0 curl -sS -o /dev/null -d '{"token":"tok-2"}' "$A/_emu/token"
post "old token after rotation" "$A" w1.json
expect '{"success":false,"message":"Access Denied. You do not have sufficient access to perform this action."}' 403
check_out "old token after rotation: 403" exp

# --- a bad schema file stops the emulator
printf '{"attributes": {"tier": "text"}}' >badschema.json
check "bad schema file" 78 python3 "$EMU" --port "$(free_port)" --schema badschema.json
check_err "bad schema file: message" "insider_emu.py: schema: attribute tier: unknown type 'text'"

# --- reset
check "reset" 0 curl -sS -o /dev/null -X POST "$A/_emu/reset"
jget "reset clears store and stats" "$A/_emu/stats" '[.requests, .users_received]' '[0,0]'

# --- max_concurrent: two slow requests at once
check "two slow faults" 0 curl -sS -o /dev/null -d '{"kind": "slow", "seconds": 0.5, "count": 2}' "$A/_emu/fault"
for i in 1 2; do
	curl -sS -o "par$i" -H 'X-PARTNER-NAME: dbxitest' -H 'X-REQUEST-TOKEN: tok-2' \
		-H 'Content-Type: application/json' --data-binary @w1.json "$A$UP" &
	eval "par_pid$i=$!"
done
wait "$par_pid1" "$par_pid2"
cat par1 par2 >out
printf '%s' '{"data":{"successful":{"count":1},"fail":{}}}{"data":{"successful":{"count":1},"fail":{}}}' >exp
check_out "two concurrent requests answered" exp
jget "max_concurrent" "$A/_emu/stats" '.max_concurrent' '2'

# --- kind hold (issue 10 item 7): the held request is applied after a later one
check "reset before hold" 0 curl -sS -o /dev/null -X POST "$A/_emu/reset"
check "hold fault queued" 0 curl -sSf -o /dev/null -d '{"kind": "hold", "seconds": 3}' "$A/_emu/fault"
printf '{"users":[{"identifiers":{"uuid":"h"},"attributes":{"age":1}}]}' >h1.json
printf '{"users":[{"identifiers":{"uuid":"h"},"attributes":{"age":2}}]}' >h2.json
curl -sS -o hold1 -H 'X-PARTNER-NAME: dbxitest' -H 'X-REQUEST-TOKEN: tok-2' \
	-H 'Content-Type: application/json' --data-binary @h1.json "$A$UP" &
hold_pid=$!
i=0
while [ $i -lt 100 ] && [ "$(curl -sS "$A/_emu/stats" | jq .requests)" != 1 ]; do sleep 0.05; i=$((i + 1)); done
curl -sS -o hold2 -H 'X-PARTNER-NAME: dbxitest' -H 'X-REQUEST-TOKEN: tok-2' \
	-H 'Content-Type: application/json' --data-binary @h2.json "$A$UP"
wait "$hold_pid"
jget "#10.7 hold: the earlier request applied last (older age stored)" "$A/_emu/users" '[.users[].attributes.age]' '[1]'
jget "#10.7 hold: the log says it was overtaken" "$A/_emu/requests" '[.requests[] | .overtaken]' '[null,true]'
check "#10.7 an unknown kind is refused" 22 curl -sSf -o /dev/null -d '{"kind": "later"}' "$A/_emu/fault"

done_testing
