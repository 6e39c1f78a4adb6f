"""Model files, splits, metrics and the datasets of the CLI."""
import os
import shutil
import subprocess

import numpy as np
import pytest

import cinerec


def test_save_and_load_reproduce_predictions(tmp_path, ratings_df):
    m = cinerec.SVD(random_state=4).fit(ratings_df)
    path = tmp_path / "svd.cinerec"
    header = m.save(path)
    assert header["algorithm"] == "svd" and header["format_version"] == 1
    assert cinerec.header(path)["dataset_hash"] == header["dataset_hash"]
    back = cinerec.load(path, ratings_df)
    assert isinstance(back, cinerec.SVD)
    users, items = ratings_df["user"][:50], ratings_df["item"][:50]
    np.testing.assert_array_equal(m.predict(users, items), back.predict(users, items))


def test_load_refuses_other_data(tmp_path, ratings_df):
    m = cinerec.Baseline().fit(ratings_df)
    m.save(tmp_path / "b.cinerec")
    other = ratings_df.assign(rating=ratings_df["rating"].where(ratings_df.index != 0, 1.0))
    if other["rating"].equals(ratings_df["rating"]):
        other.loc[0, "rating"] = 2.0
    with pytest.raises(cinerec.CinerecError, match="dataset|trained"):
        cinerec.load(tmp_path / "b.cinerec", other)


def test_ranking_model_file(tmp_path, user_items):
    m = cinerec.ALS(factors=6, iterations=4, random_state=2).fit(user_items)
    m.save(tmp_path / "als.cinerec")
    back = cinerec.load(tmp_path / "als.cinerec", user_items)
    assert isinstance(back, cinerec.ALS)
    a = m.recommend(np.arange(5), user_items[:5], N=4)
    b = back.recommend(np.arange(5), user_items[:5], N=4)
    np.testing.assert_array_equal(a[0], b[0])


def test_splits_follow_the_cli_rules(ratings_df):
    train, test = cinerec.split.random(ratings_df, test_size=0.2, seed=42)
    assert len(test) == len(ratings_df) // 5 and len(train) + len(test) == len(ratings_df)
    both = set(zip(train.user, train.item)) | set(zip(test.user, test.item))
    assert both == set(zip(ratings_df.user, ratings_df.item))
    tr, te = cinerec.split.temporal(ratings_df, test_size=0.2)
    for u, g in ratings_df.groupby("user"):
        held = te[te.user == u]
        assert len(held) == (len(g) + 4) // 5  # ceil(20 %), the peers' rule
        assert held.timestamp.min() >= tr[tr.user == u].timestamp.max()


def test_metrics_match_numpy_and_evaluate(ratings_df):
    assert cinerec.metrics.rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(np.sqrt(4 / 3))
    assert cinerec.metrics.mae([1, 2, 3], [1, 2, 5]) == pytest.approx(2 / 3)
    train, test = cinerec.split.random(ratings_df, seed=1)
    m = cinerec.SVD(random_state=1).fit(train)
    report = cinerec.metrics.evaluate(m, test)
    known = test[test.user.isin(train.user) & test.item.isin(train.item)]
    est = m.predict(known.user, known.item)
    assert report["rmse"] == pytest.approx(cinerec.metrics.rmse(known.rating, est), abs=1e-5)
    assert 0 <= report["ndcg@10"] <= 1 and "precision@10" in report


def test_models_lists_the_registry():
    names = cinerec.models()
    assert {"svd", "svdpp", "als", "bpr", "ease", "itemknn", "baseline"} <= set(names)


ML100K = os.environ.get("CINEREC_ML100K")
CLI = os.environ.get("CINEREC_BIN")


@pytest.mark.skipif(not ML100K, reason="SKIP: CINEREC_ML100K (a MovieLens-100K folder) is not set")
def test_ml100k_loads_like_the_cli():
    df, movies = cinerec.datasets.load(ML100K, movies=True)
    assert len(df) == 100_000 and df.user.nunique() == 943 and len(movies) == 1682
    assert set(df.columns) == {"user", "item", "rating", "timestamp"}
    assert movies.title.notna().sum() >= 1680  # ML-100K's movie 267 has no title


@pytest.mark.skipif(not (ML100K and CLI), reason="SKIP: CINEREC_ML100K and CINEREC_BIN are needed")
def test_reads_a_model_file_written_by_cinerec_train(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copytree(ML100K, data_dir / "ml-100k")
    out = tmp_path / "svd.cinerec"
    subprocess.run([CLI, "--quiet", "--data-dir", str(data_dir), "train", "--model", "baseline",
                    "--data", "ml-100k", "--out", str(out)], check=True, capture_output=True)
    m = cinerec.load(out, data_dir=data_dir)
    assert isinstance(m, cinerec.Baseline)
    df = cinerec.datasets.load("ml-100k", data_dir)
    est = m.predict(df.user[:1000], df.item[:1000])
    assert cinerec.metrics.rmse(df.rating[:1000], est) < 1.0
    p = m.predict(196, 10**9, with_flags=True)  # an unknown movie: flagged, NaN (no placeholder)
    assert p.was_impossible
