//! [`Configurable`]: a model built from a serde parameter struct. Every model crate implements
//! it for its models; the engine's registry turns a name and JSON parameters into one.

use crate::Recommender;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A model that can be built from a serde parameter struct.
pub trait Configurable: Recommender + Sized + 'static {
    /// The parameters; missing fields take their defaults.
    type Params: Serialize + DeserializeOwned + Default;
    /// Builds an unfitted model, rejecting out-of-range values with
    /// [`crate::CoreError::InvalidParam`].
    fn from_params(params: Self::Params) -> crate::Result<Self>;
}
