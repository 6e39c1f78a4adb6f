//! Machinery shared by the neighbourhood and content models (item-KNN, EASE, TF-IDF,
//! hybrid): the training users' ratings kept inside a model ([`UserRows`], so `score_all`
//! works for known users without the dataset), sparse per-item neighbour lists in CSR form
//! ([`NeighborLists`]), a deterministic parallel map over items on `std::thread::scope`
//! ([`par_map`]) and a small `InvalidParam` helper.

use crate::common::Shape;
use crate::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, Dataset, ItemIdx, Result, UserIdx, UserRef};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `Err(CoreError::InvalidParam)` with a name and a reason.
pub(crate) fn invalid<T>(name: &str, reason: impl Into<String>) -> Result<T> {
    Err(CoreError::InvalidParam {
        name: name.into(),
        reason: reason.into(),
    })
}

/// Every training user's ratings, CSR by user (items ascending).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct UserRows {
    offsets: Vec<usize>,
    items: Vec<u32>,
    values: Vec<f32>,
}

impl UserRows {
    /// Copies the ratings of `data`.
    pub fn of(data: &Dataset) -> Self {
        let mut r = UserRows {
            offsets: vec![0],
            ..Default::default()
        };
        for u in 0..data.n_users() as u32 {
            let (items, values) = data.user_ratings(UserIdx(u));
            r.items.extend_from_slice(items);
            r.values.extend_from_slice(values);
            r.offsets.push(r.items.len());
        }
        r
    }

    /// Like [`UserRows::of`] but each value is a recency weight `0.5^(m / half_life)`, `m` =
    /// how many of the user's ratings are later (by time, then item id) than this one.
    pub fn recency(data: &Dataset, half_life: f64) -> Self {
        let mut r = Self::of(data);
        for u in 0..data.n_users() {
            let (a, b) = (r.offsets[u], r.offsets[u + 1]);
            let times = data.matrix().user_times(UserIdx(u as u32));
            let mut order: Vec<usize> = (0..b - a).collect();
            order.sort_by_key(|&k| (times[k], r.items[a + k]));
            for (pos, &k) in order.iter().enumerate() {
                let later = (b - a - 1 - pos) as f64;
                r.values[a + k] = 0.5f64.powf(later / half_life) as f32;
            }
        }
        r
    }

    /// The ratings of a user reference, checked against `shape` (typed errors for unknown
    /// users and items). Profiles are returned as given.
    pub fn profile(&self, shape: &Shape, user: UserRef<'_>) -> Result<Vec<(u32, f32)>> {
        shape.check_user(user)?;
        Ok(match user {
            UserRef::Known(u) => {
                let (a, b) = (self.offsets[u.ix()], self.offsets[u.ix() + 1]);
                self.items[a..b]
                    .iter()
                    .zip(&self.values[a..b])
                    .map(|(&i, &v)| (i, v))
                    .collect()
            }
            UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
                p.iter().map(|&(i, v)| (i.0, v)).collect()
            }
        })
    }

    /// Number of stored ratings.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Writes the rows into a state.
    pub fn write(&self, w: &mut StateWriter) {
        write_csr(w, &self.offsets, &self.items, &self.values);
    }

    /// Reads rows written by [`UserRows::write`], checking them against `shape`.
    pub fn read(r: &mut StateReader<'_>, shape: &Shape) -> Result<Self> {
        let (offsets, items, values) = read_csr(
            r,
            shape.n_users,
            shape.n_items,
            "user rows",
            "user rows: bad rating values",
        )?;
        Ok(UserRows {
            offsets,
            items,
            values,
        })
    }
}

/// Writes rows as per-row counts (from `offsets`), column indices and values: what
/// [`read_csr`] takes back.
fn write_csr(w: &mut StateWriter, offsets: &[usize], items: &[u32], values: &[f32]) {
    let counts: Vec<u32> = offsets.windows(2).map(|x| (x[1] - x[0]) as u32).collect();
    w.u32s(&counts);
    w.u32s(items);
    w.f32s(values);
}

/// Reads per-row counts, column indices and values; checks lengths and that columns are
/// `< n_cols` (else a corrupt-state error about `what`), then that there is one finite value
/// per column index (else the corrupt-state error `bad_values`).
fn read_csr(
    r: &mut StateReader<'_>,
    n_rows: usize,
    n_cols: usize,
    what: &str,
    bad_values: &str,
) -> Result<(Vec<usize>, Vec<u32>, Vec<f32>)> {
    let counts = r.u32s()?;
    let cols = r.u32s()?;
    let mut offsets = Vec::with_capacity(counts.len() + 1);
    offsets.push(0usize);
    for &c in &counts {
        offsets.push(offsets[offsets.len() - 1] + c as usize);
    }
    if counts.len() != n_rows
        || offsets[n_rows] != cols.len()
        || cols.iter().any(|&c| c as usize >= n_cols)
    {
        return Err(CoreError::Corrupt(format!(
            "{what}: inconsistent sparse rows"
        )));
    }
    let values = r.f32s()?;
    if values.len() != cols.len() || !values.iter().all(|v| v.is_finite()) {
        return Err(CoreError::Corrupt(bad_values.into()));
    }
    Ok((offsets, cols, values))
}

/// Sparse weighted neighbour lists per item, best first.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct NeighborLists {
    offsets: Vec<usize>,
    items: Vec<u32>,
    weights: Vec<f32>,
}

impl NeighborLists {
    /// Builds the lists from one `(neighbour, weight)` list per item.
    pub fn from_lists(lists: Vec<Vec<(u32, f32)>>) -> Self {
        let mut n = NeighborLists {
            offsets: vec![0],
            ..Default::default()
        };
        for l in lists {
            for (j, w) in l {
                n.items.push(j);
                n.weights.push(w);
            }
            n.offsets.push(n.items.len());
        }
        n
    }

    /// Neighbours of item `i` and their weights.
    #[inline]
    pub fn of(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        (&self.items[a..b], &self.weights[a..b])
    }

    /// Total number of stored neighbours.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Writes the lists into a state.
    pub fn write(&self, w: &mut StateWriter) {
        write_csr(w, &self.offsets, &self.items, &self.weights);
    }

    /// Reads lists written by [`NeighborLists::write`] for `n_items` items.
    pub fn read(r: &mut StateReader<'_>, n_items: usize) -> Result<Self> {
        Self::read_cols(r, n_items, n_items)
    }

    /// Reads `n_rows` lists whose entries index `0..n_cols` (e.g. sparse feature vectors).
    pub fn read_cols(r: &mut StateReader<'_>, n_rows: usize, n_cols: usize) -> Result<Self> {
        let (offsets, items, weights) = read_csr(
            r,
            n_rows,
            n_cols,
            "sparse rows",
            "neighbour lists: bad weights",
        )?;
        Ok(NeighborLists {
            offsets,
            items,
            weights,
        })
    }
}

/// Keeps the `k` largest-weight entries of `v` (ties: smaller id first), sorted best first.
pub(crate) fn keep_top(v: &mut Vec<(u32, f32)>, k: usize) {
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(k);
}

/// Worker threads to use: the machine's parallelism, at most `n` (at least 1).
pub(crate) fn threads_for(n: usize) -> usize {
    let hw = std::thread::available_parallelism().map_or(1, |p| p.get());
    hw.min(n).max(1)
}

/// `(0..n).map(f)` computed on scoped threads that take blocks of indices from a shared
/// counter; each thread gets its own `init()` scratch. The result is in index order, so it
/// does not depend on the number of threads.
pub(crate) fn par_map<T, S, I, F>(n: usize, init: I, f: F) -> Vec<T>
where
    T: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize) -> T + Sync,
{
    const BLOCK: usize = 16;
    let next = AtomicUsize::new(0);
    let threads = threads_for(n.div_ceil(BLOCK));
    let mut parts: Vec<(usize, Vec<T>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut scratch = init();
                    let mut out = Vec::new();
                    loop {
                        let start = next.fetch_add(BLOCK, Ordering::Relaxed);
                        if start >= n {
                            break;
                        }
                        let v: Vec<T> = (start..(start + BLOCK).min(n))
                            .map(|i| f(&mut scratch, i))
                            .collect();
                        out.push((start, v));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    parts.sort_by_key(|p| p.0);
    parts.into_iter().flat_map(|p| p.1).collect()
}

/// Checks an item index against a shape (re-exported for the models' `item_similarities`).
pub(crate) fn check_item(shape: &Shape, item: ItemIdx, out: &[f32]) -> Result<()> {
    shape.check_item(item)?;
    shape.check_out(out)
}
