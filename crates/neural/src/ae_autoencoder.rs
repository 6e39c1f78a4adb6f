//! The fitted state of [`crate::Autoencoder`]: the trained network as a burn-free [`Mlp`],
//! the users' training ratings and demographic features as sparse rows (the input of a known
//! user's forward pass), the movies' output-layer columns for similarities, and the
//! model-state format `autoencoder/1`.

use crate::ae_shape::{ensure, scale_output, unwrap, wrap, AeShape, Shape};
use crate::ae_sparse::Rows;
use crate::mlp::{Activation, Mlp};
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{Result, UserRef};

const TAG: &[u8] = b"autoencoder/1";

/// A fitted user autoencoder, burn-free.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// Catalogue sizes and rating scale.
    pub shape: Shape,
    /// The network: input = ratings then side features, output = one sigmoid per movie.
    pub mlp: Mlp,
    /// Every user's training ratings and side features (width = the network's input).
    pub rows: Rows,
    /// Derived: width of the last hidden layer.
    pub k_last: usize,
    /// Derived: the movies' output-layer columns, `n_items × k_last` (movies without ratings
    /// hold the mean column).
    pub columns: Vec<f32>,
    /// Derived: the mean output column of the rated movies.
    pub column_mean: Vec<f32>,
}

impl Fitted {
    /// Wraps a trained network; checks that it fits the shape and the rows.
    pub fn new(shape: Shape, mlp: Mlp, rows: Rows) -> Result<Self> {
        let n = mlp.layers.len();
        ensure(n >= 2, "autoencoder: fewer than two layers")?;
        ensure(
            mlp.d_in() == rows.width() && rows.width() >= shape.n_items,
            "autoencoder: input width",
        )?;
        ensure(rows.n_rows() == shape.n_users, "autoencoder: user rows")?;
        let (last, act) = &mlp.layers[n - 1];
        ensure(
            last.d_out == shape.n_items && *act == Activation::Sigmoid,
            "autoencoder: output layer",
        )?;
        ensure(
            mlp.layers
                .iter()
                .all(|(d, _)| d.weight.iter().chain(&d.bias).all(|x| x.is_finite())),
            "autoencoder: non-finite weights",
        )?;
        let k = last.d_in;
        let mut rated = vec![false; shape.n_items];
        for u in 0..rows.n_rows() {
            for &c in rows.row(u).0 {
                if (c as usize) < shape.n_items {
                    rated[c as usize] = true;
                }
            }
        }
        let mut columns = vec![0f32; shape.n_items * k];
        for h in 0..k {
            for i in 0..shape.n_items {
                columns[i * k + h] = last.weight[h * shape.n_items + i];
            }
        }
        let mut mean = vec![0f64; k];
        let n_rated = rated.iter().filter(|&&r| r).count().max(1) as f64;
        for i in (0..shape.n_items).filter(|&i| rated[i]) {
            mean.iter_mut()
                .zip(&columns[i * k..(i + 1) * k])
                .for_each(|(m, &x)| *m += x as f64 / n_rated);
        }
        let column_mean: Vec<f32> = mean.iter().map(|&x| x as f32).collect();
        for i in (0..shape.n_items).filter(|&i| !rated[i]) {
            columns[i * k..(i + 1) * k].copy_from_slice(&column_mean);
        }
        Ok(Fitted {
            shape,
            mlp,
            rows,
            k_last: k,
            columns,
            column_mean,
        })
    }

    /// The sparse input of a (checked) user: a known user's ratings and features, or a
    /// profile's ratings (the last value of a repeated movie wins; no features).
    pub fn input(&self, user: UserRef<'_>) -> Vec<(usize, f32)> {
        match user {
            UserRef::Known(u) => self.rows.pairs(u.ix()),
            UserRef::Profile(p) => {
                let mut v: Vec<(usize, f32)> = Vec::with_capacity(p.len());
                for &(i, r) in p.iter().rev() {
                    if !v.iter().any(|x| x.0 == i.ix()) {
                        v.push((i.ix(), r));
                    }
                }
                v
            }
        }
    }

    /// The last hidden layer's activations for a sparse input.
    pub fn last_hidden(&self, x: &[(usize, f32)]) -> Vec<f32> {
        let n = self.mlp.layers.len();
        let (first, act) = &self.mlp.layers[0];
        let mut cur = vec![0f32; first.d_out];
        first.forward_sparse(x, &mut cur);
        act.apply(&mut cur);
        for (d, act) in &self.mlp.layers[1..n - 1] {
            let mut next = vec![0f32; d.d_out];
            d.forward_into(&cur, &mut next);
            act.apply(&mut next);
            cur = next;
        }
        cur
    }

    /// The predicted rating of movie `i` from the last hidden layer `h`.
    pub fn output(&self, h: &[f32], i: usize) -> f32 {
        let last = &self.mlp.layers[self.mlp.layers.len() - 1].0;
        let mut z = last.bias[i];
        for (k, &hk) in h.iter().enumerate() {
            z += hk * last.weight[k * last.d_out + i];
        }
        scale_output(1.0 / (1.0 + (-z).exp()), Some(self.shape.scale))
    }

    /// Every movie's predicted rating from the last hidden layer `h`.
    pub fn outputs(&self, h: &[f32], out: &mut [f32]) {
        let (last, act) = &self.mlp.layers[self.mlp.layers.len() - 1];
        last.forward_into(h, out);
        act.apply(out);
        for o in out.iter_mut() {
            *o = scale_output(*o, Some(self.shape.scale));
        }
    }

    /// The model state.
    pub fn save(&self) -> Vec<u8> {
        let mut w = StateWriter::new(b"body");
        self.shape.write(&mut w);
        self.mlp.write(&mut w);
        self.rows.write(&mut w);
        wrap(TAG, w.finish())
    }

    /// Reads a state written by [`Fitted::save`], checking every length and value.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let mut r = StateReader::new(unwrap(bytes, TAG)?, b"body")?;
        let shape = Shape::read(&mut r)?;
        let mlp = Mlp::read(&mut r)?;
        let rows = Rows::read(&mut r, shape.n_users, mlp.d_in())?;
        r.finish()?;
        Fitted::new(shape, mlp, rows)
    }
}
