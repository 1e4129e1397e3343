#!/usr/bin/env python3
"""make-table.py NAME ROWS: a table fixture for the window tests (tests/0209, tests/0703) on
stdout: version 1 inserts ROWS users, versions 2 and 3 insert 5 each, version 4 updates the
first 30 (each update is two change rows: pre- and post-image)."""
import json
import sys

name, rows = sys.argv[1], int(sys.argv[2])


def user(i, tier):
    return {"user_id": i, "email": "u%04d@example.com" % i, "first_name": "User%d" % i,
            "tier": tier}


commits = [{"version": 0, "timestamp": "2026-11-20T00:00:00Z", "operation": "CREATE TABLE"},
           {"version": 1, "timestamp": "2026-11-21T00:00:00Z", "operation": "WRITE",
            "insert": [user(i, "bronze") for i in range(1, rows + 1)]},
           {"version": 2, "timestamp": "2026-11-21T00:01:00Z", "operation": "WRITE",
            "insert": [user(i, "bronze") for i in range(rows + 1, rows + 6)]},
           {"version": 3, "timestamp": "2026-11-21T00:02:00Z", "operation": "WRITE",
            "insert": [user(i, "bronze") for i in range(rows + 6, rows + 11)]},
           {"version": 4, "timestamp": "2026-11-21T00:03:00Z", "operation": "UPDATE",
            "update": [{"before": user(i, "bronze"), "after": user(i, "gold")}
                       for i in range(1, 31)]}]
json.dump({"name": name, "table_type": "MANAGED", "format": "delta", "cdf": True,
           "columns": [{"name": "user_id", "type": "BIGINT"}, {"name": "email", "type": "STRING"},
                       {"name": "first_name", "type": "STRING"}, {"name": "tier", "type": "STRING"}],
           "commits": commits}, sys.stdout)
