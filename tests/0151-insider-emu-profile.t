#!/bin/sh
# Issue 13 item 4: the Insider emulator's delete and profile APIs (ref sections 5.1, 5.3, 5.4,
# 10.5) and the fault that loses an accepted upsert.
. "$DBXI_ROOT/tests/lib.sh"
plan 50

EMU=$DBXI_ROOT/tests/emu/insider_emu.py
PA=$(free_port)
python3 "$EMU" --port "$PA" --now 2021-02-01T00:00:00Z 2>a.err &
EMU_PIDS="${EMU_PIDS:-} $!"
# B: a profile quota of 5 units a minute (two reads) and 2 profile deletes a minute
PB=$(free_port)
python3 "$EMU" --port "$PB" --profile-quota 5 --delete-rate-per-minute 2 2>b.err &
EMU_PIDS="$EMU_PIDS $!"
wait_port "$PA" && wait_port "$PB"
ok $? "two emulators listen"
A=http://127.0.0.1:$PA B=http://127.0.0.1:$PB

# call NAME URL PATH BODY: POST with the headers; out = body + status
call() {
	check "$1" 0 curl -sS -w '\n%{http_code}\n' -H 'X-PARTNER-NAME: dbxitest' \
		-H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
		--data-binary "$4" "$2$3"
}
expect_out() { printf '%s\n%s\n' "$2" "$3" >exp; same exp out; ok $? "$1"; }
jget() {
	curl -sS "$2" >j 2>err && jq -c "$3" j >out 2>>err
	st=$?
	printf '%s\n' "$4" >exp
	[ $st -eq 0 ] && same exp out
	ok $? "$1"
}
UP=/api/user/v1/upsert AD=/api/user/v1/attribute/delete UD=/api/user/v1/delete PR=/api/user/v1/profile

call "#13.4 upsert two users" "$A" "$UP" '{"users":[
 {"identifiers":{"email":"ann@x.com","uuid":"u1"},"attributes":{"name":"Ann","surname":"Lee","age":30,"gdpr_optin":true,"static_segment_id":[1,2,3],"custom":{"tier":"gold","tags":["a","b"],"score":7}},
  "events":[{"event_name":"purchase","timestamp":"2021-01-10T21:35:20+03:00","event_params":{"event_group_id":"O1","unit_sale_price":5,"currency":"USD","quantity":1,"custom":{"coupon":"X"}}},
            {"event_name":"purchase","timestamp":"2021-01-20T10:00:00Z","event_params":{"event_group_id":"O2","unit_sale_price":6,"currency":"USD","quantity":2}},
            {"event_name":"sign_up","timestamp":"2021-01-05T00:00:00Z"}]},
 {"identifiers":{"uuid":"u2"},"attributes":{"name":"Bo"}}]}'
expect_out "#13.4 upsert accepted" '{"data":{"successful":{"count":2},"fail":{}}}' 200

# --- profile get (ref 5.4)
call "#13.4 profile: named attributes, c_ custom" "$A" "$PR" \
	'{"identifiers":{"uuid":"u1"},"attributes":["name","age","email","gdpr_optin","c_tier","c_tags","c_nope","city"]}'
expect_out "#13.4 profile: c_ prefix, identifiers as attributes, gdpr, iid, in the order asked; absent ones left out" \
	'{"attributes":{"name":"Ann","age":30,"email":"ann@x.com","gdpr":true,"c_tier":"gold","c_tags":["a","b"],"iid":"emu-1"}}' 200
call "#13.4 profile: all attributes with *" "$A" "$PR" '{"identifiers":{"email":"ann@x.com"},"attributes":["*"]}'
jq -c '.attributes | keys' out >k 2>/dev/null; printf '%s\n' '["age","c_score","c_tags","c_tier","email","gdpr","iid","name","static_segment_id","surname","uuid"]' >exp
same exp k; ok $? "#13.4 profile: * lists every attribute"
call "#13.4 profile: events by name and window" "$A" "$PR" \
	'{"identifiers":{"uuid":"u1"},"events":{"start_date":1610236800,"end_date":1610928000,"wanted":[{"event_name":"purchase","params":["event_group_id","c_coupon","quantity"]},{"event_name":"sign_up","params":[]}]}}'
expect_out "#13.4 profile: only the purchase in the window, created_date in UTC" \
	'{"attributes":{"iid":"emu-1"},"events":{"purchase":[{"event_group_id":"O1","c_coupon":"X","quantity":1,"created_date":"2021-01-10T18:35:20Z"}]}}' 200
call "#13.4 profile: wider window" "$A" "$PR" \
	'{"identifiers":{"uuid":"u1"},"events":{"start_date":0,"end_date":1700000000,"wanted":[{"event_name":"purchase","params":["event_group_id"]},{"event_name":"sign_up"}]}}'
expect_out "#13.4 profile: every event of the names, oldest first" \
	'{"attributes":{"iid":"emu-1"},"events":{"purchase":[{"event_group_id":"O1","created_date":"2021-01-10T18:35:20Z"},{"event_group_id":"O2","created_date":"2021-01-20T10:00:00Z"}],"sign_up":[{"created_date":"2021-01-05T00:00:00Z"}]}}' 200
call "#13.4 profile: unknown user" "$A" "$PR" '{"identifiers":{"uuid":"nobody"},"attributes":["name"]}'
expect_out "#13.4 profile: 404 no such user (ref 5.4)" '{"error":"no such user for these identifiers: no data"}' 404
call "#13.4 profile: no identifiers" "$A" "$PR" '{"attributes":["name"]}'
expect_out "#13.4 profile: 400 without identifiers" '{"error":"identifiers must be defined: bad request"}' 400
call "#13.4 profile: quota object" "$A" "$PR" '{"identifiers":{"uuid":"u2"},"attributes":["name"],"quota":true}'
jq -c '[.attributes.name, .quota.cost, .quota.total, (.quota.used >= 2.5)]' out >q 2>/dev/null
printf '%s\n' '["Bo",2.5,1000,true]' >exp; same exp q; ok $? "#13.4 profile: quota {cost 2.5, used, total 1000}"

# --- attribute delete (ref 5.1, 10.5)
call "#13.4 attribute delete: whole, partial, custom" "$A" "$AD" '{"users":[
 {"identifiers":{"uuid":"u1"},"whole":["surname","age"],"partial":{"static_segment_id":[2]},
  "custom":{"whole":["tier"],"partial":{"tags":["a"]}}}]}'
expect_out "#13.4 attribute delete: answered as the live API (ref 10.5)" '{"data":{"successful":{"count":1},"fail":{}}}' 200
jget "#13.4 attribute delete: removed from the store" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="u1") | .attributes' \
	'{"name":"Ann","gdpr_optin":true,"static_segment_id":[1,3],"custom":{"tags":["b"],"score":7}}'
call "#13.4 attribute delete: the last custom attribute" "$A" "$AD" '{"users":[{"identifiers":{"uuid":"u1"},"custom":{"whole":["tags","score"]}}]}'
jget "#13.4 attribute delete: an empty custom object goes" "$A/_emu/users" \
	'.users[] | select(.identifiers.uuid=="u1") | .attributes' '{"name":"Ann","gdpr_optin":true,"static_segment_id":[1,3]}'
call "#13.4 attribute delete: an identifier" "$A" "$AD" '{"users":[{"identifiers":{"uuid":"u1"},"whole":["email","name"]},{"identifiers":{"uuid":"u2"},"whole":["name"]}]}'
expect_out "#13.4 attribute delete: identifiers refused per user, the other applied" \
	'{"data":{"successful":{"count":1},"fail":{"count":1,"errors":{"users.0.whole.*.not_identifier":["email is an identifier and cannot be deleted here"]}}}}' 200
jget "#13.4 attribute delete: the refused user kept everything" "$A/_emu/users" \
	'[.users[] | select(.identifiers.uuid=="u1" or .identifiers.uuid=="u2") | .attributes.name]' '["Ann",null]'
call "#13.4 attribute delete: no identifiers, bad shapes" "$A" "$AD" '{"users":[{"whole":["name"]},{"identifiers":{"uuid":"u1"},"whole":"name"}]}'
expect_out "#13.4 attribute delete: per-user errors" \
	'{"data":{"successful":{},"fail":{"count":2,"errors":{"users.0.identifiers.required":["either insider_id or idenifiers must be specified"],"users.0.insider_id.required":["either insider_id or idenifiers must be specified"],"users.1.whole.type":["whole must be an array of strings"]}}}}' 200
call "#13.4 attribute delete: unknown user" "$A" "$AD" '{"users":[{"identifiers":{"uuid":"ghost"},"whole":["name"]}]}'
expect_out "#13.4 attribute delete: an unknown user is a success (nothing to delete)" '{"data":{"successful":{"count":1},"fail":{}}}' 200
call "#13.4 attribute delete: users missing" "$A" "$AD" '{}'
expect_out "#13.4 attribute delete: 400 users must be defined" '{"error":"users must be defined: bad request"}' 400

# --- profile delete (ref 5.3, 10.5)
call "#13.4 profile delete" "$A" "$UD" '{"identifiers":{"email":"ann@x.com"}}'
expect_out "#13.4 profile delete: 200 {} (ref 10.5)" '{}' 200
call "#13.4 profile delete: read back" "$A" "$PR" '{"identifiers":{"uuid":"u1"},"attributes":["name"]}'
expect_out "#13.4 profile delete: the profile is gone by every identifier" '{"error":"no such user for these identifiers: no data"}' 404
jget "#13.4 profile delete: stats" "$A/_emu/stats" '[.profiles_deleted, .profile_reads]' '[1,7]'

# --- lost upserts: accepted, not applied
curl -sS -X POST --data-binary '{"when_user_has":"u3"}' "$A/_emu/lose" >/dev/null
call "#13.4 lose: upsert" "$A" "$UP" '{"users":[{"identifiers":{"uuid":"u3"},"attributes":{"name":"C"}},{"identifiers":{"uuid":"u4"},"attributes":{"name":"D"}}]}'
expect_out "#13.4 lose: both users reported successful" '{"data":{"successful":{"count":2},"fail":{}}}' 200
call "#13.4 lose: read the lost one" "$A" "$PR" '{"identifiers":{"uuid":"u3"},"attributes":["name"]}'
expect_out "#13.4 lose: the accepted user is not in the store" '{"error":"no such user for these identifiers: no data"}' 404
jget "#13.4 lose: counted and listed" "$A/_emu/dropped" '[.dropped[] | select(.reason | startswith("accepted")) | .path]' '["users.0"]'

# --- limits on B: quota 5 units (two reads of 2.5), 2 deletes a minute
call "#13.4 quota: upsert on B" "$B" "$UP" '{"users":[{"identifiers":{"uuid":"q"},"attributes":{"name":"Q"}}]}'
call "#13.4 quota: read 1" "$B" "$PR" '{"identifiers":{"uuid":"q"},"attributes":["name"]}'
call "#13.4 quota: read 2" "$B" "$PR" '{"identifiers":{"uuid":"q"},"attributes":["name"]}'
call "#13.4 quota: read 3" "$B" "$PR" '{"identifiers":{"uuid":"q"},"attributes":["name"]}'
expect_out "#13.4 quota: the third read in a minute is a 429" '{"error":"rejected: too many requests"}' 429
call "#13.4 delete rate: 1" "$B" "$UD" '{"identifiers":{"uuid":"x1"}}'
call "#13.4 delete rate: 2" "$B" "$UD" '{"identifiers":{"uuid":"x2"}}'
call "#13.4 delete rate: 3" "$B" "$UD" '{"identifiers":{"uuid":"x3"}}'
expect_out "#13.4 delete rate: the third delete in a minute is a 429" '{"error":"rejected: too many requests"}' 429
done_testing
