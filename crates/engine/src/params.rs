//! Model parameters as callers give them: a JSON object for one model, or one keyed by model
//! name for several, or a bare preset name (`reference`), and the `method` shortcut for models
//! with several scoring methods.

use crate::error::{EngineError, Result};
use crate::registry;
use serde_json::Value;
use std::collections::HashMap;

/// Parses parameters given as JSON text: for one model an object of its parameters; for
/// several, an object keyed by model name. A bare preset name (e.g. `reference`, not JSON)
/// selects that preset of every listed model; a model without it is an error that names
/// the model's presets. Inside the JSON, a model's value may also be a preset name
/// (`{"twotower": "reference", "svd": {...}}`).
pub fn parse_params(raw: Option<&str>, models: &[String]) -> Result<HashMap<String, Value>> {
    let mut out = HashMap::new();
    let Some(raw) = raw else { return Ok(out) };
    if is_preset_name(raw.trim()) {
        for m in models {
            out.insert(m.clone(), registry::preset(m, raw.trim())?);
        }
        return Ok(out);
    }
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
    for (m, p) in out.iter_mut() {
        if let Value::String(name) = p {
            *p = registry::preset(m, name)?;
        }
    }
    Ok(out)
}

/// A bare identifier (letters, digits, `_`, `-`; not a JSON literal): a preset's name.
fn is_preset_name(raw: &str) -> bool {
    raw.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(raw, "null" | "true" | "false")
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn json_objects_still_parse_per_model() {
        let p = parse_params(Some(r#"{"n_factors": 5}"#), &names(&["svd"])).unwrap();
        assert_eq!(p["svd"], json!({"n_factors": 5}));
        assert!(parse_params(Some("[1]"), &names(&["svd"])).is_err());
        assert!(parse_params(Some("null"), &names(&["svd"])).is_err());
    }

    #[test]
    fn unknown_preset_names_the_model_and_its_presets() {
        let e = parse_params(Some("reference"), &names(&["baseline"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("baseline") && e.contains("reference"), "{e}");
        let e = parse_params(Some(r#"{"svd": "fast"}"#), &names(&["svd"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("fast"), "{e}");
    }

    #[cfg(feature = "neural")]
    #[test]
    fn bare_preset_name_resolves_per_model() {
        let want = registry::preset("twotower", "reference").unwrap();
        let p = parse_params(Some(" reference "), &names(&["twotower"])).unwrap();
        assert_eq!(p["twotower"], want);
        let p = parse_params(
            Some(r#"{"twotower": "reference", "svd": {"n_factors": 5}}"#),
            &names(&["twotower", "svd"]),
        )
        .unwrap();
        assert_eq!(p["twotower"], want);
        let e = parse_params(Some("reference"), &names(&["twotower", "svd"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("svd"), "{e}");
        let e = parse_params(Some("tuned"), &names(&["twotower"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("tuned") && e.contains("reference"), "{e}");
    }
}
