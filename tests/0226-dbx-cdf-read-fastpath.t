#!/bin/sh
# dbx-cdf-read (#14.2): external link chunks go through the JSON_ARRAY scanner and MessagePack
# records are written straight from the rows; DBXI_DBX_GENERIC=1 takes the generic parser and
# record builder instead. Both give the same bytes, and a bad chunk the same message and exit
# status. (tests/fuzz/fuzz_dbx_chunk.c and fuzz_dbx_fast.c compare them on random input.)
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 20
emu_start --link-rows 1
pat
T1=shop.web.t1
check '#14.2 all types, one link per row' 0 dbx-cdf-read shop.types.all_types
check_out '#14.2 all types: the same records' "$DD/all-types.json"
check '#14.2 all types, MessagePack' 0 dbx-cdf-read -M shop.types.all_types
mv out fast.mp
check '#14.2 all types, MessagePack, generic way' 0 env DBXI_DBX_GENERIC=1 dbx-cdf-read -M shop.types.all_types
cmp fast.mp out; ok $? '#14.2 all types: the same MessagePack bytes both ways'
check '#14.2 customers 1..5, MessagePack' 0 dbx-cdf-read -M --from-version 1 shop.crm.customers
mv out fast.mp
check '#14.2 customers 1..5, generic way' 0 env DBXI_DBX_GENERIC=1 dbx-cdf-read -M --from-version 1 shop.crm.customers
cmp fast.mp out; ok $? '#14.2 customers: the same MessagePack bytes both ways'

# a link body with escapes of every kind: the same values both ways
body='[["7","q\"b\\\\/\/\b\f\n\r\t\u00e9\ud83d\ude00 é","insert","1","2026-02-02T00:00:00.000Z"]]'
fault=$(jq -nc --arg b "$body" '{path_prefix:"/_links/",status:200,body:$b,count:1}')
ctl fault "$fault"
check '#14.2 escapes: read' 0 dbx-cdf-read -M --from-version 1 --to-version 1 $T1
mv out fast.mp
ctl fault "$fault"
check '#14.2 escapes: read the generic way' 0 env DBXI_DBX_GENERIC=1 dbx-cdf-read -M --from-version 1 --to-version 1 $T1
cmp fast.mp out; ok $? '#14.2 escapes: the same bytes both ways'
rec-cat -j fast.mp >got.json
printf '%s\n' '{"id":7,"v":"q\"b\\\\//\b\f\n\r\té😀 é","_change_type":"insert","_commit_version":1,"_commit_timestamp":"2026-02-02T00:00:00.000Z"}' >want.json
same want.json got.json; ok $? '#14.2 escapes: decoded'

# a lone surrogate escape: not JSON text; the same error both ways
fault=$(jq -nc '{path_prefix:"/_links/",status:200,body:"[[\"1\",\"a\\ud800\",\"insert\",\"1\",\"2026-02-02T00:00:00.000Z\"]]",count:1}')
ctl fault "$fault"
check '#14.2 a lone surrogate in a chunk: exit 69' 69 dbx-cdf-read -M --from-version 1 --to-version 1 $T1
check_err '#14.2 a lone surrogate: message' 'chunk 0: the link did not return a JSON array'
mv err fast.err
ctl fault "$fault"
check '#14.2 a lone surrogate, generic way: exit 69' 69 env DBXI_DBX_GENERIC=1 dbx-cdf-read -M --from-version 1 --to-version 1 $T1
sed 's/statement [^ ]*:/statement S:/' fast.err >a; sed 's/statement [^ ]*:/statement S:/' err >b
same a b; ok $? '#14.2 a lone surrogate: the same message both ways'

# a row of the wrong width
fault=$(jq -nc '{path_prefix:"/_links/",status:200,body:"[[\"1\",null]]",count:1}')
ctl fault "$fault"
check '#14.2 a row of 2 values for 5 columns: exit 69' 69 dbx-cdf-read -M --from-version 1 --to-version 1 $T1
check_err '#14.2 a short row: message' ': row 1 has 2 values, the manifest 5 columns'
mv err fast.err
ctl fault "$fault"
check '#14.2 a short row, generic way: exit 69' 69 env DBXI_DBX_GENERIC=1 dbx-cdf-read -M --from-version 1 --to-version 1 $T1
sed 's/statement [^ ]*:/statement S:/' fast.err >a; sed 's/statement [^ ]*:/statement S:/' err >b
same a b; ok $? '#14.2 a short row: the same message both ways'
done_testing
