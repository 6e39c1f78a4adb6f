//! The live catalogue: movies added or edited while the server runs — through `POST /movies`
//! and `PATCH /movies/{id}`, or found in the store after a `cinerec import` ([`sync_loop`]) —
//! are written to the store first, then appended to the serving snapshot's catalogue (inner ids
//! of existing movies never change), and every loaded model is grown to it
//! ([`crate::state::Serving::with_catalog`]): content models embed the new movies at once, the
//! others treat them as cold until the next training. One writer at a time (the write gate).

use cinerec_core::{Catalog, ItemIdx, ItemMeta};
use cinerec_store::MovieRecord;
use std::sync::Arc;
use std::time::Duration;

use crate::error::ServerError;
use crate::state::AppState;

/// The catalogue entry of a stored movie, its genres indexed into (and, when new, appended
/// to) `cat`'s genre vocabulary.
pub fn meta_of(cat: &mut Catalog, m: &MovieRecord) -> ItemMeta {
    ItemMeta {
        title: m.title.clone(),
        year: m.year,
        genres: m.genres.iter().map(|g| cat.genre_or_insert(g)).collect(),
        tags: m.extra.tags.clone(),
        relations: m.extra.relations.clone(),
        links: m.extra.links.clone(),
    }
}

/// Applies movies to the serving snapshot (not the store): unknown ids are appended, known ids
/// get the given metadata. Returns each movie's inner id. The caller holds the write gate and
/// has stored the movies already.
async fn apply(state: &AppState, movies: Vec<MovieRecord>) -> Result<Vec<ItemIdx>, ServerError> {
    let s = state.serving_arc();
    let (next, ids) = tokio::task::spawn_blocking(move || -> Result<_, ServerError> {
        let mut cat = (**s.data.catalog()).clone();
        let mut ids = Vec::with_capacity(movies.len());
        for m in &movies {
            let meta = meta_of(&mut cat, m);
            let i = match cat.item(&m.id) {
                Some(i) => {
                    cat.item_meta[i.ix()] = meta;
                    i
                }
                None => cat
                    .add_item(&m.id, meta)
                    .ok_or_else(|| ServerError::Internal(format!("movie id {} twice", m.id)))?,
            };
            ids.push(i);
        }
        let data = Arc::new(s.data.with_catalog(Arc::new(cat))?);
        Ok((s.with_catalog(data)?, ids))
    })
    .await??;
    state.swap(next);
    Ok(ids)
}

/// Stores `movies` (one transaction) and brings them into the live catalogue; returns their
/// inner ids in the new snapshot.
pub async fn upsert(
    state: &AppState,
    movies: Vec<MovieRecord>,
) -> Result<Vec<ItemIdx>, ServerError> {
    let _w = state.gate().write().await;
    state.store().upsert_movies(&movies).await?;
    apply(state, movies).await
}

/// [`upsert`] of one movie that must be new: 409 when the catalogue or the store has its id
/// (checked under the write gate, so two requests for one id cannot both create it).
pub async fn insert(state: &AppState, movie: MovieRecord) -> Result<ItemIdx, ServerError> {
    let _w = state.gate().write().await;
    let known = state.serving().data.catalog().item(&movie.id).is_some();
    if known || state.store().get_movie(&movie.id).await?.is_some() {
        return Err(ServerError::Conflict(format!(
            "movie `{}` exists already",
            movie.id
        )));
    }
    state.store().upsert_movie(&movie).await?;
    Ok(apply(state, vec![movie]).await?[0])
}

/// Movies in the store that the live catalogue lacks (added by `cinerec import` or another
/// process), in the store's id order; brought in as by [`upsert`]. Returns how many.
pub async fn sync_from_store(state: &AppState) -> Result<usize, ServerError> {
    let known = state.serving().data.n_items();
    if state.store().counts().await?.movies as usize <= known {
        return Ok(0);
    }
    let _w = state.gate().write().await;
    let s = state.serving_arc();
    let missing: Vec<MovieRecord> = state
        .store()
        .list_movies()
        .await?
        .into_iter()
        .filter(|m| s.data.catalog().item(&m.id).is_none())
        .collect();
    let n = missing.len();
    if n > 0 {
        apply(state, missing).await?;
        tracing::info!(
            movies = n,
            "new movies found in the store joined the catalogue"
        );
    }
    Ok(n)
}

/// Checks the store for new movies every `every` (a failed check is logged and retried).
pub async fn sync_loop(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = sync_from_store(&state).await {
            tracing::warn!(error = %e, "checking the store for new movies failed");
        }
    }
}
