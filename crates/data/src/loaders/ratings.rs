//! The fast, parallel reader of big rating files (`ratings.csv`, `ratings.dat`, `u.data`,
//! `.inter`, generic CSV/TSV).
//!
//! The file is never read whole: it is cut into one byte range per thread at line
//! boundaries, each thread first counts its lines (memchr over 16 MiB blocks) so the four
//! output columns are allocated once with their exact size, then each thread parses its
//! range block by block straight into its own slice of those columns, interning raw ids with
//! its own [`Interner`]. The interners are merged in file order; [`RawRatings::finish`]
//! rewrites the columns to the final (sorted) inner ids in one parallel pass.

use super::blocks::{for_each_line, next_line_start, read_full, BLOCK};
use super::intern::{canonical_int, merge, Interner, Key};
use super::text::{parse_rating, parse_time, perr, show, split_quoted, strip_cr};
use crate::error::{DataError, Result};
use cinerec_core::Interactions;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Files smaller than this per extra thread are read by fewer threads.
const MIN_PER_THREAD: u64 = 4 << 20;

/// Where the columns of a rating file are and how its lines look.
#[derive(Debug, Clone)]
pub(crate) struct RatingsSpec {
    /// Field separator (one byte, or `::`).
    pub sep: Vec<u8>,
    /// Skip the first line.
    pub skip_header: bool,
    /// Fields may be wrapped in double quotes (CSV).
    pub quotes: bool,
    /// 0-based columns.
    pub user_col: usize,
    /// Item column.
    pub item_col: usize,
    /// Rating column (`None`: implicit feedback, value 1).
    pub rating_col: Option<usize>,
    /// Timestamp column (`None`: every timestamp is 0; a line without it is an error).
    pub time_col: Option<usize>,
    /// Field names for error messages: user, item, rating, timestamp.
    pub names: [String; 4],
    /// How many fields a line has (the header's count, or the format's): a line with more is
    /// an error rather than a silent shift. `None`: whatever follows the last mapped column
    /// is ignored.
    pub columns: Option<usize>,
    /// The format's fixed rating scale (ML-100K 1–5, ML-1M/10M 0.5–5): a rating outside it is
    /// an error. `None`: any finite number (the scale is the range seen).
    pub range: Option<(f32, f32)>,
}

impl RatingsSpec {
    /// A headerless, unquoted file with user, item, rating, timestamp in columns 0–3.
    pub(crate) fn positional(sep: &[u8], names: [&str; 4]) -> Self {
        RatingsSpec {
            sep: sep.to_vec(),
            skip_header: false,
            quotes: false,
            user_col: 0,
            item_col: 1,
            rating_col: Some(2),
            time_col: Some(3),
            names: names.map(String::from),
            columns: Some(4),
            range: None,
        }
    }
}

/// Reads the headerless ratings file `file` of `dir` (required; `what` names it when
/// missing): user, item, rating and timestamp separated by `sep`, called `names` in errors.
pub(crate) fn read_positional(
    dir: &Path,
    file: &str,
    what: &str,
    sep: &[u8],
    names: [&str; 4],
    range: (f32, f32),
    threads: usize,
) -> Result<RawRatings> {
    let data = require_file(dir.join(file), what)?;
    let spec = RatingsSpec {
        range: Some(range),
        ..RatingsSpec::positional(sep, names)
    };
    read_ratings(&data, &spec, threads)
}

/// `path` if it is a file, else a [`DataError::Format`] naming it as a required `what`.
pub(crate) fn require_file(
    path: std::path::PathBuf,
    what: &str,
) -> crate::error::Result<std::path::PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Err(crate::error::DataError::Format {
            path,
            message: format!("missing required file {name} ({what})"),
        })
    }
}

/// Ratings with ids in first-appearance order, before the final id assignment.
pub(crate) struct RawRatings {
    /// The columns; `users`/`items` hold *thread-local* ids until [`RawRatings::finish`].
    inter: Interactions,
    /// Raw user ids in first-appearance order.
    pub user_keys: Vec<String>,
    /// Raw item ids in first-appearance order.
    pub item_keys: Vec<String>,
    /// Per thread: (start row, rows, local→merged user table, local→merged item table).
    segments: Vec<(usize, usize, Vec<u32>, Vec<u32>)>,
}

impl RawRatings {
    /// The rating values.
    pub(crate) fn values(&self) -> &[f32] {
        &self.inter.values
    }

    /// Ratings read by one sequential reader (the Parquet loader): `inter` holds what
    /// `users`/`items` put in its id columns. `what` names the file for the empty-file error.
    pub(crate) fn single(
        inter: Interactions,
        users: Interner,
        items: Interner,
        what: &Path,
    ) -> Result<Self> {
        if inter.values.is_empty() {
            return Err(DataError::Format {
                path: what.to_path_buf(),
                message: "no ratings in the file".into(),
            });
        }
        let (ukeys, mut ut) = merge(vec![users]);
        let (ikeys, mut it) = merge(vec![items]);
        let n = inter.values.len();
        Ok(RawRatings {
            inter,
            user_keys: ukeys.iter().map(Key::to_raw).collect(),
            item_keys: ikeys.iter().map(Key::to_raw).collect(),
            segments: vec![(
                0,
                n,
                ut.pop().unwrap_or_default(),
                it.pop().unwrap_or_default(),
            )],
        })
    }

    /// Rewrites ids to final inner ids: `user_final[k]` is the inner id of `user_keys[k]`.
    pub(crate) fn finish(self, user_final: &[u32], item_final: &[u32]) -> Interactions {
        let RawRatings {
            mut inter,
            segments,
            ..
        } = self;
        let mut u_rest: &mut [u32] = &mut inter.users;
        let mut i_rest: &mut [u32] = &mut inter.items;
        std::thread::scope(|s| {
            for (_, n, ut, it) in &segments {
                let (us, ur) = std::mem::take(&mut u_rest).split_at_mut(*n);
                let (is, ir) = std::mem::take(&mut i_rest).split_at_mut(*n);
                u_rest = ur;
                i_rest = ir;
                s.spawn(move || {
                    let compose = |t: &[u32], fin: &[u32]| -> Vec<u32> {
                        t.iter()
                            .map(|&g| if g == u32::MAX { 0 } else { fin[g as usize] })
                            .collect()
                    };
                    let (ut, it) = (compose(ut, user_final), compose(it, item_final));
                    for u in us.iter_mut() {
                        *u = ut[*u as usize];
                    }
                    for i in is.iter_mut() {
                        *i = it[*i as usize];
                    }
                });
            }
        });
        inter
    }
}

/// Reads the ratings of `path` with `threads` workers (0 = all cores).
pub(crate) fn read_ratings(path: &Path, spec: &RatingsSpec, threads: usize) -> Result<RawRatings> {
    let f = File::open(path).map_err(|e| DataError::io(path, e))?;
    let len = f.metadata().map_err(|e| DataError::io(path, e))?.len();
    let data_start = if spec.skip_header {
        next_line_start(&f, path, 0, len)?
    } else {
        0
    };
    let first_line = if spec.skip_header { 2 } else { 1 };
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let body = len - data_start;
    let n_threads = (threads as u64).min(body / MIN_PER_THREAD).max(1) as usize;
    // Byte ranges cut at line starts.
    let mut bounds = vec![data_start];
    for k in 1..n_threads {
        let nominal = data_start + body * k as u64 / n_threads as u64;
        let b = next_line_start(&f, path, nominal.saturating_sub(1).max(data_start), len)?;
        bounds.push(b.max(*bounds.last().unwrap_or(&0)));
    }
    bounds.push(len);
    let ranges: Vec<(u64, u64)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();

    // Phase 1: count lines per range.
    let counts: Vec<usize> = std::thread::scope(|s| {
        let hs: Vec<_> = ranges
            .iter()
            .map(|&(a, b)| {
                let f = &f;
                s.spawn(move || -> Result<usize> {
                    let mut buf = vec![0u8; BLOCK.min((b - a) as usize)];
                    let (mut off, mut n, mut last) = (a, 0usize, b'\n');
                    while off < b {
                        let want = buf.len().min((b - off) as usize);
                        let got = read_full(f, path, &mut buf[..want], off)?;
                        if got == 0 {
                            break;
                        }
                        n += memchr::memchr_iter(b'\n', &buf[..got]).count();
                        last = buf[got - 1];
                        off += got as u64;
                    }
                    Ok(n + usize::from(last != b'\n'))
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("line counter panicked"))
            .collect::<Result<Vec<_>>>()
    })?;
    let total: usize = counts.iter().sum();

    // Phase 2: parse into exact-size columns.
    let mut inter = Interactions {
        users: vec![0; total],
        items: vec![0; total],
        values: vec![0.0; total],
        times: vec![0; total],
    };
    let outs: Vec<(usize, Interner, Interner)> = {
        let (mut ur, mut ir, mut vr, mut tr): (&mut [u32], &mut [u32], &mut [f32], &mut [u32]) = (
            &mut inter.users,
            &mut inter.items,
            &mut inter.values,
            &mut inter.times,
        );
        let mut line0 = first_line;
        std::thread::scope(|s| {
            let mut hs = Vec::new();
            for (k, &(a, b)) in ranges.iter().enumerate() {
                let c = counts[k];
                let (u, r) = std::mem::take(&mut ur).split_at_mut(c);
                ur = r;
                let (i, r) = std::mem::take(&mut ir).split_at_mut(c);
                ir = r;
                let (v, r) = std::mem::take(&mut vr).split_at_mut(c);
                vr = r;
                let (t, r) = std::mem::take(&mut tr).split_at_mut(c);
                tr = r;
                let f = &f;
                let start_line = line0;
                line0 += c;
                hs.push(s.spawn(move || parse_range(f, path, spec, a, b, start_line, u, i, v, t)));
            }
            hs.into_iter()
                .map(|h| h.join().expect("rating parser panicked"))
                .collect::<Result<Vec<_>>>()
        })?
    };

    // Compact (skipped blank lines leave gaps at the end of a thread's slice) and merge ids.
    let mut segments = Vec::with_capacity(outs.len());
    let (mut users_i, mut items_i) = (Vec::new(), Vec::new());
    let (mut write, mut read) = (0usize, 0usize);
    for (k, (n, ui, ii)) in outs.into_iter().enumerate() {
        if write != read {
            inter.users.copy_within(read..read + n, write);
            inter.items.copy_within(read..read + n, write);
            inter.values.copy_within(read..read + n, write);
            inter.times.copy_within(read..read + n, write);
        }
        segments.push((write, n, Vec::new(), Vec::new()));
        users_i.push(ui);
        items_i.push(ii);
        write += n;
        read += counts[k];
    }
    if write == 0 {
        return Err(DataError::Format {
            path: path.to_path_buf(),
            message: "no ratings in the file (a header or blank lines only)".into(),
        });
    }
    inter.users.truncate(write);
    inter.items.truncate(write);
    inter.values.truncate(write);
    inter.times.truncate(write);
    let (ukeys, utables) = merge(users_i);
    let (ikeys, itables) = merge(items_i);
    for ((seg, ut), it) in segments.iter_mut().zip(utables).zip(itables) {
        seg.2 = ut;
        seg.3 = it;
    }
    Ok(RawRatings {
        inter,
        user_keys: ukeys.iter().map(Key::to_raw).collect(),
        item_keys: ikeys.iter().map(Key::to_raw).collect(),
        segments,
    })
}

#[allow(clippy::too_many_arguments)]
fn parse_range(
    f: &File,
    path: &Path,
    spec: &RatingsSpec,
    a: u64,
    b: u64,
    start_line: usize,
    users: &mut [u32],
    items: &mut [u32],
    values: &mut [f32],
    times: &mut [u32],
) -> Result<(usize, Interner, Interner)> {
    let (mut ui, mut ii) = (Interner::default(), Interner::default());
    // role of each column: 0 user, 1 item, 2 rating, 3 time, 255 none
    let cols = [
        Some(spec.user_col),
        Some(spec.item_col),
        spec.rating_col,
        spec.time_col,
    ];
    let max_col = cols.iter().flatten().copied().max().unwrap_or(0);
    let mut role = vec![255u8; max_col + 1];
    for (r, c) in cols.iter().enumerate() {
        if let Some(c) = c {
            role[*c] = r as u8;
        }
    }
    let sep0 = spec.sep[0];
    let sep_len = spec.sep.len();
    let mut line_no = start_line;
    let mut n = 0usize;
    let file: PathBuf = path.to_path_buf();
    for_each_line(f, path, a, b, (start_line, &spec.names[0]), |raw| {
        let line = strip_cr(raw);
        let this_line = line_no;
        line_no += 1;
        if line.is_empty() {
            return Ok(());
        }
        let mut fields: [&[u8]; 4] = [&[]; 4];
        let mut ints: [Option<u64>; 4] = [None; 4];
        let mut present = [false; 4];
        // One pass per field: find the separator and accumulate the integer value. A field
        // opening with a quote sends the line to the CSV splitter instead.
        let mut quoted = false;
        {
            let len = line.len();
            let mut i = 0usize;
            let mut col = 0usize;
            loop {
                let start = i;
                if spec.quotes && i < len && line[i] == b'"' {
                    quoted = true;
                    break;
                }
                let mut v = 0u64;
                let mut digits = true;
                while i < len {
                    let c = line[i];
                    if c == sep0 && (sep_len == 1 || line[i..].starts_with(&spec.sep)) {
                        break;
                    }
                    let d = c.wrapping_sub(b'0');
                    digits &= d <= 9;
                    v = v.wrapping_mul(10).wrapping_add(d as u64);
                    i += 1;
                }
                let r = role[col];
                if r != 255 {
                    let f = &line[start..i];
                    fields[r as usize] = f;
                    let n = f.len();
                    ints[r as usize] =
                        (digits && (1..=19).contains(&n) && (f[0] != b'0' || n == 1)).then_some(v);
                    present[r as usize] = true;
                }
                col += 1;
                if col > max_col || i == len {
                    break;
                }
                i += sep_len;
            }
            if !quoted && i < len {
                if let Some(n) = spec.columns {
                    // More text after the last mapped column: count its fields.
                    let rest = &line[i..];
                    let extra = if sep_len == 1 {
                        memchr::memchr_iter(sep0, rest).count()
                    } else {
                        memchr::memmem::find_iter(rest, &spec.sep).count()
                    };
                    if col + extra > n {
                        return Err(too_many(&file, this_line, spec, col + extra, n));
                    }
                }
            }
        }
        let owned;
        if quoted {
            owned =
                split_quoted(line, sep0).map_err(|m| perr(&file, this_line, &spec.names[0], m))?;
            present = [false; 4];
            if let Some(n) = spec.columns.filter(|&n| owned.len() > n) {
                return Err(too_many(&file, this_line, spec, owned.len(), n));
            }
            for (c, v) in owned.iter().enumerate().take(max_col + 1) {
                if role[c] != 255 {
                    let r = role[c] as usize;
                    fields[r] = v;
                    ints[r] = canonical_int(v);
                    present[r] = true;
                }
            }
        }
        for r in 0..4 {
            if cols[r].is_some() && !present[r] {
                return Err(perr(&file, this_line, &spec.names[r], "missing field"));
            }
        }
        let value = if spec.rating_col.is_some() {
            parse_rating(fields[2]).ok_or_else(|| {
                perr(
                    &file,
                    this_line,
                    &spec.names[2],
                    format!("not a number: {}", show(fields[2])),
                )
            })?
        } else {
            1.0
        };
        if let Some((lo, hi)) = spec.range.filter(|&(lo, hi)| !(lo..=hi).contains(&value)) {
            return Err(perr(
                &file,
                this_line,
                &spec.names[2],
                format!("{value} is outside the format's scale {lo}–{hi}"),
            ));
        }
        let time = parse_time(fields[3]).map_err(|m| {
            perr(
                &file,
                this_line,
                &spec.names[3],
                format!("{m}: {}", show(fields[3])),
            )
        })?;
        if fields[0].is_empty() {
            return Err(perr(&file, this_line, &spec.names[0], "empty id"));
        }
        if fields[1].is_empty() {
            return Err(perr(&file, this_line, &spec.names[1], "empty id"));
        }
        if n >= users.len() {
            // cannot happen: the range's line count was measured
            return Err(perr(
                &file,
                this_line,
                &spec.names[0],
                "file changed while reading",
            ));
        }
        users[n] = ui.put(fields[0], ints[0], &mut users[..n]);
        items[n] = ii.put(fields[1], ints[1], &mut items[..n]);
        values[n] = value;
        times[n] = time;
        n += 1;
        Ok(())
    })?;
    Ok((n, ui, ii))
}

/// The error for a line with `got` fields where the file has `want`, named after the last
/// mapped column (where the extra text starts).
fn too_many(file: &Path, line: usize, spec: &RatingsSpec, got: usize, want: usize) -> DataError {
    let cols = [
        Some(spec.user_col),
        Some(spec.item_col),
        spec.rating_col,
        spec.time_col,
    ];
    let role = (0..4)
        .max_by_key(|&r| cols[r].map_or(0, |c| c + 1))
        .unwrap_or(0);
    perr(
        file,
        line,
        &spec.names[role],
        format!("{got} fields where the file has {want} (an unquoted separator?)"),
    )
}

/// Splits a header line into trimmed names (quotes and a UTF-8 BOM removed).
pub(crate) fn header_names(line: &[u8], sep: &[u8]) -> Vec<String> {
    let fields: Vec<Vec<u8>> = if sep.len() == 1 {
        split_quoted(line, sep[0]).unwrap_or_else(|_| vec![line.to_vec()])
    } else {
        super::text::split_plain(line, sep)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect()
    };
    fields
        .iter()
        .map(|f| {
            super::text::utf8_or_latin1(super::text::trim(f))
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect()
}
