//! The live overlay: ratings posted (or deleted) since the model's training data was loaded,
//! and users created since then. A user with changes is asked about ([`Asked`]) as
//! `UserRef::Updated` when they are a trained user who only added or changed ratings (factor
//! models update the trained vector with the new ones), as `UserRef::Known` when every
//! change re-posted a training rating unchanged, and as `UserRef::Profile(training ratings ∪
//! overlay)` otherwise (created users, deletions), which factor models fold in without
//! retraining. Sharded (`DashMap`) so writers for different users do not block each other,
//! with a per-known-user flag so the common read (a user without changes) takes no lock.
//! A created user's demographics (given to `POST /users`) are kept here too, so models that
//! use demographics see them for that user at once.

use cinerec_core::{Dataset, ItemIdx, UserIdx, UserMeta, UserRef};
use dashmap::DashMap;
use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// One user's changes: `Some(value)` = rated, `None` = rating deleted.
#[derive(Debug, Default, Clone)]
pub struct UserChanges {
    /// Changes by movie.
    pub changes: FxHashMap<ItemIdx, Option<f32>>,
    /// True for users created through the API (not in the training catalogue).
    pub created: bool,
    /// A created user's demographics, when given.
    pub meta: Option<UserMeta>,
}

/// Who a raw user id is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// A user of the training data.
    Known(UserIdx),
    /// A user created through the API.
    Created,
}

/// A user as the overlay has them: their current profile and, for a trained user who only
/// added or changed ratings, who they are and the ratings training did not see.
#[derive(Debug, Clone)]
pub struct Asked {
    /// The current profile, sorted by movie.
    pub profile: Vec<(ItemIdx, f32)>,
    /// The trained user and their new ratings (`None`: ask by the profile alone).
    pub trained: Option<(UserIdx, Vec<(ItemIdx, f32)>)>,
}

impl Asked {
    /// `Known` (nothing new), `Updated` (new ratings) or `Profile`.
    pub fn user_ref(&self) -> UserRef<'_> {
        match &self.trained {
            Some((u, new)) if new.is_empty() => UserRef::Known(*u),
            Some((u, new)) => UserRef::Updated {
                user: *u,
                profile: &self.profile,
                new,
            },
            None => UserRef::Profile(&self.profile),
        }
    }
}

/// The overlay of all users.
#[derive(Debug)]
pub struct LiveRatings {
    users: DashMap<String, UserChanges, rustc_hash::FxBuildHasher>,
    dirty: Vec<AtomicBool>,
    changes: AtomicU64,
}

impl LiveRatings {
    /// An empty overlay for a catalogue of `n_users` known users.
    pub fn new(n_users: usize) -> Self {
        LiveRatings {
            users: DashMap::with_hasher(Default::default()),
            dirty: (0..n_users).map(|_| AtomicBool::new(false)).collect(),
            changes: AtomicU64::new(0),
        }
    }

    /// Resolves a raw user id: known users first, then created ones.
    /// An id written as a whole number with a fraction (`12.0`) also finds the user stored
    /// as `12` ([`crate::api::stored_id`]).
    pub fn who(&self, data: &Dataset, raw: &str) -> Option<Who> {
        self.who_exact(data, raw)
            .or_else(|| crate::api::stored_id(raw).and_then(|id| self.who_exact(data, &id)))
    }

    fn who_exact(&self, data: &Dataset, raw: &str) -> Option<Who> {
        if let Some(u) = data.catalog().user(raw) {
            return Some(Who::Known(u));
        }
        self.users
            .get(raw)
            .filter(|c| c.created)
            .map(|_| Who::Created)
    }

    /// Registers a user created through the API; false if the id exists already.
    pub fn create_user(&self, data: &Dataset, raw: &str) -> bool {
        if data.catalog().user(raw).is_some() {
            return false;
        }
        let mut fresh = false;
        self.users.entry(raw.to_string()).or_insert_with(|| {
            fresh = true;
            UserChanges {
                created: true,
                ..Default::default()
            }
        });
        fresh
    }

    /// Keeps a created user's demographics (no-op for an id the overlay does not hold).
    pub fn set_meta(&self, raw: &str, meta: Option<UserMeta>) {
        if let Some(mut e) = self.users.get_mut(raw) {
            e.meta = meta;
        }
    }

    /// The demographics of a user: a created user's as given, a known user's from the
    /// catalogue (`None` when nothing is known).
    pub fn meta(&self, data: &Dataset, who: Who, raw: &str) -> Option<UserMeta> {
        let m = match who {
            Who::Known(u) => data.catalog().user_meta.get(u.ix()).cloned(),
            Who::Created => self.users.get(raw).and_then(|c| c.meta.clone()),
        };
        m.filter(|m| m.age.is_some() || m.gender.is_some() || m.occupation.is_some())
    }

    /// Records ratings (`Some`) or deletions (`None`) for one user.
    pub fn apply(&self, who: Who, raw: &str, changes: &[(ItemIdx, Option<f32>)]) {
        let mut e = self.users.entry(raw.to_string()).or_default();
        if who == Who::Created {
            e.created = true;
        }
        for &(i, v) in changes {
            e.changes.insert(i, v);
        }
        drop(e);
        if let Who::Known(u) = who {
            if let Some(f) = self.dirty.get(u.ix()) {
                f.store(true, Ordering::Release);
            }
        }
        self.changes
            .fetch_add(changes.len() as u64, Ordering::Relaxed);
    }

    /// True when the user has changes (their profile differs from the training data).
    pub fn has_changes(&self, who: Who) -> bool {
        match who {
            Who::Known(u) => self
                .dirty
                .get(u.ix())
                .is_some_and(|f| f.load(Ordering::Acquire)),
            Who::Created => true,
        }
    }

    /// What to ask a model about the user (see the module docs), with their current profile.
    pub fn ask(&self, data: &Dataset, who: Who, raw: &str) -> Asked {
        let profile = self.profile(data, who, raw);
        let Who::Known(u) = who else {
            return Asked {
                profile,
                trained: None,
            };
        };
        let mut new: Vec<(ItemIdx, f32)> = Vec::new();
        if let Some(c) = self.users.get(raw) {
            for (&i, &v) in &c.changes {
                let had = data.matrix().get(u, i);
                match v {
                    Some(v) if had != Some(v) => new.push((i, v)),
                    Some(_) => {}
                    None if had.is_some() => {
                        // A training rating deleted: only a fold-in of the whole profile
                        // forgets it.
                        return Asked {
                            profile,
                            trained: None,
                        };
                    }
                    None => {}
                }
            }
        }
        new.sort_by_key(|p| p.0);
        Asked {
            profile,
            trained: Some((u, new)),
        }
    }

    /// The user's current ratings, sorted by movie: training ratings with the overlay applied.
    pub fn profile(&self, data: &Dataset, who: Who, raw: &str) -> Vec<(ItemIdx, f32)> {
        let mut map: FxHashMap<ItemIdx, f32> = FxHashMap::default();
        if let Who::Known(u) = who {
            let (items, values) = data.user_ratings(u);
            map.extend(items.iter().zip(values).map(|(&i, &v)| (ItemIdx(i), v)));
        }
        if let Some(c) = self.users.get(raw) {
            for (&i, &v) in &c.changes {
                match v {
                    Some(v) => map.insert(i, v),
                    None => map.remove(&i),
                };
            }
        }
        let mut v: Vec<(ItemIdx, f32)> = map.into_iter().collect();
        v.sort_by_key(|p| p.0);
        v
    }

    /// Whether the user's current profile has a rating of `item` (training or live).
    pub fn current(&self, data: &Dataset, who: Who, raw: &str, item: ItemIdx) -> Option<f32> {
        if let Some(c) = self.users.get(raw) {
            if let Some(&v) = c.changes.get(&item) {
                return v;
            }
        }
        match who {
            Who::Known(u) => data.matrix().get(u, item),
            Who::Created => None,
        }
    }

    /// Live ratings of one user (what the overlay holds), by movie.
    pub fn live_items(&self, raw: &str) -> Vec<ItemIdx> {
        self.users
            .get(raw)
            .map(|c| {
                c.changes
                    .iter()
                    .filter(|(_, v)| v.is_some())
                    .map(|(&i, _)| i)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Users created through the API.
    pub fn created_users(&self) -> usize {
        self.users.iter().filter(|e| e.created).count()
    }

    /// Rating changes applied since start.
    pub fn change_count(&self) -> u64 {
        self.changes.load(Ordering::Relaxed)
    }

    /// Copies every change into `to` (an overlay over `new`), re-keying movies by raw id
    /// from `old` to `new`; movies missing from `new` are dropped.
    pub fn replay_into(&self, old: &Dataset, new: &Dataset, to: &LiveRatings) {
        for e in self.users.iter() {
            let who = match new.catalog().user(e.key()) {
                Some(u) => Who::Known(u),
                None => Who::Created,
            };
            let changes: Vec<(ItemIdx, Option<f32>)> = e
                .changes
                .iter()
                .filter_map(|(&i, &v)| {
                    let raw = old.catalog().items.raw(i.0);
                    new.catalog().item(raw).map(|j| (j, v))
                })
                .collect();
            if who == Who::Created {
                to.create_user(new, e.key());
                to.set_meta(e.key(), e.meta.clone());
            }
            to.apply(who, e.key(), &changes);
        }
    }
}
