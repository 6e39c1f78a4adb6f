//! [`Configurable`]: a model built from a serde parameter struct. Every model crate implements
//! it for its models; the engine's registry turns a name and JSON parameters (or the name of
//! one of the model's presets) into one.

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

    /// Names of the model's parameter presets (e.g. `reference`), for help and error texts.
    fn presets() -> &'static [&'static str] {
        &[]
    }

    /// The parameters of the named preset, `None` for a name the model does not know.
    fn preset(name: &str) -> Option<Self::Params> {
        let _ = name;
        None
    }
}
