//! The contract suite every model must pass (like implicit's test mixin or gorse's base
//! suite), on a small synthetic dataset with planted structure generated in code.
//!
//! [`check_model`] runs every check for one model constructor; each `check_*` function is
//! public so a crate can run them as separate tests. [`registered`] gives a constructor per
//! registry name, so tests that loop over [`crate::registry::names`] cover new models
//! automatically. Checks panic (assert) with the model's name on failure.

#![allow(clippy::unwrap_used)] // test support: a failed unwrap is a failed check

use crate::{persist, registry, ModelError};
use cinerec_core::{
    CoreError, Dataset, EpochReport, FitObserver, ItemIdx, NoObserver, RecommendOptions,
    Recommender, RecommenderExt, UserIdx, UserRef,
};

/// A model constructor (unfitted model with fixed parameters and seed).
pub type Make<'a> = &'a dyn Fn() -> Box<dyn Recommender>;

/// A constructor for the registry model `name` with default parameters.
pub fn registered(name: &'static str) -> impl Fn() -> Box<dyn Recommender> {
    move || registry::create(name, None).unwrap_or_else(|e| panic!("create {name}: {e}"))
}

pub use cinerec_core::fixtures::{empty, synthetic, SYN_ITEMS, SYN_USERS};

fn fitted(make: Make<'_>, data: &Dataset) -> Box<dyn Recommender> {
    let mut m = make();
    let name = m.name();
    m.fit(data, &mut NoObserver)
        .unwrap_or_else(|e| panic!("{name}: fit failed: {e}"));
    m
}

/// Every user reference the checks use: all catalogue users and three profiles.
fn users(data: &Dataset) -> Vec<UserRef<'static>> {
    const P1: &[(ItemIdx, f32)] = &[(ItemIdx(0), 5.0), (ItemIdx(2), 4.5), (ItemIdx(1), 1.0)];
    const P2: &[(ItemIdx, f32)] = &[(ItemIdx(29), 3.0)];
    let mut v: Vec<UserRef<'static>> = (0..data.n_users() as u32)
        .map(|u| UserRef::Known(UserIdx(u)))
        .collect();
    let profiles = [
        UserRef::Profile(P1),
        UserRef::Profile(P2),
        UserRef::Profile(&[]),
    ];
    let fits = |u: &UserRef<'_>| matches!(u, UserRef::Profile(p) if p.iter().all(|(i, _)| i.ix() < data.n_items()));
    v.extend(profiles.into_iter().filter(fits));
    v
}

/// All predictions and scores of a fitted model, in a fixed order.
fn outputs(m: &dyn Recommender, data: &Dataset) -> (Vec<f32>, Vec<f32>) {
    let (mut preds, mut scores, mut unsupported) = (vec![], vec![], 0usize);
    for u in users(data) {
        for i in 0..data.n_items() as u32 {
            match m.predict(u, ItemIdx(i)) {
                Ok(p) => preds.push(p),
                // ranking-only models: no rating predictions at all (checked below)
                Err(CoreError::Unsupported { .. }) => unsupported += 1,
                Err(e) => panic!("{}: predict {u:?}: {e}", m.name()),
            }
        }
        let mut s = vec![0f32; data.n_items()];
        m.score_all(u, &mut s)
            .unwrap_or_else(|e| panic!("{}: score_all {u:?}: {e}", m.name()));
        scores.extend(s);
    }
    assert!(
        unsupported == 0 || preds.is_empty(),
        "{}: predict is unsupported for some pairs only",
        m.name()
    );
    (preds, scores)
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Two fits with the same parameters give bit-identical predictions and scores; `params()`
/// survives a trip through the registry.
pub fn check_deterministic(make: Make<'_>) {
    let data = synthetic(1);
    let (a, b) = (fitted(make, &data), fitted(make, &data));
    let name = a.name();
    let (pa, sa) = outputs(a.as_ref(), &data);
    let (pb, sb) = outputs(b.as_ref(), &data);
    assert!(
        same_bits(&pa, &pb),
        "{name}: predictions differ between two fits"
    );
    assert!(
        same_bits(&sa, &sb),
        "{name}: scores differ between two fits"
    );
    if registry::names().contains(&name) {
        let again =
            registry::create(name, Some(&a.params())).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            again.params(),
            a.params(),
            "{name}: params() does not round-trip"
        );
    }
}

/// Predictions are finite and within the rating scale (ranking-only models answer
/// [`CoreError::Unsupported`] for every pair instead); scores are finite.
pub fn check_finite_in_scale(make: Make<'_>) {
    let data = synthetic(2);
    let m = fitted(make, &data);
    let (lo, hi) = data.rating_scale();
    let (p, s) = outputs(m.as_ref(), &data);
    assert!(
        p.iter().all(|x| x.is_finite() && (lo..=hi).contains(x)),
        "{}: prediction outside [{lo}, {hi}]",
        m.name()
    );
    assert!(
        s.iter().all(|x| x.is_finite()),
        "{}: non-finite score",
        m.name()
    );
}

/// `recommend` never returns seen items (known users and profiles) unless `include_seen`.
pub fn check_excludes_seen(make: Make<'_>) {
    let data = synthetic(3);
    let m = fitted(make, &data);
    let n = data.n_items();
    for u in users(&data) {
        let seen = cinerec_core::seen_items(&data, u).expect("valid user");
        let recs = m
            .recommend(
                &data,
                u,
                &RecommendOptions {
                    n,
                    ..Default::default()
                },
            )
            .expect("recommend");
        assert!(
            recs.iter().all(|r| !seen.contains(&r.item.0)),
            "{}: recommended a seen item to {u:?}",
            m.name()
        );
        assert_eq!(
            recs.len(),
            n - seen.len(),
            "{}: every unseen item must be ranked for {u:?}",
            m.name()
        );
        let all = m
            .recommend(
                &data,
                u,
                &RecommendOptions {
                    n,
                    include_seen: true,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(
            all.len(),
            n,
            "{}: include_seen must rank every item",
            m.name()
        );
    }
}

/// `recommend` is the top-N of `score_all` (seen movies masked, genre filter applied) under
/// the tie rule, entry for entry and bit for bit, for every user and several N — whatever
/// path the model takes to it (the factor models' quantised top-N:
/// `cinerec_core::quantized`).
pub fn check_recommend_is_top_of_scores(make: Make<'_>) {
    let data = synthetic(3);
    let m = fitted(make, &data);
    let odd = |i: ItemIdx| i.0 % 2 == 1;
    for u in users(&data) {
        for n in [1, 5, data.n_items()] {
            for filter in [None, Some(&odd as &dyn Fn(ItemIdx) -> bool)] {
                let opts = RecommendOptions {
                    n,
                    filter,
                    ..Default::default()
                };
                let got = m.recommend(&data, u, &opts).expect("recommend");
                let mut s = vec![0f32; data.n_items()];
                m.score_all(u, &mut s).expect("score_all");
                let want = cinerec_core::top_n_of_scores(&data, u, &opts, &mut s).unwrap();
                let bits = |v: &[cinerec_core::Scored]| -> Vec<(u32, u32)> {
                    v.iter().map(|x| (x.item.0, x.score.to_bits())).collect()
                };
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "{}: recommend differs from the top-{n} of score_all for {u:?}",
                    m.name()
                );
            }
        }
    }
}

/// Unknown users and items are typed errors; so are a wrong buffer size and use before fit.
pub fn check_bad_input(make: Make<'_>) {
    let data = synthetic(4);
    let unfitted = make();
    let name = unfitted.name();
    let mut buf = vec![0f32; data.n_items()];
    assert!(
        unfitted
            .predict(UserRef::Known(UserIdx(0)), ItemIdx(0))
            .is_err(),
        "{name}: predict before fit"
    );
    assert!(
        unfitted
            .score_all(UserRef::Known(UserIdx(0)), &mut buf)
            .is_err(),
        "{name}: score before fit"
    );
    assert!(
        unfitted.save_state().is_err(),
        "{name}: save_state before fit"
    );
    let m = fitted(make, &data);
    let ghost = UserRef::Known(UserIdx(data.n_users() as u32));
    assert!(
        matches!(m.predict(ghost, ItemIdx(0)), Err(CoreError::UnknownUser(_))),
        "{name}: predict unknown user"
    );
    assert!(
        matches!(m.score_all(ghost, &mut buf), Err(CoreError::UnknownUser(_))),
        "{name}: score unknown user"
    );
    let far = UserRef::Known(UserIdx(u32::MAX));
    assert!(
        matches!(m.predict(far, ItemIdx(0)), Err(CoreError::UnknownUser(_))),
        "{name}: predict user u32::MAX"
    );
    let bad_item = ItemIdx(data.n_items() as u32);
    assert!(
        matches!(
            m.predict(UserRef::Known(UserIdx(0)), bad_item),
            Err(CoreError::UnknownItem(_))
        ),
        "{name}"
    );
    let bad_profile = [(bad_item, 4.0)];
    assert!(
        m.score_all(UserRef::Profile(&bad_profile), &mut buf)
            .is_err(),
        "{name}: profile with unknown item"
    );
    let mut short = vec![0f32; data.n_items() - 1];
    assert!(
        m.score_all(UserRef::Known(UserIdx(0)), &mut short).is_err(),
        "{name}: short score buffer"
    );
}

/// A catalogue user without ratings and an empty profile get finite, in-scale results.
pub fn check_cold_user(make: Make<'_>) {
    let data = synthetic(5);
    let m = fitted(make, &data);
    let cold = UserIdx(SYN_USERS as u32);
    assert_eq!(data.matrix().user_count(cold), 0);
    let (lo, hi) = data.rating_scale();
    for u in [UserRef::Known(cold), UserRef::Profile(&[])] {
        let mut s = vec![0f32; data.n_items()];
        m.score_all(u, &mut s)
            .unwrap_or_else(|e| panic!("{}: cold user: {e}", m.name()));
        assert!(s.iter().all(|x| x.is_finite()), "{}", m.name());
        let p = match m.predict(u, ItemIdx(0)) {
            Err(CoreError::Unsupported { .. }) => continue, // ranking-only model
            r => r.unwrap_or_else(|e| panic!("{}: cold user: {e}", m.name())),
        };
        assert!(
            p.is_finite() && (lo..=hi).contains(&p),
            "{}: cold prediction {p}",
            m.name()
        );
    }
}

fn temp_path(tag: &str) -> std::path::PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "cinerec-check-{}-{tag}-{k}.model",
        std::process::id()
    ))
}

/// `save_state` → `load_state` (and a model file through [`persist`]) reproduce every
/// prediction and score exactly; truncated state is an error; a file loaded against other
/// data is refused naming both hashes.
pub fn check_persistence(make: Make<'_>) {
    let data = synthetic(6);
    let m = fitted(make, &data);
    let name = m.name();
    let want = outputs(m.as_ref(), &data);
    let state = m.save_state().expect("save_state");
    let mut fresh = make();
    fresh
        .load_state(&state)
        .unwrap_or_else(|e| panic!("{name}: load_state: {e}"));
    let got = outputs(fresh.as_ref(), &data);
    assert!(
        same_bits(&want.0, &got.0) && same_bits(&want.1, &got.1),
        "{name}: state round trip changed outputs"
    );
    for cut in 0..state.len() {
        let mut t = make();
        assert!(
            t.load_state(&state[..cut]).is_err(),
            "{name}: state cut to {cut} bytes was accepted"
        );
    }
    if !registry::names().contains(&name) {
        return;
    }
    let path = temp_path(name);
    persist::save(&path, m.as_ref(), &data, None).unwrap_or_else(|e| panic!("{name}: save: {e}"));
    let loaded = persist::load(&path, &data).unwrap_or_else(|e| panic!("{name}: load: {e}"));
    let got = outputs(loaded.as_ref(), &data);
    assert!(
        same_bits(&want.0, &got.0) && same_bits(&want.1, &got.1),
        "{name}: file round trip changed outputs"
    );
    let other = synthetic(7);
    match persist::load(&path, &other) {
        Err(e @ ModelError::DatasetMismatch(_)) => {
            let msg = e.to_string();
            assert!(
                msg.contains(data.hash()) && msg.contains(other.hash()),
                "{name}: {msg}"
            );
        }
        Err(e) => panic!("{name}: wrong error for other data: {e}"),
        Ok(_) => panic!("{name}: model loaded against other data"),
    }
    let forced = persist::load_with(&path, &other, persist::LoadOptions { force: true });
    assert!(forced.is_ok(), "{name}: forced load failed");
    let _ = std::fs::remove_file(&path);
}

/// `item_similarities` is either unsupported or gives finite similarities for every item.
pub fn check_similar_items(make: Make<'_>) {
    let data = synthetic(8);
    let m = fitted(make, &data);
    match m.similar_items(data.n_items(), ItemIdx(0), 5) {
        Err(CoreError::Unsupported { .. }) => {}
        Ok(v) => {
            assert!(
                v.len() == 5
                    && v.iter()
                        .all(|s| s.item != ItemIdx(0) && s.score.is_finite()),
                "{}",
                m.name()
            )
        }
        Err(e) => panic!("{}: similar_items: {e}", m.name()),
    }
    assert!(
        m.similar_items(data.n_items(), ItemIdx(data.n_items() as u32), 5)
            .is_err(),
        "{}",
        m.name()
    );
}

#[derive(Default)]
struct Epochs(Vec<EpochReport>);
impl FitObserver for Epochs {
    fn on_epoch(&mut self, r: &EpochReport) {
        self.0.push(r.clone());
    }
}

/// `fit` reports its epochs 1..=n in order with finite losses.
pub fn check_reports_epochs(make: Make<'_>) {
    let data = synthetic(9);
    let mut m = make();
    let mut obs = Epochs::default();
    m.fit(&data, &mut obs).expect("fit");
    assert!(!obs.0.is_empty(), "{}: no epoch reported", m.name());
    // Epochs are numbered 1, 2, … against one planned total; early stopping may end the fit
    // before that total, never after it.
    let planned = obs.0[0].epochs;
    assert!(
        obs.0.len() <= planned,
        "{}: more epochs than planned",
        m.name()
    );
    for (k, r) in obs.0.iter().enumerate() {
        assert_eq!(
            (r.epoch, r.epochs),
            (k + 1, planned),
            "{}: epoch numbering",
            m.name()
        );
        assert!(r.train_loss.is_finite(), "{}: loss", m.name());
    }
}

/// Fitting on data without ratings (or without users/items) does not panic; when it
/// succeeds, predictions are finite and in scale.
pub fn check_empty_dataset(make: Make<'_>) {
    for data in [empty(3, 4), empty(0, 0)] {
        let mut m = make();
        if m.fit(&data, &mut NoObserver).is_err() || data.n_items() == 0 {
            continue;
        }
        let (lo, hi) = data.rating_scale();
        let (p, s) = outputs(m.as_ref(), &data);
        assert!(
            p.iter().all(|x| x.is_finite() && (lo..=hi).contains(x)),
            "{}: empty-data predictions",
            m.name()
        );
        assert!(
            s.iter().all(|x| x.is_finite()),
            "{}: empty-data scores",
            m.name()
        );
    }
}

/// Movies added after the fit ([`crate::grow::grow_shared`]): the grown model scores the
/// whole grown catalogue for every user, a profile rating a new movie included; a model that
/// does not embed new movies keeps its old scores exactly and never recommends a new movie
/// (−∞) nor predicts one ([`CoreError::ColdItem`]); one that does gives the new movies finite
/// scores for a user with ratings.
pub fn check_new_movies(make: Make<'_>) {
    let data = synthetic(9);
    let m: std::sync::Arc<dyn Recommender> = std::sync::Arc::from(fitted(make, &data));
    let name = m.name();
    let n = data.n_items();
    let mut cat = (**data.catalog()).clone();
    for (raw, title) in [("new-1", "A Brand New Movie"), ("new-2", "Another New One")] {
        let meta = cinerec_core::ItemMeta {
            title: Some(title.into()),
            year: Some(2026),
            tags: vec!["fresh".into()],
            ..Default::default()
        };
        cat.add_item(raw, meta).unwrap();
    }
    let grown = data.with_catalog(std::sync::Arc::new(cat)).unwrap();
    let g = crate::grow::grow_shared(&m, n, &grown, false)
        .unwrap_or_else(|e| panic!("{name}: growing to new movies: {e}"));
    let rated_new = [(ItemIdx(0), 5.0), (ItemIdx(n as u32), 4.0)];
    let mut asked = users(&data);
    asked.push(UserRef::Profile(&rated_new));
    for u in asked {
        let mut before = vec![0f32; n];
        let mut after = vec![0f32; n + 2];
        g.score_all(u, &mut after)
            .unwrap_or_else(|e| panic!("{name}: grown score_all {u:?}: {e}"));
        assert!(after.iter().all(|s| !s.is_nan()), "{name}: NaN score {u:?}");
        let has_old_ratings = cinerec_core::user_profile(&grown, u).is_ok_and(|p| !p.is_empty());
        if m.embeds_new_items() {
            if has_old_ratings {
                assert!(
                    after[n..].iter().all(|s| s.is_finite()),
                    "{name}: new movies not scored for {u:?}"
                );
            }
            continue;
        }
        if matches!(u, UserRef::Profile(p) if p.len() == 2 && p[1].0.ix() == n) {
            continue;
        }
        m.score_all(u, &mut before).unwrap();
        assert!(
            same_bits(&before, &after[..n]),
            "{name}: growing changed old scores for {u:?}"
        );
        assert!(
            after[n..].iter().all(|&s| s == f32::NEG_INFINITY),
            "{name}: a cold movie is scored"
        );
        match g.predict(u, ItemIdx(n as u32)) {
            Err(CoreError::ColdItem(_) | CoreError::Unsupported { .. }) => {}
            other => panic!("{name}: prediction of a cold movie: {other:?}"),
        }
    }
    let opts = RecommendOptions {
        n: n + 2,
        ..Default::default()
    };
    let top = g
        .recommend(&grown, UserRef::Known(UserIdx(0)), &opts)
        .unwrap_or_else(|e| panic!("{name}: recommend on the grown catalogue: {e}"));
    if !m.embeds_new_items() {
        assert!(
            top.iter().all(|s| s.item.ix() < n),
            "{name}: recommended a cold movie"
        );
    }
    match g.similar_items(n + 2, ItemIdx(0), 5) {
        Ok(v) => assert!(
            v.iter().all(|s| s.score.is_finite()),
            "{name}: similar {v:?}"
        ),
        Err(CoreError::Unsupported { .. }) => {}
        Err(e) => panic!("{name}: similar items on the grown catalogue: {e}"),
    }
}

/// Runs every check on one model constructor.
pub fn check_model(make: Make<'_>) {
    check_deterministic(make);
    check_finite_in_scale(make);
    check_excludes_seen(make);
    check_recommend_is_top_of_scores(make);
    check_bad_input(make);
    check_cold_user(make);
    check_persistence(make);
    check_similar_items(make);
    check_reports_epochs(make);
    check_empty_dataset(make);
    check_new_movies(make);
}
