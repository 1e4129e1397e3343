#!/bin/sh
# --status during a windowed read (#11.1, #12 §3): a first snapshot under way, a big version
# read in windows, and a run killed before it settled all say how far the windows got and
# where the next run resumes; never "checkpoint: version  (...)" with the version missing.
. "$DBXI_ROOT/tests/lib.sh"
plan 10
cat >c.conf <<'CONF'
TABLE=main.win.users
MAPPING=map.json
STATE_DIR=sd
CONF
echo '{}' >map.json
mkdir sd
status() { dbx-insider-sync --status c.conf; }

# a first snapshot stopped (settled) after two of its five windows
echo '{"table":"main.win.users","window":{"version":4,"snapshot":true,"key":"email","count":5,"done":2},"updated":"2026-12-02T10:00:00Z"}' >sd/state.json
check "status of a first snapshot under way" 0 status
grep -x 'checkpoint: none yet (a first snapshot is under way)' out >/dev/null; ok $? "no checkpoint version yet, said so"
grep -x 'windows: the snapshot at version 4 in 5 key windows (email): 2 delivered; the next run resumes at window 3 of 5' out >/dev/null; ok $? "the snapshot's windows and where the next run resumes"
grep -q 'version  ' out; [ $? -eq 1 ]; ok $? "no empty version"

# a big version read in windows, and a run killed before it settled
echo '{"table":"main.win.users","version":4,"window":{"version":5,"snapshot":false,"key":"email","count":10,"done":3},"updated":"2026-12-02T10:00:00Z"}' >sd/state.json
echo '{"table":"main.win.users","from":5,"to":6,"snapshot":false,"started":"2026-12-02T11:00:00Z","key":"email","split":[[5,10]]}' >sd/state.json.pending
echo '{"through_version":4,"window":{"version":5,"done":6},"delivered":60,"rejected":1,"records":61}' >sd/progress.json
check "status of a windowed version and an unsettled run" 0 status
grep -x 'checkpoint: version 4 (2026-12-02T10:00:00Z)' out >/dev/null; ok $? "the checkpoint"
grep -x 'windows: version 5 in 10 key windows (email): 3 delivered; the next run resumes at window 4 of 10' out >/dev/null; ok $? "the version's windows"
grep -x 'pending: versions 5..6 of an unfinished run; insider-push acknowledged every change through version 4 and windows 1..6 of version 5 (the next run settles that first)' out >/dev/null; ok $? "what the unsettled run had delivered"

# killed before insider-push acknowledged anything
rm sd/progress.json sd/state.json
echo '{"table":"main.win.users","from":0,"to":4,"snapshot":true,"started":"2026-12-02T11:00:00Z","key":"email","split":[[4,5]]}' >sd/state.json.pending
check "status of a first snapshot killed early" 0 status
grep -x 'pending: the snapshot at version 4 of an unfinished run; insider-push acknowledged nothing yet' out >/dev/null; ok $? "an unfinished snapshot with nothing acknowledged"
done_testing
