//! [`Autoencoder`]: the user-based rating autoencoder of the references. Input = the user's
//! rating vector over all movies (missing = 0) concatenated with their encoded demographics
//! (age bucket, gender, occupation one-hot; [`crate::ae_demo`]); encoder 256 → 128 → 64,
//! decoder mirrored (128 → 256 → movies), hidden activations ReLU by default; loss = MSE on
//! the observed ratings only plus L2 on the weights, Adam on mini-batches of users, 70 epochs
//! by default (`ae_fit.rs`, feature `train`).
//!
//! By default (`residual`) the network works on each rating's residual over
//! [`crate::biases::Biases`] (global mean + regularised user and movie biases, from the
//! training data, so any rating scale): the input holds residuals (missing = 0 = "as the
//! baseline"), the output is linear and added to the baseline, scaled by the user's and
//! movie's training support ([`crate::shrink`], fitted on the hold-out; 0 for a user or movie
//! without training ratings), so a sparse movie or user falls back to the baseline. `residual: false` (the `reference` preset) is the references'
//! network: raw ratings in, a sigmoid output scaled to the training data's rating range.
//!
//! Sparse throughout: training densifies one mini-batch of users at a time; scoring runs the
//! first layer as a sparse product over the user's rated movies and demographic features
//! (the model keeps the users' training ratings and features in compressed rows to do so).
//! A new visitor ([`UserRef::Profile`]) is one forward pass of their ratings — no
//! retraining — with their demographics when the caller gives them
//! ([`Recommender::score_all_with_meta`]: encoded with the training vocabulary the model
//! keeps; the residual of a user with demographics is scaled at least by the
//! demographics-only scale, fitted on the training hold-out — so demographics alone move the
//! ranking off the baseline as far as held-out ratings say they predict, and not at all when
//! they do not). Movie similarity (used by the MMR re-ranker for the
//! genre-diverse top-N) is the cosine of the movies' output-layer weight columns, centred on
//! their mean.

use crate::ae_autoencoder::Fitted;
use crate::ae_shape::{centered_cosine, AeShape};
use crate::error::check;
use crate::train::with_schedule;
use cinerec_core::{Dataset, FitObserver, ItemIdx, Recommender, Result, UserMeta, UserRef};
use serde::{Deserialize, Serialize};

/// Activation of the hidden layers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HiddenActivation {
    /// max(0, x).
    #[default]
    Relu,
    /// 1 / (1 + e^−x).
    Sigmoid,
}

with_schedule! {
/// Parameters of [`Autoencoder`]. The defaults are the references' architecture and schedule
/// (256-128-64, 70 epochs); λ = 300 was tuned on a validation carve (10 %) of the
/// MovieLens-100K 80/20 training split (λ = 1 overfits within ~8 epochs: validation RMSE
/// 1.17 after 70; sigmoid hidden layers underfit at 70 epochs).
///
/// One training example is a user's rating row (with demographics); the optimiser is Adam.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoencoderParams {
    /// Encoder widths; the decoder mirrors them without the last (the bottleneck).
    pub hidden: Vec<usize>,
    /// Hidden-layer activation.
    pub activation: HiddenActivation,
    /// Append the users' encoded demographics to the input.
    pub demographics: bool,
    /// L2 weight λ of `λ/2 ‖W‖²`, in units of the summed squared error.
    pub l2: f64,
    /// Learn residuals over the biases with a linear output (see the module docs); `false`
    /// = raw ratings and a sigmoid output scaled to the rating range (the references').
    pub residual: bool,
}
}

impl Default for AutoencoderParams {
    fn default() -> Self {
        AutoencoderParams {
            hidden: vec![256, 128, 64],
            activation: HiddenActivation::Relu,
            demographics: true,
            l2: 300.0,
            residual: true,
            epochs: 70,
            batch_size: 32,
            learning_rate: 1e-3,
            validation_fraction: 0.05,
            patience: 0,
            seed: 42,
            threads: 1,
        }
    }
}

#[cfg(feature = "train")]
impl AutoencoderParams {
    /// The network for `n_items` movies and `d_side` side features.
    fn spec(&self, n_items: usize, d_side: usize, scale: (f32, f32)) -> crate::ae_net::NetSpec {
        use crate::mlp::Activation;
        let act = match self.activation {
            HiddenActivation::Relu => Activation::Relu,
            HiddenActivation::Sigmoid => Activation::Sigmoid,
        };
        let mut widths = self.hidden.clone();
        widths.extend(self.hidden.iter().rev().skip(1));
        let mut layers: Vec<(usize, Activation)> = widths.into_iter().map(|w| (w, act)).collect();
        if self.residual {
            layers.push((n_items, Activation::Identity));
        } else {
            layers.push((n_items, Activation::Sigmoid));
        }
        crate::ae_net::NetSpec {
            d_in: n_items + d_side,
            layers,
            output_range: (!self.residual).then_some(scale),
        }
    }
}

/// The user-based rating autoencoder (see the module docs).
#[derive(Debug, Clone)]
pub struct Autoencoder {
    params: AutoencoderParams,
    fitted: Option<Fitted>,
}

impl Autoencoder {
    /// A new, unfitted model; rejects out-of-range parameters.
    pub fn new(params: AutoencoderParams) -> crate::Result<Self> {
        params.schedule().validate()?;
        check(
            !params.hidden.is_empty()
                && params.hidden.len() <= 8
                && params.hidden.iter().all(|w| (1..=8192).contains(w)),
            "hidden",
            "1 to 8 layer widths, each in 1..=8192",
        )?;
        check(
            params.l2.is_finite() && params.l2 >= 0.0,
            "l2",
            "must be finite and >= 0",
        )?;
        Ok(Autoencoder {
            params,
            fitted: None,
        })
    }

    cinerec_core::fitted_accessor!(Fitted, "autoencoder");

    /// Trains on `data` (with burn) and wraps the trained network with the users' rows.
    #[cfg(feature = "train")]
    fn train(&self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<Fitted> {
        use crate::ae_demo::Demographics;
        use crate::ae_fit::{train, AeData};
        use crate::ae_shape::Shape;
        use crate::ae_sparse::Rows;
        use cinerec_core::Rng;
        let p = &self.params;
        let shape = Shape::ordered_of(data);
        let vocab = p.demographics.then(|| Demographics::of(data.catalog()));
        let side = match &vocab {
            Some(v) => v.rows(data.catalog()),
            None => Rows::from_triples(shape.n_users, 0, &[]),
        };
        let mut base = p.residual.then(|| crate::biases::Biases::fit(data));
        let ratings = match &base {
            Some(b) => Rows::users_of(data).minus(|u, i| b.get(Some(u), i)),
            None => Rows::users_of(data),
        };
        let (train_part, val) = ratings.holdout(p.validation_fraction, &mut Rng::fork(p.seed, 1));
        let spec = p.spec(shape.n_items, side.width(), shape.scale);
        let ae = AeData {
            input: train_part.with_side(&side),
            n_out: shape.n_items,
            val,
        };
        let trained = train("autoencoder", &spec, p.l2, &p.schedule(), &ae, observer)?;
        // Rows are users, columns movies: how far to trust the residual by support.
        if let Some(b) = base.as_mut() {
            b.fit_shrink(crate::ae_fit::held_out(&trained.mlp, &ae).into_iter());
            b.settle(data);
        }
        let fitted = Fitted::new(shape, trained.mlp, ratings.with_side(&side), base)?;
        let demo = vocab.map(|vocab| crate::ae_demo::DemoSide {
            alpha: fitted.fit_demo_alpha(data, &ae.val),
            vocab,
        });
        fitted.with_demo(demo)
    }

    /// Refuses: this build has no `train` feature.
    #[cfg(not(feature = "train"))]
    fn train(&self, _: &Dataset, _: &mut dyn FitObserver) -> Result<Fitted> {
        crate::error::no_training("autoencoder")
    }
}

impl Recommender for Autoencoder {
    cinerec_core::name_and_params!("autoencoder");

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        self.fitted = Some(self.train(data, observer)?);
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        let f = self.fitted()?;
        f.shape.check_user(user)?;
        f.shape.check_item(item)?;
        let (bias, x) = f.input(user);
        let h = f.last_hidden(&x);
        let n = f.support(user);
        Ok(f.shape.clip(f.output(&h, item.ix(), bias, n)))
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_user(user)?;
        f.shape.check_out(out)?;
        let (bias, x) = f.input(user);
        let h = f.last_hidden(&x);
        f.outputs(&h, out, bias, f.support(user));
        Ok(())
    }

    /// Centred cosine of the movies' output-layer weight columns (0 for movies without
    /// training ratings).
    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_item(item)?;
        f.shape.check_out(out)?;
        centered_cosine(&f.columns, f.k_last, &f.column_mean, item.ix(), out);
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        Ok(self.fitted()?.save())
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        self.fitted = Some(Fitted::load(bytes)?);
        Ok(())
    }

    /// A new user's demographics fill the network's demographic inputs beside their
    /// ratings (none needed); a known user keeps their trained features.
    fn score_all_with_meta(
        &self,
        user: UserRef<'_>,
        meta: Option<&UserMeta>,
        out: &mut [f32],
    ) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_user(user)?;
        f.shape.check_out(out)?;
        let (bias, mut x) = f.input(user);
        let demo = f.demo_input(user, meta);
        let with_demo = !demo.is_empty();
        x.extend(demo);
        let h = f.last_hidden(&x);
        f.outputs_with_demo(&h, out, bias, f.support(user), with_demo);
        Ok(())
    }

    /// True once fitted (or loaded from `autoencoder/4`) with demographic inputs.
    fn uses_demographics(&self) -> bool {
        self.fitted.as_ref().is_some_and(|f| f.demo.is_some())
    }
}
