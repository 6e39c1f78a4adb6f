//! `spark`: fitting cinerec's ALS on Apache Spark (MLlib's block-partitioned ALS) for data
//! one machine cannot train on. The interactions are written as Parquet with the dataset's
//! inner ids (`cinerec_data::parquet_out::write_interactions`), the PySpark job shipped in
//! this module (`als_job.py`, embedded in the binary) runs through `spark-submit` (from PATH
//! or a given path; `local[*]` by default, any master URL otherwise), and the factors it
//! writes as Parquet are read back (`cinerec_data::loaders::parquet::read_factors`) into a
//! [`cinerec_models::Als`] — a model like any other, saved, registered and served the same
//! way, with `trained_by: spark`, the MLlib parameters and the timings in its metrics.
//!
//! Parameter mapping ([`map_params`]): factors → `rank`, iterations → `maxIter`, alpha →
//! `alpha` (MLlib's confidence is `1 + alpha·|r|` with preference `r > 0`: cinerec exports
//! `r = 1`, or the rating with `use_ratings`, so the confidences are cinerec's), seed →
//! `seed`. Regularisation differs in form: cinerec adds λ to every solve, MLlib adds
//! `regParam · n` with `n` the row's interaction count (ALS-WR), so no single `regParam`
//! reproduces a constant λ. [`map_params`] matches them where the data is: at the row size an
//! interaction sees on average, `n_eff = Σ n² / Σ n` over user and item rows together
//! (`regParam = λ / n_eff`). Matching the mean row size instead (`λ·(users + items)/(2·ratings)`,
//! the same total penalty weight) over-regularises the heavy users and popular movies that
//! carry most interactions, 2.5× too strongly on MovieLens-100K; the measurements of both
//! mappings are in `bench/spark/results.md`. MLlib solves each row exactly
//! (Cholesky) where cinerec's default takes `cg_steps` conjugate-gradient steps, and its
//! initial factors are drawn differently; the measured effect is in `bench/spark/results.md`.

use crate::error::{EngineError, Result};
use crate::train::{holdout_config, TrainSpec, Trained};
use cinerec_core::{Dataset, UserIdx};
use cinerec_data::split::{split, SplitSpec};
use cinerec_models::{Als, AlsParams};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The PySpark job, written next to the data for `spark-submit`.
pub const ALS_JOB: &str = include_str!("als_job.py");

/// Where and how to run Spark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkOptions {
    /// Master URL (`local[*]`, `spark://host:7077`, `yarn`, …).
    pub master: String,
    /// The `spark-submit` to run (a bare name is looked up on PATH).
    pub submit: PathBuf,
    /// Driver memory for local masters (`spark.driver.memory`).
    pub driver_memory: String,
    /// Keep the working folder (exported Parquet, job, log, factors) after a success.
    pub keep_work: bool,
}

impl Default for SparkOptions {
    fn default() -> Self {
        SparkOptions {
            master: "local[*]".into(),
            submit: PathBuf::from("spark-submit"),
            driver_memory: "2g".into(),
            keep_work: false,
        }
    }
}

/// MLlib `ALS` parameters (implicit preferences, not non-negative) for a cinerec ALS fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MllibParams {
    /// `rank`.
    pub rank: usize,
    /// `maxIter`.
    pub max_iter: usize,
    /// `regParam` (multiplied by each row's interaction count inside MLlib).
    pub reg_param: f64,
    /// `alpha`.
    pub alpha: f64,
    /// `seed`.
    pub seed: i64,
}

/// Maps cinerec's ALS parameters to MLlib's for `data` (see the module docs).
pub fn map_params(p: &AlsParams, data: &Dataset) -> MllibParams {
    MllibParams {
        rank: p.factors,
        max_iter: p.iterations,
        reg_param: p.regularization as f64 / interaction_weighted_row_size(data),
        alpha: p.alpha as f64,
        seed: (p.seed & i64::MAX as u64) as i64,
    }
}

/// `Σ n² / Σ n` over every user row and every item row of `data` (`n` its interaction
/// count): the size of the row a randomly drawn interaction belongs to, on average over its
/// two rows. At least 1.
pub fn interaction_weighted_row_size(data: &Dataset) -> f64 {
    let m = data.matrix();
    let sq = |n: usize| (n * n) as f64;
    let users: f64 = (0..m.n_users())
        .map(|u| sq(m.user_count(UserIdx(u as u32))))
        .sum();
    let items: f64 = (0..m.n_items())
        .map(|i| sq(m.item_users(cinerec_core::ItemIdx(i as u32)).len()))
        .sum();
    let nnz = data.n_ratings().max(1) as f64;
    ((users + items) / (2.0 * nnz)).max(1.0)
}

/// The value exported for a rating: 1 (implicit), or the rating with `use_ratings` (at least
/// a tiny positive value, as MLlib drops the preference of `r <= 0` where cinerec keeps it).
fn exported(p: &AlsParams, v: f32) -> f32 {
    if p.use_ratings {
        v.max(1e-6)
    } else {
        1.0
    }
}

/// Fits the ALS of `spec` on `data` with Spark; the result is a fitted [`Als`].
pub fn fit_als(spec: &TrainSpec, data: &Dataset, opts: &SparkOptions) -> Result<Trained> {
    if spec.algorithm != "als" {
        return Err(EngineError::Invalid(format!(
            "--engine spark trains `als` only, not `{}`",
            spec.algorithm
        )));
    }
    let params: AlsParams = serde_json::from_value(spec.create()?.params())
        .map_err(|e| EngineError::Invalid(format!("als parameters: {e}")))?;
    let mllib = map_params(&params, data);
    let t0 = Instant::now();
    let work = work_dir()?;
    let input = work.join("interactions.parquet");
    let m = data.matrix();
    let pr = &params;
    let rows = (0..m.n_users() as u32).flat_map(|u| {
        let (items, vals) = m.user_row(UserIdx(u));
        items
            .iter()
            .zip(vals)
            .map(move |(&i, &v)| (u, i, exported(pr, v)))
    });
    cinerec_data::parquet_out::write_interactions(&input, rows)?;
    let export_s = t0.elapsed().as_secs_f64();
    let out = work.join("factors");
    let t1 = Instant::now();
    run_job(opts, &work, &input, &out, &mllib)?;
    let spark_s = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let k = params.factors;
    let users = read_matrix(&out.join("users"), data.n_users(), k)?;
    let items = read_matrix(&out.join("items"), data.n_items(), k)?;
    let timings: Value = std::fs::read_to_string(out.join("timings.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    let model = Als::from_factors(params, data, users, items)?;
    let read_s = t2.elapsed().as_secs_f64();
    let fit_seconds = t0.elapsed().as_secs_f64();
    if !opts.keep_work {
        let _ = std::fs::remove_dir_all(&work);
    }
    let mut metrics = Map::new();
    metrics.insert("fit_seconds".into(), fit_seconds.into());
    metrics.insert("trained_by".into(), "spark".into());
    metrics.insert(
        "spark".into(),
        json!({
            "master": opts.master,
            "mllib_params": mllib,
            "export_seconds": export_s,
            "submit_seconds": spark_s,
            "read_factors_seconds": read_s,
            "job": timings,
        }),
    );
    Ok(Trained {
        algorithm: "als".into(),
        model: Box::new(model),
        metrics,
        history: Vec::new(),
        fit_seconds,
    })
}

/// [`crate::train::evaluate_holdout`] with the fit on Spark: the peers' temporal split of
/// `data`, ALS fitted by [`fit_als`] on its train part, evaluated on its test part.
pub fn evaluate_holdout(
    spec: &TrainSpec,
    data: &Dataset,
    opts: &SparkOptions,
) -> Result<cinerec_eval::Report> {
    let s = split(data, &SplitSpec::peer_temporal())?;
    let t = fit_als(spec, &s.train, opts)?;
    Ok(cinerec_eval::evaluate(
        t.model.as_ref(),
        &s.train,
        &s.test,
        &holdout_config(),
    )?)
}

fn work_dir() -> Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("cinerec-spark-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| EngineError::io(&dir, e))?;
    Ok(dir)
}

/// Writes the job and runs `spark-submit`, its output going to `work/spark.log`.
fn run_job(
    opts: &SparkOptions,
    work: &Path,
    input: &Path,
    out: &Path,
    p: &MllibParams,
) -> Result<()> {
    let job = work.join("als_job.py");
    std::fs::write(&job, ALS_JOB).map_err(|e| EngineError::io(&job, e))?;
    let log_path = work.join("spark.log");
    let log = std::fs::File::create(&log_path).map_err(|e| EngineError::io(&log_path, e))?;
    let log2 = log.try_clone().map_err(|e| EngineError::io(&log_path, e))?;
    let mut cmd = Command::new(&opts.submit);
    cmd.arg("--master").arg(&opts.master);
    if opts.master.starts_with("local") {
        cmd.arg("--driver-memory").arg(&opts.driver_memory);
    }
    cmd.arg(&job)
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(out)
        .args([
            "--rank",
            &p.rank.to_string(),
            "--max-iter",
            &p.max_iter.to_string(),
        ])
        .args([
            "--reg-param",
            &p.reg_param.to_string(),
            "--alpha",
            &p.alpha.to_string(),
        ])
        .args(["--seed", &p.seed.to_string()])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2);
    // spark-submit inside a virtualenv: run the job with that environment's Python.
    if std::env::var_os("PYSPARK_PYTHON").is_none() {
        if let Some(py) = opts
            .submit
            .parent()
            .map(|d| d.join("python3"))
            .filter(|p| p.is_file())
        {
            cmd.env("PYSPARK_PYTHON", py);
        }
    }
    let status = cmd.status().map_err(|e| {
        EngineError::Spark(format!(
            "cannot run {}: {e} (install Spark or `pip install pyspark`, or pass --spark-submit PATH)",
            opts.submit.display()
        ))
    })?;
    if !status.success() {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(EngineError::Spark(format!(
            "spark-submit failed ({status}); log {}:\n{}",
            log_path.display(),
            tail.join("\n")
        )));
    }
    Ok(())
}

/// A `rows × k` matrix from Spark's factor Parquet (rows Spark did not write stay 0).
fn read_matrix(dir: &Path, rows: usize, k: usize) -> Result<Vec<f32>> {
    let mut m = vec![0f32; rows * k];
    for (id, v) in cinerec_data::loaders::parquet::read_factors(dir)? {
        let r = usize::try_from(id)
            .ok()
            .filter(|&r| r < rows)
            .ok_or_else(|| {
                EngineError::Spark(format!(
                    "{}: factor id {id} is outside 0..{rows}",
                    dir.display()
                ))
            })?;
        if v.len() != k {
            return Err(EngineError::Spark(format!(
                "{}: id {id} has {} factors, expected {k}",
                dir.display(),
                v.len()
            )));
        }
        m[r * k..(r + 1) * k].copy_from_slice(&v);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cinerec_core::{fixtures, ItemIdx};

    /// `Σ n² / Σ n` counted directly from the rows, for the check below.
    fn brute_force(data: &Dataset) -> f64 {
        let m = data.matrix();
        let mut sq = 0.0;
        for u in 0..m.n_users() {
            sq += (m.user_count(UserIdx(u as u32)) as f64).powi(2);
        }
        for i in 0..m.n_items() {
            sq += (m.item_users(ItemIdx(i as u32)).len() as f64).powi(2);
        }
        sq / (2.0 * data.n_ratings() as f64)
    }

    #[test]
    fn reg_param_is_lambda_over_the_interaction_weighted_row_size() {
        let data = fixtures::synthetic(3);
        let n_eff = interaction_weighted_row_size(&data);
        assert!((n_eff - brute_force(&data)).abs() < 1e-9);
        // heavier rows than the plain mean: the users and items most interactions belong to
        let mean = data.n_ratings() as f64 * 2.0
            / (data.matrix().n_users() + data.matrix().n_items()) as f64;
        assert!(n_eff > mean, "n_eff {n_eff} vs mean {mean}");
        let p = AlsParams {
            regularization: 20.0,
            ..AlsParams::default()
        };
        let m = map_params(&p, &data);
        assert!((m.reg_param - 20.0 / n_eff).abs() < 1e-12);
        assert_eq!((m.rank, m.max_iter, m.seed), (p.factors, p.iterations, 42));
        // no rating at all: no division by zero
        assert!(map_params(&p, &fixtures::empty(3, 4)).reg_param.is_finite());
    }
}
