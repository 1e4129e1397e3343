#!/usr/bin/env python3
"""make-table.py OUTDIR: writes the demo's sample table (main.shop.orders: users and their
purchase events) for the Databricks emulator, with timestamps of the last few days so that
Insider's retention keeps every event, and the commits the demo adds later (commits.json)."""
import datetime
import json
import os
import sys

out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

def ts(days_ago, minutes=0):
    return (now - datetime.timedelta(days=days_ago, minutes=-minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

cols = [("user_id", "BIGINT"), ("email", "STRING"), ("phone", "STRING"), ("first_name", "STRING"),
        ("last_name", "STRING"), ("country", "STRING"), ("email_optin", "BOOLEAN"),
        ("loyalty_tier", "STRING"), ("order_id", "STRING"), ("event_name", "STRING"),
        ("event_ts", "TIMESTAMP"), ("sku", "STRING"), ("product_name", "STRING"),
        ("category_path", "ARRAY<STRING>"), ("currency", "STRING"), ("qty", "INT"),
        ("price", "DECIMAL(10,2)"), ("sale_price", "DECIMAL(10,2)"), ("coupon_code", "STRING")]

def row(uid, email, phone, first, last, country, optin, tier, order, ev, when, sku, name, cat,
        cur, qty, price, sale, coupon):
    return dict(zip([c for c, _ in cols], [uid, email, phone, first, last, country, optin, tier,
                order, ev, when, sku, name, cat, cur, qty, price, sale, coupon]))

ada = ("ada@example.com", "+447700900001", "Ada", "Lovelace", "GB", True, "gold")
grace = ("grace@example.com", "+14155550102", "Grace", "Hopper", "US", True, "platinum")
linus = ("linus@example.com", "+358401234567", "Linus", "Torvalds", "FI", False, "silver")
zoe = ("zoe@example.com", "+905321234567", "Zoë", "Çelik", "TR", True, "bronze")

commits = [
    {"version": 0, "timestamp": ts(3), "operation": "CREATE TABLE",
     "operation_parameters": {"properties": "{\"delta.enableChangeDataFeed\":\"true\"}"}},
    {"version": 1, "timestamp": ts(2), "operation": "WRITE", "insert": [
        row(9007199254740993, *ada, "o-1001", "purchase", ts(2, -5), "SKU-1", "Analytical Engine",
            ["Home", "Computing"], "GBP", 1, "1000.00", "899.90", None),
        row(2, *grace, "o-1002", "purchase", ts(2, -4), "SKU-2", "Compiler \"A-0\"",
            ["Software", "Compilers"], "USD", 2, "49.95", "49.95", "WELCOME10"),
        row(2, *grace, "o-1002", "purchase", ts(2, -4), "SKU-3", "Nanosecond wire",
            ["Hardware"], "USD", 1, "5.00", "4.50", "WELCOME10"),
        row(3, *linus, "o-1003", "cart_page_view", ts(2, -3), "SKU-4", "Penguin plush",
            ["Toys"], "EUR", 1, "19.99", "19.99", None),
        # Insider would refuse these two: validate sets them aside with their reasons
        row(4, "not-an-email", "+905320000004", "Bad", "Email", "TR", True, "bronze", "o-1004",
            "purchase", ts(2, -2), "SKU-5", "Tea", ["Grocery"], "TRY", 1, "10.00", "10.00", None),
        row(5, "bad.phone@example.com", "0532 000 05", "Bad", "Phone", "TR", False, "bronze",
            "o-1005", "purchase", ts(2, -1), "SKU-6", "Coffee", ["Grocery"], "TRY", 1, "12.00",
            "12.00", None),
    ]},
    {"version": 2, "timestamp": ts(1), "operation": "MERGE",
     "update": [{"before": row(3, *linus, "o-1003", "cart_page_view", ts(2, -3), "SKU-4",
                               "Penguin plush", ["Toys"], "EUR", 1, "19.99", "19.99", None),
                 "after": row(3, "linus@example.com", "+358401234567", "Linus", "Torvalds", "FI",
                              True, "gold", "o-1003", "cart_page_view", ts(2, -3), "SKU-4",
                              "Penguin plush", ["Toys"], "EUR", 1, "19.99", "19.99", None)}]},
]
later = [
    {"version": 3, "timestamp": ts(0, -30), "operation": "WRITE", "insert": [
        row(6, *zoe, "o-1006", "purchase", ts(0, -31), "SKU-7", "Çay bardağı",
            ["Home", "Kitchen"], "TRY", 6, "30.00", "25.50", None),
        row(9007199254740993, *ada, "o-1007", "purchase", ts(0, -29), "SKU-8", "Punched cards",
            ["Office"], "GBP", 100, "0.10", "0.10", None),
        row(7, "eve@example.com", "+15555550107", "Eve", "Dropper", "US", True, "bronze", "o-1008",
            "purchase", ts(0, -28), "SKU-9", "Lock picks", ["Tools"], "DOLLARS", 1, "9.99",
            "9.99", None),
    ]},
    {"version": 4, "timestamp": ts(0, -10), "operation": "DELETE",
     "delete": [row(2, *grace, "o-1002", "purchase", ts(2, -4), "SKU-3", "Nanosecond wire",
                    ["Hardware"], "USD", 1, "5.00", "4.50", "WELCOME10")]},
]
table = {"name": "main.shop.orders", "table_type": "MANAGED", "format": "delta", "cdf": True,
         "comment": "dbx-insider demo: users and their purchases",
         "columns": [{"name": c, "type": t} for c, t in cols], "commits": commits}
os.makedirs(os.path.join(out, "tables"), exist_ok=True)
with open(os.path.join(out, "tables", "main.shop.orders.json"), "w") as f:
    json.dump(table, f, indent=1, ensure_ascii=False)
with open(os.path.join(out, "commits.json"), "w") as f:
    for c in later:
        f.write(json.dumps({"table": "main.shop.orders", "commit": c}, ensure_ascii=False) + "\n")
