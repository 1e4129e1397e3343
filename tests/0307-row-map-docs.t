#!/bin/sh
# docs/mapping.md: every example in it is a file of tests/data/row-map, included verbatim, and
# row-map gives exactly the output the page shows.
. "$DBXI_ROOT/tests/lib.sh"
D=$DATA/row-map
DOC=$DBXI_ROOT/docs/mapping.md
plan 17
# split the page's examples into files named after their marker
awk -v dir="$T" '
	/^<!-- example: [^ ]+ -->$/ { name = $3; next }
	name != "" && /^```/ && !inblock { inblock = 1; f = dir "/doc." name; printf "" >f; next }
	inblock && /^```$/ { inblock = 0; close(f); name = ""; n++; next }
	inblock { print >>f }
	END { print n >(dir "/count") }' "$DOC"
[ "$(cat count)" -eq 12 ]; ok $? "the page has 12 examples"
for x in attrs purchase spread jq; do
	for ext in json ndjson out; do
		same "$D/doc-$x.$ext" "doc.doc-$x.$ext" || break
	done
	ok $? "doc-$x: the page shows the files verbatim"
	check "doc-$x: --check" 0 row-map --check -m "$D/doc-$x.json"
	check "doc-$x: runs" 0 row-map -m "$D/doc-$x.json" <"$D/doc-$x.ndjson"
	check_out "doc-$x: the output shown" "$D/doc-$x.out"
done
done_testing
