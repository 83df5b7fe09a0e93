//! The async client of the Runs API, on hyper 1 and tokio.
//!
//! ```
//! use futures_util::StreamExt;
//! use runs_async::{Client, ListRuns, ProcessStage, StartRun, WaitOptions};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A local emulator stands in for the service here; `Client::from_env()?.build()?` reads
//! // RUNS_API_KEY and RUNS_BASE_URL (or RUNS_REGION) instead.
//! let emulator = runs_emulator::Emulator::builder()
//!     .api_key("sk-test")
//!     .schedule(runs_emulator::Schedule::Instant)
//!     .start()?;
//! let client = Client::builder()
//!     .api_key("sk-test")
//!     .base_url(emulator.base_url())
//!     .build()?;
//!
//! let start = StartRun::builder()
//!     .agent_id("demo-agent")
//!     .process_id("hello-world")
//!     .name("March invoices")
//!     .stage(ProcessStage::Published)
//!     .input("month", "2026-03")
//!     .build()?;
//! let run = client.start_and_wait(&start, WaitOptions::default()).await?;
//! assert!(run.status.is_success());
//!
//! let query = ListRuns::new("demo-agent".parse()?, "hello-world".parse()?);
//! let mut runs = client.runs(&query).max_items(25);
//! while let Some(run) = runs.next().await {
//!     let run = run?;
//!     println!("{} {}", run.name, run.status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # How it works
//! Everything the API means (URLs, headers, status codes, retries, backoff, `Retry-After`,
//! deadlines, redirects, pagination, waiting) is decided by [`runs_core`]'s sans-IO state
//! machines. This crate is the loop that drives them: it sends what a machine asks for over a
//! pooled [hyper-util] client (TLS by rustls), sleeps with `tokio::time` when told to, and hands
//! back what came in. The blocking client in `runs-blocking` is the same loop on ureq, so the two
//! behave alike by construction.
//!
//! # Configuration
//! One [`Config`], built with [`Client::builder`] (runs-core's typed-state [`ConfigBuilder`]):
//! the key and an endpoint are required; timeouts, the overall deadline, the retry and wait
//! policies, the body cap, the proxy and extra root certificates have defaults. Plain `http://`
//! is refused for hosts other than this machine unless allowed explicitly.
//!
//! # Cancellation
//! Every method returns a future (or a [`Runs`] stream) that does all its work when polled and
//! spawns nothing: dropping it stops the operation, retries and polling included.
//!
//! [hyper-util]: hyper_util
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod client;
mod connect;
mod exchange;
mod listing;
mod tls;
mod upload;

pub use client::Client;
pub use exchange::{HttpService, MAX_IN_FLIGHT, POOL_IDLE_TIMEOUT};
pub use listing::{Pages, Processes, Runs};
runs_core::client_reexports!();
pub use upload::FileSource;
