//! Item 3: a server that echoes the API key back must not get it printed.

use crate::clients::{Clients, KEY, builder, runs};
use crate::server::{Reply, ScriptedServer, json, response, run_json};

fn echoing(n: usize) -> Reply {
    match n % 3 {
        0 => json(
            401,
            &format!(
                r#"{{"message":"key {KEY} is not valid","details":[{{"field":"x-api-key","message":"got {KEY}"}}]}}"#
            ),
        ),
        1 => response(
            403,
            &[
                ("content-type", "text/html"),
                ("x-request-id", &format!("req-{KEY}")),
            ],
            &format!("<html><body><h1>Forbidden</h1><p>x-api-key: {KEY}</p></body></html>"),
        ),
        // A success whose body does not decode, where serde's message quotes the value.
        _ => json(
            200,
            &run_json("r1", "Running", &format!(r#","file_ids":"{KEY}""#)),
        ),
    }
}

#[test]
fn an_echoed_key_is_scrubbed_from_errors_on_both_transports() {
    let server = ScriptedServer::start(|n, _| echoing(n));
    let clients = Clients::of(builder(&server.base_url()));
    // Three rounds: each transport meets each kind of echo (the server cycles through them).
    for _ in 0..3 {
        for (t, result) in clients.each(|t, c| (t, c.get_run(t, "r1"))) {
            let error = result.expect_err("every answer is an error");
            let shown = format!("{} | {error:?}", crate::chain(&error));
            assert!(!shown.contains(KEY), "{t:?}: {shown}");
            assert!(shown.contains("<redacted>"), "{t:?}: {shown}");
        }
    }
    assert_eq!(server.count(), 6);
}

#[test]
fn an_echoed_key_is_not_printed_by_the_cli() {
    let server = ScriptedServer::start(|n, _| echoing(n));
    for _ in 0..3 {
        // `runs` asserts that no output holds the key.
        let out = runs(&server.base_url(), &["get", "r1"]);
        assert_ne!(out.code, 0);
        assert!(out.stderr.contains("<redacted>"), "{}", out.stderr);
    }
}

/// A health answer whose status quotes the key, up (200) or not (503).
fn health_echoing(code: u16) -> Reply {
    json(
        code,
        &serde_json::json!({ "status": format!("key {KEY} is not welcome here") }).to_string(),
    )
}

#[test]
fn an_echoed_key_is_scrubbed_from_the_health_status_on_both_transports() {
    for code in [200, 503] {
        let server = ScriptedServer::start(move |_, _| health_echoing(code));
        let clients = Clients::of(builder(&server.base_url()));
        for (t, result) in clients.each(|t, c| (t, c.health(t))) {
            let health = result.unwrap_or_else(|e| panic!("{t:?} {code}: {e}"));
            let status = health.status().unwrap();
            assert!(!status.contains(KEY), "{t:?}: {status}");
            assert_eq!(status, "key <redacted> is not welcome here", "{t:?}");
        }
    }
}

#[test]
fn an_echoed_key_is_not_printed_by_runs_health() {
    for code in [200, 503] {
        let server = ScriptedServer::start(move |_, _| health_echoing(code));
        // `runs` asserts that no output holds the key.
        let table = runs(&server.base_url(), &["health"]);
        assert_eq!(table.code, 3, "{}", table.stderr);
        assert_eq!(
            table.stdout,
            format!("not up (HTTP {code}, key <redacted> is not welcome here)\n")
        );
        let json = runs(&server.base_url(), &["health", "--output", "json"]);
        let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(
            doc["status"], "key <redacted> is not welcome here",
            "{}",
            json.stdout
        );
    }
}

/// A page of one item (`item`, as JSON) whose continuation token holds the key.
fn page_with_the_key_in_its_token(item: &str) -> Reply {
    let token = serde_json::to_string(&format!("page2-{KEY}")).unwrap();
    json(
        200,
        &format!(r#"{{"items":[{item}],"continuation_token":{token}}}"#),
    )
}

#[test]
fn an_echoed_key_in_a_continuation_token_is_not_printed_in_the_next_page_hint() {
    let server = ScriptedServer::start(|_, _| page_with_the_key_in_its_token(&run_json("r1", "Running", "")));
    let out = runs(
        &server.base_url(),
        &["list", "--agent-id", "agent-1", "--process-id", "proc-1"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(out.stderr, @"more runs: add --continuation-token 'page2-<redacted>', or --all");

    let process = r#"{"id":"proc-1","name":"P","agent_id":"agent-1","stage":"Published"}"#;
    let server = ScriptedServer::start(move |_, _| page_with_the_key_in_its_token(process));
    let out = runs(
        &server.base_url(),
        &["processes", "list", "--agent-id", "agent-1"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(out.stderr, @"more processes: add --continuation-token 'page2-<redacted>', or --all");
}

/// A run whose name and outputs hold the key: a server echoing what it was sent into data.
fn run_holding_the_key() -> String {
    serde_json::json!({
        "id": "r1", "name": format!("invoice {KEY}"), "agent_id": "agent-1",
        "process_id": "proc-1", "stage": "Draft", "status": "Succeeded",
        "created_at": "2021-01-01T12:00:00",
        "outputs": [{"name": "echo", "value": format!("sent {KEY}")}],
    })
    .to_string()
}

#[test]
fn an_echoed_key_in_a_run_is_not_printed_in_any_output_format() {
    let server = ScriptedServer::start(|_, request| {
        if request.target.starts_with("/v2/runs?") {
            json(200, &format!(r#"{{"items":[{}]}}"#, run_holding_the_key()))
        } else {
            json(200, &run_holding_the_key())
        }
    });
    let list = ["list", "--agent-id", "agent-1", "--process-id", "proc-1"];
    for format in ["table", "json", "csv", "jsonl"] {
        // `runs` asserts that no output holds the key.
        let got = runs(&server.base_url(), &["get", "r1", "--output", format]);
        assert_eq!(got.code, 0, "{format}: {}", got.stderr);
        assert!(
            got.stdout.contains("invoice <redacted>"),
            "{format}: {}",
            got.stdout
        );
        let listed = runs(
            &server.base_url(),
            &[&list[..], &["--all", "--output", format]].concat(),
        );
        assert_eq!(listed.code, 0, "{format}: {}", listed.stderr);
        assert!(
            listed.stdout.contains("<redacted>"),
            "{format}: {}",
            listed.stdout
        );
    }
    let waited = runs(&server.base_url(), &["wait", "r1", "--output", "jsonl"]);
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    assert!(waited.stdout.contains("sent <redacted>"), "{}", waited.stdout);
}
