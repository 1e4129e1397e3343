#!/usr/bin/env python3
"""Databricks emulator for dbx-insider tests (python3 stdlib only).

Emulates, on 127.0.0.1, the parts of Databricks that dbx-cdf-read uses: OAuth M2M discovery
and token endpoints, PAT auth, the SQL Statement Execution API 2.0 (INLINE and EXTERNAL_LINKS,
JSON_ARRAY), SQL warehouses GET, Unity Catalog listing, and the SQL forms of
/work/notes/dbx-contract.md over in-memory Delta-like tables loaded from JSON fixtures.
Facts follow shared/reference/databricks.md and the recorded traffic in
tests/data/databricks-recorded/. See docs/emulators.md.

    python3 tests/emu/dbx_emu.py --port PORT --tables DIR [options]
    python3 tests/emu/dbx_emu.py ctl PORT COMMAND [ARG...]     (control client, see --help)
"""
import argparse
import base64
import datetime as dt
import decimal
import hashlib
import json
import math
import os
import re
import zlib
import secrets
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MIB = 1024 * 1024

# --------------------------------------------------------------------------------------------
# Types: parsing SQL type text, manifest column info, rendering values as JSON_ARRAY strings.
# --------------------------------------------------------------------------------------------

SIMPLE_TYPES = {
    # type_text -> type_name (reference section 6)
    "TINYINT": "BYTE", "BYTE": "BYTE", "SMALLINT": "SHORT", "SHORT": "SHORT",
    "INT": "INT", "INTEGER": "INT", "BIGINT": "LONG", "LONG": "LONG",
    "FLOAT": "FLOAT", "REAL": "FLOAT", "DOUBLE": "DOUBLE",
    "STRING": "STRING", "BOOLEAN": "BOOLEAN", "BINARY": "BINARY", "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP", "TIMESTAMP_LTZ": "TIMESTAMP", "TIMESTAMP_NTZ": "TIMESTAMP_NTZ",
    "VARIANT": "VARIANT", "VOID": "NULL", "GEOMETRY": "GEOMETRY", "GEOGRAPHY": "GEOGRAPHY",
}
CANON = {"BYTE": "TINYINT", "SHORT": "SMALLINT", "INTEGER": "INT", "LONG": "BIGINT",
         "REAL": "FLOAT", "TIMESTAMP_LTZ": "TIMESTAMP"}
INTERVAL_UNITS = ("YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND")


class SqlType:
    """kind: simple name (INT, STRING...), DECIMAL, VARCHAR, CHAR, INTERVAL, ARRAY, MAP, STRUCT."""

    def __init__(self, kind, **kw):
        self.kind = kind
        self.precision = kw.get("precision")
        self.scale = kw.get("scale")
        self.length = kw.get("length")
        self.interval = kw.get("interval")
        self.elem = kw.get("elem")
        self.key = kw.get("key")
        self.value = kw.get("value")
        self.fields = kw.get("fields")

    def text(self):
        k = self.kind
        if k == "DECIMAL":
            return "DECIMAL(%d,%d)" % (self.precision, self.scale)
        if k in ("VARCHAR", "CHAR"):
            return "%s(%d)" % (k, self.length)
        if k in ("GEOMETRY", "GEOGRAPHY") and self.length is not None:
            return "%s(%s)" % (k, self.length)
        if k == "INTERVAL":
            return "INTERVAL " + self.interval
        if k == "ARRAY":
            return "ARRAY<%s>" % self.elem.text()
        if k == "MAP":
            return "MAP<%s, %s>" % (self.key.text(), self.value.text())
        if k == "STRUCT":
            return "STRUCT<%s>" % ", ".join("%s: %s" % (n, t.text()) for n, t in self.fields)
        return k

    def uc_text(self):
        k = self.kind
        if k == "ARRAY":
            return "array<%s>" % self.elem.uc_text()
        if k == "MAP":
            return "map<%s,%s>" % (self.key.uc_text(), self.value.uc_text())
        if k == "STRUCT":
            return "struct<%s>" % ",".join("%s:%s" % (n, t.uc_text()) for n, t in self.fields)
        return self.text().lower()

    def type_name(self):
        k = self.kind
        if k in ("DECIMAL", "INTERVAL", "ARRAY", "MAP", "STRUCT"):
            return k
        if k == "VARCHAR":
            return "STRING"
        if k == "CHAR":
            return "CHAR"
        return SIMPLE_TYPES[k]

    def spark_json(self):
        k = self.kind
        if k == "ARRAY":
            return {"type": "array", "elementType": self.elem.spark_json(), "containsNull": True}
        if k == "MAP":
            return {"type": "map", "keyType": self.key.spark_json(),
                    "valueType": self.value.spark_json(), "valueContainsNull": True}
        if k == "STRUCT":
            return {"type": "struct", "fields": [
                {"name": n, "type": t.spark_json(), "nullable": True, "metadata": {}}
                for n, t in self.fields]}
        names = {"TINYINT": "byte", "SMALLINT": "short", "INT": "integer", "BIGINT": "long",
                 "VOID": "void"}
        if k in names:
            return names[k]
        if k == "DECIMAL":
            return "decimal(%d,%d)" % (self.precision, self.scale)
        if k == "VARCHAR" or k == "CHAR":
            return "string"
        if k == "INTERVAL":
            return "interval " + self.interval.lower()
        return k.lower()

    def column_info(self, name, pos):
        """Manifest column, key order as in the recordings."""
        c = {"name": name, "type_text": self.text(), "type_name": self.type_name(), "position": pos}
        if self.kind == "DECIMAL":
            c["type_precision"] = self.precision
            c["type_scale"] = self.scale
        if self.kind == "INTERVAL":
            c["type_interval_type"] = self.interval
        return c


class TypeParser:
    TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(`(?:[^`]|``)*`)|(\d+)|(.))")

    def __init__(self, s):
        self.toks = []
        pos = 0
        while pos < len(s):
            m = self.TOKEN.match(s, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
            if m.group(1):
                self.toks.append(("id", m.group(1)))
            elif m.group(2):
                self.toks.append(("id", m.group(2)[1:-1].replace("``", "`")))
            elif m.group(3):
                self.toks.append(("num", int(m.group(3))))
            elif m.group(4) and not m.group(4).isspace():
                self.toks.append(("p", m.group(4)))
        self.i = 0
        self.src = s

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, kind=None, val=None):
        t = self.peek()
        if t[0] is None or (kind and t[0] != kind) or (val is not None and
                                                      str(t[1]).upper() != val):
            raise ValueError("bad type %r" % self.src)
        self.i += 1
        return t[1]

    def parse(self):
        t = self.type()
        if self.i != len(self.toks):
            raise ValueError("bad type %r" % self.src)
        return t

    def type(self):
        name = self.take("id").upper()
        name = CANON.get(name, name)
        if name in ("DECIMAL", "DEC", "NUMERIC"):
            p, s = 10, 0
            if self.peek() == ("p", "("):
                self.take()
                p = self.take("num")
                if self.peek() == ("p", ","):
                    self.take()
                    s = self.take("num")
                self.take("p", ")")
            return SqlType("DECIMAL", precision=p, scale=s)
        if name in ("GEOMETRY", "GEOGRAPHY") and self.peek() == ("p", "("):
            self.take()
            srid = self.take("num") if self.peek()[0] == "num" else self.take("id")
            self.take("p", ")")
            return SqlType(name, length=srid)
        if name in ("VARCHAR", "CHAR"):
            self.take("p", "(")
            n = self.take("num")
            self.take("p", ")")
            return SqlType(name, length=n)
        if name == "INTERVAL":
            a = self.take("id").upper()
            if a not in INTERVAL_UNITS:
                raise ValueError("bad interval %r" % self.src)
            txt = a
            if self.peek()[0] == "id" and str(self.peek()[1]).upper() == "TO":
                self.take()
                b = self.take("id").upper()
                txt = a + " TO " + b
            return SqlType("INTERVAL", interval=txt)
        if name == "ARRAY":
            self.take("p", "<")
            e = self.type()
            self.take("p", ">")
            return SqlType("ARRAY", elem=e)
        if name == "MAP":
            self.take("p", "<")
            k = self.type()
            self.take("p", ",")
            v = self.type()
            self.take("p", ">")
            return SqlType("MAP", key=k, value=v)
        if name == "STRUCT":
            self.take("p", "<")
            fields = []
            while self.peek() != ("p", ">"):
                fname = self.take("id")
                if self.peek() == ("p", ":"):
                    self.take()
                fields.append((fname, self.type()))
                if self.peek() == ("p", ","):
                    self.take()
            self.take("p", ">")
            return SqlType("STRUCT", fields=fields)
        if name not in SIMPLE_TYPES:
            raise ValueError("unknown type %r" % self.src)
        return SqlType(name)


def parse_type(s):
    return TypeParser(s).parse()


class Session:
    """Rendering settings: the session time zone (UTC by default)."""
    tz = dt.timezone.utc


def parse_ts(v):
    """Fixture timestamp (ISO 8601, 'T' or ' ', optional offset/Z; naive = UTC) -> aware."""
    s = str(v).strip().replace(" ", "T", 1)
    if s.endswith("z") or s.endswith("Z"):
        s = s[:-1] + "+00:00"
    d = dt.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone.utc)
    return d


def fmt_offset(d):
    off = d.utcoffset()
    if not off:
        return "Z"
    secs = int(off.total_seconds())
    sign = "+" if secs >= 0 else "-"
    secs = abs(secs)
    return "%s%02d:%02d" % (sign, secs // 3600, secs % 3600 // 60)


def render_ts(v):
    """TIMESTAMP as observed: ISO 8601, 'T', exactly 3 fraction digits, session offset (Z for UTC)."""
    d = parse_ts(v).astimezone(Session.tz)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03d" % (d.microsecond // 1000) + fmt_offset(d)


def render_ts_ntz(v):
    s = str(v).strip().replace(" ", "T", 1)
    d = dt.datetime.fromisoformat(s)
    if d.tzinfo is not None:
        d = d.replace(tzinfo=None)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03d" % (d.microsecond // 1000)


def java_fmt(d):
    """Decimal of a finite non-zero float's shortest repr -> Java Double.toString form."""
    sign = "-" if d < 0 else ""
    d = abs(d)
    if decimal.Decimal("0.001") <= d < decimal.Decimal("10000000"):
        s = format(d, "f")
        if "." not in s:
            s += ".0"
        s = s.rstrip("0")
        if s.endswith("."):
            s += "0"
        return sign + s
    t = d.normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    exp = len(digits) - 1 + t.exponent
    return sign + digits[0] + "." + (digits[1:] or "0") + "E" + str(exp)


def render_double(v, is_float):
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("nan",):
            return "NaN"
        if low in ("inf", "infinity", "+infinity", "+inf"):
            return "Infinity"
        if low in ("-inf", "-infinity"):
            return "-Infinity"
    x = float(v)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    if is_float:
        f32 = struct.unpack("f", struct.pack("f", x))[0]
        # Java prints at least 2 digits for subnormals (Float.MIN_VALUE is "1.4E-45")
        for p in range(1 if abs(f32) >= 1.1754943508222875e-38 else 2, 10):
            s = "%.*g" % (p, f32)
            if struct.unpack("f", struct.pack("f", float(s)))[0] == f32:
                break
        return java_fmt(decimal.Decimal(s))
    return java_fmt(decimal.Decimal(repr(x)))


def render_decimal(v, t):
    d = decimal.Decimal(str(v))
    q = decimal.Decimal(1).scaleb(-t.scale)
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        d = d.quantize(q, rounding=decimal.ROUND_HALF_UP)
    s = format(d, "f")
    if s.startswith("-") and d == 0:
        s = s[1:]
    return s


def render_binary(v):
    if isinstance(v, dict) and "hex" in v:
        return base64.b64encode(bytes.fromhex(v["hex"])).decode()
    return str(v)  # fixtures hold BINARY as base64 text already


def jstr(s):
    return json.dumps(s, ensure_ascii=False)


def nested_json(v, t):
    """JSON text of a value nested inside ARRAY/MAP/STRUCT (Spark to_json style)."""
    if v is None:
        return "null"
    k = t.kind
    if k in ("TINYINT", "SMALLINT", "INT", "BIGINT"):
        return str(int(v))
    if k in ("FLOAT", "DOUBLE"):
        s = render_double(v, k == "FLOAT")
        return jstr(s) if s in ("NaN", "Infinity", "-Infinity") else s
    if k == "DECIMAL":
        return render_decimal(v, t)
    if k == "BOOLEAN":
        return "true" if v else "false"
    if k == "ARRAY":
        return "[" + ",".join(nested_json(x, t.elem) for x in v) + "]"
    if k == "MAP":
        items = v.items() if isinstance(v, dict) else v
        return "{" + ",".join(jstr(render_scalar(a, t.key)) + ":" + nested_json(b, t.value)
                              for a, b in items) + "}"
    if k == "STRUCT":
        return "{" + ",".join(jstr(n) + ":" + nested_json(v.get(n), ft) for n, ft in t.fields) + "}"
    if k == "VARIANT":
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return jstr(render_scalar(v, t))


def render_scalar(v, t):
    k = t.kind
    if k in ("TINYINT", "SMALLINT", "INT", "BIGINT"):
        return str(int(v))
    if k in ("FLOAT", "DOUBLE"):
        return render_double(v, k == "FLOAT")
    if k == "DECIMAL":
        return render_decimal(v, t)
    if k == "BOOLEAN":
        if isinstance(v, str):
            return "true" if v.lower() == "true" else "false"
        return "true" if v else "false"
    if k == "DATE":
        return dt.date.fromisoformat(str(v)).isoformat()
    if k == "TIMESTAMP":
        return render_ts(v)
    if k == "TIMESTAMP_NTZ":
        return render_ts_ntz(v)
    if k == "BINARY":
        return render_binary(v)
    if k in ("ARRAY", "MAP", "STRUCT"):
        return nested_json(v, t)
    if k == "VARIANT":
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    if k == "VOID":
        return None
    return str(v)  # STRING, VARCHAR, CHAR, INTERVAL (fixture holds Spark's string form)


def render(v, t):
    if v is None:
        return None
    return render_scalar(v, t)


# --------------------------------------------------------------------------------------------
# Errors: Databricks SQL error messages "[CLASS] text SQLSTATE: xxxxx".
# --------------------------------------------------------------------------------------------

class SqlError(Exception):
    def __init__(self, cls, text, sqlstate, error_code="BAD_REQUEST", lead=""):
        self.cls = cls
        self.error_code = error_code
        if cls:
            self.message = "%s[%s] %s SQLSTATE: %s" % (lead, cls, text, sqlstate)
        else:
            self.message = text
        super().__init__(self.message)


def q3(parts):
    return ".".join("`%s`" % p for p in parts)


def err_not_found(parts, pos=14):
    return SqlError(
        "TABLE_OR_VIEW_NOT_FOUND",
        "The table or view %s cannot be found. Verify the spelling and correctness of the "
        "schema and catalog.\nIf you did not qualify the name with a schema, verify the "
        "current_schema() output, or qualify the name with the correct schema and catalog.\n"
        "To tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS." % q3(parts),
        "42P01; line 1 pos %d" % pos)


def err_parse(stmt):
    m = re.match(r"\s*(\S{1,20})", stmt)
    near = m.group(1) if m else ""
    return SqlError(None, "\n[PARSE_SYNTAX_ERROR] Syntax error at or near '%s'. SQLSTATE: 42601 "
                    "(line 1, pos 0)\n\n== SQL ==\n%s\n^^^\n" % (near, stmt), None)


def err_denied(tbl):
    return SqlError("INSUFFICIENT_PERMISSIONS",
                    "Insufficient privileges:\nUser does not have SELECT on Table '%s'." % tbl.full,
                    "42501", error_code="PERMISSION_DENIED")


def err_version_not_found(v, tbl):
    return SqlError("DELTA_VERSION_NOT_FOUND",
                    "Cannot time travel Delta table to version %d. Available versions: [%d, %d]."
                    % (v, tbl.earliest(), tbl.latest()), "22003")


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

class Table:
    def __init__(self, fx):
        # Unity Catalog (and the Hive metastore) store names lower case (reference addendum)
        self.full = fx["name"].lower()
        parts = self.full.split(".")
        if len(parts) != 3:
            raise ValueError("table name must be catalog.schema.table: %r" % self.full)
        self.catalog, self.schema, self.name = parts
        self.table_type = fx.get("table_type", "MANAGED")
        self.format = fx.get("format", "delta" if self.table_type != "VIEW" else None)
        self.cdf = bool(fx.get("cdf", False))
        self.cdf_enabled_from = int(fx.get("cdf_enabled_from", 0))
        self.vacuumed_before = int(fx.get("vacuumed_before", 0))
        self.log_retained_from = int(fx.get("log_retained_from", 0))
        self.select_denied = bool(fx.get("select_denied", False))
        self.comment = fx.get("comment")
        self.view_definition = fx.get("view_definition")
        self.view_of = fx.get("view_of")  # VIEW: rows come from this table at its latest version
        self.extra_props = dict(fx.get("properties", {}))
        self.columns = [(c["name"], parse_type(c["type"])) for c in fx.get("columns", [])]
        self.commits = []
        self.table_id = str(uuid.UUID(hashlib.md5(self.full.encode()).hexdigest()))
        for c in fx.get("commits", []):
            self.add_commit(c)

    def add_commit(self, c):
        c = dict(c)
        if "version" not in c:
            c["version"] = self.latest() + 1 if self.commits else 0
        if self.commits and c["version"] != self.latest() + 1:
            raise ValueError("%s: commit version %s does not follow %s" %
                             (self.full, c["version"], self.latest()))
        if "timestamp" not in c:
            c["timestamp"] = dt.datetime.now(dt.timezone.utc).isoformat()
        for col in c.get("add_columns", []):
            if all(n != col["name"] for n, _ in self.columns):
                self.columns.append((col["name"], parse_type(col["type"])))
        self.commits.append(c)

    def is_delta(self):
        return self.table_type != "VIEW" and (self.format or "").lower() == "delta"

    def latest(self):
        return self.commits[-1]["version"] if self.commits else 0

    def earliest(self):
        return max(self.log_retained_from, self.commits[0]["version"] if self.commits else 0)

    def commit(self, v):
        for c in self.commits:
            if c["version"] == v:
                return c
        return None

    def columns_at(self, v):
        later = set()
        for c in self.commits:
            if c["version"] > v:
                for col in c.get("add_columns", []):
                    later.add(col["name"])
        return [(n, t) for n, t in self.columns if n not in later]

    def properties(self):
        p = {}
        if self.is_delta():
            p["delta.enableChangeDataFeed"] = "true" if self.cdf else "false"
            p["delta.minReaderVersion"] = "1"
            p["delta.minWriterVersion"] = "4" if self.cdf else "2"
        p.update(self.extra_props)
        return p

    def snapshot(self, v):
        rows = []
        for c in self.commits:
            if c["version"] > v:
                break
            for kind, payload in c.items():
                if kind == "insert":
                    rows.extend(dict(r) for r in payload)
                elif kind == "update":
                    for u in payload:
                        for i, r in enumerate(rows):
                            if r == u["before"]:
                                rows[i] = dict(u["after"])
                                break
                elif kind == "delete":
                    for d in payload:
                        for i, r in enumerate(rows):
                            if r == d:
                                del rows[i]
                                break
        return rows

    def changes(self, start, end):
        out = []
        for c in self.commits:
            v = c["version"]
            if v < start or v > end:
                continue
            ts = c["timestamp"]
            for kind, payload in c.items():
                if kind == "insert":
                    out.extend((r, "insert", v, ts) for r in payload)
                elif kind == "update":
                    for u in payload:
                        out.append((u["before"], "update_preimage", v, ts))
                        out.append((u["after"], "update_postimage", v, ts))
                elif kind == "delete":
                    out.extend((r, "delete", v, ts) for r in payload)
        return out


# --------------------------------------------------------------------------------------------
# Results: a column list and a way to get rendered rows / chunk bodies.
# --------------------------------------------------------------------------------------------

class Result:
    """Rows already rendered as lists of str/None."""

    def __init__(self, columns, rows):
        self.columns = columns  # [(name, SqlType)]
        self.rows = rows

    def total(self):
        return len(self.rows)

    def row_bytes(self, i):
        return len(json.dumps(self.rows[i], ensure_ascii=False, separators=(",", ":")).encode())

    def plan(self, max_rows, max_bytes):
        """[(row_offset, row_count, byte_count)]"""
        chunks = []
        off, n, size = 0, 0, 0
        for i in range(len(self.rows)):
            b = self.row_bytes(i) + 1
            if n and (n >= max_rows or size + b > max_bytes):
                chunks.append((off, n, size + 1))
                off, n, size = i, 0, 0
            n += 1
            size += b
        if n:
            chunks.append((off, n, size + 1))
        return chunks

    def total_bytes(self):
        return sum(self.row_bytes(i) + 1 for i in range(len(self.rows))) + 1

    def plan_inline(self, max_rows, max_bytes):
        return self.plan(max_rows, max_bytes)

    def data(self, off, n):
        return self.rows[off:off + n]

    def body(self, off, n):
        return json.dumps(self.rows[off:off + n], ensure_ascii=False,
                          separators=(",", ":")).encode()

    def truncate(self, n):
        self.rows = self.rows[:n]


def table_result(cols, rows):
    return Result(cols, [[render(r.get(n), t) for n, t in cols] for r in rows])


def meta_result(cols, rows):
    """cols: [(name, type_text)]; rows: lists of python values."""
    tcols = [(n, parse_type(t)) for n, t in cols]
    return Result(tcols, [[render(v, t) for v, (_, t) in zip(r, tcols)] for r in rows])


# --------------------------------------------------------------------------------------------
# Synthetic table main.bench.events: deterministic rows, chunk bodies built from a template
# rendered once per chunk shape; the chunk number is patched in with bytes.replace.
# --------------------------------------------------------------------------------------------

MARK = "@@@@@@"
FIRST = ["Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "José", "Zoë"]
LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen",
        "Núñez", "Öztürk"]
EVENTS = ["purchase", "cart_page_view", "product_detail_page_view", "sign_up", "email_open"]
COUNTRIES = ["US", "GB", "TR", "DE", "FR", "JP", "BR", "IN"]
CURRENCIES = ["USD", "GBP", "TRY", "EUR", "EUR", "JPY", "BRL", "INR"]
SYN_COLS = [("event_id", "BIGINT"), ("user_id", "BIGINT"), ("email", "STRING"),
            ("phone", "STRING"), ("first_name", "STRING"), ("last_name", "STRING"),
            ("event_name", "STRING"), ("event_ts", "TIMESTAMP"), ("sku", "STRING"),
            ("product_name", "STRING"), ("category_path", "ARRAY<STRING>"),
            ("currency", "STRING"), ("country", "STRING"), ("qty", "INT"),
            ("price", "DECIMAL(12,2)"), ("score", "DOUBLE"), ("email_optin", "BOOLEAN"),
            ("birth_date", "DATE"), ("attrs", "MAP<STRING, STRING>"), ("note", "STRING")]
CDF_COLS = [("_change_type", "STRING"), ("_commit_version", "BIGINT"),
            ("_commit_timestamp", "TIMESTAMP")]


# sharding and windows (dbx-cdf-read --shard K/N --shard-key COLUMN, --window-key COLUMN):
# WHERE pmod(hash(`COLUMN`), N) = K [AND pmod(hash(`COLUMN2`), M) = R]. Spark's hash() is
# Murmur3 with seed 42; the emulator uses CRC-32 of the value's text (on a synthetic table: the
# row's chunk number): only that every row falls in exactly one bucket, for any modulus,
# matters here.
PMOD = r"pmod\s*\(\s*hash\s*\(\s*`((?:[^`]|``)+)`\s*\)\s*,\s*(\d+)\s*\)\s*=\s*(\d+)"
PMOD_NC = r"pmod\s*\(\s*hash\s*\(\s*`(?:[^`]|``)+`\s*\)\s*,\s*\d+\s*\)\s*=\s*\d+"
SHARD_RE = r"(?:\s+WHERE\s+(%s(?:\s+AND\s+%s)*))?" % (PMOD_NC, PMOD_NC)


def shard(result, where):
    if where is None:
        return result
    for col, n, k in re.findall(PMOD, where):
        result = bucket(result, col, n, k)
    return result


def bucket(result, col, n, k):
    col, n, k = col.replace("``", "`"), int(n), int(k)
    names = [c[0] for c in result.columns]
    if col not in names:
        raise SqlError("UNRESOLVED_COLUMN.WITH_SUGGESTION",
                       "A column, variable, or function parameter with name `%s` cannot be "
                       "resolved." % col, "42703")
    if isinstance(result, SyntheticResult):
        return result.bucket(n, k)
    i = names.index(col)
    rows = [r for r in result.rows
            if (zlib.crc32(("" if r[i] is None else r[i]).encode()) % n) == k]
    return Result(result.columns, rows)


# column projection (dbx-cdf-read --columns): SELECT `a`, `b`, ... instead of SELECT *
PROJ = r"(\*|%s(?:\s*,\s*%s)*)" % (r"`(?:[^`]|``)+`", r"`(?:[^`]|``)+`")


def project(result, cols):
    if cols.strip() == "*":
        return result
    want = [unquote_ident(c) for c in re.findall(r"`(?:[^`]|``)+`", cols)]
    names = [c[0] for c in result.columns]
    lower = [n.lower() for n in names]
    idx = []
    for w in want:
        if w.lower() not in lower:
            near = sorted(names, key=lambda n: -len(set(n.lower()) & set(w.lower())))[:3]
            raise SqlError("UNRESOLVED_COLUMN.WITH_SUGGESTION",
                           "A column, variable, or function parameter with name `%s` cannot be "
                           "resolved. Did you mean one of the following? [%s]."
                           % (w, ", ".join("`%s`" % n for n in near)), "42703")
        idx.append(lower.index(w.lower()))
    if isinstance(result, SyntheticResult):
        raise SqlError("UNSUPPORTED_FEATURE", "the emulator does not project synthetic tables",
                       "0A000")
    return Result([result.columns[i] for i in idx], [[r[i] for i in idx] for r in result.rows])


class SyntheticTable(Table):
    def __init__(self, nrows, chunk_rows, cache_mb=1024):
        super().__init__({
            "name": "main.bench.events", "table_type": "MANAGED", "format": "delta", "cdf": True,
            "columns": [{"name": n, "type": t} for n, t in SYN_COLS],
            "commits": [
                {"version": 0, "timestamp": "2026-01-01T00:00:00Z", "operation": "CREATE TABLE"},
                {"version": 1, "timestamp": "2026-01-02T00:00:00Z", "operation": "WRITE"}]})
        self.nrows = nrows
        self.chunk_rows = max(1, min(chunk_rows, 999999))
        self.templates = {}
        self.pieces = {}          # template split at MARK: a chunk body is its number joined in
        self.bodies = {}          # (rows, cdf, chunk) -> the rendered body, within cache_bytes
        self.cached = 0
        self.cache_bytes = cache_mb << 20
        self.lock = threading.Lock()

    def snapshot(self, v):
        raise AssertionError("synthetic rows are generated, not stored")

    def row(self, cstr, r, cdf):
        i = r
        d = i % 28 + 1
        ts = "2026-01-01T%02d:%02d:%02d.%03dZ" % (i // 3600 % 24, i // 60 % 60, i % 60, i % 1000)
        rr = "%06d" % r
        row = ["1" + cstr + rr, "3" + cstr + rr, "user" + cstr + rr + "@example.com",
               "+4" + cstr + rr, FIRST[i % 10], LAST[i // 10 % 10], EVENTS[i % 5],
               render_ts(ts), "SKU-" + rr, "Product %d \"deluxe\" édition" % (i % 97),
               json.dumps(["Home", "Garden", "Tools %d" % (i % 13)], separators=(",", ":")),
               CURRENCIES[i % 8], COUNTRIES[i % 8], str(i % 9 + 1),
               "%d.%02d" % (i % 5000, i % 100), render_double((i % 1000) / 8.0, False),
               "true" if i % 3 else "false", "19%02d-%02d-%02d" % (50 + i % 50, i % 12 + 1, d),
               json.dumps({"source": "bench", "tier": "t%d" % (i % 4)}, separators=(",", ":")),
               "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
               "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam 😀 %d" % i]
        if i % 17 == 0:
            row[15] = None
            row[18] = None
        if cdf:
            row += ["insert", "1", render_ts("2026-01-02T00:00:00Z")]
        return row

    def template(self, nrows, cdf):
        key = (nrows, cdf)
        with self.lock:
            t = self.templates.get(key)
            if t is None:
                rows = [json.dumps(self.row(MARK, r, cdf), ensure_ascii=False,
                                   separators=(",", ":")) for r in range(nrows)]
                t = ("[" + ",".join(rows) + "]").encode()
                self.templates[key] = t
                self.pieces[key] = t.split(MARK.encode())
            return t

    def render(self, nrows, cdf, c):
        # the body of chunk c (nrows rows): the template with c in place of each MARK, rendered
        # once and kept while the bodies kept stay within cache_bytes (a bench reads each chunk
        # twice: its warm-up read renders, the measured read is served the same bytes)
        key = (nrows, cdf, c)
        body = self.bodies.get(key)
        if body is not None:
            return body
        self.template(nrows, cdf)
        body = (b"%06d" % c).join(self.pieces[(nrows, cdf)])
        with self.lock:
            if key not in self.bodies and self.cached + len(body) <= self.cache_bytes:
                self.bodies[key] = body
                self.cached += len(body)
        return body


class SyntheticResult(Result):
    def __init__(self, tbl, cdf, nrows):
        self.tbl = tbl
        self.cdf = cdf
        self.n = nrows
        self.only = None          # bucket(): the chunk numbers served
        names = SYN_COLS + (CDF_COLS if cdf else [])
        self.columns = [(n, parse_type(t)) for n, t in names]

    def bucket(self, m, r):
        # the rows of chunk c hash to c: a bucket is every chunk c with c mod m = r, served as
        # the whole-chunk rows of those chunks
        out = SyntheticResult(self.tbl, self.cdf, self.n)
        k = self.tbl.chunk_rows
        cs = [c for c in range((self.n + k - 1) // k) if self.keep(c) and c % m == r]
        out.only = set(cs)
        return out

    def keep(self, c):
        return self.only is None or c in self.only

    def chunks(self):
        # (first virtual row, chunk number, rows) of the chunks served
        k = self.tbl.chunk_rows
        out, off = [], 0
        for c in range((self.n + k - 1) // k):
            if self.keep(c):
                cnt = min(k, self.n - c * k)
                out.append((off, c, cnt))
                off += cnt
        return out

    def total(self):
        if self.only is None:
            return self.n
        return sum(cnt for _, _, cnt in self.chunks())

    def plan(self, max_rows, max_bytes):
        k = self.tbl.chunk_rows
        if self.only is not None:
            return [(off, cnt, len(self.tbl.template(cnt, self.cdf))) for off, _, cnt in self.chunks()]
        return [(off, min(k, self.n - off), len(self.tbl.template(min(k, self.n - off), self.cdf)))
                for off in range(0, self.n, k)]

    def total_bytes(self):
        return sum(b for _, _, b in self.plan(0, 0))

    def plan_inline(self, max_rows, max_bytes):
        k = self.tbl.chunk_rows
        n = self.total()
        est = max(1, len(self.tbl.template(min(k, max(self.n, 1)), self.cdf)) // min(k, max(self.n, 1)))
        per = max(1, min(max_rows, max_bytes // est))
        return [(off, min(per, n - off), est * min(per, n - off))
                for off in range(0, n, per)]

    def rows_at(self, off, n):
        # global row numbers of virtual rows off..off+n-1
        k = self.tbl.chunk_rows
        if self.only is None:
            return range(off, off + n)
        out = []
        for voff, c, cnt in self.chunks():
            lo, hi = max(off, voff), min(off + n, voff + cnt)
            out.extend(c * k + (i - voff) for i in range(lo, hi))
        return out

    def data(self, off, n):
        k = self.tbl.chunk_rows
        return [self.tbl.row("%06d" % (i // k), i % k, self.cdf) for i in self.rows_at(off, n)]

    def body(self, off, n):
        k = self.tbl.chunk_rows
        if self.only is not None:
            for voff, c, cnt in self.chunks():
                if voff == off and cnt == n:
                    return self.tbl.render(n, self.cdf, c)
            return json.dumps(self.data(off, n), ensure_ascii=False,
                              separators=(",", ":")).encode()
        return self.tbl.render(n, self.cdf, off // k)

    def truncate(self, n):
        self.n = min(self.n, n)


# --------------------------------------------------------------------------------------------
# SQL: the forms dbx-cdf-read issues (contract), plus SELECT 1.
# --------------------------------------------------------------------------------------------

IDENT = r"(?:`(?:[^`]|``)+`|[^\s`.,()']+)"
TBLNAME = r"(%s(?:\s*\.\s*%s){0,2})" % (IDENT, IDENT)
HIST_COLS = [("version", "BIGINT"), ("timestamp", "TIMESTAMP"), ("userId", "STRING"),
             ("userName", "STRING"), ("operation", "STRING"),
             ("operationParameters", "MAP<STRING, STRING>"),
             ("job", "STRUCT<jobId: STRING, jobName: STRING, jobRunId: STRING, runId: STRING, "
                     "jobOwnerId: STRING, triggerType: STRING>"),
             ("notebook", "STRUCT<notebookId: STRING>"), ("clusterId", "STRING"),
             ("readVersion", "BIGINT"), ("isolationLevel", "STRING"), ("isBlindAppend", "BOOLEAN"),
             ("operationMetrics", "MAP<STRING, STRING>"), ("userMetadata", "STRING"),
             ("engineInfo", "STRING")]
DETAIL_COLS = [("format", "STRING"), ("id", "STRING"), ("name", "STRING"),
               ("description", "STRING"), ("location", "STRING"), ("createdAt", "TIMESTAMP"),
               ("lastModified", "TIMESTAMP"), ("partitionColumns", "ARRAY<STRING>"),
               ("clusteringColumns", "ARRAY<STRING>"), ("numFiles", "BIGINT"),
               ("sizeInBytes", "BIGINT"), ("properties", "MAP<STRING, STRING>"),
               ("minReaderVersion", "INT"), ("minWriterVersion", "INT"),
               ("tableFeatures", "ARRAY<STRING>"), ("statistics", "MAP<STRING, BIGINT>")]
IS_TABLES_COLS = [("table_catalog", "STRING"), ("table_schema", "STRING"),
                  ("table_name", "STRING"), ("table_type", "STRING"),
                  ("is_insertable_into", "STRING"), ("commit_action", "STRING"),
                  ("table_owner", "STRING"), ("comment", "STRING"), ("created", "TIMESTAMP"),
                  ("created_by", "STRING"), ("last_altered", "TIMESTAMP"),
                  ("last_altered_by", "STRING"), ("data_source_format", "STRING"),
                  ("storage_path", "STRING"), ("storage_sub_directory", "STRING")]
OWNER = "dbxi-owner@example.com"
AZURE_DATABRICKS_SCOPE = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default"
HIVE_CATALOGS = ("hive_metastore", "spark_catalog")  # legacy: no information_schema, not in UC


def unquote_ident(s):
    s = s.strip()
    if s.startswith("`"):
        return s[1:-1].replace("``", "`")
    return s


def split_name(s):
    return [unquote_ident(p) for p in re.findall(IDENT, s)]


class Engine:
    def __init__(self, state):
        self.st = state

    def resolve(self, name, req, pos=14):
        parts = split_name(name)
        cat = req.get("catalog") or "main"
        sch = req.get("schema") or "default"
        if len(parts) == 1:
            parts = [cat, sch] + parts
        elif len(parts) == 2:
            parts = [cat] + parts
        tbl = self.st.tables.get(".".join(parts).lower())
        if tbl is None:
            raise err_not_found(parts, pos)
        return tbl

    def run(self, stmt, req):
        s = stmt.strip().rstrip(";").strip()
        m = re.fullmatch(r"(?is)DESCRIBE\s+HISTORY\s+" + TBLNAME + r"(?:\s+LIMIT\s+(\d+))?", s)
        if m:
            return self.history(self.resolve(m.group(1), req, 17), m.group(2))
        m = re.fullmatch(r"(?is)DESCRIBE\s+DETAIL\s+" + TBLNAME, s)
        if m:
            return self.detail(self.resolve(m.group(1), req, 16))
        m = re.fullmatch(r"(?is)SHOW\s+TBLPROPERTIES\s+" + TBLNAME +
                         r"(?:\s*\(\s*'([^']*)'\s*\))?", s)
        if m:
            return self.tblprops(self.resolve(m.group(1), req, 21), m.group(2))
        m = re.fullmatch(r"(?is)SHOW\s+(?:SCHEMAS|DATABASES)\s+(?:IN|FROM)\s+(%s)" % IDENT, s)
        if m:
            return self.show_schemas(unquote_ident(m.group(1)).lower())
        m = re.fullmatch(r"(?is)SHOW\s+TABLES\s+(?:IN|FROM)\s+(%s)\s*\.\s*(%s)" % (IDENT, IDENT), s)
        if m:
            return self.show_tables(unquote_ident(m.group(1)).lower(), unquote_ident(m.group(2)).lower())
        m = re.fullmatch(r"(?is)SELECT\s+(.+?)\s+FROM\s+(%s)\s*\.\s*`?information_schema`?\s*\.\s*`?tables`?"
                         r"\s+WHERE\s+table_schema\s*=\s*(:\w+|'[^']*')\s+AND\s+table_name\s*=\s*"
                         r"(:\w+|'[^']*')" % IDENT, s)
        if m:
            return self.info_schema(m, req)
        m = re.fullmatch(r"(?is)SELECT\s+" + PROJ + r"\s+FROM\s+table_changes\s*\(\s*'((?:[^']|'')*)'\s*,\s*"
                         r"(-?\d+|'[^']*')\s*(?:,\s*(-?\d+|'[^']*')\s*)?\)" + SHARD_RE +
                         r"(?:\s+ORDER\s+BY\s+_commit_version)?", s)
        if m:
            name = m.group(2).replace("''", "'")
            start, end = m.group(3), m.group(4)
            if start.startswith("'") or (end or "").startswith("'"):
                tbl = self.resolve(name, req, 28)
                start = self.version_at(tbl, start, True)
                end = None if end is None else self.version_at(tbl, end, False)
            return project(shard(self.table_changes(name, int(start),
                                                    None if end is None else int(end), req),
                                 m.group(5)), m.group(1))
        m = re.fullmatch(r"(?is)SELECT\s+" + PROJ + r"\s+FROM\s+" + TBLNAME +
                         r"\s+VERSION\s+AS\s+OF\s+(\d+)" + SHARD_RE, s)
        if m:
            return project(shard(self.version_as_of(self.resolve(m.group(2), req), int(m.group(3))),
                                 m.group(4)), m.group(1))
        m = re.fullmatch(r"(?is)SELECT\s+count\s*\(\s*\*\s*\)\s+AS\s+(\w+)\s+FROM\s+" + TBLNAME +
                         r"\s+VERSION\s+AS\s+OF\s+(\d+)" + SHARD_RE, s)
        if m:
            res = shard(self.version_as_of(self.resolve(m.group(2), req), int(m.group(3))),
                        m.group(4))
            return meta_result([(m.group(1), "BIGINT")], [[res.total()]])
        m = re.fullmatch(r"(?is)SELECT\s+\*\s+FROM\s+" + TBLNAME + r"(?:\s+LIMIT\s+(\d+))?", s)
        if m:
            return self.select_all(self.resolve(m.group(1), req), m.group(2))
        m = re.fullmatch(r"(?is)SELECT\s+(-?\d+)", s)
        if m:
            return meta_result([(m.group(1), "INT")], [[int(m.group(1))]])
        raise err_parse(stmt)

    # -- SHOW SCHEMAS / SHOW TABLES (any catalog; the only listing of hive_metastore)
    def show_schemas(self, cat):
        with self.st.lock:
            names = sorted({t.schema for t in self.st.tables.values() if t.catalog == cat})
        if not names:
            raise SqlError("NO_SUCH_CATALOG_EXCEPTION", "Catalog '%s' was not found. Please verify "
                           "the catalog name and then retry the query or command again." % cat,
                           "42704")
        if cat not in HIVE_CATALOGS:
            names = sorted(set(names) | {"information_schema"})
        return meta_result([("databaseName", "STRING")], [[n] for n in names])

    def show_tables(self, cat, sch):
        with self.st.lock:
            ts = sorted(t.name for t in self.st.tables.values()
                        if t.catalog == cat and t.schema == sch)
        if not ts:
            raise SqlError("SCHEMA_NOT_FOUND", "The schema `%s`.`%s` cannot be found. Verify the "
                           "spelling and correctness of the schema and catalog." % (cat, sch),
                           "42704")
        return meta_result([("database", "STRING"), ("tableName", "STRING"),
                            ("isTemporary", "BOOLEAN")], [[sch, n, False] for n in ts])

    # -- 1, 2
    def history(self, tbl, limit):
        if tbl.table_type == "VIEW":
            raise SqlError("DELTA_CANNOT_DESCRIBE_VIEW_HISTORY",
                           "Cannot describe the history of a view.", "42809")
        if not tbl.is_delta():
            raise SqlError("DELTA_TABLE_ONLY_OPERATION",
                           "%s is not a Delta table. DESCRIBE HISTORY is only supported for Delta "
                           "tables." % q3([tbl.catalog, tbl.schema, tbl.name]), "0AKDD")
        rows = []
        for c in reversed(tbl.commits):
            v = c["version"]
            if v < tbl.earliest():
                break
            params = c.get("operation_parameters")
            if params is None:
                params = {}
                if c.get("operation") == "CREATE TABLE":
                    props = {"delta.enableChangeDataFeed": "true"} if (
                        tbl.cdf and tbl.cdf_enabled_from == 0) else {}
                    params = {"partitionBy": "[]", "clusterBy": "[]",
                              "description": None, "isManaged": "true",
                              "properties": json.dumps(props, separators=(",", ":"))}
                elif tbl.cdf and v == tbl.cdf_enabled_from and v > 0:
                    params = {"properties": "{\"delta.enableChangeDataFeed\":\"true\"}"}
            metrics = {}
            for k, name in (("insert", "numOutputRows"), ("update", "numUpdatedRows"),
                            ("delete", "numDeletedRows")):
                if k in c:
                    metrics[name] = str(len(c[k]))
            rows.append([v, c["timestamp"], "1234567890123456", OWNER, c.get("operation", "WRITE"),
                         params, None, None, "0123-456789-abcdefgh", v - 1 if v else None,
                         "WriteSerializable", "insert" in c and len(c) <= 4, metrics, None,
                         "Databricks-Runtime/15.4.x-photon-scala2.12"])
        if limit is not None:
            rows = rows[:int(limit)]
        return meta_result(HIST_COLS, rows)

    # -- 3
    def detail(self, tbl):
        if tbl.table_type == "VIEW":
            raise SqlError("DELTA_UNSUPPORTED_DESCRIBE_DETAIL_VIEW",
                           "%s is a view. DESCRIBE DETAIL is only supported for tables."
                           % q3([tbl.catalog, tbl.schema, tbl.name]), "42809")
        first = tbl.commits[0]["timestamp"] if tbl.commits else "2026-01-01T00:00:00Z"
        last = tbl.commits[-1]["timestamp"] if tbl.commits else first
        delta = tbl.is_delta()
        row = [tbl.format, tbl.table_id, tbl.full, tbl.comment,
               "s3://dbxi-emulator/%s/%s/%s" % (tbl.catalog, tbl.schema, tbl.name), first, last,
               [], [], 4, 4096, tbl.properties(), 1 if delta else None,
               (4 if tbl.cdf else 2) if delta else None,
               (["changeDataFeed", "appendOnly", "invariants"] if tbl.cdf
                else ["appendOnly", "invariants"]) if delta else None,
               {"numRowsDeletedByDeletionVectors": 0, "numDeletionVectorsRemoved": 0}]
        return meta_result(DETAIL_COLS, [row])

    # -- 4
    def tblprops(self, tbl, key):
        props = tbl.properties()
        if tbl.table_type == "VIEW":
            props = {"view.catalogAndNamespace.numParts": "2",
                     "view.catalogAndNamespace.part.0": tbl.catalog,
                     "view.catalogAndNamespace.part.1": tbl.schema}
        if key is not None:
            if key in props:
                rows = [[key, props[key]]]
            else:
                rows = [[key, "Table %s does not have property: %s" % (
                    q3([tbl.catalog, tbl.schema, tbl.name]), key)]]
        else:
            rows = [[k, v] for k, v in props.items()]
        return meta_result([("key", "STRING"), ("value", "STRING")], rows)

    # -- 5
    def info_schema(self, m, req):
        cat = unquote_ident(m.group(2)).lower()
        if cat in HIVE_CATALOGS or not any(t.catalog == cat for t in self.st.tables.values()):
            raise err_not_found([cat, "information_schema", "tables"], 50)
        params = {}
        for p in req.get("parameters") or []:
            if isinstance(p, dict) and "name" in p:
                params[p["name"]] = p.get("value")

        def arg(a):
            if a.startswith(":"):
                if a[1:] not in params:
                    raise SqlError("UNBOUND_SQL_PARAMETER",
                                   "Found the unbound parameter: %s. Please, fix `args` and provide "
                                   "a mapping of the parameter to either a SQL literal or collection "
                                   "constructor functions such as `map()`, `array()`, `struct()`."
                                   % a[1:], "42P02")
                return params[a[1:]]
            return a[1:-1]
        sch, name = arg(m.group(3)), arg(m.group(4))
        wanted = [c.strip().strip("`").lower() for c in m.group(1).split(",")]
        known = dict(IS_TABLES_COLS)
        if wanted == ["*"]:
            wanted = [n for n, _ in IS_TABLES_COLS]
        for w in wanted:
            if w not in known:
                raise SqlError("UNRESOLVED_COLUMN.WITH_SUGGESTION",
                               "A column, variable, or function parameter with name `%s` cannot be "
                               "resolved." % w, "42703")
        rows = []
        for t in self.st.tables.values():
            if t.catalog != cat or t.schema != sch or t.name != name:
                continue
            fmt = None if t.table_type == "VIEW" else (t.format or "").upper()
            vals = {"table_catalog": t.catalog, "table_schema": t.schema, "table_name": t.name,
                    "table_type": t.table_type,
                    "is_insertable_into": "NO" if t.table_type == "VIEW" else "YES",
                    "commit_action": "PRESERVE", "table_owner": OWNER, "comment": t.comment,
                    "created": "2026-01-01T00:00:00Z", "created_by": OWNER,
                    "last_altered": "2026-01-01T00:00:00Z", "last_altered_by": OWNER,
                    "data_source_format": fmt, "storage_path": None,
                    "storage_sub_directory": None}
            rows.append([vals[w] for w in wanted])
        return meta_result([(w, known[w]) for w in wanted], rows)

    # -- 6
    def table_changes(self, name, start, end, req):
        tbl = self.resolve(name, req, 28)
        if tbl.select_denied:
            raise err_denied(tbl)
        if not tbl.is_delta():
            raise SqlError("DELTA_TABLE_ONLY_OPERATION",
                           "%s is not a Delta table. table_changes is only supported for Delta "
                           "tables." % q3([tbl.catalog, tbl.schema, tbl.name]), "0AKDD")
        latest = tbl.latest()
        if end is None:
            end = latest
        if end < start:
            raise SqlError("DELTA_INVALID_CDC_RANGE",
                           "CDC range from start %d to end %d was invalid. End cannot be before "
                           "start." % (start, end), "22003")
        if start > latest:
            raise SqlError("DELTA_CDC_START_VERSION_AFTER_LATEST",
                           "Start version %d for change data feed exceeds the latest table version "
                           "%d." % (start, latest), "22003")
        if end > latest:
            raise err_version_not_found(end, tbl)
        if start < tbl.earliest():
            raise err_version_not_found(start, tbl)
        if not tbl.cdf or start < tbl.cdf_enabled_from:
            raise SqlError("DELTA_MISSING_CHANGE_DATA",
                           "Error getting change data for range [%d , %d] as change data was not "
                           "recorded for version [%d]. If you've enabled change data feed on this "
                           "table, use `DESCRIBE HISTORY` to see when it was first enabled. "
                           "Otherwise, to start recording change data, use `ALTER TABLE table_name "
                           "SET TBLPROPERTIES (delta.enableChangeDataFeed=true)`." %
                           (start, end, start), "KD002")
        if start < tbl.vacuumed_before:
            raise SqlError("DELTA_CHANGE_DATA_FILE_NOT_FOUND",
                           "File s3://dbxi-emulator/%s/%s/%s/_change_data/cdc-00000-%s.c000.snappy"
                           ".parquet referenced in the transaction log cannot be found. This can "
                           "occur when data has been manually deleted from the file system rather "
                           "than using the table `DELETE` statement. This request appears to be "
                           "targeting Change Data Feed, if that is the case, this error can occur "
                           "when the change data file is out of the retention period and has been "
                           "deleted by the `VACUUM` statement. For more information, see "
                           "https://docs.databricks.com/delta/delta-change-data-feed.html"
                           % (tbl.catalog, tbl.schema, tbl.name, tbl.table_id), "42K03")
        for c in tbl.commits:
            v = c["version"]
            if start < v <= end and c.get("schema_change"):
                cols = tbl.columns_at(end)
                raise SqlError(
                    "DELTA_CHANGE_DATA_FEED_INCOMPATIBLE_SCHEMA_CHANGE",
                    "Retrieving table changes between version %d and %d failed because of an "
                    "incompatible schema change. Your read schema is %s at version %d, but we "
                    "found an incompatible schema change at version %d. If possible, please query "
                    "table changes separately from version %d to %d - 1, and from version %d to "
                    "%d." % (start, end, "{" + ", ".join("%s: %s" % (n, t.text()) for n, t in cols)
                             + "}", end, v, start, v, v, end), "0AKDC")
        if isinstance(tbl, SyntheticTable):
            return SyntheticResult(tbl, True, tbl.nrows if start <= 1 <= end else 0)
        cols = tbl.columns
        out = []
        for r, kind, v, ts in tbl.changes(start, end):
            out.append([render(r.get(n), t) for n, t in cols] + [kind, str(v), render_ts(ts)])
        return Result(cols + [(n, parse_type(t)) for n, t in CDF_COLS], out)

    # table_changes with timestamps: the start is the first version committed at or after it,
    # the end the last one committed at or before it (DELTA docs)
    def version_at(self, tbl, v, start):
        if not v.startswith("'"):
            return int(v)
        try:
            ts = parse_ts(v[1:-1])
        except ValueError:
            raise SqlError("INVALID_TIMESTAMP_FORMAT", "The provided timestamp %s doesn't match "
                           "the expected syntax yyyy-MM-dd HH:mm:ss." % v, "22000")
        commits = [(c["version"], parse_ts(c["timestamp"])) for c in tbl.commits
                   if c["version"] >= tbl.earliest()]
        last_v, last_t = commits[-1]
        if start:
            if ts > last_t:
                raise SqlError("DELTA_TIMESTAMP_GREATER_THAN_COMMIT",
                               "The provided timestamp (%s) is after the latest version available "
                               "to this table (%s). Please use a timestamp before or at %s."
                               % (v[1:-1], render_ts(last_t), render_ts(last_t)), "42816")
            if ts < commits[0][1] and tbl.earliest() > 0:
                raise SqlError("DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION",
                               "The provided timestamp (%s) is before the earliest version "
                               "available to this table (%s). Please use a timestamp after %s."
                               % (v[1:-1], render_ts(commits[0][1]), render_ts(commits[0][1])), "42816")
            return next(ver for ver, t in commits if t >= ts)
        return max([ver for ver, t in commits if t <= ts] or [commits[0][0]])

    # -- 7
    def version_as_of(self, tbl, v):
        if tbl.select_denied:
            raise err_denied(tbl)
        if not tbl.is_delta():
            raise SqlError("UNSUPPORTED_FEATURE.TIME_TRAVEL",
                           "The feature is not supported: Time travel on the relation: %s."
                           % q3([tbl.catalog, tbl.schema, tbl.name]), "0A000")
        if v > tbl.latest() or v < tbl.earliest():
            raise err_version_not_found(v, tbl)
        if v < tbl.vacuumed_before:
            raise SqlError("DELTA_UNSUPPORTED_TIME_TRAVEL_BEYOND_DELETED_FILE_RETENTION_DURATION",
                           "Cannot time travel beyond delta.deletedFileRetentionDuration (168 HOURS) "
                           "set on the table.", "0AKDC")
        if isinstance(tbl, SyntheticTable):
            return SyntheticResult(tbl, False, tbl.nrows if v >= 1 else 0)
        return table_result(tbl.columns_at(v), tbl.snapshot(v))

    # -- 8
    def select_all(self, tbl, limit):
        if tbl.select_denied:
            raise err_denied(tbl)
        src = tbl
        if tbl.table_type == "VIEW" and tbl.view_of:
            src = self.st.tables.get(tbl.view_of, tbl)
        if isinstance(src, SyntheticTable):
            res = SyntheticResult(src, False, src.nrows)
        else:
            cols = tbl.columns if tbl.columns else src.columns
            res = table_result(cols, src.snapshot(src.latest()))
        if limit is not None:
            res.truncate(int(limit))
        return res


# --------------------------------------------------------------------------------------------
# Server state
# --------------------------------------------------------------------------------------------

def now():
    return time.time()


def iso_ms(t):
    d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (d.microsecond // 1000)


def new_statement_id():
    return "01f0" + str(uuid.uuid4())[4:]


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Statement:
    def __init__(self, sid, req):
        self.id = sid
        self.req = req
        self.state = "PENDING"
        self.result = None
        self.error = None
        self.polls_left = 0
        self.ready_at = 0.0
        self.disposition = req.get("disposition") or "INLINE"
        self.format = req.get("format") or "JSON_ARRAY"
        self.chunks = []
        self.truncated = False
        self.starts_warehouse = False
        self.succeeded_at = None


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.tables = {}
        self.tokens = {}          # access token -> expiry (epoch)
        self.statements = {}
        self.links = {}           # link id -> dict
        self.faults = []
        self.pending = None       # {"polls": N} or {"seconds": S}, "count"
        self.log = []
        self.cfg = {
            "chunk_rows": args.chunk_rows, "chunk_bytes": args.chunk_bytes,
            "link_rows": args.link_rows or args.chunk_rows, "link_ttl": args.link_ttl,
            "link_headers": args.link_headers, "inline_limit": args.inline_limit,
            "token_ttl": args.token_ttl, "html_403": args.html_403,
            "warehouse_state": args.warehouse_state, "warehouse_denied": False,
            "uc_page_size": args.uc_page_size, "uc_empty_page": not args.no_uc_empty_page,
            "warehouse_start_polls": 2,
            "result_ttl": args.result_ttl, "external_links": not args.no_external_links,
        }
        self.engine = Engine(self)
        self.port = args.port

    def load_dir(self, d):
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".json"):
                path = os.path.join(d, fn)
                try:
                    with open(path, encoding="utf-8") as f:
                        self.add_table(json.load(f))
                except (OSError, ValueError, KeyError, TypeError) as e:
                    raise SystemExit("dbx_emu.py: %s: %s" % (path, e))

    def add_table(self, fx):
        t = Table(fx)
        with self.lock:
            self.tables[t.full] = t
        return t

    def add_synthetic(self, rows, chunk_rows):
        t = SyntheticTable(rows, chunk_rows, self.args.synthetic_cache_mb)
        with self.lock:
            self.tables[t.full] = t
        # render the chunk templates in the background, so the first statement is quick
        shapes = {min(t.chunk_rows, rows), rows % t.chunk_rows} - {0}
        threading.Thread(target=lambda: [t.template(n, cdf) for cdf in (True, False)
                                         for n in sorted(shapes, reverse=True)],
                         daemon=True).start()
        return t

    def record(self, entry):
        with self.lock:
            self.log.append(entry)
            if self.args.log:
                with open(self.args.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def take_fault(self, method, path):
        with self.lock:
            for f in self.faults:
                if not path.startswith(f.get("path_prefix", "/")):
                    continue
                if f.get("method") and f["method"].upper() != method:
                    continue
                if f.get("path_prefix") is None and path.startswith("/_emu/"):
                    continue
                cnt = f.get("count", 1)
                if cnt == 0:
                    continue
                if cnt > 0:
                    f["count"] = cnt - 1
                return dict(f)
        return None


# --------------------------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------------------------

HTML_403 = ("<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
            "<title>Error 403 Invalid access token.</title>\n</head>\n<body><h2>HTTP ERROR 403</h2>\n"
            "<p>Problem accessing %s. Reason:\n<pre>    Invalid access token.</pre></p>\n</body>\n"
            "</html>\n")
S3_ERR = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
          "<RequestId>%s</RequestId><HostId>%s</HostId></Error>")
STATUS_DEFAULT_BODY = {
    400: ("BAD_REQUEST", "Bad request."),
    404: ("NOT_FOUND", "Not found."),
    429: ("TOO_MANY_REQUESTS", "Too many requests. Please wait a moment and try again. If the issue "
          "persists, consider adjusting your request rate or reaching out to support."),
    500: ("INTERNAL_ERROR", "Internal error. Please try again later."),
    502: ("BAD_GATEWAY", "Bad gateway."),
    503: ("TEMPORARILY_UNAVAILABLE", "The service at /api/2.0/sql/statements is temporarily "
          "unavailable. Please try again later."),
    504: ("DEADLINE_EXCEEDED", "Deadline exceeded."),
}
WAIT_RE = re.compile(r"^(0|[5-9]|[1-4][0-9]|50)s$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms waits
    server_version = "databricks"
    sys_version = ""

    def version_string(self):
        return "databricks"

    def log_message(self, fmt, *a):
        pass

    @property
    def st(self):
        return self.server.state

    # -- plumbing
    def send(self, status, body, ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        if isinstance(body, str):
            body = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-request-id", str(uuid.uuid4()))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def api_error(self, status, code, message, headers=None):
        self.send(status, {"error_code": code, "message": message}, headers=headers)

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_PUT(self):
        self.dispatch("PUT")

    def dispatch(self, method):
        u = urllib.parse.urlsplit(self.path)
        path = u.path
        self.query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        self.body = self.read_body()
        if path.startswith("/_emu/"):
            return self.control(method, path)
        entry = {"time": iso_ms(now()), "method": method, "path": path, "query": u.query,
                 "headers": sorted(k.lower() for k in self.headers.keys()),
                 "authorization": "Authorization" in self.headers}
        if path.rstrip("/") == "/api/2.0/sql/statements" and method == "POST":
            try:
                entry["body"] = json.loads(self.body or b"null")
            except ValueError:
                entry["body"] = self.body.decode("utf-8", "replace")
        elif path == "/oidc/v1/token" or path.endswith("/oauth2/v2.0/token"):
            form = urllib.parse.parse_qs(self.body.decode("utf-8", "replace"))
            entry["form_keys"] = sorted(form)
            entry["grant_type"] = form.get("grant_type", [None])[0]
            entry["scope"] = form.get("scope", [None])[0]
        self.st.record(entry)
        f = self.st.take_fault(method, path)
        if f:
            kind = f.get("kind", "status")
            if kind == "drop":
                self.close_connection = True
                return
            if kind == "slow":
                time.sleep(float(f.get("seconds", 1)))
            elif kind == "truncate" and not path.startswith("/_links/"):
                self.close_connection = True
                return
            elif kind == "status":
                status = int(f.get("status", 503))
                hdrs = {}
                if f.get("retry_after") is not None:
                    hdrs["Retry-After"] = str(f["retry_after"])
                if f.get("body") is not None:
                    b = f["body"]
                    ctype = f.get("content_type") or (
                        "text/html;charset=iso-8859-1" if str(b).lstrip().startswith("<")
                        else "application/json")
                    return self.send(status, b, ctype, hdrs)
                code, msg = STATUS_DEFAULT_BODY.get(status, ("UNKNOWN", "Error %d." % status))
                return self.api_error(status, code, msg, hdrs)
            self.fault = f
        else:
            self.fault = None
        try:
            self.route(method, path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # an emulator bug or a bad fixture: say so loudly, answer 500
            import traceback
            traceback.print_exc(file=sys.stderr)
            self.api_error(500, "INTERNAL_ERROR", "dbxi emulator error: %s: %s"
                           % (type(e).__name__, e))

    def route(self, method, path):
        if path == "/oidc/.well-known/oauth-authorization-server" and method == "GET":
            return self.discovery()
        if path == "/oidc/.well-known/openid-configuration" and method == "GET":
            return self.discovery()
        if path == "/oidc/v1/token":
            if method != "POST":
                return self.api_error(405, "METHOD_NOT_ALLOWED", "Use POST.")
            return self.token()
        m = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path)
        if m:
            if method != "POST":
                return self.send(405, {"error": "invalid_request",
                                       "error_description": "AADSTS900561: The endpoint only "
                                       "accepts POST requests."})
            return self.entra_token(m.group(1))
        if path.startswith("/_links/"):
            return self.link(method, path)
        if not self.check_auth(path):
            return
        m = re.fullmatch(r"/api/2\.0/sql/statements/?", path)
        if m and method == "POST":
            return self.stmt_execute()
        m = re.fullmatch(r"/api/2\.0/sql/statements/([^/]+)/result/chunks/([^/]+)", path)
        if m and method == "GET":
            return self.stmt_chunk(m.group(1), m.group(2))
        m = re.fullmatch(r"/api/2\.0/sql/statements/([^/]+)/cancel", path)
        if m and method == "POST":
            return self.stmt_cancel(m.group(1))
        m = re.fullmatch(r"/api/2\.0/sql/statements/([^/]+)", path)
        if m and method == "GET":
            return self.stmt_get(m.group(1))
        if m and method == "DELETE":
            return self.stmt_close(m.group(1))
        m = re.fullmatch(r"/api/2\.0/sql/warehouses/([^/]+)", path)
        if m and method == "GET":
            return self.warehouse(m.group(1))
        if re.fullmatch(r"/api/2\.0/sql/sessions/?", path) and method == "POST":
            return self.send(200, {"session_id": new_statement_id()})
        if re.fullmatch(r"/api/2\.0/sql/sessions/[^/]+", path) and method == "DELETE":
            return self.send(200, {})
        if path.startswith("/api/2.1/unity-catalog/") and method == "GET":
            return self.uc(path[len("/api/2.1/unity-catalog/"):])
        return self.api_error(404, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'" % (method, path))

    # -- OAuth
    def base_url(self):
        return "http://127.0.0.1:%d" % self.st.port

    def discovery(self):
        b = self.base_url()
        doc = {"authorization_endpoint": b + "/oidc/v1/authorize", "token_endpoint": b + "/oidc/v1/token",
               "issuer": b + "/oidc", "jwks_uri": b + "/oidc/jwks.json",
               "scopes_supported": ["all-apis", "email", "offline_access", "openid", "profile", "sql"],
               "response_types_supported": ["code", "id_token"],
               "response_modes_supported": ["query", "fragment", "form_post"],
               "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
               "code_challenge_methods_supported": ["S256"],
               "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                         "none"],
               "subject_types_supported": ["public"],
               "id_token_signing_alg_values_supported": ["RS256"],
               "claims_supported": ["iss", "sub", "aud", "iat", "exp", "jti", "name", "family_name",
                                    "given_name", "preferred_username"],
               "request_uri_parameter_supported": False}
        body = json.dumps(doc, separators=(",", ":")).replace("/", "\\/")
        self.send(200, body, "application/json; charset=UTF-8")

    def token(self):
        form = urllib.parse.parse_qs(self.body.decode("utf-8", "replace"))
        cid = csec = None
        auth = self.headers.get("Authorization", "")
        if auth[:6].lower() == "basic ":
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode()
                cid, _, csec = raw.partition(":")
                cid, csec = urllib.parse.unquote(cid), urllib.parse.unquote(csec)
            except (ValueError, UnicodeDecodeError):
                cid = csec = None
        elif "client_id" in form:
            cid = form["client_id"][0]
            csec = form.get("client_secret", [None])[0]
        gt = form.get("grant_type", [None])[0]
        if gt != "client_credentials":
            return self.send(400, {"error": "unsupported_grant_type",
                                   "error_description": "Unsupported grant type: %s" % gt})
        a = self.st.args
        if cid != a.client_id or csec != a.client_secret:
            return self.send(401, {"error": "invalid_client",
                                   "error_description": "Client authentication failed"})
        scope = form.get("scope", ["all-apis"])[0]
        if any(s not in ("all-apis", "sql", "offline_access", "openid", "email", "profile")
               for s in scope.split()):
            return self.send(400, {"error": "invalid_scope",
                                   "error_description": "Invalid scope requested: %s" % scope})
        ttl = int(self.st.cfg["token_ttl"])
        iat = int(now())
        hdr = {"kid": "dbxi-emu", "typ": "at+jwt", "alg": "RS256"}
        pl = {"client_id": cid, "scope": scope, "iss": self.base_url() + "/oidc",
              "aud": "dbxi-emulator", "sub": cid, "iat": iat, "nbf": iat, "exp": iat + ttl,
              "jti": str(uuid.uuid4())}
        tok = ".".join([b64url(json.dumps(hdr).encode()), b64url(json.dumps(pl).encode()),
                        b64url(secrets.token_bytes(32))])
        with self.st.lock:
            self.st.tokens[tok] = now() + ttl
        self.send(200, {"access_token": tok, "token_type": "Bearer", "expires_in": ttl,
                        "scope": scope})

    # -- Azure Entra ID (Microsoft identity platform v2.0 client credentials; reference addendum)
    def entra_token(self, tenant):
        a = self.st.args
        form = urllib.parse.parse_qs(self.body.decode("utf-8", "replace"))
        trace = "Trace ID: %s Correlation ID: %s Timestamp: %s" % (
            uuid.uuid4(), uuid.uuid4(), dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"))

        def err(status, code, aad, text):
            return self.send(status, {"error": code, "error_description": "%s: %s %s" % (aad, text, trace),
                                      "error_codes": [int(aad[6:])], "timestamp": trace[-20:-1],
                                      "trace_id": "", "correlation_id": ""})
        if tenant != a.azure_tenant_id:
            return err(400, "invalid_request", "AADSTS90002",
                       "Tenant '%s' not found. Check to make sure you have the correct tenant ID "
                       "and are signing into the correct cloud." % tenant)
        if form.get("grant_type", [None])[0] != "client_credentials":
            return err(400, "unsupported_grant_type", "AADSTS70003",
                       "The app requested an unsupported grant type.")
        cid = form.get("client_id", [None])[0]
        csec = form.get("client_secret", [None])[0]
        if cid != a.azure_client_id:
            return err(400, "unauthorized_client", "AADSTS700016",
                       "Application with identifier '%s' was not found in the directory." % cid)
        if csec != a.azure_client_secret:
            return err(401, "invalid_client", "AADSTS7000215",
                       "Invalid client secret provided. Ensure the secret being sent in the request "
                       "is the client secret value, not the client secret ID, for a secret added "
                       "to app '%s'." % cid)
        scope = form.get("scope", [""])[0]
        if scope != AZURE_DATABRICKS_SCOPE:
            return err(400, "invalid_scope", "AADSTS70011",
                       "The provided request must include a 'scope' input parameter. The provided "
                       "value for the input parameter 'scope' is not valid.")
        ttl = int(self.st.cfg["token_ttl"])
        iat = int(now())
        pl = {"aud": AZURE_DATABRICKS_SCOPE.split("/")[0], "iss": "https://sts.windows.net/%s/" % tenant,
              "iat": iat, "nbf": iat, "exp": iat + ttl, "appid": cid, "tid": tenant, "sub": cid}
        tok = ".".join([b64url(json.dumps({"typ": "JWT", "alg": "RS256"}).encode()),
                        b64url(json.dumps(pl).encode()), b64url(secrets.token_bytes(32))])
        with self.st.lock:
            self.st.tokens[tok] = now() + ttl
        self.send(200, {"token_type": "Bearer", "expires_in": ttl, "ext_expires_in": ttl,
                        "access_token": tok}, "application/json; charset=utf-8")

    def check_auth(self, path):
        auth = self.headers.get("Authorization")
        ok = False
        bad_kind = 401
        if auth and auth[:7].lower() == "bearer ":
            tok = auth[7:].strip()
            if tok == self.st.args.pat:
                ok = True
            else:
                with self.st.lock:
                    exp = self.st.tokens.get(tok)
                if exp is not None and now() < exp:
                    ok = True
                elif exp is not None or tok.count(".") == 2:
                    bad_kind = 403
        if ok:
            return True
        if bad_kind == 401:
            self.send(401, {"error_code": 401, "message": "Credential was not sent or was of an "
                            "unsupported type for this API."}, "application/json; charset=utf-8",
                      {"www-authenticate": 'Bearer realm="DatabricksRealm"',
                       "x-databricks-reason-phrase": "Credential was not sent or was of an "
                       "unsupported type for this API."})
        elif self.st.cfg["html_403"]:
            self.send(403, HTML_403 % path, "text/html;charset=iso-8859-1",
                      {"cache-control": "must-revalidate,no-cache,no-store",
                       "x-databricks-reason-phrase": "Invalid access token."})
        else:
            self.send(403, {"error_code": 403, "message": "Invalid access token."},
                      "application/json; charset=utf-8",
                      {"x-databricks-reason-phrase": "Invalid access token."})
        return False

    # -- Statement Execution API
    def bad_param(self, msg):
        return self.api_error(400, "INVALID_PARAMETER_VALUE", msg)

    def stmt_execute(self):
        try:
            req = json.loads(self.body or b"null")
        except ValueError:
            return self.api_error(400, "MALFORMED_REQUEST", "Could not parse request object: "
                                  "invalid JSON")
        if not isinstance(req, dict):
            return self.api_error(400, "MALFORMED_REQUEST", "Could not parse request object: "
                                  "expected an object")
        cfg = self.st.cfg
        if not req.get("statement"):
            return self.bad_param("statement is required.")
        if len(req["statement"].encode()) > 16 * MIB:
            return self.bad_param("statement exceeds the maximum length of 16 MiB.")
        wid = req.get("warehouse_id")
        if not wid:
            return self.bad_param("warehouse_id is required.")
        if wid != self.st.args.warehouse_id:
            return self.api_error(404, "RESOURCE_DOES_NOT_EXIST",
                                  "Warehouse %s does not exist." % wid)
        if cfg["warehouse_denied"]:
            return self.api_error(403, "PERMISSION_DENIED", "User does not have permission to "
                                  "use warehouse %s (CAN USE required)." % wid)
        wt = req.get("wait_timeout", "10s")
        if not isinstance(wt, str) or not WAIT_RE.match(wt):
            return self.bad_param("wait_timeout must be 0s (asynchronous) or between 5s and 50s; "
                                  "got %s." % json.dumps(wt))
        owt = req.get("on_wait_timeout", "CONTINUE")
        if owt not in ("CONTINUE", "CANCEL"):
            return self.bad_param("on_wait_timeout must be CONTINUE or CANCEL; got %s."
                                  % json.dumps(owt))
        disp = req.get("disposition", "INLINE")
        fmt = req.get("format", "JSON_ARRAY")
        if disp not in ("INLINE", "EXTERNAL_LINKS", "INLINE_OR_EXTERNAL_LINKS"):
            return self.bad_param("disposition must be INLINE or EXTERNAL_LINKS; got %s."
                                  % json.dumps(disp))
        if fmt not in ("JSON_ARRAY", "ARROW_STREAM", "CSV"):
            return self.bad_param("format must be JSON_ARRAY, ARROW_STREAM or CSV; got %s."
                                  % json.dumps(fmt))
        if disp == "EXTERNAL_LINKS" and not cfg["external_links"]:
            # the reference (3.5) only says support can disable them; the wording is ours
            return self.bad_param("disposition EXTERNAL_LINKS is not enabled for this workspace; "
                                  "use disposition INLINE.")
        if disp == "INLINE" and fmt != "JSON_ARRAY":
            return self.bad_param("The INLINE disposition only supports the JSON_ARRAY format.")
        if fmt != "JSON_ARRAY":
            return self.bad_param("dbxi emulator: format %s is not emulated; use JSON_ARRAY." % fmt)
        for k in ("row_limit", "byte_limit"):
            if k in req and (not isinstance(req[k], int) or req[k] < 0):
                return self.bad_param("%s must be a non-negative integer." % k)
        params = req.get("parameters", [])
        if not isinstance(params, list) or any(not isinstance(p, dict) for p in params):
            return self.bad_param("parameters must be a list of objects.")

        st = Statement(new_statement_id(), req)
        st.format = fmt
        try:
            res = self.st.engine.run(req["statement"], req)
            self.prepare(st, res, req)
        except SqlError as e:
            st.error = e
        with self.st.lock:
            p = self.st.pending
            if p and p.get("count", -1) != 0:
                if p.get("count", -1) > 0:
                    p["count"] -= 1
                if p.get("seconds") is not None:
                    st.ready_at = now() + float(p["seconds"])
                else:
                    st.polls_left = int(p.get("polls", 1))
            if cfg["warehouse_state"] in ("STOPPED", "STARTING"):
                cfg["warehouse_state"] = "STARTING"
                st.starts_warehouse = True
                st.polls_left = max(st.polls_left, int(cfg["warehouse_start_polls"]))
            self.st.statements[st.id] = st
        wait = int(wt[:-1])
        if st.ready_at and wait:
            time.sleep(max(0.0, min(wait, st.ready_at - now())))
        if not st.polls_left and now() >= st.ready_at:
            self.finish_stmt(st)
        elif wait and owt == "CANCEL":
            st.state = "CANCELED"
        self.send(200, self.stmt_json(st))

    def prepare(self, st, res, req):
        cfg = self.st.cfg
        total = res.total()
        rl = req.get("row_limit")
        if rl is not None and total > rl:
            res.truncate(rl)
            st.truncated = True
        bl = req.get("byte_limit")
        if bl is not None and res.total() and res.total_bytes() > bl:
            keep, size = 0, 1
            while keep < res.total():
                size += len(json.dumps(res.data(keep, 1)[0], ensure_ascii=False,
                                       separators=(",", ":")).encode()) + 1
                if size > bl:
                    break
                keep += 1
            res.truncate(keep)
            st.truncated = True
        disp = st.disposition
        if disp == "INLINE_OR_EXTERNAL_LINKS":
            disp = "INLINE" if res.total_bytes() <= cfg["inline_limit"] else "EXTERNAL_LINKS"
        st.disposition = disp
        if disp == "INLINE":
            if res.total_bytes() > cfg["inline_limit"]:
                raise SqlError(None, "Inline byte limit exceeded: the statement produced more than "
                               "%d bytes of results. Use disposition EXTERNAL_LINKS for large "
                               "results." % cfg["inline_limit"], None)
            st.chunks = res.plan_inline(cfg["chunk_rows"], cfg["chunk_bytes"])
        else:
            st.chunks = res.plan(cfg["link_rows"], 100 * MIB)
        st.result = res

    def finish_stmt(self, st):
        if st.state in ("PENDING", "RUNNING"):
            st.state = "FAILED" if st.error else "SUCCEEDED"
            if st.state == "SUCCEEDED":
                st.succeeded_at = now()
            if st.starts_warehouse:
                with self.st.lock:
                    self.st.cfg["warehouse_state"] = "RUNNING"

    def stmt_json(self, st):
        d = {"statement_id": st.id, "status": {"state": st.state}}
        if st.state == "FAILED":
            d["status"]["error"] = {"error_code": st.error.error_code, "message": st.error.message}
        if st.state != "SUCCEEDED":
            return d
        res = st.result
        cols = [t.column_info(n, i) for i, (n, t) in enumerate(res.columns)]
        schema = {"column_count": len(cols)}
        if cols:
            schema["columns"] = cols
        ext = st.disposition == "EXTERNAL_LINKS"
        man = {"format": st.format, "schema": schema, "total_chunk_count": len(st.chunks)}
        if st.chunks:
            man["chunks"] = []
            for i, (off, n, b) in enumerate(st.chunks):
                c = {"chunk_index": i, "row_offset": off, "row_count": n}
                if ext:
                    c["byte_count"] = b
                man["chunks"].append(c)
        man["total_row_count"] = res.total()
        if ext:
            man["total_byte_count"] = sum(b for _, _, b in st.chunks)
        man["truncated"] = st.truncated
        d["manifest"] = man
        d["result"] = self.chunk_json(st, 0) if st.chunks else {}
        return d

    def chunk_json(self, st, i):
        off, n, b = st.chunks[i]
        last = i == len(st.chunks) - 1
        nxt = {} if last else {
            "next_chunk_index": i + 1,
            "next_chunk_internal_link": "/api/2.0/sql/statements/%s/result/chunks/%d" % (st.id, i + 1)}
        if st.disposition == "EXTERNAL_LINKS":
            link = {"chunk_index": i, "row_offset": off, "row_count": n, "byte_count": b}
            link.update(nxt)
            link.update(self.issue_link(st, i))
            return {"external_links": [link]}
        d = {"chunk_index": i, "row_offset": off, "row_count": n}
        d.update(nxt)
        d["data_array"] = st.result.data(off, n)
        return d

    def issue_link(self, st, i):
        cfg = self.st.cfg
        lid = secrets.token_hex(16)
        exp = now() + float(cfg["link_ttl"])
        headers = {}
        if cfg["link_headers"]:
            key = base64.b64encode(hashlib.sha256(lid.encode()).digest()).decode()
            headers = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
                       "x-amz-server-side-encryption-customer-key": key}
        with self.st.lock:
            self.st.links[lid] = {"stmt": st.id, "chunk": i, "expires": exp, "headers": headers}
        url = ("%s/_links/results_%s_%s?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=%s"
               "&X-Amz-SignedHeaders=host&X-Amz-Expires=%d&X-Amz-Signature=%s"
               % (self.base_url(), dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%%3A%M%%3A%SZ"),
                  st.id, dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
                  int(cfg["link_ttl"]) - 1, lid))
        d = {"external_link": url, "expiration": iso_ms(exp)}
        if headers:
            d["http_headers"] = headers
        return d

    def expire(self, st):
        # results live result_ttl seconds after success (reference 3.5: one hour; polling does
        # not extend it); then the statement is CLOSED and its result gone, as after a close
        with self.st.lock:
            if st.state == "SUCCEEDED" and st.succeeded_at is not None and \
                    now() >= st.succeeded_at + float(self.st.cfg["result_ttl"]):
                st.state = "CLOSED"
                st.result = None

    def get_stmt(self, sid):
        with self.st.lock:
            st = self.st.statements.get(sid)
        if st is None:
            self.api_error(404, "RESOURCE_DOES_NOT_EXIST",
                           "Statement %s does not exist or has expired." % sid)
        return st

    def advance(self, st):
        with self.st.lock:
            if st.state not in ("PENDING", "RUNNING"):
                return
            # a statement that waits for its warehouse to start stays PENDING (reference 3.2)
            waiting = "PENDING" if st.starts_warehouse else "RUNNING"
            if st.polls_left > 0:
                st.polls_left -= 1
                st.state = waiting
                return
            if now() < st.ready_at:
                st.state = waiting
                return
            self.finish_stmt(st)

    def stmt_get(self, sid):
        st = self.get_stmt(sid)
        if st is None:
            return
        self.advance(st)
        self.expire(st)
        self.send(200, self.stmt_json(st))

    def stmt_chunk(self, sid, idx):
        st = self.get_stmt(sid)
        if st is None:
            return
        self.expire(st)
        if st.state != "SUCCEEDED":
            return self.api_error(400, "BAD_REQUEST", "Statement %s is in state %s; result data is "
                                  "only available for SUCCEEDED statements." % (sid, st.state))
        if not re.fullmatch(r"\d+", idx) or int(idx) >= len(st.chunks):
            return self.bad_param("chunk_index %s is out of range: the result has %d chunks."
                                  % (idx, len(st.chunks)))
        self.send(200, self.chunk_json(st, int(idx)))

    def stmt_cancel(self, sid):
        st = self.get_stmt(sid)
        if st is None:
            return
        with self.st.lock:
            if st.state in ("PENDING", "RUNNING"):
                st.state = "CANCELED"
        self.send(200, {})

    def stmt_close(self, sid):
        st = self.get_stmt(sid)
        if st is None:
            return
        with self.st.lock:
            st.state = "CLOSED" if st.state in ("SUCCEEDED", "PENDING", "RUNNING", "CLOSED") \
                else st.state
            if st.state == "CLOSED":
                st.result = None
        self.send(200, {})

    # -- External links (the "cloud storage" side)
    def link(self, method, path):
        m = re.fullmatch(r"/_links/results_[^_]*_([^/]+)", path)
        lid = (self.query.get("X-Amz-Signature") or [""])[0]
        rid = secrets.token_hex(8).upper()
        hid = b64url(secrets.token_bytes(24))
        if "Authorization" in self.headers:
            return self.send(400, S3_ERR % (
                "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                "parameter, Signature query string parameter or the Authorization header should be "
                "specified", rid, hid), "application/xml")
        with self.st.lock:
            ln = self.st.links.get(lid)
            st = self.st.statements.get(ln["stmt"]) if ln else None
        if not m or ln is None or st is None or method not in ("GET", "HEAD"):
            return self.send(403, S3_ERR % ("SignatureDoesNotMatch", "The request signature we "
                             "calculated does not match the signature you provided.", rid, hid),
                             "application/xml")
        self.expire(st)
        if now() >= ln["expires"]:
            return self.send(403, S3_ERR % ("AccessDenied", "Request has expired", rid, hid),
                             "application/xml")
        for k, v in ln["headers"].items():
            if self.headers.get(k) != v:
                return self.send(400, S3_ERR % (
                    "InvalidRequest", "The object was stored using a form of Server Side Encryption. "
                    "The correct parameters must be provided to retrieve the object.", rid, hid),
                    "application/xml")
        res = st.result
        if res is None:
            return self.send(404, S3_ERR % ("NoSuchKey", "The specified key does not exist.", rid,
                                            hid), "application/xml")
        off, n, _ = st.chunks[ln["chunk"]]
        body = res.body(off, n)
        f = self.fault
        if f and f.get("kind") == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.close_connection = True
            return
        self.send(200, body, "application/octet-stream")

    # -- Warehouses
    def warehouse(self, wid):
        if wid != self.st.args.warehouse_id:
            return self.api_error(404, "RESOURCE_DOES_NOT_EXIST",
                                  "Warehouse %s does not exist." % wid)
        if self.st.cfg["warehouse_denied"]:
            return self.api_error(403, "PERMISSION_DENIED", "User does not have permission to "
                                  "view warehouse %s." % wid)
        state = self.st.cfg["warehouse_state"]
        self.send(200, {
            "id": wid, "name": "dbxi emulator warehouse", "cluster_size": "2X-Small",
            "min_num_clusters": 1, "max_num_clusters": 1, "auto_stop_mins": 10,
            "creator_name": OWNER, "tags": {}, "spot_instance_policy": "COST_OPTIMIZED",
            "enable_photon": True, "enable_serverless_compute": True, "warehouse_type": "PRO",
            "num_clusters": 1 if state == "RUNNING" else 0, "num_active_sessions": 0,
            "state": state,
            "jdbc_url": "jdbc:databricks://127.0.0.1:%d/default;transportMode=http;ssl=0;"
                        "AuthMech=3;httpPath=/sql/1.0/warehouses/%s;" % (self.st.port, wid),
            "odbc_params": {"hostname": "127.0.0.1", "path": "/sql/1.0/warehouses/" + wid,
                            "protocol": "http", "port": self.st.port},
            "health": {"status": "HEALTHY"} if state == "RUNNING" else {}})

    # -- Unity Catalog
    def uc_error(self, status, code, msg):
        self.send(status, {"error_code": code, "message": msg, "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": code,
             "domain": "unity-catalog.databricks.com", "metadata": {}}]})

    def qp(self, name):
        v = self.query.get(name)
        if v and name in ("catalog_name", "schema_name"):
            return v[0].lower()  # names are case-insensitive
        return v[0] if v else None

    def page(self, key, items):
        mr = self.qp("max_results")
        tok = self.qp("page_token")
        if mr is None and not tok:
            return self.send(200, {key: items})
        try:
            mr = int(mr) if mr is not None else 0
        except ValueError:
            return self.uc_error(400, "INVALID_PARAMETER_VALUE", "max_results must be an integer.")
        if mr < 0:
            return self.uc_error(400, "INVALID_PARAMETER_VALUE",
                                 "max_results must be greater than or equal to 0.")
        size = mr if mr > 0 else int(self.st.cfg["uc_page_size"])
        size = min(size, 1000)
        off, empty = 0, False
        if tok:
            try:
                t = json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))
                off, empty = int(t["o"]), bool(t.get("e"))
            except (ValueError, KeyError, TypeError):
                return self.uc_error(400, "INVALID_PARAMETER_VALUE", "Invalid page_token.")

        def token(o, e=False):
            return b64url(json.dumps({"o": o, "e": 1 if e else 0, "n": secrets.token_hex(4)}).encode())
        if empty:
            return self.send(200, {key: [], "next_page_token": token(off)})
        chunk = items[off:off + size]
        d = {key: chunk}
        if off + size < len(items):
            d["next_page_token"] = token(off + size, off == 0 and self.st.cfg["uc_empty_page"])
        self.send(200, d)

    def catalogs(self):
        with self.st.lock:
            return sorted({t.catalog for t in self.st.tables.values()} - set(HIVE_CATALOGS))

    def schemas(self, cat):
        with self.st.lock:
            names = {t.schema for t in self.st.tables.values() if t.catalog == cat}
        return sorted(names | {"information_schema"}) if names else []

    def tables_in(self, cat, sch):
        with self.st.lock:
            ts = [t for t in self.st.tables.values() if t.catalog == cat and t.schema == sch]
        return sorted(ts, key=lambda t: t.name)

    def catalog_info(self, c):
        return {"name": c, "owner": OWNER, "comment": "dbxi emulator catalog", "properties": {},
                "storage_root": "s3://dbxi-emulator/" + c, "metastore_id": "11111111-2222-3333-"
                "4444-555555555555", "created_at": 1767225600000, "created_by": OWNER,
                "updated_at": 1767225600000, "updated_by": OWNER, "catalog_type": "MANAGED_CATALOG",
                "isolation_mode": "OPEN", "securable_type": "CATALOG", "securable_kind":
                "CATALOG_STANDARD", "full_name": c, "browse_only": False}

    def schema_info(self, c, s):
        return {"name": s, "catalog_name": c, "owner": OWNER, "comment": None if s !=
                "information_schema" else "Information schema (auto-created)", "properties": {},
                "full_name": c + "." + s, "created_at": 1767225600000, "created_by": OWNER,
                "updated_at": 1767225600000, "updated_by": OWNER, "catalog_type": "MANAGED_CATALOG",
                "schema_id": str(uuid.UUID(hashlib.md5((c + "." + s).encode()).hexdigest())),
                "securable_type": "SCHEMA", "securable_kind": "SCHEMA_STANDARD",
                "browse_only": False}

    def table_info(self, t):
        d = {"name": t.name, "catalog_name": t.catalog, "schema_name": t.schema,
             "table_type": t.table_type}
        if t.table_type != "VIEW":
            d["data_source_format"] = (t.format or "").upper()
        if self.qp("omit_columns") != "true":
            d["columns"] = []
            for i, (n, ty) in enumerate(t.columns):
                c = {"name": n, "type_text": ty.uc_text(), "type_name": ty.type_name(),
                     "position": i, "type_json": json.dumps(
                         {"name": n, "type": ty.spark_json(), "nullable": True, "metadata": {}},
                         separators=(",", ":")), "nullable": True}
                if ty.kind == "DECIMAL":
                    c["type_precision"] = ty.precision
                    c["type_scale"] = ty.scale
                d["columns"].append(c)
        if t.table_type != "VIEW":
            d["storage_location"] = "s3://dbxi-emulator/%s/%s/%s" % (t.catalog, t.schema, t.name)
        else:
            d["view_definition"] = t.view_definition or "SELECT * FROM %s" % (t.view_of or "")
        if self.qp("omit_properties") != "true":
            d["properties"] = t.properties()
        d.update({"owner": OWNER, "comment": t.comment, "created_at": 1767225600000,
                  "created_by": OWNER, "updated_at": 1767225600000, "updated_by": OWNER,
                  "table_id": t.table_id, "full_name": t.full, "securable_type": "TABLE",
                  "browse_only": False})
        if d["comment"] is None:
            del d["comment"]
        return d

    def is_views(self, c):
        return [{"name": n, "catalog_name": c, "schema_name": "information_schema",
                 "table_type": "VIEW", "full_name": "%s.information_schema.%s" % (c, n),
                 "owner": "System user", "view_definition": "SELECT ...", "securable_type": "TABLE"}
                for n in ("columns", "schemata", "tables")]

    def uc(self, rest):
        rest = urllib.parse.unquote(rest)
        if rest.startswith(("catalogs/", "schemas/", "tables/")):
            rest = rest.lower()
        if rest == "catalogs":
            return self.page("catalogs", [self.catalog_info(c) for c in self.catalogs()])
        m = re.fullmatch(r"catalogs/([^/]+)", rest)
        if m:
            if m.group(1) not in self.catalogs():
                return self.uc_error(404, "CATALOG_DOES_NOT_EXIST",
                                     "Catalog '%s' does not exist." % m.group(1))
            return self.send(200, self.catalog_info(m.group(1)))
        if rest == "schemas":
            c = self.qp("catalog_name")
            if not c:
                return self.uc_error(400, "INVALID_PARAMETER_VALUE", "catalog_name is required.")
            if c not in self.catalogs():
                return self.uc_error(404, "CATALOG_DOES_NOT_EXIST", "Catalog '%s' does not exist." % c)
            return self.page("schemas", [self.schema_info(c, s) for s in self.schemas(c)])
        m = re.fullmatch(r"schemas/([^./]+)\.([^/]+)", rest)
        if m:
            if m.group(2) not in self.schemas(m.group(1)):
                return self.uc_error(404, "SCHEMA_DOES_NOT_EXIST", "Schema '%s.%s' does not exist."
                                     % (m.group(1), m.group(2)))
            return self.send(200, self.schema_info(m.group(1), m.group(2)))
        if rest == "tables":
            c, s = self.qp("catalog_name"), self.qp("schema_name")
            if not c or not s:
                return self.uc_error(400, "INVALID_PARAMETER_VALUE",
                                     "catalog_name and schema_name are required.")
            if c not in self.catalogs():
                return self.uc_error(404, "CATALOG_DOES_NOT_EXIST", "Catalog '%s' does not exist." % c)
            if s not in self.schemas(c):
                return self.uc_error(404, "SCHEMA_DOES_NOT_EXIST",
                                     "Schema '%s.%s' does not exist." % (c, s))
            if s == "information_schema":
                return self.page("tables", self.is_views(c))
            return self.page("tables", [self.table_info(t) for t in self.tables_in(c, s)])
        m = re.fullmatch(r"tables/([^/]+?)(/exists)?", rest)
        if m:
            with self.st.lock:
                t = self.st.tables.get(m.group(1))
            if m.group(2):
                return self.send(200, {"table_exists": t is not None})
            if t is None:
                return self.uc_error(404, "TABLE_DOES_NOT_EXIST",
                                     "Table '%s' does not exist." % m.group(1))
            return self.send(200, self.table_info(t))
        return self.api_error(404, "ENDPOINT_NOT_FOUND", "No API found for 'GET /api/2.1/"
                              "unity-catalog/%s'" % rest)

    # -- Control endpoints (tests only, no auth)
    def control(self, method, path):
        st = self.st
        try:
            body = json.loads(self.body) if self.body else {}
        except ValueError as e:
            return self.send(400, {"error": "invalid JSON: %s" % e})
        try:
            if path == "/_emu/requests" and method == "GET":
                with st.lock:
                    text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in st.log)
                return self.send(200, text, "application/x-ndjson")
            if path == "/_emu/reset" and method == "POST":
                with st.lock:
                    st.faults = []
                    st.pending = None
                    st.log = []
                return self.send(200, {})
            if path == "/_emu/commit" and method == "POST":
                with st.lock:
                    t = st.tables.get((body.get("table") or "").lower())
                    if t is None or isinstance(t, SyntheticTable):
                        return self.send(404, {"error": "no such table: %s" % body.get("table")})
                    t.add_commit(body["commit"])
                    return self.send(200, {"table": t.full, "version": t.latest()})
            if path == "/_emu/table" and method == "POST":
                t = st.add_table(body)
                return self.send(200, {"table": t.full, "version": t.latest()})
            if path == "/_emu/tables" and method == "GET":
                with st.lock:
                    return self.send(200, {"tables": sorted(st.tables)})
            if path == "/_emu/synthetic" and method == "POST":
                t = st.add_synthetic(int(body["rows"]),
                                     int(body.get("chunk_rows", st.args.synthetic_chunk_rows)))
                return self.send(200, {"table": t.full, "rows": t.nrows})
            if path == "/_emu/config" and method in ("GET", "POST"):
                with st.lock:
                    for k, v in body.items():
                        if k not in st.cfg:
                            return self.send(400, {"error": "unknown config key: %s" % k})
                        st.cfg[k] = v
                    return self.send(200, dict(st.cfg))
            if path == "/_emu/fault" and method == "POST":
                kind = body.get("kind", "status")
                with st.lock:
                    if kind == "expire_tokens":
                        st.tokens = {k: 0 for k in st.tokens}
                    elif kind == "expire_links":
                        for ln in st.links.values():
                            ln["expires"] = 0
                    elif kind == "pending":
                        st.pending = {k: body[k] for k in ("polls", "seconds", "count") if k in body}
                    elif kind in ("status", "drop", "slow", "truncate"):
                        f = dict(body)
                        f["kind"] = kind
                        f.setdefault("count", 1)
                        st.faults.append(f)
                    else:
                        return self.send(400, {"error": "unknown fault kind: %s" % kind})
                return self.send(200, {})
        except (KeyError, ValueError, TypeError) as e:
            return self.send(400, {"error": "%s: %s" % (type(e).__name__, e)})
        return self.send(404, {"error": "no control endpoint %s %s" % (method, path)})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


# --------------------------------------------------------------------------------------------
# Control client: python3 dbx_emu.py ctl PORT COMMAND [ARG...]
# --------------------------------------------------------------------------------------------

CTL_USAGE = """usage: dbx_emu.py ctl PORT COMMAND [ARG...]
  load FILE...            POST /_emu/table with each fixture file
  commit TABLE JSON       POST /_emu/commit (JSON = one commit object)
  fault JSON              POST /_emu/fault
  config [JSON]           POST /_emu/config (no JSON: show)
  synthetic ROWS [CHUNK]  POST /_emu/synthetic (table main.bench.events)
  requests                GET /_emu/requests (NDJSON)
  reset                   POST /_emu/reset
"""


def ctl(argv):
    import urllib.request
    if len(argv) < 2:
        sys.stderr.write(CTL_USAGE)
        return 64
    port, cmd, rest = argv[0], argv[1], argv[2:]

    def call(method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        r = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), data=data, method=method)
        try:
            with urllib.request.urlopen(r, timeout=60) as resp:
                sys.stdout.write(resp.read().decode() + ("\n" if method != "GET" or
                                                         path != "/_emu/requests" else ""))
                return 0
        except urllib.error.HTTPError as e:
            sys.stderr.write("dbx_emu ctl: %s %s: %d %s\n" % (method, path, e.code,
                                                               e.read().decode()))
            return 1
    if cmd == "load" and rest:
        for fn in rest:
            with open(fn, encoding="utf-8") as f:
                if call("POST", "/_emu/table", json.load(f)):
                    return 1
        return 0
    if cmd == "commit" and len(rest) == 2:
        return call("POST", "/_emu/commit", {"table": rest[0], "commit": json.loads(rest[1])})
    if cmd == "fault" and len(rest) == 1:
        return call("POST", "/_emu/fault", json.loads(rest[0]))
    if cmd == "config":
        return call("POST", "/_emu/config", json.loads(rest[0]) if rest else {})
    if cmd == "synthetic" and rest:
        b = {"rows": int(rest[0])}
        if len(rest) > 1:
            b["chunk_rows"] = int(rest[1])
        return call("POST", "/_emu/synthetic", b)
    if cmd == "requests":
        return call("GET", "/_emu/requests")
    if cmd == "reset":
        return call("POST", "/_emu/reset", {})
    sys.stderr.write(CTL_USAGE)
    return 64


def main(argv):
    if argv and argv[0] == "ctl":
        return ctl(argv[1:])
    ap = argparse.ArgumentParser(prog="dbx_emu.py", description="Databricks emulator for tests "
                                 "(see docs/emulators.md). Also: dbx_emu.py ctl PORT COMMAND ...")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tables", metavar="DIR", help="directory of table fixtures (*.json)")
    ap.add_argument("--token-ttl", type=int, default=3600, help="OAuth token lifetime, seconds")
    ap.add_argument("--client-id", default="dbxi-test-client")
    ap.add_argument("--client-secret", default="dbxi-test-secret")
    ap.add_argument("--pat", default="dapi-test-token")
    ap.add_argument("--azure-tenant-id", default="dbxi-test-tenant",
                    help="Entra ID tenant served at /TENANT/oauth2/v2.0/token")
    ap.add_argument("--azure-client-id", default="dbxi-test-azure-client")
    ap.add_argument("--azure-client-secret", default="dbxi-test-azure-secret")
    ap.add_argument("--warehouse-id", default="abcdef1234567890")
    ap.add_argument("--warehouse-state", default="RUNNING",
                    choices=["RUNNING", "STOPPED", "STARTING", "STOPPING", "DELETED", "DELETING"])
    ap.add_argument("--chunk-rows", type=int, default=2, help="INLINE rows per chunk")
    ap.add_argument("--chunk-bytes", type=int, default=4 * MIB, help="INLINE bytes per chunk")
    ap.add_argument("--inline-limit", type=int, default=25 * MIB,
                    help="INLINE results larger than this FAIL (25 MiB)")
    ap.add_argument("--link-rows", type=int, default=0,
                    help="EXTERNAL_LINKS rows per chunk of fixture tables (default --chunk-rows)")
    ap.add_argument("--link-ttl", type=float, default=900, help="external link lifetime, seconds")
    ap.add_argument("--result-ttl", type=float, default=3600,
                    help="a statement's result lives this long after it succeeds, seconds "
                         "(then CLOSED); polling does not extend it")
    ap.add_argument("--no-external-links", action="store_true",
                    help="refuse disposition EXTERNAL_LINKS, as a workspace where support "
                         "disabled them")
    ap.add_argument("--link-headers", action="store_true",
                    help="links carry http_headers (SSE-C style) that the client must send")
    ap.add_argument("--html-403", action="store_true", help="answer invalid tokens with the HTML 403")
    ap.add_argument("--session-tz", default="UTC",
                    help="session time zone for TIMESTAMP rendering (UTC, +HH:MM, or a zone name)")
    ap.add_argument("--synthetic-rows", type=int, default=0,
                    help="serve main.bench.events with N generated rows")
    ap.add_argument("--synthetic-chunk-rows", type=int, default=20000,
                    help="rows per chunk of main.bench.events")
    ap.add_argument("--synthetic-cache-mb", type=int, default=1024,
                    help="keep rendered chunk bodies of main.bench.events up to N MB (0: none)")
    ap.add_argument("--uc-page-size", type=int, default=50, help="UC page size for max_results=0")
    ap.add_argument("--no-uc-empty-page", action="store_true",
                    help="do not insert an empty page (with a token) after the first UC page")
    ap.add_argument("--log", metavar="FILE", help="append one JSON line per request")
    args = ap.parse_args(argv)
    tz = args.session_tz
    m = re.fullmatch(r"([+-])(\d\d):(\d\d)", tz)
    if tz.upper() in ("UTC", "Z", "+00:00"):
        Session.tz = dt.timezone.utc
    elif m:
        off = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        Session.tz = dt.timezone(off if m.group(1) == "+" else -off)
    else:
        import zoneinfo
        Session.tz = zoneinfo.ZoneInfo(tz)
    state = State(args)
    if args.tables:
        state.load_dir(args.tables)
    if args.synthetic_rows:
        state.add_synthetic(args.synthetic_rows, args.synthetic_chunk_rows)
    try:
        srv = Server(("127.0.0.1", args.port), Handler)
    except OSError as e:
        raise SystemExit("dbx_emu.py: cannot listen on 127.0.0.1:%d: %s" % (args.port, e.strerror))
    srv.state = state
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
