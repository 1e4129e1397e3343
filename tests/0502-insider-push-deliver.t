#!/bin/sh
# insider-push against the Insider emulator: delivery, batching limits, concurrency, journal,
# progress file, secret hygiene.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 36
D=$DATA/insider-push
EMU_TOKEN=tok-S3CRET-4711-ff
emu_start

check "deliver 10 users, 4 per request" 0 insider-push -b 4 --journal j.ndjson --progress p.json --rejects r.ndjson "$D/users.ndjson"
check_err "summary line" "insider-push: 10 users delivered, 0 rejected by Insider, 3 requests, 0 retries, "
is "emulator got 3 requests" "$(emu_stat requests)" 3
is "emulator got 10 users" "$(emu_stat users_received)" 10
is "each user exactly once" "$(emu_stat distinct_users)/$(emu_stat duplicate_users)" 10/0
is "at most 4 users a request" "$(emu_stat max_users_in_request)" 4
echo '{"through_version":8,"delivered":10,"rejected":0,"records":10}' >want
same want p.json; ok $? "progress: through the version before the last one read (the last may be cut short), counts"
[ ! -s r.ndjson ]; ok $? "no rejects"
sed 's/"time":"[^"]*",//' j.ndjson >jn
cat >want <<'X'
{"batch":1,"status":"delivered","http":200,"users":4,"bytes":533,"attempts":1,"first_record":1,"last_record":4,"first_version":5,"last_version":6,"delivered":4,"rejected":0}
{"batch":2,"status":"delivered","http":200,"users":4,"bytes":711,"attempts":1,"first_record":5,"last_record":8,"first_version":6,"last_version":8,"delivered":4,"rejected":0}
{"batch":3,"status":"delivered","http":200,"users":2,"bytes":263,"attempts":1,"first_record":9,"last_record":10,"first_version":9,"last_version":9,"delivered":2,"rejected":0}
X
sort jn >js; same want js; ok $? "journal: one line per batch with positions and counts"
# the store: not_append from _insider replaced the array, the purchase arrived
curl -sf "$EMU/_emu/users" >store.json
check "store content" 0 python3 -c '
import json,sys
us={u["identifiers"]["email"]:u for u in json.load(open("store.json"))["users"]}
assert len(us)==10, len(us)
assert us["user3@example.com"]["attributes"]["custom"]["tags"]==["t3"]
assert us["user4@example.com"]["events"][0]["event_name"]=="purchase"
assert us["user9@example.com"]["attributes"]["age"]==29
'
# sending again: idempotent upserts, the same store
check "second run" 0 insider-push -q "$D/users.ndjson"
[ ! -s err ]; ok $? "--quiet: nothing on stderr"
curl -sf "$EMU/_emu/users" >store2.json
same store.json store2.json; ok $? "re-sending changes nothing"

# byte limit: no body above --batch-bytes, nobody lost
emu_reset
check "byte limit" 0 insider-push --batch-bytes 1024 --journal jb.ndjson "$D/users.ndjson"
is "largest body within 1024 bytes" "$(emu_stat max_body_bytes | awk '{print ($1 <= 1024)}')" 1
is "all 10 users under the byte limit" "$(emu_stat distinct_users)" 10
is "requests by bytes" "$(emu_stat requests)" "$(wc -l <jb.ndjson | tr -d ' ')"
is "several requests" "$(emu_stat requests | awk '{print ($1 >= 2)}')" 1

# a user larger than a request may be: rejected here with the reason, the others go
python3 -c 'import json; print(json.dumps({"identifiers":{"uuid":"big"},"attributes":{"custom":{"blob":"x"*3000}},"_commit_version":10}))' >big.ndjson
cat "$D/users.ndjson" big.ndjson >withbig.ndjson
emu_reset
check "oversized user" 0 insider-push --batch-bytes 2048 --rejects rb.ndjson withbig.ndjson
check_err "oversized counted" "10 users delivered, 1 rejected by Insider"
check "oversized reject line" 0 python3 -c '
import json
[l]=open("rb.ndjson").read().splitlines()
r=json.loads(l)
assert r["rule"]=="max-request-bytes" and r["record_number"]==11, r
assert r["record"]["identifiers"]["uuid"]=="big" and r["source"]["_commit_version"]==10
'

# 1000 users a request, 2500 users
python3 -c '
import json
for i in range(2500): print(json.dumps({"identifiers":{"uuid":"u%d"%i},"attributes":{"age":i%90},"_commit_version":1+i//1000}))' >many.ndjson
emu_reset
check "2500 users" 0 insider-push --progress pm.json many.ndjson
is "three requests of at most 1000" "$(emu_stat requests)/$(emu_stat max_users_in_request)" 3/1000
is "2500 distinct users" "$(emu_stat distinct_users)/$(emu_stat duplicate_users)" 2500/0
echo '{"through_version":2,"delivered":2500,"rejected":0,"records":2500}' >want
same want pm.json; ok $? "progress after 2500"

# a dry run's progress file says what it would send, never a delivery or a through_version
# (the wrapper's live line reads it)
emu_reset
check "dry run with --progress" 0 insider-push -n --progress pd.json many.ndjson
echo '{"dry_run":true,"would_send":2500,"requests":3,"rejected":0,"records":2500}' >want
same want pd.json; ok $? "dry run progress: would_send and requests, no through_version"
is "dry run with --progress: nothing sent" "$(emu_stat requests)" 0

# concurrency: slow answers, several requests in flight
emu_reset
emu_fault '{"kind":"slow","seconds":0.4,"count":4}'
check "concurrent requests" 0 insider-push -b 1 -c 4 "$D/users.ndjson"
is "emulator saw several at once" "$(emu_stat max_concurrent | awk '{print ($1 > 1)}')" 1
emu_reset
emu_fault '{"kind":"slow","seconds":0.3,"count":3}'
check "concurrency 1" 0 insider-push -b 1 -c 1 "$D/users.ndjson"
is "one at a time" "$(emu_stat max_concurrent)" 1

# progress on a terminal (script(1) gives it one), none when stderr is a file
emu_reset
emu_fault '{"kind":"slow","seconds":0.4,"count":3}'
script -qec "insider-push -b 3 -c 1 '$D/users.ndjson'" /dev/null >tty.out
grep -q 'insider-push: 10 users read, [0-9]* delivered, 0 rejected, [0-9]* requests ([0-9]*/s), [01] in flight, 0 retries' tty.out; ok $? "progress line on a terminal"
grep -c 'users read' err >n
is "no progress line when stderr is a file" "$(cat n)" 0

# the token never appears anywhere
INSIDER_API_TOKEN_FILE=$T/tokf; printf '%s\n' "$EMU_TOKEN" >tokf; chmod 600 tokf
INSIDER_API_TOKEN= INSIDER_API_TOKEN_FILE=$T/tokf run 0 insider-push -b 3 --journal jt.ndjson --progress pt.json --rejects rt.ndjson "$D/users.ndjson"; ok $? "token from a file"
cat out err *.ndjson *.json emu.log 2>/dev/null | grep -c "$EMU_TOKEN" >n
is "the token is in no output, journal, progress, rejects or log" "$(cat n)" 0
done_testing
