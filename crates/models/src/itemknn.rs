//! [`ItemKnn`]: item-based k-nearest neighbours with shrunk similarities, in Surprise's
//! semantics where Surprise has them, usable three ways:
//! - **rating prediction** as Surprise's `KNNBaseline`: `r̂ = b_ui + Σ s_ij (r_uj − b_uj) / Σ s_ij`
//!   over the `k` rated items most similar to `i` with `s_ij > 0` (baseline only when fewer
//!   than `min_k`); baselines are [`Baseline`] (ALS, Surprise's defaults);
//! - **ranking** by the neighbourhood sum `score(i) = Σ_{j rated} s_ji` over each rated item's
//!   stored neighbour list (predicted ratings are not a ranking score: Surprise's KNNBaseline
//!   ranks at NDCG@10 0.0007 on the peer split);
//! - **similar movies** and explanations from the same lists.
//!
//! Similarities over the users who rated both items: `cosine` on raw ratings or
//! `pearson_baseline` on baseline residuals `r − b_ui`, multiplied by the shrinkage factor
//! `(n − 1) / (n − 1 + shrinkage)` for `n` common users (Surprise applies it to
//! `pearson_baseline` only, default 100). Each item keeps its `neighbors` best positive
//! similarities (sparse), computed in parallel over items.

use crate::common::{read_state, write_state, Shape};
use crate::neighbors::{check_item, invalid, keep_top, par_map, NeighborLists, UserRows};
use crate::{Baseline, BaselineParams};
use cinerec_core::Configurable;
use cinerec_core::{
    CoreError, Dataset, EpochReport, FitObserver, ItemIdx, NoObserver, Recommender, Result,
    UserIdx, UserRef,
};
use serde::{Deserialize, Serialize};

const TAG: &[u8] = b"itemknn/1";

/// Item–item similarity measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnnSimilarity {
    /// Cosine of the raw ratings over common users.
    Cosine,
    /// Pearson correlation of baseline residuals over common users (Surprise's default for
    /// KNNBaseline).
    #[default]
    PearsonBaseline,
}

/// Parameters of [`ItemKnn`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ItemKnnParams {
    /// `cosine` or `pearson_baseline`.
    pub similarity: KnnSimilarity,
    /// Neighbours used per rating prediction (Surprise `k`).
    pub k: usize,
    /// Fewer usable neighbours than this: predict the baseline (Surprise `min_k`).
    pub min_k: usize,
    /// Shrinkage; absent = 100 for `pearson_baseline`, 0 for `cosine` (Surprise).
    pub shrinkage: Option<f64>,
    /// Evidence shrinkage of the neighbour correction: `Σ s·(r − b) / (Σ s + weight_reg)`, so a
    /// prediction backed by little similarity mass stays near the baseline (0: Surprise).
    pub weight_reg: f64,
    /// Pairs with fewer common users get no similarity (Surprise `min_support`).
    pub min_support: usize,
    /// Neighbours stored per item: the ranking neighbourhood and the prediction pool.
    pub neighbors: usize,
    /// Baseline options (Surprise `bsl_options`).
    pub baseline: BaselineParams,
}

impl Default for ItemKnnParams {
    fn default() -> Self {
        ItemKnnParams {
            similarity: KnnSimilarity::PearsonBaseline,
            k: 40,
            min_k: 1,
            // Light users' few neighbours moved predictions away from a better baseline (the
            // panel's many-users set); shrinking by the similarity mass keeps them near it.
            weight_reg: 1.0,
            shrinkage: None,
            min_support: 1,
            neighbors: 200,
            baseline: BaselineParams::default(),
        }
    }
}

impl ItemKnnParams {
    /// The shrinkage actually applied.
    pub fn shrink(&self) -> f64 {
        self.shrinkage.unwrap_or(match self.similarity {
            KnnSimilarity::PearsonBaseline => 100.0,
            KnnSimilarity::Cosine => 0.0,
        })
    }
}

#[derive(Debug, Clone)]
struct Fitted {
    shape: Shape,
    baseline: Baseline,
    rows: UserRows,
    nbrs: NeighborLists,
}

/// Item-based KNN with baselines (Surprise KNNBaseline) and neighbourhood-sum ranking.
#[derive(Debug, Clone)]
pub struct ItemKnn {
    params: ItemKnnParams,
    fitted: Option<Fitted>,
}

impl Configurable for ItemKnn {
    type Params = ItemKnnParams;
    fn from_params(p: Self::Params) -> Result<Self> {
        if p.k == 0 || p.neighbors == 0 {
            return invalid("k/neighbors", "must be at least 1");
        }
        if !(p.shrink().is_finite() && p.shrink() >= 0.0) {
            return invalid("shrinkage", "must be finite and >= 0");
        }
        if !(p.weight_reg.is_finite() && p.weight_reg >= 0.0) {
            return invalid("weight_reg", "must be finite and >= 0");
        }
        Baseline::from_params(p.baseline.clone())?;
        Ok(ItemKnn {
            params: p,
            fitted: None,
        })
    }
}

/// Per-thread accumulators of the similarity computation.
struct Scratch {
    xy: Vec<f64>,
    xx: Vec<f64>,
    yy: Vec<f64>,
    n: Vec<u32>,
    touched: Vec<u32>,
}

impl ItemKnn {
    cinerec_core::fitted_accessor!(Fitted, "itemknn");

    /// Stored neighbours of every item: for each item, the `neighbors` most similar items
    /// with a positive shrunk similarity.
    fn neighbour_lists(&self, data: &Dataset, bl: &Baseline) -> Result<NeighborLists> {
        let (mu, bu, bi) = bl.biases()?;
        let m = data.matrix();
        let n_items = data.n_items();
        let p = &self.params;
        let (pearson, shrink) = (p.similarity == KnnSimilarity::PearsonBaseline, p.shrink());
        let x = |u: u32, i: u32, r: f32| -> f64 {
            if pearson {
                r as f64 - mu - bu[u as usize] - bi[i as usize]
            } else {
                r as f64
            }
        };
        let init = || Scratch {
            xy: vec![0.0; n_items],
            xx: vec![0.0; n_items],
            yy: vec![0.0; n_items],
            n: vec![0; n_items],
            touched: Vec::new(),
        };
        let lists = par_map(n_items, init, |s: &mut Scratch, i| {
            let (users, pos) = m.item_col(ItemIdx(i as u32));
            for (&u, &k) in users.iter().zip(pos) {
                let xi = x(u, i as u32, m.value_at(k));
                let (items, vals) = m.user_row(UserIdx(u));
                for (&j, &r) in items.iter().zip(vals) {
                    let (j, xj) = (j as usize, x(u, j, r));
                    if s.n[j] == 0 {
                        s.touched.push(j as u32);
                    }
                    s.n[j] += 1;
                    s.xy[j] += xi * xj;
                    s.xx[j] += xi * xi;
                    s.yy[j] += xj * xj;
                }
            }
            let mut out = Vec::new();
            for &j in &s.touched {
                let j = j as usize;
                let n = s.n[j] as usize;
                let den = (s.xx[j] * s.yy[j]).sqrt();
                if j != i && n >= p.min_support.max(1) && den > 0.0 {
                    let mut sim = s.xy[j] / den;
                    if shrink > 0.0 {
                        sim *= (n as f64 - 1.0) / (n as f64 - 1.0 + shrink);
                    }
                    if sim > 0.0 && sim.is_finite() {
                        out.push((j as u32, sim as f32));
                    }
                }
                (s.xy[j], s.xx[j], s.yy[j], s.n[j]) = (0.0, 0.0, 0.0, 0);
            }
            s.touched.clear();
            keep_top(&mut out, p.neighbors);
            out
        });
        Ok(NeighborLists::from_lists(lists))
    }

    fn user_bias(&self, f: &Fitted, user: UserRef<'_>, profile: &[(u32, f32)]) -> Result<f64> {
        let (mu, bu, bi) = f.baseline.biases()?;
        Ok(match user {
            UserRef::Known(u) => bu[u.ix()],
            UserRef::Profile(_) | UserRef::Updated { .. } => {
                let dev: f64 = profile
                    .iter()
                    .map(|&(i, r)| r as f64 - mu - bi[i as usize])
                    .sum();
                let b = dev / (self.params.baseline.reg_u + profile.len() as f64);
                if b.is_finite() {
                    b
                } else {
                    0.0
                }
            }
        })
    }
}

impl Recommender for ItemKnn {
    fn name(&self) -> &'static str {
        "itemknn"
    }

    fn params(&self) -> serde_json::Value {
        let mut p = self.params.clone();
        p.shrinkage = Some(p.shrink());
        p.baseline.n_epochs = Some(p.baseline.epochs());
        serde_json::to_value(p).unwrap_or_default()
    }

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        let mut baseline = Baseline::new(self.params.baseline.clone());
        baseline.fit(data, &mut NoObserver)?;
        let nbrs = self.neighbour_lists(data, &baseline)?;
        let n_items = data.n_items();
        observer.on_progress(n_items as u64, n_items as u64);
        observer.on_epoch(&EpochReport {
            epoch: 1,
            epochs: 1,
            train_loss: 0.0,
            metrics: vec![(
                "neighbours_per_item".into(),
                nbrs.len() as f64 / n_items.max(1) as f64,
            )],
        });
        self.fitted = Some(Fitted {
            shape: Shape::of(data),
            baseline,
            rows: UserRows::of(data),
            nbrs,
        });
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        let f = self.fitted()?;
        f.shape.check_item(item)?;
        let mut profile = f.rows.profile(&f.shape, user)?;
        profile.sort_by_key(|p| p.0);
        let (mu, _, bi) = f.baseline.biases()?;
        let b_u = self.user_bias(f, user, &profile)?;
        let base = |j: usize| mu + b_u + bi[j];
        let (mut num, mut den, mut used) = (0.0f64, 0.0f64, 0usize);
        let (nbrs, sims) = f.nbrs.of(item.ix());
        for (&j, &s) in nbrs.iter().zip(sims) {
            if used == self.params.k {
                break;
            }
            if let Ok(p) = profile.binary_search_by_key(&j, |x| x.0) {
                num += s as f64 * (profile[p].1 as f64 - base(j as usize));
                den += s as f64;
                used += 1;
            }
        }
        let mut est = base(item.ix());
        if used >= self.params.min_k && den > 0.0 {
            est += num / (den + self.params.weight_reg);
        }
        Ok(f.shape.clip(est))
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_out(out)?;
        let profile = f.rows.profile(&f.shape, user)?;
        out.fill(0.0);
        for &(j, _) in &profile {
            let (nbrs, sims) = f.nbrs.of(j as usize);
            for (&n, &s) in nbrs.iter().zip(sims) {
                out[n as usize] += s;
            }
        }
        Ok(())
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        check_item(&f.shape, item, out)?;
        out.fill(0.0);
        let (nbrs, sims) = f.nbrs.of(item.ix());
        for (&n, &s) in nbrs.iter().zip(sims) {
            out[n as usize] = s;
        }
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let f = self.fitted()?;
        let baseline = f.baseline.save_state()?;
        Ok(write_state(TAG, &f.shape, |w| {
            w.bytes(&baseline);
            f.rows.write(w);
            f.nbrs.write(w);
        }))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let f = read_state(bytes, TAG, |r, shape| {
            let mut baseline = Baseline::new(self.params.baseline.clone());
            baseline.load_state(r.bytes()?)?;
            let (_, bu, bi) = baseline.biases()?;
            if bu.len() != shape.n_users || bi.len() != shape.n_items {
                return Err(CoreError::Corrupt("itemknn: baseline shape".into()));
            }
            let rows = UserRows::read(r, &shape)?;
            let nbrs = NeighborLists::read(r, shape.n_items)?;
            Ok(Fitted {
                shape,
                baseline,
                rows,
                nbrs,
            })
        })?;
        self.fitted = Some(f);
        Ok(())
    }
}
