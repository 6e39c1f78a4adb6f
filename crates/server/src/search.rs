//! Title search for autocomplete (`GET /movies?q=`) as an index, built once per catalogue and
//! updated in place when movies are added or renamed (`POST /movies`, `PATCH /movies/{id}`).
//!
//! Every normalised title (`catalog::normalize_title`: lower case, articles moved to the
//! front) is cut into its character n-grams of 1, 2 and 3 characters; each n-gram keeps the
//! sorted popularity ranks of the titles that hold it. A query of up to 3 characters reads its
//! own list; a longer one the shortest list of its trigrams. Every candidate is then checked
//! against the query itself (a substring test is cheaper than intersecting the other lists)
//! and put in its group — title starts with the query, a word starts with it, it is inside —
//! and, since the lists are in rank order, each group comes out by popularity without a sort:
//! the same answer as a scan of every title in popularity order, at the cost of the candidates
//! only. Titles are kept in rank order, so the walk reads them in memory order.
//!
//! Movies added after the index was built take the next ranks (a new movie has no rating, so
//! it is the least popular, after the others in id order: what a rebuild would give too).

use cinerec_core::catalog::normalize_title;
use cinerec_core::ItemIdx;
use rustc_hash::{FxHashMap, FxHashSet};

/// An n-gram of up to 3 characters, each stored as `char + 1` in 21 bits.
type Gram = u64;

fn gram(chars: &[char]) -> Gram {
    chars.iter().fold(0u64, |g, &c| (g << 21) | (c as u64 + 1))
}

/// The distinct n-grams (1 to 3 characters) of `title`.
fn grams_of(title: &str) -> FxHashSet<Gram> {
    let chars: Vec<char> = title.chars().collect();
    let mut out = FxHashSet::default();
    for len in 1..=3 {
        for w in chars.windows(len) {
            out.insert(gram(w));
        }
    }
    out
}

/// The n-gram index over the normalised titles of a catalogue (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct TitleIndex {
    /// Normalised title per popularity rank.
    titles: Vec<String>,
    /// Popularity rank per inner id.
    rank: Vec<u32>,
    /// Inner id per popularity rank.
    by_rank: Vec<ItemIdx>,
    /// N-gram → ranks of the titles holding it, ascending.
    lists: FxHashMap<Gram, Vec<u32>>,
}

impl TitleIndex {
    /// Indexes `titles` (display titles by inner id) with `popular` (every inner id, most
    /// popular first).
    pub fn build(titles: &[String], popular: &[ItemIdx]) -> Self {
        let mut rank = vec![0u32; titles.len()];
        for (r, i) in popular.iter().enumerate() {
            rank[i.ix()] = r as u32;
        }
        let titles: Vec<String> = popular
            .iter()
            .map(|i| normalize_title(&titles[i.ix()]))
            .collect();
        let mut lists: FxHashMap<Gram, Vec<u32>> = FxHashMap::default();
        for (r, t) in titles.iter().enumerate() {
            for g in grams_of(t) {
                lists.entry(g).or_default().push(r as u32);
            }
        }
        TitleIndex {
            titles,
            rank,
            by_rank: popular.to_vec(),
            lists,
        }
    }

    /// Number of indexed movies.
    pub fn len(&self) -> usize {
        self.titles.len()
    }

    /// Whether no movie is indexed.
    pub fn is_empty(&self) -> bool {
        self.titles.is_empty()
    }

    /// Adds the movie with the next inner id (`self.len()`) as the least popular one.
    pub fn push(&mut self, title: &str) {
        let i = ItemIdx(self.titles.len() as u32);
        let r = self.by_rank.len() as u32;
        let t = normalize_title(title);
        for g in grams_of(&t) {
            self.lists.entry(g).or_default().push(r);
        }
        self.titles.push(t);
        self.rank.push(r);
        self.by_rank.push(i);
    }

    /// Gives movie `i` (indexed already) the title `title`; its popularity rank stays.
    pub fn rename(&mut self, i: ItemIdx, title: &str) {
        let t = normalize_title(title);
        if t == self.titles[self.rank[i.ix()] as usize] {
            return;
        }
        let r = self.rank[i.ix()];
        let (old, new) = (grams_of(&self.titles[r as usize]), grams_of(&t));
        for g in old.difference(&new) {
            if let Some(list) = self.lists.get_mut(g) {
                if let Ok(at) = list.binary_search(&r) {
                    list.remove(at);
                }
                if list.is_empty() {
                    self.lists.remove(g);
                }
            }
        }
        for g in new.difference(&old) {
            let list = self.lists.entry(*g).or_default();
            if let Err(at) = list.binary_search(&r) {
                list.insert(at, r);
            }
        }
        self.titles[r as usize] = t;
    }

    /// Movies whose normalised title starts with the query, then those with a word starting
    /// with it, then those containing it; each group by popularity. An empty query gives every
    /// movie by popularity.
    pub fn search(&self, query: &str) -> Vec<ItemIdx> {
        let q = normalize_title(query);
        if q.is_empty() {
            return self.by_rank.clone();
        }
        let qc: Vec<char> = q.chars().collect();
        let list = if qc.len() <= 3 {
            self.lists.get(&gram(&qc))
        } else {
            let mut shortest: Option<&Vec<u32>> = None;
            for w in qc.windows(3) {
                match self.lists.get(&gram(w)) {
                    None => return vec![],
                    Some(l) if shortest.is_none_or(|s| l.len() < s.len()) => shortest = Some(l),
                    Some(_) => {}
                }
            }
            shortest
        };
        let Some(list) = list else { return vec![] };
        let word = format!(" {q}");
        let mut groups: [Vec<ItemIdx>; 3] = Default::default();
        for &r in list {
            let s = &self.titles[r as usize];
            let g = if s.starts_with(&q) {
                0
            } else if s.contains(&word) {
                1
            } else if s.contains(&q) {
                2
            } else {
                continue;
            };
            groups[g].push(self.by_rank[r as usize]);
        }
        groups.concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan the index replaces: every title in popularity order, three groups.
    fn scan(titles: &[String], popular: &[ItemIdx], query: &str) -> Vec<ItemIdx> {
        let q = normalize_title(query);
        if q.is_empty() {
            return popular.to_vec();
        }
        let word = format!(" {q}");
        let mut groups: [Vec<ItemIdx>; 3] = Default::default();
        for &i in popular {
            let s = normalize_title(&titles[i.ix()]);
            if s.starts_with(&q) {
                groups[0].push(i);
            } else if s.contains(&word) {
                groups[1].push(i);
            } else if s.contains(&q) {
                groups[2].push(i);
            }
        }
        groups.concat()
    }

    fn catalogue(n: usize) -> (Vec<String>, Vec<ItemIdx>) {
        let words = [
            "star",
            "wars",
            "the",
            "return",
            "of",
            "king",
            "toy",
            "story",
            "a",
            "life",
            "héros",
            "ärger",
            "mission",
            "impossible",
            "stars",
            "an",
            "x",
        ];
        let mut rng = cinerec_core::Rng::new(7);
        let titles = (0..n)
            .map(|i| {
                let w = 1 + (rng.next_u64() % 4) as usize;
                let t: Vec<&str> = (0..w)
                    .map(|_| words[(rng.next_u64() % words.len() as u64) as usize])
                    .collect();
                format!("{} ({})", t.join(" "), 1950 + i % 70)
            })
            .collect();
        let mut popular: Vec<ItemIdx> = (0..n as u32).map(ItemIdx).collect();
        popular.sort_by_key(|i| (i.0 * 7919) % n as u32);
        (titles, popular)
    }

    const QUERIES: [&str; 16] = [
        "",
        "s",
        "st",
        "sta",
        "star",
        "star wars",
        "wars",
        "the",
        "The Return",
        "ing",
        "é",
        "héros",
        "19",
        "(1977)",
        "zzz",
        "a life",
    ];

    #[test]
    fn the_index_answers_as_the_scan_of_every_title() {
        let (titles, popular) = catalogue(600);
        let idx = TitleIndex::build(&titles, &popular);
        for q in QUERIES {
            assert_eq!(idx.search(q), scan(&titles, &popular, q), "query {q:?}");
        }
    }

    #[test]
    fn added_and_renamed_movies_are_found_as_after_a_rebuild() {
        let (mut titles, mut popular) = catalogue(300);
        let mut idx = TitleIndex::build(&titles, &popular);
        for (k, t) in ["Star Wars (2031)", "The Zzz Story (2030)", "A (1900)"]
            .iter()
            .enumerate()
        {
            idx.push(t);
            titles.push(t.to_string());
            popular.push(ItemIdx(300 + k as u32));
        }
        for (i, t) in [(5u32, "Mission Zzz (1999)"), (301, "Wars of Stars (2031)")] {
            idx.rename(ItemIdx(i), t);
            titles[i as usize] = t.to_string();
        }
        let rebuilt = TitleIndex::build(&titles, &popular);
        for q in QUERIES
            .iter()
            .chain(&["zzz", "mission zzz", "wars of", "a (1900"])
        {
            let want = scan(&titles, &popular, q);
            assert_eq!(idx.search(q), want, "query {q:?}");
            assert_eq!(rebuilt.search(q), want, "query {q:?}");
        }
    }
}
