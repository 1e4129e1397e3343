#!/bin/sh
# dbx-cdf-read: names as Databricks treats them (#11.2): Unity Catalog names are matched
# case-insensitively (stored lower case); hive_metastore tables (no information_schema) are
# checked with DESCRIBE DETAIL / SHOW TBLPROPERTIES and listed with SHOW SCHEMAS / SHOW TABLES.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 28
emu_start
pat
for f in "$DD"/extra/*.json; do ctl table "$(cat "$f")" || echo "# cannot load $f" >&2; done

check '#11.2 a mixed-case name finds the lower-case table' 0 dbx-cdf-read --snapshot shop.CRM.Customers
check_err '#11.2 its rows' 'read versions 2..2: 3 rows (0 dropped)'
check '#11.2 a table created as Shop.Sales.Users, asked for in another case' 0 dbx-cdf-read --snapshot SHOP.sales.USERS
check_err '#11.2 one row' 'read versions 1..1: 1 row (0 dropped)'
check '#11.2 --verify with a mixed-case name' 0 dbx-cdf-read --verify Shop.Crm.Customers
grep -q '^ok: table Shop.Crm.Customers exists' out; ok $? '#11.2 the table exists'
printf '{"table":"shop.crm.customers","version":1}\n' >st.json
check '#11.2 a state file written under the lower-case name' 0 dbx-cdf-read --state st.json Shop.CRM.customers
check_err '#11.2 is the same table' 'read versions 2..2'
check '#11.2 --list of a mixed-case catalog' 0 dbx-cdf-read --list SHOP
grep -q '"schema":"crm"' out; ok $? '#11.2 lists its schemas'

check '#11.2 hive_metastore table: eligible without information_schema' 0 dbx-cdf-read --snapshot hive_metastore.default.legacy_users
check_err '#11.2 its rows' 'read versions 2..2: 3 rows (0 dropped)'
check '#11.2 hive_metastore incremental' 0 dbx-cdf-read --from-version 2 hive_metastore.default.legacy_users
check_err '#11.2 one change' 'read versions 2..2: 1 row (0 dropped)'
check '#11.2 hive_metastore --verify' 0 dbx-cdf-read --verify hive_metastore.default.legacy_users
grep -q '^ok: change data feed is on' out; ok $? '#11.2 CDF checked with SHOW TBLPROPERTIES'
check '#11.2 hive_metastore CDF off' 78 dbx-cdf-read hive_metastore.default.legacy_nocdf
check_err '#11.2 says so' 'change data feed is off for hive_metastore.default.legacy_nocdf'
check '#11.2 hive_metastore view refused' 78 dbx-cdf-read hive_metastore.default.legacy_view
check_err '#11.2 as a view' 'hive_metastore.default.legacy_view is a view: views are refused'
check '#11.2 hive_metastore not Delta' 78 dbx-cdf-read hive_metastore.sales.orders_csv
check_err '#11.2 format named' 'is not a Delta table (format csv)'
check '#11.2 hive_metastore missing table' 78 dbx-cdf-read hive_metastore.default.nope
check_err '#11.2 not found' 'table hive_metastore.default.nope not found'
check '#11.2 --list hive_metastore (SHOW SCHEMAS)' 0 dbx-cdf-read --list hive_metastore
cat >want <<'W'
{"catalog":"hive_metastore","schema":"default"}
{"catalog":"hive_metastore","schema":"sales"}
W
check_out '#11.2 its schemas' want
check '#11.2 --list hive_metastore.default (SHOW TABLES, DESCRIBE DETAIL each)' 0 dbx-cdf-read --list hive_metastore.default
cat >want <<'W'
{"table":"hive_metastore.default.legacy_nocdf","table_type":null,"format":"delta","cdf":false,"eligible":false,"reason":"change data feed off"}
{"table":"hive_metastore.default.legacy_users","table_type":null,"format":"delta","cdf":true,"eligible":true}
{"table":"hive_metastore.default.legacy_view","table_type":"VIEW","format":null,"cdf":false,"eligible":false,"reason":"a view"}
W
check_out '#11.2 its tables, eligibility marked' want
done_testing
