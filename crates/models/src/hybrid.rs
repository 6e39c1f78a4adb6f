//! [`Hybrid`]: a weighted blend of a collaborative model and a content model, both built by
//! name (defaults `ease` and `tfidf`) through a [`ModelFactory`] the caller injects (the
//! engine passes its registry), with a cold-start chain.
//!
//! Scores: each component's scores for the user are normalised per user — `zscore`
//! (`(s − mean) / std`, the default) or `minmax` (`(s − min) / (max − min)`) — with the
//! statistics taken over the movies the user has *not* rated (the candidates; rated movies
//! would otherwise stretch the scale), then blended as `w · collab + (1 − w) · content`
//! (`weight` = w, default 0.7 as in the reference system; `cinerec tune --model hybrid` picks
//! it on a validation split carved from train).
//!
//! Cold-start chain: no rating at all → movies by training popularity (log of the rating
//! count; in requested genres with [`Hybrid::recommend_in_genres`]); fewer than
//! `cold_start_min` ratings → the collaborative weight ramps down linearly,
//! `w · n / cold_start_min`, so the content model (plus the collaborative model's fold-in of
//! the profile) carries more of the few ratings. Similar movies blend the components'
//! normalised similarities the same way (content only when the collaborative model has none).

use crate::common::{read_state, write_state, Shape};
use crate::neighbors::{check_item, invalid, UserRows};
use cinerec_core::grow::without_new_items;
use cinerec_core::{
    CoreError, Dataset, EpochReport, FitObserver, ItemIdx, NoObserver, RecommendOptions,
    Recommender, RecommenderExt, Result, Scored, UserRef,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const TAG: &[u8] = b"hybrid/1";

/// How component scores are put on one scale before blending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalize {
    /// `(s − mean) / std` over the user's candidates.
    #[default]
    Zscore,
    /// `(s − min) / (max − min)` over the user's candidates.
    Minmax,
}

/// Parameters of [`Hybrid`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HybridParams {
    /// Registry name of the collaborative component.
    pub collaborative: String,
    /// Its parameters (`null` = defaults).
    pub collaborative_params: Option<Value>,
    /// Registry name of the content component.
    pub content: String,
    /// Its parameters (`null` = defaults).
    pub content_params: Option<Value>,
    /// Share of the collaborative component, in `[0, 1]`.
    pub weight: f64,
    /// Per-user score normalisation.
    pub normalize: Normalize,
    /// Users with fewer ratings get a reduced collaborative weight (0 = never).
    pub cold_start_min: usize,
}

impl Default for HybridParams {
    fn default() -> Self {
        HybridParams {
            collaborative: "ease".into(),
            collaborative_params: None,
            content: "tfidf".into(),
            content_params: None,
            weight: 0.7,
            normalize: Normalize::Zscore,
            cold_start_min: 5,
        }
    }
}

#[derive(Debug, Clone)]
struct Fitted {
    shape: Shape,
    rows: UserRows,
    /// `ln(1 + count)` per movie.
    popularity: Vec<f32>,
    /// Movies the collaborative component was fitted on; later ones (added since,
    /// [`Recommender::add_items`]) are cold for it and scored by the content side alone.
    collab_items: usize,
}

/// Collaborative + content blend with a cold-start chain.
pub struct Hybrid {
    params: HybridParams,
    collab: Box<dyn Recommender>,
    content: Box<dyn Recommender>,
    fitted: Option<Fitted>,
}

/// Builds an unfitted model from a name and optional JSON parameters; the error says why not.
pub type ModelFactory<'a> =
    &'a dyn Fn(&str, Option<&Value>) -> std::result::Result<Box<dyn Recommender>, String>;

impl Hybrid {
    /// An unfitted hybrid whose components `factory` builds from the names in `p`.
    pub fn new(p: HybridParams, factory: ModelFactory<'_>) -> Result<Self> {
        if !(0.0..=1.0).contains(&p.weight) {
            return invalid("weight", "must be in [0, 1]");
        }
        let make = |name: &str, params: &Option<Value>, field: &str| {
            factory(name, params.as_ref()).map_err(|reason| CoreError::InvalidParam {
                name: field.into(),
                reason,
            })
        };
        let collab = make(&p.collaborative, &p.collaborative_params, "collaborative")?;
        let content = make(&p.content, &p.content_params, "content")?;
        Ok(Hybrid {
            params: p,
            collab,
            content,
            fitted: None,
        })
    }
}

/// Normalises `s` in place with statistics over the entries where `candidate` is true.
pub(crate) fn normalize(s: &mut [f32], candidate: &[bool], how: Normalize) {
    let vals = s
        .iter()
        .zip(candidate)
        .filter(|p| *p.1)
        .map(|p| *p.0 as f64);
    let (mut n, mut sum, mut sq, mut lo, mut hi) = (0f64, 0f64, 0f64, f64::MAX, f64::MIN);
    for v in vals {
        (n, sum, sq, lo, hi) = (n + 1.0, sum + v, sq + v * v, lo.min(v), hi.max(v));
    }
    let (shift, scale) = match how {
        _ if n == 0.0 => (0.0, 0.0),
        Normalize::Zscore => {
            let mean = sum / n;
            let sd = (sq / n - mean * mean).max(0.0).sqrt();
            (mean, if sd > 0.0 { 1.0 / sd } else { 0.0 })
        }
        Normalize::Minmax => (lo, if hi > lo { 1.0 / (hi - lo) } else { 0.0 }),
    };
    for x in s.iter_mut() {
        *x = ((*x as f64 - shift) * scale) as f32;
    }
}

/// `Ok(true)` for success, `Ok(false)` for [`CoreError::Unsupported`], other errors as is.
fn supported(r: Result<()>) -> Result<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(CoreError::Unsupported { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

impl Hybrid {
    cinerec_core::fitted_accessor!(Fitted, "hybrid");

    /// Sets the collaborative share without refitting (used by the weight tuner).
    pub fn set_weight(&mut self, weight: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&weight) {
            return invalid("weight", "must be in [0, 1]");
        }
        self.params.weight = weight;
        Ok(())
    }

    /// The collaborative weight used for a user with `n` ratings.
    pub fn effective_weight(&self, n: usize) -> f64 {
        let m = self.params.cold_start_min;
        if m > 0 && n < m {
            self.params.weight * n as f64 / m as f64
        } else {
            self.params.weight
        }
    }

    /// The cold-start chain with a genre filter: no ratings → the most popular movies
    /// having any of `genres` (all movies when empty); otherwise the blended ranking
    /// restricted to those genres. Seen movies are excluded.
    pub fn recommend_in_genres(
        &self,
        data: &Dataset,
        user: UserRef<'_>,
        genres: &[u16],
        n: usize,
    ) -> Result<Vec<Scored>> {
        let cat = data.catalog();
        let keep =
            |i: ItemIdx| genres.is_empty() || cat.meta(i).genres.iter().any(|g| genres.contains(g));
        let opts = RecommendOptions {
            n,
            include_seen: false,
            filter: Some(&keep),
        };
        self.recommend(data, user, &opts)
    }
}

impl Recommender for Hybrid {
    fn name(&self) -> &'static str {
        "hybrid"
    }

    fn params(&self) -> Value {
        let mut p = self.params.clone();
        p.collaborative_params = Some(self.collab.params());
        p.content_params = Some(self.content.params());
        serde_json::to_value(p).unwrap_or_default()
    }

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        self.collab.fit(data, &mut NoObserver)?;
        self.content.fit(data, &mut NoObserver)?;
        let popularity = (0..data.n_items() as u32)
            .map(|i| (data.matrix().item_count(ItemIdx(i)) as f32).ln_1p())
            .collect();
        observer.on_epoch(&EpochReport {
            epoch: 1,
            epochs: 1,
            train_loss: 0.0,
            metrics: vec![],
        });
        self.fitted = Some(Fitted {
            shape: Shape::of(data),
            rows: UserRows::of(data),
            popularity,
            collab_items: data.n_items(),
        });
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        let f = self.fitted()?;
        f.shape.check_user(user)?;
        f.shape.check_item(item)?;
        if item.ix() >= f.collab_items {
            return Err(CoreError::ColdItem(item.to_string()));
        }
        without_new_items(user, f.collab_items, |u| self.collab.predict(u, item))
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_out(out)?;
        let profile = f.rows.profile(&f.shape, user)?;
        if profile.is_empty() {
            out.copy_from_slice(&f.popularity);
            return Ok(());
        }
        let mut candidate = vec![true; out.len()];
        profile.iter().for_each(|p| candidate[p.0 as usize] = false);
        let w = self.effective_weight(profile.len()) as f32;
        let mut content = vec![0f32; out.len()];
        let known = f.collab_items;
        without_new_items(user, known, |u| self.collab.score_all(u, &mut out[..known]))?;
        self.content.score_all(user, &mut content)?;
        normalize(&mut content, &candidate, self.params.normalize);
        candidate[known..].fill(false);
        normalize(
            &mut out[..known],
            &candidate[..known],
            self.params.normalize,
        );
        for (o, c) in out[..known].iter_mut().zip(&content) {
            *o = w * *o + (1.0 - w) * c;
        }
        // Movies added since the fit: the content side alone.
        out[known..].copy_from_slice(&content[known..]);
        Ok(())
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        check_item(&f.shape, item, out)?;
        let mut others = vec![true; out.len()];
        others[item.ix()] = false;
        let mut content = vec![0f32; out.len()];
        let has_content = supported(self.content.item_similarities(item, &mut content))?;
        out.fill(0.0);
        let known = f.collab_items;
        let has_collab =
            item.ix() < known && supported(self.collab.item_similarities(item, &mut out[..known]))?;
        let w = match (has_collab, has_content) {
            (true, true) => self.params.weight as f32,
            (true, false) => 1.0,
            (false, true) => 0.0,
            (false, false) => {
                return Err(CoreError::Unsupported {
                    model: "hybrid",
                    what: "similar movies (neither component has them)",
                })
            }
        };
        normalize(&mut content, &others, self.params.normalize);
        normalize(&mut out[..known], &others[..known], self.params.normalize);
        for (o, c) in out[..known].iter_mut().zip(&content) {
            *o = w * *o + (1.0 - w) * c;
        }
        if has_content {
            // Movies added since the fit: the content side alone.
            out[known..].copy_from_slice(&content[known..]);
        }
        Ok(())
    }

    fn embeds_new_items(&self) -> bool {
        self.content.embeds_new_items()
    }

    /// The content side embeds the new movies; the collaborative side keeps the movies it was
    /// fitted on (unless it embeds new movies too), so the new ones are scored by content.
    fn add_items(&mut self, data: &Dataset) -> Result<()> {
        let f = self.fitted()?;
        if data.n_items() < f.shape.n_items || !self.content.embeds_new_items() {
            return Err(CoreError::Unsupported {
                model: "hybrid",
                what: "adding movies when the content component cannot embed them",
            });
        }
        self.content.add_items(data)?;
        let collab_embeds = self.collab.embeds_new_items();
        if collab_embeds {
            self.collab.add_items(data)?;
        }
        let f = self.fitted.as_mut().ok_or(CoreError::NotFitted("hybrid"))?;
        f.popularity.resize(data.n_items(), 0.0);
        f.shape = f.shape.with_items(data.n_items());
        if collab_embeds {
            f.collab_items = data.n_items();
        }
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let f = self.fitted()?;
        if f.collab_items != f.shape.n_items {
            return Err(CoreError::Unsupported {
                model: "hybrid",
                what: "saving a model with movies added after its fit (save the model as fitted)",
            });
        }
        let (collab, content) = (self.collab.save_state()?, self.content.save_state()?);
        Ok(write_state(TAG, &f.shape, |w| {
            f.rows.write(w);
            w.f32s(&f.popularity);
            w.bytes(&collab);
            w.bytes(&content);
        }))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let f = read_state(bytes, TAG, |r, shape| {
            let rows = UserRows::read(r, &shape)?;
            let popularity = r.f32s()?;
            if popularity.len() != shape.n_items || !popularity.iter().all(|x| x.is_finite()) {
                return Err(CoreError::Corrupt("hybrid: popularity".into()));
            }
            self.collab.load_state(r.bytes()?)?;
            self.content.load_state(r.bytes()?)?;
            Ok(Fitted {
                collab_items: shape.n_items,
                shape,
                rows,
                popularity,
            })
        })?;
        self.fitted = Some(f);
        Ok(())
    }
}
