#!/bin/sh
# validate: the docs match the program. docs/insider-rules.md shows exactly the golden cases
# (which 0401 runs), every rule has a section, a golden case and a line in validate(1), and
# the man page's SYNOPSIS is the usage string.
. "$DBXI_ROOT/tests/lib.sh"
D=$DBXI_ROOT/docs
R=$DATA/validate/rules
plan 6

python3 "$DATA/validate/mkdoc.py" --check "$D/insider-rules.md" >diff 2>&1
ok $? 'insider-rules.md examples are the golden cases'
[ -s diff ] && diag diff

sed -n 's/.*{ "\([a-z-]*\)", [01] }.*/\1/p' "$DBXI_ROOT/lib/val_rules.c" >rules
[ "$(wc -l <rules)" -ge 30 ]
ok $? 'rule names found in lib/val_rules.c'

missing=
while read -r r; do
	grep -qxF "### $r" "$D/insider-rules.md" || missing="$missing section:$r"
	[ -f "$R/$r.ndjson" ] || missing="$missing golden:$r"
	grep -qw -- "$r" "$D/validate.1" || missing="$missing man:$r"
done <rules
[ -z "$missing" ]
ok $? 'every rule: a doc section, a golden case, a mention in validate.1'
[ -z "$missing" ] || echo "# missing:$missing" >&2

missing=
for f in "$R"/*.ndjson; do
	c=${f##*/}; c=${c%.ndjson}
	grep -qxF "<!-- example $c -->" "$D/insider-rules.md" || missing="$missing $c"
done
[ -z "$missing" ]
ok $? 'every golden case is shown in insider-rules.md'
[ -z "$missing" ] || echo "# not shown:$missing" >&2

# the SYNOPSIS of validate.1 (also checked for every tool by tests/0001-docs.t)
awk '/^\.SH SYNOPSIS/ { s = 1; next } s && /^\.SH/ { exit } s && !/^\./ { print }' "$D/validate.1" |
	sed 's/\\-/-/g' >synopsis
check 'validate --help' 0 validate --help
head -n 1 out | sed 's/^usage: //' >usage
same synopsis usage
ok $? 'validate.1 SYNOPSIS is the usage string'
