#!/bin/sh
# #12 §1: the README's five-minute path, word for word: steps 4 to 7 are taken from README.md
# (tests/data/sync/readme-steps.py) and run against the emulators, with only the placeholders
# a user replaces (the Databricks host, the Insider URL) pointed at them; the emulators take
# the README's client id, secrets and partner name. --verify, --dry-run and the first run
# succeed with the suggested mapping; a mapping with custom fields the account lacks fails
# --verify, listing them.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 17
python3 "$DBXI_ROOT/scripts/demo-data/make-table.py" "$T/w"
mkdir -p "$T/tables"
# the README's table name (python3, not jq 1.6, which rounds 64-bit integers)
python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); t["name"]="main.sales.users"; json.dump(t, open(sys.argv[2],"w"))' \
	"$T/w/tables/main.shop.orders.json" "$T/tables/main.sales.users.json"
# the README's credentials, as the emulators' accepted ones
DBX_ARGS="--client-id 6f1c2a9e-0000-4000-8000-1234567890ab --client-secret DATABRICKS-OAUTH-SECRET"
INS_ARGS="--partner mybrand --token INSIDER-API-KEY"
sync_start "$T/tables"
python3 "$DATA/sync/readme-steps.py" "$DBXI_ROOT/README.md" 4 7 >steps.sh
check "#12 §1 the README has steps 4 to 7 with commands" 0 test -s steps.sh
grep -q 'row-map --suggest' steps.sh && grep -q 'insider-push --fetch-schema' steps.sh && grep -q 'dbx-insider-sync --verify' steps.sh
ok $? "#12 §1 the steps suggest a mapping, fetch the schema and verify"
[ "$(grep -n 'fetch-schema' steps.sh | cut -d: -f1)" -lt "$(grep -n 'row-map --suggest' steps.sh | cut -d: -f1)" ]
ok $? "#12 §1 step 6 fetches the schema before it suggests the mapping"
# the placeholders a user replaces: the workspace host, and the Insider API URL (the default
# is the live service)
CONF_SED="s|^DATABRICKS_HOST=.*|DATABRICKS_HOST=http://127.0.0.1:$DPORT\\
INSIDER_API_URL=http://127.0.0.1:$IPORT|"
export CONF_SED
# --schedule installs nothing real: crontab and systemctl are stand-ins that record their input
mkdir -p home bin
printf '#!/bin/sh\n[ "$1" = -l ] && exit 1\ncat >>"%s/crontab.in"\n' "$T" >bin/crontab
printf '#!/bin/sh\necho "$*" >>"%s/systemctl.args"\n' "$T" >bin/systemctl
chmod +x bin/crontab bin/systemctl
if [ -d /run/systemd/system ] && [ "$(id -u)" -eq 0 ]; then
	sed -i 's/--schedule hourly/--schedule hourly --print/' steps.sh # never into /etc/systemd
fi
check "#12 §1 the README's steps 4-7 run word for word" 0 env HOME="$T/home" PATH="$T/bin:$PATH" sh steps.sh
R=$T/home/.config/dbx-insider
check_err "#12 §1 --verify: every check passed" "dbx-insider-sync: verify: everything is ready"
cat out err | grep -q '/users.mapping.json: ok: .*; every custom field is in .*/insider-schema.json$'
ok $? "#12 §1 --verify: the mapping's custom fields are in the schema"
check_err "#12 §1 --dry-run: every valid row passes (none for unknown custom fields)" "validate: 6 in, 4 passed, 2 rejected (attribute-email: 1, attribute-phone: 1)"
check_err "#12 §1 the first run: delivered" "ok: versions 2..2, 6 rows read, 4 delivered, 2 rejected"
ins_get /_emu/users | jq -r '.users[].identifiers.uuid' | sort -u >got
printf '2\n3\n9007199254740993\n' >want
same want got; ok $? "#12 §1 Insider holds the table's valid users (uuid = user_id, suggested)"
[ "$(jq -r .version "$R/state/users/state.json")" = 2 ]; ok $? "#12 §1 the checkpoint moved to version 2"
{ [ -s crontab.in ] || [ -s systemctl.args ] || grep -q 'OnCalendar' err; }; ok $? "#12 §1 the schedule step installed (stand-ins)"

# the README's failure: a mapping with custom fields the account does not have
cd "$R"
jq '.attributes.custom = {"loyalty_tier": "loyalty_tier"}' users.mapping.json >m.json && mv m.json users.mapping.json
cd "$T"
check "#12 §1 --verify fails on custom fields the account lacks" 78 env HOME="$T/home" sh -c 'cd ~/.config/dbx-insider && dbx-insider-sync --verify users.conf'
check_err "#12 §1 --verify: lists the field, with the closest account field" \
	"/users.mapping.json: attributes.custom.loyalty_tier: $R/insider-schema.json has no custom attribute loyalty_tier (closest: tier)"
check_err "#12 §1 --verify: not ready" "dbx-insider-sync: verify: not ready (exit 78)"

# #12 §6: a missing mapping is told by row-map, without jq's raw error
rm "$R/users.mapping.json"
check "#12 §6 --verify: a missing mapping" 78 env HOME="$T/home" sh -c 'cd ~/.config/dbx-insider && dbx-insider-sync --verify users.conf'
check_err "#12 §6 --verify: the missing mapping is named" "MAPPING $R/users.mapping.json: cannot read (No such file or directory)"
grep -q 'jq: error' err; [ $? -eq 1 ]; ok $? "#12 §6 --verify: no raw jq error"
done_testing
