#!/bin/sh
# Issue #10 item 3: the record layer's memory is bounded. Peak RSS of every stage on the
# worst-case records stays under 64 MB + the record's own size (docs/records.md, "Memory"):
# a 16 MiB MessagePack array of small ints and a 16 MB JSON [1,1,...] (once 410 MB and
# 407 MB: a 24-byte object per element, plus doubling) are set aside as record-too-large
# (decode budget); a 16 MiB string passes every stage in both forms.
# RSS is a resource bound, not a timing; it is not asserted under valgrind or ASan (their
# own memory), but every case still runs and its output is checked.
. "$DBXI_ROOT/tests/lib.sh"
unset DBXI_WIRE DBXI_MAX_RECORD
plan 37
measure=1
[ "${DBXI_VALGRIND:-}" = 1 ] && measure=0
grep -qa __asan_init "$(command -v rec-cat)" && measure=0
# rss NAME LIMIT-KB CMD...: runs CMD (stdout to out, stderr to err), its status in $got
rss() {
	name=$1 lim=$2; shift 2
	/usr/bin/time -o rss.txt -f %M "$@" >out 2>err; got=$?
	kb=$(tail -n 1 rss.txt)
	if [ $measure = 1 ]; then
		[ "$kb" -le "$lim" ]; ok $? "#10.3 $name: peak RSS ${kb} KB <= $lim KB"
	else
		ok 0 "#10.3 $name: peak RSS not asserted here (valgrind or ASan): ${kb} KB # SKIP"
	fi
}
python3 - <<'PY'
import json, struct
n = (16 << 20) - 64
with open("ints.mp", "wb") as f:   # {"identifiers":{"uuid":"u1"},"a":[1,1,...]}
    f.write(bytes([0x82, 0xab]) + b"identifiers" + bytes([0x81, 0xa4]) + b"uuid" + bytes([0xa2]) + b"u1"
            + bytes([0xa1]) + b"a" + bytes([0xdd]) + struct.pack(">I", n) + b"\x01" * n)
m = ((16 << 20) - 64) // 2
with open("ints.json", "w") as f:
    f.write('{"identifiers":{"uuid":"u1"},"a":[' + ",".join(["1"] * m) + '],"_commit_version":5}\n')
s = "s" * ((16 << 20) - 1000)
with open("str.json", "w") as f:  # a user object
    f.write(json.dumps({"identifiers": {"uuid": "u1"}, "attributes": {"custom": {"note": s}},
                        "_commit_version": 6}, separators=(",", ":")) + "\n")
with open("row.json", "w") as f:  # a change row
    f.write(json.dumps({"id": "u1", "note": s, "_commit_version": 6}, separators=(",", ":")) + "\n")
with open("map.json", "w") as f:
    f.write('{"identifiers":{"uuid":"id"},"attributes":{"custom":{"note":"note"}}}\n')
PY
rec-cat -M str.json >str.mp
rec-cat -M row.json >row.mp
size() { echo $(( $(wc -c <"$1") / 1024 + 65536 )); }

for f in ints.mp ints.json; do
	lim=$(size $f)
	rss "rec-cat --count $f" "$lim" rec-cat --count $f
	[ $got -eq 0 ] && [ "$(cat out)" = 1 ] && grep -qF "rec-cat: record 1: record of" err && grep -qF "bytes of memory decoded (half the record size limit of 16777216 bytes, DBXI_MAX_RECORD: too many small values) (record-too-large)" err
	ok $? "#10.3 rec-cat --count $f: set aside as record-too-large (exit $got)"
	rss "rec-cat $f" "$lim" rec-cat $f
	[ $got -eq 0 ] && [ ! -s out ]; ok $? "#10.3 rec-cat $f: nothing written"
	rss "row-map $f" "$lim" row-map -m map.json --rejects rej-$f.rm <$f
	[ $got -eq 0 ] && grep -q '"rule":"record-too-large"' rej-$f.rm; ok $? "#10.3 row-map $f: rejected, exit 0"
	rss "validate $f" "$lim" validate --rejects rej-$f.v <$f
	[ $got -eq 0 ] && grep -q '"rule":"record-too-large"' rej-$f.v && grep -qF "1 in, 0 passed, 1 rejected (record-too-large: 1)" err
	ok $? "#10.3 validate $f: rejected, exit 0"
	rss "insider-push --dry-run $f" "$lim" insider-push --dry-run --rejects rej-$f.ip $f
	[ $got -eq 0 ] && grep -q '"rule":"record-too-large"' rej-$f.ip; ok $? "#10.3 insider-push --dry-run $f: rejected, exit 0"
done
grep -q '"source":{"record_number":1,"_commit_version":5}' rej-ints.json.v; ok $? "#10.3 the reject keeps _commit_version"

# the largest string a record can carry passes every stage, in both forms
for f in str.json str.mp; do
	lim=$(size $f)
	rss "rec-cat --count $f" "$lim" rec-cat --count $f
	[ $got -eq 0 ] && [ "$(cat out)" = 1 ]; ok $? "#10.3 rec-cat --count $f: one record"
	rss "validate $f" "$lim" validate <$f
	[ $got -eq 0 ] && [ "$(rec-cat --count out)" = 1 ]; ok $? "#10.3 validate $f: passed on"
	rss "insider-push --dry-run $f" "$lim" insider-push --dry-run --rejects rej-$f.ip $f
	[ $got -eq 0 ] && grep -q '"rule":"max-request-bytes"' rej-$f.ip; ok $? "#10.3 insider-push --dry-run $f: over Insider's request limit: rejected"
done
for f in row.json row.mp; do
	lim=$(size $f)
	rss "row-map $f" "$lim" row-map -m map.json --rejects rej-$f.rm <$f
	[ $got -eq 0 ] && [ "$(rec-cat --count out)" = 1 ] && [ ! -s rej-$f.rm ]; ok $? "#10.3 row-map $f: mapped"
done
done_testing
