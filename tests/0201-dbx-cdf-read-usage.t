#!/bin/sh
# dbx-cdf-read: usage, names, and the unified configuration (flags > environment > profile,
# *_FILE secrets, two auth methods refused, http only to loopback).
. "$DBXI_ROOT/tests/lib.sh"
. "$DATA/dbx-cdf-read/emu.sh"
plan 46
check 'help' 0 dbx-cdf-read --help
grep -q '^usage: dbx-cdf-read \[options\] CATALOG.SCHEMA.TABLE$' out; ok $? 'help starts with the usage'
check 'no table' 64 dbx-cdf-read
check_err 'says what is missing' 'give one table: CATALOG.SCHEMA.TABLE'
check 'no secret flags' 64 dbx-cdf-read --token dapi-x a.b.c
check 'two-part name' 64 dbx-cdf-read a.b
check_err 'names the form' "table 'a.b': give it as CATALOG.SCHEMA.TABLE"
check 'no SQL through the name' 64 dbx-cdf-read "a.b.c') --"
check_err 'names the character' "bad character ' in name"
check 'modes exclude each other' 64 dbx-cdf-read --verify --list a.b.c
check 'bad change type' 64 dbx-cdf-read --change-types upsert a.b.c
check 'to before from' 64 dbx-cdf-read --from-version 5 --to-version 2 a.b.c

check 'no host' 78 dbx-cdf-read a.b.c
check_err 'says how to set it' 'no Databricks host: set DATABRICKS_HOST'
DATABRICKS_HOST=http://example.com DATABRICKS_TOKEN=x DATABRICKS_WAREHOUSE_ID=w check 'plain http elsewhere refused' 78 dbx-cdf-read a.b.c
check_err 'loopback only' 'loopback'
DATABRICKS_HOST=https://h.example DATABRICKS_TOKEN=tok-SECRET1 DATABRICKS_CLIENT_ID=c DATABRICKS_CLIENT_SECRET=s-SECRET2 DATABRICKS_WAREHOUSE_ID=w \
	check 'two auth methods' 78 dbx-cdf-read a.b.c
check_err 'the SDK error' 'more than one authorization method configured: oauth and pat'
[ "$(grep -c SECRET err)" -eq 0 ]; ok $? 'no secret in the message'
echo tok >tokfile
DATABRICKS_HOST=https://h.example DATABRICKS_TOKEN=tok DATABRICKS_TOKEN_FILE=tokfile DATABRICKS_WAREHOUSE_ID=w \
	check 'VAR and VAR_FILE both set' 78 dbx-cdf-read a.b.c
check_err 'names both' 'DATABRICKS_TOKEN'
DATABRICKS_HOST=https://h.example DATABRICKS_TOKEN=tok check 'no warehouse' 78 dbx-cdf-read a.b.c
check_err 'says how to set it' 'no SQL warehouse: set DATABRICKS_HTTP_PATH'
DATABRICKS_HOST=https://h.example DATABRICKS_TOKEN=tok DATABRICKS_HTTP_PATH=sql/protocolv1/o/1/0123-abc \
	check 'cluster HTTP path refused' 78 dbx-cdf-read a.b.c
check_err 'needs a warehouse' 'all-purpose cluster'
DATABRICKS_HOST=https://h.example DATABRICKS_TOKEN=tok DATABRICKS_WAREHOUSE_ID=w1 DATABRICKS_HTTP_PATH=/sql/1.0/warehouses/w2 \
	check 'id and path disagree' 78 dbx-cdf-read a.b.c
check_err 'says so' 'name different warehouses'

# profiles, against the emulator
emu_start
cat >cfg <<CFG
[DEFAULT]
host = https://never.example
token = dapi-default

[sp]
host          = $HOSTURL   # the emulator
client_id     = $CID
client_secret = $CSECRET
http_path     = /sql/1.0/endpoints/$WH
CFG
DATABRICKS_CONFIG_FILE=cfg DATABRICKS_CONFIG_PROFILE=sp check 'profile with OAuth and a legacy HTTP path' 0 dbx-cdf-read --schema shop.crm.customers
grep -q '"_schema":{"table":"shop.crm.customers","columns":\[{"name":"id","type":"BIGINT"}' out; ok $? 'schema record'
DATABRICKS_CONFIG_FILE=cfg check 'named with --profile' 0 dbx-cdf-read --profile sp --schema shop.crm.customers
DATABRICKS_CONFIG_FILE=cfg DATABRICKS_CONFIG_PROFILE=nope check 'missing named profile' 78 dbx-cdf-read shop.crm.customers
check_err 'names it' 'profile nope not found in cfg'
DATABRICKS_CONFIG_FILE=cfg DATABRICKS_HOST=$HOSTURL DATABRICKS_WAREHOUSE_ID=$WH check 'host from env: the file is not read' 78 dbx-cdf-read shop.crm.customers
check_err 'no credentials then' 'no Databricks credentials'
printf '%s\n' "$CSECRET" >secret
DATABRICKS_HOST=$HOSTURL DATABRICKS_CLIENT_ID=$CID DATABRICKS_CLIENT_SECRET_FILE=secret DATABRICKS_WAREHOUSE_ID=wrongwarehouse \
	check 'secret from a file, --warehouse-id beats the environment' 0 dbx-cdf-read --warehouse-id $WH --schema shop.crm.customers
requests | grep -q "\"warehouse_id\": \"$WH\""; ok $? 'the flag warehouse was used'
DATABRICKS_HOST=$HOSTURL DATABRICKS_CLIENT_ID=$CID DATABRICKS_CLIENT_SECRET_FILE=secret \
	check 'flag host beats the environment' 0 dbx-cdf-read --host "$HOSTURL/" --http-path /sql/1.0/warehouses/$WH --schema shop.crm.customers
DATABRICKS_HOST=$HOSTURL DATABRICKS_TOKEN=$PAT DATABRICKS_WAREHOUSE_ID=nosuchwarehouse \
	check 'unknown warehouse' 78 dbx-cdf-read shop.crm.customers
DATABRICKS_HOST=$HOSTURL DATABRICKS_TOKEN=wrong-token DATABRICKS_WAREHOUSE_ID=$WH \
	check 'PAT refused' 77 dbx-cdf-read shop.crm.customers
check_err 'says why' 'HTTP 40'
[ "$(grep -c wrong-token err)" -eq 0 ]; ok $? 'token not in the message'
ctl config '{"html_403":true}'
DATABRICKS_HOST=$HOSTURL DATABRICKS_TOKEN=e30.e30.wrong-jwt DATABRICKS_WAREHOUSE_ID=$WH \
	check 'token refused with an HTML page' 77 dbx-cdf-read shop.crm.customers
check_err 'its title in the message' 'HTTP 403: Error 403 Invalid access token.'
ctl config '{"html_403":false}'
DATABRICKS_HOST=$HOSTURL DATABRICKS_CLIENT_ID=$CID DATABRICKS_CLIENT_SECRET=bad-SECRET3 DATABRICKS_WAREHOUSE_ID=$WH \
	check 'OAuth client refused' 77 dbx-cdf-read shop.crm.customers
check_err 'says so' 'OAuth token request refused the client credentials'
[ "$(grep -c SECRET3 err)" -eq 0 ]; ok $? 'secret not in the message'
done_testing
