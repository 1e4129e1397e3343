#!/bin/sh
# rec-cat: limits, binary input, MessagePack types JSON lacks, output errors, usage.
. "$DBXI_ROOT/tests/lib.sh"
plan 38

# a 100 MB line without a newline, cut short: over the cap and truncated: malformed input,
# read by streaming (memory stays bounded; #10.2: a complete one is skipped, see 0012)
python3 -c 'import sys; sys.stdout.write("{\"a\":\"" + "x" * (100 << 20))' >big.json
check "a truncated 100 MB record is refused" 65 rec-cat big.json
check_err "truncated big record message" "rec-cat: big.json: record 1: malformed JSON at byte 104857607: unexpected end of input inside a value (truncated record)"
printf '{"a":"%s"}\n' "$(python3 -c 'print("y" * 5000)')" >mid.json
DBXI_MAX_RECORD=4096 rec-cat mid.json >out 2>err; got=$?
[ $got -eq 0 ] && [ ! -s out ] && grep -qF "record 1: record of 5008 bytes is over the record size limit of 4096 bytes" err; ok $? "DBXI_MAX_RECORD lowers the cap"
DBXI_MAX_RECORD=8192 rec-cat --count mid.json >out 2>err; got=$?
[ $got -eq 0 ] && [ "$(cat out)" = 1 ]; ok $? "DBXI_MAX_RECORD raises it again"
# MessagePack record over the cap
rec-cat -M mid.json >mid.mp
DBXI_MAX_RECORD=4096 rec-cat mid.mp >out 2>err; got=$?
[ $got -eq 0 ] && [ ! -s out ] && grep -qF "record 1: record of 5006 bytes is over the record size limit of 4096 bytes" err; ok $? "MessagePack record over the cap"

head -c 4096 /dev/urandom >garbage.bin
printf '\001\002\003' | cat - garbage.bin >garbage
check "binary garbage exits 65" 65 rec-cat garbage
check_err "garbage is named as record 1" "rec-cat: garbage: record 1: malformed JSON at byte 1: unexpected character (a JSON value expected)"
printf '\201\241a\301' >badtype.mp
check "MessagePack reserved byte exits 65" 65 rec-cat badtype.mp
check_err "bad type byte message" "record 1: malformed MessagePack: reserved type byte 0xc1"
python3 -c '
import sys
b = bytes([0x81, 0xa1, 0x61]) + bytes([0x91]) * 40 + bytes([0xc0])
sys.stdout.buffer.write(b)' >deep.mp
check "MessagePack nested deeper than 32 exits 65" 65 rec-cat deep.mp
check_err "deep MessagePack message" "record 1: malformed MessagePack: nested deeper than 32 levels"
# regression (found by fuzzing): a map32 header announcing 146 million entries made
# msgpack-c allocate 4 GB before any entry was read
printf '\337\010\270\003\126\241a' >hugemap.mp
check "a huge map header is not trusted" 65 rec-cat hugemap.mp
check_err "huge header: truncated" "record 1: truncated MessagePack (input ends inside a record)"
# depth: 32 nested containers are fine in both forms, 33 are not
python3 -c 'print("{\"a\":" + "[" * 31 + "]" * 31 + "}")' >d32.json
rec-cat -M d32.json >d32.mp 2>err; rec-cat d32.mp >out 2>err; got=$?
[ $got -eq 0 ] && cmp -s out d32.json; ok $? "32 levels pass in JSON and MessagePack"
python3 -c 'print("{\"a\":" + "[" * 32 + "]" * 32 + "}")' >d33.json
check "33 levels refused" 65 rec-cat d33.json
# floats (from other MessagePack writers) come out in their shortest exact form
printf '\203\241f\313\077\361\231\231\231\231\231\232\241g\313\103\100\000\000\000\000\000\000\241h\312\077\300\000\000' >float.mp
check "float64 and float32 to JSON" 0 rec-cat float.mp
printf '{"f":1.1,"g":9007199254740992.0,"h":1.5}\n' >want; check_out "shortest round-trip floats" want
printf '\201\241x\313\177\370\000\000\000\000\000\000' >nan.mp
check "NaN exits 65" 65 rec-cat nan.mp
check_err "NaN message" "record 1: x: NaN or infinite float (JSON cannot carry it)"
printf '\201\241b\304\002hi' >bin.mp
check "bin value exits 65" 65 rec-cat bin.mp
check_err "bin message" "record 1: b: binary value (records carry text: encode it as a string)"
printf '\201\241e\324\007\001' >ext.mp
check "unknown ext exits 65" 65 rec-cat ext.mp
check_err "ext message" "record 1: e: unknown MessagePack extension type"
printf '\201\241d\307\003\001a.b' >baddec.mp
check "bad decimal ext exits 65" 65 rec-cat baddec.mp
check_err "decimal ext message" "record 1: d: decimal extension is not a JSON number"
printf '\222\001\002' >arr.mp
check "top-level MessagePack array exits 65" 65 rec-cat arr.mp
# stdin, files, usage
printf '{"x":1}\n' | rec-cat - >out 2>err; got=$?
[ $got -eq 0 ] && [ "$(cat out)" = '{"x":1}' ]; ok $? "reads stdin as -"
check "a missing file is a usage error" 64 rec-cat no-such-file
check_err "missing file message" "rec-cat: cannot open no-such-file: No such file or directory"
check "unknown option" 64 rec-cat --bogus
check_err "unknown option names rec-cat" "usage: rec-cat [-j | -M | -p] [--count] [--record N] [FILE ...]"
check "help to stdout" 0 rec-cat --help
grep -qF "usage: rec-cat [-j | -M | -p] [--count] [--record N] [FILE ...]" out; ok $? "help shows the usage"
printf '{"a":1}\n' >one.json
check "record past the end" 65 rec-cat --record 2 one.json
check_err "record past the end message" "rec-cat: there is no record 2: the input has 1"
# output errors: a full disk is a temporary failure; a closed pipe ends quietly
rec-cat one.json >/dev/full 2>err; got=$?
[ $got -eq 75 ] && grep -qF "rec-cat: writing output: No space left on device" err; ok $? "write error exits 75 with a message"
python3 -c '
import sys
for i in range(200000): sys.stdout.write("{\"i\":%d}\n" % i)' >many.json
( rec-cat many.json 2>err; echo $? >status ) | head -n 1 >first
[ "$(cat first)" = '{"i":0}' ] && [ ! -s err ]; ok $? "closed downstream pipe: no message"
st=$(cat status); [ "$st" -eq 141 ] || [ "$st" -eq 0 ]; ok $? "closed downstream pipe: ends by SIGPIPE ($st)"
done_testing
