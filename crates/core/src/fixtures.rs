//! Small datasets generated in code for the tests of every crate (the contract suite in
//! `cinerec-engine`, the models' own unit tests): a catalogue with planted taste groups and
//! popularity, and an empty one.

use crate::{Catalog, Dataset, IdMap, Interactions, ItemMeta, Rng, UserMeta};
use std::sync::Arc;

/// Users with ratings in [`synthetic`]; one more catalogue user has none.
pub const SYN_USERS: usize = 24;
/// Items in [`synthetic`]; the last two have no rating.
pub const SYN_ITEMS: usize = 30;

fn catalog(n_users: usize, n_items: usize) -> Arc<Catalog> {
    Arc::new(Catalog {
        users: IdMap::from_ordered((1..=n_users).map(|u| u.to_string()).collect()),
        items: IdMap::from_ordered((1..=n_items).map(|i| i.to_string()).collect()),
        item_meta: vec![ItemMeta::default(); n_items],
        user_meta: vec![UserMeta::default(); n_users],
        genre_names: vec![],
    })
}

/// The synthetic dataset: users and items each in two taste groups (parity of the id);
/// users rate own-group items high (≈4.5) and others low (≈2), on half-star steps, scale 1–5;
/// lower item ids are rated more often (planted popularity). User `SYN_USERS` (the last)
/// has no rating, nor do the last two items.
pub fn synthetic(seed: u64) -> Dataset {
    let (nu, ni) = (SYN_USERS + 1, SYN_ITEMS);
    let mut rng = Rng::new(seed);
    let mut r = Interactions::default();
    for u in 0..SYN_USERS as u32 {
        for i in 0..(SYN_ITEMS - 2) as u32 {
            if i != u % 7 && rng.f64() >= 0.9 - 0.03 * i as f64 {
                continue; // every user rates at least item u % 7
            }
            let base = if u % 2 == i % 2 { 4.5 } else { 2.0 };
            let v = ((base + rng.f64() - 0.5) * 2.0f64).round() / 2.0;
            r.push(u, i, v.clamp(1.0, 5.0) as f32, 1_000 + i);
        }
    }
    let mut d = Dataset::new("synthetic", catalog(nu, ni), r);
    d.set_scale(1.0, 5.0);
    d
}

/// A dataset over a catalogue of `n_users` × `n_items` without any rating.
pub fn empty(n_users: usize, n_items: usize) -> Dataset {
    Dataset::new("empty", catalog(n_users, n_items), Interactions::default())
}
