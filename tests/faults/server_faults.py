#!/usr/bin/env python3
"""Faults survived by real processes (issue #17, point 3): the `cinerec` binary of
CINEREC_BIN, real SQLite files, a private PostgreSQL and a private MariaDB instance (own data
folders, ports and sockets under a temporary folder; the machine's shared servers are never
touched), a real tmpfs. Python's standard library only.

Faults (each prints what it observed; any broken promise is a FAIL line and a non-zero exit):
  ratings-kill   kill -9 of the server during a stream of POST /ratings: every rating answered
                 2xx is in the store after a restart, and the restarted server's answers show it
  train-kill     kill -9 of `cinerec train --store` at several points: no half-written model
                 registered, the active model unchanged and still served
  db-outage      PostgreSQL and MariaDB stopped under a running server: reads answer from
                 memory, writes 503 + JSON error + Retry-After, /health degraded; the database
                 restarted: writes succeed again without restarting the server
  disk-full      a full tmpfs while `cinerec train` saves a model and while `cinerec import`
                 writes a SQLite store: a clear error, nothing registered or corrupt, old state
                 intact; with room again the import completes
  exposure       `serve --host 0.0.0.0` without an API key refuses to start, with --insecure it
                 serves; the write rate limit of the flags answers 429 with Retry-After
  train-writes   a stream of writes while the server retrains in the background and models are
                 activated by hand: every request answered 2xx, nothing lost

  tests/faults/server_faults.py [FAULT ...]     (CINEREC_BIN; default: all)
"""
import glob
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get("CINEREC_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "target", "ci", "cinerec")
KEY = "faults-test-key"
WORK = tempfile.mkdtemp(prefix="cinerec-faults-")
os.chmod(WORK, 0o755)
FAILS = []
PROCS = []  # every process started here, ended at exit whatever happened
# Background retraining in `train-writes`: fast models so a CI run stays short.
SERVE_MODEL = ["--model", "svd", "--params", '{"n_factors": 16, "n_epochs": 10}']


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


def run(*args, check_rc=True, **kw):
    r = subprocess.run([BIN, "--quiet", *args], capture_output=True, text=True, **kw)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"cinerec {' '.join(args)}: {r.stderr.strip()}")
    return r


class Server:
    """`cinerec serve` in a process of its own."""

    def __init__(self, store, *extra, data=None, name="server", env=None):
        self.port = free_port()
        self.log = open(os.path.join(WORK, f"{name}-{self.port}.log"), "w")
        # The write rate limit is off unless a fault sets it: the streams here are faster.
        env = {"CINEREC_WRITE_RATE": "0", **(env or {})}
        args = [BIN, "--quiet", "serve", "--store", store, "--port", str(self.port),
                "--api-key", KEY, "--models-dir", os.path.join(WORK, "models"),
                "--no-request-log", "--idle-spin-ms", "0", *extra]
        if data:
            args += ["--data", data]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log,
                                     env={**os.environ, "CINEREC_RUNS_DIR": os.path.join(WORK, "runs"), **env})
        PROCS.append(self.proc)
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {open(self.log.name).read()[-2000:]}")
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not start")

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
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), j
        finally:
            c.close()

    def get(self, path, timeout=30):
        return self.request("GET", path, timeout=timeout)

    def post(self, path, body, timeout=30):
        return self.request("POST", path, body, timeout=timeout)

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


def synth(name, users, items, ratings, seed):
    out = os.path.join(WORK, name)
    run("data", "synth", "--users", str(users), "--items", str(items), "--ratings",
        str(ratings), "--seed", str(seed), "--out", out)
    return out


def movie_ids(srv, n):
    st, _, j = srv.get(f"/popular?n={n}")
    assert st == 200, (st, j)
    items = j if isinstance(j, list) else j.get("movies") or j.get("items") or j.get("results")
    return [str(m["id"]) for m in items]


def sqlite_ratings(path, users):
    con = sqlite3.connect(path)
    try:
        q = "SELECT user_id, movie_id, rating FROM ratings WHERE user_id IN (%s)" % ",".join("?" * len(users))
        return {(u, m): r for u, m, r in con.execute(q, users)}
    finally:
        con.close()


class Writer(threading.Thread):
    """Posts one rating per request for `user` over `movies`; keeps what was acknowledged."""

    def __init__(self, srv, user, movies, stop_on_error=True, batch=1, seconds=None):
        super().__init__(daemon=True)
        self.until = time.time() + seconds if seconds else None
        self.srv, self.user, self.movies = srv, user, movies
        self.acked, self.errors, self.statuses = {}, [], {}
        self.stop_on_error, self.batch = stop_on_error, batch
        self.halt = threading.Event()

    def run(self):
        i = 0
        while not self.halt.is_set():
            if self.until is None and i >= len(self.movies):
                return
            if self.until is not None and time.time() > self.until:
                return
            # Time-bounded writers go round the movies again, changing each rating.
            k = i % len(self.movies)
            chunk = [(m, 1 + (hash((self.user, m, i // len(self.movies))) % 5))
                     for m in self.movies[k:k + self.batch]]
            i += len(chunk)
            body = [{"user": self.user, "movie": m, "rating": r} for m, r in chunk]
            try:
                st, _, j = self.srv.post("/ratings", body if self.batch > 1 else body[0])
            except OSError as e:
                self.errors.append(repr(e))
                if self.stop_on_error:
                    return
                continue
            self.statuses[st] = self.statuses.get(st, 0) + 1
            if 200 <= st < 300:
                for m, r in chunk:
                    self.acked[m] = float(r)
            elif self.stop_on_error:
                self.errors.append(f"{st} {j}")


# ---------------------------------------------------------------------------------------
def fault_ratings_kill(data):
    say("== kill -9 of the server during a stream of POST /ratings (SQLite)")
    db = os.path.join(WORK, "kill.db")
    store = "sqlite://" + db
    srv = Server(store, *SERVE_MODEL, data=data, name="ratings-kill")
    movies = movie_ids(srv, 400)
    users = [f"fk{i}" for i in range(4)]
    for u in users:
        assert srv.post("/users", {"id": u})[0] == 201
    writers = [Writer(srv, u, movies[i::1]) for i, u in enumerate(users)]
    for w in writers:
        w.start()
    time.sleep(0.8)
    srv.kill9()
    for w in writers:
        w.join()
    acked = {(w.user, m): r for w in writers for m, r in w.acked.items()}
    stored = sqlite_ratings(db, users)
    lost = [k for k, r in acked.items() if stored.get(k) != r]
    say(f"  {len(acked)} ratings acknowledged 2xx before the kill; {len(stored)} in the store "
        f"({len(stored) - len(acked)} committed whose answer the kill cut off)")
    check(len(acked) > 0, "the stream was acknowledged before the kill")
    check(not lost, f"every acknowledged rating is in the store after kill -9 (lost: {lost[:5]})")
    t0 = time.time()
    srv = Server(store, *SERVE_MODEL, name="ratings-restart")
    say(f"  restarted in {time.time() - t0:.1f} s")
    seen_ok, recs_ok, why = True, True, []
    for w in writers:
        st, _, j = srv.get(f"/users/{w.user}/ratings")
        got = {str(r["movie"]["id"]): float(r["rating"]) for r in j["ratings"]} if st == 200 else {}
        seen_ok &= all(got.get(m) == r for m, r in w.acked.items())
        st, _, rec = srv.get(f"/recommend/{w.user}?n=20")
        items = (rec or {}).get("items", [])
        ids = {str(x.get("id") or x.get("movie", {}).get("id")) for x in items}
        # A writer that got through the whole catalogue before the kill has nothing left.
        rated = {m for (u, m) in stored if u == w.user}
        ok = st == 200 and (len(ids) > 0 or len(rated) >= len(movies)) and not (ids & set(w.acked))
        if not ok:
            why.append(f"{w.user}: status {st}, {len(ids)} items, rated among them: "
                       f"{sorted(ids & set(w.acked))[:5]}, answer {str(rec)[:200]}")
        recs_ok &= ok
    check(seen_ok, "the restarted server lists every acknowledged rating (GET /users/{id}/ratings)")
    check(recs_ok, "its recommendations for those users answer and leave out every movie they rated"
          + ("" if recs_ok else f" ({'; '.join(why[:3])})"))
    return srv, store, db


def registry(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT version, artifact, active FROM models ORDER BY version").fetchall()
    finally:
        con.close()


def fault_train_kill(srv, store, db):
    say("== kill -9 of `cinerec train --store` (the server keeps running on the same store)")
    before = registry(db)
    active = [v for v, _, a in before if a][0]
    mdir = os.path.join(WORK, "train-models")
    args = [BIN, "--quiet", "train", "--store", store, "--model", "svd", "--params",
            '{"n_factors": 64, "n_epochs": 400}', "--model-dir", mdir]
    t0 = time.time()
    subprocess.run(args, check=True, capture_output=True)
    whole = time.time() - t0
    after_full = registry(db)
    check(len(after_full) == len(before) + 1, f"an uninterrupted train registers one model ({whole:.1f} s)")
    base = registry(db)
    for frac in (0.1, 0.4, 0.7, 0.95):
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(whole * frac)
        p.kill()
        p.wait()
        now = registry(db)
        new = now[len(base):]
        whole_files = all(os.path.isfile(a) and os.path.getsize(a) > 0 for _, a, _ in new)
        act = [v for v, _, a in now if a]
        st, _, h = srv.get("/health")
        what = "registered" if new else "nothing registered"
        check(whole_files and act == [active] and st == 200 and h["model_version"] == active,
              f"kill -9 at {frac:.0%} of a train ({what}): the active model v{active} unchanged and served")
        for v, _, _ in new:
            st, _, j = srv.post(f"/models/{v}/activate", {})
            check(st == 200, f"  the model registered before the kill (v{v}) loads and activates")
            srv.post(f"/models/{active}/activate", {})
        base = now
    leftovers = [f for f in os.listdir(mdir) if not f.endswith((".cinerec", ".json", ".csv"))] if os.path.isdir(mdir) else []
    say(f"  files left in the model folder other than models: {leftovers or 'none'}")
    v_new = after_full[-1][0]
    st, _, _ = srv.post(f"/models/{v_new}/activate", {})
    check(st == 200, f"the complete model v{v_new} activates while serving")
    srv.post(f"/models/{active}/activate", {})


# ---------------------------------------------------------------------------------------
def fault_exposure(store):
    say("== hardened defaults with the real binary: exposure without a key, the write rate")
    port = str(free_port())
    r = subprocess.run([BIN, "--quiet", "serve", "--store", store, "--host", "0.0.0.0", "--port", port],
                       capture_output=True, text=True, timeout=60,
                       env={k: v for k, v in os.environ.items() if k != "CINEREC_API_KEY"})
    check(r.returncode != 0 and "--insecure" in r.stderr,
          f"serve --host 0.0.0.0 without a key refuses to start: {r.stderr.strip().splitlines()[-1]!r}")
    srv = Server(store, "--host", "0.0.0.0", "--insecure", "--write-rate", "1", "--write-burst", "2",
                 name="exposure", env={"CINEREC_WRITE_RATE": "9"})
    try:
        st = [srv.post("/users", {"id": f"rate{i}"}) for i in range(3)]
        s3, h3, j3 = st[2]
        check([x[0] for x in st[:2]] == [201, 201] and s3 == 429 and h3.get("retry-after") and (j3 or {}).get("error"),
              f"with --insecure it serves; --write-rate 1 --write-burst 2 (over CINEREC_WRITE_RATE=9): "
              f"the third write answers {s3}, Retry-After {h3.get('retry-after')}, {(j3 or {}).get('error')!r}")
    finally:
        srv.stop()


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


def as_user(user, cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *cmd]
    return cmd


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
        subprocess.run(["psql", "-q", self.url("postgres"), "-c", "CREATE DATABASE faults"],
                       check=True, capture_output=True)

    def url(self, db="faults"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def start(self):
        subprocess.run(as_user("postgres", [
            pg_bin("pg_ctl"), "-D", self.dir, "-l", os.path.join(self.dir, "log"), "-w", "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start"]), check=True, capture_output=True)

    def stop(self):
        subprocess.run(as_user("postgres", [pg_bin("pg_ctl"), "-D", self.dir, "-m", "immediate",
                                             "-w", "stop"]), capture_output=True)

    def count(self, user):
        r = subprocess.run(["psql", "-qtA", self.url(), "-c",
                            f"SELECT COUNT(*) FROM ratings WHERE user_id = '{user}'"],
                           capture_output=True, text=True, check=True)
        return int(r.stdout.strip())


class PrivateMariaDB:
    def __init__(self):
        self.dir = os.path.join(WORK, "my")
        self.port = free_port()
        self.sock = os.path.join(self.dir, "sock")
        os.mkdir(self.dir)
        user = "mysql" if os.geteuid() == 0 else None
        if user:
            shutil.chown(self.dir, user, user)
        cmd = ["mariadb-install-db", f"--datadir={self.dir}/data",
               "--auth-root-authentication-method=normal", "--skip-test-db"]
        if user:
            cmd.append(f"--user={user}")
        subprocess.run(cmd, check=True, capture_output=True)
        self.proc = None
        self.start()
        subprocess.run(["mariadb", f"--socket={self.sock}", "-uroot", "-e", "CREATE DATABASE faults"],
                       check=True, capture_output=True)

    def url(self):
        return f"mysql://root@127.0.0.1:{self.port}/faults"

    def start(self):
        cmd = ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.dir}/data",
               f"--port={self.port}", f"--socket={self.sock}", "--bind-address=127.0.0.1",
               "--innodb-buffer-pool-size=32M", "--skip-log-bin"]
        if os.geteuid() == 0:
            cmd.append("--user=mysql")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "log"), "a"))
        PROCS.append(self.proc)
        for _ in range(120):
            r = subprocess.run(["mariadb-admin", f"--socket={self.sock}", "-uroot", "ping"],
                               capture_output=True)
            if r.returncode == 0:
                return
            time.sleep(0.25)
        raise RuntimeError("private MariaDB did not start")

    def stop(self):
        self.proc.kill()
        self.proc.wait()

    def count(self, user):
        r = subprocess.run(["mariadb", f"--socket={self.sock}", "-uroot", "-N", "-e",
                            f"SELECT COUNT(*) FROM faults.ratings WHERE user_id = '{user}'"],
                           capture_output=True, text=True, check=True)
        return int(r.stdout.strip())


def fault_db_outage(data):
    say("== the database stopped under a running server, then restarted")
    dbs = []
    if pg_bin("initdb") and shutil.which("psql"):
        dbs.append(("PostgreSQL", PrivatePostgres))
    else:
        say("*** SKIP PostgreSQL outage: initdb/psql not found ***")
    if shutil.which("mariadb-install-db") and os.path.exists("/usr/sbin/mariadbd"):
        dbs.append(("MariaDB", PrivateMariaDB))
    else:
        say("*** SKIP MariaDB outage: mariadb-install-db/mariadbd not found ***")
    for name, kind in dbs:
        db = kind()
        srv = None
        try:
            srv = Server(db.url(), *SERVE_MODEL, data=data, name=f"outage-{name}")
            movies = movie_ids(srv, 20)
            assert srv.post("/users", {"id": "out1"})[0] == 201
            check(srv.post("/ratings", {"user": "out1", "movie": movies[0], "rating": 4})[0] == 201,
                  f"{name}: a write before the outage")
            db.stop()
            say(f"  {name} stopped")
            reads = [srv.get(p)[0] for p in ("/recommend/out1?n=5", "/movies?limit=5", "/popular?n=5",
                                             f"/movies/{movies[1]}/similar?n=5", "/users/out1/ratings")]
            check(all(s == 200 for s in reads), f"{name} down: reads answer from memory ({reads})")
            times, answers = [], []
            for i in range(3):
                t0 = time.time()
                st, h, j = srv.post("/ratings", {"user": "out1", "movie": movies[2 + i], "rating": 3})
                times.append(time.time() - t0)
                answers.append((st, h.get("retry-after"), (j or {}).get("error")))
            check(all(st == 503 and ra and err for st, ra, err in answers),
                  f"{name} down: writes answer 503 with Retry-After and a JSON error "
                  f"(first {times[0]:.1f} s, then {times[1]:.2f} s, {times[2]:.2f} s; "
                  f"Retry-After {answers[0][1]}; error: {answers[-1][2]!r})")
            st, _, h = srv.get("/health")
            check(st == 200 and h.get("status") == "degraded",
                  f"{name} down: /health says {h.get('status')!r} ({h.get('store_error')!r})")
            db.start()
            t0 = time.time()
            st = None
            while time.time() - t0 < 60:
                st, _, _ = srv.post("/ratings", {"user": "out1", "movie": movies[9], "rating": 5})
                if st == 201:
                    break
                time.sleep(0.25)
            back = time.time() - t0
            st_h, _, h = srv.get("/health")
            check(st == 201 and h.get("status") == "ok" and db.count("out1") == 2,
                  f"{name} restarted: writes succeed again after {back:.1f} s without restarting "
                  f"the server, /health {h.get('status')!r}, the store holds the user's 2 acknowledged ratings")
        finally:
            if srv:
                srv.stop()
            db.stop()


# ---------------------------------------------------------------------------------------
def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


def fill(path, leave):
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    with open(os.path.join(path, "filler"), "wb") as f:
        f.write(b"\0" * max(0, free - leave))


def fault_disk_full(store_db, store):
    say("== a full disk (tmpfs) while saving a model and while importing")
    tiny = os.path.join(WORK, "tiny")
    ok, err = mount_tmpfs(tiny, "4m")
    if not ok:
        say(f"*** SKIP disk-full faults: mount -t tmpfs failed ({err}) ***")
        return
    try:
        fill(tiny, 16 * 1024)
        before = registry(store_db)
        r = subprocess.run([BIN, "--quiet", "train", "--store", store, "--model", "svd",
                            "--params", '{"n_factors": 64, "n_epochs": 2}', "--model-dir", tiny],
                           capture_output=True, text=True)
        err = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
        left = sorted(set(os.listdir(tiny)) - {"filler"})
        check(r.returncode != 0 and "space" in r.stderr.lower(),
              f"train onto a full disk fails with a clear error: {err!r}")
        check(registry(store_db) == before, "nothing registered; the active model unchanged")
        check(not left, f"no partial model file left on the full disk ({left or 'none'})")
    finally:
        subprocess.run(["umount", tiny])
    ok, _ = mount_tmpfs(tiny, "3m")
    try:
        small = synth("disk-a", 200, 150, 5000, 11)
        big = synth("disk-b", 3000, 1500, 120000, 12)
        db = os.path.join(tiny, "s.db")
        run("import", small, "--store", "sqlite://" + db)

        def state():
            con = sqlite3.connect(db)
            try:
                return (con.execute("SELECT COUNT(*), ROUND(SUM(rating), 1) FROM ratings").fetchone(),
                        con.execute("PRAGMA integrity_check").fetchone()[0])
            finally:
                con.close()
        a = state()
        r = run("import", big, "--store", "sqlite://" + db, check_rc=False)
        err = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
        check(r.returncode != 0 and "full" in r.stderr.lower(), f"import onto a full disk fails clearly: {err!r}")
        b = state()
        check(b == a, f"the store shows its previous state {a[0]} and integrity_check says {b[1]!r}")
        subprocess.run(["mount", "-o", "remount,size=64m", tiny], check=True)
        run("import", big, "--store", "sqlite://" + db)
        c = state()
        check(c[0][0] > a[0][0] and c[1] == "ok", f"with room again the import completes: {c[0][0]} ratings, {c[1]}")
    finally:
        subprocess.run(["umount", tiny])


# ---------------------------------------------------------------------------------------
def fault_train_writes(store, db):
    say("== writes while the server retrains in the background and models are activated")
    # A margin of 0.99: a candidate up to about twice as bad is activated, so swaps happen under load.
    srv = Server(store, *SERVE_MODEL, "--retrain-after", "1000", "--retrain-margin", "0.99",
                 "--retrain-model", "svd", "--retrain-params", '{"n_factors": 32, "n_epochs": 40}',
                 name="train-writes")
    movies = movie_ids(srv, 400)
    # Trained users (their ratings are what a retraining learns from) and created ones.
    users = [str(u) for u in (1, 2, 3)] + ["tw1"]
    assert srv.post("/users", {"id": "tw1"})[0] == 201
    writers = [Writer(srv, u, movies, stop_on_error=False, batch=1 + (i % 2), seconds=8)
               for i, u in enumerate(users)]
    for w in writers:
        w.start()
    # By hand: the active model activated again and again (a reload and a swap of the serving
    # snapshot each time), besides the background retrainer's activations. An older model
    # trained on other data would be refused with the documented 409 (unservable).
    swaps, t0 = [], time.time()
    while any(w.is_alive() for w in writers) and time.time() - t0 < 20:
        v = srv.get("/health")[2]["model_version"]
        st, _, j = srv.post(f"/models/{v}/activate", {})
        swaps.append(st)
        if st != 200:
            say(f"  activating v{v}: {st} {j}")
        time.sleep(0.3)
    for w in writers:
        w.join()
    deadline = time.time() + 60
    while time.time() < deadline:
        st, _, rs = srv.get("/retrain")
        if st == 200 and not rs.get("running_since") and not rs.get("pending") and rs.get("decisions"):
            break
        time.sleep(0.5)
    decisions = rs.get("decisions", [])
    statuses = {}
    for w in writers:
        for k, n in w.statuses.items():
            statuses[k] = statuses.get(k, 0) + n
    errors = [e for w in writers for e in w.errors]
    check(not errors and all(200 <= k < 300 for k in statuses),
          f"every write answered 2xx during retraining and {len(swaps)} activations: {statuses}, "
          f"connection errors: {len(errors)}")
    check(all(s == 200 for s in swaps), f"every activation by hand answered 200 ({len(swaps)}: {sorted(set(swaps))})")
    say(f"  background retraining: {len(decisions)} decision(s): "
        f"{[(d.get('outcome'), d.get('version'), d.get('reason')) for d in decisions][:4]}")
    check(any(d.get("outcome") == "activated" for d in decisions),
          "a model retrained in the background was activated during the stream")
    stored = sqlite_ratings(db, users)
    acked = {(w.user, m): r for w in writers for m, r in w.acked.items()}
    check(all(stored.get(k) == r for k, r in acked.items()),
          f"all {len(acked)} acknowledged ratings are in the store")
    served = True
    for w in writers:
        st, _, j = srv.get(f"/users/{w.user}/ratings")
        rows = j["ratings"] if st == 200 else []
        got = {str(r["movie"]["id"]): float(r["rating"]) for r in rows}
        served &= all(got.get(m) == r for m, r in w.acked.items())
    check(served, "and served with their last value after every swap (GET /users/{id}/ratings)")
    srv.stop()


def main():
    wanted = sys.argv[1:] or ["ratings-kill", "train-kill", "exposure", "db-outage", "disk-full",
                              "train-writes"]
    t_all = time.time()
    ctx = {}

    def sqlite_server():
        if "srv" not in ctx:
            ctx["srv"], ctx["store"], ctx["db"] = fault_ratings_kill(ctx["data"])
        return ctx["srv"], ctx["store"], ctx["db"]

    steps = {
        "ratings-kill": sqlite_server,
        "exposure": lambda: fault_exposure(sqlite_server()[1]),
        "train-kill": lambda: fault_train_kill(*sqlite_server()),
        "db-outage": lambda: fault_db_outage(ctx["data"]),
        "disk-full": lambda: fault_disk_full(sqlite_server()[2], sqlite_server()[1]),
        "train-writes": lambda: (sqlite_server()[0].stop(), fault_train_writes(ctx["store"], ctx["db"])),
    }
    try:
        ctx["data"] = synth("synth", 600, 400, 40000, 7)
        for f in wanted:
            t0 = time.time()
            try:
                steps[f]()
            except Exception as e:  # a fault that could not even be set up is a failure
                FAILS.append(f"{f}: {type(e).__name__}: {e}")
                say(f"  FAIL {f}: {type(e).__name__}: {e}")
            say(f"  ({f}: {time.time() - t0:.1f} s)")
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(WORK, ignore_errors=True)
    say(f"server faults: {len(FAILS)} failure(s) in {time.time() - t_all:.0f} s")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
