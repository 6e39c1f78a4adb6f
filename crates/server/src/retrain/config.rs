//! The `[retrain]` section of the server configuration: when to retrain (`after` new
//! ratings, `every` duration), what (`model`, `params`), how (`threads`) and how the guard
//! judges the candidate (`margin`, `holdout`). Layered like the rest of
//! [`crate::ServerConfig`]: default → file → `CINEREC_RETRAIN_*` → `cinerec serve` flags.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

use crate::config::ConfigError;

/// Guarded background retraining; off unless [`RetrainConfig::after`] or
/// [`RetrainConfig::every`] is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrainConfig {
    /// Retrain once this many rating changes were posted since the last attempt
    /// (`CINEREC_RETRAIN_AFTER`; 0 = no count trigger).
    pub after: u64,
    /// Retrain at this interval, e.g. `90s`, `30m`, `1h`, `1h30m`, `2d`
    /// (`CINEREC_RETRAIN_EVERY`; none = no timer).
    pub every: Option<String>,
    /// Registry name of the algorithm to train, or `auto` (`CINEREC_RETRAIN_MODEL`; none =
    /// the active model's algorithm with its parameters).
    pub model: Option<String>,
    /// Its hyper-parameters as a JSON object (`CINEREC_RETRAIN_PARAMS`; none = the active
    /// model's when `model` is its algorithm, else the defaults).
    pub params: Option<Value>,
    /// Threads the fit and the evaluation may use (`CINEREC_RETRAIN_THREADS`; default 1).
    pub threads: usize,
    /// Relative tolerance: the candidate is activated when its score is no worse than the
    /// active model's by more than this share (`CINEREC_RETRAIN_MARGIN`; 0 = not worse).
    pub margin: f64,
    /// The held-back slice of the newest ratings the active model has not seen: a share of
    /// them when below 1, a count when 1 or more (`CINEREC_RETRAIN_HOLDOUT`; default 0.5).
    pub holdout: f64,
}

impl Default for RetrainConfig {
    fn default() -> Self {
        RetrainConfig {
            after: 0,
            every: None,
            model: None,
            params: None,
            threads: 1,
            margin: 0.0,
            holdout: 0.5,
        }
    }
}

impl RetrainConfig {
    /// Whether a trigger is set.
    pub fn enabled(&self) -> bool {
        self.after > 0 || self.every.is_some()
    }

    /// The timer's interval, when one is set and valid.
    pub fn interval(&self) -> Option<Duration> {
        self.every.as_deref().and_then(|e| parse_duration(e).ok())
    }

    /// Overrides fields from `CINEREC_RETRAIN_*` variables read through `get`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn num<T: std::str::FromStr>(k: &str, v: &str) -> Result<T, ConfigError> {
            v.trim()
                .parse()
                .map_err(|_| ConfigError(format!("{k}={v:?} is not a valid number")))
        }
        let text = |v: String| (!v.trim().is_empty()).then(|| v.trim().to_string());
        if let Some(v) = get("CINEREC_RETRAIN_AFTER") {
            self.after = num("CINEREC_RETRAIN_AFTER", &v)?;
        }
        if let Some(v) = get("CINEREC_RETRAIN_EVERY") {
            self.every = text(v);
        }
        if let Some(v) = get("CINEREC_RETRAIN_MODEL") {
            self.model = text(v);
        }
        if let Some(v) = get("CINEREC_RETRAIN_PARAMS") {
            self.params = match text(v) {
                Some(t) => Some(serde_json::from_str(&t).map_err(|e| {
                    ConfigError(format!("CINEREC_RETRAIN_PARAMS is not valid JSON: {e}"))
                })?),
                None => None,
            };
        }
        if let Some(v) = get("CINEREC_RETRAIN_THREADS") {
            self.threads = num("CINEREC_RETRAIN_THREADS", &v)?;
        }
        if let Some(v) = get("CINEREC_RETRAIN_MARGIN") {
            self.margin = num("CINEREC_RETRAIN_MARGIN", &v)?;
        }
        if let Some(v) = get("CINEREC_RETRAIN_HOLDOUT") {
            self.holdout = num("CINEREC_RETRAIN_HOLDOUT", &v)?;
        }
        Ok(())
    }

    /// Checks every field; the message names the bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError(format!("retrain: {m}")));
        if let Some(e) = &self.every {
            match parse_duration(e) {
                Ok(d) if d >= Duration::from_secs(1) => {}
                Ok(_) => return bad(format!("every {e:?} is shorter than a second")),
                Err(m) => return bad(format!("every {e:?}: {m}")),
            }
        }
        if let Some(m) = &self.model {
            if !cinerec_engine::registry::names().contains(&m.as_str()) {
                return bad(format!(
                    "model {m:?} is not registered; known: {}",
                    cinerec_engine::registry::names().join(", ")
                ));
            }
        }
        if self.params.as_ref().is_some_and(|p| !p.is_object()) {
            return bad("params must be a JSON object".into());
        }
        if !(1..=256).contains(&self.threads) {
            return bad(format!("threads {} must be 1 to 256", self.threads));
        }
        if !(self.margin.is_finite() && (0.0..1.0).contains(&self.margin)) {
            return bad(format!("margin {} must be in [0, 1)", self.margin));
        }
        let h = self.holdout;
        if !(h.is_finite() && h > 0.0 && (h < 1.0 || h.fract() == 0.0)) {
            return bad(format!(
                "holdout {h} must be a share in (0, 1) or a whole count of ratings"
            ));
        }
        Ok(())
    }

    /// Size of the held-back slice out of `new` ratings the active model has not seen.
    pub fn slice_size(&self, new: usize) -> usize {
        if self.holdout < 1.0 {
            (self.holdout * new as f64).ceil() as usize
        } else {
            (self.holdout as usize).min(new)
        }
    }
}

/// Parses `90s`, `30m`, `1h`, `2d`, `1h30m`, `250ms` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    if rest.is_empty() {
        return Err("empty duration".into());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err("expected a number followed by ms, s, m, h or d".into());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| "number too large")?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let secs = |k: u64| n.checked_mul(k).map(Duration::from_secs);
        let part = match &rest[..unit_len] {
            "ms" => Some(Duration::from_millis(n)),
            "s" => secs(1),
            "m" => secs(60),
            "h" => secs(3600),
            "d" => secs(86_400),
            u => return Err(format!("unknown unit {u:?} (ms, s, m, h or d)")),
        };
        total = part
            .and_then(|p| total.checked_add(p))
            .ok_or("duration too large")?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_bad_ones_name_the_problem() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172_800));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("3w").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn validation_names_the_field_and_slices_are_bounded() {
        let ok = RetrainConfig {
            after: 100,
            ..Default::default()
        };
        assert!(ok.validate().is_ok() && ok.enabled());
        assert!(!RetrainConfig::default().enabled());
        let with = |f: &dyn Fn(&mut RetrainConfig)| {
            let mut c = ok.clone();
            f(&mut c);
            c.validate().unwrap_err().to_string()
        };
        assert!(with(&|c| c.every = Some("10q".into())).contains("every"));
        assert!(with(&|c| c.every = Some("10ms".into())).contains("every"));
        assert!(with(&|c| c.model = Some("nope".into())).contains("model"));
        assert!(with(&|c| c.params = Some(serde_json::json!([1]))).contains("params"));
        assert!(with(&|c| c.threads = 0).contains("threads"));
        assert!(with(&|c| c.margin = -0.1).contains("margin"));
        assert!(with(&|c| c.holdout = 2.5).contains("holdout"));
        assert!(with(&|c| c.holdout = 0.0).contains("holdout"));
        let mut c = ok.clone();
        c.apply_env(|k| match k {
            "CINEREC_RETRAIN_EVERY" => Some("1h".into()),
            "CINEREC_RETRAIN_HOLDOUT" => Some("200".into()),
            "CINEREC_RETRAIN_PARAMS" => Some(r#"{"epochs": 3}"#.into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.interval(), Some(Duration::from_secs(3600)));
        assert_eq!((c.slice_size(1000), c.slice_size(50)), (200, 50));
        c.holdout = 0.25;
        assert_eq!((c.slice_size(10), c.slice_size(0)), (3, 0));
        assert!(c
            .apply_env(|k| (k == "CINEREC_RETRAIN_PARAMS").then(|| "{".into()))
            .is_err());
    }
}
