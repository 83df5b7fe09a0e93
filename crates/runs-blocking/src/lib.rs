//! A blocking client for the Runs API, on [`ureq`].
//!
//! For programs that have no async runtime, or do not want one: command-line tools, scripts,
//! embedded services. Every call blocks the calling thread until it has an answer, retrying and
//! sleeping as runs-core's state machines decide. Nothing here starts a runtime or a thread, so
//! the client works the same in a plain `main` and inside a tokio task (where, being blocking,
//! it belongs in `spawn_blocking` if the task shares its thread with others; the `tokio-check`
//! feature warns when it is not).
//!
//! ```
//! use runs_blocking::{Client, ListRuns, ProcessStage, StartRun, WaitOptions};
//! # use runs_emulator::{Emulator, Schedule};
//! # let emulator = Emulator::builder().api_key("sk-test").schedule(Schedule::Instant).start()?;
//! # let base_url = emulator.base_url();
//!
//! // Or `Client::from_env()?.build()?`, from RUNS_API_KEY and RUNS_REGION or RUNS_BASE_URL.
//! let client = Client::builder().api_key("sk-test").base_url(base_url).build()?;
//!
//! let start = StartRun::builder()
//!     .agent_id("demo-agent")
//!     .process_id("hello-world")
//!     .name("March invoices")
//!     .stage(ProcessStage::Published)
//!     .input("month", "2026-03")
//!     .build()?;
//! let run = client.start_and_wait(&start, WaitOptions::default())?;
//! assert!(run.status.is_success());
//!
//! // Every run of the process, fetched a page at a time as the loop goes.
//! let query = ListRuns::new("demo-agent".parse()?, "hello-world".parse()?);
//! for run in client.runs(&query).max_items(50) {
//!     let run = run?;
//!     println!("{} {}", run.id, run.status);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
//! use runs_blocking::{Client, Error, ProcessStage, Run, RunId, RunStatus, StartRun, WaitOptions};
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
//! fn read_pages(client: &Client, name: &str) -> Result<(Run, u32), AppError> {
//!     let start = StartRun::builder()
//!         .agent_id("demo-agent")
//!         .process_id("hello-world")
//!         .name(name)
//!         .stage(ProcessStage::Published)
//!         .input("pages", 12)
//!         .build()?; // Error::Invalid, naming each bad field
//!     let run = client.start_and_wait(&start, WaitOptions::default())?;
//!     if !run.status.is_success() {
//!         return Err(AppError::Failed(run.id));
//!     }
//!     let pages = run.output_as("pages")?; // Error::Output, if missing or not a u32
//!     Ok((run, pages))
//! }
//!
//! fn status_of(client: &Client, id: &str) -> Result<RunStatus, AppError> {
//!     let id: RunId = id.parse().map_err(Error::from)?; // a FieldError naming run_id
//!     Ok(client.get_run(&id)?.status)
//! }
//!
//! let (run, pages) = read_pages(&client, "March invoices").unwrap();
//! assert_eq!(pages, 12);
//! assert_eq!(status_of(&client, run.id.as_str()).unwrap(), RunStatus::Succeeded);
//! let Err(AppError::Runs(Error::Invalid(invalid))) = read_pages(&client, "") else { unreachable!() };
//! assert!(invalid.has_field("name"));
//! assert!(matches!(status_of(&client, "no spaces!"), Err(AppError::Runs(Error::Invalid(_)))));
//!
//! // Behind a boxed error, as anyhow's `downcast_ref` sees it:
//! let boxed: Box<dyn std::error::Error> = run.output_as::<u32>("total").unwrap_err().into();
//! assert!(matches!(boxed.downcast_ref::<Error>(), Some(Error::Output(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How it is built
//! runs-core holds all the logic: requests, decoding, status codes, retries, redirects,
//! pagination, waiting. This crate only moves bytes: [`Client`] turns each operation into a
//! runs-core [`Machine`](runs_core::transport::Machine) and drives it with `runs_core::transport::drive!`, sending
//! requests with one `ureq::Agent` (rustls with Mozilla's roots plus any configured ones,
//! the configured proxy, no redirects of its own, 4xx/5xx bodies kept) and sleeping with
//! `std::thread::sleep`.
//!
//! # Configuration
//! [`Client::builder`] is runs-core's [`ConfigBuilder`] with the client as its target: the API
//! key and an endpoint are required, and every other setting (timeouts, the overall deadline,
//! retry and wait policies, the body cap, proxy, extra root certificates, plain-HTTP opt-in)
//! has a documented default there.
//!
//! # Features
//! - `tracing` (default): each operation is a `tracing` span, with runs-core's events in it.
//! - `tokio-check`: for a program that also runs tokio. A call made on a thread that runs
//!   async tasks (inside a current-thread runtime's `block_on`, or on a worker) starves them
//!   until it returns, a whole wait for `wait_for_run`; with this feature each such call logs a
//!   warning (target `runs`). Calls in `tokio::task::spawn_blocking` are fine and stay quiet.
//!   Off by default, since it adds tokio (its `rt` part) to the build.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod agent;
pub mod batch;
mod client;
mod listing;
mod resolve;
mod send;
mod upload;

pub use client::Client;
pub use listing::{Pages, Processes, Runs};
pub use upload::FileSource;

// The types a caller of the client needs, so that most programs depend on this crate alone.
runs_core::__private::client_reexports!();
