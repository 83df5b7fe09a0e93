//! The client: the operations of the Runs API, each a runs-core machine driven over hyper.

use std::fmt;
use std::sync::Arc;

use hyper_util::client::legacy;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use runs_core::{
    Call, Config, ConfigBuilder, Error, FromConfig, GetRun, ListPage, ListRuns, Machine, Missing, Run, RunId,
    RunPage, RunStatus, Set, StartRun, Wait, WaitPolicy, drive, random_seed,
};
use tokio::time::Instant;

use crate::connect::{Connector, Route};
use crate::exchange::{Exchange, MAX_IN_FLIGHT, POOL_IDLE_TIMEOUT};
use crate::listing::Runs;
use crate::{proxy, tls};

/// An async client of the Runs API.
///
/// Cheap to clone: clones share the configuration and the connection pool, so make one and hand
/// clones to tasks. It works on the current-thread and the multi-thread tokio runtime, and
/// spawns nothing of its own: dropping any future or [`Runs`] stream it returns stops the operation at
/// once (an abandoned `POST` is never sent again later). hyper's per-connection tasks belong to
/// the pool, which closes idle connections after [`POOL_IDLE_TIMEOUT`].
///
/// At most [`MAX_IN_FLIGHT`] requests of one client (clones included) are on the wire at once;
/// more calls wait their turn, within their own timeout.
///
/// ```no_run
/// # async fn demo() -> Result<(), runs_async::Error> {
/// use runs_async::Client;
///
/// let client = Client::from_env()?.build()?;
/// let run = client.get_run(&"b4fznghynbdemslfd5k044fgd".parse()?).await?;
/// println!("{} is {}", run.id, run.status);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

struct Shared {
    config: Config,
    exchange: Exchange,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Config's Debug redacts the key.
        f.debug_struct("Client")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for a checked configuration.
    ///
    /// Fails with [`Error::Config`] when an extra root certificate is not usable PEM, or when
    /// the proxy chosen for the base URL is not an `http://` proxy. Needs no runtime: nothing
    /// connects until the first call.
    pub fn new(config: Config) -> Result<Self, Error> {
        let tls = tls::client_config(&config)?;
        let route = Route::new(proxy::proxy_for(&config)?);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(route);
        let connector = Connector::new(https, config.connect_timeout());
        let http = legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .build(connector);
        let exchange = Exchange::new(http, config.max_body_bytes());
        Ok(Self {
            shared: Arc::new(Shared { config, exchange }),
        })
    }

    /// The configuration builder with this client as its target: set the key and an endpoint,
    /// then `.build()` gives a `Client`. Every setting (timeouts, retries, proxy, roots) is
    /// runs-core's [`ConfigBuilder`].
    pub fn builder() -> ConfigBuilder<Missing, Missing, Client> {
        ConfigBuilder::new()
    }

    /// The builder with the key and endpoint read from `RUNS_API_KEY` and `RUNS_BASE_URL` (or
    /// `RUNS_REGION`); see [`ConfigBuilder::from_env`].
    pub fn from_env() -> Result<ConfigBuilder<Set, Set, Client>, Error> {
        ConfigBuilder::from_env()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Drives `machine` until it is done: the transport's one loop. `start` is the machine's
    /// time origin.
    pub(crate) async fn drive<M: Machine + Send>(&self, machine: &mut M, start: Instant) -> M::Output {
        let exchange = &self.shared.exchange;
        drive!(
            *machine,
            now = start.elapsed(),
            // The wall clock, for a Retry-After date that comes without a Date header.
            wall = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
            send(request, timeout) => exchange.send(request, timeout).await,
            sleep(delay) => tokio::time::sleep(delay).await,
        )
    }

    /// Gets a run by id (`GET /runs/{run_id}`), retrying as the retry policy allows.
    pub async fn get_run(&self, run_id: &RunId) -> Result<Run, Error> {
        let mut call = Call::new(self.config(), GetRun(run_id.clone()), random_seed());
        self.drive(&mut call, Instant::now()).await
    }

    /// Starts a run (`POST /runs`).
    ///
    /// The API has no idempotency key, so the request is sent again only when it provably
    /// never reached the server, or when the server answered 429 or 503 with `Retry-After`.
    pub async fn start_run(&self, start: &StartRun) -> Result<Run, Error> {
        let mut call = Call::new(self.config(), start.clone(), random_seed());
        self.drive(&mut call, Instant::now()).await
    }

    /// One page of runs (`GET /runs`); pass the page's `continuation_token` back in the query
    /// for the next one, or use [`runs`](Self::runs) to walk them all.
    pub async fn list_runs(&self, query: &ListRuns) -> Result<RunPage, Error> {
        let mut call = Call::new(self.config(), ListPage(query.clone()), random_seed());
        self.drive(&mut call, Instant::now()).await
    }

    /// Every run of `query`, page after page, at most `max_items` of them (`None`: all); see
    /// [`Runs`].
    pub fn runs(&self, query: &ListRuns, max_items: Option<u64>) -> Runs {
        Runs::new(self.clone(), query.clone(), max_items)
    }

    /// Waits for a run to reach a terminal status (`Succeeded`, `Failed`, `Cancelled`,
    /// `TimedOut`), polling it on the configured [`WaitPolicy`]. A terminal status is returned
    /// as `Ok`: check [`RunStatus::is_success`](runs_core::RunStatus::is_success).
    ///
    /// Ends with [`Error::WaitTimedOut`] when the policy's timeout passes first. Dropping the
    /// future stops the polling.
    pub async fn wait_for_run(&self, run_id: &RunId) -> Result<Run, Error> {
        self.wait_for_run_with(run_id, self.config().wait_policy().clone())
            .await
    }

    /// [`wait_for_run`](Self::wait_for_run) on another schedule than the configured one.
    pub async fn wait_for_run_with(&self, run_id: &RunId, policy: WaitPolicy) -> Result<Run, Error> {
        let mut wait = Wait::new(self.config(), run_id.clone(), policy, random_seed());
        self.drive(&mut wait, Instant::now()).await
    }

    /// [`wait_for_run_with`](Self::wait_for_run_with), calling `on_status` with each status a
    /// poll sees before the run is terminal, once per change (for a progress display).
    pub async fn wait_for_run_observed(
        &self,
        run_id: &RunId,
        policy: WaitPolicy,
        on_status: impl FnMut(&RunStatus) + Send,
    ) -> Result<Run, Error> {
        let mut wait = Wait::new(self.config(), run_id.clone(), policy, random_seed()).observed(on_status);
        self.drive(&mut wait, Instant::now()).await
    }

    /// Starts a run and waits for it to finish, on the configured wait policy.
    ///
    /// If the wait fails, the error does not carry the new run's id (except
    /// [`Error::WaitTimedOut`]); call [`start_run`](Self::start_run) then
    /// [`wait_for_run`](Self::wait_for_run) to keep it.
    pub async fn start_and_wait(&self, start: &StartRun) -> Result<Run, Error> {
        self.start_and_wait_with(start, self.config().wait_policy().clone())
            .await
    }

    /// [`start_and_wait`](Self::start_and_wait) on another schedule than the configured one.
    pub async fn start_and_wait_with(&self, start: &StartRun, policy: WaitPolicy) -> Result<Run, Error> {
        let started = self.start_run(start).await?;
        self.wait_for_run_with(&started.id, policy).await
    }
}

/// What lets [`Client::builder`] build a client.
impl FromConfig for Client {
    fn from_config(config: Config) -> Result<Self, Error> {
        Client::new(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}

    #[test]
    fn the_client_and_its_futures_can_move_between_threads() {
        assert_send_sync_clone::<Client>();
        let client = Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:1/v2")
            .build()
            .unwrap();
        let id: RunId = "r".parse().unwrap();
        assert_send(&client.get_run(&id));
        assert_send(&client.wait_for_run(&id));
        let start = StartRun::builder().agent_id("a").process_id("p").name("n");
        let start = start.stage(runs_core::ProcessStage::Draft).build().unwrap();
        assert_send(&client.start_and_wait(&start));
        let query = ListRuns::new("a".parse().unwrap(), "p".parse().unwrap());
        assert_send(&client.list_runs(&query));
        assert_send(&client.runs(&query, None));
    }

    #[test]
    fn debug_output_never_holds_the_key() {
        let client = Client::builder()
            .api_key("sk-very-secret")
            .base_url("http://127.0.0.1:1/v2")
            .build()
            .unwrap();
        assert!(!format!("{client:?}").contains("sk-very-secret"));
    }
}
