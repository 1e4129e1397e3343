# insider-push: BENCH_ROWS users to the Insider emulator (fast mode), against the shell
# pipeline a user would write (split + parallel + jq + curl) and a python3 loop, all with
# batches of 1000 users and 4 requests in flight. Sourced by scripts/bench (ROOT, BIN,
# BENCH_ROWS, BENCH_DATA set; BIN first on PATH).
#
# How the emulator is kept from hiding the tool's speed: it is measured alone first (a
# python3 client posting the pre-built bodies, no JSON work on the client), and
# insider-push's own CPU time is measured, so "users per CPU second" is the speed of the tool
# on one core whatever the emulator does. On a 2-core machine one python emulator process is
# the ceiling of every wall-clock figure; each row says whether every user arrived exactly
# once (emulator stats: received = distinct = N, duplicates 0).
. "$ROOT/scripts/bench-lib.sh"
N=$BENCH_ROWS
U=$BENCH_DATA/users.ndjson
W=$(mktemp -d)
EMU_PID=
cleanup50() { [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup50 EXIT

if [ ! -s "$U" ]; then
	echo "bench: generating $N user objects" >&2
	python3 - "$N" "$U.tmp" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    for i in range(n):
        u = {"identifiers": {"email": "user%d@example.com" % i, "uuid": "u-%09d" % i},
             "attributes": {"name": "Name%d" % i, "age": 18 + i % 60, "email_optin": i % 2 == 0,
                            "country": "TR", "custom": {"tier": "gold", "ltv": i * 0.5}},
             "_change_type": "insert", "_commit_version": 1 + i // 10000,
             "_commit_timestamp": "2026-11-01T10:00:00Z"}
        f.write(json.dumps(u, separators=(",", ":")) + "\n")
PY
	mv "$U.tmp" "$U"
fi
ub=$(wc -c <"$U")

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$ROOT/tests/emu/insider_emu.py" --port "$PORT" --fast --rate-per-minute 1000000 >"$W/emu.log" 2>&1 &
EMU_PID=$!
EMU=http://127.0.0.1:$PORT
i=0
until curl -sf "$EMU/_emu/stats" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "bench: emulator did not start" >&2; exit 1; }; sleep 0.05
done
INSIDER_API_URL=$EMU INSIDER_PARTNER_NAME=dbxitest INSIDER_API_TOKEN=ins-test-token
export INSIDER_API_URL INSIDER_PARTNER_NAME INSIDER_API_TOKEN
printf 'X-PARTNER-NAME: dbxitest\nX-REQUEST-TOKEN: ins-test-token\nContent-Type: application/json\nExpect:\n' >"$W/headers"

reset() { curl -sf -X POST "$EMU/_emu/reset" >/dev/null; }
# once: did the emulator get every user exactly once?
once() {
	curl -sf "$EMU/_emu/stats" | python3 -c 'import json,sys
d=json.load(sys.stdin); n=int(sys.argv[1])
ok=d["users_received"]==n and d["distinct_users"]==n and d["duplicate_users"]==0
print("yes" if ok else "NO (received %d, distinct %d, duplicates %d)" % (d["users_received"], d["distinct_users"], d["duplicate_users"]))' "$N"
}
# run LABEL CMD: one row: seconds, users/s, requests/s, CPU s, users per CPU s, RSS, exactly once
run() {
	label=$1; shift
	reset
	tf=$W/time
	if ! /usr/bin/time -f '%e %U %S %M' -o "$tf" sh -c "$*"; then
		echo "bench: command failed: $*" >&2; return 1
	fi
	set -- $(tail -n 1 "$tf")
	case $label in dry*) o="n/a (nothing sent)" ;; *) o=$(once) ;; esac
	awk -v l="$label" -v n="$N" -v s="$1" -v u="$2" -v y="$3" -v m="$4" -v o="$o" 'BEGIN {
		if (s <= 0) s = 0.001; c = u + y; if (c <= 0) c = 0.001
		printf "| %s | %.2f | %d | %d | %.2f | %d | %.1f | %s |\n", l, s, n / s, n / 1000 / s, c, n / c, m / 1024, o }'
}

printf '\n### insider-push: %s users (%d MB NDJSON) to the Insider emulator, batches of 1000, 4 in flight\n\n' "$N" "$((ub / 1000000))"
echo "| command | seconds | users/s | requests/s | CPU s | users per CPU s | peak RSS (MB) | each user exactly once |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"

refcheck=
# the bodies, built once, for measuring the emulator alone
insider-push -n "$U" >"$W/bodies" 2>/dev/null
# exactness (#14.2): with BENCH_REF (a folder holding a reference build's insider-push, e.g.
# main's build/bin copied before a change) the request bodies are the reference's, byte for byte
if [ -n "${BENCH_REF:-}" ]; then
	"$BENCH_REF/insider-push" -n "$U" >"$W/ref.bodies" 2>/dev/null
	if cmp -s "$W/ref.bodies" "$W/bodies"; then
		refcheck="output check, insider-push -n vs $BENCH_REF/insider-push, byte for byte: identical"
	else
		refcheck="output check, insider-push -n vs $BENCH_REF/insider-push, byte for byte: DIFFERS"
	fi
	rm -f "$W/ref.bodies"
fi
run "dry run: insider-push -n >/dev/null (no network: the hot path)" "insider-push -n -q '$U' >/dev/null"
# emulator alone: the pre-built bodies posted by 4 curl processes (keep-alive, no JSON work)
mkdir -p "$W/b" && (cd "$W/b" && split -l 1 -a 6 "$W/bodies" body.)
i=0
for f in "$W"/b/body.*; do
	[ -s "$W/curl.$((i % 4))" ] && echo next >>"$W/curl.$((i % 4))"
	printf 'url = "%s/api/user/v1/upsert"\ndata-binary = "@%s"\noutput = "/dev/null"\nheader = "X-PARTNER-NAME: dbxitest"\nheader = "X-REQUEST-TOKEN: ins-test-token"\nheader = "Content-Type: application/json"\nheader = "Expect:"\n' "$EMU" "$f" >>"$W/curl.$((i % 4))"
	i=$((i + 1))
done
run "emulator alone (4 curl processes posting the pre-built bodies)" "for k in 0 1 2 3; do curl -sf -K '$W/curl.'\$k & done; wait"
rm -rf "$W/b"
run "insider-push (default --rate 25000/min)" "insider-push -q '$U'"
run "insider-push --rate 0 (no budget)" "insider-push -q --rate 0 '$U'"
[ -s "$BENCH_DATA/users.msgpack" ] || rec-cat -M "$U" >"$BENCH_DATA/users.msgpack"
run "insider-push --rate 0, MessagePack input" "insider-push -q --rate 0 '$BENCH_DATA/users.msgpack'"
run "shell: split + parallel -j4 (jq -s, curl)" "cd '$W' && rm -f chunk.* && split -l 1000 '$U' chunk. && ls chunk.* | parallel -j4 \"jq -c -s '{users: map(with_entries(select(.key | startswith(\\\"_\\\") | not)))}' {} | curl -sf -o /dev/null -X POST -H @'$W/headers' --data-binary @- '$EMU/api/user/v1/upsert'\" && rm -f chunk.*"
run "python3 loop (json, 4 threads, http.client)" "python3 - '$U' '$PORT' <<'PY'
import http.client, json, queue, sys, threading
port = int(sys.argv[2])
H = {'X-PARTNER-NAME': 'dbxitest', 'X-REQUEST-TOKEN': 'ins-test-token', 'Content-Type': 'application/json'}
q = queue.Queue(8)
def work():
    c = http.client.HTTPConnection('127.0.0.1', port)
    while True:
        b = q.get()
        if b is None: return
        c.request('POST', '/api/user/v1/upsert', b, H); r = c.getresponse(); r.read()
        assert r.status == 200, r.status
ts = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in ts]
users = []
def flush():
    q.put(json.dumps({'users': users}, separators=(',', ':')).encode())
for line in open(sys.argv[1]):
    u = json.loads(line)
    users.append({k: v for k, v in u.items() if not k.startswith('_')})
    if len(users) == 1000:
        flush(); users = []
if users: flush()
for _ in ts: q.put(None)
[t.join() for t in ts]
PY"
echo
echo "CPU s counts every process of the row (for the shell row: split, jq, curl, parallel); the"
echo "emulator runs apart and is not counted. Wall-clock rows are bounded by the one python"
echo "emulator process: compare them with the 'emulator alone' row. The default --rate of"
echo "25,000 requests a minute caps any client at 416,666 users/s (1,000 users a request)."
[ -z "$refcheck" ] || { echo; echo "$refcheck"; }
