"""Autocomplete queries for bench/scale/serve.sh: what someone typing a title sends, URL-encoded,
one per line — for 300 titles of MOVIES_CSV (every 97th movie): its first 1 to 8 characters, its
middle word, and its last word typed from 1 character to the whole word. (`cinerec data synth`
titles are "Synthetic Movie N (year)": every title shares the first 16 characters, so the
prefixes and the middle word match the whole catalogue — the worst case — and only the typed
number narrows it.)   usage: search_queries.py MOVIES_CSV"""
import csv, re, sys, urllib.parse

rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
key = "title" if rows and "title" in rows[0] else list(rows[0].keys())[1]
out = []
for r in rows[::97][:300]:
    t = re.sub(r"\s*\(\d{4}\)\s*$", "", r[key]).strip().lower()
    for n in range(1, 9):
        if n <= len(t):
            out.append(t[:n])
    words = t.split()
    if words:
        out.append(words[len(words) // 2])
        last = words[-1]
        out.extend(" ".join(words[:-1] + [last[:n]]) for n in range(1, len(last) + 1))
for q in out:
    print(urllib.parse.quote(q))
