//! The blocking client against the emulator, over loopback HTTP and HTTPS.
//!
//! Retries, waits and timeouts are configured short so the suite is quick; nothing here
//! sleeps to synchronise or asserts on timing: outcomes are checked through return values and
//! the emulator's request counters.

mod faults;
mod operations;
mod redirects;

use std::time::Duration;

use runs_blocking::{Client, Error, ProcessStage, RetryPolicy, StartRun, WaitPolicy};
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD, Schedule};

/// The key every test client sends; no error text may ever contain it.
const KEY: &str = "sk-test-SECRET-7f3a9c";

/// An emulator over plain HTTP (`tls: false`) or HTTPS with its own CA, whose runs advance one
/// status per get.
fn emulator(tls: bool) -> Emulator {
    Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::PerPoll)
        .tls(tls)
        .start()
        .unwrap()
}

/// A client for `emu` with millisecond backoffs and polls, trusting its CA.
fn client(emu: &Emulator) -> Client {
    builder(emu).build().unwrap()
}

fn builder(emu: &Emulator) -> runs_blocking::ConfigBuilder<runs_blocking::Set, runs_blocking::Set, Client> {
    let mut builder = Client::builder()
        .api_key(KEY)
        .base_url(emu.base_url())
        .request_timeout(Duration::from_secs(10))
        .retry_policy(fast_retries(4))
        .wait_policy(fast_polls());
    if let Some(pem) = emu.ca_pem() {
        builder = builder.add_root_certificate_pem(pem);
    }
    builder
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

fn fast_polls() -> WaitPolicy {
    WaitPolicy::default()
        .with_initial_interval(WaitPolicy::MIN_INTERVAL)
        .with_max_interval(WaitPolicy::MIN_INTERVAL)
        .with_timeout(Duration::from_secs(30))
}

fn start_request(process: &str, name: &str) -> StartRun {
    StartRun::builder()
        .agent_id(DEMO_AGENT)
        .process_id(process)
        .name(name)
        .stage(ProcessStage::Published)
        .input("greeting", "hello")
        .build()
        .unwrap()
}

fn hello(name: &str) -> StartRun {
    start_request(HELLO_WORLD, name)
}

/// Fails if the API key shows anywhere in the error's text, its `Debug`, or its sources.
#[track_caller]
fn assert_keyless(error: &Error) {
    let mut texts = vec![error.to_string(), format!("{error:?}"), format!("{error:#?}")];
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        texts.push(s.to_string());
        texts.push(format!("{s:?}"));
        source = s.source();
    }
    for text in texts {
        assert!(!text.contains(KEY), "the API key leaked into an error: {text}");
    }
}
