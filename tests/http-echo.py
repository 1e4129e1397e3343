#!/usr/bin/env python3
"""http-echo.py: a tiny HTTP/1.1 test server for tests/unit/test_http.c (loopback only).

Binds 127.0.0.1 on a free port, prints the port on stdout, serves until stdin closes.
Paths:
  /echo              200, body: "METHOD PATH\\n" + received headers (lower-cased names,
                     sorted) + "\\n" + the request body
  /status/N          status N, body "status N"
  /big/N             200 with N bytes of 'x'
  /chunked/N         200 with N bytes of 'y', chunked (no Content-Length)
  /lie/N             200 announcing Content-Length: N, then 10 bytes and the connection closed
  /flaky/KEY/N/CODE[?ra=V]  the first N hits of KEY answer CODE (with Retry-After: V
                     when given), later hits 200 "ok after N"
  /drop/KEY/N        the first N hits of KEY close the connection without an answer
  /slow/MS           waits MS milliseconds, then 200 "slow"
  /redirect?to=URL&code=C  C (302) with Location: URL
  /hits/KEY          200, body: the number of hits of KEY so far
  /conn              200, body: the client port (to see connection reuse)
  /conc/KEY/MS       like /slow, counting how many KEY requests are served at once
  /maxconc/KEY       200, body: the most KEY requests served at once
"""
import sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

hits = {}
active = {}
peak = {}
lock = threading.Lock()


def hit(key):
    with lock:
        hits[key] = hits.get(key, 0) + 1
        return hits[key]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, body, headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        parts = u.path.strip("/").split("/")
        what = parts[0]
        if what == "echo":
            hdrs = "".join("%s: %s\n" % (k.lower(), v) for k, v in sorted(self.headers.items()))
            self.reply(200, ("%s %s\n%s\n" % (self.command, self.path, hdrs)).encode() + body)
        elif what == "status":
            self.reply(int(parts[1]), "status " + parts[1])
        elif what == "big":
            self.reply(200, b"x" * int(parts[1]))
        elif what == "chunked":
            n = int(parts[1])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, n, 4096):
                k = min(4096, n - i)
                self.wfile.write(b"%x\r\n" % k + b"y" * k + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif what == "lie":
            self.send_response(200)
            self.send_header("Content-Length", parts[1])
            self.end_headers()
            self.wfile.write(b"z" * 10)
            self.wfile.flush()
            self.close_connection = True
        elif what == "flaky":
            key, n, code = parts[1], int(parts[2]), int(parts[3])
            if hit(key) <= n:
                extra = [("Retry-After", q["ra"])] if "ra" in q else []
                self.reply(code, "flaky %d" % code, extra)
            else:
                self.reply(200, "ok after %d" % n)
        elif what == "drop":
            key, n = parts[1], int(parts[2])
            if hit(key) <= n:
                self.close_connection = True
                return
            self.reply(200, "ok after %d" % n)
        elif what == "slow":
            time.sleep(int(parts[1]) / 1000.0)
            self.reply(200, "slow")
        elif what == "conc":
            key = parts[1]
            with lock:
                active[key] = active.get(key, 0) + 1
                peak[key] = max(peak.get(key, 0), active[key])
            time.sleep(int(parts[2]) / 1000.0)
            with lock:
                active[key] -= 1
            self.reply(200, "slow")
        elif what == "maxconc":
            with lock:
                self.reply(200, str(peak.get(parts[1], 0)))
        elif what == "redirect":
            self.reply(int(q.get("code", "302")), "moved", [("Location", q["to"])])
        elif what == "hits":
            with lock:
                self.reply(200, str(hits.get(parts[1], 0)))
        elif what == "conn":
            self.reply(200, str(self.client_address[1]))
        else:
            self.reply(404, "no such path")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


class S(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early (size caps, aborts) are expected


def main():
    srv = S(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(srv.server_address[1], flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
