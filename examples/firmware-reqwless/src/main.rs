//! The reqwless transport (`lib.rs`) on the host: the network stack is
//! `std-embedded-nal-async` (the OS's sockets and resolver behind the `embedded-nal-async`
//! traits that embassy-net implements on a device), the timer and executor are async-io's.
//!
//! ```text
//! cargo run -p firmware-reqwless       # the tour, against an emulator started in-process
//! cargo test -p firmware-reqwless      # its tests, also run by cargo test --workspace
//! ```
//!
//! It starts runs, gets one, lists them all over several pages (the `Listing` machine) and
//! waits for one to finish (the `Wait` machine), as `crates/runs-core/examples/tcp_transport`
//! does over a bare socket. On a device, only [`Host`] changes: `embassy_time` gives the
//! clock, the timer and `with_timeout`, the RNG the seed, and embassy-net's `TcpClient` and
//! `DnsSocket` the stack (see `docs/transports.md`).
#![forbid(unsafe_code)]

use std::future::Future;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use async_io::Timer;
use firmware_reqwless::{Platform, Transport};
use runs_core::transport::{Listing, Wait};
use runs_core::{Config, Error, ListRuns, ProcessStage, Run, StartRun, WaitPolicy};
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD, Schedule};
use std_embedded_nal_async::Stack;

/// What a device's RAM allows for one response body (reqwless reads it into one buffer).
const MAX_BODY: usize = 64 * 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Each get advances a run one step, so the wait below ends after a few polls.
    let emulator = Emulator::builder().schedule(Schedule::PerPoll).start()?;
    let config = Config::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .max_body_bytes(MAX_BODY)
        .wait_policy(WaitPolicy::default().with_initial_interval(Duration::from_millis(100)))
        .build()?;
    let stack = Stack::default();
    let mut transport = Transport::new(&stack, &stack, Host::new(), config);
    let tour = async_io::block_on(tour(&mut transport))?;
    println!(
        "started {} runs, the first {}",
        tour.started.len(),
        tour.started[0].id
    );
    println!("got {} ({})", tour.fetched.id, tour.fetched.status);
    println!("listed {} runs, 2 a page", tour.listed.len());
    println!("waited: {} is {}", tour.finished.id, tour.finished.status);
    Ok(())
}

/// The host's stand-ins for `embassy_time` and a hardware RNG.
struct Host {
    // Machines only compare and subtract `now`, but it must never go backwards: one epoch
    // for the transport's lifetime.
    epoch: Instant,
}

impl Host {
    fn new() -> Self {
        Self {
            epoch: Instant::now(),
        }
    }
}

impl Platform for Host {
    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    async fn sleep(&self, delay: Duration) {
        Timer::after(delay).await;
    }

    async fn timeout<F: Future>(&self, limit: Duration, work: F) -> Option<F::Output> {
        // Whichever finishes first; `work` is dropped (its socket closed) if the timer wins.
        // A limit too long for `Instant` makes a timer that never fires.
        futures_lite::future::or(async { Some(work.await) }, async {
            Timer::after(limit).await;
            None
        })
        .await
    }

    fn seed(&self) -> u64 {
        // std's per-process random keys, as runs_core::transport::random_seed uses.
        std::collections::hash_map::RandomState::new().hash_one(self.epoch)
    }
}

/// The transport the tour runs on, on the host.
type HostTransport<'a> = Transport<'a, Stack, Stack, Host>;

/// What [`tour`] did, for `main` to print and the tests to check.
struct Tour {
    started: Vec<Run>,
    fetched: Run,
    listed: Vec<Run>,
    finished: Run,
}

/// How many runs the tour starts: enough for three pages of two.
const RUNS: usize = 5;

/// Starts [`RUNS`] runs, gets the first, lists them all two a page, and waits for the first.
async fn tour(transport: &mut HostTransport<'_>) -> Result<Tour, Error> {
    let mut started = Vec::new();
    for n in 1..=RUNS {
        let start = StartRun::builder()
            .agent_id(DEMO_AGENT)
            .process_id(HELLO_WORLD)
            .name(format!("reqwless run {n}"))
            .stage(ProcessStage::Draft)
            .build()?;
        started.push(transport.start_run(start).await?);
    }
    let first = started[0].id.clone();
    let fetched = transport.get_run(&first).await?;

    let query = ListRuns::new(DEMO_AGENT.parse()?, HELLO_WORLD.parse()?).with_limit(2)?;
    let mut listing = Listing::new(transport.config(), query, None, transport.seed());
    let mut listed = Vec::new();
    // Each drive of a listing ends with its next run; a page is fetched when one is needed.
    while let Some(run) = transport.drive(&mut listing).await {
        listed.push(run?);
    }

    let policy = transport.config().wait_policy().clone();
    let mut wait = Wait::new(transport.config(), first, policy, transport.seed());
    let finished = transport.drive(&mut wait).await?;
    Ok(Tour {
        started,
        fetched,
        listed,
        finished,
    })
}

#[cfg(test)]
mod tests;
