//! [`Shape`]: the catalogue sizes and rating scale a model was fitted on, kept in its state,
//! with the argument checks that turn out-of-range users, movies and score buffers into typed
//! errors. The classical and the neural models both wrap it (each keeps its own wording of
//! the corrupt-state and buffer-length messages).

use crate::state::{StateReader, StateWriter};
use crate::{CoreError, Dataset, ItemIdx, Result, UserRef};

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
    /// The shape of `data`, its rating scale as the dataset states it.
    pub fn of(data: &Dataset) -> Self {
        Shape {
            n_users: data.n_users(),
            n_items: data.n_items(),
            scale: data.rating_scale(),
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
            UserRef::Updated { user, profile, .. } => {
                self.check_user(UserRef::Known(user))?;
                self.check_user(UserRef::Profile(profile))
            }
        }
    }

    /// The movie must be in range.
    pub fn check_item(&self, item: ItemIdx) -> Result<()> {
        if item.ix() >= self.n_items {
            return Err(CoreError::UnknownItem(item.to_string()));
        }
        Ok(())
    }

    /// A score buffer must have one entry per movie; the error calls the movies `noun`.
    pub fn check_len(&self, out: &[f32], noun: &str) -> Result<()> {
        if out.len() != self.n_items {
            return Err(CoreError::Mismatch(format!(
                "score buffer has {} entries, the model has {} {noun}",
                out.len(),
                self.n_items
            )));
        }
        Ok(())
    }

    /// Appends the shape to model state.
    pub fn write(&self, w: &mut StateWriter) {
        w.u64(self.n_users as u64);
        w.u64(self.n_items as u64);
        w.f32(self.scale.0);
        w.f32(self.scale.1);
    }

    /// Reads a shape written by [`Shape::write`]. Sizes above `u32::MAX` or a scale that is not
    /// finite and ordered are corrupt state, reported with the message `corrupt` makes of the
    /// raw sizes and scale.
    pub fn read_or(
        r: &mut StateReader<'_>,
        corrupt: impl FnOnce(u64, u64, (f32, f32)) -> String,
    ) -> Result<Self> {
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
            _ => Err(CoreError::Corrupt(corrupt(n_users, n_items, scale))),
        }
    }
}
