//! Unit tests of the whole crate on tiny hand-built data with a fixed-score fake model.
//! Every expected value below is computed by hand in the comments.

mod report;

use crate::*;
use cinerec_core::{
    Catalog, CoreError, FitObserver, IdMap, ItemIdx, ItemMeta, Rng, UserIdx, UserRef,
};
use std::sync::Arc;

/// A model with fixed scores: `scores[u][i]`; users beyond `scores` are unknown.
pub(crate) struct Fake {
    scores: Vec<Vec<f32>>,
    not_fitted: bool,
}

impl Recommender for Fake {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn params(&self) -> serde_json::Value {
        serde_json::json!({"fixed": true})
    }
    fn fit(&mut self, _: &Dataset, _: &mut dyn FitObserver) -> cinerec_core::Result<()> {
        Ok(())
    }
    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> cinerec_core::Result<f32> {
        let mut buf = vec![0f32; self.scores.first().map_or(0, Vec::len)];
        self.score_all(user, &mut buf)?;
        buf.get(item.ix())
            .copied()
            .ok_or_else(|| CoreError::UnknownItem(item.to_string()))
    }
    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> cinerec_core::Result<()> {
        if self.not_fitted {
            return Err(CoreError::NotFitted("fake"));
        }
        match user {
            UserRef::Known(u) if u.ix() < self.scores.len() => {
                out.copy_from_slice(&self.scores[u.ix()]);
                Ok(())
            }
            _ => Err(CoreError::UnknownUser("?".into())),
        }
    }
    fn save_state(&self) -> cinerec_core::Result<Vec<u8>> {
        Ok(vec![])
    }
    fn load_state(&mut self, _: &[u8]) -> cinerec_core::Result<()> {
        Ok(())
    }
}

fn catalog(n_users: usize, genres: Vec<Vec<u16>>) -> Arc<Catalog> {
    let ids = |n: usize| IdMap::from_raw_sorted((1..=n).map(|x| x.to_string()).collect());
    Arc::new(Catalog {
        users: ids(n_users),
        items: ids(genres.len()),
        item_meta: genres
            .into_iter()
            .map(|g| ItemMeta {
                genres: g,
                ..Default::default()
            })
            .collect(),
        user_meta: vec![Default::default(); n_users],
        genre_names: vec!["Action".into(), "Comedy".into(), "Drama".into()],
    })
}

fn inter(t: &[(u32, u32, f32)]) -> Interactions {
    let mut x = Interactions::default();
    for &(u, i, v) in t {
        x.push(u, i, v, 0);
    }
    x
}

/// 4 users, 6 items. Train counts per item: [2, 1, 1, 1, 2, 0]; 4 train users.
/// Genres: 0 {A}, 1 {A,C}, 2 {D}, 3 {A,C}, 4 {C}, 5 {}.
pub(crate) fn tiny() -> (Dataset, Interactions, Fake) {
    let cat = catalog(
        4,
        vec![vec![0], vec![0, 1], vec![2], vec![1, 0], vec![1], vec![]],
    );
    let train = inter(&[
        (0, 0, 4.0),
        (0, 1, 5.0),
        (1, 2, 3.0),
        (2, 0, 2.0),
        (2, 4, 4.0),
        (3, 3, 3.0),
        (3, 4, 5.0),
    ]);
    let test = inter(&[(0, 3, 5.0), (0, 5, 1.0), (1, 4, 4.0)]);
    let fake = Fake {
        scores: vec![
            vec![9.0, 8.0, 1.0, 5.0, 5.0, 2.0], // u0: unseen order 3, 4 (tie → smaller id), 5
            vec![1.0, 3.0, 7.0, 2.0, 3.0, 0.0], // u1: seen 2 dropped; 1, 4 (tie), 3
            vec![0.0; 6],                       // u2 (no test)
        ], // u3 unknown to the model
        not_fitted: false,
    };
    (Dataset::new("tiny", cat, train), test, fake)
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

#[test]
fn ranking_hand_computed_k3() {
    let (train, test, fake) = tiny();
    let m = ranking_metrics(&fake, &train, &test, 3, 2).unwrap();
    // u0: list [3,4,5], rel {3,5} → hits at 1 and 3. u1: list [1,4,3], rel {4} → hit at 2.
    assert_eq!(
        top_lists(&fake, &train, &[UserIdx(0), UserIdx(1)], 3, true, 1).unwrap(),
        vec![Some(vec![3, 4, 5]), Some(vec![1, 4, 3])]
    );
    assert_eq!((m.n_users, m.n_users_unscored), (2, 0));
    close(m.precision, (2.0 / 3.0 + 1.0 / 3.0) / 2.0);
    close(m.recall, 1.0);
    close(m.hitrate, 1.0);
    // NDCG: u0 (1 + 1/log2 4) / (1 + 1/log2 3) (ideal over min(3,2)=2); u1 (1/log2 3) / 1.
    let nd0 = 1.5 / (1.0 + 1.0 / 3f64.log2());
    close(m.ndcg, (nd0 + 1.0 / 3f64.log2()) / 2.0);
    // AP: u0 (1/1 + 2/3) / min(3,2); u1 (1/2) / min(3,1).
    close(m.map, ((1.0 + 2.0 / 3.0) / 2.0 + 0.5) / 2.0);
    close(m.mrr, (1.0 + 0.5) / 2.0);
    close(m.coverage, 4.0 / 6.0);
    // Jaccard distances: u0 (3,4)=.5 (3,5)=1 (4,5)=1; u1 (1,4)=.5 (1,3)=0 (4,3)=.5.
    close(m.diversity.unwrap(), (2.5 / 3.0 + 1.0 / 3.0) / 2.0);
    // Slots 3,4,5,1,4,3 have train counts 1,2,0,1,2,1; self-information −log2(max(c,1)/4).
    close(m.mean_train_count_of_recommended, 7.0 / 6.0);
    close(m.share_recommended_with_le5_train_ratings, 1.0);
    close(m.novelty, (2.0 + 1.0 + 2.0 + 2.0 + 1.0 + 2.0) / 6.0);
}

#[test]
fn ranking_k1_uses_min_k_rel() {
    let (train, test, fake) = tiny();
    let m = ranking_metrics(&fake, &train, &test, 1, 1).unwrap();
    // u0: [3] hit, |rel| 2 → P 1, R .5, NDCG 1, AP 1/min(1,2) = 1. u1: [1] miss.
    close(m.precision, 0.5);
    close(m.recall, 0.25);
    close(m.ndcg, 0.5);
    close(m.map, 0.5);
    close(m.mrr, 0.5);
    assert_eq!(m.diversity, None); // lists of one movie
}

#[test]
fn unknown_user_gets_empty_list_and_is_counted() {
    let (train, mut test, fake) = tiny();
    test.push(3, 0, 2.0, 0);
    let m = ranking_metrics(&fake, &train, &test, 3, 2).unwrap();
    assert_eq!((m.n_users, m.n_users_unscored), (3, 1));
    close(m.precision, (2.0 / 3.0 + 1.0 / 3.0) / 3.0);
    close(m.hitrate, 2.0 / 3.0);
}

#[test]
fn factorized_does_not_exclude_seen() {
    let (train, test, fake) = tiny();
    let f = factorized_top_k(&fake, &train, &test, &[1, 3, 5], 2).unwrap();
    // u0: item 3 ranks 2 (behind seen 0 and 1), item 5 ranks 4; u1: item 4 ranks 2 (7 > 3, tie with 1).
    assert_eq!(f.by_k, vec![(1, 0.0), (3, 2.0 / 3.0), (5, 1.0)]);
    assert_eq!((f.n_pairs, f.n_unscored), (3, 0));
}

#[test]
fn factorized_ranks_per_pair() {
    let (train, mut test, fake) = tiny();
    test.push(3, 0, 2.0, 0); // a user the model does not score
    let r = factorized_ranks(&fake, &train, &test, 2).unwrap();
    let got: Vec<(u32, Vec<u32>, Option<Vec<usize>>)> = r
        .into_iter()
        .map(|u| (u.user.0, u.items, u.ranks))
        .collect();
    // The ranks `factorized_does_not_exclude_seen` counts: u0 items 3, 5 at 2, 4; u1 item 4 at 2.
    assert_eq!(
        got,
        vec![
            (0, vec![3, 5], Some(vec![2, 4])),
            (1, vec![4], Some(vec![2])),
            (3, vec![0], None),
        ]
    );
}

#[test]
fn in_and_out_of_sample_precision() {
    let (train, test, fake) = tiny();
    // In-sample top 3 over all: u0 [0,1,3] 2 rated; u1 [2,1,4] 1; u2 [0,1,2] 1; u3 unknown 0.
    close(
        precision_in_sample(&fake, &train, 3, 2).unwrap(),
        (2.0 + 1.0 + 1.0) / 3.0 / 4.0,
    );
    close(
        precision_out_of_sample(&fake, &train, &test, 3, 2).unwrap(),
        0.5,
    );
}

#[test]
fn rating_metrics_count_impossible_and_clip() {
    let (train, _, fake) = tiny();
    // Train mean 26/7, scale (2, 5). Errors: 5−5, 2−1, 3−4, unknown u3 → 26/7−2, u2 0 → clip 2 → 2−5.
    let test = inter(&[
        (0, 3, 5.0),
        (0, 5, 1.0),
        (1, 4, 4.0),
        (3, 0, 2.0),
        (2, 1, 5.0),
    ]);
    let r = rating_metrics(&fake, &train, &test, true).unwrap();
    let g = 26.0f32 as f64 / 7.0f32 as f64; // what f32 global_mean gives, approximately
    let e4 = (train.global_mean() as f64) - 2.0;
    assert!((e4 - (g - 2.0)).abs() < 1e-6);
    close(r.rmse, ((0.0 + 1.0 + 1.0 + e4 * e4 + 9.0) / 5.0f64).sqrt());
    close(r.mae, (0.0 + 1.0 + 1.0 + e4 + 3.0) / 5.0);
    assert_eq!((r.n_test, r.n_unknown_user, r.n_impossible()), (5, 1, 1));
    let r = rating_metrics(&fake, &train, &test, false).unwrap();
    close(r.mae, (0.0 + 1.0 + 1.0 + e4 + 5.0) / 5.0);
}

#[test]
fn model_failures_and_bad_input_are_errors_not_panics() {
    let (train, test, mut fake) = tiny();
    assert!(matches!(
        ranking_metrics(&fake, &train, &test, 0, 2),
        Err(EvalError::InvalidInput(_))
    ));
    let bad = inter(&[(0, 99, 1.0)]);
    assert!(matches!(
        rating_metrics(&fake, &train, &bad, true),
        Err(EvalError::InvalidInput(_))
    ));
    assert!(matches!(
        factorized_top_k(&fake, &train, &Interactions::default(), &[1], 2),
        Err(EvalError::Empty(_))
    ));
    fake.not_fitted = true;
    let e = evaluate(&fake, &train, &test, &EvalConfig::default()).unwrap_err();
    assert!(matches!(e, EvalError::Core(CoreError::NotFitted(_))), "{e}");
}

/// Random data with many ties: 60 users, 40 items.
fn random_case(seed: u64) -> (Dataset, Interactions, Fake) {
    let mut rng = Rng::new(seed);
    let (nu, ni) = (60usize, 40usize);
    let cat = catalog(
        nu,
        (0..ni)
            .map(|i| vec![(i % 3) as u16, ((i / 3) % 3) as u16])
            .collect(),
    );
    let (mut train, mut test) = (Interactions::default(), Interactions::default());
    for u in 0..nu as u32 {
        for i in 0..ni as u32 {
            match rng.below(10) {
                0 | 1 => train.push(u, i, 1.0 + rng.below(5) as f32, 0),
                2 if u % 7 != 3 => test.push(u, i, 1.0 + rng.below(5) as f32, 0),
                _ => {}
            }
        }
    }
    let scores = (0..nu - 2)
        .map(|_| (0..ni).map(|_| rng.below(6) as f32 * 0.5).collect())
        .collect();
    (
        Dataset::new("random", cat, train),
        test,
        Fake {
            scores,
            not_fitted: false,
        },
    )
}

#[test]
fn parallel_equals_sequential() {
    let (train, test, fake) = random_case(7);
    let seq = ranking_metrics(&fake, &train, &test, 10, 1).unwrap();
    assert!(seq.n_users_unscored > 0 && seq.n_users > 40);
    for w in [2, 3, 8] {
        assert_eq!(ranking_metrics(&fake, &train, &test, 10, w).unwrap(), seq);
        assert_eq!(
            factorized_top_k(&fake, &train, &test, &FACTORIZED_KS, w).unwrap(),
            factorized_top_k(&fake, &train, &test, &FACTORIZED_KS, 1).unwrap()
        );
    }
}

#[test]
fn ranks_of_sorted_path_matches_rank_of() {
    let mut rng = Rng::new(3);
    let mut s: Vec<f32> = (0..200).map(|_| rng.below(9) as f32 - 4.0).collect();
    s[5] = f32::NAN;
    s[6] = -0.0;
    s[7] = f32::NEG_INFINITY;
    let targets: Vec<u32> = (0..200).filter(|&i| i != 5).collect();
    let want: Vec<usize> = targets
        .iter()
        .map(|&t| cinerec_core::rank_of(&s, t as usize))
        .collect();
    assert_eq!(factorized::ranks_of(&s, &targets), want);
    assert_eq!(factorized::ranks_of(&s, &targets[..3]), want[..3].to_vec());
    assert_eq!(factorized::ranks_of(&s, &[5]), vec![usize::MAX]);
}
