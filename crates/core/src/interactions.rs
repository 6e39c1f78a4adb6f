//! Columnar (COO) rating triples in inner ids: the input to [`crate::RatingMatrix`] and the
//! form test sets take.
//!
//! Four parallel columns, 16 bytes per rating, no per-rating allocation. Timestamps are
//! seconds since the Unix epoch as `u32` (0 when the source has none).

use crate::ids::{ItemIdx, UserIdx};

/// One rating, as handed out by iterators (not how ratings are stored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    /// Who rated.
    pub user: UserIdx,
    /// What was rated.
    pub item: ItemIdx,
    /// The rating value on the dataset's scale.
    pub value: f32,
    /// Seconds since the Unix epoch (0 if unknown).
    pub time: u32,
}

/// Column-oriented list of ratings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interactions {
    /// User inner index of every rating.
    pub users: Vec<u32>,
    /// Item inner index of every rating.
    pub items: Vec<u32>,
    /// Rating values.
    pub values: Vec<f32>,
    /// Timestamps (seconds since epoch, 0 if unknown).
    pub times: Vec<u32>,
}

impl Interactions {
    /// Empty list with room for `n` ratings.
    pub fn with_capacity(n: usize) -> Self {
        Interactions {
            users: Vec::with_capacity(n),
            items: Vec::with_capacity(n),
            values: Vec::with_capacity(n),
            times: Vec::with_capacity(n),
        }
    }

    /// Appends one rating.
    #[inline]
    pub fn push(&mut self, user: u32, item: u32, value: f32, time: u32) {
        self.users.push(user);
        self.items.push(item);
        self.values.push(value);
        self.times.push(time);
    }

    /// Appends rating `k` of `from`.
    #[inline]
    pub fn push_from(&mut self, from: &Interactions, k: usize) {
        self.push(from.users[k], from.items[k], from.values[k], from.times[k]);
    }

    /// Number of ratings.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Rating at position `k`.
    #[inline]
    pub fn get(&self, k: usize) -> Rating {
        Rating {
            user: UserIdx(self.users[k]),
            item: ItemIdx(self.items[k]),
            value: self.values[k],
            time: self.times[k],
        }
    }

    /// Iterates over the ratings in stored order.
    pub fn iter(&self) -> impl Iterator<Item = Rating> + '_ {
        (0..self.len()).map(move |k| self.get(k))
    }

    /// Keeps the ratings at the given positions, in that order.
    pub fn select(&self, positions: &[usize]) -> Interactions {
        let mut out = Interactions::with_capacity(positions.len());
        for &k in positions {
            out.push(self.users[k], self.items[k], self.values[k], self.times[k]);
        }
        out
    }

    /// Appends all ratings of `other`.
    pub fn extend(&mut self, other: &Interactions) {
        self.users.extend_from_slice(&other.users);
        self.items.extend_from_slice(&other.items);
        self.values.extend_from_slice(&other.values);
        self.times.extend_from_slice(&other.times);
    }

    /// Bytes held by the columns (capacity, not length).
    pub fn heap_bytes(&self) -> usize {
        4 * (self.users.capacity()
            + self.items.capacity()
            + self.values.capacity()
            + self.times.capacity())
    }
}
