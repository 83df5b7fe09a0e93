//! The organisation's limits (a concurrent-run cap, a shared rate limit), the in-doubt fault
//! that starts a run and never answers, and the count of runs per name that lets a test prove
//! nothing was started twice.

mod common;

use std::time::Instant;

use common::{Conn, KEY, post, start_body};
use http::Method;
use runs_emulator::{Emulator, Fault, HELLO_WORLD, Route, Schedule};

#[tokio::test]
async fn starts_beyond_the_cap_are_refused_as_resource_not_available_and_start_nothing() {
    // Per poll: a run stays active until it is read three times.
    let emu = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::PerPoll)
        .max_active_runs(2)
        .start()
        .unwrap();
    let mut ids = Vec::new();
    for name in ["a", "b"] {
        let answer = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, name)).await;
        assert_eq!(answer.status, 201);
        ids.push(answer.json()["id"].as_str().unwrap().to_owned());
    }
    let refused = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, "c")).await;
    assert_eq!(refused.status, 403);
    let message = refused.json()["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("Resource Not Available"), "{message}");
    assert_eq!(emu.runs_named("c"), 0, "a refused start created nothing");
    assert_eq!(emu.active_runs(), 2);

    // One run finishes: its place is free again.
    let mut conn = Conn::open(emu.addr()).await;
    for _ in 0..3 {
        conn.get(&format!("/v2/runs/{}", ids[0])).await;
    }
    assert_eq!(emu.active_runs(), 1);
    let again = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, "c")).await;
    assert_eq!(again.status, 201);
    let counters = emu.counters();
    assert_eq!(
        (
            counters.runs_created,
            counters.refused_at_capacity,
            counters.peak_active_runs
        ),
        (3, 1, 2)
    );
    assert_eq!(
        emu.runs_per_name().into_iter().collect::<Vec<_>>(),
        [("a".into(), 1), ("b".into(), 1), ("c".into(), 1)]
    );
}

#[tokio::test]
async fn requests_beyond_the_rate_get_429_with_retry_after_and_are_not_processed() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .rate_limit(1)
        .start()
        .unwrap();
    let mut conn = Conn::open(emu.addr()).await;
    let began = Instant::now();
    let mut admitted = 0u64;
    for n in 0..20 {
        let answer = conn
            .post("/v2/runs", &start_body(HELLO_WORLD, &format!("r{n}")))
            .await;
        match answer.status {
            201 => admitted += 1,
            429 => {
                let seconds: u64 = answer.header("retry-after").unwrap().parse().unwrap();
                assert!(seconds >= 1, "{seconds}");
            }
            other => panic!("{other}: {:?}", answer.body),
        }
    }
    let elapsed = began.elapsed().as_secs_f64();
    // The bucket holds one second's worth and refills at the rate: no more can pass.
    assert!(
        admitted >= 1 && admitted as f64 <= 1.0 + elapsed,
        "{admitted} in {elapsed:.1} s"
    );
    let counters = emu.counters();
    assert_eq!(counters.runs_created, admitted, "a limited start created nothing");
    assert_eq!(counters.rate_limited, 20 - admitted);
}

#[tokio::test]
async fn a_start_that_closes_after_processing_leaves_its_run_and_no_answer() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    emu.inject(Route::StartRun, Fault::close_after_processing());
    let mut conn = Conn::open(emu.addr()).await;
    let body = serde_json::to_vec(&start_body(HELLO_WORLD, "in-doubt")).unwrap();
    let outcome = conn
        .try_send(Method::POST, "/v2/runs", Some(KEY), Some(&body))
        .await;
    assert!(outcome.is_err(), "the client heard nothing: {outcome:?}");
    assert_eq!(emu.runs_named("in-doubt"), 1, "yet the run exists");
    assert_eq!(emu.counters().runs_created, 1);
}
