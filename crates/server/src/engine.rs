//! The recommendation hot path and the similarity measures behind `/similar` and
//! explanations. Scores go into a per-thread buffer (no per-request allocation of the
//! catalogue-sized vector), seen movies and genre filters are masked in place, and the top-N
//! is taken with the project-wide tie rule. Diversity re-ranks a larger pool with the models'
//! MMR re-ranker (genre Jaccard), the same one the CLI and the benchmarks use.

use cinerec_core::{
    top_k, Contribution, Dataset, ItemIdx, Recommender, RecommenderExt, Scored, UserRef,
};
use cinerec_models::rerank::{mmr, DiversityBy, MmrOptions};
use std::cell::RefCell;

use crate::error::ServerError;
use crate::index::CatalogIndex;

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
}

/// Top-N unseen movies for `user` under `model`.
pub fn recommend(
    model: &dyn Recommender,
    data: &Dataset,
    user: UserRef<'_>,
    ask: Ask,
) -> Result<Vec<Scored>, ServerError> {
    let n_items = data.n_items();
    SCORES
        .with(|cell| {
            let mut buf = cell.borrow_mut();
            buf.clear();
            buf.resize(n_items, 0.0);
            model.score_all(user, &mut buf)?;
            match user {
                UserRef::Known(u) => {
                    for &i in data.user_ratings(u).0 {
                        buf[i as usize] = f32::NEG_INFINITY;
                    }
                }
                UserRef::Profile(p) => {
                    for &(i, _) in p {
                        if let Some(s) = buf.get_mut(i.ix()) {
                            *s = f32::NEG_INFINITY;
                        }
                    }
                }
            }
            if let Some(g) = ask.genre {
                let meta = &data.catalog().item_meta;
                for (s, m) in buf.iter_mut().zip(meta) {
                    if !m.genres.contains(&g) {
                        *s = f32::NEG_INFINITY;
                    }
                }
            }
            match ask.diversity {
                None => Ok(top_k(&buf, ask.n)),
                Some(lambda) => {
                    let pool = top_k(&buf, (ask.n * 5).max(50));
                    let opts = MmrOptions {
                        lambda: lambda as f64,
                        pool: pool.len(),
                        by: DiversityBy::Genre,
                    };
                    mmr(data, model, &pool, ask.n, &opts)
                }
            }
        })
        .map_err(|e: cinerec_core::CoreError| ServerError::from(e))
}

/// Genre Jaccard for the content similarity of `/similar` (two genre-less movies: 0).
fn jaccard(a: &[u16], b: &[u16]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let common = a.iter().filter(|g| b.contains(g)).count();
    common as f32 / (a.len() + b.len() - common) as f32
}

/// How `/movies/{id}/similar` measures similarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
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
pub fn content_sims(data: &Dataset, item: ItemIdx, out: &mut [f32]) {
    let meta = &data.catalog().item_meta;
    let me = &meta[item.ix()];
    for (o, m) in out.iter_mut().zip(meta) {
        let year = match (me.year, m.year) {
            (Some(a), Some(b)) => (-(a.abs_diff(b) as f32) / 10.0).exp(),
            _ => 0.0,
        };
        *o = 0.9 * jaccard(&me.genres, &m.genres) + 0.1 * year;
    }
}

/// Collaborative similarity: the model's own when it has one, else cosine of rating columns.
pub fn collaborative_sims(
    model: &dyn Recommender,
    data: &Dataset,
    index: &CatalogIndex,
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
    let ni = index.item_norms[item.ix()];
    for (o, &nj) in out.iter_mut().zip(&index.item_norms) {
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
    index: &CatalogIndex,
    item: ItemIdx,
    method: Method,
    n: usize,
) -> Vec<Scored> {
    let mut a = vec![0f32; data.n_items()];
    match method {
        Method::Content => content_sims(data, item, &mut a),
        Method::Collaborative => collaborative_sims(model, data, index, item, &mut a),
        Method::Hybrid => {
            let mut b = vec![0f32; data.n_items()];
            content_sims(data, item, &mut a);
            collaborative_sims(model, data, index, item, &mut b);
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
    index: &CatalogIndex,
    profile: &[(ItemIdx, f32)],
    item: ItemIdx,
    k: usize,
) -> Vec<Contribution> {
    if let Ok(c) = model.explain(data, UserRef::Profile(profile), item, k) {
        return c;
    }
    let mut sims = vec![0f32; data.n_items()];
    collaborative_sims(model, data, index, item, &mut sims);
    cinerec_core::contributions(&sims, profile, item, k)
}
