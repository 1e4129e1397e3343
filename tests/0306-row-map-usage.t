#!/bin/sh
# row-map: usage, --help, wrong usage (exit 64).
. "$DBXI_ROOT/tests/lib.sh"
D=$DATA/row-map
plan 13
check "--help" 0 row-map --help
head -n 4 out >usage
cat >want <<'U'
usage: row-map [--msgpack] [--rejects FILE] [--nulls skip|clear]
       [--deletes ignore|profile|attributes] -m MAPPING [FILE]
       row-map --check [--schema FILE] -m MAPPING
       row-map --suggest [--schema FILE] [FILE]
U
same want usage; ok $? "--help: the synopsis"
grep -q -- '--rejects FILE' out; ok $? "--help: the options"
check "no mapping" 64 row-map
check_err "no mapping: message" "row-map: a mapping is needed: -m MAPPING"
check "unknown option" 64 row-map --frobnicate -m x
check_err "unknown option: usage" "usage: row-map [--msgpack] [--rejects FILE] [--nulls skip|clear]"
check "two FILEs (#12 §4: one FILE at most)" 64 row-map -m "$D/full.json" a.ndjson b.ndjson
check_err "two FILEs: message" "row-map: unexpected argument 'b.ndjson' (one input FILE at most)"
check "--check with --rejects" 64 row-map --check --rejects r -m "$D/full.json"
check_err "--check with --rejects: message" "row-map: --check takes only -m MAPPING"
check "--suggest with -m" 64 row-map --suggest -m "$D/full.json"
check_err "--suggest with -m: message" "row-map: --suggest takes only --schema FILE and an optional FILE"
done_testing
