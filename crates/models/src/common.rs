//! Small helpers shared by the models: argument checks that turn bad input into typed
//! errors, the fitted-shape record, the frame of a model state (tag, shape, body, nothing
//! after), and a stateless 64-bit mixer for seeded hashing.

use crate::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, Dataset, Result, UserRef};

/// Shape of the data a model was fitted on, kept in its state: [`cinerec_core::shape::Shape`]
/// (its checks and fields through `Deref`) with the classical models' clipping, scale middle,
/// and wording of the buffer-length and corrupt-state errors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Shape(cinerec_core::shape::Shape);

impl std::ops::Deref for Shape {
    type Target = cinerec_core::shape::Shape;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Shape {
    /// Shape of a dataset.
    pub fn of(data: &Dataset) -> Self {
        Shape(cinerec_core::shape::Shape::of(data))
    }

    /// Checks the length of a `score_all` output buffer.
    pub fn check_out(&self, out: &[f32]) -> Result<()> {
        self.0.check_len(out, "items")
    }

    /// Clips a value to the rating scale.
    pub fn clip(&self, v: f64) -> f32 {
        (v as f32).clamp(self.scale.0, self.scale.1)
    }

    /// The middle of the rating scale, used as the mean when there is no rating at all.
    pub fn mid(&self) -> f64 {
        (self.scale.0 as f64 + self.scale.1 as f64) / 2.0
    }

    /// For a ranking-only model's `predict`: checks `user` and `item` (bad input is reported
    /// as such first), then reports that `model` does not support `what`.
    pub fn no_prediction(
        &self,
        user: UserRef<'_>,
        item: cinerec_core::ItemIdx,
        model: &'static str,
        what: &'static str,
    ) -> Result<f32> {
        self.check_user(user)?;
        self.check_item(item)?;
        Err(CoreError::Unsupported { model, what })
    }

    /// The same shape over a catalogue grown to `n_items` movies (new movies appended).
    pub fn with_items(&self, n_items: usize) -> Self {
        Shape(cinerec_core::shape::Shape { n_items, ..self.0 })
    }

    /// Checks a profile as a user, then returns its items' indices, in order.
    pub fn profile_items(&self, profile: &[(cinerec_core::ItemIdx, f32)]) -> Result<Vec<u32>> {
        self.check_user(UserRef::Profile(profile))?;
        Ok(profile.iter().map(|p| p.0 .0).collect())
    }

    /// Reads a shape written by `Shape::write`.
    pub fn read(r: &mut crate::state::StateReader<'_>) -> Result<Self> {
        cinerec_core::shape::Shape::read_or(r, |n_users, n_items, scale| {
            format!("bad shape {n_users} users, {n_items} items, scale {scale:?}")
        })
        .map(Shape)
    }
}

/// A model state: `tag`, then `shape`, then what `body` writes.
pub(crate) fn write_state(
    tag: &[u8],
    shape: &Shape,
    body: impl FnOnce(&mut StateWriter),
) -> Vec<u8> {
    let mut w = StateWriter::new(tag);
    shape.write(&mut w);
    body(&mut w);
    w.finish()
}

/// Reads a state written by [`write_state`]: checks `tag`, reads the shape, lets `body` read
/// (and check) the rest, then checks that every byte was read.
pub(crate) fn read_state<T>(
    bytes: &[u8],
    tag: &[u8],
    body: impl FnOnce(&mut StateReader<'_>, Shape) -> Result<T>,
) -> Result<T> {
    let mut r = StateReader::new(bytes, tag)?;
    let shape = Shape::read(&mut r)?;
    let out = body(&mut r, shape)?;
    r.finish()?;
    Ok(out)
}

/// An invalid-parameter error naming the parameter and why.
pub(crate) fn bad<T>(name: &str, reason: &str) -> Result<T> {
    Err(CoreError::InvalidParam {
        name: name.into(),
        reason: reason.into(),
    })
}

/// Mean of the values, or `None` when empty (accumulated in `f64`).
pub(crate) fn mean(values: &[f32]) -> Option<f64> {
    (!values.is_empty())
        .then(|| values.iter().map(|&x| x as f64).sum::<f64>() / values.len() as f64)
}

/// SplitMix64's finaliser applied to `a` combined with `b`: a fast, well-mixed stateless hash.
pub(crate) fn mix64(a: u64, b: u64) -> u64 {
    let mut z = a ^ b
        .wrapping_add(0x9E37_79B9_7F4A_7C15)
        .wrapping_mul(0xD6E8_FEB8_6659_FD93);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable key for a user reference: the inner id for known users, a hash of the ratings for
/// profiles (so the same profile always gets the same key).
pub(crate) fn user_key(user: UserRef<'_>) -> u64 {
    match user {
        UserRef::Known(u) => mix64(1, u.0 as u64),
        UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
            p.iter().fold(mix64(2, p.len() as u64), |h, &(i, v)| {
                mix64(mix64(h, i.0 as u64), v.to_bits() as u64)
            })
        }
    }
}

/// The ratings of `profile` whose movie is not in `new` (for [`UserRef::Updated`]: what
/// training saw of the user, still in their profile).
pub(crate) fn without(
    profile: &[(cinerec_core::ItemIdx, f32)],
    new: &[(cinerec_core::ItemIdx, f32)],
) -> Vec<(cinerec_core::ItemIdx, f32)> {
    let mut fresh: Vec<u32> = new.iter().map(|&(i, _)| i.0).collect();
    fresh.sort_unstable();
    profile
        .iter()
        .filter(|(i, _)| fresh.binary_search(&i.0).is_err())
        .copied()
        .collect()
}
