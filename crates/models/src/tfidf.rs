//! [`TfIdf`]: the content model. Every movie becomes a sparse, L2-normalised TF-IDF vector
//! over tokens of its metadata (see [`crate::tfidf_features`]): title words, genres, decade,
//! tags and knowledge-graph relations. Gives
//! - **similar movies** by cosine (through an inverted index: only movies sharing a token
//!   are touched) — works for a movie nobody has rated, since it uses metadata only;
//! - a **content-profile recommender**: the user's profile is the rating-weighted mean of
//!   their movies' vectors, weights centred on the user's mean rating (when every rating equals
//!   the mean, the plain mean is used); a movie's score is its cosine with the profile.
//!
//! Ranking only: `predict` is [`CoreError::Unsupported`] after the usual input checks.

use crate::common::{read_state, write_state, Shape};
use crate::neighbors::{check_item, invalid, NeighborLists, UserRows};
use crate::tfidf_features::{item_vectors, FieldWeights};
use cinerec_core::Configurable;
use cinerec_core::UserRef;
use cinerec_core::{CoreError, Dataset, EpochReport, FitObserver, ItemIdx, Recommender, Result};
use serde::{Deserialize, Serialize};

const TAG: &[u8] = b"tfidf/1";

/// Parameters of [`TfIdf`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TfIdfParams {
    /// Weight of each metadata field before normalisation.
    pub weights: FieldWeights,
    /// Centre the profile weights on the user's mean rating (disliked movies pull away).
    pub centered: bool,
}

impl Default for TfIdfParams {
    fn default() -> Self {
        TfIdfParams {
            weights: FieldWeights::default(),
            centered: true,
        }
    }
}

#[derive(Debug, Clone)]
struct Fitted {
    shape: Shape,
    rows: UserRows,
    /// Item → (feature, weight), unit length.
    vectors: NeighborLists,
    /// Feature → (item, weight): the inverted index.
    postings: Vec<Vec<(u32, f32)>>,
}

/// TF-IDF content model over movie metadata.
#[derive(Debug, Clone)]
pub struct TfIdf {
    params: TfIdfParams,
    fitted: Option<Fitted>,
}

impl Configurable for TfIdf {
    type Params = TfIdfParams;
    fn from_params(p: Self::Params) -> Result<Self> {
        if !p.weights.valid() {
            return invalid("weights", "every field weight must be finite and >= 0");
        }
        Ok(TfIdf {
            params: p,
            fitted: None,
        })
    }
}

fn postings_of(vectors: &NeighborLists, n_items: usize, n_features: usize) -> Vec<Vec<(u32, f32)>> {
    let mut p = vec![Vec::new(); n_features];
    for i in 0..n_items {
        let (fs, ws) = vectors.of(i);
        for (&f, &w) in fs.iter().zip(ws) {
            p[f as usize].push((i as u32, w));
        }
    }
    p
}

impl TfIdf {
    cinerec_core::fitted_accessor!(Fitted, "tfidf");

    /// Number of distinct metadata tokens (features) of the fitted model.
    pub fn n_features(&self) -> Result<usize> {
        Ok(self.fitted()?.postings.len())
    }

    /// The unit vectors of every catalogue movie and their inverted index.
    fn vectorise(&self, data: &Dataset) -> (NeighborLists, Vec<Vec<(u32, f32)>>) {
        let (lists, n_features) = item_vectors(data.catalog(), &self.params.weights);
        let vectors = NeighborLists::from_lists(lists);
        let postings = postings_of(&vectors, data.n_items(), n_features);
        (vectors, postings)
    }

    /// `out[i] += Σ_f p_f · v_i,f` for a sparse query `p` over features.
    fn project(f: &Fitted, query: &[(u32, f32)], out: &mut [f32]) {
        for &(feat, q) in query {
            for &(i, w) in &f.postings[feat as usize] {
                out[i as usize] += q * w;
            }
        }
    }
}

impl Recommender for TfIdf {
    cinerec_core::name_and_params!("tfidf");

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        let (vectors, postings) = self.vectorise(data);
        observer.on_epoch(&EpochReport {
            epoch: 1,
            epochs: 1,
            train_loss: 0.0,
            metrics: vec![("features".into(), postings.len() as f64)],
        });
        self.fitted = Some(Fitted {
            shape: Shape::of(data),
            rows: UserRows::of(data),
            vectors,
            postings,
        });
        Ok(())
    }

    fn embeds_new_items(&self) -> bool {
        true
    }

    /// Nothing is learned from ratings here: the vectors (idf included) are recomputed over
    /// the grown catalogue's metadata, exactly as a refit would; the users' rows stay.
    fn add_items(&mut self, data: &Dataset) -> Result<()> {
        let n_before = self.fitted()?.shape.n_items;
        if data.n_items() < n_before {
            return Err(CoreError::Mismatch(format!(
                "tfidf knows {n_before} movies, the catalogue only {}",
                data.n_items()
            )));
        }
        let (vectors, postings) = self.vectorise(data);
        let f = self.fitted.as_mut().ok_or(CoreError::NotFitted("tfidf"))?;
        f.shape = f.shape.with_items(data.n_items());
        f.vectors = vectors;
        f.postings = postings;
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        self.fitted()?.shape.no_prediction(
            user,
            item,
            "tfidf",
            "rating prediction (the content model ranks)",
        )
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_out(out)?;
        let profile = f.rows.profile(&f.shape, user)?;
        out.fill(0.0);
        if profile.is_empty() {
            return Ok(());
        }
        let mean = profile.iter().map(|p| p.1 as f64).sum::<f64>() / profile.len() as f64;
        let centred = self.params.centered && profile.iter().any(|p| p.1 as f64 != mean);
        let mut dense: std::collections::BTreeMap<u32, f64> = Default::default();
        for &(j, r) in &profile {
            let w = if centred { r as f64 - mean } else { r as f64 };
            let (fs, ws) = f.vectors.of(j as usize);
            for (&feat, &x) in fs.iter().zip(ws) {
                *dense.entry(feat).or_default() += w * x as f64 / profile.len() as f64;
            }
        }
        let norm = dense.values().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return Ok(());
        }
        let query: Vec<(u32, f32)> = dense
            .into_iter()
            .map(|(k, v)| (k, (v / norm) as f32))
            .collect();
        Self::project(f, &query, out);
        Ok(())
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        check_item(&f.shape, item, out)?;
        out.fill(0.0);
        let (fs, ws) = f.vectors.of(item.ix());
        let query: Vec<(u32, f32)> = fs.iter().copied().zip(ws.iter().copied()).collect();
        Self::project(f, &query, out);
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let f = self.fitted()?;
        Ok(write_state(TAG, &f.shape, |w| {
            f.rows.write(w);
            w.u64(f.postings.len() as u64);
            f.vectors.write(w);
        }))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let (shape, rows, n_features, vectors) = read_state(bytes, TAG, |r, shape| {
            let rows = UserRows::read(r, &shape)?;
            let n_features = usize::try_from(r.u64()?)
                .ok()
                .filter(|&n| n <= u32::MAX as usize && n <= bytes.len())
                .ok_or_else(|| CoreError::Corrupt("tfidf: feature count".into()))?;
            let vectors = NeighborLists::read_cols(r, shape.n_items, n_features)?;
            Ok((shape, rows, n_features, vectors))
        })?;
        let postings = postings_of(&vectors, shape.n_items, n_features);
        self.fitted = Some(Fitted {
            shape,
            rows,
            vectors,
            postings,
        });
        Ok(())
    }
}
