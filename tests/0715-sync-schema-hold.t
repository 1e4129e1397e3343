#!/bin/sh
# dbx-insider-sync end to end (#10.4): a custom attribute the integration's schema file lacks,
# used by the rows of one version, stops the run (78) before that version; the checkpoint
# stays before it; once the schema file has the attribute, the next run delivers those rows.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 14
demo=$DBXI_ROOT/scripts/demo-data
# the account (the Insider emulator) has the attribute "late"; the schema file does not yet
jq '.attributes.late = "boolean"' "$demo/schema.json" >acct-schema.json
cp "$demo/schema.json" schema.json
# the rows of version 5 carry attributes.custom.late; later versions do not
jq '.attributes.custom.late = {"jq": "if ._commit_version == 5 then true else empty end"}' "$demo/mapping.json" >mapping.json
INS_ARGS="--schema $T/acct-schema.json"
sync_start
sed -i -e "s#^MAPPING=.*#MAPPING=$T/mapping.json#" -e "s#^SCHEMA=.*#SCHEMA=$T/schema.json#" "$CONF"

check "#10.4 first run (snapshot, version 2): exit 0" 0 dbx-insider-sync "$CONF"
[ "$(state_version)" = 2 ]; ok $? "#10.4 checkpoint at version 2"

while IFS= read -r c; do dbx_post /_emu/commit "$c"; done <"$T/w/commits.json"
row() { # row VERSION USER_ID EMAIL
	printf '{"table":"main.shop.orders","commit":{"version":%s,"timestamp":"2026-11-26T00:0%s:00Z","operation":"WRITE","insert":[{"user_id":%s,"email":"%s","phone":null,"first_name":"L","last_name":"Z","country":"US","email_optin":true,"loyalty_tier":"gold","order_id":null,"event_name":null,"event_ts":null,"sku":null,"product_name":null,"category_path":null,"currency":null,"qty":null,"price":null,"sale_price":null,"coupon_code":null}]}}' "$1" "$1" "$2" "$3"
}
dbx_post /_emu/commit "$(row 5 20 late@example.com)"
dbx_post /_emu/commit "$(row 6 21 later@example.com)"
dbx_post /_emu/commit "$(row 7 22 latest@example.com)"

check "#10.4 the schema file lacks an attribute the rows of version 5 use: the run fails (78)" 78 dbx-insider-sync "$CONF"
v=$(state_version)
[ "$v" -ge 2 ] && [ "$v" -lt 5 ]; ok $? "#10.4 the checkpoint stays before version 5 (it is $v)"
ins_get /_emu/users | jq -r '.users[].identifiers.email' | sort >got
grep -qx zoe@example.com got; ok $? "#10.4 the rows of version 3 were delivered"
grep -q late got; [ $? -eq 1 ]; ok $? "#10.4 nothing of versions 5 to 7 reached Insider (a later version must not carry the checkpoint past 5)"
r=$(last_run)
jq -r '"\(.stage) \(.rule) \(.message)"' "$r/rejects.ndjson" | grep '^validate custom-attribute-unknown' >got
echo 'validate custom-attribute-unknown not a custom attribute in the schema file (not a data reject: sent again once the schema has it)' >want
same want got; ok $? "#10.4 the run's rejects hold the row as not a data reject"
grep -q 'records need custom fields that .*schema.json does not define: attributes.custom.late (1 record, first: record ' "$r/log"; ok $? "#10.4 the run's log names the missing field"

check "#10.4 run again before the fix: still 78" 78 dbx-insider-sync "$CONF"
[ "$(state_version)" = "$v" ]; ok $? "#10.4 the checkpoint has not moved"

cp acct-schema.json schema.json
check "#10.4 after the schema fix: exit 0" 0 dbx-insider-sync "$CONF"
[ "$(state_version)" = 7 ]; ok $? "#10.4 checkpoint at version 7"
ins_get /_emu/users | jq -r '.users[] | select(.identifiers.email | test("late")) | "\(.identifiers.email) \(.attributes.custom.late)"' | sort >got
printf 'late@example.com true\nlater@example.com null\nlatest@example.com null\n' >want
same want got; ok $? "#10.4 the held row arrived at Insider with the attribute, and the later ones"
[ ! -s "$(last_run)/rejects.ndjson" ] || ! grep -q custom-attribute-unknown "$(last_run)/rejects.ndjson"; ok $? "#10.4 nothing held in the last run"
done_testing
