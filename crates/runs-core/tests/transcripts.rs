//! Transcripts of each state machine for scripted replies, as rustls's tests assert state
//! transcripts: the whole sequence of actions is reviewed once, then pinned by a snapshot.

mod scripted;

use std::time::Duration;

use runs_core::transport::{Call, GetRun, Listing, PostRun, Wait};
use runs_core::{Delivery, Error, ListRuns, ProcessStage, Run, StartRun, TransportErrorKind, WaitPolicy};
use scripted::*;

fn get(id: &str) -> Call<GetRun> {
    Call::new(&config(), GetRun(id.parse().unwrap()), 1)
}

fn start() -> Call<PostRun> {
    let start = StartRun::builder()
        .agent_id("agent-1")
        .process_id("proc-1")
        .name("n")
        .stage(ProcessStage::Draft)
        .build()
        .unwrap();
    Call::new(&config(), PostRun(start), 1)
}

fn show_run(r: &Result<Run, Error>) -> String {
    show_result(r, |run| format!("{} {}", run.id, run.status))
}

fn call_transcript<M>(mut m: M, replies: Vec<Reply>) -> String
where
    M: runs_core::transport::Machine<Output = Result<Run, Error>>,
{
    drive(&mut m, replies, show_run, |_| true).transcript
}

#[test]
fn get_is_retried_after_503_and_a_reset_then_succeeds() {
    insta::assert_snapshot!(call_transcript(
        get("run-1"),
        vec![
            http(503, "<html>busy</html>"),
            fail(TransportErrorKind::Io, Delivery::MaybeSent),
            http(200, &run_json("run-1", "Running")),
        ],
    ));
}

#[test]
fn get_honours_retry_after_in_seconds_and_as_a_date() {
    insta::assert_snapshot!(call_transcript(
        get("run-1"),
        vec![
            with_header(http(429, ""), "retry-after", "2"),
            with_header(
                with_header(http(503, ""), "retry-after", "Sun, 06 Nov 1994 08:49:40 GMT"),
                "date",
                "Sun, 06 Nov 1994 08:49:37 GMT"
            ),
            http(200, &run_json("run-1", "Succeeded")),
        ],
    ));
}

#[test]
fn get_gives_up_after_its_attempts_with_the_last_error() {
    insta::assert_snapshot!(call_transcript(
        get("run-1"),
        vec![
            http(500, "{}"),
            http(502, ""),
            http(503, ""),
            http(504, r#"{"message":"gateway"}"#)
        ],
    ));
}

#[test]
fn get_stops_at_the_deadline_when_the_server_hangs() {
    let short = runs_core::Config::builder()
        .api_key("sk-live-SECRET")
        .base_url("https://api.test/v2")
        .request_timeout(Duration::from_secs(5))
        .deadline(Duration::from_secs(12))
        .build()
        .unwrap();
    let call = Call::new(&short, GetRun("run-1".parse().unwrap()), 1);
    insta::assert_snapshot!(call_transcript(call, vec![Reply::Hang, Reply::Hang, Reply::Hang]));
}

#[test]
fn a_deadline_that_ends_the_retries_of_a_503_counts_the_attempts_once() {
    let short = runs_core::Config::builder()
        .api_key("sk-live-SECRET")
        .base_url("https://api.test/v2")
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let call = Call::new(&short, GetRun("run-1".parse().unwrap()), 1);
    let busy = || with_header(http(503, ""), "retry-after", "1");
    insta::assert_snapshot!(call_transcript(call, vec![busy(), busy()]));
}

#[test]
fn a_404_is_final_and_keeps_the_message() {
    insta::assert_snapshot!(call_transcript(
        get("run-1"),
        vec![with_header(
            http(
                404,
                r#"{"status_code":404,"message":"Run not found","details":null}"#
            ),
            "x-request-id",
            "req-42"
        )],
    ));
}

#[test]
fn post_is_not_resent_after_a_500_or_a_broken_connection() {
    insta::assert_snapshot!(call_transcript(start(), vec![http(500, r#"{"message":"oops"}"#)]));
    insta::assert_snapshot!(call_transcript(
        start(),
        vec![fail(TransportErrorKind::Io, Delivery::MaybeSent)]
    ));
}

#[test]
fn post_is_resent_when_it_never_left_or_the_server_says_retry_after() {
    insta::assert_snapshot!(call_transcript(
        start(),
        vec![
            fail(TransportErrorKind::Connect, Delivery::NotSent),
            with_header(http(503, ""), "retry-after", "1"),
            http(503, ""),
        ],
    ));
}

#[test]
fn same_origin_redirects_are_followed_and_others_refused() {
    insta::assert_snapshot!(call_transcript(
        get("run-1"),
        vec![
            with_header(http(307, ""), "location", "/v2/runs/run-2"),
            with_header(http(302, ""), "location", "https://evil.test/steal"),
        ],
    ));
}

#[test]
fn a_listing_fetches_pages_lazily_and_asks_the_last_for_what_is_still_wanted() {
    let query = ListRuns::new("agent-1".parse().unwrap(), "proc-1".parse().unwrap())
        .with_limit(2)
        .unwrap();
    let mut listing = Listing::new(&config(), query, Some(5), 1);
    let out = drive(
        &mut listing,
        vec![
            http(200, &page_json(&["r1", "r2"], Some("t1"))),
            http(503, ""),
            http(200, &page_json(&["r3", "r4"], Some("t2"))),
            http(200, &page_json(&["r5"], Some("t3"))),
        ],
        |o| match o {
            Some(r) => show_result(r, |run| run.id.to_string()),
            None => "end".into(),
        },
        Option::is_none,
    );
    insta::assert_snapshot!(out.transcript);
}

#[test]
fn a_listing_stops_with_an_error_on_a_repeated_token() {
    let query = ListRuns::new("agent-1".parse().unwrap(), "proc-1".parse().unwrap());
    let mut listing = Listing::new(&config(), query, None, 1);
    let out = drive(
        &mut listing,
        vec![
            http(200, &page_json(&["r1"], Some("same"))),
            http(200, r#"{"items":null,"continuation_token":"same"}"#),
        ],
        |o| match o {
            Some(r) => show_result(r, |run| run.id.to_string()),
            None => "end".into(),
        },
        |o| !matches!(o, Some(Ok(_))),
    );
    insta::assert_snapshot!(out.transcript);
}

#[test]
fn waiting_polls_with_backoff_until_a_terminal_status() {
    let policy = WaitPolicy::default()
        .with_initial_interval(Duration::from_secs(1))
        .with_factor(2.0)
        .with_max_interval(Duration::from_secs(3));
    let mut wait = Wait::new(&config(), "run-1".parse().unwrap(), policy, 1);
    let out = drive(
        &mut wait,
        vec![
            http(200, &run_json("run-1", "Created")),
            http(200, &run_json("run-1", "Pending")),
            http(503, ""),
            http(200, &run_json("run-1", "Running")),
            http(200, &run_json("run-1", "Paused")),
            http(200, &run_json("run-1", "Failed")),
        ],
        show_run,
        |_| true,
    );
    insta::assert_snapshot!(out.transcript);
}

#[test]
fn waiting_gives_up_at_its_timeout_with_the_last_status() {
    let policy = WaitPolicy::default()
        .with_initial_interval(Duration::from_secs(2))
        .with_factor(1.0)
        .with_timeout(Duration::from_secs(5));
    let mut wait = Wait::new(&config(), "run-1".parse().unwrap(), policy, 1);
    let replies = vec![
        http(200, &run_json("run-1", "Running")),
        http(200, &run_json("run-1", "Running")),
        http(200, &run_json("run-1", "Running")),
    ];
    insta::assert_snapshot!(drive(&mut wait, replies, show_run, |_| true).transcript);
}

#[test]
fn waiting_ends_at_once_on_a_404() {
    let mut wait = Wait::new(&config(), "run-1".parse().unwrap(), WaitPolicy::default(), 1);
    let replies = vec![http(404, r#"{"message":"Run not found"}"#)];
    insta::assert_snapshot!(drive(&mut wait, replies, show_run, |_| true).transcript);
}

/// A wait whose polls each make two attempts, giving up after three failed polls in a row.
fn wait_through_faults(timeout: Duration) -> Wait {
    let config = runs_core::Config::builder()
        .api_key("sk-live-SECRET")
        .base_url("https://api.test/v2")
        .retry_policy(
            runs_core::RetryPolicy::default()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(100)),
        )
        .request_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let policy = WaitPolicy::default()
        .with_initial_interval(Duration::from_secs(1))
        .with_factor(1.0)
        .with_timeout(timeout)
        .with_max_failed_polls(3);
    Wait::new(&config, "run-1".parse().unwrap(), policy, 1)
}

#[test]
fn a_wait_through_an_outage_stops_after_its_failed_polls_with_the_last_error() {
    let mut wait = wait_through_faults(Duration::from_secs(600));
    let mut replies = vec![http(200, &run_json("run-1", "Running"))];
    // Three polls of two attempts each, every one answered 503: one poll, one failure.
    replies.extend((0..6).map(|_| http(503, r#"{"message":"maintenance"}"#)));
    let out = drive(&mut wait, replies, show_run, |_| true);
    match &out.outputs[0] {
        Err(Error::WaitPollsFailed {
            failed_polls,
            last_error,
            last_status,
            ..
        }) => {
            assert_eq!(*failed_polls, 3);
            assert_eq!(last_status.as_ref().map(|s| s.as_str()), Some("Running"));
            let Error::Api(api) = &**last_error else {
                panic!("{last_error:?}")
            };
            assert_eq!((api.status(), api.attempts()), (503, 2));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(out.outputs[0].as_ref().unwrap_err().status(), Some(503));
    insta::assert_snapshot!(out.transcript);
}

#[test]
fn a_wait_through_a_short_outage_succeeds_and_a_successful_poll_starts_the_count_again() {
    let mut wait = wait_through_faults(Duration::from_secs(600));
    let replies = vec![
        // Two failed polls (a 503 twice, then a broken connection twice)...
        http(503, ""),
        http(503, ""),
        fail(TransportErrorKind::Io, Delivery::MaybeSent),
        fail(TransportErrorKind::Io, Delivery::MaybeSent),
        // ...one that succeeds...
        http(200, &run_json("run-1", "Running")),
        // ...two more failed polls, which would be four in all...
        http(502, ""),
        http(502, ""),
        http(503, ""),
        http(503, ""),
        // ...and the end.
        http(200, &run_json("run-1", "Succeeded")),
    ];
    let out = drive(&mut wait, replies, show_run, |_| true);
    assert_eq!(out.outputs[0].as_ref().unwrap().status.as_str(), "Succeeded");
}

#[test]
fn a_wait_that_times_out_while_polls_fail_says_so_with_the_last_error() {
    // Two polls fail; the third is cut short by the timeout after one attempt.
    let mut wait = wait_through_faults(Duration::from_millis(2200));
    let replies: Vec<Reply> = (0..5).map(|_| http(503, "")).collect();
    let out = drive(&mut wait, replies, show_run, |_| true);
    match &out.outputs[0] {
        Err(Error::WaitTimedOut {
            failed_polls,
            last_error: Some(last_error),
            last_status: None,
            ..
        }) => {
            assert_eq!(*failed_polls, 3, "the poll cut short failed too");
            assert_eq!(last_error.status(), Some(503));
        }
        other => panic!("{other:?}"),
    }
    insta::assert_snapshot!(out.transcript);
}

#[test]
fn a_retry_after_over_the_cap_names_the_setting_that_stopped_the_retries() {
    let out = drive(
        &mut get("run-1"),
        vec![
            with_header(http(503, ""), "retry-after", "1"),
            with_header(http(429, r#"{"message":"slow down"}"#), "retry-after", "120"),
        ],
        show_run,
        |_| true,
    );
    let Err(Error::Api(api)) = &out.outputs[0] else {
        panic!("{:?}", out.outputs[0])
    };
    assert_eq!(api.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(api.attempts(), 2);
    insta::assert_snapshot!(out.transcript);
}

#[test]
fn a_404_under_a_base_url_without_the_version_says_to_check_it() {
    let config = runs_core::Config::builder()
        .api_key("sk-live-SECRET")
        .base_url("https://api.test/api")
        .build()
        .unwrap();
    let call = Call::new(&config, GetRun("run-1".parse().unwrap()), 1);
    insta::assert_snapshot!(call_transcript(
        call,
        vec![http(404, r#"{"detail":"Not Found"}"#)]
    ));
}
