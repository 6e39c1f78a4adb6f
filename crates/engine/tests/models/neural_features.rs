//! Tests of the `features` model: the shared contract suite, learning on planted taste groups
//! (against an untrained control), cold-start movies and new users without retraining, the
//! density sign convention, early stopping with best-epoch restore, and the parameters.

use cinerec_core::{
    Catalog, Dataset, EpochReport, FitObserver, IdMap, Interactions, ItemIdx, ItemMeta, NoObserver,
    RecommendOptions, Recommender, RecommenderExt, Rng, UserIdx, UserMeta, UserRef,
};
use cinerec_neural::{
    cold_start_recall, cold_start_split, ColdCandidates, Features, FeaturesParams, ScoreMethod,
};
use std::sync::Arc;

const MOVIES: usize = 48;
const USERS: usize = 80;

fn group_of_movie(i: usize) -> usize {
    i % 2
}

/// Two taste groups: movie i is in group i % 2 (genre "Alpha"/"Beta") and has three noise
/// fields (actor, director, country) drawn from two values each; user u (group u % 2) watches
/// ~10 movies of their group and one of the other. Movies listed in `cold` get no rating.
fn planted(seed: u64, cold: &[usize]) -> Dataset {
    let mut rng = Rng::new(seed);
    let item_meta = (0..MOVIES)
        .map(|i| ItemMeta {
            title: Some(format!("Film{i}")),
            genres: vec![group_of_movie(i) as u16],
            relations: ["actor", "directed_by", "country"]
                .iter()
                .map(|r| (format!("film.film.{r}"), format!("m.{r}{}", rng.below(2))))
                .collect(),
            ..Default::default()
        })
        .collect();
    let cat = Catalog {
        users: IdMap::from_ordered((0..USERS).map(|u| format!("u{u}")).collect()),
        items: IdMap::from_ordered((0..MOVIES).map(|i| format!("m{i}")).collect()),
        item_meta,
        user_meta: vec![UserMeta::default(); USERS],
        genre_names: vec!["Alpha".into(), "Beta".into()],
    };
    let mut r = Interactions::default();
    for u in 0..USERS {
        let g = u % 2;
        let mut own: Vec<usize> = (0..MOVIES)
            .filter(|&i| group_of_movie(i) == g && !cold.contains(&i))
            .collect();
        rng.shuffle(&mut own);
        let mut picks: Vec<usize> = own.into_iter().take(10).collect();
        loop {
            let other = 2 * rng.below(MOVIES as u64 / 2) as usize + (1 - g);
            if !cold.contains(&other) {
                picks.push(other);
                break;
            }
        }
        picks.sort();
        for i in picks {
            r.push(u as u32, i as u32, 4.0, 1000);
        }
    }
    let mut d = Dataset::new("planted", Arc::new(cat), r);
    d.set_scale(1.0, 5.0);
    d
}

fn small(method: ScoreMethod) -> FeaturesParams {
    FeaturesParams {
        method,
        dim: 16,
        hidden: 16,
        epochs: 30,
        batch_size: 128,
        learning_rate: 0.01,
        min_token_movies: 2,
        hash_buckets: 8,
        ..Default::default()
    }
}

fn fit(p: FeaturesParams, data: &Dataset) -> Features {
    let mut m = Features::new(p).unwrap();
    m.fit(data, &mut NoObserver).unwrap();
    m
}

/// Share of (own-group, other-group) pairs among `items`, both unwatched, that a user scores
/// in the right order (ties ½), over all users.
fn group_auc(m: &Features, data: &Dataset, items: &[usize]) -> f64 {
    let (mut ok, mut n) = (0.0, 0.0);
    let mut s = vec![0f32; data.n_items()];
    for u in 0..USERS as u32 {
        m.score_all(UserRef::Known(UserIdx(u)), &mut s).unwrap();
        let g = u as usize % 2;
        let unseen: Vec<usize> = items
            .iter()
            .copied()
            .filter(|&i| !data.has_rated(UserIdx(u), ItemIdx(i as u32)))
            .collect();
        for &a in unseen.iter().filter(|&&i| group_of_movie(i) == g) {
            for &b in unseen.iter().filter(|&&i| group_of_movie(i) != g) {
                ok += if s[a] > s[b] {
                    1.0
                } else if s[a] == s[b] {
                    0.5
                } else {
                    0.0
                };
                n += 1.0;
            }
        }
    }
    ok / n
}

#[test]
fn contract_suite() {
    cinerec_engine::testing::check_model(&|| {
        Box::new(Features::new(Default::default()).unwrap()) as Box<dyn Recommender>
    });
}

#[test]
fn contract_suite_density() {
    cinerec_engine::testing::check_model(&|| {
        let p = FeaturesParams {
            method: ScoreMethod::Density,
            ..Default::default()
        };
        Box::new(Features::new(p).unwrap()) as Box<dyn Recommender>
    });
}

#[test]
fn learns_taste_groups_and_ranks_cold_movies_from_features() {
    let cold = [40, 41, 42, 43, 44, 45, 46, 47];
    let data = planted(11, &cold);
    let warm: Vec<usize> = (0..40).collect();
    for method in [ScoreMethod::Likelihood, ScoreMethod::Density] {
        let trained = fit(small(method), &data);
        // control: the same model, barely trained
        let control = fit(
            FeaturesParams {
                epochs: 1,
                learning_rate: 1e-7,
                ..small(method)
            },
            &data,
        );
        let (tw, cw) = (
            group_auc(&trained, &data, &warm),
            group_auc(&control, &data, &warm),
        );
        let (tc, cc) = (
            group_auc(&trained, &data, &cold),
            group_auc(&control, &data, &cold),
        );
        eprintln!("{method:?}: warm {tw:.3} (control {cw:.3}), cold {tc:.3} (control {cc:.3})");
        assert!(
            tw > 0.9 && tw > cw + 0.1,
            "{method:?} warm: {tw} vs control {cw}"
        );
        assert!(
            tc > 0.85 && tc > cc + 0.1,
            "{method:?} cold: {tc} vs control {cc}"
        );
    }
}

#[test]
fn new_users_and_new_movies_without_retraining() {
    let data = planted(12, &[]);
    let m = fit(small(ScoreMethod::Likelihood), &data);
    let alpha: Vec<(ItemIdx, f32)> = [0u32, 2, 4, 6, 8]
        .iter()
        .map(|&i| (ItemIdx(i), 4.0))
        .collect();
    let recs = m
        .recommend(
            &data,
            UserRef::Profile(&alpha),
            &RecommendOptions {
                n: 5,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        recs.iter().all(|r| group_of_movie(r.item.ix()) == 0),
        "{recs:?}"
    );
    // a movie outside the catalogue, known by its features only
    let beta_meta = ItemMeta {
        genres: vec![1],
        relations: vec![("film.film.actor".into(), "m.actor0".into())],
        ..Default::default()
    };
    let (e, b) = m.embed_movie(&beta_meta).unwrap();
    assert!(b.is_finite());
    let mean_cos = |g: usize| {
        let rows: Vec<f32> = (0..MOVIES)
            .filter(|&i| group_of_movie(i) == g)
            .map(|i| {
                m.movie_embedding(ItemIdx(i as u32))
                    .unwrap()
                    .iter()
                    .zip(&e)
                    .map(|(x, y)| x * y)
                    .sum()
            })
            .collect();
        rows.iter().sum::<f32>() / rows.len() as f32
    };
    assert!(
        mean_cos(1) > mean_cos(0) + 0.2,
        "{} vs {}",
        mean_cos(1),
        mean_cos(0)
    );
}

#[test]
fn density_favours_movies_similar_to_the_watched_ones() {
    let data = planted(13, &[]);
    let m = fit(small(ScoreMethod::Density), &data);
    let watched = [(ItemIdx(0), 4.0)];
    let mut s = vec![0f32; MOVIES];
    m.score_all(UserRef::Profile(&watched), &mut s).unwrap();
    let mut sims = vec![0f32; MOVIES];
    m.item_similarities(ItemIdx(0), &mut sims).unwrap();
    // with one watched movie the density is a decreasing function of the cosine distance
    let most = (1..MOVIES)
        .max_by(|&a, &b| sims[a].total_cmp(&sims[b]))
        .unwrap();
    let least = (1..MOVIES)
        .min_by(|&a, &b| sims[a].total_cmp(&sims[b]))
        .unwrap();
    assert!(
        s[0] > s[most] && s[most] > s[least],
        "{} {} {}",
        s[0],
        s[most],
        s[least]
    );
    assert!(
        (s[0] - 1.0).abs() < 1e-4,
        "a watched movie adds exp(0) = 1: {}",
        s[0]
    );
}

#[derive(Default)]
struct Epochs(Vec<EpochReport>);
impl FitObserver for Epochs {
    fn on_epoch(&mut self, r: &EpochReport) {
        self.0.push(r.clone());
    }
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    let data = planted(14, &[]);
    let p = FeaturesParams {
        epochs: 60,
        learning_rate: 0.05,
        validation_fraction: 0.2,
        patience: 2,
        ..small(ScoreMethod::Likelihood)
    };
    let mut m = Features::new(p.clone()).unwrap();
    let mut obs = Epochs::default();
    m.fit(&data, &mut obs).unwrap();
    let ran = obs.0.len();
    assert!(ran < 60, "no early stop in 60 epochs");
    assert_eq!(obs.0[0].metrics[0].0, "val_loss");
    let losses: Vec<f64> = obs.0.iter().map(|r| r.metrics[0].1).collect();
    let best = 1
        + (0..ran)
            .min_by(|&a, &b| losses[a].total_cmp(&losses[b]))
            .unwrap();
    assert_eq!(m.epochs().unwrap(), (ran, best));
    assert_eq!(
        best,
        ran - 2,
        "stopped {ran} after best {best} with patience 2"
    );
    // the kept weights are those after epoch `best`: a fit of exactly `best` epochs
    let again = fit(
        FeaturesParams {
            epochs: best,
            patience: 0,
            ..p
        },
        &data,
    );
    assert_eq!(
        again.save_state().unwrap().len(),
        m.save_state().unwrap().len()
    );
    let (mut a, mut b) = (vec![0f32; MOVIES], vec![0f32; MOVIES]);
    for u in 0..USERS as u32 {
        m.score_all(UserRef::Known(UserIdx(u)), &mut a).unwrap();
        again.score_all(UserRef::Known(UserIdx(u)), &mut b).unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn cold_start_recall_beats_random_on_planted_data() {
    let data = planted(15, &[]);
    let split = cold_start_split(&data, 0.2, 3).unwrap();
    assert_eq!(split.items.len(), 10);
    assert!(split
        .items
        .iter()
        .all(|&i| split.train.matrix().item_count(i) == 0));
    let m = fit(small(ScoreMethod::Likelihood), &split.train);
    let r = cold_start_recall(
        &m,
        &split.train,
        &split.test,
        &split.items,
        3,
        ColdCandidates::ColdOnly,
        2,
    )
    .unwrap();
    assert_eq!(r.n_pairs, split.test.len());
    assert!((r.random_recall - 0.3).abs() < 1e-9, "{r:?}");
    assert!(r.lift() > 1.5, "{r:?}");
}

#[test]
fn params_parse_and_validate() {
    let p: FeaturesParams =
        serde_json::from_str(r#"{"method": "density", "density_sigma": 0.3}"#).unwrap();
    assert_eq!(p.method, ScoreMethod::Density);
    assert_eq!(p.density_sigma, Some(0.3));
    assert!(serde_json::from_str::<FeaturesParams>(r#"{"methd": "density"}"#).is_err());
    assert!(serde_json::from_str::<FeaturesParams>(r#"{"method": "magic"}"#).is_err());
    for bad in [
        FeaturesParams {
            dim: 0,
            ..Default::default()
        },
        FeaturesParams {
            negatives: 0,
            ..Default::default()
        },
        FeaturesParams {
            id_dropout: 1.0,
            ..Default::default()
        },
        FeaturesParams {
            density_sigma: Some(0.0),
            ..Default::default()
        },
        FeaturesParams {
            learning_rate: -1.0,
            ..Default::default()
        },
    ] {
        assert!(Features::new(bad).is_err());
    }
    let m = Features::new(Default::default()).unwrap();
    assert_eq!(m.name(), "features");
    let back: FeaturesParams = serde_json::from_value(m.params()).unwrap();
    assert_eq!(&back, m.parameters());
}
