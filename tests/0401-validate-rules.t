#!/bin/sh
# validate: one golden case per rule (tests/data/validate/rules/RULE*.ndjson): the records
# that pass (RULE.out), the rejects file (RULE.rej, none when absent), and stderr (RULE.err:
# warnings and the summary), the exit status (RULE.status, 0 when absent).
# docs/insider-rules.md shows these same files.
. "$DBXI_ROOT/tests/lib.sh"
R=$DATA/validate/rules
DBXI_NOW=2026-01-01T00:00:00Z; export DBXI_NOW
cp "$DATA/validate/schema.json" .
set -- "$R"/*.ndjson
plan $(($# * 4))
for f in "$@"; do
	c=${f%.ndjson} k=${c##*/}
	args=
	[ -f "$c.args" ] && args=$(cat "$c.args")
	rm -f rej
	st=0
	[ -f "$c.status" ] && st=$(cat "$c.status")
	# shellcheck disable=SC2086
	check "$k: exit $st" "$st" validate $args --rejects rej <"$f"
	check_out "$k: passed records" "$c.out"
	if [ -f "$c.rej" ]; then same "$c.rej" rej; else [ ! -s rej ]; fi
	ok $? "$k: rejects"
	same "$c.err" err
	ok $? "$k: warnings and summary"
done
done_testing
