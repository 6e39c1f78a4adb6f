//! [`RandomNormal`]: Surprise's `NormalPredictor` — a rating drawn from
//! `Normal(μ, σ)` of the training ratings (σ the population standard deviation), clipped to
//! the rating scale.
//!
//! Unlike Surprise, the draw is a pure function of `(seed, user, item)`: the pair is hashed
//! into the generator's seed, so `predict` gives the same value however often and in whatever
//! order it is called, and a saved model predicts exactly what the original did. Ranking
//! scores are the unclipped draws (random, but fixed per user).

use crate::common::{mean, mix64, read_state, user_key, write_state, Shape};
use cinerec_core::Configurable;
use cinerec_core::{
    CoreError, Dataset, EpochReport, FitObserver, ItemIdx, Recommender, Result, Rng, UserRef,
};
use serde::{Deserialize, Serialize};

const TAG: &[u8] = b"random/1";

/// Parameters of [`RandomNormal`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomParams {
    /// Seed of every draw.
    pub seed: u64,
}

impl Default for RandomParams {
    fn default() -> Self {
        RandomParams { seed: 42 }
    }
}

#[derive(Debug, Clone)]
struct Fitted {
    shape: Shape,
    mu: f64,
    sigma: f64,
}

/// Random ratings with the training data's mean and spread.
#[derive(Debug, Clone, Default)]
pub struct RandomNormal {
    params: RandomParams,
    fitted: Option<Fitted>,
}

impl RandomNormal {
    cinerec_core::model_basics!(RandomNormal, RandomParams, Fitted, "random");

    /// The unclipped draw for `(user key, item)`.
    fn draw(&self, f: &Fitted, ukey: u64, item: u32) -> f64 {
        let seed = mix64(mix64(self.params.seed, ukey), item as u64);
        f.mu + f.sigma * Rng::new(seed).normal()
    }
}

impl Configurable for RandomNormal {
    type Params = RandomParams;
    fn from_params(p: Self::Params) -> Result<Self> {
        Ok(RandomNormal::new(p))
    }
}

impl Recommender for RandomNormal {
    cinerec_core::name_and_params!("random");

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        let shape = Shape::of(data);
        let v = data.matrix().values();
        let mu = mean(v).unwrap_or_else(|| shape.mid());
        let var = v.iter().map(|&x| (x as f64 - mu).powi(2)).sum::<f64>() / v.len().max(1) as f64;
        self.fitted = Some(Fitted {
            shape,
            mu,
            sigma: var.sqrt(),
        });
        observer.on_epoch(&EpochReport {
            epoch: 1,
            epochs: 1,
            train_loss: var,
            metrics: vec![],
        });
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        let f = self.fitted()?;
        f.shape.check_user(user)?;
        f.shape.check_item(item)?;
        Ok(f.shape.clip(self.draw(f, user_key(user), item.0)))
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_user(user)?;
        f.shape.check_out(out)?;
        let key = user_key(user);
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.draw(f, key, i as u32) as f32;
        }
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let f = self.fitted()?;
        Ok(write_state(TAG, &f.shape, |w| {
            w.f64(f.mu);
            w.f64(f.sigma);
        }))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let f = read_state(bytes, TAG, |r, shape| {
            let (mu, sigma) = (r.f64()?, r.f64()?);
            Ok(Fitted { shape, mu, sigma })
        })?;
        if !f.mu.is_finite() || !f.sigma.is_finite() || f.sigma < 0.0 {
            return Err(CoreError::Corrupt(format!(
                "random: mean {}, std {}",
                f.mu, f.sigma
            )));
        }
        self.fitted = Some(f);
        Ok(())
    }
}
