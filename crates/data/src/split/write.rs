//! Writing split files in the peers' CSV format (`../shared/peers/split.py`):
//! header `user,item,rating,timestamp`, raw ids, the rating as an integer when whole
//! (`4`) and otherwise in shortest round-trip form (`3.5`), the timestamp as an integer,
//! `\n` line ends. Files are written to a temporary file beside the target and renamed over
//! it, so a reader never sees a half-written file.

use crate::error::{DataError, Result};
use cinerec_core::atomic::AtomicFile;
use cinerec_core::{Catalog, Dataset, Interactions};
use std::io::Write;
use std::path::Path;

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

/// Writes through `f` into a [`cinerec_core::atomic::AtomicFile`] committed onto `path`.
fn atomic_write(path: &Path, f: impl FnOnce(&mut AtomicFile) -> std::io::Result<()>) -> Result<()> {
    let mut file = AtomicFile::create(path).map_err(|e| DataError::io(path, e))?;
    f(&mut file).map_err(|e| DataError::io(path, e))?;
    file.commit().map_err(|e| DataError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::super::tests::toy;
    use super::super::{random_split_file_order, split_interactions, RngKind, SplitSpec};
    use super::*;
    use cinerec_core::IdMap;

    #[test]
    fn csv_writer_format_and_atomicity() {
        let dir = tempfile::tempdir().unwrap();
        let mut users = IdMap::from_raw_sorted(vec!["7".into(), "12".into()]);
        users.insert("a,\"b\"");
        let catalog = Catalog {
            users,
            items: IdMap::from_raw_sorted(vec!["100".into(), "5".into()]),
            ..Default::default()
        };
        let mut r = Interactions::default();
        r.push(1, 0, 3.5, 881250949);
        r.push(0, 1, 4.0, 0);
        r.push(2, 0, 1.25, 7);
        let p = dir.path().join("out.csv");
        std::fs::write(&p, "old").unwrap();
        write_split_csv(&p, &catalog, &r).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            text,
            "user,item,rating,timestamp\n12,5,3.5,881250949\n7,100,4,0\n\"a,\"\"b\"\"\",5,1.25,7\n"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        r.push(5, 0, 1.0, 0);
        assert!(write_split_csv(&p, &catalog, &r).is_err());
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            text,
            "a failed write leaves the old file"
        );
        assert!(write_split_csv(
            &dir.path().join("missing/x.csv"),
            &catalog,
            &Interactions::default()
        )
        .is_err());
        assert_eq!(format_rating(5.0), "5");
        assert_eq!(format_rating(0.1), "0.1");
    }

    /// Runs `split.py`'s two splitting rules with real numpy on a synthetic file and compares
    /// the four CSVs byte for byte with ours. Prints a loud SKIP when numpy is missing.
    #[test]
    fn live_peer_split_files_are_identical() {
        if !std::process::Command::new("python3")
            .args(["-c", "import numpy"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
        {
            eprintln!("SKIP live_peer_split_files_are_identical: python3 with numpy not available");
            println!("SKIP live_peer_split_files_are_identical: python3 with numpy not available");
            return;
        }
        let (data, file) = toy(60, 80, 40, 8);
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("all.csv");
        write_split_csv(&input, data.catalog(), &file).unwrap();
        // The rules of ../shared/peers/split.py (random 80/20 with default_rng(42), per-user
        // temporal 20 % with (timestamp, item) order), on our CSV instead of the .inter file.
        let script = r#"
import csv, sys, numpy as np
d = sys.argv[1]
with open(d + "/all.csv") as f:
    r = csv.reader(f); next(r)
    rows = [(int(u), int(i), float(x), int(t)) for u, i, x, t in r]
def write(p, rs):
    with open(p, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["user", "item", "rating", "timestamp"])
        for u, i, x, t in rs:
            w.writerow([u, i, int(x) if float(x).is_integer() else x, t])
n = len(rows)
perm = np.random.default_rng(42).permutation(n)
is_test = np.zeros(n, dtype=bool); is_test[perm[: n // 5]] = True
write(d + "/py_ratings_train.csv", [r for k, r in enumerate(rows) if not is_test[k]])
write(d + "/py_ratings_test.csv", [r for k, r in enumerate(rows) if is_test[k]])
by_user = {}
for r in rows: by_user.setdefault(r[0], []).append(r)
tr, te = [], []
for u in sorted(by_user):
    ur = sorted(by_user[u], key=lambda r: (r[3], r[1])); k = (len(ur) + 4) // 5
    tr.extend(ur[: len(ur) - k]); te.extend(ur[len(ur) - k:])
write(d + "/py_temporal_train.csv", tr); write(d + "/py_temporal_test.csv", te)
"#;
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rnd = random_split_file_order(&file, 0.2, 42, RngKind::Numpy).unwrap();
        let tmp = split_interactions(&file, &SplitSpec::peer_temporal()).unwrap();
        for (name, part) in [
            ("ratings_train", &rnd.train),
            ("ratings_test", &rnd.test),
            ("temporal_train", &tmp.train),
            ("temporal_test", &tmp.test),
        ] {
            let ours = dir.path().join(format!("{name}.csv"));
            write_split_csv(&ours, data.catalog(), part).unwrap();
            let a = std::fs::read(&ours).unwrap();
            let b = std::fs::read(dir.path().join(format!("py_{name}.csv"))).unwrap();
            assert!(a == b, "{name}.csv differs from the python peer's");
        }
    }
}
