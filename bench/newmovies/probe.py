"""New movies on a running server (issue #18 point 1), on MovieLens-100K.

For each of N users (every 47th user id), take the user's favourite movies (their 5-star
ratings), POST a new movie carrying the genres most common among them and the release year of
the newest favourite, then read where it ranks in the user's full recommendation list
(/recommend/{user}?top_n=...), and in the similar list of the favourite it copies the genres of.
A control: the same movie's rank for the user whose favourites share the fewest of its genres.
Prints one JSON object (also written to the path given as argv[2]).
"""
import collections, json, statistics, sys, urllib.request

BASE, OUT = sys.argv[1], sys.argv[2]
KEY = "bench-key"


def call(method, path, body=None):
    req = urllib.request.Request(BASE + path, method=method)
    req.add_header("x-api-key", KEY)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, data) as r:
        return json.loads(r.read())


def rank_of(items, mid):
    ids = [m["id"] for m in items]
    return ids.index(mid) + 1 if mid in ids else None


health = call("GET", "/health")
n_items = health.get("movies") or 1682
users = [str(u) for u in range(1, 944, 47)]
profiles = {}
for u in users:
    r = call("GET", f"/users/{u}/ratings")["ratings"]
    favs = [x["movie"] for x in r if x["rating"] >= 5]
    profiles[u] = favs
rows = []
for u in users:
    favs = profiles[u]
    if len(favs) < 3:
        continue
    genres = collections.Counter(g for m in favs for g in m["genres"])
    top = [g for g, _ in genres.most_common(2)]
    year = max((m.get("year") or 1995) for m in favs)
    new = call("POST", "/movies", {"title": f"Bench Movie for user {u}", "year": year, "genres": top})
    mid = new["id"]
    recs = call("GET", f"/recommend/{u}?top_n=1000")["items"]
    # the control: the user whose favourites carry these genres least often
    def share(v):
        c = collections.Counter(g for m in profiles[v] for g in m["genres"])
        tot = sum(c.values()) or 1
        return sum(c[g] for g in top) / tot
    control = min((v for v in users if v != u and len(profiles[v]) >= 3), key=share)
    crecs = call("GET", f"/recommend/{control}?top_n=1000")["items"]
    fav = next(m for m in favs if set(top) <= set(m["genres"])) if any(set(top) <= set(m["genres"]) for m in favs) else favs[0]
    sim = call("GET", f"/movies/{fav['id']}/similar?n=50")["items"]
    rows.append({
        "user": u, "genres": top, "new_movie": mid,
        "rank_for_user": rank_of(recs, mid), "rank_for_control": rank_of(crecs, mid),
        "control_user": control, "rank_in_similar_of": [fav["id"], rank_of(sim, mid)],
        "candidates": len(recs),
    })
ranks = [r["rank_for_user"] or 10**6 for r in rows]
cranks = [r["rank_for_control"] or 10**6 for r in rows]
sims = [r["rank_in_similar_of"][1] or 10**6 for r in rows]
summary = {
    "model": health.get("algorithm"),
    "users": len(rows),
    "median_rank_for_user": statistics.median(ranks),
    "in_top50_for_user": sum(r <= 50 for r in ranks),
    "median_rank_for_control": statistics.median(cranks),
    "in_top50_for_control": sum(r <= 50 for r in cranks),
    "in_similar_top10": sum(s <= 10 for s in sims),
    "rows": rows,
}
json.dump(summary, open(OUT, "w"), indent=1)
print(json.dumps({k: v for k, v in summary.items() if k != "rows"}))
