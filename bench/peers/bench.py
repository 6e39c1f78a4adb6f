#!/usr/bin/env python3
"""Side-by-side benchmark of cinerec against the peer libraries on the peers' ML-100K splits.

Stages (run.sh calls them in order; each can be rerun on its own):

  peers   WORK/peers holds a copy of /work/shared/peers (common.py, run_*.py) whose splits/ is
          our split folder; each peer script is imported and its main() run with REPS patched
          (the protocol is the scripts' own, unchanged). Results: WORK/peers/results/*.json.
  cinerec for every cinerec model registered in the binary: `cinerec eval` on
          ratings_train/test (rating metrics; fit/predict timed) and on temporal_train/test
          (ranking metrics; fit/rank timed), REPS times each. Results: WORK/cinerec.json.
  report  pairs the two, computes medians and cinerec/peer ratios, checks the targets and
          writes bench/peers/results.{md,json} and the "Peers" section of bench/RESULTS.md.

usage: bench.py peers|cinerec|report  (configuration through the environment, see run.sh)
"""
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORK = os.environ.get("WORK", os.path.join(ROOT, "bench", "work", "peers"))
SPLITS = os.path.join(WORK, "splits")
PEERDIR = os.path.join(WORK, "peers")
CINEREC = os.environ.get("CINEREC", os.path.join(ROOT, "target", "release", "cinerec"))
DATA_DIR = os.environ.get("CINEREC_DATA_DIR", os.path.join(ROOT, "data"))
PEER_REPS = int(os.environ.get("PEER_REPS", "3"))
# SVD++ and KNNBaseline rank 943 x ~1,600 pairs through Python (~70 s per repetition).
PEER_REPS_SLOW = int(os.environ.get("PEER_REPS_SLOW", "2"))
CINEREC_REPS = int(os.environ.get("CINEREC_REPS", "5"))
PEERS_ONLY = [p for p in os.environ.get("PEERS_ONLY", "").split(",") if p]

# (pair label, peer library, peer model, cinerec model); "best" = best cinerec ranking model.
PAIRS = [
    ("SVD", "scikit-surprise", "SVD", "svd"),
    ("SVD++", "scikit-surprise", "SVD++", "svdpp"),
    ("BaselineOnly", "scikit-surprise", "BaselineOnly", "baseline"),
    ("KNNBaseline", "scikit-surprise", "KNNBaseline", "itemknn"),
    ("ALS", "implicit", "ALS", "als"),
    ("BPR", "implicit", "BPR", "bpr"),
    ("WARP", "lightfm", "WARP", "best"),
    ("Popularity", "own", "Popularity", "popularity"),
]
# cinerec models benchmarked when registered (others registered later are picked up too).
CINEREC_MODELS = ["popularity", "baseline", "svd", "svdpp", "itemknn", "als", "bpr", "ease",
                  "tfidf", "hybrid"]
# The neural models have their own benches (bench/neural/; crates/neural/examples/): a fit takes
# 30 s to minutes, too slow for CINEREC_REPS repetitions on two splits here.
SKIP_MODELS = {"random", "twotower", "features", "autoencoder", "autorec"}

RANK_KEYS = ["precision@10", "recall@10", "ndcg@10", "hitrate@10", "map@10", "coverage@10"]


def log(msg):
    print(f"[peers-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(xs):
    return float(statistics.median(xs)) if xs else None


def timing(runs):
    return {"runs_s": [round(x, 4) for x in runs], "min_s": round(min(runs), 4),
            "median_s": round(median(runs), 4)} if runs else None


# ---------------------------------------------------------------------------------------------
# peers

PEER_JOBS = [
    # (label, module, call, reps variable)
    ("popularity", "run_popularity", "R.main()", "fast"),
    ("implicit", "run_implicit", "R.main()", "fast"),
    ("lightfm", "run_lightfm", "R.main()", "fast"),
    ("surprise_fast", "run_surprise", "R.main(['BaselineOnly', 'SVD'])", "fast"),
    ("surprise_knn", "run_surprise", "R.main(['KNNBaseline'])", "slow"),
    ("surprise_svdpp", "run_surprise", "R.main(['SVD++'])", "slow"),
]


def run_peers():
    os.makedirs(os.path.join(PEERDIR, "results"), exist_ok=True)
    status = {}
    for label, module, call, speed in PEER_JOBS:
        if PEERS_ONLY and label not in PEERS_ONLY:
            continue
        reps = PEER_REPS if speed == "fast" else PEER_REPS_SLOW
        code = (f"import sys; sys.path.insert(0, {PEERDIR!r}); import {module} as R; "
                f"R.REPS = {reps}; {call}")
        log(f"peer {label}: {reps} repetitions")
        t0 = time.time()
        p = subprocess.run([sys.executable, "-c", code], cwd=PEERDIR, capture_output=True, text=True)
        with open(os.path.join(WORK, f"peer_{label}.log"), "w") as f:
            f.write(p.stdout + p.stderr)
        ok = p.returncode == 0
        status[label] = {"ok": ok, "reps": reps, "wall_s": round(time.time() - t0, 1),
                         "error": None if ok else (p.stderr.strip().splitlines() or ["?"])[-1]}
        log(f"peer {label}: {'ok' if ok else 'FAILED: ' + status[label]['error']} "
            f"({status[label]['wall_s']} s)")
    old = {}
    path = os.path.join(WORK, "peer_status.json")
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
    old.update(status)
    with open(path, "w") as f:
        json.dump(old, f, indent=1)


def load_peers():
    import glob
    out = {}
    for path in sorted(glob.glob(os.path.join(PEERDIR, "results", "*.json"))):
        with open(path) as f:
            r = json.load(f)
        for name, m in r["models"].items():
            out[(r["peer"], name)] = dict(m, version=r["version"])
    return out


# ---------------------------------------------------------------------------------------------
# cinerec

def cinerec_models():
    p = subprocess.run([CINEREC, "--output", "json", "models"], capture_output=True, text=True,
                       check=True)
    listed = [row[0] for row in json.loads(p.stdout)]
    names = [m for m in CINEREC_MODELS if m in listed]
    names += [m for m in listed if m not in names and m not in SKIP_MODELS]
    return names, listed


def cinerec_eval(model, split, metrics, out_json):
    cmd = [CINEREC, "--quiet", "--data-dir", DATA_DIR, "eval", "--model", model, "--data", "ml-100k",
           "--train", os.path.join(SPLITS, f"{split}_train.csv"),
           "--test", os.path.join(SPLITS, f"{split}_test.csv"),
           "--items", os.path.join(SPLITS, "items.csv"),
           "--metrics", metrics, "--json", out_json]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stderr.strip() or p.stdout.strip()}")
    with open(out_json) as f:
        return json.load(f)


def run_cinerec():
    names, listed = cinerec_models()
    log(f"cinerec models registered: {', '.join(listed)}; benchmarking {', '.join(names)}")
    tmp = os.path.join(WORK, "cinerec_reports")
    os.makedirs(tmp, exist_ok=True)
    out = {"registered": listed, "reps": CINEREC_REPS, "models": {}}
    for m in names:
        T = {"fit_ratings": [], "predict_ratings_test": [], "fit_temporal": [], "rank_all_users": []}
        rating = ranking = params = None
        rating_ok = True
        identical = True
        try:
            for rep in range(CINEREC_REPS):
                if rating_ok:
                    r = cinerec_eval(m, "ratings", "rating", os.path.join(tmp, f"{m}_rating.json"))
                    if "rmse" not in r["metrics"]:
                        rating_ok = False  # ranking-only model
                    else:
                        T["fit_ratings"].append(r["timings"]["fit_s"])
                        T["predict_ratings_test"].append(r["timings"]["predict_s"])
                        if rating is None:
                            rating = {k: r["metrics"][k] for k in ("rmse", "mae", "n_test", "n_impossible")
                                      if k in r["metrics"]}
                        identical &= r["metrics"]["rmse"] == rating["rmse"]
                k = cinerec_eval(m, "temporal", "ranking", os.path.join(tmp, f"{m}_ranking.json"))
                T["fit_temporal"].append(k["timings"]["fit_s"])
                T["rank_all_users"].append(k["timings"]["rank_s"])
                if ranking is None:
                    ranking = k["metrics"]
                    params = k["model"]["params"]
                identical &= all(k["metrics"].get(x) == ranking.get(x) for x in RANK_KEYS)
            log(f"cinerec {m}: rmse={rating and rating.get('rmse')} ndcg@10={ranking.get('ndcg@10')} "
                f"fit={median(T['fit_ratings'] or T['fit_temporal']):.4f}s")
            out["models"][m] = {"params": params, "rating": rating, "ranking": ranking,
                                "identical_across_reps": identical,
                                "timing": {k: timing(v) for k, v in T.items() if v}}
        except Exception as e:  # a model that fails is reported, not fatal
            log(f"cinerec {m}: FAILED {e}")
            out["models"][m] = {"error": str(e)}
    with open(os.path.join(WORK, "cinerec.json"), "w") as f:
        json.dump(out, f, indent=1)


# ---------------------------------------------------------------------------------------------
# report

def med(entry, *keys):
    """Median seconds of the first timing key present."""
    if not entry:
        return None
    for k in keys:
        t = (entry.get("timing") or {}).get(k)
        if t:
            return t["median_s"]
    return None


def metric(entry, group, key):
    if not entry or not entry.get(group):
        return None
    v = entry[group].get(key)
    return float(v) if isinstance(v, (int, float)) else None


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def f4(x):
    return "-" if x is None else f"{x:.4f}"


def fs(x):
    if x is None:
        return "-"
    return f"{x:.4f}" if x < 0.1 else (f"{x:.3f}" if x < 10 else f"{x:.1f}")


def fr(x):
    return "-" if x is None else (f"{x:.3f}" if x < 0.1 else f"{x:.2f}")


def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except Exception:
            return ""
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    return {"cpu": cpu, "cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "rustc": sh("rustc --version"),
            "cinerec_commit": sh(f"git -C {ROOT} rev-parse --short HEAD"),
            "load_average": os.getloadavg()}


def versions():
    from importlib import metadata
    out = {}
    for k in ["numpy", "scipy", "pandas", "scikit-surprise", "implicit", "lightfm", "lightfm-next",
              "threadpoolctl"]:
        try:
            out[k] = metadata.version(k)
        except Exception:
            out[k] = None
    return out


def report():
    peers = load_peers()
    with open(os.path.join(WORK, "cinerec.json")) as f:
        cr = json.load(f)
    cm = cr["models"]
    status = {}
    if os.path.exists(os.path.join(WORK, "peer_status.json")):
        with open(os.path.join(WORK, "peer_status.json")) as f:
            status = json.load(f)
    ranked = [(metric(v, "ranking", "ndcg@10"), k) for k, v in cm.items()
              if metric(v, "ranking", "ndcg@10") is not None]
    best = max(ranked)[1] if ranked else None

    rows, pairs = [], []
    for label, lib, pname, cname in PAIRS:
        pe = peers.get((lib, pname))
        cn = best if cname == "best" else cname
        ce = cm.get(cn) if cn else None
        if ce is not None and "error" in ce:
            ce_err = ce["error"]
            ce = None
        else:
            ce_err = None
        rating_pair = metric(pe, "rating", "rmse") is not None
        p_fit = med(pe, "fit_ratings") if rating_pair else med(pe, "fit_temporal")
        c_fit = med(ce, "fit_ratings") if rating_pair else med(ce, "fit_temporal")
        row = {
            "pair": label, "peer_library": lib, "peer_model": pname,
            "cinerec_model": cn if ce else None,
            "cinerec_status": "ok" if ce else ("failed: " + ce_err if ce_err else "not available"),
            "peer_status": "ok" if pe else "not run",
            "fit_on": "ratings_train" if rating_pair else "temporal_train",
            "peer": {"rmse": metric(pe, "rating", "rmse"), "mae": metric(pe, "rating", "mae"),
                     **{k: metric(pe, "ranking", k) for k in RANK_KEYS},
                     "fit_s": p_fit, "predict_s": med(pe, "predict_ratings_test"),
                     "rank_s": med(pe, "rank_all_users")},
            "cinerec": {"rmse": metric(ce, "rating", "rmse"), "mae": metric(ce, "rating", "mae"),
                        **{k: metric(ce, "ranking", k) for k in RANK_KEYS},
                        "fit_s": c_fit, "predict_s": med(ce, "predict_ratings_test"),
                        "rank_s": med(ce, "rank_all_users")},
        }
        row["ratio_cinerec_over_peer"] = {k: ratio(row["cinerec"][k], row["peer"][k])
                                          for k in ("fit_s", "predict_s", "rank_s")}
        pairs.append(row)

    def pair(label):
        return next(p for p in pairs if p["pair"] == label)

    targets = []

    def target(name, ok, detail):
        targets.append({"target": name, "status": "not measured" if ok is None else ("pass" if ok else "MISS"),
                        "detail": detail})

    for label, rmse_max in (("SVD", 0.935), ("SVD++", 0.918)):
        p = pair(label)
        c, q = p["cinerec"], p["peer"]
        r = p["ratio_cinerec_over_peer"]["fit_s"]
        if c["rmse"] is None or r is None:
            target(f"{label}: RMSE <= {rmse_max} and fit >= 20x faster than Surprise {label}", None,
                   f"cinerec {p['cinerec_status']}, peer {p['peer_status']}")
        else:
            target(f"{label}: RMSE <= {rmse_max} and fit >= 20x faster than Surprise {label}",
                   c["rmse"] <= rmse_max and 1 / r >= 20,
                   f"RMSE {c['rmse']:.4f} (Surprise {f4(q['rmse'])}); fit {fs(c['fit_s'])} s vs "
                   f"{fs(q['fit_s'])} s = {1 / r:.1f}x faster (ratio {r:.4f})")
    p = pair("ALS")
    c, q, r = p["cinerec"], p["peer"], p["ratio_cinerec_over_peer"]["fit_s"]
    if c["ndcg@10"] is None or q["ndcg@10"] is None or r is None:
        target("ALS: NDCG@10 >= implicit ALS and fit >= 2x faster", None,
               f"cinerec {p['cinerec_status']}, peer {p['peer_status']}")
    else:
        target("ALS: NDCG@10 >= implicit ALS and fit >= 2x faster",
               c["ndcg@10"] >= q["ndcg@10"] and 1 / r >= 2,
               f"NDCG@10 {c['ndcg@10']:.4f} vs {q['ndcg@10']:.4f}; fit {fs(c['fit_s'])} s vs "
               f"{fs(q['fit_s'])} s = {1 / r:.1f}x faster (ratio {r:.3f})")
    if best:
        b = metric(cm[best], "ranking", "ndcg@10")
        target("best cinerec ranking model NDCG@10 >= 0.20 (temporal)", b >= 0.20, f"{best}: {b:.4f}")
    else:
        target("best cinerec ranking model NDCG@10 >= 0.20 (temporal)", None, "no cinerec ranking result")
    # Ranking all 943 users' top-10: compare like with like (ALS, BPR) where both exist.
    for label in ("ALS", "BPR"):
        p = pair(label)
        r = p["ratio_cinerec_over_peer"]["rank_s"]
        if r is None:
            target(f"rank all 943 users' top-10 no slower than implicit ({label})", None,
                   f"cinerec {p['cinerec_status']}, peer {p['peer_status']}")
        else:
            target(f"rank all 943 users' top-10 no slower than implicit ({label})", r <= 1.0,
                   f"{fs(p['cinerec']['rank_s'])} s vs {fs(p['peer']['rank_s'])} s (ratio {r:.2f}); "
                   "cinerec's figure also includes computing the metrics")

    # Full table: every model measured.
    full = []
    for (lib, name), e in sorted(peers.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        full.append((lib, name, e))
    for name, e in cm.items():
        if "error" not in e:
            full.append(("cinerec", name, e))

    md = []
    md.append("| pair | cinerec model | RMSE peer | RMSE cinerec | NDCG@10 peer | NDCG@10 cinerec | "
              "fit s peer | fit s cinerec | fit ratio | predict s peer | predict s cinerec | predict ratio | "
              "rank s peer | rank s cinerec | rank ratio |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in pairs:
        q, c, r = p["peer"], p["cinerec"], p["ratio_cinerec_over_peer"]
        cname = p["cinerec_model"] or p["cinerec_status"]
        if p["peer_status"] != "ok":
            cname += " (peer not run)"
        md.append(f"| {p['pair']} ({p['peer_library']}) | {cname} | {f4(q['rmse'])} | {f4(c['rmse'])} | "
                  f"{f4(q['ndcg@10'])} | {f4(c['ndcg@10'])} | {fs(q['fit_s'])} | {fs(c['fit_s'])} | "
                  f"{fr(r['fit_s'])} | {fs(q['predict_s'])} | {fs(c['predict_s'])} | {fr(r['predict_s'])} | "
                  f"{fs(q['rank_s'])} | {fs(c['rank_s'])} | {fr(r['rank_s'])} |")
    pair_table = "\n".join(md)

    md = ["| library | model | RMSE | MAE | P@10 | R@10 | NDCG@10 | HR@10 | MAP@10 | coverage | "
          "fit s (ratings) | predict s | fit s (temporal) | rank s |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for lib, name, e in full:
        g = lambda k: metric(e, "rating", k)
        h = lambda k: metric(e, "ranking", k)
        md.append(f"| {lib} | {name} | {f4(g('rmse'))} | {f4(g('mae'))} | "
                  + " | ".join(f4(h(k)) for k in RANK_KEYS)
                  + f" | {fs(med(e, 'fit_ratings'))} | {fs(med(e, 'predict_ratings_test'))} | "
                    f"{fs(med(e, 'fit_temporal'))} | {fs(med(e, 'rank_all_users'))} |")
    full_table = "\n".join(md)
    tgt = "\n".join(f"- **{t['status']}** — {t['target']}: {t['detail']}" for t in targets)

    mach = machine()
    vers = versions()
    lightfm_ok = status.get("lightfm", {}).get("ok")
    notes = []
    if lightfm_ok is False:
        notes.append(f"LightFM did not run: {status['lightfm']['error']}")
    missing = [p["pair"] for p in pairs if p["cinerec_status"] == "not available"]
    if missing:
        notes.append("cinerec models not registered at run time (shown as \"not available\"): "
                     + ", ".join(f"{p['pair']}→{p['cinerec_model'] or dict((x[0], x[3]) for x in PAIRS)[p['pair']]}"
                                 for p in pairs if p["cinerec_status"] == "not available"))
    reps_peer = sorted({v.get("reps") for v in status.values() if v.get("reps")})
    head = (f"Machine: {mach['cpu']}, {mach['cpus']} cores, load average at report time "
            f"{' '.join(f'{x:.2f}' for x in mach['load_average'])} (shared machine, other work running). "
            f"cinerec {mach['cinerec_commit']} ({mach['rustc']}), Python {mach['python']}, "
            + ", ".join(f"{k} {v}" for k, v in vers.items() if v) + ".\n\n"
            f"Timings are medians over repetitions with fresh model instances: cinerec {cr['reps']} "
            f"(one `cinerec eval` process per repetition), peers {'/'.join(map(str, reps_peer)) or '?'} "
            f"(SVD++ and KNNBaseline {PEER_REPS_SLOW}: their Python ranking loop takes ~70 s per repetition). "
            "Rating pairs (Surprise) compare fit on ratings_train (80k) and predict of the 20k ratings_test; "
            "ranking-only pairs compare fit on temporal_train. \"rank s\" = top-10 for all 943 users on "
            "temporal (rating models refitted on temporal_train; cinerec's rank s also includes computing the "
            "metrics). Ratio = cinerec / peer (below 1 = cinerec faster). Peers run with their scripts' exact "
            "protocol (Surprise single-threaded, implicit and LightFM on both cores); cinerec uses its defaults "
            "(2 worker threads).")
    body = (head + "\n\n" + pair_table + "\n\nTargets:\n\n" + tgt + "\n\nAll models:\n\n" + full_table
            + ("\n\n" + "\n".join(f"- {n}" for n in notes) if notes else "")
            + "\n\nReproduce: `bench/peers/run.sh` (venv in `bench/.venv`, splits and logs in "
              "`bench/work/peers/`).\n")
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write("# cinerec vs peer libraries on MovieLens-100K (peers' splits)\n\n" + body)
    out = {"machine": mach, "versions": vers, "peer_status": status, "cinerec_registered": cr["registered"],
           "cinerec_reps": cr["reps"], "best_cinerec_ranking_model": best, "pairs": pairs,
           "targets": targets,
           "peers": {f"{lib}/{name}": e for (lib, name), e in peers.items()},
           "cinerec": cm,
           "splits_manifest": json.load(open(os.path.join(SPLITS, "manifest.json")))
           if os.path.exists(os.path.join(SPLITS, "manifest.json")) else None}
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(out, f, indent=1)
    update_results_section(body)
    print(pair_table + "\n\nTargets:\n" + tgt + "\n\n" + full_table)


def update_results_section(body):
    """Replaces (or appends) the "## Peers" section of bench/RESULTS.md, leaving the others."""
    path = os.path.join(ROOT, "bench", "RESULTS.md")
    text = open(path).read() if os.path.exists(path) else "# cinerec benchmark results\n"
    extra = ""
    tuned = os.path.join(HERE, "tune", "README.md")
    if os.path.exists(tuned):
        table = [l for l in open(tuned).read().splitlines() if l.startswith("|")]
        extra += ("\n### Tuned defaults (`cinerec tune`, validation carved from the train part only)\n\n"
                  + "\n".join(table) + "\n\nDetails and reproduction: `bench/peers/tune/README.md`, "
                  "`bench/peers/tune.sh`.\n")
    scale = os.path.join(HERE, "scale.md")
    if os.path.exists(scale):
        extra += "\n### Scale (32M synthetic ratings)\n\n" + open(scale).read().split("\n", 2)[2]
    section = ("## Peers\n\nSide by side with the peer libraries on the peers' own ML-100K split files "
               "(`bench/peers/`, full tables in `bench/peers/results.md`).\n\n" + body + extra)
    pat = re.compile(r"^## Peers\n.*?(?=^## |\Z)", re.S | re.M)
    if pat.search(text):
        text = pat.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    text = text.rstrip("\n") + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    stage = sys.argv[1] if len(sys.argv) > 1 else ""
    if stage == "peers":
        run_peers()
    elif stage == "cinerec":
        run_cinerec()
    elif stage == "report":
        report()
    else:
        sys.exit(__doc__)
