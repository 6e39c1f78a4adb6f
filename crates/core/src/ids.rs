//! Identifier newtypes and the raw-id ↔ inner-id maps.
//!
//! A *raw* id is what a data file says (`"196"`, `"tt0114709"`); an *inner* id is a dense
//! `u32` index into the dataset's arrays. They are different types so one can never be
//! passed where the other is expected. The [`IdMap`] owned by the catalogue converts
//! between them.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A user id as written in the source data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RawUserId(pub String);

/// A movie (item) id as written in the source data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RawItemId(pub String);

/// Dense inner index of a user, `0..n_users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserIdx(pub u32);

/// Dense inner index of a movie, `0..n_items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ItemIdx(pub u32);

macro_rules! raw_impls {
    ($t:ident) => {
        impl $t {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl From<&str> for $t {
            fn from(s: &str) -> Self {
                $t(s.to_string())
            }
        }
        impl From<String> for $t {
            fn from(s: String) -> Self {
                $t(s)
            }
        }
    };
}
raw_impls!(RawUserId);
raw_impls!(RawItemId);

macro_rules! inner_impls {
    ($t:ident) => {
        impl $t {
            /// The index as `usize`, for slicing arrays.
            #[inline]
            pub fn ix(self) -> usize {
                self.0 as usize
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "#{}", self.0)
            }
        }
    };
}
inner_impls!(UserIdx);
inner_impls!(ItemIdx);

/// Bidirectional map between raw ids (strings) and dense inner indices.
///
/// Inner ids are assigned in *sorted raw-id order* (numerically when every raw id is an
/// integer, else lexicographically) by [`IdMap::from_raw_sorted`], so that "ties broken by
/// the smaller inner id" means "ties broken by the smaller raw id", as the peer scripts do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMap {
    raw: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl IdMap {
    /// Builds a map from raw ids, sorting them (numeric order if all parse as integers).
    /// Duplicates are removed.
    pub fn from_raw_sorted(mut raw: Vec<String>) -> Self {
        sort_raw_ids(&mut raw);
        raw.dedup();
        Self::from_ordered(raw)
    }

    /// Builds a map keeping the given order (index = position). Duplicates are removed,
    /// keeping the first occurrence.
    pub fn from_ordered(raw: Vec<String>) -> Self {
        let mut index = FxHashMap::with_capacity_and_hasher(raw.len(), Default::default());
        let mut kept = Vec::with_capacity(raw.len());
        for r in raw {
            if !index.contains_key(&r) {
                index.insert(r.clone(), kept.len() as u32);
                kept.push(r);
            }
        }
        IdMap { raw: kept, index }
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// True when the map holds no id.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Inner index of a raw id, if known.
    pub fn get(&self, raw: &str) -> Option<u32> {
        self.index.get(raw).copied()
    }

    /// Raw id of an inner index. Panics on an index out of range (inner ids come from this map).
    pub fn raw(&self, inner: u32) -> &str {
        &self.raw[inner as usize]
    }

    /// All raw ids in inner-id order.
    pub fn raws(&self) -> &[String] {
        &self.raw
    }

    /// The largest raw id that is a whole number (0 when none is): where new numeric ids
    /// (a user created through the API or `cinerec rate`) start counting after.
    pub fn max_numeric(&self) -> u64 {
        self.raw
            .iter()
            .filter_map(|r| r.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
    }

    /// Adds a raw id at the end if absent; returns its inner index.
    pub fn insert(&mut self, raw: &str) -> u32 {
        if let Some(&i) = self.index.get(raw) {
            return i;
        }
        let i = self.raw.len() as u32;
        self.raw.push(raw.to_string());
        self.index.insert(raw.to_string(), i);
        i
    }
}

/// Sorts raw ids numerically when they are all integers, else lexicographically.
pub fn sort_raw_ids(raw: &mut [String]) {
    sort_by_raw_id(raw, |s| s.as_str());
}

/// Sorts records by their raw id (`id` of each) in the order [`sort_raw_ids`] gives ids:
/// numerically when every id is an integer, else lexicographically.
pub fn sort_by_raw_id<T>(v: &mut [T], id: impl Fn(&T) -> &str) {
    let all_int = v.iter().all(|x| id(x).parse::<i64>().is_ok());
    if all_int {
        // Each id parsed once, not once per comparison.
        v.sort_by_cached_key(|x| id(x).parse::<i64>().unwrap_or(0));
    } else {
        v.sort_by(|a, b| id(a).cmp(id(b)));
    }
}

/// Raw ids tagged with the batch they arrived in (a store's `created_at`), in catalogue
/// order: earlier batches first, each batch in [`sort_raw_ids`] order (numerically when all
/// of *that batch's* ids are integers). A catalogue loaded in this order keeps every inner id
/// it had when ids are added later (they form later batches and come after the earlier
/// ones), so a model fitted on it still serves it; one batch alone is [`sort_raw_ids`] order.
pub fn order_in_batches(mut ids: Vec<(i64, String)>) -> Vec<String> {
    if !ids.windows(2).all(|w| w[0].0 <= w[1].0) {
        ids.sort_by_key(|(batch, _)| *batch);
    }
    let mut out = Vec::with_capacity(ids.len());
    let mut rest = ids.as_mut_slice();
    while let Some(&(batch, _)) = rest.first() {
        let n = rest.iter().take_while(|(b, _)| *b == batch).count();
        let (group, tail) = rest.split_at_mut(n);
        sort_by_raw_id(group, |(_, id)| id.as_str());
        out.extend(group.iter_mut().map(|(_, id)| std::mem::take(id)));
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_keep_earlier_ids_first() {
        let ids = |v: &[(i64, &str)]| v.iter().map(|(b, s)| (*b, s.to_string())).collect();
        let one = order_in_batches(ids(&[(5, "10"), (5, "9"), (5, "100")]));
        assert_eq!(one, ["9", "10", "100"]);
        // A later batch comes after, sorted on its own (its non-numeric id does not turn the
        // first batch's order lexicographic).
        let two = order_in_batches(ids(&[(7, "b"), (5, "10"), (7, "a"), (5, "9")]));
        assert_eq!(two, ["9", "10", "a", "b"]);
    }

    #[test]
    fn numeric_ids_sort_numerically() {
        let m = IdMap::from_raw_sorted(vec!["10".into(), "9".into(), "100".into(), "9".into()]);
        assert_eq!(m.raws(), &["9", "10", "100"]);
        assert_eq!(m.get("10"), Some(1));
        assert_eq!(m.get("11"), None);
    }

    #[test]
    fn text_ids_sort_lexicographically() {
        let m = IdMap::from_raw_sorted(vec!["b".into(), "a10".into(), "a9".into()]);
        assert_eq!(m.raws(), &["a10", "a9", "b"]);
    }

    #[test]
    fn insert_appends_once() {
        let mut m = IdMap::default();
        assert_eq!(m.insert("x"), 0);
        assert_eq!(m.insert("y"), 1);
        assert_eq!(m.insert("x"), 0);
        assert_eq!(m.len(), 2);
    }
}
