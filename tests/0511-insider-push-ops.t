#!/bin/sh
# Issue 13: insider-push sends _clear (Delete User Attribute, reference 5.1) and _delete
# (Delete User, reference 5.3) in commit order with the same user's upserts.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 19
emu_start
cat >in.ndjson <<'EOF2'
{"identifiers":{"uuid":"u1"},"attributes":{"phone_number":"+15555550101","name":"Ann","custom":{"tier":"gold","tags":["a"]}},"_commit_version":1}
{"identifiers":{"uuid":"u2"},"attributes":{"name":"Bo","phone_number":"+15555550102"},"_commit_version":1}
{"identifiers":{"uuid":"u1"},"attributes":{"name":"Anna"},"_clear":["phone_number","custom.tier"],"_commit_version":2}
{"identifiers":{"uuid":"u2"},"_clear":["phone_number"],"_commit_version":2}
{"identifiers":{"uuid":"u2"},"attributes":{"phone_number":"+15555550199"},"_commit_version":3}
{"identifiers":{"uuid":"u3"},"attributes":{"name":"Cy"},"_commit_version":3}
{"identifiers":{"uuid":"u3"},"_change_type":"delete","_delete":"profile","_commit_version":4}
EOF2
users() { curl -sf "$EMU/_emu/users" | jq -c '[.users[] | {id: .identifiers.uuid, a: .attributes}]'; }

# the first upsert is slow: a clear sent beside it would arrive first and be undone
emu_fault '{"kind":"slow","seconds":1,"count":1}'
check "#13.1 upserts, clears and a delete" 0 insider-push -c 8 --journal j.ndjson in.ndjson
users >got
printf '%s\n' '[{"id":"u1","a":{"name":"Anna","custom":{"tags":["a"]}}},{"id":"u2","a":{"name":"Bo","phone_number":"+15555550199"}}]' >want
same want got; ok $? "#13.1 commit order kept: u1's phone and tier cleared after their upsert, u2's phone set again after its clear, u3 deleted"
check_err "#13.1 the counts" "insider-push: 2 users' attributes cleared, 1 profile deleted"
check_err "#13.1 upserts counted apart" "insider-push: 5 users delivered, 0 rejected by Insider"
jq -r 'select(.op) | "\(.op) \(.status) \(.first_version) \(.request | tostring)"' j.ndjson | sort >got
cat >want <<'EOF2'
attribute-delete delivered 2 {"users":[{"identifiers":{"uuid":"u1"},"whole":["phone_number"],"custom":{"whole":["tier"]}},{"identifiers":{"uuid":"u2"},"whole":["phone_number"]}]}
profile-delete deleted 4 {"identifiers":{"uuid":"u3"}}
EOF2
same want got; ok $? "#13.2 each clear and deletion journaled with its request, version and result"
curl -sf "$EMU/_emu/requests" | jq -r '.requests[] | "\(.path) \(.status)"' | sort | uniq -c | sed 's/^ *//' >got
cat >want <<'EOF2'
1 /api/user/v1/attribute/delete 200
1 /api/user/v1/delete 200
2 /api/user/v1/upsert 200
EOF2
same want got; ok $? "#13.1 one attribute-delete request for both users, one profile delete, two upserts (#14.3: u1's second upsert merged into its first)"

# dry run: the exact bodies, nothing sent
emu_reset
check "#13.2 dry run" 0 insider-push --dry-run in.ndjson
grep -c . out >n; [ "$(cat n)" = 4 ]; ok $? "#13.2 dry run: one body per request"
grep -qxF '{"identifiers":{"uuid":"u3"}}' out; ok $? "#13.2 dry run: the profile delete's exact body"
grep -qxF '{"users":[{"identifiers":{"uuid":"u1"},"whole":["phone_number"],"custom":{"whole":["tier"]}},{"identifiers":{"uuid":"u2"},"whole":["phone_number"]}]}' out
ok $? "#13.1 dry run: the attribute delete's exact body"
[ "$(emu_stat requests)" = 0 ]; ok $? "#13.2 dry run sent nothing"

# faults: a 429 and a 503 on the deletes are retried; an answer that is not a JSON object is
# not a deletion
emu_reset
emu_fault '{"status":429,"count":1,"path":"/api/user/v1/attribute/delete"}'
emu_fault '{"status":503,"count":1,"path":"/api/user/v1/delete"}'
emu_fault '{"status":200,"body":"<html>ok</html>","count":1,"path":"/api/user/v1/delete"}'
check "#13.2 faults on the deletes: retried" 0 insider-push --backoff 5 --journal j2.ndjson in.ndjson
[ "$(emu_stat profiles_deleted)" = 1 ]; ok $? "#13.2 the profile was deleted once"
check_err "#13.2 a 2xx that is not Insider's answer is not a deletion" "(profile delete): HTTP 200 with an answer that is not a JSON object: not counted as done, sent again"
users >got
printf '%s\n' '[{"id":"u1","a":{"name":"Anna","custom":{"tags":["a"]}}},{"id":"u2","a":{"name":"Bo","phone_number":"+15555550199"}}]' >want
same want got; ok $? "#13.1 the end state is the same after the retries"

# an identifier named in _clear: Insider refuses that user; a rejects line, not a silent drop
emu_reset
printf '%s\n' '{"identifiers":{"uuid":"u9"},"attributes":{"name":"Z"},"_commit_version":1}' \
	'{"identifiers":{"uuid":"u9"},"_clear":["uuid"],"_commit_version":2}' >id.ndjson
check "#13.1 clearing an identifier" 0 insider-push --rejects rej.ndjson id.ndjson
jq -r '"\(.rule) \(.message)"' rej.ndjson >got
printf '%s\n' 'not_identifier Insider: uuid is an identifier and cannot be deleted here' >want
same want got; ok $? "#13.1 Insider's refusal is in the rejects with its message"

# the token never shows
INSIDER_API_TOKEN=not-the-token run 77 insider-push in.ndjson; ok $? "#13.2 a refused token is 77"
grep -c not-the-token out err j.ndjson >n; is "#13.2 the token is never shown" "$(cat n)" "out:0
err:0
j.ndjson:0"
done_testing
