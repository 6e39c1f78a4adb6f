//! Tests of the item-based AutoRec: the shared model contract, learning the planted taste
//! groups of the synthetic data (rating accuracy and ranking, for known users and folded-in
//! visitors), fallbacks, and early stopping with best-epoch restore.

use cinerec_core::{
    Dataset, EpochReport, FitObserver, Interactions, ItemIdx, NoObserver, Recommender, Rng,
    UserIdx, UserRef,
};
use cinerec_engine::testing::{check_model, synthetic, SYN_ITEMS, SYN_USERS};
use cinerec_neural::autorec::Target;
use cinerec_neural::{AutoRec, AutoRecParams};

fn small() -> AutoRecParams {
    AutoRecParams {
        hidden: 32,
        l2: 1.0,
        fold_in_l2: 0.5,
        epochs: 60,
        batch_size: 8,
        learning_rate: 0.01,
        validation_fraction: 0.0,
        ..Default::default()
    }
}

fn fit(p: AutoRecParams, data: &Dataset) -> AutoRec {
    let mut m = AutoRec::new(p).unwrap();
    m.fit(data, &mut NoObserver).unwrap();
    m
}

/// Splits a dataset's ratings into train (as a dataset) and test pairs, `share` to test.
fn split(data: &Dataset, share: f64, seed: u64) -> (Dataset, Interactions) {
    let mut rng = Rng::new(seed);
    let (mut train, mut test) = (Interactions::default(), Interactions::default());
    for r in data.matrix().iter() {
        let t = if rng.f64() < share {
            &mut test
        } else {
            &mut train
        };
        t.push(r.user.0, r.item.0, r.value, r.time);
    }
    (data.with_ratings("train", train), test)
}

fn rmse(m: &dyn Recommender, test: &Interactions) -> f64 {
    let se: f64 = test
        .iter()
        .map(|r| {
            let p = m.predict(UserRef::Known(r.user), r.item).unwrap();
            (p as f64 - r.value as f64).powi(2)
        })
        .sum();
    (se / test.len() as f64).sqrt()
}

/// Mean score of the user's own-group movies minus the other group's (planted by parity).
fn group_margin(scores: &[f32], own_parity: usize) -> f32 {
    let (mut own, mut other) = ((0f32, 0), (0f32, 0));
    for (i, &s) in scores.iter().enumerate().take(SYN_ITEMS - 2) {
        let acc = if i % 2 == own_parity {
            &mut own
        } else {
            &mut other
        };
        acc.0 += s;
        acc.1 += 1;
    }
    own.0 / own.1 as f32 - other.0 / other.1 as f32
}

#[test]
fn contract() {
    check_model(&|| {
        Box::new(AutoRec::new(AutoRecParams::default()).unwrap()) as Box<dyn Recommender>
    });
}

#[test]
fn learns_the_planted_taste_groups() {
    let data = synthetic(11);
    let (train, test) = split(&data, 0.2, 3);
    let m = fit(small(), &train);
    let mean = train.global_mean() as f64;
    let base = (test
        .iter()
        .map(|r| (r.value as f64 - mean).powi(2))
        .sum::<f64>()
        / test.len() as f64)
        .sqrt();
    let got = rmse(&m, &test);
    assert!(
        got < 0.6 * base,
        "test RMSE {got:.3} vs global mean {base:.3}"
    );
    let mut s = vec![0f32; train.n_items()];
    for u in 0..SYN_USERS {
        m.score_all(UserRef::Known(UserIdx(u as u32)), &mut s)
            .unwrap();
        assert!(group_margin(&s, u % 2) > 1.0, "user {u}: {s:?}");
    }
}

#[test]
fn folds_in_a_new_visitor_and_falls_back_for_unrated_movies() {
    let data = synthetic(12);
    let m = fit(small(), &data);
    // a visitor who likes even movies and dislikes odd ones
    let profile = [
        (ItemIdx(0), 5.0),
        (ItemIdx(2), 4.5),
        (ItemIdx(4), 4.5),
        (ItemIdx(1), 1.5),
        (ItemIdx(3), 2.0),
    ];
    let mut s = vec![0f32; data.n_items()];
    m.score_all(UserRef::Profile(&profile), &mut s).unwrap();
    assert!(group_margin(&s, 0) > 1.0, "{s:?}");
    let odd: Vec<(ItemIdx, f32)> = profile.iter().map(|&(i, r)| (i, 6.0 - r)).collect();
    m.score_all(UserRef::Profile(&odd), &mut s).unwrap();
    assert!(group_margin(&s, 1) > 1.0, "{s:?}");
    // with the decoder refit (default), a known user is scored exactly as the same person
    // folded in from their ratings; without it, the fold-in lands near the trained unit
    let (items, values) = data.user_ratings(UserIdx(3));
    let own: Vec<(ItemIdx, f32)> = items
        .iter()
        .map(|&i| ItemIdx(i))
        .zip(values.iter().copied())
        .collect();
    let (mut a, mut b) = (vec![0f32; data.n_items()], vec![0f32; data.n_items()]);
    m.score_all(UserRef::Known(UserIdx(3)), &mut a).unwrap();
    m.score_all(UserRef::Profile(&own), &mut b).unwrap();
    assert_eq!(a, b);
    let plain = fit(
        AutoRecParams {
            refit_decoder: false,
            ..small()
        },
        &data,
    );
    plain.score_all(UserRef::Known(UserIdx(3)), &mut a).unwrap();
    plain.score_all(UserRef::Profile(&own), &mut b).unwrap();
    assert_ne!(a, b);
    let gap = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32;
    assert!(gap < 0.5, "mean |known − folded-in| = {gap}");
    // movies without ratings (the last two) are predicted at the user's baseline μ + b_u
    // (the residual network; without a hold-out `auto` keeps it)
    let b = cinerec_neural::biases::Biases::fit(&data);
    let want = b.mean + b.user[3];
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    for i in [SYN_ITEMS - 1, SYN_ITEMS - 2] {
        let p = m
            .predict(UserRef::Known(UserIdx(3)), ItemIdx(i as u32))
            .unwrap();
        assert!((p - want).abs() < 1e-4, "{p} vs {want}");
    }
    // the raw network (the `reference` preset) predicts them at the user's mean rating
    let raw = fit(
        AutoRecParams {
            target: Target::Raw,
            ..small()
        },
        &data,
    );
    let p = raw
        .predict(UserRef::Known(UserIdx(3)), ItemIdx(SYN_ITEMS as u32 - 1))
        .unwrap();
    assert!((p - mean).abs() < 1e-5, "{p} vs {mean}");
}

#[derive(Default)]
struct Log(Vec<EpochReport>);
impl FitObserver for Log {
    fn on_epoch(&mut self, r: &EpochReport) {
        self.0.push(r.clone());
    }
}

fn val_loss(r: &EpochReport) -> f64 {
    assert_eq!(r.metrics[0].0, "val_loss");
    r.metrics[0].1
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    let data = synthetic(13);
    let p = AutoRecParams {
        hidden: 64,
        l2: 0.0,
        epochs: 200,
        batch_size: 4,
        learning_rate: 0.03,
        validation_fraction: 0.2,
        patience: 3,
        // one network (`auto` trains two, numbering their epochs one after the other)
        target: Target::Residual,
        ..Default::default()
    };
    let mut stopped = AutoRec::new(p.clone()).unwrap();
    let mut log = Log::default();
    stopped.fit(&data, &mut log).unwrap();
    let run = log.0.len();
    assert!(run < p.epochs, "never stopped: {run} epochs");
    let best = (0..run)
        .min_by(|&a, &b| val_loss(&log.0[a]).total_cmp(&val_loss(&log.0[b])))
        .unwrap()
        + 1;
    assert_eq!(
        run,
        best + p.patience,
        "stops `patience` epochs after the best"
    );
    assert!(log
        .0
        .iter()
        .all(|r| r.epochs == p.epochs && r.metrics[1].0 == "val_rmse"));
    // the kept weights are exactly those of a fit that ran `best` epochs
    let plain = fit(
        AutoRecParams {
            epochs: best,
            patience: 0,
            ..p
        },
        &data,
    );
    let (mut a, mut b) = (vec![0f32; data.n_items()], vec![0f32; data.n_items()]);
    for u in 0..data.n_users() as u32 {
        stopped
            .score_all(UserRef::Known(UserIdx(u)), &mut a)
            .unwrap();
        plain.score_all(UserRef::Known(UserIdx(u)), &mut b).unwrap();
        assert_eq!(a, b, "user {u}");
    }
}
