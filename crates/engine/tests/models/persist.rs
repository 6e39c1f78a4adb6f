//! The model file format: round trip, header content, and every kind of bad file giving a
//! clear error instead of a panic.

use cinerec_core::{NoObserver, Recommender};
use cinerec_engine::persist::{self, LoadOptions, FORMAT_VERSION, MAGIC};
use cinerec_engine::testing::{empty, synthetic};
use cinerec_engine::{registry, ModelError};
use serde_json::json;
use std::path::Path;

fn trained(name: &str) -> (cinerec_core::Dataset, Box<dyn Recommender>) {
    let data = synthetic(21);
    let mut m = registry::create(name, None).unwrap();
    m.fit(&data, &mut NoObserver).unwrap();
    (data, m)
}

#[test]
fn header_records_the_training_run_and_no_temp_file_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.model");
    let (data, m) = trained("baseline");
    let metrics = json!({"rmse": 0.9});
    persist::save(&path, m.as_ref(), &data, Some(metrics.clone())).unwrap();
    let h = persist::read_header(&path).unwrap();
    assert_eq!(h.algorithm, "baseline");
    assert_eq!(h.params, m.params());
    assert_eq!(h.dataset_hash, data.hash());
    assert_eq!((h.n_users, h.n_items), (data.n_users(), data.n_items()));
    assert_eq!(h.format_version, FORMAT_VERSION);
    assert_eq!(h.metrics, Some(metrics));
    assert!(h.created_unix > 0);
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, vec![std::ffi::OsString::from("m.model")]);
    // Overwriting an existing file works (rename over it).
    persist::save(&path, m.as_ref(), &data, None).unwrap();
    assert_eq!(persist::read_header(&path).unwrap().metrics, None);
}

fn load_bytes(
    bytes: &[u8],
    data: &cinerec_core::Dataset,
) -> Result<Box<dyn Recommender>, ModelError> {
    let (h, state) = persist::parse(Path::new("x.model"), bytes)?;
    persist::from_parts(
        Path::new("x.model"),
        &h,
        &state,
        data,
        LoadOptions::default(),
    )
}

#[test]
fn every_truncation_and_trailing_garbage_is_an_error() {
    let (data, m) = trained("popularity");
    let (bytes, _) = persist::to_bytes(m.as_ref(), &data, None).unwrap();
    assert!(load_bytes(&bytes, &data).is_ok());
    for cut in 0..bytes.len() {
        assert!(
            load_bytes(&bytes[..cut], &data).is_err(),
            "cut at {cut} accepted"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        load_bytes(&longer, &data),
        Err(ModelError::Format { .. })
    ));
}

#[test]
fn bad_magic_future_version_and_unknown_algorithm_are_clear_errors() {
    let (data, m) = trained("random");
    let (bytes, header) = persist::to_bytes(m.as_ref(), &data, None).unwrap();
    let mut b = bytes.clone();
    b[0] = b'X';
    let e = load_bytes(&b, &data).err().unwrap().to_string();
    assert!(e.contains("not a cinerec model file"), "{e}");
    let mut b = bytes.clone();
    b[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let e = load_bytes(&b, &data).err().unwrap().to_string();
    assert!(e.contains("version") && e.contains("newer"), "{e}");
    // A header naming an algorithm this build does not know.
    let mut h = header.clone();
    h.algorithm = "deep-magic".into();
    let e = persist::from_parts(
        Path::new("x"),
        &h,
        &m.save_state().unwrap(),
        &data,
        LoadOptions::default(),
    );
    assert!(matches!(e, Err(ModelError::UnknownModel { .. })));
    // A state of another algorithm is refused by the state tag.
    h.algorithm = "popularity".into();
    h.params = json!({});
    let e = persist::from_parts(
        Path::new("x"),
        &h,
        &m.save_state().unwrap(),
        &data,
        LoadOptions::default(),
    );
    assert!(
        matches!(
            e,
            Err(ModelError::Core(cinerec_core::CoreError::Corrupt(_)))
        ),
        "{:?}",
        e.err()
    );
}

#[test]
fn other_dataset_is_refused_naming_both_and_force_needs_equal_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.model");
    let (data, m) = trained("baseline");
    persist::save(&path, m.as_ref(), &data, None).unwrap();
    let mut other = synthetic(22);
    other.name = "other-data".into();
    let e = persist::load(&path, &other).err().unwrap().to_string();
    for part in [data.hash(), other.hash(), "synthetic", "other-data"] {
        assert!(e.contains(part), "{part} missing from: {e}");
    }
    assert!(persist::load_with(&path, &other, LoadOptions { force: true }).is_ok());
    let smaller = empty(3, 4);
    let forced = persist::load_with(&path, &smaller, LoadOptions { force: true });
    assert!(matches!(forced, Err(ModelError::DatasetMismatch(_))));
    let missing = persist::load(&dir.path().join("nope.model"), &data);
    assert!(matches!(missing, Err(ModelError::Io { .. })));
}

/// `data` over a catalogue whose users are `users` (ids), its ratings kept by inner id, plus
/// `extra` ratings (inner user, inner movie, value).
fn with_users(
    data: &cinerec_core::Dataset,
    users: Vec<String>,
    extra: &[(u32, u32, f32)],
) -> cinerec_core::Dataset {
    let mut cat = (**data.catalog()).clone();
    cat.user_meta.resize(users.len(), Default::default());
    cat.users = cinerec_core::IdMap::from_ordered(users);
    let mut inter = data.matrix().to_interactions();
    for &(u, i, v) in extra {
        inter.push(u, i, v, 0);
    }
    let mut d = cinerec_core::Dataset::new(data.name.clone(), std::sync::Arc::new(cat), inter);
    let (lo, hi) = data.rating_scale();
    d.set_scale(lo, hi);
    d
}

/// Forced (a store's data, changed since the fit), a model loads for a catalogue with users
/// appended after its own — those are answered from their ratings, as a profile — and is
/// refused for one whose users were reordered (same count, so the old size check alone
/// would have served user A with user B's vector).
#[test]
fn forced_load_serves_appended_users_and_refuses_reordered_ones() {
    use cinerec_core::{ItemIdx, UserIdx, UserRef};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.model");
    let (data, m) = trained("svd");
    persist::save(&path, m.as_ref(), &data, None).unwrap();
    let n = data.n_users() as u32;
    let mut ids: Vec<String> = data.catalog().users.raws().to_vec();
    ids.push("new-user".into());
    let rated = [(n, 0, 5.0), (n, 2, 4.0), (n, 5, 1.0)];
    let grown = with_users(&data, ids.clone(), &rated);
    let force = LoadOptions { force: true };
    let (served, header) = persist::load_with(&path, &grown, force).unwrap();
    assert_eq!(header.n_users, data.n_users());
    let profile: Vec<(ItemIdx, f32)> = rated.iter().map(|r| (ItemIdx(r.1), r.2)).collect();
    for i in [1, 3, 7] {
        let want = m.predict(UserRef::Profile(&profile), ItemIdx(i)).unwrap();
        let got = served
            .predict(UserRef::Known(UserIdx(n)), ItemIdx(i))
            .unwrap();
        assert_eq!(got, want, "movie {i}");
        let trained = m.predict(UserRef::Known(UserIdx(1)), ItemIdx(i)).unwrap();
        assert_eq!(
            served
                .predict(UserRef::Known(UserIdx(1)), ItemIdx(i))
                .unwrap(),
            trained
        );
    }
    ids.pop();
    ids.swap(0, 1);
    let reordered = with_users(&data, ids, &[]);
    let refused = persist::load_with(&path, &reordered, force);
    assert!(matches!(refused, Err(ModelError::DatasetMismatch(_))));
}
