//! The burn side of training, kept in one place: the device (burn's pure-Rust `flex` CPU
//! backend with autodiff), the private thread pool a fit runs in (and the relay of its
//! progress to an observer on the caller's thread), conversions between
//! tensors and plain `Vec<f32>`, and parameter initialisation from cinerec's own seeded
//! [`Rng`] (so a fit never depends on burn's global random state).
//!
//! Models train with burn and then copy their weights out into plain vectors; prediction and
//! scoring never touch burn.

use crate::error::{NeuralError, Result};
use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use cinerec_core::{EpochReport, FitObserver, Rng};
use std::sync::mpsc::{channel, Sender};

/// The training device: burn-flex on the CPU with reverse-mode autodiff.
pub fn device() -> Device {
    keep_large_allocations();
    Device::flex().autodiff()
}

/// Training allocates and frees buffers of several MiB every batch (logits, activations,
/// gradients). glibc serves those with `mmap` and returns them with `munmap`, so every batch
/// pays fresh page faults and, with two threads, TLB shoot-downs across cores (measured on
/// the two-tower fit at 2 threads: ~20 % of the time in the kernel; with the thresholds below
/// an epoch took ~1.6 s instead of ~1.9–2.3 s). Once per process this raises glibc's mmap
/// threshold to 64 MiB and its trim threshold to 256 MiB so such buffers are reused from the
/// heap; at most 256 MiB of freed memory stays with the process. Other C libraries: no-op.
fn keep_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only sets allocator parameters; the values are in range.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
            }
        });
    }
}

/// Runs `f` in a private rayon pool of `threads` workers (0 = one per core). burn-flex and its
/// matrix kernels parallelise through rayon, so with `threads = 1` the whole fit is
/// sequential and, with the model's seed, bit-for-bit reproducible.
pub fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| NeuralError::ThreadPool(e.to_string()))?;
    Ok(pool.install(f))
}

/// A float tensor of `shape` from row-major `values`.
pub fn floats<const D: usize>(values: Vec<f32>, shape: [usize; D], dev: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), dev)
}

/// A 1-d integer tensor (indices for `select`).
pub fn indices(values: &[u32], dev: &Device) -> Tensor<1, Int> {
    let v: Vec<i64> = values.iter().map(|&x| x as i64).collect();
    let n = v.len();
    Tensor::from_data(TensorData::new(v, [n]), dev)
}

/// The values of a float tensor, row-major.
pub fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default()
}

/// A scalar loss as `f64`.
pub fn scalar(t: Tensor<1>) -> f64 {
    to_vec(t).first().copied().unwrap_or(f32::NAN) as f64
}

/// Row-major values drawn from Normal(0, `std`).
pub fn normal_values(rng: &mut Rng, n: usize, std: f32) -> Vec<f32> {
    (0..n).map(|_| rng.normal() as f32 * std).collect()
}

/// A trainable `rows × cols` matrix initialised from Normal(0, `std`) (embedding tables).
pub fn normal_param(
    rng: &mut Rng,
    rows: usize,
    cols: usize,
    std: f32,
    dev: &Device,
) -> Param<Tensor<2>> {
    Param::from_tensor(floats(
        normal_values(rng, rows * cols, std),
        [rows, cols],
        dev,
    ))
}

/// A dense layer `d_in → d_out` with Glorot-uniform weights (Keras' default, as the
/// reference models use) and zero bias.
pub fn linear(rng: &mut Rng, d_in: usize, d_out: usize, dev: &Device) -> Linear {
    let limit = (6.0 / (d_in + d_out) as f64).sqrt();
    let w: Vec<f32> = (0..d_in * d_out)
        .map(|_| ((rng.f64() * 2.0 - 1.0) * limit) as f32)
        .collect();
    Linear {
        weight: Param::from_tensor(floats(w, [d_in, d_out], dev)),
        bias: Some(Param::from_tensor(floats(vec![0.0; d_out], [d_out], dev))),
    }
}

/// The weights of a trained dense layer copied out for burn-free inference.
pub fn dense_of(l: &Linear) -> crate::mlp::Dense {
    let w = l.weight.val();
    let [d_in, d_out] = w.dims();
    let bias = l
        .bias
        .as_ref()
        .map(|b| to_vec(b.val()))
        .unwrap_or_else(|| vec![0.0; d_out]);
    crate::mlp::Dense {
        d_in,
        d_out,
        weight: to_vec(w),
        bias,
    }
}

/// Progress sent from the training thread to the caller's.
enum Event {
    Batch(usize, u64, u64, f64),
    Epoch(EpochReport),
}

/// Forwards observer calls over a channel (observers need not be `Send`).
struct Forward(Sender<Event>);
impl FitObserver for Forward {
    fn on_epoch(&mut self, r: &EpochReport) {
        let _ = self.0.send(Event::Epoch(r.clone()));
    }
    fn on_batch(&mut self, epoch: usize, done: u64, total: u64, loss: f64) {
        let _ = self.0.send(Event::Batch(epoch, done, total, loss));
    }
}

/// Runs `f` on a worker of a private rayon pool of `threads` threads (0 = one per core; burn
/// parallelises through the pool it runs in), handing its progress to `obs` on this thread.
pub fn run_observed<T: Send>(
    threads: usize,
    obs: &mut dyn FitObserver,
    f: impl FnOnce(&mut dyn FitObserver) -> T + Send,
) -> Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| NeuralError::ThreadPool(e.to_string()))?;
    let (tx, rx) = channel();
    let mut out = None;
    pool.in_place_scope(|s| {
        let out = &mut out;
        s.spawn(move |_| {
            let mut fwd = Forward(tx);
            *out = Some(f(&mut fwd));
        });
        // ends when the worker drops its sender
        for ev in rx.iter() {
            match ev {
                Event::Batch(e, d, t, l) => obs.on_batch(e, d, t, l),
                Event::Epoch(r) => obs.on_epoch(&r),
            }
        }
    });
    out.ok_or_else(|| NeuralError::ThreadPool("the training thread ended early".into()))
}
