//! Counters: requests per route, runs created, connections (keep-alive reuse is visible).

mod common;

use common::{Conn, KEY, list_path, start_body};
use http::Method;
use runs_emulator::{Emulator, Fault, HELLO_WORLD, Route, Schedule};

#[tokio::test]
async fn every_request_is_counted_by_route_faulted_and_refused_ones_included() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    emu.inject(Route::StartRun, Fault::status(503));
    let mut conn = Conn::open(emu.addr()).await;
    let body = serde_json::to_vec(&start_body(HELLO_WORLD, "counted")).unwrap();
    for _ in 0..3 {
        conn.send(Method::POST, "/v2/runs", Some(KEY), Some(&body)).await;
    }
    conn.send(Method::POST, "/v2/runs", Some("wrong"), Some(&body))
        .await;
    conn.get(&list_path(HELLO_WORLD, "")).await;
    conn.get("/v2/runs/nope").await;
    conn.get("/v2/elsewhere").await;
    conn.send(Method::PATCH, "/v2/runs", Some(KEY), None).await;
    let c = emu.counters();
    assert_eq!((c.start_run, c.list_runs, c.get_run, c.other), (4, 1, 1, 2));
    assert_eq!(c.runs_created, 2, "one POST was faulted, one refused");
    assert_eq!(c.requests(Route::Any), 6);
    assert_eq!(c.faults_applied, 1);
    assert_eq!(c.connections, 1);
}

#[tokio::test]
async fn a_thousand_calls_on_one_keep_alive_connection_count_one_connection() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    let mut conn = Conn::open(emu.addr()).await;
    for _ in 0..1000 {
        assert_eq!(conn.get(&list_path(HELLO_WORLD, "&limit=1")).await.status, 200);
    }
    let mut second = Conn::open(emu.addr()).await;
    second.get(&list_path(HELLO_WORLD, "")).await;
    let c = emu.counters();
    assert_eq!((c.connections, c.list_runs), (2, 1001));
}
