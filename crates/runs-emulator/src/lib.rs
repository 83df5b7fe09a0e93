//! A local Runs API server, for tests, examples, benchmarks, and for trying programs offline.
//!
//! The emulator speaks the Runs API (`GET /v2/runs`, `POST /v2/runs`, `GET /v2/runs/{run_id}`,
//! `POST /v2/files`, `GET /v2/processes`, `GET /v2/processes/{process_id}`, `GET /v2/health`)
//! over real sockets on loopback, and serves the upload targets it hands out itself on a
//! second listener ([`Emulator::upload_url`]), another origin, as object storage would, with the validation, error bodies and pagination of the
//! spec, built on `runs-core`'s own models and rules, so the SDK and the emulator agree on
//! the spec by construction. On top of the API it gives tests what a real service cannot:
//! seeded agents and processes that end in a chosen status ([`DEMO_AGENT`]'s [`HELLO_WORLD`]
//! succeeds, [`ALWAYS_FAILS`] fails, and so on), a run lifecycle on
//! a schedule you pick ([`Schedule`]), scripted faults ([`Fault`]), counters ([`Counters`],
//! [`Emulator::runs_per_name`]), and, when asked for, the organisation's limits: a cap on
//! concurrent runs and a shared rate limit ([`EmulatorBuilder::max_active_runs`],
//! [`EmulatorBuilder::rate_limit`]).
//!
//! Starting one in your own test suite:
//!
//! ```
//! use runs_emulator::{Emulator, Schedule};
//!
//! let emu = Emulator::builder().api_key("test-key").schedule(Schedule::Instant).start()?;
//! let base_url = emu.base_url(); // "http://127.0.0.1:PORT/v2": give it to your client
//! // ... run the code under test against base_url with `x-api-key: test-key` ...
//! assert_eq!(emu.counters().runs_created, 0);
//! # let mut conn = std::net::TcpStream::connect(emu.addr())?;
//! # use std::io::{Read, Write};
//! # conn.write_all(b"GET /v2/runs?agent_id=demo-agent&process_id=hello-world HTTP/1.1\r\n\
//! #     host: x\r\nx-api-key: test-key\r\nconnection: close\r\n\r\n")?;
//! # let mut answer = String::new();
//! # conn.read_to_string(&mut answer)?;
//! # assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
//! # assert!(base_url.starts_with("http://127.0.0.1:"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The emulator runs on its own thread with its own tokio runtime, so it starts and stops
//! the same way from a plain `#[test]` and from a `#[tokio::test]`; dropping it shuts it down.
//!
//! | where | what it holds |
//! |---|---|
//! | [`DEMO_AGENT`] | the seeded agent; its processes [`HELLO_WORLD`] (runs succeed, with outputs), [`ALWAYS_FAILS`], [`GETS_CANCELLED`], [`TIMES_OUT`] (runs end so); both stages; anything else is a 404 |
//! | [`outputs`] | the outputs of a succeeded run |
//! | [`Fault`], [`Route`] | fault injection |
//! | [`Schedule`] | how runs advance |
//! | [`ServeArgs`] | the command line, serving until Ctrl-C |
//!
//! `docs/emulator.md` in the repository describes the behaviour in full.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod api;
mod body;
mod catalog;
mod command_line;
mod counters;
mod emulator;
mod error;
mod fault;
mod files;
mod limits;
mod multipart;
mod object_storage;
pub mod outputs;
mod reply;
mod routing;
mod runs;
mod schedule;
mod server;
mod tls;
mod token;

pub use catalog::{ALWAYS_FAILS, DEMO_AGENT, GETS_CANCELLED, HELLO_WORLD, TIMES_OUT};
pub use command_line::ServeArgs;
pub use counters::Counters;
pub use emulator::{
    DEFAULT_API_KEY, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_UPLOAD_EXPIRY, Emulator, EmulatorBuilder,
};
pub use error::Error;
pub use fault::{Fault, FaultKind, RetryAfter, Route};
pub use files::UploadedFile;
pub use routing::BASE_PATH;
pub use schedule::Schedule;
