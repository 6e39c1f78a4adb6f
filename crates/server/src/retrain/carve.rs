//! Carving the guard's held-back slice: the newest ratings of the store's snapshot that the
//! active model has not seen, and the rest of the snapshot, each in two indexings — the
//! snapshot's catalogue (the candidate is fitted on it) and the catalogue of the data the
//! active model serves with (its users and movies may be numbered differently, or fewer).
//!
//! "Not seen" means not in the active model's data with that value: ratings posted (or
//! changed) since it was loaded. The slice is taken only from those, so neither model is
//! scored on a rating it was fitted on (the active model would otherwise win on its own
//! training ratings and a candidate could never pass); and only from ratings whose user and
//! movie the active data knows, so both models score exactly the same pairs.

use cinerec_core::{Dataset, Interactions, ItemIdx, UserIdx};

/// The snapshot split for the guard.
#[derive(Debug)]
pub struct Carve {
    /// Ratings of the snapshot the active model has not seen whose user and movie it knows
    /// (what the slice is carved from).
    pub new_ratings: usize,
    /// The snapshot without the slice: the candidate's training data.
    pub rest: Dataset,
    /// The slice, indexed by the snapshot's catalogue.
    pub slice: Interactions,
    /// The rest over the active data's catalogue (ratings of users or movies it lacks
    /// dropped): what the active model's evaluation treats as already rated.
    pub active_rest: Dataset,
    /// The slice over the active data's catalogue.
    pub active_slice: Interactions,
}

/// Index of every snapshot id in the active catalogue (`None`: the active data lacks it).
fn id_map(from: &cinerec_core::IdMap, to: &cinerec_core::IdMap) -> Vec<Option<u32>> {
    from.raws().iter().map(|r| to.get(r)).collect()
}

/// Splits `snap` against `active` (the data the active model serves with): the newest
/// `size(new)` unseen ratings, by (timestamp, user, movie), are the slice.
pub fn carve(active: &Dataset, snap: &Dataset, size: impl Fn(usize) -> usize) -> Carve {
    let (ac, sc) = (active.catalog(), snap.catalog());
    let users = id_map(&sc.users, &ac.users);
    let items = id_map(&sc.items, &ac.items);
    let all = snap.matrix().to_interactions();
    let to_active = |k: usize| -> Option<(u32, u32)> {
        Some((users[all.users[k] as usize]?, items[all.items[k] as usize]?))
    };
    let mut unseen: Vec<usize> = (0..all.len())
        .filter(|&k| {
            to_active(k).is_some_and(|(u, i)| {
                active.matrix().get(UserIdx(u), ItemIdx(i)) != Some(all.values[k])
            })
        })
        .collect();
    let new_ratings = unseen.len();
    unseen.sort_unstable_by_key(|&k| (all.times[k], all.users[k], all.items[k]));
    let n_slice = size(new_ratings).min(new_ratings);
    let mut in_slice = vec![false; all.len()];
    for &k in &unseen[new_ratings - n_slice..] {
        in_slice[k] = true;
    }
    let mut rest = Interactions::with_capacity(all.len() - n_slice);
    let mut slice = Interactions::with_capacity(n_slice);
    let mut active_rest = Interactions::with_capacity(all.len() - n_slice);
    let mut active_slice = Interactions::with_capacity(n_slice);
    for (k, &held) in in_slice.iter().enumerate() {
        let mapped = to_active(k);
        let (part, active_part) = if held {
            (&mut slice, &mut active_slice)
        } else {
            (&mut rest, &mut active_rest)
        };
        part.push_from(&all, k);
        if let Some((u, i)) = mapped {
            active_part.push(u, i, all.values[k], all.times[k]);
        }
    }
    Carve {
        new_ratings,
        rest: snap.with_ratings(format!("{}:retrain-fit", snap.name), rest),
        slice,
        active_rest: active.with_ratings(format!("{}:retrain-seen", active.name), active_rest),
        active_slice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cinerec_core::{Catalog, IdMap, ItemMeta, UserMeta};
    use std::sync::Arc;

    fn data(users: &[&str], ratings: &[(&str, &str, f32, u32)]) -> Dataset {
        let items = ["a", "b", "c", "d"];
        let cat = Catalog {
            users: IdMap::from_raw_sorted(users.iter().map(|u| u.to_string()).collect()),
            items: IdMap::from_raw_sorted(items.iter().map(|i| i.to_string()).collect()),
            item_meta: vec![ItemMeta::default(); items.len()],
            user_meta: vec![UserMeta::default(); users.len()],
            genre_names: vec![],
        };
        let mut r = Interactions::default();
        for &(u, i, v, t) in ratings {
            r.push(cat.users.get(u).unwrap(), cat.items.get(i).unwrap(), v, t);
        }
        Dataset::new("t", Arc::new(cat), r)
    }

    #[test]
    fn the_slice_is_the_newest_unseen_ratings_of_known_users() {
        let old = [
            ("u1", "a", 4.0, 1),
            ("u2", "b", 3.0, 2),
            ("u2", "c", 2.0, 3),
        ];
        let active = data(&["u1", "u2"], &old);
        // Since: u1 rated b and c, u2 changed c, a new user u0 (sorted first, so every
        // index shifts) rated d last of all.
        let mut now = old.to_vec();
        now[2].2 = 5.0;
        now[2].3 = 30;
        now.extend([
            ("u1", "b", 1.0, 10),
            ("u1", "c", 2.0, 20),
            ("u0", "d", 5.0, 99),
        ]);
        let snap = data(&["u0", "u1", "u2"], &now);
        let c = carve(&active, &snap, |n| n - 1);
        // Unseen with a known user: u1·b, u1·c, u2·c (changed); u0's rating is not eligible.
        assert_eq!(c.new_ratings, 3);
        assert_eq!(c.slice.len(), 2);
        let raw = |d: &Dataset, s: &Interactions, k: usize| {
            let cat = d.catalog();
            (
                cat.users.raw(s.users[k]).to_string(),
                cat.items.raw(s.items[k]).to_string(),
            )
        };
        let mut got: Vec<_> = (0..2).map(|k| raw(&snap, &c.slice, k)).collect();
        got.sort();
        assert_eq!(got, [("u1".into(), "c".into()), ("u2".into(), "c".into())]);
        // The same pairs in the active numbering; the rest keeps everything else.
        let mut same: Vec<_> = (0..2).map(|k| raw(&active, &c.active_slice, k)).collect();
        same.sort();
        assert_eq!(same, got);
        assert_eq!(c.rest.n_ratings(), now.len() - 2);
        assert_eq!(c.active_rest.n_ratings(), now.len() - 2 - 1);
        assert_eq!(c.rest.n_users(), 3);
        // Nothing new: an empty slice.
        let none = carve(&active, &active, |n| n);
        assert_eq!((none.new_ratings, none.slice.len()), (0, 0));
    }
}
