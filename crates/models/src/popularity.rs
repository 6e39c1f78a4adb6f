//! [`Popularity`]: ranks movies by how many training ratings they have (the peers'
//! `run_popularity.py`: score = train interaction count, ties → smaller id) and predicts a
//! movie's mean rating (the global mean for movies without ratings).

use crate::common::{mean, read_state, write_state, Shape};
use cinerec_core::Configurable;
use cinerec_core::{
    CoreError, Dataset, EpochReport, FitObserver, ItemIdx, Recommender, Result, UserRef,
};
use serde::{Deserialize, Serialize};

const TAG: &[u8] = b"popularity/1";

/// Parameters of [`Popularity`] (it has none; kept as a struct so the format is uniform).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PopularityParams {}

#[derive(Debug, Clone)]
struct Fitted {
    shape: Shape,
    global_mean: f64,
    counts: Vec<u32>,
    means: Vec<f64>,
}

/// Most-rated-first recommender; the same list for every user.
#[derive(Debug, Clone, Default)]
pub struct Popularity {
    params: PopularityParams,
    fitted: Option<Fitted>,
}

impl Popularity {
    cinerec_core::model_basics!(Popularity, PopularityParams, Fitted, "popularity");
}

impl Configurable for Popularity {
    type Params = PopularityParams;
    fn from_params(params: Self::Params) -> Result<Self> {
        Ok(Popularity::new(params))
    }
}

impl Recommender for Popularity {
    cinerec_core::name_and_params!("popularity");

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        let shape = Shape::of(data);
        let m = data.matrix();
        let global_mean = mean(m.values()).unwrap_or_else(|| shape.mid());
        let mut counts = Vec::with_capacity(shape.n_items);
        let mut means = Vec::with_capacity(shape.n_items);
        let mut sq_err = 0.0;
        for i in 0..shape.n_items as u32 {
            let (_, pos) = m.item_col(ItemIdx(i));
            let vals: Vec<f32> = pos.iter().map(|&p| m.value_at(p)).collect();
            let mu = mean(&vals).unwrap_or(global_mean);
            sq_err += vals.iter().map(|&v| (v as f64 - mu).powi(2)).sum::<f64>();
            counts.push(vals.len() as u32);
            means.push(mu);
        }
        let n = m.nnz().max(1) as f64;
        self.fitted = Some(Fitted {
            shape,
            global_mean,
            counts,
            means,
        });
        observer.on_epoch(&EpochReport {
            epoch: 1,
            epochs: 1,
            train_loss: sq_err / n,
            metrics: vec![("train_rmse".into(), (sq_err / n).sqrt())],
        });
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        let f = self.fitted()?;
        f.shape.check_user(user)?;
        f.shape.check_item(item)?;
        Ok(f.shape.clip(f.means[item.ix()]))
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_user(user)?;
        f.shape.check_out(out)?;
        for (o, &c) in out.iter_mut().zip(&f.counts) {
            *o = c as f32;
        }
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let f = self.fitted()?;
        Ok(write_state(TAG, &f.shape, |w| {
            w.f64(f.global_mean);
            w.u32s(&f.counts);
            w.f64s(&f.means);
        }))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let f = read_state(bytes, TAG, |r, shape| {
            let global_mean = r.f64()?;
            let counts = r.u32s()?;
            if counts.len() != shape.n_items {
                return Err(CoreError::Corrupt(format!(
                    "popularity: {} counts for {} items",
                    counts.len(),
                    shape.n_items
                )));
            }
            let means = r.f64s_len(shape.n_items, "popularity item means")?;
            Ok(Fitted {
                shape,
                global_mean,
                counts,
                means,
            })
        })?;
        self.fitted = Some(f);
        Ok(())
    }
}
