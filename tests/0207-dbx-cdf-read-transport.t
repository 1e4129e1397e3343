#!/bin/sh
# dbx-cdf-read over a difficult network: chunked INLINE results, EXTERNAL_LINKS (no
# Authorization sent, their http_headers sent, expired links fetched again), OAuth token
# refresh, 401 refresh-and-retry, 429/503/dropped connections retried, a statement that stays
# PENDING past --timeout, SIGTERM cancelling the statement. Secrets never in any output.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 35
emu_start --link-rows 1 --link-headers --token-ttl 2
oauth
TBL=shop.crm.customers
check 'one link per row' 0 dbx-cdf-read $TBL
check_out 'every chunk read' "$DD/customers-v2-snapshot.json"
[ "$(nreq GET '^/_links/')" -eq 3 ]; ok $? 'three links fetched'
[ "$(nreq GET '/result/chunks/2$')" -eq 1 ]; ok $? 'chunk 2 asked for'
requests | python3 -c 'import json,sys
ls=[json.loads(l) for l in sys.stdin if "/_links/" in l]
sys.exit(0 if ls and all(not d["authorization"] and "x-amz-server-side-encryption-customer-key" in d["headers"] for d in ls) else 1)'
ok $? 'links got their http_headers and never the Authorization header'
requests | python3 -c 'import json,sys
ls=[json.loads(l) for l in sys.stdin if "/api/" in l]
sys.exit(0 if ls and all(d["authorization"] for d in ls) else 1)'
ok $? 'API calls carry it'
[ "$(nreq GET '/result/chunks/1$' )" -ge 1 ]; ok $? 'INLINE metadata results followed to their next chunk'

ctl reset
ctl config '{"link_ttl":1}'
ctl fault '{"path_prefix":"/_links/","kind":"slow","seconds":2,"count":1}'
check 'a link expires before it is fetched' 0 dbx-cdf-read $TBL
check_out 'no row lost' "$DD/customers-v2-snapshot.json"
[ "$(nreq GET '/result/chunks/0$')" -ge 1 ]; ok $? 'a fresh link for chunk 0 was asked for'
[ "$(nreq GET '^/_links/')" -ge 4 ]; ok $? 'the expired link, then the fresh one'
ctl config '{"link_ttl":900}'

ctl reset
ctl fault '{"kind":"pending","seconds":1.5,"count":1}'
check 'token refreshed before it expires during a long statement' 0 dbx-cdf-read --timeout 60 $TBL
check_out 'rows' "$DD/customers-v2-snapshot.json"
[ "$(nreq POST '^/oidc/v1/token$')" -ge 2 ]; ok $? 'a second token was fetched'
requests | grep '/oidc/v1/token' | grep -q '"grant_type": "client_credentials", "scope": "all-apis"'; ok $? 'client_credentials with all-apis'

ctl reset
ctl fault '{"path_prefix":"/api/2.0/sql/statements","status":401,"count":1}'
check '401: one refresh and retry' 0 dbx-cdf-read $TBL
[ "$(nreq POST '^/oidc/v1/token$')" -eq 2 ]; ok $? 'token fetched again after the 401'

ctl reset
ctl fault '{"path_prefix":"/api/2.0/sql/statements","status":429,"retry_after":1,"count":2}'
check '429 with Retry-After is waited out' 0 dbx-cdf-read $TBL
ctl fault '{"path_prefix":"/api/2.0/sql/statements","kind":"drop","count":1}'
check 'a dropped connection is retried' 0 dbx-cdf-read $TBL
check_out 'rows' "$DD/customers-v2-snapshot.json"
ctl fault '{"path_prefix":"/api/2.0/sql/statements","status":503,"body":"<html><title>503 Service Unavailable</title></html>","count":100}'
check 'unavailable after the retries' 69 dbx-cdf-read $TBL
check_err 'says so' 'still unavailable after'
ctl reset

ctl fault '{"kind":"pending","polls":100000}'
check 'a statement PENDING past --timeout' 75 dbx-cdf-read --timeout 2 $TBL
check_err 'says so' 'after 2 s (the warehouse may be starting); cancelled it: run again later, or raise --timeout'
[ "$(nreq POST '/cancel$')" -eq 1 ]; ok $? 'cancel sent'
ctl reset
ctl config '{"warehouse_state":"STOPPED","warehouse_start_polls":3}'
check 'a stopped warehouse starts: statements wait for it' 0 dbx-cdf-read $TBL
check_out 'rows' "$DD/customers-v2-snapshot.json"
ctl config '{"warehouse_state":"STOPPED","warehouse_start_polls":100000}'
check 'a warehouse that stays starting past --timeout' 75 dbx-cdf-read --timeout 1 $TBL
check_err 'run again later' 'after 1 s (the warehouse may be starting); cancelled it: run again later, or raise --timeout'
ctl config '{"warehouse_state":"RUNNING","warehouse_start_polls":2}'
ctl reset
ctl fault '{"kind":"pending","polls":100000}'
dbx-cdf-read $TBL >out 2>err &
pid=$!
i=0  # until it polls the pending statement (valgrind starts slowly)
while [ "$(nreq GET '^/api/2.0/sql/statements/[^/]*$')" -lt 1 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $pid
wait $pid
[ $? -eq 75 ]; ok $? 'SIGTERM: exit 75'
check_err 'interrupted' 'interrupted'
[ "$(nreq POST '/cancel$')" -eq 1 ]; ok $? 'the running statement was cancelled'
ctl reset
check 'PAT too' 0 env -u DATABRICKS_CLIENT_ID -u DATABRICKS_CLIENT_SECRET DATABRICKS_TOKEN=$PAT dbx-cdf-read $TBL
[ "$(cat out err emu.err | grep -c -e "$CSECRET" -e "$PAT")" -eq 0 ]; ok $? 'no secret in stdout, stderr'
requests | grep -c -e "$CSECRET" -e "$PAT" >n; [ "$(cat n)" -eq 0 ]; ok $? 'nor in anything the emulator logged'
done_testing
