//! [`TwoTower`]: the two-tower multitask model (TensorFlow Recommenders' multitask tutorial
//! shape). A user embedding table and a movie embedding table (the two towers) feed two
//! tasks trained jointly with Adagrad:
//! - **rating**: `Dense(256, ReLU) → Dense(128, ReLU) → Dense(1)` over `[user ; movie]`,
//!   mean squared error against the rating;
//! - **retrieval**: in-batch softmax over the movie tower (optionally with sampled uniform
//!   negatives, cosine logits, a temperature, the log-q correction and accidental-hit
//!   removal — see `twotower_net.rs`), cross-entropy against the batch's own movie; or,
//!   with `full_softmax`, the exact softmax over every movie of the catalogue;
//!
//! total loss = `rating_weight × MSE + retrieval_weight × retrieval loss` (the MSE a mean
//! over the batch, the retrieval loss summed or averaged, `retrieval_reduction`). With
//! `user_history` the user tower also pools a learned embedding of the user's training
//! movies. After training the weights are copied out (`twotower_weights.rs`): `score_all`
//! is the retrieval score (user · movie embedding, used for ranking and factorized top-K),
//! `predict` the rating network (with `residual`: the biases plus the network's residual
//! scaled by the user's and movie's training support, [`crate::shrink`]; 0 for a user or
//! movie without training ratings) clipped to the scale, `item_similarities` the cosine of
//! movie embeddings, and a new visitor's profile is folded in against the fixed towers
//! without retraining. Training (`twotower_fit.rs`) needs the `train` feature; everything
//! else runs on the copied-out weights without burn.

use crate::error::Result;
pub use crate::twotower_params::{Reduction, TwoTowerParams};
use crate::twotower_weights::{Weights, TAG};

/// The state of a model whose rating network predicts residuals over biases (`twotower/1`,
/// [`TAG`], is one that predicts ratings; both load).
const TAG_RESIDUAL_V2: &[u8] = b"twotower/2";
/// The same with the users' and movies' training support and the residual shrink.
const TAG_RESIDUAL: &[u8] = b"twotower/3";
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, Dataset, FitObserver, ItemIdx, Recommender, UserRef};
use std::sync::Mutex;

/// The last user folded in (their profile, and for an updated trained user their id and new
/// ratings) and the embedding (`predict` is called item by item).
type FoldCache = Mutex<Option<(Vec<(u32, u32)>, Vec<f32>)>>;

/// The two-tower multitask recommender (see the module docs).
#[derive(Debug)]
pub struct TwoTower {
    params: TwoTowerParams,
    fitted: Option<Weights>,
    last_fold: FoldCache,
}

impl Clone for TwoTower {
    fn clone(&self) -> Self {
        TwoTower {
            params: self.params.clone(),
            fitted: self.fitted.clone(),
            last_fold: Mutex::new(None),
        }
    }
}

impl TwoTower {
    /// An unfitted model; fails on out-of-range parameters.
    pub fn new(params: TwoTowerParams) -> Result<Self> {
        params.validate()?;
        Ok(TwoTower {
            params,
            fitted: None,
            last_fold: Mutex::new(None),
        })
    }

    /// The parameters.
    pub fn parameters(&self) -> &TwoTowerParams {
        &self.params
    }

    fn weights(&self) -> cinerec_core::Result<&Weights> {
        self.fitted.as_ref().ok_or(CoreError::NotFitted("twotower"))
    }

    fn forget_fold(&self) {
        if let Ok(mut c) = self.last_fold.lock() {
            *c = None;
        }
    }

    /// Trains the weights on `data` (with burn).
    #[cfg(feature = "train")]
    fn train(&self, data: &Dataset, obs: &mut dyn FitObserver) -> cinerec_core::Result<Weights> {
        Ok(crate::twotower_fit::fit(data, &self.params, obs)?)
    }

    /// Refuses: this build has no `train` feature.
    #[cfg(not(feature = "train"))]
    fn train(&self, _: &Dataset, _: &mut dyn FitObserver) -> cinerec_core::Result<Weights> {
        crate::error::no_training("twotower")
    }

    /// The fold-in of a profile against the fixed towers (on the baseline's residuals when
    /// the model has one).
    fn fold(&self, w: &Weights, p: &[(ItemIdx, f32)]) -> Vec<f32> {
        match &w.base {
            Some(b) => {
                let pb = b.profile_bias(p);
                let resid: Vec<(ItemIdx, f32)> = p
                    .iter()
                    .map(|&(i, r)| (i, r - b.get(None, i.ix()) - pb))
                    .collect();
                w.fold_in(&resid, &self.params.fold_cfg())
            }
            None => w.fold_in(p, &self.params.fold_cfg()),
        }
    }

    /// The user embedding for `user`: learned (known user), folded in (profile), or for a
    /// trained user with new ratings the learned one moved by what they change.
    pub fn user_embedding(&self, user: UserRef<'_>) -> cinerec_core::Result<Vec<f32>> {
        let w = self.weights()?;
        match user {
            UserRef::Known(u) if u.ix() < w.n_users => Ok(w.user(u.ix()).to_vec()),
            UserRef::Known(u) => Err(CoreError::UnknownUser(u.to_string())),
            UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
                if let Some((i, _)) = p.iter().find(|(i, _)| i.ix() >= w.n_items) {
                    return Err(CoreError::UnknownItem(i.to_string()));
                }
                let trained = match user {
                    UserRef::Updated { user, new, .. } if user.ix() < w.n_users => {
                        Some((user, new))
                    }
                    UserRef::Updated { user, .. } => {
                        return Err(CoreError::UnknownUser(user.to_string()))
                    }
                    _ => None,
                };
                let mut key: Vec<(u32, u32)> = p.iter().map(|(i, v)| (i.0, v.to_bits())).collect();
                if let Some((u, new)) = trained {
                    key.push((u32::MAX, u.0));
                    key.extend(new.iter().map(|(i, v)| (i.0, v.to_bits())));
                }
                if let Ok(c) = self.last_fold.lock() {
                    if let Some((_, u)) = c.as_ref().filter(|c| c.0 == key) {
                        return Ok(u.clone());
                    }
                }
                let u = match trained {
                    // A trained user with new ratings: their trained embedding moved by what the
                    // new ratings change in a fold-in (the fold-in of the profile minus that of
                    // the profile without them), so the training signal is kept and a rating
                    // re-posted unchanged (not new) moves nothing.
                    Some((u, new)) => {
                        let (with, before) = (self.fold(w, p), self.fold(w, &without_new(p, new)));
                        w.user(u.ix())
                            .iter()
                            .zip(with.iter().zip(&before))
                            .map(|(t, (a, b))| t + (a - b))
                            .collect()
                    }
                    None => self.fold(w, p),
                };
                if let Ok(mut c) = self.last_fold.lock() {
                    *c = Some((key, u.clone()));
                }
                Ok(u)
            }
        }
    }
}

/// `profile` without the movies of `new`.
fn without_new(profile: &[(ItemIdx, f32)], new: &[(ItemIdx, f32)]) -> Vec<(ItemIdx, f32)> {
    profile
        .iter()
        .copied()
        .filter(|r| !new.iter().any(|n| n.0 == r.0))
        .collect()
}

impl Recommender for TwoTower {
    cinerec_core::name_and_params!("twotower");

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> cinerec_core::Result<()> {
        self.fitted = None;
        self.forget_fold();
        self.fitted = Some(self.train(data, observer)?);
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> cinerec_core::Result<f32> {
        let w = self.weights()?;
        let u = self.user_embedding(user)?;
        if item.ix() >= w.n_items {
            return Err(CoreError::UnknownItem(item.to_string()));
        }
        let bias = match (&w.base, user) {
            (None, _) => 0.0,
            (Some(b), UserRef::Known(u)) => b.user[u.ix()],
            // As for the embedding: the trained bias moved by what the new ratings change.
            (
                Some(b),
                UserRef::Updated {
                    user: u,
                    profile,
                    new,
                },
            ) if u.ix() < b.user.len() => {
                b.user[u.ix()]
                    + (b.profile_bias(profile) - b.profile_bias(&without_new(profile, new)))
            }
            (Some(b), UserRef::Profile(p) | UserRef::Updated { profile: p, .. }) => {
                b.profile_bias(p)
            }
        };
        let support = w
            .base
            .as_ref()
            .and_then(|b| b.support.as_ref())
            .map_or(0.0, |s| s.user(user));
        Ok(w.predict(&u, item.ix(), bias, support))
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> cinerec_core::Result<()> {
        let w = self.weights()?;
        let u = self.user_embedding(user)?;
        if out.len() != w.n_items {
            return Err(CoreError::Mismatch(format!(
                "score buffer of {} for {} movies",
                out.len(),
                w.n_items
            )));
        }
        w.scores(&u, out);
        Ok(())
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> cinerec_core::Result<()> {
        let w = self.weights()?;
        if item.ix() >= w.n_items {
            return Err(CoreError::UnknownItem(item.to_string()));
        }
        if out.len() != w.n_items {
            return Err(CoreError::Mismatch(format!(
                "similarity buffer of {} for {} movies",
                out.len(),
                w.n_items
            )));
        }
        w.similarities(item.ix(), out);
        Ok(())
    }

    fn save_state(&self) -> cinerec_core::Result<Vec<u8>> {
        // The weights go in as one length-prefixed block, so a truncated state is refused
        // by its length before anything is parsed.
        let mut inner = StateWriter::new(b"");
        self.weights()?.write(&mut inner);
        let weights = self.weights()?;
        let Some(base) = &weights.base else {
            let mut w = StateWriter::new(TAG);
            w.bytes(&inner.finish());
            return Ok(w.finish());
        };
        base.write(&mut inner);
        let mut w = StateWriter::new(TAG_RESIDUAL);
        w.bytes(&inner.finish());
        Ok(w.finish())
    }

    fn load_state(&mut self, bytes: &[u8]) -> cinerec_core::Result<()> {
        let tag = crate::ae_shape::tag_of(bytes, &[TAG_RESIDUAL, TAG_RESIDUAL_V2], TAG);
        let residual = tag != TAG;
        let mut outer = StateReader::new(bytes, tag)?;
        let block = outer.bytes()?;
        outer.finish()?;
        let mut r = StateReader::new(block, b"")?;
        let mut w = Weights::read(&mut r)?;
        if residual {
            w.base = Some(crate::biases::Biases::read(
                &mut r,
                w.n_users,
                w.n_items,
                tag == TAG_RESIDUAL,
            )?);
        }
        r.finish()?;
        if w.dim != self.params.embedding_dim {
            return Err(CoreError::Corrupt(format!(
                "state has {}-d embeddings, parameters say {}",
                w.dim, self.params.embedding_dim
            )));
        }
        self.fitted = Some(w);
        self.forget_fold();
        Ok(())
    }
}
