# tests/data/sync/emu.sh: both emulators with the demo table, and an integration config.
# Sets DPORT, IPORT, CONF, SD (STATE_DIR); ins_get PATH / dbx_post PATH JSON / ins_post PATH JSON.
get() { python3 -c 'import sys,urllib.request as u; sys.stdout.write(u.urlopen(sys.argv[1]).read().decode())' "$1"; }
post() { python3 -c 'import sys,urllib.request as u; u.urlopen(u.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")).read()' "$1" "$2"; }
ins_get() { get "http://127.0.0.1:$IPORT$1"; }
ins_post() { post "http://127.0.0.1:$IPORT$1" "$2"; }
dbx_post() { post "http://127.0.0.1:$DPORT$1" "$2"; }
sync_start() { # sync_start [TABLES-DIR]
	tables=${1:-$T/w/tables}
	[ -n "${1:-}" ] || python3 "$DBXI_ROOT/scripts/demo-data/make-table.py" "$T/w"
	DPORT=$(free_port)
	python3 "$DBXI_ROOT/tests/emu/dbx_emu.py" --port "$DPORT" --tables "$tables" --token-ttl "${DBX_TTL:-3600}" ${DBX_ARGS:-} 2>dbx-emu.log &
	EMU_PIDS="${EMU_PIDS:-} $!"
	IPORT=$(free_port)
	python3 "$DBXI_ROOT/tests/emu/insider_emu.py" --port "$IPORT" --schema "$DBXI_ROOT/scripts/demo-data/schema.json" ${INS_ARGS:-} 2>ins-emu.log &
	EMU_PIDS="$EMU_PIDS $!"
	wait_port "$DPORT" && wait_port "$IPORT" || return 1
	umask 077
	printf 'dbxi-test-secret\n' >"$T/dbx-secret"
	printf 'ins-test-token\n' >"$T/ins-token"
	umask 022
	SD=$T/state CONF=$T/orders.conf
	cat >"$CONF" <<EOC
TABLE=${SYNC_TABLE:-main.shop.orders}
MAPPING=$DBXI_ROOT/scripts/demo-data/mapping.json
SCHEMA=$DBXI_ROOT/scripts/demo-data/schema.json
STATE_DIR=$SD
DATABRICKS_HOST=http://127.0.0.1:$DPORT
DATABRICKS_HTTP_PATH=/sql/1.0/warehouses/abcdef1234567890
DATABRICKS_CLIENT_ID=dbxi-test-client
DATABRICKS_CLIENT_SECRET_FILE=$T/dbx-secret
INSIDER_API_URL=http://127.0.0.1:$IPORT
INSIDER_PARTNER_NAME=dbxitest
INSIDER_API_TOKEN_FILE=$T/ins-token
${SYNC_EXTRA:-}
EOC
}
state_version() { jq -r '.version // "none"' "$SD/state.json" 2>/dev/null || echo none; }
last_run() { ls -1d "$SD"/runs/*/ | tail -n 1; }
# windows_start DBX-ARGS: the emulators with a 50-row table main.win.users read in windows of
# about 10 rows (tests 0703, 0704), an email-keyed mapping, received and unique counters
windows_start() {
	mkdir -p "$T/wt"
	python3 "$DATA/windows/make-table.py" main.win.users 40 >"$T/wt/main.win.users.json"
	SYNC_TABLE=main.win.users
	SYNC_EXTRA="BATCH_SIZE=2
CONCURRENCY=1
WINDOW_ROWS=10"
	DBX_ARGS=$1
	sync_start "$T/wt"
	printf '{"identifiers":{"email":"email"},"attributes":{"name":"first_name"}}\n' >"$T/map.json"
	sed -i "s|^MAPPING=.*|MAPPING=$T/map.json|; /^SCHEMA=/d" "$CONF"
}
received() { ins_get /_emu/stats | jq .users_received; }
unique() { ins_get /_emu/users | jq '[.users[].identifiers.email] | unique | length'; }
