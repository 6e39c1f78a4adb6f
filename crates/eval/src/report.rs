//! [`Report`]: what one evaluation run measured and on what — dataset name and hash, split,
//! seed, model and parameters, timings, metrics (ordered, with the peer key names) and the
//! cinerec version — with atomic JSON / Markdown writers, a terminal table, and a
//! side-by-side Markdown comparison of several reports.

use crate::error::{EvalError, Result};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt::Write as _;

use std::path::Path;

/// Metric name → value, kept in insertion order (serialised as a JSON object in that order).
/// Values are JSON numbers: counts are integers, figures are floats; non-finite is `null`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics(Vec<(String, Value)>);

impl Metrics {
    /// Sets a float metric (replacing an earlier value of the same name in place).
    pub fn set(&mut self, key: impl Into<String>, v: f64) {
        self.set_value(key, Value::from(v));
    }
    /// Sets a count metric.
    pub fn set_count(&mut self, key: impl Into<String>, v: usize) {
        self.set_value(key, Value::from(v as u64));
    }
    fn set_value(&mut self, key: impl Into<String>, v: Value) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = v,
            None => self.0.push((key, v)),
        }
    }
    /// The value of a metric as `f64` (`None` if absent or null).
    pub fn get(&self, key: &str) -> Option<f64> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_f64())
    }
    /// Metric names in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
    /// `(name, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
    /// Number of metrics.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True when no metric is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Metrics {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Metrics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Metrics;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of metric names to numbers")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Metrics, A::Error> {
                let mut m = Metrics::default();
                while let Some((k, v)) = a.next_entry::<String, Value>()? {
                    m.set_value(k, v);
                }
                Ok(m)
            }
        }
        d.deserialize_map(V)
    }
}

/// The data a report was computed on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// Dataset name (`Dataset::name` of the train part).
    pub name: String,
    /// `Dataset::hash()` of the train part.
    pub hash: String,
    /// Hash of the test part (same fingerprint over the test ratings), when there was one.
    pub test_hash: Option<String>,
    /// Users in the catalogue.
    pub n_users: usize,
    /// Movies in the catalogue.
    pub n_items: usize,
    /// Train ratings.
    pub n_train: usize,
    /// Test ratings.
    pub n_test: usize,
}

/// The model a report evaluates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// `Recommender::name()`.
    pub name: String,
    /// `Recommender::params()`.
    pub params: Value,
}

/// Wall-clock seconds of the phases (absent when the phase was not run or not timed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Fitting the model.
    pub fit_s: Option<f64>,
    /// Predicting the test ratings (rating metrics).
    pub predict_s: Option<f64>,
    /// Ranking the catalogue for every test user (ranking metrics).
    pub rank_s: Option<f64>,
    /// Factorized top-K accuracy (and in/out-of-sample precision).
    pub factorized_s: Option<f64>,
}

/// One evaluation run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Version of cinerec that produced the report.
    pub cinerec_version: String,
    /// Data evaluated on.
    pub dataset: DatasetInfo,
    /// How train and test were made (free-form, as passed by the caller).
    pub split: Value,
    /// Seed of the split / fit, if any.
    pub seed: Option<u64>,
    /// Model evaluated.
    pub model: ModelInfo,
    /// Phase timings.
    pub timings: Timings,
    /// The metrics, in computation order, with the peer key names.
    pub metrics: Metrics,
}

impl Report {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self)?)
    }
    /// Writes the JSON atomically (temp file in the same directory, then rename).
    pub fn write_json(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path.as_ref(), (self.to_json()? + "\n").as_bytes())
    }
    /// Writes [`Report::to_markdown`] atomically.
    pub fn write_markdown(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path.as_ref(), self.to_markdown().as_bytes())
    }

    /// Markdown: a heading, the run's provenance, and a metric table.
    pub fn to_markdown(&self) -> String {
        let mut s = format!("# {} on {}\n\n", self.model.name, self.dataset.name);
        let _ = writeln!(
            s,
            "- dataset: `{}` (hash `{}`), {} train / {} test ratings",
            self.dataset.name, self.dataset.hash, self.dataset.n_train, self.dataset.n_test
        );
        let _ = writeln!(s, "- split: `{}`", compact(&self.split));
        let _ = writeln!(
            s,
            "- seed: {}",
            self.seed.map_or("-".into(), |x| x.to_string())
        );
        let _ = writeln!(
            s,
            "- model: `{}` params `{}`",
            self.model.name,
            compact(&self.model.params)
        );
        let _ = writeln!(s, "- timings: {}", self.timing_line());
        let _ = writeln!(s, "- cinerec {}\n", self.cinerec_version);
        s.push_str("| metric | value |\n|---|---|\n");
        for (k, v) in self.metrics.iter() {
            let _ = writeln!(s, "| {k} | {} |", fmt_value(v));
        }
        s
    }

    /// A plain-text table for the terminal: provenance lines, then aligned `metric  value` rows.
    pub fn to_table(&self) -> String {
        let mut s = format!(
            "{} on {} ({})\n",
            self.model.name, self.dataset.name, self.dataset.hash
        );
        let _ = writeln!(s, "timings: {}", self.timing_line());
        let width = self.metrics.keys().map(str::len).max().unwrap_or(6).max(6);
        let _ = writeln!(
            s,
            "{:<width$}  value\n{}  -----",
            "metric",
            "-".repeat(width)
        );
        for (k, v) in self.metrics.iter() {
            let _ = writeln!(s, "{k:<width$}  {:>}", fmt_value(v));
        }
        s
    }

    fn timing_line(&self) -> String {
        let t = &self.timings;
        let f = |x: Option<f64>| x.map_or("-".to_string(), fmt_secs);
        format!(
            "fit {} s, predict {} s, rank {} s, factorized {} s",
            f(t.fit_s),
            f(t.predict_s),
            f(t.rank_s),
            f(t.factorized_s)
        )
    }
}

/// Several reports side by side in Markdown, one row per report (model): the union of
/// their metric keys in first-seen order, then the timings; `-` where a report lacks a value.
pub fn comparison_markdown(reports: &[Report]) -> String {
    let mut keys: Vec<&str> = Vec::new();
    for r in reports {
        for k in r.metrics.keys() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let mut s = String::from("| model | dataset |");
    for k in &keys {
        let _ = write!(s, " {k} |");
    }
    s.push_str(" fit s | predict s | rank s |\n|");
    s.push_str(&"---|".repeat(keys.len() + 5));
    s.push('\n');
    for r in reports {
        let _ = write!(s, "| {} | {} |", r.model.name, r.dataset.name);
        for k in &keys {
            let v = r
                .metrics
                .iter()
                .find(|(name, _)| name == k)
                .map_or("-".to_string(), |(_, v)| fmt_value(v));
            let _ = write!(s, " {v} |");
        }
        for t in [r.timings.fit_s, r.timings.predict_s, r.timings.rank_s] {
            let _ = write!(s, " {} |", t.map_or("-".to_string(), fmt_secs));
        }
        s.push('\n');
    }
    s
}

fn fmt_value(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        Value::Number(n) => n.as_f64().map_or("-".into(), |x| format!("{x:.4}")),
        Value::Null => "-".into(),
        other => compact(other),
    }
}

fn fmt_secs(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Writes `bytes` to `path` atomically ([`cinerec_core::atomic`]), naming the path on error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    cinerec_core::atomic::write_atomic(path, &[bytes]).map_err(|source| EvalError::Io {
        path: path.display().to_string(),
        source,
    })
}
