#!/bin/sh
# #12 §1: row-map --suggest --schema FILE makes custom fields only of what the account has
# (a note names the closest account field), recognises Insider's warehouse naming (a_, e_),
# and row-map --check --schema FILE refuses a mapping whose custom fields the account lacks.
. "$DBXI_ROOT/tests/lib.sh"
D=$DATA/row-map
S=$DBXI_ROOT/scripts/demo-data/schema.json
plan 21
# the demo table's columns (scripts/demo-data/make-table.py); the account has tier and coupon
cat >orders.schema <<'E'
{"_schema":{"table":"main.shop.orders","columns":[{"name":"user_id","type":"BIGINT"},{"name":"email","type":"STRING"},{"name":"loyalty_tier","type":"STRING"},{"name":"event_name","type":"STRING"},{"name":"event_ts","type":"TIMESTAMP"},{"name":"sku","type":"STRING"},{"name":"coupon_code","type":"STRING"},{"name":"gift_note","type":"STRING"}]}}
E
cp "$S" acct.json
check "#12 §1 suggest --schema: runs" 0 row-map --suggest --schema acct.json orders.schema
jq -c '[.attributes.custom, .events.params.custom]' out >got
echo '[null,null]' >want
same want got; ok $? "#12 §1 suggest --schema: no custom field the account lacks"
check_err "#12 §1 suggest --schema: loyalty_tier: note names tier" \
	'row-map: suggest: loyalty_tier: left out: acct.json has no custom attribute or event parameter loyalty_tier; closest: attribute tier (if it is the same, map "tier": "loyalty_tier" under attributes.custom)'
check_err "#12 §1 suggest --schema: coupon_code: note names coupon" \
	'row-map: suggest: coupon_code: left out: acct.json has no custom attribute or event parameter coupon_code; closest: parameter coupon (if it is the same, map "coupon": "coupon_code" under events.params.custom)'
check_err "#12 §1 suggest --schema: nothing close: says how to add it" \
	'row-map: suggest: gift_note: left out: acct.json has no custom attribute or event parameter gift_note nor one of a close name (create it in the panel, then insider-push --fetch-schema)'
cp out m.json
check "#12 §1 the suggestion passes --check --schema" 0 row-map --check --schema acct.json -m m.json
printf '{"attributes":{"tier":"string"},"events":{"purchase":{"coupon":"string"}}}' >acct2.json
sed 's/"gift_note"/"tier"/' orders.schema >orders2.schema
check "#12 §1 suggest --schema: a column the account has" 0 row-map --suggest --schema acct2.json orders2.schema
jq -c '[.attributes.custom, .events.params.custom]' out >got
echo '[{"tier":"tier"},null]' >want
same want got; ok $? "#12 §1 suggest --schema: an account attribute in an events table goes to attributes.custom"

check "#12 §1 suggest: missing schema file" 78 row-map --suggest --schema nope.json orders.schema
check_err "#12 §1 suggest: missing schema file: the hint" \
	"row-map: nope.json: No such file or directory (write it with: insider-push --fetch-schema >nope.json)"

# Insider's warehouse import naming: a_ attributes, e_ event parameters, e_guid
check "#12 §1 suggest: warehouse naming" 0 row-map --suggest "$D/suggest-warehouse.schema"
jq -c '{i: .identifiers, a: .attributes, p: .events.params}' out >got
echo '{"i":{"email":"a_email"},"a":{"email_optin":"a_email_optin","age":"a_age","custom":{"loyalty":"a_loyalty"}},"p":{"taxonomy":"e_taxonomy","quantity":"e_quantity","unit_price":"e_unit_price","event_group_id":"e_guid","custom":{"coupon":"e_coupon"}}}' >want
same want got; ok $? "#12 §1 suggest: a_age -> age, e_quantity -> quantity, e_guid -> event_group_id"

# --check --schema: every custom field the mapping emits, against the account
cat >bad.json <<'E'
{"identifiers": {"email": "email"},
 "attributes": {"custom": {"loyalty_tier": "loyalty_tier", "tier": "loyalty_tier"}},
 "events": {"name": "event_name", "timestamp": "event_ts",
            "params": {"custom": {"coupon_code": "coupon_code", "coupon": "coupon_code"}}}}
E
check "#12 §1 --check --schema: custom fields the account lacks" 78 row-map --check --schema acct.json -m bad.json
check_err "#12 §1 --check --schema: the attribute, with the closest" \
	"row-map: bad.json: attributes.custom.loyalty_tier: acct.json has no custom attribute loyalty_tier (closest: tier)"
check_err "#12 §1 --check --schema: the parameter, with the closest" \
	"row-map: bad.json: events.params.custom.coupon_code: acct.json has no custom parameter coupon_code (closest: coupon)"
check_err "#12 §1 --check --schema: the count" \
	"row-map: bad.json: 2 custom fields the account does not have"
[ ! -s out ]; ok $? "#12 §1 --check --schema: no ok line"
sed 's/"loyalty_tier": "loyalty_tier", //; s/"coupon_code": "coupon_code", //' bad.json >good.json
check "#12 §1 --check --schema: the fixed mapping" 0 row-map --check --schema acct.json -m good.json
[ "$(cat out)" = "good.json: ok: 1 identifier, 1 attribute, 1 event (1 parameter); every custom field is in acct.json" ]
ok $? "#12 §1 --check --schema: the ok line names the schema"
cat >ev.json <<'E'
{"identifiers": {"email": "email"},
 "events": {"name": {"value": "cart_page_view"}, "timestamp": "event_ts",
            "params": {"custom": {"coupon": "coupon_code"}}}}
E
printf '{"events":{"purchase":{"coupon":"string"},"wishlist":{"list":"string"}}}' >acct3.json
check "#12 §1 --check --schema: an event named by a constant needs the parameter itself" 78 row-map --check --schema acct3.json -m ev.json
check_err "#12 §1 --check --schema: event named" \
	"row-map: ev.json: events.params.custom.coupon: acct3.json has no custom parameter coupon for event cart_page_view"
done_testing
