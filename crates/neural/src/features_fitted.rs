//! The fitted state of [`crate::Features`]: vocabulary, plain weights, every catalogue
//! movie's embedding and bias, each user's training movies and the density σ — how it is
//! built from a dataset (vocabulary → burn training → embeddings; feature `train`), how it
//! scores, and its model state (`features/1`).

#[cfg(feature = "train")]
use crate::features::FeaturesParams;
use crate::features::ScoreMethod;
#[cfg(feature = "train")]
use crate::features_input::BagEntry;
use crate::features_input::Vocab;
use crate::features_model::{dot, Weights};
#[cfg(feature = "train")]
use crate::features_train::train;
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, Result, UserRef};
#[cfg(feature = "train")]
use cinerec_core::{Dataset, FitObserver, ItemIdx, Rng};

/// A fitted model: plain weights, every catalogue movie's embedding, the users' movies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    pub vocab: Vocab,
    pub genre_names: Vec<String>,
    pub w: Weights,
    /// Unit movie embeddings, `n_items × dim`.
    pub emb: Vec<f32>,
    /// Movie biases (log-odds offsets).
    pub bias: Vec<f32>,
    /// Training movies per user (CSR).
    pub user_ptr: Vec<u32>,
    pub user_items: Vec<u32>,
    /// Resolved density σ.
    pub sigma: f32,
    /// Epochs run and the epoch kept.
    pub epochs_run: u32,
    pub best_epoch: u32,
}

impl Fitted {
    /// Builds the vocabulary, trains (call inside the thread pool) and embeds every movie.
    #[cfg(feature = "train")]
    pub fn build(data: &Dataset, p: &FeaturesParams, obs: &mut dyn FitObserver) -> Result<Self> {
        let m = data.matrix();
        let cat = data.catalog();
        let counts: Vec<usize> = (0..data.n_items() as u32)
            .map(|i| m.item_count(ItemIdx(i)))
            .collect();
        let rated: Vec<bool> = counts.iter().map(|&c| c > 0).collect();
        let with_id: Vec<bool> = counts
            .iter()
            .map(|&c| p.id_tokens && c > 0 && c >= p.id_min_ratings)
            .collect();
        let vocab = Vocab::build(cat, &rated, &with_id, p.min_token_movies, p.hash_buckets);
        let bags: Vec<Vec<BagEntry>> = (0..data.n_items())
            .map(|i| vocab.bag(&cat.item_meta[i], &cat.genre_names, Some(i)))
            .collect();
        let (w, summary) = train(
            data,
            &bags,
            vocab.n_rows(),
            vocab.n_fields(),
            vocab.id_field(),
            p,
            obs,
        )?;
        let mut emb = Vec::with_capacity(data.n_items() * w.dim);
        let mut bias = Vec::with_capacity(data.n_items());
        for bag in &bags {
            let (v, b) = w.movie(bag);
            emb.extend(v);
            bias.push(b);
        }
        let mut user_ptr = vec![0u32];
        let mut user_items = Vec::with_capacity(m.nnz());
        for u in 0..data.n_users() as u32 {
            user_items.extend_from_slice(data.user_ratings(cinerec_core::UserIdx(u)).0);
            user_ptr.push(user_items.len() as u32);
        }
        let rated_ids: Vec<u32> = (0..data.n_items() as u32)
            .filter(|&i| rated[i as usize])
            .collect();
        let sigma = match p.density_sigma {
            Some(s) => s as f32,
            None => auto_sigma(&emb, w.dim, &rated_ids, p.seed),
        };
        Ok(Fitted {
            vocab,
            genre_names: cat.genre_names.clone(),
            w,
            emb,
            bias,
            user_ptr,
            user_items,
            sigma,
            epochs_run: summary.epochs_run as u32,
            best_epoch: summary.best_epoch as u32,
        })
    }

    pub fn n_items(&self) -> usize {
        self.bias.len()
    }

    pub fn n_users(&self) -> usize {
        self.user_ptr.len() - 1
    }

    /// Unit embedding of catalogue movie `i` (in range).
    pub fn row(&self, i: usize) -> &[f32] {
        &self.emb[i * self.w.dim..(i + 1) * self.w.dim]
    }

    /// The movies a user watched: training movies of a known user, or a profile's movies.
    pub fn items_of(&self, user: UserRef<'_>) -> Result<Vec<u32>> {
        match user {
            UserRef::Known(u) => {
                if u.ix() >= self.n_users() {
                    return Err(CoreError::UnknownUser(u.to_string()));
                }
                let (a, b) = (self.user_ptr[u.ix()], self.user_ptr[u.ix() + 1]);
                Ok(self.user_items[a as usize..b as usize].to_vec())
            }
            UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
                let mut v = Vec::with_capacity(p.len());
                for &(i, _) in p {
                    if i.ix() >= self.n_items() {
                        return Err(CoreError::UnknownItem(i.to_string()));
                    }
                    v.push(i.0);
                }
                v.sort_unstable();
                v.dedup();
                Ok(v)
            }
        }
    }

    /// Scores every movie for a user who watched `items` (see [`ScoreMethod`]).
    pub fn score(&self, method: ScoreMethod, s: f32, items: &[u32], out: &mut [f32]) {
        if method == ScoreMethod::Likelihood || items.is_empty() {
            let u = self.w.user_of(&self.emb, items.iter().map(|&i| i as usize));
            for (c, o) in out.iter_mut().enumerate() {
                *o = self.w.logit(&u, self.row(c), self.bias[c]);
            }
            return;
        }
        let inv = 1.0 / (s * self.sigma * self.sigma);
        out.iter_mut().for_each(|o| *o = 0.0);
        for &m in items {
            let em = self.row(m as usize);
            for (c, o) in out.iter_mut().enumerate() {
                let dist = 1.0 - dot(self.row(c), em);
                *o += (-dist * dist * inv).exp();
            }
        }
    }

    /// Appends the state.
    pub fn write(&self, w: &mut StateWriter) {
        self.vocab.write(w);
        w.u64(self.genre_names.len() as u64);
        self.genre_names.iter().for_each(|g| w.bytes(g.as_bytes()));
        self.w.write(w);
        w.f32s(&self.emb);
        w.f32s(&self.bias);
        w.u32s(&self.user_ptr);
        w.u32s(&self.user_items);
        w.f32(self.sigma);
        w.u32(self.epochs_run);
        w.u32(self.best_epoch);
    }

    /// Reads and checks a state written by [`Fitted::write`].
    pub fn read(r: &mut StateReader<'_>) -> Result<Self> {
        let vocab = Vocab::read(r)?;
        let n_genres = r.u64()?;
        let mut genre_names = Vec::new();
        for _ in 0..n_genres {
            let g = std::str::from_utf8(r.bytes()?)
                .map_err(|_| CoreError::Corrupt("features: genre name".into()))?;
            genre_names.push(g.to_string());
        }
        let f = Fitted {
            vocab,
            genre_names,
            w: Weights::read(r)?,
            emb: r.f32s()?,
            bias: r.f32s()?,
            user_ptr: r.u32s()?,
            user_items: r.u32s()?,
            sigma: r.f32()?,
            epochs_run: r.u32()?,
            best_epoch: r.u32()?,
        };
        let bad = |what: &str| Err(CoreError::Corrupt(format!("features: {what}")));
        if f.w.n_rows() != f.vocab.n_rows() || f.w.fields.len() != f.vocab.n_fields() {
            return bad("vocabulary and weights disagree");
        }
        if f.emb.len() != f.bias.len() * f.w.dim {
            return bad("movie embeddings");
        }
        let ptr_ok = f.user_ptr.first() == Some(&0)
            && f.user_ptr.windows(2).all(|p| p[0] <= p[1])
            && f.user_ptr.last().map(|&l| l as usize) == Some(f.user_items.len());
        if !ptr_ok || f.user_items.iter().any(|&i| i as usize >= f.n_items()) {
            return bad("users' movies");
        }
        let finite = f.emb.iter().chain(&f.bias).all(|x| x.is_finite());
        if !(finite && f.sigma.is_finite() && f.sigma > 0.0) {
            return bad("non-finite embedding or σ");
        }
        Ok(f)
    }
}

/// σ of the density kernel: the standard deviation of the cosine distance between random
/// pairs of distinct rated movies (1 when there are fewer than two).
#[cfg(feature = "train")]
fn auto_sigma(emb: &[f32], dim: usize, rated: &[u32], seed: u64) -> f32 {
    if rated.len() < 2 {
        return 1.0;
    }
    let mut rng = Rng::fork(seed, 0x5167);
    let (mut s, mut s2, n) = (0f64, 0f64, 20_000usize);
    for _ in 0..n {
        let a = rated[rng.below(rated.len() as u64) as usize] as usize;
        let mut b = a;
        while b == a {
            b = rated[rng.below(rated.len() as u64) as usize] as usize;
        }
        let d = 1.0 - dot(&emb[a * dim..(a + 1) * dim], &emb[b * dim..(b + 1) * dim]) as f64;
        s += d;
        s2 += d * d;
    }
    let var = (s2 / n as f64 - (s / n as f64).powi(2)).max(0.0);
    (var.sqrt() as f32).max(1e-3)
}
