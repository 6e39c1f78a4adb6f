//! The model registry: every algorithm by name, with a one-line description and a
//! constructor from JSON parameters. Adding a model is one line in [`MODELS`] (its type must
//! implement [`Configurable`]). The neural models are listed when the `neural` feature is on:
//! alone it serves them (load, score, save) without burn and their `fit` fails with
//! [`CoreError::Unsupported`](cinerec_core::CoreError::Unsupported); `neural-train` (the
//! default) also trains them. The hybrid gets its components from this registry, injected as its factory.

use crate::auto::{Auto, Blend};
use crate::model_error::{ModelError, Result};
use cinerec_core::{Configurable, Recommender};
use cinerec_models::{Als, Baseline, Bpr, Popularity, RandomNormal};
use cinerec_models::{Ease, Hybrid, HybridParams, ItemKnn, TfIdf};
use cinerec_models::{Svd, SvdPp};
#[cfg(feature = "neural")]
use cinerec_neural::{AutoRec, Autoencoder, Features, TwoTower};
use serde_json::Value;

/// Builds a model from its registry name and optional JSON parameters.
type MakeFn = fn(&'static str, Option<&Value>) -> Result<Box<dyn Recommender>>;

/// One registered algorithm.
pub struct ModelInfo {
    /// Name used on the command line and in model files.
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    make: MakeFn,
}

impl std::fmt::Debug for ModelInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelInfo")
            .field("name", &self.name)
            .finish()
    }
}

const fn entry<M: Configurable>(name: &'static str, description: &'static str) -> ModelInfo {
    ModelInfo {
        name,
        description,
        make: build::<M>,
    }
}

/// Every registered model, in listing order.
pub const MODELS: &[ModelInfo] = &[
    entry::<Popularity>(
        "popularity",
        "most-rated movies first; predicts the movie's mean rating",
    ),
    entry::<Baseline>(
        "baseline",
        "global mean + user and item biases (Surprise BaselineOnly, ALS or SGD)",
    ),
    entry::<RandomNormal>(
        "random",
        "random ratings ~ Normal(mean, std) of the training ratings (Surprise NormalPredictor)",
    ),
    entry::<Als>(
        "als",
        "implicit-feedback ALS with conjugate gradient (implicit AlternatingLeastSquares); ranking only",
    ),
    entry::<Bpr>(
        "bpr",
        "Bayesian personalized ranking by SGD (implicit BayesianPersonalizedRanking); ranking only",
    ),
    entry::<Svd>(
        "svd",
        "biased matrix factorisation by parallel SGD (Surprise SVD), fold-in of new ratings",
    ),
    entry::<SvdPp>(
        "svdpp",
        "SVD++: SVD plus implicit feedback from the rated set (Surprise SVDpp, per-user pass)",
    ),
    entry::<ItemKnn>(
        "itemknn",
        "item-based KNN: KNNBaseline ratings, neighbourhood-sum ranking, similar movies",
    ),
    entry::<Ease>(
        "ease",
        "EASE closed-form item-item autoencoder (Steck 2019), ranking only",
    ),
    entry::<TfIdf>(
        "tfidf",
        "content model: TF-IDF over title, genres, decade, tags, knowledge graph; ranking only",
    ),
    entry::<Auto>(
        "auto",
        "picks the best rating model (or a blend) and the best ranking model with their parameters on a validation carve of the training data, within a time budget",
    ),
    entry::<Blend>(
        "blend",
        "rating model: feature-weighted ridge blend of baseline, SVD++, item-KNN (and AutoRec), weights learnt on a validation carve",
    ),
    ModelInfo {
        name: "hybrid",
        description:
            "blend of a collaborative (ease) and a content (tfidf) model with a cold-start chain",
        make: build_hybrid,
    },
    #[cfg(feature = "neural")]
    entry::<TwoTower>(
        "twotower",
        "two-tower multitask network: 64-d towers, rating MLP 256-128-1 + in-batch softmax retrieval (burn)",
    ),
    #[cfg(feature = "neural")]
    entry::<Features>(
        "features",
        "movie embeddings from features + user embeddings from the watched set (new movies and users without retraining); --method density|likelihood",
    ),
    #[cfg(feature = "neural")]
    entry::<Autoencoder>(
        "autoencoder",
        "user-based rating autoencoder with demographics (256-128-64, sigmoid output), burn",
    ),
    #[cfg(feature = "neural")]
    entry::<AutoRec>(
        "autorec",
        "item-based AutoRec (Sedhain et al. 2015), the accurate rating autoencoder, burn",
    ),
];

fn params_error(name: &str, message: String) -> ModelError {
    ModelError::Params {
        model: name.to_string(),
        message,
    }
}

/// The parameter struct of a model from optional JSON (`None` or `null` = defaults).
fn parse<P: serde::de::DeserializeOwned + Default>(
    name: &str,
    params: Option<&Value>,
) -> Result<P> {
    match params {
        None | Some(Value::Null) => Ok(P::default()),
        Some(Value::String(preset)) => Err(params_error(
            name,
            format!("unknown preset `{preset}` (it has none)"),
        )),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| params_error(name, e.to_string())),
    }
}

/// The parameters of `M` from JSON, where a bare string names one of its presets.
fn parse_or_preset<M: Configurable>(name: &str, params: Option<&Value>) -> Result<M::Params> {
    let Some(Value::String(preset)) = params else {
        return parse(name, params);
    };
    M::preset(preset).ok_or_else(|| {
        let known = match M::presets() {
            [] => "it has none".to_string(),
            p => format!("its presets: {}", p.join(", ")),
        };
        params_error(name, format!("unknown preset `{preset}` ({known})"))
    })
}

fn build<M: Configurable>(
    name: &'static str,
    params: Option<&Value>,
) -> Result<Box<dyn Recommender>> {
    let p = parse_or_preset::<M>(name, params)?;
    let m = M::from_params(p).map_err(|e| params_error(name, e.to_string()))?;
    Ok(Box::new(m))
}

/// The full parameters of `model`'s preset `preset` (e.g. `twotower`'s `reference`); an
/// error names the model's presets when it has no such one.
pub fn preset(model: &str, preset: &str) -> Result<Value> {
    Ok(create(model, Some(&Value::String(preset.to_string())))?.params())
}

/// The hybrid, with this registry as the factory of its components.
fn build_hybrid(name: &'static str, params: Option<&Value>) -> Result<Box<dyn Recommender>> {
    let p: HybridParams = parse(name, params)?;
    let factory = |n: &str, p: Option<&Value>| create(n, p).map_err(|e| e.to_string());
    let m = Hybrid::new(p, &factory).map_err(|e| params_error(name, e.to_string()))?;
    Ok(Box::new(m))
}

/// Names of all registered models.
pub fn names() -> Vec<&'static str> {
    MODELS.iter().map(|m| m.name).collect()
}

/// `(name, description)` of every registered model.
pub fn list() -> Vec<(&'static str, &'static str)> {
    MODELS.iter().map(|m| (m.name, m.description)).collect()
}

/// Builds the unfitted model `name` with `params` (`None` or `null` = defaults; a string = the
/// model's preset of that name).
/// An unknown name is an error that lists the known ones.
pub fn create(name: &str, params: Option<&Value>) -> Result<Box<dyn Recommender>> {
    match MODELS.iter().find(|m| m.name == name) {
        Some(m) => (m.make)(m.name, params),
        None => Err(ModelError::UnknownModel {
            name: name.to_string(),
            known: names().join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_unique_and_create_round_trips_params() {
        let n = names();
        let mut d = n.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), n.len());
        for name in n {
            let m = create(name, None).unwrap();
            assert_eq!(m.name(), name);
            let again = create(name, Some(&m.params())).unwrap();
            assert_eq!(again.params(), m.params(), "{name}");
        }
    }

    #[test]
    fn unknown_name_lists_known_ones() {
        let e = create("svd++", None)
            .err()
            .expect("unknown name must fail")
            .to_string();
        assert!(
            e.contains("svd++") && e.contains("popularity") && e.contains("baseline"),
            "{e}"
        );
    }

    #[test]
    fn bad_params_are_errors() {
        assert!(matches!(
            create("baseline", Some(&json!({"reg_u": -1.0}))),
            Err(ModelError::Params { .. })
        ));
        assert!(matches!(
            create("baseline", Some(&json!({"method": "lbfgs"}))),
            Err(ModelError::Params { .. })
        ));
        assert!(matches!(
            create("random", Some(&json!({"sed": 1}))),
            Err(ModelError::Params { .. })
        ));
        let m = create("baseline", Some(&json!({"method": "sgd"}))).unwrap();
        assert_eq!(m.params()["n_epochs"], json!(20));
    }

    #[test]
    fn presets_resolve_by_name_and_unknown_ones_are_errors() {
        let e = preset("baseline", "reference").unwrap_err().to_string();
        assert!(e.contains("reference") && e.contains("none"), "{e}");
        let e = preset("hybrid", "reference").unwrap_err().to_string();
        assert!(e.contains("reference") && e.contains("none"), "{e}");
        #[cfg(feature = "neural")]
        {
            let r = preset("twotower", "reference").unwrap();
            assert_eq!(r["negatives"], json!(0));
            assert_eq!(r["rating_weight"], json!(1.0));
            let d = create("twotower", None).unwrap().params();
            assert_ne!(r, d, "the default is not the reference");
            let m = create("twotower", Some(&json!("reference"))).unwrap();
            assert_eq!(m.params(), r);
            let e = preset("twotower", "tuned").unwrap_err().to_string();
            assert!(e.contains("tuned") && e.contains("reference"), "{e}");
        }
    }
}
