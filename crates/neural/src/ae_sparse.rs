//! Sparse rows for the rating autoencoders: the training ratings as compressed rows (one row
//! per user for the user-based model, per movie for I-AutoRec), the validation hold-out
//! carved out of them, and the densification of **one mini-batch at a time** into the
//! `batch × width` input, target and mask buffers burn needs. No dense users × movies matrix
//! is ever built: memory is O(ratings) plus O(batch × width).

use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, Dataset, ItemIdx, Result, Rng, UserIdx};

/// Rows of sparse `(column, value)` entries, columns ascending within a row (CSR).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// Row `r` is `cols[ptr[r]..ptr[r + 1]]`.
    ptr: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<f32>,
    /// Number of columns.
    width: usize,
}

impl Rows {
    /// Builds `n_rows` rows of `width` columns from `(row, col, value)` triples (any order;
    /// each `(row, col)` at most once).
    pub fn from_triples(n_rows: usize, width: usize, triples: &[(u32, u32, f32)]) -> Self {
        let mut ptr = vec![0usize; n_rows + 1];
        for &(r, _, _) in triples {
            ptr[r as usize + 1] += 1;
        }
        for r in 0..n_rows {
            ptr[r + 1] += ptr[r];
        }
        let mut cursor = ptr.clone();
        let (mut cols, mut vals) = (vec![0u32; triples.len()], vec![0f32; triples.len()]);
        for &(r, c, v) in triples {
            let k = &mut cursor[r as usize];
            cols[*k] = c;
            vals[*k] = v;
            *k += 1;
        }
        for r in 0..n_rows {
            let (a, b) = (ptr[r], ptr[r + 1]);
            if !cols[a..b].windows(2).all(|w| w[0] < w[1]) {
                let mut e: Vec<(u32, f32)> = (a..b).map(|k| (cols[k], vals[k])).collect();
                e.sort_by_key(|x| x.0);
                for (k, (c, v)) in (a..b).zip(e) {
                    cols[k] = c;
                    vals[k] = v;
                }
            }
        }
        Rows {
            ptr,
            cols,
            vals,
            width,
        }
    }

    /// Every user's ratings in `data` (rows = users, columns = movies), in the dataset's CSR
    /// order.
    pub fn users_of(data: &Dataset) -> Self {
        let m = data.matrix();
        let mut ptr = Vec::with_capacity(data.n_users() + 1);
        ptr.push(0);
        let (mut cols, mut vals) = (Vec::with_capacity(m.nnz()), Vec::with_capacity(m.nnz()));
        for u in 0..data.n_users() as u32 {
            let (items, values) = m.user_row(UserIdx(u));
            cols.extend_from_slice(items);
            vals.extend_from_slice(values);
            ptr.push(cols.len());
        }
        Rows {
            ptr,
            cols,
            vals,
            width: data.n_items(),
        }
    }

    /// Every movie's ratings in `data` (rows = movies, columns = users), from the dataset's
    /// item index.
    pub fn items_of(data: &Dataset) -> Self {
        let m = data.matrix();
        let mut ptr = Vec::with_capacity(data.n_items() + 1);
        ptr.push(0);
        let (mut cols, mut vals) = (Vec::with_capacity(m.nnz()), Vec::with_capacity(m.nnz()));
        for i in 0..data.n_items() as u32 {
            let (users, pos) = m.item_col(ItemIdx(i));
            cols.extend_from_slice(users);
            vals.extend(pos.iter().map(|&p| m.value_at(p)));
            ptr.push(cols.len());
        }
        Rows {
            ptr,
            cols,
            vals,
            width: data.n_users(),
        }
    }

    /// The same rows with `f(row, column)` subtracted from every value (e.g. a baseline, so
    /// that a missing entry, 0, stands for "as the baseline predicts").
    pub fn minus(&self, f: impl Fn(usize, usize) -> f32) -> Rows {
        let mut out = self.clone();
        for r in 0..self.n_rows() {
            for k in self.ptr[r]..self.ptr[r + 1] {
                out.vals[k] -= f(r, self.cols[k] as usize);
            }
        }
        out
    }

    /// Every entry as `(row, column, value)`.
    pub fn triples(&self) -> Vec<(u32, u32, f32)> {
        (0..self.n_rows())
            .flat_map(|r| (self.ptr[r]..self.ptr[r + 1]).map(move |k| (r as u32, k)))
            .map(|(r, k)| (r, self.cols[k], self.vals[k]))
            .collect()
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.ptr.len().saturating_sub(1)
    }
    /// Number of columns.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.cols.len()
    }
    /// Columns and values of row `r`.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.ptr[r], self.ptr[r + 1]);
        (&self.cols[a..b], &self.vals[a..b])
    }
    /// Row `r` as `(column, value)` pairs (the input of `mlp::Mlp::forward_sparse`).
    pub fn pairs(&self, r: usize) -> Vec<(usize, f32)> {
        let (c, v) = self.row(r);
        c.iter()
            .map(|&c| c as usize)
            .zip(v.iter().copied())
            .collect()
    }
    /// Rows with at least one entry.
    pub fn non_empty(&self) -> Vec<u32> {
        (0..self.n_rows() as u32)
            .filter(|&r| self.ptr[r as usize + 1] > self.ptr[r as usize])
            .collect()
    }

    /// Splits the entries into a training and a validation part, holding out `fraction` of
    /// them at random (`crate::train::holdout` over entry positions).
    pub fn holdout(&self, fraction: f64, rng: &mut Rng) -> (Rows, Rows) {
        let (train, val) = crate::train::holdout(self.nnz(), fraction, rng);
        (self.subset(train), self.subset(val))
    }

    fn subset(&self, mut positions: Vec<u32>) -> Rows {
        positions.sort_unstable();
        let mut ptr = Vec::with_capacity(self.ptr.len());
        ptr.push(0);
        let (mut cols, mut vals) = (Vec::new(), Vec::new());
        let mut k = 0;
        for r in 0..self.n_rows() {
            let end = self.ptr[r + 1];
            while k < positions.len() && (positions[k] as usize) < end {
                cols.push(self.cols[positions[k] as usize]);
                vals.push(self.vals[positions[k] as usize]);
                k += 1;
            }
            ptr.push(cols.len());
        }
        Rows {
            ptr,
            cols,
            vals,
            width: self.width,
        }
    }

    /// Appends `extra`'s entries to each row, shifted right by this matrix's width (side
    /// features such as demographics after the ratings); `extra` has as many rows.
    pub fn with_side(&self, extra: &Rows) -> Rows {
        let mut triples = Vec::with_capacity(self.nnz() + extra.nnz());
        for r in 0..self.n_rows() {
            let (c, v) = self.row(r);
            triples.extend(c.iter().zip(v).map(|(&c, &v)| (r as u32, c, v)));
            let (c, v) = extra.row(r);
            let w = self.width as u32;
            triples.extend(c.iter().zip(v).map(|(&c, &v)| (r as u32, c + w, v)));
        }
        Rows::from_triples(self.n_rows(), self.width + extra.width, &triples)
    }

    /// Densifies rows `rows` into a row-major `rows.len() × width` buffer, keeping only
    /// columns `< limit` (targets leave side features out).
    pub fn dense(&self, rows: &[u32], limit: usize) -> Vec<f32> {
        let w = limit.min(self.width);
        let mut out = vec![0f32; rows.len() * w];
        for (b, &r) in rows.iter().enumerate() {
            let (c, v) = self.row(r as usize);
            for (&c, &v) in c.iter().zip(v) {
                if (c as usize) < w {
                    out[b * w + c as usize] = v;
                }
            }
        }
        out
    }

    /// The 0/1 mask of the stored entries of `rows` with column `< limit`, and their count.
    pub fn mask(&self, rows: &[u32], limit: usize) -> (Vec<f32>, usize) {
        let w = limit.min(self.width);
        let mut out = vec![0f32; rows.len() * w];
        let mut n = 0;
        for (b, &r) in rows.iter().enumerate() {
            for &c in self.row(r as usize).0 {
                if (c as usize) < w {
                    out[b * w + c as usize] = 1.0;
                    n += 1;
                }
            }
        }
        (out, n)
    }

    /// Appends the rows to model state.
    pub fn write(&self, w: &mut StateWriter) {
        w.u64(self.width as u64);
        let ptr: Vec<u32> = self.ptr.iter().map(|&p| p as u32).collect();
        w.u32s(&ptr);
        w.u32s(&self.cols);
        w.f32s(&self.vals);
    }

    /// Reads rows written by [`Rows::write`], checking that they have `n_rows` rows of
    /// `width` columns, ascending columns and finite values.
    pub fn read(r: &mut StateReader<'_>, n_rows: usize, width: usize) -> Result<Self> {
        let bad = |what: &str| Err(CoreError::Corrupt(format!("sparse rows: {what}")));
        if r.u64()? != width as u64 {
            return bad("width");
        }
        let ptr: Vec<usize> = r.u32s()?.into_iter().map(|p| p as usize).collect();
        let cols = r.u32s()?;
        let vals = r.f32s()?;
        if ptr.len() != n_rows + 1 || ptr[0] != 0 || ptr[n_rows] != cols.len() {
            return bad("row pointers");
        }
        if vals.len() != cols.len() || !vals.iter().all(|v| v.is_finite()) {
            return bad("values");
        }
        for k in 0..n_rows {
            if ptr[k] > ptr[k + 1] {
                return bad("row pointers");
            }
            let c = &cols[ptr[k]..ptr[k + 1]];
            if !c.windows(2).all(|w| w[0] < w[1]) || c.last().is_some_and(|&x| x as usize >= width)
            {
                return bad("columns");
            }
        }
        Ok(Rows {
            ptr,
            cols,
            vals,
            width,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triples_holdout_side_and_dense() {
        let r = Rows::from_triples(3, 4, &[(2, 3, 1.0), (0, 1, 5.0), (0, 0, 4.0), (2, 0, 2.0)]);
        assert_eq!(r.row(0), (&[0u32, 1][..], &[4.0f32, 5.0][..]));
        assert_eq!(r.row(1).0.len(), 0);
        assert_eq!(r.non_empty(), vec![0, 2]);
        let (t, v) = r.holdout(0.5, &mut Rng::new(3));
        assert_eq!((t.nnz(), v.nnz()), (2, 2));
        let side = Rows::from_triples(3, 2, &[(1, 1, 1.0)]);
        let s = r.with_side(&side);
        assert_eq!(s.width(), 6);
        assert_eq!(s.row(1), (&[5u32][..], &[1.0f32][..]));
        assert_eq!(
            s.dense(&[2, 1], 4),
            vec![2.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
        );
        assert_eq!(
            s.mask(&[1, 0], 4),
            (vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0], 2)
        );
        let mut w = StateWriter::new(b"rows");
        s.write(&mut w);
        let bytes = w.finish();
        let mut rd = StateReader::new(&bytes, b"rows").unwrap();
        assert_eq!(Rows::read(&mut rd, 3, 6).unwrap(), s);
        let mut rd = StateReader::new(&bytes, b"rows").unwrap();
        assert!(Rows::read(&mut rd, 4, 6).is_err());
    }
}
