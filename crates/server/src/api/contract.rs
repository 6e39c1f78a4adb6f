//! The OpenAPI document as this server serves it (`GET /openapi.json`): the route table's
//! static document ([`super::docs::openapi`]) completed with what only the running server
//! knows, so that every bound the handlers enforce is in the document and every status they
//! can answer is listed:
//!
//! - counts (`top_n`, `n`, `limit`) within 1..=`max_results` of the configuration, `offset`
//!   ≥ 0, `diversity` within [0, 1];
//! - `genre`, `gender` and `occupation` as enums of the serving catalogue's vocabularies
//!   (genres grow as movies are added, so the document is built per request);
//! - ratings within the dataset's scale; text without NUL (the stores refuse it); names and keywords non-blank, of bounded length,
//!   without `|`;
//! - every operation answers 400 for a malformed path or query and 503 (with `Retry-After`)
//!   past the request timeout; one with a JSON body 400 for malformed JSON, 413 (the body
//!   limit of the configuration is stated), 415 and 422; a write 401, 409, 429 (the per-client
//!   write rate, with `Retry-After`) and 503 (the store is unavailable); every error answer
//!   carries the `ErrorBody` schema.
//!
//! One place, so the document and the checks cannot drift; `tests/contract` runs schemathesis
//! against it.

use serde_json::{json, Map, Value};

/// What the document's live bounds are built from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Largest count a request may ask for.
    pub max_results: usize,
    /// The catalogue's genre names.
    pub genres: Vec<String>,
    /// Accepted genders.
    pub genders: Vec<String>,
    /// Accepted occupations (empty: free text up to 64 characters).
    pub occupations: Vec<String>,
    /// The rating scale.
    pub scale: (f32, f32),
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Writes per second and burst allowed per client (0: no limit).
    pub write_rate: (u32, u32),
    /// Seconds before a request is answered 503 (0: no timeout).
    pub timeout_secs: u64,
}

/// Characters of a free-text word (genre, keyword, country, language).
const WORD_MAX: u64 = 60;
/// A string with a non-blank character, no `|` and no control character.
const WORD_PATTERN: &str = "^[^|\\u0000-\\u001f\\u007f-\\u009f]*[^|\\s\\u0000-\\u001f\\u007f-\\u009f][^|\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Request bodies whose properties take the bounds of [`bound`] (responses keep theirs).
const REQUEST_SCHEMAS: &[&str] = &[
    "AnonymousRequest",
    "GivenRating",
    "NewRating",
    "NewUser",
    "NewMovie",
    "MoviePatch",
];
/// A string with a non-blank character and no NUL (the stores refuse NUL in text).
const NON_BLANK: &str = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$";
/// A string without NUL.
const NO_NUL: &str = "^[^\\u0000]*$";

/// The error answer's schema (`ServerError::body`).
fn error_body() -> Value {
    json!({
        "type": "object",
        "required": ["error", "status"],
        "properties": {
            "error": {"type": "string", "description": "What went wrong."},
            "status": {"type": "integer", "description": "The HTTP status, repeated."},
            "suggestions": {"type": "array", "description": "Unknown movie: titles close to the one asked for."},
            "candidates": {"type": "array", "description": "Ambiguous title: the movies it matches."},
            "retry_after": {"type": "integer", "description": "429 and 503: seconds to wait before retrying (as the Retry-After header)."}
        }
    })
}

/// A response of a retryable status: its `Retry-After` header documented.
fn retryable(why: &str) -> Value {
    json!({
        "description": why,
        "headers": {"Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 1}
        }}
    })
}

/// `base` with the live bounds and the full status lists (see the module docs).
pub fn document(base: &utoipa::openapi::OpenApi, facts: &Facts) -> Value {
    let mut doc = serde_json::to_value(base).unwrap_or_else(|_| json!({}));
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.insert("ErrorBody".into(), error_body());
        for (name, schema) in schemas.iter_mut() {
            if name == "RatingsBody" {
                batch_bounds(schema);
            }
            if !REQUEST_SCHEMAS.contains(&name.as_str()) {
                continue;
            }
            if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                for (name, p) in props.iter_mut() {
                    bound(name, p, facts);
                }
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                operation(op, facts);
            }
        }
    }
    doc
}

/// `POST /ratings`' lists (bare or as `{"ratings": [...]}`): 1 to `MAX_BATCH` ratings.
fn batch_bounds(schema: &mut Value) {
    let max = super::ratings::MAX_BATCH;
    let Some(variants) = schema.get_mut("oneOf").and_then(Value::as_array_mut) else {
        return;
    };
    for v in variants {
        let list = if v["type"] == "array" {
            Some(v)
        } else {
            v.pointer_mut("/properties/ratings")
        };
        if let Some(Value::Object(o)) = list {
            o.insert("minItems".into(), json!(1));
            o.insert("maxItems".into(), json!(max));
        }
    }
}

/// One operation: its parameters bounded, its statuses completed.
fn operation(op: &mut Value, facts: &Facts) {
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params {
            let name = p["name"].as_str().unwrap_or_default().to_string();
            if let Some(s) = p.get_mut("schema") {
                bound(&name, s, facts);
            }
        }
    }
    let has_body = op.get("requestBody").is_some();
    let writes = op.get("security").is_some();
    let responses = op
        .as_object_mut()
        .map(|o| o.entry("responses").or_insert_with(|| json!({})));
    let Some(Value::Object(responses)) = responses else {
        return;
    };
    let mut add_response = |code: &str, r: Value| {
        let e = responses
            .entry(code.to_string())
            .or_insert_with(|| r.clone());
        // A status a handler documented gains the headers and the description added here
        // (and 413 the body limit, which only the configuration knows).
        if let (Some(e), Some(r)) = (e.as_object_mut(), r.as_object()) {
            for (k, v) in r {
                if k == "headers"
                    || (k == "description" && (r.contains_key("headers") || code == "413"))
                {
                    e.insert(k.clone(), v.clone());
                }
            }
        }
    };
    let timeout = if facts.timeout_secs > 0 {
        format!(
            "The request took longer than {} s (a write still completes)",
            facts.timeout_secs
        )
    } else {
        "The server is unavailable".to_string()
    };
    if writes {
        add_response(
            "503",
            retryable(&format!(
                "The store is unavailable (reads still answer from memory), or: {timeout}"
            )),
        );
        let (rate, burst) = facts.write_rate;
        if rate > 0 {
            add_response(
                "429",
                retryable(&format!(
                    "More than {rate} writes per second (bursts of {burst}) from this client"
                )),
            );
        }
    } else {
        add_response("503", retryable(&timeout));
    }
    let mut add = |code: &str, why: &str| add_response(code, json!({ "description": why }));
    add(
        "400",
        "Malformed path or query parameter, or malformed JSON",
    );
    if has_body {
        add(
            "413",
            &format!("Body larger than {} bytes", facts.body_limit),
        );
        add("415", "Body is not sent as application/json");
        add(
            "422",
            "A field is missing, of the wrong type or out of bounds",
        );
    }
    if writes {
        add("401", "Missing or wrong API key");
        add(
            "409",
            "The store refused the write against what it holds (nothing was written)",
        );
    }
    for (code, r) in responses.iter_mut() {
        if code.starts_with('4') || code.starts_with('5') || code == "300" {
            set_error_content(r);
        }
    }
}

/// Gives an error response the `ErrorBody` schema unless it names one already.
fn set_error_content(r: &mut Value) {
    let Some(r) = r.as_object_mut() else { return };
    if r.get("content").is_none() {
        r.insert(
            "content".into(),
            json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}),
        );
    }
}

/// The schema of a value named `name` (a parameter or a body property), bounded.
fn bound(name: &str, s: &mut Value, facts: &Facts) {
    let Some(o) = s.as_object_mut() else { return };
    let nullable = is_nullable(o);
    match name {
        "top_n" | "n" | "limit" => {
            o.insert("minimum".into(), json!(1));
            o.insert("maximum".into(), json!(facts.max_results));
        }
        "offset" => {
            o.insert("minimum".into(), json!(0));
            o.insert("maximum".into(), json!(u64::MAX));
        }
        "diversity" => {
            o.insert("minimum".into(), json!(0.0));
            o.insert("maximum".into(), json!(1.0));
        }
        "rating" if is_number(o) => {
            o.insert("minimum".into(), json!(facts.scale.0));
            o.insert("maximum".into(), json!(facts.scale.1));
        }
        "genre" => one_of(o, &facts.genres, nullable),
        // Demographics: an empty string counts as not given.
        "gender" => one_of(o, &with_empty(&facts.genders), nullable),
        "occupation" if !facts.occupations.is_empty() => {
            one_of(o, &with_empty(&facts.occupations), nullable)
        }
        // An unknown model is a 404; an empty name is malformed.
        "model" => {
            o.insert("minLength".into(), json!(1));
        }
        "occupation" => {
            o.insert("maxLength".into(), json!(64));
            o.insert("pattern".into(), json!(NO_NUL));
        }
        "zip" => {
            o.insert("pattern".into(), json!(NO_NUL));
        }
        "title" => {
            o.insert("pattern".into(), json!(NON_BLANK));
        }
        "country" | "language" => {
            o.insert("minLength".into(), json!(1));
            o.insert("maxLength".into(), json!(WORD_MAX));
            o.insert("pattern".into(), json!(NON_BLANK));
        }
        "genres" | "keywords" => {
            let mut item = Map::new();
            item.insert("type".into(), json!("string"));
            item.insert("minLength".into(), json!(1));
            item.insert("maxLength".into(), json!(WORD_MAX));
            item.insert("pattern".into(), json!(WORD_PATTERN));
            o.insert("items".into(), Value::Object(item));
        }
        _ => {}
    }
}

fn with_empty(values: &[String]) -> Vec<String> {
    let mut v = values.to_vec();
    v.push(String::new());
    v
}

/// Restricts a string schema to `values` (and null when it is nullable).
fn one_of(o: &mut Map<String, Value>, values: &[String], nullable: bool) {
    let mut e: Vec<Value> = values.iter().map(|v| json!(v)).collect();
    if nullable {
        e.push(Value::Null);
    }
    o.insert("enum".into(), Value::Array(e));
}

fn types(o: &Map<String, Value>) -> Vec<&str> {
    match o.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

fn is_nullable(o: &Map<String, Value>) -> bool {
    types(o).contains(&"null")
}

fn is_number(o: &Map<String, Value>) -> bool {
    types(o).iter().any(|t| *t == "number")
}
