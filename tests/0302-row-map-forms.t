#!/bin/sh
# row-map: every mapping form (column, column with type, jq, constant, spread objects, several
# events, insider_id, skip_nulls, not_append, skip_hook), each with its golden output and rejects.
. "$DBXI_ROOT/tests/lib.sh"
D=$DATA/row-map
plan 12
for m in named spread spread2 flags; do
	check "forms-$m: runs" 0 row-map -m "$D/forms-$m.json" --rejects rej-$m <"$D/forms.ndjson"
	check_out "forms-$m: user objects" "$D/forms-$m.out"
	same "$D/forms-$m.rej" rej-$m; ok $? "forms-$m: rejects"
done
done_testing
