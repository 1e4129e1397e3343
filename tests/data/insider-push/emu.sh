# tests/data/insider-push/emu.sh: sourced by tests/05NN-insider-push-*.t after tests/lib.sh.
# emu_start [OPTIONS]: the Insider emulator on a free port (pid in EMU_PIDS), with the
# environment insider-push reads pointing at it.
emu_start() {
	# a port found free may be taken by a parallel test before the emulator binds it: then
	# the emulator exits without saying it listens, and another port is tried
	for try in 1 2 3; do
		EPORT=$(free_port)
		python3 "$DBXI_ROOT/tests/emu/insider_emu.py" --port "$EPORT" --token "${EMU_TOKEN:-ins-test-token}" "$@" >>emu.log 2>&1 &
		epid=$!
		EMU_PIDS="${EMU_PIDS:-} $epid"
		i=0
		while [ $i -lt 100 ] && kill -0 "$epid" 2>/dev/null \
			&& ! grep -q "listening on 127.0.0.1:$EPORT\$" emu.log; do
			sleep 0.05; i=$((i + 1))
		done
		grep -q "listening on 127.0.0.1:$EPORT\$" emu.log && kill -0 "$epid" 2>/dev/null && break
		[ "$try" -lt 3 ] || { echo "# the emulator did not start" >&2; return 1; }
	done
	EMU=http://127.0.0.1:$EPORT
	INSIDER_API_URL=$EMU INSIDER_PARTNER_NAME=dbxitest INSIDER_API_TOKEN=${EMU_TOKEN:-ins-test-token}
	export INSIDER_API_URL INSIDER_PARTNER_NAME INSIDER_API_TOKEN
	unset INSIDER_API_TOKEN_FILE DBXI_WIRE
}
# emu_fault JSON: one injected fault; emu_reset: a clean store
emu_fault() { curl -sf -X POST -d "$1" "$EMU/_emu/fault" >/dev/null || echo "# emu_fault refused: $1" >&2; }
emu_reset() { curl -sf -X POST "$EMU/_emu/reset" >/dev/null; }
# emu_stat KEY: one value of /_emu/stats (status_counts.429 for nested ones)
emu_stat() {
	curl -sf "$EMU/_emu/stats" | python3 -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d.get(k, 0) if isinstance(d, dict) else 0
print(d)' "$1"
}
# is NAME GOT WANT: one TAP line comparing two strings
is() { [ "$2" = "$3" ] || echo "# $1: got '$2', want '$3'" >&2; [ "$2" = "$3" ]; ok $? "$1"; }
