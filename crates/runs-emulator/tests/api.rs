//! The API's behaviour over real sockets: auth, validation, 404s, limits, the run object.

mod common;

use common::{Conn, KEY, get, list_path, post, start_body};
use http::Method;
use runs_emulator::{Emulator, HELLO_WORLD, Schedule};
use serde_json::{Value, json};

fn emulator() -> Emulator {
    Emulator::builder()
        .api_key(KEY)
        .api_key("second-key")
        .schedule(Schedule::Instant)
        .start()
        .unwrap()
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_a_401_with_the_error_body() {
    let emu = emulator();
    let mut conn = Conn::open(emu.addr()).await;
    let missing = conn
        .send(Method::GET, &list_path(HELLO_WORLD, ""), None, None)
        .await;
    assert_eq!(missing.status, 401);
    insta::assert_json_snapshot!("missing_key", missing.json());
    let wrong = conn.send(Method::GET, "/v2/runs/abc", Some("nope"), None).await;
    assert_eq!(wrong.status, 401);
    insta::assert_json_snapshot!("wrong_key", wrong.json());
    let body = serde_json::to_vec(&start_body(HELLO_WORLD, "x")).unwrap();
    let refused = conn
        .send(Method::POST, "/v2/runs", Some("Test-Key"), Some(&body))
        .await;
    assert_eq!(refused.status, 401, "keys are compared exactly");
    assert_eq!(emu.counters().runs_created, 0);
}

#[tokio::test]
async fn every_configured_key_is_accepted() {
    let emu = emulator();
    let mut conn = Conn::open(emu.addr()).await;
    for key in [KEY, "second-key"] {
        let answer = conn
            .send(Method::GET, &list_path(HELLO_WORLD, ""), Some(key), None)
            .await;
        assert_eq!(answer.status, 200, "{key}");
    }
}

#[tokio::test]
async fn list_validation_names_every_bad_field() {
    let emu = emulator();
    let answer = get(emu.addr(), "/v2/runs?agent_id=bad%20id&limit=0&stage=draft").await;
    assert_eq!(answer.status, 400);
    insta::assert_json_snapshot!("list_bad_fields", answer.json());
}

#[tokio::test]
async fn limit_must_be_an_integer_from_1_to_100() {
    let emu = emulator();
    let mut conn = Conn::open(emu.addr()).await;
    for bad in ["0", "101", "-1", "abc", "1.5", "", "99999999999999999999999"] {
        let answer = conn.get(&list_path(HELLO_WORLD, &format!("&limit={bad}"))).await;
        assert_eq!(answer.status, 400, "limit={bad}");
        assert_eq!(answer.json()["details"][0]["field"], "limit", "limit={bad}");
    }
    for good in ["1", "100", "10"] {
        let answer = conn.get(&list_path(HELLO_WORLD, &format!("&limit={good}"))).await;
        assert_eq!(answer.status, 200, "limit={good}");
    }
    let twice = conn.get(&list_path(HELLO_WORLD, "&limit=1&limit=2")).await;
    assert_eq!(twice.status, 400);
}

#[tokio::test]
async fn ids_are_checked_by_the_spec_rule_before_lookup() {
    let emu = emulator();
    let mut conn = Conn::open(emu.addr()).await;
    // Characters inside the literal regex range 9-_ are not id characters.
    for bad in ["a%3Ab", "a%40b", &"x".repeat(27), "%C3%A9"] {
        let answer = conn.get(&format!("/v2/runs?agent_id={bad}&process_id=p")).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.json()["details"][0]["field"], "agent_id");
        let answer = conn.get(&format!("/v2/runs/{bad}")).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.json()["details"][0]["field"], "run_id");
    }
    let answer = conn.get("/v2/runs/%FF").await;
    assert_eq!(answer.status, 400);
}

#[tokio::test]
async fn start_validation_names_every_bad_field() {
    let emu = emulator();
    let body = json!({
        "agent_id": "bad id",
        "process_id": 7,
        "name": "",
        "stage": "published",
        "file_ids": ["", "s3://ok"],
        "inputs": [{"name": "", "value": 1}, {"value": 2}, "x"],
        "colour": "blue",
    });
    let answer = post(emu.addr(), "/v2/runs", &body).await;
    assert_eq!(answer.status, 400);
    insta::assert_json_snapshot!("start_bad_fields", answer.json());
    assert_eq!(emu.counters().runs_created, 0);
}

#[tokio::test]
async fn bodies_that_are_not_a_json_object_are_400s() {
    let emu = emulator();
    let mut conn = Conn::open(emu.addr()).await;
    for body in [
        &b"not json"[..],
        b"",
        b"[1,2]",
        b"\"text\"",
        b"{\"agent_id\":",
        &[0xff, 0xfe],
    ] {
        let answer = conn.send(Method::POST, "/v2/runs", Some(KEY), Some(body)).await;
        assert_eq!(answer.status, 400, "{body:?}");
        assert_eq!(answer.json()["details"][0]["field"], "body", "{body:?}");
    }
    let deep = "[".repeat(100_000);
    let answer = conn
        .send(Method::POST, "/v2/runs", Some(KEY), Some(deep.as_bytes()))
        .await;
    assert_eq!(answer.status, 400, "deep nesting is refused, not a crash");
}

#[tokio::test]
async fn a_body_over_the_cap_is_a_413() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .max_body_bytes(1000)
        .start()
        .unwrap();
    let mut conn = Conn::open(emu.addr()).await;
    let mut body = start_body(HELLO_WORLD, "big");
    body["inputs"] = json!([{"name": "pad", "value": "x".repeat(2000)}]);
    let body = serde_json::to_vec(&body).unwrap();
    let answer = conn.send(Method::POST, "/v2/runs", Some(KEY), Some(&body)).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.json()["status_code"], 413);
    assert_eq!(emu.counters().runs_created, 0);
}

#[tokio::test]
async fn a_chunked_body_over_the_cap_is_a_413_too() {
    use std::io::{Read, Write};
    let emu = Emulator::builder()
        .api_key(KEY)
        .max_body_bytes(1000)
        .start()
        .unwrap();
    let addr = emu.addr();
    let answer = tokio::task::spawn_blocking(move || {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        let chunk = "x".repeat(600);
        let request = format!(
            "POST /v2/runs HTTP/1.1\r\nhost: e\r\nx-api-key: {KEY}\r\ntransfer-encoding: chunked\r\n\
             connection: close\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n"
        );
        tcp.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = tcp.read_to_string(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test]
async fn unknown_agents_processes_and_runs_are_404s_naming_the_field() {
    let emu = emulator();
    let mut conn = Conn::open(emu.addr()).await;
    let answer = conn.get("/v2/runs?agent_id=nobody&process_id=hello-world").await;
    assert_eq!(answer.status, 404);
    insta::assert_json_snapshot!("unknown_agent", answer.json());
    let answer = conn.get(&list_path("no-such-process", "")).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["details"][0]["field"], "process_id");
    let answer = conn.post("/v2/runs", &start_body("no-such-process", "x")).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["details"][0]["field"], "process_id");
    let answer = conn.get("/v2/runs/b4fznghynbdemslfd5k044fgd").await;
    assert_eq!(answer.status, 404);
    insta::assert_json_snapshot!("unknown_run", answer.json());
    assert_eq!(emu.counters().runs_created, 0);
}

#[tokio::test]
async fn unknown_paths_are_404s_and_wrong_methods_405s_with_allow() {
    let emu = emulator();
    let mut conn = Conn::open(emu.addr()).await;
    for path in [
        "/",
        "/v2",
        "/v1/runs",
        "/v2/runs/",
        "/v2/runs/a/b",
        "/v2/healthz",
        "/v2/health/x",
        "/v2/files/x",
    ] {
        let answer = conn.get(path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.json()["status_code"], 404);
    }
    let answer = conn.send(Method::DELETE, "/v2/runs/abc", Some(KEY), None).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("GET"));
    let answer = conn.send(Method::PUT, "/v2/runs", None, None).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("GET, POST"));
    assert_eq!(answer.json()["status_code"], 405);
}

#[tokio::test]
async fn a_started_run_is_the_documented_object_with_an_offsetless_timestamp() {
    let emu = emulator();
    let body = json!({
        "agent_id": "demo-agent",
        "process_id": "hello-world",
        "name": "March invoices",
        "stage": "Draft",
        "file_ids": ["s3://bucket/a.zip"],
        "inputs": [{"name": "month", "value": "2026-03"}],
    });
    let answer = post(emu.addr(), "/v2/runs", &body).await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let run = answer.json();
    let created_at = run["created_at"].as_str().unwrap();
    assert_eq!(created_at.len(), "2021-01-01T12:00:00".len(), "{created_at}");
    assert!(runs_core::Timestamp::parse(created_at).is_ok());
    let id = run["id"].as_str().unwrap();
    assert!(id.len() <= 26 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    let mut run = run.clone();
    run["id"] = Value::from("[id]");
    run["created_at"] = Value::from("[created_at]");
    insta::assert_json_snapshot!("started_run", run);
    // The SDK's own model reads it.
    let typed: runs_core::Run = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(typed.file_ids(), ["s3://bucket/a.zip"]);
}

#[tokio::test]
async fn optional_fields_may_be_null() {
    let emu = emulator();
    let mut body = start_body(HELLO_WORLD, "nulls");
    body["file_ids"] = Value::Null;
    body["inputs"] = Value::Null;
    let answer = post(emu.addr(), "/v2/runs", &body).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    assert_eq!(answer.json()["file_ids"], Value::Null);
}

#[tokio::test]
async fn names_are_counted_in_characters_not_bytes() {
    let emu = emulator();
    let ok = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, &"é".repeat(100))).await;
    assert_eq!(ok.status, 201);
    let long = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, &"é".repeat(101))).await;
    assert_eq!(long.status, 400);
    assert_eq!(long.json()["details"][0]["field"], "name");
}

#[test]
fn oversized_headers_are_refused_without_a_crash() {
    use std::io::{Read, Write};
    let emu = emulator();
    let mut tcp = std::net::TcpStream::connect(emu.addr()).unwrap();
    let big = "k".repeat(200 * 1024);
    let request = format!("GET /v2/runs HTTP/1.1\r\nhost: e\r\nx-big: {big}\r\n\r\n");
    // The server may answer and close before it has read everything: a failed write is fine.
    let _ = tcp.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    // The server still answers others.
    let mut tcp = std::net::TcpStream::connect(emu.addr()).unwrap();
    tcp.write_all(b"GET /v2 HTTP/1.1\r\nhost: e\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
}
