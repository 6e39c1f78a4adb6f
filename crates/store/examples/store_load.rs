//! The load half of `bench/scale/store.sh` without the CLI (one step per process, so GNU time
//! measures each step's peak memory):
//!
//! - `store_load csv DIR`: `cinerec_data::loaders::load` of a dataset folder or file (what
//!   `cinerec train --data` runs), the anchor;
//! - `store_load import DIR STORE_URL`: loads it and imports it (the snapshot is written after
//!   the import commits);
//! - `store_load store STORE_URL`: `Store::load_dataset_traced` (snapshot + changes since);
//! - `store_load sql STORE_URL`: `Store::load_dataset_sql` (the SQL path).
//!
//! Prints one JSON line: the step's seconds, the ratings loaded, the dataset hash (so the
//! loads can be checked to give the same dataset) and how the store load read its ratings.
#![allow(clippy::unwrap_used)] // a bench tool: a failed step ends the run with its message

use cinerec_store::{import_dataset, ImportOptions};
use std::path::Path;
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let t = Instant::now();
    let (ds, how) = match args.first().map(String::as_str) {
        Some("csv") => {
            let ds = cinerec_data::loaders::load(Path::new(&args[1]), &Default::default()).unwrap();
            (ds, "csv".to_string())
        }
        Some("import") => {
            let ds = cinerec_data::loaders::load(Path::new(&args[1]), &Default::default()).unwrap();
            let store = cinerec_store::open(&args[2]).await.unwrap();
            import_dataset(store.as_ref(), &ds, &ImportOptions::default(), &|_, _| {})
                .await
                .unwrap();
            store.close().await;
            (ds, "import".to_string())
        }
        Some("store") => {
            let store = cinerec_store::open(&args[1]).await.unwrap();
            let (ds, how) = store.load_dataset_traced().await.unwrap();
            store.close().await;
            (ds, serde_json::to_string(&how).unwrap())
        }
        Some("sql") => {
            let store = cinerec_store::open(&args[1]).await.unwrap();
            let ds = store.load_dataset_sql().await.unwrap();
            store.close().await;
            (ds, "sql".to_string())
        }
        _ => {
            eprintln!("usage: store_load csv DIR | import DIR URL | store URL | sql URL");
            std::process::exit(2);
        }
    };
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"seconds": secs, "ratings": ds.n_ratings(), "hash": ds.hash(), "how": how})
    );
}
