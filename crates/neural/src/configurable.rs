//! [`cinerec_core::Configurable`] for the neural models: their parameter structs and
//! constructors, so the engine's registry builds them by name like every other model.

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
    TwoTower => TwoTowerParams,
    Features => FeaturesParams,
    Autoencoder => AutoencoderParams,
    AutoRec => AutoRecParams,
}
