#!/bin/sh
# dbx-insider-sync gives each stage only the variables it needs (issue #10 item 11): a jq
# field in the mapping cannot read a credential through env / $ENV, whatever row-map does.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 5
jq '.attributes.custom.tier = {"jq": "[env.INSIDER_API_TOKEN, $ENV.DATABRICKS_CLIENT_SECRET, env.SMTP_PASSWORD] | map(. // \"-\") | join(\",\")"}' \
	"$DBXI_ROOT/scripts/demo-data/mapping.json" >mapping.json
SYNC_EXTRA="INSIDER_API_TOKEN=ins-test-token
DATABRICKS_CLIENT_SECRET=dbxi-test-secret"
sync_start
sed -i -e "s|^MAPPING=.*|MAPPING=$T/mapping.json|" -e '/_FILE=/d' "$CONF"
export SMTP_PASSWORD=pw-from-env
check "#10.11: a run whose mapping reads credentials through env" 0 dbx-insider-sync "$CONF"
ins_get /_emu/users | jq -r '.users[].attributes.custom.tier' | sort -u >got
printf -- '-,-,-\n' >want
same want got; ok $? "#10.11: row-map sees none of the credentials (env and \$ENV)"
grep -rl -e dbxi-test-secret -e ins-test-token -e pw-from-env "$SD" >leaks 2>/dev/null
[ ! -s leaks ]; ok $? "#10.11: no credential under STATE_DIR"
check "#10.11: --verify runs the mapping check without credentials too" 0 dbx-insider-sync --verify "$CONF"
check_err "verify still reaches both services" "verify: everything is ready"
done_testing
