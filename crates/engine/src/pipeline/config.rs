//! The pipeline file (`cinerec.toml`): its serde structs with defaults, and the validation
//! that names the file and the key of every mistake (`cinerec.toml: model[2].algorithm:
//! unknown model …`).

use crate::error::{EngineError, Result};
use crate::registry;
use cinerec_data::split::SplitSpec;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineFile {
    /// Where the pipeline's model files and reports go (relative to the file's folder).
    #[serde(default = "default_out")]
    pub out: PathBuf,
    /// `[data]`: the dataset.
    pub data: DataStage,
    /// `[split]`: a named split (`"peer-temporal"`, `"peer-random"`) or a split table.
    #[serde(default)]
    pub split: SplitChoice,
    /// `[evaluate]`: the metrics of every model.
    #[serde(default)]
    pub evaluate: EvaluateStage,
    /// `[[model]]`: the models to train and evaluate, in order.
    #[serde(default, rename = "model")]
    pub models: Vec<ModelStage>,
    /// `[register]`: register the trained models in a store, and activate the best.
    #[serde(default)]
    pub register: Option<RegisterStage>,
}

fn default_out() -> PathBuf {
    PathBuf::from("runs/pipeline")
}

/// `[data]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataStage {
    /// A dataset name under the data folder (`ml-100k`) or a path.
    pub dataset: String,
    /// When the dataset is missing: fetch it (`true`: the default source, or a source such
    /// as `"pip"`).
    #[serde(default)]
    pub fetch: Fetch,
    /// Import the dataset into a store first (stage `import`): `true` for the `[register]`
    /// store, or a store URL.
    #[serde(default)]
    pub import: Option<ImportInto>,
}

/// `import = true | "URL"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ImportInto {
    /// `true`: the `[register]` store; `false`: no import.
    Flag(bool),
    /// This store.
    Url(String),
}

impl PipelineFile {
    /// The store the `import` stage writes to (`None`: no import stage).
    pub fn import_store(&self) -> Option<&str> {
        match &self.data.import {
            Some(ImportInto::Url(u)) => Some(u),
            Some(ImportInto::Flag(true)) => self.register.as_ref().map(|r| r.store.as_str()),
            Some(ImportInto::Flag(false)) | None => None,
        }
    }
}

/// `fetch = false | true | "source"`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Fetch {
    /// `true` / `false`.
    Flag(bool),
    /// A fetch source (`pip`, a URL, …).
    From(String),
    /// Not given: no fetch.
    #[default]
    #[serde(skip)]
    Off,
}

/// `split = "peer-temporal"` or `[split] kind = "temporal" …` (a [`SplitSpec`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum SplitChoice {
    /// A named split.
    Named(String),
    /// A full specification.
    Spec(SplitSpec),
}

impl Default for SplitChoice {
    fn default() -> Self {
        SplitChoice::Named("peer-temporal".into())
    }
}

impl SplitChoice {
    /// The split it names.
    pub fn spec(&self) -> Result<SplitSpec> {
        match self {
            SplitChoice::Spec(s) => Ok(s.clone()),
            SplitChoice::Named(n) => match n.as_str() {
                "peer-temporal" | "temporal" => Ok(SplitSpec::peer_temporal()),
                "peer-random" | "random" => Ok(SplitSpec::peer_random()),
                other => Err(EngineError::Pipeline(format!(
                    "split: unknown split `{other}` (peer-temporal, peer-random, or a [split] table)"
                ))),
            },
        }
    }
}

/// `[evaluate]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateStage {
    /// Ranking cut-off.
    #[serde(default = "default_k")]
    pub k: usize,
    /// Metric groups: `rating`, `ranking`, `factorized`.
    #[serde(default = "default_metrics")]
    pub metrics: Vec<String>,
}

fn default_k() -> usize {
    10
}

fn default_metrics() -> Vec<String> {
    vec!["rating".into(), "ranking".into()]
}

impl Default for EvaluateStage {
    fn default() -> Self {
        EvaluateStage {
            k: default_k(),
            metrics: default_metrics(),
        }
    }
}

/// One `[[model]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelStage {
    /// The stage name (unique; the model file and report are named after it).
    pub name: String,
    /// Registry name (default: `name`), `auto` included.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// Parameters (a table; unknown keys are refused by the model).
    #[serde(default)]
    pub params: Option<toml::Table>,
}

impl ModelStage {
    /// The registry name.
    pub fn algorithm(&self) -> &str {
        self.algorithm.as_deref().unwrap_or(&self.name)
    }

    /// The parameters as JSON (`None`: the defaults).
    pub fn params_json(&self) -> Option<Value> {
        self.params
            .as_ref()
            .map(|t| serde_json::to_value(t).unwrap_or(Value::Null))
    }
}

/// `[register]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterStage {
    /// The store (`sqlite://…`, `postgres://…`, `mysql://…`).
    pub store: String,
    /// Activate the best model by this metric (`ndcg@10`; `rmse`/`mae`: lower is better)
    /// when it beats the store's active model on it (or none is active).
    #[serde(default)]
    pub activate_if_better: Option<String>,
}

/// Whether a lower value of `metric` is better.
pub fn lower_is_better(metric: &str) -> bool {
    matches!(metric, "rmse" | "mae")
}

impl PipelineFile {
    /// Reads and validates `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| EngineError::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates `text` (`file` names it in errors).
    pub fn parse(text: &str, file: &str) -> Result<Self> {
        let p: PipelineFile = toml::from_str(text)
            .map_err(|e| EngineError::Pipeline(format!("{file}: {}", e.to_string().trim())))?;
        p.validate()
            .map_err(|e| EngineError::Pipeline(format!("{file}: {e}")))?;
        Ok(p)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        if self.data.dataset.trim().is_empty() {
            return Err("data.dataset: must not be empty".into());
        }
        match &self.data.import {
            Some(ImportInto::Flag(true)) if self.register.is_none() => {
                return Err(
                    "data.import: `true` imports into the [register] store; there is none \
                     (give a store URL instead)"
                        .into(),
                )
            }
            Some(ImportInto::Url(u)) if u.trim().is_empty() => {
                return Err("data.import: the store URL must not be empty".into())
            }
            _ => {}
        }
        self.split.spec().map_err(|e| e.to_string())?;
        if self.evaluate.k == 0 {
            return Err("evaluate.k: must be at least 1".into());
        }
        for m in &self.evaluate.metrics {
            if !["rating", "ranking", "factorized"].contains(&m.as_str()) {
                return Err(format!(
                    "evaluate.metrics: unknown group `{m}` (rating, ranking, factorized)"
                ));
            }
        }
        if self.models.is_empty() {
            return Err("model: give at least one [[model]]".into());
        }
        for (k, m) in self.models.iter().enumerate() {
            let ok_name = !m.name.is_empty()
                && m.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
            if !ok_name {
                return Err(format!(
                    "model[{k}].name: `{}` must be letters, digits, - or _",
                    m.name
                ));
            }
            if self.models[..k].iter().any(|o| o.name == m.name) {
                return Err(format!("model[{k}].name: `{}` is used twice", m.name));
            }
            if !registry::names().contains(&m.algorithm()) {
                return Err(format!(
                    "model[{k}].algorithm: unknown model `{}` (known: {})",
                    m.algorithm(),
                    registry::names().join(", ")
                ));
            }
            registry::create(m.algorithm(), m.params_json().as_ref())
                .map_err(|e| format!("model[{k}].params: {e}"))?;
        }
        if let Some(r) = &self.register {
            if r.store.trim().is_empty() {
                return Err("register.store: must not be empty".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_file_gets_the_defaults() {
        let p = PipelineFile::parse(
            "[data]\ndataset = \"ml-100k\"\n[[model]]\nname = \"svd\"\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(p.split.spec().unwrap(), SplitSpec::peer_temporal());
        assert_eq!(p.evaluate, EvaluateStage::default());
        assert_eq!(p.models[0].algorithm(), "svd");
        assert_eq!(p.out, PathBuf::from("runs/pipeline"));
    }

    #[test]
    fn mistakes_name_the_file_and_the_key() {
        let bad = |text: &str, want: &str| {
            let e = PipelineFile::parse(text, "c.toml").unwrap_err().to_string();
            assert!(e.starts_with("c.toml: ") && e.contains(want), "{e}");
        };
        let head = "[data]\ndataset = \"d\"\n";
        bad(
            &format!("{head}[[model]]\nname = \"x\"\nalgorithm = \"nope\"\n"),
            "model[0].algorithm: unknown model `nope`",
        );
        bad(
            &format!("{head}[[model]]\nname = \"s\"\nalgorithm = \"svd\"\nparams = {{ n_factorz = 3 }}\n"),
            "model[0].params",
        );
        bad(
            &format!("{head}[[model]]\nname = \"svd\"\n[[model]]\nname = \"svd\"\n"),
            "model[1].name",
        );
        bad(
            &format!("{head}[evaluate]\nmetrics = [\"speed\"]\n[[model]]\nname = \"svd\"\n"),
            "evaluate.metrics",
        );
        bad(&format!("{head}colour = 1\n"), "colour");
        bad(
            &format!("{head}import = true\n[[model]]\nname = \"svd\"\n"),
            "data.import: `true` imports into the [register] store",
        );
        // Top-level keys come before the first table.
        bad(
            &format!("split = \"weekly\"\n{head}[[model]]\nname = \"svd\"\n"),
            "split: unknown split `weekly`",
        );
    }
}
