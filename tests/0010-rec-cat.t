#!/bin/sh
# rec-cat and the record layer: golden values in both wire forms, exactness, and malformed
# input of every kind (message, record number, exit status 65).
. "$DBXI_ROOT/tests/lib.sh"
plan 38
D=$DATA/rec

check "JSON -> JSON keeps every value exactly" 0 rec-cat "$D/values.ndjson"
check_out "golden values" "$D/values.expected"
check "JSON -> MessagePack" 0 rec-cat -M "$D/values.ndjson"
cp out values.mp
check "MessagePack -> JSON" 0 rec-cat values.mp
check_out "JSON -> MessagePack -> JSON is exact" "$D/values.expected"
DBXI_WIRE=msgpack rec-cat "$D/values.ndjson" >env.mp 2>err
cmp -s env.mp values.mp; ok $? "DBXI_WIRE=msgpack selects MessagePack output"
DBXI_WIRE=msgpack rec-cat -j values.mp >j.out 2>err
same "$D/values.expected" j.out; ok $? "-j overrides DBXI_WIRE"
check "count across files of both forms" 0 rec-cat --count "$D/values.ndjson" values.mp
printf '12\n' >want; check_out "count is 12" want
check "record N" 0 rec-cat --record 5 values.mp
sed -n 5p "$D/values.expected" >want; check_out "record 5 of a MessagePack file" want
check "pretty" 0 rec-cat -p "$D/pretty.ndjson"
check_out "pretty layout" "$D/pretty.expected"
check "pretty input is read back" 0 rec-cat "$D/pretty.expected"
check_out "multi-line record" "$D/pretty.ndjson"
printf '' >empty
check "empty input: no records, exit 0" 0 rec-cat empty
printf '' >want; check_out "empty input: nothing written" want
printf '  \n\n\t\n' >blank
check "blank input: no records" 0 rec-cat --count blank
printf '0\n' >want; check_out "blank input counts 0" want

# malformed JSON
printf '{"a":1}\n{"a":\n' >trunc.json
check "truncated JSON exits 65" 65 rec-cat trunc.json
check_err "truncated JSON names the record" "rec-cat: trunc.json: record 2: malformed JSON at byte 7: unexpected end of input inside a value (truncated record)"
printf '{"a":1}\n{"a":1}\n{"a":"\377"}\n' >badutf.json
check "invalid UTF-8 in JSON exits 65" 65 rec-cat badutf.json
check_err "invalid UTF-8 named with record 3" "record 3: malformed JSON at byte 7: invalid UTF-8 in a string"
printf '{"a":1}\n' >want; head -n 0 want
rec-cat badutf.json >partial 2>/dev/null
printf '{"a":1}\n{"a":1}\n' >want; same want partial; ok $? "records before the bad one are passed on"
printf '{"a":1}\n[1,2]\n' >notobj.json
check "a non-object record exits 65" 65 rec-cat notobj.json
check_err "non-object named" "record 2: not a JSON object (each record is one object)"
printf '{"a":01}\n' >lead0.json
check "leading zero is malformed" 65 rec-cat lead0.json
check_err "leading zero message" "record 1: malformed JSON at byte 7: ',' or '}' expected in an object"
python3 -c 'print("{\"a\":" + "[" * 40 + "]" * 40 + "}")' >deep.json
check "JSON nested deeper than 32 exits 65" 65 rec-cat deep.json
check_err "depth message" "record 1: malformed JSON at byte 37: nested deeper than 32 levels"
printf '{"s":"\\ud800"}\n' >surr.json
check "lone surrogate exits 65" 65 rec-cat surr.json
check_err "lone surrogate message" "lone high surrogate"
# malformed MessagePack
head -c 30 values.mp >trunc.mp
check "truncated MessagePack exits 65" 65 rec-cat trunc.mp
check_err "truncated MessagePack message" "rec-cat: trunc.mp: record 1: truncated MessagePack (input ends inside a record)"
printf '\201\241a\241\377' >badutf.mp
check "invalid UTF-8 in MessagePack exits 65" 65 rec-cat badutf.mp
check_err "MessagePack UTF-8 message names the field" "record 1: a: invalid UTF-8 in a string"
printf '\201\001\241x' >intkey.mp
check "integer map key exits 65" 65 rec-cat intkey.mp
check_err "integer key message" "record 1: map key is not a string"
done_testing
