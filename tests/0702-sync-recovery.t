#!/bin/sh
# dbx-insider-sync recovery: change data vacuumed past the checkpoint stops the run with 78
# and a message naming --resnapshot; --resnapshot sends the table's current state and moves
# on; a table that is not eligible is refused with 78; --schedule prints its units.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 20
SYNC_TABLE=main.sales.vacuumed
sync_start "$DBXI_ROOT/tests/data/tables"
sed -i "s|^MAPPING=.*|MAPPING=$DATA/sync/vacuumed-mapping.json|; /^SCHEMA=/d" "$CONF"
mkdir -p "$SD"
# the checkpoint is at version 1, but the change data of versions before 3 was vacuumed
printf '{"table":"main.sales.vacuumed","version":1,"updated":"2026-11-20T00:00:00Z"}\n' >"$SD/state.json"
check "vacuumed change data: exit 78" 78 dbx-insider-sync "$CONF"
check_err "the reader names the way back" "--snapshot"
check_err "the wrapper names --resnapshot" "dbx-insider-sync --resnapshot"
[ "$(state_version)" = 1 ]; ok $? "checkpoint unchanged"
n=$(ins_get /_emu/stats | jq .requests)
[ "$n" = 0 ]; ok $? "nothing sent"
check "--resnapshot" 0 dbx-insider-sync --resnapshot "$CONF"
check_err "the old checkpoint is kept aside" "state.json.before-resnapshot"
[ "$(state_version)" = 5 ]; ok $? "checkpoint at the latest version"
ins_get /_emu/users | jq -r '.users[].identifiers.email' | sort >got
printf 'u1@example.com\nu2@example.com\nu3@example.com\nu4@example.com\nu5@example.com\n' >want
same want got; ok $? "the snapshot sent every user of the table"
jq -e '.version == 1' "$SD/state.json.before-resnapshot" >/dev/null; ok $? "state.json.before-resnapshot holds the old checkpoint"

# not eligible: a view
sed -i "s|^TABLE=.*|TABLE=main.sales.users_view|" "$CONF"
rm -rf "$SD"
check "a view is refused" 78 dbx-insider-sync "$CONF"
check_err "view message" "views are refused"
[ ! -e "$SD/state.json" ]; ok $? "no checkpoint for a refused table"

# scheduling: printed units and crontab lines
check "hourly systemd units" 0 dbx-insider-sync --schedule hourly --print --systemd "$CONF"
grep -qx 'OnCalendar=\*-\*-\* \*:00:00' out && grep -q "^ExecStart=\".*dbx-insider-sync\" \"$CONF\"\$" out; ok $? "the timer runs hourly, the service runs this config"
check "daily cron line" 0 dbx-insider-sync --schedule daily@02:30 --print --cron "$CONF"
grep -q "^30 2 \* \* \* '.*dbx-insider-sync' '$CONF' .*# dbx-insider-orders\$" out; ok $? "crontab line at 02:30, tagged"
check "a bad time" 64 dbx-insider-sync --schedule daily@25:00 --print "$CONF"
check_err "bad time message" "hour out of range"
check "help" 0 dbx-insider-sync --help
done_testing
