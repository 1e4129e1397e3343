#!/bin/sh
# issue 10 item 5: a 400 that Insider gives every request alike is about the account or the
# request, not about a user: insider-push stops with 78 and Insider's message, writes no
# rejects for it and keeps the progress before the users it could not deliver. And the
# reject-ratio guard (--max-reject-ratio) for Insider's own refusals.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 25
D=$DATA/insider-push
emu_start
python3 -c '
import json
for i in range(100): print(json.dumps({"identifiers":{"uuid":"u%d"%i},"attributes":{"age":20+i%50},"_commit_version":10+i//10}))' >in100.ndjson

# every request: 400 "no valid identifier" (the account's identity settings)
emu_fault '{"status":400,"body":{"error":"no valid identifier: bad request"},"count":100000}'
check "#10.5 every request refused alike: 78" 78 insider-push -b 10 --rejects r.ndjson --progress p.json --journal j.ndjson in100.ndjson
check_err "#10.5 Insider's message told" "no valid identifier: bad request"
check_err "#10.5 said to be about the account" "not about a user"
is "#10.5 no user written as a reject" "$(wc -l <r.ndjson | tr -d ' ')" 0
python3 -c '
import json; d=json.load(open("p.json")); print(d["through_version"], d["delivered"], d["rejected"])' >got
is "#10.5 progress: no version claimed, nothing delivered or rejected" "$(cat got)" "9 0 0"
is "#10.5 stopped early (old code: 190 requests)" "$(emu_stat requests | awk '{print ($1 < 60)}')" 1
grep -c '"status":"rejected"' j.ndjson >n
is "#10.5 journal: nothing rejected" "$(cat n)" 0
python3 -c '
import json
n=0
for l in open("j.ndjson"):
    r=json.loads(l)
    if r["status"] in ("unsent","unacknowledged"): n+=r["users"]
print(n, json.load(open("p.json"))["records"])' >n
read nj nr <n
is "#10.5 journal: every user read is unsent or unacknowledged" "$nj" "$nr"

# a small run, two users, both refused alike and nothing accepted: 78 too
emu_reset
emu_fault '{"status":400,"body":{"error":"no valid identifier: bad request"},"count":100000}'
head -n 2 in100.ndjson >in2.ndjson
check "#10.5 two users refused alike, none accepted: 78" 78 insider-push --rejects r2.ndjson in2.ndjson
is "#10.5 no reject written" "$(wc -l <r2.ndjson | tr -d ' ')" 0

# one user's own 400 in a good run is still that user's reject
emu_reset
emu_fault '{"status":400,"when_user_has":"u42"}'
emu_fault '{"status":400,"when_user_has":"u43"}'
check "#10.5 two bad users among good ones: rejected, exit 0" 0 insider-push -b 10 --rejects r3.ndjson --progress p3.json in100.ndjson
python3 -c '
import json
print(sorted(json.loads(l)["record_number"] for l in open("r3.ndjson")))' >got
is "#10.5 the two bad users rejected" "$(cat got)" "[43, 44]"
is "#10.5 the other 98 delivered" "$(emu_stat distinct_users)" 98

# --max-reject-ratio: Insider's refusals (mixed.ndjson: 3 of 6 refused)
emu_reset
check "#10.5 reject ratio over the limit: 78" 78 insider-push -b 4 -c 1 --max-reject-ratio 0.4 --rejects r4.ndjson --progress p4.json "$D/mixed.ndjson"
check_err "#10.5 ratio message" "3 of 6 users rejected by Insider: more than --max-reject-ratio 0.4"
echo '{"through_version":21,"delivered":3,"rejected":3,"records":6}' >want
same want p4.json; ok $? "#10.5 progress: not past the batch that tripped the guard"
is "#10.5 the rejects are written all the same" "$(wc -l <r4.ndjson | tr -d ' ')" 3
emu_reset
check "#10.5 reject ratio at the limit: 0" 0 insider-push -b 4 --max-reject-ratio 0.5 "$D/mixed.ndjson"
# a long run trips as soon as 100 users are answered
python3 -c '
import json
for i in range(300):
    ids={"uuid":"v%d"%i} if i%2 else {"uuid":12345+i}
    print(json.dumps({"identifiers":ids,"attributes":{"age":1},"_commit_version":1+i//10}))' >half.ndjson
emu_reset
check "#10.5 half refused, ratio 0.1: 78" 78 insider-push -b 10 -c 1 --max-reject-ratio 0.1 --progress p5.json half.ndjson
check_err "#10.5 tripped after 100 users" "50 of 100 users rejected by Insider"
echo '{"through_version":9,"delivered":50,"rejected":50,"records":300}' >want
python3 -c '
import json; d=json.load(open("p5.json")); print(json.dumps({"through_version":d["through_version"],"delivered":d["delivered"],"rejected":d["rejected"],"records":300},separators=(",",":")))' >got
same want got; ok $? "#10.5 progress stops before the tripping batch"
is "#10.5 nothing sent after it" "$(emu_stat requests)" 10
run 64 insider-push --max-reject-ratio 1.5 in2.ndjson; ok $? "#10.5 ratio out of range: 64"
check_err "ratio usage told" "--max-reject-ratio"
run 64 insider-push --max-reject-ratio abc in2.ndjson; ok $? "#10.5 ratio not a number: 64"
done_testing
