#!/bin/sh
# validate: whole streams (mixed valid and invalid records, both wire forms, values kept
# byte for byte), Insider's documented errors reproduced as rejects, options, exit codes.
. "$DBXI_ROOT/tests/lib.sh"
V=$DATA/validate
DBXI_NOW=2026-01-01T00:00:00Z; export DBXI_NOW
unset DBXI_WIRE DBXI_ISO_CODES_DIR
plan 55

# mixed stream: exactly the valid records pass, unchanged, metadata kept; the others land
# in the rejects file with their source position
check 'mixed: exit 0' 0 validate --rejects rej <"$V/mixed.ndjson"
check_out 'mixed: the valid records, byte for byte' "$V/mixed.out"
same "$V/mixed.rej" rej
ok $? 'mixed: rejects with rule, field, message, record, source'
check_err 'mixed: summary' 'validate: 10 in, 6 passed, 4 rejected (identifier-required: 1, identifier-email: 1, attribute-type: 1, event-currency: 1); custom fields type-checked only (no --schema)'
grep -vxF -f "$V/mixed.out" "$V/mixed.ndjson" >expect-rejected
sed 's/.*,"record":\(.*\)}$/\1/' rej >got-rejected # the exact text (jq would round 19.90)
same expect-rejected got-rejected
ok $? 'mixed: every record not passed is in the rejects file'

# a larger shuffled stream: every record comes out exactly once, passed or rejected
python3 - "$V/mixed.ndjson" "$V/rules" >big.ndjson <<'PY'
import glob, random, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
for f in sorted(glob.glob(sys.argv[2] + "/*.ndjson")):
    lines += open(f, encoding="utf-8").read().splitlines()
rnd = random.Random(1)
for i in range(1500):
    sys.stdout.write(rnd.choice(lines) + "\n")
PY
check 'shuffled stream: exit 0' 0 validate --max-event-age 0 --rejects bigrej <big.ndjson
{ cat out; sed 's/.*,"record":\(.*\)}$/\1/' bigrej; } | sort >got-all
sort big.ndjson >want-all
same want-all got-all
ok $? 'shuffled stream: passed + rejected = the input, each record once'
[ "$(wc -l <out)" -gt 300 ] && [ "$(wc -l <bigrej)" -gt 300 ]
ok $? 'shuffled stream: both kinds present'

# MessagePack in and out: the same records pass
rec-cat -M "$V/mixed.ndjson" >mixed.mp
check 'msgpack: exit 0' 0 validate --msgpack --rejects rej2 <mixed.mp
rec-cat out >mixed.json
same "$V/mixed.out" mixed.json
ok $? 'msgpack: same records pass'
cmp -s rej rej2
ok $? 'msgpack: same rejects'
check 'msgpack in, JSON out' 0 validate --rejects rej3 <mixed.mp
check_out 'msgpack in, JSON out: records' "$V/mixed.out"
DBXI_WIRE=msgpack validate --rejects rej4 <"$V/mixed.ndjson" >env.mp 2>err
ok $? 'DBXI_WIRE=msgpack: exit 0'
rec-cat env.mp >env.json
same "$V/mixed.out" env.json
ok $? 'DBXI_WIRE=msgpack: MessagePack out'

# Insider's own error examples (reference section 3.2), with Insider's messages
check 'reference errors: exit 0' 0 validate --rejects rej5 <"$V/reference-errors.ndjson"
same "$V/reference-errors.rej" rej5
ok $? 'reference errors: reproduced as rejects'
[ ! -s out ]
ok $? 'reference errors: nothing passes'
check_err 'reference errors: summary (#12 §6: records, by their first rule)' '6 in, 0 passed, 6 rejected (identifier-required: 1, identifier-key: 1, identifier-type: 1, identifier-phone: 1, event-name: 1, event-param-required: 1)'
# Insider's own full examples (reference section 4) pass unchanged (their events are old)
check 'reference examples pass' 0 validate --max-event-age 0 <"$V/reference-examples.ndjson"
check_out 'reference examples: unchanged' "$V/reference-examples.ndjson"
check 'reference examples: events too old warn' 0 validate <"$V/reference-examples.ndjson"
check_out 'reference examples: still passed on' "$V/reference-examples.ndjson"
check_err 'reference examples: warning on stderr' 'validate: record 1: events.0.timestamp: 1816 days old: Insider keeps purchase events 730 days and drops older ones silently (event-too-old; warning: passed on)'
check_err 'reference examples: warnings in the summary' '5 in, 5 passed, 0 rejected; 3 passed with warnings (event-too-old: 4)'

# without --rejects, each reason is a line on stderr
check 'no rejects file: exit 0' 0 validate <"$V/reference-errors.ndjson"
check_err 'no rejects file: reasons on stderr' 'validate: record 1: identifiers.email: not a valid email address: sample (identifier-email)'
check_err 'no rejects file: all reasons of a record' 'validate: record 1: events.0.event_params.unit_sale_price: unit_sale_price parameter is required on purchase event (event-param-required)'

# --max-reject-ratio: 4 of 10 rejected
check 'ratio 0.4 is enough' 0 validate --max-reject-ratio 0.4 --rejects rej6 <"$V/mixed.ndjson"
check 'ratio 0.3 fails' 65 validate --max-reject-ratio 0.3 --rejects rej7 <"$V/mixed.ndjson"
check_err 'ratio 0.3: message' 'validate: 4 of 10 records rejected: more than --max-reject-ratio 0.3'
check_out 'ratio 0.3: the valid records still pass' "$V/mixed.out"
[ "$(wc -l <rej7)" -eq 4 ]
ok $? 'ratio 0.3: the rejects are still written'

# warnings: shown 10 per rule, all counted
i=0; : >old.ndjson
while [ $i -lt 12 ]; do
	echo '{"identifiers":{"uuid":"u'$i'"},"events":[{"event_name":"signup","timestamp":"2020-01-01T00:00:00Z"}]}' >>old.ndjson
	i=$((i + 1))
done
check 'many warnings: exit 0' 0 validate <old.ndjson
[ "$(grep -c 'warning: passed on' err)" -eq 10 ]
ok $? 'many warnings: 10 shown'
check_err 'many warnings: the rest announced' 'validate: further event-too-old warnings are not shown; the summary counts them'
check_err 'many warnings: all counted' '12 in, 12 passed, 0 rejected; 12 passed with warnings (event-too-old: 12)'
check 'many warnings: --strict rejects them' 0 validate --strict --rejects rej8 <old.ndjson
[ "$(wc -l <rej8)" -eq 12 ] && [ ! -s out ]
ok $? 'many warnings: --strict: all 12 in the rejects'

# malformed input: 65, the records before it still pass
{ head -n 1 "$V/mixed.ndjson"; echo '{"identifiers":'; } >bad.ndjson
check 'malformed input: 65' 65 validate <bad.ndjson
check_err 'malformed input: message' 'validate: record 2: malformed JSON'
head -n 1 "$V/mixed.ndjson" >first
check_out 'malformed input: earlier records passed' first

# usage
check 'help: 0' 0 validate --help
grep -qxF 'usage: validate [--msgpack] [--schema FILE] [--rejects FILE] [--max-reject-ratio R] [--max-event-age DAYS] [--strict] [FILE]' out
ok $? 'help: usage line'
check 'unknown option: 64' 64 validate --frobnicate </dev/null
check 'a missing FILE: 64 (#12 §4)' 64 validate file.ndjson </dev/null
check_err 'a missing FILE: message' "validate: cannot open file.ndjson: No such file or directory"
check 'ratio out of range: 64' 64 validate --max-reject-ratio 1.5 </dev/null
check_err 'ratio out of range: message' "validate: --max-reject-ratio takes a number from 0 to 1: '1.5'"
check 'bad max-event-age: 64' 64 validate --max-event-age -3 </dev/null
DBXI_NOW=yesterday validate </dev/null >out 2>err
[ $? -eq 64 ]
ok $? 'bad DBXI_NOW: 64'
check_err 'bad DBXI_NOW: message' "validate: DBXI_NOW: not an RFC 3339 date-time nor epoch seconds: 'yesterday'"
check 'rejects file in a missing directory: 78 (#14)' 78 validate --rejects nodir/rej </dev/null
check 'empty input: 0' 0 validate </dev/null
check_err 'empty input: summary' 'validate: 0 in, 0 passed, 0 rejected'
