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
///
/// A bounded heap of the `k` best so far; once it is full, blocks of 16 scores are first
/// checked for any score above the worst kept one (a branch-free test the compiler
/// vectorises), and only a block that has one is walked. At 87,000 scores and k = 10 almost
/// every block is skipped after the first few thousand (`cinerec-core`'s `score_bench`).
pub fn top_k(scores: &[f32], k: usize) -> Vec<Scored> {
    if k == 0 {
        return vec![];
    }
    let mut heap: BinaryHeap<Entry> = BinaryHeap::with_capacity(k + 1);
    let offer = |heap: &mut BinaryHeap<Entry>, i: usize, s: f32| {
        if s.is_nan() || s == f32::NEG_INFINITY {
            return;
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
    };
    const BLOCK: usize = 16;
    for (b, block) in scores.chunks(BLOCK).enumerate() {
        if heap.len() == k && block.len() == BLOCK {
            // NaN and −∞ are never above a kept (finite or +∞) score, so they fail here too.
            let worst = heap.peek().map_or(f32::NEG_INFINITY, |w| w.0);
            if !block.iter().fold(false, |any, &s| any | (s > worst)) {
                continue;
            }
        }
        for (j, &s) in block.iter().enumerate() {
            offer(&mut heap, b * BLOCK + j, s);
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

/// The `k` best of entries offered in any order (the project-wide tie rule: higher score,
/// then the smaller id), for scans that do not visit the movies by ascending id
/// ([`crate::quantized`] visits them by decreasing row norm). `-inf` and NaN are never kept.
#[derive(Default)]
pub struct TopN {
    k: usize,
    heap: BinaryHeap<Entry>,
}

impl TopN {
    /// An empty selection of at most `k` entries.
    pub fn new(k: usize) -> Self {
        TopN {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// Whether `k` entries are kept.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.heap.len() >= self.k
    }

    /// The worst kept score once full, else −∞: an entry scoring below it cannot enter.
    #[inline]
    pub fn threshold(&self) -> f32 {
        match self.heap.peek() {
            Some(w) if self.heap.len() >= self.k => w.0,
            _ => f32::NEG_INFINITY,
        }
    }

    /// Offers `item` with score `s`.
    #[inline]
    pub fn offer(&mut self, item: u32, s: f32) {
        if self.k == 0 || s.is_nan() || s == f32::NEG_INFINITY {
            return;
        }
        let e = Entry(s, item);
        if self.heap.len() < self.k {
            self.heap.push(e);
        } else if self.heap.peek().is_some_and(|w| e < *w) {
            self.heap.pop();
            self.heap.push(e);
        }
    }

    /// The kept entries, best first.
    pub fn into_sorted(self) -> Vec<Scored> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|e| Scored {
                item: ItemIdx(e.1),
                score: e.0,
            })
            .collect()
    }
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

    /// The plain heap the block skipping must agree with, entry for entry.
    fn reference(scores: &[f32], k: usize) -> Vec<(u32, u32)> {
        let mut v: Vec<(f32, u32)> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_nan() && **s != f32::NEG_INFINITY)
            .map(|(i, &s)| (s, i as u32))
            .collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        v.truncate(k);
        v.into_iter().map(|(s, i)| (s.to_bits(), i)).collect()
    }

    #[test]
    fn top_n_in_any_order_keeps_the_tie_rule() {
        let mut rng = crate::Rng::new(8);
        for n in [0usize, 1, 9, 200, 3001] {
            let s: Vec<f32> = (0..n)
                .map(|_| match rng.next_u64() % 12 {
                    0 => f32::NEG_INFINITY,
                    1 => f32::NAN,
                    x => (x % 5) as f32 * 0.25,
                })
                .collect();
            // visit in a scrambled order
            let mut order: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
            }
            for k in [0usize, 1, 4, 10, n + 2] {
                let mut t = TopN::new(k);
                for &i in &order {
                    t.offer(i as u32, s[i]);
                }
                let got: Vec<(u32, u32)> = t
                    .into_sorted()
                    .iter()
                    .map(|x| (x.score.to_bits(), x.item.0))
                    .collect();
                assert_eq!(got, reference(&s, k), "n={n} k={k}");
            }
        }
    }

    #[test]
    fn block_skipping_keeps_the_tie_rule_on_long_inputs() {
        let mut rng = crate::Rng::new(3);
        for n in [15usize, 16, 17, 100, 1000, 5003] {
            // coarse values: many ties; some −∞ (masked) and NaN
            let s: Vec<f32> = (0..n)
                .map(|_| match rng.next_u64() % 20 {
                    0 => f32::NEG_INFINITY,
                    1 => f32::NAN,
                    x => (x % 7) as f32 * 0.5,
                })
                .collect();
            for k in [1usize, 3, 10, 16, 50, n + 1] {
                let got: Vec<(u32, u32)> = top_k(&s, k)
                    .iter()
                    .map(|x| (x.score.to_bits(), x.item.0))
                    .collect();
                assert_eq!(got, reference(&s, k), "n={n} k={k}");
            }
        }
    }
}
