#!/usr/bin/env python3
"""bench-gen.py ROWS OUT: writes ROWS CDF-like change rows as NDJSON (about 500 bytes a row):
the columns of a users-and-purchases table (int64 ids, strings, decimals, booleans, dates,
timestamps, arrays) plus _change_type, _commit_version and _commit_timestamp. Deterministic."""
import random
import sys

def main():
    rows, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(42)
    first = ["Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Zoë", "Jürgen"]
    last = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen", "Çelik", "Müller"]
    countries = ["TR", "US", "DE", "GB", "FR", "NL", "ES", "IT", "BR", "JP"]
    tiers = ["bronze", "silver", "gold", "platinum"]
    cats = [["Shoes", "Running"], ["Books", "Computing", "C"], ["Home", "Kitchen"], ["Toys"], ["Garden", "Tools", "Hand tools"]]
    events = ["purchase", "purchase", "cart_page_view", "product_detail_page_view", "wishlist_add"]
    with open(out, "w", encoding="utf-8") as f:
        w = f.write
        for i in range(rows):
            uid = 9007199254740993 + i * 7919
            fn, ln = rnd.choice(first), rnd.choice(last)
            version = 1 + i // 5000
            day = 1 + i % 28
            ev = rnd.choice(events)
            cat = rnd.choice(cats)
            qty = 1 + rnd.randrange(5)
            price = rnd.randrange(100, 100000)
            sale = price - rnd.randrange(0, price // 4 + 1)
            w('{"user_id":%d,"email":"%s.%s%d@example.com","phone":"+90532%07d",'
              '"first_name":"%s","last_name":"%s","birth_date":"19%02d-%02d-%02d",'
              '"email_optin":%s,"country":"%s","age":%d,"loyalty_tier":"%s",'
              '"orders_total":%d.%02d,"event_name":"%s","event_ts":"2026-11-%02dT%02d:%02d:%02d.%03dZ",'
              '"sku":"SKU-%06d","product_name":"Product %d \\"deluxe\\"","category_path":["%s"],'
              '"currency":"TRY","qty":%d,"price":%d.%02d,"sale_price":%d.%02d,'
              '"order_id":"ORD-%09d","coupon_code":%s,"updated_at":"2026-11-%02dT10:00:00Z",'
              '"_change_type":"%s","_commit_version":%d,"_commit_timestamp":"2026-11-%02dT10:00:00Z"}\n'
              % (uid, fn.lower(), ln.lower(), i, i % 10000000, fn, ln, 50 + i % 50, 1 + i % 12, 1 + i % 28,
                 "true" if i % 3 else "false", rnd.choice(countries), 18 + i % 60, rnd.choice(tiers),
                 rnd.randrange(0, 500000), rnd.randrange(100), ev, day, i % 24, i % 60, (i * 7) % 60, i % 1000,
                 i % 500000, i % 9973, '","'.join(cat), qty, price // 100, price % 100, sale // 100, sale % 100,
                 i // 3, '"WELCOME10"' if i % 4 == 0 else "null", day,
                 "insert" if i % 10 else "update_postimage", version, 1 + version % 28))

main()
