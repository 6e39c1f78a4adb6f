//! Demographic side features of the user-based autoencoder: each user's age (one-hot over
//! MovieLens-1M's age buckets), gender (one-hot M / F) and occupation (one-hot over the
//! occupations named in the catalogue, sorted), as sparse 0/1 rows. A missing or
//! unrecognised field gives no feature (all zeros), as does a visitor known only by ratings.
//!
//! [`DemoSide`] is what a fitted network keeps to encode a *new* user's demographics at
//! scoring time (`Recommender::score_all_with_meta`): the vocabulary, and how far to trust
//! the residual the network predicts from demographics alone.

use crate::ae_sparse::Rows;
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{Catalog, CoreError, Result, UserMeta};

/// Age buckets (the core's: MovieLens-1M's groups).
pub const N_AGE: usize = cinerec_core::demographics::N_AGE_BUCKETS;
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
            f.push(cinerec_core::demographics::age_bucket(age) as u32);
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

/// A fitted network's demographic side: the vocabulary its input columns were built from,
/// and the scale `alpha` of the residual it predicts for a user known by demographics alone
/// (fitted by least squares on the training users' ratings against their demographics-only
/// outputs, clamped to [0, 1.5]; 1 for a raw-rating network, which has no residual).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSide {
    /// The vocabulary.
    pub vocab: Demographics,
    /// Residual scale of a demographics-only user.
    pub alpha: f32,
}

impl DemoSide {
    /// Writes the vocabulary and scale (read back by [`DemoSide::read`]).
    pub fn write(&self, w: &mut StateWriter) {
        w.u32(self.vocab.occupations.len() as u32);
        for o in &self.vocab.occupations {
            w.bytes(o.as_bytes());
        }
        w.f32(self.alpha);
    }

    /// Reads a side written by [`DemoSide::write`] for a network with `d_side` side columns.
    pub fn read(r: &mut StateReader<'_>, d_side: usize) -> Result<Self> {
        let n = r.u32()? as usize;
        let bad = |what: &str| CoreError::Corrupt(format!("autoencoder demographics: {what}"));
        if N_AGE + N_GENDER + n != d_side {
            return Err(bad("vocabulary size"));
        }
        let mut occupations = Vec::with_capacity(n);
        for _ in 0..n {
            let o = std::str::from_utf8(r.bytes()?).map_err(|_| bad("utf-8"))?;
            occupations.push(o.to_string());
        }
        if occupations.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad("vocabulary order"));
        }
        let alpha = r.f32()?;
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(bad("scale"));
        }
        Ok(DemoSide {
            vocab: Demographics { occupations },
            alpha,
        })
    }

    /// The least-squares scale of `(predicted, true)` residual pairs, clamped to [0, 1.5]
    /// (0 without signal).
    pub fn fit_alpha(pairs: impl Iterator<Item = (f32, f32)>) -> f32 {
        let (mut xt, mut xx) = (0f64, 0f64);
        for (x, t) in pairs.filter(|(x, t)| x.is_finite() && t.is_finite()) {
            xt += x as f64 * t as f64;
            xx += x as f64 * x as f64;
        }
        if xx > 0.0 {
            (xt / xx).clamp(0.0, 1.5) as f32
        } else {
            0.0
        }
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
        let side = DemoSide {
            vocab: d.clone(),
            alpha: 0.25,
        };
        let mut w = StateWriter::new(b"t");
        side.write(&mut w);
        let bytes = w.finish();
        let mut r = StateReader::new(&bytes, b"t").unwrap();
        assert_eq!(DemoSide::read(&mut r, d.width()).unwrap(), side);
        let mut r = StateReader::new(&bytes, b"t").unwrap();
        assert!(DemoSide::read(&mut r, d.width() + 1).is_err());
        let fit = DemoSide::fit_alpha([(1.0, 0.5), (-2.0, -1.0)].into_iter());
        assert!((fit - 0.5).abs() < 1e-6);
        assert_eq!(DemoSide::fit_alpha(std::iter::empty()), 0.0);
    }
}
