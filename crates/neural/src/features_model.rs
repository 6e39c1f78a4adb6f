//! The trained [`crate::Features`] networks as plain `f32` weights (no burn): the movie tower
//! (weighted embedding-bag → dense layers → unit-length embedding, plus a feature-based
//! popularity bias), the user tower (mean of watched movies' embeddings → dense → unit
//! length), the p(watched) logit, and their model state.

use crate::features_input::BagEntry;
use crate::mlp::Mlp;
#[cfg(feature = "train")]
use crate::mlp::{Activation, Dense};
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, Result};

/// Everything learned, copied out of burn.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Weights {
    /// Embedding width.
    pub dim: usize,
    /// Token embedding table, `rows × dim`, row-major.
    pub tokens: Vec<f32>,
    /// Learned weight of each field in the bag.
    pub fields: Vec<f32>,
    /// Movie tower after the bag: `dim → … → dim`.
    pub item: Mlp,
    /// Popularity head on the movie tower's output: `dim → 1`.
    pub bias: Mlp,
    /// User tower after mean pooling: `dim → dim`.
    pub user: Mlp,
    /// Scale of the cosine in the logit.
    pub scale: f32,
}

/// `x / ‖x‖` (a zero vector stays zero).
pub fn normalize(x: &mut [f32]) {
    let n = x.iter().map(|v| v * v).sum::<f32>().sqrt();
    if n > 1e-12 {
        x.iter_mut().for_each(|v| *v /= n);
    }
}

/// Dot product.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Weights {
    /// Rows of the token table.
    pub fn n_rows(&self) -> usize {
        self.tokens.len() / self.dim.max(1)
    }

    /// A movie's unit-length embedding and its bias, from its bag of tokens.
    pub fn movie(&self, bag: &[BagEntry]) -> (Vec<f32>, f32) {
        let d = self.dim;
        let mut h = vec![0f32; d];
        for e in bag {
            let (t, f) = (e.token as usize, e.field as usize);
            if t >= self.n_rows() || f >= self.fields.len() {
                continue; // checked when loading; never out of range for a fitted vocabulary
            }
            let w = e.weight * self.fields[f];
            for (o, &x) in h.iter_mut().zip(&self.tokens[t * d..(t + 1) * d]) {
                *o += w * x;
            }
        }
        let mut v = self.item.forward(&h);
        let b = self.bias.forward(&v).first().copied().unwrap_or(0.0);
        normalize(&mut v);
        (v, b)
    }

    /// A user's unit-length embedding from the unit embeddings of the movies they watched
    /// (rows of `emb`, `dim` wide); no movie gives the tower's answer for a zero mean.
    pub fn user_of(&self, emb: &[f32], items: impl Iterator<Item = usize>) -> Vec<f32> {
        let d = self.dim;
        let mut mean = vec![0f32; d];
        let mut n = 0usize;
        for i in items {
            for (m, &x) in mean.iter_mut().zip(&emb[i * d..(i + 1) * d]) {
                *m += x;
            }
            n += 1;
        }
        if n > 0 {
            mean.iter_mut().for_each(|m| *m /= n as f32);
        }
        let mut u = self.user.forward(&mean);
        normalize(&mut u);
        u
    }

    /// log-odds that the user (unit `u`) watched the movie (unit `v`, bias `b`).
    pub fn logit(&self, u: &[f32], v: &[f32], b: f32) -> f32 {
        self.scale * dot(u, v) + b
    }

    /// Appends the weights to model state.
    pub fn write(&self, w: &mut StateWriter) {
        w.u64(self.dim as u64);
        w.f32s(&self.tokens);
        w.f32s(&self.fields);
        self.item.write(w);
        self.bias.write(w);
        self.user.write(w);
        w.f32(self.scale);
    }

    /// Reads weights written by [`Weights::write`], checking every shape and value.
    pub fn read(r: &mut StateReader<'_>) -> Result<Self> {
        let dim = r.u64()? as usize;
        let w = Weights {
            dim,
            tokens: r.f32s()?,
            fields: r.f32s()?,
            item: Mlp::read(r)?,
            bias: Mlp::read(r)?,
            user: Mlp::read(r)?,
            scale: r.f32()?,
        };
        let bad = |what: &str| Err(CoreError::Corrupt(format!("features: {what}")));
        if dim == 0 || dim > 4096 || !w.tokens.len().is_multiple_of(dim) || w.tokens.is_empty() {
            return bad("token table shape");
        }
        if (w.item.d_in(), w.item.d_out()) != (dim, dim)
            || (w.bias.d_in(), w.bias.d_out()) != (dim, 1)
            || (w.user.d_in(), w.user.d_out()) != (dim, dim)
        {
            return bad("tower shapes");
        }
        let layers = [&w.item, &w.bias, &w.user];
        let finite = w
            .tokens
            .iter()
            .chain(&w.fields)
            .chain(
                layers
                    .iter()
                    .flat_map(|m| m.layers.iter())
                    .flat_map(|(d, _)| d.weight.iter().chain(&d.bias)),
            )
            .all(|x| x.is_finite())
            && w.scale.is_finite();
        if !finite {
            return bad("non-finite weight");
        }
        Ok(w)
    }
}

/// A single dense layer as an [`Mlp`].
#[cfg(feature = "train")]
pub fn single(d: Dense, act: Activation) -> Mlp {
    Mlp {
        layers: vec![(d, act)],
    }
}
