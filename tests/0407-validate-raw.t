#!/bin/sh
# validate passes a record it does not change as the bytes it read when both sides are
# MessagePack (issue 14: no decode-and-encode of every passed record), and still re-encodes
# into JSON; a rejected record is not written.
. "$DBXI_ROOT/tests/lib.sh"
plan 5
# {"identifiers":{"uuid":"u1"},"attributes":{"name":"Ann"}}, "Ann" as str16 (a valid but
# not the smallest encoding: a re-encoding would write a3 41 6e 6e)
printf '\202\253identifiers\201\244uuid\242u1\252attributes\201\244name\332\000\003Ann' >in.mp
printf '\201\253identifiers\201\244uuid\242u2' >bad.mp
cat in.mp bad.mp in.mp >all.mp
check "MessagePack in and out" 0 validate --msgpack --rejects rej.ndjson <all.mp
cat in.mp in.mp >want.mp
cmp -s want.mp out; ok $? "the passed records are the input's own bytes"
jq -r '"\(.record_number) \(.rule)"' rej.ndjson >got
printf '2 user-empty\n' >want
same want got; ok $? "the record in between is rejected, not written"
check "MessagePack in, JSON out" 0 validate <in.mp
printf '{"identifiers":{"uuid":"u1"},"attributes":{"name":"Ann"}}\n' >want
check_out "JSON out is re-encoded" want
done_testing
