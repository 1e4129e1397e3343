#!/bin/sh
# Run directories sort by time (--status, --reconcile and the runs' clean-up take the last
# name as the newest). A run id is the start second and the process id: two runs in one
# second (back-to-back runs, now that a small run takes well under a second) sorted by their
# process ids, as text: a later run with a lower or shorter pid sorted first; --status
# listed the rejects of the wrong runs, --reconcile could take an older run. A new run now
# always sorts after every run before it.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 5
sync_start
check "a first run" 0 dbx-insider-sync "$CONF"
# a run of the same second (or the next) whose pid sorts after any this run can have
future=$(date -u -d "@$(($(date +%s) + 1))" +%Y%m%dT%H%M%SZ)-99999999
mkdir -p "$SD/runs/$future"
printf '{"run":"%s","result":"ok","exit":0}\n' "$future" >"$SD/runs/$future/summary.json"
check "a run right after it" 0 dbx-insider-sync "$CONF"
new=$(jq -r .run "$(last_run)summary.json")
[ "$new" != "$future" ]; ok $? "the newest run directory is the run just made ($new), not the one before it"
jq -se '.[-1].run' "$SD/runs.log" | grep -q "\"$new\""; ok $? "runs.log's last line is that run"
# a clock set back by more than a few seconds is not waited for
old=$(ls -1 "$SD/runs" | wc -l)
mkdir -p "$SD/runs/29991231T000000Z-1"
before=$(date +%s)
run 0 dbx-insider-sync "$CONF"
[ $(( $(date +%s) - before )) -lt 20 ] && [ "$(ls -1 "$SD/runs" | wc -l)" -eq $((old + 2)) ]
ok $? "a run directory far in the future (a clock set back) does not hold a run"
