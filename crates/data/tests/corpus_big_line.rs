//! The malformed-input corpus's one large case (issue #17, point 4; `tests/corpus/README.md`):
//! a ratings file whose third line is 300 MiB without a newline. The loader must name the file,
//! the line and a field, and must not buffer the line: this test runs in its own process so the
//! peak resident set it reads (`VmHWM`) is the loader's own.

use cinerec_data::loaders::{load, LoadOptions};
use cinerec_data::DataError;
use std::fs::File;
use std::io::{BufWriter, Write};

/// Peak resident set of this process in KiB (Linux), `None` elsewhere.
fn peak_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_300_mib_line_is_an_error_in_bounded_memory() {
    const LINE: usize = 300 << 20;
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("ml");
    std::fs::create_dir(&d).unwrap();
    {
        let mut w = BufWriter::new(File::create(d.join("ratings.csv")).unwrap());
        w.write_all(b"userId,movieId,rating,timestamp\n1,1,4,10\n1,2,")
            .unwrap();
        let chunk = vec![b'9'; 1 << 20];
        for _ in 0..LINE >> 20 {
            w.write_all(&chunk).unwrap();
        }
        w.write_all(b"\n1,3,4,12\n").unwrap();
    }
    let before = peak_kib();
    let e = load(&d, &LoadOptions::default()).unwrap_err();
    match &e {
        DataError::Parse { file, line, .. } => {
            assert!(file.ends_with("ratings.csv"), "{e}");
            assert_eq!(*line, 3, "{e}");
        }
        other => panic!("expected a file:line:field error, got {other}"),
    }
    assert!(e.to_string().contains("line longer than"), "{e}");
    if let (Some(b), Some(a)) = (before, peak_kib()) {
        eprintln!("peak RSS {b} KiB before the load, {a} KiB after");
        // The reader's buffers: a 16 MiB block per thread and at most one 16 MiB line.
        assert!(a < 160 * 1024, "peak RSS {a} KiB: the line was buffered");
    } else {
        eprintln!("SKIP the memory check: no /proc/self/status here");
    }
    // The same line as the header: the header is never read whole either.
    let mut w = BufWriter::new(File::create(d.join("ratings.csv")).unwrap());
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..64 {
        w.write_all(&chunk).unwrap();
    }
    drop(w);
    let e = load(&d, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(&e, DataError::Parse { line: 1, .. }),
        "a 64 MiB header: {e}"
    );
}
