//! What holds the two bundled transports to one behaviour.
//!
//! The tests of this crate build runs-blocking and runs-async together (which is also the
//! proof that their `maybe-async` modes do not collide) and run one list of cases against
//! both, comparing outcomes case for case: the connection plan (proxies from the
//! environment, `NO_PROXY`, loopback, credentials) through a real `CONNECT` proxy on
//! loopback, and the client surface itself. With the `real-peers` feature, `tests/squid.rs`
//! also runs both through a real squid with basic authentication (squid must be installed).
//!
//! The library part is the test support those cases share, and the CLI's hostile suite too:
//! [`ConnectProxy`], and [`ScriptedServer`], the one hand-written HTTP server of the tests
//! (scripted answers, however wrong; every request recorded).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod connect_proxy;
mod scripted_server;

pub use connect_proxy::{ConnectProxy, Tunnel};
pub use scripted_server::{Answer, RUN_JSON, Recorded, Reply, ScriptedServer, json, response};
