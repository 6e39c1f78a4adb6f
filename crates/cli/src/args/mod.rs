//! Argument groups shared by several subcommands, so each is declared once: split options
//! ([`split`]), model parameters ([`params`]) and the choice of the model that answers
//! ([`model`]). Subcommands flatten them into their own `Args`.

pub mod model;
pub mod params;
pub mod split;
