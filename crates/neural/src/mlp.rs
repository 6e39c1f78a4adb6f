//! Burn-free inference for trained networks: dense layers as plain row-major `f32` weights,
//! a stack of them with activations ([`Mlp`]), and their (de)serialisation into model state.
//! Serving and evaluation run on these, so a fitted neural model scores without burn.

use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, Result};

/// Element-wise activation after a dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// No activation.
    Identity,
    /// max(0, x).
    Relu,
    /// 1 / (1 + e^−x).
    Sigmoid,
}

impl Activation {
    fn code(self) -> u32 {
        match self {
            Activation::Identity => 0,
            Activation::Relu => 1,
            Activation::Sigmoid => 2,
        }
    }
    fn from_code(c: u32) -> Result<Self> {
        Ok(match c {
            0 => Activation::Identity,
            1 => Activation::Relu,
            2 => Activation::Sigmoid,
            _ => return Err(CoreError::Corrupt(format!("activation code {c}"))),
        })
    }
    /// Applies the activation in place.
    pub fn apply(self, x: &mut [f32]) {
        match self {
            Activation::Identity => {}
            Activation::Relu => x.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Sigmoid => x.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp())),
        }
    }
}

/// A dense layer `y = x W + b` with `W` stored row-major as `d_in × d_out` (burn's layout).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dense {
    /// Input width.
    pub d_in: usize,
    /// Output width.
    pub d_out: usize,
    /// `d_in × d_out` weights, row-major.
    pub weight: Vec<f32>,
    /// `d_out` biases.
    pub bias: Vec<f32>,
}

impl Dense {
    /// `out = x W + b` (`x.len() == d_in`, `out.len() == d_out`).
    pub fn forward_into(&self, x: &[f32], out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for (i, &xi) in x.iter().enumerate() {
            if xi == 0.0 {
                continue; // sparse inputs (rating vectors) skip whole rows
            }
            let row = &self.weight[i * self.d_out..(i + 1) * self.d_out];
            for (o, &w) in out.iter_mut().zip(row) {
                *o += xi * w;
            }
        }
    }

    /// `x W + b` for a sparse input given as `(index, value)` pairs.
    pub fn forward_sparse(&self, x: &[(usize, f32)], out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for &(i, xi) in x {
            let row = &self.weight[i * self.d_out..(i + 1) * self.d_out];
            for (o, &w) in out.iter_mut().zip(row) {
                *o += xi * w;
            }
        }
    }

    fn write(&self, w: &mut StateWriter) {
        w.u64(self.d_in as u64);
        w.u64(self.d_out as u64);
        w.f32s(&self.weight);
        w.f32s(&self.bias);
    }

    fn read(r: &mut StateReader<'_>) -> Result<Self> {
        let d_in = r.u64()? as usize;
        let d_out = r.u64()? as usize;
        let weight = r.f32s()?;
        let bias = r.f32s()?;
        if d_in.checked_mul(d_out) != Some(weight.len()) || bias.len() != d_out {
            return Err(CoreError::Corrupt(format!(
                "dense layer {d_in}×{d_out} with {} weights and {} biases",
                weight.len(),
                bias.len()
            )));
        }
        Ok(Dense {
            d_in,
            d_out,
            weight,
            bias,
        })
    }
}

/// A stack of dense layers, each followed by its activation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mlp {
    /// The layers, input first.
    pub layers: Vec<(Dense, Activation)>,
}

impl Mlp {
    /// Input width (0 when empty).
    pub fn d_in(&self) -> usize {
        self.layers.first().map_or(0, |l| l.0.d_in)
    }

    /// Output width (0 when empty).
    pub fn d_out(&self) -> usize {
        self.layers.last().map_or(0, |l| l.0.d_out)
    }

    /// The network's output for a dense input.
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut cur = x.to_vec();
        for (d, act) in &self.layers {
            let mut next = vec![0.0; d.d_out];
            d.forward_into(&cur, &mut next);
            act.apply(&mut next);
            cur = next;
        }
        cur
    }

    /// The network's output for a sparse input (`(index, value)` pairs into the first layer).
    pub fn forward_sparse(&self, x: &[(usize, f32)]) -> Vec<f32> {
        let Some(((first, act), rest)) = self.layers.split_first() else {
            return vec![];
        };
        let mut cur = vec![0.0; first.d_out];
        first.forward_sparse(x, &mut cur);
        act.apply(&mut cur);
        for (d, act) in rest {
            let mut next = vec![0.0; d.d_out];
            d.forward_into(&cur, &mut next);
            act.apply(&mut next);
            cur = next;
        }
        cur
    }

    /// Appends the network to model state.
    pub fn write(&self, w: &mut StateWriter) {
        w.u64(self.layers.len() as u64);
        for (d, act) in &self.layers {
            w.u32(act.code());
            d.write(w);
        }
    }

    /// Reads a network written by [`Mlp::write`], checking that consecutive widths match.
    pub fn read(r: &mut StateReader<'_>) -> Result<Self> {
        let n = r.u64()? as usize;
        if n > 64 {
            return Err(CoreError::Corrupt(format!("{n} layers")));
        }
        let mut layers: Vec<(Dense, Activation)> = Vec::with_capacity(n);
        for _ in 0..n {
            let act = Activation::from_code(r.u32()?)?;
            let d = Dense::read(r)?;
            if let Some((prev, _)) = layers.last() {
                if prev.d_out != d.d_in {
                    return Err(CoreError::Corrupt(format!(
                        "layer widths {} → {} do not chain",
                        prev.d_out, d.d_in
                    )));
                }
            }
            layers.push((d, act));
        }
        Ok(Mlp { layers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net() -> Mlp {
        Mlp {
            layers: vec![
                (
                    Dense {
                        d_in: 2,
                        d_out: 2,
                        weight: vec![1.0, -1.0, 2.0, 0.5],
                        bias: vec![0.0, 1.0],
                    },
                    Activation::Relu,
                ),
                (
                    Dense {
                        d_in: 2,
                        d_out: 1,
                        weight: vec![1.0, 1.0],
                        bias: vec![-0.5],
                    },
                    Activation::Identity,
                ),
            ],
        }
    }

    #[test]
    fn forward_matches_hand_computation_and_sparse_path() {
        // x = [1, 2]: layer 1 = [1+4, -1+1+1] = [5, 1]; relu; layer 2 = 5 + 1 - 0.5
        let m = net();
        assert_eq!(m.forward(&[1.0, 2.0]), vec![5.5]);
        assert_eq!(m.forward_sparse(&[(0, 1.0), (1, 2.0)]), vec![5.5]);
        // relu clips: x = [-1, 0] → [-1, 2] → [0, 2] → 1.5
        assert_eq!(m.forward(&[-1.0, 0.0]), vec![1.5]);
    }

    #[test]
    fn state_round_trips_and_rejects_broken_chains() {
        let m = net();
        let mut w = StateWriter::new(b"mlp/1");
        m.write(&mut w);
        let bytes = w.finish();
        let mut r = StateReader::new(&bytes, b"mlp/1").unwrap();
        assert_eq!(Mlp::read(&mut r).unwrap(), m);

        let mut bad = net();
        bad.layers[1].0.d_in = 3;
        bad.layers[1].0.weight = vec![1.0; 3];
        let mut w = StateWriter::new(b"mlp/1");
        bad.write(&mut w);
        let bytes = w.finish();
        let mut r = StateReader::new(&bytes, b"mlp/1").unwrap();
        assert!(Mlp::read(&mut r).is_err());
    }
}
