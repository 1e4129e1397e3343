#!/bin/sh
# Tests of the Databricks emulator's column projection and timestamps in table_changes (#11.5).
. "$DBXI_ROOT/tests/lib.sh"
plan 8
EMU=$DBXI_ROOT/tests/emu/dbx_emu.py
WH=abcdef1234567890
PORT=$(free_port)
python3 "$EMU" --port "$PORT" --tables "$DATA/dbx-cdf-read/tables" --chunk-rows 100 2>"$T/emu.err" &
EMU_PIDS="${EMU_PIDS:-} $!"
wait_port "$PORT"
B=http://127.0.0.1:$PORT
stmt() {
	curl -s -o out -X POST -H "Authorization: Bearer dapi-test-token" "$B/api/2.0/sql/statements/" \
		--data-binary "$(jq -nc --arg s "$1" --arg w "$WH" '{statement:$s, warehouse_id:$w, wait_timeout:"10s", format:"JSON_ARRAY"}')"
}
jqok() {
	if jq -e "$2" out >/dev/null 2>&1; then ok 0 "$1"; else head -c 1500 out | diag; ok 1 "$1"; fi
}
stmt "SELECT \`email\`, \`_commit_version\` FROM table_changes('shop.crm.customers', 1, 1)"
jqok '#11.5 projection on table_changes' '[.manifest.schema.columns[].name] == ["email","_commit_version"] and .result.data_array[0] == ["ada@example.com","1"]'
stmt 'SELECT `ID`, `vip` FROM `shop`.`crm`.`customers` VERSION AS OF 1'
jqok '#11.5 projection on a snapshot, names in any case' '[.manifest.schema.columns[].name] == ["id","vip"] and .manifest.total_row_count == 3'
stmt 'SELECT `emial` FROM `shop`.`crm`.`customers` VERSION AS OF 1'
jqok '#11.5 an unknown column: UNRESOLVED_COLUMN' '.status.state == "FAILED" and (.status.error.message | startswith("[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `emial` cannot be resolved. Did you mean"))'
stmt "SELECT * FROM table_changes('shop.crm.customers', '2026-02-02 12:00:00')"
jqok '#11.5 a start timestamp: the next version on' '[.result.data_array[][-2]] | unique == ["2"]'
stmt "SELECT * FROM table_changes('shop.crm.customers', '2026-02-02T10:00:00Z', '2026-02-02 23:00:00')"
jqok '#11.5 start and end timestamps, inclusive' '[.result.data_array[][-2]] | unique == ["1"]'
stmt "SELECT * FROM table_changes('shop.crm.customers', '2031-01-01')"
jqok '#11.5 after the last commit: DELTA_TIMESTAMP_GREATER_THAN_COMMIT' '.status.state == "FAILED" and (.status.error.message | startswith("[DELTA_TIMESTAMP_GREATER_THAN_COMMIT]"))'
stmt "SELECT * FROM table_changes('shop.crm.log_truncated', '2001-01-01')"
jqok '#11.5 before the history kept: DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION' '.status.state == "FAILED" and (.status.error.message | startswith("[DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION]"))'
stmt "SELECT * FROM table_changes('shop.crm.customers', 'soon')"
jqok '#11.5 not a timestamp: INVALID_TIMESTAMP_FORMAT' '.status.state == "FAILED" and (.status.error.message | startswith("[INVALID_TIMESTAMP_FORMAT]"))'
done_testing
