#!/bin/sh
# dbx-cdf-read --list: Unity Catalog browsing with paging (pages of 2, and an empty page that
# still carries a next_page_token), tables marked eligible or not.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 12
emu_start --uc-page-size 2
pat
check 'catalogs' 0 dbx-cdf-read --list
echo '{"catalog":"shop"}' >want
check_out 'one catalog' want
check 'schemas' 0 dbx-cdf-read --list shop
cat >want <<'W'
{"catalog":"shop","schema":"crm"}
{"catalog":"shop","schema":"information_schema"}
{"catalog":"shop","schema":"types"}
{"catalog":"shop","schema":"web"}
W
check_out 'every schema over two pages' want
check 'tables' 0 dbx-cdf-read --list shop.crm
cat >want <<'W'
{"table":"shop.crm.cdf_late","table_type":"MANAGED","format":"DELTA","cdf":true,"eligible":true}
{"table":"shop.crm.customers","table_type":"MANAGED","format":"DELTA","cdf":true,"eligible":true}
{"table":"shop.crm.customers_view","table_type":"VIEW","format":null,"cdf":false,"eligible":false,"reason":"a view"}
{"table":"shop.crm.log_truncated","table_type":"MANAGED","format":"DELTA","cdf":true,"eligible":true}
{"table":"shop.crm.mv_orders","table_type":"MATERIALIZED_VIEW","format":"DELTA","cdf":false,"eligible":false,"reason":"a view"}
{"table":"shop.crm.no_cdf","table_type":"MANAGED","format":"DELTA","cdf":false,"eligible":false,"reason":"change data feed off"}
{"table":"shop.crm.parquet_tbl","table_type":"MANAGED","format":"PARQUET","cdf":false,"eligible":false,"reason":"not a Delta table"}
{"table":"shop.crm.schema_change","table_type":"MANAGED","format":"DELTA","cdf":true,"eligible":true}
{"table":"shop.crm.secret","table_type":"MANAGED","format":"DELTA","cdf":true,"eligible":true}
{"table":"shop.crm.vacuumed","table_type":"MANAGED","format":"DELTA","cdf":true,"eligible":true}
W
check_out 'every table, eligibility marked' want
[ "$(nreq GET '/unity-catalog/tables$')" -eq 6 ]; ok $? 'six pages fetched (one of them empty)'
requests | grep '/unity-catalog/tables' | grep -c page_token >n; [ "$(cat n)" -eq 5 ]; ok $? 'page tokens followed'
check 'unknown catalog' 78 dbx-cdf-read --list nocat
check_err 'the service message' "listing schemas of nocat: HTTP 404: Catalog 'nocat' does not exist. (CATALOG_DOES_NOT_EXIST)"
check 'bad name' 64 dbx-cdf-read --list 'a.b.c'
check 'msgpack' 0 dbx-cdf-read --list --msgpack shop
done_testing
