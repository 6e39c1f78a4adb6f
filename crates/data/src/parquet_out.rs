//! Writing Parquet: the ratings, users and movies files of a Parquet dataset folder (the
//! schema the loader reads, `loaders::parquet`) and the integer interaction file handed to
//! Spark. Every writer is streaming: rows are pushed one at a time, buffered into record
//! batches of [`BATCH`] rows and encoded into row groups of at most [`ROW_GROUP`] rows, so
//! memory stays bounded whatever the row count. Snappy-compressed (what Spark reads and
//! writes by default). A file is written under a temporary name and renamed into place by
//! `finish`, so an interrupted export never leaves a truncated file behind.

use crate::error::{DataError, Result};
use crate::loaders::parquet::{Extra, KV_GENRES, KV_NAME, KV_SCALE};
use arrow_array::builder::{
    Float32Builder, Int32Builder, Int64Builder, ListBuilder, StringBuilder, UInt16Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use cinerec_core::UserMeta;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows buffered before a record batch is handed to the encoder.
pub const BATCH: usize = 64 * 1024;
/// Rows per row group.
pub const ROW_GROUP: usize = 512 * 1024;

/// An open Parquet file being written under a temporary name.
struct Sink {
    path: PathBuf,
    tmp: PathBuf,
    schema: SchemaRef,
    w: ArrowWriter<File>,
    rows: u64,
}

impl Sink {
    fn create(path: &Path, fields: Vec<Field>, kv: Vec<(&str, String)>) -> Result<Self> {
        let tmp = path.with_extension("parquet.tmp");
        let f = File::create(&tmp).map_err(|e| DataError::io(&tmp, e))?;
        let schema = Arc::new(Schema::new(fields));
        let kv = kv
            .into_iter()
            .map(|(k, v)| KeyValue::new(k.to_string(), v))
            .collect::<Vec<_>>();
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .set_key_value_metadata((!kv.is_empty()).then_some(kv))
            .build();
        let w = ArrowWriter::try_new(f, schema.clone(), Some(props)).map_err(|e| pq(&tmp, e))?;
        Ok(Sink {
            path: path.to_path_buf(),
            tmp,
            schema,
            w,
            rows: 0,
        })
    }

    fn write(&mut self, cols: Vec<ArrayRef>) -> Result<()> {
        let b = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| DataError::Format {
            path: self.path.clone(),
            message: format!("building a record batch: {e}"),
        })?;
        self.rows += b.num_rows() as u64;
        self.w.write(&b).map_err(|e| pq(&self.tmp, e))
    }

    fn finish(self) -> Result<u64> {
        self.w.close().map_err(|e| pq(&self.tmp, e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| DataError::io(&self.path, e))?;
        Ok(self.rows)
    }
}

fn pq(path: &Path, e: parquet::errors::ParquetError) -> DataError {
    DataError::Format {
        path: path.to_path_buf(),
        message: format!("writing Parquet: {e}"),
    }
}

fn text_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// Streams `ratings.parquet`: `user string, movie string, rating float, timestamp int64`.
pub struct RatingsWriter {
    sink: Sink,
    user: StringBuilder,
    movie: StringBuilder,
    rating: Float32Builder,
    ts: Int64Builder,
    n: usize,
}

impl RatingsWriter {
    /// Creates `path`; `name` and `scale` go into the file metadata (`cinerec.name`,
    /// `cinerec.rating_scale`).
    pub fn create(path: &Path, name: &str, scale: Option<(f32, f32)>) -> Result<Self> {
        let mut kv = vec![(KV_NAME, name.to_string())];
        if let Some((lo, hi)) = scale {
            kv.push((KV_SCALE, format!("[{lo},{hi}]")));
        }
        let fields = vec![
            Field::new("user", DataType::Utf8, false),
            Field::new("movie", DataType::Utf8, false),
            Field::new("rating", DataType::Float32, false),
            Field::new("timestamp", DataType::Int64, false),
        ];
        Ok(RatingsWriter {
            sink: Sink::create(path, fields, kv)?,
            user: StringBuilder::new(),
            movie: StringBuilder::new(),
            rating: Float32Builder::new(),
            ts: Int64Builder::new(),
            n: 0,
        })
    }

    /// Adds one rating.
    pub fn push(&mut self, user: &str, movie: &str, rating: f32, timestamp: i64) -> Result<()> {
        self.user.append_value(user);
        self.movie.append_value(movie);
        self.rating.append_value(rating);
        self.ts.append_value(timestamp);
        self.n += 1;
        if self.n >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.n == 0 {
            return Ok(());
        }
        self.n = 0;
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.user.finish()),
            Arc::new(self.movie.finish()),
            Arc::new(self.rating.finish()),
            Arc::new(self.ts.finish()),
        ];
        self.sink.write(cols)
    }

    /// Writes what is buffered, closes the file and moves it into place; returns the row count.
    pub fn finish(mut self) -> Result<u64> {
        self.flush()?;
        self.sink.finish()
    }
}

/// Writes `users.parquet`: `id string, age uint16?, gender, occupation, zip string?`.
pub fn write_users<'a>(
    path: &Path,
    users: impl IntoIterator<Item = (&'a str, &'a UserMeta)>,
) -> Result<u64> {
    let fields = vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("age", DataType::UInt16, true),
        Field::new("gender", DataType::Utf8, true),
        Field::new("occupation", DataType::Utf8, true),
        Field::new("zip", DataType::Utf8, true),
    ];
    let mut sink = Sink::create(path, fields, vec![])?;
    let mut it = users.into_iter().peekable();
    while it.peek().is_some() {
        let (mut id, mut age) = (StringBuilder::new(), UInt16Builder::new());
        let (mut g, mut o, mut z) = (
            StringBuilder::new(),
            StringBuilder::new(),
            StringBuilder::new(),
        );
        for (uid, m) in it.by_ref().take(BATCH) {
            id.append_value(uid);
            age.append_option(m.age);
            g.append_option(m.gender.as_deref());
            o.append_option(m.occupation.as_deref());
            z.append_option(m.zip.as_deref());
        }
        sink.write(vec![
            Arc::new(id.finish()),
            Arc::new(age.finish()),
            Arc::new(g.finish()),
            Arc::new(o.finish()),
            Arc::new(z.finish()),
        ])?;
    }
    sink.finish()
}

/// One movie to write.
#[derive(Debug, Clone, Copy)]
pub struct MovieOut<'a> {
    /// Raw id.
    pub id: &'a str,
    /// Title without the year.
    pub title: Option<&'a str>,
    /// Release year.
    pub year: Option<u16>,
    /// Genre names.
    pub genres: &'a [String],
    /// Tags.
    pub tags: &'a [String],
    /// Relations `(relation, value)`.
    pub relations: &'a [(String, String)],
    /// Links `(source, id)`.
    pub links: &'a [(String, String)],
}

/// Writes `movies.parquet`: `id string, title string?, year uint16?, genres list<string>,
/// metadata string` (JSON of tags, relations, links; empty when there are none);
/// `genre_names` (the vocabulary's order) goes into the file metadata.
pub fn write_movies<'a>(
    path: &Path,
    genre_names: &[String],
    movies: impl IntoIterator<Item = MovieOut<'a>>,
) -> Result<u64> {
    let fields = vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("title", DataType::Utf8, true),
        Field::new("year", DataType::UInt16, true),
        Field::new("genres", text_list(), false),
        Field::new("metadata", DataType::Utf8, false),
    ];
    let vocab = serde_json::to_string(genre_names).unwrap_or_else(|_| "[]".into());
    let mut sink = Sink::create(path, fields, vec![(KV_GENRES, vocab)])?;
    let mut it = movies.into_iter().peekable();
    while it.peek().is_some() {
        let (mut id, mut title, mut year) = (
            StringBuilder::new(),
            StringBuilder::new(),
            UInt16Builder::new(),
        );
        let (mut genres, mut meta) = (ListBuilder::new(StringBuilder::new()), StringBuilder::new());
        for m in it.by_ref().take(BATCH) {
            id.append_value(m.id);
            title.append_option(m.title);
            year.append_option(m.year);
            for g in m.genres {
                genres.values().append_value(g);
            }
            genres.append(true);
            let extra = Extra {
                tags: m.tags.to_vec(),
                relations: m.relations.to_vec(),
                links: m.links.to_vec(),
            };
            let empty =
                extra.tags.is_empty() && extra.relations.is_empty() && extra.links.is_empty();
            meta.append_value(if empty {
                String::new()
            } else {
                serde_json::to_string(&extra).unwrap_or_default()
            });
        }
        sink.write(vec![
            Arc::new(id.finish()),
            Arc::new(title.finish()),
            Arc::new(year.finish()),
            Arc::new(genres.finish()),
            Arc::new(meta.finish()),
        ])?;
    }
    sink.finish()
}

/// Writes the interactions Spark's ALS reads: `user int32, item int32, rating float`, the
/// ids being the dataset's inner ids (so factors come back in the dataset's own numbering).
/// Streams `rows` in batches of [`BATCH`].
pub fn write_interactions(
    path: &Path,
    rows: impl IntoIterator<Item = (u32, u32, f32)>,
) -> Result<u64> {
    let fields = vec![
        Field::new("user", DataType::Int32, false),
        Field::new("item", DataType::Int32, false),
        Field::new("rating", DataType::Float32, false),
    ];
    let mut sink = Sink::create(path, fields, vec![])?;
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let (mut u, mut i, mut r) = (
            Int32Builder::new(),
            Int32Builder::new(),
            Float32Builder::new(),
        );
        for (uu, ii, v) in it.by_ref().take(BATCH) {
            let ok = |x: u32| {
                i32::try_from(x).map_err(|_| {
                    DataError::Invalid(format!("inner id {x} does not fit Spark's int32 ids"))
                })
            };
            u.append_value(ok(uu)?);
            i.append_value(ok(ii)?);
            r.append_value(v);
        }
        sink.write(vec![
            Arc::new(u.finish()),
            Arc::new(i.finish()),
            Arc::new(r.finish()),
        ])?;
    }
    sink.finish()
}
