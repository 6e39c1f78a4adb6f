//! Movies added after a model was fitted. A running service appends new movies to its
//! catalogue ([`crate::Catalog::add_item`], [`crate::Dataset::with_catalog`]); every inner id
//! it had keeps its meaning, so a fitted model still answers for the movies it knows. What it
//! does with the new ones depends on the model:
//! - a model with a content side ([`Recommender::embeds_new_items`]) takes them in with
//!   [`Recommender::add_items`]: it embeds them from their metadata, without retraining;
//! - any other model is wrapped in [`ColdItems`]: the new movies are *cold* for it — never
//!   recommended by it (score −∞), no similarity evidence (0), no rating prediction
//!   ([`CoreError::ColdItem`]) — and ratings of them are left out of the profiles it is
//!   asked about, until the next training.
//!
//! [`grow_box`] picks between the two for a model the caller owns.

use crate::{CoreError, Dataset, FitObserver, ItemIdx, Recommender, Result, UserRef};
use std::sync::Arc;

/// A model fitted on the first `fitted` movies of a catalogue that has since grown to
/// `n_items`: the new movies are cold for it (see the module docs).
pub struct ColdItems {
    base: Arc<dyn Recommender>,
    fitted: usize,
    n_items: usize,
}

impl std::fmt::Debug for ColdItems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ColdItems")
            .field("model", &self.base.name())
            .field("fitted", &self.fitted)
            .field("n_items", &self.n_items)
            .finish()
    }
}

impl ColdItems {
    /// `base`, fitted on `fitted` movies, serving a catalogue of `n_items ≥ fitted` movies.
    pub fn new(base: Arc<dyn Recommender>, fitted: usize, n_items: usize) -> Self {
        ColdItems {
            base,
            fitted,
            n_items: n_items.max(fitted),
        }
    }

    /// The wrapped model.
    pub fn base(&self) -> &Arc<dyn Recommender> {
        &self.base
    }
}

/// The profile without the movies at or after `fitted`.
fn known_part(p: &[(ItemIdx, f32)], fitted: usize) -> Vec<(ItemIdx, f32)> {
    p.iter().copied().filter(|r| r.0.ix() < fitted).collect()
}

/// Calls `f` with `user` as a model fitted on `fitted` movies may be asked about: ratings of
/// later movies left out (a trained user whose only new ratings are of such movies is then
/// `Known` again).
pub fn without_new_items<R>(
    user: UserRef<'_>,
    fitted: usize,
    f: impl FnOnce(UserRef<'_>) -> R,
) -> R {
    let old = |p: &[(ItemIdx, f32)]| p.iter().all(|r| r.0.ix() < fitted);
    match user {
        UserRef::Known(_) => f(user),
        UserRef::Profile(p) if old(p) => f(user),
        UserRef::Updated { profile, .. } if old(profile) => f(user),
        UserRef::Profile(p) => f(UserRef::Profile(&known_part(p, fitted))),
        UserRef::Updated { user, profile, new } => {
            let (profile, new) = (known_part(profile, fitted), known_part(new, fitted));
            if new.is_empty() {
                f(UserRef::Known(user))
            } else {
                f(UserRef::Updated {
                    user,
                    profile: &profile,
                    new: &new,
                })
            }
        }
    }
}

impl ColdItems {
    fn check_len(&self, out: &[f32]) -> Result<()> {
        if out.len() != self.n_items {
            return Err(CoreError::Mismatch(format!(
                "score buffer has {} entries, the catalogue has {} movies",
                out.len(),
                self.n_items
            )));
        }
        Ok(())
    }

    fn check_item(&self, item: ItemIdx) -> Result<bool> {
        if item.ix() >= self.n_items {
            return Err(CoreError::UnknownItem(item.to_string()));
        }
        Ok(item.ix() >= self.fitted)
    }
}

impl Recommender for ColdItems {
    fn name(&self) -> &'static str {
        self.base.name()
    }

    fn params(&self) -> serde_json::Value {
        self.base.params()
    }

    fn fit(&mut self, _data: &Dataset, _observer: &mut dyn FitObserver) -> Result<()> {
        Err(CoreError::Unsupported {
            model: self.base.name(),
            what:
                "refitting a model served over a grown catalogue (fit a new one on the grown data)",
        })
    }

    fn data_needs(&self) -> crate::Keep {
        self.base.data_needs()
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        if self.check_item(item)? {
            // The user is still checked, so an unknown user stays an unknown user.
            without_new_items(user, self.fitted, |u| {
                self.base.predict(u, ItemIdx(0)).map(drop)
            })?;
            return Err(CoreError::ColdItem(item.to_string()));
        }
        without_new_items(user, self.fitted, |u| self.base.predict(u, item))
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        self.check_len(out)?;
        let (known, new) = out.split_at_mut(self.fitted);
        without_new_items(user, self.fitted, |u| self.base.score_all(u, known))?;
        new.fill(f32::NEG_INFINITY);
        Ok(())
    }

    fn score_all_with_meta(
        &self,
        user: UserRef<'_>,
        meta: Option<&crate::UserMeta>,
        out: &mut [f32],
    ) -> Result<()> {
        self.check_len(out)?;
        let (known, new) = out.split_at_mut(self.fitted);
        without_new_items(user, self.fitted, |u| {
            self.base.score_all_with_meta(u, meta, known)
        })?;
        new.fill(f32::NEG_INFINITY);
        Ok(())
    }

    fn uses_demographics(&self) -> bool {
        self.base.uses_demographics()
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        self.check_len(out)?;
        if self.check_item(item)? {
            return Err(CoreError::ColdItem(item.to_string()));
        }
        let (known, new) = out.split_at_mut(self.fitted);
        self.base.item_similarities(item, known)?;
        new.fill(0.0);
        Ok(())
    }

    fn fit_report(&self) -> Option<serde_json::Value> {
        self.base.fit_report()
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        Err(CoreError::Unsupported {
            model: self.base.name(),
            what: "saving a model served over a grown catalogue (save the model as fitted)",
        })
    }

    fn load_state(&mut self, _bytes: &[u8]) -> Result<()> {
        Err(CoreError::Unsupported {
            model: self.base.name(),
            what: "loading state into a model served over a grown catalogue",
        })
    }
}

/// `model`, fitted on the first `fitted` movies of `data`'s catalogue, made to serve all of
/// them: it takes the new movies in itself when it embeds new movies, else it is wrapped in
/// [`ColdItems`]. Unchanged when nothing was added.
pub fn grow_box(
    mut model: Box<dyn Recommender>,
    fitted: usize,
    data: &Dataset,
) -> Result<Box<dyn Recommender>> {
    let n = data.n_items();
    if n < fitted {
        return Err(CoreError::Mismatch(format!(
            "the model knows {fitted} movies, the catalogue only {n}"
        )));
    }
    if n == fitted {
        return Ok(model);
    }
    if model.embeds_new_items() {
        model.add_items(data)?;
        return Ok(model);
    }
    Ok(Box::new(ColdItems::new(Arc::from(model), fitted, n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn profiles_lose_new_movies_and_updated_users_with_only_new_movies_are_known() {
        let p = [(ItemIdx(1), 4.0), (ItemIdx(7), 5.0)];
        let n = [(ItemIdx(7), 5.0)];
        let seen = without_new_items(UserRef::Profile(&p), 5, |u| match u {
            UserRef::Profile(q) => q.to_vec(),
            _ => vec![],
        });
        assert_eq!(seen, vec![(ItemIdx(1), 4.0)]);
        let updated = UserRef::Updated {
            user: crate::UserIdx(3),
            profile: &p,
            new: &n,
        };
        let known = without_new_items(updated, 5, |u| {
            matches!(u, UserRef::Known(crate::UserIdx(3)))
        });
        assert!(known);
    }

    /// Scores movie `i` as `i`, predicts 3 for anyone; fitted on `n` movies.
    struct Ramp(usize);
    impl Recommender for Ramp {
        fn name(&self) -> &'static str {
            "ramp"
        }
        fn params(&self) -> serde_json::Value {
            serde_json::Value::Null
        }
        fn fit(&mut self, _: &Dataset, _: &mut dyn FitObserver) -> Result<()> {
            Ok(())
        }
        fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
            crate::shape::Shape {
                n_users: 25,
                n_items: self.0,
                scale: (1.0, 5.0),
            }
            .check_user(user)?;
            if item.ix() >= self.0 {
                return Err(CoreError::UnknownItem(item.to_string()));
            }
            Ok(3.0)
        }
        fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
            self.predict(user, ItemIdx(0))?;
            assert_eq!(out.len(), self.0);
            out.iter_mut().enumerate().for_each(|(i, o)| *o = i as f32);
            Ok(())
        }
        fn save_state(&self) -> Result<Vec<u8>> {
            Ok(vec![])
        }
        fn load_state(&mut self, _: &[u8]) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_grown_catalogue_keeps_old_scores_and_makes_new_movies_cold() {
        let data = fixtures::synthetic(3);
        let mut cat = (**data.catalog()).clone();
        let new = cat
            .add_item("brand-new", crate::ItemMeta::default())
            .expect("fresh id");
        assert!(cat
            .add_item("brand-new", crate::ItemMeta::default())
            .is_none());
        let grown = data.with_catalog(Arc::new(cat)).expect("appended");
        assert_eq!(grown.n_items(), data.n_items() + 1);
        assert_eq!(grown.n_ratings(), data.n_ratings());
        assert_eq!(grown.matrix().item_count(new), 0);
        let model: Box<dyn Recommender> = Box::new(Ramp(data.n_items()));
        let m = grow_box(model, data.n_items(), &grown).unwrap();
        let mut s = vec![0f32; grown.n_items()];
        m.score_all(UserRef::Known(crate::UserIdx(0)), &mut s)
            .unwrap();
        assert_eq!(
            s[..data.n_items()],
            (0..data.n_items()).map(|i| i as f32).collect::<Vec<_>>()[..]
        );
        assert_eq!(s[new.ix()], f32::NEG_INFINITY);
        assert!(matches!(
            m.predict(UserRef::Known(crate::UserIdx(0)), new),
            Err(CoreError::ColdItem(_))
        ));
        let rated_new = [(ItemIdx(0), 4.0), (new, 5.0)];
        assert!(m.score_all(UserRef::Profile(&rated_new), &mut s).is_ok());
        assert!(matches!(
            m.predict(UserRef::Known(crate::UserIdx(0)), ItemIdx(new.0 + 1)),
            Err(CoreError::UnknownItem(_))
        ));
        // A catalogue that is not this one with movies appended is refused.
        let other = fixtures::empty(3, 40);
        assert!(data.with_catalog(other.catalog().clone()).is_err());
    }
}
