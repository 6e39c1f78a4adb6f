//! Text helpers shared by the loaders: reading small files whole, iterating numbered lines,
//! Latin-1 / UTF-8 decoding, a correct quoted-CSV field splitter, and the fast number
//! parsers (ratings, timestamps) used by both the small-file and the parallel readers.

use crate::error::{DataError, Result};
use std::path::Path;

/// Reads a whole (small) file.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| DataError::io(path, e))
}

/// Numbered lines of a byte buffer: `(1-based line number, line without "\n" / "\r\n")`.
/// A final line without a newline is included; an empty trailing piece is not.
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = bytes;
    let mut no = 0usize;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        no += 1;
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(p) => (&rest[..p], &rest[p + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        Some((no, strip_cr(line)))
    })
}

/// Removes one trailing `\r`.
#[inline]
pub(crate) fn strip_cr(line: &[u8]) -> &[u8] {
    match line.last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    }
}

/// Decodes Latin-1 (ISO-8859-1): every byte is the code point of the same value.
pub(crate) fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// Decodes UTF-8, falling back to Latin-1 when the bytes are not valid UTF-8.
pub(crate) fn utf8_or_latin1(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => latin1(b),
    }
}

/// Text encoding of a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Enc {
    /// ISO-8859-1.
    Latin1,
    /// UTF-8, with Latin-1 as a per-line fallback.
    Utf8,
}

impl Enc {
    /// Decodes one line.
    pub(crate) fn decode(self, b: &[u8]) -> String {
        match self {
            Enc::Latin1 => latin1(b),
            Enc::Utf8 => utf8_or_latin1(b),
        }
    }
}

/// Splits one CSV line with RFC 4180 quoting: fields may be wrapped in `"`, a quote inside a
/// quoted field is written `""`, and the delimiter inside quotes is data. Works on bytes so it
/// serves both decoded and raw input.
pub(crate) fn split_quoted(line: &[u8], delim: u8) -> std::result::Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut i = 0usize;
    let n = line.len();
    loop {
        let mut field = Vec::new();
        if i < n && line[i] == b'"' {
            i += 1;
            loop {
                match line.get(i) {
                    None => return Err("unterminated quoted field".into()),
                    Some(b'"') if line.get(i + 1) == Some(&b'"') => {
                        field.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        field.push(c);
                        i += 1;
                    }
                }
            }
            // after the closing quote: delimiter or end (tolerate stray text up to the delimiter)
            while i < n && line[i] != delim {
                field.push(line[i]);
                i += 1;
            }
        } else {
            while i < n && line[i] != delim {
                field.push(line[i]);
                i += 1;
            }
        }
        out.push(field);
        if i >= n {
            return Ok(out);
        }
        i += 1; // skip the delimiter
    }
}

/// Splits one line on a (possibly multi-byte) separator without quoting.
pub(crate) fn split_plain<'a>(line: &'a [u8], sep: &'a [u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut i = 0usize;
    while i + sep.len() <= line.len() {
        if &line[i..i + sep.len()] == sep {
            out.push(&line[start..i]);
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&line[start..]);
    out
}

/// Trims ASCII spaces and tabs at both ends.
#[inline]
pub(crate) fn trim(b: &[u8]) -> &[u8] {
    let mut s = 0;
    let mut e = b.len();
    while s < e && (b[s] == b' ' || b[s] == b'\t') {
        s += 1;
    }
    while e > s && (b[e - 1] == b' ' || b[e - 1] == b'\t') {
        e -= 1;
    }
    &b[s..e]
}

/// Parses a rating: fast path for `4`, `3.5`, `4.0` (exact: one correctly rounded f32
/// division of exactly representable operands), general float syntax otherwise.
/// Non-finite values are rejected.
#[inline]
pub(crate) fn parse_rating(b: &[u8]) -> Option<f32> {
    let mut m: u32 = 0;
    let mut frac = 0u32;
    let mut seen_dot = false;
    let mut ok = !b.is_empty() && b.len() <= 8;
    if ok {
        for &c in b {
            match c {
                b'0'..=b'9' => {
                    m = m * 10 + (c - b'0') as u32;
                    if seen_dot {
                        frac += 1;
                    }
                }
                b'.' if !seen_dot => seen_dot = true,
                _ => {
                    ok = false;
                    break;
                }
            }
        }
    }
    // at least one digit; m < 2^24 is guaranteed by len <= 8
    if ok && (b.len() > 1 || !seen_dot) {
        let v = m as f32;
        return Some(if frac == 0 {
            v
        } else {
            v / POW10[frac as usize]
        });
    }
    let s = std::str::from_utf8(trim(b)).ok()?;
    let v: f32 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

const POW10: [f32; 9] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/// Parses a timestamp in whole seconds as `u32`. Empty → 0. A fractional part (`881250949.0`,
/// as RecBole writes `:float` columns) is truncated. Negative or beyond `u32::MAX` is an error.
#[inline]
pub(crate) fn parse_time(b: &[u8]) -> std::result::Result<u32, &'static str> {
    if b.is_empty() {
        return Ok(0);
    }
    let mut v: u64 = 0;
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        v = v * 10 + (b[i] - b'0') as u64;
        if v > u32::MAX as u64 {
            return Err("timestamp out of range (u32 seconds)");
        }
        i += 1;
    }
    if i == b.len() {
        return Ok(v as u32);
    }
    if i > 0 && b[i] == b'.' && b[i + 1..].iter().all(|c| c.is_ascii_digit()) {
        return Ok(v as u32);
    }
    // general float syntax (exponent, spaces)
    let s = std::str::from_utf8(trim(b)).map_err(|_| "not a number")?;
    if s.is_empty() {
        return Ok(0);
    }
    let f: f64 = s.parse().map_err(|_| "not a number")?;
    if !(0.0..4294967296.0).contains(&f) {
        return Err("timestamp out of range (u32 seconds)");
    }
    Ok(f as u32)
}

/// Parses an optional small unsigned number (age, year); `None` when not a number.
pub(crate) fn parse_u16(s: &str) -> Option<u16> {
    s.trim().parse().ok()
}

/// An optional small number in field `field` of `file:line`: `None` when blank, an error
/// when not a number.
pub(crate) fn opt_u16(s: &str, file: &Path, line: usize, field: &str) -> Result<Option<u16>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let n = parse_u16(s).ok_or_else(|| perr(file, line, field, format!("not a number: {s:?}")))?;
    Ok(Some(n))
}

/// Reads the file at `path` and calls `each` with the number and bytes of every non-empty
/// line (see [`lines`]), stopping at the first error.
pub(crate) fn each_nonempty_line(
    path: &Path,
    mut each: impl FnMut(usize, &[u8]) -> Result<()>,
) -> Result<()> {
    let bytes = read_file(path)?;
    for (no, line) in lines(&bytes) {
        if !line.is_empty() {
            each(no, line)?;
        }
    }
    Ok(())
}

/// A parse error for `file:line` in field `field`.
pub(crate) fn perr(file: &Path, line: usize, field: &str, msg: impl Into<String>) -> DataError {
    DataError::parse(file, line, field, msg)
}

/// Shows a field's bytes in an error message (lossy, shortened).
pub(crate) fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.chars().count() > 40 {
        format!("{:?}…", s.chars().take(40).collect::<String>())
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_parse_exactly() {
        for s in [
            "4", "3.5", "0.5", "4.0", "5", "2.75", "10", "3.14159", "1e0", " 4 ",
        ] {
            assert_eq!(
                parse_rating(s.as_bytes()),
                Some(s.trim().parse::<f32>().unwrap()),
                "{s}"
            );
        }
        for s in ["", ".", "x", "nan", "inf", "4..5"] {
            assert_eq!(parse_rating(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_time(b"881250949"), Ok(881250949));
        assert_eq!(parse_time(b"881250949.0"), Ok(881250949));
        assert_eq!(parse_time(b""), Ok(0));
        assert_eq!(parse_time(b"4294967295"), Ok(u32::MAX));
        assert!(parse_time(b"4294967296").is_err());
        assert!(parse_time(b"-5").is_err());
        assert!(parse_time(b"abc").is_err());
    }

    #[test]
    fn quoted_csv_and_latin1() {
        let f = split_quoted(br#"1,"American President, The (1995)",Comedy|Drama"#, b',').unwrap();
        assert_eq!(f[1], b"American President, The (1995)");
        let f = split_quoted(br#"2,"Say ""Hi"" (2000)",,x"#, b',').unwrap();
        assert_eq!(
            f,
            vec![
                b"2".to_vec(),
                b"Say \"Hi\" (2000)".to_vec(),
                vec![],
                b"x".to_vec()
            ]
        );
        assert!(split_quoted(br#"1,"open"#, b',').is_err());
        assert_eq!(latin1(b"Mis\xe9rables"), "Misérables");
        assert_eq!(utf8_or_latin1("Misérables".as_bytes()), "Misérables");
        assert_eq!(utf8_or_latin1(b"Mis\xe9rables"), "Misérables");
        assert_eq!(
            split_plain(b"1::Toy::A|B", b"::"),
            vec![&b"1"[..], b"Toy", b"A|B"]
        );
        let l: Vec<_> = lines(b"a\r\nb\n\nc").collect();
        assert_eq!(l, vec![(1, &b"a"[..]), (2, b"b"), (3, b""), (4, b"c")]);
    }
}
