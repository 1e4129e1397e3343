#!/bin/sh
# Tests of the Databricks emulator itself (tests/emu/dbx_emu.py): auth, statements, chunks,
# external links, FAILED classes, faults, Unity Catalog paging; compared with the recordings.
. "$DBXI_ROOT/tests/lib.sh"
plan 114

EMU=$DBXI_ROOT/tests/emu/dbx_emu.py
REC=$DATA/databricks-recorded
WH=abcdef1234567890
PORT=$(free_port)
python3 "$EMU" --port "$PORT" --tables "$DATA/tables" --synthetic-rows 2500 \
	--synthetic-chunk-rows 1000 --log "$T/req.log" 2>"$T/emu.err" &
EMU_PIDS="${EMU_PIDS:-} $!"
wait_port "$PORT"
B=http://127.0.0.1:$PORT
AUTH="Authorization: Bearer dapi-test-token"

# api METHOD PATH [BODY]: body -> out, headers -> hdr, status -> code (with the PAT)
api() {
	if [ $# -ge 3 ]; then
		curl -s -o out -D hdr -w '%{http_code}' -X "$1" -H "$AUTH" --data-binary "$3" "$B$2" >code
	else
		curl -s -o out -D hdr -w '%{http_code}' -X "$1" -H "$AUTH" "$B$2" >code
	fi
}
# stmt SQL [EXTRA-JSON-FIELDS]: POST a statement (JSON_ARRAY), response in out
stmt() {
	extra=${2:-}
	[ -n "$extra" ] || extra='{}'
	api POST /api/2.0/sql/statements/ "$(jq -nc --arg s "$1" --arg w "$WH" --argjson x "$extra" \
		'{statement:$s, warehouse_id:$w, wait_timeout:"10s", format:"JSON_ARRAY"} + $x')"
}
# jqok NAME EXPR [FILE]: jq -e EXPR holds on FILE (default out)
jqok() {
	if jq -e "$2" "${3:-out}" >/dev/null 2>jq.err; then ok 0 "$1"; else
		echo "# jq failed: $2" >&2; head -c 2000 "${3:-out}" | diag; ok 1 "$1"; fi
}
code_is() { [ "$(cat code)" = "$1" ] || { echo "# status $(cat code), wanted $1" >&2; head -c 600 out | diag; false; }; ok $? "$2"; }
ctl() { curl -s -o ctl.out -w '%{http_code}' -X POST --data-binary "$2" "$B/_emu/$1" >ctl.code; }
recbody() { jq -j .response.body "$REC/$1"/*.json; }

# --- OAuth discovery and token ---
api GET /oidc/.well-known/oauth-authorization-server
code_is 200 "discovery answers 200"
jq -c 'keys' out >keys.emu
jq -j .response.body "$REC"/oauth-m2m-discovery-and-session/oidc_*.json | jq -c 'keys' >keys.rec
same keys.rec keys.emu; ok $? "discovery has the recorded document's keys"
jqok "discovery token_endpoint on the emulator" ".token_endpoint == \"$B/oidc/v1/token\""
grep -qF 'http:\/\/127.0.0.1' out; ok $? "discovery escapes slashes like the recording"

curl -s -o out -w '%{http_code}' -u dbxi-test-client:dbxi-test-secret \
	-d 'grant_type=client_credentials&scope=all-apis' "$B/oidc/v1/token" >code
code_is 200 "token with Basic credentials"
jqok "token response fields" '.token_type == "Bearer" and .expires_in == 3600 and .scope == "all-apis" and (.access_token | split(".") | length) == 3'
TOKEN=$(jq -r .access_token out)
curl -s -o out -w '%{http_code}' -d 'grant_type=client_credentials&scope=all-apis&client_id=dbxi-test-client&client_secret=dbxi-test-secret' "$B/oidc/v1/token" >code
code_is 200 "token with client_secret_post form credentials"
curl -s -o out -w '%{http_code}' -u dbxi-test-client:wrong -d 'grant_type=client_credentials&scope=all-apis' "$B/oidc/v1/token" >code
code_is 401 "token with a bad secret is 401"
printf '%s' '{"error":"invalid_client","error_description":"Client authentication failed"}' >want
same want out; ok $? "bad secret body is invalid_client"
curl -s -o out -w '%{http_code}' -u dbxi-test-client:dbxi-test-secret -d 'grant_type=password' "$B/oidc/v1/token" >code
code_is 400 "token with another grant_type is 400"

# --- auth failures on the API, as recorded ---
curl -s -o out -D hdr -w '%{http_code}' "$B/api/2.0/sql/warehouses/$WH" >code
code_is 401 "no credentials: 401"
recbody auth-failure-pat-401 >want
same want out; ok $? "401 body identical to the recording"
grep -qiF 'www-authenticate: Bearer realm="DatabricksRealm"' hdr; ok $? "401 carries www-authenticate"
curl -s -o out -w '%{http_code}' -H "Authorization: Bearer dapi-wrong" "$B/api/2.0/sql/warehouses/$WH" >code
code_is 401 "unknown PAT: 401"
curl -s -o out -w '%{http_code}' -H "Authorization: Bearer aaa.bbb.ccc" "$B/api/2.0/sql/warehouses/$WH" >code
code_is 403 "unknown OAuth token: 403"
recbody auth-failure-oauth-403-json >want
same want out; ok $? "403 body identical to the recording"
ctl config '{"html_403": true}'
curl -s -o out -D hdr -w '%{http_code}' -X POST -H "Authorization: Bearer aaa.bbb.ccc" "$B/api/2.0/sql/sessions/" >code
recbody auth-failure-403-html-legacy >want
same want out; ok $? "HTML 403 identical to the legacy recording"
grep -qiF 'content-type: text/html;charset=iso-8859-1' hdr; ok $? "HTML 403 content type"
ctl config '{"html_403": false}'
curl -s -o out -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$B/api/2.0/sql/warehouses/$WH" >code
code_is 200 "OAuth token accepted"
jqok "warehouse is RUNNING with its HTTP path" ".state == \"RUNNING\" and .odbc_params.path == \"/sql/1.0/warehouses/$WH\""
api GET /api/2.0/sql/warehouses/nope
code_is 404 "unknown warehouse: 404"

# --- statements: INLINE, chunked at 2 rows ---
stmt 'SELECT * FROM table_changes('"'"'`main`.`sales`.`users`'"'"', 1, 5) ORDER BY _commit_version'
code_is 200 "table_changes statement 200"
jqok "manifest: 14 rows in 7 chunks of 2" '.status.state == "SUCCEEDED" and .manifest.total_row_count == 14 and .manifest.total_chunk_count == 7 and ([.manifest.chunks[].row_count] == [2,2,2,2,2,2,2]) and (.manifest.chunks[0] | has("byte_count") | not)'
jqok "manifest columns end with the CDF columns" '[.manifest.schema.columns[-3:][] | [.name, .type_text, .type_name]] == [["_change_type","STRING","STRING"],["_commit_version","BIGINT","LONG"],["_commit_timestamp","TIMESTAMP","TIMESTAMP"]]'
jqok "decimal column carries precision and scale" '.manifest.schema.columns[10] == {"name":"orders_total","type_text":"DECIMAL(12,2)","type_name":"DECIMAL","position":10,"type_precision":12,"type_scale":2}'
jqok "chunk 0 links to chunk 1" '.result.chunk_index == 0 and .result.next_chunk_index == 1 and (.result.next_chunk_internal_link | endswith("/result/chunks/1"))'
jq -c '.result.data_array[]' out >rows
LINK=$(jq -r .result.next_chunk_internal_link out)
while [ -n "$LINK" ]; do
	api GET "$LINK"
	jq -c '.data_array[]' out >>rows
	LINK=$(jq -r '.next_chunk_internal_link // empty' out)
done
jqok "last chunk has no next_chunk_index" '.chunk_index == 6 and (has("next_chunk_index") | not)'
cut -c1-200 rows | jq -sc '[.[] | [.[0], .[12], .[13]]]' >got
printf '%s\n' '[["1","insert","1"],["2","insert","1"],["3","insert","1"],["4","insert","1"],["2","update_preimage","2"],["2","update_postimage","2"],["5","insert","2"],["3","delete","3"],["1","update_preimage","4"],["1","update_postimage","4"],["4","update_preimage","4"],["4","update_postimage","4"],["6","insert","5"],["7","insert","5"]]' >want
same want got; ok $? "every change row, in commit order, over all chunks"
sed -n 4p rows >got
printf '%s\n' '["4","zoe@example.com","+905321234567","Zoë","Öztürk","2000-02-29","true","TR","26",null,"12.50","2026-01-01T09:00:00.000Z","insert","1","2026-01-01T09:00:05.000Z"]' >want
same want got; ok $? "values are strings: decimal scale kept, UTC timestamp, null"

# key order of a single-chunk INLINE answer equals the recording
stmt 'SELECT 1'
jq -c '[paths | map(tostring) | join(".")] | map(select(test("data_array.|columns.") | not))' out >got
jq -j .response.body "$REC"/json-array-timestamp/*.json | jq -c '[paths | map(tostring) | join(".")] | map(select(test("data_array.|columns.") | not))' >want
same want got; ok $? "INLINE response has the recording's fields in its order"

# all types, one chunk
ctl config '{"chunk_rows": 100}'
stmt 'SELECT * FROM `main`.`sales`.`all_types` VERSION AS OF 1'
ctl config '{"chunk_rows": 2}'
jqok "all_types: type_name per type" '[.manifest.schema.columns[] | .type_name] == ["INT","BYTE","SHORT","INT","LONG","FLOAT","DOUBLE","DECIMAL","DECIMAL","STRING","STRING","CHAR","BOOLEAN","DATE","TIMESTAMP","TIMESTAMP_NTZ","BINARY","ARRAY","ARRAY","MAP","STRUCT","VARIANT","INTERVAL","INTERVAL","NULL"]'
jqok "all_types: interval type" '.manifest.schema.columns[22] == {"name":"c_interval_dt","type_text":"INTERVAL DAY TO SECOND","type_name":"INTERVAL","position":22,"type_interval_type":"DAY TO SECOND"}'
jq -c '.result.data_array[0]' out >got
cat >want <<'EOF'
["1","127","32767","2147483647","9223372036854775807","3.4028235E38","1.7976931348623157E308","1234567890123456789012345678.1234567890","12.50","é😀 \"quoted\" back\\slash\nnewline\ttab \u0001 ctl","varchar ok","abc","true","2024-02-29","2021-06-15T19:34:56.789Z","2021-06-15T12:34:56.789","AAEC/w==","[1,2,null]","[[\"a\",\"b\"],[]]","{\"big\":9007199254740993,\"neg\":-1}","{\"street\":\"1 Main St\",\"zip\":94105,\"seen\":\"2021-06-15T19:34:56.789Z\",\"amount\":1.50,\"tags\":[\"x\",\"y\"]}","{\"key\":\"value\",\"number\":123,\"nested\":{\"a\":[1,2.5,null,true]}}","3 04:30:20.123000000","100-0",null]
EOF
same want got; ok $? "all_types row 1: max values, escapes, nested JSON text"
jq -c '.result.data_array[1:] | map(.[1:9])' out >got
echo '[["-128","-32768","-2147483648","-9223372036854775808","1.4E-45","1.0E-7","-0.0000000001","0.00"],["0","0","0","9007199254740993","NaN","Infinity","100.0000000000","100.10"],[null,null,null,null,null,null,null,null],["1","2","3","4","0.1","1.23456789E7","0.5000000000","0.01"]]' >want
same want got; ok $? "all_types numbers: min, 2^53+1, NaN/Infinity, Java exponent form, nulls"
grep -qF '"こんにちは"' out; ok $? "non-ASCII sent as raw UTF-8, as recorded"

# --- the other SQL forms ---
stmt 'DESCRIBE HISTORY `main`.`sales`.`users` LIMIT 1'
jqok "DESCRIBE HISTORY LIMIT 1: latest version" '.result.data_array[0][0] == "5" and .result.data_array[0][4] == "WRITE" and .manifest.total_row_count == 1'
stmt 'describe   history `main`.`sales`.`log_truncated`'
jqok "DESCRIBE HISTORY: retained versions, newest first" '.manifest.total_row_count == 4 and [.result.data_array[][0]] == ["5","4"]'
ctl config '{"chunk_rows": 100}'
stmt 'DESCRIBE HISTORY `main`.`sales`.`cdf_late`' '{"disposition":"INLINE","row_limit":3}'
ctl config '{"chunk_rows": 2}'
jqok "DESCRIBE HISTORY shows where CDF was enabled" '.result.data_array[2][4] == "SET TBLPROPERTIES" and (.result.data_array[2][5] | fromjson | .properties | fromjson | .["delta.enableChangeDataFeed"]) == "true" and .manifest.truncated == true'
stmt 'DESCRIBE DETAIL `main`.`sales`.`users`'
jqok "DESCRIBE DETAIL: format and properties map" '.result.data_array[0][0] == "delta" and (.result.data_array[0][11] | fromjson | .["delta.enableChangeDataFeed"]) == "true"'
stmt 'SHOW TBLPROPERTIES `main`.`sales`.`no_cdf`'
jqok "SHOW TBLPROPERTIES: key/value rows" '[.manifest.schema.columns[].name] == ["key","value"] and .result.data_array[0] == ["delta.enableChangeDataFeed","false"]'
stmt 'SELECT table_type, data_source_format FROM `main`.information_schema.tables WHERE table_schema = :schema AND table_name = :table' \
	'{"parameters":[{"name":"schema","value":"sales","type":"STRING"},{"name":"table","value":"parquet_tbl","type":"STRING"}]}'
jqok "information_schema with named parameters" '.result.data_array == [["MANAGED","PARQUET"]]'
stmt 'SELECT table_type, data_source_format FROM `main`.information_schema.tables WHERE table_schema = :schema AND table_name = :table' \
	'{"parameters":[{"name":"schema","value":"sales","type":"STRING"}]}'
jqok "information_schema with a missing parameter fails" '.status.error.message | startswith("[UNBOUND_SQL_PARAMETER] Found the unbound parameter: table.")'
ctl config '{"chunk_rows": 100}'
stmt 'SELECT * FROM `main`.`sales`.`users` VERSION AS OF 4'
ctl config '{"chunk_rows": 2}'
jqok "VERSION AS OF 4: snapshot after updates and delete" '[.result.data_array[] | [.[0], .[1], .[9]]] == [["1","ada@example.com","platinum"],["2","grace.hopper@example.com","silver"],["4","zoe@example.com",null],["5","jose@example.com","gold"]]'
stmt 'SELECT * FROM `main`.`sales`.`users` LIMIT 0'
jqok "LIMIT 0: columns, no rows, result {}" '.manifest.total_row_count == 0 and .manifest.total_chunk_count == 0 and (.manifest | has("chunks") | not) and .result == {} and .manifest.schema.column_count == 12'

# --- FAILED statements with the reference's error classes ---
# fail NAME SQL CLASS SQLSTATE
fail() {
	stmt "$2"
	jq -e --arg c "$3" --arg s "$4" '.status.state == "FAILED" and (.status.error.message | startswith("[" + $c + "] ")) and (.status.error.message | test("SQLSTATE: " + $s))' out >/dev/null
	r=$?; [ $r -eq 0 ] || head -c 800 out | diag; ok $r "$1"
}
tc() { echo "SELECT * FROM table_changes('\`main\`.\`sales\`.\`$1\`', $2, $3) ORDER BY _commit_version"; }
fail "missing table" 'SELECT * FROM `main`.`sales`.`nope` LIMIT 0' TABLE_OR_VIEW_NOT_FOUND 42P01
fail "DESCRIBE DETAIL on a view" 'DESCRIBE DETAIL `main`.`sales`.`users_view`' DELTA_UNSUPPORTED_DESCRIBE_DETAIL_VIEW 42809
fail "DESCRIBE HISTORY on a view" 'DESCRIBE HISTORY `main`.`sales`.`users_view` LIMIT 1' DELTA_CANNOT_DESCRIBE_VIEW_HISTORY 42809
fail "table_changes on parquet" "$(tc parquet_tbl 0 1)" DELTA_TABLE_ONLY_OPERATION 0AKDD
fail "start after latest" "$(tc users 6 6)" DELTA_CDC_START_VERSION_AFTER_LATEST 22003
fail "CDF off" "$(tc no_cdf 1 2)" DELTA_MISSING_CHANGE_DATA KD002
fail "before cdf_enabled_from" "$(tc cdf_late 1 4)" DELTA_MISSING_CHANGE_DATA KD002
fail "vacuumed change data" "$(tc vacuumed 2 5)" DELTA_CHANGE_DATA_FILE_NOT_FOUND 42K03
fail "log truncated" "$(tc log_truncated 1 5)" DELTA_VERSION_NOT_FOUND 22003
fail "schema change inside the range" "$(tc schema_change 1 5)" DELTA_CHANGE_DATA_FEED_INCOMPATIBLE_SCHEMA_CHANGE 0AKDC
fail "no SELECT" "$(tc secret 1 2)" INSUFFICIENT_PERMISSIONS 42501
jqok "no SELECT has error_code PERMISSION_DENIED" '.status.error.error_code == "PERMISSION_DENIED"'
stmt "$(tc vacuumed 3 5)"
jqok "range from vacuumed_before on succeeds" '.status.state == "SUCCEEDED" and .manifest.total_row_count == 3'
stmt "$(tc schema_change 3 5)"
jqok "range starting at the schema change succeeds" '.status.state == "SUCCEEDED" and .manifest.total_row_count == 2 and .result.data_array[0][2] == "TR"'
stmt "INSER INTO main.jdbc_test_schema.query_syntax_error_test_table (id, col1, col2) VALUES (1, 'value1', 'value2')"
jq -c .status out >got
jq -j .response.body "$REC"/failed-parse-syntax-error/*.json | jq -c .status >want
same want got; ok $? "PARSE_SYNTAX_ERROR status identical to the recording"

# --- request validation ---
stmt 'SELECT 1' '{"wait_timeout":"3s"}'
code_is 400 "wait_timeout 3s is refused"
jqok "wait_timeout error body" '.error_code == "INVALID_PARAMETER_VALUE"'
stmt 'SELECT 1' '{"warehouse_id":"0000"}'
code_is 404 "unknown warehouse_id: 404"
stmt 'SELECT 1' '{"format":"ARROW_STREAM","disposition":"INLINE"}'
code_is 400 "ARROW_STREAM INLINE refused"

# --- PENDING/RUNNING, cancel, close ---
ctl fault '{"kind":"pending","polls":2,"count":2}'
stmt 'SELECT 1' '{"wait_timeout":"0s"}'
jqok "async statement starts PENDING" '.status == {"state":"PENDING"} and (has("manifest") | not)'
ID=$(jq -r .statement_id out)
api GET "/api/2.0/sql/statements/$ID"; jq -r .status.state out >states
api GET "/api/2.0/sql/statements/$ID"; jq -r .status.state out >>states
api GET "/api/2.0/sql/statements/$ID"; jq -r .status.state out >>states
printf 'RUNNING\nRUNNING\nSUCCEEDED\n' >want
same want states; ok $? "polls: RUNNING, RUNNING, SUCCEEDED"
stmt 'SELECT 1' '{"wait_timeout":"5s","on_wait_timeout":"CANCEL"}'
jqok "on_wait_timeout CANCEL: CANCELED" '.status.state == "CANCELED"'
ctl fault '{"kind":"pending","polls":5,"count":1}'
stmt 'SELECT 1' '{"wait_timeout":"0s"}'
ID=$(jq -r .statement_id out)
api POST "/api/2.0/sql/statements/$ID/cancel" ''
jqok "cancel answers {}" '. == {}'
api GET "/api/2.0/sql/statements/$ID"
jqok "canceled statement is CANCELED" '.status.state == "CANCELED"'
stmt 'SELECT 1'
ID=$(jq -r .statement_id out)
api DELETE "/api/2.0/sql/statements/$ID"
jqok "close answers {}" '. == {}'
api GET "/api/2.0/sql/statements/$ID"
jqok "closed statement is CLOSED" '.status.state == "CLOSED"'
api GET "/api/2.0/sql/statements/01f0ffff-0000-0000-0000-000000000000"
code_is 404 "unknown statement: 404"

ctl config '{"warehouse_state":"STOPPED","inline_limit":100}'
stmt 'SELECT * FROM `main`.`sales`.`users` LIMIT 100'
ID=$(jq -r .statement_id out)
api GET "/api/2.0/sql/warehouses/$WH"
jqok "a statement starts a STOPPED warehouse" '.state == "STARTING"'
api GET "/api/2.0/sql/statements/$ID"; api GET "/api/2.0/sql/statements/$ID"; api GET "/api/2.0/sql/statements/$ID"
jqok "INLINE over the byte limit FAILS" '.status.state == "FAILED" and (.status.error.message | startswith("Inline byte limit exceeded"))'
api GET "/api/2.0/sql/warehouses/$WH"
jqok "warehouse RUNNING once the statement ran" '.state == "RUNNING"'
ctl config '{"inline_limit":26214400}'

# --- EXTERNAL_LINKS on the synthetic table ---
stmt 'SELECT * FROM table_changes('"'"'`main`.`bench`.`events`'"'"', 1, 1) ORDER BY _commit_version' '{"disposition":"EXTERNAL_LINKS"}'
jqok "external links: 3 chunks with byte counts" '.manifest.total_row_count == 2500 and ([.manifest.chunks[].row_count] == [1000,1000,500]) and .manifest.total_byte_count == ([.manifest.chunks[].byte_count] | add)'
jqok "external link fields like the recording" '.result.external_links[0] | keys == ["byte_count","chunk_index","expiration","external_link","next_chunk_index","next_chunk_internal_link","row_count","row_offset"] and (.expiration | test("^[0-9-]+T[0-9:]+\\.[0-9]{3}Z$"))'
ID=$(jq -r .statement_id out)
L0=$(jq -r '.result.external_links[0].external_link' out)
BC=$(jq -r '.result.external_links[0].byte_count' out)
curl -s -o chunk0 -w '%{http_code}' "$L0" >code
code_is 200 "link without Authorization: 200"
[ "$(wc -c <chunk0)" -eq "$BC" ]; ok $? "link body has byte_count bytes"
jqok "link body: 1000 rows of 23 strings/nulls" 'length == 1000 and (.[999] | length) == 23 and .[0][0] == "1000000000000" and .[999][20] == "insert"' chunk0
curl -s -o out -w '%{http_code}' -H "$AUTH" "$L0" >code
code_is 400 "link with Authorization: 400"
grep -qF '<Code>InvalidArgument</Code>' out; ok $? "S3-style InvalidArgument body"
api GET "/api/2.0/sql/statements/$ID/result/chunks/2"
jqok "chunk 2: last, no next" '.external_links[0].chunk_index == 2 and .external_links[0].row_offset == 2000 and (.external_links[0] | has("next_chunk_index") | not)'
L2=$(jq -r '.external_links[0].external_link' out)
curl -s -o chunk2 "$L2"
jqok "chunk 2 body: 500 rows, distinct ids" 'length == 500 and .[0][0] == "1000002000000"' chunk2
ctl fault '{"kind":"expire_links"}'
curl -s -o out -w '%{http_code}' "$L0" >code
code_is 403 "expired link: 403"
grep -qF 'Request has expired' out; ok $? "expired link body"
api GET "/api/2.0/sql/statements/$ID/result/chunks/0"
L0=$(jq -r '.external_links[0].external_link' out)
curl -s -o chunk0b -w '%{http_code}' "$L0" >code
code_is 200 "chunk endpoint issues a fresh link"
cmp -s chunk0 chunk0b; ok $? "fresh link serves the same bytes"
ctl config '{"link_headers": true}'
api GET "/api/2.0/sql/statements/$ID/result/chunks/1"
ctl config '{"link_headers": false}'
jqok "links may carry http_headers" '.external_links[0].http_headers | has("x-amz-server-side-encryption-customer-key")'
L1=$(jq -r '.external_links[0].external_link' out)
jq -r '.external_links[0].http_headers | to_entries[] | "\(.key): \(.value)"' out >h1
curl -s -o out -w '%{http_code}' "$L1" >code
code_is 400 "link without its http_headers: 400"
curl -s -o out -w '%{http_code}' -H "$(sed -n 1p h1)" -H "$(sed -n 2p h1)" "$L1" >code
code_is 200 "link with its http_headers: 200"

# --- faults ---
ctl fault '{"path_prefix":"/api/2.0/sql/statements","status":429,"retry_after":7,"count":1}'
stmt 'SELECT 1'
code_is 429 "injected 429"
grep -qi '^Retry-After: 7' hdr; ok $? "429 carries Retry-After"
stmt 'SELECT 1'
code_is 200 "fault used up after count"
ctl fault '{"status":503,"body":"<html><body>Service Unavailable</body></html>","count":1}'
api GET "/api/2.0/sql/warehouses/$WH"
code_is 503 "injected 503 with an HTML body"
ctl fault '{"kind":"drop","count":1}'
curl -s -o out -H "$AUTH" "$B/api/2.0/sql/warehouses/$WH"
[ $? -eq 52 ]; ok $? "dropped connection: empty reply"
ctl fault '{"kind":"slow","seconds":0.4,"count":1}'
curl -s -o out -w '%{time_total}' -H "$AUTH" "$B/api/2.0/sql/warehouses/$WH" >time
python3 -c 'import sys; sys.exit(0 if float(open("time").read()) >= 0.4 else 1)'; ok $? "slow response"
ctl fault '{"kind":"expire_tokens"}'
curl -s -o out -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$B/api/2.0/sql/warehouses/$WH" >code
code_is 403 "expired token: 403 Invalid access token"
ctl config '{"token_ttl": 1}'
TOKEN=$(curl -s -u dbxi-test-client:dbxi-test-secret -d 'grant_type=client_credentials&scope=all-apis' "$B/oidc/v1/token" | jq -r .access_token)
curl -s -o out -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$B/api/2.0/sql/warehouses/$WH" >code
code_is 200 "fresh token works"
sleep 1.1
curl -s -o out -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$B/api/2.0/sql/warehouses/$WH" >code
code_is 403 "token past expires_in: 403"

# --- Unity Catalog paging ---
api GET "/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=sales"
jq -c '[.tables[].name]' out >all
: >pages
TOK=
while :; do
	api GET "/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=sales&max_results=5${TOK:+&page_token=$TOK}"
	jq -c '[(.tables | length), has("next_page_token")]' out >>pages
	jq -c '.tables[].name' out >>paged
	TOK=$(jq -r '.next_page_token // empty' out)
	[ -n "$TOK" ] || break
done
printf '%s\n' '[5,true]' '[0,true]' '[5,true]' '[3,false]' >want
same want pages; ok $? "tables paged by 5, with an empty page carrying a token"
jq -sc . paged >got
same all got; ok $? "paging returns every table once"
api GET "/api/2.1/unity-catalog/catalogs?max_results=0"
jqok "catalogs" '[.catalogs[].name] == ["analytics","main"]'
api GET "/api/2.1/unity-catalog/schemas?catalog_name=analytics&max_results=1"
jqok "schemas page" '[.schemas[].name] == ["finance"] and has("next_page_token")'
api GET "/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=sales&max_results=-1"
code_is 400 "negative max_results: 400"
api GET "/api/2.1/unity-catalog/tables/main.sales.nope"
code_is 404 "missing table: 404"
jqok "missing table error_code" '.error_code == "TABLE_DOES_NOT_EXIST"'
api GET "/api/2.1/unity-catalog/tables/main.sales.users"
jqok "TableInfo: DELTA, CDF property, columns" '.data_source_format == "DELTA" and .properties["delta.enableChangeDataFeed"] == "true" and (.columns | length) == 12 and .table_type == "MANAGED"'

# --- control: commits, helper, request log ---
ctl commit '{"table":"main.sales.users","commit":{"operation":"WRITE","insert":[{"user_id":8,"email":"new@example.com"}]}}'
stmt 'DESCRIBE HISTORY `main`.`sales`.`users` LIMIT 1'
jqok "appended commit is the latest version" '.result.data_array[0][0] == "6"'
check "ctl helper loads a synthetic table" 0 python3 "$EMU" ctl "$PORT" synthetic 7 3
stmt 'SELECT * FROM `main`.`bench`.`events` LIMIT 100' '{"disposition":"EXTERNAL_LINKS"}'
jqok "synthetic table replaced: 7 rows in chunks of 3" '.manifest.total_row_count == 7 and .manifest.total_chunk_count == 3'
curl -s "$B/_emu/requests" >reqs
jq -se 'map(select(.body.statement == "SELECT 1" and .body.wait_timeout == "0s")) | length == 2' reqs >/dev/null; ok $? "request log has statement bodies"
jq -se 'map(select(.path | startswith("/_links/"))) | (length > 0) and (map(select(.authorization)) | length) == 1' reqs >/dev/null; ok $? "request log shows which link fetch sent Authorization"
jq -se 'map(select(.path == "/oidc/v1/token")) | all(has("body") | not)' "$T/req.log" >/dev/null; ok $? "--log file written, token bodies (secrets) not logged"
[ ! -s "$T/emu.err" ]; ok $? "emulator wrote nothing to stderr"
done_testing
