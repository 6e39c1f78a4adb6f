//! Registry glue for the neural models of `cinerec-neural` (two-tower, feature-based
//! embeddings, rating autoencoders): their parameter structs and constructors, so they are
//! built by name like every other model and pass the same contract suite.

use crate::registry::Configurable;
use cinerec_neural::{
    AutoRec, AutoRecParams, Autoencoder, AutoencoderParams, Features, FeaturesParams, TwoTower,
    TwoTowerParams,
};

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
