"""cinerec.Store: a DataFrame imported into a real store (SQLite here; PostgreSQL too when
CINEREC_TEST_POSTGRES_URL is set), a model fitted on the store's contents and registered, and
a real `cinerec serve` (CINEREC_BIN) on that store activating it over HTTP."""
import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest

import cinerec

CLI = os.environ.get("CINEREC_BIN")
PG = os.environ.get("CINEREC_TEST_POSTGRES_URL")


def clear_pg(url):
    """Empties the PostgreSQL test database's cinerec tables (other suites use it too); the
    store is opened first so that its tables exist."""
    s = cinerec.Store(url)
    s.close()
    subprocess.run(["psql", url, "-q", "-c",
                    "DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables "
                    "WHERE schemaname = current_schema() AND tablename NOT LIKE '\\_sqlx%' LOOP "
                    "EXECUTE 'TRUNCATE ' || quote_ident(t) || ' CASCADE'; END LOOP; END $$;"],
                   check=True, capture_output=True)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_import_fit_register_activate(kind, tmp_path, ratings_df):
    if kind == "sqlite":
        check_backend(kind, f"sqlite://{tmp_path / 'store.db'}", tmp_path, ratings_df)
        return
    if not PG:
        pytest.skip("SKIP: CINEREC_TEST_POSTGRES_URL is not set; Store is tested on SQLite only")
    clear_pg(PG)
    try:
        check_backend(kind, PG, tmp_path, ratings_df)
    finally:
        clear_pg(PG)  # leave the shared test database as other suites expect it


def check_backend(kind, url, tmp_path, ratings_df):
    """Import, fit, register and activate on one store."""
    with cinerec.Store(url) as store:
        rep = store.import_ratings(ratings_df, name="planted")
        assert rep["ratings"] == len(ratings_df), rep
        again = store.import_ratings(ratings_df, name="planted")  # idempotent
        c = store.counts()
        assert (c["users"], c["movies"], c["ratings"]) == (
            ratings_df.user.nunique(), ratings_df.item.nunique(), len(ratings_df)), (c, again)
        data = store.dataset()
        assert data.n_ratings == len(ratings_df)

        # A model fitted on the DataFrame itself has other users/movies (the placeholder of
        # unknown ids): the store refuses it with a message that says what to do.
        loose = cinerec.SVD(n_epochs=5).fit(ratings_df)
        with pytest.raises(cinerec.CinerecError, match="Store.dataset"):
            store.register(loose, model_dir=tmp_path / kind)

        svd = store.fit(cinerec.SVD(n_epochs=80, lr_all=0.02, random_state=1))
        u, i, r = ratings_df.user.to_numpy(), ratings_df.item.to_numpy(), ratings_df.rating.to_numpy()
        assert cinerec.metrics.rmse(r, svd.predict(u, i)) < 0.6  # it learned the planted taste
        rec = store.register(svd, model_dir=tmp_path / kind, metrics={"note": "from python"})
        assert rec["algorithm"] == "svd" and not rec["active"]
        assert rec["dataset_hash"] == data.hash
        assert os.path.isfile(rec["artifact"])
        assert cinerec.header(rec["artifact"])["metrics"]["note"] == "from python"
        act = store.activate(rec["version"])
        assert act["active"] and act["version"] == rec["version"]
        listed = store.models()
        assert [m["version"] for m in listed if m["active"]] == [rec["version"]]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(method, url, body=None, key=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if key:
        req.add_header("x-api-key", key)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


@pytest.mark.skipif(not CLI, reason="SKIP: CINEREC_BIN (a cinerec binary of this tree) is not set")
def test_a_running_server_activates_a_model_registered_from_python(tmp_path, ratings_df):
    url = f"sqlite://{tmp_path / 'serve.db'}"
    store = cinerec.Store(url)
    store.import_ratings(ratings_df, name="planted")
    first = store.register(store.fit(cinerec.Baseline()), model_dir=tmp_path / "models", activate=True)
    port, key = free_port(), "python-test-key"
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([CLI, "--quiet", "serve", "--store", url, "--port", str(port), "--api-key", key,
                             "--models-dir", str(tmp_path / "models"), "--no-request-log"],
                            stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                if http("GET", base + "/health")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.time() < deadline, open(tmp_path / "serve.log").read()
            time.sleep(0.2)
        served = {m["version"]: m for m in http("GET", base + "/models")[1]}
        assert served[first["version"]]["serving"], served  # started on it, no retraining
        assert len(served) == 1

        # Registered from Python while the server runs, then activated over HTTP.
        svd = store.fit(cinerec.SVD(n_epochs=80, lr_all=0.02, random_state=3))
        second = store.register(svd, model_dir=tmp_path / "models")
        status, body = http("POST", f"{base}/models/{second['version']}/activate", key=key)
        assert status == 200 and body["version"] == second["version"], body
        served = {m["version"]: m for m in http("GET", base + "/models")[1]}
        assert served[second["version"]]["serving"] and not served[first["version"]]["serving"]
        user = int(ratings_df.user.iloc[0])
        status, recs = http("GET", f"{base}/recommend/{user}?top_n=5")
        assert status == 200 and recs["model_version"] == second["version"], recs
        got = [str(x["id"]) for x in recs["items"]]
        assert len(got) == 5, recs
        seen = set(ratings_df.item[ratings_df.user == user].astype(str))
        assert not seen & set(got)
        # The server answers what the registered model computes for that user.
        want = [str(x) for x in svd.recommend(user, 5)[0]]
        assert got == want, (got, want)
    finally:
        proc.terminate()
        proc.wait(30)
        store.close()
