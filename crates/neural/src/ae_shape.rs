//! The fitted shape both autoencoders keep in their state (catalogue sizes and rating scale),
//! with the argument checks that turn bad input into typed errors, and the small vector
//! helpers their burn-free scoring shares (dot product, cosine over rows).

use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, Dataset, ItemIdx, Result, UserRef};

/// Catalogue sizes and rating scale of the data a model was fitted on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Catalogue users.
    pub n_users: usize,
    /// Catalogue movies.
    pub n_items: usize,
    /// Rating scale (low, high).
    pub scale: (f32, f32),
}

impl Shape {
    /// The shape of `data`.
    pub fn of(data: &Dataset) -> Self {
        let (lo, hi) = data.rating_scale();
        Shape {
            n_users: data.n_users(),
            n_items: data.n_items(),
            scale: (lo.min(hi), hi.max(lo)),
        }
    }

    /// A known user must be in range; a profile's movies must be.
    pub fn check_user(&self, user: UserRef<'_>) -> Result<()> {
        match user {
            UserRef::Known(u) if u.ix() >= self.n_users => {
                Err(CoreError::UnknownUser(u.to_string()))
            }
            UserRef::Known(_) => Ok(()),
            UserRef::Profile(p) => p.iter().try_for_each(|&(i, _)| self.check_item(i)),
        }
    }

    /// The movie must be in range.
    pub fn check_item(&self, item: ItemIdx) -> Result<()> {
        if item.ix() >= self.n_items {
            return Err(CoreError::UnknownItem(item.to_string()));
        }
        Ok(())
    }

    /// A score buffer must have one entry per movie.
    pub fn check_out(&self, out: &[f32]) -> Result<()> {
        if out.len() != self.n_items {
            return Err(CoreError::Mismatch(format!(
                "score buffer has {} entries, the model has {} movies",
                out.len(),
                self.n_items
            )));
        }
        Ok(())
    }

    /// `v` clipped to the rating scale (the scale's middle for a non-finite `v`).
    pub fn clip(&self, v: f32) -> f32 {
        if v.is_finite() {
            v.clamp(self.scale.0, self.scale.1)
        } else {
            (self.scale.0 + self.scale.1) / 2.0
        }
    }

    /// Appends the shape to model state.
    pub fn write(&self, w: &mut StateWriter) {
        w.u64(self.n_users as u64);
        w.u64(self.n_items as u64);
        w.f32(self.scale.0);
        w.f32(self.scale.1);
    }

    /// Reads a shape written by [`Shape::write`].
    pub fn read(r: &mut StateReader<'_>) -> Result<Self> {
        let n_users = r.u64()? as usize;
        let n_items = r.u64()? as usize;
        let scale = (r.f32()?, r.f32()?);
        if n_users > u32::MAX as usize
            || n_items > u32::MAX as usize
            || !(scale.0.is_finite() && scale.1.is_finite() && scale.0 <= scale.1)
        {
            return Err(CoreError::Corrupt("autoencoder shape".into()));
        }
        Ok(Shape {
            n_users,
            n_items,
            scale,
        })
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

/// The blob of a state written by [`wrap`] with `tag`.
pub fn unwrap<'a>(bytes: &'a [u8], tag: &[u8]) -> Result<&'a [u8]> {
    let mut r = StateReader::new(bytes, tag)?;
    let inner = r.bytes()?;
    r.finish()?;
    Ok(inner)
}
