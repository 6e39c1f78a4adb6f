//! The optional demographic questions of `cinerec rate`: age, gender and occupation, from
//! the flags (`--age`, `--gender`, `--occupation`) or, asked before the movies, from the
//! person (an interactive terminal, or `--ask-demographics` with piped input); an empty
//! answer skips a question, a bad one is asked again. Checked by the core's one check
//! ([`cinerec_core::demographics`]) against the dataset's catalogue; the result goes to the
//! model with the ratings (`Recommender::score_all_with_meta`).

use super::{read_line, RateArgs};
use anyhow::{bail, Result};
use cinerec_core::demographics::{check_demographics, vocabulary, Given, AGE_MAX, AGE_MIN};
use cinerec_core::{Catalog, CoreError, UserMeta};
use std::io::{BufRead, Write};

/// True when the flags give any demographic.
pub fn from_flags(a: &RateArgs) -> bool {
    a.age.is_some() || a.gender.is_some() || a.occupation.is_some()
}

/// True when the catalogue knows any user's demographics (so a model may use them).
pub fn catalogue_has_demographics(catalog: &Catalog) -> bool {
    catalog
        .user_meta
        .iter()
        .any(|m| m.age.is_some() || m.gender.is_some() || m.occupation.is_some())
}

fn reason(e: CoreError) -> String {
    match e {
        CoreError::InvalidParam { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// Asks one question until the answer passes `check` (Enter = skip; None at end of input
/// or on a skip).
fn question(
    q: &str,
    input: &mut dyn BufRead,
    prompt: &mut dyn Write,
    check: &dyn Fn(&str) -> Result<(), String>,
) -> Result<Option<String>> {
    loop {
        let _ = write!(prompt, "{q} (Enter = skip): ");
        let _ = prompt.flush();
        let Some(line) = read_line(input)? else {
            let _ = writeln!(prompt);
            return Ok(None);
        };
        let t = line.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match check(t) {
            Ok(()) => return Ok(Some(t.to_string())),
            Err(msg) => {
                let _ = writeln!(prompt, "  {msg}");
            }
        }
    }
}

/// The person's demographics: the flags when any is given (a bad value is an error), else
/// the answers to the questions when `ask`, else none.
pub fn gather(
    a: &RateArgs,
    catalog: &Catalog,
    ask: bool,
    input: &mut dyn BufRead,
    prompt: &mut dyn Write,
) -> Result<Option<UserMeta>> {
    if from_flags(a) {
        let given = Given {
            age: a.age,
            gender: a.gender.as_deref(),
            occupation: a.occupation.as_deref(),
        };
        return match check_demographics(catalog, given) {
            Ok(m) => Ok(m),
            Err(e) => bail!("{}", reason(e)),
        };
    }
    if !ask {
        return Ok(None);
    }
    let (genders, occupations) = vocabulary(catalog);
    let _ = writeln!(
        prompt,
        "A few optional questions first: they help recommend before you have rated much."
    );
    let one = |g: Given<'_>| check_demographics(catalog, g).map(|_| ()).map_err(reason);
    let age = question(
        &format!("Your age ({AGE_MIN}-{AGE_MAX})"),
        input,
        prompt,
        &|t| match t.parse::<u16>() {
            Ok(v) => one(Given {
                age: Some(v),
                ..Default::default()
            }),
            Err(_) => Err(format!(
                "please type a whole number from {AGE_MIN} to {AGE_MAX}"
            )),
        },
    )?;
    let gender = question(
        &format!("Your gender ({})", genders.join("/")),
        input,
        prompt,
        &|t| {
            one(Given {
                gender: Some(t),
                ..Default::default()
            })
        },
    )?;
    let occupation_q = if occupations.is_empty() {
        "Your occupation".to_string()
    } else {
        format!("Your occupation ({})", occupations.join(", "))
    };
    let occupation = question(&occupation_q, input, prompt, &|t| {
        one(Given {
            occupation: Some(t),
            ..Default::default()
        })
    })?;
    let given = Given {
        age: age.and_then(|t| t.parse().ok()),
        gender: gender.as_deref(),
        occupation: occupation.as_deref(),
    };
    check_demographics(catalog, given).map_err(|e| anyhow::anyhow!(reason(e)))
}

/// "age 25, F, writer" for the summary line.
pub fn describe(m: &UserMeta) -> String {
    let mut parts = Vec::new();
    if let Some(a) = m.age {
        parts.push(format!("age {a}"));
    }
    parts.extend(m.gender.clone());
    parts.extend(m.occupation.clone());
    parts.join(", ")
}
