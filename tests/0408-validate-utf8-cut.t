#!/bin/sh
# validate cuts a long field name or message on a character boundary: a reject's field and
# reason stay valid UTF-8 whatever the length of the names in the record (the cut used to fall
# inside a character when the text passed 511 bytes: a rejects line no JSON reader would take).
. "$DBXI_ROOT/tests/lib.sh"
plan 7

# custom attribute names of 400 two-byte characters (and of 3- and 4-byte ones), cut at an
# odd place after "attributes.custom."
python3 -c '
import json
for i, ch in enumerate(["\u00e9", "\u20ac", "\U0001F600", "a\u00e9"]):
    k = ch * (800 // len(ch.encode()))
    print(json.dumps({"identifiers": {"uuid": "u%d" % i}, "attributes": {"custom": {k: {"a": 1}}}}, ensure_ascii=False))
' >long.ndjson
check "a record with very long custom names: rejected, exit 0" 0 validate --rejects rej long.ndjson
python3 -c '
import json, sys
n = 0
for l in open("rej", "rb"):
    r = json.loads(l.decode("utf-8"))
    assert r["rule"] == "custom-attribute-type", r["rule"]
    assert r["field"].startswith("attributes.custom."), r["field"][:40]
    assert 480 <= len(r["field"].encode()) <= 511, len(r["field"].encode())
    n += 1
print(n)' >got 2>perr
echo 4 >want
same want got; ok $? "every reject line is valid UTF-8 JSON, its field cut to at most 511 bytes ($(head -c 200 perr))"
grep -c . rej >n
[ "$(cat n)" = 4 ]; ok $? "four rejects ($(cat n))"
python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' <err; ok $? "standard error is valid UTF-8"
check_err "the summary counts them" "validate: 4 in, 0 passed, 4 rejected (custom-attribute-type: 4)"

# the same cut on a message: an event name of 1,000 two-byte characters
python3 -c '
import json
print(json.dumps({"identifiers": {"uuid": "e"}, "events": [{"event_name": "\u00e9" * 1000, "timestamp": "2026-11-30T10:00:00Z"}]}, ensure_ascii=False))
' >ev.ndjson
check "a record with a very long event name: rejected, exit 0" 0 validate --rejects rej2 ev.ndjson
python3 -c '
import json
for l in open("rej2", "rb"):
    r = json.loads(l.decode("utf-8"))
    print(r["rule"])' >got
echo event-name >want
same want got; ok $? "the reject line of a long event name is valid UTF-8 JSON, rule event-name"
done_testing
