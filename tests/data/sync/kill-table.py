#!/usr/bin/env python3
"""kill-table.py OUTDIR VERSIONS ROWS: a table main.kill.users for the kill -9 loop (created
empty at version 0), commits.ndjson: VERSIONS commits of ROWS rows each (new users, purchases,
and updates of earlier users' tier) that the test adds as it goes, and expected.json: what
Insider must hold once everything is delivered."""
import json
import os
import sys

out, versions, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cols = [("email", "STRING"), ("name", "STRING"), ("tier", "STRING"), ("order_id", "STRING"),
        ("event_name", "STRING"), ("event_ts", "TIMESTAMP"), ("sku", "STRING"),
        ("currency", "STRING"), ("qty", "INT"), ("price", "DECIMAL(10,2)")]
commits = [{"version": 0, "timestamp": "2026-11-20T00:00:00Z", "operation": "CREATE TABLE"}]
current = {}  # email -> last row
expected_users, expected_events = {}, set()
n = 0
for v in range(1, versions + 1):
    c = {"version": v, "timestamp": "2026-11-21T%02d:%02d:00Z" % (v // 60, v % 60), "operation": "MERGE",
         "insert": [], "update": []}
    for i in range(rows):
        n += 1
        if i % 5 == 4 and current:
            email = sorted(current)[(v * 7 + i) % len(current)]
            before = current[email]
            after = dict(before, tier="tier-v%d-%d" % (v, i))
            c["update"].append({"before": before, "after": after})
            current[email] = after
        else:
            email = "u%05d@example.com" % n
            row = {"email": email, "name": "User %d" % n, "tier": "tier-v%d" % v,
                   "order_id": "o-%06d" % n, "event_name": "purchase",
                   "event_ts": "2026-11-21T%02d:%02d:%02dZ" % (v // 60, v % 60, i % 60),
                   "sku": "SKU-%d" % (n % 97), "currency": "EUR", "qty": 1 + n % 3,
                   "price": "%d.%02d" % (n % 500, n % 100)}
            c["insert"].append(row)
            current[email] = row
    commits.append(c)
for email, row in current.items():
    expected_users[email] = {"name": row["name"], "tier": row["tier"]}
for c in commits:
    for r in c.get("insert", []) + [u["after"] for u in c.get("update", [])]:
        expected_events.add((r["email"], r["order_id"]))
table = {"name": "main.kill.users", "table_type": "MANAGED", "format": "delta", "cdf": True,
         "columns": [{"name": a, "type": b} for a, b in cols], "commits": commits[:1]}
os.makedirs(os.path.join(out, "tables"), exist_ok=True)
with open(os.path.join(out, "commits.ndjson"), "w") as f:
    for c in commits[1:]:
        f.write(json.dumps({"table": "main.kill.users", "commit": c}) + "\n")
json.dump(table, open(os.path.join(out, "tables", "main.kill.users.json"), "w"))
json.dump({"users": expected_users, "events": sorted(map(list, expected_events)),
           "rows": sum(len(c.get("insert", [])) + len(c.get("update", [])) for c in commits)},
          open(os.path.join(out, "expected.json"), "w"))
