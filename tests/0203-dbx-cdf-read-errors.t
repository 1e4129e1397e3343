#!/bin/sh
# dbx-cdf-read: each error class of the statement API and the exit status it gives.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 38
emu_start
pat

check 'vacuumed change data' 78 dbx-cdf-read --from-version 1 shop.crm.vacuumed
check_err 'names --snapshot as the way back' 'shop.crm.vacuumed: the change data for versions 1..5 is no longer available (not recorded, vacuumed, or past log retention): take a fresh full snapshot with --snapshot'
check_err 'keeps the class' '[DELTA_CHANGE_DATA_FILE_NOT_FOUND]'
[ ! -s out ]; ok $? 'no record written'
check 'vacuumed, later range still readable' 0 dbx-cdf-read --from-version 3 shop.crm.vacuumed
check_err 'three versions' 'read versions 3..5: 3 rows (0 dropped)'
check 'change data not recorded yet' 78 dbx-cdf-read --from-version 1 shop.crm.cdf_late
check_err 'DELTA_MISSING_CHANGE_DATA with the way back' 'take a fresh full snapshot with --snapshot, then read incrementally again [shop.crm.cdf_late: statement failed: [DELTA_MISSING_CHANGE_DATA]'
check 'log truncated' 78 dbx-cdf-read --from-version 1 shop.crm.log_truncated
check_err 'DELTA_VERSION_NOT_FOUND' '[DELTA_VERSION_NOT_FOUND] Cannot time travel Delta table to version 1. Available versions: [3, 5].'
printf '{"table":"shop.crm.vacuumed","version":1}\n' >st.json
check 'vacuumed range from the state file' 78 dbx-cdf-read --state st.json shop.crm.vacuumed
check_err 'way back' 'take a fresh full snapshot with --snapshot'
check 're-snapshot with --snapshot' 0 dbx-cdf-read --snapshot --state st.json shop.crm.vacuumed
check_err 'snapshot of the latest version' 'read versions 5..5: 5 rows (0 dropped)'
grep -q '"snapshot":true' st.json.pending; ok $? 'pending says snapshot'
check 'schema change inside the range' 78 dbx-cdf-read --from-version 1 shop.crm.schema_change
check_err 'says what to do' "the table's schema changed inside versions 1..5: read the versions before and after the change separately"
check_err 'with the server text' 'query table changes separately from version 1 to 3 - 1, and from version 3 to 5'
check 'start beyond the latest version' 0 dbx-cdf-read --from-version 9 shop.crm.customers
check_err 'nothing to do' 'start version 9 is beyond the latest version 2: nothing to do'
check 'end beyond the latest version' 78 dbx-cdf-read --from-version 1 --to-version 9 shop.crm.customers
check_err 'says so' '--to-version 9 is beyond the latest version 2'
check 'missing table' 78 dbx-cdf-read shop.crm.nope
check_err 'not found' 'table shop.crm.nope not found (or not visible to these credentials)'
check 'missing catalog' 78 dbx-cdf-read nocat.crm.t
check 'a view' 78 dbx-cdf-read shop.crm.customers_view
check_err 'views are refused' 'shop.crm.customers_view is a VIEW: views are refused'
check 'a materialized view' 78 dbx-cdf-read shop.crm.mv_orders
check 'not Delta' 78 dbx-cdf-read shop.crm.parquet_tbl
check_err 'format named' 'is not a Delta table (format PARQUET)'
check 'CDF off' 78 dbx-cdf-read shop.crm.no_cdf
check_err 'how to turn it on' 'change data feed is off for shop.crm.no_cdf: turn it on with ALTER TABLE `shop`.`crm`.`no_cdf` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)'
check 'SELECT not granted' 77 dbx-cdf-read shop.crm.secret
check_err 'permission named' '[INSUFFICIENT_PERMISSIONS] Insufficient privileges'
printf '{"table":"shop.crm.customers","version":7}\n' >ahead.json
check 'state ahead of the table' 78 dbx-cdf-read --state ahead.json shop.crm.customers
check_err 'says so, and the way back' 'shop.crm.customers: the state file is at version 7, beyond the table'"'"'s latest version 2 (was the table replaced or restored?): take a fresh snapshot with --snapshot'
check 'snapshot at an older version' 0 dbx-cdf-read --snapshot --to-version 1 shop.crm.customers
check_err 'three rows of version 1' 'read versions 1..1: 3 rows (0 dropped)'
done_testing
