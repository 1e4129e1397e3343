#!/bin/sh
# Every tool: an unknown option exits 64 with "TOOL: ..." on stderr, --help prints its usage to
# stdout with exit 0, the man page's SYNOPSIS holds
# exactly those usage forms, and its EXIT STATUS lists every code of design.md.
. "$DBXI_ROOT/tests/lib.sh"
tools=
for f in "$DBXI_BIN"/*; do tools="$tools ${f##*/}"; done
for f in "$DBXI_ROOT"/scripts/dbx-*; do [ -f "$f" ] && tools="$tools ${f##*/}"; done
n=0; for t in $tools; do n=$((n + 1)); done
plan $((n * 5))
for t in $tools; do
	man=$DBXI_ROOT/docs/$t.1
	"$t" --no-such-option >out 2>err; st=$?
	[ $st -eq 64 ] && head -n 1 err | grep -q "^$t: "; ok $? "$t: an unknown option exits 64 with a message that names $t"
	"$t" --help >help 2>err; st=$?
	[ $st -eq 0 ] && head -n 1 help | grep -q "^usage: $t"; ok $? "$t --help: usage on stdout, exit 0"
	awk 'NR == 1 && sub(/^usage: /, "") { print; next }
	     NR > 1 && /^       [^ ]/ { sub(/^ +/, ""); print; next }
	     NR > 1 { exit }' help >usage
	[ -f "$man" ]; ok $? "$t has a man page"
	awk '/^\.SH SYNOPSIS/ { s = 1; next } s && /^\.SH/ { exit } s && !/^\./ { print }' "$man" 2>/dev/null |
		sed 's/\\-/-/g; s/\\f[BIRP]//g' >synopsis
	same usage synopsis; ok $? "$t: man SYNOPSIS = usage string"
	awk '/^\.SH "?EXIT STATUS/ { s = 1; next } s && /^\.SH/ { exit } s { print }' "$man" 2>/dev/null >exits
	miss=
	for c in 0 64 65 69 75 77 78; do grep -q "^$c[^0-9]" exits || miss="$miss $c"; done
	[ -z "$miss" ] || echo "# $t.1 EXIT STATUS lacks:$miss" >&2
	[ -z "$miss" ]; ok $? "$t: man EXIT STATUS has every code"
done
done_testing
