//! The catalogue: who the users and movies are (id maps) and what is known about them
//! (titles, years, genres, tags, knowledge-graph relations, demographics), plus title lookup.
//!
//! A catalogue is shared (`Arc`) by a dataset and every split made from it, so inner ids mean
//! the same thing in a train set, its test set and a model trained on it.

use crate::ids::{IdMap, ItemIdx, RawItemId, RawUserId, UserIdx};
use serde::{Deserialize, Serialize};

/// What is known about one movie. Every field may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemMeta {
    /// Title without the trailing "(year)" when the source had one.
    pub title: Option<String>,
    /// Release year.
    pub year: Option<u16>,
    /// Indices into [`Catalog::genre_names`].
    pub genres: Vec<u16>,
    /// Free-text tags (ml-latest `tags.csv`), deduplicated, lower-case.
    pub tags: Vec<String>,
    /// Knowledge-graph facts `(relation, value)`, e.g. `("film.film.directed_by", "m.0abc")`.
    pub relations: Vec<(String, String)>,
    /// External links `(source, id)`, e.g. `("imdb", "0114709")`.
    pub links: Vec<(String, String)>,
}

/// What is known about one user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserMeta {
    /// Age in years (ML-1M gives an age bucket's lower bound).
    pub age: Option<u16>,
    /// Gender as the source writes it ("M"/"F").
    pub gender: Option<String>,
    /// Occupation name (ML-1M codes are translated to names).
    pub occupation: Option<String>,
    /// Zip / postal code.
    pub zip: Option<String>,
}

/// Genre names as a vocabulary spells them: a name matching a `known` one regardless of case
/// takes its spelling, any other is kept as given (trimmed); duplicates dropped.
pub fn canonical_genres(known: &[String], given: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(given.len());
    for g in given {
        let g = g.trim();
        let name = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(g))
            .map_or_else(|| g.to_string(), Clone::clone);
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Users, movies and their metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Raw ↔ inner user ids.
    pub users: IdMap,
    /// Raw ↔ inner movie ids.
    pub items: IdMap,
    /// Metadata per item, indexed by inner id (same length as `items`).
    pub item_meta: Vec<ItemMeta>,
    /// Metadata per user, indexed by inner id (same length as `users`).
    pub user_meta: Vec<UserMeta>,
    /// Genre vocabulary referenced by [`ItemMeta::genres`].
    pub genre_names: Vec<String>,
}

/// Outcome of looking a movie up by id or title.
#[derive(Debug, Clone, PartialEq)]
pub enum TitleMatch {
    /// Exactly one movie fits.
    One(ItemIdx),
    /// Several movies fit equally well; the caller should ask which.
    Ambiguous(Vec<ItemIdx>),
    /// Nothing fits; the closest titles are suggested.
    NotFound {
        /// The closest titles.
        suggestions: Vec<ItemIdx>,
    },
}

impl Catalog {
    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.users.len()
    }
    /// Number of movies.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }
    /// Inner index of a raw user id.
    pub fn user(&self, raw: &str) -> Option<UserIdx> {
        self.users.get(raw).map(UserIdx)
    }
    /// Inner index of a raw movie id.
    pub fn item(&self, raw: &str) -> Option<ItemIdx> {
        self.items.get(raw).map(ItemIdx)
    }
    /// Raw id of a user.
    pub fn raw_user(&self, u: UserIdx) -> RawUserId {
        RawUserId(self.users.raw(u.0).to_string())
    }
    /// Raw id of a movie.
    pub fn raw_item(&self, i: ItemIdx) -> RawItemId {
        RawItemId(self.items.raw(i.0).to_string())
    }
    /// Metadata of a movie.
    pub fn meta(&self, i: ItemIdx) -> &ItemMeta {
        &self.item_meta[i.ix()]
    }
    /// Display title "Title (Year)", falling back to the raw id.
    pub fn display_title(&self, i: ItemIdx) -> String {
        let m = &self.item_meta[i.ix()];
        match (&m.title, m.year) {
            (Some(t), Some(y)) => format!("{t} ({y})"),
            (Some(t), None) => t.clone(),
            _ => format!("item {}", self.items.raw(i.0)),
        }
    }
    /// Genre names of a movie.
    pub fn genres_of(&self, i: ItemIdx) -> Vec<&str> {
        self.item_meta[i.ix()]
            .genres
            .iter()
            .map(|&g| self.genre_names[g as usize].as_str())
            .collect()
    }
    /// Index of a genre name (case-insensitive).
    pub fn genre_index(&self, name: &str) -> Option<u16> {
        self.genre_names
            .iter()
            .position(|g| g.eq_ignore_ascii_case(name))
            .map(|p| p as u16)
    }

    /// Index of a genre name (case-insensitive), appending it to the vocabulary when new.
    pub fn genre_or_insert(&mut self, name: &str) -> u16 {
        match self.genre_index(name) {
            Some(g) => g,
            None => {
                self.genre_names.push(name.to_string());
                (self.genre_names.len() - 1) as u16
            }
        }
    }

    /// Appends a movie (a movie added to a running service): its inner id is the next one,
    /// so every existing inner id keeps its meaning. `None` when the raw id exists already.
    pub fn add_item(&mut self, raw: &str, meta: ItemMeta) -> Option<ItemIdx> {
        if self.items.get(raw).is_some() {
            return None;
        }
        let i = self.items.insert(raw);
        self.item_meta.push(meta);
        Some(ItemIdx(i))
    }

    /// Finds a movie by raw id or by title.
    ///
    /// Order of preference: raw id; exact display title ("Toy Story (1995)"); exact title
    /// ignoring case and a leading/trailing article ("Toy Story", "Godfather, The");
    /// titles containing the query as a word sequence. Several equally good hits are
    /// [`TitleMatch::Ambiguous`]; none gives suggestions ranked by character-trigram overlap.
    pub fn find_item(&self, query: &str) -> TitleMatch {
        let q = query.trim();
        if let Some(i) = self.item(q) {
            return TitleMatch::One(i);
        }
        let nq = normalize_title(q);
        if nq.is_empty() {
            return TitleMatch::NotFound {
                suggestions: vec![],
            };
        }
        let n = self.n_items() as u32;
        let exact_display: Vec<ItemIdx> = (0..n)
            .map(ItemIdx)
            .filter(|&i| normalize_title(&self.display_title(i)) == nq)
            .collect();
        if !exact_display.is_empty() {
            return pick(exact_display);
        }
        let exact: Vec<ItemIdx> = (0..n)
            .map(ItemIdx)
            .filter(|&i| {
                self.item_meta[i.ix()]
                    .title
                    .as_deref()
                    .map(normalize_title)
                    .as_deref()
                    == Some(nq.as_str())
            })
            .collect();
        if !exact.is_empty() {
            return pick(exact);
        }
        let padded = format!(" {nq} ");
        let contains: Vec<ItemIdx> = (0..n)
            .map(ItemIdx)
            .filter(|&i| format!(" {} ", normalize_title(&self.display_title(i))).contains(&padded))
            .collect();
        if !contains.is_empty() {
            return pick(contains);
        }
        TitleMatch::NotFound {
            suggestions: self.suggest(&nq, 5),
        }
    }

    /// Up to `k` movies whose titles share the most character trigrams with `query`.
    pub fn suggest(&self, query: &str, k: usize) -> Vec<ItemIdx> {
        let qg = trigrams(&normalize_title(query));
        if qg.is_empty() {
            return vec![];
        }
        let mut scored: Vec<(f32, ItemIdx)> = (0..self.n_items() as u32)
            .map(ItemIdx)
            .filter_map(|i| {
                let tg = trigrams(&normalize_title(&self.display_title(i)));
                let common = qg.iter().filter(|g| tg.contains(g)).count();
                (common > 0).then(|| (common as f32 / (qg.len() + tg.len() - common) as f32, i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().take(k).map(|(_, i)| i).collect()
    }
}

fn pick(v: Vec<ItemIdx>) -> TitleMatch {
    if v.len() == 1 {
        TitleMatch::One(v[0])
    } else {
        TitleMatch::Ambiguous(v)
    }
}

/// Lower-cases, maps punctuation to spaces, and moves a trailing ", The"/", A"/", An"
/// article to the front, so "Godfather, The" and "the godfather" compare equal.
pub fn normalize_title(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut t = lower.trim().to_string();
    // "godfather, the (1972)" -> "the godfather (1972)"
    for art in [
        "the", "a", "an", "la", "le", "les", "il", "das", "der", "die", "el",
    ] {
        let pat = format!(", {art}");
        if let Some(p) = t.find(&pat) {
            let after = &t[p + pat.len()..];
            if after.is_empty() || after.starts_with(' ') || after.starts_with('(') {
                t = format!("{art} {}{}", &t[..p], after);
                break;
            }
        }
    }
    let cleaned: String = t
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn trigrams(s: &str) -> Vec<[char; 3]> {
    let c: Vec<char> = format!("  {s} ").chars().collect();
    let mut g: Vec<[char; 3]> = c.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
    g.sort();
    g.dedup();
    g
}

/// Genre Jaccard similarity `|A ∩ B| / |A ∪ B|` of two movies' genre lists (each without
/// repeats). Two genre-less movies count as identical (1), the set convention that the
/// diversity metrics and the MMR re-ranker rely on; callers that want "no genres, no content
/// evidence" check for an empty list first.
pub fn genre_jaccard(a: &[u16], b: &[u16]) -> f64 {
    let inter = a.iter().filter(|g| b.contains(g)).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalog {
        let items = IdMap::from_raw_sorted(vec!["1".into(), "2".into(), "3".into(), "4".into()]);
        let meta = |t: &str, y| ItemMeta {
            title: Some(t.into()),
            year: Some(y),
            ..Default::default()
        };
        Catalog {
            items,
            item_meta: vec![
                meta("Toy Story", 1995),
                meta("Godfather, The", 1972),
                meta("Batman", 1989),
                meta("Batman Returns", 1992),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn finds_by_id_title_and_article() {
        let c = cat();
        assert_eq!(c.find_item("3"), TitleMatch::One(ItemIdx(2)));
        assert_eq!(c.find_item("toy story"), TitleMatch::One(ItemIdx(0)));
        assert_eq!(c.find_item("The Godfather"), TitleMatch::One(ItemIdx(1)));
        assert_eq!(c.find_item("Batman"), TitleMatch::One(ItemIdx(2)));
        assert_eq!(
            c.find_item("Batman (1992)"),
            TitleMatch::NotFound {
                suggestions: c.suggest("Batman (1992)", 5)
            }
        );
    }

    #[test]
    fn ambiguous_and_suggestions() {
        let mut c = cat();
        c.item_meta[3].title = Some("Batman".into());
        assert_eq!(
            c.find_item("batman"),
            TitleMatch::Ambiguous(vec![ItemIdx(2), ItemIdx(3)])
        );
        match c.find_item("Toy Stroy") {
            TitleMatch::NotFound { suggestions } => assert_eq!(suggestions[0], ItemIdx(0)),
            other => panic!("{other:?}"),
        }
    }
}
