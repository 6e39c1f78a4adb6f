//! Safe zip extraction and temp-path hygiene: unpacking a downloaded zip into a staging
//! folder (flattening a single top folder, refusing path traversal and symlinks), pulling a
//! sub-folder out of a wheel, and [`TempGuard`], which deletes temp files and folders on
//! every exit path unless the caller keeps them.

use crate::error::DataError;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Removes a temp file or folder when dropped (errors ignored: best effort on the way out).
pub(crate) struct TempGuard {
    path: PathBuf,
}

impl TempGuard {
    /// Guards `path`; nothing is created.
    pub(crate) fn new(path: PathBuf) -> Self {
        TempGuard { path }
    }
    /// The guarded path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        match fs::symlink_metadata(&self.path) {
            Ok(m) if m.is_dir() => {
                let _ = fs::remove_dir_all(&self.path);
            }
            Ok(_) => {
                let _ = fs::remove_file(&self.path);
            }
            Err(_) => {}
        }
    }
}

fn fetch_err(name: &str, message: String) -> DataError {
    DataError::Fetch {
        name: name.to_string(),
        message,
    }
}

fn open_zip(name: &str, zip_path: &Path) -> Result<zip::ZipArchive<File>, DataError> {
    let file = File::open(zip_path).map_err(|e| DataError::io(zip_path, e))?;
    zip::ZipArchive::new(file).map_err(|e| {
        fetch_err(
            name,
            format!("not a zip archive: {} ({e})", zip_path.display()),
        )
    })
}

/// The safe relative path of an entry. The raw name is checked first (no absolute path, no
/// `..` segment, no backslash, drive letter or NUL), then the crate's `enclosed_name`.
fn safe_relative(name: &str, raw: &str, enclosed: Option<PathBuf>) -> Result<PathBuf, DataError> {
    let unsafe_entry = || {
        fetch_err(
            name,
            format!("zip entry with unsafe path rejected: {raw:?}"),
        )
    };
    let bad_raw = raw.starts_with('/')
        || raw.contains(['\\', '\0'])
        || raw
            .split('/')
            .next()
            .is_some_and(|first| first.contains(':'))
        || raw.split('/').any(|seg| seg == "..");
    if bad_raw {
        return Err(unsafe_entry());
    }
    let path = enclosed.ok_or_else(unsafe_entry)?;
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(unsafe_entry());
    }
    Ok(path)
}

/// macOS resource-fork junk that some zips carry; never extracted.
fn is_junk(path: &Path) -> bool {
    path.components()
        .next()
        .is_some_and(|c| c.as_os_str() == "__MACOSX")
}

/// Unpacks `zip_path` into the existing empty folder `dest`. When every entry lives under one
/// top folder (`ml-100k/…`, `ml-10M100K/…`), that folder is flattened away. Returns the number
/// of files written.
pub(crate) fn unpack_zip(name: &str, zip_path: &Path, dest: &Path) -> Result<usize, DataError> {
    let mut archive = open_zip(name, zip_path)?;
    let mut entries = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| fetch_err(name, format!("corrupt zip entry #{i}: {e}")))?;
        let raw = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let rel = safe_relative(name, &raw, entry.enclosed_name())?;
        if entry.is_symlink() {
            return Err(fetch_err(
                name,
                format!("zip entry is a symlink, rejected: {raw:?}"),
            ));
        }
        if !is_junk(&rel) && rel.components().next().is_some() {
            entries.push((i, rel, entry.is_dir()));
        }
    }
    if !entries.iter().any(|(_, _, dir)| !dir) {
        return Err(fetch_err(
            name,
            format!("zip archive has no files: {}", zip_path.display()),
        ));
    }
    // Flatten a single top folder: every entry is either that folder or inside it.
    let top = entries[0]
        .1
        .components()
        .next()
        .map(|c| c.as_os_str().to_owned());
    let flatten = top.as_ref().is_some_and(|top| {
        entries.iter().all(|(_, rel, dir)| {
            let mut comps = rel.components();
            comps.next().map(|c| c.as_os_str()) == Some(top.as_os_str())
                && (comps.next().is_some() || *dir)
        })
    });
    let mut files = 0;
    for (i, rel, is_dir) in entries {
        let rel = if flatten {
            rel.components().skip(1).collect::<PathBuf>()
        } else {
            rel
        };
        if rel.as_os_str().is_empty() {
            continue;
        }
        let out = dest.join(&rel);
        if is_dir {
            fs::create_dir_all(&out).map_err(|e| DataError::io(&out, e))?;
            continue;
        }
        let mut entry = archive
            .by_index(i)
            .map_err(|e| fetch_err(name, format!("corrupt zip entry #{i}: {e}")))?;
        write_entry(name, &mut entry, &out)?;
        files += 1;
    }
    Ok(files)
}

/// Copies every file under `prefix` (e.g. `recbole/dataset_example/ml-100k/`) of the zip
/// (a wheel) into `dest`, keeping paths relative to the prefix. Returns the file names.
pub(crate) fn extract_prefix(
    name: &str,
    zip_path: &Path,
    prefix: &str,
    dest: &Path,
) -> Result<Vec<PathBuf>, DataError> {
    let mut archive = open_zip(name, zip_path)?;
    let mut written = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| fetch_err(name, format!("corrupt zip entry #{i}: {e}")))?;
        let raw = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let Some(rest) = raw.strip_prefix(prefix) else {
            continue;
        };
        if rest.is_empty() || entry.is_dir() {
            continue;
        }
        let full = safe_relative(name, &raw, entry.enclosed_name())?;
        if entry.is_symlink() {
            return Err(fetch_err(
                name,
                format!("zip entry is a symlink, rejected: {raw:?}"),
            ));
        }
        let rel = full
            .strip_prefix(prefix.trim_end_matches('/'))
            .map_err(|_| {
                fetch_err(
                    name,
                    format!("zip entry with unsafe path rejected: {raw:?}"),
                )
            })?;
        let out = dest.join(rel);
        write_entry(name, &mut entry, &out)?;
        written.push(rel.to_path_buf());
    }
    Ok(written)
}

/// The most an entry may expand: `MAX_RATIO` times its compressed size, and never less than
/// [`MIN_ALLOWED`]. Rating files compress 3–6×; a compression bomb expands by thousands.
const MAX_RATIO: u64 = 200;
/// Small entries may expand past [`MAX_RATIO`] up to this many bytes.
const MIN_ALLOWED: u64 = 64 << 20;

fn write_entry(
    name: &str,
    entry: &mut zip::read::ZipFile<'_, File>,
    out: &Path,
) -> Result<(), DataError> {
    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent).map_err(|e| DataError::io(parent, e))?;
    }
    let allowed = entry
        .compressed_size()
        .saturating_mul(MAX_RATIO)
        .max(MIN_ALLOWED);
    let mut file = File::options()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| DataError::io(out, e))?;
    // Read at most one byte past the allowance: the declared size may lie.
    let copied =
        io::copy(&mut entry.by_ref().take(allowed + 1), &mut file).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof | io::ErrorKind::Other => {
                fetch_err(name, format!("corrupt zip data for {}: {e}", out.display()))
            }
            _ => DataError::io(out, e),
        })?;
    if copied > allowed {
        return Err(fetch_err(
            name,
            format!(
                "zip entry {} expands past {MAX_RATIO}× its compressed size ({} bytes): \
                 compression ratio refused as a compression bomb",
                out.display(),
                entry.compressed_size()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};
    use zip::write::SimpleFileOptions;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in files {
            if name.ends_with('/') {
                w.add_directory(*name, SimpleFileOptions::default())
                    .unwrap();
            } else {
                w.start_file(*name, SimpleFileOptions::default()).unwrap();
                w.write_all(data).unwrap();
            }
        }
        w.finish().unwrap().into_inner()
    }

    fn unpack(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Result<usize, DataError>) {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("a.zip");
        fs::write(&zip, zip_of(files)).unwrap();
        let dest = dir.path().join("out");
        fs::create_dir(&dest).unwrap();
        let r = unpack_zip("t", &zip, &dest);
        (dir, r)
    }

    #[test]
    fn root_level_files_are_not_flattened() {
        let (dir, r) = unpack(&[("ratings.csv", b"a"), ("sub/", b""), ("sub/x.txt", b"b")]);
        assert_eq!(r.unwrap(), 2);
        assert_eq!(fs::read(dir.path().join("out/ratings.csv")).unwrap(), b"a");
        assert_eq!(fs::read(dir.path().join("out/sub/x.txt")).unwrap(), b"b");
    }

    #[test]
    fn single_top_folder_is_flattened_and_macosx_junk_skipped() {
        let files: &[(&str, &[u8])] = &[
            ("ml-10M100K/", b""),
            ("ml-10M100K/ratings.dat", b"1::2::3::4\n"),
            ("__MACOSX/ml-10M100K/._ratings.dat", b"junk"),
        ];
        let (dir, r) = unpack(files);
        assert_eq!(r.unwrap(), 1);
        assert!(dir.path().join("out/ratings.dat").is_file());
        assert!(!dir.path().join("out/__MACOSX").exists());
        assert!(!dir.path().join("out/ml-10M100K").exists());
    }

    #[test]
    fn empty_archive_and_absolute_paths_are_rejected() {
        let (_d, r) = unpack(&[("only-a-dir/", b"")]);
        assert!(r.unwrap_err().to_string().contains("no files"));
        let (_d, r) = unpack(&[("/etc/evil", b"x")]);
        assert!(r.unwrap_err().to_string().contains("unsafe path"));
    }

    #[test]
    fn extract_prefix_reads_a_wheel_folder() {
        let dir = tempfile::tempdir().unwrap();
        let whl = dir.path().join("x.whl");
        let files: &[(&str, &[u8])] = &[
            ("recbole/__init__.py", b""),
            ("recbole/dataset_example/ml-100k/ml-100k.inter", b"inter"),
            ("recbole/dataset_example/ml-100k/ml-100k.item", b"item"),
            ("recbole/dataset_example/ml-1m/ml-1m.inter", b"other"),
        ];
        fs::write(&whl, zip_of(files)).unwrap();
        let dest = dir.path().join("out");
        fs::create_dir(&dest).unwrap();
        let mut got = extract_prefix("t", &whl, "recbole/dataset_example/ml-100k/", &dest).unwrap();
        got.sort();
        assert_eq!(
            got,
            [
                PathBuf::from("ml-100k.inter"),
                PathBuf::from("ml-100k.item")
            ]
        );
        assert_eq!(fs::read(dest.join("ml-100k.inter")).unwrap(), b"inter");
        assert!(!dest.join("ml-1m.inter").exists());
    }

    #[test]
    fn temp_guard_removes_files_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        let d = dir.path().join("d");
        fs::write(&f, "x").unwrap();
        fs::create_dir_all(d.join("inner")).unwrap();
        drop(TempGuard::new(f.clone()));
        drop(TempGuard::new(d.clone()));
        drop(TempGuard::new(dir.path().join("never-created")));
        assert!(!f.exists() && !d.exists());
    }
}
