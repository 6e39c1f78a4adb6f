//! A new user's optional demographics (age, gender, occupation) as a person gives them
//! (`cinerec rate`, `POST /users`, `POST /recommend`): checked against a catalogue — gender
//! one of the catalogue's values, occupation one of its vocabulary when it has one, age
//! within [`AGE_MIN`, `AGE_MAX`] — and turned into a [`UserMeta`] spelled as the catalogue
//! spells it, for the models that use demographics
//! ([`crate::Recommender::score_all_with_meta`]). One check, both shells.

use crate::catalog::{Catalog, UserMeta};
use crate::error::CoreError;

/// Youngest accepted age (years).
pub const AGE_MIN: u16 = 1;
/// Oldest accepted age (years).
pub const AGE_MAX: u16 = 120;
/// Genders accepted when the catalogue has none.
pub const DEFAULT_GENDERS: [&str; 2] = ["M", "F"];
/// Upper bounds (exclusive) of the age buckets models group ages by; ages from the last
/// bound on share the last bucket. MovieLens-1M's groups: under 18, 18–24, 25–34, 35–44,
/// 45–49, 50–55, 56+.
pub const AGE_BOUNDS: [u16; 6] = [18, 25, 35, 45, 50, 56];
/// Number of age buckets.
pub const N_AGE_BUCKETS: usize = AGE_BOUNDS.len() + 1;

/// The age bucket of `age` (index into [`AGE_BOUNDS`]' groups, `0..N_AGE_BUCKETS`).
pub fn age_bucket(age: u16) -> usize {
    AGE_BOUNDS.iter().take_while(|&&b| age >= b).count()
}

/// Longest free-text occupation accepted when the catalogue has no vocabulary.
const MAX_OCCUPATION: usize = 64;

/// The demographics given in a request; empty strings count as not given.
#[derive(Debug, Clone, Copy, Default)]
pub struct Given<'a> {
    /// Age in years.
    pub age: Option<u16>,
    /// Gender.
    pub gender: Option<&'a str>,
    /// Occupation.
    pub occupation: Option<&'a str>,
}

fn invalid(reason: String) -> CoreError {
    CoreError::InvalidParam {
        name: "demographics".into(),
        reason,
    }
}

/// The catalogue's distinct genders (as spelled there; [`DEFAULT_GENDERS`] when it has
/// none) and occupations (empty when it has none: any short text is accepted).
pub fn vocabulary(catalog: &Catalog) -> (Vec<&str>, Vec<&str>) {
    let genders = distinct(catalog.user_meta.iter().filter_map(|m| m.gender.as_deref()));
    let occupations = distinct(
        catalog
            .user_meta
            .iter()
            .filter_map(|m| m.occupation.as_deref()),
    );
    let genders = if genders.is_empty() {
        DEFAULT_GENDERS.to_vec()
    } else {
        genders
    };
    (genders, occupations)
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = values.map(str::trim).filter(|s| !s.is_empty()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn pick<'a>(field: &str, value: &str, allowed: &[&'a str]) -> Result<&'a str, CoreError> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value))
        .copied()
        .ok_or_else(|| {
            invalid(format!(
                "{field} `{value}` is not one of: {}",
                allowed.join(", ")
            ))
        })
}

/// Checks `given` against `catalog` (see the module docs): `Ok(None)` when nothing was
/// given, else the demographics in the catalogue's spelling.
pub fn check_demographics(
    catalog: &Catalog,
    given: Given<'_>,
) -> Result<Option<UserMeta>, CoreError> {
    let gender = given.gender.map(str::trim).filter(|s| !s.is_empty());
    let occupation = given.occupation.map(str::trim).filter(|s| !s.is_empty());
    if given.age.is_none() && gender.is_none() && occupation.is_none() {
        return Ok(None);
    }
    if let Some(a) = given.age {
        if !(AGE_MIN..=AGE_MAX).contains(&a) {
            return Err(invalid(format!(
                "age {a} is outside [{AGE_MIN}, {AGE_MAX}]"
            )));
        }
    }
    let gender = match gender {
        None => None,
        Some(g) => Some(pick("gender", g, &vocabulary(catalog).0)?.to_string()),
    };
    let occupation = match occupation {
        None => None,
        Some(o) => {
            let known = vocabulary(catalog).1;
            if known.is_empty() {
                if o.chars().count() > MAX_OCCUPATION {
                    return Err(invalid(format!(
                        "occupation is longer than {MAX_OCCUPATION} characters"
                    )));
                }
                Some(o.to_string())
            } else {
                Some(pick("occupation", o, &known)?.to_string())
            }
        }
    };
    Ok(Some(UserMeta {
        age: given.age,
        gender,
        occupation,
        zip: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_against_the_catalogue() {
        let catalog = Catalog {
            user_meta: vec![
                UserMeta {
                    gender: Some("F".into()),
                    occupation: Some("writer".into()),
                    ..Default::default()
                },
                UserMeta {
                    gender: Some("M".into()),
                    occupation: Some("artist".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let ok = check_demographics(
            &catalog,
            Given {
                age: Some(30),
                gender: Some("f"),
                occupation: Some(" Writer "),
            },
        )
        .unwrap()
        .unwrap();
        assert_eq!(ok.gender.as_deref(), Some("F"));
        assert_eq!(ok.occupation.as_deref(), Some("writer"));
        assert!(check_demographics(&catalog, Given::default())
            .unwrap()
            .is_none());
        let empty = Given {
            gender: Some(""),
            ..Default::default()
        };
        assert!(check_demographics(&catalog, empty).unwrap().is_none());
        for bad in [
            Given {
                age: Some(0),
                ..Default::default()
            },
            Given {
                age: Some(121),
                ..Default::default()
            },
            Given {
                gender: Some("X"),
                ..Default::default()
            },
            Given {
                occupation: Some("astronaut"),
                ..Default::default()
            },
        ] {
            assert!(matches!(
                check_demographics(&catalog, bad),
                Err(CoreError::InvalidParam { .. })
            ));
        }
    }
}
