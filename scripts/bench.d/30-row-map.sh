# row-map: the issue's mapping (no jq fields) on the benchmark table, in MessagePack and JSON
# mode, against the same mapping written as a jq program (jq -c, gojq -c) and as a python3 loop.
# The outputs are compared record by record (numbers as exact decimals, so 175.50 = 175.5).
# Then the cost of one {"jq": ...} field.
. "$ROOT/scripts/bench-lib.sh"
J=$BENCH_DATA/cdf.ndjson M=$BENCH_DATA/cdf.msgpack
jb=$(wc -c <"$J") mb=$(wc -c <"$M")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cat >"$W/map.json" <<'MAP'
{
  "identifiers": {"uuid": "user_id", "email": "email"},
  "attributes": {
    "email": "email", "phone_number": "phone", "name": "first_name", "surname": "last_name",
    "birthday": "birth_date", "email_optin": "email_optin", "country": "country", "age": "age",
    "custom": {"tier": "loyalty_tier", "ltv": "orders_total"}
  },
  "events": {
    "name": "event_name", "timestamp": "event_ts",
    "params": {"product_id": "sku", "name": "product_name", "taxonomy": "category_path",
               "currency": "currency", "quantity": "qty", "unit_price": "price",
               "unit_sale_price": "sale_price", "event_group_id": "order_id",
               "custom": {"coupon": "coupon_code"}}
  }
}
MAP
# the one jq field: ltv computed
sed 's|"ltv": "orders_total"|"ltv": {"jq": ".orders_total / 100"}|' "$W/map.json" >"$W/map-jq.json"
# the same mapping as a jq program (nulls left out, RFC 3339 times without zero fractions; the
# metadata keys of the benchmark table named, as a jq user would; with_entries is slow in jq 1.6)
cat >"$W/map.jq" <<'JQ'
def nonull: del(.[] | nulls);
def ts: if endswith("Z") and (index(".") != null)
  then (.[:-1] | split(".")) as [$s, $f]
    | ($f | explode | until(length == 0 or .[-1] != 48; .[:-1]) | implode) as $t
    | if $t == "" then $s + "Z" else $s + "." + $t + "Z" end
  else . end;
{identifiers: ({uuid: (.user_id | tostring), email: .email} | nonull),
 attributes: ({email: .email, phone_number: .phone, name: .first_name, surname: .last_name,
   birthday: (.birth_date | if . then . + "T00:00:00Z" else null end), email_optin: .email_optin,
   country: .country, age: .age}
   + ({tier: .loyalty_tier, ltv: .orders_total} | nonull | if . == {} then {} else {custom: .} end)
   | nonull),
 events: (if .event_name == null then null else
   [{event_name: .event_name, timestamp: (.event_ts | ts),
     event_params: ({product_id: .sku, name: .product_name, taxonomy: .category_path,
       currency: .currency, quantity: .qty, unit_price: .price, unit_sale_price: .sale_price,
       event_group_id: .order_id}
       + ({coupon: .coupon_code} | nonull | if . == {} then {} else {custom: .} end) | nonull)}]
   end)}
| del(.[] | select(. == null or . == {}))
+ ($row | {_change_type, _commit_version, _commit_timestamp})
JQ
# jq binds the row to $row first
printf '. as $row | %s\n' "$(cat "$W/map.jq")" >"$W/prog.jq"
cat >"$W/map.py" <<'PY'
import json, re, sys
def nonull(d): return {k: v for k, v in d.items() if v is not None}
frac = re.compile(r"(\.[0-9]*[1-9])0+Z$"); zero = re.compile(r"\.0+Z$")
def ts(s): return zero.sub("Z", frac.sub(r"\1Z", s))
w = sys.stdout.write
for line in sys.stdin:
    r = json.loads(line)
    u = {}
    ids = nonull({"uuid": None if r["user_id"] is None else str(r["user_id"]), "email": r["email"]})
    if ids: u["identifiers"] = ids
    a = nonull({"email": r["email"], "phone_number": r["phone"], "name": r["first_name"],
        "surname": r["last_name"], "birthday": r["birth_date"] and r["birth_date"] + "T00:00:00Z",
        "email_optin": r["email_optin"], "country": r["country"], "age": r["age"]})
    c = nonull({"tier": r["loyalty_tier"], "ltv": r["orders_total"]})
    if c: a["custom"] = c
    if a: u["attributes"] = a
    if r["event_name"] is not None:
        p = nonull({"product_id": r["sku"], "name": r["product_name"], "taxonomy": r["category_path"],
            "currency": r["currency"], "quantity": r["qty"], "unit_price": r["price"],
            "unit_sale_price": r["sale_price"], "event_group_id": r["order_id"]})
        c = nonull({"coupon": r["coupon_code"]})
        if c: p["custom"] = c
        e = {"event_name": r["event_name"], "timestamp": ts(r["event_ts"])}
        if p: e["event_params"] = p
        u["events"] = [e]
    for k, v in r.items():
        if k.startswith("_"): u[k] = v
    w(json.dumps(u, ensure_ascii=False, separators=(",", ":")) + "\n")
PY
cat >"$W/same.py" <<'PY'
# same.py A B: records equal, numbers compared as exact decimals; prints "identical" or the count
import json, sys
from decimal import Decimal
def load(l): return json.loads(l, parse_float=Decimal, parse_int=Decimal)
n = bad = 0
first = None
with open(sys.argv[1], encoding="utf-8") as a, open(sys.argv[2], encoding="utf-8") as b:
    for la, lb in zip(a, b):
        n += 1
        if la != lb and load(la) != load(lb):
            bad += 1
            first = first or n
    rest = sum(1 for _ in a) + sum(1 for _ in b)
if bad == 0 and rest == 0: print("identical (%d records)" % n)
else: print("%d of %d records differ (first: record %s), %d extra lines" % (bad, n, first, rest))
PY
table_head "row-map, $BENCH_ROWS rows: the issue's mapping without jq fields"
measure "row-map --msgpack (MessagePack -> MessagePack)" "$BENCH_ROWS" "$mb" \
	"row-map --msgpack -m '$W/map.json' <'$M' >'$W/out.mp'"; rm_=$LAST_RATE
measure "row-map (JSON -> JSON)" "$BENCH_ROWS" "$jb" "row-map -m '$W/map.json' <'$J' >'$W/out.rowmap'"; rj=$LAST_RATE
measure "jq -c (JSON -> JSON)" "$BENCH_ROWS" "$jb" "jq -c -f '$W/prog.jq' <'$J' >'$W/out.jq'"; q=$LAST_RATE
measure "gojq -c (JSON -> JSON)" "$BENCH_ROWS" "$jb" "gojq -c -f '$W/prog.jq' <'$J' >'$W/out.gojq'"; g=$LAST_RATE
measure "python3 loop (JSON -> JSON)" "$BENCH_ROWS" "$jb" "python3 '$W/map.py' <'$J' >'$W/out.py'"; p=$LAST_RATE
echo
ratio "row-map JSON vs jq -c" "$rj" "$q"
ratio "row-map JSON vs gojq -c" "$rj" "$g"
ratio "row-map JSON vs python3" "$rj" "$p"
echo "targets (one core): 500000 rows/s MessagePack (got $rm_), 250000 rows/s JSON (got $rj)"
echo
rec-cat "$W/out.mp" >"$W/out.mp.json"
# exactness, byte for byte (issue 14: every stage's output byte-identical to before): the two
# modes write the same records, and with BENCH_REF (a folder holding a reference build's
# row-map, e.g. of main before a change) both outputs are the reference's
if cmp -s "$W/out.mp.json" "$W/out.rowmap" && rec-cat -M "$W/out.rowmap" | cmp -s - "$W/out.mp"; then
	echo "output check, --msgpack vs JSON mode, byte for byte: identical"
else
	echo "output check, --msgpack vs JSON mode, byte for byte: DIFFERS"
fi
if [ -n "${BENCH_REF:-}" ]; then
	"$BENCH_REF/row-map" --msgpack -m "$W/map.json" <"$M" >"$W/ref.mp"
	"$BENCH_REF/row-map" -m "$W/map.json" <"$J" >"$W/ref.json"
	if cmp -s "$W/ref.mp" "$W/out.mp" && cmp -s "$W/ref.json" "$W/out.rowmap"; then
		echo "output check, row-map vs $BENCH_REF/row-map (both modes), byte for byte: identical"
	else
		echo "output check, row-map vs $BENCH_REF/row-map, byte for byte: DIFFERS"
	fi
fi
printf 'output check, --msgpack vs JSON mode: %s\n' "$(python3 "$W/same.py" "$W/out.rowmap" "$W/out.mp.json")"
printf 'output check, row-map vs gojq -c: %s\n' "$(python3 "$W/same.py" "$W/out.rowmap" "$W/out.gojq")"
printf 'output check, row-map vs python3: %s\n' "$(python3 "$W/same.py" "$W/out.rowmap" "$W/out.py")"
printf 'output check, row-map vs jq -c: %s (jq 1.6 rounds integers beyond 2^53: the user ids)\n' \
	"$(python3 "$W/same.py" "$W/out.rowmap" "$W/out.jq")"
table_head "row-map, $BENCH_ROWS rows: the cost of one {\"jq\": \".orders_total / 100\"} field"
measure "row-map --msgpack, no jq field" "$BENCH_ROWS" "$mb" "row-map --msgpack -m '$W/map.json' <'$M' >/dev/null"; a=$LAST_SECONDS
measure "row-map --msgpack, one jq field" "$BENCH_ROWS" "$mb" "row-map --msgpack -m '$W/map-jq.json' <'$M' >/dev/null"; b=$LAST_SECONDS
echo
awk -v a="$a" -v b="$b" -v n="$BENCH_ROWS" 'BEGIN { printf "one jq field: %.2f us a row (%.1fx the whole mapping without it)\n", (b - a) / n * 1e6, (a > 0 ? b / a : 0) }'
