# tests/data/sync/prom-check.py FILE: checks Prometheus's text exposition format (version
# 0.0.4) as node_exporter's textfile collector reads it: # HELP and # TYPE once per metric and
# before its samples, a metric's samples together, names and label names valid, label values
# quoted with \\ \" \n escapes, values numbers. Prints each sample as NAME{labels} VALUE with the
# label values unescaped; exits 1 naming the line at the first fault.
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r"^(" + NAME + r")(?:\{((?:" + LABEL + r")(?:," + LABEL + r")*)\})? (\S+)$")
help_, type_, done, cur = set(), {}, set(), None


def fail(n, why, line):
    sys.exit("line %d: %s: %r" % (n, why, line))


for n, line in enumerate(open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1], 1):
    m = re.match(r"^# (HELP|TYPE) (" + NAME + r") (.*)$", line)
    if m:
        kind, name, rest = m.groups()
        if kind == "HELP":
            if name in help_:
                fail(n, "second HELP", line)
            help_.add(name)
        else:
            if name in type_:
                fail(n, "second TYPE", line)
            if rest not in ("counter", "gauge", "histogram", "summary", "untyped"):
                fail(n, "bad type", line)
            type_[name] = rest
        if cur != name and name in done:
            fail(n, "metric not together", line)
        if cur and cur != name:
            done.add(cur)
        cur = name
        continue
    if line.startswith("#"):
        continue
    m = SAMPLE.match(line)
    if not m:
        fail(n, "not a sample", line)
    name = m.group(1)
    if name not in type_:
        fail(n, "sample before its TYPE", line)
    if name != cur:
        fail(n, "sample apart from its metric", line)
    try:
        float(m.group(m.lastindex))
    except ValueError:
        fail(n, "value not a number", line)
    labels = re.findall(LABEL, m.group(2) or "")
    unesc = lambda v: re.sub(r"\\(.)", lambda x: "\n" if x.group(1) == "n" else x.group(1), v)
    print("%s{%s} %s" % (name, ",".join('%s=%s' % (k, unesc(v)) for k, v in labels), m.group(m.lastindex)))
