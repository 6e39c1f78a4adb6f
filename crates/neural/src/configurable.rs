//! [`cinerec_core::Configurable`] for the neural models: their parameter structs, constructors
//! and named presets (the two-tower's `reference`), so the engine's registry builds them by
//! name like every other model.

use crate::{
    AutoRec, AutoRecParams, Autoencoder, AutoencoderParams, Features, FeaturesParams, TwoTower,
    TwoTowerParams,
};
use cinerec_core::Configurable;

macro_rules! configurable {
    ($($model:ty => $params:ty),* $(,)?) => {$(
        impl Configurable for $model {
            type Params = $params;
            fn from_params(p: $params) -> cinerec_core::Result<Self> {
                <$model>::new(p).map_err(Into::into)
            }
        }
    )*};
}

configurable! {
    Features => FeaturesParams,
}

/// `Configurable` with one `reference` preset: the defaults with `$field` set to `$value`.
macro_rules! with_reference {
    ($model:ty => $params:ty, $doc:literal, $($field:ident: $value:expr),+) => {
        impl Configurable for $model {
            type Params = $params;
            fn from_params(p: $params) -> cinerec_core::Result<Self> {
                <$model>::new(p).map_err(Into::into)
            }
            fn presets() -> &'static [&'static str] {
                &["reference"]
            }
            #[doc = $doc]
            fn preset(name: &str) -> Option<$params> {
                if name != "reference" {
                    return None;
                }
                let mut p = <$params>::default();
                $(p.$field = $value;)+
                Some(p)
            }
        }
    };
}

with_reference!(Autoencoder => AutoencoderParams,
    "`reference`: the references' network over raw ratings with a sigmoid output.",
    residual: false);
with_reference!(AutoRec => AutoRecParams,
    "`reference`: the paper's network over raw ratings (as tuned before `target` existed).",
    target: crate::autorec::Target::Raw);

impl Configurable for TwoTower {
    type Params = TwoTowerParams;

    fn from_params(p: TwoTowerParams) -> cinerec_core::Result<Self> {
        TwoTower::new(p).map_err(Into::into)
    }

    fn presets() -> &'static [&'static str] {
        &["reference"]
    }

    fn preset(name: &str) -> Option<TwoTowerParams> {
        match name {
            "reference" => Some(TwoTowerParams::reference()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twotower_reference_preset_is_the_reference_configuration() {
        let r = TwoTower::preset("reference").expect("the reference preset exists");
        assert_eq!(r, TwoTowerParams::reference());
        assert_eq!(r.embedding_dim, 64);
        assert_eq!(r.hidden, vec![256, 128]);
        assert_eq!(r.negatives, 0);
        assert!(!r.logq_correction && !r.output_bias_at_mean && !r.residual);
        assert!(TwoTowerParams::default().residual);
        assert_eq!((r.rating_weight, r.embedding_l2), (1.0, 0.0));
        assert_eq!((r.learning_rate, r.epochs, r.batch_size), (0.1, 15, 1000));
        assert_ne!(
            r,
            TwoTowerParams::default(),
            "the default is the tuned configuration"
        );
        assert!(TwoTower::preset("nope").is_none());
        assert_eq!(TwoTower::presets(), &["reference"]);
        assert!(Features::preset("reference").is_none() && Features::presets().is_empty());
        let a = AutoRec::preset("reference").expect("autorec reference");
        assert_eq!(a.target, crate::autorec::Target::Raw);
        assert_eq!(
            AutoRecParams::default().target,
            crate::autorec::Target::Auto
        );
        let e = Autoencoder::preset("reference").expect("autoencoder reference");
        assert!(!e.residual && AutoencoderParams::default().residual);
        assert!(Autoencoder::preset("other").is_none());
    }
}
