#!/bin/sh
# dbx-insider-sync passes the stages' new settings through: the columns the mapping uses
# (#11.5), the record size limit and dbx-cdf-read's rejects (#10.2), a one-off backfill from a
# point in time that leaves the checkpoint alone (#11.5).
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 21
DBX_ARGS="--log $T/dbx-requests.ndjson"
sync_start
stmts() { jq -r 'select(.body.statement? != null) | .body.statement' "$T/dbx-requests.ndjson"; }

check "a first run" 0 dbx-insider-sync "$CONF"
[ ! -e "$(last_run)/sent.msgpack" ]; ok $? "#13.3 without RECONCILE_SAMPLE or KEEP_SENT no copy of what was sent is kept"
stmts | grep -E 'VERSION AS OF|table_changes' >reads
[ -s reads ] && ! grep -q 'SELECT \*' reads; ok $? "#11.5 the reads name columns, not *"
grep -q '`loyalty_tier`' reads && ! grep -q '`sale_price`, `coupon_code`, `extra`' reads; ok $? "#11.5 the mapping's columns are read"

# READ_COLUMNS=all reads every column
: >"$T/dbx-requests.ndjson"
printf 'READ_COLUMNS=all\n' >>"$CONF"
dbx_post /_emu/commit "$(sed -n 1p "$T/w/commits.json")"
check "READ_COLUMNS=all: a run" 0 dbx-insider-sync "$CONF"
stmts | grep -E 'table_changes' >reads
grep -q "SELECT \* FROM table_changes" reads; ok $? "#11.5 READ_COLUMNS=all: SELECT *"
printf 'READ_COLUMNS=some\n' >>"$CONF"
check "READ_COLUMNS=some is refused" 78 dbx-insider-sync "$CONF"
check_err "READ_COLUMNS: the key is named" "READ_COLUMNS=some: auto (the columns the mapping uses) or all expected"
sed -i '/^READ_COLUMNS=/d' "$CONF"

# MAX_RECORD: a row over it is rejected by dbx-cdf-read into the run's rejects; the run goes on
cp0=$(state_version)
long=$(python3 -c 'print("x" * 3000)')
dbx_post /_emu/commit '{"table":"main.shop.orders","commit":{"version":4,"timestamp":"2026-12-01T00:00:00Z","operation":"WRITE","insert":[{"user_id":71,"email":"big@example.com","phone":null,"first_name":"Big","last_name":"Row","country":"US","email_optin":true,"loyalty_tier":"gold","order_id":"o-7","event_name":"purchase","event_ts":"2026-12-01T00:00:00Z","sku":"SKU-7","product_name":"'"$long"'","category_path":["A"],"currency":"USD","qty":1,"price":"1.00","sale_price":"1.00","coupon_code":null},{"user_id":72,"email":"small@example.com","phone":null,"first_name":"Small","last_name":"Row","country":"US","email_optin":true,"loyalty_tier":"gold","order_id":"o-8","event_name":"purchase","event_ts":"2026-12-01T00:00:00Z","sku":"SKU-8","product_name":"Tiny","category_path":["A"],"currency":"USD","qty":1,"price":"1.00","sale_price":"1.00","coupon_code":null}]}}'
printf 'MAX_RECORD=abc\n' >>"$CONF"
check "#10.2 MAX_RECORD=abc is refused" 78 dbx-insider-sync "$CONF"
check_err "#10.2 MAX_RECORD: the key is named" "MAX_RECORD=abc: a whole number of bytes from 1024 to 1073741824 expected"
[ "$(state_version)" = "$cp0" ]; ok $? "#10.2 a refused config moves nothing"
sed -i 's/^MAX_RECORD=.*/MAX_RECORD=2048/' "$CONF"
check "#10.2 MAX_RECORD=2048: a run with a row over it" 0 dbx-insider-sync "$CONF"
r=$(last_run)
jq -r 'select(.stage == "dbx-cdf-read") | .rule' "$r/rejects.ndjson" >got
printf 'record-too-large\n' >want
same want got; ok $? "#10.2 the big row is in the run's rejects, from dbx-cdf-read"
jq -e 'select(.stage == "dbx-cdf-read") | .source._commit_version == 4 or .record._commit_version == 4' "$r/rejects.ndjson" >/dev/null
ok $? "#10.2 the reject names the row's version"
ins_get /_emu/users | jq -e '[.users[].identifiers.email] | index("small@example.com") != null and index("big@example.com") == null' >/dev/null
ok $? "#10.2 the small row of the same version arrived, the big one did not"
[ "$(state_version)" = 4 ]; ok $? "#10.2 the checkpoint passes the version (the row is rejected with its reason)"
sed -i '/^MAX_RECORD=/d' "$CONF"

# --from-timestamp: a one-off backfill from a point in time; the checkpoint is neither read nor moved
cp "$SD/state.json" state-before
n0=$(ins_get /_emu/stats | jq .users_received)
ts=$(date -u -d '-36 hours' +%Y-%m-%dT%H:%M:%SZ)
check "#11.5 --from-timestamp: a backfill" 0 dbx-insider-sync --from-timestamp "$ts" "$CONF"
check_err "#11.5 --from-timestamp reads from the first version committed since" "read versions 2..4"
cmp -s state-before "$SD/state.json"; ok $? "#11.5 --from-timestamp leaves the checkpoint as it was"
[ "$(ins_get /_emu/stats | jq .users_received)" -gt "$n0" ]; ok $? "#11.5 --from-timestamp sent the users again"
check "#11.5 --from-timestamp does not go with --resnapshot" 64 dbx-insider-sync --resnapshot --from-timestamp "$ts" "$CONF"
done_testing
