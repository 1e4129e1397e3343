#!/bin/sh
# dbx-cdf-read killed (kill -9) while it settles the checkpoint a killed run left: the wrapper
# exited with the helper's 137, a status outside the table (CI's kill loop, tests/0710, hit it
# once). Now: 75 (run again), a message, the checkpoint and the pending range as they were, and
# the next run settles them.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 8
sync_start
check "a first run" 0 dbx-insider-sync "$CONF"
[ "$(state_version)" = 2 ]; ok $? "checkpoint at version 2"
# what a run killed before Insider acknowledged anything leaves: the range it was reading
printf '{"table":"main.shop.orders","from":3,"to":3,"snapshot":false,"started":"2026-12-03T10:00:00Z"}\n' >"$SD/state.json.pending"
cp "$SD/state.json" state.before
# a dbx-cdf-read that is killed when it settles
mkdir -p fake
real=$(command -v dbx-cdf-read)
cat >fake/dbx-cdf-read <<EOS
#!/bin/sh
for a; do [ "\$a" = --state-settle ] && kill -9 \$\$; done
exec "$real" "\$@"
EOS
chmod +x fake/dbx-cdf-read
PATH=$T/fake:$PATH run 75 dbx-insider-sync "$CONF"
ok $? "dbx-cdf-read killed while settling: exit 75 (not its 137)"
check_err "it says so" "dbx-insider-sync: dbx-cdf-read ended by signal 9 while reading or settling the checkpoint: it is as it was; run again"
cmp -s state.before "$SD/state.json" && [ -e "$SD/state.json.pending" ]; ok $? "the checkpoint and the pending range are as they were"
check "the next run settles and goes on" 0 dbx-insider-sync "$CONF"
[ ! -e "$SD/state.json.pending" ]; ok $? "no pending range left"
[ "$(state_version)" -ge 2 ]; ok $? "the checkpoint did not go back ($(state_version))"
