//! The burn side of the rating autoencoders: a stack of dense layers ([`AeNet`]) described
//! by a [`NetSpec`] (widths, activations, and whether the output is a sigmoid scaled to the
//! rating range), its forward pass on a densified mini-batch, the L2 penalty on its weights,
//! and the copy of trained weights into a burn-free [`Mlp`].

use crate::backend::{dense_of, linear};
use crate::mlp::{Activation, Mlp};
use burn::module::Module;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};
use cinerec_core::Rng;

/// Shape of an autoencoder network.
#[derive(Debug, Clone, PartialEq)]
pub struct NetSpec {
    /// Input width (rating columns, then side features).
    pub d_in: usize,
    /// Each layer's output width and activation, input side first; the last is the output.
    pub layers: Vec<(usize, Activation)>,
    /// `Some((lo, hi))`: the output is `lo + (hi − lo) · sigmoid(z)` (the last layer's
    /// activation must then be [`Activation::Sigmoid`]).
    pub output_range: Option<(f32, f32)>,
}

impl NetSpec {
    /// Output width.
    pub fn d_out(&self) -> usize {
        self.layers.last().map_or(self.d_in, |l| l.0)
    }
}

/// The trainable layers (activations live in the [`NetSpec`]).
#[derive(Module, Debug)]
pub struct AeNet {
    layers: Vec<Linear>,
}

fn activate(x: Tensor<2>, a: Activation) -> Tensor<2> {
    match a {
        Activation::Identity => x,
        Activation::Relu => relu(x),
        Activation::Sigmoid => sigmoid(x),
    }
}

impl AeNet {
    /// A network of `spec`'s shape with Glorot-uniform weights drawn from `rng`, zero biases.
    pub fn new(spec: &NetSpec, rng: &mut Rng, dev: &Device) -> Self {
        let mut d = spec.d_in;
        let layers = spec
            .layers
            .iter()
            .map(|&(w, _)| {
                let l = linear(rng, d, w, dev);
                d = w;
                l
            })
            .collect();
        AeNet { layers }
    }

    /// The network's output for a `batch × d_in` input (scaled to the rating range when the
    /// spec says so).
    pub fn forward(&self, spec: &NetSpec, x: Tensor<2>) -> Tensor<2> {
        let mut h = x;
        for (l, &(_, a)) in self.layers.iter().zip(&spec.layers) {
            h = activate(l.forward(h), a);
        }
        match spec.output_range {
            Some((lo, hi)) => h.mul_scalar(hi - lo).add_scalar(lo),
            None => h,
        }
    }

    /// Sum of the squared weights of every layer (biases are not penalised).
    pub fn squared_weights(&self) -> Tensor<1> {
        let mut total: Option<Tensor<1>> = None;
        for l in &self.layers {
            let s = l.weight.val().square().sum();
            total = Some(match total {
                Some(t) => t + s,
                None => s,
            });
        }
        total.expect("an autoencoder has at least one layer")
    }

    /// The trained weights as a burn-free network (without the output scaling, which the
    /// models apply themselves).
    pub fn export(&self, spec: &NetSpec) -> Mlp {
        Mlp {
            layers: self
                .layers
                .iter()
                .zip(&spec.layers)
                .map(|(l, &(_, a))| (dense_of(l), a))
                .collect(),
        }
    }
}
