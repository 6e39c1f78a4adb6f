//! The burn side of [`crate::Features`]: the movie tower, the user (pooling) tower and the
//! p(watched) logit as one trainable module, its forward pass over a [`Batch`] of index
//! lists, the binary cross-entropy loss, and copying the trained weights out into
//! [`Weights`].
//!
//! Shapes (L = distinct movies in the batch, B = examples, n = negatives per example):
//! bag rows `[P, dim]` → scatter-add per movie `[L, dim]` → (dense + ReLU) → dense →
//! `v [L, dim]`; bias `= v·w + c`; `v̂ = v/‖v‖`. Context movies' `v̂` × 1/|context| are
//! scatter-added per example `[B, dim]` → dense → `û = ·/‖·‖`. Logit = scale·⟨û, v̂⟩ + bias.

use crate::backend::{dense_of, floats, indices, linear, normal_param, to_vec};
use crate::features_model::{single, Weights};
use crate::mlp::{Activation, Mlp};
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::{log_sigmoid, relu};
use burn::tensor::IndexingUpdateOp;
use cinerec_core::Rng;

/// One mini-batch as index lists (built in plain Rust by `features_train`).
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// Distinct movies in the batch (their local slots are `0..n_local`).
    pub n_local: usize,
    /// Bag entries of the local movies: slot, token row, field, weight.
    pub bag_slot: Vec<u32>,
    pub bag_token: Vec<u32>,
    pub bag_field: Vec<u32>,
    pub bag_weight: Vec<f32>,
    /// Examples (one positive pair each).
    pub n_ex: usize,
    /// Context movies pooled into each example's user: example, slot, weight 1/|context|.
    pub ctx_ex: Vec<u32>,
    pub ctx_slot: Vec<u32>,
    pub ctx_weight: Vec<f32>,
    /// The watched (positive) movie's slot per example.
    pub target: Vec<u32>,
    /// Negative movies: their example and slot.
    pub neg_ex: Vec<u32>,
    pub neg_slot: Vec<u32>,
}

/// The trainable networks.
#[derive(Module, Debug)]
pub struct Net {
    tokens: Param<Tensor<2>>,
    fields: Param<Tensor<1>>,
    hidden: Option<Linear>,
    out: Linear,
    bias: Linear,
    user: Linear,
    scale: Param<Tensor<1>>,
}

fn unit(x: Tensor<2>) -> Tensor<2> {
    let n = x.clone().square().sum_dim(1).add_scalar(1e-12).sqrt();
    x / n
}

impl Net {
    /// Seeded initialisation: token rows ~ N(0, 0.1²), field weights 1, Glorot dense layers,
    /// the user tower's dense layer starts as the identity (so a user starts at the mean
    /// direction of their movies), the cosine scale at `scale`.
    pub fn new(
        rng: &mut Rng,
        rows: usize,
        n_fields: usize,
        dim: usize,
        hidden: usize,
        scale: f32,
    ) -> Self {
        let dev = crate::backend::device();
        let tokens = normal_param(rng, rows, dim, 0.1, &dev);
        let fields = Param::from_tensor(floats(vec![1.0; n_fields], [n_fields], &dev));
        let (hid, out) = if hidden > 0 {
            (
                Some(linear(rng, dim, hidden, &dev)),
                linear(rng, hidden, dim, &dev),
            )
        } else {
            (None, linear(rng, dim, dim, &dev))
        };
        let bias = linear(rng, dim, 1, &dev);
        let mut user = linear(rng, dim, dim, &dev);
        let eye: Vec<f32> = (0..dim * dim)
            .map(|k| if k / dim == k % dim { 1.0 } else { 0.0 })
            .collect();
        user.weight = Param::from_tensor(floats(eye, [dim, dim], &dev));
        Net {
            tokens,
            fields,
            hidden: hid,
            out,
            bias,
            user,
            scale: Param::from_tensor(floats(vec![scale], [1], &dev)),
        }
    }

    /// Logits of the positive pairs `[B]` and of the negatives `[B·n]`.
    pub fn logits(&self, b: &Batch) -> (Tensor<1>, Tensor<1>) {
        let dev = crate::backend::device();
        let dim = self.tokens.val().dims()[1];
        let p = b.bag_token.len();
        let fw = self.fields.val().select(0, indices(&b.bag_field, &dev));
        let w = (floats(b.bag_weight.clone(), [p], &dev) * fw).reshape([p, 1]);
        let rows = self.tokens.val().select(0, indices(&b.bag_token, &dev)) * w;
        let h = Tensor::<2>::zeros([b.n_local, dim], &dev).select_assign(
            0,
            indices(&b.bag_slot, &dev),
            rows,
            IndexingUpdateOp::Add,
        );
        let h = match &self.hidden {
            Some(l) => relu(l.forward(h)),
            None => h,
        };
        let v = self.out.forward(h);
        let bias = self.bias.forward(v.clone());
        let vn = unit(v);
        let pooled = if b.ctx_slot.is_empty() {
            Tensor::<2>::zeros([b.n_ex, dim], &dev)
        } else {
            let q = b.ctx_slot.len();
            let cw = floats(b.ctx_weight.clone(), [q, 1], &dev);
            let cv = vn.clone().select(0, indices(&b.ctx_slot, &dev)) * cw;
            Tensor::<2>::zeros([b.n_ex, dim], &dev).select_assign(
                0,
                indices(&b.ctx_ex, &dev),
                cv,
                IndexingUpdateOp::Add,
            )
        };
        let un = unit(self.user.forward(pooled));
        let scale = self.scale.val().reshape([1, 1]);
        let score = |ex: Option<&[u32]>, slots: &[u32]| -> Tensor<1> {
            let n = slots.len();
            let s = indices(slots, &dev);
            let u = match ex {
                Some(e) => un.clone().select(0, indices(e, &dev)),
                None => un.clone(),
            };
            let dots = (u * vn.clone().select(0, s.clone())).sum_dim(1);
            (dots * scale.clone() + bias.clone().select(0, s)).reshape([n])
        };
        (score(None, &b.target), score(Some(&b.neg_ex), &b.neg_slot))
    }

    /// Binary cross-entropy (mean over positive and negative rows) and its parts.
    pub fn loss(&self, b: &Batch) -> (Tensor<1>, Tensor<1>, Tensor<1>) {
        let (pos, neg) = self.logits(b);
        let all = Tensor::cat(vec![log_sigmoid(pos.clone()), log_sigmoid(-neg.clone())], 0);
        (all.mean().neg(), pos, neg)
    }

    /// The trained weights, copied out for burn-free inference.
    pub fn weights(&self) -> Weights {
        let dim = self.tokens.val().dims()[1];
        let mut item = Vec::new();
        if let Some(l) = &self.hidden {
            item.push((dense_of(l), Activation::Relu));
        }
        item.push((dense_of(&self.out), Activation::Identity));
        Weights {
            dim,
            tokens: to_vec(self.tokens.val()),
            fields: to_vec(self.fields.val()),
            item: Mlp { layers: item },
            bias: single(dense_of(&self.bias), Activation::Identity),
            user: single(dense_of(&self.user), Activation::Identity),
            scale: to_vec(self.scale.val()).first().copied().unwrap_or(1.0),
        }
    }
}
