//! What the server precomputes from the dataset once at start, so that handlers only look
//! things up: per-movie display fields and rating statistics, the popularity order, lower-case
//! titles for autocomplete search, and item norms for collaborative similarity.

use cinerec_core::{Dataset, ItemIdx, TitleMatch};

use crate::error::{MovieRef, ServerError};

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
    /// Normalised searchable title (lower case, articles moved to the front).
    search: String,
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
}

impl CatalogIndex {
    /// Builds the index of `data`; movies from `new_from` on were added after the active
    /// model's fit.
    pub fn build(data: &Dataset, new_from: usize) -> Self {
        let cat = data.catalog();
        let m = data.matrix();
        let movies: Vec<MovieInfo> = (0..data.n_items() as u32)
            .map(ItemIdx)
            .map(|i| {
                let (_, pos) = m.item_col(i);
                let sum: f64 = pos.iter().map(|&p| m.value_at(p) as f64).sum();
                let title = cat.display_title(i);
                MovieInfo {
                    id: cat.raw_item(i).0,
                    search: cinerec_core::catalog::normalize_title(&title),
                    title,
                    year: cat.meta(i).year,
                    genres: cat.genres_of(i).into_iter().map(String::from).collect(),
                    rating_count: pos.len() as u32,
                    rating_mean: (!pos.is_empty()).then(|| (sum / pos.len() as f64) as f32),
                    new: i.ix() >= new_from,
                }
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
        CatalogIndex {
            movies,
            popular,
            item_norms,
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
    /// by popularity. Returns all matches in that order.
    pub fn search(&self, query: &str) -> Vec<ItemIdx> {
        let q = cinerec_core::catalog::normalize_title(query);
        if q.is_empty() {
            return self.popular.clone();
        }
        let word = format!(" {q}");
        let mut groups: [Vec<ItemIdx>; 3] = Default::default();
        for &i in &self.popular {
            let s = &self.movies[i.ix()].search;
            if s.starts_with(&q) {
                groups[0].push(i);
            } else if s.contains(&word) {
                groups[1].push(i);
            } else if s.contains(&q) {
                groups[2].push(i);
            }
        }
        groups.concat()
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
