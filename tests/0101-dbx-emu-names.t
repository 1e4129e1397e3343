#!/bin/sh
# Tests of the Databricks emulator's newer behaviours (tests/emu/dbx_emu.py): names stored
# lower case and matched in any case, a hive_metastore catalog without information_schema,
# SHOW SCHEMAS / SHOW TABLES (#11.2).
. "$DBXI_ROOT/tests/lib.sh"
plan 14

EMU=$DBXI_ROOT/tests/emu/dbx_emu.py
WH=abcdef1234567890
PORT=$(free_port)
python3 "$EMU" --port "$PORT" --tables "$DATA/dbx-cdf-read/tables" 2>"$T/emu.err" &
EMU_PIDS="${EMU_PIDS:-} $!"
wait_port "$PORT"
B=http://127.0.0.1:$PORT
AUTH="Authorization: Bearer dapi-test-token"
for f in "$DATA"/dbx-cdf-read/extra/*.json; do
	curl -sf -o /dev/null -X POST --data-binary @"$f" "$B/_emu/table" || echo "# cannot load $f" >&2
done
stmt() {
	curl -s -o out -w '%{http_code}' -X POST -H "$AUTH" "$B/api/2.0/sql/statements/" --data-binary \
		"$(jq -nc --arg s "$1" --arg w "$WH" --argjson p "${2:-[]}" \
		'{statement:$s, warehouse_id:$w, wait_timeout:"10s", format:"JSON_ARRAY", parameters:$p}')" >code
}
jqok() {
	if jq -e "$2" out >/dev/null 2>&1; then ok 0 "$1"; else head -c 1500 out | diag; ok 1 "$1"; fi
}

curl -sf "$B/_emu/tables" >out
jqok '#11.2 a fixture named Shop.Sales.Users is stored lower case' '.tables | index("shop.sales.users") != null and index("Shop.Sales.Users") == null'
stmt 'DESCRIBE HISTORY `SHOP`.`Sales`.`USERS` LIMIT 1'
jqok '#11.2 a name in another case resolves' '.status.state == "SUCCEEDED" and .result.data_array[0][0] == "1"'
stmt 'SELECT * FROM table_changes('"'"'Shop.CRM.Customers'"'"', 1, 1)'
jqok '#11.2 table_changes too' '.status.state == "SUCCEEDED" and .manifest.total_row_count == 3'
stmt 'SELECT table_type FROM `shop`.information_schema.tables WHERE table_schema = :s AND table_name = :t' \
	'[{"name":"s","value":"CRM"},{"name":"t","value":"customers"}]'
jqok '#11.2 information_schema compares with = : a mixed-case value finds nothing' '.status.state == "SUCCEEDED" and .manifest.total_row_count == 0'
stmt 'SELECT table_type FROM `shop`.information_schema.tables WHERE table_schema = :s AND table_name = :t' \
	'[{"name":"s","value":"crm"},{"name":"t","value":"customers"}]'
jqok '#11.2 the lower-case value finds the table' '.result.data_array == [["MANAGED"]]'
stmt 'SELECT table_type FROM `hive_metastore`.information_schema.tables WHERE table_schema = :s AND table_name = :t' \
	'[{"name":"s","value":"default"},{"name":"t","value":"legacy_users"}]'
jqok '#11.2 hive_metastore has no information_schema' '.status.state == "FAILED" and (.status.error.message | startswith("[TABLE_OR_VIEW_NOT_FOUND]"))'
stmt 'DESCRIBE DETAIL `hive_metastore`.`default`.`legacy_users`'
jqok '#11.2 DESCRIBE DETAIL of a hive_metastore table' '.status.state == "SUCCEEDED" and .result.data_array[0][0] == "delta" and (.result.data_array[0][11] | fromjson | .["delta.enableChangeDataFeed"]) == "true"'
stmt 'SHOW SCHEMAS IN `hive_metastore`'
jqok '#11.2 SHOW SCHEMAS (no information_schema in hive_metastore)' '.manifest.schema.columns[0].name == "databaseName" and .result.data_array == [["default"],["sales"]]'
stmt 'SHOW SCHEMAS IN `shop`'
jqok '#11.2 SHOW SCHEMAS of a Unity Catalog catalog lists information_schema' '[.result.data_array[][0]] | index("information_schema") != null'
stmt 'SHOW TABLES IN `hive_metastore`.`default`'
jqok '#11.2 SHOW TABLES' '[.manifest.schema.columns[].name] == ["database","tableName","isTemporary"] and .manifest.total_row_count == 3 and .result.data_array[0] == ["default","legacy_nocdf","false"]'
stmt 'SHOW TABLES IN `hive_metastore`.`nope`'
jqok '#11.2 SHOW TABLES of a missing schema' '.status.state == "FAILED" and (.status.error.message | startswith("[SCHEMA_NOT_FOUND]"))'
curl -s -H "$AUTH" "$B/api/2.1/unity-catalog/catalogs" >out
jqok '#11.2 hive_metastore is not a Unity Catalog catalog' '[.catalogs[].name] | index("hive_metastore") == null'
curl -s -H "$AUTH" "$B/api/2.1/unity-catalog/schemas?catalog_name=SHOP" >out
jqok '#11.2 Unity Catalog REST: catalog_name in any case' '[.schemas[].name] | index("crm") != null'
curl -s -H "$AUTH" "$B/api/2.1/unity-catalog/tables/Shop.CRM.Customers" >out
jqok '#11.2 Unity Catalog REST: a table in any case' '.full_name == "shop.crm.customers"'
done_testing
