"""Surprise-style rating models: fit on a DataFrame, vectorised predict, unknown ids."""
import numpy as np
import pytest

import cinerec


# SGD models on ~1000 ratings need more and larger steps than their ML-100K defaults.
FAST = {"n_epochs": 80, "lr_all": 0.02}


@pytest.mark.parametrize("cls,params", [(cinerec.SVD, FAST), (cinerec.SVDpp, FAST),
                                        (cinerec.KNN, {}), (cinerec.Baseline, {})])
def test_learns_the_planted_tastes(cls, params, ratings_df):
    model = cls(**params).fit(ratings_df)
    # Same-group pairs are rated ~4.5, cross-group ~1.8: predictions must separate them.
    same = model.predict(np.full(20, 1000), 50_000 + 2 * np.arange(20))
    other = model.predict(np.full(20, 1000), 50_001 + 2 * np.arange(20))
    assert same.shape == (20,) and other.dtype == np.float32
    if cls is not cinerec.Baseline:  # biases alone cannot see a user's group
        assert same.mean() - other.mean() > 0.5, (same.mean(), other.mean())
    est = model.predict(ratings_df["user"], ratings_df["item"])
    rmse = cinerec.metrics.rmse(ratings_df["rating"], est)
    assert rmse < (1.6 if cls is cinerec.Baseline else 1.0), rmse


def test_scalar_and_vector_agree(ratings_df):
    m = cinerec.SVD(n_epochs=5, random_state=3).fit(ratings_df)
    vec = m.predict([1000, 1001], [50_000, 50_003])
    assert isinstance(m.predict(1000, 50_000), float)
    assert m.predict(1000, 50_000) == pytest.approx(float(vec[0]))
    assert m.predict(1001, 50_003) == pytest.approx(float(vec[1]))


def test_same_seed_same_model(ratings_df):
    a = cinerec.SVD(random_state=5).fit(ratings_df).predict([1000, 1003], [50_000, 50_007])
    b = cinerec.SVD(random_state=5).fit(ratings_df).predict([1000, 1003], [50_000, 50_007])
    np.testing.assert_array_equal(a, b)


def test_unknown_ids_get_the_baseline_and_a_flag(ratings_df):
    m = cinerec.SVD(random_state=1).fit(ratings_df)
    p = m.predict([1000, 99, 1000, 99], [50_000, 50_000, 7, 7], with_flags=True)
    np.testing.assert_array_equal(p.was_impossible, [False, True, True, True])
    assert np.all(np.isfinite(p.est)) and np.all((p.est >= 1) & (p.est <= 5))
    # Wholly unknown: the global mean of the training ratings (no bias, no factors beyond
    # the placeholder's tiny random initialisation).
    assert abs(p.est[3] - ratings_df["rating"].mean()) < 0.3
    scalar = m.predict("nobody", "nothing", with_flags=True)
    assert scalar.was_impossible is True and np.isfinite(scalar.est)


def test_arrays_and_columns_by_position(ratings_df):
    a = cinerec.Baseline().fit(users=ratings_df["user"], items=ratings_df["item"],
                               ratings=ratings_df["rating"])
    renamed = ratings_df.rename(columns={"user": "u", "item": "i", "rating": "r", "timestamp": "t"})
    b = cinerec.Baseline().fit(renamed)
    np.testing.assert_allclose(a.predict([1000], [50_001]), b.predict([1000], [50_001]))


def test_recommend_returns_raw_ids_unseen(ratings_df):
    m = cinerec.SVD(random_state=2, **FAST).fit(ratings_df)
    ids, scores = m.recommend(1000, n=5)
    seen = set(ratings_df.loc[ratings_df.user == 1000, "item"])
    assert len(ids) == 5 and not seen & set(ids.tolist())
    assert all(50_000 <= i < 50_040 for i in ids) and np.all(np.diff(scores) <= 0)
    assert sum(i % 2 == 0 for i in ids) >= 4  # user 1000 is in the even group


def test_errors_are_python_exceptions_with_the_engine_message(ratings_df):
    with pytest.raises(cinerec.CinerecError, match="n_factorz|unknown field"):
        cinerec.SVD(n_factorz=3)
    with pytest.raises(cinerec.CinerecError, match="not fitted"):
        cinerec.SVD().predict(1, 2)
    with pytest.raises(ValueError):  # CinerecError is a ValueError
        cinerec.SVD().fit(ratings_df.assign(rating=np.nan))
