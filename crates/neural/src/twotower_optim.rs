//! Adagrad as Keras (and so TensorFlow Recommenders) defines it, for burn: the accumulator
//! of squared gradients starts at `initial_accumulator` (Keras: 0.1), then
//! `w −= lr · g / (√acc + ε)` (Keras: ε = 1e-7). burn's own `AdaGrad` starts the accumulator at
//! the first squared gradient, which makes every parameter's first step ±lr whatever its
//! gradient; PyTorch's `Adagrad(initial_accumulator_value=…, eps=…)` is the same rule as this.

use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::prelude::*;

/// Per-parameter state: the accumulated squared gradients.
#[derive(Clone)]
pub(crate) struct Accumulator<const D: usize> {
    sum: Tensor<D>,
}

impl<const D: usize> RecordState for Accumulator<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "sum", self.sum.clone().into_data());
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(Accumulator {
            sum: Tensor::from_data(src.take_tensor(prefix, "sum")?, device),
        })
    }
}

/// Keras' Adagrad, with optional L2 weight decay added to the gradient.
#[derive(Clone, Debug)]
pub(crate) struct KerasAdagrad {
    pub initial_accumulator: f32,
    pub epsilon: f32,
    pub weight_decay: f32,
}

impl Optimizer for KerasAdagrad {
    type State<const D: usize> = Accumulator<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Accumulator<D>>,
    ) -> (Tensor<D>, Option<Accumulator<D>>) {
        let grad = if self.weight_decay > 0.0 {
            grad + tensor.clone().mul_scalar(self.weight_decay)
        } else {
            grad
        };
        let sum = match state {
            Some(s) => s.sum + grad.clone().square(),
            None => grad.clone().square().add_scalar(self.initial_accumulator),
        };
        let step = grad
            .div(sum.clone().sqrt().add_scalar(self.epsilon))
            .mul_scalar(lr);
        (tensor - step, Some(Accumulator { sum }))
    }

    fn to_device<const D: usize>(state: Accumulator<D>, device: &Device) -> Accumulator<D> {
        Accumulator {
            sum: state.sum.to_device(device),
        }
    }
}
