//! A wait that cannot see its run, on both transports (issue 20, item 1): the emulator answers
//! get-run with injected faults, and both clients must end the wait alike.
//!
//! - An outage (every poll fails, each after its retries) ends the wait after
//!   `WaitPolicy::max_failed_polls` polls, with `Error::WaitPollsFailed` carrying the last
//!   poll's error: the 503 (or the broken connection) is in the error, not a bare timeout.
//! - A short outage (fewer failed polls in a row than that) is ridden out: the wait succeeds.
//!
//! Each poll makes two attempts here, so a poll is two requests whatever it meets. Nothing is
//! timed: the outcomes and the emulator's request counts are compared, then snapshotted.

use std::time::Duration;

use runs_core::transport::FromConfig;
use runs_core::{ConfigBuilder, Error, ProcessStage, RetryPolicy, RunId, StartRun, WaitPolicy};
use runs_emulator::{DEMO_AGENT, Emulator, Fault, HELLO_WORLD, Route, Schedule};

const KEY: &str = "sk-waits-SECRET-7e10";
const ATTEMPTS_PER_POLL: u32 = 2;
const MAX_FAILED_POLLS: u32 = 3;
/// More faults than any wait here polls for: an outage that does not end.
const FOREVER: usize = 1_000;

fn emulator() -> Emulator {
    Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap()
}

fn client<C: FromConfig>(emu: &Emulator) -> C {
    ConfigBuilder::<_, _, C>::new()
        .api_key(KEY)
        .base_url(emu.base_url())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(ATTEMPTS_PER_POLL)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
        )
        .wait_policy(
            WaitPolicy::default()
                .with_initial_interval(WaitPolicy::MIN_INTERVAL)
                .with_factor(1.0)
                // Far beyond what these waits take: the failed polls end them, not this.
                .with_timeout(Duration::from_secs(600))
                .with_max_failed_polls(MAX_FAILED_POLLS),
        )
        .build()
        .unwrap()
}

fn start() -> StartRun {
    StartRun::builder()
        .agent_id(DEMO_AGENT)
        .process_id(HELLO_WORLD)
        .name("through an outage")
        .stage(ProcessStage::Published)
        .build()
        .unwrap()
}

/// How the wait for `run_id` ended, without the run's id, the emulator's port or how long it
/// took.
fn ended(result: &Result<runs_core::Run, Error>, emu: &Emulator, run_id: &RunId) -> String {
    let text = match result {
        Ok(run) => format!("Ok({})", run.status),
        Err(Error::WaitPollsFailed {
            failed_polls,
            last_error,
            last_status,
            ..
        }) => format!(
            "WaitPollsFailed after {failed_polls} failed polls, last status {last_status:?}; \
             last error: {last_error}"
        ),
        Err(other) => format!("other: {other:?}"),
    };
    assert!(!text.contains(KEY), "the key leaked: {text}");
    text.replace(emu.base_url(), "BASE")
        .replace(run_id.as_str(), "RUN")
}

/// Every case on `$krate`'s client, each call followed by `$($await)*`; one line per case.
macro_rules! cases {
    ($krate:ident, $($await:tt)*) => {{
        use runs_core::WaitOptions;
        use $krate::Client;
        let mut seen: Vec<String> = Vec::new();
        let mut case = |name: &str, emu: &Emulator, run_id: &RunId, result: Result<runs_core::Run, Error>| {
            let counted = emu.counters().get_run;
            seen.push(format!("{name}: {} | get_run={counted}", ended(&result, emu, run_id)));
            result
        };
        {
            let emu = emulator();
            let c: Client = client(&emu);
            let run = c.start_run(&start())$($await)*.unwrap();
            emu.inject_times(Route::GetRun, Fault::status(503), FOREVER);
            let result = c.wait_for_run(&run.id, WaitOptions::new())$($await)*;
            let e = case("an outage of 503s", &emu, &run.id, result).unwrap_err();
            assert_eq!(e.status(), Some(503));
            let Error::WaitPollsFailed { last_error, .. } = &e else { unreachable!() };
            assert!(matches!(&**last_error, Error::Api(api) if api.attempts() == ATTEMPTS_PER_POLL));
            assert!(e.is_retryable());
            assert!(matches!(&e, Error::WaitPollsFailed { run_id, .. } if *run_id == run.id));
            let source = std::error::Error::source(&e).map(ToString::to_string).unwrap_or_default();
            assert!(source.starts_with("the API answered 503"), "{source}");
        }
        {
            let emu = emulator();
            let c: Client = client(&emu);
            let run = c.start_run(&start())$($await)*.unwrap();
            emu.inject_times(Route::GetRun, Fault::close_before_response(), FOREVER);
            let result = c.wait_for_run(&run.id, WaitOptions::new())$($await)*;
            case("an outage of closed connections", &emu, &run.id, result).unwrap_err();
        }
        {
            let emu = emulator();
            let c: Client = client(&emu);
            let run = c.start_run(&start())$($await)*.unwrap();
            // One poll fewer than the limit fails, then the API is back.
            let faults = (ATTEMPTS_PER_POLL * (MAX_FAILED_POLLS - 1)) as usize;
            emu.inject_times(Route::GetRun, Fault::status(503), faults);
            let result = c.wait_for_run(&run.id, WaitOptions::new())$($await)*;
            assert!(case("a short outage", &emu, &run.id, result).unwrap().status.is_terminal());
        }
        seen
    }};
}

#[test]
fn a_wait_through_an_outage_ends_with_the_last_poll_error_and_a_short_one_is_ridden_out() {
    let from_blocking = cases!(runs_blocking,);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let from_async = runtime.block_on(async { cases!(runs_async, .await) });
    assert_eq!(from_blocking, from_async);
    insta::assert_snapshot!(from_blocking.join("\n"));
}
