//! A new visitor's demographics under a model without a demographic input (SVD): the engine's
//! demographic prior (`cinerec_engine::coldstart`) answers from the visitor's group at once,
//! and their own ratings take over as they come. On `demographic_dataset`, whose two groups
//! watch the same movies and like opposite halves, only the values of the group's ratings
//! tell the halves apart.

use super::*;

fn first_half(r: &Value) -> usize {
    ids(r)
        .iter()
        .filter(|id| id.parse::<u32>().unwrap() <= 20)
        .count()
}

#[tokio::test]
async fn demographics_reach_a_model_without_a_demographic_input() {
    let a = app_on(demographic_dataset(), "svd", |_| {}).await;
    let ask = |body: Value| {
        let a = &a;
        async move {
            let (s, r) = a.post("/recommend", body).await;
            assert_eq!(s, StatusCode::OK, "{r}");
            assert_eq!(r["algorithm"], "svd");
            r
        }
    };
    let writer = ask(json!({"age": 23, "gender": "F", "occupation": "writer"})).await;
    let engineer = ask(json!({"age": 60, "gender": "M", "occupation": "engineer"})).await;
    assert!(first_half(&writer) >= 8, "writer got {:?}", ids(&writer));
    assert!(
        first_half(&engineer) <= 2,
        "engineer got {:?}",
        ids(&engineer)
    );
    // One field is enough to pick a side.
    let by_gender = ask(json!({"gender": "m"})).await;
    assert!(first_half(&by_gender) <= 2, "{:?}", ids(&by_gender));
    // The writer's own ratings disagree with their group (the second half, high): from a
    // few ratings on, the list moves towards the second half.
    let rated = |k: u32| -> Value {
        let ratings: Vec<Value> = (21..21 + k)
            .map(|m| json!({"movie": m.to_string(), "rating": 5.0}))
            .collect();
        json!({"age": 23, "gender": "F", "occupation": "writer", "ratings": ratings})
    };
    let mut halves = vec![first_half(&writer)];
    for k in 1..=8 {
        halves.push(first_half(&ask(rated(k)).await));
    }
    // Measured: [10, 10, 10, 6, 4, 2, 3, 3, 4] first-half movies after 0..=8 ratings (the
    // prior weighs as much as PRIOR_RATINGS = 5 ratings).
    assert!(halves[3] < halves[0], "first-half movies by ratings: {halves:?}");
    assert!(halves[5..].iter().all(|&h| h <= 4), "{halves:?}");
    // A user created with demographics gets the same list as the anonymous visitor.
    let (s, _) = a
        .post(
            "/users",
            json!({"id": "w", "age": 23, "gender": "F", "occupation": "writer"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, mine) = a.get("/recommend/w?top_n=10").await;
    assert_eq!(ids(&mine), ids(&writer));
}
