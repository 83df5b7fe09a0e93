//! Driving runs-core yourself: the machinery a transport is made of.
//!
//! Most programs never open this module: `runs-blocking` and `runs-async` are built from it,
//! and their clients are what a program uses. It is public for those who bring their own I/O
//! (a microcontroller's HTTP stack, a test harness, another runtime), and it is part of the
//! crate's promise like the rest: a transport written against it keeps compiling.
//!
//! A transport is a loop around a [`Machine`]:
//!
//! 1. [`Machine::poll`] says what to do: [`Action::Send`] a [`Request`] within a timeout,
//!    [`Action::Sleep`] before the next attempt, or [`Action::Done`] with the result.
//! 2. The transport does it and reports back: [`Machine::handle_response`] with what came
//!    back (as a [`Response`], or anything that is [`AsResponse`]), or
//!    [`Machine::handle_failure`] with a [`TransportError`](crate::TransportError) saying
//!    whether the request may have left ([`Delivery`](crate::Delivery)).
//!
//! [`drive!`] is that loop, written once for blocking and async code alike. The machines are
//! [`Call`] (one operation: an [`Operation`] such as [`GetRun`] or a
//! [`StartRun`](crate::StartRun), with retries, redirects and the deadline), [`Listing`] (a
//! whole listing, a [`Call`] per page, on the pure [`Paginator`]), [`Wait`] (polling a run
//! until it finishes) and [`Upload`] (a file to object storage, streamed by the transport as
//! an [`UploadRequest`]).
//!
//! What the transport must decide is only how to move bytes. Everything else is decided here,
//! once for every transport: which proxy an origin goes through and which roots to trust
//! ([`ConnectionPlan`]), how large a body may be ([`body_too_large`], [`declared_over`]), the
//! headers every request carries, and which secrets to scrub from server text ([`Secrets`]).
//! `docs/transports.md` in the repository walks through a transport on `TcpStream` alone;
//! `examples/tcp_transport` is that transport, tested against the emulator.
//!
//! ```
//! use std::time::Duration;
//! use runs_core::transport::{drive, Call, GetRun, Response};
//! use runs_core::{Config, TransportError};
//!
//! let config = Config::builder().api_key("k").base_url("http://127.0.0.1:1/v2").build()?;
//! let mut call = Call::new(&config, GetRun("run-1".parse()?), 0);
//! let run = drive!(
//!     call,
//!     now = Duration::ZERO,
//!     send(request, _timeout) => {
//!         assert_eq!(request.describe(), "GET http://127.0.0.1:1/v2/runs/run-1");
//!         Ok::<_, TransportError>(Response {
//!             status: 200,
//!             headers: &[("content-type", "application/json")],
//!             body: br#"{"id":"run-1","name":"n","agent_id":"a","process_id":"p",
//!                 "stage":"Draft","status":"Running","created_at":"2021-01-01T12:00:00"}"#,
//!         })
//!     },
//!     sleep(_delay) => (),
//! )?;
//! assert_eq!(run.id.as_str(), "run-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[doc(inline)]
pub use crate::__drive as drive;
pub use crate::body::{OverLimit, body_too_large, declared_length, declared_over};
pub use crate::call::{Action, Call, Machine};
pub use crate::config::FromConfig;
pub use crate::connection::ConnectionPlan;
pub use crate::health::GetHealth;
pub use crate::http::{API_KEY_HEADER, AsResponse, HeaderSource, Method, Request, Response};
#[cfg(feature = "std")]
pub use crate::jitter::random_seed;
#[cfg(feature = "std")]
pub use crate::local_file::check_regular_file;
#[cfg(feature = "http")]
pub use crate::origin::Origin;
pub use crate::paginate::{Listing, MAX_EMPTY_PAGES, PageQuery, Paginator, Ready, Step};
pub use crate::process::{GetProcess, ListProcessesPage};
pub use crate::proxy::{PROXY_ENV_VARS, ProxyEndpoint, ProxyRules};
pub use crate::secret::Secrets;
#[cfg(feature = "std")]
pub use crate::throttle::{Hold, SharedThrottle};
pub use crate::throttle::{Throttle, Turn};
pub use crate::upload::{FILE_FIELD, MAX_UPLOAD_TARGET_BYTES, MIN_UPLOAD_RATE, Upload, UploadRequest};
pub use crate::wait::{Observed, Wait};
pub use crate::wire::{GetRun, ListPage, Operation, PostFile, PostRun};
