//! End-to-end tests of the REST API: a small generated dataset seeded into a SQLite store in a
//! temporary folder, the router driven in-process with `tower::ServiceExt::oneshot`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use cinerec_core::{Catalog, Dataset, IdMap, Interactions, ItemMeta, UserMeta};
use cinerec_server::boot::{self, Boot};
use cinerec_server::{AppState, ServerConfig};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

const KEY: &str = "test-key-123";

/// 30 users, 40 movies (two titled "Batman"), three genres, ~12 ratings per user.
fn dataset() -> Dataset {
    let n_users = 30u32;
    let n_items = 40u32;
    let users = IdMap::from_raw_sorted((1..=n_users).map(|u| u.to_string()).collect());
    let items = IdMap::from_raw_sorted((1..=n_items).map(|i| i.to_string()).collect());
    let item_meta = (0..n_items)
        .map(|i| ItemMeta {
            title: Some(match i {
                0 => "Batman".to_string(),
                1 => "Batman".to_string(),
                2 => "Toy Story".to_string(),
                _ => format!("Movie Number {i}"),
            }),
            year: Some(1980 + (i as u16 % 20)),
            genres: vec![(i % 3) as u16],
            ..Default::default()
        })
        .collect();
    let cat = Catalog {
        users,
        items,
        item_meta,
        user_meta: vec![UserMeta::default(); n_users as usize],
        genre_names: vec!["Action".into(), "Comedy".into(), "Drama".into()],
    };
    let mut r = Interactions::default();
    for u in 0..n_users {
        for k in 0..12u32 {
            let i = (u * 7 + k * 3) % n_items;
            let v = 1.0 + ((u + i) % 5) as f32;
            r.push(u, i, v, 1000 + k);
        }
    }
    let mut d = Dataset::new("tiny", Arc::new(cat), r);
    d.set_scale(1.0, 5.0);
    d
}

struct App {
    router: Router,
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn app_with(f: impl FnOnce(&mut ServerConfig)) -> App {
    app_serving("baseline", f).await
}

/// The app serving `algorithm` (trained at start-up on the tiny dataset).
async fn app_serving(algorithm: &str, f: impl FnOnce(&mut ServerConfig)) -> App {
    app_on(dataset(), algorithm, f).await
}

/// The app serving `algorithm` trained at start-up on `data`.
async fn app_on(data: Dataset, algorithm: &str, f: impl FnOnce(&mut ServerConfig)) -> App {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = ServerConfig {
        store: format!("sqlite://{}", dir.path().join("t.db").display()),
        models_dir: dir.path().join("models").display().to_string(),
        request_log: false,
        ..Default::default()
    };
    f(&mut cfg);
    cfg.validate().unwrap();
    let boot = Boot {
        seed: Some(data),
        algorithm: Some(algorithm.into()),
        ..Default::default()
    };
    let state = boot::start(cfg, boot).await.unwrap();
    App {
        router: cinerec_server::router(state.clone()),
        state,
        _dir: dir,
    }
}

async fn app() -> App {
    app_with(|_| {}).await
}

impl App {
    async fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }
    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let (s, _, b) = self
            .send(Request::get(uri).body(Body::empty()).unwrap())
            .await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }
    async fn write(
        &self,
        method: Method,
        uri: &str,
        body: &str,
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json");
        if let Some(k) = key {
            b = b.header("x-api-key", k);
        }
        let (s, _, out) = self
            .send(b.body(Body::from(body.to_string())).unwrap())
            .await;
        (s, serde_json::from_slice(&out).unwrap_or(Value::Null))
    }
    async fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.write(Method::POST, uri, &body.to_string(), None).await
    }
}

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn health_metrics_openapi_and_docs() {
    let a = app().await;
    let (s, h) = a.get("/health").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["movies"], 40);
    assert_eq!(h["users"], 30);
    assert_eq!(h["ratings"], 360);
    assert_eq!(h["algorithm"], "baseline");
    a.get("/health").await;
    a.get("/movies/nope").await;
    let (_, _, m) = a
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    let m = String::from_utf8(m).unwrap();
    assert!(
        m.contains(r#"cinerec_http_requests_total{route="/health",method="GET",status="2xx"} 2"#),
        "{m}"
    );
    assert!(m.contains(
        r#"cinerec_http_requests_total{route="/movies/{id}",method="GET",status="4xx"} 1"#
    ));
    assert!(m.contains(
        r#"cinerec_http_request_duration_seconds_count{route="/health",method="GET"} 2"#
    ));
    assert!(m.contains(&format!(
        r#"cinerec_model_info{{version="{}",algorithm="baseline"}} 1"#,
        h["model_version"]
    )));
    let (s, doc) = a.get("/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    for p in [
        "/health",
        "/movies",
        "/recommend/{user_id}",
        "/ratings",
        "/models/{version}/activate",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from openapi.json"
        );
    }
    let (s, _, html) = a
        .send(Request::get("/docs/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("<html") || html.contains("<!DOCTYPE"),
        "{html}"
    );
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "external asset: {html}"
    );
    let (s, _, init) = a
        .send(
            Request::get("/docs/swagger-initializer.js")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let init = String::from_utf8(init).unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
    assert!(
        init.contains("\"validatorUrl\": \"none\"") || init.contains("\"validatorUrl\":\"none\""),
        "the online validator is not disabled: {init}"
    );
    let (s, _, js) = a
        .send(
            Request::get("/docs/swagger-ui-bundle.js")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the Swagger UI bundle must be served from the binary"
    );
    assert!(js.len() > 100_000);
    let (s, e) = a.get("/no/such/route").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(e["error"].is_string());
}

#[tokio::test]
async fn movies_listing_search_details_similar_popular() {
    let a = app().await;
    let (s, p) = a.get("/movies?limit=5&offset=2").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["total"], 40);
    assert_eq!(p["items"].as_array().unwrap().len(), 5);
    let (_, p) = a.get("/movies?q=bat").await;
    assert_eq!(p["total"], 2);
    let (_, p) = a.get("/movies?q=toy&genre=drama").await;
    assert_eq!(ids(&p), vec!["3"]);
    let (_, p) = a.get("/movies?genre=Comedy&limit=100").await;
    assert!(p["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["genres"] == json!(["Comedy"])));
    for bad in [
        "/movies?limit=0",
        "/movies?limit=abc",
        "/movies?genre=Western",
        "/popular?n=100000",
    ] {
        let (s, e) = a.get(bad).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(e["error"].is_string(), "{bad}");
    }
    let (s, m) = a.get("/movies/3").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["title"], "Toy Story (1982)");
    assert!(m["rating_count"].as_u64().unwrap() > 0);
    let (s, e) = a.get("/movies/999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(e["suggestions"].is_array());
    for method in ["content", "collaborative", "hybrid"] {
        let (s, v) = a
            .get(&format!("/movies/4/similar?n=5&method={method}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{method}");
        let got = ids(&v);
        assert_eq!(got.len(), 5);
        assert!(!got.contains(&"4".to_string()));
    }
    let (_, v) = a.get("/movies/4/similar?method=content&n=3").await;
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["genres"] == json!(["Action"])));
    let (s, _) = a.get("/movies/4/similar?method=magic").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = a.get("/popular?n=3&genre=action").await;
    assert_eq!(s, StatusCode::OK);
    let counts: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["score"].as_f64().unwrap())
        .collect();
    assert_eq!(counts.len(), 3);
    assert!(counts.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn predict_by_id_title_ambiguous_and_unknown() {
    let a = app().await;
    let (s, p) = a.get("/predict/1/3").await;
    assert_eq!(s, StatusCode::OK);
    let x = p["prediction"].as_f64().unwrap();
    assert!((1.0..=5.0).contains(&x));
    let (s, p2) = a.get("/predict/1/Toy%20Story").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p2["movie"]["id"], "3");
    let (s, e) = a.get("/predict/1/Batman").await;
    assert_eq!(s, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(e["candidates"].as_array().unwrap().len(), 2);
    let (s, e) = a.get("/predict/1/Toy%20Stroy").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(e["suggestions"][0]["id"], "3");
    let (s, _) = a.get("/predict/999/3").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn predict_works_whatever_ranking_model_is_active() {
    // A ranking-only active model: /predict answers from a baseline fitted on the data.
    let a = app_serving("als", |_| {}).await;
    let (s, p) = a.get("/predict/1/3").await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["model"], "baseline");
    assert_eq!(p["model_version"], 0);
    assert!((1.0..=5.0).contains(&p["prediction"].as_f64().unwrap()));
    let (s, r) = a.get("/recommend/1").await;
    assert_eq!((s, &r["algorithm"]), (StatusCode::OK, &json!("als")));
    // Once a rating model is loaded it answers instead of the fallback.
    let data = a.state.serving().data.clone();
    let dir = tempfile::tempdir().unwrap();
    let m = boot::train_and_register(a.state.store().as_ref(), data, "svd", None, dir.path())
        .await
        .unwrap();
    let (s, _) = a
        .post(&format!("/models/{}/activate", m.version), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = a.post("/models/1/activate", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, p) = a.get("/predict/1/3").await;
    assert_eq!(
        (&p["model"], &p["model_version"]),
        (&json!("svd"), &json!(m.version))
    );

    // `auto` serves both: its rating choice predicts, its ranking choice recommends, and the
    // registry records its search.
    let a = app_serving("auto", |_| {}).await;
    let (s, p) = a.get("/predict/1/3").await;
    assert_eq!((s, &p["model"]), (StatusCode::OK, &json!("auto")), "{p}");
    let (s, r) = a.get("/recommend/1?top_n=5").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(ids(&r).len(), 5);
    let (_, list) = a.get("/models").await;
    let search = &list[0]["metrics"]["search"];
    assert!(search["trials"].as_array().unwrap().len() >= 5, "{search}");
    assert!(search["rating"]["model"].is_string() && search["ranking"]["model"].is_string());
}

#[tokio::test]
async fn recommend_options_and_errors() {
    let a = app().await;
    let (s, r) = a.get("/recommend/5?top_n=5").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["live"], false);
    let got = ids(&r);
    assert_eq!(got.len(), 5);
    let (_, rated) = a.get("/users/5/ratings").await;
    let seen: Vec<&str> = rated["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["movie"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(seen.len(), 12);
    assert!(
        got.iter().all(|g| !seen.contains(&g.as_str())),
        "seen movie recommended"
    );
    let (_, r) = a
        .get("/recommend/5?top_n=4&genre=comedy&explain=true&diversity=0.5")
        .await;
    assert_eq!(r["items"].as_array().unwrap().len(), 4);
    for it in r["items"].as_array().unwrap() {
        assert_eq!(it["genres"], json!(["Comedy"]));
        assert!(it["because"].is_array());
    }
    let (_, r) = a.get("/recommend/5?model=baseline").await;
    assert_eq!(r["algorithm"], "baseline");
    for bad in [
        "/recommend/5?top_n=0",
        "/recommend/5?diversity=2",
        "/recommend/5?explain=maybe",
    ] {
        let (s, _) = a.get(bad).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    }
    // A model that is not loaded is not found (the document's 404).
    let (s, _) = a.get("/recommend/5?model=nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = a.get("/recommend/12345").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(e["error"].as_str().unwrap().contains("12345"));
    let (s, r) = a.post("/recommend", json!({"ratings": [{"movie": "Toy Story", "rating": 5}, {"movie": 7, "rating": 1}], "top_n": 3})).await;
    assert_eq!(s, StatusCode::OK);
    let got = ids(&r);
    assert_eq!(got.len(), 3);
    assert!(!got.contains(&"3".into()) && !got.contains(&"7".into()));
    let (s, _) = a
        .post(
            "/recommend",
            json!({"ratings": [{"movie": "Batman", "rating": 5}]}),
        )
        .await;
    assert_eq!(s, StatusCode::MULTIPLE_CHOICES);
    let (s, _) = a
        .post(
            "/recommend",
            json!({"ratings": [{"movie": "3", "rating": 50}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn posted_rating_changes_recommendations_at_once_and_is_stored() {
    let a = app().await;
    let (_, before) = a.get("/recommend/5?top_n=3").await;
    let top = ids(&before)[0].clone();
    let (s, w) = a
        .post("/ratings", json!({"user": 5, "movie": top, "rating": 1}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let (_, after) = a.get("/recommend/5?top_n=3").await;
    assert_eq!(after["live"], true);
    assert!(
        !ids(&after).contains(&top),
        "a movie just rated is still recommended"
    );
    let (_, p) = a.get(&format!("/predict/5/{top}")).await;
    assert_eq!(p["actual"], 1.0);
    let stored = a.state.store().user_ratings("5").await.unwrap();
    assert!(
        stored.iter().any(|r| r.movie == top && r.rating == 1.0),
        "not stored durably"
    );
    let (_, mine) = a.get("/users/5/ratings").await;
    assert_eq!(mine["count"], 13);
    // batch, then delete
    let (s, w) = a.post("/ratings", json!({"ratings": [{"user": "6", "movie": "1", "rating": 4}, {"user": "6", "movie": "2", "rating": 2.5}]})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(w["count"], 2);
    let (s, _) = a
        .write(Method::DELETE, &format!("/ratings/5/{top}"), "", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, mine) = a.get("/users/5/ratings").await;
    assert_eq!(mine["count"], 12);
    assert!(!a
        .state
        .store()
        .user_ratings("5")
        .await
        .unwrap()
        .iter()
        .any(|r| r.movie == top));
    let (s, _) = a
        .write(Method::DELETE, &format!("/ratings/5/{top}"), "", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // a new user: create, rate, recommend
    let (s, c) = a.post("/users", json!({"age": 30})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(c["id"], "31");
    let (s, _) = a.post("/users", json!({"id": "31"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = a
        .post(
            "/ratings",
            json!([{"user": "31", "movie": "Toy Story", "rating": 5}]),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, r) = a.get("/recommend/31?top_n=5").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!ids(&r).contains(&"3".into()));
    assert!(a.state.store().get_user("31").await.unwrap().is_some());
}

/// Live ratings of a trained user update the trained vector (issue #18, fold-in with a
/// prior): re-posting a rating they already had changes no prediction; a new rating moves
/// its movie's prediction toward it at once.
#[tokio::test]
async fn reposted_ratings_change_nothing_and_new_ones_move_at_once() {
    let a = app_serving("svd", |_| {}).await;
    // User 5 (inner 4) rated inner movies (28 + 3k) % 40, value 1 + (4 + i) % 5: raw "1"
    // (inner 0) with 5; raw "2", "3", "5" unrated.
    let predict = |m: &'static str| {
        let a = &a;
        async move {
            let (s, p) = a.get(&format!("/predict/5/{m}")).await;
            assert_eq!(s, StatusCode::OK, "{p}");
            p["prediction"].as_f64().unwrap()
        }
    };
    let before = [predict("2").await, predict("3").await, predict("5").await];
    let (s, w) = a
        .post("/ratings", json!({"user": "5", "movie": "1", "rating": 5}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let (_, r) = a.get("/recommend/5?top_n=3").await;
    assert_eq!(r["live"], true);
    let after = [predict("2").await, predict("3").await, predict("5").await];
    for (b, x) in before.iter().zip(&after) {
        assert!((b - x).abs() < 0.02, "re-post moved a prediction {b} → {x}");
    }
    let target = if before[0] > 3.0 { 1.0 } else { 5.0 };
    let (s, _) = a
        .post(
            "/ratings",
            json!({"user": "5", "movie": "2", "rating": target}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, p) = a.get("/predict/5/2").await;
    let moved = p["prediction"].as_f64().unwrap() - before[0];
    assert!(
        if target > 3.0 {
            moved > 0.0
        } else {
            moved < 0.0
        },
        "a new rating {target} moved its movie's prediction by {moved}"
    );
}

#[tokio::test]
async fn invalid_and_oversized_bodies() {
    let a = app_with(|c| c.body_limit = 256).await;
    let cases = [
        (
            json!({"user": 1, "movie": 3, "rating": 9}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"user": 1, "film": 3, "rating": 4}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"user": 1, "movie": 3, "rating": "high"}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!([]).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        ("{not json".to_string(), StatusCode::BAD_REQUEST),
        (
            json!({"user": 999, "movie": 3, "rating": 4}).to_string(),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"user": 1, "movie": "Batman", "rating": 4}).to_string(),
            StatusCode::MULTIPLE_CHOICES,
        ),
        (
            format!(
                "[{}]",
                vec![json!({"user": 1, "movie": 3, "rating": 4}).to_string(); 20].join(",")
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (body, want) in cases {
        let (s, e) = a.write(Method::POST, "/ratings", &body, None).await;
        assert_eq!(s, want, "{body}");
        assert!(e["error"].is_string(), "no JSON error for {body}");
    }
    assert_eq!(
        a.state.store().user_ratings("1").await.unwrap().len(),
        12,
        "a rejected write was stored"
    );
}

#[tokio::test]
async fn activate_swaps_the_served_model() {
    let a = app().await;
    let (_, h) = a.get("/health").await;
    let first = h["model_version"].as_i64().unwrap();
    let data = a.state.serving().data.clone();
    let dir = tempfile::tempdir().unwrap();
    let m = boot::train_and_register(
        a.state.store().as_ref(),
        data,
        "popularity",
        None,
        dir.path(),
    )
    .await
    .unwrap();
    let (_, list) = a.get("/models").await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    // models the server trains are registered with what it measured
    for x in list.as_array().unwrap() {
        assert!(x["metrics"]["fit_seconds"].as_f64().is_some(), "{x}");
        assert_eq!(x["metrics"]["trained_by"], "serve", "{x}");
    }
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["version"] == first && x["serving"] == true));
    let (s, r) = a
        .post(&format!("/models/{}/activate", m.version), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, h) = a.get("/health").await;
    assert_eq!(h["model_version"], m.version);
    assert_eq!(h["algorithm"], "popularity");
    let (_, r) = a.get("/recommend/5").await;
    assert_eq!(r["algorithm"], "popularity");
    let (_, r) = a.get(&format!("/recommend/5?model={first}")).await;
    assert_eq!(r["algorithm"], "baseline");
    assert_eq!(
        a.state
            .store()
            .active_model()
            .await
            .unwrap()
            .unwrap()
            .version,
        m.version
    );
    let (s, _) = a.post("/models/9999/activate", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = a.post("/models/abc/activate", json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn api_key_guards_writes_and_cors_answers_preflight() {
    let a = app_with(|c| {
        c.api_key = Some(KEY.into());
        c.cors_origins = vec!["http://ui.example".into()];
    })
    .await;
    let body = json!({"user": 1, "movie": 3, "rating": 4}).to_string();
    let (s, e) = a.write(Method::POST, "/ratings", &body, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(e["error"].is_string());
    let (s, _) = a
        .write(Method::POST, "/ratings", &body, Some("wrong-key-000"))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = a.write(Method::POST, "/ratings", &body, Some(KEY)).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = a.write(Method::DELETE, "/ratings/1/3", "", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = a.get("/recommend/1").await;
    assert_eq!(s, StatusCode::OK, "reads need no key");
    let pre = Request::builder()
        .method(Method::OPTIONS)
        .uri("/ratings")
        .header("origin", "http://ui.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-api-key,content-type")
        .body(Body::empty())
        .unwrap();
    let (_, h, _) = a.send(pre).await;
    assert_eq!(
        h.get("access-control-allow-origin").unwrap(),
        "http://ui.example"
    );
    let get = Request::get("/health")
        .header("origin", "http://evil.example")
        .body(Body::empty())
        .unwrap();
    let (_, h, _) = a.send(get).await;
    assert!(h.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn ui_data_endpoints_and_ids_the_store_rejects() {
    let a = app().await;
    let (s, st) = a.get("/ui/api/stats").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (st["users"].clone(), st["movies"].clone()),
        (json!(30), json!(40))
    );
    assert_eq!(st["ratings"], 360);
    assert_eq!(st["scale"].as_array().map(Vec::len), Some(2));
    let bars = st["rating_distribution"].as_array().unwrap();
    assert_eq!(
        bars.iter()
            .map(|b| b["count"].as_u64().unwrap())
            .sum::<u64>(),
        360
    );
    assert_eq!(st["genres"].as_array().map(Vec::len), Some(3));
    for tail in ["per_movie", "per_user"] {
        assert!(st[tail]["median"].is_number() && st[tail]["under5"].is_number());
        assert!(st[tail]["top20_share"].as_f64().unwrap() >= 0.2 - 1e-9);
        assert_eq!(st[tail]["curve"][0]["rank"], 1);
    }
    assert!(st["over_time"].is_array());
    let (s, r) = a.get("/ui/api/movies/3/ratings").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["id"], "3");
    assert!(r["distribution"].as_array().is_some_and(|d| !d.is_empty()));
    let (s, e) = a.get("/ui/api/movies/nope/ratings").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(e["suggestions"].is_array());
    let (_, doc) = a.get("/openapi.json").await;
    for p in [
        "/ui/api/stats",
        "/ui/api/movies/{id}/ratings",
        "/openapi.json",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from openapi.json"
        );
    }
    assert!(doc["components"]["schemas"].get("DatasetStats").is_some());
    // Ids the store cannot key on: 422 from the store's own check.
    for id in ["x".repeat(65), "a\u{1}b".to_string()] {
        let (s, e) = a.post("/users", json!({ "id": id })).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{id:?}: {e}");
    }
}

/// `GET /runs`: the runs recorded in the server's store and those in its runs folder, one
/// list, oldest first.
#[tokio::test]
async fn runs_merge_the_store_history_and_the_runs_folder() {
    use cinerec_engine::runs::{DataRef, RunRecord, Runs};
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().to_path_buf();
    let a = app_with(|c| c.runs_dir = dir.display().to_string()).await;
    let (s, v) = a.get("/runs").await;
    assert_eq!((s, v.clone()), (StatusCode::OK, json!([])), "{v}");
    let data = DataRef::of("tiny", &dataset());
    let mut first = RunRecord::new("eval", "svd", json!({"n_factors": 10}), data.clone());
    first.metrics.insert("rmse".into(), json!(0.93));
    let id1 = Runs::new(&dir).record(first).unwrap();
    let mut second = RunRecord::new("train", "baseline", json!({}), data);
    second.metrics.insert("rmse".into(), json!(0.95));
    // A later id (ids sort by their recording time).
    second.id = "99991231-235959-999-store1".into();
    let entry = cinerec_store::RunEntry {
        id: second.id.clone(),
        kind: second.kind.clone(),
        created_at: second.started_unix as i64,
        record: serde_json::to_value(&second).unwrap(),
    };
    a.state.store().record_run(&entry).await.unwrap();
    let (s, v) = a.get("/runs").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let got: Vec<(&str, &str)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["algorithm"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [(id1.as_str(), "svd"), (entry.id.as_str(), "baseline")]
    );
    assert_eq!(v[1]["metrics"]["rmse"], json!(0.95));
}

/// 160 users in two demographic groups (young women writers, older men engineers) whose
/// tastes are opposite: group A rates movies 1–20 high and 21–40 low, group B the reverse;
/// every user rates 16 movies, 8 from each half. Movie biases are symmetric, so only
/// demographics tell a new user's half.
fn demographic_dataset() -> Dataset {
    let n_users = 160u32;
    let n_items = 40u32;
    let users = IdMap::from_raw_sorted((1..=n_users).map(|u| u.to_string()).collect());
    let items = IdMap::from_raw_sorted((1..=n_items).map(|i| i.to_string()).collect());
    let group_a = |u: u32| u.is_multiple_of(2);
    let user_meta = (0..n_users)
        .map(|u| UserMeta {
            age: Some(if group_a(u) { 22 } else { 61 }),
            gender: Some(if group_a(u) { "F" } else { "M" }.into()),
            occupation: Some(if group_a(u) { "writer" } else { "engineer" }.into()),
            zip: None,
        })
        .collect();
    let item_meta = (0..n_items)
        .map(|i| ItemMeta {
            title: Some(format!("Film {i}")),
            year: Some(1990),
            genres: vec![(i % 2) as u16],
            ..Default::default()
        })
        .collect();
    let cat = Catalog {
        users,
        items,
        item_meta,
        user_meta,
        genre_names: vec!["Action".into(), "Drama".into()],
    };
    let mut r = Interactions::default();
    for u in 0..n_users {
        for k in 0..8u32 {
            for half in [0u32, 20] {
                let i = half + (u * 3 + k * 5) % 20;
                let likes = (half == 0) == group_a(u);
                let v = if likes {
                    4.5 + (k % 2) as f32 * 0.5
                } else {
                    1.0 + (k % 2) as f32
                };
                r.push(u, i, v, 1000 + k);
            }
        }
    }
    let mut d = Dataset::new("demographic", Arc::new(cat), r);
    d.set_scale(1.0, 5.0);
    d
}

#[tokio::test]
async fn new_users_get_recommendations_from_demographics_alone() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ServerConfig {
        store: format!("sqlite://{}", dir.path().join("t.db").display()),
        models_dir: dir.path().join("models").display().to_string(),
        request_log: false,
        ..Default::default()
    };
    cfg.validate().unwrap();
    let boot = Boot {
        seed: Some(demographic_dataset()),
        algorithm: Some("autoencoder".into()),
        params: Some(json!({"hidden": [32, 16], "epochs": 60, "l2": 1.0, "seed": 3})),
        ..Default::default()
    };
    let state = boot::start(cfg, boot).await.unwrap();
    let a = App {
        router: cinerec_server::router(state.clone()),
        state,
        _dir: dir,
    };
    let first_half = |r: &Value| {
        ids(r)
            .iter()
            .filter(|id| id.parse::<u32>().unwrap() <= 20)
            .count()
    };
    // Two users created with demographics only, no ratings.
    let (s, w) = a
        .post(
            "/users",
            json!({"id": "writer", "age": 23, "gender": "f", "occupation": "Writer"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let (s, _) = a
        .post(
            "/users",
            json!({"id": "engineer", "age": 60, "gender": "M", "occupation": "engineer"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, ra) = a.get("/recommend/writer?top_n=10").await;
    assert_eq!(s, StatusCode::OK, "{ra}");
    let (_, rb) = a.get("/recommend/engineer?top_n=10").await;
    assert_eq!(ra["algorithm"], "autoencoder");
    // Demographics alone pull each towards their group's half (the baseline alone does not
    // tell the halves apart: see "nobody" below).
    let (wa, wb) = (first_half(&ra), first_half(&rb));
    assert!(wa >= 8, "writer got {:?}", ids(&ra));
    assert!(
        wb + 4 <= wa,
        "writer {:?}, engineer {:?}",
        ids(&ra),
        ids(&rb)
    );
    // The same from POST /recommend with demographics and no ratings; without them the
    // list is neither group's.
    let (s, anon) = a
        .post(
            "/recommend",
            json!({"age": 23, "gender": "F", "occupation": "writer", "top_n": 10}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{anon}");
    assert_eq!(ids(&anon), ids(&ra));
    // A created user without demographics: nothing to go on, so not the writer's list.
    let (s, _) = a.post("/users", json!({"id": "nobody"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, rn) = a.get("/recommend/nobody?top_n=10").await;
    assert_ne!(ids(&rn), ids(&ra));
    // Bad demographics: a documented 422 JSON error naming what is allowed.
    for body in [
        json!({"gender": "X"}),
        json!({"age": 0}),
        json!({"age": 121}),
        json!({"occupation": "astronaut"}),
    ] {
        let (s, e) = a.post("/users", body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(e["error"].is_string(), "{e}");
        let mut anon = body.clone();
        anon["ratings"] = json!([]);
        let (s, e) = a.post("/recommend", anon).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(e["error"].is_string(), "{e}");
    }
    let (_, e) = a.post("/users", json!({"gender": "X"})).await;
    assert!(e["error"].as_str().unwrap().contains("F, M"), "{e}");
    // The OpenAPI document states the bounds and the 422.
    let (_, doc) = a.get("/openapi.json").await;
    let schema = &doc["components"]["schemas"]["AnonymousRequest"]["properties"]["age"];
    assert_eq!(schema["minimum"], json!(1), "{schema}");
    assert_eq!(schema["maximum"], json!(120), "{schema}");
    assert!(doc["paths"]["/recommend"]["post"]["responses"]["422"].is_object());
    assert!(doc["paths"]["/users"]["post"]["responses"]["422"].is_object());
}

#[path = "api/cold_start.rs"]
mod cold_start;
#[path = "api/hardening.rs"]
mod hardening;
#[path = "api/new_movies.rs"]
mod new_movies;
#[path = "api/restart.rs"]
mod restart;
#[path = "api/retrain.rs"]
mod retrain;
