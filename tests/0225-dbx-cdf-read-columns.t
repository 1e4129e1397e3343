#!/bin/sh
# dbx-cdf-read reads only what it is told (#11.5): --columns LIST names the columns in the
# SELECT (plus the CDF metadata columns), validated, quoted, an unknown one refused with "did
# you mean"; --from-timestamp TS starts at the first version committed at or after TS.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 33
emu_start
pat
lastsql() { requests | jq -r 'select(.method == "POST" and .path == "/api/2.0/sql/statements/") | .body.statement' | tail -n1; }

check '#11.5 --columns on a change read' 0 dbx-cdf-read --columns id,email --from-version 1 --change-types all shop.crm.customers
[ "$(lastsql)" = "SELECT \`id\`, \`email\`, \`_change_type\`, \`_commit_version\`, \`_commit_timestamp\` FROM table_changes('\`shop\`.\`crm\`.\`customers\`', 1, 2) ORDER BY _commit_version" ]
ok $? '#11.5 the SELECT names the columns and the CDF columns, quoted'
head -n1 out | jq -c 'keys' >got
echo '["_change_type","_commit_timestamp","_commit_version","email","id"]' >want
same want got; ok $? '#11.5 records hold only those columns'
check_err '#11.5 every row' 'read versions 1..2: 7 rows (0 dropped)'
check '#11.5 --columns on a snapshot' 0 dbx-cdf-read --snapshot --columns ' email , id' shop.crm.customers
[ "$(lastsql)" = 'SELECT `email`, `id` FROM `shop`.`crm`.`customers` VERSION AS OF 2' ]; ok $? '#11.5 snapshot SELECT'
head -n1 out | jq -c 'keys' >got
same want got; ok $? '#11.5 snapshot records: the columns and the CDF columns'
check '#11.5 a column in another case' 0 dbx-cdf-read --snapshot --columns ID,Email shop.crm.customers
[ "$(lastsql)" = 'SELECT `id`, `email` FROM `shop`.`crm`.`customers` VERSION AS OF 2' ]; ok $? '#11.5 in the table'"'"'s spelling'
check '#11.5 a column named twice' 0 dbx-cdf-read --snapshot --columns id,email,id shop.crm.customers
[ "$(lastsql)" = 'SELECT `id`, `email` FROM `shop`.`crm`.`customers` VERSION AS OF 2' ]; ok $? '#11.5 selected once'
check '#11.5 an unknown column' 78 dbx-cdf-read --columns id,emial shop.crm.customers
check_err '#11.5 did you mean' "--columns: table shop.crm.customers has no column 'emial' (did you mean email?)"
[ "$(nreq POST '^/api/2.0/sql/statements/$')" -ge 1 ]; ok $? '#11.5 checked against the table'
check '#11.5 a name that cannot be quoted safely' 64 dbx-cdf-read --columns 'id,a`b' shop.crm.customers
check_err '#11.5 says which' "--columns: bad character \` in name 'a\`b'"
check '#11.5 an empty list' 64 dbx-cdf-read --columns ' , ' shop.crm.customers
check '#11.5 --columns with --verify' 64 dbx-cdf-read --verify --columns id shop.crm.customers
check '#11.5 --columns with --shard on another column' 0 dbx-cdf-read --snapshot --columns id --shard 0/2 --shard-key email shop.crm.customers

# --from-timestamp: versions 1 (2026-02-02T10:00:00Z) and 2 (2026-02-03T11:00:00Z)
check '#11.5 --from-timestamp between two commits' 0 dbx-cdf-read --from-timestamp '2026-02-02 12:00:00' shop.crm.customers
check_err '#11.5 starts at the next version' 'read versions 2..2:'
check '#11.5 --from-timestamp at a commit' 0 dbx-cdf-read --from-timestamp 2026-02-02T10:00:00Z shop.crm.customers
check_err '#11.5 that version is read' 'read versions 1..2:'
check '#11.5 --from-timestamp with an offset' 0 dbx-cdf-read --from-timestamp 2026-02-03T12:30:00+02:00 shop.crm.customers
check_err '#11.5 10:30Z: version 2' 'read versions 2..2:'
check '#11.5 a date alone' 0 dbx-cdf-read --from-timestamp 2026-02-03 shop.crm.customers
check_err '#11.5 midnight UTC' 'read versions 2..2:'
check '#11.5 after the last commit' 0 dbx-cdf-read --from-timestamp 2030-01-01 shop.crm.customers
check_err '#11.5 nothing to do' 'no commit at or after 2030-01-01: nothing to do'
check '#11.5 not a timestamp' 64 dbx-cdf-read --from-timestamp yesterday shop.crm.customers
check '#11.5 before the history kept' 78 dbx-cdf-read --from-timestamp 2020-01-01 shop.crm.log_truncated
check_err '#11.5 says so' 'is before the oldest version in the table'"'"'s history (version 3'
check '#11.5 with --from-version' 64 dbx-cdf-read --from-timestamp 2026-02-03 --from-version 1 shop.crm.customers
done_testing
