#!/bin/sh
# dbx-insider-sync's own messages (#12 §6) and command line (#12 §4, the wrapper's part):
# the checkpoint in a failed run's last line (none yet; moved from/to), "nothing new", config
# values checked by the wrapper (78 naming the key), SHARD without SHARD_KEY, a missing schema
# or mapping file, STATE_DIR that cannot be created (with the reason), the state-ahead hint
# naming --resnapshot, exit codes in --help, --verify's ok: lines on one stream.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 42
sync_start

# a failed run before any checkpoint
printf 'wrong-token\n' >"$T/ins-token"
check "#12 §6 a failed first run" 77 dbx-insider-sync "$CONF"
check_err "#12 §6 no checkpoint yet: said in words" "checkpoint unchanged (none yet"
grep -q 'unchanged at ;' err; [ $? -eq 1 ]; ok $? "#12 §6 not 'checkpoint unchanged at ;'"
printf 'ins-test-token\n' >"$T/ins-token"
check "#12 §6 the first run" 0 dbx-insider-sync "$CONF"
check "#12 §6 nothing new" 0 dbx-insider-sync "$CONF"
tail -n 1 err >last
grep -q "ok: nothing new, checkpoint 2," last; ok $? "#12 §6 nothing new: the last line says so, not 'versions none..none'"
check "#12 §6 status after nothing new" 0 dbx-insider-sync --status "$CONF"
grep -q "exit 0 ok: nothing new, " out; ok $? "#12 §6 --status: 'nothing new', not 'versions -..-'"
grep -q -e 'none\.\.none' -e '-\.\.-' out; [ $? -eq 1 ]; ok $? "#12 §6 --status: no '-..-'"

# config values are checked by the wrapper: 78 naming the key, not a stage's usage text
cfg() { cp "$CONF" c.conf; printf '%s\n' "$@" >>c.conf; }
cfg BATCH_SIZE=-5
check "#12 §6 BATCH_SIZE=-5: 78" 78 dbx-insider-sync c.conf
check_err "#12 §6 BATCH_SIZE=-5 names the key" "BATCH_SIZE=-5: a whole number from 1 to 1000 expected"
grep -q usage err; [ $? -eq 1 ]; ok $? "#12 §6 BATCH_SIZE=-5: no stage usage text"
cfg CONCURRENCY=100
check "#12 §6 CONCURRENCY=100: 78" 78 dbx-insider-sync --dry-run c.conf
check_err "#12 §6 CONCURRENCY names the key" "CONCURRENCY=100"
cfg RATE=fast
check "#12 §6 RATE=fast: 78" 78 dbx-insider-sync c.conf
cfg TIMEOUT=0
check "#12 §6 TIMEOUT=0: 78" 78 dbx-insider-sync c.conf
cfg MAX_REJECT_RATIO=2
check "#12 §6 MAX_REJECT_RATIO=2: 78" 78 dbx-insider-sync c.conf
check_err "#12 §6 MAX_REJECT_RATIO names the key" "MAX_REJECT_RATIO=2: a number from 0 to 1 expected"
cfg MAX_EVENT_AGE=-1
check "#12 §3 MAX_EVENT_AGE=-1: 78" 78 dbx-insider-sync c.conf
cfg STRICT=maybe
check "#12 §3 STRICT=maybe: 78" 78 dbx-insider-sync c.conf
cfg SHARD=1/4
check "#12 §6 SHARD without SHARD_KEY: 78" 78 dbx-insider-sync c.conf
check_err "#12 §6 SHARD without SHARD_KEY: the message" "SHARD is set but SHARD_KEY is not"
cfg SHARD=4/4 SHARD_KEY=user_id
check "#12 §6 SHARD=4/4: 78" 78 dbx-insider-sync c.conf
cfg SCHEMA=no-such-schema.json
check "#12 §6 a missing schema file: 78" 78 dbx-insider-sync c.conf
check_err "#12 §6 a missing schema file: the hint" "insider-push --fetch-schema >$T/no-such-schema.json"
cfg MAPPING=no-such-mapping.json
check "#12 §6 a missing mapping: 78" 78 dbx-insider-sync --verify c.conf
check_err "#12 §6 a missing mapping: named with the reason" "MAPPING $T/no-such-mapping.json: cannot read (No such file or directory)"
grep -q 'jq: error' err; [ $? -eq 1 ]; ok $? "#12 §6 a missing mapping: no raw jq error"
cfg STATE_DIR=/proc/nope
check "#12 §6 STATE_DIR that cannot be created: 78" 78 dbx-insider-sync c.conf
check_err "#12 §6 STATE_DIR: the reason" "cannot create STATE_DIR /proc/nope: No such file or directory"

# the checkpoint ahead of the table (replaced or restored): the wrapper names --resnapshot
printf '{"table":"main.shop.orders","version":55,"updated":"2026-11-20T00:00:00Z"}\n' >"$SD/state.json"
check "#12 §6 state ahead of the table: 78" 78 dbx-insider-sync "$CONF"
check_err "#12 §6 state ahead: the wrapper's hint names --resnapshot" "dbx-insider-sync --resnapshot $CONF"
check_err "#12 §6 state ahead: the last line says the checkpoint stays" "checkpoint unchanged at 55"

# --help lists the exit codes; --verify prints its ok: lines on one stream
check "#12 §4 --help" 0 dbx-insider-sync --help
grep -q '^Exit: 0 done, 64 usage, 65 bad input, 69 unavailable, 75 temporary failure' out; ok $? "#12 §4 --help lists the exit codes"
printf '{"table":"main.shop.orders","version":2,"updated":"2026-11-20T00:00:00Z"}\n' >"$SD/state.json"
check "#12 §4 --verify" 0 dbx-insider-sync --verify "$CONF"
[ ! -s out ]; ok $? "#12 §4 --verify: nothing on stdout"
grep -c 'ok:' err >n; [ "$(cat n)" -ge 10 ]; ok $? "#12 §4 --verify: every ok: line on stderr ($(cat n))"
check "#12 §4 --verify after CONFIG" 0 dbx-insider-sync "$CONF" --verify
check_err "#12 §4 --verify after CONFIG runs the checks" "verify: everything is ready"

# a failed run that still moved the checkpoint says from where to where: versions 1..3, Insider
# refuses the token on a user of version 3 after version 1 (at least) was acknowledged (batches close before a user they already hold, so where version 2 ends depends on the data)
python3 "$DATA/sync/kill-table.py" "$T/k" 3 20 >/dev/null
SYNC_TABLE=main.kill.users SYNC_EXTRA="BATCH_SIZE=10
CONCURRENCY=1"
sync_start "$T/k/tables"
sed -i "s|^MAPPING=.*|MAPPING=$DATA/sync/kill-mapping.json|; /^SCHEMA=/d" "$CONF"
mkdir -p "$SD"
printf '{"table":"main.kill.users","version":0,"updated":"2026-11-21T00:00:00Z"}\n' >"$SD/state.json"
while IFS= read -r c; do dbx_post /_emu/commit "$c"; done <"$T/k/commits.ndjson"
ins_post /_emu/fault '{"status":401,"when_user_has":"u00051@example.com","count":100}'
check "#12 §6 a run refused half-way" 77 dbx-insider-sync "$CONF"
check_err "#12 §6 the checkpoint moved: from and to" "checkpoint moved from 0 to "
done_testing
