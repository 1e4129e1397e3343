#!/bin/sh
# Tests of the Databricks emulator's Entra ID token endpoint (#11.3): POST
# /TENANT/oauth2/v2.0/token with client credentials in the form and the Azure Databricks
# resource scope; its tokens are accepted as Bearer tokens by the workspace APIs.
. "$DBXI_ROOT/tests/lib.sh"
plan 11

EMU=$DBXI_ROOT/tests/emu/dbx_emu.py
PORT=$(free_port)
python3 "$EMU" --port "$PORT" --tables "$DATA/dbx-cdf-read/tables" --azure-tenant-id t-1 \
	--azure-client-id app-1 --azure-client-secret sec-1 --token-ttl 60 2>"$T/emu.err" &
EMU_PIDS="${EMU_PIDS:-} $!"
wait_port "$PORT"
B=http://127.0.0.1:$PORT
SCOPE=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default
tok() { # tok TENANT FORM...: POST the token request, body in out, status in code
	t=$1; shift
	curl -s -o out -w '%{http_code}' -X POST "$@" "$B/$t/oauth2/v2.0/token" >code
}
jqok() {
	if jq -e "$2" out >/dev/null 2>&1; then ok 0 "$1"; else head -c 1500 out | diag; ok 1 "$1"; fi
}
tok t-1 --data-urlencode grant_type=client_credentials --data-urlencode client_id=app-1 \
	--data-urlencode client_secret=sec-1 --data-urlencode scope=$SCOPE
[ "$(cat code)" = 200 ]; ok $? '#11.3 good credentials: 200'
jqok '#11.3 answer as Entra gives it' '.token_type == "Bearer" and .expires_in == 60 and (.access_token | split(".") | length) == 3'
T1=$(jq -r .access_token out)
curl -s -o out -w '%{http_code}' -H "Authorization: Bearer $T1" "$B/api/2.0/sql/warehouses/abcdef1234567890" >code
[ "$(cat code)" = 200 ]; ok $? '#11.3 the Entra token is accepted by the workspace'
tok t-1 --data-urlencode grant_type=client_credentials --data-urlencode client_id=app-1 \
	--data-urlencode client_secret=nope --data-urlencode scope=$SCOPE
[ "$(cat code)" = 401 ]; ok $? '#11.3 a wrong secret: 401'
jqok '#11.3 invalid_client AADSTS7000215' '.error == "invalid_client" and (.error_description | startswith("AADSTS7000215: ")) and .error_codes == [7000215]'
tok t-2 --data-urlencode grant_type=client_credentials --data-urlencode client_id=app-1 \
	--data-urlencode client_secret=sec-1 --data-urlencode scope=$SCOPE
[ "$(cat code)" = 400 ]; ok $? '#11.3 an unknown tenant: 400'
jqok '#11.3 AADSTS90002' '.error == "invalid_request" and (.error_description | startswith("AADSTS90002: Tenant '"'"'t-2'"'"' not found"))'
tok t-1 --data-urlencode grant_type=client_credentials --data-urlencode client_id=app-1 \
	--data-urlencode client_secret=sec-1 --data-urlencode scope=all-apis
jqok '#11.3 the Databricks scope is refused: AADSTS70011' '.error == "invalid_scope"'
tok t-1 --data-urlencode grant_type=client_credentials --data-urlencode client_id=app-2 \
	--data-urlencode client_secret=sec-1 --data-urlencode scope=$SCOPE
jqok '#11.3 an unknown application: AADSTS700016' '.error == "unauthorized_client"'
tok t-1 --data-urlencode grant_type=password --data-urlencode client_id=app-1 \
	--data-urlencode client_secret=sec-1 --data-urlencode scope=$SCOPE
jqok '#11.3 another grant type: AADSTS70003' '.error == "unsupported_grant_type"'
curl -s -o out -w '%{http_code}' "$B/t-1/oauth2/v2.0/token" >code
[ "$(cat code)" = 405 ]; ok $? '#11.3 GET: 405'
done_testing
