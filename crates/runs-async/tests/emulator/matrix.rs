//! The fault matrix: each fault the emulator can inject, against every operation it applies
//! to, over HTTP (on a current-thread runtime) and HTTPS (on a multi-thread one).
//!
//! A case names the fault, how many requests in a row get it, the operations it is tried on,
//! and the outcome: the operation recovers (having sent exactly the faulted requests plus its
//! usual ones), or it fails with the expected error after exactly so many requests. For the
//! operations that `POST`, the number of runs created is checked too.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::join_all;
use runs_async::{Client, DecodeError, Delivery, Error, ListRuns, RunId, TransportErrorKind};
use runs_emulator::{DEMO_AGENT, Emulator, Fault, HELLO_WORLD, RetryAfter, Route};

use super::{ATTEMPTS, Builder, assert_no_key, drop_all, emulator, hello_run, runtime, settings, transport};

/// The client operations, each as one call.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Get,
    List,
    Stream,
    Wait,
    Start,
    StartAndWait,
}

use Op::*;
use runs_async::WaitOptions;

/// The operations that only `GET`.
const READS: &[Op] = &[Get, List, Stream, Wait];
/// The operations that `POST` (and the fault goes on the `POST`).
const STARTS: &[Op] = &[Start, StartAndWait];
/// All of them.
const EVERY: &[Op] = &[Get, List, Stream, Wait, Start, StartAndWait];

impl Op {
    /// The route the fault is injected on.
    fn route(self) -> Route {
        match self {
            Get | Wait => Route::GetRun,
            List | Stream => Route::ListRuns,
            Start | StartAndWait => Route::StartRun,
        }
    }

    /// Requests on that route when nothing goes wrong: one, except a wait on a fresh run under
    /// the per-poll schedule (Pending, Running, then the end).
    fn clean_requests(self) -> u64 {
        if self == Wait { 3 } else { 1 }
    }

    /// Whether it creates a run when it succeeds.
    fn creates(self) -> bool {
        STARTS.contains(&self)
    }

    /// Performs the operation against a run that exists; `Ok` when the answer is right.
    async fn perform(self, client: &Client, run: &RunId) -> Result<(), Error> {
        let query = ListRuns::new(DEMO_AGENT.parse().unwrap(), HELLO_WORLD.parse().unwrap());
        match self {
            Get => assert_eq!(&client.get_run(run).await?.id, run),
            List => assert!(
                client
                    .list_runs(&query)
                    .await?
                    .items
                    .is_some_and(|i| !i.is_empty())
            ),
            Stream => {
                let mut runs = client.runs(&query);
                let mut seen = 0;
                while let Some(item) = runs.next().await {
                    item?;
                    seen += 1;
                }
                assert!(seen > 0);
            }
            Wait => assert!(
                client
                    .wait_for_run(run, WaitOptions::default())
                    .await?
                    .status
                    .is_terminal()
            ),
            Start => assert!(!client.start_run(&hello_run()).await?.status.is_terminal()),
            StartAndWait => assert!(
                client
                    .start_and_wait(&hello_run(), WaitOptions::default())
                    .await?
                    .status
                    .is_success()
            ),
        }
        Ok(())
    }
}

/// What a case expects.
enum Outcome {
    /// Success, after the faulted requests and the usual ones.
    Recovers,
    /// This error, after `sent` requests on the route, having created `created` runs.
    Fails {
        sent: u64,
        created: u64,
        error: fn(&Error) -> bool,
    },
}

struct Case {
    fault: Fault,
    times: usize,
    ops: &'static [Op],
    settings: fn(Builder) -> Builder,
    outcome: Outcome,
}

impl Case {
    fn new(fault: Fault, times: usize, ops: &'static [Op], outcome: Outcome) -> Self {
        Self {
            fault,
            times,
            ops,
            settings: |b| b,
            outcome,
        }
    }

    fn with_settings(mut self, settings: fn(Builder) -> Builder) -> Self {
        self.settings = settings;
        self
    }

    /// Every operation of the case over HTTP on a current-thread runtime, then over HTTPS on a
    /// multi-thread runtime, the operations of each side by side on their own emulators.
    fn check(&self) {
        for tls in [false, true] {
            let checks = self.ops.iter().map(|&op| self.check_one(op, tls));
            let emulators = runtime(tls).block_on(join_all(checks));
            drop_all(emulators);
        }
    }

    async fn check_one(&self, op: Op, tls: bool) -> Emulator {
        let emu = emulator(tls);
        // The run to read is made with the usual settings; only the operation gets the case's.
        let run = settings(&emu)
            .build()
            .unwrap()
            .start_run(&hello_run())
            .await
            .unwrap()
            .id;
        let client = (self.settings)(settings(&emu)).build().unwrap();
        let before = emu.counters();
        emu.inject_times(op.route(), self.fault.clone(), self.times);

        let result = op.perform(&client, &run).await;

        let after = emu.counters();
        let sent = after.requests(op.route()) - before.requests(op.route());
        let created = after.runs_created - before.runs_created;
        let at = format!("{op:?} over {}", if tls { "https" } else { "http" });
        match (&self.outcome, result) {
            (Outcome::Recovers, Ok(())) => {
                assert_eq!(sent, self.times as u64 + op.clean_requests(), "{at}: requests");
                assert_eq!(created, u64::from(op.creates()), "{at}: runs created");
            }
            (
                Outcome::Fails {
                    sent: want,
                    created: made,
                    error,
                },
                Err(e),
            ) => {
                assert!(error(&e), "{at}: unexpected error {e:?}");
                assert_no_key(&e);
                assert_eq!(sent, *want, "{at}: requests");
                assert_eq!(created, *made, "{at}: runs created");
            }
            (_, other) => panic!("{at}: unexpected outcome {other:?}"),
        }
        emu
    }
}

fn fails(sent: u64, error: fn(&Error) -> bool) -> Outcome {
    Outcome::Fails {
        sent,
        created: 0,
        error,
    }
}

fn api(e: &Error, status: u16) -> bool {
    matches!(e, Error::Api(a) if a.status() == status)
}

// Retried and recovered.

#[test]
fn two_503s_are_retried_and_the_read_recovers() {
    Case::new(Fault::status(503), 2, READS, Outcome::Recovers).check();
}

#[test]
fn a_429_with_retry_after_in_seconds_is_waited_out_by_every_operation() {
    let fault = Fault::status(429).retry_after(RetryAfter::Seconds(1));
    Case::new(fault, 1, EVERY, Outcome::Recovers).check();
}

#[test]
fn a_429_with_retry_after_as_an_http_date_is_waited_out_by_every_operation() {
    let fault = Fault::status(429).retry_after(RetryAfter::DateIn(Duration::from_secs(1)));
    Case::new(fault, 1, EVERY, Outcome::Recovers).check();
}

#[test]
fn a_503_with_retry_after_lets_even_a_post_be_sent_again_once() {
    let fault = Fault::status(503).retry_after(RetryAfter::Seconds(0));
    Case::new(fault, 1, STARTS, Outcome::Recovers).check();
}

#[test]
fn a_connection_closed_before_the_answer_is_retried_by_reads() {
    Case::new(Fault::close_before_response(), 1, READS, Outcome::Recovers).check();
}

#[test]
fn a_connection_closed_mid_body_is_retried_by_reads() {
    Case::new(Fault::close_mid_body(), 1, READS, Outcome::Recovers).check();
}

// Surfaced as the right error.

#[test]
fn a_404_is_an_api_error_at_once() {
    Case::new(
        Fault::status(404),
        1,
        EVERY,
        fails(1, |e| api(e, 404) && !e.is_retryable()),
    )
    .check();
}

#[test]
fn a_400_keeps_the_message_and_details() {
    let body = r#"{"status_code": 400, "message": "invalid input",
        "details": [{"loc": ["query", "limit"], "msg": "too large", "type": "value_error"}]}"#;
    let error = |e: &Error| match e {
        Error::Api(a) => a.status() == 400 && a.message() == Some("invalid input") && a.details().len() == 1,
        _ => false,
    };
    Case::new(Fault::json(400, body), 1, EVERY, fails(1, error)).check();
}

#[test]
fn a_persistent_5xx_ends_reads_after_the_attempt_limit() {
    let error = |e: &Error| api(e, 502) && e.is_retryable();
    let reads = &[Get, List, Stream];
    Case::new(Fault::html(502), 10, reads, fails(u64::from(ATTEMPTS), error)).check();
}

#[test]
fn a_500_to_a_post_is_not_retried() {
    Case::new(Fault::status(500), 1, STARTS, fails(1, |e| api(e, 500))).check();
}

#[test]
fn a_post_answered_500_after_it_took_effect_is_never_sent_twice() {
    let outcome = Outcome::Fails {
        sent: 1,
        created: 1,
        error: |e| api(e, 500),
    };
    Case::new(Fault::status_after_processing(500), 1, STARTS, outcome).check();
}

#[test]
fn a_post_whose_connection_closes_is_not_sent_again() {
    let error = |e: &Error| transport(e, TransportErrorKind::Io, Delivery::MaybeSent);
    Case::new(Fault::close_before_response(), 1, STARTS, fails(1, error)).check();
}

#[test]
fn truncated_json_is_a_decode_error_not_retried() {
    let error = |e: &Error| matches!(e, Error::Decode(d) if DecodeError::is_truncated(d));
    Case::new(Fault::truncated_json(), 1, EVERY, fails(1, error)).check();
}

fn small_body_cap(b: Builder) -> Builder {
    b.max_body_bytes(64 * 1024)
}

#[test]
fn a_body_over_the_cap_is_body_too_large_whether_announced_or_chunked() {
    let error = |e: &Error| transport(e, TransportErrorKind::BodyTooLarge, Delivery::MaybeSent);
    for fault in [Fault::oversized(4 << 20), Fault::oversized_chunked(4 << 20)] {
        Case::new(fault, 1, EVERY, fails(1, error))
            .with_settings(small_body_cap)
            .check();
    }
}

fn short_timeout(b: Builder) -> Builder {
    b.request_timeout(Duration::from_millis(300))
}

#[test]
fn reads_that_hang_time_out_on_every_attempt() {
    let error = |e: &Error| transport(e, TransportErrorKind::Timeout, Delivery::MaybeSent);
    let reads = &[Get, List, Stream];
    let case = Case::new(
        Fault::hang(),
        ATTEMPTS as usize,
        reads,
        fails(u64::from(ATTEMPTS), error),
    );
    case.with_settings(short_timeout).check();
}

#[test]
fn a_post_that_hangs_times_out_and_is_not_sent_again() {
    let error = |e: &Error| transport(e, TransportErrorKind::Timeout, Delivery::MaybeSent);
    let case = Case::new(Fault::hang(), 1, STARTS, fails(1, error));
    case.with_settings(short_timeout).check();
}
