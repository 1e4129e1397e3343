#!/usr/bin/env python3
"""readme-steps.py README.md FIRST LAST: the command lines of the numbered steps FIRST..LAST of
the README's "From zero to a scheduled sync" section, as one shell script on stdout, so that a
test runs them verbatim and breaks when the README drifts. A step's indented block is shell
commands, except a step that names a config file (`NAME.conf`): its block is written there
(through `cat >NAME.conf`, one line each, for the caller to adjust with CONF_SED)."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
first, last = int(sys.argv[2]), int(sys.argv[3])
sec = re.search(r"^## From zero to a scheduled sync[^\n]*\n(.*?)(?=^## )", text, re.S | re.M)
if not sec:
    sys.exit("readme-steps.py: no 'From zero to a scheduled sync' section in %s" % sys.argv[1])
steps = {}
cur = None
for line in sec.group(1).split("\n"):
    m = re.match(r"^(\d+)\. ", line)
    if m:
        cur = int(m.group(1))
        steps[cur] = {"head": line, "block": []}
        continue
    if cur is None:
        continue
    if line.startswith("        "):
        steps[cur]["block"].append(line[8:])
    elif line.strip() and not line.startswith("   "):
        cur = None
    elif not steps[cur]["block"]:
        steps[cur]["head"] += " " + line.strip()
out = ["set -e"]
for n in range(first, last + 1):
    if n not in steps or not steps[n]["block"]:
        sys.exit("readme-steps.py: step %d has no command block" % n)
    out.append("# step %d" % n)
    conf = re.search(r"`([\w.-]+\.conf)`", steps[n]["head"])
    if conf:
        out.append("cat <<'EOC' | sed \"$CONF_SED\" >%s" % conf.group(1))
        out.extend(steps[n]["block"])
        out.append("EOC")
    else:
        out.extend(steps[n]["block"])
print("\n".join(out))
