//! Executing a pipeline file: the stages in order, each skipped when the lock says it is
//! fresh, the lock rewritten after each stage that finishes (see the module docs of
//! [`crate::pipeline`]).

use super::config::{lower_is_better, Fetch, ModelStage, PipelineFile};
use super::import;
use super::lock::{file_sha256, Lock};
use crate::error::{EngineError, Result};
use crate::runs::{DataRef, EvalSettings, RunRecord, Runs, CODE_VERSION};
use crate::{lifecycle, persist, source, train, TrainSpec};
use cinerec_core::{Dataset, Keep, NoObserver};
use cinerec_data::split::{split, Split};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How to run a pipeline.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The folder dataset names are looked up in (and fetched into).
    pub data_dir: PathBuf,
    /// The runs folder evaluations are recorded in when the pipeline registers in no store
    /// (with `[register] store` they go to that store's history; `None`: not recorded).
    pub runs_dir: Option<PathBuf>,
    /// Run every stage, fresh or not.
    pub force: bool,
}

/// Progress of a run, stage by stage.
#[derive(Debug, Clone, PartialEq)]
pub enum StageEvent {
    /// A fresh stage, skipped.
    Skipped(String),
    /// A stage starts, and why it must run.
    Running(String, Vec<String>),
    /// A stage finished in so many seconds.
    Done(String, f64),
}

/// What happened to one stage (also [`status`]'s answer, with `ran = false`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageOutcome {
    /// `train.svd`, `eval.svd`, `register.svd`, `activate`.
    pub stage: String,
    /// Whether it ran (in [`status`]: whether it would).
    pub ran: bool,
    /// Why it runs (empty: fresh).
    pub why: Vec<String>,
    /// Its figures (this run's, or the lock's for a skipped stage).
    pub metrics: Map<String, Value>,
}

struct Ctx<'a> {
    file: &'a PipelineFile,
    root: PathBuf,
    lock_path: PathBuf,
    lock: Lock,
    data: Dataset,
    split: OnceCell<Split>,
}

impl Ctx<'_> {
    fn open<'a>(
        path: &Path,
        file: &'a PipelineFile,
        data_dir: &Path,
        fetch: bool,
    ) -> Result<Ctx<'a>> {
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let lock_path = path.with_extension("lock");
        let lock = Lock::read(&lock_path)?;
        let data = load_data(file, data_dir, fetch)?;
        Ok(Ctx {
            file,
            root,
            lock_path,
            lock,
            data,
            split: OnceCell::new(),
        })
    }

    fn split(&self) -> Result<&Split> {
        if let Some(s) = self.split.get() {
            return Ok(s);
        }
        let s = split(&self.data, &self.file.split.spec()?)?;
        Ok(self.split.get_or_init(|| s))
    }

    fn rel(&self, sub: &str, name: &str) -> PathBuf {
        self.file.out.join(sub).join(name)
    }

    fn base_inputs(&self) -> Result<Map<String, Value>> {
        let mut m = Map::new();
        m.insert("data".into(), self.data.hash().into());
        m.insert(
            "split".into(),
            serde_json::to_value(self.file.split.spec()?).unwrap_or_default(),
        );
        m.insert("code".into(), CODE_VERSION.into());
        Ok(m)
    }

    fn eval_settings(&self) -> Result<EvalSettings> {
        let has = |g: &str| self.file.evaluate.metrics.iter().any(|m| m == g);
        Ok(EvalSettings {
            split: serde_json::to_value(self.file.split.spec()?).unwrap_or_default(),
            k: self.file.evaluate.k,
            rating: has("rating"),
            ranking: has("ranking"),
            factorized: has("factorized"),
            sample_precision: false,
        })
    }

    fn sha_or_pending(&self, rel: &Path) -> Value {
        file_sha256(&self.root.join(rel)).map_or_else(|_| "missing".into(), Value::from)
    }

    /// The stage kinds of every model, in order (`fit` and `register` with `[register]`).
    fn kinds(&self) -> &'static [&'static str] {
        match self.file.register {
            Some(_) => &["train", "eval", "fit", "register"],
            None => &["train", "eval"],
        }
    }

    /// The current inputs of stage `kind` of model `m` (read when the stage is reached, so
    /// an eval stage's model hash is that of the file just trained).
    fn inputs(&self, kind: &str, m: &ModelStage) -> Result<Map<String, Value>> {
        if kind == "register" {
            let full = self.rel("models", &format!("{}-full.cinerec", m.name));
            let store = self.file.register.as_ref().map_or("", |r| r.store.as_str());
            let mut x = Map::new();
            x.insert("model".into(), self.sha_or_pending(&full));
            x.insert(
                "evaluation".into(),
                self.lock
                    .stages
                    .get(&format!("eval.{}", m.name))
                    .map_or(Value::Null, |e| Value::Object(e.metrics.clone())),
            );
            x.insert("store".into(), cinerec_store::redact_url(store).into());
            x.insert("registered".into(), self.still_registered(m, store)?.into());
            return Ok(x);
        }
        let mut x = self.base_inputs()?;
        if kind == "eval" {
            let model = self.rel("models", &format!("{}.cinerec", m.name));
            x.insert("model".into(), self.sha_or_pending(&model));
            let ev = serde_json::to_value(self.eval_settings()?).unwrap_or_default();
            x.insert("evaluate".into(), ev);
        } else {
            // train (on the split's train part) or fit (on all the data: no split input).
            if kind == "fit" {
                x.remove("split");
            }
            x.insert("algorithm".into(), m.algorithm().into());
            x.insert("params".into(), m.params_json().unwrap_or(Value::Null));
        }
        Ok(x)
    }

    /// Whether the version the lock says `register.<model>` registered is still in the
    /// store (`false` when it never ran or the store lost it, e.g. was deleted or replaced):
    /// an input of the register stage, recorded as `true` when it finishes.
    fn still_registered(&self, m: &ModelStage, store: &str) -> Result<bool> {
        let version = self
            .lock
            .stages
            .get(&format!("register.{}", m.name))
            .and_then(|s| s.metrics.get("version"))
            .and_then(Value::as_i64);
        let Some(v) = version else {
            return Ok(false);
        };
        source::with_store(store, move |s| {
            Box::pin(async move { Ok(s.get_model(v).await?.is_some()) })
        })
    }

    /// A stage's outcome as the lock has it (`why` empty: fresh, it would not run).
    fn outcome(&self, name: &str, why: Vec<String>) -> StageOutcome {
        StageOutcome {
            stage: name.into(),
            ran: !why.is_empty(),
            why,
            metrics: self
                .lock
                .stages
                .get(name)
                .map(|s| s.metrics.clone())
                .unwrap_or_default(),
        }
    }

    /// Runs a stage without output files (`import`, `activate`) when it is stale or
    /// forced: `work` gets the inputs and returns the inputs to record and the figures; the
    /// lock is written when it finishes.
    fn single(
        &mut self,
        name: &str,
        inputs: Map<String, Value>,
        opts: &RunOptions,
        on_stage: &mut dyn FnMut(&StageEvent),
        work: impl FnOnce(&Self, Map<String, Value>) -> SingleResult,
    ) -> Result<StageOutcome> {
        let mut why = self.lock.staleness(name, &inputs, &self.root);
        if opts.force && why.is_empty() {
            why.push("forced".into());
        }
        if why.is_empty() {
            on_stage(&StageEvent::Skipped(name.into()));
            return Ok(self.outcome(name, why));
        }
        on_stage(&StageEvent::Running(name.into(), why.clone()));
        let t = Instant::now();
        let (recorded, metrics) = work(self, inputs)?;
        self.lock.finish(name, recorded, &[], metrics.clone())?;
        self.lock.write(&self.lock_path)?;
        on_stage(&StageEvent::Done(name.into(), t.elapsed().as_secs_f64()));
        Ok(StageOutcome {
            stage: name.into(),
            ran: true,
            why,
            metrics,
        })
    }

    fn stage_why(&self, name: &str, inputs: &Map<String, Value>, done: &[String]) -> Vec<String> {
        let mut why = self.lock.staleness(name, inputs, &self.root);
        // A stage after a stale upstream one runs with the upstream's new outputs.
        let model = name.split_once('.').map(|x| x.1).unwrap_or("");
        let upstream = match name.split('.').next() {
            Some("eval") => Some(format!("train.{model}")),
            Some("register") => Some(format!("fit.{model}")),
            _ => None,
        };
        if let Some(u) = upstream.filter(|u| done.contains(u)) {
            why.push(format!("{u} ran"));
        }
        why.dedup();
        why
    }
}

fn load_data(file: &PipelineFile, data_dir: &Path, fetch: bool) -> Result<Dataset> {
    let spec = &file.data.dataset;
    // `fetch = true`: the default source; `fetch = "…"`: that source; else no fetch.
    let source = match &file.data.fetch {
        Fetch::Flag(true) => Some(None),
        Fetch::From(s) => Some(Some(s.as_str())),
        Fetch::Flag(false) | Fetch::Off => None,
    };
    match (source::load_file(spec, data_dir, Keep::ALL), source) {
        (Err(EngineError::NoDataset { .. }), Some(from)) if fetch => {
            cinerec_data::fetch::fetch(spec, data_dir, from)?;
            source::load_file(spec, data_dir, Keep::ALL)
        }
        (loaded, _) => loaded,
    }
}

/// Which stages are stale and why (nothing runs; the data is loaded to hash it).
pub fn status(path: &Path, data_dir: &Path) -> Result<Vec<StageOutcome>> {
    let file = PipelineFile::read(path)?;
    let ctx = Ctx::open(path, &file, data_dir, false)?;
    let mut out = vec![];
    let mut stale: Vec<String> = vec![];
    if let Some(url) = file.import_store() {
        let why = ctx
            .lock
            .staleness("import", &import::inputs(&ctx.data, url)?, &ctx.root);
        out.push(ctx.outcome("import", why));
    }
    let stages = file
        .models
        .iter()
        .flat_map(|m| ctx.kinds().iter().map(move |k| (*k, m)));
    for (kind, m) in stages {
        let name = format!("{kind}.{}", m.name);
        let why = ctx.stage_why(&name, &ctx.inputs(kind, m)?, &stale);
        if !why.is_empty() {
            stale.push(name.clone());
        }
        out.push(ctx.outcome(&name, why));
    }
    if let Some(a) = activation_inputs(&ctx, &out)? {
        let why = ctx.lock.staleness("activate", &a, &ctx.root);
        out.push(ctx.outcome("activate", why));
    }
    Ok(out)
}

/// Runs the pipeline file at `path`: every stale stage in order (all with `force`).
pub fn run(
    path: &Path,
    opts: &RunOptions,
    on_stage: &mut dyn FnMut(&StageEvent),
) -> Result<Vec<StageOutcome>> {
    let file = PipelineFile::read(path)?;
    let mut ctx = Ctx::open(path, &file, &opts.data_dir, true)?;
    let mut outcomes: Vec<StageOutcome> = vec![];
    let mut ran: Vec<String> = vec![];
    if let Some(url) = file.import_store() {
        let inputs = import::inputs(&ctx.data, url)?;
        // Recorded with the store's counts after the import, so the next run finds it fresh.
        let o = ctx.single("import", inputs, opts, on_stage, |ctx, _| {
            let metrics = import::run(&ctx.data, url)?;
            Ok((import::inputs(&ctx.data, url)?, metrics))
        })?;
        outcomes.push(o);
    }
    for m in &file.models {
        for &kind in ctx.kinds() {
            let name = format!("{kind}.{}", m.name);
            let inputs = ctx.inputs(kind, m)?;
            let mut why = ctx.stage_why(&name, &inputs, &ran);
            if opts.force && why.is_empty() {
                why.push("forced".into());
            }
            if why.is_empty() {
                on_stage(&StageEvent::Skipped(name.clone()));
                let metrics = ctx.lock.stages[&name].metrics.clone();
                outcomes.push(StageOutcome {
                    stage: name,
                    ran: false,
                    why,
                    metrics,
                });
                continue;
            }
            on_stage(&StageEvent::Running(name.clone(), why.clone()));
            let t = Instant::now();
            let (outputs, metrics) = match kind {
                "train" => train_stage(&ctx, m, false)?,
                "eval" => eval_stage(&ctx, m, opts)?,
                "fit" => train_stage(&ctx, m, true)?,
                _ => register_stage(&ctx, m)?,
            };
            let mut inputs = inputs;
            if kind == "register" {
                // Just registered: what the next run checks the store for.
                inputs.insert("registered".into(), true.into());
            }
            let outs: Vec<(PathBuf, PathBuf)> = outputs
                .into_iter()
                .map(|rel| (rel.clone(), ctx.root.join(rel)))
                .collect();
            let refs: Vec<(PathBuf, &Path)> =
                outs.iter().map(|(r, a)| (r.clone(), a.as_path())).collect();
            ctx.lock.finish(&name, inputs, &refs, metrics.clone())?;
            ctx.lock.write(&ctx.lock_path)?;
            on_stage(&StageEvent::Done(name.clone(), t.elapsed().as_secs_f64()));
            ran.push(name.clone());
            outcomes.push(StageOutcome {
                stage: name,
                ran: true,
                why,
                metrics,
            });
        }
    }
    if let Some(inputs) = activation_inputs(&ctx, &outcomes)? {
        let o = ctx.single("activate", inputs, opts, on_stage, |ctx, mut inputs| {
            let metrics = activate_stage(ctx, &inputs)?;
            if let Some(r) = &ctx.file.register {
                inputs.insert("active".into(), active_version(&r.store)?.into());
            }
            Ok((inputs, metrics))
        })?;
        outcomes.push(o);
    }
    Ok(outcomes)
}

type StageResult = Result<(Vec<PathBuf>, Map<String, Value>)>;
/// What a stage without output files returns: the inputs to record and its figures.
type SingleResult = Result<(Map<String, Value>, Map<String, Value>)>;

/// `train.<model>` (on the split's train part: the model evaluated) or, with `full`,
/// `fit.<model>` (on all the data: the model registered and served).
fn train_stage(ctx: &Ctx<'_>, m: &ModelStage, full: bool) -> StageResult {
    let data = if full { &ctx.data } else { &ctx.split()?.train };
    let spec = TrainSpec::new(m.algorithm(), m.params_json());
    let trained = train::train(&spec, data, &mut NoObserver)?;
    let file = format!("{}{}.cinerec", m.name, if full { "-full" } else { "" });
    let rel = ctx.rel("models", &file);
    let abs = ctx.root.join(&rel);
    if let Some(dir) = abs.parent() {
        std::fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
    }
    lifecycle::save(&trained, data, &abs)?;
    let mut metrics = Map::new();
    metrics.insert("fit_seconds".into(), trained.fit_seconds.into());
    Ok((vec![rel], metrics))
}

fn eval_stage(ctx: &Ctx<'_>, m: &ModelStage, opts: &RunOptions) -> StageResult {
    let s = ctx.split()?;
    let model_file = ctx
        .root
        .join(ctx.rel("models", &format!("{}.cinerec", m.name)));
    let header = persist::read_header(&model_file)?;
    let model = persist::load(&model_file, &s.train)?;
    let settings = ctx.eval_settings()?;
    let t = Instant::now();
    let report = cinerec_eval::evaluate(model.as_ref(), &s.train, &s.test, &settings.config())?;
    let eval_s = t.elapsed().as_secs_f64();
    let rel = ctx.rel("reports", &format!("{}.json", m.name));
    let abs = ctx.root.join(&rel);
    if let Some(dir) = abs.parent() {
        std::fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
    }
    let body = serde_json::to_vec_pretty(&report).unwrap_or_default();
    cinerec_core::atomic::write_atomic(&abs, &[&body]).map_err(|e| EngineError::io(&abs, e))?;
    let mut metrics = Map::new();
    for (k, v) in report.metrics.iter() {
        metrics.insert(k.to_string(), v.clone());
    }
    if let Some(dir) = &opts.runs_dir {
        let data = DataRef::of(&ctx.file.data.dataset, &ctx.data);
        let mut rec = RunRecord::new("pipeline", &header.algorithm, header.params.clone(), data);
        rec.eval = Some(settings);
        rec.metrics = metrics.clone();
        rec.metrics.insert("eval_seconds".into(), eval_s.into());
        rec.seconds = eval_s;
        rec.note = Some(format!("eval.{} ({})", m.name, model_file.display()));
        let store = ctx.file.register.as_ref().map(|r| r.store.as_str());
        let id = Runs::pick(store, dir).record(rec)?;
        metrics.insert("run".into(), id.into());
    }
    Ok((vec![rel], metrics))
}

fn register_stage(ctx: &Ctx<'_>, m: &ModelStage) -> StageResult {
    let Some(r) = &ctx.file.register else {
        return Ok((vec![], Map::new()));
    };
    let model_file = ctx
        .root
        .join(ctx.rel("models", &format!("{}-full.cinerec", m.name)));
    let mut header = persist::read_header(&model_file)?;
    // The registry keeps the pipeline's evaluation (of the same configuration, fitted on
    // the split's train part) with the model fitted on all the data.
    if let Some(e) = ctx.lock.stages.get(&format!("eval.{}", m.name)) {
        header.metrics = Some(Value::Object(e.metrics.clone()));
    }
    let rec = source::with_store(&r.store, move |store| {
        Box::pin(async move { lifecycle::register(store, &header, &model_file).await })
    })?;
    let mut metrics = Map::new();
    metrics.insert("version".into(), rec.version.into());
    Ok((vec![], metrics))
}

/// The activation stage's inputs: the metric, each model's value of it and registered
/// version (`None` without `activate_if_better`).
fn activation_inputs(ctx: &Ctx<'_>, done: &[StageOutcome]) -> Result<Option<Map<String, Value>>> {
    let Some(r) = &ctx.file.register else {
        return Ok(None);
    };
    let Some(metric) = &r.activate_if_better else {
        return Ok(None);
    };
    let mut cands = Map::new();
    for m in &ctx.file.models {
        let get = |stage: String| {
            done.iter()
                .find(|o| o.stage == stage)
                .map(|o| o.metrics.clone())
                .or_else(|| ctx.lock.stages.get(&stage).map(|s| s.metrics.clone()))
                .unwrap_or_default()
        };
        let value = get(format!("eval.{}", m.name)).get(metric).cloned();
        let version = get(format!("register.{}", m.name)).get("version").cloned();
        cands.insert(m.name.clone(), json!({"value": value, "version": version}));
    }
    let mut a = Map::new();
    a.insert("metric".into(), metric.clone().into());
    a.insert("candidates".into(), Value::Object(cands));
    a.insert("store".into(), cinerec_store::redact_url(&r.store).into());
    a.insert("active".into(), active_version(&r.store)?.into());
    Ok(Some(a))
}

/// The store's active model version (`None`: none is active). An input of `activate`,
/// recorded as it is after the stage, so a store whose active model changed behind the lock
/// (replaced, or activated by hand) is looked at again.
fn active_version(store: &str) -> Result<Option<i64>> {
    source::with_store(store, |s| {
        Box::pin(async move { Ok(s.active_model().await?.map(|m| m.version)) })
    })
}

fn activate_stage(ctx: &Ctx<'_>, inputs: &Map<String, Value>) -> Result<Map<String, Value>> {
    let Some(r) = &ctx.file.register else {
        return Ok(Map::new());
    };
    let metric = inputs["metric"].as_str().unwrap_or_default().to_string();
    let lower = lower_is_better(&metric);
    let better = move |a: f64, b: f64| if lower { a < b } else { a > b };
    let mut best: Option<(String, f64, i64)> = None;
    for (name, c) in inputs["candidates"].as_object().into_iter().flatten() {
        let (Some(v), Some(ver)) = (c["value"].as_f64(), c["version"].as_i64()) else {
            continue;
        };
        if best.as_ref().is_none_or(|b| better(v, b.1)) {
            best = Some((name.clone(), v, ver));
        }
    }
    let Some((name, value, version)) = best else {
        return Err(EngineError::Invalid(format!(
            "activate: no registered model has `{metric}` (evaluate.metrics must compute it)"
        )));
    };
    let m2 = metric.clone();
    let activated = source::with_store(&r.store, move |store| {
        Box::pin(async move {
            let active = store.active_model().await?;
            let current = active
                .as_ref()
                .and_then(|a| a.metrics.as_ref())
                .and_then(|m| m.get(&m2))
                .and_then(Value::as_f64);
            let wins = match current {
                None => true,
                Some(c) => better(value, c),
            };
            if wins && active.as_ref().map(|a| a.version) != Some(version) {
                lifecycle::activate(store, version).await?;
                Ok::<_, EngineError>(Some(version))
            } else {
                Ok(None)
            }
        })
    })?;
    let mut out = Map::new();
    out.insert("best".into(), name.into());
    out.insert(metric, value.into());
    out.insert(
        "activated".into(),
        activated.map_or(Value::Null, Value::from),
    );
    Ok(out)
}
