//! The burn side of the two-tower model: the trainable network (user and movie embedding
//! tables, the rating network over their concatenation), the mini-batch tensors, and the
//! multitask loss `rating_weight × MSE + retrieval_weight × in-batch softmax`.
//!
//! Retrieval logits of a batch are `s(u_r, c) / temperature` for every user row `r` and
//! candidate column `c` (the batch's own movies, then `negatives` movies drawn uniformly from
//! the catalogue), with `s` the dot product (cosine with `normalize`); row `r`'s label is
//! column `r`. Optional corrections: `logq_correction` subtracts from column `c` the log of
//! the expected number of times its movie is a candidate (`B·p_c + K/n_items`, `p_c` the
//! movie's share of training examples — Yi et al. 2019), so the scores estimate the full
//! softmax rather than a popularity-discounted one; `remove_accidental_hits` masks columns
//! holding the row's own movie elsewhere in the batch; `retrieval_item_bias` adds a learned
//! bias per movie. With `user_history` the user tower is `e_u + mean_{j ∈ H} y_j`, `H` the
//! user's training movies without the example's own, `y` a second movie table (without
//! `user_id_embedding`, just the mean: a user is the movies they watched). With
//! `full_softmax` the candidates are every movie of the catalogue instead (row `r`'s label is
//! its own movie's column; negatives, log-q and accidental hits do not apply): the exact
//! softmax the factorized top-K metric ranks by. The softmax itself is computed outside the
//! autodiff graph (`twotower_softmax.rs`), autodiff seeing a surrogate with the same
//! gradients; its three matrix products run on plain slices (`matmul.rs`).

use crate::backend::{floats, indices, linear, scalar, to_vec};
use crate::matmul::{matmul, View};
use crate::mlp::{Activation, Mlp};
use crate::twotower_softmax as softmax;
use crate::twotower_weights::Weights;
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::relu;
use cinerec_core::Rng;

/// The loss knobs, from the parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LossCfg {
    pub rating_weight: f32,
    pub retrieval_weight: f32,
    /// Sum (else mean) the retrieval cross-entropies over the batch.
    pub sum_retrieval: bool,
    pub temperature: f32,
    pub normalize: bool,
    pub negatives: usize,
    pub logq_correction: bool,
    pub remove_accidental_hits: bool,
    /// Candidates are all movies (the exact softmax) instead of the batch's.
    pub full_softmax: bool,
    /// The user tower includes the user-id embedding (always, unless the history replaces it).
    pub user_ids: bool,
    /// Weight of `Σ_batch ‖u_r‖² + ‖q_r‖²` (mean over the batch with a mean reduction).
    pub embedding_l2: f32,
}

/// Trainable two-tower network.
#[derive(Module, Debug)]
pub(crate) struct Net {
    users: Param<Tensor<2>>,
    items: Param<Tensor<2>>,
    item_bias: Option<Param<Tensor<1>>>,
    layers: Vec<Linear>,
    /// The movie table pooled into the user tower (`user_history`).
    history: Option<Param<Tensor<2>>>,
}

/// The training examples (all ratings, user-major) and per-movie log-candidate-rates.
pub(crate) struct Examples {
    pub users: Vec<u32>,
    pub items: Vec<u32>,
    pub ratings: Vec<f32>,
    /// `p_i`: share of the training examples on movie `i`.
    pub item_share: Vec<f32>,
    /// Each user's training movies, ascending (with `user_history`).
    pub history: Option<Vec<Vec<u32>>>,
    pub n_items: usize,
}

/// One mini-batch as tensors.
pub(crate) struct Batch {
    users: Tensor<1, Int>,
    items: Tensor<1, Int>,
    candidates: Option<Tensor<1, Int>>,
    /// Every candidate column's movie (the batch's, then the negatives; all movies with a
    /// full softmax).
    columns: Tensor<1, Int>,
    /// Row `r`'s label column with a full softmax (its movie); `None` = column `r`.
    labels: Option<Vec<u32>>,
    ratings: Tensor<1>,
    /// Constant added to each column's logit (the log-q correction).
    col_bias: Option<Vec<f32>>,
    /// `(row, column)` logits left out of the softmax (accidental hits).
    masked: Vec<(u32, u32)>,
    /// `[B, n_items]` pooling weights of each row's history (`user_history`).
    pool: Option<Tensor<2>>,
    /// Examples in the batch.
    pub len: usize,
}

/// What a forward pass gives.
pub(crate) struct Losses {
    /// Rating predictions `[B]` (unclipped).
    pub pred: Tensor<1>,
    pub mse: Tensor<1>,
    /// Differentiable stand-in for the retrieval loss: same gradients, other value.
    surrogate: Tensor<1>,
    /// The retrieval loss (summed or averaged over the batch).
    pub retrieval: f64,
    /// The embedding penalty, already weighted (absent when `embedding_l2` is 0).
    pub penalty: Option<Tensor<1>>,
}

impl Losses {
    /// The tensor to differentiate: `rating_weight × mse + retrieval_weight × retrieval`
    /// (+ the embedding penalty), its retrieval part being the surrogate.
    pub fn objective(&self, cfg: &LossCfg) -> Tensor<1> {
        let t = self.mse.clone().mul_scalar(cfg.rating_weight)
            + self.surrogate.clone().mul_scalar(cfg.retrieval_weight);
        match &self.penalty {
            Some(p) => t + p.clone(),
            None => t,
        }
    }

    /// The objective's value and the MSE's (one read-back each).
    pub fn values(&self, cfg: &LossCfg) -> (f64, f64) {
        let mse = scalar(self.mse.clone());
        let pen = self.penalty.clone().map_or(0.0, scalar);
        let total = cfg.rating_weight as f64 * mse + cfg.retrieval_weight as f64 * self.retrieval;
        (total + pen, mse)
    }
}

/// Uniform(−`limit`, `limit`) values (Keras' default embedding initialiser).
fn uniform(rng: &mut Rng, n: usize, limit: f32) -> Vec<f32> {
    (0..n)
        .map(|_| ((rng.f64() * 2.0 - 1.0) as f32) * limit)
        .collect()
}

impl Net {
    /// Embeddings ~ Uniform(±`init_scale`), dense layers Glorot-uniform, biases zero (the
    /// output bias starts at `output_bias`).
    #[allow(clippy::too_many_arguments)]
    pub fn init(
        rng: &mut Rng,
        n_users: usize,
        n_items: usize,
        dim: usize,
        hidden: &[usize],
        init_scale: f32,
        output_bias: f32,
        item_bias: bool,
        history: bool,
        dev: &Device,
    ) -> Net {
        let users = floats(uniform(rng, n_users * dim, init_scale), [n_users, dim], dev);
        let items = floats(uniform(rng, n_items * dim, init_scale), [n_items, dim], dev);
        let mut widths = vec![2 * dim];
        widths.extend_from_slice(hidden);
        widths.push(1);
        let mut layers: Vec<Linear> = widths
            .windows(2)
            .map(|w| linear(rng, w[0], w[1], dev))
            .collect();
        if let Some(last) = layers.last_mut() {
            last.bias = Some(Param::from_tensor(floats(vec![output_bias], [1], dev)));
        }
        let history = history.then(|| {
            let y = uniform(rng, n_items * dim, init_scale);
            Param::from_tensor(floats(y, [n_items, dim], dev))
        });
        Net {
            users: Param::from_tensor(users),
            items: Param::from_tensor(items),
            item_bias: item_bias
                .then(|| Param::from_tensor(floats(vec![0.0; n_items], [n_items], dev))),
            layers,
            history,
        }
    }

    /// The forward pass of one batch.
    pub fn forward(&self, b: &Batch, cfg: &LossCfg) -> Losses {
        let n = b.len;
        let ids = self.users.val().select(0, b.users.clone());
        let u = match (&self.history, &b.pool) {
            (Some(y), Some(pool)) if cfg.user_ids => ids + pool.clone().matmul(y.val()),
            (Some(y), Some(pool)) => pool.clone().matmul(y.val()),
            _ => ids,
        };
        let v = self.items.val().select(0, b.items.clone());
        // Rating task.
        let mut x = Tensor::cat(vec![u.clone(), v.clone()], 1);
        let last = self.layers.len() - 1;
        for (k, l) in self.layers.iter().enumerate() {
            x = l.forward(x);
            if k < last {
                x = relu(x);
            }
        }
        let pred: Tensor<1> = x.reshape([n]);
        let mse = (pred.clone() - b.ratings.clone()).square().mean();
        let penalty = (cfg.embedding_l2 > 0.0).then(|| {
            let p = u.clone().square().sum() + v.clone().square().sum();
            let scale = if cfg.sum_retrieval {
                1.0
            } else {
                1.0 / n as f32
            };
            p.mul_scalar(cfg.embedding_l2 * scale)
        });
        // Retrieval task: logits from detached embeddings, softmax and its gradient outside
        // the graph (see `twotower_softmax.rs`), then the surrogate for autodiff.
        let c = match (&b.candidates, cfg.full_softmax) {
            (_, true) => self.items.val(),
            (Some(extra), false) => {
                Tensor::cat(vec![v, self.items.val().select(0, extra.clone())], 0)
            }
            (None, false) => v,
        };
        let (u, c) = if cfg.normalize {
            (l2_normalize(u), l2_normalize(c))
        } else {
            (u, c)
        };
        let n_cols = c.dims()[0];
        let dim = u.dims()[1];
        let dev = u.device();
        let (uv, cv) = (to_vec(u.clone().detach()), to_vec(c.clone().detach()));
        let (uw, cw) = (
            View::row_major(&uv, n, dim),
            View::row_major(&cv, n_cols, dim),
        );
        let mut z = matmul(uw, cw.t());
        let inv_t = 1.0 / cfg.temperature;
        let ib = (self.item_bias.as_ref()).map(|p| p.val().select(0, b.columns.clone()));
        let ib_vals = ib.as_ref().map(|t| to_vec(t.clone().detach()));
        for row in z.chunks_mut(n_cols) {
            for (k, x) in row.iter_mut().enumerate() {
                *x = *x * inv_t
                    + ib_vals.as_ref().map_or(0.0, |v| v[k])
                    + b.col_bias.as_ref().map_or(0.0, |v| v[k]);
            }
        }
        let labels = b.labels.as_deref();
        let sm = softmax::cross_entropy(z, n, n_cols, labels, &b.masked, !cfg.sum_retrieval);
        let g = View::row_major(&sm.grad, n, n_cols);
        let gu = floats(matmul(g, cw), [n, dim], &dev).mul_scalar(inv_t);
        let gc = floats(matmul(g.t(), uw), [n_cols, dim], &dev).mul_scalar(inv_t);
        let mut surrogate = (u * gu).sum() + (c * gc).sum();
        if let Some(ib) = ib {
            surrogate = surrogate + (ib * floats(sm.col_sums, [n_cols], &dev)).sum();
        }
        Losses {
            pred,
            mse,
            surrogate,
            retrieval: sm.loss,
            penalty,
        }
    }

    /// The current weights copied out (users without training ratings get the mean of the
    /// others, see [`Weights`]).
    pub fn weights(
        &self,
        trained_user: &[bool],
        scale: (f32, f32),
        cfg: &LossCfg,
        history: Option<&[Vec<u32>]>,
    ) -> Weights {
        let mut users = to_vec(self.users.val());
        let items = to_vec(self.items.val());
        let [n_users, dim] = self.users.val().dims();
        if let (Some(y), Some(h)) = (&self.history, history) {
            if !cfg.user_ids {
                users.iter_mut().for_each(|x| *x = 0.0);
            }
            // The scoring user vector: id embedding + mean history embedding (all of it).
            let y = to_vec(y.val());
            for (u, movies) in h.iter().enumerate().filter(|(_, m)| !m.is_empty()) {
                let w = 1.0 / movies.len() as f32;
                let row = &mut users[u * dim..(u + 1) * dim];
                for &j in movies {
                    let yj = &y[j as usize * dim..(j as usize + 1) * dim];
                    row.iter_mut().zip(yj).for_each(|(r, &v)| *r += w * v);
                }
            }
        }
        let n_items = items.len() / dim.max(1);
        let mut mean_user = vec![0f32; dim];
        let n_trained = trained_user.iter().filter(|&&t| t).count();
        for (u, _) in trained_user.iter().enumerate().filter(|x| *x.1) {
            for k in 0..dim {
                mean_user[k] += users[u * dim + k] / n_trained as f32;
            }
        }
        for (u, _) in trained_user.iter().enumerate().filter(|x| !*x.1) {
            users[u * dim..(u + 1) * dim].copy_from_slice(&mean_user);
        }
        let last = self.layers.len() - 1;
        let rating = Mlp {
            layers: self
                .layers
                .iter()
                .enumerate()
                .map(|(k, l)| {
                    let act = if k < last {
                        Activation::Relu
                    } else {
                        Activation::Identity
                    };
                    (crate::backend::dense_of(l), act)
                })
                .collect(),
        };
        Weights {
            dim,
            n_users,
            n_items,
            users,
            items,
            mean_user,
            normalize: cfg.normalize,
            temperature: cfg.temperature,
            item_bias: self
                .item_bias
                .as_ref()
                .map(|b| to_vec(b.val()))
                .unwrap_or_default(),
            scale,
            rating,
            base: None,
        }
    }
}

fn l2_normalize(x: Tensor<2>) -> Tensor<2> {
    let norm = x.clone().square().sum_dim(1).add_scalar(1e-12).sqrt();
    x / norm
}

impl Examples {
    /// The tensors of the examples `ids`; `rng` draws the sampled negatives.
    pub fn batch(&self, ids: &[u32], cfg: &LossCfg, rng: &mut Rng, dev: &Device) -> Batch {
        let n = ids.len();
        let users: Vec<u32> = ids.iter().map(|&k| self.users[k as usize]).collect();
        let items: Vec<u32> = ids.iter().map(|&k| self.items[k as usize]).collect();
        let ratings: Vec<f32> = ids.iter().map(|&k| self.ratings[k as usize]).collect();
        let pool = self.history.as_ref().map(|h| {
            let mut w = vec![0f32; n * self.n_items];
            for (r, (&u, &i)) in users.iter().zip(&items).enumerate() {
                let own = &h[u as usize];
                let others = own.len() - usize::from(own.binary_search(&i).is_ok());
                let row = &mut w[r * self.n_items..(r + 1) * self.n_items];
                for &j in own.iter().filter(|&&j| j != i) {
                    row[j as usize] = 1.0 / others as f32;
                }
            }
            floats(w, [n, self.n_items], dev)
        });
        if cfg.full_softmax {
            let all: Vec<u32> = (0..self.n_items as u32).collect();
            return Batch {
                users: indices(&users, dev),
                items: indices(&items, dev),
                candidates: None,
                columns: indices(&all, dev),
                labels: Some(items),
                ratings: floats(ratings, [n], dev),
                col_bias: None,
                masked: vec![],
                pool,
                len: n,
            };
        }
        let negs: Vec<u32> = (0..cfg.negatives)
            .map(|_| rng.below(self.n_items as u64) as u32)
            .collect();
        let cols: Vec<u32> = items.iter().chain(&negs).copied().collect();
        let col_bias = cfg.logq_correction.then(|| {
            let k_share = cfg.negatives as f32 / self.n_items.max(1) as f32;
            cols.iter()
                .map(|&i| {
                    -(n as f32 * self.item_share[i as usize] + k_share)
                        .max(1e-12)
                        .ln()
                })
                .collect()
        });
        let mut masked = vec![];
        if cfg.remove_accidental_hits {
            for (r, &i) in items.iter().enumerate() {
                for (c, &j) in cols.iter().enumerate() {
                    if j == i && c != r {
                        masked.push((r as u32, c as u32));
                    }
                }
            }
        }
        Batch {
            users: indices(&users, dev),
            items: indices(&items, dev),
            candidates: (!negs.is_empty()).then(|| indices(&negs, dev)),
            columns: indices(&cols, dev),
            labels: None,
            ratings: floats(ratings, [n], dev),
            col_bias,
            masked,
            pool,
            len: n,
        }
    }
}
