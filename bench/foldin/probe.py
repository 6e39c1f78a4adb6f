"""Live fold-in on a running `cinerec serve` (issue #18, point 3): for a few ML-100K users,
predictions for movies 1-200 before and after re-posting a rating they already had (same
value), then after a genuinely new rating. Prints JSON; bench/foldin/run.sh drives it."""
import json, urllib.request, sys
KEY = sys.argv[2] if len(sys.argv) > 2 else "bench-key-123"
B=sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8123"
def get(p): return json.load(urllib.request.urlopen(B+p))
def post(p, body):
    r=urllib.request.Request(B+p, data=json.dumps(body).encode(), headers={"content-type":"application/json","x-api-key":KEY}, method="POST")
    return json.load(urllib.request.urlopen(r))
movies=[str(m) for m in range(1,201)]
def preds(u): return [get(f"/predict/{u}/{m}")["prediction"] for m in movies]
out={}
for u in ["196","186","22"]:
    mine=get(f"/users/{u}/ratings")
    items=mine.get("ratings") or mine.get("items")
    first=items[0]
    mid=first.get("movie",{}).get("id") if isinstance(first.get("movie"),dict) else first.get("movie")
    val=first["rating"]
    a=preds(u)
    post("/ratings", {"user":u,"movie":mid,"rating":val})
    b=preds(u)
    d=[abs(x-y) for x,y in zip(a,b)]
    out[u]={"repost_max":max(d),"repost_mean":sum(d)/len(d)}
    # a genuinely new rating: a movie the user never rated
    rated={ (r.get("movie",{}).get("id") if isinstance(r.get("movie"),dict) else r.get("movie")) for r in items}
    new=next(m for m in movies if m not in rated)
    p0=get(f"/predict/{u}/{new}")["prediction"]
    post("/ratings", {"user":u,"movie":new,"rating":5 if p0<3 else 1})
    p1=get(f"/predict/{u}/{new}")["prediction"]
    c=preds(u)
    others=[abs(x-y) for m,x,y in zip(movies,b,c) if m!=new]
    out[u].update({"new_movie":new,"new_rating":5 if p0<3 else 1,"moved":p1-p0,"others_mean":sum(others)/len(others),"others_max":max(others)})
print(json.dumps(out,indent=1))
