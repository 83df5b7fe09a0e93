//! Every fault kind, their order, and that a faulted request changes nothing.

mod common;

use std::time::{Duration, SystemTime};

use common::{Conn, KEY, get, list_path, post, start_body};
use http::Method;
use runs_emulator::{Emulator, Fault, HELLO_WORLD, RetryAfter, Route, Schedule};

fn emulator() -> Emulator {
    Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap()
}

const UNKNOWN_RUN: &str = "/v2/runs/unknownrun";

#[tokio::test]
async fn a_status_fault_sends_the_error_body_and_retry_after_seconds_once() {
    let emu = emulator();
    emu.inject(
        Route::GetRun,
        Fault::status(503).retry_after(RetryAfter::Seconds(2)),
    );
    let mut conn = Conn::open(emu.addr()).await;
    let answer = conn.get(UNKNOWN_RUN).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.header("retry-after"), Some("2"));
    assert_eq!(answer.header("content-type"), Some("application/json"));
    insta::assert_json_snapshot!("injected_status", answer.json());
    let after = conn.get(UNKNOWN_RUN).await;
    assert_eq!(after.status, 404, "the fault applied once");
}

#[tokio::test]
async fn retry_after_can_be_an_http_date_next_to_the_date_header() {
    let emu = emulator();
    emu.inject(
        Route::ListRuns,
        Fault::status(429).retry_after(RetryAfter::DateIn(Duration::from_secs(30))),
    );
    let answer = get(emu.addr(), &list_path(HELLO_WORLD, "")).await;
    assert_eq!(answer.status, 429);
    let date = httpdate::parse_http_date(answer.header("date").unwrap()).unwrap();
    let retry = httpdate::parse_http_date(answer.header("retry-after").unwrap()).unwrap();
    let ahead = retry.duration_since(date).unwrap();
    // Both are whole seconds, written a moment apart.
    assert!(
        (Duration::from_secs(29)..=Duration::from_secs(31)).contains(&ahead),
        "{ahead:?}"
    );
    emu.inject(
        Route::ListRuns,
        Fault::status(503).retry_after(RetryAfter::Date(SystemTime::UNIX_EPOCH)),
    );
    let answer = get(emu.addr(), &list_path(HELLO_WORLD, "")).await;
    assert_eq!(
        answer.header("retry-after"),
        Some("Thu, 01 Jan 1970 00:00:00 GMT")
    );
}

#[tokio::test]
async fn an_html_fault_is_a_proxy_page() {
    let emu = emulator();
    emu.inject(Route::Any, Fault::html(502));
    let answer = get(emu.addr(), UNKNOWN_RUN).await;
    assert_eq!(answer.status, 502);
    assert!(answer.header("content-type").unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&answer.body).starts_with("<html>"));
}

#[tokio::test]
async fn a_faulted_post_starts_no_run_but_a_fault_after_processing_does() {
    let emu = emulator();
    emu.inject(Route::StartRun, Fault::status(500));
    let answer = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, "faulted")).await;
    assert_eq!(answer.status, 500);
    assert_eq!(emu.counters().runs_created, 0);
    let listed = get(emu.addr(), &list_path(HELLO_WORLD, "")).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);

    emu.inject(Route::StartRun, Fault::status_after_processing(500));
    let answer = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, "processed")).await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.json()["status_code"], 500);
    assert_eq!(emu.counters().runs_created, 1);
    let listed = get(emu.addr(), &list_path(HELLO_WORLD, "")).await.json();
    assert_eq!(listed["items"][0]["name"], "processed");
}

#[tokio::test]
async fn faults_answer_before_authentication() {
    let emu = emulator();
    emu.inject(Route::StartRun, Fault::status(503));
    let mut conn = Conn::open(emu.addr()).await;
    let answer = conn.send(Method::POST, "/v2/runs", None, Some(b"{}")).await;
    assert_eq!(answer.status, 503);
    let answer = conn.send(Method::POST, "/v2/runs", None, Some(b"{}")).await;
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn faults_apply_in_order_per_route_then_from_any() {
    let emu = emulator();
    emu.inject_times(Route::GetRun, Fault::status(503), 2);
    emu.inject(Route::GetRun, Fault::status(504));
    emu.inject(Route::Any, Fault::status(429));
    assert_eq!(emu.pending_faults(Route::GetRun), 3);
    assert_eq!(emu.pending_faults(Route::Any), 1);
    let mut conn = Conn::open(emu.addr()).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(conn.get(UNKNOWN_RUN).await.status);
    }
    assert_eq!(statuses, [503, 503, 504, 429, 404]);
    emu.inject(Route::ListRuns, Fault::status(500));
    emu.clear_faults();
    assert_eq!(conn.get(&list_path(HELLO_WORLD, "")).await.status, 200);
    assert_eq!(emu.counters().faults_applied, 4);
}

#[tokio::test]
async fn a_delay_fault_then_answers_normally() {
    let emu = emulator();
    emu.inject(Route::ListRuns, Fault::delay_only(Duration::from_millis(20)));
    let answer = get(emu.addr(), &list_path(HELLO_WORLD, "")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(emu.counters().faults_applied, 1);
    // A delay combines with any other fault.
    emu.inject(
        Route::ListRuns,
        Fault::status(503).delay(Duration::from_millis(20)),
    );
    assert_eq!(get(emu.addr(), &list_path(HELLO_WORLD, "")).await.status, 503);
}

#[tokio::test]
async fn close_mid_body_announces_more_than_it_sends() {
    let emu = emulator();
    emu.inject(Route::GetRun, Fault::close_mid_body());
    let mut conn = Conn::open(emu.addr()).await;
    let err = conn
        .try_send(Method::GET, UNKNOWN_RUN, Some(KEY), None)
        .await
        .unwrap_err();
    assert!(
        err.is_incomplete_message() || err.is_body_write_aborted() || err.source_is_io(),
        "{err:?}"
    );
    assert_eq!(
        get(emu.addr(), UNKNOWN_RUN).await.status,
        404,
        "later connections are fine"
    );
}

trait IoSource {
    fn source_is_io(&self) -> bool;
}

impl IoSource for hyper::Error {
    fn source_is_io(&self) -> bool {
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            if s.is::<std::io::Error>() {
                return true;
            }
            source = s.source();
        }
        false
    }
}

#[tokio::test]
async fn close_mid_body_is_visible_on_the_wire() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let emu = emulator();
    emu.inject(Route::GetRun, Fault::close_mid_body());
    let mut tcp = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    tcp.write_all(format!("GET {UNKNOWN_RUN} HTTP/1.1\r\nhost: e\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = Vec::new();
    let _ = tcp.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("content-length: 1000"),
        "{head}"
    );
    assert_eq!(body.len(), 20, "{body:?}");
}

#[tokio::test]
async fn close_before_response_sends_nothing() {
    let emu = emulator();
    emu.inject(Route::StartRun, Fault::close_before_response());
    let mut conn = Conn::open(emu.addr()).await;
    let body = serde_json::to_vec(&start_body(HELLO_WORLD, "lost")).unwrap();
    let err = conn
        .try_send(Method::POST, "/v2/runs", Some(KEY), Some(&body))
        .await
        .unwrap_err();
    assert!(err.is_incomplete_message(), "{err:?}");
    assert_eq!(emu.counters().runs_created, 0);
    assert_eq!(emu.counters().start_run, 1);
}

#[tokio::test]
async fn malformed_and_truncated_json_are_200s_that_do_not_parse() {
    let emu = emulator();
    emu.inject(Route::GetRun, Fault::malformed_json());
    emu.inject(Route::GetRun, Fault::truncated_json());
    let mut conn = Conn::open(emu.addr()).await;
    let malformed = conn.get(UNKNOWN_RUN).await;
    assert_eq!(malformed.status, 200);
    let err = serde_json::from_slice::<serde_json::Value>(&malformed.body).unwrap_err();
    assert!(err.is_syntax(), "{err}");
    let truncated = conn.get(UNKNOWN_RUN).await;
    assert_eq!(truncated.status, 200);
    assert_eq!(
        truncated.header("content-length"),
        Some(truncated.body.len().to_string().as_str())
    );
    let err = serde_json::from_slice::<serde_json::Value>(&truncated.body).unwrap_err();
    assert!(err.is_eof(), "{err}");
}

#[tokio::test]
async fn oversized_bodies_are_streamed_with_or_without_a_length() {
    let emu = emulator();
    let size: u64 = 5 * 1024 * 1024 + 3;
    emu.inject(Route::ListRuns, Fault::oversized(size));
    emu.inject(Route::ListRuns, Fault::oversized_chunked(size));
    let mut conn = Conn::open(emu.addr()).await;
    let sized = conn.get(&list_path(HELLO_WORLD, "")).await;
    assert_eq!(sized.header("content-length"), Some(size.to_string().as_str()));
    assert_eq!(sized.body.len() as u64, size);
    let chunked = conn.get(&list_path(HELLO_WORLD, "")).await;
    assert_eq!(chunked.header("content-length"), None);
    assert_eq!(chunked.header("transfer-encoding"), Some("chunked"));
    assert_eq!(chunked.body.len() as u64, size);
    assert!(chunked.body.starts_with(b"{\"items\":[]"));
}

#[tokio::test]
async fn a_hanging_request_is_answered_by_nothing_until_shutdown() {
    let emu = emulator();
    emu.inject(Route::GetRun, Fault::hang());
    let addr = emu.addr();
    let hanging = tokio::spawn(async move {
        let mut conn = Conn::open(addr).await;
        conn.try_send(Method::GET, UNKNOWN_RUN, Some(KEY), None).await
    });
    // Wait, by asking, until the emulator has the request.
    let mut conn = Conn::open(addr).await;
    while emu.counters().get_run == 0 {
        assert_eq!(conn.get(&list_path(HELLO_WORLD, "")).await.status, 200);
    }
    assert_eq!(
        conn.get(UNKNOWN_RUN).await.status,
        404,
        "other requests are answered"
    );
    assert!(!hanging.is_finished());
    tokio::task::spawn_blocking(move || emu.shutdown()).await.unwrap();
    let outcome = hanging.await.unwrap();
    assert!(outcome.is_err(), "{outcome:?}");
}
