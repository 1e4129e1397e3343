#!/bin/sh
# regen.sh BUILD-BIN: rewrites the expected files of the golden cases in rules/ from the
# current validate. Review every change (git diff) before committing: the goldens are the
# specification, not a snapshot to accept blindly.
set -eu
bin=$(cd "${1:?usage: regen.sh BUILD-BIN-DIR}" && pwd)
cd "$(dirname "$0")"
DBXI_NOW=2026-01-01T00:00:00Z; export DBXI_NOW
for f in rules/*.ndjson; do
	c=${f%.ndjson}
	args=
	[ -f "$c.args" ] && args=$(cat "$c.args")
	rm -f "$c.rej" "$c.status"
	st=0
	# shellcheck disable=SC2086
	"$bin/validate" $args --rejects "$c.rej" <"$f" >"$c.out" 2>"$c.err" || st=$?
	[ "$st" -eq 0 ] || echo "$st" >"$c.status"
	[ -s "$c.rej" ] || rm -f "$c.rej"
done
