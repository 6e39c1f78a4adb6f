//! Per-user work spread over scoped threads: contiguous user chunks, one reusable score
//! buffer per worker, results returned in user order (so every reduction done afterwards is
//! bit-for-bit the same whatever the worker count). Also the shared input checks and the
//! "group test pairs by user" helper used by the ranking and factorized metrics.

use crate::error::{EvalError, Result};
use cinerec_core::{CoreError, Dataset, Interactions, Recommender, UserIdx, UserRef};

/// Default number of worker threads (the project's reference machine has 2 cores).
pub const DEFAULT_WORKERS: usize = 2;

/// Runs `f(user, score_buffer)` for every user, on up to `workers` threads.
///
/// Users are split into contiguous chunks (one per worker); each worker owns one score
/// buffer of length `n_items` that it reuses for all its users. The outputs come back in the
/// order of `users`. The first error (in user order) is returned.
pub fn map_users<T, F>(users: &[UserIdx], n_items: usize, workers: usize, f: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(UserIdx, &mut [f32]) -> Result<T> + Sync,
{
    let workers = workers.max(1).min(users.len().max(1));
    let run_chunk = |chunk: &[UserIdx]| -> Result<Vec<T>> {
        let mut buf = vec![0f32; n_items];
        chunk.iter().map(|&u| f(u, &mut buf)).collect()
    };
    if workers == 1 {
        return run_chunk(users);
    }
    let chunk_len = users.len().div_ceil(workers);
    let parts: Vec<Result<Vec<T>>> = std::thread::scope(|s| {
        let handles: Vec<_> = users
            .chunks(chunk_len)
            .map(|c| s.spawn(move || run_chunk(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(EvalError::WorkerPanic)))
            .collect()
    });
    let mut out = Vec::with_capacity(users.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// Calls `model.score_all` for a known user. `Ok(false)` when the model does not know the
/// user ([`CoreError::UnknownUser`]); other model errors are raised.
pub fn score_user(model: &dyn Recommender, u: UserIdx, buf: &mut [f32]) -> Result<bool> {
    match model.score_all(UserRef::Known(u), buf) {
        Ok(()) => Ok(true),
        Err(CoreError::UnknownUser(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Checks that every test pair indexes the training catalogue.
pub fn check_pairs(train: &Dataset, test: &Interactions) -> Result<()> {
    let (nu, ni) = (train.n_users() as u32, train.n_items() as u32);
    let cols = [
        test.users.len(),
        test.items.len(),
        test.values.len(),
        test.times.len(),
    ];
    if cols.iter().any(|&c| c != cols[0]) {
        return Err(EvalError::InvalidInput(format!(
            "test columns have different lengths {cols:?}"
        )));
    }
    if let Some(k) = (0..test.len()).find(|&k| test.users[k] >= nu || test.items[k] >= ni) {
        return Err(EvalError::InvalidInput(format!(
            "test pair {k} (user #{}, item #{}) is outside the catalogue ({nu} users, {ni} items)",
            test.users[k], test.items[k]
        )));
    }
    Ok(())
}

/// Test items per user (index = inner user id), in stored order, duplicates kept.
/// Call [`check_pairs`] first.
pub fn items_by_user(n_users: usize, test: &Interactions) -> Vec<Vec<u32>> {
    let mut by_user = vec![Vec::new(); n_users];
    for (&u, &i) in test.users.iter().zip(&test.items) {
        by_user[u as usize].push(i);
    }
    by_user
}
