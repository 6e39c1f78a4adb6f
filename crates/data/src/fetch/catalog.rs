//! The catalogue of known datasets: names, official GroupLens URLs, pinned sha256 checksums
//! and sizes, and the files that show an unpacked copy is complete.
//!
//! Where each checksum comes from (nothing here was downloaded to check, this machine has
//! no internet access to GroupLens):
//! - ml-100k, ml-1m, ml-20m, ml-25m, ml-latest-small: sha256 and byte size from
//!   `tensorflow_datasets/url_checksums/movielens.txt` in github.com/tensorflow/datasets
//!   (commit 1c076ac3c19c8ea83e1d1a75e0623c9a699e0d7c), which TFDS verifies on every download.
//! - ml-10m: no sha256 is published; its md5 (GroupLens publishes `ml-10m.zip.md5`) as pinned
//!   by other projects is checked instead.
//! - ml-32m: neither a sha256 nor an md5 of the zip was found in any public source. The zip
//!   itself is unverified (a warning names the sha256 it got), but the archive ships a
//!   `checksums.txt` with the md5 of every member file, and those are checked after unpacking
//!   (`manifest.rs`). Pin the zip's checksum once someone has it.

use super::DatasetSpec;

/// Base URL of the official GroupLens MovieLens downloads.
pub const GROUPLENS_BASE: &str = "https://files.grouplens.org/datasets/movielens";

/// One row of the catalogue (static data; turned into a [`DatasetSpec`] by [`spec`]).
struct Entry {
    name: &'static str,
    file: &'static str,
    sha256: Option<&'static str>,
    md5: Option<&'static str>,
    size: Option<u64>,
    markers: &'static [&'static str],
}

const ENTRIES: &[Entry] = &[
    Entry {
        name: "ml-100k",
        file: "ml-100k.zip",
        // tensorflow/datasets url_checksums/movielens.txt
        sha256: Some("50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229"),
        md5: None,
        size: Some(4_924_029),
        // `u.data` for the GroupLens zip, `ml-100k.inter` for the pip (RecBole) source.
        markers: &["u.data", "ml-100k.inter"],
    },
    Entry {
        name: "ml-1m",
        file: "ml-1m.zip",
        // tensorflow/datasets url_checksums/movielens.txt
        sha256: Some("a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20"),
        md5: None,
        size: Some(5_917_549),
        markers: &["ratings.dat"],
    },
    Entry {
        name: "ml-10m",
        // Unpacks to `ml-10M100K/`; the single top folder is flattened away.
        file: "ml-10m.zip",
        // No sha256 published; GroupLens' own ml-10m.zip.md5, as pinned by other projects
        // (e.g. eli-osherovich/papers_with_code datasets/movielens/dl_config.py).
        sha256: None,
        md5: Some("ce571fd55effeba0271552578f2648bd"),
        size: None,
        markers: &["ratings.dat"],
    },
    Entry {
        name: "ml-20m",
        file: "ml-20m.zip",
        // tensorflow/datasets url_checksums/movielens.txt
        sha256: Some("96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3"),
        md5: None,
        size: Some(198_702_078),
        markers: &["ratings.csv"],
    },
    Entry {
        name: "ml-25m",
        file: "ml-25m.zip",
        // tensorflow/datasets url_checksums/movielens.txt
        sha256: Some("8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa"),
        md5: None,
        size: Some(261_978_986),
        markers: &["ratings.csv"],
    },
    Entry {
        name: "ml-32m",
        file: "ml-32m.zip",
        // No sha256 found in any public source; fetched unverified.
        sha256: None,
        md5: None,
        size: None,
        markers: &["ratings.csv"],
    },
    Entry {
        name: "ml-latest-small",
        file: "ml-latest-small.zip",
        // tensorflow/datasets url_checksums/movielens.txt
        sha256: Some("696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436"),
        md5: None,
        size: Some(978_202),
        markers: &["ratings.csv"],
    },
];

/// Names of all datasets `cinerec data fetch` knows, in catalogue order.
pub fn known_names() -> Vec<&'static str> {
    ENTRIES.iter().map(|e| e.name).collect()
}

/// The [`DatasetSpec`] of a known dataset, or `None` for an unknown name.
pub fn spec(name: &str) -> Option<DatasetSpec> {
    let e = ENTRIES.iter().find(|e| e.name == name)?;
    Some(DatasetSpec {
        name: e.name.to_string(),
        url: format!("{GROUPLENS_BASE}/{}", e.file),
        sha256: e.sha256.map(str::to_string),
        md5: e.md5.map(str::to_string),
        size: e.size,
        markers: e.markers.iter().map(|m| m.to_string()).collect(),
        pip_fallback: e.name == "ml-100k",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_well_formed() {
        let names = known_names();
        assert_eq!(
            names,
            [
                "ml-100k",
                "ml-1m",
                "ml-10m",
                "ml-20m",
                "ml-25m",
                "ml-32m",
                "ml-latest-small"
            ]
        );
        for name in names {
            let s = spec(name).expect("known name has a spec");
            assert_eq!(s.name, name);
            assert!(s
                .url
                .starts_with("https://files.grouplens.org/datasets/movielens/"));
            assert!(s.url.ends_with(".zip"));
            assert!(!s.markers.is_empty());
            assert!(
                s.sha256.is_some() || s.md5.is_some() || name == "ml-32m",
                "{name} has no checksum"
            );
            if let Some(h) = &s.md5 {
                assert_eq!(h.len(), 32, "{name}");
                assert!(h
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            }
            if let Some(h) = &s.sha256 {
                assert_eq!(h.len(), 64, "{name}");
                assert!(h
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            }
        }
        assert!(spec("ml-100k").unwrap().pip_fallback);
        assert!(!spec("ml-1m").unwrap().pip_fallback);
        assert_eq!(
            spec("ml-10m").unwrap().url,
            format!("{GROUPLENS_BASE}/ml-10m.zip")
        );
        assert!(spec("ml-5m").is_none());
    }
}
