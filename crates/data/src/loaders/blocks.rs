//! Block-wise reading of (possibly huge) files without loading them: positional reads,
//! finding line starts, iterating the lines of a byte range through a reusable buffer, and
//! reading just the first line.

use super::text::strip_cr;
use crate::error::{DataError, Result};
use std::fs::File;
use std::path::Path;

/// Default block size.
pub(crate) const BLOCK: usize = 16 << 20;
/// The longest line a data file may have (16 MiB; a rating line is tens of bytes): a longer
/// one is an error naming it, so a file without newlines cannot make a reader buffer all of
/// it.
pub(crate) const MAX_LINE: usize = 16 << 20;

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], off: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, off)
}
#[cfg(windows)]
fn read_at(f: &File, buf: &mut [u8], off: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, off)
}

/// Fills `buf` from `off` as far as the file goes; returns the bytes read.
pub(crate) fn read_full(f: &File, path: &Path, buf: &mut [u8], mut off: u64) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        let n = read_at(f, &mut buf[got..], off).map_err(|e| DataError::io(path, e))?;
        if n == 0 {
            break;
        }
        got += n;
        off += n as u64;
    }
    Ok(got)
}

/// Offset just past the first `\n` at or after `from` (or `len`).
pub(crate) fn next_line_start(f: &File, path: &Path, from: u64, len: u64) -> Result<u64> {
    let mut buf = vec![0u8; 64 << 10];
    let mut off = from;
    while off < len {
        let n = read_full(f, path, &mut buf, off)?;
        if n == 0 {
            break;
        }
        if let Some(p) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(off + p as u64 + 1);
        }
        off += n as u64;
    }
    Ok(len)
}

/// Calls `each(line_bytes_without_newline)` for every line of `[start, end)`, reading in
/// blocks. Stops at the first error. `at` is the 1-based number of the first line and the
/// field named when a line is longer than [`MAX_LINE`].
pub(crate) fn for_each_line(
    f: &File,
    path: &Path,
    start: u64,
    end: u64,
    at: (usize, &str),
    mut each: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let mut buf = vec![0u8; BLOCK.min((end - start) as usize + 1)];
    let mut keep = 0usize; // bytes of an unfinished line at the front of buf
    let mut off = start;
    let mut lines = 0usize;
    while off < end {
        if keep == buf.len() {
            if buf.len() >= MAX_LINE {
                return Err(long_line(path, at.0 + lines, at.1));
            }
            buf.resize((buf.len() * 2).min(MAX_LINE), 0); // a line longer than the buffer
        }
        let want = (buf.len() - keep).min((end - off) as usize);
        let n = read_full(f, path, &mut buf[keep..keep + want], off)?;
        if n == 0 {
            break;
        }
        off += n as u64;
        let filled = keep + n;
        let mut pos = 0usize;
        for nl in memchr::memchr_iter(b'\n', &buf[..filled]) {
            each(&buf[pos..nl])?;
            pos = nl + 1;
            lines += 1;
        }
        buf.copy_within(pos..filled, 0);
        keep = filled - pos;
    }
    if keep > 0 {
        each(&buf[..keep])?;
    }
    Ok(())
}

/// The first line of a file (without newline), read without loading the file; `None` when empty.
pub(crate) fn read_first_line(path: &Path) -> Result<Option<Vec<u8>>> {
    let f = File::open(path).map_err(|e| DataError::io(path, e))?;
    let len = f.metadata().map_err(|e| DataError::io(path, e))?.len();
    if len == 0 {
        return Ok(None);
    }
    let end = next_line_start(&f, path, 0, len.min(MAX_LINE as u64 + 1))?;
    if end > MAX_LINE as u64 {
        return Err(long_line(path, 1, "header"));
    }
    let mut buf = vec![0u8; end as usize];
    let n = read_full(&f, path, &mut buf, 0)?;
    buf.truncate(n);
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    Ok(Some(strip_cr(&buf).to_vec()))
}

fn long_line(path: &Path, line: usize, field: &str) -> DataError {
    DataError::Parse {
        file: path.to_path_buf(),
        line,
        field: field.to_string(),
        message: format!("line longer than {} MiB", MAX_LINE >> 20),
    }
}
