#!/bin/sh
# #10.8 / #11.1 the state's one parser and its settle rules (dbx-cdf-read --state-show,
# --state-settle): no network, no credentials.
. "$DBXI_ROOT/tests/lib.sh"
plan 23
TBL=main.win.users
st() { printf '%s\n' "$1" >st.json; }
pend() { printf '%s\n' "$1" >st.json.pending; }
prog() { printf '%s\n' "$1" >prog.json; }
settle() { dbx-cdf-read --state-settle --progress prog.json --state st.json $TBL; }
holds() { jq -e "$1" st.json >/dev/null || { echo "# state: $(cat st.json)" >&2; false; }; }

check "no state yet: --state-show prints nothing" 0 dbx-cdf-read --state-show --state st.json $TBL
[ ! -s out ]; ok $? "... and exits 0"

st '{"table":"main.win.users","version":4}'
pend '{"table":"main.win.users","from":5,"to":9,"snapshot":false,"key":"email","split":[[7,4]]}'
prog '{"through_version":6,"window":{"version":7,"done":2},"delivered":1}'
check "#11.1 settle inside a big version of a range" 0 settle
holds '.version == 6 and .window == {"version":7,"snapshot":false,"key":"email","count":4,"done":2}'
ok $? "#11.1 the versions before it and its windows delivered"
check "#11.1 --state-show prints the state read back" 0 dbx-cdf-read --state-show --state st.json $TBL
jq -e '.version == 6 and .window.done == 2' out >/dev/null; ok $? "#11.1 ... the same"
prog '{"through_version":6,"window":{"version":7,"done":4}}'
check "#11.1 every window of the version delivered" 0 settle
holds '.version == 7 and (has("window") | not)'; ok $? "#11.1 the version counts as complete"
prog '{"through_version":12}'
check "#11.1 progress beyond the pending range" 0 settle
holds '.version == 9'; ok $? "#11.1 is clamped at the range's end"
prog '{"through_version":5}'
check "#11.1 progress behind the state" 0 settle
holds '.version == 9'; ok $? "#11.1 never goes back"
prog '{"through_version":"x"}'
check "malformed progress is refused" 78 settle
check_err "... with the file named" "progress file prog.json: malformed"
pend '{"table":"main.other.t","from":5,"to":9,"snapshot":false}'
prog '{"through_version":9}'
check "a pending file of another table is refused" 78 settle
rm -f st.json.pending
check "no pending file: nothing to settle" 0 settle
holds '.version == 9'; ok $? "the state is unchanged"

st '{"table":"main.win.users","version":4,"window":{"version":9,"snapshot":false,"key":"email","count":4,"done":1}}'
check "#10.8 a window that does not follow the version is refused" 78 dbx-cdf-read --state-show --state st.json $TBL
check_err "... saying why" "the window's version 9 must follow \"version\" 4"
st '{"table":"main.win.users","version":4,"window":{"version":5,"snapshot":false,"key":"email","count":4,"done":4}}'
check "#10.8 a window with done >= count is refused" 78 dbx-cdf-read --state-show --state st.json $TBL
st '{"table":"main.other.t","version":4}'
check "#10.8 another table's state is refused" 78 dbx-cdf-read --state-show --state st.json $TBL
check_err "... naming both" "belongs to table main.other.t, not main.win.users"
st '{"table":"main.win.users","version":4,"window":{"version":5,"snapshot":false,"key":"email","count":4,"done":1,"done":2}}'
check "#10.8 a duplicate key inside the window is refused" 78 dbx-cdf-read --state-show --state st.json $TBL
done_testing
