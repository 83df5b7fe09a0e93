//! Listing: newest first, page sizes, and continuation tokens bound to their query.

mod common;

use common::{Conn, KEY, list_path, post, start_body};
use runs_emulator::{ALWAYS_FAILS, Emulator, HELLO_WORLD, Schedule};
use serde_json::Value;

async fn emulator_with_runs(n: usize) -> Emulator {
    let emu = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    let mut conn = Conn::open(emu.addr()).await;
    for i in 0..n {
        let mut body = start_body(HELLO_WORLD, &format!("run {i}"));
        body["stage"] = Value::from(if i % 2 == 0 { "Published" } else { "Draft" });
        assert_eq!(conn.post("/v2/runs", &body).await.status, 201);
    }
    emu
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn pages_are_newest_first_with_a_default_of_ten() {
    let emu = emulator_with_runs(25).await;
    let mut conn = Conn::open(emu.addr()).await;
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let extra = token
            .as_ref()
            .map(|t| format!("&continuation_token={t}"))
            .unwrap_or_default();
        let page = conn.get(&list_path(HELLO_WORLD, &extra)).await.json();
        sizes.push(page["items"].as_array().unwrap().len());
        all.extend(names(&page));
        match &page["continuation_token"] {
            Value::String(next) => {
                assert_ne!(Some(next), token.as_ref(), "a token must never repeat");
                token = Some(next.clone());
            }
            Value::Null => break,
            other => panic!("token {other:?}"),
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    let expected: Vec<String> = (0..25).rev().map(|i| format!("run {i}")).collect();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn limit_sets_the_page_size_up_to_100_and_may_change_between_pages() {
    let emu = emulator_with_runs(120).await;
    let mut conn = Conn::open(emu.addr()).await;
    let page = conn.get(&list_path(HELLO_WORLD, "&limit=100")).await.json();
    assert_eq!(names(&page).len(), 100);
    let token = page["continuation_token"].as_str().unwrap().to_string();
    let next = conn
        .get(&list_path(
            HELLO_WORLD,
            &format!("&limit=7&continuation_token={token}"),
        ))
        .await
        .json();
    assert_eq!(
        names(&next),
        (13..20).rev().map(|i| format!("run {i}")).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn an_exact_last_page_has_no_token_and_an_empty_listing_is_an_empty_page() {
    let emu = emulator_with_runs(4).await;
    let mut conn = Conn::open(emu.addr()).await;
    let page = conn.get(&list_path(HELLO_WORLD, "&limit=4")).await.json();
    assert_eq!(names(&page).len(), 4);
    assert_eq!(page["continuation_token"], Value::Null);
    let empty = conn.get(&list_path(ALWAYS_FAILS, "")).await.json();
    assert_eq!(
        empty,
        serde_json::json!({"items": [], "continuation_token": null})
    );
    let page: runs_core::RunPage =
        serde_json::from_slice(&conn.get(&list_path(HELLO_WORLD, "")).await.body).unwrap();
    assert_eq!(page.items().len(), 4);
}

#[tokio::test]
async fn stage_filters_the_listing() {
    let emu = emulator_with_runs(6).await;
    let mut conn = Conn::open(emu.addr()).await;
    let drafts = conn.get(&list_path(HELLO_WORLD, "&stage=Draft")).await.json();
    assert_eq!(names(&drafts), ["run 5", "run 3", "run 1"]);
    assert!(
        drafts["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["stage"] == "Draft")
    );
}

#[tokio::test]
async fn a_token_used_with_another_query_is_a_400() {
    let emu = emulator_with_runs(30).await;
    let mut conn = Conn::open(emu.addr()).await;
    let page = conn.get(&list_path(HELLO_WORLD, "&limit=5")).await.json();
    let token = page["continuation_token"].as_str().unwrap().to_string();
    for other in [
        list_path(ALWAYS_FAILS, &format!("&continuation_token={token}")),
        list_path(HELLO_WORLD, &format!("&stage=Draft&continuation_token={token}")),
    ] {
        let answer = conn.get(&other).await;
        assert_eq!(answer.status, 400, "{other}");
        assert_eq!(answer.json()["details"][0]["field"], "continuation_token");
    }
    let forged = conn
        .get(&list_path(
            HELLO_WORLD,
            "&continuation_token=0123456789abcdef0123456789abcdef",
        ))
        .await;
    assert_eq!(forged.status, 400);
    insta::assert_json_snapshot!("token_for_another_query", forged.json());
    let garbage = conn
        .get(&list_path(HELLO_WORLD, "&continuation_token=%E2%9C%93"))
        .await;
    assert_eq!(garbage.status, 400);
    // The same token with its own query still works, as often as asked.
    for _ in 0..2 {
        let answer = conn
            .get(&list_path(HELLO_WORLD, &format!("&continuation_token={token}")))
            .await;
        assert_eq!(answer.status, 200);
        assert_eq!(names(&answer.json())[0], "run 24");
    }
}

#[tokio::test]
async fn tokens_from_another_emulator_are_refused() {
    let a = emulator_with_runs(12).await;
    let b = emulator_with_runs(12).await;
    let page = Conn::open(a.addr())
        .await
        .get(&list_path(HELLO_WORLD, ""))
        .await
        .json();
    let token = page["continuation_token"].as_str().unwrap().to_string();
    let answer = Conn::open(b.addr())
        .await
        .get(&list_path(HELLO_WORLD, &format!("&continuation_token={token}")))
        .await;
    assert_eq!(answer.status, 400);
}

#[tokio::test]
async fn new_runs_do_not_shift_later_pages() {
    let emu = emulator_with_runs(15).await;
    let mut conn = Conn::open(emu.addr()).await;
    let first = conn.get(&list_path(HELLO_WORLD, "")).await.json();
    let token = first["continuation_token"].as_str().unwrap().to_string();
    post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, "late")).await;
    let second = conn
        .get(&list_path(HELLO_WORLD, &format!("&continuation_token={token}")))
        .await
        .json();
    assert_eq!(names(&second), ["run 4", "run 3", "run 2", "run 1", "run 0"]);
}
