//! Demographic side features of the user-based autoencoder: each user's age (one-hot over
//! MovieLens-1M's age buckets), gender (one-hot M / F) and occupation (one-hot over the
//! occupations named in the catalogue, sorted), as sparse 0/1 rows. A missing or
//! unrecognised field gives no feature (all zeros), as does a visitor known only by ratings.

use crate::ae_sparse::Rows;
use cinerec_core::{Catalog, UserMeta};

/// Upper bounds (exclusive) of the age buckets; ages from the last bound on share the last
/// bucket. MovieLens-1M's groups: under 18, 18–24, 25–34, 35–44, 45–49, 50–55, 56+.
const AGE_BOUNDS: [u16; 6] = [18, 25, 35, 45, 50, 56];
/// Age buckets.
pub const N_AGE: usize = AGE_BOUNDS.len() + 1;
/// Gender columns (M, F).
pub const N_GENDER: usize = 2;

/// The demographic feature vocabulary of a catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Demographics {
    /// Occupation names (lower-case, sorted); column `N_AGE + N_GENDER + k` is occupation `k`.
    pub occupations: Vec<String>,
}

impl Demographics {
    /// The vocabulary of `catalog`'s users.
    pub fn of(catalog: &Catalog) -> Self {
        let mut occupations: Vec<String> = catalog
            .user_meta
            .iter()
            .filter_map(|m| m.occupation.as_deref())
            .map(|o| o.trim().to_lowercase())
            .filter(|o| !o.is_empty())
            .collect();
        occupations.sort();
        occupations.dedup();
        Demographics { occupations }
    }

    /// Number of feature columns.
    pub fn width(&self) -> usize {
        N_AGE + N_GENDER + self.occupations.len()
    }

    /// The feature columns set for one user (ascending).
    pub fn features(&self, m: &UserMeta) -> Vec<u32> {
        let mut f = Vec::with_capacity(3);
        if let Some(age) = m.age {
            f.push(AGE_BOUNDS.iter().take_while(|&&b| age >= b).count() as u32);
        }
        match m.gender.as_deref().map(|g| g.trim().to_ascii_uppercase()) {
            Some(g) if g.starts_with('M') => f.push(N_AGE as u32),
            Some(g) if g.starts_with('F') => f.push(N_AGE as u32 + 1),
            _ => {}
        }
        if let Some(o) = m.occupation.as_deref() {
            let o = o.trim().to_lowercase();
            if let Ok(k) = self.occupations.binary_search(&o) {
                f.push((N_AGE + N_GENDER + k) as u32);
            }
        }
        f
    }

    /// Every catalogue user's features as sparse 0/1 rows (a user without metadata has none).
    pub fn rows(&self, catalog: &Catalog) -> Rows {
        let n = catalog.n_users();
        let triples: Vec<(u32, u32, f32)> = (0..n)
            .filter_map(|u| catalog.user_meta.get(u).map(|m| (u, m)))
            .flat_map(|(u, m)| {
                self.features(m)
                    .into_iter()
                    .map(move |c| (u as u32, c, 1.0))
            })
            .collect();
        Rows::from_triples(n, self.width(), &triples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_buckets_gender_and_occupation() {
        let meta = |age, g: &str, o: &str| UserMeta {
            age,
            gender: (!g.is_empty()).then(|| g.to_string()),
            occupation: (!o.is_empty()).then(|| o.to_string()),
            zip: None,
        };
        let catalog = Catalog {
            user_meta: vec![
                meta(Some(17), "F", "Writer"),
                meta(Some(25), "M", "artist"),
                meta(Some(70), "", ""),
                meta(None, "x", "unknown job"),
            ],
            ..Default::default()
        };
        let d = Demographics::of(&catalog);
        assert_eq!(d.occupations, vec!["artist", "unknown job", "writer"]);
        assert_eq!(d.width(), 7 + 2 + 3);
        assert_eq!(d.features(&catalog.user_meta[0]), vec![0, 8, 11]);
        assert_eq!(d.features(&catalog.user_meta[1]), vec![2, 7, 9]);
        assert_eq!(d.features(&catalog.user_meta[2]), vec![6]);
        assert_eq!(d.features(&UserMeta::default()), Vec::<u32>::new());
    }
}
