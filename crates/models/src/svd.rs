//! [`Svd`]: Surprise's `SVD` — Funk-style biased matrix factorisation
//! `r̂ = μ + b_u + b_i + q_iᵀp_u`, trained by SGD with Surprise's update rule, parameter names
//! and defaults (`random_state` is `seed`), plus `threads` for partitioned parallel SGD
//! (see [`crate::sgd`] for the engine, [`crate::sgd_model`] for prediction and fold-in).
//!
//! Results are a pure function of the data, the parameters and the number of training
//! threads actually used (never of scheduling): `threads: 1` reproduces a fit on any machine;
//! the default `threads: 0` uses every core, so large fits are reproducible on machines with
//! the same core count (data under [`MIN_RATINGS_PER_THREAD`] ratings per thread always trains
//! on one thread, which is why the contract suite's determinism check holds by default).
//! Factors start ~ Normal(init_mean, init_std_dev) in `f32`, biases at 0. The training RMSE
//! reported per epoch is over the errors seen during the epoch (before each update), as SGD
//! libraries report it, so it costs no extra pass.

use crate::common::{bad, mean, read_state, write_state, Shape};
use crate::factors::Factors;
use crate::sgd::{Grid, Params, Rates};
use crate::sgd_model::MfFit;
use cinerec_core::Configurable;
use cinerec_core::{
    Dataset, EpochReport, FitObserver, ItemIdx, Recommender, Result, Rng, UserIdx, UserRef,
};
use serde::{Deserialize, Serialize};

const TAG: &[u8] = b"svd/1";

/// Below this many ratings per thread, extra threads are not used (their start-up costs more
/// than they save, and small fits stay identical on every machine).
pub const MIN_RATINGS_PER_THREAD: usize = 20_000;

/// Parameters of [`Svd`], named and defaulted as Surprise's `SVD`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SvdParams {
    /// Number of latent factors.
    pub n_factors: usize,
    /// SGD epochs.
    pub n_epochs: usize,
    /// Use the biases `μ + b_u + b_i` (false = probabilistic MF).
    pub biased: bool,
    /// Mean of the factors' initial normal distribution.
    pub init_mean: f64,
    /// Standard deviation of the factors' initial normal distribution.
    pub init_std_dev: f64,
    /// Learning rate of every term without its own.
    pub lr_all: f64,
    /// Regularisation of every term without its own.
    pub reg_all: f64,
    /// Learning rate of the user bias (`None` = `lr_all`).
    pub lr_bu: Option<f64>,
    /// Learning rate of the item bias (`None` = `lr_all`).
    pub lr_bi: Option<f64>,
    /// Learning rate of the user factors (`None` = `lr_all`).
    pub lr_pu: Option<f64>,
    /// Learning rate of the item factors (`None` = `lr_all`).
    pub lr_qi: Option<f64>,
    /// Regularisation of the user bias (`None` = `reg_all`).
    pub reg_bu: Option<f64>,
    /// Regularisation of the item bias (`None` = `reg_all`).
    pub reg_bi: Option<f64>,
    /// Regularisation of the user factors (`None` = `reg_all`).
    pub reg_pu: Option<f64>,
    /// Regularisation of the item factors (`None` = `reg_all`).
    pub reg_qi: Option<f64>,
    /// Random seed (Surprise's `random_state`).
    pub seed: u64,
    /// Training threads; 0 = all cores. 1 reproduces a fit exactly on any machine.
    pub threads: usize,
}

impl Default for SvdParams {
    fn default() -> Self {
        SvdParams {
            n_factors: 100,
            n_epochs: 20,
            biased: true,
            init_mean: 0.0,
            // Surprise's 0.1 leaves rarely rated movies and users with untrained factors whose
            // dot products are noise of std ~ sqrt(k)·σ² (0.1 for k = 100): on sparse data that
            // noise alone made SVD lose to BaselineOnly. 0.03 removes it (issue #15 panel,
            // bench/panel/results.md) and is better on ML-100K too (SVD 0.9287 → 0.9262,
            // SVD++ 0.9156 → 0.9067 on the peers' 80/20 split).
            init_std_dev: 0.03,
            lr_all: 0.005,
            reg_all: 0.02,
            lr_bu: None,
            lr_bi: None,
            lr_pu: None,
            lr_qi: None,
            reg_bu: None,
            reg_bi: None,
            reg_pu: None,
            reg_qi: None,
            seed: 42,
            threads: 0,
        }
    }
}

impl SvdParams {
    /// Every term's learning rate and regularisation.
    pub(crate) fn rates(&self) -> Rates {
        let lr = |o: Option<f64>| o.unwrap_or(self.lr_all) as f32;
        let reg = |o: Option<f64>| o.unwrap_or(self.reg_all) as f32;
        Rates {
            lr_bu: lr(self.lr_bu),
            lr_bi: lr(self.lr_bi),
            lr_pu: lr(self.lr_pu),
            lr_qi: lr(self.lr_qi),
            reg_bu: reg(self.reg_bu),
            reg_bi: reg(self.reg_bi),
            reg_pu: reg(self.reg_pu),
            reg_qi: reg(self.reg_qi),
        }
    }
}

/// Checks the parameters shared by SVD and SVD++.
pub(crate) fn validate(
    n_factors: usize,
    n_epochs: usize,
    init: (f64, f64),
    lrs: &[(&str, Option<f64>)],
    regs: &[(&str, Option<f64>)],
) -> Result<()> {
    if !(1..=4096).contains(&n_factors) {
        return bad("n_factors", "must be in 1..=4096");
    }
    if n_epochs > 100_000 {
        return bad("n_epochs", "must be at most 100000");
    }
    if !(init.0.is_finite() && init.1.is_finite() && init.1 >= 0.0) {
        return bad("init_mean/init_std_dev", "must be finite, std >= 0");
    }
    for &(name, v) in lrs {
        if v.is_some_and(|v| !(v.is_finite() && v > 0.0 && v < 1.0)) {
            return bad(name, "learning rate must be in (0, 1)");
        }
    }
    for &(name, v) in regs {
        if v.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            return bad(name, "regularisation must be finite and >= 0");
        }
    }
    Ok(())
}

/// Checks an SGD model's parameters with [`validate`]: `n_factors`, `n_epochs`, the initial
/// distribution, `lr_all` then the listed per-term learning rates, `reg_all` then the listed
/// per-term regularisations (each reported under its field name).
macro_rules! validate_params {
    ($p:expr, [$($lr:ident),*], [$($reg:ident),*]) => {
        $crate::svd::validate(
            $p.n_factors,
            $p.n_epochs,
            ($p.init_mean, $p.init_std_dev),
            &[("lr_all", Some($p.lr_all)), $((stringify!($lr), $p.$lr)),*],
            &[("reg_all", Some($p.reg_all)), $((stringify!($reg), $p.$reg)),*],
        )
    };
}
pub(crate) use validate_params;

/// Ends an SGD epoch: reports the training RMSE of the epoch's squared errors `sse` over `nnz`
/// ratings to `observer`, or returns the divergence error when it is not finite (then nothing
/// is reported).
pub(crate) fn end_epoch(
    observer: &mut dyn FitObserver,
    epoch: usize,
    epochs: usize,
    sse: f64,
    nnz: usize,
) -> Result<()> {
    let mse = sse / nnz.max(1) as f64;
    if !mse.is_finite() {
        return bad("lr_all", &format!("training diverged at epoch {epoch}"));
    }
    observer.on_epoch(&EpochReport {
        epoch,
        epochs,
        train_loss: mse,
        metrics: vec![("train_rmse".into(), mse.sqrt())],
    });
    Ok(())
}

/// Number of threads to use: `threads` (0 = all cores), at most one per
/// [`MIN_RATINGS_PER_THREAD`] ratings.
pub(crate) fn effective_threads(threads: usize, nnz: usize) -> usize {
    let want = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    want.min(nnz / MIN_RATINGS_PER_THREAD).clamp(1, 256)
}

/// Training ratings per user and per item.
pub(crate) fn counts(data: &Dataset) -> (Vec<u32>, Vec<u32>) {
    let m = data.matrix();
    let u = (0..m.n_users())
        .map(|u| m.user_count(UserIdx(u as u32)) as u32)
        .collect();
    let i = (0..m.n_items())
        .map(|i| m.item_count(ItemIdx(i as u32)) as u32)
        .collect();
    (u, i)
}

/// Biased matrix factorisation trained by SGD (Surprise's `SVD`).
#[derive(Debug, Clone, Default)]
pub struct Svd {
    params: SvdParams,
    fitted: Option<MfFit>,
}

impl Svd {
    cinerec_core::model_basics!(Svd, SvdParams, pub(crate) MfFit, "svd");

    fn user<'a>(&'a self, user: UserRef<'_>) -> Result<crate::sgd_model::UserVec<'a>> {
        let r = self.params.rates();
        self.fitted()?.user(user, None, r.reg_bu, r.reg_pu)
    }
}

impl Configurable for Svd {
    type Params = SvdParams;
    fn from_params(p: SvdParams) -> Result<Self> {
        validate_params!(
            p,
            [lr_bu, lr_bi, lr_pu, lr_qi],
            [reg_bu, reg_bi, reg_pu, reg_qi]
        )?;
        if p.threads > 256 {
            return bad("threads", "must be at most 256");
        }
        Ok(Svd::new(p))
    }
}

impl Recommender for Svd {
    cinerec_core::name_and_params!("svd");

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        let p = &self.params;
        let shape = Shape::of(data);
        let m = data.matrix();
        let mu = mean(m.values()).unwrap_or_else(|| shape.mid()) as f32;
        // Trained with rows padded to a multiple of 8 floats (whole SIMD lanes, no scalar
        // tail); the pad starts at 0 and SGD keeps it at exactly 0 (its gradient terms are
        // products with pad values).
        let k_out = p.n_factors;
        let k = k_out.next_multiple_of(8);
        let mut rng = Rng::new(p.seed);
        let mut f = Factors::normal_padded(
            shape.n_users,
            shape.n_items,
            k_out,
            k,
            p.init_mean as f32,
            p.init_std_dev as f32,
            &mut rng,
        );
        let (mut bu, mut bi) = (vec![0f32; shape.n_users], vec![0f32; shape.n_items]);
        let mut grid = Grid::new(m, effective_threads(p.threads, m.nnz()), k, rng.next_u64());
        let rates = p.rates();
        let mut params = Params {
            k,
            mu,
            biased: p.biased,
            users: &mut f.users,
            items: &mut f.items,
            bu: &mut bu,
            bi: &mut bi,
        };
        let mut outcome = Ok(());
        grid.train(&mut params, &rates, p.seed, p.n_epochs, |epoch, sse| {
            outcome = end_epoch(observer, epoch, p.n_epochs, sse, m.nnz());
            outcome.is_ok()
        });
        outcome?;
        let counts = counts(data);
        let fit = MfFit::new(shape, mu, p.biased, (bu, bi), f.unpadded(k_out), counts).zeroed();
        self.fitted = Some(fit);
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        self.fitted()?.predict(&self.user(user)?, item)
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        self.fitted()?.score_all(&self.user(user)?, out)
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        self.fitted()?.item_similarities(item, out)
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let fit = self.fitted()?;
        Ok(write_state(TAG, &fit.shape, |w| fit.write(w)))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        self.fitted = Some(read_state(bytes, TAG, MfFit::read)?);
        Ok(())
    }
}
