//! The async client against runs-emulator, over loopback HTTP and HTTPS.
//!
//! Backoffs, polls and (where a test needs one) timeouts are configured short so the suite is
//! quick. Nothing sleeps to synchronise and nothing asserts on timing: outcomes are read from
//! return values and from the emulator's counters, observed in a known order of events.

mod batch;
mod cancel;
mod connect;
mod load;

use std::time::Duration;

use runs_async::WaitOptions;
use runs_async::{
    Client, ConfigBuilder, Delivery, Error, ProcessStage, RetryPolicy, Set, StartRun, TransportErrorKind,
    WaitPolicy,
};
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD, Schedule};

/// The key every test client sends; no error's text, `Debug` or sources may contain it.
const SECRET: &str = "sk-async-SECRET-51be0d";

/// How many requests an operation may send in all (retries included).
const ATTEMPTS: u32 = 4;

type Builder = ConfigBuilder<Set, Set, Client>;

/// An emulator whose runs advance one status per get, over HTTPS with its own CA when `tls`.
fn emulator(tls: bool) -> Emulator {
    let builder = Emulator::builder().api_key(SECRET).tls(tls);
    builder.schedule(Schedule::PerPoll).start().unwrap()
}

/// The settings of every test client for `emu`: its CA trusted, no proxy from the
/// environment, millisecond backoffs and polls.
fn settings(emu: &Emulator) -> Builder {
    let retries = RetryPolicy::default()
        .with_max_attempts(ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(4));
    let polls = WaitPolicy::default()
        .with_initial_interval(WaitPolicy::MIN_INTERVAL)
        .with_max_interval(WaitPolicy::MIN_INTERVAL)
        .with_timeout(Duration::from_secs(60));
    let builder = Client::builder()
        .api_key(SECRET)
        .base_url(emu.base_url())
        .retry_policy(retries)
        .wait_policy(polls);
    match emu.ca_pem() {
        Some(ca) => builder.add_root_certificate_pem(ca),
        None => builder,
    }
}

/// A start request for the seeded process whose runs succeed.
fn hello_run() -> StartRun {
    let builder = StartRun::builder().agent_id(DEMO_AGENT).process_id(HELLO_WORLD);
    builder
        .name("async test")
        .stage(ProcessStage::Draft)
        .build()
        .unwrap()
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

/// A current-thread runtime (`multi: false`) or a multi-thread one.
fn runtime(multi: bool) -> tokio::runtime::Runtime {
    let mut builder = if multi {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build().unwrap()
}

/// Drops emulators side by side: each may wait out its shutdown grace for a hung request.
fn drop_all(emulators: Vec<Emulator>) {
    std::thread::scope(|s| {
        for emu in emulators {
            s.spawn(move || drop(emu));
        }
    });
}

#[test]
fn an_observed_wait_reports_each_status_before_the_end() {
    let emu = emulator(false);
    let client = settings(&emu).build().unwrap();
    let (done, seen) = runtime(false).block_on(async {
        let run = client.start_run(&hello_run()).await.unwrap();
        let mut seen = Vec::new();
        let policy = client.config().wait_policy().clone();
        let done = client
            .wait_for_run(
                &run.id,
                WaitOptions::new()
                    .policy(policy)
                    .on_status(|s| seen.push(s.clone())),
            )
            .await
            .unwrap();
        (done, seen)
    });
    assert_eq!(done.status, runs_async::RunStatus::Succeeded);
    assert_eq!(
        seen,
        [runs_async::RunStatus::Pending, runs_async::RunStatus::Running]
    );
}
