//! # cinerec-core
//!
//! The types every other cinerec crate speaks:
//! - [`ids`]: raw ids (what files say) vs dense inner ids, and the [`IdMap`] between them;
//! - [`Interactions`] (columnar rating triples) and [`RatingMatrix`] (CSR by user and by item);
//! - [`Catalog`] (id maps + movie and user metadata, title lookup) and [`Dataset`];
//! - the [`Recommender`] trait and [`RecommenderExt`] (recommend / similar / explain written once),
//!   and [`Configurable`] (a model built from its parameter struct);
//! - [`top_k`] with the project-wide tie rule, a reproducible [`Rng`], and [`CoreError`];
//! - [`quantized`]: the exact top-N of a dot-product model from 8-bit codes and a few exact
//!   scores (what `recommend` uses for ALS and BPR);
//! - [`scoring`]: the factor models' serving kernel (every movie's dot product, AVX2 when the
//!   CPU has it, bit-identical to the portable [`scoring::dot`]);
//! - [`cold_users`]: a fitted model serving users added since its fit (folded in from
//!   their ratings), beside [`grow`] for movies;
//! - [`atomic`]: the one atomic file writer (temporary file, sync, rename);
//! - [`state`]: bounds-checked binary helpers every model uses for its fitted state, and
//!   [`shape`]: the fitted catalogue shape with the argument checks every model makes;
//! - [`model_macros`]: the constructor, fitted accessor and `name`/`params` every model shares;
//! - [`stats`]: descriptive statistics of a dataset (`cinerec data info`, the dashboard);
//! - [`fixtures`]: small datasets generated in code for tests;
//! - [`demographics`]: the one check of a new user's age, gender and occupation.

pub mod atomic;
pub mod catalog;
pub mod cold_users;
pub mod configurable;
pub mod dataset;
pub mod demographics;
pub mod error;
pub mod fixtures;
pub mod grow;
pub mod ids;
pub mod interactions;
pub mod matrix;
pub mod model_macros;
pub mod quantized;
pub mod recommender;
pub mod rng;
pub mod scoring;
pub mod shape;
pub mod state;
pub mod stats;
pub mod topk;

pub use catalog::{Catalog, ItemMeta, TitleMatch, UserMeta};
pub use configurable::Configurable;
pub use dataset::Dataset;
pub use error::{CoreError, Result};
pub use ids::{IdMap, ItemIdx, RawItemId, RawUserId, UserIdx};
pub use interactions::{Interactions, Rating};
pub use matrix::{Keep, RatingMatrix};
pub use recommender::{
    contributions, mask_seen, seen_items, top_n_of_scores, user_profile, Contribution, EpochReport,
    FitObserver, NoObserver, RecommendOptions, Recommender, RecommenderExt, Scored, UserRef,
};
pub use rng::Rng;
pub use topk::{rank_of, top_k};

#[doc(hidden)]
pub use serde_json as __serde_json;
