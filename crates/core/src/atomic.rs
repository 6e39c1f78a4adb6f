//! The one atomic file writer of cinerec: bytes go to a temporary file beside the target,
//! are synced, and the file is renamed over the target, so a reader sees the old file or the
//! whole new one, never a part. Model files, reports, split files and synthetic datasets are
//! all written through it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file being written under a temporary name; [`AtomicFile::commit`] renames it onto its
/// destination, and dropping it uncommitted removes it.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `dest` (through a temporary file in the same folder).
    pub fn create(dest: &Path) -> std::io::Result<Self> {
        let name = dest.file_name().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a file path", dest.display()),
            )
        })?;
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let tmp = dest.with_file_name(format!(
            ".{}.tmp-{}-{seq}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let f = File::create(&tmp)?;
        Ok(AtomicFile {
            out: Some(BufWriter::with_capacity(1 << 20, f)),
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// Flushes, syncs and renames the file onto its destination.
    pub fn commit(mut self) -> std::io::Result<()> {
        let Some(out) = self.out.take() else {
            return Err(std::io::Error::other("atomic file committed twice"));
        };
        let done = out
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&self.tmp, &self.dest));
        if done.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        done
    }

    fn out(&mut self) -> std::io::Result<&mut BufWriter<File>> {
        self.out
            .as_mut()
            .ok_or_else(|| std::io::Error::other("atomic file written after commit"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out()?.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out()?.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes the concatenation of `parts` to `path` atomically.
pub fn write_atomic(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    for p in parts {
        f.write_all(p)?;
    }
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_or_leaves_old() {
        let dir = std::env::temp_dir().join(format!("cinerec-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.txt");
        write_atomic(&p, &[b"old"]).unwrap();
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(b"half").unwrap();
            // dropped uncommitted: the old content stays, no temporary is left
        }
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        write_atomic(&p, &[b"ne", b"w"]).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "temporary files left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
