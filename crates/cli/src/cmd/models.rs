//! `cinerec models`: the registered algorithms with a one-line description each.

use crate::output::{table, Output};

/// `cinerec models`.
pub fn run(out: &Output) -> anyhow::Result<()> {
    let list: Vec<(String, String)> = cinerec_engine::registry::list()
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
