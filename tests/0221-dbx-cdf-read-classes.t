#!/bin/sh
# dbx-cdf-read: FAILED statement classes and their exit status from one table (#10.13);
# known secrets scrubbed from everything it prints, world-readable secret files warned
# about (#10.12).
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 21
emu_start
pat

# #10.13: an analysis error is a configuration error, not "run again later"
check '#10.13 a --shard-key typo (UNRESOLVED_COLUMN) exits 78, not 75' 78 \
	dbx-cdf-read --shard 0/2 --shard-key emial shop.crm.customers
check_err '#10.13 the class is kept in the message' '[UNRESOLVED_COLUMN.WITH_SUGGESTION]'
failed() { # failed MESSAGE: the next statement FAILs with MESSAGE
	ctl fault "$(jq -nc --arg m "$1" '{status:200, method:"POST", path_prefix:"/api/2.0/sql/statements",
		body:{statement_id:"01f0-failed", status:{state:"FAILED", error:{error_code:"BAD_REQUEST", message:$m}}}}')"
}
failed '[PARSE_SYNTAX_ERROR] Syntax error at or near x. SQLSTATE: 42601'
check '#10.13 PARSE_SYNTAX_ERROR exits 78' 78 dbx-cdf-read shop.crm.customers
failed '[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have USE CATALOG. SQLSTATE: 42501'
check '#10.13 INSUFFICIENT_PERMISSIONS exits 77' 77 dbx-cdf-read shop.crm.customers
failed '[DELTA_CONCURRENT_APPEND] Files were added by a concurrent update. SQLSTATE: 2D521'
check '#10.13 a known transient class exits 75' 75 dbx-cdf-read shop.crm.customers
failed '[SOMETHING_NEW_HERE] The warehouse says something new. SQLSTATE: XXKDA'
check '#10.13 an unknown class exits 69' 69 dbx-cdf-read shop.crm.customers
check_err '#10.13 and names the class' 'error class SOMETHING_NEW_HERE'

# #10.12: a FAILED message or an API error that echoes a secret is scrubbed
failed "[INTERNAL_ERROR] token $PAT was rejected by a proxy. SQLSTATE: XX000"
check '#10.12 FAILED message echoing the PAT' 75 dbx-cdf-read shop.crm.customers
grep -qF "$PAT" err; [ $? -eq 1 ]; ok $? '#10.12 the PAT is not printed'
check_err '#10.12 scrubbed in place' 'token *** was rejected'
ctl fault "$(jq -nc --arg m "Invalid access token $PAT (Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln)" \
	'{status:403, path_prefix:"/api/2.0/sql/statements", body:{error_code:"403", message:$m}}')"
check '#10.12 API error echoing a token' 77 dbx-cdf-read shop.crm.customers
grep -qF "$PAT" err; [ $? -eq 1 ]; ok $? '#10.12 the PAT is not in the API error'
grep -qF 'eyJhbGciOiJSUzI1NiJ9' err; [ $? -eq 1 ]; ok $? '#10.12 nor the bearer token'
oauth
ctl fault "$(jq -nc --arg m "client $CID secret $CSECRET refused" \
	'{status:401, path_prefix:"/oidc/v1/token", body:{error:"invalid_client", error_description:$m}}')"
check '#10.12 token endpoint echoing the client secret' 77 dbx-cdf-read shop.crm.customers
grep -qF "$CSECRET" err; [ $? -eq 1 ]; ok $? '#10.12 the client secret is not printed'

# #10.12: world-readable secret files
pat
unset DATABRICKS_TOKEN
printf '%s\n' "$PAT" >tok
chmod 644 tok
DATABRICKS_TOKEN_FILE=$T/tok; export DATABRICKS_TOKEN_FILE
check '#10.12 world-readable DATABRICKS_TOKEN_FILE still works' 0 dbx-cdf-read --snapshot shop.crm.customers
check_err '#10.12 with a warning naming the file' "warning: DATABRICKS_TOKEN_FILE: $T/tok can be read by other users: chmod 600 $T/tok"
chmod 600 tok
check '#10.12 a private token file' 0 dbx-cdf-read --snapshot shop.crm.customers
grep -q 'can be read by other users' err; [ $? -eq 1 ]; ok $? '#10.12 no warning for mode 600'
unset DATABRICKS_TOKEN_FILE
oauth
unset DATABRICKS_CLIENT_SECRET
printf '%s\n' "$CSECRET" >sec
chmod 640 sec
DATABRICKS_CLIENT_SECRET_FILE=$T/sec; export DATABRICKS_CLIENT_SECRET_FILE
check '#10.12 group-readable DATABRICKS_CLIENT_SECRET_FILE' 0 dbx-cdf-read --snapshot shop.crm.customers
check_err '#10.12 warned' "warning: DATABRICKS_CLIENT_SECRET_FILE: $T/sec can be read by other users"
done_testing
