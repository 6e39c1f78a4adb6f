//! Unit tests of `factors.rs` (its own file, so the module stays one idea).

use super::*;

#[test]
fn fold_in_recovers_a_planted_user() {
    let mut rng = Rng::new(5);
    let f = Factors::normal(1, 40, 4, 0.0, 1.0, &mut rng);
    let truth = [0.5f32, -1.0, 0.25, 2.0];
    let pairs: Vec<(ItemIdx, f32)> = (0..40)
        .map(|i| (ItemIdx(i), dot(&truth, f.item(i as usize))))
        .collect();
    let x = f.fold_in(&pairs, 1e-4).unwrap();
    for (a, b) in x.iter().zip(truth) {
        assert!((a - b).abs() < 1e-2, "{x:?}");
    }
}

#[test]
fn cosine_of_item_with_itself_is_one_and_state_round_trips() {
    let mut rng = Rng::new(1);
    let f = Factors::normal(3, 5, 8, 0.0, 0.1, &mut rng);
    let mut out = vec![0.0; 5];
    f.item_cosine_into(2, &mut out);
    assert!((out[2] - 1.0).abs() < 1e-5);
    let mut w = StateWriter::new(b"t");
    f.write(&mut w);
    let bytes = w.finish();
    let mut r = StateReader::new(&bytes, b"t").unwrap();
    assert_eq!(Factors::read(&mut r, 3, 5).unwrap(), f);
    let mut r = StateReader::new(&bytes, b"t").unwrap();
    assert!(Factors::read(&mut r, 4, 5).is_err());
}

#[test]
fn als_and_bpr_recommend_the_exact_top_n_through_their_dot_query() {
    use cinerec_core::{
        NoObserver, RecommendOptions, Recommender, RecommenderExt, UserIdx, UserRef,
    };
    let data = cinerec_core::fixtures::synthetic(3);
    let models: Vec<Box<dyn Recommender>> = vec![
        Box::new(crate::Als::new(crate::AlsParams::default())),
        Box::new(crate::Bpr::new(crate::BprParams::default())),
    ];
    for mut m in models {
        m.fit(&data, &mut NoObserver).unwrap();
        assert!(m.dot_query(UserRef::Known(UserIdx(0))).is_some());
        for u in 0..data.n_users() as u32 {
            let u = UserRef::Known(UserIdx(u));
            for n in [1, 10, data.n_items()] {
                let opts = RecommendOptions {
                    n,
                    ..Default::default()
                };
                let got = m.recommend(&data, u, &opts).unwrap();
                let mut s = vec![0f32; data.n_items()];
                m.score_all(u, &mut s).unwrap();
                let want = cinerec_core::top_n_of_scores(&data, u, &opts, &mut s).unwrap();
                let bits = |v: &[cinerec_core::Scored]| -> Vec<(u32, u32)> {
                    v.iter().map(|x| (x.item.0, x.score.to_bits())).collect()
                };
                assert_eq!(bits(&got), bits(&want), "{} {u:?} n={n}", m.name());
            }
        }
    }
}
