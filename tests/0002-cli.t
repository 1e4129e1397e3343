#!/bin/sh
# #12 §4: one command-line convention across the six tools (docs/cli.md), checked against the
# tools' own --help and --version: every tool has --version (the Makefile's VERSION) and -V;
# no short letter means two things (taken from the --help texts, so a new clashing option
# fails here); every letter is in docs/cli.md's table with its long name; a letter a tool
# does not document is refused; every --help lists the exit statuses; the filters take FILE
# and -, and name a FILE they cannot read.
. "$DBXI_ROOT/tests/lib.sh"
tools="dbx-cdf-read row-map validate insider-push rec-cat dbx-insider-sync"
VERSION=$(sed -n 's/^VERSION *= *//p' "$DBXI_ROOT/Makefile")
plan 50
: >pairs
for t in $tools; do
	check "#12 §4 $t --version: exit 0" 0 "$t" --version
	[ "$(cat out)" = "$t $VERSION" ]; ok $? "#12 §4 $t --version: '$t $VERSION' on stdout"
	run 0 "$t" -V && [ "$(cat out)" = "$t $VERSION" ]; ok $? "#12 §4 $t -V: the same"
	"$t" --help >help 2>/dev/null
	# the exit statuses: a line "Exit status:" (or "Exit:") and every code after it
	miss=
	for c in 0 64 65 69 75 77 78; do sed -n '/^Exit\( status\)\{0,1\}:/,$p' help | grep -q "\b$c\b" || miss="$miss $c"; done
	[ -z "$miss" ] || echo "# $t --help: exit statuses lack:$miss" >&2
	[ -z "$miss" ]; ok $? "#12 §4 $t --help lists the exit statuses"
	# the letters it documents: "  -x, --long"
	sed -n 's/^ *-\([A-Za-z]\), --\([a-z][a-z-]*\).*/\1 \2/p' help | sort -u >letters
	sed "s/^/$t /" letters >>pairs
	bad=
	while read -r l long; do
		grep -q "^| \`-$l\` | \`--$long\` |" "$DBXI_ROOT/docs/cli.md" || bad="$bad -$l/--$long"
	done <letters
	[ -z "$bad" ] || echo "# $t: letters not in docs/cli.md's table as such:$bad" >&2
	[ -z "$bad" ]; ok $? "#12 §4 $t: its short letters are docs/cli.md's"
	# every other letter is refused (no undocumented letter)
	und=
	for l in a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z; do
		grep -q "^$l " letters && continue
		"$t" "-$l" </dev/null >/dev/null 2>&1; [ $? -eq 64 ] || und="$und -$l"
	done
	[ -z "$und" ] || echo "# $t accepts letters its --help does not document:$und" >&2
	[ -z "$und" ]; ok $? "#12 §4 $t: no undocumented letter"
done
awk '{ if (($2 in m) && m[$2] != $3) { print "-" $2 ": --" m[$2] " (" w[$2] ") and --" $3 " (" $1 ")"; bad = 1 }
       m[$2] = $3; w[$2] = $1 } END { exit bad }' pairs >clash
st=$?; diag clash
[ $st -eq 0 ]; ok $? "#12 §4 no short letter means two things across the six tools"
[ "$(wc -l <pairs)" -ge 20 ]; ok $? "#12 §4 the letters were read from the --help texts"

# the filters take FILE and -
echo '{"identifiers":{"uuid":"u"},"attributes":{"age":"age"}}' >m.json
echo '{"u":"1","age":30,"_commit_version":1}' >rows.ndjson
check "#12 §4 row-map -m M FILE" 0 row-map -m m.json rows.ndjson
printf '{"identifiers":{"uuid":"1"},"attributes":{"age":30},"_commit_version":1}\n' >want
check_out "#12 §4 row-map FILE: the record" want
check "#12 §4 row-map -m M -" 0 row-map -m m.json - <rows.ndjson
check_out "#12 §4 row-map -: the record" want
check "#12 §4 validate FILE" 0 validate want
check_out "#12 §4 validate FILE: passed" want
check "#12 §4 validate -" 0 validate - <want
check_out "#12 §4 validate -: passed" want
mkdir d
check "#12 §4 rec-cat DIR: 64" 64 rec-cat d
check_err "#12 §4 rec-cat DIR: names it" "rec-cat: d: is a directory"
check "#12 §4 row-map: a missing FILE: 64" 64 row-map -m m.json nope.ndjson
check_err "#12 §4 row-map: a missing FILE: named" "row-map: cannot open nope.ndjson: No such file or directory"
done_testing
