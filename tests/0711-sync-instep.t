#!/bin/sh
# Issue 13 end to end with the wrapper: reconcile after a run and on demand (a good run passes,
# a lost upsert is named).
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 14
SYNC_EXTRA=RECONCILE_SAMPLE=50
sync_start

check "#13.3 a run with RECONCILE_SAMPLE" 0 dbx-insider-sync "$CONF"
check_err "#13.3 the run says reconcile matched" "reconcile: every user checked matches Insider's profile"
r=$(last_run)
jq -c '.reconcile | [.sample, .matched, .differing, .missing, .exit]' "$r/summary.json" >got
printf '%s\n' '[3,3,0,0,0]' >want
same want got; ok $? "#13.3 summary.json: 3 users checked, 3 matched"
tail -n 1 "$SD/runs.log" | jq -c '.reconcile.matched' >got; printf '3\n' >want
same want got; ok $? "#13.3 runs.log carries the reconcile result"
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
done_testing
