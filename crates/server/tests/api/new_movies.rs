//! Movies added while the server runs: `POST /movies`, `PATCH /movies/{id}`, and a
//! `cinerec import` found in the store. On a catalogue of three taste groups whose movies carry
//! their group's genre and keyword, a new movie with one group's genre and keywords enters the
//! hybrid's top-50 for a user of that group (and not for a user of another group) and the
//! similar list of the movie it copies, without retraining; a collaborative model treats it as
//! cold (never recommended, predicted by the baseline).

use super::*;

const GROUPS: [(&str, &str); 3] = [
    ("Sci-Fi", "space"),
    ("Romance", "paris"),
    ("Crime", "heist"),
];

/// 60 users and 150 movies in three groups (by id modulo 3): each movie has its group's genre,
/// the group keyword and a keyword of its own; users rate 15 movies of their group 4–5 and 5
/// others 1–2.
fn grouped() -> Dataset {
    let (n_users, n_items) = (60u32, 150u32);
    let users = IdMap::from_raw_sorted((1..=n_users).map(|u| u.to_string()).collect());
    let items = IdMap::from_raw_sorted((1..=n_items).map(|i| i.to_string()).collect());
    let item_meta = (0..n_items)
        .map(|i| ItemMeta {
            title: Some(format!("Feature {i}")),
            year: Some(1990 + (i as u16 % 30)),
            genres: vec![(i % 3) as u16],
            tags: vec![GROUPS[(i % 3) as usize].1.to_string(), format!("kw{i}")],
            ..Default::default()
        })
        .collect();
    let cat = Catalog {
        users,
        items,
        item_meta,
        user_meta: vec![UserMeta::default(); n_users as usize],
        genre_names: GROUPS.iter().map(|g| g.0.to_string()).collect(),
    };
    let mut r = Interactions::default();
    for u in 0..n_users {
        let g = u % 3;
        for k in 0..15u32 {
            let i = ((u * 7 + k * 11) % 50) * 3 + g;
            r.push(u, i, 4.0 + ((u + k) % 2) as f32, 1000 + k);
        }
        for k in 0..5u32 {
            let i = ((u * 5 + k * 13) % 50) * 3 + (g + 1 + k % 2) % 3;
            r.push(u, i, 1.0 + (k % 2) as f32, 2000 + k);
        }
    }
    let mut d = Dataset::new("grouped", Arc::new(cat), r);
    d.set_scale(1.0, 5.0);
    d
}

/// Rank (0-based) of movie `id` in a recommendation list, if present.
fn rank(list: &Value, id: &str) -> Option<usize> {
    ids(list).iter().position(|x| x == id)
}

async fn add(a: &App, body: Value) -> (StatusCode, Value) {
    a.write(Method::POST, "/movies", &body.to_string(), Some(KEY))
        .await
}

#[tokio::test]
async fn a_new_movie_joins_the_hybrids_recommendations_and_similar_lists_at_once() {
    let a = app_on(grouped(), "hybrid", |c| c.api_key = Some(KEY.into())).await;
    // User "1" (inner 0) is of group 0, user "2" of group 1. Movie "4" (inner 3) is of group 0.
    let (s, new) = add(
        &a,
        json!({"title": "Orbit of Feature Three", "year": 2026, "genres": ["sci-fi"],
               "keywords": ["Space", "kw3"], "country": "FR", "language": "fr"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{new}");
    let id = new["id"].as_str().unwrap().to_string();
    assert_eq!(id, "151", "the next free integer id");
    assert_eq!(new["new"], true);
    assert_eq!(new["genres"], json!(["Sci-Fi"]), "the catalogue's spelling");
    assert_eq!(new["tags"], json!(["kw3", "space"]));
    let (_, mine) = a.get("/recommend/1?top_n=50").await;
    let r = rank(&mine, &id);
    assert!(r.is_some(), "not in the group-0 user's top-50: {mine}");
    let (_, theirs) = a.get("/recommend/2?top_n=50").await;
    assert!(
        rank(&theirs, &id).is_none(),
        "in a group-1 user's top-50 (rank {:?})",
        rank(&theirs, &id)
    );
    let (s, sim) = a.get("/movies/4/similar?n=10").await;
    assert_eq!(s, StatusCode::OK, "{sim}");
    assert!(
        rank(&sim, &id).is_some(),
        "not similar to the movie it copies: {sim}"
    );
    let (s, own) = a.get(&format!("/movies/{id}/similar?n=5")).await;
    assert_eq!(s, StatusCode::OK, "{own}");
    assert!(
        rank(&own, "4").is_some(),
        "its own similar list misses movie 4: {own}"
    );
    // Title search finds it; the listing marks it new; old movies are not new.
    let (_, found) = a.get("/movies?q=orbit").await;
    assert_eq!(ids(&found), vec![id.clone()]);
    let (_, old) = a.get("/movies/4").await;
    assert_eq!(old["new"], false);
    // An edit is seen at once.
    let (s, edited) = a
        .write(
            Method::PATCH,
            &format!("/movies/{id}"),
            r#"{"title": "Nebula Drift"}"#,
            Some(KEY),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    assert_eq!(edited["title"], "Nebula Drift (2026)");
    let (_, found) = a.get("/movies?q=nebula").await;
    assert_eq!(ids(&found), vec![id.clone()]);
    // A rating of the new movie is taken like any other.
    let (s, w) = a
        .write(
            Method::POST,
            "/ratings",
            &json!({"user": "1", "movie": id, "rating": 5}).to_string(),
            Some(KEY),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let (s, after) = a.get("/recommend/1?top_n=10").await;
    assert_eq!(s, StatusCode::OK, "{after}");
    assert!(
        rank(&after, &id).is_none(),
        "a rated movie is recommended again"
    );
}

#[tokio::test]
async fn collaborative_models_treat_a_new_movie_as_cold_and_the_store_keeps_it() {
    let a = app_on(grouped(), "svd", |c| c.api_key = Some(KEY.into())).await;
    let (s, new) = add(
        &a,
        json!({"title": "Cold Open", "genres": ["Crime"], "keywords": ["heist"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{new}");
    let id = new["id"].as_str().unwrap().to_string();
    let (_, all) = a.get("/recommend/3?top_n=200").await;
    assert!(
        rank(&all, &id).is_none(),
        "svd recommended a movie it never saw"
    );
    let (s, p) = a.get(&format!("/predict/3/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(
        p["model"], "baseline",
        "a cold movie is predicted by the baseline: {p}"
    );
    let pr = p["prediction"].as_f64().unwrap();
    assert!((1.0..=5.0).contains(&pr), "{pr}");
    // Similar movies of a cold movie still come from content; the stored record is whole.
    let (s, sim) = a.get(&format!("/movies/{id}/similar?n=5")).await;
    assert_eq!(s, StatusCode::OK, "{sim}");
    let stored = a.state.store().get_movie(&id).await.unwrap().unwrap();
    assert_eq!(stored.genres, vec!["Crime".to_string()]);
    assert_eq!(stored.extra.tags, vec!["heist".to_string()]);
    // A restart grows the registered model to the stored catalogue instead of retraining.
    let cfg = a.state.config().clone();
    let models_before = a.state.store().list_models().await.unwrap().len();
    let again = boot::start(cfg, Boot::default()).await.unwrap();
    assert_eq!(
        again.store().list_models().await.unwrap().len(),
        models_before
    );
    let s2 = again.serving();
    assert_eq!(s2.data.n_items(), 151);
    assert!(s2.index.movie(s2.data.catalog().item(&id).unwrap()).new);
}

#[tokio::test]
async fn bad_new_movies_are_refused_with_the_documented_statuses() {
    let a = app_on(grouped(), "baseline", |c| c.api_key = Some(KEY.into())).await;
    let ok = json!({"title": "Fine"});
    let (s, _) = a
        .write(Method::POST, "/movies", &ok.to_string(), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for (body, want) in [
        (json!({"title": ""}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"title": "x".repeat(301)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"title": "Y", "year": 1200}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"title": "Y", "genres": ["a|b"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"title": "Y", "keywords": vec!["k"; 51]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"title": "Y", "color": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"id": "7", "title": "Taken"}), StatusCode::CONFLICT),
    ] {
        let (s, e) = add(&a, body.clone()).await;
        assert_eq!(s, want, "{body} → {e}");
        assert!(e["error"].is_string(), "{e}");
    }
    let (s, e) = a
        .write(
            Method::PATCH,
            "/movies/nope",
            r#"{"title": "X"}"#,
            Some(KEY),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, _) = a
        .write(Method::POST, "/movies", "{not json", Some(KEY))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(a.state.serving().data.n_items(), 150, "nothing was added");
}

#[tokio::test]
async fn movies_imported_into_the_store_join_the_live_catalogue() {
    let a = app_on(grouped(), "tfidf", |_| {}).await;
    let rec = cinerec_store::MovieRecord {
        id: "900".into(),
        title: Some("Imported Elsewhere".into()),
        year: Some(2025),
        genres: vec!["Romance".into()],
        extra: cinerec_store::MovieExtra {
            tags: vec!["paris".into()],
            ..Default::default()
        },
    };
    a.state.store().upsert_movie(&rec).await.unwrap();
    let n = cinerec_server::catalog::sync_from_store(&a.state)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let (s, m) = a.get("/movies/900").await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["new"], true);
    let (_, recs) = a.get("/recommend/2?top_n=60").await;
    assert!(
        rank(&recs, "900").is_some(),
        "tfidf does not recommend the imported movie: {recs}"
    );
    assert_eq!(
        cinerec_server::catalog::sync_from_store(&a.state)
            .await
            .unwrap(),
        0
    );
}
