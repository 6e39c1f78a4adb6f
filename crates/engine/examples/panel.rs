//! The panel benchmark of issue #15: every registered model at its defaults on every panel
//! dataset (`cinerec_data::panel`), one JSON row per (dataset, model), and a summary table
//! against the references (baseline RMSE for rating models, popularity NDCG@10 for
//! ranking-only models). Rows are produced per model so slow models can run separately and
//! be merged; `bench/panel/run.sh` drives it.
//!
//! ```sh
//! cargo run --profile ci -p cinerec-engine --example panel -- run --size full \
//!     --datasets all --models baseline,popularity,svd --out bench/work/panel
//! cargo run --profile ci -p cinerec-engine --example panel -- summarise --size full \
//!     --out bench/work/panel --md bench/panel/results.md
//! ```

use cinerec_core::NoObserver;
use cinerec_data::panel::{self, PanelDataset, PanelSize};
use cinerec_engine::registry;
use cinerec_eval::{evaluate, predicts_ratings, EvalConfig};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Models judged on RMSE against the baseline although they also rank, and judged on NDCG
/// too (the lead's `auto` picks a rating and a ranking model).
const BOTH: &[&str] = &["auto"];
/// References and floors: not judged against themselves (baseline, popularity) or by
/// definition below any reference (random is Surprise's NormalPredictor); tfidf is content
/// only (exempt from the ranking check by the issue).
const EXEMPT: &[&str] = &["baseline", "popularity", "random", "tfidf"];
/// RMSE differences up to this are ties (f32 rounding; the contract test's `RMSE_TIE`).
const RMSE_TIE: f64 = 1e-6;

fn arg(name: &str) -> Option<String> {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|x| x == name)
        .and_then(|i| a.get(i + 1).cloned())
}

fn size() -> Res<PanelSize> {
    match arg("--size").as_deref().unwrap_or("full") {
        "full" => Ok(PanelSize::Full),
        "small" => Ok(PanelSize::Small),
        s => Err(format!("--size full|small, got {s}").into()),
    }
}

fn size_name(s: PanelSize) -> &'static str {
    match s {
        PanelSize::Full => "full",
        PanelSize::Small => "small",
    }
}

fn pick_datasets(size: PanelSize) -> Res<Vec<PanelDataset>> {
    let all = panel::datasets(size);
    match arg("--datasets").as_deref().unwrap_or("all") {
        "all" => Ok(all),
        list => list
            .split(',')
            .map(|n| {
                all.iter().find(|d| d.name == n).cloned().ok_or_else(|| {
                    format!("unknown panel dataset {n} (ML-100K needs CINEREC_ML100K)").into()
                })
            })
            .collect(),
    }
}

fn pick_models() -> Vec<String> {
    match arg("--models").as_deref().unwrap_or("all") {
        "all" => registry::names().into_iter().map(String::from).collect(),
        list => list.split(',').map(String::from).collect(),
    }
}

/// Fits `model` (with `params` over its defaults) on the dataset's train part and evaluates it.
fn run_one(
    d: &PanelDataset,
    split: &cinerec_data::split::Split,
    model: &str,
    params: Option<&Value>,
) -> Res<Value> {
    let mut m = registry::create(model, params)?;
    let t = Instant::now();
    m.fit(&split.train, &mut NoObserver)?;
    let fit_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let cfg = EvalConfig {
        fit_seconds: Some(fit_s),
        ..Default::default()
    };
    let r = evaluate(m.as_ref(), &split.train, &split.test, &cfg)?;
    let g = |k: &str| r.metrics.get(k).map_or(Value::Null, |v| json!(v));
    Ok(json!({
        "dataset": d.name,
        "model": model,
        "params": m.params(),
        "rating_model": predicts_ratings(m.as_ref(), &split.train),
        "rmse": g("rmse"),
        "ndcg@10": g("ndcg@10"),
        "fit_s": fit_s,
        "eval_s": t.elapsed().as_secs_f64(),
        "split": split.spec.label(),
        "n_train": split.train.n_ratings(),
        "n_test": split.test.len(),
    }))
}

fn run(out: &Path) -> Res<()> {
    let size = size()?;
    let params: Option<Value> = arg("--params")
        .map(|p| serde_json::from_str(&p))
        .transpose()?;
    let tag = arg("--tag").map(|t| format!("@{t}")).unwrap_or_default();
    for d in pick_datasets(size)? {
        let t = Instant::now();
        let split = d.load()?;
        eprintln!(
            "{}: {} ({:.1}s)",
            d.name,
            split.description,
            t.elapsed().as_secs_f64()
        );
        for model in pick_models() {
            let row = match run_one(&d, &split, &model, params.as_ref()) {
                Ok(r) => r,
                Err(e) => json!({"dataset": d.name, "model": model, "error": e.to_string()}),
            };
            eprintln!("  {model}{tag}: {row}");
            let dir = out.join(size_name(size)).join(d.name);
            std::fs::create_dir_all(&dir)?;
            std::fs::write(
                dir.join(format!("{model}{tag}.json")),
                serde_json::to_string_pretty(&row)?,
            )?;
        }
    }
    Ok(())
}

fn num(v: &Value, k: &str) -> Option<f64> {
    v.get(k).and_then(Value::as_f64)
}

fn summarise(out: &Path, md: &Path) -> Res<()> {
    let size = size()?;
    let order: Vec<String> = registry::names().into_iter().map(String::from).collect();
    let mut text = format!(
        "# Panel results ({} size)\n\nEvery model at its defaults on every panel dataset \
         (`cinerec_data::panel`), produced by `bench/panel/run.sh`. Reference: `baseline` RMSE \
         for rating models, `popularity` NDCG@10 for ranking-only models (`auto` both); \
         {} are references or exempt. LOSES = worse than the reference (RMSE within {RMSE_TIE:e} of it \
         counts as a tie: f32 rounding, as in the contract test).\n",
        size_name(size),
        EXEMPT.join(", ")
    );
    let mut all_pass = (0, 0);
    for d in panel::datasets(size) {
        let dir = out.join(size_name(size)).join(d.name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut rows: BTreeMap<String, Value> = BTreeMap::new();
        for e in entries {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "json") {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&p)?)?;
                let name = p
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("")
                    .to_string();
                rows.insert(name, v);
            }
        }
        let base = rows.get("baseline").and_then(|v| num(v, "rmse"));
        let pop = rows.get("popularity").and_then(|v| num(v, "ndcg@10"));
        let first = rows.values().next().cloned().unwrap_or(Value::Null);
        text.push_str(&format!(
            "\n## {}\n\n{}; split {}; {} train / {} test ratings.\n\n\
             | model | RMSE | NDCG@10 | reference | fit s | verdict |\n|---|---:|---:|---|---:|---|\n",
            d.name,
            d.about,
            first.get("split").and_then(Value::as_str).unwrap_or("?"),
            first.get("n_train").unwrap_or(&Value::Null),
            first.get("n_test").unwrap_or(&Value::Null),
        ));
        let mut names: Vec<&String> = rows.keys().collect();
        names.sort_by_key(|n| {
            let base = n.split('@').next().unwrap_or(n);
            (
                order.iter().position(|o| o == base).unwrap_or(usize::MAX),
                (*n).clone(),
            )
        });
        for name in names {
            let v = &rows[name];
            let model = name.split('@').next().unwrap_or(name);
            let f = |x: Option<f64>| x.map_or("–".to_string(), |x| format!("{x:.4}"));
            if let Some(e) = v.get("error").and_then(Value::as_str) {
                text.push_str(&format!("| {name} | – | – | – | – | ERROR: {e} |\n"));
                continue;
            }
            let (rmse, ndcg) = (num(v, "rmse"), num(v, "ndcg@10"));
            let rating = v
                .get("rating_model")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let mut refs = Vec::new();
            let mut ok = true;
            if !EXEMPT.contains(&model) {
                if rating {
                    refs.push(format!("baseline RMSE {}", f(base)));
                    ok &= matches!((rmse, base), (Some(r), Some(b)) if r <= b + RMSE_TIE);
                }
                if !rating || BOTH.contains(&model) {
                    refs.push(format!("popularity NDCG {}", f(pop)));
                    ok &= matches!((ndcg, pop), (Some(n), Some(p)) if n >= p);
                }
            }
            let verdict = if EXEMPT.contains(&model) {
                "reference/exempt"
            } else {
                all_pass.1 += 1;
                if ok {
                    all_pass.0 += 1;
                    "pass"
                } else {
                    "**LOSES**"
                }
            };
            text.push_str(&format!(
                "| {name} | {} | {} | {} | {:.1} | {verdict} |\n",
                f(rmse),
                f(ndcg),
                if refs.is_empty() {
                    "–".into()
                } else {
                    refs.join(", ")
                },
                num(v, "fit_s").unwrap_or(f64::NAN),
            ));
        }
    }
    text.push_str(&format!(
        "\n{} of {} judged rows pass.\n",
        all_pass.0, all_pass.1
    ));
    std::fs::write(md, text)?;
    eprintln!(
        "wrote {} ({} of {} pass)",
        md.display(),
        all_pass.0,
        all_pass.1
    );
    Ok(())
}

fn main() -> Res<()> {
    let out = PathBuf::from(arg("--out").unwrap_or_else(|| "bench/work/panel".into()));
    match std::env::args().nth(1).as_deref() {
        Some("run") => run(&out),
        Some("summarise") => summarise(
            &out,
            &PathBuf::from(arg("--md").unwrap_or_else(|| "bench/panel/results.md".into())),
        ),
        _ => Err(
            "usage: panel run|summarise [--size full|small] [--datasets a,b|all] \
                  [--models a,b|all] [--params JSON --tag T] [--out DIR] [--md FILE]"
                .into(),
        ),
    }
}
