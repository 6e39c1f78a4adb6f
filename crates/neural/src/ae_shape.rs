//! The fitted shape both autoencoders keep in their state (catalogue sizes and rating scale),
//! with the argument checks that turn bad input into typed errors, and the small vector
//! helpers their burn-free scoring shares (dot product, cosine over rows, the scaling of a
//! sigmoid output to the rating range).

use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, Dataset, Result};

pub use cinerec_core::shape::Shape;

/// The autoencoders' reading of the fitted [`Shape`]: an ordered scale, clipping with the
/// scale's middle for non-finite values, and their wording of the errors.
pub trait AeShape: Sized {
    /// The shape of `data`, its scale ordered (low, high).
    fn ordered_of(data: &Dataset) -> Self;
    /// A score buffer must have one entry per movie.
    fn check_out(&self, out: &[f32]) -> Result<()>;
    /// `v` clipped to the rating scale (the scale's middle for a non-finite `v`).
    fn clip(&self, v: f32) -> f32;
    /// Reads a shape written by [`Shape::write`].
    fn read(r: &mut StateReader<'_>) -> Result<Self>;
}

impl AeShape for Shape {
    fn ordered_of(data: &Dataset) -> Self {
        let (lo, hi) = data.rating_scale();
        Shape {
            n_users: data.n_users(),
            n_items: data.n_items(),
            scale: (lo.min(hi), hi.max(lo)),
        }
    }

    fn check_out(&self, out: &[f32]) -> Result<()> {
        self.check_len(out, "movies")
    }

    fn clip(&self, v: f32) -> f32 {
        if v.is_finite() {
            v.clamp(self.scale.0, self.scale.1)
        } else {
            (self.scale.0 + self.scale.1) / 2.0
        }
    }

    fn read(r: &mut StateReader<'_>) -> Result<Self> {
        Shape::read_or(r, |_, _, _| "autoencoder shape".into())
    }
}

/// Dot product.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Cosine of row `i` with every row of the row-major `rows × k` matrix `m`, after
/// subtracting `center` from every row (0 for zero rows).
pub fn centered_cosine(m: &[f32], k: usize, center: &[f32], i: usize, out: &mut [f32]) {
    let c = |r: usize| m[r * k..(r + 1) * k].iter().zip(center).map(|(x, c)| x - c);
    let a: Vec<f32> = c(i).collect();
    let na = dot(&a, &a).sqrt();
    for (r, o) in out.iter_mut().enumerate() {
        let (mut d, mut nb) = (0f32, 0f32);
        for (x, y) in c(r).zip(&a) {
            d += x * y;
            nb += x * x;
        }
        let den = na * nb.sqrt();
        *o = if den > 0.0 && den.is_finite() {
            d / den
        } else {
            0.0
        };
    }
}

/// `lo + (hi − lo) · v` for a sigmoid output `v` (identity without a range).
pub fn scale_output(v: f32, range: Option<(f32, f32)>) -> f32 {
    match range {
        Some((lo, hi)) => lo + (hi - lo) * v,
        None => v,
    }
}

/// Checks `ok` or reports `what` as corrupt state.
pub fn ensure(ok: bool, what: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(CoreError::Corrupt(what.to_string()))
    }
}

/// Model state as one length-prefixed blob after the tag. Loading checks the outer length
/// before parsing anything, so a truncated state is refused in O(1) instead of after parsing
/// every array before the cut (the contract suite tries every cut of a state of ~10⁵ floats).
pub fn wrap(tag: &[u8], inner: Vec<u8>) -> Vec<u8> {
    let mut w = StateWriter::new(tag);
    w.bytes(&inner);
    w.finish()
}

/// Which of `older` tags a state was written with, else `newest` (whose reader then
/// reports any mismatch).
pub fn tag_of<'t>(bytes: &[u8], older: &[&'t [u8]], newest: &'t [u8]) -> &'t [u8] {
    older
        .iter()
        .copied()
        .find(|t| StateReader::new(bytes, t).is_ok())
        .unwrap_or(newest)
}

/// The blob of a state written by [`wrap`] with `tag`.
pub fn unwrap<'a>(bytes: &'a [u8], tag: &[u8]) -> Result<&'a [u8]> {
    let mut r = StateReader::new(bytes, tag)?;
    let inner = r.bytes()?;
    r.finish()?;
    Ok(inner)
}
