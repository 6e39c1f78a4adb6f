//! [`Features`]: feature-based movie and user embeddings with cold start (`features`).
//!
//! A movie's embedding is a function of its features only — title words, genres, decade and
//! year, tags, knowledge-graph relations (actors, director, writer, country, language …; see
//! [`crate::features_input`]) and, optionally, an identity token for movies with enough
//! training ratings. A user's embedding is a function of the set of movies they watched (mean
//! of those movies' embeddings through a dense layer). Both towers are trained together
//! through p(watched | user, movie) = σ(scale·cos(user, movie) + bias(movie)), with binary
//! cross-entropy on watched pairs against sampled unwatched movies (`features_train.rs`,
//! feature `train`), so movies watched by the same users end up with similar embeddings. A
//! movie nobody rated and a user absent from the training data (a [`UserRef::Profile`]) get
//! embeddings without retraining; [`Features::embed_movie`] embeds a movie that is not even in
//! the catalogue.
//!
//! Two ways to rank ([`ScoreMethod`]):
//! - `likelihood`: by p(watched) (the score is its log-odds, which orders movies the same way);
//! - `density`: `score(c) = Σ_{m watched} exp(−d(c, m)² / (s·σ²))` with the cosine *distance*
//!   `d = 1 − cos(E_c, E_m)`. Taken literally, the reference's `exp(−cos²/(sσ²))` peaks at
//!   cos = 0 — it would favour movies *orthogonal* to what the user watched; with the distance a
//!   movie identical to a watched one adds 1, an unrelated one (cos 0) adds `exp(−1/(sσ²))`
//!   and an opposite one almost 0, so the score is a kernel density of the user's movies
//!   around the candidate. σ defaults to the standard deviation of `d` over random pairs of
//!   rated movies (measured at fit time), `s` to 1. A user with no movie falls back to
//!   `likelihood` (where the popularity bias ranks).
//!
//! `predict` is unsupported (a ranking model: p(watched) is not a rating); `item_similarities`
//! is the cosine of movie embeddings. After training every weight is plain `f32`; scoring,
//! persistence and new-movie embedding never touch burn (training needs the `train`
//! feature).

use crate::error::{check, Result as NResult};
use crate::features_fitted::Fitted;
use crate::train::with_schedule;
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{
    CoreError, Dataset, FitObserver, ItemIdx, ItemMeta, Recommender, Result, UserRef,
};
use serde::{Deserialize, Serialize};

const TAG: &[u8] = b"features/1";
const NAME: &str = "features";

/// How [`Features`] ranks movies for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreMethod {
    /// Kernel density of the user's movies around the candidate (cosine distance).
    Density,
    /// p(watched) from the user and movie embeddings.
    #[default]
    Likelihood,
}

with_schedule! {
/// Parameters of [`Features`] (the training knobs are named as in [`Schedule`](crate::train::Schedule)).
///
/// One training example is a watched (user, movie) pair; validation reports `val_loss` and
/// `val_auc`, and early stopping watches `val_loss`; the optimiser is Adam.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeaturesParams {
    /// Ranking method: `density` or `likelihood`.
    pub method: ScoreMethod,
    /// Embedding width of tokens, movies and users.
    pub dim: usize,
    /// Hidden width of the movie tower after the bag (0 = a single dense layer).
    pub hidden: usize,
    /// Most movies pooled into a user's input per training example.
    pub context_size: usize,
    /// Unwatched movies sampled per watched pair.
    pub negatives: usize,
    /// A token must be on at least this many rated movies to get its own embedding.
    pub min_token_movies: usize,
    /// Shared embeddings for rarer and unseen tokens (hashed).
    pub hash_buckets: usize,
    /// Give movies with at least `id_min_ratings` training ratings an identity token.
    pub id_tokens: bool,
    /// Training ratings a movie needs for an identity token.
    pub id_min_ratings: usize,
    /// Probability of dropping a movie's identity token in a training batch.
    pub id_dropout: f64,
    /// σ of the density kernel (`None` = standard deviation of the cosine distance between
    /// random pairs of rated movies).
    pub density_sigma: Option<f64>,
    /// `s` of the density kernel (multiplies σ²).
    pub density_s: f64,
    /// Adam weight decay (L2) on every weight (0 = none).
    pub weight_decay: f64,
}
}

impl Default for FeaturesParams {
    fn default() -> Self {
        FeaturesParams {
            method: ScoreMethod::default(),
            dim: 64,
            hidden: 128,
            context_size: 50,
            negatives: 4,
            min_token_movies: 2,
            hash_buckets: 64,
            id_tokens: true,
            id_min_ratings: 5,
            id_dropout: 0.5,
            density_sigma: None,
            density_s: 1.0,
            weight_decay: 0.0,
            epochs: 20,
            batch_size: 512,
            learning_rate: 0.005,
            validation_fraction: 0.05,
            patience: 0,
            seed: 42,
            threads: 1,
        }
    }
}

impl FeaturesParams {
    /// Rejects out-of-range values.
    pub fn validate(&self) -> NResult<()> {
        self.schedule().validate()?;
        check((1..=1024).contains(&self.dim), "dim", "must be in 1..=1024")?;
        check(self.hidden <= 4096, "hidden", "must be at most 4096")?;
        check(
            (1..=10_000).contains(&self.context_size),
            "context_size",
            "must be in 1..=10000",
        )?;
        check(
            (1..=1000).contains(&self.negatives),
            "negatives",
            "must be in 1..=1000",
        )?;
        check(
            self.hash_buckets <= 1 << 20,
            "hash_buckets",
            "must be at most 2^20",
        )?;
        check(
            (0.0..1.0).contains(&self.id_dropout),
            "id_dropout",
            "must be in [0, 1)",
        )?;
        check(
            self.density_sigma.is_none_or(|s| s.is_finite() && s > 0.0),
            "density_sigma",
            "must be a positive number",
        )?;
        check(
            self.density_s.is_finite() && self.density_s > 0.0,
            "density_s",
            "must be a positive number",
        )?;
        check(
            self.weight_decay.is_finite() && self.weight_decay >= 0.0,
            "weight_decay",
            "must be finite and >= 0",
        )
    }
}

/// Feature-based embeddings with cold start (see the module docs).
#[derive(Debug, Clone)]
pub struct Features {
    params: FeaturesParams,
    fitted: Option<Fitted>,
}

impl Features {
    /// A new, unfitted model; rejects invalid parameters.
    pub fn new(params: FeaturesParams) -> NResult<Self> {
        params.validate()?;
        Ok(Features {
            params,
            fitted: None,
        })
    }

    /// The parameters.
    pub fn parameters(&self) -> &FeaturesParams {
        &self.params
    }

    /// Switches the ranking method of a fitted (or unfitted) model: both methods use the same
    /// trained embeddings, so no refit is needed.
    pub fn set_method(&mut self, method: ScoreMethod) {
        self.params.method = method;
    }

    cinerec_core::fitted_accessor!(Fitted, NAME);

    /// Trains on `data` (with burn, in the private pool of `threads` workers).
    #[cfg(feature = "train")]
    fn train(&self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<Fitted> {
        let p = self.params.clone();
        // The outer error is the pool's, the inner one the fit's.
        crate::backend::run_observed(p.threads, observer, |obs| Fitted::build(data, &p, obs))?
    }

    /// Refuses: this build has no `train` feature.
    #[cfg(not(feature = "train"))]
    fn train(&self, _: &Dataset, _: &mut dyn FitObserver) -> Result<Fitted> {
        crate::error::no_training(NAME)
    }

    /// The unit-length embedding of a catalogue movie.
    pub fn movie_embedding(&self, item: ItemIdx) -> Result<&[f32]> {
        let f = self.fitted()?;
        let d = f.w.dim;
        f.emb
            .get(item.ix() * d..(item.ix() + 1) * d)
            .ok_or_else(|| CoreError::UnknownItem(item.to_string()))
    }

    /// The unit-length embedding of a movie described only by its features (e.g. a movie
    /// added after training; genre indices refer to the training catalogue's genre names),
    /// and its popularity bias. No retraining.
    pub fn embed_movie(&self, meta: &ItemMeta) -> Result<(Vec<f32>, f32)> {
        let f = self.fitted()?;
        Ok(f.w.movie(&f.vocab.bag(meta, &f.genre_names, None)))
    }

    /// The unit-length embedding of a user who watched `items` (no retraining).
    pub fn user_embedding(&self, user: UserRef<'_>) -> Result<Vec<f32>> {
        let f = self.fitted()?;
        let items = f.items_of(user)?;
        Ok(f.w.user_of(&f.emb, items.iter().map(|&i| i as usize)))
    }

    /// The learned weight of each feature field, by field name.
    pub fn field_weights(&self) -> Result<Vec<(String, f32)>> {
        let f = self.fitted()?;
        Ok(f.vocab
            .field_names()
            .iter()
            .cloned()
            .zip(f.w.fields.iter().copied())
            .collect())
    }

    /// The density kernel's σ in use (after fitting).
    pub fn density_sigma(&self) -> Result<f32> {
        Ok(self.fitted()?.sigma)
    }

    /// Epochs run by the last fit and the epoch whose weights were kept.
    pub fn epochs(&self) -> Result<(usize, usize)> {
        let f = self.fitted()?;
        Ok((f.epochs_run as usize, f.best_epoch as usize))
    }
}

impl Recommender for Features {
    cinerec_core::name_and_params!(NAME);

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        self.fitted = Some(self.train(data, observer)?);
        Ok(())
    }

    fn embeds_new_items(&self) -> bool {
        true
    }

    /// Embeds every movie after the fitted ones from its metadata ([`Features::embed_movie`]),
    /// without retraining; the fitted movies keep their embeddings.
    fn add_items(&mut self, data: &Dataset) -> Result<()> {
        let f = self.fitted.as_mut().ok_or(CoreError::NotFitted(NAME))?;
        let (old, n) = (f.n_items(), data.n_items());
        if n < old {
            return Err(CoreError::Mismatch(format!(
                "features knows {old} movies, the catalogue only {n}"
            )));
        }
        let cat = data.catalog();
        for meta in &cat.item_meta[old..n] {
            let (v, b) = f.w.movie(&f.vocab.bag(meta, &cat.genre_names, None));
            f.emb.extend(v);
            f.bias.push(b);
        }
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        let f = self.fitted()?;
        f.items_of(user)?;
        if item.ix() >= f.n_items() {
            return Err(CoreError::UnknownItem(item.to_string()));
        }
        Err(CoreError::Unsupported {
            model: NAME,
            what: "rating prediction",
        })
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        let items = f.items_of(user)?;
        check_out(f, out)?;
        f.score(
            self.params.method,
            self.params.density_s as f32,
            &items,
            out,
        );
        Ok(())
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        if item.ix() >= f.n_items() {
            return Err(CoreError::UnknownItem(item.to_string()));
        }
        check_out(f, out)?;
        let e = f.row(item.ix());
        for (c, o) in out.iter_mut().enumerate() {
            *o = crate::features_model::dot(f.row(c), e);
        }
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let mut w = StateWriter::new(TAG);
        self.fitted()?.write(&mut w);
        Ok(w.finish())
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let mut r = StateReader::new(bytes, TAG)?;
        let f = Fitted::read(&mut r)?;
        r.finish()?;
        self.fitted = Some(f);
        Ok(())
    }
}

fn check_out(f: &Fitted, out: &[f32]) -> Result<()> {
    if out.len() != f.n_items() {
        return Err(CoreError::Mismatch(format!(
            "score buffer has {} entries, the model has {} movies",
            out.len(),
            f.n_items()
        )));
    }
    Ok(())
}
