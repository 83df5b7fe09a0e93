//! Hostile servers and hostile settings (issue 14): each gap found by probing, closed for
//! good.
//!
//! Every test serves its own misbehaving HTTP server on loopback ([`server::ScriptedServer`]), and
//! checks the library on both transports (runs-blocking and runs-async, through
//! [`clients::Clients`]) where the gap was in the library, and the `runs` binary where it was
//! in the command line. Nothing sleeps to synchronise and nothing asserts on timing: counts of
//! requests bound what a client did, and a sleep can only make such a count smaller.

mod clients;
mod server;

mod connecting;
mod echoed_key;
mod edges;
mod exact_numbers;
mod hosts;
mod polling;
mod retry_after;
mod settings;
mod terminal;
mod uploads;

/// An error and its sources on one line, as anyhow's `{:#}` prints them: what a user sees.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
