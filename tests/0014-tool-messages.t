#!/bin/sh
# #12 §6: the tools' messages say what is wrong and what to do: a UTF-8 BOM is named as such
# (records, mapping, schema file), a missing schema file names insider-push --fetch-schema, a
# mapping column typo gets "did you mean", validate's per-rule counts agree with the rejects
# file (what summary.json counts), dbx-cdf-read's state-ahead hint names the wrapper's
# --resnapshot too, and counts of one are singular.
. "$DBXI_ROOT/tests/lib.sh"
plan 25
unset INSIDER_API_TOKEN_FILE INSIDER_API_URL DBXI_WIRE
printf '\357\273\277{"a":1}\n' >bom.ndjson
check "#12 §6 a BOM in records: 65" 65 rec-cat bom.ndjson
check_err "#12 §6 a BOM in records: named" "rec-cat: bom.ndjson: record 1: malformed JSON at byte 1: a UTF-8 byte order mark (BOM): write the file as UTF-8 without a BOM"
printf '\357\273\277{"identifiers":{"uuid":"id"},"attributes":{"age":"age"}}' >bom.json
check "#12 §6 a BOM in the mapping: 78" 78 row-map --check -m bom.json
check_err "#12 §6 a BOM in the mapping: named" "row-map: bom.json: not valid JSON: line 1, column 1: a UTF-8 byte order mark (BOM)"
printf '\357\273\277{"attributes":{}}' >bs.json
echo '{"identifiers":{"uuid":"1"},"attributes":{"age":3}}' >u.ndjson
check "#12 §6 a BOM in the schema file: 78" 78 validate --schema bs.json <u.ndjson
check_err "#12 §6 a BOM in the schema file: named" "validate: bs.json: byte 1: a UTF-8 byte order mark (BOM)"

check "#12 §6 validate: a missing schema file: 78" 78 validate --schema nope.json <u.ndjson
check_err "#12 §6 validate: a missing schema file: the hint" \
	"validate: nope.json: No such file or directory (write it with: insider-push --fetch-schema >nope.json)"

# a mapping column typo: did you mean
echo '{"identifiers":{"uuid":"user_id"},"attributes":{"email":"email"}}' >m.json
echo '{"user_id":1,"emial":"a@example.com","_commit_version":1}' >r.ndjson
check "#12 §6 row-map: a column the record lacks: 78" 78 row-map -m m.json <r.ndjson
check_err "#12 §6 row-map: did you mean (record)" \
	'row-map: record 1: attributes.email: column "email" is not in the record (m.json); did you mean "emial"?'
printf '{"_schema":{"table":"main.s.t","columns":[{"name":"user_id","type":"BIGINT"},{"name":"emial","type":"STRING"}]}}\n' >s.ndjson
check "#12 §6 row-map: a column the table lacks: 78" 78 row-map -m m.json <s.ndjson
check_err "#12 §6 row-map: did you mean (schema line)" \
	'row-map: m.json: attributes.email: column "email" is not a column of main.s.t; did you mean "emial"?'
echo '{"identifiers":{"uuid":"user_id"},"attributes":{"email":"zzz"}}' >m2.json
check "#12 §6 row-map: nothing close" 78 row-map -m m2.json <s.ndjson
grep -q 'did you mean' err; [ $? -eq 1 ]; ok $? "#12 §6 row-map: no guess when nothing is close"

# validate's per-rule counts: one per rejected (or held) record, by its first rule, as in the
# rejects file (summary.json's rejects_by_rule counts those lines)
printf '{"events":{"wishlist_add":{"list":"string"}}}' >acct.json
cat >ev.ndjson <<'E'
{"identifiers":{"uuid":"3"},"attributes":{"email":"bad"},"events":[{"event_name":"wishlist_add","timestamp":"2026-11-30T00:00:00Z","event_params":{"custom":{"a":"x"}}}]}
{"identifiers":{"uuid":"1"},"events":[{"event_name":"wishlist_add","timestamp":"2026-11-30T00:00:00Z","event_params":{"custom":{"a":"x","b":"y"}}}]}
{"identifiers":{"uuid":"2"},"events":[{"event_name":"wishlist_add","timestamp":"2026-11-30T00:00:00Z","event_params":{"custom":{"a":"x","b":"y","c":"z"}}}]}
E
DBXI_NOW=2026-12-01T00:00:00Z run 78 validate --schema acct.json --rejects rej.ndjson <ev.ndjson
ok $? "#12 §6 validate: three rejected"
check_err "#12 §6 validate: the counts are of records" "validate: 3 in, 0 passed, 1 rejected (attribute-email: 1); stopped at record 2: 2 held for the schema (custom-param-unknown: 2)"
jq -r .rule rej.ndjson | sort | uniq -c | awk '{ printf "%s%s: %s", (n++ ? ", " : ""), $2, $1 }' >got
printf 'attribute-email: 1, custom-param-unknown: 2' >want
same want got; ok $? "#12 §6 validate: the rejects file counts the same"

# counts of one are singular
export INSIDER_PARTNER_NAME=mybrand INSIDER_API_TOKEN=tok
echo '{"identifiers":{"uuid":"1"},"attributes":{"age":3}}' >one.ndjson
check "#12 §6 insider-push: one user" 0 insider-push --dry-run one.ndjson
check_err "#12 §6 insider-push: 1 user in 1 request" "insider-push: dry run: 1 user in 1 request ("
check "#12 §6 insider-push --quiet: one user" 0 insider-push --dry-run --quiet one.ndjson
echo "1 user in 1 request (63 bytes), 0 rejected" >want
check_out "#12 §6 insider-push --quiet: singular" want

# dbx-cdf-read: the state file ahead of the table names both ways back
. "$DATA/dbx-cdf-read/emu.sh"
emu_start
pat
printf '{"table":"shop.crm.customers","version":7}\n' >ahead.json
check "#12 §6 dbx-cdf-read: state ahead of the table: 78" 78 dbx-cdf-read --state ahead.json shop.crm.customers
check_err "#12 §6 dbx-cdf-read: names --snapshot and the wrapper's --resnapshot" \
	"take a fresh snapshot with --snapshot (through dbx-insider-sync: --resnapshot)"
check "#12 §6 dbx-cdf-read: one version of one row" 0 dbx-cdf-read --from-version 4 --to-version 4 shop.crm.log_truncated
check_err "#12 §6 dbx-cdf-read: 1 row" "dbx-cdf-read: read versions 4..4: 1 row (0 dropped)"
done_testing
