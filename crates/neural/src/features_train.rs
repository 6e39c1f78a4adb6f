//! Training of [`crate::Features`]: examples, negative sampling, mini-batches and the epoch
//! loop (Adam, validation loss and AUC, early stopping with best-epoch restore).
//!
//! An example is one watched pair (user, movie): the user's input is a random subset of at
//! most `context_size` of their *other* training movies (never the target, never a
//! validation movie), so the towers learn to predict a held-out movie from the rest rather
//! than to copy it; `negatives` movies drawn uniformly from the movies that have training
//! ratings (and that the user did not rate) are the zeros of the binary cross-entropy.
//! Movies without any training rating are never negatives: the model is not told that a
//! cold movie is unpopular. With `id_dropout`, each movie's identity token is dropped with
//! that probability per batch, so the feature-only path — all a cold movie has — is trained.

use crate::error::Result;
use crate::features::FeaturesParams;
use crate::features_input::BagEntry;
use crate::features_model::Weights;
use crate::features_net::{Batch, Net};
use crate::train::{batches, holdout, report_epoch, EarlyStopping, EpochLoss, Verdict};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use cinerec_core::{Dataset, FitObserver, Rng, UserIdx};

/// One positive pair with its sampled context and negatives.
#[derive(Debug, Clone)]
struct Example {
    target: u32,
    ctx: Vec<u32>,
    negs: Vec<u32>,
}

/// What the fit looked like (for the model's report).
#[derive(Debug, Clone, Default)]
pub struct TrainSummary {
    /// Epochs run.
    pub epochs_run: usize,
    /// Epoch whose weights were kept.
    pub best_epoch: usize,
}

struct Sampler<'a> {
    data: &'a Dataset,
    /// Per user, the training movies usable as context (validation movies removed).
    ctx_ptr: Vec<usize>,
    ctx_items: Vec<u32>,
    /// Movies with at least one training rating.
    pool: Vec<u32>,
    context: usize,
    negatives: usize,
}

impl Sampler<'_> {
    fn example(&self, u: u32, target: u32, rng: &mut Rng) -> Example {
        let pool = &self.ctx_items[self.ctx_ptr[u as usize]..self.ctx_ptr[u as usize + 1]];
        let others = pool.len() - usize::from(pool.binary_search(&target).is_ok());
        let mut ctx = Vec::with_capacity(others.min(self.context));
        if others <= self.context {
            ctx.extend(pool.iter().copied().filter(|&i| i != target));
        } else {
            while ctx.len() < self.context {
                let i = pool[rng.below(pool.len() as u64) as usize];
                if i != target && !ctx.contains(&i) {
                    ctx.push(i);
                }
            }
        }
        let rated = self.data.user_ratings(UserIdx(u)).0;
        let negs = (0..self.negatives)
            .map(|_| {
                let mut j = self.pool[rng.below(self.pool.len() as u64) as usize];
                for _ in 0..10 {
                    if rated.binary_search(&j).is_err() {
                        break;
                    }
                    j = self.pool[rng.below(self.pool.len() as u64) as usize];
                }
                j
            })
            .collect();
        Example { target, ctx, negs }
    }
}

/// Turns examples into a [`Batch`], giving every distinct movie a local slot.
struct Builder<'a> {
    bags: &'a [Vec<BagEntry>],
    id_field: Option<u32>,
    slot_of: Vec<u32>,
}

impl Builder<'_> {
    fn build(&mut self, ex: &[Example], id_dropout: f64, rng: &mut Rng) -> Batch {
        let mut b = Batch {
            n_ex: ex.len(),
            ..Default::default()
        };
        let mut locals: Vec<u32> = Vec::new();
        let mut slot = |i: u32, locals: &mut Vec<u32>| -> u32 {
            let s = &mut self.slot_of[i as usize];
            if *s == u32::MAX {
                *s = locals.len() as u32;
                locals.push(i);
            }
            *s
        };
        for (x, e) in ex.iter().enumerate() {
            b.target.push(slot(e.target, &mut locals));
            let w = 1.0 / e.ctx.len().max(1) as f32;
            for &c in &e.ctx {
                b.ctx_ex.push(x as u32);
                b.ctx_slot.push(slot(c, &mut locals));
                b.ctx_weight.push(w);
            }
            for &n in &e.negs {
                b.neg_ex.push(x as u32);
                b.neg_slot.push(slot(n, &mut locals));
            }
        }
        for (s, &i) in locals.iter().enumerate() {
            let before = b.bag_slot.len();
            for e in &self.bags[i as usize] {
                if Some(e.field) == self.id_field && id_dropout > 0.0 && rng.f64() < id_dropout {
                    continue;
                }
                b.bag_slot.push(s as u32);
                b.bag_token.push(e.token);
                b.bag_field.push(e.field);
                b.bag_weight.push(e.weight);
            }
            if b.bag_slot.len() == before {
                // only an id token, dropped: the "no feature" token stands in
                b.bag_slot.push(s as u32);
                b.bag_token.push(0);
                b.bag_field.push(0);
                b.bag_weight.push(1.0);
            }
            self.slot_of[i as usize] = u32::MAX;
        }
        b.n_local = locals.len();
        b
    }
}

/// Mean BCE and AUC (share of negatives scored below their positive, ties ½) over the
/// validation batches.
fn validate(net: &Net, val: &[Batch]) -> (f64, f64) {
    let (mut loss, mut rows, mut auc, mut n_auc) = (0f64, 0usize, 0f64, 0usize);
    let ls = |z: f64| -> f64 { -(z.max(0.0) + (-z.abs()).exp().ln_1p()) + z }; // log σ(z)
    for b in val {
        let (pos, neg) = net.logits(b);
        let (pos, neg) = (crate::backend::to_vec(pos), crate::backend::to_vec(neg));
        loss -= pos.iter().map(|&z| ls(z as f64)).sum::<f64>();
        loss -= neg.iter().map(|&z| ls(-z as f64)).sum::<f64>();
        rows += pos.len() + neg.len();
        for (&x, &z) in b.neg_ex.iter().zip(&neg) {
            let p = pos[x as usize];
            auc += if p > z {
                1.0
            } else if p == z {
                0.5
            } else {
                0.0
            };
            n_auc += 1;
        }
    }
    (loss / rows.max(1) as f64, auc / n_auc.max(1) as f64)
}

/// Trains the networks on `data` (movie bags in `bags`, one per catalogue movie) and returns
/// their weights. Call inside the model's thread pool.
pub fn train(
    data: &Dataset,
    bags: &[Vec<BagEntry>],
    rows: usize,
    n_fields: usize,
    id_field: Option<u32>,
    p: &FeaturesParams,
    obs: &mut dyn FitObserver,
) -> Result<(Weights, TrainSummary)> {
    let mut rng = Rng::new(p.seed);
    let mut net = Net::new(&mut rng, rows, n_fields, p.dim, p.hidden, 5.0);
    let mut summary = TrainSummary::default();
    let m = data.matrix();
    let pairs: Vec<(u32, u32)> = m.iter().map(|r| (r.user.0, r.item.0)).collect();
    if pairs.is_empty() {
        return Ok((net.weights(), summary));
    }
    let (train_idx, val_idx) = holdout(pairs.len(), p.validation_fraction, &mut rng);
    let mut is_val = vec![false; pairs.len()];
    val_idx.iter().for_each(|&k| is_val[k as usize] = true);
    let mut ctx_ptr = vec![0usize; data.n_users() + 1];
    let mut ctx_items = Vec::with_capacity(train_idx.len());
    for (k, &(u, i)) in pairs.iter().enumerate() {
        if !is_val[k] {
            ctx_items.push(i);
            ctx_ptr[u as usize + 1] = ctx_items.len();
        }
    }
    for u in 0..data.n_users() {
        ctx_ptr[u + 1] = ctx_ptr[u + 1].max(ctx_ptr[u]);
    }
    let pool: Vec<u32> = (0..data.n_items() as u32)
        .filter(|&i| m.item_count(cinerec_core::ItemIdx(i)) > 0)
        .collect();
    let sampler = Sampler {
        data,
        ctx_ptr,
        ctx_items,
        pool,
        context: p.context_size,
        negatives: p.negatives,
    };
    let mut builder = Builder {
        bags,
        id_field,
        slot_of: vec![u32::MAX; data.n_items()],
    };
    let val: Vec<Batch> = val_idx
        .chunks(p.batch_size)
        .map(|chunk| {
            let ex: Vec<Example> = chunk
                .iter()
                .map(|&k| sampler.example(pairs[k as usize].0, pairs[k as usize].1, &mut rng))
                .collect();
            builder.build(&ex, 0.0, &mut rng)
        })
        .collect();
    let decay = (p.weight_decay > 0.0).then(|| WeightDecayConfig::new(p.weight_decay as f32));
    let mut opt = AdamConfig::new().with_weight_decay(decay).init();
    let mut stop = EarlyStopping::new(p.patience);
    let mut best: Option<Weights> = None;
    for epoch in 1..=p.epochs {
        let bs = batches(&train_idx, p.batch_size, &mut rng);
        let mut running = EpochLoss::new(epoch, bs.len());
        for chunk in &bs {
            let ex: Vec<Example> = chunk
                .iter()
                .map(|&k| sampler.example(pairs[k as usize].0, pairs[k as usize].1, &mut rng))
                .collect();
            let batch = builder.build(&ex, p.id_dropout, &mut rng);
            let (loss, _, _) = net.loss(&batch);
            let lv = crate::backend::scalar(loss.clone());
            running.add("features", lv, chunk.len(), obs)?;
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = opt.step(p.learning_rate, net, grads);
        }
        summary.epochs_run = epoch;
        summary.best_epoch = epoch;
        let mut metrics = Vec::new();
        let mut verdict = Verdict::Continue;
        if !val.is_empty() {
            let (vl, auc) = validate(&net, &val);
            metrics.push(("val_loss".to_string(), vl));
            metrics.push(("val_auc".to_string(), auc));
            verdict = stop.update(epoch, vl);
            if verdict == Verdict::Improved && p.patience > 0 {
                best = Some(net.weights());
            }
        }
        report_epoch(obs, epoch, p.epochs, running.mean(), metrics);
        if verdict == Verdict::Stop {
            break;
        }
    }
    match best {
        Some(w) => {
            summary.best_epoch = stop.best_epoch();
            Ok((w, summary))
        }
        None => Ok((net.weights(), summary)),
    }
}
