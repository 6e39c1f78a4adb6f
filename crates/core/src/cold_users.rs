//! Users added after a model was fitted. A store's catalogue keeps the users a model was
//! fitted on first and appends the ones created since (`order_in_batches` in
//! [`crate::ids`]), so after a restart a registered model still knows its users by their
//! inner ids; the ones after them are new to it. [`ColdUsers`] serves such a catalogue:
//! a new user is answered from their ratings, as a profile the model folds in
//! ([`UserRef::Profile`]), exactly as the server answered them before the restart (from
//! its live overlay); everything else goes to the model unchanged.

use crate::{CoreError, FitObserver};
use crate::{Dataset, ItemIdx, Recommender, Result, UserIdx, UserMeta, UserRef};
use std::sync::Arc;

/// A model fitted on the first `fitted` users of a catalogue that now has more: the later
/// users are folded in from their ratings (see the module docs).
pub struct ColdUsers {
    base: Arc<dyn Recommender>,
    fitted: usize,
    /// The ratings of users `fitted..`, in the data the wrapper was built on.
    profiles: Vec<Vec<(ItemIdx, f32)>>,
}

impl std::fmt::Debug for ColdUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ColdUsers")
            .field("model", &self.base.name())
            .field("fitted", &self.fitted)
            .field("new_users", &self.profiles.len())
            .finish()
    }
}

impl ColdUsers {
    /// `base`, fitted on the first `fitted` users of `data`'s catalogue, serving all of them.
    pub fn new(base: Arc<dyn Recommender>, fitted: usize, data: &Dataset) -> Self {
        let profiles = (fitted..data.n_users())
            .map(|u| {
                let (items, values) = data.user_ratings(UserIdx(u as u32));
                items
                    .iter()
                    .zip(values)
                    .map(|(&i, &v)| (ItemIdx(i), v))
                    .collect()
            })
            .collect();
        ColdUsers {
            base,
            fitted,
            profiles,
        }
    }

    /// The wrapped model.
    pub fn base(&self) -> &Arc<dyn Recommender> {
        &self.base
    }

    /// `user` as the model knows it: a user after the fitted ones becomes their profile.
    fn known<'a>(&'a self, user: UserRef<'a>) -> UserRef<'a> {
        match user {
            UserRef::Known(u) if u.ix() >= self.fitted => {
                match self.profiles.get(u.ix() - self.fitted) {
                    Some(p) => UserRef::Profile(p),
                    // Past the catalogue: the model reports the unknown user.
                    None => user,
                }
            }
            UserRef::Updated {
                user: u, profile, ..
            } if u.ix() >= self.fitted => UserRef::Profile(profile),
            other => other,
        }
    }
}

/// `model` fitted on the first `fitted` users of `data`, made to serve all of them
/// (unchanged when no user was added).
pub fn serve_new_users(
    model: Arc<dyn Recommender>,
    fitted: usize,
    data: &Dataset,
) -> Arc<dyn Recommender> {
    if fitted >= data.n_users() {
        return model;
    }
    Arc::new(ColdUsers::new(model, fitted, data))
}

impl Recommender for ColdUsers {
    fn name(&self) -> &'static str {
        self.base.name()
    }

    fn params(&self) -> serde_json::Value {
        self.base.params()
    }

    fn fit(&mut self, _data: &Dataset, _observer: &mut dyn FitObserver) -> Result<()> {
        Err(CoreError::Unsupported {
            model: self.base.name(),
            what: "refitting a model served to users added since its fit (fit a new one)",
        })
    }

    fn data_needs(&self) -> crate::Keep {
        self.base.data_needs()
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        self.base.predict(self.known(user), item)
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        self.base.score_all(self.known(user), out)
    }

    fn score_all_with_meta(
        &self,
        user: UserRef<'_>,
        meta: Option<&UserMeta>,
        out: &mut [f32],
    ) -> Result<()> {
        self.base.score_all_with_meta(self.known(user), meta, out)
    }

    fn dot_query(&self, user: UserRef<'_>) -> Option<Result<crate::quantized::DotQuery<'_>>> {
        self.base.dot_query(self.known(user))
    }

    fn uses_demographics(&self) -> bool {
        self.base.uses_demographics()
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        self.base.item_similarities(item, out)
    }

    fn embeds_new_items(&self) -> bool {
        false
    }

    fn fit_report(&self) -> Option<serde_json::Value> {
        self.base.fit_report()
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        Err(CoreError::Unsupported {
            model: self.base.name(),
            what: "saving a model served to users added since its fit (save the model as fitted)",
        })
    }

    fn load_state(&mut self, _bytes: &[u8]) -> Result<()> {
        Err(CoreError::Unsupported {
            model: self.base.name(),
            what: "loading state into a model served to users added since its fit",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn added_users_are_answered_as_their_profiles() {
        // A "model" scoring each movie by the user's rating of it, that knows users by
        // inner id only below its second field (the ones it was "fitted" on).
        struct Sum(Dataset, usize);
        impl Recommender for Sum {
            fn name(&self) -> &'static str {
                "sum"
            }
            fn params(&self) -> serde_json::Value {
                serde_json::Value::Null
            }
            fn fit(&mut self, _: &Dataset, _: &mut dyn FitObserver) -> Result<()> {
                Ok(())
            }
            fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
                let mut s = vec![0.0; self.0.n_items()];
                self.score_all(user, &mut s)?;
                Ok(s[item.ix()])
            }
            fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
                out.fill(0.0);
                if let UserRef::Known(u) | UserRef::Updated { user: u, .. } = user {
                    if u.ix() >= self.1 {
                        return Err(CoreError::UnknownUser(u.to_string()));
                    }
                }
                for (i, v) in crate::user_profile(&self.0, user)? {
                    out[i.ix()] += v;
                }
                Ok(())
            }
            fn save_state(&self) -> Result<Vec<u8>> {
                Ok(Vec::new())
            }
            fn load_state(&mut self, _: &[u8]) -> Result<()> {
                Ok(())
            }
        }
        let data = fixtures::synthetic(7);
        let fitted = 8;
        let m = ColdUsers::new(Arc::new(Sum(data.clone(), fitted)), fitted, &data);
        let all = Sum(data.clone(), data.n_users());
        let mut got = vec![0.0; data.n_items()];
        let mut want = vec![0.0; data.n_items()];
        for u in 0..data.n_users() {
            let u = UserIdx(u as u32);
            m.score_all(UserRef::Known(u), &mut got).unwrap();
            all.score_all(UserRef::Known(u), &mut want).unwrap();
            assert_eq!(got, want, "user {u}");
        }
        // An update of an added user is answered from its whole profile.
        let p = [(ItemIdx(3), 5.0)];
        let upd = UserRef::Updated {
            user: UserIdx(10),
            profile: &p,
            new: &p,
        };
        m.score_all(upd, &mut got).unwrap();
        assert_eq!(got[3], 5.0);
        // Past the catalogue stays an unknown user.
        assert!(matches!(
            m.score_all(UserRef::Known(UserIdx(99)), &mut got),
            Err(CoreError::UnknownUser(_))
        ));
    }
}
