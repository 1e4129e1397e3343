#!/bin/sh
# kill -9 in the middle of a run, resume from the progress file: nothing is lost.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 13
emu_start
python3 -c '
import json
for i in range(40): print(json.dumps({"identifiers":{"uuid":"r%d"%i},"attributes":{"age":i},"_commit_version":1+i//5}))' >in.ndjson
emu_fault '{"kind":"slow","seconds":0.15,"count":100}'
insider-push -b 5 -c 1 --progress p.json in.ndjson >out1 2>err1 &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '"through_version":[1-9]' p.json 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
sleep 0.2
kill -9 $pid
wait $pid
st=$?
is "killed mid-run" "$st" 137
grep -q '"through_version":' p.json; ok $? "a progress file with a version was left"
x=$(python3 -c 'import json; print(json.load(open("p.json"))["through_version"])')
first=$(emu_stat distinct_users)
is "the first run had not finished" "$(( first < 40 ))" 1
curl -sf "$EMU/_emu/users" >store1.json
emu_reset
python3 -c '
import json,sys
x=int(sys.argv[1])
for l in open("in.ndjson"):
    if json.loads(l)["_commit_version"] > x: sys.stdout.write(l)' "$x" >rest.ndjson
check "resume from version $x" 0 insider-push -b 5 --progress p2.json rest.ndjson
n=$(wc -l <rest.ndjson | tr -d ' ')
is "every remaining user delivered" "$(emu_stat distinct_users)" "$n"
curl -sf "$EMU/_emu/users" >store2.json
python3 -c '
import json
a={u["identifiers"]["uuid"] for u in json.load(open("store1.json"))["users"]}
b={u["identifiers"]["uuid"] for u in json.load(open("store2.json"))["users"]}
print(len(a | b), len(a & b))' >u
read all again <u
is "both runs together: all 40 users" "$all" 40
is "re-sent at most 3 batches: version X+1 (maybe complete), one in flight, one progress interval (<= 15)" "$(( again <= 15 ))" 1

# SIGTERM: stop at once, 75, the progress file and the journal say how far it got
emu_reset
emu_fault '{"kind":"slow","seconds":0.3,"count":100}'
insider-push -b 5 -c 1 --progress pt.json --journal jt.ndjson in.ndjson >out 2>err &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '"status":"delivered"' jt.ndjson 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
kill -TERM $pid
wait $pid
is "SIGTERM: exit 75" "$?" 75
check_err "interrupted told" "insider-push: interrupted"
grep -q '"delivered":[1-9]' pt.json; ok $? "progress written on the way out"
grep -Eq '"status":"(unacknowledged|unsent)"' jt.ndjson; ok $? "journal marks what was left"
# regression (found by the kill -9 loop of the sync): an input that ends in the middle of a
# version (an upstream stage killed) must not count that version as complete
emu_reset
python3 -c '
import json
for i, v in enumerate([1, 1, 2, 2, 3]): print(json.dumps({"identifiers":{"uuid":"c%d"%i},"attributes":{"age":i},"_commit_version":v}))' >cut.ndjson
check "an input cut inside version 3" 0 insider-push --progress pc.json cut.ndjson
echo '{"through_version":2,"delivered":5,"rejected":0,"records":5}' >want
same want pc.json; ok $? "progress stops before the last version read"
done_testing
