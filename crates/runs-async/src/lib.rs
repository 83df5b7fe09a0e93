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
//! # Errors
//! The common path fails with one type, [`Error`]: every operation of the client, a builder's
//! `build()` ([`StartRunBuilder::build`], the client's own) and reading outputs
//! ([`Run::output_as`], [`Run::outputs_as`]). The details are inside it:
//! [`Error::Invalid`] holds a [`ValidationError`] naming each bad field, [`Error::Output`] an
//! [`OutputError`] naming the output. So a program's own error type needs one `From`, and
//! behind a `Box<dyn std::error::Error>` (or anyhow) there is one type to downcast to. An id
//! parsed from text fails with a [`FieldError`] naming the field; `?` takes it into `Error`
//! or a boxed error, and `.map_err(Error::from)?` into a type of your own.
//!
//! ```
//! use runs_async::{Client, Error, ProcessStage, Run, RunId, RunStatus, StartRun, WaitOptions};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = runs_emulator::Emulator::builder()
//! #     .api_key("sk-test")
//! #     .schedule(runs_emulator::Schedule::Instant)
//! #     .start()?;
//! # let client = Client::builder().api_key("sk-test").base_url(emulator.base_url()).build()?;
//!
//! #[derive(Debug)]
//! enum AppError {
//!     Runs(Error),
//!     Failed(RunId),
//! }
//!
//! impl From<Error> for AppError {
//!     fn from(e: Error) -> Self {
//!         AppError::Runs(e)
//!     }
//! }
//!
//! async fn read_pages(client: &Client, name: &str) -> Result<(Run, u32), AppError> {
//!     let start = StartRun::builder()
//!         .agent_id("demo-agent")
//!         .process_id("hello-world")
//!         .name(name)
//!         .stage(ProcessStage::Published)
//!         .input("pages", 12)
//!         .build()?; // Error::Invalid, naming each bad field
//!     let run = client.start_and_wait(&start, WaitOptions::default()).await?;
//!     if !run.status.is_success() {
//!         return Err(AppError::Failed(run.id));
//!     }
//!     let pages = run.output_as("pages")?; // Error::Output, if missing or not a u32
//!     Ok((run, pages))
//! }
//!
//! async fn status_of(client: &Client, id: &str) -> Result<RunStatus, AppError> {
//!     let id: RunId = id.parse().map_err(Error::from)?; // a FieldError naming run_id
//!     Ok(client.get_run(&id).await?.status)
//! }
//!
//! let (run, pages) = read_pages(&client, "March invoices").await.unwrap();
//! assert_eq!(pages, 12);
//! assert_eq!(status_of(&client, run.id.as_str()).await.unwrap(), RunStatus::Succeeded);
//! let Err(AppError::Runs(Error::Invalid(invalid))) = read_pages(&client, "").await else { unreachable!() };
//! assert!(invalid.has_field("name"));
//! assert!(matches!(status_of(&client, "no spaces!").await, Err(AppError::Runs(Error::Invalid(_)))));
//!
//! // Behind a boxed error, as anyhow's `downcast_ref` sees it:
//! let boxed: Box<dyn std::error::Error> = run.output_as::<u32>("total").unwrap_err().into();
//! assert!(matches!(boxed.downcast_ref::<Error>(), Some(Error::Output(_))));
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

pub mod batch;
mod client;
mod connect;
mod exchange;
mod listing;
mod tls;
mod upload;

pub use client::Client;
pub use exchange::{HttpService, MAX_IN_FLIGHT, POOL_IDLE_TIMEOUT};
pub use listing::{Pages, Processes, Runs};
runs_core::__private::client_reexports!();
pub use upload::FileSource;
