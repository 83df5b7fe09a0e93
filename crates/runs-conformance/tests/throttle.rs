//! The client's rate limit, on both transports (issue 21): one budget for a client and all
//! its clones, and a 429 that holds every one of them. What the emulator saw decides:
//!
//! - Four clones calling at once, with the client's limit at the emulator's, are never
//!   refused with a 429, although together they ask for more than the limit (each clone with
//!   a limit of its own would be). Without the client's limit the emulator refuses some.
//! - After one clone meets a 429 with `Retry-After: 1`, another clone's call is held: with a
//!   request timeout of 1.5 s it may wait 0.75 s, which is not enough, so it fails without
//!   reaching the emulator, saying the rate limit held it. A call after that is held for the
//!   rest of the pause and goes through.

use std::time::Duration;

use runs_core::transport::FromConfig;
use runs_core::{
    ConfigBuilder, Delivery, Error, ProcessStage, RetryPolicy, RunId, StartRun, TransportErrorKind,
};
use runs_emulator::{DEMO_AGENT, Emulator, Fault, HELLO_WORLD, RetryAfter, Route, Schedule};

const KEY: &str = "sk-throttle-SECRET-51c2";
const RATE: u32 = 40;
const CLONES: usize = 4;
/// Twice the emulator's bucket (which starts full, one second's worth): enough that calls
/// sent as fast as they can be meet a 429.
const CALLS_PER_CLONE: usize = (2 * RATE as usize) / CLONES;

fn emulator(rate: Option<u32>) -> Emulator {
    let builder = Emulator::builder().api_key(KEY).schedule(Schedule::Instant);
    match rate {
        Some(rate) => builder.rate_limit(rate),
        None => builder,
    }
    .start()
    .unwrap()
}

/// A client that never retries, so that every 429 it meets is an error the test sees.
fn client<C: FromConfig>(emu: &Emulator, rate: Option<u32>) -> C {
    let builder = ConfigBuilder::<_, _, C>::new()
        .api_key(KEY)
        .base_url(emu.base_url())
        .retry_policy(RetryPolicy::none())
        .request_timeout(Duration::from_millis(1500));
    match rate {
        Some(rate) => builder.rate_limit(rate),
        None => builder,
    }
    .build()
    .unwrap()
}

fn start() -> StartRun {
    StartRun::builder()
        .agent_id(DEMO_AGENT)
        .process_id(HELLO_WORLD)
        .name("throttled")
        .stage(ProcessStage::Draft)
        .build()
        .unwrap()
}

/// How many of the calls were refused with a 429; any other failure fails the test.
fn refused(results: &[Result<runs_core::Run, Error>]) -> usize {
    results
        .iter()
        .filter(|r| match r {
            Ok(_) => false,
            Err(e) if e.status() == Some(429) => true,
            Err(e) => panic!("{e}"),
        })
        .count()
}

/// Checks the call a paused clone made: failed, nothing sent, saying why.
#[track_caller]
fn held(result: Result<runs_core::Run, Error>) {
    let Err(Error::Transport(e)) = &result else {
        panic!("{result:?}")
    };
    assert_eq!(e.kind(), TransportErrorKind::Timeout);
    assert_eq!(e.delivery(), Delivery::NotSent);
    assert!(e.to_string().contains("rate limit"), "{e}");
    assert!(!e.to_string().contains(KEY));
}

/// `calls(emulator, the client's rate)` makes every clone's calls at once: with the client's
/// limit at the emulator's, none is refused; without it, some are.
fn shared_by_clones(calls: impl Fn(&Emulator, Option<u32>) -> Vec<Result<runs_core::Run, Error>>) {
    let emu = emulator(Some(RATE));
    let results = calls(&emu, Some(RATE));
    assert_eq!(refused(&results), 0);
    assert_eq!(emu.counters().rate_limited, 0);
    assert_eq!(emu.counters().get_run, (CLONES * CALLS_PER_CLONE) as u64);

    // An emulator four times stricter, so that even a slow machine meets its limit.
    let emu = emulator(Some(RATE / 4));
    let _ = calls(&emu, None);
    assert!(
        emu.counters().rate_limited > 0,
        "without the client's limit, the emulator refuses"
    );
}

#[test]
fn the_blocking_clients_clones_share_one_rate_limit() {
    use runs_blocking::Client;
    let calls = |emu: &Emulator, rate: Option<u32>| -> Vec<Result<runs_core::Run, Error>> {
        let client: Client = client(emu, rate);
        let run = client.start_run(&start()).unwrap();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..CLONES)
                .map(|_| {
                    let (client, id) = (client.clone(), run.id.clone());
                    scope.spawn(move || {
                        (0..CALLS_PER_CLONE)
                            .map(|_| client.get_run(&id))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        })
    };
    shared_by_clones(calls);
}

#[test]
fn the_async_clients_clones_share_one_rate_limit() {
    use runs_async::Client;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let calls = |emu: &Emulator, rate: Option<u32>| -> Vec<Result<runs_core::Run, Error>> {
        let client: Client = client(emu, rate);
        runtime.block_on(async {
            let run = client.start_run(&start()).await.unwrap();
            let tasks: Vec<_> = (0..CLONES)
                .map(|_| {
                    let (client, id) = (client.clone(), run.id.clone());
                    tokio::spawn(async move {
                        let mut results = Vec::new();
                        for _ in 0..CALLS_PER_CLONE {
                            results.push(client.get_run(&id).await);
                        }
                        results
                    })
                })
                .collect();
            let mut all = Vec::new();
            for task in tasks {
                all.extend(task.await.unwrap());
            }
            all
        })
    };
    shared_by_clones(calls);
}

fn pause_after_the_next_get(emu: &Emulator) {
    emu.inject_times(
        Route::GetRun,
        Fault::status(429).retry_after(RetryAfter::Seconds(1)),
        1,
    );
}

#[test]
fn a_429_holds_every_clone_of_the_blocking_client() {
    use runs_blocking::Client;
    let emu = emulator(None);
    let client: Client = client(&emu, None);
    let id: RunId = client.start_run(&start()).unwrap().id;
    let other = client.clone();
    pause_after_the_next_get(&emu);
    assert_eq!(client.get_run(&id).unwrap_err().status(), Some(429));
    held(other.get_run(&id));
    assert_eq!(
        emu.counters().get_run,
        1,
        "the held call never reached the emulator"
    );
    other.get_run(&id).unwrap();
    assert_eq!(emu.counters().get_run, 2);
}

#[test]
fn a_429_holds_every_clone_of_the_async_client_and_its_layered_clients() {
    use runs_async::Client;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let emu = emulator(None);
        let client: Client = client(&emu, None);
        let id: RunId = client.start_run(&start()).await.unwrap().id;
        let layered = client.with_layer(tower::layer::util::Identity::new());
        pause_after_the_next_get(&emu);
        assert_eq!(client.get_run(&id).await.unwrap_err().status(), Some(429));
        held(layered.get_run(&id).await);
        assert_eq!(
            emu.counters().get_run,
            1,
            "the held call never reached the emulator"
        );
        layered.get_run(&id).await.unwrap();
        assert_eq!(emu.counters().get_run, 2);
    });
}
