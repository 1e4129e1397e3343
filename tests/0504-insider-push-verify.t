#!/bin/sh
# insider-push --verify and --fetch-schema against the emulator's metadata call.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 16
D=$DATA/insider-push
emu_start --schema "$D/schema.json"

check "verify ok" 0 insider-push --verify
grep -q "^insider-push: verify: ok: Insider accepted partner dbxitest and its token ($EMU/api/user/v3/metadata/columns)\$" out; ok $? "verify says ok"
is "verify sent no upsert" "$(emu_stat users_received)" 0
INSIDER_API_TOKEN=not-the-token run 77 insider-push --verify; ok $? "verify: wrong token is 77"
check_err "verify says refused" "insider-push: verify: refused: Insider answered HTTP 403"
grep -c not-the-token err >n; is "token not shown" "$(cat n)" 0
INSIDER_PARTNER_NAME=someone run 77 insider-push --verify; ok $? "verify: wrong partner is 77"
emu_fault '{"status":503,"count":10,"path":"/api/user/v3/metadata/columns"}'
run 69 insider-push --verify --backoff 5; ok $? "verify: 503 until the retries end is 69"
check_err "verify says unavailable" "insider-push: verify: unavailable:"
emu_reset
p=$(free_port)
INSIDER_API_URL=http://127.0.0.1:$p run 69 insider-push --verify --backoff 5; ok $? "verify: nothing listening is 69"
INSIDER_PARTNER_NAME= run 78 insider-push --verify; ok $? "verify: no partner is 78"

check "fetch-schema" 0 insider-push --fetch-schema
cat >want <<'X'
{
  "attributes": {
    "last_order": "datetime",
    "ltv": "number",
    "tags": "strings",
    "tier": "string",
    "vip": "boolean"
  },
  "events": {
    "cart_page_view": {},
    "purchase": {
      "coupon": "string"
    },
    "wishlist_add": {
      "list": "string"
    }
  }
}
X
check_out "schema file form, custom fields only" want
cp out schema.out
check "the schema reads back as the same types" 0 python3 -c '
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open("schema.out"))
assert a["attributes"]==b["attributes"]
assert all(b["events"][k]==v for k,v in a["events"].items())
' "$D/schema.json"
INSIDER_API_TOKEN=nope run 77 insider-push --fetch-schema; ok $? "fetch-schema: refused is 77"
[ ! -s out ]; ok $? "nothing on stdout when refused"
done_testing
