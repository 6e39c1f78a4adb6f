//! End-to-end check against the real peer files: splits the RecBole ML-100K `.inter` file
//! (found through `CINEREC_ML100K_INTER`, or `$CINEREC_ML100K/ml-100k.inter`) and compares
//! the sha256 of the four CSVs with `../shared/peers/expected_manifest.json`. Prints a loud
//! SKIP when the file is not available.

use super::{random_split_file_order, split_interactions, write_split_csv, RngKind, SplitSpec};
use cinerec_core::{Catalog, IdMap, Interactions};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Values of `../shared/peers/expected_manifest.json` (recbole==1.2.1 ml-100k.inter, seed 42).
const SOURCE_SHA256: &str = "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff";
const EXPECTED: [(&str, usize, &str); 4] = [
    (
        "ratings_train.csv",
        80000,
        "827ba3fc88295ba8db6b153d036b0f1052fe6b46479670de01597f8bbcf93500",
    ),
    (
        "ratings_test.csv",
        20000,
        "9548f0748f5900c6de483c9b8decb64cb71dde3d713c25a732d7f6ca6e638958",
    ),
    (
        "temporal_train.csv",
        79619,
        "6c5463ff320f7ceac5f6cb5489454d9c1cb5bad82fcc7d366698eb228ec04b81",
    ),
    (
        "temporal_test.csv",
        20381,
        "ae52dbad69d525ed63bf373259fd0d9be818590a249da5c2259e941cdcf46e22",
    ),
];

fn hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

fn inter_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CINEREC_ML100K_INTER") {
        return Some(PathBuf::from(p));
    }
    let p = PathBuf::from(std::env::var_os("CINEREC_ML100K")?).join("ml-100k.inter");
    p.is_file().then_some(p)
}

#[test]
fn ml100k_peer_split_files_have_the_expected_sha256() {
    let Some(path) = inter_path() else {
        eprintln!("SKIP ml100k_peer_split_files_have_the_expected_sha256: set CINEREC_ML100K_INTER to ml-100k.inter");
        return;
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        hex(&bytes),
        SOURCE_SHA256,
        "{} is not the recbole==1.2.1 ml-100k.inter",
        path.display()
    );
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("user_id:token\titem_id:token\trating:float\ttimestamp:float")
    );
    let rows: Vec<[&str; 4]> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            [f[0], f[1], f[2], f[3]]
        })
        .collect();
    let catalog = Catalog {
        users: IdMap::from_raw_sorted(rows.iter().map(|r| r[0].to_string()).collect()),
        items: IdMap::from_raw_sorted(rows.iter().map(|r| r[1].to_string()).collect()),
        ..Default::default()
    };
    let mut file = Interactions::with_capacity(rows.len());
    for r in &rows {
        let (u, i) = (
            catalog.users.get(r[0]).unwrap(),
            catalog.items.get(r[1]).unwrap(),
        );
        file.push(
            u,
            i,
            r[2].parse().unwrap(),
            r[3].parse::<f64>().unwrap() as u32,
        );
    }
    let rnd = random_split_file_order(&file, 0.2, 42, RngKind::Numpy).unwrap();
    let tmp = split_interactions(&file, &SplitSpec::peer_temporal()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for ((name, n_rows, sha), part) in EXPECTED
        .iter()
        .zip([&rnd.train, &rnd.test, &tmp.train, &tmp.test])
    {
        assert_eq!(part.len(), *n_rows, "{name}");
        let p = dir.path().join(name);
        write_split_csv(&p, &catalog, part).unwrap();
        assert_eq!(
            hex(&std::fs::read(&p).unwrap()),
            *sha,
            "{name} differs from the peers' file"
        );
    }
}
