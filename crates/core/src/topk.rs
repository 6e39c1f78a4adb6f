//! Top-K selection over a dense score vector with the project-wide tie rule: higher score
//! first, equal scores by smaller inner id (the peers' stable argsort over ascending ids).
//! `-inf` and NaN scores are never selected.

use crate::ids::ItemIdx;
use crate::recommender::Scored;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(PartialEq)]
struct Entry(f32, u32);
impl Eq for Entry {}
impl Ord for Entry {
    // "Greater" = worse, so the heap's top is the worst kept entry.
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0).then(self.1.cmp(&o.1))
    }
}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// The `k` best entries of `scores`, best first.
pub fn top_k(scores: &[f32], k: usize) -> Vec<Scored> {
    if k == 0 {
        return vec![];
    }
    let mut heap: BinaryHeap<Entry> = BinaryHeap::with_capacity(k + 1);
    for (i, &s) in scores.iter().enumerate() {
        if s.is_nan() || s == f32::NEG_INFINITY {
            continue;
        }
        if heap.len() < k {
            heap.push(Entry(s, i as u32));
        } else if let Some(worst) = heap.peek() {
            // strictly better than the worst kept (equal score keeps the smaller id already in)
            if s > worst.0 {
                heap.pop();
                heap.push(Entry(s, i as u32));
            }
        }
    }
    let mut v: Vec<Scored> = heap
        .into_iter()
        .map(|e| Scored {
            item: ItemIdx(e.1),
            score: e.0,
        })
        .collect();
    v.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
    v
}

/// Rank (0-based) that `target` would get among all entries of `scores` under the tie rule.
pub fn rank_of(scores: &[f32], target: usize) -> usize {
    let t = scores[target];
    scores
        .iter()
        .enumerate()
        .filter(|&(i, &s)| s > t || (s == t && i < target))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_prefer_smaller_ids_and_skip_neg_inf() {
        let s = [1.0, 3.0, 3.0, f32::NEG_INFINITY, 2.0, f32::NAN, 3.0];
        let t: Vec<u32> = top_k(&s, 4).iter().map(|x| x.item.0).collect();
        assert_eq!(t, vec![1, 2, 6, 4]);
        assert_eq!(top_k(&s, 100).len(), 5);
        assert_eq!(rank_of(&s, 2), 1);
        assert_eq!(rank_of(&s, 0), 4);
    }
}
