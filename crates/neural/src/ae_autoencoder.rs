//! The fitted state of [`crate::Autoencoder`]: the trained network as a burn-free [`Mlp`],
//! the users' training ratings and demographic features as sparse rows (the input of a known
//! user's forward pass), the movies' output-layer columns for similarities, and the
//! model-state formats: `autoencoder/3` (a network over the residuals of [`Biases`], identity
//! output, with the training support and residual shrink of [`crate::shrink`]) with, since
//! `autoencoder/4`, the demographic vocabulary and demographics-only residual scale
//! ([`DemoSide`], so a new user's demographics can be encoded at scoring time); the older
//! `autoencoder/3`, `autoencoder/2` (residuals unscaled) and `autoencoder/1` (raw ratings,
//! sigmoid output scaled to the rating range) still load, without a demographic side (a new
//! user's demographics are then ignored until the model is retrained).

use crate::ae_demo::DemoSide;
use crate::ae_shape::{ensure, scale_output, unwrap, wrap, AeShape, Shape};
use crate::ae_sparse::Rows;
use crate::biases::Biases;
use crate::mlp::{Activation, Mlp};
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{Result, UserMeta, UserRef};

/// The state of a raw-rating network with a sigmoid output.
const TAG_RAW: &[u8] = b"autoencoder/1";
/// The state of a residual network (identity output) and its biases.
const TAG_V2: &[u8] = b"autoencoder/2";
/// The same with the users' and movies' training support and the residual shrink.
const TAG_V3: &[u8] = b"autoencoder/3";
/// Either network (a flag says which), with the demographic side when it has one.
const TAG: &[u8] = b"autoencoder/4";

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
    /// The baseline the outputs are residuals of (`None`: a raw-rating network with a
    /// sigmoid output scaled to the rating range).
    pub base: Option<Biases>,
    /// The demographic side of a network with demographic inputs (`None`: without them,
    /// or loaded from a state older than `autoencoder/4`).
    pub demo: Option<DemoSide>,
}

impl Fitted {
    /// Wraps a trained network (over the residuals of `base`, or raw ratings with `None`);
    /// checks that it fits the shape and the rows.
    pub fn new(shape: Shape, mlp: Mlp, rows: Rows, base: Option<Biases>) -> Result<Self> {
        let n = mlp.layers.len();
        ensure(n >= 2, "autoencoder: fewer than two layers")?;
        ensure(
            mlp.d_in() == rows.width() && rows.width() >= shape.n_items,
            "autoencoder: input width",
        )?;
        ensure(rows.n_rows() == shape.n_users, "autoencoder: user rows")?;
        let (last, act) = &mlp.layers[n - 1];
        let want = match base {
            Some(_) => Activation::Identity,
            None => Activation::Sigmoid,
        };
        ensure(
            last.d_out == shape.n_items && *act == want,
            "autoencoder: output layer",
        )?;
        ensure(
            base.as_ref()
                .is_none_or(|b| b.user.len() == shape.n_users && b.item.len() == shape.n_items),
            "autoencoder: biases",
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
            base,
            demo: None,
        })
    }

    /// Sets the demographic side (checked against the network's side width).
    pub fn with_demo(mut self, demo: Option<DemoSide>) -> Result<Self> {
        let d_side = self.rows.width() - self.shape.n_items;
        ensure(
            demo.as_ref().is_none_or(|d| d.vocab.width() == d_side),
            "autoencoder: demographic width",
        )?;
        self.demo = demo;
        Ok(self)
    }

    /// The network input columns of a new user's demographics: none for a known user (their
    /// trained features are in their row already), without `meta` or without a
    /// demographic side.
    pub fn demo_input(&self, user: UserRef<'_>, meta: Option<&UserMeta>) -> Vec<(usize, f32)> {
        match (user, meta, &self.demo) {
            (UserRef::Known(_), _, _) | (_, None, _) | (_, _, None) => vec![],
            (_, Some(m), Some(d)) => d
                .vocab
                .features(m)
                .into_iter()
                .map(|c| (self.shape.n_items + c as usize, 1.0))
                .collect(),
        }
    }

    /// The demographics-only residual scale: fitted on the network's hold-out `val` (the
    /// ratings training never saw, rows = users, as in [`crate::shrink`]) of every user with
    /// features, each forward-passed with those features alone, against the held-out
    /// ratings' residuals over the movie baseline (a new user's bias is unknown: 0), each
    /// prediction weighted by the movie's support part
    /// ([`crate::shrink::Support::item_part`]). Out of sample, so a residual that does not
    /// generalise gets 0 (the baseline). 1 for a raw-rating network.
    pub fn fit_demo_alpha(&self, data: &cinerec_core::Dataset, val: &Rows) -> f32 {
        let Some(b) = &self.base else { return 1.0 };
        let n_items = self.shape.n_items;
        let mut z = vec![0f32; n_items];
        let mut pairs: Vec<(f32, f32)> = Vec::new();
        for u in 0..self.rows.n_rows().min(data.n_users()).min(val.n_rows()) {
            if val.row(u).0.is_empty() {
                continue;
            }
            let side: Vec<(usize, f32)> = self
                .rows
                .pairs(u)
                .into_iter()
                .filter(|&(c, _)| c >= n_items)
                .collect();
            if side.is_empty() {
                continue;
            }
            let h = self.last_hidden(&side);
            let (last, act) = &self.mlp.layers[self.mlp.layers.len() - 1];
            last.forward_into(&h, &mut z);
            act.apply(&mut z);
            let user = cinerec_core::UserIdx(u as u32);
            for &i in val.row(u).0 {
                let i = i as usize;
                let Some(r) = data.matrix().get(user, cinerec_core::ItemIdx(i as u32)) else {
                    continue;
                };
                if i < n_items {
                    let part = b.support.as_ref().map_or(1.0, |s| s.item_part(i));
                    pairs.push((part * z[i], r - b.get(None, i)));
                }
            }
        }
        DemoSide::fit_alpha(pairs.into_iter())
    }

    /// The user's bias (0 for a raw-rating network) and sparse input of a (checked) user: a
    /// known user's ratings (residuals) and features, or a profile's ratings (the last value
    /// of a repeated movie wins; residuals over the biases with the profile's own user bias;
    /// no features).
    pub fn input(&self, user: UserRef<'_>) -> (f32, Vec<(usize, f32)>) {
        match user {
            UserRef::Known(u) => {
                let bias = self.base.as_ref().map_or(0.0, |b| b.user[u.ix()]);
                (bias, self.rows.pairs(u.ix()))
            }
            UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
                let mut v: Vec<(usize, f32)> = Vec::with_capacity(p.len());
                for &(i, r) in p.iter().rev() {
                    if !v.iter().any(|x| x.0 == i.ix()) {
                        v.push((i.ix(), r));
                    }
                }
                let Some(b) = &self.base else { return (0.0, v) };
                let latest: Vec<_> = v
                    .iter()
                    .map(|&(i, r)| (cinerec_core::ItemIdx(i as u32), r))
                    .collect();
                let bias = b.profile_bias(&latest);
                for (i, r) in v.iter_mut() {
                    *r -= b.get(None, *i) + bias;
                }
                (bias, v)
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

    /// The training support of a (checked) user: what scales a residual network's output
    /// ([`crate::shrink`]); 0 for a raw-rating network (unused there).
    pub fn support(&self, user: UserRef<'_>) -> f32 {
        self.base
            .as_ref()
            .and_then(|b| b.support.as_ref())
            .map_or(0.0, |s| s.user(user))
    }

    /// The predicted rating of movie `i` from the last hidden layer `h` of a user whose
    /// bias is `bias` and support `n` ([`Fitted::support`]).
    pub fn output(&self, h: &[f32], i: usize, bias: f32, n: f32) -> f32 {
        let last = &self.mlp.layers[self.mlp.layers.len() - 1].0;
        let mut z = last.bias[i];
        for (k, &hk) in h.iter().enumerate() {
            z += hk * last.weight[k * last.d_out + i];
        }
        match &self.base {
            Some(b) => b.get(None, i) + bias + Self::scale(b, n, i, 0.0) * z,
            None => scale_output(1.0 / (1.0 + (-z).exp()), Some(self.shape.scale)),
        }
    }

    /// The residual scale of movie `i` for a user with support `n`; `demo` > 0 (the
    /// demographics-only scale, for a new user whose demographics are in the input) is a
    /// floor, times the movie's support part, so demographics count even without ratings.
    fn scale(b: &Biases, n: f32, i: usize, demo: f32) -> f32 {
        b.support
            .as_ref()
            .map_or(1.0, |s| s.factor(n, i).max(demo * s.item_part(i)))
    }

    /// Every movie's predicted rating from the last hidden layer `h` of a user whose bias is
    /// `bias` and support `n`.
    pub fn outputs(&self, h: &[f32], out: &mut [f32], bias: f32, n: f32) {
        self.outputs_with_demo(h, out, bias, n, false)
    }

    /// [`Fitted::outputs`]; `with_demo`: the user's input holds new-user demographics
    /// ([`Fitted::demo_input`]), whose residual scale is a floor (see `scale`).
    pub fn outputs_with_demo(
        &self,
        h: &[f32],
        out: &mut [f32],
        bias: f32,
        n: f32,
        with_demo: bool,
    ) {
        let (last, act) = &self.mlp.layers[self.mlp.layers.len() - 1];
        last.forward_into(h, out);
        act.apply(out);
        let demo = match (&self.demo, with_demo) {
            (Some(d), true) => d.alpha,
            _ => 0.0,
        };
        match &self.base {
            Some(b) => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = b.get(None, i) + bias + Self::scale(b, n, i, demo) * *o;
                }
            }
            None => {
                for o in out.iter_mut() {
                    *o = scale_output(*o, Some(self.shape.scale));
                }
            }
        }
    }

    /// The model state.
    pub fn save(&self) -> Vec<u8> {
        let mut w = StateWriter::new(b"body");
        self.shape.write(&mut w);
        self.mlp.write(&mut w);
        self.rows.write(&mut w);
        w.u32(u32::from(self.base.is_some()));
        if let Some(b) = &self.base {
            b.write(&mut w);
        }
        w.u32(u32::from(self.demo.is_some()));
        if let Some(d) = &self.demo {
            d.write(&mut w);
        }
        wrap(TAG, w.finish())
    }

    /// Reads a state written by [`Fitted::save`], checking every length and value.
    pub fn load(bytes: &[u8]) -> Result<Self> {
        let tag = crate::ae_shape::tag_of(bytes, &[TAG_RAW, TAG_V2, TAG_V3], TAG);
        let mut r = StateReader::new(unwrap(bytes, tag)?, b"body")?;
        let shape = Shape::read(&mut r)?;
        let mlp = Mlp::read(&mut r)?;
        let rows = Rows::read(&mut r, shape.n_users, mlp.d_in())?;
        let has_base = if tag == TAG {
            r.u32()? == 1
        } else {
            tag != TAG_RAW
        };
        let base = if has_base {
            let support = tag == TAG || tag == TAG_V3;
            Some(Biases::read(&mut r, shape.n_users, shape.n_items, support)?)
        } else {
            None
        };
        let demo = if tag == TAG && r.u32()? == 1 {
            ensure(rows.width() >= shape.n_items, "autoencoder: input width")?;
            Some(DemoSide::read(&mut r, rows.width() - shape.n_items)?)
        } else {
            None
        };
        r.finish()?;
        Fitted::new(shape, mlp, rows, base)?.with_demo(demo)
    }
}
