//! Hardened defaults (issue #17, point 5): the per-client write rate limit answers 429 with
//! `Retry-After` and a JSON body, reads are not limited, writes and model activation need the
//! key, bodies past the limit are a JSON 413, and the live document lists all of it.

use super::*;

#[tokio::test]
async fn writes_past_the_client_rate_answer_429_with_retry_after() {
    let a = app_with(|c| {
        c.api_key = Some(KEY.into());
        c.write_rate = 1;
        c.write_burst = 2;
    })
    .await;
    let user = |i: u32| json!({ "id": format!("rl{i}") }).to_string();
    for i in 0..2 {
        let (s, _) = a.write(Method::POST, "/users", &user(i), Some(KEY)).await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let req = Request::post("/users")
        .header("content-type", "application/json")
        .header("x-api-key", KEY)
        .body(Body::from(user(9)))
        .unwrap();
    let (s, h, b) = a.send(req).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    let body: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(body["status"], 429);
    assert_eq!(body["retry_after"], wait);
    assert!(body["error"].as_str().unwrap().contains("too many writes"));
    // Nothing was written, and reads are not limited.
    let (s, _) = a.get("/users/rl9/ratings").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for _ in 0..20 {
        assert_eq!(a.get("/health").await.0, StatusCode::OK);
    }
    // A client without the key is limited too (guessing keys costs writes).
    let (s, _) = a.write(Method::POST, "/users", &user(10), None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn writes_and_activation_need_the_key() {
    let a = app_with(|c| c.api_key = Some(KEY.into())).await;
    let v = a.get("/health").await.1["model_version"].as_i64().unwrap();
    let rating = json!({"user": "1", "movie": "3", "rating": 4}).to_string();
    let activate = format!("/models/{v}/activate");
    for key in [None, Some("wrong-key-123"), Some("test-key-12")] {
        let (s, b) = a.write(Method::POST, "/ratings", &rating, key).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{key:?}: {b}");
        assert_eq!(b["status"], 401);
        let (s, _) = a.write(Method::POST, &activate, "{}", key).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = a.write(Method::DELETE, "/ratings/1/3", "", key).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        a.write(Method::POST, "/ratings", &rating, Some(KEY))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        a.write(Method::POST, &activate, "{}", Some(KEY)).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_body_past_the_limit_is_a_json_413() {
    let a = app_with(|c| c.body_limit = 1024).await;
    let many: Vec<Value> = (0..100)
        .map(|i| json!({"user": "1", "movie": (i % 40 + 1).to_string(), "rating": 3}))
        .collect();
    let (s, b) = a.post("/ratings", json!(many)).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(b["status"], 413);
}

#[tokio::test]
async fn the_document_lists_the_limits_and_retryable_statuses() {
    let a = app_with(|c| {
        c.write_rate = 7;
        c.write_burst = 9;
        c.body_limit = 4096;
        c.request_timeout_secs = 12;
    })
    .await;
    let (_, doc) = a.get("/openapi.json").await;
    let post = &doc["paths"]["/ratings"]["post"]["responses"];
    assert!(post["429"]["description"]
        .as_str()
        .unwrap()
        .contains("7 writes per second"));
    assert!(post["429"]["headers"]["Retry-After"].is_object());
    assert!(post["503"]["headers"]["Retry-After"].is_object());
    assert!(post["413"]["description"]
        .as_str()
        .unwrap()
        .contains("4096 bytes"));
    let read = &doc["paths"]["/movies"]["get"]["responses"];
    assert!(read.get("429").is_none(), "reads are not rate limited");
    assert!(read["503"]["description"]
        .as_str()
        .unwrap()
        .contains("12 s"));
    assert!(doc["components"]["schemas"]["ErrorBody"]["properties"]["retry_after"].is_object());
}
