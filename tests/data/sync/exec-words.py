# tests/data/sync/exec-words.py: the ExecStart= line of a unit on stdin -> its words, one a line,
# unquoted as systemd does (double quotes with C escapes, "%%" -> "%", "$$" -> "$").
import sys
for line in sys.stdin:
    if line.startswith("ExecStart="):
        s = line[len("ExecStart="):].rstrip("\n")
        break
else:
    sys.exit("no ExecStart")
if "%" in s.replace("%%", "") or "$" in s.replace("$$", ""):
    sys.exit("a lone % (specifier) or $ (variable) in: " + s)
words, i = [], 0
while i < len(s):
    if s[i] == " ":
        i += 1
        continue
    w = []
    if s[i] == '"':
        i += 1
        while i < len(s) and s[i] != '"':
            if s[i] == "\\":
                i += 1
            w.append(s[i])
            i += 1
        i += 1
    else:
        while i < len(s) and s[i] != " ":
            w.append(s[i])
            i += 1
    words.append("".join(w).replace("%%", "\0").replace("$$", "$").replace("\0", "%"))
for w in words:
    print(w)
