//! The contract suite must catch broken models, or it proves nothing: each check is run on
//! a model with one planted defect and must fail, and on the sound model and must pass.

use cinerec_core::{Dataset, FitObserver, ItemIdx, Recommender, UserRef};
use cinerec_engine::testing::*;
use cinerec_models::Popularity;
use std::sync::atomic::{AtomicU32, Ordering};

/// Shared across instances, so two fits drift apart.
static DRIFT: AtomicU32 = AtomicU32::new(0);

/// Popularity with one defect switched on.
struct Broken {
    inner: Popularity,
    defect: u8,
}

impl Recommender for Broken {
    fn name(&self) -> &'static str {
        "broken"
    }
    fn params(&self) -> serde_json::Value {
        self.inner.params()
    }
    fn fit(&mut self, data: &Dataset, obs: &mut dyn FitObserver) -> cinerec_core::Result<()> {
        self.inner.fit(data, obs)
    }
    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> cinerec_core::Result<f32> {
        let p = self.inner.predict(user, item)?;
        Ok(match self.defect {
            0 => f32::NAN,
            1 => p + DRIFT.fetch_add(1, Ordering::Relaxed) as f32 * 1e-3,
            _ => p,
        })
    }
    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> cinerec_core::Result<()> {
        if self.defect == 2 {
            return Ok(()); // ignores the user, even an unknown one
        }
        self.inner.score_all(user, out)
    }
    fn save_state(&self) -> cinerec_core::Result<Vec<u8>> {
        self.inner.save_state()
    }
    fn load_state(&mut self, bytes: &[u8]) -> cinerec_core::Result<()> {
        if self.defect == 3 {
            return Ok(()); // pretends to load
        }
        self.inner.load_state(bytes)
    }
}

fn fails(check: fn(Make<'_>), defect: u8) -> bool {
    let make = move || -> Box<dyn Recommender> {
        Box::new(Broken {
            inner: Popularity::default(),
            defect,
        })
    };
    std::panic::catch_unwind(|| check(&make)).is_err()
}

#[test]
fn suite_catches_defects() {
    assert!(fails(check_finite_in_scale, 0), "NaN predictions");
    assert!(fails(check_deterministic, 1), "drifting predictions");
    assert!(fails(check_bad_input, 2), "unknown user accepted");
    assert!(fails(check_persistence, 3), "state not restored");
    assert!(!fails(check_model, 9), "a sound model passes");
}
