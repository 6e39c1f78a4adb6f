//! Model-specific behaviour on the synthetic data, each checked against an independent
//! computation from the ratings (not against recorded numbers).

use cinerec_core::Configurable;
use cinerec_core::{
    Dataset, ItemIdx, NoObserver, RecommendOptions, Recommender, RecommenderExt, UserIdx, UserRef,
};
use cinerec_engine::registry;
use cinerec_engine::testing::{synthetic, SYN_USERS};
use cinerec_models::{Baseline, BaselineMethod, BaselineParams};
use serde_json::json;

fn fit(name: &str, params: Option<serde_json::Value>, data: &Dataset) -> Box<dyn Recommender> {
    let mut m = registry::create(name, params.as_ref()).unwrap();
    m.fit(data, &mut NoObserver).unwrap();
    m
}

/// Ratings of item `i` in the data.
fn item_ratings(data: &Dataset, i: usize) -> Vec<f64> {
    data.matrix()
        .iter()
        .filter(|r| r.item.ix() == i)
        .map(|r| r.value as f64)
        .collect()
}

#[test]
fn popularity_scores_counts_and_predicts_item_means() {
    let data = synthetic(11);
    let m = fit("popularity", None, &data);
    let mut s = vec![0f32; data.n_items()];
    m.score_all(UserRef::Known(UserIdx(0)), &mut s).unwrap();
    let gm = data.global_mean() as f64;
    for (i, &score) in s.iter().enumerate() {
        let r = item_ratings(&data, i);
        assert_eq!(score, r.len() as f32, "count of item {i}");
        let want = if r.is_empty() {
            gm
        } else {
            r.iter().sum::<f64>() / r.len() as f64
        };
        let got = m
            .predict(UserRef::Known(UserIdx(1)), ItemIdx(i as u32))
            .unwrap() as f64;
        assert!((got - want).abs() < 1e-5, "item {i}: {got} vs {want}");
    }
    // Cold user: the most-rated item, smallest id among ties, comes first.
    let best = (0..data.n_items())
        .max_by_key(|&i| (item_ratings(&data, i).len(), std::cmp::Reverse(i)))
        .unwrap();
    let cold = UserRef::Known(UserIdx(SYN_USERS as u32));
    let top = m
        .recommend(
            &data,
            cold,
            &RecommendOptions {
                n: 1,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(top[0].item.ix(), best);
}

#[test]
fn baseline_als_converges_to_its_normal_equations() {
    let data = synthetic(12);
    let m = Baseline::from_params(BaselineParams {
        n_epochs: Some(300),
        ..Default::default()
    })
    .unwrap();
    let mut m = m;
    m.fit(&data, &mut NoObserver).unwrap();
    let (mu, bu, bi) = m.biases().unwrap();
    assert!((mu - data.global_mean() as f64).abs() < 1e-5);
    let (mut du, mut nu) = (vec![0.0; bu.len()], vec![0.0; bu.len()]);
    let (mut di, mut ni) = (vec![0.0; bi.len()], vec![0.0; bi.len()]);
    for r in data.matrix().iter() {
        let (u, i, v) = (r.user.ix(), r.item.ix(), r.value as f64);
        du[u] += v - mu - bi[i];
        nu[u] += 1.0;
        di[i] += v - mu - bu[u];
        ni[i] += 1.0;
    }
    for u in 0..bu.len() {
        assert!((bu[u] - du[u] / (15.0 + nu[u])).abs() < 1e-9, "user {u}");
    }
    for i in 0..bi.len() {
        assert!((bi[i] - di[i] / (10.0 + ni[i])).abs() < 1e-9, "item {i}");
    }
    assert!(
        bi.iter().any(|&b| b.abs() > 0.01),
        "biases must not be trivially zero"
    );
}

#[test]
fn baseline_profile_fold_in_matches_the_trained_user() {
    let data = synthetic(13);
    let m = fit("baseline", None, &data);
    for u in 0..SYN_USERS as u32 {
        let (items, vals) = data.user_ratings(UserIdx(u));
        let profile: Vec<(ItemIdx, f32)> = items
            .iter()
            .zip(vals)
            .map(|(&i, &v)| (ItemIdx(i), v))
            .collect();
        for i in 0..data.n_items() as u32 {
            let known = m.predict(UserRef::Known(UserIdx(u)), ItemIdx(i)).unwrap();
            let folded = m.predict(UserRef::Profile(&profile), ItemIdx(i)).unwrap();
            assert!(
                (known - folded).abs() < 1e-6,
                "user {u} item {i}: {known} vs {folded}"
            );
        }
    }
}

#[test]
fn baseline_sgd_lowers_training_error_and_ranks_by_item_bias() {
    let data = synthetic(14);
    let sgd = fit(
        "baseline",
        Some(json!({"method": "sgd", "n_epochs": 200})),
        &data,
    );
    let rmse = |m: &dyn Recommender| {
        let se: f64 = data
            .matrix()
            .iter()
            .map(|r| {
                (m.predict(UserRef::Known(r.user), r.item).unwrap() as f64 - r.value as f64).powi(2)
            })
            .sum();
        (se / data.n_ratings() as f64).sqrt()
    };
    let pop = fit("random", None, &data);
    assert!(rmse(sgd.as_ref()) < 0.9 * rmse(pop.as_ref()));
    let params = sgd.params();
    assert_eq!(params["method"], json!("sgd"));
    // Ranking = item bias: the same order for two different users.
    let (mut a, mut b) = (vec![0f32; data.n_items()], vec![0f32; data.n_items()]);
    sgd.score_all(UserRef::Known(UserIdx(0)), &mut a).unwrap();
    sgd.score_all(UserRef::Known(UserIdx(1)), &mut b).unwrap();
    let order = |s: &[f32]| {
        cinerec_core::top_k(s, s.len())
            .iter()
            .map(|x| x.item)
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&a), order(&b));
    assert_eq!(
        BaselineParams {
            method: BaselineMethod::Sgd,
            ..Default::default()
        }
        .epochs(),
        20
    );
}

#[test]
fn random_is_a_pure_function_with_the_data_mean_and_spread() {
    let data = synthetic(15);
    let m = fit("random", Some(json!({"seed": 3})), &data);
    let other = fit("random", Some(json!({"seed": 4})), &data);
    let (n_u, n_i) = (data.n_users() as u32, data.n_items() as u32);
    let mut draws = vec![];
    let mut differs = 0;
    for u in (0..n_u).rev() {
        let mut s = vec![0f32; n_i as usize];
        m.score_all(UserRef::Known(UserIdx(u)), &mut s).unwrap();
        for i in 0..n_i {
            let p = m.predict(UserRef::Known(UserIdx(u)), ItemIdx(i)).unwrap();
            assert_eq!(
                p,
                m.predict(UserRef::Known(UserIdx(u)), ItemIdx(i)).unwrap()
            );
            assert_eq!(
                p,
                s[i as usize].clamp(1.0, 5.0),
                "prediction = clipped ranking draw"
            );
            differs += (p
                != other
                    .predict(UserRef::Known(UserIdx(u)), ItemIdx(i))
                    .unwrap()) as usize;
            draws.push(s[i as usize] as f64);
        }
    }
    assert!(
        differs > draws.len() / 2,
        "another seed must give other draws"
    );
    let v: Vec<f64> = data.matrix().values().iter().map(|&x| x as f64).collect();
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let std =
        |x: &[f64]| (x.iter().map(|a| (a - mean(x)).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    assert!(
        (mean(&draws) - mean(&v)).abs() < 0.2,
        "{} vs {}",
        mean(&draws),
        mean(&v)
    );
    assert!(
        (std(&draws) / std(&v) - 1.0).abs() < 0.15,
        "{} vs {}",
        std(&draws),
        std(&v)
    );
}
