//! Writing split files in the peers' CSV format (`../shared/peers/split.py`):
//! header `user,item,rating,timestamp`, raw ids, the rating as an integer when whole
//! (`4`) and otherwise in shortest round-trip form (`3.5`), the timestamp as an integer,
//! `\n` line ends. Files are written to a temporary file beside the target and renamed over
//! it, so a reader never sees a half-written file.

use crate::error::{DataError, Result};
use cinerec_core::{Catalog, Dataset, Interactions};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `rows` (inner ids of `catalog`) **in their stored order** — pass the parts of an
/// [`super::InteractionSplit`] to reproduce the peers' files (random split: file order;
/// temporal: (user, timestamp, item)).
pub fn write_split_csv(path: &Path, catalog: &Catalog, rows: &Interactions) -> Result<()> {
    super::check_columns(rows)?;
    let (nu, ni) = (catalog.n_users() as u32, catalog.n_items() as u32);
    if let Some(k) = (0..rows.len()).find(|&k| rows.users[k] >= nu || rows.items[k] >= ni) {
        return Err(DataError::Invalid(format!(
            "{}: row {k} (user #{}, item #{}) is outside the catalogue ({nu} users, {ni} items)",
            path.display(),
            rows.users[k],
            rows.items[k]
        )));
    }
    atomic_write(path, |w| {
        w.write_all(b"user,item,rating,timestamp\n")?;
        for k in 0..rows.len() {
            write_field(w, catalog.users.raw(rows.users[k]))?;
            w.write_all(b",")?;
            write_field(w, catalog.items.raw(rows.items[k]))?;
            writeln!(w, ",{},{}", format_rating(rows.values[k]), rows.times[k])?;
        }
        Ok(())
    })
}

/// Writes a dataset's ratings in (user, item) order (the order it stores them).
pub fn write_dataset_csv(path: &Path, data: &Dataset) -> Result<()> {
    write_split_csv(path, data.catalog(), &data.matrix().to_interactions())
}

/// `int(x) if x.is_integer() else x`, as Python prints it (for values a rating can take).
pub(crate) fn format_rating(v: f32) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A raw id, quoted like Python's `csv` module does when it holds `,`, `"` or a line break.
fn write_field(w: &mut impl Write, s: &str) -> std::io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        write!(w, "\"{}\"", s.replace('"', "\"\""))
    } else {
        w.write_all(s.as_bytes())
    }
}

/// Writes through `f` into `<dir>/.<name>.tmp-<pid>`, syncs, and renames onto `path`.
fn atomic_write(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| DataError::Invalid(format!("{}: not a file path", path.display())))?
        .to_string_lossy()
        .into_owned();
    let tmp: PathBuf = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut w = BufWriter::new(file);
        f(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(DataError::io(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        DataError::io(path, e)
    })
}
