# tests/data/sync/cron-cmd.py: a crontab line on stdin -> the command cron hands to /bin/sh on
# stdout: the five time fields off; "\%" becomes "%", an unescaped "%" ends the command (the rest
# would be its stdin), as crontab(5) says.
import sys
line = sys.stdin.readline().rstrip("\n")
cmd = line.split(" ", 5)[5]
out, esc = [], False
for ch in cmd:
    if esc:
        if ch == "%":
            out[-1] = "%"
        else:
            out.append(ch)
        esc = False
        continue
    if ch == "\\":
        esc = True
        out.append(ch)
        continue
    if ch == "%":
        break
    out.append(ch)
sys.stdout.write("".join(out))
