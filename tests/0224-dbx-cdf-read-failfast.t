#!/bin/sh
# dbx-cdf-read fails fast on a host it cannot reach, and says where (#11.4): the first contact
# with a host is tried twice at most for DNS failures, refused connections and TLS errors, and
# reported as "cannot reach DATABRICKS_HOST=...: cause" (69), never as a credentials failure.
# Retries stay for 429/5xx on a host that has answered, and say so on stderr, as does a
# warehouse that is starting.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 22
emu_start
pat
# the real backoff, so that eight attempts would show: the check is on the messages only
unset DBXI_RETRY_BASE_MS
DATABRICKS_HOST=https://nosuch.invalid check '#11.4 DNS failure: 69' 69 dbx-cdf-read shop.crm.customers
check_err '#11.4 says which host and why' 'cannot reach DATABRICKS_HOST=https://nosuch.invalid: Could not resolve host: nosuch.invalid'
[ "$(grep -c 'retrying' err)" -le 1 ]; ok $? '#11.4 one retry at most'
grep -q 'still unavailable after' err; [ $? -eq 1 ]; ok $? '#11.4 no eight-attempt retry loop'
DEAD=$(free_port)
DATABRICKS_HOST=http://127.0.0.1:$DEAD check '#11.4 connection refused: 69' 69 dbx-cdf-read shop.crm.customers
check_err '#11.4 says so' "cannot reach DATABRICKS_HOST=http://127.0.0.1:$DEAD: "
DATABRICKS_HOST=https://127.0.0.1:$PORT check '#11.4 TLS to a plain http port: 69' 69 dbx-cdf-read shop.crm.customers
check_err '#11.4 names the host' "cannot reach DATABRICKS_HOST=https://127.0.0.1:$PORT: "
oauth
DATABRICKS_HOST=http://127.0.0.1:$DEAD check '#11.4 OAuth: a wrong host is not a credentials failure' 69 dbx-cdf-read --verify shop.crm.customers
grep -q "^FAIL: cannot reach DATABRICKS_HOST=http://127.0.0.1:$DEAD: " out; ok $? '#11.4 --verify FAIL line names the host'
grep -qi 'credentials' out err; [ $? -eq 1 ]; ok $? '#11.4 credentials are not blamed'
DATABRICKS_HOST=http://127.0.0.1:$DEAD check '#11.4 --host beats the environment and is named' 69 dbx-cdf-read --host http://127.0.0.1:$DEAD shop.crm.customers
check_err '#11.4 as --host' "cannot reach --host=http://127.0.0.1:$DEAD: "
DATABRICKS_HOST=ftp://x check '#11.4 a malformed host is a configuration error' 78 dbx-cdf-read shop.crm.customers

# a host that answered: 5xx/429 are retried, and the retries are said
pat
DBXI_RETRY_BASE_MS=20; export DBXI_RETRY_BASE_MS
ctl fault '{"status":503,"count":2,"path_prefix":"/api/2.0/sql/statements"}'
check '#11.4 503 twice on the first request, then fine' 0 dbx-cdf-read --snapshot shop.crm.customers
[ "$(grep -c '^dbx-cdf-read: retrying POST .*/api/2.0/sql/statements/ after HTTP 503' err)" -eq 2 ]; ok $? '#11.4 each retry said on stderr'
ctl fault '{"status":429,"count":1,"retry_after":0,"path_prefix":"/api/2.0/sql/statements"}'
check '#11.4 429 retried' 0 dbx-cdf-read --snapshot shop.crm.customers
check_err '#11.4 said' 'after HTTP 429'

# a starting warehouse: a line every DBXI_WAIT_NOTE_S (default 15) seconds; 10 polls of
# 50 ms doubling to 400 ms last more than one second
ctl config '{"warehouse_state":"STOPPED","warehouse_start_polls":10}'
DBXI_WAIT_NOTE_S=1 check '#11.4 a statement waiting for the warehouse' 0 dbx-cdf-read --snapshot shop.crm.customers
check_err '#11.4 says it is waiting' "dbx-cdf-read: waiting for warehouse $WH to start (1s)"
ctl config '{"warehouse_state":"RUNNING"}'
check '#11.4 a quick statement' 0 dbx-cdf-read --snapshot shop.crm.customers
grep -q 'waiting for warehouse' err; [ $? -eq 1 ]; ok $? '#11.4 says nothing'
done_testing
