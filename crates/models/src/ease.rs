//! [`Ease`]: Steck's EASE (2019), a closed-form item–item linear autoencoder:
//! `P = (XᵀX + λI)⁻¹`, `B = I − P·diag(1/diag(P))` (so `diag(B) = 0`), ranking score
//! `x_u · B`. `X` is the binary interaction matrix (or the ratings with `binary: false`).
//! By default a known user's `x_u` weighs their movies by recency (`half_life`, in ratings):
//! on the temporal split the next movies follow the latest ones.
//!
//! The inverse is computed in `f64` with faer (`ease_linalg`): Cholesky `G = LLᵀ`, `L⁻¹`,
//! `P = L⁻ᵀL⁻¹`, blocked and parallel on rayon's pool.
//! Dense matrices limit the catalogue: the item–item model covers the `max_dense` most-rated
//! movies (all of them on catalogues up to that size, ML-100K's 1,682 included); the long
//! tail beyond, whose few ratings carry little item–item signal, gets no weights. Every score
//! also carries a tie-breaking popularity term `ε·ln(1 + count)` far below any item–item
//! score, so tail movies rank by popularity after the scored ones and a user with no
//! training rating gets the popularity ranking instead of all ties. Above `max_items` movies
//! in the dense set (by default: what the machine's available memory holds) fitting refuses
//! with an [`CoreError::InvalidParam`] naming the memory it would need. Similar movies are `B`'s
//! columns (`B[j][i]` = weight of movie `j` in scoring `i`), which also makes the default
//! explanation the user's movies with the largest contributions to the score. Ranking only:
//! `predict` is [`CoreError::Unsupported`].

use crate::common::{read_state, write_state, Shape};
use crate::ease_linalg::{
    auto_max_items, gram, invert_spd, mem_available, weights, BYTES_PER_CELL,
};
use crate::linalg::axpy;
use crate::neighbors::{check_item, invalid, UserRows};
use cinerec_core::Configurable;
use cinerec_core::{CoreError, Dataset, EpochReport, FitObserver, ItemIdx, Recommender, Result};
use cinerec_core::{UserIdx, UserRef};
use serde::{Deserialize, Serialize};

const TAG: &[u8] = b"ease/1";

/// Parameters of [`Ease`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EaseParams {
    /// L2 regularisation λ added to the Gram matrix's diagonal.
    pub lambda: f64,
    /// Largest dense item set accepted: the fit holds dense `n × n` matrices, `n² × 20`
    /// bytes at its peak ([`ease_memory`]). `None` (the default): the largest `n` whose fit
    /// fits in the machine's `MemAvailable` (`/proc/meminfo`, read at fit time) less a
    /// headroom of 1 GiB plus an eighth — about 30,000 movies with 21 GiB available (24 GiB
    /// machine), 20,000 movies taking 8 GB; 20,000 where `/proc/meminfo` cannot be read.
    /// Above it fitting refuses with [`CoreError::InvalidParam`] naming the memory needed.
    /// See also `max_dense`, which picks the movies.
    pub max_items: Option<usize>,
    /// The dense item–item model covers at most this many movies, the most rated (ties: lower
    /// id); the others are ranked by popularity only. Keeps the fit fast on 10k+ catalogues.
    pub max_dense: usize,
    /// Use 0/1 interactions (Steck) instead of the rating values.
    pub binary: bool,
    /// When set, a known user's profile weighs each rated movie by recency,
    /// `0.5^(m / half_life)` with `m` = the user's later ratings (the Gram matrix is
    /// unchanged). Profiles passed in (no timestamps) are unweighted.
    pub half_life: Option<f64>,
}

impl Default for EaseParams {
    fn default() -> Self {
        // Chosen on a validation split carved from the ML-100K temporal train file (last 20%
        // of each user's train ratings): grid over lambda 50–1200 × half_life 2–80/none, see
        // examples/tune_neighbours.rs.
        EaseParams {
            lambda: 800.0,
            max_items: None,
            // Fit time grows as n³: 3,000 movies fit in seconds; beyond them (on 10k-movie
            // catalogues, movies with a handful of ratings) EASE had no edge over popularity
            // and took 422 s (issue #15; 9,000 movies now fit in ~30 s on faer, issue #16).
            max_dense: 3_000,
            binary: true,
            half_life: Some(5.0),
        }
    }
}

#[derive(Debug, Clone)]
struct Fitted {
    shape: Shape,
    rows: UserRows,
    /// Recency weights of the training rows (with `half_life`).
    recency: Option<UserRows>,
    /// Dense index of each item (`NONE` outside the dense set).
    dense: Vec<u32>,
    /// Size of the dense set.
    m: usize,
    /// `m × m` row-major over dense indices: `b[j * m + i]` = weight of item `j` for item `i`.
    b: Vec<f32>,
    /// The tie-breaking popularity term of each item, `ε·ln(1 + count)`.
    prior: Vec<f32>,
}

/// No dense index.
const NONE: u32 = u32::MAX;
/// Weight of the popularity tie-breaker: far below item–item scores (≥ 1e-3 in practice for
/// any movie related to the profile) even for the most rated movie (ln(1 + 10⁶) ≈ 14).
const PRIOR_EPS: f32 = 1e-6;

/// Training ratings per item, from the user rows.
fn item_counts(rows: &UserRows, shape: &Shape) -> Result<Vec<u32>> {
    let mut c = vec![0u32; shape.n_items];
    for u in 0..shape.n_users {
        for (j, _) in rows.profile(shape, UserRef::Known(UserIdx(u as u32)))? {
            c[j as usize] += 1;
        }
    }
    Ok(c)
}

/// The dense set: the `max_dense` most-rated items with at least one rating (ties: lower
/// id), as (dense index per item, size), and the popularity prior.
fn dense_set(counts: &[u32], max_dense: usize) -> (Vec<u32>, usize, Vec<f32>) {
    let mut order: Vec<u32> = (0..counts.len() as u32)
        .filter(|&i| counts[i as usize] > 0)
        .collect();
    order.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
    order.truncate(max_dense);
    order.sort_unstable();
    let mut dense = vec![NONE; counts.len()];
    for (d, &i) in order.iter().enumerate() {
        dense[i as usize] = d as u32;
    }
    let prior = counts
        .iter()
        .map(|&c| PRIOR_EPS * (1.0 + c as f32).ln())
        .collect();
    (dense, order.len(), prior)
}

/// EASE: closed-form item–item model.
#[derive(Debug, Clone)]
pub struct Ease {
    params: EaseParams,
    fitted: Option<Fitted>,
}

impl Configurable for Ease {
    type Params = EaseParams;
    fn from_params(p: Self::Params) -> Result<Self> {
        if !(p.lambda.is_finite() && p.lambda > 0.0) {
            return invalid("lambda", "must be finite and > 0");
        }
        if p.half_life.is_some_and(|h| !(h.is_finite() && h > 0.0)) {
            return invalid("half_life", "must be finite and > 0");
        }
        Ok(Ease {
            params: p,
            fitted: None,
        })
    }
}

/// Human-readable memory EASE needs for `n` items.
pub fn ease_memory(n: usize) -> String {
    let bytes = (n as u64)
        .saturating_mul(n as u64)
        .saturating_mul(BYTES_PER_CELL);
    format!(
        "{n}² × {BYTES_PER_CELL} bytes = {:.2} GiB (f64 Gram/factor/inverse 8 + f64 L⁻¹ 8 + \
         the f32 B of the model a retrain replaces 4 bytes per cell)",
        bytes as f64 / (1u64 << 30) as f64
    )
}

/// Refuses a dense set of `n` movies above `max_items` (automatic: [`auto_max_items`]) or,
/// whatever `max_items` says, above the memory available now.
fn check_memory(n: usize, max_items: Option<usize>) -> Result<()> {
    let available = mem_available();
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let (limit, why) = match max_items {
        Some(m) => (m, String::new()),
        None => (
            auto_max_items(),
            available.map_or(" (automatic: /proc/meminfo unreadable)".into(), |a| {
                format!(" (automatic, from {:.1} GiB available)", gib(a))
            }),
        ),
    };
    let need = (n as u64)
        .saturating_mul(n as u64)
        .saturating_mul(BYTES_PER_CELL);
    let short = available.filter(|&a| need > a);
    if n > limit || short.is_some() {
        let fix = short.map_or(String::new(), |a| {
            format!("; only {:.1} GiB are available", gib(a))
        });
        return invalid(
            "max_items",
            format!(
                "EASE needs dense {n} × {n} matrices for the {n} rated movies it covers: {}; \
                 max_items is {limit}{why}{fix} (lower max_dense, free memory, or use itemknn)",
                ease_memory(n),
            ),
        );
    }
    Ok(())
}

impl Ease {
    cinerec_core::fitted_accessor!(Fitted, "ease");
}

impl Recommender for Ease {
    cinerec_core::name_and_params!("ease");

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        let shape = Shape::of(data);
        let rows = UserRows::of(data);
        let (dense, n, prior) = dense_set(&item_counts(&rows, &shape)?, self.params.max_dense);
        check_memory(n, self.params.max_items)?;
        let t = std::time::Instant::now();
        let mut g = gram(
            &rows,
            &shape,
            &dense,
            NONE,
            n,
            self.params.binary,
            self.params.lambda,
        )?;
        let t_gram = t.elapsed().as_secs_f64();
        if !invert_spd(&mut g, n)? {
            return invalid("lambda", "XᵀX + λI is not positive definite (λ too small?)");
        }
        let t_inverse = t.elapsed().as_secs_f64() - t_gram;
        let b = weights(&mut g, n)?;
        drop(g);
        if !b.iter().all(|x| x.is_finite()) {
            return invalid("lambda", "the EASE weights are not finite");
        }
        let t_weights = t.elapsed().as_secs_f64() - t_gram - t_inverse;
        observer.on_progress(n as u64, n as u64);
        observer.on_epoch(&EpochReport {
            epoch: 1,
            epochs: 1,
            train_loss: 0.0,
            metrics: vec![
                ("items".into(), n as f64),
                ("gram_seconds".into(), t_gram),
                ("inverse_seconds".into(), t_inverse),
                ("weights_seconds".into(), t_weights),
            ],
        });
        let recency = self.params.half_life.map(|h| UserRows::recency(data, h));
        self.fitted = Some(Fitted {
            shape,
            rows,
            recency,
            dense,
            m: n,
            b,
            prior,
        });
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        self.fitted()?.shape.no_prediction(
            user,
            item,
            "ease",
            "rating prediction (EASE is a ranking model)",
        )
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_out(out)?;
        let m = f.m;
        let weighted = match (&f.recency, user) {
            (Some(rec), UserRef::Known(_)) => Some(rec.profile(&f.shape, user)?),
            _ => None,
        };
        let profile = f.rows.profile(&f.shape, user)?;
        let mut acc = vec![0f32; m];
        for (k, &(j, r)) in profile.iter().enumerate() {
            let d = f.dense[j as usize];
            if d == NONE {
                continue;
            }
            let x = if self.params.binary { 1.0 } else { r };
            let x = weighted.as_ref().map_or(x, |w| x * w[k].1);
            axpy(x, &f.b[d as usize * m..d as usize * m + m], &mut acc);
        }
        for ((o, &d), &pr) in out.iter_mut().zip(&f.dense).zip(&f.prior) {
            *o = pr + if d == NONE { 0.0 } else { acc[d as usize] };
        }
        Ok(())
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        check_item(&f.shape, item, out)?;
        let (m, di) = (f.m, f.dense[item.ix()]);
        for (o, &dj) in out.iter_mut().zip(&f.dense) {
            *o = if di == NONE || dj == NONE {
                0.0
            } else {
                f.b[dj as usize * m + di as usize]
            };
        }
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let f = self.fitted()?;
        Ok(write_state(TAG, &f.shape, |w| {
            f.rows.write(w);
            w.u32(f.recency.is_some() as u32);
            if let Some(rec) = &f.recency {
                rec.write(w);
            }
            w.f32s(&f.b);
        }))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let f = read_state(bytes, TAG, |r, shape| {
            let rows = UserRows::read(r, &shape)?;
            let recency = match r.u32()? {
                0 => None,
                1 => Some(UserRows::read(r, &shape)?),
                _ => return Err(CoreError::Corrupt("ease: recency flag".into())),
            };
            if recency.as_ref().is_some_and(|x| x.len() != rows.len()) {
                return Err(CoreError::Corrupt("ease: recency rows".into()));
            }
            let b = r.f32s()?;
            // The dense set is a function of the training rows and `max_dense`: rebuilt, not
            // stored (the file format is unchanged).
            let (dense, m, prior) = dense_set(&item_counts(&rows, &shape)?, self.params.max_dense);
            Ok(Fitted {
                shape,
                rows,
                recency,
                dense,
                m,
                b,
                prior,
            })
        })?;
        let n = f.m;
        if f.b.len() as u64 != (n as u64) * (n as u64) || !f.b.iter().all(|x| x.is_finite()) {
            return Err(CoreError::Corrupt("ease: weight matrix size".into()));
        }
        self.fitted = Some(f);
        Ok(())
    }
}

#[cfg(test)]
#[path = "ease_tests.rs"]
mod tests;
