//! Snapshots of what goes on the wire, and of every error's text.

use std::time::Duration;

use runs_core::transport::{GetRun, ListPage, Operation, PostRun, Secrets};
use runs_core::{
    ApiError, Config, ConfigError, Delivery, Error, ListRuns, ProcessStage, RunStatus, StartRun,
    TransportError, TransportErrorKind,
};

fn config() -> Config {
    Config::builder()
        .api_key("sk-live-SECRET")
        .base_url("https://api.test/v2")
        .build()
        .unwrap()
}

#[test]
fn get_run_request() {
    let request = GetRun("b4fznghynbdemslfd5k044fgd".parse().unwrap()).request(&config());
    insta::assert_debug_snapshot!(request);
}

#[test]
fn list_runs_request_with_every_parameter() {
    let query = ListRuns::new("agent-1".parse().unwrap(), "proc_2".parse().unwrap())
        .with_limit(100)
        .unwrap()
        .with_stage(ProcessStage::Published)
        .with_continuation_token("eyJvIjoxMH0=/+&");
    insta::assert_debug_snapshot!(ListPage(query).request(&config()));
}

#[test]
fn start_run_request_keeps_input_order_and_leaves_out_unset_fields() {
    let start = StartRun::builder()
        .agent_id("agent-1")
        .process_id("proc-1")
        .name("Ünïcödé run")
        .stage(ProcessStage::Draft)
        .input("zeta", "last letter")
        .input("alpha", 1)
        .input("nested", serde_json::json!({"a": [1, null]}))
        .build()
        .unwrap();
    insta::assert_debug_snapshot!(PostRun(start).request(&config()));
}

#[test]
fn the_key_appears_only_in_its_header() {
    let request = GetRun("r".parse().unwrap()).request(&config());
    assert_eq!(request.header("x-api-key"), Some("sk-live-SECRET"));
    assert!(!format!("{request:?}").contains("SECRET"));
    assert!(!request.describe().contains("SECRET"));
    assert!(!format!("{:?}", config()).contains("SECRET"));
}

#[test]
fn every_error_kind_reads_once_as_a_chain() {
    let invalid = StartRun::builder()
        .agent_id("bad id")
        .process_id("p".repeat(27))
        .name("")
        .stage(ProcessStage::Draft)
        .input("", 1)
        .build()
        .unwrap_err();
    let errors: Vec<Error> = vec![
        invalid,
        ConfigError::new("base_url", "is not set").into(),
        Config::builder().api_key("k").base_url("https://API.example/").build().unwrap_err(),
        ApiError::from_response(
            400,
            Some("req-1"),
            br#"{"status_code":400,"message":"Invalid input","details":[{"loc":["query","limit"],"msg":"must be <= 100","type":"value_error"}]}"#,
        )
        .into(),
        ApiError::from_response(401, None, br#"{"status_code":401,"message":"Unauthorized","details":null}"#).into(),
        ApiError::from_response(502, None, b"<html><body><h1>502 Bad Gateway</h1></body></html>").into(),
        ApiError::from_response(500, None, b"").into(),
        GetRun::decode(runs_core::transport::Response { status: 200, headers: &[("a", "b")], body: br#"{"id":"r1","#}, &Secrets::default())
            .unwrap_err(),
        GetRun::decode(runs_core::transport::Response { status: 200, headers: &[("a", "b")], body: br#"{"id":"not valid!"}"# }, &Secrets::default())
            .unwrap_err(),
        TransportError::new(TransportErrorKind::Connect, Delivery::NotSent, "GET http://127.0.0.1:9/v2/runs/r1")
            .with_source(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused"))
            .into(),
        TransportError::new(TransportErrorKind::BodyTooLarge, Delivery::MaybeSent, "GET https://api.test/v2/runs/r1").into(),
        Error::DeadlineExceeded {
            deadline: Duration::from_millis(1500),
            attempts: 3,
            last: Some(Box::new(ApiError::new(503, "busy").into())),
        },
        Error::DeadlineExceeded {
            deadline: Duration::from_secs(2),
            attempts: 1,
            last: Some(Box::new(
                TransportError::new(TransportErrorKind::Timeout, Delivery::MaybeSent, "GET http://127.0.0.1:9/v2/runs/r1")
                    .with_source(std::io::Error::new(std::io::ErrorKind::TimedOut, "no whole response within 2s"))
                    .into(),
            )),
        },
        Error::DeadlineExceeded { deadline: Duration::from_secs(1), attempts: 0, last: None },
        Error::RepeatedToken { token: "abc".into() },
        runs_core::StorageError::from_response(
            403,
            &[("x-amz-request-id", "S3REQ1")],
            b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
        )
        .into(),
        runs_core::LocalFileError::new("invoice.pdf", runs_core::LocalFileProblem::Open)
            .with_source(std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"))
            .into(),
        Error::WaitTimedOut {
            run_id: "r1".parse().unwrap(),
            last_status: Some(RunStatus::Running),
            waited: Duration::from_secs(600),
            failed_polls: 0,
            last_error: None,
        },
        Error::WaitTimedOut {
            run_id: "r1".parse().unwrap(),
            last_status: None,
            waited: Duration::from_secs(2),
            failed_polls: 3,
            last_error: Some(Box::new(ApiError::new(503, "busy").into())),
        },
        Error::WaitPollsFailed {
            run_id: "r1".parse().unwrap(),
            last_status: Some(RunStatus::Running),
            waited: Duration::from_millis(12_500),
            failed_polls: 5,
            last_error: Box::new(
                TransportError::new(TransportErrorKind::Connect, Delivery::NotSent, "GET http://127.0.0.1:9/v2/runs/r1")
                    .with_source(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused"))
                    .into(),
            ),
        },
    ];
    let text: Vec<String> = errors
        .into_iter()
        .map(|e| {
            let retryable = e.is_retryable();
            assert_each_fact_once(&e);
            // Printed as anyhow prints a chain with `{:#}`: each error, then its sources.
            format!("{:#}\n  retryable: {retryable}", anyhow::Error::from(e))
        })
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

/// No error in the chain repeats what its source says (the API guidelines' rule: a wrapper
/// displays its cause or returns it from `source()`, never both).
fn assert_each_fact_once(error: &(dyn std::error::Error + 'static)) {
    let mut outer = error;
    while let Some(inner) = outer.source() {
        let (o, i) = (outer.to_string(), inner.to_string());
        assert!(!o.contains(&i), "{o:?} repeats its source {i:?}");
        outer = inner;
    }
}

#[test]
fn a_page_with_a_stage_and_a_status_this_sdk_does_not_know_still_decodes_and_round_trips() {
    let body = br#"{"items":[{"id":"r1","name":"n","agent_id":"a","process_id":"p","stage":"Archived",
        "status":"Paused","created_at":"2021-01-01T12:00:00"}],"continuation_token":null}"#;
    let page = ListPage::decode(
        runs_core::transport::Response {
            status: 200,
            headers: &[("a", "b")],
            body,
        },
        &Secrets::default(),
    )
    .unwrap();
    let run = &page.items()[0];
    assert_eq!((run.stage.as_str(), run.stage.known()), ("Archived", None));
    assert_eq!(run.status.as_str(), "Paused");
    assert!(!run.status.is_terminal());
    let again: runs_core::Run = serde_json::from_str(&serde_json::to_string(run).unwrap()).unwrap();
    assert_eq!(&again, run);
}
