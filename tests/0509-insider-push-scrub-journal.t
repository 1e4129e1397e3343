#!/bin/sh
# issue 10 items 12 and 14: no string that leaves insider-push carries the token (Insider's
# error keys included); a journal that cannot be written stops the run (78); every batch read
# but not sent has its journal line; --progress never replaces a file that is not regular.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 21
D=$DATA/insider-push
emu_start
head -n 1 "$D/users.ndjson" >one.ndjson

# item 12: a key and a message echoing the token
emu_fault '{"status":200,"body":{"data":{"successful":{},"fail":{"count":1,"errors":{"users.0.ins-test-token":["bad ins-test-token"],"users.0.attributes.ins-test-token.required(ins-test-token)":["x"]}}}},"count":1}'
check "#10.12 an error key holding the token" 0 insider-push --rejects r.ndjson --journal j.ndjson --progress p.json one.ndjson
grep -c 'ins-test-token' r.ndjson err j.ndjson p.json | tr '\n' ' ' >n
is "#10.12 the token in no rejects rule, field or message" "$(cat n)" "r.ndjson:0 err:0 j.ndjson:0 p.json:0 "
is "#10.12 the user rejected all the same" "$(wc -l <r.ndjson | tr -d ' ')" 1
emu_reset
emu_fault '{"status":200,"body":{"data":{"successful":{},"fail":{"count":1,"errors":{"users.7.ins-test-token":["x"]}}}},"count":5}'
check "#10.12 a key naming no user, with the token" 69 insider-push --backoff 5 --max-attempts 2 --journal j2.ndjson one.ndjson
grep -c 'ins-test-token' err j2.ndjson | tr '\n' ' ' >n
is "#10.12 the token not in warnings or the journal" "$(cat n)" "err:0 j2.ndjson:0 "
emu_reset
emu_fault '{"status":400,"body":{"error":"token ins-test-token is bad: bad request"},"count":100}'
check "#10.12 a 400 echoing the token" 0 insider-push --rejects r3.ndjson one.ndjson
grep -c 'ins-test-token' r3.ndjson err | tr '\n' ' ' >n
is "#10.12 not in the reject nor stderr" "$(cat n)" "r3.ndjson:0 err:0 "

# item 14: the journal cannot be written
emu_reset
check "#10.14 --journal /dev/full: 78" 78 insider-push --journal /dev/full "$D/users.ndjson"
check_err "#10.14 journal failure told" "journal /dev/full: cannot write"
emu_reset
check "#10.14 --journal /dev/full with a progress file: 78" 78 insider-push -b 2 -c 1 --journal /dev/full --progress pj.json "$D/users.ndjson"
is "#10.14 the progress does not pass the batch whose line was not written" "$(python3 -c 'import json; print(json.load(open("pj.json"))["through_version"])')" 4
is "#10.14 nothing further sent" "$(emu_stat requests)" 1

# item 14: a batch read but not sent gets an unsent line
emu_reset
emu_fault '{"status":403,"count":1}'
check "#10.14 stopped at the first request" 77 insider-push -b 2 -c 1 --journal j4.ndjson --progress p4.json "$D/users.ndjson"
python3 -c '
import json
n=0; st=set()
for l in open("j4.ndjson"):
    r=json.loads(l); st.add(r["status"])
    if r["status"] in ("unsent","unacknowledged"): n+=r["users"]
print(n, json.load(open("p4.json"))["records"], sorted(st))' >got
read nj nr sts <got
is "#10.14 every user read is in an unsent or unacknowledged line" "$nj" "$nr"
is "#10.14 more than the one batch sent was read" "$(( nr > 2 ))" 1

# item 14: --progress never replaces what is not a regular file
mkfifo fifo
check "#10.14 --progress on a FIFO: 78" 78 insider-push --progress fifo one.ndjson
check_err "#10.14 told" "progress file fifo: not a regular file"
[ -p fifo ]; ok $? "#10.14 the FIFO is still a FIFO"
echo keep >target; ln -s target link
check "#10.14 --progress on a symbolic link: 78" 78 insider-push --progress link one.ndjson
[ -L link ]; ok $? "#10.14 the link is still a link"
is "#10.14 nothing was sent" "$(emu_stat requests)" 1
done_testing
