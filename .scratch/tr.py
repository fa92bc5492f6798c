"""Fill French translations in place (text edit, keeps the file's layout): python tr.py file.json.
Only single-line msgids; plural entries: value is a list [singular, plural]."""
import json, re, sys
path = "core/locale/fr/LC_MESSAGES/messages.po"
text = open(path, encoding="utf-8").read()
tr = json.load(open(sys.argv[1], encoding="utf-8"))
def q(s): return json.dumps(s, ensure_ascii=False)
blocks = text.split("\n\n")
missing = set(tr)
for i, block in enumerate(blocks):
    lines = block.split("\n")
    ids = [l for l in lines if l.startswith("msgid ")]
    if not ids: continue
    try: mid = json.loads(ids[0][6:])
    except Exception: continue
    # multi-line msgid "" continuation
    j = lines.index(ids[0])
    if mid == "":
        k = j + 1; parts = []
        while k < len(lines) and lines[k].startswith('"'):
            parts.append(json.loads(lines[k])); k += 1
        mid = "".join(parts)
    if mid not in tr: continue
    missing.discard(mid)
    val = tr[mid]
    out = []
    skip = False
    for l in lines:
        if l.startswith("#,") and "fuzzy" in l:
            flags = [f.strip() for f in l[2:].split(",") if f.strip() != "fuzzy"]
            if flags: out.append("#, " + ", ".join(flags))
            continue
        if l.startswith("#| "): continue
        if l.startswith("msgstr"):
            skip = True
            if isinstance(val, list):
                if l.startswith("msgstr[0]"):
                    out.append(f"msgstr[0] {q(val[0])}"); out.append(f"msgstr[1] {q(val[1])}")
            else:
                out.append(f"msgstr {q(val)}")
            continue
        if skip and l.startswith('"'): continue
        skip = False
        out.append(l)
    blocks[i] = "\n".join(out)
open(path, "w", encoding="utf-8").write("\n\n".join(blocks))
print("not found:", sorted(missing))
