//! The fitted state of [`crate::AutoRec`]: the movies' hidden codes, the users' output units,
//! the fallbacks (means, rating counts, prior unit) and its model-state format `autorec/1`.

use crate::ae_shape::{ensure, unwrap, wrap, Shape};
use crate::ae_sparse::Rows;
use crate::mlp::Mlp;
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{Dataset, ItemIdx, Result, UserIdx};

const TAG: &[u8] = b"autorec/1";

/// A fitted I-AutoRec, burn-free.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub shape: Shape,
    /// Code width.
    pub k: usize,
    /// Mean training rating (0 without ratings).
    pub global_mean: f32,
    /// Each user's mean training rating (the global mean for users without ratings).
    pub user_mean: Vec<f32>,
    /// Training ratings per user / per movie.
    pub user_n: Vec<u32>,
    pub item_n: Vec<u32>,
    /// `n_items × k` hidden codes (movies without ratings hold the mean code).
    pub codes: Vec<f32>,
    /// `n_users × k` output units (the decoder's columns) and `n_users` output biases.
    pub users: Vec<f32>,
    pub bias: Vec<f32>,
    /// Derived: the mean unit of users with ratings, and the mean code of rated movies.
    pub prior_v: Vec<f32>,
    pub prior_b: f32,
    pub code_mean: Vec<f32>,
}

impl Fitted {
    /// Builds the state from a trained encoder/decoder `mlp` and every movie's training
    /// ratings `items` (rows = movies).
    pub fn from_net(data: &Dataset, shape: Shape, mlp: &Mlp, items: &Rows) -> Self {
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
        };
        f.derive();
        f
    }

    /// Computes the prior unit and the mean code; unrated movies get the mean code.
    fn derive(&mut self) {
        let k = self.k;
        let mean_of = |rows: &[f32], n: &[u32]| -> (Vec<f32>, usize) {
            let mut s = vec![0f64; k];
            let mut c = 0;
            for (r, _) in n.iter().enumerate().filter(|x| *x.1 > 0) {
                s.iter_mut()
                    .zip(&rows[r * k..(r + 1) * k])
                    .for_each(|(s, &x)| *s += x as f64);
                c += 1;
            }
            (s.iter().map(|&x| (x / c.max(1) as f64) as f32).collect(), c)
        };
        let (pv, c) = mean_of(&self.users, &self.user_n);
        self.prior_v = pv;
        let bsum: f64 = (0..self.shape.n_users)
            .filter(|&u| self.user_n[u] > 0)
            .map(|u| self.bias[u] as f64)
            .sum();
        self.prior_b = (bsum / c.max(1) as f64) as f32;
        self.code_mean = mean_of(&self.codes, &self.item_n).0;
        for i in 0..self.shape.n_items {
            if self.item_n[i] == 0 {
                self.codes[i * k..(i + 1) * k].copy_from_slice(&self.code_mean);
            }
        }
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
        wrap(TAG, w.finish())
    }

    /// Reads a state written by [`Fitted::save`], checking every length and value.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let mut r = StateReader::new(unwrap(bytes, TAG)?, b"body")?;
        let shape = Shape::read(&mut r)?;
        let k = r.u64()? as usize;
        let global_mean = r.f32()?;
        let user_mean = r.f32s()?;
        let user_n = r.u32s()?;
        let item_n = r.u32s()?;
        let codes = r.f32s()?;
        let users = r.f32s()?;
        let bias = r.f32s()?;
        r.finish()?;
        let (nu, ni) = (shape.n_users, shape.n_items);
        ensure((1..=8192).contains(&k), "autorec: code width")?;
        ensure(
            user_mean.len() == nu && user_n.len() == nu && bias.len() == nu,
            "autorec: user arrays",
        )?;
        ensure(item_n.len() == ni, "autorec: movie counts")?;
        ensure(
            codes.len() == ni * k && users.len() == nu * k,
            "autorec: codes / units",
        )?;
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        ensure(
            global_mean.is_finite()
                && finite(&user_mean)
                && finite(&codes)
                && finite(&users)
                && finite(&bias),
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
            prior_v: vec![],
            prior_b: 0.0,
            code_mean: vec![],
        };
        f.derive();
        Ok(f)
    }
}
