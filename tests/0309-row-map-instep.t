#!/bin/sh
# Issue 13 items 1 and 2, row-map's side: --nulls clear names the attributes to clear in
# _clear; --deletes profile|attributes maps delete rows; identifiers are never cleared.
. "$DBXI_ROOT/tests/lib.sh"
plan 21
cat >m.json <<'EOF2'
{"identifiers":{"uuid":"id"},"attributes":{"phone_number":"phone","name":"name","custom":{"tier":"tier"}}}
EOF2
cat >rows.ndjson <<'EOF2'
{"id":"u1","phone":"+15555550101","name":"Ann","tier":"gold","_change_type":"insert","_commit_version":1}
{"id":"u1","phone":null,"name":"Ann","tier":null,"_change_type":"update_postimage","_commit_version":2}
{"id":"u2","phone":null,"name":null,"tier":null,"_change_type":"update_postimage","_commit_version":2}
{"id":"u3","phone":null,"name":"C","tier":null,"_change_type":"insert","_commit_version":2}
{"id":"u1","phone":null,"name":null,"tier":null,"_change_type":"delete","_commit_version":3}
EOF2

check "#13.1 default (skip): exit 0" 0 row-map --rejects rej -m m.json <rows.ndjson
cat >want <<'EOF2'
{"identifiers":{"uuid":"u1"},"attributes":{"phone_number":"+15555550101","name":"Ann","custom":{"tier":"gold"}},"_change_type":"insert","_commit_version":1}
{"identifiers":{"uuid":"u1"},"attributes":{"name":"Ann"},"_change_type":"update_postimage","_commit_version":2}
{"identifiers":{"uuid":"u3"},"attributes":{"name":"C"},"_change_type":"insert","_commit_version":2}
EOF2
check_out "#13.1 default: nulls left out, no _clear (as before)" want
jq -r '"\(.record_number) \(.rule)"' rej >got; printf '3 empty\n5 change_type\n' >want
same want got; ok $? "#13.2 default: the all-null update and the delete row are rejected as before"

rm -f rej
check "#13.1 --nulls clear" 0 row-map --nulls clear --rejects rej -m m.json <rows.ndjson
cat >want <<'EOF2'
{"identifiers":{"uuid":"u1"},"attributes":{"phone_number":"+15555550101","name":"Ann","custom":{"tier":"gold"}},"_change_type":"insert","_commit_version":1}
{"identifiers":{"uuid":"u1"},"attributes":{"name":"Ann"},"_change_type":"update_postimage","_commit_version":2,"_clear":["phone_number","custom.tier"]}
{"identifiers":{"uuid":"u2"},"_change_type":"update_postimage","_commit_version":2,"_clear":["phone_number","name","custom.tier"]}
{"identifiers":{"uuid":"u3"},"attributes":{"name":"C"},"_change_type":"insert","_commit_version":2}
EOF2
check_out "#13.1 --nulls clear: update nulls in _clear (custom.NAME), inserts untouched, a clear-only record" want
jq -r '"\(.record_number) \(.rule)"' rej >got; printf '5 change_type\n' >want
same want got; ok $? "#13.1 --nulls clear: only the delete row rejected"

cat >keep.json <<'EOF2'
{"identifiers":{"uuid":"id"},"attributes":{"phone_number":"phone","name":"name"},"skip_nulls":false}
EOF2
check "#13.1 --nulls clear with skip_nulls false" 0 row-map --nulls clear -m keep.json <rows.ndjson
sed -n 2p out >got
printf '%s\n' '{"identifiers":{"uuid":"u1"},"attributes":{"name":"Ann"},"_change_type":"update_postimage","_commit_version":2,"_clear":["phone_number"]}' >want
same want got; ok $? "#13.1 a null kept by skip_nulls false is cleared, not sent as null"

check "#13.2 --deletes profile" 0 row-map --deletes profile -m m.json <rows.ndjson
tail -n 1 out >got
printf '%s\n' '{"identifiers":{"uuid":"u1"},"_change_type":"delete","_commit_version":3,"_delete":"profile"}' >want
same want got; ok $? "#13.2 a delete row becomes identifiers, metadata and _delete profile"
check "#13.2 --deletes attributes" 0 row-map --deletes attributes -m m.json <rows.ndjson
tail -n 1 out >got
printf '%s\n' '{"identifiers":{"uuid":"u1"},"_change_type":"delete","_commit_version":3,"_delete":"attributes","_clear":["phone_number","name","custom.tier"]}' >want
same want got; ok $? "#13.2 --deletes attributes: every mapped attribute in _clear"

# identifiers are never cleared
cat >m2.json <<'EOF2'
{"identifiers":{"uuid":"id","email":"em"},"attributes":{"email":"em","name":"name"}}
EOF2
printf '%s\n' '{"id":"u1","em":null,"name":"A","_change_type":"update_postimage"}' >r2.ndjson
check "#13.1 a null identifier attribute" 0 row-map --nulls clear --rejects rej2 -m m2.json <r2.ndjson
[ ! -s out ]; ok $? "#13.1 the row is not passed on"
jq -r '"\(.field) \(.rule) \(.message)"' rej2 >got
printf '%s\n' "_clear clear-identifier attribute email is null but is also an identifier of the user: Insider never clears an identifier through its attribute API (change it with the identity API, or map it as an identifier only)" >want
same want got; ok $? "#13.1 rejected with the reason (clear-identifier)"
printf '%s\n' '{"id":"u1","em":"a@b.co","name":"A","_change_type":"delete"}' >r3.ndjson
check "#13.2 --deletes attributes never clears identifiers" 0 row-map --deletes attributes -m m2.json <r3.ndjson
printf '%s\n' '{"identifiers":{"uuid":"u1","email":"a@b.co"},"_change_type":"delete","_delete":"attributes","_clear":["name"]}' >want
check_out "#13.2 email (an identifier too) is not in _clear" want
printf '%s\n' '{"id":null,"em":null,"name":"A","_change_type":"delete"}' >r4.ndjson
check "#13.2 a delete row without identifiers" 0 row-map --deletes profile --rejects rej4 -m m2.json <r4.ndjson
jq -r .rule rej4 >got; printf 'identifiers\n' >want
same want got; ok $? "#13.2 rejected: nothing says whose profile"

run 64 row-map --nulls sometimes -m m.json </dev/null; ok $? "#13.1 --nulls takes skip or clear (64)"
check_err "#13.1 --nulls: message" "row-map: --nulls takes skip or clear, not 'sometimes'"
done_testing
