//! [`Dataset`]: a shared catalogue plus one rating matrix. A full dataset, a train split and
//! a test split all share the same catalogue, so their inner ids agree.

use crate::catalog::Catalog;
use crate::error::{CoreError, Result};
use crate::ids::{ItemIdx, UserIdx};
use crate::interactions::Interactions;
use crate::matrix::{Keep, RatingMatrix};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};

/// Ratings over a catalogue.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Name for reports ("ml-100k", "ratings_train.csv", …).
    pub name: String,
    catalog: Arc<Catalog>,
    matrix: RatingMatrix,
    scale: (f32, f32),
    hash: OnceLock<String>,
}

impl Dataset {
    /// Builds a dataset from a catalogue and rating triples whose ids index that catalogue.
    pub fn new(name: impl Into<String>, catalog: Arc<Catalog>, ratings: Interactions) -> Self {
        Self::new_keeping(name, catalog, ratings, Keep::ALL)
    }

    /// [`Dataset::new`] whose matrix keeps only what `keep` names (for a consumer that reads
    /// less, e.g. implicit ALS: see [`Keep`]). The fingerprint ([`Dataset::hash`]) is taken
    /// before the timestamps are dropped, so it is the same as with everything kept.
    pub fn new_keeping(
        name: impl Into<String>,
        catalog: Arc<Catalog>,
        ratings: Interactions,
        keep: Keep,
    ) -> Self {
        let build = Keep {
            times: true,
            ..keep
        };
        let matrix =
            RatingMatrix::build_keeping(ratings, catalog.n_users(), catalog.n_items(), build);
        let scale = scale_of(matrix.values());
        let mut d = Dataset {
            name: name.into(),
            catalog,
            matrix,
            scale,
            hash: OnceLock::new(),
        };
        if !keep.times {
            d.hash();
            d.matrix.drop_times();
        }
        d
    }

    /// A dataset over the same catalogue with other ratings (used by splits).
    pub fn with_ratings(&self, name: impl Into<String>, ratings: Interactions) -> Self {
        let mut d = Dataset::new(name, self.catalog.clone(), ratings);
        // Keep the parent's rating scale: a split's train part may lack the extreme values.
        d.scale = self.scale;
        d
    }

    /// This dataset over `catalog`, a catalogue grown from this one by appending movies (new
    /// movies added to a running service): the same users in the same order, the same movies
    /// first, the same ratings and rating scale. Anything else is [`CoreError::Mismatch`].
    pub fn with_catalog(&self, catalog: Arc<Catalog>) -> Result<Self> {
        let (old, new) = (self.catalog.as_ref(), catalog.as_ref());
        let users_same = Arc::ptr_eq(&self.catalog, &catalog) || old.users == new.users;
        let items_kept = new.n_items() >= old.n_items()
            && old.items.raws() == &new.items.raws()[..old.n_items()];
        if !users_same || !items_kept {
            return Err(CoreError::Mismatch(format!(
                "catalogue of {} movies and {} users is not the catalogue of {} with movies appended",
                new.n_items(),
                new.n_users(),
                self.name
            )));
        }
        let mut matrix = self.matrix.clone();
        matrix.grow_items(new.n_items());
        Ok(Dataset {
            name: self.name.clone(),
            catalog,
            matrix,
            scale: self.scale,
            hash: OnceLock::new(),
        })
    }

    /// The shared catalogue.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }
    /// The rating matrix.
    pub fn matrix(&self) -> &RatingMatrix {
        &self.matrix
    }
    /// Number of users in the catalogue (some may have no rating here).
    pub fn n_users(&self) -> usize {
        self.catalog.n_users()
    }
    /// Number of movies in the catalogue (some may have no rating here).
    pub fn n_items(&self) -> usize {
        self.catalog.n_items()
    }
    /// Number of ratings.
    pub fn n_ratings(&self) -> usize {
        self.matrix.nnz()
    }
    /// Lowest and highest rating value seen (or set with [`Dataset::set_scale`]).
    pub fn rating_scale(&self) -> (f32, f32) {
        self.scale
    }
    /// Overrides the rating scale (e.g. 1–5 for MovieLens whatever the sample holds).
    pub fn set_scale(&mut self, lo: f32, hi: f32) {
        self.scale = (lo, hi);
    }
    /// Mean of all ratings (0 when empty).
    pub fn global_mean(&self) -> f32 {
        let v = self.matrix.values();
        if v.is_empty() {
            0.0
        } else {
            (v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64) as f32
        }
    }
    /// Items `u` rated, ascending, with values.
    pub fn user_ratings(&self, u: UserIdx) -> (&[u32], &[f32]) {
        self.matrix.user_row(u)
    }
    /// Whether `u` rated `i`.
    pub fn has_rated(&self, u: UserIdx, i: ItemIdx) -> bool {
        self.matrix.get(u, i).is_some()
    }
    /// Users with at least one rating.
    pub fn active_users(&self) -> impl Iterator<Item = UserIdx> + '_ {
        (0..self.n_users() as u32)
            .map(UserIdx)
            .filter(|&u| self.matrix.user_count(u) > 0)
    }

    /// A stable fingerprint (sha256, hex, first 16 chars) of ids and ratings; computed once.
    /// Models record it so loading a model against other data is caught.
    pub fn hash(&self) -> &str {
        self.hash.get_or_init(|| {
            let mut h = Sha256::new();
            for r in self.catalog.users.raws() {
                h.update(r.as_bytes());
                h.update([0u8]);
            }
            h.update([1u8]);
            for r in self.catalog.items.raws() {
                h.update(r.as_bytes());
                h.update([0u8]);
            }
            self.matrix.hash_into(&mut h);
            let d = h.finalize();
            d.iter().take(8).map(|b| format!("{b:02x}")).collect()
        })
    }

    /// Approximate heap bytes of the rating matrix (not the catalogue).
    pub fn heap_bytes(&self) -> usize {
        self.matrix.heap_bytes()
    }
}

fn scale_of(v: &[f32]) -> (f32, f32) {
    if v.is_empty() {
        return (1.0, 5.0);
    }
    let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    (lo, hi)
}
