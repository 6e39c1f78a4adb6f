//! Binary model-state helpers: a little-endian [`StateWriter`] and a bounds-checked
//! [`StateReader`] for scalars and length-prefixed `f32`/`f64`/`u32` slices.
//!
//! Every read checks the remaining length first and reports [`CoreError::Corrupt`] instead of
//! panicking, so a truncated or tampered model file is an error, never a crash or a huge
//! allocation. A state starts with a short tag (model name + state version) so one model's
//! state is never silently loaded into another.

use crate::error::{CoreError, Result};

/// Appends little-endian values to a byte buffer.
#[derive(Debug, Default)]
pub struct StateWriter {
    buf: Vec<u8>,
}

impl StateWriter {
    /// A writer whose state starts with `tag` (e.g. `b"baseline/1"`).
    pub fn new(tag: &[u8]) -> Self {
        let mut w = StateWriter { buf: Vec::new() };
        w.bytes(tag);
        w
    }
    /// Writes a `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes a `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes an `f32`.
    pub fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes an `f64`.
    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes a length-prefixed byte string.
    pub fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.buf.extend_from_slice(v);
    }
    /// Writes a length-prefixed `u32` slice.
    pub fn u32s(&mut self, v: &[u32]) {
        self.u64(v.len() as u64);
        v.iter().for_each(|&x| self.u32(x));
    }
    /// Writes a length-prefixed `f32` slice.
    pub fn f32s(&mut self, v: &[f32]) {
        self.u64(v.len() as u64);
        v.iter().for_each(|&x| self.f32(x));
    }
    /// Writes a length-prefixed `f64` slice.
    pub fn f64s(&mut self, v: &[f64]) {
        self.u64(v.len() as u64);
        v.iter().for_each(|&x| self.f64(x));
    }
    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads what a [`StateWriter`] wrote, checking every length.
#[derive(Debug)]
pub struct StateReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn corrupt(what: impl Into<String>) -> CoreError {
    CoreError::Corrupt(what.into())
}

impl<'a> StateReader<'a> {
    /// A reader over `bytes` that first checks the state starts with `tag`.
    pub fn new(bytes: &'a [u8], tag: &[u8]) -> Result<Self> {
        let mut r = StateReader { bytes, pos: 0 };
        let found = r.bytes()?;
        if found != tag {
            return Err(corrupt(format!(
                "state tag is {:?}, expected {:?}",
                String::from_utf8_lossy(found),
                String::from_utf8_lossy(tag)
            )));
        }
        Ok(r)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let left = self.bytes.len() - self.pos;
        if n > left {
            return Err(corrupt(format!(
                "truncated: needed {n} bytes at offset {}, {left} left",
                self.pos
            )));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// Reads a `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    /// Reads a `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// Reads an `f32`.
    pub fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    /// Reads an `f64`.
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// Reads a slice length and checks that `len * elem` bytes remain.
    fn len(&mut self, elem: usize) -> Result<usize> {
        let n = self.u64()?;
        let left = (self.bytes.len() - self.pos) as u64;
        match n.checked_mul(elem as u64) {
            Some(total) if total <= left => Ok(n as usize),
            _ => Err(corrupt(format!(
                "slice of {n} elements of {elem} bytes at offset {} exceeds the {left} bytes left",
                self.pos
            ))),
        }
    }

    /// Reads a length-prefixed byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.len(1)?;
        self.take(n)
    }
    /// Reads a length-prefixed `u32` slice.
    pub fn u32s(&mut self) -> Result<Vec<u32>> {
        let n = self.len(4)?;
        (0..n).map(|_| self.u32()).collect()
    }
    /// Reads a length-prefixed `f32` slice.
    pub fn f32s(&mut self) -> Result<Vec<f32>> {
        let n = self.len(4)?;
        (0..n).map(|_| self.f32()).collect()
    }
    /// Reads a length-prefixed `f64` slice.
    pub fn f64s(&mut self) -> Result<Vec<f64>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.f64()).collect()
    }
    /// Reads a length-prefixed `f64` slice that must have exactly `n` elements.
    pub fn f64s_len(&mut self, n: usize, what: &str) -> Result<Vec<f64>> {
        let v = self.f64s()?;
        if v.len() != n {
            return Err(corrupt(format!("{what}: {} values, expected {n}", v.len())));
        }
        Ok(v)
    }
    /// Checks that every byte was consumed.
    pub fn finish(self) -> Result<()> {
        if self.pos != self.bytes.len() {
            return Err(corrupt(format!(
                "{} trailing bytes after the state",
                self.bytes.len() - self.pos
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut w = StateWriter::new(b"t/1");
        w.u32(7);
        w.f64(1.5);
        w.f32s(&[1.0, -2.0]);
        w.f64s(&[3.0]);
        w.u32s(&[9, 8, 7]);
        w.finish()
    }

    #[test]
    fn roundtrip() {
        let b = sample();
        let mut r = StateReader::new(&b, b"t/1").unwrap();
        assert_eq!(r.u32().unwrap(), 7);
        assert_eq!(r.f64().unwrap(), 1.5);
        assert_eq!(r.f32s().unwrap(), vec![1.0, -2.0]);
        assert_eq!(r.f64s().unwrap(), vec![3.0]);
        assert_eq!(r.u32s().unwrap(), vec![9, 8, 7]);
        r.finish().unwrap();
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let b = sample();
        for cut in 0..b.len() {
            let res = (|| -> Result<()> {
                let mut r = StateReader::new(&b[..cut], b"t/1")?;
                r.u32()?;
                r.f64()?;
                r.f32s()?;
                r.f64s()?;
                r.u32s()?;
                r.finish()
            })();
            assert!(
                matches!(res, Err(CoreError::Corrupt(_))),
                "cut at {cut}: {res:?}"
            );
        }
    }

    #[test]
    fn wrong_tag_huge_length_and_trailing_bytes_are_corrupt() {
        let b = sample();
        assert!(StateReader::new(&b, b"x/1").is_err());
        let mut w = StateWriter::new(b"t/1");
        w.u64(u64::MAX / 2);
        let b = w.finish();
        let mut r = StateReader::new(&b, b"t/1").unwrap();
        assert!(matches!(r.f64s(), Err(CoreError::Corrupt(_))));
        let mut b = sample();
        b.push(0);
        let mut r = StateReader::new(&b, b"t/1").unwrap();
        r.u32().unwrap();
        r.f64().unwrap();
        r.f32s().unwrap();
        r.f64s().unwrap();
        r.u32s().unwrap();
        assert!(r.finish().is_err());
    }
}
