//! The client: the operations of the Runs API, each a runs-core machine driven to its end.
//!
//! The operations themselves (and their docs) are runs-core's `client_surface!`, expanded here
//! as blocking code by `maybe_async::must_be_sync`; the same definition is async in
//! runs-async. What is written here is what only this transport has: the ureq agent, and the
//! loop that drives a machine on the calling thread.

use std::fmt;
use std::time::Instant;

use runs_core::{Config, Error, Machine, drive};

use crate::listing::Runs;

/// A blocking Runs API client.
///
/// Cheap to clone (clones share one connection pool) and safe to share between threads.
/// Each method blocks until the operation is done, retries included, and gives up at the
/// configured deadline at the latest.
///
/// ```
/// use std::time::Duration;
/// use runs_blocking::{Client, Region};
///
/// let client = Client::builder()
///     .api_key("sk-live-1234")
///     .region(Region::Eu)
///     .deadline(Duration::from_secs(30))
///     .build()?;
/// assert_eq!(client.config().base_url().as_str(), "https://rest-api.eu.kognitos.com/v2");
/// # Ok::<(), runs_blocking::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    config: Config,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Config's Debug redacts the key.
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

runs_core::client_surface!(maybe_async::must_be_sync);

impl Client {
    /// A client for a configuration already built. Needs no network: nothing connects until
    /// the first call.
    pub fn new(config: Config) -> Result<Self, Error> {
        Ok(Self {
            agent: crate::agent::agent(&config)?,
            config,
        })
    }

    /// A client sending through `agent`, which tests build with a scripted lookup.
    #[cfg(test)]
    pub(crate) fn with_agent(config: Config, agent: ureq::Agent) -> Self {
        Self { agent, config }
    }

    fn config_ref(&self) -> &Config {
        &self.config
    }

    /// Drives a machine to its end with a fresh clock.
    fn execute<M: Machine>(&self, machine: &mut M) -> M::Output {
        self.drive(machine, Instant::now())
    }

    /// Drives a machine until it is done, `epoch` being the time its clock counts from: sends
    /// what it asks for, sleeps when it says so.
    pub(crate) fn drive<M: Machine>(&self, machine: &mut M, epoch: Instant) -> M::Output {
        drive!(
            *machine,
            now = epoch.elapsed(),
            // The wall clock, for a Retry-After date that comes without a Date header.
            wall = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
            send(request, timeout) => crate::send::send(
                &self.agent,
                request,
                timeout,
                self.config.request_timeout(),
                self.config.max_body_bytes(),
            ),
            sleep(delay) => std::thread::sleep(delay),
        )
    }
}
