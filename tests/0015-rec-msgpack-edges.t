#!/bin/sh
# Issue 14 §2: the MessagePack reader decodes the common record in one pass and leaves anything
# else (cut off, malformed, too deep, too large, refused) to the scan-then-decode path. These
# are the edges of that split: each must end exactly as the two-pass reader ends it (same
# records, same message with the record number, same exit status). And the writer's short
# paths (short strings and small scalars inline) must write the smallest encodings.
. "$DBXI_ROOT/tests/lib.sh"
plan 40
unset DBXI_WIRE DBXI_MAX_RECORD

# mp.py NAME: writes NAME.mp, one good record {"a":"x","_m":1} then the case
python3 - <<'PY'
import struct
def s(b):
    b = b.encode() if isinstance(b, str) else b
    n = len(b)
    if n < 32: return bytes([0xa0 | n]) + b
    if n < 256: return bytes([0xd9, n]) + b
    return bytes([0xda]) + struct.pack('>H', n) + b
def m(*kv): return bytes([0x80 | len(kv)]) + b''.join(s(k) + v for k, v in kv)
good = m(('a', s('x')), ('_m', b'\x01'))
cases = {
    'd32': bytes([0x81]) + s('a') + bytes([0x91]) * 31 + b'\xc0',
    'd33': bytes([0x81]) + s('a') + bytes([0x91]) * 32 + b'\xc0',
    'cut': good[:-1],
    'cutkey': bytes([0x82]) + s('a'),
    'hugearr': bytes([0x81]) + s('a') + b'\xdd\x7f\xff\xff\xff\xc0',
    'utf8short': m(('a', s(b'ab\xffc'))),
    'utf8word': m(('a', s(b'abcdefgh\xc3(xx'))),
    'utf8mid': m(('a', s(b'a' * 16 + b'\xff' + b'bcd'))),
    'utf8long': m(('a', s(b'a' * 40 + b'\xed\xa0\x80'))),
    'utf8key': bytes([0x81]) + s(b'k\xff') + b'\xc0',
    'bin': m(('a', b'\xc4\x01x')),
    'nan': m(('a', b'\xcb\x7f\xf8' + b'\0' * 6)),
    'c1': m(('a', b'\xc1')),
    'intkey': bytes([0x81]) + b'\x01\xc0',
    'scalars': m(('n', b'\xc0'), ('t', b'\xc3'), ('f', b'\xc2'), ('i', b'\x7f'), ('j', b'\xcc\x80'),
                 ('k', b'\xe0'), ('l', b'\xd0\x80'), ('s', s('Zoë')), ('w', s('exactly 31 bytes of ascii text!')),
                 ('x', s('x' * 32)), ('d', b'\xd5\x0112'), ('e', b'\xd6\x011.25'), ('g', b'\xc7\x03\x011.5')),
}
def ext(t): return bytes([0xc7, len(t), 1]) + t.encode()
for i, t in enumerate(['01.5', '1.', '-', '00', '+1', '.5', '1.5x']):
    cases['badnum%d' % i] = m(('d', ext(t)))
cases['nums'] = m(('a', ext('-0.5')), ('b', ext('0')), ('c', ext('1e5')), ('d', ext('-12.250')),
                  ('e', ext('123456789012345678901234567890.125')))
for k, v in cases.items():
    open(k + '.mp', 'wb').write(good + v)
PY

check "#14.2 32 nested non-empty containers pass" 0 rec-cat d32.mp
check "#14.2 33 nested non-empty containers exit 65" 65 rec-cat d33.mp
check_err "#14.2 ... named as record 2, too deep" "rec-cat: d33.mp: record 2: malformed MessagePack: nested deeper than 32 levels"
check "#14.2 a record cut inside a value exits 65" 65 rec-cat cut.mp
check_err "#14.2 ... truncated, record 2" "rec-cat: cut.mp: record 2: truncated MessagePack (input ends inside a record)"
check "#14.2 a record cut after a key exits 65" 65 rec-cat cutkey.mp
check_err "#14.2 ... truncated, record 2 (key)" "rec-cat: cutkey.mp: record 2: truncated MessagePack (input ends inside a record)"
check "#14.2 an array32 header announcing 2^31 entries (7 bytes follow) exits 65" 65 rec-cat hugearr.mp
check_err "#14.2 ... truncated, no allocation" "rec-cat: hugearr.mp: record 2: truncated MessagePack (input ends inside a record)"
check "#14.2 invalid UTF-8 in a 4-byte string exits 65" 65 rec-cat utf8short.mp
check_err "#14.2 ... named with its field" "rec-cat: utf8short.mp: record 2: a: invalid UTF-8 in a string"
check "#14.2 invalid UTF-8 in a 12-byte string (two-word ASCII check) exits 65" 65 rec-cat utf8word.mp
check_err "#14.2 ... named with its field (12 bytes)" "rec-cat: utf8word.mp: record 2: a: invalid UTF-8 in a string"
check "#14.2 invalid UTF-8 at byte 17 of a 20-byte string (four-word ASCII check) exits 65" 65 rec-cat utf8mid.mp
check_err "#14.2 ... named with its field (20 bytes)" "rec-cat: utf8mid.mp: record 2: a: invalid UTF-8 in a string"
check "#14.2 a surrogate after 40 ASCII bytes exits 65" 65 rec-cat utf8long.mp
check_err "#14.2 ... named with its field (43 bytes)" "rec-cat: utf8long.mp: record 2: a: invalid UTF-8 in a string"
check "#14.2 invalid UTF-8 in a key exits 65" 65 rec-cat utf8key.mp
check_err "#14.2 ... a key" "rec-cat: utf8key.mp: record 2: invalid UTF-8 in a key"
check "#14.2 bin exits 65" 65 rec-cat bin.mp
check_err "#14.2 ... bin named" "rec-cat: bin.mp: record 2: a: "
check "#14.2 NaN exits 65" 65 rec-cat nan.mp
check "#14.2 reserved byte 0xc1 in a value exits 65" 65 rec-cat c1.mp
check_err "#14.2 ... malformed, record 2" "rec-cat: c1.mp: record 2: malformed MessagePack: reserved type byte 0xc1"
check "#14.2 an integer key exits 65" 65 rec-cat intkey.mp
# decimals (ext type 1): plain ones are told valid by a short check, the rest by the full one
for i in 0 1 2 3 4 5 6; do
	rec-cat badnum$i.mp >out 2>err; got=$?
	[ $got -eq 65 ] && grep -qF "rec-cat: badnum$i.mp: record 2: d: decimal extension is not a JSON number" err ||
	    { diag err; false; }; ok $? "#14.2 decimal text $i that is not a JSON number exits 65 with its field (exit $got)"
done
printf '{"a":"x","_m":1}\n{"a":-0.5,"b":0,"c":1e5,"d":-12.250,"e":123456789012345678901234567890.125}\n' >want
check "#14.2 valid decimal texts pass" 0 rec-cat nums.mp
check_out "#14.2 ... digit for digit" want
printf '{"a":"x","_m":1}\n{"n":null,"t":true,"f":false,"i":127,"j":128,"k":-32,"l":-128,"s":"Zoë","w":"exactly 31 bytes of ascii text!","x":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","d":12,"e":1.25,"g":1.5}\n' >want
check "#14.2 the inline scalar and string paths read" 0 rec-cat scalars.mp
check_out "#14.2 ... as JSON" want
# the writer: MessagePack out of the same values is byte for byte what came in (smallest forms:
# fixstr up to 31 bytes, str8 from 32; positive fixint, uint8, negative fixint, int8; fixext)
check "#14.2 the inline writer paths write" 0 rec-cat -M scalars.mp
cmp -s out scalars.mp; ok $? "#14.2 ... the same bytes (smallest encodings)"
# a record at the limit passes, one byte more is set aside (the one-pass reader checks the size)
python3 -c '
import sys
b = b"\x81\xa1a\xda" + (1024 - 6).to_bytes(2, "big") + b"y" * (1024 - 6)
open("want", "wb").write(b + b)
sys.stdout.buffer.write(b + b"\x81\xa1a\xda" + (1024 - 5).to_bytes(2, "big") + b"y" * (1024 - 5) + b)' >lim.mp
DBXI_MAX_RECORD=1024 rec-cat -M lim.mp >out 2>err; got=$?
[ $got -eq 0 ] && cmp -s out want; ok $? "#14.2 records of exactly the limit pass, the one a byte over is set aside (exit $got)"
check_err "#14.2 ... named with its size" "rec-cat: record 2: record of 1025 bytes is over the record size limit of 1024 bytes"
