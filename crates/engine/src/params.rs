//! Model parameters as callers give them: a JSON object for one model, or one keyed by model
//! name for several, and the `method` shortcut for models with several scoring methods.

use crate::error::{EngineError, Result};
use crate::registry;
use serde_json::Value;
use std::collections::HashMap;

/// Parses parameters given as JSON text: for one model an object of its parameters; for
/// several, an object keyed by model name.
pub fn parse_params(raw: Option<&str>, models: &[String]) -> Result<HashMap<String, Value>> {
    let mut out = HashMap::new();
    let Some(raw) = raw else { return Ok(out) };
    let v: Value = serde_json::from_str(raw)
        .map_err(|e| EngineError::Invalid(format!("--params is not valid JSON: {raw}: {e}")))?;
    let Value::Object(map) = &v else {
        return Err(EngineError::Invalid(
            "--params must be a JSON object".into(),
        ));
    };
    if models.len() == 1 && !map.keys().any(|k| k == &models[0]) {
        out.insert(models[0].clone(), v);
    } else {
        for (k, p) in map {
            if !models.contains(k) {
                return Err(EngineError::Invalid(format!(
                    "--params names model `{k}`, which is not among --model {}",
                    models.join(",")
                )));
            }
            out.insert(k.clone(), p.clone());
        }
    }
    Ok(out)
}

/// Applies a scoring method (e.g. `features`: `density` or `likelihood`) to every listed
/// model whose parameters have a `method` field; an error when none has one.
pub fn apply_method(
    params: &mut HashMap<String, Value>,
    models: &[String],
    method: Option<&str>,
) -> Result<()> {
    let Some(method) = method else { return Ok(()) };
    let mut applied = false;
    for name in models {
        let defaults = registry::create(name, None)?.params();
        if defaults.get("method").is_none() {
            continue;
        }
        let p = params
            .entry(name.clone())
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(map) = p {
            map.insert("method".into(), Value::String(method.to_string()));
            applied = true;
        }
    }
    if !applied {
        return Err(EngineError::Invalid(format!(
            "--method applies to models with several scoring methods (features); none of {} has one",
            models.join(",")
        )));
    }
    Ok(())
}
