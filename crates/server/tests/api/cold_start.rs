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
    // A visitor who gives only a gender (one field) and rates the second half high, as the
    // other group does: the users who rated those movies alike pull the list towards the
    // second half as the ratings come in. (Each user here rates 8 of the 20 movies per half,
    // so a shared movie is rarer than a shared field.)
    let rated = |k: u32| -> Value {
        let ratings: Vec<Value> = (21..21 + k)
            .map(|m| json!({"movie": m.to_string(), "rating": 5.0}))
            .collect();
        json!({"gender": "F", "ratings": ratings, "top_n": 40})
    };
    // Where the second-half movies nobody of these visitors rated (29..=40) stand in the
    // whole list: their mean position (0 = first).
    let second_half_rank = |r: &Value| {
        let pos: Vec<usize> = ids(r)
            .iter()
            .enumerate()
            .filter(|(_, id)| id.parse::<u32>().unwrap() >= 29)
            .map(|(p, _)| p)
            .collect();
        assert_eq!(pos.len(), 12, "{:?}", ids(r));
        pos.iter().sum::<usize>() as f32 / pos.len() as f32
    };
    let mut ranks = Vec::new();
    let mut tops = Vec::new();
    for k in [0, 2, 4, 8] {
        let r = ask(rated(k)).await;
        ranks.push(second_half_rank(&r));
        tops.push(first_half(
            &json!({"items": r["items"].as_array().unwrap()[..10]}),
        ));
    }
    // Measured: mean positions [31.5, 29.25, 27.9, 20.8], first-half movies in the top 10
    // [10, 10, 10, 8]. Each movie here was rated by 40 % of the users, so each rating counts
    // 0.6 of evidence (`coldstart`), and the group's side is strong: the ratings move the
    // second half up through the whole list before they reach the top 10.
    assert!(
        tops[0] >= 8,
        "first-half movies in the top 10 after 0, 2, 4, 8 ratings: {tops:?}"
    );
    assert!(
        ranks[1] < ranks[0] && ranks[2] < ranks[1] && ranks[3] < ranks[2],
        "mean position of the second half after 0, 2, 4, 8 ratings: {ranks:?}"
    );
    assert!(
        tops[3] < tops[0],
        "first-half movies in the top 10 after 0, 2, 4, 8 ratings: {tops:?}"
    );
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
