//! `export`: a store's users, movies and ratings written out as a Parquet dataset folder
//! (`ratings.parquet`, `users.parquet`, `movies.parquet`; the schema `cinerec-data` reads
//! back, `cinerec_data::loaders::parquet`). The ratings are streamed from the store in
//! batches straight into the Parquet writer's row groups, so memory stays bounded by one
//! batch plus one row group whatever the store's size; users and movies are read whole (they
//! are small next to the ratings).

use crate::error::Result;
use cinerec_core::UserMeta;
use cinerec_data::parquet_out::{write_movies, write_users, MovieOut, RatingsWriter, BATCH};
use cinerec_data::DataError;
use cinerec_store::Store;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// The folder.
    pub dir: PathBuf,
    /// Ratings written.
    pub ratings: u64,
    /// Users written.
    pub users: u64,
    /// Movies written.
    pub movies: u64,
}

/// Writes the store's dataset into `dir` (created if missing) as Parquet.
pub async fn export_parquet(store: &dyn Store, dir: &Path) -> Result<ExportReport> {
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    let info = store.dataset_info().await?;
    let movies = store.list_movies().await?;
    let n_movies = write_movies(
        &dir.join("movies.parquet"),
        &info.genre_names,
        movies.iter().map(|m| MovieOut {
            id: &m.id,
            title: m.title.as_deref(),
            year: m.year,
            genres: &m.genres,
            tags: &m.extra.tags,
            relations: &m.extra.relations,
            links: &m.extra.links,
        }),
    )?;
    drop(movies);
    let users = store.list_users().await?;
    let metas: Vec<UserMeta> = users
        .iter()
        .map(|u| UserMeta {
            age: u.age,
            gender: u.gender.clone(),
            occupation: u.occupation.clone(),
            zip: u.zip.clone(),
        })
        .collect();
    let n_users = write_users(
        &dir.join("users.parquet"),
        users.iter().map(|u| u.id.as_str()).zip(metas.iter()),
    )?;
    drop((users, metas));
    let name = if info.name.is_empty() {
        "store"
    } else {
        &info.name
    };
    let mut w = RatingsWriter::create(&dir.join("ratings.parquet"), name, info.rating_scale)?;
    let mut failed: Option<DataError> = None;
    store
        .scan_ratings(BATCH, &mut |batch| {
            for r in batch {
                if let Err(e) = w.push(&r.user, &r.movie, r.rating, r.timestamp) {
                    failed = Some(e);
                    return false;
                }
            }
            true
        })
        .await?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    let n_ratings = w.finish()?;
    Ok(ExportReport {
        dir: dir.to_path_buf(),
        ratings: n_ratings,
        users: n_users,
        movies: n_movies,
    })
}
