//! The fitted state of [`crate::AutoRec`]: the movies' hidden codes, the users' output units,
//! the fallbacks (means, rating counts, prior unit), how a trained network becomes that state
//! with the optional closed-form refit of the users' output units (feature `train`), and its
//! model-state formats: `autorec/3` (a network over the residuals of [`Biases`], with the
//! training support and residual shrink of [`crate::shrink`]), and the older `autorec/2`
//! (the same without support: residuals unscaled) and `autorec/1` (a network over the raw
//! ratings), which still load.
//!
//! **Decoder refit**: with the encoder fixed, the AutoRec objective is, for each user's output
//! unit, a ridge regression of their ratings on the rated movies' codes. After training, each
//! user's unit can be replaced by that regression's exact solution (the same fold-in as for a
//! new visitor, shrunk towards the prior unit with penalty `fold_in_l2`) — one block of
//! coordinate descent on the training objective, and a known user is then scored exactly as
//! the same person arriving as a profile of their ratings would be.

use crate::ae_shape::{ensure, unwrap, wrap, AeShape, Shape};
use crate::biases::Biases;
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::Result;
#[cfg(feature = "train")]
use {
    crate::ae_ridge::fold_in,
    crate::ae_sparse::Rows,
    crate::mlp::Mlp,
    cinerec_core::{Dataset, ItemIdx, UserIdx},
};

/// The state of a network over the raw ratings (no biases).
const TAG_RAW: &[u8] = b"autorec/1";
/// The state of a network over the residuals of the biases.
const TAG_V2: &[u8] = b"autorec/2";
/// The same with the users' and movies' training support and the residual shrink.
const TAG: &[u8] = b"autorec/3";

/// A fitted I-AutoRec, burn-free.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// Catalogue sizes and rating scale.
    pub shape: Shape,
    /// Code width.
    pub k: usize,
    /// Mean training rating (0 without ratings).
    pub global_mean: f32,
    /// Each user's mean training rating (the global mean for users without ratings).
    pub user_mean: Vec<f32>,
    /// Training ratings per user.
    pub user_n: Vec<u32>,
    /// Training ratings per movie.
    pub item_n: Vec<u32>,
    /// `n_items × k` hidden codes (movies without ratings hold the mean code).
    pub codes: Vec<f32>,
    /// `n_users × k` output units (the decoder's columns).
    pub users: Vec<f32>,
    /// The `n_users` output biases.
    pub bias: Vec<f32>,
    /// The prior unit: the mean trained unit of users with ratings (before any refit).
    pub prior_v: Vec<f32>,
    /// The prior unit's bias: the mean trained bias of users with ratings.
    pub prior_b: f32,
    /// Derived: the mean code of rated movies.
    pub code_mean: Vec<f32>,
    /// The baseline the network's outputs are residuals of (`None`: a raw-rating network of
    /// an `autorec/1` state).
    pub base: Option<Biases>,
}

impl Fitted {
    /// Builds the state from a trained encoder/decoder `mlp` and every movie's training
    /// residuals over `base` (raw ratings without) in `items` (rows = movies); `refit` = the
    /// ridge penalty of the decoder refit (see the module docs), run on `threads` threads.
    #[cfg(feature = "train")]
    pub fn from_net(
        data: &Dataset,
        shape: Shape,
        mlp: &Mlp,
        (items, base): (&Rows, Option<Biases>),
        refit: Option<f64>,
        threads: usize,
    ) -> crate::Result<Self> {
        let (enc, dec) = (&mlp.layers[0].0, &mlp.layers[1].0);
        let k = enc.d_out;
        let m = data.matrix();
        let user_n: Vec<u32> = (0..shape.n_users)
            .map(|u| m.user_count(UserIdx(u as u32)) as u32)
            .collect();
        let item_n: Vec<u32> = (0..shape.n_items)
            .map(|i| m.item_count(ItemIdx(i as u32)) as u32)
            .collect();
        let global_mean = data.global_mean();
        let user_mean = (0..shape.n_users)
            .map(|u| {
                let v = m.user_row(UserIdx(u as u32)).1;
                if v.is_empty() {
                    global_mean
                } else {
                    v.iter().sum::<f32>() / v.len() as f32
                }
            })
            .collect();
        let mut codes = vec![0f32; shape.n_items * k];
        for i in 0..shape.n_items {
            let c = &mut codes[i * k..(i + 1) * k];
            enc.forward_sparse(&items.pairs(i), c);
            mlp.layers[0].1.apply(c);
        }
        let mut users = vec![0f32; shape.n_users * k];
        for h in 0..k {
            for u in 0..shape.n_users {
                users[u * k + h] = dec.weight[h * dec.d_out + u];
            }
        }
        let mut f = Fitted {
            shape,
            k,
            global_mean,
            user_mean,
            user_n,
            item_n,
            codes,
            users,
            bias: dec.bias.clone(),
            prior_v: vec![],
            prior_b: 0.0,
            code_mean: vec![],
            base,
        };
        f.derive_codes();
        f.derive_prior();
        if let Some(l2) = refit {
            f.refit(data, l2, threads)?;
        }
        Ok(f)
    }

    /// Replaces every user's unit by the ridge fold-in of their training ratings.
    #[cfg(feature = "train")]
    fn refit(&mut self, data: &Dataset, l2: f64, threads: usize) -> crate::Result<()> {
        use rayon::prelude::*;
        let k = self.k;
        let this = &*self;
        let m = data.matrix();
        let units: Vec<Option<(f32, Vec<f32>)>> = crate::backend::in_pool(threads, || {
            (0..this.shape.n_users)
                .into_par_iter()
                .map(|u| {
                    let (items, values) = m.user_row(UserIdx(u as u32));
                    (!items.is_empty()).then(|| {
                        let codes: Vec<&[f32]> =
                            items.iter().map(|&i| this.code(i as usize)).collect();
                        let targets: Vec<f32> = items
                            .iter()
                            .zip(values)
                            .map(|(&i, &r)| r - this.baseline(None, i as usize) - this.user_bias(u))
                            .collect();
                        fold_in(&codes, &targets, this.prior_b, &this.prior_v, l2)
                    })
                })
                .collect()
        })?;
        for (u, unit) in units.into_iter().enumerate() {
            if let Some((b, v)) = unit {
                self.bias[u] = b;
                self.users[u * k..(u + 1) * k].copy_from_slice(&v);
            }
        }
        Ok(())
    }

    /// The prior unit: the mean unit and bias of the users with ratings.
    #[cfg(feature = "train")]
    fn derive_prior(&mut self) {
        let (k, n) = (self.k, self.shape.n_users);
        let rated: Vec<usize> = (0..n).filter(|&u| self.user_n[u] > 0).collect();
        let c = rated.len().max(1) as f64;
        let mut v = vec![0f64; k];
        for &u in &rated {
            v.iter_mut()
                .zip(&self.users[u * k..(u + 1) * k])
                .for_each(|(s, &x)| *s += x as f64);
        }
        self.prior_v = v.iter().map(|&x| (x / c) as f32).collect();
        self.prior_b = (rated.iter().map(|&u| self.bias[u] as f64).sum::<f64>() / c) as f32;
    }

    /// The mean code of the rated movies; unrated movies get it as their code.
    fn derive_codes(&mut self) {
        let k = self.k;
        let mut s = vec![0f64; k];
        let mut c = 0usize;
        for i in (0..self.shape.n_items).filter(|&i| self.item_n[i] > 0) {
            s.iter_mut()
                .zip(&self.codes[i * k..(i + 1) * k])
                .for_each(|(s, &x)| *s += x as f64);
            c += 1;
        }
        self.code_mean = s.iter().map(|&x| (x / c.max(1) as f64) as f32).collect();
        for i in 0..self.shape.n_items {
            if self.item_n[i] == 0 {
                self.codes[i * k..(i + 1) * k].copy_from_slice(&self.code_mean);
            }
        }
    }

    /// What the network's output adds to for known user `u` (`None`: a user without
    /// ratings) and movie `i`: the biases' baseline, or 0 for a raw-rating network.
    pub fn baseline(&self, u: Option<usize>, i: usize) -> f32 {
        self.base.as_ref().map_or(0.0, |b| b.get(u, i))
    }

    /// Known user `u`'s bias (0 for a raw-rating network).
    pub fn user_bias(&self, u: usize) -> f32 {
        self.base.as_ref().map_or(0.0, |b| b.user[u])
    }

    /// Movie `i`'s code.
    pub fn code(&self, i: usize) -> &[f32] {
        &self.codes[i * self.k..(i + 1) * self.k]
    }

    /// User `u`'s output weights.
    pub fn user(&self, u: usize) -> &[f32] {
        &self.users[u * self.k..(u + 1) * self.k]
    }

    /// The model state.
    pub fn save(&self) -> Vec<u8> {
        let mut w = StateWriter::new(b"body");
        self.shape.write(&mut w);
        w.u64(self.k as u64);
        w.f32(self.global_mean);
        w.f32s(&self.user_mean);
        w.u32s(&self.user_n);
        w.u32s(&self.item_n);
        w.f32s(&self.codes);
        w.f32s(&self.users);
        w.f32s(&self.bias);
        w.f32s(&self.prior_v);
        w.f32(self.prior_b);
        match &self.base {
            Some(b) => {
                b.write(&mut w);
                wrap(TAG, w.finish())
            }
            None => wrap(TAG_RAW, w.finish()),
        }
    }

    /// Reads a state written by [`Fitted::save`], checking every length and value.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let tag = crate::ae_shape::tag_of(bytes, &[TAG_RAW, TAG_V2], TAG);
        let raw = tag == TAG_RAW;
        let mut r = StateReader::new(unwrap(bytes, tag)?, b"body")?;
        let shape = Shape::read(&mut r)?;
        let k = r.u64()? as usize;
        let global_mean = r.f32()?;
        let user_mean = r.f32s()?;
        let user_n = r.u32s()?;
        let item_n = r.u32s()?;
        let codes = r.f32s()?;
        let users = r.f32s()?;
        let bias = r.f32s()?;
        let prior_v = r.f32s()?;
        let prior_b = r.f32()?;
        let (nu, ni) = (shape.n_users, shape.n_items);
        let base = if raw {
            None
        } else {
            Some(Biases::read(&mut r, nu, ni, tag == TAG)?)
        };
        r.finish()?;
        ensure((1..=8192).contains(&k), "autorec: code width")?;
        ensure(
            user_mean.len() == nu && user_n.len() == nu && bias.len() == nu,
            "autorec: user arrays",
        )?;
        ensure(item_n.len() == ni, "autorec: movie counts")?;
        ensure(
            codes.len() == ni * k && users.len() == nu * k && prior_v.len() == k,
            "autorec: codes / units",
        )?;
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        ensure(
            global_mean.is_finite()
                && finite(&user_mean)
                && finite(&codes)
                && finite(&users)
                && finite(&bias)
                && finite(&prior_v)
                && prior_b.is_finite(),
            "autorec: non-finite weights",
        )?;
        let mut f = Fitted {
            shape,
            k,
            global_mean,
            user_mean,
            user_n,
            item_n,
            codes,
            users,
            bias,
            prior_v,
            prior_b,
            code_mean: vec![],
            base,
        };
        f.derive_codes();
        Ok(f)
    }
}
