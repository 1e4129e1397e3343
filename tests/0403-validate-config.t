#!/bin/sh
# validate: the schema file (--schema) and the iso-codes tables: every problem is a clear
# message and exit 78 (EX_CONFIG); limits of the reference are reported.
. "$DBXI_ROOT/tests/lib.sh"
V=$DATA/validate
DBXI_NOW=2026-01-01T00:00:00Z; export DBXI_NOW
unset DBXI_ISO_CODES_DIR
plan 26
u='{"identifiers":{"uuid":"u1"},"attributes":{"custom":{"tier":"gold"}}}'

# iso-codes: missing files name the Debian package
mkdir iso
DBXI_ISO_CODES_DIR=$T/iso validate </dev/null >out 2>err
ok $(($? != 78)) 'iso-codes missing: 78'
check_err 'iso-codes missing: names the file and the package' "validate: $T/iso/iso_3166-1.json: missing; install Debian's iso-codes package (apt-get install iso-codes)"
cp /usr/share/iso-codes/json/iso_3166-1.json iso/
echo '{"4217": "nope"}' >iso/iso_4217.json
DBXI_ISO_CODES_DIR=$T/iso validate </dev/null >out 2>err
ok $(($? != 78)) 'iso-codes damaged: 78'
check_err 'iso-codes damaged: message' "validate: $T/iso/iso_4217.json: no \"4217\" list; reinstall Debian's iso-codes package"
printf '{"4217":[{"alpha_3":"EUR"},{"alpha_3":"USD"}]}' >iso/iso_4217.json
echo '{"identifiers":{"uuid":"u1"},"events":[{"event_name":"cart_page_view","timestamp":"2025-12-01T00:00:00Z","event_params":{"event_group_id":"b","unit_sale_price":1,"currency":"SGD"}}]}' >sgd.ndjson
DBXI_ISO_CODES_DIR=$T/iso validate <sgd.ndjson >out 2>err
ok $? 'iso-codes: the codes come from the files (exit 0)'
check_err 'iso-codes: a code missing from the file is refused' 'events.0.event_params.currency: not an ISO 4217 currency code (USD): SGD (event-currency)'

# schema files
echo "$u" >u.ndjson
check 'schema: good' 0 validate --schema "$V/schema.json" <u.ndjson
check_out 'schema: record passed' u.ndjson
check 'schema: missing file: 78' 78 validate --schema nosuch.json </dev/null
check_err 'schema: missing file: message' 'validate: nosuch.json: No such file or directory'
printf '{"attributes": {"tier": "text"}}' >s1.json
check 'schema: unknown type: 78' 78 validate --schema s1.json </dev/null
check_err 'schema: unknown type: message' 'validate: s1.json: attributes.tier: unknown type (want string, number, boolean, datetime or strings)'
printf '{"attributes": {"tier": "string"}, "event": {}}' >s2.json
check 'schema: unknown key: 78' 78 validate --schema s2.json </dev/null
check_err 'schema: unknown key: message' 'validate: s2.json: event: unknown key (want attributes, events)'
printf '{"events": {"Wishlist Add": {}}}' >s3.json
check 'schema: bad event name: 78' 78 validate --schema s3.json </dev/null
check_err 'schema: bad event name: message' "validate: s3.json: events.Wishlist Add: not a valid event name (lower case letters, digits, '.', '_', '-')"
printf '{"attributes": {"tier": "string", "tier": "number"}}' >s4.json
check 'schema: name twice: 78' 78 validate --schema s4.json </dev/null
check_err 'schema: name twice: message' 'validate: s4.json: attributes.tier: defined twice'
printf '{"attributes": ' >s5.json
check 'schema: not JSON: 78' 78 validate --schema s5.json </dev/null
check_err 'schema: not JSON: message' 'validate: s5.json: '
printf '{"_comment": "from insider-push --fetch-schema", "events": {"purchase": {"coupon": "string"}}}' >s6.json
check 'schema: comment keys allowed' 0 validate --schema s6.json </dev/null

# limits of the reference: 80 custom attributes, 80 custom event parameters
check 'schema over limits: still used' 0 validate --schema "$V/schema-over-limits.json" </dev/null
check_err 'schema over limits: attributes' "schema-over-limits.json: 81 custom attributes: more than Insider's default limit of 80"
check_err 'schema over limits: parameters' "schema-over-limits.json: 81 custom event parameters: more than Insider's limit of 80"
check 'schema over limits: --strict refuses: 78' 78 validate --strict --schema "$V/schema-over-limits.json" </dev/null
check_err 'schema over limits: --strict message' "schema-over-limits.json: refused under --strict (schema over Insider's limits)"
done_testing
