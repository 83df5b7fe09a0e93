//! What holds the two bundled transports to one behaviour.
//!
//! The tests of this crate build runs-blocking and runs-async together (which is also the
//! proof that their `maybe-async` modes do not collide) and run one list of cases against
//! both, comparing outcomes case for case: the connection plan (proxies from the
//! environment, `NO_PROXY`, loopback, credentials) through a real `CONNECT` proxy on
//! loopback, and the client surface itself. With the `real-peers` feature, `tests/squid.rs`
//! also runs both through a real squid with basic authentication (squid must be installed).
//!
//! The library part is the test support those cases share: [`ConnectProxy`], and
//! [`RecordingServer`] for what a user's middleware sends.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod connect_proxy;
mod recording_server;

pub use connect_proxy::{ConnectProxy, Tunnel};
pub use recording_server::{RUN_JSON, RecordingServer, Reply};
