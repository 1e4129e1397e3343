#!/bin/sh
# issue 10 item 6: a 2xx that does not say the users were taken (empty, not JSON, counts that
# do not add up) is no delivery: retried as a transport fault, then 69 with nothing counted.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/insider-push/emu.sh"
plan 21
D=$DATA/insider-push
emu_start

emu_fault '{"status":200,"body":"","count":100}'
check "#10.6 200 with an empty body: 69" 69 insider-push --backoff 5 --max-attempts 3 -b 5 -c 1 --progress p.json --journal j.ndjson "$D/users.ndjson"
check_err "#10.6 the answer told" "HTTP 200 with an empty answer"
check_err "#10.6 after the attempts" "still unavailable after 3 attempts"
python3 -c 'import json; d=json.load(open("p.json")); print(d["through_version"], d["delivered"], d["rejected"])' >got
is "#10.6 progress: nothing delivered" "$(cat got)" "4 0 0"
grep -c '"status":"delivered"' j.ndjson >n
is "#10.6 journal: nothing delivered" "$(cat n)" 0

emu_reset
emu_fault '{"status":204,"body":"","count":100}'
check "#10.6 204 No Content: 69" 69 insider-push --backoff 5 --max-attempts 2 "$D/users.ndjson"
check_err "#10.6 204 told" "HTTP 204 with an empty answer"

emu_reset
emu_fault '{"status":200,"body":"<html><body>Welcome to the hotel wifi</body></html>","count":100}'
check "#10.6 200 with HTML (a captive portal): 69" 69 insider-push --backoff 5 --max-attempts 2 "$D/users.ndjson"
check_err "#10.6 not Insider's answer told" "HTTP 200 with an answer that is not Insider's"

emu_reset
emu_fault '{"status":200,"body":{"ok":true},"count":100}'
check "#10.6 200 with other JSON: 69" 69 insider-push --backoff 5 --max-attempts 2 "$D/users.ndjson"

emu_reset
emu_fault '{"status":200,"body":{"data":{"successful":{"count":1},"fail":{}}},"count":100}'
check "#10.6 counts that do not add up: 69" 69 insider-push --backoff 5 --max-attempts 2 -b 10 "$D/users.ndjson"
check_err "#10.6 counts told" "1 successful + 0 failed for 10 users sent"

emu_reset
emu_fault '{"status":200,"body":{"data":{"successful":{"count":9},"fail":{"count":1}}},"count":100}'
check "#10.6 a failure that names no user: 69" 69 insider-push --backoff 5 --max-attempts 2 -b 10 "$D/users.ndjson"

# once, then a real answer: retried, all delivered
emu_reset
emu_fault '{"status":200,"body":"","count":1}'
check "#10.6 one empty 200, then delivered" 0 insider-push --backoff 5 -b 10 "$D/users.ndjson"
check_err "#10.6 retried once" "10 users delivered, 0 rejected by Insider, 2 requests, 1 retry"
is "#10.6 all stored" "$(emu_stat distinct_users)" 10

# the live API's shapes (reference section 10) are deliveries
emu_reset
emu_fault '{"status":200,"body":{"data":{"successful":{},"fail":{"count":1,"errors":{"users.0.events.0.event_name.*.regexp(^[a-z0-9][a-zA-Z0-9._-]*$)":["invalid event name: homepageView"]}}}},"count":1}'
head -n 1 "$D/users.ndjson" >one.ndjson
check "#10.6 live shape: successful {} with a failure" 0 insider-push --rejects r.ndjson one.ndjson
is "#10.6 the user rejected" "$(wc -l <r.ndjson | tr -d ' ')" 1
emu_reset
emu_fault '{"status":200,"body":{"data":{"successful":{"count":1},"fail":{}}},"count":1}'
check "#10.6 live shape: fail {}" 0 insider-push one.ndjson
check_err "#10.6 delivered" "1 user delivered, 0 rejected by Insider, 1 request, 0 retries"
emu_reset
emu_fault '{"status":200,"body":{"data":{"successful":{"count":1}}},"count":1}'
check "#10.6 no fail object at all: delivered" 0 insider-push one.ndjson
done_testing
