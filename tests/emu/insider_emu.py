#!/usr/bin/env python3
"""insider_emu.py: an emulator of Insider One's Upsert User Data API for dbx-insider's tests.

Follows /work/shared/reference/insider.md (cited below as "ref §N"); the choices made where the
reference is silent are listed in docs/emulators-insider.md, section "Insider emulator".
python3 stdlib only. Listens on 127.0.0.1 only. Never logs or echoes the token value.

    python3 tests/emu/insider_emu.py --port PORT [--partner NAME] [--token TOKEN]
        [--rate-per-minute N] [--burst N] [--rate-retry-after] [--log FILE] [--schema FILE]
        [--fast] [--now RFC3339] [--no-ttl] [--delete-rate-per-minute N]
        [--profile-quota UNITS]
"""
import argparse
import collections
import datetime
import functools
import json
import re
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSERT = "/api/user/v1/upsert"
METADATA = "/api/user/v3/metadata/columns"
ATTR_DELETE = "/api/user/v1/attribute/delete"   # ref §5.1, §10.5
USER_DELETE = "/api/user/v1/delete"             # ref §5.3, §10.5
PROFILE = "/api/user/v1/profile"                # ref §5.4, §10.5
OPS_PATHS = (ATTR_DELETE, USER_DELETE, PROFILE)
MAX_USERS = 1000                 # ref §1.2, §2
MAX_BYTES = 5000000              # ref §2: "5 MB = 5,000,000 bytes"
DRAIN_MAX = 64 * 1024 * 1024     # bodies past this are not even read: the connection is closed
LOG_KEEP = 10000                 # entries kept for /_emu/requests and /_emu/dropped

# Request-level bodies, verbatim from ref §3.3 (and §8 for the 400 over 1,000 users).
B_NO_USERS = {"error": "users must be defined: bad request"}
B_TOO_BIG = {"error": "request body is bigger than maximum allowed size 5,000,000 bytes"}
B_PARTNER = {"success": False, "message": "Partner is invalid."}
B_CTYPE = {"error": "content type must be application/json"}
B_BAD_JSON = {"success": False, "message": "Request data is not in valid JSON format."}
B_TOKEN_PARTNER = {"success": False, "message": "Partner token authentication failed."}
B_DENIED = {"success": False,
            "message": "Access Denied. You do not have sufficient access to perform this action."}
B_429 = {"error": "rejected: too many requests"}
B_500 = {"success": False,
         "message": "The request processing has failed because of an unknown error."}
B_TOO_MANY = {"error": "users must not be more than 1000: bad request"}   # [I] ref §9.2
B_BATCH_400 = {"error": "invalid user data: bad request"}                 # [I] when_user_has

# Per-user error keys and messages: verbatim from ref §3.2 where documented.
RE_EMAIL_LABEL = r"regexp(^.+@.+\..+$)"
RE_PHONE_LABEL = r"regexp(^\+[1-9]\d{6,14}$)"
RE_EVENT_LABEL = r"regexp(^[a-z0-9][a-zA-Z0-9._-]*$)"
RE_EMAIL = re.compile(r"[^\n]+@[^\n]+\.[^\n]+")       # Go regexp: '.' stops at newline, ASCII
RE_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
RE_EVENT = re.compile(r"[a-z0-9][a-z0-9._-]*")      # ref §3.2 caveat: no uppercase at all
RE_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                     r"(\.[0-9]+)?(Z|[+-]([0-9]{2}):([0-9]{2}))")
MSG_NO_ID = "either insider_id or idenifiers must be specified"     # typo verbatim (ref §1.3)
MSG_ID_KEY = "key must be one of phone_number(pn), email(em) or uuid"

# Default attributes (ref §1.4) -> type tag. Partner extras (ref §1.4, [3P S13]) are strings.
T_STR, T_NUM, T_BOOL, T_BDAY, T_NUMS, T_STRS, T_TIME, T_INT, T_CUR, T_CTRY = (
    "string", "number", "boolean", "birthday", "numbers", "strings", "datetime", "integer",
    "currency", "country")
DEFAULT_ATTRS = {
    "email": T_STR, "phone_number": T_STR, "uuid": T_STR, "email_optin": T_BOOL,
    "gdpr_optin": T_BOOL, "sms_optin": T_BOOL, "whatsapp_optin": T_BOOL, "name": T_STR,
    "surname": T_STR, "birthday": T_BDAY, "gender": T_STR, "age": T_NUM, "language": T_STR,
    "country": T_CTRY, "city": T_STR, "static_segment_id": T_NUMS, "list_id": T_NUMS,
    "lo": T_STR,
    "app_version": T_STR, "idfa": T_STR, "model": T_STR, "last_ip": T_STR, "carrier": T_STR,
    "os_version": T_STR, "platform": T_STR, "timezone": T_STR, "locale": T_STR,
}
ARRAY_TYPES = (T_NUMS, T_STRS)
# Default event parameters (ref §1.6).
DEFAULT_PARAMS = {
    "event_group_id": T_STR, "product_id": T_STR, "name": T_STR, "taxonomy": T_STRS,
    "url": T_STR, "currency": T_CUR, "quantity": T_INT, "unit_price": T_NUM,
    "unit_sale_price": T_NUM, "locale": T_STR, "color": T_STR, "size": T_STR,
    "shipping_cost": T_STR, "promotion_name": T_STR, "promotion_discount": T_NUM,
    "product_image_url": T_STR, "stock": T_NUM, "session_id": T_STR,
    "variant_id": T_NUM, "referrer": T_STR, "user_agent": T_STR,
}
REQUIRED_PARAMS = {   # ref §1.6 / §8.3, in the order of the documented example
    "purchase": ("event_group_id", "unit_sale_price", "currency", "quantity"),
    "cart_page_view": ("event_group_id", "unit_sale_price", "currency"),
}
# Retention in days (ref §1.7, S3). Names are Insider's system names where the reference gives
# them, [I] otherwise. Events not listed are custom events: 90 days ("three months").
TTL_DAYS = {"purchase": 730, "confirmation_page_view": 730}
for _n in ("homepage_view", "listing_page_view", "product_detail_page_view", "cart_page_view",
           "other_page_view", "item_added_to_cart", "item_removed_from_cart", "cart_cleared",
           "coupon_received", "purchase_cancelled", "item_added_to_wishlist",
           "item_removed_from_wishlist", "email_bounce", "email_spam", "email_unsubscribe"):
    TTL_DAYS[_n] = 90
for _n in ("lead_collection_form_submit", "sign_up", "email_delivered", "email_open",
           "email_click"):
    TTL_DAYS[_n] = 365
TTL_DAYS["journey_entered"] = 730   # a default event not in S3's lists: the 24-month top limit
CUSTOM_TTL = 90
DEFAULT_EVENTS = set(TTL_DAYS)


def jdump(o):
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))


_CANON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def canon(o):
    return _CANON.encode(o)


def vstr(v):
    """A value as Go's %v would print it in a message."""
    if isinstance(v, str):
        return v
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    return jdump(v)


def parse_time(s):
    """RFC 3339 (ref §1.6) -> aware datetime, or None."""
    if not isinstance(s, str):
        return None
    return _parse_time(s)


@functools.lru_cache(maxsize=65536)
def _parse_time(s):
    m = RE_TIME.fullmatch(s)
    if not m:
        return None
    try:
        if m.group(8) == "Z":
            tz = datetime.timezone.utc
        else:
            hh, mm = int(m.group(9)), int(m.group(10))
            if hh > 23 or mm > 59:
                return None
            off = datetime.timedelta(hours=hh, minutes=mm)
            tz = datetime.timezone(off if m.group(8)[0] == "+" else -off)
        return datetime.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)),
                                 int(m.group(4)), int(m.group(5)), int(m.group(6)), tzinfo=tz)
    except ValueError:
        return None


def type_ok(t, v):
    """Does value v fit type tag t? (defaults and schema types alike)"""
    if t == T_STR:
        return isinstance(v, str)
    if t == T_NUM:
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == T_INT:
        return (isinstance(v, int) and not isinstance(v, bool)) or \
            (isinstance(v, float) and v.is_integer())
    if t == T_BOOL:
        return isinstance(v, bool)
    if t == T_TIME:
        return parse_time(v) is not None
    if t == T_BDAY:
        return isinstance(v, str) and v.endswith("Z") and parse_time(v) is not None
    if t == T_STRS:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)
    if t == T_NUMS:
        return isinstance(v, list) and all(type_ok(T_NUM, x) for x in v)
    if t == T_CUR:
        return isinstance(v, str) and len(v) == 3 and v.isascii() and v.isalpha() and v.isupper()
    if t == T_CTRY:
        return isinstance(v, str) and len(v) == 2 and v.isascii() and v.isalpha() and v.isupper()
    return False


def free_ok(v):
    """Without a schema: a custom value may be a scalar or an array of scalars."""
    if isinstance(v, (str, int, float, bool)):
        return True
    return isinstance(v, list) and all(isinstance(x, (str, int, float, bool)) for x in v)


SCHEMA_TYPES = {"string": T_STR, "number": T_NUM, "boolean": T_BOOL, "datetime": T_TIME,
                "strings": T_STRS}
META_TYPES = {T_STR: "string", T_NUM: "number", T_BOOL: "boolean", T_TIME: "date",
              T_STRS: "array", T_NUMS: "array", T_BDAY: "date", T_INT: "number",
              T_CUR: "string", T_CTRY: "string"}


def load_schema(path):
    with open(path, encoding="utf-8") as f:
        s = json.load(f)
    if not isinstance(s, dict):
        raise ValueError("schema must be an object")
    attrs, events = s.get("attributes", {}), s.get("events", {})
    if not isinstance(attrs, dict) or not isinstance(events, dict):
        raise ValueError("schema: attributes and events must be objects")
    out = {"attributes": {}, "events": {}}
    for k, t in attrs.items():
        if t not in SCHEMA_TYPES:
            raise ValueError("schema: attribute %s: unknown type %r" % (k, t))
        out["attributes"][k] = SCHEMA_TYPES[t]
    for e, ps in events.items():
        if not isinstance(ps, dict):
            raise ValueError("schema: event %s: params must be an object" % e)
        out["events"][e] = {}
        for k, t in ps.items():
            if t not in SCHEMA_TYPES:
                raise ValueError("schema: event %s: param %s: unknown type %r" % (e, k, t))
            out["events"][e][k] = SCHEMA_TYPES[t]
    return out


def display_name(key):
    words = key.replace("-", "_").split("_")
    return " ".join(w.upper() if w == "id" else w.capitalize() for w in words if w)


# ---------------------------------------------------------------- delete and profile APIs
# Issue 13: Delete User Attribute (ref §5.1), Delete User (ref §5.3), Get User Profile (ref
# §5.4), all answered as the live exchanges of ref §10.5 show; the fault that loses an accepted
# upsert (POST /_emu/lose). Choices where the reference is silent are marked [I] and listed in
# docs/emulators-insider.md, "Delete and profile APIs".

B_NO_USER = {"error": "no such user for these identifiers: no data"}      # ref §5.4
B_NO_IDS = {"error": "identifiers must be defined: bad request"}          # [I]
PROFILE_COST = 2.5                   # ref §2, §5.4: the sample's cost of one read
IDENTIFIER_ATTRS = ("email", "phone_number", "uuid")
PROFILE_RENAME = {"gdpr_optin": "gdpr"}  # ref §5.4: returned as gdpr [V S12]


def epoch_of(ts):
    t = parse_time(ts)
    return None if t is None else t.timestamp()


def utc_text(ts):
    t = parse_time(ts)
    if t is None:
        return ts
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class OpsEmu:
    """State of the delete and profile APIs (a mixin of Emu; all under Emu.lock)."""

    def reset_ops(self):
        """Caller holds the lock (called from reset)."""
        self.lose = []                  # faults: accepted upserts not applied
        drate = float(self.args.delete_rate_per_minute)
        self.del_bucket = [drate, time.monotonic(), drate]      # tokens, last, rate
        q = float(self.args.profile_quota)
        self.quota_bucket = [q, time.monotonic(), q]
        self.st.update({"attribute_delete_users": 0, "attributes_deleted": 0,
                        "profiles_deleted": 0, "profile_reads": 0, "upserts_lost": 0})

    @staticmethod
    def _bucket_take(b, cost):
        """Token bucket refilled at b[2] per minute, size b[2]. True, or seconds to wait."""
        t = time.monotonic()
        b[0] = min(b[2], b[0] + (t - b[1]) * b[2] / 60.0)
        b[1] = t
        if b[0] >= cost:
            b[0] -= cost
            return True
        return (cost - b[0]) * 60.0 / b[2] if b[2] > 0 else 60.0

    def lose_upsert(self, reqno, i, u):
        """Caller holds the lock. True when this accepted user must not be applied."""
        for f in self.lose:
            needle = f.get("when_user_has")
            if needle is not None and not user_has(u, needle):
                continue
            if "count" in f:
                f["count"] -= 1
                if f["count"] <= 0:
                    self.lose.remove(f)
            self.st["upserts_lost"] += 1
            self.st["faults_fired"] += 1
            self.dropped.append({"request": reqno, "user": i, "path": "users.%d" % i,
                                 "reason": "accepted, not applied (fault lose)"})
            return True
        return False

    def find_profile(self, ids, iid):
        """Caller holds the lock. (pid, profile) of these identifiers, or (None, None)."""
        for k in id_keys(ids, iid):
            pid = self.index.get(k)
            if pid is not None and pid in self.profiles:
                return pid, self.profiles[pid]
        return None, None

    def delete_profile(self, pid):
        """Caller holds the lock."""
        prof = self.profiles.pop(pid)
        for k in id_keys(prof["identifiers"], prof["insider_id"]):
            if self.index.get(k) == pid:
                del self.index[k]


def request_ids(doc):
    """identifiers (long names) and insider_id of a one-user body, or None when neither."""
    if not isinstance(doc, dict):
        return None
    ids = doc.get("identifiers")
    iid = doc.get("insider_id") if isinstance(doc.get("insider_id"), str) else None
    if ids is not None and not isinstance(ids, dict):
        return None
    try:
        nids = norm_ids({"identifiers": ids or {}})
    except (AttributeError, TypeError):
        return None
    if not id_keys(nids, iid):
        return None
    for k, v in id_keys(nids, iid):
        if not isinstance(v, str):
            return None
    return nids, iid


def strs(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def partial_ok(v):
    return isinstance(v, dict) and all(isinstance(x, list) for x in v.values())


class OpsHandler:
    """The delete and profile endpoints (a mixin of Handler)."""

    def ops(self, path, doc, reqno, info):
        if path == ATTR_DELETE:
            return self.attr_delete(doc, reqno, info)
        if path == USER_DELETE:
            return self.user_delete(doc, info)
        return self.profile_get(doc, info)

    # ref §5.1: {"users":[{identifiers|insider_id, whole, partial, custom:{whole, partial}}]}
    def attr_delete(self, doc, reqno, info):
        emu = self.emu
        users = doc.get("users") if isinstance(doc, dict) else None
        if not isinstance(users, list):
            return self.send_raw(400, B_NO_USERS)
        info["users"] = len(users)
        if len(users) > MAX_USERS:
            return self.send_raw(400, B_TOO_MANY)
        bf = emu.batch_fault(ATTR_DELETE, users)
        if bf:
            info["fault"] = {k: v for k, v in bf.items() if k != "body"}
            return self.send_fault(bf)
        errs = Errs()
        nok = 0
        with emu.lock:
            for i, u in enumerate(users):
                if self.attr_delete_user(i, u, errs, reqno):
                    nok += 1
            emu.st["attribute_delete_users"] += len(users)
        nbad = len(users) - nok
        fail = {"count": nbad, "errors": dict(sorted(errs.d.items()))} if nbad else {}
        return self.send_raw(200, {"data": {"successful": {"count": nok} if nok else {},
                                            "fail": fail}})

    def attr_delete_user(self, i, u, errs, reqno):
        """Caller holds the lock. True when the user's request was valid (and applied)."""
        emu = self.emu
        p = "users.%d." % i
        n0 = len(errs.d)
        r = request_ids(u)
        if r is None:
            errs.add(p + "identifiers.required", MSG_NO_ID)
            errs.add(p + "insider_id.required", MSG_NO_ID)
            return False
        ids, iid = r
        whole, partial = u.get("whole", []), u.get("partial", {})
        c = u.get("custom", {})
        if not isinstance(c, dict):
            errs.add(p + "custom.type(object)", "custom must be an object")
            c = {}
        cwhole, cpartial = c.get("whole", []), c.get("partial", {})
        for name, v, ok in (("whole", whole, strs(whole)), ("partial", partial, partial_ok(partial)),
                            ("custom.whole", cwhole, strs(cwhole)),
                            ("custom.partial", cpartial, partial_ok(cpartial))):
            if not ok:
                errs.add(p + name + ".type", "%s must be %s" % (
                    name, "an array of strings" if name.endswith("whole")
                    else "an object of arrays"))
        pid, prof = emu.find_profile(ids, iid)
        if strs(whole):
            held = set(ids) | (set(prof["identifiers"]) if prof else set())
            for k in whole:                     # ref §5.1: not identifiers
                if k in IDENTIFIER_ATTRS and k in held:
                    errs.add(p + "whole.*.not_identifier",
                             "%s is an identifier and cannot be deleted here" % k)
        if len(errs.d) != n0:
            return False
        if prof is None:        # [I] nothing to delete: a success, so a retry is harmless
            return True
        pa = prof["attributes"]
        pc = pa.get("custom", {})
        for target, names in ((pa, whole), (pc, cwhole)):
            for k in names:
                if k != "custom" and k in target:
                    del target[k]
                    emu.st["attributes_deleted"] += 1
        for target, parts in ((pa, partial), (pc, cpartial)):
            for k, vals in parts.items():
                if k != "custom" and isinstance(target.get(k), list):
                    target[k] = [x for x in target[k] if x not in vals]
                    emu.st["attributes_deleted"] += 1
        if "custom" in pa and not pa["custom"]:
            del pa["custom"]
        return True

    # ref §5.3: {"identifiers":{...}} or insider_id; one user a request; 10,000 a minute
    def user_delete(self, doc, info):
        emu = self.emu
        with emu.lock:
            ok = emu._bucket_take(emu.del_bucket, 1.0)
        if ok is not True:
            return self.send_raw(429, B_429)
        f = emu.batch_fault(USER_DELETE, [doc] if isinstance(doc, dict) else [])
        if f:
            info["fault"] = {k: v for k, v in f.items() if k != "body"}
            return self.send_fault(f)
        r = request_ids(doc)
        if r is None:
            return self.send_raw(400, B_NO_IDS)
        with emu.lock:
            pid, prof = emu.find_profile(*r)
            if pid is not None:
                emu.delete_profile(pid)
                emu.st["profiles_deleted"] += 1
            info["deleted"] = pid is not None
        return self.send_raw(200, {})           # ref §10.5; [I] the same for an unknown user

    # ref §5.4: attributes by name (custom with c_, "*" all), events by name in a window
    def profile_get(self, doc, info):
        emu = self.emu
        with emu.lock:
            ok = emu._bucket_take(emu.quota_bucket, PROFILE_COST)
            used = round(emu.quota_bucket[2] - emu.quota_bucket[0], 1)
        if ok is not True:
            return self.send_raw(429, B_429)
        r = request_ids(doc)
        if r is None:
            return self.send_raw(400, B_NO_IDS)
        want_a = doc.get("attributes", [])
        evq = doc.get("events")
        if not strs(want_a) or (evq is not None and not isinstance(evq, dict)):
            return self.send_raw(400, {"error": "attributes must be an array of strings and "
                                                "events an object: bad request"})
        with emu.lock:
            emu.st["profile_reads"] += 1
            pid, prof = emu.find_profile(*r)
            if prof is not None:
                out = {"attributes": profile_attrs(prof, pid, want_a)}
                if evq is not None:
                    out["events"] = profile_events(prof, evq)
        if prof is None:
            return self.send_raw(404, B_NO_USER)
        if doc.get("quota") is True:
            out["quota"] = {"cost": PROFILE_COST, "used": used, "total": emu.quota_bucket[2]}
        return self.send_raw(200, out)

    def control_lose(self, body):
        try:
            f = json.loads(body or b"{}")
            if not isinstance(f, dict):
                raise ValueError("must be an object")
            if "when_user_has" not in f:
                f["count"] = int(f.get("count", 1))
            elif "count" in f:
                f["count"] = int(f["count"])
        except (ValueError, TypeError) as ex:
            return self.send_raw(400, {"error": "bad lose fault: %s" % ex})
        with self.emu.lock:
            self.emu.lose.append(f)
        return self.send_raw(200, {"ok": True})


def profile_attrs(prof, pid, want):
    """The attributes object of a profile read: default names as stored, custom ones with c_,
    identifiers among the attributes, and always iid (ref §5.4)."""
    allattrs = {}
    for k, v in prof["identifiers"].items():
        if k != "custom":
            allattrs[k] = v
    for k, v in prof["attributes"].items():
        if k == "custom":
            for ck, cv in v.items():
                allattrs["c_" + ck] = cv
        else:
            allattrs[PROFILE_RENAME.get(k, k)] = v
    out = {}
    if "*" in want:
        out = dict(allattrs)
    else:
        for k in want:
            k = PROFILE_RENAME.get(k, k)
            if k in allattrs:
                out[k] = allattrs[k]
    out["iid"] = prof["insider_id"] or "emu-%d" % pid
    return out


def profile_events(prof, q):
    start = q.get("start_date", 0)
    end = q.get("end_date", 2 ** 40)
    wanted = q.get("wanted", [])
    if not isinstance(start, (int, float)) or not isinstance(end, (int, float)) \
            or not isinstance(wanted, list):
        return {}
    out = {}
    for w in wanted:
        if not isinstance(w, dict) or not isinstance(w.get("event_name"), str):
            continue
        name, params = w["event_name"], w.get("params", ["*"])
        if not strs(params):
            params = []
        got = []
        for ev in sorted(prof["events"], key=lambda e: (epoch_of(e["timestamp"]) or 0)):
            t = epoch_of(ev["timestamp"])
            if ev["event_name"] != name or t is None or t < start or t > end:
                continue
            ep = ev.get("event_params") or {}
            allp = {k: v for k, v in ep.items() if k != "custom"}
            for ck, cv in (ep.get("custom") or {}).items():
                allp["c_" + ck] = cv
            o = dict(allp) if "*" in params else {k: allp[k] for k in params if k in allp}
            o["created_date"] = utc_text(ev["timestamp"])
            got.append(o)
        if got:
            out[name] = got
    return out


class Emu(OpsEmu):
    """All shared state, guarded by self.lock."""

    def __init__(self, args):
        self.args = args
        self.schema = load_schema(args.schema) if args.schema else None
        self.now_fixed = parse_time(args.now) if args.now else None
        if args.now and self.now_fixed is None:
            raise ValueError("--now: not an RFC 3339 time: %s" % args.now)
        self.lock = threading.Lock()
        self.applied_cv = threading.Condition(self.lock)   # an upsert was applied
        self.logf = open(args.log, "a", encoding="utf-8") if args.log else None
        self.rate = float(args.rate_per_minute)
        self.burst = float(args.burst if args.burst else max(1, args.rate_per_minute))
        self.inflight = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.faults = []
            self.applied = 0            # upsert requests applied (answered 200) so far
            self.profiles = {}          # pid -> profile dict
            self.index = {}             # (kind, value) -> pid
            self.next_pid = 1
            self.seen = collections.Counter()   # identity -> times received in accepted requests
            self.dup_sample = []
            self.reqlog = collections.deque(maxlen=LOG_KEEP)
            self.dropped = collections.deque(maxlen=LOG_KEEP)
            self.tokens = self.burst
            self.t_last = time.monotonic()
            self.st = {"requests": 0, "users_received": 0, "users_accepted": 0,
                       "users_failed": 0, "status_counts": {}, "max_users_in_request": 0,
                       "max_body_bytes": 0, "max_concurrent": 0, "distinct_users": 0,
                       "duplicate_users": 0, "events_stored": 0, "events_deduplicated": 0,
                       "events_dropped_ttl": 0, "events_dropped": 0, "attributes_dropped": 0,
                       "params_dropped": 0, "rate_limited": 0, "faults_fired": 0,
                       "fast": bool(self.args.fast)}
        self.reset_ops()

    def now(self):
        if self.now_fixed is not None:
            return self.now_fixed
        return datetime.datetime.now(datetime.timezone.utc)

    # -- rate limit: token bucket (ref §2, §8.5) --
    def take_token(self):
        """True if the request may go on; else the seconds until a token is back."""
        with self.lock:
            t = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (t - self.t_last) * self.rate / 60.0)
            self.t_last = t
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            self.st["rate_limited"] += 1
            return (1.0 - self.tokens) * 60.0 / self.rate if self.rate > 0 else 60.0

    # -- faults --
    def take_fault(self, path):
        with self.lock:
            for f in self.faults:
                if "when_user_has" in f:
                    continue
                if f.get("path", UPSERT) not in (path, "*"):
                    continue
                f["count"] -= 1
                if f["count"] <= 0:
                    self.faults.remove(f)
                self.st["faults_fired"] += 1
                return dict(f)
        return None

    def batch_fault(self, path, users):
        with self.lock:
            wanted = [f for f in self.faults if "when_user_has" in f
                      and f.get("path", UPSERT) in (path, "*")]
        if not wanted:
            return None
        for f in wanted:
            needle = f["when_user_has"]
            for u in users:
                if isinstance(u, dict) and user_has(u, needle):
                    with self.lock:
                        if "count" in f:
                            f["count"] -= 1
                            if f["count"] <= 0 and f in self.faults:
                                self.faults.remove(f)
                        self.st["faults_fired"] += 1
                    return dict(f)
        return None

    def hold(self, seconds):
        """kind "hold": this request waits until a later upsert has been applied, or seconds
        pass: concurrent requests are then applied in the reverse of their arrival order."""
        with self.applied_cv:
            start = self.applied
            self.applied_cv.wait_for(lambda: self.applied > start, timeout=seconds)
            return self.applied > start

    def drop(self, req, user, path, reason):
        with self.lock:
            self.dropped.append({"request": req, "user": user, "path": path, "reason": reason})


def user_has(u, needle):
    if u.get("insider_id") == needle:
        return True
    ids = u.get("identifiers")
    if not isinstance(ids, dict):
        return False
    for k, v in ids.items():
        if k == "custom" and isinstance(v, dict):
            if needle in v.values():
                return True
        elif v == needle:
            return True
    return False


# ---------------------------------------------------------------- per-user validation (ref §3.2)

class Errs:
    __slots__ = ("d",)

    def __init__(self):
        self.d = {}

    def add(self, key, msg):
        self.d.setdefault(key, []).append(msg)


def check_user(i, u, errs):
    """Adds this user's errors to errs; True when the user is valid."""
    n0 = len(errs.d)
    p = "users.%d." % i
    if not isinstance(u, dict):
        errs.add(p + "type(object)", "user must be an object")
        return False
    ids = u.get("identifiers")
    iid = u.get("insider_id")
    has_iid = isinstance(iid, str) and iid != ""
    if ids is not None and not isinstance(ids, dict):
        errs.add(p + "identifiers.type(object)", "identifiers must be an object")
    elif isinstance(ids, dict) and ids:
        for k, v in ids.items():
            if k in ("email", "em"):
                if not (isinstance(v, str) and RE_EMAIL.fullmatch(v)):
                    errs.add(p + "identifiers.*." + RE_EMAIL_LABEL,
                             "not a valid email address: " + vstr(v))
            elif k in ("phone_number", "pn"):
                if not (isinstance(v, str) and RE_PHONE.fullmatch(v)):
                    errs.add(p + "identifiers.*." + RE_PHONE_LABEL,
                             "user has an invalid phone number: " + vstr(v))
            elif k == "uuid":
                if not isinstance(v, str):
                    errs.add(p + "identifiers.*.type(string)", "uuid must be string: " + vstr(v))
            elif k == "custom":
                if not isinstance(v, dict):
                    errs.add(p + "identifiers.custom.type(object)",
                             "custom identifiers must be an object")
                else:
                    for ck, cv in v.items():
                        if not isinstance(cv, str):
                            errs.add(p + "identifiers.custom.*.type(string)",
                                     "%s must be string: %s" % (ck, vstr(cv)))
            else:
                errs.add(p + "identifiers.*.in(defaults_column)", MSG_ID_KEY)
        if ids.keys() == {"custom"} and isinstance(ids["custom"], dict) and not ids["custom"] \
                and not has_iid:
            errs.add(p + "identifiers.required", MSG_NO_ID)
            errs.add(p + "insider_id.required", MSG_NO_ID)
    elif not has_iid:
        errs.add(p + "identifiers.required", MSG_NO_ID)
        errs.add(p + "insider_id.required", MSG_NO_ID)

    attrs = u.get("attributes")
    events = u.get("events")
    has_attrs = False
    if attrs is not None:
        if not isinstance(attrs, dict):
            errs.add(p + "attributes.type(object)", "attributes must be an object")
        else:
            c = attrs.get("custom")
            has_attrs = any(k != "custom" for k in attrs) or (isinstance(c, dict) and bool(c))
            if not has_attrs:
                errs.add(p + "attributes.min(1)", "attributes must contain at least one attribute")
    oattrs = u.get("object_attributes")
    if isinstance(oattrs, dict) and oattrs:
        has_attrs = True
    has_events = False
    if events is not None:
        if not isinstance(events, list):
            errs.add(p + "events.type(array)", "events must be an array")
        else:
            has_events = bool(events)
            for j, e in enumerate(events):
                check_event(p + "events.%d." % j, e, errs)
    if attrs is None and not has_events and not has_attrs and \
            (events is None or isinstance(events, list)):
        errs.add(p + "attributes.required", "either attributes or events must be specified")
        errs.add(p + "events.required", "either attributes or events must be specified")
    return len(errs.d) == n0


def check_event(p, e, errs):
    if not isinstance(e, dict):
        errs.add(p + "type(object)", "event must be an object")
        return
    name = e.get("event_name")
    if not isinstance(name, str) or name == "":
        errs.add(p + "event_name.required", "event_name is required")
    elif not RE_EVENT.fullmatch(name):
        errs.add(p + "event_name.*." + RE_EVENT_LABEL, "invalid event name: " + name)
    ts = e.get("timestamp")
    if ts is None:
        errs.add(p + "timestamp.required", "timestamp is required")
    elif parse_time(ts) is None:
        errs.add(p + "timestamp.*.type(RFC3339)", "invalid timestamp: " + vstr(ts))
    params = e.get("event_params")
    if params is not None and not isinstance(params, dict):
        errs.add(p + "event_params.type(object)", "event_params must be an object")
        params = {}
    req = REQUIRED_PARAMS.get(name) if isinstance(name, str) else None
    if req:
        params = params or {}
        for k in req:
            if params.get(k) is None:
                errs.add(p + "event_params.*.required",
                         "%s parameter is required on %s event" % (k, name))


# ---------------------------------------------------------------- applying a valid user

def norm_ids(u):
    """Identifiers in long names (em -> email, pn -> phone_number)."""
    ids = u.get("identifiers") or {}
    out = {}
    for k, v in ids.items():
        if k == "em":
            k = "email"
        elif k == "pn":
            k = "phone_number"
        if k == "custom":
            if v:
                out["custom"] = dict(v)
        else:
            out[k] = v
    return out


def id_keys(ids, iid):
    ks = []
    for k, v in ids.items():
        if k == "custom":
            for ck, cv in v.items():
                ks.append(("custom." + ck, cv))
        else:
            ks.append((k, v))
    if iid:
        ks.append(("insider_id", iid))
    return ks


def merge_array(old, new, append):
    if not append or not isinstance(old, list):
        return list(new)
    out = list(old)
    for x in new:
        if x not in out:
            out.append(x)
    return out


class Applier:
    """Applies one request's valid users to the store. Caller holds emu.lock."""

    def __init__(self, emu, reqno, body):
        self.emu, self.reqno = emu, reqno
        self.top_append = append_flag(body, True)
        self.now = emu.now()
        self.schema = emu.schema

    def dropped(self, i, path, reason, stat):
        self.emu.st[stat] += 1
        self.emu.dropped.append({"request": self.reqno, "user": i, "path": path,
                                 "reason": reason})

    def profile_for(self, u):
        emu = self.emu
        ids = norm_ids(u)
        iid = u.get("insider_id") if isinstance(u.get("insider_id"), str) else None
        keys = id_keys(ids, iid)
        pids = sorted({emu.index[k] for k in keys if k in emu.index})
        if not pids:
            pid = emu.next_pid
            emu.next_pid += 1
            prof = {"identifiers": {}, "insider_id": None, "attributes": {}, "events": [],
                    "ev_keys": set()}
            emu.profiles[pid] = prof
        else:
            pid = pids[0]
            prof = emu.profiles[pid]
            for other in pids[1:]:          # identifiers of several profiles: merge (ref §1.3)
                self.merge_into(pid, prof, other)
        # The upsert adds identifiers but never changes an existing one (ref §1.3).
        pids_ids = prof["identifiers"]
        for k, v in ids.items():
            if k == "custom":
                c = pids_ids.setdefault("custom", {})
                for ck, cv in v.items():
                    if ck not in c:
                        c[ck] = cv
                        emu.index.setdefault(("custom." + ck, cv), pid)
            elif k not in pids_ids:
                pids_ids[k] = v
                emu.index.setdefault((k, v), pid)
        if iid and prof["insider_id"] is None:
            prof["insider_id"] = iid
            emu.index.setdefault(("insider_id", iid), pid)
        return prof

    def merge_into(self, pid, prof, other):
        emu = self.emu
        o = emu.profiles.pop(other)
        for k, v in id_keys(o["identifiers"], o["insider_id"]):
            emu.index[k] = pid
        for k, v in o["identifiers"].items():
            if k == "custom":
                c = prof["identifiers"].setdefault("custom", {})
                for ck, cv in v.items():
                    c.setdefault(ck, cv)
            else:
                prof["identifiers"].setdefault(k, v)
        if prof["insider_id"] is None:
            prof["insider_id"] = o["insider_id"]
        for k, v in o["attributes"].items():
            if k == "custom":
                c = prof["attributes"].setdefault("custom", {})
                for ck, cv in v.items():
                    c.setdefault(ck, cv)
            else:
                prof["attributes"].setdefault(k, v)
        for ev in o["events"]:
            key = ev_key(ev)
            if key not in prof["ev_keys"]:
                prof["ev_keys"].add(key)
                prof["events"].append(ev)

    def apply(self, i, u):
        prof = self.profile_for(u)
        append = append_flag(u, self.top_append)
        attrs = u.get("attributes")
        p = "users.%d.attributes." % i
        if isinstance(attrs, dict):
            pa = prof["attributes"]
            for k, v in attrs.items():
                if k == "custom":
                    continue
                t = DEFAULT_ATTRS.get(k)
                if v is None:
                    self.dropped(i, p + k, "null is ignored", "attributes_dropped")
                elif t is None:
                    self.dropped(i, p + k, "not a default attribute (custom ones go under "
                                 "attributes.custom)", "attributes_dropped")
                elif not type_ok(t, v):
                    self.dropped(i, p + k, "not of type %s" % t, "attributes_dropped")
                elif t in ARRAY_TYPES:
                    pa[k] = merge_array(pa.get(k), v, append)
                else:
                    pa[k] = v
            c = attrs.get("custom")
            if c is not None and not isinstance(c, dict):
                self.dropped(i, p + "custom", "not an object", "attributes_dropped")
            elif c:
                pc = prof["attributes"].setdefault("custom", {})
                for k, v in c.items():
                    why, t = self.custom_attr_check(k, v)
                    if why:
                        self.dropped(i, p + "custom." + k, why, "attributes_dropped")
                    elif t in ARRAY_TYPES or (t is None and isinstance(v, list)):
                        pc[k] = merge_array(pc.get(k), v, append)
                    else:
                        pc[k] = v
                if not pc:
                    del prof["attributes"]["custom"]
        events = u.get("events") or []
        for j, e in enumerate(events):
            self.apply_event(i, j, e, prof)

    def custom_attr_check(self, k, v):
        if v is None:
            return "null is ignored", None
        if self.schema is None:
            return (None if free_ok(v) else "not a scalar or an array of scalars"), None
        t = self.schema["attributes"].get(k)
        if t is None:
            return "custom attribute not defined in the schema", None
        if not type_ok(t, v):
            return "not of the schema's type %s" % t, None
        return None, t

    def apply_event(self, i, j, e, prof):
        name = e["event_name"]
        p = "users.%d.events.%d" % (i, j)
        is_default = name in DEFAULT_EVENTS or name in REQUIRED_PARAMS
        sch = None
        if self.schema is not None:
            sch = self.schema["events"].get(name)
            if sch is None and not is_default:
                self.dropped(i, p, "event not defined in the schema", "events_dropped")
                return
        if not self.emu.args.no_ttl:
            ttl = TTL_DAYS.get(name, CUSTOM_TTL)
            age = self.now - parse_time(e["timestamp"])
            if age > datetime.timedelta(days=ttl):
                self.dropped(i, p, "older than the %d-day retention of %s" % (ttl, name),
                             "events_dropped_ttl")
                return
        ev = {"event_name": name, "timestamp": e["timestamp"]}
        params = e.get("event_params")
        if params:
            out = {}
            pp = p + ".event_params."
            for k, v in params.items():
                if k == "custom":
                    continue
                t = DEFAULT_PARAMS.get(k)
                if v is None:
                    self.dropped(i, pp + k, "null is ignored", "params_dropped")
                elif t is None:
                    self.dropped(i, pp + k, "not a default parameter (custom ones go under "
                                 "event_params.custom)", "params_dropped")
                elif not type_ok(t, v):
                    self.dropped(i, pp + k, "not of type %s" % t, "params_dropped")
                else:
                    out[k] = v
            c = params.get("custom")
            if c is not None and not isinstance(c, dict):
                self.dropped(i, pp + "custom", "not an object", "params_dropped")
            elif c:
                oc = {}
                for k, v in c.items():
                    why = None
                    if v is None:
                        why = "null is ignored"
                    elif sch is None and self.schema is not None:
                        why = "custom parameter not defined in the schema"
                    elif sch is None:
                        why = None if free_ok(v) else "not a scalar or an array of scalars"
                    elif k not in sch:
                        why = "custom parameter not defined in the schema"
                    elif not type_ok(sch[k], v):
                        why = "not of the schema's type %s" % sch[k]
                    if why:
                        self.dropped(i, pp + "custom." + k, why, "params_dropped")
                    else:
                        oc[k] = v
                if oc:
                    out["custom"] = oc
            if out:
                ev["event_params"] = out
        key = ev_key(ev)
        if key in prof["ev_keys"]:
            self.emu.st["events_deduplicated"] += 1
            return
        prof["ev_keys"].add(key)
        prof["events"].append(ev)
        self.emu.st["events_stored"] += 1


def ev_key(ev):
    return (ev["event_name"], ev["timestamp"], canon(ev.get("event_params") or {}))


def append_flag(o, dflt):
    """ref §1.5: not_append:true or append:false overwrite; with both, append wins."""
    if not isinstance(o, dict):
        return dflt
    a = o.get("append")
    if isinstance(a, bool):
        return a
    na = o.get("not_append")
    if isinstance(na, bool):
        return not na
    return dflt


def identity(u):
    """A cheap key telling users apart, for the received-once check."""
    if not isinstance(u, dict):
        return ("?", None)
    ids = u.get("identifiers")
    if isinstance(ids, dict):
        v = ids.get("uuid")
        if v is not None and not isinstance(v, (dict, list)):
            return ("uuid", v)
        if len(ids) == 1:
            for k, v in ids.items():
                if not isinstance(v, (dict, list)):
                    return (k, v)
        return ("ids", canon(ids))
    iid = u.get("insider_id")
    if isinstance(iid, str):
        return ("insider_id", iid)
    return ("?", canon(u))


# ---------------------------------------------------------------- HTTP

HTML_ERR = ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1>"
            "</center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n")
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
           429: "Too Many Requests", 204: "No Content", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout", 520: "Unknown Error"}


def fault_body(status):
    return {400: B_BATCH_400, 401: B_TOKEN_PARTNER, 403: B_DENIED, 429: B_429,
            500: B_500}.get(status)


class Handler(OpsHandler, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms waits
    server_version = "insider-emu"
    timeout = 300       # an idle keep-alive connection is closed after 5 minutes
    sys_version = ""
    emu = None  # set in main

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):   # quiet; the request log is /_emu/requests and --log
        pass

    # -- plumbing --
    def send_raw(self, status, body, ctype="application/json", extra=None):
        if isinstance(body, (dict, list)):
            body = jdump(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        head = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status")),
                "Content-Type: " + ctype, "Content-Length: %d" % len(body),
                "Date: " + self.date_time_string()]
        for k, v in (extra or {}).items():
            head.append("%s: %s" % (k, v))
        if self.close_connection:
            head.append("Connection: close")
        self.status = status
        self.account()
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    def read_body(self):
        """(bytes or None when too big to read, declared length)."""
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            parts, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BadFraming() from None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > DRAIN_MAX:
                    self.close_connection = True
                    return None, total
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(parts), total
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if n < 0 or n > DRAIN_MAX:
            self.close_connection = True
            return None, n
        return (self.rfile.read(n) if n else b""), n

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")

    def do_PATCH(self):
        self.route("PATCH")

    def route(self, method):
        path = self.path.split("?", 1)[0]
        self.status = 0
        self.acct = None
        if path.startswith("/_emu/"):
            return self.control(method, path)
        emu = self.emu
        t0 = time.monotonic()
        with emu.lock:
            emu.st["requests"] += 1
            reqno = emu.st["requests"]
            emu.inflight += 1
            if emu.inflight > emu.st["max_concurrent"]:
                emu.st["max_concurrent"] = emu.inflight
        info = {"n": reqno, "method": method, "path": path,
                "headers": [k for k in self.headers.keys()]}
        self.acct = (info, t0)
        try:
            self.api(method, path, reqno, info)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except BadFraming:
            self.close_connection = True
            self.send_raw(400, B_BAD_JSON)
        except Exception:       # an emulator bug: say so, answer like the service's 500
            traceback.print_exc()
            self.close_connection = True
            if not self.status:
                self.send_raw(500, B_500)
        finally:
            self.account()

    def account(self):
        """Stats and request log of this API request; done before its answer is written, so
        that a client reading /_emu/stats after its answer sees it counted."""
        if not self.acct:
            return
        info, t0 = self.acct
        self.acct = None
        emu = self.emu
        info["status"] = self.status or None
        info["ms"] = round((time.monotonic() - t0) * 1000, 1)
        with emu.lock:
            emu.inflight -= 1
            sc = emu.st["status_counts"]
            key = str(self.status) if self.status else "dropped"
            sc[key] = sc.get(key, 0) + 1
            emu.reqlog.append(info)
            if emu.logf:
                emu.logf.write(jdump(info) + "\n")
                emu.logf.flush()

    def api(self, method, path, reqno, info):
        emu = self.emu
        body, n = self.read_body()
        info["body_bytes"] = n
        with emu.lock:
            if n > emu.st["max_body_bytes"]:
                emu.st["max_body_bytes"] = n
        if path not in (UPSERT, METADATA) + OPS_PATHS:
            return self.send_raw(404, {"error": "not found"})
        if method != "POST":
            return self.send_raw(405, {"error": "method not allowed"}, extra={"Allow": "POST"})
        # Injected faults come first: they stand for the CDN and the gateway (ref §3.3, §8.6).
        f = emu.take_fault(path)
        if f:
            info["fault"] = {k: v for k, v in f.items() if k != "body"}
            kind = f.get("kind")
            if kind == "drop":
                self.close_connection = True
                return
            if kind == "slow":
                time.sleep(float(f.get("seconds", 1)))
            elif kind == "hold":
                info["overtaken"] = emu.hold(float(f.get("seconds", 2)))
            else:
                return self.send_fault(f)
        # Headers (ref §1.1, §8.1).
        partner = self.headers.get("X-PARTNER-NAME")
        token = self.headers.get("X-REQUEST-TOKEN")
        info["partner"] = partner
        info["token"] = "missing" if token is None else (
            "ok" if token == emu.args.token else "wrong")
        if not partner or partner != partner.lower():
            return self.send_raw(400, B_PARTNER)
        if token != emu.args.token:
            return self.send_raw(403, B_DENIED)
        if partner != emu.args.partner:
            return self.send_raw(401, B_TOKEN_PARTNER)
        if path in (UPSERT, ATTR_DELETE):    # one budget for both (ref §2, §5.1)
            ok = emu.take_token()
            if ok is not True:
                extra = {"Retry-After": str(max(1, int(ok + 0.999)))} \
                    if emu.args.rate_retry_after else None
                return self.send_raw(429, B_429, extra=extra)
        # Body (ref §8.2): content type, size, JSON, users.
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "application/json":
            return self.send_raw(400, B_CTYPE)
        if body is None or n > MAX_BYTES:
            return self.send_raw(400, B_TOO_BIG)
        try:
            doc = json.loads(body, parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return self.send_raw(400, B_BAD_JSON)
        if path == METADATA:
            return self.metadata(doc)
        if path in OPS_PATHS:
            return self.ops(path, doc, reqno, info)
        users = doc.get("users") if isinstance(doc, dict) else None
        if not isinstance(users, list):
            return self.send_raw(400, B_NO_USERS)
        info["users"] = len(users)
        if len(users) > MAX_USERS:
            return self.send_raw(400, B_TOO_MANY)
        bf = emu.batch_fault(path, users)
        if bf and bf.get("kind") == "hold":
            info["overtaken"] = emu.hold(float(bf.get("seconds", 2)))
            bf = emu.batch_fault(path, users)   # a fault queued after the hold applies next
        if bf and bf.get("kind") == "hold":
            bf = None
        if bf:
            info["fault"] = {k: v for k, v in bf.items() if k != "body"}
            return self.send_fault(bf)
        self.upsert(doc, users, reqno)

    def send_fault(self, f):
        status = int(f.get("status", 500))
        extra = {}
        if "retry_after" in f:
            extra["Retry-After"] = str(f["retry_after"])
        body = f.get("body")
        if body is None:
            body = fault_body(status)
            if body is None:
                body = HTML_ERR % (status, REASONS.get(status, "Error"),
                                   status, REASONS.get(status, "Error"))
        if isinstance(body, (dict, list)):
            ctype = "application/json"
        else:
            ctype = f.get("content_type") or (
                "text/html" if body.lstrip().startswith("<") else "application/json")
        return self.send_raw(status, body, ctype, extra)

    def upsert(self, doc, users, reqno):
        emu = self.emu
        nu = len(users)
        if emu.args.fast:
            keys = [identity(u) for u in users]
            with emu.lock:
                st = emu.st
                st["users_received"] += nu
                st["users_accepted"] += nu
                if nu > st["max_users_in_request"]:
                    st["max_users_in_request"] = nu
                self.count_seen(keys)
                emu.applied += 1
                emu.applied_cv.notify_all()
            return self.send_raw(200, {"data": {"successful": {"count": nu} if nu else {},
                                                "fail": {}}})
        errs = Errs()
        valid = [check_user(i, u, errs) for i, u in enumerate(users)]
        nok = sum(valid)
        nbad = nu - nok
        with emu.lock:
            st = emu.st
            st["users_received"] += nu
            st["users_accepted"] += nok
            st["users_failed"] += nbad
            if nu > st["max_users_in_request"]:
                st["max_users_in_request"] = nu
            self.count_seen([identity(u) for u, ok in zip(users, valid) if ok])
            ap = Applier(emu, reqno, doc)
            for i, u in enumerate(users):
                if valid[i] and not emu.lose_upsert(reqno, i, u):
                    ap.apply(i, u)
            emu.applied += 1
            emu.applied_cv.notify_all()
        fail = {}
        if nbad:
            fail = {"count": nbad, "errors": dict(sorted(errs.d.items()))}
        self.send_raw(200, {"data": {"successful": {"count": nok} if nok else {}, "fail": fail}})

    def count_seen(self, keys):
        """Caller holds the lock."""
        emu = self.emu
        seen = emu.seen
        st = emu.st
        for k in keys:
            c = seen[k]
            seen[k] = c + 1
            if c == 0:
                st["distinct_users"] += 1
            else:
                st["duplicate_users"] += 1
                if len(emu.dup_sample) < 20:
                    emu.dup_sample.append(list(k))

    def metadata(self, doc):
        """ref §5.5 (undocumented call): the schema file's fields, custom ones with c_."""
        table = doc.get("table") if isinstance(doc, dict) else None
        sch = self.emu.schema or {"attributes": {}, "events": {}}
        if table == "contacts":
            out = [{"key": k, "display_name": display_name(k), "type": META_TYPES[t]}
                   for k, t in DEFAULT_ATTRS.items()]
            out += [{"key": "c_" + k, "display_name": display_name(k), "type": META_TYPES[t]}
                    for k, t in sorted(sch["attributes"].items())]
            return self.send_raw(200, out)
        if table == "events":
            names = list(REQUIRED_PARAMS) + sorted(n for n in sch["events"]
                                                   if n not in REQUIRED_PARAMS)
            out = []
            for n in names:
                params = []
                if n in REQUIRED_PARAMS or n in DEFAULT_EVENTS:
                    params = [{"key": k, "display_name": display_name(k),
                               "type": META_TYPES[t]} for k, t in DEFAULT_PARAMS.items()]
                params += [{"key": "c_" + k, "display_name": display_name(k),
                            "type": META_TYPES[t]}
                           for k, t in sorted(sch["events"].get(n, {}).items())]
                out.append({"key": n, "display_name": display_name(n), "params": params})
            return self.send_raw(200, out)
        return self.send_raw(400, {"error": "table must be one of contacts, events: bad request"})

    # -- control endpoints (tests only) --
    def control(self, method, path):
        emu = self.emu
        body, _ = self.read_body()
        if path == "/_emu/fault" and method == "POST":
            try:
                f = json.loads(body or b"{}")
                if not isinstance(f, dict):
                    raise ValueError("fault must be an object")
                if "when_user_has" not in f:
                    f["count"] = int(f.get("count", 1))
                elif "count" in f:
                    f["count"] = int(f["count"])
                if f.get("kind") not in (None, "drop", "slow", "hold"):
                    raise ValueError("kind must be drop, slow or hold")
                if f.get("kind") == "drop" and "when_user_has" in f:
                    raise ValueError("kind drop takes no when_user_has")
                if f.get("kind") == "slow" and "when_user_has" in f:
                    raise ValueError("kind slow takes no when_user_has")
                if f.get("kind") is None:
                    f["status"] = int(f.get("status", 500))
            except (ValueError, TypeError) as ex:
                return self.send_raw(400, {"error": "bad fault: %s" % ex})
            with emu.lock:
                emu.faults.append(f)
            return self.send_raw(200, {"ok": True})
        if path == "/_emu/fault" and method == "DELETE":
            with emu.lock:
                emu.faults.clear()
            return self.send_raw(200, {"ok": True})
        if path == "/_emu/fault" and method == "GET":
            with emu.lock:
                return self.send_raw(200, {"faults": list(emu.faults)})
        if path == "/_emu/token" and method == "POST":
            try:
                t = json.loads(body or b"{}").get("token")
                if not isinstance(t, str) or not t:
                    raise ValueError("token must be a non-empty string")
            except (ValueError, AttributeError) as ex:
                return self.send_raw(400, {"error": "bad token request: %s" % ex})
            emu.args.token = t      # the old token is now refused with 403 (a revoked key)
            return self.send_raw(200, {"ok": True})
        if path == "/_emu/lose" and method == "POST":
            return self.control_lose(body)
        if path == "/_emu/reset" and method == "POST":
            emu.reset()
            return self.send_raw(200, {"ok": True})
        if method != "GET":
            return self.send_raw(404, {"error": "no such control endpoint"})
        with emu.lock:
            if path == "/_emu/users":
                us = []
                for prof in emu.profiles.values():
                    o = {"identifiers": prof["identifiers"]}
                    if prof["insider_id"]:
                        o["insider_id"] = prof["insider_id"]
                    o["attributes"] = prof["attributes"]
                    o["events"] = sorted(prof["events"], key=lambda e: (
                        e["timestamp"], e["event_name"], canon(e.get("event_params") or {})))
                    us.append(o)
                us.sort(key=lambda o: (canon(o["identifiers"]), o.get("insider_id") or ""))
                return self.send_raw(200, {"users": us})
            if path == "/_emu/stats":
                st = dict(emu.st)
                st["status_counts"] = dict(st["status_counts"])
                st["duplicates_sample"] = list(emu.dup_sample)
                return self.send_raw(200, st)
            if path == "/_emu/requests":
                return self.send_raw(200, {"requests": list(emu.reqlog)})
            if path == "/_emu/dropped":
                return self.send_raw(200, {"dropped": list(emu.dropped)})
        return self.send_raw(404, {"error": "no such control endpoint"})


class BadFraming(Exception):
    """A chunked body that cannot be read."""


def _no_constant(name):
    raise ValueError("not JSON: " + name)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


def main(argv=None):
    ap = argparse.ArgumentParser(prog="insider_emu.py",
                                 description="Emulator of Insider One's Upsert API for tests.")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--partner", default="dbxitest")
    ap.add_argument("--token", default="ins-test-token")
    ap.add_argument("--rate-per-minute", type=int, default=25000)
    ap.add_argument("--burst", type=int, default=0,
                    help="bucket size (default: one minute's worth of requests)")
    ap.add_argument("--rate-retry-after", action="store_true",
                    help="send Retry-After on rate-limit 429s (default: none, as in ref S1)")
    ap.add_argument("--log", help="append one JSON line per API request (never the token)")
    ap.add_argument("--schema", help="custom attributes and events of the account")
    ap.add_argument("--fast", action="store_true",
                    help="skip per-user validation and the store; still count users")
    ap.add_argument("--now", help="fixed clock (RFC 3339) for event retention")
    ap.add_argument("--no-ttl", action="store_true", help="keep events of any age")
    ap.add_argument("--delete-rate-per-minute", type=int, default=10000,
                    help="profile deletes per minute (ref §5.3)")
    ap.add_argument("--profile-quota", type=float, default=1000.0,
                    help="profile reads: quota units per minute, 2.5 a read (ref §2, §5.4)")
    args = ap.parse_args(argv)
    if args.rate_per_minute < 1:
        ap.error("--rate-per-minute must be at least 1")
    try:
        Handler.emu = Emu(args)
    except (OSError, ValueError) as ex:
        print("insider_emu.py: %s" % ex, file=sys.stderr)
        return 78
    srv = Server(("127.0.0.1", args.port), Handler)
    print("insider_emu.py: listening on 127.0.0.1:%d" % srv.server_address[1],
          file=sys.stderr, flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
