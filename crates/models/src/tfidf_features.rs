//! Metadata tokens and TF-IDF weighting for the content model ([`crate::TfIdf`]).
//!
//! Tokens per movie, each prefixed by its field so fields never collide: `w:` title words
//! (lower-case alphanumeric runs of ≥ 2 characters, minus a few stop words), `g:` genres,
//! `d:` release decade, `t:` tags, `r:relation=entity` knowledge-graph facts (director,
//! actor, writer, country, language … as loaded into `ItemMeta::relations`).
//! Term frequency is binary; `idf = ln((1 + N) / (1 + df)) + 1` (scikit-learn's smooth idf)
//! over the N movies of the catalogue; the field weight multiplies it; vectors are
//! L2-normalised. Feature ids follow the sorted token order, so they are deterministic.

use cinerec_core::Catalog;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Weight of each metadata field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldWeights {
    /// Title words.
    pub title: f32,
    /// Genres.
    pub genre: f32,
    /// Release decade.
    pub decade: f32,
    /// Free-text tags.
    pub tag: f32,
    /// Knowledge-graph relations.
    pub relation: f32,
}

impl Default for FieldWeights {
    fn default() -> Self {
        FieldWeights {
            title: 1.0,
            genre: 1.0,
            decade: 1.0,
            tag: 1.0,
            relation: 1.0,
        }
    }
}

impl FieldWeights {
    /// All weights finite and non-negative.
    pub fn valid(&self) -> bool {
        [self.title, self.genre, self.decade, self.tag, self.relation]
            .iter()
            .all(|w| w.is_finite() && *w >= 0.0)
    }
}

const STOP: &[&str] = &[
    "the", "a", "an", "of", "and", "in", "on", "to", "for", "la", "le", "les", "de", "il", "el",
    "das", "der", "die", "with",
];

/// The field-prefixed tokens of every movie (deduplicated), with the field's weight.
fn tokens(cat: &Catalog, w: &FieldWeights) -> Vec<BTreeMap<String, f32>> {
    cat.item_meta
        .iter()
        .map(|m| {
            let mut t = BTreeMap::new();
            let mut add = |tok: String, weight: f32| {
                if weight > 0.0 {
                    t.insert(tok, weight);
                }
            };
            if let Some(title) = &m.title {
                let lower = title.to_lowercase();
                for word in lower.split(|c: char| !c.is_alphanumeric()) {
                    if word.chars().count() >= 2 && !STOP.contains(&word) {
                        add(format!("w:{word}"), w.title);
                    }
                }
            }
            for &g in &m.genres {
                let name = cat.genre_names.get(g as usize).map_or("?", |s| s.as_str());
                add(format!("g:{}", name.to_lowercase()), w.genre);
            }
            if let Some(y) = m.year {
                add(format!("d:{}", y / 10 * 10), w.decade);
            }
            for tag in &m.tags {
                add(format!("t:{tag}"), w.tag);
            }
            for (rel, ent) in &m.relations {
                add(format!("r:{rel}={ent}"), w.relation);
            }
            t
        })
        .collect()
}

/// Unit-length TF-IDF vectors `(feature, weight)` per movie (sorted by feature id), and the
/// number of features.
pub(crate) fn item_vectors(cat: &Catalog, w: &FieldWeights) -> (Vec<Vec<(u32, f32)>>, usize) {
    let toks = tokens(cat, w);
    let vocab: BTreeSet<&String> = toks.iter().flat_map(|t| t.keys()).collect();
    let id: BTreeMap<&String, u32> = vocab
        .into_iter()
        .enumerate()
        .map(|(k, s)| (s, k as u32))
        .collect();
    let mut df = vec![0u32; id.len()];
    for t in &toks {
        for k in t.keys() {
            df[id[k] as usize] += 1;
        }
    }
    let n = toks.len() as f64;
    let vectors = toks
        .iter()
        .map(|t| {
            let mut v: Vec<(u32, f32)> = t
                .iter()
                .map(|(k, &fw)| {
                    let f = id[k];
                    let idf = ((1.0 + n) / (1.0 + df[f as usize] as f64)).ln() + 1.0;
                    (f, (fw as f64 * idf) as f32)
                })
                .collect();
            let norm = v.iter().map(|x| (x.1 as f64).powi(2)).sum::<f64>().sqrt();
            if norm > 0.0 {
                v.iter_mut().for_each(|x| x.1 = (x.1 as f64 / norm) as f32);
            }
            v.sort_by_key(|x| x.0);
            v
        })
        .collect();
    (vectors, id.len())
}
