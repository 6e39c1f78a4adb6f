//! The [`Recommender`] trait every model implements, and the operations written once on top
//! of it ([`RecommenderExt`]): top-N recommendation excluding seen movies, similar movies and
//! explanations. A model only has to fit, predict a rating and score every movie for a user.

use crate::catalog::UserMeta;
use crate::dataset::Dataset;
use crate::error::{CoreError, Result};
use crate::ids::{ItemIdx, UserIdx};
use crate::topk::top_k;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Whom to predict or recommend for.
#[derive(Debug, Clone, Copy)]
pub enum UserRef<'a> {
    /// A user of the training data (by inner id).
    Known(UserIdx),
    /// Someone known only by the ratings given here: a new visitor, or a known user's
    /// up-to-date profile. Models fold these in without retraining where they can.
    Profile(&'a [(ItemIdx, f32)]),
    /// A user of the training data whose ratings changed since: `profile` is their whole
    /// up-to-date profile, `new` the ratings in it that training did not see (movies rated
    /// since, or a new value for one rated before). Models that can, update the trained user
    /// with `new` alone, the trained vector as the prior (so a rating re-posted unchanged
    /// changes nothing); the others answer as for `Profile(profile)`.
    Updated {
        /// The trained user.
        user: UserIdx,
        /// Their whole current profile.
        profile: &'a [(ItemIdx, f32)],
        /// The ratings of `profile` training did not see.
        new: &'a [(ItemIdx, f32)],
    },
}

/// Per-epoch figures a model reports while fitting.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EpochReport {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Total epochs planned.
    pub epochs: usize,
    /// Training loss (model-specific meaning, lower is better).
    pub train_loss: f64,
    /// Further named figures (validation loss, RMSE, …).
    pub metrics: Vec<(String, f64)>,
}

/// Receives progress while a model fits. All methods default to doing nothing.
pub trait FitObserver {
    /// An epoch (or iteration) finished.
    fn on_epoch(&mut self, _report: &EpochReport) {}
    /// Fine-grained progress within the fit: `done` of `total` units.
    fn on_progress(&mut self, _done: u64, _total: u64) {}
    /// Mini-batch progress within epoch `epoch` (1-based): `done` of `total` batches, with
    /// the mean training loss over the batches so far (models trained by mini-batches).
    fn on_batch(&mut self, _epoch: usize, _done: u64, _total: u64, _running_loss: f64) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;
impl FitObserver for NoObserver {}

/// A model: fit on a dataset, then predict ratings and score movies.
///
/// Contract (checked by the shared model test suite in `cinerec-models`):
/// deterministic for a given seed, finite scores, unknown users are
/// [`CoreError::UnknownUser`] (never a panic), and `save_state` → `load_state` reproduces
/// predictions exactly.
pub trait Recommender: Send + Sync {
    /// Algorithm name as used on the command line (`popularity`, `baseline`, …).
    fn name(&self) -> &'static str;

    /// Hyper-parameters as JSON (recorded in model files and reports).
    fn params(&self) -> serde_json::Value;

    /// Learns from `data`. Calling `fit` again starts over.
    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()>;

    /// The optional parts of the rating matrix [`Recommender::fit`] reads with these
    /// parameters; a caller that loads data only for this fit may keep just those
    /// ([`Dataset::new_keeping`]). Everything unless a model says otherwise.
    fn data_needs(&self) -> crate::Keep {
        crate::Keep::ALL
    }

    /// Predicted rating of `item` by `user`, on the training data's rating scale.
    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32>;

    /// Writes a ranking score for every movie into `out` (length = catalogue size);
    /// higher is better. Seen movies are scored too; [`RecommenderExt::recommend`] removes them.
    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()>;

    /// Writes the similarity of `item` to every movie into `out`, where the model has a
    /// notion of item similarity.
    fn item_similarities(&self, _item: ItemIdx, _out: &mut [f32]) -> Result<()> {
        Err(CoreError::Unsupported {
            model: self.name(),
            what: "similar movies",
        })
    }

    /// Whether the model can take in movies appended to its catalogue after fitting
    /// ([`Recommender::add_items`]): true for models with a content side (they embed a movie
    /// from its metadata). The others treat new movies as cold (see [`crate::grow`]).
    fn embeds_new_items(&self) -> bool {
        false
    }

    /// Takes in the movies `data`'s catalogue has beyond the ones the model was fitted on
    /// (appended after them: [`Dataset::with_catalog`]), and the current metadata of all, without
    /// retraining: from then on `score_all` and `item_similarities` take buffers of
    /// `data.n_items()` and score the new movies too. Only models whose
    /// [`Recommender::embeds_new_items`] is true implement it.
    fn add_items(&mut self, _data: &Dataset) -> Result<()> {
        Err(CoreError::Unsupported {
            model: self.name(),
            what: "adding movies without retraining",
        })
    }

    /// What the last fit found that is worth recording beside the parameters (`auto`'s search
    /// table and validation scores); callers record it with the model's metrics.
    fn fit_report(&self) -> Option<serde_json::Value> {
        None
    }

    /// Serialises the fitted state (parameters are stored separately by the caller).
    fn save_state(&self) -> Result<Vec<u8>>;

    /// Restores state written by [`Recommender::save_state`] into a model built with the
    /// same parameters.
    fn load_state(&mut self, bytes: &[u8]) -> Result<()>;

    /// [`Recommender::score_all`] for a user whose demographics (`meta`: age, gender,
    /// occupation as [`UserMeta`] holds them) are known beside their ratings — typically a
    /// new visitor who gave them, with few or no ratings (`UserRef::Profile(&[])` for
    /// demographics alone). Models with a demographic input (the user autoencoder) use them;
    /// the default ignores them and scores as [`Recommender::score_all`] does, so `None`
    /// (or a model without demographics) is exactly the plain path.
    ///
    /// Why a separate method rather than a [`UserRef`] variant or a field of
    /// [`RecommendOptions`]: demographics are orthogonal to how the ratings are given (a
    /// trained user, a profile or an update may each come with them), so a variant would
    /// have to double every case in every model's `match`; and every model that does not use
    /// them (most) keeps working unchanged through this default.
    fn score_all_with_meta(
        &self,
        user: UserRef<'_>,
        _meta: Option<&UserMeta>,
        out: &mut [f32],
    ) -> Result<()> {
        self.score_all(user, out)
    }

    /// For a model whose ranking score is the dot product of one user vector with a row of
    /// an item matrix (ALS, BPR): that question for `user`, so
    /// [`RecommenderExt::recommend_into`] finds the exact top-N from the rows' 8-bit codes and
    /// a few exact scores ([`crate::quantized`]) instead of scoring every movie exactly.
    /// `None` (the default): every movie is scored by [`Recommender::score_all`].
    fn dot_query(&self, _user: UserRef<'_>) -> Option<Result<crate::quantized::DotQuery<'_>>> {
        None
    }

    /// True when [`Recommender::score_all_with_meta`] uses a new user's demographics (so a
    /// caller with demographics and no ratings may ask this model rather than fall back to
    /// a non-personal list). False by default.
    fn uses_demographics(&self) -> bool {
        false
    }
}

/// A scored movie.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// The movie.
    pub item: ItemIdx,
    /// Its score (meaning depends on the model; higher is better).
    pub score: f32,
}

/// Which movies may be recommended.
#[derive(Default)]
pub struct RecommendOptions<'a> {
    /// How many to return.
    pub n: usize,
    /// Keep movies the user already rated (off by default).
    pub include_seen: bool,
    /// Only movies for which this returns true (genre filter, …).
    pub filter: Option<&'a dyn Fn(ItemIdx) -> bool>,
}

/// One of the user's own ratings that supports a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// A movie the user rated.
    pub item: ItemIdx,
    /// How much it contributed (larger = more).
    pub weight: f32,
}

/// Operations written once for every [`Recommender`].
pub trait RecommenderExt: Recommender {
    /// Top-`opts.n` movies for `user`, best first, ties broken by the smaller inner id.
    /// Movies the user rated in `data` (or listed in the profile) are excluded unless
    /// `include_seen`.
    fn recommend(
        &self,
        data: &Dataset,
        user: UserRef<'_>,
        opts: &RecommendOptions<'_>,
    ) -> Result<Vec<Scored>> {
        self.recommend_into(data, user, opts, &mut Vec::new())
    }

    /// [`RecommenderExt::recommend`] scoring into `scores` (resized to the catalogue), so a
    /// caller that keeps the buffer (a server thread) allocates no catalogue-sized vector per
    /// request. On return `scores` holds the masked scores the top-N was taken from, or is
    /// empty for a model that answered through [`Recommender::dot_query`] (the exact top-N
    /// without a score for every movie: see [`crate::quantized`]).
    fn recommend_into(
        &self,
        data: &Dataset,
        user: UserRef<'_>,
        opts: &RecommendOptions<'_>,
        scores: &mut Vec<f32>,
    ) -> Result<Vec<Scored>> {
        self.recommend_with_meta_into(data, user, None, opts, scores)
    }

    /// [`RecommenderExt::recommend_into`] for a user whose demographics are known
    /// ([`Recommender::score_all_with_meta`]); `meta = None` is `recommend_into`.
    fn recommend_with_meta_into(
        &self,
        data: &Dataset,
        user: UserRef<'_>,
        meta: Option<&UserMeta>,
        opts: &RecommendOptions<'_>,
        scores: &mut Vec<f32>,
    ) -> Result<Vec<Scored>> {
        if meta.is_none() || !self.uses_demographics() {
            if let Some(q) = self.dot_query(user) {
                let q = q?;
                if q.usable(data.n_items()) {
                    scores.clear();
                    let seen = seen_sorted(data, user, opts.include_seen)?;
                    return Ok(q.top_n(opts.n, |i| {
                        seen.binary_search(&i).is_ok()
                            || opts.filter.is_some_and(|f| !f(ItemIdx(i)))
                    }));
                }
            }
        }
        scores.clear();
        scores.resize(data.n_items(), 0.0);
        self.score_all_with_meta(user, meta, scores)?;
        top_n_of_scores(data, user, opts, scores)
    }

    /// The `n` movies most similar to `item` (itself excluded).
    fn similar_items(&self, n_items: usize, item: ItemIdx, n: usize) -> Result<Vec<Scored>> {
        if item.ix() >= n_items {
            return Err(CoreError::UnknownItem(item.to_string()));
        }
        let mut sims = vec![0f32; n_items];
        self.item_similarities(item, &mut sims)?;
        sims[item.ix()] = f32::NEG_INFINITY;
        Ok(top_k(&sims, n))
    }

    /// The user's rated movies that contribute most to recommending `item`, strongest first:
    /// by default the rated movies most similar to `item` under the model's item similarity,
    /// weighted by how much the user liked them relative to their mean.
    fn explain(
        &self,
        data: &Dataset,
        user: UserRef<'_>,
        item: ItemIdx,
        k: usize,
    ) -> Result<Vec<Contribution>> {
        let mut sims = vec![0f32; data.n_items()];
        self.item_similarities(item, &mut sims)?;
        let rated = user_profile(data, user)?;
        Ok(contributions(&sims, &rated, item, k))
    }
}

/// The `k` rated movies of `profile` that best support `item`, given the similarity of
/// `item` to every movie (`sims`): weight = similarity × (1 + how much more than their mean
/// the user liked the movie, floored at −0.99); only positive, finite weights; strongest first.
pub fn contributions(
    sims: &[f32],
    profile: &[(ItemIdx, f32)],
    item: ItemIdx,
    k: usize,
) -> Vec<Contribution> {
    if profile.is_empty() {
        return vec![];
    }
    let mean = profile.iter().map(|r| r.1).sum::<f32>() / profile.len() as f32;
    let mut c: Vec<Contribution> = profile
        .iter()
        .filter(|&&(j, _)| j != item && j.ix() < sims.len())
        .map(|&(j, r)| Contribution {
            item: j,
            weight: sims[j.ix()] * (1.0 + (r - mean).max(-0.99)),
        })
        .filter(|c| c.weight.is_finite() && c.weight > 0.0)
        .collect();
    c.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.item.cmp(&b.item)));
    c.truncate(k);
    c
}

impl<T: Recommender + ?Sized> RecommenderExt for T {}

/// The top-`opts.n` of `scores` (one per catalogue movie) for `user`: movies the user rated
/// masked unless `opts.include_seen`, then `opts.filter`, best first with ties broken by the
/// smaller inner id. `scores` keeps the masked values. What
/// [`RecommenderExt::recommend_with_meta_into`] does after scoring, for callers that adjust
/// the scores in between (the engine's cold-start blend).
pub fn top_n_of_scores(
    data: &Dataset,
    user: UserRef<'_>,
    opts: &RecommendOptions<'_>,
    scores: &mut [f32],
) -> Result<Vec<Scored>> {
    mask(data, user, opts, scores)?;
    Ok(top_k(scores, opts.n))
}

/// Sets to −∞ the scores `opts` excludes: the user's rated movies unless
/// `opts.include_seen`, and the movies `opts.filter` refuses.
fn mask(
    data: &Dataset,
    user: UserRef<'_>,
    opts: &RecommendOptions<'_>,
    scores: &mut [f32],
) -> Result<()> {
    if !opts.include_seen {
        mask_seen(data, user, scores)?;
    }
    if let Some(f) = opts.filter {
        for (i, s) in scores.iter_mut().enumerate() {
            if !f(ItemIdx(i as u32)) {
                *s = f32::NEG_INFINITY;
            }
        }
    }
    Ok(())
}

/// Sets the scores of the movies the user rated (in `data`, or listed in the profile) to −∞.
pub fn mask_seen(data: &Dataset, user: UserRef<'_>, scores: &mut [f32]) -> Result<()> {
    match user {
        UserRef::Known(u) => {
            if u.ix() >= data.n_users() {
                return Err(CoreError::UnknownUser(u.to_string()));
            }
            for &i in data.user_ratings(u).0 {
                scores[i as usize] = f32::NEG_INFINITY;
            }
        }
        UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
            for &(i, _) in p {
                match scores.get_mut(i.ix()) {
                    Some(s) => *s = f32::NEG_INFINITY,
                    None => return Err(CoreError::UnknownItem(i.to_string())),
                }
            }
        }
    }
    Ok(())
}

/// The movies a user rated, sorted, to test candidates against by binary search (the masking
/// of [`mask_seen`] for a walk that scores only a few movies): a known user's row of the
/// dataset as it is, or a profile's movies sorted; empty with `include_seen`. The same unknown
/// user or movie errors as [`mask_seen`] (which `include_seen` skips too).
fn seen_sorted<'a>(
    data: &'a Dataset,
    user: UserRef<'_>,
    include_seen: bool,
) -> Result<Cow<'a, [u32]>> {
    if include_seen {
        return Ok(Cow::Borrowed(&[]));
    }
    Ok(match user {
        UserRef::Known(u) => {
            if u.ix() >= data.n_users() {
                return Err(CoreError::UnknownUser(u.to_string()));
            }
            let row = data.user_ratings(u).0;
            // The rating matrix keeps each user's row sorted by item (`matrix.rs`).
            debug_assert!(row.windows(2).all(|w| w[0] < w[1]));
            Cow::Borrowed(row)
        }
        UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
            let mut v = Vec::with_capacity(p.len());
            for &(i, _) in p {
                if i.ix() >= data.n_items() {
                    return Err(CoreError::UnknownItem(i.to_string()));
                }
                v.push(i.0);
            }
            v.sort_unstable();
            Cow::Owned(v)
        }
    })
}

/// Items the user has rated: from the dataset for a known user, from the profile otherwise.
pub fn seen_items(data: &Dataset, user: UserRef<'_>) -> Result<Vec<u32>> {
    Ok(user_profile(data, user)?
        .into_iter()
        .map(|(i, _)| i.0)
        .collect())
}

/// The user's ratings as `(item, value)` pairs.
pub fn user_profile(data: &Dataset, user: UserRef<'_>) -> Result<Vec<(ItemIdx, f32)>> {
    match user {
        UserRef::Known(u) => {
            if u.ix() >= data.n_users() {
                return Err(CoreError::UnknownUser(u.to_string()));
            }
            let (items, values) = data.user_ratings(u);
            Ok(items
                .iter()
                .zip(values)
                .map(|(&i, &v)| (ItemIdx(i), v))
                .collect())
        }
        UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
            for &(i, _) in p {
                if i.ix() >= data.n_items() {
                    return Err(CoreError::UnknownItem(i.to_string()));
                }
            }
            Ok(p.to_vec())
        }
    }
}
