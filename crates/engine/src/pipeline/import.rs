//! The pipeline's `import` stage (`[data] import`): the dataset bulk-upserted into a store
//! (`cinerec_store::import_dataset`, idempotent), so the store the models are registered in
//! also holds the data they serve. Its inputs include what the store holds, so a store that
//! was emptied or replaced since the last import is imported again.

use crate::error::Result;
use crate::source;
use cinerec_core::Dataset;
use cinerec_store::{import_dataset, redact_url, ImportOptions};
use serde_json::{json, Map, Value};

/// The stage's inputs: the data's hash, the store, and the store's row counts now.
pub(super) fn inputs(data: &Dataset, url: &str) -> Result<Map<String, Value>> {
    let counts = source::with_store(url, |s| Box::pin(async move { Ok(s.counts().await?) }))?;
    let mut x = Map::new();
    x.insert("data".into(), data.hash().into());
    x.insert("store".into(), redact_url(url).into());
    x.insert(
        "store_rows".into(),
        json!({"users": counts.users, "movies": counts.movies, "ratings": counts.ratings}),
    );
    Ok(x)
}

/// Imports `data` into the store at `url`; the figures are the rows written and the seconds.
pub(super) fn run(data: &Dataset, url: &str) -> Result<Map<String, Value>> {
    // Not `source::with_store`: its future may not borrow `data`.
    let rep = source::runtime()?.block_on(async {
        let store = cinerec_store::open(url).await?;
        let rep = import_dataset(store.as_ref(), data, &ImportOptions::default(), &|_, _| {}).await;
        store.close().await;
        rep
    })?;
    let mut m = Map::new();
    m.insert("users".into(), rep.users.into());
    m.insert("movies".into(), rep.movies.into());
    m.insert("ratings".into(), rep.ratings.into());
    m.insert("import_seconds".into(), rep.seconds.into());
    Ok(m)
}
