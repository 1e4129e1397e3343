#!/bin/sh
# dbx-cdf-read: a row too large to pass (issue #10 item 2). A 17,000,000-character STRING cell
# is rejected at the first stage that sees it, with rule record-too-large, its position
# (_commit_version) and without the big value; the rows around it and later versions go on.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
unset DBXI_MAX_RECORD
plan 12
emu_start
pat
TBL=shop.web.t1
# the commit is too large for an argument: posted from a file
python3 - $TBL <<'PY'
import json, sys
c = {"version": 2, "timestamp": "2026-02-03T00:00:00Z", "operation": "WRITE",
     "insert": [{"id": 2, "v": "x" * 17000000}, {"id": 3, "v": "r3"}]}
json.dump({"table": sys.argv[1], "commit": c}, open("ctl.json", "w"))
PY
curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @ctl.json "$HOSTURL/_emu/commit"
ok $? 'commit version 2 with a 17,000,000-character cell'
ctl commit $TBL '{"version":3,"timestamp":"2026-02-04T00:00:00Z","operation":"WRITE","insert":[{"id":4,"v":"r4"}]}'
ok $? 'commit version 3'

check '#10.2 a row over the record limit does not stop the read' 0 dbx-cdf-read --from-version 2 --rejects rej $TBL
python3 - <<'PY'; ok $? '#10.2 the rows around it and the next version are out'
import json
rows = [json.loads(l) for l in open("out")]
assert [(r["id"], r["_commit_version"]) for r in rows] == [(3, 2), (4, 3)], rows
PY
python3 - <<'PY'; ok $? '#10.2 reject: record-too-large, record 1, version 2, the small columns, no big value'
import json
lines = open("rej").read().splitlines()
assert len(lines) == 1 and len(lines[0]) < 2000, [len(l) for l in lines]
r = json.loads(lines[0])
assert (r["stage"], r["record_number"], r["rule"], r["field"]) == ("dbx-cdf-read", 1, "record-too-large", "v"), r
assert r["source"] == {"record_number": 1, "_change_type": "insert", "_commit_version": 2,
                       "_commit_timestamp": "2026-02-03T00:00:00.000Z"}, r["source"]
assert r["record"]["id"] == 2 and "v" not in r["record"], r["record"]
full = {"id": 2, "v": "x" * 17000000, "_change_type": "insert", "_commit_version": 2,
        "_commit_timestamp": "2026-02-03T00:00:00.000Z"}
size = len(json.dumps(full, separators=(",", ":")))
assert r["message"].startswith("output record of %d bytes is over the record size limit of 16777216 bytes (DBXI_MAX_RECORD)" % size), r["message"]
assert "left out of this reject: 1 member, the largest v (17000002 bytes of JSON)" in r["message"], r["message"]
PY
check_err '#10.2 summary counts the reject' 'dbx-cdf-read: read versions 2..3: 2 rows (0 dropped, 1 rejected to rej)'

# MessagePack: the same (the limit is on the form written)
check '#10.2 MessagePack: exit 0' 0 dbx-cdf-read --msgpack --from-version 2 --rejects rej2 $TBL
[ "$(rec-cat --count out)" = 2 ] && grep -q '"rule":"record-too-large"' rej2; ok $? '#10.2 MessagePack: two rows, one reject'

# without --rejects: named on stderr, the read goes on
check '#10.2 without --rejects: exit 0' 0 dbx-cdf-read --from-version 2 $TBL
check_err '#10.2 without --rejects: the reason on stderr' 'dbx-cdf-read: record 1: v: output record of 17000'
check '#10.2 --rejects goes only with reading' 64 dbx-cdf-read --list --rejects x
check_err '#10.2 --rejects with --list: message' 'dbx-cdf-read: --rejects only goes with reading'
done_testing
