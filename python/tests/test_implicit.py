"""implicit-style ranking models: fit on a csr_matrix, recommend / similar_items / fold-in."""
import numpy as np
import pytest

import cinerec


# The engine's ALS default regularization (20) suits ML-100K; a 60 x 40 matrix needs less.
@pytest.mark.parametrize("cls,params", [(cinerec.ALS, {"factors": 8, "regularization": 0.1, "random_state": 1}),
                                        (cinerec.BPR, {"random_state": 1}), (cinerec.EASE, {}),
                                        (cinerec.ItemKNN, {})])
def test_recommends_the_users_group(cls, params, user_items):
    m = cls(**params)
    m.fit(user_items)
    ids, scores = m.recommend(0, user_items[0], N=5)
    assert ids.dtype == np.int64 and scores.shape == (5,)
    assert not set(user_items[0].indices) & set(ids.tolist())
    assert np.all(np.diff(scores) <= 0)
    assert sum(i % 2 == 0 for i in ids) >= 4, ids  # user 0 likes the even items


def test_batch_form_matches_single_users(user_items):
    m = cinerec.ALS(factors=8, iterations=5, random_state=3).fit(user_items)
    users = np.arange(10)
    ids, scores = m.recommend(users, user_items[users], N=7)
    assert ids.shape == (10, 7) and scores.shape == (10, 7)
    for k in (0, 3, 9):
        one, s = m.recommend(k, user_items[k], N=7)
        np.testing.assert_array_equal(ids[k], one)
        np.testing.assert_allclose(scores[k], s)


def test_filters(user_items):
    m = cinerec.EASE().fit(user_items)
    unfiltered, _ = m.recommend(0, user_items[0], N=40, filter_already_liked_items=False)
    assert set(user_items[0].indices) <= set(unfiltered.tolist())
    ids, _ = m.recommend(0, user_items[0], N=5, filter_items=[0, 2, 4])
    assert not {0, 2, 4} & set(ids.tolist())
    ids, _ = m.recommend(0, user_items[0], N=40, items=[1, 3, 5, 6, 8])
    assert set(ids.tolist()) <= {1, 3, 5, 6, 8}


def test_similar_items_share_the_group(user_items):
    m = cinerec.ItemKNN().fit(user_items)
    ids, scores = m.similar_items(4, N=5)
    assert 4 not in ids and len(ids) == 5
    assert sum(i % 2 == 0 for i in ids) >= 4
    batch, _ = m.similar_items(np.array([4, 5]), N=5)
    np.testing.assert_array_equal(batch[0], ids)


def test_recalculate_user_folds_in_a_new_profile(user_items):
    import scipy.sparse as sp

    m = cinerec.ALS(factors=8, iterations=10, random_state=3).fit(user_items)
    # A new visitor who liked three odd items: fold-in ranks odd items first.
    row = sp.csr_matrix((np.ones(3, np.float32), ([0, 0, 0], [1, 3, 5])), shape=(1, 40))
    ids, _ = m.recommend(0, row, N=5, recalculate_user=True)
    assert not {1, 3, 5} & set(ids.tolist())
    assert sum(i % 2 == 1 for i in ids) >= 4, ids
    scores = m.recalculate_user(0, row)
    assert scores.shape == (40,)
    assert scores[1::2].mean() > scores[0::2].mean()


def test_bad_input_is_a_cinerec_error(user_items):
    m = cinerec.ALS(factors=4, iterations=2).fit(user_items)
    with pytest.raises(cinerec.CinerecError, match="unknown user index 999"):
        m.recommend(999, None, N=3)
    with pytest.raises(cinerec.CinerecError, match="rows"):
        m.recommend(np.array([0, 1]), user_items[:3], N=3)
    with pytest.raises(cinerec.CinerecError):
        cinerec.ALS().fit(np.zeros((3, 3)))
