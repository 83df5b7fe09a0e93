//! What runs-core's tracing costs on the request path, side by side in one run.
//!
//! Each workload is measured under three listeners, in this order:
//! - `no_subscriber`: nothing installed, as in a program that never sets up logging;
//! - `warn_subscriber`: a `fmt` subscriber at WARN (an application that logs only problems), so
//!   everything runs-core says about a successful request is filtered out;
//! - `info_to_sink`: a `fmt` subscriber at INFO writing every span and event to `io::sink`, so
//!   the events are built and formatted but the cost of a terminal or a file is not counted.
//!
//! The workloads are what a transport does per operation: a `Call` for get_run driven over a
//! scripted 200 inside the operation's span, a `Listing` over one scripted page of 100 runs,
//! and runs-blocking's `get_run` against the emulator on loopback.
//!
//! Criterion measures each (workload, listener) pair in turn, which on a noisy machine lets
//! drift between pairs pass for a cost. So after criterion, the same workloads run again
//! **interleaved**: [`ROUNDS`] rounds, each timing a batch under every listener in an order that
//! rotates per round, and the ratio reported is the median of per-round ratios against
//! `no_subscriber` of the same round, the method of `compare` (docs/performance.md). A filter
//! that matches no criterion benchmark (`-- interleaved-only`) runs only that part.
//!
//! `tracing` cannot be compiled out of one binary and left in another in the same run, so the
//! build without it is a second run of this same bench with this package's `tracing` feature
//! off (which turns off runs-core's and the transports'); see docs/performance.md,
//! "Tracing cost":
//!
//! ```text
//! cargo bench -p runs-benches --bench tracing --no-default-features -- --save-baseline off
//! cargo bench -p runs-benches --bench tracing -- --baseline off
//! ```

use std::hint::black_box;
use std::io;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use runs_benches::{fixture, measure};
use runs_core::transport::{Call, GetRun, Listing, Response, drive};
use runs_core::{Config, ListRuns, RunId, TransportError};
use tracing::level_filters::LevelFilter;

/// Who listens while a workload runs.
#[derive(Clone, Copy)]
enum Listener {
    None,
    Warn,
    InfoToSink,
}

impl Listener {
    const ALL: [Listener; 3] = [Listener::None, Listener::Warn, Listener::InfoToSink];

    fn name(self) -> &'static str {
        match self {
            Listener::None => "no_subscriber",
            Listener::Warn => "warn_subscriber",
            Listener::InfoToSink => "info_to_sink",
        }
    }

    /// Installs the listener on this thread (criterion measures on the calling thread) until
    /// the guard drops.
    fn install(self) -> Option<tracing::subscriber::DefaultGuard> {
        let level = match self {
            Listener::None => {
                // A subscriber of an earlier benchmark leaves callsites marked interesting
                // until the cache is rebuilt; rebuilt with none alive, every callsite is back
                // to "never", as in a program that never installed one.
                tracing::callsite::rebuild_interest_cache();
                return None;
            }
            Listener::Warn => LevelFilter::WARN,
            Listener::InfoToSink => LevelFilter::INFO,
        };
        let subscriber = tracing_subscriber::fmt()
            .with_writer(io::sink)
            .with_max_level(level)
            .finish();
        Some(tracing::subscriber::set_default(subscriber))
    }
}

fn config(base_url: &str) -> Config {
    Config::builder()
        .api_key("sk-bench")
        .base_url(base_url)
        .build()
        .expect("valid config")
}

/// One operation as a transport runs it, repeatable.
struct Workload {
    name: &'static str,
    /// Runs (or pages) per call of `run`, for criterion's throughput.
    elements: u64,
    run: Box<dyn FnMut()>,
}

/// `Call` for get_run inside its span, as a transport drives it, over a scripted 200.
fn call_get_run() -> Workload {
    let config = config("http://127.0.0.1:8080/v2");
    let id: RunId = "b4fznghynbdemslfd5k000001".parse().expect("id");
    let body = fixture::run_json(1);
    let headers: [(&str, &str); 2] = [("content-type", "application/json"), ("x-request-id", "req-1")];
    let run = move || {
        let span = runs_core::__private::span!("get_run", run.id = id.as_str());
        #[cfg(feature = "tracing")]
        let _entered = span.enter();
        #[cfg(not(feature = "tracing"))]
        let _ = span;
        let mut call = Call::new(&config, GetRun(black_box(&id).clone()), 1);
        let run = drive!(
            call,
            now = Duration::ZERO,
            send(_request, _timeout) => Ok::<_, TransportError>(Response {
                status: 200,
                headers: &headers,
                body: body.as_bytes(),
            }),
            sleep(_d) => unreachable!("a 200 is not retried"),
        );
        black_box(run.expect("a run"));
    };
    Workload {
        name: "call_get_run",
        elements: 1,
        run: Box::new(run),
    }
}

/// A whole `Listing` over one page of 100 runs (the last page), every run handed out.
fn listing_page() -> Workload {
    let config = config("http://127.0.0.1:8080/v2");
    let query = ListRuns::new(
        "agent-7f3k2m9q".parse().expect("id"),
        "invoice-ocr-v2".parse().expect("id"),
    );
    // The fixture's page with a null token, so the listing ends after it.
    let page = fixture::page_json(100).replace(r#""eyJvZmZzZXQiOjEwMH0=""#, "null");
    let headers: [(&str, &str); 1] = [("content-type", "application/json")];
    let run = move || {
        let span = runs_core::__private::span!("list_runs", agent.id = query.agent_id().as_str());
        #[cfg(feature = "tracing")]
        let _entered = span.enter();
        #[cfg(not(feature = "tracing"))]
        let _ = span;
        let mut listing = Listing::new(&config, query.clone(), None, 1);
        let mut n = 0;
        while let Some(run) = drive!(
            listing,
            now = Duration::ZERO,
            send(_request, _timeout) => Ok::<_, TransportError>(Response {
                status: 200,
                headers: &headers,
                body: page.as_bytes(),
            }),
            sleep(_d) => unreachable!("a 200 is not retried"),
        ) {
            black_box(run.expect("a run"));
            n += 1;
        }
        assert_eq!(n, 100);
    };
    Workload {
        name: "listing_page_of_100",
        elements: 100,
        run: Box::new(run),
    }
}

/// runs-blocking's get_run against the emulator on loopback: the whole request path, with
/// the span the client opens and a real (kept-alive) connection.
fn blocking_get_run() -> Workload {
    let emulator = runs_emulator::Emulator::builder()
        .schedule(runs_emulator::Schedule::Instant)
        .start()
        .expect("emulator");
    let client = runs_blocking::Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .build()
        .expect("client");
    let start = runs_core::StartRun::builder()
        .agent_id(runs_emulator::DEMO_AGENT)
        .process_id(runs_emulator::HELLO_WORLD)
        .name("traced")
        .stage(runs_core::ProcessStage::Draft)
        .build()
        .expect("valid start");
    let id = client.start_run(&start).expect("a run").id;
    let run = move || {
        // Moved in, so the server lives as long as the workload.
        let _ = &emulator;
        black_box(client.get_run(black_box(&id)).expect("a run"));
    };
    Workload {
        name: "blocking_get_run_emulator",
        elements: 1,
        run: Box::new(run),
    }
}

/// Each workload under each listener, one after the other (criterion's way).
fn criterion_pass(c: &mut Criterion, workloads: &mut [Workload]) {
    for w in workloads {
        let mut g = c.benchmark_group(format!("tracing/{}", w.name));
        g.throughput(Throughput::Elements(w.elements));
        for listener in Listener::ALL {
            g.bench_function(listener.name(), |b| {
                let _guard = listener.install();
                b.iter(|| (w.run)())
            });
        }
        g.finish();
    }
}

/// Rounds of the interleaved pass.
const ROUNDS: usize = 15;
/// How long one batch (one listener, one round) should take.
const BATCH: Duration = Duration::from_millis(20);

/// The workloads again, listeners interleaved round by round; prints per workload the median
/// time per call under each listener and the median of per-round ratios to `no_subscriber`.
fn interleaved_pass(workloads: &mut [Workload]) {
    println!("\ninterleaved: {ROUNDS} rounds, listener order rotating, ratio = median of per-round ratios");
    println!(
        "| workload | {} | {} (ratio) | {} (ratio) |",
        Listener::ALL[0].name(),
        Listener::ALL[1].name(),
        Listener::ALL[2].name()
    );
    println!("|---|---|---|---|");
    for w in workloads {
        // Warm up, and size a batch to take about BATCH.
        let started = Instant::now();
        let mut calls = 0u32;
        while started.elapsed() < BATCH * 5 {
            (w.run)();
            calls += 1;
        }
        let per_batch = (calls / 5).max(1);
        let mut per_call: [Vec<Duration>; 3] = Default::default();
        let mut ratios: [Vec<f64>; 2] = Default::default();
        for round in 0..ROUNDS {
            let mut times = [Duration::ZERO; 3];
            for k in 0..Listener::ALL.len() {
                let i = (round + k) % Listener::ALL.len();
                let _guard = Listener::ALL[i].install();
                let t = Instant::now();
                for _ in 0..per_batch {
                    (w.run)();
                }
                times[i] = t.elapsed() / per_batch;
            }
            for i in 0..3 {
                per_call[i].push(times[i]);
            }
            for i in 1..3 {
                ratios[i - 1].push(times[i].as_secs_f64() / times[0].as_secs_f64());
            }
        }
        let [none, warn, info] = per_call.map(|mut v| measure::median(&mut v));
        let [warn_ratio, info_ratio] = ratios.map(|mut v| measure::median_f64(&mut v));
        println!(
            "| {} | {none:.2?} | {warn:.2?} ({warn_ratio:.3}) | {info:.2?} ({info_ratio:.3}) |",
            w.name
        );
    }
}

/// With `RUNS_TRACING_COUNT=WORKLOAD:LISTENER:N`, runs only that workload `N` times under
/// that listener and exits: for counting instructions under valgrind, which no other process
/// on the machine can disturb (docs/performance.md, "Tracing cost").
fn count_mode() -> bool {
    let Ok(spec) = std::env::var("RUNS_TRACING_COUNT") else {
        return false;
    };
    let mut parts = spec.split(':');
    let (Some(workload), Some(listener), Some(n)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("RUNS_TRACING_COUNT is WORKLOAD:LISTENER:N, got {spec:?}");
    };
    let mut w = match workload {
        "call_get_run" => call_get_run(),
        "listing_page_of_100" => listing_page(),
        other => panic!("no workload {other:?} to count (call_get_run, listing_page_of_100)"),
    };
    let listener = Listener::ALL
        .into_iter()
        .find(|l| l.name() == listener)
        .unwrap_or_else(|| panic!("no listener {listener:?}"));
    let n: u32 = n.parse().expect("N is a number");
    let _guard = listener.install();
    for _ in 0..n {
        (w.run)();
    }
    true
}

fn main() {
    if count_mode() {
        return;
    }
    let mut workloads = [call_get_run(), listing_page(), blocking_get_run()];
    let mut criterion = Criterion::default().configure_from_args();
    criterion_pass(&mut criterion, &mut workloads);
    criterion.final_summary();
    interleaved_pass(&mut workloads);
}
