#!/bin/sh
# #11.1 dbx-cdf-read reads in windows: a snapshot in key windows (records carry _window), a
# range grouped by DESCRIBE HISTORY's metrics with a big version in key windows, a resumed
# window state, an expired result executed again (never a row lost), the INLINE fallback, and
# the one state parser (--state-show, --state-settle, duplicates refused).
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 47
python3 "$DATA/windows/make-table.py" main.win.users 40 >tbl.json
start() { emu_start "$@" && pat && ctl table "$(cat tbl.json)"; }
TBL=main.win.users
start
rows() { jq -c 'del(._window)' "$1" | sort; } # the records without their window


check "a plain snapshot" 0 dbx-cdf-read --snapshot $TBL
rows out >snap.all
[ "$(wc -l <snap.all)" -eq 50 ]; ok $? "50 rows at version 4"

# a snapshot in windows
check "#11.1 a snapshot in windows of 10 rows by email" 0 dbx-cdf-read --state st.json --window-rows 10 --window-key email $TBL
cp out snap.win
rows snap.win >got
same snap.all got; ok $? "#11.1 the windows together are the snapshot, each row once"
jq -r ._window snap.win | uniq | tr '\n' ' ' >got
[ "$(cat got)" = "0 1 2 3 4 " ]; ok $? "#11.1 records carry _window 0..4, in order (got: $(cat got))"
grep -F 'SELECT count(*) AS n FROM `main`.`win`.`users` VERSION AS OF 4' "$T/emu.log" >/dev/null; ok $? "#11.1 the window count comes from count(*) at the pinned version"
grep -F 'VERSION AS OF 4 WHERE pmod(hash(`email`), 5) = 3"' "$T/emu.log" >/dev/null; ok $? "#11.1 each window is one statement: WHERE pmod(hash(\`email\`), 5) = b"
jq -e '.snapshot == true and .from == 4 and .to == 4 and .key == "email" and .split == [[4,5]]' st.json.pending >/dev/null
ok $? "#11.1 the pending file names the windowed version, its count and key"

# resume a snapshot at its first undelivered window
printf '{"table":"%s","window":{"version":4,"snapshot":true,"key":"email","count":5,"done":3},"updated":"x"}\n' $TBL >st.json
n0=$(grep -c 'pmod(hash(`email`), 5) = [012]"' "$T/emu.log")
check "#11.1 a state with windows 0..2 delivered" 0 dbx-cdf-read --state st.json --window-rows 10 $TBL
check_err "#11.1 says where it resumes" "resuming the snapshot at version 4 at window 4 of 5 (windows 0..2 delivered)"
jq -c 'select(._window >= 3)' snap.win >want
same want out; ok $? "#11.1 it reads windows 3 and 4 only, with the state's key and count"
[ "$(grep -c 'pmod(hash(`email`), 5) = [012]"' "$T/emu.log")" = "$n0" ]; ok $? "#11.1 no statement for a delivered window"

# a range: versions grouped by the history's metrics; a big version in key windows
printf '{"table":"%s","version":0}\n' $TBL >st.json
check "the whole range in one statement" 0 dbx-cdf-read --from-version 1 --change-types all $TBL
cp out range.one
check "#11.1 a range in windows" 0 dbx-cdf-read --state st.json --window-rows 10 --window-key email --change-types all $TBL
cp out range.win
rows range.win >got; rows range.one >want
same want got; ok $? "#11.1 the range's windows together are the range"
jq -r ._commit_version range.win | uniq | tr '\n' ' ' >got
[ "$(cat got)" = "1 2 3 4 " ]; ok $? "#11.1 in _commit_version order"
grep -F "table_changes('\`main\`.\`win\`.\`users\`', 2, 3)" "$T/emu.log" >/dev/null; ok $? "#11.1 two small versions share a statement"
grep -F "table_changes('\`main\`.\`win\`.\`users\`', 4, 4) WHERE pmod(hash(\`email\`), 6) = 5 ORDER BY _commit_version" "$T/emu.log" >/dev/null
ok $? "#11.1 a version of 60 change rows is read in 6 key windows"
jq -e '.split == [[1,4],[4,6]] and .key == "email"' st.json.pending >/dev/null; ok $? "#11.1 pending lists both windowed versions"
jq -r 'select(._commit_version == 4) | ._window' range.win | uniq | tr '\n' ' ' >got
[ "$(cat got)" = "0 1 2 3 4 5 " ]; ok $? "#11.1 the big version's records carry _window"
jq -se 'map(select(._commit_version == 2 or ._commit_version == 3)) | length == 10 and all(has("_window") | not)' range.win >/dev/null; ok $? "#11.1 grouped versions carry no _window"
printf '{"table":"%s","version":3,"window":{"version":4,"snapshot":false,"key":"email","count":6,"done":4}}\n' $TBL >st.json
check "#11.1 a state inside a big version" 0 dbx-cdf-read --state st.json --change-types all $TBL
jq -c 'select(._commit_version == 4 and ._window >= 4)' range.win >want
same want out; ok $? "#11.1 it resumes at that version's window 5 of 6"

# the state's one parser
printf '{"table":"%s","version":1,"version":3}\n' $TBL >st.json
check "#10.8 a state with two version keys is refused" 78 dbx-cdf-read --state st.json $TBL
check_err "#10.8 ... naming the key" 'dbx-cdf-read: state file st.json: key "version" appears twice'
check "#10.8 --state-show refuses it too" 78 dbx-cdf-read --state-show --state st.json $TBL
printf '{"table":"%s","version":3,"updated":"2026-11-21T00:00:00Z"}\n' $TBL >st.json
check "#10.8 --state-show reads the old form" 0 dbx-cdf-read --state-show --state st.json $TBL
printf '{"table":"%s","version":3,"updated":"2026-11-21T00:00:00Z"}\n' $TBL >want
check_out "#10.8 ... as one JSON line" want
rm -f st.json
printf '{"table":"%s","from":4,"to":4,"snapshot":true,"key":"email","split":[[4,5]]}\n' $TBL >st.json.pending
printf '{"through_version":3,"window":{"version":4,"done":2},"delivered":20}\n' >prog.json
check "#11.1 settle: a snapshot interrupted after two windows" 0 dbx-cdf-read --state-settle --progress prog.json --state st.json $TBL
jq -e '(has("version") | not) and .window == {"version":4,"snapshot":true,"key":"email","count":5,"done":2}' st.json >/dev/null
ok $? "#11.1 the state keeps the snapshot's version and the windows delivered"
printf '{"through_version":3,"window":{"version":4,"done":1}}\n' >prog.json
check "#11.1 settle never goes back" 0 dbx-cdf-read --state-settle --progress prog.json --state st.json $TBL
jq -e '.window.done == 2' st.json >/dev/null; ok $? "#11.1 still two windows"
check "#11.1 settle --complete" 0 dbx-cdf-read --state-settle --complete --state st.json $TBL
jq -e '.version == 4 and (has("window") | not)' st.json >/dev/null; ok $? "#11.1 a complete run moves to the snapshot's version"

# an expired result is executed again; no row is lost
ctl fault '{"kind":"slow","seconds":0.1,"count":100000,"path_prefix":"/api/2.0/sql/statements/"}'
ctl config '{"result_ttl":1}'
check "#11.1 a snapshot whose result expires mid-way completes" 0 dbx-cdf-read --snapshot --window-key email $TBL
check_err "#11.1 says the result expired and how it goes on" "expired after"
rows out | uniq >got
same snap.all got; ok $? "#11.1 every row is there (some passed on twice)"
check "#11.1 without a key a version that keeps expiring fails 75" 75 dbx-cdf-read --from-version 1 --to-version 1 $TBL
check_err "#11.1 ... naming the way out" "give --window-key COLUMN (WINDOW_KEY)"
ctl reset
ctl config '{"result_ttl":3600}'

# INLINE fallback
ctl config '{"external_links":false}'
check "#11.1 a workspace without EXTERNAL_LINKS is read with INLINE" 0 dbx-cdf-read --snapshot $TBL
rows out >got
same snap.all got; ok $? "#11.1 the same rows"
[ "$(grep -c 'refuses EXTERNAL_LINKS' err)" = 1 ]; ok $? "#11.1 stated once on stderr"
ctl config '{"inline_limit":1500}'
check "#11.1 over INLINE's limit, windows split until they fit" 0 dbx-cdf-read --snapshot --window-key email $TBL
rows out >got
same snap.all got; ok $? "#11.1 the same rows, in smaller statements"
check "#11.1 over INLINE's limit without a key: 78" 78 dbx-cdf-read --snapshot $TBL
check "#11.1 a range over INLINE's limit: halves by version, a version by key" 0 dbx-cdf-read --from-version 1 --window-key email --change-types all $TBL
rows out >got; rows range.one >want
same want got; ok $? "#11.1 the same change rows, in _commit_version order"
done_testing
