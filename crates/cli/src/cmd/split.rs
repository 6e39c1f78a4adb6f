//! `cinerec data split`: split a dataset and write train/test CSV files
//! (user,item,rating,timestamp), or the peers' five files with `--peer`.

use crate::args::split::SplitOpts;
use crate::output::{table, Output};
use crate::{resolve, Cli};
use anyhow::{Context, Result};
use cinerec_data::loaders;
use cinerec_data::split::{self as splits, SplitSpec};
use clap::Args;
use std::path::PathBuf;

/// `cinerec data split`.
#[derive(Args, Debug)]
pub struct SplitArgs {
    /// Dataset name or path.
    pub dataset: String,
    #[command(flatten)]
    pub split: SplitOpts,
    /// Write the peers' five files instead (ratings_train/test.csv: numpy random 80/20 seed 42
    /// in file order; temporal_train/test.csv; items.csv) — identical to peers/split.py.
    #[arg(long)]
    pub peer: bool,
    /// Output folder.
    #[arg(long, default_value = "splits")]
    pub out: PathBuf,
}

/// `cinerec data split`.
pub fn run(a: &SplitArgs, cli: &Cli, out: &Output) -> Result<()> {
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut written: Vec<(String, usize)> = Vec::new();
    if a.peer {
        let path = cinerec_engine::source::dataset_path(&a.dataset, &cli.data_dir)?;
        let (ds, file_order) = loaders::load_with_file_order(&path, &Default::default())?;
        let rnd = splits::split_interactions(&file_order, &SplitSpec::peer_random())?;
        let tmp = splits::split_interactions(&file_order, &SplitSpec::peer_temporal())?;
        let cat = ds.catalog();
        for (name, rows) in [
            ("ratings_train.csv", &rnd.train),
            ("ratings_test.csv", &rnd.test),
            ("temporal_train.csv", &tmp.train),
            ("temporal_test.csv", &tmp.test),
        ] {
            splits::write_split_csv(&a.out.join(name), cat, rows)?;
            written.push((name.to_string(), rows.len()));
        }
        let items: String = std::iter::once("item".to_string())
            .chain(cat.items.raws().iter().cloned())
            .map(|s| s + "\n")
            .collect();
        cinerec_eval::write_atomic(&a.out.join("items.csv"), items.as_bytes())?;
        written.push(("items.csv".into(), cat.n_items()));
    } else {
        let ds = resolve::load_dataset(&a.dataset, &cli.data_dir, out)?;
        let s = splits::split(&ds, &a.split.spec())?;
        out.note(&s.description);
        splits::write_dataset_csv(&a.out.join("train.csv"), &s.train)?;
        splits::write_split_csv(&a.out.join("test.csv"), ds.catalog(), &s.test)?;
        written.push(("train.csv".into(), s.train.n_ratings()));
        written.push(("test.csv".into(), s.test.len()));
    }
    out.result(&written, || {
        let rows: Vec<Vec<String>> = written
            .iter()
            .map(|(f, n)| vec![a.out.join(f).display().to_string(), n.to_string()])
            .collect();
        table(&["file", "rows"], &rows)
    })
}
