//! Typed reading of Parquet columns for the Parquet loader: opening a file as record batches,
//! finding a column by any of its accepted names, and decoding one column of a batch into
//! ids, numbers, timestamps, optional text or text lists — accepting the common physical types
//! (any integer width, signed or not, `float`/`double`, `string`/`large_string`/`string_view`,
//! Spark's timestamps) and answering anything else, a null where a value is required or a
//! value out of range with a [`DataError::Row`] that names the file, the 1-based row and the field.

use crate::error::{DataError, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use std::path::Path;

/// Rows per record batch the loader reads at a time.
pub(crate) const BATCH: usize = 64 * 1024;

/// An open Parquet file: its batches and its key-value metadata.
pub(crate) struct Opened {
    /// The record batches.
    pub reader: ParquetRecordBatchReader,
    /// Key-value metadata of the file footer.
    pub kv: Vec<(String, String)>,
}

/// Opens `path` as record batches of [`BATCH`] rows.
pub(crate) fn open(path: &Path) -> Result<Opened> {
    let f = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let bad = |e: parquet::errors::ParquetError| DataError::Format {
        path: path.to_path_buf(),
        message: format!("not a readable Parquet file: {e}"),
    };
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(bad)?;
    let kv = b
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .filter_map(|e| e.value.clone().map(|v| (e.key.clone(), v)))
                .collect()
        })
        .unwrap_or_default();
    let reader = b.with_batch_size(BATCH).build().map_err(bad)?;
    Ok(Opened { reader, kv })
}

/// The next batch of `o`, with a read error naming the file and the first row not read.
pub(crate) fn next_batch(o: &mut Opened, path: &Path, row0: usize) -> Result<Option<RecordBatch>> {
    match o.reader.next() {
        None => Ok(None),
        Some(Ok(b)) => Ok(Some(b)),
        Some(Err(e)) => Err(DataError::Format {
            path: path.to_path_buf(),
            message: format!("reading from row {row0}: {e}"),
        }),
    }
}

/// Index of the first column whose name is one of `alts` (case-insensitive).
pub(crate) fn find(schema: &Schema, alts: &[&str]) -> Option<usize> {
    alts.iter().find_map(|a| {
        schema
            .fields()
            .iter()
            .position(|f| f.name().eq_ignore_ascii_case(a))
    })
}

/// Where a batch is: the file and the 1-based row of its first row.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    /// The file.
    pub file: &'a Path,
    /// 1-based row of the batch's first row.
    pub row0: usize,
}

impl At<'_> {
    /// The error for row `i` of the batch.
    pub(crate) fn err(&self, i: usize, field: &str, message: impl Into<String>) -> DataError {
        DataError::row(self.file, self.row0 + i, field, message)
    }

    fn bad_type(&self, col: &dyn Array, field: &str, want: &str) -> DataError {
        DataError::row(
            self.file,
            self.row0,
            field,
            format!("column type {} is not {want}", col.data_type()),
        )
    }
}

/// The values of an integer column widened to `i128` (`None`: not an integer column).
fn ints(col: &dyn Array) -> Option<Vec<Option<i128>>> {
    macro_rules! w {
        ($t:ty) => {
            col.as_primitive::<$t>()
                .iter()
                .map(|v| v.map(i128::from))
                .collect()
        };
    }
    Some(match col.data_type() {
        DataType::Int8 => w!(Int8Type),
        DataType::Int16 => w!(Int16Type),
        DataType::Int32 => w!(Int32Type),
        DataType::Int64 => w!(Int64Type),
        DataType::UInt8 => w!(UInt8Type),
        DataType::UInt16 => w!(UInt16Type),
        DataType::UInt32 => w!(UInt32Type),
        DataType::UInt64 => w!(UInt64Type),
        _ => return None,
    })
}

/// The values of a text column (`None`: not a text column).
fn texts(col: &dyn Array) -> Option<Vec<Option<&str>>> {
    if let Some(a) = col.as_string_opt::<i32>() {
        return Some(a.iter().collect());
    }
    if let Some(a) = col.as_string_opt::<i64>() {
        return Some(a.iter().collect());
    }
    col.as_string_view_opt().map(|a| a.iter().collect())
}

/// Calls `f(row, raw id bytes, canonical integer value)` for every row of an id column
/// (integer or text; a null is an error).
pub(crate) fn ids(
    col: &dyn Array,
    at: At<'_>,
    field: &str,
    mut f: impl FnMut(&[u8], Option<u64>),
) -> Result<()> {
    if let Some(v) = ints(col) {
        let mut buf = String::new();
        for (i, x) in v.into_iter().enumerate() {
            let x = x.ok_or_else(|| at.err(i, field, "null id"))?;
            buf.clear();
            use std::fmt::Write as _;
            let _ = write!(buf, "{x}");
            f(buf.as_bytes(), u64::try_from(x).ok());
        }
        return Ok(());
    }
    if let Some(v) = texts(col) {
        for (i, x) in v.into_iter().enumerate() {
            let x = x.ok_or_else(|| at.err(i, field, "null id"))?;
            if x.is_empty() {
                return Err(at.err(i, field, "empty id"));
            }
            f(x.as_bytes(), super::intern::canonical_int(x.as_bytes()));
        }
        return Ok(());
    }
    Err(at.bad_type(col, field, "an integer or a string"))
}

/// A rating column as finite `f32` values (float or integer; a null or a non-finite value is
/// an error).
pub(crate) fn ratings(col: &dyn Array, at: At<'_>, field: &str, out: &mut Vec<f32>) -> Result<()> {
    let vals: Vec<Option<f64>> = match col.data_type() {
        DataType::Float32 => col
            .as_primitive::<Float32Type>()
            .iter()
            .map(|v| v.map(f64::from))
            .collect(),
        DataType::Float64 => col.as_primitive::<Float64Type>().iter().collect(),
        _ => match ints(col) {
            Some(v) => v.into_iter().map(|x| x.map(|x| x as f64)).collect(),
            None => return Err(at.bad_type(col, field, "a number")),
        },
    };
    for (i, v) in vals.into_iter().enumerate() {
        let v = v.ok_or_else(|| at.err(i, field, "null rating"))? as f32;
        if !v.is_finite() {
            return Err(at.err(i, field, format!("rating {v} is not a finite number")));
        }
        out.push(v);
    }
    Ok(())
}

/// A timestamp column as `u32` seconds since the epoch (integer seconds or a timestamp type;
/// a null is 0, a value before 1970 or past 2106 an error).
pub(crate) fn times(col: &dyn Array, at: At<'_>, field: &str, out: &mut Vec<u32>) -> Result<()> {
    macro_rules! ts {
        ($t:ty, $div:expr) => {
            col.as_primitive::<$t>()
                .iter()
                .map(|v| v.map(|x| i128::from(x).div_euclid($div)))
                .collect()
        };
    }
    let vals: Vec<Option<i128>> = match col.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => ts!(TimestampSecondType, 1),
        DataType::Timestamp(TimeUnit::Millisecond, _) => ts!(TimestampMillisecondType, 1_000),
        DataType::Timestamp(TimeUnit::Microsecond, _) => ts!(TimestampMicrosecondType, 1_000_000),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            ts!(TimestampNanosecondType, 1_000_000_000)
        }
        _ => match ints(col) {
            Some(v) => v,
            None => return Err(at.bad_type(col, field, "an integer or a timestamp")),
        },
    };
    for (i, v) in vals.into_iter().enumerate() {
        let v = v.unwrap_or(0);
        let t = u32::try_from(v).map_err(|_| {
            at.err(
                i,
                field,
                format!("timestamp {v} out of range (u32 seconds)"),
            )
        })?;
        out.push(t);
    }
    Ok(())
}

/// An optional text column (nulls allowed).
pub(crate) fn opt_texts(col: &dyn Array, at: At<'_>, field: &str) -> Result<Vec<Option<String>>> {
    texts(col)
        .map(|v| v.into_iter().map(|x| x.map(String::from)).collect())
        .ok_or_else(|| at.bad_type(col, field, "a string"))
}

/// An optional small non-negative integer column (age, year); a value outside `u16` is an error.
pub(crate) fn opt_u16(col: &dyn Array, at: At<'_>, field: &str) -> Result<Vec<Option<u16>>> {
    let v = ints(col).ok_or_else(|| at.bad_type(col, field, "an integer"))?;
    v.into_iter()
        .enumerate()
        .map(|(i, x)| match x {
            None => Ok(None),
            Some(x) => u16::try_from(x)
                .map(Some)
                .map_err(|_| at.err(i, field, format!("{x} out of range 0..=65535"))),
        })
        .collect()
}

/// A text-list column: `list<string>` (nulls are empty lists) or one string with `|`
/// separators (MovieLens style).
pub(crate) fn text_lists(col: &dyn Array, at: At<'_>, field: &str) -> Result<Vec<Vec<String>>> {
    if let Some(v) = texts(col) {
        return Ok(v
            .into_iter()
            .map(|x| {
                x.unwrap_or("")
                    .split('|')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .collect());
    }
    let mut out = Vec::with_capacity(col.len());
    macro_rules! lists {
        ($a:expr) => {
            for i in 0..$a.len() {
                if $a.is_null(i) {
                    out.push(Vec::new());
                    continue;
                }
                let inner = $a.value(i);
                let t = texts(inner.as_ref())
                    .ok_or_else(|| at.bad_type(col, field, "a list of strings"))?;
                out.push(t.into_iter().flatten().map(String::from).collect());
            }
        };
    }
    if let Some(a) = col.as_list_opt::<i32>() {
        lists!(a);
    } else if let Some(a) = col.as_list_opt::<i64>() {
        lists!(a);
    } else {
        return Err(at.bad_type(col, field, "a list of strings or a string"));
    }
    Ok(out)
}

/// A float-list column (`list<float>` or `list<double>`), as Spark writes factor vectors.
pub(crate) fn float_lists(col: &dyn Array, at: At<'_>, field: &str) -> Result<Vec<Vec<f32>>> {
    let mut out = Vec::with_capacity(col.len());
    let a = col
        .as_list_opt::<i32>()
        .ok_or_else(|| at.bad_type(col, field, "a list of floats"))?;
    for i in 0..a.len() {
        if a.is_null(i) {
            return Err(at.err(i, field, "null vector"));
        }
        let inner = a.value(i);
        let v: Vec<f32> = match inner.data_type() {
            DataType::Float32 => inner
                .as_primitive::<Float32Type>()
                .iter()
                .map(|x| x.unwrap_or(f32::NAN))
                .collect(),
            DataType::Float64 => inner
                .as_primitive::<Float64Type>()
                .iter()
                .map(|x| x.map_or(f32::NAN, |x| x as f32))
                .collect(),
            _ => return Err(at.bad_type(col, field, "a list of floats")),
        };
        if !v.iter().all(|x| x.is_finite()) {
            return Err(at.err(i, field, "a null or non-finite value in the vector"));
        }
        out.push(v);
    }
    Ok(out)
}
