#!/bin/sh
# row-map's jq fields that stop, fail without a message, load modules, loop forever or look
# at the environment (#10.9, #10.10, #10.11): each is a reject with its rule, a refusal at
# load (78), or nothing to see; never a vanished field, a crash or a hang.
. "$DBXI_ROOT/tests/lib.sh"
plan 32
printf '{"id":"u1","a":1}\n{"id":"u2","a":2}\n' >rows.ndjson
jqmap() { # jqmap PROGRAM: a mapping with attributes.custom.x computed by PROGRAM
	jq -n --arg p "$1" '{identifiers: {uuid: "id"}, attributes: {name: "id", custom: {x: {jq: $p}}}}' >m.json
}

# #10.9: halt, halt_error and error(null) reject the record with rule jq and a message
for p in 'halt' 'halt_error' '"x"|halt_error' 'error(null)' 'if .a == 1 then halt_error(3) else 7 end'; do
	jqmap "$p"; rm -f rej
	run 0 row-map -m m.json --rejects rej <rows.ndjson; ok $? "#10.9 $p: exit 0"
	case $p in
	if*) jq -r '"\(.record_number) \(.rule) \(.field)"' rej >got; echo '1 jq attributes.custom.x' >want
	     same want got; ok $? "#10.9 $p: the first record rejected with rule jq, the second mapped"
	     jq -c '.attributes.custom' out >got; echo '{"x":7}' >want; same want got; ok $? "#10.9 $p: the second record's field is there";;
	*) jq -r '"\(.record_number) \(.rule) \(.field)"' rej >got; printf '1 jq attributes.custom.x\n2 jq attributes.custom.x\n' >want
	   same want got; ok $? "#10.9 $p: both records rejected with rule jq";;
	esac
done
jqmap 'halt'; rm -f rej; row-map -m m.json --rejects rej <rows.ndjson >/dev/null 2>&1
jq -r 'select(.record_number == 1) | .message' rej >got; echo 'jq: the program called halt (a field needs a value)' >want
same want got; ok $? "#10.9 halt: the message"
jqmap '"x"|halt_error'; rm -f rej; row-map -m m.json --rejects rej <rows.ndjson >/dev/null 2>&1
jq -r 'select(.record_number == 1) | .message' rej >got; echo 'jq: halt_error (exit code 5): x' >want
same want got; ok $? "#10.9 halt_error: the message and the exit code"
jqmap 'error(null)'; rm -f rej; row-map -m m.json --rejects rej <rows.ndjson >/dev/null 2>&1
jq -r 'select(.record_number == 1) | .message' rej >got; echo 'jq: error(null): an error without a message' >want
same want got; ok $? "#10.9 error(null): the message"
jqmap 'empty'
check "#10.9 empty still leaves the field out (no reject)" 0 row-map -m m.json --rejects rej2 <rows.ndjson
[ ! -s rej2 ] && [ "$(jq -c .attributes out | head -n 1)" = '{"name":"u1"}' ]; ok $? "#10.9 empty: the field is left out, no reject"

# #10.10: modules are refused when the mapping is loaded (no abort, no file read)
echo 'def hi: "hi";' >mod.jq
for p in 'import "mod" as m; m::hi' 'include "mod"; hi' 'import "mod" as $d {search: "."}; $d' '# a comment
 include "mod" {search: "./"}; hi'; do
	jqmap "$p"
	check "#10.10 a module directive is refused at load: 78 ($p)" 78 row-map --check -m m.json
	check_err "#10.10 the message names the field" "row-map: m.json: attributes.custom.x: jq: import, include and module directives are not allowed (a mapping's jq uses no modules)"
done

# #10.11: a program that never ends is stopped: the record is rejected (jq-limit), the run goes on
jqmap 'if .a == 1 then (def f: f; f) else .a end'
DBXI_JQ_TIMEOUT=0.2 run 0 timeout 60 row-map -m m.json --rejects rej3 <rows.ndjson; ok $? "#10.11 def f: f; f: stopped, exit 0"
jq -r '"\(.record_number) \(.rule) \(.field) \(.message)"' rej3 >got
echo '1 jq-limit attributes.custom.x jq: the program ran longer than 0.2 s of CPU time (DBXI_JQ_TIMEOUT)' >want
same want got; ok $? "#10.11 the record is rejected with rule jq-limit"
jq -c '.attributes.custom' out >got; echo '{"x":2}' >want
same want got; ok $? "#10.11 the next record is mapped"
jqmap 'reduce range(1e12) as $i (0; . + 1)'
DBXI_JQ_TIMEOUT=0.2 run 0 timeout 60 row-map -m m.json --rejects rej4 <rows.ndjson; ok $? "#10.11 a long range: stopped, exit 0"
jqmap '.a'
DBXI_JQ_TIMEOUT=abc run 64 timeout 60 row-map -m m.json <rows.ndjson; ok $? "#10.11 DBXI_JQ_TIMEOUT=abc: 64"
check_err "#10.11 DBXI_JQ_TIMEOUT=abc: message" "row-map: DBXI_JQ_TIMEOUT: not a number of seconds from 0.001 to 3600 (0: no limit): 'abc'"

# #10.11: credentials are not visible to jq through env or $ENV
jq -n '{identifiers: {uuid: "id"}, attributes: {custom: {a: {jq: "env.INSIDER_API_TOKEN"}, b: {jq: "$ENV.DATABRICKS_CLIENT_SECRET"}, c: {jq: "env.MY_PASSWORD"}, d: {jq: "[env | keys[] | select(test(\"SECRET|TOKEN|DATABRICKS_|ARM_\"))]"}, e: {jq: "env.DBXI_TEST_PLAIN"}}}}' >env.json
INSIDER_API_TOKEN=tok-1 INSIDER_API_TOKEN_FILE=/x DATABRICKS_CLIENT_SECRET=sec-2 ARM_CLIENT_SECRET=sec-3 MY_PASSWORD=pw GITHUB_TOKEN=t DBXI_TEST_PLAIN=plain \
	run 0 row-map -m env.json <rows.ndjson; ok $? "#10.11 env: exit 0"
jq -c '.attributes.custom' out | head -n 1 >got
echo '{"d":[],"e":"plain"}' >want
same want got; ok $? "#10.11 env.INSIDER_API_TOKEN, \$ENV.DATABRICKS_CLIENT_SECRET and every credential variable are null in jq; others stay"
done_testing
