#!/bin/sh
# Issue 13 end to end with the wrapper: reconcile after a run and on demand (a good run passes,
# a lost upsert is named).
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 39
SYNC_EXTRA="RECONCILE_SAMPLE=50
METRICS_DIR=$T/metrics"
sync_start

check "#13.3 --reconcile before any run: 78" 78 dbx-insider-sync --reconcile "$CONF"
check_err "#13.3 --reconcile before any run: says why" "no run of orders has delivered users to reconcile"
check "#13.3 --sample without --reconcile: 64" 64 dbx-insider-sync --sample 3 "$CONF"
check "#13.3 --reconcile --sample 0: 64" 64 dbx-insider-sync --reconcile --sample 0 "$CONF"
check "#13.3 a run with RECONCILE_SAMPLE" 0 dbx-insider-sync "$CONF"
check_err "#13.3 the run says reconcile matched" "reconcile: every user checked matches Insider's profile"
r=$(last_run)
jq -c '.reconcile | [.sample, .matched, .differing, .missing, .exit]' "$r/summary.json" >got
printf '%s\n' '[3,3,0,0,0]' >want
same want got; ok $? "#13.3 summary.json: 3 users checked, 3 matched"
tail -n 1 "$SD/runs.log" | jq -c '.reconcile.matched' >got; printf '3\n' >want
same want got; ok $? "#13.3 runs.log carries the reconcile result"
python3 "$DATA/sync/prom-check.py" "$T/metrics/dbx_insider_sync_orders.prom" >/dev/null; ok $? "#13.3 the metrics file is valid with the reconcile in it"
grep -qxF 'dbx_insider_sync_last_reconcile_users{integration="orders",table="main.shop.orders",result="matched"} 3' "$T/metrics/dbx_insider_sync_orders.prom"
ok $? "#13.3 the metrics carry the reconcile result"
[ -s "$r/sent.msgpack" ]; ok $? "#13.3 the run keeps what it sent"

check "#13.3 --reconcile on demand" 0 dbx-insider-sync --reconcile --sample 2 "$CONF"
is_n=$(wc -l <out); [ "$is_n" = 2 ]; ok $? "#13.3 --sample 2: two users reported on stdout"
jq -r .result out | sort -u >got; printf 'matched\n' >want
same want got; ok $? "#13.3 on demand: matched"

# an accepted upsert that Insider never applies: the next run's reconcile names the user
ins_post /_emu/lose '{"when_user_has":"late@example.com"}'
dbx_post /_emu/commit '{"table":"main.shop.orders","commit":{"version":3,"timestamp":"2026-11-26T00:02:00Z","operation":"WRITE","insert":[{"user_id":10,"email":"late@example.com","phone":null,"first_name":"Late","last_name":"Z","country":"US","email_optin":false,"loyalty_tier":"gold","order_id":null,"event_name":null,"event_ts":null,"sku":null,"product_name":null,"category_path":null,"currency":null,"qty":null,"price":null,"sale_price":null,"coupon_code":null}]}}'
check "#13.3 a run whose upsert is lost: exit 65" 65 dbx-insider-sync "$CONF"
check_err "#13.3 the run says Insider differs" "reconcile: Insider's profiles differ from what was sent (exit 65)"
[ "$(state_version)" = 3 ]; ok $? "#13.3 the checkpoint still moved (Insider accepted the records)"
jq -c '.reconcile | [.missing, .users]' "$(last_run)/summary.json" >got
printf '%s\n' '[1,[{"email":"late@example.com","custom":{"customer_id":"10"}}]]' >want
same want got; ok $? "#13.3 summary.json names the missing user"
check "#13.3 --reconcile on demand names the user" 65 dbx-insider-sync --reconcile "$CONF"
grep -q '"result":"missing","identifiers":{"email":"late@example.com",' out; ok $? "#13.3 on demand: the lost user is missing"

# --- NULLS: linus's phone becomes NULL (version 4); the default keeps Insider's value
TBL=$T/w/tables/main.shop.orders.json
v2=$(jq -c '.commits[2].update[0].after' "$TBL")
v4=$(printf '%s' "$v2" | jq -c '.phone = null')
dbx_post /_emu/commit "{\"table\":\"main.shop.orders\",\"commit\":{\"version\":4,\"operation\":\"MERGE\",\"update\":[{\"before\":$v2,\"after\":$v4}]}}"
linus() { ins_get /_emu/users | jq -c '.users[] | select(.identifiers.email == "linus@example.com") | [.attributes.phone_number, .attributes.custom.tier]'; }
check "#13.1 NULLS unset: the run" 0 dbx-insider-sync "$CONF"
linus >got; printf '%s\n' '["+358401234567","gold"]' >want
same want got; ok $? "#13.1 NULLS unset (skip): the NULLed phone stays in Insider's profile"
# version 5: the tier becomes NULL too, now with NULLS=clear
v5=$(printf '%s' "$v4" | jq -c '.loyalty_tier = null')
dbx_post /_emu/commit "{\"table\":\"main.shop.orders\",\"commit\":{\"version\":5,\"operation\":\"MERGE\",\"update\":[{\"before\":$v4,\"after\":$v5}]}}"
printf 'NULLS=clear\n' >>"$CONF"
check "#13.1 NULLS=clear: the run" 0 dbx-insider-sync "$CONF"
linus >got; printf '%s\n' '[null,null]' >want
same want got; ok $? "#13.1 NULLS=clear: the NULLed phone and tier disappear from the profile"
ins_get /_emu/users | jq -r '.users[] | select(.identifiers.email == "linus@example.com") | .attributes.name' >got
printf 'Linus\n' >want; same want got; ok $? "#13.1 NULLS=clear: the other attributes stay"
grep -q '"op":"attribute-delete","request":{"users":\[{"identifiers":{"email":"linus@example.com","custom":{"customer_id":"3"}},"whole":\["phone_number"\],"custom":{"whole":\["tier"\]}}\]}' "$(last_run)/journal.ndjson"
ok $? "#13.1 the clear is journaled with its request"
[ "$(state_version)" = 5 ]; ok $? "#13.1 checkpoint at version 5"

# --- DELETES=profile: a delete of linus's row (version 6) is 1 deletion in 1 row: over 1%
printf 'DELETES=profile\n' >>"$CONF"
dbx_post /_emu/commit "{\"table\":\"main.shop.orders\",\"commit\":{\"version\":6,\"operation\":\"DELETE\",\"delete\":[$v5]}}"
n1=$(ins_get /_emu/stats | jq .requests)
check "#13.2 the ratio guard stops a mass delete: 78" 78 dbx-insider-sync "$CONF"
check_err "#13.2 the guard says why" "1 deletions in 1 rows exceed MAX_DELETE_RATIO=0.01 (at most 0): nothing was sent, nothing deleted"
[ "$(ins_get /_emu/stats | jq .requests)" = "$n1" ]; ok $? "#13.2 nothing was sent to Insider"
[ "$(state_version)" = 5 ]; ok $? "#13.2 the checkpoint did not move"
jq -c . "$(last_run)/deletions.ndjson" >got
printf '%s\n' '{"identifiers":{"email":"linus@example.com","custom":{"customer_id":"3"}},"_delete":"profile","_commit_version":6}' >want
same want got; ok $? "#13.2 the deletions are listed"
printf 'MAX_DELETE_RATIO=1\n' >>"$CONF"
check "#13.2 --dry-run lists the deletion" 0 dbx-insider-sync --dry-run "$CONF"
check_err "#13.2 dry run: counted" "1 deletions (profile) in 1 rows, within MAX_DELETE_RATIO=1"
[ "$(ins_get /_emu/stats | jq .profiles_deleted)" = 0 ]; ok $? "#13.2 dry run deleted nothing"
check "#13.2 DELETES=profile within the ratio" 0 dbx-insider-sync "$CONF"
ins_get /_emu/users | jq '[.users[] | select(.identifiers.email == "linus@example.com")] | length' >got
printf '0\n' >want; same want got; ok $? "#13.2 the profile is deleted"
grep -q '"status":"deleted","time":"[^"]*","http":200,.*"first_version":6,.*"op":"profile-delete","request":{"identifiers":{"email":"linus@example.com","custom":{"customer_id":"3"}}}' "$(last_run)/journal.ndjson"
ok $? "#13.2 the deletion is journaled: identifiers, version, result"
[ "$(state_version)" = 6 ]; ok $? "#13.2 checkpoint at version 6"
done_testing
