#!/bin/sh
# #14 (its last note): a rejects file that cannot be opened said 64 (wrong usage) whatever the
# reason. Now the status says what to do: 78 when the path cannot be a rejects file (a missing
# directory, a directory: fix the configuration), 77 when the permission is missing, 75 for
# anything else (a full disk, too many open files: run again later; tests/unit/test_rec.c).
# The same for every stage that takes --rejects, with the path and the reason in the message.
. "$DBXI_ROOT/tests/lib.sh"
plan 24
unset INSIDER_API_TOKEN_FILE INSIDER_API_URL DBXI_WIRE
export INSIDER_PARTNER_NAME=dbxitest INSIDER_API_TOKEN=ins-test-token
echo '{"identifiers":{"uuid":"user_id"},"attributes":{"age":"age"}}' >m.json
: >in.ndjson
for t in validate row-map insider-push dbx-cdf-read; do
	case $t in
	row-map) set -- row-map -m m.json ;;
	insider-push) set -- insider-push -n ;;
	dbx-cdf-read) set -- dbx-cdf-read main.s.t ;;
	*) set -- validate ;;
	esac
	check "#14 $t: a rejects file in a missing directory: 78" 78 "$@" --rejects nodir/rej.ndjson <in.ndjson
	check_err "#14 $t: a missing directory: the path and the reason" \
		"$t: cannot open rejects file nodir/rej.ndjson: No such file or directory"
	mkdir -p d
	check "#14 $t: a directory as the rejects file: 78" 78 "$@" --rejects d <in.ndjson
	check_err "#14 $t: a directory: the reason" "$t: cannot open rejects file d: Is a directory"
	# a file nobody may write, not even root (a read-only sysctl)
	check "#14 $t: no permission to write the rejects file: 77" 77 "$@" --rejects /proc/sys/kernel/osrelease <in.ndjson
	check_err "#14 $t: no permission: the reason" \
		"$t: cannot open rejects file /proc/sys/kernel/osrelease: Permission denied"
done
