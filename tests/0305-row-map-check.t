#!/bin/sh
# row-map --check: validates a mapping; each refusal names the mapping key, exit 78.
. "$DBXI_ROOT/tests/lib.sh"
D=$DATA/row-map
plan 14
check "--check: the issue's mapping" 0 row-map --check -m "$D/full.json"
[ "$(cat out)" = "$D/full.json: ok: 3 identifiers, 10 attributes, 1 event (9 parameters), with jq" ]; ok $? "--check: one line on stdout"

cat >m.json <<'M'
{"identifiers": {"uuid": "user_id"},
 "attributes": {"custom": {"ltv": {"jq": ".orders_total / "}}}}
M
check "--check: jq syntax" 78 row-map --check -m m.json
check_err "--check: jq syntax: the key" "row-map: m.json: attributes.custom.ltv: jq: syntax error, unexpected \$end at <top-level>, line 1"

printf '{"attributes": {"age": "age"}}' >m.json
check "--check: no identifiers" 78 row-map --check -m m.json
check_err "--check: no identifiers: message" "row-map: m.json: identifiers: no identifier mapped"

printf '{"identifiers": {"uuid": "id"}, "atributes": {}}' >m.json
check "--check: unknown key" 78 row-map --check -m m.json
check_err "--check: unknown key: message" "row-map: m.json: atributes: unknown key"

printf '{"identifiers": {"uuid": "id"},\n "attributes": {"age": "age",}}' >m.json
check "--check: bad JSON" 78 row-map --check -m m.json
check_err "--check: bad JSON: line and column" "row-map: m.json: not valid JSON: line 2, column 30: object key expected"

check "--check: missing file" 78 row-map --check -m nope.json
check_err "--check: missing file: message" "row-map: nope.json: No such file or directory"

head -c 1048577 /dev/zero | tr '\0' ' ' >big.json
check "--check: too big" 78 row-map --check -m big.json
check_err "--check: too big: message" "row-map: big.json: larger than 1048576 bytes"
done_testing
