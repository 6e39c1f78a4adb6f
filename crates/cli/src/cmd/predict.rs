//! `cinerec predict`: the predicted rating of one movie (by id or title) for one user, from
//! a saved model, the store's active model, or a model fitted on the spot.

use crate::args::model::ModelChoice;
use crate::output::Output;
use crate::{resolve, Cli};
use anyhow::Result;
use cinerec_core::{Keep, UserRef};
use cinerec_engine::Source;
use clap::Args;

/// `cinerec predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    #[command(flatten)]
    pub choice: ModelChoice,
    /// Raw user id.
    #[arg(long, short)]
    pub user: String,
    /// Movie id or title ("Toy Story", "Toy Story (1995)").
    #[arg(long)]
    pub movie: String,
}

/// `cinerec predict`.
pub fn run(a: &PredictArgs, cli: &Cli, out: &Output) -> Result<()> {
    let c = &a.choice;
    let source = Source::pick(c.store.as_deref(), &c.data, &cli.data_dir);
    let ds = resolve::load(&source, out, Keep::ALL)?;
    let user = resolve::user(&ds, &a.user)?;
    let item = resolve::movie(&ds, &a.movie)?;
    let name = c.model.as_deref().unwrap_or("baseline");
    let store = c.store.as_deref().filter(|_| c.model.is_none());
    let model = resolve::model_for(&ds, name, c.model_file.as_deref(), &c.model_dir, store, out)?;
    let est = model.predict(UserRef::Known(user), item)?;
    let cat = ds.catalog();
    let actual = ds.matrix().get(user, item);
    let j = serde_json::json!({
        "user": a.user, "movie": cat.raw_item(item).0, "title": cat.display_title(item),
        "model": model.name(), "prediction": est, "actual": actual,
    });
    out.result(&j, || {
        let act = actual.map(|r| format!(" (rated {r})")).unwrap_or_default();
        format!(
            "user {} × {} [{}]: predicted {:.3}{act} by {}",
            a.user,
            cat.display_title(item),
            cat.raw_item(item),
            est,
            model.name()
        )
    })
}
