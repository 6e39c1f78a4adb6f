//! Movie features as tokens, and the vocabulary that turns them into embedding-table rows for
//! the [`crate::Features`] model.
//!
//! Every movie becomes a set of `field=value` tokens ([`movie_tokens`]): `title` words
//! (lower-case alphanumeric runs of ≥ 2 characters minus stop words), `genre`, release `decade`
//! and `year`, free-text `tag`s, and one field per knowledge-graph relation (`kg:actor`,
//! `kg:country`, `kg:language`, `kg:directed_by`, … — the relation name without its
//! `film.film.` prefix). With id tokens on, a movie with enough training ratings also has an
//! `id` token of its own (the collaborative part; a movie nobody rated never has one).
//!
//! The [`Vocab`] keeps tokens found on at least `min_movies` *rated* movies (a token only on
//! unrated movies could never be trained); every other token of a known field falls into one
//! of `n_hash` shared buckets by a stable FNV-1a hash, so a new movie with unseen actors still
//! gets a (trained) embedding. Row 0 is the "no feature at all" token. A movie's bag gives
//! each token the weight `1 / (tokens of its field in this movie)`, so every field present
//! contributes the mean of its tokens; the network multiplies that by a learned field weight.

use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{Catalog, CoreError, ItemMeta, Result};
use std::collections::{BTreeMap, BTreeSet};

const STOP: &[&str] = &[
    "the", "a", "an", "of", "and", "in", "on", "to", "for", "la", "le", "les", "de", "il", "el",
    "das", "der", "die", "with",
];

/// The field of movie-identity tokens.
pub const ID_FIELD: &str = "id";
/// The field of the "no feature" token (row 0).
const EMPTY_FIELD: &str = "none";

/// One token of a movie's bag: embedding row, field, weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BagEntry {
    /// Row of the token embedding table.
    pub token: u32,
    /// Index of the token's field (for the learned field weight).
    pub field: u32,
    /// Weight within the bag: 1 / (tokens of the same field in this movie).
    pub weight: f32,
}

/// The deduplicated `field=value` tokens of a movie (see the module docs), sorted.
pub fn movie_tokens(meta: &ItemMeta, genre_names: &[String]) -> Vec<String> {
    let mut t = BTreeSet::new();
    if let Some(title) = &meta.title {
        let lower = title.to_lowercase();
        for word in lower.split(|c: char| !c.is_alphanumeric()) {
            if word.chars().count() >= 2 && !STOP.contains(&word) {
                t.insert(format!("title={word}"));
            }
        }
    }
    for &g in &meta.genres {
        let name = genre_names.get(g as usize).map_or("?", |s| s.as_str());
        t.insert(format!("genre={}", name.to_lowercase()));
    }
    if let Some(y) = meta.year {
        t.insert(format!("decade={}s", y / 10 * 10));
        t.insert(format!("year={y}"));
    }
    for tag in &meta.tags {
        t.insert(format!("tag={tag}"));
    }
    for (rel, ent) in &meta.relations {
        let rel = rel.strip_prefix("film.film.").unwrap_or(rel);
        t.insert(format!("kg:{rel}={ent}"));
    }
    t.into_iter().collect()
}

fn field_of(token: &str) -> &str {
    token.split_once('=').map_or(token, |(f, _)| f)
}

/// FNV-1a, 64 bits: a hash that never changes between runs, platforms or Rust versions.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Token and field indices of a fitted model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vocab {
    /// Field names; index 0 is the "no feature" field.
    fields: Vec<String>,
    /// Kept tokens in row order (rows `1..=tokens.len()`).
    tokens: Vec<String>,
    /// Token → row.
    rows: BTreeMap<String, u32>,
    /// Hash buckets after the kept tokens.
    n_hash: u32,
}

impl Vocab {
    /// Builds the vocabulary over the catalogue: tokens on at least `min_movies` of the movies
    /// flagged in `rated`, `n_hash` buckets for the rest, and an `id` token for every movie
    /// flagged in `with_id`.
    pub fn build(
        cat: &Catalog,
        rated: &[bool],
        with_id: &[bool],
        min_movies: usize,
        n_hash: usize,
    ) -> Self {
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        let mut fields: BTreeSet<String> = BTreeSet::new();
        for (i, meta) in cat.item_meta.iter().enumerate() {
            let toks = movie_tokens(meta, &cat.genre_names);
            for t in toks {
                if !rated.get(i).copied().unwrap_or(false) {
                    continue;
                }
                fields.insert(field_of(&t).to_string());
                *count.entry(t).or_default() += 1;
            }
        }
        let mut kept: Vec<String> = count
            .into_iter()
            .filter(|&(_, c)| c >= min_movies.max(1))
            .map(|(t, _)| t)
            .collect();
        let ids: Vec<String> = (0..cat.n_items())
            .filter(|&i| with_id.get(i).copied().unwrap_or(false))
            .map(|i| format!("{ID_FIELD}={i}"))
            .collect();
        if !ids.is_empty() {
            fields.insert(ID_FIELD.to_string());
        }
        kept.extend(ids);
        let mut field_list = vec![EMPTY_FIELD.to_string()];
        field_list.extend(fields);
        Vocab::from_parts(field_list, kept, n_hash as u32)
    }

    fn from_parts(fields: Vec<String>, tokens: Vec<String>, n_hash: u32) -> Self {
        let rows = tokens
            .iter()
            .enumerate()
            .map(|(k, t)| (t.clone(), k as u32 + 1))
            .collect();
        Vocab {
            fields,
            tokens,
            rows,
            n_hash,
        }
    }

    /// Rows of the token embedding table: the empty token, kept tokens, hash buckets.
    pub fn n_rows(&self) -> usize {
        1 + self.tokens.len() + self.n_hash as usize
    }

    /// Number of fields (including the "no feature" field 0).
    pub fn n_fields(&self) -> usize {
        self.fields.len()
    }

    /// Field names, index-aligned with the learned field weights.
    pub fn field_names(&self) -> &[String] {
        &self.fields
    }

    /// Index of the `id` field, when the vocabulary has id tokens.
    pub fn id_field(&self) -> Option<u32> {
        self.fields
            .iter()
            .position(|f| f == ID_FIELD)
            .map(|p| p as u32)
    }

    /// The bag of a movie described by `meta`; `item` (its index in the fitted catalogue, if
    /// any) adds its id token when the vocabulary has one. Tokens of fields unknown at fit
    /// time are ignored; rare or unseen tokens of known fields go to a hash bucket; a movie
    /// with nothing left gets the "no feature" token.
    pub fn bag(
        &self,
        meta: &ItemMeta,
        genre_names: &[String],
        item: Option<usize>,
    ) -> Vec<BagEntry> {
        let mut toks = movie_tokens(meta, genre_names);
        if let Some(i) = item {
            let t = format!("{ID_FIELD}={i}");
            if self.rows.contains_key(&t) {
                toks.push(t);
            }
        }
        let mut raw: Vec<(u32, u32)> = Vec::with_capacity(toks.len());
        for t in &toks {
            let f = field_of(t);
            let Some(field) = self.fields.iter().position(|x| x == f) else {
                continue;
            };
            let row = match self.rows.get(t) {
                Some(&r) => r,
                None if f == ID_FIELD || self.n_hash == 0 => continue,
                None => 1 + self.tokens.len() as u32 + (fnv1a(t) % self.n_hash as u64) as u32,
            };
            raw.push((row, field as u32));
        }
        if raw.is_empty() {
            return vec![BagEntry {
                token: 0,
                field: 0,
                weight: 1.0,
            }];
        }
        let mut per_field: BTreeMap<u32, usize> = BTreeMap::new();
        for &(_, f) in &raw {
            *per_field.entry(f).or_default() += 1;
        }
        raw.into_iter()
            .map(|(token, field)| BagEntry {
                token,
                field,
                weight: 1.0 / per_field[&field] as f32,
            })
            .collect()
    }

    /// Appends the vocabulary to model state.
    pub fn write(&self, w: &mut StateWriter) {
        w.u64(self.fields.len() as u64);
        self.fields.iter().for_each(|f| w.bytes(f.as_bytes()));
        w.u64(self.tokens.len() as u64);
        self.tokens.iter().for_each(|t| w.bytes(t.as_bytes()));
        w.u32(self.n_hash);
    }

    /// Reads a vocabulary written by [`Vocab::write`].
    pub fn read(r: &mut StateReader<'_>) -> Result<Self> {
        let strings = |r: &mut StateReader<'_>| -> Result<Vec<String>> {
            let n = r.u64()?;
            let mut v = Vec::new();
            for _ in 0..n {
                let s = std::str::from_utf8(r.bytes()?)
                    .map_err(|_| CoreError::Corrupt("features: token is not UTF-8".into()))?;
                v.push(s.to_string());
            }
            Ok(v)
        };
        let fields = strings(r)?;
        let tokens = strings(r)?;
        let n_hash = r.u32()?;
        if fields.first().map(String::as_str) != Some(EMPTY_FIELD) {
            return Err(CoreError::Corrupt("features: field list".into()));
        }
        let v = Vocab::from_parts(fields, tokens, n_hash);
        if v.rows.len() != v.tokens.len() {
            return Err(CoreError::Corrupt("features: duplicate tokens".into()));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cinerec_core::IdMap;

    fn cat() -> Catalog {
        let m = |t: &str, y, g: Vec<u16>, actor: &str| ItemMeta {
            title: Some(t.into()),
            year: Some(y),
            genres: g,
            relations: vec![("film.film.actor".into(), actor.into())],
            ..Default::default()
        };
        Catalog {
            items: IdMap::from_ordered((0..4).map(|i| i.to_string()).collect()),
            item_meta: vec![
                m("The Big Sleep", 1946, vec![0], "m.bogart"),
                m("Big", 1988, vec![1], "m.hanks"),
                m("Sleepless in Seattle", 1993, vec![1], "m.hanks"),
                m("Unrated Thing", 1993, vec![0, 1], "m.nobody"),
            ],
            genre_names: vec!["Film-Noir".into(), "Comedy".into()],
            ..Default::default()
        }
    }

    #[test]
    fn tokens_are_field_prefixed_and_deduplicated() {
        let c = cat();
        let t = movie_tokens(&c.item_meta[0], &c.genre_names);
        for want in [
            "title=big",
            "title=sleep",
            "genre=film-noir",
            "decade=1940s",
            "year=1946",
            "kg:actor=m.bogart",
        ] {
            assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
        }
        assert!(!t.iter().any(|x| x == "title=the"));
    }

    #[test]
    fn rare_tokens_hash_and_field_means_weigh_one() {
        let c = cat();
        let rated = [true, true, true, false];
        let v = Vocab::build(&c, &rated, &[false, true, true, false], 2, 8);
        // kept: tokens on ≥ 2 rated movies: title=big, genre=comedy, kg:actor=m.hanks; ids 1, 2
        assert_eq!(v.n_rows(), 1 + 3 + 2 + 8);
        let bag = v.bag(&c.item_meta[1], &c.genre_names, Some(1));
        let mut per_field: BTreeMap<u32, f32> = BTreeMap::new();
        for e in &bag {
            *per_field.entry(e.field).or_default() += e.weight;
        }
        assert!(per_field.values().all(|&s| (s - 1.0).abs() < 1e-6));
        assert!(bag.iter().any(|e| Some(e.field) == v.id_field()));
        // the unrated movie: no id token, its unseen actor hashed into a bucket
        let cold = v.bag(&c.item_meta[3], &c.genre_names, Some(3));
        assert!(cold.iter().all(|e| Some(e.field) != v.id_field()));
        assert!(cold.iter().any(|e| e.token as usize >= 1 + 3 + 2));
        // a movie without any feature gets the empty token
        let none = v.bag(&ItemMeta::default(), &c.genre_names, None);
        assert_eq!(
            none,
            vec![BagEntry {
                token: 0,
                field: 0,
                weight: 1.0
            }]
        );
    }

    #[test]
    fn state_round_trip() {
        let c = cat();
        let v = Vocab::build(&c, &[true; 4], &[true; 4], 1, 4);
        let mut w = StateWriter::new(b"v");
        v.write(&mut w);
        let bytes = w.finish();
        let mut r = StateReader::new(&bytes, b"v").unwrap();
        assert_eq!(Vocab::read(&mut r).unwrap(), v);
    }
}
