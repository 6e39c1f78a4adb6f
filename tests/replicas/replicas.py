#!/usr/bin/env python3
"""Stateless replicas over PostgreSQL (issue #20, point 1), with real processes: the `cinerec`
binary of CINEREC_BIN, MovieLens-100K from CINEREC_ML100K, and a PRIVATE PostgreSQL instance
(own data folder and port under a temporary folder, started with initdb/pg_ctl; the machine's
shared server is never touched, since this test restarts its database). Python's standard
library only.

Steps (each prints what it observed; any broken promise is a FAIL line and a non-zero exit):
  start        three `cinerec serve` replicas (A, B, C) on loopback ports over one store
  propagate    ratings posted to one replica show in the others' profiles within 1 s, and the
               rated movie leaves their recommendations (latency measured per rating)
  created      a user created through A and rated through A is known to B and C
  activate     a model registered by `cinerec train --store` (its file deleted from disk:
               replicas read it from the database) activated through B switches A and C
  kill         B killed with kill -9 while A, B and C take a stream of posts: every post
               answered 201 is in the store and in A's and C's profiles
  late         a replica D started after all that has every acknowledged rating
  pg-restart   PostgreSQL restarted under the replicas: writes come back, propagation resumes
  exact        each replica applied exactly the rating changes written through the others
               (`/health`'s applied_from_others against the store's rating log)

  tests/replicas/replicas.py     (CINEREC_BIN, CINEREC_ML100K)
"""
import glob
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get("CINEREC_BIN", "")
ML100K = os.environ.get("CINEREC_ML100K", "")
KEY = "replicas-test-key"
WORK = tempfile.mkdtemp(prefix="cinerec-replicas-")
os.chmod(WORK, 0o755)
FAILS = []
PROCS = []
LAT = []  # propagation latencies, seconds
BOUND = 1.0  # the promise: every other replica within 1 s


def say(msg):
    print(msg, flush=True)


def check(ok, what):
    say(("  ok   " if ok else "  FAIL ") + what)
    if not ok:
        FAILS.append(what)
    return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def as_user(user, cmd):
    return ["runuser", "-u", user, "--", *cmd] if os.geteuid() == 0 else cmd


class PrivatePostgres:
    def __init__(self):
        self.dir = os.path.join(WORK, "pg")
        self.port = free_port()
        os.mkdir(self.dir)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(as_user("postgres", [pg_bin("initdb"), "-D", self.dir, "-A", "trust",
                                             "-U", "postgres"]), check=True, capture_output=True)
        self.start()
        self.psql("CREATE DATABASE replicas", db="postgres")

    def url(self, db="replicas"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def start(self):
        subprocess.run(as_user("postgres", [
            pg_bin("pg_ctl"), "-D", self.dir, "-l", os.path.join(self.dir, "log"), "-w", "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start"]), check=True, capture_output=True)

    def stop(self, mode="fast"):
        subprocess.run(as_user("postgres", [pg_bin("pg_ctl"), "-D", self.dir, "-m", mode,
                                             "-w", "stop"]), capture_output=True)

    def psql(self, sql, db="replicas"):
        r = subprocess.run(["psql", "-qtA", self.url(db), "-c", sql], capture_output=True,
                           text=True, check=True)
        return r.stdout.strip()


class Replica:
    """`cinerec serve` in a process of its own."""

    def __init__(self, name, store, *extra):
        self.name = name
        self.port = free_port()
        self.log = open(os.path.join(WORK, f"replica-{name}.log"), "w")
        env = {**os.environ, "CINEREC_WRITE_RATE": "0", "CINEREC_REPLICA_ID": name,
               "CINEREC_RUNS_DIR": os.path.join(WORK, f"runs-{name}")}
        args = [BIN, "--quiet", "serve", "--store", store, "--port", str(self.port),
                "--api-key", KEY, "--models-dir", os.path.join(WORK, f"models-{name}"),
                "--no-request-log", "--idle-spin-ms", "0", *extra]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, env=env)
        PROCS.append(self.proc)
        deadline = time.time() + 240
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {open(self.log.name).read()[-2000:]}")
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"replica {name} did not start")

    def request(self, method, path, body=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            h = {"x-api-key": KEY}
            data = None
            if body is not None:
                data = json.dumps(body)
                h["content-type"] = "application/json"
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            raw = r.read()
            try:
                j = json.loads(raw) if raw else None
            except ValueError:
                j = None
            return r.status, j
        finally:
            c.close()

    def get(self, path, timeout=30):
        return self.request("GET", path, timeout=timeout)

    def post(self, path, body, timeout=30):
        return self.request("POST", path, body, timeout=timeout)

    def health(self):
        return self.get("/health")[1] or {}

    def rating(self, user, movie):
        """The user's current rating of movie here (None: none; 'unknown': no such user)."""
        st, j = self.get(f"/users/{user}/ratings")
        if st == 404:
            return "unknown"
        for r in (j or {}).get("ratings", []):
            if str(r["movie"]["id"]) == str(movie):
                return r["rating"]
        return None

    def ratings_of(self, user):
        st, j = self.get(f"/users/{user}/ratings")
        if st != 200:
            return {}
        return {str(r["movie"]["id"]): r["rating"] for r in j["ratings"]}

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()


def wait_for(replicas, user, movie, value, limit=5.0):
    """Seconds until every replica shows user's rating of movie as value (None: not within limit)."""
    t0 = time.perf_counter()
    pending = list(replicas)
    while pending and time.perf_counter() - t0 < limit:
        pending = [r for r in pending if r.rating(user, movie) != value]
        if pending:
            time.sleep(0.003)
    return None if pending else time.perf_counter() - t0


def unrated(srv, user, n, rng):
    have = set(srv.ratings_of(user))
    pool = [str(m) for m in range(1, 1683) if str(m) not in have]
    rng.shuffle(pool)
    return pool[:n]


def step_propagate(reps, rng):
    a, b, c = reps
    rounds = 0
    for k in range(30):
        src = reps[k % 3]
        others = [r for r in reps if r is not src]
        user = str(rng.randint(1, 943))
        movie = unrated(src, user, 1, rng)[0]
        value = float(rng.randint(1, 5))
        st, _ = src.post("/ratings", {"user": user, "movie": movie, "rating": value})
        if st != 201:
            check(False, f"POST /ratings to {src.name} answers 201 (got {st})")
            continue
        for o in others:
            t = wait_for([o], user, movie, value)
            if t is None:
                check(False, f"rating ({user}, {movie}) = {value} written through {src.name} not in {o.name} within 5 s")
            else:
                LAT.append(t)
        rounds += 1
    late = [t for t in LAT if t > BOUND]
    check(not late, f"{len(LAT)} propagations ({rounds} ratings x 2 replicas): all within {BOUND} s "
          f"(median {statistics.median(LAT) * 1000:.1f} ms, max {max(LAT) * 1000:.1f} ms)" if LAT else "no propagation measured")
    # The rated movie leaves the other replicas' recommendations (seen movies are masked).
    user = "196"
    st, rec = b.get(f"/recommend/{user}?top_n=5")
    top = str(rec["items"][0]["id"]) if st == 200 and rec.get("items") else None
    if check(top is not None, f"B recommends to user {user} (top movie {top})"):
        st, _ = a.post("/ratings", {"user": user, "movie": top, "rating": 4})
        t = wait_for([b, c], user, top, 4.0)
        LAT.append(t or 99)
        ids_b = [str(i["id"]) for i in b.get(f"/recommend/{user}?top_n=5")[1]["items"]]
        ids_c = [str(i["id"]) for i in c.get(f"/recommend/{user}?top_n=5")[1]["items"]]
        check(t is not None and top not in ids_b and top not in ids_c,
              f"movie {top} rated through A left B's and C's recommendations for {user} ({t and t * 1000:.1f} ms)")


def step_created(reps):
    a, b, c = reps
    st, _ = a.post("/users", {"id": "replica-user-1", "age": 30})
    check(st == 201, f"POST /users to A answers 201 (got {st})")
    st, _ = a.post("/ratings", {"user": "replica-user-1", "movie": "50", "rating": 5})
    t = wait_for([b, c], "replica-user-1", "50", 5.0)
    check(t is not None, f"a user created and rated through A is known to B and C with the rating ({t and t * 1000:.1f} ms)")
    if t is not None:
        LAT.append(t)
    st, rec = c.get("/recommend/replica-user-1?top_n=5")
    check(st == 200 and rec.get("items"), f"C recommends to the user created through A (status {st})")


def step_activate(pg, reps):
    a, b, c = reps
    before = {r.name: r.health()["model_version"] for r in reps}
    out = os.path.join(WORK, "trained", "baseline.cinerec")
    os.makedirs(os.path.dirname(out))
    r = subprocess.run([BIN, "--quiet", "--output", "json", "train", "--store", pg.url(),
                        "--model", "baseline", "--out", out], capture_output=True, text=True,
                       env={**os.environ, "CINEREC_RUNS_DIR": os.path.join(WORK, "runs-train")})
    if not check(r.returncode == 0, f"cinerec train --store registers a baseline ({r.stderr.strip()[-300:]})"):
        return
    version = int(pg.psql("SELECT MAX(version) FROM models"))
    kept = int(pg.psql(f"SELECT COUNT(*) FROM model_files WHERE version = {version}"))
    check(kept == 1, f"model {version}'s file is kept in the database (model_files rows: {kept})")
    shutil.rmtree(os.path.dirname(out))  # replicas must read it from the database
    t0 = time.perf_counter()
    st, j = b.post(f"/models/{version}/activate", None)
    check(st == 200, f"activation of model {version} through B answers 200 (got {st} {j})")
    switched = {}
    while time.perf_counter() - t0 < 10 and len(switched) < 3:
        for rep in reps:
            if rep.name not in switched and rep.health()["model_version"] == version:
                switched[rep.name] = time.perf_counter() - t0
        time.sleep(0.01)
    check(len(switched) == 3 and max(switched.values()) <= 2.0,
          f"activation through B switched A, B, C from {before} to {version}: "
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in sorted(switched.items())))
    st, rec = a.get("/recommend/1?top_n=3")
    check(st == 200 and rec.get("model_version") == version,
          f"A recommends with model {version} (status {st}, model_version {rec and rec.get('model_version')})")


def stream(rep, user_base, stop, acked, errors):
    """Posts one new (user, movie) rating at a time until stop; records the acknowledged ones."""
    k = 0
    while not stop.is_set():
        user = str(user_base + (k % 40))
        movie = str(1000 + k // 40)
        try:
            st, _ = rep.post("/ratings", {"user": user, "movie": movie, "rating": 3}, timeout=5)
        except OSError:
            st = None
        if st == 201:
            acked.append((user, movie))
        else:
            errors.append(st)
            if rep.proc.poll() is not None:
                return
            time.sleep(0.01)
        k += 1


def step_kill(pg, reps):
    a, b, c = reps
    stop = threading.Event()
    acked = {r.name: [] for r in reps}
    errors = {r.name: [] for r in reps}
    # Distinct users per replica so no two streams write the same pair.
    bases = {"A": 100, "B": 300, "C": 500}
    threads = [threading.Thread(target=stream, args=(r, bases[r.name], stop, acked[r.name], errors[r.name]))
               for r in reps]
    for t in threads:
        t.start()
    time.sleep(2.0)
    b.kill9()
    killed_at = len(acked["B"])
    time.sleep(2.0)
    stop.set()
    for t in threads:
        t.join()
    say(f"  stream: A {len(acked['A'])}, B {len(acked['B'])} (killed after {killed_at}), "
        f"C {len(acked['C'])} ratings acknowledged")
    check(not errors["A"] and not errors["C"], f"A and C answered every post while B died (errors: A {errors['A'][:3]}, C {errors['C'][:3]})")
    every = [p for v in acked.values() for p in v]
    values = ",".join(f"('{u}','{m}')" for u, m in every)
    n_store = int(pg.psql("SELECT COUNT(*) FROM ratings r JOIN (VALUES " + values + ") AS v(u, m) "
                          "ON r.user_id = v.u AND r.movie_id = v.m WHERE r.rating = 3")) if every else 0
    check(every and n_store == len(every), f"every acknowledged rating is in the store ({n_store} of {len(every)})")
    time.sleep(BOUND)
    for rep in (a, c):
        missing = [(u, m) for (u, m) in every if rep.rating(u, m) != 3.0]
        check(not missing, f"{rep.name} shows all {len(every)} acknowledged ratings 1 s after the stream "
              f"(missing {len(missing)}: {missing[:3]})")
    return every


def step_late(pg, store, every):
    d = Replica("D", store)
    missing = [(u, m) for (u, m) in every if d.rating(u, m) != 3.0]
    h = d.health()
    check(not missing and h["replica"]["lag"] == 0,
          f"D, started late, has all {len(every)} acknowledged ratings (missing {len(missing)}), "
          f"lag {h['replica']['lag']}, model {h['model_version']}")
    return d


def step_pg_restart(pg, reps, rng):
    a, c, d = reps
    t0 = time.time()
    pg.stop("fast")
    time.sleep(1.0)
    st, _ = a.post("/ratings", {"user": "7", "movie": "1600", "rating": 2})
    check(st == 503, f"a write while PostgreSQL is down answers 503 (got {st})")
    pg.start()
    say(f"  PostgreSQL restarted ({time.time() - t0:.1f} s down)")
    deadline = time.time() + 30
    st = None
    while time.time() < deadline:
        st, _ = a.post("/ratings", {"user": "7", "movie": "1600", "rating": 2})
        if st == 201:
            break
        time.sleep(0.2)
    check(st == 201, f"writes through A come back after the restart (last status {st})")
    t_first = wait_for([c, d], "7", "1600", 2.0, limit=10)
    check(t_first is not None, f"the first rating after the restart reached C and D ({t_first and t_first * 1000:.0f} ms)")
    after = []
    for k in range(10):
        src = [a, c, d][k % 3]
        user = str(rng.randint(1, 943))
        movie = unrated(src, user, 1, rng)[0]
        st, _ = src.post("/ratings", {"user": user, "movie": movie, "rating": 1})
        t = wait_for([r for r in (a, c, d) if r is not src], user, movie, 1.0)
        after.append(t if t is not None else 99)
    LAT.extend(after)
    check(max(after) <= BOUND, f"after the restart 10 ratings propagated within {BOUND} s "
          f"(median {statistics.median(after) * 1000:.1f} ms, max {max(after) * 1000:.1f} ms)")


def step_exact(pg, reps, starts):
    """applied_from_others == rating-log rows after the replica's start written by other processes."""
    time.sleep(BOUND)
    for rep in reps:
        h = rep.health()["replica"]
        expected = int(pg.psql(
            "SELECT COUNT(*) FROM rating_log l LEFT JOIN rating_origin o ON o.gen = l.gen "
            f"WHERE l.gen > {starts[rep.name]} AND (o.origin IS NULL OR o.origin NOT LIKE '{rep.name}/%')"))
        check(h["applied_from_others"] == expected and h["lag"] == 0,
              f"{rep.name} applied {h['applied_from_others']} changes from other replicas, the log has "
              f"{expected} (no gap, no double); lag {h['lag']}, position {h['position']} = head {h['head']}")


def main():
    if not BIN or not os.access(BIN, os.X_OK):
        say("*** SKIP replicas: CINEREC_BIN is not an executable ***")
        return 0
    if not ML100K or not os.path.isdir(ML100K):
        say("*** SKIP replicas: CINEREC_ML100K (a MovieLens-100K folder) is not set ***")
        return 0
    if not pg_bin("initdb") or not pg_bin("pg_ctl") or not shutil.which("psql"):
        say("*** SKIP replicas: PostgreSQL's initdb/pg_ctl/psql not found ***")
        return 0
    rng = random.Random(20)
    t_all = time.time()
    pg = None
    try:
        pg = PrivatePostgres()
        store = pg.url()
        r = subprocess.run([BIN, "--quiet", "import", "--store", store, ML100K],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"import: {r.stderr.strip()[-500:]}")
        say(f"  store: private PostgreSQL on port {pg.port}, ML-100K imported")
        # A trains, registers and activates the first model; B and C load it.
        a = Replica("A", store, "--model", "svd", "--params", '{"n_factors": 16, "n_epochs": 5}')
        b = Replica("B", store)
        c = Replica("C", store)
        reps = [a, b, c]
        starts = {r.name: r.health()["replica"]["position"] for r in reps}
        hs = [r.health() for r in reps]
        check(all(h["replica"]["following"] for h in hs) and len({h["model_version"] for h in hs}) == 1,
              "three replicas follow the store and serve one model: "
              + ", ".join(f"{h['replica']['id']} v{h['model_version']} lag {h['replica']['lag']}" for h in hs))
        for name, step in [("propagate", lambda: step_propagate(reps, rng)),
                           ("created", lambda: step_created(reps)),
                           ("activate", lambda: step_activate(pg, reps))]:
            t0 = time.time()
            step()
            say(f"  ({name}: {time.time() - t0:.1f} s)")
        t0 = time.time()
        every = step_kill(pg, reps)
        say(f"  (kill: {time.time() - t0:.1f} s)")
        t0 = time.time()
        d = step_late(pg, store, every)
        starts["D"] = d.health()["replica"]["position"]
        say(f"  (late: {time.time() - t0:.1f} s)")
        t0 = time.time()
        step_pg_restart(pg, [a, c, d], rng)
        say(f"  (pg-restart: {time.time() - t0:.1f} s)")
        step_exact(pg, [a, c], starts)
    except Exception as e:  # a step that could not even be set up is a failure
        FAILS.append(f"{type(e).__name__}: {e}")
        say(f"  FAIL {type(e).__name__}: {e}")
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        if pg:
            pg.stop("immediate")
        if FAILS and os.environ.get("REPLICAS_KEEP_LOGS"):
            say(f"  logs kept in {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)
    if LAT:
        s = sorted(LAT)
        say(f"propagation latency over {len(s)} (rating, replica) pairs: median {statistics.median(s) * 1000:.1f} ms, "
            f"p90 {s[int(0.9 * (len(s) - 1))] * 1000:.1f} ms, max {s[-1] * 1000:.1f} ms")
    say(f"replicas: {len(FAILS)} failure(s) in {time.time() - t_all:.0f} s")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
