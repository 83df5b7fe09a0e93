//! Item 3: a server that echoes the API key back must not get it printed.

use crate::clients::{Clients, KEY, builder, runs};
use crate::server::{Hostile, Reply, json, response, run_json};

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
    let server = Hostile::start(|n, _| echoing(n));
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
    let server = Hostile::start(|n, _| echoing(n));
    for _ in 0..3 {
        // `runs` asserts that no output holds the key.
        let out = runs(&server.base_url(), &["get", "r1"]);
        assert_ne!(out.code, 0);
        assert!(out.stderr.contains("<redacted>"), "{}", out.stderr);
    }
}
