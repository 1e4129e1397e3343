#!/bin/sh
# issue 10 item 7: one user's changes reach Insider in commit order whatever the concurrency:
# never two requests in flight holding the same identifier value. The emulator's "hold" fault
# applies concurrent requests in the reverse of their arrival order.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 21
emu_start
# ages: the stored age of each user, by uuid or email
ages() {
	curl -sf "$EMU/_emu/users" | python3 -c 'import json,sys
print(" ".join("%s=%s" % (u["identifiers"].get("uuid") or u["identifiers"].get("email"), u["attributes"].get("age")) for u in json.load(sys.stdin)["users"]))'
}
cat >in.ndjson <<'X'
{"identifiers":{"uuid":"a"},"attributes":{"age":1},"_commit_version":1}
{"identifiers":{"uuid":"a"},"attributes":{"age":2},"_commit_version":2}
X
emu_fault '{"kind":"hold","seconds":2,"count":1}'
check "#10.7 two versions of one user, four requests in flight" 0 insider-push -b 1 -c 4 in.ndjson
is "#10.7 the later version wins" "$(ages)" "a=2"

# users sharing any identifier value are the same user
emu_reset
cat >in2.ndjson <<'X'
{"identifiers":{"email":"e@x.com","uuid":"b"},"attributes":{"age":1},"_commit_version":1}
{"identifiers":{"email":"e@x.com"},"attributes":{"age":2},"_commit_version":2}
X
emu_fault '{"kind":"hold","seconds":2,"count":1}'
check "#10.7 one shared identifier" 0 insider-push -b 1 -c 4 in2.ndjson
is "#10.7 the later version wins through the shared email" "$(ages)" "b=2"
# an unrelated user is not held back behind a user's earlier change
emu_reset
cat >in2b.ndjson <<'X'
{"identifiers":{"uuid":"a"},"attributes":{"age":1},"_commit_version":1}
{"identifiers":{"uuid":"c"},"attributes":{"age":7},"_commit_version":1}
{"identifiers":{"uuid":"a"},"attributes":{"age":2},"_commit_version":2}
X
emu_fault '{"kind":"hold","seconds":2,"count":1}'
check "#10.7 an unrelated user between" 0 insider-push -b 1 -c 4 in2b.ndjson
is "#10.7 it went while the first was in flight" "$(curl -sf "$EMU/_emu/requests" | python3 -c 'import json,sys
print([r["overtaken"] for r in json.load(sys.stdin)["requests"] if "overtaken" in r])')" "[True]"
is "#10.7 ages" "$(ages)" "a=2 c=7"

# a retry keeps the order: the first version gets a 503 once
emu_reset
emu_fault '{"status":503,"when_user_has":"a","count":1}'
check "#10.7 first version retried" 0 insider-push -b 1 -c 4 --backoff 200 in.ndjson
is "#10.7 the later version still wins" "$(ages)" "a=2"

# a 400-split keeps the order: a's first version shares a request with a bad user
emu_reset
cat >in3.ndjson <<'X'
{"identifiers":{"uuid":"a"},"attributes":{"age":1},"_commit_version":1}
{"identifiers":{"uuid":"bad"},"attributes":{"age":5},"_commit_version":1}
{"identifiers":{"uuid":"a"},"attributes":{"age":2},"_commit_version":2}
{"identifiers":{"uuid":"d"},"attributes":{"age":9},"_commit_version":2}
X
emu_fault '{"kind":"hold","when_user_has":"bad","count":1,"seconds":2}'
emu_fault '{"status":400,"when_user_has":"bad"}'
check "#10.7 split batch" 0 insider-push -b 2 -c 4 --rejects r.ndjson in3.ndjson
is "#10.7 the later version wins after the split" "$(ages)" "a=2 d=9"
is "#10.7 the bad user rejected at its position" "$(python3 -c 'import json; print([json.loads(l)["record_number"] for l in open("r.ndjson")])')" "[2]"

# two records of one user never share a request as two user objects (Insider does not promise
# the order inside one): with --no-merge the batch closes before the second (merged by default:
# tests/0512-insider-push-merge.t)
emu_reset
cat >in4.ndjson <<'X'
{"identifiers":{"uuid":"a"},"attributes":{"age":1},"_commit_version":1}
{"identifiers":{"uuid":"x"},"attributes":{"age":3},"_commit_version":1}
{"identifiers":{"uuid":"a"},"attributes":{"age":2},"_commit_version":2}
{"identifiers":{"uuid":"y"},"attributes":{"age":4},"_commit_version":2}
X
check "#10.7 same user twice in a batch window" 0 insider-push -b 10 -c 4 --no-merge --journal j.ndjson in4.ndjson
is "#10.7 two requests: the batch closed before the second record of a" "$(emu_stat requests)" 2
is "#10.7 batches of 2 users each" "$(grep -o '"users":[0-9]*' j.ndjson | tr '\n' ' ')" '"users":2 "users":2 '
is "#10.7 final ages" "$(ages)" "a=2 x=3 y=4"
check_err "#10.7 summary" "4 users delivered, 0 rejected by Insider, 2 requests"
# a user's change held behind its own earlier one-user 400: the 400 is settled (a reject),
# then the later change goes (no deadlock)
emu_reset
cat >in5.ndjson <<'X'
{"identifiers":{"uuid":"a","email":"bad@x.com"},"attributes":{"age":1},"_commit_version":1}
{"identifiers":{"uuid":"a"},"attributes":{"age":2},"_commit_version":2}
X
emu_fault '{"status":400,"when_user_has":"bad@x.com"}'
check "#10.7 later change behind a held one-user 400" 0 timeout 60 insider-push -b 1 -c 4 --rejects r5.ndjson in5.ndjson
is "#10.7 the first change rejected" "$(python3 -c 'import json; print([json.loads(l)["record_number"] for l in open("r5.ndjson")])')" "[1]"
is "#10.7 the second delivered" "$(ages)" "a=2"
check_err "#10.7 counted" "1 user delivered, 1 rejected by Insider, 2 requests"
done_testing
