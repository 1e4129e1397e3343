# Record layer: rec-cat conversions against jq, gojq and a python3 json loop doing the same.
. "$ROOT/scripts/bench-lib.sh"
J=$BENCH_DATA/cdf.ndjson M=$BENCH_DATA/cdf.msgpack
jb=$(wc -c <"$J") mb=$(wc -c <"$M")
table_head "Record layer (rec-cat), $BENCH_ROWS rows, $((jb / 1000000)) MB NDJSON / $((mb / 1000000)) MB MessagePack"
measure "rec-cat -M (JSON -> MessagePack)" "$BENCH_ROWS" "$jb" "rec-cat -M <'$J' >/dev/null"; a=$LAST_RATE
measure "rec-cat (MessagePack -> JSON)" "$BENCH_ROWS" "$mb" "rec-cat <'$M' >/dev/null"
measure "rec-cat (JSON -> JSON)" "$BENCH_ROWS" "$jb" "rec-cat <'$J' >/dev/null"; c=$LAST_RATE
measure "jq -c . (JSON -> JSON)" "$BENCH_ROWS" "$jb" "jq -c . <'$J' >/dev/null"; q=$LAST_RATE
measure "gojq -c . (JSON -> JSON)" "$BENCH_ROWS" "$jb" "gojq -c . <'$J' >/dev/null"; g=$LAST_RATE
measure "python3 json loop (JSON -> JSON)" "$BENCH_ROWS" "$jb" \
	"python3 -c 'import sys,json
w=sys.stdout.write
for l in sys.stdin: w(json.dumps(json.loads(l),ensure_ascii=False,separators=(\",\",\":\"))+\"\n\")' <'$J' >/dev/null"; p=$LAST_RATE
echo
ratio "rec-cat JSON->JSON vs jq -c ." "$c" "$q"
ratio "rec-cat JSON->JSON vs gojq -c ." "$c" "$g"
ratio "rec-cat JSON->JSON vs python3" "$c" "$p"
# exactness: the round trip is byte-identical
if rec-cat -M <"$J" | rec-cat | cmp -s - "$J"; then echo "round trip JSON -> MessagePack -> JSON: identical"; else echo "round trip: DIFFERS"; fi
if rec-cat -M <"$M" | cmp -s - "$M"; then echo "MessagePack -> MessagePack: identical"; else echo "MessagePack -> MessagePack: DIFFERS"; fi
# with BENCH_REF (a folder holding a reference build's rec-cat): the same bytes as it writes
if [ -n "${BENCH_REF:-}" ]; then
	if rec-cat -M <"$J" | cmp -s - "$M" && "$BENCH_REF/rec-cat" -M <"$J" | cmp -s - "$M" &&
	    rec-cat <"$M" | cmp -s - "$J" && "$BENCH_REF/rec-cat" <"$M" | cmp -s - "$J"; then
		echo "rec-cat vs $BENCH_REF/rec-cat (JSON -> MessagePack, MessagePack -> JSON): identical"
	else
		echo "rec-cat vs $BENCH_REF/rec-cat: DIFFERS"
	fi
fi
