#!/bin/sh
# dbx-cdf-read --shard K/N --shard-key COLUMN: the shards of a table are disjoint and together
# are the whole; the column name is validated and quoted in the SQL; usage errors.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 14
emu_start
pat
TBL=shop.crm.customers

check "the whole table" 0 dbx-cdf-read --from-version 1 $TBL
sort out >all
[ "$(wc -l <all)" -ge 3 ]; ok $? "some rows to shard"
: >union
for k in 0 1 2; do
	dbx-cdf-read --from-version 1 --shard "$k/3" --shard-key email $TBL >s$k 2>err || echo "# shard $k failed" >&2
	cat s$k >>union
done
sort union >u
same all u; ok $? "the three change-feed shards together are the whole, each row once"
check "a snapshot shard" 0 dbx-cdf-read --snapshot --shard 0/2 --shard-key email $TBL
cp out snap0
check "the other snapshot shard" 0 dbx-cdf-read --snapshot --shard 1/2 --shard-key email $TBL
cat snap0 out | sort >snapu
dbx-cdf-read --snapshot $TBL 2>/dev/null | sort >snapall
same snapall snapu; ok $? "the two snapshot shards together are the snapshot"
grep -F 'WHERE pmod(hash(`email`), 3) = 1 ORDER BY _commit_version"' "$T/emu.log" >/dev/null
ok $? "the shard goes to the warehouse as WHERE pmod(hash(\`email\`), 3) = 1"
check "a column that is not a name" 64 dbx-cdf-read --from-version 1 --shard 0/2 --shard-key 'email`) OR 1=1 --' $TBL
check_err "bad column message" "dbx-cdf-read: --shard-key: "
grep -F 'OR 1=1' "$T/emu.log" >/dev/null; [ $? -eq 1 ]; ok $? "nothing of it reached the warehouse"
check "K not below N" 64 dbx-cdf-read --shard 2/2 --shard-key email $TBL
check_err "K/N message" "dbx-cdf-read: --shard: K/N with 0 <= K < N <= 4096, not '2/2'"
check "--shard without --shard-key" 64 dbx-cdf-read --shard 0/2 $TBL
check_err "together message" "dbx-cdf-read: --shard and --shard-key go together"
done_testing
