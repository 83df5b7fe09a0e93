//! Hostile servers and hostile settings (issue 14): each gap found by probing, closed for
//! good.
//!
//! Every test serves its own misbehaving HTTP server on loopback ([`server::Hostile`]), and
//! checks the library on both transports (runs-blocking and runs-async, through
//! [`clients::Clients`]) where the gap was in the library, and the `runs` binary where it was
//! in the command line. Nothing sleeps to synchronise and nothing asserts on timing: counts of
//! requests bound what a client did, and a sleep can only make such a count smaller.

mod clients;
mod server;

mod echoed_key;
mod edges;
mod polling;
mod retry_after;
mod settings;
mod terminal;
