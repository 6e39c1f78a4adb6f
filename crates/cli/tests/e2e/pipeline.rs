//! `cinerec pipeline` and `cinerec runs` (issue #19) on a synthetic dataset generated here:
//! a second run executes nothing; a changed parameter re-runs that model's train and eval
//! only; a corrupted model file is caught by its hash; runs are listed, compared and
//! reproduced exactly; with a store, the dataset is imported first, the runs are recorded in
//! the store, and a store replaced behind the lock is filled and registered in again.

use super::{cinerec, json};
use std::path::Path;

fn synth(work: &Path) {
    let r = cinerec(
        work,
        work,
        &[
            "--quiet",
            "data",
            "synth",
            "--users",
            "200",
            "--items",
            "150",
            "--ratings",
            "6000",
            "--seed",
            "5",
            "--out",
            "syn",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
}

fn write_pipeline(work: &Path, svd_factors: u32) {
    let text = format!(
        "out = \"out\"\nsplit = \"peer-random\"\n\n[data]\ndataset = \"syn\"\n\n\
         [evaluate]\nmetrics = [\"rating\", \"ranking\"]\n\n\
         [[model]]\nname = \"baseline\"\n\n\
         [[model]]\nname = \"svd\"\nparams = {{ n_factors = {svd_factors}, n_epochs = 5 }}\n"
    );
    std::fs::write(work.join("cinerec.toml"), text).unwrap();
}

/// (stage, ran) of a `pipeline run|status --output json`.
fn stages(v: &serde_json::Value) -> Vec<(String, bool)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_string(),
                s["ran"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn pipeline(work: &Path, cmd: &str) -> Vec<(String, bool)> {
    stages(&json(&cinerec(
        work,
        work,
        &["--output", "json", "pipeline", cmd],
    )))
}

fn ran(s: &[(String, bool)]) -> Vec<&str> {
    s.iter().filter(|x| x.1).map(|x| x.0.as_str()).collect()
}

#[test]
fn pipeline_runs_only_stale_stages_and_runs_compare_and_reproduce() {
    let t = tempfile::tempdir().unwrap();
    let work = t.path();
    synth(work);
    write_pipeline(work, 10);
    let first = pipeline(work, "run");
    assert_eq!(
        ran(&first),
        ["train.baseline", "eval.baseline", "train.svd", "eval.svd"]
    );
    assert!(work.join("cinerec.lock").exists());
    // Nothing changed: nothing runs, and status agrees.
    assert!(ran(&pipeline(work, "run")).is_empty());
    assert!(ran(&pipeline(work, "status")).is_empty());
    // One parameter of one model: that model's train and eval only.
    write_pipeline(work, 20);
    let st = json(&cinerec(
        work,
        work,
        &["--output", "json", "pipeline", "status"],
    ));
    let why = st[2]["why"].to_string();
    assert!(why.contains("params changed"), "{why}");
    assert_eq!(ran(&pipeline(work, "run")), ["train.svd", "eval.svd"]);
    // A corrupted artifact is caught by its hash and rebuilt.
    let model = work.join("out/models/baseline.cinerec");
    let mut bytes = std::fs::read(&model).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&model, bytes).unwrap();
    let st = json(&cinerec(
        work,
        work,
        &["--output", "json", "pipeline", "status"],
    ));
    assert!(st[0]["why"].to_string().contains("hash differs"), "{st}");
    assert_eq!(
        ran(&pipeline(work, "run")),
        ["train.baseline", "eval.baseline"]
    );

    // Every evaluation was recorded: compare two, reproduce one exactly.
    let runs = json(&cinerec(work, work, &["--output", "json", "runs", "list"]));
    let runs = runs.as_array().unwrap();
    // eval.baseline, eval.svd (10), eval.svd (20), eval.baseline (rebuilt).
    assert_eq!(runs.len(), 4, "{runs:?}");
    let id = |k: usize| runs[k]["id"].as_str().unwrap().to_string();
    let (a, b) = (id(1), id(2)); // svd with 10 factors, then with 20
    let cmp = cinerec(work, work, &["runs", "compare", &a, &b]);
    assert!(cmp.ok, "{}", cmp.stderr);
    let rmse_row = cmp
        .stdout
        .lines()
        .find(|l| l.starts_with("| rmse |"))
        .unwrap();
    assert_eq!(rmse_row.matches('|').count(), 4, "{rmse_row}");
    assert!(
        cmp.stdout.contains("| param n_factors | 10 | 20 |"),
        "{}",
        cmp.stdout
    );
    let rep = json(&cinerec(
        work,
        work,
        &["--output", "json", "runs", "reproduce", &b],
    ));
    assert_eq!(rep["matches"], true, "{rep}");
    assert!(rep["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["metric"] == "rmse"));
}

#[test]
fn a_bad_pipeline_file_names_the_file_and_the_key() {
    let t = tempfile::tempdir().unwrap();
    let work = t.path();
    std::fs::write(
        work.join("cinerec.toml"),
        "[data]\ndataset = \"syn\"\n[[model]]\nname = \"svd\"\nparams = { n_factorz = 3 }\n",
    )
    .unwrap();
    let r = cinerec(work, work, &["pipeline", "run"]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains("cinerec.toml: model[0].params"),
        "{}",
        r.stderr
    );
    assert!(!work.join("cinerec.lock").exists());
}

/// With a store: `import` loads the dataset into it first, the models are registered and
/// the better activated, and the evaluations are recorded in the store's history (not the
/// runs folder), as is a later `train --store`.
#[test]
fn pipeline_imports_registers_and_records_runs_in_its_store() {
    let t = tempfile::tempdir().unwrap();
    let work = t.path();
    synth(work);
    let url = format!("sqlite://{}", work.join("s.db").display());
    let text = format!(
        "out = \"out\"\nsplit = \"peer-random\"\n\n[data]\ndataset = \"syn\"\nimport = true\n\n\
         [evaluate]\nmetrics = [\"rating\"]\n\n\
         [[model]]\nname = \"baseline\"\n\n\
         [[model]]\nname = \"svd\"\nparams = {{ n_factors = 5, n_epochs = 5 }}\n\n\
         [register]\nstore = \"{url}\"\nactivate_if_better = \"rmse\"\n"
    );
    std::fs::write(work.join("cinerec.toml"), text).unwrap();
    let first = json(&cinerec(
        work,
        work,
        &["--output", "json", "pipeline", "run"],
    ));
    let names: Vec<(String, bool)> = stages(&first);
    assert_eq!(names[0], ("import".to_string(), true), "{first}");
    assert!(
        first[0]["metrics"]["ratings"].as_u64().unwrap() > 1000,
        "{first}"
    );
    assert_eq!(names.last().unwrap().0, "activate");
    assert!(names.iter().all(|s| s.1), "{names:?}");
    // Nothing changed, the store included: nothing runs.
    assert!(ran(&pipeline(work, "run")).is_empty());

    let in_store = |work: &Path| {
        json(&cinerec(
            work,
            work,
            &["--output", "json", "runs", "--store", &url, "list"],
        ))
        .as_array()
        .unwrap()
        .clone()
    };
    let runs = in_store(work);
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs.iter().all(|r| r["kind"] == "pipeline"));
    let folder = json(&cinerec(work, work, &["--output", "json", "runs", "list"]));
    assert_eq!(folder.as_array().unwrap().len(), 0, "{folder}");
    // The imported store trains, and the run goes to its history.
    let r = cinerec(
        work,
        work,
        &["--quiet", "train", "--store", &url, "--model", "baseline"],
    );
    assert!(r.ok, "{}", r.stderr);
    let runs = in_store(work);
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert_eq!(runs[2]["kind"], "train");
    let shown = json(&cinerec(
        work,
        work,
        &[
            "--output",
            "json",
            "runs",
            "--store",
            &url,
            "show",
            runs[0]["id"].as_str().unwrap(),
        ],
    ));
    assert_eq!(shown["algorithm"], runs[0]["algorithm"]);

    // The store replaced behind the lock: the import and every registration run again, and
    // the best model is activated in the new store; the models themselves are not refitted.
    for f in ["s.db", "s.db-wal", "s.db-shm"] {
        let _ = std::fs::remove_file(work.join(f));
    }
    let st = json(&cinerec(
        work,
        work,
        &["--output", "json", "pipeline", "status"],
    ));
    let why = st.to_string();
    assert!(why.contains("registered changed"), "{st}");
    assert_eq!(
        ran(&pipeline(work, "run")),
        ["import", "register.baseline", "register.svd", "activate"]
    );
    let models = json(&cinerec(
        work,
        work,
        &["--output", "json", "models", "--store", &url],
    ));
    let models = models.as_array().unwrap();
    assert_eq!(models.len(), 2, "{models:?}");
    assert_eq!(models.iter().filter(|m| m["active"] == true).count(), 1);
}
