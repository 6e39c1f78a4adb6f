//! Model files: a versioned container written atomically (temporary file + rename).
//!
//! Layout (integers little-endian):
//! ```text
//! "CINEREC\0"            8 bytes magic
//! format version         u32 (currently 1)
//! header length          u64, then the header as JSON (ModelHeader)
//! state length           u64, then the model's save_state() bytes
//! ```
//! Loading checks the magic and version, rebuilds the model from `algorithm` + `params`
//! through the registry, restores the state, and refuses a dataset whose hash or size differs
//! from the one recorded (unless forced).

use crate::model_error::{DatasetMismatch, ModelError, Result};
use crate::registry;
use cinerec_core::{Dataset, Recommender};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// First bytes of every model file.
pub const MAGIC: &[u8; 8] = b"CINEREC\0";
/// Format version written by this build (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;

/// What a model file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// Container format version.
    pub format_version: u32,
    /// Registry name of the algorithm.
    pub algorithm: String,
    /// Hyper-parameters as the model reports them.
    pub params: Value,
    /// [`Dataset::hash`] of the training data.
    pub dataset_hash: String,
    /// Name of the training data.
    pub dataset_name: String,
    /// Catalogue users at training time.
    pub n_users: usize,
    /// Catalogue items at training time.
    pub n_items: usize,
    /// When the file was written (seconds since the Unix epoch).
    pub created_unix: u64,
    /// Version of cinerec that wrote the file.
    pub cinerec_version: String,
    /// Fingerprint of the training catalogue's movie ids in inner-id order
    /// ([`items_fingerprint`]): a catalogue that has since grown by appended movies is
    /// recognised by it and served (the new movies cold or embedded, `cinerec_core::grow`).
    /// Absent in files written before it existed: those need the same catalogue size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_hash: Option<String>,
    /// Fingerprint of the training catalogue's user ids in inner-id order
    /// ([`users_fingerprint`]): a catalogue with users appended since (created through the
    /// API, then read back from the store after a restart) is recognised by it; the new
    /// users are answered by fold-in from their ratings (`cinerec_core::cold_users::ColdUsers`).
    /// Absent in files written before it existed: those need the same number of users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users_hash: Option<String>,
    /// Evaluation figures recorded at training time, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Value>,
}

/// Options for [`load_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Load even when the dataset hash differs (ratings changed since the fit): the ids must
    /// still line up — the trained users and movies first, by the file's fingerprints (or the
    /// same counts, for a file without them) — with users and movies appended after them
    /// allowed.
    pub force: bool,
}

/// Encodes a fitted model trained on `data` into the file format.
pub fn to_bytes(
    model: &dyn Recommender,
    data: &Dataset,
    metrics: Option<Value>,
) -> Result<(Vec<u8>, ModelHeader)> {
    let (mut out, state, header) = encode(model, data, metrics)?;
    out.reserve_exact(state.len());
    out.extend_from_slice(&state);
    Ok((out, header))
}

/// The file in two parts, everything before the model state and the state, plus the header.
fn encode(
    model: &dyn Recommender,
    data: &Dataset,
    metrics: Option<Value>,
) -> Result<(Vec<u8>, Vec<u8>, ModelHeader)> {
    let state = model.save_state()?;
    let header = ModelHeader {
        format_version: FORMAT_VERSION,
        algorithm: model.name().to_string(),
        params: model.params(),
        dataset_hash: data.hash().to_string(),
        dataset_name: data.name.clone(),
        n_users: data.n_users(),
        n_items: data.n_items(),
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        cinerec_version: env!("CARGO_PKG_VERSION").to_string(),
        items_hash: Some(items_fingerprint(data, data.n_items())),
        users_hash: Some(users_fingerprint(data, data.n_users())),
        metrics,
    };
    let prefix = file_prefix(&header, state.len())?;
    Ok((prefix, state, header))
}

/// Everything of the file before the model state: magic, version, header, state length.
fn file_prefix(header: &ModelHeader, state_len: usize) -> Result<Vec<u8>> {
    let json =
        serde_json::to_vec(header).map_err(|e| ModelError::format("<header>", e.to_string()))?;
    let mut out = Vec::with_capacity(8 + 4 + 16 + json.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&(state_len as u64).to_le_bytes());
    Ok(out)
}

/// Writes `model` (fitted on `data`) to `path` atomically; returns the header written.
pub fn save(
    path: &Path,
    model: &dyn Recommender,
    data: &Dataset,
    metrics: Option<Value>,
) -> Result<ModelHeader> {
    // The bytes of `to_bytes`, written in two parts so a large model's state is not copied.
    let (prefix, state, header) = encode(model, data, metrics)?;
    cinerec_core::atomic::write_atomic(path, &[&prefix, &state])
        .map_err(|e| ModelError::io(path, e))?;
    Ok(header)
}

/// A cursor over the file bytes that reports truncation as a format error.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8]> {
        let left = (self.bytes.len() - self.pos) as u64;
        if n > left {
            return Err(ModelError::format(
                self.path,
                format!("truncated model file: {what} needs {n} bytes, {left} left"),
            ));
        }
        let s = &self.bytes[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8, what)?);
        Ok(u64::from_le_bytes(a))
    }
}

/// Splits file bytes into header and state, checking magic, version and lengths.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<(ModelHeader, Vec<u8>)> {
    let mut c = Cursor {
        bytes,
        pos: 0,
        path,
    };
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(ModelError::format(
            path,
            "not a cinerec model file (bad magic bytes)",
        ));
    }
    c.take(MAGIC.len() as u64, "magic")?;
    let mut v = [0u8; 4];
    v.copy_from_slice(c.take(4, "format version")?);
    let version = u32::from_le_bytes(v);
    if version == 0 || version > FORMAT_VERSION {
        return Err(ModelError::format(
            path,
            format!("model format version {version} is not supported (this cinerec reads version {FORMAT_VERSION}); it was probably written by a newer cinerec"),
        ));
    }
    let hlen = c.u64("header length")?;
    let header: ModelHeader = serde_json::from_slice(c.take(hlen, "header")?)
        .map_err(|e| ModelError::format(path, format!("unreadable model header: {e}")))?;
    if header.format_version != version {
        return Err(ModelError::format(
            path,
            format!(
                "header says format version {}, file says {version}",
                header.format_version
            ),
        ));
    }
    let slen = c.u64("state length")?;
    let state = c.take(slen, "model state")?.to_vec();
    if c.pos != bytes.len() {
        return Err(ModelError::format(
            path,
            format!(
                "{} unexpected bytes after the model state",
                bytes.len() - c.pos
            ),
        ));
    }
    Ok((header, state))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| ModelError::io(path, e))
}

/// Reads only the header of a model file (for `info`-style commands).
pub fn read_header(path: &Path) -> Result<ModelHeader> {
    Ok(parse(path, &read(path)?)?.0)
}

/// sha256 (hex, first 16 characters) of the first `n` of `ids`.
fn fingerprint(ids: &[String], n: usize) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for r in &ids[..n.min(ids.len())] {
        h.update(r.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fingerprint of the first `n` movie ids of `data`'s catalogue, in inner-id order.
pub fn items_fingerprint(data: &Dataset, n: usize) -> String {
    fingerprint(data.catalog().items.raws(), n)
}

/// Fingerprint of the first `n` user ids of `data`'s catalogue, in inner-id order.
pub fn users_fingerprint(data: &Dataset, n: usize) -> String {
    fingerprint(data.catalog().users.raws(), n)
}

/// Whether the first `trained` ids of a catalogue of `now` ids are the trained ones: the
/// same count (and, when the file has a fingerprint, the same ids), or more ids now with
/// the fingerprint of the first `trained` matching (ids appended since).
fn prefix_matches(
    trained: usize,
    now: usize,
    recorded: Option<&String>,
    now_hash: impl Fn() -> String,
) -> bool {
    match recorded {
        Some(h) => trained <= now && *h == now_hash(),
        None => trained == now,
    }
}

/// Whether `data`'s catalogue is the training catalogue of `header`, or it with users and/or
/// movies appended (the trained ones first, by their fingerprints).
fn grown_from(header: &ModelHeader, data: &Dataset) -> bool {
    let users = prefix_matches(
        header.n_users,
        data.n_users(),
        header.users_hash.as_ref(),
        || users_fingerprint(data, header.n_users),
    );
    let items = prefix_matches(
        header.n_items,
        data.n_items(),
        header.items_hash.as_ref(),
        || items_fingerprint(data, header.n_items),
    );
    users && items
}

/// Rebuilds a model from parsed file content, checking it against `data`: the model *as
/// fitted* (when `data`'s catalogue has grown since, [`load_with`] grows it).
pub fn from_parts(
    path: &Path,
    header: &ModelHeader,
    state: &[u8],
    data: &Dataset,
    opts: LoadOptions,
) -> Result<Box<dyn Recommender>> {
    let same_size = header.n_users == data.n_users() && header.n_items == data.n_items();
    // Forced (a store's data, changed since the fit), the ids must still line up: the
    // trained ones first, checked by fingerprint where the file has them.
    let fits = if opts.force {
        grown_from(header, data)
    } else {
        same_size
    };
    if !fits || (!opts.force && header.dataset_hash != data.hash()) {
        return Err(ModelError::DatasetMismatch(Box::new(DatasetMismatch {
            path: path.to_path_buf(),
            trained_name: header.dataset_name.clone(),
            trained_hash: header.dataset_hash.clone(),
            trained_users: header.n_users,
            trained_items: header.n_items,
            this_name: data.name.clone(),
            this_hash: data.hash().to_string(),
            this_users: data.n_users(),
            this_items: data.n_items(),
        })));
    }
    let mut model = registry::create(&header.algorithm, Some(&header.params))?;
    model.load_state(state)?;
    Ok(model)
}

/// Loads a model file for use with `data`, with options; returns the header too. Forced, a
/// catalogue grown by appended movies and users since training is accepted: the model serves
/// the movies as `cinerec_core::grow::grow_box` says (header `n_items` is what it was fitted
/// on) and the users by fold-in (`cinerec_core::cold_users`).
pub fn load_with(
    path: &Path,
    data: &Dataset,
    opts: LoadOptions,
) -> Result<(Box<dyn Recommender>, ModelHeader)> {
    let (model, header) = load_fitted(path, data, opts)?;
    let model = cinerec_core::grow::grow_box(model, header.n_items, data)?;
    if header.n_users < data.n_users() {
        let grown = cinerec_core::cold_users::ColdUsers::new(model.into(), header.n_users, data);
        return Ok((Box::new(grown), header));
    }
    Ok((model, header))
}

/// [`load_with`] without growing: the model as fitted, on its header's `n_items` movies (for a
/// caller that grows it again as its catalogue grows, e.g. the server).
pub fn load_fitted(
    path: &Path,
    data: &Dataset,
    opts: LoadOptions,
) -> Result<(Box<dyn Recommender>, ModelHeader)> {
    let (header, state) = parse(path, &read(path)?)?;
    let model = from_parts(path, &header, &state, data, opts)?;
    Ok((model, header))
}

/// Loads a model file for use with `data` (which must be the training data: same hash).
pub fn load(path: &Path, data: &Dataset) -> Result<Box<dyn Recommender>> {
    Ok(load_with(path, data, LoadOptions::default())?.0)
}
