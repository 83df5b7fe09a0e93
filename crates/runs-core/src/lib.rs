//! The sans-IO core of the Runs API SDK.
//!
//! This crate knows everything about the Runs API except how to move bytes: the models and
//! their validation, the typed-state request builders, the wire format (requests out, typed
//! results and errors in), and the state machines for retries, pagination and waiting on a run.
//! Beyond runs it plans file uploads ([`CreateFile`], then an upload to object storage, which
//! never gets the API key), lists and gets processes ([`ListProcesses`]) and checks health.
//! It opens no socket, reads no clock and never sleeps. Transports (`runs-blocking` on ureq,
//! `runs-async` on hyper, or your own on a microcontroller's HTTP stack) are loops that send
//! what a [`Machine`](transport::Machine) asks for, sleep when it says so, and report what
//! came back.
//!
//! Keeping the logic here means it is written once for every transport, and that it is tested
//! by scripting responses, with no server, no timing and no flakiness.
//!
//! # Where things are
//!
//! - At the root: what a program using a client names. [`Config`] and its builder, the
//!   requests ([`StartRun`], [`ListRuns`], [`ListProcesses`], [`CreateFile`]), the models
//!   ([`Run`], [`RunStatus`], [`Process`], the ids), the policies ([`RetryPolicy`],
//!   [`WaitPolicy`], [`WaitOptions`]) and the errors ([`Error`] and what it holds).
//! - In [`transport`]: the machinery for driving runs-core yourself, the state machines, the
//!   request and response types and the loop ([`transport::drive!`]). Only a transport needs it.
//!
//! Each item has one path. Value types ([`ListRuns`], [`ListProcesses`], [`CreateFile`], the
//! policies) have a getter named after each field and `with_*` methods that return a changed
//! copy; builders ([`ConfigBuilder`], [`StartRunBuilder`], [`WaitOptions`]) have plain setters.
//!
//! ```
//! use std::time::Duration;
//! use runs_core::transport::{drive, Call, PostRun, Response};
//! use runs_core::{Config, ProcessStage, StartRun, TransportError};
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
//! let mut call = Call::new(&config, PostRun(start), 42);
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

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
pub mod batch;
mod config;
mod error;
mod surface;
mod trace;
pub mod transport;
mod validation;
mod wire;

// The folders are the concepts of docs/architecture.md. Each module keeps a path at the root
// (`crate::run`, `crate::call`) through the `use` lines below, so moving a file between
// folders changes a line here rather than every import.

/// The values the API sends and takes: ids, statuses, timestamps, runs, pages, JSON values.
mod model {
    pub(crate) mod id;
    pub(crate) mod json_value;
    pub(crate) mod output;
    pub(crate) mod page;
    pub(crate) mod run;
    pub(crate) mod status;
    pub(crate) mod timestamp;
}

/// The requests a program builds (a run to start, a listing), each also read back as the
/// service reads it (`from_json`, `from_query`).
mod request {
    pub(crate) mod list;
    pub(crate) mod query;
    pub(crate) mod start;
    pub(crate) mod struct_inputs;
    pub(crate) mod typestate;
}

/// Beyond runs: files and their upload targets, processes, health, local files and the object
/// storage an upload goes to.
mod resource {
    pub(crate) mod file;
    pub(crate) mod health;
    pub(crate) mod local_file;
    pub(crate) mod process;
    pub(crate) mod storage_error;
}

/// The state machines a transport drives: one call and its retries, listings, waits, the rate
/// limit, uploads.
mod machine {
    pub(crate) mod attempt;
    pub(crate) mod call;
    pub(crate) mod jitter;
    pub(crate) mod paginate;
    pub(crate) mod retry;
    pub(crate) mod throttle;
    pub(crate) mod upload;
    pub(crate) mod wait;
}

use config::{connection, proxy, roots, secret};
use machine::{attempt, call, jitter, paginate, retry, throttle, upload, wait};
use model::{id, json_value, output, page, run, status, timestamp};
use request::{list, query, start, struct_inputs, typestate};
use resource::{file, health, local_file, process, storage_error};
#[cfg(feature = "http")]
use wire::origin;
use wire::{api_error, body, http, json};

pub use api_error::{ApiError, ErrorBody};
pub use config::{BaseUrl, Config, ConfigBuilder, EndpointIsSet, KeyIsSet, Region};
pub use error::{BoxError, ConfigError, DecodeError, Delivery, Error, TransportError, TransportErrorKind};
pub use file::{CreateFile, FILE_NAME_MAX_LEN, FileId, FileResource, MAX_UPLOAD_FIELDS, OrderedFields};
pub use health::Health;
pub use id::{AgentId, ID_MAX_LEN, ProcessId, RUN_NAME_MAX_LEN, RunId, RunName};
pub use json_value::JsonValue;
pub use list::{DEFAULT_LIMIT, ListRuns, MAX_LIMIT};
pub use local_file::{LocalFileError, LocalFileProblem};
pub use output::OutputError;
pub use page::{Page, ProcessPage, RunPage};
pub use process::{ListProcesses, Process};
pub use proxy::Proxy;
pub use retry::RetryPolicy;
pub use run::{NameValue, Run};
pub use secret::ApiKey;
pub use start::{AgentIdIsSet, NameIsSet, ProcessIdIsSet, StageIsSet, StartRun, StartRunBuilder};
pub use status::{ProcessStage, RunStatus, Stage};
pub use storage_error::StorageError;
pub use timestamp::Timestamp;
pub use typestate::{Missing, Set};
pub use validation::{FieldError, Rule, ValidationError};
pub use wait::{WaitOptions, WaitPolicy};

/// The API's defaults and limits, re-exported for servers and tools.
pub mod config_defaults {
    pub use crate::config::{
        DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_USER_AGENT, LONGEST_TIMEOUT,
    };
}
