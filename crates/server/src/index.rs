//! What the server precomputes from the dataset once at start, so that handlers only look
//! things up: per-movie display fields and rating statistics, the popularity order, the
//! title search index for autocomplete ([`crate::search`]), and item norms for collaborative
//! similarity. A catalogue grown by `POST /movies` (or edited by `PATCH`) over the same ratings
//! extends the index ([`CatalogIndex::grown`]) instead of rebuilding it.

use cinerec_core::{Dataset, ItemIdx, TitleMatch};

use crate::error::{MovieRef, ServerError};
use crate::search::TitleIndex;

/// Display fields and statistics of one movie.
#[derive(Debug, Clone)]
pub struct MovieInfo {
    /// Raw id.
    pub id: String,
    /// "Title (Year)".
    pub title: String,
    /// Release year.
    pub year: Option<u16>,
    /// Genre names.
    pub genres: Vec<String>,
    /// Number of ratings in the dataset.
    pub rating_count: u32,
    /// Mean rating in the dataset (None without ratings).
    pub rating_mean: Option<f32>,
    /// Added after the active model's fit (the UI's "new" badge).
    pub new: bool,
}

/// The precomputed catalogue view.
#[derive(Debug)]
pub struct CatalogIndex {
    /// Per movie, by inner id.
    pub movies: Vec<MovieInfo>,
    /// Inner ids by decreasing rating count, then mean, then id.
    pub popular: Vec<ItemIdx>,
    /// Euclidean norm of each item's rating column.
    pub item_norms: Vec<f32>,
    /// Title search.
    titles: TitleIndex,
}

/// Display fields of movie `i` of `data`, with the given rating statistics.
fn info(data: &Dataset, i: ItemIdx, count: u32, mean: Option<f32>, new_from: usize) -> MovieInfo {
    let cat = data.catalog();
    MovieInfo {
        id: cat.raw_item(i).0,
        title: cat.display_title(i),
        year: cat.meta(i).year,
        genres: cat.genres_of(i).into_iter().map(String::from).collect(),
        rating_count: count,
        rating_mean: mean,
        new: i.ix() >= new_from,
    }
}

impl CatalogIndex {
    /// Builds the index of `data`; movies from `new_from` on were added after the active
    /// model's fit.
    pub fn build(data: &Dataset, new_from: usize) -> Self {
        let m = data.matrix();
        let movies: Vec<MovieInfo> = (0..data.n_items() as u32)
            .map(ItemIdx)
            .map(|i| {
                let (_, pos) = m.item_col(i);
                let sum: f64 = pos.iter().map(|&p| m.value_at(p) as f64).sum();
                let mean = (!pos.is_empty()).then(|| (sum / pos.len() as f64) as f32);
                info(data, i, pos.len() as u32, mean, new_from)
            })
            .collect();
        let item_norms = cinerec_engine::query::item_norms(data);
        let mut popular: Vec<ItemIdx> = (0..data.n_items() as u32).map(ItemIdx).collect();
        popular.sort_by(|&a, &b| {
            let (ma, mb) = (&movies[a.ix()], &movies[b.ix()]);
            mb.rating_count
                .cmp(&ma.rating_count)
                .then(
                    mb.rating_mean
                        .unwrap_or(0.0)
                        .total_cmp(&ma.rating_mean.unwrap_or(0.0)),
                )
                .then(a.cmp(&b))
        });
        let display: Vec<String> = movies.iter().map(|m| m.title.clone()).collect();
        CatalogIndex {
            titles: TitleIndex::build(&display, &popular),
            movies,
            popular,
            item_norms,
        }
    }

    /// The index of `data`, the same ratings as this index's dataset over its catalogue grown
    /// by appended movies or with edited metadata: display fields re-read, rating statistics
    /// and norms kept (appended movies have no rating, so they are the least popular, in id
    /// order, as [`CatalogIndex::build`] would rank them), the title index updated in place
    /// for the renamed and added movies only.
    pub fn grown(&self, data: &Dataset, new_from: usize) -> Self {
        let old = self.movies.len();
        let movies: Vec<MovieInfo> = (0..data.n_items() as u32)
            .map(ItemIdx)
            .map(|i| match self.movies.get(i.ix()) {
                Some(m) => info(data, i, m.rating_count, m.rating_mean, new_from),
                None => info(data, i, 0, None, new_from),
            })
            .collect();
        let mut titles = self.titles.clone();
        for (i, m) in movies.iter().enumerate() {
            if i < old {
                if m.title != self.movies[i].title {
                    titles.rename(ItemIdx(i as u32), &m.title);
                }
            } else {
                titles.push(&m.title);
            }
        }
        let mut popular = self.popular.clone();
        popular.extend((old..movies.len()).map(|i| ItemIdx(i as u32)));
        let mut item_norms = self.item_norms.clone();
        item_norms.resize(movies.len(), 0.0);
        CatalogIndex {
            movies,
            popular,
            item_norms,
            titles,
        }
    }

    /// The movie's display fields.
    pub fn movie(&self, i: ItemIdx) -> &MovieInfo {
        &self.movies[i.ix()]
    }

    /// A [`MovieRef`] for error bodies.
    pub fn movie_ref(&self, i: ItemIdx) -> MovieRef {
        let m = self.movie(i);
        MovieRef {
            id: m.id.clone(),
            title: m.title.clone(),
        }
    }

    /// Title search for autocomplete: movies whose normalised title starts with the query
    /// first, then those with a word starting with it, then those containing it; each group
    /// by popularity. Returns all matches in that order ([`TitleIndex::search`]).
    pub fn search(&self, query: &str) -> Vec<ItemIdx> {
        self.titles.search(query)
    }

    /// Resolves a movie given by raw id or title to one inner id, or the matching error
    /// (404 with suggestions, 300 with candidates).
    pub fn resolve(&self, data: &Dataset, query: &str) -> Result<ItemIdx, ServerError> {
        match data.catalog().find_item(query) {
            TitleMatch::One(i) => Ok(i),
            TitleMatch::Ambiguous(v) => Err(ServerError::Ambiguous {
                query: query.to_string(),
                candidates: v.into_iter().take(20).map(|i| self.movie_ref(i)).collect(),
            }),
            TitleMatch::NotFound { suggestions } => Err(self.not_found(query, suggestions)),
        }
    }

    /// Resolves a raw movie id only (no title matching), 404 with suggestions otherwise.
    pub fn by_id(&self, data: &Dataset, id: &str) -> Result<ItemIdx, ServerError> {
        let cat = data.catalog();
        cat.item(id)
            .or_else(|| crate::api::stored_id(id).and_then(|s| cat.item(&s)))
            .ok_or_else(|| self.not_found(id, cat.suggest(id, 5)))
    }

    fn not_found(&self, query: &str, suggestions: Vec<ItemIdx>) -> ServerError {
        ServerError::UnknownMovie {
            query: query.to_string(),
            suggestions: suggestions.into_iter().map(|i| self.movie_ref(i)).collect(),
        }
    }
}
