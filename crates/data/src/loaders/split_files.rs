//! External train/test split files as written by `shared/peers/split.py`: CSVs with header
//! `user,item,rating,timestamp`, plus an optional `items.csv` (header `item`) listing the
//! catalogue. Train and test share one catalogue; with a base dataset, ids map through the
//! base catalogue (keeping its metadata), unknown ids being appended.

use super::assemble::{name_of, sorted_map};
use super::generic::{ratings_spec, sniff};
use super::ratings::{read_ratings, RawRatings};
use super::text::{lines, perr, read_file, split_quoted, utf8_or_latin1};
use super::SplitFiles;
use crate::error::{DataError, Result};
use cinerec_core::{Catalog, Dataset, IdMap, Interactions, ItemMeta, UserMeta};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn read_split(path: &Path) -> Result<RawRatings> {
    if !path.is_file() {
        return Err(DataError::Format {
            path: path.to_path_buf(),
            message: "missing split file".into(),
        });
    }
    let spec = sniff(path)?;
    read_ratings(path, &ratings_spec(path, &spec)?, 0)
}

/// Item ids of an `items.csv` (header `item`, or a single column of ids).
fn read_items(path: &Path) -> Result<Vec<String>> {
    let bytes = read_file(path)?;
    let mut out = Vec::new();
    let mut col = 0usize;
    for (no, line) in lines(&bytes) {
        if line.is_empty() {
            continue;
        }
        let f = split_quoted(line, b',').map_err(|m| perr(path, no, "item", m))?;
        if no == 1 {
            let names: Vec<String> = f
                .iter()
                .map(|x| utf8_or_latin1(x).trim().to_ascii_lowercase())
                .collect();
            if let Some(c) = names
                .iter()
                .position(|n| super::generic::NAMES[1].contains(&n.as_str()))
            {
                col = c;
                continue;
            }
        }
        let id = f
            .get(col)
            .map(|x| utf8_or_latin1(x).trim().to_string())
            .unwrap_or_default();
        if id.is_empty() {
            return Err(perr(path, no, "item", "empty id"));
        }
        out.push(id);
    }
    Ok(out)
}

/// Extends `map` (and its metadata vector) with the ids of `new` it lacks, in sorted order;
/// returns the inner id of every entry of `new`.
fn extend_map<M: Default>(
    map: &mut IdMap,
    meta: &mut Vec<M>,
    new: &[String],
    extra: &[String],
) -> Vec<u32> {
    let mut unknown: Vec<String> = new
        .iter()
        .chain(extra)
        .filter(|r| map.get(r).is_none())
        .cloned()
        .collect();
    cinerec_core::ids::sort_raw_ids(&mut unknown);
    unknown.dedup();
    for r in &unknown {
        map.insert(r);
        meta.push(M::default());
    }
    new.iter()
        .map(|r| map.get(r).expect("just inserted"))
        .collect()
}

pub(crate) fn load(files: &SplitFiles, base: Option<&Dataset>) -> Result<(Dataset, Interactions)> {
    let train = read_split(&files.train)?;
    let test = read_split(&files.test)?;
    let items_path: Option<PathBuf> = files.items.clone().or_else(|| {
        let p = files
            .train
            .parent()
            .unwrap_or(Path::new("."))
            .join("items.csv");
        p.is_file().then_some(p)
    });
    let listed = match &items_path {
        Some(p) => read_items(p)?,
        None => vec![],
    };
    let (lo, hi) = observed(&train, &test);
    let both = |keys: fn(&RawRatings) -> &Vec<String>| -> Vec<String> {
        keys(&train).iter().chain(keys(&test)).cloned().collect()
    };
    let (all_users, all_items) = (both(|r| &r.user_keys), both(|r| &r.item_keys));
    let (catalog, scale) = match base {
        Some(b) => {
            let mut c: Catalog = (**b.catalog()).clone();
            let mut users = std::mem::take(&mut c.users);
            let mut items = std::mem::take(&mut c.items);
            let ut = extend_map::<UserMeta>(&mut users, &mut c.user_meta, &all_users, &[]);
            let it = extend_map::<ItemMeta>(&mut items, &mut c.item_meta, &all_items, &listed);
            c.users = users;
            c.items = items;
            (c, (b.rating_scale(), ut, it))
        }
        None => {
            let (users, ut) = sorted_map(&all_users, std::iter::empty());
            let (items, it) = sorted_map(&all_items, listed.into_iter());
            let c = Catalog {
                user_meta: vec![UserMeta::default(); users.len()],
                item_meta: vec![ItemMeta::default(); items.len()],
                users,
                items,
                genre_names: vec![],
            };
            (c, ((lo, hi), ut, it))
        }
    };
    let ((slo, shi), ut, it) = scale;
    let (nu_train, ni_train) = (train.user_keys.len(), train.item_keys.len());
    let train_inter = train.finish(&ut[..nu_train], &it[..ni_train]);
    let test_inter = test.finish(&ut[nu_train..], &it[ni_train..]);
    let mut d = Dataset::new(name_of(&files.train), Arc::new(catalog), train_inter);
    d.set_scale(slo, shi);
    Ok((d, test_inter))
}

/// Observed rating range over both files (1–5 when empty).
fn observed(a: &RawRatings, b: &RawRatings) -> (f32, f32) {
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for v in a.values().iter().chain(b.values()) {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if lo > hi {
        (1.0, 5.0)
    } else {
        (lo, hi)
    }
}
