//! The global time split: one cut in time for everybody, as a system deployed at a date sees
//! it. Users who start rating and movies first rated after the cut exist only in the test
//! part (cold users and cold movies).

use super::random::ratio_count;
use super::{check_columns, InteractionSplit};
use crate::error::Result;
use cinerec_core::Interactions;

/// Sorts positions by (timestamp, user, item) and puts the last `⌊n·test_ratio⌋` in test;
/// train and test keep the input order.
pub(super) fn global_time(ratings: &Interactions, test_ratio: f64) -> Result<InteractionSplit> {
    check_columns(ratings)?;
    let n = ratings.len();
    let n_test = ratio_count(n, test_ratio);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by_key(|&k| (ratings.times[k], ratings.users[k], ratings.items[k]));
    let mut is_test = vec![false; n];
    for &k in &order[n - n_test..] {
        is_test[k] = true;
    }
    let mut out = InteractionSplit {
        train: Interactions::with_capacity(n - n_test),
        test: Interactions::with_capacity(n_test),
    };
    for (k, &t) in is_test.iter().enumerate() {
        if t {
            out.test.push_from(ratings, k);
        } else {
            out.train.push_from(ratings, k);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::{split_interactions, SplitSpec};

    fn ratings() -> Interactions {
        let mut r = Interactions::default();
        // (user, item, value, time): user 2 arrives late, item 3 is first rated late.
        for &(u, i, t) in &[
            (0, 0, 10),
            (0, 1, 20),
            (1, 0, 15),
            (1, 2, 30),
            (0, 3, 90),
            (2, 0, 80),
            (2, 1, 70),
            (1, 1, 40),
            (0, 2, 50),
            (1, 3, 95),
        ] {
            r.push(u, i, 4.0, t);
        }
        r
    }

    #[test]
    fn the_latest_share_is_test_whatever_the_user() {
        let r = ratings();
        let s = split_interactions(&r, &SplitSpec::GlobalTime { test_ratio: 0.4 }).unwrap();
        assert_eq!(s.train.len(), 6);
        assert_eq!(s.test.len(), 4);
        let cut = *s.train.times.iter().max().unwrap();
        assert!(s.test.times.iter().all(|&t| t > cut));
        // User 2 and item 3 appear only after the cut: cold in test.
        assert!(!s.train.users.contains(&2) && s.test.users.contains(&2));
        assert!(!s.train.items.contains(&3) && s.test.items.contains(&3));
        // Input order is kept in both parts.
        assert_eq!(s.test.times, vec![90, 80, 70, 95]);
    }

    #[test]
    fn ties_in_time_break_by_user_then_item_and_ratio_is_validated() {
        let mut r = Interactions::default();
        for (u, i) in [(1, 0), (0, 1), (0, 0)] {
            r.push(u, i, 3.0, 7);
        }
        let s = split_interactions(&r, &SplitSpec::GlobalTime { test_ratio: 0.34 }).unwrap();
        assert_eq!((s.test.users[0], s.test.items[0]), (1, 0));
        assert!(split_interactions(&r, &SplitSpec::GlobalTime { test_ratio: 1.0 }).is_err());
        assert_eq!(
            SplitSpec::GlobalTime { test_ratio: 0.2 }.label(),
            "global_time(0.2)"
        );
    }
}
