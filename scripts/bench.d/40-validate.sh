# validate: 1,000,000 Insider user objects (5% invalid) in NDJSON and MessagePack, against a
# python3 loop doing the same checks and, on a subset, python3-jsonschema with a JSON Schema
# of the same rules. The user objects come from a python3 generator (row-map's output has
# the same shape); DBXI_NOW fixes the clock so that no event is too old.
. "$ROOT/scripts/bench-lib.sh"
U=$BENCH_DATA/users.ndjson UM=$BENCH_DATA/users.msgpack
W=$BENCH_DATA/validate
mkdir -p "$W"
DBXI_NOW=2026-01-01T00:00:00Z; export DBXI_NOW
if [ ! -s "$U" ]; then
	python3 - "$BENCH_ROWS" "$U.tmp" <<'EOF'
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(7)
first = ["Ada", "Grace", "Linus", "Zoë", "Jürgen"]
countries = ["TR", "US", "DE", "GB", "SG"]
with open(out, "w", encoding="utf-8") as f:
    w = f.write
    for i in range(n):
        bad = i % 20 == 0  # 5%: half a bad email, half a bad currency
        email = "user%d" % i if bad and i % 40 == 0 else "user%d@example.com" % i
        cur = "TL" if bad and i % 40 == 20 else "TRY"
        w('{"identifiers":{"email":"%s","uuid":"%d"},"attributes":{"name":"%s","email_optin":%s,'
          '"age":%d,"country":"%s","birthday":"19%02d-%02d-01T00:00:00Z","custom":{"tier":"gold",'
          '"ltv":%d.%02d}},"events":[{"event_name":"purchase","timestamp":"2025-12-%02dT10:%02d:00Z",'
          '"event_params":{"event_group_id":"ORD-%d","unit_sale_price":%d.%02d,"currency":"%s",'
          '"quantity":%d,"taxonomy":["Shoes","Running"],"product_id":"SKU-%d"}}],"_commit_version":%d}\n'
          % (email, 9007199254740993 + i, rnd.choice(first), "true" if i % 3 else "false", 18 + i % 60,
             rnd.choice(countries), 50 + i % 50, 1 + i % 12, rnd.randrange(100000), rnd.randrange(100),
             1 + i % 28, i % 60, i // 3, rnd.randrange(1000), rnd.randrange(100), cur, 1 + i % 5,
             i % 50000, 1 + i // 5000))
EOF
	mv "$U.tmp" "$U"
fi
[ -s "$UM" ] || rec-cat -M "$U" >"$UM"
printf '{"attributes": {"tier": "string", "ltv": "number"}, "events": {"purchase": {}}}\n' >"$W/schema.json"

# the python3 loop: the same rules as validate for these records (identifiers, default
# attribute types and formats, events, required purchase parameters, ISO codes from iso-codes)
cat >"$W/check.py" <<'EOF'
import datetime, json, re, sys
iso = "/usr/share/iso-codes/json/"
C2 = {c["alpha_2"] for c in json.load(open(iso + "iso_3166-1.json"))["3166-1"]}
C3 = {c["alpha_3"] for c in json.load(open(iso + "iso_4217.json"))["4217"]}
EMAIL = re.compile(r"^.+@.+\..+$"); PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
RFC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
BOOL = {"email_optin", "gdpr_optin", "sms_optin", "whatsapp_optin"}
STR = {"name", "surname", "gender", "city", "uuid", "lo"}
def ts_ok(s):
    if not isinstance(s, str) or not RFC.match(s): return False
    try: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")); return True
    except ValueError: return False
def num(v): return isinstance(v, (int, float)) and not isinstance(v, bool)
def errors(u):
    e = []
    ids = u.get("identifiers")
    if not ids and "insider_id" not in u: e.append("identifier-required")
    for k, v in (ids or {}).items():
        if k not in ("email", "phone_number", "uuid", "custom"): e.append("identifier-key")
        elif k == "custom": continue
        elif not isinstance(v, str): e.append("identifier-type")
        elif k == "email" and not EMAIL.match(v): e.append("identifier-email")
        elif k == "phone_number" and not PHONE.match(v): e.append("identifier-phone")
    for k, v in u.get("attributes", {}).items():
        if k in BOOL and not isinstance(v, bool): e.append("attribute-type")
        elif k == "age" and not num(v): e.append("attribute-type")
        elif k in STR and not isinstance(v, str): e.append("attribute-type")
        elif k == "country" and v not in C2: e.append("attribute-country")
        elif k == "birthday" and not (ts_ok(v) and v.endswith("Z")): e.append("attribute-birthday")
        elif k == "custom":
            for cv in v.values():
                if not (isinstance(cv, (str, int, float, bool))): e.append("custom-attribute-type")
    for ev in u.get("events", []):
        n = ev.get("event_name")
        if not isinstance(n, str) or not NAME.match(n): e.append("event-name")
        if not ts_ok(ev.get("timestamp")): e.append("event-timestamp")
        p = ev.get("event_params", {})
        if "currency" in p and p["currency"] not in C3: e.append("event-currency")
        if "quantity" in p and not (isinstance(p["quantity"], int) and not isinstance(p["quantity"], bool)): e.append("event-param-type")
        for k in ("unit_price", "unit_sale_price"):
            if k in p and not num(p[k]): e.append("event-param-type")
        if "taxonomy" in p and not (isinstance(p["taxonomy"], list) and all(isinstance(t, str) for t in p["taxonomy"])): e.append("event-param-type")
        if n == "purchase":
            for k in ("event_group_id", "unit_sale_price", "currency", "quantity"):
                if k not in p: e.append("event-param-required")
    if not u.get("attributes") and not u.get("events"): e.append("user-empty")
    return e
out, rej = sys.stdout.write, open(sys.argv[1], "w")
for n, line in enumerate(sys.stdin, 1):
    u = json.loads(line)
    e = errors(u)
    if e: rej.write(json.dumps({"record_number": n, "errors": e, "record": u}) + "\n")
    else: out(line)
EOF

# python3-jsonschema: the same rules as a JSON Schema (Draft 7), on a subset (it is slow)
cat >"$W/js_check.py" <<'EOF'
import json, sys
import jsonschema
iso = "/usr/share/iso-codes/json/"
C2 = sorted({c["alpha_2"] for c in json.load(open(iso + "iso_3166-1.json"))["3166-1"]})
C3 = sorted({c["alpha_3"] for c in json.load(open(iso + "iso_4217.json"))["4217"]})
ts = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}
schema = {"type": "object", "anyOf": [{"required": ["identifiers"]}, {"required": ["insider_id"]}],
  "properties": {
    "identifiers": {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": {
        "email": {"type": "string", "pattern": r"^.+@.+\..+$"},
        "phone_number": {"type": "string", "pattern": r"^\+[1-9]\d{6,14}$"},
        "uuid": {"type": "string"}, "custom": {"type": "object", "additionalProperties": {"type": "string"}}}},
    "attributes": {"type": "object", "minProperties": 1, "properties": {
        "email_optin": {"type": "boolean"}, "gdpr_optin": {"type": "boolean"}, "sms_optin": {"type": "boolean"},
        "whatsapp_optin": {"type": "boolean"}, "age": {"type": "number"}, "name": {"type": "string"},
        "surname": {"type": "string"}, "country": {"enum": C2},
        "birthday": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"},
        "custom": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "array"]}}}},
    "events": {"type": "array", "items": {"type": "object", "required": ["event_name", "timestamp"],
        "properties": {"event_name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]*$"}, "timestamp": ts,
          "event_params": {"type": "object", "properties": {
            "currency": {"enum": C3}, "quantity": {"type": "integer"}, "unit_price": {"type": "number"},
            "unit_sale_price": {"type": "number"}, "taxonomy": {"type": "array", "items": {"type": "string"}}}}},
        "if": {"properties": {"event_name": {"const": "purchase"}}},
        "then": {"properties": {"event_params": {"required": ["event_group_id", "unit_sale_price", "currency", "quantity"]}},
                 "required": ["event_params"]}}}}}
v = jsonschema.Draft7Validator(schema)
out, bad = sys.stdout.write, 0
for line in sys.stdin:
    if v.is_valid(json.loads(line)): out(line)
    else: bad += 1
sys.stderr.write("jsonschema: %d rejected\n" % bad)
EOF

ub=$(wc -c <"$U") umb=$(wc -c <"$UM")
SUB=$((BENCH_ROWS / 20)); [ "$SUB" -ge 1 ] || SUB=1
head -n "$SUB" "$U" >"$W/subset.ndjson"
sb=$(wc -c <"$W/subset.ndjson")
table_head "validate, $BENCH_ROWS user objects (5% invalid), $((ub / 1000000)) MB NDJSON / $((umb / 1000000)) MB MessagePack"
rm -f "$W"/*.rej
measure "validate --msgpack (MessagePack -> MessagePack)" "$BENCH_ROWS" "$umb" \
	"validate --msgpack --rejects '$W/mp.rej' <'$UM' >'$W/mp.out' 2>'$W/mp.err'"; m=$LAST_RATE
measure "validate (JSON -> JSON)" "$BENCH_ROWS" "$ub" \
	"validate --rejects '$W/json.rej' <'$U' >'$W/json.out' 2>'$W/json.err'"; j=$LAST_RATE
measure "validate --schema (JSON -> JSON)" "$BENCH_ROWS" "$ub" \
	"validate --schema '$W/schema.json' --rejects '$W/schema.rej' <'$U' >/dev/null 2>'$W/schema.err'"
measure "python3 loop, same checks (JSON -> JSON)" "$BENCH_ROWS" "$ub" \
	"python3 '$W/check.py' '$W/py.rej' <'$U' >'$W/py.out'"; p=$LAST_RATE
if python3 -c 'import jsonschema' 2>/dev/null; then
	s=0
	measure "python3-jsonschema Draft 7, first $SUB rows (JSON -> JSON)" "$SUB" "$sb" \
		"python3 '$W/js_check.py' <'$W/subset.ndjson' >'$W/js.out' 2>'$W/js.err'" && s=$LAST_RATE
else
	echo "(python3-jsonschema not installed: apt-get install python3-jsonschema)"; s=0
fi
# CPU time too: on a shared machine the wall clock also counts other processes
cpu_rate() { # LABEL CMD: rows per CPU second (user + system) of one run
	tf=$(mktemp)
	/usr/bin/time -f '%U %S' -o "$tf" sh -c "$2" || { rm -f "$tf"; return 1; }
	awk -v l="$1" -v r="$BENCH_ROWS" '{ c = $1 + $2; if (c <= 0) c = 0.001
		printf "%s: %.2f CPU seconds, %d rows per CPU second\n", l, c, r / c }' "$tf"
	rm -f "$tf"
}
echo
cpu_rate "validate --msgpack" "validate --msgpack --rejects '$W/cpu1.rej' <'$UM' >/dev/null 2>/dev/null"
cpu_rate "validate (JSON)" "validate --rejects '$W/cpu2.rej' <'$U' >/dev/null 2>/dev/null"
rm -f "$W"/cpu*.rej
echo "targets: MessagePack >= 500000 rows/s (wall: $m), JSON >= 250000 rows/s (wall: $j)"
ratio "validate JSON vs python3 loop" "$j" "$p"
[ "$s" -gt 0 ] && ratio "validate JSON vs python3-jsonschema" "$j" "$s"
# the same records pass everywhere
a=$(wc -l <"$W/json.out") b=$(wc -l <"$W/py.out") c=$(rec-cat --count "$W/mp.out")
if [ "$a" = "$b" ] && [ "$a" = "$c" ] && cmp -s "$W/json.out" "$W/py.out"; then
	echo "passed records: $a, identical for validate (JSON and MessagePack) and the python3 loop"
else
	echo "passed records DIFFER: validate JSON $a, MessagePack $c, python3 $b"
fi
[ "$s" -gt 0 ] && { head -n "$SUB" "$W/json.out" >/dev/null; echo "jsonschema on the subset: $(cat "$W/js.err")"; }
tail -n 1 "$W/json.err"
