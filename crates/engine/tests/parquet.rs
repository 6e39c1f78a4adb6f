//! Parquet round trip: a SQLite store filled from in-code fixtures → `export_parquet` → the
//! Parquet loader gives back the same users, movies (metadata included), ratings, scale and
//! name as the store's own `load_dataset`; and the data commands reading it see it as a
//! dataset folder.

use cinerec_core::Dataset;
use cinerec_engine::export::export_parquet;
use cinerec_store::{DatasetInfo, MovieExtra, MovieRecord, RatingRecord, UserRecord};

fn users() -> Vec<UserRecord> {
    let mut v: Vec<UserRecord> = (1..=40)
        .map(|k| UserRecord {
            id: k.to_string(),
            age: (k % 3 != 0).then_some(18 + k as u16),
            gender: Some(if k % 2 == 0 { "F" } else { "M" }.into()),
            occupation: (k % 4 != 0).then(|| "writer".into()),
            zip: Some(format!("{:05}", 10_000 + k)),
        })
        .collect();
    // a text id and a user with no ratings at all
    v.push(UserRecord {
        id: "alice".into(),
        ..Default::default()
    });
    v.push(UserRecord {
        id: "no-ratings".into(),
        age: Some(70),
        ..Default::default()
    });
    v
}

fn movies() -> Vec<MovieRecord> {
    let genres = ["Comedy", "Drama", "Sci-Fi", "Film-Noir"];
    (1..=25)
        .map(|k| MovieRecord {
            id: if k == 25 {
                "tt0114709".into()
            } else {
                k.to_string()
            },
            title: (k != 7).then(|| format!("Movie «{k}», with a comma")),
            year: (k % 5 != 0).then_some(1950 + k as u16),
            genres: genres.iter().take(k % 4).map(|g| g.to_string()).collect(),
            extra: MovieExtra {
                tags: if k % 3 == 0 {
                    vec!["classic".into(), "noir".into()]
                } else {
                    vec![]
                },
                relations: if k == 2 {
                    vec![("film.director".into(), "m.0abc".into())]
                } else {
                    vec![]
                },
                links: if k % 2 == 0 {
                    vec![("imdb".into(), format!("{:07}", k))]
                } else {
                    vec![]
                },
            },
        })
        .collect()
}

fn ratings(users: &[UserRecord], movies: &[MovieRecord]) -> Vec<RatingRecord> {
    let mut out = Vec::new();
    for (a, u) in users
        .iter()
        .enumerate()
        .filter(|(_, u)| u.id != "no-ratings")
    {
        for (b, m) in movies.iter().enumerate().take(24) {
            if (a * 7 + b * 3) % 5 == 0 {
                out.push(RatingRecord {
                    user: u.id.clone(),
                    movie: m.id.clone(),
                    rating: 1.0 + ((a + b) % 9) as f32 * 0.5,
                    timestamp: 874_000_000 + (a * 1000 + b) as i64,
                });
            }
        }
    }
    out
}

/// (user raw, movie raw, value, time) of every rating, sorted.
fn triples(d: &Dataset) -> Vec<(String, String, f32, u32)> {
    let c = d.catalog();
    let i = d.matrix().to_interactions();
    let mut v: Vec<_> = (0..i.len())
        .map(|k| {
            (
                c.users.raws()[i.users[k] as usize].clone(),
                c.items.raws()[i.items[k] as usize].clone(),
                i.values[k],
                i.times[k],
            )
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

/// Movie metadata with genres as names (vocabularies may be ordered differently).
fn movie_meta(
    d: &Dataset,
) -> Vec<(
    String,
    Option<String>,
    Option<u16>,
    Vec<String>,
    Vec<String>,
    String,
)> {
    let c = d.catalog();
    c.items
        .raws()
        .iter()
        .zip(&c.item_meta)
        .map(|(id, m)| {
            (
                id.clone(),
                m.title.clone(),
                m.year,
                m.genres
                    .iter()
                    .map(|&g| c.genre_names[g as usize].clone())
                    .collect(),
                m.tags.clone(),
                format!("{:?}{:?}", m.relations, m.links),
            )
        })
        .collect()
}

#[test]
fn store_export_load_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let out = dir.path().join("export");
    let rt = cinerec_engine::source::runtime().unwrap();
    let (from_store, rep) = rt.block_on(async {
        let store = cinerec_store::open(&url).await.unwrap();
        let (u, m) = (users(), movies());
        store.upsert_users(&u).await.unwrap();
        store.upsert_movies(&m).await.unwrap();
        store.upsert_ratings(&ratings(&u, &m)).await.unwrap();
        store
            .set_dataset_info(&DatasetInfo {
                name: "fixture".into(),
                genre_names: vec![
                    "Drama".into(),
                    "Comedy".into(),
                    "Sci-Fi".into(),
                    "Film-Noir".into(),
                ],
                rating_scale: Some((0.5, 5.0)),
            })
            .await
            .unwrap();
        let d = store.load_dataset().await.unwrap();
        let rep = export_parquet(store.as_ref(), &out).await.unwrap();
        store.close().await;
        (d, rep)
    });
    assert_eq!(rep.users, 42);
    assert_eq!(rep.movies, 25);
    assert_eq!(rep.ratings as usize, from_store.n_ratings());
    for f in ["ratings.parquet", "users.parquet", "movies.parquet"] {
        assert!(out.join(f).is_file(), "{f} written");
        assert!(!out.join(format!("{f}.tmp")).exists());
    }
    let back = cinerec_data::loaders::load(&out, &Default::default()).unwrap();
    assert_eq!(back.name, "fixture");
    assert_eq!(back.rating_scale(), from_store.rating_scale());
    assert_eq!(
        back.catalog().users.raws(),
        from_store.catalog().users.raws()
    );
    assert_eq!(
        back.catalog().items.raws(),
        from_store.catalog().items.raws()
    );
    assert_eq!(back.catalog().user_meta, from_store.catalog().user_meta);
    assert_eq!(back.catalog().genre_names, from_store.catalog().genre_names);
    assert_eq!(movie_meta(&back), movie_meta(&from_store));
    assert_eq!(triples(&back), triples(&from_store));
    assert_eq!(
        back.hash(),
        from_store.hash(),
        "same ids and ratings, same fingerprint"
    );
    assert_eq!(
        cinerec_data::loaders::detect_format(&out).unwrap(),
        cinerec_data::loaders::Format::Parquet
    );
}
