#!/bin/sh
# Issue #10 item 2: one record over the size limit never blocks a run. Readers skip exactly
# that record (NDJSON and MessagePack, streaming) and reject it with its record number and
# metadata (rule record-too-large); writers never emit a record the next stage would refuse;
# DBXI_MAX_RECORD is parsed strictly by every tool (exit 78, the variable named).
. "$DBXI_ROOT/tests/lib.sh"
plan 49
unset DBXI_WIRE DBXI_MAX_RECORD

# three records, the middle one 5000 bytes: over a 4096-byte limit
mk3() {
	python3 - "$1" <<'PY'
import json, sys
recs = [{"identifiers": {"uuid": "u1"}, "attributes": {"name": "a"}, "_commit_version": 3},
        {"identifiers": {"uuid": "u2"}, "attributes": {"custom": {"big": "y" * 5000}},
         "_commit_version": 4, "_change_type": "insert"},
        {"identifiers": {"uuid": "u3"}, "attributes": {"name": "c"}, "_commit_version": 5}]
with open(sys.argv[1], "w") as f:
    for r in recs:
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
}
mk3 three.json
rec-cat -M three.json >three.mp
sed -n '1p;3p' three.json >want13

DBXI_MAX_RECORD=4096 rec-cat three.json >out 2>err; got=$?
[ $got -eq 0 ]; ok $? "#10.2 rec-cat: an NDJSON record over the limit does not stop the stream (exit $got)"
check_out "#10.2 rec-cat NDJSON: the records around it pass" want13
check_err "#10.2 rec-cat NDJSON: the skipped record is named with its size" \
	"rec-cat: record 2: record of 5108 bytes is over the record size limit of 4096 bytes (DBXI_MAX_RECORD) (record-too-large)"
DBXI_MAX_RECORD=4096 rec-cat three.mp >out 2>err; got=$?
[ $got -eq 0 ]; ok $? "#10.2 rec-cat: a MessagePack record over the limit does not stop the stream (exit $got)"
check_out "#10.2 rec-cat MessagePack: the records around it pass" want13
check_err "#10.2 rec-cat MessagePack: the skipped record is named" \
	"rec-cat: record 2: record of 5086 bytes is over the record size limit of 4096 bytes (DBXI_MAX_RECORD) (record-too-large)"
DBXI_MAX_RECORD=4096 rec-cat --count three.mp >out 2>err
[ "$(cat out)" = 3 ]; ok $? "#10.2 rec-cat --count counts the skipped record too (numbers stay the input's)"

# validate: the reject carries the record number and the metadata, never the big value
DBXI_MAX_RECORD=4096 validate --rejects rej <three.mp >out 2>err; got=$?
[ $got -eq 0 ]; ok $? "#10.2 validate: exit 0 past a record over the limit (got $got)"
python3 - rej <<'PY'; ok $? "#10.2 validate: reject line: stage, record 2, rule, metadata, no big value"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert r["stage"] == "validate" and r["record_number"] == 2, r
assert r["rule"] == "record-too-large" and r["field"] == "", r
assert r["source"] == {"record_number": 2, "_commit_version": 4, "_change_type": "insert"}, r["source"]
assert r["record"] == {"_commit_version": 4, "_change_type": "insert"}, r["record"]
assert "yyyy" not in lines[0] and len(lines[0]) < 1000
PY
check_err "#10.2 validate: summary counts the reject" "3 in, 2 passed, 1 rejected (record-too-large: 1)"

# the same through a pretty-printed (multi-line) JSON record: skipped by its structure
python3 -c '
import json
print(json.dumps({"id": "u1"}))
print(json.dumps({"id": "u2", "big": ["z" * 100] * 60, "_commit_version": 9}, indent=2))
print(json.dumps({"id": "u3"}))' >pretty.json
DBXI_MAX_RECORD=4096 rec-cat pretty.json >out 2>err; got=$?
printf '{"id":"u1"}\n{"id":"u3"}\n' >want
[ $got -eq 0 ] && same want out; ok $? "#10.2 a multi-line JSON record over the limit is skipped whole"
# a record over the limit that is also malformed stops the stream as malformed (65)
{ printf '{"id":"u1"}\n{"a":"'; python3 -c 'print("q" * 5000 + "\\x", end="")'; printf '"}\n{"id":"u3"}\n'; } >badbig.json
DBXI_MAX_RECORD=4096 rec-cat badbig.json >out 2>err; got=$?
[ $got -eq 65 ]; ok $? "#10.2 a malformed record over the limit is still malformed input (exit $got)"
check_err "#10.2 malformed big record: where" "rec-cat: badbig.json: record 2: malformed JSON at byte 5008: unknown escape in a string"
# a MessagePack record over the limit whose skip finds a reserved byte: malformed
python3 -c '
import sys
sys.stdout.buffer.write(bytes([0x82, 0xa1, 0x61, 0xda, 0x13, 0x88]) + b"x" * 5000 + bytes([0xa1, 0x62, 0xc1]))' >badbig.mp
DBXI_MAX_RECORD=4096 rec-cat badbig.mp >out 2>err; got=$?
[ $got -eq 65 ]; ok $? "#10.2 a malformed MessagePack record over the limit exits 65 (got $got)"
check_err "#10.2 malformed big MessagePack record: why" "record 1: malformed MessagePack: reserved type byte 0xc1"
# a 100 MB single line: skipped by streaming, the next record still read
{ python3 -c 'import sys; sys.stdout.write("{\"a\":\"" + "x" * (100 << 20) + "\",\"_commit_version\":77}\n")'; echo '{"b":1}'; } >huge.json
rec-cat huge.json >out 2>err; got=$?
[ $got -eq 0 ] && [ "$(cat out)" = '{"b":1}' ]; ok $? "#10.2 a 100 MB NDJSON record is skipped, the next one passes (exit $got)"
check_err "#10.2 100 MB record: named" "rec-cat: record 1: record of 104857629 bytes is over the record size limit of 16777216 bytes (DBXI_MAX_RECORD) (record-too-large)"

# MessagePack and JSON records over the limit made of many small values, with the metadata
# after them: walked element by element across read chunks (headers cut at chunk ends)
python3 - <<'PY'
import struct, json
n = 7000001
arr = b"".join([b"\xcd\x01\x02", b"\xa3abc", b"\x92\x01\xc0", b"\xcb" + b"\x3f" * 8, b"\xd4\x01\x31"][i % 5] for i in range(n))
rec = (bytes([0x83, 0xa1]) + b"a" + b"\xdd" + struct.pack(">I", n) + arr
       + bytes([0xaf]) + b"_commit_version" + b"\xcd\x01\x00"
       + bytes([0xac]) + b"_change_type" + bytes([0xa6]) + b"insert")
nxt = (bytes([0x82, 0xab]) + b"identifiers" + bytes([0x81, 0xa4]) + b"uuid" + bytes([0xa2]) + b"u9"
       + bytes([0xaa]) + b"attributes" + bytes([0x81, 0xa4]) + b"name" + bytes([0xa1]) + b"n")
open("many.mp", "wb").write(rec + nxt)
with open("many.json", "w") as f:
    f.write('{"a":[' + ",".join(['1', '"b\\"c"', '[2,{"x":null}]', 'true', '-1.5e3'][i % 5] for i in range(4000001)))
    f.write('],\n "_commit_version": 256, "_change_type":"insert"}\n{"identifiers":{"uuid":"u9"},"attributes":{"name":"n"}}\n')
PY
for f in many.mp many.json; do
	cat $f | validate --rejects rej-$f >out 2>err; got=$?
	[ $got -eq 0 ] && [ "$(rec-cat --count out)" = 1 ] && grep -qF '"source":{"record_number":1,"_commit_version":256,"_change_type":"insert"}' rej-$f
	ok $? "#10.2 $f: a record of many small values over the limit is skipped, its metadata kept (exit $got)"
done

# row-map: a 17,000,000-character STRING cell (the issue's case) among good rows
printf '{"identifiers":{"uuid":"id"},"attributes":{"custom":{"note":"note"}}}\n' >map.json
python3 -c '
import json, sys
w = sys.stdout.write
w(json.dumps({"id": "u1", "note": "a", "_commit_version": 7}) + "\n")
w("{\"id\":\"u2\",\"note\":\"" + "n" * 17000000 + "\",\"_commit_version\":8,\"_change_type\":\"insert\"}\n")
w(json.dumps({"id": "u3", "note": "c", "_commit_version": 9}) + "\n")' >rows17.json
row-map -m map.json --rejects rej17 <rows17.json >out 2>err; got=$?
[ $got -eq 0 ]; ok $? "#10.2 row-map: a 17,000,000-character cell does not stop the run (exit $got)"
[ "$(wc -l <out)" -eq 2 ] && grep -q '"u1"' out && grep -q '"u3"' out; ok $? "#10.2 row-map: the rows around it are mapped"
python3 - rej17 <<'PY'; ok $? "#10.2 row-map: reject with record 2, _commit_version 8, no big value"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1 and len(lines[0]) < 1000, lines
r = json.loads(lines[0])
assert (r["stage"], r["record_number"], r["rule"]) == ("row-map", 2, "record-too-large"), r
assert r["source"]["_commit_version"] == 8, r
PY

# writers: row-map never emits a record the next stage refuses. A 3000-byte MessagePack input
# of control characters maps to 18,000 bytes of JSON: over a 4096-byte limit.
python3 -c '
import sys
s = b"\x01" * 3000
sys.stdout.buffer.write(bytes([0x83, 0xa2]) + b"id" + bytes([0xa2]) + b"u9" + bytes([0xa4]) + b"note"
  + bytes([0xda]) + len(s).to_bytes(2, "big") + s + bytes([0xaf]) + b"_commit_version" + bytes([0x0c]))' >ctl.mp
DBXI_MAX_RECORD=4096 row-map -m map.json --rejects rejw <ctl.mp >out 2>err; got=$?
[ $got -eq 0 ] && [ ! -s out ]; ok $? "#10.2 row-map: a mapped record over the limit is not written (exit $got)"
python3 - rejw <<'PY'; ok $? "#10.2 row-map: writer reject names the size, the field, the version"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1 and len(lines[0]) < 2000, lines
r = json.loads(lines[0])
assert (r["stage"], r["record_number"], r["rule"]) == ("row-map", 1, "record-too-large"), r
assert r["field"] == "attributes", r
assert r["message"].startswith("output record of 18") and "over the record size limit of 4096 bytes (DBXI_MAX_RECORD)" in r["message"], r
assert r["source"]["_commit_version"] == 12, r
assert r["record"] == {"identifiers": {"uuid": "u9"}, "_commit_version": 12}, r["record"]
PY
DBXI_MAX_RECORD=4096 row-map -m map.json --msgpack --rejects rejm <ctl.mp >out 2>err; got=$?
[ $got -eq 0 ] && [ ! -s rejm ] && [ "$(rec-cat --count out)" = 1 ]; ok $? "#10.2 row-map --msgpack: the same record fits in MessagePack"

# the limit is the same number for writers and readers: a record of exactly the limit passes
# both, one byte more is refused by both
python3 -c 'print("{\"a\":\"" + "x" * (4096 - 8) + "\"}")' >at.json
python3 -c 'print("{\"a\":\"" + "x" * (4097 - 8) + "\"}")' >over.json
DBXI_MAX_RECORD=4096 rec-cat at.json >out 2>err; got=$?
[ $got -eq 0 ] && cmp -s out at.json && [ ! -s err ]; ok $? "#10.2 a record of exactly DBXI_MAX_RECORD bytes is read and written"
rec-cat -M at.json | DBXI_MAX_RECORD=4096 rec-cat >out 2>err; got=$?
[ $got -eq 0 ] && cmp -s out at.json; ok $? "#10.2 ... and through MessagePack"
DBXI_MAX_RECORD=4096 rec-cat over.json >out 2>err; got=$?
[ $got -eq 0 ] && [ ! -s out ] && grep -qF "record 1: record of 4097 bytes is over" err; ok $? "#10.2 one byte more is set aside by the reader"
rec-cat -M over.json | DBXI_MAX_RECORD=4096 rec-cat -j >out 2>err; got=$?
[ $got -eq 0 ] && [ ! -s out ] && grep -qF "rec-cat: record 1: a: output record of 4097 bytes is over the record size limit of 4096 bytes (DBXI_MAX_RECORD); left out of this reject: 1 member, the largest a (4091 bytes of JSON) (record-too-large)" err; ok $? "#10.2 ... and refused by the writer (MessagePack in, JSON out)"

# DBXI_MAX_RECORD parsed strictly: every tool, exit 78, the variable named
for v in -1 abc 1e9 99999999999999999999999 "" 1023 1073741825 " 4096" 4096x; do
	DBXI_MAX_RECORD=$v rec-cat three.json >out 2>err; got=$?
	[ $got -eq 78 ] && grep -qF "rec-cat: DBXI_MAX_RECORD: must be a whole number of bytes from 1024 to 1073741824: '$v'" err
	ok $? "#10.2 rec-cat refuses DBXI_MAX_RECORD='$v' (got $got)"
done
printf '{"id":"u1"}\n' >one.json
for tool in "row-map -m map.json" "validate" "insider-push --dry-run" "dbx-cdf-read shop.web.t1"; do
	# shellcheck disable=SC2086
	DBXI_MAX_RECORD=abc $tool <one.json >out 2>err; got=$?
	name=${tool%% *}
	[ $got -eq 78 ] && grep -qF "$name: DBXI_MAX_RECORD: must be a whole number of bytes from 1024 to 1073741824: 'abc'" err
	ok $? "#10.2 $name refuses DBXI_MAX_RECORD=abc with exit 78 (got $got)"
done
DBXI_MAX_RECORD=1024 rec-cat one.json >out 2>err; got=$?
[ $got -eq 0 ]; ok $? "#10.2 DBXI_MAX_RECORD=1024 (the least) is taken"
DBXI_MAX_RECORD=1073741824 rec-cat one.json >out 2>err; got=$?
[ $got -eq 0 ]; ok $? "#10.2 DBXI_MAX_RECORD=1073741824 (the most) is taken"
check "#10.2 --help works whatever DBXI_MAX_RECORD says" 0 env DBXI_MAX_RECORD=abc rec-cat --help
# validate without --rejects: the reason on stderr, the run goes on
DBXI_MAX_RECORD=4096 validate <three.json >out 2>err; got=$?
[ $got -eq 0 ] && [ "$(wc -l <out)" -eq 2 ]; ok $? "#10.2 validate without --rejects: exit 0, two records out"
check_err "#10.2 validate without --rejects: reason on stderr" "validate: record 2: record of 5108 bytes is over the record size limit of 4096 bytes (DBXI_MAX_RECORD) (record-too-large)"
# insider-push: a user over the record limit is rejected by the reader and the rest is sent
DBXI_MAX_RECORD=4096 insider-push --dry-run --rejects rejp <three.mp >out 2>err; got=$?
[ $got -eq 0 ]; ok $? "#10.2 insider-push --dry-run: exit 0 past a record over the limit (got $got)"
grep -q '"rule":"record-too-large"' rejp && grep -q '"record_number":2' rejp; ok $? "#10.2 insider-push: reject record 2 record-too-large"
done_testing
