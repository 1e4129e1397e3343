#!/bin/sh
# insider-push without a service: usage, configuration, dry run, malformed input.
. "$DBXI_ROOT/tests/lib.sh"
plan 39
D=$DATA/insider-push
unset INSIDER_API_TOKEN INSIDER_API_TOKEN_FILE INSIDER_API_URL INSIDER_PARTNER_NAME DBXI_WIRE

check "help exits 0" 0 insider-push --help
grep -q '^usage: insider-push \[--dry-run\]' out; ok $? "help prints the usage on stdout"
check "unknown option is misuse" 64 insider-push --bogus
check_err "misuse names the usage" "usage: insider-push"
check "batch size over 1000" 64 insider-push --batch-size 1001
check_err "batch size range told" "--batch-size: must be a whole number from 1 to 1000: 1001"
check "batch bytes over Insider's limit" 64 insider-push --batch-bytes 5000001
check "two files" 64 insider-push a b
check "verify with dry run" 64 insider-push --verify --dry-run

# configuration
check "no partner" 78 insider-push "$D/users.ndjson"
check_err "no partner told" "insider-push: INSIDER_PARTNER_NAME is not set"
export INSIDER_PARTNER_NAME=MyBrand
check "no token" 78 insider-push "$D/users.ndjson"
check_err "no token told" "INSIDER_API_TOKEN (or INSIDER_API_TOKEN_FILE) is not set"
export INSIDER_API_TOKEN=tok-SECRET-123
printf 'tok-SECRET-123\n' >tokfile
INSIDER_API_TOKEN_FILE=$T/tokfile run 78 insider-push "$D/users.ndjson"; ok $? "token and token file both set"
check_err "both told" "set only one"
INSIDER_API_URL=http://example.com run 78 insider-push "$D/users.ndjson"; ok $? "plain http to a remote host refused"
check_err "http refusal told" "plain http is allowed only to a loopback"
INSIDER_API_URL=ftp://127.0.0.1/ run 78 insider-push "$D/users.ndjson"; ok $? "other schemes refused"
INSIDER_API_URL=http://127.0.0.1:1 run 78 insider-push --progress "$T/no/such/dir/p.json" "$D/users.ndjson"; ok $? "unwritable progress file: 78 before sending"
check_err "progress path told" "insider-push: progress file $T/no/such/dir/p.json: cannot write"
INSIDER_PARTNER_NAME='my brand' run 78 insider-push "$D/users.ndjson"; ok $? "partner with a space refused"

# dry run: the exact bodies, the partner lowercased, never the token
check "dry run" 0 insider-push --dry-run --batch-size 4 "$D/users.ndjson"
check_out "dry run bodies" "$D/dry-b4.out"
check_err "dry run shows the partner, lowercased" "insider-push: dry run: X-PARTNER-NAME: mybrand"
check_err "dry run hides the token" "insider-push: dry run: X-REQUEST-TOKEN: (set, not shown)"
check_err "dry run counts" "insider-push: dry run: 10 users in 3 requests (1507 bytes), 0 rejected; nothing sent"
cat out err | grep -c 'tok-SECRET-123' >n; [ "$(cat n)" = 0 ]; ok $? "no token in the dry run output"
check "dry run quiet" 0 insider-push -n -q -b 4 <"$D/users.ndjson"
echo "10 users in 3 requests (1507 bytes), 0 rejected" >want
check_out "quiet: only the counts" want
rec-cat -M "$D/users.ndjson" >users.mp
check "dry run from MessagePack" 0 insider-push -n -b 4 users.mp
check_out "same bodies from MessagePack" "$D/dry-b4.out"
# every body parses and holds no metadata key
check "bodies are JSON without metadata" 0 python3 -c '
import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l)
    assert all(not k.startswith("_") for u in d["users"] for k in u), l
' "$D/dry-b4.out"

# options and the records' _insider metadata (the record wins)
cat >flags.ndjson <<'X'
{"identifiers":{"uuid":"a"},"_insider":{"not_append":false}}
{"identifiers":{"uuid":"b"}}
{"identifiers":{"uuid":"c"},"not_append":false}
{"identifiers":{"uuid":"d"},"_insider":{"skip_hook":false}}
X
cat >want <<'X'
{"skip_hook":true,"users":[{"identifiers":{"uuid":"a"}},{"identifiers":{"uuid":"b"},"not_append":true},{"identifiers":{"uuid":"c"},"not_append":false}]}
{"users":[{"identifiers":{"uuid":"d"},"not_append":true}]}
X
check "flags from options and metadata" 0 insider-push -n --skip-hook --not-append flags.ndjson
check_out "record metadata overrides the options; skip_hook splits the request" want
echo '{"identifiers":{"uuid":"e"},"_insider":{"not_append":"yes"}}' >badflag.ndjson
check "malformed _insider rejected, not sent" 0 insider-push -n --rejects rj.ndjson badflag.ndjson
grep -q '"field":"_insider.not_append","rule":"type","message":"must be true or false"' rj.ndjson; ok $? "the reject names the field"

# malformed input: what came before is still handled, then 65 with the record number
{ head -n 3 "$D/users.ndjson"; echo '{"identifiers": nope}'; } >bad.ndjson
check "malformed input" 65 insider-push -n bad.ndjson
check_err "malformed record named" "record 4"
[ "$(grep -c users out)" = 1 ]; ok $? "the records before it were batched"
done_testing
