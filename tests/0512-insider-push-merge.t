#!/bin/sh
# issue 14 section 3: one user's records in one batch are merged into one user object
# (latest attributes, all events in order); the cases where a merge would change the meaning
# fall back to closing the batch before the record (#10.7); a refused merged user rejects
# every record it holds; --no-merge gives one user object per record.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 39
emu_start
users() { curl -sf "$EMU/_emu/users" | jq -S -c '[.users[] | {id: .identifiers.uuid, a: .attributes, e: [.events[].event_name]}]'; }
ev() { printf '{"event_name":"%s","timestamp":"2026-11-2%sT10:00:00Z"}' "$1" "$2"; }
# five changes of one user in one run
{
	echo '{"identifiers":{"uuid":"a"},"attributes":{"age":1,"name":"A1","custom":{"tier":"bronze","n":1}},"events":['"$(ev e1 1)"'],"_commit_version":1}'
	echo '{"identifiers":{"uuid":"a"},"attributes":{"age":2},"_commit_version":2}'
	echo '{"identifiers":{"uuid":"a"},"attributes":{"custom":{"tier":"silver"}},"events":['"$(ev e3 3)"'],"_commit_version":3}'
	echo '{"identifiers":{"uuid":"a"},"attributes":{"age":4,"email_optin":true},"_commit_version":4}'
	echo '{"identifiers":{"uuid":"a"},"attributes":{"name":"A5"},"events":['"$(ev e5 2)"'],"_commit_version":5}'
} >five.ndjson
check "#14.3 five changes of one user" 0 insider-push --journal j.ndjson --progress p.json five.ndjson
is "#14.3 one request" "$(emu_stat requests)" 1
is "#14.3 one user received" "$(emu_stat users_received)" 1
users >got
echo '[{"a":{"age":4,"custom":{"n":1,"tier":"silver"},"email_optin":true,"name":"A5"},"e":["e1","e5","e3"],"id":"a"}]' >want
same want got; ok $? "#14.3 the latest attributes (custom merged per key) and every event stored"
check_err "#14.3 summary: records delivered, users merged" "insider-push: 5 users delivered, 0 rejected by Insider, 1 request, 0 retries, 4 users merged, "
sed 's/"time":"[^"]*",//' j.ndjson >got
echo '{"batch":1,"status":"delivered","http":200,"users":1,"bytes":303,"attempts":1,"records":5,"merged":4,"first_record":1,"last_record":5,"first_version":1,"last_version":5,"delivered":5,"rejected":0}' >want
same want got; ok $? "#14.3 journal: one user holding records 1-5 and versions 1-5, five delivered"
echo '{"through_version":4,"delivered":5,"rejected":0,"records":5}' >want
same want p.json; ok $? "#14.3 progress counts every merged record"
# the body: events in input order
check "#14.3 dry run" 0 insider-push -n five.ndjson
cat >want <<'X'
{"users":[{"identifiers":{"uuid":"a"},"attributes":{"age":4,"name":"A5","custom":{"tier":"silver","n":1},"email_optin":true},"events":[{"event_name":"e1","timestamp":"2026-11-21T10:00:00Z"},{"event_name":"e3","timestamp":"2026-11-23T10:00:00Z"},{"event_name":"e5","timestamp":"2026-11-22T10:00:00Z"}]}]}
X
check_out "#14.3 one user object: later values win, events in input order" want
check_err "#14.3 dry-run count" "insider-push: dry run: 5 users in 1 request (303 bytes), 0 rejected, 4 users merged; nothing sent"
# --no-merge: today's requests, one user object per record
check "#14.3 --no-merge" 0 insider-push -n -q --no-merge five.ndjson
echo '5 users in 5 requests (600 bytes), 0 rejected' >want
check_out "#14.3 --no-merge: five requests of one user" want

# interleaved users: each merged with its own records, first-seen order kept
cat >mix.ndjson <<'X'
{"identifiers":{"uuid":"a"},"attributes":{"age":1},"_commit_version":1}
{"identifiers":{"uuid":"b"},"attributes":{"age":10},"_commit_version":1}
{"identifiers":{"uuid":"a"},"attributes":{"age":2},"_commit_version":2}
{"identifiers":{"uuid":"c"},"attributes":{"age":20},"_commit_version":2}
{"identifiers":{"uuid":"b"},"attributes":{"age":11},"_commit_version":3}
{"identifiers":{"uuid":"a"},"attributes":{"age":3},"_commit_version":3}
X
check "#14.3 interleaved users" 0 insider-push -n mix.ndjson
echo '{"users":[{"identifiers":{"uuid":"a"},"attributes":{"age":3}},{"identifiers":{"uuid":"b"},"attributes":{"age":11}},{"identifiers":{"uuid":"c"},"attributes":{"age":20}}]}' >want
check_out "#14.3 three user objects in one request, each with its latest values" want
check "#14.3 interleaved, --no-merge" 0 insider-push -n --no-merge mix.ndjson
cat >want <<'X'
{"users":[{"identifiers":{"uuid":"a"},"attributes":{"age":1}},{"identifiers":{"uuid":"b"},"attributes":{"age":10}}]}
{"users":[{"identifiers":{"uuid":"a"},"attributes":{"age":2}},{"identifiers":{"uuid":"c"},"attributes":{"age":20}},{"identifiers":{"uuid":"b"},"attributes":{"age":11}}]}
{"users":[{"identifiers":{"uuid":"a"},"attributes":{"age":3}}]}
X
check_out "#14.3 --no-merge: the batch closes before each user it holds (#10.7)" want

# the fallbacks: a merge that could change the meaning closes the batch instead
cat >fb.ndjson <<'X'
{"identifiers":{"uuid":"n"},"attributes":{"age":1}}
{"identifiers":{"uuid":"n"},"attributes":{"age":null}}
{"identifiers":{"uuid":"t"},"attributes":{"custom":{"tags":["x"]}}}
{"identifiers":{"uuid":"t"},"attributes":{"custom":{"tags":["y"]}}}
{"identifiers":{"uuid":"i","email":"i@x.com"},"attributes":{"age":1}}
{"identifiers":{"uuid":"i"},"attributes":{"age":2}}
{"identifiers":{"uuid":"o"},"attributes":{"age":1}}
{"identifiers":{"uuid":"o"},"object_attributes":{"custom":{"orders":[{"action":"add","value":[{"id":"1"}]}]}}}
{"identifiers":{"uuid":"p"},"attributes":{"age":1}}
{"identifiers":{"uuid":"p"},"attributes":{"age":2},"not_append":true}
X
check "#14.3 fallbacks" 0 insider-push -n -q fb.ndjson
echo '10 users in 6 requests (716 bytes), 0 rejected' >want
check_out "#14.3 null, appended array, other identifiers, object_attributes, not_append: none merged" want
check "#14.3 the same with --no-merge" 0 insider-push -n -q --no-merge fb.ndjson
check_out "#14.3 identical requests" want
# arrays are overwritten with --not-append: the later array wins
head -4 fb.ndjson >arr.ndjson
check "#14.3 --not-append" 0 insider-push -n --not-append arr.ndjson
cat >want <<'X'
{"users":[{"identifiers":{"uuid":"n"},"attributes":{"age":1},"not_append":true}]}
{"users":[{"identifiers":{"uuid":"n"},"attributes":{"age":null},"not_append":true},{"identifiers":{"uuid":"t"},"attributes":{"custom":{"tags":["y"]}},"not_append":true}]}
X
check_out "#14.3 an overwritten array merges, a null does not" want

# a clear between two upserts of one user: upsert, clear, upsert, in that order
cat >clr.ndjson <<'X'
{"identifiers":{"uuid":"k"},"attributes":{"name":"K1","phone_number":"+15555550101"},"_commit_version":1}
{"identifiers":{"uuid":"k"},"_clear":["phone_number"],"_commit_version":2}
{"identifiers":{"uuid":"k"},"attributes":{"phone_number":"+15555550199"},"_commit_version":3}
{"identifiers":{"uuid":"k"},"attributes":{"name":"K4"},"_commit_version":4}
X
emu_reset
check "#14.3 clear between upserts" 0 insider-push -c 8 --journal jc.ndjson clr.ndjson
jq -r '"\(.op // "upsert") \(.records // .users) \(.first_version)-\(.last_version)"' jc.ndjson >got
cat >want <<'X'
upsert 1 1-1
attribute-delete 1 2-2
upsert 2 3-4
X
same want got; ok $? "#14.3 the clear is not merged over: upsert, clear, then the two later upserts merged"
users >got
echo '[{"a":{"name":"K4","phone_number":"+15555550199"},"e":[],"id":"k"}]' >want
same want got; ok $? "#14.3 the phone set after its clear"

# a merge past the batch byte limit closes the batch instead
for k in k1 k2 k3; do
	printf '{"identifiers":{"uuid":"big"},"attributes":{"custom":{"%s":"%0400d"}}}\n' $k 0
done >big.ndjson
check "#14.3 byte limit" 0 insider-push -n --batch-bytes 1024 big.ndjson
check_err "#14.3 two records merged, the third in the next request" "insider-push: dry run: 3 users in 2 requests (1360 bytes), 0 rejected, 1 user merged; nothing sent"

# a one-user 400 on a merged user: every record it holds is a reject, with the reason
emu_reset
cat >bad.ndjson <<'X'
{"identifiers":{"uuid":"bad"},"attributes":{"age":1},"_commit_version":1}
{"identifiers":{"uuid":"g"},"attributes":{"age":5},"_commit_version":1}
{"identifiers":{"uuid":"bad"},"attributes":{"age":2},"_commit_version":2}
{"identifiers":{"uuid":"bad"},"attributes":{"name":"B"},"events":[{"event_name":"x","timestamp":"2026-11-21T10:00:00Z"}],"_commit_version":3}
{"identifiers":{"uuid":"g2"},"attributes":{"age":6},"_commit_version":4}
X
emu_fault '{"status":400,"when_user_has":"bad"}'
check "#14.3 a merged user refused with a 400" 0 insider-push --rejects r.ndjson --progress pb.json bad.ndjson
jq -c '[.record_number, .rule, (.message | startswith("Insider refused the request holding only this user (HTTP 400)")), .record]' r.ndjson >got
cat >want <<'X'
[1,"http-400",true,{"identifiers":{"uuid":"bad"},"attributes":{"age":1},"_commit_version":1}]
[3,"http-400",true,{"identifiers":{"uuid":"bad"},"attributes":{"age":2},"_commit_version":2}]
[4,"http-400",true,{"identifiers":{"uuid":"bad"},"attributes":{"name":"B"},"events":[{"event_name":"x","timestamp":"2026-11-21T10:00:00Z"}],"_commit_version":3}]
X
same want got; ok $? "#14.3 each original record in the rejects file with the reason"
check_err "#14.3 counted as three rejects" "insider-push: 2 users delivered, 3 rejected by Insider"
echo '{"through_version":3,"delivered":2,"rejected":3,"records":5}' >want
same want pb.json; ok $? "#14.3 progress: the rejected records count as done"
# a replay of the rejects file sends them all again (merged again)
jq -c .record r.ndjson >replay.ndjson
check "#14.3 replay of the rejects" 0 insider-push -n replay.ndjson
echo '{"users":[{"identifiers":{"uuid":"bad"},"attributes":{"age":2,"name":"B"},"events":[{"event_name":"x","timestamp":"2026-11-21T10:00:00Z"}]}]}' >want
check_out "#14.3 the replay holds every change" want

# Insider refuses a merged user in a 200 answer (fail.errors): every record it holds is a
# reject with Insider's message, the other users are delivered
emu_reset
cat >f200.ndjson <<'X'
{"identifiers":{"email":"not-an-email"},"attributes":{"name":"B1"},"_commit_version":1}
{"identifiers":{"email":"ok@example.com"},"attributes":{"name":"G"},"_commit_version":1}
{"identifiers":{"email":"not-an-email"},"attributes":{"name":"B2"},"_commit_version":2}
X
check "#14.3 a merged user in fail.errors" 0 insider-push --rejects r2.ndjson f200.ndjson
jq -c '[.record_number, .rule, .message, .record.attributes.name]' r2.ndjson >got
cat >want <<'X'
[1,"regexp(^.+@.+\\..+$)","Insider: not a valid email address: not-an-email","B1"]
[3,"regexp(^.+@.+\\..+$)","Insider: not a valid email address: not-an-email","B2"]
X
same want got; ok $? "#14.3 both records of the refused user rejected with Insider's message"
check_err "#14.3 counted per record" "insider-push: 1 user delivered, 2 rejected by Insider, 1 request, 0 retries, 1 user merged, "

# progress with a merged user that is not acknowledged: it holds versions 1 and 3
emu_reset
cat >pv.ndjson <<'X'
{"identifiers":{"uuid":"a"},"attributes":{"age":1},"_commit_version":1}
{"identifiers":{"uuid":"b"},"attributes":{"age":1},"_commit_version":2}
{"identifiers":{"uuid":"a"},"attributes":{"age":3},"_commit_version":3}
{"identifiers":{"uuid":"c"},"attributes":{"age":1},"_commit_version":4}
{"identifiers":{"uuid":"d"},"attributes":{"age":1},"_commit_version":5}
{"identifiers":{"uuid":"e"},"attributes":{"age":1},"_commit_version":6}
X
emu_fault '{"status":503,"when_user_has":"a"}'
check "#14.3 a merged user unavailable" 69 insider-push -b 3 -c 1 --max-attempts 1 --journal jv.ndjson --progress pv.json pv.ndjson
jq -c 'select(.batch == 1) | [.status, .users, .records, .merged, .first_record, .last_record, .first_version, .last_version]' jv.ndjson >got
echo '["unacknowledged",3,4,1,1,4,1,4]' >want
same want got; ok $? "#14.3 journal: the batch holds records 1-4, versions 1-4"
jq -c '[.through_version, .delivered]' pv.json >got
echo '[0,0]' >want
same want got; ok $? "#14.3 progress stays before the merged user's first version"
