# insider-push merging (issue 14 section 3): a table where each user is updated 5 times,
# BENCH_ROWS change records in all, sent to the C Insider sink (build/tests/ins_sink) with
# merging (the default) and with --no-merge: users sent, requests, wall time, CPU. Two layouts
# of the same changes:
#   near:   a user's 5 changes close together (blocks of 200 users, each changed 5 times in
#           turn: a1 b1 .. a2 b2 ..), as when a table is updated in bursts per user;
#   spread: 5 full passes over all users (every user once per pass), as when each Delta
#           version updates every user once: a user's changes are BENCH_ROWS/5 records apart.
# Merging works inside the batch being filled (at most 1,000 users), so it can only act on
# the near layout; the spread row shows what it costs when it cannot help. Sourced by
# scripts/bench (ROOT, BIN, BENCH_ROWS, BENCH_DATA set; BIN first on PATH).
N=$BENCH_ROWS
W=$(mktemp -d)
SINK_PID=
cleanup55() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup55 EXIT
for layout in near spread; do
	f=$BENCH_DATA/users5-$layout.ndjson
	[ -s "$f" ] && continue
	echo "bench: generating $N changes ($layout: each user 5 times)" >&2
	python3 - "$N" "$layout" "$f.tmp" <<'PY'
import json, sys
n, layout, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
users = n // 5
def order():
    if layout == "near":
        for b in range(0, users, 200):
            for k in range(5):
                for u in range(b, min(b + 200, users)):
                    yield u, k
    else:
        for k in range(5):
            for u in range(users):
                yield u, k
with open(out, "w") as f:
    for i, (u, k) in enumerate(order()):
        r = {"identifiers": {"email": "user%d@example.com" % u, "uuid": "u-%09d" % u},
             "attributes": {"name": "Name%d-%d" % (u, k), "age": 18 + (u + k) % 60,
                            "email_optin": (u + k) % 2 == 0, "country": "TR",
                            "custom": {"tier": ("bronze", "silver", "gold")[(u + k) % 3],
                                       "ltv": u * 0.5 + k}},
             "events": [{"event_name": "profile_updated",
                         "timestamp": "2026-11-01T10:%02d:%02dZ" % (k, u % 60)}],
             "_change_type": "update_postimage", "_commit_version": 1 + i // 10000,
             "_commit_timestamp": "2026-11-01T10:00:00Z"}
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
	mv "$f.tmp" "$f"
done
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ROOT/build/tests/ins_sink" "$PORT" >"$W/sink.log" 2>&1 &
SINK_PID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/_emu/stats" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "bench: the sink did not start" >&2; exit 1; }; sleep 0.05
done
export INSIDER_API_URL=http://127.0.0.1:$PORT INSIDER_PARTNER_NAME=dbxitest INSIDER_API_TOKEN=ins-test-token
# row LABEL FILE ARGS: one table row
row() {
	label=$1 f=$2
	shift 2
	curl -sf -X POST "$INSIDER_API_URL/_emu/reset" >/dev/null
	if ! /usr/bin/time -f '%e %U %S %M' -o "$W/time" insider-push --rate 0 "$@" "$f" 2>"$W/err"; then
		echo "bench: insider-push failed:" >&2; cat "$W/err" >&2; return 1
	fi
	merged=$(sed -n 's/.* \([0-9]*\) users\{0,1\} merged,.*/\1/p' "$W/err" | tail -n 1)
	delivered=$(sed -n 's/^insider-push: \([0-9]*\) users\{0,1\} delivered.*/\1/p' "$W/err" | tail -n 1)
	curl -sf "$INSIDER_API_URL/_emu/stats" | python3 -c 'import json, sys
d = json.load(sys.stdin)
l, n, dl, mg = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] or "-"
s, u, y, m = (float(x) for x in sys.argv[5:9])
c = u + y
print("| %s | %d | %s | %s | %d | %d | %d | %.2f | %.2f | %.0f | %.1f |" % (l, n, dl, mg,
      d["users_received"], d["distinct_users"], d["requests"], s, c, n / max(c, 0.001), m / 1024))' \
		"$label" "$N" "$delivered" "$merged" $(tail -n 1 "$W/time")
}
printf '\n### insider-push merging (issue 14 section 3): %s changes, each user updated 5 times, to the C sink\n\n' "$N"
echo "| layout, run | records | delivered | merged | users sent | distinct users | requests | seconds | CPU s | records per CPU s | peak RSS (MB) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
row "near: merging (default)" "$BENCH_DATA/users5-near.ndjson"
row "near: --no-merge" "$BENCH_DATA/users5-near.ndjson" --no-merge
row "spread: merging (default)" "$BENCH_DATA/users5-spread.ndjson"
row "spread: --no-merge" "$BENCH_DATA/users5-spread.ndjson" --no-merge
echo
echo "delivered counts records (a merged user counts every record it holds); users sent and"
echo "requests are what the sink received. --rate 0: the budget of 25,000 requests a minute"
echo "would make the --no-merge rows wait for it."
