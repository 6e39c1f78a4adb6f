//! One file per subcommand.

pub mod data;
pub mod eval;
pub mod import;
pub mod query;
pub mod rate;
pub mod serve;
pub mod train;
pub mod tune;

use crate::output::{table, Output};

/// `cinerec models`: the registered algorithms.
pub fn models(out: &Output) -> anyhow::Result<()> {
    let list: Vec<(String, String)> = cinerec_models::registry::list()
        .iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect();
    out.result(&list, || {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|(n, d)| vec![n.clone(), d.clone()])
            .collect();
        table(&["model", "description"], &rows)
    })
}
