# emu.sh: sourced by tests/02NN-dbx-cdf-read-*.t after tests/lib.sh. Starts the Databricks
# emulator (tests/emu/dbx_emu.py) on a free port over the tables in this folder, and points
# dbx-cdf-read at it through the environment only (a private HOME: no ~/.databrickscfg).
EMU=${DBXI_DBX_EMU:-$DBXI_ROOT/tests/emu/dbx_emu.py}
DD=$DATA/dbx-cdf-read
for v in $(env | sed -n 's/^\(DATABRICKS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
unset DBXI_WIRE
HOME=$T; export HOME
DBXI_RETRY_BASE_MS=20 DBXI_POLL_MS=50; export DBXI_RETRY_BASE_MS DBXI_POLL_MS
CID=dbxi-test-client CSECRET=dbxi-test-secret WH=abcdef1234567890 PAT=dapi-test-token
# emu_start [EMULATOR OPTIONS...]: starts it (log in $T/emu.log), sets PORT and HOSTURL
emu_start() {
	PORT=$(free_port)
	python3 "$EMU" --port "$PORT" --tables "$DD/tables" --log "$T/emu.log" "$@" 2>"$T/emu.err" &
	EMU_PIDS="${EMU_PIDS:-} $!"
	wait_port "$PORT" || { cat "$T/emu.err" >&2; return 1; }
	HOSTURL=http://127.0.0.1:$PORT
}
# oauth / pat: the environment for each kind of credentials
oauth() {
	unset DATABRICKS_TOKEN
	DATABRICKS_HOST=$HOSTURL DATABRICKS_CLIENT_ID=$CID DATABRICKS_CLIENT_SECRET=$CSECRET
	DATABRICKS_HTTP_PATH=/sql/1.0/warehouses/$WH
	export DATABRICKS_HOST DATABRICKS_CLIENT_ID DATABRICKS_CLIENT_SECRET DATABRICKS_HTTP_PATH
}
pat() {
	unset DATABRICKS_CLIENT_ID DATABRICKS_CLIENT_SECRET
	DATABRICKS_HOST=$HOSTURL DATABRICKS_TOKEN=$PAT DATABRICKS_WAREHOUSE_ID=$WH
	export DATABRICKS_HOST DATABRICKS_TOKEN DATABRICKS_WAREHOUSE_ID
}
# ctl COMMAND [ARG...]: the emulator's control endpoints (commit TABLE JSON, fault JSON,
# config JSON, reset)
ctl() {
	case $1 in
	commit) python3 -c 'import json,sys; print(json.dumps({"table": sys.argv[1], "commit": json.loads(sys.argv[2])}))' "$2" "$3" >ctl.json ;;
	reset) echo '{}' >ctl.json ;;
	*) printf '%s\n' "$2" >ctl.json ;;
	esac
	curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @ctl.json "$HOSTURL/_emu/$1"
}
# requests: the emulator's request log (one JSON line per request)
requests() { curl -sf "$HOSTURL/_emu/requests"; }
# nreq METHOD PATH-REGEX: how many logged requests match
nreq() {
	requests | python3 -c 'import json,re,sys
m, p = sys.argv[1], re.compile(sys.argv[2])
print(sum(1 for l in sys.stdin if l.strip() and json.loads(l)["method"] == m and p.search(json.loads(l)["path"])))' "$1" "$2"
}
