//! `--params` and `--method`: model hyper-parameters as JSON, resolved per model by the
//! engine's [`cinerec_engine::params`].

use anyhow::Result;
use clap::Args;
use serde_json::Value;
use std::collections::HashMap;

/// Hyper-parameters of the models a command fits.
#[derive(Args, Debug, Clone, Default)]
pub struct ParamsArgs {
    /// Hyper-parameters as JSON: an object for one model, or {"model": {...}} for several.
    #[arg(long)]
    pub params: Option<String>,
    /// Scoring method, for models that have several (`features`: density | likelihood).
    #[arg(long)]
    pub method: Option<String>,
}

impl ParamsArgs {
    /// The parameters of each of `models` that were given (absent = defaults).
    pub fn per_model(&self, models: &[String]) -> Result<HashMap<String, Value>> {
        let mut p = cinerec_engine::params::parse_params(self.params.as_deref(), models)?;
        cinerec_engine::params::apply_method(&mut p, models, self.method.as_deref())?;
        Ok(p)
    }

    /// The parameters of the one model `name`.
    pub fn for_model(&self, name: &str) -> Result<Option<Value>> {
        Ok(self.per_model(&[name.to_string()])?.remove(name))
    }
}
