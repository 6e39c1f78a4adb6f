//! The two-tower training loop: Adagrad on the multitask loss over shuffled mini-batches,
//! per-epoch validation on the hold-out (`val_loss`, `val_rmse`, `val_mse`,
//! `val_retrieval_loss`, factorized `val_top{K}_accuracy`), early stopping with best-epoch
//! restore, and the copy-out of the trained weights.
//!
//! The loop runs on a worker of a private rayon pool ([`crate::backend::run_observed`]:
//! burn-flex parallelises through rayon, so `threads` bounds the fit), its progress relayed
//! to the observer on the caller's thread.

use crate::error::Result;
use crate::train::{self, EarlyStopping, EpochLoss, Verdict};
use crate::twotower::TwoTowerParams;
use crate::twotower_net::{Batch, Examples, LossCfg, Net};
use crate::twotower_optim::KerasAdagrad;
use crate::twotower_weights::Weights;
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use cinerec_core::{Dataset, FitObserver, Rng};
use cinerec_eval::factorized::{ranks_of, FACTORIZED_KS};

const NAME: &str = "twotower";

/// Trains on `data` with `p` (validated) in a pool of `p.threads` workers.
pub(crate) fn fit(
    data: &Dataset,
    p: &TwoTowerParams,
    obs: &mut dyn FitObserver,
) -> Result<Weights> {
    crate::backend::run_observed(p.threads, obs, |fwd| train_loop(data, p, fwd))?
}

/// The validation hold-out: fixed batches and the pairs grouped by user.
struct Validation {
    batches: Vec<Batch>,
    ratings: Vec<f32>,
    by_user: Vec<(usize, Vec<u32>)>,
}

fn train_loop(data: &Dataset, p: &TwoTowerParams, obs: &mut dyn FitObserver) -> Result<Weights> {
    let dev = crate::backend::device();
    let mut ex = examples(data);
    // With `residual`, the rating task learns each rating's residual over the biases: the
    // targets are shifted here and the biases travel with the weights.
    let mut base = p.residual.then(|| crate::biases::Biases::fit(data));
    if let Some(b) = &base {
        for k in 0..ex.ratings.len() {
            ex.ratings[k] -= b.get(Some(ex.users[k] as usize), ex.items[k] as usize);
        }
    }
    let n = ex.users.len();
    if n == 0 {
        return Err(
            cinerec_core::CoreError::Training("twotower: no ratings to train on".into()).into(),
        );
    }
    let cfg = p.loss_cfg();
    // Validation clips rating predictions to the scale; residuals are not clipped.
    let scale = data.rating_scale();
    let val_scale = match base {
        Some(_) => (f32::NEG_INFINITY, f32::INFINITY),
        None => scale,
    };
    let mut rng = Rng::new(p.seed);
    let output_bias = if p.output_bias_at_mean {
        (ex.ratings.iter().map(|&r| r as f64).sum::<f64>() / n as f64) as f32
    } else {
        0.0
    };
    let mut net = Net::init(
        &mut rng,
        data.n_users(),
        data.n_items(),
        p.embedding_dim,
        &p.hidden,
        p.init_scale as f32,
        output_bias,
        p.retrieval_item_bias,
        p.user_history,
        &dev,
    );
    let (train_ids, val_ids) = train::holdout(n, p.validation_fraction, &mut rng);
    let ex = with_train_stats(ex, &train_ids, p.user_history);
    let mut trained_user = vec![false; data.n_users()];
    for &k in &train_ids {
        trained_user[ex.users[k as usize] as usize] = true;
    }
    let val = validation(&ex, &val_ids, p.batch_size, &cfg, &dev);
    let mut opt = ModuleOptimizer::from(KerasAdagrad {
        initial_accumulator: p.adagrad_initial_accumulator as f32,
        epsilon: p.adagrad_epsilon as f32,
        weight_decay: p.weight_decay as f32,
    });
    let mut stopper = EarlyStopping::new(p.patience);
    let mut best: Option<Weights> = None;
    for epoch in 1..=p.epochs {
        let chunks = train::batches(&train_ids, p.batch_size, &mut rng);
        let mut running = EpochLoss::new(epoch, chunks.len());
        for ids in &chunks {
            let b = ex.batch(ids, &cfg, &mut rng, &dev);
            let losses = net.forward(&b, &cfg);
            let (lv, _) = losses.values(&cfg);
            running.add(NAME, lv, b.len, obs)?;
            let grads = GradientsParams::from_grads(losses.objective(&cfg).backward(), &net);
            net = opt.step(p.learning_rate, net, grads);
        }
        let mut metrics = vec![];
        let mut verdict = Verdict::Continue;
        if let Some(val) = &val {
            let w = net.weights(&trained_user, scale, &cfg, ex.history.as_deref());
            metrics = validate(&net, val, &w, &cfg, val_scale);
            verdict = stopper.update(epoch, metrics[0].1);
            if verdict == Verdict::Improved && p.patience > 0 {
                best = Some(w);
            }
        }
        train::report_epoch(obs, epoch, p.epochs, running.mean(), metrics);
        if verdict == Verdict::Stop {
            break;
        }
    }
    let mut w =
        best.unwrap_or_else(|| net.weights(&trained_user, scale, &cfg, ex.history.as_deref()));
    if let Some(b) = base.as_mut() {
        b.fit_shrink(held_out(&w, &ex, &val_ids));
        b.settle(data);
    }
    if p.popularity_prior {
        crate::twotower_prior::add_popularity_prior(&mut w, &ex, &train_ids, &val_ids);
    }
    w.base = base;
    Ok(w)
}

/// The hold-out's `(user, movie, predicted residual, true residual)` under the trained
/// rating network: what the residual shrink by support is fitted on ([`crate::shrink`]:
/// where the network's residuals are noise — sparse users and movies — the prediction moves
/// back towards the biases; a user or movie without training ratings gets none).
fn held_out<'a>(
    w: &'a Weights,
    ex: &'a Examples,
    val_ids: &'a [u32],
) -> impl Iterator<Item = (usize, usize, f32, f32)> + 'a {
    let mut x = Vec::with_capacity(2 * w.dim);
    val_ids.iter().map(move |&k| {
        let (u, i) = (ex.users[k as usize] as usize, ex.items[k as usize] as usize);
        x.clear();
        x.extend_from_slice(w.user(u));
        x.extend_from_slice(w.item(i));
        let p = w.rating.forward(&x).first().copied().unwrap_or(f32::NAN);
        (u, i, p, ex.ratings[k as usize])
    })
}

fn examples(data: &Dataset) -> Examples {
    let m = data.matrix();
    let (mut users, mut items, mut ratings) = (vec![], vec![], vec![]);
    for r in m.iter() {
        users.push(r.user.0);
        items.push(r.item.0);
        ratings.push(r.value);
    }
    Examples {
        users,
        items,
        ratings,
        item_share: vec![],
        history: None,
        n_items: data.n_items(),
    }
}

/// Sets each movie's share of the training examples (for the log-q correction) and, with
/// `history`, each user's training movies (the hold-out left out).
fn with_train_stats(mut ex: Examples, train_ids: &[u32], history: bool) -> Examples {
    let mut share = vec![0f32; ex.n_items];
    for &k in train_ids {
        share[ex.items[k as usize] as usize] += 1.0 / train_ids.len() as f32;
    }
    ex.item_share = share;
    if history {
        let n_users = ex.users.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
        let mut h = vec![vec![]; n_users];
        for &k in train_ids {
            h[ex.users[k as usize] as usize].push(ex.items[k as usize]);
        }
        h.iter_mut().for_each(|v| v.sort_unstable());
        ex.history = Some(h);
    }
    ex
}

fn validation(
    ex: &Examples,
    ids: &[u32],
    batch_size: usize,
    cfg: &LossCfg,
    dev: &Device,
) -> Option<Validation> {
    if ids.is_empty() {
        return None;
    }
    // No sampled negatives: the validation loss is the same in-batch loss every epoch.
    let vcfg = LossCfg {
        negatives: 0,
        ..*cfg
    };
    let mut rng = Rng::new(0);
    let batches = ids
        .chunks(batch_size)
        .map(|c| ex.batch(c, &vcfg, &mut rng, dev))
        .collect();
    let ratings = ids.iter().map(|&k| ex.ratings[k as usize]).collect();
    let mut by_user: std::collections::BTreeMap<usize, Vec<u32>> = Default::default();
    for &k in ids {
        by_user
            .entry(ex.users[k as usize] as usize)
            .or_default()
            .push(ex.items[k as usize]);
    }
    Some(Validation {
        batches,
        ratings,
        by_user: by_user.into_iter().collect(),
    })
}

/// `val_loss` first, then `val_rmse` (clipped predictions), the two task losses and the
/// factorized top-K accuracy of the hold-out pairs (rank among all movies, as
/// `cinerec_eval::factorized_top_k` defines it).
fn validate(
    net: &Net,
    val: &Validation,
    w: &Weights,
    cfg: &LossCfg,
    scale: (f32, f32),
) -> Vec<(String, f64)> {
    let net = net.valid();
    let (mut mse, mut ret, mut total) = (0f64, 0f64, 0f64);
    let mut preds = Vec::with_capacity(val.ratings.len());
    for b in &val.batches {
        let l = net.forward(b, cfg);
        let k = b.len as f64;
        let (m, r) = (crate::backend::scalar(l.mse.clone()), l.retrieval);
        total += (cfg.rating_weight as f64 * m + cfg.retrieval_weight as f64 * r) * k;
        mse += m * k;
        // per-example cross-entropy whatever the reduction
        ret += if cfg.sum_retrieval { r } else { r * k };
        preds.extend(crate::backend::to_vec(l.pred));
    }
    let n = val.ratings.len() as f64;
    let (mse, ret, total) = (mse / n, ret / n, total / n);
    let se: f64 = preds
        .iter()
        .zip(&val.ratings)
        .map(|(p, r)| (p.clamp(scale.0, scale.1) - r) as f64)
        .map(|e| e * e)
        .sum();
    let mut hits = [0usize; FACTORIZED_KS.len()];
    let mut scores = vec![0f32; w.n_items];
    for (u, targets) in &val.by_user {
        w.scores(w.user(*u), &mut scores);
        for rank in ranks_of(&scores, targets) {
            for (h, &k) in hits.iter_mut().zip(&FACTORIZED_KS) {
                *h += usize::from(rank < k);
            }
        }
    }
    let mut m = vec![
        ("val_loss".to_string(), total),
        ("val_rmse".to_string(), (se / n).sqrt()),
        ("val_mse".to_string(), mse),
        ("val_retrieval_loss".to_string(), ret),
    ];
    for (h, k) in hits.iter().zip(FACTORIZED_KS) {
        m.push((format!("val_top{k}_accuracy"), *h as f64 / n));
    }
    m
}
