#!/bin/sh
# dbx-cdf-read --verify: one line per check, exit 77 for credentials/permissions, 78 for an
# ineligible table.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 26
emu_start
oauth
check 'eligible table' 0 dbx-cdf-read --verify shop.crm.customers
cat >want <<W
ok: credentials accepted (OAuth M2M)
ok: warehouse $WH is RUNNING
ok: table shop.crm.customers exists
ok: not a view (MANAGED)
ok: a Delta table
ok: change data feed is on (delta.enableChangeDataFeed=true)
ok: SELECT granted
ok: latest version 2 (2026-02-03T11:00:00.000Z)
W
check_out 'every check passes, one line each' want
check 'CDF off' 78 dbx-cdf-read --verify shop.crm.no_cdf
tail -n1 out >last
echo 'FAIL: change data feed is off for shop.crm.no_cdf: turn it on with ALTER TABLE `shop`.`crm`.`no_cdf` SET TBLPROPERTIES (delta.enableChangeDataFeed = true), then start with a snapshot' >want
same want last; ok $? 'FAIL line for CDF'
check 'a view' 78 dbx-cdf-read --verify shop.crm.customers_view
grep -qx 'FAIL: shop.crm.customers_view is a VIEW: views are refused (read the Delta table itself)' out; ok $? 'FAIL line for the view'
check 'a materialized view' 78 dbx-cdf-read --verify shop.crm.mv_orders
grep -q '^FAIL: shop.crm.mv_orders is a MATERIALIZED_VIEW' out; ok $? 'FAIL line for the MV'
check 'not Delta' 78 dbx-cdf-read --verify shop.crm.parquet_tbl
grep -q '^FAIL: shop.crm.parquet_tbl is not a Delta table (format PARQUET)' out; ok $? 'FAIL line for parquet'
check 'missing table' 78 dbx-cdf-read --verify shop.crm.nope
grep -qx 'FAIL: table shop.crm.nope not found (or not visible to these credentials)' out; ok $? 'FAIL line for a missing table'
check 'SELECT denied' 77 dbx-cdf-read --verify shop.crm.secret
grep -q '^FAIL: SELECT: shop.crm.secret: permission missing' out; ok $? 'FAIL line for SELECT'
DATABRICKS_CLIENT_SECRET=wrong-SECRET check 'credentials refused' 77 dbx-cdf-read --verify shop.crm.customers
grep -q '^FAIL: credentials: OAuth token request refused the client credentials' out; ok $? 'FAIL line for credentials'
[ "$(cat out err | grep -c wrong-SECRET)" -eq 0 ]; ok $? 'the secret is in no output'
ctl config '{"warehouse_denied":true}'
check 'no permission on the warehouse' 77 dbx-cdf-read --verify shop.crm.customers
grep -qx 'ok: credentials accepted (OAuth M2M)' out; ok $? 'the credentials themselves are fine'
grep -q "^FAIL: warehouse $WH: no permission on the warehouse (CAN USE): HTTP 403" out; ok $? 'FAIL line for the permission'
ctl config '{"warehouse_denied":false}'
ctl config '{"warehouse_state":"STOPPED"}'
check 'warehouse stopped' 75 dbx-cdf-read --verify shop.crm.customers
grep -q "^FAIL: warehouse $WH is STOPPED (not running or starting)" out; ok $? 'FAIL line for the warehouse'
ctl config '{"warehouse_state":"STARTING"}'
check 'warehouse starting is fine' 0 dbx-cdf-read --verify shop.crm.customers
grep -qx "ok: warehouse $WH is STARTING" out; ok $? 'ok line says STARTING'
DATABRICKS_HTTP_PATH=/sql/1.0/warehouses/nosuch check 'unknown warehouse' 78 dbx-cdf-read --verify shop.crm.customers
grep -q '^FAIL: warehouse nosuch: warehouse not found: HTTP 404' out; ok $? 'FAIL line for the warehouse id'
done_testing
