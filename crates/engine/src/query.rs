//! Answering with a fitted model, the same way for the CLI and the server: top-N (the core's
//! [`RecommenderExt::recommend_into`] scoring into a per-thread buffer, so no catalogue-sized
//! vector is allocated per request), an optional genre filter, MMR diversity re-ranking of a
//! larger pool (genre Jaccard), a new visitor who gives demographics answered from the prior
//! ([`crate::coldstart`]), similar movies by content, collaborative signal or both, and
//! explanations.

use crate::coldstart::DemographicPrior;
use cinerec_core::catalog::genre_jaccard;
use cinerec_core::{
    top_k, top_n_of_scores, Contribution, Dataset, ItemIdx, RecommendOptions, Recommender,
    RecommenderExt, Result, Scored, UserMeta, UserRef,
};
use cinerec_models::rerank::{mmr, DiversityBy, MmrOptions};
use std::cell::RefCell;

thread_local! {
    static SCORES: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// What to recommend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask {
    /// How many movies.
    pub n: usize,
    /// Only movies of this genre (index into the catalogue's genre names).
    pub genre: Option<u16>,
    /// MMR trade-off λ in [0, 1] (1 = relevance only); None = plain top-N.
    pub diversity: Option<f32>,
    /// Keep movies the user already rated.
    pub include_seen: bool,
}

/// Top-N unseen movies for `user` under `model`.
pub fn recommend(
    model: &dyn Recommender,
    data: &Dataset,
    user: UserRef<'_>,
    ask: Ask,
) -> Result<Vec<Scored>> {
    recommend_with_meta(model, data, user, None, None, ask)
}

/// [`recommend`] for a user whose demographics may be known (a new visitor who gave age,
/// gender or occupation): models with a demographic input use them
/// ([`Recommender::score_all_with_meta`]), and for a visitor known by a profile (not a
/// trained user) the snapshot's [`DemographicPrior`] answers ([`DemographicPrior::answer`]). `meta = None` is
/// [`recommend`].
pub fn recommend_with_meta(
    model: &dyn Recommender,
    data: &Dataset,
    user: UserRef<'_>,
    user_meta: Option<&UserMeta>,
    prior: Option<&DemographicPrior>,
    ask: Ask,
) -> Result<Vec<Scored>> {
    let meta = &data.catalog().item_meta;
    let in_genre = |i: ItemIdx| ask.genre.is_none_or(|g| meta[i.ix()].genres.contains(&g));
    let opts = RecommendOptions {
        n: match ask.diversity {
            None => ask.n,
            Some(_) => (ask.n * 5).max(50),
        },
        include_seen: ask.include_seen,
        filter: ask
            .genre
            .is_some()
            .then_some(&in_genre as &dyn Fn(ItemIdx) -> bool),
    };
    let top = SCORES.with(|cell| {
        top_n(
            model,
            data,
            user,
            user_meta,
            prior,
            &opts,
            &mut cell.borrow_mut(),
        )
    })?;
    match ask.diversity {
        None => Ok(top),
        Some(lambda) => {
            let mmr_opts = MmrOptions {
                lambda: lambda as f64,
                pool: top.len(),
                by: DiversityBy::Genre,
            };
            mmr(data, model, &top, ask.n, &mmr_opts)
        }
    }
}

/// The top-`opts.n` movies for `user` scored into `scores`, as
/// [`RecommenderExt::recommend_with_meta_into`] picks them, with a visitor's demographics
/// answered from `prior` when the user is a profile (not a trained user) and `meta` is
/// given ([`DemographicPrior::answer`]).
pub fn top_n(
    model: &dyn Recommender,
    data: &Dataset,
    user: UserRef<'_>,
    meta: Option<&UserMeta>,
    prior: Option<&DemographicPrior>,
    opts: &RecommendOptions<'_>,
    scores: &mut Vec<f32>,
) -> Result<Vec<Scored>> {
    match (prior, meta, user) {
        (Some(prior), Some(m), UserRef::Profile(p)) => {
            scores.clear();
            scores.resize(data.n_items(), 0.0);
            model.score_all_with_meta(user, meta, scores)?;
            prior.answer(data, m, p, scores);
            top_n_of_scores(data, user, opts, scores)
        }
        _ => model.recommend_with_meta_into(data, user, meta, opts, scores),
    }
}

/// How `/movies/{id}/similar` measures similarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Genres and release year.
    Content,
    /// The model's item similarity, else cosine over the rating columns.
    Collaborative,
    /// The mean of both.
    Hybrid,
}

/// Content similarity of `item` to every movie: 0.9 × genre Jaccard + 0.1 × year closeness.
/// A movie without genres has no genre evidence: its genre term is 0 against every movie.
pub fn content_sims(data: &Dataset, item: ItemIdx, out: &mut [f32]) {
    let meta = &data.catalog().item_meta;
    let me = &meta[item.ix()];
    for (o, m) in out.iter_mut().zip(meta) {
        let year = match (me.year, m.year) {
            (Some(a), Some(b)) => (-(a.abs_diff(b) as f32) / 10.0).exp(),
            _ => 0.0,
        };
        let genres = if me.genres.is_empty() {
            0.0
        } else {
            genre_jaccard(&me.genres, &m.genres) as f32
        };
        *o = 0.9 * genres + 0.1 * year;
    }
}

/// Collaborative similarity: the model's own when it has one, else cosine of rating columns.
pub fn collaborative_sims(
    model: &dyn Recommender,
    data: &Dataset,
    item_norms: &[f32],
    item: ItemIdx,
    out: &mut [f32],
) {
    if model.item_similarities(item, out).is_ok() {
        return;
    }
    out.iter_mut().for_each(|x| *x = 0.0);
    let m = data.matrix();
    let (users, pos) = m.item_col(item);
    for (&u, &p) in users.iter().zip(pos) {
        let r = m.value_at(p);
        let (items, values) = m.user_row(cinerec_core::UserIdx(u));
        for (&j, &v) in items.iter().zip(values) {
            out[j as usize] += r * v;
        }
    }
    let ni = item_norms[item.ix()];
    for (o, &nj) in out.iter_mut().zip(item_norms) {
        *o = if ni > 0.0 && nj > 0.0 {
            *o / (ni * nj)
        } else {
            0.0
        };
    }
}

/// The `n` movies most similar to `item` by `method` (itself excluded).
pub fn similar(
    model: &dyn Recommender,
    data: &Dataset,
    item_norms: &[f32],
    item: ItemIdx,
    method: Method,
    n: usize,
) -> Vec<Scored> {
    let mut a = vec![0f32; data.n_items()];
    match method {
        Method::Content => content_sims(data, item, &mut a),
        Method::Collaborative => collaborative_sims(model, data, item_norms, item, &mut a),
        Method::Hybrid => {
            let mut b = vec![0f32; data.n_items()];
            content_sims(data, item, &mut a);
            collaborative_sims(model, data, item_norms, item, &mut b);
            a.iter_mut()
                .zip(&b)
                .for_each(|(x, y)| *x = 0.5 * *x + 0.5 * y);
        }
    }
    if let Some(s) = a.get_mut(item.ix()) {
        *s = f32::NEG_INFINITY;
    }
    top_k(&a, n)
}

/// The user's rated movies that best explain recommending `item`: the model's own
/// explanation when it has item similarity, else the same rule over rating-column cosine.
pub fn explain(
    model: &dyn Recommender,
    data: &Dataset,
    item_norms: &[f32],
    profile: &[(ItemIdx, f32)],
    item: ItemIdx,
    k: usize,
) -> Vec<Contribution> {
    if let Ok(c) = model.explain(data, UserRef::Profile(profile), item, k) {
        return c;
    }
    let mut sims = vec![0f32; data.n_items()];
    collaborative_sims(model, data, item_norms, item, &mut sims);
    cinerec_core::contributions(&sims, profile, item, k)
}

/// Euclidean norm of each movie's rating column (the denominators of the cosine fallback of
/// [`collaborative_sims`]).
pub fn item_norms(data: &Dataset) -> Vec<f32> {
    let m = data.matrix();
    (0..data.n_items() as u32)
        .map(|i| {
            let (_, pos) = m.item_col(ItemIdx(i));
            pos.iter()
                .map(|&p| (m.value_at(p) as f64).powi(2))
                .sum::<f64>()
                .sqrt() as f32
        })
        .collect()
}
