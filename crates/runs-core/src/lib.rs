//! The sans-IO core of the Runs API SDK.
//!
//! This crate knows everything about the Runs API except how to move bytes: the models and
//! their validation, the typed-state request builders, the wire format (requests out, typed
//! results and errors in), and the state machines for retries, pagination and waiting on a run.
//! Beyond runs it plans file uploads ([`CreateFile`], then [`Upload`] to object storage, which
//! never gets the API key), lists and gets processes ([`ListProcesses`], [`GetProcess`]) and
//! checks health ([`GetHealth`]).
//! It opens no socket, reads no clock and never sleeps. Transports (`runs-blocking` on ureq,
//! `runs-async` on hyper, or your own on a microcontroller's HTTP stack) are loops that send
//! what a [`Machine`] asks for, sleep when it says so, and report what came back.
//!
//! Keeping the logic here means it is written once for every transport, and that it is tested
//! by scripting responses, with no server, no timing and no flakiness.
//!
//! ```
//! use std::time::Duration;
//! use runs_core::{drive, Action, Call, Config, ProcessStage, Response, StartRun, TransportError};
//!
//! let config = Config::builder().api_key("sk-test").base_url("http://127.0.0.1:8080/v2").build()?;
//! let start = StartRun::builder()
//!     .agent_id("agent-1")
//!     .process_id("invoice-ocr")
//!     .name("March invoices")
//!     .stage(ProcessStage::Published)
//!     .input("month", "2026-03")
//!     .build()?;
//!
//! // A transport's whole job: send what the machine asks, report what came back.
//! let mut call = Call::new(&config, start, 42);
//! let run = drive!(
//!     call,
//!     now = Duration::ZERO,
//!     send(request, _timeout) => {
//!         assert_eq!(request.describe(), "POST http://127.0.0.1:8080/v2/runs");
//!         Ok::<_, TransportError>(Response {
//!             status: 201,
//!             headers: &[("content-type", "application/json")],
//!             body: br#"{"id":"r1","name":"March invoices","agent_id":"agent-1",
//!                 "process_id":"invoice-ocr","stage":"Published","status":"Created",
//!                 "created_at":"2026-03-01T09:00:00"}"#,
//!         })
//!     },
//!     sleep(_delay) => unreachable!("nothing to retry"),
//! )?;
//! assert_eq!(run.status.as_str(), "Created");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//! - `std` (default): `std::error::Error`-based conveniences, reading the environment.
//!   Without it the crate is `no_std` with `alloc`.
//! - `http`: conversions to and from the `http` crate's request and response types.
//! - `tracing`: the machines report each attempt, retry, wait poll and page as `tracing`
//!   events (target `runs`); works without `std` too.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

extern crate alloc;

/// The JSON crate of the values in runs (inputs, outputs, error details), so a program uses
/// the same version as the SDK.
pub use serde_json;

mod api_error;
pub mod body;
pub mod call;
mod config;
mod connection;
mod error;
mod file;
mod health;
mod http;
mod id;
mod jitter;
mod list;
mod local_file;
mod output;
mod page;
pub mod paginate;
mod process;
mod proxy;
pub mod retry;
mod roots;
mod run;
mod secret;
mod start;
mod status;
mod storage;
mod surface;
mod timestamp;
mod trace;
mod typestate;
pub mod upload;
mod validation;
pub mod wait;
pub mod wire;

pub use api_error::{ApiError, ErrorBody};
pub use call::{Action, Call, Machine};
pub use config::{BaseUrl, Config, ConfigBuilder, EndpointIsSet, FromConfig, KeyIsSet, Region};
pub use connection::ConnectionPlan;
pub use error::{BoxError, ConfigError, DecodeError, Delivery, Error, TransportError, TransportErrorKind};
pub use file::{CreateFile, FILE_NAME_MAX_LEN, FileId, FileResource, OrderedFields, check_file_name};
pub use health::{GetHealth, Health};
pub use http::{API_KEY_HEADER, AsResponse, HeaderSource, Method, Request, Response};
pub use id::{AgentId, ID_MAX_LEN, ProcessId, RUN_NAME_MAX_LEN, RunId, RunName, check_id};
#[cfg(feature = "std")]
pub use jitter::random_seed;
pub use list::{DEFAULT_LIMIT, ListRuns, MAX_LIMIT, check_limit};
pub use local_file::{LocalFileError, LocalFileProblem};
pub use output::OutputError;
pub use page::{Page, ProcessPage, RunPage};
pub use paginate::{Listing, PageQuery, Paginator};
pub use process::{GetProcess, ListProcesses, ListProcessesPage, Process};
pub use proxy::{PROXY_ENV_VARS, Proxy, ProxyEndpoint, ProxyRules};
pub use retry::RetryPolicy;
pub use run::{NameValue, Run};
pub use secret::{ApiKey, Secrets};
pub use start::{AgentIdIsSet, NameIsSet, ProcessIdIsSet, StageIsSet, StartRun, StartRunBuilder};
pub use status::{ProcessStage, RunStatus, Stage};
pub use storage::StorageError;
pub use timestamp::Timestamp;
#[cfg(feature = "tracing")]
#[doc(hidden)]
pub use trace::__page_span;
#[doc(hidden)]
pub use trace::NoSpan;
pub use typestate::{Missing, Set};
pub use upload::{Upload, UploadRequest};
pub use validation::{FieldError, Rule, ValidationError};
pub use wait::{Observed, Wait, WaitOptions, WaitPolicy};
#[doc(hidden)]
pub use wire::__get_run_call;
pub use wire::{GetRun, ListPage, Operation};

/// The API's defaults and limits, re-exported for servers and tools.
pub mod config_defaults {
    pub use crate::config::{
        DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_USER_AGENT, LONGEST_TIMEOUT,
    };
}
