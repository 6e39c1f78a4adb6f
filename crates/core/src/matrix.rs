//! The rating matrix: ratings stored user-major (CSR by user) with a second CSR index by item.
//!
//! Layout, for `n` ratings: `items`, `values`, `times` sorted by (user, item) — 12 bytes per
//! rating, the user column being implicit in `user_ptr` — plus the by-item index
//! `item_users`/`item_pos` (8 bytes per rating) pointing back into the user-major arrays.
//! Building consumes an [`Interactions`] and never holds more than ~20 bytes per rating at
//! once, which is what lets a 32M-rating file load in well under 1 GB. A consumer that reads
//! neither timestamps nor values by item (implicit ALS) can have the matrix built without
//! them ([`Keep`]): 12 bytes per rating instead of 20.

use crate::ids::{ItemIdx, UserIdx};
use crate::interactions::Interactions;

/// Which optional parts a [`RatingMatrix`] keeps after building.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    /// The timestamps (4 bytes per rating). Without them every timestamp reads as 0
    /// (unknown), as for a source that has none ([`RatingMatrix::drop_times`]).
    pub times: bool,
    /// The item-major index's positions into the user-major values (4 bytes per rating),
    /// needed to read rating values by item ([`RatingMatrix::item_col`]).
    pub item_positions: bool,
}

impl Keep {
    /// Everything (the default).
    pub const ALL: Keep = Keep {
        times: true,
        item_positions: true,
    };
}

impl Default for Keep {
    fn default() -> Self {
        Keep::ALL
    }
}

/// CSR rating matrix with user-major storage and an item-major index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RatingMatrix {
    n_users: usize,
    n_items: usize,
    user_ptr: Vec<usize>,
    items: Vec<u32>,
    values: Vec<f32>,
    times: Vec<u32>,
    item_ptr: Vec<usize>,
    item_users: Vec<u32>,
    item_pos: Vec<u32>,
    /// Set once the timestamps are dropped: zeros as long as the longest user row (what
    /// [`RatingMatrix::user_times`] then hands out).
    no_times: Option<Vec<u32>>,
    duplicates_dropped: usize,
}

impl RatingMatrix {
    /// Builds the matrix from triples whose ids are `< n_users` / `< n_items`.
    ///
    /// A (user, item) pair present more than once keeps the most recent rating (largest
    /// timestamp; on equal timestamps the later one in input order); the number dropped is
    /// reported by [`RatingMatrix::duplicates_dropped`].
    ///
    /// # Panics
    /// If an id is out of range; loaders guarantee that ids come from the catalogue maps.
    pub fn build(inter: Interactions, n_users: usize, n_items: usize) -> Self {
        Self::build_keeping(inter, n_users, n_items, Keep::ALL)
    }

    /// [`RatingMatrix::build`], keeping only the optional parts `keep` names. Duplicates are
    /// resolved by timestamp before any timestamp is dropped. (A [`crate::Dataset`] keeps the
    /// timestamps until it has taken its fingerprint, then drops them.)
    pub fn build_keeping(inter: Interactions, n_users: usize, n_items: usize, keep: Keep) -> Self {
        let Interactions {
            mut users,
            items,
            values,
            times,
        } = inter;
        let n = users.len();
        assert!(
            n < u32::MAX as usize,
            "more than 4 billion ratings are not supported"
        );
        // 1. user_ptr from counts.
        let mut user_ptr = vec![0usize; n_users + 1];
        for &u in &users {
            user_ptr[u as usize + 1] += 1;
        }
        for u in 0..n_users {
            user_ptr[u + 1] += user_ptr[u];
        }
        // 2. destination of every rating, written over the user column (no extra array).
        let already_user_sorted = users.windows(2).all(|w| w[0] <= w[1]);
        let (mut items, mut values, mut times) = if already_user_sorted {
            drop(users);
            (items, values, times)
        } else {
            let mut cursor = user_ptr.clone();
            for u in users.iter_mut() {
                let c = &mut cursor[*u as usize];
                *u = *c as u32;
                *c += 1;
            }
            let dest = users;
            let items = scatter(items, &dest);
            let values = scatter(values, &dest);
            let times = scatter(times, &dest);
            (items, values, times)
        };
        // 3. sort each user's row by (item, time), stable, then drop duplicate items.
        let mut scratch: Vec<(u32, u32, f32)> = Vec::new();
        let mut write = 0usize;
        let mut new_ptr = vec![0usize; n_users + 1];
        for u in 0..n_users {
            let (a, b) = (user_ptr[u], user_ptr[u + 1]);
            let sorted = items[a..b].windows(2).all(|w| w[0] < w[1]);
            if !sorted {
                scratch.clear();
                scratch.extend((a..b).map(|k| (items[k], times[k], values[k])));
                scratch.sort_by_key(|&(i, t, _)| (i, t));
                for (off, &(i, t, v)) in scratch.iter().enumerate() {
                    items[a + off] = i;
                    times[a + off] = t;
                    values[a + off] = v;
                }
            }
            for k in a..b {
                if k + 1 < b && items[k + 1] == items[k] {
                    continue; // a later (more recent) duplicate follows: keep that one
                }
                items[write] = items[k];
                values[write] = values[k];
                times[write] = times[k];
                write += 1;
            }
            new_ptr[u + 1] = write;
        }
        let duplicates_dropped = n - write;
        items.truncate(write);
        values.truncate(write);
        times.truncate(write);
        if duplicates_dropped > 0 {
            items.shrink_to_fit();
            values.shrink_to_fit();
            times.shrink_to_fit();
        }
        let user_ptr = new_ptr;
        // 4. item-major index.
        let mut item_ptr = vec![0usize; n_items + 1];
        for &i in &items {
            assert!(
                (i as usize) < n_items,
                "item index {i} out of range {n_items}"
            );
            item_ptr[i as usize + 1] += 1;
        }
        for i in 0..n_items {
            item_ptr[i + 1] += item_ptr[i];
        }
        let mut cursor = item_ptr.clone();
        let mut item_users = vec![0u32; write];
        let mut item_pos = vec![0u32; if keep.item_positions { write } else { 0 }];
        for u in 0..n_users {
            for k in user_ptr[u]..user_ptr[u + 1] {
                let c = &mut cursor[items[k] as usize];
                item_users[*c] = u as u32;
                if let Some(p) = item_pos.get_mut(*c) {
                    *p = k as u32;
                }
                *c += 1;
            }
        }
        RatingMatrix {
            n_users,
            n_items,
            user_ptr,
            items,
            values,
            times,
            item_ptr,
            item_users,
            item_pos,
            no_times: None,
            duplicates_dropped,
        }
        .keeping_times(keep.times)
    }

    /// The same ratings over a catalogue grown to `n_items` movies (the new movies, appended
    /// after the existing ones, have no rating yet). `n_items` below the current count is
    /// ignored.
    pub fn grow_items(&mut self, n_items: usize) {
        if n_items <= self.n_items {
            return;
        }
        let end = *self.item_ptr.last().unwrap_or(&0);
        self.item_ptr.resize(n_items + 1, end);
        self.n_items = n_items;
    }

    fn keeping_times(mut self, keep: bool) -> Self {
        if !keep {
            self.drop_times();
        }
        self
    }

    /// Frees the timestamps (4 bytes per rating); from then on every timestamp reads as 0,
    /// and [`RatingMatrix::hash_into`] hashes them as zeros.
    pub fn drop_times(&mut self) {
        if self.no_times.is_none() {
            let longest = (0..self.n_users)
                .map(|u| self.user_count(UserIdx(u as u32)))
                .max();
            self.no_times = Some(vec![0u32; longest.unwrap_or(0)]);
            self.times = Vec::new();
        }
    }

    /// Whether the timestamps were kept (see [`Keep`]).
    pub fn has_times(&self) -> bool {
        self.no_times.is_none()
    }

    /// Whether rating values can be read by item (see [`Keep`]).
    pub fn has_item_positions(&self) -> bool {
        self.item_pos.len() == self.items.len()
    }

    /// Number of users (rows), including users without ratings.
    pub fn n_users(&self) -> usize {
        self.n_users
    }
    /// Number of items (columns), including items without ratings.
    pub fn n_items(&self) -> usize {
        self.n_items
    }
    /// Number of stored ratings.
    pub fn nnz(&self) -> usize {
        self.items.len()
    }
    /// Duplicate (user, item) ratings dropped while building.
    pub fn duplicates_dropped(&self) -> usize {
        self.duplicates_dropped
    }

    /// Items rated by `u`, ascending, with their values.
    #[inline]
    pub fn user_row(&self, u: UserIdx) -> (&[u32], &[f32]) {
        let (a, b) = (self.user_ptr[u.ix()], self.user_ptr[u.ix() + 1]);
        (&self.items[a..b], &self.values[a..b])
    }

    /// Timestamps of `u`'s ratings, aligned with [`RatingMatrix::user_row`] (all 0 when the
    /// matrix was built without them).
    pub fn user_times(&self, u: UserIdx) -> &[u32] {
        let (a, b) = (self.user_ptr[u.ix()], self.user_ptr[u.ix() + 1]);
        match &self.no_times {
            None => &self.times[a..b],
            Some(zeros) => &zeros[..b - a],
        }
    }

    /// Number of ratings by `u`.
    #[inline]
    pub fn user_count(&self, u: UserIdx) -> usize {
        self.user_ptr[u.ix() + 1] - self.user_ptr[u.ix()]
    }

    /// Users who rated `i` (ascending) and the positions of those ratings in user-major order.
    ///
    /// # Panics
    /// If the matrix was built without item positions ([`Keep::item_positions`]); only a
    /// consumer that declared it reads no values by item gets such a matrix.
    #[inline]
    pub fn item_col(&self, i: ItemIdx) -> (&[u32], &[u32]) {
        let (a, b) = (self.item_ptr[i.ix()], self.item_ptr[i.ix() + 1]);
        assert!(
            self.has_item_positions(),
            "rating matrix built without item positions (Keep::item_positions)"
        );
        (&self.item_users[a..b], &self.item_pos[a..b])
    }

    /// Users who rated `i`, ascending (available whatever was kept).
    #[inline]
    pub fn item_users(&self, i: ItemIdx) -> &[u32] {
        &self.item_users[self.item_ptr[i.ix()]..self.item_ptr[i.ix() + 1]]
    }

    /// Number of ratings of `i`.
    #[inline]
    pub fn item_count(&self, i: ItemIdx) -> usize {
        self.item_ptr[i.ix() + 1] - self.item_ptr[i.ix()]
    }

    /// Rating value at a user-major position (as returned by [`RatingMatrix::item_col`]).
    #[inline]
    pub fn value_at(&self, pos: u32) -> f32 {
        self.values[pos as usize]
    }

    /// The rating `u` gave `i`, if any (binary search in the user's row).
    pub fn get(&self, u: UserIdx, i: ItemIdx) -> Option<f32> {
        let (items, values) = self.user_row(u);
        items.binary_search(&i.0).ok().map(|k| values[k])
    }

    /// All values in user-major order.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Iterates over all ratings in (user, item) order.
    pub fn iter(&self) -> impl Iterator<Item = crate::Rating> + '_ {
        (0..self.n_users).flat_map(move |u| {
            (self.user_ptr[u]..self.user_ptr[u + 1]).map(move |k| crate::Rating {
                user: UserIdx(u as u32),
                item: ItemIdx(self.items[k]),
                value: self.values[k],
                time: self.times.get(k).copied().unwrap_or(0),
            })
        })
    }

    /// Copies the ratings back to columnar triples in (user, item) order.
    pub fn to_interactions(&self) -> Interactions {
        let mut out = Interactions::with_capacity(self.nnz());
        for r in self.iter() {
            out.push(r.user.0, r.item.0, r.value, r.time);
        }
        out
    }

    /// Heap bytes held by the matrix.
    pub fn heap_bytes(&self) -> usize {
        8 * (self.user_ptr.capacity() + self.item_ptr.capacity())
            + 4 * (self.items.capacity()
                + self.values.capacity()
                + self.times.capacity()
                + self.item_users.capacity()
                + self.item_pos.capacity())
    }

    /// Feeds the matrix content to a hasher (for dataset fingerprints).
    pub fn hash_into(&self, h: &mut impl sha2::Digest) {
        h.update((self.n_users as u64).to_le_bytes());
        h.update((self.n_items as u64).to_le_bytes());
        for p in &self.user_ptr {
            h.update((*p as u64).to_le_bytes());
        }
        for chunk in self.items.chunks(1 << 16) {
            h.update(bytes_of_u32(chunk));
        }
        for chunk in self.values.chunks(1 << 16) {
            let v: Vec<u32> = chunk.iter().map(|x| x.to_bits()).collect();
            h.update(bytes_of_u32(&v));
        }
        for chunk in self.times.chunks(1 << 16) {
            h.update(bytes_of_u32(chunk));
        }
        if self.no_times.is_some() {
            // Dropped timestamps read as 0: hash what a column of zeros would feed.
            let zeros = [0u8; 1 << 16];
            let mut left = 4 * self.nnz();
            while left > 0 {
                let n = left.min(zeros.len());
                h.update(&zeros[..n]);
                left -= n;
            }
        }
    }
}

fn bytes_of_u32(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn scatter<T: Copy + Default>(src: Vec<T>, dest: &[u32]) -> Vec<T> {
    let mut out = vec![T::default(); src.len()];
    for (k, &d) in dest.iter().enumerate() {
        out[d as usize] = src[k];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RatingMatrix {
        let mut t = Interactions::default();
        t.push(2, 1, 4.0, 10);
        t.push(0, 2, 3.0, 5);
        t.push(0, 0, 5.0, 7);
        t.push(2, 1, 2.0, 20); // later duplicate wins
        t.push(1, 2, 1.0, 1);
        RatingMatrix::build(t, 4, 3)
    }

    #[test]
    fn rows_sorted_and_duplicates_dropped() {
        let m = sample();
        assert_eq!(m.nnz(), 4);
        assert_eq!(m.duplicates_dropped(), 1);
        assert_eq!(m.user_row(UserIdx(0)), (&[0u32, 2][..], &[5.0f32, 3.0][..]));
        assert_eq!(m.get(UserIdx(2), ItemIdx(1)), Some(2.0));
        assert_eq!(m.user_count(UserIdx(3)), 0);
    }

    #[test]
    fn item_index_points_back() {
        let m = sample();
        let (users, pos) = m.item_col(ItemIdx(2));
        assert_eq!(users, &[0, 1]);
        assert_eq!(m.value_at(pos[0]), 3.0);
        assert_eq!(m.value_at(pos[1]), 1.0);
        assert_eq!(m.item_count(ItemIdx(1)), 1);
    }

    #[test]
    fn roundtrip_through_interactions() {
        let m = sample();
        let again = RatingMatrix::build(m.to_interactions(), 4, 3);
        assert_eq!(again.to_interactions(), m.to_interactions());
    }
}
