//! Serving a fitted model over a catalogue that has grown since (movies added to a running
//! service). The model as fitted stays shared and untouched; [`grow_shared`] derives what
//! answers for the grown catalogue from it each time the catalogue grows: a copy that embeds
//! the new movies for models with a content side, else the shared model wrapped with the new
//! movies cold (`cinerec_core::grow`). Deriving from the fitted model every time, rather than
//! from the last grown one, keeps one layer of wrapping however often movies are added, and
//! lets an edited new movie be embedded afresh.

use crate::model_error::Result;
use crate::registry;
use cinerec_core::grow::ColdItems;
use cinerec_core::{CoreError, Dataset, Recommender};
use std::sync::Arc;

/// A copy of a fitted model (rebuilt from its name and parameters, its state restored).
pub fn copy_model(model: &dyn Recommender) -> Result<Box<dyn Recommender>> {
    let mut copy = registry::create(model.name(), Some(&model.params()))?;
    copy.load_state(&model.save_state()?)?;
    Ok(copy)
}

/// What answers for `data`'s catalogue given `fitted`, a model fitted on its first
/// `fitted_items` movies: `fitted` itself when nothing was added; a grown copy when it embeds
/// new movies; else `fitted` with the new movies cold. With `metadata_changed`, a model that
/// embeds movies is derived afresh even when no movie was added (TF-IDF follows edited
/// metadata; learned embeddings of trained movies stay until the next training).
pub fn grow_shared(
    fitted: &Arc<dyn Recommender>,
    fitted_items: usize,
    data: &Dataset,
    metadata_changed: bool,
) -> Result<Arc<dyn Recommender>> {
    let n = data.n_items();
    if n < fitted_items {
        return Err(CoreError::Mismatch(format!(
            "the model knows {fitted_items} movies, the catalogue only {n}"
        ))
        .into());
    }
    if n == fitted_items && !(metadata_changed && fitted.embeds_new_items()) {
        return Ok(fitted.clone());
    }
    if fitted.embeds_new_items() {
        let mut copy = copy_model(fitted.as_ref())?;
        copy.add_items(data)?;
        return Ok(Arc::from(copy));
    }
    Ok(Arc::new(ColdItems::new(fitted.clone(), fitted_items, n)))
}
