//! Small helpers shared by the models: argument checks that turn bad input into typed
//! errors, the fitted-shape record, and a stateless 64-bit mixer for seeded hashing.

use cinerec_core::{CoreError, Dataset, ItemIdx, Result, UserRef};

/// Shape of the data a model was fitted on, kept in its state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Shape {
    /// Catalogue users.
    pub n_users: usize,
    /// Catalogue items.
    pub n_items: usize,
    /// Rating scale (low, high).
    pub scale: (f32, f32),
}

impl Shape {
    /// Shape of a dataset.
    pub fn of(data: &Dataset) -> Self {
        Shape {
            n_users: data.n_users(),
            n_items: data.n_items(),
            scale: data.rating_scale(),
        }
    }

    /// Checks a user reference: a known user must be in range, profile items must be too.
    pub fn check_user(&self, user: UserRef<'_>) -> Result<()> {
        match user {
            UserRef::Known(u) if u.ix() >= self.n_users => {
                Err(CoreError::UnknownUser(u.to_string()))
            }
            UserRef::Known(_) => Ok(()),
            UserRef::Profile(p) => p.iter().try_for_each(|&(i, _)| self.check_item(i)),
        }
    }

    /// Checks an item index.
    pub fn check_item(&self, item: ItemIdx) -> Result<()> {
        if item.ix() >= self.n_items {
            return Err(CoreError::UnknownItem(item.to_string()));
        }
        Ok(())
    }

    /// Checks the length of a `score_all` output buffer.
    pub fn check_out(&self, out: &[f32]) -> Result<()> {
        if out.len() != self.n_items {
            return Err(CoreError::Mismatch(format!(
                "score buffer has {} entries, the model has {} items",
                out.len(),
                self.n_items
            )));
        }
        Ok(())
    }

    /// Clips a value to the rating scale.
    pub fn clip(&self, v: f64) -> f32 {
        (v as f32).clamp(self.scale.0, self.scale.1)
    }

    /// The middle of the rating scale, used as the mean when there is no rating at all.
    pub fn mid(&self) -> f64 {
        (self.scale.0 as f64 + self.scale.1 as f64) / 2.0
    }

    /// Writes the shape into a state.
    pub fn write(&self, w: &mut crate::state::StateWriter) {
        w.u64(self.n_users as u64);
        w.u64(self.n_items as u64);
        w.f32(self.scale.0);
        w.f32(self.scale.1);
    }

    /// Reads a shape written by [`Shape::write`].
    pub fn read(r: &mut crate::state::StateReader<'_>) -> Result<Self> {
        let n_users = r.u64()?;
        let n_items = r.u64()?;
        let scale = (r.f32()?, r.f32()?);
        let ok = |n: u64| usize::try_from(n).ok().filter(|&n| n <= u32::MAX as usize);
        match (ok(n_users), ok(n_items)) {
            (Some(n_users), Some(n_items))
                if scale.0.is_finite() && scale.1.is_finite() && scale.0 <= scale.1 =>
            {
                Ok(Shape {
                    n_users,
                    n_items,
                    scale,
                })
            }
            _ => Err(CoreError::Corrupt(format!(
                "bad shape {n_users} users, {n_items} items, scale {scale:?}"
            ))),
        }
    }
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
        UserRef::Profile(p) => p.iter().fold(mix64(2, p.len() as u64), |h, &(i, v)| {
            mix64(mix64(h, i.0 as u64), v.to_bits() as u64)
        }),
    }
}
