#!/bin/sh
# dbx-cdf-read with an Azure Entra ID service principal (#11.3): auth type azure-client-secret,
# ARM_* variables or azure_* profile keys, the token from the Entra endpoint (the emulator's,
# through DBXI_AZURE_LOGIN_URL) with the Azure Databricks resource scope, refreshed like OAuth M2M.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 26
TENANT=72f988bf-86f1-41af-91ab-2d7cd011db47 ACID=9d1e2b6a-0000-4000-8000-00000000abcd ASEC=entra-secret-value-1234
emu_start --azure-tenant-id $TENANT --azure-client-id $ACID --azure-client-secret $ASEC --token-ttl 2
azure() {
	unset DATABRICKS_TOKEN DATABRICKS_CLIENT_ID DATABRICKS_CLIENT_SECRET
	DATABRICKS_HOST=$HOSTURL DATABRICKS_HTTP_PATH=/sql/1.0/warehouses/$WH
	ARM_TENANT_ID=$TENANT ARM_CLIENT_ID=$ACID ARM_CLIENT_SECRET=$ASEC DBXI_AZURE_LOGIN_URL=$HOSTURL
	export DATABRICKS_HOST DATABRICKS_HTTP_PATH ARM_TENANT_ID ARM_CLIENT_ID ARM_CLIENT_SECRET DBXI_AZURE_LOGIN_URL
}
azure
check '#11.3 ARM_* variables alone: azure-client-secret' 0 dbx-cdf-read --verify shop.crm.customers
head -n1 out >first
echo 'ok: credentials accepted (Azure Entra ID service principal, azure-client-secret)' >want
same want first; ok $? '#11.3 --verify says which auth was used'
requests | jq -s -c "[.[] | select(.path == \"/$TENANT/oauth2/v2.0/token\")][0] | [.method, .grant_type, .scope, .form_keys]" >got
echo '["POST","client_credentials","2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default",["client_id","client_secret","grant_type","scope"]]' >want
same want got; ok $? '#11.3 token request: client_credentials, Azure Databricks resource scope, client_secret_post'
[ "$(nreq GET '^/oidc/')" -eq 0 ]; ok $? '#11.3 no Databricks OAuth discovery'
check '#11.3 reads with the Entra token' 0 dbx-cdf-read --snapshot shop.crm.customers
check_err '#11.3 rows' 'read versions 2..2: 3 rows (0 dropped)'
DATABRICKS_AUTH_TYPE=azure-client-secret check '#11.3 DATABRICKS_AUTH_TYPE=azure-client-secret' 0 dbx-cdf-read --snapshot shop.crm.customers

# refreshed like OAuth M2M: a 2 s token, an expired token is fetched again
ctl reset
ctl fault '{"kind":"pending","polls":3,"count":1}'
DBXI_POLL_MS=700 check '#11.3 a statement outliving its token' 0 dbx-cdf-read --snapshot shop.crm.customers
[ "$(nreq POST "^/$TENANT/oauth2/v2.0/token\$")" -ge 2 ]; ok $? '#11.3 the token was fetched again'

ARM_CLIENT_SECRET=wrong-entra-secret check '#11.3 a wrong secret' 77 dbx-cdf-read --verify shop.crm.customers
grep -q '^FAIL: credentials: Azure Entra ID token request refused the client credentials: HTTP 401: AADSTS7000215' out; ok $? '#11.3 FAIL line with the Entra message'
grep -q 'wrong-entra-secret' out err; [ $? -eq 1 ]; ok $? '#11.3 the secret is in no output'
ARM_TENANT_ID=00000000-dead-beef-0000-000000000000 check '#11.3 an unknown tenant' 77 dbx-cdf-read --verify shop.crm.customers
grep -q 'AADSTS90002' out; ok $? '#11.3 says so'
ARM_TENANT_ID='a/b?c' check '#11.3 a malformed tenant id' 78 dbx-cdf-read shop.crm.customers
check_err '#11.3 is a configuration error' 'ARM_TENANT_ID: bad tenant id'
unset ARM_CLIENT_SECRET
check '#11.3 missing secret' 78 dbx-cdf-read shop.crm.customers
check_err '#11.3 names the variable' 'ARM_CLIENT_SECRET is not set'
printf '%s\n' "$ASEC" >sec; chmod 604 sec
ARM_CLIENT_SECRET_FILE=$T/sec check '#11.3 ARM_CLIENT_SECRET_FILE' 0 dbx-cdf-read --snapshot shop.crm.customers
check_err '#11.3 a world-readable secret file is warned about (#10.12)' "warning: ARM_CLIENT_SECRET_FILE: $T/sec can be read by other users"
ARM_CLIENT_SECRET=$ASEC DATABRICKS_TOKEN=$PAT check '#11.3 Entra and PAT credentials together' 78 dbx-cdf-read shop.crm.customers
check_err '#11.3 refused as the SDKs do' 'more than one authorization method configured: azure and pat'

# a profile with the azure_* keys
unset ARM_TENANT_ID ARM_CLIENT_ID DATABRICKS_HOST DATABRICKS_HTTP_PATH
cat >"$T/.databrickscfg" <<P
[az]
host = $HOSTURL
azure_tenant_id = $TENANT
azure_client_id = $ACID
azure_client_secret = $ASEC
auth_type = azure-client-secret
warehouse_id = $WH
P
check '#11.3 a profile with azure_tenant_id, azure_client_id, azure_client_secret' 0 dbx-cdf-read --profile az --verify shop.crm.customers
grep -qx 'ok: credentials accepted (Azure Entra ID service principal, azure-client-secret)' out; ok $? '#11.3 with the Entra token'
DBXI_AZURE_LOGIN_URL=http://login.example.com check '#11.3 plain http login URL off loopback refused' 78 dbx-cdf-read --profile az shop.crm.customers
check_err '#11.3 says why' 'plain http is allowed only to a loopback'
done_testing
