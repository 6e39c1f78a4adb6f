//! Raw-id interning for the rating readers.
//!
//! Each parsing thread has one [`Interner`] per id column. It starts in *direct* mode: while
//! every id is a canonical non-negative integer (no sign, no leading zero) below
//! [`DENSE_MAX`], the column stores the id's value itself and the interner only sets a bit in
//! a small bitmap (cache-resident, unlike a lookup table). The first other id switches the
//! thread's column to *interned* mode: values written so far are converted once, and from
//! then on ids map to dense local numbers in first-appearance order (a dense table for small
//! integers, hash maps for the rest). [`merge`] joins the threads' interners in file order and
//! gives each thread a table from what its column holds (value or local id) to merged ids.

use rustc_hash::FxHashMap;

/// Ids below this use the dense lookup table (4 bytes per slot, grown on demand).
const DENSE_MAX: u64 = 1 << 22;

/// An interned raw id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A canonical non-negative integer.
    Int(u64),
    /// Anything else, as written.
    Str(Box<[u8]>),
}

impl Key {
    /// The raw id as text (UTF-8, Latin-1 fallback).
    pub(crate) fn to_raw(&self) -> String {
        match self {
            Key::Int(v) => v.to_string(),
            Key::Str(b) => super::text::utf8_or_latin1(b),
        }
    }
}

/// Parses a canonical integer id (`0`, `17`; not `017`, `+1`, `-1`, or more than 19 digits).
#[inline]
pub(crate) fn canonical_int(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    Some(v)
}

/// Interner of one id column of one thread (see the module docs).
#[derive(Debug)]
pub(crate) struct Interner {
    /// Direct mode: the column holds id values, `seen` marks them.
    direct: bool,
    seen: Vec<u64>,
    /// value → local + 1 (0 = absent) for integers below [`DENSE_MAX`].
    dense: Vec<u32>,
    ints: FxHashMap<u64, u32>,
    strs: FxHashMap<Box<[u8]>, u32>,
    /// local id → key.
    pub(crate) keys: Vec<Key>,
    last: Option<(u64, u32)>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            direct: true,
            seen: Vec::new(),
            dense: Vec::new(),
            ints: FxHashMap::default(),
            strs: FxHashMap::default(),
            keys: Vec::new(),
            last: None,
        }
    }
}

impl Interner {
    /// An interner that never uses direct mode (for merging).
    fn interning() -> Self {
        Interner {
            direct: false,
            ..Default::default()
        }
    }

    /// The value to store in the column for an id: `raw` is its bytes, `int` its canonical
    /// integer value if it has one. `done` is the part of this thread's column written so far
    /// (converted in place when leaving direct mode).
    #[inline]
    pub(crate) fn put(&mut self, raw: &[u8], int: Option<u64>, done: &mut [u32]) -> u32 {
        if self.direct {
            if let Some(v) = int.filter(|&v| v < DENSE_MAX) {
                let w = (v >> 6) as usize;
                if w >= self.seen.len() {
                    self.seen
                        .resize((w + 1).max(self.seen.len() * 2).max(64), 0);
                }
                self.seen[w] |= 1 << (v & 63);
                return v as u32;
            }
            self.direct = false;
            for x in done.iter_mut() {
                *x = self.intern_int(*x as u64);
            }
            self.seen = Vec::new();
        }
        match int {
            Some(v) => self.intern_int(v),
            None => self.intern_str(raw),
        }
    }

    /// Local id of `raw`, adding it if new (interned mode).
    #[cfg(test)]
    pub(crate) fn intern(&mut self, raw: &[u8]) -> u32 {
        self.direct = false;
        match canonical_int(raw) {
            Some(v) => self.intern_int(v),
            None => self.intern_str(raw),
        }
    }

    #[inline]
    fn intern_int(&mut self, v: u64) -> u32 {
        if let Some((lv, li)) = self.last {
            if lv == v {
                return li;
            }
        }
        let id = if v < DENSE_MAX {
            let ix = v as usize;
            if ix >= self.dense.len() {
                let want = (ix + 1)
                    .max(self.dense.len() * 2)
                    .max(1024)
                    .min(DENSE_MAX as usize);
                self.dense.resize(want, 0);
            }
            let slot = self.dense[ix];
            if slot != 0 {
                slot - 1
            } else {
                let id = self.keys.len() as u32;
                self.keys.push(Key::Int(v));
                self.dense[ix] = id + 1;
                id
            }
        } else {
            let n = self.keys.len() as u32;
            let id = *self.ints.entry(v).or_insert(n);
            if id == n {
                self.keys.push(Key::Int(v));
            }
            id
        };
        self.last = Some((v, id));
        id
    }

    fn intern_str(&mut self, raw: &[u8]) -> u32 {
        if let Some(&id) = self.strs.get(raw) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(Key::Str(raw.into()));
        self.strs.insert(raw.into(), id);
        id
    }

    /// Local id of an already-made key, adding it if new.
    pub(crate) fn intern_key(&mut self, k: &Key) -> u32 {
        match k {
            Key::Int(v) => self.intern_int(*v),
            Key::Str(b) => self.intern_str(b),
        }
    }
}

/// Joins per-thread interners in order. Returns the merged keys and, per thread, the table
/// from what that thread's column holds (an id value in direct mode, a local id otherwise) to
/// merged ids (`u32::MAX` for values that never occur).
pub(crate) fn merge(parts: Vec<Interner>) -> (Vec<Key>, Vec<Vec<u32>>) {
    let mut global = Interner::interning();
    let mut tables = Vec::with_capacity(parts.len());
    for p in parts {
        if p.direct {
            let mut table = vec![u32::MAX; p.seen.len() * 64];
            for (w, &bits) in p.seen.iter().enumerate() {
                let mut b = bits;
                while b != 0 {
                    let v = w * 64 + b.trailing_zeros() as usize;
                    table[v] = global.intern_int(v as u64);
                    b &= b - 1;
                }
            }
            tables.push(table);
        } else {
            tables.push(p.keys.iter().map(|k| global.intern_key(k)).collect());
        }
    }
    (global.keys, tables)
}

#[cfg(test)]
#[path = "intern_tests.rs"]
mod tests;
