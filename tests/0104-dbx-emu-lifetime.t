#!/bin/sh
# The Databricks emulator's result lifetime (#11.1: results live --result-ttl seconds after
# the statement succeeds, polling does not extend it; then CLOSED, chunks and links refused),
# its refusal of EXTERNAL_LINKS (--no-external-links), and the SQL of windows (count(*),
# several pmod(hash()) conditions).
. "$DBXI_ROOT/tests/lib.sh"
plan 16

EMU=$DBXI_ROOT/tests/emu/dbx_emu.py
WH=abcdef1234567890
start() { # start EMULATOR-OPTIONS...: sets B
	PORT=$(free_port)
	python3 "$EMU" --port "$PORT" --tables "$DATA/dbx-cdf-read/tables" --chunk-rows 2 "$@" 2>>"$T/emu.err" &
	EMU_PIDS="${EMU_PIDS:-} $!"
	wait_port "$PORT"
	B=http://127.0.0.1:$PORT
}
AUTH="Authorization: Bearer dapi-test-token"
api() {
	if [ $# -ge 3 ]; then
		curl -s -o out -w '%{http_code}' -X "$1" -H "$AUTH" --data-binary "$3" "$B$2" >code
	else
		curl -s -o out -w '%{http_code}' -X "$1" -H "$AUTH" "$B$2" >code
	fi
}
stmt() {
	api POST /api/2.0/sql/statements/ "$(jq -nc --arg s "$1" --arg w "$WH" --arg d "${2:-INLINE}" \
		'{statement:$s, warehouse_id:$w, wait_timeout:"10s", format:"JSON_ARRAY", disposition:$d}')"
}
jqok() {
	if jq -e "$2" out >/dev/null 2>jq.err; then ok 0 "$1"; else
		echo "# jq failed: $2" >&2; head -c 2000 out | diag; ok 1 "$1"; fi
}
code_is() { [ "$(cat code)" = "$1" ] || { echo "# status $(cat code), wanted $1" >&2; head -c 600 out | diag; false; }; ok $? "$2"; }

start --result-ttl 2
stmt 'SELECT * FROM shop.crm.customers VERSION AS OF 2'
jqok "#11.1 a statement succeeds with several chunks" '.status.state == "SUCCEEDED" and .manifest.total_chunk_count >= 2'
sid=$(jq -r .statement_id out)
api GET "/api/2.0/sql/statements/$sid/result/chunks/1"
code_is 200 "#11.1 within the lifetime a chunk is served"
stmt 'SELECT * FROM shop.crm.customers VERSION AS OF 2' EXTERNAL_LINKS
lsid=$(jq -r .statement_id out)
link=$(jq -r '.result.external_links[0].external_link' out)
# polling does not extend the lifetime
for i in 1 2 3 4 5; do api GET "/api/2.0/sql/statements/$sid"; sleep 0.5; done
api GET "/api/2.0/sql/statements/$sid"
jqok "#11.1 after the lifetime the statement is CLOSED (polling did not extend it)" '.status.state == "CLOSED" and (has("manifest") | not)'
api GET "/api/2.0/sql/statements/$sid/result/chunks/1"
code_is 400 "#11.1 a chunk of an expired statement is refused"
jqok "#11.1 ... with the closed statement's error" '.error_code == "BAD_REQUEST" and (.message | test("state CLOSED"))'
curl -s -o out -w '%{http_code}' "$link" >code
code_is 404 "#11.1 the external link of an expired statement no longer serves the rows"
api GET "/api/2.0/sql/statements/$lsid/result/chunks/0"
code_is 400 "#11.1 nor does its chunk endpoint give a new link"

start --no-external-links
stmt 'SELECT * FROM shop.crm.customers VERSION AS OF 2' EXTERNAL_LINKS
code_is 400 "#11.1 --no-external-links: EXTERNAL_LINKS refused"
jqok "#11.1 ... with INVALID_PARAMETER_VALUE naming the disposition" '.error_code == "INVALID_PARAMETER_VALUE" and (.message | test("EXTERNAL_LINKS"))'
stmt 'SELECT * FROM shop.crm.customers VERSION AS OF 2' INLINE
jqok "#11.1 ... INLINE still works" '.status.state == "SUCCEEDED"'

stmt 'SELECT count(*) AS n FROM shop.crm.customers VERSION AS OF 2'
jqok "count(*) AS n ... VERSION AS OF: one BIGINT" '.manifest.schema.columns[0].name == "n" and .manifest.schema.columns[0].type_name == "LONG"'
total=$(jq -r '.result.data_array[0][0]' out)
[ "$total" -ge 3 ]; ok $? "count(*) counts the rows ($total)"
sum=0
for b in 0 1 2; do
	stmt "SELECT count(*) AS n FROM shop.crm.customers VERSION AS OF 2 WHERE pmod(hash(\`email\`), 3) = $b"
	sum=$((sum + $(jq -r '.result.data_array[0][0]' out)))
done
[ "$sum" = "$total" ]; ok $? "the three buckets of pmod(hash(email), 3) add up to the whole"
stmt 'SELECT * FROM shop.crm.customers VERSION AS OF 2 WHERE pmod(hash(`email`), 2) = 0 AND pmod(hash(`email`), 4) = 2'
jqok "two pmod conditions joined by AND are accepted" '.status.state == "SUCCEEDED"'
n1=$(jq -r .manifest.total_row_count out)
stmt 'SELECT * FROM shop.crm.customers VERSION AS OF 2 WHERE pmod(hash(`email`), 4) = 2'
[ "$n1" = "$(jq -r .manifest.total_row_count out)" ]; ok $? "pmod 4 = 2 lies inside pmod 2 = 0 (a window splits in two)"
stmt 'SELECT * FROM shop.crm.customers VERSION AS OF 2 WHERE pmod(hash(`nope`), 2) = 0'
jqok "an unknown window column is UNRESOLVED_COLUMN" '.status.state == "FAILED" and (.status.error.message | test("UNRESOLVED_COLUMN"))'
done_testing
