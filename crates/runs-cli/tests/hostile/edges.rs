//! Item 7: the smaller edges: an oversized error body, endless empty pages, and options that
//! cannot work.

use std::time::Duration;

use runs_core::transport::MAX_EMPTY_PAGES;
use runs_core::{Error, ListRuns, TransportErrorKind};

use crate::clients::{Clients, builder, runs, without_port};
use crate::server::{Reply, ScriptedServer, json};

#[test]
fn an_error_body_declared_over_the_limit_is_refused_unread_and_names_the_status() {
    // The head promises a gigabyte, and nothing follows: reading it would hang until the
    // request timeout (a minute) and fail as a timeout instead.
    let server = ScriptedServer::start(|_, _| {
        Reply::Hold(
            b"HTTP/1.1 500 Hostile\r\ncontent-type: text/html\r\ncontent-length: 1000000000\r\n\r\n<html>"
                .to_vec(),
        )
    });
    let clients = Clients::of(
        builder(&server.base_url())
            .max_body_bytes(1000)
            .request_timeout(Duration::from_secs(60)),
    );
    for (t, result) in clients.each(|t, c| (t, c.get_run(t, "r1"))) {
        let error = result.unwrap_err();
        let Error::Transport(e) = &error else {
            panic!("{t:?}: {error:?}")
        };
        assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge, "{t:?}: {error}");
        insta::assert_snapshot!(
            "error_body_declared_over_the_limit",
            without_port(&crate::chain(&error))
        );
    }
    // Not retried: the same page would come back.
    assert_eq!(server.count(), 2);
}

#[test]
fn an_error_body_that_grows_over_the_limit_names_the_status() {
    let server = ScriptedServer::start(|_, _| {
        let chunk = "x".repeat(600);
        let body = format!(
            "{:x}\r\n{chunk}\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            chunk.len(),
            chunk.len()
        );
        Reply::Bytes(format!("HTTP/1.1 502 Hostile\r\ntransfer-encoding: chunked\r\n\r\n{body}").into_bytes())
    });
    let clients = Clients::of(
        builder(&server.base_url())
            .max_body_bytes(1000)
            .retry_policy(runs_core::RetryPolicy::none()),
    );
    for (t, result) in clients.each(|t, c| (t, c.get_run(t, "r1"))) {
        let error = result.unwrap_err();
        insta::assert_snapshot!(
            "error_body_read_over_the_limit",
            without_port(&crate::chain(&error))
        );
        let _ = t;
    }
}

fn endless_empty_pages() -> ScriptedServer {
    ScriptedServer::start(|n, _| json(200, &format!(r#"{{"items":[],"continuation_token":"t{n}"}}"#)))
}

#[test]
fn a_server_sending_empty_pages_with_new_tokens_forever_ends_the_listing_on_both_transports() {
    let server = endless_empty_pages();
    let clients = Clients::of(builder(&server.base_url()));
    let query = ListRuns::new("agent-1".parse().unwrap(), "proc-1".parse().unwrap());
    for (t, items) in clients.each(|t, c| (t, c.list_all(t, &query))) {
        match items.as_slice() {
            [Err(Error::EmptyPages { pages })] => assert_eq!(*pages, MAX_EMPTY_PAGES, "{t:?}"),
            other => panic!("{t:?}: {other:?}"),
        }
    }
    assert_eq!(server.count(), 2 * MAX_EMPTY_PAGES as usize);
}

#[test]
fn the_cli_ends_such_a_listing_with_exit_4() {
    let server = endless_empty_pages();
    let out = runs(
        &server.base_url(),
        &["list", "--agent-id", "a", "--process-id", "p", "--all"],
    );
    assert_eq!(out.code, 4, "{}", out.stderr);
    insta::assert_snapshot!(out.stderr, @"error: the server sent 1000 empty pages in a row, each with a new continuation token; stopped the listing rather than page forever");
}

#[test]
fn a_negative_limit_is_told_like_a_zero_one() {
    let server = endless_empty_pages();
    let list = |limit: &str| {
        runs(
            &server.base_url(),
            &["list", "--agent-id", "a", "--process-id", "p", "--limit", limit],
        )
    };
    let (zero, negative) = (list("0"), list("-1"));
    assert_eq!((zero.code, negative.code), (2, 2));
    assert_eq!(negative.stderr, zero.stderr.replace("got 0", "got -1"));
    insta::assert_snapshot!(negative.stderr, @"error: invalid input: --limit must be between 1 and 100, got -1");
    assert_eq!(server.count(), 0);
}

#[test]
fn options_that_cannot_work_are_refused_before_any_request() {
    let server = endless_empty_pages();
    let url = server.base_url();
    let out = runs(
        &url,
        &["list", "--agent-id", "a", "--process-id", "p", "--max-items", "0"],
    );
    assert_eq!(out.code, 2);
    insta::assert_snapshot!(out.stderr, @"error: --max-items must be at least 1 (leave it out for one page, or use --all)");
    let out = runs(&url, &["wait", "r1", "--timeout", "0"]);
    assert_eq!(out.code, 2);
    insta::assert_snapshot!(out.stderr, @"error: --timeout must be more than 0 seconds");
    let start = [
        "start",
        "--agent-id",
        "a",
        "--process-id",
        "p",
        "--name",
        "n",
        "--stage",
        "Draft",
        "--wait",
        "--timeout",
        "0",
    ];
    assert_eq!(runs(&url, &start).code, 2);
    assert_eq!(server.count(), 0);
}

#[test]
fn plain_http_to_another_host_is_refused_without_naming_an_sdk_method() {
    let out = runs("http://api.example.com/v2", &["get", "r1"]);
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains("allow_insecure_http"), "{}", out.stderr);
    insta::assert_snapshot!(out.stderr);
}
