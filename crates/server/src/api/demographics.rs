//! A new user's optional demographics as `POST /users` and `POST /recommend` take them:
//! checked against the serving catalogue by the core's one check
//! ([`cinerec_core::demographics`]: gender one of the catalogue's values, occupation one of
//! its vocabulary when it has one, age within [1, 120]); a bad value is a 422 JSON error
//! naming the field and what is allowed.

use cinerec_core::demographics::check_demographics;
use cinerec_core::demographics::Given;
use cinerec_core::{Catalog, CoreError, UserMeta};

use crate::error::ServerError;

/// The checked demographics of a request body's `age`, `gender` and `occupation` fields
/// (`None`: nothing given), or a 422.
pub fn check(
    catalog: &Catalog,
    age: Option<u16>,
    gender: &Option<String>,
    occupation: &Option<String>,
) -> Result<Option<UserMeta>, ServerError> {
    let given = Given {
        age,
        gender: gender.as_deref(),
        occupation: occupation.as_deref(),
    };
    check_demographics(catalog, given).map_err(|e| match e {
        CoreError::InvalidParam { reason, .. } => ServerError::InvalidBody(reason),
        other => ServerError::from(other),
    })
}
