#!/bin/sh
# Issue 13 item 3: insider-push --reconcile reads a sample of the users sent back from the
# emulator's profile API and reports matched / differing / missing.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 29
emu_start
# events within retention: a day ago (the emulator and reconcile both use the real clock)
NOW=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
cat >sent.ndjson <<EOF2
{"identifiers":{"uuid":"u1"},"attributes":{"name":"Ann","age":30,"gdpr_optin":true,"custom":{"tier":"gold","tags":["a"]}},"events":[{"event_name":"sign_up","timestamp":"$NOW"}],"_commit_version":1}
{"identifiers":{"uuid":"u2"},"attributes":{"name":"Bo"},"_commit_version":1}
{"identifiers":{"uuid":"u1"},"attributes":{"name":"Anna","age":30.0,"custom":{"tags":["b"]}},"_commit_version":2}
{"identifiers":{"email":"cy@x.com"},"attributes":{"birthday":"1990-01-01T00:00:00Z"},"_commit_version":2}
{"identifiers":{"uuid":"u9"},"_change_type":"delete","_delete":"profile","_commit_version":3}
EOF2

check "#13.3 push the users" 0 insider-push -q sent.ndjson
check "#13.3 reconcile a good run: exit 0" 0 insider-push --reconcile sent.ndjson
sort out >got
cat >want <<'X'
{"result":"matched","identifiers":{"email":"cy@x.com"}}
{"result":"matched","identifiers":{"uuid":"u1"}}
{"result":"matched","identifiers":{"uuid":"u2"}}
{"result":"matched","identifiers":{"uuid":"u9"},"deleted":true}
X
same want got; ok $? "#13.3 every user matched (last values, numbers by value, arrays appended, gdpr read as gdpr, a deleted profile absent)"
check_err "#13.3 counts on stderr" "insider-push: reconcile: 4 users checked of 5 records: 4 matched, 0 differing, 0 missing"
is "#13.3 one profile read per user" "$(emu_stat profile_reads)" 4
check "#13.3 --sample 1" 0 insider-push --reconcile --sample 1 sent.ndjson
is "#13.3 --sample 1 checks one user" "$(wc -l <out)" 1
check "#13.3 the same sample again" 0 insider-push --reconcile --sample 1 sent.ndjson
cp out first; check "#13.3 and again" 0 insider-push --reconcile --sample 1 sent.ndjson
same first out; ok $? "#13.3 the sample is the same for the same input"

# an accepted upsert that was not applied, and a value changed behind our back
emu_reset
curl -sf -X POST -d '{"when_user_has":"u2"}' "$EMU/_emu/lose" >/dev/null
check "#13.3 push with a lost user" 0 insider-push -q sent.ndjson
printf '%s\n' '{"users":[{"identifiers":{"uuid":"u1"},"attributes":{"name":"Zed"}}]}' >zed.json
curl -sf -H 'X-PARTNER-NAME: dbxitest' -H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
	--data-binary @zed.json "$EMU/api/user/v1/upsert" >/dev/null
check "#13.3 reconcile: exit 65" 65 insider-push --reconcile sent.ndjson
sort out >got
cat >want <<'X'
{"result":"differing","identifiers":{"uuid":"u1"},"differences":[{"field":"attributes.name","sent":"Anna","insider":"Zed"}]}
{"result":"matched","identifiers":{"email":"cy@x.com"}}
{"result":"matched","identifiers":{"uuid":"u9"},"deleted":true}
{"result":"missing","identifiers":{"uuid":"u2"},"message":"no such user for these identifiers: no data"}
X
same want got; ok $? "#13.3 the lost user is missing, the changed one differs, with the values"
check_err "#13.3 counts" "4 users checked of 5 records: 2 matched, 1 differing, 1 missing"

# an event and a custom attribute Insider does not hold
cat >more.ndjson <<EOF2
{"identifiers":{"uuid":"u1"},"events":[{"event_name":"sign_up","timestamp":"$(date -u -d '-2 day' +%Y-%m-%dT%H:%M:%SZ)"}],"attributes":{"custom":{"tier":"silver"}}}
{"identifiers":{"uuid":"u1"},"events":[{"event_name":"sign_up","timestamp":"2001-01-01T00:00:00Z"}]}
EOF2
check "#13.3 reconcile records never sent" 65 insider-push --reconcile more.ndjson
jq -c '[.result, [.differences[].field]]' out >got
printf '%s\n' '["differing",["attributes.custom.tier","events.sign_up"]]' >want
same want got; ok $? "#13.3 a missing event and a custom attribute are differences; an event past retention is not checked"

# clears and deletions: a cleared attribute must be absent, a deleted profile too
emu_reset
cat >ops.ndjson <<'EOF2'
{"identifiers":{"uuid":"c1"},"attributes":{"name":"Cal","phone_number":"+15555550101","custom":{"tier":"gold"}},"_commit_version":1}
{"identifiers":{"uuid":"c1"},"_clear":["phone_number","custom.tier"],"_commit_version":2}
{"identifiers":{"uuid":"d1"},"attributes":{"name":"Dot"},"_commit_version":1}
{"identifiers":{"uuid":"d1"},"_delete":"profile","_change_type":"delete","_commit_version":2}
EOF2
check "#13.3 push clears and a deletion" 0 insider-push -q ops.ndjson
check "#13.3 reconcile: the clear and the deletion match" 0 insider-push --reconcile ops.ndjson
printf '%s\n' '{"users":[{"identifiers":{"uuid":"c1"},"attributes":{"custom":{"tier":"gold"}}},{"identifiers":{"uuid":"d1"},"attributes":{"name":"Dot"}}]}' >back.json
curl -sf -H 'X-PARTNER-NAME: dbxitest' -H 'X-REQUEST-TOKEN: ins-test-token' -H 'Content-Type: application/json' \
	--data-binary @back.json "$EMU/api/user/v1/upsert" >/dev/null
check "#13.3 reconcile: a cleared value back, a deleted profile back" 65 insider-push --reconcile ops.ndjson
sort out >got
cat >want <<'X'
{"result":"differing","identifiers":{"uuid":"c1"},"differences":[{"field":"attributes.custom.tier","sent":null,"insider":"gold"}]}
{"result":"differing","identifiers":{"uuid":"d1"},"deleted":true,"differences":[{"field":"profile","sent":"deleted","insider":"present"}]}
X
same want got; ok $? "#13.3 both named, with what Insider holds"

# --exclude: the users of a rejects file are not sampled
printf '%s\n' '{"stage":"insider-push","record_number":2,"rule":"http-200","record":{"identifiers":{"uuid":"u2"},"attributes":{"name":"Bo"}}}' >rej.ndjson
check "#13.3 --exclude the rejected user" 65 insider-push --reconcile --exclude rej.ndjson sent.ndjson
grep -c '"u2"' out >n; is "#13.3 --exclude: u2 not checked" "$(cat n)" 0

# errors
run 64 insider-push --sample 3 sent.ndjson; ok $? "#13.3 --sample without --reconcile is 64"
run 64 insider-push --reconcile --dry-run sent.ndjson; ok $? "#13.3 --reconcile --dry-run is 64"
INSIDER_API_TOKEN=not-the-token run 77 insider-push --reconcile sent.ndjson; ok $? "#13.3 refused token is 77"
check_err "#13.3 refused: says so" "insider-push: profile read: Insider answered HTTP 403"
grep -c not-the-token out err >n; is "#13.3 the token is never shown" "$(cat n)" "out:0
err:0"
run 78 insider-push --reconcile --exclude nowhere.ndjson sent.ndjson; ok $? "#13.3 an exclude file that cannot be read is 78"
printf '{"identifiers":{"uuid":"u1"}\n' >bad.ndjson
run 65 insider-push --reconcile bad.ndjson; ok $? "#13.3 malformed input is 65"
done_testing
