#!/bin/sh
# dbx-cdf-read: every Databricks type of the reference (section 6) as the emulator renders it
# in JSON_ARRAY, converted per the manifest; the same records whatever the session time zone.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 10
emu_start
pat
check 'all types' 0 dbx-cdf-read shop.types.all_types
check_out 'typed values: exact integers, decimals, UTC timestamps, arrays, objects, nulls' "$DD/all-types.json"
check 'schema' 0 dbx-cdf-read --schema shop.types.all_types
grep -q '{"name":"c_struct","type":"STRUCT<street: STRING, zip: INT, seen: TIMESTAMP, amount: DECIMAL(5,2), tags: ARRAY<STRING>>"}' out
ok $? 'Databricks type text kept'
grep -q '^{"_schema":{"table":"shop.types.all_types","columns":\[{"name":"id","type":"INT"},{"name":"c_tinyint","type":"TINYINT"}' out
ok $? 'one _schema record'
kill $(echo $EMU_PIDS) 2>/dev/null
emu_start --session-tz America/Los_Angeles
pat
check 'a session with an offset' 0 dbx-cdf-read shop.types.all_types
check_out 'same records: offsets converted to UTC, nested ones too' "$DD/all-types.json"
check 'msgpack' 0 dbx-cdf-read --msgpack shop.types.all_types
mv out mp.bin
check 'reads back' 0 rec-cat -j mp.bin
check_out 'the same records through MessagePack' "$DD/all-types.json"
done_testing
