//! The client: the operations of the Runs API, each a runs-core machine driven to its end.
//!
//! The operations themselves (and their docs) are runs-core's `client_surface!`, expanded here
//! as blocking code by `maybe_async::must_be_sync`; the same definition is async in
//! runs-async. What is written here is what only this transport has: the ureq agent, and the
//! loop that drives a machine on the calling thread.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use runs_core::transport::{AsResponse, Hold, Machine, SharedThrottle, drive};
use runs_core::{Config, Error};

use crate::agent::Pins;
use crate::listing::{Processes, Runs};
use crate::upload::FileSource;

/// The span an operation runs in: `tracing`'s with the feature, nothing without it.
#[cfg(feature = "tracing")]
type Span = tracing::Span;
#[cfg(not(feature = "tracing"))]
type Span = runs_core::__private::NoSpan;

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
    /// Set when the agent is a user's: the settings each request must carry.
    pins: Option<Arc<Pins>>,
    /// The rate limit, shared by the clones.
    throttle: SharedThrottle,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Config's Debug redacts the key.
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

runs_core::__private::client_surface!(maybe_async::must_be_sync);

impl Client {
    /// A client for a configuration already built. Needs no network: nothing connects until
    /// the first call.
    pub fn new(config: Config) -> Result<Self, Error> {
        Ok(Self {
            agent: crate::agent::agent(&config)?,
            throttle: SharedThrottle::new(&config),
            config,
            pins: None,
        })
    }

    /// A client that sends through `agent`, a `ureq::Agent` of your own: its middleware
    /// chain (`ureq::config::ConfigBuilder::middleware`: add a header, count or time calls),
    /// its connection pool and its resolver.
    ///
    /// runs-core's rules still hold on it: each request is given the settings they need,
    /// over whatever the agent says (statuses come back as data, redirects are left to
    /// runs-core, the request and connect timeouts, the body cap, and the connection plan's
    /// proxy and trusted roots from `config`); retries and the deadline are decided on what
    /// the middleware returns. A middleware that fails a request ends the attempt as ureq's
    /// error does, and a POST is then not re-sent unless the failure was while connecting.
    ///
    /// ```
    /// use runs_blocking::{Client, Config};
    ///
    /// let agent: ureq::Agent = ureq::Agent::config_builder()
    ///     .middleware(|mut request: http::Request<ureq::SendBody>, next: ureq::middleware::MiddlewareNext| {
    ///         request.headers_mut().insert("x-tenant", http::HeaderValue::from_static("acme"));
    ///         next.handle(request)
    ///     })
    ///     .build()
    ///     .into();
    /// let config = Config::builder().api_key("sk-test").base_url("http://127.0.0.1:1/v2").build()?;
    /// let client = Client::with_agent(config, agent)?;
    /// # Ok::<(), runs_blocking::Error>(())
    /// ```
    pub fn with_agent(config: Config, agent: ureq::Agent) -> Result<Self, Error> {
        Ok(Self {
            pins: Some(Arc::new(Pins::new(&config)?)),
            throttle: SharedThrottle::new(&config),
            agent,
            config,
        })
    }

    /// A client sending through an agent made by `agent::agent_with` (so needing no pins),
    /// which tests build with a scripted lookup.
    #[cfg(test)]
    pub(crate) fn with_own_agent(config: Config, agent: ureq::Agent) -> Self {
        Self {
            agent,
            throttle: SharedThrottle::new(&config),
            config,
            pins: None,
        }
    }

    fn config_ref(&self) -> &Config {
        &self.config
    }

    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    pub(crate) fn pins(&self) -> Option<&Pins> {
        self.pins.as_deref()
    }

    /// Drives a machine to its end with a fresh clock, inside the operation's span.
    fn execute<M: Machine>(&self, machine: &mut M, span: Span) -> M::Output {
        #[cfg(feature = "tracing")]
        let _entered = span.enter();
        #[cfg(not(feature = "tracing"))]
        let _ = span;
        self.drive_api(machine, None)
    }

    /// Drives an API operation's machine: [`drive`](Self::drive) with requests sent to the
    /// API, within the client's rate limit.
    pub(crate) fn drive_api<M: Machine>(&self, machine: &mut M, epoch: Option<Instant>) -> M::Output {
        self.drive(machine, epoch, |request, timeout| {
            self.throttled(timeout, |timeout| {
                crate::send::send(
                    &self.agent,
                    self.pins.as_deref(),
                    request,
                    timeout,
                    self.config.request_timeout(),
                    self.config.max_body_bytes(),
                )
            })
        })
    }

    /// The transport's one loop, for API calls and uploads alike: drives a machine until it is
    /// done, sending what it asks for with `send` (the API's requests, or an upload's) and
    /// sleeping when it says so. `epoch` is the time its clock counts from; `None` starts the
    /// clock at the first poll, which is then at zero without a second reading of the clock.
    pub(crate) fn drive<R, M: Machine<R>>(
        &self,
        machine: &mut M,
        epoch: Option<Instant>,
        mut send: impl FnMut(R, std::time::Duration) -> Result<http::Response<Vec<u8>>, runs_core::TransportError>,
    ) -> M::Output {
        #[cfg(feature = "tokio-check")]
        warn_on_runtime_worker();
        let mut epoch = epoch;
        drive!(
            *machine,
            now = match epoch {
                Some(epoch) => epoch.elapsed(),
                None => {
                    epoch = Some(Instant::now());
                    std::time::Duration::ZERO
                }
            },
            // The wall clock, for a Retry-After date that comes without a Date header.
            wall = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
            send(request, timeout) => send(request, timeout),
            sleep(delay) => std::thread::sleep(delay),
        )
    }

    /// Sends within the client's rate limit: waits as long as the throttle holds the request
    /// (within the attempt's `timeout`), and tells it what came back.
    fn throttled(
        &self,
        timeout: std::time::Duration,
        send: impl FnOnce(std::time::Duration) -> Result<http::Response<Vec<u8>>, runs_core::TransportError>,
    ) -> Result<http::Response<Vec<u8>>, runs_core::TransportError> {
        let (mut turn, mut waited) = (None, std::time::Duration::ZERO);
        let left = loop {
            match self.throttle.hold(&mut turn, waited, timeout) {
                Hold::Send(left) => break left,
                Hold::Sleep(delay) => {
                    std::thread::sleep(delay);
                    waited += delay;
                }
                Hold::Fail(error) => return Err(error),
            }
        };
        let sent = send(left);
        if let Ok(response) = &sent {
            self.throttle.observe(&response.as_response());
        }
        sent
    }
}

/// Warns when the calling thread runs a tokio runtime's tasks (a worker of a multi-thread
/// runtime, or the thread inside a current-thread runtime's `block_on`): every task there
/// waits until this call returns, a whole wait for `wait_for_run`. A `spawn_blocking` thread,
/// a thread inside `block_in_place` and a thread of no runtime are not such threads.
#[cfg(feature = "tokio-check")]
fn warn_on_runtime_worker() {
    if tokio::runtime::worker_index().is_some() {
        tracing::warn!(
            target: "runs",
            "the blocking client was called on a thread that runs async tasks, which wait until it returns; \
             call it inside tokio::task::spawn_blocking, or use runs-async"
        );
    }
}
