//! Movie-title helpers: splitting "Title (1995)" into title and year, recognising the
//! placeholder titles of ML-100K ("unknown"), and building a genre vocabulary.

use rustc_hash::FxHashMap;

/// Splits a trailing "(YYYY)" (also "(YYYY-)" / "(YYYY-YYYY)" for series) off a title.
/// "Seven (Se7en) (1995)" → ("Seven (Se7en)", 1995); "Big Night (1996) " → ("Big Night", 1996);
/// a title without a year is returned trimmed with `None`.
pub(crate) fn split_title_year(raw: &str) -> (String, Option<u16>) {
    let t = raw.trim();
    if let Some(body) = t.strip_suffix(')') {
        if let Some(open) = body.rfind('(') {
            let inner = body[open + 1..].trim();
            let year_part = inner.split('-').next().unwrap_or("");
            let rest_ok = inner[year_part.len()..]
                .chars()
                .all(|c| c == '-' || c.is_ascii_digit());
            if year_part.len() == 4 && year_part.bytes().all(|b| b.is_ascii_digit()) && rest_ok {
                let title = body[..open].trim_end();
                if let (Ok(y), false) = (year_part.parse::<u16>(), title.is_empty()) {
                    return (title.to_string(), Some(y));
                }
            }
        }
    }
    (t.to_string(), None)
}

/// A title as a metadata value: `None` for the empty string and the placeholders used by
/// ML-100K / RecBole for the one movie without data ("unknown", "unkonwn").
pub(crate) fn clean_title(t: String) -> Option<String> {
    let l = t.trim().to_ascii_lowercase();
    if l.is_empty() || l == "unknown" || l == "unkonwn" {
        None
    } else {
        Some(t)
    }
}

/// A year from a free-text field ("1995", "01-Jan-1995"): the last 4-digit run, if plausible.
pub(crate) fn year_of(s: &str) -> Option<u16> {
    let s = s.trim();
    let b = s.as_bytes();
    (0..b.len().saturating_sub(3))
        .rev()
        .find(|&i| {
            b[i..i + 4].iter().all(u8::is_ascii_digit)
                && (i == 0 || !b[i - 1].is_ascii_digit())
                && (i + 4 == b.len() || !b[i + 4].is_ascii_digit())
        })
        .and_then(|i| s[i..i + 4].parse().ok())
        .filter(|y| (1800..=2200).contains(y))
}

/// Genre vocabulary built in first-use order, or seeded with a fixed list.
#[derive(Debug, Default)]
pub(crate) struct Genres {
    pub(crate) names: Vec<String>,
    index: FxHashMap<String, u16>,
}

impl Genres {
    /// A vocabulary with these names at these indices.
    pub(crate) fn with_names(names: Vec<String>) -> Self {
        let index = names
            .iter()
            .enumerate()
            .map(|(k, n)| (n.clone(), k as u16))
            .collect();
        Genres { names, index }
    }

    /// Index of a genre name, adding it if new. "(no genres listed)" and empty names are `None`.
    pub(crate) fn get(&mut self, name: &str) -> Option<u16> {
        let name = name.trim();
        if name.is_empty() || name == "(no genres listed)" {
            return None;
        }
        if let Some(&k) = self.index.get(name) {
            return Some(k);
        }
        let k = self.names.len() as u16;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), k);
        Some(k)
    }

    /// Indices of a list of names (sorted, deduplicated).
    pub(crate) fn list<'a>(&mut self, names: impl Iterator<Item = &'a str>) -> Vec<u16> {
        let mut v: Vec<u16> = names.filter_map(|n| self.get(n)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
#[path = "title_tests.rs"]
mod tests;
