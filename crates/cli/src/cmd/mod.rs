//! One file per subcommand: each parses its arguments and prints; the work is in the engine
//! and the library crates. No subcommand imports another; what several share lives in
//! `crate::args` (argument groups), `crate::resolve` (data and model lookup) and
//! `crate::output` (printing).

pub mod data;
pub mod eval;
pub mod export;
pub mod import;
pub mod models;
pub mod pipeline;
pub mod predict;
pub mod rate;
pub mod recommend;
pub mod runs;
pub mod serve;
pub mod split;
pub mod train;
pub mod tune;
