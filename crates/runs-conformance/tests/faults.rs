//! The fault table (issue 19, item 5): each fault the emulator can inject, against every
//! operation it applies to, on both transports, over HTTP and HTTPS. It used to be written
//! twice (runs-blocking's `faults.rs`, runs-async's `matrix.rs`) under different names; now
//! each case is one row, run the same way on both clients.
//!
//! A case names the fault, how many requests in a row get it, the operations it is tried on,
//! and the outcome: the operation recovers (having sent exactly the faulted requests plus its
//! usual ones), or it fails with the expected error after exactly so many requests. For the
//! operations that `POST`, the number of runs created is checked too. Nothing is timed: the
//! outcomes and the emulator's counters decide.

use std::time::Duration;

use runs_core::transport::FromConfig;
use runs_core::{
    ConfigBuilder, DecodeError, Delivery, Error, ListRuns, ProcessStage, RetryPolicy, RunId, StartRun,
    TransportErrorKind, WaitOptions, WaitPolicy,
};
use runs_emulator::{DEMO_AGENT, Emulator, Fault, HELLO_WORLD, RetryAfter, Route, Schedule};

/// The key every client sends; no error's text, `Debug` or sources may contain it.
const SECRET: &str = "sk-faults-SECRET-51be0d";

/// How many requests an operation may send in all (retries included).
const ATTEMPTS: u32 = 4;

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
}

/// What a case changes in the client's settings.
#[derive(Clone, Copy, Default)]
struct Knobs {
    max_body_bytes: Option<usize>,
    request_timeout: Option<Duration>,
}

/// An emulator whose runs advance one status per get, over HTTPS with its own CA when `tls`.
fn emulator(tls: bool) -> Emulator {
    Emulator::builder()
        .api_key(SECRET)
        .tls(tls)
        .schedule(Schedule::PerPoll)
        .start()
        .unwrap()
}

/// A client for `emu`: its CA trusted, no proxy from the environment, millisecond backoffs,
/// polls at the floor, and what `knobs` change.
fn client<C: FromConfig>(emu: &Emulator, knobs: Knobs) -> C {
    let retries = RetryPolicy::default()
        .with_max_attempts(ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(4));
    let polls = WaitPolicy::default()
        .with_initial_interval(WaitPolicy::MIN_INTERVAL)
        .with_factor(1.0)
        .with_timeout(Duration::from_secs(60));
    let mut builder = ConfigBuilder::<_, _, C>::new()
        .api_key(SECRET)
        .base_url(emu.base_url())
        .proxy(runs_core::Proxy::None)
        .retry_policy(retries)
        .wait_policy(polls);
    if let Some(ca) = emu.ca_pem() {
        builder = builder.add_root_certificate_pem(ca);
    }
    if let Some(bytes) = knobs.max_body_bytes {
        builder = builder.max_body_bytes(bytes);
    }
    if let Some(timeout) = knobs.request_timeout {
        builder = builder.request_timeout(timeout);
    }
    builder.build().unwrap()
}

fn hello_run() -> StartRun {
    StartRun::builder()
        .agent_id(DEMO_AGENT)
        .process_id(HELLO_WORLD)
        .name("fault table")
        .stage(ProcessStage::Draft)
        .build()
        .unwrap()
}

fn query() -> ListRuns {
    ListRuns::new(DEMO_AGENT.parse().unwrap(), HELLO_WORLD.parse().unwrap())
}

/// Every text an error shows (its message, `Debug`, and each source's), none holding the key.
#[track_caller]
fn assert_no_key(error: &Error) {
    let mut seen: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = seen {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(SECRET), "the API key shows in {text}");
        }
        seen = e.source();
    }
}

/// Whether `error` is a transport failure of this kind and delivery.
fn transport(error: &Error, kind: TransportErrorKind, delivery: Delivery) -> bool {
    matches!(error, Error::Transport(t) if t.kind() == kind && t.delivery() == delivery)
}

fn api(e: &Error, status: u16) -> bool {
    matches!(e, Error::Api(a) if a.status() == status)
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

fn fails(sent: u64, error: fn(&Error) -> bool) -> Outcome {
    Outcome::Fails {
        sent,
        created: 0,
        error,
    }
}

/// Performs `$op` with `$client` against the run `$run`: `Ok(())` when the answer is right.
/// `$($await)*` follows each call (`.await` for runs-async, nothing for runs-blocking).
macro_rules! perform {
    ($client:expr, $op:expr, $run:expr, stream($runs:ident) => $drain:expr, $($await:tt)*) => {{
        let client = $client;
        let run: &RunId = $run;
        let result: Result<(), Error> = async {
            match $op {
                Get => assert_eq!(&client.get_run(run)$($await)*?.id, run),
                List => assert!(client.list_runs(&query())$($await)*?.items.is_some_and(|i| !i.is_empty())),
                Stream => {
                    let q = query();
                    let $runs = client.runs(&q);
                    let seen: usize = $drain?;
                    assert!(seen > 0);
                }
                Wait => assert!(client.wait_for_run(run, WaitOptions::default())$($await)*?.status.is_terminal()),
                Start => assert!(!client.start_run(&hello_run())$($await)*?.status.is_terminal()),
                StartAndWait => assert!(
                    client.start_and_wait(&hello_run(), WaitOptions::default())$($await)*?.status.is_success()
                ),
            }
            Ok(())
        }
        .await;
        result
    }};
}

impl Case {
    /// Checks what one operation did on `emu` against the case's outcome.
    fn judge(
        &self,
        op: Op,
        tls: bool,
        client: &str,
        emu: &Emulator,
        before: runs_emulator::Counters,
        result: Result<(), Error>,
    ) {
        let after = emu.counters();
        let sent = after.requests(op.route()) - before.requests(op.route());
        let created = after.runs_created - before.runs_created;
        let at = format!("{client} {op:?} over {}", if tls { "https" } else { "http" });
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
    }

    /// One operation on the blocking client, on its own emulator.
    fn blocking(&self, op: Op, tls: bool) -> Emulator {
        let emu = emulator(tls);
        // The run to read is made with the usual settings; only the operation gets the case's.
        let run = client::<runs_blocking::Client>(&emu, Knobs::default())
            .start_run(&hello_run())
            .unwrap()
            .id;
        let c: runs_blocking::Client = client(&emu, self.knobs);
        let before = emu.counters();
        emu.inject_times(op.route(), self.fault.clone(), self.times);
        // The blocking calls run inside a future only to share the macro; it never waits.
        let result = futures_util::FutureExt::now_or_never(async {
            perform!(&c, op, &run, stream(runs) => runs.map(|r| r.map(|_| 1)).sum::<Result<usize, Error>>(),)
        })
        .expect("a blocking call never waits");
        self.judge(op, tls, "blocking", &emu, before, result);
        emu
    }

    /// One operation on the async client, on its own emulator.
    async fn nonblocking(&self, op: Op, tls: bool) -> Emulator {
        use futures_util::StreamExt;
        let emu = emulator(tls);
        let run = client::<runs_async::Client>(&emu, Knobs::default())
            .start_run(&hello_run())
            .await
            .unwrap()
            .id;
        let c: runs_async::Client = client(&emu, self.knobs);
        let before = emu.counters();
        emu.inject_times(op.route(), self.fault.clone(), self.times);
        let result = perform!(&c, op, &run, stream(runs) => async {
            let mut runs = runs;
            let mut seen = 0;
            while let Some(item) = runs.next().await {
                item?;
                seen += 1;
            }
            Ok::<usize, Error>(seen)
        }.await, .await);
        self.judge(op, tls, "async", &emu, before, result);
        emu
    }

    /// Every operation of the case, on both clients, over HTTP then HTTPS: the blocking
    /// client's on threads side by side, the async client's on a current-thread runtime over
    /// HTTP and a multi-thread one over HTTPS; each operation on its own emulator.
    fn check(&self) {
        for tls in [false, true] {
            let emulators: Vec<Emulator> = std::thread::scope(|s| {
                let handles: Vec<_> = self
                    .ops
                    .iter()
                    .map(|&op| s.spawn(move || self.blocking(op, tls)))
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            drop_all(emulators);
            let mut runtime = if tls {
                tokio::runtime::Builder::new_multi_thread()
            } else {
                tokio::runtime::Builder::new_current_thread()
            };
            let runtime = runtime.enable_all().build().unwrap();
            let checks = self.ops.iter().map(|&op| self.nonblocking(op, tls));
            let emulators = runtime.block_on(futures_util::future::join_all(checks));
            drop_all(emulators);
        }
    }
}

struct Case {
    fault: Fault,
    times: usize,
    ops: &'static [Op],
    knobs: Knobs,
    outcome: Outcome,
}

impl Case {
    fn new(fault: Fault, times: usize, ops: &'static [Op], outcome: Outcome) -> Self {
        Self {
            fault,
            times,
            ops,
            knobs: Knobs::default(),
            outcome,
        }
    }

    fn with_knobs(mut self, knobs: Knobs) -> Self {
        self.knobs = knobs;
        self
    }
}

/// Drops emulators side by side: each may wait out its shutdown grace for a hung request.
fn drop_all(emulators: Vec<Emulator>) {
    std::thread::scope(|s| {
        for emu in emulators {
            s.spawn(move || drop(emu));
        }
    });
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
    let error = |e: &Error| api(e, 404) && !e.is_retryable();
    Case::new(Fault::status(404), 1, EVERY, fails(1, error)).check();
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
fn a_persistent_5xx_ends_reads_after_the_attempt_limit_with_the_last_answer() {
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
fn truncated_and_malformed_json_are_decode_errors_not_retried() {
    let truncated = |e: &Error| matches!(e, Error::Decode(d) if DecodeError::is_truncated(d));
    Case::new(Fault::truncated_json(), 1, EVERY, fails(1, truncated)).check();
    let malformed = |e: &Error| matches!(e, Error::Decode(d) if !DecodeError::is_truncated(d));
    Case::new(Fault::malformed_json(), 1, EVERY, fails(1, malformed)).check();
}

#[test]
fn a_body_over_the_cap_is_body_too_large_whether_announced_or_chunked() {
    let error = |e: &Error| transport(e, TransportErrorKind::BodyTooLarge, Delivery::MaybeSent);
    let small_cap = Knobs {
        max_body_bytes: Some(64 * 1024),
        ..Knobs::default()
    };
    for fault in [Fault::oversized(4 << 20), Fault::oversized_chunked(4 << 20)] {
        Case::new(fault, 1, EVERY, fails(1, error))
            .with_knobs(small_cap)
            .check();
    }
}

const SHORT_TIMEOUT: Knobs = Knobs {
    max_body_bytes: None,
    request_timeout: Some(Duration::from_millis(300)),
};

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
    case.with_knobs(SHORT_TIMEOUT).check();
}

#[test]
fn a_post_that_hangs_times_out_and_is_not_sent_again() {
    let error = |e: &Error| transport(e, TransportErrorKind::Timeout, Delivery::MaybeSent);
    let case = Case::new(Fault::hang(), 1, STARTS, fails(1, error));
    case.with_knobs(SHORT_TIMEOUT).check();
}
