//! The training loop shared by both rating autoencoders: each row (a user's or a movie's
//! ratings, plus side features) is reconstructed by an [`AeNet`]; the loss is the masked MSE
//! over the row's observed ratings plus `λ/2 · ‖W‖²` (the AutoRec objective, divided by the
//! number of training ratings `N` so that a mini-batch's mean squared error is its unbiased
//! estimate: `J = (1/N)·[Σ_obs (r − r̂)² + λ/2 · Σ‖W‖²]`). Mini-batches of rows are densified
//! one at a time ([`Rows::dense`]); Adam updates; validation on held-out ratings after every
//! epoch (`val_loss` = their MSE with the held-out ratings absent from the input, `val_rmse`);
//! early stopping restores the best epoch's weights.
//!
//! Training runs in the private pool of [`crate::backend::in_pool`] on a helper thread; the
//! observer (not `Send`) stays on the caller's thread and receives the progress through a
//! channel.

use crate::ae_net::{AeNet, NetSpec};
use crate::ae_sparse::Rows;
use crate::backend::{device, floats, in_pool, scalar};
use crate::error::{NeuralError, Result};
use crate::mlp::Mlp;
use crate::train::{batches, report_epoch, EarlyStopping, EpochLoss, Schedule, Verdict};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use cinerec_core::{EpochReport, FitObserver, Rng};
use std::sync::mpsc;

/// What a row autoencoder trains on.
#[derive(Debug, Clone)]
pub struct AeData {
    /// Input rows: the training ratings (columns `< n_out`), then side features.
    pub input: Rows,
    /// Number of rating columns (the network's output width).
    pub n_out: usize,
    /// Held-out ratings of each row (columns `< n_out`); no entries = no validation.
    pub val: Rows,
}

/// A trained network and how training went.
#[derive(Debug, Clone)]
pub struct AeFit {
    /// The kept weights (the best epoch's when early stopping restored them).
    pub mlp: Mlp,
    /// Epochs trained.
    pub epochs_run: usize,
    /// Epoch whose weights were kept.
    pub kept_epoch: usize,
    /// Validation MSE of the kept weights (`None` without a hold-out).
    pub val_mse: Option<f64>,
}

enum Event {
    Batch(usize, u64, u64, f64),
    Epoch(EpochReport),
}

struct Relay(mpsc::Sender<Event>);

impl FitObserver for Relay {
    fn on_epoch(&mut self, r: &EpochReport) {
        let _ = self.0.send(Event::Epoch(r.clone()));
    }
    fn on_batch(&mut self, epoch: usize, done: u64, total: u64, loss: f64) {
        let _ = self.0.send(Event::Batch(epoch, done, total, loss));
    }
}

/// Trains a network of shape `spec` on `data` with L2 weight `l2` (λ) and `schedule`,
/// reporting to `obs`.
pub fn train(
    model: &'static str,
    spec: &NetSpec,
    l2: f64,
    schedule: &Schedule,
    data: &AeData,
    obs: &mut dyn FitObserver,
) -> Result<AeFit> {
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel();
        let worker = s.spawn(move || {
            in_pool(schedule.threads, move || {
                run(model, spec, l2, schedule, data, &mut Relay(tx))
            })
        });
        for ev in rx {
            match ev {
                Event::Batch(e, d, t, l) => obs.on_batch(e, d, t, l),
                Event::Epoch(r) => obs.on_epoch(&r),
            }
        }
        match worker.join() {
            Ok(r) => r?,
            Err(_) => Err(NeuralError::Core(cinerec_core::CoreError::Training(
                format!("{model}: the training thread panicked"),
            ))),
        }
    })
}

/// Rows with at least one rating to reconstruct, and the number of such ratings.
fn targets(data: &AeData) -> (Vec<u32>, usize) {
    let mut rows = vec![];
    let mut n = 0;
    for r in 0..data.input.n_rows() {
        let k = data
            .input
            .row(r)
            .0
            .partition_point(|&c| (c as usize) < data.n_out);
        if k > 0 {
            rows.push(r as u32);
            n += k;
        }
    }
    (rows, n)
}

fn run(
    model: &'static str,
    spec: &NetSpec,
    l2: f64,
    sch: &Schedule,
    data: &AeData,
    obs: &mut dyn FitObserver,
) -> Result<AeFit> {
    let dev = device();
    let mut rng = Rng::new(sch.seed);
    let mut net = AeNet::new(spec, &mut rng, &dev);
    let mut opt = AdamConfig::new().init();
    let (examples, n_obs_total) = targets(data);
    let l2_coef = (l2 / (2.0 * n_obs_total.max(1) as f64)) as f32;
    let (d_in, n_out) = (data.input.width(), data.n_out);
    let val_rows = data.val.non_empty();
    let mut stopper = EarlyStopping::new(sch.patience);
    let mut best: Option<(Mlp, usize, f64)> = None;
    let (mut epochs_run, mut last_val) = (0, None);
    for epoch in 1..=sch.epochs {
        let plan = batches(&examples, sch.batch_size, &mut rng);
        let mut running = EpochLoss::new(epoch, plan.len());
        for b in &plan {
            let n = b.len();
            let x = floats(data.input.dense(b, d_in), [n, d_in], &dev);
            let t = if d_in == n_out {
                x.clone()
            } else {
                floats(data.input.dense(b, n_out), [n, n_out], &dev)
            };
            let (mask, n_obs) = data.input.mask(b, n_out);
            let mask = floats(mask, [n, n_out], &dev);
            let out = net.forward(spec, x);
            let mse = (out - t).mul(mask).square().sum().div_scalar(n_obs as f32);
            running.add(model, scalar(mse.clone()), n_obs, obs)?;
            let loss = if l2_coef > 0.0 {
                mse + net.squared_weights().mul_scalar(l2_coef)
            } else {
                mse
            };
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = opt.step(sch.learning_rate, net, grads);
        }
        epochs_run = epoch;
        let mut metrics = vec![];
        if !val_rows.is_empty() {
            let v = validate(&net, spec, data, &val_rows, sch.batch_size);
            if !v.is_finite() {
                return Err(NeuralError::Diverged {
                    model,
                    epoch,
                    loss: v,
                });
            }
            last_val = Some(v);
            metrics.push(("val_loss".to_string(), v));
            metrics.push(("val_rmse".to_string(), v.sqrt()));
            let verdict = stopper.update(epoch, v);
            if verdict == Verdict::Improved && sch.patience > 0 {
                best = Some((net.export(spec), epoch, v));
            }
            report_epoch(obs, epoch, sch.epochs, running.mean(), metrics);
            if verdict == Verdict::Stop {
                break;
            }
        } else {
            report_epoch(obs, epoch, sch.epochs, running.mean(), metrics);
        }
    }
    Ok(match best {
        Some((mlp, kept_epoch, v)) => AeFit {
            mlp,
            epochs_run,
            kept_epoch,
            val_mse: Some(v),
        },
        None => AeFit {
            mlp: net.export(spec),
            epochs_run,
            kept_epoch: epochs_run,
            val_mse: last_val,
        },
    })
}

/// MSE of the held-out ratings, each row fed its training input (no autodiff).
fn validate(net: &AeNet, spec: &NetSpec, data: &AeData, rows: &[u32], batch: usize) -> f64 {
    let net = net.valid();
    let dev = Device::flex();
    let (d_in, n_out) = (data.input.width(), data.n_out);
    let (mut sse, mut n) = (0f64, 0usize);
    for b in rows.chunks(batch.clamp(64, 1024)) {
        let k = b.len();
        let x = floats(data.input.dense(b, d_in), [k, d_in], &dev);
        let t = floats(data.val.dense(b, n_out), [k, n_out], &dev);
        let (mask, cnt) = data.val.mask(b, n_out);
        let mask = floats(mask, [k, n_out], &dev);
        let out = net.forward(spec, x);
        sse += scalar((out - t).mul(mask).square().sum());
        n += cnt;
    }
    sse / n.max(1) as f64
}

/// Every held-out rating of `data` as `(row, column, prediction, target)` under `mlp`, each
/// row fed its training input (what the residual shrink is fitted on, [`crate::shrink`]).
pub fn held_out(mlp: &Mlp, data: &AeData) -> Vec<(usize, usize, f32, f32)> {
    let mut out = vec![];
    for r in 0..data.val.n_rows() {
        let (cols, vals) = data.val.row(r);
        if cols.is_empty() {
            continue;
        }
        let pred = mlp.forward_sparse(&data.input.pairs(r));
        for (&c, &t) in cols.iter().zip(vals) {
            let p = pred.get(c as usize).copied().unwrap_or(f32::NAN);
            out.push((r, c as usize, p, t));
        }
    }
    out
}
