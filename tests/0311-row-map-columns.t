#!/bin/sh
# row-map --columns -m MAPPING: the columns the mapping reads, one per line, for
# dbx-cdf-read --columns (#11.5); jq fields declare theirs with "columns", or the columns are
# told from the program's text; otherwise "*" with a note.
. "$DBXI_ROOT/tests/lib.sh"
plan 16
cat >m.json <<'M'
{"identifiers": {"uuid": "user_id", "email": {"column": "email", "type": "string"}},
 "attributes": {"name": "first_name", "custom": {"tier": {"value": "gold"}, "ltv": {"jq": ".orders_total * 2"}}},
 "events": [{"name": {"value": "purchase"}, "timestamp": "_commit_timestamp",
             "params": {"product_id": "sku"}}]}
M
check '#11.5 --columns: a mapping with a simple jq field' 0 row-map --columns -m m.json
printf '%s\n' user_id email first_name orders_total sku >want
check_out '#11.5 one column per line, in mapping order, CDF columns left out' want
[ ! -s err ]; ok $? '#11.5 no note'
cat >m.json <<'M'
{"identifiers": {"uuid": "user_id"},
 "attributes": {"custom": {"score": {"jq": "[.a, .b] | add", "columns": ["a", "b"]},
                           "x": {"jq": "to_entries | length", "columns": ["c", "a"]}}}}
M
check '#11.5 jq fields that declare their columns' 0 row-map --columns -m m.json
printf '%s\n' user_id a b c >want
check_out '#11.5 the declared columns, each once' want
cat >m.json <<'M'
{"identifiers": {"uuid": "user_id"},
 "attributes": {"custom": {"all": {"jq": "to_entries | length"}}}}
M
check '#11.5 a jq field reading the whole row, undeclared' 0 row-map --columns -m m.json
echo '*' >want
check_out '#11.5 falls back to *' want
check_err '#11.5 with a note naming the field' 'row-map: note: attributes.custom.all: the jq program may read any column and declares no "columns": every column is read (*)'
cat >m.json <<'M'
{"identifiers": {"uuid": "user_id"}, "attributes": {"custom": "extra"}}
M
check '#11.5 a spread column' 0 row-map --columns -m m.json
printf '%s\n' user_id extra >want
check_out '#11.5 is read' want
cat >m.json <<'M'
{"identifiers": {"uuid": "user_id"}, "attributes": {"custom": {"x": {"column": "a", "columns": ["b"]}}}}
M
check '#11.5 "columns" without "jq" is refused' 78 row-map --columns -m m.json
check_err '#11.5 naming the key' 'attributes.custom.x: "columns" goes only with "jq"'
cat >m.json <<'M'
{"identifiers": {"uuid": "user_id"}, "attributes": {"custom": {"x": {"jq": ".a", "columns": "a"}}}}
M
check '#11.5 "columns" must be a list' 78 row-map --check -m m.json
check_err '#11.5 says so' 'attributes.custom.x.columns: expected a list of column names'
check '#11.5 --columns takes only -m' 64 row-map --columns --msgpack -m m.json
check '#11.5 --columns needs -m' 64 row-map --columns
done_testing
