//! [`Bpr`]: Bayesian personalised ranking (Rendle et al. 2009) with the semantics of implicit's
//! `BayesianPersonalizedRanking`: `factors + 1` columns (the user's last column is fixed at 1
//! so the item's last column is an item bias), per epoch `nnz` samples of a random rating
//! (user, liked item) and a negative drawn from the ratings' item column (so proportional to
//! popularity), skipped when the user rated it (`verify_negative_samples`), then one SGD step
//! on the logistic pairwise loss. `threads = 1` (default) is deterministic; more threads run
//! Hogwild (lock-free, relaxed atomic rows), which is faster but not reproducible.
//!
//! A profile is folded in by SGD on the user vector alone against the fixed item factors,
//! with the training's sampling (seeded by the profile, so deterministic). Ranking only.

use crate::bpr_sgd::{epoch, fold_in_user, init_factors, Plain, Samples, Sgd, Shared};
use crate::common::{bad, read_state, user_key, write_state, Shape};
use crate::dense::worker_count;
use crate::factors::{factor_model_basics, factor_model_scoring, Factors};
use cinerec_core::Configurable;
use cinerec_core::{
    CoreError, Dataset, EpochReport, FitObserver, ItemIdx, Recommender, Result, Rng, UserIdx,
    UserRef,
};
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicU32;

const TAG: &[u8] = b"bpr/1";

/// Parameters of [`Bpr`] (implicit's names and defaults; `seed` is implicit's `random_state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BprParams {
    /// Latent factors (one more column holds the item bias).
    pub factors: usize,
    /// SGD step size.
    pub learning_rate: f32,
    /// L2 regularisation.
    pub regularization: f32,
    /// Epochs of `nnz` samples each.
    pub iterations: usize,
    /// Skip negatives the user has rated.
    pub verify_negative_samples: bool,
    /// Share of negatives drawn in proportion to popularity (implicit's sampling: 1); the
    /// rest are drawn uniformly over the catalogue, which leaves popularity in the item bias.
    pub popularity_negatives: f32,
    /// Add a popularity prior `β · ln(1 + n_i)` to the item biases, `β` chosen on a
    /// hold-out of one rating per user ([`crate::prior`]; costs a second fit). `β` is 0
    /// where the learned scores rank the held-out movies as well without it.
    pub popularity_prior: bool,
    /// 1 = deterministic; more (0 = all cores) = Hogwild, not reproducible.
    pub threads: usize,
    /// Seed of the initial factors and the sampling.
    pub seed: u64,
}

impl Default for BprParams {
    fn default() -> Self {
        BprParams {
            factors: 100,
            learning_rate: 0.01,
            // implicit's 0.01 overfits light users: BPR lost to popularity on the panel's
            // many-users set (NDCG@10 0.1208 vs 0.1639 → 0.1796 with 0.05); ML-100K 80/20
            // 0.2757 → 0.2996, temporal 0.1604 → 0.1598 (issue #15, bench/panel/results.md).
            regularization: 0.05,
            iterations: 100,
            verify_negative_samples: true,
            popularity_negatives: 1.0,
            // Without it BPR lost to popularity on the panel's many-users set (30k users
            // with a few ratings each: NDCG@10 0.0762 vs 0.1721, issue #15).
            popularity_prior: true,
            threads: 1,
            seed: 42,
        }
    }
}

impl BprParams {
    /// The SGD settings of a fit or fold-in.
    fn sgd(&self) -> Sgd {
        Sgd {
            lr: self.learning_rate,
            reg: self.regularization,
            verify: self.verify_negative_samples,
            pop_share: self.popularity_negatives,
        }
    }
}

#[derive(Debug, Clone)]
struct Fitted {
    shape: Shape,
    f: Factors,
    /// Ratings per item (the negative-sampling distribution), for fold-in.
    pop: Vec<u32>,
}

/// Bayesian personalised ranking.
#[derive(Debug, Clone, Default)]
pub struct Bpr {
    params: BprParams,
    fitted: Option<Fitted>,
}

impl Bpr {
    factor_model_basics!(
        Bpr,
        BprParams,
        Fitted,
        "bpr",
        "The fitted factors (`factors + 1` columns; the last is 1 for users, the bias for items)."
    );

    /// A user vector for a profile, by SGD against the fixed item factors.
    pub fn fold_in(&self, profile: &[(ItemIdx, f32)]) -> Result<Vec<f32>> {
        let fit = self.fitted()?;
        let mut liked = fit.shape.profile_items(profile)?;
        liked.sort_unstable();
        liked.dedup();
        let p = &self.params;
        let mut rng = Rng::fork(p.seed, user_key(UserRef::Profile(profile)));
        Ok(fold_in_user(
            &fit.f,
            &liked,
            &fit.pop,
            p.sgd(),
            p.iterations,
            &mut rng,
        ))
    }

    /// BPR epochs on `data`, reported as epochs `offset + 1..` of `total`; cold users get
    /// the average user.
    fn train(
        &self,
        data: &Dataset,
        observer: &mut dyn FitObserver,
        (offset, total): (usize, usize),
    ) -> Result<Factors> {
        let p = &self.params;
        let s = Samples::of(data.matrix());
        let mut rng = Rng::new(p.seed);
        let mut f = init_factors(data.matrix(), p.factors, &mut rng);
        let threads = worker_count(p.threads).clamp(1, s.items.len().max(1));
        let mut rngs: Vec<Rng> = (0..threads)
            .map(|t| Rng::fork(p.seed, t as u64 + 1))
            .collect();
        let sgd = p.sgd();
        let atomics = |v: &[f32]| {
            v.iter()
                .map(|x| AtomicU32::new(x.to_bits()))
                .collect::<Vec<_>>()
        };
        let shared = (threads > 1).then(|| (atomics(&f.users), atomics(&f.items)));
        for it in 1..=p.iterations {
            let (correct, skipped) = match &shared {
                None => epoch(
                    &s,
                    &mut Plain(&mut f.users),
                    &mut Plain(&mut f.items),
                    f.k,
                    s.items.len(),
                    sgd,
                    &mut rngs[0],
                ),
                Some((us, is)) => {
                    let n = s.items.len();
                    std::thread::scope(|sc| {
                        let hs: Vec<_> = rngs
                            .iter_mut()
                            .enumerate()
                            .map(|(t, rng)| {
                                let (s, k) = (&s, f.k);
                                let part = n / threads + usize::from(t < n % threads);
                                sc.spawn(move || {
                                    epoch(
                                        s,
                                        &mut Shared(&us[..]),
                                        &mut Shared(&is[..]),
                                        k,
                                        part,
                                        sgd,
                                        rng,
                                    )
                                })
                            })
                            .collect();
                        hs.into_iter()
                            .filter_map(|h| h.join().ok())
                            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
                    })
                }
            };
            let judged = (s.items.len() - skipped).max(1) as f64;
            let auc = correct as f64 / judged;
            observer.on_epoch(&EpochReport {
                epoch: offset + it,
                epochs: total,
                train_loss: 1.0 - auc,
                metrics: vec![
                    ("train_auc".into(), auc),
                    (
                        "skipped".into(),
                        skipped as f64 / s.items.len().max(1) as f64,
                    ),
                ],
            });
        }
        if let Some((us, is)) = shared {
            let back = |v: Vec<AtomicU32>| {
                v.into_iter()
                    .map(|a| f32::from_bits(a.into_inner()))
                    .collect::<Vec<_>>()
            };
            f.users = back(us);
            f.items = back(is);
        }
        if !f.users.iter().chain(&f.items).all(|v| v.is_finite()) {
            return Err(CoreError::InvalidParam {
                name: "learning_rate".into(),
                reason: "BPR diverged".into(),
            });
        }
        let m = data.matrix();
        f.cold_users_average(|u| m.user_count(UserIdx(u as u32)) > 0);
        Ok(f)
    }
}

impl Configurable for Bpr {
    type Params = BprParams;
    fn from_params(p: Self::Params) -> Result<Self> {
        if p.factors == 0 || p.factors > 4096 {
            return bad("factors", "must be in 1..=4096");
        }
        if !(p.learning_rate.is_finite() && p.learning_rate > 0.0 && p.learning_rate < 10.0) {
            return bad("learning_rate", "must be in (0, 10)");
        }
        if !(p.regularization.is_finite() && p.regularization >= 0.0) {
            return bad("regularization", "must be finite and >= 0");
        }
        if !(0.0..=1.0).contains(&p.popularity_negatives) {
            return bad("popularity_negatives", "must be in [0, 1]");
        }
        if p.iterations > 100_000 || p.threads > 1024 {
            return bad("iterations/threads", "out of range");
        }
        Ok(Bpr::new(p))
    }
}

impl Recommender for Bpr {
    cinerec_core::name_and_params!("bpr");

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        let p = &self.params;
        let hold = p
            .popularity_prior
            .then(|| crate::prior::hold_out_one(data, p.seed))
            .flatten();
        let total = p.iterations * if hold.is_some() { 2 } else { 1 };
        let mut beta = 0.0;
        if let Some((rest, held)) = &hold {
            let f = self.train(rest, observer, (0, total))?;
            let m = rest.matrix();
            beta = crate::prior::choose_weight(
                held,
                |u| m.user_row(UserIdx(u)).0.to_vec(),
                &crate::prior::log_popularity(rest),
                |u, out| f.scores_into(f.user(u as usize), out),
            );
        }
        let mut f = self.train(data, observer, (total - p.iterations, total))?;
        if beta > 0.0 {
            let k1 = f.k;
            for (i, lp) in crate::prior::log_popularity(data).iter().enumerate() {
                f.items[i * k1 + k1 - 1] += beta * lp;
            }
        }
        let m = data.matrix();
        let shape = Shape::of(data);
        let pop = (0..shape.n_items)
            .map(|i| m.item_count(ItemIdx(i as u32)) as u32)
            .collect();
        self.fitted = Some(Fitted { shape, f, pop });
        Ok(())
    }

    factor_model_scoring!("bpr");

    fn save_state(&self) -> Result<Vec<u8>> {
        let fit = self.fitted()?;
        Ok(write_state(TAG, &fit.shape, |w| {
            fit.f.write(w);
            w.u32s(&fit.pop);
        }))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let fit = read_state(bytes, TAG, |r, shape| {
            let f = Factors::read(r, shape.n_users, shape.n_items)?;
            let pop = r.u32s()?;
            Ok(Fitted { shape, f, pop })
        })?;
        let (f, pop) = (&fit.f, &fit.pop);
        if f.k < 2
            || pop.len() != fit.shape.n_items
            || !f.users.iter().chain(&f.items).all(|v| v.is_finite())
        {
            return Err(CoreError::Corrupt("bpr: bad factors or item counts".into()));
        }
        self.fitted = Some(fit);
        Ok(())
    }
}
