#!/usr/bin/env python3
"""mkdoc.py [--check] DOC: fills the example blocks of docs/insider-rules.md from the golden
cases in tests/data/validate/rules/ (which tests/0401-validate-rules.t runs).

A block is
    <!-- example CASE -->
    ...anything...
    <!-- end example -->
and becomes the case's command, its input, which records pass and every reason of every
rejected record, and the warnings. --check exits 1 (with a diff) when DOC differs from what
the goldens give, so the doc cannot drift from what validate does."""
import difflib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCK = re.compile(r"(<!-- example (\S+) -->\n)(.*?)(<!-- end example -->)", re.S)


def render(case):
    base = os.path.join(HERE, "rules", case)
    with open(base + ".ndjson", encoding="utf-8") as f:
        lines = f.read().splitlines()
    args = ""
    if os.path.exists(base + ".args"):
        with open(base + ".args", encoding="utf-8") as f:
            args = f.read().strip() + " "
    with open(base + ".out", encoding="utf-8") as f:
        passed = set(f.read().splitlines())
    rejects = {}
    if os.path.exists(base + ".rej"):
        with open(base + ".rej", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                rejects[r["record_number"]] = r["errors"]
    with open(base + ".err", encoding="utf-8") as f:
        err = [l for l in f.read().splitlines() if "warning: passed on" in l]
    out = ["```", "$ validate %s--rejects rejects.ndjson < %s.ndjson" % (args, case)]
    for i, l in enumerate(lines, 1):
        if i in rejects:
            out.append("%d rejected  %s" % (i, l))
            for e in rejects[i]:
                where = e["field"] + ": " if e["field"] else ""
                out.append("     %s%s (%s)" % (where, e["message"], e["rule"]))
        elif l in passed:
            out.append("%d passed    %s" % (i, l))
        else:
            raise SystemExit("mkdoc: %s record %d neither passed nor rejected" % (case, i))
    for w in err:
        out.append("stderr: " + w)
    if os.path.exists(base + ".status"):
        with open(base + ".status", encoding="utf-8") as f:
            st = f.read().strip()
        with open(base + ".err", encoding="utf-8") as f:
            last = f.read().splitlines()[-1]
        out.append("exit status %s: %s" % (st, last))
    out.append("```")
    return "\n".join(out) + "\n"


def main():
    check = sys.argv[1:2] == ["--check"]
    doc = sys.argv[-1]
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    new = BLOCK.sub(lambda m: m.group(1) + render(m.group(2)) + m.group(4), text)
    if check:
        if new != text:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True), doc, "goldens"))
            return 1
        return 0
    with open(doc, "w", encoding="utf-8") as f:
        f.write(new)
    return 0


sys.exit(main())
