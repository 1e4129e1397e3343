#!/bin/sh
# dbx-cdf-read: first run = snapshot at the pinned latest version, then incremental reads with
# --state after new commits (POST /_emu/commit), the pending file, change-type filtering.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 29
emu_start
oauth
TBL=shop.crm.customers

check 'snapshot without state' 0 dbx-cdf-read $TBL
check_out 'snapshot rows are inserts at the latest version' "$DD/customers-v2-snapshot.json"
check_err 'snapshot summary' 'dbx-cdf-read: read versions 2..2: 3 rows (0 dropped)'

check 'first run with --state is a snapshot' 0 dbx-cdf-read --state st.json $TBL
check_out 'same rows' "$DD/customers-v2-snapshot.json"
[ ! -e st.json ]; ok $? 'the state file itself is never written'
python3 -c 'import json,sys; p=json.load(open("st.json.pending"))
sys.exit(0 if (p["table"],p["from"],p["to"],p["snapshot"])==("shop.crm.customers",2,2,True) and p["started"].endswith("Z") else 1)'
ok $? 'pending file: from 2 to 2, snapshot'

# the wrapper commits the state after a good run
rm st.json.pending
printf '{"table":"shop.crm.customers","version":2,"updated":"2026-11-26T12:00:00Z"}\n' >st.json
check 'up to date' 0 dbx-cdf-read --state st.json $TBL
[ ! -s out ]; ok $? 'nothing written when up to date'
check_err 'says so' 'dbx-cdf-read: up to date at version 2'
[ ! -e st.json.pending ]; ok $? 'no pending file when up to date'

ctl commit $TBL '{"version":3,"timestamp":"2026-02-04T12:00:00Z","operation":"MERGE",
 "update":[{"before":{"id":1,"email":"ada@example.com","score":"12.50","vip":true,"seen":"2026-02-02T09:59:00.250Z","tags":["a","b"]},
            "after":{"id":1,"email":"ada@example.com","score":"13.00","vip":true,"seen":"2026-02-04T08:00:00+01:00","tags":["a"]}}],
 "delete":[{"id":4,"email":"di@example.com","score":"100.00","vip":false,"seen":"2026-02-03T10:30:00Z","tags":["y","z"]}],
 "insert":[{"id":5,"email":"eve@example.com","score":"1.00","vip":false,"seen":null,"tags":null}]}'
ok $? 'commit version 3'
check 'first incremental read' 0 dbx-cdf-read --state st.json $TBL
check_out 'postimage and insert of version 3' "$DD/customers-v3.json"
check_err 'preimage and delete dropped, counted' 'dbx-cdf-read: read versions 3..3: 2 rows (2 dropped)'
python3 -c 'import json,sys; p=json.load(open("st.json.pending"))
sys.exit(0 if (p["from"],p["to"],p["snapshot"])==(3,3,False) else 1)'
ok $? 'pending file: from 3 to 3'

printf '{"table":"shop.crm.customers","version":3}\n' >st.json
rm st.json.pending
ctl commit $TBL '{"version":4,"timestamp":"2026-02-05T00:00:00Z","operation":"WRITE","insert":[{"id":6,"email":"fay@example.com","score":"2.00","vip":true,"seen":null,"tags":[]}]}'
ok $? 'commit version 4'
ctl commit $TBL '{"version":5,"timestamp":"2026-02-06T00:00:00Z","operation":"WRITE","insert":[{"id":7,"email":"gus@example.com","score":"3.00","vip":false,"seen":null,"tags":[]}]}'
ok $? 'commit version 5'
check 'second incremental read' 0 dbx-cdf-read --state st.json $TBL
check_out 'versions 4 and 5 in order' "$DD/customers-v4-5.json"
check_err 'summary' 'dbx-cdf-read: read versions 4..5: 2 rows (0 dropped)'

check 'explicit range, every change type' 0 dbx-cdf-read --from-version 1 --to-version 2 --change-types all $TBL
check_out 'preimage, postimage, delete, insert in commit order' "$DD/customers-v1-2-all.json"

check 'msgpack output' 0 dbx-cdf-read --msgpack --from-version 1 --to-version 2 --change-types all $TBL
head -c1 out | od -An -tx1 | grep -q ' 8[0-9a-f]'; ok $? 'first byte is a MessagePack map'
mv out mp.bin
check 'same records as MessagePack' 0 rec-cat -j mp.bin
check_out 'rec-cat gives the JSON back' "$DD/customers-v1-2-all.json"

check 'a state file of another table is refused' 78 dbx-cdf-read --state st.json shop.crm.vacuumed
check_err 'names both' 'state file st.json belongs to table shop.crm.customers, not shop.crm.vacuumed'
done_testing
