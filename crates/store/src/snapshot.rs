//! The columnar snapshot of a store's ratings: one file per store holding the rating matrix
//! of one dataset version, so training and serving load it at file speed instead of
//! streaming millions of rows through SQL (`sql/snapload.rs` reads and writes it).
//!
//! Format (integers little-endian), chosen over Parquet because a load is one `read` of the
//! file, one CRC pass and four column copies — no decoding, no dictionary pages, and no
//! arrow/parquet build (a large dependency tree) in the store:
//! ```text
//! "CRSNAP01"                       8 bytes magic (format version in the last two)
//! header length u32, header JSON    {base, mark, n_users, n_items, n_ratings}
//! user ids length u64, user ids     raw ids joined by '\n' (ids never hold control characters)
//! item ids length u64, item ids
//! users u32 × n, items u32 × n      indices into the two id lists, rows sorted by user
//! values f32 × n, times u32 × n
//! crc32 u32                         of every byte before it
//! ```
//! `base` names the dataset version (a new one at every import) and `mark` is the store's
//! rating generation the file contains: ratings written later are read from the store's
//! rating log (`rating_log`, generation > mark) and applied on top. A file is written
//! through `cinerec_core::atomic` (readers see the old file or the whole new one).
//!
//! Where it lives ([`location`]): `CINEREC_SNAPSHOT_DIR` when set (any backend); else an
//! SQLite store keeps it beside its database file (`<db>.snapshot`) and a PostgreSQL or
//! MySQL store in `$XDG_CACHE_HOME/cinerec/snapshots` (`~/.cache/…`), one file per database,
//! named from the URL without its password. `CINEREC_SNAPSHOT=off` turns snapshots off.

use crate::dialect::Backend;
use crate::error::{Result, StoreError};
use cinerec_core::{Dataset, Interactions, UserIdx};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CRSNAP01";

/// What a snapshot file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Header {
    /// The dataset version (`store_info.snapshot_base`) it was taken of.
    pub base: String,
    /// The rating generation it contains.
    pub mark: i64,
    pub n_users: u64,
    pub n_items: u64,
    pub n_ratings: u64,
}

/// A decoded snapshot: ratings as indices into its own id lists.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub header: Header,
    pub users: Vec<String>,
    pub items: Vec<String>,
    pub inter: Interactions,
}

/// Where the snapshot of the store at `url` lives, or None when it has none (in-memory
/// SQLite, `CINEREC_SNAPSHOT=off`, no cache folder). See the module docs.
pub(crate) fn location(url: &str, backend: Backend) -> Option<PathBuf> {
    if std::env::var("CINEREC_SNAPSHOT").is_ok_and(|v| v == "off") {
        return None;
    }
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let key: String = crate::redact_url(url)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let name = format!("{key}-{:08x}.snapshot", crc32fast::hash(url.as_bytes()));
    if let Some(dir) = std::env::var_os("CINEREC_SNAPSHOT_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join(name));
    }
    match backend {
        Backend::Sqlite => {
            let rest = url
                .strip_prefix("sqlite://")
                .or(url.strip_prefix("sqlite:"))?;
            let path = rest.split('?').next().filter(|p| !p.is_empty())?;
            Some(PathBuf::from(format!("{path}.snapshot")))
        }
        _ => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
            Some(cache.join("cinerec").join("snapshots").join(name))
        }
    }
}

fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Snapshot {
        path: path.to_path_buf(),
        why: e.to_string(),
    }
}

/// Writes `data`'s ratings (with its catalogue's ids) as the snapshot of dataset version
/// `base` at generation `mark`, atomically.
pub(crate) fn write(path: &Path, data: &Dataset, base: &str, mark: i64) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_err(path, e))?;
    }
    let c = data.catalog();
    let m = data.matrix();
    let header = Header {
        base: base.to_string(),
        mark,
        n_users: c.users.len() as u64,
        n_items: c.items.len() as u64,
        n_ratings: m.nnz() as u64,
    };
    let json = serde_json::to_vec(&header).map_err(|e| StoreError::Snapshot {
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    let mut out = Crc(
        cinerec_core::atomic::AtomicFile::create(path).map_err(|e| io_err(path, e))?,
        crc32fast::Hasher::new(),
    );
    let mut put = |b: &[u8]| out.put(b).map_err(|e| io_err(path, e));
    put(MAGIC)?;
    put(&(json.len() as u32).to_le_bytes())?;
    put(&json)?;
    for ids in [c.users.raws(), c.items.raws()] {
        let blob = ids.join("\n");
        put(&(blob.len() as u64).to_le_bytes())?;
        put(blob.as_bytes())?;
    }
    let rows = || (0..c.users.len() as u32).map(UserIdx);
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut column = |put: &mut dyn FnMut(&[u8]) -> Result<()>,
                      each: &mut dyn FnMut(UserIdx, &mut Vec<u8>)|
     -> Result<()> {
        for u in rows() {
            each(u, &mut buf);
            if buf.len() >= 1 << 16 {
                put(&buf)?;
                buf.clear();
            }
        }
        put(&buf)?;
        buf.clear();
        Ok(())
    };
    column(&mut put, &mut |u, b| {
        for _ in 0..m.user_count(u) {
            b.extend_from_slice(&u.0.to_le_bytes());
        }
    })?;
    column(&mut put, &mut |u, b| {
        m.user_row(u)
            .0
            .iter()
            .for_each(|i| b.extend_from_slice(&i.to_le_bytes()))
    })?;
    column(&mut put, &mut |u, b| {
        m.user_row(u)
            .1
            .iter()
            .for_each(|v| b.extend_from_slice(&v.to_le_bytes()))
    })?;
    column(&mut put, &mut |u, b| {
        let n = m.user_count(u);
        let t = m.user_times(u);
        (0..n).for_each(|k| b.extend_from_slice(&t.get(k).copied().unwrap_or(0).to_le_bytes()))
    })?;
    let Crc(mut file, h) = out;
    file.write_all(&h.finalize().to_le_bytes())
        .and_then(|()| file.commit())
        .map_err(|e| io_err(path, e))
}

/// A writer that checksums what it writes.
struct Crc(cinerec_core::atomic::AtomicFile, crc32fast::Hasher);

impl Crc {
    fn put(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.1.update(b);
        self.0.write_all(b)
    }
}

/// Reads a snapshot file, checking magic, checksum and sizes. `Ok(None)` when there is no
/// file; a damaged file is [`StoreError::Snapshot`] saying what is wrong.
pub(crate) fn read(path: &Path) -> Result<Option<Snapshot>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path, e)),
    };
    decode(&bytes)
        .map(Some)
        .map_err(|why| StoreError::Snapshot {
            path: path.to_path_buf(),
            why,
        })
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u64(&mut self) -> std::result::Result<u64, String> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn ids(&mut self, n: u64) -> std::result::Result<Vec<String>, String> {
        let len = self.u64()? as usize;
        let s = std::str::from_utf8(self.take(len)?).map_err(|e| format!("ids: {e}"))?;
        let ids: Vec<String> = if n == 0 {
            Vec::new()
        } else {
            s.split('\n').map(String::from).collect()
        };
        if ids.len() as u64 != n {
            return Err(format!("{} ids where the header says {n}", ids.len()));
        }
        Ok(ids)
    }
    fn column<T>(&mut self, n: usize, f: fn([u8; 4]) -> T) -> std::result::Result<Vec<T>, String> {
        let raw = self.take(n.checked_mul(4).ok_or("column too large")?)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| f([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

fn decode(bytes: &[u8]) -> std::result::Result<Snapshot, String> {
    if bytes.len() < MAGIC.len() + 4 || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a cinerec snapshot of this format version".into());
    }
    let (body, tail) = bytes.split_at(bytes.len() - 4);
    let want = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    if crc32fast::hash(body) != want {
        return Err("checksum mismatch (damaged file)".into());
    }
    let mut c = Cursor {
        b: body,
        pos: MAGIC.len(),
    };
    let hl = c.take(4)?;
    let hl = u32::from_le_bytes([hl[0], hl[1], hl[2], hl[3]]) as usize;
    let header: Header = serde_json::from_slice(c.take(hl)?).map_err(|e| format!("header: {e}"))?;
    let users = c.ids(header.n_users)?;
    let items = c.ids(header.n_items)?;
    let n = usize::try_from(header.n_ratings).map_err(|e| e.to_string())?;
    let inter = Interactions {
        users: c.column(n, u32::from_le_bytes)?,
        items: c.column(n, u32::from_le_bytes)?,
        values: c.column(n, f32::from_le_bytes)?,
        times: c.column(n, u32::from_le_bytes)?,
    };
    if c.pos != body.len() {
        return Err(format!("{} unexpected bytes", body.len() - c.pos));
    }
    let (nu, ni) = (users.len() as u32, items.len() as u32);
    if inter.users.iter().any(|&u| u >= nu) || inter.items.iter().any(|&i| i >= ni) {
        return Err("a rating indexes past the id lists".into());
    }
    Ok(Snapshot {
        header,
        users,
        items,
        inter,
    })
}
