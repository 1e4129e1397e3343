#!/bin/sh
# dbx-insider-sync end to end against both emulators: snapshot, incremental, nothing new,
# rejects, deletes not propagated, lock, dry run, status, secrets, faults at both services.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 45
sync_start

check "first run: a snapshot" 0 dbx-insider-sync "$CONF"
check_err "summary names the versions" "versions 2..2, 6 rows read, 4 delivered, 2 rejected, checkpoint 2"
[ "$(state_version)" = 2 ]; ok $? "checkpoint at version 2"
ins_get /_emu/users | jq -r '.users[].identifiers.email' | sort >got
printf 'ada@example.com\ngrace@example.com\nlinus@example.com\n' >want
same want got; ok $? "Insider holds the three valid users (the record with an update is one user)"
r=$(last_run)
jq -r '"\(.stage) \(.record_number) \(.rule) \(.field)"' "$r/rejects.ndjson" >got
printf 'validate 5 attribute-email attributes.email\nvalidate 6 attribute-phone attributes.phone_number\n' >want
same want got; ok $? "the two bad rows are in the run's rejects with rule and field"
jq -se 'map(select(.record_number == 5))[0] | .source._commit_version == 2 and .record.identifiers.email == "not-an-email"' "$r/rejects.ndjson" >/dev/null
ok $? "a reject carries its source position and the record"
jq -e '.exit == 0 and .from == 2 and .to == 2 and .rows_read == 6 and .delivered == 4 and .rejected == 2 and .checkpoint == 2' "$SD/runs.log" >/dev/null
ok $? "runs.log: one JSON line with the run's numbers"
[ ! -e "$SD/state.json.pending" ] && [ ! -e "$SD/progress.json" ]; ok $? "no pending file after a clean run"

n1=$(ins_get /_emu/stats | jq .requests)
check "nothing new: exit 0" 0 dbx-insider-sync "$CONF"
check_err "nothing new: says so" "up to date at version 2"
[ "$(ins_get /_emu/stats | jq .requests)" = "$n1" ]; ok $? "nothing new: no request to Insider"

while IFS= read -r c; do dbx_post /_emu/commit "$c"; done <"$T/w/commits.json"
check "second run: the changes" 0 dbx-insider-sync "$CONF"
check_err "versions 3..4" "versions 3..4, 3 rows read, 2 delivered, 1 rejected, checkpoint 4"
[ "$(state_version)" = 4 ]; ok $? "checkpoint at version 4"
ins_get /_emu/users | jq -r '.users[] | select(.identifiers.email == "grace@example.com") | .events[] | .event_params.product_id' | sort >got
printf 'SKU-2\nSKU-3\n' >want
same want got; ok $? "the deleted row's event is still at Insider (deletes are not propagated)"
ins_get /_emu/users | jq -r '.users[] | select(.identifiers.email == "ada@example.com") | [.identifiers.custom.customer_id, (.events | length)] | @tsv' >got
printf '9007199254740993\t2\n' >want
same want got; ok $? "a 64-bit id arrives exactly; the new purchase is added"
jq -r '"\(.stage) \(.rule) \(.message)"' "$(last_run)/rejects.ndjson" >got
grep -q '^validate event-currency .*DOLLARS' got; ok $? "an unknown currency is rejected with its reason"

# the lock: a second run of the same integration exits 75 at once
python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"w"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2],"w").close(); time.sleep(30)' "$SD/lock" held & holder=$!
i=0; while [ ! -e held ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "a concurrent run is refused" 75 dbx-insider-sync "$CONF"
check_err "lock message" "another run of orders is in progress"
kill $holder 2>/dev/null; wait $holder 2>/dev/null

# dry run: the whole pipeline, nothing sent, bodies kept, checkpoint unchanged
dbx_post /_emu/commit '{"table":"main.shop.orders","commit":{"version":5,"timestamp":"2026-11-26T00:00:00Z","operation":"WRITE","insert":[{"user_id":8,"email":"dry@example.com","phone":"+15555550108","first_name":"Dry","last_name":"Run","country":"US","email_optin":true,"loyalty_tier":"gold","order_id":"o-2001","event_name":"purchase","event_ts":"2026-11-26T00:00:00Z","sku":"SKU-D","product_name":"Rain","category_path":["Weather"],"currency":"USD","qty":1,"price":"1.00","sale_price":"1.00","coupon_code":null}]}}'
n1=$(ins_get /_emu/stats | jq .requests)
check "dry run" 0 dbx-insider-sync --dry-run "$CONF"
[ "$(ins_get /_emu/stats | jq .requests)" = "$n1" ]; ok $? "dry run sends nothing"
[ "$(state_version)" = 4 ]; ok $? "dry run leaves the checkpoint"
jq -e '.users[0].identifiers.email == "dry@example.com"' "$(last_run)/requests.ndjson" >/dev/null; ok $? "dry run keeps the request body"
check "after the dry run, the real run" 0 dbx-insider-sync "$CONF"
[ "$(state_version)" = 5 ]; ok $? "checkpoint at version 5"

check "status" 0 dbx-insider-sync --status "$CONF"
grep -q "^checkpoint: version 5" out; ok $? "status shows the checkpoint"
grep -q "validate event-currency" out; ok $? "status shows recent rejects by rule"

# secrets never land in state, logs, rejects, dry-run bodies or output
grep -rl -e dbxi-test-secret -e ins-test-token "$SD" out err >leaks 2>/dev/null
[ ! -s leaks ]; ok $? "no secret in STATE_DIR or the output"

# Insider: a 429 storm and 5xx are retried; the run still delivers everything
commit6='{"table":"main.shop.orders","commit":{"version":6,"timestamp":"2026-11-26T00:01:00Z","operation":"WRITE","insert":[{"user_id":9,"email":"storm@example.com","phone":"+15555550109","first_name":"Storm","last_name":"Y","country":"US","email_optin":true,"loyalty_tier":"gold","order_id":"o-2002","event_name":"purchase","event_ts":"2026-11-26T00:01:00Z","sku":"SKU-S","product_name":"Wind","category_path":["Weather"],"currency":"USD","qty":1,"price":"2.00","sale_price":"2.00","coupon_code":null}]}}'
dbx_post /_emu/commit "$commit6"
ins_post /_emu/fault '{"status":429,"count":3}'
ins_post /_emu/fault '{"status":503,"body":"<html>busy</html>","count":1}'
check "429 storm and a 503: retried" 0 dbx-insider-sync "$CONF"
ins_get /_emu/users | jq -e '[.users[].identifiers.email] | index("storm@example.com") != null' >/dev/null; ok $? "the user arrived after the retries"
[ "$(state_version)" = 6 ]; ok $? "checkpoint at version 6"

# Insider refuses the token: 77, nothing moves
printf 'wrong-token\n' >"$T/ins-token"
dbx_post /_emu/commit '{"table":"main.shop.orders","commit":{"version":7,"timestamp":"2026-11-26T00:02:00Z","operation":"WRITE","insert":[{"user_id":10,"email":"late@example.com","phone":null,"first_name":"Late","last_name":"Z","country":"US","email_optin":false,"loyalty_tier":"gold","order_id":null,"event_name":null,"event_ts":null,"sku":null,"product_name":null,"category_path":null,"currency":null,"qty":null,"price":null,"sale_price":null,"coupon_code":null}]}}'
check "a refused Insider token exits 77" 77 dbx-insider-sync "$CONF"
[ "$(state_version)" = 6 ]; ok $? "checkpoint unchanged after 77"
grep -q 'wrong-token' err "$SD/runs.log"; [ $? -eq 1 ]; ok $? "the refused token is not printed"
printf 'ins-test-token\n' >"$T/ins-token"
check "the next run delivers what the failed one could not" 0 dbx-insider-sync "$CONF"
[ "$(state_version)" = 7 ]; ok $? "checkpoint at version 7"

# Databricks: an expired token is refreshed in the middle of the work
dbx_post /_emu/fault '{"kind":"expire_tokens"}'
dbx_post /_emu/commit '{"table":"main.shop.orders","commit":{"version":8,"timestamp":"2026-11-26T00:03:00Z","operation":"WRITE","insert":[{"user_id":11,"email":"fresh@example.com","phone":null,"first_name":"Fresh","last_name":"T","country":"US","email_optin":true,"loyalty_tier":"silver","order_id":null,"event_name":null,"event_ts":null,"sku":null,"product_name":null,"category_path":null,"currency":null,"qty":null,"price":null,"sale_price":null,"coupon_code":null}]}}'
check "expired Databricks token: refreshed" 0 dbx-insider-sync "$CONF"
[ "$(state_version)" = 8 ]; ok $? "checkpoint at version 8"

# usage and configuration errors
check "no CONFIG" 64 dbx-insider-sync
check_err "no CONFIG message" "dbx-insider-sync: CONFIG is missing"
printf 'TABLE=main.shop.orders\nMAPPING=m.json\nTABLEE=x\n' >bad.conf
check "unknown key" 78 dbx-insider-sync bad.conf
check_err "unknown key names the line" "bad.conf:3: unknown key TABLEE"
printf 'MAPPING=m.json\n' >notable.conf
check "TABLE missing" 78 dbx-insider-sync notable.conf
check_err "TABLE missing message" "TABLE is not set"
done_testing
