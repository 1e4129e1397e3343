#!/bin/sh
# dbx-insider-sync --schedule (#12 §2): the printed crontab line runs under env -i (the wrapper
# finds its stages beside itself), paths are quoted for crontab and systemd (a space, a %, a
# STATE_DIR with ";touch ... #" runs no command), --schedule creates STATE_DIR, hourly means
# minute 0 and the output is the same every call, hourly@MM, daily@H:MM, every Nm / Nh,
# SuccessExitStatus=75.
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/sync/emu.sh"
plan 39
sync_start
# an installed copy: the wrapper and its stages in one folder whose path holds a space
inst="$T/opt dir/bin"
mkdir -p "$inst"
cp "$DBXI_ROOT/scripts/dbx-insider-sync" "$inst/"
for b in dbx-cdf-read row-map validate insider-push; do cp "$DBXI_BIN/$b" "$inst/"; done
# a config in a folder with a space and a %, and a STATE_DIR that runs a command if pasted bare
cdir="$T/conf dir 50%"
mkdir -p "$cdir"
SD2="$T/sd;touch $T/pwned #"
sed "s|^STATE_DIR=.*|STATE_DIR=$SD2|" "$CONF" >"$cdir/orders.conf"
C2=$cdir/orders.conf

check "#12 §2 cron line printed" 0 "$inst/dbx-insider-sync" --schedule hourly --print --cron "$C2"
cp out cronline
[ -d "$SD2" ]; ok $? "#12 §2 --schedule creates STATE_DIR (cron's >>STATE_DIR/cron.log needs it)"
grep -q '^0 \* \* \* \* ' cronline; ok $? "#12 §2 hourly is at minute 0"
grep -q " # dbx-insider-orders\$" cronline; ok $? "#12 §2 the line is tagged with the unit name"
python3 "$DATA/sync/cron-cmd.py" <cronline >cmd
env -i /bin/sh -c "$(cat cmd)"; st=$?
[ $st -eq 0 ]; ok $? "#12 §2 the printed cron line runs under env -i (exit $st)"
grep -q "run .* ok: versions 2..2, 6 rows read, 4 delivered" "$SD2/cron.log"; ok $? "#12 §2 the run's lines land in STATE_DIR/cron.log"
[ ! -e "$T/pwned" ]; ok $? "#12 §2 security: STATE_DIR with ';touch FILE #' runs no command under cron"
[ "$(jq -r .version "$SD2/state.json")" = 2 ]; ok $? "#12 §2 the cron run moved the checkpoint"
# the same with a plain config path: nothing cuts the line short before STATE_DIR
SD3="$T/sd3;touch $T/pwned3 #"
sed "s|^STATE_DIR=.*|STATE_DIR=$SD3|" "$CONF" >"$T/sec.conf"
"$inst/dbx-insider-sync" --schedule daily@03:00 --print --cron "$T/sec.conf" >cron3 2>err
python3 "$DATA/sync/cron-cmd.py" <cron3 >cmd3
env -i /bin/sh -c "$(cat cmd3)"
[ ! -e "$T/pwned3" ]; ok $? "#12 §2 security: STATE_DIR with ';touch FILE #' in a plain path runs no command under cron"
grep -q "run .* ok: versions 2..2" "$SD3/cron.log"; ok $? "#12 §2 that run went to its own STATE_DIR's cron.log"
env -i PATH=/usr/bin:/bin HOME="$T" SHELL=/bin/sh /bin/sh -c "$(cat cmd)"; st=$?
[ $st -eq 0 ]; ok $? "#12 §2 the printed line runs with cron's own PATH=/usr/bin:/bin (exit $st)"

# the wrapper reached through a symlink still finds its stages (its own path, resolved)
mkdir -p "$T/link"
ln -s "$inst/dbx-insider-sync" "$T/link/dbx-insider-sync"
env -i "$T/link/dbx-insider-sync" --dry-run "$C2" >out 2>err; st=$?
[ $st -eq 0 ]; ok $? "#12 §2 through a symlink under env -i, the stages beside the real file are found (exit $st)"

# --status reads a STATE_DIR whose path holds spaces
check "#12 §2 --status with that STATE_DIR" 0 "$inst/dbx-insider-sync" --status "$C2"
grep -qF "  2 in $SD2/runs/" out; ok $? "#12 §2 --status lists the rejects under a STATE_DIR with spaces"

# systemd: ExecStart quoted for systemd (%% and $$), 75 is not a failure, hourly at minute 0
check "#12 §2 systemd units printed" 0 "$inst/dbx-insider-sync" --schedule hourly --print --systemd "$C2"
cp out units
python3 "$DATA/sync/exec-words.py" <units >words; st=$?
printf '%s\n%s\n' "$inst/dbx-insider-sync" "$C2" >want
[ $st -eq 0 ] && same want words; ok $? "#12 §2 ExecStart: the wrapper and CONFIG, each one word after systemd's unquoting"
grep -qx 'SuccessExitStatus=75' units; ok $? "#12 §2 SuccessExitStatus=75: a temporary failure waits for the next tick"
grep -qx 'OnCalendar=\*-\*-\* \*:00:00' units; ok $? "#12 §2 OnCalendar: the beginning of every hour"
grep -q '^RandomizedDelaySec' units; [ $? -eq 1 ]; ok $? "#12 §2 no random delay: hourly is minute 0"
"$inst/dbx-insider-sync" --schedule hourly --print --systemd "$C2" >units2 2>&1
same units units2; ok $? "#12 §2 --print is the same every call"
"$inst/dbx-insider-sync" --schedule hourly --print --cron "$C2" >cron2 2>&1
same cronline cron2; ok $? "#12 §2 --print --cron is the same every call"

# the forms of WHEN
sched() { dbx-insider-sync --schedule "$1" --print --cron "$CONF" 2>err | cut -d' ' -f1-5; }
[ "$(sched hourly@07)" = "7 * * * *" ]; ok $? "#12 §2 hourly@07: minute 7"
[ "$(sched hourly@7)" = "7 * * * *" ]; ok $? "#12 §2 hourly@7: minute 7"
[ "$(sched daily@2:30)" = "30 2 * * *" ]; ok $? "#12 §2 daily@2:30: a one-digit hour"
[ "$(sched daily@02:30)" = "30 2 * * *" ]; ok $? "#12 §2 daily@02:30"
[ "$(sched 'every 15m')" = "*/15 * * * *" ]; ok $? "#12 §2 every 15m"
[ "$(sched every15m)" = "*/15 * * * *" ]; ok $? "#12 §2 every15m"
[ "$(sched 'every 2h')" = "0 */2 * * *" ]; ok $? "#12 §2 every 2h"
dbx-insider-sync --schedule 'every 15m' --print --systemd "$CONF" >out 2>err
grep -qx 'OnCalendar=\*-\*-\* \*:00/15:00' out; ok $? "#12 §2 every 15m: the timer"
dbx-insider-sync --schedule daily@2:30 --print --systemd "$CONF" >out 2>err
grep -qx 'OnCalendar=\*-\*-\* 02:30:00' out; ok $? "#12 §2 daily@2:30: the timer"
dbx-insider-sync --schedule hourly@45 --print --systemd "$CONF" >out 2>err
grep -qx 'OnCalendar=\*-\*-\* \*:45:00' out; ok $? "#12 §2 hourly@45: the timer"
check "#12 §2 every 0m is refused" 64 dbx-insider-sync --schedule 'every 0m' --print "$CONF"
check_err "#12 §2 every: the message names the range" "1m to 59m or 1h to 23h"
check "#12 §2 hourly@60 is refused" 64 dbx-insider-sync --schedule hourly@60 --print "$CONF"
check "#12 §2 daily@24:00 is refused" 64 dbx-insider-sync --schedule daily@24:00 --print "$CONF"

# what cannot be written safely is refused: a newline in a path
nl="$T/a
b.conf"
cp "$CONF" "$nl"
check "#12 §2 a CONFIG path with a newline is refused" 78 dbx-insider-sync --schedule hourly --print --cron "$nl"
check_err "#12 §2 the message says why" "control character"
# options after CONFIG (#12 §4, the wrapper's part)
check "#12 §4 options after CONFIG" 0 dbx-insider-sync "$CONF" --schedule hourly --print --cron
grep -q '^0 \* \* \* \* ' out; ok $? "#12 §4 options after CONFIG are honoured"
done_testing
