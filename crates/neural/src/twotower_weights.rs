//! The fitted two-tower model as plain `f32` weights, used without burn: retrieval scores
//! (user · movie embedding), rating predictions through the copied-out rating network,
//! movie cosine similarities, the fold-in of a new visitor's ratings, and the model state.
//!
//! **Fold-in** of a [`UserRef::Profile`](cinerec_core::UserRef): the movie tower and the
//! rating network stay fixed and a user embedding `u` is fitted to the profile by a few
//! Adagrad steps on the training objective itself, restricted to that user:
//! `retrieval_weight × mean_j(−log softmax_all(s(u, ·))_j)` (a full softmax over every
//! movie, which is what the in-batch softmax estimates) `+ w_r × mean_j (f(u, q_j) − r_j)² +
//! foldin_l2 × ‖u − ū‖²`, starting from `ū`, the mean embedding of the training users, where
//! `w_r` weighs one squared error against one cross-entropy as training did (`rating_weight`,
//! divided by the batch size when the retrieval loss is summed over the batch). An empty
//! profile (and a catalogue user without training ratings) gets `ū`.

use crate::mlp::{Activation, Mlp};
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, ItemIdx, Result};

/// State tag of the two-tower model.
pub(crate) const TAG: &[u8] = b"twotower/1";

/// How scores are formed and how a profile is folded in (from the parameters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FoldIn {
    /// Weight of the retrieval term.
    pub retrieval_weight: f32,
    /// Weight of the rating term.
    pub rating_weight: f32,
    /// Pull towards the mean user embedding.
    pub l2: f32,
    /// Adagrad steps.
    pub steps: usize,
    /// Adagrad learning rate.
    pub lr: f32,
}

/// Trained embeddings and rating network.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Weights {
    pub dim: usize,
    pub n_users: usize,
    pub n_items: usize,
    /// `n_users × dim`; users without training ratings hold `mean_user`.
    pub users: Vec<f32>,
    /// `n_items × dim`.
    pub items: Vec<f32>,
    /// Mean embedding of the users with training ratings (the cold-start embedding).
    pub mean_user: Vec<f32>,
    /// Whether retrieval scores are cosines (L2-normalised embeddings).
    pub normalize: bool,
    /// Divisor of the similarity in the retrieval logits.
    pub temperature: f32,
    /// Per-movie retrieval bias added to the logits (empty = none).
    pub item_bias: Vec<f32>,
    /// Rating scale predictions are clipped to.
    pub scale: (f32, f32),
    /// `[u ; q] → rating`.
    pub rating: Mlp,
    /// The biases the rating network's output is a residual of (`None`: it predicts the
    /// rating itself); kept outside the weights' block of the state.
    pub base: Option<crate::biases::Biases>,
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn unit(v: &[f32]) -> (Vec<f32>, f32) {
    let n = dot(v, v).sqrt().max(1e-12);
    (v.iter().map(|x| x / n).collect(), n)
}

impl Weights {
    /// Movie `i`'s embedding.
    pub fn item(&self, i: usize) -> &[f32] {
        &self.items[i * self.dim..(i + 1) * self.dim]
    }

    /// Known user `u`'s embedding.
    pub fn user(&self, u: usize) -> &[f32] {
        &self.users[u * self.dim..(u + 1) * self.dim]
    }

    /// The movie tower as the retrieval task sees it (unit rows when normalising).
    fn retrieval_items(&self) -> Vec<f32> {
        if !self.normalize {
            return self.items.clone();
        }
        (0..self.n_items)
            .flat_map(|i| unit(self.item(i)).0)
            .collect()
    }

    /// Retrieval score (the training logit) of every movie for the user embedding `u`.
    ///
    /// The serving hot path: eight movies at a time, each movie's `u·q` (and `q·q` when
    /// normalising) summed in order over the embedding exactly as [`dot`] sums it, the eight
    /// chains side by side so they overlap instead of waiting on one add at a time
    /// (bit-identical to one movie at a time; see `bench/scale/serve.md`).
    pub fn scores(&self, u: &[f32], out: &mut [f32]) {
        let u = if self.normalize {
            unit(u).0
        } else {
            u.to_vec()
        };
        let dim = self.dim;
        let blocks = if u.len() == dim { out.len() / 8 } else { 0 };
        for b in 0..blocks {
            let rows = &self.items[b * 8 * dim..(b + 1) * 8 * dim];
            // −0.0 is what `Iterator::sum` of f32 starts from.
            let (mut d, mut qq) = ([-0.0f32; 8], [-0.0f32; 8]);
            if self.normalize {
                for (j, &uj) in u.iter().enumerate() {
                    for l in 0..8 {
                        let x = rows[l * dim + j];
                        d[l] += uj * x;
                        qq[l] += x * x;
                    }
                }
            } else {
                for (j, &uj) in u.iter().enumerate() {
                    for l in 0..8 {
                        d[l] += uj * rows[l * dim + j];
                    }
                }
            }
            for l in 0..8 {
                out[b * 8 + l] = self.logit(b * 8 + l, d[l], qq[l]);
            }
        }
        for (i, o) in out.iter_mut().enumerate().skip(blocks * 8) {
            let q = self.item(i);
            *o = self.logit(i, dot(&u, q), if self.normalize { dot(q, q) } else { 0.0 });
        }
    }

    /// The retrieval logit of movie `i` from `u·q` and (when normalising) `q·q`.
    #[inline(always)]
    fn logit(&self, i: usize, uq: f32, qq: f32) -> f32 {
        let s = if self.normalize {
            uq / qq.sqrt().max(1e-12)
        } else {
            uq
        };
        s / self.temperature + self.item_bias.get(i).copied().unwrap_or(0.0)
    }

    /// Rating of movie `i` for the user embedding `u` of a user whose bias is `user_bias`
    /// and training support `support` (both used with [`Weights::base`]: the network's
    /// residual is scaled by support, [`crate::shrink`]), clipped to the scale.
    pub fn predict(&self, u: &[f32], i: usize, user_bias: f32, support: f32) -> f32 {
        let mut x = Vec::with_capacity(2 * self.dim);
        x.extend_from_slice(u);
        x.extend_from_slice(self.item(i));
        let net = self.rating.forward(&x).first().copied().unwrap_or(f32::NAN);
        let r = match &self.base {
            None => net,
            Some(b) => {
                let scale = b.support.as_ref().map_or(1.0, |s| s.factor(support, i));
                b.get(None, i) + user_bias + scale * net
            }
        };
        let (lo, hi) = self.scale;
        if r.is_finite() {
            r.clamp(lo, hi)
        } else {
            (lo + hi) / 2.0
        }
    }

    /// Cosine similarity of movie `i` to every movie into `out`.
    pub fn similarities(&self, i: usize, out: &mut [f32]) {
        let (a, _) = unit(self.item(i));
        for (j, o) in out.iter_mut().enumerate() {
            let q = self.item(j);
            *o = dot(&a, q) / dot(q, q).sqrt().max(1e-12);
        }
    }

    /// A user embedding fitted to `profile` (see the module docs); ids must be in range.
    pub fn fold_in(&self, profile: &[(ItemIdx, f32)], cfg: &FoldIn) -> Vec<f32> {
        let d = self.dim;
        let mut u = self.mean_user.clone();
        if profile.is_empty() || cfg.steps == 0 {
            return u;
        }
        let n = profile.len() as f32;
        let cands = self.retrieval_items();
        // First rating layer split into its user rows and the fixed movie part.
        let Some(((first, act0), rest)) = self.rating.layers.split_first() else {
            return u;
        };
        let h = first.d_out;
        let item_part: Vec<Vec<f32>> = profile
            .iter()
            .map(|&(i, _)| {
                let mut z = first.bias.clone();
                for (k, &x) in self.item(i.ix()).iter().enumerate() {
                    let row = &first.weight[(d + k) * h..(d + k + 1) * h];
                    z.iter_mut().zip(row).for_each(|(z, w)| *z += x * w);
                }
                z
            })
            .collect();
        let mut acc = vec![0f32; d];
        let mut logits = vec![0f32; self.n_items];
        for _ in 0..cfg.steps {
            let mut g: Vec<f32> = u
                .iter()
                .zip(&self.mean_user)
                .map(|(a, b)| 2.0 * cfg.l2 * (a - b))
                .collect();
            if cfg.retrieval_weight > 0.0 {
                let (uh, norm) = if self.normalize {
                    unit(&u)
                } else {
                    (u.clone(), 1.0)
                };
                for (i, l) in logits.iter_mut().enumerate() {
                    *l = dot(&uh, &cands[i * d..(i + 1) * d]) / self.temperature
                        + self.item_bias.get(i).copied().unwrap_or(0.0);
                }
                let m = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let z: f32 = logits.iter().map(|l| (l - m).exp()).sum();
                // d/dû of mean_j(lse − s_j) = (E_p[q] − mean_j q_j) / T
                let mut gh = vec![0f32; d];
                for (i, l) in logits.iter().enumerate() {
                    let p = (l - m).exp() / z;
                    let q = &cands[i * d..(i + 1) * d];
                    gh.iter_mut().zip(q).for_each(|(g, x)| *g += p * x);
                }
                for &(j, _) in profile {
                    let q = &cands[j.ix() * d..(j.ix() + 1) * d];
                    gh.iter_mut().zip(q).for_each(|(g, x)| *g -= x / n);
                }
                if self.normalize {
                    let proj = dot(&uh, &gh);
                    gh.iter_mut().zip(&uh).for_each(|(g, x)| *g -= proj * x);
                }
                let s = cfg.retrieval_weight / (self.temperature * norm);
                g.iter_mut().zip(&gh).for_each(|(g, x)| *g += s * x);
            }
            if cfg.rating_weight > 0.0 {
                let gz = self.rating_grad(&u, profile, &item_part, *act0, rest);
                let s = cfg.rating_weight / n;
                for (k, gk) in g.iter_mut().enumerate().take(d) {
                    let row = &first.weight[k * h..(k + 1) * h];
                    *gk += s * dot(row, &gz);
                }
            }
            for k in 0..d {
                acc[k] += g[k] * g[k];
                u[k] -= cfg.lr * g[k] / (acc[k].sqrt() + 1e-7);
            }
        }
        if u.iter().all(|x| x.is_finite()) {
            u
        } else {
            self.mean_user.clone()
        }
    }

    /// Σ_j ∂(f(u, q_j) − r_j)²/∂z1_j: the squared-error gradient at the first layer's
    /// pre-activation, summed over the profile.
    fn rating_grad(
        &self,
        u: &[f32],
        profile: &[(ItemIdx, f32)],
        item_part: &[Vec<f32>],
        act0: Activation,
        rest: &[(crate::mlp::Dense, Activation)],
    ) -> Vec<f32> {
        let (first, _) = &self.rating.layers[0];
        let h = first.d_out;
        let mut zu = vec![0f32; h];
        for (k, &x) in u.iter().enumerate() {
            let row = &first.weight[k * h..(k + 1) * h];
            zu.iter_mut().zip(row).for_each(|(z, w)| *z += x * w);
        }
        let mut total = vec![0f32; h];
        for (&(_, r), part) in profile.iter().zip(item_part) {
            let mut acts: Vec<(Vec<f32>, Activation)> = Vec::with_capacity(rest.len() + 1);
            let mut a: Vec<f32> = zu.iter().zip(part).map(|(x, y)| x + y).collect();
            act0.apply(&mut a);
            acts.push((a, act0));
            for (layer, act) in rest {
                let mut next = vec![0f32; layer.d_out];
                layer.forward_into(acts.last().map_or(&[][..], |x| &x.0), &mut next);
                act.apply(&mut next);
                acts.push((next, *act));
            }
            let out = acts
                .last()
                .and_then(|x| x.0.first())
                .copied()
                .unwrap_or(0.0);
            let mut grad = vec![2.0 * (out - r)];
            // Back through the layers after the first, from the output down.
            for (li, (layer, _)) in rest.iter().enumerate().rev() {
                let (ref y, act) = acts[li + 1];
                act_grad(act, y, &mut grad);
                let mut gin = vec![0f32; layer.d_in];
                for (k, g) in gin.iter_mut().enumerate() {
                    *g = dot(&layer.weight[k * layer.d_out..(k + 1) * layer.d_out], &grad);
                }
                grad = gin;
            }
            act_grad(act0, &acts[0].0, &mut grad);
            total.iter_mut().zip(&grad).for_each(|(t, g)| *t += g);
        }
        total
    }

    /// Appends the weights to model state.
    pub fn write(&self, w: &mut StateWriter) {
        w.u64(self.dim as u64);
        w.u64(self.n_users as u64);
        w.u64(self.n_items as u64);
        w.u32(u32::from(self.normalize));
        w.f32(self.temperature);
        w.f32(self.scale.0);
        w.f32(self.scale.1);
        w.f32s(&self.users);
        w.f32s(&self.items);
        w.f32s(&self.mean_user);
        w.f32s(&self.item_bias);
        self.rating.write(w);
    }

    /// Reads weights written by [`Weights::write`], checking every size.
    pub fn read(r: &mut StateReader<'_>) -> Result<Self> {
        let dim = r.u64()? as usize;
        let n_users = r.u64()? as usize;
        let n_items = r.u64()? as usize;
        let normalize = match r.u32()? {
            0 => false,
            1 => true,
            c => return Err(CoreError::Corrupt(format!("normalize flag {c}"))),
        };
        let temperature = r.f32()?;
        let scale = (r.f32()?, r.f32()?);
        let users = r.f32s()?;
        let items = r.f32s()?;
        let mean_user = r.f32s()?;
        let item_bias = r.f32s()?;
        let rating = Mlp::read(r)?;
        let ok = dim > 0
            && n_users.checked_mul(dim) == Some(users.len())
            && n_items.checked_mul(dim) == Some(items.len())
            && mean_user.len() == dim
            && (item_bias.is_empty() || item_bias.len() == n_items)
            && temperature.is_finite()
            && temperature > 0.0
            && rating.d_in() == 2 * dim
            && rating.d_out() == 1
            && scale.0.is_finite()
            && scale.1.is_finite()
            && scale.0 <= scale.1;
        if !ok {
            return Err(CoreError::Corrupt(format!(
                "twotower state: dim {dim}, {n_users} users ({} values), {n_items} movies ({} \
                 values), rating network {}→{}",
                users.len(),
                items.len(),
                rating.d_in(),
                rating.d_out()
            )));
        }
        Ok(Weights {
            dim,
            n_users,
            n_items,
            users,
            items,
            mean_user,
            normalize,
            temperature,
            item_bias,
            scale,
            rating,
            base: None,
        })
    }
}

/// Multiplies `grad` (w.r.t. a layer's output) by the activation's derivative, given the
/// activated output `y`.
fn act_grad(act: Activation, y: &[f32], grad: &mut [f32]) {
    match act {
        Activation::Identity => {}
        Activation::Relu => grad
            .iter_mut()
            .zip(y)
            .for_each(|(g, &y)| *g = if y > 0.0 { *g } else { 0.0 }),
        Activation::Sigmoid => grad
            .iter_mut()
            .zip(y)
            .for_each(|(g, &y)| *g *= y * (1.0 - y)),
    }
}

#[cfg(test)]
mod scoring_tests {
    use super::*;

    #[test]
    fn eight_movies_at_a_time_score_bit_identically_to_one_at_a_time() {
        for (dim, n_items) in [(5usize, 3usize), (16, 8), (32, 29), (13, 41)] {
            for normalize in [false, true] {
                let items: Vec<f32> = (0..n_items * dim)
                    .map(|j| ((j * 31 + 7) as f32 * 0.013).sin())
                    .collect();
                let w = Weights {
                    dim,
                    n_users: 0,
                    n_items,
                    users: vec![],
                    items,
                    mean_user: vec![0.0; dim],
                    normalize,
                    temperature: 0.37,
                    item_bias: (0..n_items).map(|i| i as f32 * 0.01).collect(),
                    scale: (1.0, 5.0),
                    rating: Mlp::default(),
                    base: None,
                };
                let u: Vec<f32> = (0..dim).map(|j| (j as f32 * 0.7).cos()).collect();
                let mut out = vec![f32::NAN; n_items];
                w.scores(&u, &mut out);
                let uu = if normalize { unit(&u).0 } else { u.clone() };
                for (i, &got) in out.iter().enumerate() {
                    let q = w.item(i);
                    let s = if normalize {
                        dot(&uu, q) / dot(q, q).sqrt().max(1e-12)
                    } else {
                        dot(&uu, q)
                    };
                    let want = s / w.temperature + w.item_bias[i];
                    assert_eq!(got.to_bits(), want.to_bits(), "dim {dim} item {i}");
                }
            }
        }
    }
}
