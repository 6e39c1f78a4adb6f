//! Turning what a format loader read (ratings with raw ids, metadata keyed by raw id) into a
//! [`Dataset`]: the catalogue is every rated id plus every id the metadata lists, inner ids
//! in sorted raw-id order ([`IdMap::from_raw_sorted`]), and the rating columns are rewritten
//! to those ids.

use super::ratings::RawRatings;
use super::title::clean_title;
use cinerec_core::{Catalog, Dataset, IdMap, Interactions, ItemMeta, Keep, UserMeta};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// What a format loader produced.
pub(crate) struct Parts {
    /// Dataset name.
    pub name: String,
    /// The ratings.
    pub ratings: RawRatings,
    /// Item metadata by raw id. Ids here join the catalogue when `items_join` is true for them
    /// (primary movie list); metadata of ids absent from both ratings and the movie list is dropped.
    pub item_meta: FxHashMap<String, ItemMeta>,
    /// Raw ids of the primary movie list (they belong to the catalogue even if never rated).
    pub listed_items: Vec<String>,
    /// User metadata by raw id (users listed here belong to the catalogue).
    pub user_meta: FxHashMap<String, UserMeta>,
    /// Genre vocabulary.
    pub genre_names: Vec<String>,
    /// Rating scale of the format (`None`: observed min/max).
    pub scale: Option<(f32, f32)>,
}

/// Lists movie `id` in `listed` (the primary movie list, file order) and its metadata in
/// `item_meta`: the cleaned `title`, `year` and `genres` (indices into the vocabulary).
pub(crate) fn list_movie(
    item_meta: &mut FxHashMap<String, ItemMeta>,
    listed: &mut Vec<String>,
    id: String,
    title: String,
    year: Option<u16>,
    genres: Vec<u16>,
) {
    listed.push(id.clone());
    item_meta.insert(
        id,
        ItemMeta {
            title: clean_title(title),
            year,
            genres,
            ..Default::default()
        },
    );
}

/// A sorted id map over `seen ∪ extra`, and the inner id of every `seen` entry.
pub(crate) fn sorted_map(
    seen: &[String],
    extra: impl Iterator<Item = String>,
) -> (IdMap, Vec<u32>) {
    let mut all: Vec<String> = seen.to_vec();
    all.extend(extra);
    let map = IdMap::from_raw_sorted(all);
    let table = seen
        .iter()
        .map(|r| map.get(r).expect("id just inserted"))
        .collect();
    (map, table)
}

/// Builds the dataset (its matrix keeping what `keep` names); with `keep_order`, also returns
/// the ratings in file order (inner ids of the dataset's catalogue), which position-based
/// peer splits need.
pub(crate) fn assemble(p: Parts, keep_order: bool, keep: Keep) -> (Dataset, Option<Interactions>) {
    let Parts {
        name,
        ratings,
        mut item_meta,
        listed_items,
        mut user_meta,
        genre_names,
        scale,
    } = p;
    let (items, item_table) = sorted_map(&ratings.item_keys, listed_items.into_iter());
    let (users, user_table) = sorted_map(&ratings.user_keys, user_meta.keys().cloned());
    let inter = ratings.finish(&user_table, &item_table);
    let item_meta: Vec<ItemMeta> = items
        .raws()
        .iter()
        .map(|r| item_meta.remove(r).unwrap_or_default())
        .collect();
    let user_meta: Vec<UserMeta> = users
        .raws()
        .iter()
        .map(|r| user_meta.remove(r).unwrap_or_default())
        .collect();
    let catalog = Catalog {
        users,
        items,
        item_meta,
        user_meta,
        genre_names,
    };
    let order = keep_order.then(|| inter.clone());
    let mut d = Dataset::new_keeping(name, Arc::new(catalog), inter, keep);
    if let Some((lo, hi)) = scale {
        d.set_scale(lo, hi);
    }
    (d, order)
}

/// Dataset name for a folder or file path: its last component.
pub(crate) fn name_of(path: &std::path::Path) -> String {
    let p = if path.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        path
    };
    let canon = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    canon
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dataset".into())
}
