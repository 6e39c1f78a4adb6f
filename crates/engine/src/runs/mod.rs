//! Experiment history: every `train`, `eval` and pipeline evaluation is recorded — in the
//! store's `runs` table when a store is given, else as one JSON file in a runs folder
//! (`runs/history` by default; [`log`] owns where) — what ran (algorithm and the parameters
//! the model reports, dataset name and content hash, split, evaluation settings), what it
//! scored, how long it took, on which machine and with which cinerec. [`Runs`] lists, finds
//! and writes records (atomically); [`compare_table`] puts runs side by side;
//! [`reproduce`] re-runs a recorded evaluation from its inputs and compares the metrics.

use crate::error::{EngineError, Result};
use crate::train::{self, TrainSpec};
use cinerec_core::NoObserver;
use cinerec_data::split::{split, SplitSpec};
use cinerec_eval::EvalConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod log;
pub use log::{list_folder, list_store, Runs};

/// The version of the code that ran (recorded with every run, an input of every pipeline
/// train and eval stage): the crate version and the git commit it was built from.
pub const CODE_VERSION: &str = concat!(
    "cinerec ",
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("CINEREC_GIT_COMMIT"),
    ")"
);

/// The data a run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataRef {
    /// How to load it again: a dataset name or path, or a store URL (password redacted).
    pub source: String,
    /// The dataset's name.
    pub name: String,
    /// [`cinerec_core::Dataset::hash`] of its contents.
    pub hash: String,
}

impl DataRef {
    /// `data`, loaded from `source` (a dataset name or path, or a store URL).
    pub fn of(source: &str, data: &cinerec_core::Dataset) -> Self {
        DataRef {
            source: cinerec_store::redact_url(source),
            name: data.name.clone(),
            hash: data.hash().to_string(),
        }
    }
}

/// The evaluation settings of a run that evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalSettings {
    /// The split (a [`SplitSpec`] as JSON).
    pub split: Value,
    /// Ranking cut-off.
    pub k: usize,
    /// Rating metrics computed.
    pub rating: bool,
    /// Ranking metrics computed.
    pub ranking: bool,
    /// Factorized top-K accuracy computed.
    pub factorized: bool,
    /// In/out-of-sample precision computed.
    #[serde(default)]
    pub sample_precision: bool,
}

impl EvalSettings {
    /// The settings of an evaluation configuration.
    pub fn of(cfg: &EvalConfig) -> Self {
        EvalSettings {
            split: cfg.split.clone(),
            k: cfg.k,
            rating: cfg.rating,
            ranking: cfg.ranking,
            factorized: cfg.factorized,
            sample_precision: cfg.sample_precision,
        }
    }

    /// The evaluation configuration these settings stand for.
    pub fn config(&self) -> EvalConfig {
        EvalConfig {
            rating: self.rating,
            ranking: self.ranking,
            factorized: self.factorized,
            sample_precision: self.sample_precision,
            k: self.k,
            split: self.split.clone(),
            seed: None,
            ..Default::default()
        }
    }
}

/// The machine a run ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Host name (empty when unknown).
    pub host: String,
    /// Operating system and architecture.
    pub os: String,
    /// Cores available to the process.
    pub cores: usize,
}

impl Machine {
    /// This machine.
    pub fn this() -> Self {
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_default()
            .trim()
            .to_string();
        Machine {
            host,
            os: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// `YYYYMMDD-HHMMSS-mmm-xxxxxx` (UTC time of the recording to the millisecond, then a
    /// content hash): sorts by time.
    pub id: String,
    /// `train`, `eval` or `pipeline`.
    pub kind: String,
    /// Start, seconds since the Unix epoch.
    pub started_unix: u64,
    /// Wall-clock seconds of the run.
    pub seconds: f64,
    /// Registry name of the algorithm.
    pub algorithm: String,
    /// Parameters as the model reports them (every default spelled out).
    pub params: Value,
    /// The data.
    pub data: DataRef,
    /// The evaluation, for runs that evaluated (what [`reproduce`] re-runs).
    pub eval: Option<EvalSettings>,
    /// Figures: metrics, fit and evaluation seconds.
    pub metrics: Map<String, Value>,
    /// Where it ran.
    pub machine: Machine,
    /// [`CODE_VERSION`] of the run.
    pub code_version: String,
    /// Free text (the pipeline stage, a model file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl RunRecord {
    /// A record started at `started_unix` (its id is set when [`Runs::record`] writes it).
    pub fn new(kind: &str, algorithm: &str, params: Value, data: DataRef) -> Self {
        RunRecord {
            id: String::new(),
            kind: kind.into(),
            started_unix: now_unix(),
            seconds: 0.0,
            algorithm: algorithm.into(),
            params,
            data,
            eval: None,
            metrics: Map::new(),
            machine: Machine::this(),
            code_version: CODE_VERSION.into(),
            note: None,
        }
    }
}

/// Seconds since the Unix epoch.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `YYYYMMDD-HHMMSS` of a Unix time (UTC).
pub fn utc_stamp(unix: u64) -> String {
    let (days, secs) = ((unix / 86_400) as i64, unix % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Keys of figures that measure time, not quality (never compared by [`reproduce`]).
pub fn is_timing(key: &str) -> bool {
    key.ends_with("seconds") || key.ends_with("_s") || key == "epochs" || key == "search"
}

/// A side-by-side table of `runs`: one column per run, rows for what ran and every
/// numeric metric any of them has.
pub fn compare_table(runs: &[RunRecord]) -> String {
    let mut rows: Vec<(String, Vec<String>)> = vec![
        ("kind".into(), runs.iter().map(|r| r.kind.clone()).collect()),
        (
            "algorithm".into(),
            runs.iter().map(|r| r.algorithm.clone()).collect(),
        ),
        (
            "data".into(),
            runs.iter()
                .map(|r| format!("{} ({})", r.data.name, r.data.hash))
                .collect(),
        ),
        (
            "split".into(),
            runs.iter()
                .map(|r| r.eval.as_ref().map_or("–".into(), |e| compact(&e.split)))
                .collect(),
        ),
    ];
    let mut keys: Vec<String> = vec![];
    for r in runs {
        for (k, v) in &r.metrics {
            if v.is_number() && !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys.sort();
    for k in keys {
        let cells = runs
            .iter()
            .map(|r| {
                r.metrics
                    .get(&k)
                    .and_then(Value::as_f64)
                    .map_or("–".into(), |v| format!("{v:.4}"))
            })
            .collect();
        rows.push((k, cells));
    }
    let mut params: Vec<String> = vec![];
    for r in runs {
        if let Some(o) = r.params.as_object() {
            for k in o.keys() {
                if !params.contains(k) {
                    params.push(k.clone());
                }
            }
        }
    }
    params.sort();
    for k in params {
        let cells: Vec<String> = runs
            .iter()
            .map(|r| r.params.get(&k).map_or("–".into(), compact))
            .collect();
        rows.push((format!("param {k}"), cells));
    }
    let mut out = format!(
        "| | {} |\n|---|{}\n",
        runs.iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(runs.len())
    );
    for (name, cells) in rows {
        out.push_str(&format!("| {name} | {} |\n", cells.join(" | ")));
    }
    out
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One metric of a reproduction: recorded, reproduced, and whether they agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricCheck {
    /// Metric name.
    pub metric: String,
    /// The recorded value.
    pub recorded: f64,
    /// The value of the re-run.
    pub reproduced: f64,
    /// `|reproduced − recorded| ≤ tolerance` (plus a few ulps: the record's JSON round trip).
    pub ok: bool,
}

/// What [`reproduce`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reproduction {
    /// The run re-run.
    pub id: String,
    /// Tolerance used (0: exact).
    pub tolerance: f64,
    /// Every quality metric of the record (timings excluded).
    pub checks: Vec<MetricCheck>,
    /// Whether every check agrees.
    pub matches: bool,
}

/// Re-runs the evaluation of `rec` from its recorded inputs — the data (loaded by
/// `load(source)`, refused when its content hash differs), the split, the algorithm with the
/// parameters it recorded, the evaluation settings — and compares every quality metric
/// within `tolerance` (0 = exactly, for the deterministic models).
pub fn reproduce(
    rec: &RunRecord,
    load: impl FnOnce(&str) -> Result<cinerec_core::Dataset>,
    tolerance: f64,
) -> Result<Reproduction> {
    let Some(ev) = &rec.eval else {
        return Err(EngineError::Invalid(format!(
            "run {} has no evaluation to reproduce (a `{}` run without one)",
            rec.id, rec.kind
        )));
    };
    let data = load(&rec.data.source)?;
    if data.hash() != rec.data.hash {
        return Err(EngineError::Invalid(format!(
            "the data at {} changed since run {} (hash {} then, {} now)",
            rec.data.source,
            rec.id,
            rec.data.hash,
            data.hash()
        )));
    }
    let spec: SplitSpec = serde_json::from_value(ev.split.clone())
        .map_err(|e| EngineError::Invalid(format!("run {}: split: {e}", rec.id)))?;
    let s = split(&data, &spec)?;
    let t = TrainSpec::new(&rec.algorithm, Some(rec.params.clone()));
    let trained = train::train(&t, &s.train, &mut NoObserver)?;
    let report = cinerec_eval::evaluate(trained.model.as_ref(), &s.train, &s.test, &ev.config())?;
    let mut checks = vec![];
    for (k, v) in &rec.metrics {
        let Some(recorded) = v.as_f64() else { continue };
        if is_timing(k) {
            continue;
        }
        let reproduced = report.metrics.get(k).unwrap_or(f64::NAN);
        // Exact up to the record's JSON round trip (serde_json may read a float back one
        // unit in the last place off): a few ulps of slack on top of `tolerance`.
        let ulps = 4.0 * f64::EPSILON * recorded.abs().max(reproduced.abs());
        let ok = (reproduced - recorded).abs() <= tolerance + ulps
            || (reproduced.is_nan() && recorded.is_nan());
        checks.push(MetricCheck {
            metric: k.clone(),
            recorded,
            reproduced,
            ok,
        });
    }
    let matches = !checks.is_empty() && checks.iter().all(|c| c.ok);
    Ok(Reproduction {
        id: rec.id.clone(),
        tolerance,
        checks,
        matches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_civil_utc() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        assert_eq!(utc_stamp(1_798_761_599), "20261231-235959");
        assert_eq!(utc_stamp(951_782_400), "20000229-000000");
    }

    #[test]
    fn records_round_trip_and_are_found_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let runs = Runs::new(dir.path().join("h"));
        assert!(runs.list().unwrap().is_empty());
        let data = DataRef {
            source: "x".into(),
            name: "x".into(),
            hash: "abc".into(),
        };
        let mut r = RunRecord::new("eval", "svd", serde_json::json!({"n_factors": 3}), data);
        r.metrics.insert("rmse".into(), 0.9.into());
        let id = runs.record(r.clone()).unwrap();
        let got = runs.get(&id[..20]).unwrap();
        assert_eq!(got.metrics["rmse"], 0.9);
        assert!(runs.get("nope").is_err());
        let t = compare_table(&[got.clone(), got]);
        assert!(t.contains("| rmse | 0.9000 | 0.9000 |"), "{t}");
        assert!(t.contains("param n_factors"), "{t}");
    }
}
