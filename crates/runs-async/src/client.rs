//! The client: the operations of the Runs API, each a runs-core machine driven over hyper.
//!
//! The operations themselves (and their docs) are runs-core's `client_surface!`, expanded here
//! as async code by `maybe_async::must_be_async`; the same definition is blocking in
//! runs-blocking. What is written here is what only this transport has: the pooled hyper
//! client, and the loop that drives a machine with tokio's clock and sleep.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use hyper_util::client::legacy;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use runs_core::transport::{AsResponse, Hold, Machine, Request, SharedThrottle, drive};
use runs_core::{Config, Error, TransportError};
use tokio::time::Instant;

use crate::connect::{Connector, Route};
use crate::exchange::{Exchange, HttpService, MAX_IN_FLIGHT, POOL_IDLE_TIMEOUT};
use crate::listing::Processes;
use crate::listing::Runs;
use crate::tls;
use crate::upload::FileSource;

/// The span an operation runs in: `tracing`'s with the feature, nothing without it.
#[cfg(feature = "tracing")]
type Span = tracing::Span;
#[cfg(not(feature = "tracing"))]
type Span = runs_core::__private::NoSpan;

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
    /// The rate limit: one for the client, its clones and the clients `with_layer` makes.
    throttle: SharedThrottle,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Config's Debug redacts the key.
        f.debug_struct("Client")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

runs_core::__private::client_surface!(maybe_async::must_be_async);

impl Client {
    /// A client for a checked configuration.
    ///
    /// Fails with [`Error::Config`] when rustls cannot use an extra root certificate. Needs no
    /// runtime: nothing connects until the first call.
    pub fn new(config: Config) -> Result<Self, Error> {
        let tls = tls::client_config(&config)?;
        let route = Route::new(runs_core::transport::ConnectionPlan::of(&config).clone());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(route);
        let connector = Connector::new(https, config.connect_timeout());
        let mut pool = legacy::Client::builder(TokioExecutor::new());
        pool.pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(MAX_IN_FLIGHT);
        let http = pool.build(connector.clone());
        let uploads = pool.build(connector);
        let exchange = Exchange::new(http, uploads, config.max_body_bytes());
        Ok(Self {
            shared: Arc::new(Shared {
                throttle: SharedThrottle::new(&config),
                config,
                exchange,
            }),
        })
    }

    /// This client with `layer` around its HTTP exchange: a `tower` layer (or a stack of them,
    /// from `tower::ServiceBuilder`) that sees each attempt's request before it is sent and
    /// its whole response after the body was read, to add a header, limit the rate, count or
    /// time calls.
    ///
    /// What runs-core decides still holds with a layer in place: the request timeout covers
    /// the layer (a layer that waits, waits within the attempt's time), the body cap is applied
    /// below it, and retries, redirects and the deadline are decided on what it returns. An
    /// error of the layer's own ends the attempt as [`TransportErrorKind::Middleware`]
    /// (`runs_core::TransportErrorKind::Middleware`), which counts as possibly sent, so a POST
    /// is not re-sent after it; a layer that knows it sent nothing can fail with a
    /// [`TransportError`](runs_core::TransportError) of `Delivery::NotSent` instead. The
    /// returned client shares this one's connection pool; calling this again wraps the
    /// exchange anew, not the previous layers. A file upload (to the storage service's own
    /// origin) streams its body and does not pass through the layer, which sees whole bodies.
    ///
    /// ```
    /// use runs_async::Client;
    /// use tower::util::MapRequestLayer;
    ///
    /// let client = Client::builder().api_key("sk-test").base_url("http://127.0.0.1:1/v2").build()?;
    /// let client = client.with_layer(MapRequestLayer::new(|mut request: http::Request<bytes::Bytes>| {
    ///     request.headers_mut().insert("x-tenant", http::HeaderValue::from_static("acme"));
    ///     request
    /// }));
    /// # Ok::<(), runs_async::Error>(())
    /// ```
    ///
    /// [`TransportErrorKind::Middleware`]: runs_core::TransportErrorKind::Middleware
    pub fn with_layer<L>(&self, layer: L) -> Client
    where
        L: tower::Layer<HttpService>,
        L::Service: tower::Service<http::Request<Bytes>, Response = http::Response<Bytes>>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower::Service<http::Request<Bytes>>>::Error: Into<runs_core::BoxError>,
        <L::Service as tower::Service<http::Request<Bytes>>>::Future: Send + 'static,
    {
        use tower::ServiceExt;
        let layered = layer.layer(self.shared.exchange.service()).map_err(Into::into);
        let exchange = self
            .shared
            .exchange
            .with_layered(tower::util::BoxCloneSyncService::new(layered));
        Client {
            shared: Arc::new(Shared {
                config: self.shared.config.clone(),
                exchange,
                throttle: self.shared.throttle.clone(),
            }),
        }
    }

    fn config_ref(&self) -> &Config {
        &self.shared.config
    }

    pub(crate) fn exchange(&self) -> &Exchange {
        &self.shared.exchange
    }

    /// Drives a machine to its end with a fresh clock, inside the operation's span.
    async fn execute<M: Machine + Send>(&self, machine: &mut M, span: Span) -> M::Output {
        let driving = self.drive_api(machine, None);
        #[cfg(feature = "tracing")]
        let driving = tracing::Instrument::instrument(driving, span);
        #[cfg(not(feature = "tracing"))]
        let _ = span;
        driving.await
    }

    /// Drives an API operation's machine: [`drive`](Self::drive) with requests sent to the
    /// API, within the client's rate limit.
    pub(crate) async fn drive_api<M: Machine + Send>(
        &self,
        machine: &mut M,
        epoch: Option<Instant>,
    ) -> M::Output {
        self.drive(machine, epoch, |request, timeout| self.send_api(request, timeout))
            .await
    }

    /// Sends one API request within the client's rate limit: held as long as the throttle
    /// says (within the attempt's `timeout`), which then hears what came back.
    async fn send_api(
        &self,
        request: Request,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let throttle = &self.shared.throttle;
        let (mut turn, mut waited) = (None, Duration::ZERO);
        let left = loop {
            match throttle.hold(&mut turn, waited, timeout) {
                Hold::Send(left) => break left,
                Hold::Sleep(delay) => {
                    tokio::time::sleep(delay).await;
                    waited += delay;
                }
                Hold::Fail(error) => return Err(error),
            }
        };
        let sent = self.shared.exchange.send(request, left).await;
        if let Ok(response) = &sent {
            throttle.observe(&response.as_response());
        }
        sent
    }

    /// The transport's one loop, for API calls and uploads alike: drives `machine` until it
    /// is done, sending what it asks for with `send` (the API's requests, or an upload's) and
    /// sleeping when it says so. `epoch` is the machine's time origin; `None` starts it at the
    /// first poll, which is then at zero without a second reading of the clock.
    pub(crate) async fn drive<R, M, F>(
        &self,
        machine: &mut M,
        epoch: Option<Instant>,
        mut send: impl FnMut(R, Duration) -> F + Send,
    ) -> M::Output
    where
        M: Machine<R> + Send,
        F: Future<Output = Result<http::Response<Bytes>, TransportError>> + Send,
    {
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
            send(request, timeout) => send(request, timeout).await,
            sleep(delay) => tokio::time::sleep(delay).await,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runs_core::{ListRuns, RunId, StartRun, WaitOptions};

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
        assert_send(&client.wait_for_run(&id, WaitOptions::default()));
        let start = StartRun::builder().agent_id("a").process_id("p").name("n");
        let start = start.stage(runs_core::ProcessStage::Draft).build().unwrap();
        assert_send(&client.start_and_wait(&start, WaitOptions::default()));
        let query = ListRuns::new("a".parse().unwrap(), "p".parse().unwrap());
        assert_send(&client.list_runs(&query));
        assert_send(&client.runs(&query));
        assert_send(&client.upload_file(crate::FileSource::path("a.txt"), None));
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
