//! Processes and health over real sockets: paging, lookups, validation, health, and faults.

mod common;

use common::{Conn, KEY, get};
use http::Method;
use runs_emulator::{DEMO_AGENT, Emulator, Fault, HELLO_WORLD, Route};
use serde_json::{Value, json};

fn emulator() -> Emulator {
    Emulator::builder().api_key(KEY).start().unwrap()
}

#[tokio::test]
async fn processes_page_with_tokens_until_the_last() {
    let emu = emulator();
    let mut conn = Conn::open(emu.addr()).await;
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..5 {
        let extra = token
            .as_ref()
            .map_or(String::new(), |t| format!("&continuation_token={t}"));
        let page = conn
            .get(&format!("/v2/processes?agent_id={DEMO_AGENT}&limit=3{extra}"))
            .await;
        assert_eq!(page.status, 200);
        let page = page.json();
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["agent_id"], json!(DEMO_AGENT));
            assert_eq!(item["stage"], json!("Published"));
            ids.push(item["id"].as_str().unwrap().to_string());
        }
        match &page["continuation_token"] {
            Value::Null => break,
            Value::String(t) => token = Some(t.clone()),
            other => panic!("{other}"),
        }
    }
    assert_eq!(
        ids,
        ["always-fails", "gets-cancelled", "hello-world", "times-out"]
    );
    assert_eq!(emu.counters().list_processes, 2);
}

#[tokio::test]
async fn a_process_is_found_by_agent_and_id_and_everything_else_is_named() {
    let emu = emulator();
    let mut conn = Conn::open(emu.addr()).await;
    let found = conn
        .get(&format!("/v2/processes/{HELLO_WORLD}?agent_id={DEMO_AGENT}"))
        .await;
    assert_eq!(found.status, 200);
    assert_eq!(
        found.json(),
        json!({"id": HELLO_WORLD, "name": "Hello world", "agent_id": DEMO_AGENT, "stage": "Published"})
    );
    let no_process = conn
        .get(&format!("/v2/processes/nope?agent_id={DEMO_AGENT}"))
        .await;
    assert_eq!(no_process.status, 404);
    let no_agent = conn.get("/v2/processes/nope?agent_id=nobody").await;
    assert_eq!(
        (no_agent.status, no_agent.json()["details"][0]["field"].clone()),
        (404, json!("agent_id"))
    );
    let missing = conn.get(&format!("/v2/processes/{HELLO_WORLD}")).await;
    assert_eq!(missing.status, 400);
    let bad = conn.get("/v2/processes?agent_id=a%20b&limit=0&limit=1").await;
    assert_eq!(bad.status, 400);
    insta::assert_json_snapshot!("list_processes_bad_fields", bad.json());
    let token = conn
        .get(&format!(
            "/v2/processes?agent_id={DEMO_AGENT}&continuation_token=00000000000000000000000000000000"
        ))
        .await;
    assert_eq!(token.status, 400);
    let post = conn
        .send(Method::POST, "/v2/processes", Some(KEY), Some(b"{}"))
        .await;
    assert_eq!(post.status, 405);
}

#[tokio::test]
async fn health_answers_ok_or_503_when_set_down_and_wants_the_key() {
    let emu = emulator();
    let up = get(emu.addr(), "/v2/health").await;
    assert_eq!((up.status, up.json()), (200, json!({"status": "OK"})));
    emu.set_healthy(false);
    let down = get(emu.addr(), "/v2/health").await;
    assert_eq!(
        (down.status, down.json()),
        (503, json!({"status": "Unavailable"}))
    );
    let mut conn = Conn::open(emu.addr()).await;
    // The spec's global security covers health, and the key is sent as on every request.
    assert_eq!(conn.send(Method::GET, "/v2/health", None, None).await.status, 401);
    assert_eq!(
        conn.send(Method::GET, "/v2/health", Some("nope"), None)
            .await
            .status,
        401
    );
    assert_eq!(emu.counters().health, 4);
}

#[tokio::test]
async fn faults_apply_to_every_new_route() {
    let emu = emulator();
    let paths = [
        (
            Route::ListProcesses,
            format!("/v2/processes?agent_id={DEMO_AGENT}"),
        ),
        (
            Route::GetProcess,
            format!("/v2/processes/{HELLO_WORLD}?agent_id={DEMO_AGENT}"),
        ),
        (Route::Health, "/v2/health".to_string()),
    ];
    for (route, path) in &paths {
        emu.inject(*route, Fault::html(502));
        let answer = get(emu.addr(), path).await;
        assert_eq!(answer.status, 502, "{route:?}");
        assert_eq!(
            get(emu.addr(), path).await.status,
            200,
            "{route:?}: the fault applied once"
        );
    }
    emu.inject(Route::Any, Fault::status(429));
    assert_eq!(
        get(emu.addr(), "/v2/health").await.status,
        429,
        "Route::Any covers the new routes"
    );
    assert_eq!(emu.counters().faults_applied, 4);
}
