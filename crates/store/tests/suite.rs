//! The one store test suite: each property is a generic async function over `dyn Store`,
//! run against SQLite (always), PostgreSQL and MySQL/MariaDB (when their URLs are set; see
//! `common`). Test names read `<backend>::<property>`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use cinerec_core::{Dataset, Interactions};
use cinerec_store::{
    import_dataset, migrations, Backend, Counts, DatasetLoad, ImportOptions, MovieRecord, NewModel,
    RatingRecord, RunEntry, StoreError, UserRecord,
};
use common::{synthetic, Ctx};
use serde_json::json;

fn user(id: &str, age: Option<u16>) -> UserRecord {
    UserRecord {
        id: id.into(),
        age,
        gender: Some("F".into()),
        ..Default::default()
    }
}

fn movie(id: &str, title: &str) -> MovieRecord {
    MovieRecord {
        id: id.into(),
        title: Some(title.into()),
        year: Some(1995),
        genres: vec!["Comedy".into(), "Drama".into()],
        ..Default::default()
    }
}

fn rating(u: &str, m: &str, v: f32) -> RatingRecord {
    RatingRecord {
        user: u.into(),
        movie: m.into(),
        rating: v,
        timestamp: 881_250_949,
    }
}

/// A store with users u1..u3, movies m1..m3 and no ratings.
async fn seed(c: &Ctx) {
    let users: Vec<UserRecord> = (1..=3)
        .map(|k| user(&format!("u{k}"), Some(20 + k)))
        .collect();
    let movies: Vec<MovieRecord> = (1..=3)
        .map(|k| movie(&format!("m{k}"), "Toy Story"))
        .collect();
    assert_eq!(c.store.upsert_users(&users).await.unwrap(), 3);
    assert_eq!(c.store.upsert_movies(&movies).await.unwrap(), 3);
}

/// Opening twice applies every migration once; data survives the reopen.
async fn migrations_idempotent(c: Ctx) {
    assert_eq!(
        c.store.schema_version().await.unwrap(),
        migrations::latest()
    );
    assert_eq!(c.store.migrate().await.unwrap(), Vec::<i64>::new());
    c.store.upsert_user(&user("kept", Some(30))).await.unwrap();
    let again = cinerec_store::open(&c.url).await.unwrap();
    assert_eq!(again.migrate().await.unwrap(), Vec::<i64>::new());
    assert_eq!(again.schema_version().await.unwrap(), migrations::latest());
    assert_eq!(
        again.get_user("kept").await.unwrap(),
        Some(user("kept", Some(30)))
    );
    again.close().await;
}

/// Upserting the same records again changes nothing; a changed record replaces the old one;
/// within one batch the last record for a key wins.
async fn upsert_idempotent(c: Ctx) {
    seed(&c).await;
    let s = &c.store;
    let batch = vec![
        rating("u1", "m1", 4.0),
        rating("u1", "m2", 3.0),
        rating("u2", "m1", 5.0),
    ];
    s.upsert_ratings(&batch).await.unwrap();
    s.upsert_ratings(&batch).await.unwrap();
    seed(&c).await;
    let n = s.counts().await.unwrap();
    assert_eq!((n.users, n.movies, n.ratings), (3, 3, 3));
    s.upsert_rating(&rating("u1", "m1", 1.5)).await.unwrap();
    s.upsert_ratings(&[rating("u2", "m1", 2.0), rating("u2", "m1", 2.5)])
        .await
        .unwrap();
    s.upsert_user(&user("u1", Some(99))).await.unwrap();
    s.upsert_movie(&movie("m1", "Toy Story 2")).await.unwrap();
    assert_eq!(s.counts().await.unwrap().ratings, 3);
    let r1 = s.user_ratings("u1").await.unwrap();
    assert_eq!(r1, vec![rating("u1", "m1", 1.5), rating("u1", "m2", 3.0)]);
    assert_eq!(
        s.user_ratings("u2").await.unwrap(),
        vec![rating("u2", "m1", 2.5)]
    );
    assert_eq!(s.get_user("u1").await.unwrap().unwrap().age, Some(99));
    assert_eq!(
        s.get_movie("m1").await.unwrap(),
        Some(movie("m1", "Toy Story 2"))
    );
    assert_eq!(s.get_movie("nope").await.unwrap(), None);
}

/// Importing a dataset in several write steps gives the right counts, twice over, in one
/// transaction each; progress reaches the total once per import.
async fn batch_import_counts(c: Ctx) {
    let ds = synthetic(120, 90, 25);
    let opts = ImportOptions { batch_rows: 1700 };
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: u64, total: u64| seen.lock().unwrap().push((done, total));
    for _ in 0..2 {
        let rep = import_dataset(c.store.as_ref(), &ds, &opts, &progress)
            .await
            .unwrap();
        assert_eq!(rep.ratings as usize, ds.n_ratings());
        assert_eq!(rep.batches, 1, "{rep:?}");
        let n = c.store.counts().await.unwrap();
        assert_eq!(
            (n.users as usize, n.movies as usize, n.ratings as usize),
            (ds.n_users(), ds.n_items(), ds.n_ratings())
        );
    }
    let seen = seen.into_inner().unwrap();
    let total = (ds.n_users() + ds.n_items() + ds.n_ratings()) as u64;
    assert_eq!(seen.last(), Some(&(total, total)));
    assert!(seen.iter().all(|&(d, t)| t == total && d <= total));
    assert_eq!(seen.iter().filter(|s| s.0 == total).count(), 2);
}

/// What the store holds, to compare states: counts and the hash of `load_dataset` (every
/// user, movie, rating value and timestamp).
async fn snapshot(c: &Ctx) -> (Counts, String) {
    let n = c.store.counts().await.unwrap();
    (n, c.store.load_dataset().await.unwrap().hash().to_string())
}

/// `ds` with every rating changed (value and time), same keys.
fn revalued(ds: &Dataset) -> Dataset {
    let mut inter = Interactions::default();
    for r in ds.matrix().iter() {
        inter.push(r.user.0, r.item.0, 6.0 - r.value, r.time + 1);
    }
    ds.with_ratings(ds.name.clone(), inter)
}

/// Re-importing the same dataset changes nothing (same counts, same contents); importing
/// it with other values replaces them, keeping one row per key.
async fn import_idempotent_and_replacing(c: Ctx) {
    let ds = synthetic(80, 50, 15);
    let opts = ImportOptions { batch_rows: 97 };
    let none = |_: u64, _: u64| {};
    import_dataset(c.store.as_ref(), &ds, &opts, &none)
        .await
        .unwrap();
    let first = snapshot(&c).await;
    assert_eq!(first.0.ratings as usize, ds.n_ratings());
    assert_eq!(first.1, ds.hash());
    import_dataset(c.store.as_ref(), &ds, &opts, &none)
        .await
        .unwrap();
    assert_eq!(snapshot(&c).await, first);
    let ds2 = revalued(&ds);
    let rep = import_dataset(c.store.as_ref(), &ds2, &opts, &none)
        .await
        .unwrap();
    assert_eq!(rep.ratings as usize, ds.n_ratings());
    let (n, hash) = snapshot(&c).await;
    assert_eq!(n, first.0);
    assert_eq!(hash, ds2.hash());
    let back = c.store.load_dataset().await.unwrap();
    assert_eq!(
        back.matrix().to_interactions(),
        ds2.matrix().to_interactions()
    );
}

/// An import that a database error stops midway (one rating refused in the middle of the
/// stream, after many statements / COPY chunks) leaves the previous state exactly: into an
/// empty store, nothing; over a first import, no new user, movie or rating and no changed
/// value. The store stays usable and the same import succeeds once the obstacle is gone
/// (PostgreSQL: the staging table of the failed run is gone too).
async fn failed_import_leaves_previous_state(c: Ctx) {
    let ds = synthetic(80, 50, 15);
    let opts = ImportOptions { batch_rows: 97 };
    let none = |_: u64, _: u64| {};
    // More users and movies, and every shared rating with another value.
    let ds2 = revalued(&synthetic(160, 90, 20));
    let cat = ds2.catalog();
    let mut users: Vec<&str> = cat.users.raws().iter().map(String::as_str).collect();
    users.sort_unstable();
    let victim_user = users[users.len() / 2..]
        .iter()
        .find(|u| ds.catalog().user(u).is_none())
        .unwrap();
    let u = cat.user(victim_user).unwrap();
    let victim_movie = cat.items.raw(ds2.matrix().user_row(u).0[0]);
    // PostgreSQL: a CHECK constraint (an import as superuser skips triggers); elsewhere a
    // trigger.
    let b = c.store.backend();
    let cond =
        |new: &str| format!("{new}user_id = '{victim_user}' AND {new}movie_id = '{victim_movie}'");
    let (add, remove) = match b {
        Backend::Sqlite => (
            format!(
                "CREATE TRIGGER cinerec_boom BEFORE INSERT ON ratings \
                 WHEN {} BEGIN SELECT RAISE(ABORT, 'boom'); END",
                cond("NEW.")
            ),
            "DROP TRIGGER cinerec_boom",
        ),
        Backend::Postgres => (
            format!(
                "ALTER TABLE ratings ADD CONSTRAINT cinerec_boom CHECK (NOT ({})) NOT VALID",
                cond("")
            ),
            "ALTER TABLE ratings DROP CONSTRAINT cinerec_boom",
        ),
        Backend::MySql => (
            format!(
                "CREATE TRIGGER cinerec_boom BEFORE INSERT ON ratings FOR EACH ROW BEGIN \
                 IF {} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'boom'; \
                 END IF; END",
                cond("NEW.")
            ),
            "DROP TRIGGER cinerec_boom",
        ),
    };
    common::exec_raw(b, &c.url, &add).await;
    let seen = std::sync::Mutex::new(0u64);
    let progress = |done: u64, _: u64| *seen.lock().unwrap() = done;
    let fail = || async {
        *seen.lock().unwrap() = 0;
        let e = import_dataset(c.store.as_ref(), &ds2, &opts, &progress)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("boom"), "{e}");
        // The failure came after many rows had been sent.
        let sent = *seen.lock().unwrap();
        assert!(
            sent > (ds2.n_users() + ds2.n_items() + 500) as u64,
            "{sent}"
        );
    };
    let empty = snapshot(&c).await;
    fail().await;
    assert_eq!(snapshot(&c).await, empty);
    assert_eq!(c.store.counts().await.unwrap(), Counts::default());
    import_dataset(c.store.as_ref(), &ds, &opts, &none)
        .await
        .unwrap();
    let before = snapshot(&c).await;
    fail().await;
    assert_eq!(snapshot(&c).await, before);
    assert_eq!(c.store.get_user(victim_user).await.unwrap(), None);
    common::exec_raw(b, &c.url, remove).await;
    import_dataset(c.store.as_ref(), &ds2, &opts, &none)
        .await
        .unwrap();
    let n = c.store.counts().await.unwrap();
    assert_eq!(n.users as usize, ds2.n_users());
    assert_eq!(n.movies as usize, ds2.n_items());
    assert!(n.ratings as usize >= ds2.n_ratings());
    let theirs = c.store.user_ratings(victim_user).await.unwrap();
    let r = theirs.iter().find(|r| r.movie == victim_movie).unwrap();
    assert_eq!(r.rating, ds2.matrix().user_row(u).1[0]);
}

/// While an import runs, readers see the ratings count of before or of after, never one in
/// between.
async fn readers_never_see_a_partial_import(c: Ctx) {
    let none = |_: u64, _: u64| {};
    let small = synthetic(30, 20, 5);
    let opts = ImportOptions { batch_rows: 500 };
    import_dataset(c.store.as_ref(), &small, &opts, &none)
        .await
        .unwrap();
    let before = c.store.counts().await.unwrap().ratings;
    let big = synthetic(500, 300, 60);
    let store = c.store.clone();
    let job = tokio::spawn(async move {
        let none = |_: u64, _: u64| {};
        import_dataset(store.as_ref(), &big, &opts, &none).await
    });
    let mut seen = std::collections::BTreeSet::new();
    while !job.is_finished() {
        seen.insert(c.store.counts().await.unwrap().ratings);
        tokio::task::yield_now().await;
    }
    job.await.unwrap().unwrap();
    let after = c.store.counts().await.unwrap().ratings;
    assert!(after > before);
    assert!(
        seen.iter().all(|&n| n == before || n == after),
        "before {before}, after {after}, seen {seen:?}"
    );
}

/// Deleting a rating removes exactly it, once.
async fn delete(c: Ctx) {
    seed(&c).await;
    let s = &c.store;
    s.upsert_ratings(&[rating("u1", "m1", 4.0), rating("u1", "m2", 3.0)])
        .await
        .unwrap();
    assert!(s.delete_rating("u1", "m1").await.unwrap());
    assert!(!s.delete_rating("u1", "m1").await.unwrap());
    assert!(!s.delete_rating("u3", "m3").await.unwrap());
    assert_eq!(
        s.user_ratings("u1").await.unwrap(),
        vec![rating("u1", "m2", 3.0)]
    );
    assert_eq!(s.counts().await.unwrap().ratings, 1);
}

/// A batch that fails anywhere (unknown movie after 1500 good rows, i.e. in its second
/// statement; a non-finite value) writes nothing, and the store stays usable.
async fn rollback_on_failing_batch(c: Ctx) {
    seed(&c).await;
    let s = &c.store;
    s.upsert_rating(&rating("u3", "m3", 2.0)).await.unwrap();
    let movies: Vec<MovieRecord> = (0..1500).map(|k| movie(&format!("x{k}"), "X")).collect();
    s.upsert_movies(&movies).await.unwrap();
    let mut batch: Vec<RatingRecord> = (0..1500)
        .map(|k| rating("u1", &format!("x{k}"), 3.0))
        .collect();
    batch.push(rating("u1", "no-such-movie", 3.0));
    let e = s.upsert_ratings(&batch).await.unwrap_err();
    assert!(matches!(e, StoreError::Constraint { .. }), "{e}");
    assert_eq!(s.counts().await.unwrap().ratings, 1);
    batch.pop();
    batch.push(rating("u2", "m1", f32::NAN));
    let e = s.upsert_ratings(&batch).await.unwrap_err();
    assert!(matches!(e, StoreError::Invalid { .. }), "{e}");
    let e = s.upsert_user(&user("", None)).await.unwrap_err();
    assert!(matches!(e, StoreError::Invalid { .. }), "{e}");
    assert_eq!(s.counts().await.unwrap().ratings, 1);
    assert_eq!(s.user_ratings("u1").await.unwrap(), vec![]);
    batch.pop();
    assert_eq!(s.upsert_ratings(&batch).await.unwrap(), 1500);
}

/// At most one model is active; activation switches atomically, an unknown version changes
/// nothing, and racing activations still leave exactly one active model.
async fn registry_activate_exclusive(c: Ctx) {
    let s = &c.store;
    assert_eq!(s.active_model().await.unwrap(), None);
    let mut versions = Vec::new();
    for (k, algo) in ["baseline", "svd", "svd", "popularity"].iter().enumerate() {
        let m = s
            .register_model(&NewModel {
                algorithm: algo.to_string(),
                params: json!({"factors": 10 + k, "lr": 0.005}),
                dataset_hash: "abc123".into(),
                metrics: (k % 2 == 0).then(|| json!({"rmse": 0.9 + k as f64 / 100.0})),
                artifact: format!("models/{algo}-{k}.cinerec"),
            })
            .await
            .unwrap();
        assert!(!m.active);
        assert_eq!(m.params["factors"], json!(10 + k));
        versions.push(m.version);
    }
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert_eq!(s.active_model().await.unwrap(), None);
    let a = s.activate_model(versions[1]).await.unwrap();
    assert!(a.active && a.version == versions[1] && a.algorithm == "svd");
    let b = s.activate_model(versions[2]).await.unwrap();
    assert_eq!(s.active_model().await.unwrap(), Some(b.clone()));
    let e = s.activate_model(versions[3] + 1000).await.unwrap_err();
    assert!(matches!(e, StoreError::ModelNotFound(_)), "{e}");
    let list = s.list_models().await.unwrap();
    assert_eq!(list.iter().filter(|m| m.active).count(), 1);
    assert_eq!(
        list.iter().find(|m| m.active).map(|m| m.version),
        Some(versions[2])
    );
    assert_eq!(list[0].metrics, Some(json!({"rmse": 0.9})));
    assert_eq!(list[1].metrics, None);
    assert_eq!(
        s.get_model(versions[0]).await.unwrap().unwrap().artifact,
        "models/baseline-0.cinerec"
    );
    let racers = (0..8).map(|k| {
        let s = s.clone();
        let v = versions[k % versions.len()];
        tokio::spawn(async move { s.activate_model(v).await.map(|m| m.version) })
    });
    for r in racers {
        r.await.unwrap().unwrap();
    }
    let list = s.list_models().await.unwrap();
    assert_eq!(list.iter().filter(|m| m.active).count(), 1, "{list:?}");
    assert_eq!(s.counts().await.unwrap().models, 4);
}

/// Import then `load_dataset` gives back the same catalogue (ids, order, metadata, genre
/// vocabulary), the same ratings and timestamps, scale and name — hence the same hash; users
/// and movies written later are appended to the catalogue in the order they arrived.
async fn load_roundtrip(c: Ctx) {
    let ds = synthetic(60, 40, 12);
    import_dataset(c.store.as_ref(), &ds, &ImportOptions::default(), &|_, _| {})
        .await
        .unwrap();
    let back = c.store.load_dataset().await.unwrap();
    assert_eq!(**back.catalog(), **ds.catalog());
    assert_eq!(
        back.matrix().to_interactions(),
        ds.matrix().to_interactions()
    );
    assert_eq!(back.rating_scale(), ds.rating_scale());
    assert_eq!(back.name, ds.name);
    assert_eq!(back.hash(), ds.hash());
    // A rating added through the store shows up in the next load.
    c.store.upsert_rating(&rating("7", "3", 5.0)).await.unwrap();
    c.store
        .upsert_movie(&MovieRecord {
            id: "new".into(),
            genres: vec!["Western".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    // Users written after the import ("0" sorts before every imported id, "x" makes the ids
    // no longer all numeric) come after the imported ones, which keep their inner ids: the
    // catalogue is in arrival order, so a model fitted before still serves it.
    for id in ["x", "0"] {
        c.store.upsert_user(&user(id, None)).await.unwrap();
    }
    let again = c.store.load_dataset().await.unwrap();
    let cat = again.catalog();
    assert_eq!(cat.genre_names.last().map(String::as_str), Some("Western"));
    let (u, i) = (cat.user("7").unwrap(), cat.item("3").unwrap());
    assert_eq!(again.matrix().get(u, i), Some(5.0));
    assert_eq!(again.n_items(), ds.n_items() + 1);
    let (users, items) = (cat.users.raws(), cat.items.raws());
    assert_eq!(users[..ds.n_users()], ds.catalog().users.raws()[..]);
    assert_eq!(users[ds.n_users()..], ["x", "0"]);
    assert_eq!(items[..ds.n_items()], ds.catalog().items.raws()[..]);
    assert_eq!(items[ds.n_items()..], ["new"]);
}

/// The two loads give the same dataset: catalogue, ratings (with times), scale, name, hash.
fn assert_same(a: &Dataset, b: &Dataset) {
    assert_eq!(**a.catalog(), **b.catalog());
    assert_eq!(a.matrix().to_interactions(), b.matrix().to_interactions());
    assert_eq!(a.rating_scale(), b.rating_scale());
    assert_eq!(a.name, b.name);
    assert_eq!(a.hash(), b.hash());
}

/// The snapshot load and the SQL load of the store agree, and the snapshot is used.
async fn snapshot_agrees(c: &Ctx, changes: u64) -> Dataset {
    let (snap, how) = c.store.load_dataset_traced().await.unwrap();
    assert_eq!(how, DatasetLoad::Snapshot { changes });
    let sql = c.store.load_dataset_sql().await.unwrap();
    assert_same(&snap, &sql);
    snap
}

/// The columnar snapshot written at import loads the same dataset as SQL: right after the
/// import, after live writes (a changed rating, a new one, a new user's, a deletion) read
/// incrementally from the rating log, and after compaction; a damaged snapshot falls back to
/// SQL (and is rewritten), a stale one (from before a newer import) too.
async fn snapshot_equals_sql(c: Ctx) {
    let path = c
        .store
        .snapshot_path()
        .expect("every file or server store keeps a snapshot");
    let ds = synthetic(60, 40, 12);
    import_dataset(c.store.as_ref(), &ds, &ImportOptions::default(), &|_, _| {})
        .await
        .unwrap();
    assert!(path.exists(), "no snapshot at {}", path.display());
    let first = snapshot_agrees(&c, 0).await;
    assert_same(&first, &c.store.load_dataset().await.unwrap());
    assert_eq!(first.hash(), ds.hash());
    let old = std::fs::read(&path).unwrap();

    // Live writes after the snapshot: an updated rating, a new rating, a new user with a
    // rating, a deleted rating, a deleted rating that does not exist.
    let (u0, m0) = (
        ds.catalog().users.raw(0).to_string(),
        ds.catalog().items.raw(0).to_string(),
    );
    let rated = ds.matrix().user_row(cinerec_core::UserIdx(1));
    let (u1, m1) = (
        ds.catalog().users.raw(1).to_string(),
        ds.catalog().items.raw(rated.0[0]).to_string(),
    );
    c.store
        .upsert_user(&user("zz-new", Some(40)))
        .await
        .unwrap();
    c.store
        .upsert_ratings(&[
            rating(&u0, &m0, 0.5),
            rating("zz-new", &m1, 4.0),
            rating(&u1, &m1, 1.5),
        ])
        .await
        .unwrap();
    assert!(c.store.delete_rating(&u1, &m1).await.unwrap());
    assert!(!c.store.delete_rating("zz-new", &m0).await.unwrap());
    let after = snapshot_agrees(&c, 4).await;
    assert_eq!(after.n_users(), ds.n_users() + 1);
    let cat = after.catalog();
    let (a, b) = (cat.user(&u1).unwrap(), cat.item(&m1).unwrap());
    assert_eq!(after.matrix().get(a, b), None, "the deleted rating is gone");
    assert_eq!(
        after
            .matrix()
            .get(cat.user(&u0).unwrap(), cat.item(&m0).unwrap()),
        Some(0.5)
    );

    // Compaction: a fresh snapshot with nothing to apply.
    assert_eq!(c.store.write_snapshot().await.unwrap(), Some(path.clone()));
    snapshot_agrees(&c, 0).await;

    // A damaged snapshot: read through SQL (saying why), then rewritten.
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    let (back, how) = c.store.load_dataset_traced().await.unwrap();
    match how {
        DatasetLoad::Sql { why } => assert!(why.contains("checksum"), "{why}"),
        other => panic!("a damaged snapshot was used: {other:?}"),
    }
    assert_same(&back, &after);
    snapshot_agrees(&c, 0).await;

    // An older snapshot of the same dataset version still serves: the log has every change.
    std::fs::write(&path, &old).unwrap();
    let (back, how) = c.store.load_dataset_traced().await.unwrap();
    assert_eq!(how, DatasetLoad::Snapshot { changes: 4 });
    assert_same(&back, &after);
    // A snapshot of an older dataset version: not used after a newer import.
    let other = synthetic(30, 25, 5);
    import_dataset(
        c.store.as_ref(),
        &other,
        &ImportOptions::default(),
        &|_, _| {},
    )
    .await
    .unwrap();
    std::fs::write(&path, &old).unwrap();
    let (_, how) = c.store.load_dataset_traced().await.unwrap();
    match how {
        DatasetLoad::Sql { why } => assert!(why.contains("dataset version"), "{why}"),
        other => panic!("a stale snapshot was used: {other:?}"),
    }
    snapshot_agrees(&c, 0).await;
    let _ = std::fs::remove_file(&path);
}

/// ML-100K (when `CINEREC_ML100K` is set) imports and loads back with the file loader's hash.
async fn ml100k_roundtrip(c: Ctx) {
    let Some(path) = std::env::var_os("CINEREC_ML100K") else {
        common::loud("*** SKIP ml100k_roundtrip: CINEREC_ML100K is not set ***");
        return;
    };
    let ds = cinerec_data::loaders::load(path.as_ref(), &Default::default()).unwrap();
    let rep = import_dataset(c.store.as_ref(), &ds, &ImportOptions::default(), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(rep.ratings, 100_000);
    let back = c.store.load_dataset().await.unwrap();
    assert_eq!(**back.catalog(), **ds.catalog());
    assert_eq!(back.hash(), ds.hash());
}

/// The experiment history: runs come back whole, oldest first; a recorded id cannot be
/// recorded again (and the first record is kept); ids the store cannot key on are refused.
async fn runs_history(c: Ctx) {
    let s = &c.store;
    assert!(s.list_runs().await.unwrap().is_empty());
    let run = |id: &str, at: i64, rmse: f64| RunEntry {
        id: id.into(),
        kind: "eval".into(),
        created_at: at,
        record: json!({"algorithm": "svd", "metrics": {"rmse": rmse, "ndcg@10": 0.25},
                       "params": {"n_factors": 100, "note": "ünïcode ✓"}}),
    };
    // Recorded out of order: listed by time.
    s.record_run(&run("20261202-120001-000-bbbbbb", 1_764_676_801, 0.93))
        .await
        .unwrap();
    s.record_run(&run("20261202-120000-000-aaaaaa", 1_764_676_800, 0.94))
        .await
        .unwrap();
    let all = s.list_runs().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["20261202-120000-000-aaaaaa", "20261202-120001-000-bbbbbb"]
    );
    assert_eq!(
        all[1],
        run("20261202-120001-000-bbbbbb", 1_764_676_801, 0.93)
    );
    let e = s
        .record_run(&run("20261202-120000-000-aaaaaa", 1_764_676_900, 0.5))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Constraint { .. }), "{e}");
    let kept = s
        .get_run("20261202-120000-000-aaaaaa")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.record["metrics"]["rmse"], json!(0.94));
    assert_eq!(s.get_run("20261202").await.unwrap(), None);
    let e = s.record_run(&run("", 1, 0.9)).await.unwrap_err();
    assert!(matches!(e, StoreError::Invalid { .. }), "{e}");
    assert_eq!(s.list_runs().await.unwrap().len(), 2);
}

macro_rules! suite {
    ($backend:ident: $($prop:ident),* $(,)?) => {
        #[allow(non_snake_case)]
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $prop() {
                    crate::common::run(cinerec_store::Backend::$backend, stringify!($prop), super::$prop).await;
                }
            )*
        }
    };
}

macro_rules! all_backends {
    ($($prop:ident),* $(,)?) => {
        suite!(Sqlite: $($prop),*);
        suite!(Postgres: $($prop),*);
        suite!(MySql: $($prop),*);
    };
}

all_backends!(
    migrations_idempotent,
    upsert_idempotent,
    batch_import_counts,
    import_idempotent_and_replacing,
    failed_import_leaves_previous_state,
    readers_never_see_a_partial_import,
    delete,
    rollback_on_failing_batch,
    registry_activate_exclusive,
    runs_history,
    load_roundtrip,
    snapshot_equals_sql,
    ml100k_roundtrip,
);

#[tokio::test]
async fn unknown_scheme_and_connection_errors_name_the_url_without_password() {
    let e = cinerec_store::open("redis://u:hunter2@localhost/0")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("sqlite://") && e.contains("postgres://") && e.contains("mysql://"),
        "{e}"
    );
    assert!(!e.contains("hunter2"), "{e}");
    let e = cinerec_store::open("postgres://u:hunter2@127.0.0.1:1/db")
        .await
        .err()
        .unwrap();
    assert!(matches!(e, StoreError::Connect { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("postgres://u:***@127.0.0.1:1/db") && !msg.contains("hunter2"),
        "{msg}"
    );
}
