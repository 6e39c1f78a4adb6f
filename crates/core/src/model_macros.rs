//! Macros writing the parts every model's [`Recommender`](crate::Recommender) impl spells the
//! same way: the unfitted constructor, the fitted-state accessor, and `name` / `params`. They
//! expect a model struct with the fields `params` (serializable) and `fitted: Option<_>`.

/// Writes, inside a model's inherent `impl`, `pub fn new(params) -> Self` (an unfitted model)
/// and the fitted-state accessor of [`fitted_accessor!`](crate::fitted_accessor) (with the
/// visibility given before the fitted type).
#[macro_export]
macro_rules! model_basics {
    ($model:ident, $params:ty, $vis:vis $fitted:ty, $name:expr) => {
        /// A new, unfitted model.
        pub fn new(params: $params) -> Self {
            $model {
                params,
                fitted: None,
            }
        }

        $crate::fitted_accessor!($vis $fitted, $name);
    };
}

/// Writes, inside a model's inherent `impl`, `fn fitted(&self) -> Result<&Fitted>`: the fitted
/// state, or [`CoreError::NotFitted`](crate::CoreError::NotFitted) naming the model before any
/// fit. A leading visibility (`pub(crate)`) is given to the accessor.
#[macro_export]
macro_rules! fitted_accessor {
    ($vis:vis $fitted:ty, $name:expr) => {
        /// The fitted state (an error before `fit`).
        $vis fn fitted(&self) -> $crate::Result<&$fitted> {
            self.fitted
                .as_ref()
                .ok_or($crate::CoreError::NotFitted($name))
        }
    };
}

/// Writes, inside an `impl Recommender`, `name()` (the given name) and `params()` (the
/// model's `params` field as JSON).
#[macro_export]
macro_rules! name_and_params {
    ($name:expr) => {
        fn name(&self) -> &'static str {
            $name
        }

        fn params(&self) -> $crate::__serde_json::Value {
            $crate::__serde_json::to_value(&self.params).unwrap_or_default()
        }
    };
}
